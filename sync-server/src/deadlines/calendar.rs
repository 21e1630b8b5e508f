//! The working-day calendar: China's official holidays and adjusted working days (调休) from a
//! data file (`assets/holidays/cn.txt`, built in; `[deadlines] holidays_file` replaces it with a
//! copy staff keep up to date), plus each org's own closing days (`closing_days`, set in the
//! console). Every date here is a date in China (Asia/Shanghai, UTC+8, no daylight saving since
//! 1991), whatever the server's own time zone.
//!
//! No maintained Rust crate carries the State Council's schedule (the one on crates.io in 2026
//! held one published year and guessed the next), so the schedule is data the union can update
//! the day the notice comes out, without a new build.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};

/// The official calendar as the file gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Days off that would otherwise be working days (holidays), and holidays on weekends.
    off: BTreeSet<Date>,
    /// Weekend days that are working days (调休上班).
    work: BTreeSet<Date>,
    /// The years the file names at all.
    years: BTreeSet<i16>,
}

/// The built-in calendar file.
pub const BUILT_IN: &str = include_str!("../../../assets/holidays/cn.txt");

/// A line of the calendar file that cannot be read: its number (from 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub problem: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// The longest range one line may name (a long holiday is nine days).
const LONGEST_RANGE_DAYS: i32 = 31;

impl Calendar {
    /// Reads a calendar file (format in `assets/holidays/cn.txt`).
    pub fn parse(text: &str) -> Result<Calendar, BadLine> {
        let mut cal = Calendar::default();
        for (n, raw) in text.lines().enumerate() {
            let bad = |problem: String| BadLine {
                line: n + 1,
                problem,
            };
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let days = words.next().unwrap_or("");
            let kind = words.next().unwrap_or("");
            let (first, last) = match days.split_once("..") {
                Some((a, b)) => (a, b),
                None => (days, days),
            };
            let parse = |s: &str| {
                s.parse::<Date>()
                    .map_err(|_| bad(format!("'{s}' is not a date (YYYY-MM-DD)")))
            };
            let (first, last) = (parse(first)?, parse(last)?);
            let span = (last - first).get_days();
            if !(0..=LONGEST_RANGE_DAYS).contains(&span) {
                return Err(bad(format!(
                    "'{days}' is not a range of at most {LONGEST_RANGE_DAYS} days, first to last"
                )));
            }
            let set = match kind {
                "off" | "休" => &mut cal.off,
                "work" | "班" => &mut cal.work,
                other => return Err(bad(format!("'{other}' is neither 'off' nor 'work'"))),
            };
            let mut day = first;
            loop {
                set.insert(day);
                cal.years.insert(day.year());
                if day >= last {
                    break;
                }
                day = day.tomorrow().map_err(|e| bad(e.to_string()))?;
            }
        }
        if let Some(both) = cal.off.intersection(&cal.work).next() {
            return Err(BadLine {
                line: 0,
                problem: format!("{both} is listed both 'off' and 'work'"),
            });
        }
        Ok(cal)
    }

    /// The built-in calendar.
    pub fn built_in() -> Calendar {
        Calendar::parse(BUILT_IN).expect("the built-in calendar file is checked by a test")
    }

    /// Whether the file names any day of `year` (a year it does not name is counted with plain
    /// weekends).
    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    /// The last year the file names.
    pub fn last_year(&self) -> Option<i16> {
        self.years.last().copied()
    }

    /// Whether `day` is a working day, given the closing days of the case's org and those above.
    pub fn is_working_day(&self, day: Date, closing: &BTreeSet<Date>) -> bool {
        if closing.contains(&day) || self.off.contains(&day) {
            return false;
        }
        self.work.contains(&day) || !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The `n`th working day after `from` (`from` itself not counted): a case received on a
    /// Monday with three working days is due by the end of Thursday.
    pub fn add_working_days(&self, from: Date, n: u32, closing: &BTreeSet<Date>) -> Date {
        let mut day = from;
        let mut left = n;
        // A year holds far more than 720 working days' worth of searching; the bound only
        // keeps a calendar with every day closed from looping forever.
        for _ in 0..(n as usize * 7 + 400) {
            if left == 0 {
                break;
            }
            day = match day.tomorrow() {
                Ok(next) => next,
                Err(_) => return day,
            };
            if self.is_working_day(day, closing) {
                left -= 1;
            }
        }
        day
    }
}
