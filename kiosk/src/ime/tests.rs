use super::*;
use std::sync::OnceLock;

fn ime() -> &'static Ime {
    static IME: OnceLock<Ime> = OnceLock::new();
    IME.get_or_init(Ime::new)
}

const TEXT: Hints<'static> = Hints {
    name: false,
    surname_typed: false,
    learned: &[],
};
const NAME: Hints<'static> = Hints {
    name: true,
    surname_typed: false,
    learned: &[],
};
const GIVEN: Hints<'static> = Hints {
    name: true,
    surname_typed: true,
    learned: &[],
};

fn texts_with(letters: &str, hints: &Hints<'_>) -> Vec<String> {
    ime()
        .candidates(letters, hints)
        .into_iter()
        .map(|c| c.text)
        .collect()
}

fn texts(letters: &str) -> Vec<String> {
    texts_with(letters, &TEXT)
}

/// Asserts `want` is offered for `letters` at rank `at_most` or better (0 is first).
#[track_caller]
fn offers(letters: &str, hints: &Hints<'_>, want: &str, at_most: usize) {
    let all = texts_with(letters, hints);
    let rank = all.iter().position(|t| t == want);
    assert!(
        rank.is_some_and(|r| r <= at_most),
        "{letters}: {want} at {rank:?}, first {:?}",
        &all[..all.len().min(10)]
    );
}

#[test]
fn whole_pinyin_offers_the_word_and_characters() {
    for (letters, want, at_most) in [
        ("zhong", "中", 2),
        ("gonghui", "工会", 0),
        ("zhongguo", "中国", 0),
        ("yinhang", "银行", 1),
        ("lv", "绿", 8),
        ("xian", "先", 8),
        ("xi'an", "西安", 3),
        ("zhigong", "职工", 0),
    ] {
        offers(letters, &TEXT, want, at_most);
    }
}

#[test]
fn a_rare_reading_ranks_after_the_usual_ones() {
    // 有 and 于 can be read wei, but rarely: the characters read wei first.
    let wei = texts("wei");
    let first: Vec<&str> = wei.iter().take(5).map(String::as_str).collect();
    assert!(
        !first.contains(&"有") && !first.contains(&"于"),
        "wei: {first:?}"
    );
    assert!(first.contains(&"为"), "wei: {first:?}");
    let rank = |t: &str| wei.iter().position(|w| w == t).expect("offered");
    assert!(rank("有") > rank("伟"), "有 after 伟: {wei:?}");
}

#[test]
fn whole_phrases_by_their_words() {
    offers("woyaoshenqingkunnanbangfu", &TEXT, "我要申请困难帮扶", 0);
    offers("woyaoruhui", &TEXT, "我要入会", 0);
    // Syllable by syllable when the phrase is no word: still every letter covered.
    let first = &ime().candidates("gonghuibangwozhaogongzuo", &TEXT)[0];
    assert_eq!(first.consumed, "gonghuibangwozhaogongzuo".len());
    assert!(
        first.text.starts_with("工会") && first.text.ends_with("工作"),
        "{first:?}"
    );
}

#[test]
fn names_on_a_name_field() {
    offers("zhangwei", &NAME, "张伟", 0);
    offers("wangfang", &NAME, "王芳", 0);
    // 晓 is the commoner given-name character: 李晓明 first, 李小明 next.
    offers("lixiaoming", &NAME, "李小明", 1);
    offers("liuyang", &NAME, "刘洋", 1);
    offers("ouyang", &NAME, "欧阳", 0);
    // The first syllable alone: surnames first.
    offers("zhang", &NAME, "张", 0);
    // After the surname (张 picked, "wei" left): given-name characters, 伟 first.
    offers("wei", &GIVEN, "伟", 0);
    offers("xiaoming", &GIVEN, "小明", 1);
    let after = texts_with("wei", &GIVEN);
    assert!(
        after.iter().position(|t| t == "伟") < after.iter().position(|t| t == "有"),
        "{after:?}"
    );
    let zhang = texts_with("zhangw", &NAME);
    let chang = zhang.iter().position(|t| t == "长");
    let zhang_at = zhang.iter().position(|t| t == "张");
    assert!(zhang_at < chang, "张 before 长: {zhang:?}");
}

#[test]
fn union_words_and_initials_of_phrases() {
    for (letters, want, at_most) in [
        ("gonghui", "工会", 0),
        ("zhigong", "职工", 0),
        ("bangfu", "帮扶", 0),
        ("ruhui", "入会", 0),
        ("huifei", "会费", 0),
        ("laomo", "劳模", 0),
        ("knbf", "困难帮扶", 0),
        ("zg", "中国", 4),
        ("gh", "工会", 4),
        ("knzg", "困难职工", 2),
        // sh as s and h (she hui), a for an.
        ("shbx", "社会保险", 4),
        ("aqsc", "安全生产", 7),
    ] {
        offers(letters, &TEXT, want, at_most);
    }
}

