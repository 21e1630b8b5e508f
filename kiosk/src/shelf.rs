//! The library as the screens browse it: every catalogue item's card (title, author, category,
//! cover) in memory, in pinyin order, with per-category lists. The cover grid reads any window
//! of it without touching SQLite, so scrolling 60,000 items never waits on the disk. Built off
//! the UI thread together with the search index, a page of the catalogue at a time
//! ([`ShelfBuilder`]).
//!
//! Compact, because it holds the whole catalogue: the cards' ids, titles and authors lie back to
//! back in one string in shelf order, each card being where its three fields end (24 bytes with
//! its category, cover and kind); a category name is kept once, a card holds its number; covers
//! are in a side table that only cards with a cover use. So a card costs its text and 24 bytes
//! instead of an allocation per field.

use protocol::content::{LibraryItem, LibraryKind};
use protocol::{ContentId, MediaHash};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// A catalogue item's card as it arrives: from the store, or as a search result.
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
        CardView::of(&id, item).to_card()
    }

    pub fn view(&self) -> CardView<'_> {
        CardView {
            id: &self.id.0,
            title: &self.title,
            author: &self.author,
            category: &self.category,
            kind: self.kind,
            cover: self.cover.as_ref(),
        }
    }
}

/// What a cover grid shows of one item: a card of the shelf, or of a search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub author: &'a str,
    /// Empty for none.
    pub category: &'a str,
    pub kind: LibraryKind,
    pub cover: Option<&'a MediaHash>,
}

impl<'a> CardView<'a> {
    /// The card of a library item, borrowed from it.
    pub fn of(id: &'a ContentId, item: &'a LibraryItem) -> CardView<'a> {
        CardView {
            id: &id.0,
            title: &item.title,
            author: &item.author,
            category: &item.category,
            kind: item.item_kind,
            cover: item.cover.as_ref(),
        }
    }

    pub fn content_id(&self) -> ContentId {
        ContentId(self.id.to_owned())
    }

    pub fn to_card(&self) -> Card {
        Card {
            id: self.content_id(),
            title: self.title.to_owned(),
            author: self.author.to_owned(),
            category: self.category.to_owned(),
            kind: self.kind,
            cover: self.cover.cloned(),
        }
    }
}

/// No category, no cover.
const NONE: u32 = u32::MAX;

/// One card of [`Cards`]: where its id, title and author end in the text (each field starts
/// where the one before ends, the id where the previous card's author ends), its category's
/// number and its cover's (`NONE` for none).
#[derive(Debug, Clone, Copy)]
struct Packed {
    ends: [u32; 3],
    category: u32,
    cover: u32,
    kind: LibraryKind,
}

/// Cards in some order: a shelf's, or those a builder was given. What a category number means
/// is up to the owner.
#[derive(Debug, Default)]
struct Cards {
    text: String,
    packed: Vec<Packed>,
    covers: Vec<MediaHash>,
}

impl Cards {
    fn len(&self) -> usize {
        self.packed.len()
    }

    fn push(&mut self, card: CardView<'_>, category: u32) {
        let mut ends = [0; 3];
        for (end, field) in ends.iter_mut().zip([card.id, card.title, card.author]) {
            self.text.push_str(field);
            *end = u32::try_from(self.text.len()).expect("the shelf's text is under 4 GiB");
        }
        let cover = match card.cover {
            Some(hash) => {
                self.covers.push(hash.clone());
                (self.covers.len() - 1) as u32
            }
            None => NONE,
        };
        self.packed.push(Packed {
            ends,
            category,
            cover,
            kind: card.kind,
        });
    }

    /// The id, title and author of card `i`.
    fn fields(&self, i: usize) -> [&str; 3] {
        let mut start = match i {
            0 => 0,
            _ => self.packed[i - 1].ends[2] as usize,
        };
        self.packed[i].ends.map(|end| {
            let field = &self.text[start..end as usize];
            start = end as usize;
            field
        })
    }

    fn id(&self, i: usize) -> &str {
        self.fields(i)[0]
    }

    fn title(&self, i: usize) -> &str {
        self.fields(i)[1]
    }

