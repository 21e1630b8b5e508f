//! Property tests for checking answers, which the server runs on whatever a kiosk's sealed
//! submission holds: any JSON against any form is answered (a prepared set or a list of
//! sentences), never a panic; answers built to a form's rules pass, and passing again after
//! preparing changes nothing. Form definitions themselves (staff's JSON) are read or refused,
//! never a panic, and a valid one survives a round trip through JSON.

use super::*;
use crate::content::{ContentBody, VisibleIf};
use proptest::prelude::*;

/// Enough cases to find the edge a checker trips on, few enough to keep the suite quick.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

fn today() -> Date {
    Date::new(2026, 11, 22).expect("valid date")
}

fn epoch() -> Date {
    Date::new(2000, 1, 1).expect("valid date")
}

fn options(n: usize) -> Vec<ChoiceOption> {
    (0..n)
        .map(|i| ChoiceOption {
            value: format!("o{i}"),
            label: format!("选项{i}"),
            label_en: None,
        })
        .collect()
}

fn input() -> impl Strategy<Value = FieldInput> {
    let lengths = (1u32..=30).prop_flat_map(|hi| (prop::option::of(0..=hi), Just(hi)));
    prop_oneof![
        (lengths.clone(), any::<bool>()).prop_map(|((min_len, hi), person_name)| {
            FieldInput::Text {
                min_len,
                max_len: Some(hi),
                person_name,
            }
        }),
        lengths.prop_map(|(min_len, hi)| FieldInput::Multiline {
            min_len,
            max_len: Some(hi),
        }),
        (-1000i32..1000, 0i32..500, any::<bool>()).prop_map(|(lo, span, integer)| {
            FieldInput::Number {
                min: Some(f64::from(lo)),
                max: Some(f64::from(lo + span)),
                integer,
            }
        }),
        Just(FieldInput::Phone {
            status_check: false
        }),
        Just(FieldInput::ResidentId),
        (any::<bool>(), any::<bool>()).prop_map(|(min, max)| FieldInput::Date {
            min: min.then_some(DateLimit::On(epoch())),
            max: max.then_some(DateLimit::Today),
        }),
        (1usize..5).prop_map(|n| FieldInput::SingleChoice {
            options: options(n)
        }),
        (1usize..5)
            .prop_flat_map(|n| (Just(n), 0..=n))
            .prop_flat_map(|(n, lo)| (Just(n), Just(lo), lo..=n + 1, any::<bool>()))
            .prop_map(|(n, lo, hi, bounded)| FieldInput::MultiChoice {
                options: options(n),
                min_selected: bounded.then_some(lo as u32),
                max_selected: bounded.then_some(hi as u32),
            }),
        Just(FieldInput::Consent),
        Just(FieldInput::Section),
    ]
}

/// A form that passes its own validation: keys `f0`, `f1`, …; a field may be shown only when an
/// earlier one has a given answer.
fn form() -> impl Strategy<Value = FormDefinition> {
    prop::collection::vec(
        (
            input(),
            any::<bool>(),
            prop::option::of((any::<prop::sample::Index>(), "o0|o1|true|false")),
        ),
        1..8,
    )
    .prop_map(|specs| {
        let mut fields: Vec<FormField> = Vec::with_capacity(specs.len());
        for (i, (input, required, condition)) in specs.into_iter().enumerate() {
            let earlier: Vec<&FormField> = fields
                .iter()
                .filter(|f| !matches!(f.input, FieldInput::Section))
                .collect();
            let visible_if = condition
                .filter(|_| !earlier.is_empty())
                .map(|(at, equals)| {
                    let target = at.get(&earlier);
                    // A condition names one of its target's answers: an option's value, or
                    // true / false for a consent box.
                    let equals = match &target.input {
                        FieldInput::SingleChoice { options }
                        | FieldInput::MultiChoice { options, .. }
                            if !options.iter().any(|o| o.value == equals) =>
                        {
                            "o0".to_owned()
                        }
                        FieldInput::Consent if equals.starts_with('o') => "true".to_owned(),
                        _ => equals,
                    };
                    VisibleIf {
                        field: target.key.clone(),
                        equals,
                    }
                });
            let required = required && !matches!(input, FieldInput::Section);
            fields.push(FormField {
                key: format!("f{i}"),
                label: format!("字段{i}"),
                label_en: None,
                input,
                required,
                help: None,
                visible_if,
            });
        }
        let form = FormDefinition {
            title: "测试表单".to_owned(),
            title_en: None,
            description: String::new(),
            fields,
        };
        ContentBody::Form(form.clone())
            .validate()
            .expect("the generated form is valid");
        form
    })
}

