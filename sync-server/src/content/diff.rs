//! What changed between two versions of an item, field by field: which top-level fields of the
//! body differ (stored with each revision), and a line diff of each one for people to read, the
//! changed part of a changed line marked by words (so by characters in Chinese text).
//!
//! A field is compared as text: strings as they are, lists of strings one a line, anything else
//! (a form's fields, a week of opening hours) as pretty-printed JSON, so a structured change shows
//! as the lines of it that changed.

use protocol::content::ContentBody;
use serde_json::Value;
use similar::{Algorithm, ChangeTag, InlineChangeOptions, TextDiff};
use std::collections::BTreeMap;

/// Lines of context kept around each change.
const CONTEXT: usize = 2;

/// How fields are ordered for people: the ones that say what an item is first; others after,
/// by name.
const ORDER: &[&str] = &[
    "title",
    "subtitle",
    "summary",
    "body_markdown",
    "category",
    "author",
    "description",
    "location",
    "items",
    "fields",
    "week",
    "closed_dates",
    "special_days",
    "tiles",
];

/// The body's top-level fields as text, without the `kind` tag.
fn fields(body: &ContentBody) -> BTreeMap<String, String> {
    let Ok(Value::Object(map)) = serde_json::to_value(body) else {
        return BTreeMap::new();
    };
    map.into_iter()
        .filter(|(k, _)| k != "kind")
        .map(|(k, v)| (k, as_text(&v)))
        .collect()
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => serde_json::to_string_pretty(v).unwrap_or_default(),
    }
}

fn rank(field: &str) -> usize {
    ORDER
        .iter()
        .position(|f| *f == field)
        .unwrap_or(ORDER.len())
}

/// The top-level fields whose value differs (a field absent on one side counts as empty), in
/// the order people read them.
pub fn changed_fields(old: &ContentBody, new: &ContentBody) -> Vec<String> {
    let (old, new) = (fields(old), fields(new));
    let mut names: Vec<String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| {
            old.get(*k).map_or("", String::as_str) != new.get(*k).map_or("", String::as_str)
        })
        .cloned()
        .collect();
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    names.dedup();
    names
}

/// What a line of a field's diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineTag {
    Same,
    Removed,
    Added,
    /// Unchanged lines left out between two changes.
    Gap,
}

/// One line: its pieces, each marked when it is the part that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub tag: LineTag,
    pub parts: Vec<(bool, String)>,
}

/// One changed field and the lines of its diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub field: String,
    pub lines: Vec<Line>,
}

/// Every changed field of `new` against `old` (against nothing: every field of `new` is added),
/// in the order people read them.
pub fn diff(old: Option<&ContentBody>, new: &ContentBody) -> Vec<FieldDiff> {
    let old_fields = old.map(fields).unwrap_or_default();
    let new_fields = fields(new);
    let names = match old {
        Some(old) => changed_fields(old, new),
        None => {
            let mut names: Vec<String> = new_fields
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, _)| k.clone())
                .collect();
            names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
            names
        }
    };
    names
        .into_iter()
        .map(|field| {
            let before = old_fields.get(&field).map_or("", String::as_str);
            let after = new_fields.get(&field).map_or("", String::as_str);
            let lines = text_diff(before, after);
            FieldDiff { field, lines }
        })
        .collect()
}

