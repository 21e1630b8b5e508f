//! Colours, type sizes and widget styles: one place for how the kiosk looks. Sizes are logical
//! pixels for a 1080-pixel-short-side screen; the larger-text toggle scales type, not layout.
//! No shadows: the software renderer (tiny-skia) draws blurred shadows with artefacts under
//! text, so depth comes from borders.

use iced::widget::{button, container};
use iced::{Background, Border, Color, Font, Shadow, Size, Theme, font};

pub const RED: Color = Color::from_rgb8(0xB7, 0x1C, 0x1C);
pub const RED_DARK: Color = Color::from_rgb8(0x8E, 0x15, 0x15);
pub const GOLD: Color = Color::from_rgb8(0xE8, 0xB0, 0x3B);
pub const PAPER: Color = Color::from_rgb8(0xF6, 0xF3, 0xEE);
pub const CARD: Color = Color::WHITE;
pub const INK: Color = Color::from_rgb8(0x1E, 0x1E, 0x1E);
pub const MUTED: Color = Color::from_rgb8(0x5C, 0x5C, 0x5C);
pub const LINE: Color = Color::from_rgb8(0xE2, 0xDD, 0xD5);
pub const CALM: Color = Color::from_rgb8(0x8A, 0x5A, 0x00);
pub const GOOD: Color = Color::from_rgb8(0x2E, 0x7D, 0x32);
/// The status bar along the bottom.
pub const STATUS: Color = Color::from_rgb8(0x2B, 0x2B, 0x2B);

/// Minimum height of anything tappable.
pub const TAP: f32 = 72.0;

/// The larger-text toggle's two settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextSize {
    #[default]
    Normal,
    Large,
}

impl TextSize {
    pub fn other(self) -> TextSize {
        match self {
            TextSize::Normal => TextSize::Large,
            TextSize::Large => TextSize::Normal,
        }
    }
}

/// Type sizes for the current text scale.
#[derive(Debug, Clone, Copy)]
pub struct Type {
    pub small: f32,
    pub body: f32,
    pub heading: f32,
    pub title: f32,
    pub display: f32,
}

impl Type {
    pub fn new(size: TextSize) -> Type {
        let k = match size {
            TextSize::Normal => 1.0,
            TextSize::Large => 1.3,
        };
        Type {
            small: 24.0 * k,
            body: 28.0 * k,
            heading: 34.0 * k,
            title: 44.0 * k,
            display: 64.0 * k,
        }
    }
}

impl Type {
    /// [`Type::new`] times `scale`, each size kept at or above its floor (body text 22 px
    /// at normal size), so that a 1280×720 or 1024×768 screen still reads from a metre away.
    pub fn scaled(size: TextSize, scale: f32) -> Type {
        let full = Type::new(size);
        // The floors grow with the larger-text toggle, so it still does something on small
        // screens.
        let k = full.body / 28.0;
        let fit = |v: f32, floor: f32| (v * scale).max(floor * k).round();
        Type {
            small: fit(full.small, 19.0),
            body: fit(full.body, 22.0),
            heading: fit(full.heading, 26.0),
            title: fit(full.title, 32.0),
            display: fit(full.display, 44.0),
        }
    }
}

/// A window's size against the design's 1080-pixel short side, between 0.5 and 2.
pub fn scale(window: Size) -> f32 {
    (window.width.min(window.height) / 1080.0).clamp(0.5, 2.0)
}

pub fn bold(font: Font) -> Font {
    Font {
        weight: font::Weight::Bold,
        ..font
    }
}

pub fn page(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(PAPER)),
        text_color: Some(INK),
        ..container::Style::default()
    }
}

pub fn card(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(CARD)),
        text_color: Some(INK),
        border: Border {
            color: LINE,
            width: 1.0,
            radius: 14.0.into(),
        },
        ..container::Style::default()
    }
}

pub fn bar(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(RED)),
        text_color: Some(Color::WHITE),
        ..container::Style::default()
    }
}

pub fn status_bar(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(STATUS)),
        text_color: Some(Color::WHITE),
        ..container::Style::default()
    }
}

