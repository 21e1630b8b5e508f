//! 职代会提案 (issue 19, part 3b): a proposal written on a real kiosk goes through its outbox
//! to the server, which checks it again (a kiosk that skips the co-signer rules is refused),
//! numbers it and publishes it at the call's org; staff review it (role and scope checked, a
//! status never taken back); another kiosk receives its status and reply, with the signers'
//! names and never a phone number; and the receipt answers under 办理进度.

use protocol::proposal::{Proposal, ProposalCall, ProposalStatus, Review};
use protocol::staff::Role;
use protocol::submission::FormAnswers;
use protocol::workflow::{Status, StatusQuery};
use protocol::{ContentBody, ContentKind};
use serde_json::Value;
use sync_server::proposals::StaffProposal;
use tests::{EnrolledKiosk, TestServer};

const PHONE: &str = "13912345678";

fn answers(pairs: &[(&str, &str)]) -> FormAnswers {
    FormAnswers {
        answers: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect(),
    }
}

fn proposal(cosigners: &[(&str, &str)]) -> FormAnswers {
    let mut pairs = vec![
        ("title", "增设职工母婴室"),
        ("reasons", "哺乳期女职工没有合适的场所"),
        ("measures", "在一楼设一间母婴室"),
        ("name", "王芳"),
        ("department", "营业部"),
        ("phone", PHONE),
    ];
    let keys: Vec<(String, String)> = (1..=cosigners.len())
        .map(|i| (format!("cosigner_{i}_name"), format!("cosigner_{i}_dept")))
        .collect();
    for ((name, dept), (nk, dk)) in cosigners.iter().zip(&keys) {
        pairs.push((nk.as_str(), name));
        pairs.push((dk.as_str(), dept));
    }
    answers(&pairs)
}

fn review(status: ProposalStatus, department: &str, reason: &str, reply: &str) -> Review {
    Review {
        status,
        department: department.to_owned(),
        reason: reason.to_owned(),
        reply: reply.to_owned(),
    }
}

/// The proposals a kiosk holds, as the feed gave them (the items' raw JSON too).
fn held(k: &EnrolledKiosk) -> Vec<(Proposal, String)> {
    let store = k.store.lock().expect("store");
    store
        .items(ContentKind::Proposal)
        .expect("items")
        .into_iter()
        .map(|i| {
            let json = serde_json::to_string(&i).expect("json");
            match i.body {
                ContentBody::Proposal(p) => (p, json),
                _ => unreachable!("items of kind proposal"),
            }
        })
        .collect()
}

