//! Blocks written as the article format (the Markdown subset in docs/protocol.md). The
//! document's own text is escaped, so a `*` or `#` typed in Word stays a character.

use protocol::MediaHash;

use super::body::{Block, Span};

/// The article body; `image` gives the stored hash of an image part (`None`: left out).
pub fn write(blocks: &[Block], image: impl Fn(&str) -> Option<MediaHash>) -> String {
    let mut out = String::new();
    let mut after_item = false;
    for block in blocks {
        let (text, item) = match block {
            Block::Heading(level, text) => (
                format!("{} {}", "#".repeat(usize::from(*level)), escape(text)),
                false,
            ),
            Block::Paragraph(spans) => {
                let lines: Vec<String> = split_lines(spans)
                    .iter()
                    .map(|line| line_start(&inline(line)))
                    .filter(|l| !l.is_empty())
                    .collect();
                (lines.join("\n\n"), false)
            }
            Block::Item {
                ordered,
                level,
                spans,
            } => {
                let one_line: Vec<Span> = spans
                    .iter()
                    .map(|s| Span {
                        text: s.text.replace('\n', " "),
                        ..s.clone()
                    })
                    .collect();
                let marker = if *ordered { "1." } else { "-" };
                let indent = "    ".repeat(usize::from(*level));
                (
                    format!("{indent}{marker} {}", inline(&trimmed(&one_line))),
                    true,
                )
            }
            Block::Image(part) => match image(part) {
                Some(hash) => (format!("![](media:{hash})"), false),
                None => continue,
            },
            Block::Row(cells) => {
                let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
                (line_start(&cells.join(" ｜ ")), false)
            }
        };
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str(if after_item && item { "\n" } else { "\n\n" });
        }
        out.push_str(&text);
        after_item = item;
    }
    out.push('\n');
    out
}

/// A paragraph's spans cut at its line breaks, each line trimmed.
fn split_lines(spans: &[Span]) -> Vec<Vec<Span>> {
    let mut lines = vec![Vec::new()];
    for span in spans {
        for (i, piece) in span.text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if !piece.is_empty()
                && let Some(line) = lines.last_mut()
            {
                line.push(Span {
                    text: piece.to_owned(),
                    ..span.clone()
                });
            }
        }
    }
    lines.iter().map(|l| trimmed(l)).collect()
}

/// Spans without the whitespace (a Chinese first-line indent too) at their two ends.
fn trimmed(spans: &[Span]) -> Vec<Span> {
    let mut out: Vec<Span> = spans.to_vec();
    if let Some(first) = out.first_mut() {
        first.text = first.text.trim_start().to_owned();
    }
    if let Some(last) = out.last_mut() {
        last.text = last.text.trim_end().to_owned();
    }
    out.retain(|s| !s.text.is_empty());
    out
}

fn inline(spans: &[Span]) -> String {
    let mut out = String::new();
    for span in spans {
        match &span.link {
            Some(url) => {
                let text = if span.text.trim().is_empty() {
                    url.as_str()
                } else {
                    span.text.trim()
                };
                let url = url.replace('(', "%28").replace(')', "%29");
                out.push_str(&format!("[{}]({url})", escape(text)));
            }
            None if span.bold => out.push_str(&strong(&span.text)),
            None => out.push_str(&escape(&span.text)),
        }
    }
    out
}

/// Whitespace or punctuation: what bold may not start or end with in Markdown next to CJK text
/// (`中**“引”**文` is not bold), so it is left outside the markers.
fn is_edge(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(c,
            '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '\u{FE30}'..='\u{FE4F}'
            | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}'
            | '\u{FF5B}'..='\u{FF65}')
}

fn strong(text: &str) -> String {
    let core = text.trim_matches(is_edge);
    if core.is_empty() {
        return escape(text);
    }
    let start = text.find(core).unwrap_or(0);
    let (lead, rest) = text.split_at(start);
    let trail = &rest[core.len()..];
    format!("{}**{}**{}", escape(lead), escape(core), escape(trail))
}

/// The text with every character Markdown could read as markup escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '&' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line that would start a list or an underline as written, escaped at its start.
fn line_start(line: &str) -> String {
    if line.starts_with(['-', '+', '=']) {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &line[..digits], &line[digits..]);
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, bold: bool) -> Span {
        Span {
            text: text.into(),
            bold,
            link: None,
        }
    }

    #[test]
    fn text_that_looks_like_markup_stays_text() {
        let blocks = [
            Block::Paragraph(vec![span("1. 这是 *星号* 和 #号", false)]),
            Block::Paragraph(vec![span("- 不是列表", false)]),
        ];
        let md = write(&blocks, |_| None);
        assert_eq!(md, "1\\. 这是 \\*星号\\* 和 \\#号\n\n\\- 不是列表\n");
        let parsed: String = pulldown_cmark::Parser::new(&md)
            .filter_map(|e| match e {
                pulldown_cmark::Event::Text(t) => Some(t.into_string()),
                _ => None,
            })
            .collect();
        assert_eq!(parsed, "1. 这是 *星号* 和 #号- 不是列表");
    }

    #[test]
    fn bold_leaves_punctuation_outside_so_cjk_text_stays_bold() {
        let md = write(
            &[Block::Paragraph(vec![
                span("请于", false),
                span("“12月5日前”", true),
                span("报名。", false),
            ])],
            |_| None,
        );
        assert_eq!(md, "请于“**12月5日前**”报名。\n");
        let html = {
            let mut out = String::new();
            pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new(&md));
            out
        };
        assert!(html.contains("<strong>12月5日前</strong>"), "{html}");
    }

    #[test]
    fn lists_rows_breaks_and_images() {
        let hash: MediaHash = "a".repeat(64).parse().expect("hash");
        let blocks = [
            Block::Heading(2, "一、报名".into()),
            Block::Item {
                ordered: false,
                level: 0,
                spans: vec![span("带身份证", false)],
            },
            Block::Item {
                ordered: true,
                level: 1,
                spans: vec![span("原件", true)],
            },
            Block::Paragraph(vec![span("第一行\n　　第二行", false)]),
            Block::Row(vec!["姓名".into(), "电话".into()]),
            Block::Image("word/media/image1.png".into()),
            Block::Image("word/media/missing.emf".into()),
        ];
        let md = write(&blocks, |p| p.ends_with(".png").then(|| hash.clone()));
        assert_eq!(
            md,
            format!(
                "## 一、报名\n\n- 带身份证\n    1. **原件**\n\n第一行\n\n第二行\n\n姓名 ｜ 电话\n\n![](media:{hash})\n"
            )
        );
    }
}
