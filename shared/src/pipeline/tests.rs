//! The order state machine and the pipeline the order page shows.

use super::*;
use crate::link::ENROLLMENT_LINK_LIFETIME_SECONDS;
use crate::validation::{DAY_SECONDS, ValidationKind};

/// 2026-12-02T00:00:00Z.
const NOW: i64 = 1_796_169_600;
const HOUR: i64 = 3_600;

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).expect(text)
}

fn validated(kind: ValidationKind, at: i64) -> Option<Validation> {
    Some(Validation::new(kind, at).complete(at).expect("pending"))
}

fn order(state: OrderState) -> Order {
    Order { state, created_at: NOW - HOUR, closed_at: None, version: 3 }
}

/// An order for ada@example.com (CSR later) and bob@gmail.com (CSR now), with the organization and
/// example.com validated, bob's mailbox pending, and the balance debited.
fn progress() -> OrderProgress {
    OrderProgress {
        order: order(OrderState::AwaitingValidation),
        organization: OrganizationProgress {
            validation: validated(ValidationKind::Organization, NOW - 10 * DAY_SECONDS),
            vetting: VettingStatus::Validated { until: NOW + 815 * DAY_SECONDS },
        },
        domains: vec![DomainProgress {
            domain: Domain::parse("example.com").expect("valid"),
            validation: validated(ValidationKind::Domain, NOW - DAY_SECONDS),
            method: DomainMethod::DnsTxt,
        }],
        mailboxes: vec![MailboxProgress {
            email: email("bob@gmail.com"),
            validation: Some(Validation::new(ValidationKind::Mailbox, NOW - HOUR)),
        }],
        payment: PaymentProgress { contract: false, settled_at: Some(NOW - HOUR) },
        recipients: vec![
            RecipientProgress {
                email: email("ada@example.com"),
                dns_names: Vec::new(),
                has_csr: false,
                link: None,
                issued_at: None,
            },
            RecipientProgress {
                email: email("bob@gmail.com"),
                dns_names: Vec::new(),
                has_csr: true,
                link: None,
                issued_at: None,
            },
        ],
    }
}

fn waiting(who: Actor, blocked_by: Vec<StepSubject>) -> StepState {
    StepState::Waiting { who, blocked_by }
}

/// The pipeline at `now` as (subject, state, actions), compared with `expected`.
fn check(progress: &OrderProgress, now: i64, expected: &[(StepSubject, StepState, &[Action])]) {
    let steps = pipeline(progress, now);
    let found: Vec<(StepSubject, StepState, &[Action])> =
        steps.iter().map(|step| (step.subject.clone(), step.state.clone(), step.actions.as_slice())).collect();
    assert_eq!(found, expected);
}

fn recipient(index: usize, email: &str) -> StepSubject {
    StepSubject::Recipient { index, email: email.into() }
}

fn mailbox(email: &str) -> StepSubject {
    StepSubject::Mailbox { email: email.into() }
}

fn example() -> StepSubject {
    StepSubject::Domain { domain: "example.com".into() }
}

use Action::{CancelOrder, ChangeValidationMethod, ResendEmail};

#[test]
fn a_pending_mailbox_blocks_only_its_recipient() {
    let organization_done = StepState::Done { at: NOW - 10 * DAY_SECONDS };
    check(
        &progress(),
        NOW,
        &[
            (StepSubject::Organization, organization_done.clone(), &[]),
            (example(), StepState::Done { at: NOW - DAY_SECONDS }, &[]),
            (mailbox("bob@gmail.com"), waiting(Actor::Recipient, vec![]), &[ResendEmail, CancelOrder]),
            (StepSubject::Payment, StepState::Done { at: NOW - HOUR }, &[]),
            // Ada's validations are done but the order waits for Bob's mailbox: her link is not sent yet.
            (recipient(0, "ada@example.com"), waiting(Actor::Nobody, vec![]), &[CancelOrder]),
            (recipient(1, "bob@gmail.com"), waiting(Actor::Nobody, vec![mailbox("bob@gmail.com")]), &[CancelOrder]),
        ],
    );
    // 24 hours later the mailbox link has expired: the step fails and offers a resend.
    let steps = pipeline(&progress(), NOW + 23 * HOUR);
    assert!(matches!(&steps[2].state, StepState::Failed { reason } if reason.contains("24 hours")), "{steps:?}");
    assert_eq!(steps[2].actions, [ResendEmail, CancelOrder]);
}

