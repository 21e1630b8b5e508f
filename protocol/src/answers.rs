//! Checking answers against a form definition: shared by the kiosk's form screens (field by field,
//! as the employee types) and the server (the whole form, after it opens a submission).
//!
//! Answers are JSON values by field key ([`Answers`]): text, phone, ID number, date and single
//! choice are strings; number is a JSON number (a numeric string is accepted and normalised);
//! multi choice is an array of option values; consent is a boolean. A field with no answer is
//! absent, `null`, `""`, `[]` or (for consent) `false`.
//!
//! The screens call [`FormDefinition::is_visible`] to decide what to draw,
//! [`FormDefinition::check_field`] when a field loses focus, and
//! [`FormDefinition::prepare_answers`] on "submit": it drops the answers of hidden fields and
//! empty ones, normalises what is left (trimmed text, digits-only phone, upper-case ID check
//! character, numbers as numbers) and checks the whole form. The server runs the same
//! `prepare_answers` on what arrives, so a submission the kiosk accepted is accepted there too.
//!
//! "Today" (for birth dates and `"today"` date limits) is a parameter so both sides and the tests
//! agree; pass [`china_today`].

use crate::content::{ChoiceOption, DateLimit, FieldInput, FormDefinition, FormField};
use jiff::civil::Date;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

mod parse;
pub use parse::{date, phone, resident_id, resident_id_check_char};

/// Answers by field key, as sealed in a submission.
pub type Answers = BTreeMap<String, Value>;

/// The language of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// Longest answer to a text field without its own `max_len`.
pub const TEXT_DEFAULT_MAX: u32 = 200;
/// Longest answer to a multiline field without its own `max_len`.
pub const MULTILINE_DEFAULT_MAX: u32 = 5_000;

/// Today's date in mainland China (UTC+8), where every kiosk stands.
pub fn china_today() -> Date {
    china_date(jiff::Timestamp::now())
}

/// The date in mainland China (UTC+8) at `at`.
pub fn china_date(at: jiff::Timestamp) -> Date {
    at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .date()
}

/// What is wrong with one answer. [`AnswerError::message`] is the sentence to show under the field.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerError {
    /// A required (and visible) field has no answer.
    Required,
    /// The answer is not the JSON shape the field takes (a bug in the caller, not the user).
    WrongType,
    TooShort {
        min: u32,
        len: usize,
    },
    TooLong {
        max: u32,
        len: usize,
    },
    /// A single-line text field holds a line break.
    LineBreak,
    NotANumber,
    NotAnInteger,
    TooSmall {
        min: f64,
    },
    TooLarge {
        max: f64,
    },
    /// Not an 11-digit mainland mobile number starting 13–19.
    InvalidPhone,
    /// Not 18 characters (17 digits and a digit or X).
    IdFormat,
    /// The first two digits are not a province-level region code.
    IdRegion,
    /// Characters 7–14 are not a real date of birth.
    IdBirthDate,
    /// The date of birth is after today.
    IdBirthInFuture,
    /// The check character does not match (GB 11643, ISO 7064 MOD 11-2).
    IdChecksum,
    /// Not a real calendar date written `YYYY-MM-DD`.
    InvalidDate,
    DateTooEarly {
        min: Date,
    },
    DateTooLate {
        max: Date,
    },
    /// A value that is not one of the field's options.
    UnknownOption {
        value: String,
    },
    /// The same option chosen twice.
    DuplicateOption,
    TooFewChoices {
        min: u32,
    },
    TooManyChoices {
        max: u32,
    },
    /// A required consent box is not ticked.
    ConsentRequired,
    /// An answer to a key the form does not have, or to a section header.
    UnexpectedAnswer,
}