/// A resident ID number born `days` after 1950-01-01, with a valid check character.
fn resident_id_born(days: i32, seq: u16, lower: bool) -> String {
    let born = Date::new(1950, 1, 1)
        .expect("valid date")
        .checked_add(jiff::Span::new().days(days))
        .expect("in range");
    let first17 = format!("110101{}{:03}", born.strftime("%Y%m%d"), seq % 1000);
    let bytes: &[u8; 17] = first17.as_bytes().try_into().expect("17 digits");
    let check = resident_id_check_char(bytes);
    let id = format!("{first17}{check}");
    if lower { id.to_lowercase() } else { id }
}

/// An answer that keeps `field`'s rules, or none where none is needed.
fn valid_answer(field: &FormField) -> BoxedStrategy<Option<Value>> {
    let text = |lo: u32, hi: u32| {
        proptest::string::string_regex(&format!("[\\p{{Han}}a-z0-9]{{{lo},{hi}}}"))
            .expect("a valid pattern")
            .prop_map(|s| Some(Value::from(s)))
            .boxed()
    };
    match &field.input {
        FieldInput::Text {
            min_len, max_len, ..
        }
        | FieldInput::Multiline { min_len, max_len } => {
            let hi = max_len.expect("generated with a maximum");
            text(min_len.unwrap_or(0).max(1), hi)
        }
        FieldInput::Number { min, max, integer } => {
            let lo = min.expect("generated with a minimum");
            let quarters = ((max.expect("generated with a maximum") - lo) * 4.0) as u32;
            let integer = *integer;
            (0..=quarters, any::<bool>())
                .prop_map(move |(q, as_text)| {
                    let q = if integer { q - q % 4 } else { q };
                    let n = lo + f64::from(q) / 4.0;
                    Some(if as_text {
                        Value::from(n.to_string())
                    } else {
                        Value::from(n)
                    })
                })
                .boxed()
        }
        FieldInput::Phone { .. } => "1[3-9][0-9]{9}".prop_map(|p| Some(Value::from(p))).boxed(),
        FieldInput::ResidentId => (0i32..18_000, any::<u16>(), any::<bool>())
            .prop_map(|(days, seq, lower)| Some(Value::from(resident_id_born(days, seq, lower))))
            .boxed(),
        FieldInput::Date { .. } => (0i32..9_000)
            .prop_map(|days| {
                let d = epoch()
                    .checked_add(jiff::Span::new().days(days))
                    .expect("in range");
                Some(Value::from(d.to_string()))
            })
            .boxed(),
        FieldInput::SingleChoice { options } => {
            prop::sample::select(options.iter().map(|o| o.value.clone()).collect::<Vec<_>>())
                .prop_map(|v| Some(Value::from(v)))
                .boxed()
        }
        FieldInput::MultiChoice {
            options,
            min_selected,
            max_selected,
        } => {
            let values: Vec<Value> = options
                .iter()
                .map(|o| Value::from(o.value.clone()))
                .collect();
            let lo = min_selected.unwrap_or(0).max(1) as usize;
            let hi = max_selected
                .map_or(values.len(), |m| m as usize)
                .min(values.len());
            if lo > hi {
                // Only "none chosen" keeps the rules; a required field cannot be generated so.
                return Just(None).boxed();
            }
            prop::sample::subsequence(values, lo..=hi)
                .prop_shuffle()
                .prop_map(|chosen| Some(Value::Array(chosen)))
                .boxed()
        }
        FieldInput::Consent => Just(Some(Value::Bool(true))).boxed(),
        FieldInput::Section => Just(None).boxed(),
    }
}

