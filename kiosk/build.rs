//! Builds the pinyin input's tables at compile time (`src/ime/lexicon.rs` reads them), so the
//! kiosk does not parse 89,000 lines into a trie at every start: from `data/ime-words.txt` and
//! `data/ime-names.txt` (sources and licences in `data/LICENCES.md`) to flat little-endian
//! arrays in `OUT_DIR/ime/`, compiled into the binary with `include_bytes!`.
//!
//! The words: a character's frequency is shared between its readings by how often it is read
//! each way, so 长 counts fully under neither zhang nor chang and a rare reading keeps a
//! sliver; a list of union words raised to common is already in the word list. The names:
//! surnames by their weight, and for each syllable the characters given names use, with their
//! reading's share added to their cost.

use std::collections::HashMap;
use std::path::Path;

/// The CJK Unified Ideographs block, where every character of the word list lies.
const CJK_START: u32 = 0x4E00;
const CJK_LEN: usize = 0x5200;

/// A one-character text's place in the CJK block.
fn cjk(text: &str) -> Option<usize> {
    let mut chars = text.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let at = (c as u32).checked_sub(CJK_START)? as usize;
    (at < CJK_LEN).then_some(at)
}

struct Entry<'a> {
    text: &'a str,
    /// -ln of its probability: smaller is more likely.
    cost: f32,
}

#[derive(Default)]
struct Node {
    /// Children by syllable, sorted by syllable.
    children: Vec<(u16, u32)>,
    /// Entries spelled by the syllables that lead here.
    entries: Vec<u32>,
}

struct Trie<'a> {
    entries: Vec<Entry<'a>>,
    nodes: Vec<Node>,
}

impl<'a> Trie<'a> {
    fn new() -> Trie<'a> {
        Trie {
            entries: Vec::new(),
            nodes: vec![Node::default()],
        }
    }

    fn insert(&mut self, syls: &[u16], entry: Entry<'a>) {
        let mut node = 0;
        for &s in syls {
            let children = &self.nodes[node as usize].children;
            node = match children.binary_search_by_key(&s, |&(c, _)| c) {
                Ok(i) => children[i].1,
                Err(at) => {
                    let n = self.nodes.len() as u32;
                    self.nodes.push(Node::default());
                    self.nodes[node as usize].children.insert(at, (s, n));
                    n
                }
            };
        }
        let index = self.entries.len() as u32;
        self.entries.push(entry);
        self.nodes[node as usize].entries.push(index);
    }

    /// Each node's entries most likely first, each text once.
    fn sort(&mut self) {
        let entries = &self.entries;
        for node in &mut self.nodes {
            node.entries.sort_by(|a, b| {
                entries[*a as usize]
                    .cost
                    .total_cmp(&entries[*b as usize].cost)
            });
            node.entries
                .dedup_by(|a, b| entries[*a as usize].text == entries[*b as usize].text);
        }
    }

    /// The files `lexicon::Trie` reads, named `{name}.{part}`.
    fn write(&self, dir: &Path, name: &str) {
        let mut text = String::new();
        let mut ends = Vec::new();
        let mut costs = Vec::new();
        for e in &self.entries {
            text.push_str(e.text);
            ends.push(text.len() as u32);
            costs.push(e.cost.to_bits());
        }
        let (mut child_at, mut child_syls, mut child_nodes) = (vec![0u32], Vec::new(), Vec::new());
        let (mut entry_at, mut entries) = (vec![0u32], Vec::new());
        for node in &self.nodes {
            for &(s, n) in &node.children {
                child_syls.push(s);
                child_nodes.push(n);
            }
            child_at.push(child_syls.len() as u32);
            entries.extend_from_slice(&node.entries);
            entry_at.push(entries.len() as u32);
        }
        let put = |part: &str, bytes: Vec<u8>| {
            std::fs::write(dir.join(format!("{name}.{part}")), bytes).expect("write a table");
        };
        put("text", text.into_bytes());
        put("ends", le32(&ends));
        put("costs", le32(&costs));
        put("child_at", le32(&child_at));
        put(
            "child_syls",
            child_syls.iter().flat_map(|s| s.to_le_bytes()).collect(),
        );
        put("child_nodes", le32(&child_nodes));
        put("entry_at", le32(&entry_at));
        put("entries", le32(&entries));
    }
}

