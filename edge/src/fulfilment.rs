//! Fulfilment: moving orders on. It reads what an order's pipeline shows (`progress`: the order, its
//! validations, its recipients), applies `shared::pipeline`'s transitions in memory, and carries out their work in
//! the transition's batch: a new enrollment link and its email, or a certificate from the CSR given with the order
//! through the issuance pipeline (`issuing.rs`) and an issuance slot. A CSR the pipeline refuses after placement is
//! recorded on its recipient. `advance` runs after a validation completes and from the scheduled handler;
//! `enrolled_statements` is the order's part of an enrollment's batch.

use shared::address::{Domain, EmailAddress};
use shared::issuance::pipeline::{self as issuance, Mailing, Refusal};
use shared::link::{ENROLLMENT_LINK_LIFETIME_SECONDS, Link, Token};
use shared::mail::{Invitation, enrollment_invitation};
use shared::pipeline::{
    AuditEvent, DomainProgress, MailboxProgress, Order, OrderProgress, OrganizationProgress, PaymentProgress,
    RecipientProgress, Transition, Work,
};
use shared::validation::{DomainMethod, Validation, ValidationKind, ValidationStatus};
use shared::vetting::{Record, VettingStatus};
use worker::{D1Database, D1PreparedStatement, Env};

use crate::db::batch_error;
use crate::error::AppError;
use crate::store::audit_log;
use crate::store::enrollment_links;
use crate::store::orders::{self, OrderRow, StoredPayment};
use crate::store::organizations;
use crate::store::recipients::{self, RecipientRow};
use crate::store::validations::{self, Method};
use crate::store::vettings::{self, AnswerRow, VettingRow};
use crate::{issuing, outbox, platform};

/// The validation an order relies on for a subject, with how it is done: the latest completed one, else the latest
/// pending one; but when the completed one lapsed at `now` and a newer one was asked since (a renewal asks a lapsed
/// validation again), that newer one.
async fn latest_validation(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
    subject: &str,
    now: i64,
) -> Result<Option<(Validation, Method)>, AppError> {
    let row = validations::relied_on(db, account_id, kind, subject).await?;
    // A validation that lapsed and was asked again (a renewal): the new attempt is what the order waits for.
    if let Some(relied) = &row
        && matches!(relied.validation().status(now), ValidationStatus::ValidationExpired { .. })
        && let Some(pending) = validations::current(db, account_id, kind, subject).await?
        && pending.validated_at.is_none()
        && pending.created_at >= relied.created_at
    {
        return Ok(Some((pending.validation(), pending.method)));
    }
    Ok(row.map(|row| (row.validation(), row.method)))
}

