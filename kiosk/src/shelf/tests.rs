use super::*;

fn card(id: &str, title: &str, category: &str) -> Card {
    Card {
        id: ContentId(id.into()),
        title: title.into(),
        author: String::new(),
        category: category.into(),
        kind: LibraryKind::Book,
        cover: None,
    }
}

#[test]
fn cards_are_in_pinyin_order_and_categories_index_them() {
    let shelf = Shelf::build(vec![
        card("1", "中国通史", "历史"),
        card("2", "阿Q正传", "文学"),
        card("3", "边城", "文学"),
        card("4", "Rust 编程", ""),
        Card {
            kind: LibraryKind::Newspaper,
            ..card("5", "阿坝日报", "")
        },
    ]);
    let titles: Vec<&str> = (0..shelf.len(None))
        .map(|i| shelf.get(None, i).expect("in range").title)
        .collect();
    assert_eq!(
        titles,
        ["阿Q正传", "边城", "Rust 编程", "中国通史", "阿坝日报"]
    );
    assert_eq!(
        shelf.categories().collect::<Vec<_>>(),
        [("文学", 2), ("历史", 1)]
    );
    assert_eq!(shelf.len(Some("文学")), 2);
    assert_eq!(shelf.get(Some("文学"), 1).map(|c| c.title), Some("边城"));
    assert_eq!(shelf.get(Some("文学"), 2), None);
    assert_eq!(shelf.len(Some("没有")), 0);
    assert_eq!(
        shelf.card(&ContentId("1".into())).map(|c| c.title),
        Some("中国通史")
    );
}

/// Everything a screen can read of a shelf, to compare two.
fn contents(shelf: &Shelf) -> (Vec<Card>, Vec<(String, Vec<Card>)>) {
    let all = (0..shelf.len(None))
        .map(|i| shelf.get(None, i).expect("in range").to_card())
        .collect();
    let categories = shelf
        .categories()
        .map(|(name, len)| {
            let cards = (0..len)
                .map(|i| shelf.get(Some(name), i).expect("in range").to_card())
                .collect();
            (name.to_owned(), cards)
        })
        .collect();
    (all, categories)
}

#[test]
fn an_update_in_place_is_the_shelf_a_rebuild_makes() {
    let before = vec![
        card("1", "中国通史", "历史"),
        card("2", "阿Q正传", "文学"),
        card("3", "边城", "文学"),
        card("4", "Rust 编程", ""),
        card("5", "边城", "文学"),
        card("6", "骆驼祥子", "文学"),
    ];
    let shelf = Shelf::build(before.clone());
    // 2 is renamed (and moves), 3 removed, 7 and 8 added (8 ties 5 but for its id), 6
    // re-sent unchanged, 4 moves to a new category.
    let added = vec![
        card("2", "子夜", "文学"),
        card("7", "万历十五年", "历史"),
        card("8", "边城", "文学"),
        card("6", "骆驼祥子", "文学"),
        card("4", "Rust 编程", "计算机"),
    ];
    let changed: HashSet<ContentId> = ["2", "3", "7", "8", "6", "4"]
        .iter()
        .map(|id| ContentId((*id).into()))
        .collect();
    let updated = shelf.updated(&changed, added.clone());

    let mut after: Vec<Card> = before
        .into_iter()
        .filter(|c| !changed.contains(&c.id))
        .collect();
    after.extend(added);
    after.reverse();
    let rebuilt = Shelf::build(after);
    assert_eq!(contents(&updated), contents(&rebuilt));
    assert_eq!(updated.card(&ContentId("3".into())), None);
    assert_eq!(
        updated.card(&ContentId("2".into())).map(|c| c.title),
        Some("子夜")
    );
    // The shelf it came from is unchanged (a screen may still show it).
    assert_eq!(
        shelf.card(&ContentId("2".into())).map(|c| c.title),
        Some("阿Q正传")
    );
    assert_eq!(shelf.len(None), 6);
    // Nothing changed: the same shelf.
    let same = updated.updated(&HashSet::new(), Vec::new());
    assert_eq!(contents(&same), contents(&updated));
}

#[test]
fn many_rounds_of_updates_stay_equal_to_a_rebuild() {
    const TITLES: [&str; 8] = [
        "边城",
        "子夜",
        "阿Q正传",
        "家",
        "茶馆",
        "Rust",
        "红岩",
        "围城",
    ];
    const CATEGORIES: [&str; 4] = ["文学", "历史", "", "计算机"];
    let mut state: u64 = 7;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as usize % n
    };
    let mut catalogue: HashMap<String, Card> = HashMap::new();
    let mut shelf = Shelf::default();
    for _ in 0..40 {
        let mut changed = HashSet::new();
        let mut added = Vec::new();
        for _ in 0..1 + next(6) {
            let id = format!("{:02}", next(30));
            if !changed.insert(ContentId(id.clone())) {
                continue;
            }
            if next(4) == 0 {
                catalogue.remove(&id);
            } else {
                let mut c = card(&id, TITLES[next(8)], CATEGORIES[next(4)]);
                if next(3) == 0 {
                    c.cover = Some(MediaHash::from_digest([next(256) as u8; 32]));
                }
                catalogue.insert(id, c.clone());
                added.push(c);
            }
        }
        shelf = shelf.updated(&changed, added);
        let rebuilt = Shelf::build(catalogue.values().cloned().collect());
        assert_eq!(contents(&shelf), contents(&rebuilt));
        for id in catalogue.keys() {
            assert_eq!(
                shelf.card(&ContentId(id.clone())).map(|c| c.id),
                Some(id.as_str())
            );
        }
    }
}
