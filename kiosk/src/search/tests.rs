//! The index over a small fixed catalogue: most cases are one `check` line, a query and the
//! titles it must find, best first.

use super::*;

/// (id, title, author, isbn)
const CATALOGUE: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "b01",
        "红楼梦",
        "（清）曹雪芹 著",
        Some("978-7-02-000220-7"),
    ),
    ("b02", "红楼梦诗词鉴赏", "蔡义江", Some("9787101000009")),
    ("b03", "细说红楼梦", "白先勇", None),
    ("b04", "古典小说十讲", "红楼梦研究所", None),
    ("b05", "红岩", "罗广斌、杨益言", None),
    ("b06", "三国演义", "罗贯中", None),
    (
        "b07",
        "Python编程：从入门到实践",
        "埃里克·马瑟斯",
        Some("7-115-42802-6"),
    ),
    ("b08", "經濟學原理", "曼昆", None),
    ("b09", "长江传", "冯骥才", None),
    ("b10", "银行风险管理", "王伟", None),
    ("b11", "女职工权益手册", "中华全国总工会", None),
    ("b12", "中国近代史", "蒋廷黻", None),
];

fn catalogue() -> SearchIndex {
    let mut index = SearchIndex::new();
    for &(id, title, author, isbn) in CATALOGUE {
        index.upsert(entry(id, title, author, isbn));
    }
    index
}

fn entry(id: &str, title: &str, author: &str, isbn: Option<&str>) -> Entry {
    Entry {
        id: ContentId(id.to_owned()),
        title: title.to_owned(),
        author: author.to_owned(),
        isbn: isbn.map(str::to_owned),
        kind: LibraryKind::Book,
    }
}

fn titles(page: &Page) -> Vec<&'static str> {
    page.hits
        .iter()
        .map(|hit| {
            let (_, title, ..) = CATALOGUE
                .iter()
                .find(|(id, ..)| *id == hit.id.0)
                .unwrap_or_else(|| panic!("{} is not in CATALOGUE", hit.id));
            *title
        })
        .collect()
}

fn ids(page: &Page) -> Vec<&str> {
    page.hits.iter().map(|h| h.id.0.as_str()).collect()
}

/// The query finds exactly these titles, in this order, with `total` agreeing.
fn check(query: &str, expect: &[&str]) {
    let index = catalogue();
    let page = index.search(query, 0, 50);
    assert_eq!(titles(&page), expect, "query {query:?}");
    assert_eq!(page.total, expect.len(), "total for {query:?}");
}

const HONGLOUMENG: &[&str] = &["红楼梦", "红楼梦诗词鉴赏", "细说红楼梦", "古典小说十讲"];
const HONGLOU: &[&str] = &["红楼梦", "红楼梦诗词鉴赏", "细说红楼梦", "古典小说十讲"];

#[test]
fn title_by_hanzi_pinyin_and_initials() {
    check("红楼梦", HONGLOUMENG);
    check("hongloumeng", HONGLOUMENG);
    check("HongLouMeng", HONGLOUMENG);
    check("hlm", HONGLOUMENG);
    check("honglm", HONGLOUMENG);
    check("hlmeng", HONGLOUMENG);
    check("红楼", HONGLOU);
    check("honglou", HONGLOU);
    check("hong lou", HONGLOU);
    check("hl", HONGLOU);
    check("honglo", HONGLOU);
    check(
        "楼梦",
        &["红楼梦", "细说红楼梦", "红楼梦诗词鉴赏", "古典小说十讲"],
    );
    check(
        "loumeng",
        &["红楼梦", "细说红楼梦", "红楼梦诗词鉴赏", "古典小说十讲"],
    );
    check("诗词", &["红楼梦诗词鉴赏"]);
    check("scjs", &["红楼梦诗词鉴赏"]);
}

#[test]
fn traditional_and_simplified_fold_together() {
    check("紅樓夢", HONGLOUMENG);
    // The catalogue holds 經濟學原理 in traditional characters.
    check("经济学", &["經濟學原理"]);
    check("經濟", &["經濟學原理"]);
    check("jingjixue", &["經濟學原理"]);
}

