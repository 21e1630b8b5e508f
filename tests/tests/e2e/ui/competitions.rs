//! 劳动竞赛 on the glass, walked in a demo kiosk shared with 知识竞赛 (ui::layout): the
//! demo's competitions tile (on home, or in the group that holds it) opens the running skills
//! contest — the ranked board with the demo branch marked as its own, the bar chart and the
//! history's line chart drawn on a canvas — and the metric and competition choices switch what
//! is shown; both languages, both orientations, a screenshot of each.

use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::screen::competition;
use protocol::content::{Tile, TileAction};

use super::harness::{Harness, SHAPES};

fn title(lang: Lang, tile: &Tile) -> &str {
    match lang {
        Lang::En => tile.title_en.as_deref().unwrap_or(&tile.title),
        Lang::Zh => &tile.title,
    }
}

/// The taps that reach the competitions tile from home: its own title, or its group's and then
/// its own.
fn path_to_tile(tiles: &[Tile]) -> Vec<Tile> {
    for tile in tiles {
        match &tile.action {
            TileAction::Competitions => return vec![tile.clone()],
            TileAction::Group { tiles: inner } => {
                if let Some(found) = inner
                    .iter()
                    .find(|t| matches!(t.action, TileAction::Competitions))
                {
                    return vec![tile.clone(), found.clone()];
                }
            }
            _ => {}
        }
    }
    panic!("the demo layout has no competitions tile (assets/demo/home.toml)")
}

/// Opens 劳动竞赛 in each language and orientation and checks what it shows.
pub(super) async fn shows_the_standings_and_charts(h: &mut Harness) {
    let board = h.core.competitions().await.expect("store");
    assert_eq!(board.competitions.len(), 2, "the demo's two competitions");
    let running = &board.competitions[0];
    assert_eq!(
        running.title, "2026年岗位技能大比武",
        "the running one first"
    );
    let own = running
        .own_participant(&board.path)
        .expect("the demo branch takes part");
    let own_name = &running.participants[own].name;
    let (days, _) = running.history(&running.metrics[0].key);
    assert!(days.len() >= 4, "a few weeks of history: {days:?}");
    let taps = path_to_tile(&h.app.tiles());
    for (size, shape) in SHAPES {
        for lang in [Lang::Zh, Lang::En] {
            h.home_at(size, lang).await;
            for tile in &taps {
                h.tap(title(lang, tile)).await;
            }
            let s = lang.strings();
            let contest = match lang {
                Lang::Zh => running.title.as_str(),
                Lang::En => running.title_en.as_str(),
            };
            for shown in [
                contest,
                s.competition_standings,
                s.competition_own,
                own_name.as_str(),
                s.competition_chart,
                s.competition_history,
            ] {
                assert!(h.shows(shown), "{shape} {lang:?}: {shown:?} is not shown");
            }
            h.shot(&format!("competition-{shape}-{}", lang.code()));
            if (shape, lang) == ("landscape", Lang::Zh) {
                // The history under the fold, once.
                h.send(Message::Competitions(competition::Message::Scrolled(600.0)))
                    .await;
                h.shot("competition-history-landscape-zh");
                h.send(Message::Competitions(competition::Message::Scrolled(0.0)))
                    .await;
            }
            // The second metric: lower is better, said so.
            let errors = &running.metrics[1];
            let errors_name = match lang {
                Lang::Zh => errors.name.as_str(),
                Lang::En => errors.name_en.as_str(),
            };
            h.tap(errors_name).await;
            assert!(
                h.shows(s.competition_lower_better),
                "{shape} {lang:?}: the errors metric ranks the lowest first"
            );
            // The finished competition, behind its choice.
            let other = &board.competitions[1];
            let other_title = match lang {
                Lang::Zh => other.title.as_str(),
                Lang::En => other.title_en.as_str(),
            };
            h.tap(other_title).await;
            assert!(
                h.shows(&other.participants[0].name) || h.shows(&other.participants[0].name_en),
                "{shape} {lang:?}: the finished competition's board"
            );
            assert!(!h.shows(s.competition_own), "no own branch among teams");
            if (shape, lang) == ("portrait", Lang::En) {
                h.shot("competition-finished-portrait-en");
            }
        }
    }
    h.send(Message::GoHome).await;
}
