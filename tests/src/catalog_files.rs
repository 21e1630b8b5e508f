//! Catalogue files as library systems and suppliers send them, written with real libraries: CSV
//! with the headers a Chinese library system exports (UTF-8 and GB18030), an Excel workbook
//! (rust_xlsxwriter), CNMARC and MARC 21 records in ISO 2709 (the `marc` crate's builder).
//!
//! The files under `tests/fixtures/catalog/` are this module's output
//! (`cargo run -p tests --bin catalog-files -- tests/fixtures/catalog`); the test
//! `catalog_formats::the_fixtures_are_what_the_generator_writes` keeps them in step. The same
//! writers turn a generated catalogue into each format for the import benchmark.

use std::io::Write;
use std::path::Path;

use marc::{FieldRepr, RecordBuilder};

/// One catalogue entry, with the parts each format spells differently.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub title: String,
    /// Other title information (副题名), written after "：" in a table.
    pub subtitle: String,
    /// The statement of responsibility as the library system wrote it.
    pub statement: String,
    pub publisher: String,
    /// The publication date in a library system's own form ("2017.6").
    pub date: String,
    pub isbn: String,
    /// Chinese Library Classification number.
    pub clc: String,
    /// Call number: class part / book number.
    pub call_class: String,
    pub call_book: String,
    pub summary: String,
    /// The record's id in the library system (条码 / MARC 001).
    pub barcode: String,
    pub location: String,
    pub serial: bool,
    pub price: String,
}

impl Book {
    fn table_title(&self) -> String {
        if self.subtitle.is_empty() {
            self.title.clone()
        } else {
            format!("{}：{}", self.title, self.subtitle)
        }
    }

    fn call_number(&self) -> String {
        if self.call_book.is_empty() {
            self.call_class.clone()
        } else {
            format!("{}/{}", self.call_class, self.call_book)
        }
    }
}

/// An entry from its parts in [`Book`]'s order: title, subtitle, statement, publisher, date,
/// ISBN, CLC class, call number's class and book parts, summary, barcode.
fn book(p: [&str; 11]) -> Book {
    Book {
        title: p[0].into(),
        subtitle: p[1].into(),
        statement: p[2].into(),
        publisher: p[3].into(),
        date: p[4].into(),
        isbn: p[5].into(),
        clc: p[6].into(),
        call_class: p[7].into(),
        call_book: p[8].into(),
        summary: p[9].into(),
        barcode: p[10].into(),
        location: "二楼书屋".into(),
        serial: false,
        price: "68.00元".into(),
    }
}

/// The valid entries every fixture lists.
pub fn sample_books() -> Vec<Book> {
    let mut periodical = book([
        "中国工人",
        "",
        "中华全国总工会主办",
        "中国工人杂志社",
        "2025年3月",
        "",
        "D412",
        "D412",
        "Z654",
        "全国总工会主管的综合性工人刊物。",
        "QK-2025-03",
    ]);
    periodical.serial = true;
    periodical.location = "一楼期刊架".into();
    vec![
        book([
            "人类简史",
            "从动物到上帝",
            "(以)尤瓦尔·赫拉利著；林俊宏译",
            "中信出版社",
            "2017.6",
            "9787508647357",
            "K02",
            "K02",
            "H193",
            "从认知革命、农业革命到科学革命，讲述人类如何走到今天。",
            "C0012345",
        ]),
        book([
            "活着",
            "",
            "余华著",
            "作家出版社",
            "2012-08",
            "9787506365437",
            "I247.57",
            "I247.5",
            "Y863",
            "讲述农民福贵历经苦难的一生。",
            "C0012346",
        ]),
        book([
            "中华人民共和国工会法",
            "",
            "全国人大常委会法制工作委员会编",
            "中国法制出版社",
            "2022年1月",
            "9787521622980",
            "D922.5",
            "D922.5",
            "Q183",
            "工会法全文与条文释义。",
            "C0012347",
        ]),
        book([
            "Python编程",
            "从入门到实践",
            "(美)埃里克·马瑟斯著；袁国忠译",
            "人民邮电出版社",
            "2020.10",
            "9787115546081",
            "TP311.561",
            "TP311.561",
            "M523",
            "面向初学者的 Python 教程。",
            "C0012348",
        ]),
        book([
            "黄帝内经",
            "",
            "[战国]佚名撰",
            "中华书局",
            "2010",
            "9787101074901",
            "R221",
            "R221",
            "H885",
            "",
            "C0012349",
        ]),
        periodical,
    ]
}

/// Entries the workbook's second sheet lists.
pub fn second_sheet_books() -> Vec<Book> {
    vec![book([
        "平凡的世界",
        "",
        "路遥著",
        "北京十月文艺出版社",
        "2017.6",
        "9787530216781",
        "I247.57",
        "I247.5",
        "L864",
        "孙少安、孙少平兄弟的奋斗。",
        "C0012360",
    ])]
}

