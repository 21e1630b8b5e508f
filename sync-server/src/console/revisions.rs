//! An item's history, for every content kind: its revisions (who saved each, when, what it
//! changed), what one revision changed shown as a diff, and restoring one (a new version, which
//! kiosks get through the feed like any edit); and a JSON editor for the kinds without a page of
//! their own. Publishers only, within their subtree.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::content::ContentBody;
use protocol::staff::ContentRecord;
use protocol::{ContentId, MediaHash};
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, back_with, flash, layout, ok, when};
use super::session::{CsrfForm, NoFields, Publisher, Session};
use super::{Lang, tr};
use crate::content::diff::{self, LineTag};
use crate::content::revisions::{self, Revision};
use crate::content::{self, Edited};
use crate::state::AppState;

pub fn history_url(id: &ContentId) -> String {
    format!("/console/content/{id}/history")
}

/// The JSON editor, for the kinds without a page of their own (attract slides, home layouts);
/// it takes any kind.
fn json_edit_url(id: &ContentId) -> String {
    format!("/console/content/{id}/edit")
}

/// The page where an item of this kind is edited, and the console section it belongs to.
pub fn edit_url(record: &ContentRecord) -> (Option<String>, &'static str) {
    let id = &record.item.id;
    match &record.item.body {
        ContentBody::News(_) => (Some(format!("/console/news/{id}/edit")), "/console/news"),
        ContentBody::LibraryItem(_) => (
            Some(format!("/console/library/item/{id}")),
            "/console/library",
        ),
        ContentBody::ReadingList(_) => (Some("/console/library".into()), "/console/library"),
        ContentBody::Form(_) => (Some(format!("/console/forms?edit={id}")), "/console/forms"),
        ContentBody::OpeningHours(_) => (
            Some(format!("/console/hours?org={}", record.item.org_id)),
            "/console/hours",
        ),
        ContentBody::BranchPage(_) => (
            Some(format!("/console/branch-page?org={}", record.item.org_id)),
            "/console/branch-page",
        ),
        ContentBody::Competition(_) => (
            Some(format!("/console/competitions/{id}")),
            "/console/competitions",
        ),
        ContentBody::AttractSlide(_) | ContentBody::HomeLayout(_) | ContentBody::Offering(_) => {
            (Some(json_edit_url(id)), "/console/")
        }
        ContentBody::PlacesLeft(_) => (None, "/console/"),
        ContentBody::Poll(_) => (Some(format!("/console/polls/{id}")), "/console/polls"),
        ContentBody::PollResults(_) => (None, "/console/polls"),
        ContentBody::Quiz(_) => (Some(json_edit_url(id)), "/console/quiz"),
        ContentBody::QuizRanking(_) => (None, "/console/quiz"),
        ContentBody::ProposalCall(_) => (
            Some(format!("/console/proposals/calls/{id}/edit")),
            "/console/proposals",
        ),
        ContentBody::Proposal(_) => (None, "/console/proposals"),
    }
}

/// What people call the item.
pub fn item_title(l: Lang, body: &ContentBody) -> String {
    match body {
        ContentBody::News(n) => n.title.clone(),
        ContentBody::LibraryItem(i) => i.title.clone(),
        ContentBody::ReadingList(r) => r.title.clone(),
        ContentBody::Form(f) => f.title.clone(),
        ContentBody::AttractSlide(s) => s.title.clone(),
        ContentBody::HomeLayout(_) => tr(l, "首页布局", "Home layout").to_owned(),
        ContentBody::OpeningHours(_) => tr(l, "开放时间", "Opening hours").to_owned(),
        ContentBody::Offering(o) => o.title.clone(),
        ContentBody::PlacesLeft(_) => tr(l, "名额情况", "Places left").to_owned(),
        ContentBody::Poll(p) => p.title.clone(),
        ContentBody::PollResults(_) => tr(l, "投票结果", "Poll results").to_owned(),
        ContentBody::Quiz(q) => q.title.clone(),
        ContentBody::QuizRanking(_) => tr(l, "竞赛排名", "Quiz ranking").to_owned(),
        ContentBody::ProposalCall(c) => c.title.clone(),
        ContentBody::Proposal(p) => format!("第{}号提案", p.number),
        ContentBody::BranchPage(_) => tr(l, "职工之家", "Workers' home").to_owned(),
        ContentBody::Competition(c) => c.title.clone(),
    }
}