    /// Card `i`, with its category's name.
    fn view<'a>(&'a self, i: usize, category: &'a str) -> CardView<'a> {
        let [id, title, author] = self.fields(i);
        let packed = &self.packed[i];
        CardView {
            id,
            title,
            author,
            category,
            kind: packed.kind,
            cover: self.covers.get(packed.cover as usize),
        }
    }
}

#[derive(Debug, Default)]
pub struct Shelf {
    /// In shelf order; a card's category number is its place in `categories`.
    cards: Cards,
    /// Category name, and the indexes of its cards in order; largest categories first.
    categories: Vec<(String, Vec<u32>)>,
    /// The cards' indexes in order of their ids, for finding one by binary search.
    by_id: Vec<u32>,
}

/// A collation key: books, then periodicals, then newspapers; within each, the title's pinyin
/// (so 阿 sorts with "a").
fn sort_key(kind: LibraryKind, title: &str) -> String {
    let mut key = String::with_capacity(title.len() * 2 + 2);
    push_sort_key(&mut key, kind, title);
    key
}

/// Appends [`sort_key`] to `out`.
fn push_sort_key(out: &mut String, kind: LibraryKind, title: &str) {
    use pinyin::ToPinyin;
    out.push(match kind {
        LibraryKind::Book => '0',
        LibraryKind::Periodical => '1',
        LibraryKind::Newspaper => '2',
    });
    for c in title.chars() {
        match c.to_pinyin() {
            Some(p) => out.push_str(p.plain()),
            None => out.extend(c.to_lowercase()),
        }
        out.push(' ');
    }
}

