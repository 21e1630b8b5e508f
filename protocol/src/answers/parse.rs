//! Reading what a person typed into the fields that have a fixed shape: a mainland mobile
//! number, a resident ID number (with its check character and birth date), a date. Each returns
//! the normalised value or says what is wrong.

use super::AnswerError;
use jiff::civil::Date;

/// A mainland mobile number: 11 digits, `1[3-9]…`. Spaces and dashes between digits are allowed
/// and removed.
pub fn phone(typed: &str) -> Result<String, AnswerError> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let b = digits.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    if ok {
        Ok(digits)
    } else {
        Err(AnswerError::InvalidPhone)
    }
}

/// Province-level codes, the first two digits of every region code (GB/T 2260).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character of the first 17 digits of an ID number (ISO 7064 MOD 11-2).
pub fn resident_id_check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(ID_CHECK[(sum % 11) as usize])
}

/// A resident ID number (GB 11643): 6-digit region code, date of birth `YYYYMMDD` (a real date,
/// not after `today`), 3-digit sequence, check character. Returns it with an upper-case `X`.
pub fn resident_id(typed: &str, today: Date) -> Result<String, AnswerError> {
    let id: String = typed
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let b = id.as_bytes();
    let shape = b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    if !shape {
        return Err(AnswerError::IdFormat);
    }
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !PROVINCES.contains(&province) {
        return Err(AnswerError::IdRegion);
    }
    let num = |r: std::ops::Range<usize>| -> i32 {
        b[r].iter().fold(0, |n, d| n * 10 + i32::from(d - b'0'))
    };
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    let birth = (1900..=9999)
        .contains(&y)
        .then(|| Date::new(y as i16, m as i8, d as i8).ok())
        .flatten()
        .ok_or(AnswerError::IdBirthDate)?;
    if birth > today {
        return Err(AnswerError::IdBirthInFuture);
    }
    let first17: &[u8; 17] = b[..17].try_into().expect("checked: 18 bytes");
    if resident_id_check_char(first17) != char::from(b[17]) {
        return Err(AnswerError::IdChecksum);
    }
    Ok(id)
}

/// A date written `YYYY-MM-DD` that exists on the calendar.
pub fn date(typed: &str) -> Result<Date, AnswerError> {
    let b = typed.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(AnswerError::InvalidDate);
    }
    typed.parse().map_err(|_| AnswerError::InvalidDate)
}
