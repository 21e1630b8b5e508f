//! The store on a fresh temp-dir database, one line of data per case: the content cache as
//! pages are applied, media eviction, the outbox's schedule, and the enrollment's `Debug`.

use super::*;
use base64::Engine as _;
use protocol::content::{AttractSlide, LibraryItem, LibraryKind};
use protocol::enroll::EnrollResponse;
use protocol::submission::FormAnswers;
use protocol::{
    Change, ChangesResponse, ContentBody, ContentId, ContentItem, ContentKind, Cursor, ErrorCode,
    Fingerprint, KioskId, MediaHash, OrgId, OrgSummary,
};
use sha2::{Digest, Sha256};

fn open() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(dir.path()).expect("a fresh store opens");
    (store, dir)
}

const SECRET: &str = "kiosk-secret-never-printed";

fn enroll(store: &mut Store) {
    let creds = EnrollResponse {
        kiosk_id: KioskId("k1".to_owned()),
        secret: SECRET.to_owned(),
        org: OrgSummary {
            id: OrgId(1),
            name: "一分会".to_owned(),
            path: vec!["一分会".to_owned()],
            ids: vec![OrgId(1)],
        },
        receipt_prefix: "A".to_owned(),
        submission_key: base64::engine::general_purpose::STANDARD.encode(
            crypto_box::SecretKey::from_bytes([7; 32])
                .public_key()
                .as_bytes(),
        ),
    };
    let server = url::Url::parse("https://union.example:8443/").expect("a valid url");
    store
        .save_enrollment(&server, Fingerprint([1; 32]), &creds)
        .expect("enrollment saved");
}

fn media_hash(name: &str) -> MediaHash {
    MediaHash::from_digest(Sha256::digest(name).into())
}

/// `book-x` is a library item with cover `x`; any other name is an attract slide whose image
/// has the item's name.
fn item(name: &str) -> ContentItem {
    let body = match name.strip_prefix("book-") {
        Some(cover) => ContentBody::LibraryItem(LibraryItem {
            item_kind: LibraryKind::Book,
            title: name.to_owned(),
            author: String::new(),
            publisher: String::new(),
            year: None,
            isbn: None,
            external_id: None,
            category: String::new(),
            cover: Some(media_hash(cover)),
            description: String::new(),
            location: String::new(),
            call_number: String::new(),
            responsibility: String::new(),
            read_online: None,
        }),
        None => ContentBody::AttractSlide(AttractSlide {
            title: name.to_owned(),
            subtitle: String::new(),
            image: media_hash(name),
            order: 0,
            seconds: 8,
        }),
    };
    ContentItem {
        id: ContentId(name.to_owned()),
        org_id: OrgId(1),
        version: 1,
        updated_at: jiff::Timestamp::UNIX_EPOCH,
        publish_at: None,
        expire_at: None,
        body,
    }
}

/// A page from its tokens: `+id` upserts, `-id` deletes, `@epoch.seq` is its cursor, `more`
/// says more pages follow, `reset` starts a resync from zero.
fn page(tokens: &str) -> ChangesResponse {
    let mut page = ChangesResponse {
        changes: Vec::new(),
        cursor: Cursor::default(),
        has_more: false,
        reset: false,
    };
    for token in tokens.split_whitespace() {
        let seq = page.changes.len() as u64 + 1;
        match token.split_at(1) {
            ("+", id) => page.changes.push(Change::Upsert {
                seq,
                item: Box::new(item(id)),
            }),
            ("-", id) => page.changes.push(Change::Delete {
                seq,
                id: ContentId(id.to_owned()),
                kind: ContentKind::AttractSlide,
            }),
            ("@", cursor) => page.cursor = cursor.parse().expect("a cursor in the case"),
            _ if token == "more" => page.has_more = true,
            _ if token == "reset" => page.reset = true,
            _ => panic!("unknown page token {token:?}"),
        }
    }
    page
}

mod cache {
    use super::*;

    /// The cache as a line: the cached ids in order, `@` and the cursor, and `dropped:N` when
    /// the last page completed a resync that dropped N stale items.
    fn state(store: &Store, dropped: Option<usize>) -> String {
        let mut ids = Vec::new();
        for kind in ContentKind::ALL {
            let items = store.items(kind).expect("items read");
            ids.extend(items.into_iter().map(|i| i.id.0));
        }
        ids.sort();
        ids.extend(
            store
                .cursor()
                .expect("cursor read")
                .map(|c| format!("@{c}")),
        );
        ids.extend(dropped.map(|n| format!("dropped:{n}")));
        ids.join(" ")
    }

