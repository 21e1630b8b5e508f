//! Charts drawn with iced's `canvas`: a horizontal bar chart (one bar a row, in the order given,
//! one or more bars highlighted) and a line chart (a line per series over shared x labels, one
//! series highlighted). Labels are drawn with the font the caller passes (the kiosk's CJK font),
//! with advanced shaping so Chinese renders. The scaling maths is plain functions, unit-tested.

use iced::widget::canvas::{self, Frame, Geometry, Path, Stroke, Text};
use iced::widget::text::{Alignment, Shaping};
use iced::{Color, Element, Font, Length, Pixels, Point, Rectangle, Renderer, Size, Theme, mouse};

use super::theme;

/// One row of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// What is written after the bar (the value with its unit, a percentage, ...).
    pub value_label: String,
    pub highlight: bool,
}

/// A horizontal bar chart: label on the left, bar, value label after the bar.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub bars: Vec<Bar>,
    pub font: Font,
    /// Label size in logical pixels; rows are sized from it.
    pub text_size: f32,
}

impl BarChart {
    /// The height the chart needs to give every bar a readable row.
    pub fn height(&self) -> f32 {
        row_height(self.text_size) * self.bars.len().max(1) as f32
    }

    /// The chart as an element filling the width, as tall as [`BarChart::height`].
    pub fn view<'a, M: 'a>(self) -> Element<'a, M> {
        let height = self.height();
        canvas::Canvas::new(self)
            .width(Length::Fill)
            .height(Length::Fixed(height))
            .into()
    }
}

/// A row's height for a label size.
pub fn row_height(text_size: f32) -> f32 {
    (text_size * 2.0).round()
}

/// The length of a bar of `value` when the longest bar (at `max`) is `span` long: never
/// negative, zero when nothing is above zero.
pub fn bar_length(value: f64, max: f64, span: f32) -> f32 {
    if max <= 0.0 || value <= 0.0 || !value.is_finite() {
        return 0.0;
    }
    ((value / max).min(1.0) as f32 * span).max(0.0)
}

impl<M> canvas::Program<M> for BarChart {
    type State = ();

    fn draw(
        &self,
        _state: &(),
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let mut frame = Frame::new(renderer, bounds.size());
        let row = row_height(self.text_size);
        let label_width = (bounds.width * 0.3).min(self.text_size * 9.0);
        let value_width = self.text_size * 5.0;
        let span = (bounds.width - label_width - value_width - 16.0).max(0.0);
        let max = self.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        for (i, bar) in self.bars.iter().enumerate() {
            let top = i as f32 * row;
            let middle = top + row / 2.0;
            if bar.highlight {
                frame.fill_rectangle(
                    Point::new(0.0, top),
                    Size::new(bounds.width, row),
                    Color {
                        a: 0.18,
                        ..theme::GOLD
                    },
                );
            }
            let colour = if bar.highlight {
                theme::RED
            } else {
                theme::MUTED
            };
            frame.fill_text(label(
                &bar.label,
                Point::new(label_width - 8.0, middle),
                Alignment::Right,
                self,
                theme::INK,
                label_width - 8.0,
            ));
            let length = bar_length(bar.value, max, span);
            let thickness = row * 0.6;
            frame.fill_rectangle(
                Point::new(label_width, middle - thickness / 2.0),
                Size::new(length.max(2.0), thickness),
                colour,
            );
            frame.fill_text(label(
                &bar.value_label,
                Point::new(label_width + length + 8.0, middle),
                Alignment::Left,
                self,
                theme::INK,
                value_width,
            ));
        }
        vec![frame.into_geometry()]
    }
}

fn label(
    content: &str,
    position: Point,
    align_x: Alignment,
    chart: &BarChart,
    color: Color,
    max_width: f32,
) -> Text {
    text_at(
        content,
        position,
        align_x,
        chart.font,
        chart.text_size,
        color,
        max_width,
    )
}

