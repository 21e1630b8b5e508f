//! `import-catalog FILE.csv --org ORG`: a library catalogue from CSV, streamed (a 100,000-row
//! file is never held in memory), in UTF-8 or GBK/GB18030 as Chinese library systems export.
//!
//! Columns, by header name (English or the Chinese alias), in any order:
//!
//! | column | alias | required | notes |
//! | --- | --- | --- | --- |
//! | `title` | 书名 / 题名 | yes | |
//! | `author` | 作者 / 责任者 | | |
//! | `publisher` | 出版社 / 出版者 | | |
//! | `year` | 出版年 / 出版年份 | | a number |
//! | `isbn` | ISBN | one of isbn, external_id | ISBN-10 or -13, checksum checked |
//! | `kind` | 类型 / 文献类型 | | book/图书 (default), periodical/期刊, newspaper/报纸 |
//! | `category` | 分类 / 类别 | | |
//! | `description` | 简介 / 内容简介 | | |
//! | `location` | 馆藏位置 / 位置 | | where it is in the reading room |
//! | `read_online_url` | 在线阅读 | | http(s) link |
//! | `cover_file` | 封面 / 封面文件 | | image file name inside `--covers DIR` |
//! | `external_id` | 编号 / 条码 | one of isbn, external_id | the library system's id |
//!
//! Rows are matched to earlier imports by ISBN, else by external id, within the org, so a
//! re-import updates rather than duplicates; unchanged rows change nothing.

use crate::content::{self, Schedule, Upserted};
use crate::error::{AppError, AppResult};
use crate::media;
use crate::orgs::Actor;
use crate::state::AppState;
use encoding_rs::{Encoding, GB18030, UTF_8};
use protocol::ErrorCode;
use protocol::content::{LibraryItem, LibraryKind};
use protocol::staff::ContentWrite;
use protocol::{ContentBody, ContentKind, MediaHash, OrgId};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use url::Url;

#[cfg(test)]
mod proptests;

#[derive(Debug, Clone)]
pub struct Options {
    pub org: OrgId,
    /// `None`: detect (UTF-8 when the start of the file is valid UTF-8, else GB18030).
    pub encoding: Option<&'static Encoding>,
    /// Import the valid rows even when some are invalid.
    pub skip_invalid: bool,
    /// Unpublish this org's catalogue items that the file does not list.
    pub replace: bool,
    /// Folder of cover images, named `<ISBN>.jpg|.jpeg|.png|.webp` or by the `cover_file` column.
    pub covers: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub encoding: &'static str,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub unpublished: u64,
    /// Invalid rows (the first 1,000; `invalid_rows` counts them all).
    pub errors: Vec<RowError>,
    pub invalid_rows: u64,
    /// Problems that did not stop a row (a cover that could not be read).
    pub warnings: Vec<RowError>,
    /// False when invalid rows stopped the whole import.
    pub imported: bool,
}

/// Told how far the import has got: rows done of rows in the file.
pub trait Progress: Send + Sync {
    fn start(&self, total_rows: u64);
    fn advance(&self, rows: u64);
    fn finish(&self);
}

/// No progress display (tests, the demo).
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

const MAX_REPORTED: usize = 1_000;
const BATCH: usize = 5_000;

const COLUMNS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
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
}

fn column(name: &str) -> Option<Column> {
    let name = name.trim().trim_start_matches('\u{feff}');
    Some(match name.to_ascii_lowercase().as_str() {
        "title" | "书名" | "题名" => Column::Title,
        "author" | "作者" | "责任者" => Column::Author,
        "publisher" | "出版社" | "出版者" => Column::Publisher,
        "year" | "出版年" | "出版年份" => Column::Year,
        "isbn" => Column::Isbn,
        "kind" | "类型" | "文献类型" => Column::Kind,
        "category" | "分类" | "类别" => Column::Category,
        "description" | "简介" | "内容简介" => Column::Description,
        "location" | "馆藏位置" | "位置" => Column::Location,
        "read_online_url" | "在线阅读" => Column::ReadOnline,
        "cover_file" | "封面" | "封面文件" => Column::CoverFile,
        "external_id" | "编号" | "条码" => Column::ExternalId,
        _ => return None,
    })
}

