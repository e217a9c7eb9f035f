//! Sessions, passwords, users and API keys (`shared::api::account` lists the endpoints). Each change is one
//! batch with its audit record and, when it sends an email, its outbox row.

use shared::account::{
    ADDRESS_THROTTLE, AccountError, ApiKey, CLIENT_THROTTLE, PASSWORD_RESET_LIFETIME_SECONDS, PasswordKey, Role,
    Session, TEMPORARY_PASSWORD_LIFETIME_SECONDS, TemporaryPassword, ThrottleKeys, check_login_request,
    expired_session_cookie, session_cookie,
};
use shared::api::MessageBody;
use shared::api::account::{
    ApiKeyList, ApiKeyView, ChangePassword, CreateApiKey, CreatedApiKey, InviteUser, LoginRequest, ResetLinkView,
    ResetPassword, ResetRequest, SessionList, SessionSummary, SessionView, UserList, UserView,
};
use shared::api::passkey::PasskeyStep;
use shared::encoding::hex;
use shared::lang::Lang;
use shared::link::{Link, LinkError, Token};
use shared::mail::{AccountInvitation, account_invitation, password_changed, password_reset};
use shared::text::check_visible;
use worker::{D1Database, D1PreparedStatement, Request, Response};

use crate::auth::{self, Credential, Principal};
use crate::call::{Call, Member};
use crate::db::{commit, is_conflict, raised, settle};
use crate::error::AppError;
use crate::store::api_keys::{self, ApiKeyRow};
use crate::store::audit_log;
use crate::store::password_resets::{self, PasswordResetRow};
use crate::store::sessions;
use crate::store::throttle::{self, Counter};
use crate::store::users::{self, FirstSecret, NewUser, UserRow};
use crate::{outbox, platform};

/// What a conflicting change of an account's rows says.
const CHANGED_MEANWHILE: &str =
    "This changed while you were working on it (another tab or person). Reload and try again.";

/// The address as users are looked up: trimmed, lower-cased (mail systems treat local parts case-insensitively
/// in practice, and two accounts differing only by case would be a trap).
pub fn normalized_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks an address typed on an account form: present, one `@`, no spaces or controls, at most 254 bytes.
fn check_email_field(email: &str, field: &'static str) -> Result<String, AppError> {
    let email = normalized_email(email);
    if email.is_empty() {
        return Err(AppError::field(422, "email_missing", field, "Enter an email address."));
    }
    let valid = email.len() <= 254
        && email.is_ascii()
        && !email.chars().any(|character| character.is_ascii_whitespace() || character.is_ascii_control())
        && email.split('@').count() == 2
        && email.split('@').all(|part| !part.is_empty())
        && email.rsplit('@').next().is_some_and(|domain| domain.contains('.'));
    if !valid {
        return Err(AppError::field(
            422,
            "email_invalid",
            field,
            "Enter an address of the form name@example.com (ASCII letters only; at most 254 characters).",
        ));
    }
    Ok(email)
}

/// Checks a display name: 1 to 100 characters, no control, bidirectional or invisible formatting character
/// (`shared::text::check_visible`, the check the organization and order forms make): a user's name is the
/// greeting of the emails they receive and names them in the ones they cause.
fn check_name_field(name: &str, field: &'static str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field(422, "name_missing", field, "Enter a name."));
    }
    if name.chars().count() > 100 {
        return Err(AppError::field(422, "name_too_long", field, "At most 100 characters."));
    }
    if let Err(error) = check_visible(name) {
        return Err(AppError::field(422, error.code(), field, format!("The name {error}")));
    }
    Ok(name.to_owned())
}

