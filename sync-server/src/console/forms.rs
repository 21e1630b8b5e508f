//! Forms: the list, the form builder (fields added, moved, edited and removed with their rules,
//! conditions and the status-check phone, beside a preview drawn as the kiosk draws it:
//! `draft` reads the builder's inputs, `view` draws them), the JSON editor for experts, and
//! publishing a new version.
//!
//! The builder and the JSON editor are judged by the one check every writer passes,
//! `FormDefinition::problems`; a refused save re-renders everything the staff member typed.
//! Publishing goes through the revisions machinery (`content::edit`, from the version the
//! editor was opened on), and every published version is kept (`form_versions`), so a
//! submission filled in on an older version is still accepted and shown as that version.
//!
//! A new form gets a tile on the home screen its org's kiosks show, unless the publisher
//! unticks the box; a live form's builder says whether it has one, with a button to add it
//! (`home`).

mod draft;
mod home;
mod view;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use protocol::content::form_limits::MAX_FIELDS;
use protocol::content::{ContentBody, ContentKind, FormDefinition, FormProblem};
use protocol::staff::{ContentRecord, ContentWrite, Org};
use protocol::{ContentId, OrgId};
use serde::Deserialize;

use self::draft::{Draft, Op};
use self::view::{BuilderPage, JsonPane};
use super::page::{
    Notice, Page, app_error, error_page, flash, layout, load, ok, org_options, urlencode,
};
use super::session::{CsrfForm, Publisher, Session};
use super::{Lang, tr};
use crate::content::{self, Edited, ListQuery};
use crate::state::AppState;

const HERE: &str = "/console/forms";

#[derive(Debug, Default, Deserialize)]
pub struct FormsQuery {
    edit: Option<String>,
    new: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

fn edit_url(id: &ContentId) -> String {
    format!("{HERE}?edit={}", urlencode(&id.0))
}

/// The forms page: the list, or the builder for one form (`?edit=<id>`) or a new one (`?new`).
pub async fn forms(
    State(state): State<AppState>,
    s: Publisher,
    Query(q): Query<FormsQuery>,
) -> Page {
    let notice = Notice {
        ok: q.ok.clone(),
        err: q.err.clone(),
    };
    if let Some(id) = q.edit.as_deref().filter(|id| !id.is_empty()) {
        let record = load_form(&state, &s, id).await?;
        let draft = Draft {
            id: Some(record.item.id.clone()),
            version: record.item.version,
            org: None,
            def: form_of(&record).clone(),
            unread: Vec::new(),
            home_tile: false,
        };
        let home = match record.live {
            true => {
                let at = home::at(
                    &state,
                    s.actor.clone(),
                    record.item.org_id,
                    record.item.id.clone(),
                )
                .await
                .map_err(|e| app_error(s.lang, e))?;
                Some(home::status(s.lang, at.as_ref()))
            }
            false => None,
        };
        let deadline = super::deadlines::form_setting(&state, &s, &record.item.id.0).await;
        return ok(builder_page_home(
            &s,
            &draft,
            &[],
            &notice,
            &[],
            None,
            (home, Some(deadline)),
        ));
    }
    if q.new.is_some() {
        let orgs = org_options(&state, &s).await?;
        return ok(builder_page(
            &s,
            &Draft::new_form(),
            &[],
            &notice,
            &orgs,
            None,
        ));
    }
    let l = s.lang;
    let items = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::Form),
            org_id: None,
            limit: Some(200),
            offset: None,
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    ok(layout(
        &s,
        tr(l, "表单", "Forms"),
        HERE,
        html! {
            (flash(&notice))
            p { a.button href=(format!("{HERE}?new=1")) { (tr(l, "新建表单", "New form")) } }
            table {
                thead { tr {
                    th { (tr(l, "表单", "Form")) } th { (tr(l, "字段", "Fields")) } th { (tr(l, "版本", "Version")) }
                    th { (tr(l, "状态", "State")) } th {}
                } }
                tbody { @for r in &items { @if let ContentBody::Form(f) = &r.item.body { tr {
                    td { (f.title) }
                    td { (f.fields.len()) }
                    td { (r.item.version) }
                    td { @if r.live { span.pill.good { (tr(l, "使用中", "Live")) } } }
                    td {
                        a href=(edit_url(&r.item.id)) { (tr(l, "编辑", "Edit")) } " "
                        a href=(super::revisions::history_url(&r.item.id)) { (tr(l, "修改记录", "History")) }
                    }
                } } } }
            }
        },
    ))
}

