//! An order after submission: its state machine ([`Order`], [`OrderState`]) and the pipeline the order page
//! shows ([`pipeline`]: each step with its state, what blocks it, who must act, and the actions offered).
//!
//! ```text
//!  place ──▶ AwaitingValidation ──validations_complete──▶ AwaitingEnrollment ──recipient_enrolled (last)──▶ Completed
//!                  │                                              │
//!                  └───────────────cancel─────────────────────────┴──▶ Cancelled
//! ```
//!
//! Every transition is pure: it takes the stored [`Order`] (and, where the rule needs it, the
//! [`OrderProgress`] the edge read) and `now`, and returns a [`Transition`]: the order to write (version one
//! more than read), the [`Work`] to do, and the [`AuditEvent`] to write **in the same batch**. A stale
//! version makes the batch fail whole; the edge reads again and retries.
//!
//! - After any validation of the order completes (organization, domain, mailbox, payment), the edge calls
//!   [`Order::validations_complete`]; [`OrderStateError::ValidationsPending`] means "not yet", nothing to
//!   write. On success the work is one [`Work::SendEnrollmentLink`] per recipient without a CSR (a link and
//!   its email in the outbox, same batch) and one [`Work::IssueFromCsr`] per recipient with one (issued by the
//!   edge, its "certificate issued" email in the outbox).
//! - Each issuance (enrollment POST or CSR) calls [`Order::recipient_enrolled`] with the progress read
//!   *before* it; the last one completes the order. Since every issuance bumps the order's version, two
//!   recipients enrolling at the same instant conflict, and the second retries from fresh reads: the last
//!   one always sees that it is the last.
//! - [`Order::cancel`] is refused once the order is completed (or cancelled). Certificates issued before a
//!   cancellation stay valid; revoking them is a separate act.

use serde::{Deserialize, Serialize};

use crate::address::{Domain, EmailAddress};
use crate::contract::Refund;
use crate::link::{Link, LinkStatus};
use crate::order::CheckedOrder;
use crate::validation::{DomainMethod, Validation, ValidationStatus};
use crate::vetting::VettingStatus;

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Placed; some validation (organization, domain, mailbox) or the payment is not done yet.
    AwaitingValidation,
    /// Everything validated; links sent and CSRs being issued; some recipient has no certificate yet.
    AwaitingEnrollment,
    /// Every recipient has a certificate.
    Completed,
    /// Cancelled before completion.
    Cancelled,
}

impl OrderState {
    /// Every state, in pipeline order.
    pub const ALL: [Self; 4] = [Self::AwaitingValidation, Self::AwaitingEnrollment, Self::Completed, Self::Cancelled];

    /// The identifier as stored and sent (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingValidation => "awaiting_validation",
            Self::AwaitingEnrollment => "awaiting_enrollment",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored identifier.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// An order as stored: the facts its state machine needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Order {
    /// Where it stands.
    pub state: OrderState,
    /// When it was placed.
    pub created_at: i64,
    /// When it was completed or cancelled, if it was.
    pub closed_at: Option<i64>,
    /// Optimistic-concurrency version: every write stores the read value plus one.
    pub version: i64,
}

/// What a transition asks the edge to do, in the same batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Create the recipient's enrollment link and queue its email.
    SendEnrollmentLink {
        /// The recipient's position in the order.
        recipient: usize,
    },
    /// Issue the recipient's certificate from the CSR given with the order, and queue the "certificate
    /// issued" email.
    IssueFromCsr {
        /// The recipient's position in the order.
        recipient: usize,
    },
}

/// The audit record a transition writes, in the same batch as its state change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEvent {
    /// Stable action name, e.g. `order_cancelled`.
    pub action: &'static str,
    /// JSON object with the facts of the change.
    pub detail: String,
}

/// The result of a transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The order to write.
    pub order: Order,
    /// What to do in the same batch.
    pub work: Vec<Work>,
    /// The audit record to write in the same batch.
    pub audit: AuditEvent,
}

