//! Remote care in the app: a screenshot the console asks for while a screen that can hold
//! personal data is up sends the placeholder image, never the pixels; on other screens the
//! window's pixels go up as PNG. Against the real server (the upload and its checks).

use iced::window::Screenshot;
use kiosk::ui::Message;
use kiosk::ui::app::care;
use kiosk::ui::screen::Screen;
use kiosk::ui::screen::status::StatusCheck;
use protocol::KioskId;
use protocol::command::CommandKind;
use sync_server::commands;
use sync_server::orgs::Actor;

use super::harness::Harness;

/// A screenshot command for the harness's kiosk, as staff would queue it.
async fn queue(h: &Harness) -> (KioskId, i64) {
    let server = h.server.as_ref().expect("the demo server");
    let (id, _) = h
        .core
        .identity()
        .await
        .expect("identity")
        .expect("enrolled");
    let kiosk = KioskId(id);
    let cmd = commands::request(
        &server.state,
        Actor::Operator,
        kiosk.clone(),
        CommandKind::Screenshot,
    )
    .await
    .expect("queued")
    .id();
    (kiosk, cmd)
}

async fn stored(h: &Harness, kiosk: &KioskId, cmd: i64) -> Vec<u8> {
    let server = h.server.as_ref().expect("the demo server");
    commands::screenshot(&server.state, Actor::Operator, kiosk.clone(), cmd)
        .await
        .expect("a screenshot was stored")
}

/// Pixels as the window would hand them over: one colour, `w`×`h`.
fn pixels(w: u32, h: u32, rgba: [u8; 4]) -> Screenshot {
    let bytes: Vec<u8> = std::iter::repeat_n(rgba, (w * h) as usize)
        .flatten()
        .collect();
    Screenshot::new(bytes, iced::Size::new(w, h), 1.0)
}

#[tokio::test]
async fn a_screenshot_over_a_form_sends_the_placeholder_never_the_pixels() {
    let mut h = Harness::demo().await;
    assert!(!h.app.shows_personal_data(), "home shows nobody's data");

    // Home: the window's pixels are encoded and uploaded as they are.
    let (kiosk, cmd) = queue(&h).await;
    h.send(Message::Care(care::Message::Captured(
        cmd,
        pixels(64, 48, [10, 200, 30, 255]),
    )))
    .await;
    let png = image::load_from_memory(&stored(&h, &kiosk, cmd).await).expect("a PNG");
    assert_eq!((png.width(), png.height()), (64, 48));
    assert_eq!(png.to_rgba8().get_pixel(5, 5).0, [10, 200, 30, 255]);

    // A form being filled: the placeholder goes up instead of asking the window at all.
    h.tap("网上入会").await;
    assert!(h.shows("入会申请"));
    assert!(h.app.shows_personal_data());
    let (_, cmd) = queue(&h).await;
    h.send(Message::Care(care::Message::Screenshot(cmd))).await;
    assert_eq!(
        stored(&h, &kiosk, cmd).await,
        kiosk::remote::PRIVACY_PLACEHOLDER
    );

    // Pixels taken just before a form opened are dropped too.
    let (_, cmd) = queue(&h).await;
    h.send(Message::Care(care::Message::Captured(
        cmd,
        pixels(64, 48, [10, 200, 30, 255]),
    )))
    .await;
    assert_eq!(
        stored(&h, &kiosk, cmd).await,
        kiosk::remote::PRIVACY_PLACEHOLDER
    );

    // The status check (办理进度) and the admin PIN pad count as private as well.
    h.send(Message::GoHome).await;
    assert!(!h.app.shows_personal_data());
    for _ in 0..5 {
        h.send(Message::CornerTap).await;
    }
    assert!(h.app.shows_personal_data(), "the admin PIN pad is up");
    assert!(care::may_show_personal_data(&Screen::StatusCheck(
        StatusCheck::default()
    )));
}
