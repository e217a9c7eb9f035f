//! Development-only endpoints: the mailbox that shows the outbox, the demo seed, and the reminder sweep at a chosen
//! instant (the reminder suite's simulated clock). Each answers 404 unless
//! `KEYWARD_ENV` is `development`, which only the git-ignored `.dev.vars` sets.

use shared::account::{PasswordKey, Role};
use shared::api::dev::{
    CreateAccount, CreatedAccount, MailMessage, Mailbox, ReminderSweep, ReminderSweepDone, SeedRequest, SeedResponse,
};
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
use crate::store;
use crate::store::users::{self, FirstSecret, NewUser};
use crate::store::{accounts, mail_outbox};
use crate::{outbox, platform};

/// The demo organization's registration reference and country (S/MIME BR 7.1.4.2.2 d and n).
const DEMO_ORGANIZATION_IDENTIFIER: &str = "NTRGB-12345678";
const DEMO_ORGANIZATION_COUNTRY: &str = "GB";
/// The account the development seed's organization and validations belong to (its identifier is also written
/// as a literal in the seed's organization and validation statements).
const DEMO_ACCOUNT_ID: &str = "demo-account";
/// How long the seed's vetting validates the demo organization (825 days, as any organization validation).
const DEMO_VALIDATION_SECONDS: i64 = 825 * 86_400;
/// Its name.
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

/// `GET /api/v1/dev/mailbox`: every queued email, newest first, with its delivery status and attempts.
pub async fn mailbox(call: Call) -> Result<Response, AppError> {
    ensure_development(&call)?;
    let rows = mail_outbox::newest(&call.db).await?;
    let messages = rows
        .into_iter()
        .map(|row| MailMessage {
            id: row.id,
            to: row.to_address,
            subject: row.subject,
            body: row.body,
            created_at: row.created_at,
            status: row.status.as_str().to_owned(),
            lang: row.lang.tag().to_owned(),
            attempts: row.attempts,
            adapter: row.adapter.map(|adapter| adapter.as_str().to_owned()),
            sent_at: row.sent_at,
            next_attempt_at: row.next_attempt_at,
            last_error: row.last_error,
        })
        .collect();
    Ok(Response::from_json(&Mailbox { messages })?)
}

/// `POST /api/v1/dev/reminder-sweep`: the scheduled handler's reminder sweep (`reminders::remind_expiring`), once,
/// with its clock at the request's instant instead of the Worker's: the same selection, the same per-run cap, the
/// same batches. The emails are queued, not delivered (the scheduled handler's delivery sends them).
pub async fn reminder_sweep(call: Call) -> Result<Response, AppError> {
    ensure_development(&call)?;
    let sweep: ReminderSweep = serde_json::from_slice(call.body()).map_err(|error| {
        AppError::field(400, "body_invalid", "at", format!("Expected {{\"at\": seconds}}: {error}"))
    })?;
    let selected = crate::reminders::remind_expiring(call.env(), &call.db, sweep.at).await?;
    Ok(Response::from_json(&ReminderSweepDone {
        selected: u32::try_from(selected).unwrap_or(u32::MAX),
        more: crate::reminders::sweep_full(selected),
    })?)
}