impl Order {
    /// A new order placed at `now`, and its audit record (the profile, the recipients, the price, the
    /// payment kind).
    pub fn place(checked: &CheckedOrder, now: i64) -> (Order, AuditEvent) {
        let payment = match &checked.payment {
            crate::order::CheckedPayment::Balance => "balance",
            crate::order::CheckedPayment::Contract { .. } => "contract",
        };
        let detail = serde_json::json!({
            "profile": checked.profile.as_str(),
            "organization": checked.organization_id,
            "recipients": checked.recipients.len(),
            "validity_days": checked.validity_days,
            "price_cents": checked.price_cents,
            "payment": payment,
        });
        let order = Order { state: OrderState::AwaitingValidation, created_at: now, closed_at: None, version: 0 };
        (order, AuditEvent { action: "order_placed", detail: detail.to_string() })
    }

    /// Whether the order is completed or cancelled.
    fn closed(&self) -> Result<(), OrderStateError> {
        match (self.state, self.closed_at) {
            (OrderState::Completed, at) => Err(OrderStateError::Completed { at: at.unwrap_or(self.created_at) }),
            (OrderState::Cancelled, at) => Err(OrderStateError::Cancelled { at: at.unwrap_or(self.created_at) }),
            _ => Ok(()),
        }
    }

    /// Cancels the order at `now`, giving back `refund` (the recipients not yet issued: the edge writes it in the
    /// same batch, so the order's version guards it against a concurrent issuance).
    ///
    /// # Errors
    ///
    /// [`OrderStateError::Completed`] or [`OrderStateError::Cancelled`].
    pub fn cancel(&self, now: i64, refund: Refund) -> Result<Transition, OrderStateError> {
        self.closed()?;
        let detail = serde_json::json!({
            "from": self.state.as_str(),
            "refund_cents": refund.cents,
            "refunded_recipients": refund.recipients,
        });
        Ok(Transition {
            order: Order { state: OrderState::Cancelled, closed_at: Some(now), version: self.version + 1, ..*self },
            work: Vec::new(),
            audit: AuditEvent { action: "order_cancelled", detail: detail.to_string() },
        })
    }

    /// `AwaitingValidation → AwaitingEnrollment` once every validation step and the payment are done at
    /// `now` by `progress`; the work: an enrollment link for each recipient without a CSR, an issuance for each
    /// with one.
    ///
    /// # Errors
    ///
    /// [`OrderStateError::ValidationsPending`] (nothing to write), [`OrderStateError::NotAwaitingValidation`],
    /// or the order is closed.
    pub fn validations_complete(&self, progress: &OrderProgress, now: i64) -> Result<Transition, OrderStateError> {
        self.closed()?;
        if self.state != OrderState::AwaitingValidation {
            return Err(OrderStateError::NotAwaitingValidation { state: self.state });
        }
        let pending =
            validation_steps(progress, now).iter().filter(|step| !matches!(step.state, StepState::Done { .. })).count();
        if pending > 0 {
            return Err(OrderStateError::ValidationsPending { steps: pending });
        }
        let work: Vec<Work> = progress
            .recipients
            .iter()
            .enumerate()
            .map(|(recipient, progress)| {
                if progress.has_csr { Work::IssueFromCsr { recipient } } else { Work::SendEnrollmentLink { recipient } }
            })
            .collect();
        let links = work.iter().filter(|work| matches!(work, Work::SendEnrollmentLink { .. })).count();
        let detail = serde_json::json!({ "enrollment_links": links, "csr_issuances": work.len() - links });
        Ok(Transition {
            order: Order { state: OrderState::AwaitingEnrollment, version: self.version + 1, ..*self },
            work,
            audit: AuditEvent { action: "order_validated", detail: detail.to_string() },
        })
    }

