use std::collections::BTreeSet;

use jiff::civil::{Date, date};

use super::{Allowance, Calendar, china_date, china_midnight, due_date};

fn ms(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>()
        .expect("a timestamp")
        .as_millisecond()
}

fn none() -> BTreeSet<Date> {
    BTreeSet::new()
}

#[test]
fn the_built_in_calendar_reads_and_knows_the_2026_schedule() {
    let cal = Calendar::built_in();
    assert!(cal.covers(2025) && cal.covers(2026));
    assert_eq!(cal.last_year(), Some(2026));
    // National Day: off Thursday 1 to Wednesday 7 October; Sunday 20 September and Saturday
    // 10 October are working days (调休).
    assert!(!cal.is_working_day(date(2026, 10, 1), &none()));
    assert!(!cal.is_working_day(date(2026, 10, 7), &none()));
    assert!(cal.is_working_day(date(2026, 10, 8), &none()));
    assert!(
        cal.is_working_day(date(2026, 9, 20), &none()),
        "a Sunday worked"
    );
    assert!(
        cal.is_working_day(date(2026, 10, 10), &none()),
        "a Saturday worked"
    );
    assert!(
        !cal.is_working_day(date(2026, 10, 11), &none()),
        "a plain Sunday"
    );
    assert!(cal.is_working_day(date(2026, 12, 1), &none()));
}

#[test]
fn working_days_skip_a_holiday_and_count_an_adjusted_weekend() {
    let cal = Calendar::built_in();
    // Received Wednesday 30 September 2026 with three working days: 1-7 October are off, so
    // the first is Thursday 8, the second Friday 9, the third Saturday 10 (调休, worked).
    assert_eq!(
        cal.add_working_days(date(2026, 9, 30), 3, &none()),
        date(2026, 10, 10)
    );
    // Received Friday 18 September with one: Saturday 19 is off, Sunday 20 is worked.
    assert_eq!(
        cal.add_working_days(date(2026, 9, 18), 1, &none()),
        date(2026, 9, 20)
    );
    // An ordinary week: Monday 30 November 2026 plus three is Thursday 3 December.
    assert_eq!(
        cal.add_working_days(date(2026, 11, 30), 3, &none()),
        date(2026, 12, 3)
    );
    // Over a weekend: Friday 4 December plus one is Monday 7.
    assert_eq!(
        cal.add_working_days(date(2026, 12, 4), 1, &none()),
        date(2026, 12, 7)
    );
    // An org's own closing day counts as a day off.
    let closing: BTreeSet<Date> = [date(2026, 12, 1)].into();
    assert_eq!(
        cal.add_working_days(date(2026, 11, 30), 3, &closing),
        date(2026, 12, 4)
    );
}

#[test]
fn due_times_are_counted_in_china_time() {
    let cal = Calendar::built_in();
    // 23:30 UTC on 29 November is 07:30 on Monday 30 November in China: three working days
    // are due by the end of Thursday 3 December, China time (16:00 UTC).
    let received = ms("2026-11-29T23:30:00Z");
    assert_eq!(china_date(received), date(2026, 11, 30));
    let due = Allowance::WorkingDays(3).due(&cal, received, &none());
    assert_eq!(due, ms("2026-12-03T16:00:00Z"));
    assert_eq!(due_date(due), date(2026, 12, 3));
    assert_eq!(china_midnight(date(2026, 12, 4)), due);
    // Twenty-four hours are clock hours, holidays or not.
    let holiday = ms("2026-10-01T02:00:00Z");
    assert_eq!(
        Allowance::Hours(24).due(&cal, holiday, &none()),
        ms("2026-10-02T02:00:00Z")
    );
}

