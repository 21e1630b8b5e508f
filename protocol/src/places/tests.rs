use super::*;
use crate::content::ContentBody;

fn venue() -> Offering {
    serde_json::from_value(serde_json::json!({
        "title": "职工活动室", "category": "venue", "place": "二楼活动室",
        "schedule": {
            "type": "timetable", "from": "2026-12-01", "until": "2026-12-31",
            "week": [
                [{"open": "09:00", "close": "10:00"}, {"open": "10:00", "close": "11:00"}],
                [], [], [], [], [], []
            ],
            "capacity": 1, "closed": ["2026-12-14"]
        }
    }))
    .expect("venue")
}

fn course() -> Offering {
    serde_json::from_value(serde_json::json!({
        "title": "班组长培训", "category": "course", "eligibility": "members_only",
        "waitlist": true, "per_person": 1, "closes_at": "2026-12-05T00:00:00Z",
        "schedule": {"type": "sessions", "sessions": [
            {"key": "s1", "starts_at": "2026-12-10T01:00:00Z", "ends_at": "2026-12-10T04:00:00Z",
             "capacity": 30, "place": "总工会三楼"},
            {"key": "s2", "starts_at": "2026-12-03T01:00:00Z", "ends_at": "2026-12-03T04:00:00Z",
             "capacity": 30}
        ]}
    }))
    .expect("course")
}

#[test]
fn a_timetable_has_its_weekly_slots_but_not_on_closed_days() {
    let v = venue();
    // 2026-12-07 and 2026-12-14 are Mondays; the 14th is closed.
    let slot = v.slot("2026-12-07 09:00").expect("a Monday slot");
    assert_eq!(slot.starts_at, "2026-12-07T01:00:00Z".parse().expect("ts"));
    assert_eq!(slot.ends_at, "2026-12-07T02:00:00Z".parse().expect("ts"));
    assert_eq!(slot.place, "二楼活动室");
    assert_eq!(v.slot("2026-12-14 09:00"), None, "a holiday");
    assert_eq!(v.slot("2026-12-08 09:00"), None, "no Tuesday slots");
    assert_eq!(v.slot("2026-12-07 09:30"), None, "not a slot start");
    assert_eq!(v.slot("2027-01-04 09:00"), None, "after the timetable");
    assert_eq!(v.slot("junk"), None);
    let fortnight = v.slots("2026-12-07".parse().expect("date"), 14);
    let keys: Vec<&str> = fortnight.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["2026-12-07 09:00", "2026-12-07 10:00"]);
    assert!(ContentBody::Offering(v).validate().is_ok());
}

#[test]
fn sessions_resolve_in_time_order_and_the_window_closes_at_the_start() {
    let c = course();
    let keys: Vec<String> = c
        .slots("2026-01-01".parse().expect("date"), 0)
        .into_iter()
        .map(|s| s.key)
        .collect();
    assert_eq!(keys, ["s2", "s1"]);
    let s2 = c.slot("s2").expect("s2");
    assert_eq!(s2.place, "", "the offering names no place");
    assert_eq!(c.slot("s1").expect("s1").place, "总工会三楼");
    let at = |s: &str| s.parse::<Timestamp>().expect("ts");
    assert!(c.window_open(&s2, at("2026-12-02T00:00:00Z")));
    assert!(!c.window_open(&s2, at("2026-12-03T01:00:00Z")), "begun");
    let s1 = c.slot("s1").expect("s1");
    assert!(
        !c.window_open(&s1, at("2026-12-06T00:00:00Z")),
        "sign-up closed"
    );
}

#[test]
fn validation_names_each_problem() {
    let mut c = course();
    let Schedule::Sessions { sessions } = &mut c.schedule else {
        panic!("sessions")
    };
    sessions[1].key = "s1".into();
    sessions[0].capacity = 0;
    sessions[0].ends_at = sessions[0].starts_at;
    c.per_person = 0;
    let problems = ContentBody::Offering(c).validate().expect_err("invalid");
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "per_person",
            "schedule.sessions[0].ends_at",
            "schedule.sessions[0].capacity",
            "schedule.sessions[1].key"
        ]
    );
    let left = PlacesLeft {
        offering: ContentId("x".into()),
        as_of: Timestamp::UNIX_EPOCH,
        sessions: BTreeMap::new(),
    };
    assert!(
        ContentBody::PlacesLeft(left).validate().is_err(),
        "only the server writes places left"
    );
}

#[test]
fn a_request_round_trips_through_answers_and_junk_is_refused() {
    let r = BookingRequest {
        session: "s1".into(),
        name: "张三".into(),
        phone: "13912345678".into(),
        member: true,
    };
    assert_eq!(
        BookingRequest::from_answers(&r.to_answers().answers),
        Ok(r.clone())
    );
    assert!(!format!("{r:?}").contains("1391"), "Debug hides the phone");
    let mut bad = r.to_answers().answers;
    bad.insert("phone".into(), "12345".into());
    assert_eq!(
        BookingRequest::from_answers(&bad),
        Err(InvalidRequest::Phone)
    );
    let mut extra = r.to_answers().answers;
    extra.insert("note".into(), "x".into());
    assert_eq!(
        BookingRequest::from_answers(&extra),
        Err(InvalidRequest::Extra)
    );
    let mut chosen = r.to_answers().answers;
    chosen.insert("member".into(), MEMBER_NO.into());
    assert_eq!(
        BookingRequest::from_answers(&chosen).map(|r| r.member),
        Ok(false),
        "the kiosk's choice field"
    );
    let mut no_member = r.to_answers().answers;
    no_member.remove("member");
    assert_eq!(
        BookingRequest::from_answers(&no_member),
        Err(InvalidRequest::Member)
    );
}

#[test]
fn places_left_counts_free_slots_and_closed_sessions() {
    let c = course();
    let s1 = c.slot("s1").expect("s1");
    let s2 = c.slot("s2").expect("s2");
    let mut left = PlacesLeft {
        offering: ContentId("o".into()),
        as_of: Timestamp::UNIX_EPOCH,
        sessions: BTreeMap::new(),
    };
    assert_eq!(left.left(&s1), 30, "no bookings yet");
    left.sessions.insert(
        "s1".into(),
        SessionPlaces {
            capacity: 30,
            taken: 28,
            waiting: 0,
            closed: false,
        },
    );
    left.sessions.insert(
        "s2".into(),
        SessionPlaces {
            capacity: 30,
            taken: 2,
            waiting: 0,
            closed: true,
        },
    );
    assert_eq!(left.left(&s1), 2);
    assert_eq!(left.left(&s2), 0, "closed early");
    assert_eq!(PlacesLeft::id_for(&ContentId("o".into())).0, "o.places");
}
