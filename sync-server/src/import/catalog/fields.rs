//! What a catalogue's columns mean, whichever source they come from: the header names library
//! systems write (English or Chinese), publication dates in the forms libraries use, statements
//! of responsibility reduced to the author shown on the kiosk, and the Chinese Library
//! Classification's classes turned into categories.

use std::collections::HashMap;
use std::path::Path;

use protocol::ErrorCode;

use crate::error::{AppError, AppResult};

pub const COLUMNS: usize = 14;

/// The values of one record, by [`Column`].
pub type Values = [String; COLUMNS];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Title,
    Author,
    Publisher,
    Year,
    Isbn,
    Kind,
    Category,
    Description,
    Location,
    ReadOnline,
    CoverFile,
    ExternalId,
    CallNumber,
    /// A Chinese Library Classification class number (中图分类号), e.g. "I247.5".
    Clc,
}

/// What a header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    Column(Column),
    /// A column library systems export that the kiosk has no use for (price, pages …).
    Ignored,
    Unknown,
}

/// The header `name` as a column: English names, and the aliases Chinese library systems and
/// suppliers write. Letters are compared without case, and spaces around are dropped.
pub fn header(name: &str) -> Header {
    let name = name.trim().trim_start_matches('\u{feff}').trim();
    let column = match name.to_ascii_lowercase().as_str() {
        "title" | "书名" | "题名" | "正题名" => Column::Title,
        "author" | "作者" | "责任者" | "著者" | "责任说明" => Column::Author,
        "publisher" | "出版社" | "出版者" | "出版单位" | "出版发行者" => {
            Column::Publisher
        }
        "year" | "出版年" | "出版年份" | "出版日期" | "出版年月" | "出版时间" => {
            Column::Year
        }
        "isbn" | "isbn号" | "标准编号" => Column::Isbn,
        "kind" | "类型" | "文献类型" => Column::Kind,
        "category" | "分类" | "类别" => Column::Category,
        "description" | "简介" | "内容简介" | "摘要" | "提要" => Column::Description,
        "location" | "馆藏位置" | "位置" | "馆藏地" | "馆藏地点" => Column::Location,
        "read_online_url" | "在线阅读" => Column::ReadOnline,
        "cover_file" | "封面" | "封面文件" => Column::CoverFile,
        "external_id" | "编号" | "条码" | "条码号" | "记录号" | "控制号" => {
            Column::ExternalId
        }
        "call_number" | "索书号" | "索取号" => Column::CallNumber,
        "clc" | "分类号" | "中图分类号" | "中图法分类号" => Column::Clc,
        "price" | "价格" | "定价" | "单价" | "pages" | "页数" | "页码" | "载体形态" | "开本"
        | "尺寸" | "装帧" | "edition" | "版次" | "版本" | "series" | "丛书" | "丛书名"
        | "language" | "语种" | "notes" | "附注" | "备注" | "subject" | "主题词" | "主题"
        | "copies" | "册数" | "复本数" | "入藏日期" | "登录号" | "出版地" | "序号" =>
        {
            return Header::Ignored;
        }
        _ => return Header::Unknown,
    };
    Header::Column(column)
}

/// The year of a publication date as libraries write it: `2017`, `2017.6`, `2012-08`,
/// `2008年1月`, MARC's `c2015.` or `[2010]`. The first run of four digits is the year.
pub fn year(raw: &str) -> Result<i32, String> {
    let digits: Vec<(usize, char)> = raw.char_indices().collect();
    let mut run = 0;
    for (i, (_, c)) in digits.iter().enumerate() {
        if c.is_ascii_digit() {
            run += 1;
            let next_is_digit = digits.get(i + 1).is_some_and(|(_, c)| c.is_ascii_digit());
            if run == 4 && !next_is_digit {
                let start = digits[i + 1 - 4].0;
                let end = digits[i].0 + 1;
                return raw[start..end]
                    .parse()
                    .map_err(|_| format!("出版日期 '{raw}' 看不出年份"));
            }
        } else {
            run = 0;
        }
    }
    Err(format!(
        "出版日期 '{raw}' 看不出年份（应如 2017、2017.6、2008年1月）"
    ))
}

/// The words a statement of responsibility puts after a name to say what the person did.
const ROLES: &[&str] = &[
    "等编著",
    "等主编",
    "等著",
    "等编",
    "等译",
    "编著",
    "主编",
    "编写",
    "编译",
    "编选",
    "选编",
    "原著",
    "撰文",
    "口述",
    "整理",
    "校注",
    "译注",
    "绘著",
    "著",
    "编",
    "译",
    "撰",
    "等",
];

/// The author shown on the kiosk from a statement of responsibility: its first part, without
/// the bracketed nationality or dynasty in front or the role after the names.
/// "(以)尤瓦尔·赫拉利著；林俊宏译" → "尤瓦尔·赫拉利"; "张三，李四主编" → "张三，李四";
/// a plain name is itself.
pub fn display_author(statement: &str) -> String {
    let first = statement
        .split(['；', ';', '/'])
        .map(str::trim)
        .find(|part| !part.is_empty())
        .unwrap_or("");
    let mut name = first;
    loop {
        let trimmed = name.trim_start();
        let closing = match trimmed.chars().next() {
            Some('(') => ')',
            Some('（') => '）',
            Some('[') => ']',
            Some('〔') => '〕',
            Some('【') => '】',
            _ => break,
        };
        match trimmed.find(closing) {
            Some(end) => name = &trimmed[end + closing.len_utf8()..],
            None => break,
        }
    }
    let mut name = name.trim();
    if let Some(role) = ROLES.iter().find(|role| {
        name.len() > role.len()
            && name.ends_with(*role)
            && name.is_char_boundary(name.len() - role.len())
    }) {
        name = name[..name.len() - role.len()].trim_end();
    }
    let name = name.trim_end_matches([',', '，', '、', ' ']);
    if name.is_empty() {
        statement.trim().to_owned()
    } else {
        name.to_owned()
    }
}

