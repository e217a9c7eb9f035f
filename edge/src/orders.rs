//! Orders (`shared::api::order` lists the endpoints): placing one (idempotent), showing it with its pipeline, the
//! history with search, cancelling, resending a recipient's link, the ledger. The rules are `shared::order` and
//! the state machine `shared::pipeline`; the rows are the store's; moving an order on (links, certificates from
//! CSRs) is `fulfilment.rs`, which placing calls when every validation is already done.

use sha2::{Digest, Sha256};
use shared::address::{Domain, EmailAddress};
use shared::api::order::{
    LEDGER_ENTRIES_LISTED, Ledger, LedgerEntry, ORDERS_PAGE_SIZE, OrderList, OrderListQuery, OrderRequest,
    OrderSummary, OrderView, RecipientView,
};
use shared::contract::Refund;
use shared::encoding::hex;
use shared::issuance::pipeline as issuance;
use shared::lang::Lang;
use shared::order::{CheckedOrder, CheckedPayment, OrderContext, ValidatedDomain, check_order_request};
use shared::pipeline::{Order, OrderProgress, OrderState, Work, pipeline};
use worker::{D1Database, Response};

use crate::call::{Call, Member};
use crate::db::{commit, is_conflict, retrying};
use crate::error::AppError;
use crate::fulfilment::{self, Advanced, WorkContext};
use crate::store::audit_log;
use crate::store::contracts::{self, ContractRow};
use crate::store::ledger::{self, LedgerRow};
use crate::store::orders::{self, NewOrder, OrderRow, StoredOrder, StoredPayment};
use crate::store::recipients::{self, RecipientRow};
use crate::store::{self, enrollment_links};
use crate::{issuing, platform};

/// What a conflicting change of an order says.
const CHANGED_MEANWHILE: &str =
    "The order changed while this request ran (another person or tab). Reload it and try again.";

fn view(
    order: &OrderRow,
    recipients: &[RecipientRow],
    progress: &OrderProgress,
    now: i64,
) -> Result<OrderView, AppError> {
    let stored = order.stored();
    let profile = order.profile.id()?;
    Ok(OrderView {
        id: order.id.clone(),
        state: order.state,
        created_at: order.created_at,
        profile,
        organization_id: order.organization_id.clone(),
        organization_name: order.organization_name.clone(),
        validity_days: order.validity_days,
        auto_renewals: u32::try_from(order.renewals_left).unwrap_or_default(),
        renewal_of: order.renewal_of.clone(),
        renewed_by: order.renewed_by.clone(),
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
                    not_after: row.certificate_not_after,
                    revoked_at: row.revoked_at,
                    revocation_reason: row.revocation_reason,
                    issuance_refusal: row.issuance_refusal()?,
                    renews_serial: row.renews_serial.clone(),
                })
            })
            .collect::<Result<_, AppError>>()?,
        notification_emails: stored.notification_emails,
        price_cents: stored.price_cents,
        steps: pipeline(progress, now),
    })
}

/// The order as the API shows it: its recipients and pipeline read fresh.
pub async fn order_view(db: &D1Database, order: &OrderRow, now: i64) -> Result<OrderView, AppError> {
    let recipients = recipients::of_order(db, &order.id).await?;
    let progress = fulfilment::progress(db, order, &recipients, now).await?;
    view(order, &recipients, &progress, now)
}

