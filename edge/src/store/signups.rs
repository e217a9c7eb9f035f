//! `signups`: accepted signup forms and their single-use links (migration 0015). A row holds the token's SHA-256
//! (never the token), what the form said (the account's name, the administrator's name and address, the language)
//! and the link's life (`shared::link::Link`, 24 hours); `signups_version` refuses an update that does not move
//! `version` on by exactly one, so a link is spent once. Written by `signup.rs`: the insert when the form is
//! accepted, the spend (with the account it made) in the batch that creates the account.

use serde::Deserialize;
use shared::lang::Lang;
use shared::link::Link;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// A signup and its link.
#[derive(Deserialize)]
pub struct SignupRow {
    /// `signups.id`.
    pub id: String,
    /// The administrator's address (`EmailAddress::as_str`).
    pub email: String,
    /// The account's name.
    pub organization_name: String,
    /// The administrator's name.
    pub administrator_name: String,
    /// The language of the emails.
    #[serde(deserialize_with = "super::deserialize_lang")]
    pub lang: Lang,
    /// When it was made (and sent).
    pub created_at: i64,
    /// When it stops working if unused.
    pub expires_at: i64,
    /// When it was used.
    pub spent_at: Option<i64>,
    /// Optimistic-concurrency version (`signups_version`).
    pub version: i64,
}

impl SignupRow {
    /// The link, for the rules of `shared::link::Link`.
    pub fn link(&self) -> Link {
        Link {
            created_at: self.created_at,
            expires_at: self.expires_at,
            spent_at: self.spent_at,
            version: self.version,
        }
    }
}

/// The signup whose token has this SHA-256 (hex).
pub async fn with_token_hash(db: &D1Database, token_hash: &str) -> worker::Result<Option<SignupRow>> {
    db.prepare(
        "SELECT id, email, organization_name, administrator_name, lang, created_at, expires_at, spent_at, version \
         FROM signups WHERE token_hash = ?1",
    )
    .bind(&[text(token_hash)])?
    .first::<SignupRow>(None)
    .await
}

/// A signup to store.
pub struct NewSignup<'a> {
    /// `signups.id`.
    pub id: &'a str,
    /// The token's SHA-256, hex.
    pub token_hash: &'a str,
    /// The administrator's address.
    pub email: &'a str,
    /// The account's name.
    pub organization_name: &'a str,
    /// The administrator's name.
    pub administrator_name: &'a str,
    /// The language of the emails.
    pub lang: Lang,
    /// The link's life.
    pub link: Link,
}

/// The statement that stores a signup and its link.
pub fn insert(db: &D1Database, signup: &NewSignup) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO signups (id, token_hash, email, organization_name, administrator_name, lang, created_at, \
         expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        text(signup.id),
        text(signup.token_hash),
        text(signup.email),
        text(signup.organization_name),
        text(signup.administrator_name),
        text(signup.lang.tag()),
        integer(signup.link.created_at),
        integer(signup.link.expires_at),
    ])
}

/// The statement that spends the link at `now`, moving it to `version` and naming the account it made (refused if
/// another use spent it first).
pub fn spend(
    db: &D1Database,
    id: &str,
    now: i64,
    version: i64,
    account_id: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE signups SET spent_at = ?1, version = ?2, account_id = ?3 WHERE id = ?4").bind(&[
        integer(now),
        integer(version),
        text(account_id),
        text(id),
    ])
}
