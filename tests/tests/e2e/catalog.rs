//! Catalogue import: validation with line numbers, GBK, idempotent re-import, --replace, covers.

use std::path::Path;
use sync_server::import::catalog::{self, Options, Quiet, Report};
use sync_server::orgs::Actor;
use tests::{TestServer, Tree};

const HEADER: &str = "title,author,publisher,year,isbn,kind,category,description,location,read_online_url,cover_file,external_id";

fn rows(n: usize) -> Vec<String> {
    let isbns = [
        "9787020002207",
        "9787544253994",
        "9787536692930",
        "9787108010827",
        "9787505715660",
    ];
    isbns
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, isbn)| {
            format!(
                "书名{i},作者{i},人民文学出版社,2001,{isbn},book,文学,简介{i},二楼A区{i}号架,,,"
            )
        })
        .collect()
}

fn csv(lines: &[String]) -> String {
    let mut text = HEADER.to_owned();
    for l in lines {
        text.push('\n');
        text.push_str(l);
    }
    text.push('\n');
    text
}

async fn import(
    server: &TestServer,
    org: protocol::OrgId,
    file: &Path,
    replace: bool,
    skip_invalid: bool,
) -> Report {
    let options = Options {
        org,
        encoding: None,
        sheet: None,
        clc: None,
        skip_invalid,
        replace,
        covers: None,
    };
    catalog::import(&server.state, Actor::Operator, file, options, &Quiet)
        .await
        .expect("import runs")
}

async fn library_items(server: &TestServer, tree: &Tree) -> Vec<protocol::content::LibraryItem> {
    server.library_items_at(&tree.admin, tree.branch_a).await
}

#[tokio::test]
async fn invalid_rows_are_reported_by_line_and_nothing_is_imported() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut lines = rows(2);
    lines.push(",无名氏,出版社,2001,9787536692930,book,文学,,,,,".to_owned());
    lines.push("坏ISBN,作者,出版社,2001,9787536692931,book,文学,,,,,".to_owned());
    lines.push("列数不对,作者".to_owned());
    lines.push("重复,作者,出版社,2001,9787020002207,book,文学,,,,,".to_owned());
    lines.push("年份,作者,出版社,两千年,9787108010827,book,文学,,,,,".to_owned());
    lines.push("无编号,作者,出版社,2001,,book,文学,,,,,".to_owned());
    lines.push("\"带,逗号的书名\",作者,出版社,2001,,periodical,期刊,,,,,PER-1".to_owned());
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, csv(&lines)).expect("write");

    let report = import(&server, tree.province, &file, false, false).await;
    assert!(!report.imported);
    let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 5, 6, 7, 8, 9]);
    assert!(
        report.errors[1].message.contains("9787536692931"),
        "{:?}",
        report.errors[1]
    );
    assert!(
        report.errors[3].message.contains("第 2 行"),
        "{:?}",
        report.errors[3]
    );
    assert!(
        library_items(&server, &tree).await.is_empty(),
        "nothing imported"
    );

    let report = import(&server, tree.province, &file, false, true).await;
    assert!(report.imported);
    assert_eq!((report.created, report.invalid_rows), (3, 6));
    let titles: Vec<String> = library_items(&server, &tree)
        .await
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert_eq!(titles, ["书名0", "书名1", "带,逗号的书名"]);
}

#[tokio::test]
async fn gbk_files_import_the_same_rows_as_utf8() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let dir = tempfile::tempdir().expect("dir");
    let text = csv(&rows(5));
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let utf8_file = dir.path().join("utf8.csv");
    let gbk_file = dir.path().join("gbk.csv");
    std::fs::write(&utf8_file, &text).expect("write");
    std::fs::write(&gbk_file, &gbk).expect("write");
    assert_eq!(
        catalog::detect(&gbk_file).expect("detect").name(),
        "gb18030"
    );
    assert_eq!(catalog::detect(&utf8_file).expect("detect").name(), "UTF-8");

    let report = import(&server, tree.city_a, &gbk_file, false, false).await;
    assert_eq!((report.created, report.encoding), (5, "gb18030"));
    let from_gbk = library_items(&server, &tree).await;
    let other = TestServer::start().await;
    let other_tree = other.org_tree().await;
    import(&other, other_tree.city_a, &utf8_file, false, false).await;
    assert_eq!(from_gbk, library_items(&other, &other_tree).await);
    assert_eq!(from_gbk[0].author, "作者0");
}

#[tokio::test]
async fn reimport_is_idempotent_and_replace_unpublishes_missing_rows() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("c.csv");
    std::fs::write(&file, csv(&rows(5))).expect("write");
    assert_eq!(
        import(&server, tree.province, &file, false, false)
            .await
            .created,
        5
    );
    let head = |s: &TestServer| {
        let db = s.state.db.clone();
        async move {
            db.read(sync_server::content::feed_head)
                .await
                .expect("head")
        }
    };
    let before = head(&server).await;
    let again = import(&server, tree.province, &file, false, false).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 5));
    assert_eq!(
        head(&server).await,
        before,
        "an unchanged import sends kiosks nothing"
    );

    let mut edited = rows(5);
    edited[0] = edited[0].replace("简介0", "新简介");
    std::fs::write(&file, csv(&edited[..3])).expect("write");
    let replaced = import(&server, tree.province, &file, true, false).await;
    assert_eq!(
        (
            replaced.created,
            replaced.updated,
            replaced.unchanged,
            replaced.unpublished
        ),
        (0, 1, 2, 2)
    );
    let items = library_items(&server, &tree).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].description, "新简介");
}

#[tokio::test]
async fn covers_are_attached_by_isbn() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let dir = tempfile::tempdir().expect("dir");
    let covers = dir.path().join("covers");
    std::fs::create_dir(&covers).expect("mkdir");
    std::fs::write(covers.join("9787020002207.png"), tests::png(300, 400)).expect("cover");
    std::fs::write(covers.join("9787544253994.jpg"), b"not really a jpeg").expect("broken cover");
    let file = dir.path().join("c.csv");
    std::fs::write(&file, csv(&rows(3))).expect("write");
    let options = Options {
        org: tree.province,
        encoding: None,
        sheet: None,
        clc: None,
        skip_invalid: false,
        replace: false,
        covers: Some(covers),
    };
    let report = catalog::import(&server.state, Actor::Operator, &file, options, &Quiet)
        .await
        .expect("import");
    assert_eq!(report.created, 3);
    assert_eq!(
        report.warnings.len(),
        1,
        "the broken cover is reported, its row still imported"
    );
    assert_eq!(report.warnings[0].line, 3);
    let items = library_items(&server, &tree).await;
    let with_cover: Vec<_> = items
        .iter()
        .filter(|i| i.cover.is_some())
        .map(|i| i.title.as_str())
        .collect();
    assert_eq!(with_cover, ["书名0"]);
}
