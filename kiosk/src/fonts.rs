//! The CJK font shipped with the kiosk (see `assets/fonts/README.md`): the app's default font,
//! so Chinese renders on a machine with no CJK font installed.

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Subset-Regular.otf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Subset-Bold.otf");
/// The family name inside both files.
pub const FAMILY: &str = "Noto Sans CJK SC";

#[cfg(test)]
mod tests;
