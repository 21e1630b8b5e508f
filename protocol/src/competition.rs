//! 劳动竞赛 — labour competitions: who competes (teams, or branches named by org id so a kiosk
//! can pick out its own), on which metrics, over which period, and every score entered.
//!
//! A [`Competition`] is content (kind `competition`). Scores live in the body, so the standings
//! and their history are computed on the kiosk from its cache, offline; entering or importing
//! scores saves a new version of the item, which the feed carries to kiosks.

use crate::content::Problems;
use crate::ids::OrgId;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// At most this many participants.
pub const MAX_PARTICIPANTS: usize = 40;
/// At most this many metrics.
pub const MAX_METRICS: usize = 6;
/// At most this many score entries in one competition.
pub const MAX_SCORES: usize = 6_000;
/// The longest period, in days.
pub const MAX_DAYS: i32 = 731;
/// The largest score magnitude accepted.
pub const MAX_VALUE: f64 = 1e12;

/// One competition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Competition {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_en: String,
    /// The period, both days included.
    pub first_day: Date,
    pub last_day: Date,
    pub participants: Vec<Participant>,
    /// The first metric is the one shown first.
    pub metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
}

/// A team or a branch taking part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Stable within the competition; scores name it.
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// The org this participant is, when it is a branch: kiosks at it (or below) highlight it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
}

/// What is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// e.g. "件", "分", "%".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit_en: String,
    /// false: the lowest ranks first (defects, hours lost).
    #[serde(default = "yes")]
    pub higher_is_better: bool,
    /// How a participant's entries make its score.
    #[serde(default)]
    pub total: Total,
}

fn yes() -> bool {
    true
}

/// How the entries of one participant and metric add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Total {
    /// The sum of every entry so far (output, hours of training).
    #[default]
    Sum,
    /// The entry of the latest day (a rate, a rating).
    Latest,
}

/// One entry: a participant's value on a metric for a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub day: Date,
    pub participant: String,
    pub metric: String,
    pub value: f64,
}

/// One row of the standings.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// Index into `participants`.
    pub participant: usize,
    /// `None`: no entry yet.
    pub value: Option<f64>,
    /// 1-based, equal values share a rank (1, 2, 2, 4); `None` without a value.
    pub rank: Option<u32>,
}

