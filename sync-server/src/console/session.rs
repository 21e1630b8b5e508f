//! Who is asking: the session cookie and the staff member behind it, the CSRF token every POST
//! must carry (checked by [`CsrfForm`]), the page language, and the client's address; and the
//! role check every page makes ([`Can`]).

use std::marker::PhantomData;
use std::net::IpAddr;
use std::ops::Deref;

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use protocol::staff::StaffInfo;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::page::{denied, error_page};
use super::{Lang, tr};
use crate::orgs::Actor;
use crate::staff::roles::{self, Gate, gate};
use crate::state::AppState;

pub const COOKIE: &str = "uk_console";
pub const LANG_COOKIE: &str = "uk_lang";

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn lang_of(headers: &HeaderMap) -> Lang {
    match cookie(headers, LANG_COOKIE) {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// The CSRF token of a session: derived from its secret token, so only pages this server
/// rendered for the session carry it.
pub fn csrf_of(token: &str) -> String {
    hex::encode(&Sha256::digest(format!("uk-console-csrf:{token}").as_bytes())[..16])
}

/// The page that refuses a POST whose CSRF token is missing or wrong.
fn stale_form(lang: Lang) -> Response {
    error_page(
        lang,
        StatusCode::FORBIDDEN,
        tr(
            lang,
            "表单已过期或来源不明，请刷新页面后重试。",
            "This form is stale or did not come from this console. Reload the page and try again.",
        ),
    )
}

/// A signed-in staff member, from the session cookie.
pub struct Session {
    pub info: StaffInfo,
    pub actor: Actor,
    pub token: String,
    pub csrf: String,
    pub lang: Lang,
}

impl Session {
    /// Checks the CSRF token a multipart POST carried (urlencoded forms use [`CsrfForm`]).
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if crate::secrets::hashes_equal(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(stale_form(self.lang))
        }
    }
}

/// A signed-in staff member whose roles open gate `G` (`staff::roles`), from the session
/// cookie: the only way a console page learns who is asking ([`Session`] itself is not an
/// extractor), so no page can be written without naming the roles that may open it. Not signed
/// in (or the session ended): the login page; signed in without the role: a 403 page in the
/// user's language, inside the console's frame, saying which role it needs.
pub struct Can<G: Gate>(Session, PhantomData<fn() -> G>);

/// Orgs, accounts and roles, the fleet's management, the audit log.
pub type Admin = Can<gate::Admin>;
/// News, the library, forms, opening hours.
pub type Publisher = Can<gate::Publish>;
/// Submissions.
pub type CaseHandler = Can<gate::Cases>;
/// The dashboard and read-only pages: any role.
pub type Viewer = Can<gate::View>;
/// Sending tasks and notices to the orgs below.
pub type TaskSender = Can<gate::Tasks>;
/// One's own account: signed in, whatever the roles.
pub type SignedIn = Can<gate::Signed>;

impl<G: Gate> Deref for Can<G> {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.0
    }
}

impl Session {
    /// Whether the user's roles open gate `G` (what the navigation offers).
    pub fn opens<G: Gate>(&self) -> bool {
        roles::opens::<G>(self.actor.roles())
    }
}

impl<G: Gate> FromRequestParts<AppState> for Can<G> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let login_first = || Redirect::to("/console/login").into_response();
        let token = cookie(&parts.headers, COOKIE)
            .ok_or_else(login_first)?
            .to_owned();
        let (info, actor) = crate::staff::authenticate(state, &token)
            .await
            .map_err(|e| {
                e.log_cause();
                login_first()
            })?;
        let session = Session {
            info,
            actor,
            csrf: csrf_of(&token),
            token,
            lang: lang_of(&parts.headers),
        };
        if session.actor.must_change_password() && !G::ANY_OF.is_empty() {
            return Err(super::page::back_with_error(
                "/console/account",
                tr(
                    session.lang,
                    "管理员为您设置了临时密码：请先修改密码。",
                    "An administrator set a temporary password: change it first.",
                ),
            ));
        }
        if !session.opens::<G>() {
            return Err(denied::<G>(&session));
        }
        Ok(Can(session, PhantomData))
    }
}

/// A urlencoded form whose `_csrf` field matched the session's token; anything else is refused
/// with a page before the handler runs. The expected token is derived from the session cookie,
/// the one [`Session`] authenticates, so handlers take both.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let lang = lang_of(req.headers());
        let expected = cookie(req.headers(), COOKIE).map(csrf_of);
        let (method, headers) = (req.method().clone(), req.headers().clone());
        let extensions = req.extensions().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let sent = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        // The body is read once; the fields are parsed from the same bytes by `Form`, so its
        // content-type check and its rejections stay what they were.
        let mut again = Request::new(Body::from(bytes));
        *again.method_mut() = method;
        *again.headers_mut() = headers;
        *again.extensions_mut() = extensions;
        let Form(form) = Form::<T>::from_request(again, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match expected {
            Some(expected)
                if crate::secrets::hashes_equal(sent.as_bytes(), expected.as_bytes()) =>
            {
                Ok(CsrfForm(form))
            }
            _ => Err(stale_form(lang)),
        }
    }
}

/// A form with nothing in it but its CSRF token.
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// The page language without a session (the login page).
pub struct PageLang(pub Lang);

impl FromRequestParts<AppState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(&parts.headers)))
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