/// Reads what the order form's rules need: the organization (of the caller's account only), the account's
/// validated domains and mailboxes, its balance, its contracts (returned too: a contract order is charged to one).
/// For a `renewal`, the validations that lapsed are kept: the rules ask them again instead of refusing.
async fn order_context(
    db: &D1Database,
    account_id: &str,
    organization_id: &str,
    now: i64,
    renewal: bool,
) -> Result<(OrderContext, Option<i64>, Vec<ContractRow>), AppError> {
    let organization = store::organizations::in_account(db, account_id, organization_id).await?.ok_or_else(|| {
        AppError::not_found("organization_id", "No organization of your account has this identifier.")
    })?;
    // The account's domain and mailbox validations, read as the issuance pipeline reads them at the moment of
    // issuance (the organization belongs to the caller's account), kept to those that may be relied on now.
    let mut results = db.batch(issuing::validations_statements(db, &organization.id)?.to_vec()).await?;
    let missing = || AppError::internal("batch result missing");
    let subjects = results.pop().ok_or_else(missing)?;
    let mut validations = issuing::validations_from(results.pop().ok_or_else(missing)?, subjects)?;
    validations.domains.retain(|validated| renewal || validated.reusable_until > now);
    validations.mailboxes.retain(|validated| renewal || validated.reusable_until > now);
    let (validated_domains, validated_mailboxes) = (validations.domains, validations.mailboxes);
    let balance_cents = ledger::balance_statement(db, account_id)?.first::<i64>(Some("balance")).await?.unwrap_or(0);
    let contract_rows = contracts::of_account(db, account_id).await?;
    let mut facts = organization.facts(now)?;
    if renewal {
        // The lapsed validation's end too: the rules tell a lapsed organization (asked again) from one never validated.
        let reuse = shared::validation::ValidationKind::Organization.reuse_days() * shared::validation::DAY_SECONDS;
        facts.validated_until = organization.validated_at.map(|at| at + reuse);
    }
    let context = OrderContext {
        organization: facts,
        validated_domains,
        validated_mailboxes,
        balance_cents,
        contracts: contract_rows.iter().map(ContractRow::contract).collect(),
        renewal,
    };
    Ok((context, organization.validated_at, contract_rows))
}

/// The validated domain an address or host name falls under: the most specific one.
fn covering_domain<'a>(domains: &'a [ValidatedDomain], name: &str) -> Option<&'a Domain> {
    domains
        .iter()
        .filter(|validated| validated.domain.contains_name(name))
        .max_by_key(|validated| validated.domain.as_str().len())
        .map(|validated| &validated.domain)
}

/// `GET /api/v1/ledger`: the balance and the latest entries, read in one batch so they agree.
pub async fn ledger(call: Call) -> Result<Response, AppError> {
    let Member { account_id, .. } = call.member().await?;
    Ok(Response::from_json(&ledger_of(&call.db, &account_id).await?)?)
}

/// An account's balance and latest entries, read in one batch so they agree (the account's own ledger page and
/// the CA administrators' billing page).
pub async fn ledger_of(db: &D1Database, account_id: &str) -> Result<Ledger, AppError> {
    #[derive(serde::Deserialize)]
    struct Balance {
        balance: i64,
    }
    let mut results = db
        .batch(vec![
            ledger::balance_statement(db, account_id)?,
            ledger::latest_statement(db, account_id, LEDGER_ENTRIES_LISTED)?,
        ])
        .await?;
    let missing = || AppError::internal("batch result missing");
    let entries = results.pop().ok_or_else(missing)?.results::<LedgerRow>()?;
    let balance = results.pop().ok_or_else(missing)?.results::<Balance>()?;
    let entries = entries
        .into_iter()
        .map(|row| LedgerEntry {
            at: row.at,
            amount_cents: row.amount,
            kind: row.kind,
            reference: row.reference,
            recipients: row.recipients.and_then(|count| u32::try_from(count).ok()),
        })
        .collect();
    let balance_cents = balance.first().map_or(0, |row| row.balance);
    Ok(Ledger { balance_cents, entries })
}

/// `POST /api/v1/orders`: checks the whole form, then places the order in one batch ([`place_order`]). The same
/// idempotency key again returns the order it made.
pub async fn place(call: Call) -> Result<Response, AppError> {
    let body = call.body();
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let submitted: OrderRequest = call.json("the order form's fields")?;
    let request_sha256 = hex(&Sha256::digest(body));
    if let Some(existing) = orders::by_idempotency_key(db, &account_id, &submitted.idempotency_key).await? {
        return replay(db, existing, &request_sha256, now).await;
    }
    let placement = Placement {
        env: call.env(),
        db,
        now,
        account_id: &account_id,
        actor: principal.actor(),
        asker_user_id: Some(principal.user_id.clone()),
        renewal: None,
    };
    match place_order(&placement, &submitted, request_sha256.clone(), Vec::new()).await? {
        Placed::New { order_id, mail } => {
            call.after_answer_deliver(mail);
            let order = orders::find(db, &order_id, Some(&account_id)).await?;
            Ok(Response::from_json(&order_view(db, &order, now).await?)?.with_status(201))
        }
        // A concurrent submission with the same idempotency key won: answer with its order.
        Placed::Existing { order_id } => replay(db, order_id, &request_sha256, now).await,
    }
}