/// Picks the encoding: UTF-8 if the first 64 KiB are valid UTF-8 (a character cut at the end of
/// the sample is fine), otherwise GB18030, which reads GBK and GB2312 too.
pub fn detect(path: &Path) -> AppResult<&'static Encoding> {
    let mut sample = Vec::with_capacity(64 * 1024);
    open(path)?.take(64 * 1024).read_to_end(&mut sample)?;
    match std::str::from_utf8(&sample) {
        Ok(_) => Ok(UTF_8),
        Err(e) if e.error_len().is_none() => Ok(UTF_8),
        Err(_) => Ok(GB18030),
    }
}

fn open(path: &Path) -> AppResult<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        AppError::bad_request(
            ErrorCode::UnreadableFile,
            format!("无法打开 {}：{e}", path.display()),
        )
    })
}

/// A parsed, valid row.
struct Row {
    line: u64,
    key: String,
    item: LibraryItem,
    cover_file: Option<String>,
}

struct Reader {
    csv: csv::Reader<encoding_rs_io::DecodeReaderBytes<std::fs::File, Vec<u8>>>,
    columns: Vec<Option<Column>>,
}

impl Reader {
    fn open(path: &Path, encoding: &'static Encoding) -> AppResult<Reader> {
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(open(path)?);
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(decoded);
        let header_error = |e: csv::Error| {
            AppError::bad_request(
                ErrorCode::InvalidCsv,
                format!("第 1 行（表头）无法读取：{e}"),
            )
        };
        let headers = csv.headers().map_err(header_error)?.clone();
        let columns: Vec<Option<Column>> = headers.iter().map(column).collect();
        let unknown: Vec<&str> = headers
            .iter()
            .zip(&columns)
            .filter(|(_, c)| c.is_none())
            .map(|(h, _)| h)
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::bad_request(
                ErrorCode::InvalidCsv,
                format!("第 1 行（表头）有不认识的列：{}", unknown.join("、")),
            ));
        }
        if !columns.contains(&Some(Column::Title)) {
            return Err(AppError::bad_request(
                ErrorCode::InvalidCsv,
                "第 1 行（表头）缺少 title（书名）列",
            ));
        }
        Ok(Reader { csv, columns })
    }

    /// The next row: its line number and either the parsed row or what is wrong with it.
    fn next(&mut self, record: &mut csv::StringRecord) -> Option<(u64, Result<Row, String>)> {
        match self.csv.read_record(record) {
            Ok(false) => None,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                Some((line, parse_row(line, &self.columns, record)))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Some((line, Err(format!("无法读取：{e}"))))
            }
        }
    }
}

