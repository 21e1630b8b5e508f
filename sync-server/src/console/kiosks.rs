//! The fleet: each kiosk's health, enrollment codes (string and QR), revoking.

use axum::extract::{Path, Query, State};
use maud::{Markup, PreEscaped, html};
use protocol::staff::NewEnrollmentToken;
use protocol::workflow::Health;
use protocol::{KioskId, OrgId};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, flash, layout, ok, org_options, org_select, when,
};
use super::session::{Admin, CsrfForm, NoFields, Viewer};
use super::{Lang, tr};
use crate::kiosks;
use crate::staff::roles::gate;
use crate::state::AppState;

const HERE: &str = "/console/kiosks";

pub async fn fleet(State(state): State<AppState>, s: Viewer, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let fleet = kiosks::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let orgs = org_options(&state, &s).await?;
    // Enrolling, revoking and the remote page are an administrator's; anyone else reads.
    let admin = s.opens::<gate::Admin>();
    ok(layout(
        &s,
        tr(l, "终端", "Kiosks"),
        HERE,
        html! {
            (flash(&q))
            @if admin { form.card method="post" action="/console/kiosks/token" {
                input type="hidden" name="_csrf" value=(s.csrf);
                div.row {
                    label { (tr(l, "为哪个单位的终端登记", "Enroll a kiosk at")) (org_select(&orgs, "org")) }
                    button type="submit" { (tr(l, "生成登记码", "Create an enrollment code")) }
                }
            } }
            table {
                thead { tr {
                    th { (tr(l, "终端", "Kiosk")) } th { (tr(l, "状态", "Health")) } th { (tr(l, "最后联系", "Last seen")) }
                    th { (tr(l, "版本", "Version")) } th { (tr(l, "上次同步", "Last sync")) } th { (tr(l, "待发送", "Outbox")) } th { (tr(l, "可用磁盘", "Free disk")) } th {}
                } }
                tbody { @for k in &fleet { tr {
                    @let name = if k.name.is_empty() { k.id.0.clone() } else { k.name.clone() };
                    td { @if admin { a href=(format!("/console/kiosks/{}", super::page::urlencode(&k.id.0))) { (name) } } @else { (name) } }
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
                    td { (free_disk(l, k.heartbeat.as_ref().and_then(|h| h.free_disk_bytes))) }
                    td { @if admin && k.revoked_at.is_none() {
                        form method="post" action=(format!("/console/kiosks/{}/revoke", k.id)) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button.small.danger type="submit" data-confirm=(revoke_question(l, k.heartbeat.as_ref().map_or(0, |h| h.outbox_depth))) { (tr(l, "停用", "Revoke")) }
                        }
                    } }
                } } }
            }
        },
    ))
}

/// Below this a kiosk's disk is shown as nearly full: its media cache and its outbox need room.
const LOW_DISK_BYTES: u64 = 200 * 1024 * 1024;
/// Below this it is shown as full: new submissions and images may not be saved.
const FULL_DISK_BYTES: u64 = 16 * 1024 * 1024;

/// A kiosk's free disk from its last heartbeat, flagged when it runs low.
fn free_disk(l: Lang, bytes: Option<u64>) -> Markup {
    let Some(bytes) = bytes else {
        return html! {};
    };
    let amount = if bytes >= 1024 * 1024 * 1024 {
        format!("{:.1} GB", bytes as f64 / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{} MB", bytes / (1024 * 1024))
    };
    html! {
        (amount)
        @if bytes < FULL_DISK_BYTES {
            " " span.pill.bad { (tr(l, "磁盘已满", "Disk full")) }
        } @else if bytes < LOW_DISK_BYTES {
            " " span.pill.warn { (tr(l, "磁盘将满", "Disk low")) }
        }
    }
}

/// The question before revoking: a kiosk's undelivered submissions can never be sent once its
/// credentials are refused, so staff are told how many its last heartbeat reported.
fn revoke_question(l: Lang, outbox: u64) -> String {
    if outbox == 0 {
        return tr(
            l,
            "停用后这台终端将无法同步，确定吗？",
            "The kiosk will stop syncing. Revoke it?",
        )
        .to_owned();
    }
    match l {
        Lang::Zh => format!(
            "这台终端还有 {outbox} 份职工提交尚未送达；停用后它们将无法再发送，只能在终端上查看。确定停用吗？"
        ),
        Lang::En => format!(
            "This kiosk still holds {outbox} employee submissions not yet delivered; once revoked they can never be sent and stay on the kiosk only. Revoke it?"
        ),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    org: i64,
}

pub async fn create_token(
    State(state): State<AppState>,
    s: Admin,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> Page {
    let l = s.lang;
    let created = kiosks::create_token(
        &state,
        s.actor.clone(),
        NewEnrollmentToken {
            org_id: OrgId(f.org),
            valid_minutes: None,
        },
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
        HERE,
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
    s: Admin,
    Path(id): Path<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    kiosks::revoke(&state, s.actor.clone(), KioskId(id))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(back(HERE, tr(s.lang, "终端已停用。", "Kiosk revoked.")))
}
