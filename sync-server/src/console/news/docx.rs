//! A Word document in, a draft article out: the upload card on the news page and its action.
//! The draft opens in the editor with what was left out said at the top; nothing reaches a
//! kiosk until the clerk publishes it.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use protocol::OrgId;
use protocol::content::{ContentBody, NewsArticle, NewsCategory};
use protocol::staff::{ContentWrite, Org};

use super::super::page::{Page, back_with, back_with_error, category_name, org_select, urlencode};
use super::super::session::Publisher;
use super::super::{Lang, tr};
use crate::content;
use crate::import::docx;
use crate::multipart::MultipartForm;
use crate::state::AppState;

/// The largest `.docx` accepted: a notice with a few dozen photos.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

const HERE: &str = "/console/news";

/// The card on the news page that takes a Word document.
pub fn card(l: Lang, csrf: &str, orgs: &[Org]) -> Markup {
    html! {
        details.card #word {
            summary { (tr(l, "从 Word 导入（.docx）", "Import from Word (.docx)")) }
            p.hint { (tr(l,
                "标题、小标题、段落、列表、加粗、表格（按行变成文字）和图片会保留，导入后是草稿，检查无误再发布。文本框、公式等无法导入的内容会列出来。",
                "Headings, paragraphs, lists, bold, tables (as a line of text per row) and pictures are kept. The result is a draft: check it, then publish. Anything that cannot be imported (text boxes, equations, …) is listed."))
            }
            form method="post" action="/console/news/import" enctype="multipart/form-data" {
                input type="hidden" name="_csrf" value=(csrf);
                div.row {
                    label { (tr(l, "Word 文档", "Word document"))
                        input type="file" name="docx" required
                            accept=".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document";
                    }
                    label { (tr(l, "发布到", "Publish to")) (org_select(orgs, "org")) }
                    label { (tr(l, "栏目", "Category")) select name="category" {
                        @for c in NewsCategory::ALL {
                            option value=(serde_json::to_string(&c).unwrap_or_default().trim_matches('"')) { (category_name(l, c)) }
                        }
                    } }
                }
                button type="submit" data-busy=(tr(l, "正在导入…", "Importing…")) { (tr(l, "导入为草稿", "Import as a draft")) }
            }
        }
    }
}

/// Reads the uploaded document into a draft at the chosen org and opens it in the editor.
pub async fn import(State(state): State<AppState>, s: Publisher, mut multipart: Multipart) -> Page {
    let l = s.lang;
    let bad = |m: &str| back_with_error(HERE, m);
    let mut form = MultipartForm::read(&mut multipart, &["docx"])
        .await
        .map_err(|_| {
            bad(tr(
                l,
                "上传没有完成（文件超过 64 MB？）。",
                "The upload did not complete (file over 64 MB?).",
            ))
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let category: NewsCategory =
        serde_json::from_value(serde_json::Value::String(form.text("category").to_owned()))
            .map_err(|_| bad(tr(l, "请选择栏目。", "Choose a category.")))?;
    let org: i64 = form
        .text("org")
        .parse()
        .map_err(|_| bad(tr(l, "请选择单位。", "Choose an org.")))?;
    let Some(bytes) = form.take_file("docx").filter(|b| !b.is_empty()) else {
        return Err(bad(tr(
            l,
            "请选择一个 Word 文档。",
            "Choose a Word document.",
        )));
    };
    let imported = docx::import(&state, bytes.to_vec())
        .await
        .map_err(|r| bad(if l == Lang::Zh { r.zh() } else { r.en() }))?;
    let article = NewsArticle {
        title: imported.title,
        summary: String::new(),
        body_markdown: imported.body_markdown,
        cover: None,
        images: imported.images,
        category,
        pinned: false,
        phone_link: None,
    };
    let draft = content::create(
        &state,
        s.actor.clone(),
        ContentWrite {
            org_id: OrgId(org),
            published: false,
            publish_at: None,
            expire_at: None,
            body: ContentBody::News(article),
        },
    )
    .await
    .map_err(|e| back_with(HERE, e))?;
    let said = tr(
        l,
        "已从 Word 导入为草稿，检查后点“保存并发布”。",
        "Imported from Word as a draft; check it, then press “Save and publish”.",
    );
    let dropped = match l {
        Lang::Zh => imported.dropped.zh().map(|d| format!("{d}。")),
        Lang::En => imported.dropped.en().map(|d| format!("{d}.")),
    };
    let mut to = format!("{}?ok={}", super::edit_url(&draft.item.id), urlencode(said));
    if let Some(d) = dropped {
        to.push_str(&format!("&dropped={}", urlencode(&d)));
    }
    Ok(Redirect::to(&to).into_response())
}