fn parse_row(
    line: u64,
    columns: &[Option<Column>],
    record: &csv::StringRecord,
) -> Result<Row, String> {
    if record.len() != columns.len() {
        return Err(format!(
            "有 {} 列，表头有 {} 列",
            record.len(),
            columns.len()
        ));
    }
    let mut get = [""; COLUMNS];
    for (c, v) in columns.iter().zip(record.iter()) {
        if let Some(c) = c {
            get[*c as usize] = v.trim();
        }
    }
    let text = |c: Column| get[c as usize].to_owned();
    let opt = |c: Column| Some(text(c)).filter(|s| !s.is_empty());
    let year = match opt(Column::Year) {
        None => None,
        Some(y) => Some(
            y.parse::<i32>()
                .map_err(|_| format!("出版年 '{y}' 不是数字"))?,
        ),
    };
    let isbn = match opt(Column::Isbn) {
        None => None,
        Some(raw) => Some(
            protocol::isbn::normalize(&raw)
                .ok_or_else(|| format!("ISBN '{raw}' 校验位不正确或位数不对"))?,
        ),
    };
    let item_kind = match text(Column::Kind).to_lowercase().as_str() {
        "" | "book" | "图书" | "书" => LibraryKind::Book,
        "periodical" | "期刊" | "杂志" => LibraryKind::Periodical,
        "newspaper" | "报纸" => LibraryKind::Newspaper,
        other => {
            return Err(format!(
                "类型 '{other}' 应为 book/图书、periodical/期刊 或 newspaper/报纸"
            ));
        }
    };
    let read_online = match opt(Column::ReadOnline) {
        None => None,
        Some(u) => Some(
            Url::parse(&u)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| format!("在线阅读链接 '{u}' 不是 http(s) 网址"))?,
        ),
    };
    let external_id = opt(Column::ExternalId);
    let key = match (&isbn, &external_id) {
        (Some(i), _) => format!("isbn:{i}"),
        (None, Some(e)) => format!("ext:{e}"),
        (None, None) => {
            return Err("没有 ISBN，也没有编号（external_id），再次导入时无法对应".to_owned());
        }
    };
    let item = LibraryItem {
        item_kind,
        title: text(Column::Title),
        author: text(Column::Author),
        publisher: text(Column::Publisher),
        year,
        isbn,
        external_id,
        category: text(Column::Category),
        cover: None,
        description: text(Column::Description),
        location: text(Column::Location),
        read_online,
    };
    ContentBody::LibraryItem(item.clone())
        .validate()
        .map_err(|problems| {
            problems
                .iter()
                .map(|p| format!("{}：{}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("；")
        })?;
    let cover_file = opt(Column::CoverFile);
    if let Some(name) = &cover_file
        && super::file_inside(Path::new(""), name).is_err()
    {
        return Err(format!("封面文件{}", super::outside(name)));
    }
    Ok(Row {
        line,
        key,
        item,
        cover_file,
    })
}

/// Validates every row; returns the keys of the valid ones and the invalid lines.
fn validate_all(
    path: &Path,
    encoding: &'static Encoding,
    report: &mut Report,
) -> AppResult<(HashSet<String>, HashSet<u64>)> {
    let mut reader = Reader::open(path, encoding)?;
    let mut record = csv::StringRecord::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut bad = HashSet::new();
    while let Some((line, parsed)) = reader.next(&mut record) {
        report.rows += 1;
        let outcome = parsed.and_then(|row| match first_line.get(&row.key) {
            Some(first) => Err(format!("与第 {first} 行是同一本（{}）", row.key)),
            None => {
                first_line.insert(row.key, line);
                Ok(())
            }
        });
        if let Err(message) = outcome {
            report.invalid_rows += 1;
            bad.insert(line);
            if report.errors.len() < MAX_REPORTED {
                report.errors.push(RowError { line, message });
            }
        }
    }
    Ok((first_line.into_keys().collect(), bad))
}

fn find_cover(dir: &Path, row: &Row) -> Option<Result<PathBuf, String>> {
    if let Some(name) = &row.cover_file {
        return Some(super::file_inside(dir, name));
    }
    let isbn = row.item.isbn.as_ref()?;
    ["jpg", "jpeg", "png", "webp"]
        .iter()
        .map(|ext| format!("{isbn}.{ext}"))
        .find(|name| dir.join(name).exists())
        .map(|name| super::file_inside(dir, &name))
}

async fn attach_cover(state: &AppState, dir: &Path, row: &mut Row, report: &mut Report) {
    let path = match find_cover(dir, row) {
        None => return,
        Some(Ok(path)) => path,
        Some(Err(why)) => {
            report.warnings.push(RowError {
                line: row.line,
                message: format!("封面未导入：封面文件{why}"),
            });
            return;
        }
    };
    let stored: AppResult<MediaHash> = async {
        let bytes = tokio::fs::read(&path).await?;
        let up = media::store_upload(state, bytes).await?;
        Ok(up.display.sha256)
    }
    .await;
    match stored {
        Ok(hash) => row.item.cover = Some(hash),
        Err(e) => {
            e.log_cause();
            report.warnings.push(RowError {
                line: row.line,
                message: format!("封面 {} 未导入：{}", path.display(), e.message),
            })
        }
    }
}

async fn write_batch(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    batch: Vec<Row>,
    report: &mut Report,
) -> AppResult<()> {
    let outcomes = content::commit(state, actor.clone(), Schedule::Kept, move |cx| {
        let mut outcomes = Vec::with_capacity(batch.len());
        for row in batch {
            let write = ContentWrite {
                org_id: org,
                published: true,
                publish_at: None,
                expire_at: None,
                body: ContentBody::LibraryItem(row.item),
            };
            let (outcome, _) = cx
                .upsert(&row.key, Some(org), write)
                .map_err(|e| e.map_message(|m| format!("第 {} 行：{m}", row.line)))?;
            outcomes.push(outcome);
        }
        Ok(outcomes)
    })
    .await?;
    for o in outcomes {
        match o {
            Upserted::Created => report.created += 1,
            Upserted::Updated => report.updated += 1,
            Upserted::Unchanged => report.unchanged += 1,
        }
    }
    Ok(())
}

/// Imports `path`. Reads the file twice: once to validate every row, once to write. With
/// invalid rows and without `skip_invalid`, nothing is written.
pub async fn import(
    state: &AppState,
    actor: Actor,
    path: &Path,
    options: Options,
    progress: &dyn Progress,
) -> AppResult<Report> {
    let encoding = match options.encoding {
        Some(e) => e,
        None => detect(path)?,
    };
    let mut report = Report {
        encoding: encoding.name(),
        ..Report::default()
    };
    let check_path = path.to_path_buf();
    let (keys, bad, mut report) = crate::obs::spawn_blocking(move || {
        validate_all(&check_path, encoding, &mut report).map(|(k, b)| (k, b, report))
    })
    .await
    .map_err(|e| AppError::internal("validation task", e))??;
    let org = options.org;
    let org_check = actor.clone();
    state
        .db
        .read(move |tx| org_check.check_org(tx, org))
        .await?;
    if report.invalid_rows > 0 && !options.skip_invalid {
        return Ok(report);
    }

    progress.start(report.rows - report.invalid_rows);
    let (tx_rows, mut rx_rows) = tokio::sync::mpsc::channel::<AppResult<Row>>(BATCH);
    let read_path = path.to_path_buf();
    // The file is parsed on a blocking thread and handed over row by row, so memory stays flat.
    let reader = crate::obs::spawn_blocking(move || {
        let mut reader = match Reader::open(&read_path, encoding) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx_rows.blocking_send(Err(e));
                return;
            }
        };
        let mut record = csv::StringRecord::new();
        while let Some((line, parsed)) = reader.next(&mut record) {
            if bad.contains(&line) {
                continue;
            }
            let row = parsed.map_err(|m| {
                AppError::conflict(
                    ErrorCode::FileChanged,
                    format!("第 {line} 行在导入过程中变了：{m}"),
                )
            });
            if tx_rows.blocking_send(row).is_err() {
                return;
            }
        }
    });
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rx_rows.recv().await {
        let mut row = row?;
        if let Some(dir) = &options.covers {
            attach_cover(state, dir, &mut row, &mut report).await;
        }
        batch.push(row);
        if batch.len() == BATCH {
            let n = batch.len() as u64;
            write_batch(state, &actor, org, std::mem::take(&mut batch), &mut report).await?;
            progress.advance(n);
        }
    }
    let n = batch.len() as u64;
    write_batch(state, &actor, org, batch, &mut report).await?;
    progress.advance(n);
    reader
        .await
        .map_err(|e| AppError::internal("reader task", e))?;

    if options.replace {
        report.unpublished = content::commit(state, actor, Schedule::Kept, move |cx| {
            cx.unpublish_missing(ContentKind::LibraryItem, org, &keys)
        })
        .await? as u64;
    }
    progress.finish();
    report.imported = true;
    Ok(report)
}
