//! Covering the monitor when nothing else will. winit asks for fullscreen through the window
//! manager (`_NET_WM_STATE_FULLSCREEN` on X11); bare X started by `xinit`, with no window
//! manager, ignores that and leaves the window at its default 1024×768 in the corner. So once the
//! window is open the app also moves it to the monitor's origin and sizes it to the monitor
//! itself. A window manager or a Wayland compositor that honours fullscreen (a desktop session,
//! `cage`) already made it that size: the same request then changes nothing.

use iced::{Point, Task, window};

/// Sizes the newest window (the app's only one) to its monitor, at the monitor's origin, and
/// asks again for borderless fullscreen. Does nothing if the monitor cannot be known.
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
                ])
            }
            None => {
                tracing::warn!("the monitor's size is unknown: the window stays as it opened");
                Task::none()
            }
        }),
        None => Task::none(),
    })
}
