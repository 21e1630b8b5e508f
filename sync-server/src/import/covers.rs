//! Plain generated cover images, for content that has none of its own (the demo, or an article
//! published with `cover = true`). Deterministic: the same seed gives the same bytes, so
//! re-publishing stores nothing new and changes nothing on the kiosks.

use protocol::content::NewsCategory;
use sha2::{Digest, Sha256};

/// Background colours per category: calm, high-contrast pairs that read well behind white text.
fn palette(category: Option<NewsCategory>) -> ([u8; 3], [u8; 3]) {
    match category {
        Some(NewsCategory::Policy) => ([158, 28, 34], [205, 70, 49]),
        Some(NewsCategory::UnionNews) => ([176, 36, 36], [232, 122, 46]),
        Some(NewsCategory::Activities) => ([22, 110, 130], [76, 170, 150]),
        Some(NewsCategory::Training) => ([33, 70, 140], [70, 130, 200]),
        Some(NewsCategory::WomenWorkers) => ([170, 50, 100], [230, 120, 150]),
        Some(NewsCategory::Awards) => ([150, 100, 20], [220, 170, 50]),
        Some(NewsCategory::DemocraticManagement) => ([60, 80, 100], [110, 140, 160]),
        None => ([90, 60, 120], [150, 110, 180]),
    }
}

/// A `width`×`height` PNG: a diagonal gradient in the category's colours with soft light
/// circles placed by `seed`.
pub fn generate(seed: &str, category: Option<NewsCategory>, width: u32, height: u32) -> Vec<u8> {
    let (from, to) = palette(category);
    imaging::cover(&Sha256::digest(seed.as_bytes()), from, to, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_are_deterministic_and_differ_by_seed() {
        let a = generate("song-wennuan", Some(NewsCategory::Policy), 160, 90);
        assert_eq!(
            a,
            generate("song-wennuan", Some(NewsCategory::Policy), 160, 90)
        );
        assert_ne!(
            a,
            generate("jian-bu-zou", Some(NewsCategory::Policy), 160, 90)
        );
        let img = image::load_from_memory(&a).expect("a real PNG");
        assert_eq!((img.width(), img.height()), (160, 90));
    }
}
