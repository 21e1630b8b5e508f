//! The console's pages and actions. Each handler asks the domain modules (`content`, `media`,
//! `workflow`, `kiosks`, `orgs`, `staff`, `import`) with the signed-in staff member as the actor,
//! exactly as the JSON API does.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use protocol::content::{
    ContentBody, ContentKind, FieldInput, FormDefinition, LibraryItem, NewsArticle, NewsCategory,
};
use protocol::staff::{ContentRecord, ContentWrite, NewEnrollmentToken, NewStaff};
use protocol::workflow::{Health, Status, StatusChange};
use protocol::{ContentId, KioskId, MediaHash, OrgId};
use serde::Deserialize;

use super::{ClientIp, Lang, PageLang, Session, app_error, check_csrf, error_page, layout, tr};
use crate::content::{self, ListQuery};
use crate::state::AppState;
use crate::workflow::{self, Filter};
use crate::{kiosks, media, orgs, staff};

type Page = Result<Response, Response>;

fn ok(markup: Markup) -> Page {
    Ok(markup.into_response())
}

fn when(ts: jiff::Timestamp) -> String {
    ts.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn category_name(lang: Lang, c: NewsCategory) -> &'static str {
    match c {
        NewsCategory::Policy => tr(lang, "政策法规", "Policies"),
        NewsCategory::UnionNews => tr(lang, "工会要闻", "Union news"),
        NewsCategory::Activities => tr(lang, "工会活动", "Activities"),
        NewsCategory::Training => tr(lang, "工会培训", "Training"),
        NewsCategory::WomenWorkers => tr(lang, "女工工作", "Women workers"),
        NewsCategory::Awards => tr(lang, "评先推优", "Awards"),
        NewsCategory::DemocraticManagement => tr(lang, "民主管理", "Democratic management"),
    }
}

fn status_name(lang: Lang, s: Status) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => s.label_en(),
    }
}

async fn org_options(state: &AppState, s: &Session) -> Result<Vec<protocol::staff::Org>, Response> {
    let actor = s.actor.clone();
    state
        .db
        .read(move |tx| orgs::list(tx, &actor))
        .await
        .map_err(|e| app_error(s.lang, e))
}

fn org_select(orgs: &[protocol::staff::Org], name: &str) -> Markup {
    html! {
        select name=(name) {
            @for o in orgs {
                option value=(o.id.0) { (("　".repeat(o.depth as usize))) (o.name) }
            }
        }
    }
}

