//! A catalogue import from the console runs as a job (issue 17, part 8): the upload answers at
//! once with the job's page, which shows rows done, rows a second and the invalid rows found so
//! far while it runs, and its report at the end. One import at a time per org; staff of another
//! org can neither see nor poll the job; a job a restart cut short says so. And the dashboard's
//! kiosks-online chart counts a kiosk for its own org's staff, not a sibling org's.

use std::fmt::Write;

use protocol::staff::Role;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer};

/// A CSV catalogue of `rows` books, every 1,000th (from the first) without an id: invalid.
fn catalogue(rows: usize) -> Vec<u8> {
    let mut csv = String::from("title,author,external_id\n");
    for i in 0..rows {
        let id = if i % 1000 == 0 {
            String::new()
        } else {
            format!("job-{i}")
        };
        writeln!(csv, "职工读本第{i}册,编写组,{id}").expect("a string takes it");
    }
    csv.into_bytes()
}

#[tokio::test]
async fn an_import_job_shows_progress_to_its_org_only_one_at_a_time_and_survives_as_interrupted() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let city_a = admin.create_org(province, "甲市工会").await;
    let city_b = admin.create_org(province, "乙市工会").await;
    admin.create_user("pub_a", city_a, &[Role::Publisher]).await;
    admin.create_user("pub_b", city_b, &[Role::Publisher]).await;

    let mut a = Console::new(&server);
    a.login("pub_a", PASSWORD).await;
    a.get("/console/library").await;
    let org_a = city_a.0.to_string();
    let fields = [("org", org_a.as_str()), ("skip_invalid", "1")];
    let rows = 10_000;
    let started = a
        .upload(
            "/console/library/import",
            &fields,
            ("file", "books.csv", catalogue(rows)),
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let job = started.location.expect("the job's page");
    assert!(job.starts_with("/console/library/import/"), "{job}");

    // A second import for the same org while the first runs is refused, pointing at it.
    a.get("/console/library").await;
    let second = a
        .upload(
            "/console/library/import",
            &fields,
            ("file", "more.csv", catalogue(10)),
        )
        .await;
    let back = second.location.expect("sent somewhere");
    assert!(
        back.starts_with(&format!("{job}?err=")),
        "to the running job with why: {back}"
    );
    let page = a.get(&back).await;
    assert!(
        page.body.contains("本单位已有一个书目导入正在进行"),
        "{}",
        page.body
    );
    // Without script, the running job's page refreshes itself.
    assert!(page.body.contains("<noscript><meta http-equiv=\"refresh\""));

    // Another org's publisher cannot see or poll it, nor find it in the library's list.
    let mut b = Console::new(&server);
    b.login("pub_b", PASSWORD).await;
    assert_eq!(b.get(&job).await.status, 404);
    assert_eq!(b.get(&format!("{job}?part=1")).await.status, 404);
    assert!(!b.get("/console/library").await.body.contains(&job));

    // Polled as the page's script does: progress while it runs, then the report.
    let mut running_polls = Vec::new();
    let report = loop {
        let part = a.get(&format!("{job}?part=1")).await;
        assert_eq!(part.status, 200);
        if !part.body.contains("data-running") {
            break part.body;
        }
        running_polls.push(part.body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(!running_polls.is_empty(), "the job was seen running");
    assert!(
        running_polls
            .iter()
            .all(|p| p.contains("class=\"rows-done\"") && p.contains("class=\"rate\"")),
        "each running poll has rows done and a rate"
    );
    assert!(
        running_polls
            .iter()
            .any(|p| p.contains("行已写入") && p.contains("第 2 行")),
        "while writing it lists the invalid rows found (line-numbered)"
    );
    let invalid = rows.div_ceil(1000);
    assert!(report.contains("已完成"), "{report}");
    assert!(
        report.contains(&format!(
            "<strong>{}</strong><span>新增</span>",
            rows - invalid
        )),
        "{report}"
    );
    assert!(report.contains("第 1002 行"), "{report}");
    // The full page without script refreshes itself only while the job runs.
    let page = a.get(&job).await;
    assert!(!page.body.contains("http-equiv=\"refresh\""));
    assert!(a.get("/console/library").await.body.contains(&job));

    // The dashboard's kiosks-online chart counts the subtree only: a kiosk of city A's is in
    // A's table and not in B's.
    let kiosk = server.kiosk_at(&admin, city_a).await;
    kiosk
        .heartbeat(&protocol::workflow::Heartbeat {
            version: "test".into(),
            cursor: None,
            outbox_depth: 0,
            free_disk_bytes: None,
            uptime_seconds: 1,
            last_sync_at: None,
            usage: None,
        })
        .await
        .expect("heard");
    let online = |page: &str| {
        let at = page.find("最近 7 天在线终端数").expect("the chart");
        let table = &page[at..page[at..].find("</table>").expect("its table") + at];
        table.matches("<td class=\"num\">1</td>").count()
    };
    assert!(
        online(&a.get("/console/").await.body) >= 1,
        "A sees its kiosk"
    );
    assert_eq!(online(&b.get("/console/").await.body), 0, "B does not");

    // A job a server was running when it died is shown as interrupted after the restart, and
    // does not block the org's next import.
    let stopped = server.stop_keeping_data().await;
    let offline = stopped.offline_state();
    let owner = city_a.0;
    offline
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO import_jobs (id, org_id, target_org_id, started_at, state)
                 VALUES ('cut-short', ?1, ?1, 0, 'running')",
                [owner],
            )?;
            Ok(())
        })
        .await
        .expect("a job left running");
    drop(offline);
    let server = stopped.start().await;
    let mut a = Console::new(&server);
    a.login("pub_a", PASSWORD).await;
    let page = a.get("/console/library/import/cut-short").await;
    assert!(
        page.body.contains("已中断") && page.body.contains("服务器在导入过程中重新启动"),
        "{}",
        page.body
    );
    a.get("/console/library").await;
    let page = a
        .import_catalog(&fields, ("file", "again.csv", catalogue(10)))
        .await;
    assert!(page.body.contains("已完成"), "{}", page.body);
    server.stop().await.expect("stops");
}
