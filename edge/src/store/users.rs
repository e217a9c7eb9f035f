//! `users`: the people who log in. A CA administrator belongs to no account; everyone else to exactly one. A row
//! holds the password verifier (or a temporary password's, until it is replaced) and whether the user is
//! disabled. Written by `account.rs` (invitations, password changes and resets, disabling) and by the development
//! accounts of `dev.rs`; `users_version` refuses an update that does not move `version` on by exactly one.

use serde::Deserialize;
use shared::account::Role;
use shared::lang::Lang;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// A user (the columns its handlers read; the language is read alone, [`lang`]), with their account's name (`accounts.name`, joined; `None` for a CA administrator).
#[derive(Deserialize)]
pub struct UserRow {
    /// `users.id`.
    pub id: String,
    /// Their account; `None` for a CA administrator.
    pub account_id: Option<String>,
    /// The address they log in with, normalized (`account::normalized_email`).
    pub email: String,
    /// Their display name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The password verifier's salt, hex; `None` until a password is chosen.
    pub password_salt: Option<String>,
    /// `SHA-256(salt || key)`, hex.
    pub password_hash: Option<String>,
    /// The temporary password's SHA-256, hex, while it must still be replaced.
    pub temporary_password_hash: Option<String>,
    /// When the temporary password stops working.
    pub temporary_password_expires: Option<i64>,
    /// When an administrator disabled them.
    pub disabled_at: Option<i64>,
    /// Optimistic-concurrency version (`users_version`).
    pub version: i64,
    /// Their account's name (joined).
    pub account_name: Option<String>,
    /// When a CA administrator disabled their account (joined): no login.
    pub account_disabled_at: Option<i64>,
}

/// The columns of [`UserRow`], from `users u LEFT JOIN accounts a`.
const COLUMNS: &str = "u.id, u.account_id, u.email, u.name, u.role, u.password_salt, u.password_hash, \
     u.temporary_password_hash, u.temporary_password_expires, u.disabled_at, u.version, a.name AS account_name, \
     a.disabled_at AS account_disabled_at";

/// The user with this (normalized) address.
pub async fn by_email(db: &D1Database, email: &str) -> worker::Result<Option<UserRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE u.email = ?1"))
        .bind(&[text(email)])?
        .first::<UserRow>(None)
        .await
}

/// The user with this identifier.
pub async fn by_id(db: &D1Database, id: &str) -> worker::Result<Option<UserRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE u.id = ?1"))
        .bind(&[text(id)])?
        .first::<UserRow>(None)
        .await
}

/// The users of an account, by address.
pub async fn of_account(db: &D1Database, account_id: &str) -> worker::Result<Vec<UserRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM users u LEFT JOIN accounts a ON a.id = u.account_id \
         WHERE u.account_id = ?1 ORDER BY u.email"
    ))
    .bind(&[text(account_id)])?
    .all()
    .await?
    .results::<UserRow>()
}

/// The language of the emails a user causes; English when there is no such user.
pub async fn lang(db: &D1Database, user_id: &str) -> Result<Lang, AppError> {
    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "super::deserialize_lang")]
        lang: Lang,
    }
    let row = db.prepare("SELECT lang FROM users WHERE id = ?1").bind(&[text(user_id)])?.first::<Row>(None).await?;
    Ok(row.map(|row| row.lang).unwrap_or_default())
}

/// The organization administrators of the accounts `account_ids`, by account and address.
pub async fn administrators_of_accounts(db: &D1Database, account_ids: &[String]) -> worker::Result<Vec<UserRow>> {
    let ids = serde_json::to_string(account_ids).map_err(|error| worker::Error::RustError(error.to_string()))?;
    db.prepare(format!(
        "SELECT {COLUMNS} FROM users u LEFT JOIN accounts a ON a.id = u.account_id \
         WHERE u.role = 'org_admin' AND u.account_id IN (SELECT value FROM json_each(?1)) \
         ORDER BY u.account_id, u.email"
    ))
    .bind(&[text(&ids)])?
    .all()
    .await?
    .results::<UserRow>()
}