/// Who places an order, and for what: the form's submitter, or a renewal (scheduled or "renew now").
pub struct Placement<'a> {
    /// The Worker's environment (the CA, the app's URL).
    pub env: &'a worker::Env,
    /// The database.
    pub db: &'a D1Database,
    /// The clock.
    pub now: i64,
    /// The ordering account.
    pub account_id: &'a str,
    /// Who acts, for the audit records.
    pub actor: String,
    /// The user the mailbox validation emails name as asking (`None`: no user; no such email is sent).
    pub asker_user_id: Option<String>,
    /// The renewal this order is, if it is one.
    pub renewal: Option<Renewal<'a>>,
}

/// A renewal order's link to the order it renews, written in the placing batch.
pub struct Renewal<'a> {
    /// The order renewed, as read (its version guards the count).
    pub renewed: &'a OrderRow,
    /// Its renewals left after this one.
    pub renewals_left: u32,
    /// For each recipient of the renewal, in order, the serial of the certificate it renews.
    pub renews: Vec<String>,
}

/// What placing came to.
pub enum Placed {
    /// The order, placed, and the outbox ids of its emails.
    New {
        /// Its number.
        order_id: String,
        /// The emails queued, to deliver.
        mail: Vec<String>,
    },
    /// A concurrent placement under the same idempotency key (or the same renewal) won: its order.
    Existing {
        /// Its number.
        order_id: String,
    },
}

