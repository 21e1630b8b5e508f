//! `sync-server demo`: the demo pack in `assets/demo/` (an org tree, articles, forms, slides, a
//! home layout, featured books, reading lists) plus a generated catalogue, loaded into a data dir
//! through the same code staff use. Every step is an idempotent upsert, so running the demo again
//! on the same data dir changes nothing.

mod branch_page;
pub mod catalog_gen;
mod competitions;
mod places;
mod polls;
mod proposals;
mod quiz;

use crate::content::{self, Schedule};
use crate::error::AppError;
use crate::import::{catalog, covers, news};
use crate::orgs::{self, Actor};
use crate::state::AppState;
use crate::{media, staff};
use anyhow::Context;
use include_dir::{Dir, include_dir};
use protocol::content::{
    AttractSlide, FormDefinition, HomeLayout, NewsCategory, ReadingList, Tile, TileAction,
};
use protocol::staff::{ContentWrite, NewStaff};
use protocol::{ContentBody, ContentId, OrgId};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

static PACK: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../assets/demo");

pub const ADMIN: &str = "admin";
pub const PASSWORD: &str = "demo-password-2026";
/// Seed of the generated catalogue: the demo is the same on every machine.
const CATALOG_SEED: u64 = 2026;

#[derive(Deserialize)]
struct OrgsFile {
    org: Vec<OrgEntry>,
}

#[derive(Deserialize)]
struct OrgEntry {
    name: String,
    parent: Option<String>,
}

#[derive(Deserialize)]
struct SlidesFile {
    slide: Vec<SlideEntry>,
}

#[derive(Deserialize)]
struct SlideEntry {
    title: String,
    #[serde(default)]
    subtitle: String,
    order: i32,
    seconds: u32,
}

#[derive(Deserialize)]
struct HomeFile {
    tile: Vec<TileEntry>,
}

#[derive(Deserialize)]
struct TileEntry {
    title: String,
    title_en: Option<String>,
    #[serde(default)]
    icon: String,
    action: String,
    /// A group's own tiles.
    #[serde(default)]
    tile: Vec<TileEntry>,
}

#[derive(Deserialize)]
struct ListsFile {
    list: Vec<ListEntry>,
}

#[derive(Deserialize)]
struct ListEntry {
    title: String,
    #[serde(default)]
    description: String,
    isbns: Vec<String>,
}

/// What the demo loaded, for the banner.
#[derive(Debug)]
pub struct Loaded {
    pub root: OrgId,
    /// The branch whose kiosk the demo enrolls.
    pub branch: OrgId,
    pub branch_name: String,
    pub news: usize,
    pub forms: usize,
    pub catalog_items: u64,
}

fn text(path: &str) -> anyhow::Result<&'static str> {
    PACK.get_file(path)
        .and_then(|f| f.contents_utf8())
        .with_context(|| format!("the demo pack has no text file {path}"))
}

async fn upsert(
    state: &AppState,
    key: String,
    org: OrgId,
    body: ContentBody,
) -> anyhow::Result<ContentId> {
    let write = ContentWrite {
        org_id: org,
        published: true,
        publish_at: None,
        expire_at: None,
        body,
    };
    let (_, id) = content::commit(state, Actor::Operator, Schedule::MayMove, move |cx| {
        cx.upsert(&key, Some(org), write)
    })
    .await?;
    Ok(id)
}

/// Creates the org tree (and the admin with the root), reusing orgs that already exist.
async fn load_orgs(state: &AppState) -> anyhow::Result<Vec<(OrgId, String, Option<String>)>> {
    let file: OrgsFile = toml::from_str(text("orgs.toml")?).context("assets/demo/orgs.toml")?;
    let mut made = Vec::new();
    let mut ids: HashMap<String, OrgId> = HashMap::new();
    for entry in file.org {
        let existing = news::resolve_org(state, news::OrgRef::Name(entry.name.clone())).await;
        let id = match (existing, &entry.parent) {
            (Ok(id), _) => id,
            (Err(_), None) => {
                let admin = NewStaff {
                    username: ADMIN.to_owned(),
                    password: PASSWORD.to_owned(),
                    display_name: "省工会管理员".to_owned(),
                    org_id: OrgId(0),
                    roles: None,
                };
                staff::bootstrap(state, entry.name.clone(), admin)
                    .await
                    .context("this data dir already belongs to another server; use an empty one")?
                    .org_id
            }
            (Err(_), Some(parent)) => {
                let parent = *ids
                    .get(parent)
                    .with_context(|| format!("orgs.toml: parent '{parent}' must come first"))?;
                orgs::create(state, Actor::Operator, parent, entry.name.clone())
                    .await?
                    .id
            }
        };
        ids.insert(entry.name.clone(), id);
        made.push((id, entry.name, entry.parent));
    }
    Ok(made)
}

