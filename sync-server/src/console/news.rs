//! News: the list with edit, history and unpublish, the editor (a toolbar over the article as it
//! will look, its Markdown source for experts, with a live preview) and an optional cover image,
//! publishing, editing a published article (each save a new version, kept as a revision; kiosks
//! get it through the feed), and drafts made from Word documents (`docx`), published from the
//! editor.

pub mod docx;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::content::{ContentBody, ContentKind, NewsArticle, NewsCategory};
use protocol::staff::{ContentRecord, ContentState, ContentWrite};
use protocol::{ContentId, MediaHash, OrgId};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, back_with_error, category_name, error_page, flash,
    layout, load, local_time, ok, org_options, org_select, when,
};
use super::session::{CsrfForm, NoFields, Publisher};
use super::{Lang, tr};
use crate::content::{self, Edited, ListQuery};
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
                            td { (state_pill(l, r)) }
                            td { (when(r.item.updated_at)) }
                            @if let Some(csrf) = csrf { td {
                                a.small href=(format!("/console/news/{}/edit", r.item.id)) { (tr(l, "编辑", "Edit")) }
                                " "
                                a.small href=(super::revisions::history_url(&r.item.id)) { (tr(l, "修改记录", "History")) }
                                " "
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

/// An item's state as staff say it: live, a draft, taken down, or published but outside its
/// publish-at .. expire-at.
pub fn state_pill(l: Lang, r: &ContentRecord) -> Markup {
    html! {
        @if r.live { span.pill.good { (tr(l, "展示中", "Live")) } }
        @else {
            span.pill { (match r.state {
                ContentState::Draft => tr(l, "草稿", "Draft"),
                ContentState::Unpublished => tr(l, "已撤下", "Unpublished"),
                ContentState::Published => tr(l, "未到或已过展示期", "Scheduled or expired"),
            }) }
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
                    (article_fields(l, &s.csrf, None, html! {
                        label { (tr(l, "发布到", "Publish to")) (org_select(&orgs, "org")) }
                    }))
                    label { (tr(l, "封面图片（可选）", "Cover image (optional)")) input type="file" name="image" accept="image/*"; }
                    button type="submit" { (tr(l, "发布", "Publish")) }
                }
            }
            (docx::card(l, &s.csrf, &orgs))
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
    let mut form = MultipartForm::read(&mut multipart, &["image", "body_image"])
        .await
        .map_err(|u| match u.field.as_deref() {
            Some("image" | "body_image") => bad(tr(l, "图片太大。", "The image is too large.")),
            _ => bad(tr(
                l,
                "上传没有完成（文件太大？）。",
                "The upload did not complete (file too large?).",
            )),
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let (mut article, publish_at, expire_at) = read_article(l, &form).map_err(bad)?;
    let org: i64 = form
        .text("org")
        .parse()
        .map_err(|_| bad(tr(l, "请选择单位。", "Choose an org.")))?;
    article.cover = upload_cover(&state, &mut form, HERE).await?;
    append_body_image(&state, &mut form, &mut article, HERE).await?;
    let w = ContentWrite {
        org_id: OrgId(org),
        published: true,
        publish_at,
        expire_at,
        body: ContentBody::News(article),
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

/// A time as a `datetime-local` value in China time.
fn local_input(ts: jiff::Timestamp) -> String {
    ts.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The editor's fields (title, summary, body with its preview, category, pin, schedule), filled
/// from `old` when editing; `extra` goes beside the category.
fn article_fields(l: Lang, csrf: &str, old: Option<&ContentRecord>, extra: Markup) -> Markup {
    let article = old.and_then(|r| match &r.item.body {
        ContentBody::News(n) => Some(n),
        _ => None,
    });
    let text = |f: fn(&NewsArticle) -> &str| article.map(f).unwrap_or_default().to_owned();
    let time = |t: Option<jiff::Timestamp>| t.map(local_input).unwrap_or_default();
    let (publish_at, expire_at) = old
        .map(|r| (time(r.item.publish_at), time(r.item.expire_at)))
        .unwrap_or_default();
    html! {
        label { (tr(l, "标题", "Title")) input name="title" required maxlength="120" value=(text(|a| &a.title)); }
        label { (tr(l, "摘要", "Summary")) input name="summary" maxlength="500" value=(text(|a| &a.summary)); }
        (toolbar(l))
        div.split #body-split {
            div {
                div.label #visual-label hidden { (tr(l, "正文", "Body")) }
                div.visual.preview #visual contenteditable="true" hidden role="textbox" aria-multiline="true" aria-labelledby="visual-label"
                    data-paste-dropped=(tr(l, "粘贴内容中有 {n} 张图片无法直接粘贴，请用“图片”按钮插入。", "{n} pictures in what was pasted cannot be pasted directly; insert them with the Picture button.")) {}
                label #source-label { (tr(l, "正文（Markdown）", "Body (Markdown)")) textarea id="body" name="body" rows="14" required { (text(|a| &a.body_markdown)) } }
                label #image-label {
                    (tr(l, "在正文中插入图片（插在光标处；不用脚本时加在正文末尾）", "Insert an image in the body (at the cursor; at the end without scripts)"))
                    input type="file" id="body-image" name="body_image" accept="image/*";
                }
            }
            div #preview-pane { div.label { (tr(l, "预览", "Preview")) } div.preview id="preview" data-csrf=(csrf) {} }
        }
        div.row {
            label { (tr(l, "栏目", "Category")) select name="category" {
                @for c in NewsCategory::ALL {
                    option value=(serde_json::to_string(&c).unwrap_or_default().trim_matches('"'))
                        selected[article.is_some_and(|a| a.category == c)] { (category_name(l, c)) }
                }
            } }
            (extra)
            label.check { input type="checkbox" name="pinned" value="1" checked[article.is_some_and(|a| a.pinned)]; (tr(l, "置顶", "Pin")) }
        }
        div.row {
            label { (tr(l, "定时发布（可选）", "Publish at (optional)")) input type="datetime-local" name="publish_at" value=(publish_at); }
            label { (tr(l, "过期时间（可选）", "Expire at (optional)")) input type="datetime-local" name="expire_at" value=(expire_at); }
        }
    }
}

/// The editor's toolbar, shown by the script (without it the Markdown textarea is the editor):
/// each button writes the article format, so a clerk never needs to see Markdown; the last
/// switches to the source and back.
fn toolbar(l: Lang) -> Markup {
    html! {
        div.toolbar #toolbar hidden role="toolbar" aria-label=(tr(l, "格式", "Formatting")) {
            button.tool type="button" data-cmd="heading" title=(tr(l, "把这一段设为小标题（再按一次取消）", "Make this paragraph a heading (again to undo)")) { (tr(l, "小标题", "Heading")) }
            button.tool type="button" data-cmd="bold" title=(tr(l, "加粗选中的文字", "Bold the selected text")) { b { (tr(l, "加粗", "Bold")) } }
            button.tool type="button" data-cmd="list" title=(tr(l, "项目列表", "Bulleted list")) { (tr(l, "• 列表", "• List")) }
            button.tool type="button" data-cmd="numbered" title=(tr(l, "编号列表", "Numbered list")) { (tr(l, "1. 编号", "1. Numbered")) }
            button.tool type="button" data-cmd="link" title=(tr(l, "把选中的文字设为链接", "Link the selected text"))
                data-prompt=(tr(l, "链接地址（以 http:// 或 https:// 开头）", "Link address (starting with http:// or https://)"))
                data-refused=(tr(l, "链接必须以 http:// 或 https:// 开头。", "A link must start with http:// or https://.")) { (tr(l, "链接", "Link")) }
            button.tool type="button" data-cmd="image" title=(tr(l, "在光标处插入图片", "Insert a picture at the cursor")) { (tr(l, "图片", "Picture")) }
            button.tool.source type="button" data-cmd="source" aria-pressed="false"
                data-visual=(tr(l, "返回排版视图", "Back to the formatted view")) { (tr(l, "源码（Markdown）", "Source (Markdown)")) }
        }
    }
}

/// The editor's fields as an article without a cover, and its schedule; or what is wrong.
fn read_article(
    l: Lang,
    form: &MultipartForm,
) -> Result<
    (
        NewsArticle,
        Option<jiff::Timestamp>,
        Option<jiff::Timestamp>,
    ),
    &'static str,
> {
    let category: NewsCategory =
        serde_json::from_value(serde_json::Value::String(form.text("category").to_owned()))
            .map_err(|_| tr(l, "请选择栏目。", "Choose a category."))?;
    let (Ok(publish_at), Ok(expire_at)) = (
        local_time(form.text("publish_at")),
        local_time(form.text("expire_at")),
    ) else {
        return Err(tr(l, "时间格式不对。", "A time is not valid."));
    };
    // Browsers send a textarea's lines ending in CRLF; the article format's end in LF.
    let body_markdown = form.text("body").replace("\r\n", "\n");
    let article = NewsArticle {
        title: form.text("title").trim().to_owned(),
        summary: form.text("summary").trim().to_owned(),
        images: body_images(&body_markdown),
        body_markdown,
        cover: None,
        category,
        pinned: form.text("pinned") == "1",
        phone_link: None,
    };
    Ok((article, publish_at, expire_at))
}

/// The images the body shows (`![…](media:HASH)`), each once, in order: what `images` lists.
pub fn body_images(body: &str) -> Vec<MediaHash> {
    let mut found: Vec<MediaHash> = Vec::new();
    for (at, _) in body.match_indices("(media:") {
        let rest = &body[at + "(media:".len()..];
        let end = rest.find([')', ' ']).unwrap_or(rest.len());
        if let Ok(hash) = rest[..end].parse::<MediaHash>()
            && !found.contains(&hash)
        {
            found.push(hash);
        }
    }
    found
}

/// The Markdown that shows an uploaded image in the body.
fn image_markdown(hash: &MediaHash) -> String {
    format!("![](media:{hash})")
}

/// Stores an image the editor's script uploads and answers the Markdown that shows it, for the
/// script to insert at the cursor.
pub async fn upload_body_image(
    State(state): State<AppState>,
    s: Publisher,
    mut multipart: Multipart,
) -> Page {
    let l = s.lang;
    let refused = |status: StatusCode, m: &str| (status, m.to_owned()).into_response();
    let mut form = MultipartForm::read(&mut multipart, &["image"])
        .await
        .map_err(|_| {
            refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                tr(l, "图片太大。", "The image is too large."),
            )
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let Some(bytes) = form.take_file("image").filter(|b| !b.is_empty()) else {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            tr(l, "请选择一张图片。", "Choose an image."),
        ));
    };
    let stored = media::store_upload(&state, bytes.to_vec())
        .await
        .map_err(|e| {
            e.log_cause();
            refused(e.status, &e.message)
        })?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        image_markdown(&stored.display.sha256),
    )
        .into_response())
}

/// An image the form carried for the body (sent without the script): added at the end.
async fn append_body_image(
    state: &AppState,
    form: &mut MultipartForm,
    article: &mut NewsArticle,
    here: &str,
) -> Result<(), axum::response::Response> {
    if let Some(bytes) = form.take_file("body_image").filter(|b| !b.is_empty()) {
        let hash = media::store_upload(state, bytes.to_vec())
            .await
            .map_err(|e| back_with(here, e))?
            .display
            .sha256;
        article.body_markdown = format!(
            "{}\n\n{}\n",
            article.body_markdown.trim_end(),
            image_markdown(&hash)
        );
        if !article.images.contains(&hash) {
            article.images.push(hash);
        }
    }
    Ok(())
}

/// Stores the cover image the form carried, if any, through the media pipeline.
async fn upload_cover(
    state: &AppState,
    form: &mut MultipartForm,
    here: &str,
) -> Result<Option<MediaHash>, axum::response::Response> {
    match form.take_file("image").filter(|b| !b.is_empty()) {
        Some(bytes) => Ok(Some(
            media::store_upload(state, bytes.to_vec())
                .await
                .map_err(|e| back_with(here, e))?
                .display
                .sha256,
        )),
        None => Ok(None),
    }
}

fn edit_url(id: &ContentId) -> String {
    format!("/console/news/{id}/edit")
}

/// The editor for a published (or unpublished) article, filled with its current version.
pub async fn edit(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
    Query(imported): Query<ImportNote>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::News(article) = &record.item.body else {
        return Err(error_page(
            l,
            StatusCode::NOT_FOUND,
            tr(l, "这不是新闻文章。", "Not a news article."),
        ));
    };
    let id = &record.item.id;
    ok(layout(
        &s,
        &article.title,
        "/console/news",
        html! {
            (flash(&q))
            @if let Some(d) = &imported.dropped { p.warn { (d) } }
            p.hint {
                (state_pill(l, &record)) " "
                (tr(l, "当前是第 ", "Now at version ")) (record.item.version)
                (tr(l, " 版。保存后生成新版本，终端会在几秒内收到；旧版本保留在", ". Saving makes a new version, which kiosks get within seconds; earlier versions stay in the "))
                a href=(super::revisions::history_url(id)) { (tr(l, "修改记录", "history")) }
                (tr(l, "里，可以随时恢复。", ", and any can be restored."))
            }
            form.editor method="post" action=(edit_url(id)) enctype="multipart/form-data" {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="version" value=(record.item.version);
                (article_fields(l, &s.csrf, Some(&record), html! {}))
                @if let Some(cover) = &article.cover {
                    div.row {
                        img.thumb src=(format!("/console/media/{cover}")) alt=(tr(l, "当前封面", "Current cover"));
                        label.check { input type="checkbox" name="remove_cover" value="1"; (tr(l, "去掉封面", "Remove the cover")) }
                    }
                }
                label { (tr(l, "换一张封面图片（可选）", "Replace the cover image (optional)")) input type="file" name="image" accept="image/*"; }
                div.row {
                    button type="submit" { (tr(l, "保存修改", "Save changes")) }
                    @if record.state != ContentState::Published {
                        button type="submit" name="publish" value="1" { (tr(l, "保存并发布", "Save and publish")) }
                    }
                }
            }
        },
    ))
}

/// What a Word import left out, said at the top of the draft it made.
#[derive(Deserialize)]
pub struct ImportNote {
    dropped: Option<String>,
}

/// Saves the editor as a new version of the article.
pub async fn save_edit(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Page {
    let l = s.lang;
    let here = edit_url(&ContentId(id.clone()));
    let bad = |m: &str| back_with_error(&here, m);
    let mut form = MultipartForm::read(&mut multipart, &["image", "body_image"])
        .await
        .map_err(|u| match u.field.as_deref() {
            Some("image" | "body_image") => bad(tr(l, "图片太大。", "The image is too large.")),
            _ => bad(tr(
                l,
                "上传没有完成（文件太大？）。",
                "The upload did not complete (file too large?).",
            )),
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let record = load(&state, &s, &id).await?;
    let ContentBody::News(old) = &record.item.body else {
        return Err(error_page(
            l,
            StatusCode::NOT_FOUND,
            tr(l, "这不是新闻文章。", "Not a news article."),
        ));
    };
    let base: u32 = form.text("version").parse().map_err(|_| {
        bad(tr(
            l,
            "表单不完整，请重新打开。",
            "The form is incomplete; open it again.",
        ))
    })?;
    let (mut article, publish_at, expire_at) = read_article(l, &form).map_err(bad)?;
    article.phone_link = old.phone_link.clone();
    append_body_image(&state, &mut form, &mut article, &here).await?;
    article.cover = match upload_cover(&state, &mut form, &here).await? {
        Some(new) => Some(new),
        None if form.text("remove_cover") == "1" => None,
        None => old.cover.clone(),
    };
    let id = record.item.id.clone();
    let done = content::edit(
        &state,
        s.actor.clone(),
        id.clone(),
        base,
        ContentBody::News(article),
        publish_at,
        expire_at,
    )
    .await
    .map_err(|e| back_with(&here, e))?;
    let history = super::revisions::history_url(&id);
    if form.text("publish") == "1"
        && record.state != ContentState::Published
        && !matches!(done, Edited::Stale { .. })
    {
        content::publish(&state, s.actor.clone(), id.clone())
            .await
            .map_err(|e| back_with(&here, e))?;
        return Ok(back(
            &history,
            tr(
                l,
                "已保存并发布，终端会在几秒内收到。",
                "Saved and published; kiosks get it within seconds.",
            ),
        ));
    }
    match done {
        Edited::Saved(r) => Ok(back(
            &history,
            &match l {
                Lang::Zh => format!("已保存为第 {} 版，终端会在几秒内收到。", r.item.version),
                Lang::En => format!(
                    "Saved as version {}; kiosks get it within seconds.",
                    r.item.version
                ),
            },
        )),
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
    fn the_body_lists_its_images_once_each_in_order() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let body = format!(
            "![一](media:{b})\n\n![二](media:{a} \"标题\")\n![三](media:{b})\n![坏](media:xyz) [链接](https://example.cn)"
        );
        let found: Vec<String> = body_images(&body).iter().map(ToString::to_string).collect();
        assert_eq!(found, [b, a]);
        assert!(body_images("没有图片").is_empty());
    }

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
