//! `word/styles.xml` and `word/numbering.xml`: which paragraph styles are headings (and of what
//! level) or list items, which character styles are bold, and which list levels are bullets.

use std::collections::{HashMap, HashSet};

use quick_xml::events::{BytesStart, Event};

use super::Refusal;
use super::package::attr;

/// Paragraph styles: which are headings (and of what level) and which carry list numbering.
#[derive(Debug, Default)]
pub struct Styles {
    paragraph: HashMap<String, Style>,
    /// Character styles that make text bold (Word's 要点 / Strong, and the like).
    bold: HashSet<String>,
}

#[derive(Debug, Default, Clone)]
struct Style {
    heading: Option<u8>,
    based_on: Option<String>,
    numbering: Option<String>,
    level: Option<u8>,
    bold: bool,
}

impl Styles {
    /// Reads `word/styles.xml`: a style named `heading N` (what Word calls it inside, in every
    /// language; `标题 N` as some editors write it), `Title`, or with an outline level is a
    /// heading.
    pub fn read(xml: &str) -> Result<Styles, Refusal> {
        let mut styles = Styles::default();
        let mut reader = quick_xml::Reader::from_str(xml);
        // The style being read, and whether it is a character style (else a paragraph one).
        let mut current: Option<(String, bool, Style)> = None;
        loop {
            match reader.read_event().map_err(|_| Refusal::Broken)? {
                Event::Start(e) if e.local_name().as_ref() == "style" => {
                    let kind = attr(&e, "type");
                    current = matches!(kind.as_deref(), Some("paragraph" | "character"))
                        .then(|| attr(&e, "styleId"))
                        .flatten()
                        .map(|id| (id, kind.as_deref() == Some("character"), Style::default()));
                }
                Event::End(e) if e.local_name().as_ref() == "style" => match current.take() {
                    Some((id, true, style)) if style.bold => {
                        styles.bold.insert(id);
                    }
                    Some((id, false, style)) => {
                        styles.paragraph.insert(id, style);
                    }
                    _ => {}
                },
                Event::Start(e) | Event::Empty(e) => {
                    if let Some((_, _, style)) = current.as_mut() {
                        let value = attr(&e, "val");
                        match e.local_name().as_ref() {
                            "b" => style.bold = on(&e),
                            "name" => {
                                let name = value.unwrap_or_default().to_lowercase();
                                if name == "title" || name == "标题" {
                                    style.heading = Some(1);
                                } else if let Some(n) = name
                                    .strip_prefix("heading ")
                                    .or_else(|| name.strip_prefix("标题"))
                                {
                                    style.heading = n.trim().parse::<u8>().ok().or(style.heading);
                                }
                            }
                            "basedOn" => style.based_on = value,
                            "outlineLvl" => {
                                if let Some(n) = value.and_then(|v| v.parse::<u8>().ok())
                                    && n < 9
                                    && style.heading.is_none()
                                {
                                    style.heading = Some(n + 1);
                                }
                            }
                            "numId" => style.numbering = value,
                            "ilvl" => style.level = value.and_then(|v| v.parse().ok()),
                            _ => {}
                        }
                    }
                }
                Event::Eof => return Ok(styles),
                _ => {}
            }
        }
    }

    /// The heading level of paragraph style `id` (or of the style it is based on).
    pub(super) fn heading(&self, id: &str) -> Option<u8> {
        self.inherited(id, |s| s.heading)
    }

    /// The list numbering paragraph style `id` carries, and its level.
    pub(super) fn numbering(&self, id: &str) -> Option<String> {
        self.inherited(id, |s| s.numbering.clone())
    }

    pub(super) fn level(&self, id: &str) -> Option<u8> {
        self.inherited(id, |s| s.level)
    }

    /// Whether character style `id` makes text bold.
    pub(super) fn bold(&self, id: &str) -> bool {
        self.bold.contains(id)
    }

    /// A style's own value of `f`, or the nearest one it is based on (at most ten steps).
    fn inherited<T>(&self, id: &str, f: impl Fn(&Style) -> Option<T>) -> Option<T> {
        let mut at = self.paragraph.get(id);
        for _ in 0..10 {
            let style = at?;
            if let Some(v) = f(style) {
                return Some(v);
            }
            at = style.based_on.as_ref().and_then(|b| self.paragraph.get(b));
        }
        None
    }
}