/// Entries that are wrong in a way a person must fix: a mistyped ISBN, no title, no year.
fn broken_books() -> Vec<Book> {
    let mut bad_isbn = sample_books()[1].clone();
    bad_isbn.isbn = "9787506365438".into();
    bad_isbn.barcode = "C0019990".into();
    let mut no_title = sample_books()[2].clone();
    no_title.title.clear();
    no_title.subtitle.clear();
    no_title.isbn.clear();
    no_title.barcode = "C0019991".into();
    let mut no_year = sample_books()[3].clone();
    no_year.date = "不详".into();
    no_year.isbn.clear();
    no_year.barcode = "C0019992".into();
    vec![bad_isbn, no_title, no_year]
}

/// The header a Chinese library system's CSV export writes, with a column nobody knows.
const HEADER: [&str; 13] = [
    "题名",
    "责任者",
    "出版者",
    "出版日期",
    "ISBN",
    "索书号",
    "价格",
    "中图分类号",
    "文献类型",
    "内容简介",
    "条码号",
    "馆藏位置",
    "借阅次数",
];

fn table_row(b: &Book) -> [String; 13] {
    [
        b.table_title(),
        b.statement.clone(),
        b.publisher.clone(),
        b.date.clone(),
        b.isbn.clone(),
        b.call_number(),
        b.price.clone(),
        b.clc.clone(),
        if b.serial { "期刊" } else { "图书" }.into(),
        b.summary.clone(),
        b.barcode.clone(),
        b.location.clone(),
        "3".into(),
    ]
}

/// The CSV text: the sample, with the broken entries in among them.
fn csv_text(books: &[Book]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).expect("header");
    for b in books {
        out.write_record(table_row(b)).expect("row");
    }
    String::from_utf8(out.into_inner().expect("flush")).expect("UTF-8")
}

fn with_broken(books: Vec<Book>) -> Vec<Book> {
    let mut all = books;
    for (i, b) in broken_books().into_iter().enumerate() {
        all.insert((i * 3 + 1).min(all.len()), b);
    }
    all
}

/// A CNMARC record (UNIMARC fields as Chinese library systems fill them), encoded in GB18030
/// when `gb18030`, else UTF-8.
pub fn cnmarc_record(b: &Book, gb18030: bool) -> Vec<u8> {
    let enc = |s: &str| -> Vec<u8> {
        if gb18030 {
            encoding_rs::GB18030.encode(s).0.into_owned()
        } else {
            s.as_bytes().to_vec()
        }
    };
    let (responsible, other) = b
        .statement
        .split_once('；')
        .map_or((b.statement.as_str(), None), |(f, g)| (f, Some(g)));
    let mut title = vec![(b'a', enc(&b.title))];
    if !b.subtitle.is_empty() {
        title.push((b'e', enc(&b.subtitle)));
    }
    title.push((b'f', enc(responsible)));
    if let Some(g) = other {
        title.push((b'g', enc(g)));
    }
    let mut fields: Vec<FieldRepr> = vec![FieldRepr::from((b"001", enc(&b.barcode)))];
    if !b.isbn.is_empty() {
        fields.push(FieldRepr::from((
            b"010",
            b"  ",
            vec![
                (b'a', enc(&b.isbn)),
                (b'd', enc(&format!("CNY{}", b.price))),
            ],
        )));
    }
    fields.push(FieldRepr::from((b"200", b"1 ", title)));
    fields.push(FieldRepr::from((
        b"210",
        b"  ",
        vec![
            (b'a', enc("北京")),
            (b'c', enc(&b.publisher)),
            (b'd', enc(&b.date)),
        ],
    )));
    if !b.summary.is_empty() {
        fields.push(FieldRepr::from((
            b"330",
            b"  ",
            vec![(b'a', enc(&b.summary))],
        )));
    }
    fields.push(FieldRepr::from((
        b"690",
        b"  ",
        vec![(b'a', enc(&b.clc)), (b'v', enc("5"))],
    )));
    fields.push(FieldRepr::from((
        b"905",
        b"  ",
        vec![
            (b'a', enc("GH")),
            (b'd', enc(&b.call_class)),
            (b'e', enc(&b.call_book)),
        ],
    )));
    build(fields, b.serial)
}

