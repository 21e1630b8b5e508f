//! 职代会提案: proposals to the workers' congress.
//!
//! Staff publish a [`ProposalCall`] (content kind `proposal_call`): the congress session's call
//! for proposals, with how many co-signers (附议人) a proposal needs. An employee writes a
//! proposal at a kiosk on the form the call makes ([`ProposalCall::form`]), and it goes through the
//! outbox like any form: a sealed submission whose `form_id` names the call. The server checks it
//! again ([`ProposalEntry::from_answers`]: the form's rules, then [`cosigner_problem`] over every
//! co-signer), numbers it within the call and keeps a [`Proposal`] item per proposal in the feed
//! (kind `proposal`, written by the server only). Proposals are signed documents, so once staff
//! have reviewed one its text, the proposer's name and department and the co-signers' names are
//! public on the kiosks, with its status (立案 / 不立案 / 办结) and the reply; a phone number never is.
//! A proposal not yet reviewed is listed by its number and date only: its text is unread input
//! from a lobby.

use crate::answers::{Answers, Lang};
use crate::content::{FormDefinition, Problems};
use crate::ids::ContentId;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The most co-signers a call may ask for, and the rows its form has.
pub const MAX_COSIGNERS: u32 = 8;
/// 案由 at most this many characters.
pub const TITLE_MAX: u32 = 60;
/// Reasons and measures each at most this many characters.
pub const TEXT_MAX: u32 = 2000;
/// A staff member's department, reason or reply at most this many characters.
pub const REVIEW_MAX: usize = 2000;

/// Content kind `proposal_call`: a congress session's call for proposals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCall {
    /// e.g. 2026年职代会提案征集
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub description: String,
    /// How many co-signers (附议人) a proposal needs besides its proposer.
    pub min_cosigners: u32,
    /// Proposals written after this are refused; the kiosk stops offering the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<Timestamp>,
}

impl ProposalCall {
    pub(crate) fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, 100);
        if let Some(en) = &self.title_en {
            p.text("title_en", en, false, 100);
        }
        p.text("description", &self.description, false, 2000);
        if self.min_cosigners > MAX_COSIGNERS {
            p.add(
                "min_cosigners",
                format!("附议人最多要求 {MAX_COSIGNERS} 位"),
            );
        }
    }

    /// Whether a proposal written at `at` is still taken.
    pub fn open_at(&self, at: Timestamp) -> bool {
        self.closes_at.is_none_or(|c| at <= c)
    }

    /// The co-signer rows the form has: the required ones and two more, within the maximum.
    pub fn rows(&self) -> u32 {
        (self.min_cosigners + 2).clamp(1, MAX_COSIGNERS)
    }

    /// The form a proposal is written on: 案由, reasons, measures, the proposer (name,
    /// department, phone for the status check) and a row per co-signer (name and department),
    /// the first `min_cosigners` rows required.
    pub fn form(&self) -> FormDefinition {
        let mut fields = vec![
            json!({"key": "title", "label": "案由（提案题目）", "label_en": "Subject",
                   "type": "text", "max_len": TITLE_MAX, "required": true}),
            json!({"key": "reasons", "label": "提案理由", "label_en": "Reasons",
                   "type": "multiline", "max_len": TEXT_MAX, "required": true}),
            json!({"key": "measures", "label": "建议措施", "label_en": "Suggested measures",
                   "type": "multiline", "max_len": TEXT_MAX, "required": true}),
            json!({"key": "proposer", "label": "提案人", "label_en": "Proposer",
                   "type": "section",
                   "help": "姓名和部门随提案公开；手机号码只用于查询办理进度，不公开。\
                            Your name and department are public with the proposal; the phone \
                            number only checks progress and is never shown."}),
            json!({"key": "name", "label": "姓名", "label_en": "Name", "type": "text",
                   "person_name": true, "max_len": 40, "required": true}),
            json!({"key": "department", "label": "部门", "label_en": "Department",
                   "type": "text", "max_len": 40, "required": true}),
            json!({"key": "phone", "label": "手机号码", "label_en": "Mobile number",
                   "type": "phone", "status_check": true, "required": true}),
            json!({"key": "cosigners", "label": "附议人", "label_en": "Co-signers",
                   "type": "section",
                   "help": format!(
                       "至少 {} 位附议人，不能重复，也不能是提案人本人。\
                        At least {} co-signers, each once, not the proposer.",
                       self.min_cosigners, self.min_cosigners)}),
        ];
        for i in 1..=self.rows() {
            let required = i <= self.min_cosigners;
            fields.push(json!({"key": format!("cosigner_{i}_name"),
                "label": format!("附议人{i} 姓名"), "label_en": format!("Co-signer {i}: name"),
                "type": "text", "person_name": true, "max_len": 40, "required": required}));
            fields.push(json!({"key": format!("cosigner_{i}_dept"),
                "label": format!("附议人{i} 部门"),
                "label_en": format!("Co-signer {i}: department"),
                "type": "text", "max_len": 40, "required": required}));
        }
        serde_json::from_value(json!({
            "title": self.title,
            "title_en": self.title_en,
            "description": self.description,
            "fields": fields,
        }))
        .expect("a call's proposal form is a valid form definition")
    }
}

