//! The keys of several instances on one PostgreSQL database (issue 20). Every instance must
//! present the same TLS key (kiosks pin it, and a load balancer sends them to any instance) and
//! open answers sealed to the same submission key. The secret halves stay files in each
//! instance's keys dir, never in the database, so a copy of the database (a backup, a replica)
//! can neither pose as the server nor test a phone number against a keyed HMAC; instances share
//! them by sharing the keys dir (NFS) or by a copy of its files.
//!
//! The database records the public halves (`server_keys`: the TLS key's pin, the submission
//! key's public key), written by the first instance to start (`ON CONFLICT DO NOTHING`, then
//! read back, so instances starting together agree on one). An instance whose keys differ from
//! the record refuses to start, naming the file and what to do: no instance ever serves a key
//! the others do not. The one change accepted is a finished rotation: an instance whose current
//! TLS key replaced the recorded one (`tls/previous-cert.pem` has the recorded pin) records the
//! new pin. A key file missing while kiosks are enrolled is refused as on SQLite; missing while
//! another instance recorded it, it is refused too (copy it), never made anew.

use super::Keys;
use crate::config::{DatabaseUrl, TlsConfig};
use crate::tls::Identity;
use anyhow::Context;
use std::collections::HashMap;
use std::path::Path;

/// `server_keys.name` of the submission key's public key.
pub(super) const SUBMISSION: &str = "submission";
/// `server_keys.name` of the TLS key's pin (SHA-256 of its SubjectPublicKeyInfo), generated or
/// configured (`tls.cert`).
pub(super) const TLS_PIN: &str = "tls_pin";
/// `server_keys.name` of the pin of the next TLS key, announced to kiosks from `tls
/// prepare-rotation` (or `tls.next_cert`) until the rotation is finished.
const TLS_NEXT_PIN: &str = "tls_next_pin";

/// [`super::load_keys`] on PostgreSQL: on a thread of its own, since the `postgres` client
/// blocks on a runtime of its own, which must not start inside the server's.
pub(super) fn load(url: &DatabaseUrl, keys_dir: &Path, tls: &TlsConfig) -> anyhow::Result<Keys> {
    let target = crate::pg_tls::Target::from_url(url.as_str())
        .context("the database is not a PostgreSQL URL")?;
    let (keys_dir, tls) = (keys_dir.to_owned(), tls.clone());
    std::thread::spawn(move || {
        let mut client = target
            .connect()
            .context("cannot connect to the PostgreSQL database to check the keys")?;
        load_checked(&mut client, &keys_dir, &tls)
    })
    .join()
    .map_err(|_| anyhow::anyhow!("loading the keys panicked"))?
}

/// [`super::load_keys`] for an operator's command that hands out the pins: the keys dir's
/// keys as they are, refused unless the database records the same public halves; nothing is
/// made or recorded, so a command run from a host without the instances' keys (or before any
/// instance started) is refused instead of making that host's keys the deployment's.
pub(super) fn read(url: &DatabaseUrl, keys_dir: &Path, tls: &TlsConfig) -> anyhow::Result<Keys> {
    let target = crate::pg_tls::Target::from_url(url.as_str())
        .context("the database is not a PostgreSQL URL")?;
    let (keys_dir, tls) = (keys_dir.to_owned(), tls.clone());
    std::thread::spawn(move || {
        let mut client = target
            .connect()
            .context("cannot connect to the PostgreSQL database to check the keys")?;
        read_checked(&mut client, &keys_dir, &tls)
    })
    .join()
    .map_err(|_| anyhow::anyhow!("reading the keys panicked"))?
}