/// Everything the pipeline shows, read for one order.
pub async fn progress(
    db: &D1Database,
    order: &OrderRow,
    recipients: &[RecipientRow],
    now: i64,
) -> Result<OrderProgress, AppError> {
    let stored = order.stored();
    let account = order.account_id.clone().unwrap_or_default();
    // Only the CA's staff validate an organization: the step is done by the organization's validation, and
    // otherwise says where its vetting stands (the emailed code, a contact's confirmation, counts for nothing).
    let validation = order.organization_validated_at.map(|at| Validation {
        kind: ValidationKind::Organization,
        created_at: at,
        expires_at: at,
        validated_at: Some(at),
        version: 0,
    });
    let vetting = match organizations::of_any_account(db, &order.organization_id).await? {
        Some(row) => {
            let ids = std::slice::from_ref(&row.id);
            let records: Vec<Record> = vettings::of_organizations(db, ids)
                .await?
                .iter()
                .map(VettingRow::record)
                .chain(vettings::answers_of_organizations(db, ids).await?.iter().map(AnswerRow::record))
                .collect();
            shared::vetting::status(row.created_at, row.validated_until, &records, now)
        }
        None => VettingStatus::Waiting { since: order.created_at },
    };
    let organization = OrganizationProgress { validation, vetting };
    let mut domains = Vec::new();
    for name in &stored.domains {
        let domain = Domain::parse(name).map_err(|_| AppError::internal("stored domain does not parse"))?;
        let latest = latest_validation(db, &account, ValidationKind::Domain, name, now).await?;
        let method = latest.as_ref().and_then(|(_, method)| method.domain()).unwrap_or(DomainMethod::ConstructedEmail);
        domains.push(DomainProgress { domain, validation: latest.map(|(validation, _)| validation), method });
    }
    let mut mailboxes = Vec::new();
    for address in &stored.mailboxes {
        let email = EmailAddress::parse(address).map_err(|_| AppError::internal("stored mailbox does not parse"))?;
        let latest = latest_validation(db, &account, ValidationKind::Mailbox, address, now).await?;
        mailboxes.push(MailboxProgress { email, validation: latest.map(|(validation, _)| validation) });
    }
    let recipients = recipients
        .iter()
        .map(|row| {
            Ok(RecipientProgress {
                email: EmailAddress::parse(&row.email)
                    .map_err(|_| AppError::internal("stored email does not parse"))?,
                dns_names: row.dns_names()?,
                has_csr: row.csr.is_some(),
                link: row.link().filter(|_| row.csr.is_none()),
                issued_at: row.issued_at,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(OrderProgress {
        order: order.order(),
        organization,
        domains,
        mailboxes,
        // Balance orders are charged to the balance, contract orders to their contract's ledger, in the batch that
        // places them: both are settled at placement.
        payment: PaymentProgress {
            contract: stored.payment == StoredPayment::Contract,
            settled_at: Some(order.created_at),
        },
        recipients,
    })
}

/// The statements that carry out a transition's work for one recipient, and the certificate issued if any.
pub struct WorkContext<'a> {
    pub env: &'a Env,
    pub db: &'a D1Database,
    pub origin: &'a str,
    pub now: i64,
    /// Who acts, for the audit records (the user placing the order, or `keyward` moving it on).
    pub actor: &'a str,
}

/// What performing a work item came to.
pub enum Performed {
    /// Its statements are in the batch.
    Done,
    /// The issuance pipeline refused the recipient's CSR: nothing of it is in the batch.
    Refused(Refusal),
}

/// Performs `work` for the recipient row: a new enrollment link and its email, or the certificate from the CSR
/// given with the order (stored through a spent issuance slot) and its email.
pub async fn perform(
    context: &WorkContext<'_>,
    order: &OrderRow,
    recipient: &RecipientRow,
    work: Work,
    statements: &mut Vec<D1PreparedStatement>,
    mail: &mut Vec<String>,
) -> Result<Performed, AppError> {
    let WorkContext { env, db, origin, now, actor } = *context;
    let profile = order.profile.profile();
    let facts = recipient.facts(order)?;
    match work {
        Work::SendEnrollmentLink { .. } => {
            let token = Token::from_random(platform::random()?);
            let link = Link::new(now, ENROLLMENT_LINK_LIFETIME_SECONDS);
            let url = format!("{origin}/enroll/{}", token.as_str());
            statements.push(enrollment_links::insert(db, &platform::new_id()?, &recipient.id, &token, &link)?);
            let (greeting, certified) = (recipient.display(&facts), facts.certified(profile));
            let email = enrollment_invitation(
                recipient.lang,
                &Invitation {
                    recipient_name: &greeting,
                    recipient_email: &facts.recipient_email,
                    organization: &order.organization_name,
                    kind: profile.kind,
                    certified: &certified,
                    enrollment_url: &url,
                    expires_in_days: ENROLLMENT_LINK_LIFETIME_SECONDS / 86_400,
                },
            );
            let (statement, id) = outbox::enqueue(db, &email, now)?;
            statements.push(statement);
            mail.push(id);
        }
        Work::IssueFromCsr { .. } => {
            let pem = recipient.csr.as_deref().ok_or_else(|| AppError::internal("IssueFromCsr without a CSR"))?;
            let csr = match issuance::parse(pem) {
                Ok(csr) => csr,
                Err(refusal) => return Ok(Performed::Refused(refusal)),
            };
            let issuer = issuing::Issuer::from_env(env)?;
            let greeting = recipient.display(&facts);
            let notification_emails = order.stored().notification_emails;
            let subject = issuing::Subject {
                profile,
                facts: &facts,
                organization_id: &order.organization_id,
                mailing: Mailing {
                    lang: recipient.lang,
                    greeting: &greeting,
                    notification_emails: &notification_emails,
                    origin,
                },
                actor,
                subject: ("recipient", &recipient.id),
                ends_no_later_than: None,
            };
            let issued = match issuing::issue(&issuer, db, &csr, &subject, now).await? {
                Ok(issued) => issued,
                Err(refusal) => return Ok(Performed::Refused(refusal)),
            };
            // The issuance slot: a link created spent, so the one-certificate-per-link guard holds here too.
            let slot_id = platform::new_id()?;
            statements.push(enrollment_links::insert_issuance_slot(db, &slot_id, &recipient.id, now)?);
            let (recorded, queued) = issuing::statements(db, &issued, &recipient.id, &slot_id, actor, &order.id, now)?;
            statements.extend(recorded);
            mail.extend(queued);
        }
    }
    Ok(Performed::Done)
}

/// An order moved on in memory by [`advance_statements`].
pub struct Advanced {
    /// The order to write.
    pub state: Order,
    /// The work's statements (links, certificates, refusals recorded on their recipients) and emails' rows.
    pub statements: Vec<D1PreparedStatement>,
    /// The audit events of the transitions.
    pub events: Vec<AuditEvent>,
    /// Recipients whose CSR the issuance pipeline refused, with the request field and the refusal.
    pub refused: Vec<(String, Refusal)>,
}

/// Applies transitions in memory from `progress` at `now`: validations complete (then each work item), and
/// each CSR issuance completing its recipient. A CSR the issuance pipeline refuses completes nothing: its
/// recipient row records why (the order page shows it). `None` when validations are still pending.
pub async fn advance_statements(
    context: &WorkContext<'_>,
    order: &OrderRow,
    recipients: &[RecipientRow],
    mut progress: OrderProgress,
    mail: &mut Vec<String>,
) -> Result<Option<Advanced>, AppError> {
    let Ok(transition) = progress.order.validations_complete(&progress, context.now) else {
        return Ok(None);
    };
    let mut advanced = Advanced {
        state: transition.order,
        statements: Vec::new(),
        events: vec![transition.audit],
        refused: Vec::new(),
    };
    for work in transition.work {
        let index = match work {
            Work::SendEnrollmentLink { recipient } | Work::IssueFromCsr { recipient } => recipient,
        };
        let recipient = recipients.get(index).ok_or_else(|| AppError::internal("work for an unknown recipient"))?;
        match perform(context, order, recipient, work, &mut advanced.statements, mail).await? {
            Performed::Done if matches!(work, Work::IssueFromCsr { .. }) => {
                let enrolled = advanced.state.recipient_enrolled(&progress, index, context.now)?;
                progress.recipients[index].issued_at = Some(context.now);
                advanced.state = enrolled.order;
                advanced.events.push(enrolled.audit);
            }
            Performed::Done => {}
            Performed::Refused(refusal) => {
                advanced.statements.push(recipients::record_refusal(context.db, &recipient.id, &refusal, context.now)?);
                advanced.events.push(AuditEvent {
                    action: "recipient_issuance_refused",
                    detail: serde_json::json!({ "recipient": index, "code": refusal.code() }).to_string(),
                });
                advanced.refused.push((format!("recipients[{index}].csr"), refusal));
            }
        }
    }
    Ok(Some(advanced))
}

/// Moves the account's orders that waited for a validation forward once their validations are done: called
/// after a validation completes, and by the scheduled handler for any it missed. An order that fails (its rows
/// cannot be read, a batch fails) does not stop the others: it is logged and audited (`order.advance_failed`),
/// stays where it was, and the next run tries it again. A version conflict means another run moved it.
pub async fn advance(env: &Env, db: &D1Database, account_id: &str, origin: &str, now: i64) -> Result<(), AppError> {
    for id in orders::awaiting_validation(db, account_id).await? {
        if let Err(error) = advance_order(env, db, account_id, &id, origin, now).await {
            worker::console_error!("advancing order {id} failed: {error:?}; the next run tries again");
            let detail = serde_json::json!({ "code": error.code(), "message": error.message() });
            let recorded = async {
                audit_log::record(db, now, "keyward", "order.advance_failed", ("order", &id), &detail)?.run().await
            };
            if let Err(error) = recorded.await {
                worker::console_error!("recording that order {id} failed to advance: {error:?}");
            }
        }
    }
    Ok(())
}

/// One order of [`advance`].
async fn advance_order(
    env: &Env,
    db: &D1Database,
    account_id: &str,
    id: &str,
    origin: &str,
    now: i64,
) -> Result<(), AppError> {
    let order = orders::find(db, id, Some(account_id)).await?;
    let recipients = recipients::of_order(db, id).await?;
    let progress = progress(db, &order, &recipients, now).await?;
    let context = WorkContext { env, db, origin, now, actor: "keyward" };
    let mut mail = Vec::new();
    let Some(Advanced { state, mut statements, events, refused }) =
        advance_statements(&context, &order, &recipients, progress, &mut mail).await?
    else {
        return Ok(());
    };
    // A DNS lookup that failed may pass at the next run: the order waits rather than record a refusal.
    if refused.iter().any(|(_, refusal)| refusal.is_retryable()) {
        return Ok(());
    }
    // One write of the order, one more than the version read, however many transitions it went through
    // (validated, then each CSR recipient issued): the version trigger refuses anything else.
    statements.insert(0, orders::update(db, id, &Order { version: order.version + 1, ..state })?);
    statements.extend(audit_log::record_events(db, now, "keyward", id, &events)?);
    match db.batch(statements).await.map_err(|error| batch_error(error, "")) {
        Ok(_) => {
            outbox::deliver_soon(env, db, &mail).await;
            Ok(())
        }
        // Another run moved it first: nothing of this batch was written, and nothing is left to do.
        Err(error) if error.is_changed_meanwhile() => Ok(()),
        Err(error) => Err(error),
    }
}

/// The statements that record an enrollment's transition of its order (the order row, its audit record), for
/// the enrollment's batch; a concurrent enrollment of another recipient bumps the version and the caller retries.
pub fn enrolled_statements(
    db: &D1Database,
    transition: &Transition,
    order_id: &str,
    now: i64,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let mut statements = vec![orders::update(db, order_id, &transition.order)?];
    statements.extend(audit_log::record_events(
        db,
        now,
        "recipient",
        order_id,
        std::slice::from_ref(&transition.audit),
    )?);
    Ok(statements)
}

/// The scheduled handler's sweep: [`advance`] for every account with an order waiting for validations.
pub async fn advance_all(env: &Env, db: &D1Database, now: i64) -> Result<(), AppError> {
    let origin = platform::app_url(env)?;
    for account in orders::accounts_awaiting_validation(db).await? {
        // One account's failure (its order list cannot be read) does not stop the others'.
        if let Err(error) = advance(env, db, &account, &origin, now).await {
            worker::console_error!("advancing the orders of account {account} failed: {error:?}");
        }
    }
    Ok(())
}
