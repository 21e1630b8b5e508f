//! 民主管理 · 投票问卷: the polls in the staff member's subtree with their votes, a form to start
//! one (publishers; questions typed as plain text, never JSON), and a poll's results page: an
//! SVG bar chart per question (`charts`), the totals, "close now", the kiosk-results switch and
//! the tallies as CSV. Results are counts only: a named poll's votes are read, like every
//! answer, through the audited submissions pages.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use maud::{Markup, html};
use protocol::content::Problem;
use protocol::poll::{Choice, Poll, Question, QuestionKind};
use protocol::staff::{ContentRecord, ContentWrite};
use protocol::{ContentBody, ContentId, ContentKind, OrgId};
use serde::Deserialize;

use super::charts::{self, Chart, Series};
use super::page::{
    Notice, Page, app_error, back, back_with, flash, layout, local_time, org_options, org_select,
    when,
};
use super::session::{CsrfForm, Publisher, Session, Viewer};
use super::{Lang, tr};
use crate::content::{self, ListQuery};
use crate::staff::roles::gate;
use crate::state::AppState;

pub const HERE: &str = "/console/polls";

fn poll_of(record: &ContentRecord) -> Option<&Poll> {
    match &record.item.body {
        ContentBody::Poll(p) => Some(p),
        _ => None,
    }
}

/// What the new-poll form sent, kept as typed when it is refused.
#[derive(Debug, Default, Deserialize)]
pub struct PollForm {
    org: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description: String,
    /// Questions as text: a block each, blank lines between.
    #[serde(default)]
    questions: String,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    show_results: Option<String>,
    #[serde(default)]
    closes_at: String,
}

/// `中文 / English`: the English half is optional.
fn halves(s: &str) -> (String, String) {
    match s.split_once(" / ") {
        Some((zh, en)) => (zh.trim().to_owned(), en.trim().to_owned()),
        None => (s.trim().to_owned(), String::new()),
    }
}

/// Reads the questions: each block's first line is `单选：问题`, `多选 2：问题` (at most two
/// choices) or `评分：问题` (1–5 stars), the lines after it are the choices; `中文 / English`
/// anywhere. Each problem says the block it is in, in Chinese and English.
pub fn parse_questions(text: &str) -> Result<Vec<Question>, Vec<String>> {
    let mut questions = Vec::new();
    let mut problems = Vec::new();
    let normalised = text.replace("\r\n", "\n");
    let blocks = normalised
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty());
    for (n, block) in blocks.enumerate() {
        let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(head) = lines.next() else { continue };
        let Some((kind, rest)) = head.split_once(['：', ':']) else {
            problems.push(format!(
                "第 {} 题：第一行应以“单选：”“多选 2：”或“评分：”开头 / Question {}: the first line starts with 单选：, 多选 2： or 评分：",
                n + 1,
                n + 1
            ));
            continue;
        };
        let kind = kind.trim();
        let kind = if kind == "单选" || kind.eq_ignore_ascii_case("single") {
            QuestionKind::Single
        } else if kind == "评分" || kind.eq_ignore_ascii_case("rating") {
            QuestionKind::Rating
        } else if let Some(max) = kind
            .strip_prefix("多选")
            .or_else(|| kind.strip_prefix("multiple"))
        {
            let max = max.trim();
            match if max.is_empty() {
                Ok(0)
            } else {
                max.parse::<u32>()
            } {
                Ok(max) => QuestionKind::Multiple { max },
                Err(_) => {
                    problems.push(format!(
                        "第 {} 题：“多选”后面写最多可选几项，如“多选 2：” / Question {}: write how many may be chosen, e.g. 多选 2：",
                        n + 1,
                        n + 1
                    ));
                    continue;
                }
            }
        } else {
            problems.push(format!(
                "第 {} 题：题型“{kind}”不认识，请写单选、多选或评分 / Question {}: unknown type; write 单选, 多选 or 评分",
                n + 1,
                n + 1
            ));
            continue;
        };
        let choices: Vec<Choice> = lines
            .map(|l| {
                let (label, label_en) = halves(l.trim_start_matches(['-', '·', '•']));
                Choice { label, label_en }
            })
            .collect();
        // "多选：" with no number: as many as there are choices.
        let kind = match kind {
            QuestionKind::Multiple { max: 0 } => QuestionKind::Multiple {
                max: choices.len() as u32,
            },
            k => k,
        };
        let (text, text_en) = halves(rest);
        questions.push(Question {
            text,
            text_en,
            kind,
            choices,
        });
    }
    if problems.is_empty() {
        Ok(questions)
    } else {
        Err(problems)
    }
}

