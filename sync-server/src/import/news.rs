//! `publish-news FILE.md`: a Markdown article with TOML front matter between `+++` lines.
//! Publishing the same file again updates the article it made (found by its slug) instead of
//! making another; an unchanged file changes nothing.
//!
//! ```text
//! +++
//! title = "关于做好今冬职工送温暖工作的通知"
//! category = "policy"          # policy, union_news, activities, training, women_workers,
//!                              # awards, democratic_management
//! summary = "一两句话的摘要"
//! org = "江南省分行工会"         # org name or id; --org overrides
//! pinned = true
//! cover = "cover.jpg"          # a file next to the article, or true for a generated cover
//! phone_link = "https://…"     # shown on the kiosk as a QR code
//! publish_at = "2026-12-01T00:00:00Z"
//! expire_at = "2027-01-31T00:00:00Z"
//! slug = "song-wen-nuan-2026"  # default: the file name without .md
//! +++
//! ## 正文小标题 …  (images: ![说明](picture.jpg), uploaded and rewritten to media:HASH)
//! ```

use super::covers;
use crate::content::{self, Schedule, Upserted};
use crate::error::{AppError, AppResult};
use crate::media;
use crate::orgs::Actor;
use crate::state::AppState;
use jiff::Timestamp;
use protocol::ErrorCode;
use protocol::content::{NewsArticle, NewsCategory};
use protocol::staff::ContentWrite;
use protocol::{ContentBody, ContentId, MediaHash, OrgId};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use url::Url;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub category: NewsCategory,
    #[serde(default)]
    pub summary: String,
    pub org: Option<OrgRef>,
    #[serde(default)]
    pub pinned: bool,
    pub cover: Option<Cover>,
    pub phone_link: Option<Url>,
    pub publish_at: Option<Timestamp>,
    pub expire_at: Option<Timestamp>,
    pub slug: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OrgRef {
    Id(i64),
    Name(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Cover {
    File(String),
    Generated(bool),
}

fn invalid(file: &Path, why: impl std::fmt::Display) -> AppError {
    AppError::bad_request(
        ErrorCode::InvalidArticle,
        format!("{}：{why}", file.display()),
    )
}

/// Splits `+++` front matter from the Markdown body.
pub fn split(text: &str, file: &Path) -> AppResult<(FrontMatter, String)> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let rest = text
        .strip_prefix("+++\n")
        .ok_or_else(|| invalid(file, "文件须以 +++ 开头的前置信息（TOML）开始"))?;
    let end = rest
        .find("\n+++\n")
        .or_else(|| rest.ends_with("\n+++").then(|| rest.len() - 4))
        .ok_or_else(|| invalid(file, "前置信息没有以 +++ 结束"))?;
    let front: FrontMatter =
        toml::from_str(&rest[..end]).map_err(|e| invalid(file, format!("前置信息有误：{e}")))?;
    let body = rest[end + 4..]
        .trim_start_matches('\n')
        .trim_end()
        .to_owned();
    Ok((front, body))
}

fn slug_of(front: &FrontMatter, file: &Path) -> AppResult<String> {
    let slug = match &front.slug {
        Some(s) => s.clone(),
        None => file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned(),
    };
    let ok = !slug.is_empty()
        && slug.len() <= 100
        && slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(slug)
    } else {
        Err(invalid(
            file,
            format!("slug '{slug}' 只能用字母、数字、点、下划线和连字符"),
        ))
    }
}

/// Resolves an org given by id or by (unique) name.
pub async fn resolve_org(state: &AppState, org: OrgRef) -> AppResult<OrgId> {
    state
        .db
        .read(move |tx| {
            let ids: Vec<i64> = match &org {
                OrgRef::Id(id) => tx
                    .prepare("SELECT id FROM orgs WHERE id = ?1")?
                    .query_map([id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?,
                OrgRef::Name(name) => tx
                    .prepare("SELECT id FROM orgs WHERE name = ?1")?
                    .query_map([name], |r| r.get(0))?
                    .collect::<Result<_, _>>()?,
            };
            let shown = match &org {
                OrgRef::Id(id) => id.to_string(),
                OrgRef::Name(n) => n.clone(),
            };
            match ids.as_slice() {
                [one] => Ok(OrgId(*one)),
                [] => Err(AppError::not_found(&format!("单位“{shown}”"))),
                _ => Err(AppError::bad_request(
                    ErrorCode::AmbiguousOrg,
                    format!("有多个名为“{shown}”的单位，请改用单位编号"),
                )),
            }
        })
        .await
}

/// An image the article names, as a file in the article's folder (see [`super::file_inside`]).
fn inside(dir: &Path, name: &str) -> AppResult<PathBuf> {
    super::file_inside(dir, name)
        .map_err(|why| AppError::bad_request(ErrorCode::MissingImage, format!("图片{why}")))
}

async fn upload_file(state: &AppState, path: &Path) -> AppResult<MediaHash> {
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        AppError::bad_request(
            ErrorCode::MissingImage,
            format!("无法读取图片 {}：{e}", path.display()),
        )
    })?;
    let stored = media::store_upload(state, bytes).await?;
    Ok(stored.display.sha256)
}

