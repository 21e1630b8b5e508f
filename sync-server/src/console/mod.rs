//! The staff console: server-rendered pages at `/console/`, in Chinese with an English switch.
//!
//! Safe by default: every page is built with `maud`, which escapes all output; the session is a
//! staff session token in an HttpOnly, Secure, SameSite=Strict cookie; every POST carries a CSRF
//! token derived from the session (a page of another site cannot know it); every response has a
//! Content-Security-Policy that allows only this server's own files, and there is no inline
//! script or style. Logins are rate-limited per username and per client address. Every page and
//! action goes through the same domain functions as the JSON API, so a user sees and changes only
//! their org and what is below it.

// Handlers answer with a page either way: the `Err` of their results is a response as large as
// the `Ok`, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod pages;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use protocol::staff::StaffInfo;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::orgs::Actor;
use crate::state::AppState;

pub const COOKIE: &str = "uk_console";
const LANG_COOKIE: &str = "uk_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// A console string in the page's language.
pub fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = state.config.media.max_upload_bytes + 64 * 1024;
    let csv_limit = 64 * 1024 * 1024;
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(pages::dashboard))
        .route("/console/login", get(pages::login_page).post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/lang/{lang}", get(pages::set_lang))
        .route("/console/static/app.css", get(pages::css))
        .route("/console/static/app.js", get(pages::js))
        .route("/console/media/{hash}", get(pages::media))
        .route("/console/news", get(pages::news).post(pages::publish_news))
        .layer(DefaultBodyLimit::max(upload_limit))
        .route("/console/preview", post(pages::preview))
        .route("/console/content/{id}/unpublish", post(pages::unpublish))
        .route("/console/library", get(pages::library))
        .route(
            "/console/library/import",
            post(pages::import_catalog).layer(DefaultBodyLimit::max(csv_limit)),
        )
        .route(
            "/console/library/item/{id}",
            get(pages::library_item).post(pages::save_library_item),
        )
        .route("/console/lists/{id}", post(pages::edit_list))
        .route("/console/forms", get(pages::forms).post(pages::save_form))
        .route("/console/submissions", get(pages::submissions))
        .route("/console/submissions/export.csv", get(pages::export))
        .route(
            "/console/submissions/{id}",
            get(pages::submission).post(pages::answer),
        )
        .route("/console/kiosks", get(pages::kiosks))
        .route("/console/kiosks/token", post(pages::create_token))
        .route("/console/kiosks/{id}/revoke", post(pages::revoke))
        .route("/console/orgs", get(pages::orgs).post(pages::create_org))
        .route("/console/users", post(pages::create_user))
}

/// Every console response: the CSP and friends.
pub async fn secure_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn lang_of(parts: &Parts) -> Lang {
    match cookie(parts, LANG_COOKIE) {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// The CSRF token of a session: derived from its secret token, so only pages this server
/// rendered for the session carry it.
pub fn csrf_of(token: &str) -> String {
    hex::encode(&Sha256::digest(format!("uk-console-csrf:{token}").as_bytes())[..16])
}

/// A signed-in staff member, from the session cookie.
pub struct Session {
    pub info: StaffInfo,
    pub actor: Actor,
    pub token: String,
    pub csrf: String,
    pub lang: Lang,
}

/// Not signed in (or the session ended): go to the login page.
pub struct LoginFirst;

impl IntoResponse for LoginFirst {
    fn into_response(self) -> Response {
        Redirect::to("/console/login").into_response()
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = LoginFirst;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, LoginFirst> {
        let token = cookie(parts, COOKIE).ok_or(LoginFirst)?.to_owned();
        let (info, actor) = crate::staff::authenticate(&state.db, &token)
            .await
            .map_err(|_| LoginFirst)?;
        Ok(Session {
            info,
            actor,
            csrf: csrf_of(&token),
            token,
            lang: lang_of(parts),
        })
    }
}

/// The page language without a session (the login page).
pub struct PageLang(pub Lang);

impl FromRequestParts<AppState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(parts)))
    }
}

/// The client's address, for the login rate limit.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Failed logins allowed per username and per address in [`LOGIN_WINDOW`].
pub const LOGIN_FAILURES: usize = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    fn keys(user: &str, ip: Option<IpAddr>) -> [String; 2] {
        [
            format!("user:{}", user.trim().to_lowercase()),
            format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_default()),
        ]
    }

    pub fn blocked(&self, user: &str, ip: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut f = self
            .failures
            .lock()
            .expect("the limiter lock is never held across a panic");
        Self::keys(user, ip).iter().any(|k| {
            let list = f.entry(k.clone()).or_default();
            list.retain(|t| now.duration_since(*t) < LOGIN_WINDOW);
            list.len() >= LOGIN_FAILURES
        })
    }

    pub fn failed(&self, user: &str, ip: Option<IpAddr>) {
        let mut f = self
            .failures
            .lock()
            .expect("the limiter lock is never held across a panic");
        for k in Self::keys(user, ip) {
            f.entry(k).or_default().push(Instant::now());
        }
    }
}

/// A refusal shown as a page, in the user's language.
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let body = html! {
        (DOCTYPE)
        html lang=(if lang == Lang::Zh { "zh-CN" } else { "en" }) {
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

/// Domain errors become pages; "not found" and "forbidden" look alike to the user.
pub fn app_error(lang: Lang, e: AppError) -> Response {
    error_page(lang, e.status, &e.message)
}

/// Checks the CSRF token of a POST.
pub fn check_csrf(session: &Session, sent: &str) -> Result<(), Response> {
    if crate::secrets::hashes_equal(sent.as_bytes(), session.csrf.as_bytes()) {
        Ok(())
    } else {
        Err(error_page(
            session.lang,
            StatusCode::FORBIDDEN,
            tr(
                session.lang,
                "表单已过期或来源不明，请刷新页面后重试。",
                "This form is stale or did not come from this console. Reload the page and try again.",
            ),
        ))
    }
}

/// The page frame: sidebar, header, content.
pub fn layout(session: &Session, title: &str, active: &str, content: Markup) -> Markup {
    let l = session.lang;
    let nav = [
        ("/console/", tr(l, "概览", "Dashboard")),
        ("/console/news", tr(l, "新闻发布", "News")),
        ("/console/library", tr(l, "职工书屋", "Library")),
        ("/console/forms", tr(l, "表单", "Forms")),
        ("/console/submissions", tr(l, "办理事项", "Submissions")),
        ("/console/kiosks", tr(l, "终端", "Kiosks")),
        ("/console/orgs", tr(l, "单位与用户", "Orgs & users")),
    ];
    html! {
        (DOCTYPE)
        html lang=(if l == Lang::Zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (tr(l, "智慧工会管理台", "Union Kiosk console")) }
                link rel="stylesheet" href="/console/static/app.css";
                script src="/console/static/app.js" defer {}
            }
            body {
                nav.side {
                    div.brand { (tr(l, "智慧工会管理台", "Union Kiosk console")) }
                    ul {
                        @for (href, label) in nav {
                            li { a.active[active == href] href=(href) { (label) } }
                        }
                    }
                    div.me {
                        div { (session.info.display_name) }
                        form method="post" action="/console/logout" {
                            input type="hidden" name="_csrf" value=(session.csrf);
                            button.link type="submit" { (tr(l, "退出登录", "Sign out")) }
                        }
                        a href=(if l == Lang::Zh { "/console/lang/en" } else { "/console/lang/zh" }) {
                            (tr(l, "English", "中文"))
                        }
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
