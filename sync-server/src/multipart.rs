//! Reading a multipart form whole: its text fields, and the files the caller names as bytes.
//! Used by every multipart handler (the console's uploads and the staff API's media upload).

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use bytes::Bytes;
use std::collections::HashMap;

/// The parts of a multipart form by field name; the first part of a name wins.
#[derive(Debug, Default)]
pub struct MultipartForm {
    text: HashMap<String, String>,
    files: HashMap<String, Bytes>,
}

/// A part that could not be read (the body broke off or went over its limit).
#[derive(Debug)]
pub struct Unreadable {
    /// The part being read, when the failure was inside one.
    pub field: Option<String>,
    pub error: MultipartError,
}

impl MultipartForm {
    /// Reads every part: those named in `files` as bytes, the others as text.
    pub async fn read(multipart: &mut Multipart, files: &[&str]) -> Result<Self, Unreadable> {
        let mut form = MultipartForm::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return Ok(form),
                Err(error) => return Err(Unreadable { field: None, error }),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let failed = |error| Unreadable {
                field: Some(name.clone()),
                error,
            };
            if files.contains(&name.as_str()) {
                let bytes = field.bytes().await.map_err(failed)?;
                form.files.entry(name).or_insert(bytes);
            } else {
                let text = field.text().await.map_err(failed)?;
                form.text.entry(name).or_insert(text);
            }
        }
    }

    /// A text field's value; empty when the form did not have it.
    pub fn text(&self, name: &str) -> &str {
        self.text.get(name).map_or("", String::as_str)
    }

    /// Whether the form had a text field of this name (a ticked checkbox).
    pub fn has(&self, name: &str) -> bool {
        self.text.contains_key(name)
    }

    /// Takes a file's bytes out of the form.
    pub fn take_file(&mut self, name: &str) -> Option<Bytes> {
        self.files.remove(name)
    }
}
