//! 知识竞赛: knowledge quizzes published centrally and taken on a kiosk, offline.
//!
//! A [`Quiz`] is content (kind `quiz`): a bank of single and multiple choice questions, each with
//! its right option(s) and an explanation, how many questions a round draws and how long a round
//! may take. The kiosk draws a round at random from its cached copy, times it, shows the score and
//! the explanations, and sends the round through the outbox like any answer: a submission whose
//! `form_id` and `form_version` name the quiz, sealed, its answers a [`QuizRound`] (the questions
//! drawn and the options chosen, the seconds taken; never a score). The server scores it again
//! from that version of the bank. An employee who wants to enter the ranking then fills a small
//! form (name, phone, consent) sent the same way as a [`RankingEntry`] naming the round's
//! submission. The server keeps a [`QuizRanking`] item per quiz in the feed (kind
//! `quiz_ranking`, written by the server only): the best round of each person, names masked.

use crate::content::Problems;
use crate::ids::ContentId;
use crate::submission::FormAnswers;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many questions in a bank.
pub const MAX_QUESTIONS: usize = 500;
/// At most this many options a question.
pub const MAX_OPTIONS: usize = 6;
/// At most this many questions a round.
pub const MAX_PER_ROUND: u32 = 50;
/// A round's time limit, in seconds, is within these bounds.
pub const SECONDS_MIN: u32 = 30;
pub const SECONDS_MAX: u32 = 3_600;
/// How many people the ranking shows.
pub const RANKING_SIZE: usize = 20;
/// A kiosk's clock and a tap at the last moment: a round may report this many seconds over its
/// limit and still count.
pub const SECONDS_GRACE: u32 = 5;

/// Content kind `quiz`: a question bank and how a round is drawn from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiz {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub intro: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro_en: Option<String>,
    pub questions: Vec<Question>,
    /// Questions drawn for one round (fewer when the bank is smaller).
    #[serde(default = "ten")]
    pub per_round: u32,
    /// The time limit of a round, in seconds; unanswered questions count wrong.
    #[serde(default = "five_minutes")]
    pub seconds: u32,
    /// Rounds played before this are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<Timestamp>,
    /// Rounds played after this are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<Timestamp>,
}

fn ten() -> u32 {
    10
}

fn five_minutes() -> u32 {
    300
}

/// One question of the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Unique within the quiz and kept when the question is edited (rounds and the per-question
    /// figures name it).
    pub key: String,
    pub stem: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stem_en: Option<String>,
    pub options: Vec<QuizOption>,
    /// Several options may be right, and the person confirms a choice of several.
    #[serde(default)]
    pub multiple: bool,
    /// The keys of the right options: exactly one for a single choice question.
    pub answer: Vec<String>,
    #[serde(default)]
    pub explanation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation_en: Option<String>,
}

/// One option of a question ("A", "B", ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizOption {
    pub key: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
}

impl Question {
    /// Whether `chosen` is exactly the right options (in any order, each once).
    pub fn is_right(&self, chosen: &[String]) -> bool {
        let mut chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
        chosen.sort_unstable();
        chosen.dedup();
        let mut right: Vec<&str> = self.answer.iter().map(String::as_str).collect();
        right.sort_unstable();
        chosen == right
    }
}

impl Quiz {
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// How many questions a round has: `per_round`, or the whole bank when it is smaller.
    pub fn round_len(&self) -> usize {
        (self.per_round as usize).min(self.questions.len())
    }

    /// Whether a round played at `at` is within the quiz's window.
    pub fn open_at(&self, at: Timestamp) -> bool {
        self.opens_at.is_none_or(|o| at >= o) && self.closes_at.is_none_or(|c| at <= c)
    }

    /// Scores a round against this bank: the number right, or why it is not a round of it.
    pub fn score(&self, round: &QuizRound) -> Result<u32, InvalidRound> {
        if round.answers.len() != self.round_len() {
            return Err(InvalidRound::Length);
        }
        if round.seconds > self.seconds + SECONDS_GRACE {
            return Err(InvalidRound::OverTime);
        }
        let mut right = 0;
        for (i, a) in round.answers.iter().enumerate() {
            if round.answers[..i].iter().any(|o| o.question == a.question) {
                return Err(InvalidRound::Repeated);
            }
            let q = self
                .question(&a.question)
                .ok_or(InvalidRound::UnknownQuestion)?;
            if a.chosen.len() > q.options.len()
                || a.chosen
                    .iter()
                    .any(|c| !q.options.iter().any(|o| o.key == *c))
                || (!q.multiple && a.chosen.len() > 1)
            {
                return Err(InvalidRound::UnknownOption);
            }
            if q.is_right(&a.chosen) {
                right += 1;
            }
        }
        Ok(right)
    }

