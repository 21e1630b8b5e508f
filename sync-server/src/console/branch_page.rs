//! 职工之家 — an org's own page, edited by its publishers (and those of the orgs above it): an
//! introduction, facilities, contacts with a link shown as a QR code, and photos. Opening hours
//! stay on their own page (`hours`), which this one links to; kiosks show both.
//!
//! Staff type plain text, one facility or contact a line; every problem is named in a sentence
//! and the form is kept as typed. Photos go through the media pipeline one upload at a time.

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use protocol::branch_page::{BranchPage, Contact, Facility, MAX_PHOTOS};
use protocol::content::ContentBody;
use protocol::{MediaHash, OrgId};
use serde::Deserialize;
use url::Url;

use super::page::{Page, app_error, flash, layout, org_options, urlencode, when};
use super::session::{CsrfForm, Publisher, Session};
use super::{Lang, tr};
use crate::content::Upserted;
use crate::content::branch_page::{self, PageAt};
use crate::media;
use crate::multipart::MultipartForm;
use crate::state::AppState;

pub const HERE: &str = "/console/branch-page";
pub const PHOTO: &str = "/console/branch-page/photo";
pub const PHOTO_REMOVE: &str = "/console/branch-page/photo/remove";

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    org: Option<i64>,
    ok: Option<String>,
    err: Option<String>,
}

/// The form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct PageForm {
    org: i64,
    #[serde(default)]
    intro: String,
    /// One facility a line: `名称：说明`.
    #[serde(default)]
    facilities: String,
    /// One contact a line: `姓名 | 职务 | 电话 | 链接`.
    #[serde(default)]
    contacts: String,
}

/// Splits on the first of `seps`, trimming both halves.
fn split_first<'a>(line: &'a str, seps: &[char]) -> (&'a str, &'a str) {
    match line.split_once(seps) {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (line.trim(), ""),
    }
}

