//! Where media files are kept, by name (`<sha256>.<jpg|png>`): a directory (`<data dir>/media`
//! by default, exactly as before, or any directory in `media.dir`, such as one several instances
//! share over NFS), or an S3-compatible bucket (`[media.s3]`, through the `object_store` crate,
//! issue 20). A file is written once under its hash and never changed, so writing it again, from
//! any instance, writes the same bytes: uploads are idempotent across instances without locks.
//!
//! The bucket's credentials come from the environment only (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`): the config has no place for them, and neither
//! they nor a request's signature ever reach a log.

use crate::config::{MediaConfig, S3Config};
use crate::error::{AppError, AppResult};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use protocol::ErrorCode;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

pub enum MediaStore {
    /// Files in a directory, written atomically (a temporary file, synced, renamed).
    Dir(PathBuf),
    /// Objects in a bucket, under `prefix`.
    S3 {
        store: Arc<dyn ObjectStore>,
        prefix: String,
    },
}

impl MediaStore {
    /// The store `config` names: its bucket, its directory, or `<data_dir>/media`.
    pub fn open(config: &MediaConfig, data_dir: &Path) -> anyhow::Result<MediaStore> {
        match (&config.s3, &config.dir) {
            (Some(_), Some(_)) => {
                anyhow::bail!(
                    "media.dir and media.s3 cannot both be set: media is kept in one place"
                )
            }
            (Some(s3), None) => open_s3(s3),
            (None, Some(dir)) => Ok(MediaStore::Dir(dir.clone())),
            (None, None) => Ok(MediaStore::Dir(data_dir.join("media"))),
        }
    }

    /// The directory the files are in, unless they are in a bucket.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            MediaStore::Dir(dir) => Some(dir),
            MediaStore::S3 { .. } => None,
        }
    }

    /// Stores `bytes` as `name` unless a file of that name is already there (the same bytes:
    /// the name is their hash).
    pub async fn put(&self, name: String, bytes: Vec<u8>) -> AppResult<()> {
        match self {
            MediaStore::Dir(dir) => {
                let dir = dir.clone();
                crate::obs::spawn_blocking(move || write_file(&dir, &name, &bytes))
                    .await
                    .map_err(|e| AppError::internal("media write task", e))?
            }
            MediaStore::S3 { store, prefix } => {
                let path = object_path(prefix, &name);
                match store.head(&path).await {
                    Ok(_) => return Ok(()),
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(AppError::internal("media store (checking a file)", e)),
                }
                store
                    .put(&path, PutPayload::from(bytes))
                    .await
                    .map_err(|e| AppError::internal("media store (writing a file)", e))?;
                Ok(())
            }
        }
    }

    /// The whole of `name`.
    pub async fn read(&self, name: &str) -> AppResult<Vec<u8>> {
        match self {
            MediaStore::Dir(dir) => tokio::fs::read(dir.join(name))
                .await
                .map_err(|e| AppError::internal("reading a media file", e)),
            MediaStore::S3 { store, prefix } => {
                let got = store
                    .get(&object_path(prefix, name))
                    .await
                    .map_err(|e| AppError::internal("media store (reading a file)", e))?;
                let bytes = got
                    .bytes()
                    .await
                    .map_err(|e| AppError::internal("media store (reading a file)", e))?;
                Ok(bytes.to_vec())
            }
        }
    }

    /// Answers `req` (a GET, perhaps with a `Range`) with `name`'s bytes as `mime`, streamed:
    /// 200 with the whole file, 206 with one range, 416 with `Content-Range: bytes */<length>`
    /// for a range past its end. A file the database names but the store lacks is an internal
    /// error.
    pub async fn serve(&self, name: &str, mime: &mime::Mime, req: Request) -> AppResult<Response> {
        match self {
            MediaStore::Dir(dir) => serve_file(&dir.join(name), mime, req).await,
            MediaStore::S3 { store, prefix } => {
                let range = req.headers().get(header::RANGE).cloned();
                serve_object(store.as_ref(), &object_path(prefix, name), mime, range).await
            }
        }
    }
}

