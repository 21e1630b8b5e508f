//! The demo pack's 职代会提案: a call for proposals at the root, with one proposal concluded
//! (办结, with its reply), one accepted (立案, with the department in charge) and one not yet
//! reviewed.

use super::upsert;
use crate::state::AppState;
use protocol::proposal::{ProposalCall, ProposalEntry, ProposalStatus, Review, Signer};
use protocol::{ContentBody, OrgId};

fn signer(name: &str, department: &str) -> Signer {
    Signer {
        name: name.to_owned(),
        department: department.to_owned(),
    }
}

fn review(status: ProposalStatus, department: &str, reply: &str) -> Review {
    Review {
        status,
        department: department.to_owned(),
        reason: String::new(),
        reply: reply.to_owned(),
    }
}

/// Publishes the call and adds its proposals (loading again changes nothing).
pub(super) async fn load(state: &AppState, root: OrgId) -> anyhow::Result<()> {
    let call = ProposalCall {
        title: "2026年职代会提案征集".to_owned(),
        title_en: Some("2026 congress proposals".to_owned()),
        description:
            "第五届职工代表大会第三次会议前征集提案，凡涉及职工切身利益、企业发展的建议均可提出。\
                      提案须有至少 2 位附议人。"
                .to_owned(),
        min_cosigners: 2,
        closes_at: None,
    };
    let call_id = upsert(
        state,
        "proposal_call:2026".to_owned(),
        root,
        ContentBody::ProposalCall(call),
    )
    .await?;
    let accepted = review(ProposalStatus::Accepted, "行政后勤部", "");
    let proposals = [
        (
            ProposalEntry {
                title: "在营业部增设职工母婴室".to_owned(),
                reasons:
                    "营业部有哺乳期女职工 6 人，目前只能在更衣室哺乳和存放母乳，既不卫生也不方便。"
                        .to_owned(),
                measures: "利用一楼 110 室改建母婴室，配备冰箱、哺乳椅和洗手池，由工会管理钥匙。"
                    .to_owned(),
                proposer: signer("赵敏", "营业部"),
                phone: String::new(),
                cosigners: vec![signer("孙丽", "营业部"), signer("周杰", "运营管理部")],
            },
            vec![
                accepted.clone(),
                review(
                    ProposalStatus::Done,
                    "",
                    "母婴室已于 11 月 18 日在一楼 110 室建成并投入使用，配有冰箱、哺乳椅和洗手池，\
                     需要时向值班人员取钥匙。感谢提案人和附议人的建议。",
                ),
            ],
        ),
        (
            ProposalEntry {
                title: "延长职工食堂晚餐供应时间".to_owned(),
                reasons: "季末和年末加班较多，食堂 18:30 停止供应晚餐，加班职工只能点外卖。"
                    .to_owned(),
                measures: "季末、年末前两周晚餐供应延长到 20:00，或为加班职工提供简餐。".to_owned(),
                proposer: signer("吴刚", "信贷管理部"),
                phone: String::new(),
                cosigners: vec![
                    signer("郑华", "信贷管理部"),
                    signer("冯雪", "风险管理部"),
                    signer("陈晨", "科技部"),
                ],
            },
            vec![accepted],
        ),
        (
            ProposalEntry {
                title: "为一线柜员配备护腰座椅".to_owned(),
                reasons: "柜员久坐，腰椎不适的人越来越多。".to_owned(),
                measures: "分批更换柜台座椅。".to_owned(),
                proposer: signer("何平", "营业部"),
                phone: String::new(),
                cosigners: vec![signer("林涛", "营业部"), signer("许静", "营业部")],
            },
            Vec::new(),
        ),
    ];
    let (touched, head) = state
        .db
        .write(move |tx| {
            let mut touched = Vec::new();
            for (i, (entry, reviews)) in proposals.iter().enumerate() {
                let id = format!("demo-proposal-{}", i + 1);
                touched.extend(crate::proposals::add_reviewed(
                    tx, &id, &call_id.0, root, entry, reviews,
                )?);
            }
            Ok((touched, crate::content::feed_head(tx)?))
        })
        .await?;
    crate::places::announce(state, &touched, head);
    Ok(())
}