/// Uploads local images the body refers to and rewrites them to `media:HASH`.
async fn upload_body_images(
    state: &AppState,
    body: &str,
    dir: &Path,
) -> AppResult<(String, Vec<MediaHash>)> {
    use pulldown_cmark::{Event, Parser, Tag};
    let local: Vec<String> = Parser::new(body)
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.into_string()),
            _ => None,
        })
        .filter(|u| !u.starts_with("media:") && !u.contains("://"))
        .collect();
    let mut text = body.to_owned();
    let mut hashes = Vec::new();
    for url in local {
        let hash = upload_file(state, &inside(dir, &url)?).await?;
        text = text.replace(&format!("]({url})"), &format!("](media:{hash})"));
        hashes.push(hash);
    }
    for e in Parser::new(&text) {
        if let Event::Start(Tag::Image { dest_url, .. }) = e
            && let Some(h) = dest_url.strip_prefix("media:")
            && let Ok(h) = h.parse::<MediaHash>()
            && !hashes.contains(&h)
        {
            hashes.push(h);
        }
    }
    Ok((text, hashes))
}

/// Publishes (or updates) the article in `file`. `org` overrides the front matter's.
pub async fn publish(
    state: &AppState,
    actor: Actor,
    file: &Path,
    org: Option<OrgId>,
) -> AppResult<(Upserted, ContentId)> {
    let text = tokio::fs::read_to_string(file)
        .await
        .map_err(|e| invalid(file, format!("无法读取：{e}")))?;
    publish_text(state, actor, &text, file, org).await
}

/// Publishes an article's text as if read from `file`: the file's name gives the default slug
/// and its folder is where local images are looked up.
pub async fn publish_text(
    state: &AppState,
    actor: Actor,
    text: &str,
    file: &Path,
    org: Option<OrgId>,
) -> AppResult<(Upserted, ContentId)> {
    let (front, markdown) = split(text, file)?;
    let slug = slug_of(&front, file)?;
    let org = match (org, front.org.clone()) {
        (Some(o), _) => o,
        (None, Some(r)) => resolve_org(state, r).await?,
        (None, None) => {
            return Err(invalid(
                file,
                "没有指定发布单位：前置信息加 org，或用 --org",
            ));
        }
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let cover = match &front.cover {
        Some(Cover::File(name)) => Some(upload_file(state, &inside(dir, name)?).await?),
        Some(Cover::Generated(true)) => {
            let png = covers::generate(&slug, Some(front.category), 1280, 720);
            let stored = media::store_upload(state, png).await?;
            Some(stored.display.sha256)
        }
        Some(Cover::Generated(false)) | None => None,
    };
    let (body_markdown, images) = upload_body_images(state, &markdown, dir).await?;
    let write = ContentWrite {
        org_id: org,
        published: true,
        publish_at: front.publish_at,
        expire_at: front.expire_at,
        body: ContentBody::News(NewsArticle {
            title: front.title,
            summary: front.summary,
            body_markdown,
            cover,
            images,
            category: front.category,
            pinned: front.pinned,
            phone_link: front.phone_link,
        }),
    };
    let key = format!("news:{slug}");
    content::commit(state, actor, Schedule::MayMove, move |cx| {
        cx.upsert(&key, None, write)
    })
    .await
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_splits_from_body() {
        let text = "+++\ntitle = \"标题\"\ncategory = \"policy\"\norg = 3\ncover = true\n+++\n\n## 正文\n内容\n";
        let (front, body) = split(text, Path::new("a.md")).expect("parses");
        assert_eq!(front.title, "标题");
        assert!(matches!(front.org, Some(OrgRef::Id(3))));
        assert!(matches!(front.cover, Some(Cover::Generated(true))));
        assert_eq!(body, "## 正文\n内容");
    }

    #[test]
    fn bad_front_matter_says_what_is_wrong() {
        for (text, needle) in [
            ("## no front matter", "+++"),
            ("+++\ntitle = \"x\"\n", "结束"),
            (
                "+++\ntitle = \"x\"\ncategory = \"poetry\"\n+++\nbody",
                "前置信息有误",
            ),
            (
                "+++\ntitel = \"x\"\ncategory = \"policy\"\n+++\nbody",
                "titel",
            ),
        ] {
            let err = split(text, Path::new("a.md")).expect_err(text);
            assert!(err.message.contains(needle), "{text:?}: {}", err.message);
        }
    }
}
