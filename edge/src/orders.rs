//! Orders (`shared::api::order` lists the endpoints): placing one (idempotent), following its pipeline, the
//! history with search, cancelling, resending a recipient's link. The rules are `shared::order` and the state
//! machine `shared::pipeline`; here are the reads that feed them and the batches that persist their
//! transitions (the order row, its recipients, links, certificates, emails and audit records together).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::address::{Domain, EmailAddress};
use shared::api::order::{
    IssuanceRefusal, LEDGER_ENTRIES_LISTED, Ledger, LedgerEntry, LedgerKind, ORDERS_PAGE_SIZE, OrderList,
    OrderListQuery, OrderRequest, OrderSummary, OrderView, RecipientView, SignatureHash,
};
use shared::encoding::hex;
use shared::issuance::OrderFacts;
use shared::issuance::pipeline::{self as issuance, Mailing, Refusal};
use shared::lang::Lang;
use shared::link::{ENROLLMENT_LINK_LIFETIME_SECONDS, Link, Token};
use shared::mail::{Invitation, IssuedCertificate, enrollment_invitation, expiry_reminder};
use shared::order::{
    CheckedOrder, CheckedPayment, OrderContext, OrganizationFacts, ValidatedDomain, check_order_request,
};
use shared::pipeline::{
    AuditEvent, DomainProgress, MailboxProgress, Order, OrderProgress, OrderState, OrganizationMethod,
    OrganizationProgress, PaymentProgress, RecipientProgress, Work, pipeline,
};
use shared::profile::ProfileId;
use shared::revocation::RevocationReason;
use shared::validation::{DomainMethod, Validation, ValidationKind};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Response};

use crate::call::{Call, Member};
use crate::db::{audit, commit, integer, is_conflict, json_body, optional_integer, text};
use crate::error::AppError;
use crate::{issuing, outbox, platform};

/// An order with fifty recipients, each with a 4096-bit RSA CSR in PEM, stays under this.
const MAX_BODY_BYTES: usize = 512 * 1024;

/// What a conflicting change of an order says.
const CHANGED_MEANWHILE: &str =
    "The order changed while this request ran (another person or tab). Reload it and try again.";

/// What the order row keeps beyond its columns (`orders.request`, JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredOrder {
    signature_hash: SignatureHash,
    auto_renewals: u32,
    notification_emails: Vec<String>,
    /// `balance` or `contract`.
    payment: String,
    contract_reference: Option<String>,
    price_cents: i64,
    subscriber_agreement: String,
    /// SHA-256 of the request body as submitted: a retry with the same idempotency key must carry the same.
    request_sha256: String,
    /// Validated domains the recipients' addresses and host names fall under.
    domains: Vec<String>,
    /// Addresses at public mail providers that need their own validation.
    mailboxes: Vec<String>,
}

#[derive(Deserialize)]
struct OrderRow {
    id: String,
    account_id: Option<String>,
    organization_id: String,
    organization_name: String,
    organization_identifier: String,
    organization_country: String,
    /// The address's city (`NULL` when not recorded).
    organization_locality: Option<String>,
    /// The address's state, province or region (`NULL` when there is none).
    organization_state_or_province: Option<String>,
    organization_validated_at: Option<i64>,
    profile: String,
    validity_days: u32,
    state: String,
    request: String,
    created_at: i64,
    closed_at: Option<i64>,
    version: i64,
}

const ORDER_COLUMNS: &str = "o.id, o.account_id, o.organization_id, g.name AS organization_name, \
     g.identifier AS organization_identifier, g.country AS organization_country, \
     NULLIF(json_extract(g.address, '$.city'), '') AS organization_locality, \
     NULLIF(json_extract(g.address, '$.region'), '') AS organization_state_or_province, \
     g.validated_at AS organization_validated_at, o.profile, o.validity_days, o.state, o.request, o.created_at, \
     o.closed_at, o.version";

impl OrderRow {
    fn order(&self) -> Result<Order, AppError> {
        Ok(Order {
            state: OrderState::parse(&self.state)
                .ok_or_else(|| AppError::internal(&format!("unknown order state {}", self.state)))?,
            created_at: self.created_at,
            closed_at: self.closed_at,
            version: self.version,
        })
    }

    fn profile(&self) -> Result<ProfileId, AppError> {
        ProfileId::parse(&self.profile).ok_or_else(|| AppError::internal(&format!("unknown profile {}", self.profile)))
    }

    /// The stored extras; orders made by the development seed have none and read as a balance order.
    fn stored(&self) -> StoredOrder {
        serde_json::from_str(&self.request).unwrap_or(StoredOrder {
            signature_hash: SignatureHash::Sha256,
            auto_renewals: 0,
            notification_emails: Vec::new(),
            payment: "contract".into(),
            contract_reference: None,
            price_cents: 0,
            subscriber_agreement: String::new(),
            request_sha256: String::new(),
            domains: Vec::new(),
            mailboxes: Vec::new(),
        })
    }
}

#[derive(Deserialize)]
struct RecipientRow {
    id: String,
    position: i64,
    display_name: String,
    given_name: String,
    surname: String,
    email: String,
    dns_names: String,
    csr: Option<String>,
    link_created_at: Option<i64>,
    link_expires_at: Option<i64>,
    link_spent_at: Option<i64>,
    link_version: Option<i64>,
    serial: Option<String>,
    issued_at: Option<i64>,
    revoked_at: Option<i64>,
    revocation_reason: Option<String>,
    /// JSON `{code, step, message}` (migration 0011).
    issuance_refusal: Option<String>,
    issuance_refused_at: Option<i64>,
}

impl RecipientRow {
    fn facts(&self, order: &OrderRow) -> Result<OrderFacts, AppError> {
        let stored_name = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        Ok(OrderFacts {
            recipient_given_name: stored_name(&self.given_name),
            recipient_surname: stored_name(&self.surname),
            recipient_email: self.email.clone(),
            dns_names: self.dns_names()?,
            organization_name: order.organization_name.clone(),
            organization_identifier: order.organization_identifier.clone(),
            organization_country: order.organization_country.clone(),
            organization_locality: order.organization_locality.clone(),
            organization_state_or_province: order.organization_state_or_province.clone(),
            validity_days: order.validity_days,
        })
    }