impl Competition {
    pub fn metric(&self, key: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.key == key)
    }

    /// Whether `day` is inside the period.
    pub fn running_on(&self, day: Date) -> bool {
        self.first_day <= day && day <= self.last_day
    }

    /// Each participant's score on `metric` from the entries up to and including `up_to`.
    fn totals(&self, metric: &Metric, up_to: Option<Date>) -> Vec<Option<f64>> {
        let index: HashMap<&str, usize> = self
            .participants
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key.as_str(), i))
            .collect();
        let mut totals: Vec<Option<(Date, f64)>> = vec![None; self.participants.len()];
        for s in &self.scores {
            if s.metric != metric.key || up_to.is_some_and(|d| s.day > d) {
                continue;
            }
            let Some(&i) = index.get(s.participant.as_str()) else {
                continue;
            };
            totals[i] = Some(match (totals[i], metric.total) {
                (None, _) => (s.day, s.value),
                (Some((d, v)), Total::Sum) => (d.max(s.day), v + s.value),
                (Some((d, v)), Total::Latest) => {
                    if s.day >= d {
                        (s.day, s.value)
                    } else {
                        (d, v)
                    }
                }
            });
        }
        totals.into_iter().map(|t| t.map(|(_, v)| v)).collect()
    }

    /// The standings on `metric` (by key), best first; participants without an entry last, in
    /// their listed order. Empty when there is no such metric.
    pub fn standings(&self, metric: &str) -> Vec<Standing> {
        let Some(metric) = self.metric(metric) else {
            return Vec::new();
        };
        let totals = self.totals(metric, None);
        let mut order: Vec<usize> = (0..totals.len()).collect();
        let better = |a: f64, b: f64| {
            if metric.higher_is_better {
                b.total_cmp(&a)
            } else {
                a.total_cmp(&b)
            }
        };
        order.sort_by(|&a, &b| match (totals[a], totals[b]) {
            (Some(x), Some(y)) => better(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let mut out: Vec<Standing> = Vec::with_capacity(order.len());
        for (place, &i) in order.iter().enumerate() {
            let value = totals[i];
            let rank = value.map(|v| match out.last() {
                Some(prev) if prev.value == Some(v) => prev.rank.unwrap_or(1),
                _ => place as u32 + 1,
            });
            out.push(Standing {
                participant: i,
                value,
                rank,
            });
        }
        out
    }

    /// The score over the period on `metric`: the days that have entries, and per participant
    /// (in listed order) its score as of each of those days (`None` before its first entry).
    pub fn history(&self, metric: &str) -> (Vec<Date>, Vec<Vec<Option<f64>>>) {
        let Some(metric) = self.metric(metric) else {
            return (Vec::new(), Vec::new());
        };
        let days: Vec<Date> = self
            .scores
            .iter()
            .filter(|s| s.metric == metric.key)
            .map(|s| s.day)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut lines = vec![Vec::with_capacity(days.len()); self.participants.len()];
        for day in &days {
            for (line, total) in lines.iter_mut().zip(self.totals(metric, Some(*day))) {
                line.push(total);
            }
        }
        (days, lines)
    }

    /// The participant a kiosk at the org path `path` (root first) stands for: the one whose
    /// org is deepest on that path.
    pub fn own_participant(&self, path: &[OrgId]) -> Option<usize> {
        path.iter().rev().find_map(|org| {
            self.participants
                .iter()
                .position(|p| p.org_id.as_ref() == Some(org))
        })
    }

    pub(crate) fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, 80);
        p.text("title_en", &self.title_en, false, 120);
        p.text("description", &self.description, false, 1_000);
        p.text("description_en", &self.description_en, false, 2_000);
        if self.last_day < self.first_day {
            p.add("last_day", "结束日期不能早于开始日期");
        } else if (self.last_day - self.first_day).get_days() >= MAX_DAYS {
            p.add("last_day", format!("比赛期最长 {MAX_DAYS} 天"));
        }
        if self.participants.is_empty() {
            p.add("participants", "请至少添加一个参赛队伍或单位");
        } else if self.participants.len() > MAX_PARTICIPANTS {
            p.add(
                "participants",
                format!("最多 {MAX_PARTICIPANTS} 个参赛队伍或单位"),
            );
        }
        let mut keys = HashSet::new();
        let mut names = HashSet::new();
        let mut orgs = HashSet::new();
        for (i, x) in self.participants.iter().enumerate() {
            let at = format!("participants[{i}]");
            key_ok(p, &format!("{at}.key"), &x.key, &mut keys);
            p.text(&format!("{at}.name"), &x.name, true, 40);
            p.text(&format!("{at}.name_en"), &x.name_en, false, 60);
            if !names.insert(x.name.trim()) {
                p.add(
                    format!("{at}.name"),
                    format!("参赛名称“{}”重复", x.name.trim()),
                );
            }
            if let Some(org) = &x.org_id
                && !orgs.insert(org)
            {
                p.add(format!("{at}.org_id"), "同一单位只能参赛一次");
            }
        }
        if self.metrics.is_empty() {
            p.add("metrics", "请至少添加一个比赛指标");
        } else if self.metrics.len() > MAX_METRICS {
            p.add("metrics", format!("最多 {MAX_METRICS} 个指标"));
        }
        let mut metric_keys = HashSet::new();
        for (i, m) in self.metrics.iter().enumerate() {
            let at = format!("metrics[{i}]");
            key_ok(p, &format!("{at}.key"), &m.key, &mut metric_keys);
            p.text(&format!("{at}.name"), &m.name, true, 30);
            p.text(&format!("{at}.name_en"), &m.name_en, false, 40);
            p.text(&format!("{at}.unit"), &m.unit, false, 10);
            p.text(&format!("{at}.unit_en"), &m.unit_en, false, 20);
        }
        if self.scores.len() > MAX_SCORES {
            p.add("scores", format!("最多 {MAX_SCORES} 条成绩"));
            return;
        }
        let mut seen = HashSet::new();
        for (i, s) in self.scores.iter().enumerate() {
            let at = format!("scores[{i}]");
            if !keys.contains(s.participant.as_str()) {
                p.add(
                    format!("{at}.participant"),
                    format!("没有参赛者“{}”", s.participant),
                );
            }
            if !metric_keys.contains(s.metric.as_str()) {
                p.add(format!("{at}.metric"), format!("没有指标“{}”", s.metric));
            }
            if !self.running_on(s.day) {
                p.add(format!("{at}.day"), format!("{} 不在比赛期内", s.day));
            }
            if !s.value.is_finite() || s.value.abs() > MAX_VALUE {
                p.add(format!("{at}.value"), "成绩不是有效的数字");
            }
            if !seen.insert((s.day, s.participant.as_str(), s.metric.as_str())) {
                p.add(at, "同一天、同一参赛者、同一指标的成绩重复");
            }
        }
    }
}

