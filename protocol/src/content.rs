//! Content kinds published centrally and shown on kiosks, with the checks every writer applies.
//!
//! A content item is published at one org unit and reaches kiosks at that org and everywhere
//! below it. The server assigns `id`, `version` and `updated_at`; staff write the `body`.

use crate::ids::{ContentId, MediaHash, OrgId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use url::Url;

mod form;
/// How large a form definition may grow, checked by `FormDefinition::problems`.
pub use form::check as form_limits;
pub use form::{
    ChoiceOption, DateLimit, FieldInput, FormDefinition, FormField, FormProblem, VisibleIf,
};
pub mod hours;
pub use hours::OpeningHours;

/// One published item as a kiosk receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentItem {
    pub id: ContentId,
    pub org_id: OrgId,
    /// Starts at 1 and grows with every edit. For forms, each version is kept for ever, so a
    /// submission can name the exact version it was filled against.
    pub version: u32,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<Timestamp>,
    pub body: ContentBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    News,
    LibraryItem,
    ReadingList,
    Form,
    AttractSlide,
    HomeLayout,
    OpeningHours,
    Offering,
    PlacesLeft,
    BranchPage,
    Competition,
    Poll,
    PollResults,
    Quiz,
    QuizRanking,
    ProposalCall,
    Proposal,
}

impl ContentKind {
    pub const ALL: [ContentKind; 17] = [
        ContentKind::News,
        ContentKind::LibraryItem,
        ContentKind::ReadingList,
        ContentKind::Form,
        ContentKind::AttractSlide,
        ContentKind::HomeLayout,
        ContentKind::OpeningHours,
        ContentKind::Offering,
        ContentKind::PlacesLeft,
        ContentKind::BranchPage,
        ContentKind::Competition,
        ContentKind::Poll,
        ContentKind::PollResults,
        ContentKind::Quiz,
        ContentKind::QuizRanking,
        ContentKind::ProposalCall,
        ContentKind::Proposal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::News => "news",
            ContentKind::LibraryItem => "library_item",
            ContentKind::ReadingList => "reading_list",
            ContentKind::Form => "form",
            ContentKind::AttractSlide => "attract_slide",
            ContentKind::HomeLayout => "home_layout",
            ContentKind::OpeningHours => "opening_hours",
            ContentKind::Offering => "offering",
            ContentKind::PlacesLeft => "places_left",
            ContentKind::BranchPage => "branch_page",
            ContentKind::Competition => "competition",
            ContentKind::Poll => "poll",
            ContentKind::PollResults => "poll_results",
            ContentKind::Quiz => "quiz",
            ContentKind::QuizRanking => "quiz_ranking",
            ContentKind::ProposalCall => "proposal_call",
            ContentKind::Proposal => "proposal",
        }
    }
}

impl fmt::Display for ContentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown content kind '{0}'")]
pub struct UnknownKind(pub String);

impl FromStr for ContentKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// The body of a content item, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContentBody {
    News(NewsArticle),
    LibraryItem(LibraryItem),
    ReadingList(ReadingList),
    Form(FormDefinition),
    AttractSlide(AttractSlide),
    HomeLayout(HomeLayout),
    OpeningHours(OpeningHours),
    Offering(crate::places::Offering),
    /// Written by the server only (see `places`); staff cannot publish it.
    PlacesLeft(crate::places::PlacesLeft),
    /// 职工之家: an org's own page, one per org.
    BranchPage(crate::branch_page::BranchPage),
    /// 劳动竞赛: a labour competition with its scores.
    Competition(crate::competition::Competition),
    /// 民主管理: a poll or survey (see `poll`).
    Poll(crate::poll::Poll),
    /// A poll's tallies: written by the server only (see `poll`).
    PollResults(crate::poll::PollResults),
    /// 知识竞赛: a question bank and how a round is drawn from it.
    Quiz(crate::quiz::Quiz),
    /// Written by the server only (see `quiz`): a quiz's ranking.
    QuizRanking(crate::quiz::QuizRanking),
    /// 职代会提案: a congress session's call for proposals.
    ProposalCall(crate::proposal::ProposalCall),
    /// One proposal as kiosks show it: written by the server only (see `proposal`).
    Proposal(crate::proposal::Proposal),
}

