//! One competition's page: its standings per metric, a day's scores entered in a table, and
//! scores imported from CSV (all or nothing, the file's text kept on a refusal).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::civil::Date;
use maud::{Markup, html};
use protocol::competition::{Competition, Score};
use protocol::content::ContentBody;

use super::super::page::{Page, flash, layout, when};
use super::super::session::{CsrfForm, Publisher, Session};
use super::super::{Lang, tr};
use super::{HERE, Notice, load, one, redirect, saved, sentence};
use crate::competitions::{self, Stored, import};
use crate::multipart::MultipartForm;
use crate::state::AppState;

/// A competition: its standings, a day's scores in a table, and the CSV import.
pub async fn page(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let stored = load(&state, &s, id).await?;
    let day = q
        .day
        .as_deref()
        .and_then(import::parse_day)
        .unwrap_or_else(|| default_day(&stored.competition));
    let notice = crate::console::page::Notice {
        ok: q.ok,
        err: q.err,
    };
    Ok(scores_page(&s, &stored, day, html! { (flash(&notice)) }, &[], "").into_response())
}

/// Today inside the period, else its nearest end.
fn default_day(c: &Competition) -> Date {
    protocol::answers::china_today().clamp(c.first_day, c.last_day.max(c.first_day))
}

/// `POST …/scores`: the table of one day (`v.<participant>.<metric>` cells; empty removes).
pub async fn save_scores(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let l = s.lang;
    let stored = load(&state, &s, id).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let base: u32 = field("base").parse().unwrap_or(0);
    let mut c = stored.competition.clone();
    let Some(day) = import::parse_day(field("day")).filter(|d| c.running_on(*d)) else {
        return Ok(redirect(
            &stored.record.item.id,
            false,
            tr(l, "日期不在比赛期内。", "The day is outside the period."),
        ));
    };
    let mut problems = Vec::new();
    let mut entered = Vec::new();
    for p in &c.participants {
        for m in &c.metrics {
            let text = field(&format!("v.{}.{}", p.key, m.key)).trim();
            if text.is_empty() {
                continue;
            }
            match import::parse_value(text) {
                Some(value) => entered.push(Score {
                    day,
                    participant: p.key.clone(),
                    metric: m.key.clone(),
                    value,
                }),
                None => problems.push(format!("{} · {}：“{text}”不是数字", p.name, m.name)),
            }
        }
    }
    if !problems.is_empty() {
        let shown = html! {};
        let page = scores_page(&s, &stored, day, shown, &problems, "");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // The day's table replaces that day's entries: an emptied cell removes its score.
    c.scores.retain(|x| x.day != day);
    competitions::merge(&mut c, entered);
    saved(&state, &s, &stored, base, c).await
}

/// `POST …/import`: a CSV file (or its text pasted), all or nothing.
pub async fn import_csv(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Page {
    let l = s.lang;
    let mut form = MultipartForm::read(&mut multipart, &["file"])
        .await
        .map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                tr(l, "文件太大。", "The file is too large."),
            )
                .into_response()
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let stored = load(&state, &s, id).await?;
    let base: u32 = form.text("base").parse().unwrap_or(0);
    let text = match form.take_file("file").filter(|b| !b.is_empty()) {
        Some(bytes) => import::decode(&bytes),
        None => form.text("text").to_owned(),
    };
    let mut c = stored.competition.clone();
    let day = default_day(&c);
    let read = import::scores(&c, &text).and_then(|scores| {
        competitions::merge(&mut c, scores);
        ContentBody::Competition(c.clone())
            .validate()
            .map_err(|found| {
                found
                    .into_iter()
                    .map(|p| sentence(&c, &p.field, &p.message))
                    .collect()
            })
    });
    if let Err(problems) = read {
        let page = scores_page(&s, &stored, day, html! {}, &problems, &text);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    saved(&state, &s, &stored, base, c).await
}

fn scores_page(
    s: &Session,
    stored: &Stored,
    day: Date,
    notice: Markup,
    problems: &[String],
    csv_text: &str,
) -> Markup {
    let l = s.lang;
    let c = &stored.competition;
    let item = &stored.record.item;
    let id = &item.id;
    let value_of = |p: &str, m: &str| {
        c.scores
            .iter()
            .find(|x| x.day == day && x.participant == p && x.metric == m)
            .map(|x| crate_number(x.value))
            .unwrap_or_default()
    };
    layout(
        s,
        tr(l, "劳动竞赛", "Labour competitions"),
        HERE,
        html! {
            (notice)
            h1 { (c.title) }
            p.hint {
                (c.first_day) " – " (c.last_day) " · "
                (match l { Lang::Zh => format!("第 {} 版，{} 更新", item.version, when(item.updated_at)), Lang::En => format!("version {}, updated {}", item.version, when(item.updated_at)) })
                " · " a href=(format!("{}/edit", one(id))) { (tr(l, "修改定义", "Edit definition")) }
                " · " a href=(crate::console::revisions::history_url(id)) { (tr(l, "修改记录", "History")) }
            }
            @if !problems.is_empty() {
                div.error-list {
                    p.error { (tr(l, "没有保存，请改正以下问题：", "Not saved; please fix:")) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            @for m in &c.metrics {
                section.card {
                    h2 { (tr(l, "排名：", "Standings: ")) (m.name) @if !m.unit.is_empty() { "（" (m.unit) "）" } }
                    table.standings {
                        thead { tr { th { (tr(l, "名次", "Rank")) } th { (tr(l, "参赛者", "Participant")) } th { (tr(l, "成绩", "Score")) } } }
                        tbody {
                            @for st in c.standings(&m.key) {
                                tr {
                                    td { (st.rank.map_or_else(|| "—".to_owned(), |r| r.to_string())) }
                                    td { (c.participants[st.participant].name) }
                                    td { (st.value.map(crate_number).unwrap_or_else(|| "—".to_owned())) }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { (tr(l, "录入一天的成绩", "Enter a day's scores")) }
                form.search method="get" action=(one(id)) {
                    input type="date" name="day" value=(day) min=(c.first_day) max=(c.last_day);
                    button type="submit" { (tr(l, "换一天", "Show day")) }
                }
                form method="post" action=(format!("{}/scores", one(id))) {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    input type="hidden" name="base" value=(item.version);
                    input type="hidden" name="day" value=(day);
                    table.scores {
                        thead { tr {
                            th { (day) }
                            @for m in &c.metrics { th { (m.name) @if !m.unit.is_empty() { "（" (m.unit) "）" } } }
                        } }
                        tbody {
                            @for p in &c.participants {
                                tr {
                                    th { (p.name) }
                                    @for m in &c.metrics {
                                        td { input type="text" inputmode="decimal" name=(format!("v.{}.{}", p.key, m.key)) value=(value_of(&p.key, &m.key)) aria-label=(format!("{} {}", p.name, m.name)); }
                                    }
                                }
                            }
                        }
                    }
                    p.hint { (tr(l, "空格表示这一天没有成绩；保存后这一天的成绩以此表为准。", "An empty cell means no score that day; saving makes this table that day's scores.")) }
                    button type="submit" { (tr(l, "保存这一天", "Save this day")) }
                }
            }
            section.card {
                h2 { (tr(l, "从 CSV 导入成绩", "Import scores from CSV")) }
                p.hint {
                    (tr(l, "第一行是表头：日期, 参赛单位, 指标, 成绩（每行一条成绩），或 日期, 参赛单位, 再每个指标一列。同一天、同一参赛者、同一指标的成绩会被替换。有任何一处错误，整份文件都不导入。",
                        "The first row is a header: 日期 (day), 参赛单位 (participant), 指标 (metric), 成绩 (value), a score a row; or day, participant and a column per metric. A score for the same day, participant and metric is replaced. One problem and nothing is imported."))
                }
                form method="post" action=(format!("{}/import", one(id))) enctype="multipart/form-data" {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    input type="hidden" name="base" value=(item.version);
                    label { (tr(l, "CSV 文件", "CSV file")) input type="file" name="file" accept=".csv,text/csv"; }
                    label { (tr(l, "或粘贴内容", "Or paste its text")) textarea name="text" rows="6" placeholder="日期,参赛单位,指标,成绩" { (csv_text) } }
                    button type="submit" { (tr(l, "导入", "Import")) }
                }
            }
        },
    )
}

/// A score as a cell shows it: no decimals when whole.
fn crate_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}
