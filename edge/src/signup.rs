//! Public signup (`shared::api::signup`; the rules in `shared::signup`). The form is answered `202` with the same
//! body for a known and an unknown address: an unknown one is emailed a single-use link (only its SHA-256 stored,
//! 24 hours), a known one an email saying it already has an account. Every signup first reserves an attempt under
//! the address and the client network (`store::throttle`, `Counter::Signup`); past either allowance the answer is
//! `429 too_many_signups` with `Retry-After`. Reading the link never spends it; its `POST` creates, in one batch,
//! the account, its first administrator (with the chosen password's verifier), the spent link and the audit
//! records. No organization is created and nothing is validated.

use shared::account::{PasswordKey, Role, ThrottleKeys};
use shared::api::MessageBody;
use shared::api::signup::{CompleteSignup, SignupLinkView, SignupRequest};
use shared::link::{Link, LinkError, LinkStatus, Token};
use shared::signup::{
    SIGNUP_ADDRESS_THROTTLE, SIGNUP_CLIENT_THROTTLE, SIGNUP_LINK_LIFETIME_SECONDS, SignupError, check_signup,
    signup_known_address, signup_link,
};
use worker::{D1Database, Response};

use crate::account::{client_address, new_verifier, normalized_email};
use crate::call::Call;
use crate::db::is_conflict;
use crate::error::AppError;
use crate::store::signups::{self, NewSignup, SignupRow};
use crate::store::throttle::{self, Counter};
use crate::store::users::{self, FirstSecret, NewUser};
use crate::store::{accounts, audit_log};
use crate::{outbox, platform};

/// The answer to every accepted signup form, known address or not.
const ACCEPTED: &str = "Thank you. If this address can have a new account, a link to confirm it is on its way; it works once, for 24 \
     hours. If the address already has an account, the email says how to log in.";

/// Reserves one signup under the address's key and the client's, in one batch, before anything is looked up.
/// When either refuses it, the other's attempt is given back and the refusal (inside) says until when.
async fn reserve(db: &D1Database, keys: &ThrottleKeys, now: i64) -> Result<Result<(), SignupError>, AppError> {
    let slots = [(&keys.address, SIGNUP_ADDRESS_THROTTLE), (&keys.client, SIGNUP_CLIENT_THROTTLE)];
    let statements = slots
        .iter()
        .map(|(key, policy)| throttle::reserve(db, Counter::Signup, key, now, *policy))
        .collect::<worker::Result<Vec<_>>>()?;
    let results = db.batch(statements).await?;
    let (mut refused, mut refunds) = (None, Vec::new());
    for ((key, policy), result) in slots.iter().zip(&results) {
        if !throttle::granted(result)? {
            refused.get_or_insert((*key, policy.scope));
        } else {
            refunds.push(throttle::refund(db, Counter::Signup, key, *policy)?);
        }
    }
    let Some((refused, scope)) = refused else {
        return Ok(Ok(()));
    };
    if !refunds.is_empty() {
        db.batch(refunds).await?;
    }
    let until = throttle::next_attempt_at(db, Counter::Signup, refused).await?.unwrap_or(now);
    Ok(Err(SignupError::TooMany { until, scope }))
}

/// The `429` of a throttled signup, with `Retry-After`.
fn throttled(refusal: &SignupError, now: i64) -> Result<Response, AppError> {
    let seconds = refusal.retry_after(now).unwrap_or(1);
    let mut response = AppError::from(refusal.clone()).into_response()?;
    response.headers_mut().set("Retry-After", &seconds.to_string())?;
    Ok(response)
}

