use super::*;
use crate::content::ContentBody;
use serde_json::json;

fn today() -> Date {
    Date::new(2026, 11, 22).expect("valid date")
}

fn form(fields: Value) -> FormDefinition {
    let body: ContentBody = serde_json::from_value(json!({
        "kind": "form", "title": "测试表单", "fields": fields
    }))
    .expect("form parses");
    body.validate().expect("form definition is valid");
    match body {
        ContentBody::Form(f) => f,
        other => panic!("not a form: {other:?}"),
    }
}

/// Checks `value` as the answer to a one-field form whose field is `field` (key `f`).
fn one(field: Value, value: Value) -> Result<Option<Value>, AnswerError> {
    let mut field = field;
    field["key"] = json!("f");
    field["label"] = json!("字段");
    let form = form(json!([field]));
    let answers: Answers = [("f".to_owned(), value)].into();
    form.check_field("f", &answers, today())?;
    match form.prepare_answers(&answers, today()) {
        Ok(mut out) => Ok(out.remove("f")),
        Err(mut e) => Err(e.remove(0).error),
    }
}

#[test]
fn resident_id_numbers() {
    use AnswerError::*;
    let cases: &[(&str, Result<&str, AnswerError>)] = &[
        // Valid, check characters computed with ISO 7064 MOD 11-2.
        ("11010519491231002X", Ok("11010519491231002X")),
        ("11010519491231002x", Ok("11010519491231002X")),
        ("31010419900307123X", Ok("31010419900307123X")),
        ("51010719850214567X", Ok("51010719850214567X")),
        ("42010219880606105X", Ok("42010219880606105X")),
        ("650102200002290319", Ok("650102200002290319")),
        ("320583197708158861", Ok("320583197708158861")),
        ("370202199912310000", Ok("370202199912310000")),
        ("110101199001010031", Ok("110101199001010031")),
        ("810000198001010014", Ok("810000198001010014")),
        (" 110101 1990 0101 0031 ", Ok("110101199001010031")),
        // Wrong check character: one digit mistyped, or the X dropped.
        ("110105194912310021", Err(IdChecksum)),
        ("110101199001010032", Err(IdChecksum)),
        ("320583197708158862", Err(IdChecksum)),
        ("110101199001011031", Err(IdChecksum)),
        // Shape.
        ("11010519491231002", Err(IdFormat)),
        ("11010519491231002XX", Err(IdFormat)),
        ("110105194912310", Err(IdFormat)),
        ("1101051949123100X2", Err(IdFormat)),
        ("11010519491231002Y", Err(IdFormat)),
        ("１１０１０５１９４９１２３１００２Ｘ", Err(IdFormat)),
        // Region: no province 00, 99 or 10.
        ("000000199001010013", Err(IdRegion)),
        ("990101199001010011", Err(IdRegion)),
        ("100101199001010010", Err(IdRegion)),
        // Birth dates that do not exist, or are too early or in the future.
        ("110101199002300030", Err(IdBirthDate)),
        ("110101199013010030", Err(IdBirthDate)),
        ("110101199000010030", Err(IdBirthDate)),
        ("650102200102290314", Err(IdBirthDate)),
        ("440524188001010014", Err(IdBirthDate)),
        ("330106202612010017", Err(IdBirthInFuture)),
        ("330106202401010011", Ok("330106202401010011")),
    ];
    for (typed, want) in cases {
        let got = resident_id(typed, today());
        assert_eq!(
            got.as_deref().map_err(Clone::clone),
            want.clone(),
            "{typed}"
        );
    }
    // Every fresh number with a computed check character passes, whatever its digits.
    for seq in 100..400u32 {
        let first = format!("4201021988060{seq:03}0");
        let first17: [u8; 17] = first.as_bytes().try_into().expect("17 digits");
        let id = format!("{first}{}", resident_id_check_char(&first17));
        assert_eq!(resident_id(&id, today()).as_deref(), Ok(id.as_str()));
    }
}

