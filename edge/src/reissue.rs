//! Reissue (issue 14.2): a new key for the same order and subject, ending when the old certificate ends, at no
//! charge. `shared::reissue` decides; this module reads, writes and sends.
//!
//! - A member of the ordering account (`POST /api/v1/certificates/{serial}/reissue`) or the holder from the spent
//!   link's page (`POST /api/v1/enrollments/{token}/reissue`) asks; either way a new single-use enrollment link,
//!   marked as a reissue of the serial (migration 0024), is emailed to the recipient's address and to no one else:
//!   the holder's request answers where it went, never the link. Whoever reads the mailbox can get the link, which
//!   is what controlling the mailbox means (S/MIME BR 3.2.2.2); a spent link found in the mailbox later gives no
//!   more than that, and the request is audited and visible to the account (the inventory's `replaced_by`, the
//!   old certificate revoked `superseded`). The database keeps one open reissue link per certificate.
//! - The account's request re-validates the mailbox when the validation the certificate relied on has lapsed
//!   (S/MIME BR 4.2.1: 30 days for an emailed random value, 3.2.2.2): a fresh 24-hour validation link goes to the
//!   address with the reissue, and the issuance pipeline's step 4 refuses until it is confirmed.
//! - The certificate issued through the link ends when the old one ends (`ends_no_later_than`), and its batch sets
//!   `replaced_by` on the old one where it is `NULL`. Nothing touches the ledger: no charge.
//! - Supersession: the old certificate is revoked `superseded` (the revocation's batch: CRL, audit, OCSP cache
//!   forgotten) in the same batch as the new one's first pickup ([`record_pickup`]), or by the scheduled handler
//!   once the account's grace period has passed ([`supersede_due`]). Once: revocation is final.

use shared::address::{EmailAddress, is_public_mail_provider};
use shared::api::reissue::{Reissue, ReissueRequested, ReissueSettings};
use shared::csr::ParsedCsr;
use shared::issuance::pipeline::{self, Issuance, ValidationLapse, spki_sha256};
use shared::link::Token;
use shared::mail::{Invitation, enrollment_invitation};
use shared::reissue::{self, GraceDays, Original, Pending};
use shared::revocation::Status;
use worker::{D1Database, D1PreparedStatement, Env, Response};

use crate::auth::Principal;
use crate::call::Call;
use crate::db::{batch_error, raised};
use crate::domains::{Asker, attempt_statements, mailbox_attempt};
use crate::error::AppError;
use crate::store::certificates::{self, ReissueTarget};
use crate::store::enrollment_links::{self, LinkRow};
use crate::store::{accounts, audit_log, orders, recipients};
use crate::{issuing, outbox, platform, revocation};

/// How many reissued certificates one scheduled run supersedes at most.
const SWEEP_LIMIT: i64 = 50;

/// `POST /api/v1/certificates/{serial}/reissue`: a member of the ordering account reissues the certificate.
pub async fn reissue(call: Call) -> Result<Response, AppError> {
    let member = call.member().await?;
    let target = target_of(&call.db, &call.serial()?, Some(&member.account_id)).await?;
    let sent =
        send_link(&call, &target, &member.principal.actor(), Some((&member.principal, &member.account_id))).await?;
    Ok(Response::from_json(&sent)?.with_status(201))
}

/// `DELETE /api/v1/certificates/{serial}/reissue`: the open reissue link is deleted (it then reads as unknown);
/// the certificate stays as it is. Idempotent.
pub async fn cancel(call: Call) -> Result<Response, AppError> {
    let member = call.member().await?;
    let target = target_of(&call.db, &call.serial()?, Some(&member.account_id)).await?;
    let db = &call.db;
    let detail = serde_json::json!({});
    db.batch(vec![
        enrollment_links::delete_unspent_reissues(db, &target.serial, None)?,
        audit_log::record(
            db,
            call.now,
            &member.principal.actor(),
            "certificate.reissue_cancelled",
            ("certificate", &target.serial),
            &detail,
        )?,
    ])
    .await?;
    Ok(Response::empty()?.with_status(204))
}

/// `POST /api/v1/enrollments/{token}/reissue`: the holder of the spent link asks. The new link goes to the
/// recipient's address; the answer says only where.
pub async fn request(call: Call) -> Result<Response, AppError> {
    let token = Token::parse(call.param("token"))?;
    let row = enrollment_links::by_token(&call.db, &token).await?;
    if row.spent_at.is_none() {
        return Err(AppError::field(
            409,
            "link_open",
            "token",
            "This link has not been used yet: open it to make your key and certificate.",
        ));
    }
    let serial = row.certificate_serial.clone().ok_or_else(|| {
        AppError::field(409, "certificate_not_issued", "token", "No certificate was issued through this link.")
    })?;
    let target = target_of(&call.db, &serial, None).await?;
    let sent = send_link(&call, &target, "holder", None).await?;
    let body = ReissueRequested { sent_to: sent.recipient_email, link_expires_at: sent.link_expires_at };
    Ok(Response::from_json(&body)?.with_status(202))
}

