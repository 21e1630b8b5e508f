//! 职工之家 — a branch's own page: what the org offers its members (facilities), whom to ask
//! (contacts, each with an optional link a phone opens from a QR code) and photos.
//!
//! A [`BranchPage`] is content (kind `branch_page`) that an org's own staff edit; an org has one
//! at most, and saving it again makes a new version of the same item. Opening hours are not part
//! of it: a kiosk shows the org's `opening_hours` item beside it, so they are kept in one place.

use crate::content::Problems;
use crate::ids::MediaHash;
use serde::{Deserialize, Serialize};
use url::Url;

/// The longest introduction, in characters.
pub const INTRO_MAX: usize = 2_000;
/// At most this many facilities on one page.
pub const MAX_FACILITIES: usize = 30;
/// At most this many contacts on one page.
pub const MAX_CONTACTS: usize = 20;
/// At most this many photos on one page.
pub const MAX_PHOTOS: usize = 12;

/// One org's page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BranchPage {
    /// A few sentences about the workers' home, plain text (paragraphs split by blank lines).
    #[serde(default)]
    pub intro: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facilities: Vec<Facility>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Stored media, shown in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<MediaHash>,
}

/// A room or service the org offers (职工书屋, 健身房, 母婴室 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    pub name: String,
    /// Where it is and what it offers, e.g. "三楼 302，跑步机 4 台".
    #[serde(default)]
    pub description: String,
}

/// Someone members may contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    /// What they look after, e.g. "工会主席", "法律援助".
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub phone: String,
    /// A link a phone opens (a WeChat work card, a web page), shown on the kiosk as a QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_url: Option<Url>,
}

impl BranchPage {
    pub(crate) fn validate(&self, p: &mut Problems) {
        p.text("intro", &self.intro, false, INTRO_MAX);
        if self.intro.trim().is_empty() && self.facilities.is_empty() && self.contacts.is_empty() {
            p.add("intro", "请至少填写简介、一项设施或一位联系人");
        }
        if self.facilities.len() > MAX_FACILITIES {
            p.add("facilities", format!("最多 {MAX_FACILITIES} 项设施"));
        }
        for (i, f) in self.facilities.iter().enumerate() {
            p.text(&format!("facilities[{i}].name"), &f.name, true, 40);
            p.text(
                &format!("facilities[{i}].description"),
                &f.description,
                false,
                200,
            );
        }
        if self.contacts.len() > MAX_CONTACTS {
            p.add("contacts", format!("最多 {MAX_CONTACTS} 位联系人"));
        }
        for (i, c) in self.contacts.iter().enumerate() {
            p.text(&format!("contacts[{i}].name"), &c.name, true, 40);
            p.text(&format!("contacts[{i}].role"), &c.role, false, 40);
            if !phone_ok(&c.phone) {
                p.add(
                    format!("contacts[{i}].phone"),
                    "电话只能包含数字、空格、+、- 和括号，最多 30 个字符",
                );
            }
            if c.phone.trim().is_empty() && c.qr_url.is_none() {
                p.add(format!("contacts[{i}].phone"), "请填写电话或二维码链接");
            }
            if let Some(url) = &c.qr_url {
                if !matches!(url.scheme(), "http" | "https") {
                    p.add(
                        format!("contacts[{i}].qr_url"),
                        "链接必须以 http:// 或 https:// 开头",
                    );
                } else if url.as_str().len() > 500 {
                    p.add(format!("contacts[{i}].qr_url"), "链接最多 500 个字符");
                }
            }
        }
        if self.photos.len() > MAX_PHOTOS {
            p.add("photos", format!("最多 {MAX_PHOTOS} 张照片"));
        }
    }
}

/// Digits, spaces, `+`, `-` and parentheses, at most 30 characters (empty is allowed).
fn phone_ok(phone: &str) -> bool {
    phone.chars().count() <= 30
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::ContentBody;

    fn page() -> BranchPage {
        BranchPage {
            intro: "职工之家位于办公楼一层。".to_owned(),
            facilities: vec![Facility {
                name: "职工书屋".to_owned(),
                description: "一楼 105".to_owned(),
            }],
            contacts: vec![Contact {
                name: "王芳".to_owned(),
                role: "工会主席".to_owned(),
                phone: "0311-8888 6666".to_owned(),
                qr_url: Some(Url::parse("https://example.cn/card/1").expect("url")),
            }],
            photos: vec!["ab".repeat(32).parse().expect("hash")],
        }
    }

    fn fields(page: BranchPage) -> Vec<String> {
        match ContentBody::BranchPage(page).validate() {
            Ok(()) => Vec::new(),
            Err(ps) => ps.into_iter().map(|p| p.field).collect(),
        }
    }

    #[test]
    fn round_trips_with_its_kind_tag() {
        let body = ContentBody::BranchPage(page());
        let json = serde_json::to_value(&body).expect("serialises");
        assert_eq!(json["kind"], "branch_page");
        assert_eq!(json["contacts"][0]["qr_url"], "https://example.cn/card/1");
        let back: ContentBody = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, body);
        assert_eq!(body.media().len(), 1);
    }

    #[test]
    fn validate_names_each_bad_field() {
        assert!(fields(page()).is_empty());
        assert_eq!(fields(BranchPage::default()), ["intro"]);
        let mut p = page();
        p.intro = "字".repeat(INTRO_MAX + 1);
        p.facilities[0].name = " ".to_owned();
        p.contacts[0].phone = "call me".to_owned();
        p.contacts[0].qr_url = Some(Url::parse("ftp://example.cn/x").expect("url"));
        assert_eq!(
            fields(p),
            [
                "intro",
                "facilities[0].name",
                "contacts[0].phone",
                "contacts[0].qr_url"
            ]
        );
        let mut p = page();
        p.contacts[0].phone.clear();
        p.contacts[0].qr_url = None;
        p.photos = vec![p.photos[0].clone(); MAX_PHOTOS + 1];
        assert_eq!(fields(p), ["contacts[0].phone", "photos"]);
    }
}
