//! Accounts as CA administrators manage them (`shared::api::admin_account`, `Access::CaAdmin`: a CA administrator in
//! a browser session; anyone else is refused 403): search and show, create an account with its first administrator
//! (the invitation with a temporary password that `account.rs` sends to invited users), add or replace an
//! administrator (the "our admin left" case: a required reason, audited; the replaced one is disabled, their
//! sessions and API keys end), and disable an account (one batch: the account, every session and API key of its
//! users, the audit record; logins then answer `account_disabled`; certificates stay valid) or enable it again.

use shared::account::{AccountError, Role, TEMPORARY_PASSWORD_LIFETIME_SECONDS, TemporaryPassword};
use shared::api::admin_account::{
    ACCOUNT_LIST_MAXIMUM, ACCOUNT_QUERY_MAXIMUM_LENGTH, AccountStatusChange, AdminAccountDetail, AdminAccountList,
    AdminAccountView, AdministratorChange, NewAccount,
};
use shared::lang::Lang;
use shared::mail::{AccountInvitation, account_invitation};
use shared::signup::{
    SignupError, check_address, check_lang, check_organization_name, check_person_name, check_reason,
};
use worker::{D1Database, D1PreparedStatement, Response};

use crate::account::{normalized_email, user_view};
use crate::auth::{Credential, Principal};
use crate::call::Call;
use crate::db::{is_conflict, raised, settle};
use crate::error::AppError;
use crate::store::accounts::{self, AccountRow};
use crate::store::users::{self, FirstSecret, NewUser, UserRow};
use crate::store::{api_keys, audit_log, sessions};
use crate::{outbox, platform};

/// What a conflicting change says.
const CHANGED_MEANWHILE: &str =
    "This account changed while you were working on it (another CA administrator). Reload and try again.";

/// The caller as a CA administrator in a browser session (an API key acts as an organization user: never one).
async fn ca_admin(call: &Call) -> Result<Principal, AppError> {
    let principal = call.caller().await?;
    principal.require(&[Role::CaAdmin])?;
    if !matches!(principal.credential, Credential::Session { .. }) {
        return Err(AccountError::Forbidden.into());
    }
    Ok(principal)
}

/// The accounts as listed, each with its administrators (one query for all of them).
async fn views(db: &D1Database, rows: Vec<AccountRow>) -> Result<Vec<AdminAccountView>, AppError> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let administrators = users::administrators_of_accounts(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| AdminAccountView {
            administrators: administrators
                .iter()
                .filter(|user| user.account_id.as_deref() == Some(row.id.as_str()))
                .map(user_view)
                .collect(),
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            disabled_at: row.disabled_at,
            disabled_reason: row.disabled_reason,
            user_count: row.user_count,
        })
        .collect())
}

fn unknown_account() -> AppError {
    AppError::not_found("id", "No account has this identifier.")
}

/// The account `id` with its users.
async fn detail(db: &D1Database, id: &str) -> Result<AdminAccountDetail, AppError> {
    let row = accounts::by_id(db, id).await?.ok_or_else(unknown_account)?;
    let account = views(db, vec![row]).await?.pop().ok_or_else(|| AppError::internal("an account's view"))?;
    let users = users::of_account(db, id).await?.iter().map(user_view).collect();
    Ok(AdminAccountDetail { account, users })
}

/// `GET /api/v1/admin/accounts?query=`: accounts whose name contains the text, or with a user whose address does.
pub async fn list(call: Call) -> Result<Response, AppError> {
    ca_admin(&call).await?;
    let url = call.request.url()?;
    let query = url.query_pairs().find(|(name, _)| name == "query").map(|(_, value)| value.trim().to_owned());
    let query = query.unwrap_or_default();
    if query.chars().count() > ACCOUNT_QUERY_MAXIMUM_LENGTH {
        return Err(AppError::field(
            422,
            "query_too_long",
            "query",
            format!("Search with at most {ACCOUNT_QUERY_MAXIMUM_LENGTH} characters."),
        ));
    }
    let rows = accounts::search(&call.db, &query, ACCOUNT_LIST_MAXIMUM).await?;
    Ok(Response::from_json(&AdminAccountList { accounts: views(&call.db, rows).await? })?)
}

/// `GET /api/v1/admin/accounts/{id}`.
pub async fn show(call: Call) -> Result<Response, AppError> {
    ca_admin(&call).await?;
    Ok(Response::from_json(&detail(&call.db, call.param("id")).await?)?)
}

/// The statements inviting a new organization administrator with an emailed temporary password (the invitation
/// `account.rs` sends), and the outbox id of the email.
struct Invitation {
    statements: Vec<D1PreparedStatement>,
    mail_id: String,
}

