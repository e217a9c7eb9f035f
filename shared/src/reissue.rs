//! Reissue (issue 14.2), without the I/O: a new key for the same order and subject, ending when the certificate it
//! replaces ends, at no charge. Which certificates may be reissued ([`check_reissue`]), how long the new link lives
//! ([`link_expires_at`]), that the new key is new ([`check_new_key`]), the account's grace period
//! ([`GraceDays::parse`]) and when the old certificate is revoked `superseded` ([`supersession`]).
//!
//! A reissue is a re-key (S/MIME BR 4.7, no stipulation). The new certificate is a new issuance, so it runs the whole
//! issuance pipeline, step 4 included: the mailbox validation must still be within its reuse period at issuance
//! (S/MIME BR 4.2.1: 30 days for a mailbox validated by an emailed random value, 3.2.2.2; 398 days for its domain,
//! 3.2.2.1). The edge starts a fresh mailbox validation with the reissue when the one it relies on has lapsed.

use core::fmt;

use crate::link::ENROLLMENT_LINK_LIFETIME_SECONDS;
use crate::revocation::Status;

/// A reissue whose old certificate ends sooner than this is refused: the new certificate would end within a day
/// of its issuance, and the recipient is better served by a renewal (Keyward's rule; the profiles set no minimum).
pub const MINIMUM_REMAINDER_SECONDS: i64 = 86_400;

/// The grace period of an account that set none.
pub const DEFAULT_GRACE_DAYS: u32 = 7;

/// The longest grace period an account may set: the old certificate, whose key may be lost or exposed, stays
/// valid at most this long beside its successor.
pub const MAXIMUM_GRACE_DAYS: u32 = 30;

/// The certificate to reissue, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Original<'a> {
    /// Its revocation status.
    pub status: Status,
    /// Its end of validity (valid through this second).
    pub not_after: i64,
    /// The certificate that replaced it already (a renewal or a reissue), if any.
    pub replaced_by: Option<&'a str>,
}

/// Why a reissue is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReissueError {
    /// The certificate was revoked: a revoked certificate is not brought back under a new key.
    Revoked {
        /// When.
        at: i64,
    },
    /// The certificate has expired.
    Expired {
        /// When.
        at: i64,
    },
    /// Another certificate replaced it already: reissue that one.
    Replaced {
        /// The serial of its successor.
        by: String,
    },
    /// Less than a day of validity is left.
    RemainderTooShort {
        /// When the certificate ends.
        not_after: i64,
    },
    /// The request carries the key of the certificate it replaces.
    SameKey,
    /// A grace period outside 0 to [`MAXIMUM_GRACE_DAYS`] days.
    GraceOutOfRange {
        /// The value given.
        days: i64,
    },
}

impl ReissueError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Revoked { .. } => "certificate_revoked",
            Self::Expired { .. } => "certificate_expired",
            Self::Replaced { .. } => "certificate_replaced",
            Self::RemainderTooShort { .. } => "validity_remaining_too_short",
            Self::SameKey => "reissue_same_key",
            Self::GraceOutOfRange { .. } => "grace_days_out_of_range",
        }
    }

    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::SameKey => "csr",
            Self::GraceOutOfRange { .. } => "supersede_grace_days",
            _ => "serial",
        }
    }
}

impl fmt::Display for ReissueError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Revoked { .. } => formatter.write_str("This certificate was revoked: it cannot be reissued. Order a new one."),
            Self::Expired { .. } => formatter.write_str("This certificate has expired: it cannot be reissued. Order a new one."),
            Self::Replaced { by } => {
                write!(formatter, "This certificate was replaced already by certificate {by}: reissue that one.")
            }
            Self::RemainderTooShort { .. } => formatter.write_str(
                "This certificate ends within a day: a reissue would end as soon. Renew it or order a new one.",
            ),
            Self::SameKey => formatter.write_str(
                "This request carries the key of the certificate it replaces: a reissue certifies a new key. Make a new key.",
            ),
            Self::GraceOutOfRange { days } => {
                write!(formatter, "The grace period must be 0 to {MAXIMUM_GRACE_DAYS} days, not {days}.")
            }
        }
    }
}

