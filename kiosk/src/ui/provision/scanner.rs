//! What a USB scanner types, caught by the widget around the whole screen ([`crate::ui::outer`]).
//! A scanner types a string of 170 characters in a few hundred milliseconds; keys are handled in
//! the window's own event loop, because a subscription's event queue is bounded and drops keys
//! when the screen redraws slower than they arrive (measured under Xvfb: characters went
//! missing at 2 ms a key).

use iced::keyboard::{self, key::Named};

use super::Message;

/// What a key press means to the provisioning screen: a character typed, Enter (a scan's end),
/// or Backspace.
pub fn key_message(event: &keyboard::Event) -> Option<Message> {
    let keyboard::Event::KeyPressed { key, text, .. } = event else {
        return None;
    };
    match key {
        keyboard::Key::Named(Named::Enter) => Some(Message::Enter),
        keyboard::Key::Named(Named::Backspace) => Some(Message::Erase),
        _ => {
            let typed: String = text
                .as_deref()?
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            (!typed.is_empty()).then_some(Message::Typed(typed))
        }
    }
}