/// A tile of home.toml; `action = "group"` takes the `[[tile.tile]]` entries under it.
fn tile(entry: TileEntry, forms: &HashMap<String, ContentId>) -> anyhow::Result<Tile> {
    let action = if entry.action == "group" {
        TileAction::Group {
            tiles: entry
                .tile
                .into_iter()
                .map(|t| tile(t, forms))
                .collect::<anyhow::Result<_>>()?,
        }
    } else {
        anyhow::ensure!(
            entry.tile.is_empty(),
            "home.toml: '{}' has tiles under it but is not a group",
            entry.title
        );
        tile_action(&entry.action, forms)?
    };
    Ok(Tile {
        action,
        title: entry.title,
        title_en: entry.title_en,
        icon: entry.icon,
    })
}

fn tile_action(action: &str, forms: &HashMap<String, ContentId>) -> anyhow::Result<TileAction> {
    Ok(match action.split_once(':') {
        None if action == "library" => TileAction::Library,
        None if action == "status_check" => TileAction::StatusCheck,
        None if action == "places" => TileAction::Places,
        None if action == "branch_page" => TileAction::BranchPage,
        None if action == "competitions" => TileAction::Competitions,
        None if action == "quiz" => TileAction::Quiz,
        None if action == "proposals" => TileAction::Proposals,
        None if action == "polls" => TileAction::Polls,
        Some(("news", category)) => TileAction::News {
            category: serde_json::from_value::<NewsCategory>(serde_json::json!(category))
                .with_context(|| format!("home.toml: unknown news category '{category}'"))?,
        },
        Some(("form", stem)) => TileAction::Form {
            form_id: forms
                .get(stem)
                .with_context(|| format!("home.toml: no form '{stem}' in forms/"))?
                .clone(),
        },
        _ => anyhow::bail!("home.toml: unknown tile action '{action}'"),
    })
}