#[test]
fn phone_numbers() {
    use AnswerError::InvalidPhone;
    let cases: &[(&str, Result<&str, AnswerError>)] = &[
        ("13912345678", Ok("13912345678")),
        ("19912345678", Ok("19912345678")),
        ("16600000000", Ok("16600000000")),
        ("139 1234 5678", Ok("13912345678")),
        ("139-1234-5678", Ok("13912345678")),
        ("12912345678", Err(InvalidPhone)),
        ("10912345678", Err(InvalidPhone)),
        ("23912345678", Err(InvalidPhone)),
        ("1391234567", Err(InvalidPhone)),
        ("139123456789", Err(InvalidPhone)),
        ("+8613912345678", Err(InvalidPhone)),
        ("1391234567a", Err(InvalidPhone)),
        ("010-12345678", Err(InvalidPhone)),
        ("", Err(InvalidPhone)),
    ];
    for (typed, want) in cases {
        assert_eq!(
            phone(typed).as_deref().map_err(Clone::clone),
            want.clone(),
            "{typed}"
        );
    }
}

#[test]
fn dates_and_their_limits() {
    use AnswerError::*;
    let plain = json!({"type": "date"});
    let ok = |s: &str| Ok(Some(json!(s)));
    assert_eq!(one(plain.clone(), json!("2024-02-29")), ok("2024-02-29"));
    for bad in [
        "2023-02-29",
        "2024-13-01",
        "2024-04-31",
        "2024-4-1",
        "2024/04/01",
        "20240401",
        "2024-04-01T00:00",
        "昨天",
    ] {
        assert_eq!(one(plain.clone(), json!(bad)), Err(InvalidDate), "{bad}");
    }
    let past = json!({"type": "date", "min": "1960-01-01", "max": "today"});
    assert_eq!(one(past.clone(), json!("2026-11-22")), ok("2026-11-22"));
    assert_eq!(
        one(past.clone(), json!("2026-11-23")),
        Err(DateTooLate { max: today() })
    );
    assert_eq!(
        one(past, json!("1959-12-31")),
        Err(DateTooEarly {
            min: Date::new(1960, 1, 1).expect("date")
        })
    );
    let future = json!({"type": "date", "min": "today"});
    assert!(one(future, json!("2026-11-21")).is_err());
    assert_eq!(one(plain, json!(20240101)), Err(WrongType));
}

#[test]
fn text_lengths_count_characters() {
    use AnswerError::*;
    let name = json!({"type": "text", "min_len": 2, "max_len": 4, "required": true});
    let cases: &[(Value, Result<Option<Value>, AnswerError>)] = &[
        (json!("张三"), Ok(Some(json!("张三")))),
        (json!("  欧阳娜娜 "), Ok(Some(json!("欧阳娜娜")))),
        (json!("张"), Err(TooShort { min: 2, len: 1 })),
        (json!("欧阳娜娜娜"), Err(TooLong { max: 4, len: 5 })),
        (json!("   "), Err(Required)),
        (Value::Null, Err(Required)),
        (json!("张\n三"), Err(LineBreak)),
        (json!(12), Err(WrongType)),
    ];
    for (value, want) in cases {
        assert_eq!(&one(name.clone(), value.clone()), want, "{value}");
    }
    let long = "字".repeat(TEXT_DEFAULT_MAX as usize + 1);
    assert!(matches!(
        one(json!({"type": "text"}), json!(long)),
        Err(TooLong { .. })
    ));
    let notes = json!({"type": "multiline", "min_len": 3});
    assert_eq!(
        one(notes.clone(), json!("第一行\n第二行")),
        Ok(Some(json!("第一行\n第二行")))
    );
    assert_eq!(
        one(notes.clone(), json!("")),
        Ok(None),
        "optional and empty"
    );
    assert_eq!(one(notes, json!("短")), Err(TooShort { min: 3, len: 1 }));
}