/// A line diff of two texts with the changed words of replaced lines marked.
pub fn text_diff(old: &str, new: &str) -> Vec<Line> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(old, new);
    let mut options = InlineChangeOptions::new();
    options.semantic_cleanup(true);
    let mut lines = Vec::new();
    for (i, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if i > 0 {
            lines.push(Line {
                tag: LineTag::Gap,
                parts: Vec::new(),
            });
        }
        for op in group {
            for change in diff.iter_inline_changes_with_options(op, options) {
                let tag = match change.tag() {
                    ChangeTag::Equal => LineTag::Same,
                    ChangeTag::Delete => LineTag::Removed,
                    ChangeTag::Insert => LineTag::Added,
                };
                let mut parts: Vec<(bool, String)> = Vec::new();
                for (marked, text) in change.iter_strings_lossy() {
                    let text = text.trim_end_matches(['\n', '\r']);
                    if text.is_empty() {
                        continue;
                    }
                    // Neighbouring pieces alike are one piece.
                    match parts.last_mut() {
                        Some((m, t)) if *m == marked => t.push_str(text),
                        _ => parts.push((marked, text.to_owned())),
                    }
                }
                lines.push(Line { tag, parts });
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::content::{NewsArticle, NewsCategory};

    fn article(title: &str, body: &str) -> ContentBody {
        ContentBody::News(NewsArticle {
            title: title.to_owned(),
            summary: String::new(),
            body_markdown: body.to_owned(),
            cover: None,
            images: Vec::new(),
            category: NewsCategory::Policy,
            pinned: false,
            phone_link: None,
        })
    }

    /// A line as text with its marked pieces in brackets.
    fn shown(line: &Line) -> String {
        let sign = match line.tag {
            LineTag::Same => ' ',
            LineTag::Removed => '-',
            LineTag::Added => '+',
            LineTag::Gap => '~',
        };
        let text: String = line
            .parts
            .iter()
            .map(|(m, t)| if *m { format!("[{t}]") } else { t.clone() })
            .collect();
        format!("{sign}{text}")
    }

    #[test]
    fn a_corrected_chinese_sentence_marks_only_the_changed_characters() {
        let old = article(
            "关于做好2026年度困难职工帮扶工作的通知",
            "# 通知\n\n各基层工会：\n\n请于12月5日前报送困难职工名单。\n\n联系电话：12345。",
        );
        let new = article(
            "关于做好2026年度困难职工帮扶工作的通知",
            "# 通知\n\n各基层工会：\n\n请于12月8日前报送困难职工名单。\n\n联系电话：12345。",
        );
        assert_eq!(changed_fields(&old, &new), ["body_markdown"]);
        let d = diff(Some(&old), &new);
        assert_eq!(d.len(), 1);
        let lines: Vec<String> = d[0].lines.iter().map(shown).collect();
        assert_eq!(
            lines,
            [
                " 各基层工会：",
                " ",
                "-请于12月[5]日前报送困难职工名单。",
                "+请于12月[8]日前报送困难职工名单。",
                " ",
                " 联系电话：12345。",
            ]
        );
    }

    #[test]
    fn fields_are_ordered_for_people_and_absent_counts_as_empty() {
        let old = article("旧标题", "正文");
        let ContentBody::News(mut n) = article("新标题", "正文\n第二段") else {
            unreachable!("an article")
        };
        n.pinned = true;
        n.summary = "摘要".to_owned();
        let new = ContentBody::News(n);
        assert_eq!(
            changed_fields(&old, &new),
            ["title", "summary", "body_markdown", "pinned"]
        );
        // Against nothing, every field that has a value is new.
        let all = diff(None, &old);
        let names: Vec<&str> = all.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["title", "body_markdown", "category", "pinned"]);
        assert!(all[0].lines.iter().all(|l| l.tag == LineTag::Added));
        assert!(changed_fields(&old, &old).is_empty());
    }

    #[test]
    fn far_apart_changes_are_two_groups_with_a_gap() {
        let old: String = (1..=20).map(|i| format!("第{i}行\n")).collect();
        let new = old.replace("第2行", "第二行").replace("第19行", "第十九行");
        let tags: Vec<LineTag> = text_diff(&old, &new).iter().map(|l| l.tag).collect();
        assert_eq!(tags.iter().filter(|t| **t == LineTag::Gap).count(), 1);
        assert_eq!(tags.iter().filter(|t| **t == LineTag::Removed).count(), 2);
        assert!(
            tags.len() < 20,
            "unchanged lines far from a change are left out"
        );
    }
}