fn flash(q: &Notice) -> Markup {
    html! {
        @if let Some(m) = &q.ok { p.ok { (m) } }
        @if let Some(m) = &q.err { p.error { (m) } }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    ok: Option<String>,
    err: Option<String>,
}

fn back(to: &str, ok: &str) -> Response {
    let url = format!("{to}?ok={}", urlencode(ok));
    Redirect::to(&url).into_response()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An item of the caller's subtree, or the page saying why not.
async fn load(state: &AppState, s: &Session, id: &str) -> Result<ContentRecord, Response> {
    content::get(&state.db, s.actor.clone(), ContentId(id.to_owned()))
        .await
        .map_err(|e| app_error(s.lang, e))
}

/// A new version of an item with a new body, its org and schedule kept, published.
async fn rewrite(
    state: &AppState,
    s: &Session,
    record: ContentRecord,
    body: ContentBody,
) -> Result<(), Response> {
    let w = ContentWrite {
        org_id: record.item.org_id,
        published: true,
        publish_at: record.item.publish_at,
        expire_at: record.item.expire_at,
        body,
    };
    content::replace(state, s.actor.clone(), record.item.id, w)
        .await
        .map(drop)
        .map_err(|e| app_error(s.lang, e))
}

// ---------------------------------------------------------------- sign-in

const LOGIN_CSRF: &str = "uk_login_csrf";

pub async fn login_page(PageLang(l): PageLang, Query(q): Query<Notice>) -> Response {
    let token = crate::secrets::random_token(24);
    let page = html! {
        (maud::DOCTYPE)
        html lang=(if l == Lang::Zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                title { (tr(l, "登录 · 智慧工会管理台", "Sign in · Union Kiosk console")) }
                link rel="stylesheet" href="/console/static/app.css";
            }
            body.plain {
                main.narrow.card {
                    h1 { (tr(l, "智慧工会管理台", "Union Kiosk console")) }
                    (flash(&q))
                    form method="post" action="/console/login" {
                        input type="hidden" name="_csrf" value=(token);
                        label { (tr(l, "用户名", "Username")) input name="username" autocomplete="username" required; }
                        label { (tr(l, "密码", "Password")) input name="password" type="password" autocomplete="current-password" required; }
                        button type="submit" { (tr(l, "登录", "Sign in")) }
                    }
                    p { a href=(if l == Lang::Zh { "/console/lang/en" } else { "/console/lang/zh" }) { (tr(l, "English", "中文")) } }
                }
            }
        }
    };
    (
        [(
            header::SET_COOKIE,
            format!("{LOGIN_CSRF}={token}; Path=/console; HttpOnly; Secure; SameSite=Strict"),
        )],
        page,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

fn login_error(message: &str) -> Response {
    Redirect::to(&format!("/console/login?err={}", urlencode(message))).into_response()
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    PageLang(l): PageLang,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LOGIN_CSRF)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !crate::secrets::hashes_equal(expected.as_bytes(), f.csrf.as_bytes())
    {
        return login_error(tr(
            l,
            "登录页已过期，请重新输入。",
            "The sign-in page expired; please try again.",
        ));
    }
    if state.logins.blocked(&f.username, ip) {
        return login_error(tr(
            l,
            "登录失败次数太多，请 5 分钟后再试。",
            "Too many failed sign-ins. Please wait five minutes.",
        ));
    }
    let hours = state.config.staff.session_hours;
    match staff::login(&state.db, f.username.clone(), f.password, hours).await {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                format!(
                    "{}={}; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
                    super::COOKIE,
                    session.token,
                    u64::from(hours) * 3600
                ),
            )],
            Redirect::to("/console/"),
        )
            .into_response(),
        Err(_) => {
            state.logins.failed(&f.username, ip);
            login_error(tr(l, "用户名或密码不对。", "Wrong username or password."))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, s: Session, Form(f): Form<CsrfOnly>) -> Page {
    check_csrf(&s, &f.csrf)?;
    let _ = staff::logout(&state.db, &s.token).await;
    Ok((
        [(
            header::SET_COOKIE,
            format!(
                "{}=; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age=0",
                super::COOKIE
            ),
        )],
        Redirect::to("/console/login"),
    )
        .into_response())
}

pub async fn set_lang(Path(lang): Path<String>) -> Response {
    let value = if lang == "en" { "en" } else { "zh" };
    (
        [(
            header::SET_COOKIE,
            format!(
                "{}={value}; Path=/console; Secure; SameSite=Strict; Max-Age=31536000",
                super::LANG_COOKIE
            ),
        )],
        Redirect::to("/console/"),
    )
        .into_response()
}

pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("app.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("app.js"),
    )
        .into_response()
}

