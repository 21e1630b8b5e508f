use super::*;

fn news(title: &str) -> ContentBody {
    ContentBody::News(NewsArticle {
        title: title.to_owned(),
        summary: String::new(),
        body_markdown: "正文".to_owned(),
        cover: None,
        images: Vec::new(),
        category: NewsCategory::Policy,
        pinned: false,
        phone_link: None,
    })
}

fn problems(body: &ContentBody) -> Vec<String> {
    match body.validate() {
        Ok(()) => Vec::new(),
        Err(ps) => ps.into_iter().map(|p| p.field).collect(),
    }
}

#[test]
fn body_round_trips_with_kind_tag() {
    let body = news("职工之家");
    let json = serde_json::to_value(&body).expect("serialises");
    assert_eq!(json["kind"], "news");
    let back: ContentBody = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, body);
}

#[test]
fn news_title_required_and_bounded() {
    assert!(problems(&news("标题")).is_empty());
    assert_eq!(problems(&news("  ")), ["title"]);
    assert_eq!(problems(&news(&"字".repeat(TITLE_MAX + 1))), ["title"]);
}

#[test]
fn library_item_checks_isbn_and_year() {
    let mut item = LibraryItem {
        item_kind: LibraryKind::Book,
        title: "红楼梦".to_owned(),
        author: "曹雪芹".to_owned(),
        publisher: String::new(),
        year: Some(1982),
        isbn: Some("9787020002207".to_owned()),
        external_id: None,
        category: String::new(),
        cover: None,
        description: String::new(),
        location: String::new(),
        call_number: String::new(),
        responsibility: String::new(),
        read_online: None,
    };
    assert!(problems(&ContentBody::LibraryItem(item.clone())).is_empty());
    item.isbn = Some("9787020002208".to_owned());
    item.year = Some(99);
    assert_eq!(problems(&ContentBody::LibraryItem(item)), ["year", "isbn"]);
}

#[test]
fn form_fields_parse_and_validate() {
    let json = serde_json::json!({
        "kind": "form",
        "title": "入会申请",
        "fields": [
            {"key": "name", "label": "姓名", "type": "text", "max_len": 20, "required": true},
            {"key": "phone", "label": "手机号", "type": "phone", "required": true},
            {"key": "married", "label": "婚否", "type": "single_choice",
             "options": [{"value": "y", "label": "是"}, {"value": "n", "label": "否"}]},
            {"key": "spouse", "label": "配偶姓名", "type": "text",
             "visible_if": {"field": "married", "equals": "y"}},
            {"key": "Bad Key", "label": "x", "type": "consent"},
            {"key": "name", "label": "重复", "type": "section"},
            {"key": "later", "label": "条件", "type": "text", "visible_if": {"field": "nope", "equals": "1"}}
        ]
    });
    let body: ContentBody = serde_json::from_value(json).expect("form parses");
    assert_eq!(
        problems(&body),
        ["fields[4].key", "fields[5].key", "fields[6].visible_if"]
    );
}

#[test]
fn kinds_parse_from_their_names() {
    for k in ContentKind::ALL {
        assert_eq!(k.as_str().parse::<ContentKind>(), Ok(k));
    }
    assert!("nonsense".parse::<ContentKind>().is_err());
}

#[test]
fn a_layout_with_a_tile_type_from_a_newer_server_still_reads() {
    let json = r#"{"kind":"home_layout","tiles":[
        {"title":"图书","action":{"type":"library"}},
        {"title":"健步走","action":{"type":"walking_challenge","challenge_id":"w1"}}
    ]}"#;
    let body: ContentBody = serde_json::from_str(json).expect("reads");
    let ContentBody::HomeLayout(layout) = &body else {
        panic!("a layout: {body:?}")
    };
    assert_eq!(layout.tiles[0].action, TileAction::Library);
    assert_eq!(layout.tiles[1].action, TileAction::Unknown);
    assert_eq!(problems(&body), ["tiles[1].action"]);
}