fn read_checked(
    client: &mut postgres::Client,
    keys_dir: &Path,
    tls: &TlsConfig,
) -> anyhow::Result<Keys> {
    let recorded = recorded_keys(client)?;
    for (path, what, name) in super::key_files(keys_dir, tls) {
        if !recorded.contains_key(name) {
            anyhow::bail!(
                "no instance has recorded its keys on this database yet: start the server \
                 (`sync-server serve`) first; this command only reads the keys the instances use"
            );
        }
        if !path.exists() {
            anyhow::bail!(
                "{} is missing: it is {what}, which the instances on this database use. This \
                 command reads their keys and never makes any: run it on an instance's host, or \
                 with keys_dir set to their keys dir",
                path.display()
            );
        }
    }
    let identity = Identity::load_or_create_shared(tls, keys_dir)?;
    let submission = crate::submissions::load_or_create_key(keys_dir)?;
    for (name, public, path) in ours(keys_dir, tls, &identity, &submission) {
        if recorded.get(name) != Some(&public) {
            anyhow::bail!(
                "{} is not the key the instances on this database use (the database records \
                 the public half of theirs): run this command on an instance's host, or with \
                 keys_dir set to their keys dir",
                path.display()
            );
        }
    }
    Ok(Keys {
        identity,
        submission,
    })
}

/// This instance's public halves, by `server_keys` name, with the file each comes from.
fn ours(
    keys_dir: &Path,
    tls: &TlsConfig,
    identity: &Identity,
    submission: &crypto_box::SecretKey,
) -> Vec<(&'static str, Vec<u8>, std::path::PathBuf)> {
    let mut ours = vec![(
        SUBMISSION,
        submission.public_key().as_bytes().to_vec(),
        keys_dir.join("submission.key"),
    )];
    let cert = match &tls.cert {
        Some(configured) => configured.clone(),
        None => crate::tls::generated_paths(keys_dir)[1].clone(),
    };
    ours.push((TLS_PIN, identity.fingerprint.0.to_vec(), cert));
    ours
}

fn recorded_keys(client: &mut postgres::Client) -> anyhow::Result<HashMap<String, Vec<u8>>> {
    Ok(client
        .query("SELECT name, public FROM server_keys", &[])?
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect())
}

fn load_checked(
    client: &mut postgres::Client,
    keys_dir: &Path,
    tls: &TlsConfig,
) -> anyhow::Result<Keys> {
    let kiosks: i64 = client
        .query_one("SELECT count(*) FROM kiosks WHERE revoked_at IS NULL", &[])?
        .get(0);
    let recorded = recorded_keys(client)?;
    super::refuse_lost_keys(keys_dir, kiosks.max(0) as u64, tls)?;
    for (path, what, name) in super::key_files(keys_dir, tls) {
        if !path.exists() && recorded.contains_key(name) {
            anyhow::bail!(
                "{} is missing: it is {what}, and the other instances on this database use it \
                 (the database records its public half). Every instance must have the same \
                 keys: copy tls/ and submission.key from another instance's keys dir to {}, or \
                 set keys_dir to a directory the instances share, and start again.",
                path.display(),
                keys_dir.display()
            );
        }
    }
    let identity = Identity::load_or_create_shared(tls, keys_dir)?;
    let submission = crate::submissions::load_or_create_key(keys_dir)?;
    for (name, public, path) in ours(keys_dir, tls, &identity, &submission) {
        let now = crate::db::now_ms();
        client.execute(
            "INSERT INTO server_keys (name, public, recorded_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
            &[&name, &public, &now],
        )?;
        let mut agreed = recorded_public(client, name)?;
        let rotated = name == TLS_PIN
            && agreed != public
            && (crate::tls::previous_pin(keys_dir).is_some_and(|pin| pin.0[..] == agreed[..])
                || recorded.get(TLS_NEXT_PIN) == Some(&public));
        if rotated {
            client.execute(
                "UPDATE server_keys SET public = $2, recorded_at = $3 \
                 WHERE name = $1 AND public = $4",
                &[&name, &public, &now, &agreed],
            )?;
            tracing::info!(pin = %identity.fingerprint, "a finished TLS rotation: recorded the new key's pin");
            agreed = recorded_public(client, name)?;
        }
        if agreed == public {
            continue;
        }
        anyhow::bail!(
            "{} is not the key the other instances on this database use (the database records \
             the public half of theirs, made by the first instance to start). Every instance \
             must present the same keys: copy tls/ and submission.key from another instance's \
             keys dir to {}, or set keys_dir to a directory the instances share, and start \
             again. If no instance has those keys any more and no kiosk is enrolled, `DELETE \
             FROM server_keys` lets the next instance to start record its own.",
            path.display(),
            keys_dir.display()
        );
    }
    agree_on_next_pin(client, &identity, keys_dir)?;
    Ok(Keys {
        identity,
        submission,
    })
}