pub async fn media(State(state): State<AppState>, s: Session, Path(hash): Path<String>) -> Page {
    let hash: MediaHash = hash.parse().map_err(|_| {
        error_page(
            s.lang,
            StatusCode::NOT_FOUND,
            tr(s.lang, "没有这张图片。", "No such image."),
        )
    })?;
    let (path, mime) = media::locate(&state.db, &state.media_dir, hash)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let bytes = tokio::fs::read(&path).await.map_err(|_| {
        error_page(
            s.lang,
            StatusCode::NOT_FOUND,
            tr(s.lang, "没有这张图片。", "No such image."),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}

// ---------------------------------------------------------------- dashboard

pub async fn dashboard(State(state): State<AppState>, s: Session) -> Page {
    let l = s.lang;
    let fleet = kiosks::list(&state.db, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let live: Vec<_> = fleet.iter().filter(|k| k.revoked_at.is_none()).collect();
    let count = |h: Health| live.iter().filter(|k| k.health == h).count();
    let waiting = workflow::list(
        &state.db,
        s.actor.clone(),
        Filter {
            status: Some("received".into()),
            limit: Some(10_000),
            ..Filter::default()
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let recent = content::list(
        &state.db,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::News),
            org_id: None,
            limit: Some(8),
            offset: None,
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    ok(layout(
        &s,
        tr(l, "概览", "Dashboard"),
        "/console/",
        html! {
            div.tiles {
                div.tile.good { strong { (count(Health::Online)) } span { (tr(l, "台终端在线", "kiosks online")) } }
                div.tile.warn { strong { (count(Health::Stale)) } span { (tr(l, "台内容滞后", "kiosks stale")) } }
                div.tile.bad { strong { (count(Health::Offline)) } span { (tr(l, "台离线", "kiosks offline")) } }
                a.tile href="/console/submissions?status=received" { strong { (waiting.len()) } span { (tr(l, "件待办理", "submissions waiting")) } }
            }
            h2 { (tr(l, "最近发布", "Recent publishing")) }
            (news_table(l, &recent, false, &s.csrf))
        },
    ))
}

// ---------------------------------------------------------------- news

fn news_table(l: Lang, items: &[ContentRecord], actions: bool, csrf: &str) -> Markup {
    html! {
        table {
            thead { tr {
                th { (tr(l, "标题", "Title")) } th { (tr(l, "栏目", "Category")) }
                th { (tr(l, "状态", "State")) } th { (tr(l, "更新时间", "Updated")) }
                @if actions { th {} }
            } }
            tbody {
                @for r in items {
                    @if let ContentBody::News(n) = &r.item.body {
                        tr {
                            td { @if n.pinned { span.pill { (tr(l, "置顶", "Pinned")) } " " } (n.title) }
                            td { (category_name(l, n.category)) }
                            td { @if r.live { span.pill.good { (tr(l, "展示中", "Live")) } } @else { span.pill { (format!("{:?}", r.state)) } } }
                            td { (when(r.item.updated_at)) }
                            @if actions { td {
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

pub async fn news(State(state): State<AppState>, s: Session, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let items = content::list(
        &state.db,
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
            (news_table(l, &items, true, &s.csrf))
        },
    ))
}

/// A `datetime-local` value in China time, or nothing.
fn local_time(v: &str) -> Result<Option<jiff::Timestamp>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let dt: jiff::civil::DateTime = v.parse().map_err(|_| ())?;
    dt.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .map(|z| Some(z.timestamp()))
        .map_err(|_| ())
}

pub async fn publish_news(
    State(state): State<AppState>,
    s: Session,
    mut multipart: Multipart,
) -> Page {
    let l = s.lang;
    let mut fields = std::collections::HashMap::new();
    let mut image: Option<Vec<u8>> = None;
    let bad =
        |m: &str| Redirect::to(&format!("/console/news?err={}", urlencode(m))).into_response();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Err(bad(tr(
                    l,
                    "上传没有完成（文件太大？）。",
                    "The upload did not complete (file too large?).",
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "image" {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| bad(tr(l, "图片太大。", "The image is too large.")))?;
            if !bytes.is_empty() {
                image = Some(bytes.to_vec());
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            fields.insert(name, text);
        }
    }
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    check_csrf(&s, &get("_csrf"))?;
    let category: NewsCategory = serde_json::from_value(serde_json::Value::String(get("category")))
        .map_err(|_| bad(tr(l, "请选择栏目。", "Choose a category.")))?;
    let org: i64 = get("org")
        .parse()
        .map_err(|_| bad(tr(l, "请选择单位。", "Choose an org.")))?;
    let (Ok(publish_at), Ok(expire_at)) = (
        local_time(&get("publish_at")),
        local_time(&get("expire_at")),
    ) else {
        return Err(bad(tr(l, "时间格式不对。", "A time is not valid.")));
    };
    let cover = match image {
        Some(bytes) => Some(
            media::store_upload(&state.db, &state.media_dir, &state.config.media, bytes)
                .await
                .map_err(|e| bad(&e.message))?
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
            title: get("title").trim().to_owned(),
            summary: get("summary").trim().to_owned(),
            body_markdown: get("body"),
            cover,
            images: Vec::new(),
            category,
            pinned: get("pinned") == "1",
            phone_link: None,
        }),
    };
    content::create(&state, s.actor.clone(), w)
        .await
        .map_err(|e| bad(&e.message))?;
    Ok(back(
        "/console/news",
        tr(
            l,
            "已发布，终端会在几秒内收到。",
            "Published; kiosks get it within seconds.",
        ),
    ))
}

#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
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

pub async fn preview(s: Session, Form(f): Form<PreviewForm>) -> Page {
    check_csrf(&s, &f.csrf)?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        render_markdown(&f.body),
    )
        .into_response())
}

pub async fn unpublish(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    content::set_published(&state, s.actor.clone(), ContentId(id), false)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(back(
        "/console/news",
        tr(s.lang, "已撤下。", "Unpublished."),
    ))
}

// ---------------------------------------------------------------- library

#[derive(Debug, Default, Deserialize)]
pub struct LibraryQuery {
    q: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn library(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<LibraryQuery>,
) -> Page {
    let l = s.lang;
    let needle = q.q.clone().unwrap_or_default();
    let actor = s.actor.clone();
    let search = needle.clone();
    let found: Vec<(String, LibraryItem)> = state
        .db
        .read(move |tx| {
            let (cond, path) = actor.subtree_filter("org_id");
            let sql = format!(
                "SELECT id, body FROM content WHERE kind = 'library_item' AND state = 'published' AND {cond}
                   AND (?2 = '' OR json_extract(body, '$.title') LIKE '%' || ?2 || '%'
                        OR json_extract(body, '$.author') LIKE '%' || ?2 || '%'
                        OR json_extract(body, '$.isbn') = ?2)
                 ORDER BY json_extract(body, '$.title') LIMIT 50"
            );
            let rows = tx
                .prepare(&sql)?
                .query_map(rusqlite::params![path, search], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, body)| match serde_json::from_str(&body).ok()? {
                    ContentBody::LibraryItem(item) => Some((id, item)),
                    _ => None,
                })
                .collect())
        })
        .await
        .map_err(|e| app_error(l, e))?;
    let lists = content::list(
        &state.db,
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
    let notice = Notice {
        ok: q.ok.clone(),
        err: q.err.clone(),
    };
    ok(layout(
        &s,
        tr(l, "职工书屋", "Library"),
        "/console/library",
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
                    td { a href=(format!("/console/library/item/{id}")) { (tr(l, "编辑", "Edit")) } }
                } } }
            }
            h2 { (tr(l, "导入书目（CSV）", "Import a catalogue (CSV)")) }
            form.card method="post" action="/console/library/import" enctype="multipart/form-data" {
                input type="hidden" name="_csrf" value=(s.csrf);
                div.row {
                    label { (tr(l, "CSV 文件（UTF-8 或 GBK）", "CSV file (UTF-8 or GBK)")) input type="file" name="file" accept=".csv,text/csv" required; }
                    label { (tr(l, "导入到", "Into")) (org_select(&orgs, "org")) }
                    label.check { input type="checkbox" name="skip_invalid" value="1"; (tr(l, "跳过有错的行", "Skip invalid rows")) }
                }
                button type="submit" data-busy=(tr(l, "正在导入，请稍候…", "Importing, please wait…")) { (tr(l, "导入", "Import")) }
            }
            h2 { (tr(l, "推荐书单", "Reading lists")) }
            @for r in &lists { @if let ContentBody::ReadingList(list) = &r.item.body {
                div.card {
                    h3 { (list.title) }
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

pub async fn import_catalog(
    State(state): State<AppState>,
    s: Session,
    mut multipart: Multipart,
) -> Page {
    let l = s.lang;
    let bad =
        |m: &str| Redirect::to(&format!("/console/library?err={}", urlencode(m))).into_response();
    let mut csrf = String::new();
    let mut org = String::new();
    let mut skip = false;
    let file = tempfile::NamedTempFile::new().map_err(|_| {
        bad(tr(
            l,
            "服务器无法保存文件。",
            "The server cannot save the file.",
        ))
    })?;
    let mut got = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Err(bad(tr(
                    l,
                    "上传没有完成（文件太大？）。",
                    "The upload did not complete (file too large?).",
                )));
            }
        };
        match field.name().unwrap_or_default() {
            "file" => {
                let mut out = tokio::fs::File::create(file.path())
                    .await
                    .map_err(|_| bad("io"))?;
                while let Ok(Some(chunk)) = field.chunk().await {
                    tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
                        .await
                        .map_err(|_| bad("io"))?;
                    got = true;
                }
            }
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "org" => org = field.text().await.unwrap_or_default(),
            "skip_invalid" => skip = true,
            _ => {}
        }
    }
    check_csrf(&s, &csrf)?;
    if !got {
        return Err(bad(tr(l, "请选择一个 CSV 文件。", "Choose a CSV file.")));
    }
    let org: i64 = org
        .parse()
        .map_err(|_| bad(tr(l, "请选择单位。", "Choose an org.")))?;
    let options = crate::import::catalog::Options {
        org: OrgId(org),
        encoding: None,
        skip_invalid: skip,
        replace: false,
        covers: None,
    };
    let report = crate::import::catalog::import(
        &state,
        s.actor.clone(),
        file.path(),
        options,
        &crate::import::catalog::Quiet,
    )
    .await
    .map_err(|e| bad(&e.message))?;
    ok(layout(
        &s,
        tr(l, "导入结果", "Import report"),
        "/console/library",
        html! {
            div.tiles {
                div.tile { strong { (report.rows) } span { (tr(l, "行", "rows")) } }
                div.tile.good { strong { (report.created) } span { (tr(l, "新增", "new")) } }
                div.tile { strong { (report.updated) } span { (tr(l, "更新", "updated")) } }
                div.tile { strong { (report.unchanged) } span { (tr(l, "未变", "unchanged")) } }
                div.tile.bad { strong { (report.invalid_rows) } span { (tr(l, "行有错", "invalid rows")) } }
            }
            @if !report.errors.is_empty() {
                h2 { (tr(l, "有错的行", "Rows with problems")) }
                table { thead { tr { th { (tr(l, "行号", "Line")) } th { (tr(l, "问题", "Problem")) } } }
                    tbody { @for e in &report.errors { tr { td { (e.line) } td { (e.message) } } } } }
            }
            p { a href="/console/library" { (tr(l, "返回职工书屋", "Back to the library")) } }
        },
    ))
}

pub async fn library_item(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::LibraryItem(item) = &record.item.body else {
        return Err(error_page(
            l,
            StatusCode::NOT_FOUND,
            tr(l, "这不是书目。", "Not a catalogue item."),
        ));
    };
    ok(layout(
        &s,
        &item.title,
        "/console/library",
        html! {
            form.card.editor method="post" action=(format!("/console/library/item/{id}")) {
                input type="hidden" name="_csrf" value=(s.csrf);
                label { (tr(l, "书名", "Title")) input name="title" value=(item.title) required; }
                label { (tr(l, "作者", "Author")) input name="author" value=(item.author); }
                label { (tr(l, "分类", "Category")) input name="category" value=(item.category); }
                label { (tr(l, "阅览室位置", "Reading-room location")) input name="location" value=(item.location); }
                label { (tr(l, "简介", "Description")) textarea name="description" rows="6" { (item.description) } }
                button type="submit" { (tr(l, "保存", "Save")) }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct ItemForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    title: String,
    author: String,
    category: String,
    location: String,
    description: String,
}

pub async fn save_library_item(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Form(f): Form<ItemForm>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::LibraryItem(mut item) = record.item.body.clone() else {
        return Err(error_page(
            l,
            StatusCode::NOT_FOUND,
            tr(l, "这不是书目。", "Not a catalogue item."),
        ));
    };
    item.title = f.title.trim().to_owned();
    item.author = f.author.trim().to_owned();
    item.category = f.category.trim().to_owned();
    item.location = f.location.trim().to_owned();
    item.description = f.description.trim().to_owned();
    rewrite(&state, &s, record, ContentBody::LibraryItem(item)).await?;
    Ok(back("/console/library", tr(l, "已保存。", "Saved.")))
}

#[derive(Deserialize)]
pub struct ListEdit {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    op: String,
    index: Option<usize>,
    item: Option<String>,
}

pub async fn edit_list(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Form(f): Form<ListEdit>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::ReadingList(mut list) = record.item.body.clone() else {
        return Err(error_page(
            l,
            StatusCode::NOT_FOUND,
            tr(l, "这不是书单。", "Not a reading list."),
        ));
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
            let found = content::get(&state.db, s.actor.clone(), ContentId(item.clone())).await;
            if !matches!(found, Ok(r) if matches!(r.item.body, ContentBody::LibraryItem(_))) {
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
    Ok(back(
        "/console/library",
        tr(l, "书单已更新。", "Reading list updated."),
    ))
}

// ---------------------------------------------------------------- forms

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

pub async fn forms(State(state): State<AppState>, s: Session, Query(q): Query<FormsQuery>) -> Page {
    let l = s.lang;
    let items = content::list(
        &state.db,
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
        "/console/forms",
        html! {
            (flash(&Notice { ok: q.ok.clone(), err: None }))
            table {
                thead { tr { th { (tr(l, "表单", "Form")) } th { (tr(l, "版本", "Version")) } th { (tr(l, "状态", "State")) } th {} } }
                tbody { @for r in &items { @if let ContentBody::Form(f) = &r.item.body { tr {
                    td { (f.title) } td { (r.item.version) } td { @if r.live { span.pill.good { (tr(l, "使用中", "Live")) } } }
                    td { a href=(format!("/console/forms?edit={}", r.item.id)) { (tr(l, "编辑", "Edit")) } }
                } } } }
            }
            @if let Some(r) = editing {
                h2 { (tr(l, "编辑表单定义（JSON）", "Edit the definition (JSON)")) }
                p.hint { (tr(l, "保存后生成新版本；已发布的版本不会改变。", "Saving makes a new version; published versions never change.")) }
                div.split {
                    form.editor method="post" action="/console/forms" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input type="hidden" name="id" value=(r.item.id);
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
    #[serde(rename = "_csrf", default)]
    csrf: String,
    id: String,
    json: String,
    op: String,
}

pub async fn save_form(State(state): State<AppState>, s: Session, Form(f): Form<FormSave>) -> Page {
    check_csrf(&s, &f.csrf)?;
    let l = s.lang;
    let record = content::get(&state.db, s.actor.clone(), ContentId(f.id.clone()))
        .await
        .map_err(|e| app_error(l, e))?;
    let problem_page = |message: String, def: Option<&FormDefinition>| {
        layout(&s, tr(l, "表单定义有问题", "The definition has problems"), "/console/forms", html! {
            p.error { (message) }
            form.editor method="post" action="/console/forms" {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="id" value=(f.id);
                textarea name="json" rows="28" spellcheck="false" { (f.json) }
                div.row {
                    button name="op" value="preview" type="submit" { (tr(l, "检查并预览", "Check and preview")) }
                    button name="op" value="publish" type="submit" { (tr(l, "发布新版本", "Publish a new version")) }
                }
            }
            @if let Some(def) = def { (form_preview(l, def)) }
        })
        .into_response()
    };
    let body: ContentBody = match serde_json::from_str(&f.json) {
        Ok(b @ ContentBody::Form(_)) => b,
        Ok(_) => {
            return Err(problem_page(
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
        return Err(problem_page(text, def));
    }
    if f.op != "publish" {
        let ContentBody::Form(def) = &body else {
            return Err(problem_page(String::new(), None));
        };
        return Ok(layout(&s, tr(l, "预览", "Preview"), "/console/forms", html! {
            p.ok { (tr(l, "定义没有问题。", "The definition is valid.")) }
            (form_preview(l, def))
            form.editor method="post" action="/console/forms" {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="id" value=(f.id);
                textarea name="json" rows="12" spellcheck="false" { (f.json) }
                button name="op" value="publish" type="submit" { (tr(l, "发布新版本", "Publish a new version")) }
            }
        }).into_response());
    }
    let w = ContentWrite {
        org_id: record.item.org_id,
        published: true,
        publish_at: None,
        expire_at: None,
        body,
    };
    content::replace(&state, s.actor.clone(), ContentId(f.id.clone()), w)
        .await
        .map_err(|e| problem_page(e.message, None))?;
    Ok(back(
        "/console/forms",
        tr(l, "已发布新版本。", "New version published."),
    ))
}

// ---------------------------------------------------------------- submissions

pub async fn submissions(
    State(state): State<AppState>,
    s: Session,
    Query(filter): Query<Filter>,
) -> Page {
    let l = s.lang;
    let status = filter.status.clone().unwrap_or_default();
    let rows = workflow::list(
        &state.db,
        s.actor.clone(),
        Filter {
            status: filter.status.clone().filter(|x| !x.is_empty()),
            ..filter
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let export = format!(
        "/console/submissions/export.csv?status={}",
        urlencode(&status)
    );
    ok(layout(
        &s,
        tr(l, "办理事项", "Submissions"),
        "/console/submissions",
        html! {
            form.search method="get" action="/console/submissions" {
                select name="status" {
                    option value="" { (tr(l, "全部状态", "Any status")) }
                    @for st in Status::ALL { option value=(st.as_str()) selected[status == st.as_str()] { (status_name(l, st)) } }
                }
                button type="submit" { (tr(l, "筛选", "Filter")) }
                a.button href=(export) { (tr(l, "导出 CSV", "Export CSV")) }
            }
            table {
                thead { tr { th { (tr(l, "回执编号", "Receipt")) } th { (tr(l, "表单", "Form")) } th { (tr(l, "单位", "Org")) } th { (tr(l, "状态", "Status")) } th { (tr(l, "提交时间", "Submitted")) } } }
                tbody { @for r in &rows { tr {
                    td { a href=(format!("/console/submissions/{}", r.id)) { (r.receipt) } }
                    td { (r.form_title) } td { (r.org_name) }
                    td { span.pill.(r.status.as_str()) { (status_name(l, r.status)) } }
                    td { (when(r.submitted_at)) }
                } } }
            }
            @if rows.is_empty() { p.hint { (tr(l, "没有符合条件的事项。", "Nothing matches.")) } }
        },
    ))
}

pub async fn export(
    State(state): State<AppState>,
    s: Session,
    Query(filter): Query<Filter>,
) -> Page {
    let filter = Filter {
        status: filter.status.clone().filter(|x| !x.is_empty()),
        ..filter
    };
    let csv = workflow::export_csv(&state.db, s.actor.clone(), filter)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"submissions.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

pub async fn submission(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let d = workflow::get(&state.db, s.actor.clone(), id.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let title = format!("{} · {}", d.summary.form_title, d.summary.receipt);
    ok(layout(
        &s,
        &title,
        "/console/submissions",
        html! {
            (flash(&q))
            p { span.pill.(d.summary.status.as_str()) { (status_name(l, d.summary.status)) } " " (d.summary.org_name) " · " (when(d.summary.submitted_at)) }
            table.answers { tbody { @for a in &d.answers { tr { th { (a.label) } td { (a.value) } } } } }
            @if let Some(reply) = &d.reply { h2 { (tr(l, "当前答复", "Current reply")) } p.reply { (reply) } }
            h2 { (tr(l, "办理", "Act on it")) }
            form.card.editor method="post" action=(format!("/console/submissions/{id}")) {
                input type="hidden" name="_csrf" value=(s.csrf);
                label { (tr(l, "新状态", "New status")) select name="status" {
                    @for st in Status::ALL { @if d.summary.status.can_become(st) { option value=(st.as_str()) { (status_name(l, st)) } } }
                } }
                label { (tr(l, "答复（员工在终端上可以看到）", "Reply (the employee sees it at a kiosk)")) textarea name="reply" rows="4" maxlength="2000" {} }
                button type="submit" { (tr(l, "提交", "Save")) }
            }
            h2 { (tr(l, "处理记录", "History")) }
            table { tbody {
                tr { td { (when(d.summary.submitted_at)) } td { (tr(l, "终端提交", "Submitted at a kiosk")) } td {} }
                @for h in &d.history { tr {
                    td { (when(h.at)) } td { (h.by) ": " (status_name(l, h.from)) " → " (status_name(l, h.to)) }
                    td { (h.reply.clone().unwrap_or_default()) }
                } }
            } }
        },
    ))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    status: String,
    reply: String,
}

pub async fn answer(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    let l = s.lang;
    let status = Status::parse(&f.status).ok_or_else(|| {
        error_page(
            l,
            StatusCode::BAD_REQUEST,
            tr(l, "请选择状态。", "Choose a status."),
        )
    })?;
    let change = StatusChange {
        status,
        reply: Some(f.reply),
    };
    match workflow::change(&state.db, s.actor.clone(), id.clone(), change).await {
        Ok(_) => Ok(back(
            &format!("/console/submissions/{id}"),
            tr(
                l,
                "已保存，员工可在终端查到。",
                "Saved; the employee can see it at a kiosk.",
            ),
        )),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN => {
            Err(app_error(l, e))
        }
        Err(e) => Ok(Redirect::to(&format!(
            "/console/submissions/{id}?err={}",
            urlencode(&e.message)
        ))
        .into_response()),
    }
}

// ---------------------------------------------------------------- kiosks

pub async fn kiosks(State(state): State<AppState>, s: Session, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let fleet = kiosks::list(&state.db, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let orgs = org_options(&state, &s).await?;
    ok(layout(
        &s,
        tr(l, "终端", "Kiosks"),
        "/console/kiosks",
        html! {
            (flash(&q))
            form.card method="post" action="/console/kiosks/token" {
                input type="hidden" name="_csrf" value=(s.csrf);
                div.row {
                    label { (tr(l, "为哪个单位的终端登记", "Enroll a kiosk at")) (org_select(&orgs, "org")) }
                    button type="submit" { (tr(l, "生成登记码", "Create an enrollment code")) }
                }
            }
            table {
                thead { tr {
                    th { (tr(l, "终端", "Kiosk")) } th { (tr(l, "状态", "Health")) } th { (tr(l, "最后联系", "Last seen")) }
                    th { (tr(l, "版本", "Version")) } th { (tr(l, "上次同步", "Last sync")) } th { (tr(l, "待发送", "Outbox")) } th {}
                } }
                tbody { @for k in &fleet { tr {
                    td { (if k.name.is_empty() { k.id.0.clone() } else { k.name.clone() }) }
                    td { @if k.revoked_at.is_some() { span.pill { (tr(l, "已停用", "Revoked")) } } @else {
                        @match k.health {
                            Health::Online => span.pill.good { (tr(l, "在线", "Online")) },
                            Health::Stale => span.pill.warn { (tr(l, "内容滞后", "Stale")) },
                            Health::Offline => span.pill.bad { (tr(l, "离线", "Offline")) },
                        }
                    } }
                    td { (k.last_seen_at.map(when).unwrap_or_default()) }
                    td { (k.version) }
                    td { (k.heartbeat.as_ref().and_then(|h| h.last_sync_at).map(when).unwrap_or_default()) }
                    td { (k.heartbeat.as_ref().map(|h| h.outbox_depth.to_string()).unwrap_or_default()) }
                    td { @if k.revoked_at.is_none() {
                        form method="post" action=(format!("/console/kiosks/{}/revoke", k.id)) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button.small.danger type="submit" data-confirm=(tr(l, "停用后这台终端将无法同步，确定吗？", "The kiosk will stop syncing. Revoke it?")) { (tr(l, "停用", "Revoke")) }
                        }
                    } }
                } } }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    org: i64,
}

pub async fn create_token(
    State(state): State<AppState>,
    s: Session,
    Form(f): Form<TokenForm>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    let l = s.lang;
    let created = kiosks::create_token(
        &state.db,
        s.actor.clone(),
        NewEnrollmentToken {
            org_id: OrgId(f.org),
            valid_minutes: None,
        },
        &state.config.enrollment,
        state.public_url.clone(),
        state.fingerprint,
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let svg = qrcode::QrCode::new(created.enrollment_string.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(280, 280)
                .build()
        })
        .unwrap_or_default();
    ok(layout(
        &s,
        tr(l, "终端登记码", "Enrollment code"),
        "/console/kiosks",
        html! {
            div.card.center {
                p { (tr(l, "在终端上运行 kiosk enroll 并粘贴下面的登记串，或扫描二维码。登记码只能用一次。", "On the kiosk run `kiosk enroll` with the string below, or scan the QR code. It works once.")) }
                div.qr { (PreEscaped(svg)) }
                pre.string { (created.enrollment_string) }
                p.hint { (tr(l, "有效期至 ", "Valid until ")) (when(created.expires_at)) }
                p { a href="/console/kiosks" { (tr(l, "返回终端列表", "Back to the fleet")) } }
            }
        },
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    kiosks::revoke(&state, s.actor.clone(), KioskId(id))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(back(
        "/console/kiosks",
        tr(s.lang, "终端已停用。", "Kiosk revoked."),
    ))
}

// ---------------------------------------------------------------- orgs and users

pub async fn orgs(State(state): State<AppState>, s: Session, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let tree = org_options(&state, &s).await?;
    let users = staff::list(&state.db, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let name_of = |id: OrgId| {
        tree.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    ok(layout(
        &s,
        tr(l, "单位与用户", "Orgs & users"),
        "/console/orgs",
        html! {
            (flash(&q))
            div.split {
                div {
                    h2 { (tr(l, "单位", "Orgs")) }
                    ul.tree { @for o in &tree { li { (("　".repeat(o.depth as usize))) (o.name) } } }
                    form.card method="post" action="/console/orgs" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        label { (tr(l, "上级单位", "Parent")) (org_select(&tree, "parent")) }
                        label { (tr(l, "名称", "Name")) input name="name" required maxlength="60"; }
                        button type="submit" { (tr(l, "新建单位", "Add org")) }
                    }
                }
                div {
                    h2 { (tr(l, "用户", "Users")) }
                    table { tbody { @for u in &users { tr { td { (u.username) } td { (u.display_name) } td { (name_of(u.org_id)) } } } } }
                    form.card method="post" action="/console/users" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        label { (tr(l, "用户名", "Username")) input name="username" required; }
                        label { (tr(l, "姓名", "Display name")) input name="display_name"; }
                        label { (tr(l, "初始密码（至少 10 位）", "Initial password (10+ characters)")) input name="password" type="password" required minlength="10" autocomplete="new-password"; }
                        label { (tr(l, "所属单位", "Org")) (org_select(&tree, "org")) }
                        button type="submit" { (tr(l, "新建用户", "Add user")) }
                    }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    parent: i64,
    name: String,
}

pub async fn create_org(State(state): State<AppState>, s: Session, Form(f): Form<OrgForm>) -> Page {
    check_csrf(&s, &f.csrf)?;
    let actor = s.actor.clone();
    let name = f.name.trim().to_owned();
    state
        .db
        .write(move |tx| {
            actor.check_org(tx, OrgId(f.parent))?;
            orgs::create(tx, Some(OrgId(f.parent)), &name)
        })
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(back(
        "/console/orgs",
        tr(s.lang, "已新建单位。", "Org added."),
    ))
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    username: String,
    display_name: String,
    password: String,
    org: i64,
}

pub async fn create_user(
    State(state): State<AppState>,
    s: Session,
    Form(f): Form<UserForm>,
) -> Page {
    check_csrf(&s, &f.csrf)?;
    staff::create(
        &state.db,
        s.actor.clone(),
        NewStaff {
            username: f.username,
            password: f.password,
            display_name: f.display_name,
            org_id: OrgId(f.org),
        },
    )
    .await
    .map_err(|e| app_error(s.lang, e))?;
    Ok(back(
        "/console/orgs",
        tr(s.lang, "已新建用户。", "User added."),
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