/// Refuses a bucket on a store other than AWS itself (an `endpoint`) without a key pair in the
/// environment (`set` says whether a variable is set): object_store would otherwise ask AWS's
/// instance metadata service for credentials on every request, and every upload would fail,
/// slowly. On AWS itself an instance role may stand in for the pair.
fn check_credentials(s3: &S3Config, set: impl Fn(&str) -> bool) -> anyhow::Result<()> {
    if s3.endpoint.is_some() && !(set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY")) {
        anyhow::bail!(
            "media.s3 (bucket {}) needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the \
             server's environment (never in the config file)",
            s3.bucket
        );
    }
    Ok(())
}

fn open_s3(s3: &S3Config) -> anyhow::Result<MediaStore> {
    check_credentials(s3, |name| {
        std::env::var_os(name).is_some_and(|value| !value.is_empty())
    })?;
    // reqwest runs without a crypto provider of its own (the workspace picks ring).
    let _already = rustls::crypto::ring::default_provider().install_default();
    let mut builder = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(&s3.bucket)
        .with_region(&s3.region)
        .with_virtual_hosted_style_request(s3.virtual_hosted_style);
    if let Some(endpoint) = &s3.endpoint {
        builder = builder
            .with_endpoint(endpoint.as_str().trim_end_matches('/'))
            .with_allow_http(endpoint.scheme() == "http");
    }
    let store = builder
        .build()
        .map_err(|e| anyhow::anyhow!("media.s3 (bucket {}): {e}", s3.bucket))?;
    Ok(MediaStore::S3 {
        store: Arc::new(store),
        prefix: s3.prefix.trim_matches('/').to_owned(),
    })
}

fn object_path(prefix: &str, name: &str) -> ObjectPath {
    if prefix.is_empty() {
        ObjectPath::from(name)
    } else {
        ObjectPath::from(format!("{prefix}/{name}"))
    }
}

/// Writes `name` in `dir` atomically, unless it is there: a reader never sees half a file.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> AppResult<()> {
    let path = dir.join(name);
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    // A name of this writer's own: instances sharing the directory may write the same file.
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::secrets::random_token(9)));
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

fn range_not_satisfiable(content_range: Option<HeaderValue>) -> Response {
    let mut refused = AppError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        ErrorCode::RangeNotSatisfiable,
        "请求的范围（Range）超出了文件大小：请从头下载",
    )
    .into_response();
    if let Some(range) = content_range {
        refused.headers_mut().insert(header::CONTENT_RANGE, range);
    }
    refused
}

async fn serve_file(path: &Path, mime: &mime::Mime, req: Request) -> AppResult<Response> {
    let served = tower_http::services::ServeFile::new_with_mime(path, mime)
        .oneshot(req)
        .await
        .map_err(|e| AppError::internal("serving media", e))?;
    if served.status() == StatusCode::NOT_FOUND {
        return Err(AppError::internal(
            "media file missing",
            path.display().to_string(),
        ));
    }
    if served.status() == StatusCode::RANGE_NOT_SATISFIABLE {
        // The standard body, keeping `Content-Range: bytes */<length>`.
        return Ok(range_not_satisfiable(
            served.headers().get(header::CONTENT_RANGE).cloned(),
        ));
    }
    Ok(served.map(Body::new))
}

/// One byte range a `Range` header asks for, as it is written.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    /// `bytes=a-b` or `bytes=a-`.
    From(u64, Option<u64>),
    /// `bytes=-n`: the last n bytes.
    Last(u64),
}

/// The one range of a `Range: bytes=…` header. Anything else, several ranges among them, is
/// ignored as HTTP allows (the whole file is sent).
fn wanted(range: Option<&HeaderValue>) -> Option<Wanted> {
    let spec = range?.to_str().ok()?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return last.parse().ok().map(Wanted::Last);
    }
    let first: u64 = first.parse().ok()?;
    let last: Option<u64> = if last.is_empty() {
        None
    } else {
        Some(last.parse().ok()?)
    };
    match last {
        Some(last) if last < first => None,
        _ => Some(Wanted::From(first, last)),
    }
}

/// The bytes `wanted` means in a file of `size` bytes, as `first..end`; `None` when no byte of
/// the file is in it.
fn satisfied(wanted: &Wanted, size: u64) -> Option<std::ops::Range<u64>> {
    match *wanted {
        Wanted::From(first, _) if first >= size => None,
        Wanted::From(first, last) => {
            Some(first..last.map_or(size, |l| l.saturating_add(1).min(size)))
        }
        Wanted::Last(0) => None,
        Wanted::Last(n) => Some(size.saturating_sub(n)..size),
    }
}