/// A form of the caller's subtree, or the page saying why not.
async fn load_form(state: &AppState, s: &Session, id: &str) -> Result<ContentRecord, Response> {
    let record = load(state, s, id).await?;
    if !matches!(record.item.body, ContentBody::Form(_)) {
        let l = s.lang;
        return Err(error_page(
            l,
            StatusCode::NOT_FOUND,
            tr(l, "这不是表单。", "Not a form."),
        ));
    }
    Ok(record)
}

fn form_of(record: &ContentRecord) -> &FormDefinition {
    match &record.item.body {
        ContentBody::Form(f) => f,
        _ => unreachable!("load_form loads forms only"),
    }
}

/// The builder page; `json` is the JSON editor's text and problem when that is what was sent,
/// otherwise it shows the draft.
fn builder_page(
    s: &Session,
    draft: &Draft,
    problems: &[FormProblem],
    notice: &Notice,
    orgs: &[Org],
    json: Option<JsonPane>,
) -> Markup {
    builder_page_home(s, draft, problems, notice, orgs, json, (None, None))
}

/// The builder page, saying for a live form whether the home screen has a tile for it
/// (`home`: the sentence, and whether the caller may add one).
fn builder_page_home(
    s: &Session,
    draft: &Draft,
    problems: &[FormProblem],
    notice: &Notice,
    orgs: &[Org],
    json: Option<JsonPane>,
    (home, deadline): (Option<(String, bool)>, Option<Markup>),
) -> Markup {
    let l = s.lang;
    let title = match &draft.id {
        Some(_) => {
            let name: String = draft.def.title.chars().take(60).collect();
            format!("{}{name}", tr(l, "编辑表单：", "Edit form: "))
        }
        None => tr(l, "新建表单", "New form").to_owned(),
    };
    // The JSON of what the builder shows (a hostile draft beyond the most fields shows those).
    let json = json.unwrap_or_else(|| {
        let mut shown = draft.def.clone();
        shown.fields.truncate(MAX_FIELDS);
        JsonPane {
            text: serde_json::to_string_pretty(&ContentBody::Form(shown)).unwrap_or_default(),
            error: None,
        }
    });
    layout(
        s,
        &title,
        HERE,
        view::builder(
            s,
            &BuilderPage {
                draft,
                problems,
                notice,
                orgs,
                json: Some(json),
                home,
                deadline,
            },
        ),
    )
}

