//! Domains, mailboxes and the emailed validation links (`shared::api::domain` lists the endpoints).
//!
//! A domain's or mailbox's state is its latest `validations` row that no resend replaced (`superseded_at IS
//! NULL`). A resend or a change of method replaces the pending row with a new one holding a fresh random
//! value, in one batch with the audit record and, for email methods, the `mail_outbox` row. The domain's id in
//! paths is its name: stable across resends. Every query filters on the caller's account; another account's
//! domain reads as not found.

use shared::address::{Domain, EmailAddress, is_public_mail_provider};
use shared::api::domain::{
    DnsRecord, DomainList, DomainRequestError, DomainView, LinkState, MailboxList, MailboxView, MethodChange,
    NewDomain, NewMailbox, ValidationLinkView, ValidationState, check_controllable, link_state,
};
use shared::lang::Lang;
use shared::link::{LinkError, Token};
use shared::mail::{Email, Requester, domain_validation_link, mailbox_validation_link};
use shared::validation::{
    DomainMethod, RandomValue, Validation, ValidationKind, ValidationStatus, constructed_addresses, dns_record_name,
    dns_record_value, txt_record_matches,
};
use worker::{D1Database, D1PreparedStatement, Response};

use crate::auth::Principal;
use crate::call::{Call, Member};
use crate::db::commit;
use crate::error::AppError;
use crate::outbox::enqueue;
use crate::store::audit_log;
use crate::store::organizations;
use crate::store::users;
use crate::store::validations::{self, Method, ValidationRow};
use crate::{doh, platform};

/// Hours an emailed link or a DNS value works (24).
const RANDOM_VALUE_HOURS: i64 = shared::validation::RANDOM_VALUE_LIFETIME_SECONDS / 3600;

/// What a caller hears when a concurrent request won.
const CHANGED_MEANWHILE: &str =
    "Another request changed this at the same moment; nothing was written. Reload and try again.";

// ---------------------------------------------------------------------------------------------------------
// Domains.

/// The method named in a request.
fn parse_method(method: &str) -> Result<DomainMethod, DomainRequestError> {
    match method.trim() {
        "constructed_email" => Ok(DomainMethod::ConstructedEmail),
        "dns_txt" => Ok(DomainMethod::DnsTxt),
        _ => Err(DomainRequestError::MethodUnknown),
    }
}

/// The constructed address chosen: a local part (`admin`) or a whole address, one of the five.
fn constructed_address(domain: &Domain, address: Option<&str>) -> Result<EmailAddress, AppError> {
    let address = address.map(str::trim).filter(|address| !address.is_empty());
    let address = address.ok_or(DomainRequestError::AddressMissing)?;
    let full = if address.contains('@') { address.to_owned() } else { format!("{address}@{}", domain.as_str()) };
    let parsed = EmailAddress::parse(&full).map_err(|error| AppError::from(error).for_field("address"))?;
    constructed_addresses(domain)
        .into_iter()
        .find(|candidate| candidate.same_mailbox(&parsed))
        .ok_or_else(|| DomainRequestError::AddressNotConstructed { domain: domain.as_str().to_owned() }.into())
}

/// A domain name from a request field, one an organization can control (`check_controllable`: no public mail
/// provider, no public suffix).
fn parse_domain(name: &str) -> Result<Domain, AppError> {
    let domain = Domain::parse(name).map_err(|error| AppError::from(error).for_field("name"))?;
    check_controllable(&domain)?;
    Ok(domain)
}

/// The domain id in a path: its name, checked like a request's.
fn path_domain(call: &Call) -> Result<Domain, AppError> {
    let id = call.param("id");
    Domain::parse(id).map_err(|_| DomainRequestError::NotFound.into())
}

fn domain_view(row: &ValidationRow, now: i64) -> Result<DomainView, AppError> {
    let validation = row.validation();
    let method =
        row.method.domain().ok_or_else(|| AppError::internal(&format!("domain method {}", row.method.as_str())))?;
    let dns_record = match (method, &row.dns_value) {
        (DomainMethod::DnsTxt, Some(value)) => {
            Some(DnsRecord { name: row.target.clone(), record_type: "TXT".into(), value: value.clone() })
        }
        _ => None,
    };
    let sent_to = (method == DomainMethod::ConstructedEmail).then(|| row.target.clone());
    Ok(DomainView {
        id: row.subject.clone(),
        name: row.subject.clone(),
        method,
        validation: ValidationState::from(validation.status(now)),
        sent_to,
        dns_record,
        expires_at: row.expires_at,
        validated_at: row.validated_at,
        validated_until: row.validated_until,
        created_at: row.created_at,
    })
}