#[test]
fn numbers_integers_and_decimals() {
    use AnswerError::*;
    let people = json!({"type": "number", "min": 1, "max": 15, "integer": true});
    let money = json!({"type": "number", "min": 0, "max": 200000});
    type Case<'a> = (&'a Value, Value, Result<Option<Value>, AnswerError>);
    let cases: &[Case] = &[
        (&people, json!(3), Ok(Some(json!(3)))),
        (&people, json!("3"), Ok(Some(json!(3)))),
        (&people, json!(1), Ok(Some(json!(1)))),
        (&people, json!(15), Ok(Some(json!(15)))),
        (&people, json!(0), Err(TooSmall { min: 1.0 })),
        (&people, json!(16), Err(TooLarge { max: 15.0 })),
        (&people, json!(2.5), Err(NotAnInteger)),
        (&people, json!("2.5"), Err(NotAnInteger)),
        (&money, json!("3500.50"), Ok(Some(json!(3500.5)))),
        (&money, json!("0"), Ok(Some(json!(0)))),
        (&money, json!("-1"), Err(TooSmall { min: 0.0 })),
        (&money, json!("1e3"), Err(NotANumber)),
        (&money, json!("3."), Err(NotANumber)),
        (&money, json!(".5"), Err(NotANumber)),
        (&money, json!("1.2.3"), Err(NotANumber)),
        (&money, json!("三千"), Err(NotANumber)),
        (&money, json!("inf"), Err(NotANumber)),
        (&money, json!([1]), Err(WrongType)),
    ];
    for (field, value, want) in cases {
        assert_eq!(
            &one((*field).clone(), value.clone()),
            want,
            "{field} {value}"
        );
    }
}