impl PollForm {
    /// The poll it describes, or every problem found (in Chinese and English, or a
    /// validation problem with the field it names).
    fn parse(&self) -> Result<Poll, Vec<String>> {
        let mut problems = Vec::new();
        let questions = parse_questions(&self.questions).unwrap_or_else(|p| {
            problems.extend(p);
            Vec::new()
        });
        let closes_at = match local_time(&self.closes_at) {
            Ok(Some(at)) => at,
            _ => {
                problems.push("请填写截止时间 / Give the closing time".to_owned());
                Timestamp::now()
            }
        };
        let poll = Poll {
            title: self.title.trim().to_owned(),
            title_en: self.title_en.trim().to_owned(),
            description: self.description.trim().to_owned(),
            description_en: String::new(),
            questions,
            anonymous: self.anonymous.is_some(),
            opens_at: None,
            closes_at,
            show_results: self.show_results.is_some(),
        };
        if let Err(found) = ContentBody::Poll(poll.clone()).validate() {
            problems.extend(
                found
                    .into_iter()
                    .map(|Problem { field, message }| format!("{field}：{message}")),
            );
        }
        if problems.is_empty() {
            Ok(poll)
        } else {
            Err(problems)
        }
    }
}

const EXAMPLE: &str = "单选：您最想去哪里？ / Where would you most like to go?\n黄山 / Huangshan\n千岛湖 / Qiandao Lake\n\n多选 2：希望安排哪些活动？\n登山\n温泉\n采摘\n\n评分：对去年的安排打分";

/// Votes counted per poll id, for the list.
async fn votes_of(state: &AppState, ids: Vec<String>) -> crate::error::AppResult<Vec<u32>> {
    state
        .db
        .read(move |tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT count(*) FROM poll_ballots WHERE poll_id = ?1 AND refusal IS NULL",
            )?;
            ids.iter()
                .map(|id| Ok(stmt.query_row([id], |r| r.get(0))?))
                .collect()
        })
        .await
}

fn editor(l: Lang, s: &Session, orgs: &[protocol::staff::Org], f: &PollForm) -> Markup {
    html! {
        h2 { (tr(l, "发起投票或问卷", "Start a poll or survey")) }
        form.stack method="post" action=(HERE) {
            input type="hidden" name="_csrf" value=(s.csrf);
            label { (tr(l, "发布到", "Publish at")) (org_select(orgs, "org")) }
            label { (tr(l, "标题", "Title")) input type="text" name="title" value=(f.title) required; }
            label { (tr(l, "英文标题（可不填）", "Title in English (optional)")) input type="text" name="title_en" value=(f.title_en); }
            label { (tr(l, "说明", "Description")) textarea name="description" rows="3" { (f.description) } }
            label {
                (tr(l, "问题（每题一段，段间空一行；第一行写题型和问题，下面每行一个选项；“中文 / English”）",
                    "Questions (a block each, blank lines between; first line the type and the question, then a choice a line; “中文 / English”)"))
                textarea name="questions" rows="12" placeholder=(EXAMPLE) { (f.questions) }
            }
            label { (tr(l, "截止时间（北京时间）", "Closes at (China time)")) input type="datetime-local" name="closes_at" value=(f.closes_at) required; }
            label.check { input type="checkbox" name="anonymous" checked[f.anonymous.is_some()]; (tr(l, "匿名（不保存谁投了什么，只保存票数）", "Anonymous (who chose what is never kept, only the counts)")) }
            label.check { input type="checkbox" name="show_results" checked[f.show_results.is_some()]; (tr(l, "在终端公布结果", "Show the results on kiosks")) }
            button type="submit" { (tr(l, "发布", "Publish")) }
        }
    }
}