/// Who asks for a validation, as its email names them (`shared::mail::Requester`): the calling user (for an API
/// key, the user who made it), their account, the account's organizations (a domain or mailbox validation
/// belongs to the account and serves each of them), and the language of the emails the user causes.
pub(crate) struct Asker {
    /// The language the validation email is written in.
    pub(crate) lang: Lang,
    /// The account's name.
    account: String,
    /// The user's name.
    user_name: String,
    /// The user's address.
    user_email: String,
    /// The account's organizations' names, newest first.
    organizations: Vec<String>,
}

impl Asker {
    /// Reads who the user `user_id` is, in `account_id`, through the store.
    pub(crate) async fn read(db: &D1Database, user_id: &str, account_id: &str) -> Result<Self, AppError> {
        let user = users::by_id(db, user_id).await?.ok_or_else(|| AppError::internal("the caller's user"))?;
        let organizations = organizations::of_account(db, account_id).await?.into_iter().map(|row| row.name).collect();
        Ok(Self {
            lang: users::lang(db, user_id).await?,
            account: user.account_name.unwrap_or_default(),
            user_name: user.name,
            user_email: user.email,
            organizations,
        })
    }

    /// As the email templates take it.
    fn requester(&self) -> Requester<'_> {
        Requester { account: &self.account, user_name: &self.user_name, user_email: &self.user_email }
    }
}

/// What a fresh attempt writes: the new row, and the email for the email method.
pub(crate) struct Attempt {
    row: ValidationRow,
    email: Option<Email>,
}

/// A fresh attempt at validating `domain` by `method` (a new random value), for `account_id` at `now`, as
/// `asker` asked.
fn domain_attempt(
    domain: &Domain,
    method: DomainMethod,
    address: Option<&str>,
    account_id: &str,
    origin: &str,
    asker: &Asker,
    now: i64,
) -> Result<Attempt, AppError> {
    let fresh = Validation::new(ValidationKind::Domain, now);
    let mut row = ValidationRow {
        id: platform::new_id()?,
        account_id: account_id.to_owned(),
        kind: ValidationKind::Domain,
        subject: domain.as_str().to_owned(),
        method: Method::from(method),
        target: String::new(),
        secret_hash: None,
        dns_value: None,
        attempts: 0,
        created_at: fresh.created_at,
        expires_at: fresh.expires_at,
        superseded_at: None,
        validated_at: None,
        validated_until: None,
        version: 0,
    };
    let email = match method {
        DomainMethod::ConstructedEmail => {
            let to = constructed_address(domain, address)?;
            let token = Token::from_random(platform::random()?);
            row.target = to.as_str().to_owned();
            row.secret_hash = Some(token.hash_hex());
            let url = format!("{origin}/validate/{}", token.as_str());
            Some(domain_validation_link(
                asker.lang,
                to.as_str(),
                domain.as_str(),
                &url,
                RANDOM_VALUE_HOURS,
                &asker.requester(),
                &asker.organizations,
            ))
        }
        DomainMethod::DnsTxt => {
            row.target = dns_record_name(domain);
            row.dns_value = Some(dns_record_value(&RandomValue::from_random(platform::random()?)));
            None
        }
    };
    Ok(Attempt { row, email })
}

/// A renewal's fresh attempt at validating `domain`, whose validation lapsed: by the method and, for the email
/// method, the constructed address of its latest validation (the administrator's address when it has none).
pub(crate) async fn renewal_attempt(
    db: &D1Database,
    domain: &Domain,
    account_id: &str,
    origin: &str,
    asker: &Asker,
    now: i64,
) -> Result<Attempt, AppError> {
    let latest = validations::relied_on(db, account_id, ValidationKind::Domain, domain.as_str()).await?;
    let (method, address) = match latest.as_ref().and_then(|row| Some((row.method.domain()?, row))) {
        Some((DomainMethod::DnsTxt, _)) => (DomainMethod::DnsTxt, None),
        Some((DomainMethod::ConstructedEmail, row)) if !row.target.is_empty() => {
            (DomainMethod::ConstructedEmail, Some(row.target.clone()))
        }
        _ => (DomainMethod::ConstructedEmail, Some(format!("admin@{}", domain.as_str()))),
    };
    domain_attempt(domain, method, address.as_deref(), account_id, origin, asker, now)
}

