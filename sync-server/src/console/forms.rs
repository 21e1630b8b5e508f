//! Forms: the list, the JSON definition editor with a check-and-preview step, and publishing a
//! new version.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use protocol::ContentId;
use protocol::content::{ContentBody, ContentKind, FieldInput, FormDefinition};
use protocol::staff::ContentWrite;
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, flash, layout, ok};
use super::session::{CsrfForm, Publisher, Session};
use super::{Lang, tr};
use crate::content::{self, ListQuery};
use crate::state::AppState;

const HERE: &str = "/console/forms";

#[derive(Debug, Default, Deserialize)]
pub struct FormsQuery {
    edit: Option<String>,
    ok: Option<String>,
}

fn form_preview(l: Lang, def: &FormDefinition) -> Markup {
    html! {
        div.preview {
            h3 { (def.title) }
            @for f in &def.fields {
                @match &f.input {
                    FieldInput::Section => { h4 { (f.label) } }
                    input => { div.field {
                        span { (f.label) @if f.required { b.req { " *" } } }
                        span.kind { (format!("{input:?}").split([' ', '{']).next().unwrap_or_default()) }
                        @if let Some(v) = &f.visible_if { span.kind { (tr(l, "条件显示：", "shown when ")) (v.field) " = " (v.equals) } }
                    } }
                }
            }
        }
    }
}

pub async fn forms(
    State(state): State<AppState>,
    s: Publisher,
    Query(q): Query<FormsQuery>,
) -> Page {
    let l = s.lang;
    let items = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::Form),
            org_id: None,
            limit: Some(100),
            offset: None,
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let editing = q
        .edit
        .as_ref()
        .and_then(|id| items.iter().find(|r| r.item.id.0 == *id));
    let text = editing
        .map(|r| serde_json::to_string_pretty(&r.item.body).unwrap_or_default())
        .unwrap_or_default();
    ok(layout(
        &s,
        tr(l, "表单", "Forms"),
        HERE,
        html! {
            (flash(&Notice { ok: q.ok.clone(), err: None }))
            table {
                thead { tr { th { (tr(l, "表单", "Form")) } th { (tr(l, "版本", "Version")) } th { (tr(l, "状态", "State")) } th {} } }
                tbody { @for r in &items { @if let ContentBody::Form(f) = &r.item.body { tr {
                    td { (f.title) } td { (r.item.version) } td { @if r.live { span.pill.good { (tr(l, "使用中", "Live")) } } }
                    td {
                        a href=(format!("/console/forms?edit={}", r.item.id)) { (tr(l, "编辑", "Edit")) } " "
                        a href=(super::revisions::history_url(&r.item.id)) { (tr(l, "修改记录", "History")) }
                    }
                } } } }
            }
            @if let Some(r) = editing {
                h2 { (tr(l, "编辑表单定义（JSON）", "Edit the definition (JSON)")) }
                p.hint { (tr(l, "保存后生成新版本；已发布的版本不会改变。", "Saving makes a new version; published versions never change.")) }
                div.split {
                    form.editor method="post" action="/console/forms" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input type="hidden" name="id" value=(r.item.id);
                        input type="hidden" name="version" value=(r.item.version);
                        textarea name="json" rows="28" spellcheck="false" { (text) }
                        div.row {
                            button name="op" value="preview" type="submit" { (tr(l, "检查并预览", "Check and preview")) }
                            button name="op" value="publish" type="submit" { (tr(l, "发布新版本", "Publish a new version")) }
                        }
                    }
                    @if let ContentBody::Form(def) = &r.item.body { (form_preview(l, def)) }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct FormSave {
    id: String,
    /// The version the editor was opened on.
    version: u32,
    json: String,
    op: String,
}

/// The editor again, with what is wrong and the text as sent.
fn problem_page(
    s: &Session,
    f: &FormSave,
    message: String,
    def: Option<&FormDefinition>,
) -> Response {
    let l = s.lang;
    layout(s, tr(l, "表单定义有问题", "The definition has problems"), HERE, html! {
        p.error { (message) }
        form.editor method="post" action="/console/forms" {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="id" value=(f.id);
            input type="hidden" name="version" value=(f.version);
            textarea name="json" rows="28" spellcheck="false" { (f.json) }
            div.row {
                button name="op" value="preview" type="submit" { (tr(l, "检查并预览", "Check and preview")) }
                button name="op" value="publish" type="submit" { (tr(l, "发布新版本", "Publish a new version")) }
            }
        }
        @if let Some(def) = def { (form_preview(l, def)) }
    })
    .into_response()
}

pub async fn save(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<FormSave>,
) -> Page {
    let l = s.lang;
    let record = content::get(&state, s.actor.clone(), ContentId(f.id.clone()))
        .await
        .map_err(|e| app_error(l, e))?;
    let body: ContentBody = match serde_json::from_str(&f.json) {
        Ok(b @ ContentBody::Form(_)) => b,
        Ok(_) => {
            return Err(problem_page(
                &s,
                &f,
                tr(
                    l,
                    "这不是表单定义（kind 应为 form）。",
                    "This is not a form definition (kind must be form).",
                )
                .into(),
                None,
            ));
        }
        Err(e) => {
            return Err(problem_page(
                &s,
                &f,
                format!("{}{e}", tr(l, "JSON 格式不对：", "The JSON is not valid: ")),
                None,
            ));
        }
    };
    if let Err(problems) = body.validate() {
        let def = match &body {
            ContentBody::Form(d) => Some(d),
            _ => None,
        };
        let text = problems
            .iter()
            .map(|p| format!("{}：{}", p.field, p.message))
            .collect::<Vec<_>>()
            .join("；");
        return Err(problem_page(&s, &f, text, def));
    }
    if f.op != "publish" {
        let ContentBody::Form(def) = &body else {
            return Err(problem_page(&s, &f, String::new(), None));
        };
        return Ok(layout(&s, tr(l, "预览", "Preview"), HERE, html! {
            p.ok { (tr(l, "定义没有问题。", "The definition is valid.")) }
            (form_preview(l, def))
            form.editor method="post" action="/console/forms" {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="id" value=(f.id);
                input type="hidden" name="version" value=(f.version);
                textarea name="json" rows="12" spellcheck="false" { (f.json) }
                button name="op" value="publish" type="submit" { (tr(l, "发布新版本", "Publish a new version")) }
            }
        }).into_response());
    }
    if record.item.version != f.version {
        let message = super::revisions::stale(l, record.item.version);
        return Err(problem_page(&s, &f, message, None));
    }
    let w = ContentWrite {
        org_id: record.item.org_id,
        published: true,
        publish_at: None,
        expire_at: None,
        body,
    };
    if let Err(e) = content::replace(&state, s.actor.clone(), ContentId(f.id.clone()), w).await {
        e.log_cause();
        return Err(problem_page(&s, &f, e.message, None));
    }
    Ok(back(
        HERE,
        tr(l, "已发布新版本。", "New version published."),
    ))
}
