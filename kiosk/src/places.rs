//! Limited places on the kiosk: the offerings it holds, each with the places-left figures it last
//! heard of, and the request form a booking is filled in on. The kiosk never decides: a request
//! goes through the outbox like any form, and the server's answer is read under 办理进度.

use protocol::content::FormDefinition;
use protocol::places::{MEMBER_NO, MEMBER_YES, Offering, PlacesLeft, Slot};
use protocol::{ContentBody, ContentItem, ContentKind};

use crate::store::{Result, Store};

/// An offering as the kiosk lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub item: ContentItem,
    pub offering: Offering,
    /// What the server last said is left; `None` when no booking has been made yet.
    pub places: Option<PlacesLeft>,
}

impl Listed {
    /// Places left in `slot` as of the last sync.
    pub fn left(&self, slot: &Slot) -> u32 {
        self.places.as_ref().map_or(slot.capacity, |p| p.left(slot))
    }
}

/// Every cached offering, by title, with its figures.
pub fn read(s: &Store) -> Result<Vec<Listed>> {
    let places: Vec<PlacesLeft> = s
        .items(ContentKind::PlacesLeft)?
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::PlacesLeft(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut listed: Vec<Listed> = s
        .items(ContentKind::Offering)?
        .into_iter()
        .filter_map(|item| match &item.body {
            ContentBody::Offering(o) => Some(Listed {
                offering: o.clone(),
                places: places.iter().find(|p| p.offering == item.id).cloned(),
                item,
            }),
            _ => None,
        })
        .collect();
    listed.sort_by(|a, b| a.offering.title.cmp(&b.offering.title));
    Ok(listed)
}

/// The request form for `slot`: the chosen session (already chosen), name, phone, and whether
/// the person is a union member. Its answers are a `BookingRequest`.
pub fn request_form(offering: &Offering, slot: &Slot, slot_label: &str) -> FormDefinition {
    serde_json::from_value(serde_json::json!({
        "title": offering.title,
        "description": "",
        "fields": [
            {"key": "session", "label": "场次", "label_en": "Session", "type": "single_choice",
             "required": true,
             "options": [{"value": slot.key, "label": slot_label, "label_en": slot_label}]},
            {"key": "name", "label": "姓名", "label_en": "Name", "type": "text",
             "person_name": true, "max_len": 40, "required": true},
            {"key": "phone", "label": "手机号码", "label_en": "Mobile number", "type": "phone",
             "required": true},
            {"key": "member", "label": "是否工会会员", "label_en": "Union member?",
             "type": "single_choice", "required": true,
             "options": [{"value": MEMBER_YES, "label": "是", "label_en": "Yes"},
                         {"value": MEMBER_NO, "label": "否", "label_en": "No"}]}
        ]
    }))
    .expect("the request form is a valid form definition")
}
