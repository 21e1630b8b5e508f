//! The touchscreen app in iced's headless simulator, over a kiosk core synced from a real
//! server with the demo pack. Taps and drags are injected as touch and mouse events; time moves
//! by `Tick` messages.

mod branch;
mod care;
mod competitions;
mod cursor;
mod first_frame;
mod flows;
mod forms;
mod group;
mod harness;
mod hours;
mod layout;
mod places;
mod polls;
mod proposals;
mod provision;
mod quiz;
mod status;
mod touch;