pub fn placeholder(seed: u64) -> impl Fn(&Theme) -> container::Style {
    const TINTS: [Color; 6] = [
        Color::from_rgb8(0x8E, 0x3B, 0x2E),
        Color::from_rgb8(0x2E, 0x5E, 0x8E),
        Color::from_rgb8(0x3B, 0x6E, 0x4B),
        Color::from_rgb8(0x6B, 0x4A, 0x8A),
        Color::from_rgb8(0x8A, 0x6A, 0x2E),
        Color::from_rgb8(0x3E, 0x4A, 0x5A),
    ];
    let tint = TINTS[(seed % TINTS.len() as u64) as usize];
    move |_| container::Style {
        background: Some(Background::Color(tint)),
        text_color: Some(Color::WHITE),
        border: Border {
            radius: 8.0.into(),
            ..Border::default()
        },
        ..container::Style::default()
    }
}

pub fn notice(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::from_rgb8(0xFF, 0xF4, 0xDB))),
        text_color: Some(CALM),
        border: Border {
            color: Color::from_rgb8(0xF0, 0xD8, 0xA0),
            width: 1.0,
            radius: 10.0.into(),
        },
        ..container::Style::default()
    }
}

fn filled(base: Color, pressed: Color, text: Color, status: button::Status) -> button::Style {
    let background = match status {
        button::Status::Pressed => pressed,
        _ => base,
    };
    button::Style {
        background: Some(Background::Color(background)),
        text_color: text,
        border: Border {
            radius: 14.0.into(),
            ..Border::default()
        },
        shadow: Shadow::default(),
        snap: true,
    }
}

/// The main action on a screen.
pub fn primary(_: &Theme, status: button::Status) -> button::Style {
    filled(RED, RED_DARK, Color::WHITE, status)
}

/// A secondary action: white with a border.
pub fn secondary(_: &Theme, status: button::Status) -> button::Style {
    let mut style = filled(CARD, Color::from_rgb8(0xEE, 0xE8, 0xE0), INK, status);
    style.border = Border {
        color: LINE,
        width: 1.5,
        radius: 14.0.into(),
    };
    style
}

/// Buttons on the red title bar.
pub fn on_bar(_: &Theme, status: button::Status) -> button::Style {
    let mut style = filled(
        Color::from_rgba8(255, 255, 255, 0.14),
        Color::from_rgba8(255, 255, 255, 0.3),
        Color::WHITE,
        status,
    );
    style.border.width = 1.0;
    style.border.color = Color::from_rgba8(255, 255, 255, 0.5);
    style
}

/// A whole card that opens something (a tile, an article, a book).
pub fn tile(_: &Theme, status: button::Status) -> button::Style {
    let mut style = filled(CARD, Color::from_rgb8(0xF3, 0xEC, 0xE2), INK, status);
    style.border = Border {
        color: LINE,
        width: 1.0,
        radius: 16.0.into(),
    };
    style
}

/// A choice among several (categories): `selected` shows which is on.
pub fn chip(selected: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        if selected {
            primary(theme, status)
        } else {
            secondary(theme, status)
        }
    }
}

/// A form field's box: red when it has a problem, thick when it is being typed.
pub fn input(focused: bool, problem: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |_, _| button::Style {
        background: Some(Background::Color(CARD)),
        text_color: INK,
        border: Border {
            color: if problem {
                RED
            } else if focused {
                Color::from_rgb8(0x1F, 0x6F, 0x8B)
            } else {
                LINE
            },
            width: if focused || problem { 3.0 } else { 1.5 },
            radius: 10.0.into(),
        },
        shadow: Shadow::default(),
        snap: true,
    }
}

/// Keys of the on-screen keyboard.
pub fn key(_: &Theme, status: button::Status) -> button::Style {
    let mut style = filled(CARD, Color::from_rgb8(0xD9, 0xD2, 0xC8), INK, status);
    style.border = Border {
        color: Color::from_rgb8(0xC9, 0xC2, 0xB8),
        width: 1.0,
        radius: 10.0.into(),
    };
    style
}

/// A button that only takes a tap and shows nothing (the admin corner).
pub fn invisible(_: &Theme, _: button::Status) -> button::Style {
    button::Style {
        background: None,
        text_color: Color::TRANSPARENT,
        border: Border::default(),
        shadow: Shadow::default(),
        snap: true,
    }
}
