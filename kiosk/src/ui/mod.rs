//! The touchscreen app (iced). `app` holds the screen stack, the idle rules and carries out what
//! screens ask, `context` what screens may read, `screen/` one module per screen, `touch` the
//! drag-to-scroll widget made for glass, `keyboard` the on-screen keyboard, `i18n` the string
//! catalogues, `theme` colours and sizes.

pub mod app;
pub mod chart;
pub mod context;
pub mod fullscreen;
pub mod i18n;
pub mod images;
pub mod ime;
pub mod keyboard;
pub mod markdown;
pub mod outer;
pub mod provision;
pub mod root;
pub mod screen;
pub mod theme;
pub mod touch;
pub mod widgets;

use iced::{Font, Size, Task, window};

use crate::config::KioskConfig;

pub use app::{App, Message};
pub use context::Settings;
pub use root::{Boot, Root};

/// How the window opens.
#[derive(Debug, Clone, Copy)]
pub enum Display {
    /// Borderless, fullscreen, no cursor: the lobby.
    Fullscreen,
    /// A normal window of this size, for development and screenshots.
    Windowed(Size),
}

/// The font every screen uses: the CJK subset shipped with the app.
pub fn font() -> Font {
    Font::with_name(crate::fonts::FAMILY)
}

/// Runs the app until it exits (the admin panel's "exit kiosk", or the window closing): over an
/// enrolled kiosk, or from the provisioning screen (see [`Root`]).
pub fn run(boot: Boot, config: &KioskConfig, display: Display) -> iced::Result {
    crate::ime::fuzzy::set_enabled(config.fuzzy_pinyin);
    let mut settings = Settings::from_config(config, font());
    settings.hide_cursor = matches!(display, Display::Fullscreen);
    if let Display::Windowed(size) = display {
        settings.size = size;
    }
    let window = match display {
        Display::Fullscreen => window::Settings {
            fullscreen: true,
            decorations: false,
            ..window::Settings::default()
        },
        Display::Windowed(size) => window::Settings {
            size,
            decorations: true,
            resizable: true,
            ..window::Settings::default()
        },
    };
    crate::fonts::load_in_place();
    iced::application(
        move || {
            let (root, task) = Root::new(boot.clone(), settings.clone());
            match display {
                Display::Fullscreen => (root, Task::batch([task, fullscreen::cover_monitor()])),
                Display::Windowed(_) => (root, task),
            }
        },
        Root::update,
        Root::view,
    )
    .title("智慧工会 Union Kiosk")
    .subscription(Root::subscription)
    .default_font(font())
    .window(window)
    .run()
}
