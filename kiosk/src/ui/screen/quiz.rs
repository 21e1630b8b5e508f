//! 知识竞赛: a quiz's start page (rules and the ranking as of the last sync), a round of
//! questions drawn at random from the cached bank with a countdown (a single choice is one tap,
//! a multiple choice is confirmed), then the score and every question with the right answer and
//! its explanation. The round goes through the outbox at once; the player may then enter the
//! ranking on the entry form (name, phone, consent), sent the same way.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::quiz::{Question, Quiz, QuizRound, RoundAnswer};

use super::{Destination, Event, Screen, Stacked};
use crate::quiz::{Listed, draw, entry_form};
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, Strings, fill};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// The 知识竞赛 screen.
#[derive(Default)]
pub struct QuizScreen {
    quizzes: Option<Vec<Listed>>,
    failed: bool,
    /// Which quiz (of several) the start page shows.
    shown: usize,
    phase: Phase,
    offset: f32,
}

#[derive(Default)]
enum Phase {
    #[default]
    Start,
    Playing(Round),
    Result(Finished),
}

/// A round being played.
struct Round {
    quiz: usize,
    /// Indices into the bank, in the order asked.
    drawn: Vec<usize>,
    /// The options chosen for each question answered so far.
    chosen: Vec<Vec<String>>,
    /// A multiple choice question's options ticked, not yet confirmed.
    ticked: Vec<String>,
    /// Seconds since the first question.
    elapsed: u32,
}

/// A round finished: its questions and answers, scored as the server will score it.
struct Finished {
    quiz: usize,
    drawn: Vec<usize>,
    chosen: Vec<Vec<String>>,
    seconds: u32,
    score: u32,
    timed_out: bool,
    /// The round's submission id once it is saved in the outbox.
    saved: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Option<Vec<Listed>>),
    Show(usize),
    Start,
    /// An option tapped: a single choice answers, a multiple choice ticks or unticks.
    Choose(String),
    /// A multiple choice question's ticks confirmed.
    Confirm,
    /// The round is in the outbox (its submission id), or could not be saved.
    Saved(Option<String>),
    Enter,
    Again,
    Done,
    Scrolled(f32),
}

/// The text in the kiosk's language, the Chinese when there is no English.
fn tr<'a>(lang: Lang, zh: &'a str, en: Option<&'a String>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => zh,
    }
}

