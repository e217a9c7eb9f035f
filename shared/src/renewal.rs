//! Automatic renewal (issue 14.1), the pure rules: when an order's renewal is due (30 days before the first of its
//! certificates ends), what the renewal order copies from the order it renews, and the count of renewals left.
//! The clock is an argument; the edge reads the rows, places the order through the one placement path, and guards
//! the count with the order's version in the same batch.
//!
//! Key reuse: a CSR order's renewal certifies the same public key again where the profile's policy allows it.
//! The S/MIME Baseline Requirements leave renewal and re-key to the CA (4.6 and 4.7: "No stipulation") and refuse
//! a key only for what 6.1.1.3 names (weak, flawed generation, compromised), which the issuance pipeline checks
//! again for the renewal; the TLS Baseline Requirements have the same 6.1.1.3 and no rule against renewing a key.
//! Every profile therefore allows it; [`key_reuse_allowed`] is the one place that says so per profile.

use core::fmt;

use crate::order::{OrderRequest, PaymentRequest, RecipientRequest, SignatureHash, ValidityRequest};
use crate::pipeline::OrderState;
use crate::profile::ProfileId;

/// How long before a certificate ends its renewal is placed: 30 days.
pub const RENEWAL_LEAD_SECONDS: i64 = 30 * 86_400;

/// Whether `profile`'s policy lets a renewal certify the same public key again (see the module's comment).
pub fn key_reuse_allowed(profile: ProfileId) -> bool {
    match profile {
        // S/MIME BR 4.6, 4.7: no stipulation; 6.1.1.3's refusals are checked again at issuance.
        ProfileId::SmimeMailboxStrict
        | ProfileId::SmimeMailboxMultipurpose
        | ProfileId::SmimeOrganizationStrict
        | ProfileId::SmimeOrganizationMultipurpose
        | ProfileId::SmimeSponsorStrict
        | ProfileId::SmimeSponsorMultipurpose => true,
        // Keyward's own policy arc: no CA/Browser Forum rule applies; the same checks as S/MIME.
        ProfileId::ClientAuthWorkstation => true,
        // TLS BR 6.1.1.3: the same refusals, no rule against renewing a key (servers keep theirs on renewal).
        ProfileId::ServerAuth => true,
    }
}

/// One certificate of the order being renewed: its recipient's request as placed and its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewedRecipient {
    /// The recipient as the order placed it (name, address, host names, language, CSR if any).
    pub request: RecipientRequest,
    /// The certificate's serial (`None`: nothing issued to this recipient).
    pub serial: Option<String>,
    /// Its end, Unix seconds.
    pub not_after: Option<i64>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// The order being renewed, as the renewal rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewedOrder {
    /// Its number.
    pub id: String,
    /// Where it stands.
    pub state: OrderState,
    /// The renewals left (the order's count).
    pub renewals_left: u32,
    /// Whether a renewal of it was already placed.
    pub renewed: bool,
    /// The profile.
    pub profile: ProfileId,
    /// The organization.
    pub organization_id: String,
    /// The signature hash.
    pub signature_hash: SignatureHash,
    /// Validity, days.
    pub validity_days: u32,
    /// The notification addresses.
    pub notification_emails: Vec<String>,
    /// The payment method, with the contract's reference.
    pub payment: PaymentRequest,
    /// The subscriber agreement version accepted.
    pub subscriber_agreement: String,
    /// The recipients, in order.
    pub recipients: Vec<RenewedRecipient>,
}

/// Why an order is not renewed now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenewalError {
    /// The order has no automatic renewals left.
    NoRenewalsLeft,
    /// A renewal of this order was already placed.
    AlreadyRenewed,
    /// The order is not completed (its certificates are not all issued, or it was cancelled).
    NotCompleted,
    /// No certificate of the order is valid (none issued, or all revoked).
    NothingToRenew,
    /// Too early: the renewal is due at `due_at`.
    NotDueYet {
        /// When it is due, Unix seconds.
        due_at: i64,
    },
}

impl RenewalError {
    /// Stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoRenewalsLeft => "renewals_exhausted",
            Self::AlreadyRenewed => "order_already_renewed",
            Self::NotCompleted => "order_not_completed",
            Self::NothingToRenew => "nothing_to_renew",
            Self::NotDueYet { .. } => "renewal_not_due",
        }
    }
}

impl fmt::Display for RenewalError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRenewalsLeft => write!(formatter, "This order has no automatic renewals left."),
            Self::AlreadyRenewed => write!(formatter, "This order was already renewed: its renewal order is listed."),
            Self::NotCompleted => write!(
                formatter,
                "Only a completed order is renewed: every recipient's certificate must be issued, and the order not \
                 cancelled."
            ),
            Self::NothingToRenew => {
                write!(formatter, "No certificate of this order is valid (none issued, or all revoked).")
            }
            Self::NotDueYet { due_at } => {
                write!(formatter, "The renewal is placed 30 days before the first certificate ends, at {due_at}.")
            }
        }
    }
}

