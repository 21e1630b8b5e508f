//! Hostile input against the real server, one line per request: malformed, wrongly typed,
//! oversized and wrongly encoded bodies, missing and foreign credentials, replays and ids out of
//! the caller's scope, on every kiosk and staff endpoint. Each is refused with its documented
//! status and a `{"error", "message"}` body whose code the kiosk knows; afterwards nothing was
//! stored half-way and the server still answers.

use kiosk::admin;
use kiosk::store::Store;
use protocol::submission::{FormAnswers, SubmissionUpload};
use protocol::{ContentBody, EnrollmentString, ErrorCode, KioskId};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Staff, TestServer, Tree, news};

/// Who a request claims to be.
#[derive(Clone, Copy)]
enum Auth {
    Anonymous,
    /// The province's admin.
    Admin,
    /// City A's staff member.
    City,
    /// The kiosk at branch A.
    Kiosk,
    /// This `Authorization` header as it is.
    Header(&'static str),
    /// The admin's session token presented as a kiosk's credentials would be.
    StaffAsKiosk,
    /// The kiosk's credentials presented where a staff session is expected.
    KioskAsStaff,
}

/// What a request carries.
enum Body {
    None,
    Json(Value),
    /// These bytes with `Content-Type: application/json`.
    JsonBytes(Vec<u8>),
    /// These bytes with no content type.
    Untyped(&'static str),
}

struct Case {
    method: Method,
    path: String,
    auth: Auth,
    body: Body,
    status: u16,
    code: ErrorCode,
}

fn case(
    method: Method,
    path: impl Into<String>,
    auth: Auth,
    body: Body,
    status: u16,
    code: ErrorCode,
) -> Case {
    Case {
        method,
        path: path.into(),
        auth,
        body,
        status,
        code,
    }
}

/// A JSON object with one string field padded past `bytes`.
fn oversized(bytes: usize) -> Body {
    Body::JsonBytes(format!("{{\"pad\": \"{}\"}}", "x".repeat(bytes)).into_bytes())
}

/// `template` with the bytes of its `@` replaced by ones that are not UTF-8, in a string the
/// endpoint reads (a string it would skip is never checked).
fn not_utf8(template: &str) -> Body {
    let (before, after) = template.split_once('@').expect("the template has an @");
    let mut bytes = before.as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\xfe\xc3\x28");
    bytes.extend_from_slice(after.as_bytes());
    Body::JsonBytes(bytes)
}

/// JSON written in GBK, as a Windows tool set to the local code page sends it.
fn gbk(value: Value) -> Body {
    let text = value.to_string();
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "the text is all in GBK");
    Body::JsonBytes(bytes.into_owned())
}

/// The client's view of what the server stores: it must be the same after the barrage.
async fn snapshot(admin: &Staff) -> Value {
    let ids = |v: Value, key: &str| -> Value {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|row| row[key].clone())
            .collect()
    };
    let get = |path: &'static str| async move {
        admin.get::<Value>(path).await.expect("the admin can list")
    };
    json!({
        "content": get("v1/staff/content?limit=1000").await,
        "orgs": get("v1/staff/orgs").await,
        "users": ids(get("v1/staff/users").await, "id"),
        "kiosks": ids(get("v1/staff/kiosks").await, "id"),
        "submissions": get("v1/staff/submissions?limit=1000").await,
    })
}

/// A kiosk's store enrolled at branch A: its id, its `Authorization` header, and two sealed
/// uploads that pass (the first is delivered before the barrage).
async fn kiosk_with_uploads(
    tree: &Tree,
    form: &protocol::ContentId,
) -> (KioskId, String, [SubmissionUpload; 2], tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let enrolled = admin::enroll(&mut store, &created.enrollment_string, "")
        .await
        .expect("enrolls");
    let mut upload = |name: &str| {
        let answers = FormAnswers {
            answers: [
                ("name".to_owned(), json!(name)),
                ("phone".to_owned(), json!("13912345678")),
            ]
            .into(),
        };
        let saved = store.enqueue(form, 1, &answers).expect("saved");
        store
            .all_pending()
            .expect("pending")
            .into_iter()
            .find(|p| p.upload.id == saved.id)
            .expect("in the outbox")
            .upload
    };
    let uploads = [upload("甲"), upload("乙")];
    let bearer = protocol::enroll::kiosk_bearer(&enrolled.kiosk_id, &enrolled.secret);
    (enrolled.kiosk_id, bearer, uploads, dir)
}