#[test]
fn unfinished_syllables_and_leftovers() {
    offers("gongh", &TEXT, "工会", 4);
    offers("zhangw", &NAME, "张伟", 2);
    let gong = ime()
        .candidates("gonghui", &TEXT)
        .into_iter()
        .find(|c| c.text == "工")
        .expect("the first syllable's character is offered");
    assert_eq!(gong.consumed, 4, "工 covers gong, leaving hui");
    offers("hui", &TEXT, "会", 2);
    let word = ime()
        .candidates("gonghuihuiyuan", &TEXT)
        .into_iter()
        .find(|c| c.text == "工会")
        .expect("a word for the first syllables");
    assert_eq!(word.consumed, 7);
    let xi = ime()
        .candidates("xi'an", &TEXT)
        .into_iter()
        .find(|c| c.text == "西")
        .expect("the first syllable");
    assert_eq!(
        xi.consumed, 3,
        "the separator goes with the syllable before it"
    );
}

#[test]
fn fuzzy_pinyin_comes_after_exact_and_can_be_off() {
    // zan is a syllable of its own: its characters first, then zhang's.
    let zan = texts("zan");
    let exact = zan.iter().position(|t| t == "咱").expect("咱");
    let fuzzy = zan
        .iter()
        .position(|t| t == "张")
        .expect("张 by fuzzy z/zh");
    assert!(exact < fuzzy, "{zan:?}");
    // Letters that spell nothing exactly still find the fuzzy reading.
    // After the three exact phrases a name field shows (藏为 …), the fuzzy names.
    offers("zangwei", &NAME, "张伟", 3);
    offers("lanren", &TEXT, "男人", 10);
    offers("fuzhou", &TEXT, "湖州", 20);
    // After every exact reading: three phrases and four more words spell xinfu exactly.
    offers("xinfu", &TEXT, "幸福", 7);
    // Whole-letter readings stay ahead of the fuzzy ones.
    offers("shengqing", &TEXT, "申请", 3);
    let off = Ime::new().with_fuzzy(false);
    let plain: Vec<String> = off
        .candidates("zan", &TEXT)
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert!(!plain.contains(&"张".to_owned()), "{plain:?}");
}

#[test]
fn a_word_chosen_in_the_form_ranks_first_for_the_rest_of_it() {
    let before = texts_with("zhangwei", &NAME);
    assert_ne!(before[0], "章伟");
    let learned = vec![("zhangwei".to_owned(), "章伟".to_owned())];
    let hints = Hints {
        learned: &learned,
        ..NAME
    };
    offers("zhangwei", &hints, "章伟", 0);
    let learned = vec![("zhang".to_owned(), "长".to_owned())];
    let hints = Hints {
        learned: &learned,
        ..TEXT
    };
    offers("zhang", &hints, "长", 0);
    // In a phrase too, and first among what covers the same first letters.
    offers("zhangda", &hints, "长大", 0);
    let first_part = ime()
        .candidates("zhangxyz", &hints)
        .into_iter()
        .find(|c| c.consumed == 5)
        .expect("a candidate for zhang");
    assert_eq!(first_part.text, "长");
    // Nothing is kept in the engine: without the hint, the usual order.
    assert_eq!(texts_with("zhangwei", &NAME), before);
}

#[test]
fn nonsense_gives_nothing_and_every_candidate_covers_something() {
    assert!(texts("").is_empty());
    assert!(texts("123").is_empty());
    for letters in [
        "zhongguorenmin",
        "a",
        "xqz",
        "shangh",
        "v",
        "'",
        "zh'",
        "a'b'c",
    ] {
        for c in ime().candidates(letters, &TEXT) {
            assert!(
                c.consumed >= 1 && c.consumed <= letters.len(),
                "{letters}: {c:?}"
            );
        }
    }
    assert!(texts("zhong").len() <= MAX_CANDIDATES);
    let long = "zhongguo".repeat(5);
    assert!(!texts(&long).is_empty());
}

/// The evaluation set (`data/ime-eval.tsv`, run in full with timings by
/// `cargo run -p kiosk --release --example ime_eval`) must not fall below where it stands:
/// these floors sit a little under the figures in BENCHMARKS.md, as a correctness check.
#[test]
fn the_evaluation_set_does_not_regress() {
    let (mut cases, mut top1, mut top5) = (0, 0, 0);
    let (mut initials, mut initials_top5) = (0, 0);
    for line in include_str!("../../data/ime-eval.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [kind, text, reading, abbrev] = cols[..] else {
            panic!("a case is kind, text, pinyin, initials: {line}");
        };
        let hints = if kind == "name" { NAME } else { TEXT };
        let rank = |letters: &str| {
            ime()
                .candidates(letters, &hints)
                .iter()
                .position(|c| c.text == text)
        };
        let r = rank(&reading.replace('\'', ""));
        cases += 1;
        top1 += usize::from(r == Some(0));
        top5 += usize::from(r.is_some_and(|r| r < 5));
        if !abbrev.is_empty() {
            initials += 1;
            initials_top5 += usize::from(rank(abbrev).is_some_and(|r| r < 5));
        }
    }
    assert!(cases >= 300, "{cases} cases");
    let pct = |n: usize, of: usize| 100 * n / of;
    assert!(pct(top1, cases) >= 84, "top-1 {top1} of {cases}");
    assert!(pct(top5, cases) >= 95, "top-5 {top5} of {cases}");
    assert!(
        pct(initials_top5, initials) >= 44,
        "initials top-5 {initials_top5} of {initials}"
    );
}
