//! `import-catalog FILE --org ORG`: a library catalogue from what library systems and suppliers
//! export — CSV (UTF-8 or GBK/GB18030), an Excel workbook, or ISO 2709 MARC records (CNMARC or
//! MARC 21) — streamed where the format allows (a 100,000-row CSV or MARC file is never held in
//! memory). The format is told from the file's first bytes ([`source::Format`]).
//!
//! Tables (CSV, a sheet) name their columns in a header row, in English or as Chinese library
//! systems write them; the full list is in docs/publishing.md and [`fields::header`]. A column
//! nobody knows is reported once as a warning and ignored; a table without a title column is
//! refused. MARC fields map to the same columns ([`marc`]). Then every format goes through the
//! same checks: the year read from a publication date (`2017.6`, `2008年1月`), a statement of
//! responsibility shortened to the author shown (the full statement kept), a Chinese Library
//! Classification number turned into a category ([`fields::ClcTable`], overridable per import)
//! when no category is given, the ISBN's check digit.
//!
//! Rows are matched to earlier imports by ISBN, else by external id, within the org, so a
//! re-import updates rather than duplicates; unchanged rows change nothing.

use crate::content::{self, Schedule, Upserted};
use crate::error::{AppError, AppResult};
use crate::media;
use crate::orgs::Actor;
use crate::state::AppState;
use encoding_rs::Encoding;
use protocol::ErrorCode;
use protocol::content::{LibraryItem, LibraryKind};
use protocol::staff::ContentWrite;
use protocol::{ContentBody, ContentKind, MediaHash, OrgId};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use url::Url;

mod excel;
pub mod fields;
mod marc;
pub mod source;

use fields::{ClcTable, Column, Values, display_author};
pub use source::Format;
use source::Source;

#[cfg(test)]
mod proptests;

#[derive(Debug, Clone)]
pub struct Options {
    pub org: OrgId,
    /// A CSV file's encoding; `None`: detect (UTF-8 when the start of the file is valid UTF-8,
    /// else GB18030). Workbooks and MARC records say their own.
    pub encoding: Option<&'static Encoding>,
    /// The workbook sheet to read (`None`: the first). Only for Excel files.
    pub sheet: Option<String>,
    /// A table of Chinese Library Classification classes → categories that adds to or replaces
    /// the shipped one (`CLASS<TAB>category` lines).
    pub clc: Option<PathBuf>,
    /// Import the valid rows even when some are invalid.
    pub skip_invalid: bool,
    /// Unpublish this org's catalogue items that the file does not list.
    pub replace: bool,
    /// Folder of cover images, named `<ISBN>.jpg|.jpeg|.png|.webp` or by the `cover_file` column.
    pub covers: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Where the row is: its line in a CSV file (the header is line 1), its row in the sheet, or
    /// the record's number in a MARC file; [`Report::place`] says it in words.
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub format: Format,
    /// A CSV file's encoding, else empty.
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
    /// How far the first pass (reading and checking every row) has got; called about four
    /// times a second while it runs and once at its end.
    fn checked(&self, _: Checked<'_>) {}
    /// The second pass (writing) begins, with this many rows to write.
    fn start(&self, total_rows: u64);
    fn advance(&self, rows: u64);
    fn finish(&self);
}

/// The first pass so far.
pub struct Checked<'a> {
    pub format: Format,
    /// Rows read and checked.
    pub rows: u64,
    /// Invalid rows among them.
    pub invalid_rows: u64,
    /// Rows found invalid since the last call, as the report lists them (its first 1,000).
    pub new_errors: &'a [RowError],
}

/// What the first pass shares with the task that tells [`Progress`]: a counter and the errors
/// not yet told, so that checking a row costs no more than a relaxed store.
#[derive(Default)]
struct Checking {
    rows: AtomicU64,
    invalid_rows: AtomicU64,
    untold: Mutex<Vec<RowError>>,
}

impl Checking {
    fn tell(&self, format: Format, progress: &dyn Progress) {
        let new_errors = std::mem::take(
            &mut *self
                .untold
                .lock()
                .expect("the checking lock is never held across a panic"),
        );
        progress.checked(Checked {
            format,
            rows: self.rows.load(Ordering::Relaxed),
            invalid_rows: self.invalid_rows.load(Ordering::Relaxed),
            new_errors: &new_errors,
        });
    }
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

impl Report {
    /// Where row `at` is, in words: "第 3 行" (CSV line, sheet row) or "第 3 条记录" (MARC).
    pub fn place(&self, at: u64) -> String {
        self.format.place(at)
    }
}

/// Picks a CSV file's encoding: UTF-8 if the first 64 KiB are valid UTF-8 (a character cut at
/// the end of the sample is fine), otherwise GB18030, which reads GBK and GB2312 too.
pub fn detect(path: &Path) -> AppResult<&'static Encoding> {
    Ok(match Format::detect(path, None)? {
        Format::Csv(e) => e,
        _ => encoding_rs::UTF_8,
    })
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

/// Turns a record's values into a row: the checks every format shares.
struct Rows {
    clc: ClcTable,
}

impl Rows {
    fn new(options: &Options) -> AppResult<Rows> {
        Ok(Rows {
            clc: match &options.clc {
                Some(path) => ClcTable::with_overrides(path)?,
                None => ClcTable::default(),
            },
        })
    }