/// `POST /api/v1/dev/seed`: a validated demo organization (created once) and a new order of the given profile
/// (sponsor-validated multipurpose S/MIME by default) for the given recipient, with its enrollment email in the
/// outbox (in the request's `lang`, English by default), all in one batch. The order is checked against its
/// profile first ([`check_order`]). After the answer, one delivery attempt of the email (`Call::after_answer_deliver`).
pub async fn seed(call: Call) -> Result<Response, AppError> {
    ensure_development(&call)?;
    let seed: SeedRequest = serde_json::from_slice(call.body()).map_err(|error| {
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
    let (queued, email_id) = outbox::enqueue(db, &email, now)?;
    let mut statements = vec![
        accounts::insert_unless_present(db, DEMO_ACCOUNT_ID, DEMO_ACCOUNT_NAME, now)?,
        // A demo organization from before it had an address (or an account) gets them (certificates state
        // its city), with its version moved on as the organizations_version trigger requires.
        db.prepare(
            "INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, \
             account_id, validated_until) VALUES ('demo-org', ?1, ?2, ?3, ?4, ?5, ?5, 'demo-account', ?6) \
             ON CONFLICT (id) DO UPDATE SET address = excluded.address, account_id = 'demo-account', \
             version = version + 1 WHERE address = '{}' OR account_id IS NULL",
        )
        .bind(&[
            text(organization),
            text(DEMO_ORGANIZATION_IDENTIFIER),
            text(DEMO_ORGANIZATION_COUNTRY),
            text(&address_json),
            integer(now),
            integer(now + DEMO_VALIDATION_SECONDS),
        ])?,
        // The demo organization's vetting, recorded once as the seed's own (development data: no CA
        // administrator vetted anything), so it is validated the only way an organization is (migration 0016's
        // trigger requires the record); an organization that lost its validation to that migration gets it back.
        db.prepare(
            "INSERT INTO vettings (id, organization_id, account_id, decision, message, notes, recorded_by, \
             recorded_by_name, recorded_at, validated_until, origin) SELECT ?1, 'demo-org', 'demo-account', \
             'validated', '', 'Development seed: no one vetted anything.', 'development-seed', \
             'Development seed (no one vetted anything)', ?2, ?3, 'development_seed' WHERE NOT EXISTS \
             (SELECT 1 FROM vettings WHERE organization_id = 'demo-org' AND decision = 'validated')",
        )
        .bind(&[text(&platform::new_id()?), integer(now), integer(now + DEMO_VALIDATION_SECONDS)])?,
        db.prepare(
            "UPDATE organizations SET validated_at = ?1, validated_until = ?2, version = version + 1 \
             WHERE id = 'demo-org' AND validated_at IS NULL",
        )
        .bind(&[integer(now), integer(now + DEMO_VALIDATION_SECONDS)])?,
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
            "INSERT INTO recipients (id, order_id, given_name, surname, email, dns_names, lang) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&[
            text(&recipient_id),
            text(&order_id),
            text(order.recipient_given_name.as_deref().unwrap_or_default()),
            text(order.recipient_surname.as_deref().unwrap_or_default()),
            text(&order.recipient_email),
            text(&dns_names),
            text(lang.tag()),
        ])?,
        store::enrollment_links::insert(db, &link_id, &recipient_id, &token, &link)?,
        queued,
        store::audit_log::record(
            db,
            now,
            "development",
            "order.created",
            ("order", &order_id),
            &serde_json::json!({}),
        )?,
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
    call.after_answer_deliver(vec![email_id]);
    Ok(Response::from_json(&SeedResponse { order_id, enrollment_url: url })?.with_status(201))
}

/// `POST /api/v1/dev/accounts`: an account and its users with chosen passwords, in one batch (demo data and
/// tests; real accounts get users by invitation).
pub async fn create_account(call: Call) -> Result<Response, AppError> {
    ensure_development(&call)?;
    let create: CreateAccount = call.json("account_name and users")?;
    let db = &call.db;
    let now = call.now;
    let account_id = create.account_name.as_ref().map(|_| platform::new_id()).transpose()?;
    let mut batch = Vec::new();
    if let (Some(id), Some(name)) = (&account_id, &create.account_name) {
        batch.push(accounts::insert(db, id, name, now)?);
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
        let new_user = NewUser {
            id: &id,
            account_id: if user.role == Role::CaAdmin { None } else { account_id.as_deref() },
            email: &crate::account::normalized_email(&user.email),
            name: &user.name,
            role: user.role,
            secret: FirstSecret::Password { salt: &hex(&salt), hash: &key.verifier(&salt) },
        };
        batch.push(users::insert(db, &new_user, now)?);
        user_ids.push(id);
    }
    // Not `db::commit`: a uniqueness refusal here is an address already taken, this form's own answer (409
    // `email_taken`), not a change to reload.
    match db.batch(batch).await {
        Ok(_) => {}
        Err(error) if crate::db::is_conflict(&error) => {
            return Err(AppError::field(409, "email_taken", "users", "A user with one of these addresses exists."));
        }
        Err(error) => return Err(error.into()),
    }
    Ok(Response::from_json(&CreatedAccount { account_id, user_ids })?.with_status(201))
}
