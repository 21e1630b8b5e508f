//! Roles within an org: what an account may do within its org subtree.
//!
//! The org-scope check (`orgs::Actor`) says *where* a staff member acts; a role says *what* they
//! may do there. An account holds any set of [`Role`]s. Every staff route names one [`Gate`]
//! in its handler's signature — the API's `extract::Authed<G>`, the console's
//! `session::Can<G>` — and the request is refused with `403 role_required` before the handler
//! runs unless the account holds one of the gate's roles. Neither extractor exists without a
//! gate, so a handler that needs a signed-in staff member cannot be written without naming one.

use axum::http::StatusCode;
use protocol::ErrorCode;
use protocol::staff::Role;

use crate::error::{AppError, AppResult};

/// A set of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles(u8);

fn bit(role: Role) -> u8 {
    match role {
        Role::Admin => 1,
        Role::Publisher => 2,
        Role::CaseHandler => 4,
        Role::Viewer => 8,
    }
}

impl Roles {
    pub const NONE: Roles = Roles(0);
    pub const ALL: Roles = Roles(15);

    pub fn of(roles: &[Role]) -> Roles {
        Roles(roles.iter().fold(0, |acc, r| acc | bit(*r)))
    }

    pub fn has(self, role: Role) -> bool {
        self.0 & bit(role) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Every role of `self` is in `other`.
    pub fn within(self, other: Roles) -> bool {
        self.0 & !other.0 == 0
    }

    /// The roles one of the two sets has and the other has not.
    pub fn differing(self, other: Roles) -> Roles {
        Roles(self.0 ^ other.0)
    }

    pub fn list(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| self.has(*r)).collect()
    }

    /// As the `staff.roles` column holds it: `admin,publisher,case_handler,viewer`.
    pub fn to_column(self) -> String {
        self.list()
            .into_iter()
            .map(Role::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The column read back; words it does not know (a newer server's) grant nothing.
    pub fn from_column(column: &str) -> Roles {
        let roles: Vec<Role> = column
            .split(',')
            .filter_map(|w| Role::ALL.into_iter().find(|r| r.as_str() == w.trim()))
            .collect();
        Roles::of(&roles)
    }
}

/// Which roles open a route: any one of [`Gate::ANY_OF`]; none listed means any signed-in
/// account, with or without roles (its own account: `me`, sign-out, its password).
pub trait Gate: Send + Sync + 'static {
    const ANY_OF: &'static [Role];
}

/// The gates every staff route names.
pub mod gate {
    use super::{Gate, Role};

    /// Orgs, accounts and roles, the fleet's enrollment, revocation and remote commands, the
    /// audit log.
    pub enum Admin {}
    /// Content of every kind, media.
    pub enum Publish {}
    /// Submissions: the inbox, one case, answering, exporting.
    pub enum Cases {}
    /// Reading what is not personal: the dashboard, the org tree, content, the fleet. Every role.
    pub enum View {}
    /// Sending notices and tasks down to the orgs below: administrators and publishers.
    pub enum Tasks {}
    /// One's own account, whatever one's roles.
    pub enum Signed {}

    impl Gate for Admin {
        const ANY_OF: &'static [Role] = &[Role::Admin];
    }
    impl Gate for Publish {
        const ANY_OF: &'static [Role] = &[Role::Publisher];
    }
    impl Gate for Cases {
        const ANY_OF: &'static [Role] = &[Role::CaseHandler];
    }
    impl Gate for View {
        const ANY_OF: &'static [Role] = &Role::ALL;
    }
    impl Gate for Tasks {
        const ANY_OF: &'static [Role] = &[Role::Admin, Role::Publisher];
    }
    impl Gate for Signed {
        const ANY_OF: &'static [Role] = &[];
    }
}

/// Whether `roles` open gate `G`.
pub fn opens<G: Gate>(roles: Roles) -> bool {
    G::ANY_OF.is_empty() || G::ANY_OF.iter().any(|r| roles.has(*r))
}

/// The role check: `403 role_required`, naming the role the route needs, unless `roles` open
/// gate `G`.
pub fn require<G: Gate>(roles: Roles) -> AppResult<()> {
    if opens::<G>(roles) {
        return Ok(());
    }
    Err(AppError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::RoleRequired,
        format!(
            "您的账号没有“{}”角色，不能进行这项操作；如需要，请联系本单位的管理员 \
             (role required: {})",
            needed_zh::<G>(),
            needed_en::<G>()
        ),
    ))
}

/// The check every staff route makes: an account whose password an administrator set opens
/// only `gate::Signed` (`403 password_change_required`) until it changes it; otherwise
/// [`require`].
pub fn require_actor<G: Gate>(actor: &crate::orgs::Actor) -> AppResult<()> {
    if actor.must_change_password() && !G::ANY_OF.is_empty() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::PasswordChangeRequired,
            "管理员为您设置了临时密码：请先修改密码 (change the temporary password first)",
        ));
    }
    require::<G>(actor.roles())
}

