//! 职代会提案 in the console: publishers write calls for proposals (a form, no JSON); case
//! handlers list the proposals in their subtree by call and status, open one and review it
//! (立案 with the department, 不立案 with the reason, 办结 with the reply). Every review goes
//! through `proposals::review`, which checks the call's org is in the staff member's subtree
//! and writes the audit log.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::proposal::{MAX_COSIGNERS, ProposalCall, ProposalStatus, Review};
use protocol::staff::{ContentWrite, Org};
use protocol::{ContentBody, ContentId, ContentKind, OrgId};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, flash, layout, load, local_time, ok, org_options,
    when,
};
use super::session::{CaseHandler, CsrfForm, Publisher, Session, Viewer};
use super::{Lang, tr};
use crate::content::{self, Edited, ListQuery};
use crate::proposals::{self, StaffProposal};
use crate::staff::roles::gate;
use crate::state::AppState;

pub const HERE: &str = "/console/proposals";

fn status_name(l: Lang, s: ProposalStatus) -> &'static str {
    tr(l, s.label_zh(), s.label_en())
}

fn pill(s: ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Pending => "received",
        ProposalStatus::Accepted => "processing",
        ProposalStatus::Declined => "rejected",
        ProposalStatus::Done => "replied",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListFilter {
    call: Option<String>,
    status: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

/// The calls in scope (publishers edit them) and the proposals (case handlers open them),
/// filtered by call and status.
pub async fn list(State(state): State<AppState>, s: Viewer, Query(q): Query<ListFilter>) -> Page {
    let l = s.lang;
    let publish = s.opens::<gate::Publish>();
    let cases = s.opens::<gate::Cases>();
    let calls = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::ProposalCall),
            limit: Some(200),
            ..ListQuery::default()
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let call = q.call.clone().filter(|c| !c.is_empty());
    let status = q.status.as_deref().and_then(ProposalStatus::parse);
    let rows = if cases {
        proposals::list(&state, s.actor.clone(), call.clone(), status)
            .await
            .map_err(|e| app_error(l, e))?
    } else {
        Vec::new()
    };
    let title_of = |id: &ContentId| {
        calls
            .iter()
            .find(|r| r.item.id == *id)
            .and_then(|r| match &r.item.body {
                ContentBody::ProposalCall(c) => Some(c.title.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let notice = Notice {
        ok: q.ok.clone(),
        err: q.err.clone(),
    };
    ok(layout(
        &s,
        tr(l, "职代会提案", "Congress proposals"),
        HERE,
        html! {
            (flash(&notice))
            p.hint { (tr(l, "提案征集发布后，终端可以写提案；审查后提案内容、提案人和附议人的姓名、办理状态和答复在终端公开（手机号码从不公开）。",
                         "Once a call is published, kiosks take proposals; once reviewed, a proposal's text, its signers' names, its status and the reply are public on the kiosks (never a phone number).")) }
            h2 { (tr(l, "提案征集", "Calls for proposals")) }
            @if publish { p { a.button href=(format!("{HERE}/calls/new")) { (tr(l, "新建提案征集", "New call for proposals")) } } }
            table {
                thead { tr { th { (tr(l, "征集", "Call")) } th { (tr(l, "附议人", "Co-signers")) } th { (tr(l, "截止", "Closes")) } th {} } }
                tbody { @for r in &calls { @if let ContentBody::ProposalCall(c) = &r.item.body { tr {
                    td { (c.title) }
                    td { (c.min_cosigners) }
                    td { @if let Some(at) = c.closes_at { (when(at)) } @else { "—" } }
                    td {
                        @if cases { a.small href=(format!("{HERE}?call={}", r.item.id)) { (tr(l, "看提案", "Proposals")) } " " }
                        @if publish { a.small href=(format!("{HERE}/calls/{}/edit", r.item.id)) { (tr(l, "编辑", "Edit")) } }
                    }
                } } } }
            }
            @if calls.is_empty() { p.hint { (tr(l, "还没有提案征集。", "No calls yet.")) } }
            @if cases {
                h2 { (tr(l, "提案", "Proposals")) }
                form.filters method="get" action=(HERE) {
                    select name="call" {
                        option value="" { (tr(l, "全部征集", "Every call")) }
                        @for r in &calls { option value=(r.item.id) selected[call.as_deref() == Some(r.item.id.0.as_str())] { (title_of(&r.item.id)) } }
                    }
                    select name="status" {
                        option value="" { (tr(l, "全部状态", "Every status")) }
                        @for st in ProposalStatus::ALL { option value=(st.as_str()) selected[status == Some(st)] { (status_name(l, st)) } }
                    }
                    button type="submit" { (tr(l, "筛选", "Filter")) }
                }
                table {
                    thead { tr {
                        th { (tr(l, "编号", "No.")) } th { (tr(l, "案由", "Subject")) } th { (tr(l, "提案人", "Proposer")) }
                        th { (tr(l, "征集", "Call")) } th { (tr(l, "状态", "Status")) } th { (tr(l, "更新时间", "Updated")) }
                    } }
                    tbody { @for p in &rows { tr {
                        td { (p.proposal.number) }
                        td { a href=(format!("{HERE}/{}", p.submission_id)) { (p.proposal.title) } }
                        td { @if let Some(who) = &p.proposal.proposer { (who.name) (tr(l, "（", " (")) (who.department) (tr(l, "）", ")")) } }
                        td { (title_of(&p.call)) }
                        td { span.pill.(pill(p.proposal.status)) { (status_name(l, p.proposal.status)) } }
                        td { (when(p.updated_at)) }
                    } } }
                }
                @if rows.is_empty() { p.hint { (tr(l, "没有符合条件的提案。", "No proposals match.")) } }
            }
        },
    ))
}

/// One proposal, with the review form for the statuses it may move to.
pub async fn proposal(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let p = proposals::get(&state, s.actor.clone(), id)
        .await
        .map_err(|e| app_error(l, e))?;
    let title = match l {
        Lang::Zh => format!("第{}号提案", p.proposal.number),
        Lang::En => format!("Proposal No. {}", p.proposal.number),
    };
    ok(layout(&s, &title, HERE, page_of(l, &s, &q, &p)))
}

fn page_of(l: Lang, s: &Session, q: &Notice, p: &StaffProposal) -> Markup {
    let pr = &p.proposal;
    let next: Vec<ProposalStatus> = ProposalStatus::ALL
        .into_iter()
        .filter(|to| pr.status.may_become(*to))
        .collect();
    html! {
        (flash(q))
        section.card {
            h2 { (pr.title) " " span.pill.(pill(pr.status)) { (status_name(l, pr.status)) } }
            p { (tr(l, "回执编号：", "Receipt: ")) (p.receipt) " · " (tr(l, "收到：", "Received: ")) (pr.received_on) }
            @if let Some(who) = &pr.proposer { p { (tr(l, "提案人：", "Proposer: ")) (who.name) (tr(l, "（", " (")) (who.department) (tr(l, "）", ")")) } }
            p { (tr(l, "附议人：", "Co-signers: "))
                @for (i, c) in pr.cosigners.iter().enumerate() { @if i > 0 { (tr(l, "、", ", ")) } (c.name) (tr(l, "（", " (")) (c.department) (tr(l, "）", ")")) } }
            h3 { (tr(l, "提案理由", "Reasons")) } p.pre { (pr.reasons) }
            h3 { (tr(l, "建议措施", "Suggested measures")) } p.pre { (pr.measures) }
            @if !pr.department.is_empty() { h3 { (tr(l, "承办部门", "Department in charge")) } p { (pr.department) } }
            @if !pr.reason.is_empty() { h3 { (tr(l, "不立案理由", "Why not accepted")) } p.pre { (pr.reason) } }
            @if !pr.reply.is_empty() { h3 { (tr(l, "答复", "Reply")) } p.pre { (pr.reply) } }
        }
        @if next.is_empty() {
            p.hint { (tr(l, "这件提案已经办结或不予立案，状态不再改变。", "This proposal is concluded or not accepted; its status no longer changes.")) }
        } @else {
            section.card {
                h2 { (tr(l, "审查与办理", "Review")) }
                p.hint { (tr(l, "保存后，状态和答复会在几秒内出现在终端上，也会在办理进度里答复提案人。",
                             "Once saved, the status and reply reach the kiosks within seconds and answer the proposer under Check progress.")) }
                form method="post" action=(format!("{HERE}/{}", p.submission_id)) {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    label { (tr(l, "新状态", "New status")) " "
                        select name="status" { @for to in &next { option value=(to.as_str()) { (status_name(l, *to)) } } } }
                    @if next.contains(&ProposalStatus::Accepted) {
                        label { (tr(l, "承办部门（立案时填写）", "Department in charge (when accepted)")) input type="text" name="department" maxlength="100"; }
                        label { (tr(l, "不立案理由（不立案时填写）", "Why not accepted (when declined)")) textarea name="reason" rows="3" {} }
                    }
                    @if next.contains(&ProposalStatus::Done) {
                        label { (tr(l, "答复（办结时填写）", "Reply (when concluded)")) textarea name="reply" rows="5" {} }
                    }
                    button type="submit" { (tr(l, "保存", "Save")) }
                }
            }
        }
        p { a href=(HERE) { (tr(l, "← 返回提案列表", "← Back to the proposals")) } }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    status: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reply: String,
}

/// Saves a review and comes back to the proposal saying how it went.
pub async fn review(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> Page {
    let l = s.lang;
    let here = format!("{HERE}/{id}");
    let Some(status) = ProposalStatus::parse(&f.status) else {
        return Ok(super::page::back_with_error(
            &here,
            tr(l, "请选择新状态。", "Choose the new status."),
        ));
    };
    let review = Review {
        status,
        department: f.department,
        reason: f.reason,
        reply: f.reply,
    };
    match proposals::review(&state, s.actor.clone(), id, review).await {
        Ok(p) => Ok(back(
            &here,
            &match l {
                Lang::Zh => format!(
                    "已改为“{}”，终端会在几秒内收到。",
                    p.proposal.status.label_zh()
                ),
                Lang::En => format!(
                    "Now “{}”; kiosks get it within seconds.",
                    p.proposal.status.label_en()
                ),
            },
        )),
        Err(e) => Ok(back_with(&here, e)),
    }
}

/// The call editor's fields as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CallForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    min_cosigners: String,
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    version: String,
}

impl CallForm {
    fn of(c: &ProposalCall, version: u32) -> CallForm {
        CallForm {
            org: String::new(),
            title: c.title.clone(),
            title_en: c.title_en.clone().unwrap_or_default(),
            description: c.description.clone(),
            min_cosigners: c.min_cosigners.to_string(),
            closes_at: c
                .closes_at
                .map(|t| {
                    t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
                        .strftime("%Y-%m-%dT%H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            version: version.to_string(),
        }
    }

    /// The call, or every problem in the staff member's language.
    fn read(&self, l: Lang) -> Result<ProposalCall, Vec<String>> {
        let mut problems = Vec::new();
        let min = match self.min_cosigners.trim().parse::<u32>() {
            Ok(n) if n <= MAX_COSIGNERS => n,
            _ => {
                problems.push(match l {
                    Lang::Zh => format!("附议人人数请填 0 到 {MAX_COSIGNERS} 的整数。"),
                    Lang::En => format!("Co-signers: a whole number from 0 to {MAX_COSIGNERS}."),
                });
                0
            }
        };
        let closes_at = local_time(&self.closes_at).unwrap_or_else(|()| {
            problems
                .push(tr(l, "截止时间格式不对。", "The closing time is not a time.").to_owned());
            None
        });
        let call = ProposalCall {
            title: self.title.trim().to_owned(),
            title_en: Some(self.title_en.trim().to_owned()).filter(|t| !t.is_empty()),
            description: self.description.trim().to_owned(),
            min_cosigners: min,
            closes_at,
        };
        if let Err(found) = ContentBody::ProposalCall(call.clone()).validate() {
            problems.extend(found.into_iter().map(|p| {
                let field = match p.field.as_str() {
                    "title" => tr(l, "标题", "Title"),
                    "title_en" => tr(l, "英文标题", "English title"),
                    "description" => tr(l, "说明", "Description"),
                    _ => tr(l, "附议人人数", "Co-signers"),
                };
                format!("{field}：{}", p.message)
            }));
        }
        if problems.is_empty() {
            Ok(call)
        } else {
            Err(problems)
        }
    }
}

fn call_page(
    l: Lang,
    s: &Session,
    action: &str,
    f: &CallForm,
    problems: &[String],
    orgs: Option<&[Org]>,
) -> Markup {
    html! {
        @for p in problems { p.error { (p) } }
        form.card method="post" action=(action) {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="version" value=(f.version);
            @if let Some(orgs) = orgs {
                label { (tr(l, "发布到", "Publish at")) " "
                    select name="org" { @for o in orgs {
                        option value=(o.id.0) selected[f.org == o.id.0.to_string()] { (("　".repeat(o.depth as usize))) (o.name) }
                    } } }
            }
            label { (tr(l, "标题（如：2026年职代会提案征集）", "Title (e.g. 2026年职代会提案征集)")) input type="text" name="title" value=(f.title) maxlength="100" required; }
            label { (tr(l, "英文标题（可不填）", "English title (optional)")) input type="text" name="title_en" value=(f.title_en) maxlength="100"; }
            label { (tr(l, "说明", "Description")) textarea name="description" rows="4" { (f.description) } }
            label { (tr(l, "每件提案至少几位附议人", "Co-signers each proposal needs")) input type="number" name="min_cosigners" min="0" max=(MAX_COSIGNERS) value=(f.min_cosigners) required; }
            label { (tr(l, "截止时间（北京时间，可不填）", "Closes (China time, optional)")) input type="datetime-local" name="closes_at" value=(f.closes_at); }
            button type="submit" { (tr(l, "发布", "Publish")) }
        }
    }
}

/// A blank call editor.
pub async fn new_call(State(state): State<AppState>, s: Publisher) -> Page {
    let orgs = org_options(&state, &s).await?;
    let f = CallForm {
        min_cosigners: "2".into(),
        ..CallForm::default()
    };
    let action = format!("{HERE}/calls/new");
    let l = s.lang;
    Ok(layout(
        &s,
        tr(l, "新建提案征集", "New call for proposals"),
        HERE,
        call_page(l, &s, &action, &f, &[], Some(&orgs)),
    )
    .into_response())
}

/// Publishes a new call, or shows the editor again with what was typed and why not.
pub async fn create_call(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<CallForm>,
) -> Page {
    let l = s.lang;
    let orgs = org_options(&state, &s).await?;
    let action = format!("{HERE}/calls/new");
    let again = |problems: &[String]| {
        Ok(layout(
            &s,
            tr(l, "新建提案征集", "New call for proposals"),
            HERE,
            call_page(l, &s, &action, &f, problems, Some(&orgs)),
        )
        .into_response())
    };
    let call = match f.read(l) {
        Ok(c) => c,
        Err(problems) => return again(&problems),
    };
    let Ok(org) = f.org.parse::<i64>() else {
        return again(&[tr(l, "请选择发布到哪个单位。", "Choose where to publish.").to_owned()]);
    };
    let w = ContentWrite {
        org_id: OrgId(org),
        published: true,
        publish_at: None,
        expire_at: None,
        body: ContentBody::ProposalCall(call),
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
            again(&[e.message])
        }
    }
}

/// The editor over a published call.
pub async fn edit_call(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::ProposalCall(c) = &record.item.body else {
        return Err(app_error(l, crate::error::AppError::not_found(&id)));
    };
    let action = format!("{HERE}/calls/{id}/edit");
    let f = CallForm::of(c, record.item.version);
    Ok(layout(&s, &c.title, HERE, call_page(l, &s, &action, &f, &[], None)).into_response())
}

/// Saves the editor as a new version of the call.
pub async fn save_call(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CallForm>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::ProposalCall(old) = &record.item.body else {
        return Err(app_error(l, crate::error::AppError::not_found(&id)));
    };
    let action = format!("{HERE}/calls/{id}/edit");
    let again = |problems: &[String]| {
        Ok(layout(
            &s,
            &old.title,
            HERE,
            call_page(l, &s, &action, &f, problems, None),
        )
        .into_response())
    };
    let call = match f.read(l) {
        Ok(c) => c,
        Err(problems) => return again(&problems),
    };
    let base: u32 = f.version.parse().unwrap_or(record.item.version);
    let done = content::edit(
        &state,
        s.actor.clone(),
        ContentId(id.clone()),
        base,
        ContentBody::ProposalCall(call),
        record.item.publish_at,
        record.item.expire_at,
    )
    .await;
    match done {
        Ok(Edited::Saved(_)) => Ok(back(
            HERE,
            tr(
                l,
                "已保存，终端会在几秒内收到。",
                "Saved; kiosks get it within seconds.",
            ),
        )),
        Ok(Edited::Unchanged) => Ok(back(
            HERE,
            tr(l, "没有改动，无需保存。", "Nothing changed."),
        )),
        Ok(Edited::Stale { current }) => again(&[super::revisions::stale(l, current)]),
        Err(e) => {
            e.log_cause();
            again(&[e.message])
        }
    }
}