    /// How the order names the recipient, and emails greet them: the name stored with the order, else (rows
    /// from before it was stored) the given name and surname, else the address.
    fn display(&self, facts: &OrderFacts) -> String {
        if self.display_name.is_empty() { facts.greeting() } else { self.display_name.clone() }
    }

    /// Why the issuance pipeline refused this recipient's CSR, if it did.
    fn issuance_refusal(&self) -> Result<Option<IssuanceRefusal>, AppError> {
        let (Some(stored), Some(refused_at)) = (&self.issuance_refusal, self.issuance_refused_at) else {
            return Ok(None);
        };
        let value: serde_json::Value =
            serde_json::from_str(stored).map_err(|_| AppError::internal("recipients.issuance_refusal is not JSON"))?;
        let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
        Ok(Some(IssuanceRefusal { code: text("code"), step: text("step"), message: text("message"), refused_at }))
    }

    fn dns_names(&self) -> Result<Vec<String>, AppError> {
        serde_json::from_str(&self.dns_names)
            .map_err(|_| AppError::internal("recipients.dns_names is not a JSON array"))
    }

    fn link(&self) -> Option<Link> {
        Some(Link {
            created_at: self.link_created_at?,
            expires_at: self.link_expires_at?,
            spent_at: self.link_spent_at,
            version: self.link_version.unwrap_or(0),
        })
    }
}

async fn order_row(db: &D1Database, order_id: &str, account_id: Option<&str>) -> Result<OrderRow, AppError> {
    let unknown = || AppError::not_found("id", "No order of your account has this number.");
    let row = db
        .prepare(format!(
            "SELECT {ORDER_COLUMNS} FROM orders o JOIN organizations g ON g.id = o.organization_id WHERE o.id = ?1"
        ))
        .bind(&[text(order_id)])?
        .first::<OrderRow>(None)
        .await?
        .ok_or_else(unknown)?;
    // Tenancy: another account's order reads as unknown.
    if account_id.is_some() && row.account_id.as_deref() != account_id {
        return Err(unknown());
    }
    Ok(row)
}

async fn recipient_rows(db: &D1Database, order_id: &str) -> Result<Vec<RecipientRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT r.id, r.position, r.display_name, r.given_name, r.surname, r.email, r.dns_names, r.csr, \
                    l.created_at AS link_created_at, l.expires_at AS link_expires_at, l.spent_at AS link_spent_at, \
                    l.version AS link_version, c.serial, c.issued_at, c.revoked_at, c.revocation_reason, \
                    r.issuance_refusal, r.issuance_refused_at \
             FROM recipients r \
             LEFT JOIN enrollment_links l ON l.id = (SELECT id FROM enrollment_links WHERE recipient_id = r.id \
                                                     ORDER BY created_at DESC, rowid DESC LIMIT 1) \
             LEFT JOIN certificates c ON c.recipient_id = r.id \
             WHERE r.order_id = ?1 ORDER BY r.position, r.rowid",
        )
        .bind(&[text(order_id)])?
        .all()
        .await?
        .results::<RecipientRow>()?)
}

#[derive(Deserialize)]
struct ValidationRow {
    method: String,
    created_at: i64,
    expires_at: i64,
    validated_at: Option<i64>,
    version: i64,
}

/// The validation an order relies on for a subject: the latest completed one, else the latest pending one.
async fn latest_validation(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
    subject: &str,
) -> Result<Option<(Validation, String)>, AppError> {
    let kind_text = match kind {
        ValidationKind::Organization => "organization",
        ValidationKind::Domain => "domain",
        ValidationKind::Mailbox => "mailbox",
    };
    let row = db
        .prepare(
            "SELECT method, created_at, expires_at, validated_at, version FROM validations \
             WHERE account_id = ?1 AND kind = ?2 AND subject = ?3 AND (validated_at IS NOT NULL OR superseded_at IS NULL) \
             ORDER BY validated_at IS NULL, validated_at DESC, created_at DESC LIMIT 1",
        )
        .bind(&[text(account_id), text(kind_text), text(subject)])?
        .first::<ValidationRow>(None)
        .await?;
    Ok(row.map(|row| {
        let validation = Validation {
            kind,
            created_at: row.created_at,
            expires_at: row.expires_at,
            validated_at: row.validated_at,
            version: row.version,
        };
        (validation, row.method)
    }))
}

/// Everything the pipeline shows, read for one order.
async fn progress(db: &D1Database, order: &OrderRow, recipients: &[RecipientRow]) -> Result<OrderProgress, AppError> {
    let stored = order.stored();
    let account = order.account_id.clone().unwrap_or_default();
    let organization = match order.organization_validated_at {
        Some(at) => OrganizationProgress {
            validation: Some(Validation {
                kind: ValidationKind::Organization,
                created_at: at,
                expires_at: at,
                validated_at: Some(at),
                version: 0,
            }),
            method: OrganizationMethod::VerificationCall,
        },
        None => {
            let latest = latest_validation(db, &account, ValidationKind::Organization, &order.organization_id).await?;
            let method = match latest.as_ref().map(|(_, method)| method.as_str()) {
                Some("email_code") => OrganizationMethod::EmailedCode,
                _ => OrganizationMethod::VerificationCall,
            };
            OrganizationProgress { validation: latest.map(|(validation, _)| validation), method }
        }
    };
    let mut domains = Vec::new();
    for name in &stored.domains {
        let domain = Domain::parse(name).map_err(|_| AppError::internal("stored domain does not parse"))?;
        let latest = latest_validation(db, &account, ValidationKind::Domain, name).await?;
        let method = match latest.as_ref().map(|(_, method)| method.as_str()) {
            Some("dns_txt") => DomainMethod::DnsTxt,
            _ => DomainMethod::ConstructedEmail,
        };
        domains.push(DomainProgress { domain, validation: latest.map(|(validation, _)| validation), method });
    }
    let mut mailboxes = Vec::new();
    for address in &stored.mailboxes {
        let email = EmailAddress::parse(address).map_err(|_| AppError::internal("stored mailbox does not parse"))?;
        let latest = latest_validation(db, &account, ValidationKind::Mailbox, address).await?;
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
        order: order.order()?,
        organization,
        domains,
        mailboxes,
        // Balance orders are charged in the batch that places them; contract orders are invoiced under the
        // contract, outside Keyward: both are settled at placement.
        payment: PaymentProgress { contract: stored.payment == "contract", settled_at: Some(order.created_at) },
        recipients,
    })
}

