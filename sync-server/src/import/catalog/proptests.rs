//! Property tests for reading catalogue rows, the CSV a library system exports: whatever the
//! bytes, in either encoding, reading answers a row or a sentence and never panics; a valid row
//! reads back as the same item whether the file is UTF-8 or GB18030.

use super::*;
use encoding_rs::{GB18030, UTF_8};
use proptest::prelude::*;

/// Enough cases to find the edge a parser trips on, few enough to keep the suite quick.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

const HEADER: &str = "title,author,publisher,year,isbn,kind,category,description,location,\
                      read_online_url,cover_file,external_id";

/// Every row of `bytes` read as `encoding`: the header's refusal, or each row's outcome.
fn read_all(bytes: &[u8], encoding: &'static Encoding) -> AppResult<Vec<Result<Row, String>>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("catalogue.csv");
    std::fs::write(&path, bytes).expect("write the file");
    let mut source = Source::open(&path, Format::Csv(encoding), None)?;
    let clc = ClcTable::default();
    let mut rows = Vec::new();
    while let Some((line, values)) = source.next_record() {
        rows.push(values.and_then(|v| parse_row(line, &v, &clc)));
    }
    Ok(rows)
}

fn encoding() -> impl Strategy<Value = &'static Encoding> {
    prop::sample::select(vec![UTF_8, GB18030])
}

/// A cell as people type them: Chinese, Latin, digits, ISBN-ish runs, CSV's own punctuation.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,20}",
        "[0-9Xx -]{0,17}",
        "[\\p{Han}a-z ,\"\\n]{0,12}",
        Just("图书".to_owned()),
        Just("https://example.cn/a".to_owned()),
        Just("../secret.jpg".to_owned()),
    ]
}

/// The ISBN-13 with these twelve digits and its check digit.
fn isbn13(first12: &[u8]) -> String {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    let check = (10 - sum % 10) % 10;
    first12
        .iter()
        .map(|d| char::from(b'0' + d))
        .chain(std::iter::once(
            char::from_digit(check, 10).expect("one digit"),
        ))
        .collect()
}

/// Text that survives the row's trimming as it is: no space at either end.
fn text(max: usize) -> impl Strategy<Value = String> {
    let first = "[\\p{Han}a-zA-Z0-9·《》“”（），,\"]";
    let middle = "[\\p{Han}a-zA-Z0-9·《》“”（）， ,\"]";
    let last = "[\\p{Han}a-zA-Z0-9]";
    proptest::string::string_regex(&format!("{first}({middle}{{0,{max}}}{last})?"))
        .expect("a valid pattern")
}

/// A valid catalogue item and the key it is matched by.
fn item() -> impl Strategy<Value = (LibraryItem, String)> {
    (
        (
            text(30),
            prop::option::of(text(10)),
            prop::option::of(text(10)),
            prop::option::of(1000i32..=2200),
        ),
        (
            prop::option::of(prop::collection::vec(0u8..10, 12)),
            prop::sample::select(vec![
                LibraryKind::Book,
                LibraryKind::Periodical,
                LibraryKind::Newspaper,
            ]),
            prop::option::of(text(8)),
            prop::option::of(text(60)),
            prop::option::of(text(10)),
            "[A-Z0-9]{1,12}",
        ),
    )
        .prop_map(
            |(
                (title, author, publisher, year),
                (isbn, item_kind, category, description, location, external_id),
            )| {
                let isbn = isbn.map(|d| isbn13(&d));
                let key = match &isbn {
                    Some(i) => format!("isbn:{i}"),
                    None => format!("ext:{external_id}"),
                };
                let item = LibraryItem {
                    item_kind,
                    title,
                    author: author.unwrap_or_default(),
                    publisher: publisher.unwrap_or_default(),
                    year,
                    isbn,
                    external_id: Some(external_id),
                    category: category.unwrap_or_default(),
                    cover: None,
                    description: description.unwrap_or_default(),
                    location: location.unwrap_or_default(),
                    call_number: String::new(),
                    responsibility: String::new(),
                    read_online: None,
                };
                (item, key)
            },
        )
}

/// The catalogue file listing `item`, written as a library system would (UTF-8).
fn csv_of(item: &LibraryItem) -> String {
    let kind = match item.item_kind {
        LibraryKind::Book => "图书",
        LibraryKind::Periodical => "期刊",
        LibraryKind::Newspaper => "报纸",
    };
    let year = item.year.map(|y| y.to_string()).unwrap_or_default();
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    out.write_record(HEADER.split(','))
        .expect("write the header");
    out.write_record([
        item.title.as_str(),
        &item.author,
        &item.publisher,
        &year,
        item.isbn.as_deref().unwrap_or_default(),
        kind,
        &item.category,
        &item.description,
        &item.location,
        "",
        "",
        item.external_id.as_deref().unwrap_or_default(),
    ])
    .expect("write the row");
    String::from_utf8(out.into_inner().expect("flush")).expect("written as UTF-8")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        encoding in encoding(),
    ) {
        let _ = read_all(&bytes, encoding);
    }

    #[test]
    fn arbitrary_rows_are_read_or_refused_with_a_sentence(
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..14), 1..4),
        encoding in encoding(),
    ) {
        let mut text = format!("{HEADER}\n");
        for row in &rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let (bytes, _, _) = encoding.encode(&text);
        let read = read_all(&bytes, encoding).expect("the header is valid");
        for row in read {
            if let Err(message) = row {
                prop_assert!(!message.is_empty());
            }
        }
    }

    #[test]
    fn a_valid_row_reads_back_the_same_in_either_encoding((item, key) in item()) {
        let text = csv_of(&item);
        let (gb18030, _, unmappable) = GB18030.encode(&text);
        prop_assert!(!unmappable, "GB18030 encodes every character");
        for (bytes, encoding) in [(text.as_bytes(), UTF_8), (&gb18030[..], GB18030)] {
            let rows = read_all(bytes, encoding).expect("the header is valid");
            prop_assert_eq!(rows.len(), 1);
            let row = rows.into_iter().next().expect("one row").map_err(|m| {
                TestCaseError::fail(format!("{}: {m}", encoding.name()))
            })?;
            // The author column is read as a statement of responsibility: what it shows is the
            // statement shortened, the statement itself kept beside it when they differ.
            let mut expected = item.clone();
            expected.author = fields::display_author(&item.author);
            if expected.author != item.author {
                expected.responsibility = item.author.clone();
            }
            prop_assert_eq!(&row.item, &expected, "{}", encoding.name());
            prop_assert_eq!(&row.key, &key);
            prop_assert_eq!(row.line, 2);
        }
    }
}
