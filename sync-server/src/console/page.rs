//! What every console page shares: the frame, error pages, redirects that carry a notice, time
//! in China time, org pickers, and loading and rewriting an item as the signed-in user.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use protocol::ContentId;
use protocol::content::{ContentBody, NewsCategory};
use protocol::staff::{ContentRecord, ContentWrite, Org};
use protocol::workflow::Status;
use serde::Deserialize;

use super::session::Session;
use super::{Lang, tr};
use crate::content;
use crate::error::AppError;
use crate::orgs;
use crate::staff::roles::{self, Gate, gate};
use crate::state::AppState;

/// What a handler answers: a page or a redirect, and a page that says why when it cannot.
pub type Page = Result<Response, Response>;

pub fn ok(markup: Markup) -> Page {
    Ok(markup.into_response())
}

/// The `lang` attribute of a page.
pub fn html_lang(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "zh-CN" } else { "en" }
}

/// The link that switches to the other language.
pub fn other_lang(lang: Lang) -> &'static str {
    if lang == Lang::Zh {
        "/console/lang/en"
    } else {
        "/console/lang/zh"
    }
}

/// A refusal shown as a page, in the user's language.
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let body = html! {
        (DOCTYPE)
        html lang=(html_lang(lang)) {
            head {
                meta charset="utf-8";
                title { (tr(lang, "出错了", "Something went wrong")) }
                link rel="stylesheet" href="/console/static/app.css";
            }
            body.plain {
                main.narrow {
                    h1 { (tr(lang, "操作没有完成", "That did not work")) }
                    p.error { (message) }
                    p { a href="/console/" { (tr(lang, "返回首页", "Back to the dashboard")) } }
                }
            }
        }
    };
    (status, body).into_response()
}

/// Domain errors become pages; "not found" and "forbidden" look alike to the user. An internal
/// cause is logged here.
pub fn app_error(lang: Lang, e: AppError) -> Response {
    e.log_cause();
    error_page(lang, e.status, &e.message)
}

/// The page that refuses a page or action the user's roles do not open: calm, in their
/// language, inside the console's frame (whose navigation offers only what they may open).
pub fn denied<G: Gate>(session: &Session) -> Response {
    let l = session.lang;
    let (needed, none) = match l {
        Lang::Zh => (
            format!(
                "这一页需要“{}”角色，您的账号没有。如工作需要，请联系本单位的管理员为您添加。",
                roles::needed_zh::<G>()
            ),
            "您的账号还没有任何角色，暂时不能使用管理台；请联系本单位的管理员为您添加。",
        ),
        Lang::En => (
            format!(
                "This page needs the {} role, which your account does not have. If your work \
                 needs it, ask your org's administrator to add it.",
                roles::needed_en::<G>()
            ),
            "Your account has no roles yet, so the console has nothing to open for it; ask your \
             org's administrator to add them.",
        ),
    };
    let body = layout(
        session,
        tr(l, "没有权限", "Not allowed"),
        "",
        html! {
            div.card.denied {
                // Without any role, what one page needs matters less than that.
                @if session.actor.roles().is_empty() { p { (none) } } @else { p { (needed) } }
                @if session.opens::<gate::View>() {
                    p { a href="/console/" { (tr(l, "返回概览", "Back to the dashboard")) } }
                }
            }
        },
    );
    (StatusCode::FORBIDDEN, body).into_response()
}