#[expect(clippy::too_many_arguments, reason = "the invitation's facts, each one named")]
fn invite_administrator(
    call: &Call,
    user_id: &str,
    account_id: &str,
    account_name: &str,
    email: &str,
    name: &str,
    inviter: &str,
    lang: Lang,
) -> Result<Invitation, AppError> {
    let (db, now) = (&call.db, call.now);
    let password = TemporaryPassword::from_random(platform::random()?);
    let login_url = format!("{}/login", platform::app_url(call.env())?);
    let mail = account_invitation(
        lang,
        &AccountInvitation {
            name,
            email,
            account: account_name,
            inviter,
            temporary_password: password.as_str(),
            login_url: &login_url,
            expires_in_days: TEMPORARY_PASSWORD_LIFETIME_SECONDS / 86_400,
        },
    );
    let (invitation_mail, mail_id) = outbox::enqueue(db, &mail, now)?;
    let user = NewUser {
        id: user_id,
        account_id: Some(account_id),
        email,
        name,
        role: Role::OrgAdmin,
        secret: FirstSecret::Temporary {
            hash: &password.verifier(),
            expires: now + TEMPORARY_PASSWORD_LIFETIME_SECONDS,
        },
    };
    let statements =
        vec![users::insert(db, &user, now)?, users::set_new_user_lang(db, user_id, lang)?, invitation_mail];
    Ok(Invitation { statements, mail_id })
}

/// The CA administrator's name, as invitations name the inviter.
async fn inviter_name(db: &D1Database, principal: &Principal) -> Result<String, AppError> {
    Ok(users::by_id(db, &principal.user_id).await?.map_or_else(|| "Keyward".to_owned(), |user| user.name))
}

fn email_taken(field: &'static str) -> AppError {
    AppError::field(409, "email_taken", field, "A Keyward user already has this address.")
}

/// Keeps every refusal of a form, to answer them all at once.
fn keep<T>(errors: &mut Vec<SignupError>, result: Result<T, SignupError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

/// `POST /api/v1/admin/accounts`: the account and its first administrator, invited, in one batch.
pub async fn create(call: Call) -> Result<Response, AppError> {
    let principal = ca_admin(&call).await?;
    let request: NewAccount = call.json("name, administrator_name, administrator_email and lang")?;
    let mut errors = Vec::new();
    let name = keep(&mut errors, check_organization_name(&request.name, "name"));
    let administrator_name = keep(&mut errors, check_person_name(&request.administrator_name, "administrator_name"));
    let email = keep(&mut errors, check_address(&request.administrator_email, "administrator_email"));
    let lang = keep(&mut errors, check_lang(request.lang.as_deref()));
    let (Some(name), Some(administrator_name), Some(email), Some(lang)) = (name, administrator_name, email, lang)
    else {
        return Err(errors.into());
    };
    let (db, now) = (&call.db, call.now);
    let email = normalized_email(email.as_str());
    if users::by_email(db, &email).await?.is_some() {
        return Err(email_taken("administrator_email"));
    }
    let (account_id, user_id) = (platform::new_id()?, platform::new_id()?);
    let inviter = inviter_name(db, &principal).await?;
    let invitation =
        invite_administrator(&call, &user_id, &account_id, &name, &email, &administrator_name, &inviter, lang)?;
    let mut batch = vec![accounts::insert(db, &account_id, &name, now)?];
    batch.extend(invitation.statements);
    batch.push(audit_log::record(
        db,
        now,
        &principal.actor(),
        "account.created",
        ("account", &account_id),
        &serde_json::json!({ "via": "ca_admin", "administrator": user_id }),
    )?);
    batch.push(audit_log::record(
        db,
        now,
        &principal.actor(),
        "user.invited",
        ("user", &user_id),
        &serde_json::json!({ "role": Role::OrgAdmin.as_str() }),
    )?);
    match db.batch(batch).await {
        Ok(_) => {}
        Err(error) if is_conflict(&error) => return Err(email_taken("administrator_email")),
        Err(error) => return Err(error.into()),
    }
    call.after_answer_deliver(vec![invitation.mail_id]);
    Ok(Response::from_json(&detail(db, &account_id).await?)?.with_status(201))
}

/// The administrator being replaced: an enabled organization administrator of the account.
async fn replaced_administrator(db: &D1Database, account_id: &str, id: &str) -> Result<UserRow, AppError> {
    let user = users::by_id(db, id).await?.filter(|user| user.account_id.as_deref() == Some(account_id));
    let user = user.ok_or_else(|| AppError::not_found("replaces", "No user of this account has this identifier."))?;
    if user.role != Role::OrgAdmin || user.disabled_at.is_some() {
        return Err(AppError::field(
            409,
            "replaces_not_administrator",
            "replaces",
            "This user is not an enabled administrator of the account; add an administrator instead.",
        ));
    }
    Ok(user)
}

/// `POST /api/v1/admin/accounts/{id}/administrators`: adds an administrator (a user of the account is made one;
/// another address is invited) and, with `replaces`, disables the one who left in the same batch (their sessions
/// end and the API keys they made stop working). The reason is required and audited.
pub async fn change_administrator(call: Call) -> Result<Response, AppError> {
    let principal = ca_admin(&call).await?;
    let request: AdministratorChange = call.json("email, name, reason and replaces")?;
    let mut errors = Vec::new();
    let email = keep(&mut errors, check_address(&request.email, "email"));
    let name = keep(&mut errors, check_person_name(&request.name, "name"));
    let reason = keep(&mut errors, check_reason(&request.reason));
    let (Some(email), Some(name), Some(reason)) = (email, name, reason) else {
        return Err(errors.into());
    };
    let (db, now) = (&call.db, call.now);
    let account = accounts::by_id(db, call.param("id")).await?.ok_or_else(unknown_account)?;
    let replaced = match request.replaces.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(replaced_administrator(db, &account.id, id).await?),
        None => None,
    };
    let email = normalized_email(email.as_str());
    let actor = principal.actor();
    let mut batch = Vec::new();
    let mut mail_ids = Vec::new();
    let administrator_id = match users::by_email(db, &email).await? {
        Some(user) if user.account_id.as_deref() != Some(account.id.as_str()) => return Err(email_taken("email")),
        Some(user) if replaced.as_ref().is_some_and(|replaced| replaced.id == user.id) => {
            return Err(AppError::field(
                422,
                "replaces_self",
                "replaces",
                "The new administrator cannot be the one they replace.",
            ));
        }
        Some(user) if user.disabled_at.is_some() => {
            return Err(AppError::field(
                409,
                "user_disabled",
                "email",
                "This user of the account is disabled; an administrator of the account can enable them first.",
            ));
        }
        Some(user) if user.role == Role::OrgAdmin => {
            return Err(AppError::field(
                409,
                "already_administrator",
                "email",
                "This user is an administrator of the account already.",
            ));
        }
        Some(user) => {
            batch.push(users::make_administrator(db, &user)?);
            user.id
        }
        None => {
            let user_id = platform::new_id()?;
            let inviter = inviter_name(db, &principal).await?;
            let invitation =
                invite_administrator(&call, &user_id, &account.id, &account.name, &email, &name, &inviter, Lang::En)?;
            batch.extend(invitation.statements);
            mail_ids.push(invitation.mail_id);
            user_id
        }
    };
    batch.push(audit_log::record(
        db,
        now,
        &actor,
        "administrator.added",
        ("account", &account.id),
        &serde_json::json!({
            "user": administrator_id, "reason": reason,
            "replaces": replaced.as_ref().map(|user| user.id.clone()),
        }),
    )?);
    if let Some(replaced) = &replaced {
        batch.push(users::set_disabled(db, replaced, Some(now))?);
        batch.push(sessions::end_all_of_user(db, &replaced.id, now)?);
        batch.push(api_keys::revoke_made_by(db, &replaced.id, now)?);
        batch.push(audit_log::record(
            db,
            now,
            &actor,
            "user.disabled",
            ("user", &replaced.id),
            &serde_json::json!({ "reason": reason, "replaced_by": administrator_id }),
        )?);
    }
    let result = db.batch(batch).await;
    if let Err(error) = &result
        && raised(error, "UNIQUE constraint failed")
    {
        return Err(email_taken("email"));
    }
    settle(result, CHANGED_MEANWHILE)?;
    call.after_answer_deliver(mail_ids);
    Ok(Response::from_json(&detail(db, &account.id).await?)?.with_status(201))
}

