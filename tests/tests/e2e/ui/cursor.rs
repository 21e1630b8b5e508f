//! A touchscreen shows no pointer: not over the page, and not over a button either (a plain
//! `mouse_area` around the screen loses to every button inside it, which asks for a hand).

use iced::mouse::Interaction;

use super::harness::Harness;

#[tokio::test]
async fn no_pointer_over_buttons_when_fullscreen_but_a_hand_in_a_window() {
    let mut h = Harness::demo().await;
    let tile = h.app.tiles()[0].title.clone();
    let on_tile = h.position_of(&tile);
    let on_status_bar = h.position_of(&h.app.status().org_name.clone());
    assert_eq!(
        h.pointer_at(on_tile).await,
        Interaction::Hidden,
        "over a tile"
    );
    assert_eq!(
        h.pointer_at(on_status_bar).await,
        Interaction::Hidden,
        "over the status bar"
    );

    // The same screen in a developer's window keeps its pointer, so the check above can fail.
    let settings = kiosk::ui::Settings {
        hide_cursor: false,
        ..super::harness::settings()
    };
    let (app, task) = kiosk::ui::App::new(h.core.clone(), settings);
    h.app = app;
    h.settle(task).await;
    h.send(kiosk::ui::Message::Resized(h.size)).await;
    assert_eq!(h.position_of(&tile), on_tile, "the same home screen");
    assert_eq!(
        h.pointer_at(on_tile).await,
        Interaction::Pointer,
        "a windowed app's button"
    );
}