/// Minutes and seconds: `04:59`.
fn clock(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

impl QuizScreen {
    /// The screen, and the task that reads the quizzes.
    pub fn new(ctx: &Context) -> (QuizScreen, Task<Message>) {
        let core = ctx.core.clone();
        let task = Task::perform(async move { core.quizzes().await.ok() }, Message::Loaded);
        (QuizScreen::default(), task)
    }

    /// The question on screen while a round is played.
    pub fn question(&self) -> Option<&Question> {
        let Phase::Playing(round) = &self.phase else {
            return None;
        };
        let listed = self.listed(round.quiz)?;
        listed
            .quiz
            .questions
            .get(*round.drawn.get(round.chosen.len())?)
    }

    fn listed(&self, i: usize) -> Option<&Listed> {
        self.quizzes.as_ref().and_then(|q| q.get(i))
    }

    /// A second passed (the app's tick): the countdown moves, and at zero the round ends with
    /// the questions not answered counted wrong.
    pub fn on_tick(&mut self, ctx: &Context) -> Task<Message> {
        let Phase::Playing(round) = &mut self.phase else {
            return Task::none();
        };
        round.elapsed += 1;
        let (elapsed, quiz) = (round.elapsed, round.quiz);
        let limit = self.listed(quiz).map_or(0, |l| l.quiz.seconds);
        if elapsed >= limit {
            return self.finish(ctx, true);
        }
        Task::none()
    }

    /// Ends the round: scores it, shows the result, and saves it to the outbox.
    fn finish(&mut self, ctx: &Context, timed_out: bool) -> Task<Message> {
        let Phase::Playing(round) = std::mem::take(&mut self.phase) else {
            return Task::none();
        };
        let Some(listed) = self.listed(round.quiz) else {
            return Task::none();
        };
        let quiz = &listed.quiz;
        let mut chosen = round.chosen;
        chosen.resize(round.drawn.len(), Vec::new());
        let answers = QuizRound {
            answers: round
                .drawn
                .iter()
                .zip(&chosen)
                .map(|(&q, c)| RoundAnswer {
                    question: quiz.questions[q].key.clone(),
                    chosen: c.clone(),
                })
                .collect(),
            seconds: round.elapsed.min(quiz.seconds),
        };
        let score = quiz.score(&answers).unwrap_or(0);
        let (core, id, version) = (
            ctx.core.clone(),
            listed.item.id.clone(),
            listed.item.version,
        );
        self.phase = Phase::Result(Finished {
            quiz: round.quiz,
            drawn: round.drawn,
            chosen,
            seconds: answers.seconds,
            score,
            timed_out,
            saved: None,
        });
        self.offset = 0.0;
        Task::perform(
            async move {
                match core.submit(id, version, answers.to_answers()).await {
                    Ok(saved) => Some(saved.id),
                    Err(e) => {
                        tracing::warn!(error = %e, "a quiz round could not be saved");
                        None
                    }
                }
            },
            Message::Saved,
        )
    }

    /// An answer given to the question on screen: the next question, or the end.
    fn answer(&mut self, ctx: &Context, chosen: Vec<String>) -> Task<Message> {
        let Phase::Playing(round) = &mut self.phase else {
            return Task::none();
        };
        round.chosen.push(chosen);
        round.ticked.clear();
        if round.chosen.len() >= round.drawn.len() {
            return self.finish(ctx, false);
        }
        Task::none()
    }
}

impl Stacked for QuizScreen {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut QuizScreen> {
        match screen {
            Screen::Quiz(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let event = match message {
            Message::Loaded(quizzes) => {
                self.failed = quizzes.is_none();
                self.quizzes = quizzes;
                None
            }
            Message::Show(i) => {
                self.shown = i;
                self.offset = 0.0;
                None
            }
            Message::Start | Message::Again => {
                let quiz = match &self.phase {
                    Phase::Result(done) => done.quiz,
                    _ => self.shown,
                };
                let Some(listed) = self.listed(quiz) else {
                    return (Task::none(), None);
                };
                if !listed.quiz.open_at(jiff::Timestamp::now()) {
                    return (
                        Task::none(),
                        Some(Event::Notice(ctx.strings().quiz_not_open.to_owned())),
                    );
                }
                self.phase = Phase::Playing(Round {
                    quiz,
                    drawn: draw(&listed.quiz),
                    chosen: Vec::new(),
                    ticked: Vec::new(),
                    elapsed: 0,
                });
                None
            }
            Message::Choose(option) => {
                let Phase::Playing(round) = &mut self.phase else {
                    return (Task::none(), None);
                };
                let multiple = self
                    .quizzes
                    .as_ref()
                    .and_then(|q| q.get(round.quiz))
                    .and_then(|l| l.quiz.questions.get(round.drawn[round.chosen.len()]))
                    .is_some_and(|q| q.multiple);
                if !multiple {
                    return (self.answer(ctx, vec![option]), None);
                }
                if let Some(at) = round.ticked.iter().position(|t| *t == option) {
                    round.ticked.remove(at);
                } else {
                    round.ticked.push(option);
                }
                None
            }
            Message::Confirm => {
                let Phase::Playing(round) = &mut self.phase else {
                    return (Task::none(), None);
                };
                let ticked = std::mem::take(&mut round.ticked);
                return (self.answer(ctx, ticked), None);
            }
            Message::Saved(id) => {
                if let Phase::Result(done) = &mut self.phase {
                    done.saved = id;
                }
                None
            }
            Message::Enter => {
                let Phase::Result(done) = &self.phase else {
                    return (Task::none(), None);
                };
                let (Some(round), Some(listed)) = (&done.saved, self.listed(done.quiz)) else {
                    return (Task::none(), None);
                };
                let total = done.drawn.len();
                let label =
                    |s: &Strings| fill(s.quiz_entry_label, &[&done.score, &total, &done.seconds]);
                let form = entry_form(
                    &listed.quiz,
                    round,
                    &label(Lang::Zh.strings()),
                    &label(Lang::En.strings()),
                );
                let preset = [(
                    protocol::quiz::ENTRY_ROUND.to_owned(),
                    serde_json::Value::String(round.clone()),
                )];
                Some(Event::Open(Destination::Request(Box::new((
                    listed.item.clone(),
                    form,
                    preset.into(),
                )))))
            }
            Message::Done => Some(Event::Home),
            Message::Scrolled(offset) => {
                self.offset = offset;
                None
            }
        };
        (Task::none(), event)
    }
}

impl QuizScreen {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let Some(quizzes) = &self.quizzes else {
            return widgets::message(
                ctx,
                if self.failed {
                    s.load_failed
                } else {
                    s.loading
                },
            );
        };
        if quizzes.is_empty() {
            return widgets::message(ctx, s.quiz_empty);
        }
        match &self.phase {
            Phase::Start => self.start(ctx, quizzes),
            Phase::Playing(round) => match quizzes.get(round.quiz) {
                Some(listed) => playing(ctx, &listed.quiz, round),
                None => widgets::message(ctx, s.load_failed),
            },
            Phase::Result(done) => match quizzes.get(done.quiz) {
                Some(listed) => self.result(ctx, &listed.quiz, done),
                None => widgets::message(ctx, s.load_failed),
            },
        }
    }

    fn start<'a>(&'a self, ctx: &'a Context, quizzes: &'a [Listed]) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let listed = &quizzes[self.shown.min(quizzes.len() - 1)];
        let quiz = &listed.quiz;
        let mut body = column![
            text(tr(ctx.lang, &quiz.title, quiz.title_en.as_ref()))
                .size(t.title)
                .font(bold)
        ]
        .spacing(24)
        .max_width(1100);
        let intro = tr(ctx.lang, &quiz.intro, quiz.intro_en.as_ref());
        if !intro.is_empty() {
            body = body.push(text(intro).size(t.body).line_height(1.6));
        }
        body = body.push(
            text(fill(
                s.quiz_rules,
                &[&quiz.round_len(), &quiz.seconds.div_ceil(60)],
            ))
            .size(t.body)
            .color(theme::MUTED),
        );
        body = body.push(widgets::primary(ctx, s.quiz_start, Some(Message::Start)));
        body = body.push(text(s.quiz_ranking).size(t.heading).font(bold));
        let entries = listed
            .ranking
            .as_ref()
            .map(|r| r.entries.as_slice())
            .unwrap_or_default();
        if entries.is_empty() {
            body = body.push(text(s.quiz_ranking_empty).size(t.body).color(theme::MUTED));
        }
        for (i, e) in entries.iter().enumerate() {
            body = body.push(
                container(
                    row![
                        text(format!("{}", i + 1))
                            .size(t.heading)
                            .font(bold)
                            .width(Length::Fixed(64.0)),
                        column![
                            text(e.name.as_str()).size(t.body).font(bold),
                            text(e.org.as_str()).size(t.small).color(theme::MUTED),
                        ]
                        .width(Fill),
                        column![
                            text(fill(s.quiz_points, &[&e.score, &e.total]))
                                .size(t.body)
                                .font(bold),
                            text(fill(s.quiz_took, &[&e.seconds]))
                                .size(t.small)
                                .color(theme::MUTED),
                        ]
                        .align_x(Alignment::End),
                    ]
                    .spacing(16)
                    .align_y(Alignment::Center),
                )
                .padding([12, 20])
                .width(Fill)
                .style(theme::card),
            );
        }
        body = body.push(Space::new().height(80));
        let page = touch_scroll(
            container(body).center_x(Fill).padding([32, 48]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        );
        if quizzes.len() < 2 {
            return container(page).height(Fill).width(Fill).into();
        }
        let choices = row(quizzes.iter().enumerate().map(|(i, l)| {
            button(
                container(
                    text(tr(ctx.lang, &l.quiz.title, l.quiz.title_en.as_ref()).to_owned())
                        .size(t.body)
                        .font(bold),
                )
                .center_y(Length::Fixed(theme::TAP)),
            )
            .padding([0, 28])
            .style(theme::chip(i == self.shown))
            .on_press(Message::Show(i))
            .into()
        }))
        .spacing(16);
        column![container(choices).padding([16, 48]), page].into()
    }

    fn result<'a>(
        &'a self,
        ctx: &'a Context,
        quiz: &'a Quiz,
        done: &'a Finished,
    ) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let mut body = column![
            text(fill(s.quiz_score, &[&done.score, &done.drawn.len()]))
                .size(t.display)
                .font(bold)
                .color(theme::RED),
            text(if done.timed_out {
                s.quiz_time_up.to_owned()
            } else {
                fill(s.quiz_took, &[&done.seconds])
            })
            .size(t.body)
            .color(theme::MUTED),
            row![
                widgets::primary(
                    ctx,
                    s.quiz_enter,
                    done.saved.clone().map(|_| Message::Enter)
                ),
                widgets::secondary(ctx, s.quiz_again, Some(Message::Again)),
                widgets::secondary(ctx, s.quiz_done, Some(Message::Done)),
            ]
            .spacing(16),
        ]
        .spacing(24)
        .max_width(1100);
        for (n, (&q, chosen)) in done.drawn.iter().zip(&done.chosen).enumerate() {
            body = body.push(explained(ctx, n, &quiz.questions[q], chosen));
        }
        body = body.push(Space::new().height(80));
        container(touch_scroll(
            container(body).center_x(Fill).padding([32, 48]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill)
        .width(Fill)
        .into()
    }
}

/// Option keys with their text: `A. 书面形式；C. 劳动报酬`, or "not answered".
fn options_text(lang: Lang, s: &Strings, q: &Question, keys: &[String]) -> String {
    if keys.is_empty() {
        return s.quiz_unanswered.to_owned();
    }
    q.options
        .iter()
        .filter(|o| keys.contains(&o.key))
        .map(|o| format!("{}. {}", o.key, tr(lang, &o.text, o.text_en.as_ref())))
        .collect::<Vec<_>>()
        .join(if lang == Lang::Zh { "；" } else { "; " })
}

/// A question after the round: right or wrong, the answer given, the right one, why.
fn explained<'a>(
    ctx: &Context,
    n: usize,
    q: &'a Question,
    chosen: &[String],
) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let bold = theme::bold(ctx.font());
    let right = q.is_right(chosen);
    let mut card = column![
        row![
            text(if right { s.quiz_right } else { s.quiz_wrong })
                .size(t.body)
                .font(bold)
                .color(if right { theme::GOOD } else { theme::RED }),
            text(format!(
                "{}. {}",
                n + 1,
                tr(ctx.lang, &q.stem, q.stem_en.as_ref())
            ))
            .size(t.body)
            .font(bold)
            .width(Fill),
        ]
        .spacing(16),
        text(fill(
            s.quiz_your_answer,
            &[&options_text(ctx.lang, s, q, chosen)]
        ))
        .size(t.body),
        text(fill(
            s.quiz_right_answer,
            &[&options_text(ctx.lang, s, q, &q.answer)]
        ))
        .size(t.body)
        .color(theme::GOOD),
    ]
    .spacing(10);
    let why = tr(ctx.lang, &q.explanation, q.explanation_en.as_ref());
    if !why.is_empty() {
        card = card.push(
            text(why.to_owned())
                .size(t.body)
                .color(theme::MUTED)
                .line_height(1.5),
        );
    }
    container(card)
        .padding(20)
        .width(Fill)
        .style(theme::card)
        .into()
}