/// `POST /api/v1/admin/accounts/{id}/disable`.
pub async fn disable(call: Call) -> Result<Response, AppError> {
    set_disabled(call, true).await
}

/// `POST /api/v1/admin/accounts/{id}/enable`: its users may log in again (the sessions and API keys the disabling
/// ended stay ended).
pub async fn enable(call: Call) -> Result<Response, AppError> {
    set_disabled(call, false).await
}

async fn set_disabled(call: Call, disable: bool) -> Result<Response, AppError> {
    let principal = ca_admin(&call).await?;
    let request: AccountStatusChange = call.json("reason")?;
    let reason = check_reason(&request.reason)?;
    let (db, now) = (&call.db, call.now);
    let account = accounts::by_id(db, call.param("id")).await?.ok_or_else(unknown_account)?;
    if account.disabled_at.is_some() == disable {
        let (code, message) = if disable {
            ("account_already_disabled", "This account is disabled already; nothing changed.")
        } else {
            ("account_not_disabled", "This account is not disabled; nothing changed.")
        };
        return Err(AppError::field(409, code, "id", message));
    }
    let action = if disable { "account.disabled" } else { "account.enabled" };
    let mut batch = vec![
        accounts::set_disabled(db, &account.id, disable.then_some((now, reason.as_str())))?,
        audit_log::record_if_counted(
            db,
            now,
            &principal.actor(),
            action,
            ("account", &account.id),
            &serde_json::json!({ "reason": reason }),
        )?,
    ];
    if disable {
        batch.push(sessions::end_all_of_account(db, &account.id, now)?);
        batch.push(api_keys::revoke_of_account(db, &account.id, now)?);
    }
    db.batch(batch).await?;
    Ok(Response::from_json(&detail(db, &account.id).await?)?)
}
