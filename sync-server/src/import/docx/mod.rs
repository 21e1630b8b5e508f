//! Word documents (`.docx`) made into a draft article: the package read with zip and quick-xml
//! (`package`: hostile zips refused), `word/document.xml` walked into blocks (`body`, with the
//! styles and list definitions of `styles`), each
//! embedded image stored through the media pipeline (decoded, bounded, re-encoded, like any
//! upload), and the blocks written as the article format (`markdown`). What the format cannot
//! hold is counted and told to the clerk, never silently lost.
//!
//! Why not a docx crate: the readers on crates.io (docx-rs's `read_docx`, docx-rust) read every
//! part whole with no size bounds and bring a second zip and XML stack; the two crates used here
//! are already in the build (calamine's), and reading only the four parts an article needs,
//! each through a cap, is what makes a hostile file cheap to refuse.

pub mod body;
pub mod markdown;
mod package;
mod styles;

use std::collections::HashMap;

use protocol::MediaHash;

use body::Block;
pub use body::Dropped;
use package::{MAX_DOCUMENT_BYTES, MAX_PART_BYTES, Package};
use styles::{Numbering, Styles};

use crate::media;
use crate::state::AppState;

/// Most images one document may bring in; the rest are counted as dropped.
pub const MAX_IMAGES: usize = 100;
/// Most bytes all of a document's images may take before decoding (a real document's pictures
/// are compressed, so they hold no more than its 64 MB upload; this stops a crafted one).
pub const MAX_IMAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Word imports at once: each holds its upload, its document part and its pictures in memory
/// (a few hundred MiB at worst), so more wait their turn.
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Most characters a title taken from the document keeps (the article's limit).
const TITLE_CHARS: usize = 120;

/// Why a file was not imported, said to the clerk in their language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An OLE2 file: a Word 97-2003 `.doc`, or a document with a password.
    OldWord,
    /// Not a zip, or a zip without a Word document in it (a renamed file).
    NotWord,
    /// A zip or XML part that cannot be read.
    Broken,
    /// Over a cap: too many entries, or unpacking to too much.
    TooLarge,
    /// Nothing in it to make an article of.
    Empty,
    /// The server could not store an image (its disk, not the file).
    Server,
}

impl Refusal {
    pub fn zh(self) -> &'static str {
        match self {
            Refusal::OldWord => {
                "这是旧版 Word（.doc）文件或设置了密码的文档：请在 Word 中“另存为”.docx 格式（不设密码）后再上传。"
            }
            Refusal::NotWord => {
                "这不是 Word 文档（.docx）：请选择用 Word 或 WPS 保存的 .docx 文件。"
            }
            Refusal::Broken => "文档已损坏或不完整，无法读取：请在 Word 中打开并重新保存后再上传。",
            Refusal::TooLarge => {
                "文档解压后过大或内含文件过多，为安全起见没有导入：请删去不需要的部分或分成几篇。"
            }
            Refusal::Empty => "文档里没有可以导入的文字或图片。",
            Refusal::Server => "服务器暂时无法保存文档中的图片，请稍后再试。",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Refusal::OldWord => {
                "This is an old Word (.doc) file or a password-protected document: save it as .docx (without a password) in Word and upload that."
            }
            Refusal::NotWord => {
                "This is not a Word document (.docx): choose a .docx file saved by Word or WPS."
            }
            Refusal::Broken => {
                "The document is damaged or incomplete: open it in Word, save it again and upload that."
            }
            Refusal::TooLarge => {
                "The document unpacks to too much or holds too many files, so for safety it was not imported: remove what is not needed or split it."
            }
            Refusal::Empty => "The document has no text or pictures to import.",
            Refusal::Server => {
                "The server could not store the document's pictures just now; try again later."
            }
        }
    }
}

/// A document read from its package: its blocks, its images' bytes by part name, and what was
/// left out so far.
pub struct Document {
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    pub images: Vec<(String, Vec<u8>)>,
    pub dropped: Dropped,
}

/// Reads a `.docx` (blocking work: run it on the blocking pool). An image is read only up to
/// `max_image` bytes; larger ones are counted as dropped.
pub fn read(bytes: Vec<u8>, max_image: u64) -> Result<Document, Refusal> {
    let mut package = Package::open(bytes)?;
    let xml = package
        .xml("word/document.xml", MAX_DOCUMENT_BYTES)?
        .ok_or(Refusal::NotWord)?;
    let rels = match package.xml("word/_rels/document.xml.rels", MAX_PART_BYTES)? {
        Some(x) => package::relationships(&x)?,
        None => HashMap::new(),
    };
    let styles = match package.xml("word/styles.xml", MAX_PART_BYTES)? {
        Some(x) => Styles::read(&x)?,
        None => Styles::default(),
    };
    let numbering = match package.xml("word/numbering.xml", MAX_PART_BYTES)? {
        Some(x) => Numbering::read(&x)?,
        None => Numbering::default(),
    };
    let core_title = package
        .xml("docProps/core.xml", MAX_PART_BYTES)
        .ok()
        .flatten()
        .and_then(|x| package::core_title(&x));
    let (mut blocks, mut dropped) = body::read(&xml, &rels, &styles, &numbering)?;
    let title = core_title.or_else(|| title_from(&mut blocks));

    let mut images: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0u64;
    blocks.retain(|b| {
        let Block::Image(part) = b else { return true };
        if images.iter().any(|(p, _)| p == part) {
            return true;
        }
        if images.len() >= MAX_IMAGES || total >= MAX_IMAGE_BYTES {
            dropped.extra_images += 1;
            return false;
        }
        match package.read(part, max_image) {
            Ok(Some(bytes)) => {
                total += bytes.len() as u64;
                images.push((part.clone(), bytes));
                true
            }
            Ok(None) | Err(Refusal::Broken) => {
                dropped.unreadable_images += 1;
                false
            }
            Err(_) => {
                dropped.large_images += 1;
                false
            }
        }
    });
    if blocks.is_empty() {
        return Err(Refusal::Empty);
    }
    Ok(Document {
        title,
        blocks,
        images,
        dropped,
    })
}

