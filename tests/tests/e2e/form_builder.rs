//! The console's form builder (issue 17, part 3) over real HTTPS: a form built field by field
//! (added, moved, removed, with rules, a condition and the status-check phone) and published;
//! a new version published while a kiosk still holds a submission filled in on the old one,
//! which is accepted and shown as the old version; hostile input to the builder and to the JSON
//! editor refused by the one check with a clear sentence in Chinese and English, the staff's
//! other edits kept; and only publishers may open or post any of it. A form published from the
//! builder gets a tile on the home screen its kiosks show, where the publisher may edit it.

use kiosk::admin;
use kiosk::net::ServerClient;
use kiosk::store::Store;
use protocol::ContentId;
use protocol::content::{ContentBody, FieldInput, HomeLayout, Tile, TileAction};
use protocol::staff::{ContentRecord, Role};
use protocol::submission::FormAnswers;
use reqwest::StatusCode;
use serde_json::json;
use tests::console::{Answer, Console};
use tests::{ADMIN, PASSWORD, TestServer};

/// The builder's inputs for a draft, as the page would post them.
type Inputs = Vec<(String, String)>;

fn set(inputs: &mut Inputs, name: &str, value: &str) {
    inputs.retain(|(k, _)| k != name);
    inputs.push((name.to_owned(), value.to_owned()));
}

/// A field's inputs at position `i`: `(name, value)` pairs after `f.<i>.`.
fn field(inputs: &mut Inputs, i: usize, parts: &[(&str, &str)]) {
    for (name, value) in parts {
        set(inputs, &format!("f.{i}.{name}"), value);
    }
}

async fn post(c: &mut Console, path: &str, inputs: &Inputs) -> Answer {
    let pairs: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post(path, &pairs).await
}

/// A home layout of one tile, opening the library.
fn home_layout() -> ContentBody {
    ContentBody::HomeLayout(HomeLayout {
        tiles: vec![Tile {
            title: "职工书屋".to_owned(),
            title_en: None,
            icon: "book".to_owned(),
            action: TileAction::Library,
        }],
    })
}

fn opens(layout: &HomeLayout, form: &str) -> bool {
    layout
        .tiles
        .iter()
        .any(|t| matches!(&t.action, TileAction::Form { form_id } if form_id.0 == form))
}

