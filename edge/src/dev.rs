//! Development-only endpoints: the mailbox that shows the outbox, and the demo seed. Both answer 404 unless
//! `KEYWARD_ENV` is `development`, which only the git-ignored `.dev.vars` sets.

use serde::Deserialize;
use shared::account::{PasswordKey, Role};
use shared::api::dev::{CreateAccount, CreatedAccount, MailMessage, Mailbox, SeedRequest, SeedResponse};
use shared::api::organization::PostalAddress;
use shared::encoding::hex;
use shared::issuance::{OrderFacts, check_order};
use shared::lang::Lang;
use shared::link::{ENROLLMENT_LINK_LIFETIME_SECONDS, Link, Token};
use shared::mail::{Invitation, enrollment_invitation};
use worker::Response;

use crate::call::Call;
use crate::db::{integer, text};
use crate::error::AppError;
use crate::{outbox, platform};

/// The demo organization's registration reference and country (S/MIME BR 7.1.4.2.2 d and n).
const DEMO_ORGANIZATION_IDENTIFIER: &str = "NTRGB-12345678";
const DEMO_ORGANIZATION_COUNTRY: &str = "GB";
/// The account the development seed's organization and validations belong to.
const DEMO_ACCOUNT_NAME: &str = "Example Org (development seed)";

/// The demo organization's address: TLS server certificates state its city and region (TLS BR 7.1.2.7.4).
fn demo_address() -> PostalAddress {
    PostalAddress {
        street: "1 High Street".into(),
        city: "London".into(),
        postal_code: "SW1A 1AA".into(),
        region: "Greater London".into(),
    }
}

fn ensure_development(call: &Call) -> Result<(), AppError> {
    match call.env().var("KEYWARD_ENV") {
        Ok(value) if value.to_string() == "development" => Ok(()),
        _ => Err(AppError::route_not_found()),
    }
}

#[derive(Deserialize)]
struct OutboxRow {
    id: String,
    to_address: String,
    subject: String,
    body: String,
    created_at: i64,
    status: String,
    lang: String,
    attempts: u32,
    adapter: Option<String>,
    sent_at: Option<i64>,
    next_attempt_at: Option<i64>,
    last_error: Option<String>,
}

/// `GET /api/v1/dev/mailbox`: every queued email, newest first, with its delivery status and attempts.
pub async fn mailbox(call: Call) -> Result<Response, AppError> {
    ensure_development(&call)?;
    let db = &call.db;
    let rows = db
        .prepare(
            "SELECT id, to_address, subject, body, created_at, status, lang, attempts, adapter, sent_at, \
             next_attempt_at, last_error FROM mail_outbox \
             ORDER BY created_at DESC, rowid DESC LIMIT 200",
        )
        .all()
        .await?
        .results::<OutboxRow>()?;
    let messages = rows
        .into_iter()
        .map(|row| MailMessage {
            id: row.id,
            to: row.to_address,
            subject: row.subject,
            body: row.body,
            created_at: row.created_at,
            status: row.status,
            lang: row.lang,
            attempts: row.attempts,
            adapter: row.adapter,
            sent_at: row.sent_at,
            next_attempt_at: row.next_attempt_at,
            last_error: row.last_error,
        })
        .collect();
    Ok(Response::from_json(&Mailbox { messages })?)
}

