//! Random tokens and how they are stored. Tokens are 256-bit random values, so a plain SHA-256
//! is a sound way to keep them at rest (unlike passwords, which get argon2 in `staff`). And the
//! keys enrolled kiosks depend on, which must never be silently replaced, nor differ between
//! the instances of one PostgreSQL database ([`shared`]).

use crate::config::{Config, TlsConfig};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

mod shared;

pub(crate) use shared::public_halves;

/// A fresh random token of `bytes` bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Moves the finished file `tmp` to `path` unless `path` exists; false when another process
/// (an instance on a shared keys dir) put its own there first, and `tmp` is removed. A hard link
/// fails when the name is taken, also on NFS; only on a filesystem without hard links
/// ([`no_hard_links`]) does it fall back to a rename, as before shared keys dirs (which replaces
/// a file made at the same moment). Any other error (EIO, ESTALE, ENOSPC, EACCES…) is returned:
/// a rename then could replace the key another instance is serving.
pub(crate) fn place_once(tmp: &Path, path: &Path) -> std::io::Result<bool> {
    let linked = std::fs::hard_link(tmp, path);
    let placed = match linked {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) if no_hard_links(&e) => return std::fs::rename(tmp, path).map(|()| true),
        Err(e) => {
            // The link failed for another reason: the temporary file is not wanted either way.
            let _ = std::fs::remove_file(tmp);
            return Err(e);
        }
    };
    std::fs::remove_file(tmp)?;
    Ok(placed)
}

/// Whether a failed `link(2)` says the filesystem has no hard links: EPERM ("does not support
/// the creation of hard links"), EOPNOTSUPP, or what std calls unsupported (ENOSYS).
fn no_hard_links(e: &std::io::Error) -> bool {
    const EPERM: i32 = 1;
    const EOPNOTSUPP: i32 = 95;
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(e.raw_os_error(), Some(EPERM | EOPNOTSUPP))
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Compares two hashes in time independent of where they differ.
pub fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The keys an instance serves with: its TLS identity and the submission key.
pub struct Keys {
    pub identity: crate::tls::Identity,
    pub submission: crypto_box::SecretKey,
}

/// What a process does with the deployment's keys. On SQLite every use is [`KeyUse::Serve`]:
/// the operator's commands run beside the server's data dir and share its keys. On PostgreSQL
/// only a serving instance may make keys or record them: an operator's command may run on an
/// admin workstation, whose keys must never become the deployment's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// An instance: loads the keys, makes what is missing, records them on PostgreSQL.
    Serve,
    /// A command that hands out the keys' pins (an enrollment string, `fingerprint`): on
    /// PostgreSQL the keys dir's keys, read only, refused unless the database records the same.
    Read,
    /// A command that uses no key: on PostgreSQL, keys of this process alone, made in memory
    /// for the state it builds, never written to the keys dir nor recorded.
    None,
}

/// Loads the keys from the keys dir (`keys_dir`, by default the data dir), making what is
/// missing on a first start, after refusing to go on when a key that kiosks depend on has
/// vanished ([`refuse_lost_keys`]). On PostgreSQL, where several instances must present the
/// same keys, also checks them against the public halves the database records ([`shared`]),
/// and only [`KeyUse::Serve`] makes or records any. Call it once the database is open (and
/// migrated).
pub fn load_keys(config: &Config, data_dir: &Path, used: KeyUse) -> anyhow::Result<Keys> {
    let keys_dir = config.keys_dir()?;
    if let Some(url) = &config.database {
        return match used {
            KeyUse::Serve => {
                crate::db::create_private_dir(&keys_dir).with_context(|| {
                    format!("cannot create the keys dir {}", keys_dir.display())
                })?;
                shared::load(url, &keys_dir, &config.tls)
            }
            KeyUse::Read => shared::read(url, &keys_dir, &config.tls),
            KeyUse::None => throwaway_keys(),
        };
    }
    crate::db::create_private_dir(&keys_dir)
        .with_context(|| format!("cannot create the keys dir {}", keys_dir.display()))?;
    refuse_lost_keys(&keys_dir, enrolled_kiosks(data_dir)?, &config.tls)?;
    Ok(Keys {
        identity: crate::tls::Identity::load_or_create(&config.tls, &keys_dir)?,
        submission: crate::submissions::load_or_create_key(&keys_dir)?,
    })
}

/// Keys for a process that uses none: made in a temporary directory removed at once, so
/// nothing reaches the keys dir or the database.
fn throwaway_keys() -> anyhow::Result<Keys> {
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    Ok(Keys {
        identity: crate::tls::Identity::load_or_create(&TlsConfig::default(), dir.path())?,
        submission: crate::submissions::load_or_create_key(dir.path())?,
    })
}

/// The key files in `keys_dir` that kiosks depend on, with what each is and the name its public
/// half is recorded under: the submission key, and the generated TLS pair unless `tls`
/// configures a certificate of its own.
fn key_files(keys_dir: &Path, tls: &TlsConfig) -> Vec<(PathBuf, &'static str, &'static str)> {
    let [cert, key, ..] = crate::tls::generated_paths(keys_dir);
    let mut files = vec![(
        keys_dir.join("submission.key"),
        "the submission key that kiosks seal employees' answers to",
        shared::SUBMISSION,
    )];
    if tls.cert.is_none() && tls.key.is_none() {
        files.push((
            key,
            "the TLS private key whose public key kiosks pin",
            shared::TLS_PIN,
        ));
        files.push((
            cert,
            "the TLS certificate kiosks connect to",
            shared::TLS_PIN,
        ));
    }
    files
}

