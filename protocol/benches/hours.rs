//! What opening hours cost a kiosk each second: the app asks `is_open` on every tick, and
//! `next_opening` on every tick while it is outside its hours. Typical hours (a lunch break, a
//! holiday week, a working Saturday) and the most a set may hold (400 holidays and 400 special
//! days). Run with `cargo bench -p protocol --bench hours`; figures go in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use protocol::content::OpeningHours;
use protocol::content::hours::{MAX_DATES, SpecialDay, TimeRange, china_time};

fn range(open: &str, close: &str) -> TimeRange {
    TimeRange {
        open: open.parse().expect("open"),
        close: close.parse().expect("close"),
    }
}

fn week() -> Vec<Vec<TimeRange>> {
    let mut week = vec![vec![range("09:00", "12:00"), range("13:30", "17:30")]; 5];
    week.extend([Vec::new(), Vec::new()]);
    week
}

fn typical() -> OpeningHours {
    let holiday: Vec<Date> = (1..=7).map(|d| date(2027, 10, d)).collect();
    OpeningHours {
        week: week(),
        closed_dates: holiday,
        special_days: vec![SpecialDay {
            date: date(2027, 10, 9),
            hours: vec![range("09:00", "17:00")],
        }],
    }
}

/// Every weekday for over a year a holiday, then special days: the longest search there is.
fn largest() -> OpeningHours {
    let mut d = date(2027, 9, 30);
    let mut closed = Vec::new();
    while closed.len() < MAX_DATES {
        d = d.tomorrow().expect("a date");
        closed.push(d);
    }
    let special = (0..MAX_DATES)
        .map(|_| {
            d = d.tomorrow().expect("a date");
            SpecialDay {
                date: d,
                hours: vec![range("10:00", "15:00")],
            }
        })
        .collect();
    OpeningHours {
        week: week(),
        closed_dates: closed,
        special_days: special,
    }
}

fn bench(c: &mut Criterion) {
    let now: jiff::Timestamp = "2027-09-30T10:00:00Z".parse().expect("a time");
    for (name, hours) in [("typical", typical()), ("largest", largest())] {
        c.bench_function(&format!("is_open/{name}"), |b| {
            b.iter(|| black_box(&hours).is_open(china_time(black_box(now))))
        });
        c.bench_function(&format!("next_opening/{name}"), |b| {
            b.iter(|| black_box(&hours).next_opening(china_time(black_box(now))))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
