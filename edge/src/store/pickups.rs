//! `pickups` (migration 0020): a certificate reaching its holder. The recipient's confirmation that the bundle was
//! saved (`POST /api/v1/enrollments/{token}/saved`, `inventory.rs`) and each fetch by an API key of the ordering
//! account (a download, `certificates.rs`, and the sync endpoint, `inventory.rs`). One row per certificate and
//! credential: a repeated confirmation writes nothing, a repeated fetch moves `last_at` and counts. The inventory
//! reads the latest (`store/inventory.rs`).

use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// Records the recipient's confirmation; a second one changes nothing.
pub fn recipient_confirmed(db: &D1Database, serial: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT OR IGNORE INTO pickups (serial, kind, api_key_id, first_at, last_at) \
         VALUES (?1, 'recipient_confirmed', '', ?2, ?2)",
    )
    .bind(&[text(serial), integer(now)])
}

/// Records a fetch by the API key `api_key_id`: the first one inserts, the next ones move `last_at` and count.
pub fn api_key_fetched(
    db: &D1Database,
    serial: &str,
    api_key_id: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO pickups (serial, kind, api_key_id, first_at, last_at) VALUES (?1, 'api_key', ?2, ?3, ?3) \
         ON CONFLICT (serial, kind, api_key_id) DO UPDATE SET last_at = excluded.last_at, fetches = fetches + 1",
    )
    .bind(&[text(serial), text(api_key_id), integer(now)])
}
