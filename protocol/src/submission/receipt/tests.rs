use super::*;
use std::collections::HashSet;

const KEY: [u8; 16] = *b"0123456789abcdef";

fn check(typed: &str, expect: Result<&str, InvalidReceipt>) {
    assert_eq!(parse(typed).as_deref(), expect.as_deref(), "{typed:?}");
}

#[test]
fn siphash_matches_the_reference_vector() {
    let key: [u8; 16] = std::array::from_fn(|i| i as u8);
    let word = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(
        siphash24(&key, word),
        u64::from_le_bytes([0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93])
    );
}

#[test]
fn codes_are_distinct_parse_back_and_do_not_follow_the_counter() {
    let mut seen = HashSet::new();
    let mut bodies = Vec::new();
    for n in 0..5000 {
        let code = generate("2A7", n, &KEY).expect("in range");
        assert_eq!(code.len(), LEN + 2, "{code}");
        assert_eq!(
            parse(&code.to_lowercase().replace('-', " ")),
            Ok(code.clone())
        );
        assert_eq!(prefix_of(&code), "2A7");
        bodies.push(code[4..7].to_owned());
        assert!(seen.insert(code), "codes repeat at {n}");
    }
    let sequential = bodies.windows(2).filter(|w| w[0] <= w[1]).count();
    assert!(
        (1000..4000).contains(&sequential),
        "bodies rise with the counter {sequential} times in 4999"
    );
    assert_ne!(
        generate("2A7", 0, &KEY),
        generate("2A7", 0, b"another kiosk's!"),
        "the key chooses the codes"
    );
    assert_eq!(generate("2A7", PER_KIOSK, &KEY), None);
    assert!(generate("2A7", PER_KIOSK - 1, &KEY).is_some());
}

#[test]
fn every_single_typo_and_neighbour_swap_is_caught() {
    let code = generate("K7P", 41, &KEY).expect("in range");
    let symbols: Vec<u8> = code.bytes().filter(|b| *b != b'-').collect();
    for i in 0..symbols.len() {
        for &other in ALPHABET.iter().filter(|&&b| b != symbols[i]) {
            let mut typo = symbols.clone();
            typo[i] = other;
            let typo = String::from_utf8(typo).expect("ascii");
            assert_eq!(parse(&typo), Err(InvalidReceipt::Check), "{typo}");
        }
        if i + 1 < symbols.len() && symbols[i] != symbols[i + 1] {
            let mut swapped = symbols.clone();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).expect("ascii");
            assert_eq!(parse(&swapped), Err(InvalidReceipt::Check), "{swapped}");
        }
    }
}

#[test]
fn typed_codes() {
    check("k7p-2q4x", Ok("K7P-2Q4X"));
    check(" K7P 2Q4X ", Ok("K7P-2Q4X"));
    check("ABC-12O4", Err(InvalidReceipt::Character('1')));
    check("AB-C", Err(InvalidReceipt::Length(3)));
    check("K7P-2Q4-XA", Err(InvalidReceipt::Length(8)));
    check("K7P-2Q4-XA2-3", Err(InvalidReceipt::Length(10)));
    check("收据", Err(InvalidReceipt::Character('收')));
    check("", Err(InvalidReceipt::Length(0)));
}

#[test]
fn prefixes_cover_the_range() {
    assert_eq!(prefix(0).as_deref(), Some("222"));
    assert_eq!(prefix(PREFIXES - 1).as_deref(), Some("ZZZ"));
    assert_eq!(prefix(PREFIXES), None);
}