async fn list_page(
    state: &AppState,
    s: &Session,
    form: &PollForm,
    notice: Markup,
) -> Result<Markup, Response> {
    let l = s.lang;
    let polls = content::list(
        state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::Poll),
            limit: Some(200),
            ..ListQuery::default()
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let votes = votes_of(state, polls.iter().map(|p| p.item.id.0.clone()).collect())
        .await
        .map_err(|e| app_error(l, e))?;
    let publisher = s.opens::<gate::Publish>();
    let orgs = if publisher {
        org_options(state, s).await?
    } else {
        Vec::new()
    };
    let now = Timestamp::now();
    Ok(layout(
        s,
        tr(l, "投票问卷", "Polls and surveys"),
        HERE,
        html! {
            (notice)
            @if polls.is_empty() {
                p { (tr(l, "还没有投票或问卷。", "No polls or surveys yet.")) }
            } @else {
                table {
                    thead { tr {
                        th { (tr(l, "标题", "Title")) }
                        th { (tr(l, "方式", "Kind")) }
                        th { (tr(l, "截止", "Closes")) }
                        th { (tr(l, "有效票", "Votes")) }
                        th { (tr(l, "终端公布结果", "Results on kiosks")) }
                    } }
                    tbody {
                        @for (record, n) in polls.iter().zip(&votes) {
                            @if let Some(p) = poll_of(record) {
                                tr {
                                    td { a href=(format!("{HERE}/{}", record.item.id)) { (p.title) } }
                                    td { (if p.anonymous { tr(l, "匿名", "Anonymous") } else { tr(l, "实名", "Named") }) }
                                    td {
                                        (when(p.closes_at))
                                        @if !p.is_open(now) { " · " (tr(l, "已截止", "closed")) }
                                    }
                                    td { (n) }
                                    td { (if p.show_results { tr(l, "公布", "shown") } else { tr(l, "不公布", "hidden") }) }
                                }
                            }
                        }
                    }
                }
            }
            @if publisher { (editor(l, s, &orgs, form)) }
        },
    ))
}

