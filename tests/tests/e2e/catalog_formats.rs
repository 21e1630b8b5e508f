//! Catalogues as library systems and suppliers send them: CSV with a Chinese library system's
//! headers (UTF-8 and GB18030), an Excel workbook, CNMARC and MARC 21 records. Each file is in
//! `tests/fixtures/catalog/`, written by `tests::catalog_files` with real libraries, each with
//! broken records among the good ones.

use std::path::{Path, PathBuf};

use protocol::OrgId;
use protocol::content::LibraryKind;
use sync_server::import::catalog::{self, Options, Quiet, Report};
use sync_server::orgs::Actor;
use tests::console::Console;
use tests::{TestServer, catalog_files};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/catalog")
}

fn options(org: OrgId, sheet: Option<&str>, skip_invalid: bool) -> Options {
    Options {
        org,
        encoding: None,
        sheet: sheet.map(str::to_owned),
        clc: None,
        skip_invalid,
        replace: false,
        covers: None,
    }
}

async fn import(server: &TestServer, file: &Path, options: Options) -> Report {
    catalog::import(&server.state, Actor::Operator, file, options, &Quiet)
        .await
        .expect("import runs")
}

#[test]
fn the_fixtures_are_what_the_generator_writes() {
    let fresh = tempfile::tempdir().expect("temp dir");
    catalog_files::write_fixtures(fresh.path()).expect("write");
    for name in [
        "library-system-utf8.csv",
        "library-system-gb18030.csv",
        "supplier.xlsx",
        "cnmarc.iso",
        "marc21.mrc",
    ] {
        let committed = std::fs::read(fixtures().join(name)).expect("committed fixture");
        let written = std::fs::read(fresh.path().join(name)).expect("written");
        assert!(
            committed == written,
            "{name} differs from what tests::catalog_files writes: run \
             `cargo run -p tests --bin catalog-files -- tests/fixtures/catalog`"
        );
    }
}

