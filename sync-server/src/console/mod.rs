//! The staff console: server-rendered pages at `/console/`, in Chinese with an English switch.
//!
//! Safe by default: every page is built with `maud`, which escapes all output; the session is a
//! staff session token in an HttpOnly, Secure, SameSite=Strict cookie; every POST carries a CSRF
//! token derived from the session (a page of another site cannot know it), checked by
//! `session::CsrfForm` or, for uploads, `Session::check_csrf`; every response has a
//! Content-Security-Policy that allows only this server's own files, and there is no inline
//! script or style. Sign-ins go through the same limits as the API's (`staff::guard`). Every page and
//! action goes through the same domain functions as the JSON API, so a user sees and changes only
//! their org and what is below it.
//!
//! One module per page (`auth`, `accounts`, `audit`, `dashboard`, `news`, `library`, `forms`, `submissions`,
//! `kiosks`, `hours`, `orgs`), over `session` (who is asking) and `page` (the frame and what every page
//! shares).

// Handlers answer with a page either way: the `Err` of their results is a response as large as
// the `Ok`, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod accounts;
mod audit;
mod auth;
mod branch_page;
mod calendar;
mod charts;
mod competitions;
mod dashboard;
mod deadlines;
mod digest;
mod files;
mod forms;
mod hours;
mod kiosks;
mod library;
mod news;
mod orgs;
mod page;
mod places;
mod polls;
mod proposals;
mod quiz;
mod quiz_editor;
mod remote;
mod revisions;
mod session;
mod submissions;
mod tasks;
mod usage;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

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
        .route("/console/", get(dashboard::dashboard))
        .route(
            "/console/login",
            get(auth::login_page)
                .post(auth::login)
                .layer(DefaultBodyLimit::max(crate::api::LOGIN_BODY_LIMIT)),
        )
        .route("/console/logout", post(auth::logout))
        .route("/console/lang/{lang}", get(auth::set_lang))
        .route("/console/static/app.css", get(files::css))
        .route("/console/static/app.js", get(files::js))
        .route("/console/static/editor.js", get(files::editor_js))
        .route("/console/media/{hash}", get(files::media))
        .route("/console/news", get(news::news).post(news::publish))
        .route(
            "/console/news/{id}/edit",
            get(news::edit).post(news::save_edit),
        )
        .route("/console/news/image", post(news::upload_body_image))
        .layer(DefaultBodyLimit::max(upload_limit))
        .route(
            "/console/news/import",
            post(news::docx::import).layer(DefaultBodyLimit::max(news::docx::BODY_LIMIT)),
        )
        .route("/console/calendar", get(calendar::month))
        .route("/console/preview", post(news::preview))
        .route("/console/content/{id}/unpublish", post(news::unpublish))
        .route(
            "/console/content/{id}/edit",
            get(revisions::edit_json).post(revisions::save_json),
        )
        .route("/console/content/{id}/history", get(revisions::history))
        .route(
            "/console/content/{id}/history/{version}",
            get(revisions::revision),
        )
        .route(
            "/console/content/{id}/restore/{version}",
            post(revisions::restore),
        )
        .route("/console/library", get(library::library))
        .route(
            "/console/library/import",
            post(library::import::start).layer(DefaultBodyLimit::max(csv_limit)),
        )
        .route("/console/library/import/{id}", get(library::import::job))
        .route(
            "/console/library/item/{id}",
            get(library::item).post(library::save_item),
        )
        .route("/console/lists/{id}", post(library::edit_list))
        .route("/console/forms", get(forms::forms).post(forms::save_json))
        .route("/console/forms/build", post(forms::build))
        .route("/console/forms/preview", post(forms::preview))
        .route("/console/forms/home-tile", post(forms::home_tile))
        .route("/console/submissions", get(submissions::inbox))
        .route("/console/submissions/bulk", post(submissions::bulk))
        .route(
            "/console/submissions/{id}/assign",
            post(submissions::assign_case),
        )
        .route("/console/digest", get(digest::page))
        .route("/console/digest/email", post(digest::set_email))
        .route(
            "/console/closing-days",
            get(deadlines::page).post(deadlines::save),
        )
        .route(
            "/console/forms/deadline",
            post(deadlines::save_form_deadline),
        )
        .route("/console/submissions/export.csv", get(submissions::export))
        .route(places::HERE, get(places::list))
        .route(
            "/console/places/new",
            get(places::edit::new).post(places::edit::create),
        )
        .route(
            "/console/places/{id}/edit",
            get(places::edit::edit).post(places::edit::save),
        )
        .route(
            "/console/places/{id}/unpublish",
            post(places::edit::unpublish),
        )
        .route("/console/places/{id}", get(places::offering))
        .route(proposals::HERE, get(proposals::list))
        .route(
            "/console/proposals/calls/new",
            get(proposals::new_call).post(proposals::create_call),
        )
        .route(
            "/console/proposals/calls/{id}/edit",
            get(proposals::edit_call).post(proposals::save_call),
        )
        .route(
            "/console/proposals/{id}",
            get(proposals::proposal).post(proposals::review),
        )
        .route("/console/places/{id}/close", post(places::close))
        .route("/console/places/{id}/attended", post(places::attended))
        .route("/console/places/{id}/move", post(places::move_to))
        .route("/console/places/{id}/sheet", get(places::sheet))
        .route("/console/places/{id}/sheet.csv", get(places::sheet_csv))
        .route(
            "/console/submissions/{id}",
            get(submissions::submission).post(submissions::answer),
        )
        .route(audit::HERE, get(audit::audit_log))
        .route("/console/kiosks", get(kiosks::fleet))
        .route("/console/usage", get(usage::page))
        .route(quiz::HERE, get(quiz::list))
        .route(
            quiz_editor::NEW,
            get(quiz_editor::new).post(quiz_editor::create),
        )
        .route("/console/quiz/{id}", get(quiz::results))
        .route(
            "/console/quiz/{id}/edit",
            get(quiz_editor::edit_page).post(quiz_editor::save),
        )
        .route("/console/usage.csv", get(usage::export))
        .route("/console/kiosks/token", post(kiosks::create_token))
        .route("/console/kiosks/{id}/revoke", post(kiosks::revoke))
        .route("/console/kiosks/{id}", get(remote::kiosk))
        .route("/console/kiosks/{id}/commands", post(remote::send))
        .route(
            "/console/kiosks/{id}/commands/{command}/screenshot.png",
            get(remote::screenshot),
        )
        .route(hours::HERE, get(hours::page).post(hours::save))
        .route("/console/hours/clear", post(hours::clear))
        .route(
            branch_page::HERE,
            get(branch_page::page).post(branch_page::save),
        )
        .route(branch_page::PHOTO, post(branch_page::add_photo))
        .route(branch_page::PHOTO_REMOVE, post(branch_page::remove_photo))
        .route(competitions::HERE, get(competitions::list))
        .route(
            competitions::NEW,
            get(competitions::new_page).post(competitions::create),
        )
        .route("/console/competitions/{id}", get(competitions::page))
        .route(
            "/console/competitions/{id}/edit",
            get(competitions::edit_page).post(competitions::edit),
        )
        .route(
            "/console/competitions/{id}/scores",
            post(competitions::save_scores),
        )
        .route(
            "/console/competitions/{id}/import",
            post(competitions::import_csv),
        )
        .route("/console/polls", get(polls::list).post(polls::create))
        .route("/console/polls/{id}", get(polls::results))
        .route("/console/polls/{id}/results", post(polls::show_results))
        .route("/console/polls/{id}/close", post(polls::close))
        .route("/console/polls/{id}/tallies.csv", get(polls::export))
        .route("/console/orgs", get(orgs::orgs).post(orgs::create_org))
        .route("/console/orgs/{id}", get(orgs::manage::org))
        .route("/console/orgs/{id}/rename", post(orgs::manage::rename))
        .route("/console/orgs/{id}/move", post(orgs::manage::move_org))
        .route("/console/orgs/{id}/disable", post(orgs::manage::disable))
        .route("/console/orgs/{id}/enable", post(orgs::manage::enable))
        .route("/console/tasks", get(tasks::list).post(tasks::send))
        .route("/console/tasks/{id}", get(tasks::one))
        .route("/console/tasks/{id}/ack", post(tasks::acknowledge))
        .route("/console/tasks/{id}/done", post(tasks::done))
        .route("/console/users", post(orgs::create_user))
        .route(
            "/console/users/{id}",
            get(accounts::user).post(accounts::edit),
        )
        .route("/console/users/{id}/disable", post(accounts::disable))
        .route("/console/users/{id}/enable", post(accounts::enable))
        .route("/console/users/{id}/sessions", post(accounts::end_sessions))
        .route("/console/users/{id}/roles", post(accounts::set_roles))
        .route(
            "/console/users/{id}/password",
            post(accounts::reset_password),
        )
        .route(
            "/console/account",
            get(accounts::account).post(accounts::change_password),
        )
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