    /// Runs the steps on a fresh store, each a page (see `page`) or `enroll`; after each the
    /// cache is the line beside it (see `state`).
    fn check(steps: &[(&str, &str)]) {
        let (mut store, _dir) = open();
        for (step, expect) in steps {
            let dropped = if *step == "enroll" {
                enroll(&mut store);
                None
            } else {
                let applied = store.apply(&page(step)).expect("the page applies");
                applied.resync_dropped
            };
            assert_eq!(
                state(&store, dropped),
                *expect,
                "after {step:?} in {steps:?}"
            );
        }
    }

    #[test]
    fn a_page_is_applied_with_its_cursor() {
        check(&[("+a +b @0.2", "a b @0.2")]);
        check(&[("+a +b @0.2", "a b @0.2"), ("-a +c @0.4", "b c @0.4")]);
        check(&[("+a @0.1", "a @0.1"), ("+a @0.2", "a @0.2")]);
        check(&[("-x @0.1", "@0.1")]);
        check(&[("@0.7", "@0.7")]);
    }

    #[test]
    fn a_resync_keeps_the_old_cache_until_it_completes() {
        check(&[
            ("+a +b @0.2", "a b @0.2"),
            ("reset +c @1.5", "c @1.5 dropped:2"),
        ]);
        check(&[
            ("+a +b @0.2", "a b @0.2"),
            ("reset more +b @1.1", "a b @1.1"),
            ("more +c @1.2", "a b c @1.2"),
            ("@1.3", "b c @1.3 dropped:1"),
        ]);
        check(&[
            ("+a +b @0.2", "a b @0.2"),
            ("reset more +a @1.1", "a b @1.1"),
            ("-a @1.2", "@1.2 dropped:1"),
        ]);
        // A reset during a resync starts it over: only what the last one brings stays.
        check(&[
            ("+a @0.1", "a @0.1"),
            ("reset more +b @1.1", "a b @1.1"),
            ("reset +c @2.1", "c @2.1 dropped:2"),
        ]);
        check(&[
            ("reset +a @1.1", "a @1.1 dropped:0"),
            ("+b @1.2", "a b @1.2"),
        ]);
    }

    /// The library read in pages of `limit`: each page's ids, and whether it says more follow.
    fn library_pages(store: &Store, limit: usize) -> Vec<(Vec<String>, bool)> {
        let mut pages = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .library_page(after.as_ref(), limit)
                .expect("a page read");
            let ids = page.items.into_iter().map(|(id, _)| id.0).collect();
            pages.push((ids, page.next.is_some()));
            match page.next {
                Some(next) => after = Some(next),
                None => return pages,
            }
        }
    }

    #[test]
    fn the_library_reads_in_pages_in_id_order_once_each() {
        let (mut store, _dir) = open();
        // Slides sort among the books and are skipped without shortening a page.
        store
            .apply(&page("+book-d +a +book-b +c +book-a +book-c +e @0.7"))
            .expect("the page applies");
        let ids = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            library_pages(&store, 3),
            [(ids("book-a book-b book-c"), true), (ids("book-d"), false)]
        );
        assert_eq!(
            library_pages(&store, 2),
            [
                (ids("book-a book-b"), true),
                (ids("book-c book-d"), true),
                (ids(""), false)
            ]
        );
        assert_eq!(
            library_pages(&store, 10),
            [(ids("book-a book-b book-c book-d"), false)]
        );
        // A rewritten item keeps its place in id order.
        store
            .apply(&page("+book-b @0.8"))
            .expect("the page applies");
        assert_eq!(
            library_pages(&store, 10),
            [(ids("book-a book-b book-c book-d"), false)]
        );
    }

    #[test]
    fn enrolling_again_empties_the_cache_and_forgets_the_cursor() {
        check(&[("+a @0.1", "a @0.1"), ("enroll", ""), ("+b @0.1", "b @0.1")]);
        // A resync under way is forgotten too: the next page drops nothing.
        check(&[
            ("+a @0.1", "a @0.1"),
            ("reset more +b @1.1", "a b @1.1"),
            ("enroll", ""),
            ("+c @0.1", "c @0.1"),
        ]);
    }
}

mod media {
    use super::*;