/// A name compared as a person would: spaces ignored.
fn same_name(a: &str, b: &str) -> bool {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    squeeze(a) == squeeze(b)
}

fn text_of<'a>(answers: &'a Answers, key: &str) -> &'a str {
    answers
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
}

/// Which co-signer row a key belongs to, and whether it is the name (or the department).
fn cosigner_key(key: &str) -> Option<(u32, bool)> {
    let rest = key.strip_prefix("cosigner_")?;
    let (n, part) = rest.split_once('_')?;
    let n: u32 = n.parse().ok()?;
    match part {
        "name" => Some((n, true)),
        "dept" => Some((n, false)),
        _ => None,
    }
}

/// What is wrong with a co-signer row beyond the form's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CosignerProblem {
    /// The proposer cannot co-sign their own proposal.
    IsProposer,
    /// The same person is already an earlier co-signer.
    Duplicate,
    /// A name without a department.
    NoDepartment,
    /// A department without a name.
    NoName,
    /// Fewer co-signers than the call asks for.
    TooFew(u32),
}

impl CosignerProblem {
    pub fn message(self, lang: Lang) -> String {
        match (self, lang) {
            (CosignerProblem::IsProposer, Lang::Zh) => "提案人本人不能作为附议人".into(),
            (CosignerProblem::IsProposer, Lang::En) => {
                "The proposer cannot co-sign their own proposal".into()
            }
            (CosignerProblem::Duplicate, Lang::Zh) => "这位附议人已经填过了".into(),
            (CosignerProblem::Duplicate, Lang::En) => "This co-signer is already listed".into(),
            (CosignerProblem::NoDepartment, Lang::Zh) => "请填写这位附议人的部门".into(),
            (CosignerProblem::NoDepartment, Lang::En) => {
                "Please give this co-signer's department".into()
            }
            (CosignerProblem::NoName, Lang::Zh) => "请填写附议人的姓名".into(),
            (CosignerProblem::NoName, Lang::En) => "Please give the co-signer's name".into(),
            (CosignerProblem::TooFew(n), Lang::Zh) => format!("至少需要 {n} 位附议人"),
            (CosignerProblem::TooFew(n), Lang::En) => format!("At least {n} co-signers are needed"),
        }
    }
}

/// The problem with the co-signer field `key` given all the answers, if any: checked on the
/// kiosk as the employee types and on the server for every row. Fields other than a
/// co-signer's have none here (the form's own rules cover them).
pub fn cosigner_problem(answers: &Answers, key: &str) -> Option<CosignerProblem> {
    let (n, is_name) = cosigner_key(key)?;
    let name = text_of(answers, &format!("cosigner_{n}_name"));
    let dept = text_of(answers, &format!("cosigner_{n}_dept"));
    if !is_name {
        return (dept.is_empty() && !name.is_empty()).then_some(CosignerProblem::NoDepartment);
    }
    if name.is_empty() {
        return (!dept.is_empty()).then_some(CosignerProblem::NoName);
    }
    if same_name(name, text_of(answers, "name")) {
        return Some(CosignerProblem::IsProposer);
    }
    let earlier = (1..n).any(|i| same_name(name, text_of(answers, &format!("cosigner_{i}_name"))));
    earlier.then_some(CosignerProblem::Duplicate)
}

/// [`cosigner_problem`] as a sentence in `lang`: the kiosk's form checks it under each field.
pub fn cosigner_rule(answers: &Answers, key: &str, lang: Lang) -> Option<String> {
    cosigner_problem(answers, key).map(|p| p.message(lang))
}

/// A person who signs a proposal, as made public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub name: String,
    pub department: String,
}

/// A proposal as an employee wrote it (the sealed answers, checked).
#[derive(Clone, PartialEq, Eq)]
pub struct ProposalEntry {
    pub title: String,
    pub reasons: String,
    pub measures: String,
    pub proposer: Signer,
    pub phone: String,
    pub cosigners: Vec<Signer>,
}

impl std::fmt::Debug for ProposalEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProposalEntry")
            .field("cosigners", &self.cosigners.len())
            .finish_non_exhaustive()
    }
}

/// Why a proposal was refused: a sentence for the server's refusal (Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEntry(pub String);

