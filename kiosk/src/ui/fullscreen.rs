//! Covering the monitor when nothing else will. winit asks for fullscreen through the window
//! manager (`_NET_WM_STATE_FULLSCREEN` on X11); bare X started by `xinit`, with no window
//! manager, ignores that and leaves the window at its default 1024×768 in the corner. So once the
//! window is open the app also moves it to the monitor's origin and sizes it to the monitor
//! itself. A window manager or a Wayland compositor that honours fullscreen (a desktop session,
//! `cage`) already made it that size: the same request then changes nothing.

use iced::{Point, Task, window};

/// Sizes the newest window (the app's only one) to its monitor, at the monitor's origin, and
/// asks again for borderless fullscreen. Leaves the window to the compositor if the monitor is
/// not known yet.
pub fn cover_monitor<T: Send + 'static>() -> Task<T> {
    window::latest().then(|id| match id {
        Some(id) => window::monitor_size(id).then(move |size| match size {
            Some(size) => {
                tracing::info!(
                    width = size.width,
                    height = size.height,
                    "covering the monitor"
                );
                Task::batch([
                    window::move_to(id, Point::ORIGIN),
                    window::resize(id, size),
                    window::set_mode(id, window::Mode::Fullscreen),
                    // With no window manager nothing gives the window the keyboard: a USB
                    // scanner types like a keyboard and must reach it.
                    window::gain_focus(id),
                ])
            }
            // On Wayland the window learns its output only once the compositor shows it; the
            // compositor sizes a fullscreen window itself.
            None => {
                tracing::info!("the monitor's size is not known: the compositor sizes the window");
                Task::none()
            }
        }),
        None => Task::none(),
    })
}
