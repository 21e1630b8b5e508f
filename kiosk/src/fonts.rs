//! The CJK font shipped with the kiosk (see `assets/fonts/README.md`): the app's default font,
//! so Chinese renders on a machine with no CJK font installed.

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Subset-Regular.otf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Subset-Bold.otf");
/// The family name inside both files.
pub const FAMILY: &str = "Noto Sans CJK SC";

/// Hands both fonts to the renderer's font system as the static slices they are, before the
/// app starts. The application's `.font(bytes)` would copy each to the heap (iced_graphics'
/// `load_font` takes `into_owned()`: 6.4 MiB), reading every page of the binary's copy on the
/// way; in place, only the pages of the glyphs drawn are read.
pub fn load_in_place() {
    use iced::advanced::graphics::text::{cosmic_text::fontdb::Source, font_system};
    let mut system = font_system()
        .write()
        .expect("the font system's lock is not held across a panic");
    for bytes in [REGULAR, BOLD] {
        system
            .raw()
            .db_mut()
            .load_font_source(Source::Binary(std::sync::Arc::new(bytes)));
    }
}

#[cfg(test)]
mod tests;