/// When the order's renewal is due: 30 days before the first of its valid certificates ends.
pub fn due_at(order: &RenewedOrder) -> Option<i64> {
    order
        .recipients
        .iter()
        .filter(|recipient| !recipient.revoked && recipient.serial.is_some())
        .filter_map(|recipient| recipient.not_after)
        .min()
        .map(|end| end - RENEWAL_LEAD_SECONDS)
}

/// Whether `order` is renewed now: by the scheduled handler (`manual` false: from [`due_at`] on) or by "renew
/// now" (`manual` true: any time). The count of renewals left after it is the returned value.
///
/// # Errors
///
/// [`RenewalError`] names why not.
pub fn renewal_due(order: &RenewedOrder, now: i64, manual: bool) -> Result<u32, RenewalError> {
    let left = order.renewals_left.checked_sub(1).ok_or(RenewalError::NoRenewalsLeft)?;
    if order.renewed {
        return Err(RenewalError::AlreadyRenewed);
    }
    if order.state != OrderState::Completed {
        return Err(RenewalError::NotCompleted);
    }
    let due_at = due_at(order).ok_or(RenewalError::NothingToRenew)?;
    if !manual && now < due_at {
        return Err(RenewalError::NotDueYet { due_at });
    }
    Ok(left)
}

/// The idempotency key of `order_id`'s renewal: one per renewed order, so a second placement is the first one's.
pub fn idempotency_key(order_id: &str) -> String {
    format!("renewal-{order_id}")
}

/// The renewal order: the same organization, profile, validity (within the profile's cap at `now`, which may have
/// shrunk since), notification addresses, payment and agreement, the recipients whose certificate is valid (each
/// with the serial it renews), the renewals left after this one. A recipient's CSR is kept where the profile allows
/// key reuse; otherwise the recipient waits for a new key.
pub fn renewal_request(order: &RenewedOrder, renewals_left: u32, now: i64) -> (OrderRequest, Vec<String>) {
    let reuse = key_reuse_allowed(order.profile);
    let (recipients, renews) = order
        .recipients
        .iter()
        .filter(|recipient| !recipient.revoked)
        .filter_map(|recipient| {
            let serial = recipient.serial.clone()?;
            let request = RecipientRequest {
                csr: if reuse { recipient.request.csr.clone() } else { None },
                ..recipient.request.clone()
            };
            Some((request, serial))
        })
        .unzip();
    let request = OrderRequest {
        profile: order.profile,
        organization_id: order.organization_id.clone(),
        signature_hash: order.signature_hash,
        validity: ValidityRequest::Days {
            days: order.validity_days.min(order.profile.profile().max_validity_days(now)),
        },
        auto_renewals: renewals_left,
        recipients,
        notification_emails: order.notification_emails.clone(),
        payment: order.payment.clone(),
        subscriber_agreement: order.subscriber_agreement.clone(),
        idempotency_key: idempotency_key(&order.id),
    };
    (request, renews)
}