    /// With cached content `content` (item names, see `item`) and the media cache holding
    /// `cached` (`name:bytes`, least recently used first), eviction down to `budget` bytes
    /// leaves the media named in `expect`, rows and files alike.
    fn check(content: &str, cached: &str, budget: u64, expect: &str) {
        let (mut store, _dir) = open();
        let upserts: String = content
            .split_whitespace()
            .map(|n| format!("+{n} "))
            .collect();
        store.apply(&page(&upserts)).expect("content applies");
        let names: Vec<(&str, u64)> = cached
            .split_whitespace()
            .map(|entry| {
                let (name, bytes) = entry.split_once(':').expect("name:bytes");
                (name, bytes.parse().expect("a size in bytes"))
            })
            .collect();
        for (used, &(name, bytes)) in names.iter().enumerate() {
            let hash = media_hash(name);
            std::fs::write(store.media_path(&hash), vec![0; bytes as usize]).expect("written");
            store.add_media(&hash, bytes).expect("recorded");
            store
                .conn
                .execute(
                    "UPDATE media SET last_used = ?2 WHERE sha256 = ?1",
                    rusqlite::params![hash.as_str(), used as i64],
                )
                .expect("last use set");
        }

        let keep = store.needed_media().expect("needed media read");
        let removed = store.evict_media(budget, &keep).expect("eviction runs");

        let mut left = Vec::new();
        for &(name, _) in &names {
            let hash = media_hash(name);
            let recorded = store.has_media(&hash).expect("media read");
            let on_disk = store.media_path(&hash).exists();
            assert_eq!(recorded, on_disk, "{name}: row and file disagree");
            if recorded {
                left.push(name);
            }
        }
        let case = format!("content {content:?}, cached {cached:?}, budget {budget}");
        assert_eq!(left.join(" "), expect, "{case}");
        assert_eq!(removed, names.len() - left.len(), "{case}");
    }

    /// A saved file is in place under its hash, whole, with its row, and no temporary file is
    /// left; when the file cannot be put in place, no row is written.
    #[test]
    fn a_saved_file_is_recorded_only_once_it_is_in_place() {
        let (store, _dir) = open();
        let hash = media_hash("cover");
        store.save_media(&hash, b"jpeg bytes").expect("saved");
        assert_eq!(
            std::fs::read(store.media_path(&hash)).expect("read"),
            b"jpeg bytes"
        );
        assert!(store.has_media(&hash).expect("read"));
        assert_eq!(store.media_bytes().expect("read"), 10);
        let names: Vec<_> = std::fs::read_dir(store.dir().join("media"))
            .expect("media folder")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [hash.as_str()], "no temporary file left");

        let blocked = media_hash("blocked");
        std::fs::create_dir(store.media_path(&blocked)).expect("a folder in the way");
        assert!(store.save_media(&blocked, b"png").is_err());
        assert!(
            !store.has_media(&blocked).expect("read"),
            "no row without its file"
        );
    }

    #[test]
    fn within_budget_nothing_is_evicted() {
        check("", "a:10 b:10", 100, "a b");
        check("", "a:50 b:50", 100, "a b");
    }

    #[test]
    fn least_recently_used_goes_first_until_the_cache_fits() {
        check("", "a:40 b:40 c:40", 80, "b c");
        check("", "a:50 b:10 c:10", 30, "b c");
        check("", "a:40 b:40 c:40", 0, "");
    }

    #[test]
    fn eviction_keeps_what_content_needs() {
        check("a", "a:40 b:40 c:40", 80, "a c");
        check("book-b", "a:40 b:40 c:40", 40, "b");
        check("a book-b c", "a:40 b:40 c:40", 10, "a b c");
    }
}

mod outbox {
    use super::*;

    /// Saves a submission for each name in `saved`, then fails delivery of those in `failed`
    /// (`name:seconds` until the retry, or `name:refused` when the server refused it for good);
    /// `due` and `all_pending` then list these names, and `refused` the refused ones' names.
    fn check(saved: &str, failed: &str, due: &str, all: &str, refused: &str) {
        let (mut store, _dir) = open();
        enroll(&mut store);
        let form = ContentId("membership".to_owned());
        let answers = FormAnswers {
            answers: Default::default(),
        };
        let mut ids = Vec::new();
        for (at, name) in saved.split_whitespace().enumerate() {
            let saved = store.enqueue(&form, 1, &answers).expect("saved");
            // Saved within the same millisecond, they would tie on the time they are ordered by.
            store
                .conn
                .execute(
                    "UPDATE outbox SET submitted_at = ?2 WHERE id = ?1",
                    rusqlite::params![saved.id, at as i64],
                )
                .expect("time set");
            ids.push((name, saved.id));
        }
        let id_of = |name: &str| {
            let (_, id) = ids.iter().find(|(n, _)| *n == name).expect("a saved name");
            id.clone()
        };
        for entry in failed.split_whitespace() {
            match entry.split_once(':').expect("name:seconds or name:refused") {
                (name, "refused") => store
                    .refuse(
                        &id_of(name),
                        ErrorCode::InvalidAnswers,
                        "答案不符合表单要求",
                    )
                    .expect("recorded"),
                (name, seconds) => {
                    let retry = Duration::from_secs(seconds.parse().expect("seconds"));
                    store
                        .failed(&id_of(name), "offline", retry)
                        .expect("recorded");
                }
            }
        }
        let names = |pending: Vec<Pending>| {
            let names: Vec<&str> = pending
                .iter()
                .map(|p| {
                    let (name, _) = ids
                        .iter()
                        .find(|(_, id)| *id == p.upload.id)
                        .expect("a saved id");
                    *name
                })
                .collect();
            names.join(" ")
        };
        let case = format!("saved {saved:?}, failed {failed:?}");
        assert_eq!(names(store.due().expect("due read")), due, "{case}");
        assert_eq!(names(store.all_pending().expect("read")), all, "{case}");
        let kept = store.refused_submissions().expect("refused read");
        let receipt_of = |name: &str| {
            store
                .conn
                .query_row(
                    "SELECT receipt FROM outbox WHERE id = ?1",
                    [id_of(name)],
                    |r| r.get::<_, String>(0),
                )
                .expect("a kept row")
        };
        let expect: Vec<String> = refused.split_whitespace().map(receipt_of).collect();
        let got: Vec<String> = kept.iter().map(|r| r.receipt.clone()).collect();
        assert_eq!(got, expect, "{case}");
        assert!(kept.iter().all(|r| r.code == "invalid_answers"), "{case}");
        assert_eq!(store.refused_count().expect("count"), kept.len() as u64);
        let waiting = saved.split_whitespace().count() - kept.len();
        assert_eq!(
            store.outbox_depth().expect("depth"),
            waiting as u64,
            "{case}"
        );
    }