impl ContentBody {
    pub fn kind(&self) -> ContentKind {
        match self {
            ContentBody::News(_) => ContentKind::News,
            ContentBody::LibraryItem(_) => ContentKind::LibraryItem,
            ContentBody::ReadingList(_) => ContentKind::ReadingList,
            ContentBody::Form(_) => ContentKind::Form,
            ContentBody::AttractSlide(_) => ContentKind::AttractSlide,
            ContentBody::HomeLayout(_) => ContentKind::HomeLayout,
            ContentBody::OpeningHours(_) => ContentKind::OpeningHours,
            ContentBody::Offering(_) => ContentKind::Offering,
            ContentBody::PlacesLeft(_) => ContentKind::PlacesLeft,
            ContentBody::BranchPage(_) => ContentKind::BranchPage,
            ContentBody::Competition(_) => ContentKind::Competition,
            ContentBody::Poll(_) => ContentKind::Poll,
            ContentBody::PollResults(_) => ContentKind::PollResults,
            ContentBody::Quiz(_) => ContentKind::Quiz,
            ContentBody::QuizRanking(_) => ContentKind::QuizRanking,
            ContentBody::ProposalCall(_) => ContentKind::ProposalCall,
            ContentBody::Proposal(_) => ContentKind::Proposal,
        }
    }

    /// Every media hash the body refers to; the server requires each to be stored.
    pub fn media(&self) -> Vec<&MediaHash> {
        match self {
            ContentBody::News(n) => n.cover.iter().chain(&n.images).collect(),
            ContentBody::LibraryItem(l) => l.cover.iter().collect(),
            ContentBody::ReadingList(r) => r.cover.iter().collect(),
            ContentBody::Form(_)
            | ContentBody::HomeLayout(_)
            | ContentBody::OpeningHours(_)
            | ContentBody::Offering(_)
            | ContentBody::PlacesLeft(_)
            | ContentBody::Competition(_)
            | ContentBody::Poll(_)
            | ContentBody::PollResults(_)
            | ContentBody::Quiz(_)
            | ContentBody::QuizRanking(_)
            | ContentBody::ProposalCall(_)
            | ContentBody::Proposal(_) => Vec::new(),
            ContentBody::AttractSlide(s) => vec![&s.image],
            ContentBody::BranchPage(b) => b.photos.iter().collect(),
        }
    }