fn view(
    order: &OrderRow,
    recipients: &[RecipientRow],
    progress: &OrderProgress,
    now: i64,
) -> Result<OrderView, AppError> {
    let stored = order.stored();
    let profile = order.profile()?;
    Ok(OrderView {
        id: order.id.clone(),
        state: order.order()?.state,
        created_at: order.created_at,
        profile,
        organization_id: order.organization_id.clone(),
        organization_name: order.organization_name.clone(),
        validity_days: order.validity_days,
        auto_renewals: stored.auto_renewals,
        signature_hash: stored.signature_hash,
        recipients: recipients
            .iter()
            .map(|row| {
                Ok(RecipientView {
                    common_name: row.display(&row.facts(order)?),
                    email: row.email.clone(),
                    dns_names: row.dns_names()?,
                    has_csr: row.csr.is_some(),
                    certificate_serial: row.serial.clone(),
                    revoked_at: row.revoked_at,
                    revocation_reason: row
                        .revocation_reason
                        .as_deref()
                        .map(|reason| {
                            RevocationReason::parse(reason)
                                .ok_or_else(|| AppError::internal("a stored revocation reason is unknown"))
                        })
                        .transpose()?,
                    issuance_refusal: row.issuance_refusal()?,
                })
            })
            .collect::<Result<_, AppError>>()?,
        notification_emails: stored.notification_emails,
        price_cents: stored.price_cents,
        steps: pipeline(progress, now),
    })
}

/// The order as the API shows it: its recipients and pipeline read fresh.
async fn order_view(db: &D1Database, order: &OrderRow, now: i64) -> Result<OrderView, AppError> {
    let recipients = recipient_rows(db, &order.id).await?;
    let progress = progress(db, order, &recipients).await?;
    view(order, &recipients, &progress, now)
}

/// Reads what the order form's rules need: the organization (of the caller's account only), the account's
/// validated domains and mailboxes, its balance.
async fn order_context(
    db: &D1Database,
    account_id: &str,
    organization_id: &str,
    now: i64,
) -> Result<(OrderContext, Option<i64>), AppError> {
    #[derive(Deserialize)]
    struct OrganizationRow {
        id: String,
        name: String,
        identifier: String,
        country: String,
        locality: Option<String>,
        state_or_province: Option<String>,
        validated_at: Option<i64>,
    }
    let organization = db
        .prepare(
            "SELECT id, name, identifier, country, NULLIF(json_extract(address, '$.city'), '') AS locality, \
             NULLIF(json_extract(address, '$.region'), '') AS state_or_province, validated_at \
             FROM organizations WHERE id = ?1 AND account_id = ?2",
        )
        .bind(&[text(organization_id), text(account_id)])?
        .first::<OrganizationRow>(None)
        .await?
        .ok_or_else(|| {
            AppError::not_found("organization_id", "No organization of your account has this identifier.")
        })?;
    let reusable = |kind: ValidationKind, validated_at: i64| validated_at + kind.reuse_days() * 86_400;
    let validated_until =
        organization.validated_at.map(|at| reusable(ValidationKind::Organization, at)).filter(|until| *until > now);
    // The account's domain and mailbox validations, read as the issuance pipeline reads them at the moment of
    // issuance (the organization belongs to the caller's account), kept to those that may be relied on now.
    let mut results = db.batch(issuing::validations_statements(db, &organization.id)?.to_vec()).await?;
    let missing = || AppError::internal("batch result missing");
    let subjects = results.pop().ok_or_else(missing)?;
    let mut validations = issuing::validations_from(results.pop().ok_or_else(missing)?, subjects)?;
    validations.domains.retain(|validated| validated.reusable_until > now);
    validations.mailboxes.retain(|validated| validated.reusable_until > now);
    let (validated_domains, validated_mailboxes) = (validations.domains, validations.mailboxes);
    let balance_cents = balance_statement(db, account_id)?.first::<i64>(Some("balance")).await?.unwrap_or(0);
    let validated_at = organization.validated_at;
    let context = OrderContext {
        organization: OrganizationFacts {
            id: organization.id,
            name: organization.name,
            identifier: organization.identifier,
            country: organization.country,
            locality: organization.locality,
            state_or_province: organization.state_or_province,
            validated_until,
        },
        validated_domains,
        validated_mailboxes,
        balance_cents,
    };
    Ok((context, validated_at))
}

/// The validated domain an address or host name falls under: the most specific one.
fn covering_domain<'a>(domains: &'a [ValidatedDomain], name: &str) -> Option<&'a Domain> {
    domains
        .iter()
        .filter(|validated| validated.domain.contains_name(name))
        .max_by_key(|validated| validated.domain.as_str().len())
        .map(|validated| &validated.domain)
}

/// The statements that carry out a transition's work for one recipient, and the certificate issued if any.
struct WorkContext<'a> {
    env: &'a Env,
    db: &'a D1Database,
    origin: &'a str,
    now: i64,
    /// Who acts, for the audit records (the user placing the order, or `keyward` moving it on).
    actor: &'a str,
}

/// What performing a work item came to.
enum Performed {
    /// Its statements are in the batch.
    Done,
    /// The issuance pipeline refused the recipient's CSR: nothing of it is in the batch.
    Refused(Refusal),
}

/// The order's notification addresses, from its stored extras (`orders.request`); none for rows without them.
pub fn notification_emails(request: &str) -> Vec<String> {
    serde_json::from_str::<StoredOrder>(request).map(|stored| stored.notification_emails).unwrap_or_default()
}