#[tokio::test]
async fn every_format_imports_the_same_books_and_reports_its_broken_records() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(tests::ADMIN, tests::PASSWORD).await;
    let files = [
        ("library-system-utf8.csv", "第 1 行", 9),
        ("library-system-gb18030.csv", "第 1 行", 9),
        ("supplier.xlsx", "第 1 行", 9),
        ("cnmarc.iso", "", 8),
        ("marc21.mrc", "", 8),
    ];
    let mut imported = Vec::new();
    for (i, (name, header_warning, rows)) in files.iter().enumerate() {
        let org = admin.create_org(province, &format!("第{i}支行工会")).await;
        let report = import(&server, &fixtures().join(name), options(org, None, true)).await;
        assert!(report.imported, "{name}");
        assert_eq!(
            (report.rows, report.created, report.invalid_rows),
            (*rows, 6, *rows - 6),
            "{name}: {:?}",
            report.errors
        );
        let errors: Vec<String> = report
            .errors
            .iter()
            .map(|e| format!("{}：{}", report.place(e.line), e.message))
            .collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("ISBN '9787506365438' 校验位不正确")),
            "{name}: {errors:?}"
        );
        if header_warning.is_empty() {
            assert!(report.warnings.is_empty(), "{name}: {:?}", report.warnings);
            assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with("第 6 条记录：记录头说长")),
                "{name}: a damaged record is named by its number: {errors:?}"
            );
        } else {
            assert!(
                errors.iter().any(|e| e == "第 6 行：title：不能为空"),
                "{name}: {errors:?}"
            );
            assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with("第 9 行：出版日期 '不详'")),
                "{errors:?}"
            );
            let warning = report
                .warnings
                .first()
                .expect("the unknown column is named");
            assert_eq!(format!("{}", report.place(warning.line)), *header_warning);
            assert!(warning.message.contains("借阅次数"), "{}", warning.message);
        }
        imported.push((name, server.library_items_at(&admin, org).await));
    }

    let (_, csv) = &imported[0];
    let huozhe = csv
        .iter()
        .find(|b| b.title == "人类简史：从动物到上帝")
        .expect("listed");
    assert_eq!(huozhe.author, "尤瓦尔·赫拉利");
    assert_eq!(huozhe.responsibility, "(以)尤瓦尔·赫拉利著；林俊宏译");
    assert_eq!(huozhe.year, Some(2017));
    assert_eq!(huozhe.category, "历史地理", "from class K02");
    assert_eq!(huozhe.call_number, "K02/H193");
    assert_eq!(huozhe.location, "二楼书屋");
    assert_eq!(huozhe.external_id.as_deref(), Some("C0012345"));
    let python = csv
        .iter()
        .find(|b| b.title.starts_with("Python"))
        .expect("listed");
    assert_eq!(
        (python.category.as_str(), python.year),
        ("计算机", Some(2020))
    );
    let periodical = csv.iter().find(|b| b.title == "中国工人").expect("listed");
    assert_eq!(periodical.item_kind, LibraryKind::Periodical);

    for (name, items) in &imported[1..] {
        let mut expected = csv.clone();
        if name.ends_with(".iso") {
            // CNMARC's holdings field carries no reading-room location.
            for b in &mut expected {
                b.location.clear();
            }
        }
        assert_eq!(items, &expected, "{name} gives the same items as the CSV");
    }
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn nothing_is_imported_from_a_file_with_broken_records_unless_asked() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(tests::ADMIN, tests::PASSWORD).await;
    let marc = fixtures().join("cnmarc.iso");
    let report = import(&server, &marc, options(province, None, false)).await;
    assert!(!report.imported);
    assert_eq!((report.created, report.invalid_rows), (0, 2));

    // A MARC file cut off in its last record: the cut record is named, the rest read.
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = dir.path().join("cut.iso");
    let bytes = std::fs::read(&marc).expect("fixture");
    std::fs::write(&cut, &bytes[..bytes.len() - 40]).expect("write");
    let report = import(&server, &cut, options(province, None, true)).await;
    assert_eq!((report.rows, report.created), (8, 5), "{:?}", report.errors);
    let last = report.errors.last().expect("the cut record");
    assert_eq!(
        (last.line, last.message.as_str()),
        (8, "文件在这条记录中间结束了（缺记录结束符）")
    );

    // The workbook's second sheet, by name; a sheet that is not there is named with those that are.
    let xlsx = fixtures().join("supplier.xlsx");
    let report = import(&server, &xlsx, options(province, Some("新书"), false)).await;
    assert_eq!(report.created, 1, "{:?}", report.errors);
    let items = server.library_items_at(&admin, province).await;
    let book = items
        .iter()
        .find(|b| b.title == "平凡的世界")
        .expect("imported");
    assert_eq!(
        (book.call_number.as_str(), book.author.as_str()),
        ("I247.5/L864", "路遥")
    );
    let refused = catalog::import(
        &server.state,
        Actor::Operator,
        &xlsx,
        options(province, Some("旧书"), false),
        &Quiet,
    )
    .await
    .expect_err("no such sheet");
    assert!(
        refused.message.contains("有：馆藏书目、新书"),
        "{}",
        refused.message
    );
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn the_console_imports_each_format_and_shows_the_report() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let mut console = Console::new(&server);
    console.login(tests::ADMIN, tests::PASSWORD).await;
    let page = console.get("/console/library").await;
    assert!(
        page.body.contains("导入书目（CSV、Excel、MARC）"),
        "the form says what it takes"
    );
    let org = province.0.to_string();
    for (name, sheet, format) in [
        ("library-system-gb18030.csv", "", "CSV (GB18030)"),
        ("supplier.xlsx", "新书", "Excel"),
        ("marc21.mrc", "", "ISO 2709"),
    ] {
        let bytes = std::fs::read(fixtures().join(name)).expect("fixture");
        // Saved under a neutral name: the format is told from the contents.
        let answer = console
            .import_catalog(
                &[("org", &org), ("sheet", sheet), ("skip_invalid", "1")],
                ("file", "upload.bin", bytes),
            )
            .await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.body);
        assert!(answer.body.contains(format), "{name}: the format is named");
        if name.ends_with(".mrc") {
            assert!(
                answer.body.contains("第 6 条记录"),
                "{name}: records by number"
            );
        } else if sheet.is_empty() {
            assert!(answer.body.contains("第 9 行"), "{name}: rows by line");
            assert!(
                answer.body.contains("借阅次数"),
                "{name}: the unknown column named"
            );
        }
    }
    // Without "skip", a file with broken rows imports nothing and says so.
    let bytes = std::fs::read(fixtures().join("cnmarc.iso")).expect("fixture");
    let answer = console
        .import_catalog(&[("org", &org)], ("file", "cnmarc.iso", bytes))
        .await;
    assert!(answer.body.contains("一行也没有导入"), "{}", answer.body);

    // The editor shows the call number and the catalogue's statement, and saves a corrected
    // call number that kiosks then get.
    let page = console.get("/console/library?q=人类简史").await;
    let link = "/console/library/item/";
    let at = page.body.find(link).expect("the book is found") + link.len();
    let id: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
    let editor = console.get(&format!("{link}{id}")).await;
    assert!(
        editor.body.contains("value=\"K02/H193\""),
        "{}",
        editor.body
    );
    assert!(
        editor.body.contains("(以)尤瓦尔·赫拉利著；林俊宏译"),
        "the full statement is shown"
    );
    let pattern = "name=\"version\" value=\"";
    let version_at = editor.body.find(pattern).expect("version") + pattern.len();
    let version: String = editor.body[version_at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let saved = console
        .post(
            &format!("{link}{id}"),
            &[
                ("version", &version),
                ("title", "人类简史：从动物到上帝"),
                ("author", "尤瓦尔·赫拉利"),
                ("category", "历史地理"),
                ("location", "二楼书屋 K区"),
                ("call_number", "K02/H193-2"),
                (
                    "description",
                    "从认知革命、农业革命到科学革命，讲述人类如何走到今天。",
                ),
            ],
        )
        .await;
    assert!(saved.status.is_redirection(), "{saved:?}");
    let admin = server.login(tests::ADMIN, tests::PASSWORD).await;
    let items = server.library_items_at(&admin, province).await;
    let book = items
        .iter()
        .find(|b| b.title == "人类简史：从动物到上帝")
        .expect("there");
    assert_eq!(
        (book.call_number.as_str(), book.location.as_str()),
        ("K02/H193-2", "二楼书屋 K区")
    );
    server.stop().await.expect("stops");
}