/// The client's address as Cloudflare saw it (`CF-Connecting-IP`; `shared::account::client_network` makes it the
/// network a throttle counts).
pub fn client_address(request: &Request) -> worker::Result<String> {
    Ok(request.headers().get("CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into()))
}

/// Refuses a login that a cross-site page could have sent (`shared::account::check_login_request`): a form's
/// content type (415), another origin (403).
fn refuse_forged_login(request: &Request) -> Result<(), AppError> {
    let headers = request.headers();
    let own_origin = request.url()?.origin().ascii_serialization();
    check_login_request(
        headers.get("Content-Type")?.as_deref(),
        headers.get("Sec-Fetch-Site")?.as_deref(),
        headers.get("Origin")?.as_deref(),
        &own_origin,
    )
    .map_err(|error| match error {
        AccountError::ContentTypeNotJson => AppError::field(415, error.code(), "content-type", error.to_string()),
        other => other.into(),
    })
}

/// Reserves one attempt under the address's key and the client's, in one batch, before any secret is checked.
/// When either key's back-off refuses it, the other's attempt is given back (no secret was checked) and the
/// refusal says until when.
async fn reserve_attempt(db: &D1Database, keys: &ThrottleKeys, now: i64) -> Result<(), AppError> {
    let slots = [(&keys.address, ADDRESS_THROTTLE), (&keys.client, CLIENT_THROTTLE)];
    let statements = slots
        .iter()
        .map(|(key, policy)| throttle::reserve(db, Counter::Login, key, now, *policy))
        .collect::<worker::Result<Vec<_>>>()?;
    let results = db.batch(statements).await?;
    let (mut refused, mut refunds) = (None, Vec::new());
    for ((key, policy), result) in slots.iter().zip(&results) {
        if !throttle::granted(result)? {
            refused.get_or_insert((*key, policy.scope));
        } else {
            refunds.push(throttle::refund(db, Counter::Login, key, *policy)?);
        }
    }
    let Some((refused, scope)) = refused else {
        return Ok(());
    };
    if !refunds.is_empty() {
        db.batch(refunds).await?;
    }
    let until = throttle::next_attempt_at(db, Counter::Login, refused).await?.unwrap_or(now);
    Err(AccountError::Locked { until, scope }.into())
}

/// A user as the API shows them.
pub fn user_view(user: &UserRow) -> UserView {
    UserView {
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role,
        account_id: user.account_id.clone(),
        must_change_password: user.temporary_password_hash.is_some(),
        disabled_at: user.disabled_at,
    }
}

/// Does the secret the request carries open this user's account at `now`?
fn accepts(user: &UserRow, secret: &Secret, now: i64) -> bool {
    if user.disabled_at.is_some() {
        return false;
    }
    match secret {
        Secret::Key(key) => match (&user.password_salt, &user.password_hash) {
            (Some(salt), Some(hash)) => shared::encoding::hex_decode(salt).is_some_and(|salt| key.matches(&salt, hash)),
            _ => false,
        },
        Secret::Temporary(password) => match (&user.temporary_password_hash, user.temporary_password_expires) {
            (Some(hash), Some(expires)) => now < expires && password.matches(hash),
            _ => false,
        },
    }
}

/// The user with this identifier; none is an unauthenticated caller (a session outliving its user cannot be).
async fn user_by_id(db: &D1Database, id: &str) -> Result<UserRow, AppError> {
    users::by_id(db, id).await?.ok_or_else(|| AppError::from(AccountError::Unauthenticated))
}

/// What a login or password change proves itself with.
enum Secret {
    Key(PasswordKey),
    Temporary(TemporaryPassword),
}

impl Secret {
    fn from_fields(key: Option<&str>, temporary: Option<&str>) -> Result<Self, AppError> {
        match (key.filter(|key| !key.is_empty()), temporary.filter(|text| !text.trim().is_empty())) {
            (Some(key), None) => Ok(Self::Key(PasswordKey::parse(key)?)),
            // Any text that is not a temporary password's form cannot match one: refuse it like a wrong one.
            (None, Some(text)) => {
                TemporaryPassword::recognize(text).map(Self::Temporary).ok_or(AccountError::CredentialsInvalid.into())
            }
            _ => Err(AccountError::PasswordMissing.into()),
        }
    }
}

/// A new password verifier: a fresh salt and `SHA-256(salt || key)`.
pub fn new_verifier(key: &PasswordKey) -> Result<(String, String), AppError> {
    let salt = platform::random::<16>()?;
    Ok((hex(&salt), key.verifier(&salt)))
}

/// The passkey step a password login starts at: `confirm` for a user with a passkey, `register` for a CA
/// administrator without one, `done` otherwise.
async fn login_step(db: &D1Database, user: &UserRow) -> Result<PasskeyStep, AppError> {
    let count = crate::store::passkeys::count_of_user(db, &user.id).await?;
    Ok(match (user.role, count) {
        (_, count) if count > 0 => PasskeyStep::Confirm,
        (Role::CaAdmin, _) => PasskeyStep::Register,
        _ => PasskeyStep::Done,
    })
}

/// The session as the API shows it.
pub fn session_view(user: &UserRow, expires_at: i64, passkey: PasskeyStep) -> SessionView {
    SessionView { user: user_view(user), account_name: user.account_name.clone(), expires_at, passkey }
}

/// `POST /api/v1/session`: log in. A login a cross-site page could have sent is refused first (a form's content
/// type, another origin). The answer to a wrong address and to a wrong password is the same. Every attempt is
/// reserved under the address and the client before the secret is checked (`reserve_attempt`), so parallel
/// guesses get the allowance and no more; a success clears the address's count and gives the client's attempt
/// back.
pub async fn login(call: Call) -> Result<Response, AppError> {
    refuse_forged_login(&call.request)?;
    let client = client_address(&call.request)?;
    let user_agent = call.request.headers().get("User-Agent").ok().flatten().unwrap_or_default();
    let login: LoginRequest = call.json("email and password_key or temporary_password")?;
    let email = check_email_field(&login.email, "email")?;
    let secret = Secret::from_fields(login.password_key.as_deref(), login.temporary_password.as_deref())?;
    let db = &call.db;
    let now = call.now;
    let user = users::by_email(db, &email).await?;
    let keys = ThrottleKeys::for_login(&email, &client, user.as_ref().map(|user| user.role));
    reserve_attempt(db, &keys, now).await?;
    let accepted = user.as_ref().is_some_and(|user| accepts(user, &secret, now));
    let Some(user) = user.filter(|_| accepted) else {
        // The attempt was counted when it was reserved.
        return Err(AccountError::CredentialsInvalid.into());
    };
    // Said only to whoever gave the right password: a CA administrator disabled the account (`admin_accounts.rs`).
    if user.account_disabled_at.is_some() {
        return Err(AppError::field(
            403,
            "account_disabled",
            "email",
            "This account is disabled by the CA; nobody of it can log in. Contact the CA to have it enabled again.",
        ));
    }
    let token = Token::from_random(platform::random()?);
    let session = Session::new(now);
    let session_id = platform::new_id()?;
    // A CA administrator, and a user who registered a passkey, confirm the login with it (`passkeys.rs`).
    let step = login_step(db, &user).await?;
    let user_agent: String = user_agent.chars().take(200).collect();
    db.batch(vec![
        sessions::insert(db, &session_id, &user.id, &token.hash_hex(), &session, &user_agent)?,
        crate::store::passkeys::set_session_step(db, &session_id, "done", step.as_str())?,
        throttle::clear(db, &keys.address)?,
        throttle::refund(db, Counter::Login, &keys.client, CLIENT_THROTTLE)?,
        audit_log::record(
            db,
            now,
            &format!("user:{}", user.id),
            "session.created",
            ("session", &session_id),
            &serde_json::json!({}),
        )?,
    ])
    .await?;
    let mut response = Response::from_json(&session_view(&user, session.expires_at, step))?;
    response.headers_mut().set("Set-Cookie", &session_cookie(token.as_str()))?;
    Ok(response)
}

/// `GET /api/v1/session`: who is logged in (also for a user who must still change a temporary password).
pub async fn show(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = call.caller_before_passkey().await?;
    let user = user_by_id(db, &principal.user_id).await?;
    let expires_at = match &principal.credential {
        Credential::Session { session_id } => sessions::expires_at(db, session_id).await?.unwrap_or(now),
        Credential::ApiKey { .. } => now,
    };
    Ok(Response::from_json(&session_view(&user, expires_at, principal.passkey_step))?)
}

/// `DELETE /api/v1/session`: log out (the session ends on the server, and the cookie in the browser).
pub async fn logout(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = call.caller_before_passkey().await?;
    if let Credential::Session { session_id } = &principal.credential {
        db.batch(vec![
            sessions::end(db, session_id, now)?,
            audit_log::record(
                db,
                now,
                &principal.actor(),
                "session.ended",
                ("session", session_id),
                &serde_json::json!({}),
            )?,
        ])
        .await?;
    }
    let mut response = Response::empty()?.with_status(204);
    response.headers_mut().set("Set-Cookie", &expired_session_cookie())?;
    Ok(response)
}

/// The caller's session credential: listing and ending sessions is for people in a browser, not API keys.
fn session_of(principal: &Principal) -> Result<&str, AppError> {
    match &principal.credential {
        Credential::Session { session_id } => Ok(session_id),
        Credential::ApiKey { .. } => Err(AccountError::Forbidden.into()),
    }
}

/// `GET /api/v1/sessions`: the caller's open sessions (other browsers, devices), the most recently used first.
pub async fn list_sessions(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = call.caller().await?;
    let current = session_of(&principal)?;
    let rows = sessions::open_of_user(db, &principal.user_id, now).await?;
    let sessions = rows
        .into_iter()
        .map(|row| SessionSummary {
            current: row.id == current,
            id: row.id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            user_agent: row.user_agent,
        })
        .collect();
    Ok(Response::from_json(&SessionList { sessions })?)
}

/// `DELETE /api/v1/sessions/{id}`: ends one of the caller's sessions (a browser left logged in elsewhere). Ending
/// the current one is a logout without the cookie cleared: prefer `DELETE /api/v1/session` for that.
pub async fn end_session(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = call.caller().await?;
    session_of(&principal)?;
    let id = call.param("id");
    if !sessions::is_unended_of_user(db, id, &principal.user_id).await? {
        return Err(AppError::not_found("id", "You have no open session with this identifier."));
    }
    db.batch(vec![
        sessions::end_unended(db, id, now)?,
        audit_log::record(db, now, &principal.actor(), "session.ended", ("session", id), &serde_json::json!({}))?,
    ])
    .await?;
    Ok(Response::empty()?.with_status(204))
}

/// The statements that set a user's password and end their sessions (all, or all but `keep`).
fn set_password(
    db: &D1Database,
    user: &UserRow,
    key: &PasswordKey,
    now: i64,
    keep: Option<&str>,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let (salt, verifier) = new_verifier(key)?;
    Ok(vec![users::set_password(db, user, &salt, &verifier)?, sessions::end_others_of_user(db, &user.id, keep, now)?])
}

/// `POST /api/v1/account/password`: replace the password (or the temporary one). Other sessions end.
pub async fn change_password(call: Call) -> Result<Response, AppError> {
    let change: ChangePassword =
        call.json("current_password_key or current_temporary_password, and new_password_key")?;
    let db = &call.db;
    let now = call.now;
    let principal = call.caller_allowing_password_change().await?;
    let Credential::Session { session_id } = &principal.credential else {
        return Err(AccountError::Forbidden.into());
    };
    let user = user_by_id(db, &principal.user_id).await?;
    let current =
        Secret::from_fields(change.current_password_key.as_deref(), change.current_temporary_password.as_deref())
            .map_err(|error| error.for_field("current_password"))?;
    if !accepts(&user, &current, now) {
        return Err(AppError::field(
            422,
            "current_password_invalid",
            "current_password",
            "The current password is not right.",
        ));
    }
    let new_key = PasswordKey::parse(&change.new_password_key)
        .map_err(|error| AppError::from(error).for_field("new_password_key"))?;
    let mut batch = set_password(db, &user, &new_key, now, Some(session_id))?;
    batch.push(audit_log::record(
        db,
        now,
        &principal.actor(),
        "password.changed",
        ("user", &user.id),
        &serde_json::json!({}),
    )?);
    commit(db, batch, CHANGED_MEANWHILE).await?;
    Ok(Response::empty()?.with_status(204))
}

/// `POST /api/v1/password-resets`: 202 whatever the address, so the answer never tells whether it has an
/// account. When it does (and is not disabled), a single-use link is emailed; at most one per minute.
pub async fn request_reset(call: Call) -> Result<Response, AppError> {
    let reset: ResetRequest = call.json("email")?;
    let email = check_email_field(&reset.email, "email")?;
    let db = &call.db;
    let now = call.now;
    if let Some(user) = users::by_email(db, &email).await?.filter(|user| user.disabled_at.is_none()) {
        let recent = password_resets::count_of_user_since(db, &user.id, now - 60).await?;
        if recent == 0 {
            let token = Token::from_random(platform::random()?);
            let link = Link::new(now, PASSWORD_RESET_LIFETIME_SECONDS);
            let reset_id = platform::new_id()?;
            let url = format!("{}/reset/{}", platform::app_url(call.env())?, token.as_str());
            let lang = users::lang(db, &user.id).await?;
            let email = password_reset(lang, &user.email, &url, PASSWORD_RESET_LIFETIME_SECONDS / 60);
            let (reset_mail, mail_id) = outbox::enqueue(db, &email, now)?;
            db.batch(vec![
                password_resets::insert(db, &reset_id, &user.id, &token.hash_hex(), &link)?,
                reset_mail,
                audit_log::record(
                    db,
                    now,
                    "anonymous",
                    "password_reset.requested",
                    ("user", &user.id),
                    &serde_json::json!({}),
                )?,
            ])
            .await?;
            call.after_answer_deliver(vec![mail_id]);
        }
    }
    let message = "If this address has an account, a reset link is on its way. It works once, for an hour.";
    Ok(Response::from_json(&MessageBody { message: message.into() })?.with_status(202))
}

/// The reset link the route's token names.
async fn reset_row(db: &D1Database, call: &Call) -> Result<PasswordResetRow, AppError> {
    let token = Token::parse(call.param("token"))?;
    password_resets::with_token_hash(db, &token.hash_hex()).await?.ok_or_else(|| LinkError::Unknown.into())
}

/// `GET /api/v1/password-resets/{token}`: the link's status. Reading never spends it.
pub async fn show_reset(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let row = reset_row(db, &call).await?;
    let status = row.link().status(platform::now());
    let email = match status {
        shared::link::LinkStatus::Open { .. } => Some(user_by_id(db, &row.user_id).await?.email),
        _ => None,
    };
    Ok(Response::from_json(&ResetLinkView { status, email })?)
}

/// `POST /api/v1/password-resets/{token}`: spends the link and sets the new password in one batch; every
/// session of the user ends, and every API key they made (each key's end audited); the address's login counts
/// are cleared (from every client), so a stranger's failures do not keep the owner out once the owner has proved
/// themselves by email; the user is told by email, after the answer, that the password changed.
pub async fn reset(call: Call) -> Result<Response, AppError> {
    let reset: ResetPassword = call.json("new_password_key")?;
    let db = &call.db;
    let now = call.now;
    let row = reset_row(db, &call).await?;
    let spent = row.link().spend(now)?;
    let key = PasswordKey::parse(&reset.new_password_key)
        .map_err(|error| AppError::from(error).for_field("new_password_key"))?;
    let user = user_by_id(db, &row.user_id).await?;
    let actor = format!("user:{}", user.id);
    let mut batch = vec![password_resets::spend(db, &row.id, now, spent.version)?];
    batch.extend(set_password(db, &user, &key, now, None)?);
    batch.push(audit_log::record(db, now, &actor, "password.reset", ("user", &user.id), &serde_json::json!({}))?);
    // Every key the user made ends with the batch's one statement; each is audited by name. A key made after this
    // read (by a session the batch also ends) is revoked all the same, unnamed in the log.
    for key_id in api_keys::unrevoked_made_by(db, &user.id).await? {
        let reason = serde_json::json!({ "reason": "password_reset" });
        batch.push(audit_log::record(db, now, &actor, "api_key.revoked", ("api_key", &key_id), &reason)?);
    }
    batch.push(api_keys::revoke_made_by(db, &user.id, now)?);
    batch.push(throttle::clear_address(db, &ThrottleKeys::address_of(&user.email))?);
    let reset_url = format!("{}/reset", platform::app_url(call.env())?);
    let notice = password_changed(users::lang(db, &user.id).await?, &user.email, now, &reset_url);
    let (notice_mail, mail_id) = outbox::enqueue(db, &notice, now)?;
    batch.push(notice_mail);
    // Not `db::commit`: the link's version guard refusing the batch means another use spent it first, which is
    // the link's own answer (409 `link_spent`), not a change to reload.
    match db.batch(batch).await {
        Ok(_) => {
            call.after_answer_deliver(vec![mail_id]);
            Ok(Response::empty()?.with_status(204))
        }
        Err(error) if is_conflict(&error) => Err(LinkError::Spent { spent_at: now }.into()),
        Err(error) => Err(error.into()),
    }
}

/// `GET /api/v1/users`: the caller's account's users (organization admins).
pub async fn list_users(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let Member { principal, .. } = call.account_admin().await?;
    let rows = users::of_account(db, principal.account_id()?).await?;
    Ok(Response::from_json(&UserList { users: rows.iter().map(user_view).collect() })?)
}

/// `POST /api/v1/users`: invite a user to the caller's account with an emailed temporary password.
pub async fn invite_user(call: Call) -> Result<Response, AppError> {
    let invite: InviteUser = call.json("email, name and role (org_admin or org_user)")?;
    let db = &call.db;
    let now = call.now;
    let principal = call.caller().await?;
    principal.require(&[Role::OrgAdmin])?;
    let account_id = principal.account_id()?.to_owned();
    let email = check_email_field(&invite.email, "email")?;
    let name = check_name_field(&invite.name, "name")?;
    if invite.role == Role::CaAdmin {
        return Err(AppError::field(422, "role_invalid", "role", "Invite an org_admin or an org_user."));
    }
    if users::by_email(db, &email).await?.is_some() {
        return Err(AppError::field(409, "email_taken", "email", "A Keyward user already has this address."));
    }
    let inviter = user_by_id(db, &principal.user_id).await?;
    let account = inviter.account_name.clone().unwrap_or_default();
    let password = TemporaryPassword::from_random(platform::random()?);
    let user_id = platform::new_id()?;
    let login_url = format!("{}/login", platform::app_url(call.env())?);
    let mail = account_invitation(
        Lang::En,
        &AccountInvitation {
            name: &name,
            email: &email,
            account: &account,
            inviter: &inviter.name,
            temporary_password: password.as_str(),
            login_url: &login_url,
            expires_in_days: TEMPORARY_PASSWORD_LIFETIME_SECONDS / 86_400,
        },
    );
    let (invitation_mail, mail_id) = outbox::enqueue(db, &mail, now)?;
    let new_user = NewUser {
        id: &user_id,
        account_id: Some(&account_id),
        email: &email,
        name: &name,
        role: invite.role,
        secret: FirstSecret::Temporary {
            hash: &password.verifier(),
            expires: now + TEMPORARY_PASSWORD_LIFETIME_SECONDS,
        },
    };
    let batch = vec![
        users::insert(db, &new_user, now)?,
        invitation_mail,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            "user.invited",
            ("user", &user_id),
            &serde_json::json!({ "role": invite.role.as_str() }),
        )?,
    ];
    // Not `db::commit`: the address's uniqueness refusing the batch means a concurrent invitation took the
    // address, which is this form's own answer (409 `email_taken`), not a change to reload.
    match db.batch(batch).await {
        Ok(_) => {}
        Err(error) if is_conflict(&error) => {
            return Err(AppError::field(409, "email_taken", "email", "A Keyward user already has this address."));
        }
        Err(error) => return Err(error.into()),
    }
    call.after_answer_deliver(vec![mail_id]);
    let created = user_by_id(db, &user_id).await?;
    Ok(Response::from_json(&user_view(&created))?.with_status(201))
}

/// `POST /api/v1/users/{id}/disable`: the user can no longer log in; in the same batch their sessions end and
/// the API keys they created stop working. An organization administrator of the same account, by session, and
/// never on themselves (an account keeps the administrator who acts).
pub async fn disable_user(call: Call) -> Result<Response, AppError> {
    set_disabled(&call, true).await
}

/// `POST /api/v1/users/{id}/enable`: the user may log in again (with their password; the sessions and API keys
/// ended by the disabling stay ended).
pub async fn enable_user(call: Call) -> Result<Response, AppError> {
    set_disabled(&call, false).await
}

async fn set_disabled(call: &Call, disable: bool) -> Result<Response, AppError> {
    let (db, now) = (&call.db, call.now);
    let principal = key_manager(&call.request, db, now).await?;
    let id = call.param("id");
    let unknown = || AppError::not_found("id", "No user of your account has this identifier.");
    let user = user_by_id(db, id).await.map_err(|_| unknown())?;
    if user.account_id.as_deref() != Some(principal.account_id()?) {
        return Err(unknown());
    }
    if user.id == principal.user_id {
        return Err(AppError::field(
            422,
            "user_is_you",
            "id",
            "You cannot disable yourself: another administrator of the account can.",
        ));
    }
    if user.disabled_at.is_some() == disable {
        let (code, message) = if disable {
            ("user_already_disabled", "This user is disabled already; nothing changed.")
        } else {
            ("user_not_disabled", "This user is not disabled; nothing changed.")
        };
        return Err(AppError::field(409, code, "id", message));
    }
    let mut batch = vec![
        users::set_disabled(db, &user, disable.then_some(now))?,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            if disable { "user.disabled" } else { "user.enabled" },
            ("user", &user.id),
            &serde_json::json!({}),
        )?,
    ];
    if disable {
        batch.push(sessions::end_all_of_user(db, &user.id, now)?);
        batch.push(api_keys::revoke_made_by(db, &user.id, now)?);
    }
    // `users_last_administrator` (migration 0012) refuses the batch that would leave the account without an
    // enabled administrator: two administrators disabling each other at once both pass the checks above.
    let result = db.batch(batch).await;
    if let Err(error) = &result
        && raised(error, "last_administrator")
    {
        return Err(AppError::field(
            409,
            "last_administrator",
            "id",
            "This would leave the account without an enabled administrator (another administrator was disabled \
             meanwhile); nothing changed. Enable another administrator first.",
        ));
    }
    settle(result, CHANGED_MEANWHILE)?;
    let updated = user_by_id(db, &user.id).await?;
    Ok(Response::from_json(&user_view(&updated))?)
}