/// `POST /api/v1/signups`: checks the form (every problem at once, each naming its field), reserves the attempt,
/// then emails the link (unknown address) or the "you already have an account" notice (known address); the answer
/// is the same `202` either way, and the email leaves after it.
pub async fn sign_up(call: Call) -> Result<Response, AppError> {
    let request: SignupRequest = call.json("organization_name, name, email and lang")?;
    let checked = check_signup(&request.organization_name, &request.name, &request.email, request.lang.as_deref())?;
    let (db, now) = (&call.db, call.now);
    let email = normalized_email(checked.email.as_str());
    let keys = ThrottleKeys::for_login(&email, &client_address(&call.request)?, None);
    if let Err(refusal) = reserve(db, &keys, now).await? {
        return throttled(&refusal, now);
    }
    let app_url = platform::app_url(call.env())?;
    let mail_id = match users::by_email(db, &email).await? {
        Some(user) => {
            let notice = signup_known_address(
                checked.lang,
                &user.email,
                &format!("{app_url}/login"),
                &format!("{app_url}/reset"),
            );
            let (notice_mail, mail_id) = outbox::enqueue(db, &notice, now)?;
            db.batch(vec![
                notice_mail,
                audit_log::record(
                    db,
                    now,
                    "anonymous",
                    "signup.known_address",
                    ("user", &user.id),
                    &serde_json::json!({ "organization_name": checked.organization_name }),
                )?,
            ])
            .await?;
            mail_id
        }
        None => {
            let token = Token::from_random(platform::random()?);
            let link = Link::new(now, SIGNUP_LINK_LIFETIME_SECONDS);
            let id = platform::new_id()?;
            let url = format!("{app_url}/signup/{}", token.as_str());
            let hours = SIGNUP_LINK_LIFETIME_SECONDS / 3600;
            let mail = signup_link(checked.lang, &email, &checked.name, &checked.organization_name, &url, hours);
            let (link_mail, mail_id) = outbox::enqueue(db, &mail, now)?;
            let signup = NewSignup {
                id: &id,
                token_hash: &token.hash_hex(),
                email: &email,
                organization_name: &checked.organization_name,
                administrator_name: &checked.name,
                lang: checked.lang,
                link,
            };
            db.batch(vec![
                signups::insert(db, &signup)?,
                link_mail,
                audit_log::record(db, now, "anonymous", "signup.requested", ("signup", &id), &serde_json::json!({}))?,
            ])
            .await?;
            mail_id
        }
    };
    call.after_answer_deliver(vec![mail_id]);
    Ok(Response::from_json(&MessageBody { message: ACCEPTED.into() })?.with_status(202))
}

/// The signup the route's token names.
async fn signup_row(call: &Call) -> Result<SignupRow, AppError> {
    let token = Token::parse(call.param("token"))?;
    signups::with_token_hash(&call.db, &token.hash_hex()).await?.ok_or_else(|| LinkError::Unknown.into())
}

/// `GET /api/v1/signups/{token}`: the link's status and, while it is open, what the signup said. Never spends it.
pub async fn show(call: Call) -> Result<Response, AppError> {
    let row = signup_row(&call).await?;
    let status = row.link().status(call.now);
    let open = matches!(status, LinkStatus::Open { .. });
    Ok(Response::from_json(&SignupLinkView {
        status,
        email: open.then(|| row.email.clone()),
        organization_name: open.then(|| row.organization_name.clone()),
        name: open.then(|| row.administrator_name.clone()),
    })?)
}

/// What a refused batch means: the link was spent meanwhile (its version guard), or the address was taken
/// meanwhile (the users' unique address).
async fn refused_completion(call: &Call) -> Result<AppError, AppError> {
    let row = signup_row(call).await?;
    Ok(match row.spent_at {
        Some(spent_at) => LinkError::Spent { spent_at }.into(),
        None => email_taken(),
    })
}

fn email_taken() -> AppError {
    AppError::field(
        409,
        "email_taken",
        "email",
        "This address has an account already (made since the signup): log in, or reset the password.",
    )
}

/// `POST /api/v1/signups/{token}`: with the chosen password's key, creates in one batch the account (named as the
/// signup said), its first administrator, the spent link and the audit record. A spent link answers `409
/// link_spent`, an expired one `410 link_expired`, whatever the body.
pub async fn complete(call: Call) -> Result<Response, AppError> {
    let (db, now) = (&call.db, call.now);
    let row = signup_row(&call).await?;
    let spent = row.link().spend(now)?;
    let body: CompleteSignup = call.json("password_key")?;
    let key =
        PasswordKey::parse(&body.password_key).map_err(|error| AppError::from(error).for_field("password_key"))?;
    if users::by_email(db, &row.email).await?.is_some() {
        return Err(email_taken());
    }
    let (salt, hash) = new_verifier(&key)?;
    let (account_id, user_id) = (platform::new_id()?, platform::new_id()?);
    let user = NewUser {
        id: &user_id,
        account_id: Some(&account_id),
        email: &row.email,
        name: &row.administrator_name,
        role: Role::OrgAdmin,
        secret: FirstSecret::Password { salt: &salt, hash: &hash },
    };
    let actor = format!("user:{user_id}");
    let batch = vec![
        accounts::insert(db, &account_id, &row.organization_name, now)?,
        // After the account: the spent link names it (`signups.account_id` references it).
        signups::spend(db, &row.id, now, spent.version, &account_id)?,
        users::insert(db, &user, now)?,
        users::set_new_user_lang(db, &user_id, row.lang)?,
        audit_log::record(
            db,
            now,
            &actor,
            "account.created",
            ("account", &account_id),
            &serde_json::json!({ "via": "signup", "signup_id": row.id, "administrator": user_id }),
        )?,
    ];
    match db.batch(batch).await {
        Ok(_) => Ok(Response::empty()?.with_status(204)),
        Err(error) if is_conflict(&error) => Err(refused_completion(&call).await?),
        Err(error) => Err(error.into()),
    }
}
