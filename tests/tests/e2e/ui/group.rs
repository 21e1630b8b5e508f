//! A module of several parts on the glass, walked in a demo kiosk shared with the polls and
//! proposals (ui::layout): the demo's 民主管理 tile opens a screen of its own tiles, laid out like
//! home's in both languages and both orientations, and a tile there opens what it names.

use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use protocol::content::{Tile, TileAction};

use super::harness::{Harness, SHAPES};

fn title(lang: Lang, tile: &Tile) -> &str {
    match lang {
        Lang::En => tile.title_en.as_deref().unwrap_or(&tile.title),
        Lang::Zh => &tile.title,
    }
}

/// Opens the demo's group tile from home in each language and orientation, checks that every
/// tile of the group is in view, then opens its news tile.
pub(super) async fn opens_a_group(h: &mut Harness) {
    let group = h
        .app
        .tiles()
        .into_iter()
        .find(|t| matches!(t.action, TileAction::Group { .. }))
        .expect("the demo layout has a group (民主管理)");
    let TileAction::Group { tiles } = &group.action else {
        unreachable!("found as a group");
    };
    for (size, shape) in SHAPES {
        for lang in [Lang::Zh, Lang::En] {
            h.home_at(size, lang).await;
            h.tap(title(lang, &group)).await;
            for tile in tiles {
                let (bounds, visible) = h.bounds_of(title(lang, tile));
                assert!(
                    visible.is_some_and(|v| (v.height - bounds.height).abs() < 0.5
                        && (v.width - bounds.width).abs() < 0.5),
                    "{shape} {lang:?}: {:?} is not wholly in view ({visible:?} of {bounds:?})",
                    tile.title
                );
            }
            if (shape, lang) == ("landscape", Lang::Zh) || (shape, lang) == ("portrait", Lang::En) {
                h.shot(&format!("group-{shape}-{}", lang.code()));
            }
        }
    }
    let (news, category) = tiles
        .iter()
        .find_map(|t| match t.action {
            TileAction::News { category } => Some((t, category)),
            _ => None,
        })
        .expect("the demo group has a news tile (厂务公开)");
    h.tap(title(h.app.lang(), news)).await;
    let heading = h.app.lang().strings().category(category);
    assert!(
        h.shows(heading),
        "the group's news tile opened its news ({heading:?})"
    );
    h.send(Message::GoHome).await;
}