    /// Records that `recipient` got its certificate at `now`; `progress` is as read before this issuance. The
    /// order stays `AwaitingEnrollment` (its version bumped) until the last recipient, then `Completed`.
    ///
    /// # Errors
    ///
    /// [`OrderStateError::RecipientUnknown`], [`OrderStateError::RecipientAlreadyEnrolled`],
    /// [`OrderStateError::NotAwaitingEnrollment`], or the order is closed.
    pub fn recipient_enrolled(
        &self,
        progress: &OrderProgress,
        recipient: usize,
        now: i64,
    ) -> Result<Transition, OrderStateError> {
        self.closed()?;
        if self.state != OrderState::AwaitingEnrollment {
            return Err(OrderStateError::NotAwaitingEnrollment { state: self.state });
        }
        let Some(enrolled) = progress.recipients.get(recipient) else {
            return Err(OrderStateError::RecipientUnknown { recipient });
        };
        if let Some(at) = enrolled.issued_at {
            return Err(OrderStateError::RecipientAlreadyEnrolled { recipient, at });
        }
        let remaining = progress
            .recipients
            .iter()
            .enumerate()
            .filter(|(index, other)| *index != recipient && other.issued_at.is_none())
            .count();
        self.enrolled_with_remaining(recipient, remaining, now)
    }

    /// [`Order::recipient_enrolled`] when the edge counted, in the read that found the recipient, how many
    /// *other* recipients of the order have no certificate yet (`remaining`), instead of reading them all.
    ///
    /// # Errors
    ///
    /// [`OrderStateError::NotAwaitingEnrollment`], or the order is closed.
    pub fn enrolled_with_remaining(
        &self,
        recipient: usize,
        remaining: usize,
        now: i64,
    ) -> Result<Transition, OrderStateError> {
        self.closed()?;
        if self.state != OrderState::AwaitingEnrollment {
            return Err(OrderStateError::NotAwaitingEnrollment { state: self.state });
        }
        let (state, closed_at, action) = if remaining == 0 {
            (OrderState::Completed, Some(now), "order_completed")
        } else {
            (OrderState::AwaitingEnrollment, None, "recipient_enrolled")
        };
        let detail = serde_json::json!({ "recipient": recipient, "remaining": remaining });
        Ok(Transition {
            order: Order { state, closed_at, version: self.version + 1, ..*self },
            work: Vec::new(),
            audit: AuditEvent { action, detail: detail.to_string() },
        })
    }
}

/// Who must act for a step to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A CA administrator (a verification call, a contract to accept).
    CaAdministrator,
    /// The organization's contact (the emailed verification code).
    OrganizationContact,
    /// Whoever reads the domain's constructed addresses or manages its DNS.
    DomainContact,
    /// The recipient (the mailbox validation link, the enrollment link).
    Recipient,
    /// No one: the step waits for others, or Keyward is doing it.
    Nobody,
}

/// What a step is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepSubject {
    /// The organization's validation.
    Organization,
    /// A domain's control validation.
    Domain {
        /// The domain.
        domain: String,
    },
    /// A mailbox's validation (an address at a public mail provider).
    Mailbox {
        /// The address.
        email: String,
    },
    /// The payment.
    Payment,
    /// A recipient's certificate.
    Recipient {
        /// The recipient's position in the order.
        index: usize,
        /// The recipient's address.
        email: String,
    },
}

/// A step's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    /// Not done: `who` must act, once the steps in `blocked_by` are done.
    Waiting {
        /// Who must act.
        who: Actor,
        /// The steps it waits for; empty when it can move now.
        blocked_by: Vec<StepSubject>,
    },
    /// Done at `at`.
    Done {
        /// When.
        at: i64,
    },
    /// Stuck: `reason` says why and what to do (an expired link or code, a lapsed validation, a cancelled
    /// order).
    Failed {
        /// A sentence a person can act on.
        reason: String,
    },
}

/// An action the order page offers on a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send the email again, with a fresh random value.
    ResendEmail,
    /// Validate another way (code or call; constructed email or DNS).
    ChangeValidationMethod,
    /// Cancel the whole order.
    CancelOrder,
}