/// The shelf's order: the collation key, then the title, then the id (so that it is the same
/// however the cards arrived).
fn order(key_a: &str, a: CardView<'_>, key_b: &str, b: CardView<'_>) -> Ordering {
    key_a
        .cmp(key_b)
        .then_with(|| a.title.cmp(b.title))
        .then_with(|| a.id.cmp(b.id))
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

/// The first of `0..n` for which `before` is false, `before` being true up to some point and
/// false from there (as [`slice::partition_point`], over indexes).
fn partition_point(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, n);
    while low < high {
        let mid = low + (high - low) / 2;
        if before(mid) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}

/// A shelf being written a card at a time in its final order.
#[derive(Default)]
struct Assembly {
    cards: Cards,
    /// Category name and its cards, in the order names came.
    lists: Vec<(String, Vec<u32>)>,
    numbers: HashMap<String, u32>,
}

impl Assembly {
    fn with_capacity(cards: usize, text: usize) -> Assembly {
        Assembly {
            cards: Cards {
                text: String::with_capacity(text),
                packed: Vec::with_capacity(cards),
                covers: Vec::new(),
            },
            ..Assembly::default()
        }
    }

    /// The number of the category `name` (`NONE` for the empty name).
    fn category(&mut self, name: &str) -> u32 {
        if name.is_empty() {
            return NONE;
        }
        if let Some(&n) = self.numbers.get(name) {
            return n;
        }
        let n = self.lists.len() as u32;
        self.lists.push((name.to_owned(), Vec::new()));
        self.numbers.insert(name.to_owned(), n);
        n
    }

    /// Appends a card, in the category numbered by [`Assembly::category`].
    fn push(&mut self, card: CardView<'_>, category: u32) {
        if let Some((_, list)) = self.lists.get_mut(category as usize) {
            list.push(self.cards.len() as u32);
        }
        self.cards.push(card, category);
    }

    /// Appends the cards `range` of `from` (their text copied in one piece), each in the
    /// category `numbers` maps its number in `from` to, noting their new indexes in `moved`.
    fn push_run(&mut self, from: &Cards, range: Range<usize>, numbers: &[u32], moved: &mut [u32]) {
        if range.is_empty() {
            return;
        }
        let last = range.end - 1;
        let start = match range.start {
            0 => 0,
            i => from.packed[i - 1].ends[2] as usize,
        };
        let base = self.cards.text.len();
        self.cards
            .text
            .push_str(&from.text[start..from.packed[last].ends[2] as usize]);
        for i in range {
            let packed = from.packed[i];
            let at = self.cards.len() as u32;
            moved[i] = at;
            let category = numbers
                .get(packed.category as usize)
                .copied()
                .unwrap_or(NONE);
            if let Some((_, list)) = self.lists.get_mut(category as usize) {
                list.push(at);
            }
            let cover = match from.covers.get(packed.cover as usize) {
                Some(hash) => {
                    self.cards.covers.push(hash.clone());
                    (self.cards.covers.len() - 1) as u32
                }
                None => NONE,
            };
            self.cards.packed.push(Packed {
                ends: packed.ends.map(|end| {
                    u32::try_from(end as usize - start + base)
                        .expect("the shelf's text is under 4 GiB")
                }),
                category,
                cover,
                kind: packed.kind,
            });
        }
    }

    /// The shelf: categories largest first (then by name), cards renumbered to match.
    fn finish(self, by_id: Vec<u32>) -> Shelf {
        let mut cards = self.cards;
        let mut categories = self.lists;
        categories.retain(|(_, list)| !list.is_empty());
        categories.sort_by(|(na, a), (nb, b)| b.len().cmp(&a.len()).then(na.cmp(nb)));
        for (n, (_, list)) in categories.iter().enumerate() {
            for &i in list {
                cards.packed[i as usize].category = n as u32;
            }
        }
        Shelf {
            cards,
            categories,
            by_id,
        }
    }
}

/// Collects cards in any order and makes the shelf of them: a catalogue read a page at a time
/// goes in as it comes, and never exists whole as separate cards.
#[derive(Default)]
pub struct ShelfBuilder {
    /// As given; a category number is an index into `names`.
    cards: Cards,
    names: Vec<String>,
    numbers: HashMap<String, u32>,
    /// Every card's collation key, back to back; `key_ends[i]` is where card `i`'s ends.
    keys: String,
    key_ends: Vec<u32>,
}

impl ShelfBuilder {
    pub fn push(&mut self, card: CardView<'_>) {
        let category = match card.category {
            "" => NONE,
            name => match self.numbers.get(name) {
                Some(&n) => n,
                None => {
                    let n = self.names.len() as u32;
                    self.names.push(name.to_owned());
                    self.numbers.insert(name.to_owned(), n);
                    n
                }
            },
        };
        self.cards.push(card, category);
        push_sort_key(&mut self.keys, card.kind, card.title);
        self.key_ends
            .push(u32::try_from(self.keys.len()).expect("the shelf's keys are under 4 GiB"));
    }

    pub fn finish(self) -> Shelf {
        let ShelfBuilder {
            cards,
            names,
            keys,
            key_ends,
            ..
        } = self;
        let key = |i: usize| {
            let start = if i == 0 { 0 } else { key_ends[i - 1] as usize };
            &keys[start..key_ends[i] as usize]
        };
        let mut sorted: Vec<u32> = (0..cards.len() as u32).collect();
        sorted.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            key(a)
                .cmp(key(b))
                .then_with(|| cards.title(a).cmp(cards.title(b)))
                .then_with(|| cards.id(a).cmp(cards.id(b)))
        });
        drop(key_ends);
        drop(keys);
        let mut shelf = Assembly::with_capacity(cards.len(), cards.text.len());
        let numbers: Vec<u32> = names.iter().map(|name| shelf.category(name)).collect();
        for &i in &sorted {
            let packed = &cards.packed[i as usize];
            let category = numbers
                .get(packed.category as usize)
                .copied()
                .unwrap_or(NONE);
            shelf.push(cards.view(i as usize, ""), category);
        }
        drop(sorted);
        let mut by_id: Vec<u32> = (0..shelf.cards.len() as u32).collect();
        by_id.sort_unstable_by(|&a, &b| shelf.cards.id(a as usize).cmp(shelf.cards.id(b as usize)));
        shelf.finish(by_id)
    }
}

impl Shelf {
    pub fn build(cards: Vec<Card>) -> Shelf {
        let mut builder = ShelfBuilder::default();
        for card in &cards {
            builder.push(card.view());
        }
        builder.finish()
    }

