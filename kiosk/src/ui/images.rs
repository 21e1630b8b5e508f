//! Images for the screens, decoded by us rather than by the renderer.
//!
//! iced's path handles pick the decoder by file extension (the media cache has none), and
//! iced_tiny_skia 0.14 panics drawing an image that failed to load once. So every image is
//! read and decoded here, on a thread of its own, scaled down to the box it is shown in (a cover
//! does not keep a 1920-pixel photo in memory), and handed to iced as RGBA. An image that is
//! missing (not downloaded yet) or broken gets no handle, and the screen shows its placeholder;
//! the next sync clears those failures so a late download still appears.
//!
//! Images are decoded to the exact box they fill and drawn with `ContentFit::Contain`: the
//! software renderer does not clip an image that overflows its bounds inside a scroller.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc::Sender;

use iced::Task;
use iced::widget::image::Handle;
use protocol::MediaHash;

use super::app::Message;
use crate::core::Core;

/// The box an image is shown in, in pixels, and whether it fills it (cropping) or fits in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fit {
    pub width: u32,
    pub height: u32,
    pub fill: bool,
}

impl Fit {
    pub const COVER: Fit = Fit {
        width: 176,
        height: 270,
        fill: true,
    };
    pub const THUMB: Fit = Fit {
        width: 220,
        height: 150,
        fill: true,
    };
    pub const BOOK: Fit = Fit {
        width: 320,
        height: 440,
        fill: true,
    };
    pub const ARTICLE_COVER: Fit = Fit {
        width: 1100,
        height: 460,
        fill: true,
    };
    pub const ARTICLE: Fit = Fit {
        width: 1100,
        height: 620,
        fill: false,
    };

    /// A slide filling a screen of this size.
    pub fn slide(width: f32, height: f32) -> Fit {
        Fit {
            width: width.round().max(1.0) as u32,
            height: height.round().max(1.0) as u32,
            fill: true,
        }
    }
}