/// Performs `work` for the recipient row: a new enrollment link and its email, or the certificate from the CSR
/// given with the order (stored through a spent issuance slot) and its email.
async fn perform(
    context: &WorkContext<'_>,
    order: &OrderRow,
    recipient: &RecipientRow,
    work: Work,
    statements: &mut Vec<D1PreparedStatement>,
    mail: &mut Vec<String>,
) -> Result<Performed, AppError> {
    let WorkContext { env, db, origin, now, actor } = *context;
    let profile = order.profile()?.profile();
    let facts = recipient.facts(order)?;
    match work {
        Work::SendEnrollmentLink { .. } => {
            let token = Token::from_random(platform::random()?);
            let link = Link::new(now, ENROLLMENT_LINK_LIFETIME_SECONDS);
            let url = format!("{origin}/enroll/{}", token.as_str());
            statements.push(
                db.prepare(
                    "INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .bind(&[
                    text(&platform::new_id()?),
                    text(&recipient.id),
                    text(&token.hash_hex()),
                    integer(link.created_at),
                    integer(link.expires_at),
                ])?,
            );
            let (greeting, certified) = (recipient.display(&facts), facts.certified(profile));
            let email = enrollment_invitation(
                Lang::En,
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
            let authority = crate::ca::CertificateAuthority::from_env(env)?;
            let greeting = recipient.display(&facts);
            let notification_emails = order.stored().notification_emails;
            let subject = issuing::Subject {
                profile,
                facts: &facts,
                organization_id: &order.organization_id,
                mailing: Mailing {
                    lang: Lang::En,
                    greeting: &greeting,
                    notification_emails: &notification_emails,
                    origin,
                },
                actor,
                subject: ("recipient", &recipient.id),
            };
            let issued = match issuing::issue(env, db, &authority, &csr, &subject, now).await? {
                Ok(issued) => issued,
                Err(refusal) => return Ok(Performed::Refused(refusal)),
            };
            // The issuance slot: a link created spent, so the one-certificate-per-link guard holds here too.
            let slot_id = platform::new_id()?;
            statements.push(
                db.prepare(
                    "INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at, spent_at, version) \
                     VALUES (?1, ?2, ?3, ?4, ?4, ?4, 1)",
                )
                .bind(&[text(&slot_id), text(&recipient.id), text(&format!("csr:{}", recipient.id)), integer(now)])?,
            );
            let (recorded, queued) = issuing::statements(db, &issued, &recipient.id, &slot_id, actor, &order.id, now)?;
            statements.extend(recorded);
            mail.extend(queued);
        }
    }
    Ok(Performed::Done)
}

/// An order moved on in memory by [`advance_statements`].
struct Advanced {
    /// The order to write.
    state: Order,
    /// The work's statements (links, certificates, refusals recorded on their recipients) and emails' rows.
    statements: Vec<D1PreparedStatement>,
    /// The audit events of the transitions.
    events: Vec<AuditEvent>,
    /// Recipients whose CSR the issuance pipeline refused, with the request field and the refusal.
    refused: Vec<(String, Refusal)>,
}

/// Applies transitions in memory from `progress` at `now`: validations complete (then each work item), and
/// each CSR issuance completing its recipient. A CSR the issuance pipeline refuses completes nothing: its
/// recipient row records why (the order page shows it). `None` when validations are still pending.
async fn advance_statements(
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
                let enrolled = advanced.state.recipient_enrolled(&progress, index, context.now).map_err(state_error)?;
                progress.recipients[index].issued_at = Some(context.now);
                advanced.state = enrolled.order;
                advanced.events.push(enrolled.audit);
            }
            Performed::Done => {}
            Performed::Refused(refusal) => {
                let detail = serde_json::json!({ "code": refusal.code(), "step": refusal.step(), "message": refusal.to_string() });
                advanced.statements.push(
                    context
                        .db
                        .prepare("UPDATE recipients SET issuance_refusal = ?1, issuance_refused_at = ?2 WHERE id = ?3")
                        .bind(&[text(&detail.to_string()), integer(context.now), text(&recipient.id)])?,
                );
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

pub fn state_error(error: shared::pipeline::OrderStateError) -> AppError {
    AppError::field(409, error.code(), error.field().unwrap_or("state"), error.to_string())
}

fn audit_events(
    db: &D1Database,
    now: i64,
    actor: &str,
    order_id: &str,
    events: &[AuditEvent],
) -> worker::Result<Vec<D1PreparedStatement>> {
    events
        .iter()
        .map(|event| {
            let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap_or_default();
            audit(db, now, actor, event.action, ("order", order_id), &detail)
        })
        .collect()
}

fn update_order(db: &D1Database, order_id: &str, order: &Order) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE orders SET state = ?1, closed_at = ?2, version = ?3 WHERE id = ?4").bind(&[
        text(order.state.as_str()),
        optional_integer(order.closed_at),
        integer(order.version),
        text(order_id),
    ])
}

/// The account's balance, cents (column `balance`): the sum of its ledger.
fn balance_statement(db: &D1Database, account_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("SELECT COALESCE(SUM(amount), 0) AS balance FROM ledger WHERE account_id = ?1").bind(&[text(account_id)])
}

/// `GET /api/v1/ledger`: the balance and the latest entries, read in one batch so they agree.
pub async fn ledger(call: Call) -> Result<Response, AppError> {
    #[derive(Deserialize)]
    struct Balance {
        balance: i64,
    }
    #[derive(Deserialize)]
    struct EntryRow {
        at: i64,
        amount: i64,
        kind: String,
        reference: String,
    }
    let db = &call.db;
    let Member { account_id, .. } = call.member().await?;
    let mut results = db
        .batch(vec![
            balance_statement(&db, &account_id)?,
            db.prepare(
                "SELECT at, amount, kind, reference FROM ledger WHERE account_id = ?1 \
                 ORDER BY at DESC, rowid DESC LIMIT ?2",
            )
            .bind(&[text(&account_id), integer(LEDGER_ENTRIES_LISTED as i64)])?,
        ])
        .await?;
    let missing = || AppError::internal("batch result missing");
    let entries = results.pop().ok_or_else(missing)?.results::<EntryRow>()?;
    let balance = results.pop().ok_or_else(missing)?.results::<Balance>()?;
    let entries = entries
        .into_iter()
        .map(|row| {
            Ok(LedgerEntry {
                at: row.at,
                amount_cents: row.amount,
                kind: LedgerKind::parse(&row.kind)
                    .ok_or_else(|| AppError::internal("a stored ledger kind is unknown"))?,
                reference: row.reference,
            })
        })
        .collect::<Result<_, AppError>>()?;
    let balance_cents = balance.first().map_or(0, |row| row.balance);
    Ok(Response::from_json(&Ledger { balance_cents, entries })?)
}

