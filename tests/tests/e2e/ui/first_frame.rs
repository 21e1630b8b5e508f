//! The first frame of an enrolled kiosk with a full cache is the org's home: its tiles and the
//! branch in the status bar, before any of the app's tasks has run (no fallback tiles, no "not
//! enrolled" while the first loads are under way).

use iced::Size;
use iced_test::simulator::Simulator;
use kiosk::ui::i18n::Lang;
use kiosk::ui::root::Message;
use kiosk::ui::{Boot, Root};
use tests::TestServer;

use super::harness::settings;

#[tokio::test]
async fn the_first_frame_is_the_orgs_home() {
    let (_server, admin, loaded) = TestServer::demo().await;
    let (core, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let layout = core
        .home_layout()
        .await
        .expect("read")
        .expect("the demo publishes a home layout");
    let org = core.status().await.expect("read").org_name;
    assert!(!org.is_empty(), "the kiosk is enrolled");

    // As `kiosk::ui::run` builds it; its tasks are not run.
    let size = Size::new(1920.0, 1080.0);
    let (root, _task) = Root::new(Boot::Enrolled(core), settings());
    let app = root.app().expect("an enrolled kiosk runs the app");
    assert_eq!(
        app.tiles(),
        layout.tiles,
        "the org's own layout, not the fallback"
    );
    assert_eq!(app.status().org_name, org);
    assert!(app.loaded());

    let iced_settings = iced::Settings {
        fonts: vec![kiosk::fonts::REGULAR.into(), kiosk::fonts::BOLD.into()],
        default_font: kiosk::ui::font(),
        ..iced::Settings::default()
    };
    let mut ui: Simulator<'_, Message> = Simulator::with_size(iced_settings, size, root.view());
    for tile in &layout.tiles {
        assert!(
            ui.find(tile.title.as_str()).is_ok(),
            "{} is on the first frame",
            tile.title
        );
    }
    assert!(
        ui.find(org.as_str()).is_ok(),
        "the branch is in the status bar"
    );
    let not_enrolled = Lang::Zh.strings().status_not_enrolled;
    assert!(
        ui.find(not_enrolled).is_err(),
        "an enrolled kiosk never says it is not enrolled"
    );
}