/// The title a document without one in its properties shows first: its first heading, or a
/// short first paragraph (a notice's title line) with more text after it; taken out of the body.
fn title_from(blocks: &mut Vec<Block>) -> Option<String> {
    let title = match blocks.first()? {
        Block::Heading(_, text) => text.clone(),
        Block::Paragraph(spans) => {
            let text = body::plain(spans);
            let more_text = blocks.iter().skip(1).any(|b| !matches!(b, Block::Image(_)));
            if text.chars().count() > 60 || !more_text {
                return None;
            }
            text
        }
        _ => return None,
    };
    blocks.remove(0);
    Some(title)
}

/// A document made into an article body, its images stored.
#[derive(Debug)]
pub struct Imported {
    pub title: String,
    pub body_markdown: String,
    pub images: Vec<MediaHash>,
    pub dropped: Dropped,
}

/// Reads a `.docx` and stores its images through the media pipeline (each decoded and
/// re-encoded as any upload; one the pipeline refuses is counted as dropped).
pub async fn import(state: &AppState, bytes: Vec<u8>) -> Result<Imported, Refusal> {
    let _turn = RUNNING.acquire().await.map_err(|_| Refusal::Server)?;
    let max_image = state.config.media.max_upload_bytes as u64;
    let doc = crate::obs::spawn_blocking(move || read(bytes, max_image))
        .await
        .map_err(|_| Refusal::Server)??;
    let Document {
        title,
        blocks,
        images,
        mut dropped,
    } = doc;
    let mut stored: HashMap<String, MediaHash> = HashMap::new();
    for (part, bytes) in images {
        match media::store_upload(state, bytes).await {
            Ok(up) => {
                stored.insert(part, up.display.sha256);
            }
            Err(e) if e.status.is_server_error() => {
                e.log_cause();
                return Err(Refusal::Server);
            }
            Err(_) => dropped.unreadable_images += 1,
        }
    }
    let body_markdown = markdown::write(&blocks, |part| stored.get(part).cloned());
    if body_markdown.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    let mut hashes: Vec<MediaHash> = Vec::new();
    for block in &blocks {
        if let Block::Image(part) = block
            && let Some(h) = stored.get(part)
            && !hashes.contains(h)
        {
            hashes.push(h.clone());
        }
    }
    let title = title
        .map(|t| t.chars().take(TITLE_CHARS).collect::<String>())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "Word 导入的文章".to_owned());
    Ok(Imported {
        title,
        body_markdown,
        images: hashes,
        dropped,
    })
}

impl Dropped {
    fn counts(&self) -> [(u32, &'static str, &'static str, &'static str); 13] {
        [
            (
                self.contents,
                "个目录",
                "table of contents",
                "tables of contents",
            ),
            (self.text_boxes, "个文本框", "text box", "text boxes"),
            (self.equations, "个公式", "equation", "equations"),
            (self.charts, "个图表", "chart", "charts"),
            (
                self.diagrams,
                "个 SmartArt 图形",
                "SmartArt diagram",
                "SmartArt diagrams",
            ),
            (self.shapes, "个形状", "shape", "shapes"),
            (
                self.objects,
                "个嵌入对象",
                "embedded object",
                "embedded objects",
            ),
            (
                self.notes,
                "个脚注或尾注",
                "footnote or endnote",
                "footnotes or endnotes",
            ),
            (self.comments, "条批注", "comment", "comments"),
            (
                self.linked_images,
                "张链接到外部的图片",
                "linked picture",
                "linked pictures",
            ),
            (
                self.unreadable_images,
                "张无法读取的图片（如 EMF/WMF 格式或已损坏）",
                "picture that could not be read (EMF/WMF, or damaged)",
                "pictures that could not be read (EMF/WMF, or damaged)",
            ),
            (
                self.large_images,
                "张过大的图片",
                "picture too large",
                "pictures too large",
            ),
            (
                self.extra_images,
                "张超出数量上限的图片",
                "picture over the limit",
                "pictures over the limit",
            ),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.counts().iter().all(|c| c.0 == 0)
    }

    /// "2 个文本框、1 个公式未导入", or `None` when nothing was left out.
    pub fn zh(&self) -> Option<String> {
        let parts: Vec<String> = self
            .counts()
            .iter()
            .filter(|c| c.0 > 0)
            .map(|(n, zh, _, _)| format!("{n} {zh}"))
            .collect();
        (!parts.is_empty()).then(|| format!("{}未导入", parts.join("、")))
    }

    /// "Not imported: 2 text boxes, 1 equation", or `None`.
    pub fn en(&self) -> Option<String> {
        let parts: Vec<String> = self
            .counts()
            .iter()
            .filter(|c| c.0 > 0)
            .map(|&(n, _, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
            .collect();
        (!parts.is_empty()).then(|| format!("Not imported: {}", parts.join(", ")))
    }
}
