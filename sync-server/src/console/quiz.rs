//! 知识竞赛 / Quizzes: the quizzes the viewer's kiosks show (published at the viewer's org, above
//! it or below it), and for each, over the rounds played at kiosks in the viewer's subtree only:
//! participation per day and the hardest questions (wrong rate), as SVG charts by `charts` with
//! their numbers as tables. Counts only: no name or phone is read here (entries to the ranking
//! are read in the inbox, audited). A quiz the viewer's kiosks cannot show answers as unknown.

use crate::store::params;
use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use protocol::ContentBody;
use protocol::quiz::Quiz;

use super::charts::{self, Chart, Series};
use super::page::{Notice, Page, app_error, flash, layout, ok};
use super::session::Viewer;
use super::{Lang, tr};
use crate::error::AppError;
use crate::orgs::Actor;
use crate::quiz::{Figures, figures};
use crate::staff::roles::gate;
use crate::state::AppState;

pub const HERE: &str = "/console/quiz";
/// Questions charted at most (the table lists them all).
const CHARTED: usize = 10;
/// Days the participation chart covers.
const DAYS: i64 = 14;

/// A quiz the viewer's kiosks can show: its id, the org it is published at, its bank.
struct Shown {
    id: String,
    org: String,
    quiz: Quiz,
}

fn subtree(actor: &Actor) -> String {
    match actor {
        Actor::Operator => "/".to_owned(),
        Actor::Staff { org_path, .. } => org_path.clone(),
    }
}

/// The quizzes in the viewer's subtree (its org and below, whatever their state), and those above
/// it that its kiosks show now (live): an org above's draft is not the viewer's to see.
fn shown(
    tx: &crate::store::Tx<'_>,
    path: &str,
    id: Option<&str>,
) -> crate::error::AppResult<Vec<Shown>> {
    let rows: Vec<(String, String, String)> = tx
        .prepare(
            "SELECT c.id, o.name, c.body FROM content c JOIN orgs o ON o.id = c.org_id
             WHERE c.kind = 'quiz' AND (CAST(?2 AS text) IS NULL OR c.id = ?2)
               AND (substr(o.path, 1, length(?1)) = ?1
                    OR (c.live = 1 AND substr(?1, 1, length(o.path)) = o.path))
             ORDER BY c.created_at DESC",
        )?
        .query_map(params![path, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, org, body)| match serde_json::from_str(&body).ok()? {
            ContentBody::Quiz(quiz) => Some(Shown { id, org, quiz }),
            _ => None,
        })
        .collect())
}