#[test]
fn choices_and_consent() {
    use AnswerError::*;
    let options = json!([
        {"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}, {"value": "c", "label": "丙"}
    ]);
    let single = json!({"type": "single_choice", "options": options, "required": true});
    assert_eq!(one(single.clone(), json!("b")), Ok(Some(json!("b"))));
    assert_eq!(
        one(single.clone(), json!("d")),
        Err(UnknownOption { value: "d".into() })
    );
    assert_eq!(one(single.clone(), json!("")), Err(Required));
    assert_eq!(one(single, json!(["a"])), Err(WrongType));

    let multi =
        json!({"type": "multi_choice", "options": options, "min_selected": 1, "max_selected": 2});
    assert_eq!(
        one(multi.clone(), json!(["c", "a"])),
        Ok(Some(json!(["a", "c"]))),
        "kept in the form's order"
    );
    assert_eq!(
        one(multi.clone(), json!([])),
        Ok(None),
        "optional: nothing chosen"
    );
    assert_eq!(
        one(multi.clone(), json!(["a", "b", "c"])),
        Err(TooManyChoices { max: 2 })
    );
    assert_eq!(one(multi.clone(), json!(["a", "a"])), Err(DuplicateOption));
    assert_eq!(
        one(multi.clone(), json!(["x"])),
        Err(UnknownOption { value: "x".into() })
    );
    assert_eq!(one(multi, json!("a")), Err(WrongType));
    let at_least_two = json!({"type": "multi_choice", "options": options, "min_selected": 2});
    assert_eq!(
        one(at_least_two, json!(["b"])),
        Err(TooFewChoices { min: 2 })
    );

    let consent = json!({"type": "consent", "required": true});
    assert_eq!(one(consent.clone(), json!(true)), Ok(Some(json!(true))));
    assert_eq!(one(consent.clone(), json!(false)), Err(ConsentRequired));
    assert_eq!(one(consent, Value::Null), Err(ConsentRequired));
    assert_eq!(one(json!({"type": "consent"}), json!(false)), Ok(None));
}

fn hardship() -> FormDefinition {
    form(json!([
        {"key": "s1", "label": "基本信息", "type": "section", "help": "请如实填写"},
        {"key": "name", "label": "姓名", "type": "text", "required": true},
        {"key": "phone", "label": "手机", "type": "phone", "required": true},
        {"key": "reason", "label": "原因", "type": "single_choice", "required": true, "options": [
            {"value": "illness", "label": "疾病"}, {"value": "other", "label": "其他"}]},
        {"key": "reason_other", "label": "其他原因", "type": "text", "required": true,
         "visible_if": {"field": "reason", "equals": "other"}},
        {"key": "detail", "label": "补充说明", "type": "multiline", "required": true,
         "visible_if": {"field": "reason_other", "equals": "火灾"}},
        {"key": "kinds", "label": "类型", "type": "multi_choice", "options": [
            {"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]},
        {"key": "kind_b", "label": "乙的说明", "type": "text", "required": true,
         "visible_if": {"field": "kinds", "equals": "b"}},
        {"key": "consent", "label": "同意", "type": "consent", "required": true}
    ]))
}

fn answers(pairs: Value) -> Answers {
    serde_json::from_value(pairs).expect("answers")
}

#[test]
fn conditional_fields_are_required_only_when_shown_and_dropped_when_hidden() {
    let form = hardship();
    let base =
        json!({"name": "张三", "phone": "13912345678", "reason": "illness", "consent": true});
    // Hidden: not required, and an answer left over from before is dropped.
    let mut a = answers(base.clone());
    a.insert("reason_other".into(), json!("以前填的"));
    a.insert("kind_b".into(), json!(""));
    assert!(!form.is_visible("reason_other", &a));
    assert_eq!(form.check_field("reason_other", &a, today()), Ok(()));
    let out = form.prepare_answers(&a, today()).expect("valid");
    assert!(!out.contains_key("reason_other"), "{out:?}");
    assert_eq!(out.len(), 4);

    // Shown by "其他": now required.
    a.insert("reason".into(), json!("other"));
    a.remove("reason_other");
    assert!(form.is_visible("reason_other", &a));
    assert_eq!(
        form.check_field("reason_other", &a, today()),
        Err(AnswerError::Required)
    );
    let errors = form.prepare_answers(&a, today()).expect_err("missing");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].key, "reason_other");

    // A chain: detail depends on reason_other, which depends on reason.
    a.insert("reason_other".into(), json!("火灾"));
    assert!(form.is_visible("detail", &a));
    a.insert("reason".into(), json!("illness"));
    assert!(!form.is_visible("detail", &a), "hidden with its parent");

    // A multi choice shows its dependant when it contains the value.
    let mut m = answers(base);
    m.insert("kinds".into(), json!(["a", "b"]));
    assert!(form.is_visible("kind_b", &m));
    assert!(form.prepare_answers(&m, today()).is_err());
    m.insert("kinds".into(), json!(["a"]));
    assert!(form.prepare_answers(&m, today()).is_ok());

    let shown: Vec<&str> = form.visible_fields(&m).map(|f| f.key.as_str()).collect();
    assert_eq!(
        shown,
        ["s1", "name", "phone", "reason", "kinds", "consent"],
        "sections are drawn, hidden fields are not"
    );
}

#[test]
fn whole_form_reports_every_problem_in_field_order() {
    let form = hardship();
    let a = answers(json!({
        "consent": false, "phone": "12345", "stray": "?", "s1": "", "name": ""
    }));
    let errors = form.prepare_answers(&a, today()).expect_err("invalid");
    let got: Vec<(&str, &AnswerError)> =
        errors.iter().map(|e| (e.key.as_str(), &e.error)).collect();
    assert_eq!(
        got,
        [
            ("name", &AnswerError::Required),
            ("phone", &AnswerError::InvalidPhone),
            ("reason", &AnswerError::Required),
            ("consent", &AnswerError::ConsentRequired),
            ("stray", &AnswerError::UnexpectedAnswer),
        ]
    );
    let zh = describe(&form, &errors, Lang::Zh);
    assert!(
        zh.starts_with("姓名：这一项必须填写；手机：请填写 11 位手机号码"),
        "{zh}"
    );
    let en = describe(&form, &errors, Lang::En);
    assert!(en.contains("Please fill in this field."), "{en}");
    assert_eq!(
        form.check_field("nope", &a, today()),
        Err(AnswerError::UnexpectedAnswer)
    );
    let answered_section = answers(json!({"s1": "x"}));
    let errors = form
        .prepare_answers(&answered_section, today())
        .expect_err("bad");
    assert!(
        errors
            .iter()
            .any(|e| e.key == "s1" && e.error == AnswerError::UnexpectedAnswer)
    );
}

#[test]
fn every_error_has_a_sentence_in_both_languages() {
    use AnswerError::*;
    let d = today();
    let all = [
        Required,
        WrongType,
        TooShort { min: 2, len: 1 },
        TooLong { max: 4, len: 5 },
        LineBreak,
        NotANumber,
        NotAnInteger,
        TooSmall { min: 1.0 },
        TooLarge { max: 2.5 },
        InvalidPhone,
        IdFormat,
        IdRegion,
        IdBirthDate,
        IdBirthInFuture,
        IdChecksum,
        InvalidDate,
        DateTooEarly { min: d },
        DateTooLate { max: d },
        UnknownOption { value: "x".into() },
        DuplicateOption,
        TooFewChoices { min: 2 },
        TooManyChoices { max: 1 },
        ConsentRequired,
        UnexpectedAnswer,
    ];
    for e in &all {
        let zh = e.message(Lang::Zh);
        let en = e.message(Lang::En);
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e:?}: {zh}"
        );
        assert!(en.is_ascii() && en.ends_with('.'), "{e:?}: {en}");
    }
    assert_eq!(TooSmall { min: 1.0 }.message(Lang::Zh), "不能小于 1");
    assert_eq!(
        TooLarge { max: 2.5 }.message(Lang::En),
        "The number must be at most 2.5."
    );
}

