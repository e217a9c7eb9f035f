//! The reissue rules as tables: which certificates may be reissued, the link's end, the new key, the grace period
//! and when the predecessor is superseded.

use super::*;
use crate::revocation::RevocationReason;

const DAY: i64 = 86_400;
const NOW: i64 = 1_900_000_000;

fn original() -> Original<'static> {
    Original { status: Status::Valid, not_after: NOW + 100 * DAY, replaced_by: None }
}

/// One reissue case: the certificate, the instant, the code expected (`None`: allowed).
fn check(case: &str, original: Original, now: i64, expected: Option<&str>) {
    let outcome = check_reissue(&original, now);
    assert_eq!(outcome.as_ref().err().map(ReissueError::code), expected, "{case}: {outcome:?}");
    if let Err(error) = outcome {
        assert!(!error.to_string().is_empty(), "{case}: a message");
    }
}

#[test]
fn which_certificates_may_be_reissued() {
    let revoked = Status::Revoked { at: NOW - DAY, reason: RevocationReason::KeyCompromise };
    let cases = [
        ("valid", original(), NOW, None),
        ("revoked", Original { status: revoked, ..original() }, NOW, Some("certificate_revoked")),
        ("expired", Original { not_after: NOW - 1, ..original() }, NOW, Some("certificate_expired")),
        (
            "revoked beats expired",
            Original { status: revoked, not_after: NOW - 1, ..original() },
            NOW,
            Some("certificate_revoked"),
        ),
        ("replaced", Original { replaced_by: Some("ab"), ..original() }, NOW, Some("certificate_replaced")),
        ("a day left exactly", Original { not_after: NOW + DAY, ..original() }, NOW, None),
        (
            "a second under a day",
            Original { not_after: NOW + DAY - 1, ..original() },
            NOW,
            Some("validity_remaining_too_short"),
        ),
        ("its last second", Original { not_after: NOW, ..original() }, NOW, Some("validity_remaining_too_short")),
    ];
    for (case, original, now, expected) in cases {
        check(case, original, now, expected);
    }
}

#[test]
fn the_link_ends_with_the_certificate_at_the_latest() {
    let cases = [
        ("far end: the link's lifetime", NOW + 400 * DAY, NOW + ENROLLMENT_LINK_LIFETIME_SECONDS),
        ("near end: the certificate's", NOW + 3 * DAY, NOW + 3 * DAY),
    ];
    for (case, not_after, expected) in cases {
        assert_eq!(link_expires_at(NOW, not_after), expected, "{case}");
    }
}

#[test]
fn the_new_key_is_new() {
    let cases = [
        ("another key", "aa11", "bb22", None),
        ("the same key", "aa11", "aa11", Some("reissue_same_key")),
        ("the same key, other case", "AA11", "aa11", Some("reissue_same_key")),
    ];
    for (case, old, new, expected) in cases {
        assert_eq!(check_new_key(old, new).err().map(|error| error.code()), expected, "{case}");
    }
}

#[test]
fn grace_periods() {
    let cases = [(0, Some(0)), (7, Some(7)), (30, Some(30)), (31, None), (-1, None), (i64::MAX, None)];
    for (days, expected) in cases {
        let parsed = GraceDays::parse(days);
        assert_eq!(parsed.clone().map(GraceDays::days).ok(), expected, "{days}");
        if expected.is_none() {
            assert_eq!(parsed.unwrap_err().code(), "grace_days_out_of_range");
        }
    }
    assert_eq!(GraceDays::default().days(), DEFAULT_GRACE_DAYS);
    assert_eq!(GraceDays::default().seconds(), 7 * DAY);
}

#[test]
fn when_the_predecessor_is_superseded() {
    let pending = Pending {
        issued_at: NOW,
        picked_up: false,
        predecessor: Status::Valid,
        predecessor_not_after: NOW + 100 * DAY,
        grace: GraceDays::default(),
    };
    let revoked = Status::Revoked { at: NOW, reason: RevocationReason::Superseded };
    let cases = [
        ("just issued", pending, NOW, None),
        ("picked up at once", Pending { picked_up: true, ..pending }, NOW, Some(Supersession::PickedUp)),
        ("a second before the grace ends", pending, NOW + 7 * DAY - 1, None),
        ("the grace is over", pending, NOW + 7 * DAY, Some(Supersession::GraceOver)),
        ("no grace", Pending { grace: GraceDays::parse(0).unwrap(), ..pending }, NOW, Some(Supersession::GraceOver)),
        ("revoked already: once only", Pending { predecessor: revoked, picked_up: true, ..pending }, NOW, None),
        ("expired meanwhile", Pending { predecessor_not_after: NOW + DAY, ..pending }, NOW + 8 * DAY, None),
    ];
    for (case, pending, now, expected) in cases {
        assert_eq!(supersession(&pending, now), expected, "{case}");
    }
}
