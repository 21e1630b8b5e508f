//! Remote care in the app: the console's screenshot command. The app renders its own window to
//! pixels (iced's `window::screenshot`), the core encodes them to PNG off the UI thread and
//! uploads them. When the screen on top can hold personal data (a form being filled, the status
//! check, the admin panel) the pixels are never taken: the core sends a placeholder image that
//! says so instead.

use iced::{Task, window};

use super::App;
use crate::ui::screen::Screen;

#[derive(Debug, Clone)]
pub enum Message {
    /// The console asked for a screenshot (the command's id).
    Screenshot(i64),
    /// The window's pixels for that command.
    Captured(i64, window::Screenshot),
}

/// Whether a screen can show personal data. Every screen is listed, so a new one must be
/// decided here before the app builds.
pub fn may_show_personal_data(screen: &Screen) -> bool {
    match screen {
        // An employee's answers, a receipt code with phone digits, the admin PIN pad.
        Screen::Form(_) | Screen::StatusCheck(_) | Screen::Admin(_) => true,
        Screen::News(_)
        | Screen::Article(_)
        | Screen::Library(_)
        | Screen::Book(_)
        | Screen::Search(_)
        // Published offerings and places-left figures only.
        | Screen::Places(_)
        // Published pages only.
        | Screen::Branch(_)
        // Published standings only.
        | Screen::Competitions(_)
        // The bank, a round's answers (nobody's name) and the masked ranking; entering the
        // ranking is the form screen.
        | Screen::Quiz(_)
        // Published calls and proposals (never a phone); writing one is the form screen.
        | Screen::Proposals(_)
        // Published polls and tallies only; voting is the form screen.
        | Screen::Polls(_)
        // Tiles.
        | Screen::Group(_) => false,
    }
}

/// The screenshot commands the engine hands over, as app messages.
pub fn requests(core: &crate::core::Core) -> Task<super::Message> {
    let requests = tokio_stream::wrappers::BroadcastStream::new(core.screenshot_requests());
    Task::run(
        futures_util::StreamExt::filter_map(requests, |r| async move { r.ok() }),
        |id| super::Message::Care(Message::Screenshot(id)),
    )
}

impl App {
    /// Whether what is on screen now may show personal data: any such screen on the stack
    /// counts, not only the top one (a screen opened over a half-filled form keeps it).
    pub fn shows_personal_data(&self) -> bool {
        self.stack.iter().any(may_show_personal_data)
    }

    pub(super) fn care(&mut self, message: Message) -> Task<super::Message> {
        let core = self.ctx.core.clone();
        match message {
            Message::Screenshot(id) if self.shows_personal_data() => {
                Task::future(async move { core.send_privacy_placeholder(id).await }).discard()
            }
            Message::Screenshot(id) => window::latest()
                .and_then(window::screenshot)
                .map(move |shot| super::Message::Care(Message::Captured(id, shot))),
            // The screen changed to a private one before the frame was taken: the pixels go.
            Message::Captured(id, _) if self.shows_personal_data() => {
                Task::future(async move { core.send_privacy_placeholder(id).await }).discard()
            }
            Message::Captured(id, shot) => Task::future(async move {
                core.send_screenshot(id, shot.rgba, shot.size.width, shot.size.height)
                    .await
            })
            .discard(),
        }
    }
}
