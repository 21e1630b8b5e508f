//! Form definitions: the fields an employee fills in at the kiosk, their rules, and the checks a
//! definition must pass before it is published.

pub mod check;

use super::Problems;
use serde::{Deserialize, Serialize};

pub use check::FormProblem;

/// A form that employees fill in on the kiosk. Published versions never change: an edit makes a
/// new version (`ContentItem::version`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable key the answer is stored under; `[a-z0-9_]`.
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    #[serde(flatten)]
    pub input: FieldInput,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Shown only when another field has a given value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<VisibleIf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldInput {
    /// One line of text; `max_len` defaults to [`crate::answers::TEXT_DEFAULT_MAX`]. Lengths
    /// count characters (一个汉字算一个字).
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_len: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_len: Option<u32>,
        /// The field holds a person's name: the kiosk's pinyin input offers surnames first,
        /// then characters common in given names.
        #[serde(default, skip_serializing_if = "is_false")]
        person_name: bool,
    },
    /// Several lines; `max_len` defaults to [`crate::answers::MULTILINE_DEFAULT_MAX`].
    Multiline {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_len: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_len: Option<u32>,
    },
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        /// Whole numbers only (a count of people); otherwise decimals are fine (an amount).
        #[serde(default, skip_serializing_if = "is_false")]
        integer: bool,
    },
    /// A mainland China mobile number (11 digits, `1[3-9]…`).
    Phone {
        /// This number's last four digits, with the receipt code, let the employee check
        /// progress. Without a marked field the form's first phone field is used
        /// ([`FormDefinition::status_phone_key`]).
        #[serde(default, skip_serializing_if = "is_false")]
        status_check: bool,
    },
    /// A resident ID number (18 characters, checksum validated, may end in X).
    ResidentId,
    /// A calendar date, answered as `YYYY-MM-DD`; limits are dates or `"today"`.
    Date {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<DateLimit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<DateLimit>,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_selected: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_selected: Option<u32>,
    },
    /// A checkbox that must be ticked when required (e.g. consent to data use).
    Consent,
    /// A heading that groups the fields after it; takes no answer. Its `help` is help text.
    Section,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A limit of a date field: a fixed date, or the day the form is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLimit {
    Today,
    On(jiff::civil::Date),
}

impl Serialize for DateLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DateLimit::Today => s.serialize_str("today"),
            DateLimit::On(d) => s.collect_str(d),
        }
    }
}

impl<'de> Deserialize<'de> for DateLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == "today" {
            return Ok(DateLimit::Today);
        }
        crate::answers::date(&text).map(DateLimit::On).map_err(|_| {
            serde::de::Error::custom(format!("'{text}' is not YYYY-MM-DD or \"today\""))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

/// Show a field only when an earlier field's answer equals `equals` (a multi choice: contains
/// it; a consent box: `"true"`). A hidden field is never required and its answer is dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisibleIf {
    pub field: String,
    pub equals: String,
}

impl FormDefinition {
    /// The problems as the content checks report them (Chinese, by path).
    pub(super) fn validate(&self, p: &mut Problems) {
        for problem in self.problems() {
            p.add(problem.path, problem.zh);
        }
    }
}
