//! The demo pack's 劳动竞赛: a running skills contest published at the province among the five
//! branches (the demo kiosk's branch among them), with weekly scores on two metrics up to
//! today, and a finished service contest among the city's teams. Dates follow today, so the
//! demo always shows a competition under way with a few weeks of history.

use super::upsert;
use crate::state::AppState;
use jiff::ToSpan;
use jiff::civil::Date;
use protocol::competition::{Competition, Metric, Participant, Score, Total};
use protocol::{ContentBody, OrgId};

fn metric(key: &str, name: [&str; 2], unit: [&str; 2], higher: bool) -> Metric {
    Metric {
        key: key.to_owned(),
        name: name[0].to_owned(),
        name_en: name[1].to_owned(),
        unit: unit[0].to_owned(),
        unit_en: unit[1].to_owned(),
        higher_is_better: higher,
        total: Total::Sum,
    }
}

/// Weekly entries from `first` up to `today`: participant `i`'s value in week `w` from `f`.
fn weekly(
    first: Date,
    today: Date,
    participants: &[Participant],
    metric: &str,
    f: impl Fn(usize, i64) -> f64,
) -> anyhow::Result<Vec<Score>> {
    let mut scores = Vec::new();
    let mut day = first.checked_add(4.days())?;
    let mut week = 0;
    while day <= today {
        for (i, p) in participants.iter().enumerate() {
            scores.push(Score {
                day,
                participant: p.key.clone(),
                metric: metric.to_owned(),
                value: f(i, week),
            });
        }
        day = day.checked_add(7.days())?;
        week += 1;
    }
    Ok(scores)
}

/// Publishes both competitions (the same again changes nothing on the same day).
pub(super) async fn load(
    state: &AppState,
    root: OrgId,
    city: OrgId,
    branches: &[(OrgId, String)],
) -> anyhow::Result<()> {
    let today = protocol::answers::china_today();
    let first = today.checked_sub(38.days())?;
    let participants: Vec<Participant> = branches
        .iter()
        .enumerate()
        .map(|(i, (id, name))| Participant {
            key: format!("p{}", i + 1),
            name: name.trim_end_matches("工会").to_owned(),
            name_en: String::new(),
            org_id: Some(*id),
        })
        .collect();
    // Each branch its own pace (the demo kiosk's branch, the first, close behind the leader),
    // with a week-to-week wobble; errors a few a week.
    const PACE: [i64; 5] = [88, 91, 76, 82, 69];
    let mut scores = weekly(first, today, &participants, "skill", |i, w| {
        (PACE[i % PACE.len()] + (i as i64 * 7 + w * 5) % 11 - 5) as f64
    })?;
    scores.extend(weekly(first, today, &participants, "errors", |i, w| {
        ((i as i64 * 3 + w) % 4) as f64
    })?);
    let contest = Competition {
        title: "2026年岗位技能大比武".to_owned(),
        title_en: "2026 Job Skills Contest".to_owned(),
        description: "全省各支行比业务技能、比服务质量。每周五公布技能考核积分和差错笔数，\
                      积分累计排名，差错越少越好。"
            .to_owned(),
        description_en: "The province's branches compete on skills and service. Skill points \
                         and errors are published every Friday: points add up to the ranking, \
                         and the fewer errors the better."
            .to_owned(),
        first_day: first,
        last_day: today.checked_add(24.days())?,
        participants,
        metrics: vec![
            metric("skill", ["技能积分", "Skill points"], ["分", "pts"], true),
            metric("errors", ["差错笔数", "Errors"], ["笔", "errors"], false),
        ],
        scores,
    };
    upsert(
        state,
        "competition:skills".to_owned(),
        root,
        ContentBody::Competition(contest),
    )
    .await?;
    let first = today.checked_sub(100.days())?;
    let teams: Vec<Participant> = [
        ("柜面一组", "Counter team 1"),
        ("柜面二组", "Counter team 2"),
        ("理财服务组", "Wealth team"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, en))| Participant {
        key: format!("t{}", i + 1),
        name: (*name).to_owned(),
        name_en: (*en).to_owned(),
        org_id: None,
    })
    .collect();
    let last = today.checked_sub(40.days())?;
    let scores = weekly(first, last, &teams, "stars", |i, w| {
        ((i as i64 * 2 + w) % 4 + 3 - i as i64) as f64
    })?;
    let service = Competition {
        title: "柜面服务之星竞赛".to_owned(),
        title_en: "Counter Service Stars".to_owned(),
        description: "客户评价每获一颗星记一分。".to_owned(),
        description_en: "A point for every star customers give.".to_owned(),
        first_day: first,
        last_day: last,
        participants: teams,
        metrics: vec![metric(
            "stars",
            ["服务之星", "Stars"],
            ["颗", "stars"],
            true,
        )],
        scores,
    };
    upsert(
        state,
        "competition:service".to_owned(),
        city,
        ContentBody::Competition(service),
    )
    .await?;
    Ok(())
}
