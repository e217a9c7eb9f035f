//! `GET` and `POST /api/v1/enrollments/{token}`: show a link (never spends it), and submit a CSR (spends it
//! and records the certificate in one atomic batch).

use serde::Deserialize;
use shared::api::enrollment::{EnrollmentView, IssuedCertificate, SubmitCsr};
use shared::encoding::pem_encode;
use shared::issuance::OrderFacts;
use shared::issuance::pipeline::{self, Mailing};
use shared::lang::Lang;
use shared::link::{Link, LinkError, Token};
use shared::profile::{Profile, ProfileId};
use worker::{D1Database, D1PreparedStatement, Response};

use crate::call::Call;
use crate::db::{integer, is_conflict, text};
use crate::error::AppError;
use crate::{ca::CertificateAuthority, issuing, orders, outbox, platform};

/// Largest request body accepted: a 16384-bit RSA CSR in PEM is under 6 KiB.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// A link with everything the page and the issuance need, in one query.
#[derive(Debug, Deserialize)]
struct LinkRow {
    link_id: String,
    created_at: i64,
    expires_at: i64,
    spent_at: Option<i64>,
    version: i64,
    recipient_id: String,
    recipient_given_name: String,
    recipient_surname: String,
    recipient_email: String,
    /// JSON array (migration 0003).
    recipient_dns_names: String,
    /// The order's name for the recipient ('' for rows from before it was kept).
    recipient_display_name: String,
    order_id: String,
    /// The order's stored extras (JSON): its notification addresses.
    order_request: String,
    profile: String,
    validity_days: u32,
    organization_id: String,
    organization_name: String,
    organization_identifier: String,
    organization_country: String,
    /// The address's city (`NULL` when not recorded).
    organization_locality: Option<String>,
    /// The address's state, province or region (`NULL` when there is none).
    organization_state_or_province: Option<String>,
    certificate_serial: Option<String>,
    order_state: String,
    order_created_at: i64,
    order_closed_at: Option<i64>,
    order_version: i64,
    recipient_position: i64,
    /// The order's other recipients without a certificate yet.
    order_remaining: i64,
}

impl LinkRow {
    /// The recipient's enrollment as a transition of its order (the last recipient completes it).
    fn order_transition(&self, now: i64) -> Result<shared::pipeline::Transition, AppError> {
        let order = shared::pipeline::Order {
            state: shared::pipeline::OrderState::parse(&self.order_state)
                .ok_or_else(|| AppError::internal("unknown order state"))?,
            created_at: self.order_created_at,
            closed_at: self.order_closed_at,
            version: self.order_version,
        };
        let remaining = usize::try_from(self.order_remaining).unwrap_or_default();
        let position = usize::try_from(self.recipient_position).unwrap_or_default();
        order.enrolled_with_remaining(position, remaining, now).map_err(orders::state_error)
    }

    fn link(&self) -> Link {
        Link {
            created_at: self.created_at,
            expires_at: self.expires_at,
            spent_at: self.spent_at,
            version: self.version,
        }
    }

    fn order(&self) -> Result<OrderFacts, AppError> {
        let dns_names = serde_json::from_str(&self.recipient_dns_names)
            .map_err(|error| AppError::internal(&format!("recipients.dns_names is not a JSON array: {error}")))?;
        Ok(OrderFacts {
            recipient_given_name: stored_name(&self.recipient_given_name),
            recipient_surname: stored_name(&self.recipient_surname),
            recipient_email: self.recipient_email.clone(),
            dns_names,
            organization_name: self.organization_name.clone(),
            organization_identifier: self.organization_identifier.clone(),
            organization_country: self.organization_country.clone(),
            organization_locality: self.organization_locality.clone(),
            organization_state_or_province: self.organization_state_or_province.clone(),
            validity_days: self.validity_days,
        })
    }

    fn profile(&self) -> Result<&'static Profile, AppError> {
        // The lint suite's Worker only (feature `lint-probe`, never shipped): a profile both linters must refuse.
        #[cfg(feature = "lint-probe")]
        if self.profile == "lint_probe" {
            return Ok(&shared::lint::BROKEN_PROFILE);
        }
        ProfileId::parse(&self.profile)
            .map(ProfileId::profile)
            .ok_or_else(|| AppError::internal(&format!("unknown profile {}", self.profile)))
    }
}

/// A stored personal name: the empty string means none (migration 0003).
fn stored_name(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

async fn load(db: &D1Database, token: &Token) -> Result<LinkRow, AppError> {
    load_statement(db, token)?.first::<LinkRow>(None).await?.ok_or_else(|| LinkError::Unknown.into())
}

fn load_statement(db: &D1Database, token: &Token) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "SELECT l.id AS link_id, l.created_at, l.expires_at, l.spent_at, l.version, \
                    r.id AS recipient_id, r.given_name AS recipient_given_name, \
                    r.surname AS recipient_surname, r.email AS recipient_email, \
                    r.dns_names AS recipient_dns_names, r.display_name AS recipient_display_name, \
                    o.id AS order_id, o.request AS order_request, o.profile, o.validity_days, \
                    g.id AS organization_id, g.name AS organization_name, g.identifier AS organization_identifier, \
                    g.country AS organization_country, \
                    NULLIF(json_extract(g.address, '$.city'), '') AS organization_locality, \
                    NULLIF(json_extract(g.address, '$.region'), '') AS organization_state_or_province, \
                    c.serial AS certificate_serial, \
                    o.state AS order_state, o.created_at AS order_created_at, o.closed_at AS order_closed_at, \
                    o.version AS order_version, r.position AS recipient_position, \
                    (SELECT COUNT(*) FROM recipients x WHERE x.order_id = o.id AND x.id != r.id \
                       AND NOT EXISTS (SELECT 1 FROM certificates y WHERE y.recipient_id = x.id)) AS order_remaining \
             FROM enrollment_links l \
             JOIN recipients r ON r.id = l.recipient_id \
             JOIN orders o ON o.id = r.order_id \
             JOIN organizations g ON g.id = o.organization_id \
             LEFT JOIN certificates c ON c.enrollment_link_id = l.id \
             WHERE l.token_hash = ?1",
    )
    .bind(&[text(&token.hash_hex())])
}

