//! Warnings before a certificate ends, on the day it ends and a week after: [`THRESHOLDS`], nine of them. The
//! Worker's scheduled handler asks [`reminder_due`] for each certificate near its end and records on the
//! certificate row how many thresholds it has passed (its *stage*), in the batch that queues the emails and
//! guarded by the row's version, so a threshold's email goes out once whatever runs concurrently.
//!
//! Rules (the incident report's corrective action "alert before expiry", issue 14):
//! - **Exactly once per certificate and threshold.** The stage only grows, and a batch that read an older stage
//!   writes nothing.
//! - **Missed runs catch up with one email**, for the latest threshold passed, not a burst: the thresholds passed
//!   meanwhile are folded into it (their stages are recorded as passed with it).
//! - **Only thresholds after issuance**: a certificate issued 10 days before its end gets no "14 days" email at
//!   issuance, only the later ones.
//! - **Nothing stale**: no email once [`LATEST_AFTER_END_SECONDS`] have passed since the end (a handler stopped for
//!   weeks does not announce a month-old expiry), and none for a revoked certificate (the sweep skips them).
//! - **Who**: the recipient and the order's notification addresses always; the account's administrators too from
//!   7 days before ([`Threshold::to_administrators`]).

/// Seconds in a day.
const DAY: i64 = 86_400;

/// A moment, relative to a certificate's end of validity, at which a reminder is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    /// This many days before the end.
    Before(i64),
    /// The end itself: the certificate has just stopped working.
    DayOf,
    /// This many days after the end: it is still not replaced.
    After(i64),
}

/// The reminders' thresholds, earliest first: 90, 60, 30, 14, 7, 3 and 1 days before, the day of, 7 days after.
pub const THRESHOLDS: [Threshold; 9] = [
    Threshold::Before(90),
    Threshold::Before(60),
    Threshold::Before(30),
    Threshold::Before(14),
    Threshold::Before(7),
    Threshold::Before(3),
    Threshold::Before(1),
    Threshold::DayOf,
    Threshold::After(7),
];

/// How far ahead of its end the scheduled handler looks at a certificate: the earliest threshold.
pub const LOOKAHEAD_SECONDS: i64 = 90 * DAY;

/// How long after its end a certificate may still get its latest reminder: the last threshold and a week of
/// grace for a handler that did not run.
pub const LATEST_AFTER_END_SECONDS: i64 = 14 * DAY;

impl Threshold {
    /// The instant (Unix seconds) the threshold is reached for a certificate ending at `not_after`.
    pub fn at(self, not_after: i64) -> i64 {
        match self {
            Self::Before(days) => not_after - days * DAY,
            Self::DayOf => not_after,
            Self::After(days) => not_after + days * DAY,
        }
    }

    /// Whether the account's administrators get this reminder too (from 7 days before the end).
    pub fn to_administrators(self) -> bool {
        !matches!(self, Self::Before(days) if days > 7)
    }

    /// Its stable name in audit records: `90_days_before`, `day_of`, `7_days_after`.
    pub fn code(self) -> String {
        match self {
            Self::Before(days) => format!("{days}_days_before"),
            Self::DayOf => "day_of".to_owned(),
            Self::After(days) => format!("{days}_days_after"),
        }
    }
}

/// A reminder to send now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The stage to record with it: the number of [`THRESHOLDS`] passed (1 to 9).
    pub stage: u8,
    /// The threshold the email is about (the latest passed).
    pub threshold: Threshold,
}

/// The reminder due at `now` for a certificate valid from `not_before` until `not_after` (Unix seconds) whose
/// recorded stage is `stage` (thresholds passed when its last reminder went out; 0 for none). `None` when no
/// threshold was passed since, when the latest one passed came before issuance, or once the certificate ended
/// more than [`LATEST_AFTER_END_SECONDS`] ago.
pub fn reminder_due(not_before: i64, not_after: i64, now: i64, stage: u8) -> Option<Due> {
    if now > not_after + LATEST_AFTER_END_SECONDS {
        return None;
    }
    let passed = THRESHOLDS.iter().take_while(|threshold| threshold.at(not_after) <= now).count();
    let threshold = *THRESHOLDS.get(passed.checked_sub(1)?)?;
    let stage_now = u8::try_from(passed).ok()?;
    (stage_now > stage && threshold.at(not_after) > not_before).then_some(Due { stage: stage_now, threshold })
}

/// Whole days left until `not_after`, rounded up (an email says "in 7 days" on the seventh day before).
pub fn days_left(not_after: i64, now: i64) -> i64 {
    let seconds = (not_after - now).max(0);
    (seconds + DAY - 1) / DAY
}

#[cfg(test)]
mod tests;
