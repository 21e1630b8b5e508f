//! Touch on glass: a drag that starts on an item scrolls and does not open it; a short tap
//! opens it; a flick keeps gliding and slows down. Real touch events and mouse-emulated touch.

use iced::touch::{Event as Touch, Finger};
use iced::{Event, Point, window};
use kiosk::ui::Message;
use kiosk::ui::screen::library;
use std::time::{Duration, Instant};

use super::harness::Harness;

fn finger(event: fn(Finger, Point) -> Touch, x: f32, y: f32) -> Event {
    Event::Touch(event(Finger(1), Point::new(x, y)))
}

fn down(id: Finger, position: Point) -> Touch {
    Touch::FingerPressed { id, position }
}
fn moved(id: Finger, position: Point) -> Touch {
    Touch::FingerMoved { id, position }
}
fn up(id: Finger, position: Point) -> Touch {
    Touch::FingerLifted { id, position }
}

fn scrolled(messages: &[Message]) -> Vec<f32> {
    messages
        .iter()
        .filter_map(|m| match m {
            Message::Library(library::Message::Scrolled(o)) => Some(*o),
            _ => None,
        })
        .collect()
}

fn opened(messages: &[Message]) -> bool {
    messages
        .iter()
        .any(|m| matches!(m, Message::Library(library::Message::Open(_))))
}

/// The library grid, and a book title on it to aim at.
async fn library() -> (Harness, String, Point) {
    let mut h = Harness::demo().await;
    h.tap("职工书屋").await;
    let shelf = h.core.shelf();
    let title = shelf.get(None, 0).expect("a first book").title.to_owned();
    let at = h.position_of(&title);
    (h, title, at)
}

#[tokio::test]
async fn a_drag_that_starts_on_a_book_scrolls_and_a_tap_opens_it() {
    let (mut h, title, at) = library().await;

    // Finger down on the first book, then drag upwards by 400 px.
    let mut events = vec![finger(down, at.x, at.y)];
    for step in 1..=10 {
        events.push(finger(moved, at.x, at.y - 40.0 * step as f32));
    }
    events.push(finger(up, at.x, at.y - 400.0));
    let messages = h.inject(events);
    let offsets = scrolled(&messages);
    assert!(!opened(&messages), "a drag must not open the book");
    assert!(
        offsets.last().is_some_and(|o| (*o - 400.0).abs() < 30.0),
        "the grid follows the finger: {offsets:?}"
    );
    h.handle(messages).await;
    assert!(!h.shows(s_location()), "still on the grid");

    // A finger that barely moves is a tap.
    h.send(Message::Library(library::Message::Scrolled(0.0)))
        .await;
    let at = h.position_of(&title);
    let messages = h.inject(vec![
        finger(down, at.x, at.y),
        finger(moved, at.x + 4.0, at.y + 3.0),
        finger(up, at.x + 4.0, at.y + 3.0),
    ]);
    assert!(opened(&messages), "a tap opens the book: {messages:?}");
    assert!(scrolled(&messages).is_empty());
    h.handle(messages).await;
    assert!(h.shows(s_location()), "the book's detail is open");
}

fn s_location() -> &'static str {
    kiosk::ui::i18n::Lang::Zh.strings().library_location
}

#[tokio::test]
async fn mouse_emulated_touch_behaves_the_same() {
    let (h, _title, at) = library().await;
    let mouse_down = Event::Mouse(iced::mouse::Event::ButtonPressed(iced::mouse::Button::Left));
    let mouse_up = Event::Mouse(iced::mouse::Event::ButtonReleased(
        iced::mouse::Button::Left,
    ));
    let mut ui_events = vec![Event::Mouse(iced::mouse::Event::CursorMoved {
        position: at,
    })];
    ui_events.push(mouse_down.clone());
    for step in 1..=6 {
        ui_events.push(Event::Mouse(iced::mouse::Event::CursorMoved {
            position: Point::new(at.x, at.y - 50.0 * step as f32),
        }));
    }
    ui_events.push(mouse_up);
    // The simulator's cursor stays where it was pointed; the press is taken from it.
    let messages = {
        let mut m = h.inject_at(at, ui_events);
        m.retain(|m| !matches!(m, Message::Touched));
        m
    };
    assert!(!opened(&messages));
    assert!(
        scrolled(&messages).last().is_some_and(|o| *o > 250.0),
        "{messages:?}"
    );
    let tap = h.inject_at(
        at,
        vec![
            mouse_down,
            Event::Mouse(iced::mouse::Event::ButtonReleased(
                iced::mouse::Button::Left,
            )),
        ],
    );
    assert!(opened(&tap), "{tap:?}");
}

#[tokio::test]
async fn a_flick_keeps_gliding_and_slows_down() {
    let (h, _title, at) = library().await;
    let mut events = vec![finger(down, at.x, at.y)];
    for step in 1..=8 {
        events.push(finger(moved, at.x, at.y - 30.0 * step as f32));
    }
    events.push(finger(up, at.x, at.y - 240.0));
    let start = Instant::now();
    for frame in 0..40 {
        events.push(Event::Window(window::Event::RedrawRequested(
            start + Duration::from_millis(16 * frame),
        )));
    }
    let offsets = scrolled(&h.inject(events));
    let released = offsets
        .iter()
        .position(|o| (*o - 240.0).abs() < 1.0)
        .expect("the drag reached 240");
    let glide = &offsets[released..];
    assert!(
        glide.len() > 10,
        "the grid glides after the finger lifts: {offsets:?}"
    );
    assert!(glide.windows(2).all(|w| w[1] >= w[0]), "{glide:?}");
    let steps: Vec<f32> = glide.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.last() < steps.get(1), "and slows down: {steps:?}");
}
