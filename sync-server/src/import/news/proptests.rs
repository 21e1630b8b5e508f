//! Property tests for the front matter of a Markdown article: any text is split or refused with
//! a sentence, never a panic; front matter we write reads back field by field, with either line
//! ending and with or without a byte-order mark.

use super::*;
use proptest::prelude::*;

/// Enough cases to find the edge a parser trips on, few enough to keep the suite quick.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

/// What the front matter says, as the test wrote it.
#[derive(Debug, Clone)]
struct Written {
    title: String,
    category: NewsCategory,
    summary: Option<String>,
    org: Option<Result<i64, String>>,
    pinned: Option<bool>,
    cover: Option<Result<String, bool>>,
    phone_link: Option<Url>,
    publish_at: Option<Timestamp>,
    expire_at: Option<Timestamp>,
    slug: Option<String>,
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

impl Written {
    fn front_matter(&self) -> String {
        let category = serde_json::to_value(self.category).expect("a category serialises");
        let mut lines = vec![
            format!("title = {}", quoted(&self.title)),
            format!(
                "category = {}",
                quoted(category.as_str().expect("a string"))
            ),
        ];
        let mut add = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                lines.push(format!("{key} = {v}"));
            }
        };
        add("summary", self.summary.as_deref().map(quoted));
        add(
            "org",
            self.org.clone().map(|o| match o {
                Ok(id) => id.to_string(),
                Err(name) => quoted(&name),
            }),
        );
        add("pinned", self.pinned.map(|p| p.to_string()));
        add(
            "cover",
            self.cover.clone().map(|c| match c {
                Ok(file) => quoted(&file),
                Err(generated) => generated.to_string(),
            }),
        );
        add(
            "phone_link",
            self.phone_link.as_ref().map(|u| quoted(u.as_str())),
        );
        add(
            "publish_at",
            self.publish_at.map(|t| quoted(&t.to_string())),
        );
        add("expire_at", self.expire_at.map(|t| quoted(&t.to_string())));
        add("slug", self.slug.as_deref().map(quoted));
        lines.join("\n")
    }
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800).prop_map(|s| Timestamp::from_second(s).expect("in range"))
}

fn written() -> impl Strategy<Value = Written> {
    (
        (
            "\\PC{1,40}",
            prop::sample::select(NewsCategory::ALL.to_vec()),
            prop::option::of("\\PC{0,60}"),
            prop::option::of(prop_oneof![
                any::<i64>().prop_map(Ok),
                "\\PC{0,20}".prop_map(Err)
            ]),
            prop::option::of(any::<bool>()),
        ),
        (
            prop::option::of(prop_oneof![
                "[a-z0-9_-]{1,12}\\.(jpg|png)".prop_map(Ok),
                any::<bool>().prop_map(Err)
            ]),
            prop::option::of(
                "[a-z0-9-]{1,20}\\.cn/[a-z0-9]{0,10}"
                    .prop_map(|u| Url::parse(&format!("https://{u}")).expect("a valid URL")),
            ),
            prop::option::of(timestamp()),
            prop::option::of(timestamp()),
            prop::option::of("[A-Za-z0-9._-]{1,40}"),
        ),
    )
        .prop_map(
            |(
                (title, category, summary, org, pinned),
                (cover, phone_link, publish_at, expire_at, slug),
            )| Written {
                title,
                category,
                summary,
                org,
                pinned,
                cover,
                phone_link,
                publish_at,
                expire_at,
                slug,
            },
        )
}

/// A Markdown body: lines of any printable text (a `+++` line among them is body, too).
fn body() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof!["\\PC{0,40}", Just("+++".to_owned())], 0..6)
        .prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_split_or_refused_with_a_sentence(
        front in "\\PC{0,200}",
        rest in "(\\PC|\\n|\\r){0,200}",
        opened in any::<bool>(),
        closed in any::<bool>(),
    ) {
        let mut text = String::new();
        if opened {
            text.push_str("+++\n");
        }
        text.push_str(&front);
        if closed {
            text.push_str("\n+++\n");
        }
        text.push_str(&rest);
        if let Err(e) = split(&text, Path::new("a.md")) {
            prop_assert_eq!(e.code, ErrorCode::InvalidArticle);
            prop_assert!(e.message.starts_with("a.md："), "{}", e.message);
        }
    }

    #[test]
    fn front_matter_reads_back_what_was_written(
        w in written(),
        markdown in body(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let mut text = format!("+++\n{}\n+++\n\n{markdown}\n", w.front_matter());
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        if bom {
            text.insert(0, '\u{feff}');
        }
        let (front, got_body) = split(&text, Path::new("a.md")).map_err(|e| {
            TestCaseError::fail(format!("{}\n{text}", e.message))
        })?;
        prop_assert_eq!(&front.title, &w.title);
        prop_assert_eq!(front.category, w.category);
        prop_assert_eq!(front.summary, w.summary.unwrap_or_default());
        match (front.org, w.org) {
            (None, None) => {}
            (Some(OrgRef::Id(got)), Some(Ok(id))) => prop_assert_eq!(got, id),
            (Some(OrgRef::Name(got)), Some(Err(name))) => prop_assert_eq!(got, name),
            (got, wrote) => prop_assert!(false, "org {:?} read as {:?}", wrote, got),
        }
        prop_assert_eq!(front.pinned, w.pinned.unwrap_or(false));
        match (front.cover, w.cover) {
            (None, None) => {}
            (Some(Cover::File(got)), Some(Ok(file))) => prop_assert_eq!(got, file),
            (Some(Cover::Generated(got)), Some(Err(generated))) => {
                prop_assert_eq!(got, generated)
            }
            (got, wrote) => prop_assert!(false, "cover {:?} read as {:?}", wrote, got),
        }
        prop_assert_eq!(front.phone_link, w.phone_link);
        prop_assert_eq!(front.publish_at, w.publish_at);
        prop_assert_eq!(front.expire_at, w.expire_at);
        prop_assert_eq!(front.slug, w.slug);
        prop_assert_eq!(got_body, markdown.trim_start_matches('\n').trim_end());
    }
}