/// A MARC 21 record (UTF-8), as a Western or international system writes one.
pub fn marc21_record(b: &Book) -> Vec<u8> {
    let mut title = if b.subtitle.is_empty() {
        vec![(b'a', format!("{} /", b.title))]
    } else {
        vec![
            (b'a', format!("{} :", b.title)),
            (b'b', format!("{} /", b.subtitle)),
        ]
    };
    title.push((b'c', format!("{}.", b.statement)));
    let mut fields: Vec<FieldRepr> = vec![FieldRepr::from((b"001", b.barcode.clone()))];
    if !b.isbn.is_empty() {
        fields.push(FieldRepr::from((
            b"020",
            b"  ",
            vec![(b'a', format!("{} (pbk.)", b.isbn))],
        )));
    }
    fields.push(FieldRepr::from((
        b"084",
        b"  ",
        vec![(b'a', b.clc.clone()), (b'2', "clc".to_owned())],
    )));
    fields.push(FieldRepr::from((b"245", b"10", title)));
    fields.push(FieldRepr::from((
        b"264",
        b" 1",
        vec![
            (b'a', "北京 :".to_owned()),
            (b'b', format!("{},", b.publisher)),
            (b'c', format!("{}.", b.date)),
        ],
    )));
    if !b.summary.is_empty() {
        fields.push(FieldRepr::from((
            b"520",
            b"  ",
            vec![(b'a', b.summary.clone())],
        )));
    }
    fields.push(FieldRepr::from((
        b"852",
        b"  ",
        vec![
            (b'c', b.location.clone()),
            (b'h', b.call_class.clone()),
            (b'i', b.call_book.clone()),
        ],
    )));
    build(fields, b.serial)
}

fn build(fields: Vec<FieldRepr>, serial: bool) -> Vec<u8> {
    let mut builder = RecordBuilder::new();
    if serial {
        builder.set_bibliographic_level(marc::BibliographicLevel::Serial);
    }
    builder
        .add_fields(fields)
        .expect("fields fit a record")
        .get_record()
        .expect("a record fits")
        .as_ref()
        .to_vec()
}

/// `record` with its leader's length changed, as a file cut and pasted by hand ends up.
fn damaged(mut record: Vec<u8>) -> Vec<u8> {
    record[4] = if record[4] == b'9' {
        b'0'
    } else {
        record[4] + 1
    };
    record
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::File::create(path)?.write_all(bytes)
}

/// An Excel workbook of `sheets` (name, entries), the header row first on each.
pub fn write_xlsx(
    path: &Path,
    sheets: &[(&str, Vec<Book>)],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 30)?;
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    for (name, books) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name)?;
        for (col, h) in HEADER.iter().enumerate() {
            sheet.write_string(0, col as u16, *h)?;
        }
        for (i, b) in books.iter().enumerate() {
            let row = i as u32 + 1;
            for (col, value) in table_row(b).iter().enumerate() {
                // ISBNs as numbers, the way a supplier's sheet often has them.
                match value.parse::<f64>() {
                    Ok(n) if col == 4 => sheet.write_number(row, col as u16, n)?,
                    _ => sheet.write_string(row, col as u16, value)?,
                };
            }
        }
    }
    book.save(path)
}

/// Writes every fixture into `dir`.
pub fn write_fixtures(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = csv_text(&with_broken(sample_books()));
    write(&dir.join("library-system-utf8.csv"), text.as_bytes())?;
    write(
        &dir.join("library-system-gb18030.csv"),
        &encoding_rs::GB18030.encode(&text).0,
    )?;
    write_xlsx(
        &dir.join("supplier.xlsx"),
        &[
            ("馆藏书目", with_broken(sample_books())),
            ("新书", second_sheet_books()),
        ],
    )
    .map_err(std::io::Error::other)?;
    let broken = broken_books();
    let mut cnmarc = Vec::new();
    let mut marc21 = Vec::new();
    for (i, b) in sample_books().iter().enumerate() {
        // Alternate encodings, as a file merged from two systems has them.
        cnmarc.extend(cnmarc_record(b, i % 2 == 0));
        marc21.extend(marc21_record(b));
        if i == 1 {
            cnmarc.extend(cnmarc_record(&broken[0], true));
            marc21.extend(marc21_record(&broken[0]));
        }
        if i == 3 {
            cnmarc.extend(damaged(cnmarc_record(&broken[1], true)));
            marc21.extend(damaged(marc21_record(&broken[1])));
        }
    }
    write(&dir.join("cnmarc.iso"), &cnmarc)?;
    write(&dir.join("marc21.mrc"), &marc21)
}

/// A generated catalogue CSV (the `gen-catalog` command's columns) as entries.
pub fn books_from_generated_csv(path: &Path) -> csv::Result<Vec<Book>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut books = Vec::new();
    for row in reader.records() {
        let row = row?;
        let get = |i: usize| row.get(i).unwrap_or_default().to_owned();
        books.push(Book {
            title: get(0),
            statement: get(1),
            publisher: get(2),
            date: get(3),
            isbn: get(4),
            serial: get(5) == "periodical" || get(5) == "期刊",
            summary: get(7),
            location: get(8),
            barcode: if get(11).is_empty() { get(4) } else { get(11) },
            clc: "I247.5".into(),
            call_class: "I247.5".into(),
            ..Book::default()
        });
    }
    Ok(books)
}

/// Writes `books` as one ISO 2709 file of CNMARC records (GB18030).
pub fn write_cnmarc(path: &Path, books: &[Book]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for b in books {
        out.write_all(&cnmarc_record(b, true))?;
    }
    out.flush()
}
