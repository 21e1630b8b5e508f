//! The home screen at every screen size a lobby has: all of the org's tiles in view without
//! scrolling, in both languages, with text that stays readable.

use iced::Size;
use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::theme::{TextSize, Type};

use super::harness::Harness;

const SIZES: [(f32, f32); 6] = [
    (1024.0, 768.0),
    (1280.0, 720.0),
    (1366.0, 768.0),
    (1280.0, 1024.0),
    (1920.0, 1080.0),
    (1080.0, 1920.0),
];

#[tokio::test]
async fn home_fits_every_screen_without_scrolling() {
    let mut h = Harness::demo().await;
    let tiles = h.app.tiles();
    assert_eq!(tiles.len(), 16, "the demo branch's own layout");
    let org = h.app.status().org_name.clone();
    for (w, ht) in SIZES {
        h.size = Size::new(w, ht);
        h.send(Message::Resized(h.size)).await;
        for lang in [Lang::Zh, Lang::En] {
            if h.app.lang() != lang {
                h.send(Message::SwitchLanguage).await;
            }
            let (status, _) = h.bounds_of(&org);
            for tile in &tiles {
                let title = match lang {
                    Lang::En => tile.title_en.as_deref().unwrap_or(&tile.title),
                    Lang::Zh => &tile.title,
                };
                let (bounds, visible) = h.bounds_of(title);
                let shown = visible.is_some_and(|v| {
                    (v.x - bounds.x).abs() < 0.5
                        && (v.y - bounds.y).abs() < 0.5
                        && (v.width - bounds.width).abs() < 0.5
                        && (v.height - bounds.height).abs() < 0.5
                });
                assert!(
                    shown,
                    "{w}×{ht} {lang:?}: {title:?} is cut off ({visible:?} of {bounds:?})"
                );
                assert!(
                    bounds.y + bounds.height < status.y && bounds.x + bounds.width <= w,
                    "{w}×{ht} {lang:?}: {title:?} at {bounds:?} is not above the status bar ({status:?})"
                );
            }
            // The smallest screen (badges beside the titles) and the design's size, to look at.
            if (w, ht, lang) == (1024.0, 768.0, Lang::En)
                || (w, ht, lang) == (1920.0, 1080.0, Lang::Zh)
            {
                h.shot(&format!("home-{w}x{ht}-{}", lang.code()));
            } else {
                h.draw();
            }
        }
    }
    // 职工之家 shares this demo kiosk (a demo kiosk costs seconds: the walks share three).
    super::branch::shows_the_branch_and_its_city(&mut h).await;
}

// The modules' walks, in every shape and language, in two more demo kiosks: one test of all of
// them was the suite's longest (115 s alone), ending the run on one thread.

/// 劳动竞赛 and 知识竞赛.
#[tokio::test]
async fn the_contests_on_every_shape() {
    let mut h = Harness::demo().await;
    super::competitions::shows_the_standings_and_charts(&mut h).await;
    super::quiz::plays_a_round_to_the_score_and_explanations(&mut h).await;
}

/// 民主管理's group screen, its polls and its proposals.
#[tokio::test]
async fn democratic_management_on_every_shape() {
    // SQLite only: the demo's canteen survey is anonymous there (PostgreSQL refuses it).
    let mut h = Harness::demo_on_sqlite().await;
    super::group::opens_a_group(&mut h).await;
    super::polls::lists_votes_and_shows_results(&mut h).await;
    super::proposals::lists_opens_and_writes_a_proposal(&mut h).await;
}

/// Type shrinks with the screen but never below what reads from a metre away; at 1080p it is
/// the design's size (body text at least 24 px).
#[test]
fn text_scales_with_the_screen_and_keeps_a_floor() {
    let full = Type::scaled(
        TextSize::Normal,
        kiosk::ui::theme::scale(Size::new(1920.0, 1080.0)),
    );
    assert!(full.body >= 24.0);
    assert_eq!(full.body, Type::new(TextSize::Normal).body);
    for (w, h) in SIZES {
        let t = Type::scaled(TextSize::Normal, kiosk::ui::theme::scale(Size::new(w, h)));
        assert!(t.body >= 22.0 && t.small >= 19.0, "{w}×{h}: {t:?}");
        let large = Type::scaled(TextSize::Large, kiosk::ui::theme::scale(Size::new(w, h)));
        assert!(large.body > t.body, "{w}×{h}: the larger text is larger");
    }
}

/// A row of library covers reaches across the grid at every screen width (at 1920 it used to
/// leave an empty strip as wide as a card on the right).
#[test]
fn library_rows_reach_both_edges() {
    use kiosk::ui::screen::library::{CARD_WIDTH, columns_for, gap_for};
    for width in [580.0, 716.0, 1000.0, 1476.0, 2000.0] {
        let columns = columns_for(width);
        let gap = gap_for(width, columns);
        assert!(gap >= 24.0, "{width}: {gap}");
        if columns > 1 {
            let used = columns as f32 * CARD_WIDTH + (columns - 1) as f32 * gap;
            assert!(
                (used - width).abs() < 0.5,
                "{width}: {columns} columns use {used}"
            );
        }
    }
}
