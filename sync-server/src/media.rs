//! Images: uploads are decoded (so only real images are kept), scaled to a display rendition
//! (long edge ≤ 1920 px) and a thumbnail, re-encoded, and stored by the SHA-256 of their bytes
//! in the media store ([`MediaStore`]: a directory, or an S3-compatible bucket).

use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{OptionalExtension, params};
use axum::http::StatusCode;
use protocol::staff::{MediaInfo, MediaUploaded};
use protocol::{ErrorCode, MediaHash};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

mod storage;
pub use storage::MediaStore;

/// Decodes, scales and stores an uploaded image. Nothing is stored unless both renditions are.
pub async fn store_upload(state: &AppState, bytes: Vec<u8>) -> AppResult<MediaUploaded> {
    let config = state.config.media.clone();
    let (display, thumb) = on_decode_slot(&DECODE_SLOTS, move || {
        let image = decode(&bytes, config.max_source_edge)?;
        let display = Rendition::make(&image, config.display_max_edge)?;
        let thumb = Rendition::make(&image, config.thumbnail_max_edge)?;
        Ok((display, thumb))
    })
    .await?;
    for r in [&display, &thumb] {
        state.media.put(r.file_name(), r.bytes.clone()).await?;
    }
    let (d, t) = (display.info(), thumb.info());
    let (d2, t2) = (d.clone(), t.clone());
    state
        .db
        .write(move |tx| {
            for (info, r) in [(&d2, &display), (&t2, &thumb)] {
                tx.execute(
                    "INSERT INTO media (sha256, mime, width, height, bytes, file, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sha256) DO NOTHING",
                    params![
                        info.sha256.as_str(),
                        info.mime,
                        info.width,
                        info.height,
                        info.bytes as i64,
                        r.file_name(),
                        now_ms()
                    ],
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(MediaUploaded {
        display: d,
        thumbnail: t,
    })
}

/// Most pixels a source image may have: 50 million (a 48-megapixel phone photo fits), at most
/// 200 MB once decoded to RGBA. Checked from the header, before anything is decoded.
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;

/// Most bytes the decoder may allocate for one image (the pixels above, and its working memory).
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Images decoded and scaled at once, whoever uploads them: with [`MAX_SOURCE_PIXELS`] this
/// bounds the memory uploads can take, and leaves the blocking pool to the database.
pub const CONCURRENT_DECODES: usize = 2;

static DECODE_SLOTS: Semaphore = Semaphore::const_new(CONCURRENT_DECODES);

/// Runs image `work` on the blocking pool once one of `slots` is free; later uploads wait.
async fn on_decode_slot<T: Send + 'static>(
    slots: &'static Semaphore,
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let slot = slots
        .acquire()
        .await
        .map_err(|e| AppError::internal("image decode slots", e))?;
    crate::obs::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(|e| AppError::internal("image task", e))?
}

fn too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::ImageTooLarge,
        "图片尺寸太大，请缩小后再上传。",
    )
}

fn not_an_image() -> AppError {
    AppError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::NotAnImage,
        "上传的文件不是可识别的图片（支持 JPEG、PNG、WebP、GIF、BMP）",
    )
}

fn decode(bytes: &[u8], max_edge: u32) -> AppResult<imaging::Decoded> {
    let limits = imaging::Limits {
        max_edge,
        max_pixels: MAX_SOURCE_PIXELS,
        max_alloc: MAX_DECODE_ALLOC,
    };
    imaging::decode(bytes, &limits).map_err(|e| match e {
        imaging::DecodeError::NotAnImage => not_an_image(),
        imaging::DecodeError::TooLarge => too_large(),
        imaging::DecodeError::Broken => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BrokenImage,
            "图片文件已损坏或不完整，无法读取",
        ),
    })
}

struct Rendition {
    hash: MediaHash,
    bytes: Vec<u8>,
    width: u32,
    height: u32,
    png: bool,
}

