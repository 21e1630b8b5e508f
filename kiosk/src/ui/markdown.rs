//! The article body's Markdown subset (headings, paragraphs, lists, bold, images, links) turned
//! into blocks the reader lays out. Anything else (raw HTML, tables, code) is shown as its text:
//! an article never fails to open because of its markup.

use protocol::MediaHash;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub link: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(Vec<Span>),
    /// A list item: its marker ("•" or "3.") and text.
    Item(String, Vec<Span>),
    /// An image from the media store (`media:HASH`), with its caption.
    Image(MediaHash, String),
}

pub fn parse(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut bold = 0usize;
    let mut link = 0usize;
    let mut heading: Option<u8> = None;
    // Numbered lists: the next number, per nesting level (`None` for bullets).
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut marker: Option<String> = None;
    let mut image: Option<(Option<MediaHash>, String)> = None;

    let flush = |spans: &mut Vec<Span>, blocks: &mut Vec<Block>, marker: &mut Option<String>| {
        let text: String = spans.iter().map(|s| s.text.as_str()).collect();
        if text.trim().is_empty() {
            spans.clear();
            return;
        }
        let taken = std::mem::take(spans);
        match marker.take() {
            Some(m) => blocks.push(Block::Item(m, taken)),
            None => blocks.push(Block::Paragraph(taken)),
        }
    };

    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut spans, &mut blocks, &mut marker);
                heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                let text: String = spans.drain(..).map(|s| s.text).collect();
                if let Some(level) = heading.take()
                    && !text.trim().is_empty()
                {
                    blocks.push(Block::Heading(level, text));
                }
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut spans, &mut blocks, &mut marker);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut spans, &mut blocks, &mut marker);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut spans, &mut blocks, &mut marker);
                marker = Some(match lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}.");
                        *n += 1;
                        m
                    }
                    _ => "•".to_owned(),
                });
            }
            Event::End(TagEnd::Item) | Event::End(TagEnd::Paragraph) => {
                flush(&mut spans, &mut blocks, &mut marker);
            }
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::Start(Tag::Link { .. }) => link += 1,
            Event::End(TagEnd::Link) => link = link.saturating_sub(1),
            Event::Start(Tag::Image { dest_url, .. }) => {
                flush(&mut spans, &mut blocks, &mut marker);
                let hash = dest_url
                    .strip_prefix("media:")
                    .and_then(|h| h.parse::<MediaHash>().ok());
                image = Some((hash, String::new()));
            }
            Event::End(TagEnd::Image) => {
                if let Some((Some(hash), caption)) = image.take() {
                    blocks.push(Block::Image(hash, caption));
                }
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                if let Some((_, caption)) = &mut image {
                    caption.push_str(&t);
                } else {
                    spans.push(Span {
                        text: t.into_string(),
                        bold: bold > 0 || heading.is_some(),
                        link: link > 0,
                    });
                }
            }
            Event::SoftBreak | Event::HardBreak => spans.push(Span {
                text: "\n".into(),
                bold: false,
                link: false,
            }),
            _ => {}
        }
    }
    flush(&mut spans, &mut blocks, &mut marker);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_becomes_blocks() {
        let hash = "a".repeat(64);
        let md = format!(
            "# 标题\n\n第一段**加粗**文字，[链接](https://example.cn)。\n\n- 甲\n- 乙\n\n1. 一\n2. 二\n\n![图片说明](media:{hash})\n\n<b>html</b>\n"
        );
        let blocks = parse(&md);
        assert_eq!(blocks[0], Block::Heading(1, "标题".into()));
        let Block::Paragraph(spans) = &blocks[1] else {
            panic!("{:?}", blocks[1])
        };
        assert!(spans.iter().any(|s| s.text == "加粗" && s.bold));
        assert!(spans.iter().any(|s| s.text == "链接" && s.link));
        assert!(matches!(&blocks[2], Block::Item(m, _) if m == "•"));
        assert!(matches!(&blocks[5], Block::Item(m, _) if m == "2."));
        assert_eq!(
            blocks[6],
            Block::Image(hash.parse().expect("valid hash"), "图片说明".into())
        );
        let Some(Block::Paragraph(html)) = blocks.last() else {
            panic!("{blocks:?}")
        };
        let shown: String = html.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            shown, "<b>html</b>",
            "raw HTML is shown as text, never interpreted"
        );
    }

    #[test]
    fn images_not_in_the_media_store_are_dropped() {
        assert!(parse("![x](https://example.cn/a.png)").is_empty());
    }
}
