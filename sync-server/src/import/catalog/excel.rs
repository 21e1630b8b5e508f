//! Catalogues sent as Excel workbooks (`.xlsx`, and `.xls`/`.ods` as far as calamine reads
//! them): the first sheet, or the one named, with its first non-empty row as the header.

use std::io::Read;
use std::path::Path;

use calamine::{Data, Range, Reader, open_workbook_auto};
use protocol::ErrorCode;

use super::fields::Values;
use super::source::Table;
use crate::error::{AppError, AppResult};

/// The most a workbook may unpack to. A supplier's 100,000-row list is a few tens of MiB of
/// XML; a crafted file that claims more is refused before anything is unpacked.
const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;

pub struct ExcelSource {
    range: Range<Data>,
    /// The sheet row number of the range's first row, less one.
    first_row: u64,
    pub(super) table: Table,
    pub(super) header_row: u64,
    /// Index into the range of the next row to read.
    next: usize,
}

fn unreadable(path: &Path, why: impl std::fmt::Display) -> AppError {
    AppError::bad_request(
        ErrorCode::UnreadableFile,
        format!("无法读取 Excel 文件 {}：{why}", path.display()),
    )
}

/// Refuses an xlsx/ods whose entries claim to unpack to more than [`MAX_UNPACKED_BYTES`].
fn check_unpacked_size(path: &Path) -> AppResult<()> {
    let mut magic = [0u8; 4];
    super::open(path)?.read_exact(&mut magic).ok();
    if &magic != b"PK\x03\x04" {
        return Ok(());
    }
    let mut archive = zip::ZipArchive::new(super::open(path)?).map_err(|e| unreadable(path, e))?;
    let mut claimed = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| unreadable(path, e))?;
        claimed = claimed.saturating_add(entry.size());
    }
    if claimed > MAX_UNPACKED_BYTES {
        return Err(AppError::bad_request(
            ErrorCode::UnreadableFile,
            format!(
                "Excel 文件 {} 解压后超过 {} MiB，太大；请分成几个文件，或导出为 CSV",
                path.display(),
                MAX_UNPACKED_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

impl ExcelSource {
    pub fn open(path: &Path, sheet: Option<&str>) -> AppResult<ExcelSource> {
        check_unpacked_size(path)?;
        let mut book = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
        let names = book.sheet_names();
        let name = match sheet {
            Some(wanted) => names
                .iter()
                .find(|n| n.as_str() == wanted)
                .cloned()
                .ok_or_else(|| {
                    AppError::bad_request(
                        ErrorCode::InvalidCsv,
                        format!(
                            "工作簿里没有名为“{wanted}”的工作表；有：{}",
                            names.join("、")
                        ),
                    )
                })?,
            None => names.first().cloned().ok_or_else(|| {
                AppError::bad_request(ErrorCode::InvalidCsv, "工作簿里没有工作表")
            })?,
        };
        let range = book
            .worksheet_range(&name)
            .map_err(|e| unreadable(path, e))?;
        let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
        let mut rows = range.rows().enumerate();
        let (header_index, header) = rows
            .find(|(_, cells)| cells.iter().any(|c| !cell_text(c).trim().is_empty()))
            .ok_or_else(|| {
                AppError::bad_request(
                    ErrorCode::InvalidCsv,
                    format!("工作表“{name}”是空的：第一行应是表头（题名、责任者、ISBN ……）"),
                )
            })?;
        let header_row = first_row + header_index as u64 + 1;
        let names: Vec<String> = header.iter().map(cell_text).collect();
        let table = Table::new(
            names.iter().map(String::as_str),
            &format!("工作表“{name}”第 {header_row} 行"),
        )?;
        Ok(ExcelSource {
            range,
            first_row,
            table,
            header_row,
            next: header_index + 1,
        })
    }

    /// The cells of the range's row `index` (`Rows::nth` walks from the first row each time,
    /// which made a 100,000-row sheet quadratic).
    fn row(&self, index: usize) -> Option<Vec<&Data>> {
        (index < self.range.height()).then(|| {
            (0..self.range.width())
                .map(|col| self.range.get((index, col)).unwrap_or(&Data::Empty))
                .collect()
        })
    }

    pub(super) fn next_record(&mut self) -> Option<(u64, Result<Values, String>)> {
        loop {
            let index = self.next;
            self.next += 1;
            let row = self.first_row + index as u64 + 1;
            let cells = self.row(index)?;
            if cells.iter().all(|c| matches!(c, Data::Empty)) {
                continue;
            }
            if let Some((i, e)) = cells.iter().enumerate().find_map(|(i, c)| match c {
                Data::Error(e) => Some((i, e)),
                _ => None,
            }) {
                return Some((
                    row,
                    Err(format!("第 {} 列的单元格是错误值 {e}", column_name(i))),
                ));
            }
            return Some((
                row,
                Ok(self.table.values(cells.iter().map(|c| cell_text(c)))),
            ));
        }
    }
}

/// A cell as the text a CSV export would have: whole numbers without ".0" (an ISBN typed as a
/// number stays its 13 digits), dates as year-month-day.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
    }
}

/// Excel's letter name of the 0-based column `i` (0 → A, 26 → AA).
fn column_name(mut i: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_as_excel_shows_them() {
        for (i, want) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_name(i), want);
        }
    }

    #[test]
    fn numbers_read_as_a_csv_export_would_write_them() {
        assert_eq!(cell_text(&Data::Float(9787508647357.0)), "9787508647357");
        assert_eq!(cell_text(&Data::Float(2017.6)), "2017.6");
        assert_eq!(cell_text(&Data::Int(2008)), "2008");
    }
}
