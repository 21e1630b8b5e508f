//! Filling a form on the glass: pinyin with the candidate bar, the digit pad, choices, problems
//! shown as the employee goes, the review, and the receipt.

use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::screen::Screen;
use protocol::answers::{self, AnswerError};

use super::harness::Harness;

fn zh() -> &'static kiosk::ui::i18n::Strings {
    Lang::Zh.strings()
}

async fn keys(h: &mut Harness, typed: &str) {
    for c in typed.chars() {
        let label = if c.is_ascii_alphabetic() {
            c.to_ascii_uppercase().to_string()
        } else {
            c.to_string()
        };
        h.tap(&label).await;
    }
}

/// Types pinyin and taps the candidate.
async fn pinyin(h: &mut Harness, letters: &str, pick: &str) {
    keys(h, letters).await;
    assert!(h.shows(pick), "{pick} is offered for {letters}");
    h.tap(pick).await;
}

/// The next empty text box.
async fn next_box(h: &mut Harness) {
    h.tap(zh().form_tap_to_type).await;
}

#[tokio::test]
async fn the_membership_form_filled_with_the_on_screen_keyboard() {
    let mut h = Harness::demo().await;
    // Tall enough for the whole form and the keyboard; scrolling is tested elsewhere.
    h.size = iced::Size::new(1920.0, 4200.0);
    h.send(Message::Resized(h.size)).await;
    h.tap("网上入会").await;
    assert!(h.shows("入会申请"));
    // Wait for the pinyin engine, which loads off the UI thread.
    assert!(h.app.has_ime(), "the pinyin engine is loaded");

    next_box(&mut h).await; // 姓名
    pinyin(&mut h, "li", "李").await;
    pinyin(&mut h, "ming", "明").await;
    h.tap(zh().key_done).await;
    h.tap("○ 男").await;

    // A wrong phone number is pointed out when the field is left.
    next_box(&mut h).await; // 身份证号
    keys(&mut h, &tests::valid_id()).await;
    h.tap(zh().key_done).await;
    next_box(&mut h).await; // 手机号码
    keys(&mut h, "12345").await;
    h.tap(zh().key_done).await;
    let wrong = AnswerError::InvalidPhone.message(answers::Lang::Zh);
    assert!(h.shows(&wrong), "the phone's problem is shown under it");
    h.tap("12345").await;
    h.tap(zh().key_clear).await;
    keys(&mut h, "13800001234").await;
    h.tap(zh().key_done).await;
    assert!(!h.shows(&wrong));

    h.tap("○ 临江市城东支行").await;
    next_box(&mut h).await; // 部门或网点
    pinyin(&mut h, "yingye", "营业").await;
    pinyin(&mut h, "bu", "部").await;
    h.tap(zh().key_done).await;
    h.tap("○ 合同制员工").await;
    next_box(&mut h).await; // 入行日期
    keys(&mut h, "20150701").await;
    h.tap(zh().key_done).await;
    assert!(h.shows("2015-07-01"), "the date got its dashes");

    // The conditional field appears only for "yes".
    assert!(!h.shows("原工会组织名称"));
    h.tap("○ 是，需要转接会籍").await;
    assert!(h.shows("原工会组织名称"));
    h.tap("○ 否，首次入会").await;
    assert!(!h.shows("原工会组织名称"));

    // Consent is required: checking first shows what is missing.
    h.tap(zh().form_check).await;
    assert!(h.shows(&AnswerError::ConsentRequired.message(answers::Lang::Zh)));
    h.tap(&format!("☐ {}", zh().form_consent)).await;
    h.tap(zh().form_check).await;

    assert!(h.shows(zh().form_review_title));
    assert!(h.shows("李明") && h.shows("营业部") && h.shows("13800001234"));
    h.tap(zh().form_submit).await;
    assert!(h.shows(zh().receipt_title));
    let receipt = match h.app.screens().last() {
        Some(Screen::Form(form)) => form.receipt().map(str::to_owned),
        _ => None,
    }
    .expect("the receipt is on screen");
    assert!(h.shows(&receipt), "the code is shown large");
    assert_eq!(h.core.status().await.expect("status").outbox_depth, 1);
    h.draw();
    h.tap(zh().receipt_done).await;
    assert!(h.shows(zh().home_welcome));

    // Counted (issue 19, part 5) once the kiosk is left alone: the form started and sent under
    // its id, and nothing that was typed into it.
    for _ in 0..30 {
        h.send(Message::Tick(jiff::Timestamp::now())).await;
    }
    let usage = h.core.usage_to_send().await.expect("read").expect("counts");
    let form_id = |kind: &str| -> Vec<String> {
        usage
            .counts
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| format!("{}×{}", c.key, c.n))
            .collect()
    };
    let started = form_id(protocol::usage::kind::FORM_STARTED);
    assert_eq!(started.len(), 1, "{usage:?}");
    assert!(started[0].ends_with("×1"), "{started:?}");
    assert_eq!(form_id(protocol::usage::kind::FORM_SUBMITTED), started);
    let all = format!("{usage:?}");
    for typed in ["李明", "13800001234", "营业部", "2015-07-01"] {
        assert!(!all.contains(typed), "{typed} in {all}");
    }
}

#[tokio::test]
async fn going_idle_wipes_a_half_filled_form() {
    let mut h = Harness::demo().await;
    h.tap("网上入会").await;
    h.tap(zh().form_tap_to_type).await;
    pinyin(&mut h, "li", "李").await;
    assert!(h.shows("李▏"), "typed into the name");
    for _ in 0..30 {
        h.send(Message::Tick(jiff::Timestamp::now())).await;
    }
    assert!(h.app.screens().is_empty(), "home, and the form is gone");
    h.tap("网上入会").await;
    assert!(
        h.shows(zh().form_tap_to_type) && !h.shows("李"),
        "a fresh form"
    );
}

#[tokio::test]
async fn a_name_field_offers_whole_names_and_given_names_after_the_surname() {
    let mut h = Harness::demo().await;
    h.tap("网上入会").await;
    assert!(h.app.has_ime(), "the pinyin engine is loaded");
    next_box(&mut h).await; // 姓名, marked as a person's name in the demo form
    pinyin(&mut h, "zhangwei", "张伟").await;
    assert!(h.shows("张伟▏"), "the whole name in one tap");
    h.tap(zh().key_clear).await;
    // The surname alone, then the given name: wei now offers given-name characters (伟).
    pinyin(&mut h, "zhang", "张").await;
    keys(&mut h, "wei").await;
    h.tap("伟").await;
    assert!(h.shows("张伟▏"));
}
