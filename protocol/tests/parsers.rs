//! Property tests for the parsers of what comes from outside: the enrollment string branch IT
//! pastes or scans, feed pages and cursors from the network, and receipt codes typed by
//! employees. Whatever the input, parsing answers (never panics); what we write, we read back.

use proptest::prelude::*;
use protocol::content::{NewsArticle, NewsCategory};
use protocol::submission::receipt;
use protocol::{
    Change, ChangesResponse, ContentBody, ContentId, ContentItem, ContentKind, Cursor,
    EnrollmentString, Fingerprint, OrgId,
};
use url::Url;

/// Enough cases to find the edge a parser trips on, few enough to keep the suite quick.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

fn fingerprint() -> impl Strategy<Value = Fingerprint> {
    any::<[u8; 32]>().prop_map(Fingerprint)
}

fn server() -> impl Strategy<Value = Url> {
    (
        "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){0,2}",
        1u16..=65535,
        "(/[a-z0-9]{1,8}){0,2}",
    )
        .prop_map(|(host, port, path)| {
            Url::parse(&format!("https://{host}:{port}{path}/")).expect("a valid https URL")
        })
}

fn enrollment() -> impl Strategy<Value = EnrollmentString> {
    (server(), "[A-Za-z0-9_-]{1,64}", fingerprint()).prop_map(|(server, token, fingerprint)| {
        EnrollmentString {
            server,
            token,
            fingerprint,
        }
    })
}

fn change() -> impl Strategy<Value = Change> {
    let delete = (
        any::<u64>(),
        "[a-z0-9-]{1,36}",
        prop::sample::select(ContentKind::ALL.to_vec()),
    )
        .prop_map(|(seq, id, kind)| Change::Delete {
            seq,
            id: ContentId(id),
            kind,
        });
    let upsert = (
        any::<u64>(),
        "[a-z0-9-]{1,36}",
        any::<i64>(),
        any::<u32>(),
        "\\PC{0,40}",
        "\\PC{0,200}",
        prop::sample::select(NewsCategory::ALL.to_vec()),
        any::<bool>(),
    )
        .prop_map(
            |(seq, id, org, version, title, body, category, pinned)| Change::Upsert {
                seq,
                item: Box::new(ContentItem {
                    id: ContentId(id),
                    org_id: OrgId(org),
                    version,
                    updated_at: jiff::Timestamp::UNIX_EPOCH,
                    publish_at: None,
                    expire_at: None,
                    body: ContentBody::News(NewsArticle {
                        title,
                        summary: String::new(),
                        body_markdown: body,
                        cover: None,
                        images: Vec::new(),
                        category,
                        pinned,
                        phone_link: None,
                    }),
                }),
            },
        );
    prop_oneof![delete, upsert]
}

fn page() -> impl Strategy<Value = ChangesResponse> {
    (
        prop::collection::vec(change(), 0..8),
        any::<u32>(),
        any::<u64>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(changes, epoch, seq, has_more, reset)| ChangesResponse {
            changes,
            cursor: Cursor { epoch, seq },
            has_more,
            reset,
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn enrollment_strings_round_trip(e in enrollment()) {
        let text = e.to_string();
        prop_assert_eq!(text.parse::<EnrollmentString>(), Ok(e));
    }

    #[test]
    fn any_text_parses_or_is_refused_as_an_enrollment_string(s in "\\PC{0,300}") {
        let _ = s.parse::<EnrollmentString>();
    }

    #[test]
    fn mangled_enrollment_strings_never_panic(
        e in enrollment(),
        cut in any::<prop::sample::Index>(),
        junk in "[\\x00-\\x7f%&=?:/#]{0,8}",
    ) {
        let text = e.to_string();
        let at = cut.index(text.len() + 1);
        let mangled = format!("{}{junk}{}", &text[..at], &text[at..]);
        if let Ok(parsed) = mangled.parse::<EnrollmentString>() {
            prop_assert!(parsed.server.scheme() == "https");
        }
    }

    #[test]
    fn fingerprints_round_trip_in_both_spellings(fp in fingerprint()) {
        let text = fp.to_string();
        prop_assert_eq!(text.parse::<Fingerprint>(), Ok(fp));
        let colons = text
            .as_bytes()
            .chunks(2)
            .map(|pair| std::str::from_utf8(pair).expect("hex is ASCII").to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        prop_assert_eq!(colons.parse::<Fingerprint>(), Ok(fp));
    }

    #[test]
    fn cursors_round_trip_and_any_text_is_answered(
        epoch in any::<u32>(),
        seq in any::<u64>(),
        s in "\\PC{0,40}",
    ) {
        let c = Cursor { epoch, seq };
        prop_assert_eq!(c.to_string().parse::<Cursor>(), Ok(c));
        let _ = s.parse::<Cursor>();
    }

    #[test]
    fn feed_pages_round_trip(p in page()) {
        let json = serde_json::to_vec(&p).expect("a page serialises");
        let back: ChangesResponse = serde_json::from_slice(&json).expect("and reads back");
        prop_assert_eq!(back, p);
    }

    #[test]
    fn arbitrary_bytes_never_panic_as_a_feed_page(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<ChangesResponse>(&bytes);
    }

    #[test]
    fn damaged_feed_pages_never_panic(p in page(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut json = serde_json::to_vec(&p).expect("a page serialises");
        let i = at.index(json.len());
        json[i] = byte;
        let _ = serde_json::from_slice::<ChangesResponse>(&json);
        json.truncate(i);
        prop_assert!(serde_json::from_slice::<ChangesResponse>(&json).is_err());
    }

    #[test]
    fn receipt_codes_parse_back_however_they_are_typed(
        n in 0..receipt::PREFIXES,
        counter in 0..receipt::PER_KIOSK,
        key in any::<[u8; 16]>(),
    ) {
        let prefix = receipt::prefix(n).expect("a prefix below PREFIXES");
        let code = receipt::generate(&prefix, counter, &key).expect("a counter below PER_KIOSK");
        prop_assert_eq!(receipt::prefix_of(&code), prefix.as_str());
        prop_assert_eq!(receipt::parse(&code), Ok(code.clone()));
        let typed = code.to_lowercase().replace('-', " ");
        prop_assert_eq!(receipt::parse(&typed), Ok(code.clone()));
    }

    #[test]
    fn one_mistyped_character_is_caught(
        counter in 0..receipt::PER_KIOSK,
        key in any::<[u8; 16]>(),
        at in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
    ) {
        let code = receipt::generate("2A7", counter, &key).expect("a code");
        let mut symbols: Vec<u8> = code.bytes().filter(|b| *b != b'-').collect();
        let i = at.index(symbols.len());
        let replacement = receipt::ALPHABET[other.index(receipt::ALPHABET.len())];
        prop_assume!(replacement != symbols[i]);
        symbols[i] = replacement;
        let typed = String::from_utf8(symbols).expect("ASCII");
        prop_assert!(receipt::parse(&typed).is_err(), "{} read as valid", typed);
    }

    #[test]
    fn distinct_counters_give_distinct_codes(
        a in 0..receipt::PER_KIOSK,
        b in 0..receipt::PER_KIOSK,
        key in any::<[u8; 16]>(),
    ) {
        prop_assume!(a != b);
        prop_assert_ne!(
            receipt::generate("2A7", a, &key),
            receipt::generate("2A7", b, &key)
        );
    }

    #[test]
    fn any_text_is_answered_as_a_receipt(s in "\\PC{0,30}") {
        if let Ok(code) = receipt::parse(&s) {
            prop_assert_eq!(receipt::parse(&code), Ok(code.clone()));
        }
    }
}
