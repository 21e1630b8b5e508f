//! Fuzzy pinyin for regional accents: the pairs many speakers do not tell apart, so a syllable
//! typed one way may be meant the other. Used by the keyboard and by library search, both of
//! which rank what a fuzzy reading finds after what the letters spell exactly. On unless the
//! kiosk config's `fuzzy_pinyin` turns it off ([`set_enabled`], once at start).

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns fuzzy pinyin on or off for the keyboard's engines made from now on and for library
/// search.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Initials heard alike: z/zh, c/ch, s/sh, n/l, f/h.
const INITIALS: [(&str, &str); 5] = [
    ("zh", "z"),
    ("ch", "c"),
    ("sh", "s"),
    ("n", "l"),
    ("f", "h"),
];
/// Finals heard alike: in/ing, en/eng, an/ang (and so ian/iang, uan/uang).
const FINALS: [(&str, &str); 3] = [("ing", "in"), ("eng", "en"), ("ang", "an")];

/// The other spellings of `syllable` under the fuzzy pairs (initial, final, or both changed),
/// without `syllable` itself. They need not be syllables: callers look them up.
pub fn variants(syllable: &str) -> Vec<String> {
    let mut initials = vec![String::new()];
    let mut rest = syllable;
    for (long, short) in INITIALS {
        if let Some(r) = syllable.strip_prefix(long) {
            initials = vec![long.to_owned(), short.to_owned()];
            rest = r;
            break;
        }
        // "zh" before "z": a plain z, c, s, n, l, f or h that is not the start of zh/ch/sh.
        if let Some(r) = syllable.strip_prefix(short)
            && !r.starts_with('h')
        {
            initials = vec![short.to_owned(), long.to_owned()];
            rest = r;
            break;
        }
    }
    let mut finals = vec![rest.to_owned()];
    for (long, short) in FINALS {
        if let Some(stem) = rest.strip_suffix(long) {
            finals.push(format!("{stem}{short}"));
            break;
        }
        if let Some(stem) = rest.strip_suffix(short) {
            finals.push(format!("{stem}{long}"));
            break;
        }
    }
    let mut out = Vec::new();
    for i in &initials {
        for f in &finals {
            let v = format!("{i}{f}");
            if v != syllable && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::variants;

    fn sorted(s: &str) -> Vec<String> {
        let mut v = variants(s);
        v.sort();
        v
    }

    #[test]
    fn each_pair_both_ways() {
        assert_eq!(sorted("zhang"), ["zan", "zang", "zhan"]);
        assert_eq!(sorted("zan"), ["zang", "zhan", "zhang"]);
        assert_eq!(sorted("chi"), ["ci"]);
        assert_eq!(sorted("si"), ["shi"]);
        assert_eq!(sorted("nan"), ["lan", "lang", "nang"]);
        assert_eq!(sorted("lv"), ["nv"]);
        assert_eq!(sorted("fu"), ["hu"]);
        assert_eq!(sorted("hui"), ["fui"]);
        assert_eq!(sorted("xin"), ["xing"]);
        assert_eq!(sorted("cheng"), ["cen", "ceng", "chen"]);
        assert_eq!(sorted("xian"), ["xiang"]);
        assert!(variants("ma").is_empty());
    }
}
