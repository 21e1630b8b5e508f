//! The checks a form definition passes before it is published: one function,
//! [`FormDefinition::problems`], whoever wrote the definition (the console's builder, its JSON
//! editor, the staff API, the demo pack), each problem said in Chinese and English.

use std::collections::HashSet;

use super::{DateLimit, FieldInput, FormDefinition, FormField};
use crate::answers::Lang;
use crate::content::TITLE_MAX;

/// The most fields a form may have: far more than any form an employee fills in standing at a
/// kiosk, and few enough that the builder shows them all.
pub const MAX_FIELDS: usize = 200;
/// The most options a choice field may have.
pub const MAX_OPTIONS: usize = 100;
/// A field's label.
pub const LABEL_MAX: usize = 100;
/// A text's English, which runs longer than its Chinese: the form's title, a field's label, an
/// option's label.
pub const ENGLISH_MAX: usize = 300;
/// A field's help text.
pub const HELP_MAX: usize = 500;
/// The form's description.
pub const DESCRIPTION_MAX: usize = 2_000;
/// An option's value and labels, and the value a condition compares with.
pub const OPTION_MAX: usize = 100;

/// One thing wrong with a form definition: where it is (`fields[3].key`), the field it concerns
/// by position, and what is wrong in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub path: String,
    pub field: Option<usize>,
    pub zh: String,
    pub en: String,
}

impl FormProblem {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// What a value looks like in a message: hostile input can be a megabyte long.
fn short(s: &str) -> String {
    const SHOWN: usize = 30;
    if s.chars().count() <= SHOWN {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(SHOWN).collect::<String>())
    }
}

#[derive(Default)]
struct Found {
    list: Vec<FormProblem>,
    /// The field being checked, by position.
    field: Option<usize>,
}

impl Found {
    fn add(&mut self, path: impl Into<String>, zh: String, en: String) {
        let (zh, en) = match self.field {
            Some(i) => (
                format!("第 {} 个字段：{zh}", i + 1),
                format!("Field {}: {en}", i + 1),
            ),
            None => (zh, en),
        };
        self.list.push(FormProblem {
            path: path.into(),
            field: self.field,
            zh,
            en,
        });
    }