/// A body field as people call it.
pub fn field_label(l: Lang, field: &str) -> String {
    let (zh, en) = match field {
        "title" => ("标题", "Title"),
        "subtitle" => ("副标题", "Subtitle"),
        "summary" => ("摘要", "Summary"),
        "body_markdown" => ("正文", "Body"),
        "cover" => ("封面", "Cover"),
        "images" => ("正文图片", "Images in the body"),
        "image" => ("图片", "Image"),
        "category" => ("分类", "Category"),
        "pinned" => ("置顶", "Pinned"),
        "phone_link" => ("手机链接", "Phone link"),
        "item_kind" => ("类型", "Type"),
        "author" => ("作者", "Author"),
        "publisher" => ("出版社", "Publisher"),
        "year" => ("年份", "Year"),
        "isbn" => ("ISBN", "ISBN"),
        "external_id" => ("外部编号", "External id"),
        "description" => ("简介", "Description"),
        "location" => ("位置", "Location"),
        "read_online" => ("在线阅读", "Read online"),
        "items" => ("书目", "Items"),
        "fields" => ("字段", "Fields"),
        "week" => ("每周开放时间", "Weekly hours"),
        "closed_dates" => ("休息日", "Holidays"),
        "special_days" => ("特殊开放日", "Special days"),
        "tiles" => ("模块", "Tiles"),
        "order" => ("顺序", "Order"),
        "seconds" => ("显示秒数", "Seconds"),
        other => return other.to_owned(),
    };
    tr(l, zh, en).to_owned()
}

/// Why an editor's save was refused: someone saved version `current` meanwhile.
pub fn stale(l: Lang, current: u32) -> String {
    match l {
        Lang::Zh => format!(
            "您编辑期间，已有人保存了第 {current} 版，您的修改没有保存。请打开最新的第 {current} 版，在它上面再改一次。"
        ),
        Lang::En => format!(
            "Someone saved version {current} while you were editing; your changes were not saved. Please open version {current} and make them there."
        ),
    }
}

fn author(l: Lang, r: &Revision) -> String {
    if r.author.is_empty() {
        tr(l, "命令行（服务器操作员）", "Command line (operator)").to_owned()
    } else {
        r.author.clone()
    }
}

/// What a revision did, in a few words.
fn summary(l: Lang, r: &Revision, first: bool) -> String {
    if let Some(from) = r.restored_from {
        return match l {
            Lang::Zh => format!("恢复第 {from} 版"),
            Lang::En => format!("Restored version {from}"),
        };
    }
    if first {
        return tr(l, "最初的版本", "First version").to_owned();
    }
    if r.changed.is_empty() {
        return tr(l, "只改了发布时间或单位", "Schedule or org only").to_owned();
    }
    let fields: Vec<String> = r.changed.iter().map(|f| field_label(l, f)).collect();
    match l {
        Lang::Zh => format!("修改了{}", fields.join("、")),
        Lang::En => format!("Changed {}", fields.join(", ")),
    }
}

fn restore_button(l: Lang, s: &Session, id: &ContentId, version: u32) -> Markup {
    html! {
        form.inline method="post" action=(format!("/console/content/{id}/restore/{version}")) {
            input type="hidden" name="_csrf" value=(s.csrf);
            button.small type="submit" data-confirm=(tr(l, "恢复这个版本？当前内容会保留在修改记录里。", "Restore this version? The current content stays in the history.")) {
                (tr(l, "恢复此版本", "Restore this version"))
            }
        }
    }
}

