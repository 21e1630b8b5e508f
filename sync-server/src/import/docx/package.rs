//! The `.docx` package: a zip read with hostile files in mind. The file is told by its first
//! bytes (a `.doc` or a renamed file is refused with a sentence saying so), the archive's entry
//! count and claimed unpacked size are capped before anything is unpacked, and every part is
//! read through a cap of its own, whatever its header claims. The XML parts are read with
//! `quick-xml`, which expands no entity a document declares.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use super::Refusal;

/// Most entries an archive may hold: a long notice with many pictures has a few hundred.
pub const MAX_ENTRIES: usize = 2_000;
/// Most the entries may claim to unpack to, all together.
pub const MAX_CLAIMED_BYTES: u64 = 512 * 1024 * 1024;
/// Most the main document part may unpack to (a 300-page report is a few MiB of XML).
pub const MAX_DOCUMENT_BYTES: u64 = 32 * 1024 * 1024;
/// Most any other XML part read (styles, numbering, relationships, properties) may unpack to.
pub const MAX_PART_BYTES: u64 = 8 * 1024 * 1024;

/// An opened package: the archive and the parts found in it by name.
pub struct Package {
    archive: zip::ZipArchive<Cursor<Vec<u8>>>,
}

impl Package {
    /// Opens `bytes` as a Word document, or says what the file is instead.
    pub fn open(bytes: Vec<u8>) -> Result<Package, Refusal> {
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            // OLE2: a Word 97-2003 .doc, or a password-protected .docx (also OLE2 outside).
            return Err(Refusal::OldWord);
        }
        if !bytes.starts_with(b"PK\x03\x04") {
            return Err(Refusal::NotWord);
        }
        // Every entry has a central directory header beginning with this signature: counting
        // them bounds the entries before the zip reader makes a record of each (a crafted
        // directory of a million tiny entries would otherwise cost hundreds of MiB).
        let headers = bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count();
        if headers > MAX_ENTRIES {
            return Err(Refusal::TooLarge);
        }
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::Broken)?;
        if archive.len() > MAX_ENTRIES {
            return Err(Refusal::TooLarge);
        }
        let mut package = Package { archive };
        let mut claimed = 0u64;
        for i in 0..package.archive.len() {
            let entry = package
                .archive
                .by_index_raw(i)
                .map_err(|_| Refusal::Broken)?;
            claimed = claimed.saturating_add(entry.size());
        }
        if claimed > MAX_CLAIMED_BYTES {
            return Err(Refusal::TooLarge);
        }
        if package
            .archive
            .index_for_name("word/document.xml")
            .is_none()
        {
            return Err(Refusal::NotWord);
        }
        Ok(package)
    }

    /// A part's bytes, at most `cap` of them; `None` when the package has no such part.
    pub fn read(&mut self, name: &str, cap: u64) -> Result<Option<Vec<u8>>, Refusal> {
        let Some(index) = self.archive.index_for_name(name) else {
            return Ok(None);
        };
        let entry = self.archive.by_index(index).map_err(|_| Refusal::Broken)?;
        let mut out = Vec::new();
        entry
            .take(cap + 1)
            .read_to_end(&mut out)
            .map_err(|_| Refusal::Broken)?;
        if out.len() as u64 > cap {
            return Err(Refusal::TooLarge);
        }
        Ok(Some(out))
    }

    /// An XML part as text (UTF-8, as Word writes it), or `None` when absent.
    pub fn xml(&mut self, name: &str, cap: u64) -> Result<Option<String>, Refusal> {
        match self.read(name, cap)? {
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| Refusal::Broken),
            None => Ok(None),
        }
    }
}

/// A relationship of the main document: what an `r:id` / `r:embed` names.
#[derive(Debug, Clone)]
pub struct Relationship {
    pub target: String,
    pub external: bool,
}

/// `word/_rels/document.xml.rels`, by id. A target inside the package is made a part name
/// relative to the archive's root (`media/image1.png` → `word/media/image1.png`).
pub fn relationships(xml: &str) -> Result<HashMap<String, Relationship>, Refusal> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(|_| Refusal::Broken)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) else {
                    continue;
                };
                let external = attr(&e, "TargetMode").is_some_and(|m| m == "External");
                let target = if external {
                    target
                } else {
                    part_name("word", &target)
                };
                out.insert(id, Relationship { target, external });
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// A relationship target resolved against the folder of the part that names it; `..` climbs,
/// a leading `/` starts from the root. Only ever used to look a name up in the archive.
fn part_name(base: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The value of the attribute whose local name (the part after any prefix) is `name`.
pub fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// The document's title from `docProps/core.xml` (`dc:title`), when it has one.
pub fn core_title(xml: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut title = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "title" => inside = true,
            Event::End(e) if e.local_name().as_ref() == "title" => break,
            Event::Text(t) if inside => title.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if inside => title.push_str(&super::body::reference(&r)),
            Event::Eof => break,
            _ => {}
        }
    }
    let title = title.trim();
    (!title.is_empty()).then(|| title.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_inside_the_package() {
        assert_eq!(
            part_name("word", "media/image1.png"),
            "word/media/image1.png"
        );
        assert_eq!(
            part_name("word", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(part_name("word", "/word/media/a.jpeg"), "word/media/a.jpeg");
        assert_eq!(part_name("word", "../../../etc/passwd"), "etc/passwd");
    }

    #[test]
    fn other_files_are_told_apart() {
        assert!(matches!(
            Package::open(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest".to_vec()),
            Err(Refusal::OldWord)
        ));
        assert!(matches!(
            Package::open(b"%PDF-1.7".to_vec()),
            Err(Refusal::NotWord)
        ));
        assert!(matches!(
            Package::open(b"PK\x03\x04 cut short".to_vec()),
            Err(Refusal::Broken)
        ));
    }
}