fn text_at(
    content: &str,
    position: Point,
    align_x: Alignment,
    font: Font,
    size: f32,
    color: Color,
    max_width: f32,
) -> Text {
    Text {
        content: content.to_owned(),
        position,
        max_width,
        color,
        size: Pixels(size),
        font,
        align_x,
        align_y: iced::alignment::Vertical::Center,
        shaping: Shaping::Advanced,
        ..Text::default()
    }
}

/// One line of a line chart: a value per x label (`None` where there is none yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
    pub highlight: bool,
}

/// A line chart: a line per series, the highlighted one drawn last, thick and red; a legend of
/// the highlighted series and the y axis's top and bottom.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub font: Font,
    pub text_size: f32,
    pub height: f32,
}

impl LineChart {
    pub fn view<'a, M: 'a>(self) -> Element<'a, M> {
        let height = self.height;
        canvas::Canvas::new(self)
            .width(Length::Fill)
            .height(Length::Fixed(height))
            .into()
    }
}

/// A round upper bound for an axis whose largest value is `max`: 1, 2, 2.5 or 5 times a power
/// of ten, at or above `max` (1 when nothing is above zero).
pub fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|bound| *bound >= max * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// The y pixel of `value` on an axis from `low` (at the bottom, `bottom` px) to `high` (at
/// `top` px), clamped to the axis.
pub fn y_of(value: f64, low: f64, high: f64, top: f32, bottom: f32) -> f32 {
    if high <= low {
        return bottom;
    }
    let t = ((value - low) / (high - low)).clamp(0.0, 1.0) as f32;
    bottom - t * (bottom - top)
}

/// The x pixel of point `i` of `count` between `left` and `right` (one point sits in the middle).
pub fn x_of(i: usize, count: usize, left: f32, right: f32) -> f32 {
    if count <= 1 {
        return (left + right) / 2.0;
    }
    left + (right - left) * i as f32 / (count - 1) as f32
}

/// The axis's lower and upper bounds for every value in the series: from zero (or the lowest
/// value, if below zero) to a [`nice_ceiling`].
pub fn y_range(series: &[Series]) -> (f64, f64) {
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let (low, high) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let low = if low < 0.0 { -nice_ceiling(-low) } else { 0.0 };
    (low, nice_ceiling(high))
}

/// A number as an axis label: no decimals when whole.
pub fn format_number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

impl<M> canvas::Program<M> for LineChart {
    type State = ();