impl AnswerError {
    /// A sentence for the employee, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        use AnswerError as E;
        match (self, lang) {
            (E::Required, Lang::Zh) => "这一项必须填写".into(),
            (E::Required, Lang::En) => "Please fill in this field.".into(),
            (E::WrongType, Lang::Zh) => "这一项的内容格式不对，请重新填写".into(),
            (E::WrongType, Lang::En) => {
                "This answer is in the wrong format; please enter it again.".into()
            }
            (E::TooShort { min, len }, Lang::Zh) => {
                format!("至少要写 {min} 个字，现在只有 {len} 个")
            }
            (E::TooShort { min, len }, Lang::En) => {
                format!("Please write at least {min} characters (now {len}).")
            }
            (E::TooLong { max, len }, Lang::Zh) => {
                format!("最多只能写 {max} 个字，现在有 {len} 个")
            }
            (E::TooLong { max, len }, Lang::En) => {
                format!("Please write at most {max} characters (now {len}).")
            }
            (E::LineBreak, Lang::Zh) => "这一项只能写一行，请去掉换行".into(),
            (E::LineBreak, Lang::En) => "Please keep this answer on one line.".into(),
            (E::NotANumber, Lang::Zh) => "请填写一个数字".into(),
            (E::NotANumber, Lang::En) => "Please enter a number.".into(),
            (E::NotAnInteger, Lang::Zh) => "请填写整数，不要带小数点".into(),
            (E::NotAnInteger, Lang::En) => "Please enter a whole number.".into(),
            (E::TooSmall { min }, Lang::Zh) => format!("不能小于 {}", Num(*min)),
            (E::TooSmall { min }, Lang::En) => {
                format!("The number must be at least {}.", Num(*min))
            }
            (E::TooLarge { max }, Lang::Zh) => format!("不能大于 {}", Num(*max)),
            (E::TooLarge { max }, Lang::En) => format!("The number must be at most {}.", Num(*max)),
            (E::InvalidPhone, Lang::Zh) => "请填写 11 位手机号码，以 13 到 19 开头".into(),
            (E::InvalidPhone, Lang::En) => {
                "Please enter an 11-digit mainland China mobile number starting with 13 to 19."
                    .into()
            }
            (E::IdFormat, Lang::Zh) => "身份证号应为 18 位：17 位数字加最后一位数字或 X".into(),
            (E::IdFormat, Lang::En) => {
                "A resident ID number has 18 characters: 17 digits, then a digit or X.".into()
            }
            (E::IdRegion, Lang::Zh) => "身份证号前六位的地区代码不对，请核对".into(),
            (E::IdRegion, Lang::En) => {
                "The region code (first six digits) of this ID number is not valid.".into()
            }
            (E::IdBirthDate, Lang::Zh) => "身份证号中的出生日期不对，请核对第 7 到 14 位".into(),
            (E::IdBirthDate, Lang::En) => {
                "The date of birth in this ID number (digits 7 to 14) is not a real date.".into()
            }
            (E::IdBirthInFuture, Lang::Zh) => "身份证号中的出生日期晚于今天，请核对".into(),
            (E::IdBirthInFuture, Lang::En) => {
                "The date of birth in this ID number is in the future.".into()
            }
            (E::IdChecksum, Lang::Zh) => "身份证号校验位不对，可能有一位输错了，请核对".into(),
            (E::IdChecksum, Lang::En) => {
                "This ID number's check digit does not match; a digit may be mistyped.".into()
            }
            (E::InvalidDate, Lang::Zh) => {
                "请按 年-月-日 填写一个真实的日期，例如 2024-03-15".into()
            }
            (E::InvalidDate, Lang::En) => {
                "Please enter a real date as year-month-day, e.g. 2024-03-15.".into()
            }
            (E::DateTooEarly { min }, Lang::Zh) => format!("日期不能早于 {min}"),
            (E::DateTooEarly { min }, Lang::En) => format!("The date cannot be before {min}."),
            (E::DateTooLate { max }, Lang::Zh) => format!("日期不能晚于 {max}"),
            (E::DateTooLate { max }, Lang::En) => format!("The date cannot be after {max}."),
            (E::UnknownOption { .. }, Lang::Zh) => "请从列出的选项中选择".into(),
            (E::UnknownOption { .. }, Lang::En) => "Please choose one of the options shown.".into(),
            (E::DuplicateOption, Lang::Zh) => "同一个选项选了两次".into(),
            (E::DuplicateOption, Lang::En) => "The same option is chosen twice.".into(),
            (E::TooFewChoices { min }, Lang::Zh) => format!("请至少选择 {min} 项"),
            (E::TooFewChoices { min }, Lang::En) => format!("Please choose at least {min}."),
            (E::TooManyChoices { max }, Lang::Zh) => format!("最多只能选择 {max} 项"),
            (E::TooManyChoices { max }, Lang::En) => format!("Please choose at most {max}."),
            (E::ConsentRequired, Lang::Zh) => "请阅读并勾选同意后再提交".into(),
            (E::ConsentRequired, Lang::En) => "Please read and tick this box to continue.".into(),
            (E::UnexpectedAnswer, Lang::Zh) => "表单中没有这一项".into(),
            (E::UnexpectedAnswer, Lang::En) => "This form has no such field.".into(),
        }
    }
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Zh))
    }
}