/// After a validation's batch: the account's orders that waited for it move on now (the scheduled handler
/// catches up if this fails), and the row as it now stands.
async fn validated(
    env: &worker::Env,
    db: &D1Database,
    row: ValidationRow,
    validated_until: i64,
    now: i64,
) -> ValidationRow {
    let advanced = async { crate::fulfilment::advance(env, db, &row.account_id, &platform::app_url(env)?, now).await };
    if let Err(error) = advanced.await {
        worker::console_error!("advancing orders after a validation failed: {error:?}");
    }
    ValidationRow { validated_at: Some(now), validated_until: Some(validated_until), version: row.version + 1, ..row }
}

/// Refuses a new attempt while the subject's current validation may be relied on.
fn refuse_if_validated(current: Option<&ValidationRow>, now: i64) -> Result<(), AppError> {
    if let Some(row) = current
        && let ValidationStatus::Validated { validated_at, reusable_until } = row.validation().status(now)
    {
        return Err(DomainRequestError::AlreadyValidated { validated_at, validated_until: reusable_until }.into());
    }
    Ok(())
}

/// Writes `attempt` in one batch: the pending row replaced, the new row, the email, the audit record.
async fn start_attempt(call: &Call, principal: &Principal, attempt: &Attempt, action: &str) -> Result<(), AppError> {
    let (db, now) = (&call.db, call.now);
    let row = &attempt.row;
    validations::check_sends(db, &row.account_id, row.kind, &row.subject, now).await?;
    let (mut statements, queued) = attempt_statements(db, attempt, now)?;
    let queued: Vec<String> = queued.into_iter().collect();
    let detail = serde_json::json!({ "validation_id": row.id, "method": row.method.as_str(), "target": row.target });
    statements.push(audit_log::record(
        db,
        now,
        &principal.actor(),
        action,
        (row.kind.as_str(), &row.subject),
        &detail,
    )?);
    let subject = (row.account_id.as_str(), row.kind, row.subject.as_str());
    validations::commit_send(db, statements, subject, now, CHANGED_MEANWHILE).await?;
    call.after_answer_deliver(queued);
    Ok(())
}

/// `POST /api/v1/domains`.
pub async fn create(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: NewDomain = call.json("name, method and, for constructed_email, address")?;
    let domain = parse_domain(&body.name)?;
    let method = parse_method(&body.method)?;
    let current = validations::current(db, &account_id, ValidationKind::Domain, domain.as_str()).await?;
    refuse_if_validated(current.as_ref(), now)?;
    let asker = Asker::read(db, &principal.user_id, &account_id).await?;
    let attempt = domain_attempt(
        &domain,
        method,
        body.address.as_deref(),
        &account_id,
        &platform::app_url(call.env())?,
        &asker,
        now,
    )?;
    start_attempt(&call, &principal, &attempt, "domain.validation_started").await?;
    Ok(Response::from_json(&domain_view(&attempt.row, now)?)?.with_status(201))
}

/// `GET /api/v1/domains`.
pub async fn list(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let rows = validations::current_of_kind(db, &account_id, ValidationKind::Domain).await?;
    let domains = rows.iter().map(|row| domain_view(row, now)).collect::<Result<_, _>>()?;
    Ok(Response::from_json(&DomainList { domains })?)
}

/// The current row of the domain in the path, in the caller's account.
async fn path_row(db: &D1Database, account_id: &str, call: &Call) -> Result<(Domain, ValidationRow), AppError> {
    let domain = path_domain(call)?;
    let row = validations::current(db, account_id, ValidationKind::Domain, domain.as_str())
        .await?
        .ok_or(DomainRequestError::NotFound)?;
    Ok((domain, row))
}

/// `GET /api/v1/domains/{id}`.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let (_, row) = path_row(db, &account_id, &call).await?;
    Ok(Response::from_json(&domain_view(&row, now)?)?)
}

