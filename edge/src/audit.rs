//! The audit trail read: `GET /api/v1/audit` and its export (organization administrators, their own account's
//! chain), `GET /api/v1/admin/audit` and its export (CA administrators, any chain). Only sealed records are read
//! (`sealing.rs` seals them moments after they are written).

use shared::account::Role;
use shared::api::audit::{
    AUDIT_PAGE_SIZE, AuditList, AuditQuery, CheckedAuditQuery, EXPORT_FORMAT, EXPORT_MEDIA_TYPE, ExportHeader,
};
use shared::audit::Head;
use worker::{D1Database, Response};

use crate::call::Call;
use crate::error::AppError;
use crate::store::{audit_chain_heads, audit_log};

/// Records an export reads per query.
const EXPORT_PAGE: u32 = 500;

/// `GET /api/v1/audit`: the caller's account's sealed records, filtered, newest first.
pub async fn list(call: Call) -> Result<Response, AppError> {
    let account_id = call.account_admin().await?.account_id;
    let mut query = checked_query(&call)?;
    query.account = Some(account_id);
    answer_list(&call.db, &query).await
}

/// `GET /api/v1/admin/audit`: any chain's sealed records (all chains without `account`), filtered, newest first.
pub async fn admin_list(call: Call) -> Result<Response, AppError> {
    call.caller().await?.require(&[Role::CaAdmin])?;
    let query = checked_query(&call)?;
    answer_list(&call.db, &query).await
}

/// `GET /api/v1/audit/export`: the caller's account's chain as JSON lines.
pub async fn export(call: Call) -> Result<Response, AppError> {
    let account_id = call.account_admin().await?.account_id;
    export_chain(&call.db, &account_id, call.now).await
}

/// `GET /api/v1/admin/audit/export?account=`: one chain as JSON lines, for CA administrators.
pub async fn admin_export(call: Call) -> Result<Response, AppError> {
    call.caller().await?.require(&[Role::CaAdmin])?;
    let chain = checked_query(&call)?.account.ok_or_else(|| {
        AppError::field(422, "account_required", "account", "Name the chain to export: an account's id, or ca.")
    })?;
    export_chain(&call.db, &chain, call.now).await
}

/// The request's query string as a checked [`AuditQuery`].
fn checked_query(call: &Call) -> Result<CheckedAuditQuery, AppError> {
    let url = call.request.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(name, value)| (name.into(), value.into())).collect();
    AuditQuery::from_pairs(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())))
        .and_then(|query| query.checked())
        .map_err(|error| AppError::field(422, error.code(), error.field(), error.to_string()))
}

/// A page of records matching `query`, with the chain's head when one chain is listed.
async fn answer_list(db: &D1Database, query: &CheckedAuditQuery) -> Result<Response, AppError> {
    let filter = audit_log::Filter {
        chain: query.account.as_deref(),
        actor: query.actor.as_deref(),
        object: query.object.as_deref(),
        action: query.action.as_deref(),
        from: query.from,
        until: query.until,
    };
    let rows = audit_log::list(db, &filter, AuditQuery::offset(query.page), AUDIT_PAGE_SIZE).await?;
    let has_more = rows.len() > AUDIT_PAGE_SIZE as usize;
    let records = rows.into_iter().take(AUDIT_PAGE_SIZE as usize).map(audit_log::SealedRow::record).collect();
    let head = match query.account.as_deref() {
        Some(chain) => audit_chain_heads::find(db, chain).await?.map(|row| row.head()),
        None => None,
    };
    Ok(Response::from_json(&AuditList { records, page: query.page, has_more, head })?)
}

/// `chain` as JSON lines: the header with the head read first, then every record up to that head, in order. An
/// empty chain exports its header alone (an account's chain reads the same whether it is empty or another's).
async fn export_chain(db: &D1Database, chain: &str, now: i64) -> Result<Response, AppError> {
    let head = audit_chain_heads::find(db, chain).await?.map_or_else(|| Head::empty(chain), |row| row.head());
    let header = ExportHeader { format: EXPORT_FORMAT.into(), head: head.clone(), exported_at: now };
    let mut body = serde_json::to_string(&header).map_err(|error| AppError::internal(&error.to_string()))?;
    body.push('\n');
    let mut after = 0;
    while after < head.sequence {
        let rows = audit_log::chain_after(db, chain, after, EXPORT_PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = u64::try_from(last.sequence).unwrap_or(u64::MAX);
        for row in rows {
            let record = row.record();
            if record.record.sequence > head.sequence {
                break;
            }
            body.push_str(&serde_json::to_string(&record).map_err(|error| AppError::internal(&error.to_string()))?);
            body.push('\n');
        }
    }
    let mut response = Response::ok(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", EXPORT_MEDIA_TYPE)?;
    let file = format!("attachment; filename=\"keyward-audit-{}.jsonl\"", sanitize(chain));
    headers.set("Content-Disposition", &file)?;
    Ok(response)
}

/// `chain` as a file name's part: letters, digits, `-` and `_` kept, anything else `_`.
fn sanitize(chain: &str) -> String {
    chain.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}
