//! The library as the screens browse it: every catalogue item's card (title, author, category,
//! cover) in memory, in pinyin order, with per-category lists. The cover grid reads any window
//! of it without touching SQLite, so scrolling 60,000 items never waits on the disk. Built off
//! the UI thread together with the search index.

use protocol::content::{LibraryItem, LibraryKind};
use protocol::{ContentId, MediaHash};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What a cover grid shows of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: ContentId,
    pub title: String,
    pub author: String,
    pub category: String,
    pub kind: LibraryKind,
    pub cover: Option<MediaHash>,
}

impl Card {
    pub fn new(id: ContentId, item: &LibraryItem) -> Card {
        Card {
            id,
            title: item.title.clone(),
            author: item.author.clone(),
            category: item.category.clone(),
            kind: item.item_kind,
            cover: item.cover.clone(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Shelf {
    /// Shared with the shelf this one was updated from ([`Shelf::updated`]).
    cards: Vec<Arc<Card>>,
    /// Category name, and the indexes of its cards in order; largest categories first.
    categories: Vec<(String, Vec<u32>)>,
    /// The cards' indexes in order of their ids, for finding one by binary search.
    by_id: Vec<u32>,
}

/// A collation key: books, then periodicals, then newspapers; within each, the title's pinyin
/// (so 阿 sorts with "a").
fn sort_key(kind: LibraryKind, title: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(title.len() * 2 + 2);
    key.push(match kind {
        LibraryKind::Book => '0',
        LibraryKind::Periodical => '1',
        LibraryKind::Newspaper => '2',
    });
    for c in title.chars() {
        match c.to_pinyin() {
            Some(p) => key.push_str(p.plain()),
            None => key.extend(c.to_lowercase()),
        }
        key.push(' ');
    }
    key
}

/// The shelf's order: the collation key, then the title, then the id (so that it is the same
/// however the cards arrived).
fn order(key_a: &str, a: &Card, key_b: &str, b: &Card) -> Ordering {
    key_a
        .cmp(key_b)
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.id.cmp(&b.id))
}

/// Largest categories first, then by name.
fn sort_categories(categories: &mut [(String, Vec<u32>)]) {
    categories.sort_by(|(na, a), (nb, b)| b.len().cmp(&a.len()).then(na.cmp(nb)));
}

/// Two sorted lists as one.
fn merge_by(a: Vec<u32>, b: Vec<u32>, cmp: impl Fn(&u32, &u32) -> Ordering) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.into_iter().peekable();
    for x in a {
        while let Some(y) = b.peek()
            && cmp(y, &x) == Ordering::Less
        {
            out.push(*y);
            b.next();
        }
        out.push(x);
    }
    out.extend(b);
    out
}

impl Shelf {
    pub fn build(cards: Vec<Card>) -> Shelf {
        let mut keyed: Vec<(String, Card)> = cards
            .into_iter()
            .map(|c| (sort_key(c.kind, &c.title), c))
            .collect();
        keyed.sort_by(|(ka, a), (kb, b)| order(ka, a, kb, b));
        Shelf::index(keyed.into_iter().map(|(_, c)| Arc::new(c)).collect())
    }

    /// This shelf with the cards of `changed` taken out and `added` put in their places (an
    /// item changed or added is in both, one removed only in `changed`): the same shelf as
    /// [`Shelf::build`] over the new catalogue, at the cost of a collation key per added card
    /// and a few per binary search, then one pass over the shelf's lists that copies pointers
    /// and numbers (no hashing, no strings), instead of a key per card and a sort.
    pub fn updated(&self, changed: &HashSet<ContentId>, added: Vec<Card>) -> Shelf {
        let old = self.cards.len();
        let mut removed = vec![false; old];
        for id in changed {
            if let Some(i) = self.position(id) {
                removed[i] = true;
            }
        }
        let mut keyed: Vec<(String, Card)> = added
            .into_iter()
            .map(|c| (sort_key(c.kind, &c.title), c))
            .collect();
        keyed.sort_by(|(ka, a), (kb, b)| order(ka, a, kb, b));
        // Where each added card goes among the old ones (removed ones still sit in order).
        let places: Vec<usize> = keyed
            .iter()
            .map(|(key, card)| {
                self.cards.partition_point(|c| {
                    order(&sort_key(c.kind, &c.title), c, key, card) == Ordering::Less
                })
            })
            .collect();
        // Merge; `moved` maps each old index to its new one (u32::MAX: removed).
        let mut cards = Vec::with_capacity(old + keyed.len());
        let mut moved = vec![u32::MAX; old];
        let mut new_at = Vec::with_capacity(keyed.len());
        let mut next = keyed.into_iter().zip(places).peekable();
        for (i, card) in self.cards.iter().enumerate() {
            while let Some((_, place)) = next.peek()
                && *place <= i
            {
                let ((_, card), _) = next.next().expect("peeked");
                new_at.push(cards.len() as u32);
                cards.push(Arc::new(card));
            }
            if !removed[i] {
                moved[i] = cards.len() as u32;
                cards.push(card.clone());
            }
        }
        for ((_, card), _) in next {
            new_at.push(cards.len() as u32);
            cards.push(Arc::new(card));
        }

        let kept: Vec<u32> = self
            .by_id
            .iter()
            .map(|&i| moved[i as usize])
            .filter(|&i| i != u32::MAX)
            .collect();
        let mut fresh = new_at.clone();
        fresh.sort_by(|&a, &b| cards[a as usize].id.cmp(&cards[b as usize].id));
        let by_id = merge_by(kept, fresh, |&a, &b| {
            cards[a as usize].id.cmp(&cards[b as usize].id)
        });

        let mut categories: Vec<(String, Vec<u32>)> = self
            .categories
            .iter()
            .map(|(name, list)| {
                let list = list
                    .iter()
                    .map(|&i| moved[i as usize])
                    .filter(|&i| i != u32::MAX)
                    .collect();
                (name.clone(), list)
            })
            .collect();
        for &i in &new_at {
            let name = &cards[i as usize].category;
            if name.is_empty() {
                continue;
            }
            match categories.iter_mut().find(|(n, _)| n == name) {
                Some((_, list)) => {
                    let at = list.partition_point(|&j| j < i);
                    list.insert(at, i);
                }
                None => categories.push((name.clone(), vec![i])),
            }
        }
        categories.retain(|(_, list)| !list.is_empty());
        sort_categories(&mut categories);
        Shelf {
            cards,
            categories,
            by_id,
        }
    }

    /// The shelf over cards in order: its categories and the lookup by id.
    fn index(cards: Vec<Arc<Card>>) -> Shelf {
        let mut categories: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, card) in cards.iter().enumerate() {
            if !card.category.is_empty() {
                categories.entry(&card.category).or_default().push(i as u32);
            }
        }
        let mut categories: Vec<(String, Vec<u32>)> = categories
            .into_iter()
            .map(|(name, list)| (name.to_owned(), list))
            .collect();
        sort_categories(&mut categories);
        let mut by_id: Vec<u32> = (0..cards.len() as u32).collect();
        by_id.sort_unstable_by(|&a, &b| cards[a as usize].id.cmp(&cards[b as usize].id));
        Shelf {
            cards,
            categories,
            by_id,
        }
    }

    /// Where the card of `id` is, by binary search over `by_id`.
    fn position(&self, id: &ContentId) -> Option<usize> {
        self.by_id
            .binary_search_by(|&i| self.cards[i as usize].id.cmp(id))
            .ok()
            .map(|at| self.by_id[at] as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }

    /// Category names with their sizes, largest first.
    pub fn categories(&self) -> impl Iterator<Item = (&str, usize)> {
        self.categories.iter().map(|(n, l)| (n.as_str(), l.len()))
    }

    /// How many cards a view shows: the whole catalogue (`None`) or one category.
    pub fn len(&self, category: Option<&str>) -> usize {
        match category {
            None => self.cards.len(),
            Some(name) => self.category(name).map_or(0, |l| l.len()),
        }
    }

    fn category(&self, name: &str) -> Option<&[u32]> {
        self.categories
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, l)| l.as_slice())
    }