#[test]
fn one_character_and_one_letter() {
    check(
        "红",
        &[
            "红岩",
            "红楼梦",
            "红楼梦诗词鉴赏",
            "细说红楼梦",
            "古典小说十讲",
        ],
    );
    check("岩", &["红岩"]);
    check("家", &[]);
    // 细 starts a title; 學, 小 and 险 are inside titles; 雪 is in an author.
    check(
        "x",
        &[
            "细说红楼梦",
            "經濟學原理",
            "古典小说十讲",
            "银行风险管理",
            "红楼梦",
        ],
    );
}

#[test]
fn authors_rank_below_titles() {
    check("曹雪芹", &["红楼梦"]);
    check("cxq", &["红楼梦"]);
    check("caoxueqin", &["红楼梦"]);
    check("xueqin", &["红楼梦"]);
    // Each name in the author line is matched on its own.
    check("杨益言", &["红岩"]);
    check("广斌杨", &[]);
    check("罗", &["红岩", "三国演义"]);
    check("lgz", &["三国演义"]);
}

#[test]
fn isbn_full_hyphenated_ten_digit_and_prefix() {
    check("9787020002207", &["红楼梦"]);
    check("978-7-02-000220-7", &["红楼梦"]);
    check("702000220X", &["红楼梦"]);
    check("7-02-000220-x", &["红楼梦"]);
    check("9787020", &["红楼梦"]);
    check(
        "9787",
        &["红楼梦", "红楼梦诗词鉴赏", "Python编程：从入门到实践"],
    );
    // Stored as ISBN-10, found by its ISBN-13 and by the ISBN-10's beginning.
    check("9787115428028", &["Python编程：从入门到实践"]);
    check("7115", &["Python编程：从入门到实践"]);
    check("978", &[]);
    check("9787020002208", &[]);
}

#[test]
fn latin_letters_in_titles() {
    check("python", &["Python编程：从入门到实践"]);
    check("PYTHON", &["Python编程：从入门到实践"]);
    check("Ｐｙｔｈｏｎ", &["Python编程：从入门到实践"]);
    check("python编程", &["Python编程：从入门到实践"]);
    check("pythonbiancheng", &["Python编程：从入门到实践"]);
    check("编程从入门", &["Python编程：从入门到实践"]);
}

#[test]
fn every_reading_of_a_heteronym() {
    check("changjiang", &["长江传"]);
    check("zhangjiang", &["长江传"]);
    check("yinhang", &["银行风险管理"]);
    check("yinxing", &["银行风险管理"]);
    check("nvzhigong", &["女职工权益手册"]);
    check("nuzhigong", &["女职工权益手册"]);
    check("nzg", &["女职工权益手册"]);
}

#[test]
fn zh_ch_sh_count_as_one_initial() {
    check("zg", &["中国近代史", "女职工权益手册"]);
    check("zhg", &["中国近代史", "女职工权益手册"]);
    check("zhgjd", &["中国近代史"]);
}

#[test]
fn ranking_exact_then_prefix_then_substring_then_author() {
    let index = catalogue();
    let page = index.search("红楼梦", 0, 10);
    assert_eq!(titles(&page), HONGLOUMENG);
    let scores: Vec<u32> = page.hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
}

#[test]
fn ties_go_to_the_shorter_title_then_the_lower_id() {
    let mut index = catalogue();
    index.upsert(entry("z01", "红岩", "某出版社", None));
    index.upsert(entry("a01", "红岩", "某出版社", None));
    assert_eq!(ids(&index.search("hy", 0, 10)), ["a01", "b05", "z01"]);
    assert_eq!(
        ids(&index.search("hong", 0, 10)),
        ["a01", "b05", "z01", "b01", "b02", "b03", "b04"]
    );
}

#[test]
fn paging() {
    let index = catalogue();
    let all = index.search("红", 0, 10);
    assert_eq!(all.total, 5);
    let first = index.search("红", 0, 2);
    let second = index.search("红", 2, 2);
    let third = index.search("红", 4, 2);
    assert_eq!((first.total, second.total, third.total), (5, 5, 5));
    let paged: Vec<Hit> = [first.hits, second.hits, third.hits].concat();
    assert_eq!(paged, all.hits);
    let past_end = index.search("红", 10, 5);
    assert_eq!((past_end.hits.len(), past_end.total), (0, 5));
    let no_room = index.search("红", 0, 0);
    assert_eq!((no_room.hits.len(), no_room.total), (0, 5));
    let huge = index.search("红", usize::MAX, usize::MAX);
    assert_eq!((huge.hits.len(), huge.total), (0, 5));
}

