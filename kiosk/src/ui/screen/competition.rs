//! 劳动竞赛: a competition's standings as a ranked board (the kiosk's own branch highlighted) and a
//! bar chart, and its history over the period as a line chart; a choice of competition when more
//! than one is cached, of metric when it has several. Everything is computed from the cache.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::competition::{Competition, Metric, Standing};

use super::{Event, Screen, Stacked};
use crate::competitions::Board;
use crate::ui::chart::{Bar, BarChart, LineChart, Series, format_number};
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, fill};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// The competition screen.
#[derive(Default)]
pub struct Competitions {
    board: Option<Board>,
    failed: bool,
    chosen: usize,
    metric: usize,
    offset: f32,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Option<Box<Board>>),
    Choose(usize),
    Metric(usize),
    Scrolled(f32),
}

impl Competitions {
    /// The screen, and the task that reads the cached competitions.
    pub fn new(ctx: &Context) -> (Competitions, Task<Message>) {
        let core = ctx.core.clone();
        let task = Task::perform(
            async move { core.competitions().await.ok().map(Box::new) },
            Message::Loaded,
        );
        (Competitions::default(), task)
    }
}

impl Stacked for Competitions {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Competitions> {
        match screen {
            Screen::Competitions(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, _: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(board) => match board {
                Some(board) => self.board = Some(*board),
                None => self.failed = true,
            },
            Message::Choose(i) => {
                self.chosen = i;
                self.metric = 0;
                self.offset = 0.0;
            }
            Message::Metric(i) => self.metric = i,
            Message::Scrolled(offset) => self.offset = offset,
        }
        (Task::none(), None)
    }
}

/// The text in the kiosk's language: the English one when there is one and English is on.
fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.trim().is_empty() {
        en
    } else {
        zh
    }
}

/// A participant's score as shown: the number and the unit.
fn score_text(value: f64, metric: &Metric, lang: Lang) -> String {
    let unit = pick(lang, &metric.unit, &metric.unit_en);
    if unit.is_empty() {
        format_number(value)
    } else {
        format!("{} {unit}", format_number(value))
    }
}

/// The bars of the ranked board: the participants with a score, best first.
fn bars(
    c: &Competition,
    lang: Lang,
    metric: &Metric,
    standings: &[Standing],
    own: Option<usize>,
) -> Vec<Bar> {
    standings
        .iter()
        .filter_map(|s| {
            let value = s.value?;
            let p = &c.participants[s.participant];
            Some(Bar {
                label: pick(lang, &p.name, &p.name_en).to_owned(),
                value: if metric.higher_is_better {
                    value
                } else {
                    value.max(0.0)
                },
                value_label: score_text(value, metric, lang),
                highlight: own == Some(s.participant),
            })
        })
        .collect()
}