/// `POST /api/v1/domains/{id}/check`: looks the TXT record up now.
pub async fn check(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let (_, row) = path_row(db, &account_id, &call).await?;
    match row.validation().status(now) {
        ValidationStatus::Pending { .. } => {}
        ValidationStatus::RandomValueExpired { expired_at } => {
            return Err(DomainRequestError::RandomValueExpired { expired_at }.into());
        }
        ValidationStatus::Validated { validated_at, reusable_until } => {
            return Err(DomainRequestError::AlreadyValidated { validated_at, validated_until: reusable_until }.into());
        }
        ValidationStatus::ValidationExpired { expired_at } => {
            return Err(shared::validation::ValidationError::ValidationExpired { expired_at }.into());
        }
    }
    if row.method != Method::DnsTxt {
        return Err(DomainRequestError::NotDnsMethod.into());
    }
    let expected = row.dns_value.clone().ok_or_else(|| AppError::internal("dns_txt row without a value"))?;
    let records = match doh::txt_records(call.env(), &row.target).await {
        Ok(records) => records,
        Err(error) if !error.is_transient() => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let texts: Vec<String> = records.iter().map(|record| String::from_utf8_lossy(record).into_owned()).collect();
    if !txt_record_matches(&texts, &expected) {
        return Err(DomainRequestError::RecordNotFound {
            name: row.target.clone(),
            value: expected,
            found: texts.len(),
        }
        .into());
    }
    let (complete, validated_until) = row.complete(db, now)?;
    let detail = serde_json::json!({
        "validation_id": row.id, "method": row.method.as_str(), "record": row.target, "value": expected,
        "validated_until": validated_until,
    });
    let statements = vec![
        complete,
        audit_log::record(db, now, &principal.actor(), "domain.validated", ("domain", &row.subject), &detail)?,
    ];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    let done = validated(call.env(), db, row, validated_until, now).await;
    Ok(Response::from_json(&domain_view(&done, now)?)?)
}

/// `POST /api/v1/domains/{id}/resend`: a fresh random value by the same method.
pub async fn resend(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let (domain, row) = path_row(db, &account_id, &call).await?;
    refuse_if_validated(Some(&row), now)?;
    let method = row.method.domain().ok_or_else(|| AppError::internal("stored method"))?;
    let address = (method == DomainMethod::ConstructedEmail).then_some(row.target.as_str());
    let asker = Asker::read(db, &principal.user_id, &account_id).await?;
    let attempt = domain_attempt(&domain, method, address, &account_id, &platform::app_url(call.env())?, &asker, now)?;
    start_attempt(&call, &principal, &attempt, "domain.validation_resent").await?;
    Ok(Response::from_json(&domain_view(&attempt.row, now)?)?)
}

/// `POST /api/v1/domains/{id}/method`: another method, with a fresh random value.
pub async fn change_method(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: MethodChange = call.json("method and, for constructed_email, address")?;
    let method = parse_method(&body.method)?;
    let (domain, row) = path_row(db, &account_id, &call).await?;
    refuse_if_validated(Some(&row), now)?;
    let asker = Asker::read(db, &principal.user_id, &account_id).await?;
    let attempt = domain_attempt(
        &domain,
        method,
        body.address.as_deref(),
        &account_id,
        &platform::app_url(call.env())?,
        &asker,
        now,
    )?;
    start_attempt(&call, &principal, &attempt, "domain.validation_method_changed").await?;
    Ok(Response::from_json(&domain_view(&attempt.row, now)?)?)
}

// ---------------------------------------------------------------------------------------------------------
// Mailboxes.

fn mailbox_view(row: &ValidationRow, now: i64) -> Result<MailboxView, AppError> {
    Ok(MailboxView {
        email: row.subject.clone(),
        validation: ValidationState::from(row.validation().status(now)),
        expires_at: row.expires_at,
        validated_at: row.validated_at,
        validated_until: row.validated_until,
        created_at: row.created_at,
    })
}

/// `POST /api/v1/mailboxes`: a 24-hour link to the address itself.
pub async fn create_mailbox(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let Member { principal, account_id } = call.account_admin().await?;
    let body: NewMailbox = call.json("email")?;
    let address = EmailAddress::parse(&body.email)?;
    if !is_public_mail_provider(address.domain()) {
        return Err(DomainRequestError::MailboxNotAtPublicProvider { domain: address.domain().to_owned() }.into());
    }
    let current = validations::current(db, &account_id, ValidationKind::Mailbox, address.as_str()).await?;
    refuse_if_validated(current.as_ref(), now)?;
    let asker = Asker::read(db, &principal.user_id, &account_id).await?;
    let attempt = mailbox_attempt(&address, &account_id, &platform::app_url(call.env())?, &asker, now)?;
    start_attempt(&call, &principal, &attempt, "mailbox.validation_started").await?;
    Ok(Response::from_json(&mailbox_view(&attempt.row, now)?)?.with_status(201))
}

/// A fresh attempt at validating the mailbox `address` (a 24-hour link to the address itself), as `asker` asked.
pub(crate) fn mailbox_attempt(
    address: &EmailAddress,
    account_id: &str,
    origin: &str,
    asker: &Asker,
    now: i64,
) -> Result<Attempt, AppError> {
    let token = Token::from_random(platform::random()?);
    let fresh = Validation::new(ValidationKind::Mailbox, now);
    let row = ValidationRow {
        id: platform::new_id()?,
        account_id: account_id.to_owned(),
        kind: ValidationKind::Mailbox,
        subject: address.as_str().to_owned(),
        method: Method::MailboxLink,
        target: address.as_str().to_owned(),
        secret_hash: Some(token.hash_hex()),
        dns_value: None,
        attempts: 0,
        created_at: fresh.created_at,
        expires_at: fresh.expires_at,
        superseded_at: None,
        validated_at: None,
        validated_until: None,
        version: 0,
    };
    let url = format!("{origin}/validate/{}", token.as_str());
    let email = mailbox_validation_link(
        asker.lang,
        address.as_str(),
        &url,
        RANDOM_VALUE_HOURS,
        &asker.requester(),
        &asker.organizations,
    );
    Ok(Attempt { row, email: Some(email) })
}

/// The statements that start `attempt` inside a caller's batch (the pending row replaced, the new row, the
/// email), and the queued email's id to deliver after the answer.
pub(crate) fn attempt_statements(
    db: &D1Database,
    attempt: &Attempt,
    now: i64,
) -> Result<(Vec<D1PreparedStatement>, Option<String>), AppError> {
    let row = &attempt.row;
    let mut statements = vec![
        validations::supersede_pending(db, &row.account_id, row.kind, &row.subject, now)?,
        validations::insert(db, row)?,
    ];
    let mut queued = None;
    if let Some(email) = &attempt.email {
        let (statement, id) = enqueue(db, email, now)?;
        statements.push(statement);
        queued = Some(id);
    }
    Ok((statements, queued))
}

/// `GET /api/v1/mailboxes`.
pub async fn list_mailboxes(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let account_id = call.member().await?.account_id;
    let rows = validations::current_of_kind(db, &account_id, ValidationKind::Mailbox).await?;
    let mailboxes = rows.iter().map(|row| mailbox_view(row, now)).collect::<Result<_, _>>()?;
    Ok(Response::from_json(&MailboxList { mailboxes })?)
}

// ---------------------------------------------------------------------------------------------------------
// Emailed validation links: the token is the credential (no session), as for enrollment links.

/// The row a link token names: domain and mailbox links only (organization codes are typed, not followed).
async fn link_row(db: &D1Database, call: &Call) -> Result<ValidationRow, AppError> {
    let raw = call.param("token");
    let token = Token::parse(raw)?;
    validations::by_link(db, &token.hash_hex()).await?.ok_or_else(|| LinkError::Unknown.into())
}

/// What the link page shows: the row's state in words.
fn link_view(row: &ValidationRow, now: i64) -> Result<ValidationLinkView, AppError> {
    let (state, message) = link_state(&row.validation(), row.superseded_at, now);
    Ok(ValidationLinkView {
        kind: row.kind.as_str().to_owned(),
        subject: row.subject.clone(),
        sent_to: row.target.clone(),
        state,
        created_at: row.created_at,
        expires_at: row.expires_at,
        validated_at: row.validated_at,
        validated_until: row.validated_until,
        replaced_at: row.superseded_at,
        message,
    })
}

/// `GET /api/v1/validations/{token}` (and HEAD): never spends the link.
pub async fn show_link(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let row = link_row(db, &call).await?;
    Ok(Response::from_json(&link_view(&row, platform::now())?)?)
}

/// `POST /api/v1/validations/{token}`: confirms; the row, the audit record, one batch.
pub async fn confirm_link(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let row = link_row(db, &call).await?;
    let view = link_view(&row, now)?;
    if view.state != LinkState::Pending {
        return Err(DomainRequestError::LinkNotUsable { state: view.state, message: view.message }.into());
    }
    let (complete, validated_until) = row.complete(db, now)?;
    let detail = serde_json::json!({
        "validation_id": row.id, "method": row.method.as_str(), "sent_to": row.target,
        "validated_until": validated_until,
    });
    let action = if row.kind == ValidationKind::Mailbox { "mailbox.validated" } else { "domain.validated" };
    let statements =
        vec![complete, audit_log::record(db, now, "link", action, (row.kind.as_str(), &row.subject), &detail)?];
    commit(db, statements, CHANGED_MEANWHILE).await?;
    let done = validated(call.env(), db, row, validated_until, now).await;
    Ok(Response::from_json(&link_view(&done, now)?)?)
}