#[test]
fn upsert_replaces_and_remove_removes() {
    let mut index = catalogue();
    assert_eq!(index.len(), CATALOGUE.len());
    index.upsert(entry("b05", "家", "巴金", None));
    assert_eq!(index.len(), CATALOGUE.len());
    assert!(index.search("红岩", 0, 10).hits.is_empty());
    assert_eq!(ids(&index.search("家", 0, 10)), ["b05"]);
    assert_eq!(ids(&index.search("bajin", 0, 10)), ["b05"]);

    // Upserting the same text again changes nothing.
    index.upsert(entry("b05", "家", "巴金", None));
    assert_eq!(index.search("巴金", 0, 10).total, 1);

    index.remove(&ContentId("b05".to_owned()));
    index.remove(&ContentId("b05".to_owned()));
    index.remove(&ContentId("nope".to_owned()));
    assert_eq!(index.len(), CATALOGUE.len() - 1);
    assert_eq!(index.search("家", 0, 10).total, 0);
    assert_eq!(index.search("bajin", 0, 10).total, 0);
}

#[test]
fn compaction_keeps_results() {
    let mut index = SearchIndex::new();
    let count = COMPACT_AFTER + 500;
    for round in 0..3 {
        for i in 0..count {
            let title = if round == 2 {
                "工匠精神"
            } else {
                "劳模精神"
            };
            index.upsert(entry(&format!("{i:05}"), title, "工会", None));
        }
    }
    for i in (0..count).step_by(2) {
        index.remove(&ContentId(format!("{i:05}")));
    }
    assert_eq!(index.len(), count / 2);
    assert!(index.slots() < count * 2, "compacted: {index:?}");
    assert_eq!(index.search("劳模", 0, 10).total, 0);
    let page = index.search("gjjs", 0, 3);
    assert_eq!(page.total, count / 2);
    assert_eq!(ids(&page), ["00001", "00003", "00005"]);
}

#[test]
fn odd_input_finds_nothing_and_does_not_panic() {
    let long = "红".repeat(10_000);
    let too_many_letters = "a".repeat(MAX_QUERY + 1);
    let queries = [
        "",
        "   ",
        "\u{3000}",
        "😀",
        "！？。，",
        "-",
        "\0",
        "🀄️中",
        "ｚ",
        "ⅷ",
        "İ",
        "ß",
        too_many_letters.as_str(),
        long.as_str(),
    ];
    let mut index = catalogue();
    index.upsert(entry(
        "odd",
        "😀 ！ ℃ ⅷ İstanbul straße",
        "",
        Some("not an isbn"),
    ));
    for query in queries {
        let page = index.search(query, 0, 10);
        assert_eq!(page.total, page.hits.len(), "query {query:?}");
    }
    for query in ["", "   ", "😀", "！？。，", &long] {
        assert_eq!(
            index.search(query, 0, 10),
            Page::default(),
            "query {query:?}"
        );
    }
    assert_eq!(index.search("istanbul", 0, 10).total, 1);
    assert_eq!(index.search("ⅷ", 0, 10).total, 1);
    index.upsert(entry("long", &long, &long, None));
    assert_eq!(index.search("红红红", 0, 1).hits.len(), 1);
    assert_eq!(index.search("hhhhhhhhhhh", 0, 1).hits.len(), 1);
}

#[test]
fn fuzzy_pinyin_finds_accents_after_every_exact_match_and_can_be_off() {
    let mut index = SearchIndex::new();
    for (id, title) in [("f1", "兰花图谱"), ("f2", "南方草木"), ("f3", "中国近代史")] {
        index.upsert(entry(id, title, "", None));
    }
    let ids = |page: &Page| page.hits.iter().map(|h| h.id.0.clone()).collect::<Vec<_>>();
    // n/l: the exact reading first, the fuzzy one after it, whatever their tiers.
    let page = index.search_with("nanfang", 0, 10, true);
    assert_eq!(
        ids(&page),
        ["f2"],
        "no fuzzy spelling of nanfang is in here"
    );
    let page = index.search_with("lan", 0, 10, true);
    assert_eq!(ids(&page), ["f1", "f2"]);
    assert!(page.hits[0].score > page.hits[1].score);
    assert_eq!(page.total, 2);
    // Paging runs on past the exact matches into the fuzzy ones.
    let second = index.search_with("lan", 1, 10, true);
    assert_eq!(ids(&second), ["f2"]);
    assert_eq!(second.total, 2);
    // z/zh, and initials still work beside it.
    assert_eq!(ids(&index.search_with("zongguo", 0, 10, true)), ["f3"]);
    assert_eq!(
        ids(&index.search_with("zongguojindai", 0, 10, true)),
        ["f3"]
    );
    // Off: only what the letters spell.
    assert_eq!(ids(&index.search_with("lan", 0, 10, false)), ["f1"]);
    assert!(index.search_with("zongguo", 0, 10, false).hits.is_empty());
}

