//! A catalogue import from the library page in a real browser (issue 17, part 8), inside the
//! main console session: the upload opens the job's page, whose script follows the progress
//! until the final report. Screenshots at 1366×768: the page as the job runs and its report, in
//! Chinese, and the report in English.

use std::fmt::Write;

use fantoccini::{Client, Locator};

use super::{click, shot, text_of, wait_for};

/// Imports a generated catalogue (every 500th row invalid, skipped) and follows it to the end.
pub async fn progress_reaches_the_report(c: &Client, base: &str) {
    let rows = 3_000;
    let mut csv = String::from("title,author,external_id\n");
    for i in 0..rows {
        let id = if i % 500 == 0 {
            String::new()
        } else {
            format!("browser-{i}")
        };
        writeln!(csv, "浏览器导入的书第{i}册,编写组,{id}").expect("a string takes it");
    }
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("books.csv");
    std::fs::write(&file, csv).expect("catalogue");

    c.set_window_size(1366, 768).await.expect("window size");
    c.goto(&format!("{base}/console/library"))
        .await
        .expect("library");
    c.find(Locator::Css("input[name=file]"))
        .await
        .expect("file field")
        .send_keys(file.to_str().expect("utf-8 path"))
        .await
        .expect("attach");
    click(c, "input[name=skip_invalid]").await;
    click(
        c,
        "form[action='/console/library/import'] button[type=submit]",
    )
    .await;
    wait_for(c, "#job", "the job's page").await;
    shot(c, "import-progress-zh").await;
    // The page's script replaces the progress until the job has ended: seconds on SQLite, and
    // on PostgreSQL (a round trip per statement) on a loaded machine more than `wait_for`'s
    // 20 s (BENCHMARKS.md, "PostgreSQL backend").
    let report = "#job:not([data-running]) .report";
    c.wait()
        .at_most(std::time::Duration::from_secs(90))
        .for_element(Locator::Css(report))
        .await
        .unwrap_or_else(|e| panic!("the final report ({report}): {e}"));
    let text = text_of(c).await;
    let invalid = rows / 500;
    assert!(text.contains("已完成"), "{text}");
    assert!(
        text.contains(&format!("{}\n新增", rows - invalid)),
        "{text}"
    );
    assert!(
        text.contains("第 502 行"),
        "the skipped rows by line: {text}"
    );
    shot(c, "import-report-zh").await;
    let job = c.current_url().await.expect("the job's address");
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(job.as_str()).await.expect("the job again");
    wait_for(c, "#job .report", "the report").await;
    assert!(text_of(c).await.contains("finished"));
    shot(c, "import-report-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
}
