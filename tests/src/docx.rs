//! Word documents (`.docx`) written in the test, as Word lays them out (a Chinese Word's style
//! ids "1"/"2" named "heading 1"/"heading 2", list numbering, relationships, media), so no
//! binary fixture is committed; and hostile ones (a zip bomb, a zip of too many entries, an
//! old `.doc`, a renamed workbook).

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// Paragraph styles as a Chinese Word writes them: ids are numbers, names are English.
fn styles() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/><w:basedOn w:val="a"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="a5"><w:name w:val="List Paragraph"/><w:basedOn w:val="a"/></w:style>
</w:styles>"#
    )
}

/// numId 1: bullets; numId 2: 1. 2. 3.
fn numbering() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W}">
<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl><w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"#
    )
}

/// A paragraph of plain runs.
pub fn para(text: &str) -> String {
    format!(
        "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        esc(text)
    )
}

/// A paragraph in a style (by id).
pub fn styled(style: &str, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>",
        esc(text)
    )
}

/// A list item: `num` 1 for bullets, 2 for numbers.
pub fn item(num: u32, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"a5\"/><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"{num}\"/></w:numPr></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>",
        esc(text)
    )
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A whole document around `body` (paragraphs and tables), with `media` as
/// `word/media/<name>` behind relationships `rId10`, `rId11`, … in order, and a link `rId5`.
pub fn document(body: &str, media: &[(&str, &[u8])]) -> Vec<u8> {
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://www.acftu.org/notice?id=1" TargetMode="External"/>"#,
    );
    for (i, (name, _)) in media.iter().enumerate() {
        rels.push_str(&format!(
            r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/{name}"/>"#,
            10 + i
        ));
    }
    rels.push_str("</Relationships>");
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
    );
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), CONTENT_TYPES.into()),
        ("_rels/.rels".into(), ROOT_RELS.into()),
        ("word/document.xml".into(), doc.into_bytes()),
        ("word/_rels/document.xml.rels".into(), rels.into_bytes()),
        ("word/styles.xml".into(), styles().into_bytes()),
        ("word/numbering.xml".into(), numbering().into_bytes()),
    ];
    for (name, bytes) in media {
        parts.push((format!("word/media/{name}"), bytes.to_vec()));
    }
    zip_of(&parts)
}

/// An inline picture (`rId10` is the first of `document`'s media).
pub fn picture(rel: &str) -> String {
    format!(
        r#"<w:p><w:r><w:drawing><wp:inline><wp:extent cx="3000000" cy="2000000"/><wp:docPr id="1" name="图片 1"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:blipFill><a:blip r:embed="{rel}"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
    )
}

/// A text box as Word 2010+ writes it: the shape, and a VML fallback of the same box.
pub fn text_box(text: &str) -> String {
    let content = format!(
        "<w:txbxContent><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:txbxContent>",
        esc(text)
    );
    format!(
        r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"#
    )
}

/// An equation (Office Math) in a paragraph of its own.
pub fn equation() -> String {
    "<w:p><m:oMathPara><m:oMath><m:r><m:t>x=1</m:t></m:r></m:oMath></m:oMathPara></w:p>".into()
}

/// A table of `rows` (each a list of cells).
pub fn table(rows: &[&[&str]]) -> String {
    let mut out = String::from("<w:tbl><w:tblPr/>");
    for row in rows {
        out.push_str("<w:tr>");
        for cell in *row {
            out.push_str(&format!("<w:tc>{}</w:tc>", para(cell)));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out
}

/// The notice the tests import: a title, headings, bold, a link, lists, a table, a picture
/// (`png`), two text boxes and an equation (which are dropped and reported), and text that
/// looks like Markdown.
pub fn notice(png: &[u8]) -> Vec<u8> {
    let body = [
        styled("a3", "关于举办2026年职工冬季运动会的通知"),
        styled("1", "一、比赛项目"),
        "<w:p><w:r><w:t xml:space=\"preserve\">请各单位于</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>“12月5日前”</w:t></w:r><w:r><w:t>报名，详见</w:t></w:r><w:hyperlink r:id=\"rId5\"><w:r><w:t>全总通知</w:t></w:r></w:hyperlink><w:r><w:t>。</w:t></w:r></w:p>"
            .to_owned(),
        item(1, "拔河"),
        item(1, "跳绳"),
        styled("2", "二、报名方式"),
        item(2, "填写报名表"),
        item(2, "交所在单位工会"),
        table(&[&["项目", "人数", "地点"], &["拔河", "12", "体育馆"]]),
        picture("rId10"),
        text_box("文本框里的话"),
        text_box("另一个文本框"),
        equation(),
        para("*这不是强调* #也不是标题"),
    ]
    .concat();
    document(&body, &[("image1.png", png)])
}

/// A document whose main part unpacks to `mib` MiB of spaces: a few KiB as a zip.
pub fn bomb(mib: usize) -> Vec<u8> {
    let mut doc = format!("<w:document xmlns:w=\"{W}\"><w:body>").into_bytes();
    doc.resize(doc.len() + mib * 1024 * 1024, b' ');
    doc.extend_from_slice(b"</w:body></w:document>");
    zip_of(&[
        ("[Content_Types].xml".into(), CONTENT_TYPES.into()),
        ("word/document.xml".into(), doc),
    ])
}

/// A small document padded with `n` empty entries.
pub fn many_entries(n: usize) -> Vec<u8> {
    let mut parts: Vec<(String, Vec<u8>)> = vec![(
        "word/document.xml".into(),
        format!(
            "<w:document xmlns:w=\"{W}\"><w:body>{}</w:body></w:document>",
            para("正文")
        )
        .into_bytes(),
    )];
    parts.extend((0..n).map(|i| (format!("pad/{i}.xml"), Vec::new())));
    zip_of(&parts)
}

/// A workbook (a zip without a Word document) renamed to `.docx`.
pub fn renamed_workbook() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml".into(), CONTENT_TYPES.into()),
        ("xl/workbook.xml".into(), b"<workbook/>".to_vec()),
    ])
}

/// The first bytes of a Word 97-2003 `.doc` (an OLE2 compound file).
pub fn old_doc() -> Vec<u8> {
    let mut out = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    out.resize(4096, 0);
    out
}

fn zip_of(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finishes").into_inner()
}
