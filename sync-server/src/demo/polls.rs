//! The demo pack's 民主管理 polls: an anonymous canteen survey whose results staff show on
//! kiosks, and a named vote on this year's rest trip. Both close two weeks after the day the demo
//! is loaded (China time), so a rerun on the same day changes nothing.

use super::upsert;
use crate::state::AppState;
use jiff::{Timestamp, ToSpan};
use protocol::poll::{Choice, Poll, Question, QuestionKind};
use protocol::{ContentBody, OrgId};

fn choices(labels: &[(&str, &str)]) -> Vec<Choice> {
    labels
        .iter()
        .map(|(zh, en)| Choice {
            label: (*zh).to_owned(),
            label_en: (*en).to_owned(),
        })
        .collect()
}

fn question(text: &str, text_en: &str, kind: QuestionKind, labels: &[(&str, &str)]) -> Question {
    Question {
        text: text.to_owned(),
        text_en: text_en.to_owned(),
        kind,
        choices: choices(labels),
    }
}

/// Both polls, published at the root.
pub(super) async fn load(state: &AppState, root: OrgId) -> anyhow::Result<()> {
    let today = protocol::answers::china_date(Timestamp::now());
    let closes_at = (today + 14.days())
        .at(17, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))?
        .timestamp();
    let canteen = Poll {
        title: "职工食堂满意度调查".to_owned(),
        title_en: "Staff canteen survey".to_owned(),
        description: "工会每季度了解大家对职工食堂的意见，结果向全体职工公开。".to_owned(),
        description_en: "Every quarter the union asks what you think of the staff canteen; \
                         the results are shown to everyone."
            .to_owned(),
        questions: vec![
            question(
                "您对食堂饭菜的总体评价",
                "Overall, how do you rate the food?",
                QuestionKind::Rating,
                &[],
            ),
            question(
                "您最希望改进哪些方面？",
                "What should improve most?",
                QuestionKind::Multiple { max: 2 },
                &[
                    ("菜品花样", "Variety"),
                    ("口味", "Taste"),
                    ("价格", "Price"),
                    ("排队时间", "Queues"),
                ],
            ),
        ],
        // PostgreSQL cannot keep a poll anonymous yet (docs/scale-out.md): named there.
        anonymous: !state.db.is_postgres(),
        opens_at: None,
        closes_at,
        show_results: true,
    };
    upsert(
        state,
        "poll-canteen".to_owned(),
        root,
        ContentBody::Poll(canteen),
    )
    .await?;
    let trip = Poll {
        title: "年度疗休养目的地投票".to_owned(),
        title_en: "Where should this year's rest trip go?".to_owned(),
        description: "今年的职工疗休养安排在十月，请选出您最想去的地方。".to_owned(),
        description_en: "This year's rest trip is in October: choose where you would most like \
                         to go."
            .to_owned(),
        questions: vec![question(
            "您最想去哪里？",
            "Where would you most like to go?",
            QuestionKind::Single,
            &[
                ("黄山", "Huangshan"),
                ("千岛湖", "Qiandao Lake"),
                ("厦门鼓浪屿", "Gulangyu, Xiamen"),
            ],
        )],
        anonymous: false,
        opens_at: None,
        closes_at,
        show_results: false,
    };
    upsert(state, "poll-trip".to_owned(), root, ContentBody::Poll(trip)).await?;
    Ok(())
}