/// The one placement path: checks the form ([`check_order_request`], the account's validations, payment, key
/// reuse), then one batch: the order, its recipients, the charge, the audit records and, when every validation
/// is already done, the enrollment links and emails and the certificates from CSRs; for a renewal, the renewed
/// order's count at its version read (a concurrent renewal makes the batch fail whole: [`Placed::Existing`]);
/// and `extra`, statements of the caller's own in the same batch (a device request's approval places its order
/// this way, so it is approved only if its order is placed; a row of `extra` that changed meanwhile fails the
/// batch whole, `changed_meanwhile`).
pub async fn place_order(
    placement: &Placement<'_>,
    submitted: &OrderRequest,
    request_sha256: String,
    extra: Vec<worker::D1PreparedStatement>,
) -> Result<Placed, AppError> {
    let Placement { env, db, now, account_id, .. } = *placement;
    let actor = placement.actor.clone();
    let (order_context, organization_validated_at, contract_rows) =
        order_context(db, account_id, &submitted.organization_id, now, placement.renewal.is_some()).await?;
    // A recipient's CSR text that also holds a private key: the key is recorded as exposed before the form's
    // refusal (the check below names the field); only its public key's hash is kept.
    for recipient in &submitted.recipients {
        if let Some(Err(refusal)) = recipient.csr.as_deref().map(issuance::parse) {
            let subject = ("order_request", submitted.idempotency_key.as_str());
            issuing::record_exposed_key(db, &refusal, &actor, subject, now).await?;
        }
    }
    let checked = check_order_request(submitted, &order_context, now).map_err(AppError::from)?;
    for (index, recipient) in checked.recipients.iter().enumerate() {
        if let Some((csr, _)) = &recipient.csr {
            let field = format!("recipients[{index}].csr");
            issuing::check_key_reuse(db, csr, &checked.organization_id, &recipient.facts, &field).await?;
        }
    }
    let origin = platform::app_url(env)?;
    let order_id = platform::new_id()?;
    let (placed, placed_event) = Order::place(&checked, now);
    let stored = stored_order(&checked, &order_context, request_sha256);
    let mut statements = vec![orders::insert(
        db,
        &NewOrder {
            id: &order_id,
            organization_id: &checked.organization_id,
            profile: checked.profile,
            validity_days: checked.validity_days,
            account_id,
            order: &placed,
            stored: &stored,
            idempotency_key: &checked.idempotency_key,
            created_by: &actor,
            renewal_of: placement.renewal.as_ref().map(|renewal| renewal.renewed.id.as_str()),
        },
    )?];
    let mut recipients = Vec::new();
    for (index, recipient) in checked.recipients.iter().enumerate() {
        let renews_serial = placement.renewal.as_ref().and_then(|renewal| renewal.renews.get(index).cloned());
        let row = RecipientRow {
            id: platform::new_id()?,
            position: index as i64,
            display_name: recipient.common_name.clone(),
            lang: recipient.lang,
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
            certificate_not_after: None,
            revoked_at: None,
            revocation_reason: None,
            issuance_refusal: None,
            issuance_refused_at: None,
            renews_serial,
        };
        statements.push(recipients::insert(db, &order_id, &row)?);
        if let Some(serial) = &row.renews_serial {
            statements.push(recipients::set_renews(db, &row.id, serial)?);
        }
        recipients.push(row);
    }
    if let Some(renewal) = &placement.renewal {
        statements.push(orders::record_renewal(db, renewal.renewed, renewal.renewals_left)?);
    }
    match &checked.payment {
        CheckedPayment::Balance if checked.price_cents > 0 => {
            let charge = (order_id.as_str(), checked.price_cents);
            statements.push(ledger::charge(db, &platform::new_id()?, account_id, charge, &actor, now)?);
        }
        CheckedPayment::Contract { reference } if checked.price_cents > 0 => {
            // The rules chose an active contract of the account with this reference; the triggers check it again
            // in the batch (limit, still active).
            let contract = contract_rows
                .iter()
                .find(|row| &row.reference == reference)
                .ok_or_else(|| AppError::internal("the checked contract is not among the account's"))?;
            let movement = contracts::Movement {
                id: &platform::new_id()?,
                contract_id: &contract.id,
                order_id: &order_id,
                cents: checked.price_cents,
                recipients: checked.recipients.len(),
            };
            statements.push(contracts::charge(db, &movement, &actor, now)?);
        }
        _ => {}
    }
    // After the order's row and before the work that issues from CSRs: a statement of `extra` may read the order
    // (a device request's approval takes its identifier) and the issue may move what `extra` wrote (the request
    // becomes issued through migration 0026's trigger).
    statements.extend(extra);
    let row = OrderRow {
        id: order_id.clone(),
        account_id: Some(account_id.to_owned()),
        organization_id: checked.organization_id.clone(),
        organization_name: order_context.organization.name.clone(),
        organization_identifier: order_context.organization.identifier.clone(),
        organization_country: order_context.organization.country.clone(),
        organization_locality: order_context.organization.locality.clone(),
        organization_state_or_province: order_context.organization.state_or_province.clone(),
        organization_validated_at,
        profile: orders::StoredProfile::Issued(checked.profile),
        validity_days: checked.validity_days,
        state: placed.state,
        request: serde_json::to_string(&stored).map_err(|error| AppError::internal(&error.to_string()))?,
        created_at: now,
        closed_at: None,
        version: placed.version,
        renewal_of: placement.renewal.as_ref().map(|renewal| renewal.renewed.id.clone()),
        renewed_by: None,
        renewals_left: i64::from(checked.auto_renewals),
    };
    let mut events = vec![placed_event];
    let mut mail = Vec::new();
    // An address at a public mail provider is validated by a link to itself: sent with the order, in English,
    // naming who placed it (a renewal: who placed the order renewed).
    if !stored.mailboxes.is_empty()
        && let Some(user_id) = &placement.asker_user_id
    {
        let mut asker = crate::domains::Asker::read(db, user_id, account_id).await?;
        asker.lang = Lang::En;
        for address in &stored.mailboxes {
            let email = EmailAddress::parse(address).map_err(|_| AppError::internal("checked mailbox"))?;
            let attempt = crate::domains::mailbox_attempt(&email, account_id, &origin, &asker, now)?;
            let (more, queued) = crate::domains::attempt_statements(db, &attempt, now)?;
            statements.extend(more);
            mail.extend(queued);
        }
    }
    // A renewal's domains whose validation lapsed are validated again as the last time (the same constructed
    // address, or a new DNS value), naming who placed the order renewed; the order waits for them as a new order
    // waits for its validations. (A lapsed organization needs nothing here: its vetting is back in the CA
    // staff's work list since it lapsed, and the order waits for it.)
    if let Some(user_id) = placement.asker_user_id.as_ref().filter(|_| !checked.lapsed_domains.is_empty()) {
        let mut asker = crate::domains::Asker::read(db, user_id, account_id).await?;
        asker.lang = Lang::En;
        for domain in &checked.lapsed_domains {
            let attempt = crate::domains::renewal_attempt(db, domain, account_id, &origin, &asker, now).await?;
            let (more, queued) = crate::domains::attempt_statements(db, &attempt, now)?;
            statements.extend(more);
            mail.extend(queued);
        }
    }
    let progress = fulfilment::progress(db, &row, &recipients, now).await?;
    let work_context = WorkContext { env, db, origin: &origin, now, actor: &actor };
    if let Some(Advanced { state, statements: work, events: more, refused }) =
        fulfilment::advance_statements(&work_context, &row, &recipients, progress, &mut mail).await?
    {
        // At placement a refusal refuses the order: nothing is written, the field is named.
        if let Some((field, refusal)) = refused.first() {
            return Err(AppError::refusal(refusal, field));
        }
        // The order row was inserted with the placed state: write the advanced one in the same batch.
        statements.push(orders::update(db, &order_id, &Order { version: placed.version + 1, ..state })?);
        statements.extend(work);
        events.extend(more);
    }
    statements.extend(audit_log::record_events(db, now, &actor, &order_id, &events)?);
    if let Some(renewal) = &placement.renewal {
        statements.push(audit_log::record(
            db,
            now,
            &actor,
            "order.renewal_placed",
            ("order", &renewal.renewed.id),
            &serde_json::json!({ "renewal": order_id, "renewals_left": renewal.renewals_left }),
        )?);
    }
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
        for code in ["contract_limit_exceeded", "contract_inactive"] {
            if crate::db::raised(&error, code) {
                return Err(AppError::from(vec![shared::order::FieldError::new(
                    "payment.reference",
                    code,
                    "The contract no longer covers this order (another order was charged to it, or it was ended \
                     meanwhile). Choose another contract or pay from the balance.",
                )]));
            }
        }
        if is_conflict(&error) {
            // A concurrent submission with the same idempotency key (a concurrent renewal of the same order) won.
            if let Some(existing) = orders::by_idempotency_key(db, account_id, &submitted.idempotency_key).await? {
                return Ok(Placed::Existing { order_id: existing });
            }
            return Err(crate::db::batch_error(error, CHANGED_MEANWHILE));
        }
        return Err(error.into());
    }
    Ok(Placed::New { order_id, mail })
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
        CheckedPayment::Balance => (StoredPayment::Balance, None),
        CheckedPayment::Contract { reference } => (StoredPayment::Contract, Some(reference.clone())),
    };
    StoredOrder {
        signature_hash: checked.signature_hash,
        auto_renewals: checked.auto_renewals,
        notification_emails: checked.notification_emails.iter().map(|email| email.as_str().to_owned()).collect(),
        payment,
        contract_reference,
        price_cents: checked.price_cents,
        subscriber_agreement: checked.subscriber_agreement.into(),
        request_sha256,
        domains,
        mailboxes,
    }
}