    #[test]
    fn a_failed_submission_waits_for_its_retry_unless_all_are_asked_for() {
        check("a b c", "", "a b c", "a b c", "");
        check("a b c", "b:60", "a c", "a b c", "");
        check("a b", "a:0", "a b", "a b", "");
        check("a b", "a:60 b:60", "", "a b", "");
    }

    #[test]
    fn a_submission_refused_for_good_leaves_the_retry_loop_but_is_kept() {
        check("a b c", "b:refused", "a c", "a c", "b");
        check("a b", "a:refused b:refused", "", "", "a b");
        check("a b", "a:60 b:refused", "", "a", "b");
    }

    #[test]
    fn enrolling_again_is_refused_while_submissions_wait() {
        let (mut store, _dir) = open();
        enroll(&mut store);
        let form = ContentId("membership".to_owned());
        let answers = FormAnswers {
            answers: Default::default(),
        };
        let waiting = store.enqueue(&form, 1, &answers).expect("saved");
        let err = store
            .ready_to_enroll_again()
            .expect_err("a waiting submission holds enrollment up");
        assert!(matches!(err, StoreError::OutboxNotEmpty(1)), "{err}");
        let creds_before = store.enrollment().expect("read");
        let server = url::Url::parse("https://other.example/").expect("url");
        let again = EnrollResponse {
            kiosk_id: KioskId("k2".to_owned()),
            secret: "s2".to_owned(),
            org: creds_before.as_ref().expect("enrolled").org.clone(),
            receipt_prefix: "B".to_owned(),
            submission_key: String::new(),
        };
        assert!(
            store
                .save_enrollment(&server, Fingerprint([2; 32]), &again)
                .is_err()
        );
        assert_eq!(
            store.enrollment().expect("read"),
            creds_before,
            "nothing changed"
        );

        // Refused for good, it no longer holds enrollment up (it is kept all the same).
        store
            .refuse(&waiting.id, ErrorCode::InvalidReceipt, "回执号不属于本机")
            .expect("refused");
        store.ready_to_enroll_again().expect("nothing waits");
        enroll(&mut store);
        assert_eq!(store.refused_count().expect("count"), 1);
    }
}

/// Before any announcement the kiosk trusts the pin it enrolled with; once the server announced
/// its keys, those; enrolling again forgets what the previous server announced.
#[test]
fn announced_pins_replace_the_enrollment_pin_until_the_next_enrollment() {
    let (mut store, _dir) = open();
    enroll(&mut store);
    let pins = |store: &Store| store.enrollment().expect("read").expect("enrolled").pins();
    assert_eq!(pins(&store), vec![Fingerprint([1; 32])]);
    let announced = [Fingerprint([3; 32]), Fingerprint([4; 32])];
    assert!(store.save_announced_pins(&announced).expect("kept"));
    assert!(
        !store.save_announced_pins(&announced).expect("kept"),
        "unchanged"
    );
    assert_eq!(pins(&store), announced.to_vec());
    enroll(&mut store);
    assert_eq!(pins(&store), vec![Fingerprint([1; 32])]);
}

#[test]
fn the_enrollment_debug_hides_the_secret() {
    let (mut store, _dir) = open();
    enroll(&mut store);
    let enrollment = store.enrollment().expect("read").expect("enrolled");
    let printed = format!("{enrollment:?}");
    assert!(!printed.contains(SECRET), "{printed}");
    assert!(printed.contains("k1"), "{printed}");
}