/// The certificate to reissue; another account's (or, for a member, one of no account) reads as unknown.
async fn target_of(db: &D1Database, serial: &str, account_id: Option<&str>) -> Result<ReissueTarget, AppError> {
    let target = certificates::reissue_target(db, serial).await?.ok_or_else(AppError::unknown_certificate)?;
    if account_id.is_some_and(|account_id| target.account_id.as_deref() != Some(account_id)) {
        return Err(AppError::unknown_certificate());
    }
    Ok(target)
}

/// Checks the certificate, writes the reissue link (one batch: expired reissue links of the certificate removed, the
/// link, the invitation, the audit record, a mailbox re-validation when one is needed and `asker` can ask for it)
/// and answers what was sent.
async fn send_link(
    call: &Call,
    target: &ReissueTarget,
    actor: &str,
    asker: Option<(&Principal, &str)>,
) -> Result<Reissue, AppError> {
    let (db, now) = (&call.db, call.now);
    let original =
        Original { status: target.status(), not_after: target.not_after, replaced_by: target.replaced_by.as_deref() };
    reissue::check_reissue(&original, now)?;
    let order = orders::find(db, &target.order_id, None).await?;
    let recipient = recipients::of_order(db, &target.order_id)
        .await?
        .into_iter()
        .find(|recipient| recipient.id == target.recipient_id)
        .ok_or_else(|| AppError::internal("a certificate's recipient is not in its order"))?;
    let profile = order.profile.profile();
    let facts = recipient.facts(&order)?;
    let origin = platform::app_url(call.env())?;

    let token = Token::from_random(platform::random()?);
    let expires_at = reissue::link_expires_at(now, target.not_after);
    let link = shared::link::Link { created_at: now, expires_at, spent_at: None, version: 0 };
    let url = format!("{origin}/enroll/{}", token.as_str());
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
            expires_in_days: ((expires_at - now) / 86_400).max(1),
        },
    );
    let mut batch = vec![
        enrollment_links::delete_unspent_reissues(db, &target.serial, Some(now))?,
        enrollment_links::insert_reissue(db, &platform::new_id()?, &recipient.id, &token, &link, &target.serial)?,
    ];
    let (queued, email_id) = outbox::enqueue(db, &email, now)?;
    batch.push(queued);
    let mut mail = vec![email_id];

    // S/MIME BR 4.2.1: a mailbox validated by an emailed random value is reused for 30 days only. When the one the
    // certificate relies on lapsed, the account's request starts a fresh one (public mail providers only, as
    // `POST /api/v1/mailboxes` does; a company domain is validated again as a domain).
    let mut mailbox_revalidation = false;
    if let Some((principal, account_id)) = asker {
        let [organization, subjects] = issuing::validations_statements(db, &order.organization_id)?;
        let mut results = db.batch(vec![organization, subjects]).await?;
        let missing = || AppError::internal("batch result missing");
        let subjects = results.pop().ok_or_else(missing)?;
        let validations = issuing::validations_from(results.pop().ok_or_else(missing)?, subjects)?;
        if let Err(ValidationLapse::Mailbox { email, .. }) =
            pipeline::check_validations(profile, &facts, &validations, now)
            && let Ok(address) = EmailAddress::parse(&email)
            && is_public_mail_provider(address.domain())
        {
            let asker = Asker::read(db, &principal.user_id, account_id).await?;
            let attempt = mailbox_attempt(&address, account_id, &origin, &asker, now)?;
            let (statements, queued) = attempt_statements(db, &attempt, now)?;
            batch.extend(statements);
            mail.extend(queued);
            mailbox_revalidation = true;
        }
    }
    let detail = serde_json::json!({
        "recipient": facts.recipient_email,
        "link_expires_at": expires_at,
        "mailbox_revalidation": mailbox_revalidation,
    });
    batch.push(audit_log::record(
        db,
        now,
        actor,
        "certificate.reissue_requested",
        ("certificate", &target.serial),
        &detail,
    )?);
    if let Err(error) = db.batch(batch).await {
        return Err(if raised(&error, "enrollment_links.reissue_of") {
            AppError::field(
                409,
                "reissue_open",
                "serial",
                "A reissue link for this certificate was sent already and is still open: use it, or cancel it first.",
            )
        } else if raised(&error, "recipient_already_issued") {
            AppError::field(409, "certificate_changed", "serial", "This certificate was revoked or replaced meanwhile.")
        } else {
            batch_error(error, "The certificate changed meanwhile; nothing was sent. Please try again.")
        });
    }
    call.after_answer_deliver(mail);
    Ok(Reissue {
        serial: target.serial.clone(),
        recipient_email: facts.recipient_email.clone(),
        link_expires_at: expires_at,
        not_after: target.not_after,
        mailbox_revalidation,
    })
}

