//! Where catalogue records come from: a CSV file (UTF-8 or GB18030), an Excel workbook, or an
//! ISO 2709 MARC file (CNMARC or MARC 21). The format is told by the file's first bytes, not
//! its name, so an upload saved under any name reads the same. Each source gives records as
//! [`Values`] by [`Column`], each with the place a person finds it at: the line (CSV), the
//! sheet row (Excel) or the record's number (MARC).

use std::io::Read;
use std::path::Path;

use encoding_rs::{Encoding, GB18030, UTF_8};
use protocol::ErrorCode;

use super::excel::ExcelSource;
use super::fields::{Column, Header, Values, header};
use super::marc::MarcSource;
use super::open;
use crate::error::{AppError, AppResult};

/// A catalogue file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv(&'static Encoding),
    /// An Office Open XML workbook (`.xlsx`), or an older Excel/OpenDocument one calamine reads.
    Workbook,
    /// ISO 2709 records: CNMARC (UNIMARC's fields) or MARC 21, told apart per record.
    Marc,
}

impl Default for Format {
    fn default() -> Format {
        Format::Csv(UTF_8)
    }
}

impl Format {
    /// The format of the file at `path`: a ZIP (xlsx, ods) or OLE (xls) container is a workbook,
    /// a record leader (five digits, then the leader's fixed "22" and entry map) is MARC, anything
    /// else is CSV in `encoding` or, when not given, UTF-8 if the start is valid UTF-8 else GB18030.
    pub fn detect(path: &Path, encoding: Option<&'static Encoding>) -> AppResult<Format> {
        let mut sample = Vec::with_capacity(64 * 1024);
        open(path)?.take(64 * 1024).read_to_end(&mut sample)?;
        if sample.starts_with(b"PK\x03\x04") || sample.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Ok(Format::Workbook);
        }
        if super::marc::looks_like_marc(&sample) {
            return Ok(Format::Marc);
        }
        if let Some(e) = encoding {
            return Ok(Format::Csv(e));
        }
        Ok(Format::Csv(match std::str::from_utf8(&sample) {
            Ok(_) => UTF_8,
            Err(e) if e.error_len().is_none() => UTF_8,
            Err(_) => GB18030,
        }))
    }

    /// What the report says the file was.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Csv(e) if e == GB18030 => "CSV (GB18030)",
            Format::Csv(_) => "CSV (UTF-8)",
            Format::Workbook => "Excel",
            Format::Marc => "ISO 2709 (CNMARC / MARC 21)",
        }
    }

    /// How a record's place is said: "第 3 行" or "第 3 条记录".
    pub fn place(self, at: u64) -> String {
        match self {
            Format::Marc => format!("第 {at} 条记录"),
            _ => format!("第 {at} 行"),
        }
    }
}

/// An open catalogue file, read record by record.
pub enum Source {
    Csv(Box<CsvSource>),
    Workbook(ExcelSource),
    Marc(MarcSource),
}

impl Source {
    pub fn open(path: &Path, format: Format, sheet: Option<&str>) -> AppResult<Source> {
        Ok(match format {
            Format::Csv(encoding) => Source::Csv(Box::new(CsvSource::open(path, encoding)?)),
            Format::Workbook => Source::Workbook(ExcelSource::open(path, sheet)?),
            Format::Marc => Source::Marc(MarcSource::open(path)?),
        })
    }

    /// The header's columns nobody knows, named once: (the header's place, the warning).
    pub fn header_warning(&self) -> Option<(u64, String)> {
        match self {
            Source::Csv(s) => s.table.warning(s.header_line),
            Source::Workbook(s) => s.table.warning(s.header_row),
            Source::Marc(_) => None,
        }
    }

    /// The next record: its place and either its values or what is wrong with it.
    pub fn next_record(&mut self) -> Option<(u64, Result<Values, String>)> {
        match self {
            Source::Csv(s) => s.next_record(),
            Source::Workbook(s) => s.next_record(),
            Source::Marc(s) => s.next_record(),
        }
    }
}

/// The most unknown columns a warning names, and how much of each name it shows.
const MAX_NAMED: usize = 20;
const MAX_NAME_CHARS: usize = 40;

/// The columns of a table (CSV or a sheet), as its header row names them.
pub struct Table {
    columns: Vec<Header>,
    unknown: Vec<String>,
}

impl Table {
    /// Reads the header row; refuses a table without a title column.
    pub fn new<'a>(names: impl Iterator<Item = &'a str>, place: &str) -> AppResult<Table> {
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        for name in names {
            let h = header(name);
            if h == Header::Unknown && !name.trim().is_empty() && unknown.len() < MAX_NAMED {
                // A header is short; a file that is not a table at all must not fill the report.
                let mut shown: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
                if name.trim().chars().count() > MAX_NAME_CHARS {
                    shown.push('…');
                }
                unknown.push(shown);
            }
            columns.push(h);
        }
        if !columns.contains(&Header::Column(Column::Title)) {
            return Err(AppError::bad_request(
                ErrorCode::InvalidCsv,
                format!("{place}（表头）缺少 title（书名 / 题名）列"),
            ));
        }
        Ok(Table { columns, unknown })
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    fn warning(&self, at: u64) -> Option<(u64, String)> {
        (!self.unknown.is_empty()).then(|| {
            (
                at,
                format!(
                    "表头有不认识的列，已忽略：{}（可用的列见 docs/publishing.md）",
                    self.unknown.join("、")
                ),
            )
        })
    }

    /// One row's cells as values; the first value a column gets wins over later duplicates.
    pub fn values<S: AsRef<str>>(&self, cells: impl Iterator<Item = S>) -> Values {
        let mut values: Values = Default::default();
        for (h, cell) in self.columns.iter().zip(cells) {
            if let Header::Column(c) = h {
                let slot = &mut values[*c as usize];
                if slot.is_empty() {
                    cell.as_ref().trim().clone_into(slot);
                }
            }
        }
        values
    }
}

pub struct CsvSource {
    csv: csv::Reader<encoding_rs_io::DecodeReaderBytes<std::fs::File, Vec<u8>>>,
    table: Table,
    header_line: u64,
    record: csv::StringRecord,
}

impl CsvSource {
    pub fn open(path: &Path, encoding: &'static Encoding) -> AppResult<CsvSource> {
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(open(path)?);
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(decoded);
        let headers = csv.headers().map_err(|e| {
            AppError::bad_request(
                ErrorCode::InvalidCsv,
                format!("第 1 行（表头）无法读取：{e}"),
            )
        })?;
        let table = Table::new(headers.iter(), "第 1 行")?;
        Ok(CsvSource {
            csv,
            table,
            header_line: 1,
            record: csv::StringRecord::new(),
        })
    }

    fn next_record(&mut self) -> Option<(u64, Result<Values, String>)> {
        match self.csv.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                if self.record.len() != self.table.width() {
                    return Some((
                        line,
                        Err(format!(
                            "有 {} 列，表头有 {} 列",
                            self.record.len(),
                            self.table.width()
                        )),
                    ));
                }
                Some((line, Ok(self.table.values(self.record.iter()))))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Some((line, Err(format!("无法读取：{e}"))))
            }
        }
    }
}