    pub(crate) fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, 120);
        p.opt_text("title_en", &self.title_en, 120);
        p.text("intro", &self.intro, false, 2_000);
        p.opt_text("intro_en", &self.intro_en, 2_000);
        if self.questions.is_empty() {
            p.add("questions", "题库至少要有一道题");
        }
        if self.questions.len() > MAX_QUESTIONS {
            p.add("questions", format!("题库最多 {MAX_QUESTIONS} 道题"));
        }
        if !(1..=MAX_PER_ROUND).contains(&self.per_round) {
            p.add(
                "per_round",
                format!("每轮题数须在 1 到 {MAX_PER_ROUND} 之间"),
            );
        }
        if !(SECONDS_MIN..=SECONDS_MAX).contains(&self.seconds) {
            p.add(
                "seconds",
                format!("每轮限时须在 {SECONDS_MIN} 到 {SECONDS_MAX} 秒之间"),
            );
        }
        if let (Some(o), Some(c)) = (self.opens_at, self.closes_at)
            && c <= o
        {
            p.add("closes_at", "结束时间须晚于开始时间");
        }
        for (i, q) in self.questions.iter().enumerate() {
            let field = format!("questions[{i}]");
            p.text(&format!("{field}.key"), &q.key, true, 40);
            if self.questions[..i].iter().any(|o| o.key == q.key) {
                p.add(format!("{field}.key"), format!("题目编号“{}”重复", q.key));
            }
            p.text(&format!("{field}.stem"), &q.stem, true, 300);
            p.opt_text(&format!("{field}.stem_en"), &q.stem_en, 600);
            p.text(
                &format!("{field}.explanation"),
                &q.explanation,
                false,
                1_000,
            );
            p.opt_text(&format!("{field}.explanation_en"), &q.explanation_en, 2_000);
            if !(2..=MAX_OPTIONS).contains(&q.options.len()) {
                p.add(
                    format!("{field}.options"),
                    format!("每道题须有 2 到 {MAX_OPTIONS} 个选项"),
                );
            }
            for (j, o) in q.options.iter().enumerate() {
                let of = format!("{field}.options[{j}]");
                p.text(&format!("{of}.key"), &o.key, true, 4);
                p.text(&format!("{of}.text"), &o.text, true, 100);
                p.opt_text(&format!("{of}.text_en"), &o.text_en, 200);
                if q.options[..j].iter().any(|x| x.key == o.key) {
                    p.add(&of, format!("选项“{}”重复", o.key));
                }
            }
            if q.answer
                .iter()
                .any(|a| !q.options.iter().any(|o| o.key == *a))
            {
                p.add(format!("{field}.answer"), "正确答案须是本题的选项");
            }
            if q.multiple {
                if q.answer.is_empty() {
                    p.add(format!("{field}.answer"), "多选题至少要有一个正确答案");
                }
            } else if q.answer.len() != 1 {
                p.add(format!("{field}.answer"), "单选题须有且只有一个正确答案");
            }
        }
    }
}

/// One question of a round as the person answered it (`chosen` empty: not answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundAnswer {
    pub question: String,
    pub chosen: Vec<String>,
}

/// A finished round: the sealed answers of its submission. No score: the server scores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizRound {
    pub answers: Vec<RoundAnswer>,
    /// Seconds from the first question to the last answer (or the time limit).
    pub seconds: u32,
}

/// The request to enter the ranking with a round already sent: the round's submission id, the
/// person's name and mobile number, and their consent. Holds personal data, so its `Debug` shows
/// only the round.
#[derive(Clone, PartialEq, Eq)]
pub struct RankingEntry {
    pub round: String,
    pub name: String,
    /// Eleven digits.
    pub phone: String,
}

impl std::fmt::Debug for RankingEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankingEntry")
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

/// What a quiz submission's sealed answers hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuizAnswer {
    Round(QuizRound),
    Entry(RankingEntry),
}

/// Why sealed answers are not a round or an entry, or a round not one of the quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRound {
    #[error("the answers are neither a round nor a ranking entry")]
    Shape,
    #[error("the round does not have the quiz's number of questions")]
    Length,
    #[error("a question was drawn twice")]
    Repeated,
    #[error("a question is not in this version of the quiz")]
    UnknownQuestion,
    #[error("an option chosen is not one of the question's")]
    UnknownOption,
    #[error("the round took longer than its time limit")]
    OverTime,
    #[error("the quiz was not open when the round was played")]
    Closed,
    #[error("the name is missing or longer than 40 characters")]
    Name,
    #[error("the phone number is not an 11-digit mobile number")]
    Phone,
    #[error("consent was not given")]
    Consent,
    #[error("the round entered was not sent from this kiosk for this quiz")]
    UnknownRound,
}

