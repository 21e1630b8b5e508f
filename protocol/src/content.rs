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
}

impl ContentKind {
    pub const ALL: [ContentKind; 6] = [
        ContentKind::News,
        ContentKind::LibraryItem,
        ContentKind::ReadingList,
        ContentKind::Form,
        ContentKind::AttractSlide,
        ContentKind::HomeLayout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::News => "news",
            ContentKind::LibraryItem => "library_item",
            ContentKind::ReadingList => "reading_list",
            ContentKind::Form => "form",
            ContentKind::AttractSlide => "attract_slide",
            ContentKind::HomeLayout => "home_layout",
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
        }
    }

    /// Every media hash the body refers to; the server requires each to be stored.
    pub fn media(&self) -> Vec<&MediaHash> {
        match self {
            ContentBody::News(n) => n.cover.iter().chain(&n.images).collect(),
            ContentBody::LibraryItem(l) => l.cover.iter().collect(),
            ContentBody::ReadingList(r) => r.cover.iter().collect(),
            ContentBody::Form(_) | ContentBody::HomeLayout(_) => Vec::new(),
            ContentBody::AttractSlide(s) => vec![&s.image],
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
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, field: &str, value: &str, required: bool, max_chars: usize) {
        let n = value.chars().count();
        if required && value.trim().is_empty() {
            self.add(field, "不能为空");
        } else if n > max_chars {
            self.add(field, format!("最多 {max_chars} 个字，现在有 {n} 个"));
        }
    }

    fn opt_text(&mut self, field: &str, value: &Option<String>, max_chars: usize) {
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

/// A form that employees fill in on the kiosk. Published versions never change: an edit makes a
/// new version (`ContentItem::version`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable key the answer is stored under; `[a-z0-9_]`.
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    #[serde(flatten)]
    pub input: FieldInput,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Shown only when another field has a given value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<VisibleIf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldInput {
    /// One line of text; `max_len` defaults to [`crate::answers::TEXT_DEFAULT_MAX`]. Lengths
    /// count characters (一个汉字算一个字).
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_len: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_len: Option<u32>,
    },
    /// Several lines; `max_len` defaults to [`crate::answers::MULTILINE_DEFAULT_MAX`].
    Multiline {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_len: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_len: Option<u32>,
    },
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        /// Whole numbers only (a count of people); otherwise decimals are fine (an amount).
        #[serde(default, skip_serializing_if = "is_false")]
        integer: bool,
    },
    /// A mainland China mobile number (11 digits, `1[3-9]…`).
    Phone {
        /// This number's last four digits, with the receipt code, let the employee check
        /// progress. Without a marked field the form's first phone field is used
        /// ([`FormDefinition::status_phone_key`]).
        #[serde(default, skip_serializing_if = "is_false")]
        status_check: bool,
    },
    /// A resident ID number (18 characters, checksum validated, may end in X).
    ResidentId,
    /// A calendar date, answered as `YYYY-MM-DD`; limits are dates or `"today"`.
    Date {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<DateLimit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<DateLimit>,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_selected: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_selected: Option<u32>,
    },
    /// A checkbox that must be ticked when required (e.g. consent to data use).
    Consent,
    /// A heading that groups the fields after it; takes no answer. Its `help` is help text.
    Section,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A limit of a date field: a fixed date, or the day the form is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLimit {
    Today,
    On(jiff::civil::Date),
}

impl Serialize for DateLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DateLimit::Today => s.serialize_str("today"),
            DateLimit::On(d) => s.collect_str(d),
        }
    }
}

impl<'de> Deserialize<'de> for DateLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == "today" {
            return Ok(DateLimit::Today);
        }
        crate::answers::date(&text).map(DateLimit::On).map_err(|_| {
            serde::de::Error::custom(format!("'{text}' is not YYYY-MM-DD or \"today\""))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

/// Show a field only when an earlier field's answer equals `equals` (a multi choice: contains
/// it; a consent box: `"true"`). A hidden field is never required and its answer is dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisibleIf {
    pub field: String,
    pub equals: String,
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl FormDefinition {
    fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, TITLE_MAX);
        p.text("description", &self.description, false, 2_000);
        if self.fields.is_empty() {
            p.add("fields", "表单至少要有一个字段");
        }
        let mut seen = std::collections::HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !valid_key(&f.key) {
                p.add(
                    format!("{at}.key"),
                    format!("字段标识 '{}' 只能用小写字母、数字和下划线", f.key),
                );
            }
            if !seen.insert(f.key.as_str()) {
                p.add(format!("{at}.key"), format!("字段标识 '{}' 重复", f.key));
            }
            p.text(&format!("{at}.label"), &f.label, true, 100);
            match &f.input {
                FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. }
                    if options.is_empty() =>
                {
                    p.add(format!("{at}.options"), "选择题至少要有一个选项");
                }
                FieldInput::Text {
                    min_len: Some(lo),
                    max_len: Some(hi),
                }
                | FieldInput::Multiline {
                    min_len: Some(lo),
                    max_len: Some(hi),
                } if lo > hi => {
                    p.add(format!("{at}.min_len"), "最少字数大于最多字数");
                }
                FieldInput::Number {
                    min: Some(lo),
                    max: Some(hi),
                    ..
                } if lo > hi => {
                    p.add(format!("{at}.min"), "最小值大于最大值");
                }
                FieldInput::Date {
                    min: Some(DateLimit::On(lo)),
                    max: Some(DateLimit::On(hi)),
                } if lo > hi => {
                    p.add(format!("{at}.min"), "最早日期晚于最晚日期");
                }
                FieldInput::MultiChoice {
                    options,
                    min_selected,
                    max_selected,
                } => {
                    let lo = min_selected.unwrap_or(0);
                    let hi = max_selected.unwrap_or(options.len() as u32);
                    if lo > hi || lo as usize > options.len() {
                        p.add(format!("{at}.min_selected"), "最少选择项数不合理");
                    }
                }
                _ => {}
            }
            if matches!(f.input, FieldInput::Section) && f.required {
                p.add(format!("{at}.required"), "分组标题不需要填写，不能设为必填");
            }
            if let Some(cond) = &f.visible_if {
                let earlier = self.fields[..i]
                    .iter()
                    .any(|g| g.key == cond.field && !matches!(g.input, FieldInput::Section));
                if !earlier {
                    p.add(
                        format!("{at}.visible_if"),
                        format!("显示条件引用的字段 '{}' 不在它前面", cond.field),
                    );
                }
            }
        }
        let marked = self
            .fields
            .iter()
            .filter(|f| matches!(f.input, FieldInput::Phone { status_check: true }))
            .count();
        if marked > 1 {
            p.add("fields", "只能有一个手机号码字段用于查询办理进度");
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
    News { category: NewsCategory },
    Library,
    Form { form_id: ContentId },
    StatusCheck,
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
            p.text(&format!("tiles[{i}].title"), &t.title, true, 20);
        }
    }
}

#[cfg(test)]
mod tests;
