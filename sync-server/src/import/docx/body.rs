//! `word/document.xml` read into the article's blocks: headings (by the paragraph's style or
//! outline level), paragraphs with bold and links, list items (bullet or numbered, by the
//! numbering definitions), tables as one line of text per row, and the images the text places.
//! What the article format cannot hold (text boxes, equations, charts, SmartArt, shapes,
//! embedded objects, notes and comments) is counted in [`Dropped`] and left out. Tracked
//! deletions are left out; tracked insertions are kept.
//!
//! The walk is one pass over the XML events with a few flags, never recursion, so a deeply
//! nested file costs no stack.

use std::collections::HashMap;

use quick_xml::events::{BytesRef, BytesStart, Event};

use super::Refusal;
use super::package::{Relationship, attr};
use super::styles::{Numbering, Styles, on};

/// A piece of a paragraph's text: bold or not, a link or not. `\n` inside is a line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Level 1 to 3.
    Heading(u8, String),
    Paragraph(Vec<Span>),
    Item {
        ordered: bool,
        level: u8,
        spans: Vec<Span>,
    },
    /// An image part of the package, by name (`word/media/image1.png`).
    Image(String),
    /// A table row: its cells' text.
    Row(Vec<String>),
}

/// What the document held that the article does not, counted by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped {
    pub text_boxes: u32,
    pub equations: u32,
    pub charts: u32,
    pub diagrams: u32,
    pub shapes: u32,
    pub objects: u32,
    pub notes: u32,
    pub comments: u32,
    pub linked_images: u32,
    pub unreadable_images: u32,
    pub large_images: u32,
    pub extra_images: u32,
    /// Tables of contents (their entries are Word's own, with page numbers).
    pub contents: u32,
}

/// The text of an entity or character reference (`&amp;`, `&#20013;`); one a document
/// declares itself is never expanded.
pub fn reference(r: &BytesRef<'_>) -> String {
    if r.is_char_ref() {
        return r
            .resolve_char_ref()
            .ok()
            .flatten()
            .map(String::from)
            .unwrap_or_default();
    }
    quick_xml::escape::resolve_xml_entity(r)
        .unwrap_or_default()
        .to_owned()
}

#[derive(Default)]
struct Para {
    style: Option<String>,
    num_id: Option<String>,
    level: Option<u8>,
    outline: Option<u8>,
    spans: Vec<Span>,
    images: Vec<String>,
}

#[derive(Default)]
struct Table {
    row: Vec<String>,
    cell: String,
    /// Nested tables' rows, gathered for the cell that holds them.
    text: Vec<String>,
    images: Vec<String>,
}

/// A drawing (or VML picture, or embedded object) being read: what it turned out to hold.
#[derive(Default)]
struct Drawing {
    depth: u32,
    object: bool,
    images: Vec<String>,
    linked: u32,
    charts: u32,
    diagrams: u32,
    text_boxes: u32,
}

struct Walker<'a> {
    rels: &'a HashMap<String, Relationship>,
    styles: &'a Styles,
    numbering: &'a Numbering,
    blocks: Vec<Block>,
    dropped: Dropped,
    /// Depth inside an element being skipped whole (0: not skipping).
    skip: u32,
    drawing: Option<Drawing>,
    para: Option<Para>,
    tables: Vec<Table>,
    in_para_props: bool,
    in_run_props: bool,
    in_text: bool,
    bold: bool,
    link: Option<String>,
    /// The content control being read is a table of contents: its content is left out.
    contents_next: bool,
}

/// Reads the main document part into blocks and what was left out.
pub fn read(
    xml: &str,
    rels: &HashMap<String, Relationship>,
    styles: &Styles,
    numbering: &Numbering,
) -> Result<(Vec<Block>, Dropped), Refusal> {
    let mut w = Walker {
        rels,
        styles,
        numbering,
        blocks: Vec::new(),
        dropped: Dropped::default(),
        skip: 0,
        drawing: None,
        para: None,
        tables: Vec::new(),
        in_para_props: false,
        in_run_props: false,
        in_text: false,
        bold: false,
        link: None,
        contents_next: false,
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(|_| Refusal::Broken)? {
            Event::Start(e) => w.open(&e, false),
            Event::Empty(e) => w.open(&e, true),
            Event::End(e) => w.close(e.local_name().as_ref()),
            Event::Text(t) if w.in_text && w.skip == 0 && w.drawing.is_none() => {
                w.push(&t.xml10_content());
            }
            Event::GeneralRef(r) if w.in_text && w.skip == 0 && w.drawing.is_none() => {
                w.push(&reference(&r));
            }
            Event::Eof => return Ok((w.blocks, w.dropped)),
            _ => {}
        }
    }
}

