//! What screens and widgets may read: the core, the settings, language and text size, the
//! window's size, decoded images, the shelf and how sync stands. The app owns it and lends it
//! to a screen's `update` and `view`; a screen that needs it changed says so with an `Event`.

use std::sync::{Arc, Mutex};

use iced::{Font, Size};

use super::i18n::{Lang, Strings};
use super::images::Images;
use super::ime::Engine;
use super::theme::{self, TextSize, Type};
use crate::admin::pin::PinGuard;
use crate::config::{ClosedScreen, KioskConfig};
use crate::core::{Core, SyncStatus};
use crate::shelf::Shelf;

/// What the app needs besides the core.
#[derive(Debug, Clone)]
pub struct Settings {
    pub idle_home: u64,
    pub idle_attract: u64,
    pub admin_pin_hash: Option<String>,
    pub version: &'static str,
    pub font: Font,
    /// A touchscreen shows no pointer; a development window does.
    pub hide_cursor: bool,
    /// The window's size until the window reports its own.
    pub size: Size,
    /// What shows outside opening hours.
    pub closed_screen: ClosedScreen,
}

impl Settings {
    pub fn from_config(config: &KioskConfig, font: Font) -> Settings {
        Settings {
            idle_home: config.idle_home_seconds.max(5),
            idle_attract: config.idle_attract_seconds,
            admin_pin_hash: config.admin_pin_hash.clone(),
            version: env!("CARGO_PKG_VERSION"),
            font,
            hide_cursor: false,
            size: Size::new(1920.0, 1080.0),
            closed_screen: config.closed_screen,
        }
    }
}

pub struct Context {
    pub(crate) core: Core,
    pub(crate) settings: Settings,
    pub(crate) lang: Lang,
    pub(crate) text_size: TextSize,
    pub(crate) size: Size,
    pub(crate) images: Images,
    pub(crate) shelf: Arc<Shelf>,
    pub(crate) status: SyncStatus,
    /// The pinyin engine; `App::new` sets it at once (its tables are compiled in).
    pub(crate) ime: Option<Engine>,
    /// Wrong admin PINs and the pad's lock: kept for the app's life, so leaving the panel (or
    /// going idle, which drops every screen) does not reset the count.
    pub(crate) pin_guard: Arc<Mutex<PinGuard>>,
}

impl Context {
    pub(crate) fn new(core: Core, settings: Settings) -> Context {
        Context {
            shelf: core.shelf(),
            core,
            size: settings.size,
            settings,
            lang: Lang::Zh,
            text_size: TextSize::Normal,
            images: Images::default(),
            status: SyncStatus::default(),
            ime: None,
            pin_guard: Arc::default(),
        }
    }

    pub fn strings(&self) -> &'static Strings {
        self.lang.strings()
    }

    /// Type sizes for this window: [`Type::new`] scaled by [`Context::scale`], never below the
    /// floor that keeps text readable from a metre away.
    pub fn types(&self) -> Type {
        Type::scaled(self.text_size, self.scale())
    }

    /// How this window compares with the 1080-pixel short side the sizes are designed for
    /// (1280×720: 0.67, 1920×1080 and 1080×1920: 1, a 4K screen at scale 1: 2).
    pub fn scale(&self) -> f32 {
        theme::scale(self.size)
    }

    pub fn font(&self) -> Font {
        self.settings.font
    }

    pub fn portrait(&self) -> bool {
        self.size.height > self.size.width
    }
}
