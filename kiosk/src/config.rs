//! Kiosk configuration: built-in defaults, then a TOML file (see `config/kiosk.example.toml`).
//! The server address and credentials are not configuration: they come from enrollment.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// Where the cache, media and credentials live. Default: the platform data directory.
    pub data_dir: Option<PathBuf>,
    /// A name branch IT recognises in the fleet list, sent at enrollment.
    pub name: String,
    /// Largest the media cache may grow, in MiB (what current content needs is always kept).
    pub media_cache_mb: u64,
    /// Seconds between polls while the live event stream is down.
    pub poll_seconds: u64,
    /// Seconds without a touch before the screen returns home and forgets the session.
    pub idle_home_seconds: u64,
    /// Further seconds, once home, before the attract carousel starts.
    pub idle_attract_seconds: u64,
    /// Argon2id hash (PHC string) of the admin panel PIN, 6 to 12 digits; `kiosk hash-pin`
    /// makes one. Without it the panel cannot be opened.
    pub admin_pin_hash: Option<String>,
    /// What the screen shows outside the org's opening hours: a calm clock, or nothing.
    pub closed_screen: ClosedScreen,
    /// Fuzzy pinyin for regional accents (z/zh, n/l, in/ing …) in the keyboard and in library
    /// search, always ranked after exact matches.
    pub fuzzy_pinyin: bool,
}

/// The screen outside opening hours (`closed_screen = "clock"` or `"blank"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedScreen {
    /// The time, the date, "closed" and when it opens again, in both languages.
    #[default]
    Clock,
    /// A black screen (for a kiosk behind glass that should not glow at night).
    Blank,
}

/// Never prints the PIN hash: the PIN is a few digits, so its hash gives it away to anyone who
/// tries them all.
impl std::fmt::Debug for KioskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskConfig")
            .field("data_dir", &self.data_dir)
            .field("name", &self.name)
            .field("media_cache_mb", &self.media_cache_mb)
            .field("poll_seconds", &self.poll_seconds)
            .field("idle_home_seconds", &self.idle_home_seconds)
            .field("idle_attract_seconds", &self.idle_attract_seconds)
            .field(
                "admin_pin_hash",
                &self.admin_pin_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("closed_screen", &self.closed_screen)
            .field("fuzzy_pinyin", &self.fuzzy_pinyin)
            .finish()
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            data_dir: None,
            name: String::new(),
            media_cache_mb: 512,
            poll_seconds: 60,
            idle_home_seconds: 90,
            idle_attract_seconds: 60,
            admin_pin_hash: None,
            closed_screen: ClosedScreen::Clock,
            fuzzy_pinyin: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("no home directory to keep the kiosk's data in; pass --data-dir")]
    NoDataDir,
    #[error("the config file {path} is not valid: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

impl KioskConfig {
    pub fn load(file: Option<&Path>) -> Result<KioskConfig, ConfigError> {
        let Some(path) = file else {
            return Ok(KioskConfig::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: KioskConfig = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        if let Some(problem) = config
            .admin_pin_hash
            .as_deref()
            .and_then(crate::admin::pin::check_hash)
        {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problem,
            });
        }
        Ok(config)
    }

    pub fn data_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        directories::ProjectDirs::from("cn", "UnionKiosk", "kiosk")
            .map(|d| d.data_dir().to_path_buf())
            .ok_or(ConfigError::NoDataDir)
    }

    pub fn sync(&self) -> crate::sync::SyncConfig {
        crate::sync::SyncConfig {
            media_budget_bytes: self.media_cache_mb * 1024 * 1024,
            poll_interval: Duration::from_secs(self.poll_seconds.max(5)),
            ..crate::sync::SyncConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_is_valid_and_typos_are_refused() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/kiosk.example.toml");
        let c = KioskConfig::load(Some(Path::new(example))).expect("example loads");
        assert_eq!(c.media_cache_mb, 512);
        assert!(c.fuzzy_pinyin, "fuzzy pinyin is on unless turned off");
        let dir = tempfile::tempdir().expect("dir");
        let off = dir.path().join("off.toml");
        std::fs::write(&off, "fuzzy_pinyin = false\n").expect("write");
        let c = KioskConfig::load(Some(&off)).expect("loads");
        assert!(!c.fuzzy_pinyin);
        let dir = tempfile::tempdir().expect("dir");
        let bad = dir.path().join("k.toml");
        std::fs::write(&bad, "pol_seconds = 5\n").expect("write");
        let err = KioskConfig::load(Some(&bad)).expect_err("typo");
        assert!(err.to_string().contains("pol_seconds"), "{err}");
    }

    #[test]
    fn a_pin_hash_that_cannot_be_used_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("k.toml");
        std::fs::write(&file, "admin_pin_hash = \"123456\"\n").expect("write");
        let err = KioskConfig::load(Some(&file)).expect_err("a PIN is not its hash");
        let said = err.to_string();
        assert!(
            said.contains("admin_pin_hash") && said.contains("kiosk hash-pin"),
            "{said}"
        );

        let hash = crate::admin::pin::hash("135790").expect("hashed");
        std::fs::write(&file, format!("admin_pin_hash = \"{hash}\"\n")).expect("write");
        let loaded = KioskConfig::load(Some(&file)).expect("a made hash loads");
        assert_eq!(loaded.admin_pin_hash, Some(hash));
    }

    #[test]
    fn debug_hides_the_pin_hash() {
        let config = KioskConfig {
            admin_pin_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
            ..KioskConfig::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("argon2"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }
}
