//! The dashboard: the fleet's health, submissions waiting, recent publishing.

use axum::extract::State;
use maud::html;
use protocol::ContentKind;
use protocol::workflow::Health;

use super::news::{RowActions, news_table};
use super::page::{Page, app_error, layout, ok};
use super::session::Viewer;
use super::tr;
use crate::content::{self, ListQuery};
use crate::kiosks;
use crate::staff::roles::gate;
use crate::state::AppState;
use crate::workflow::inbox::{self, Filter};

pub async fn dashboard(State(state): State<AppState>, s: Viewer) -> Page {
    let l = s.lang;
    let fleet = kiosks::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let live: Vec<_> = fleet.iter().filter(|k| k.revoked_at.is_none()).collect();
    let count = |h: Health| live.iter().filter(|k| k.health == h).count();
    // Submissions waiting: a case handler's tile only.
    let waiting = if s.opens::<gate::Cases>() {
        let list = inbox::list(
            &state,
            s.actor.clone(),
            Filter {
                status: Some("received".into()),
                limit: Some(10_000),
                ..Filter::default()
            },
        )
        .await
        .map_err(|e| app_error(l, e))?;
        Some(list.len())
    } else {
        None
    };
    let recent = content::list(
        &state,
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
                @if let Some(waiting) = waiting {
                    a.tile href="/console/submissions?status=received" { strong { (waiting) } span { (tr(l, "件待办理", "submissions waiting")) } }
                }
            }
            h2 { (tr(l, "最近发布", "Recent publishing")) }
            (news_table(l, &recent, RowActions::None))
        },
    ))
}