/// A number without a pointless `.0`.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// One field's problem in a whole-form check.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub key: String,
    pub error: AnswerError,
}

/// Every problem in a form, in field order, joined into one sentence per language
/// ("姓名：这一项必须填写；…"). For logs and server errors; screens show each under its field.
pub fn describe(form: &FormDefinition, errors: &[FieldError], lang: Lang) -> String {
    errors
        .iter()
        .map(|e| {
            let label = form
                .fields
                .iter()
                .find(|f| f.key == e.key)
                .map(|f| match lang {
                    Lang::En => f.label_en.as_deref().unwrap_or(&f.label),
                    Lang::Zh => &f.label,
                })
                .unwrap_or(&e.key);
            match lang {
                Lang::Zh => format!("{label}：{}", e.error.message(lang)),
                Lang::En => format!("{label}: {}", e.error.message(lang)),
            }
        })
        .collect::<Vec<_>>()
        .join(if lang == Lang::Zh { "；" } else { "; " })
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

fn condition_holds(answer: Option<&Value>, equals: &str) -> bool {
    match answer {
        Some(Value::String(s)) => s.trim() == equals,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(equals)),
        Some(Value::Bool(b)) => equals == if *b { "true" } else { "false" },
        Some(Value::Number(n)) => n.to_string() == equals,
        _ => false,
    }
}

impl FormDefinition {
    /// The field with `key`.
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether the field with `key` is shown, given the answers so far: it has no condition, or
    /// the field it depends on is itself shown and its answer equals the value (for a multi
    /// choice: contains it; for consent: `"true"` / `"false"`). Unknown keys are not shown.
    pub fn is_visible(&self, key: &str, answers: &Answers) -> bool {
        self.visible_at(key, answers, self.fields.len())
    }

    fn visible_at(&self, key: &str, answers: &Answers, depth: usize) -> bool {
        let Some(field) = self.field(key) else {
            return false;
        };
        match &field.visible_if {
            None => true,
            // Conditions point at earlier fields, so this ends; `depth` guards unchecked forms.
            Some(cond) => {
                depth > 0
                    && self.visible_at(&cond.field, answers, depth - 1)
                    && condition_holds(answers.get(&cond.field), &cond.equals)
            }
        }
    }

