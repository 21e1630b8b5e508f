//! Bulk publishing from files: news articles from Markdown (and drafts from Word, `docx`),
//! library catalogues from CSV, and the generated cover images both use.

pub mod catalog;
pub mod catalog_jobs;
pub mod covers;
pub mod docx;
pub mod news;

use std::path::{Component, Path, PathBuf};

/// Why a file an import names was refused: it is outside the import's folder.
pub fn outside(name: &str) -> String {
    format!("“{name}”不在导入的文件夹里：只能引用这个文件夹及其子文件夹中的文件")
}

/// `name` (from an article or a catalogue row) as a file inside `dir`. Refused when it is
/// absolute, climbs out with `..`, or resolves through a symbolic link to somewhere outside
/// `dir`: an import publishes what it reads, so a crafted name must not publish any file the
/// operator can read. A file that does not exist passes here; reading it then says so.
pub fn file_inside(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let relative = Path::new(name);
    let plain = !name.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain {
        return Err(outside(name));
    }
    let path = dir.join(relative);
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(real), Ok(base)) if !real.starts_with(&base) => Err(outside(name)),
        _ => Ok(path),
    }
}

#[cfg(test)]
mod tests;