impl Rendition {
    /// Scales `image` so its long edge is at most `max_edge`; JPEG, or PNG when it has alpha.
    fn make(image: &imaging::Decoded, max_edge: u32) -> AppResult<Rendition> {
        let encoded = image
            .rendition(max_edge)
            .map_err(|e| AppError::internal("image encoding failed", e))?;
        Ok(Rendition {
            hash: MediaHash::from_digest(Sha256::digest(&encoded.bytes).into()),
            width: encoded.width,
            height: encoded.height,
            bytes: encoded.bytes,
            png: encoded.png,
        })
    }

    fn file_name(&self) -> String {
        format!("{}.{}", self.hash, if self.png { "png" } else { "jpg" })
    }

    fn info(&self) -> MediaInfo {
        MediaInfo {
            sha256: self.hash.clone(),
            mime: if self.png { "image/png" } else { "image/jpeg" }.to_owned(),
            width: self.width,
            height: self.height,
            bytes: self.bytes.len() as u64,
        }
    }
}

/// The name of a stored media file in the media store, and its type.
pub async fn locate(state: &AppState, hash: MediaHash) -> AppResult<(String, String)> {
    state
        .db
        .read(move |tx| {
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT file, mime FROM media WHERE sha256 = ?1",
                    [hash.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.ok_or_else(|| AppError::not_found(&format!("图片 {hash}")))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, ImageFormat};
    use std::io::Cursor;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png)
            .expect("encode test png");
        out.into_inner()
    }

    #[test]
    fn renditions_are_bounded_and_hashed() {
        let img = decode(&png(3000, 1000), 12_000).expect("decodes");
        let r = Rendition::make(&img, 1920).expect("scales");
        assert_eq!((r.width, r.height), (1920, 640));
        assert!(!r.png, "opaque images become JPEG");
        assert_eq!(
            r.hash,
            MediaHash::from_digest(Sha256::digest(&r.bytes).into())
        );
        let small = Rendition::make(&img, 5000).expect("keeps size");
        assert_eq!((small.width, small.height), (3000, 1000));
    }

    /// A PNG whose header claims `width` × `height` RGB pixels, cut off where its pixels begin.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut chunk = b"IHDR".to_vec();
        chunk.extend(width.to_be_bytes());
        chunk.extend(height.to_be_bytes());
        chunk.extend([8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(13u32.to_be_bytes());
        out.extend(&chunk);
        out.extend(crc32(&chunk).to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend(b"IDAT");
        out.extend(crc32(b"IDAT").to_be_bytes());
        out
    }

    #[test]
    fn a_header_claiming_too_many_pixels_is_refused_before_decoding() {
        // 9000 × 9000: each edge under the 12000 px limit, 81 million pixels in all.
        assert_eq!(
            decode(&png_header(9000, 9000), 12_000)
                .err()
                .map(|e| e.code),
            Some(ErrorCode::ImageTooLarge)
        );
        assert_eq!(
            decode(&png_header(5000, 5000), 12_000)
                .err()
                .map(|e| e.code),
            Some(ErrorCode::BrokenImage),
            "under the limit, the missing pixels are what is wrong"
        );
    }

    #[tokio::test]
    async fn decodes_wait_for_a_free_slot() {
        static SLOTS: Semaphore = Semaphore::const_new(1);
        let held = SLOTS.acquire().await.expect("open");
        let waiting = tokio::spawn(on_decode_slot(&SLOTS, || Ok(7)));
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished(), "ran without a slot");
        drop(held);
        assert_eq!(waiting.await.expect("joins").expect("runs"), 7);
    }

    #[test]
    fn junk_and_truncated_images_are_refused() {
        assert_eq!(
            decode(b"%PDF-1.4 not an image", 100).err().map(|e| e.code),
            Some(ErrorCode::NotAnImage)
        );
        let mut truncated = png(64, 64);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(
            decode(&truncated, 100).err().map(|e| e.code),
            Some(ErrorCode::BrokenImage)
        );
        assert_eq!(
            decode(&png(200, 10), 100).err().map(|e| e.code),
            Some(ErrorCode::ImageTooLarge)
        );
    }
}