#[tokio::test]
async fn a_proposal_goes_through_the_outbox_is_reviewed_and_reaches_every_kiosk_in_scope() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let call = ProposalCall {
        title: "2026年职代会提案征集".to_owned(),
        title_en: None,
        description: String::new(),
        min_cosigners: 2,
        closes_at: None,
    };
    let published = tree
        .city_staff
        .publish(tree.city_a, ContentBody::ProposalCall(call))
        .await
        .expect("a publisher publishes a call");
    let call_id = published.item.id.clone();

    // The employee's kiosk: the call is listed with the form it makes.
    let writer = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, Default::default()).await;
    writer.engine.sync_now().await.expect("synced");
    let listed = {
        let store = writer.store.lock().expect("store");
        kiosk::proposals::read(&store).expect("calls")
    };
    assert_eq!(listed.len(), 1);
    assert!(listed[0].call.form().field("cosigner_2_name").is_some());
    let version = listed[0].item.version;

    // One proposal with two co-signers, and one a kiosk sent with a single co-signer (as a
    // hostile or broken kiosk could): the server refuses it for good.
    let good = proposal(&[("李强", "信贷部"), ("张伟", "运营部")]);
    let saved = writer
        .engine
        .submit(call_id.clone(), version, good)
        .await
        .expect("saved");
    let too_few = proposal(&[("李强", "信贷部")]);
    writer
        .engine
        .submit(call_id.clone(), version, too_few)
        .await
        .expect("saved");
    let own_name = proposal(&[("王芳", "营业部"), ("张伟", "运营部")]);
    writer
        .engine
        .submit(call_id.clone(), version, own_name)
        .await
        .expect("saved");
    let sent = writer.engine.sync_now().await.expect("delivered");
    assert_eq!((sent.delivered, sent.refused), (1, 2));

    // Another kiosk in scope sees it pending: its number and day, nothing typed.
    let reader = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, Default::default()).await;
    reader.engine.sync_now().await.expect("synced");
    let shown = held(&reader);
    assert_eq!(shown.len(), 1);
    let (pending, json) = &shown[0];
    assert_eq!(
        (pending.number, pending.status),
        (1, ProposalStatus::Pending)
    );
    assert!(pending.title.is_empty() && pending.proposer.is_none());
    assert!(!json.contains("母婴室") && !json.contains("5678"), "{json}");
    // A kiosk of the other city sees neither the call nor the proposal.
    let elsewhere = EnrolledKiosk::enroll(&tree.admin, tree.branch_b, Default::default()).await;
    elsewhere.engine.sync_now().await.expect("synced");
    assert!(held(&elsewhere).is_empty());

    // Staff: a case handler of the other city, and a viewer of this one, are refused.
    let listed: Vec<StaffProposal> = tree
        .city_staff
        .get(&format!("v1/staff/proposals?call={call_id}"))
        .await
        .expect("listed");
    assert_eq!(listed.len(), 1);
    let id = listed[0].submission_id.clone();
    let path = format!("v1/staff/proposals/{id}/review");
    let accept = review(ProposalStatus::Accepted, "行政后勤部", "", "");
    let sibling = server
        .user(
            &tree.admin,
            "city_b_cases",
            tree.city_b,
            &[Role::CaseHandler],
        )
        .await;
    let refused = sibling
        .post::<_, StaffProposal>(&path, &accept)
        .await
        .expect_err("another city's case handler");
    assert_eq!(refused.status, 404);
    let sibling_list: Vec<StaffProposal> = sibling.get("v1/staff/proposals").await.expect("listed");
    assert!(
        sibling_list.is_empty(),
        "another city's proposals are not listed"
    );
    let viewer = server
        .user(&tree.admin, "city_a_viewer", tree.city_a, &[Role::Viewer])
        .await;
    let refused = viewer
        .post::<_, StaffProposal>(&path, &accept)
        .await
        .expect_err("a viewer");
    assert_eq!(refused.status, 403);
    let refused = tree
        .city_staff
        .post::<_, StaffProposal>(&path, &review(ProposalStatus::Accepted, " ", "", ""))
        .await
        .expect_err("accepted without a department");
    assert_eq!(refused.status, 400);

    // 立案, then 办结 with the reply; a status is never taken back.
    let accepted: StaffProposal = tree
        .city_staff
        .post(&path, &accept)
        .await
        .expect("accepted");
    assert_eq!(accepted.proposal.status, ProposalStatus::Accepted);
    let reply = "母婴室已在一楼 110 室建成。";
    let done: StaffProposal = tree
        .city_staff
        .post(&path, &review(ProposalStatus::Done, "", "", reply))
        .await
        .expect("concluded");
    assert_eq!(done.proposal.department, "行政后勤部");
    let refused = tree
        .city_staff
        .post::<_, StaffProposal>(&path, &review(ProposalStatus::Declined, "", "不需要", ""))
        .await
        .expect_err("a concluded proposal stays concluded");
    assert_eq!(refused.status, 409);
    // Its status moves only by review, never through the inbox's status change.
    let refused = tree
        .city_staff
        .post::<_, Value>(
            &format!("v1/staff/submissions/{id}/status"),
            &serde_json::json!({"status": "processing"}),
        )
        .await
        .expect_err("not through the inbox");
    assert_eq!(refused.status, 409);
    assert!(refused.body.message.contains("职代会提案"), "{refused:?}");

    // The other kiosk receives the whole proposal with its reply, and no phone in it.
    reader.engine.sync_now().await.expect("synced");
    let (p, json) = held(&reader).pop().expect("the proposal");
    assert_eq!(p.status, ProposalStatus::Done);
    assert_eq!(p.title, "增设职工母婴室");
    assert_eq!(p.reply, reply);
    assert_eq!(p.department, "行政后勤部");
    assert_eq!(p.proposer.expect("proposer").name, "王芳");
    let names: Vec<&str> = p.cosigners.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["李强", "张伟"]);
    assert!(!json.contains(PHONE) && !json.contains("5678"), "{json}");

    // 办理进度: the receipt names the call, and says it is answered with the reply.
    let checker = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let answer = checker
        .status_check(&StatusQuery {
            receipt: saved.receipt.clone(),
            phone_last4: PHONE[7..].to_owned(),
        })
        .await
        .expect("checked");
    assert!(
        answer.form_title.contains("2026年职代会提案征集"),
        "{}",
        answer.form_title
    );
    assert_eq!(answer.status, Status::Replied);
    assert_eq!(answer.reply.as_deref(), Some(reply));

    // Each review is in the audit log against the proposal's receipt.
    let audit: Vec<protocol::staff::AuditEntry> =
        tree.admin.get("v1/staff/audit").await.expect("audit log");
    let changes = audit
        .iter()
        .filter(|e| {
            e.action == protocol::staff::AuditAction::Change && e.receipts.contains(&saved.receipt)
        })
        .count();
    assert_eq!(changes, 2);

    // Staff withdraw the call; a proposal written on the kiosk's copy of it before the kiosk
    // heard is refused for good, not numbered under a call nobody runs any more.
    let late = proposal(&[("李强", "信贷部"), ("张伟", "运营部")]);
    writer
        .engine
        .submit(call_id.clone(), version, late)
        .await
        .expect("saved");
    tree.city_staff
        .delete(&format!("v1/staff/content/{call_id}"))
        .await
        .expect("a publisher withdraws the call");
    let sent = writer.engine.sync_now().await.expect("delivered");
    assert_eq!((sent.delivered, sent.refused), (0, 1));
}