    /// Every content item the body refers to; the server requires each to exist.
    pub fn references(&self) -> Vec<&ContentId> {
        match self {
            ContentBody::ReadingList(r) => r.items.iter().collect(),
            ContentBody::HomeLayout(h) => h
                .tiles
                .iter()
                .filter_map(|t| match &t.action {
                    TileAction::Form { form_id } => Some(form_id),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Checks what can be checked without the database. Returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut p = Problems::default();
        match self {
            ContentBody::News(n) => n.validate(&mut p),
            ContentBody::LibraryItem(l) => l.validate(&mut p),
            ContentBody::ReadingList(r) => r.validate(&mut p),
            ContentBody::Form(f) => f.validate(&mut p),
            ContentBody::AttractSlide(s) => s.validate(&mut p),
            ContentBody::HomeLayout(h) => h.validate(&mut p),
            ContentBody::OpeningHours(h) => h.validate(&mut p),
            ContentBody::Offering(o) => o.validate(&mut p),
            ContentBody::PlacesLeft(_) => p.add("kind", "名额情况由服务器生成，不能发布"),
            ContentBody::BranchPage(b) => b.validate(&mut p),
            ContentBody::Competition(c) => c.validate(&mut p),
            ContentBody::Poll(poll) => poll.validate(&mut p),
            ContentBody::PollResults(_) => p.add("kind", "投票结果由服务器生成，不能发布"),
            ContentBody::Quiz(q) => q.validate(&mut p),
            ContentBody::QuizRanking(_) => p.add("kind", "竞赛排名由服务器生成，不能发布"),
            ContentBody::ProposalCall(c) => c.validate(&mut p),
            ContentBody::Proposal(_) => p.add("kind", "提案由服务器生成，不能发布"),
        }
        p.finish()
    }
}

/// One thing wrong with a body: which field, and a sentence in Chinese for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

#[derive(Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    pub(crate) fn text(&mut self, field: &str, value: &str, required: bool, max_chars: usize) {
        let n = value.chars().count();
        if required && value.trim().is_empty() {
            self.add(field, "不能为空");
        } else if n > max_chars {
            self.add(field, format!("最多 {max_chars} 个字，现在有 {n} 个"));
        }
    }

    pub(crate) fn opt_text(&mut self, field: &str, value: &Option<String>, max_chars: usize) {
        if let Some(v) = value {
            self.text(field, v, false, max_chars);
        }
    }

    fn finish(self) -> Result<(), Vec<Problem>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

const TITLE_MAX: usize = 120;
const SUMMARY_MAX: usize = 500;
const BODY_MAX: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewsCategory {
    /// 政策法规
    Policy,
    /// 工会要闻
    UnionNews,
    /// 工会活动
    Activities,
    /// 工会培训
    Training,
    /// 女工工作
    WomenWorkers,
    /// 评先推优
    Awards,
    /// 民主管理
    DemocraticManagement,
}

impl NewsCategory {
    pub const ALL: [NewsCategory; 7] = [
        NewsCategory::Policy,
        NewsCategory::UnionNews,
        NewsCategory::Activities,
        NewsCategory::Training,
        NewsCategory::WomenWorkers,
        NewsCategory::Awards,
        NewsCategory::DemocraticManagement,
    ];
}

/// A news or policy article. `body_markdown` uses the subset in PRODUCT.md (headings, paragraphs,
/// lists, bold, images, links); images inside the body are listed in `images` by hash and written
/// as `![caption](media:HASH)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsArticle {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub body_markdown: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<MediaHash>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<MediaHash>,
    pub category: NewsCategory,
    #[serde(default)]
    pub pinned: bool,
    /// A link for phones, shown on the kiosk as a QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_link: Option<Url>,
}

impl NewsArticle {
    fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, TITLE_MAX);
        p.text("summary", &self.summary, false, SUMMARY_MAX);
        p.text("body_markdown", &self.body_markdown, true, BODY_MAX);
        if let Some(link) = &self.phone_link {
            check_web_link(p, "phone_link", link);
        }
    }
}

fn check_web_link(p: &mut Problems, field: &str, link: &Url) {
    if !matches!(link.scheme(), "http" | "https") {
        p.add(field, "链接必须以 http:// 或 https:// 开头");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LibraryKind {
    Book,
    Periodical,
    Newspaper,
}

/// A book, periodical or newspaper in the workers' library (职工书屋).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryItem {
    pub item_kind: LibraryKind,
    pub title: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Normalised (no hyphens); checksum validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    /// The id in the library system the catalogue was exported from, when there is no ISBN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<MediaHash>,
    #[serde(default)]
    pub description: String,
    /// Where to find it in the branch reading room, e.g. "二楼 A 区 3 号架".
    #[serde(default)]
    pub location: String,
    /// The call number on the spine (索书号), e.g. "I247.5/L864"; shown beside the location.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub call_number: String,
    /// The full statement of responsibility as the library system wrote it
    /// ("(以)尤瓦尔·赫拉利著；林俊宏译") when `author` is a shortened form of it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub responsibility: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_online: Option<Url>,
}

impl LibraryItem {
    fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, 200);
        p.text("author", &self.author, false, 200);
        p.text("publisher", &self.publisher, false, 200);
        p.text("category", &self.category, false, 50);
        p.text("description", &self.description, false, 5_000);
        p.text("location", &self.location, false, 100);
        p.text("call_number", &self.call_number, false, 50);
        p.text("responsibility", &self.responsibility, false, 500);
        p.opt_text("external_id", &self.external_id, 100);
        if let Some(year) = self.year
            && !(1000..=2200).contains(&year)
        {
            p.add("year", format!("年份 {year} 不合理"));
        }
        if let Some(isbn) = &self.isbn
            && crate::isbn::normalize(isbn).as_deref() != Some(isbn.as_str())
        {
            p.add("isbn", format!("ISBN '{isbn}' 校验位不正确或格式不对"));
        }
        if let Some(link) = &self.read_online {
            check_web_link(p, "read_online", link);
        }
    }
}