    /// A text: `what` names it in both languages.
    fn text(&mut self, path: String, what: (&str, &str), value: &str, required: bool, max: usize) {
        let n = value.chars().count();
        if required && value.trim().is_empty() {
            self.add(
                path,
                format!("{}不能为空", what.0),
                format!("{} cannot be empty.", what.1),
            );
        } else if n > max {
            self.add(
                path,
                format!("{}最多 {max} 个字，现在有 {n} 个", what.0),
                format!("{} is at most {max} characters long (now {n}).", what.1),
            );
        }
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl FormDefinition {
    /// Every problem of the definition, in field order.
    pub fn problems(&self) -> Vec<FormProblem> {
        let mut p = Found::default();
        p.text(
            "title".into(),
            ("标题", "The title"),
            &self.title,
            true,
            TITLE_MAX,
        );
        if let Some(en) = &self.title_en {
            let what = ("英文标题", "The English title");
            p.text("title_en".into(), what, en, false, ENGLISH_MAX);
        }
        let what = ("说明", "The description");
        p.text(
            "description".into(),
            what,
            &self.description,
            false,
            DESCRIPTION_MAX,
        );
        let n = self.fields.len();
        if n == 0 {
            p.add(
                "fields",
                "表单至少要有一个字段".into(),
                "A form needs at least one field.".into(),
            );
        }
        if n > MAX_FIELDS {
            p.add(
                "fields",
                format!("表单最多 {MAX_FIELDS} 个字段，现在有 {n} 个"),
                format!("A form has at most {MAX_FIELDS} fields; this one has {n}."),
            );
            return p.list;
        }
        let mut seen = HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            p.field = Some(i);
            let at = format!("fields[{i}]");
            if !valid_key(&f.key) {
                p.add(
                    format!("{at}.key"),
                    format!("字段标识“{}”只能用小写字母、数字和下划线（最多 64 个）", short(&f.key)),
                    format!(
                        "the field id '{}' may use only lower-case letters, digits and underscores (at most 64).",
                        short(&f.key)
                    ),
                );
            }
            if !seen.insert(f.key.as_str()) {
                p.add(
                    format!("{at}.key"),
                    format!("字段标识“{}”与前面的字段重复", short(&f.key)),
                    format!(
                        "the field id '{}' is already used by an earlier field.",
                        short(&f.key)
                    ),
                );
            }
            p.text(
                format!("{at}.label"),
                ("标签", "the label"),
                &f.label,
                true,
                LABEL_MAX,
            );
            if let Some(en) = &f.label_en {
                let what = ("英文标签", "the English label");
                p.text(format!("{at}.label_en"), what, en, false, ENGLISH_MAX);
            }
            if let Some(help) = &f.help {
                p.text(
                    format!("{at}.help"),
                    ("说明文字", "the help text"),
                    help,
                    false,
                    HELP_MAX,
                );
            }
            check_input(&mut p, &at, f);
            if matches!(f.input, FieldInput::Section) && f.required {
                p.add(
                    format!("{at}.required"),
                    "分组标题不需要填写，不能设为必填".into(),
                    "a section heading takes no answer, so it cannot be required.".into(),
                );
            }
            if let Some(cond) = &f.visible_if {
                check_condition(&mut p, &at, &self.fields[..i], f, cond);
            }
        }
        p.field = None;
        let marked = self
            .fields
            .iter()
            .filter(|f| matches!(f.input, FieldInput::Phone { status_check: true }))
            .count();
        if marked > 1 {
            p.add(
                "fields",
                "只能有一个手机号码字段用于查询办理进度".into(),
                "Only one phone field can be the one for checking progress.".into(),
            );
        }
        p.list
    }
}

/// The rules of one field's input.
fn check_input(p: &mut Found, at: &str, f: &FormField) {
    match &f.input {
        FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => {
            if options.is_empty() {
                p.add(
                    format!("{at}.options"),
                    "选择题至少要有一个选项".into(),
                    "a choice needs at least one option.".into(),
                );
            }
            if options.len() > MAX_OPTIONS {
                p.add(
                    format!("{at}.options"),
                    format!("最多 {MAX_OPTIONS} 个选项，现在有 {} 个", options.len()),
                    format!("at most {MAX_OPTIONS} options (now {}).", options.len()),
                );
                return;
            }
            let mut values = HashSet::new();
            for (j, o) in options.iter().enumerate() {
                let path = format!("{at}.options[{j}]");
                p.text(
                    format!("{path}.value"),
                    ("选项的值", "an option's value"),
                    &o.value,
                    true,
                    OPTION_MAX,
                );
                p.text(
                    format!("{path}.label"),
                    ("选项的文字", "an option's label"),
                    &o.label,
                    true,
                    OPTION_MAX,
                );
                if let Some(en) = &o.label_en {
                    let what = ("选项的英文", "an option's English label");
                    p.text(format!("{path}.label_en"), what, en, false, ENGLISH_MAX);
                }
                if !values.insert(o.value.as_str()) {
                    p.add(
                        format!("{path}.value"),
                        format!("选项的值“{}”重复", short(&o.value)),
                        format!("the option value '{}' is used twice.", short(&o.value)),
                    );
                }
            }
            if let FieldInput::MultiChoice {
                min_selected,
                max_selected,
                ..
            } = &f.input
            {
                let lo = min_selected.unwrap_or(0);
                let hi = max_selected.unwrap_or(options.len() as u32);
                if lo > hi || lo as usize > options.len() {
                    p.add(
                        format!("{at}.min_selected"),
                        "最少选择项数不合理（大于最多项数或选项个数）".into(),
                        "the fewest choices is more than the most choices or the options.".into(),
                    );
                }
            }
        }
        FieldInput::Text {
            min_len: Some(lo),
            max_len: Some(hi),
            ..
        }
        | FieldInput::Multiline {
            min_len: Some(lo),
            max_len: Some(hi),
        } if lo > hi => {
            p.add(
                format!("{at}.min_len"),
                "最少字数大于最多字数".into(),
                "the fewest characters is more than the most.".into(),
            );
        }
        FieldInput::Number { min, max, .. } => {
            if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
                p.add(
                    format!("{at}.min"),
                    "最小值和最大值必须是数字".into(),
                    "the least and greatest values must be numbers.".into(),
                );
            } else if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                p.add(
                    format!("{at}.min"),
                    "最小值大于最大值".into(),
                    "the least value is more than the greatest.".into(),
                );
            }
        }
        FieldInput::Date {
            min: Some(DateLimit::On(lo)),
            max: Some(DateLimit::On(hi)),
        } if lo > hi => {
            p.add(
                format!("{at}.min"),
                "最早日期晚于最晚日期".into(),
                "the earliest date is after the latest.".into(),
            );
        }
        _ => {}
    }
}

