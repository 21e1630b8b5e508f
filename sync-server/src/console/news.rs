//! News: the list with unpublish buttons, the editor with a live Markdown preview and an
//! optional cover image, and publishing.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::content::{ContentBody, ContentKind, NewsArticle, NewsCategory};
use protocol::staff::{ContentRecord, ContentWrite};
use protocol::{ContentId, MediaHash, OrgId};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, back_with_error, category_name, flash, layout,
    local_time, ok, org_options, org_select, when,
};
use super::session::{CsrfForm, NoFields, Publisher};
use super::{Lang, tr};
use crate::content::{self, ListQuery};
use crate::media;
use crate::multipart::MultipartForm;
use crate::state::AppState;

/// What each row of a news table offers.
pub enum RowActions<'a> {
    None,
    /// An unpublish button on live rows, posting with this CSRF token.
    Unpublish {
        csrf: &'a str,
    },
}

pub fn news_table(l: Lang, items: &[ContentRecord], actions: RowActions<'_>) -> Markup {
    let csrf = match actions {
        RowActions::None => None,
        RowActions::Unpublish { csrf } => Some(csrf),
    };
    html! {
        table {
            thead { tr {
                th { (tr(l, "标题", "Title")) } th { (tr(l, "栏目", "Category")) }
                th { (tr(l, "状态", "State")) } th { (tr(l, "更新时间", "Updated")) }
                @if csrf.is_some() { th {} }
            } }
            tbody {
                @for r in items {
                    @if let ContentBody::News(n) = &r.item.body {
                        tr {
                            td { @if n.pinned { span.pill { (tr(l, "置顶", "Pinned")) } " " } (n.title) }
                            td { (category_name(l, n.category)) }
                            td { @if r.live { span.pill.good { (tr(l, "展示中", "Live")) } } @else { span.pill { (format!("{:?}", r.state)) } } }
                            td { (when(r.item.updated_at)) }
                            @if let Some(csrf) = csrf { td {
                                @if r.live {
                                    form method="post" action=(format!("/console/content/{}/unpublish", r.item.id)) {
                                        input type="hidden" name="_csrf" value=(csrf);
                                        button.small.danger type="submit" data-confirm=(tr(l, "确定撤下这篇文章？", "Unpublish this article?")) { (tr(l, "撤下", "Unpublish")) }
                                    }
                                }
                            } }
                        }
                    }
                }
            }
        }
    }
}

pub async fn news(State(state): State<AppState>, s: Publisher, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let items = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::News),
            org_id: None,
            limit: Some(200),
            offset: None,
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let orgs = org_options(&state, &s).await?;
    ok(layout(
        &s,
        tr(l, "新闻发布", "News"),
        "/console/news",
        html! {
            (flash(&q))
            details.card open[q.err.is_some()] {
                summary { (tr(l, "写一篇新文章", "Write a new article")) }
                form.editor method="post" action="/console/news" enctype="multipart/form-data" {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    label { (tr(l, "标题", "Title")) input name="title" required maxlength="120"; }
                    label { (tr(l, "摘要", "Summary")) input name="summary" maxlength="500"; }
                    div.split {
                        label { (tr(l, "正文（Markdown）", "Body (Markdown)")) textarea id="body" name="body" rows="14" required {} }
                        div { div.label { (tr(l, "预览", "Preview")) } div.preview id="preview" data-csrf=(s.csrf) {} }
                    }
                    div.row {
                        label { (tr(l, "栏目", "Category")) select name="category" {
                            @for c in NewsCategory::ALL { option value=(serde_json::to_string(&c).unwrap_or_default().trim_matches('"')) { (category_name(l, c)) } }
                        } }
                        label { (tr(l, "发布到", "Publish to")) (org_select(&orgs, "org")) }
                        label.check { input type="checkbox" name="pinned" value="1"; (tr(l, "置顶", "Pin")) }
                    }
                    div.row {
                        label { (tr(l, "定时发布（可选）", "Publish at (optional)")) input type="datetime-local" name="publish_at"; }
                        label { (tr(l, "过期时间（可选）", "Expire at (optional)")) input type="datetime-local" name="expire_at"; }
                    }
                    label { (tr(l, "封面图片（可选）", "Cover image (optional)")) input type="file" name="image" accept="image/*"; }
                    button type="submit" { (tr(l, "发布", "Publish")) }
                }
            }
            (news_table(l, &items, RowActions::Unpublish { csrf: &s.csrf }))
        },
    ))
}