/// A form and answers to it that keep every rule.
fn form_with_valid_answers() -> impl Strategy<Value = (FormDefinition, Answers)> {
    form()
        .prop_filter("a required multiple choice can be answered", |f| {
            f.fields.iter().all(|field| match &field.input {
                FieldInput::MultiChoice { max_selected, .. } => {
                    !field.required || *max_selected != Some(0)
                }
                _ => true,
            })
        })
        .prop_flat_map(|form| {
            let answers: Vec<_> = form.fields.iter().map(valid_answer).collect();
            (Just(form), answers)
        })
        .prop_map(|(form, answers)| {
            let answers = form
                .fields
                .iter()
                .zip(answers)
                .filter_map(|(f, a)| a.map(|a| (f.key.clone(), a)))
                .collect();
            (form, answers)
        })
}

/// Any JSON, a few levels deep, with the strings a form would take among it.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        "o[0-4]|true|-?[0-9]{1,4}(\\.[0-9]{1,2})?|1[3-9][0-9]{9}|20[0-9]{2}-[01][0-9]-[0-3][0-9]"
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn answers_to(keys: usize) -> impl Strategy<Value = Answers> {
    prop::collection::btree_map(
        prop_oneof![(0..keys + 1).prop_map(|i| format!("f{i}")), "\\PC{0,8}",],
        json(),
        0..10,
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_answers_are_checked_without_panicking(
        (form, answers) in form().prop_flat_map(|f| {
            let n = f.fields.len();
            (Just(f), answers_to(n))
        }),
    ) {
        for field in &form.fields {
            let _ = form.is_visible(&field.key, &answers);
            if let Err(e) = form.check_field(&field.key, &answers, today()) {
                prop_assert!(!e.message(Lang::Zh).is_empty());
                prop_assert!(!e.message(Lang::En).is_empty());
            }
        }
        let _ = form.visible_fields(&answers).count();
        let _ = form.phone_last4(&answers);
        match form.prepare_answers(&answers, today()) {
            Ok(prepared) => {
                prop_assert!(prepared.keys().all(|k| form.field(k).is_some()));
                prop_assert_eq!(form.prepare_answers(&prepared, today()), Ok(prepared));
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(!describe(&form, &errors, Lang::Zh).is_empty());
                prop_assert!(!describe(&form, &errors, Lang::En).is_empty());
            }
        }
    }

    #[test]
    fn any_json_as_a_form_definition_is_read_or_refused(value in json()) {
        // What staff paste into the console's JSON editor, or a client sends to the API.
        if let Ok(definition) = serde_json::from_value::<FormDefinition>(value)
            && let Err(problems) = ContentBody::Form(definition).validate()
        {
            prop_assert!(!problems.is_empty());
            prop_assert!(problems.iter().all(|p| !p.message.is_empty()));
        }
    }

    #[test]
    fn a_valid_definition_survives_json_and_a_damaged_one_is_refused_cleanly(
        form in form(),
        cut in any::<prop::sample::Index>(),
        replacement in json(),
    ) {
        let text = serde_json::to_string(&form).expect("a definition serialises");
        let back: FormDefinition = serde_json::from_str(&text).expect("and reads back");
        prop_assert_eq!(&back, &form);
        prop_assert!(ContentBody::Form(back).validate().is_ok());

        // One field of the first form field replaced by anything at all.
        let mut value = serde_json::to_value(&form).expect("a definition serialises");
        if let Some(Value::Object(first)) =
            value.get_mut("fields").and_then(|f| f.get_mut(0))
        {
            let keys: Vec<String> = first.keys().cloned().collect();
            let key = cut.get(&keys).clone();
            first.insert(key, replacement);
        }
        if let Ok(damaged) = serde_json::from_value::<FormDefinition>(value) {
            let _ = ContentBody::Form(damaged).validate();
        }
    }

    #[test]
    fn answers_built_to_the_rules_pass((form, answers) in form_with_valid_answers()) {
        for field in &form.fields {
            prop_assert_eq!(form.check_field(&field.key, &answers, today()), Ok(()), "{}", field.key);
        }
        let prepared = form.prepare_answers(&answers, today());
        prop_assert!(prepared.is_ok(), "{:?}\n{:?}\n{:?}", prepared, form, answers);
        let prepared = prepared.expect("checked above");
        prop_assert_eq!(form.prepare_answers(&prepared, today()), Ok(prepared.clone()));
        prop_assert_eq!(form.check_answers(&answers, today()), Ok(()));
    }
}