/// One step of the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Step {
    /// What it is about.
    pub subject: StepSubject,
    /// Where it stands.
    pub state: StepState,
    /// What the page offers.
    pub actions: Vec<Action>,
}

/// The organization's validation as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationProgress {
    /// Its validation by the CA's staff, if one was recorded (the latest).
    pub validation: Option<Validation>,
    /// Where its vetting stands (what the step says while it is not validated).
    pub vetting: VettingStatus,
}

/// A domain validation the order needs, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainProgress {
    /// The domain.
    pub domain: Domain,
    /// The latest validation, if one was started.
    pub validation: Option<Validation>,
    /// Its method.
    pub method: DomainMethod,
}

/// A mailbox validation the order needs, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxProgress {
    /// The address.
    pub email: EmailAddress,
    /// The latest validation, if one was started.
    pub validation: Option<Validation>,
}

/// The payment as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentProgress {
    /// Under a contract (a CA administrator accepts it) rather than from the balance (debited at submission).
    pub contract: bool,
    /// When it was settled (debited, or the contract accepted).
    pub settled_at: Option<i64>,
}

/// A recipient as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientProgress {
    /// The address.
    pub email: EmailAddress,
    /// The host names of a device certificate (lower-case); empty for S/MIME.
    pub dns_names: Vec<String>,
    /// Whether a CSR came with the order.
    pub has_csr: bool,
    /// The latest enrollment link, once sent.
    pub link: Option<Link>,
    /// When the certificate was issued.
    pub issued_at: Option<i64>,
}

/// Everything the order page's pipeline is computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderProgress {
    /// The order.
    pub order: Order,
    /// The organization's validation.
    pub organization: OrganizationProgress,
    /// The domains the order's addresses and names are under (validated ones included).
    pub domains: Vec<DomainProgress>,
    /// The mailboxes at public providers the order needs validated.
    pub mailboxes: Vec<MailboxProgress>,
    /// The payment.
    pub payment: PaymentProgress,
    /// The recipients, in order.
    pub recipients: Vec<RecipientProgress>,
}

/// A validation's step state: done, waiting for `who`, or failed with why.
fn validation_state(validation: Option<&Validation>, who: Actor, now: i64, what: &str) -> StepState {
    let waiting = StepState::Waiting { who, blocked_by: Vec::new() };
    match validation.map(|validation| validation.status(now)) {
        None | Some(ValidationStatus::Pending { .. }) => waiting,
        Some(ValidationStatus::Validated { validated_at, .. }) => StepState::Done { at: validated_at },
        Some(ValidationStatus::RandomValueExpired { .. }) => StepState::Failed {
            reason: format!("The {what} expired after 24 hours without an answer: send a new one."),
        },
        Some(ValidationStatus::ValidationExpired { .. }) => StepState::Failed {
            reason: format!("The {what} was answered too long ago to be relied on: validate again."),
        },
    }
}

