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

#[tokio::test]
async fn a_receipt_is_checked_and_offline_is_explained() {
    let mut h = Harness::demo().await;
    let (form, _) = h
        .core
        .forms()
        .await
        .expect("forms")
        .into_iter()
        .find(|(_, f)| f.title == "入会申请")
        .expect("the membership form");
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
    // Letters and digits of the code: switch to the digit layout for digits.
    for c in saved.receipt.chars().filter(|c| *c != '-') {
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
    h.tap(zh().key_done).await; // on to the phone digits (a digit pad)
    keys(&mut h, "2468").await;
    h.tap(zh().key_done).await; // and check
    assert!(h.shows("已收到"), "the status, in words");
    assert!(h.shows(zh().check_no_reply));

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
    h.draw();
}