/// `POST /api/v1/orders`: checks the whole form, then places the order in one batch: the order, its recipients,
/// the charge, the audit records and, when every validation is already done, the enrollment links and emails
/// and the certificates from CSRs. The same idempotency key again returns the order it made.
pub async fn place(mut call: Call) -> Result<Response, AppError> {
    let body = call.request.bytes().await;
    let body = body?;
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let submitted: OrderRequest = json_body(&body, MAX_BODY_BYTES, "the order form's fields")?;
    let request_sha256 = hex(&Sha256::digest(&body));
    if let Some(existing) = idempotent_order(&db, &account_id, &submitted.idempotency_key).await? {
        return replay(&db, existing, &request_sha256, now).await;
    }
    let (order_context, organization_validated_at) =
        order_context(&db, &account_id, &submitted.organization_id, now).await?;
    let checked = check_order_request(&submitted, &order_context, now).map_err(AppError::from)?;
    for (index, recipient) in checked.recipients.iter().enumerate() {
        if let Some((csr, _)) = &recipient.csr {
            let field = format!("recipients[{index}].csr");
            issuing::check_key_reuse(&db, csr, &checked.organization_id, &recipient.facts, &field).await?;
        }
    }
    let origin = platform::app_url(call.env())?;
    let order_id = platform::new_id()?;
    let (placed, placed_event) = Order::place(&checked, now);
    let stored = stored_order(&checked, &order_context, request_sha256);
    let mut statements = vec![
        db.prepare(
            "INSERT INTO orders (id, organization_id, profile, validity_days, created_at, account_id, state, \
             request, idempotency_key, created_by, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(&[
            text(&order_id),
            text(&checked.organization_id),
            text(checked.profile.as_str()),
            integer(i64::from(checked.validity_days)),
            integer(now),
            text(&account_id),
            text(placed.state.as_str()),
            text(&serde_json::to_string(&stored).map_err(|error| AppError::internal(&error.to_string()))?),
            text(&checked.idempotency_key),
            text(&principal.actor()),
            integer(placed.version),
        ])?,
    ];
    let mut recipients = Vec::new();
    for (index, recipient) in checked.recipients.iter().enumerate() {
        let row = RecipientRow {
            id: platform::new_id()?,
            position: index as i64,
            display_name: recipient.common_name.clone(),
            given_name: recipient.facts.recipient_given_name.clone().unwrap_or_default(),
            surname: recipient.facts.recipient_surname.clone().unwrap_or_default(),
            email: recipient.facts.recipient_email.clone(),
            dns_names: serde_json::to_string(&recipient.facts.dns_names)
                .map_err(|error| AppError::internal(&error.to_string()))?,
            // The request as submitted (public key only), kept to issue from once validations are done.
            csr: recipient.csr.as_ref().and_then(|_| submitted.recipients.get(index)?.csr.clone()),
            link_created_at: None,
            link_expires_at: None,
            link_spent_at: None,
            link_version: None,
            serial: None,
            issued_at: None,
            revoked_at: None,
            revocation_reason: None,
            issuance_refusal: None,
            issuance_refused_at: None,
        };
        statements.push(
            db.prepare(
                "INSERT INTO recipients (id, order_id, given_name, surname, email, dns_names, csr, position, \
                 display_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(&[
                text(&row.id),
                text(&order_id),
                text(&row.given_name),
                text(&row.surname),
                text(&row.email),
                text(&row.dns_names),
                row.csr.as_deref().map_or(JsValue::NULL, text),
                integer(row.position),
                text(&row.display_name),
            ])?,
        );
        recipients.push(row);
    }
    if checked.payment == CheckedPayment::Balance && checked.price_cents > 0 {
        statements.push(
            db.prepare(
                "INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by) \
                 VALUES (?1, ?2, ?3, ?4, 'charge', ?5, ?6)",
            )
            .bind(&[
                text(&platform::new_id()?),
                text(&account_id),
                integer(now),
                integer(-checked.price_cents),
                text(&order_id),
                text(&principal.actor()),
            ])?,
        );
    }
    let row = OrderRow {
        id: order_id.clone(),
        account_id: Some(account_id.clone()),
        organization_id: checked.organization_id.clone(),
        organization_name: order_context.organization.name.clone(),
        organization_identifier: order_context.organization.identifier.clone(),
        organization_country: order_context.organization.country.clone(),
        organization_locality: order_context.organization.locality.clone(),
        organization_state_or_province: order_context.organization.state_or_province.clone(),
        organization_validated_at,
        profile: checked.profile.as_str().to_owned(),
        validity_days: checked.validity_days,
        state: placed.state.as_str().to_owned(),
        request: serde_json::to_string(&stored).map_err(|error| AppError::internal(&error.to_string()))?,
        created_at: now,
        closed_at: None,
        version: placed.version,
    };
    let mut events = vec![placed_event];
    let mut mail = Vec::new();
    // An address at a public mail provider is validated by a link to itself: sent with the order.
    for address in &stored.mailboxes {
        let email = EmailAddress::parse(address).map_err(|_| AppError::internal("checked mailbox"))?;
        let attempt = crate::domains::mailbox_attempt(&email, &account_id, &origin, Lang::En, now)?;
        let (more, queued) = crate::domains::attempt_statements(&db, &attempt, now)?;
        statements.extend(more);
        mail.extend(queued);
    }
    let progress = progress(&db, &row, &recipients).await?;
    let actor = principal.actor();
    let work_context = WorkContext { env: call.env(), db: &db, origin: &origin, now, actor: &actor };
    if let Some(Advanced { state, statements: work, events: more, refused }) =
        advance_statements(&work_context, &row, &recipients, progress, &mut mail).await?
    {
        // At placement a refusal refuses the order: nothing is written, the field is named.
        if let Some((field, refusal)) = refused.first() {
            return Err(AppError::refusal(refusal, field));
        }
        // The order row was inserted with the placed state: write the advanced one in the same batch.
        statements.push(update_order(&db, &order_id, &Order { version: placed.version + 1, ..state })?);
        statements.extend(work);
        events.extend(more);
    }
    statements.extend(audit_events(&db, now, &principal.actor(), &order_id, &events)?);
    if let Err(error) = db.batch(statements).await {
        if let Some(refused) = issuing::key_holder_refusal(&error, "recipients") {
            // Another subject certified a recipient's key first, or it was reported compromised meanwhile.
            return Err(refused);
        }
        if crate::db::raised(&error, "insufficient_balance") {
            return Err(AppError::from(vec![shared::order::FieldError::new(
                "payment",
                "balance_insufficient",
                "The account's balance no longer covers this order (another order was charged meanwhile). \
                 Add funds or pay under a contract.",
            )]));
        }
        if is_conflict(&error) {
            // A concurrent submission with the same idempotency key won: answer with its order.
            if let Some(existing) = idempotent_order(&db, &account_id, &submitted.idempotency_key).await? {
                return replay(&db, existing, &hex(&Sha256::digest(&body)), now).await;
            }
        }
        return Err(error.into());
    }
    outbox::deliver_soon(call.env(), &db, &mail).await;
    let order = order_row(&db, &order_id, Some(&account_id)).await?;
    Ok(Response::from_json(&order_view(&db, &order, now).await?)?.with_status(201))
}