impl std::error::Error for ReissueError {}

/// Whether `original` may be reissued at `now`: valid, not replaced, and with at least a day left. Checked when the
/// reissue is asked for and again when the new certificate is issued through its link.
pub fn check_reissue(original: &Original, now: i64) -> Result<(), ReissueError> {
    if let Status::Revoked { at, .. } = original.status {
        return Err(ReissueError::Revoked { at });
    }
    if now > original.not_after {
        return Err(ReissueError::Expired { at: original.not_after });
    }
    if let Some(by) = original.replaced_by {
        return Err(ReissueError::Replaced { by: by.to_owned() });
    }
    if original.not_after - now < MINIMUM_REMAINDER_SECONDS {
        return Err(ReissueError::RemainderTooShort { not_after: original.not_after });
    }
    Ok(())
}

/// When a reissue link made at `now` ends: an enrollment link's lifetime, but never after the certificate it
/// reissues (a link to a certificate that would already have ended is useless).
pub fn link_expires_at(now: i64, original_not_after: i64) -> i64 {
    (now + ENROLLMENT_LINK_LIFETIME_SECONDS).min(original_not_after)
}

/// The new key is not the old one (SHA-256 of the SubjectPublicKeyInfo, hex): a lost or exposed key is what a
/// reissue replaces.
pub fn check_new_key(original_spki_sha256: &str, new_spki_sha256: &str) -> Result<(), ReissueError> {
    if original_spki_sha256.eq_ignore_ascii_case(new_spki_sha256) {
        return Err(ReissueError::SameKey);
    }
    Ok(())
}

/// An account's grace period, in days: how long a reissued certificate's predecessor stays valid when the new one
/// is not picked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraceDays(u32);

impl GraceDays {
    /// A value an account sent or the database holds: 0 to [`MAXIMUM_GRACE_DAYS`].
    pub fn parse(days: i64) -> Result<Self, ReissueError> {
        u32::try_from(days)
            .ok()
            .filter(|days| *days <= MAXIMUM_GRACE_DAYS)
            .map(Self)
            .ok_or(ReissueError::GraceOutOfRange { days })
    }

    /// The days.
    pub fn days(self) -> u32 {
        self.0
    }

    /// The period in seconds.
    pub fn seconds(self) -> i64 {
        i64::from(self.0) * 86_400
    }
}

impl Default for GraceDays {
    fn default() -> Self {
        Self(DEFAULT_GRACE_DAYS)
    }
}

/// Why a reissued certificate's predecessor is revoked `superseded` now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supersession {
    /// The new certificate was picked up (the recipient's confirmation, or an API key's fetch).
    PickedUp,
    /// The grace period since the new certificate's issuance passed without a pickup.
    GraceOver,
}

impl Supersession {
    /// The stable name the audit record states.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PickedUp => "picked_up",
            Self::GraceOver => "grace_period_over",
        }
    }
}

/// What is known about a reissue whose predecessor may be due for supersession.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// When the new certificate was issued.
    pub issued_at: i64,
    /// Whether the new certificate was picked up.
    pub picked_up: bool,
    /// The predecessor's revocation status (a revoked one is left as it is: revocation is final).
    pub predecessor: Status,
    /// The predecessor's end of validity (an expired one needs no revocation).
    pub predecessor_not_after: i64,
    /// The account's grace period.
    pub grace: GraceDays,
}

/// Whether the predecessor is revoked `superseded` now, and why; `None` while it waits (or when it is revoked or
/// expired already). A pickup supersedes at once, whatever the grace period.
pub fn supersession(pending: &Pending, now: i64) -> Option<Supersession> {
    if matches!(pending.predecessor, Status::Revoked { .. }) || now > pending.predecessor_not_after {
        return None;
    }
    if pending.picked_up {
        return Some(Supersession::PickedUp);
    }
    (now >= pending.issued_at + pending.grace.seconds()).then_some(Supersession::GraceOver)
}

#[cfg(test)]
mod tests;
