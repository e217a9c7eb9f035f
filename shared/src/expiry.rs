//! Warnings before a certificate expires: one email 30 days before its end of validity, another 7 days before.
//! The Worker's scheduled handler asks [`reminder_due`] for each certificate nearing its end and records the
//! number of reminders sent on the certificate row, in the batch that queues the emails, so a reminder goes out
//! once whatever runs concurrently.

/// Days before the end of validity at which a reminder is sent, earliest first.
pub const REMINDER_DAYS: [i64; 2] = [30, 7];

/// How far ahead the scheduled handler looks: the earliest reminder.
pub const LOOKAHEAD_SECONDS: i64 = REMINDER_DAYS[0] * 86_400;

/// The reminder due now for a certificate valid until `not_after` (Unix seconds) of which `sent` reminders went
/// out: `Some(n)` means send one now and record `n` sent. A reminder whose window has passed unsent (the handler
/// did not run, or the certificate was issued for less than 30 days) is folded into the latest one: one email,
/// never two at once. `None` once expired, or when the latest due reminder went out.
pub fn reminder_due(not_after: i64, now: i64, sent: u8) -> Option<u8> {
    if now > not_after {
        return None;
    }
    let entered = REMINDER_DAYS.iter().filter(|days| now >= not_after - **days * 86_400).count() as u8;
    (entered > sent).then_some(entered)
}

/// Whole days left until `not_after`, rounded up (an email says "in 7 days" on the seventh day before).
pub fn days_left(not_after: i64, now: i64) -> i64 {
    let seconds = (not_after - now).max(0);
    (seconds + 86_399) / 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const END: i64 = 1_900_000_000;

    #[test]
    fn one_reminder_at_thirty_days_then_one_at_seven() {
        assert_eq!(reminder_due(END, END - 31 * DAY, 0), None);
        assert_eq!(reminder_due(END, END - 30 * DAY, 0), Some(1));
        assert_eq!(reminder_due(END, END - 20 * DAY, 1), None, "sent already");
        assert_eq!(reminder_due(END, END - 7 * DAY, 1), Some(2));
        assert_eq!(reminder_due(END, END - DAY, 2), None);
        assert_eq!(reminder_due(END, END + 1, 0), None, "expired: nothing to warn about");
    }

    #[test]
    fn a_missed_window_is_folded_into_the_latest() {
        // A 10-day certificate, or a handler that did not run for weeks: one email at seven days, not two.
        assert_eq!(reminder_due(END, END - 5 * DAY, 0), Some(2));
    }

    #[test]
    fn days_left_rounds_up() {
        assert_eq!(days_left(END, END - 7 * DAY), 7);
        assert_eq!(days_left(END, END - 7 * DAY + 1), 7);
        assert_eq!(days_left(END, END - 6 * DAY - 1), 7);
        assert_eq!(days_left(END, END), 0);
    }
}
