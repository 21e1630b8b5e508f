//! Publishing an offering from the console without JSON: a course or activity with dated
//! sessions, or a venue or consultation with a weekly timetable of slots. One page creates and
//! edits; it works without scripts (more session rows is a plain POST that draws the page again
//! with everything typed kept). What the clerk typed is read into an [`Offering`] here with a
//! reason per field in Chinese and English, then judged again by `ContentBody::validate`, and
//! written through `content::create` / `content::edit` like any content — scoped to the
//! publisher's subtree, and refused there if an edit would take a place from someone
//! (`places::edits`). On any refusal the page comes back with what was typed.

mod fields;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use protocol::content::ContentBody;
use protocol::places::{MAX_CAPACITY, OfferingCategory, Schedule};
use protocol::staff::{ContentRecord, ContentWrite};
use protocol::{ContentId, OrgId};
use serde::Deserialize;

use super::super::page::{Page, back, layout, load, org_options};
use super::super::session::{CsrfForm, Publisher};
use super::super::{Lang, tr};
use super::HERE;
use crate::content::{self, Edited};
use crate::state::AppState;
use fields::{
    Fields, MAX_ROWS, MORE_ROWS, WEEKDAYS_EN, WEEKDAYS_ZH, blank, category_of, fields_of, get,
    read, rows, uses_sessions,
};
/// Where the page posts, and what it is for.
enum Target<'a> {
    New,
    Edit { record: &'a ContentRecord },
}

fn form_url(t: &Target<'_>) -> String {
    match t {
        Target::New => format!("{HERE}/new"),
        Target::Edit { record } => format!("{HERE}/{}/edit", record.item.id),
    }
}

fn text_input(f: &Fields, name: &str, max: usize) -> Markup {
    html! { input name=(name) maxlength=(max) value=(get(f, name)); }
}

fn check(f: &Fields, name: &str) -> Markup {
    html! { input type="checkbox" name=(name) value="1" checked[get(f, name) == "1"]; }
}

fn sessions_table(l: Lang, f: &Fields) -> Markup {
    html! {
        h2 { (tr(l, "场次", "Sessions")) }
        p.hint { (tr(l, "每行一场。清空一行即删除该场次（已有人预约的场次不能删除，名额也不能少于已约人数）。",
                     "One session per row. Clear a row to remove the session (a session people have booked cannot be removed, nor given fewer places than are taken).")) }
        table.sessions {
            thead { tr {
                th { "#" } th { (tr(l, "日期", "Date")) } th { (tr(l, "开始", "Starts")) } th { (tr(l, "结束", "Ends")) }
                th { (tr(l, "地点（不同于上面时填写）", "Place (if not the one above)")) } th { (tr(l, "名额", "Places")) }
            } }
            tbody { @for i in 0..rows(f) { tr {
                td { (i + 1) input type="hidden" name=(format!("s.{i}.key")) value=(get(f, &format!("s.{i}.key"))); }
                td { input type="date" name=(format!("s.{i}.date")) value=(get(f, &format!("s.{i}.date"))); }
                td { input type="time" name=(format!("s.{i}.start")) value=(get(f, &format!("s.{i}.start"))); }
                td { input type="time" name=(format!("s.{i}.end")) value=(get(f, &format!("s.{i}.end"))); }
                td { input name=(format!("s.{i}.place")) maxlength="100" value=(get(f, &format!("s.{i}.place"))); }
                td { input type="number" min="1" max=(MAX_CAPACITY) name=(format!("s.{i}.capacity")) value=(get(f, &format!("s.{i}.capacity"))); }
            } } }
        }
        input type="hidden" name="rows" value=(rows(f));
        button.secondary type="submit" name="op" value="more" { (tr(l, "再加几场", "More rows")) }
    }
}