#[cfg(test)]
mod simulation;

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const END: i64 = 1_900_000_000;

    fn recipient(email: &str, serial: Option<&str>, not_after: Option<i64>, revoked: bool) -> RenewedRecipient {
        RenewedRecipient {
            request: RecipientRequest {
                name: Some(format!("Name of {email}")),
                email: email.to_owned(),
                csr: Some(format!("CSR of {email}")),
                lang: Some("fr".to_owned()),
                ..RecipientRequest::default()
            },
            serial: serial.map(str::to_owned),
            not_after,
            revoked,
        }
    }

    fn order(left: u32, renewed: bool, state: OrderState, recipients: Vec<RenewedRecipient>) -> RenewedOrder {
        RenewedOrder {
            id: "0123456789abcdef0123456789abcdef".to_owned(),
            state,
            renewals_left: left,
            renewed,
            profile: ProfileId::SmimeMailboxMultipurpose,
            organization_id: "org".to_owned(),
            signature_hash: SignatureHash::Sha256,
            validity_days: 365,
            notification_emails: vec!["pki@example.com".to_owned()],
            payment: PaymentRequest::Contract { reference: "PO-1".to_owned() },
            subscriber_agreement: "2026-01".to_owned(),
            recipients,
        }
    }

    fn check(order: &RenewedOrder, now: i64, manual: bool, expected: Result<u32, &str>) {
        let actual = renewal_due(order, now, manual);
        if let Err(error) = actual {
            assert!(error.to_string().ends_with('.'), "{error}");
        }
        assert_eq!(actual.map_err(RenewalError::code), expected, "now {now}, manual {manual}");
    }

    #[test]
    fn due_thirty_days_before_the_first_valid_end() {
        let both = vec![
            recipient("a@example.com", Some("01"), Some(END), false),
            recipient("b@example.com", Some("02"), Some(END + 10 * DAY), false),
        ];
        let completed = order(1, false, OrderState::Completed, both.clone());
        let cases = [
            (END - 31 * DAY, false, Err("renewal_not_due")),
            (END - 30 * DAY - 1, false, Err("renewal_not_due")),
            (END - 30 * DAY, false, Ok(0)),
            (END - DAY, false, Ok(0)),
            // Missed runs: still due after the end (the renewal is late, not lost).
            (END + DAY, false, Ok(0)),
            // "Renew now": any time.
            (END - 300 * DAY, true, Ok(0)),
        ];
        for (now, manual, expected) in cases {
            check(&completed, now, manual, expected);
        }
        check(&order(3, false, OrderState::Completed, both.clone()), END - 30 * DAY, false, Ok(2));
        // A revoked certificate does not make the renewal due earlier.
        let revoked_first = vec![
            recipient("a@example.com", Some("01"), Some(END - 100 * DAY), true),
            recipient("b@example.com", Some("02"), Some(END), false),
        ];
        check(&order(1, false, OrderState::Completed, revoked_first), END - 40 * DAY, false, Err("renewal_not_due"));
    }

    #[test]
    fn refusals() {
        let one = vec![recipient("a@example.com", Some("01"), Some(END), false)];
        let now = END - 10 * DAY;
        for manual in [false, true] {
            check(&order(0, false, OrderState::Completed, one.clone()), now, manual, Err("renewals_exhausted"));
            check(&order(1, true, OrderState::Completed, one.clone()), now, manual, Err("order_already_renewed"));
            check(&order(1, false, OrderState::Cancelled, one.clone()), now, manual, Err("order_not_completed"));
            check(
                &order(1, false, OrderState::AwaitingEnrollment, one.clone()),
                now,
                manual,
                Err("order_not_completed"),
            );
            let revoked = vec![recipient("a@example.com", Some("01"), Some(END), true)];
            check(&order(1, false, OrderState::Completed, revoked), now, manual, Err("nothing_to_renew"));
        }
    }

    #[test]
    fn the_count_goes_down_once_per_renewal() {
        // Each renewal order carries the count left after it: a chain of N renewals ends at 0, then stops.
        let mut left = 3;
        let mut renewals = 0;
        let recipients = vec![recipient("a@example.com", Some("01"), Some(END), false)];
        while let Ok(after) = renewal_due(&order(left, false, OrderState::Completed, recipients.clone()), END, false) {
            assert_eq!(after, left - 1);
            let (request, _) =
                renewal_request(&order(left, false, OrderState::Completed, recipients.clone()), after, END);
            assert_eq!(request.auto_renewals, after);
            left = after;
            renewals += 1;
        }
        assert_eq!((renewals, left), (3, 0));
    }

    #[test]
    fn the_renewal_copies_the_order() {
        let renewed = order(
            2,
            false,
            OrderState::Completed,
            vec![
                recipient("a@example.com", Some("01"), Some(END), false),
                recipient("gone@example.com", Some("02"), Some(END), true),
                recipient("b@example.com", Some("03"), Some(END), false),
            ],
        );
        let (request, renews) = renewal_request(&renewed, 1, END);
        assert_eq!(renews, ["01", "03"], "only the valid certificates are renewed, each naming its serial");
        assert_eq!(request.recipients.len(), 2);
        assert_eq!(request.recipients[0], renewed.recipients[0].request, "name, address, language and CSR kept");
        assert_eq!(request.recipients[1].email, "b@example.com");
        assert_eq!(request.profile, renewed.profile);
        assert_eq!(request.organization_id, "org");
        assert_eq!(request.validity, ValidityRequest::Days { days: 365 });
        assert_eq!(request.notification_emails, ["pki@example.com"]);
        assert_eq!(request.payment, PaymentRequest::Contract { reference: "PO-1".to_owned() });
        assert_eq!(request.subscriber_agreement, "2026-01");
        assert_eq!(request.idempotency_key, "renewal-0123456789abcdef0123456789abcdef");
        assert!((16..=64).contains(&request.idempotency_key.len()), "a valid idempotency key");
    }

    #[test]
    fn the_validity_stays_within_the_profile_cap_at_renewal() {
        let one = vec![recipient("a@example.com", Some("01"), Some(END), false)];
        for (profile, days) in [(ProfileId::SmimeMailboxMultipurpose, 825), (ProfileId::ServerAuth, 398)] {
            let renewed =
                RenewedOrder { profile, validity_days: days, ..order(1, false, OrderState::Completed, one.clone()) };
            let (request, _) = renewal_request(&renewed, 0, END);
            let cap = profile.profile().max_validity_days(END);
            assert_eq!(request.validity, ValidityRequest::Days { days: days.min(cap) }, "{profile:?}");
        }
    }

    #[test]
    fn key_reuse_per_profile() {
        for profile in ProfileId::ALL {
            assert!(key_reuse_allowed(profile), "{profile:?}");
        }
    }
}