impl InvalidRound {
    pub fn message_zh(self) -> &'static str {
        match self {
            InvalidRound::Shape => "答题记录格式不对",
            InvalidRound::Length => "答题数与本竞赛每轮题数不符",
            InvalidRound::Repeated => "同一道题出现了两次",
            InvalidRound::UnknownQuestion => "题目不在这一版题库中",
            InvalidRound::UnknownOption => "所选答案不是该题的选项",
            InvalidRound::OverTime => "答题时间超过了限时",
            InvalidRound::Closed => "答题时竞赛不在开放时间内",
            InvalidRound::Name => "姓名不能为空，最多 40 个字",
            InvalidRound::Phone => "手机号码须是 11 位手机号",
            InvalidRound::Consent => "未同意登记排名",
            InvalidRound::UnknownRound => "要登记的答题记录不存在",
        }
    }
}

/// The keys of a ranking entry's answers (the kiosk's entry form uses them).
pub const ENTRY_ROUND: &str = "round";
pub const ENTRY_NAME: &str = "name";
pub const ENTRY_PHONE: &str = "phone";
pub const ENTRY_CONSENT: &str = "consent";
const ROUND_ANSWERS: &str = "answers";
const ROUND_SECONDS: &str = "seconds";

impl QuizRound {
    pub fn to_answers(&self) -> FormAnswers {
        FormAnswers {
            answers: [
                (
                    ROUND_ANSWERS.to_owned(),
                    serde_json::to_value(&self.answers).expect("plain data"),
                ),
                (ROUND_SECONDS.to_owned(), self.seconds.into()),
            ]
            .into(),
        }
    }
}

impl QuizAnswer {
    /// Reads sealed answers: a round (`answers`, `seconds`) or an entry (`round`, `name`,
    /// `phone`, `consent`), nothing else. Bounded: a round has at most [`MAX_PER_ROUND`] answers.
    pub fn from_answers(
        answers: &BTreeMap<String, serde_json::Value>,
    ) -> Result<QuizAnswer, InvalidRound> {
        let keys: Vec<&str> = answers.keys().map(String::as_str).collect();
        match keys.as_slice() {
            [ROUND_ANSWERS, ROUND_SECONDS] => {
                let list: Vec<RoundAnswer> = serde_json::from_value(answers[ROUND_ANSWERS].clone())
                    .map_err(|_| InvalidRound::Shape)?;
                if list.len() > MAX_PER_ROUND as usize
                    || list
                        .iter()
                        .any(|a| a.question.chars().count() > 40 || a.chosen.len() > MAX_OPTIONS)
                {
                    return Err(InvalidRound::Shape);
                }
                let seconds = answers[ROUND_SECONDS]
                    .as_u64()
                    .and_then(|s| u32::try_from(s).ok())
                    .ok_or(InvalidRound::Shape)?;
                Ok(QuizAnswer::Round(QuizRound {
                    answers: list,
                    seconds,
                }))
            }
            // Sorted keys: consent, name, phone, round.
            [ENTRY_CONSENT, ENTRY_NAME, ENTRY_PHONE, ENTRY_ROUND] => {
                let text = |k: &str| answers.get(k).and_then(|v| v.as_str()).map(str::trim);
                if !matches!(
                    answers.get(ENTRY_CONSENT),
                    Some(serde_json::Value::Bool(true))
                ) {
                    return Err(InvalidRound::Consent);
                }
                let round = text(ENTRY_ROUND)
                    .filter(|r| uuid_like(r))
                    .ok_or(InvalidRound::UnknownRound)?;
                let name = text(ENTRY_NAME)
                    .filter(|s| !s.is_empty() && s.chars().count() <= 40)
                    .ok_or(InvalidRound::Name)?;
                let phone = text(ENTRY_PHONE)
                    .and_then(|p| crate::answers::phone(p).ok())
                    .ok_or(InvalidRound::Phone)?;
                Ok(QuizAnswer::Entry(RankingEntry {
                    round: round.to_owned(),
                    name: name.to_owned(),
                    phone,
                }))
            }
            _ => Err(InvalidRound::Shape),
        }
    }
}

/// A submission id's shape (a UUID's 36 characters of hex and dashes).
fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A name as the public ranking shows it: the first and last characters kept, those between
/// starred (张*明, 李*, A***n), so nobody is named in full on a lobby screen.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// One line of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    /// Masked ([`mask_name`]).
    pub name: String,
    /// The org of the kiosk the round was played on.
    pub org: String,
    pub score: u32,
    pub total: u32,
    pub seconds: u32,
}

/// Content kind `quiz_ranking`: the best round of each person who entered, best score first,
/// then the quicker, then the earlier; at most [`RANKING_SIZE`] lines. Written by the server
/// where the quiz is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizRanking {
    pub quiz: ContentId,
    pub as_of: Timestamp,
    pub entries: Vec<Ranked>,
}

impl QuizRanking {
    /// The ranking item's id for a quiz.
    pub fn id_for(quiz: &ContentId) -> ContentId {
        ContentId(format!("{}.ranking", quiz.0))
    }
}

#[cfg(test)]
mod tests;