impl Competitions {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let lang = ctx.lang;
        let bold = theme::bold(ctx.font());
        let Some(board) = &self.board else {
            return widgets::message(
                ctx,
                if self.failed {
                    s.load_failed
                } else {
                    s.loading
                },
            );
        };
        let Some(c) = board.competitions.get(self.chosen) else {
            return widgets::message(ctx, s.competition_empty);
        };
        let chip = |label: String, on: bool, message: Message| {
            button(
                container(text(label).size(t.body).font(bold)).center_y(Length::Fixed(theme::TAP)),
            )
            .padding([0, 28])
            .style(theme::chip(on))
            .on_press(message)
        };
        let mut body = column![].spacing(20).max_width(1800);
        if board.competitions.len() > 1 {
            let choices = board.competitions.iter().enumerate().map(|(i, other)| {
                chip(
                    pick(lang, &other.title, &other.title_en).to_owned(),
                    i == self.chosen,
                    Message::Choose(i),
                )
                .into()
            });
            body = body.push(row(choices).spacing(16).wrap());
        }
        let mut period = fill(
            s.competition_period,
            &[&c.first_day.to_string(), &c.last_day.to_string()],
        );
        if c.last_day < protocol::answers::china_today() {
            period = format!("{period}  ·  {}", s.competition_ended);
        }
        body = body.push(
            row![
                text(pick(lang, &c.title, &c.title_en).to_owned())
                    .size(t.title)
                    .font(bold),
                text(period).size(t.body).color(theme::MUTED),
            ]
            .spacing(32)
            .align_y(Alignment::Center)
            .wrap(),
        );
        let description = pick(lang, &c.description, &c.description_en);
        if !description.trim().is_empty() {
            body = body.push(text(description.to_owned()).size(t.body).line_height(1.5));
        }
        let metric_index = self.metric.min(c.metrics.len().saturating_sub(1));
        let Some(metric) = c.metrics.get(metric_index) else {
            return page(body, self.offset);
        };
        let metric_name = pick(lang, &metric.name, &metric.name_en);
        let mut controls = row![].spacing(16).align_y(Alignment::Center);
        if c.metrics.len() > 1 {
            for (i, m) in c.metrics.iter().enumerate() {
                controls = controls.push(chip(
                    pick(lang, &m.name, &m.name_en).to_owned(),
                    i == metric_index,
                    Message::Metric(i),
                ));
            }
            controls = controls.push(Space::new().width(16));
        }
        controls = controls.push(
            text(fill(s.competition_metric, &[&metric_name]))
                .size(t.body)
                .color(theme::MUTED),
        );
        if !metric.higher_is_better {
            controls = controls.push(
                text(s.competition_lower_better)
                    .size(t.body)
                    .font(bold)
                    .color(theme::CALM),
            );
        }
        body = body.push(controls.wrap());
        let own = c.own_participant(&board.path);
        let standings = c.standings(&metric.key);
        let heading = |label: &'static str| text(label).size(t.heading).font(bold);
        let mut ranked = column![heading(s.competition_standings)].spacing(12);
        for st in &standings {
            ranked = ranked.push(self.ranked_row(ctx, c, metric, st, own == Some(st.participant)));
        }
        let bars = bars(c, lang, metric, &standings, own);
        let bar_chart = (!bars.is_empty()).then(|| {
            column![
                heading(s.competition_chart),
                container(
                    BarChart {
                        bars,
                        font: ctx.font(),
                        text_size: t.body,
                    }
                    .view(),
                )
                .padding(20)
                .width(Fill)
                .style(theme::card),
            ]
            .spacing(12)
        });
        let (days, lines) = c.history(&metric.key);
        let line_chart = (days.len() > 1).then(|| {
            let series = lines
                .into_iter()
                .enumerate()
                .map(|(i, values)| {
                    let p = &c.participants[i];
                    Series {
                        label: pick(lang, &p.name, &p.name_en).to_owned(),
                        values,
                        highlight: own == Some(i),
                    }
                })
                .collect();
            let x_labels = days
                .iter()
                .map(|d| format!("{:02}-{:02}", d.month(), d.day()))
                .collect();
            column![
                heading(s.competition_history),
                container(
                    LineChart {
                        x_labels,
                        series,
                        font: ctx.font(),
                        text_size: t.small,
                        height: if ctx.portrait() { 560.0 } else { 400.0 },
                    }
                    .view(),
                )
                .padding(20)
                .width(Fill)
                .style(theme::card),
            ]
            .spacing(12)
        });
        if ctx.portrait() {
            body = body
                .push(ranked)
                .extend(bar_chart.map(Element::from))
                .extend(line_chart.map(Element::from));
        } else {
            // Side by side on a wide screen: the board and its bars above the fold.
            let mut side = row![container(ranked).width(Length::FillPortion(5))].spacing(32);
            if let Some(chart) = bar_chart {
                side = side.push(container(chart).width(Length::FillPortion(6)));
            }
            body = body.push(side).extend(line_chart.map(Element::from));
        }
        page(body, self.offset)
    }

    /// One row of the ranked board: rank, name (marked when it is the kiosk's own), score.
    fn ranked_row<'a>(
        &self,
        ctx: &Context,
        c: &Competition,
        metric: &Metric,
        st: &Standing,
        mine: bool,
    ) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let p = &c.participants[st.participant];
        let rank = st.rank.map_or_else(|| "—".to_owned(), |r| r.to_string());
        let mut name = row![
            text(pick(ctx.lang, &p.name, &p.name_en).to_owned())
                .size(t.heading)
                .font(bold)
        ]
        .spacing(16)
        .align_y(Alignment::Center);
        if mine {
            name = name.push(
                container(
                    text(s.competition_own)
                        .size(t.small)
                        .font(bold)
                        .color(iced::Color::WHITE),
                )
                .padding([4, 12])
                .style(|_| container::Style {
                    background: Some(theme::RED.into()),
                    border: iced::Border::default().rounded(6),
                    ..container::Style::default()
                }),
            );
        }
        let value = st.value.map_or_else(
            || s.competition_no_score.to_owned(),
            |v| score_text(v, metric, ctx.lang),
        );
        let rank_colour = if st.rank == Some(1) {
            theme::RED
        } else {
            theme::INK
        };
        let line = row![
            container(text(rank).size(t.title).font(bold).color(rank_colour))
                .width(Length::Fixed(t.title * 1.6)),
            container(name.wrap()).width(Fill),
            text(value).size(t.heading),
        ]
        .spacing(20)
        .align_y(Alignment::Center);
        let style: fn(&iced::Theme) -> container::Style = if mine { own_row } else { theme::card };
        container(line)
            .padding([8, 20])
            .width(Fill)
            .style(style)
            .into()
    }
}