/// List definitions: for each numbering id, which levels are bullets (the others count).
#[derive(Debug, Default)]
pub struct Numbering {
    bullets: HashMap<String, Vec<u8>>,
}

impl Numbering {
    /// Reads `word/numbering.xml`.
    pub fn read(xml: &str) -> Result<Numbering, Refusal> {
        let mut abstract_bullets: HashMap<String, Vec<u8>> = HashMap::new();
        let mut num_to_abstract: HashMap<String, String> = HashMap::new();
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut abstract_id, mut level, mut num_id) = (None::<String>, None::<u8>, None::<String>);
        loop {
            match reader.read_event().map_err(|_| Refusal::Broken)? {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "abstractNum" => abstract_id = attr(&e, "abstractNumId"),
                    "lvl" => level = attr(&e, "ilvl").and_then(|v| v.parse().ok()),
                    "numFmt" => {
                        if let (Some(a), Some(l)) = (&abstract_id, level)
                            && attr(&e, "val").as_deref() == Some("bullet")
                        {
                            abstract_bullets.entry(a.clone()).or_default().push(l);
                        }
                    }
                    "num" => num_id = attr(&e, "numId"),
                    "abstractNumId" => {
                        if let (Some(n), Some(a)) = (&num_id, attr(&e, "val")) {
                            num_to_abstract.insert(n.clone(), a);
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "abstractNum" => abstract_id = None,
                    "lvl" => level = None,
                    "num" => num_id = None,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        let bullets = num_to_abstract
            .into_iter()
            .map(|(num, a)| (num, abstract_bullets.get(&a).cloned().unwrap_or_default()))
            .collect();
        Ok(Numbering { bullets })
    }

    pub(super) fn is_bullet(&self, num_id: &str, level: u8) -> bool {
        self.bullets
            .get(num_id)
            .is_some_and(|levels| levels.contains(&level))
    }
}

/// Whether a toggle property (`<w:b/>`, `<w:b w:val="0"/>`) is on.
pub(super) fn on(e: &BytesStart<'_>) -> bool {
    !matches!(attr(e, "val").as_deref(), Some("0" | "false" | "off"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_by_style_name_or_outline_level_and_bold_by_character_style() {
        let styles = Styles::read(
            r#"<w:styles xmlns:w="w">
            <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
            <w:style w:type="paragraph" w:styleId="3"><w:name w:val="标题 3"/></w:style>
            <w:style w:type="paragraph" w:styleId="x"><w:name w:val="My Heading"/><w:basedOn w:val="y"/></w:style>
            <w:style w:type="paragraph" w:styleId="y"><w:name w:val="Base"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
            <w:style w:type="character" w:styleId="Heading2"><w:name w:val="heading 9"/></w:style>
            <w:style w:type="character" w:styleId="a4"><w:name w:val="Strong"/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
            <w:style w:type="character" w:styleId="a5"><w:name w:val="Emphasis"/><w:rPr><w:i/></w:rPr></w:style>
            </w:styles>"#,
        )
        .expect("styles");
        let level = |id: &str| styles.heading(id);
        assert_eq!(
            [level("Heading2"), level("3"), level("x"), level("none")],
            [Some(2), Some(3), Some(1), None]
        );
        let xml = "<w:document xmlns:w=\"w\"><w:body><w:p>\
            <w:r><w:rPr><w:rStyle w:val=\"a4\"/></w:rPr><w:t>要点</w:t></w:r>\
            <w:r><w:rPr><w:rStyle w:val=\"a5\"/></w:rPr><w:t>强调</w:t></w:r></w:p></w:body></w:document>";
        let (b, _) = super::super::body::read(xml, &HashMap::new(), &styles, &Numbering::default())
            .expect("reads");
        let super::super::body::Block::Paragraph(spans) = &b[0] else {
            panic!("{b:?}")
        };
        assert_eq!(
            spans
                .iter()
                .map(|s| (s.text.as_str(), s.bold))
                .collect::<Vec<_>>(),
            [("要点", true), ("强调", false)],
            "a character style that is bold makes its runs bold"
        );
    }
}
