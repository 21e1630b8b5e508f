//! The server's image work: decoding an upload within limits, scaling it to renditions and
//! encoding them, drawing a generated cover, checking a screenshot. Bytes in, bytes out, and
//! no generic function in the API.
//!
//! Why a crate of its own: `image`'s decoders, resizing and encoders are generic, so their code
//! is compiled where they are called, at the caller's optimisation level. Called from here, they
//! are compiled once, optimised (`[profile.dev.package.imaging]` in the workspace), and the
//! server itself can be built unoptimised in the dev profile that the tests use.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Rgb, RgbImage};
use std::io::Cursor;

/// Bounds on a source image, checked before and while decoding.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest width or height.
    pub max_edge: u32,
    /// Most pixels (width × height), checked from the header before anything is decoded.
    pub max_pixels: u64,
    /// Most bytes the decoder may allocate.
    pub max_alloc: u64,
}

/// Why bytes did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Not a format this crate reads (JPEG, PNG, WebP, GIF, BMP).
    NotAnImage,
    /// Over the limits.
    TooLarge,
    /// A known format, but damaged or cut short.
    Broken,
}

/// A decoded image, upright (its EXIF orientation applied).
pub struct Decoded(DynamicImage);

/// One encoded rendition.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// PNG (the image has alpha), else JPEG.
    pub png: bool,
}

/// Decodes `bytes` within `limits`.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| DecodeError::NotAnImage)?;
    if reader.format().is_none() {
        return Err(DecodeError::NotAnImage);
    }
    let mut bounds = image::Limits::default();
    bounds.max_image_width = Some(limits.max_edge);
    bounds.max_image_height = Some(limits.max_edge);
    bounds.max_alloc = Some(limits.max_alloc);
    reader.limits(bounds);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(&e))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(DecodeError::TooLarge);
    }
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(&e))?;
    if let Some(o) = orientation {
        image.apply_orientation(o);
    }
    Ok(Decoded(image))
}

fn decode_error(e: &image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => DecodeError::TooLarge,
        _ => DecodeError::Broken,
    }
}

impl Decoded {
    /// Scaled so its long edge is at most `max_edge` (never enlarged); JPEG at quality 85, or PNG
    /// when it has alpha.
    pub fn rendition(&self, max_edge: u32) -> Result<Encoded, image::ImageError> {
        let image = &self.0;
        let scaled = if image.width().max(image.height()) > max_edge {
            image.resize(max_edge, max_edge, image::imageops::FilterType::CatmullRom)
        } else {
            image.clone()
        };
        let png = scaled.color().has_alpha();
        let mut out = Cursor::new(Vec::new());
        if png {
            scaled.write_to(&mut out, ImageFormat::Png)?;
        } else {
            let rgb = DynamicImage::ImageRgb8(scaled.to_rgb8());
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
            rgb.write_with_encoder(encoder)?;
        }
        Ok(Encoded {
            bytes: out.into_inner(),
            width: scaled.width(),
            height: scaled.height(),
            png,
        })
    }
}

/// Why bytes are not a usable PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PngError {
    /// Not a PNG, or its header says it is over `max_side`.
    NotPngOrTooLarge,
    /// A PNG header, but the image data is damaged or cut short.
    Broken,
}

/// The dimensions of a whole PNG whose sides are at most `max_side`, found by decoding all of
/// it (within limits).
pub fn png_dimensions(bytes: &[u8], max_side: u32) -> Result<(u32, u32), PngError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(u64::from(max_side).pow(2) * 8);
    reader.limits(limits);
    let decoder = reader
        .into_decoder()
        .map_err(|_| PngError::NotPngOrTooLarge)?;
    let dimensions = decoder.dimensions();
    DynamicImage::from_decoder(decoder).map_err(|_| PngError::Broken)?;
    Ok(dimensions)
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t)
}

/// A `width`×`height` PNG: a diagonal gradient from `from` to `to` with four soft light circles
/// placed by the first twelve bytes of `seed` (a digest). The same arguments give the same bytes.
pub fn cover(seed: &[u8], from: [u8; 3], to: [u8; 3], width: u32, height: u32) -> Vec<u8> {
    let circles: Vec<(f32, f32, f32)> = seed
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
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .expect("encoding a PNG into memory cannot fail");
    out.into_inner()
}
