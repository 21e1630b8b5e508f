//! 民主管理: polls and surveys.
//!
//! A [`Poll`] is content (kind `poll`) that publishers write: questions (one choice, several
//! choices up to a limit, or a 1–5 rating), anonymous or named, open until `closes_at`. A vote is
//! a submission whose `form_id` names the poll: its sealed answers are those of the poll's vote
//! form ([`Poll::vote_form`], the same definition on the kiosk and the server, so the same checks
//! apply on both), one answer per question plus the voter's phone (and name, in a named poll).
//! The server allows one vote per person and per poll, and keeps only tallies for an anonymous
//! poll. [`PollResults`] (kind `poll_results`) is written by the server alone, and published to
//! kiosks only while staff have chosen `show_results`.

use crate::content::{ChoiceOption, FieldInput, FormDefinition, FormField, Problems};
use crate::ids::ContentId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 60;
pub const DESCRIPTION_MAX: usize = 1000;
pub const QUESTION_MAX: usize = 200;
pub const CHOICE_MAX: usize = 60;
pub const MAX_QUESTIONS: usize = 10;
pub const MAX_CHOICES: usize = 12;
/// A rating question's scale: 1 to this many stars.
pub const RATING_STARS: usize = 5;

/// The vote form's field keys: `q1`, `q2`, … per question, then these.
pub const NAME_KEY: &str = "name";
pub const PHONE_KEY: &str = "phone";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Poll {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_en: String,
    pub questions: Vec<Question>,
    /// No vote can be tied to the person who cast it: the server keeps tallies only. A named
    /// poll keeps each vote with the voter's name and phone for staff.
    pub anonymous: bool,
    /// Votes are taken from this time (from publication when absent) until `closes_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<Timestamp>,
    pub closes_at: Timestamp,
    /// Staff chose to show the tallies on kiosks.
    #[serde(default)]
    pub show_results: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text_en: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// The choices of a single or multiple choice question; none for a rating.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    /// Up to `max` choices (at least one).
    Multiple {
        max: u32,
    },
    /// 1 to [`RATING_STARS`] stars.
    Rating,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label_en: String,
}

impl Question {
    /// How many counts the question's tally has: one per choice, or one per star.
    pub fn buckets(&self) -> usize {
        match self.kind {
            QuestionKind::Rating => RATING_STARS,
            _ => self.choices.len(),
        }
    }

    /// The label of bucket `i` in Chinese or English (`en`).
    pub fn bucket_label(&self, i: usize, en: bool) -> String {
        match self.kind {
            QuestionKind::Rating => stars(i + 1, en),
            _ => self
                .choices
                .get(i)
                .map(|c| {
                    if en && !c.label_en.is_empty() {
                        c.label_en.clone()
                    } else {
                        c.label.clone()
                    }
                })
                .unwrap_or_default(),
        }
    }
}

/// A rating's label: `3 星`, `3 stars`.
pub fn stars(n: usize, en: bool) -> String {
    match (en, n) {
        (true, 1) => "1 star".to_owned(),
        (true, n) => format!("{n} stars"),
        (false, n) => format!("{n} 星"),
    }
}

/// The vote form's key for question `i` (0-based): `q1`, `q2`, ….
pub fn question_key(i: usize) -> String {
    format!("q{}", i + 1)
}

