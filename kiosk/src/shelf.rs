//! The library as the screens browse it: every catalogue item's card (title, author, category,
//! cover) in memory, in pinyin order, with per-category lists. The cover grid reads any window
//! of it without touching SQLite, so scrolling 60,000 items never waits on the disk. Built off
//! the UI thread together with the search index.

use protocol::content::{LibraryItem, LibraryKind};
use protocol::{ContentId, MediaHash};
use std::collections::HashMap;

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
    cards: Vec<Card>,
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

impl Shelf {
    pub fn build(cards: Vec<Card>) -> Shelf {
        let mut keyed: Vec<(String, Card)> = cards
            .into_iter()
            .map(|c| (sort_key(c.kind, &c.title), c))
            .collect();
        keyed.sort_by(|(ka, a), (kb, b)| ka.cmp(kb).then_with(|| a.title.cmp(&b.title)));
        let cards: Vec<Card> = keyed.into_iter().map(|(_, c)| c).collect();
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
            None => self.cards.get(index),
            Some(name) => self
                .category(name)?
                .get(index)
                .and_then(|&i| self.cards.get(i as usize)),
        }
    }

    pub fn card(&self, id: &ContentId) -> Option<&Card> {
        self.by_id.get(id).and_then(|&i| self.cards.get(i as usize))
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
}
