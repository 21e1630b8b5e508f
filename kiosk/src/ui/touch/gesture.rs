//! What a finger (or a mouse standing in for one) is doing to a `TouchScroll`: pressed and not
//! yet moved, dragging, or gliding after a flick; the recent samples that give a flick its speed;
//! and reading presses, moves and releases out of iced's touch and mouse events alike.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use iced::advanced::mouse as amouse;
use iced::{Event, Point, mouse, touch};

/// Below this speed (px/s) a released drag stops dead instead of gliding.
pub(super) const MIN_FLICK: f32 = 250.0;
/// A glide below this speed (px/s) stops.
pub(super) const MIN_GLIDE: f32 = 12.0;
/// How fast a glide loses speed: the velocity falls by e every `1 / FRICTION` seconds.
pub(super) const FRICTION: f32 = 2.6;
/// Only the last moments of a drag decide the flick's speed.
pub(super) const VELOCITY_WINDOW: Duration = Duration::from_millis(120);
/// The fastest glide (px/s): a flick of a few milliseconds is not a throw across 60,000 books.
pub(super) const MAX_VELOCITY: f32 = 6000.0;
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Pointer {
    Finger(touch::Finger),
    Mouse,
}

#[derive(Debug, Default)]
pub(super) enum Gesture {
    #[default]
    Idle,
    /// Down, not yet a drag. `caught` is a press that stopped a glide: lifting it is no tap.
    Pressed {
        pointer: Pointer,
        start: Point,
        start_offset: f32,
        caught: bool,
    },
    Dragging {
        pointer: Pointer,
        start: Point,
        start_offset: f32,
        /// The offset last published.
        current: f32,
    },
    Gliding {
        velocity: f32,
        last: Option<Instant>,
        offset: f32,
    },
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) gesture: Gesture,
    /// Recent (time, finger y) samples of a drag.
    pub(super) samples: VecDeque<(Instant, f32)>,
}

impl State {
    pub(super) fn sample(&mut self, y: f32) {
        let now = Instant::now();
        self.samples.push_back((now, y));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > VELOCITY_WINDOW)
            && self.samples.len() > 2
        {
            self.samples.pop_front();
        }
    }

    /// Content velocity in px/s (positive scrolls down the content) at the end of a drag.
    pub(super) fn release_velocity(&self) -> f32 {
        let (Some((t0, y0)), Some((t1, y1))) = (self.samples.front(), self.samples.back()) else {
            return 0.0;
        };
        let dt = t1.duration_since(*t0).as_secs_f32();
        if dt <= 0.0 {
            return 0.0;
        }
        ((y0 - y1) / dt).clamp(-MAX_VELOCITY, MAX_VELOCITY)
    }
}

pub(super) fn press_of(event: &Event, cursor: amouse::Cursor) -> Option<(Pointer, Point)> {
    match event {
        Event::Touch(touch::Event::FingerPressed { id, position }) => {
            Some((Pointer::Finger(*id), *position))
        }
        Event::Mouse(mouse::Event::ButtonPressed(mouse::Button::Left)) => {
            cursor.position().map(|p| (Pointer::Mouse, p))
        }
        _ => None,
    }
}

pub(super) fn move_of(event: &Event, pointer: Pointer) -> Option<Point> {
    match (event, pointer) {
        (Event::Touch(touch::Event::FingerMoved { id, position }), Pointer::Finger(f))
            if *id == f =>
        {
            Some(*position)
        }
        (Event::Mouse(mouse::Event::CursorMoved { position }), Pointer::Mouse) => Some(*position),
        _ => None,
    }
}

pub(super) fn release_of(event: &Event, pointer: Pointer, cursor: amouse::Cursor) -> Option<Point> {
    match (event, pointer) {
        (Event::Touch(touch::Event::FingerLifted { id, position }), Pointer::Finger(f))
            if *id == f =>
        {
            Some(*position)
        }
        (Event::Mouse(mouse::Event::ButtonReleased(mouse::Button::Left)), Pointer::Mouse) => {
            cursor.position()
        }
        _ => None,
    }
}

pub(super) fn is_lost(event: &Event, pointer: Pointer) -> bool {
    matches!((event, pointer),
        (Event::Touch(touch::Event::FingerLost { id, .. }), Pointer::Finger(f)) if *id == f)
}