/// A key: 1 to 20 ASCII letters, digits, `-` or `_`, unique in its list.
fn key_ok<'a>(p: &mut Problems, field: &str, key: &'a str, seen: &mut HashSet<&'a str>) {
    let shaped = (1..=20).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !shaped {
        p.add(field, "编号只能是 1 到 20 个英文字母、数字、- 或 _");
    } else if !seen.insert(key) {
        p.add(field, format!("编号“{key}”重复"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ContentBody;
    use jiff::civil::date;

    fn participant(key: &str) -> Participant {
        Participant {
            key: key.into(),
            name: format!("队{key}"),
            name_en: String::new(),
            org_id: None,
        }
    }

    fn metric(key: &str, higher_is_better: bool, total: Total) -> Metric {
        Metric {
            key: key.into(),
            name: format!("指标{key}"),
            name_en: String::new(),
            unit: "件".into(),
            unit_en: "pcs".into(),
            higher_is_better,
            total,
        }
    }

    fn score(day: i8, participant: &str, metric: &str, value: f64) -> Score {
        Score {
            day: date(2026, 11, day),
            participant: participant.into(),
            metric: metric.into(),
            value,
        }
    }

    fn competition(scores: Vec<Score>) -> Competition {
        Competition {
            title: "岗位技能大比武".into(),
            title_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            first_day: date(2026, 11, 1),
            last_day: date(2026, 11, 30),
            participants: ["a", "b", "c", "d"].map(participant).to_vec(),
            metrics: vec![
                metric("out", true, Total::Sum),
                metric("defects", false, Total::Latest),
            ],
            scores,
        }
    }

    fn ranks(c: &Competition, metric: &str) -> Vec<(usize, Option<f64>, Option<u32>)> {
        c.standings(metric)
            .into_iter()
            .map(|s| (s.participant, s.value, s.rank))
            .collect()
    }

    #[test]
    fn sums_rank_highest_first_and_ties_share_a_rank() {
        let c = competition(vec![
            score(1, "a", "out", 5.0),
            score(2, "a", "out", 5.0),
            score(1, "b", "out", 12.0),
            score(1, "c", "out", 10.0),
        ]);
        assert_eq!(
            ranks(&c, "out"),
            vec![
                (1, Some(12.0), Some(1)),
                (0, Some(10.0), Some(2)),
                (2, Some(10.0), Some(2)),
                (3, None, None),
            ]
        );
    }

    #[test]
    fn lower_is_better_and_latest_takes_the_last_day() {
        let c = competition(vec![
            score(1, "a", "defects", 1.0),
            score(5, "a", "defects", 4.0),
            score(3, "b", "defects", 2.0),
            score(2, "c", "defects", 0.0),
        ]);
        assert_eq!(
            ranks(&c, "defects"),
            vec![
                (2, Some(0.0), Some(1)),
                (1, Some(2.0), Some(2)),
                (0, Some(4.0), Some(3)),
                (3, None, None),
            ]
        );
        assert!(c.standings("nope").is_empty());
    }

    #[test]
    fn history_is_the_score_as_of_each_day_with_entries() {
        let c = competition(vec![
            score(3, "a", "out", 5.0),
            score(1, "a", "out", 2.0),
            score(3, "b", "out", 4.0),
            score(2, "c", "defects", 9.0),
        ]);
        let (days, lines) = c.history("out");
        assert_eq!(days, vec![date(2026, 11, 1), date(2026, 11, 3)]);
        assert_eq!(lines[0], vec![Some(2.0), Some(7.0)]);
        assert_eq!(lines[1], vec![None, Some(4.0)]);
        assert_eq!(lines[3], vec![None, None]);
    }

    #[test]
    fn the_deepest_org_on_the_path_is_the_own_participant() {
        let mut c = competition(vec![]);
        let (city, branch, other) = (OrgId(1), OrgId(2), OrgId(3));
        c.participants[1].org_id = Some(city);
        c.participants[2].org_id = Some(branch);
        c.participants[3].org_id = Some(other);
        assert_eq!(c.own_participant(&[city, branch]), Some(2));
        assert_eq!(c.own_participant(&[city]), Some(1));
        assert_eq!(c.own_participant(&[OrgId(4)]), None);
    }

    #[test]
    fn problems_name_the_field_in_chinese() {
        let mut c = competition(vec![
            score(1, "zz", "out", 1.0),
            score(1, "a", "out", f64::INFINITY),
        ]);
        c.scores.push(Score {
            day: date(2026, 12, 5),
            ..score(1, "a", "defects", 1.0)
        });
        c.participants[1].key = "a".into();
        let problems = ContentBody::Competition(c).validate().expect_err("invalid");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "participants[1].key",
                "scores[0].participant",
                "scores[1].value",
                "scores[2].day"
            ]
        );
        assert!(problems[0].message.contains("重复"));
        assert!(
            ContentBody::Competition(competition(vec![score(1, "a", "out", 3.0)]))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn the_wire_form_reads_back() {
        let c = competition(vec![score(1, "a", "out", 3.5)]);
        let json = serde_json::to_string(&ContentBody::Competition(c.clone())).expect("json");
        assert!(json.contains(r#""kind":"competition""#));
        assert!(json.contains(r#""first_day":"2026-11-01""#));
        let back: ContentBody = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, ContentBody::Competition(c));
    }
}
