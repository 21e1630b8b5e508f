//! Charts for console pages, drawn on the server as SVG by `plotters` (its SVG backend only:
//! text is written as SVG `<text>`, which the browser renders with its own fonts, Chinese
//! included, so the server needs no font library). Any page can use them: a chart takes plain
//! data — labels along the x axis and named series of counts — and comes back as a `<figure>`
//! holding the SVG (with `<title>` and `<desc>` for screen readers) and the same numbers as a
//! table, the chart's text alternative.
//!
//! Every label may be user input (org and form names): `plotters` escapes the text it writes,
//! and the title, description and table go through `maud`, which escapes too.

use maud::{Markup, PreEscaped, html};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Lang, tr};

/// One named row of counts, a value per x label.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<u64>,
}

/// What a chart shows.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Said above the chart and as the SVG's `<title>`.
    pub title: String,
    /// One sentence of what it shows, the SVG's `<desc>`.
    pub summary: String,
    /// The x axis: one label per value of each series.
    pub x_labels: Vec<String>,
    /// Which x labels the axis prints (all the table's rows are kept); empty: all.
    pub ticks: Vec<usize>,
    /// The table's first column heading.
    pub x_heading: String,
    pub series: Vec<Series>,
}

/// Series colours, in order (the console's palette).
const COLOURS: [RGBColor; 6] = [
    RGBColor(0xb7, 0x1c, 0x1c),
    RGBColor(0x1e, 0x6f, 0xb5),
    RGBColor(0x2e, 0x7d, 0x32),
    RGBColor(0xc6, 0x6a, 0x10),
    RGBColor(0x6a, 0x3d, 0x9a),
    RGBColor(0x55, 0x55, 0x55),
];

const FONT: &str = "sans-serif";

fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// A line per series (for counts over time).
pub fn line(l: Lang, chart: &Chart, size: (u32, u32)) -> Markup {
    figure(l, chart, draw(chart, size, Kind::Line))
}

/// Bars stacked from the series (for counts split into parts).
pub fn stacked_bars(l: Lang, chart: &Chart, size: (u32, u32)) -> Markup {
    figure(l, chart, draw(chart, size, Kind::Stacked))
}

#[derive(Clone, Copy)]
enum Kind {
    Line,
    Stacked,
}

/// The SVG, or nothing when plotters fails (it writes to a string, so only on a bug; the table
/// still says the numbers).
fn draw(chart: &Chart, size: (u32, u32), kind: Kind) -> Option<String> {
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        plot(&root, chart, kind).and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match drawn {
        Ok(()) => Some(svg),
        Err(e) => {
            tracing::error!(error = %e, chart = %chart.title, "drawing a chart");
            None
        }
    }
}

fn plot(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Chart,
    kind: Kind,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<_>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let n = chart.x_labels.len().max(1);
    let top = match kind {
        Kind::Line => chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0),
        Kind::Stacked => (0..n)
            .map(|i| chart.series.iter().map(|s| value(s, i)).sum::<u64>())
            .max()
            .unwrap_or(0),
    };
    // Room above the highest value, and whole numbers on the y axis.
    let y_max = (top + top / 8 + 1) as f64;
    let ticks: Vec<usize> = if chart.ticks.is_empty() {
        (0..n).collect()
    } else {
        chart.ticks.clone()
    };
    // Bars keep a sensible width when there are few: at least four bars' room, centred.
    let pad = match kind {
        Kind::Stacked => 4usize.saturating_sub(n) as f64 / 2.0,
        Kind::Line => 0.0,
    };
    let mut ctx = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(40)
        .build_cartesian_2d(-0.5 - pad..n as f64 - 0.5 + pad, 0f64..y_max)
        .map_err(err)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(0)
        .y_labels(6)
        .label_style((FONT, 14))
        .y_label_formatter(&|y| {
            if y.fract().abs() < 1e-6 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(err)?;
    // The x labels where the chart says (plotters picks its own points otherwise).
    let below_axis = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for i in ticks {
        let Some(label) = chart.x_labels.get(i) else {
            continue;
        };
        let (x, y) = ctx.backend_coord(&(i as f64, 0.0));
        root.draw(&Text::new(label.clone(), (x, y + 6), below_axis.clone()))
            .map_err(err)?;
    }
    for (k, s) in chart.series.iter().enumerate() {
        let c = colour(k);
        match kind {
            Kind::Line => {
                ctx.draw_series(LineSeries::new(
                    (0..n).map(|i| (i as f64, value(s, i) as f64)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
            }
            Kind::Stacked => {
                let below =
                    |i: usize| -> u64 { chart.series[..k].iter().map(|s| value(s, i)).sum() };
                ctx.draw_series((0..n).filter(|&i| value(s, i) > 0).map(|i| {
                    let (y0, y1) = (below(i), below(i) + value(s, i));
                    let x = i as f64;
                    Rectangle::new([(x - 0.35, y0 as f64), (x + 0.35, y1 as f64)], c.filled())
                }))
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
            }
        }
    }
    if chart.series.len() > 1 {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0xe2, 0xdd, 0xd5))
            .label_font((FONT, 14))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn value(s: &Series, i: usize) -> u64 {
    s.values.get(i).copied().unwrap_or(0)
}

/// The SVG given its accessible name and description (escaped by maud) after its opening tag.
fn accessible(svg: &str, chart: &Chart) -> String {
    let Some(open_end) = svg.find('>') else {
        return String::new();
    };
    let head = html! { title { (chart.title) } desc { (chart.summary) } };
    format!(
        "{} role=\"img\" class=\"chart\">{}{}",
        &svg[..open_end],
        head.into_string(),
        &svg[open_end + 1..]
    )
}

fn figure(l: Lang, chart: &Chart, svg: Option<String>) -> Markup {
    html! {
        figure.chart {
            figcaption { (chart.title) }
            @if let Some(svg) = svg { (PreEscaped(accessible(&svg, chart))) }
            details.chart-data {
                summary { (tr(l, "数据表", "Data table")) }
                table {
                    thead { tr {
                        th { (chart.x_heading) }
                        @for s in &chart.series { th { (s.name) } }
                    } }
                    tbody { @for (i, x) in chart.x_labels.iter().enumerate() { tr {
                        td { (x) }
                        @for s in &chart.series { td.num { (value(s, i)) } }
                    } } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(name: &str) -> Chart {
        Chart {
            title: format!("按单位 {name}"),
            summary: "每周的数量".into(),
            x_labels: vec![name.into(), "乙市工会".into()],
            ticks: Vec::new(),
            x_heading: "单位".into(),
            series: vec![
                Series {
                    name: name.into(),
                    values: vec![3, 1],
                },
                Series {
                    name: "已受理".into(),
                    values: vec![2, 0],
                },
            ],
        }
    }

    #[test]
    fn labels_are_escaped_everywhere_and_the_numbers_are_in_the_table() {
        let evil = "<script>alert(1)</script>";
        for markup in [
            line(Lang::Zh, &chart(evil), (600, 300)),
            stacked_bars(Lang::Zh, &chart(evil), (600, 300)),
        ] {
            let page = markup.into_string();
            assert!(!page.contains("<script>"), "{page}");
            assert!(
                page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{page}"
            );
            assert!(page.contains("<svg"), "drawn: {page}");
            assert!(page.contains("role=\"img\""), "{page}");
            assert!(page.contains("<title>按单位 &lt;script&gt;"), "{page}");
            assert!(page.contains("<td class=\"num\">3</td>"), "{page}");
            assert!(page.contains(">乙市工会</text>") || page.contains("乙市工会\n</text>"));
        }
    }
}
