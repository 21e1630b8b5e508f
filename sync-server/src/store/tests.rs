//! The seam on a real SQLite database (in memory): what binds and reads as what, and which
//! error each failure is.

use super::*;

fn with_tx(f: impl FnOnce(&Tx<'_>)) {
    let mut conn = rusqlite::Connection::open_in_memory().expect("memory db");
    let sqlite = conn.transaction().expect("a transaction");
    f(&Tx::sqlite(&sqlite));
}

const TABLE: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, f REAL, s TEXT UNIQUE,
                                     b BLOB, flag INTEGER)";

#[test]
fn values_read_back_as_they_were_bound() {
    with_tx(|tx| {
        tx.execute_batch(TABLE).expect("table");
        let blob = vec![0u8, 255, 7];
        let id: i64 = tx
            .query_row(
                "INSERT INTO t (n, f, s, b, flag) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![u32::MAX, 2.5, "职工之家", blob, true],
                |r| r.get(0),
            )
            .expect("insert returning the id");
        assert_eq!(id, 1);
        let row = tx
            .query_row("SELECT n, f, s, b, flag, n FROM t", [], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, f64>(5)?,
                ))
            })
            .expect("the row");
        assert_eq!(
            row,
            (
                u32::MAX,
                2.5,
                "职工之家".to_owned(),
                blob,
                true,
                f64::from(u32::MAX)
            )
        );
        tx.execute(
            "INSERT INTO t (n, s) VALUES (?1, ?2)",
            (Option::<i64>::None, "b"),
        )
        .expect("a null bound");
        let nulls: Vec<(Option<i64>, Option<String>)> = tx
            .prepare("SELECT n, b FROM t WHERE s = ?1")
            .expect("select")
            .query_map(["b"], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_>>()
            .expect("read");
        assert_eq!(nulls, vec![(None, None)]);
    });
}

#[test]
fn every_form_of_parameters_binds_by_position() {
    with_tx(|tx| {
        tx.execute_batch(TABLE).expect("table");
        let s = String::from("c");
        let slice: &[&dyn ToSql] = &[&3i64, &s];
        let array: [&dyn ToSql; 2] = [&4i64, &"d"];
        assert_eq!(
            tx.execute("INSERT INTO t (n, s) VALUES (1, 'a')", [])
                .expect("[]"),
            1
        );
        tx.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", params![2, "b"])
            .expect("params!");
        tx.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", slice)
            .expect("a slice");
        tx.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", array)
            .expect("an array");
        tx.execute("INSERT INTO t (n, s) VALUES (?1, ?2)", (5, "e"))
            .expect("a tuple");
        let mut stmt = tx
            .prepare_cached("SELECT n, s FROM t WHERE n >= ?1 ORDER BY n")
            .expect("select");
        let mut rows = stmt.query([2]).expect("rows");
        let mut seen = Vec::new();
        while let Some(r) = rows.next().expect("a row") {
            seen.push(format!(
                "{}{}",
                r.get::<_, i64>(0).expect("n"),
                r.get::<_, String>(1).expect("s")
            ));
        }
        assert_eq!(seen, ["2b", "3c", "4d", "5e"]);
        drop(rows);
        assert!(stmt.exists([5]).expect("exists"));
        assert!(!stmt.exists([6]).expect("exists"));
    });
}

#[test]
fn failures_are_told_apart() {
    with_tx(|tx| {
        tx.execute_batch(TABLE).expect("table");
        tx.execute("INSERT INTO t (n, s) VALUES (?1, 'x')", [-1])
            .expect("row");
        let none = tx.query_row("SELECT n FROM t WHERE s = 'y'", [], |r| r.get::<_, i64>(0));
        assert!(matches!(none, Err(Error::NoRows)), "{none:?}");
        let none = tx.query_row("SELECT n FROM t WHERE s = 'y'", [], |r| r.get::<_, i64>(0));
        assert_eq!(none.optional().expect("no row is None"), None);
        let twice = tx.execute("INSERT INTO t (n, s) VALUES (1, 'x')", []);
        assert!(matches!(twice, Err(Error::Constraint(_))), "{twice:?}");
        let text = tx.query_row("SELECT n, s FROM t", [], |r| r.get::<_, i64>(1));
        assert!(
            matches!(text, Err(Error::Conversion { column: 1, .. })),
            "{text:?}"
        );
        let negative = tx.query_row("SELECT n FROM t", [], |r| r.get::<_, u32>(0));
        assert!(
            matches!(negative, Err(Error::Conversion { column: 0, .. })),
            "{negative:?}"
        );
        let too_big = tx.execute("INSERT INTO t (n) VALUES (?1)", [u64::MAX]);
        assert!(matches!(too_big, Err(Error::Bind(_))), "{too_big:?}");
        let bad = tx.execute("INSERT INTO nowhere VALUES (1)", []);
        assert!(matches!(bad, Err(Error::Other(_))), "{bad:?}");
    });
}