/// How a new user will first log in.
pub enum FirstSecret<'a> {
    /// A chosen password: its verifier's salt and hash, hex (a completed signup; the development accounts).
    Password {
        /// `password_salt`.
        salt: &'a str,
        /// `password_hash`.
        hash: &'a str,
    },
    /// An emailed temporary password: its hash, hex, and when it stops working.
    Temporary {
        /// `temporary_password_hash`.
        hash: &'a str,
        /// `temporary_password_expires`.
        expires: i64,
    },
}

/// A user to create.
pub struct NewUser<'a> {
    /// `users.id`.
    pub id: &'a str,
    /// Their account; `None` for a CA administrator.
    pub account_id: Option<&'a str>,
    /// The normalized address.
    pub email: &'a str,
    /// The display name.
    pub name: &'a str,
    /// What they may do.
    pub role: Role,
    /// How they will log in.
    pub secret: FirstSecret<'a>,
}

/// The statement that creates `user` at `now` (the address is unique: a second user with it refuses the batch).
pub fn insert(db: &D1Database, user: &NewUser, now: i64) -> worker::Result<D1PreparedStatement> {
    let account_id = user.account_id.map_or(JsValue::NULL, text);
    let (columns, secret) = match user.secret {
        FirstSecret::Password { salt, hash } => ("password_salt, password_hash", [text(salt), text(hash)]),
        FirstSecret::Temporary { hash, expires } => {
            ("temporary_password_hash, temporary_password_expires", [text(hash), integer(expires)])
        }
    };
    let [first, second] = secret;
    db.prepare(format!(
        "INSERT INTO users (id, account_id, email, name, role, {columns}, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))
    .bind(&[
        text(user.id),
        account_id,
        text(user.email),
        text(user.name),
        text(user.role.as_str()),
        first,
        second,
        integer(now),
    ])
}

/// The statement that sets `user`'s password verifier and clears any temporary password (refused if the row moved
/// on since it was read).
pub fn set_password(
    db: &D1Database,
    user: &UserRow,
    salt: &str,
    verifier: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE users SET password_salt = ?1, password_hash = ?2, temporary_password_hash = NULL, \
         temporary_password_expires = NULL, version = ?3 WHERE id = ?4",
    )
    .bind(&[text(salt), text(verifier), integer(user.version + 1), text(&user.id)])
}

/// The statement that sets the language of the emails a new user causes (in the batch that creates them, right
/// after the insert: it moves the new row's version on by one, as `users_version` requires).
pub fn set_new_user_lang(db: &D1Database, user_id: &str, lang: Lang) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE users SET lang = ?1, version = version + 1 WHERE id = ?2")
        .bind(&[text(lang.tag()), text(user_id)])
}

/// The statement that makes `user` an organization administrator (a CA administrator's change), refused if the row
/// moved on since it was read.
pub fn make_administrator(db: &D1Database, user: &UserRow) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE users SET role = 'org_admin', version = ?1 WHERE id = ?2")
        .bind(&[integer(user.version + 1), text(&user.id)])
}

/// The statement that disables `user` (`Some(instant)`) or enables them again (`None`), refused if the row moved on
/// since it was read.
pub fn set_disabled(db: &D1Database, user: &UserRow, disabled_at: Option<i64>) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE users SET disabled_at = ?1, version = ?2 WHERE id = ?3").bind(&[
        disabled_at.map_or(JsValue::NULL, integer),
        integer(user.version + 1),
        text(&user.id),
    ])
}

/// The account's active administrators as readers of its certificates' emails, each in their language
/// (`users.lang`), by address.
pub async fn administrators_as_readers(
    db: &D1Database,
    account_id: &str,
) -> Result<Vec<shared::mail::Reader>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        email: String,
        #[serde(deserialize_with = "super::deserialize_lang")]
        lang: Lang,
    }
    let rows = db
        .prepare(
            "SELECT email, lang FROM users WHERE account_id = ?1 AND role = 'org_admin' AND disabled_at IS NULL \
             ORDER BY email",
        )
        .bind(&[text(account_id)])?
        .all()
        .await?
        .results::<Row>()?;
    Ok(rows.into_iter().map(|row| shared::mail::Reader { email: row.email, lang: row.lang }).collect())
}
