//! The pinyin input's evaluation: every case of `kiosk/data/ime-eval.tsv` typed letter by letter
//! as an employee would, then the whole letters looked up. Reports top-1 and top-5 hit rates
//! (by kind, and for phrases' initials), the time each keystroke's candidates take (p50, p99,
//! max) and the time to load the engine. Figures in BENCHMARKS.md; run in release:
//!
//!     cargo run -p kiosk --release --example ime_eval
//!     cargo run -p kiosk --release --example ime_eval -- --show zhangwei --name [--given]
//!
//! `--misses` lists the cases not found first, `--slowest` the ten slowest keystrokes.

use std::time::{Duration, Instant};

use kiosk::ime::{Hints, Ime};

const EVAL: &str = include_str!("../data/ime-eval.tsv");
/// The union word list: phrases of the set it lists whole are also counted apart.
const UNION: &str = include_str!("../data/ime-union.txt");

#[derive(Default)]
struct Tally {
    cases: usize,
    top1: usize,
    top5: usize,
}

impl Tally {
    fn add(&mut self, rank: Option<usize>) {
        self.cases += 1;
        self.top1 += usize::from(rank == Some(0));
        self.top5 += usize::from(rank.is_some_and(|r| r < 5));
    }

    fn line(&self, what: &str) -> String {
        let pct = |n: usize| 100.0 * n as f64 / self.cases.max(1) as f64;
        format!(
            "{what:<22} {:>4} cases  top-1 {:5.1} %  top-5 {:5.1} %",
            self.cases,
            pct(self.top1),
            pct(self.top5)
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let before = resident_kib();
    let start = Instant::now();
    let ime = Ime::new();
    let load = start.elapsed();
    let grown = resident_kib()
        .zip(before)
        .map(|(after, before)| after - before);
    if let Some(at) = args.iter().position(|a| a == "--show") {
        let letters = args.get(at + 1).expect("--show takes letters");
        let hints = Hints {
            name: args.iter().any(|a| a == "--name"),
            surname_typed: args.iter().any(|a| a == "--given"),
            learned: &[],
        };
        for (i, c) in ime.candidates(letters, &hints).iter().take(30).enumerate() {
            println!("{i:>2} {} ({})", c.text, c.consumed);
        }
        return;
    }
    let misses = args.iter().any(|a| a == "--misses");
    let kinds = ["name", "phrase", "word"];
    let mut by_kind: Vec<Tally> = kinds.iter().map(|_| Tally::default()).collect();
    let mut all = Tally::default();
    let mut initials = Tally::default();
    let union: Vec<&str> = UNION
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect();
    let mut listed = Tally::default();
    let mut unlisted = Tally::default();
    let mut keystrokes: Vec<(Duration, String)> = Vec::new();
    for line in EVAL
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [kind, text, reading, abbrev] = cols[..] else {
            panic!("a case is kind, text, pinyin, initials: {line}");
        };
        let k = kinds.iter().position(|x| *x == kind).expect("a known kind");
        let hints = Hints {
            name: kind == "name",
            surname_typed: false,
            learned: &[],
        };
        let letters = reading.replace('\'', "");
        let rank = |letters: &str, keystrokes: &mut Vec<(Duration, String)>| {
            // Each keystroke asks for the candidates of the letters so far.
            let mut found = Vec::new();
            for end in 1..=letters.len() {
                let t = Instant::now();
                found = ime.candidates(&letters[..end], &hints);
                keystrokes.push((t.elapsed(), letters[..end].to_owned()));
            }
            found.iter().position(|c| c.text == text)
        };
        let r = rank(&letters, &mut keystrokes);
        by_kind[k].add(r);
        all.add(r);
        if kind == "phrase" {
            if union.contains(&text) {
                listed.add(r);
            } else {
                unlisted.add(r);
            }
        }
        if misses && r != Some(0) {
            println!("miss {kind} {text} {letters}: rank {r:?}");
        }
        if !abbrev.is_empty() {
            let r = rank(abbrev, &mut keystrokes);
            initials.add(r);
            if misses && r != Some(0) {
                println!("miss initials {text} {abbrev}: rank {r:?}");
            }
        }
    }
    keystrokes.sort();
    let at = |q: f64| keystrokes[((keystrokes.len() - 1) as f64 * q) as usize].0;
    println!("IME load {:.1} ms", load.as_secs_f64() * 1000.0);
    if let Some(kib) = grown {
        println!(
            "resident memory grew by {:.1} MiB while loading",
            kib as f64 / 1024.0
        );
    }
    for (kind, tally) in kinds.iter().zip(&by_kind) {
        println!("{}", tally.line(&format!("{kind}s, full pinyin")));
    }
    println!("{}", all.line("all, full pinyin"));
    println!("{}", listed.line("  phrases in union list"));
    println!("{}", unlisted.line("  phrases not in it"));
    println!("{}", initials.line("phrases by initials"));
    println!(
        "per keystroke ({} keystrokes): p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        keystrokes.len(),
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        keystrokes.last().expect("keystrokes").0.as_secs_f64() * 1000.0
    );
    if args.iter().any(|a| a == "--slowest") {
        for (took, letters) in keystrokes.iter().rev().take(10) {
            println!("{:8.3} ms  {letters}", took.as_secs_f64() * 1000.0);
        }
    }
}

/// The process's resident memory in KiB (Linux), to see what loading the tables costs.
fn resident_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
