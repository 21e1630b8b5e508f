//! Signing in and out, and the language switch.
//!
//! The login form has no session to derive a CSRF token from, so it carries a random token that
//! must match a cookie set with the page (double submit).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::page::{Notice, Page, back_with_error, flash, html_lang, other_lang};
use super::session::{
    COOKIE, ClientIp, CsrfForm, LANG_COOKIE, NoFields, PageLang, SignedIn, cookie,
};
use super::{Lang, tr};
use crate::staff;
use crate::state::AppState;
use protocol::ErrorCode;

const LOGIN_CSRF: &str = "uk_login_csrf";

pub async fn login_page(PageLang(l): PageLang, Query(q): Query<Notice>) -> Response {
    let token = crate::secrets::random_token(24);
    let page = html! {
        (maud::DOCTYPE)
        html lang=(html_lang(l)) {
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
                    p { a href=(other_lang(l)) { (tr(l, "English", "中文")) } }
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
    back_with_error("/console/login", message)
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    PageLang(l): PageLang,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_CSRF).unwrap_or_default();
    if expected.is_empty() || !crate::secrets::hashes_equal(expected.as_bytes(), f.csrf.as_bytes())
    {
        return login_error(tr(
            l,
            "登录页已过期，请重新输入。",
            "The sign-in page expired; please try again.",
        ));
    }
    match staff::login(&state, f.username, f.password, ip).await {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                format!(
                    "{COOKIE}={}; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
                    session.token,
                    u64::from(state.config.staff.session_hours) * 3600
                ),
            )],
            Redirect::to("/console/"),
        )
            .into_response(),
        Err(e) if e.code == ErrorCode::TooManyLogins => match l {
            Lang::Zh => login_error(&format!("{}。", e.message)),
            Lang::En => login_error("Too many sign-in attempts. Please wait a few minutes."),
        },
        Err(e) => {
            e.log_cause();
            login_error(tr(l, "用户名或密码不对。", "Wrong username or password."))
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    if let Err(e) = staff::logout(&state, &s.token).await {
        e.log_cause();
    }
    Ok((
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age=0"),
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
                "{LANG_COOKIE}={value}; Path=/console; Secure; SameSite=Strict; Max-Age=31536000"
            ),
        )],
        Redirect::to("/console/"),
    )
        .into_response()
}
