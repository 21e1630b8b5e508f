//! Every string the screens show, one catalogue per language (`zh`, `en`). A catalogue is a value
//! of [`Strings`], so a string missing from either is a compile error, not a blank on the glass.
//! Strings with `{}` take arguments through [`fill`].

use protocol::content::{LibraryKind, NewsCategory};

mod en;
mod zh;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Zh => &zh::STRINGS,
            Lang::En => &en::STRINGS,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The form and content language code (`zh` / `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

macro_rules! catalogue {
    ($($key:ident),* $(,)?) => {
        /// The text of every screen in one language.
        #[derive(Debug)]
        pub struct Strings {
            $(pub $key: &'static str,)*
        }

        impl Strings {
            /// Every (key, text) pair, for the tests that check nothing is blank or broken.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($key), self.$key)),*]
            }
        }
    };
}

catalogue! {
    app_name, back, home, switch_language, larger_text, normal_text, loading, load_failed,
    status_online, status_syncing, status_offline_since, status_offline, status_last_synced,
    status_never_synced, status_refused, status_paused, status_not_enrolled, status_outbox,
    home_welcome, home_hint,
    news_title, news_empty, news_pinned, news_published, news_scan, news_text_size,
    cat_policy, cat_union_news, cat_activities, cat_training, cat_women_workers, cat_awards,
    cat_democratic_management,
    library_title, library_all, library_lists, library_count, library_search, library_search_hint,
    library_results, library_no_results, library_author, library_publisher, library_year,
    library_isbn, library_location, library_call_number, library_read_online, library_no_description,
    kind_book, kind_periodical, kind_newspaper, list_items,
    attract_touch,
    admin_title, admin_pin_prompt, admin_pin_wrong, admin_pin_locked, admin_pin_unset, admin_sync_now,
    admin_sync_started, admin_sync_done, admin_sync_failed, admin_outbox, admin_refused, admin_version,
    admin_kiosk_id, admin_org, admin_last_sync, admin_offline_since, admin_exit, admin_close,
    admin_items, admin_enter, admin_disk, admin_disk_full,
    key_space, key_backspace, key_clear, key_done, key_letters, key_digits, key_more, key_prev,
    tile_status_check, tile_unavailable,
    weekday_mon, weekday_tue, weekday_wed, weekday_thu, weekday_fri, weekday_sat, weekday_sun,
    date_format,
    form_tap_to_type, form_check, form_errors, form_review_title, form_edit, form_submit, form_sending, form_failed, form_disk_full, form_empty, form_consent, form_yes, form_no, receipt_title, receipt_code, receipt_sent, receipt_saved, receipt_scan, receipt_done,
    check_title, check_receipt, check_phone, check_go, check_busy, check_not_found, check_mistyped, check_too_many, check_offline, check_status, check_reply, check_no_reply, check_submitted,
    check_expected, check_expected_date,
    booking_session, booking_position, booking_cancel,
    tile_places, places_title, places_hint, places_empty, places_as_of, places_left, places_one_left,
    places_full_waitlist, places_full, places_closed, places_not_open, places_members_only,
    places_free_times, places_see_times, places_week_hint, places_prev_week, places_next_week,
    places_day_closed,
    prov_title, prov_scan, prov_type, prov_entered, prov_nothing_yet, prov_server_in_string,
    prov_after, prov_enroll, prov_show_keyboard, prov_hide_keyboard, prov_network, prov_net_down,
    prov_server_checking, prov_server_ok, prov_server_silent, prov_server_wrong_key,
    prov_enrolling, prov_enrolled, prov_content, prov_content_pages, prov_images,
    prov_key_lower, prov_key_upper, prov_key_symbols, prov_fail_not_enrollment,
    prov_fail_incomplete, prov_fail_wrong_key, prov_fail_used, prov_fail_expired,
    prov_fail_unknown, prov_fail_network_down, prov_fail_server_silent, prov_fail_clock_ahead,
    prov_fail_clock_behind, prov_fail_busy, prov_fail_other, prov_minutes, prov_hours, prov_days,
    closed_title, closed_opens_today, closed_opens_tomorrow, closed_opens_on, closed_touch,
    tile_branch, branch_title, branch_empty, branch_hours, branch_always_open, branch_closed_day,
    branch_facilities, branch_contacts, branch_photos, branch_phone, branch_scan,
    tile_competitions, competition_title, competition_empty, competition_period,
    competition_ended, competition_metric, competition_lower_better, competition_standings,
    competition_own, competition_no_score, competition_chart, competition_history,
    tile_quiz, quiz_title, quiz_empty, quiz_rules, quiz_start, quiz_ranking, quiz_ranking_empty,
    quiz_points, quiz_took, quiz_progress, quiz_time_left, quiz_single, quiz_multiple, quiz_confirm,
    quiz_time_up, quiz_score, quiz_your_answer, quiz_right_answer, quiz_unanswered, quiz_right,
    quiz_wrong, quiz_enter, quiz_again, quiz_done, quiz_entry_label, quiz_not_open,
    proposal_title, proposal_empty, proposal_none, proposal_all, proposal_pending,
    proposal_accepted, proposal_declined, proposal_done, proposal_min_cosigners, proposal_closes,
    proposal_write, proposal_closed, proposal_pending_line, proposal_back, proposal_by,
    proposal_cosigned, proposal_reasons, proposal_measures, proposal_department, proposal_reason,
    proposal_reply,
    tile_polls, polls_title, polls_empty, polls_vote, polls_closes, polls_closed, polls_anonymous,
    polls_named, polls_results, polls_hint, vote_counted,
}

impl Strings {
    pub fn category(&self, c: NewsCategory) -> &'static str {
        match c {
            NewsCategory::Policy => self.cat_policy,
            NewsCategory::UnionNews => self.cat_union_news,
            NewsCategory::Activities => self.cat_activities,
            NewsCategory::Training => self.cat_training,
            NewsCategory::WomenWorkers => self.cat_women_workers,
            NewsCategory::Awards => self.cat_awards,
            NewsCategory::DemocraticManagement => self.cat_democratic_management,
        }
    }

    pub fn kind(&self, k: LibraryKind) -> &'static str {
        match k {
            LibraryKind::Book => self.kind_book,
            LibraryKind::Periodical => self.kind_periodical,
            LibraryKind::Newspaper => self.kind_newspaper,
        }
    }

    pub fn weekday(&self, w: jiff::civil::Weekday) -> &'static str {
        use jiff::civil::Weekday::*;
        match w {
            Monday => self.weekday_mon,
            Tuesday => self.weekday_tue,
            Wednesday => self.weekday_wed,
            Thursday => self.weekday_thu,
            Friday => self.weekday_fri,
            Saturday => self.weekday_sat,
            Sunday => self.weekday_sun,
        }
    }
}

/// Puts `args` into the `{}` holes of `template`, in order.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        if let Some(arg) = args.next() {
            out.push_str(&arg.to_string());
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_are_complete_and_match_in_holes() {
        let zh = Lang::Zh.strings().entries();
        let en = Lang::En.strings().entries();
        assert_eq!(zh.len(), en.len());
        for ((key, z), (_, e)) in zh.iter().zip(&en) {
            assert!(!z.trim().is_empty(), "zh {key} is blank");
            assert!(!e.trim().is_empty(), "en {key} is blank");
            assert_eq!(
                z.matches("{}").count(),
                e.matches("{}").count(),
                "{key}: the languages take different arguments"
            );
        }
    }

    #[test]
    fn chinese_strings_are_chinese() {
        // Keys whose Chinese text is allowed to be Latin (a format, or a code shown as is).
        let latin = [
            "date_format",
            "library_isbn",
            "key_letters",
            "key_digits",
            "switch_language",
        ];
        for (key, text) in Lang::Zh.strings().entries() {
            if latin.contains(&key) {
                continue;
            }
            assert!(
                text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "zh {key} has no Chinese: {text}"
            );
        }
    }

    #[test]
    fn fill_puts_arguments_in_order_and_ignores_missing_ones() {
        assert_eq!(
            fill("共 {} 种，第 {} 页", &[&12, &"三"]),
            "共 12 种，第 三 页"
        );
        assert_eq!(fill("{} and {}", &[&1]), "1 and ");
        assert_eq!(fill("none", &[]), "none");
    }
}
