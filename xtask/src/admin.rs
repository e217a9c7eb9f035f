//! `cargo xtask ca-admin <email> [name]`: the first CA administrator of a deployment, who has no one to invite
//! them. Prints one SQL statement (stdout) that creates the user with a temporary password, and the password
//! itself (stderr, never in the SQL: the database keeps its SHA-256 only). Apply it with
//! `wrangler d1 execute DB --remote --file <file>`; the administrator logs in at `/login` with the temporary
//! password within seven days and must choose their own at once. The Worker never takes part, so no endpoint
//! that creates administrators exists to be attacked.

use shared::account::{TEMPORARY_PASSWORD_BYTES, TEMPORARY_PASSWORD_LIFETIME_SECONDS, TemporaryPassword};
use shared::address::EmailAddress;
use shared::encoding::hex;

use crate::Result;
use crate::devca::getrandom;

/// Prints the statement and the temporary password.
pub fn run(email: Option<&str>, name: Option<&str>) -> Result {
    let email = email.ok_or("usage: cargo xtask ca-admin <email> [name] > ca-admin.sql")?;
    let mut random = [0u8; TEMPORARY_PASSWORD_BYTES];
    getrandom(&mut random);
    let password = TemporaryPassword::from_random(random);
    let mut id = [0u8; 16];
    getrandom(&mut id);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let statement = statement(email, name.unwrap_or(email), &hex(&id), &password, now)?;
    println!("{statement}");
    eprintln!(
        "The temporary password of {email} (valid {} days; log in at /login and choose a password):\n\n    {}\n",
        TEMPORARY_PASSWORD_LIFETIME_SECONDS / 86_400,
        password.as_str()
    );
    Ok(())
}

/// The `INSERT` creating the administrator `email` with the temporary password's verifier.
fn statement(email: &str, name: &str, id: &str, password: &TemporaryPassword, now: i64) -> Result<String> {
    let email = EmailAddress::parse(email).map_err(|error| format!("the address {email:?}: {error}"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("the name must be 1 to 200 characters, without control characters".into());
    }
    let quoted = |text: &str| format!("'{}'", text.replace('\'', "''"));
    Ok(format!(
        "INSERT INTO users (id, account_id, email, name, role, temporary_password_hash, temporary_password_expires, \
         created_at) VALUES ({}, NULL, {}, {}, 'ca_admin', {}, {}, {now});",
        quoted(id),
        quoted(email.as_str()),
        quoted(name),
        quoted(&password.verifier()),
        now + TEMPORARY_PASSWORD_LIFETIME_SECONDS,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_stores_the_verifier_never_the_password_and_quotes_text() {
        let password = TemporaryPassword::from_random([7; TEMPORARY_PASSWORD_BYTES]);
        let sql = statement(" Ada@Example.COM ", "Ada O'Neill", "00ff", &password, 1_000).unwrap();
        assert!(sql.contains(&password.verifier()));
        assert!(!sql.contains(password.as_str()));
        assert!(sql.contains("'Ada@example.com'"), "{sql}");
        assert!(sql.contains("'Ada O''Neill'"), "{sql}");
        assert!(sql.contains(&format!("{}, 1000);", 1_000 + TEMPORARY_PASSWORD_LIFETIME_SECONDS)), "{sql}");
    }

    #[test]
    fn a_bad_address_or_name_is_refused_with_the_reason() {
        let password = TemporaryPassword::from_random([7; TEMPORARY_PASSWORD_BYTES]);
        assert!(statement("not an address", "Ada", "00", &password, 0).unwrap_err().contains("not an address"));
        assert!(statement("ada@example.com", " ", "00", &password, 0).unwrap_err().contains("name"));
    }
}