pub async fn publish(
    State(state): State<AppState>,
    s: Publisher,
    mut multipart: Multipart,
) -> Page {
    const HERE: &str = "/console/news";
    let l = s.lang;
    let bad = |m: &str| back_with_error(HERE, m);
    let mut form = MultipartForm::read(&mut multipart, &["image"])
        .await
        .map_err(|u| match u.field.as_deref() {
            Some("image") => bad(tr(l, "图片太大。", "The image is too large.")),
            _ => bad(tr(
                l,
                "上传没有完成（文件太大？）。",
                "The upload did not complete (file too large?).",
            )),
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let category: NewsCategory =
        serde_json::from_value(serde_json::Value::String(form.text("category").to_owned()))
            .map_err(|_| bad(tr(l, "请选择栏目。", "Choose a category.")))?;
    let org: i64 = form
        .text("org")
        .parse()
        .map_err(|_| bad(tr(l, "请选择单位。", "Choose an org.")))?;
    let (Ok(publish_at), Ok(expire_at)) = (
        local_time(form.text("publish_at")),
        local_time(form.text("expire_at")),
    ) else {
        return Err(bad(tr(l, "时间格式不对。", "A time is not valid.")));
    };
    let cover = match form.take_file("image").filter(|b| !b.is_empty()) {
        Some(bytes) => Some(
            media::store_upload(&state, bytes.to_vec())
                .await
                .map_err(|e| back_with(HERE, e))?
                .display
                .sha256,
        ),
        None => None,
    };
    let w = ContentWrite {
        org_id: OrgId(org),
        published: true,
        publish_at,
        expire_at,
        body: ContentBody::News(NewsArticle {
            title: form.text("title").trim().to_owned(),
            summary: form.text("summary").trim().to_owned(),
            body_markdown: form.text("body").to_owned(),
            cover,
            images: Vec::new(),
            category,
            pinned: form.text("pinned") == "1",
            phone_link: None,
        }),
    };
    content::create(&state, s.actor.clone(), w)
        .await
        .map_err(|e| back_with(HERE, e))?;
    Ok(back(
        HERE,
        tr(
            l,
            "已发布，终端会在几秒内收到。",
            "Published; kiosks get it within seconds.",
        ),
    ))
}

#[derive(Deserialize)]
pub struct PreviewForm {
    body: String,
}

/// The Markdown preview: raw HTML in the source is shown as text, links keep only web schemes.
pub fn render_markdown(source: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, html::push_html};
    let events = Parser::new(source).map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !(dest_url.starts_with("http://") || dest_url.starts_with("https://")) => {
            Event::Start(Tag::Link {
                link_type,
                dest_url: "#".into(),
                title,
                id,
            })
        }
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest = match dest_url.strip_prefix("media:") {
                Some(hash) if hash.parse::<MediaHash>().is_ok() => {
                    format!("/console/media/{hash}").into()
                }
                _ => "#".into(),
            };
            Event::Start(Tag::Image {
                link_type,
                dest_url: dest,
                title,
                id,
            })
        }
        other => other,
    });
    let mut out = String::new();
    push_html(&mut out, events);
    out
}

pub async fn preview(_: Publisher, CsrfForm(f): CsrfForm<PreviewForm>) -> Page {
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        render_markdown(&f.body),
    )
        .into_response())
}

pub async fn unpublish(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    content::unpublish(&state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(back(
        "/console/news",
        tr(s.lang, "已撤下。", "Unpublished."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_escapes_html_and_drops_unsafe_links() {
        let html = render_markdown(
            "**粗体** <script>alert(1)</script> [x](javascript:alert(1)) [y](https://example.cn)",
        );
        assert!(html.contains("<strong>粗体</strong>"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("href=\"https://example.cn\""));
    }
}
