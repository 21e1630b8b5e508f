//! One kiosk's page: its health, and remote care (take a screenshot, sync now, restart, its
//! `doctor` report and recent log lines) with the status and result of each command.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::KioskId;
use protocol::command::{CommandKind, CommandStatus};
use protocol::workflow::Health;
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, back_with, flash, layout, when};
use super::session::{Admin, CsrfForm};
use super::{Lang, tr};
use crate::commands::{self, CommandRecord};
use crate::error::AppError;
use crate::state::AppState;

fn here(id: &str) -> String {
    format!("/console/kiosks/{}", super::page::urlencode(id))
}

fn kind_name(l: Lang, k: CommandKind) -> &'static str {
    match k {
        CommandKind::Screenshot => tr(l, "截图", "Screenshot"),
        CommandKind::SyncNow => tr(l, "立即同步", "Sync now"),
        CommandKind::Restart => tr(l, "重启程序", "Restart the app"),
        CommandKind::Doctor => tr(l, "自检报告", "Doctor report"),
        CommandKind::Logs => tr(l, "最近日志", "Recent log lines"),
    }
}

fn status_pill(l: Lang, s: CommandStatus) -> Markup {
    html! {
        @match s {
            CommandStatus::Pending => span.pill.warn { (tr(l, "等待终端连接", "Waiting for the kiosk")) },
            CommandStatus::Delivered => span.pill.warn { (tr(l, "已送达，处理中", "Delivered, working")) },
            CommandStatus::Done => span.pill.good { (tr(l, "完成", "Done")) },
            CommandStatus::Failed => span.pill.bad { (tr(l, "失败", "Failed")) },
            CommandStatus::Expired => span.pill.bad { (tr(l, "已过期（终端未应答）", "Expired (no answer)")) },
        }
    }
}

fn result(l: Lang, kiosk: &str, c: &CommandRecord) -> Markup {
    html! {
        @if c.has_screenshot {
            a href=(format!("{}/commands/{}/screenshot.png", here(kiosk), c.id)) {
                img.screenshot src=(format!("{}/commands/{}/screenshot.png", here(kiosk), c.id))
                    alt=(tr(l, "终端屏幕截图", "Screenshot of the kiosk's screen"));
            }
        } @else if c.kind == CommandKind::Screenshot && c.status == CommandStatus::Done {
            p.hint { (tr(l, "截图已超过保留期限，已删除。", "The screenshot was past its keeping period and was removed.")) }
        }
        @if let Some(text) = &c.text { pre.report { (text) } }
    }
}