#[test]
fn changes_in_place_find_what_a_rebuild_finds() {
    let mut in_place = catalogue();
    in_place.upsert(entry("b05", "红岩（新版）", "罗广斌", None));
    in_place.remove(&ContentId("b06".to_owned()));
    in_place.upsert(entry("b13", "工会法律知识读本", "全国总工会", None));
    in_place.upsert(entry("b09", "长江传", "冯骥才", None));

    let mut rebuilt = SearchIndex::new();
    for &(id, title, author, isbn) in CATALOGUE {
        match id {
            "b05" => rebuilt.upsert(entry("b05", "红岩（新版）", "罗广斌", None)),
            "b06" => {}
            _ => rebuilt.upsert(entry(id, title, author, isbn)),
        }
    }
    rebuilt.upsert(entry("b13", "工会法律知识读本", "全国总工会", None));

    assert_eq!(in_place.len(), rebuilt.len());
    for query in [
        "红", "hong", "hy", "红岩", "新版", "sanguo", "罗", "luo", "工会", "gh", "gonghui", "法律",
        "长江", "978", "zg", "z", "经济",
    ] {
        assert_eq!(
            in_place.search(query, 0, 20),
            rebuilt.search(query, 0, 20),
            "{query}"
        );
    }
    assert_eq!(in_place.search("sanguo", 0, 20).total, 0);
    assert_eq!(ids(&in_place.search("gonghuifa", 0, 20)), ["b13"]);
}

#[test]
fn ids_whose_hashes_collide_are_found_replaced_and_removed_like_any() {
    // Every id under one hash: all but the first go to `collided`.
    let mut index = SearchIndex {
        hash: |_| 7,
        ..SearchIndex::default()
    };
    for &(id, title, author, isbn) in CATALOGUE {
        index.upsert(entry(id, title, author, isbn));
    }
    let plain = catalogue();
    for query in ["红", "hong", "sanguo", "工会", "978", "z"] {
        assert_eq!(
            index.search(query, 0, 20),
            plain.search(query, 0, 20),
            "{query}"
        );
    }
    let first = CATALOGUE[0].0;
    index.upsert(entry(first, "家", "巴金", None));
    index.upsert(entry("b05", "春", "巴金", None));
    assert_eq!(index.len(), CATALOGUE.len());
    assert_eq!(ids(&index.search("bajin", 0, 10)).len(), 2);
    index.remove(&ContentId(first.to_owned()));
    assert_eq!(ids(&index.search("bajin", 0, 10)), ["b05"]);
    // The hash's first holder gone, the others are still found, and a new one takes its place.
    index.upsert(entry("new", "秋", "巴金", None));
    index.remove(&ContentId("b05".to_owned()));
    assert_eq!(ids(&index.search("bajin", 0, 10)), ["new"]);
    assert_eq!(index.len(), CATALOGUE.len() - 1);

    // Through a compaction too.
    let count = COMPACT_AFTER + 10;
    for round in 0..3 {
        for i in 0..count {
            let title = if round == 2 { "工匠" } else { "劳模" };
            index.upsert(entry(&format!("{i:05}"), title, "", None));
        }
    }
    assert!(index.slots() < count * 3, "compacted: {index:?}");
    assert_eq!(index.search("劳模", 0, 10).total, 0);
    let already = plain.search("gj", 0, 10).total;
    assert_eq!(index.search("gj", 0, 10).total, count + already);
    assert_eq!(index.len(), CATALOGUE.len() - 1 + count);
}