impl Poll {
    /// Whether votes are taken at `at` (publication aside).
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.opens_at.is_none_or(|o| o <= at) && at < self.closes_at
    }

    /// The form a vote is filled in on: one required field per question (a choice's value is
    /// its position, `"0"`, `"1"`, …; a rating's is its stars, `"1"` to `"5"`), the voter's name
    /// in a named poll, and the phone that makes one vote per person.
    pub fn vote_form(&self) -> FormDefinition {
        let opt = |value: String, label: String, label_en: String| ChoiceOption {
            value,
            label,
            label_en: (!label_en.is_empty()).then_some(label_en),
        };
        let mut fields: Vec<FormField> = self
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let options: Vec<ChoiceOption> = match q.kind {
                    QuestionKind::Rating => (1..=RATING_STARS)
                        .map(|n| opt(n.to_string(), stars(n, false), stars(n, true)))
                        .collect(),
                    _ => q
                        .choices
                        .iter()
                        .enumerate()
                        .map(|(j, c)| opt(j.to_string(), c.label.clone(), c.label_en.clone()))
                        .collect(),
                };
                FormField {
                    key: question_key(i),
                    label: q.text.clone(),
                    label_en: (!q.text_en.is_empty()).then(|| q.text_en.clone()),
                    input: match q.kind {
                        QuestionKind::Multiple { max } => FieldInput::MultiChoice {
                            options,
                            min_selected: Some(1),
                            max_selected: Some(max),
                        },
                        _ => FieldInput::SingleChoice { options },
                    },
                    required: true,
                    help: match q.kind {
                        QuestionKind::Multiple { max } => {
                            Some(format!("最多选 {max} 项 / Choose up to {max}"))
                        }
                        _ => None,
                    },
                    visible_if: None,
                }
            })
            .collect();
        if !self.anonymous {
            fields.push(FormField {
                key: NAME_KEY.to_owned(),
                label: "姓名".to_owned(),
                label_en: Some("Name".to_owned()),
                input: FieldInput::Text {
                    min_len: None,
                    max_len: Some(40),
                    person_name: true,
                },
                required: true,
                help: None,
                visible_if: None,
            });
        }
        fields.push(FormField {
            key: PHONE_KEY.to_owned(),
            label: "手机号码".to_owned(),
            label_en: Some("Mobile number".to_owned()),
            input: FieldInput::Phone { status_check: true },
            required: true,
            help: Some(if self.anonymous {
                "每人限投一票。号码只用于防止重复投票，不与您的选择一起保存。\n\
                 One vote per person. The number only stops a second vote; it is not kept with \
                 your choices."
                    .to_owned()
            } else {
                "每人限投一票。实名投票：工会工作人员可以看到您的姓名和选择。\n\
                 One vote per person. A named vote: union staff can see your name and choices."
                    .to_owned()
            }),
            visible_if: None,
        });
        FormDefinition {
            title: self.title.clone(),
            title_en: (!self.title_en.is_empty()).then(|| self.title_en.clone()),
            description: self.description.clone(),
            fields,
        }
    }

    /// Reads a vote's checked answers (what `vote_form().prepare_answers` returned) into the
    /// buckets chosen per question. `None` if they do not fit the poll.
    pub fn chosen(&self, answers: &crate::answers::Answers) -> Option<Vec<Vec<usize>>> {
        let index = |q: &Question, v: &serde_json::Value| -> Option<usize> {
            let n: usize = v.as_str()?.parse().ok()?;
            let i = match q.kind {
                QuestionKind::Rating => n.checked_sub(1)?,
                _ => n,
            };
            (i < q.buckets()).then_some(i)
        };
        self.questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let v = answers.get(&question_key(i))?;
                let mut picked: Vec<usize> = match v {
                    serde_json::Value::Array(vs) => {
                        vs.iter().map(|v| index(q, v)).collect::<Option<_>>()?
                    }
                    v => vec![index(q, v)?],
                };
                picked.sort_unstable();
                picked.dedup();
                let most = match q.kind {
                    QuestionKind::Multiple { max } => max as usize,
                    _ => 1,
                };
                (!picked.is_empty() && picked.len() <= most).then_some(picked)
            })
            .collect()
    }

    pub(crate) fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, TITLE_MAX);
        p.text("title_en", &self.title_en, false, TITLE_MAX);
        p.text("description", &self.description, false, DESCRIPTION_MAX);
        p.text(
            "description_en",
            &self.description_en,
            false,
            DESCRIPTION_MAX,
        );
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            p.add("questions", format!("请设置 1 到 {MAX_QUESTIONS} 个问题"));
        }
        if self.opens_at.is_some_and(|o| o >= self.closes_at) {
            p.add("closes_at", "截止时间须晚于开始时间");
        }
        for (i, q) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            p.text(&format!("{at}.text"), &q.text, true, QUESTION_MAX);
            p.text(&format!("{at}.text_en"), &q.text_en, false, QUESTION_MAX);
            match q.kind {
                QuestionKind::Rating => {
                    if !q.choices.is_empty() {
                        p.add(format!("{at}.choices"), "评分题不设选项（1 到 5 星）");
                    }
                }
                QuestionKind::Single | QuestionKind::Multiple { .. } => {
                    if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
                        p.add(
                            format!("{at}.choices"),
                            format!("选择题须有 2 到 {MAX_CHOICES} 个选项"),
                        );
                    }
                    for (j, c) in q.choices.iter().enumerate() {
                        p.text(
                            &format!("{at}.choices[{j}].label"),
                            &c.label,
                            true,
                            CHOICE_MAX,
                        );
                        p.text(
                            &format!("{at}.choices[{j}].label_en"),
                            &c.label_en,
                            false,
                            CHOICE_MAX,
                        );
                    }
                }
            }
            if let QuestionKind::Multiple { max } = q.kind
                && (max < 1 || max as usize > q.choices.len())
            {
                p.add(format!("{at}.max"), "最多可选的项数须在 1 和选项数之间");
            }
        }
    }
}

