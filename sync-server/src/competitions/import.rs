//! Scores from a CSV file (UTF-8, with or without a BOM, or GB18030 as Excel saves it in China):
//! a header row, then a score a row — `日期, 参赛单位, 指标, 成绩` — or a row per participant and
//! day with a column per metric (`日期, 参赛单位, 产量, 合格率`). Participants and metrics are
//! named as the competition names them (Chinese or English name, or key). Every problem is
//! reported with its line and column, like the catalogue import's; one problem and nothing is
//! applied.

use jiff::civil::Date;
use protocol::competition::{Competition, MAX_SCORES, MAX_VALUE, Score};

/// The most rows read from one file.
pub const MAX_ROWS: usize = MAX_SCORES;
/// The most problems listed; the rest are counted.
const MAX_LISTED: usize = 30;

const DAY: &[&str] = &["日期", "day", "date"];
const PARTICIPANT: &[&str] = &[
    "参赛单位",
    "参赛者",
    "参赛队伍",
    "队伍",
    "单位",
    "班组",
    "participant",
    "team",
    "branch",
];
const METRIC: &[&str] = &["指标", "metric"];
const VALUE: &[&str] = &["成绩", "数值", "分数", "value", "score"];

/// The file as text: UTF-8 (its BOM dropped), else GB18030.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Where each column's value goes.
enum Layout {
    /// A column for the metric and one for the value.
    Long { metric: Option<usize>, value: usize },
    /// A column per metric (its index and the metric's key).
    Wide(Vec<(usize, String)>),
}

/// Reads every score in `text` against `c`, or says every problem found (each with its line).
pub fn scores(c: &Competition, text: &str) -> Result<Vec<Score>, Vec<String>> {
    // Line ends as a browser's textarea and Excel send them (CRLF) would be counted a line late
    // by the reader's positions: one kind of line end.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![format!("第 1 行（表头）读不出来：{e}")]),
        None => {
            return Err(vec![
                "文件是空的：第一行应是表头（日期, 参赛单位, 指标, 成绩）".into(),
            ]);
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
    let (Some(day_col), Some(who_col)) = (find(DAY), find(PARTICIPANT)) else {
        return Err(vec!["第 1 行（表头）：需要“日期”和“参赛单位”两列".into()]);
    };
    let layout = match (find(METRIC), find(VALUE)) {
        (metric, Some(value)) if metric.is_some() || c.metrics.len() == 1 => {
            Layout::Long { metric, value }
        }
        (_, Some(_)) => {
            return Err(vec![
                "第 1 行（表头）：这个竞赛有多个指标，请加一列“指标”".into(),
            ]);
        }
        (_, None) => {
            let columns: Vec<(usize, String)> = header
                .iter()
                .enumerate()
                .filter_map(|(i, h)| metric_key(c, h).map(|k| (i, k.to_owned())))
                .collect();
            if columns.is_empty() {
                return Err(vec![
                    "第 1 行（表头）：需要“成绩”列，或以指标名称为列名的列".into(),
                ]);
            }
            Layout::Wide(columns)
        }
    };
    let column_name = |i: usize| header.get(i).unwrap_or("").to_owned();
    let mut problems = Vec::new();
    let mut found = Vec::new();
    let mut rows = 0;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("第 {line} 行读不出来：{e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            problems.push(format!("文件超过 {MAX_ROWS} 行，请分开导入"));
            break;
        }
        let cell = |i: usize| record.get(i).unwrap_or("");
        let at = |i: usize| format!("第 {line} 行第 {} 列（{}）", i + 1, column_name(i));
        let day = match parse_day(cell(day_col)) {
            Some(d) if c.running_on(d) => Some(d),
            Some(d) => {
                problems.push(format!(
                    "{}：{d} 不在比赛期（{} 至 {}）内",
                    at(day_col),
                    c.first_day,
                    c.last_day
                ));
                None
            }
            None => {
                problems.push(format!(
                    "{}：“{}”不是日期，请写成 2026-11-03",
                    at(day_col),
                    cell(day_col)
                ));
                None
            }
        };
        let who = participant_key(c, cell(who_col));
        if who.is_none() {
            problems.push(format!("{}：没有参赛者“{}”", at(who_col), cell(who_col)));
        }
        let mut entries: Vec<(Option<String>, usize)> = Vec::new();
        match &layout {
            Layout::Long { metric, value } => {
                let key = match metric {
                    None => c.metrics.first().map(|m| m.key.clone()),
                    Some(m) => {
                        let key = metric_key(c, cell(*m)).map(str::to_owned);
                        if key.is_none() {
                            problems.push(format!("{}：没有指标“{}”", at(*m), cell(*m)));
                        }
                        key
                    }
                };
                entries.push((key, *value));
            }
            Layout::Wide(columns) => {
                for (i, key) in columns {
                    if !cell(*i).is_empty() {
                        entries.push((Some(key.clone()), *i));
                    }
                }
            }
        }
        for (metric, column) in entries {
            let value = match parse_value(cell(column)) {
                Some(v) => Some(v),
                None => {
                    problems.push(format!("{}：“{}”不是数字", at(column), cell(column)));
                    None
                }
            };
            if let (Some(day), Some(who), Some(metric), Some(value)) = (day, who, metric, value) {
                found.push(Score {
                    day,
                    participant: who.to_owned(),
                    metric,
                    value,
                });
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for s in &found {
        if !seen.insert((s.day, &s.participant, &s.metric)) {
            problems.push(format!(
                "同一天（{}）、同一参赛者、同一指标的成绩出现了两次",
                s.day
            ));
        }
    }
    if problems.is_empty() && found.is_empty() {
        problems.push("文件里没有成绩".into());
    }
    if problems.is_empty() {
        return Ok(found);
    }
    let more = problems.len().saturating_sub(MAX_LISTED);
    problems.truncate(MAX_LISTED);
    if more > 0 {
        problems.push(format!("……另有 {more} 处问题"));
    }
    Err(problems)
}

/// A participant's key from its name, English name or key.
pub fn participant_key<'a>(c: &'a Competition, said: &str) -> Option<&'a str> {
    let said = said.trim();
    c.participants
        .iter()
        .find(|p| {
            p.name == said
                || p.key == said
                || (!p.name_en.is_empty() && p.name_en.eq_ignore_ascii_case(said))
        })
        .map(|p| p.key.as_str())
}

/// A metric's key from its name, English name or key.
pub fn metric_key<'a>(c: &'a Competition, said: &str) -> Option<&'a str> {
    let said = said.trim();
    c.metrics
        .iter()
        .find(|m| {
            m.name == said
                || m.key == said
                || (!m.name_en.is_empty() && m.name_en.eq_ignore_ascii_case(said))
        })
        .map(|m| m.key.as_str())
}

