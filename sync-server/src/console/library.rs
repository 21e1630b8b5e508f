//! The library: catalogue search and editing, catalogue imports (`import`: run as jobs with a
//! page of their own), and reading lists.

pub mod import;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::html;
use protocol::ContentId;
use protocol::content::{ContentBody, ContentKind};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, back_with_error, error_page, flash, layout, load, ok,
    org_options, org_select, rewrite,
};
use super::session::{CsrfForm, Publisher};
use super::{Lang, tr};
use crate::content::{self, Edited, ListQuery};
use crate::state::AppState;

const HERE: &str = "/console/library";

#[derive(Debug, Default, Deserialize)]
pub struct LibraryQuery {
    q: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn library(
    State(state): State<AppState>,
    s: Publisher,
    Query(q): Query<LibraryQuery>,
) -> Page {
    let l = s.lang;
    let needle = q.q.clone().unwrap_or_default();
    let found = content::library::search(&state, s.actor.clone(), needle.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let lists = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::ReadingList),
            org_id: None,
            limit: Some(50),
            offset: None,
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let orgs = org_options(&state, &s).await?;
    let imports = crate::import::catalog_jobs::recent(&state, s.actor.clone(), 5)
        .await
        .map_err(|e| app_error(l, e))?;
    let notice = Notice {
        ok: q.ok.clone(),
        err: q.err.clone(),
    };
    ok(layout(
        &s,
        tr(l, "职工书屋", "Library"),
        HERE,
        html! {
            (flash(&notice))
            form.search method="get" action="/console/library" {
                input name="q" value=(needle) placeholder=(tr(l, "书名、作者或 ISBN", "Title, author or ISBN"));
                button type="submit" { (tr(l, "搜索", "Search")) }
            }
            table {
                thead { tr { th { (tr(l, "书名", "Title")) } th { (tr(l, "作者", "Author")) } th { "ISBN" } th { (tr(l, "位置", "Location")) } th {} } }
                tbody { @for (id, item) in &found { tr {
                    td { (item.title) } td { (item.author) } td { (item.isbn.clone().unwrap_or_default()) } td { (item.location) }
                    td {
                        a href=(format!("/console/library/item/{id}")) { (tr(l, "编辑", "Edit")) } " "
                        a href=(super::revisions::history_url(id)) { (tr(l, "修改记录", "History")) }
                    }
                } } }
            }
            h2 { (tr(l, "导入书目（CSV、Excel、MARC）", "Import a catalogue (CSV, Excel, MARC)")) }
            (import::recent_table(l, &imports))
            form.card method="post" action="/console/library/import" enctype="multipart/form-data" {
                input type="hidden" name="_csrf" value=(s.csrf);
                div.row {
                    label { (tr(l, "书目文件：CSV（UTF-8 或 GBK）、Excel 或 MARC（.iso/.mrc）", "Catalogue file: CSV (UTF-8 or GBK), Excel or MARC (.iso/.mrc)")) input type="file" name="file" accept=".csv,.txt,.xlsx,.xls,.ods,.iso,.mrc,.marc" required; }
                    label { (tr(l, "工作表（Excel，留空为第一张）", "Sheet (Excel; empty: the first)")) input name="sheet"; }
                    label { (tr(l, "导入到", "Into")) (org_select(&orgs, "org")) }
                    label.check { input type="checkbox" name="skip_invalid" value="1"; (tr(l, "跳过有错的行", "Skip invalid rows")) }
                }
                button type="submit" data-busy=(tr(l, "正在导入，请稍候…", "Importing, please wait…")) { (tr(l, "导入", "Import")) }
            }
            h2 { (tr(l, "推荐书单", "Reading lists")) }
            @for r in &lists { @if let ContentBody::ReadingList(list) = &r.item.body {
                div.card {
                    h3 { (list.title) " " a.small href=(super::revisions::history_url(&r.item.id)) { (tr(l, "修改记录", "History")) } }
                    ol { @for (i, id) in list.items.iter().enumerate() { li {
                        (id.0) " "
                        form.inline method="post" action=(format!("/console/lists/{}", r.item.id)) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            input type="hidden" name="index" value=(i);
                            button.small name="op" value="up" type="submit" { "↑" }
                            button.small name="op" value="down" type="submit" { "↓" }
                            button.small.danger name="op" value="remove" type="submit" { (tr(l, "移除", "Remove")) }
                        }
                    } } }
                    form.inline method="post" action=(format!("/console/lists/{}", r.item.id)) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input name="item" placeholder=(tr(l, "要加入的图书编号", "Item id to add"));
                        button.small name="op" value="add" type="submit" { (tr(l, "加入", "Add")) }
                    }
                }
            } }
        },
    ))
}

