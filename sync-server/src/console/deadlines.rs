//! Deadline settings: a form's response deadline (on the form's page in the builder, for
//! publishers) and the org's own closing days (休息日, for administrators), with what the
//! official holiday calendar covers. Times and dates are China time.

use axum::extract::{Query, State};
use maud::{Markup, html};
use protocol::OrgId;
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, back_with_error, flash, layout, ok, org_options,
    org_select,
};
use super::session::{Admin, CsrfForm, Publisher, Session};
use super::{Lang, tr};
use crate::db::now_ms;
use crate::deadlines::{Allowance, MAX_AMOUNT, china_date, settings};
use crate::state::AppState;

pub const HERE: &str = "/console/closing-days";

fn allowance_text(l: Lang, a: Allowance) -> String {
    match l {
        Lang::Zh => a.label_zh(),
        Lang::En => a.label_en(),
    }
}

/// The deadline block on a form's builder page.
pub async fn form_setting(state: &AppState, s: &Session, form_id: &str) -> Markup {
    let l = s.lang;
    let Ok(current) = settings::form_deadline(state, s.actor.clone(), form_id.to_owned()).await
    else {
        return html! {};
    };
    let a = current.allowance;
    html! {
        form.card.deadline method="post" action="/console/forms/deadline" {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="form" value=(form_id);
            h2 { (tr(l, "答复时限", "Response deadline")) }
            p.hint {
                (tr(l, "每件申请须在此时限内答复；超期未办结的自动升级到上一级单位。", "Each case must be answered within this; an overdue open case is escalated one org up. "))
                @if current.is_default { (tr(l, "当前为默认值：", "Now the default: ")) } @else { (tr(l, "当前：", "Now: ")) }
                (allowance_text(l, a)) "。"
            }
            label.inline { input type="number" name="amount" min="1" max=(MAX_AMOUNT) value=(a.amount()) required; }
            select name="unit" {
                option value="working_days" selected[matches!(a, Allowance::WorkingDays(_))] { (tr(l, "个工作日（按节假日和调休计算）", "working days (holidays and 调休 counted)")) }
                option value="hours" selected[matches!(a, Allowance::Hours(_))] { (tr(l, "小时（含夜间和节假日）", "hours (nights and holidays included)")) }
            }
            button type="submit" { (tr(l, "保存时限", "Save the deadline")) }
        }
    }
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    form: String,
    unit: String,
    amount: String,
}

pub async fn save_form_deadline(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<DeadlineForm>,
) -> Page {
    let l = s.lang;
    let here = format!("/console/forms?edit={}", super::page::urlencode(&f.form));
    let amount: u32 = f.amount.trim().parse().unwrap_or(0);
    match settings::set_form_deadline(&state, s.actor.clone(), f.form, f.unit, amount).await {
        Ok(a) => Ok(back(
            &here,
            &format!(
                "{}{}",
                tr(l, "答复时限已保存：", "Deadline saved: "),
                allowance_text(l, a)
            ),
        )),
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => Err(app_error(l, e)),
        Err(e) => Ok(back_with(&here, e)),
    }
}

pub async fn page(State(state): State<AppState>, s: Admin, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let today = china_date(now_ms());
    let days = settings::closing_days(&state, s.actor.clone(), today)
        .await
        .map_err(|e| app_error(l, e))?;
    let orgs = org_options(&state, &s).await?;
    let cal = &state.calendar;
    ok(layout(
        &s,
        tr(l, "休息日", "Closing days"),
        HERE,
        html! {
            (flash(&q))
            p.hint {
                (tr(l, "答复时限按工作日计算时，跳过国家法定节假日、计入调休上班日（国务院办公厅通知，数据文件见服务器配置 [deadlines] holidays_file），也跳过下面各单位自己的休息日（对本单位及下级单位有效）。",
                    "Working-day deadlines skip China's public holidays and count the adjusted working weekends (调休) from the State Council's notice (the data file: the server's [deadlines] holidays_file), and skip the orgs' own closing days below (for the org and those below it). "))
                @match cal.last_year() {
                    Some(y) => { (tr(l, "节假日数据覆盖至 ", "The holiday data covers up to ")) (y) (tr(l, " 年。", ".")) }
                    None => { (tr(l, "没有节假日数据。", "There is no holiday data.")) }
                }
                @if !cal.covers(today.year()) { strong { (tr(l, " 今年的节假日安排尚未录入：只按周末计算。", " This year's schedule is missing: only weekends count.")) } }
            }
            table { thead { tr { th { (tr(l, "日期", "Date")) } th { (tr(l, "单位", "Org")) } th { (tr(l, "说明", "Note")) } th {} } }
                tbody { @for d in &days { tr {
                    td { (d.day.to_string()) } td { (d.org_name) } td { (d.note) }
                    td { form method="post" action=(HERE) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input type="hidden" name="org" value=(d.org_id);
                        input type="hidden" name="day" value=(d.day.to_string());
                        input type="hidden" name="remove" value="1";
                        button.link type="submit" { (tr(l, "删除", "Remove")) }
                    } }
                } } }
            }
            @if days.is_empty() { p.hint { (tr(l, "还没有设置休息日。", "No closing days yet.")) } }
            form.card.editor method="post" action=(HERE) {
                input type="hidden" name="_csrf" value=(s.csrf);
                h2 { (tr(l, "添加休息日", "Add a closing day")) }
                label { (tr(l, "单位", "Org")) (org_select(&orgs, "org")) }
                label { (tr(l, "日期", "Date")) input type="date" name="day" required; }
                label { (tr(l, "说明", "Note")) input type="text" name="note" maxlength="100"; }
                input type="hidden" name="remove" value="";
                button type="submit" { (tr(l, "添加", "Add")) }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct ClosingForm {
    org: i64,
    day: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    remove: String,
}

pub async fn save(
    State(state): State<AppState>,
    s: Admin,
    CsrfForm(f): CsrfForm<ClosingForm>,
) -> Page {
    let l = s.lang;
    let Ok(day) = f.day.trim().parse::<jiff::civil::Date>() else {
        return Ok(back_with_error(HERE, tr(l, "请填写日期。", "Give a date.")));
    };
    let remove = !f.remove.is_empty();
    match settings::set_closing_day(&state, s.actor.clone(), OrgId(f.org), day, f.note, remove)
        .await
    {
        Ok(()) if remove => Ok(back(HERE, tr(l, "已删除。", "Removed."))),
        Ok(()) => Ok(back(
            HERE,
            tr(
                l,
                "已添加。之后收到的事项按新的休息日计算期限。",
                "Added; cases received from now on count it.",
            ),
        )),
        Err(e) => Ok(back_with(HERE, e)),
    }
}
