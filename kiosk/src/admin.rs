//! Branch IT operations: enroll the kiosk, check its health (`kiosk doctor`), and the admin
//! panel's PIN (`pin`).

pub mod pin;

use crate::net::{ClientError, ServerClient};
use crate::store::{Enrollment, Store};
use protocol::enroll::EnrollRequest;
use protocol::{EnrollmentString, ErrorCode};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("{0}")]
    Invalid(#[from] protocol::enroll::InvalidEnrollmentString),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Enrolls with the server in `string`, verifying its key against the pin in the string before
/// the token is sent, and stores the credentials. Refused before the token is spent while
/// submissions wait in the outbox (a new enrollment would strand them).
pub async fn enroll(
    store: &mut Store,
    string: &str,
    name: &str,
) -> Result<Enrollment, EnrollError> {
    let parsed: EnrollmentString = string.parse()?;
    store.ready_to_enroll_again()?;
    let client = ServerClient::new(parsed.server.clone(), parsed.fingerprint)?;
    let creds = client
        .enroll(&EnrollRequest {
            token: parsed.token,
            name: name.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
        .await?;
    store.save_enrollment(&parsed.server, parsed.fingerprint, &creds)?;
    Ok(store.enrollment()?.expect("an enrollment was just saved"))
}

/// One line of `kiosk doctor`, in Chinese (`zh`, shown first: the branch IT person and the
/// union office read Chinese) and in English (`message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub zh: String,
    pub message: String,
}

fn ok(zh: String, message: String) -> Check {
    Check {
        ok: true,
        zh,
        message,
    }
}

fn problem(zh: String, message: String) -> Check {
    Check {
        ok: false,
        zh,
        message,
    }
}

/// What the store says, read in one short lock so no lock is held during network checks.
struct LocalFacts {
    enrollment: Result<Option<Enrollment>, String>,
    last_ok: Result<Option<jiff::Timestamp>, String>,
    last_error: Option<String>,
    cache: Result<(u64, u64), String>,
    outbox: Result<u64, String>,
    refused: Result<Vec<crate::store::Refused>, String>,
    free_disk: Option<u64>,
}

fn local_facts(store: &Mutex<Store>) -> LocalFacts {
    let store = store
        .lock()
        .expect("the store lock is never held across a panic");
    LocalFacts {
        enrollment: store.enrollment().map_err(|e| e.to_string()),
        last_ok: store.last_sync_ok().map_err(|e| e.to_string()),
        last_error: store.last_sync_error().ok().flatten(),
        cache: store
            .count(None)
            .and_then(|items| Ok((items, store.media_bytes()?)))
            .map_err(|e| e.to_string()),
        outbox: store.outbox_depth().map_err(|e| e.to_string()),
        refused: store.refused_submissions().map_err(|e| e.to_string()),
        free_disk: store.free_disk_bytes(),
    }
}

/// Checks enrollment, the server (reachable, pinned certificate, credentials accepted), the last
/// successful sync and the cache. Each problem is one plain sentence.
pub async fn doctor(store: &Mutex<Store>) -> Vec<Check> {
    let facts = local_facts(store);
    let mut checks = Vec::new();
    let enrollment = match facts.enrollment {
        Ok(Some(e)) => e,
        Ok(None) => {
            checks.push(problem(
                "本终端尚未注册：请用工会办公室给的注册串运行 `kiosk enroll <注册串>`。".to_owned(),
                "This kiosk is not enrolled: run `kiosk enroll <enrollment string>` with the string from the union office.".to_owned(),
            ));
            return checks;
        }
        Err(e) => {
            checks.push(problem(
                format!("本地数据库无法读取：{e}。"),
                format!("The local database cannot be read: {e}."),
            ));
            return checks;
        }
    };
    let at = enrollment.org.path.join(" / ");
    checks.push(ok(
        format!(
            "已注册：终端 {}，所属单位 {at}，服务器 {}。",
            enrollment.kiosk_id, enrollment.server
        ),
        format!(
            "Enrolled as kiosk {} at {at} with {}.",
            enrollment.kiosk_id, enrollment.server
        ),
    ));
    let server = &enrollment.server;
    match ServerClient::with_pins(server.clone(), enrollment.pins()) {
        Err(e) => checks.push(problem(
            format!("网络客户端无法启动：{e}。"),
            format!("The network client cannot start: {e}."),
        )),
        Ok(client) => match client.health().await {
            Err(ClientError::PinMismatch) => checks.push(problem(
                format!(
                    "服务器 {server} 出示的密钥不受本终端信任：如果服务器换了密钥而事先没有公布，请重新注册本终端。"
                ),
                format!(
                    "The server at {server} presents a key this kiosk does not trust: if the server's key was replaced without announcing it first, enroll this kiosk again."
                ),
            )),
            Err(e) => checks.push(problem(
                format!("无法连接服务器 {server}（{e}）；终端继续使用本地缓存工作。"),
                format!(
                    "The server at {server} cannot be reached ({e}); the kiosk keeps working from its cache."
                ),
            )),
            Ok(()) => {
                checks.push(ok(
                    format!("服务器 {server} 应答正常，密钥与登记一致。"),
                    format!("The server at {server} answers with a pinned key."),
                ));
                let authed = client.with_credentials(&enrollment.kiosk_id, &enrollment.secret);
                checks.push(match authed.me().await {
                    Ok(me) if me.name.is_empty() => ok(
                        format!("服务器认可本终端（未命名），所属单位 {}。", me.org.name),
                        format!(
                            "The server accepts this kiosk (no name given) at {}.",
                            me.org.name
                        ),
                    ),
                    Ok(me) => ok(
                        format!("服务器认可本终端“{}”，所属单位 {}。", me.name, me.org.name),
                        format!(
                            "The server knows this kiosk as “{}” at {}.",
                            me.name, me.org.name
                        ),
                    ),
                    Err(e) if e.code() == Some(ErrorCode::KioskRevoked) => problem(
                        "工会办公室已停用本终端：请向他们索取新的注册串。".to_owned(),
                        "The union office has revoked this kiosk: ask them for a new enrollment string.".to_owned(),
                    ),
                    Err(e) => problem(
                        format!("服务器拒绝本终端的凭据：{e}。"),
                        format!("The server refuses this kiosk's credentials: {e}."),
                    ),
                });
            }
        },
    }
    match facts.last_ok {
        Ok(Some(t)) => {
            let minutes = jiff::Timestamp::now().duration_since(t).as_secs() / 60;
            let zh = format!("上次同步成功：{t}（{minutes} 分钟前）。");
            let en = format!("Last successful sync: {t} ({minutes} minutes ago).");
            checks.push(if minutes > 24 * 60 {
                problem(zh, en)
            } else {
                ok(zh, en)
            });
        }
        Ok(None) => checks.push(problem(
            "本终端从未同步成功：请运行 `kiosk sync --once`。".to_owned(),
            "The kiosk has never synced successfully: run `kiosk sync --once`.".to_owned(),
        )),
        Err(e) => checks.push(problem(
            format!("同步记录无法读取：{e}。"),
            format!("The sync record cannot be read: {e}."),
        )),
    }
    if let Some(e) = facts.last_error {
        checks.push(problem(
            format!("上次同步失败：{e}"),
            format!("The last sync attempt failed: {e}"),
        ));
    }
    match facts.free_disk {
        Some(free) if free < crate::store::DISK_FULL_BYTES => {
            let mib = free as f64 / 1024.0 / 1024.0;
            checks.push(problem(
                format!(
                    "磁盘已满（剩余 {mib:.1} MiB）：新的表单和图片无法保存（终端会告诉职工）。请清理这块磁盘；有了空间终端会自行恢复。"
                ),
                format!(
                    "The disk is full ({mib:.1} MiB free): new submissions and images cannot be saved (employees are told so). Free some space on this disk; the kiosk carries on by itself once there is room."
                ),
            ));
        }
        Some(free) => {
            let mib = free as f64 / 1024.0 / 1024.0;
            checks.push(ok(
                format!("磁盘：剩余 {mib:.0} MiB。"),
                format!("Disk: {mib:.0} MiB free."),
            ));
        }
        None => {}
    }
    match facts.cache {
        Ok((items, bytes)) => {
            let mib = bytes as f64 / 1024.0 / 1024.0;
            checks.push(ok(
                format!("缓存：{items} 条内容，图片 {mib:.1} MiB。"),
                format!("Cache: {items} items, {mib:.1} MiB of images."),
            ));
        }
        Err(e) => checks.push(problem(
            format!("缓存无法读取：{e}。"),
            format!("The cache cannot be read: {e}."),
        )),
    }
    match facts.outbox {
        Ok(0) => checks.push(ok(
            "待发箱：空，所有表单都已送达。".to_owned(),
            "Outbox: empty, every submission delivered.".to_owned(),
        )),
        Ok(n) => checks.push(problem(
            format!("待发箱：{n} 份表单等待送达（已安全保存在磁盘上，服务器可达时即发送）。"),
            format!(
                "Outbox: {n} submissions waiting to be delivered (they are safe on disk and are sent when the server is reachable)."
            ),
        )),
        Err(e) => checks.push(problem(
            format!("待发箱无法读取：{e}。"),
            format!("The outbox cannot be read: {e}."),
        )),
    }
    match facts.refused {
        Ok(refused) => {
            if !refused.is_empty() {
                let n = refused.len();
                checks.push(problem(
                    format!(
                        "{n} 份表单被服务器永久拒收，保存在本终端、不再发送；请把这些回执号告诉工会办公室："
                    ),
                    format!(
                        "{n} submission(s) were refused by the server for good and are kept on this kiosk, no longer sent; tell the union office these receipt codes:"
                    ),
                ));
            }
            for r in refused {
                checks.push(problem(
                    format!(
                        "  {}（表单 {}，提交于 {}）：{}",
                        r.receipt, r.form_id, r.submitted_at, r.message
                    ),
                    format!(
                        "  {} (form {}, submitted {}): {}",
                        r.receipt, r.form_id, r.submitted_at, r.message
                    ),
                ));
            }
        }
        Err(e) => checks.push(problem(
            format!("被拒收的表单无法读取：{e}。"),
            format!("The refused submissions cannot be read: {e}."),
        )),
    }
    checks
}