fn timetable_fields(l: Lang, f: &Fields) -> Markup {
    html! {
        h2 { (tr(l, "每周时段", "Weekly slots")) }
        div.row {
            label { (tr(l, "开始日期", "First day")) input type="date" name="from" value=(get(f, "from")); }
            label { (tr(l, "结束日期", "Last day")) input type="date" name="until" value=(get(f, "until")); }
            label { (tr(l, "每个时段名额", "Places per slot")) input type="number" min="1" max=(MAX_CAPACITY) name="capacity" value=(get(f, "capacity")); }
        }
        p.hint { (tr(l, "每天的时段写成 09:00-10:00，多个用空格隔开；不开放的一天留空。",
                     "Write each day's slots as 09:00-10:00, separated by spaces; leave a day empty when closed.")) }
        table.week { tbody { @for d in 0..7 { tr {
            th { (tr(l, WEEKDAYS_ZH[d], WEEKDAYS_EN[d])) }
            td { (text_input(f, &format!("w.{d}"), 1000)) }
        } } } }
        label {
            (tr(l, "节假日等不开放的日期（如 2027-01-01，用空格隔开）", "Holidays and other closed days (e.g. 2027-01-01, separated by spaces)"))
            (text_input(f, "closed", 8000))
        }
        label {
            (tr(l, "特殊日期（每行一天：日期和当天的时段，如 2027-01-30 09:00-10:00 10:00-11:00；代替当天的每周时段，只写日期则当天不开放）",
                   "Exceptions (one day a line: the date and that day's slots, e.g. 2027-01-30 09:00-10:00 10:00-11:00; they replace the weekday's slots, a date alone means none that day)"))
            textarea name="special" rows="3" maxlength="8000" { (get(f, "special")) }
        }
    }
}

