use super::*;
use crate::ContentBody;

fn question(key: &str, multiple: bool, answer: &[&str]) -> Question {
    Question {
        key: key.to_owned(),
        stem: format!("题目 {key}"),
        stem_en: None,
        options: ["A", "B", "C", "D"]
            .into_iter()
            .map(|k| QuizOption {
                key: k.to_owned(),
                text: format!("选项 {k}"),
                text_en: None,
            })
            .collect(),
        multiple,
        answer: answer.iter().map(|a| (*a).to_owned()).collect(),
        explanation: "因为如此".to_owned(),
        explanation_en: None,
    }
}

fn quiz() -> Quiz {
    Quiz {
        title: "工会知识竞赛".to_owned(),
        title_en: None,
        intro: String::new(),
        intro_en: None,
        questions: vec![
            question("q1", false, &["A"]),
            question("q2", true, &["B", "C"]),
            question("q3", false, &["D"]),
        ],
        per_round: 2,
        seconds: 60,
        opens_at: None,
        closes_at: None,
    }
}

fn answer(q: &str, chosen: &[&str]) -> RoundAnswer {
    RoundAnswer {
        question: q.to_owned(),
        chosen: chosen.iter().map(|c| (*c).to_owned()).collect(),
    }
}

#[test]
fn a_round_is_scored_from_the_bank() {
    let q = quiz();
    let round = QuizRound {
        answers: vec![answer("q2", &["C", "B"]), answer("q1", &["B"])],
        seconds: 40,
    };
    assert_eq!(q.score(&round), Ok(1));
    let partly = QuizRound {
        answers: vec![answer("q2", &["B"]), answer("q3", &[])],
        seconds: 60,
    };
    assert_eq!(
        q.score(&partly),
        Ok(0),
        "a multiple choice half right is wrong"
    );
}

#[test]
fn a_round_that_is_not_of_the_bank_is_refused() {
    let q = quiz();
    let cases = [
        (vec![answer("q1", &["A"])], 10, InvalidRound::Length),
        (
            vec![answer("q1", &["A"]), answer("q9", &["A"])],
            10,
            InvalidRound::UnknownQuestion,
        ),
        (
            vec![answer("q1", &["A"]), answer("q1", &["A"])],
            10,
            InvalidRound::Repeated,
        ),
        (
            vec![answer("q1", &["A", "B"]), answer("q3", &["D"])],
            10,
            InvalidRound::UnknownOption,
        ),
        (
            vec![answer("q1", &["E"]), answer("q3", &["D"])],
            10,
            InvalidRound::UnknownOption,
        ),
        (
            vec![answer("q1", &["A"]), answer("q3", &["D"])],
            60 + SECONDS_GRACE + 1,
            InvalidRound::OverTime,
        ),
    ];
    for (answers, seconds, why) in cases {
        assert_eq!(q.score(&QuizRound { answers, seconds }), Err(why));
    }
}

#[test]
fn answers_read_as_a_round_or_an_entry_and_nothing_else() {
    let round = QuizRound {
        answers: vec![answer("q1", &["A"]), answer("q2", &["B", "C"])],
        seconds: 12,
    };
    assert_eq!(
        QuizAnswer::from_answers(&round.to_answers().answers),
        Ok(QuizAnswer::Round(round.clone()))
    );
    let mut forged = round.to_answers().answers;
    forged.insert("score".to_owned(), 10.into());
    assert_eq!(
        QuizAnswer::from_answers(&forged),
        Err(InvalidRound::Shape),
        "a score from the kiosk is not part of a round"
    );
    let entry = |consent: serde_json::Value, phone: &str| {
        let answers: BTreeMap<String, serde_json::Value> = [
            (ENTRY_ROUND, "0b7f2a4e-5d6c-4f1e-9a8b-7c6d5e4f3a2b".into()),
            (ENTRY_NAME, " 张三明 ".into()),
            (ENTRY_PHONE, phone.into()),
            (ENTRY_CONSENT, consent),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        QuizAnswer::from_answers(&answers)
    };
    match entry(true.into(), "138 0013 8000") {
        Ok(QuizAnswer::Entry(e)) => {
            assert_eq!(
                (e.name.as_str(), e.phone.as_str()),
                ("张三明", "13800138000")
            );
            assert!(!format!("{e:?}").contains("138"), "Debug hides the phone");
        }
        other => panic!("not an entry: {other:?}"),
    }
    assert_eq!(
        entry(false.into(), "13800138000"),
        Err(InvalidRound::Consent)
    );
    assert_eq!(entry(true.into(), "12345"), Err(InvalidRound::Phone));
}

#[test]
fn names_are_masked_for_the_lobby() {
    assert_eq!(mask_name("张三明"), "张*明");
    assert_eq!(mask_name("李四"), "李*");
    assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    assert_eq!(mask_name("王"), "*");
}

#[test]
fn a_bank_with_problems_says_each_in_chinese() {
    let mut q = quiz();
    q.questions[0].answer = vec!["A".to_owned(), "B".to_owned()];
    q.questions[1].answer.clear();
    q.questions[2].key = "q1".to_owned();
    q.questions[2].options.truncate(1);
    q.seconds = 5;
    let problems = ContentBody::Quiz(q).validate().expect_err("refused");
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    for field in [
        "seconds",
        "questions[0].answer",
        "questions[1].answer",
        "questions[2].key",
        "questions[2].options",
    ] {
        assert!(fields.contains(&field), "{field} in {problems:?}");
    }
    assert!(ContentBody::Quiz(quiz()).validate().is_ok());
    let ranking = ContentBody::QuizRanking(QuizRanking {
        quiz: ContentId("x".to_owned()),
        as_of: Timestamp::UNIX_EPOCH,
        entries: Vec::new(),
    });
    assert!(
        ranking.validate().is_err(),
        "staff cannot publish a ranking"
    );
}
