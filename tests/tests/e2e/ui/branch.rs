//! 职工之家 on the glass, run inside the layout test's demo kiosk (one demo server for both):
//! the home tile opens the demo branch's own page (intro, hours, facilities, a contact's QR
//! code) and a choice shows its city's, in both languages and both orientations; the own page is
//! drawn and written as a screenshot in each, the photo and the city's page once.

use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::screen::branch;

use super::harness::{Harness, SHAPES};

/// Opens 职工之家 from home in each language and orientation and checks what it shows.
pub(super) async fn shows_the_branch_and_its_city(h: &mut Harness) {
    let pages = h.core.branch_pages().await.expect("store");
    let own = pages.own.expect("the demo branch has a page");
    let city = pages.parent.expect("the demo city has a page");
    let photo = own.page.photos[0].clone();
    assert!(
        h.core.media(photo).await.expect("store").is_some(),
        "the photo was fetched with the sync"
    );
    for (size, shape) in SHAPES {
        for lang in [Lang::Zh, Lang::En] {
            h.home_at(size, lang).await;
            let s = lang.strings();
            h.tap(s.tile_branch).await;
            let first = own.page.intro.split("\n\n").next().expect("a paragraph");
            for shown in [
                own.org_name.as_str(),
                first,
                s.branch_hours,
                s.branch_facilities,
                own.page.facilities[0].name.as_str(),
                own.page.contacts[0].name.as_str(),
                s.branch_scan,
            ] {
                assert!(h.shows(shown), "{shape} {lang:?}: {shown:?} is not shown");
            }
            h.shot(&format!("branch-own-{shape}-{}", lang.code()));
            // Further down: the contacts' QR codes and the photo, fetched and decoded.
            h.send(Message::Branch(branch::Message::Scrolled(1400.0)))
                .await;
            assert!(
                h.shows(s.branch_photos),
                "{shape} {lang:?}: the photo is decoded and drawn under its heading"
            );
            // A screenshot of each screen in every language and orientation costs seconds of
            // the suite; the photo and the city's page are written once each.
            if (shape, lang) == ("landscape", Lang::Zh) {
                h.shot("branch-photo-landscape-zh");
            }
            h.tap(&city.org_name).await;
            assert!(
                h.shows(&city.page.intro),
                "{shape} {lang:?}: the city's page"
            );
            assert!(!h.shows(first), "{shape} {lang:?}: one page at a time");
            if (shape, lang) == ("portrait", Lang::En) {
                h.shot("branch-city-portrait-en");
            }
        }
    }
    h.send(Message::GoHome).await;
}
