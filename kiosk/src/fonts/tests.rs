//! The shipped font covers what the kiosk shows: every character of both UI catalogues, the
//! symbols the screens draw, and the whole demo pack. A string or demo file with a character the
//! subset lacks fails here (then re-run `scripts/subset-font.sh`), not as a box on the glass.

use crate::ui::i18n::Lang;
use std::collections::BTreeSet;
use std::path::Path;

/// Characters the screens draw outside the catalogues.
const SYMBOLS: &str = "‹▏●○—·…";

fn texts_under(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            texts_under(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push_str(&text);
        }
    }
}

fn missing(font: &[u8], text: &str) -> BTreeSet<char> {
    let face = ttf_parser::Face::parse(font, 0).expect("the font parses");
    text.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .filter(|&c| face.glyph_index(c).is_none())
        .collect()
}

#[test]
fn the_font_has_a_glyph_for_everything_shown() {
    let mut text = String::from(SYMBOLS);
    for lang in [Lang::Zh, Lang::En] {
        for (_, s) in lang.strings().entries() {
            text.push_str(s);
        }
    }
    texts_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo"),
        &mut text,
    );
    assert!(text.contains("职工书屋"), "the demo pack was read");
    for (name, font) in [("regular", super::REGULAR), ("bold", super::BOLD)] {
        let gaps = missing(font, &text);
        assert!(gaps.is_empty(), "{name} lacks {gaps:?}");
    }
}

#[test]
fn both_weights_are_one_family() {
    for font in [super::REGULAR, super::BOLD] {
        let face = ttf_parser::Face::parse(font, 0).expect("the font parses");
        let family = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
            .find_map(|n| n.to_string());
        assert_eq!(family.as_deref(), Some(super::FAMILY));
    }
}

#[test]
fn loaded_in_place_the_family_is_there_in_both_weights() {
    use iced::advanced::graphics::text::font_system;
    super::load_in_place();
    let mut system = font_system().write().expect("lock");
    let weights: BTreeSet<u16> = system
        .raw()
        .db()
        .faces()
        .filter(|f| f.families.iter().any(|(name, _)| name == super::FAMILY))
        .map(|f| f.weight.0)
        .collect();
    assert_eq!(weights, BTreeSet::from([400, 700]));
}