    /// The `index`th card of a view, in pinyin order.
    pub fn get(&self, category: Option<&str>, index: usize) -> Option<&Card> {
        match category {
            None => self.cards.get(index).map(|c| &**c),
            Some(name) => self
                .category(name)?
                .get(index)
                .and_then(|&i| self.cards.get(i as usize))
                .map(|c| &**c),
        }
    }

    pub fn card(&self, id: &ContentId) -> Option<&Card> {
        self.position(id).map(|i| &*self.cards[i])
    }
}

#[cfg(test)]
mod tests {
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
            .map(|i| shelf.get(None, i).expect("in range").title.as_str())
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
        assert_eq!(
            shelf.get(Some("文学"), 1).map(|c| c.title.as_str()),
            Some("边城")
        );
        assert_eq!(shelf.get(Some("文学"), 2), None);
        assert_eq!(shelf.len(Some("没有")), 0);
        assert_eq!(
            shelf.card(&ContentId("1".into())).map(|c| c.title.as_str()),
            Some("中国通史")
        );
    }

    /// Everything a screen can read of a shelf, to compare two.
    fn contents(shelf: &Shelf) -> (Vec<Card>, Vec<(String, Vec<Card>)>) {
        let all = (0..shelf.len(None))
            .map(|i| shelf.get(None, i).expect("in range").clone())
            .collect();
        let categories = shelf
            .categories()
            .map(|(name, len)| {
                let cards = (0..len)
                    .map(|i| shelf.get(Some(name), i).expect("in range").clone())
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
            updated
                .card(&ContentId("2".into()))
                .map(|c| c.title.as_str()),
            Some("子夜")
        );
        // The shelf it came from is unchanged (a screen may still show it).
        assert_eq!(
            shelf.card(&ContentId("2".into())).map(|c| c.title.as_str()),
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
                    let c = card(&id, TITLES[next(8)], CATEGORIES[next(4)]);
                    catalogue.insert(id, c.clone());
                    added.push(c);
                }
            }
            shelf = shelf.updated(&changed, added);
            let rebuilt = Shelf::build(catalogue.values().cloned().collect());
            assert_eq!(contents(&shelf), contents(&rebuilt));
            for id in catalogue.keys() {
                assert_eq!(
                    shelf.card(&ContentId(id.clone())).map(|c| &c.id.0),
                    Some(id)
                );
            }
        }
    }
}