impl PageForm {
    /// The form as a stored page fills it.
    fn of(org: i64, p: &BranchPage) -> PageForm {
        PageForm {
            org,
            intro: p.intro.clone(),
            facilities: p
                .facilities
                .iter()
                .map(|f| {
                    if f.description.is_empty() {
                        f.name.clone()
                    } else {
                        format!("{}：{}", f.name, f.description)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            contacts: p
                .contacts
                .iter()
                .map(|c| {
                    let url = c.qr_url.as_ref().map(Url::as_str).unwrap_or("");
                    format!("{} | {} | {} | {url}", c.name, c.role, c.phone)
                        .trim_end_matches([' ', '|'])
                        .to_owned()
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The page typed (keeping `photos`), or every problem found, each a sentence.
    fn parse(&self, photos: Vec<MediaHash>) -> Result<BranchPage, Vec<String>> {
        let mut problems = Vec::new();
        let facilities = lines(&self.facilities)
            .map(|(_, line)| {
                let (name, description) = split_first(line, &['：', ':']);
                Facility {
                    name: name.to_owned(),
                    description: description.to_owned(),
                }
            })
            .collect();
        let mut contacts = Vec::new();
        for (n, line) in lines(&self.contacts) {
            let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
            if parts.len() > 4 {
                problems.push(format!(
                    "联系人第 {n} 行：最多四项（姓名 | 职务 | 电话 | 链接）"
                ));
                continue;
            }
            let part = |i: usize| parts.get(i).copied().unwrap_or("").to_owned();
            let qr_url = match part(3).as_str() {
                "" => None,
                text => match Url::parse(text) {
                    Ok(url) => Some(url),
                    Err(_) => {
                        problems.push(format!(
                            "联系人第 {n} 行：“{text}”不是链接，请写成 https://… 这样"
                        ));
                        continue;
                    }
                },
            };
            contacts.push(Contact {
                name: part(0),
                role: part(1),
                phone: part(2),
                qr_url,
            });
        }
        let page = BranchPage {
            intro: self.intro.trim().replace("\r\n", "\n"),
            facilities,
            contacts,
            photos,
        };
        if let Err(found) = ContentBody::BranchPage(page.clone()).validate() {
            problems.extend(found.into_iter().map(|p| sentence(&p.field, &p.message)));
        }
        if problems.is_empty() {
            Ok(page)
        } else {
            Err(problems)
        }
    }
}

/// A validation problem said with the line it is on (`contacts[2].phone` → 联系人第 3 行).
fn sentence(field: &str, message: &str) -> String {
    let line = |prefix: &str| {
        field
            .strip_prefix(prefix)
            .and_then(|rest| rest.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
            .map(|i| i + 1)
    };
    if let Some(n) = line("facilities[") {
        format!("设施第 {n} 行：{message}")
    } else if let Some(n) = line("contacts[") {
        format!("联系人第 {n} 行：{message}")
    } else if field == "intro" {
        format!("简介：{message}")
    } else {
        message.to_owned()
    }
}

/// Non-empty lines with their numbers from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn here(org: i64) -> String {
    format!("{HERE}?org={org}")
}

fn redirect(org: i64, ok: bool, message: &str) -> Response {
    let key = if ok { "ok" } else { "err" };
    Redirect::to(&format!("{}&{key}={}", here(org), urlencode(message))).into_response()
}

pub async fn page(State(state): State<AppState>, s: Publisher, Query(q): Query<PageQuery>) -> Page {
    let org = q.org.unwrap_or(s.info.org_id.0);
    let at = branch_page::at(&state, s.actor.clone(), OrgId(org))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let form = at
        .own
        .as_ref()
        .map(|own| PageForm::of(org, &own.page))
        .unwrap_or(PageForm {
            org,
            ..PageForm::default()
        });
    let notice = super::page::Notice {
        ok: q.ok,
        err: q.err,
    };
    let body = render(&state, &s, &at, &form, &[], html! { (flash(&notice)) }).await?;
    Ok(body.into_response())
}

pub async fn save(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<PageForm>,
) -> Page {
    let l = s.lang;
    let org = OrgId(f.org);
    // The org is checked before anything is said about what was typed.
    let at = branch_page::at(&state, s.actor.clone(), org)
        .await
        .map_err(|e| app_error(l, e))?;
    let photos = at
        .own
        .as_ref()
        .map(|own| own.page.photos.clone())
        .unwrap_or_default();
    let parsed = match f.parse(photos) {
        Ok(parsed) => parsed,
        Err(problems) => {
            let page = render(&state, &s, &at, &f, &problems, html! {}).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let done = branch_page::set(&state, s.actor.clone(), org, parsed)
        .await
        .map_err(|e| app_error(l, e))?;
    let message = match done {
        Upserted::Unchanged => tr(l, "页面没有变化。", "Nothing changed."),
        _ => tr(
            l,
            "已保存，终端会在几秒内显示新的页面。",
            "Saved; kiosks show the new page within seconds.",
        ),
    };
    Ok(redirect(f.org, true, message))
}

/// Adds one uploaded photo to the org's saved page.
pub async fn add_photo(
    State(state): State<AppState>,
    s: Publisher,
    mut multipart: Multipart,
) -> Page {
    let l = s.lang;
    let mut form = MultipartForm::read(&mut multipart, &["photo"])
        .await
        .map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                tr(l, "图片太大。", "The image is too large."),
            )
                .into_response()
        })?;
    s.check_csrf(form.text("_csrf"))?;
    let org: i64 = form.text("org").parse().map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            tr(l, "缺少单位。", "No org given."),
        )
            .into_response()
    })?;
    let at = branch_page::at(&state, s.actor.clone(), OrgId(org))
        .await
        .map_err(|e| app_error(l, e))?;
    let Some(mut page) = at.own.map(|own| own.page) else {
        return Ok(redirect(
            org,
            false,
            tr(
                l,
                "请先保存页面，再添加照片。",
                "Save the page before adding photos.",
            ),
        ));
    };
    let Some(bytes) = form.take_file("photo").filter(|b| !b.is_empty()) else {
        return Ok(redirect(
            org,
            false,
            tr(l, "请选择一张图片。", "Choose an image."),
        ));
    };
    if page.photos.len() >= MAX_PHOTOS {
        return Ok(redirect(
            org,
            false,
            tr(
                l,
                "照片已达上限，请先删除一张。",
                "Too many photos; remove one first.",
            ),
        ));
    }
    let stored = match media::store_upload(&state, bytes.to_vec()).await {
        Ok(stored) => stored,
        Err(e) => {
            e.log_cause();
            return Ok(redirect(org, false, &e.message));
        }
    };
    page.photos.push(stored.display.sha256);
    branch_page::set(&state, s.actor.clone(), OrgId(org), page)
        .await
        .map_err(|e| app_error(l, e))?;
    Ok(redirect(org, true, tr(l, "照片已添加。", "Photo added.")))
}

#[derive(Deserialize)]
pub struct PhotoRemove {
    org: i64,
    hash: String,
}

pub async fn remove_photo(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<PhotoRemove>,
) -> Page {
    let l = s.lang;
    let at = branch_page::at(&state, s.actor.clone(), OrgId(f.org))
        .await
        .map_err(|e| app_error(l, e))?;
    if let Some(mut page) = at.own.map(|own| own.page) {
        page.photos.retain(|h| h.as_str() != f.hash);
        branch_page::set(&state, s.actor.clone(), OrgId(f.org), page)
            .await
            .map_err(|e| app_error(l, e))?;
    }
    Ok(redirect(
        f.org,
        true,
        tr(l, "照片已删除。", "Photo removed."),
    ))
}

/// The page: which org, the form, and the photos.
async fn render(
    state: &AppState,
    s: &Session,
    at: &PageAt,
    form: &PageForm,
    problems: &[String],
    notice: Markup,
) -> Result<Markup, Response> {
    let l = s.lang;
    let orgs = org_options(state, s).await?;
    let org = form.org;
    Ok(layout(
        s,
        tr(l, "职工之家", "Workers' home"),
        HERE,
        html! {
            (notice)
            form.search method="get" action=(HERE) {
                select name="org" {
                    @for o in &orgs {
                        option value=(o.id.0) selected[o.id.0 == org] { (("　".repeat(o.depth as usize))) (o.name) }
                    }
                }
                button type="submit" { (tr(l, "查看", "Show")) }
            }
            p.hint {
                @match (&at.own, l) {
                    (Some(own), Lang::Zh) => { "本单位的职工之家页面（" (when(own.updated_at)) " 更新）。" }
                    (Some(own), Lang::En) => { "This org's page (updated " (when(own.updated_at)) ")." }
                    (None, _) => { (tr(l, "本单位还没有职工之家页面，保存后终端即可显示。", "This org has no page yet; kiosks show it once saved.")) }
                }
                @if let Some(parent) = &at.parent {
                    " " (match l {
                        Lang::Zh => format!("终端同时显示上级单位“{parent}”的页面。"),
                        Lang::En => format!("Kiosks also show the page of {parent}."),
                    })
                }
                " " a href=(format!("/console/hours?org={org}")) { (tr(l, "开放时间在“开放时间”页设置", "Opening hours are set on the Opening hours page")) }
                @if let Some(own) = &at.own {
                    " · " a href=(super::revisions::history_url(&own.id)) { (tr(l, "修改记录", "History")) }
                }
            }
            @if !problems.is_empty() {
                div.error-list {
                    p.error { (tr(l, "没有保存，请改正以下问题：", "Not saved; please fix:")) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            form.card method="post" action=(HERE) {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="org" value=(org);
                label {
                    (tr(l, "简介", "Introduction"))
                    textarea name="intro" rows="5" { (form.intro) }
                }
                label {
                    (tr(l, "设施：每行一项，名称和说明用冒号隔开", "Facilities: one a line, name and description separated by a colon"))
                    textarea name="facilities" rows="6" placeholder="职工书屋：一楼 105，藏书 3000 册" { (form.facilities) }
                }
                label {
                    (tr(l, "联系人：每行一位，姓名 | 职务 | 电话 | 链接（链接可不填，终端显示为二维码）", "Contacts: one a line, name | role | phone | link (optional, shown as a QR code)"))
                    textarea name="contacts" rows="5" placeholder="王芳 | 工会主席 | 0311-8888 6666 | https://…" { (form.contacts) }
                }
                button type="submit" { (tr(l, "保存页面", "Save page")) }
            }
            @if let Some(own) = &at.own {
                section.card {
                    h2 { (tr(l, "照片", "Photos")) }
                    @if own.page.photos.is_empty() {
                        p.hint { (tr(l, "还没有照片。", "No photos yet.")) }
                    }
                    div.photos {
                        @for hash in &own.page.photos {
                            figure {
                                img src=(format!("/console/media/{hash}")) alt=(tr(l, "照片", "Photo")) width="160";
                                form method="post" action=(PHOTO_REMOVE) {
                                    input type="hidden" name="_csrf" value=(s.csrf);
                                    input type="hidden" name="org" value=(org);
                                    input type="hidden" name="hash" value=(hash.as_str());
                                    button.danger type="submit" { (tr(l, "删除", "Remove")) }
                                }
                            }
                        }
                    }
                    form method="post" action=(PHOTO) enctype="multipart/form-data" {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input type="hidden" name="org" value=(org);
                        input type="file" name="photo" accept="image/*";
                        button type="submit" { (tr(l, "添加照片", "Add photo")) }
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_and_written_back_alike() {
        let f = PageForm {
            org: 1,
            intro: "一楼。".to_owned(),
            facilities: "职工书屋：一楼 105\n\n健身房".to_owned(),
            contacts:
                "王芳 | 工会主席 | 0311-8888 6666 | https://example.cn/w\n李强 ｜ 法律援助 ｜ 12351"
                    .to_owned(),
        };
        let page = f.parse(Vec::new()).expect("reads");
        assert_eq!(page.facilities.len(), 2);
        assert_eq!(page.facilities[1].description, "");
        assert_eq!(page.contacts[1].phone, "12351");
        assert!(page.contacts[1].qr_url.is_none());
        let back = PageForm::of(1, &page);
        assert_eq!(back.parse(Vec::new()).expect("reads again"), page);
    }

    #[test]
    fn each_problem_names_its_line() {
        let f = PageForm {
            org: 1,
            intro: String::new(),
            facilities: "：无名".to_owned(),
            contacts: "王芳 | 主席 | 电话号码\n李强 | | | 不是链接".to_owned(),
        };
        let problems = f.parse(Vec::new()).expect_err("refused");
        assert_eq!(
            problems,
            [
                "联系人第 2 行：“不是链接”不是链接，请写成 https://… 这样",
                "设施第 1 行：不能为空",
                "联系人第 1 行：电话只能包含数字、空格、+、- 和括号，最多 30 个字符",
            ]
        );
    }
}