    /// The fields to draw, in order, given the answers so far (sections included).
    pub fn visible_fields<'a>(
        &'a self,
        answers: &'a Answers,
    ) -> impl Iterator<Item = &'a FormField> {
        self.fields
            .iter()
            .filter(move |f| self.is_visible(&f.key, answers))
    }

    /// Checks one field "as the employee goes": its own answer against its rules, and whether it
    /// is required. A hidden field is always fine (its answer will be dropped).
    pub fn check_field(
        &self,
        key: &str,
        answers: &Answers,
        today: Date,
    ) -> Result<(), AnswerError> {
        let field = self.field(key).ok_or(AnswerError::UnexpectedAnswer)?;
        if !self.is_visible(key, answers) {
            return Ok(());
        }
        check_value(field, answers.get(key), today).map(drop)
    }

    /// Checks the whole form as it would be submitted. Every problem is returned, in field order.
    pub fn check_answers(&self, answers: &Answers, today: Date) -> Result<(), Vec<FieldError>> {
        self.prepare_answers(answers, today).map(drop)
    }

    /// What "submit" sends: the answers of visible fields only, normalised, without empty ones —
    /// or every problem, in field order (answers to keys the form lacks are problems too).
    pub fn prepare_answers(
        &self,
        answers: &Answers,
        today: Date,
    ) -> Result<Answers, Vec<FieldError>> {
        let mut out = Answers::new();
        let mut errors = Vec::new();
        for key in answers.keys() {
            let known = self
                .field(key)
                .is_some_and(|f| !matches!(f.input, FieldInput::Section));
            if !known && !answers.get(key).is_some_and(is_empty) {
                errors.push(FieldError {
                    key: key.clone(),
                    error: AnswerError::UnexpectedAnswer,
                });
            }
        }
        for field in &self.fields {
            if matches!(field.input, FieldInput::Section) || !self.is_visible(&field.key, answers) {
                continue;
            }
            match check_value(field, answers.get(&field.key), today) {
                Ok(Some(v)) => {
                    out.insert(field.key.clone(), v);
                }
                Ok(None) => {}
                Err(error) => errors.push(FieldError {
                    key: field.key.clone(),
                    error,
                }),
            }
        }
        let order = |k: &str| self.fields.iter().position(|f| f.key == k);
        errors.sort_by_key(|e| order(&e.key).unwrap_or(usize::MAX));
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The key of the phone field whose last four digits, with the receipt code, let the
    /// employee check progress (办理进度): the phone field marked `status_check`, otherwise the
    /// first phone field. `None` when the form asks for no phone number.
    pub fn status_phone_key(&self) -> Option<&str> {
        let phones = || {
            self.fields.iter().filter_map(|f| match f.input {
                FieldInput::Phone { status_check } => Some((f, status_check)),
                _ => None,
            })
        };
        phones()
            .find(|(_, marked)| *marked)
            .or_else(|| phones().next())
            .map(|(f, _)| f.key.as_str())
    }

    /// The last four digits of the status-check phone number in (prepared) answers.
    pub fn phone_last4(&self, answers: &Answers) -> Option<String> {
        let digits: String = answers
            .get(self.status_phone_key()?)?
            .as_str()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        (digits.len() >= 4).then(|| digits[digits.len() - 4..].to_owned())
    }
}

