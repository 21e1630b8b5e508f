//! 知识竞赛 on the kiosk: the quizzes it holds, each with the ranking it last heard of, a round
//! drawn at random from the cached bank (offline), and the small form a player fills to enter
//! the ranking. The kiosk never scores for the server: a round goes through the outbox as the
//! questions drawn and the options chosen, and the server scores it again.

use protocol::content::FormDefinition;
use protocol::quiz::{ENTRY_CONSENT, ENTRY_NAME, ENTRY_PHONE, ENTRY_ROUND, Quiz, QuizRanking};
use protocol::{ContentBody, ContentItem, ContentKind};
use rand::seq::SliceRandom;

use crate::store::{Result, Store};

/// A quiz as the kiosk lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub item: ContentItem,
    pub quiz: Quiz,
    /// The ranking as of the last sync; `None` before anyone entered.
    pub ranking: Option<QuizRanking>,
}

/// Every cached quiz, by title, with its ranking.
pub fn read(s: &Store) -> Result<Vec<Listed>> {
    let rankings: Vec<QuizRanking> = s
        .items(ContentKind::QuizRanking)?
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::QuizRanking(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut listed: Vec<Listed> = s
        .items(ContentKind::Quiz)?
        .into_iter()
        .filter_map(|item| match &item.body {
            ContentBody::Quiz(q) => Some(Listed {
                quiz: q.clone(),
                ranking: rankings.iter().find(|r| r.quiz == item.id).cloned(),
                item,
            }),
            _ => None,
        })
        .collect();
    listed.sort_by(|a, b| a.quiz.title.cmp(&b.quiz.title));
    Ok(listed)
}

/// A round: the indices of [`Quiz::round_len`] questions of the bank, drawn at random.
pub fn draw(quiz: &Quiz) -> Vec<usize> {
    let mut all: Vec<usize> = (0..quiz.questions.len()).collect();
    all.shuffle(&mut rand::rng());
    all.truncate(quiz.round_len());
    all
}

/// The form a player fills to enter the ranking with the round sent as submission `round`:
/// the round (already chosen, labelled with its score in each language), name, phone and consent. Its answers
/// are a `RankingEntry`.
pub fn entry_form(quiz: &Quiz, round: &str, label_zh: &str, label_en: &str) -> FormDefinition {
    serde_json::from_value(serde_json::json!({
        "title": quiz.title,
        "title_en": quiz.title_en,
        "description": "",
        "fields": [
            {"key": ENTRY_ROUND, "label": "本轮成绩", "label_en": "This round", "type": "single_choice",
             "required": true,
             "options": [{"value": round, "label": label_zh, "label_en": label_en}]},
            {"key": ENTRY_NAME, "label": "姓名", "label_en": "Name", "type": "text",
             "person_name": true, "max_len": 40, "required": true},
            {"key": ENTRY_PHONE, "label": "手机号码", "label_en": "Mobile number", "type": "phone",
             "required": true},
            {"key": ENTRY_CONSENT, "label": "同意工会用姓名和手机号联系获奖者；排行榜只显示遮去中间字的姓名（如“张*明”）和单位",
             "label_en": "The union may use my name and number to contact winners; the ranking shows only a masked name and the branch",
             "type": "consent", "required": true}
        ]
    }))
    .expect("the entry form is a valid form definition")
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::quiz::QuizAnswer;

    #[test]
    fn the_entry_form_sends_what_the_server_reads_as_an_entry() {
        let quiz: Quiz = serde_json::from_value(serde_json::json!({
            "title": "知识竞赛", "per_round": 1,
            "questions": [{"key": "q1", "stem": "题", "answer": ["A"],
                           "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}]}]
        }))
        .expect("quiz");
        assert_eq!(draw(&quiz), [0]);
        let round = "0b7f2a4e-5d6c-4f1e-9a8b-7c6d5e4f3a2b";
        let form = entry_form(&quiz, round, "1 分", "1 point");
        let typed: protocol::answers::Answers = [
            (ENTRY_ROUND, round.into()),
            (ENTRY_NAME, "张三明".into()),
            (ENTRY_PHONE, "138 0013 8000".into()),
            (ENTRY_CONSENT, true.into()),
        ]
        .into_iter()
        .map(|(k, v): (&str, serde_json::Value)| (k.to_owned(), v))
        .collect();
        let today = protocol::answers::china_today();
        let sent = form
            .prepare_answers(&typed, today)
            .expect("the form accepts it");
        match QuizAnswer::from_answers(&sent) {
            Ok(QuizAnswer::Entry(e)) => {
                assert_eq!((e.round.as_str(), e.phone.as_str()), (round, "13800138000"));
            }
            other => panic!("not an entry: {other:?}"),
        }
        let mut unticked = typed.clone();
        unticked.remove(ENTRY_CONSENT);
        assert!(
            form.prepare_answers(&unticked, today).is_err(),
            "consent is required"
        );
    }
}