/// "Shown when field X is Y": X is an earlier field that takes an answer, and Y one of its
/// answers (an option's value; for a consent box `true` or `false`).
fn check_condition(
    p: &mut Found,
    at: &str,
    earlier: &[FormField],
    f: &FormField,
    cond: &super::VisibleIf,
) {
    let path = format!("{at}.visible_if");
    let name = short(&cond.field);
    let Some(target) = earlier.iter().find(|g| g.key == cond.field) else {
        let (zh, en) = if cond.field == f.key {
            (
                "显示条件不能引用它自己".to_owned(),
                "the condition cannot name the field itself.".to_owned(),
            )
        } else {
            (
                format!("显示条件引用的字段“{name}”不在它前面（不存在或排在后面）"),
                format!(
                    "the condition names '{name}', which is not an earlier field (missing, or after this one)."
                ),
            )
        };
        p.add(path, zh, en);
        return;
    };
    if matches!(target.input, FieldInput::Section) {
        p.add(
            path,
            format!("显示条件不能引用分组标题“{name}”"),
            format!("the condition cannot name the section heading '{name}'."),
        );
        return;
    }
    let value = short(&cond.equals);
    match &target.input {
        FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. }
            if !options.iter().any(|o| o.value == cond.equals) =>
        {
            p.add(
                path,
                format!("显示条件的值“{value}”不是字段“{name}”的选项"),
                format!("the condition's value '{value}' is not an option of '{name}'."),
            );
        }
        FieldInput::Consent if !matches!(cond.equals.as_str(), "true" | "false") => {
            p.add(
                path,
                format!("同意框“{name}”的条件值只能是 true 或 false"),
                format!("the condition on the consent box '{name}' must be true or false."),
            );
        }
        _ if cond.equals.trim().is_empty() || cond.equals.chars().count() > OPTION_MAX => {
            p.add(
                path,
                format!("显示条件的值不能为空，最多 {OPTION_MAX} 个字"),
                format!(
                    "the condition's value cannot be empty and is at most {OPTION_MAX} characters."
                ),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: serde_json::Value) -> FormDefinition {
        serde_json::from_value(serde_json::json!({"title": "表单", "fields": fields}))
            .expect("a form")
    }

    fn paths(def: &FormDefinition) -> Vec<String> {
        def.problems().into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn options_conditions_and_numbers_are_checked() {
        let def = form(serde_json::json!([
            {"key": "kind", "label": "类型", "type": "single_choice",
             "options": [{"value": "a", "label": "甲"}, {"value": "a", "label": "乙"}]},
            {"key": "head", "label": "分组", "type": "section"},
            {"key": "agree", "label": "同意", "type": "consent"},
            {"key": "x", "label": "x", "type": "text", "visible_if": {"field": "kind", "equals": "b"}},
            {"key": "y", "label": "y", "type": "text", "visible_if": {"field": "head", "equals": "b"}},
            {"key": "z", "label": "z", "type": "text", "visible_if": {"field": "agree", "equals": "yes"}},
            {"key": "w", "label": "w", "type": "text", "visible_if": {"field": "w", "equals": "1"}},
            {"key": "ok", "label": "ok", "type": "text", "visible_if": {"field": "kind", "equals": "a"}}
        ]));
        assert_eq!(
            paths(&def),
            [
                "fields[0].options[1].value",
                "fields[3].visible_if",
                "fields[4].visible_if",
                "fields[5].visible_if",
                "fields[6].visible_if",
            ]
        );
        let mut numbers = form(serde_json::json!([{"key": "n", "label": "n", "type": "number"}]));
        numbers.fields[0].input = FieldInput::Number {
            min: Some(f64::NAN),
            max: None,
            integer: false,
        };
        assert_eq!(paths(&numbers), ["fields[0].min"]);
    }

    #[test]
    fn too_many_fields_is_one_problem_said_in_both_languages() {
        let fields: Vec<_> = (0..=MAX_FIELDS)
            .map(|i| serde_json::json!({"key": format!("k{i}"), "label": "字段", "type": "text"}))
            .collect();
        let problems = form(serde_json::Value::Array(fields)).problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message(Lang::Zh).contains("最多 200 个字段"));
        assert!(problems[0].message(Lang::En).contains("at most 200 fields"));
        let long = form(
            serde_json::json!([{"key": "a", "label": "长".repeat(LABEL_MAX + 1), "type": "text"}]),
        );
        let said = &long.problems()[0];
        assert_eq!(said.field, Some(0));
        assert!(
            said.en.starts_with("Field 1: the label is at most 100"),
            "{}",
            said.en
        );
    }
}