    /// Card `i` in shelf order.
    fn view(&self, i: usize) -> CardView<'_> {
        let category = self
            .categories
            .get(self.cards.packed[i].category as usize)
            .map_or("", |(name, _)| name.as_str());
        self.cards.view(i, category)
    }

    /// This shelf with the cards of `changed` taken out and `added` put in their places (an
    /// item changed or added is in both, one removed only in `changed`): the same shelf as
    /// [`Shelf::build`] over the new catalogue, at the cost of a collation key per added card
    /// and a few per binary search, then one pass over the shelf that copies its text and
    /// numbers (no hashing but of the added cards' categories, no sort but of the added cards).
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
        keyed.sort_by(|(ka, a), (kb, b)| order(ka, a.view(), kb, b.view()));
        // Where each added card goes among the old ones (removed ones still sit in order).
        let places: Vec<usize> = keyed
            .iter()
            .map(|(key, card)| {
                partition_point(old, |i| {
                    let c = self.view(i);
                    order(&sort_key(c.kind, c.title), c, key, card.view()) == Ordering::Less
                })
            })
            .collect();
        // Write the new shelf in order; `moved` maps each old index to its new one
        // (`NONE`: removed).
        let mut shelf = Assembly::with_capacity(old + keyed.len(), self.cards.text.len());
        let numbers: Vec<u32> = self
            .categories
            .iter()
            .map(|(name, _)| shelf.category(name))
            .collect();
        let mut moved = vec![NONE; old];
        let mut new_at = Vec::with_capacity(keyed.len());
        let mut next = keyed.into_iter().zip(places).peekable();
        let push_added = |shelf: &mut Assembly, card: &Card, new_at: &mut Vec<u32>| {
            new_at.push(shelf.cards.len() as u32);
            let category = shelf.category(&card.category);
            shelf.push(card.view(), category);
        };
        // Old cards kept go over in runs, each run's text in one piece.
        let mut run = 0;
        for (i, &gone) in removed.iter().enumerate() {
            if next.peek().is_some_and(|(_, place)| *place <= i) {
                shelf.push_run(&self.cards, run..i, &numbers, &mut moved);
                run = i;
            }
            while let Some((_, place)) = next.peek()
                && *place <= i
            {
                let ((_, card), _) = next.next().expect("peeked");
                push_added(&mut shelf, &card, &mut new_at);
            }
            if gone {
                shelf.push_run(&self.cards, run..i, &numbers, &mut moved);
                run = i + 1;
            }
        }
        shelf.push_run(&self.cards, run..old, &numbers, &mut moved);
        for ((_, card), _) in next {
            push_added(&mut shelf, &card, &mut new_at);
        }

        let kept: Vec<u32> = self
            .by_id
            .iter()
            .map(|&i| moved[i as usize])
            .filter(|&i| i != NONE)
            .collect();
        let cards = &shelf.cards;
        let mut fresh = new_at;
        fresh.sort_by(|&a, &b| cards.id(a as usize).cmp(cards.id(b as usize)));
        let by_id = merge_by(kept, fresh, |&a, &b| {
            cards.id(a as usize).cmp(cards.id(b as usize))
        });
        shelf.finish(by_id)
    }

    /// Where the card of `id` is, by binary search over `by_id`.
    fn position(&self, id: &ContentId) -> Option<usize> {
        self.by_id
            .binary_search_by(|&i| self.cards.id(i as usize).cmp(id.0.as_str()))
            .ok()
            .map(|at| self.by_id[at] as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.cards.len() == 0
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
    pub fn get(&self, category: Option<&str>, index: usize) -> Option<CardView<'_>> {
        let i = match category {
            None => index,
            Some(name) => *self.category(name)?.get(index)? as usize,
        };
        (i < self.cards.len()).then(|| self.view(i))
    }

    pub fn card(&self, id: &ContentId) -> Option<CardView<'_>> {
        self.position(id).map(|i| self.view(i))
    }
}

#[cfg(test)]
mod tests;