/// Chinese Library Classification classes → the category the kiosk shows, by longest prefix.
#[derive(Debug, Clone)]
pub struct ClcTable {
    classes: HashMap<String, String>,
    longest: usize,
}

/// The table shipped with the server: the 22 top classes and the industrial-technology
/// subclasses a workers' library holds most of.
const DEFAULT_TABLE: &str = include_str!("clc.tsv");

impl Default for ClcTable {
    fn default() -> ClcTable {
        let mut table = ClcTable {
            classes: HashMap::new(),
            longest: 0,
        };
        table
            .add_lines(DEFAULT_TABLE, "clc.tsv")
            .expect("the shipped CLC table is well formed");
        table
    }
}

impl ClcTable {
    /// The shipped table with the classes in `path` added or replacing its own: lines of
    /// `CLASS<TAB>category` (or a comma), `#` comments and blank lines ignored.
    pub fn with_overrides(path: &Path) -> AppResult<ClcTable> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::bad_request(
                ErrorCode::UnreadableFile,
                format!("无法读取分类表 {}：{e}", path.display()),
            )
        })?;
        let mut table = ClcTable::default();
        table
            .add_lines(&text, &path.display().to_string())
            .map_err(|m| AppError::bad_request(ErrorCode::InvalidCsv, m))?;
        Ok(table)
    }

    fn add_lines(&mut self, text: &str, name: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (class, category) = line
                .split_once(['\t', ',', '，'])
                .map(|(c, k)| (c.trim().to_ascii_uppercase(), k.trim()))
                .filter(|(c, k)| !c.is_empty() && !k.is_empty())
                .ok_or_else(|| {
                    format!("分类表 {name} 第 {} 行应为“分类号<Tab>类别”：{line}", n + 1)
                })?;
            if category.chars().count() > 50 {
                return Err(format!("分类表 {name} 第 {} 行的类别超过 50 个字", n + 1));
            }
            self.longest = self.longest.max(class.len());
            self.classes.insert(class, category.to_owned());
        }
        Ok(())
    }

    /// The category for class number `class` ("TP311.5" → the entry for "TP", else "T").
    pub fn category(&self, class: &str) -> Option<&str> {
        let class = class.trim().to_ascii_uppercase();
        let letters: String = class
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        (1..=letters.len().min(self.longest))
            .rev()
            .filter(|n| letters.is_char_boundary(*n))
            .find_map(|n| self.classes.get(&letters[..n]))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_the_forms_libraries_write_them() {
        for (raw, want) in [
            ("2017", 2017),
            ("2017.6", 2017),
            ("2012-08", 2012),
            ("2008年1月", 2008),
            ("c2015.", 2015),
            ("[2010]", 2010),
            ("2019.10印刷", 2019),
        ] {
            assert_eq!(year(raw), Ok(want), "{raw}");
        }
        for raw in ["", "二〇一七年", "17.6", "20170"] {
            assert!(year(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn statements_of_responsibility_become_the_author_shown() {
        for (statement, want) in [
            ("(以)尤瓦尔·赫拉利著；林俊宏译", "尤瓦尔·赫拉利"),
            ("（美）德鲁克著", "德鲁克"),
            ("[清]曹雪芹著 ; 无名氏续", "曹雪芹"),
            ("张三，李四主编", "张三，李四"),
            ("余华", "余华"),
            ("中华全国总工会编", "中华全国总工会"),
            ("Harari, Yuval Noah", "Harari, Yuval Noah"),
            ("著", "著"),
        ] {
            assert_eq!(display_author(statement), want, "{statement}");
        }
    }

    #[test]
    fn class_numbers_find_the_longest_class() {
        let table = ClcTable::default();
        assert_eq!(table.category("I247.5"), Some("文学"));
        assert_eq!(table.category("TP311.5"), Some("计算机"));
        assert_eq!(table.category("TU984"), Some("建筑"));
        assert_eq!(table.category("T-65"), Some("工业技术"));
        assert_eq!(table.category("k825.4"), Some("历史地理"));
        assert_eq!(table.category("W123"), None);
        assert_eq!(table.category(""), None);
    }

    #[test]
    fn an_override_table_replaces_and_adds_classes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("clc.tsv");
        std::fs::write(&path, "# ours\nI247\t小说\nD92,法律\n").expect("write");
        let table = ClcTable::with_overrides(&path).expect("read");
        assert_eq!(table.category("I247.5"), Some("小说"));
        assert_eq!(table.category("I207"), Some("文学"));
        assert_eq!(table.category("D922.5"), Some("法律"));
        std::fs::write(&path, "I247 小说\n").expect("write");
        let refused = ClcTable::with_overrides(&path).expect_err("no separator");
        assert!(refused.message.contains("第 1 行"), "{}", refused.message);
    }

    #[test]
    fn library_system_headers_are_understood_or_knowingly_ignored() {
        for (name, want) in [
            ("题名", Header::Column(Column::Title)),
            ("出版日期", Header::Column(Column::Year)),
            ("索书号", Header::Column(Column::CallNumber)),
            (" 中图分类号 ", Header::Column(Column::Clc)),
            ("\u{feff}ISBN", Header::Column(Column::Isbn)),
            ("价格", Header::Ignored),
            ("页数", Header::Ignored),
            ("读者评分", Header::Unknown),
        ] {
            assert_eq!(header(name), want, "{name}");
        }
    }
}