fn own_row(_: &iced::Theme) -> container::Style {
    container::Style {
        background: Some(
            iced::Color {
                a: 0.25,
                ..theme::GOLD
            }
            .into(),
        ),
        border: iced::Border::default()
            .rounded(12)
            .color(theme::RED)
            .width(3),
        ..container::Style::default()
    }
}

fn page<'a>(body: iced::widget::Column<'a, Message>, offset: f32) -> Element<'a, Message> {
    let body = body.push(Space::new().height(80));
    container(touch_scroll(
        container(body).center_x(Fill).padding([32, 48]),
        offset,
        |v| Message::Scrolled(v.offset),
    ))
    .height(Fill)
    .width(Fill)
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use protocol::OrgId;
    use protocol::competition::{Participant, Score, Total};

    fn competition() -> Competition {
        let participant = |key: &str, name: &str, en: &str, org: i64| Participant {
            key: key.into(),
            name: name.into(),
            name_en: en.into(),
            org_id: Some(OrgId(org)),
        };
        let score = |day: i8, p: &str, value: f64| Score {
            day: date(2026, 11, day),
            participant: p.into(),
            metric: "out".into(),
            value,
        };
        Competition {
            title: "比武".into(),
            title_en: "Contest".into(),
            description: String::new(),
            description_en: String::new(),
            first_day: date(2026, 11, 1),
            last_day: date(2026, 11, 30),
            participants: vec![
                participant("a", "甲", "A", 1),
                participant("b", "乙", "", 2),
                participant("c", "丙", "C", 3),
            ],
            metrics: vec![Metric {
                key: "out".into(),
                name: "产量".into(),
                name_en: "Output".into(),
                unit: "件".into(),
                unit_en: String::new(),
                higher_is_better: true,
                total: Total::Sum,
            }],
            scores: vec![score(1, "a", 3.0), score(2, "a", 4.0), score(1, "b", 9.5)],
        }
    }

    #[test]
    fn bars_follow_the_ranking_and_mark_the_own_branch() {
        let c = competition();
        let standings = c.standings("out");
        let own = c.own_participant(&[OrgId(9), OrgId(1)]);
        let bars = bars(&c, Lang::En, &c.metrics[0], &standings, own);
        let shown: Vec<(&str, f64, &str, bool)> = bars
            .iter()
            .map(|b| {
                (
                    b.label.as_str(),
                    b.value,
                    b.value_label.as_str(),
                    b.highlight,
                )
            })
            .collect();
        // 丙 has no score: no bar. 乙 has no English name: its Chinese one.
        assert_eq!(
            shown,
            [("乙", 9.5, "9.5 件", false), ("A", 7.0, "7 件", true)]
        );
    }

    #[test]
    fn the_english_text_is_used_only_when_there_is_one() {
        assert_eq!(pick(Lang::En, "比武", "Contest"), "Contest");
        assert_eq!(pick(Lang::En, "比武", " "), "比武");
        assert_eq!(pick(Lang::Zh, "比武", "Contest"), "比武");
    }
}
