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
    by_id: HashMap<ContentId, u32>,
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
    /// and a few per binary search, instead of one per card and a sort.
    pub fn updated(&self, changed: &HashSet<ContentId>, added: Vec<Card>) -> Shelf {
        let mut cards: Vec<Arc<Card>> = if changed.is_empty() {
            self.cards.clone()
        } else {
            self.cards
                .iter()
                .filter(|c| !changed.contains(&c.id))
                .cloned()
                .collect()
        };
        let mut keyed: Vec<(String, Card)> = added
            .into_iter()
            .map(|c| (sort_key(c.kind, &c.title), c))
            .collect();
        keyed.sort_by(|(ka, a), (kb, b)| order(ka, a, kb, b));
        // Each card goes after those that sort before it; the search for the next one starts
        // where the last one went, as they come in order.
        let mut from = 0;
        for (key, card) in keyed {
            let at = from
                + cards[from..].partition_point(|c| {
                    order(&sort_key(c.kind, &c.title), c, &key, &card) == Ordering::Less
                });
            cards.insert(at, Arc::new(card));
            from = at + 1;
        }
        Shelf::index(cards)
    }

    /// The shelf over cards in order: its categories and the lookup by id.
    fn index(cards: Vec<Arc<Card>>) -> Shelf {
        let mut categories: HashMap<&str, Vec<u32>> = HashMap::new();
        let mut by_id = HashMap::with_capacity(cards.len());
        for (i, card) in cards.iter().enumerate() {
            by_id.insert(card.id.clone(), i as u32);
            if !card.category.is_empty() {
                categories.entry(&card.category).or_default().push(i as u32);
            }
        }
        let mut categories: Vec<(String, Vec<u32>)> = categories
            .into_iter()
            .map(|(name, list)| (name.to_owned(), list))
            .collect();
        categories.sort_by(|(na, a), (nb, b)| b.len().cmp(&a.len()).then(na.cmp(nb)));
        Shelf {
            cards,
            categories,
            by_id,
        }
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
        self.by_id
            .get(id)
            .and_then(|&i| self.cards.get(i as usize))
            .map(|c| &**c)
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
}
