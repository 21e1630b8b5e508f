//! Catalogue imports from the browser: the upload starts a job (`import::catalog_jobs`) and
//! goes to its page, which shows the job's progress as it runs and its report once it ends.
//! With script the page fetches its progress every second (`?part=1`, the same markup) and
//! puts it in place; without, it refreshes itself. The page can be left and opened again from
//! the library page's list of recent imports.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use protocol::OrgId;
use serde::Deserialize;

use super::super::page::{
    Notice, Page, app_error, back_with, back_with_error, flash, layout, ok, when,
};
use super::super::session::Publisher;
use super::super::{Lang, tr};
use super::HERE;
use crate::import::catalog;
use crate::import::catalog_jobs::{
    self, Final, Job, JobState, Live, Phase, Refused, SHOWN_WHILE_RUNNING,
};
use crate::multipart::MultipartForm;
use crate::state::AppState;

/// A job's page.
pub fn job_url(id: &str) -> String {
    format!("/console/library/import/{id}")
}

pub async fn start(State(state): State<AppState>, s: Publisher, mut multipart: Multipart) -> Page {
    let l = s.lang;
    let bad = |m: &str| back_with_error(HERE, m);
    let file = tempfile::NamedTempFile::new().map_err(|_| {
        bad(tr(
            l,
            "服务器无法保存文件。",
            "The server cannot save the file.",
        ))
    })?;
    let mut form = MultipartForm::read(&mut multipart, &["file"])
        .await
        .map_err(|_| {
            bad(tr(
                l,
                "上传没有完成（文件太大？）。",
                "The upload did not complete (file too large?).",
            ))
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let Some(bytes) = form.take_file("file").filter(|b| !b.is_empty()) else {
        return Err(bad(tr(
            l,
            "请选择一个书目文件（CSV、Excel 或 MARC）。",
            "Choose a catalogue file (CSV, Excel or MARC).",
        )));
    };
    tokio::fs::write(file.path(), &bytes).await.map_err(|_| {
        bad(tr(
            l,
            "服务器无法保存文件。",
            "The server cannot save the file.",
        ))
    })?;
    let org: i64 = form
        .text("org")
        .parse()
        .map_err(|_| bad(tr(l, "请选择单位。", "Choose an org.")))?;
    let options = catalog::Options {
        org: OrgId(org),
        encoding: None,
        sheet: Some(form.text("sheet").trim().to_owned()).filter(|s| !s.is_empty()),
        clc: None,
        skip_invalid: form.has("skip_invalid"),
        replace: false,
        covers: None,
    };
    match catalog_jobs::start(&state, s.actor.clone(), file, options).await {
        Ok(id) => Ok(Redirect::to(&job_url(&id)).into_response()),
        Err(Refused::Busy(running)) => Err(back_with_error(
            &job_url(&running),
            tr(
                l,
                "本单位已有一个书目导入正在进行（见下），请等它完成后再导入。",
                "An import for your org is already running (below); wait for it to finish before starting another.",
            ),
        )),
        Err(Refused::Error(e)) => Err(back_with(HERE, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct JobQuery {
    /// `1`: only the part that changes, for the page's script.
    part: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

pub async fn job(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    Query(q): Query<JobQuery>,
) -> Page {
    let l = s.lang;
    let job = catalog_jobs::get(&state, s.actor.clone(), id)
        .await
        .map_err(|e| app_error(l, e))?;
    if q.part.as_deref() == Some("1") {
        return ok(progress(l, &job));
    }
    let notice = Notice {
        ok: q.ok.clone(),
        err: q.err.clone(),
    };
    ok(layout(
        &s,
        tr(l, "书目导入", "Catalogue import"),
        HERE,
        html! {
            // Without script the page refreshes itself while the job runs.
            @if job.state == JobState::Running {
                noscript { meta http-equiv="refresh" content="2"; }
            }
            (flash(&notice))
            (progress(l, &job))
            p { a href=(HERE) { (tr(l, "返回职工书屋", "Back to the library")) } }
        },
    ))
}

fn state_name(l: Lang, state: JobState) -> &'static str {
    match state {
        JobState::Running => tr(l, "进行中", "running"),
        JobState::Done => tr(l, "已完成", "finished"),
        JobState::Failed => tr(l, "未完成（出错）", "failed"),
        JobState::Interrupted => tr(l, "已中断", "interrupted"),
    }
}

/// The part of a job's page that changes while it runs.
fn progress(l: Lang, job: &Job) -> Markup {
    html! {
        div #job data-running[job.state == JobState::Running] {
            p.hint {
                (tr(l, "导入到 ", "Into ")) strong { (job.target_org_name) }
                (tr(l, "（", " (")) (tr(l, "任务属于 ", "a job of ")) (job.org_name) (tr(l, "），于 ", "), started at "))
                (when(job.started_at)) (tr(l, " 开始。状态：", ". State: "))
                strong.state { (state_name(l, job.state)) }
            }
            @match (&job.live, &job.report) {
                (Some(live), _) => (running(l, live)),
                (None, Some(report)) => (finished(l, report)),
                (None, None) => {
                    p.error { (tr(l,
                        "服务器在导入过程中重新启动，这次导入没有完成。已写入的行保留着；再次导入同一文件是安全的：已导入的行不会重复，只会补上缺少的。",
                        "The server restarted during this import, so it did not finish. Rows already written stay; importing the same file again is safe: rows already imported are not duplicated, only the missing ones are added.")) }
                }
            }
        }
    }
}

fn running(l: Lang, live: &Live) -> Markup {
    html! {
        @match live.phase {
            Phase::Checking => {
                p.phase { (tr(l, "第一步：逐行检查文件…", "Step 1: checking every row…")) }
                div.tiles {
                    div.tile { strong.rows-done { (live.checked) } span { (tr(l, "行已检查", "rows checked")) } }
                    div.tile { strong.rate { (live.rate()) } span { (tr(l, "行/秒", "rows/s")) } }
                    div.tile.bad { strong.invalid { (live.invalid_rows) } span { (tr(l, "行有错", "invalid rows")) } }
                }
            }
            Phase::Writing => {
                p.phase { (tr(l, "第二步：写入书目…", "Step 2: writing the catalogue…")) }
                progress value=(live.written) max=(live.to_write.max(1)) {}
                div.tiles {
                    div.tile { strong.rows-done { (live.written) " / " (live.to_write) } span { (tr(l, "行已写入", "rows written")) } }
                    div.tile { strong.rate { (live.rate()) } span { (tr(l, "行/秒", "rows/s")) } }
                    div.tile.bad { strong.invalid { (live.invalid_rows) } span { (tr(l, "行有错（已跳过）", "invalid rows (skipped)")) } }
                }
            }
        }
        @if !live.format.is_empty() {
            p { (tr(l, "文件格式：", "Format: ")) (live.format) }
        }
        @if !live.errors.is_empty() {
            h2 { (tr(l, "目前发现的有错的行", "Rows with problems so far")) }
            (lines(l, &live.errors))
            @if live.invalid_rows as usize > live.errors.len() {
                p.hint { (tr(l, "只列出前 ", "Only the first ")) (SHOWN_WHILE_RUNNING) (tr(l, " 行；导入结束后报告列出更多。", " are listed; the report at the end lists more.")) }
            }
        }
    }
}

fn lines(l: Lang, lines: &[catalog_jobs::Line]) -> Markup {
    html! {
        table.problems {
            thead { tr { th { (tr(l, "位置", "Where")) } th { (tr(l, "问题", "Problem")) } } }
            tbody { @for e in lines { tr { td { (e.place) } td { (e.message) } } } }
        }
    }
}

fn finished(l: Lang, report: &Final) -> Markup {
    html! {
        div.tiles.report {
            div.tile { strong { (report.rows) } span { (tr(l, "行", "rows")) } }
            div.tile.good { strong { (report.created) } span { (tr(l, "新增", "new")) } }
            div.tile { strong { (report.updated) } span { (tr(l, "更新", "updated")) } }
            div.tile { strong { (report.unchanged) } span { (tr(l, "未变", "unchanged")) } }
            div.tile.bad { strong { (report.invalid_rows) } span { (tr(l, "行有错", "invalid rows")) } }
        }
        p {
            @if !report.format.is_empty() { (tr(l, "文件格式：", "Format: ")) (report.format) (tr(l, "。", ". ")) }
            (tr(l, "用时 ", "Took ")) (format!("{:.1}", report.seconds)) (tr(l, " 秒。", " s."))
        }
        @if let Some(why) = &report.failure {
            p.error { (tr(l, "导入没有完成：", "The import did not finish: ")) (why) }
        } @else if !report.imported {
            p.error { (tr(l,
                "有错的行，所以一行也没有导入。请改正后再导入，或勾选“跳过有错的行”。",
                "Some rows have problems, so nothing was imported. Fix them and import again, or tick “Skip invalid rows”.")) }
        }
        @if !report.errors.is_empty() {
            h2 { (tr(l, "有错的行", "Rows with problems")) }
            (lines(l, &report.errors))
        }
        @if !report.warnings.is_empty() {
            h2 { (tr(l, "提示（已导入）", "Warnings (imported)")) }
            (lines(l, &report.warnings))
        }
    }
}

/// The library page's list of recent imports, each a link to its page.
pub fn recent_table(l: Lang, jobs: &[Job]) -> Markup {
    html! {
        @if !jobs.is_empty() {
            table.imports {
                thead { tr {
                    th { (tr(l, "开始于", "Started")) } th { (tr(l, "导入到", "Into")) }
                    th { (tr(l, "状态", "State")) } th {}
                } }
                tbody { @for j in jobs { tr {
                    td { (when(j.started_at)) } td { (j.target_org_name) } td { (state_name(l, j.state)) }
                    td { a href=(job_url(&j.id)) { (tr(l, "查看", "Open")) } }
                } } }
            }
        }
    }
}