/// The organization, domain, mailbox and payment steps, before any cancellation.
fn validation_steps(progress: &OrderProgress, now: i64) -> Vec<Step> {
    let mut steps = Vec::new();
    let organization = &progress.organization;
    // Only the CA's staff validate an organization (`crate::vetting`): the step waits for them, or says why
    // it cannot move (rejected, or a question to answer on the organization's page).
    let state = match validation_state(organization.validation.as_ref(), Actor::CaAdministrator, now, "vetting") {
        done @ StepState::Done { .. } => done,
        other => match &organization.vetting {
            VettingStatus::Rejected { reason, .. } => {
                StepState::Failed { reason: format!("The CA's staff rejected the organization: {reason}") }
            }
            VettingStatus::InformationRequested { question, .. } => StepState::Failed {
                reason: format!(
                    "The CA's staff need more information: {question} Answer on the organization's page; the \
                     organization then goes back to them."
                ),
            },
            VettingStatus::Waiting { .. } | VettingStatus::Validated { .. } => match other {
                StepState::Failed { .. } => StepState::Waiting { who: Actor::CaAdministrator, blocked_by: Vec::new() },
                waiting => waiting,
            },
        },
    };
    steps.push(Step { subject: StepSubject::Organization, state, actions: vec![Action::CancelOrder] });
    for domain in &progress.domains {
        let (what, mut actions) = match domain.method {
            DomainMethod::ConstructedEmail => {
                ("domain validation email", vec![Action::ResendEmail, Action::ChangeValidationMethod])
            }
            DomainMethod::DnsTxt => ("DNS validation value", vec![Action::ChangeValidationMethod]),
        };
        actions.push(Action::CancelOrder);
        steps.push(Step {
            subject: StepSubject::Domain { domain: domain.domain.to_string() },
            state: validation_state(domain.validation.as_ref(), Actor::DomainContact, now, what),
            actions,
        });
    }
    for mailbox in &progress.mailboxes {
        steps.push(Step {
            subject: StepSubject::Mailbox { email: mailbox.email.to_string() },
            state: validation_state(mailbox.validation.as_ref(), Actor::Recipient, now, "mailbox validation link"),
            actions: vec![Action::ResendEmail, Action::CancelOrder],
        });
    }
    let payment = &progress.payment;
    steps.push(Step {
        subject: StepSubject::Payment,
        state: match payment.settled_at {
            Some(at) => StepState::Done { at },
            None if payment.contract => StepState::Waiting { who: Actor::CaAdministrator, blocked_by: Vec::new() },
            None => StepState::Waiting { who: Actor::Nobody, blocked_by: Vec::new() },
        },
        actions: vec![Action::CancelOrder],
    });
    steps
}

/// The order page's pipeline at `now`: the organization, each domain, each mailbox, the payment, then each
/// recipient, in that order. A recipient waits for the organization, the payment, and the domain or mailbox
/// its address needs (`blocked_by` names those not done); then for its enrollment (the recipient acts on the
/// link) or its CSR's issuance (no one acts). Done steps offer no action; a cancelled order's open steps are
/// failed and offer none; a completed order's steps are all done.
pub fn pipeline(progress: &OrderProgress, now: i64) -> Vec<Step> {
    let mut steps = validation_steps(progress, now);
    let not_done = |step: &Step| !matches!(step.state, StepState::Done { .. });
    // `validation_steps` order: the organization, the domains, the mailboxes, the payment. It always makes
    // the organization's step, so `split_first` cannot fail.
    let (organization, rest) = steps.split_first().expect("the organization step is always first");
    let (domains, rest) = rest.split_at(progress.domains.len());
    let (mailboxes, payment) = rest.split_at(progress.mailboxes.len());
    let mut recipient_steps = Vec::new();
    for (index, recipient) in progress.recipients.iter().enumerate() {
        let under = |domain: &Domain| {
            domain.contains(&recipient.email) || recipient.dns_names.iter().any(|name| domain.contains_name(name))
        };
        let blocked_by: Vec<StepSubject> = [organization]
            .into_iter()
            .chain(
                progress.domains.iter().zip(domains).filter(|(domain, _)| under(&domain.domain)).map(|(_, step)| step),
            )
            .chain(
                progress
                    .mailboxes
                    .iter()
                    .zip(mailboxes)
                    .filter(|(mailbox, _)| mailbox.email.same_mailbox(&recipient.email))
                    .map(|(_, step)| step),
            )
            .chain(payment)
            .filter(|step| not_done(step))
            .map(|step| step.subject.clone())
            .collect();
        let (state, actions) = if let Some(at) = recipient.issued_at {
            (StepState::Done { at }, Vec::new())
        } else if !blocked_by.is_empty() || recipient.has_csr {
            // Blocked by others, or a CSR Keyward issues itself: no one acts on this step.
            (StepState::Waiting { who: Actor::Nobody, blocked_by }, vec![Action::CancelOrder])
        } else {
            match recipient.link.map(|link| link.status(now)) {
                None => (StepState::Waiting { who: Actor::Nobody, blocked_by }, vec![Action::CancelOrder]),
                Some(LinkStatus::Open { .. }) => (
                    StepState::Waiting { who: Actor::Recipient, blocked_by },
                    vec![Action::ResendEmail, Action::CancelOrder],
                ),
                Some(LinkStatus::Expired { .. }) => (
                    StepState::Failed {
                        reason: "The enrollment link expired unused: send a new one to the recipient.".into(),
                    },
                    vec![Action::ResendEmail, Action::CancelOrder],
                ),
                // A link is spent in the batch that records the certificate: a spent link without a
                // certificate would be a failed issuance, which rolled the spend back.
                Some(LinkStatus::Spent { spent_at }) => (StepState::Done { at: spent_at }, Vec::new()),
            }
        };
        recipient_steps.push(Step {
            subject: StepSubject::Recipient { index, email: recipient.email.to_string() },
            state,
            actions,
        });
    }
    steps.extend(recipient_steps);
    for step in &mut steps {
        if !not_done(step) {
            step.actions.clear();
        } else if progress.order.state == OrderState::Cancelled {
            step.state = StepState::Failed { reason: "The order was cancelled.".into() };
            step.actions.clear();
        }
    }
    steps
}

