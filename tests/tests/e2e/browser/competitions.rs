//! 劳动竞赛 in a real browser: a competition defined in the console's form (a branch ticked,
//! teams and metrics typed a line each), a day's scores typed into the table, a pasted CSV with
//! a bad line refused by line and column with the text kept, and the page read in both
//! languages (screenshots competition-console-{define,problems,zh,en}).

use fantoccini::{Client, Locator};
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, type_into, wait_for};

async fn value_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

#[tokio::test]
async fn a_competition_from_a_real_browser() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;

    click(&c, "a[href='/console/competitions']").await;
    wait_for(&c, "a[href='/console/competitions/new']", "the new button").await;
    click(&c, "a[href='/console/competitions/new']").await;
    wait_for(
        &c,
        "form.card textarea[name=metrics]",
        "the definition form",
    )
    .await;
    type_into(&c, "input[name=title]", "岗位技能大比武").await;
    type_into(&c, "input[name=title_en]", "Job Skills Contest").await;
    click(
        &c,
        &format!("input[name=branch][value='{}']", tree.branch_a.0),
    )
    .await;
    type_into(&c, "textarea[name=teams]", "营业部一组 | Team 1").await;
    type_into(
        &c,
        "textarea[name=metrics]",
        "技能积分 | Skill points | 分 | pts\n差错 | Errors | 笔 | errors | 低",
    )
    .await;
    shot(&c, "competition-console-define").await;
    click(&c, "form.card button[type=submit]").await;
    wait_for(&c, "table.scores", "the competition's page").await;
    assert!(text_of(&c).await.contains("竞赛已发布"));

    // Today's table: the branch is p1, the team p2; skill is m1.
    type_into(&c, "input[name='v.p1.m1']", "90").await;
    type_into(&c, "input[name='v.p2.m1']", "85.5").await;
    type_into(&c, "input[name='v.p1.m2']", "2").await;
    click(&c, "form[action$='/scores'] button[type=submit]").await;
    wait_for(&c, "p.ok", "a notice that it worked").await;
    assert_eq!(value_of(&c, "input[name='v.p2.m1']").await, "85.5");
    let page = text_of(&c).await;
    assert!(page.contains("第 2 版"), "{page}");
    let here = c.current_url().await.expect("url").path().to_owned();

    // A pasted file with a bad line: named by line and column, kept, nothing saved.
    let today = protocol::answers::china_today();
    let csv =
        format!("日期,参赛单位,指标,成绩\n{today},营业部一组,技能积分,5\n{today},三组,技能积分,x");
    type_into(&c, "textarea[name=text]", &csv).await;
    click(&c, "form[action$='/import'] button[type=submit]").await;
    wait_for(&c, "div.error-list", "the problems").await;
    let page = text_of(&c).await;
    assert!(
        page.contains("第 3 行第 2 列（参赛单位）：没有参赛者“三组”"),
        "{page}"
    );
    assert!(page.contains("第 3 行第 4 列（成绩）：“x”不是数字"));
    assert_eq!(value_of(&c, "textarea[name=text]").await, csv, "kept");
    assert!(page.contains("第 2 版"), "nothing applied");
    shot(&c, "competition-console-problems").await;

    c.goto(&format!("{base}{here}")).await.expect("the page");
    wait_for(&c, "table.standings", "the standings").await;
    shot(&c, "competition-console-zh").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}{here}")).await.expect("the page");
    wait_for(&c, "table.standings", "the standings in English").await;
    assert!(text_of(&c).await.contains("Enter a day's scores"));
    shot(&c, "competition-console-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
    c.close().await.expect("browser closes");
}