#[test]
fn an_escalation_s_working_days_begin_with_the_day_it_starts() {
    let cal = Calendar::built_in();
    let three = Allowance::WorkingDays(3);
    // Received Monday 30 November 2026 at 10:00: Tuesday, Wednesday, Thursday; due as Friday
    // 4 December begins.
    let first = three.due(&cal, ms("2026-11-30T02:00:00Z"), &none());
    assert_eq!(first, china_midnight(date(2026, 12, 4)));
    // Escalated then, the next org has Friday, Monday and Tuesday: due as Wednesday 9 begins
    // (not Thursday 10, a fourth day).
    assert_eq!(
        three.due(&cal, first, &none()),
        china_midnight(date(2026, 12, 9))
    );
}

#[test]
fn allowances_are_bounded_and_labelled() {
    assert_eq!(Allowance::of("hours", 24), Some(Allowance::Hours(24)));
    assert_eq!(
        Allowance::of("working_days", 3),
        Some(Allowance::WorkingDays(3))
    );
    assert_eq!(Allowance::of("hours", 0), None);
    assert_eq!(Allowance::of("hours", 721), None);
    assert_eq!(Allowance::of("weeks", 1), None);
    assert_eq!(Allowance::WorkingDays(3).label_zh(), "3 个工作日");
    assert_eq!(Allowance::Hours(1).label_en(), "1 hour");
    assert_eq!(Allowance::DEFAULT, Allowance::WorkingDays(3));
}

#[test]
fn a_calendar_file_with_a_mistake_names_its_line() {
    let bad = Calendar::parse("# comment\n2027-01-01 off 元旦\n2027-13-01 off ?\n")
        .expect_err("month 13");
    assert_eq!(bad.line, 3);
    let bad = Calendar::parse("2027-02-01 holiday\n").expect_err("unknown word");
    assert!(bad.problem.contains("holiday"), "{bad}");
    let bad = Calendar::parse("2027-02-10..2027-02-01 off\n").expect_err("backwards");
    assert_eq!(bad.line, 1);
    assert!(Calendar::parse("2027-02-01 off\n2027-02-01 work\n").is_err());
    let ok = Calendar::parse("2027-02-06..2027-02-08 休 春节\n2027-02-14 班\n").expect("reads");
    assert!(ok.covers(2027));
    assert!(!ok.is_working_day(date(2027, 2, 8), &none()));
    assert!(ok.is_working_day(date(2027, 2, 14), &none()));
}

#[test]
fn the_digest_email_has_counts_and_a_link_and_no_one_s_details() {
    let config = crate::config::MailConfig {
        smtp_host: "smtp.example.cn".into(),
        smtp_port: 465,
        tls: "tls".into(),
        username: None,
        password: Some("secret".into()),
        from: "工会服务平台 <noreply@union.example.cn>".into(),
        send_after_hour: 8,
    };
    assert!(!format!("{config:?}").contains("secret"), "Debug hides it");
    let counts = super::digest::Counts {
        overdue: 2,
        due_today: 1,
        escalated: 1,
        mine: 0,
        new: 5,
    };
    let message = super::mail::message(
        &config,
        "li@branch.example.cn",
        date(2026, 12, 1),
        counts,
        "https://union.example.cn/console/digest",
    )
    .expect("builds");
    let raw = String::from_utf8(message.formatted()).expect("utf-8");
    assert!(raw.contains("To: li@branch.example.cn"), "{raw}");
    let body = decoded_body(&raw);
    assert!(body.contains("已超期：2 件"), "{body}");
    assert!(body.contains("今天到期：1 件"), "{body}");
    assert!(body.contains("新收到（24 小时内）：5 件"), "{body}");
    assert!(
        body.contains("https://union.example.cn/console/digest"),
        "{body}"
    );
    assert!(body.contains("2 overdue, 1 due today"), "{body}");
    assert!(super::mail::valid_address("li@branch.example.cn"));
    assert!(!super::mail::valid_address("not an address"));
}

/// The body of a one-part message, undoing base64 or quoted-printable.
fn decoded_body(raw: &str) -> String {
    use base64::Engine;
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers end");
    if head.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .expect("base64");
        String::from_utf8(bytes).expect("utf-8")
    } else {
        body.to_owned()
    }
}

#[test]
fn e_mail_is_off_by_default() {
    assert!(crate::config::Config::default().deadlines.mail.is_none());
}