/// Decoded pixels, ready to become a handle.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// Decodes the file at `path` (format from its content) scaled into `fit`.
pub fn decode(path: &Path, fit: Fit) -> Option<Decoded> {
    let image = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .decode()
        .ok()?;
    let filter = image::imageops::FilterType::Triangle;
    let image = if fit.fill {
        image.resize_to_fill(fit.width, fit.height, filter)
    } else if image.width() > fit.width || image.height() > fit.height {
        image.resize(fit.width, fit.height, filter)
    } else {
        image
    };
    let rgba = image.into_rgba8();
    Some(Decoded {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// A file to decode into a box, and where the result goes.
type Job = (PathBuf, Fit, tokio::sync::oneshot::Sender<Option<Decoded>>);

/// The one thread that decodes every image, one at a time, in the order asked. Decoding needs
/// several times the source's pixels for a moment; glibc's malloc keeps what a thread freed in
/// that thread's arena, so decodes spread over the blocking pool's threads (a news list asks
/// for 25 at once) left ~20 MiB resident that nothing used again. On one thread the next decode
/// reuses it.
fn decoder() -> &'static Sender<Job> {
    static DECODER: OnceLock<Sender<Job>> = OnceLock::new();
    DECODER.get_or_init(|| {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("images".into())
            .spawn(move || {
                for (path, fit, reply) in queue {
                    // Nobody waits for it any more (the app is closing): nothing to do.
                    let _ = reply.send(decode(&path, fit));
                }
            })
            .expect("the image decoding thread starts");
        jobs
    })
}

/// How many bytes of decoded pixels are kept (least recently wanted go first): a screen's worth
/// several times over (a cover is 186 KiB, an article picture 2.6 MiB, a slide at 1920×1080
/// 7.9 MiB). The renderer keeps its own copy of what it draws, so what is on screen counts
/// twice in the process.
const BUDGET: usize = 20 << 20;
/// The most recently wanted images are kept whatever the budget: the slide that is up and the
/// next one.
const KEEP_LAST: usize = 2;

#[derive(Default)]
pub struct Images {
    ready: HashMap<(MediaHash, Fit), (Handle, usize)>,
    order: VecDeque<(MediaHash, Fit)>,
    bytes: usize,
    pending: HashSet<(MediaHash, Fit)>,
    failed: HashSet<(MediaHash, Fit)>,
}

impl Images {
    /// Asks for an image; the task decodes it if it is not ready, pending or known broken.
    pub fn want(&mut self, core: &Core, hash: &MediaHash, fit: Fit) -> Task<Message> {
        let key = (hash.clone(), fit);
        if self.ready.contains_key(&key) {
            if let Some(at) = self.order.iter().position(|k| *k == key) {
                let k = self.order.remove(at).expect("position is in range");
                self.order.push_back(k);
            }
            return Task::none();
        }
        if self.pending.contains(&key) || self.failed.contains(&key) {
            return Task::none();
        }
        self.pending.insert(key.clone());
        let (reply, decoded) = tokio::sync::oneshot::channel();
        let queued = decoder().send((core.media_path(hash), fit, reply)).is_ok();
        Task::perform(
            async move {
                let decoded = if queued {
                    decoded.await.ok().flatten()
                } else {
                    None
                };
                (key.0, key.1, decoded)
            },
            |(hash, fit, decoded)| Message::Image(hash, fit, decoded.map(Box::new)),
        )
    }

    /// A decode finished. One no longer wanted (forgotten while it was decoding) is dropped.
    pub fn arrived(&mut self, hash: MediaHash, fit: Fit, decoded: Option<Box<Decoded>>) {
        let key = (hash, fit);
        if !self.pending.remove(&key) {
            return;
        }
        match decoded {
            Some(d) => {
                let size = d.rgba.len();
                let handle = Handle::from_rgba(d.width, d.height, d.rgba);
                self.ready.insert(key.clone(), (handle, size));
                self.bytes += size;
                self.order.push_back(key);
                while self.bytes > BUDGET && self.order.len() > KEEP_LAST {
                    if let Some(old) = self.order.pop_front() {
                        self.drop_ready(&old);
                    }
                }
            }
            None => {
                self.failed.insert(key);
            }
        }
    }

    /// Lets go of an image (decoded or being decoded): a slide once the carousel has moved on.
    pub fn forget(&mut self, hash: &MediaHash, fit: Fit) {
        let key = (hash.clone(), fit);
        self.pending.remove(&key);
        if self.drop_ready(&key) {
            self.order.retain(|k| *k != key);
        }
    }

    fn drop_ready(&mut self, key: &(MediaHash, Fit)) -> bool {
        match self.ready.remove(key) {
            Some((_, size)) => {
                self.bytes -= size;
                true
            }
            None => false,
        }
    }

    /// Bytes of decoded pixels held.
    pub fn held(&self) -> usize {
        self.bytes
    }

    /// New media may have arrived: try the missing ones again when next wanted.
    pub fn retry_failed(&mut self) {
        self.failed.clear();
    }

    /// The handle, if decoded (for `view`, which cannot start work).
    pub fn cached(&self, hash: &MediaHash, fit: Fit) -> Option<Handle> {
        self.ready.get(&(hash.clone(), fit)).map(|(h, _)| h.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_by_content_scales_into_the_box_and_refuses_broken_files() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("no-extension");
        let mut png = Vec::new();
        image::RgbaImage::from_pixel(800, 400, image::Rgba([200, 10, 10, 255]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encode");
        std::fs::write(&path, &png).expect("write");
        let cover = decode(&path, Fit::COVER).expect("decodes without an extension");
        assert_eq!((cover.width, cover.height), (176, 270));
        assert_eq!(cover.rgba.len(), 176 * 270 * 4);
        let article = decode(&path, Fit::ARTICLE).expect("decodes");
        assert_eq!(
            (article.width, article.height),
            (800, 400),
            "small images stay as they are"
        );

        std::fs::write(&path, &png[..png.len() / 2]).expect("write");
        assert!(decode(&path, Fit::COVER).is_none(), "a truncated image");
        assert!(decode(&dir.path().join("missing"), Fit::COVER).is_none());
    }

    fn pixels(fit: Fit) -> Option<Box<Decoded>> {
        Some(Box::new(Decoded {
            width: fit.width,
            height: fit.height,
            rgba: vec![0; (fit.width * fit.height * 4) as usize],
        }))
    }

    fn hash(n: u8) -> MediaHash {
        format!("{n:064x}").parse().expect("valid hash")
    }

    #[test]
    fn keeps_decoded_pixels_within_the_budget_and_lets_go_of_what_is_forgotten() {
        let slide = Fit::slide(1920.0, 1080.0);
        let mut images = Images::default();
        // Ten covers, then three slides: the slides push the oldest covers out.
        for n in 0..10 {
            images.pending.insert((hash(n), Fit::COVER));
            images.arrived(hash(n), Fit::COVER, pixels(Fit::COVER));
        }
        assert_eq!(images.held(), 10 * 176 * 270 * 4);
        for n in 10..13 {
            images.pending.insert((hash(n), slide));
            images.arrived(hash(n), slide, pixels(slide));
        }
        assert!(images.held() <= BUDGET, "{} bytes held", images.held());
        assert!(images.cached(&hash(12), slide).is_some());
        assert!(images.cached(&hash(11), slide).is_some());
        assert!(
            images.cached(&hash(0), Fit::COVER).is_none(),
            "the oldest went first"
        );

        // Over the budget, the last two wanted stay: a slide bigger than it still shows.
        let huge = Fit::slide(4000.0, 3000.0);
        for n in 20..22 {
            images.pending.insert((hash(n), huge));
            images.arrived(hash(n), huge, pixels(huge));
        }
        assert!(images.cached(&hash(20), huge).is_some());
        assert!(images.cached(&hash(21), huge).is_some());
        assert_eq!(images.held(), 2 * 4000 * 3000 * 4);

        images.forget(&hash(20), huge);
        assert!(images.cached(&hash(20), huge).is_none());
        assert_eq!(images.held(), 4000 * 3000 * 4);

        // Forgotten while decoding: the late result is dropped, not kept.
        images.pending.insert((hash(30), slide));
        images.forget(&hash(30), slide);
        images.arrived(hash(30), slide, pixels(slide));
        assert!(images.cached(&hash(30), slide).is_none());
        assert_eq!(images.held(), 4000 * 3000 * 4);
    }
}