/// A poll's tallies, written by the server after every vote and published where the poll is
/// while staff have chosen to show results on kiosks. Staff cannot publish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResults {
    pub poll: ContentId,
    /// When the figures were true on the server.
    pub as_of: Timestamp,
    /// Votes counted.
    pub votes: u32,
    /// Per question, per bucket (choice, or star from 1), how many chose it.
    pub counts: Vec<Vec<u32>>,
}

impl PollResults {
    /// The results item's id for a poll: the poll's id with `.results`.
    pub fn id_for(poll: &ContentId) -> ContentId {
        ContentId(format!("{}.results", poll.0))
    }
}

/// Why a vote was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteRefusal {
    /// This phone number has voted in this poll already.
    AlreadyVoted,
    /// Cast before the poll opened or after it closed.
    Closed,
    /// The poll is no longer published.
    Withdrawn,
    /// Cast on a version of the poll whose questions, choices or anonymity have since changed:
    /// its choices cannot be counted against the current questions.
    Changed,
}

impl VoteRefusal {
    pub const ALL: [VoteRefusal; 4] = [
        VoteRefusal::AlreadyVoted,
        VoteRefusal::Closed,
        VoteRefusal::Withdrawn,
        VoteRefusal::Changed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VoteRefusal::AlreadyVoted => "already_voted",
            VoteRefusal::Closed => "closed",
            VoteRefusal::Withdrawn => "withdrawn",
            VoteRefusal::Changed => "changed",
        }
    }

    pub fn parse(s: &str) -> Option<VoteRefusal> {
        VoteRefusal::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            VoteRefusal::AlreadyVoted => "这个手机号码已经投过票，每人限投一票，这一票未计入",
            VoteRefusal::Closed => "投票不在进行中（尚未开始或已经截止），这一票未计入",
            VoteRefusal::Withdrawn => "这项投票已撤下，这一票未计入",
            VoteRefusal::Changed => "投票的问题或选项在您投票后已经修改，这一票未计入，请重新投票",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            VoteRefusal::AlreadyVoted => {
                "This mobile number has already voted: one vote per person. This vote was not counted"
            }
            VoteRefusal::Closed => {
                "The poll was not open (not yet started, or closed). This vote was not counted"
            }
            VoteRefusal::Withdrawn => "The poll was withdrawn. This vote was not counted",
            VoteRefusal::Changed => {
                "The poll's questions or choices were changed after this vote. It was not counted: please vote again"
            }
        }
    }
}

/// A vote as the status check (办理进度) reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteOutcome {
    pub poll_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<VoteRefusal>,
}