/// Every instance announces the same pins to kiosks (review #6): a kiosk keeps the pins the
/// last instance it met announced, so one announcing the next key and another not would make it
/// learn the next pin and forget it again, then reject the new key once the rotation finishes.
/// The first instance with a next key records its pin; one with another next key, or none while
/// one is recorded, is refused. A finished rotation (the recorded next pin is now the current
/// one) drops the record.
fn agree_on_next_pin(
    client: &mut postgres::Client,
    identity: &Identity,
    keys_dir: &Path,
) -> anyhow::Result<()> {
    let next_files = "tls/next-cert.pem and tls/next-key.pem (or tls.next_cert and tls.next_key)";
    let Some(next) = identity.next else {
        let recorded = client
            .query_opt(
                "SELECT public FROM server_keys WHERE name = $1",
                &[&TLS_NEXT_PIN],
            )?
            .map(|row| row.get::<_, Vec<u8>>(0));
        return match recorded {
            None => Ok(()),
            Some(pin) if pin[..] == identity.fingerprint.0[..] => {
                client.execute(
                    "DELETE FROM server_keys WHERE name = $1 AND public = $2",
                    &[&TLS_NEXT_PIN, &pin],
                )?;
                Ok(())
            }
            Some(_) => anyhow::bail!(
                "the other instances on this database announce a next TLS key to the kiosks \
                 (`tls prepare-rotation` was run), and this one has none: copy {next_files} \
                 from another instance's keys dir to {}, or set keys_dir to a directory the \
                 instances share, and start again. Every instance must announce the same pins.",
                keys_dir.display()
            ),
        };
    };
    let public = next.0.to_vec();
    client.execute(
        "INSERT INTO server_keys (name, public, recorded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
        &[&TLS_NEXT_PIN, &public, &crate::db::now_ms()],
    )?;
    if recorded_public(client, TLS_NEXT_PIN)? == public {
        return Ok(());
    }
    anyhow::bail!(
        "this instance's next TLS key ({next_files}) is not the one the other instances on this \
         database announce to the kiosks: copy those files from another instance's keys dir to \
         {}, or set keys_dir to a directory the instances share, and start again. Every \
         instance must announce the same pins.",
        keys_dir.display()
    )
}

/// The public halves of the key files in `keys_dir`, by `server_keys` name, making none: what
/// `migrate --to` records for the instances on PostgreSQL to check theirs against.
pub(crate) fn public_halves(keys_dir: &Path) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut halves = Vec::new();
    if keys_dir.join("submission.key").exists() {
        let key = crate::submissions::load_or_create_key(keys_dir)?;
        halves.push((SUBMISSION, key.public_key().as_bytes().to_vec()));
    }
    let [cert, key, ..] = crate::tls::generated_paths(keys_dir);
    if cert.exists() && key.exists() {
        let identity = Identity::load_or_create(&TlsConfig::default(), keys_dir)?;
        halves.push((TLS_PIN, identity.fingerprint.0.to_vec()));
    }
    Ok(halves)
}

fn recorded_public(client: &mut postgres::Client, name: &str) -> anyhow::Result<Vec<u8>> {
    Ok(client
        .query_one("SELECT public FROM server_keys WHERE name = $1", &[&name])?
        .get(0))
}