/// The whole form, filled from `f`, with `problems` above it.
fn page_form(
    l: Lang,
    csrf: &str,
    target: &Target<'_>,
    f: &Fields,
    problems: &[String],
    orgs: Option<Markup>,
) -> Markup {
    let category = category_of(get(f, "category")).unwrap_or(OfferingCategory::Course);
    let sessions = uses_sessions(category);
    let choices: Vec<OfferingCategory> = OfferingCategory::ALL
        .into_iter()
        .filter(|c| uses_sessions(*c) == sessions)
        .collect();
    html! {
        @if !problems.is_empty() {
            div.card.problems {
                p.error { (tr(l, "还不能发布，请修改以下内容：", "Not published yet; please fix:")) }
                ul.problems { @for m in problems { li { (m) } } }
            }
        }
        form.offering method="post" action=(form_url(target)) {
            input type="hidden" name="_csrf" value=(csrf);
            @if let Target::Edit { record } = target {
                input type="hidden" name="version" value=(record.item.version);
            }
            div.row {
                label { (tr(l, "名称", "Title")) (text_input(f, "title", 120)) }
                label { (tr(l, "类别", "Category")) select name="category" {
                    @for c in &choices {
                        option value=(c.as_str()) selected[*c == category] { (tr(l, c.label_zh(), c.label_en())) }
                    }
                } }
                @if let Some(orgs) = orgs { label { (tr(l, "发布到", "Publish to")) (orgs) } }
            }
            label { (tr(l, "说明（可选）", "Description (optional)")) textarea name="description" rows="3" maxlength="5000" { (get(f, "description")) } }
            label { (tr(l, "地点", "Place")) (text_input(f, "place", 100)) }
            div.row {
                label { (tr(l, "谁可以报名", "Who may apply")) select name="eligibility" {
                    option value="everyone" selected[get(f, "eligibility") != "members_only"] { (tr(l, "所有职工", "Everyone")) }
                    option value="members_only" selected[get(f, "eligibility") == "members_only"] { (tr(l, "仅限工会会员", "Union members only")) }
                } }
                label { (tr(l, "每人可约数量", "Places per person")) input type="number" min="1" max="100" name="per_person" value=(get(f, "per_person")); }
                label.check { (check(f, "waitlist")) (tr(l, "约满后可排队候补", "Waiting list when full")) }
                label.check { (check(f, "members_first")) (tr(l, "会员优先（候补时会员排在前面）", "Members first (members ahead on the waiting list)")) }
            }
            div.row {
                label { (tr(l, "报名开始（可选）", "Sign-up opens (optional)")) input type="datetime-local" name="opens_at" value=(get(f, "opens_at")); }
                label { (tr(l, "报名截止（可选；每场开始时自动截止）", "Sign-up closes (optional; each session's start closes it)")) input type="datetime-local" name="closes_at" value=(get(f, "closes_at")); }
            }
            @if sessions { (sessions_table(l, f)) } @else { (timetable_fields(l, f)) }
            div.row.actions {
                button type="submit" name="op" value="save" {
                    @if matches!(target, Target::New) { (tr(l, "发布", "Publish")) } @else { (tr(l, "保存修改", "Save changes")) }
                }
                a href=(HERE) { (tr(l, "取消", "Cancel")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    category: Option<String>,
}

fn title_new(l: Lang, c: OfferingCategory) -> String {
    match l {
        Lang::Zh => format!("新建{}", c.label_zh()),
        Lang::En => match c {
            OfferingCategory::Course => "New course",
            OfferingCategory::Activity => "New activity",
            OfferingCategory::Venue => "New venue",
            OfferingCategory::Consultation => "New consultation service",
        }
        .to_owned(),
    }
}

/// An empty form for a new offering of the category asked for.
pub async fn new(State(state): State<AppState>, s: Publisher, Query(q): Query<NewQuery>) -> Page {
    let category = q
        .category
        .as_deref()
        .and_then(category_of)
        .unwrap_or(OfferingCategory::Course);
    let orgs = org_options(&state, &s).await?;
    let f = blank(category);
    Ok(layout(
        &s,
        &title_new(s.lang, category),
        HERE,
        page_form(
            s.lang,
            &s.csrf,
            &Target::New,
            &f,
            &[],
            Some(org_picker(&orgs, &f)),
        ),
    )
    .into_response())
}

fn org_picker(orgs: &[protocol::staff::Org], f: &Fields) -> Markup {
    let chosen = get(f, "org");
    html! {
        select name="org" {
            @for o in orgs {
                option value=(o.id.0) selected[chosen == o.id.0.to_string()] { (("　".repeat(o.depth as usize))) (o.name) }
            }
        }
    }
}

/// The form drawn again with what was typed and why it was not saved (422), or with more rows.
fn again(
    s: &Publisher,
    title: &str,
    target: &Target<'_>,
    f: &Fields,
    problems: &[String],
    orgs: Option<Markup>,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        layout(
            s,
            title,
            HERE,
            page_form(s.lang, &s.csrf, target, f, problems, orgs),
        ),
    )
        .into_response()
}

fn with_more_rows(mut f: Fields) -> Fields {
    let n = (rows(&f) + MORE_ROWS).min(MAX_ROWS);
    f.insert("rows".into(), n.to_string());
    f
}

fn fields_from(pairs: Vec<(String, String)>) -> Fields {
    pairs.into_iter().filter(|(k, _)| k != "_csrf").collect()
}

/// Publishes a new offering at the org chosen (in the publisher's subtree).
pub async fn create(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let l = s.lang;
    let f = fields_from(pairs);
    let category = category_of(get(&f, "category")).unwrap_or(OfferingCategory::Course);
    let title = title_new(l, category);
    let orgs = org_options(&state, &s).await?;
    let picker = || Some(org_picker(&orgs, &f));
    if get(&f, "op") == "more" {
        let f = with_more_rows(f.clone());
        return Ok(again(
            &s,
            &title,
            &Target::New,
            &f,
            &[],
            Some(org_picker(&orgs, &f)),
        ));
    }
    let offering = match read(l, &f, &[]) {
        Ok(o) => o,
        Err(problems) => return Ok(again(&s, &title, &Target::New, &f, &problems, picker())),
    };
    let Ok(org) = get(&f, "org").parse::<i64>() else {
        let problems = [tr(l, "请选择发布到哪个单位。", "Choose where to publish.").to_owned()];
        return Ok(again(&s, &title, &Target::New, &f, &problems, picker()));
    };
    let w = ContentWrite {
        org_id: OrgId(org),
        published: true,
        publish_at: None,
        expire_at: None,
        body: ContentBody::Offering(offering),
    };
    match content::create(&state, s.actor.clone(), w).await {
        Ok(_) => Ok(back(
            HERE,
            tr(
                l,
                "已发布，终端会在几秒内收到。",
                "Published; kiosks get it within seconds.",
            ),
        )),
        Err(e) => {
            e.log_cause();
            Ok(again(&s, &title, &Target::New, &f, &[e.message], picker()))
        }
    }
}

/// The form filled with an offering's current version.
pub async fn edit(State(state): State<AppState>, s: Publisher, Path(id): Path<String>) -> Page {
    let record = load(&state, &s, &id).await?;
    let ContentBody::Offering(o) = &record.item.body else {
        return Err(super::super::page::app_error(
            s.lang,
            crate::error::AppError::not_found(&id),
        ));
    };
    let title = o.title.clone();
    Ok(again(
        &s,
        &title,
        &Target::Edit { record: &record },
        &fields_of(o),
        &[],
        None,
    ))
}

/// Saves the form as a new version of the offering (its org, state and schedule kept).
pub async fn save(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::Offering(old) = &record.item.body else {
        return Err(super::super::page::app_error(
            l,
            crate::error::AppError::not_found(&id),
        ));
    };
    let title = old.title.clone();
    let target = Target::Edit { record: &record };
    let f = fields_from(pairs);
    if get(&f, "op") == "more" {
        return Ok(again(&s, &title, &target, &with_more_rows(f), &[], None));
    }
    let mut retired: Vec<String> = match &old.schedule {
        Schedule::Sessions { sessions } => sessions.iter().map(|s| s.key.clone()).collect(),
        Schedule::Timetable(_) => Vec::new(),
    };
    retired.extend(
        crate::places::edits::booked_keys(&state, &id)
            .await
            .map_err(|e| super::super::page::app_error(l, e))?,
    );
    let offering = match read(l, &f, &retired) {
        Ok(o) => o,
        Err(problems) => return Ok(again(&s, &title, &target, &f, &problems, None)),
    };
    let base: u32 = get(&f, "version").parse().unwrap_or(record.item.version);
    let done = content::edit(
        &state,
        s.actor.clone(),
        ContentId(id),
        base,
        ContentBody::Offering(offering),
        record.item.publish_at,
        record.item.expire_at,
    )
    .await;
    let problem = match done {
        Ok(Edited::Saved(r)) => {
            return Ok(back(
                HERE,
                &match l {
                    Lang::Zh => format!("已保存为第 {} 版，终端会在几秒内收到。", r.item.version),
                    Lang::En => format!(
                        "Saved as version {}; kiosks get it within seconds.",
                        r.item.version
                    ),
                },
            ));
        }
        Ok(Edited::Unchanged) => {
            return Ok(back(
                HERE,
                tr(l, "没有改动，无需保存。", "Nothing changed."),
            ));
        }
        Ok(Edited::Stale { current }) => super::super::revisions::stale(l, current),
        Err(e) => {
            e.log_cause();
            e.message
        }
    };
    Ok(again(&s, &title, &target, &f, &[problem], None))
}

/// Takes an offering off the kiosks. Its bookings stay; its places-left figures leave the
/// kiosks with it.
pub async fn unpublish(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(super::super::session::NoFields {}): CsrfForm<super::super::session::NoFields>,
) -> Page {
    content::unpublish(&state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| super::super::page::app_error(s.lang, e))?;
    Ok(back(
        HERE,
        tr(
            s.lang,
            "已撤下，已有的预约保留。",
            "Unpublished; existing bookings are kept.",
        ),
    ))
}

/// The buttons that start a new offering of each category, for the list page.
pub fn new_buttons(l: Lang) -> Markup {
    html! {
        p {
            @for c in OfferingCategory::ALL {
                a.button href=(format!("{HERE}/new?category={}", c.as_str())) { (title_new(l, c)) }
                " "
            }
        }
    }
}
