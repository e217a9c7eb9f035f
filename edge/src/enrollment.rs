//! `GET` and `POST /api/v1/enrollments/{token}`: show a link (never spends it), and submit a CSR (spends it
//! and records the certificate in one atomic batch).

use shared::api::enrollment::{EnrollmentView, IssuedCertificate, ReissueOf, SubmitCsr};
use shared::encoding::pem_encode;
use shared::issuance::pipeline::{self, Mailing};
use shared::link::{LinkError, Token};

use worker::Response;

use crate::call::Call;
use crate::error::AppError;
use crate::store::enrollment_links::{self, LinkRow};
use crate::store::orders::StoredOrder;
use crate::{db, fulfilment, issuing, platform};

/// What a submission hears when concurrent enrollments of the order kept changing it.
const CHANGED_MEANWHILE: &str =
    "The order changed while your certificate was being recorded. Nothing was stored: press the button again.";

fn token(call: &Call) -> Result<Token, AppError> {
    Ok(Token::parse(call.param("token"))?)
}

/// `GET /api/v1/enrollments/{token}`: the link's state and what it is for. Reads only.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let row = enrollment_links::by_token(db, &token(&call)?).await?;
    let profile = row.profile.profile();
    let order = row.facts()?;
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
        validity_days: match row.reissue_of_not_after {
            // A reissue keeps the old end: the days left of it.
            Some(not_after) => u32::try_from((not_after - now).max(0) / 86_400).unwrap_or_default(),
            None => row.validity_days.clamp(1, profile.max_validity_days(now)),
        },
        certificate_serial: row.certificate_serial.clone(),
        renews: crate::store::recipients::renewed_certificate(db, &row.recipient_id).await?,
        reissue_of: row
            .reissue_of
            .clone()
            .map(|serial| ReissueOf { serial, not_after: row.reissue_of_not_after.unwrap_or_default() }),
    };
    Ok(Response::from_json(&view)?)
}

/// `POST /api/v1/enrollments/{token}` with `{"csr": PEM}`: the issuance pipeline, then one batch that spends
/// the link and records the certificate and the audit entry, or changes nothing.
pub async fn submit(call: Call) -> Result<Response, AppError> {
    let token = token(&call)?;
    let submission: SubmitCsr = serde_json::from_slice(call.body()).map_err(|error| {
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
    let row: LinkRow = enrollment_links::by_token(db, &token).await?;
    let now = call.now;
    // The link first: a spent link is refused whatever the CSR, and the page can say when.
    row.link().spend(now)?;
    let csr = match pipeline::parse(&submission.csr) {
        Ok(csr) => csr,
        Err(refusal) => {
            issuing::record_exposed_key(db, &refusal, "recipient", ("enrollment_link", &row.link_id), now).await?;
            return Err(AppError::refusal(&refusal, "csr"));
        }
    };
    // A reissue link: the certificate it replaces must still be reissuable, and the key must be new.
    crate::reissue::check_submission(&row, &csr, now)?;
    let profile = row.profile.profile();
    let order = row.facts()?;
    let notification_emails = StoredOrder::from_column(&row.order_request).notification_emails;
    let greeting =
        if row.recipient_display_name.is_empty() { order.greeting() } else { row.recipient_display_name.clone() };
    let origin = platform::app_url(call.env())?;
    let subject = issuing::Subject {
        profile,
        facts: &order,
        organization_id: &row.organization_id,
        mailing: Mailing {
            lang: row.recipient_lang,
            greeting: &greeting,
            notification_emails: &notification_emails,
            origin: &origin,
        },
        actor: "recipient",
        subject: ("enrollment_link", &row.link_id),
        ends_no_later_than: row.reissue_of.as_ref().and(row.reissue_of_not_after),
    };
    // The CA is parsed once per isolate: parsing the issuing key checks the key pair (a scalar multiplication).
    let issuer = issuing::Issuer::from_env(call.env())?;
    // A refusal changes nothing: the link stays open, and the page says why.
    let issued = issuing::issue(&issuer, db, &csr, &subject, now)
        .await?
        .map_err(|refusal| AppError::refusal(&refusal, "csr"))?;
    // The order moves with its recipient (the last one completes it); a concurrent enrollment of another
    // recipient of the same order bumps its version, so the batch is rebuilt from fresh reads and retried.
    // The first attempt writes from the reads above; a retry reads the link again, and a link another
    // submission spent meanwhile ends it (that certificate stands; ours was never stored).
    let mut fresh = Some(row.clone());
    let mail = db::retrying(|| {
        let first = fresh.take();
        let (issued, token) = (&issued, &token);
        async move {
            let row = match first {
                Some(row) => row,
                None => enrollment_links::by_token(db, token).await?,
            };
            if let Some(spent_at) = row.spent_at {
                return Err(LinkError::Spent { spent_at }.into());
            }
            let mut batch = vec![enrollment_links::spend(db, &row.link_id, &row.link().spend(now)?)?];
            let (recorded, mail) =
                issuing::statements(db, issued, &row.recipient_id, &row.link_id, "recipient", &row.order_id, now)?;
            batch.extend(recorded);
            match &row.reissue_of {
                // A reissue leaves the order as it is (its recipient was enrolled already) and names its successor
                // on the old certificate, only where nothing did (the contract shared with renewal).
                Some(predecessor) => batch.extend(crate::reissue::issued_statements(db, predecessor, issued, now)?),
                None => {
                    batch.extend(fulfilment::enrolled_statements(db, &row.order_transition(now)?, &row.order_id, now)?)
                }
            }
            match db.batch(batch).await {
                Ok(_) => Ok(mail),
                // Another subject certified this key first, or it was reported compromised meanwhile.
                Err(error) => Err(issuing::key_holder_refusal(&error, "csr")
                    .unwrap_or_else(|| db::batch_error(error, CHANGED_MEANWHILE))),
            }
        }
    })
    .await?;
    call.after_answer_deliver(mail);
    let (serial, certificate) = (issued.serial, issued.der);
    let template_not_after = issued.not_after;
    let issued = IssuedCertificate {
        serial,
        certificate: pem_encode("CERTIFICATE", &certificate),
        chain: issuer.authority.chain_pem(),
        friendly_name: format!("{} ({})", order.subject_name(profile), row.organization_name),
        not_after: template_not_after,
    };
    Ok(Response::from_json(&issued)?.with_status(201))
}