/// The question on screen, its options as large buttons, the countdown and the progress.
fn playing<'a>(ctx: &Context, quiz: &'a Quiz, round: &'a Round) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let bold = theme::bold(ctx.font());
    let at = round.chosen.len().min(round.drawn.len() - 1);
    let q = &quiz.questions[round.drawn[at]];
    let left = quiz.seconds.saturating_sub(round.elapsed);
    let top = row![
        text(fill(s.quiz_progress, &[&(at + 1), &round.drawn.len()]))
            .size(t.body)
            .width(Fill),
        text(fill(s.quiz_time_left, &[&clock(left)]))
            .size(t.heading)
            .font(bold)
            .color(if left <= 30 { theme::RED } else { theme::INK }),
    ]
    .align_y(Alignment::Center);
    let kind = if q.multiple {
        s.quiz_multiple
    } else {
        s.quiz_single
    };
    let mut body = column![
        top,
        text(kind).size(t.small).color(theme::MUTED),
        text(tr(ctx.lang, &q.stem, q.stem_en.as_ref()).to_owned())
            .size(t.title)
            .font(bold),
    ]
    .spacing(24)
    .max_width(1100);
    for o in &q.options {
        let ticked = round.ticked.contains(&o.key);
        body = body.push(
            button(
                container(
                    text(format!(
                        "{}. {}",
                        o.key,
                        tr(ctx.lang, &o.text, o.text_en.as_ref())
                    ))
                    .size(t.body),
                )
                .center_y(Length::Fixed(theme::TAP + 8.0)),
            )
            .width(Fill)
            .padding([0, 28])
            .style(theme::chip(ticked))
            .on_press(Message::Choose(o.key.clone())),
        );
    }
    if q.multiple {
        body = body.push(widgets::primary(
            ctx,
            s.quiz_confirm,
            (!round.ticked.is_empty()).then_some(Message::Confirm),
        ));
    }
    container(container(body).center_x(Fill).padding([32, 48]))
        .height(Fill)
        .width(Fill)
        .into()
}
