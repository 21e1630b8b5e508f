//! A form, from its definition: `fill` draws the fields with their rules checked as the employee
//! goes, `input` types into them with the on-screen keyboard (pinyin for text, a digit pad for
//! numbers, phones, ID numbers and dates), `review` shows the answers before they are sent, and
//! `receipt` the code to keep.
//!
//! Answers live only in this screen's state: going idle drops the screen and them with it.
//! Submitting hands them to the core, which seals them before they touch the disk.

mod fill;
mod input;
mod receipt;
mod review;

use std::collections::BTreeSet;

use iced::widget::{column, container};
use iced::{Element, Fill, Task};
use protocol::answers::{self, Answers};
use protocol::content::{FormDefinition, FormField};
use protocol::{ContentId, ContentItem};
use serde_json::Value;

use self::receipt::Receipt;
use super::{Event, Screen, Stacked};
use crate::ui::context::Context;
use crate::ui::i18n::Lang;
use crate::ui::ime::Composer;
use crate::ui::keyboard::{Key, Layout};
use crate::ui::widgets;

enum Phase {
    Filling,
    Review(Answers),
    Saving,
    Receipt(Receipt),
    Failed(SaveFailed),
}

/// A rule across fields that a form definition cannot say (a proposal's co-signers, each once
/// and not the proposer): the problem with field `key` given every answer, in the language.
pub type Rule = fn(&Answers, &str, answers::Lang) -> Option<String>;

pub struct Form {
    form_id: ContentId,
    version: u32,
    def: FormDefinition,
    answers: Answers,
    /// The field being typed, if any.
    focus: Option<String>,
    /// Fields whose problems are shown (left once, or everything after "check").
    touched: BTreeSet<String>,
    phase: Phase,
    offset: f32,
    layout: Layout,
    composer: Composer,
    rule: Option<Rule>,
}

/// Why the kiosk could not save a form. The employee reads a sentence, never the error: the
/// cause goes to the log (it names no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveFailed {
    /// The kiosk's disk is full: branch IT must free space.
    DiskFull,
    Other,
}

#[derive(Debug, Clone)]
pub enum Message {
    Focus(String),
    Key(Key),
    /// A pinyin candidate was tapped.
    Candidate(usize),
    NextCandidates,
    PrevCandidates,
    Choose(String, String),
    Toggle(String, String),
    Consent(String),
    Check,
    Edit,
    Submit,
    Saved(Result<(String, String), SaveFailed>),
    Delivered(String, bool),
    Scrolled(f32),
    /// "Done" on the receipt.
    Finish,
}

impl Form {
    pub fn new(item: &ContentItem, def: FormDefinition) -> Form {
        Form {
            form_id: item.id.clone(),
            version: item.version,
            def,
            answers: Answers::new(),
            focus: None,
            touched: BTreeSet::new(),
            phase: Phase::Filling,
            offset: 0.0,
            layout: Layout::Letters,
            composer: Composer::default(),
            rule: None,
        }
    }

    /// The form with a rule across fields, checked as the employee goes and before review.
    pub fn with_rule(mut self, rule: Rule) -> Form {
        self.rule = Some(rule);
        self
    }

    /// The first field the rule finds a problem with, among those shown.
    fn rule_fails(&self) -> bool {
        self.rule.is_some_and(|rule| {
            self.def
                .visible_fields(&self.answers)
                .any(|f| rule(&self.answers, &f.key, answers::Lang::Zh).is_some())
        })
    }

    /// The form with these answers already given (a booking's chosen session).
    pub fn with_answers(mut self, answers: Answers) -> Form {
        self.answers = answers;
        self
    }

    /// The form's content id (the usage counts' key).
    pub fn form_id(&self) -> &ContentId {
        &self.form_id
    }

    pub fn title(&self, ctx: &Context) -> &str {
        match (ctx.lang, &self.def.title_en) {
            (Lang::En, Some(en)) => en,
            _ => &self.def.title,
        }
    }

    /// The receipt code, once the submission is saved.
    pub fn receipt(&self) -> Option<&str> {
        match &self.phase {
            Phase::Receipt(receipt) => Some(&receipt.code),
            _ => None,
        }
    }

    fn field(&self, key: &str) -> Option<&FormField> {
        self.def.field(key)
    }

    fn text_of(&self, key: &str) -> String {
        self.answers
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn set_text(&mut self, key: &str, value: String) {
        if value.is_empty() {
            self.answers.remove(key);
        } else {
            self.answers.insert(key.to_owned(), Value::String(value));
        }
    }

    /// Leaves the field being typed: its problems show from now on.
    fn leave_focus(&mut self) {
        if let Some(old) = self.focus.take() {
            self.touched.insert(old);
        }
    }

    /// The problem to show under a field, in the user's language.
    fn problem(&self, key: &str, lang: Lang) -> Option<String> {
        if !self.touched.contains(key) || self.focus.as_deref() == Some(key) {
            return None;
        }
        match self
            .def
            .check_field(key, &self.answers, answers::china_today())
        {
            Err(e) => Some(e.message(answer_lang(lang))),
            Ok(()) => self
                .rule
                .and_then(|rule| rule(&self.answers, key, answer_lang(lang))),
        }
    }
}

fn answer_lang(lang: Lang) -> answers::Lang {
    match lang {
        Lang::Zh => answers::Lang::Zh,
        Lang::En => answers::Lang::En,
    }
}

/// A field's label in the user's language.
fn label_of(lang: Lang, field: &FormField) -> &str {
    match (lang, &field.label_en) {
        (Lang::En, Some(en)) => en,
        _ => &field.label,
    }
}

impl Stacked for Form {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Form> {
        match screen {
            Screen::Form(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let task = match message {
            Message::Focus(key) => {
                self.focus(key);
                Task::none()
            }
            Message::Key(k) => {
                self.key(k, ctx);
                Task::none()
            }
            Message::Candidate(i) => {
                self.candidate(i, ctx);
                Task::none()
            }
            Message::NextCandidates => {
                self.composer.next_page();
                Task::none()
            }
            Message::PrevCandidates => {
                self.composer.prev_page();
                Task::none()
            }
            Message::Choose(key, value) => {
                self.choose(key, value);
                Task::none()
            }
            Message::Toggle(key, value) => {
                self.toggle(key, value);
                Task::none()
            }
            Message::Consent(key) => {
                self.consent(key);
                Task::none()
            }
            Message::Check => {
                self.check();
                Task::none()
            }
            Message::Edit => {
                self.phase = Phase::Filling;
                Task::none()
            }
            Message::Submit => self.submit(ctx),
            Message::Saved(saved) => self.saved(saved, ctx),
            Message::Delivered(id, yes) => {
                self.delivered(&id, yes);
                Task::none()
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                Task::none()
            }
            Message::Finish => return (Task::none(), Some(Event::Home)),
        };
        (task, None)
    }
}

impl Form {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let body: Element<'a, Message> = match &self.phase {
            Phase::Filling => self.filling(ctx),
            Phase::Review(prepared) => self.review(ctx, prepared),
            Phase::Saving => widgets::message(ctx, s.form_sending),
            Phase::Receipt(receipt) => receipt.view(ctx),
            Phase::Failed(why) => column![
                widgets::message(
                    ctx,
                    match why {
                        SaveFailed::DiskFull => s.form_disk_full,
                        SaveFailed::Other => s.form_failed,
                    }
                ),
                container(widgets::primary(ctx, s.form_edit, Some(Message::Edit)))
                    .center_x(Fill)
                    .padding(40)
            ]
            .into(),
        };
        container(body).height(Fill).into()
    }
}
