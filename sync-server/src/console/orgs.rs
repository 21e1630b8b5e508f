//! Orgs and users: the tree, the accounts in it and their roles, and adding both; one org's
//! page (rename, move, disable) is [`manage`], one account's is `accounts::user`.

pub mod manage;

use axum::extract::{Query, State};
use maud::{Markup, html};
use protocol::OrgId;
use protocol::staff::{NewStaff, Role};
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, flash, layout, ok, org_options, org_select};
use super::session::{Admin, CsrfForm};
use super::{Lang, tr};
use crate::staff::roles::Roles;
use crate::state::AppState;
use crate::{orgs, staff};

const HERE: &str = "/console/orgs";

pub async fn orgs(State(state): State<AppState>, s: Admin, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let tree = org_options(&state, &s).await?;
    let users = staff::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let name_of = |id: OrgId| {
        tree.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    ok(layout(
        &s,
        tr(l, "单位与用户", "Orgs & users"),
        HERE,
        html! {
            (flash(&q))
            div.split.people {
                div {
                    h2 { (tr(l, "单位", "Orgs")) }
                    ul.tree { @for o in &tree { li {
                        (("　".repeat(o.depth as usize)))
                        a href=(format!("{HERE}/{}", o.id.0)) { (o.name) }
                        @if o.disabled { " " span.pill.bad { (tr(l, "已停用", "Disabled")) } }
                    } } }
                    form.card method="post" action="/console/orgs" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        label { (tr(l, "上级单位", "Parent")) (org_select(&tree, "parent")) }
                        label { (tr(l, "名称", "Name")) input name="name" required maxlength="60"; }
                        button type="submit" { (tr(l, "新建单位", "Add org")) }
                    }
                }
                div {
                    h2 { (tr(l, "用户", "Users")) }
                    table { tbody { @for u in &users { tr {
                        td { a href=(format!("/console/users/{}", u.info.id)) { (u.info.username) } } td { (u.info.display_name) } td { (name_of(u.info.org_id)) }
                        td {
                            @if u.disabled { span.pill.bad { (tr(l, "已停用", "Disabled")) } }
                            @if u.must_change_password { " " span.pill.warn { (tr(l, "待改密码", "Must change password")) } }
                        }
                        td.roles {
                            @if u.info.id == s.info.id {
                                (role_names(l, &u.info.roles))
                            } @else {
                                form.inline method="post" action=(format!("/console/users/{}/roles", u.info.id)) {
                                    input type="hidden" name="_csrf" value=(s.csrf);
                                    (role_boxes(l, &u.info.roles))
                                    button type="submit" { (tr(l, "保存角色", "Save roles")) }
                                }
                            }
                        }
                        td { @if u.info.id != s.info.id {
                            @let id = u.info.id;
                            @if u.disabled {
                                form.inline method="post" action=(format!("/console/users/{id}/enable")) {
                                    input type="hidden" name="_csrf" value=(s.csrf);
                                    button type="submit" { (tr(l, "启用", "Enable")) }
                                }
                            } @else {
                                form.inline method="post" action=(format!("/console/users/{id}/disable")) {
                                    input type="hidden" name="_csrf" value=(s.csrf);
                                    button type="submit" { (tr(l, "停用", "Disable")) }
                                }
                            }
                            form.inline method="post" action=(format!("/console/users/{id}/sessions")) {
                                input type="hidden" name="_csrf" value=(s.csrf);
                                button type="submit" { (tr(l, "强制下线", "End sessions")) }
                            }
                            form.inline method="post" action=(format!("/console/users/{id}/password")) {
                                input type="hidden" name="_csrf" value=(s.csrf);
                                button type="submit" { (tr(l, "重置密码", "Reset password")) }
                            }
                        } }
                    } } } }
                    form.card method="post" action="/console/users" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        label { (tr(l, "用户名", "Username")) input name="username" required; }
                        label { (tr(l, "姓名", "Display name")) input name="display_name"; }
                        label { (tr(l, "初始密码（至少 10 位）", "Initial password (10+ characters)")) input name="password" type="password" required minlength="10" autocomplete="new-password"; }
                        label { (tr(l, "所属单位", "Org")) (org_select(&tree, "org")) }
                        fieldset.roles {
                            legend { (tr(l, "角色（可多选）", "Roles (any number)")) }
                            (role_boxes(l, &[Role::Viewer]))
                        }
                        button type="submit" { (tr(l, "新建用户", "Add user")) }
                    }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct OrgForm {
    parent: i64,
    name: String,
}

pub async fn create_org(
    State(state): State<AppState>,
    s: Admin,
    CsrfForm(f): CsrfForm<OrgForm>,
) -> Page {
    orgs::create(&state, s.actor.clone(), OrgId(f.parent), f.name)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(back(HERE, tr(s.lang, "已新建单位。", "Org added.")))
}

/// One checkbox per role, those in `checked` ticked; read back by [`RoleBoxes`].
pub fn role_boxes(l: Lang, checked: &[Role]) -> Markup {
    html! {
        @for r in Role::ALL {
            label.role {
                input type="checkbox" name=(format!("role_{}", r.as_str())) value="on" checked[checked.contains(&r)];
                (role_name(l, r))
            }
        }
    }
}

pub fn role_name(l: Lang, r: Role) -> &'static str {
    match l {
        Lang::Zh => r.label_zh(),
        Lang::En => r.label_en(),
    }
}

fn role_names(l: Lang, roles: &[Role]) -> String {
    if roles.is_empty() {
        return tr(l, "无角色", "No roles").to_owned();
    }
    roles
        .iter()
        .map(|r| role_name(l, *r))
        .collect::<Vec<_>>()
        .join(tr(l, "、", ", "))
}

/// The ticked boxes of [`role_boxes`].
#[derive(Deserialize)]
pub struct RoleBoxes {
    role_admin: Option<String>,
    role_publisher: Option<String>,
    role_case_handler: Option<String>,
    role_viewer: Option<String>,
}

impl RoleBoxes {
    pub fn roles(&self) -> Roles {
        let ticked = [
            (Role::Admin, &self.role_admin),
            (Role::Publisher, &self.role_publisher),
            (Role::CaseHandler, &self.role_case_handler),
            (Role::Viewer, &self.role_viewer),
        ];
        Roles::of(
            &ticked
                .into_iter()
                .filter(|(_, v)| v.is_some())
                .map(|(r, _)| r)
                .collect::<Vec<_>>(),
        )
    }
}

#[derive(Deserialize)]
pub struct UserForm {
    username: String,
    display_name: String,
    password: String,
    org: i64,
    role_admin: Option<String>,
    role_publisher: Option<String>,
    role_case_handler: Option<String>,
    role_viewer: Option<String>,
}

pub async fn create_user(
    State(state): State<AppState>,
    s: Admin,
    CsrfForm(f): CsrfForm<UserForm>,
) -> Page {
    let roles = RoleBoxes {
        role_admin: f.role_admin,
        role_publisher: f.role_publisher,
        role_case_handler: f.role_case_handler,
        role_viewer: f.role_viewer,
    }
    .roles();
    staff::create(
        &state,
        s.actor.clone(),
        NewStaff {
            username: f.username,
            password: f.password,
            display_name: f.display_name,
            org_id: OrgId(f.org),
            roles: Some(roles.list()),
        },
    )
    .await
    .map_err(|e| app_error(s.lang, e))?;
    Ok(back(HERE, tr(s.lang, "已新建用户。", "User added.")))
}