#[test]
fn the_status_phone_is_the_marked_one_or_else_the_first() {
    let first = form(json!([
        {"key": "emergency", "label": "紧急联系人电话", "type": "phone"},
        {"key": "mine", "label": "本人手机", "type": "phone"}
    ]));
    assert_eq!(first.status_phone_key(), Some("emergency"));
    let marked = form(json!([
        {"key": "emergency", "label": "紧急联系人电话", "type": "phone"},
        {"key": "mine", "label": "本人手机", "type": "phone", "status_check": true}
    ]));
    assert_eq!(marked.status_phone_key(), Some("mine"));
    let a = answers(json!({"emergency": "13800000000", "mine": "13912345678"}));
    assert_eq!(marked.phone_last4(&a).as_deref(), Some("5678"));
    assert_eq!(
        form(json!([{"key": "n", "label": "名", "type": "text"}])).status_phone_key(),
        None
    );
}

#[test]
fn bad_form_definitions_are_refused() {
    let bad = [
        json!([{"key": "a", "label": "甲", "type": "date", "min": "2025-01-01", "max": "2024-01-01"}]),
        json!([{"key": "a", "label": "甲", "type": "multi_choice", "min_selected": 3,
                "options": [{"value": "x", "label": "x"}]}]),
        json!([{"key": "p", "label": "甲", "type": "phone", "status_check": true},
               {"key": "q", "label": "乙", "type": "phone", "status_check": true}]),
        json!([{"key": "s", "label": "分组", "type": "section"},
               {"key": "a", "label": "甲", "type": "text", "visible_if": {"field": "s", "equals": "x"}}]),
    ];
    for fields in bad {
        let body: ContentBody =
            serde_json::from_value(json!({"kind": "form", "title": "表", "fields": fields}))
                .expect("parses");
        assert!(body.validate().is_err(), "{body:?}");
    }
    let not_a_date: Result<ContentBody, _> = serde_json::from_value(json!({
        "kind": "form", "title": "表",
        "fields": [{"key": "a", "label": "甲", "type": "date", "max": "tomorrow"}]
    }));
    assert!(not_a_date.is_err());
}

#[test]
fn the_demo_forms_load_and_accept_a_sensible_answer() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/forms");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("demo forms dir") {
        let path = entry.expect("entry").path();
        let body: ContentBody =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("parses");
        body.validate()
            .unwrap_or_else(|p| panic!("{}: {p:?}", path.display()));
        let ContentBody::Form(form) = body else {
            panic!("{} is not a form", path.display());
        };
        assert!(form.status_phone_key().is_some(), "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 5);
    let membership: ContentBody =
        serde_json::from_str(&std::fs::read_to_string(dir.join("membership.json")).expect("read"))
            .expect("parses");
    let ContentBody::Form(membership) = membership else {
        panic!("not a form");
    };
    let a = answers(json!({
        "name": "王小明", "gender": "male", "id_number": "11010519491231002x",
        "phone": "139 1234 5678", "org_unit": "lj_chengdong", "dept": "营业部",
        "employment": "contract", "join_date": "2015-07-01", "prev_member": "no",
        "prev_union": "不该出现", "consent": true
    }));
    let out = membership
        .prepare_answers(&a, today())
        .expect("valid membership");
    assert_eq!(out["id_number"], json!("11010519491231002X"));
    assert_eq!(out["phone"], json!("13912345678"));
    assert!(!out.contains_key("prev_union"));
    assert_eq!(membership.phone_last4(&out).as_deref(), Some("5678"));
}