fn stored_order(checked: &CheckedOrder, context: &OrderContext, request_sha256: String) -> StoredOrder {
    let mut domains: Vec<String> = Vec::new();
    let mut mailboxes = Vec::new();
    for recipient in &checked.recipients {
        if recipient.needs_mailbox_validation {
            mailboxes.push(recipient.email.as_str().to_owned());
            continue;
        }
        let names = if recipient.facts.dns_names.is_empty() {
            vec![recipient.email.domain().to_owned()]
        } else {
            recipient.facts.dns_names.clone()
        };
        for name in names {
            if let Some(domain) = covering_domain(&context.validated_domains, &name)
                && !domains.iter().any(|known| known == domain.as_str())
            {
                domains.push(domain.as_str().to_owned());
            }
        }
    }
    let (payment, contract_reference) = match &checked.payment {
        CheckedPayment::Balance => ("balance", None),
        CheckedPayment::Contract { reference } => ("contract", Some(reference.clone())),
    };
    StoredOrder {
        signature_hash: checked.signature_hash,
        auto_renewals: checked.auto_renewals,
        notification_emails: checked.notification_emails.iter().map(|email| email.as_str().to_owned()).collect(),
        payment: payment.into(),
        contract_reference,
        price_cents: checked.price_cents,
        subscriber_agreement: checked.subscriber_agreement.into(),
        request_sha256,
        domains,
        mailboxes,
    }
}

async fn idempotent_order(db: &D1Database, account_id: &str, key: &str) -> Result<Option<String>, AppError> {
    Ok(db
        .prepare("SELECT id FROM orders WHERE account_id = ?1 AND idempotency_key = ?2")
        .bind(&[text(account_id), text(key)])?
        .first::<String>(Some("id"))
        .await?)
}

/// The answer to a repeated submission: the order the key made (200), if the request is the same; a different
/// request under a used key is refused (it would otherwise be silently dropped, a changed CSR among others).
async fn replay(db: &D1Database, order_id: String, request_sha256: &str, now: i64) -> Result<Response, AppError> {
    let order = order_row(db, &order_id, None).await?;
    if order.stored().request_sha256 != request_sha256 {
        return Err(AppError::field(
            409,
            "idempotency_key_reused",
            "idempotency_key",
            format!(
                "Order {order_id} was placed with this idempotency key and a different request. An order cannot be \
                 changed after submission (its CSRs neither): cancel it and place a new one with a new key."
            ),
        ));
    }
    Ok(Response::from_json(&order_view(db, &order, now).await?)?)
}

/// `GET /api/v1/orders/{id}`: the order and its pipeline.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let order_id = call.param("id").to_owned();
    let order = order_row(&db, &order_id, Some(&account_id)).await?;
    Ok(Response::from_json(&order_view(&db, &order, now).await?)?)
}

#[derive(Deserialize)]
struct SummaryRow {
    id: String,
    state: String,
    created_at: i64,
    profile: String,
    first_recipient: Option<String>,
    recipient_count: u32,
}