/// `POST /api/v1/dev/seed`: a validated demo organization (created once) and a new order of the given profile
/// (sponsor-validated multipurpose S/MIME by default) for the given recipient, with its enrollment email in the
/// outbox (in the request's `lang`, English by default), all in one batch. The order is checked against its
/// profile first ([`check_order`]). After the batch, one delivery attempt of the email ([`outbox::deliver_soon`]).
pub async fn seed(mut call: Call) -> Result<Response, AppError> {
    let body = call.request.bytes().await;
    ensure_development(&call)?;
    let seed: SeedRequest = serde_json::from_slice(&body?).map_err(|error| {
        AppError::field(
            400,
            "body_invalid",
            "body",
            format!(
                "Expected recipient_email, and optionally profile, recipient_given_name, recipient_surname, \
                 dns_names, validity_days and lang: {error}"
            ),
        )
    })?;
    if seed.validity_days == 0 {
        return Err(AppError::field(422, "validity_invalid", "validity_days", "At least one day."));
    }
    let lang = match seed.lang.as_deref() {
        None => Lang::En,
        Some(tag) => Lang::from_tag(tag)
            .ok_or_else(|| AppError::field(422, "lang_unknown", "lang", "The language must be \"en\" or \"fr\"."))?,
    };
    let organization = "Example Org";
    let profile = seed.profile.profile();
    let address = demo_address();
    let order = OrderFacts {
        recipient_given_name: seed.recipient_given_name.clone(),
        recipient_surname: seed.recipient_surname.clone(),
        recipient_email: seed.recipient_email.clone(),
        dns_names: seed.dns_names.clone(),
        organization_name: organization.into(),
        organization_identifier: DEMO_ORGANIZATION_IDENTIFIER.into(),
        organization_country: DEMO_ORGANIZATION_COUNTRY.into(),
        organization_locality: address.locality(),
        organization_state_or_province: address.state_or_province(),
        validity_days: seed.validity_days,
    };
    // Refused now, with the field named, rather than when the recipient submits their key.
    check_order(profile, &order)?;
    let dns_names = serde_json::to_string(&order.dns_names)
        .map_err(|error| AppError::internal(&format!("encoding DNS names: {error}")))?;
    let address_json = serde_json::to_string(&address)
        .map_err(|error| AppError::internal(&format!("encoding the address: {error}")))?;
    let db = &call.db;
    let now = call.now;
    let order_id = platform::new_id()?;
    let recipient_id = platform::new_id()?;
    let link_id = platform::new_id()?;
    let token = Token::from_random(platform::random()?);
    let link = Link::new(now, ENROLLMENT_LINK_LIFETIME_SECONDS);
    let url = format!("{}/enroll/{}", platform::app_url(call.env())?, token.as_str());
    let (greeting, certified) = (order.greeting(), order.certified(profile));
    let email = enrollment_invitation(
        lang,
        &Invitation {
            recipient_name: &greeting,
            recipient_email: &seed.recipient_email,
            organization,
            kind: profile.kind,
            certified: &certified,
            enrollment_url: &url,
            expires_in_days: ENROLLMENT_LINK_LIFETIME_SECONDS / 86_400,
        },
    );
    let (queued, email_id) = outbox::enqueue(&db, &email, now)?;
    let mut statements = vec![
        db.prepare("INSERT OR IGNORE INTO accounts (id, name, created_at) VALUES ('demo-account', ?1, ?2)")
            .bind(&[text(DEMO_ACCOUNT_NAME), integer(now)])?,
        // A demo organization from before it had an address (or an account) gets them (certificates state
        // its city), with its version moved on as the organizations_version trigger requires.
        db.prepare(
            "INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, \
             account_id) VALUES ('demo-org', ?1, ?2, ?3, ?4, ?5, ?5, 'demo-account') \
             ON CONFLICT (id) DO UPDATE SET address = excluded.address, account_id = 'demo-account', \
             version = version + 1 WHERE address = '{}' OR account_id IS NULL",
        )
        .bind(&[
            text(organization),
            text(DEMO_ORGANIZATION_IDENTIFIER),
            text(DEMO_ORGANIZATION_COUNTRY),
            text(&address_json),
            integer(now),
        ])?,
        db.prepare(
            "INSERT INTO orders (id, organization_id, profile, validity_days, created_at) \
             VALUES (?1, 'demo-org', ?2, ?3, ?4)",
        )
        .bind(&[
            text(&order_id),
            text(profile.id.as_str()),
            integer(i64::from(order.validity_days)),
            integer(now),
        ])?,
        // An absent personal name is stored as '' (migration 0003).
        db.prepare(
            "INSERT INTO recipients (id, order_id, given_name, surname, email, dns_names) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(&[
            text(&recipient_id),
            text(&order_id),
            text(order.recipient_given_name.as_deref().unwrap_or_default()),
            text(order.recipient_surname.as_deref().unwrap_or_default()),
            text(&order.recipient_email),
            text(&dns_names),
        ])?,
        db.prepare(
            "INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&[
            text(&link_id),
            text(&recipient_id),
            text(&token.hash_hex()),
            integer(link.created_at),
            integer(link.expires_at),
        ])?,
        queued,
        db.prepare(
            "INSERT INTO audit_log (at, actor, action, subject_type, subject_id) \
             VALUES (?1, 'development', 'order.created', 'order', ?2)",
        )
        .bind(&[integer(now), text(&order_id)])?,
    ];
    // The validations the issuance pipeline checks at the moment of issuance, recorded as the seed's own
    // (development data: no one validated anything): the recipient's mail domain, or the mailbox itself
    // at a public provider, and each host name.
    let mut validated = vec![("domain", order.recipient_email.rsplit_once('@').map_or("", |(_, domain)| domain))];
    if shared::address::is_public_mail_provider(validated[0].1) {
        validated[0] = ("mailbox", order.recipient_email.as_str());
    }
    validated.extend(order.dns_names.iter().map(|name| ("domain", name.as_str())));
    for (kind, subject) in validated {
        let method = if kind == "mailbox" { "mailbox_link" } else { "dns_txt" };
        statements.push(
            db.prepare(
                // Once per subject: a validation already recorded (even one a test made lapse) stays the
                // one that counts, and the five-a-day send cap is never reached by seeding.
                "INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, \
                 validated_at, evidence) SELECT ?1, 'demo-account', ?2, ?3, ?4, ?5, ?5, ?5, \
                 '{\"development_seed\": true}' WHERE NOT EXISTS (SELECT 1 FROM validations WHERE \
                 account_id = 'demo-account' AND kind = ?2 AND subject = ?3 AND validated_at IS NOT NULL)",
            )
            .bind(&[
                text(&platform::new_id()?),
                text(kind),
                text(&subject.to_ascii_lowercase()),
                text(method),
                integer(now),
            ])?,
        );
    }
    db.batch(statements).await?;
    outbox::deliver_soon(call.env(), &db, &[email_id]).await;
    Ok(Response::from_json(&SeedResponse { order_id, enrollment_url: url })?.with_status(201))
}