/// Why an order transition is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrderStateError {
    /// The order is completed: it can no longer change.
    Completed {
        /// When it was completed.
        at: i64,
    },
    /// The order is cancelled: it can no longer change.
    Cancelled {
        /// When it was cancelled.
        at: i64,
    },
    /// Some validation steps or the payment are not done (nothing to write).
    ValidationsPending {
        /// How many steps are not done.
        steps: usize,
    },
    /// The order is not waiting for validations.
    NotAwaitingValidation {
        /// Its state.
        state: OrderState,
    },
    /// The order is not waiting for enrollments.
    NotAwaitingEnrollment {
        /// Its state.
        state: OrderState,
    },
    /// No recipient at this position.
    RecipientUnknown {
        /// The position.
        recipient: usize,
    },
    /// The recipient has a certificate already.
    RecipientAlreadyEnrolled {
        /// The position.
        recipient: usize,
        /// When it was issued.
        at: i64,
    },
}

impl OrderStateError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Completed { .. } => "order_completed",
            Self::Cancelled { .. } => "order_cancelled",
            Self::ValidationsPending { .. } => "order_validations_pending",
            Self::NotAwaitingValidation { .. } => "order_not_awaiting_validation",
            Self::NotAwaitingEnrollment { .. } => "order_not_awaiting_enrollment",
            Self::RecipientUnknown { .. } => "recipient_unknown",
            Self::RecipientAlreadyEnrolled { .. } => "recipient_already_enrolled",
        }
    }

    /// The request field it is about: the recipient for recipient errors, none otherwise (the order is in
    /// the path).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::RecipientUnknown { .. } | Self::RecipientAlreadyEnrolled { .. } => Some("recipient"),
            _ => None,
        }
    }
}

impl core::fmt::Display for OrderStateError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Completed { .. } => formatter
                .write_str("This order is completed: every certificate was issued. Revoke a certificate to stop it."),
            Self::Cancelled { .. } => {
                formatter.write_str("This order was cancelled and can no longer change: place a new order.")
            }
            Self::ValidationsPending { steps } => {
                write!(formatter, "{steps} validation or payment steps are not done yet.")
            }
            Self::NotAwaitingValidation { state } => {
                write!(formatter, "This order is not waiting for validation (it is {}).", state.as_str())
            }
            Self::NotAwaitingEnrollment { state } => {
                write!(formatter, "This order is not waiting for enrollments (it is {}).", state.as_str())
            }
            Self::RecipientUnknown { recipient } => write!(formatter, "This order has no recipient {recipient}."),
            Self::RecipientAlreadyEnrolled { .. } => {
                formatter.write_str("This recipient already has a certificate from this order.")
            }
        }
    }
}

impl std::error::Error for OrderStateError {}

#[cfg(test)]
mod tests;