impl VoteOutcome {
    pub fn counted(&self) -> bool {
        self.refusal.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ContentBody;

    fn poll() -> Poll {
        Poll {
            title: "职工食堂满意度调查".into(),
            title_en: "Canteen survey".into(),
            description: String::new(),
            description_en: String::new(),
            questions: vec![
                Question {
                    text: "您最常用哪一餐？".into(),
                    text_en: String::new(),
                    kind: QuestionKind::Single,
                    choices: vec![
                        Choice {
                            label: "早餐".into(),
                            label_en: "Breakfast".into(),
                        },
                        Choice {
                            label: "午餐".into(),
                            label_en: "Lunch".into(),
                        },
                    ],
                },
                Question {
                    text: "希望增加".into(),
                    text_en: String::new(),
                    kind: QuestionKind::Multiple { max: 2 },
                    choices: ["面食", "粥", "水果"]
                        .map(|l| Choice {
                            label: l.into(),
                            label_en: String::new(),
                        })
                        .to_vec(),
                },
                Question {
                    text: "总体评分".into(),
                    text_en: String::new(),
                    kind: QuestionKind::Rating,
                    choices: Vec::new(),
                },
            ],
            anonymous: true,
            opens_at: None,
            closes_at: Timestamp::from_second(2_000_000_000).expect("ts"),
            show_results: false,
        }
    }

    fn fields(p: Poll) -> Vec<String> {
        match ContentBody::Poll(p).validate() {
            Ok(()) => Vec::new(),
            Err(ps) => ps.into_iter().map(|p| p.field).collect(),
        }
    }

    #[test]
    fn validate_names_each_bad_field() {
        assert!(fields(poll()).is_empty());
        let mut p = poll();
        p.title = " ".into();
        p.questions[0].choices.truncate(1);
        p.questions[1].kind = QuestionKind::Multiple { max: 4 };
        p.questions[2].choices.push(Choice {
            label: "x".into(),
            label_en: String::new(),
        });
        p.opens_at = Some(p.closes_at);
        assert_eq!(
            fields(p),
            [
                "title",
                "closes_at",
                "questions[0].choices",
                "questions[1].max",
                "questions[2].choices"
            ]
        );
        let mut p = poll();
        p.questions.clear();
        assert_eq!(fields(p), ["questions"]);
    }

    #[test]
    fn a_vote_is_checked_by_the_vote_form_and_read_into_buckets() {
        let p = poll();
        let form = p.vote_form();
        assert_eq!(
            form.fields
                .iter()
                .map(|f| f.key.as_str())
                .collect::<Vec<_>>(),
            ["q1", "q2", "q3", "phone"],
            "an anonymous poll asks no name"
        );
        let today = jiff::civil::date(2026, 12, 1);
        let answers: crate::answers::Answers = serde_json::from_value(serde_json::json!({
            "q1": "1", "q2": ["2", "0"], "q3": "5", "phone": "13800138000"
        }))
        .expect("answers");
        let checked = form.prepare_answers(&answers, today).expect("a good vote");
        assert_eq!(p.chosen(&checked), Some(vec![vec![1], vec![0, 2], vec![4]]));

        let too_many: crate::answers::Answers = serde_json::from_value(serde_json::json!({
            "q1": "1", "q2": ["2", "0", "1"], "q3": "5", "phone": "13800138000"
        }))
        .expect("answers");
        assert!(form.prepare_answers(&too_many, today).is_err());
        assert_eq!(p.chosen(&too_many), None, "over the multiple choice's max");
        let no_phone: crate::answers::Answers =
            serde_json::from_value(serde_json::json!({"q1": "1", "q2": ["2"], "q3": "5"}))
                .expect("answers");
        assert!(form.prepare_answers(&no_phone, today).is_err());

        let mut named = poll();
        named.anonymous = false;
        assert!(named.vote_form().field(NAME_KEY).is_some());
    }

    #[test]
    fn open_between_opening_and_closing() {
        let mut p = poll();
        p.opens_at = Some(Timestamp::from_second(1_000).expect("ts"));
        assert!(!p.is_open(Timestamp::from_second(999).expect("ts")));
        assert!(p.is_open(Timestamp::from_second(1_000).expect("ts")));
        assert!(!p.is_open(p.closes_at));
    }
}