fn le32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[derive(Default)]
struct Syllables {
    list: Vec<String>,
    ids: HashMap<String, u16>,
}

impl Syllables {
    fn id(&mut self, s: &str) -> u16 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u16::try_from(self.list.len()).expect("fewer than 65,536 syllables");
        self.list.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }
}

fn main() {
    println!("cargo::rerun-if-changed=data/ime-words.txt");
    println!("cargo::rerun-if-changed=data/ime-names.txt");
    let words_txt = std::fs::read_to_string("data/ime-words.txt").expect("data/ime-words.txt");
    let names_txt = std::fs::read_to_string("data/ime-names.txt").expect("data/ime-names.txt");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("ime");
    std::fs::create_dir_all(&out).expect("make OUT_DIR/ime");

    let mut syllables = Syllables::default();
    let mut words = Trie::new();
    let rows: Vec<(&str, &str, f64)> = words_txt
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let (text, reading, freq) = (parts.next()?, parts.next()?, parts.next()?);
            Some((text, reading, freq.parse::<f64>().ok()?.max(1.0)))
        })
        .collect();
    let total: f64 = rows.iter().map(|r| r.2).sum();
    let mut char_totals = vec![0.0f64; CJK_LEN];
    for &(text, _, freq) in &rows {
        if let Some(at) = cjk(text) {
            char_totals[at] += freq;
        }
    }
    // Characters by their place in the block, each with its (reading, entry, reading cost),
    // for given names.
    let mut chars: Vec<Vec<(u16, u32, f32)>> = vec![Vec::new(); CJK_LEN];
    for &(text, reading, freq) in &rows {
        let syls: Vec<u16> = reading.split('\'').map(|s| syllables.id(s)).collect();
        let at = cjk(text);
        let reading_cost = at.map_or(0.0, |at| (char_totals[at] / freq).ln() as f32);
        let index = words.entries.len() as u32;
        words.insert(
            &syls,
            Entry {
                text,
                cost: (total / freq).ln() as f32,
            },
        );
        if let (Some(at), [syl]) = (at, &syls[..]) {
            chars[at].push((*syl, index, reading_cost));
        }
    }

    let mut surnames_list = Vec::new();
    let mut given_list = Vec::new();
    for line in names_txt.lines().filter(|l| !l.starts_with('#')) {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[..] {
            ["S", text, reading, weight] => {
                surnames_list.push((text, reading, weight.parse::<f64>().unwrap_or(1.0)));
            }
            ["G", text, weight] => given_list.push((text, weight.parse::<f64>().unwrap_or(1.0))),
            _ => {}
        }
    }
    let mut surnames = Trie::new();
    let total: f64 = surnames_list.iter().map(|s| s.2).sum();
    for (text, reading, weight) in surnames_list {
        let syls: Vec<u16> = reading.split('\'').map(|s| syllables.id(s)).collect();
        surnames.insert(
            &syls,
            Entry {
                text,
                cost: (total / weight).ln() as f32,
            },
        );
    }
    // By syllable: its characters as given names use them, most likely first (the cost,
    // reading included, alongside the word entry).
    let total: f64 = given_list.iter().map(|g| g.1).sum();
    let mut given: Vec<Vec<(u32, f32)>> = vec![Vec::new(); syllables.list.len()];
    for (text, weight) in given_list {
        let cost = (total / weight).ln() as f32;
        let found = cjk(text).map_or(&[][..], |at| chars[at].as_slice());
        for &(syl, entry, reading_cost) in found {
            given[usize::from(syl)].push((entry, cost + reading_cost));
        }
    }
    let (mut given_at, mut given_entries, mut given_costs) = (vec![0u32], Vec::new(), Vec::new());
    for list in &mut given {
        list.sort_by(|a, b| a.1.total_cmp(&b.1));
        for &(entry, cost) in list.iter() {
            given_entries.push(entry);
            given_costs.push(cost.to_bits());
        }
        given_at.push(given_entries.len() as u32);
    }
    words.sort();
    surnames.sort();
    words.write(&out, "words");
    surnames.write(&out, "surnames");
    let write = |name: &str, bytes: Vec<u8>| {
        std::fs::write(out.join(name), bytes).expect("write a table");
    };
    write("given.at", le32(&given_at));
    write("given.entries", le32(&given_entries));
    write("given.costs", le32(&given_costs));
    write("syllables", syllables.list.join("\n").into_bytes());
}
