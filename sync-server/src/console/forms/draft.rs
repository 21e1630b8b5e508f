//! The builder's draft: a form definition read back from the builder's inputs (every field's
//! type, key, labels, rules and condition travel in the page, so each action is a plain POST
//! that re-renders it), and the actions that change it (add, move, remove).
//!
//! Nothing here judges the definition: that is `FormDefinition::problems`, the one check for
//! the builder, the JSON editor and the API alike. What is read here is only what could not be
//! read at all (a type the kiosk does not know, a number that is not one).

use std::collections::{BTreeSet, HashMap};

use protocol::content::{
    ChoiceOption, DateLimit, FieldInput, FormDefinition, FormField, FormProblem, VisibleIf,
};
use protocol::{ContentId, OrgId};

/// Every input type the kiosk renders: its wire name and what staff call it.
pub const TYPES: [(&str, &str, &str); 10] = [
    ("text", "单行文字", "One line of text"),
    ("multiline", "多行文字", "Several lines of text"),
    ("number", "数字", "Number"),
    ("phone", "手机号码", "Mobile phone"),
    ("resident_id", "身份证号码", "Resident ID number"),
    ("date", "日期", "Date"),
    ("single_choice", "单选", "Single choice"),
    ("multi_choice", "多选", "Multiple choice"),
    ("consent", "同意框", "Consent box"),
    ("section", "分组标题", "Section heading"),
];

/// The wire name of an input's type.
pub fn type_of(input: &FieldInput) -> &'static str {
    match input {
        FieldInput::Text { .. } => "text",
        FieldInput::Multiline { .. } => "multiline",
        FieldInput::Number { .. } => "number",
        FieldInput::Phone { .. } => "phone",
        FieldInput::ResidentId => "resident_id",
        FieldInput::Date { .. } => "date",
        FieldInput::SingleChoice { .. } => "single_choice",
        FieldInput::MultiChoice { .. } => "multi_choice",
        FieldInput::Consent => "consent",
        FieldInput::Section => "section",
    }
}

/// A form being built: the item it will be a new version of (none for a new form), the version
/// the builder was opened on, the org a new form goes to, and the definition so far.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: Option<ContentId>,
    pub version: u32,
    pub org: Option<OrgId>,
    pub def: FormDefinition,
    /// What could not be read from the inputs.
    pub unread: Vec<FormProblem>,
    /// A new form: add a tile for it to the home screen of its org's kiosks when published
    /// (asked by a box that starts ticked).
    pub home_tile: bool,
}

/// What the staff member asked for with the button they pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Check and show the preview (also what Enter in a text box does).
    Preview,
    Publish,
    Add(String),
    Up(usize),
    Down(usize),
    Remove(usize),
}

impl Draft {
    /// A new form's first draft: a title to fill in and one text field.
    pub fn new_form() -> Draft {
        Draft {
            id: None,
            version: 0,
            org: None,
            def: FormDefinition {
                title: String::new(),
                title_en: None,
                description: String::new(),
                fields: vec![blank_field("text", "field_1").expect("text is a type")],
            },
            unread: Vec::new(),
            home_tile: true,
        }
    }