/// Loads the whole pack and a `catalog_size`-item generated catalogue into `state`.
pub async fn load(
    state: &AppState,
    work_dir: &Path,
    catalog_size: u64,
    progress: &dyn catalog::Progress,
) -> anyhow::Result<Loaded> {
    let orgs = load_orgs(state).await?;
    let root = orgs.first().context("orgs.toml lists no org")?.0;
    let parents: Vec<&str> = orgs.iter().filter_map(|o| o.2.as_deref()).collect();
    let (branch, branch_name, branch_parent) = orgs
        .iter()
        .find(|o| o.2.is_some() && !parents.contains(&o.1.as_str()))
        .context("orgs.toml has no branch")?
        .clone();

    let mut news_count = 0;
    let news_dir = PACK.get_dir("news").context("the demo pack has no news/")?;
    for file in news_dir.files() {
        let body = file.contents_utf8().context("news files are UTF-8")?;
        news::publish_text(state, Actor::Operator, body, file.path(), None)
            .await
            .with_context(|| file.path().display().to_string())?;
        news_count += 1;
    }

    let mut forms = HashMap::new();
    let forms_dir = PACK
        .get_dir("forms")
        .context("the demo pack has no forms/")?;
    for file in forms_dir.files() {
        let stem = file
            .path()
            .file_stem()
            .and_then(|s| s.to_str())
            .context("form file name")?
            .to_owned();
        let body: ContentBody = serde_json::from_slice(file.contents())
            .with_context(|| format!("{} is not a form", file.path().display()))?;
        anyhow::ensure!(
            matches!(body, ContentBody::Form(FormDefinition { .. })),
            "{stem} is not a form"
        );
        let id = upsert(state, format!("form:{stem}"), root, body).await?;
        forms.insert(stem, id);
    }
    // Each form's response deadline (`deadlines`): feedback within 24 hours, as the seed
    // platforms promise; applications and suggestions in working days.
    for (stem, unit, amount) in [
        ("feedback", "hours", 24),
        ("membership", "working_days", 3),
        ("activity", "working_days", 3),
        ("hardship", "working_days", 5),
        ("suggestion", "working_days", 10),
    ] {
        if let Some(id) = forms.get(stem) {
            crate::deadlines::settings::set_form_deadline(
                state,
                Actor::Operator,
                id.0.clone(),
                unit.to_owned(),
                amount,
            )
            .await?;
        }
    }

    places::load(state, root).await?;
    let city = orgs
        .iter()
        .find(|o| Some(&o.1) == branch_parent.as_ref())
        .context("the demo branch's city")?
        .0;
    branch_page::load(state, branch, city).await?;
    let leaves: Vec<(OrgId, String)> = orgs
        .iter()
        .filter(|o| o.2.is_some() && !parents.contains(&o.1.as_str()))
        .map(|o| (o.0, o.1.clone()))
        .collect();
    competitions::load(state, root, city, &leaves).await?;
    proposals::load(state, root).await?;
    polls::load(state, root).await?;
    quiz::load(state, root, text("quiz.toml")?).await?;

    let slides: SlidesFile = toml::from_str(text("slides.toml")?).context("slides.toml")?;
    for s in slides.slide {
        let png = covers::generate(&s.title, None, 1920, 1080);
        let image = media::store_upload(state, png).await?.display.sha256;
        let body = ContentBody::AttractSlide(AttractSlide {
            title: s.title,
            subtitle: s.subtitle,
            image,
            order: s.order,
            seconds: s.seconds,
        });
        upsert(state, format!("slide:{}", s.order), root, body).await?;
    }

    let home: HomeFile = toml::from_str(text("home.toml")?).context("home.toml")?;
    let tiles = home
        .tile
        .into_iter()
        .map(|t| tile(t, &forms))
        .collect::<anyhow::Result<Vec<_>>>()?;
    upsert(
        state,
        "home".to_owned(),
        root,
        ContentBody::HomeLayout(HomeLayout { tiles }),
    )
    .await?;

    std::fs::create_dir_all(work_dir)?;
    let featured = work_dir.join("featured-books.csv");
    std::fs::write(&featured, text("featured-books.csv")?)?;
    let generated = work_dir.join(format!("catalog-{catalog_size}-{CATALOG_SEED}.csv"));
    if !generated.exists() {
        let tmp = work_dir.join("catalog.csv.tmp");
        let featured_keys = csv::Reader::from_path(&featured)?
            .records()
            .filter_map(|r| r.ok())
            .flat_map(|r| {
                [
                    r.get(4).unwrap_or("").to_owned(),
                    r.get(11).unwrap_or("").to_owned(),
                ]
            })
            .filter(|k| !k.is_empty())
            .collect();
        let out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        catalog_gen::write_csv(out, catalog_size, CATALOG_SEED, &featured_keys)?;
        std::fs::rename(&tmp, &generated)?;
    }
    let mut catalog_items = 0;
    for file in [&generated, &featured] {
        let options = catalog::Options {
            org: root,
            encoding: None,
            sheet: None,
            clc: None,
            skip_invalid: false,
            replace: false,
            covers: None,
        };
        let report = catalog::import(state, Actor::Operator, file, options, progress).await?;
        if let Some(e) = report.errors.first() {
            anyhow::bail!("{} line {}: {}", file.display(), e.line, e.message);
        }
        catalog_items += report.rows;
    }

    let lists: ListsFile =
        toml::from_str(text("reading-lists.toml")?).context("reading-lists.toml")?;
    for (i, list) in lists.list.into_iter().enumerate() {
        let isbns = list.isbns.clone();
        let items = state
            .db
            .read(move |tx| {
                let mut ids = Vec::new();
                for isbn in isbns {
                    let id: String = tx
                        .query_row(
                            "SELECT id FROM content WHERE kind = 'library_item' AND external_key = ?1",
                            [format!("isbn:{isbn}")],
                            |r| r.get(0),
                        )
                        .map_err(|_| AppError::not_found(&format!("ISBN {isbn} 的图书")))?;
                    ids.push(ContentId(id));
                }
                Ok(ids)
            })
            .await?;
        let body = ContentBody::ReadingList(ReadingList {
            title: list.title,
            description: list.description,
            cover: None,
            items,
        });
        upsert(state, format!("list:{i}"), root, body).await?;
    }

    Ok(Loaded {
        root,
        branch,
        branch_name,
        news: news_count,
        forms: forms.len(),
        catalog_items,
    })
}