/// `2026-11-03`, `2026/11/3` or `2026.11.3`.
pub fn parse_day(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.trim().split(['-', '/', '.']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// A number: `1234`, `1,234.5`, `95%` (read as 95).
pub fn parse_value(text: &str) -> Option<f64> {
    let text = text
        .trim()
        .trim_end_matches(['%', '％'])
        .replace([',', '，'], "");
    let v: f64 = text.trim().parse().ok()?;
    (v.is_finite() && v.abs() <= MAX_VALUE).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use protocol::competition::{Metric, Participant, Total};

    fn competition(metrics: &[&str]) -> Competition {
        Competition {
            title: "比武".into(),
            title_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            first_day: date(2026, 11, 1),
            last_day: date(2026, 11, 30),
            participants: vec![
                Participant {
                    key: "p1".into(),
                    name: "一车间".into(),
                    name_en: "Workshop 1".into(),
                    org_id: None,
                },
                Participant {
                    key: "p2".into(),
                    name: "二车间".into(),
                    name_en: String::new(),
                    org_id: None,
                },
            ],
            metrics: metrics
                .iter()
                .enumerate()
                .map(|(i, name)| Metric {
                    key: format!("m{}", i + 1),
                    name: (*name).into(),
                    name_en: String::new(),
                    unit: String::new(),
                    unit_en: String::new(),
                    higher_is_better: true,
                    total: Total::Sum,
                })
                .collect(),
            scores: Vec::new(),
        }
    }

    #[test]
    fn a_score_a_row_and_a_column_per_metric_read_alike() {
        let c = competition(&["产量", "合格率"]);
        let long = "日期,参赛单位,指标,成绩\n2026-11-03,一车间,产量,\"1,200\"\n2026/11/3,workshop 1,合格率,98%\n";
        let wide = "\u{feff}日期,参赛单位,产量,合格率,备注\n2026.11.3,p1,1200,98,好\n";
        let a = scores(&c, long).expect("long reads");
        let b = scores(&c, &decode(wide.as_bytes())).expect("wide reads");
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].value, 1200.0);
        assert_eq!(a[1].metric, "m2");
    }

    #[test]
    fn every_problem_names_its_line_and_column() {
        let c = competition(&["产量"]);
        let text =
            "日期,参赛单位,成绩\n2026-11-03,一车间,5\n2026-12-03,三车间,x\n\n2026-11-04,二车间,7\n";
        let problems = scores(&c, text).expect_err("refused");
        let crlf = scores(&c, &text.replace('\n', "\r\n")).expect_err("refused");
        assert_eq!(crlf, problems, "CRLF lines are counted alike");
        assert_eq!(
            problems,
            [
                "第 3 行第 1 列（日期）：2026-12-03 不在比赛期（2026-11-01 至 2026-11-30）内",
                "第 3 行第 2 列（参赛单位）：没有参赛者“三车间”",
                "第 3 行第 3 列（成绩）：“x”不是数字",
            ]
        );
        let problems = scores(&c, "名称,数量\n").expect_err("no columns");
        assert!(problems[0].starts_with("第 1 行（表头）"));
    }

    #[test]
    fn gb18030_is_read() {
        let c = competition(&["产量"]);
        let (bytes, _, _) =
            encoding_rs::GB18030.encode("日期,参赛单位,成绩\n2026-11-03,二车间,4\n");
        let read = scores(&c, &decode(&bytes)).expect("reads");
        assert_eq!(read[0].participant, "p2");
    }
}