/// Checks and normalises one visible field's answer; `Ok(None)`: no answer, and none needed.
fn check_value(
    field: &FormField,
    answer: Option<&Value>,
    today: Date,
) -> Result<Option<Value>, AnswerError> {
    let answer = answer.filter(|v| !is_empty(v));
    let Some(v) = answer else {
        return match field.input {
            FieldInput::Section => Ok(None),
            FieldInput::Consent if field.required => Err(AnswerError::ConsentRequired),
            _ if field.required => Err(AnswerError::Required),
            _ => Ok(None),
        };
    };
    let text = || v.as_str().map(str::trim).ok_or(AnswerError::WrongType);
    let value = match &field.input {
        FieldInput::Section => return Err(AnswerError::UnexpectedAnswer),
        FieldInput::Text {
            min_len, max_len, ..
        } => {
            let t = text()?;
            if t.contains(['\n', '\r']) {
                return Err(AnswerError::LineBreak);
            }
            check_len(t, *min_len, max_len.unwrap_or(TEXT_DEFAULT_MAX))?;
            Value::from(t)
        }
        FieldInput::Multiline { min_len, max_len } => {
            let t = text()?;
            check_len(t, *min_len, max_len.unwrap_or(MULTILINE_DEFAULT_MAX))?;
            Value::from(t)
        }
        FieldInput::Number { min, max, integer } => {
            let n = number(v)?;
            if *integer && n.fract() != 0.0 {
                return Err(AnswerError::NotAnInteger);
            }
            if let Some(min) = min
                && n < *min
            {
                return Err(AnswerError::TooSmall { min: *min });
            }
            if let Some(max) = max
                && n > *max
            {
                return Err(AnswerError::TooLarge { max: *max });
            }
            if n.fract() == 0.0 && n.abs() < 9e15 {
                Value::from(n as i64)
            } else {
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
            }
        }
        FieldInput::Phone { .. } => Value::from(phone(text()?)?),
        FieldInput::ResidentId => Value::from(resident_id(text()?, today)?),
        FieldInput::Date { min, max } => {
            let d = date(text()?)?;
            if let Some(min) = min.map(|m| m.resolve(today))
                && d < min
            {
                return Err(AnswerError::DateTooEarly { min });
            }
            if let Some(max) = max.map(|m| m.resolve(today))
                && d > max
            {
                return Err(AnswerError::DateTooLate { max });
            }
            Value::from(d.to_string())
        }
        FieldInput::SingleChoice { options } => {
            let t = text()?;
            known_option(options, t)?;
            Value::from(t)
        }
        FieldInput::MultiChoice {
            options,
            min_selected,
            max_selected,
        } => {
            let Value::Array(items) = v else {
                return Err(AnswerError::WrongType);
            };
            let mut chosen: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                let t = item.as_str().ok_or(AnswerError::WrongType)?;
                known_option(options, t)?;
                if chosen.contains(&t) {
                    return Err(AnswerError::DuplicateOption);
                }
                chosen.push(t);
            }
            if let Some(min) = min_selected
                && chosen.len() < *min as usize
            {
                return Err(AnswerError::TooFewChoices { min: *min });
            }
            if let Some(max) = max_selected
                && chosen.len() > *max as usize
            {
                return Err(AnswerError::TooManyChoices { max: *max });
            }
            // In the form's order, whatever order they were tapped in.
            Value::from(
                options
                    .iter()
                    .filter(|o| chosen.contains(&o.value.as_str()))
                    .map(|o| o.value.clone())
                    .collect::<Vec<_>>(),
            )
        }
        FieldInput::Consent => match v {
            Value::Bool(true) => Value::Bool(true),
            _ => return Err(AnswerError::WrongType),
        },
    };
    Ok(Some(value))
}

fn check_len(t: &str, min: Option<u32>, max: u32) -> Result<(), AnswerError> {
    let len = t.chars().count();
    if let Some(min) = min
        && len < min as usize
    {
        return Err(AnswerError::TooShort { min, len });
    }
    if len > max as usize {
        return Err(AnswerError::TooLong { max, len });
    }
    Ok(())
}

fn known_option(options: &[ChoiceOption], value: &str) -> Result<(), AnswerError> {
    if options.iter().any(|o| o.value == value) {
        Ok(())
    } else {
        Err(AnswerError::UnknownOption {
            value: value.to_owned(),
        })
    }
}

/// A JSON number, or a string of plain decimal notation (`-12`, `3.5`; no exponent, no `inf`).
fn number(v: &Value) -> Result<f64, AnswerError> {
    match v {
        Value::Number(n) => n.as_f64().ok_or(AnswerError::NotANumber),
        Value::String(s) => {
            let s = s.trim();
            let digits = s.strip_prefix('-').unwrap_or(s);
            let plain = !digits.is_empty()
                && !digits.starts_with('.')
                && !digits.ends_with('.')
                && digits.bytes().filter(|b| *b == b'.').count() <= 1
                && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if !plain {
                return Err(AnswerError::NotANumber);
            }
            s.parse().map_err(|_| AnswerError::NotANumber)
        }
        _ => Err(AnswerError::WrongType),
    }
}

impl DateLimit {
    /// The date this limit stands for on `today`.
    pub fn resolve(self, today: Date) -> Date {
        match self {
            DateLimit::Today => today,
            DateLimit::On(d) => d,
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