/// The answer to a repeated submission: the order the key made (200), if the request is the same; a different
/// request under a used key is refused (it would otherwise be silently dropped, a changed CSR among others).
async fn replay(db: &D1Database, order_id: String, request_sha256: &str, now: i64) -> Result<Response, AppError> {
    let order = orders::find(db, &order_id, None).await?;
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
    let order = orders::find(db, &order_id, Some(&account_id)).await?;
    Ok(Response::from_json(&order_view(db, &order, now).await?)?)
}

/// `GET /api/v1/orders?query=&status=&page=`: the account's orders, newest first, a page at a time; `query`
/// matches an order number (prefix), a recipient's address, or a domain (of an address or a host name).
pub async fn list(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
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
    let rows = orders::list(db, &account_id, query.status, search.as_deref(), page, ORDERS_PAGE_SIZE).await?;
    let has_more = rows.len() > ORDERS_PAGE_SIZE as usize;
    let orders = rows
        .into_iter()
        .take(ORDERS_PAGE_SIZE as usize)
        .map(|row| {
            Ok(OrderSummary {
                state: row.state,
                profile: row.profile.id()?,
                id: row.id,
                created_at: row.created_at,
                first_recipient: row.first_recipient.unwrap_or_default(),
                recipient_count: row.recipient_count,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Response::from_json(&OrderList { orders, page, has_more })?)
}

/// `POST /api/v1/orders/{id}/cancel`: refused once completed. Certificates already issued stay valid; the
/// recipients not yet issued are refunded in the cancel batch, to the balance or to the contract the order was
/// charged to. The batch writes the order at the version read before the recipients: an issuance committed
/// meanwhile (which moves the order's version on) makes it fail whole, and it runs again from fresh reads, so an
/// issued recipient is never refunded, and a second cancel is refused by the state.
pub async fn cancel(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let order_id = call.param("id").to_owned();
    let actor = principal.actor();
    retrying(|| cancel_attempt(db, &account_id, &order_id, &actor, now)).await?;
    let order = orders::find(db, &order_id, Some(&account_id)).await?;
    Ok(Response::from_json(&order_view(db, &order, now).await?)?)
}

/// One attempt at cancelling: the order (its version), then its recipients and what it was charged, then one
/// batch: the order, its open links ended, the refund, the audit record.
async fn cancel_attempt(
    db: &D1Database,
    account_id: &str,
    order_id: &str,
    actor: &str,
    now: i64,
) -> Result<(), AppError> {
    let order = orders::find(db, order_id, Some(account_id)).await?;
    // Refused here when completed or cancelled (before anything is refunded).
    order.order().cancel(now, Refund::default())?;
    let recipients = recipients::of_order(db, order_id).await?;
    let unissued = recipients.iter().filter(|recipient| recipient.serial.is_none()).count();
    let (charged, contract) = match order.stored().payment {
        StoredPayment::Balance => (ledger::charge_of_order(db, account_id, order_id).await?, None),
        StoredPayment::Contract => match contracts::charge_of_order(db, order_id).await? {
            Some((contract_id, cents)) => (cents, Some(contract_id)),
            None => (0, None),
        },
    };
    let refund = Refund::of(charged, recipients.len(), unissued);
    let transition = order.order().cancel(now, refund)?;
    // Open enrollment links of the order stop working.
    let mut statements =
        vec![orders::update(db, order_id, &transition.order)?, enrollment_links::end_open_of_order(db, order_id, now)?];
    if refund.cents > 0 {
        let id = platform::new_id()?;
        statements.push(match &contract {
            Some(contract_id) => {
                let movement = contracts::Movement {
                    id: &id,
                    contract_id,
                    order_id,
                    cents: refund.cents,
                    recipients: refund.recipients,
                };
                contracts::refund(db, &movement, actor, now)?
            }
            None => ledger::refund(db, &id, account_id, (order_id, refund.cents, refund.recipients), actor, now)?,
        });
    }
    statements.extend(audit_log::record_events(db, now, actor, order_id, &[transition.audit])?);
    statements.extend(crate::notices::cancellation_statements(db, order_id, &recipients, now).await?);
    commit(db, statements, CHANGED_MEANWHILE).await
}

/// The refusal of a new link for a recipient who has a certificate.
fn already_issued() -> AppError {
    AppError::field(
        409,
        "recipient_already_issued",
        "position",
        "This recipient's certificate is issued; a new link cannot make another. Download it from the order.",
    )
}

/// `POST /api/v1/orders/{id}/recipients/{position}/resend`: a fresh enrollment link (a new random value) and
/// its email; the previous link stops working. Refused once the recipient has a certificate.
pub async fn resend(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.member().await?;
    let order_id = call.param("id").to_owned();
    let order = orders::find(db, &order_id, Some(&account_id)).await?;
    if order.state != OrderState::AwaitingEnrollment {
        return Err(AppError::field(
            409,
            "order_not_awaiting_enrollment",
            "id",
            "Links are sent once every validation is done, and no longer after the order is completed or \
             cancelled.",
        ));
    }
    let position: i64 = call.param("position").parse().unwrap_or(-1);
    let recipients = recipients::of_order(db, &order_id).await?;
    let recipient = recipients
        .iter()
        .find(|row| row.position == position)
        .ok_or_else(|| AppError::not_found("position", "The order has no recipient at this position."))?;
    if recipient.serial.is_some() || recipient.csr.is_some() {
        return Err(already_issued());
    }
    let origin = platform::app_url(call.env())?;
    let actor = principal.actor();
    let work_context = WorkContext { env: call.env(), db, origin: &origin, now, actor: &actor };
    // The old unspent links end: deleted, so they read as "replaced by a newer email".
    let mut statements = vec![enrollment_links::delete_unspent(db, &recipient.id)?];
    let mut mail = Vec::new();
    let work = Work::SendEnrollmentLink { recipient: position as usize };
    fulfilment::perform(&work_context, &order, recipient, work, &mut statements, &mut mail).await?;
    statements.push(audit_log::record(
        db,
        now,
        &principal.actor(),
        "enrollment_link_resent",
        ("order", &order_id),
        &serde_json::json!({ "recipient": position }),
    )?);
    // The database refuses the new link if an enrollment committed the recipient's certificate meanwhile
    // (migration 0013): the same answer as when the certificate was there before.
    match db.batch(statements).await {
        Err(error) if crate::db::raised(&error, "recipient_already_issued") => return Err(already_issued()),
        result => crate::db::settle(result, CHANGED_MEANWHILE)?,
    }
    call.after_answer_deliver(mail);
    Ok(Response::empty()?.with_status(204))
}