/// `GET /api/v1/orders?query=&status=&page=`: the account's orders, newest first, a page at a time; `query`
/// matches an order number (prefix), a recipient's address, or a domain (of an address or a host name).
pub async fn list(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let _now = call.now;
    let account_id = call.member().await?.account_id;
    let url = call.request.url()?;
    let mut query = OrderListQuery::default();
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "query" => query.query = Some(value.into_owned()),
            "status" => {
                query.status = Some(OrderState::parse(&value).ok_or_else(|| {
                    AppError::field(
                        422,
                        "status_invalid",
                        "status",
                        "Statuses: awaiting_validation, awaiting_enrollment, completed, cancelled.",
                    )
                })?)
            }
            "page" => {
                query.page = Some(
                    value
                        .parse()
                        .map_err(|_| AppError::field(422, "page_invalid", "page", "Pages are numbered from 1."))?,
                )
            }
            _ => {}
        }
    }
    let (search, page) =
        query.checked().map_err(|error| AppError::field(422, error.code(), error.field(), error.to_string()))?;
    let search = search.map(|text| text.to_lowercase());
    // LIKE patterns with the user's text escaped: % and _ match themselves.
    let escaped = search.as_deref().map(|text| text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let rows = db
        .prepare(
            "SELECT o.id, o.state, o.created_at, o.profile, \
                    (SELECT email FROM recipients WHERE order_id = o.id ORDER BY position LIMIT 1) AS first_recipient, \
                    (SELECT COUNT(*) FROM recipients WHERE order_id = o.id) AS recipient_count \
             FROM orders o WHERE o.account_id = ?1 \
               AND (?2 IS NULL OR o.state = ?2) \
               AND (?3 IS NULL OR o.id LIKE ?3 || '%' ESCAPE '\\' OR EXISTS ( \
                    SELECT 1 FROM recipients r WHERE r.order_id = o.id AND ( \
                        lower(r.email) = ?4 OR lower(r.email) LIKE '%@' || ?3 ESCAPE '\\' \
                        OR lower(r.email) LIKE '%.' || ?3 ESCAPE '\\' \
                        OR r.dns_names LIKE '%\"' || ?3 || '\"%' ESCAPE '\\' \
                        OR r.dns_names LIKE '%.' || ?3 || '\"%' ESCAPE '\\'))) \
             ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?5 OFFSET ?6",
        )
        .bind(&[
            text(&account_id),
            query.status.map_or(JsValue::NULL, |state| text(state.as_str())),
            escaped.as_deref().map_or(JsValue::NULL, text),
            search.as_deref().map_or(JsValue::NULL, text),
            integer(i64::from(ORDERS_PAGE_SIZE) + 1),
            integer(OrderListQuery::offset(page) as i64),
        ])?
        .all()
        .await?
        .results::<SummaryRow>()?;
    let has_more = rows.len() > ORDERS_PAGE_SIZE as usize;
    let orders = rows
        .into_iter()
        .take(ORDERS_PAGE_SIZE as usize)
        .map(|row| {
            Ok(OrderSummary {
                state: OrderState::parse(&row.state).ok_or_else(|| AppError::internal("unknown order state"))?,
                profile: ProfileId::parse(&row.profile).ok_or_else(|| AppError::internal("unknown profile"))?,
                id: row.id,
                created_at: row.created_at,
                first_recipient: row.first_recipient.unwrap_or_default(),
                recipient_count: row.recipient_count,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Response::from_json(&OrderList { orders, page, has_more })?)
}

/// `POST /api/v1/orders/{id}/cancel`: refused once completed. Certificates already issued stay valid.
pub async fn cancel(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let order_id = call.param("id").to_owned();
    let order = order_row(&db, &order_id, Some(&account_id)).await?;
    let transition = order.order()?.cancel(now).map_err(state_error)?;
    let mut statements = vec![update_order(&db, &order_id, &transition.order)?];
    // Open enrollment links of the order stop working.
    statements.push(
        db.prepare(
            "UPDATE enrollment_links SET expires_at = ?1, version = version + 1 WHERE spent_at IS NULL \
             AND expires_at > ?1 AND recipient_id IN (SELECT id FROM recipients WHERE order_id = ?2)",
        )
        .bind(&[integer(now), text(&order_id)])?,
    );
    statements.extend(audit_events(&db, now, &principal.actor(), &order_id, &[transition.audit])?);
    commit(&db, statements, CHANGED_MEANWHILE).await?;
    let order = order_row(&db, &order_id, Some(&account_id)).await?;
    Ok(Response::from_json(&order_view(&db, &order, now).await?)?)
}

/// `POST /api/v1/orders/{id}/recipients/{position}/resend`: a fresh enrollment link (a new random value) and
/// its email; the previous link stops working. Refused once the recipient has a certificate.
pub async fn resend(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let order_id = call.param("id").to_owned();
    let order = order_row(&db, &order_id, Some(&account_id)).await?;
    if order.order()?.state != OrderState::AwaitingEnrollment {
        return Err(AppError::field(
            409,
            "order_not_awaiting_enrollment",
            "id",
            "Links are sent once every validation is done, and no longer after the order is completed or \
             cancelled.",
        ));
    }
    let position: i64 = call.param("position").parse().unwrap_or(-1);
    let recipients = recipient_rows(&db, &order_id).await?;
    let recipient = recipients
        .iter()
        .find(|row| row.position == position)
        .ok_or_else(|| AppError::not_found("position", "The order has no recipient at this position."))?;
    if recipient.serial.is_some() || recipient.csr.is_some() {
        return Err(AppError::field(
            409,
            "recipient_already_issued",
            "position",
            "This recipient's certificate is issued; a new link cannot make another. Download it from the \
             order, or order a reissue.",
        ));
    }
    let origin = platform::app_url(call.env())?;
    let actor = principal.actor();
    let work_context = WorkContext { env: call.env(), db: &db, origin: &origin, now, actor: &actor };
    // The old unspent links end: deleted, so they read as "replaced by a newer email".
    let mut statements = vec![
        db.prepare("DELETE FROM enrollment_links WHERE recipient_id = ?1 AND spent_at IS NULL")
            .bind(&[text(&recipient.id)])?,
    ];
    let mut mail = Vec::new();
    let work = Work::SendEnrollmentLink { recipient: position as usize };
    perform(&work_context, &order, recipient, work, &mut statements, &mut mail).await?;
    statements.push(audit(
        &db,
        now,
        &principal.actor(),
        "enrollment_link_resent",
        ("order", &order_id),
        &serde_json::json!({ "recipient": position }),
    )?);
    commit(&db, statements, CHANGED_MEANWHILE).await?;
    outbox::deliver_soon(call.env(), &db, &mail).await;
    Ok(Response::empty()?.with_status(204))
}

/// Moves the account's orders that waited for a validation forward once their validations are done: called
/// after a validation completes, and by the scheduled handler for any it missed. Failures of one order do not
/// stop the others; a version conflict means another run did it.
pub async fn advance(env: &Env, db: &D1Database, account_id: &str, origin: &str, now: i64) -> Result<(), AppError> {
    let ids = db
        .prepare("SELECT id FROM orders WHERE account_id = ?1 AND state = 'awaiting_validation' ORDER BY created_at")
        .bind(&[text(account_id)])?
        .all()
        .await?
        .results::<serde_json::Value>()?;
    for id in ids.iter().filter_map(|row| row["id"].as_str()) {
        let order = order_row(db, id, Some(&account_id)).await?;
        let recipients = recipient_rows(db, id).await?;
        let progress = progress(db, &order, &recipients).await?;
        let context = WorkContext { env, db, origin, now, actor: "keyward" };
        let mut mail = Vec::new();
        if let Some(Advanced { state, mut statements, events, refused }) =
            advance_statements(&context, &order, &recipients, progress, &mut mail).await?
        {
            // A DNS lookup that failed may pass at the next run: the order waits rather than record a refusal.
            if refused.iter().any(|(_, refusal)| refusal.is_retryable()) {
                continue;
            }
            // One write of the order, one more than the version read, however many transitions it went through
            // (validated, then each CSR recipient issued): the version trigger refuses anything else.
            statements.insert(0, update_order(db, id, &Order { version: order.order()?.version + 1, ..state })?);
            statements.extend(audit_events(db, now, "keyward", id, &events)?);
            match db.batch(statements).await {
                Ok(_) => outbox::deliver_soon(env, db, &mail).await,
                Err(error) if is_conflict(&error) => {}
                Err(error) => worker::console_error!("advancing order {id} failed: {error}"),
            }
        }
    }
    Ok(())
}

/// The statements that record an enrollment's transition of its order (the order row, its audit record), for
/// the enrollment's batch; a concurrent enrollment of another recipient bumps the version and the caller retries.
pub fn enrolled_statements(
    db: &D1Database,
    transition: &shared::pipeline::Transition,
    order_id: &str,
    now: i64,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let mut statements = vec![update_order(db, order_id, &transition.order)?];
    statements.extend(audit_events(db, now, "recipient", order_id, std::slice::from_ref(&transition.audit))?);
    Ok(statements)
}

/// The scheduled handler's sweep: [`advance`] for every account with an order waiting for validations.
pub async fn advance_all(env: &Env, db: &D1Database, now: i64) -> Result<(), AppError> {
    let origin = platform::app_url(env)?;
    let accounts = db
        .prepare(
            "SELECT DISTINCT account_id FROM orders WHERE state = 'awaiting_validation' AND account_id IS NOT NULL",
        )
        .all()
        .await?
        .results::<serde_json::Value>()?;
    for account in accounts.iter().filter_map(|row| row["account_id"].as_str()) {
        advance(env, db, account, &origin, now).await?;
    }
    Ok(())
}

/// Certificates the reminder sweep handles per run: the scheduled handler runs every minute, so a backlog (a
/// deployment that was stopped) drains in a few runs without one run outgrowing its CPU budget.
const REMINDERS_PER_RUN: i64 = 20;

/// The scheduled handler's warnings before expiry ([`shared::expiry`]): for each certificate of an order that
/// is not revoked and ends within 30 days, the reminder due now, if any, to the recipient and the order's
/// notification addresses. One batch per certificate: its reminder count and version, the emails, the audit
/// record; a concurrent run's batch fails on the version and sends nothing. The handler's outbox delivery, which
/// runs next, sends the queued emails.
pub async fn remind_expiring(env: &Env, db: &D1Database, now: i64) -> Result<(), AppError> {
    #[derive(Deserialize)]
    struct Due {
        serial: String,
        recipient_id: String,
        order_id: String,
        not_after: i64,
        expiry_reminders: i64,
        version: i64,
    }
    let origin = platform::app_url(env)?;
    let due = db
        .prepare(
            "SELECT c.serial, c.recipient_id, r.order_id, c.not_after, c.expiry_reminders, c.version \
             FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
             WHERE c.revoked_at IS NULL AND c.not_after >= ?1 AND c.not_after <= ?2 AND c.expiry_reminders < ?3 \
             ORDER BY c.not_after LIMIT ?4",
        )
        .bind(&[
            integer(now),
            integer(now + shared::expiry::LOOKAHEAD_SECONDS),
            integer(shared::expiry::REMINDER_DAYS.len() as i64),
            integer(REMINDERS_PER_RUN),
        ])?
        .all()
        .await?
        .results::<Due>()?;
    for certificate in due {
        let sent = u8::try_from(certificate.expiry_reminders).unwrap_or(u8::MAX);
        let Some(stage) = shared::expiry::reminder_due(certificate.not_after, now, sent) else { continue };
        let order = order_row(db, &certificate.order_id, None).await?;
        let recipients = recipient_rows(db, &certificate.order_id).await?;
        let recipient = recipients
            .iter()
            .find(|row| row.id == certificate.recipient_id)
            .ok_or_else(|| AppError::internal("a certificate's recipient is not in its order"))?;
        let profile = order.profile()?.profile();
        let facts = recipient.facts(&order)?;
        let (greeting, certified) = (recipient.display(&facts), facts.certified(profile));
        let days_left = shared::expiry::days_left(certificate.not_after, now);
        let emails = expiry_reminder(
            Lang::En,
            &IssuedCertificate {
                recipient_name: &greeting,
                recipient_email: &facts.recipient_email,
                notification_emails: &order.stored().notification_emails,
                organization: &order.organization_name,
                profile,
                certified: &certified,
                serial: &certificate.serial,
                not_after: certificate.not_after,
                origin: &origin,
            },
            days_left,
        );
        let mut statements = vec![
            db.prepare("UPDATE certificates SET expiry_reminders = ?1, version = ?2 WHERE serial = ?3").bind(&[
                integer(i64::from(stage)),
                integer(certificate.version + 1),
                text(&certificate.serial),
            ])?,
        ];
        for email in &emails {
            statements.push(outbox::enqueue(db, email, now)?.0);
        }
        statements.push(audit(
            db,
            now,
            "keyward",
            "certificate.expiry_reminded",
            ("certificate", &certificate.serial),
            &serde_json::json!({ "reminder": stage, "days_left": days_left, "emails": emails.len() }),
        )?);
        match db.batch(statements).await {
            Ok(_) => {}
            // Another run sent it (or the certificate was revoked meanwhile): nothing of this batch was written.
            Err(error) if is_conflict(&error) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}