pub async fn kiosk(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let kiosk = crate::kiosks::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?
        .into_iter()
        .find(|k| k.id.0 == id)
        .ok_or_else(|| app_error(l, AppError::not_found(&format!("终端 {id}"))))?;
    let list = commands::list(&state, s.actor.clone(), kiosk.id.clone(), commands::LISTED)
        .await
        .map_err(|e| app_error(l, e))?;
    let waiting = list.iter().any(|c| c.status.is_open());
    let name = if kiosk.name.is_empty() {
        kiosk.id.0.clone()
    } else {
        kiosk.name.clone()
    };
    let page = layout(
        &s,
        &name,
        "/console/kiosks",
        html! {
            (flash(&q))
            p { a href="/console/kiosks" { (tr(l, "← 返回终端列表", "← Back to the fleet")) } }
            div.card.care {
                p { (tr(l, "终端编号：", "Kiosk id: ")) code { (kiosk.id.0) } }
                p { (tr(l, "状态：", "Health: "))
                    @if kiosk.revoked_at.is_some() { span.pill { (tr(l, "已停用", "Revoked")) } } @else {
                        @match kiosk.health {
                            Health::Online => span.pill.good { (tr(l, "在线", "Online")) },
                            Health::Stale => span.pill.warn { (tr(l, "内容滞后", "Stale")) },
                            Health::Offline => span.pill.bad { (tr(l, "离线", "Offline")) },
                        }
                    }
                    " · " (tr(l, "版本：", "Version: ")) (kiosk.version) " · "
                    (tr(l, "最后联系：", "Last seen: ")) (kiosk.last_seen_at.map(when).unwrap_or_default()) }
                @if kiosk.revoked_at.is_some() {
                    p.error { (tr(l, "这台终端已停用，不会再接收指令。", "This kiosk is revoked; it takes no more commands.")) }
                } @else {
                    h2 { (tr(l, "远程维护", "Remote care")) }
                    p.hint { (tr(l, "指令通过终端的实时连接送达；终端离线时会在它重新连上后送达，10 分钟内未应答即过期。截图不会拍下正在填写的表单、办理进度查询或管理界面，终端会改传一张说明图。",
                        "Commands travel over the kiosk's live connection; an offline kiosk gets them when it reconnects, and a command not answered within 10 minutes expires. A screenshot never captures a form being filled, a status check or the admin panel: the kiosk sends a placeholder image instead.")) }
                    div.row {
                        @for kind in CommandKind::ALL {
                            form method="post" action=(format!("{}/commands", here(&kiosk.id.0))) {
                                input type="hidden" name="_csrf" value=(s.csrf);
                                input type="hidden" name="kind" value=(kind.as_str());
                                @if kind == CommandKind::Restart {
                                    button.small.danger type="submit" data-confirm=(tr(l, "终端程序将重启，正在使用的人会回到首页。确定吗？", "The app restarts; anyone using it goes back to the home screen. Restart?")) { (kind_name(l, kind)) }
                                } @else {
                                    button.small type="submit" { (kind_name(l, kind)) }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (tr(l, "指令记录", "Commands")) }
            @if list.is_empty() { p.hint { (tr(l, "还没有发过指令。", "No commands yet.")) } }
            @for c in &list {
                div.card.command {
                    p {
                        strong { (kind_name(l, c.kind)) } " " (status_pill(l, c.status)) " "
                        span.hint { (when(c.requested_at)) " · " (c.requested_by)
                            @if let Some(t) = c.finished_at { " · " (tr(l, "结束于 ", "finished ")) (when(t)) } }
                    }
                    (result(l, &kiosk.id.0, c))
                }
            }
        },
    );
    let mut resp = page.into_response();
    if waiting {
        // The page looks again while a command is on its way (no script needed).
        // Without the notice the redirect brought, so it is shown once.
        if let Ok(refresh) = HeaderValue::from_str(&format!("3; url={}", here(&id))) {
            resp.headers_mut().insert("refresh", refresh);
        }
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CommandForm {
    kind: String,
}

pub async fn send(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CommandForm>,
) -> Page {
    let l = s.lang;
    let to = here(&id);
    let Some(kind) = CommandKind::parse(&f.kind) else {
        return Ok(super::page::back_with_error(
            &to,
            tr(l, "没有这种指令。", "No such command."),
        ));
    };
    match commands::request(&state, s.actor.clone(), KioskId(id), kind).await {
        Ok(commands::Requested::New(_)) => Ok(back(
            &to,
            tr(
                l,
                "指令已发出，结果会显示在下面。",
                "Sent; the result appears below.",
            ),
        )),
        Ok(commands::Requested::AlreadyOpen(_)) => Ok(back(
            &to,
            tr(
                l,
                "同样的指令已在送达途中，结果会显示在下面。",
                "The same command is already on its way; the result appears below.",
            ),
        )),
        // Unknown and out-of-scope kiosks answer alike: a 404 page.
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => Err(app_error(l, e)),
        Err(e) => Ok(back_with(&to, e)),
    }
}

pub async fn screenshot(
    State(state): State<AppState>,
    s: Admin,
    Path((id, command)): Path<(String, i64)>,
) -> Page {
    let png = commands::screenshot(&state, s.actor.clone(), KioskId(id), command)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let mut resp = png.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}