async fn serve_object(
    store: &dyn ObjectStore,
    path: &ObjectPath,
    mime: &mime::Mime,
    range: Option<HeaderValue>,
) -> AppResult<Response> {
    let missing = |e: object_store::Error| match e {
        object_store::Error::NotFound { .. } => {
            AppError::internal("media file missing", path.to_string())
        }
        e => AppError::internal("media store (reading a file)", e),
    };
    let size = store.head(path).await.map_err(missing)?.size;
    let range = match wanted(range.as_ref()) {
        Some(w) => match satisfied(&w, size) {
            Some(range) => Some(range),
            None => {
                let whole = HeaderValue::from_str(&format!("bytes */{size}"))
                    .map_err(|e| AppError::internal("content range", e))?;
                return Ok(range_not_satisfiable(Some(whole)));
            }
        },
        None => None,
    };
    let options = GetOptions {
        range: range.clone().map(GetRange::Bounded),
        ..GetOptions::default()
    };
    let got = store.get_opts(path, options).await.map_err(missing)?;
    let sent = got.range.clone();
    let body = Body::from_stream(
        got.into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other)),
    );
    let mut resp = Response::new(body);
    let headers = resp.headers_mut();
    let value =
        |s: String| HeaderValue::from_str(&s).map_err(|e| AppError::internal("media header", e));
    headers.insert(header::CONTENT_TYPE, value(mime.to_string())?);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CONTENT_LENGTH,
        value((sent.end - sent.start).to_string())?,
    );
    if range.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        let content_range = format!("bytes {}-{}/{size}", sent.start, sent.end.saturating_sub(1));
        resp.headers_mut()
            .insert(header::CONTENT_RANGE, value(content_range)?);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).expect("a header value")
    }

    #[test]
    fn one_range_is_read_and_the_rest_ignored() {
        assert_eq!(
            wanted(Some(&header("bytes=0-99"))),
            Some(Wanted::From(0, Some(99)))
        );
        assert_eq!(
            wanted(Some(&header("bytes=100-"))),
            Some(Wanted::From(100, None))
        );
        assert_eq!(wanted(Some(&header("bytes=-5"))), Some(Wanted::Last(5)));
        for ignored in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=5-1",
            "bytes=x-",
            "bytes",
        ] {
            assert_eq!(wanted(Some(&header(ignored))), None, "{ignored}");
        }
        assert_eq!(wanted(None), None);
    }

    #[test]
    fn a_bucket_elsewhere_than_aws_needs_a_key_pair_in_the_environment() {
        let mut s3 = S3Config {
            bucket: "union-media".to_owned(),
            region: "cn-north-1".to_owned(),
            endpoint: Some("https://s3.example.cn".parse().expect("a URL")),
            prefix: String::new(),
            virtual_hosted_style: false,
        };
        let none = |_: &str| false;
        let err = check_credentials(&s3, none).expect_err("refused");
        assert!(format!("{err}").contains("AWS_SECRET_ACCESS_KEY"), "{err}");
        let only_id = |name: &str| name == "AWS_ACCESS_KEY_ID";
        assert!(check_credentials(&s3, only_id).is_err());
        check_credentials(&s3, |_| true).expect("a key pair");
        s3.endpoint = None;
        check_credentials(&s3, none).expect("AWS itself: an instance role may do");
    }

    #[test]
    fn ranges_are_cut_to_the_file() {
        assert_eq!(satisfied(&Wanted::From(0, Some(99)), 50), Some(0..50));
        assert_eq!(satisfied(&Wanted::From(10, Some(19)), 50), Some(10..20));
        assert_eq!(satisfied(&Wanted::From(10, None), 50), Some(10..50));
        assert_eq!(satisfied(&Wanted::From(50, None), 50), None);
        assert_eq!(satisfied(&Wanted::Last(5), 50), Some(45..50));
        assert_eq!(satisfied(&Wanted::Last(500), 50), Some(0..50));
        assert_eq!(satisfied(&Wanted::Last(0), 50), None);
        // The largest last byte a header can name: `last + 1` would overflow.
        let widest = wanted(Some(&header("bytes=0-18446744073709551615"))).expect("a range");
        assert_eq!(widest, Wanted::From(0, Some(u64::MAX)));
        assert_eq!(satisfied(&widest, 50), Some(0..50));
        assert_eq!(satisfied(&Wanted::From(7, Some(u64::MAX)), 50), Some(7..50));
    }
}