#[test]
fn who_acts_on_each_validation() {
    let mut progress = progress();
    progress.organization =
        OrganizationProgress { validation: None, vetting: VettingStatus::Waiting { since: NOW - DAY_SECONDS } };
    progress.domains[0].validation = Some(Validation::new(ValidationKind::Domain, NOW));
    progress.domains[0].method = DomainMethod::ConstructedEmail;
    progress.payment = PaymentProgress { contract: true, settled_at: None };
    let everything = vec![StepSubject::Organization, example(), StepSubject::Payment];
    check(
        &progress,
        NOW,
        &[
            (StepSubject::Organization, waiting(Actor::CaAdministrator, vec![]), &[CancelOrder]),
            (example(), waiting(Actor::DomainContact, vec![]), &[ResendEmail, ChangeValidationMethod, CancelOrder]),
            (mailbox("bob@gmail.com"), waiting(Actor::Recipient, vec![]), &[ResendEmail, CancelOrder]),
            (StepSubject::Payment, waiting(Actor::CaAdministrator, vec![]), &[CancelOrder]),
            (recipient(0, "ada@example.com"), waiting(Actor::Nobody, everything), &[CancelOrder]),
            (
                recipient(1, "bob@gmail.com"),
                waiting(Actor::Nobody, vec![StepSubject::Organization, mailbox("bob@gmail.com"), StepSubject::Payment]),
                &[CancelOrder],
            ),
        ],
    );
    // Only the CA's staff validate: rejected, the step fails with their reason; asked, with their question.
    let cases = [
        (
            VettingStatus::Rejected { reason: "Dissolved in 2024.".into(), at: NOW },
            "rejected the organization: Dissolved",
        ),
        (
            VettingStatus::InformationRequested { question: "Which address is current?".into(), at: NOW },
            "need more information: Which address is current? Answer on the organization's page",
        ),
    ];
    for (vetting, expected) in cases {
        progress.organization = OrganizationProgress { validation: None, vetting };
        let steps = pipeline(&progress, NOW);
        assert!(matches!(&steps[0].state, StepState::Failed { reason } if reason.contains(expected)), "{steps:?}");
        assert_eq!(steps[0].actions, [CancelOrder]);
    }
    // A lapsed validation is back in the CA administrators' work list: the step waits for them.
    progress.organization = OrganizationProgress {
        validation: validated(ValidationKind::Organization, NOW - 825 * DAY_SECONDS),
        vetting: VettingStatus::Waiting { since: NOW },
    };
    assert_eq!(pipeline(&progress, NOW)[0].state, waiting(Actor::CaAdministrator, vec![]));
}

#[test]
fn validations_complete_sends_links_and_issues_csrs() {
    let mut progress = progress();
    let order = progress.order;
    assert_eq!(order.validations_complete(&progress, NOW), Err(OrderStateError::ValidationsPending { steps: 1 }));
    progress.mailboxes[0].validation =
        Some(progress.mailboxes[0].validation.expect("set").complete(NOW).expect("pending"));
    let transition = order.validations_complete(&progress, NOW).expect("everything validated");
    assert_eq!(transition.order, Order { state: OrderState::AwaitingEnrollment, version: 4, ..order });
    assert_eq!(transition.work, [Work::SendEnrollmentLink { recipient: 0 }, Work::IssueFromCsr { recipient: 1 }]);
    assert_eq!(transition.audit.action, "order_validated");
    let detail: serde_json::Value = serde_json::from_str(&transition.audit.detail).expect("JSON");
    assert_eq!(detail, serde_json::json!({"enrollment_links": 1, "csr_issuances": 1}));
    // Only once.
    assert_eq!(
        transition.order.validations_complete(&progress, NOW),
        Err(OrderStateError::NotAwaitingValidation { state: OrderState::AwaitingEnrollment })
    );
}