pub async fn history(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let h = revisions::history(&state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| app_error(l, e))?;
    let id = &h.record.item.id;
    let current = h.record.item.version;
    let (edit, section) = edit_url(&h.record);
    let oldest = h.revisions.last().map(|r| r.version);
    let title = format!(
        "{}{}",
        tr(l, "修改记录：", "History: "),
        item_title(l, &h.record.item.body)
    );
    ok(layout(
        &s,
        &title,
        section,
        html! {
            (flash(&q))
            p {
                (tr(l, "当前是第 ", "Now at version ")) (current) (tr(l, " 版。", "."))
                @if let Some(edit) = edit { " " a href=(edit) { (tr(l, "编辑", "Edit")) } }
            }
            table.history {
                thead { tr {
                    th { (tr(l, "版本", "Version")) } th { (tr(l, "保存时间", "Saved")) }
                    th { (tr(l, "保存人", "By")) } th { (tr(l, "改动", "Change")) } th {}
                } }
                tbody { @for r in &h.revisions { tr {
                    td { (r.version) @if r.version == current { " " span.pill.good { (tr(l, "当前", "Current")) } } }
                    td { (when(r.saved_at)) }
                    td.author { (author(l, r)) }
                    td { (summary(l, r, Some(r.version) == oldest)) }
                    td {
                        a href=(format!("{}/{}", history_url(id), r.version)) { (tr(l, "查看改动", "Show changes")) }
                        @if r.version != current { " " (restore_button(l, &s, id, r.version)) }
                    }
                } } }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CompareQuery {
    against: Option<u32>,
}

/// The image a line of an image field names (a cover, a slide's image, one of the body's), shown
/// as the picture rather than its hash.
fn image_of(field: &str, line: &diff::Line) -> Option<MediaHash> {
    if !matches!(field, "cover" | "image" | "images") {
        return None;
    }
    let text: String = line.parts.iter().map(|(_, t)| t.as_str()).collect();
    text.parse().ok()
}

fn diff_view(l: Lang, fields: &[diff::FieldDiff]) -> Markup {
    html! {
        @if fields.is_empty() {
            p.hint { (tr(l, "正文没有改动（只改了发布时间或单位）。", "The content did not change (only the schedule or org).")) }
        }
        @for f in fields {
            h3 { (field_label(l, &f.field)) }
            table.diff { tbody { @for line in &f.lines {
                @match line.tag {
                    LineTag::Gap => { tr.gap { td.sign { "…" } td {} } }
                    tag => {
                        @let (class, sign) = match tag {
                            LineTag::Removed => ("del", "−"),
                            LineTag::Added => ("ins", "+"),
                            _ => ("same", ""),
                        };
                        tr class=(class) {
                            td.sign { (sign) }
                            td {
                                @if let Some(hash) = image_of(&f.field, line) {
                                    img.thumb src=(format!("/console/media/{hash}")) alt=(hash);
                                } @else {
                                    @for (marked, text) in &line.parts {
                                        @if *marked { mark { (text) } } @else { (text) }
                                    }
                                }
                            }
                        }
                    }
                }
            } } }
        }
    }
}

pub async fn revision(
    State(state): State<AppState>,
    s: Publisher,
    Path((id, version)): Path<(String, u32)>,
    Query(q): Query<CompareQuery>,
) -> Page {
    let l = s.lang;
    let c = revisions::compare(&state, s.actor.clone(), ContentId(id), version, q.against)
        .await
        .map_err(|e| app_error(l, e))?;
    let id = &c.record.item.id;
    let (_, section) = edit_url(&c.record);
    let fields = diff::diff(c.base.as_ref().map(|(_, b)| b), &c.body);
    let title = match l {
        Lang::Zh => format!("{}：第 {version} 版", item_title(l, &c.body)),
        Lang::En => format!("{}: version {version}", item_title(l, &c.body)),
    };
    ok(layout(
        &s,
        &title,
        section,
        html! {
            p {
                (when(c.revision.saved_at)) " · " (author(l, &c.revision)) " · "
                (summary(l, &c.revision, c.base.is_none()))
            }
            p.hint {
                @match &c.base {
                    Some((base, _)) => {
                        (tr(l, "与第 ", "Compared with version ")) (base.version)
                        (tr(l, " 版相比：", ":")) " "
                        span.legend.del { (tr(l, "删去的", "removed")) } " "
                        span.legend.ins { (tr(l, "新加的", "added")) }
                    }
                    None => { (tr(l, "最初的版本：所有内容都是新加的。", "The first version: everything is new.")) }
                }
            }
            (diff_view(l, &fields))
            p.row {
                a href=(history_url(id)) { (tr(l, "返回修改记录", "Back to the history")) }
                @if version != c.record.item.version { " " (restore_button(l, &s, id, version)) }
            }
        },
    ))
}

pub async fn restore(
    State(state): State<AppState>,
    s: Publisher,
    Path((id, version)): Path<(String, u32)>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    let l = s.lang;
    let id = ContentId(id);
    let here = history_url(&id);
    let record = revisions::restore(&state, s.actor.clone(), id, version)
        .await
        .map_err(|e| {
            if e.status == StatusCode::CONFLICT {
                back_with(&here, e)
            } else {
                app_error(l, e)
            }
        })?;
    let message = match l {
        Lang::Zh => format!(
            "已恢复第 {version} 版，保存为第 {} 版；终端会在几秒内收到。",
            record.item.version
        ),
        Lang::En => format!(
            "Version {version} restored as version {}; kiosks get it within seconds.",
            record.item.version
        ),
    };
    Ok(back(&here, &message))
}

#[derive(Deserialize)]
pub struct JsonEdit {
    version: u32,
    json: String,
}

/// The JSON editor's page: the body as JSON, and what was wrong with the last try.
fn json_editor(
    s: &Session,
    record: &ContentRecord,
    text: &str,
    version: u32,
    problem: Option<&str>,
) -> Markup {
    let l = s.lang;
    let id = &record.item.id;
    html! {
        @if let Some(p) = problem { p.error { (p) } }
        p.hint {
            (tr(l, "当前是第 ", "Now at version ")) (record.item.version)
            (tr(l, " 版。保存后生成新版本，终端会在几秒内收到；旧版本保留在", ". Saving makes a new version, which kiosks get within seconds; earlier versions stay in the "))
            a href=(history_url(id)) { (tr(l, "修改记录", "history")) }
            (tr(l, "里。", "."))
        }
        form.editor method="post" action=(json_edit_url(id)) {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="version" value=(version);
            textarea name="json" rows="24" spellcheck="false" { (text) }
            button type="submit" { (tr(l, "保存修改", "Save changes")) }
        }
    }
}

pub async fn edit_json(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
) -> Page {
    let l = s.lang;
    let record = content::get(&state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| app_error(l, e))?;
    let text = serde_json::to_string_pretty(&record.item.body).unwrap_or_default();
    let (_, section) = edit_url(&record);
    ok(layout(
        &s,
        &item_title(l, &record.item.body),
        section,
        json_editor(&s, &record, &text, record.item.version, None),
    ))
}

pub async fn save_json(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<JsonEdit>,
) -> Page {
    let l = s.lang;
    let record = content::get(&state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| app_error(l, e))?;
    let (_, section) = edit_url(&record);
    let again = |problem: String| {
        let page = layout(
            &s,
            &item_title(l, &record.item.body),
            section,
            json_editor(&s, &record, &f.json, f.version, Some(&problem)),
        );
        Err((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let body: ContentBody = match serde_json::from_str(&f.json) {
        Ok(body) => body,
        Err(e) => {
            return again(format!(
                "{}{e}",
                tr(l, "JSON 格式不对：", "The JSON is not valid: ")
            ));
        }
    };
    if body.kind() != record.item.body.kind() {
        return again(tr(l, "不能改变内容的类型（kind）。", "The kind cannot change.").to_owned());
    }
    let id = record.item.id.clone();
    let done = content::edit(
        &state,
        s.actor.clone(),
        id.clone(),
        f.version,
        body,
        record.item.publish_at,
        record.item.expire_at,
    )
    .await;
    match done {
        Ok(Edited::Saved(r)) => Ok(back(
            &history_url(&id),
            &match l {
                Lang::Zh => format!("已保存为第 {} 版，终端会在几秒内收到。", r.item.version),
                Lang::En => format!(
                    "Saved as version {}; kiosks get it within seconds.",
                    r.item.version
                ),
            },
        )),
        Ok(Edited::Unchanged) => Ok(back(
            &history_url(&id),
            tr(l, "没有改动，无需保存。", "Nothing changed."),
        )),
        Ok(Edited::Stale { current }) => again(stale(l, current)),
        Err(e) if e.status.is_client_error() => {
            e.log_cause();
            again(e.message)
        }
        Err(e) => Err(app_error(l, e)),
    }
}