impl Walker<'_> {
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) {
        let name = e.local_name();
        let name = name.as_ref();
        if self.skip > 0 {
            self.skip += u32::from(!empty);
            return;
        }
        if name == "Fallback" {
            // Another rendering of what `Choice` held: read one of the two only.
            self.skip = u32::from(!empty);
            return;
        }
        if let Some(d) = self.drawing.as_mut() {
            match name {
                "blip" => match (attr(e, "embed"), attr(e, "link")) {
                    (Some(id), _) => d.images.push(id),
                    (None, Some(_)) => d.linked += 1,
                    (None, None) => {}
                },
                "imagedata" => d.images.extend(attr(e, "id")),
                "chart" => d.charts += 1,
                "relIds" => d.diagrams += 1,
                "txbxContent" => d.text_boxes += 1,
                _ => {}
            }
            d.depth += u32::from(!empty);
            return;
        }
        let skip = |w: &mut Self| w.skip = u32::from(!empty);
        match name {
            "del" | "moveFrom" | "sectPr" | "rPrChange" | "pPrChange" => skip(self),
            "docPartGallery" => {
                self.contents_next =
                    attr(e, "val").is_some_and(|v| v.eq_ignore_ascii_case("Table of Contents"));
            }
            "sdtContent" if self.contents_next => {
                self.contents_next = false;
                self.dropped.contents += 1;
                skip(self);
            }
            "txbxContent" => {
                self.dropped.text_boxes += 1;
                skip(self);
            }
            "oMathPara" | "oMath" => {
                self.dropped.equations += 1;
                skip(self);
            }
            "drawing" | "pict" | "object" if !empty => {
                self.drawing = Some(Drawing {
                    depth: 1,
                    object: name == "object",
                    ..Drawing::default()
                });
            }
            "p" if !empty => {
                self.para = Some(Para::default());
                self.in_para_props = false;
            }
            "pPr" if !empty => self.in_para_props = true,
            "pStyle" | "numId" | "ilvl" | "outlineLvl" if self.in_para_props => {
                if let Some(p) = self.para.as_mut() {
                    let value = attr(e, "val");
                    match name {
                        "pStyle" => p.style = value,
                        "numId" => p.num_id = value,
                        "ilvl" => p.level = value.and_then(|v| v.parse().ok()),
                        _ => p.outline = value.and_then(|v| v.parse().ok()),
                    }
                }
            }
            "r" if !empty => self.bold = false,
            "rPr" if !empty && !self.in_para_props => self.in_run_props = true,
            "b" if self.in_run_props => self.bold = on(e),
            "rStyle" if self.in_run_props => {
                self.bold |= attr(e, "val").is_some_and(|id| self.styles.bold(&id));
            }
            "t" if !empty => self.in_text = true,
            "tab" if !self.in_para_props => self.push(" "),
            "br" | "cr" if attr(e, "type").as_deref() != Some("page") => self.push("\n"),
            "hyperlink" if !empty => {
                self.link = attr(e, "id")
                    .and_then(|id| self.rels.get(&id))
                    .filter(|r| r.external)
                    .and_then(|r| web_link(&r.target));
            }
            "footnoteReference" | "endnoteReference" => self.dropped.notes += 1,
            "commentReference" => self.dropped.comments += 1,
            "tbl" if !empty => self.tables.push(Table::default()),
            "tc" if !empty => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell.clear();
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if let Some(d) = self.drawing.as_mut() {
            d.depth -= 1;
            if d.depth == 0 {
                let d = self.drawing.take().unwrap_or_default();
                self.drawing_done(d);
            }
            return;
        }
        match name {
            "t" => self.in_text = false,
            "pPr" => self.in_para_props = false,
            "rPr" => self.in_run_props = false,
            "hyperlink" => self.link = None,
            "p" => {
                if let Some(p) = self.para.take() {
                    self.paragraph_done(p);
                }
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    let cell = std::mem::take(&mut t.cell);
                    t.row.push(cell.trim().to_owned());
                }
            }
            "tr" => self.row_done(),
            "tbl" => self.table_done(),
            _ => {}
        }
    }

    /// Adds text to the paragraph being read, merged into its last span when alike.
    fn push(&mut self, text: &str) {
        let (bold, link) = (self.bold, self.link.clone());
        let Some(p) = self.para.as_mut() else { return };
        match p.spans.last_mut() {
            Some(last) if last.bold == bold && last.link == link => last.text.push_str(text),
            _ => p.spans.push(Span {
                text: text.to_owned(),
                bold,
                link,
            }),
        }
    }

    fn drawing_done(&mut self, d: Drawing) {
        let dropped = &mut self.dropped;
        if d.object {
            dropped.objects += 1;
            return;
        }
        dropped.text_boxes += d.text_boxes;
        dropped.charts += d.charts;
        dropped.diagrams += d.diagrams;
        dropped.linked_images += d.linked;
        let found = d.images.len() as u32 + d.linked + d.charts + d.diagrams + d.text_boxes;
        if found == 0 {
            dropped.shapes += 1;
        }
        for id in d.images {
            match self.rels.get(&id) {
                Some(r) if !r.external => {
                    if let Some(p) = self.para.as_mut() {
                        p.images.push(r.target.clone());
                    }
                }
                Some(_) => dropped.linked_images += 1,
                None => dropped.unreadable_images += 1,
            }
        }
    }

    fn paragraph_done(&mut self, p: Para) {
        if let Some(t) = self.tables.last_mut() {
            let text = plain(&p.spans);
            if !text.is_empty() {
                if !t.cell.is_empty() {
                    t.cell.push(' ');
                }
                t.cell.push_str(&text);
            }
            t.images.extend(p.images);
            return;
        }
        let style = p.style.as_deref().unwrap_or_default();
        let heading = p
            .outline
            .filter(|&o| o < 9)
            .map(|o| o + 1)
            .or_else(|| self.styles.heading(style));
        let numbering = p
            .num_id
            .clone()
            .or_else(|| self.styles.numbering(style))
            .filter(|n| n != "0");
        let text = plain(&p.spans);
        if !text.is_empty() {
            self.blocks.push(match (heading, numbering) {
                (Some(level), _) => Block::Heading(level.min(3), text),
                (None, Some(num)) => {
                    let level = p.level.or_else(|| self.styles.level(style)).unwrap_or(0);
                    Block::Item {
                        ordered: !self.numbering.is_bullet(&num, level),
                        level: level.min(3),
                        spans: p.spans,
                    }
                }
                (None, None) => Block::Paragraph(p.spans),
            });
        }
        self.blocks.extend(p.images.into_iter().map(Block::Image));
    }

    fn row_done(&mut self) {
        let nested = self.tables.len() > 1;
        let Some(t) = self.tables.last_mut() else {
            return;
        };
        let cells: Vec<String> = std::mem::take(&mut t.row)
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        if nested {
            if !cells.is_empty() {
                t.text.push(cells.join(" "));
            }
            return;
        }
        let images = std::mem::take(&mut t.images);
        if !cells.is_empty() {
            self.blocks.push(Block::Row(cells));
        }
        self.blocks.extend(images.into_iter().map(Block::Image));
    }

    fn table_done(&mut self) {
        let Some(done) = self.tables.pop() else {
            return;
        };
        match self.tables.last_mut() {
            Some(outer) => {
                let text = done.text.join(" ");
                if !text.is_empty() {
                    if !outer.cell.is_empty() {
                        outer.cell.push(' ');
                    }
                    outer.cell.push_str(&text);
                }
                outer.images.extend(done.images);
            }
            None => self
                .blocks
                .extend(done.images.into_iter().map(Block::Image)),
        }
    }
}

