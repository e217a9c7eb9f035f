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
//!   7 days before ([`Threshold::to_administrators`]), unless the account turned those copies off.
//! - **Per account** ([`Settings`]): reminders on or off, which of the nine thresholds go out, and whether
//!   administrators get copies. A threshold the account turned off is still *passed*: its stage is recorded
//!   with no email ([`Due::threshold`] is `None`), so turning it back on never sends an old one, and a row the
//!   sweep reads always moves on.
//!
//! **Escalation, "renewed but not picked up"** ([`escalation_due`], the incident's exact failure): a certificate
//! that was replaced (renewal or reissue) whose replacement nobody picked up (a `pickups` row: the recipient
//! confirmed the saved bundle, or an API key fetched it) by [`ESCALATION_BEFORE_SECONDS`] before the old one
//! ends gets one escalation email, exactly once, settled on the row in the same guarded batch; none once the
//! replacement was picked up. A replacement issued later than that gets [`ESCALATION_GRACE_SECONDS`] first.

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

/// An account's reminder settings (issue 14.5, "configurable per account"); [`Settings::default`] is what an
/// account that never chose gets: everything on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Reminders and escalations at all; off, thresholds pass silently and no escalation goes out.
    pub enabled: bool,
    /// Which of [`THRESHOLDS`] send an email, in the same order.
    pub thresholds: [bool; THRESHOLDS.len()],
    /// Whether the account's administrators get copies (from 7 days before, [`Threshold::to_administrators`]).
    pub administrators: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self { enabled: true, thresholds: [true; THRESHOLDS.len()], administrators: true }
    }
}

impl Settings {
    /// The thresholds as a bit mask (bit `i` for `THRESHOLDS[i]`), as the database stores them.
    pub fn threshold_mask(&self) -> i64 {
        self.thresholds.iter().enumerate().filter(|(_, on)| **on).map(|(index, _)| 1_i64 << index).sum()
    }

    /// The settings stored as `enabled`, a threshold mask (bits above the ninth are ignored) and `administrators`.
    pub fn from_stored(enabled: bool, threshold_mask: i64, administrators: bool) -> Self {
        let mut thresholds = [false; THRESHOLDS.len()];
        for (index, on) in thresholds.iter_mut().enumerate() {
            *on = threshold_mask & (1 << index) != 0;
        }
        Self { enabled, thresholds, administrators }
    }

    /// Whether the administrators get a copy of the reminder of `threshold`.
    pub fn copies_administrators(&self, threshold: Threshold) -> bool {
        self.administrators && threshold.to_administrators()
    }
}

/// A step of a certificate's reminders to record now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The stage to record: the number of [`THRESHOLDS`] passed (1 to 9).
    pub stage: u8,
    /// The threshold the email is about: the latest one passed since the recorded stage that the account sends
    /// and that came after issuance; `None` records the stage with no email.
    pub threshold: Option<Threshold>,
}

/// The reminder step due at `now` for a certificate valid from `not_before` until `not_after` (Unix seconds)
/// whose recorded stage is `stage` (thresholds passed when it was last recorded; 0 for none), under the account's
/// `settings`. `None` when no threshold was passed since, or once the certificate ended more than
/// [`LATEST_AFTER_END_SECONDS`] ago.
pub fn reminder_due(settings: &Settings, not_before: i64, not_after: i64, now: i64, stage: u8) -> Option<Due> {
    if now > not_after + LATEST_AFTER_END_SECONDS {
        return None;
    }
    let passed = THRESHOLDS.iter().take_while(|threshold| threshold.at(not_after) <= now).count();
    let stage_now = u8::try_from(passed).ok()?;
    if stage_now <= stage {
        return None;
    }
    let threshold = (usize::from(stage)..passed)
        .rev()
        .filter(|index| settings.enabled && settings.thresholds[*index])
        .map(|index| THRESHOLDS[index])
        .find(|threshold| threshold.at(not_after) > not_before);
    Some(Due { stage: stage_now, threshold })
}

/// Seconds from a certificate's end at which the sweep finds it due again when its recorded stage is `stage`
/// (the next threshold's instant minus `not_after`); `None` once all nine are passed. The Worker's sweep query
/// selects only rows due, so rows waiting for a later threshold never crowd out the ones due now.
pub fn next_threshold_offset(stage: u8) -> Option<i64> {
    THRESHOLDS.get(usize::from(stage)).map(|threshold| threshold.at(0))
}

/// How long before the old certificate's end its replacement must have been picked up.
pub const ESCALATION_BEFORE_SECONDS: i64 = 7 * DAY;

/// The time a replacement issued after the escalation instant gets before "not picked up" is escalated.
pub const ESCALATION_GRACE_SECONDS: i64 = DAY;

/// What the certificate that replaced another is, as the escalation rule needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replacement {
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
    /// Whether it (or a certificate that replaced it in turn) was picked up.
    pub picked_up: bool,
}

/// How a replaced certificate's escalation is settled on its row; settled once, never again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escalation {
    /// The escalation email goes out now.
    Send,
    /// The replacement was picked up: nothing to escalate, ever.
    PickedUp,
    /// The account turned reminders off when it was due: nothing goes out.
    Off,
}

impl Escalation {
    /// Its stable name, stored on the certificate row (`certificates.escalation`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Send => "sent",
            Self::PickedUp => "picked_up",
            Self::Off => "off",
        }
    }
}

/// The instant the escalation of a certificate ending at `not_after` is due, for a replacement issued at
/// `replacement_issued_at`: [`ESCALATION_BEFORE_SECONDS`] before the end, or [`ESCALATION_GRACE_SECONDS`] after the
/// replacement's issuance if that is later.
pub fn escalation_at(not_after: i64, replacement_issued_at: i64) -> i64 {
    (not_after - ESCALATION_BEFORE_SECONDS).max(replacement_issued_at + ESCALATION_GRACE_SECONDS)
}

/// The escalation to settle at `now` for a certificate ending at `not_after`, replaced by `replacement` (if
/// any), whose escalation is already `settled` or not. `None` while nothing is to be settled: not replaced,
/// already settled, not yet due, or ended more than [`LATEST_AFTER_END_SECONDS`] ago.
pub fn escalation_due(
    settings: &Settings,
    not_after: i64,
    now: i64,
    replacement: Option<Replacement>,
    settled: bool,
) -> Option<Escalation> {
    let replacement = replacement.filter(|_| !settled)?;
    if now > not_after + LATEST_AFTER_END_SECONDS {
        return None;
    }
    if replacement.picked_up {
        return Some(Escalation::PickedUp);
    }
    if now < escalation_at(not_after, replacement.issued_at) {
        return None;
    }
    Some(if settings.enabled { Escalation::Send } else { Escalation::Off })
}

/// Whole days left until `not_after`, rounded up (an email says "in 7 days" on the seventh day before).
pub fn days_left(not_after: i64, now: i64) -> i64 {
    let seconds = (not_after - now).max(0);
    (seconds + DAY - 1) / DAY
}

#[cfg(test)]
mod tests;
