//! The publishing calendar: the items of a subtree whose publish-at or expire-at falls in a
//! window of time (the console's month), for staff to see what goes up and comes down when.

use crate::store::params;

use super::row;
use crate::db::to_ms;
use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;
use protocol::staff::ContentRecord;

/// Most items one window lists.
const MAX_ITEMS: u32 = 1_000;

/// Items in the actor's subtree with a publish-at or an expire-at in `from .. until`, by the
/// earlier of the two.
pub async fn between(
    state: &AppState,
    actor: Actor,
    from: jiff::Timestamp,
    until: jiff::Timestamp,
) -> AppResult<Vec<ContentRecord>> {
    let (from, until) = (to_ms(from), to_ms(until));
    state
        .db
        .read(move |tx| {
            let (cond, path) = actor.subtree_filter("org_id");
            let least = if tx.is_postgres() { "least" } else { "min" };
            let sql = format!(
                "SELECT {} FROM content
                 WHERE {cond}
                   AND ((publish_at >= ?2 AND publish_at < ?3) OR (expire_at >= ?2 AND expire_at < ?3))
                 ORDER BY {least}(coalesce(publish_at, expire_at), coalesce(expire_at, publish_at)), id
                 LIMIT ?4",
                row::COLUMNS
            );
            let mut stmt = tx.prepare(&sql)?;
            let rows = stmt
                .query_map(params![path, from, until, MAX_ITEMS], row::read_row)?
                .map(|r| r.map(|s| s.record()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}
