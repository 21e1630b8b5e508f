//! Identifiers that cross the wire, each parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An org unit (province, city, branch, …). Assigned by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub i64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A content item (article, library item, form, …). A UUID string assigned by the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentId(pub String);

impl fmt::Display for ContentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An enrolled kiosk. A UUID string assigned by the server at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KioskId(pub String);

impl fmt::Display for KioskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of a stored media file: 64 lowercase hex digits. Content refers to images by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MediaHash(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid media hash '{0}': expected 64 hexadecimal digits")]
pub struct InvalidMediaHash(pub String);

impl MediaHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Builds the hash of `bytes`' digest, as computed by the caller's SHA-256.
    pub fn from_digest(digest: [u8; 32]) -> Self {
        use fmt::Write;
        let mut s = String::with_capacity(64);
        for b in digest {
            write!(s, "{b:02x}").expect("writing to a String cannot fail");
        }
        MediaHash(s)
    }
}

impl FromStr for MediaHash {
    type Err = InvalidMediaHash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if ok {
            Ok(MediaHash(s.to_ascii_lowercase()))
        } else {
            let shown: String = s.chars().take(80).collect();
            Err(InvalidMediaHash(shown))
        }
    }
}

impl TryFrom<String> for MediaHash {
    type Error = InvalidMediaHash;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<MediaHash> for String {
    fn from(h: MediaHash) -> String {
        h.0
    }
}

impl fmt::Display for MediaHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_hash_accepts_hex_and_lowercases() {
        let upper = "AB".repeat(32);
        let h: MediaHash = upper.parse().expect("64 hex digits are a valid hash");
        assert_eq!(h.as_str(), "ab".repeat(32));
    }

    #[test]
    fn media_hash_rejects_path_tricks_and_wrong_lengths() {
        for bad in [
            "",
            "../../etc/passwd",
            &"a".repeat(63),
            &"g".repeat(64),
            &"a".repeat(65),
        ] {
            assert!(
                bad.parse::<MediaHash>().is_err(),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn media_hash_from_digest_is_lowercase_hex() {
        let h = MediaHash::from_digest([0xab; 32]);
        assert_eq!(h.as_str(), "ab".repeat(32));
    }
}