    fn draw(
        &self,
        _state: &(),
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let mut frame = Frame::new(renderer, bounds.size());
        let size = self.text_size;
        let left = size * 4.0;
        let right = bounds.width - size * 1.5;
        let top = size;
        let bottom = bounds.height - size * 2.0;
        let (low, high) = y_range(&self.series);
        let axis = Stroke::default().with_color(theme::LINE).with_width(2.0);
        for value in [low, (low + high) / 2.0, high] {
            let y = y_of(value, low, high, top, bottom);
            frame.stroke(&Path::line(Point::new(left, y), Point::new(right, y)), axis);
            frame.fill_text(text_at(
                &format_number(value),
                Point::new(left - 8.0, y),
                Alignment::Right,
                self.font,
                size,
                theme::MUTED,
                left - 8.0,
            ));
        }
        let count = self.x_labels.len();
        // As many x labels as fit, the first and last always.
        let room = ((right - left) / (size * 5.0)).floor().max(1.0) as usize;
        let every = count.div_ceil(room).max(1);
        for (i, name) in self.x_labels.iter().enumerate() {
            if i % every == 0 || i + 1 == count {
                frame.fill_text(text_at(
                    name,
                    Point::new(x_of(i, count, left, right), bottom + size),
                    Alignment::Center,
                    self.font,
                    size,
                    theme::MUTED,
                    size * 5.0,
                ));
            }
        }
        let ordered = self
            .series
            .iter()
            .filter(|s| !s.highlight)
            .chain(self.series.iter().filter(|s| s.highlight));
        for series in ordered {
            let points: Vec<Point> = series
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    v.map(|v| {
                        Point::new(x_of(i, count, left, right), y_of(v, low, high, top, bottom))
                    })
                })
                .collect();
            let (colour, width) = if series.highlight {
                (theme::RED, 6.0)
            } else {
                (
                    Color {
                        a: 0.55,
                        ..theme::MUTED
                    },
                    3.0,
                )
            };
            if let [first, rest @ ..] = points.as_slice() {
                let line = Path::new(|p| {
                    p.move_to(*first);
                    for point in rest {
                        p.line_to(*point);
                    }
                });
                frame.stroke(
                    &line,
                    Stroke::default().with_color(colour).with_width(width),
                );
                let last = *rest.last().unwrap_or(first);
                frame.fill(&Path::circle(last, width * 1.2), colour);
                if series.highlight {
                    frame.fill_text(text_at(
                        &series.label,
                        Point::new(last.x - 8.0, last.y - size),
                        Alignment::Right,
                        self.font,
                        size,
                        theme::RED,
                        right - left,
                    ));
                }
            }
        }
        vec![frame.into_geometry()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_longest_and_never_go_negative() {
        assert_eq!(bar_length(50.0, 100.0, 400.0), 200.0);
        assert_eq!(bar_length(100.0, 100.0, 400.0), 400.0);
        assert_eq!(bar_length(-3.0, 100.0, 400.0), 0.0);
        assert_eq!(bar_length(3.0, 0.0, 400.0), 0.0);
        assert_eq!(bar_length(f64::NAN, 10.0, 400.0), 0.0);
        assert_eq!(bar_length(200.0, 100.0, 400.0), 400.0);
    }

    #[test]
    fn rows_grow_with_the_text() {
        let chart = BarChart {
            bars: vec![],
            font: Font::default(),
            text_size: 28.0,
        };
        assert_eq!(chart.height(), 56.0);
        assert_eq!(row_height(30.0) * 3.0, 180.0);
    }

    #[test]
    fn axis_bounds_are_round_and_cover_the_values() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(10.0), 10.0);
        assert_eq!(nice_ceiling(11.0), 20.0);
        assert_eq!(nice_ceiling(230.0), 250.0);
        assert_eq!(nice_ceiling(0.42), 0.5);
        assert_eq!(nice_ceiling(4100.0), 5000.0);
    }

    #[test]
    fn points_map_into_the_plot_area() {
        assert_eq!(y_of(0.0, 0.0, 100.0, 10.0, 210.0), 210.0);
        assert_eq!(y_of(100.0, 0.0, 100.0, 10.0, 210.0), 10.0);
        assert_eq!(y_of(50.0, 0.0, 100.0, 10.0, 210.0), 110.0);
        assert_eq!(y_of(500.0, 0.0, 100.0, 10.0, 210.0), 10.0);
        assert_eq!(x_of(0, 5, 100.0, 500.0), 100.0);
        assert_eq!(x_of(4, 5, 100.0, 500.0), 500.0);
        assert_eq!(x_of(2, 5, 100.0, 500.0), 300.0);
        assert_eq!(x_of(0, 1, 100.0, 500.0), 300.0);
    }

    #[test]
    fn the_range_starts_at_zero_unless_a_value_is_below() {
        let series = |values: Vec<Option<f64>>| Series {
            label: "a".into(),
            values,
            highlight: false,
        };
        assert_eq!(
            y_range(&[series(vec![Some(3.0), None, Some(87.0)])]),
            (0.0, 100.0)
        );
        assert_eq!(
            y_range(&[series(vec![Some(-3.0), Some(8.0)])]),
            (-5.0, 10.0)
        );
        assert_eq!(y_range(&[]), (0.0, 1.0));
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(12.34), "12.3");
    }
}
