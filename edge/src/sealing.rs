//! The audit trail's sealer (the chains' rules are `shared::audit`'s). Records are inserted unsealed in the batch
//! of the change they record (`store/audit_log.rs`). [`seal_pending`] takes the oldest unsealed records in id
//! order, each with its chain (the account of the object it is about, else of the actor, else `ca`), reads those
//! chains' heads, and for each chain writes ONE batch: the head moved first (inserted, or updated to
//! `version = read + 1`), then every record sealed after it. A stale sealer's batch is aborted whole by migration
//! 0019's triggers (and the unique `(chain, sequence)` index), and it starts again from fresh reads
//! ([`db::retrying`]), so two sealers at once never fork a chain. It runs [`SEAL_GATHER`] after a write request's
//! answer ([`seal_soon`], from `call.rs`, through `waitUntil`) and from the scheduled handler, which catches up on
//! whatever a request left.
//!
//! **One sealer per isolate at a time, a moment after the writes** ([`seal_soon`]). A sealing costs three or four
//! D1 round trips (the unsealed records, the chains' heads, a batch per chain) whatever it seals. Run after every
//! write answer, it was most of an issuance's CPU beyond the trivial Worker: `cargo xtask bench edge`
//! (CPU only, 2026-12-07, under load) gave 10.2 ms for a P-256 issuance with it and 4.4 ms without. Now the
//! first write answer of an isolate schedules one sealing [`SEAL_GATHER`] later, and the write answers until then
//! join it (their batches committed before their answers, so before the sealing reads). A lone request's records
//! are sealed as before, a second later; a burst's in one sealing. Concurrent sealers of one chain, which made each
//! other retry, are now rarer. A sealing the isolate never runs (evicted, failed) is the scheduled handler's.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::time::Duration;

use shared::audit::{Entry, Head};
use worker::{Context, D1Database, Date, Delay, Env};

use crate::db;
use crate::error::AppError;
use crate::store::{audit_chain_heads, audit_log};

/// Records one sealing round takes (each chain's batch holds its records plus the head).
pub const SEAL_ROUND: u32 = 100;

/// Rounds one call of [`seal_pending`] makes at most; the scheduled handler's next run continues.
pub const SEAL_ROUNDS: u32 = 20;

/// How long after a write answer its records are sealed, at most (plus the sealing itself): the window in which
/// other write answers of the isolate join the same sealing.
pub const SEAL_GATHER: Duration = Duration::from_secs(1);

thread_local! {
    /// When the sealing scheduled in this isolate is due (milliseconds since the epoch), until it starts reading.
    static SEAL_DUE: Cell<Option<u64>> = const { Cell::new(None) };
}

/// After a write request's answer: schedules a sealing of everything unsealed [`SEAL_GATHER`] from now, unless one
/// scheduled earlier has not started reading yet (it will read this request's records: they were committed before
/// the answer). The mark is cleared before the sealing reads, so a record committed after that read schedules the
/// next one; a sealing overdue by a whole [`SEAL_GATHER`] is taken as lost (its `waitUntil` cancelled) and
/// scheduled again, so one lost sealing cannot stop this isolate's sealing for good. What a failure leaves, the
/// scheduled handler seals.
pub fn seal_soon(context: &Context, env: Env) {
    let gather = SEAL_GATHER.as_millis() as u64;
    let now = Date::now().as_millis();
    if SEAL_DUE.get().is_some_and(|due| now < due + gather) {
        return;
    }
    SEAL_DUE.set(Some(now + gather));
    context.wait_until(async move {
        Delay::from(SEAL_GATHER).await;
        SEAL_DUE.set(None);
        let sealed = match env.d1("DB") {
            Ok(db) => seal_pending(&db).await.map(drop),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = sealed {
            worker::console_log!("audit sealing after the answers left records for the scheduled handler: {error:?}");
        }
    });
}

/// Seals unsealed records until none is left or [`SEAL_ROUNDS`] rounds are done; returns how many it sealed.
///
/// # Errors
///
/// A database failure, or a conflict that outlived [`db::ATTEMPTS`] fresh attempts (another sealer kept winning:
/// what it sealed is sealed, and the rest waits for the next run).
pub async fn seal_pending(db: &D1Database) -> Result<usize, AppError> {
    let mut sealed = 0;
    for _ in 0..SEAL_ROUNDS {
        let (round, full) = db::retrying(|| seal_round(db)).await?;
        sealed += round;
        if !full {
            break;
        }
    }
    Ok(sealed)
}

/// One round: the oldest [`SEAL_ROUND`] unsealed records, one batch per chain. Returns how many it sealed and
/// whether the round was full (more may be waiting). A chain whose batch a concurrent sealer refused makes the
/// round end in `changed_meanwhile` (after the other chains' batches), so [`db::retrying`] runs it again.
async fn seal_round(db: &D1Database) -> Result<(usize, bool), AppError> {
    let rows = audit_log::unsealed(db, SEAL_ROUND).await?;
    let full = rows.len() == SEAL_ROUND as usize;
    let mut chains: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for row in rows {
        chains.entry(row.chain.clone()).or_default().push(row.entry());
    }
    if chains.is_empty() {
        return Ok((0, false));
    }
    let names: Vec<&str> = chains.keys().map(String::as_str).collect();
    let heads = audit_chain_heads::read(db, &names).await?;
    let mut sealed = 0;
    let mut conflict = None;
    for (chain, entries) in &chains {
        let stored = heads.iter().find(|head| &head.chain == chain);
        let head = stored.map_or_else(|| Head::empty(chain), audit_chain_heads::HeadRow::head);
        let (records, new_head) = head.extend(entries.iter().cloned());
        let mut batch = vec![audit_chain_heads::advance(db, &new_head, stored.map(|head| head.version))?];
        for record in &records {
            batch.push(audit_log::seal(db, record)?);
        }
        match db::commit(db, batch, "Another sealer sealed these records first.").await {
            Ok(()) => sealed += records.len(),
            Err(error) if error.is_changed_meanwhile() => conflict = Some(error),
            Err(error) => return Err(error),
        }
    }
    match conflict {
        Some(error) => Err(error),
        None => Ok((sealed, full)),
    }
}
