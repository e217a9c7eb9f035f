//! Automatic renewal (issue 14.1): the scheduled handler places the renewal of each completed order with renewals
//! left 30 days before its first certificate ends ([`renew_due`]), and `POST /api/v1/orders/{id}/renew` places it
//! at once ([`renew_now`]). Both read the order, ask `shared::renewal` whether and what, and place the renewal
//! through the one placement path (`orders::place_order`): the same checks as a placed order (validations,
//! payment, key reuse), new recipient rows (new links), and in the same batch the renewed order's count at its
//! version read. A second run, concurrent or late, finds the renewal placed, or its batch is refused whole by the
//! version trigger, the renewal's idempotency key and the unique `orders.renewal_of`.

use sha2::{Digest, Sha256};
use shared::api::order::{PaymentRequest, RecipientRequest};
use shared::encoding::hex;
use shared::renewal::{RenewedOrder, RenewedRecipient, renewal_due, renewal_request};
use worker::{D1Database, Env, Response};

use crate::call::{Call, Member};
use crate::error::AppError;
use crate::orders::{Placed, Placement, Renewal, place_order};
use crate::store::orders::{self, OrderRow, StoredPayment};
use crate::store::recipients::{self, RecipientRow};

/// Orders the scheduled handler renews per run, the soonest ending first: the rest are due next run.
const RENEWALS_PER_RUN: i64 = 10;

/// The order and its recipients as the renewal rules see them.
fn renewed_order(order: &OrderRow, rows: &[RecipientRow]) -> Result<RenewedOrder, AppError> {
    let stored = order.stored();
    let payment = match stored.payment {
        StoredPayment::Balance => PaymentRequest::Balance,
        StoredPayment::Contract => {
            PaymentRequest::Contract { reference: stored.contract_reference.unwrap_or_default() }
        }
    };
    let recipients = rows
        .iter()
        .map(|row| {
            Ok(RenewedRecipient {
                request: RecipientRequest {
                    name: (!row.display_name.is_empty()).then(|| row.display_name.clone()),
                    given_name: (!row.given_name.is_empty()).then(|| row.given_name.clone()),
                    surname: (!row.surname.is_empty()).then(|| row.surname.clone()),
                    email: row.email.clone(),
                    dns_names: row.dns_names()?,
                    csr: row.csr.clone(),
                    lang: Some(row.lang.tag().to_owned()),
                },
                serial: row.serial.clone(),
                not_after: row.certificate_not_after,
                revoked: row.revoked_at.is_some(),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(RenewedOrder {
        id: order.id.clone(),
        state: order.state,
        renewals_left: u32::try_from(order.renewals_left).unwrap_or_default(),
        renewed: order.renewed_by.is_some(),
        profile: order.profile.id()?,
        organization_id: order.organization_id.clone(),
        signature_hash: stored.signature_hash,
        validity_days: order.validity_days,
        notification_emails: stored.notification_emails,
        payment,
        subscriber_agreement: stored.subscriber_agreement,
        recipients,
    })
}

/// Places `order`'s renewal if it is due now (`manual`: "renew now", due at any time). `None` when a concurrent
/// run placed it first.
async fn renew(
    env: &Env,
    db: &D1Database,
    order: &OrderRow,
    actor: String,
    asker_user_id: Option<String>,
    now: i64,
    manual: bool,
) -> Result<Option<(String, Vec<String>)>, AppError> {
    let account_id = order
        .account_id
        .as_deref()
        .ok_or_else(|| AppError::field(409, "order_without_account", "id", "This order has no ordering account."))?;
    let rows = recipients::of_order(db, &order.id).await?;
    let renewed = renewed_order(order, &rows)?;
    let renewals_left = renewal_due(&renewed, now, manual)
        .map_err(|error| AppError::field(409, error.code(), "id", error.to_string()))?;
    let (request, renews) = renewal_request(&renewed, renewals_left, now);
    let body = serde_json::to_vec(&request).map_err(|error| AppError::internal(&error.to_string()))?;
    let placement = Placement {
        env,
        db,
        now,
        account_id,
        actor,
        asker_user_id,
        renewal: Some(Renewal { renewed: order, renewals_left, renews }),
    };
    match place_order(&placement, &request, hex(&Sha256::digest(&body)), Vec::new()).await? {
        Placed::New { order_id, mail } => Ok(Some((order_id, mail))),
        Placed::Existing { .. } => Ok(None),
    }
}

/// The scheduled handler's renewals: each completed order with renewals left, not yet renewed, whose first valid
/// certificate ends within 30 days (or ended: missed runs catch up), at most [`RENEWALS_PER_RUN`]. Each in its own
/// batch; one refused (a validation of the organization lapsed, the contract ended) is logged and tried again
/// next run. The emails are queued; the handler's outbox delivery sends them.
pub async fn renew_due(env: &Env, db: &D1Database, now: i64) -> Result<(), AppError> {
    let due = orders::renewals_due(db, now + shared::renewal::RENEWAL_LEAD_SECONDS, RENEWALS_PER_RUN).await?;
    for order_id in due {
        let result = async {
            let order = orders::find(db, &order_id, None).await?;
            let asker = orders::placed_by_user(db, &order_id).await?;
            renew(env, db, &order, "keyward".to_owned(), asker, now, false).await
        };
        if let Err(error) = result.await {
            worker::console_error!("the renewal of order {order_id} failed: {} {}", error.code(), error.message());
        }
    }
    Ok(())
}

/// `POST /api/v1/orders/{id}/renew`: "renew now", the scheduled path at once (`201` with the renewal order); the
/// same once-only guard, so a second press answers `409 order_already_renewed`.
pub async fn renew_now(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let order = orders::find(db, call.param("id"), Some(&account_id)).await?;
    let placed = renew(call.env(), db, &order, principal.actor(), Some(principal.user_id.clone()), now, true).await?;
    let Some((renewal_id, mail)) = placed else {
        let error = shared::renewal::RenewalError::AlreadyRenewed;
        return Err(AppError::field(409, error.code(), "id", error.to_string()));
    };
    call.after_answer_deliver(mail);
    let renewal = orders::find(db, &renewal_id, Some(&account_id)).await?;
    Ok(Response::from_json(&crate::orders::order_view(db, &renewal, now).await?)?.with_status(201))
}