pub async fn list(State(state): State<AppState>, s: Viewer) -> Page {
    let l = s.lang;
    let path = subtree(&s.actor);
    let rows = state
        .db
        .read(move |tx| {
            shown(tx, &path, None)?
                .into_iter()
                .map(|q| {
                    let f = figures(tx, &q.quiz, &q.id, &path)?;
                    Ok((q, f))
                })
                .collect::<crate::error::AppResult<Vec<_>>>()
        })
        .await
        .map_err(|e| app_error(l, e))?;
    ok(layout(
        &s,
        tr(l, "知识竞赛", "Quizzes"),
        HERE,
        html! {
            p.hint { (tr(l,
                "本单位终端可见的知识竞赛；答题人数等数字只统计本单位及下级单位终端上的答题。",
                "Quizzes your kiosks show; the figures count rounds played at kiosks of your org and below only.")) }
            @if s.opens::<gate::Publish>() {
                p { a href=(super::quiz_editor::NEW) { (tr(l, "新建知识竞赛", "New quiz")) } }
            }
            @if rows.is_empty() {
                p.hint { (tr(l, "还没有知识竞赛。", "No quiz yet.")) }
            } @else {
                table {
                    thead { tr {
                        th { (tr(l, "竞赛", "Quiz")) }
                        th { (tr(l, "发布单位", "Published by")) }
                        th { (tr(l, "题库", "Questions")) }
                        th { (tr(l, "答题轮数", "Rounds")) }
                        th { (tr(l, "登记排名", "Entered")) }
                    } }
                    tbody {
                        @for (q, f) in &rows {
                            tr {
                                td { a href={ (HERE) "/" (q.id) } { (q.quiz.title) } }
                                td { (q.org) }
                                td { (q.quiz.questions.len()) }
                                td { (f.rounds) }
                                td { (f.entered) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn results(
    State(state): State<AppState>,
    s: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Page {
    let l = s.lang;
    let path = subtree(&s.actor);
    let found = state
        .db
        .read(move |tx| {
            let Some(q) = shown(tx, &path, Some(&id))?.into_iter().next() else {
                return Err(AppError::not_found("知识竞赛"));
            };
            let f = figures(tx, &q.quiz, &q.id, &path)?;
            Ok((q, f))
        })
        .await
        .map_err(|e| app_error(l, e))?;
    let (q, f) = found;
    let editable = s.opens::<gate::Publish>();
    ok(layout(
        &s,
        &q.quiz.title,
        HERE,
        html! {
            (flash(&notice))
            @if editable {
                p { a href={ (HERE) "/" (q.id) "/edit" } { (tr(l, "编辑题库", "Edit the bank")) } }
            }
            (body(l, &q, &f))
        },
    ))
}

/// The last [`DAYS`] China-time days, oldest first, with the rounds played on each.
fn recent_days(f: &Figures) -> Vec<(String, u64)> {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .date();
    (0..DAYS)
        .rev()
        .filter_map(|back| today.checked_sub(jiff::Span::new().days(back)).ok())
        .map(|day| {
            let key = day.to_string();
            let n = f
                .per_day
                .iter()
                .find(|(d, _)| *d == key)
                .map_or(0, |(_, n)| u64::from(*n));
            (day.strftime("%m-%d").to_string(), n)
        })
        .collect()
}

fn body(l: Lang, q: &Shown, f: &Figures) -> Markup {
    let mean = format!("{}.{}", f.mean_tenths / 10, f.mean_tenths % 10);
    let recent = recent_days(f);
    let days = Chart {
        title: tr(l, "最近两周每天答题轮数", "Rounds per day, last two weeks").to_owned(),
        summary: tr(
            l,
            "本单位及下级单位终端上每天完成的答题轮数（北京时间）。",
            "Rounds finished per day (China time) at kiosks of your org and below.",
        )
        .to_owned(),
        x_labels: recent.iter().map(|(d, _)| d.clone()).collect(),
        ticks: Vec::new(),
        x_heading: tr(l, "日期", "Day").to_owned(),
        series: vec![Series {
            name: tr(l, "轮数", "Rounds").to_owned(),
            values: recent.iter().map(|(_, n)| *n).collect(),
        }],
    };
    let hardest: Vec<_> = f.hardest.iter().take(CHARTED).collect();
    let wrong = Chart {
        title: tr(l, "最难的题（答错率）", "Hardest questions (wrong rate)").to_owned(),
        summary: tr(
            l,
            "答错率最高的题目，按下表序号，单位为百分比。",
            "The questions most often answered wrong, numbered as in the table below, in per cent.",
        )
        .to_owned(),
        x_labels: (1..=hardest.len()).map(|n| n.to_string()).collect(),
        ticks: Vec::new(),
        x_heading: tr(l, "序号（见下表）", "No. (see the table)").to_owned(),
        series: vec![Series {
            name: tr(l, "答错率 %", "Wrong %").to_owned(),
            values: hardest
                .iter()
                .map(|h| u64::from(h.wrong_percent()))
                .collect(),
        }],
    };
    html! {
        p { a href=(HERE) { (tr(l, "← 全部知识竞赛", "← All quizzes")) } }
        p.hint { (tr(l, "发布单位：", "Published by: ")) (q.org) " · "
            (tr(l, "题库 ", "Bank: ")) (q.quiz.questions.len()) (tr(l, " 题，每轮 ", " questions, ")) (q.quiz.round_len())
            (tr(l, " 题，限时 ", " a round, ")) (q.quiz.seconds) (tr(l, " 秒", " seconds")) }
        p { strong { (tr(l, "答题轮数 ", "Rounds: ")) (f.rounds) } " · "
            strong { (tr(l, "登记排名 ", "Entered the ranking: ")) (f.entered) } " · "
            strong { (tr(l, "平均得分 ", "Mean score: ")) (mean) } }
        @if f.rounds == 0 {
            p.hint { (tr(l, "本单位及下级单位的终端上还没有人答题。", "Nobody has played at your kiosks yet.")) }
        } @else {
            (charts::stacked_bars(l, &days, (720, 240)))
            (charts::stacked_bars(l, &wrong, (720, 240)))
            h2 { (tr(l, "每道题", "Every question")) }
            table {
                thead { tr {
                    th { (tr(l, "序号", "No.")) }
                    th { (tr(l, "编号", "Key")) }
                    th { (tr(l, "题目", "Question")) }
                    th { (tr(l, "作答", "Asked")) }
                    th { (tr(l, "答错", "Wrong")) }
                    th { (tr(l, "答错率", "Wrong rate")) }
                } }
                tbody {
                    @for (n, h) in f.hardest.iter().enumerate() {
                        tr {
                            td { (n + 1) }
                            td { (h.key) }
                            td { (h.stem) }
                            td { (h.asked) }
                            td { (h.wrong) }
                            td { (h.wrong_percent()) "%" }
                        }
                    }
                }
            }
        }
    }
}