/// The page frame: sidebar (only what the user's roles open), header, content.
pub fn layout(session: &Session, title: &str, active: &str, content: Markup) -> Markup {
    let l = session.lang;
    let view = session.opens::<gate::View>();
    let publish = session.opens::<gate::Publish>();
    let admin = session.opens::<gate::Admin>();
    let nav = [
        ("/console/", tr(l, "概览", "Dashboard"), view),
        ("/console/news", tr(l, "新闻发布", "News"), publish),
        ("/console/calendar", tr(l, "发布日程", "Schedule"), publish),
        ("/console/library", tr(l, "职工书屋", "Library"), publish),
        ("/console/forms", tr(l, "表单", "Forms"), publish),
        (
            "/console/submissions",
            tr(l, "办理事项", "Submissions"),
            session.opens::<gate::Cases>(),
        ),
        (
            "/console/digest",
            tr(l, "今日待办", "Today's digest"),
            session.opens::<gate::Cases>(),
        ),
        (
            "/console/places",
            tr(l, "名额预约", "Limited places"),
            session.opens::<gate::Cases>() || publish,
        ),
        ("/console/polls", tr(l, "投票问卷", "Polls"), view),
        (
            "/console/competitions",
            tr(l, "劳动竞赛", "Labour competitions"),
            publish,
        ),
        (
            "/console/proposals",
            tr(l, "职代会提案", "Congress proposals"),
            session.opens::<gate::Cases>() || publish,
        ),
        ("/console/kiosks", tr(l, "终端", "Kiosks"), view),
        ("/console/usage", tr(l, "使用情况", "Usage"), view),
        ("/console/quiz", tr(l, "知识竞赛", "Quizzes"), view),
        (
            "/console/hours",
            tr(l, "开放时间", "Opening hours"),
            publish,
        ),
        (
            "/console/branch-page",
            tr(l, "职工之家", "Workers' home"),
            publish,
        ),
        ("/console/tasks", tr(l, "任务与通知", "Tasks"), view),
        ("/console/orgs", tr(l, "单位与用户", "Orgs & users"), admin),
        (
            "/console/closing-days",
            tr(l, "休息日", "Closing days"),
            admin,
        ),
        (
            "/console/audit",
            tr(l, "审计日志", "Audit log"),
            admin && crate::workflow::audit::may_read(&session.actor),
        ),
    ];
    html! {
        (DOCTYPE)
        html lang=(html_lang(l)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (tr(l, "智慧工会管理台", "Union Kiosk console")) }
                link rel="stylesheet" href="/console/static/app.css";
                script src="/console/static/app.js" defer {}
                script src="/console/static/editor.js" defer {}
            }
            body {
                nav.side {
                    div.brand { (tr(l, "智慧工会管理台", "Union Kiosk console")) }
                    ul {
                        @for (href, label, _) in nav.into_iter().filter(|n| n.2) {
                            li { a.active[active == href] href=(href) { (label) } }
                        }
                    }
                    div.me {
                        div { (session.info.display_name) }
                        form method="post" action="/console/logout" {
                            input type="hidden" name="_csrf" value=(session.csrf);
                            button.link type="submit" { (tr(l, "退出登录", "Sign out")) }
                        }
                        a href="/console/account" { (tr(l, "修改密码", "Change password")) }
                        " · "
                        a href=(other_lang(l)) { (tr(l, "English", "中文")) }
                    }
                }
                main {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// The `?ok=` / `?err=` notice a redirect brought.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    pub ok: Option<String>,
    pub err: Option<String>,
}

pub fn flash(q: &Notice) -> Markup {
    html! {
        @if let Some(m) = &q.ok { p.ok { (m) } }
        @if let Some(m) = &q.err { p.error { (m) } }
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Back to `to`, saying it worked.
pub fn back(to: &str, ok: &str) -> Response {
    Redirect::to(&format!("{to}?ok={}", urlencode(ok))).into_response()
}

/// Back to `to`, saying why not.
pub fn back_with_error(to: &str, message: &str) -> Response {
    Redirect::to(&format!("{to}?err={}", urlencode(message))).into_response()
}

/// Back to `to` with a domain error's message; an internal cause is logged here.
pub fn back_with(to: &str, e: AppError) -> Response {
    e.log_cause();
    back_with_error(to, &e.message)
}

/// A time as staff read it: China time, to the minute.
pub fn when(ts: jiff::Timestamp) -> String {
    ts.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// A `datetime-local` value in China time, or nothing.
pub fn local_time(v: &str) -> Result<Option<jiff::Timestamp>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let dt: jiff::civil::DateTime = v.parse().map_err(|_| ())?;
    dt.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .map(|z| Some(z.timestamp()))
        .map_err(|_| ())
}

pub fn category_name(lang: Lang, c: NewsCategory) -> &'static str {
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

pub fn status_name(lang: Lang, s: Status) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => s.label_en(),
    }
}

/// The orgs the user may pick: their subtree.
pub async fn org_options(state: &AppState, s: &Session) -> Result<Vec<Org>, Response> {
    orgs::list(state, s.actor.clone())
        .await
        .map_err(|e| app_error(s.lang, e))
}

pub fn org_select(orgs: &[Org], name: &str) -> Markup {
    html! {
        select name=(name) {
            @for o in orgs {
                option value=(o.id.0) { (("　".repeat(o.depth as usize))) (o.name) }
            }
        }
    }
}

/// An item of the caller's subtree, or the page saying why not.
pub async fn load(state: &AppState, s: &Session, id: &str) -> Result<ContentRecord, Response> {
    content::get(state, s.actor.clone(), ContentId(id.to_owned()))
        .await
        .map_err(|e| app_error(s.lang, e))
}

/// A new version of an item with a new body, its org and schedule kept, published.
pub async fn rewrite(
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