impl ProposalEntry {
    /// Reads and checks a proposal against the call's form: its rules (with the answers
    /// prepared as the form prepares them), every co-signer row, and the minimum.
    pub fn from_answers(
        call: &ProposalCall,
        answers: &Answers,
        today: Date,
    ) -> Result<(ProposalEntry, Answers), InvalidEntry> {
        let form = call.form();
        let prepared = form
            .prepare_answers(answers, today)
            .map_err(|errors| InvalidEntry(crate::answers::describe(&form, &errors, Lang::Zh)))?;
        let mut cosigners = Vec::new();
        for i in 1..=call.rows() {
            for key in [format!("cosigner_{i}_name"), format!("cosigner_{i}_dept")] {
                if let Some(problem) = cosigner_problem(&prepared, &key) {
                    return Err(InvalidEntry(format!(
                        "附议人{i}：{}",
                        problem.message(Lang::Zh)
                    )));
                }
            }
            let name = text_of(&prepared, &format!("cosigner_{i}_name"));
            if !name.is_empty() {
                cosigners.push(Signer {
                    name: name.to_owned(),
                    department: text_of(&prepared, &format!("cosigner_{i}_dept")).to_owned(),
                });
            }
        }
        if (cosigners.len() as u32) < call.min_cosigners {
            return Err(InvalidEntry(
                CosignerProblem::TooFew(call.min_cosigners).message(Lang::Zh),
            ));
        }
        let entry = ProposalEntry {
            title: text_of(&prepared, "title").to_owned(),
            reasons: text_of(&prepared, "reasons").to_owned(),
            measures: text_of(&prepared, "measures").to_owned(),
            proposer: Signer {
                name: text_of(&prepared, "name").to_owned(),
                department: text_of(&prepared, "department").to_owned(),
            },
            phone: text_of(&prepared, "phone").to_owned(),
            cosigners,
        };
        Ok((entry, prepared))
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// 待审查: received, not yet reviewed.
    Pending,
    /// 立案: accepted, a department answers for it.
    Accepted,
    /// 不立案: not accepted, with the reason.
    Declined,
    /// 办结: done, with the reply.
    Done,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 4] = [
        ProposalStatus::Pending,
        ProposalStatus::Accepted,
        ProposalStatus::Declined,
        ProposalStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Declined => "declined",
            ProposalStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalStatus> {
        ProposalStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "待审查",
            ProposalStatus::Accepted => "立案",
            ProposalStatus::Declined => "不立案",
            ProposalStatus::Done => "办结",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "Under review",
            ProposalStatus::Accepted => "Accepted",
            ProposalStatus::Declined => "Not accepted",
            ProposalStatus::Done => "Concluded",
        }
    }

    /// Whether staff may move a proposal from `self` to `to`: a pending one is accepted or
    /// declined, an accepted one concluded. A status is never taken back.
    pub fn may_become(self, to: ProposalStatus) -> bool {
        matches!(
            (self, to),
            (ProposalStatus::Pending, ProposalStatus::Accepted)
                | (ProposalStatus::Pending, ProposalStatus::Declined)
                | (ProposalStatus::Accepted, ProposalStatus::Done)
        )
    }
}

/// A staff member's review: the new status and what it needs (the department for 立案, the
/// reason for 不立案, the reply for 办结). `POST /v1/staff/proposals/{id}/review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub status: ProposalStatus,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub reply: String,
}

impl Review {
    /// The one problem with the review, in Chinese, if any.
    pub fn problem(&self) -> Option<String> {
        let (what, value) = match self.status {
            ProposalStatus::Pending => return Some("不能改回待审查".into()),
            ProposalStatus::Accepted => ("承办部门", &self.department),
            ProposalStatus::Declined => ("不立案理由", &self.reason),
            ProposalStatus::Done => ("答复", &self.reply),
        };
        let n = value.trim().chars().count();
        if n == 0 {
            Some(format!("请填写{what}"))
        } else if n > REVIEW_MAX {
            Some(format!("{what}最多 {REVIEW_MAX} 个字，现在有 {n} 个"))
        } else {
            None
        }
    }
}

/// Content kind `proposal`: one proposal as the kiosks show it, written by the server only
/// (staff cannot publish it). Rewritten in the transaction of every status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The call it answers.
    pub call: ContentId,
    /// Its number within the call (第3号).
    pub number: u32,
    /// The day it reached the server, in China time.
    pub received_on: Date,
    pub status: ProposalStatus,
    /// Empty while pending, as are the text and the signers below.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasons: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub measures: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<Signer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosigners: Vec<Signer>,
    /// 承办部门, once accepted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// Why it was not accepted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The answer, once done.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reply: String,
}