/// Refuses to go on when `kiosks` enrolled kiosks depend on a key that has vanished from
/// `keys_dir`: the generated TLS pair (kiosks pin its public key) or the submission key (kiosks
/// seal answers to it). Regenerating either would cut off every kiosk until each is enrolled
/// again, and strand what their outboxes hold; a restore from backup is almost always what is
/// wanted. With no enrolled kiosk what is missing is generated, as on first start.
fn refuse_lost_keys(keys_dir: &Path, kiosks: u64, tls: &TlsConfig) -> anyhow::Result<()> {
    if kiosks == 0 {
        return Ok(());
    }
    for (path, what, _) in key_files(keys_dir, tls) {
        if !path.exists() {
            anyhow::bail!(
                "{} is missing: it is {what}, and {kiosks} enrolled kiosk(s) depend on it. \
                 Restore it from a backup of {} and start again; a new key would cut off every \
                 kiosk until each is enrolled again and strand the submissions waiting on them. \
                 Without a backup, see \"Keys the kiosks depend on\" in the README.",
                path.display(),
                keys_dir.display()
            );
        }
    }
    Ok(())
}

/// Kiosks enrolled and not revoked, read without creating or migrating anything: 0 for a data
/// dir without a database yet.
fn enrolled_kiosks(data_dir: &Path) -> anyhow::Result<u64> {
    use rusqlite::{Connection, OpenFlags};
    let path = data_dir.join("server.db");
    if !path.exists() {
        return Ok(0);
    }
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kiosks')",
            [],
            |r| r.get(0),
        )
        .with_context(|| format!("cannot read the database {}", path.display()))?;
    if !has_table {
        return Ok(0);
    }
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM kiosks WHERE revoked_at IS NULL",
            [],
            |r| r.get(0),
        )
        .with_context(|| format!("cannot count the kiosks in {}", path.display()))?;
    Ok(n.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    #[test]
    fn tokens_are_distinct_and_hash_stably() {
        let a = random_token(32);
        let b = random_token(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(hashes_equal(&token_hash(&a), &token_hash(&a)));
        assert!(!hashes_equal(&token_hash(&a), &token_hash(&b)));
    }

    /// A file is put in place only where none is; the temporary file never stays.
    #[test]
    fn a_file_is_placed_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (tmp, path) = (dir.path().join("a.tmp"), dir.path().join("a"));
        std::fs::write(&tmp, "first").expect("write");
        assert!(place_once(&tmp, &path).expect("placed"));
        std::fs::write(&tmp, "second").expect("write");
        assert!(!place_once(&tmp, &path).expect("not placed"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "first");
        assert!(!tmp.exists());
    }

    /// Only a filesystem without hard links falls back to a rename (review #15): an I/O error,
    /// a stale NFS handle, a full disk or a refused access is returned instead.
    #[test]
    fn only_a_filesystem_without_hard_links_falls_back_to_a_rename() {
        const EIO: i32 = 5;
        const EACCES: i32 = 13;
        const ENOSPC: i32 = 28;
        const ESTALE: i32 = 116;
        for errno in [EIO, EACCES, ENOSPC, ESTALE] {
            let e = std::io::Error::from_raw_os_error(errno);
            assert!(!no_hard_links(&e), "{e}");
        }
        for errno in [1, 95] {
            let e = std::io::Error::from_raw_os_error(errno);
            assert!(no_hard_links(&e), "{e}");
        }
        assert!(no_hard_links(&std::io::ErrorKind::Unsupported.into()));
        // A link that fails for another reason (here, no such directory) leaves no file behind.
        let dir = tempfile::tempdir().expect("temp dir");
        let tmp = dir.path().join("a.tmp");
        std::fs::write(&tmp, "key").expect("write");
        let missing = dir.path().join("missing/a");
        assert!(place_once(&tmp, &missing).is_err());
        assert!(!tmp.exists());
    }

    fn open(dir: &Path) -> anyhow::Result<crate::AppState> {
        let config = Config {
            data_dir: Some(dir.to_path_buf()),
            ..Config::default()
        };
        Ok(crate::AppState::open(config, SocketAddr::from(([127, 0, 0, 1], 8443)))?.0)
    }

    /// Writes an enrolled kiosk straight into the database of a data dir not in use.
    fn enroll_one(dir: &Path) {
        let conn = rusqlite::Connection::open(dir.join("server.db")).expect("database opens");
        conn.execute_batch(
            "INSERT INTO orgs (id, name, path, created_at) VALUES (1, 'o', '/1/', 0);
             INSERT INTO kiosks (id, name, org_id, secret_hash, version, enrolled_at)
             VALUES ('k', '', 1, x'00', '', 0);",
        )
        .expect("a kiosk is enrolled");
    }

    /// Each key, removed from a data dir that enrolled kiosks depend on, stops the start with a
    /// sentence naming the file; without kiosks the same loss just regenerates it.
    #[test]
    fn a_lost_key_refuses_start_only_when_kiosks_depend_on_it() {
        for lost in ["submission.key", "tls/key.pem", "tls/cert.pem"] {
            let fresh = tempfile::tempdir().expect("temp dir");
            drop(open(fresh.path()).expect("a fresh data dir opens"));
            std::fs::remove_file(fresh.path().join(lost)).expect("remove");
            drop(open(fresh.path()).expect("no kiosks: the key is made again"));
            assert!(fresh.path().join(lost).exists(), "{lost} regenerated");

            let used = tempfile::tempdir().expect("temp dir");
            drop(open(used.path()).expect("opens"));
            enroll_one(used.path());
            std::fs::remove_file(used.path().join(lost)).expect("remove");
            let err = open(used.path()).err().expect("refused");
            let shown = format!("{err:#}");
            assert!(shown.contains(lost) && shown.contains("Restore"), "{shown}");
            assert!(!used.path().join(lost).exists(), "{lost} not regenerated");
        }
    }
}
