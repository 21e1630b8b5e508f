//! ISBN-10 and ISBN-13 checksums, used by the server to validate library items and by the kiosk
//! to recognise an ISBN typed into search.

/// Returns the ISBN with separators (hyphens, spaces) removed if its checksum is valid.
/// ISBN-10 may end in `X`; the result keeps an uppercase `X`.
pub fn normalize(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = match digits.len() {
        10 => valid_isbn10(&digits),
        13 => valid_isbn13(&digits),
        _ => false,
    };
    valid.then_some(digits)
}

fn valid_isbn10(s: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in s.chars().enumerate() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'X' if i == 9 => 10,
            _ => return false,
        };
        sum += v * (10 - i as u32);
    }
    sum.is_multiple_of(11)
}

fn valid_isbn13(s: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in s.chars().enumerate() {
        let Some(v) = c.to_digit(10) else {
            return false;
        };
        sum += if i % 2 == 0 { v } else { v * 3 };
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    fn check(input: &str, expect: Option<&str>) {
        assert_eq!(normalize(input).as_deref(), expect, "input {input:?}");
    }

    #[test]
    fn isbn_checksums() {
        check("978-7-02-000220-7", Some("9787020002207"));
        check("9787020002207", Some("9787020002207"));
        check("9787020002208", None);
        check("7-02-000220-X", Some("702000220X"));
        check("7-02-000220-1", None);
        check("0-8044-2957-X", Some("080442957X"));
        check("0-8044-2957-x", Some("080442957X"));
        check("080442957", None);
        check("97870200022O7", None);
        check("", None);
    }
}