/// The query value `name` in a redirect's location, decoded.
fn query_value(location: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("https://x{location}")).expect("a location");
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The keys of the fields as the builder drew them, in order.
fn keys_drawn(page: &str) -> Vec<String> {
    page.split("name=\"f.")
        .skip(1)
        .filter_map(|rest| {
            let (_, rest) = rest.split_once(".key\" value=\"")?;
            rest.split_once('"').map(|(k, _)| k.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_form_is_built_and_a_submission_filled_in_on_the_old_version_still_counts() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let home: ContentRecord = admin
        .publish(province, home_layout())
        .await
        .expect("a home layout");
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;

    // A new form, built a step at a time: each button posts the page and gets it back.
    let new = c.get("/console/forms?new=1").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(new.body.contains("id=\"form-preview\""), "a preview");
    assert!(
        new.body.contains("name=\"home_tile\" value=\"1\" checked"),
        "the home tile is offered, ticked"
    );
    let mut f: Inputs = Vec::new();
    set(&mut f, "org", &province.0.to_string());
    set(&mut f, "title", "困难帮扶申请");
    field(
        &mut f,
        0,
        &[
            ("type", "text"),
            ("key", "name"),
            ("label", "姓名"),
            ("required", "1"),
            ("person_name", "1"),
            ("max_len", "20"),
        ],
    );
    set(&mut f, "op", "add");
    set(&mut f, "new_type", "single_choice");
    let added = post(&mut c, "/console/forms/build", &f).await;
    assert_eq!(added.status, StatusCode::OK);
    assert_eq!(keys_drawn(&added.body), ["name", "field_2"]);
    assert!(
        added.body.contains("选择题至少要有一个选项"),
        "a new choice asks for its options"
    );
    field(
        &mut f,
        1,
        &[
            ("type", "single_choice"),
            ("key", "kind"),
            ("label", "困难类型"),
            ("label_en", "Hardship"),
            ("required", "1"),
            ("options", "ill | 因病 | Illness\r\naccident | 意外事故"),
        ],
    );
    field(
        &mut f,
        2,
        &[
            ("type", "multiline"),
            ("key", "story"),
            ("label", "困难情况说明"),
            ("if_field", "kind"),
            ("if_equals", "ill"),
        ],
    );
    field(
        &mut f,
        3,
        &[
            ("type", "number"),
            ("key", "people"),
            ("label", "家庭人数"),
            ("integer", "1"),
            ("min", "1"),
            ("max", "20"),
        ],
    );
    field(
        &mut f,
        4,
        &[
            ("type", "phone"),
            ("key", "phone"),
            ("label", "手机号码"),
            ("required", "1"),
        ],
    );
    field(
        &mut f,
        5,
        &[
            ("type", "date"),
            ("key", "since"),
            ("label", "困难开始日期"),
            ("max", "today"),
        ],
    );
    field(
        &mut f,
        6,
        &[
            ("type", "consent"),
            ("key", "agree"),
            ("label", "同意核实"),
            ("required", "1"),
        ],
    );
    set(&mut f, "status_phone", "4");
    // Moved up: the phone goes before the number of people.
    set(&mut f, "op", "up:4");
    let moved = post(&mut c, "/console/forms/build", &f).await;
    assert_eq!(
        keys_drawn(&moved.body),
        ["name", "kind", "story", "phone", "people", "since", "agree"]
    );
    assert!(!moved.body.contains("还不能发布"), "{}", moved.body);
    // The preview draws it as the kiosk does, the condition said.
    assert!(moved.body.contains("○ 因病") && moved.body.contains("仅当“困难类型”为“因病”时显示"));
    let preview = post(&mut c, "/console/forms/preview", &f).await;
    assert!(preview.body.contains("class=\"kiosk\"") && !preview.body.contains("<html"));
    set(&mut f, "op", "publish");
    let published = post(&mut c, "/console/forms/build", &f).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let location = published.location.expect("to the builder");
    let id = location
        .split("edit=")
        .nth(1)
        .and_then(|r| r.split('&').next())
        .expect("the new form's id")
        .to_owned();
    // Published with the box ticked: a tile for it on the province's home screen, a new
    // revision of the layout, which the kiosk shows after it syncs.
    let said = query_value(&location, "ok").expect("what was done");
    assert!(said.contains("已在「"), "{said}");
    assert_eq!(query_value(&location, "err"), None);
    let layout: ContentRecord = admin
        .get(&format!("v1/staff/content/{}", home.item.id))
        .await
        .expect("the layout");
    assert_eq!(layout.item.version, 2);
    let (core, _core_dir) = tests::kiosk_core(&admin, province).await;
    core.sync_now().await.expect("sync");
    let shown = core.home_layout().await.expect("store").expect("a layout");
    assert_eq!(shown.tiles.len(), 2);
    assert!(opens(&shown, &id), "{shown:?}");
    assert_eq!(shown.tiles[1].title, "困难帮扶申请");
    let builder = c.get(&location).await;
    assert!(builder.body.contains("首页入口：有"), "{}", builder.body);
    let v1: ContentRecord = admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("the form");
    let ContentBody::Form(def) = &v1.item.body else {
        panic!("a form")
    };
    let order: Vec<&str> = def.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        order,
        ["name", "kind", "story", "people", "phone", "since", "agree"]
    );
    assert_eq!(def.status_phone_key(), Some("phone"));
    assert_eq!(
        def.fields[3].input,
        FieldInput::Number {
            min: Some(1.0),
            max: Some(20.0),
            integer: true
        }
    );

    // A kiosk fills it in on version 1; the answers wait in its outbox.
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let created = admin.enrollment_token(province).await;
    let enrolled = admin::enroll(&mut store, &created.enrollment_string, "")
        .await
        .expect("enrolls");
    let kiosk = ServerClient::new(enrolled.server.clone(), enrolled.fingerprint)
        .expect("client")
        .with_credentials(&enrolled.kiosk_id, &enrolled.secret);
    let answers = FormAnswers {
        answers: [
            ("name", json!("李红")),
            ("kind", json!("ill")),
            ("story", json!("爱人住院三个月")),
            ("people", json!(4)),
            ("phone", json!("13800004321")),
            ("agree", json!(true)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    };
    let saved = store
        .enqueue(&ContentId(id.clone()), 1, &answers)
        .expect("saved");
    let upload = store
        .all_pending()
        .expect("pending")
        .into_iter()
        .find(|p| p.upload.id == saved.id)
        .expect("in the outbox")
        .upload;

    // Version 2 from the builder's page: a label renamed and the number of people removed.
    let editor = c.get(&location).await;
    assert!(editor.body.contains("已发布"), "{}", editor.body);
    assert!(editor.body.contains("name=\"version\" value=\"1\""));
    field(&mut f, 2, &[("label", "情况说明")]);
    set(&mut f, "id", &id);
    set(&mut f, "version", "1");
    set(&mut f, "op", "remove:3");
    let removed = post(&mut c, "/console/forms/build", &f).await;
    assert_eq!(
        keys_drawn(&removed.body),
        ["name", "kind", "story", "phone", "since", "agree"]
    );
    // The page now numbers the fields without the removed one: post it as drawn.
    let mut g: Inputs = f
        .iter()
        .filter(|(k, _)| !k.starts_with("f.3."))
        .map(
            |(k, v)| match k.strip_prefix("f.").and_then(|r| r.split_once('.')) {
                Some((i, rest)) if i.parse::<usize>().is_ok_and(|i| i > 3) => (
                    format!("f.{}.{rest}", i.parse::<usize>().expect("index") - 1),
                    v.clone(),
                ),
                _ => (k.clone(), v.clone()),
            },
        )
        .collect();
    set(&mut g, "status_phone", "3");
    set(&mut g, "op", "publish");
    let v2 = post(&mut c, "/console/forms/build", &g).await;
    assert_eq!(v2.status, StatusCode::SEE_OTHER, "{}", v2.body);
    assert!(v2.location.as_deref().is_some_and(|l| l.contains("ok=")));
    let now: ContentRecord = admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("the form");
    assert_eq!(now.item.version, 2);

    // The answers filled in on version 1 arrive now: accepted, and read as version 1.
    let stored = kiosk
        .submit(&upload)
        .await
        .expect("accepted against version 1");
    let detail = c
        .get(&format!("/console/submissions/{}", stored.receipt))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    for shown in ["困难情况说明", "爱人住院三个月", "家庭人数", "李红"] {
        assert!(detail.body.contains(shown), "{shown}: {}", detail.body);
    }

    // The history names the builder's save as a revision.
    let history = c.get(&format!("/console/content/{id}/history")).await;
    assert!(history.body.contains("修改了字段"), "{}", history.body);
}

#[tokio::test]
async fn hostile_input_is_refused_in_both_languages_and_only_publishers_may_build() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let body: ContentBody = serde_json::from_value(json!({
        "kind": "form", "title": "意见建议",
        "fields": [{"key": "text", "label": "您的意见", "type": "multiline", "required": true}]
    }))
    .expect("a form");
    let form: ContentRecord = admin.publish(province, body).await.expect("published");
    let id = form.item.id.0.clone();
    let home: ContentRecord = admin
        .publish(province, home_layout())
        .await
        .expect("a home layout");

    // Viewers and case handlers: refused every page and action, and nothing changes.
    admin.create_user("viewer", province, &[Role::Viewer]).await;
    admin
        .create_user("handler", province, &[Role::CaseHandler])
        .await;
    let mut good: Inputs = Vec::new();
    set(&mut good, "id", &id);
    set(&mut good, "version", "1");
    set(&mut good, "title", "我的其他修改");
    field(
        &mut good,
        0,
        &[
            ("type", "multiline"),
            ("key", "text"),
            ("label", "您的意见"),
        ],
    );
    set(&mut good, "op", "publish");
    for name in ["viewer", "handler"] {
        let mut c = Console::new(&server);
        c.login(name, PASSWORD).await;
        // A token of their own session, as a page they may open would carry.
        c.get("/console/account").await;
        let edit = format!("/console/forms?edit={id}");
        for page in ["/console/forms", edit.as_str(), "/console/forms?new=1"] {
            let a = c.get(page).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{name} {page}");
            assert!(a.body.contains("没有权限"), "{name} {page}");
        }
        for path in [
            "/console/forms/build",
            "/console/forms/preview",
            "/console/forms/home-tile",
        ] {
            let a = post(&mut c, path, &good).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{name} {path}");
        }
        let json = json!({"kind": "form", "title": "被拒", "fields": [{"key": "a", "label": "甲", "type": "text"}]}).to_string();
        let a = c
            .post(
                "/console/forms",
                &[
                    ("id", id.as_str()),
                    ("version", "1"),
                    ("json", json.as_str()),
                    ("op", "publish"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{name} json");
    }

    // Hostile builder input: each refused with a sentence in the page's language, the title
    // typed beside it kept.
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    c.get("/console/forms").await;
    let huge = "长".repeat(100_000);
    let many: Inputs = (1..=10_000)
        .flat_map(|i| {
            [
                (format!("f.{i}.type"), "text".to_owned()),
                (format!("f.{i}.key"), format!("k{i}")),
                (format!("f.{i}.label"), "字段".to_owned()),
            ]
        })
        .collect();
    let cases: Vec<(&str, Inputs, &str, &str)> = vec![
        (
            "unknown type",
            vec![("f.0.type".into(), "hologram".into())],
            "终端不认识字段类型“hologram”",
            "the kiosk knows no field type 'hologram'",
        ),
        (
            "duplicate ids",
            vec![
                ("f.1.type".into(), "text".into()),
                ("f.1.key".into(), "text".into()),
                ("f.1.label".into(), "再一次".into()),
            ],
            "字段标识“text”与前面的字段重复",
            "the field id 'text' is already used by an earlier field",
        ),
        (
            "10,000 fields",
            many,
            "表单最多 200 个字段，现在有 10001 个",
            "A form has at most 200 fields; this one has 10001",
        ),
        (
            "a huge label",
            vec![("f.0.label".into(), huge.clone())],
            "标签最多 100 个字，现在有 100000 个",
            "the label is at most 100 characters long (now 100000)",
        ),
        (
            "a condition naming a missing field",
            vec![
                ("f.0.if_field".into(), "nowhere".into()),
                ("f.0.if_equals".into(), "x".into()),
            ],
            "显示条件引用的字段“nowhere”不在它前面",
            "the condition names 'nowhere', which is not an earlier field",
        ),
    ];
    for (lang, switch) in [("zh", "/console/lang/zh"), ("en", "/console/lang/en")] {
        c.get(switch).await;
        for (what, extra, zh, en) in &cases {
            let mut inputs = good.clone();
            inputs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            inputs.extend(extra.iter().cloned());
            let a = post(&mut c, "/console/forms/build", &inputs).await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{lang} {what}");
            let said = if lang == "zh" { zh } else { en };
            assert!(a.body.contains(said), "{lang} {what}: {said}");
            assert!(
                a.body.contains("value=\"我的其他修改\""),
                "{lang} {what}: the title is kept"
            );
        }
    }

    // The JSON editor: the same check, the same sentences, the text kept.
    c.get("/console/lang/zh").await;
    let json_cases = [
        (
            json!({"kind": "form", "title": "我的其他修改", "fields": [{"key": "a", "label": "甲", "type": "hologram"}]}).to_string(),
            "有终端不认识的类型",
        ),
        (
            json!({"kind": "form", "title": "我的其他修改", "fields": [
                {"key": "text", "label": "甲", "type": "text"}, {"key": "text", "label": "乙", "type": "text"}]}).to_string(),
            "字段标识“text”与前面的字段重复",
        ),
        (
            json!({"kind": "form", "title": "我的其他修改", "fields": (0..10_000).map(|i| json!({"key": format!("k{i}"), "label": "字段", "type": "text"})).collect::<Vec<_>>()}).to_string(),
            "表单最多 200 个字段，现在有 10000 个",
        ),
        (
            json!({"kind": "form", "title": "我的其他修改", "fields": [{"key": "a", "label": huge, "type": "text"}]}).to_string(),
            "标签最多 100 个字，现在有 100000 个",
        ),
        (
            json!({"kind": "form", "title": "我的其他修改", "fields": [{"key": "a", "label": "甲", "type": "text", "visible_if": {"field": "nowhere", "equals": "x"}}]}).to_string(),
            "显示条件引用的字段“nowhere”不在它前面",
        ),
    ];
    for (text, said) in &json_cases {
        let a = c
            .post(
                "/console/forms",
                &[
                    ("id", id.as_str()),
                    ("version", "1"),
                    ("json", text.as_str()),
                    ("op", "publish"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{said}");
        assert!(a.body.contains(said), "{said}");
        assert!(a.body.contains("我的其他修改"), "{said}: the text is kept");
    }
    c.get("/console/lang/en").await;
    let a = c
        .post(
            "/console/forms",
            &[
                ("id", id.as_str()),
                ("version", "1"),
                ("json", json_cases[0].0.as_str()),
                ("op", "publish"),
            ],
        )
        .await;
    assert!(a.body.contains("names a type the kiosk does not know"));

    // Nothing of it was published.
    let now: ContentRecord = admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("the form");
    assert_eq!(now.item.version, 1);

    // Not a tile either, until a publisher adds one from the builder.
    let layout: ContentRecord = admin
        .get(&format!("v1/staff/content/{}", home.item.id))
        .await
        .expect("the layout");
    assert_eq!(layout.item.version, 1, "viewers added no tile");
    c.get("/console/lang/zh").await;
    let builder = c.get(&format!("/console/forms?edit={id}")).await;
    assert!(builder.body.contains("首页入口：没有"), "{}", builder.body);
    assert!(builder.body.contains("在首页加入口"));
    let added = c
        .post("/console/forms/home-tile", &[("id", id.as_str())])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let layout: ContentRecord = admin
        .get(&format!("v1/staff/content/{}", home.item.id))
        .await
        .expect("the layout");
    let ContentBody::HomeLayout(tiles) = &layout.item.body else {
        panic!("a layout")
    };
    assert!(opens(tiles, &id), "{tiles:?}");
    let builder = c.get(&format!("/console/forms?edit={id}")).await;
    assert!(builder.body.contains("首页入口：有"));

    // A city's publisher: the city's kiosks show the province's layout, which is not theirs to
    // edit; the new form is published and the page says so.
    let city = admin.create_org(province, "市总工会").await;
    admin.create_user("citypub", city, &[Role::Publisher]).await;
    let mut p = Console::new(&server);
    p.login("citypub", PASSWORD).await;
    p.get("/console/forms?new=1").await;
    let mut f: Inputs = Vec::new();
    set(&mut f, "org", &city.0.to_string());
    set(&mut f, "title", "市里的表单");
    field(
        &mut f,
        0,
        &[("type", "text"), ("key", "name"), ("label", "姓名")],
    );
    set(&mut f, "home_tile_asked", "1");
    set(&mut f, "home_tile", "1");
    set(&mut f, "op", "publish");
    let published = post(&mut p, "/console/forms/build", &f).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let location = published.location.expect("to the builder");
    let err = query_value(&location, "err").expect("why no tile");
    assert!(
        err.contains("终端显示上级「") && err.contains("你无权修改它"),
        "{err}"
    );
    let layout: ContentRecord = admin
        .get(&format!("v1/staff/content/{}", home.item.id))
        .await
        .expect("the layout");
    assert_eq!(
        layout.item.version, 2,
        "not changed by the city's publisher"
    );
}
