//! 劳动竞赛 — labour competitions for publishers: the list, a competition's definition (period,
//! participating branches ticked from the org tree and teams typed a line each, metrics a line
//! each — no JSON), its standings, a day's scores entered in a table, and scores imported from
//! CSV (`competitions::import`: problems by line and column, nothing applied on a refusal, the
//! file's text kept on the page). Every save is a new version of the item (`content::edit`),
//! which kiosks receive through the feed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use maud::{Markup, html};
use protocol::competition::{Competition, Metric, Participant, Total};
use protocol::content::ContentBody;
use protocol::staff::Org;
use protocol::{ContentId, OrgId};
use serde::Deserialize;

use super::page::{Page, app_error, flash, layout, org_options, urlencode, when};
use super::session::{CsrfForm, Publisher, Session};
use super::tr;
use crate::competitions::{self, Stored, import};
use crate::content::Edited;
use crate::state::AppState;

mod scores;

pub use scores::{import_csv, page, save_scores};

pub const HERE: &str = "/console/competitions";
pub const NEW: &str = "/console/competitions/new";

fn one(id: &ContentId) -> String {
    format!("{HERE}/{id}")
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    day: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

/// The definition form as typed (fields repeat: `branch` once per ticked org).
#[derive(Debug, Default, Clone)]
struct Definition {
    base: u32,
    org: i64,
    title: String,
    title_en: String,
    description: String,
    description_en: String,
    first_day: String,
    last_day: String,
    branches: Vec<i64>,
    /// One team a line: `名称 | English name`.
    teams: String,
    /// One metric a line: `名称 | English | 单位 | 高/低 | 累计/最新`.
    metrics: String,
}

impl Definition {
    fn read(fields: &[(String, String)]) -> Definition {
        let mut d = Definition::default();
        for (k, v) in fields {
            match k.as_str() {
                "base" => d.base = v.parse().unwrap_or(0),
                "org" => d.org = v.parse().unwrap_or(0),
                "title" => d.title = v.trim().to_owned(),
                "title_en" => d.title_en = v.trim().to_owned(),
                "description" => d.description = v.trim().replace("\r\n", "\n"),
                "description_en" => d.description_en = v.trim().replace("\r\n", "\n"),
                "first_day" => d.first_day = v.trim().to_owned(),
                "last_day" => d.last_day = v.trim().to_owned(),
                "branch" => d.branches.extend(v.parse::<i64>().ok()),
                "teams" => d.teams = v.clone(),
                "metrics" => d.metrics = v.clone(),
                _ => {}
            }
        }
        d
    }

    fn of(org: OrgId, base: u32, c: &Competition) -> Definition {
        let join = |parts: Vec<&str>| parts.join(" | ").trim_end_matches([' ', '|']).to_owned();
        Definition {
            base,
            org: org.0,
            title: c.title.clone(),
            title_en: c.title_en.clone(),
            description: c.description.clone(),
            description_en: c.description_en.clone(),
            first_day: c.first_day.to_string(),
            last_day: c.last_day.to_string(),
            branches: c
                .participants
                .iter()
                .filter_map(|p| p.org_id.map(|o| o.0))
                .collect(),
            teams: c
                .participants
                .iter()
                .filter(|p| p.org_id.is_none())
                .map(|p| join(vec![&p.name, &p.name_en]))
                .collect::<Vec<_>>()
                .join("\n"),
            metrics: c
                .metrics
                .iter()
                .map(|m| {
                    let better = if m.higher_is_better { "高" } else { "低" };
                    let total = match m.total {
                        Total::Sum => "累计",
                        Total::Latest => "最新",
                    };
                    format!(
                        "{} | {} | {} | {} | {better} | {total}",
                        m.name, m.name_en, m.unit, m.unit_en
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The competition typed (keys kept from `old`, scores from `old`), or every problem.
    fn parse(&self, orgs: &[Org], old: Option<&Competition>) -> Result<Competition, Vec<String>> {
        let mut problems = Vec::new();
        let mut day = |text: &str, what: &str| match import::parse_day(text) {
            Some(d) => d,
            None => {
                problems.push(format!("{what}：“{text}”不是日期，请写成 2026-11-01"));
                Date::constant(2000, 1, 1)
            }
        };
        let first_day = day(&self.first_day, "开始日期");
        let last_day = day(&self.last_day, "结束日期");
        let mut participants: Vec<Participant> = Vec::new();
        for id in &self.branches {
            match orgs.iter().find(|o| o.id.0 == *id) {
                Some(o) => participants.push(Participant {
                    key: String::new(),
                    name: o.name.clone(),
                    name_en: String::new(),
                    org_id: Some(o.id),
                }),
                None => problems.push("勾选的单位不在您的管辖范围内".to_owned()),
            }
        }
        for (n, line) in lines(&self.teams) {
            let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
            if parts.len() > 2 {
                problems.push(format!("参赛队伍第 {n} 行：最多两项（名称 | 英文名称）"));
                continue;
            }
            participants.push(Participant {
                key: String::new(),
                name: parts[0].to_owned(),
                name_en: parts.get(1).copied().unwrap_or("").to_owned(),
                org_id: None,
            });
        }
        let mut metrics = Vec::new();
        for (n, line) in lines(&self.metrics) {
            match metric_line(line) {
                Ok(m) => metrics.push(m),
                Err(problem) => problems.push(format!("指标第 {n} 行：{problem}")),
            }
        }
        competitions::keep_keys(old.map_or(&[], |c| &c.participants), &mut participants);
        competitions::keep_metric_keys(old.map_or(&[], |c| &c.metrics), &mut metrics);
        let c = Competition {
            title: self.title.clone(),
            title_en: self.title_en.clone(),
            description: self.description.clone(),
            description_en: self.description_en.clone(),
            first_day,
            last_day,
            participants,
            metrics,
            scores: old.map(|c| c.scores.clone()).unwrap_or_default(),
        };
        if problems.is_empty()
            && let Err(found) = ContentBody::Competition(c.clone()).validate()
        {
            problems.extend(
                found
                    .into_iter()
                    .map(|p| sentence(&c, &p.field, &p.message)),
            );
        }
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(problems)
        }
    }
}

/// One metric line: `名称 | English | 单位 | English unit`, with `高`/`低` (which way is better) and
/// `累计`/`最新` (how entries add up) anywhere after the names; the units may be left out.
fn metric_line(line: &str) -> Result<Metric, String> {
    let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
    let mut m = Metric {
        key: String::new(),
        name: parts[0].to_owned(),
        name_en: parts.get(1).copied().unwrap_or("").to_owned(),
        unit: String::new(),
        unit_en: String::new(),
        higher_is_better: true,
        total: Total::Sum,
    };
    let mut units = Vec::new();
    for part in parts.iter().skip(2) {
        match *part {
            "高" | "越高越好" | "higher" => m.higher_is_better = true,
            "低" | "越低越好" | "lower" => m.higher_is_better = false,
            "累计" | "sum" => m.total = Total::Sum,
            "最新" | "latest" => m.total = Total::Latest,
            unit => units.push(unit),
        }
    }
    match units.as_slice() {
        [] => {}
        [zh] => m.unit = (*zh).to_owned(),
        [zh, en] => {
            m.unit = (*zh).to_owned();
            m.unit_en = (*en).to_owned();
        }
        [_, _, extra, ..] => {
            return Err(format!(
                "“{extra}”是什么？单位和英文单位之后只能写“高”或“低”、“累计”或“最新”"
            ));
        }
    }
    Ok(m)
}

/// A validation problem said as staff read it.
fn sentence(c: &Competition, field: &str, message: &str) -> String {
    let index = |prefix: &str| {
        field
            .strip_prefix(prefix)?
            .split(']')
            .next()?
            .parse::<usize>()
            .ok()
    };
    if let Some(i) = index("participants[") {
        let name = c.participants.get(i).map_or("", |p| p.name.as_str());
        format!("参赛者“{name}”：{message}")
    } else if let Some(i) = index("metrics[") {
        format!("指标第 {} 行：{message}", i + 1)
    } else if field.starts_with("scores[") {
        format!("已录入的成绩：{message}（请先删除或改正这些成绩）")
    } else {
        let what = match field {
            "title" => "名称",
            "title_en" => "英文名称",
            "description" => "说明",
            "description_en" => "英文说明",
            "last_day" => "结束日期",
            "participants" => "参赛者",
            "metrics" => "指标",
            _ => return message.to_owned(),
        };
        format!("{what}：{message}")
    }
}

/// Non-empty lines with their numbers from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

pub async fn list(State(state): State<AppState>, s: Publisher, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let all = competitions::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let notice = super::page::Notice {
        ok: q.ok,
        err: q.err,
    };
    let today = protocol::answers::china_today();
    Ok(layout(
        &s,
        tr(l, "劳动竞赛", "Labour competitions"),
        HERE,
        html! {
            (flash(&notice))
            p { a.button href=(NEW) { (tr(l, "新建竞赛", "New competition")) } }
            @if all.is_empty() {
                p.hint { (tr(l, "还没有劳动竞赛。", "No competitions yet.")) }
            } @else {
                table {
                    thead { tr {
                        th { (tr(l, "名称", "Title")) }
                        th { (tr(l, "比赛期", "Period")) }
                        th { (tr(l, "参赛者", "Participants")) }
                        th { (tr(l, "成绩条数", "Scores")) }
                        th { (tr(l, "更新", "Updated")) }
                    } }
                    tbody {
                        @for c in &all {
                            tr {
                                td { a href=(one(&c.record.item.id)) { (c.competition.title) } }
                                td {
                                    (c.competition.first_day) " – " (c.competition.last_day)
                                    @if c.competition.running_on(today) { " · " (tr(l, "进行中", "running")) }
                                }
                                td { (c.competition.participants.len()) }
                                td { (c.competition.scores.len()) }
                                td { (when(c.record.item.updated_at)) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// The definition form, for a new competition.
pub async fn new_page(State(state): State<AppState>, s: Publisher) -> Page {
    let today = protocol::answers::china_today();
    let d = Definition {
        org: s.info.org_id.0,
        first_day: today.to_string(),
        last_day: (today + jiff::Span::new().days(30)).to_string(),
        metrics: "产量 | Output | 件 | pcs | 高 | 累计".to_owned(),
        ..Definition::default()
    };
    Ok(definition_page(&state, &s, None, &d, &[])
        .await?
        .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let l = s.lang;
    let d = Definition::read(&fields);
    let orgs = org_options(&state, &s).await?;
    let c = match d.parse(&orgs, None) {
        Ok(c) => c,
        Err(problems) => return refused(&state, &s, None, &d, &problems).await,
    };
    let record = competitions::create(&state, s.actor.clone(), OrgId(d.org), c)
        .await
        .map_err(|e| app_error(l, e))?;
    Ok(redirect(
        &record.item.id,
        true,
        tr(l, "竞赛已发布。", "Competition published."),
    ))
}

pub async fn edit_page(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
) -> Page {
    let stored = load(&state, &s, id).await?;
    let d = Definition::of(
        stored.record.item.org_id,
        stored.record.item.version,
        &stored.competition,
    );
    Ok(definition_page(&state, &s, Some(&stored), &d, &[])
        .await?
        .into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let stored = load(&state, &s, id).await?;
    let mut d = Definition::read(&fields);
    // The org is the item's; moving it is not this form's business.
    d.org = stored.record.item.org_id.0;
    let orgs = org_options(&state, &s).await?;
    let c = match d.parse(&orgs, Some(&stored.competition)) {
        Ok(c) => c,
        Err(problems) => return refused(&state, &s, Some(&stored), &d, &problems).await,
    };
    saved(&state, &s, &stored, d.base, c).await
}

/// Saves a new version and says how it went.
async fn saved(state: &AppState, s: &Session, stored: &Stored, base: u32, c: Competition) -> Page {
    let l = s.lang;
    let id = &stored.record.item.id;
    let done = competitions::save(state, s.actor.clone(), id.clone(), base, c)
        .await
        .map_err(|e| app_error(l, e))?;
    Ok(match done {
        Edited::Saved(_) => redirect(
            id,
            true,
            tr(
                l,
                "已保存，终端会在几秒内更新。",
                "Saved; kiosks update within seconds.",
            ),
        ),
        Edited::Unchanged => redirect(id, true, tr(l, "没有变化。", "Nothing changed.")),
        Edited::Stale { current } => redirect(id, false, &super::revisions::stale(l, current)),
    })
}

async fn refused(
    state: &AppState,
    s: &Session,
    stored: Option<&Stored>,
    d: &Definition,
    problems: &[String],
) -> Page {
    let page = definition_page(state, s, stored, d, problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn load(state: &AppState, s: &Session, id: String) -> Result<Stored, Response> {
    competitions::get(state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| app_error(s.lang, e))
}

fn redirect(id: &ContentId, ok: bool, message: &str) -> Response {
    let key = if ok { "ok" } else { "err" };
    Redirect::to(&format!("{}?{key}={}", one(id), urlencode(message))).into_response()
}

async fn definition_page(
    state: &AppState,
    s: &Session,
    stored: Option<&Stored>,
    d: &Definition,
    problems: &[String],
) -> Result<Markup, Response> {
    let l = s.lang;
    let orgs = org_options(state, s).await?;
    let action = stored.map_or_else(
        || NEW.to_owned(),
        |st| format!("{}/edit", one(&st.record.item.id)),
    );
    Ok(layout(
        s,
        tr(l, "劳动竞赛", "Labour competitions"),
        HERE,
        html! {
            h1 { (if stored.is_some() { tr(l, "修改竞赛", "Edit competition") } else { tr(l, "新建竞赛", "New competition") }) }
            @if !problems.is_empty() {
                div.error-list {
                    p.error { (tr(l, "没有保存，请改正以下问题：", "Not saved; please fix:")) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            form.card method="post" action=(action) {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="base" value=(d.base);
                @if stored.is_none() {
                    label {
                        (tr(l, "发布到（该单位及下级单位的终端显示）", "Publish at (kiosks of this org and below show it)"))
                        select name="org" {
                            @for o in &orgs {
                                option value=(o.id.0) selected[o.id.0 == d.org] { (("　".repeat(o.depth as usize))) (o.name) }
                            }
                        }
                    }
                }
                label { (tr(l, "名称", "Title")) input type="text" name="title" value=(d.title) required; }
                label { (tr(l, "英文名称（可不填）", "English title (optional)")) input type="text" name="title_en" value=(d.title_en); }
                label { (tr(l, "说明", "Description")) textarea name="description" rows="3" { (d.description) } }
                label { (tr(l, "英文说明（可不填）", "English description (optional)")) textarea name="description_en" rows="3" { (d.description_en) } }
                label { (tr(l, "开始日期", "First day")) input type="date" name="first_day" value=(d.first_day); }
                label { (tr(l, "结束日期", "Last day")) input type="date" name="last_day" value=(d.last_day); }
                fieldset {
                    legend { (tr(l, "参赛单位（终端会突出显示本单位）", "Participating orgs (a kiosk highlights its own)")) }
                    @for o in &orgs {
                        label.check {
                            input type="checkbox" name="branch" value=(o.id.0) checked[d.branches.contains(&o.id.0)];
                            (("　".repeat(o.depth as usize))) (o.name)
                        }
                    }
                }
                label {
                    (tr(l, "参赛队伍：每行一支，名称 | 英文名称（可不填）", "Teams: one a line, name | English name (optional)"))
                    textarea name="teams" rows="4" placeholder="焊工一班 | Welding team 1" { (d.teams) }
                }
                label {
                    (tr(l, "指标：每行一个，名称 | 英文名称 | 单位 | 英文单位 | 高或低（越高越好还是越低越好，不写为高）| 累计或最新（成绩相加还是取最近一天，不写为累计）；单位可不填", "Metrics: one a line, name | English name | unit | English unit | 高 or 低 (higher or lower is better; 高 if left out) | 累计 or 最新 (entries added up or the latest day's; 累计 if left out); units are optional"))
                    textarea name="metrics" rows="4" placeholder="产量 | Output | 件 | pcs | 高 | 累计" { (d.metrics) }
                }
                button type="submit" { (tr(l, "保存并发布", "Save and publish")) }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs() -> Vec<Org> {
        vec![Org {
            id: OrgId(5),
            parent_id: None,
            name: "一分会".into(),
            depth: 1,
            disabled: false,
        }]
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_definition_reads_and_writes_back_alike() {
        let d = Definition::read(&fields(&[
            ("org", "5"),
            ("title", "比武"),
            ("first_day", "2026-11-01"),
            ("last_day", "2026/11/30"),
            ("branch", "5"),
            ("teams", "焊工一班 | Welders\n\n钳工班"),
            (
                "metrics",
                "产量 | Output | 件\n次品 | Defects | 低 | 件 | pcs | 最新",
            ),
        ]));
        let c = d.parse(&orgs(), None).expect("reads");
        let keys: Vec<&str> = c.participants.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["p1", "p2", "p3"]);
        assert_eq!(c.participants[0].org_id, Some(OrgId(5)));
        assert!(!c.metrics[1].higher_is_better);
        assert_eq!(c.metrics[1].total, Total::Latest);
        let again = Definition::of(OrgId(5), 1, &c)
            .parse(&orgs(), Some(&c))
            .expect("reads again");
        assert_eq!(again, c);
    }

    #[test]
    fn problems_are_sentences_with_their_line() {
        let d = Definition::read(&fields(&[
            ("title", ""),
            ("first_day", "2026-11-01"),
            ("last_day", "十一月"),
            ("branch", "99"),
            ("metrics", "产量 | | 件 | pcs | 中"),
        ]));
        let problems = d.parse(&orgs(), None).expect_err("refused");
        assert_eq!(
            problems,
            [
                "结束日期：“十一月”不是日期，请写成 2026-11-01",
                "勾选的单位不在您的管辖范围内",
                "指标第 1 行：“中”是什么？单位和英文单位之后只能写“高”或“低”、“累计”或“最新”",
            ]
        );
        let d = Definition::read(&fields(&[
            ("title", ""),
            ("first_day", "2026-11-01"),
            ("last_day", "2026-11-02"),
        ]));
        let problems = d.parse(&orgs(), None).expect_err("refused");
        assert_eq!(
            problems,
            [
                "名称：不能为空",
                "参赛者：请至少添加一个参赛队伍或单位",
                "指标：请至少添加一个比赛指标"
            ]
        );
    }
}