    /// The draft the builder's inputs describe, and the button pressed.
    pub fn read(pairs: &[(String, String)]) -> (Draft, Op) {
        let map: HashMap<&str, &str> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let get = |k: &str| map.get(k).copied().unwrap_or_default();
        let opt = |k: &str| {
            Some(get(k).trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        // The fields are the indices that carry a type, in order: a hostile page may skip some.
        let indices: BTreeSet<usize> = map
            .keys()
            .filter_map(|k| k.strip_prefix("f.")?.strip_suffix(".type")?.parse().ok())
            .collect();
        let status_phone: Option<usize> = get("status_phone").parse().ok();
        let mut unread = Vec::new();
        let fields = indices
            .iter()
            .enumerate()
            .map(|(at, i)| {
                let mut r = FieldReader {
                    map: &map,
                    prefix: format!("f.{i}."),
                    at,
                    unread: &mut unread,
                };
                r.field(status_phone == Some(*i))
            })
            .collect();
        let def = FormDefinition {
            title: get("title").trim().to_owned(),
            title_en: opt("title_en"),
            description: get("description").replace("\r\n", "\n").trim().to_owned(),
            fields,
        };
        let draft = Draft {
            id: opt("id").map(ContentId),
            version: get("version").parse().unwrap_or(0),
            org: get("org").parse().ok().map(OrgId),
            def,
            unread,
            // The box, unticked, sends nothing: the page says it was asked.
            home_tile: !map.contains_key("home_tile_asked") || map.contains_key("home_tile"),
        };
        let op = match get("op").split_once(':') {
            Some(("up", i)) => i.parse().map_or(Op::Preview, Op::Up),
            Some(("down", i)) => i.parse().map_or(Op::Preview, Op::Down),
            Some(("remove", i)) => i.parse().map_or(Op::Preview, Op::Remove),
            _ => match get("op") {
                "publish" => Op::Publish,
                "add" => Op::Add(get("new_type").to_owned()),
                _ => Op::Preview,
            },
        };
        (draft, op)
    }

    /// Carries out an action that changes the fields; out-of-range positions change nothing.
    pub fn apply(&mut self, op: &Op) {
        let fields = &mut self.def.fields;
        let n = fields.len();
        match *op {
            Op::Add(ref kind) => {
                let key = (fields.len() + 1..)
                    .map(|k| format!("field_{k}"))
                    .find(|k| !fields.iter().any(|f| &f.key == k))
                    .expect("an unused key");
                if let Some(f) = blank_field(kind, &key) {
                    fields.push(f);
                }
            }
            Op::Up(i) if i > 0 && i < n => fields.swap(i - 1, i),
            Op::Down(i) if i + 1 < n => fields.swap(i, i + 1),
            Op::Remove(i) if i < n => {
                fields.remove(i);
            }
            _ => {}
        }
    }

    /// Every problem: what could not be read, then the definition's own.
    pub fn problems(&self) -> Vec<FormProblem> {
        let mut all = self.unread.clone();
        all.extend(self.def.problems());
        all
    }
}

/// A new field of type `kind` (a wire name), with a placeholder label.
fn blank_field(kind: &str, key: &str) -> Option<FormField> {
    let input = match kind {
        "text" => FieldInput::Text {
            min_len: None,
            max_len: None,
            person_name: false,
        },
        "multiline" => FieldInput::Multiline {
            min_len: None,
            max_len: None,
        },
        "number" => FieldInput::Number {
            min: None,
            max: None,
            integer: false,
        },
        "phone" => FieldInput::Phone {
            status_check: false,
        },
        "resident_id" => FieldInput::ResidentId,
        "date" => FieldInput::Date {
            min: None,
            max: None,
        },
        "single_choice" => FieldInput::SingleChoice {
            options: Vec::new(),
        },
        "multi_choice" => FieldInput::MultiChoice {
            options: Vec::new(),
            min_selected: None,
            max_selected: None,
        },
        "consent" => FieldInput::Consent,
        "section" => FieldInput::Section,
        _ => return None,
    };
    let label = TYPES
        .iter()
        .find(|t| t.0 == kind)
        .map(|t| t.1)
        .unwrap_or_default();
    Some(FormField {
        key: key.to_owned(),
        label: label.to_owned(),
        label_en: None,
        input,
        required: false,
        help: None,
        visible_if: None,
    })
}

/// Options as the builder writes them, one a line: `value | 中文 | English`, or only the
/// Chinese text when it is also the value.
pub fn options_text(options: &[ChoiceOption]) -> String {
    options
        .iter()
        .map(|o| match &o.label_en {
            Some(en) => format!("{} | {} | {en}", o.value, o.label),
            None if o.value == o.label => o.label.clone(),
            None => format!("{} | {}", o.value, o.label),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A date limit as the builder writes it.
pub fn date_text(limit: Option<DateLimit>) -> String {
    match limit {
        None => String::new(),
        Some(DateLimit::Today) => "today".into(),
        Some(DateLimit::On(d)) => d.to_string(),
    }
}

/// Reads one field's inputs (`f.<i>.<name>`).
struct FieldReader<'a, 'm> {
    map: &'a HashMap<&'m str, &'m str>,
    prefix: String,
    /// The field's position.
    at: usize,
    unread: &'a mut Vec<FormProblem>,
}

impl FieldReader<'_, '_> {
    fn get(&self, name: &str) -> &str {
        self.map
            .get(format!("{}{name}", self.prefix).as_str())
            .copied()
            .unwrap_or_default()
    }

    fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    fn on(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    fn unread(&mut self, name: &str, zh: String, en: String) {
        self.unread.push(FormProblem {
            path: format!("fields[{}].{name}", self.at),
            field: Some(self.at),
            zh: format!("第 {} 个字段：{zh}", self.at + 1),
            en: format!("Field {}: {en}", self.at + 1),
        });
    }

    /// A number typed in `name`, or nothing when it is empty or not a number of type `T`.
    fn number<T: std::str::FromStr>(&mut self, name: &str) -> Option<T> {
        let typed = self.get(name).trim().to_owned();
        if typed.is_empty() {
            return None;
        }
        let read = typed.parse().ok();
        if read.is_none() {
            let shown: String = typed.chars().take(20).collect();
            self.unread(
                name,
                format!("“{shown}”不是合适的数字"),
                format!("'{shown}' is not a suitable number."),
            );
        }
        read
    }

    fn date(&mut self, name: &str) -> Option<DateLimit> {
        let typed = self.get(name).trim().to_owned();
        match typed.as_str() {
            "" => None,
            "today" | "今天" => Some(DateLimit::Today),
            _ => match protocol::answers::date(&typed) {
                Ok(d) => Some(DateLimit::On(d)),
                Err(_) => {
                    let shown: String = typed.chars().take(20).collect();
                    self.unread(
                        name,
                        format!("“{shown}”不是日期（写成 2026-01-31，或 today 表示填表当天）"),
                        format!(
                            "'{shown}' is not a date (write 2026-01-31, or today for the day of filling in)."
                        ),
                    );
                    None
                }
            },
        }
    }

    fn options(&mut self) -> Vec<ChoiceOption> {
        let text = self.get("options").to_owned();
        let mut out = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let (value, label, label_en) = match parts[..] {
                [one] => (one, one, None),
                [value, label] => (value, label, None),
                [value, label, en] => (value, label, Some(en).filter(|e| !e.is_empty())),
                _ => {
                    let shown: String = line.chars().take(30).collect();
                    self.unread(
                        "options",
                        format!("选项“{shown}”的竖线太多（每行写成 值 | 中文 | English）"),
                        format!(
                            "the option '{shown}' has too many bars (write value | 中文 | English on each line)."
                        ),
                    );
                    continue;
                }
            };
            out.push(ChoiceOption {
                value: value.to_owned(),
                label: label.to_owned(),
                label_en: label_en.map(str::to_owned),
            });
        }
        out
    }

    fn field(&mut self, status_phone: bool) -> FormField {
        let kind = self.get("type").to_owned();
        let input = match kind.as_str() {
            "text" => FieldInput::Text {
                min_len: self.number("min_len"),
                max_len: self.number("max_len"),
                person_name: self.on("person_name"),
            },
            "multiline" => FieldInput::Multiline {
                min_len: self.number("min_len"),
                max_len: self.number("max_len"),
            },
            "number" => FieldInput::Number {
                min: self.number("min"),
                max: self.number("max"),
                integer: self.on("integer"),
            },
            "phone" => FieldInput::Phone {
                status_check: status_phone,
            },
            "resident_id" => FieldInput::ResidentId,
            "date" => FieldInput::Date {
                min: self.date("min"),
                max: self.date("max"),
            },
            "single_choice" => FieldInput::SingleChoice {
                options: self.options(),
            },
            "multi_choice" => FieldInput::MultiChoice {
                options: self.options(),
                min_selected: self.number("min_selected"),
                max_selected: self.number("max_selected"),
            },
            "consent" => FieldInput::Consent,
            "section" => FieldInput::Section,
            other => {
                let shown: String = other.chars().take(20).collect();
                self.unread(
                    "type",
                    format!("终端不认识字段类型“{shown}”，已先当作单行文字，请选择类型"),
                    format!(
                        "the kiosk knows no field type '{shown}'; it is shown as one line of text, choose its type."
                    ),
                );
                FieldInput::Text {
                    min_len: None,
                    max_len: None,
                    person_name: false,
                }
            }
        };
        let visible_if = self.opt("if_field").map(|field| VisibleIf {
            field,
            equals: self.get("if_equals").trim().to_owned(),
        });
        FormField {
            key: self.get("key").trim().to_owned(),
            label: self.get("label").trim().to_owned(),
            label_en: self.opt("label_en"),
            required: self.on("required") && !matches!(input, FieldInput::Section),
            help: self.opt("help"),
            input,
            visible_if,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_inputs_read_back_as_the_definition_and_actions_move_fields() {
        let (mut draft, op) = Draft::read(&pairs(&[
            ("id", "abc"),
            ("version", "3"),
            ("title", " 困难帮扶申请 "),
            ("f.0.type", "single_choice"),
            ("f.0.key", "kind"),
            ("f.0.label", "困难类型"),
            ("f.0.required", "1"),
            ("f.0.options", "ill | 因病 | Illness\r\n\r\n意外\n"),
            ("f.5.type", "phone"),
            ("f.5.key", "phone"),
            ("f.5.label", "手机号码"),
            ("f.5.if_field", "kind"),
            ("f.5.if_equals", "ill"),
            ("status_phone", "5"),
            ("f.7.type", "number"),
            ("f.7.key", "n"),
            ("f.7.label", "人数"),
            ("f.7.min", "多"),
            ("op", "up:2"),
        ]));
        assert_eq!(op, Op::Up(2));
        assert_eq!(draft.id, Some(ContentId("abc".into())));
        assert_eq!(
            (draft.version, draft.def.title.as_str()),
            (3, "困难帮扶申请")
        );
        let FieldInput::SingleChoice { options } = &draft.def.fields[0].input else {
            panic!("a single choice")
        };
        assert_eq!(options_text(options), "ill | 因病 | Illness\n意外");
        assert_eq!(
            draft.def.fields[1].input,
            FieldInput::Phone { status_check: true }
        );
        assert_eq!(
            draft.def.fields[1].visible_if,
            Some(VisibleIf {
                field: "kind".into(),
                equals: "ill".into()
            })
        );
        // "多" is not a number: said, and the field is kept without it.
        assert_eq!(draft.unread.len(), 1);
        assert_eq!(draft.unread[0].field, Some(2));
        draft.apply(&op);
        let keys: Vec<&str> = draft.def.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["kind", "n", "phone"]);
        draft.apply(&Op::Add("date".into()));
        draft.apply(&Op::Add("no_such_type".into()));
        draft.apply(&Op::Remove(99));
        assert_eq!(draft.def.fields.len(), 4);
        assert_eq!(draft.def.fields[3].key, "field_4");
    }
}
