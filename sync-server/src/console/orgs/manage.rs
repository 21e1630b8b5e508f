//! One org's page: rename it, move it under another parent (with its sub-orgs, kiosks and
//! content), disable or enable it. The checks are the domain's (`orgs::manage`): an org outside
//! the administrator's subtree is refused with a page; a move under the org itself or below it,
//! or a name a sibling has, goes back with the reason.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::html;
use protocol::OrgId;
use serde::Deserialize;

use super::super::page::{
    Notice, Page, app_error, back, back_with, flash, layout, ok, org_options,
};
use super::super::session::{Admin, CsrfForm, NoFields, Session};
use super::super::tr;
use crate::error::AppError;
use crate::orgs::manage;
use crate::state::AppState;

fn here(id: i64) -> String {
    format!("/console/orgs/{id}")
}

/// Out-of-reach orgs are refused with a page; other refusals go back with a notice.
fn refused(s: &Session, id: i64, e: AppError) -> axum::response::Response {
    if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN {
        app_error(s.lang, e)
    } else {
        back_with(&here(id), e)
    }
}

pub async fn org(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let tree = org_options(&state, &s).await?;
    let Some(org) = tree.iter().find(|o| o.id.0 == id) else {
        return Err(app_error(l, AppError::not_found(&format!("单位 {id}"))));
    };
    let own = org.id == s.info.org_id;
    // A parent it may move under: in the subtree, not the org itself or below it.
    let below: Vec<OrgId> = {
        let at = tree.iter().position(|o| o.id == org.id).unwrap_or(0);
        tree[at..]
            .iter()
            .enumerate()
            .take_while(|(i, o)| *i == 0 || o.depth > org.depth)
            .map(|(_, o)| o.id)
            .collect()
    };
    let parents: Vec<_> = tree.iter().filter(|o| !below.contains(&o.id)).collect();
    let parent_name = org
        .parent_id
        .and_then(|p| tree.iter().find(|o| o.id == p))
        .map(|o| o.name.clone());
    ok(layout(
        &s,
        &format!("{}：{}", tr(l, "单位", "Org"), org.name),
        super::HERE,
        html! {
            (flash(&q))
            p {
                @if let Some(p) = &parent_name { (tr(l, "上级单位：", "Parent: ")) (p) " · " }
                @if org.disabled { span.pill.bad { (tr(l, "已停用", "Disabled")) } }
                @else { span.pill.good { (tr(l, "使用中", "Active")) } }
            }
            div.split {
                form.card method="post" action=(format!("{}/rename", here(id))) {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    label { (tr(l, "新名称", "New name")) input name="name" required maxlength="60" value=(org.name); }
                    button type="submit" { (tr(l, "改名", "Rename")) }
                    p.hint { (tr(l, "本单位及下级单位的终端会在下一次同步后显示新名称。", "Kiosks here and below show the new name after their next sync.")) }
                }
                @if org.parent_id.is_some() && !own {
                    form.card method="post" action=(format!("{}/move", here(id))) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        label { (tr(l, "移到新的上级单位之下", "Move under a new parent"))
                            select name="parent" {
                                @for o in &parents {
                                    option value=(o.id.0) selected[Some(o.id) == org.parent_id] { (("　".repeat(o.depth as usize))) (o.name) }
                                }
                            }
                        }
                        button type="submit" { (tr(l, "移动", "Move")) }
                        p.hint { (tr(l, "下级单位、终端和已发布的内容随之移动；终端会重新同步新上级的内容。", "Its sub-orgs, kiosks and content move with it; its kiosks sync again for the new parent's content.")) }
                    }
                }
            }
            @if !own {
                div.card {
                    @if org.disabled {
                        form.inline method="post" action=(format!("{}/enable", here(id))) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button type="submit" { (tr(l, "启用单位", "Enable org")) }
                        }
                        p.hint { (tr(l, "启用后，终端恢复更新，工作人员可以重新登录。", "Once enabled, its kiosks update again and its staff can sign in.")) }
                    } @else {
                        form.inline method="post" action=(format!("{}/disable", here(id))) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button.danger type="submit" { (tr(l, "停用单位", "Disable org")) }
                        }
                        p.hint { (tr(l, "停用后，本单位及下级单位的终端暂停更新（现有内容照常显示），工作人员立即下线且不能登录；什么都不会删除，随时可以重新启用。", "Disabled, the kiosks here and below stop receiving content (what they show stays), and its staff are signed out and cannot sign in; nothing is deleted, and it can be enabled again at any time.")) }
                    }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RenameForm>,
) -> Page {
    manage::rename(&state, s.actor.clone(), OrgId(id), f.name)
        .await
        .map_err(|e| refused(&s, id, e))?;
    Ok(back(&here(id), tr(s.lang, "已改名。", "Renamed.")))
}

#[derive(Deserialize)]
pub struct MoveForm {
    parent: i64,
}

pub async fn move_org(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> Page {
    match manage::move_under(&state, s.actor.clone(), OrgId(id), OrgId(f.parent)).await {
        Ok(()) => Ok(back(
            &here(id),
            tr(
                s.lang,
                "已移动；它的终端正在重新同步。",
                "Moved; its kiosks are syncing again.",
            ),
        )),
        Err(e) => Err(refused(&s, id, e)),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    manage::set_disabled(&state, s.actor.clone(), OrgId(id), true)
        .await
        .map_err(|e| refused(&s, id, e))?;
    Ok(back(
        &here(id),
        tr(
            s.lang,
            "已停用：终端暂停更新，工作人员已下线。",
            "Disabled: its kiosks stopped updating and its staff were signed out.",
        ),
    ))
}

pub async fn enable(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    manage::set_disabled(&state, s.actor.clone(), OrgId(id), false)
        .await
        .map_err(|e| refused(&s, id, e))?;
    Ok(back(&here(id), tr(s.lang, "已启用。", "Enabled.")))
}