#[test]
fn enrollment_then_completion() {
    let mut progress = progress();
    progress.mailboxes[0].validation = validated(ValidationKind::Mailbox, NOW - HOUR);
    progress.order = order(OrderState::AwaitingEnrollment);
    progress.recipients[0].link = Some(Link::new(NOW - HOUR, ENROLLMENT_LINK_LIFETIME_SECONDS));
    check(
        &progress,
        NOW,
        &[
            (StepSubject::Organization, StepState::Done { at: NOW - 10 * DAY_SECONDS }, &[]),
            (example(), StepState::Done { at: NOW - DAY_SECONDS }, &[]),
            (mailbox("bob@gmail.com"), StepState::Done { at: NOW - HOUR }, &[]),
            (StepSubject::Payment, StepState::Done { at: NOW - HOUR }, &[]),
            (recipient(0, "ada@example.com"), waiting(Actor::Recipient, vec![]), &[ResendEmail, CancelOrder]),
            (recipient(1, "bob@gmail.com"), waiting(Actor::Nobody, vec![]), &[CancelOrder]),
        ],
    );
    // Bob's CSR is issued first: the order still waits for Ada.
    let first = progress.order.recipient_enrolled(&progress, 1, NOW).expect("awaiting enrollment");
    assert_eq!(
        (first.order.state, first.order.version, first.audit.action),
        (OrderState::AwaitingEnrollment, 4, "recipient_enrolled")
    );
    progress.order = first.order;
    progress.recipients[1].issued_at = Some(NOW);
    assert_eq!(
        progress.order.recipient_enrolled(&progress, 1, NOW + 1),
        Err(OrderStateError::RecipientAlreadyEnrolled { recipient: 1, at: NOW })
    );
    assert_eq!(
        progress.order.recipient_enrolled(&progress, 2, NOW),
        Err(OrderStateError::RecipientUnknown { recipient: 2 })
    );
    // Ada's link expires unused: failed, with a resend.
    let later = NOW + ENROLLMENT_LINK_LIFETIME_SECONDS;
    let steps = pipeline(&progress, later);
    assert!(matches!(&steps[4].state, StepState::Failed { reason } if reason.contains("expired")), "{steps:?}");
    assert_eq!(steps[4].actions, [ResendEmail, CancelOrder]);
    assert_eq!(steps[5].state, StepState::Done { at: NOW });
    // Ada enrolls: the last one completes the order.
    let last = progress.order.recipient_enrolled(&progress, 0, NOW + HOUR).expect("awaiting enrollment");
    assert_eq!(
        last.order,
        Order { state: OrderState::Completed, closed_at: Some(NOW + HOUR), version: 5, ..progress.order }
    );
    assert_eq!(last.audit.action, "order_completed");
    progress.order = last.order;
    progress.recipients[0].issued_at = Some(NOW + HOUR);
    assert!(
        pipeline(&progress, NOW + HOUR)
            .iter()
            .all(|step| matches!(step.state, StepState::Done { .. }) && step.actions.is_empty())
    );
    assert_eq!(
        progress.order.cancel(NOW + 2 * HOUR, Refund::default()),
        Err(OrderStateError::Completed { at: NOW + HOUR })
    );
}

#[test]
fn cancel_until_completed() {
    for state in [OrderState::AwaitingValidation, OrderState::AwaitingEnrollment] {
        let refund = Refund::of(5_000, 2, 1);
        let transition = order(state).cancel(NOW, refund).expect("open orders cancel");
        assert_eq!(
            transition.order,
            Order { state: OrderState::Cancelled, closed_at: Some(NOW), version: 4, ..order(state) }
        );
        assert_eq!(transition.audit.action, "order_cancelled");
        assert!(transition.work.is_empty());
        assert!(transition.audit.detail.contains(state.as_str()));
        let detail: serde_json::Value = serde_json::from_str(&transition.audit.detail).expect("JSON");
        assert_eq!((detail["refund_cents"].as_i64(), detail["refunded_recipients"].as_u64()), (Some(2_500), Some(1)));
        assert_eq!(transition.order.cancel(NOW + 1, refund), Err(OrderStateError::Cancelled { at: NOW }));
    }
    // A cancelled order's open steps are failed and offer nothing; done steps stay done.
    let mut progress = progress();
    progress.order = order(OrderState::AwaitingValidation).cancel(NOW, Refund::default()).expect("open").order;
    let steps = pipeline(&progress, NOW);
    assert_eq!(steps[0].state, StepState::Done { at: NOW - 10 * DAY_SECONDS });
    assert_eq!(steps[2].state, StepState::Failed { reason: "The order was cancelled.".into() });
    assert!(steps.iter().all(|step| step.actions.is_empty()));
    // Nothing else moves a cancelled order.
    assert!(matches!(progress.order.validations_complete(&progress, NOW), Err(OrderStateError::Cancelled { .. })));
    assert!(matches!(progress.order.recipient_enrolled(&progress, 0, NOW), Err(OrderStateError::Cancelled { .. })));
}

