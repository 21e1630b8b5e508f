//! Windowing for long lists of fixed-height rows: which rows are worth building for a viewport.

/// The slice of a list of fixed-height rows worth building for a viewport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: usize,
    pub end: usize,
}

impl Window {
    /// Rows of `row_height` (spacing included) under `offset` in a viewport of `height`, with a
    /// screenful of margin on both sides so a fast glide never shows an empty row.
    pub fn of(rows: usize, row_height: f32, offset: f32, height: f32) -> Window {
        let row_height = row_height.max(1.0);
        let margin = (height / row_height).ceil() as usize + 1;
        let top = (offset.max(0.0) / row_height).floor() as usize;
        let first = top.saturating_sub(margin).min(rows);
        let visible = (height / row_height).ceil() as usize + 1;
        let end = (top + visible + margin).min(rows);
        Window { first, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_covers_the_viewport_with_margin_and_stays_in_bounds() {
        let w = Window::of(1000, 100.0, 5000.0, 800.0);
        assert!(w.first <= 50 && w.end >= 58, "{w:?}");
        assert!(w.end - w.first < 40, "{w:?}");
        let top = Window::of(1000, 100.0, 0.0, 800.0);
        assert_eq!(top.first, 0);
        let bottom = Window::of(10, 100.0, 9000.0, 800.0);
        assert!(bottom.first <= bottom.end && bottom.end == 10, "{bottom:?}");
        assert_eq!(
            Window::of(0, 100.0, 0.0, 800.0),
            Window { first: 0, end: 0 }
        );
    }
}
