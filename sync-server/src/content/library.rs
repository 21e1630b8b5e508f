//! Finding published catalogue items in the actor's subtree, for staff who edit them.

use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;
use protocol::ContentId;
use protocol::content::{ContentBody, LibraryItem};

/// At most this many items per search.
const SEARCH_LIMIT: u32 = 50;

/// Published catalogue items whose title or author contains `needle`, or whose ISBN is
/// `needle`; every item when it is empty. By title.
pub async fn search(
    state: &AppState,
    actor: Actor,
    needle: String,
) -> AppResult<Vec<(ContentId, LibraryItem)>> {
    state
        .db
        .read(move |tx| {
            let (cond, path) = actor.subtree_filter("org_id");
            // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does too.
            let like = if tx.is_postgres() { "ILIKE" } else { "LIKE" };
            let (title, author, isbn) = (
                tx.json_text("body", "title"),
                tx.json_text("body", "author"),
                tx.json_text("body", "isbn"),
            );
            let sql = format!(
                "SELECT id, body FROM content
                 WHERE kind = 'library_item' AND state = 'published' AND {cond}
                   AND (?2 = '' OR {title} {like} '%' || ?2 || '%'
                        OR {author} {like} '%' || ?2 || '%'
                        OR {isbn} = ?2)
                 ORDER BY {title} LIMIT ?3"
            );
            let rows = tx
                .prepare(&sql)?
                .query_map(crate::store::params![path, needle, SEARCH_LIMIT], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, body)| match serde_json::from_str(&body).ok()? {
                    ContentBody::LibraryItem(item) => Some((ContentId(id), item)),
                    _ => None,
                })
                .collect())
        })
        .await
}
