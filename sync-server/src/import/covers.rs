//! Plain generated cover images, for content that has none of its own (the demo, or an article
//! published with `cover = true`). Deterministic: the same seed gives the same bytes, so
//! re-publishing stores nothing new and changes nothing on the kiosks.

use image::{Rgb, RgbImage};
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

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t)
}

/// A `width`×`height` PNG: a diagonal gradient with soft light circles placed by `seed`.
pub fn generate(seed: &str, category: Option<NewsCategory>, width: u32, height: u32) -> Vec<u8> {
    let (from, to) = palette(category);
    let digest = Sha256::digest(seed.as_bytes());
    let circles: Vec<(f32, f32, f32)> = digest
        .chunks(3)
        .take(4)
        .map(|c| {
            let x = f32::from(c[0]) / 255.0 * width as f32;
            let y = f32::from(c[1]) / 255.0 * height as f32;
            let r = (0.15 + f32::from(c[2]) / 255.0 * 0.35) * height as f32;
            (x, y, r)
        })
        .collect();
    let diagonal = (width + height) as f32;
    let img = RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let mut c = mix(from, to, (fx + fy) / diagonal);
        for &(cx, cy, r) in &circles {
            let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
            if d < r {
                let glow = 0.10 * (1.0 - d / r);
                c = c.map(|v| v + (255.0 - v) * glow);
            }
        }
        Rgb(c.map(|v| v.round().clamp(0.0, 255.0) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encoding a PNG into memory cannot fail");
    out.into_inner()
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
