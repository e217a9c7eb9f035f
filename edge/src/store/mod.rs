//! The store: one module per table, the only place that table's SQL and row type live. A module holds the
//! table's one row type (columns as the migrations name them; a column with a vocabulary, such as a role, a
//! kind or a state, is read into its `shared` enum here, so an unknown value is refused at the row and never
//! compared as a string further in) and the functions that read it or return the statements that write it.
//! Writes are statements, not runs: callers put them in the one batch of their state change.

pub mod accounts;
pub mod api_keys;
pub mod attention;
pub mod audit_chain_heads;
pub mod audit_log;
pub mod certificates;
pub mod contracts;
pub mod crls;
pub mod device_requests;
pub mod enrollment_links;
pub mod installations;
pub mod inventory;
pub mod key_holders;
pub mod ledger;
pub mod mail_outbox;
pub mod orders;
pub mod organizations;
pub mod passkeys;
pub mod password_resets;
pub mod pickups;
pub mod recipients;
pub mod recovery_codes;
pub mod reminder_settings;
pub mod revocation_challenges;
pub mod sessions;
pub mod signups;
pub mod throttle;
pub mod users;
pub mod validations;
pub mod vettings;

/// Reads a stored language tag (`users.lang`, `mail_outbox.lang`: `en` or `fr` by their CHECK constraints) into
/// `shared::lang::Lang`, which has no serde; any other value refuses the row.
pub fn deserialize_lang<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<shared::lang::Lang, D::Error> {
    let tag = <String as serde::Deserialize>::deserialize(deserializer)?;
    shared::lang::Lang::from_tag(&tag).ok_or_else(|| serde::de::Error::custom(format!("unknown language {tag:?}")))
}
