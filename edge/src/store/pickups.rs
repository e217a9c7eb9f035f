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

/// Whether `serial` or a certificate that replaced it in turn (following `certificates.replaced_by`, at most 16
/// steps) was picked up by `now` (a pickup's first instant; in production never later than the clock): the
/// escalation's "picked up" (`shared::expiry::Replacement`).
pub async fn chain_picked_up(db: &D1Database, serial: &str, now: i64) -> Result<bool, crate::error::AppError> {
    #[derive(serde::Deserialize)]
    struct Row {
        picked_up: i64,
    }
    let row = db
        .prepare(
            "WITH RECURSIVE chain (serial, depth) AS (SELECT ?1, 0 UNION ALL \
             SELECT c.replaced_by, chain.depth + 1 FROM certificates c JOIN chain ON c.serial = chain.serial \
             WHERE c.replaced_by IS NOT NULL AND chain.depth < 16) \
             SELECT EXISTS (SELECT 1 FROM pickups WHERE serial IN (SELECT serial FROM chain) AND first_at <= ?2) \
             AS picked_up",
        )
        .bind(&[text(serial), integer(now)])?
        .first::<Row>(None)
        .await?;
    Ok(row.is_some_and(|row| row.picked_up != 0))
}
