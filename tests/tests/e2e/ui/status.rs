//! 办理进度 on the glass: typing the receipt code and phone digits with the on-screen keyboard,
//! the answer from the server, and the calm sentence when the network is gone.

use kiosk::ui::i18n::Lang;

use super::harness::Harness;

fn zh() -> &'static kiosk::ui::i18n::Strings {
    Lang::Zh.strings()
}

async fn keys(h: &mut Harness, typed: &str) {
    for c in typed.chars() {
        if c == '-' {
            continue;
        }
        h.tap(&c.to_string()).await;
    }
}

/// Letters and digits of a receipt code: switch to the digit layout for digits.
async fn type_code(h: &mut Harness, code: &str) {
    for c in code.chars().filter(|c| *c != '-') {
        let label = c.to_string();
        if !h.shows(&label) {
            h.tap(if c.is_ascii_digit() {
                zh().key_digits
            } else {
                zh().key_letters
            })
            .await;
        }
        h.tap(&label).await;
    }
}

#[tokio::test]
async fn a_receipt_is_checked_and_offline_is_explained() {
    let mut h = Harness::demo().await;
    let (form, _) = tests::membership_form(&h.core).await;
    let saved = h
        .core
        .submit(
            form.id.clone(),
            form.version,
            protocol::submission::FormAnswers {
                answers: tests::membership_answers("赵敏", "13700002468"),
            },
        )
        .await
        .expect("saved");
    assert_eq!(h.core.sync_now().await.expect("sent").delivered, 1);

    h.tap("办理进度").await;
    assert!(h.shows(zh().check_receipt) && h.shows(zh().check_phone));
    type_code(&mut h, &saved.receipt).await;
    h.tap(zh().key_done).await; // on to the phone digits (a digit pad)
    assert!(
        h.shows(&saved.receipt),
        "the code is shown grouped as on the slip"
    );
    keys(&mut h, "2468").await;
    h.tap(zh().key_done).await; // and check
    // Received, with the day the answer is due: the membership form's deadline is the default,
    // three working days (the demo has no closing days).
    let due = sync_server::deadlines::Calendar::built_in().add_working_days(
        sync_server::deadlines::china_date(sync_server::db::now_ms()),
        3,
        &Default::default(),
    );
    let sentence = format!("受理中，预计 {}月{}日 前答复", due.month(), due.day());
    assert!(h.shows(&sentence), "the status, in words: {sentence}");
    assert!(h.shows(zh().check_no_reply));

    // A booking (limited places): where it stands, and cancelling it here.
    let course = h
        .core
        .offerings()
        .await
        .expect("offerings")
        .into_iter()
        .find(|l| l.offering.waitlist)
        .expect("the demo course");
    let request = protocol::places::BookingRequest {
        session: "第一期".to_owned(),
        name: "周芷若".to_owned(),
        phone: "13700001357".to_owned(),
        member: true,
    };
    let booked = h
        .core
        .submit(
            course.item.id.clone(),
            course.item.version,
            request.to_answers(),
        )
        .await
        .expect("saved");
    assert_eq!(h.core.sync_now().await.expect("sent").delivered, 1);
    h.tap(&saved.receipt).await; // the code field
    h.tap(zh().key_clear).await;
    type_code(&mut h, &booked.receipt).await;
    h.tap(zh().key_done).await;
    h.tap(zh().key_clear).await;
    keys(&mut h, "1357").await;
    h.tap(zh().key_done).await;
    assert!(h.shows("已约上"), "a place");
    assert!(h.shows(&course.offering.title));
    h.draw();
    h.tap(zh().booking_cancel).await;
    assert!(h.shows("已取消"), "cancelled");
    assert!(!h.shows(zh().booking_cancel), "nothing more to cancel");
    h.tap(&booked.receipt).await;
    h.tap(zh().key_clear).await;
    type_code(&mut h, &saved.receipt).await;
    h.tap(zh().key_done).await;

    // Wrong digits (the phone field still has the pad): the same sentence as an unknown code.
    h.tap(zh().key_clear).await;
    keys(&mut h, "1111").await;
    h.tap(zh().check_go).await;
    assert!(h.shows(zh().check_not_found));

    // Without the server, it says it needs the network.
    let server = h.server.take().expect("running");
    let _stopped = server.stop_keeping_data().await;
    h.tap(zh().check_go).await;
    assert!(h.shows(zh().check_offline));

    // One character mistyped: the check character catches it on the kiosk, before any
    // question to the server (which is down, so asking would say "offline").
    let last = saved.receipt.chars().last().expect("a code");
    let wrong = if last == 'A' { 'B' } else { 'A' };
    let mistyped: String = saved.receipt[..saved.receipt.len() - 1].to_owned() + &wrong.to_string();
    h.tap(&saved.receipt).await; // back to the code field
    h.tap(zh().key_clear).await;
    type_code(&mut h, &mistyped).await;
    h.tap(zh().check_go).await;
    assert!(h.shows(zh().check_mistyped));
    assert!(!h.shows(zh().check_offline));
    h.draw();
}