fn not_a(l: Lang, what_zh: &'static str, what_en: &'static str) -> axum::response::Response {
    error_page(l, StatusCode::NOT_FOUND, tr(l, what_zh, what_en))
}

pub async fn item(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::LibraryItem(item) = &record.item.body else {
        return Err(not_a(l, "这不是书目。", "Not a catalogue item."));
    };
    ok(layout(
        &s,
        &item.title,
        HERE,
        html! {
            (flash(&q))
            p.hint {
                (tr(l, "当前是第 ", "Now at version ")) (record.item.version) (tr(l, " 版。", ". "))
                a href=(super::revisions::history_url(&record.item.id)) { (tr(l, "修改记录", "History")) }
            }
            form.card.editor method="post" action=(format!("/console/library/item/{id}")) {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="version" value=(record.item.version);
                label { (tr(l, "书名", "Title")) input name="title" value=(item.title) required; }
                label { (tr(l, "作者", "Author")) input name="author" value=(item.author); }
                @if !item.responsibility.is_empty() {
                    p.hint { (tr(l, "书目里的责任说明：", "Statement of responsibility in the catalogue: ")) (item.responsibility) }
                }
                label { (tr(l, "分类", "Category")) input name="category" value=(item.category); }
                label { (tr(l, "阅览室位置", "Reading-room location")) input name="location" value=(item.location); }
                label { (tr(l, "索书号", "Call number")) input name="call_number" value=(item.call_number); }
                label { (tr(l, "简介", "Description")) textarea name="description" rows="6" { (item.description) } }
                button type="submit" { (tr(l, "保存", "Save")) }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct ItemForm {
    version: u32,
    title: String,
    author: String,
    category: String,
    location: String,
    /// Absent from a form older than the field: the call number is then kept as it is.
    call_number: Option<String>,
    description: String,
}

pub async fn save_item(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::LibraryItem(mut item) = record.item.body.clone() else {
        return Err(not_a(l, "这不是书目。", "Not a catalogue item."));
    };
    item.title = f.title.trim().to_owned();
    item.author = f.author.trim().to_owned();
    item.category = f.category.trim().to_owned();
    item.location = f.location.trim().to_owned();
    if let Some(call_number) = &f.call_number {
        item.call_number = call_number.trim().to_owned();
    }
    item.description = f.description.trim().replace("\r\n", "\n");
    let here = format!("/console/library/item/{id}");
    let done = content::edit(
        &state,
        s.actor.clone(),
        record.item.id.clone(),
        f.version,
        ContentBody::LibraryItem(item),
        record.item.publish_at,
        record.item.expire_at,
    )
    .await
    .map_err(|e| back_with(&here, e))?;
    match done {
        Edited::Saved(_) => Ok(back(HERE, tr(l, "已保存。", "Saved."))),
        Edited::Unchanged => Ok(back(
            &here,
            tr(l, "没有改动，无需保存。", "Nothing changed."),
        )),
        Edited::Stale { current } => {
            Err(back_with_error(&here, &super::revisions::stale(l, current)))
        }
    }
}

#[derive(Deserialize)]
pub struct ListEdit {
    op: String,
    index: Option<usize>,
    item: Option<String>,
}

pub async fn edit_list(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ListEdit>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::ReadingList(mut list) = record.item.body.clone() else {
        return Err(not_a(l, "这不是书单。", "Not a reading list."));
    };
    let n = list.items.len();
    match (f.op.as_str(), f.index) {
        ("up", Some(i)) if i > 0 && i < n => list.items.swap(i, i - 1),
        ("down", Some(i)) if i + 1 < n => list.items.swap(i, i + 1),
        ("remove", Some(i)) if i < n => {
            list.items.remove(i);
        }
        ("add", _) => {
            let item = f.item.unwrap_or_default().trim().to_owned();
            let is_book = match content::get(&state, s.actor.clone(), ContentId(item.clone())).await
            {
                Ok(r) => matches!(r.item.body, ContentBody::LibraryItem(_)),
                Err(e) => {
                    e.log_cause();
                    false
                }
            };
            if !is_book {
                return Err(error_page(
                    l,
                    StatusCode::BAD_REQUEST,
                    tr(
                        l,
                        "找不到这本书：请在上面搜索，复制它的编号。",
                        "No such catalogue item.",
                    ),
                ));
            }
            list.items.push(ContentId(item));
        }
        _ => {}
    }
    rewrite(&state, &s, record, ContentBody::ReadingList(list)).await?;
    Ok(back(HERE, tr(l, "书单已更新。", "Reading list updated.")))
}
