//! Kiosk enrollment: the string branch IT pastes or scans, and the exchange it starts.

use crate::feed::OrgSummary;
use crate::ids::KioskId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use url::Url;

/// A pin of the server's identity: the SHA-256 of its public key (the certificate's
/// SubjectPublicKeyInfo, DER). The kiosk pins it instead of trusting any CA, so a branch never
/// has to manage certificates, and a certificate renewed on the same key changes nothing.
/// Kiosks enrolled before key pinning hold the SHA-256 of the whole leaf certificate (DER)
/// instead; a kiosk accepts a server that matches its pin in either form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid server key fingerprint '{0}': expected 64 hexadecimal digits (colons allowed)")]
pub struct InvalidFingerprint(pub String);

impl FromStr for Fingerprint {
    type Err = InvalidFingerprint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex: Vec<u8> = s.bytes().filter(|b| *b != b':').collect();
        let bad = || InvalidFingerprint(s.chars().take(100).collect());
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks(2).enumerate() {
            let text = std::str::from_utf8(pair).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(text, 16).map_err(|_| bad())?;
        }
        Ok(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Everything a kiosk needs to join: where the server is, a one-time token, and the server's
/// key pin. Written as
/// `unionkiosk://enroll?server=<https url>&token=<token>&fp=<sha256 hex>`.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentString {
    pub server: Url,
    pub token: String,
    pub fingerprint: Fingerprint,
}
debug_redacted!(EnrollmentString {
    show: [server, fingerprint],
    hide: [token]
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEnrollmentString {
    #[error("not an enrollment string: it must start with 'unionkiosk://enroll?'")]
    Scheme,
    #[error("the enrollment string has no '{0}' part")]
    Missing(&'static str),
    #[error("the server address '{0}' in the enrollment string is not an https:// URL")]
    Server(String),
    #[error(transparent)]
    Fingerprint(#[from] InvalidFingerprint),
}

const PREFIX: &str = "unionkiosk://enroll";

impl FromStr for EnrollmentString {
    type Err = InvalidEnrollmentString;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = Url::parse(s.trim()).map_err(|_| InvalidEnrollmentString::Scheme)?;
        if url.scheme() != "unionkiosk" || url.host_str() != Some("enroll") {
            return Err(InvalidEnrollmentString::Scheme);
        }
        let get = |name: &'static str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
                .ok_or(InvalidEnrollmentString::Missing(name))
        };
        let server_text = get("server")?;
        let server = Url::parse(&server_text)
            .ok()
            .filter(|u| u.scheme() == "https" && u.host().is_some())
            .ok_or(InvalidEnrollmentString::Server(server_text))?;
        Ok(EnrollmentString {
            server,
            token: get("token")?,
            fingerprint: get("fp")?.parse()?,
        })
    }
}

impl fmt::Display for EnrollmentString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = Url::parse(PREFIX).expect("the enrollment prefix is a valid URL");
        url.query_pairs_mut()
            .append_pair("server", self.server.as_str())
            .append_pair("token", &self.token)
            .append_pair("fp", &self.fingerprint.to_string());
        f.write_str(url.as_str())
    }
}

/// `POST /v1/enroll`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub token: String,
    /// A name branch IT recognises, e.g. "一楼大厅". Optional.
    #[serde(default)]
    pub name: String,
    /// The kiosk software version, shown in the fleet list.
    #[serde(default)]
    pub version: String,
}
debug_redacted!(EnrollRequest {
    show: [name, version],
    hide: [token]
});

/// The credentials a kiosk keeps. `secret` is shown once; the server stores only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub kiosk_id: KioskId,
    pub secret: String,
    pub org: OrgSummary,
    /// This kiosk's receipt-code prefix (see `submission::receipt`).
    pub receipt_prefix: String,
    /// Base64 of the server's X25519 public key: the kiosk seals submissions to it, so personal
    /// data is never on the kiosk's disk in plain text.
    pub submission_key: String,
}
debug_redacted!(EnrollResponse {
    show: [kiosk_id, org, receipt_prefix, submission_key],
    hide: [secret]
});

impl EnrollResponse {
    /// The value of the `Authorization` header for every later call.
    pub fn bearer(&self) -> String {
        kiosk_bearer(&self.kiosk_id, &self.secret)
    }
}

/// `Bearer <kiosk id>.<secret>`.
pub fn kiosk_bearer(kiosk_id: &KioskId, secret: &str) -> String {
    format!("Bearer {kiosk_id}.{secret}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EnrollmentString {
        EnrollmentString {
            server: Url::parse("https://union.example.cn:8443/").expect("valid url"),
            token: "tok_ABC-123".to_owned(),
            fingerprint: Fingerprint([7; 32]),
        }
    }

    #[test]
    fn enrollment_string_round_trips() {
        let s = sample();
        let text = s.to_string();
        assert!(
            text.starts_with("unionkiosk://enroll?server=https"),
            "{text}"
        );
        assert_eq!(text.parse::<EnrollmentString>(), Ok(s));
    }

    #[test]
    fn enrollment_string_rejects_wrong_inputs() {
        let fp = "07".repeat(32);
        let cases = [
            ("https://union.example.cn/", InvalidEnrollmentString::Scheme),
            (
                "unionkiosk://enroll?token=a&fp=x",
                InvalidEnrollmentString::Missing("server"),
            ),
            (
                &format!("unionkiosk://enroll?server=http%3A%2F%2Fa%2F&token=t&fp={fp}"),
                InvalidEnrollmentString::Server("http://a/".to_owned()),
            ),
            (
                "unionkiosk://enroll?server=https%3A%2F%2Fa%2F&token=t&fp=zz",
                InvalidEnrollmentString::Fingerprint(InvalidFingerprint("zz".to_owned())),
            ),
        ];
        for (input, expect) in cases {
            assert_eq!(input.parse::<EnrollmentString>(), Err(expect), "{input}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let enroll = format!("{:?}", sample());
        assert!(!enroll.contains("tok_ABC-123"), "{enroll}");
        assert!(enroll.contains("union.example.cn"), "{enroll}");

        let login = crate::staff::LoginRequest {
            username: "clerk".to_owned(),
            password: "correct horse battery".to_owned(),
        };
        let shown = format!("{login:?}");
        assert!(!shown.contains("correct horse"), "{shown}");
        assert!(shown.contains("clerk"), "{shown}");

        let answers = crate::submission::FormAnswers {
            answers: [("id_number".to_owned(), "11010519491231002X".into())].into(),
        };
        let shown = format!("{answers:?}");
        assert!(!shown.contains("11010519491231002X"), "{shown}");
        assert!(shown.contains("id_number"), "{shown}");
    }

    #[test]
    fn fingerprint_accepts_openssl_colon_form() {
        let colon = vec!["AB"; 32].join(":");
        let fp: Fingerprint = colon.parse().expect("colon form parses");
        assert_eq!(fp.to_string(), "ab".repeat(32));
    }
}