impl Proposal {
    /// The feed item's id for the proposal stored as submission `submission`.
    pub fn id_for(submission: &str) -> ContentId {
        ContentId(format!("{submission}.proposal"))
    }

    /// 第3号 / No. 3
    pub fn number_label(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("第{}号", self.number),
            Lang::En => format!("No. {}", self.number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(min: u32) -> ProposalCall {
        ProposalCall {
            title: "2026年职代会提案征集".into(),
            title_en: None,
            description: String::new(),
            min_cosigners: min,
            closes_at: None,
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect()
    }

    fn full() -> Vec<(&'static str, &'static str)> {
        vec![
            ("title", "增设职工母婴室"),
            ("reasons", "哺乳期女职工没有合适的场所"),
            ("measures", "在三楼设一间母婴室"),
            ("name", "王芳"),
            ("department", "营业部"),
            ("phone", "13800138000"),
            ("cosigner_1_name", "李强"),
            ("cosigner_1_dept", "信贷部"),
            ("cosigner_2_name", "张伟"),
            ("cosigner_2_dept", "运营部"),
        ]
    }

    fn today() -> Date {
        Date::constant(2026, 12, 1)
    }

    #[test]
    fn the_form_is_valid_and_requires_the_minimum_rows() {
        let form = call(2).form();
        assert!(form.problems().is_empty(), "{:?}", form.problems());
        let required: Vec<&str> = form
            .fields
            .iter()
            .filter(|f| f.required && f.key.starts_with("cosigner_"))
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(
            required,
            [
                "cosigner_1_name",
                "cosigner_1_dept",
                "cosigner_2_name",
                "cosigner_2_dept"
            ]
        );
        assert_eq!(call(2).rows(), 4);
        assert_eq!(call(8).rows(), MAX_COSIGNERS);
        assert!(call(8).form().problems().is_empty());
    }

    #[test]
    fn a_full_proposal_is_read_with_its_signers() {
        let (entry, _) =
            ProposalEntry::from_answers(&call(2), &answers(&full()), today()).expect("valid");
        assert_eq!(entry.title, "增设职工母婴室");
        assert_eq!(entry.proposer.name, "王芳");
        assert_eq!(entry.cosigners.len(), 2);
        assert_eq!(entry.cosigners[1].department, "运营部");
        assert!(!format!("{entry:?}").contains("138"));
    }

    #[test]
    fn too_few_duplicate_or_self_cosigners_are_refused() {
        let mut few = full();
        few.retain(|(k, _)| !k.starts_with("cosigner_2"));
        assert!(ProposalEntry::from_answers(&call(2), &answers(&few), today()).is_err());

        let mut dup = full();
        dup.push(("cosigner_3_name", "李 强"));
        dup.push(("cosigner_3_dept", "信贷部"));
        let a = answers(&dup);
        assert_eq!(
            cosigner_problem(&a, "cosigner_3_name"),
            Some(CosignerProblem::Duplicate)
        );
        let err = ProposalEntry::from_answers(&call(2), &a, today()).expect_err("duplicate");
        assert!(err.0.contains("附议人3"), "{err:?}");

        let mut own = full();
        own[6] = ("cosigner_1_name", "王芳");
        let a = answers(&own);
        assert_eq!(
            cosigner_problem(&a, "cosigner_1_name"),
            Some(CosignerProblem::IsProposer)
        );
        assert!(ProposalEntry::from_answers(&call(2), &a, today()).is_err());

        let mut half = full();
        half.push(("cosigner_3_name", "赵敏"));
        let a = answers(&half);
        assert_eq!(
            cosigner_problem(&a, "cosigner_3_dept"),
            Some(CosignerProblem::NoDepartment)
        );
        assert!(ProposalEntry::from_answers(&call(2), &a, today()).is_err());
        assert_eq!(cosigner_problem(&a, "title"), None);
    }

    #[test]
    fn statuses_only_move_forward_and_reviews_need_their_text() {
        use ProposalStatus as S;
        assert!(S::Pending.may_become(S::Accepted));
        assert!(S::Pending.may_become(S::Declined));
        assert!(S::Accepted.may_become(S::Done));
        assert!(!S::Declined.may_become(S::Done));
        assert!(!S::Done.may_become(S::Accepted));
        assert!(!S::Pending.may_become(S::Done));
        let review = |status, reply: &str| Review {
            status,
            department: String::new(),
            reason: String::new(),
            reply: reply.into(),
        };
        assert!(review(S::Done, "已建成").problem().is_none());
        assert!(review(S::Done, "  ").problem().is_some());
        assert!(review(S::Accepted, "").problem().is_some());
        assert!(review(S::Pending, "x").problem().is_some());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
