//! The console's own files (stylesheet, script) and media shown in its pages.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::MediaHash;

use super::page::{Page, app_error, error_page};
use super::session::Viewer;
use super::tr;
use crate::media;
use crate::state::AppState;

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

/// The news editor's toolbar, formatted view and paste from Word (`editor.js`).
pub async fn editor_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("editor.js"),
    )
        .into_response()
}

pub async fn media(State(state): State<AppState>, s: Viewer, Path(hash): Path<String>) -> Page {
    let no_such_image = || {
        error_page(
            s.lang,
            StatusCode::NOT_FOUND,
            tr(s.lang, "没有这张图片。", "No such image."),
        )
    };
    let hash: MediaHash = hash.parse().map_err(|_| no_such_image())?;
    let (file, mime) = media::locate(&state, hash)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let bytes = state.media.read(&file).await.map_err(|_| no_such_image())?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}