/// An ordered, titled selection of library items ("本月推荐").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingList {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<MediaHash>,
    pub items: Vec<ContentId>,
}

impl ReadingList {
    fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, TITLE_MAX);
        p.text("description", &self.description, false, SUMMARY_MAX);
        if self.items.len() > 500 {
            p.add("items", "一个书单最多 500 本");
        }
    }
}

/// One slide of the idle attract carousel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttractSlide {
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    pub image: MediaHash,
    /// Lower shows first.
    #[serde(default)]
    pub order: i32,
    #[serde(default = "default_slide_seconds")]
    pub seconds: u32,
}

fn default_slide_seconds() -> u32 {
    8
}

impl AttractSlide {
    fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, 60);
        p.text("subtitle", &self.subtitle, false, 120);
        if !(2..=120).contains(&self.seconds) {
            p.add("seconds", "每张幻灯片显示 2 到 120 秒");
        }
    }
}

/// The home screen's tiles in order. A kiosk uses the layout published nearest to it (its own
/// org first, then each ancestor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeLayout {
    pub tiles: Vec<Tile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// Name of an icon shipped with the kiosk (e.g. "news", "book", "heart").
    #[serde(default)]
    pub icon: String,
    pub action: TileAction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TileAction {
    News {
        category: NewsCategory,
    },
    Library,
    Form {
        form_id: ContentId,
    },
    StatusCheck,
    Places,
    /// 职工之家: the kiosk's own org's page and its parent's.
    BranchPage,
    /// 劳动竞赛: the competitions' standings, bar chart and history.
    Competitions,
    /// 职代会提案: the calls for proposals, every proposal with its status and reply, and
    /// writing one.
    Proposals,
    /// 民主管理: the open polls and surveys, and the results staff chose to show.
    Polls,
    /// 知识竞赛: the quizzes, a timed round of questions, the ranking.
    Quiz,
    /// A module of several parts (民主管理: polls, proposals and its news): opens a screen of
    /// these tiles. One level deep: a group's tiles are not groups.
    Group {
        tiles: Vec<Tile>,
    },
    /// A tile of a type this build does not know (a newer server's module). Read so that the
    /// rest of the layout still shows; a kiosk leaves it out and a server refuses to publish it.
    #[serde(other)]
    Unknown,
}

impl HomeLayout {
    fn validate(&self, p: &mut Problems) {
        if self.tiles.is_empty() {
            p.add("tiles", "首页至少要有一个模块");
        }
        if self.tiles.len() > 24 {
            p.add("tiles", "首页最多 24 个模块");
        }
        for (i, t) in self.tiles.iter().enumerate() {
            let at = format!("tiles[{i}]");
            t.validate(&at, p);
            if let TileAction::Group { tiles } = &t.action {
                if tiles.is_empty() || tiles.len() > MAX_GROUP_TILES {
                    p.add(
                        format!("{at}.action.tiles"),
                        format!("一组里放 1 到 {MAX_GROUP_TILES} 个模块"),
                    );
                }
                for (j, inner) in tiles.iter().enumerate() {
                    let inner_at = format!("{at}.action.tiles[{j}]");
                    inner.validate(&inner_at, p);
                    if matches!(inner.action, TileAction::Group { .. }) {
                        p.add(format!("{inner_at}.action"), "组里不能再放一组");
                    }
                }
            }
        }
    }
}

/// The most tiles a group holds: one screen of them at every supported size.
pub const MAX_GROUP_TILES: usize = 9;

impl Tile {
    fn validate(&self, at: &str, p: &mut Problems) {
        p.text(&format!("{at}.title"), &self.title, true, 20);
        if let Some(en) = &self.title_en {
            p.text(&format!("{at}.title_en"), en, false, 40);
        }
        if self.action == TileAction::Unknown {
            p.add(format!("{at}.action"), "未知的模块类型");
        }
    }
}

#[cfg(test)]
mod tests;