/// `POST /api/v1/dev/accounts`: an account and its users with chosen passwords, in one batch (demo data and
/// tests; real accounts get users by invitation).
pub async fn create_account(mut call: Call) -> Result<Response, AppError> {
    let body = call.request.bytes().await;
    ensure_development(&call)?;
    let create: CreateAccount = crate::db::json_body(&body?, 64 * 1024, "account_name and users")?;
    let db = &call.db;
    let now = call.now;
    let account_id = create.account_name.as_ref().map(|_| platform::new_id()).transpose()?;
    let mut batch = Vec::new();
    if let (Some(id), Some(name)) = (&account_id, &create.account_name) {
        batch.push(db.prepare("INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)").bind(&[
            text(id),
            text(name),
            integer(now),
        ])?);
    }
    if let (Some(id), Some(cents)) = (&account_id, create.deposit_cents.filter(|cents| *cents > 0)) {
        batch.push(
            db.prepare(
                "INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by) \
                 VALUES (?1, ?2, ?3, ?4, 'deposit', 'development deposit', 'development')",
            )
            .bind(&[text(&platform::new_id()?), text(id), integer(now), integer(cents)])?,
        );
    }
    let mut user_ids = Vec::new();
    for user in &create.users {
        let key = PasswordKey::parse(&user.password_key)?;
        let salt = platform::random::<16>()?;
        let id = platform::new_id()?;
        let account = if user.role == Role::CaAdmin { None } else { account_id.as_deref() };
        batch.push(
            db.prepare(
                "INSERT INTO users (id, account_id, email, name, role, password_salt, password_hash, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .bind(&[
                text(&id),
                account.map_or(wasm_bindgen::JsValue::NULL, text),
                text(&crate::account::normalized_email(&user.email)),
                text(&user.name),
                text(user.role.as_str()),
                text(&hex(&salt)),
                text(&key.verifier(&salt)),
                integer(now),
            ])?,
        );
        user_ids.push(id);
    }
    match db.batch(batch).await {
        Ok(_) => {}
        Err(error) if crate::db::is_conflict(&error) => {
            return Err(AppError::field(409, "email_taken", "users", "A user with one of these addresses exists."));
        }
        Err(error) => return Err(error.into()),
    }
    Ok(Response::from_json(&CreatedAccount { account_id, user_ids })?.with_status(201))
}
