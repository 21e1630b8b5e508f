//! The audit log page: who read or exported employees' answers, newest first, and below it
//! administration (orgs and accounts changed: `staff::admin_log`). Only the top org's staff see
//! it; anyone else gets the domain's refusal as a 403 page.

use axum::extract::{Query, State};
use maud::html;
use protocol::staff::AuditAction;
use serde::Deserialize;

use super::page::{Page, app_error, layout, ok, when};
use super::session::Admin;
use super::{Lang, tr};
use crate::state::AppState;
use crate::workflow::audit;

pub const HERE: &str = "/console/audit";

/// Receipts shown per line; the rest are counted.
const SHOWN: usize = 10;

#[derive(Deserialize)]
pub struct Older {
    before: Option<i64>,
    admin_before: Option<i64>,
}

fn action_name(l: Lang, a: AuditAction) -> &'static str {
    match a {
        AuditAction::View => tr(l, "查看", "Viewed"),
        AuditAction::Export => tr(l, "导出", "Exported"),
        AuditAction::Change => tr(l, "办理", "Acted on"),
        AuditAction::Erase => tr(l, "到期删除", "Erased (retention)"),
        AuditAction::Screenshot => tr(l, "终端截图", "Kiosk screenshot"),
        AuditAction::Assign => tr(l, "分派事项", "Assigned a case"),
        AuditAction::Escalate => tr(l, "超期升级", "Escalated (overdue)"),
    }
}

pub async fn audit_log(State(state): State<AppState>, s: Admin, Query(q): Query<Older>) -> Page {
    let l = s.lang;
    let entries = audit::list(&state, s.actor.clone(), q.before, 100)
        .await
        .map_err(|e| app_error(l, e))?;
    let older = entries.last().map(|e| format!("{HERE}?before={}", e.id));
    let admin = crate::staff::admin_log::list(&state, s.actor.clone(), q.admin_before, 100)
        .await
        .map_err(|e| app_error(l, e))?;
    let admin_older = admin
        .last()
        .map(|e| format!("{HERE}?admin_before={}#admin", e.id));
    ok(layout(
        &s,
        tr(l, "审计日志", "Audit log"),
        HERE,
        html! {
            p.hint { (tr(l, "每一次查看、导出、办理员工提交的内容，到期删除，以及对终端屏幕的截图，都记录在这里。", "Every time staff view, export or act on what employees submitted, every erasure at the end of the retention period, and every screenshot taken of a kiosk's screen.")) }
            table {
                thead { tr { th { (tr(l, "时间", "When")) } th { (tr(l, "人员", "Who")) } th { (tr(l, "操作", "Action")) } th { (tr(l, "回执编号", "Receipts")) } } }
                tbody { @for e in &entries { tr {
                    td { (when(e.at)) } td { (e.staff_name) } td { (action_name(l, e.action)) }
                    td {
                        @if let Some(k) = &e.kiosk_id { (tr(l, "终端 ", "Kiosk ")) (k.0) " " }
                        (e.receipts.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("、"))
                        @if e.receipts.len() > SHOWN {
                            " " (format!("{} {}", tr(l, "…共", "… in all"), e.receipts.len()))
                        }
                    }
                } } }
            }
            @if entries.is_empty() { p.hint { (tr(l, "还没有记录。", "Nothing yet.")) } }
            @if let Some(href) = older { @if entries.len() == 100 { p { a href=(href) { (tr(l, "更早的记录", "Older")) } } } }
            h2 id="admin" { (tr(l, "管理操作", "Administration")) }
            p.hint { (tr(l, "单位和用户的每一次变更：新建、改名、移动、停用、启用、修改角色、重置密码、强制下线。", "Every change to orgs and users: added, renamed, moved, disabled, enabled, roles changed, password reset, sessions ended.")) }
            table.admin-log {
                thead { tr { th { (tr(l, "时间", "When")) } th { (tr(l, "人员", "Who")) } th { (tr(l, "操作", "Action")) } th { (tr(l, "对象", "On")) } th { (tr(l, "内容", "Detail")) } } }
                tbody { @for e in &admin { tr {
                    td { (when(e.at)) } td { (e.staff_name) }
                    td { @if let Some(a) = e.action { (tr(l, a.labels().0, a.labels().1)) } }
                    td { (e.target) } td { (e.detail) }
                } } }
            }
            @if admin.is_empty() { p.hint { (tr(l, "还没有记录。", "Nothing yet.")) } }
            @if let Some(href) = admin_older { @if admin.len() == 100 { p { a href=(href) { (tr(l, "更早的记录", "Older")) } } } }
        },
    ))
}