#[test]
fn placing_an_order() {
    use crate::order::{CheckedOrder, CheckedPayment, SUBSCRIBER_AGREEMENT_VERSION, SignatureHash};
    use crate::profile::ProfileId;
    let checked = CheckedOrder {
        profile: ProfileId::SmimeMailboxStrict,
        organization_id: "org_1".into(),
        signature_hash: SignatureHash::Sha256,
        validity_days: 365,
        auto_renewals: 0,
        recipients: Vec::new(),
        notification_emails: Vec::new(),
        payment: CheckedPayment::Contract { reference: "PO-1".into() },
        price_cents: 0,
        subscriber_agreement: SUBSCRIBER_AGREEMENT_VERSION,
        idempotency_key: "k".repeat(16),
        lapsed_domains: Vec::new(),
        organization_lapsed: false,
    };
    let (order, audit) = Order::place(&checked, NOW);
    assert_eq!(order, Order { state: OrderState::AwaitingValidation, created_at: NOW, closed_at: None, version: 0 });
    assert_eq!(audit.action, "order_placed");
    let detail: serde_json::Value = serde_json::from_str(&audit.detail).expect("JSON");
    assert_eq!(detail["profile"], "smime_mailbox_strict");
    assert_eq!(detail["payment"], "contract");
}

#[test]
fn states_and_steps_on_the_wire() {
    for state in OrderState::ALL {
        assert_eq!(OrderState::parse(state.as_str()), Some(state));
        assert_eq!(serde_json::to_value(state).expect("serializes"), serde_json::Value::from(state.as_str()));
    }
    assert_eq!(OrderState::parse("open"), None);
    let step = Step {
        subject: recipient(1, "bob@gmail.com"),
        state: waiting(Actor::Nobody, vec![mailbox("bob@gmail.com")]),
        actions: vec![CancelOrder],
    };
    assert_eq!(
        serde_json::to_value(&step).expect("serializes"),
        serde_json::json!({
            "subject": {"kind": "recipient", "index": 1, "email": "bob@gmail.com"},
            "state": {"state": "waiting", "who": "nobody", "blocked_by": [{"kind": "mailbox", "email": "bob@gmail.com"}]},
            "actions": ["cancel_order"]
        })
    );
}

#[test]
fn error_codes_are_distinct() {
    let errors = [
        OrderStateError::Completed { at: 0 },
        OrderStateError::Cancelled { at: 0 },
        OrderStateError::ValidationsPending { steps: 1 },
        OrderStateError::NotAwaitingValidation { state: OrderState::Completed },
        OrderStateError::NotAwaitingEnrollment { state: OrderState::Completed },
        OrderStateError::RecipientUnknown { recipient: 0 },
        OrderStateError::RecipientAlreadyEnrolled { recipient: 0, at: 0 },
    ];
    for (index, error) in errors.iter().enumerate() {
        assert!(errors[..index].iter().all(|other| other.code() != error.code()), "{error:?}");
        assert!(error.to_string().ends_with('.'), "{error}");
    }
}

#[test]
fn a_device_recipient_waits_for_the_domains_of_its_names() {
    let mut progress = progress();
    progress.domains.push(DomainProgress {
        domain: Domain::parse("corp.example.org").expect("valid"),
        validation: Some(Validation::new(ValidationKind::Domain, NOW)),
        method: DomainMethod::ConstructedEmail,
    });
    progress.mailboxes.clear();
    progress.recipients = vec![
        RecipientProgress {
            email: email("it@example.com"),
            dns_names: vec!["ws-1.corp.example.org".into()],
            has_csr: true,
            link: None,
            issued_at: None,
        },
        RecipientProgress {
            email: email("it@example.com"),
            dns_names: vec!["ws-2.example.com".into()],
            has_csr: true,
            link: None,
            issued_at: None,
        },
    ];
    let steps = pipeline(&progress, NOW);
    let corp = StepSubject::Domain { domain: "corp.example.org".into() };
    assert_eq!(steps[2].state, waiting(Actor::DomainContact, vec![]));
    assert_eq!(steps[4].state, waiting(Actor::Nobody, vec![corp]));
    assert_eq!(steps[5].state, waiting(Actor::Nobody, vec![]));
}