fn token(call: &Call) -> Result<Token, AppError> {
    Ok(Token::parse(call.param("token"))?)
}

/// `GET /api/v1/enrollments/{token}`: the link's state and what it is for. Reads only.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let row = load(&db, &token(&call)?).await?;
    let profile = row.profile()?;
    let order = row.order()?;
    let now = call.now;
    let view = EnrollmentView {
        status: row.link().status(now),
        recipient_name: order.subject_name(profile),
        recipient_email: row.recipient_email,
        dns_names: order.dns_names,
        organization: row.organization_name,
        order_id: row.order_id,
        profile: profile.id,
        key_types: profile.key_types.to_vec(),
        validity_days: row.validity_days.clamp(1, profile.max_validity_days(now)),
        certificate_serial: row.certificate_serial,
    };
    Ok(Response::from_json(&view)?)
}

/// `POST /api/v1/enrollments/{token}` with `{"csr": PEM}`: the issuance pipeline, then one batch that spends
/// the link and records the certificate and the audit entry, or changes nothing.
pub async fn submit(mut call: Call) -> Result<Response, AppError> {
    let body = call.request.bytes().await;

    let token = token(&call)?;
    let body = body?;
    if body.len() > MAX_BODY_BYTES {
        return Err(AppError::field(413, "body_too_large", "body", "The request is larger than 64 KiB."));
    }
    let submission: SubmitCsr = serde_json::from_slice(&body).map_err(|error| {
        AppError::field(
            400,
            "body_invalid",
            "body",
            format!(
                "The body must be JSON of the form {{\"csr\": \"-----BEGIN CERTIFICATE REQUEST-----...\"}}: {error}"
            ),
        )
    })?;
    let db = &call.db;
    let mut row = load(&db, &token).await?;
    let now = call.now;
    // The link first: a spent link is refused whatever the CSR, and the page can say when.
    let spent = row.link().spend(now)?;
    let csr = pipeline::parse(&submission.csr).map_err(|refusal| AppError::refusal(&refusal, "csr"))?;
    let profile = row.profile()?;
    let order = row.order()?;
    let notification_emails = orders::notification_emails(&row.order_request);
    let greeting =
        if row.recipient_display_name.is_empty() { order.greeting() } else { row.recipient_display_name.clone() };
    let origin = platform::app_url(call.env())?;
    let subject = issuing::Subject {
        profile,
        facts: &order,
        organization_id: &row.organization_id,
        mailing: Mailing {
            lang: Lang::En,
            greeting: &greeting,
            notification_emails: &notification_emails,
            origin: &origin,
        },
        actor: "recipient",
        subject: ("enrollment_link", &row.link_id),
    };
    // Loaded once: parsing the issuing key checks the key pair, which costs a scalar multiplication.
    let authority = CertificateAuthority::from_env(call.env())?;
    // A refusal changes nothing: the link stays open, and the page says why.
    let issued = issuing::issue(call.env(), &db, &authority, &csr, &subject, now)
        .await?
        .map_err(|refusal| AppError::refusal(&refusal, "csr"))?;
    // The order moves with its recipient (the last one completes it); a concurrent enrollment of another
    // recipient of the same order bumps its version, so the batch is rebuilt from fresh reads and retried.
    let mut attempts = 0;
    let mail = loop {
        attempts += 1;
        let mut batch =
            vec![db.prepare("UPDATE enrollment_links SET spent_at = ?1, version = ?2 WHERE id = ?3").bind(&[
                integer(now),
                integer(spent.version),
                text(&row.link_id),
            ])?];
        let (recorded, mail) =
            issuing::statements(&db, &issued, &row.recipient_id, &row.link_id, "recipient", &row.order_id, now)?;
        batch.extend(recorded);
        batch.extend(orders::enrolled_statements(&db, &row.order_transition(now)?, &row.order_id, now)?);
        match db.batch(batch).await {
            Ok(_) => break mail,
            Err(error) => {
                if let Some(refused) = issuing::key_holder_refusal(&error, "csr") {
                    // Another subject certified this key first, or it was reported compromised meanwhile.
                    return Err(refused);
                }
                if !is_conflict(&error) {
                    return Err(error.into());
                }
                row = load(&db, &token).await?;
                if let Some(spent_at) = row.spent_at {
                    // Another submission spent the link between our read and our write; its certificate
                    // stands, ours was never stored and is dropped here.
                    return Err(LinkError::Spent { spent_at }.into());
                }
                if attempts >= 5 {
                    return Err(AppError::conflict(
                        "changed_meanwhile",
                        "The order changed while your certificate was being recorded. Nothing was stored: \
                         press the button again.",
                    ));
                }
            }
        }
    };
    outbox::deliver_soon(call.env(), &db, &mail).await;
    let (serial, certificate) = (issued.serial, issued.der);
    let template_not_after = issued.not_after;
    let issued = IssuedCertificate {
        serial,
        certificate: pem_encode("CERTIFICATE", &certificate),
        chain: authority.chain_pem(),
        friendly_name: format!("{} ({})", order.subject_name(profile), row.organization_name),
        not_after: template_not_after,
    };
    Ok(Response::from_json(&issued)?.with_status(201))
}