/// The builder again, refusing: 422 with everything as it was sent.
fn refused(
    s: &Session,
    draft: &Draft,
    problems: &[FormProblem],
    notice: Notice,
    orgs: &[Org],
    json: Option<JsonPane>,
) -> Response {
    let page = builder_page(s, draft, problems, &notice, orgs, json);
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Every builder action: add, move, remove, check, publish. The draft travels in the page.
pub async fn build(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let (mut draft, op) = Draft::read(&pairs);
    draft.apply(&op);
    let orgs = match &draft.id {
        // The caller's to edit: checked again when it is saved.
        Some(id) => {
            load_form(&state, &s, &id.0).await?;
            Vec::new()
        }
        None => org_options(&state, &s).await?,
    };
    let problems = draft.problems();
    if op != Op::Publish {
        return ok(builder_page(
            &s,
            &draft,
            &problems,
            &Notice::default(),
            &orgs,
            None,
        ));
    }
    if !problems.is_empty() {
        return Err(refused(
            &s,
            &draft,
            &problems,
            Notice::default(),
            &orgs,
            None,
        ));
    }
    publish(&state, &s, draft, orgs, None).await
}

/// Publishes a checked draft: a new version of its form, or a new form.
async fn publish(
    state: &AppState,
    s: &Session,
    draft: Draft,
    orgs: Vec<Org>,
    json: Option<JsonPane>,
) -> Page {
    let l = s.lang;
    let body = ContentBody::Form(draft.def.clone());
    let again = |message: String, json: Option<JsonPane>| {
        let notice = Notice {
            ok: None,
            err: Some(message),
        };
        Err(refused(s, &draft, &[], notice, &orgs, json))
    };
    let Some(id) = draft.id.clone() else {
        let Some(org) = draft.org else {
            return again(tr(l, "请选择单位。", "Choose an org.").to_owned(), json);
        };
        let w = ContentWrite {
            org_id: org,
            published: true,
            publish_at: None,
            expire_at: None,
            body,
        };
        return match content::create(state, s.actor.clone(), w).await {
            Ok(r) => {
                let published = tr(
                    l,
                    "已发布，终端会在几秒内收到。",
                    "Published; kiosks get it within seconds.",
                );
                if !draft.home_tile {
                    return Ok(done(&r.item.id, published));
                }
                let (ok, err) = tile_for(state, s, &r.item.id, org, &draft.def).await;
                Ok(done_with(
                    &r.item.id,
                    &format!("{published}{}", ok.unwrap_or_default()),
                    err,
                ))
            }
            Err(e) if e.status.is_client_error() => {
                e.log_cause();
                again(e.message, json)
            }
            Err(e) => Err(app_error(l, e)),
        };
    };
    let record = load_form(state, s, &id.0).await?;
    let saved = content::edit(
        state,
        s.actor.clone(),
        id.clone(),
        draft.version,
        body,
        record.item.publish_at,
        record.item.expire_at,
    )
    .await;
    match saved {
        Ok(Edited::Saved(r)) => {
            let v = r.item.version;
            // A form taken off kiosks stays off: the new version waits for it to go live.
            let message = match (l, r.live) {
                (Lang::Zh, true) => format!("已发布为第 {v} 版，终端会在几秒内收到。"),
                (Lang::En, true) => {
                    format!("Published as version {v}; kiosks get it within seconds.")
                }
                (Lang::Zh, false) => {
                    format!("已保存为第 {v} 版；这份表单目前没有上线，终端不会显示。")
                }
                (Lang::En, false) => format!(
                    "Saved as version {v}; this form is not live, so kiosks do not show it."
                ),
            };
            Ok(done(&id, &message))
        }
        Ok(Edited::Unchanged) => Ok(done(&id, tr(l, "没有改动，无需发布。", "Nothing changed."))),
        Ok(Edited::Stale { current }) => again(super::revisions::stale(l, current), json),
        Err(e) if e.status.is_client_error() => {
            e.log_cause();
            again(e.message, json)
        }
        Err(e) => Err(app_error(l, e)),
    }
}

/// Back to the form's builder, saying what was done.
fn done(id: &ContentId, message: &str) -> Response {
    done_with(id, message, None)
}

/// Back to the form's builder, saying what was done and what could not be.
fn done_with(id: &ContentId, message: &str, err: Option<String>) -> Response {
    let mut url = format!("{}&ok={}", edit_url(id), urlencode(message));
    if let Some(err) = err {
        url = format!("{url}&err={}", urlencode(&err));
    }
    Redirect::to(&url).into_response()
}

/// Adds a tile for `form` to the home layout `org`'s kiosks show, where the caller may: what
/// was done, and what could not be.
async fn tile_for(
    state: &AppState,
    s: &Session,
    form: &ContentId,
    org: OrgId,
    def: &FormDefinition,
) -> (Option<String>, Option<String>) {
    let l = s.lang;
    let at = match home::at(state, s.actor.clone(), org, form.clone()).await {
        Ok(at) => at,
        Err(e) => {
            e.log_cause();
            return (None, Some(e.message));
        }
    };
    match at {
        Some(at) if at.in_scope && !at.has_tile => {
            match home::add_tile(
                state,
                s.actor.clone(),
                l,
                &at,
                form,
                &def.title,
                def.title_en.as_deref(),
            )
            .await
            {
                Ok(done) => (Some(done), None),
                Err(why) => (None, Some(why)),
            }
        }
        Some(at) if !at.has_tile => {
            let (line, _) = home::status(l, Some(&at));
            (
                None,
                Some(format!("{}{line}", tr(l, "首页入口：", "Home tile: "))),
            )
        }
        // A tile already, or no layout: the default home screen lists every form.
        _ => (None, None),
    }
}

#[derive(Deserialize)]
pub struct HomeTile {
    id: String,
}

/// Adds a tile for a live form to the home layout its org's kiosks show (the builder's "add"
/// beside "首页入口：没有").
pub async fn home_tile(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<HomeTile>,
) -> Page {
    let record = load_form(&state, &s, &f.id).await?;
    let def = form_of(&record);
    let (ok, err) = tile_for(&state, &s, &record.item.id, record.item.org_id, def).await;
    let mut url = edit_url(&record.item.id);
    if let Some(ok) = ok {
        url = format!("{url}&ok={}", urlencode(&ok));
    }
    if let Some(err) = err {
        url = format!("{url}&err={}", urlencode(&err));
    }
    Ok(Redirect::to(&url).into_response())
}

/// The preview alone, for `app.js` to refresh as staff type.
pub async fn preview(s: Publisher, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> Page {
    let (draft, _) = Draft::read(&pairs);
    ok(view::preview(s.lang, &draft.def))
}

#[derive(Deserialize)]
pub struct JsonSave {
    id: String,
    /// The version the editor was opened on.
    version: u32,
    json: String,
    op: String,
}

/// Why a JSON text is not a form definition, in the page's language.
fn unreadable(l: Lang, e: &serde_json::Error) -> String {
    let mut detail: String = e.to_string().chars().take(300).collect();
    if detail.contains("unknown variant") {
        detail = format!(
            "{}{detail}",
            tr(
                l,
                "有终端不认识的类型。",
                "It names a type the kiosk does not know. "
            )
        );
    }
    format!(
        "{}{detail}",
        tr(l, "JSON 格式不对：", "The JSON is not valid: ")
    )
}

/// The expert's JSON editor: checked as the builder is (it opens the text in the builder), or
/// published.
pub async fn save_json(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<JsonSave>,
) -> Page {
    let l = s.lang;
    let record = load_form(&state, &s, &f.id).await?;
    let pane = |error: Option<String>| JsonPane {
        text: f.json.clone(),
        error,
    };
    let def = match serde_json::from_str::<ContentBody>(&f.json) {
        Ok(ContentBody::Form(def)) => def,
        other => {
            let message = match other {
                Err(e) => unreadable(l, &e),
                Ok(_) => tr(
                    l,
                    "这不是表单定义（kind 应为 form）。",
                    "This is not a form definition (kind must be form).",
                )
                .to_owned(),
            };
            let stored = Draft {
                id: Some(record.item.id.clone()),
                version: f.version,
                org: None,
                def: form_of(&record).clone(),
                unread: Vec::new(),
                home_tile: false,
            };
            return Err(refused(
                &s,
                &stored,
                &[],
                Notice::default(),
                &[],
                Some(pane(Some(message))),
            ));
        }
    };
    let draft = Draft {
        id: Some(record.item.id.clone()),
        version: f.version,
        org: None,
        def,
        unread: Vec::new(),
        home_tile: false,
    };
    let problems = draft.problems();
    if !problems.is_empty() {
        let message = tr(
            l,
            "JSON 定义有问题，见上方列出的问题。",
            "The JSON definition has problems, listed above.",
        );
        return Err(refused(
            &s,
            &draft,
            &problems,
            Notice::default(),
            &[],
            Some(pane(Some(message.to_owned()))),
        ));
    }
    if f.op != "publish" {
        let notice = Notice {
            ok: Some(tr(l, "定义没有问题，已在生成器中打开；发布前还可以继续修改。", "The definition is valid and open in the builder; you can keep editing before publishing.").to_owned()),
            err: None,
        };
        return ok(builder_page(&s, &draft, &[], &notice, &[], None));
    }
    publish(&state, &s, draft, Vec::new(), Some(pane(None))).await
}