pub async fn list(State(state): State<AppState>, s: Viewer, Query(q): Query<Notice>) -> Page {
    let closes = (Timestamp::now() + jiff::SignedDuration::from_hours(24 * 14))
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%dT17:00")
        .to_string();
    let form = PollForm {
        org: s.info.org_id.0,
        anonymous: Some("on".to_owned()),
        closes_at: closes,
        ..PollForm::default()
    };
    Ok(list_page(&state, &s, &form, flash(&q))
        .await?
        .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<PollForm>,
) -> Page {
    let l = s.lang;
    let poll = match f.parse() {
        Ok(poll) => poll,
        Err(problems) => {
            let notice = html! {
                div.error {
                    p { (tr(l, "没有发布：", "Not published:")) }
                    ul { @for p in &problems { li { (p) } } }
                }
            };
            let page = list_page(&state, &s, &f, notice).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let record = content::create(
        &state,
        s.actor.clone(),
        ContentWrite {
            org_id: OrgId(f.org),
            published: true,
            publish_at: None,
            expire_at: None,
            body: ContentBody::Poll(poll),
        },
    )
    .await;
    match record {
        Ok(r) => Ok(Redirect::to(&format!(
            "{HERE}/{}?ok={}",
            r.item.id,
            super::page::urlencode(tr(
                l,
                "已发布，终端会在几秒内显示。",
                "Published; kiosks show it within seconds."
            ))
        ))
        .into_response()),
        Err(e) => Ok(back_with(HERE, e)),
    }
}

/// The poll in the viewer's subtree (one outside it reads as unknown) and its counts.
async fn load(
    state: &AppState,
    s: &Session,
    id: &str,
) -> Result<(ContentRecord, Poll, u32, Vec<Vec<u32>>), Response> {
    let record = content::get(state, s.actor.clone(), ContentId(id.to_owned()))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let Some(poll) = poll_of(&record).cloned() else {
        return Err(app_error(
            s.lang,
            crate::error::AppError::new(
                StatusCode::NOT_FOUND,
                protocol::ErrorCode::NotFound,
                "没有这项投票",
            ),
        ));
    };
    let (poll_id, counted) = (id.to_owned(), poll.clone());
    let (votes, counts) = state
        .db
        .read(move |tx| crate::polls::results::tally(tx, &poll_id, &counted))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok((record, poll, votes, counts))
}

/// One question's tally as a bar chart (with its table).
fn question_chart(l: Lang, poll: &Poll, q: usize, counts: &[Vec<u32>]) -> Markup {
    let question = &poll.questions[q];
    let en = l == Lang::En;
    let text = if en && !question.text_en.is_empty() {
        &question.text_en
    } else {
        &question.text
    };
    let values: Vec<u64> = (0..question.buckets())
        .map(|b| u64::from(counts.get(q).and_then(|c| c.get(b)).copied().unwrap_or(0)))
        .collect();
    let chart = Chart {
        title: format!("{}. {text}", q + 1),
        summary: tr(l, "每个选项的票数", "Votes for each choice").to_owned(),
        x_labels: (0..question.buckets())
            .map(|b| question.bucket_label(b, en))
            .collect(),
        ticks: Vec::new(),
        x_heading: tr(l, "选项", "Choice").to_owned(),
        series: vec![Series {
            name: tr(l, "票数", "Votes").to_owned(),
            values,
        }],
    };
    charts::stacked_bars(l, &chart, (960, 260))
}

pub async fn results(
    State(state): State<AppState>,
    s: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let (record, poll, votes, counts) = load(&state, &s, &id).await?;
    let open = poll.is_open(Timestamp::now()) && record.live;
    let here = format!("{HERE}/{id}");
    let publisher = s.opens::<gate::Publish>();
    let title = if l == Lang::En && !poll.title_en.is_empty() {
        &poll.title_en
    } else {
        &poll.title
    };
    Ok(layout(
        &s,
        title,
        HERE,
        html! {
            (flash(&q))
            p {
                (if poll.anonymous { tr(l, "匿名投票：只保存票数，不保存谁投了什么。", "Anonymous: only the counts are kept, never who chose what.") }
                 else { tr(l, "实名投票：每一票连同姓名保存在“办理事项”里，查看会记入审计日志。", "Named: each vote is kept with its name under Submissions; reading it is audited.") })
            }
            p {
                (tr(l, "截止：", "Closes: ")) (when(poll.closes_at))
                " · " (if open { tr(l, "进行中", "open") } else { tr(l, "已截止", "closed") })
                " · " (tr(l, "终端公布结果：", "Results on kiosks: "))
                (if poll.show_results { tr(l, "公布", "shown") } else { tr(l, "不公布", "hidden") })
            }
            p.total { (tr(l, "有效票：", "Votes counted: ")) strong { (votes) } }
            @for q in 0..poll.questions.len() {
                (question_chart(l, &poll, q, &counts))
            }
            p { a href=(format!("{here}/tallies.csv")) { (tr(l, "导出票数（CSV）", "Export the counts (CSV)")) } }
            @if !poll.anonymous && s.opens::<gate::Cases>() {
                p {
                    a href=(format!("/console/submissions?form={id}")) {
                        (tr(l, "每一票及投票人（办理事项）", "Each vote and its voter (Submissions)"))
                    }
                }
            }
            @if publisher {
                div.actions {
                    form method="post" action=(format!("{here}/results")) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input type="hidden" name="base" value=(record.item.version);
                        input type="hidden" name="show" value=(if poll.show_results { "false" } else { "true" });
                        button type="submit" {
                            (if poll.show_results { tr(l, "停止在终端公布结果", "Stop showing results on kiosks") }
                             else { tr(l, "在终端公布结果", "Show results on kiosks") })
                        }
                    }
                    @if open {
                        form method="post" action=(format!("{here}/close")) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            input type="hidden" name="base" value=(record.item.version);
                            button.danger type="submit" { (tr(l, "立即截止", "Close now")) }
                        }
                    }
                }
            }
            p { a href=(HERE) { (tr(l, "返回投票问卷", "Back to polls")) } }
        },
    )
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct Change {
    base: u32,
    #[serde(default)]
    show: Option<bool>,
}

/// A new version of the poll from `base` with `change` applied.
async fn save(
    state: &AppState,
    s: &Session,
    id: &str,
    base: u32,
    change: impl FnOnce(&mut Poll),
) -> Result<(), crate::error::AppError> {
    let record = content::get(state, s.actor.clone(), ContentId(id.to_owned())).await?;
    let Some(mut poll) = poll_of(&record).cloned() else {
        return Err(crate::error::AppError::new(
            StatusCode::NOT_FOUND,
            protocol::ErrorCode::NotFound,
            "没有这项投票",
        ));
    };
    change(&mut poll);
    content::edit(
        state,
        s.actor.clone(),
        record.item.id.clone(),
        base,
        ContentBody::Poll(poll),
        record.item.publish_at,
        record.item.expire_at,
    )
    .await
    .map(drop)
}

pub async fn close(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<Change>,
) -> Page {
    let l = s.lang;
    let here = format!("{HERE}/{id}");
    let now = Timestamp::now();
    match save(&state, &s, &id, f.base, |p| {
        p.closes_at = now;
        p.opens_at = p.opens_at.filter(|o| *o < now);
    })
    .await
    {
        Ok(()) => Ok(back(
            &here,
            tr(
                l,
                "已截止，之后的投票不再计入。",
                "Closed; later votes are not counted.",
            ),
        )),
        Err(e) => Ok(back_with(&here, e)),
    }
}

pub async fn show_results(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<Change>,
) -> Page {
    let l = s.lang;
    let here = format!("{HERE}/{id}");
    let show = f.show.unwrap_or(false);
    match save(&state, &s, &id, f.base, |p| p.show_results = show).await {
        Ok(()) => Ok(back(
            &here,
            if show {
                tr(
                    l,
                    "终端会在几秒内显示结果。",
                    "Kiosks show the results within seconds.",
                )
            } else {
                tr(
                    l,
                    "终端不再显示结果。",
                    "Kiosks no longer show the results.",
                )
            },
        )),
        Err(e) => Ok(back_with(&here, e)),
    }
}

/// A cell Excel will not run as a formula (OWASP's advice for CSV injection).
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The counts as CSV for Excel (UTF-8 with a byte-order mark): question, choice, votes.
pub async fn export(State(state): State<AppState>, s: Viewer, Path(id): Path<String>) -> Page {
    let (_, poll, _, counts) = load(&state, &s, &id).await?;
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    let written: Result<(), csv::Error> = (|| {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(["问题 question", "选项 choice", "票数 votes"])?;
        for (qi, q) in poll.questions.iter().enumerate() {
            for b in 0..q.buckets() {
                let n = counts.get(qi).and_then(|c| c.get(b)).copied().unwrap_or(0);
                w.write_record([
                    spreadsheet_safe(&q.text),
                    spreadsheet_safe(&q.bucket_label(b, false)),
                    n.to_string(),
                ])?;
            }
        }
        w.flush()?;
        Ok(())
    })();
    written.map_err(|e| {
        app_error(
            s.lang,
            crate::error::AppError::internal("writing the poll csv", e),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"poll.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_read_from_plain_text_blocks() {
        let qs = parse_questions(EXAMPLE).expect("the example reads");
        assert_eq!(qs.len(), 3);
        assert_eq!(qs[0].kind, QuestionKind::Single);
        assert_eq!(qs[0].text_en, "Where would you most like to go?");
        assert_eq!(qs[0].choices[1].label, "千岛湖");
        assert_eq!(qs[0].choices[1].label_en, "Qiandao Lake");
        assert_eq!(qs[1].kind, QuestionKind::Multiple { max: 2 });
        assert_eq!(qs[1].choices.len(), 3);
        assert_eq!(qs[2].kind, QuestionKind::Rating);
        assert!(qs[2].choices.is_empty());
        let all = parse_questions("多选：a\nx\ny\nz").expect("reads");
        assert_eq!(all[0].kind, QuestionKind::Multiple { max: 3 });
        let bad = parse_questions("问答：你好\n\n多选 两：x\ny\n\n没有题型").expect_err("refused");
        assert_eq!(bad.len(), 3);
        assert!(bad[0].starts_with("第 1 题"));
        assert!(bad[2].contains("Question 3"));
    }
}