#[tokio::test]
async fn hostile_requests_are_refused_with_json_and_store_nothing() {
    let server = TestServer::start_with(|c| c.staff.max_json_bytes = 64 * 1024).await;
    let tree = server.org_tree().await;
    let form_body: ContentBody = serde_json::from_value(json!({
        "kind": "form", "title": "困难帮扶申请",
        "fields": [
            {"key": "name", "label": "姓名", "type": "text", "required": true},
            {"key": "phone", "label": "手机号码", "type": "phone", "required": true}
        ]
    }))
    .expect("form body");
    let form = tree
        .admin
        .publish(tree.province, form_body.clone())
        .await
        .expect("form");
    let sibling_form = tree
        .admin
        .publish(tree.city_b, form_body)
        .await
        .expect("form");
    let sibling_item = tree
        .admin
        .publish(tree.city_b, news("乙市通知"))
        .await
        .expect("news");
    let sibling_kiosk = {
        let k = server.kiosk_at(&tree.admin, tree.branch_b).await;
        k.me().await.expect("who am I").kiosk_id
    };
    let (own_kiosk, kiosk, [delivered, pending], _kiosk_dir) =
        kiosk_with_uploads(&tree, &form.item.id).await;

    // Replays: a token already spent, a submission already delivered.
    let spent: EnrollmentString = tree
        .admin
        .enrollment_token(tree.branch_a)
        .await
        .enrollment_string
        .parse()
        .expect("parses");
    let enroll_body = json!({"token": spent.token, "name": "大厅", "version": "1"});
    server
        .client()
        .enroll(&serde_json::from_value(enroll_body.clone()).expect("an enroll request"))
        .await
        .expect("the token's first use enrolls");
    let staff_http = &tree.admin.http;
    let delivered_resp = staff_http
        .post(server.url.join("v1/submissions").expect("url"))
        .header("authorization", &kiosk)
        .json(&delivered)
        .send()
        .await
        .expect("reaches the server");
    assert_eq!(
        delivered_resp.status().as_u16(),
        201,
        "the first delivery is stored"
    );

    let before = snapshot(&tree.admin).await;
    let unknown_id = "0192f0c0-0000-7000-8000-000000000000";
    let unknown_hash = "ab".repeat(32);
    let sibling = &sibling_item.item.id;
    let with = |patch: Value| {
        let mut v = serde_json::to_value(&delivered).expect("an upload");
        for (k, x) in patch.as_object().expect("an object") {
            v[k] = x.clone();
        }
        Body::Json(v)
    };
    let news_write = |org: protocol::OrgId| {
        Body::Json(serde_json::to_value(tests::write(org, news("越界"))).expect("a write"))
    };

    use Auth::*;
    use ErrorCode as E;
    let get = || Method::GET;
    let post = || Method::POST;
    #[rustfmt::skip]
    let cases = [
        // Enrollment.
        case(post(), "v1/enroll", Anonymous, Body::JsonBytes(b"{\"token\": ".to_vec()), 400, E::MalformedJson),
        case(post(), "v1/enroll", Anonymous, Body::Json(json!({"token": 7, "name": [], "version": null})), 422, E::InvalidJsonFields),
        case(post(), "v1/enroll", Anonymous, Body::Json(json!([1, 2, 3])), 422, E::InvalidJsonFields),
        case(post(), "v1/enroll", Anonymous, oversized(5 * 1024), 413, E::PayloadTooLarge),
        case(post(), "v1/enroll", Anonymous, not_utf8(r#"{"token": "@", "name": "a", "version": "1"}"#), 400, E::MalformedJson),
        case(post(), "v1/enroll", Anonymous, gbk(json!({"token": "大厅注册码", "name": "大厅", "version": "1"})), 400, E::MalformedJson),
        case(post(), "v1/enroll", Anonymous, Body::Untyped("token=abc"), 415, E::ExpectedJson),
        case(post(), "v1/enroll", Anonymous, Body::Json(json!({"token": "no-such-token", "name": "", "version": ""})), 401, E::EnrollmentTokenUnknown),
        case(post(), "v1/enroll", Anonymous, Body::Json(enroll_body.clone()), 410, E::EnrollmentTokenUsed),
        // A kiosk's reads.
        case(get(), "v1/kiosk", Anonymous, Body::None, 401, E::MissingCredentials),
        case(get(), "v1/kiosk", Header("Basic YWRtaW46YWRtaW4="), Body::None, 401, E::MissingCredentials),
        case(get(), "v1/kiosk", Header("Bearer forged.secret"), Body::None, 401, E::InvalidKioskCredentials),
        case(get(), "v1/kiosk", Header("Bearer 没有这台.终端"), Body::None, 401, E::MissingCredentials),
        case(get(), "v1/kiosk", StaffAsKiosk, Body::None, 401, E::InvalidKioskCredentials),
        case(get(), "v1/changes", Anonymous, Body::None, 401, E::MissingCredentials),
        case(get(), "v1/changes?since=%00%ff", Kiosk, Body::None, 400, E::InvalidCursor),
        case(get(), "v1/changes?since=not-a-cursor", Kiosk, Body::None, 400, E::InvalidCursor),
        case(get(), "v1/changes?limit=many", Kiosk, Body::None, 400, E::InvalidQuery),
        case(get(), "v1/changes?limit=-1", Kiosk, Body::None, 400, E::InvalidQuery),
        case(get(), "v1/events", Header("Bearer forged.secret"), Body::None, 401, E::InvalidKioskCredentials),
        // Media is public (published images by unguessable hash): only the hash is checked.
        case(get(), "v1/media/not-a-hash", Anonymous, Body::None, 400, E::InvalidHash),
        case(get(), format!("v1/media/{unknown_hash}"), Anonymous, Body::None, 404, E::NotFound),
        // Submissions.
        case(post(), "v1/submissions", Anonymous, Body::Json(serde_json::to_value(&pending).expect("upload")), 401, E::MissingCredentials),
        case(post(), "v1/submissions", StaffAsKiosk, Body::Json(serde_json::to_value(&pending).expect("upload")), 401, E::InvalidKioskCredentials),
        case(post(), "v1/submissions", Kiosk, Body::JsonBytes(b"{\"id\": \"".to_vec()), 400, E::MalformedJson),
        case(post(), "v1/submissions", Kiosk, with(json!({"form_version": "one"})), 422, E::InvalidJsonFields),
        case(post(), "v1/submissions", Kiosk, with(json!({"submitted_at": "yesterday"})), 422, E::InvalidJsonFields),
        case(post(), "v1/submissions", Kiosk, oversized(65 * 1024), 413, E::PayloadTooLarge),
        case(post(), "v1/submissions", Kiosk, not_utf8(r#"{"id": "@"}"#), 400, E::MalformedJson),
        case(post(), "v1/submissions", Kiosk, with(json!({"id": "not-a-uuid"})), 400, E::InvalidSubmissionId),
        case(post(), "v1/submissions", Kiosk, with(json!({"receipt": "AAA-AAA-AAA"})), 400, E::InvalidReceipt),
        case(post(), "v1/submissions", Kiosk, with(json!({"id": pending.id, "receipt": pending.receipt, "sealed": "!!! not base64 !!!"})), 400, E::InvalidSealed),
        case(post(), "v1/submissions", Kiosk, with(json!({"id": pending.id, "receipt": pending.receipt, "sealed": "AAAA"})), 400, E::Undecryptable),
        // The stored id and receipt resent with another body, or half of the pair reused.
        case(post(), "v1/submissions", Kiosk, with(json!({"sealed": pending.sealed})), 409, E::SubmissionConflict),
        case(post(), "v1/submissions", Kiosk, with(json!({"id": pending.id})), 409, E::SubmissionConflict),
        case(post(), "v1/submissions", Kiosk, with(json!({"id": pending.id, "receipt": pending.receipt, "form_id": sibling_form.item.id})), 422, E::UnknownFormVersion),
        case(post(), "v1/submissions", Kiosk, with(json!({"id": pending.id, "receipt": pending.receipt, "form_version": 99})), 422, E::UnknownFormVersion),
        // Status checks and heartbeats.
        case(post(), "v1/status-check", Anonymous, Body::Json(json!({"receipt": "x", "phone_last4": "1234"})), 401, E::MissingCredentials),
        case(post(), "v1/status-check", Kiosk, Body::Json(json!({"receipt": 12, "phone_last4": 1234})), 422, E::InvalidJsonFields),
        case(post(), "v1/status-check", Kiosk, oversized(5 * 1024), 413, E::PayloadTooLarge),
        case(post(), "v1/status-check", Kiosk, gbk(json!({"receipt": "回执", "phone_last4": "1234"})), 400, E::MalformedJson),
        case(post(), "v1/heartbeat", Kiosk, Body::Json(json!({"version": 1, "outbox_depth": "lots"})), 422, E::InvalidJsonFields),
        case(post(), "v1/heartbeat", Kiosk, Body::JsonBytes(b"{{{{".to_vec()), 400, E::MalformedJson),
        case(post(), "v1/heartbeat", Kiosk, oversized(sync_server::usage::HEARTBEAT_LIMIT + 1024), 413, E::PayloadTooLarge),
        case(post(), "v1/heartbeat", Anonymous, Body::Json(json!({})), 401, E::MissingCredentials),
        // Answers to console commands (remote care); none was asked of this kiosk.
        case(post(), "v1/commands/1/result", Anonymous, Body::Json(json!({"ok": true, "text": ""})), 401, E::MissingCredentials),
        case(post(), "v1/commands/1/result", StaffAsKiosk, Body::Json(json!({"ok": true, "text": ""})), 401, E::InvalidKioskCredentials),
        case(post(), "v1/commands/first/result", Kiosk, Body::Json(json!({"ok": true, "text": ""})), 400, E::InvalidPath),
        case(post(), "v1/commands/1/result", Kiosk, Body::JsonBytes(b"{\"ok\": tru".to_vec()), 400, E::MalformedJson),
        case(post(), "v1/commands/1/result", Kiosk, Body::Json(json!({"ok": "yes", "text": 3})), 422, E::InvalidJsonFields),
        case(post(), "v1/commands/1/result", Kiosk, Body::Untyped("done"), 415, E::ExpectedJson),
        case(post(), "v1/commands/1/result", Kiosk, gbk(json!({"ok": true, "text": "完成"})), 400, E::MalformedJson),
        case(post(), "v1/commands/1/result", Kiosk, Body::Json(json!({"ok": true, "text": "done"})), 404, E::NotFound),
        // Staff sign-in.
        case(post(), "v1/staff/login", Anonymous, Body::JsonBytes(b"{\"username\": \"admin\", ".to_vec()), 400, E::MalformedJson),
        case(post(), "v1/staff/login", Anonymous, Body::Json(json!({"username": ["admin"], "password": true})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/login", Anonymous, oversized(5 * 1024), 413, E::PayloadTooLarge),
        case(post(), "v1/staff/login", Anonymous, gbk(json!({"username": "管理员", "password": "密码"})), 400, E::MalformedJson),
        case(post(), "v1/staff/login", Anonymous, Body::Untyped("username=admin&password=x"), 415, E::ExpectedJson),
        case(post(), "v1/staff/login", Anonymous, Body::Json(json!({"username": "admin", "password": "wrong-password"})), 401, E::InvalidCredentials),
        // Staff calls without a session, or with a kiosk's credentials.
        case(get(), "v1/staff/me", Anonymous, Body::None, 401, E::MissingCredentials),
        case(get(), "v1/staff/content", Header("Bearer forged-session"), Body::None, 401, E::InvalidSession),
        case(get(), "v1/staff/content", KioskAsStaff, Body::None, 401, E::InvalidSession),
        case(post(), "v1/staff/content", Anonymous, news_write(tree.city_a), 401, E::MissingCredentials),
        case(get(), "v1/staff/submissions", KioskAsStaff, Body::None, 401, E::InvalidSession),
        // Content.
        case(post(), "v1/staff/content", City, Body::JsonBytes(b"{\"org_id\": ".to_vec()), 400, E::MalformedJson),
        case(post(), "v1/staff/content", City, Body::Json(json!({"org_id": "甲市", "published": "yes", "body": 3})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/content", City, Body::Json(json!({"org_id": tree.city_a, "published": true, "body": {"kind": "poem", "title": "x"}})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/content", City, oversized(65 * 1024), 413, E::PayloadTooLarge),
        case(post(), "v1/staff/content", City, not_utf8(r#"{"body": {"kind": "news", "title": "@"}}"#), 400, E::MalformedJson),
        case(post(), "v1/staff/content", City, gbk(serde_json::to_value(tests::write(tree.city_a, news("通知"))).expect("a write")), 400, E::MalformedJson),
        case(post(), "v1/staff/content", City, Body::Untyped("{}"), 415, E::ExpectedJson),
        case(post(), "v1/staff/content", City, news_write(tree.city_b), 403, E::OutsideYourOrg),
        case(post(), "v1/staff/content", City, news_write(tree.province), 403, E::OutsideYourOrg),
        case(post(), "v1/staff/content", City, news_write(protocol::OrgId(9999)), 404, E::NotFound),
        case(post(), "v1/staff/content", City, Body::Json(json!({"org_id": tree.city_a, "published": true, "body": {"kind": "news", "title": "", "body_markdown": "", "category": "policy"}})), 422, E::InvalidContent),
        case(post(), "v1/staff/content", City, Body::Json(json!({"org_id": tree.city_a, "published": true, "body": {"kind": "news", "title": "图", "body_markdown": "正文", "category": "policy", "cover": unknown_hash}})), 400, E::UnknownMedia),
        case(get(), format!("v1/staff/content/{sibling}"), City, Body::None, 404, E::NotFound),
        case(get(), format!("v1/staff/content/{unknown_id}"), City, Body::None, 404, E::NotFound),
        case(Method::PUT, format!("v1/staff/content/{sibling}"), City, news_write(tree.city_a), 404, E::NotFound),
        case(Method::DELETE, format!("v1/staff/content/{sibling}"), City, Body::None, 404, E::NotFound),
        case(post(), format!("v1/staff/content/{sibling}/unpublish"), City, Body::None, 404, E::NotFound),
        case(post(), format!("v1/staff/content/{sibling}/publish"), City, Body::None, 404, E::NotFound),
        case(Method::PUT, format!("v1/staff/content/{}", form.item.id), Admin, news_write(tree.province), 409, E::KindMismatch),
        case(get(), "v1/staff/content?kind=poetry", City, Body::None, 400, E::InvalidQuery),
        case(get(), "v1/staff/content?limit=-5", City, Body::None, 400, E::InvalidQuery),
        case(get(), format!("v1/staff/content?org_id={}", tree.city_b), City, Body::None, 403, E::OutsideYourOrg),
        case(get(), format!("v1/staff/forms/{}/versions/one", form.item.id), City, Body::None, 400, E::InvalidPath),
        case(get(), format!("v1/staff/forms/{}/versions/1", sibling_form.item.id), City, Body::None, 404, E::NotFound),
        // Media uploads.
        case(post(), "v1/staff/media", City, Body::Json(json!({"file": "aGVsbG8="})), 400, E::InvalidUpload),
        case(post(), "v1/staff/media", Anonymous, Body::Json(json!({})), 401, E::MissingCredentials),
        // Orgs, accounts, tokens, kiosks.
        case(post(), "v1/staff/orgs", City, Body::Json(json!({"parent_id": [1], "name": 5})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/orgs", City, Body::Json(json!({"parent_id": tree.city_b, "name": "偷建"})), 403, E::OutsideYourOrg),
        case(post(), "v1/staff/users", City, Body::Json(json!({"username": "x", "password": 1})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/users", City, Body::Json(json!({"username": "intruder", "password": "long-enough-password", "display_name": "x", "org_id": tree.province})), 403, E::OutsideYourOrg),
        case(post(), "v1/staff/users", City, Body::Json(json!({"username": "short", "password": "1", "display_name": "x", "org_id": tree.city_a})), 400, E::WeakPassword),
        case(post(), "v1/staff/users", City, Body::Json(json!({"username": "坏 名字", "password": "long-enough-password", "display_name": "x", "org_id": tree.city_a})), 400, E::InvalidUsername),
        case(post(), "v1/staff/users/1/disable", City, Body::None, 404, E::NotFound),
        case(post(), "v1/staff/users/abc/disable", City, Body::None, 400, E::InvalidPath),
        case(post(), "v1/staff/me/password", City, Body::Json(json!({"current_password": 1})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/enrollment-tokens", City, Body::Json(json!({"org_id": "one"})), 422, E::InvalidJsonFields),
        case(post(), "v1/staff/enrollment-tokens", City, Body::Json(json!({"org_id": tree.branch_b})), 403, E::OutsideYourOrg),
        case(post(), "v1/staff/enrollment-tokens", City, Body::Json(json!({"org_id": tree.city_a, "valid_minutes": 0})), 400, E::InvalidValidity),
        case(post(), format!("v1/staff/kiosks/{sibling_kiosk}/revoke"), City, Body::None, 404, E::NotFound),
        case(post(), format!("v1/staff/kiosks/{sibling_kiosk}/move"), City, Body::Json(json!({"org_id": tree.city_a})), 404, E::NotFound),
        case(post(), format!("v1/staff/kiosks/{own_kiosk}/move"), City, Body::Json(json!({"org_id": tree.city_b})), 403, E::OutsideYourOrg),
        case(post(), format!("v1/staff/kiosks/{own_kiosk}/move"), City, Body::Json(json!({"org_id": "甲"})), 422, E::InvalidJsonFields),
        // Submissions and the audit log.
        case(get(), format!("v1/staff/submissions/{unknown_id}"), City, Body::None, 404, E::NotFound),
        case(post(), format!("v1/staff/submissions/{}/status", delivered.id), City, Body::Json(json!({"status": "bogus"})), 422, E::InvalidJsonFields),
        case(post(), format!("v1/staff/submissions/{}/status", delivered.id), City, Body::Json(json!({"status": "replied"})), 400, E::ReplyRequired),
        case(get(), "v1/staff/submissions?from=last-week", City, Body::None, 400, E::InvalidQuery),
        case(get(), "v1/staff/audit", City, Body::None, 403, E::TopOrgOnly),
        case(get(), "v1/staff/audit?limit=lots", Admin, Body::None, 400, E::InvalidQuery),
        // Neither kiosk nor staff.
        case(get(), "v1/nothing-here", Anonymous, Body::None, 404, E::NoSuchEndpoint),
        case(Method::DELETE, "v1/enroll", Anonymous, Body::None, 405, E::MethodNotAllowed),
        case(get(), format!("v1/changes?since={}", "a".repeat(9 * 1024)), Kiosk, Body::None, 414, E::UriTooLong),
    ];

    let mut wrong = Vec::new();
    for (line, c) in cases.into_iter().enumerate() {
        let mut req = staff_http.request(c.method.clone(), server.url.join(&c.path).expect("url"));
        req = match c.auth {
            Anonymous => req,
            Admin => req.bearer_auth(&tree.admin.token),
            City => req.bearer_auth(&tree.city_staff.token),
            Kiosk | KioskAsStaff => req.header("authorization", &kiosk),
            Header(h) => req.header("authorization", h),
            StaffAsKiosk => req.header("authorization", format!("Bearer {}", tree.admin.token)),
        };
        req = match c.body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::JsonBytes(b) => req.header("content-type", "application/json").body(b),
            Body::Untyped(s) => req.body(s),
        };
        let resp = req.send().await.expect("the request reaches the server");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        let what = format!(
            "case {line} ({} {})",
            c.method,
            c.path.chars().take(80).collect::<String>()
        );
        let body: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                wrong.push(format!(
                    "{what}: {status}, body not JSON ({e}): {text:.200}"
                ));
                continue;
            }
        };
        let fields: Vec<&str> = body
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let code = serde_json::from_value::<ErrorCode>(body["error"].clone());
        let message = body["message"].as_str().unwrap_or_default();
        if fields != ["error", "message"] || message.is_empty() {
            wrong.push(format!("{what}: not an error body: {text:.200}"));
        } else if !matches!(&code, Ok(c) if *c != ErrorCode::Unrecognised) {
            wrong.push(format!("{what}: unknown code: {text:.200}"));
        } else if (status, code.as_ref().ok()) != (c.status, Some(&c.code)) {
            wrong.push(format!(
                "{what}: expected {} {:?}, got {status} {text:.200}",
                c.status, c.code
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases answered wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    assert_eq!(snapshot(&tree.admin).await, before, "nothing was stored");
    server
        .client()
        .health()
        .await
        .expect("the server still answers");
}
