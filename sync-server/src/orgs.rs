//! The org hierarchy (province → city → branch, any depth) and who may act where; renaming,
//! moving and disabling an org are in [`manage`].

pub mod manage;

use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::staff::roles::Roles;
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use protocol::staff::Org;
use protocol::{ErrorCode, OrgId, OrgSummary};

/// Who is doing something: a signed-in staff member, bound to their org subtree and their roles
/// (`staff::roles`), or the server operator at the command line, who may do anything.
#[derive(Debug, Clone)]
pub enum Actor {
    Operator,
    Staff {
        id: i64,
        org: OrgId,
        org_path: String,
        roles: Roles,
        /// An administrator set the password: until it is changed, only the account itself
        /// (`gate::Signed`) may be used.
        must_change: bool,
    },
}

impl Actor {
    /// What the actor may do: a staff member's roles; the operator holds them all.
    pub fn roles(&self) -> Roles {
        match self {
            Actor::Operator => Roles::ALL,
            Actor::Staff { roles, .. } => *roles,
        }
    }

    /// The account must change the password an administrator set before anything else.
    pub fn must_change_password(&self) -> bool {
        matches!(
            self,
            Actor::Staff {
                must_change: true,
                ..
            }
        )
    }

    pub fn staff_id(&self) -> Option<i64> {
        match self {
            Actor::Operator => None,
            Actor::Staff { id, .. } => Some(*id),
        }
    }

    /// Staff act on their own org and everything below it, never above or beside.
    pub fn check_org(&self, tx: &Tx<'_>, target: OrgId) -> AppResult<()> {
        let Actor::Staff { org_path, .. } = self else {
            return Ok(());
        };
        let target_path = path_of(tx, target)?;
        if target_path.starts_with(org_path.as_str()) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "单位 {target} 不在您的管辖范围内：您只能管理本单位及下级单位"
            )))
        }
    }

    /// SQL condition restricting `org_col` to this actor's subtree, and the value to bind as
    /// `?1`. The operator's subtree is everything: every path starts with `/`.
    pub fn subtree_filter(&self, org_col: &str) -> (String, String) {
        let path = match self {
            Actor::Operator => "/".to_owned(),
            Actor::Staff { org_path, .. } => org_path.clone(),
        };
        (
            format!("{org_col} IN (SELECT id FROM orgs WHERE substr(path, 1, length(?1)) = ?1)"),
            path,
        )
    }
}

/// The stored path of an org, `/1/4/9/`.
pub fn path_of(tx: &Tx<'_>, id: OrgId) -> AppResult<String> {
    tx.query_row("SELECT path FROM orgs WHERE id = ?1", [id.0], |r| r.get(0))
        .optional()?
        .ok_or_else(|| AppError::not_found(&format!("单位 {id}")))
}

/// Ids from the root down to `path`'s own org.
pub fn ids_in_path(path: &str) -> Vec<OrgId> {
    path.split('/')
        .filter_map(|s| s.parse().ok())
        .map(OrgId)
        .collect()
}

/// Adds an org under `parent`, which must be in the actor's subtree.
pub async fn create(state: &AppState, actor: Actor, parent: OrgId, name: String) -> AppResult<Org> {
    state
        .db
        .write(move |tx| {
            actor.check_org(tx, parent)?;
            let org = create_in(tx, Some(parent), &name)?;
            crate::staff::admin_log::record(
                tx,
                &actor,
                crate::staff::admin_log::AdminAction::OrgCreated,
                crate::staff::admin_log::Target::Org(org.id),
                &org.name,
            )?;
            Ok(org)
        })
        .await
}

/// An org name as stored: trimmed, not empty, at most 60 characters.
pub fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::bad_request(
            ErrorCode::InvalidName,
            "单位名称不能为空，且不超过 60 个字",
        ));
    }
    Ok(name.to_owned())
}

/// Adds an org inside a write transaction; `None` makes the root, which must not exist yet.
pub fn create_in(tx: &Tx<'_>, parent: Option<OrgId>, name: &str) -> AppResult<Org> {
    let name = check_name(name)?;
    let name = name.as_str();
    let (parent_path, depth) = match parent {
        Some(p) => {
            let path = path_of(tx, p)?;
            let depth = ids_in_path(&path).len() as u32;
            (path, depth)
        }
        None => {
            let roots: i64 = tx.query_row(
                "SELECT count(*) FROM orgs WHERE parent_id IS NULL",
                [],
                |r| r.get(0),
            )?;
            if roots > 0 {
                return Err(AppError::conflict(
                    ErrorCode::RootExists,
                    "已经有顶级单位了；新单位必须指定上级单位",
                ));
            }
            ("/".to_owned(), 0)
        }
    };
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM orgs WHERE coalesce(parent_id, 0) = ?1 AND name = ?2)",
        params![parent.map_or(0, |p| p.0), name],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AppError::conflict(
            ErrorCode::NameTaken,
            format!("同一上级下已有名为“{name}”的单位"),
        ));
    }
    let id = OrgId(tx.query_row(
        "INSERT INTO orgs (parent_id, name, path, created_at) VALUES (?1, ?2, '', ?3) RETURNING id",
        params![parent.map(|p| p.0), name, now_ms()],
        |r| r.get(0),
    )?);
    let path = format!("{parent_path}{id}/");
    tx.execute(
        "UPDATE orgs SET path = ?1 WHERE id = ?2",
        params![path, id.0],
    )?;
    Ok(Org {
        id,
        parent_id: parent,
        name: name.to_owned(),
        depth,
        disabled: false,
    })
}

/// The actor's subtree (everything for the operator), parents before children.
pub async fn list(state: &AppState, actor: Actor) -> AppResult<Vec<Org>> {
    state
        .db
        .read(move |tx| {
            let (cond, param) = actor.subtree_filter("id");
            let sql = format!(
                "SELECT id, parent_id, name, path, {} FROM orgs WHERE {cond} ORDER BY path",
                manage::disabled_cond("orgs.path")
            );
            let mut stmt = tx.prepare(&sql)?;
            let map = |r: &crate::store::Row<'_>| {
                let path: String = r.get(3)?;
                Ok(Org {
                    id: OrgId(r.get(0)?),
                    parent_id: r.get::<_, Option<i64>>(1)?.map(OrgId),
                    name: r.get(2)?,
                    depth: ids_in_path(&path).len().saturating_sub(1) as u32,
                    disabled: r.get(4)?,
                })
            };
            let rows = stmt
                .query_map([param], map)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}

/// The org with the names of its ancestors, for kiosks' status bars.
pub fn summary(tx: &Tx<'_>, id: OrgId) -> AppResult<OrgSummary> {
    let path = path_of(tx, id)?;
    let ids = ids_in_path(&path);
    let mut names = Vec::new();
    for ancestor in &ids {
        let name: String =
            tx.query_row("SELECT name FROM orgs WHERE id = ?1", [ancestor.0], |r| {
                r.get(0)
            })?;
        names.push(name);
    }
    let name = names.last().cloned().unwrap_or_default();
    Ok(OrgSummary {
        id,
        name,
        path: names,
        ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parsing() {
        assert_eq!(ids_in_path("/1/4/9/"), vec![OrgId(1), OrgId(4), OrgId(9)]);
        assert_eq!(ids_in_path("/"), Vec::<OrgId>::new());
    }
}