/// A key as the API shows it (never the key itself, nor its hash).
fn api_key_view(row: ApiKeyRow) -> ApiKeyView {
    ApiKeyView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// API keys are managed by an organization admin, in a browser session (a key cannot mint keys).
async fn key_manager(request: &Request, db: &D1Database, now: i64) -> Result<Principal, AppError> {
    let principal = auth::authenticate(request, db, now).await?;
    principal.require(&[Role::OrgAdmin])?;
    if !matches!(principal.credential, Credential::Session { .. }) {
        return Err(AccountError::Forbidden.into());
    }
    Ok(principal)
}

/// `GET /api/v1/api-keys`.
pub async fn list_api_keys(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let principal = key_manager(&call.request, db, platform::now()).await?;
    let rows = api_keys::of_account(db, principal.account_id()?).await?;
    Ok(Response::from_json(&ApiKeyList { api_keys: rows.into_iter().map(api_key_view).collect() })?)
}

/// `POST /api/v1/api-keys`: the key is in this answer and nowhere else.
pub async fn create_api_key(call: Call) -> Result<Response, AppError> {
    let create: CreateApiKey = call.json("name")?;
    let db = &call.db;
    let now = call.now;
    let principal = key_manager(&call.request, db, now).await?;
    let name = check_name_field(&create.name, "name")?;
    let key = ApiKey::from_random(platform::random()?);
    let id = platform::new_id()?;
    db.batch(vec![
        api_keys::insert(db, &id, principal.account_id()?, &name, &key, &principal.user_id, now)?,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            "api_key.created",
            ("api_key", &id),
            &serde_json::json!({ "name": name }),
        )?,
    ])
    .await?;
    let view =
        ApiKeyView { id, name, prefix: key.prefix().to_owned(), created_at: now, last_used_at: None, revoked_at: None };
    Ok(Response::from_json(&CreatedApiKey { view, key: key.as_str().to_owned() })?.with_status(201))
}

/// `DELETE /api/v1/api-keys/{id}`: revokes a key of the caller's account (another account's reads as unknown).
pub async fn revoke_api_key(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let principal = key_manager(&call.request, db, now).await?;
    let id = call.param("id").to_owned();
    if !api_keys::is_unrevoked_of_account(db, &id, principal.account_id()?).await? {
        return Err(AppError::not_found("api_key", "No active API key of your account has this identifier."));
    }
    db.batch(vec![
        api_keys::revoke(db, &id, now)?,
        audit_log::record(db, now, &principal.actor(), "api_key.revoked", ("api_key", &id), &serde_json::json!({}))?,
    ])
    .await?;
    Ok(Response::empty()?.with_status(204))
}