/// A paragraph's text without formatting, line breaks as spaces, trimmed.
pub fn plain(spans: &[Span]) -> String {
    let text: String = spans.iter().map(|s| s.text.as_str()).collect();
    text.replace('\n', " ").trim().to_owned()
}

/// A link target the article keeps: web addresses only.
fn web_link(target: &str) -> Option<String> {
    let url = url::Url::parse(target).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(body: &str) -> (Vec<Block>, Dropped) {
        let xml = format!(
            "<w:document xmlns:w=\"w\" xmlns:r=\"r\" xmlns:v=\"v\"><w:body>{body}</w:body></w:document>"
        );
        let mut rels = HashMap::new();
        rels.insert(
            "rId7".to_owned(),
            Relationship {
                target: "word/media/old.png".into(),
                external: false,
            },
        );
        read(&xml, &rels, &Styles::default(), &Numbering::default()).expect("reads")
    }

    fn text(t: &str) -> Vec<Span> {
        vec![Span {
            text: t.into(),
            bold: false,
            link: None,
        }]
    }

    #[test]
    fn entities_a_document_declares_are_not_expanded() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&b;&amp;&#20013;</w:t></w:r></w:p></w:body></w:document>"#;
        let (b, _) = read(
            xml,
            &HashMap::new(),
            &Styles::default(),
            &Numbering::default(),
        )
        .expect("reads");
        assert_eq!(b, [Block::Paragraph(text("&中"))]);
    }

    #[test]
    fn a_table_of_contents_is_left_out_and_counted() {
        let (b, dropped) = blocks(
            "<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val=\"Table of Contents\"/></w:docPartObj></w:sdtPr>\
             <w:sdtContent><w:p><w:r><w:t>一、比赛项目 1</w:t></w:r></w:p></w:sdtContent></w:sdt>\
             <w:sdt><w:sdtPr><w:alias w:val=\"日期\"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>正文</w:t></w:r></w:p></w:sdtContent></w:sdt>",
        );
        assert_eq!(b, [Block::Paragraph(text("正文"))]);
        assert_eq!(
            dropped,
            Dropped {
                contents: 1,
                ..Dropped::default()
            }
        );
    }

    #[test]
    fn tracked_deletions_and_property_changes_are_left_out() {
        let (b, _) = blocks(
            "<w:p><w:r><w:rPr><w:rPrChange><w:rPr><w:b/></w:rPr></w:rPrChange></w:rPr><w:t>留下</w:t></w:r>\
             <w:del><w:r><w:delText>删掉</w:delText><w:t>删掉</w:t></w:r></w:del>\
             <w:ins><w:r><w:t>补上</w:t></w:r></w:ins></w:p>",
        );
        assert_eq!(b, [Block::Paragraph(text("留下补上"))]);
    }

    #[test]
    fn a_nested_table_is_text_in_its_cell_and_a_vml_picture_is_kept() {
        let (b, dropped) = blocks(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p>\
             <w:tbl><w:tr><w:tc><w:p><w:r><w:t>内一</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>内二</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
             </w:tc><w:tc><w:p><w:r><w:pict><v:shape><v:imagedata r:id=\"rId7\"/></v:shape></w:pict></w:r></w:p></w:tc></w:tr></w:tbl>\
             <w:p><w:r><w:t>后</w:t><w:br w:type=\"page\"/><w:object/></w:r></w:p>",
        );
        assert_eq!(
            b,
            [
                Block::Row(vec!["外 内一 内二".into()]),
                Block::Image("word/media/old.png".into()),
                Block::Paragraph(text("后")),
            ]
        );
        assert_eq!(
            dropped,
            Dropped::default(),
            "an empty object has nothing to drop"
        );
    }

    #[test]
    fn shapes_objects_notes_and_unknown_pictures_are_counted() {
        let (b, dropped) = blocks(
            "<w:p><w:r><w:t>正文</w:t><w:footnoteReference w:id=\"1\"/><w:commentReference w:id=\"0\"/></w:r>\
             <w:r><w:drawing><wp:anchor/></w:drawing></w:r>\
             <w:r><w:object><v:shape><v:imagedata r:id=\"rId7\"/></v:shape></w:object></w:r>\
             <w:r><w:drawing><a:blip r:embed=\"rId99\"/></w:drawing></w:r>\
             <w:r><w:drawing><a:blip r:link=\"rId8\"/></w:drawing></w:r></w:p>",
        );
        assert_eq!(b, [Block::Paragraph(text("正文"))]);
        assert_eq!(
            dropped,
            Dropped {
                shapes: 1,
                objects: 1,
                notes: 1,
                comments: 1,
                unreadable_images: 1,
                linked_images: 1,
                ..Dropped::default()
            }
        );
    }
}