/// The roles a gate needs, as a staff member reads them.
pub fn needed_zh<G: Gate>() -> String {
    if G::ANY_OF.len() == Role::ALL.len() {
        return "任一".to_owned();
    }
    G::ANY_OF
        .iter()
        .map(|r| r.label_zh())
        .collect::<Vec<_>>()
        .join("”或“")
}

pub fn needed_en<G: Gate>() -> String {
    if G::ANY_OF.len() == Role::ALL.len() {
        return "any role".to_owned();
    }
    G::ANY_OF
        .iter()
        .map(|r| r.label_en())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Checks a grant: `granted` must be within the granter's own roles (nobody hands out what
/// they do not hold, so no account can raise its own authority through another).
pub fn check_grant(granter: Roles, granted: Roles) -> AppResult<()> {
    if granted.within(granter) {
        return Ok(());
    }
    let missing: Vec<&str> = granted
        .list()
        .into_iter()
        .filter(|r| !granter.has(*r))
        .map(Role::label_zh)
        .collect();
    Err(AppError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::RoleNotGrantable,
        format!("只能授予自己拥有的角色：您没有“{}”", missing.join("”“")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_the_column_and_unknown_words_grant_nothing() {
        for bits in 0..16u8 {
            let r = Roles(bits);
            assert_eq!(Roles::from_column(&r.to_column()), r);
        }
        assert_eq!(
            Roles::from_column("publisher,superuser,,viewer"),
            Roles::of(&[Role::Publisher, Role::Viewer])
        );
        assert_eq!(Roles::from_column(""), Roles::NONE);
    }

    #[test]
    fn gates_open_for_their_roles_only() {
        let publisher = Roles::of(&[Role::Publisher]);
        assert!(opens::<gate::Publish>(publisher));
        assert!(opens::<gate::View>(publisher));
        assert!(!opens::<gate::Cases>(publisher));
        assert!(!opens::<gate::Admin>(publisher));
        assert!(opens::<gate::Signed>(Roles::NONE));
        assert!(!opens::<gate::View>(Roles::NONE));
        let e = require::<gate::Cases>(publisher).expect_err("refused");
        assert_eq!(e.code, ErrorCode::RoleRequired);
        assert!(e.message.contains("事项办理") && e.message.contains("Case handler"));
    }

    #[test]
    fn nobody_grants_a_role_they_do_not_hold() {
        let admin = Roles::of(&[Role::Admin, Role::Viewer]);
        assert!(check_grant(admin, Roles::of(&[Role::Viewer])).is_ok());
        let e = check_grant(admin, Roles::of(&[Role::Publisher, Role::Viewer])).expect_err("no");
        assert_eq!(e.code, ErrorCode::RoleNotGrantable);
        assert!(e.message.contains("内容发布"));
        assert!(check_grant(Roles::ALL, Roles::ALL).is_ok());
    }
}
