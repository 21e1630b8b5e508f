//! A form's entry on the kiosks' home screen: which home layout an org's kiosks show (its own,
//! or the nearest ancestor's, as the kiosk picks it), whether that layout has a tile opening
//! the form, and adding one as a new revision of that layout (`content::edit`, so the same
//! role and org checks as any edit).

use protocol::content::{ContentBody, Tile, TileAction};
use protocol::{ContentId, OrgId};

use super::{Lang, tr};
use crate::content::{self, Edited};
use crate::error::AppResult;
use crate::orgs::{self, Actor};
use crate::state::AppState;

/// The live home layout an org's kiosks show.
#[derive(Debug, Clone)]
pub struct HomeAt {
    pub id: ContentId,
    pub org_name: String,
    /// The org's own layout, not an ancestor's.
    pub own: bool,
    /// The caller may edit it (its org is in their subtree).
    pub in_scope: bool,
    pub has_tile: bool,
}

/// The layout `org`'s kiosks show and whether it opens `form`; none when no layout is live
/// at the org or above it. `org` must be in the actor's subtree.
pub async fn at(
    state: &AppState,
    actor: Actor,
    org: OrgId,
    form: ContentId,
) -> AppResult<Option<HomeAt>> {
    state
        .db
        .read(move |tx| {
            actor.check_org(tx, org)?;
            let path = orgs::path_of(tx, org)?;
            for at in orgs::ids_in_path(&path).into_iter().rev() {
                let found: Option<(String, String, String)> = tx
                    .prepare_cached(
                        "SELECT c.id, c.body, o.name FROM content c JOIN orgs o ON o.id = c.org_id \
                         WHERE c.kind = 'home_layout' AND c.org_id = ?1 AND c.live = 1 \
                         ORDER BY c.updated_at DESC LIMIT 1",
                    )?
                    .query_row([at.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map(Some)
                    .or_else(|e| match e {
                        crate::store::Error::NoRows => Ok(None),
                        e => Err(e),
                    })?;
                if let Some((id, body, org_name)) = found {
                    let has_tile = match serde_json::from_str::<ContentBody>(&body) {
                        Ok(ContentBody::HomeLayout(h)) => h.tiles.iter().any(|t| opens(t, &form)),
                        _ => false,
                    };
                    return Ok(Some(HomeAt {
                        id: ContentId(id),
                        org_name,
                        own: at == org,
                        in_scope: actor.check_org(tx, at).is_ok(),
                        has_tile,
                    }));
                }
            }
            Ok(None)
        })
        .await
}

/// Whether the tile, or a tile of its group, opens `form`.
fn opens(t: &Tile, form: &ContentId) -> bool {
    match &t.action {
        TileAction::Form { form_id } => form_id == form,
        TileAction::Group { tiles } => tiles.iter().any(|t| opens(t, form)),
        _ => false,
    }
}

/// Adds a tile opening the form to the layout `at` (unless it has one): a new version of the
/// layout. The sentence says what was done, or why not.
pub async fn add_tile(
    state: &AppState,
    actor: Actor,
    l: Lang,
    at: &HomeAt,
    form: &ContentId,
    title: &str,
    title_en: Option<&str>,
) -> Result<String, String> {
    let refused = |e: crate::error::AppError| {
        e.log_cause();
        format!(
            "{}{}",
            tr(l, "没能加入首页入口：", "The home tile was not added: "),
            e.message
        )
    };
    let record = content::get(state, actor.clone(), at.id.clone())
        .await
        .map_err(refused)?;
    let ContentBody::HomeLayout(mut layout) = record.item.body else {
        return Err(tr(l, "首页布局不对。", "Not a home layout.").to_owned());
    };
    if layout.tiles.iter().any(|t| opens(t, form)) {
        return Ok(tr(
            l,
            "首页已有这份表单的入口。",
            "The home screen already has a tile for this form.",
        )
        .to_owned());
    }
    layout.tiles.push(Tile {
        title: title.chars().take(20).collect(),
        title_en: title_en.map(|t| t.chars().take(40).collect()),
        icon: "form".to_owned(),
        action: TileAction::Form {
            form_id: form.clone(),
        },
    });
    let saved = content::edit(
        state,
        actor,
        at.id.clone(),
        record.item.version,
        ContentBody::HomeLayout(layout),
        record.item.publish_at,
        record.item.expire_at,
    )
    .await
    .map_err(refused)?;
    match saved {
        Edited::Saved(_) | Edited::Unchanged => Ok(match l {
            Lang::Zh => format!("已在「{}」的首页加入这份表单的入口。", at.org_name),
            Lang::En => format!(
                "Added a tile for this form to the home screen of {}.",
                at.org_name
            ),
        }),
        Edited::Stale { .. } => Err(tr(
            l,
            "首页布局刚被别人修改过，请再试一次。",
            "Someone just changed the home layout; please try again.",
        )
        .to_owned()),
    }
}

/// What the builder says about a live form's home tile, and whether it offers to add one.
pub fn status(l: Lang, at: Option<&HomeAt>) -> (String, bool) {
    match at {
        None => (
            tr(
                l,
                "有（这个单位及上级都没有首页布局，终端的默认首页列出每份表单）",
                "yes (no home layout at this org or above; the kiosks' default home screen lists every form)",
            )
            .to_owned(),
            false,
        ),
        Some(h) if h.has_tile => (
            match l {
                Lang::Zh => format!("有（「{}」的首页布局）", h.org_name),
                Lang::En => format!("yes (the home layout of {})", h.org_name),
            },
            false,
        ),
        Some(h) => {
            let whose = match (l, h.own) {
                (Lang::Zh, true) => format!("没有（终端显示「{}」的首页布局）", h.org_name),
                (Lang::En, true) => format!("no (kiosks show the home layout of {})", h.org_name),
                (Lang::Zh, false) => format!(
                    "没有（这个单位没有自己的首页布局，终端显示上级「{}」的）",
                    h.org_name
                ),
                (Lang::En, false) => format!(
                    "no (this org has no home layout of its own; kiosks show that of {})",
                    h.org_name
                ),
            };
            let scope = match (l, h.in_scope) {
                (_, true) => String::new(),
                (Lang::Zh, false) => "；你无权修改它，请联系该单位的发布员".to_owned(),
                (Lang::En, false) => "; you cannot edit it, ask a publisher of that org".to_owned(),
            };
            (format!("{whose}{scope}"), h.in_scope)
        }
    }
}