    fn row(&self, line: u64, values: Result<Values, String>) -> Result<Row, String> {
        parse_row(line, &values?, &self.clc)
    }
}

fn parse_row(line: u64, get: &Values, clc: &ClcTable) -> Result<Row, String> {
    let text = |c: Column| get[c as usize].clone();
    let opt = |c: Column| Some(text(c)).filter(|s| !s.is_empty());
    let year = match opt(Column::Year) {
        None => None,
        Some(y) => Some(fields::year(&y)?),
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
    let statement = text(Column::Author);
    let author = display_author(&statement);
    let responsibility = if author == statement {
        String::new()
    } else {
        statement
    };
    let category = match opt(Column::Category) {
        Some(c) => c,
        None => clc
            .category(&text(Column::Clc))
            .unwrap_or_default()
            .to_owned(),
    };
    let item = LibraryItem {
        item_kind,
        title: text(Column::Title),
        author,
        publisher: text(Column::Publisher),
        year,
        isbn,
        external_id,
        category,
        cover: None,
        description: text(Column::Description),
        location: text(Column::Location),
        call_number: text(Column::CallNumber),
        responsibility,
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
    sheet: Option<&str>,
    rows: &Rows,
    report: &mut Report,
    checking: &Checking,
) -> AppResult<(HashSet<String>, HashSet<u64>)> {
    let mut source = Source::open(path, report.format, sheet)?;
    if let Some((line, message)) = source.header_warning() {
        report.warnings.push(RowError { line, message });
    }
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut bad = HashSet::new();
    while let Some((line, values)) = source.next_record() {
        report.rows += 1;
        checking.rows.store(report.rows, Ordering::Relaxed);
        let outcome = rows
            .row(line, values)
            .and_then(|row| match first_line.get(&row.key) {
                Some(first) => Err(format!(
                    "与{}是同一本（{}）",
                    report.format.place(*first),
                    row.key
                )),
                None => {
                    first_line.insert(row.key, line);
                    Ok(())
                }
            });
        if let Err(message) = outcome {
            report.invalid_rows += 1;
            checking
                .invalid_rows
                .store(report.invalid_rows, Ordering::Relaxed);
            bad.insert(line);
            if report.errors.len() < MAX_REPORTED {
                let error = RowError { line, message };
                checking
                    .untold
                    .lock()
                    .expect("the checking lock is never held across a panic")
                    .push(error.clone());
                report.errors.push(error);
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
    let format = report.format;
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
                .map_err(|e| e.map_message(|m| format!("{}：{m}", format.place(row.line))))?;
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
    let format = Format::detect(path, options.encoding)?;
    let mut report = Report {
        format,
        encoding: match format {
            Format::Csv(e) => e.name(),
            _ => "",
        },
        ..Report::default()
    };
    let rows = std::sync::Arc::new(Rows::new(&options)?);
    let check_path = path.to_path_buf();
    let check_rows = rows.clone();
    let sheet = options.sheet.clone();
    let checking = std::sync::Arc::new(Checking::default());
    let counted = checking.clone();
    let mut validating = crate::obs::spawn_blocking(move || {
        validate_all(
            &check_path,
            sheet.as_deref(),
            &check_rows,
            &mut report,
            &counted,
        )
        .map(|(k, b)| (k, b, report))
    });
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let validated = loop {
        tokio::select! {
            done = &mut validating => break done,
            _ = tick.tick() => checking.tell(format, progress),
        }
    };
    checking.tell(format, progress);
    let (keys, bad, mut report) =
        validated.map_err(|e| AppError::internal("validation task", e))??;
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
    let sheet = options.sheet.clone();
    // The file is parsed on a blocking thread and handed over row by row, so memory stays flat.
    let reader = crate::obs::spawn_blocking(move || {
        let mut source = match Source::open(&read_path, format, sheet.as_deref()) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx_rows.blocking_send(Err(e));
                return;
            }
        };
        while let Some((line, values)) = source.next_record() {
            if bad.contains(&line) {
                continue;
            }
            let row = rows.row(line, values).map_err(|m| {
                AppError::conflict(
                    ErrorCode::FileChanged,
                    format!("{}在导入过程中变了：{m}", format.place(line)),
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
