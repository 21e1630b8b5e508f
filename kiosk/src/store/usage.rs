//! Usage counts (issue 19, part 5; `protocol::usage`): the screens add them an hour at a time,
//! and the heartbeat carries them to the server in batches. A batch moves from
//! `usage_counts` to `usage_sending` when it is first sent and stays there, resent under the
//! same number, until a heartbeat carrying it is acknowledged: a failed heartbeat loses
//! nothing, and the server adds a batch once however often it arrives.

use protocol::usage::{Count, MAX_ROWS, Usage, clean_key};
use rusqlite::params;

use super::{Result, Store, now_ms};

/// Counts older than this are dropped unsent (a kiosk offline for a month keeps a month).
const KEPT_HOURS: i64 = 31 * 24;

impl Store {
    /// Adds `counts` (each to its hour, kind and key; keys cut as `protocol::usage::clean_key`
    /// does, so a batch always fits the heartbeat's body limit and is never refused for size).
    pub fn add_usage(&mut self, counts: &[Count]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut add = tx.prepare_cached(
                "INSERT INTO usage_counts (hour, kind, key, n) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (hour, kind, key) DO UPDATE SET n = n + excluded.n",
            )?;
            for c in counts.iter().filter(|c| c.n > 0) {
                add.execute(params![c.hour, c.kind, clean_key(&c.key), c.n as i64])?;
            }
            let old = now_ms().div_euclid(3_600_000) - KEPT_HOURS;
            tx.prepare_cached("DELETE FROM usage_counts WHERE hour < ?1")?
                .execute([old])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The batch to send with the next heartbeat: the one not yet acknowledged, or else a new
    /// one of up to [`MAX_ROWS`] counts, oldest hours first. `None` when there is nothing.
    pub fn usage_to_send(&mut self) -> Result<Option<Usage>> {
        let tx = self.conn.transaction()?;
        let pending: Option<i64> = tx
            .prepare_cached("SELECT batch FROM usage_sending LIMIT 1")?
            .query_row([], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        let batch = match pending {
            Some(batch) => batch,
            None => {
                let batch = now_ms();
                tx.prepare_cached(
                    "INSERT INTO usage_sending (batch, hour, kind, key, n)
                     SELECT ?1, hour, kind, key, n FROM usage_counts
                     ORDER BY hour, kind, key LIMIT ?2",
                )?
                .execute(params![batch, MAX_ROWS as i64])?;
                tx.prepare_cached(
                    "DELETE FROM usage_counts WHERE (hour, kind, key) IN
                     (SELECT hour, kind, key FROM usage_sending)",
                )?
                .execute([])?;
                batch
            }
        };
        let counts = tx
            .prepare_cached(
                "SELECT hour, kind, key, n FROM usage_sending ORDER BY hour, kind, key",
            )?
            .query_map([], |r| {
                Ok(Count {
                    hour: r.get(0)?,
                    kind: r.get(1)?,
                    key: r.get(2)?,
                    n: r.get::<_, i64>(3)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tx.commit()?;
        Ok((!counts.is_empty()).then_some(Usage { batch, counts }))
    }

    /// The server acknowledged a heartbeat carrying `batch`: it is counted there.
    pub fn usage_delivered(&mut self, batch: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM usage_sending WHERE batch = ?1")?
            .execute([batch])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(hour: i64, key: &str, n: u64) -> Count {
        Count {
            hour,
            kind: protocol::usage::kind::VIEW.to_owned(),
            key: key.to_owned(),
            n,
        }
    }

    #[test]
    fn a_batch_is_resent_until_acknowledged_and_nothing_is_lost() {
        let dir = tempfile::tempdir().expect("temp dir");
        let now = now_ms().div_euclid(3_600_000);
        {
            let mut store = Store::open(dir.path()).expect("store");
            assert_eq!(store.usage_to_send().expect("read"), None);
            store
                .add_usage(&[count(now, "news", 2), count(now, "library", 1)])
                .expect("add");
            store.add_usage(&[count(now, "news", 3)]).expect("add");
        }
        // Durable: a restart keeps the counts.
        let mut store = Store::open(dir.path()).expect("store again");
        let first = store.usage_to_send().expect("read").expect("a batch");
        assert_eq!(
            first.counts,
            vec![count(now, "library", 1), count(now, "news", 5)]
        );
        // The heartbeat failed; meanwhile more was counted. The same batch goes again,
        // unchanged, and the new counts wait.
        store.add_usage(&[count(now, "news", 1)]).expect("add");
        let again = store.usage_to_send().expect("read").expect("a batch");
        assert_eq!(again, first);
        store.usage_delivered(first.batch).expect("delivered");
        let next = store
            .usage_to_send()
            .expect("read")
            .expect("the new counts");
        assert_ne!(next.batch, first.batch);
        assert_eq!(next.counts, vec![count(now, "news", 1)]);
        store.usage_delivered(next.batch).expect("delivered");
        assert_eq!(store.usage_to_send().expect("read"), None);
    }

    #[test]
    fn a_batch_holds_at_most_max_rows_and_old_hours_are_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path()).expect("store");
        let now = now_ms().div_euclid(3_600_000);
        let many: Vec<Count> = (0..MAX_ROWS + 10)
            .map(|i| count(now, &format!("k{i:04}"), 1))
            .collect();
        store
            .add_usage(&[count(now - KEPT_HOURS - 1, "old", 1)])
            .expect("add");
        store
            .add_usage(&[count(now, &"长".repeat(500), 1)])
            .expect("add");
        store.add_usage(&many).expect("add");
        let batch = store.usage_to_send().expect("read").expect("a batch");
        assert_eq!(batch.counts.len(), MAX_ROWS);
        assert!(batch.counts.iter().all(|c| c.key != "old"));
        assert!(
            batch
                .counts
                .iter()
                .all(|c| c.key.chars().count() <= protocol::usage::MAX_KEY_CHARS)
        );
        store.usage_delivered(batch.batch).expect("delivered");
        let rest = store.usage_to_send().expect("read").expect("the rest");
        assert_eq!(rest.counts.len(), 11);
        assert!(
            rest.counts
                .iter()
                .any(|c| c.key == "长".repeat(protocol::usage::MAX_KEY_CHARS)),
            "a long key is cut"
        );
    }
}