/// A CSR submitted through a reissue link: the certificate it replaces is still reissuable and the key is new.
/// Any other link passes.
pub fn check_submission(row: &LinkRow, csr: &ParsedCsr, now: i64) -> Result<(), AppError> {
    let (Some(_), Some(not_after), Some(spki)) =
        (&row.reissue_of, row.reissue_of_not_after, row.reissue_of_spki_sha256.as_deref())
    else {
        return Ok(());
    };
    let status = match (row.reissue_of_revoked_at, row.reissue_of_revocation_reason) {
        (Some(at), Some(reason)) => Status::Revoked { at, reason },
        _ => Status::Valid,
    };
    let original = Original { status, not_after, replaced_by: row.reissue_of_replaced_by.as_deref() };
    reissue::check_reissue(&original, now)?;
    reissue::check_new_key(spki, &spki_sha256(csr))?;
    Ok(())
}

/// The reissue's part of the issuing batch: the old certificate names its successor (only where nothing did) and
/// the audit record links the two.
pub fn issued_statements(
    db: &D1Database,
    predecessor: &str,
    issued: &Issuance,
    now: i64,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let detail = serde_json::json!({ "replaced_by": issued.serial });
    Ok(vec![
        certificates::set_replaced_by(db, predecessor, &issued.serial)?,
        audit_log::record(db, now, "recipient", "certificate.reissued", ("certificate", predecessor), &detail)?,
    ])
}

/// Writes a pickup of `serial` (the statements `pickup` makes); when `serial` is a reissued certificate whose
/// predecessor is still valid, the predecessor is revoked `superseded` in the same batch.
pub async fn record_pickup(
    env: &Env,
    db: &D1Database,
    serial: &str,
    now: i64,
    pickup: &dyn Fn() -> worker::Result<Vec<D1PreparedStatement>>,
) -> Result<(), AppError> {
    let pending = certificates::pending_supersession_of(db, serial, now).await?;
    let due = pending.as_ref().and_then(|row| {
        let pending = Pending { picked_up: true, ..pending_of(row) };
        reissue::supersession(&pending, now).map(|why| (row.predecessor.as_str(), why))
    });
    match due {
        Some((predecessor, why)) => {
            revocation::supersede(env, db, (predecessor, serial), why, pickup).await?;
        }
        None => {
            db.batch(pickup()?).await?;
        }
    }
    Ok(())
}

/// The pure rule's input from a stored row (the sweep reads only unrevoked predecessors).
fn pending_of(row: &certificates::PendingSupersession) -> Pending {
    Pending {
        issued_at: row.issued_at,
        picked_up: row.picked_up != 0,
        predecessor: Status::Valid,
        predecessor_not_after: row.predecessor_not_after,
        grace: row.supersede_grace_days.and_then(|days| GraceDays::parse(days).ok()).unwrap_or_default(),
    }
}

/// The scheduled handler's sweep: supersedes the predecessors of reissued certificates picked up (a pickup's own
/// batch normally did) or whose account's grace period has passed. Each once: a revoked predecessor is not read
/// again, and a concurrent run's revocation makes this one's batch fail and find it revoked.
pub async fn supersede_due(env: &Env, db: &D1Database, now: i64) -> Result<(), AppError> {
    for row in certificates::pending_supersessions(db, now, SWEEP_LIMIT).await? {
        if let Some(why) = reissue::supersession(&pending_of(&row), now) {
            revocation::supersede(env, db, (&row.predecessor, &row.serial), why, &|| Ok(Vec::new())).await?;
        }
    }
    Ok(())
}

/// `GET /api/v1/account/reissue-settings`.
pub async fn show_settings(call: Call) -> Result<Response, AppError> {
    let member = call.member().await?;
    let days = accounts::supersede_grace_days(&call.db, &member.account_id).await?;
    let days = days.and_then(|days| GraceDays::parse(days).ok()).unwrap_or_default();
    Ok(Response::from_json(&ReissueSettings { supersede_grace_days: i64::from(days.days()) })?)
}

/// `POST /api/v1/account/reissue-settings`: an administrator of the account sets the grace period.
pub async fn update_settings(call: Call) -> Result<Response, AppError> {
    let member = call.account_admin().await?;
    let body: ReissueSettings = call.json("supersede_grace_days")?;
    let days = GraceDays::parse(body.supersede_grace_days)?;
    let db = &call.db;
    let detail = serde_json::json!({ "supersede_grace_days": days.days() });
    db.batch(vec![
        accounts::set_supersede_grace_days(db, &member.account_id, days.days())?,
        audit_log::record(
            db,
            call.now,
            &member.principal.actor(),
            "account.reissue_settings_changed",
            ("account", &member.account_id),
            &detail,
        )?,
    ])
    .await?;
    Ok(Response::from_json(&ReissueSettings { supersede_grace_days: i64::from(days.days()) })?)
}
