//! The account's certificate inventory (`GET /api/v1/certificates`, JSON or CSV), the sync endpoint
//! (`GET /api/v1/orders/{id}/recipients/{position}/certificate/current`), the recipient's "saved" confirmation
//! (`POST /api/v1/enrollments/{token}/saved`) and the CA administrators' certificate search
//! (`GET /api/v1/admin/certificates`). States come from `shared::inventory::state`; pickups are written through
//! `store/pickups.rs`, in one statement per request.
//!
//! The sync endpoint serves the recipient's certificate that nothing replaced. Renewal and reissue, which will
//! set `replaced_by`, are not built yet, so today it is the recipient's one certificate.

use base64ct::{Base64, Encoding};
use shared::account::{AccountError, Role};
use shared::api::inventory::{
    ADMIN_SEARCH_LIMIT, AdminCertificate, AdminCertificateList, CSV_COLUMNS, CSV_MAXIMUM_ROWS, CurrentCertificate,
    INVENTORY_PAGE_SIZE, Inventory, InventoryEntry, InventoryQueryError, Pickup, search_text,
};
use shared::encoding::pem_encode;
use shared::inventory::{self, ExpiringWithin, Facts, entity_tag, if_none_match};
use shared::link::Token;
use worker::Response;

use crate::auth::Credential;
use crate::ca::CertificateAuthority;
use crate::call::Call;
use crate::error::AppError;
use crate::store::enrollment_links;
use crate::store::inventory::{self as rows, InventoryRow};
use crate::store::pickups;

impl From<InventoryQueryError> for AppError {
    fn from(error: InventoryQueryError) -> Self {
        AppError::field(422, error.code(), error.field(), error.to_string())
    }
}

/// The inventory's line for a stored row, its state at `now`.
fn entry(row: InventoryRow, now: i64) -> Result<InventoryEntry, AppError> {
    let dns_names: Vec<String> = serde_json::from_str(&row.dns_names)
        .map_err(|error| AppError::internal(&format!("recipients.dns_names: {error}")))?;
    let last_pickup = match (row.pickup_kind, row.pickup_at) {
        (Some(kind), Some(at)) => Some(Pickup {
            at,
            kind,
            api_key_id: row.pickup_api_key_id.filter(|id| !id.is_empty()),
            api_key_name: row.pickup_api_key_name,
        }),
        _ => None,
    };
    let facts = Facts {
        not_after: row.not_after,
        revocation_reason: row.revocation_reason.filter(|_| row.revoked_at.is_some()),
        replaced: row.replaced_by.is_some(),
        // A test enrollment passed (`installations.rs`).
        installed: row.installed_at.is_some(),
        picked_up: last_pickup.is_some(),
    };
    Ok(InventoryEntry {
        subject: dns_names.first().cloned().unwrap_or_else(|| row.email.clone()),
        profile: row.profile.id()?,
        recipient_position: u32::try_from(row.position).unwrap_or_default(),
        recipient_name: if row.display_name.is_empty() { row.email.clone() } else { row.display_name },
        recipient_email: row.email,
        dns_names,
        issued_at: row.issued_at,
        not_after: row.not_after,
        state: inventory::state(&facts, now),
        revoked_at: row.revoked_at,
        revocation_reason: facts.revocation_reason,
        replaced_by: row.replaced_by,
        order_id: row.order_id,
        serial: row.serial,
        last_pickup,
        installed_at: row.installed_at,
    })
}

/// Whether the caller asks for `media_type` in `Accept` (a plain list match: `text/csv`, `application/json`).
fn accepts(call: &Call, media_type: &str) -> Result<bool, AppError> {
    let accept = call.request.headers().get("Accept")?.unwrap_or_default();
    Ok(accept.split(',').any(|item| item.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case(media_type)))
}

/// `GET /api/v1/certificates?q=&expiring_within=&page=&format=`: the caller's account's certificates, soonest
/// end first, a page at a time; as CSV (`format=csv` or `Accept: text/csv`) every match, up to
/// [`CSV_MAXIMUM_ROWS`].
pub async fn list(call: Call) -> Result<Response, AppError> {
    let account_id = call.member().await?.account_id;
    let url = call.request.url()?;
    let (mut search, mut expiring, mut page, mut csv) = (None, None, 1_u32, accepts(&call, "text/csv")?);
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "q" => search = search_text(Some(&value))?,
            "expiring_within" if !value.trim().is_empty() => {
                expiring = Some(ExpiringWithin::parse(&value).ok_or(InventoryQueryError::ExpiringWithinInvalid)?)
            }
            "page" => page = value.parse().ok().filter(|page| *page >= 1).ok_or(InventoryQueryError::PageInvalid)?,
            "format" => match value.as_ref() {
                "csv" => csv = true,
                "json" => csv = false,
                _ => return Err(InventoryQueryError::FormatUnknown.into()),
            },
            _ => {}
        }
    }
    let now = call.now;
    let expiring = expiring.map(|filter| (filter, now));
    if csv {
        let found = rows::of_account(&call.db, &account_id, search.as_deref(), expiring, CSV_MAXIMUM_ROWS, 0).await?;
        let lines = found
            .into_iter()
            .map(|row| entry(row, now).map(|entry| entry.csv_row()))
            .collect::<Result<Vec<_>, AppError>>()?;
        let mut response = Response::ok(inventory::csv_document(&CSV_COLUMNS, lines))?;
        let headers = response.headers_mut();
        headers.set("Content-Type", "text/csv; charset=utf-8")?;
        headers.set("Content-Disposition", "attachment; filename=\"certificates.csv\"")?;
        return Ok(response);
    }
    let offset = u64::from(page - 1) * u64::from(INVENTORY_PAGE_SIZE);
    let found =
        rows::of_account(&call.db, &account_id, search.as_deref(), expiring, INVENTORY_PAGE_SIZE + 1, offset).await?;
    let has_more = found.len() > INVENTORY_PAGE_SIZE as usize;
    let certificates = found
        .into_iter()
        .take(INVENTORY_PAGE_SIZE as usize)
        .map(|row| entry(row, now))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Response::from_json(&Inventory { certificates, page, has_more })?)
}

/// `GET /api/v1/orders/{id}/recipients/{position}/certificate/current`: the recipient's current certificate and
/// the chain, PEM (certificate, issuing CA, root) or, with `Accept: application/json`, a [`CurrentCertificate`];
/// a strong `ETag` of the bytes, `304` with no body to a matching `If-None-Match`. A fetch by an API key, answered
/// 200 or 304, is recorded as its pickup. Another account's order, an unknown recipient and a recipient without a
/// certificate read alike: 404.
pub async fn current(call: Call) -> Result<Response, AppError> {
    let member = call.member().await?;
    let not_issued =
        || AppError::field(404, "certificate_not_issued", "position", "No certificate was issued to this recipient.");
    let position: i64 = call.param("position").parse().map_err(|_| not_issued())?;
    let (serial, der, not_after) =
        rows::current(&call.db, &member.account_id, call.param("id"), position).await?.ok_or_else(not_issued)?;
    let certificate = Base64::decode_vec(&der).map_err(|_| AppError::internal("stored DER is not base64"))?;
    let authority = CertificateAuthority::from_env(call.env())?;
    let chain = [authority.issuing_der.as_slice(), authority.root_der.as_slice()];
    let json = accepts(&call, "application/json")?;
    let tag = entity_tag(&certificate, &chain, if json { "json" } else { "pem" });
    if let Credential::ApiKey { key_id } = &member.principal.credential {
        let (db, now) = (&call.db, call.now);
        crate::reissue::record_pickup(call.env(), db, &serial, now, &|| {
            Ok(vec![pickups::api_key_fetched(db, &serial, key_id, now)?])
        })
        .await?;
    }
    let unchanged = call.request.headers().get("If-None-Match")?.is_some_and(|header| if_none_match(&header, &tag));
    let chain_pem: String = chain.iter().map(|der| pem_encode("CERTIFICATE", der)).collect();
    let certificate_pem = pem_encode("CERTIFICATE", &certificate);
    let mut response = if unchanged {
        Response::empty()?.with_status(304)
    } else if json {
        Response::from_json(&CurrentCertificate { serial, not_after, certificate: certificate_pem, chain: chain_pem })?
    } else {
        let mut response = Response::ok(format!("{certificate_pem}{chain_pem}"))?;
        response.headers_mut().set("Content-Type", "application/pem-certificate-chain")?;
        response
    };
    let headers = response.headers_mut();
    headers.set("ETag", &tag)?;
    headers.set("Vary", "Accept")?;
    Ok(response)
}

/// `POST /api/v1/enrollments/{token}/saved`: the recipient confirms, on the spent link's page, that the bundle
/// was saved; recorded once (a repeat answers 204 and changes nothing). A link without a certificate: 409.
pub async fn saved(call: Call) -> Result<Response, AppError> {
    let token = Token::parse(call.param("token"))?;
    let row = enrollment_links::by_token(&call.db, &token).await?;
    let serial = row.certificate_serial.ok_or_else(|| {
        AppError::field(409, "certificate_not_issued", "token", "No certificate was issued through this link yet.")
    })?;
    // A reissued certificate picked up supersedes the one it replaced, in the same batch (`reissue.rs`).
    let (db, now) = (&call.db, call.now);
    crate::reissue::record_pickup(call.env(), db, &serial, now, &|| {
        Ok(vec![pickups::recipient_confirmed(db, &serial, now)?])
    })
    .await?;
    Ok(Response::empty()?.with_status(204))
}

/// `GET /api/v1/admin/certificates?q=`: any account's certificates whose serial or recipient's address is `q`,
/// for CA administrators (in a browser session).
pub async fn admin_search(call: Call) -> Result<Response, AppError> {
    let principal = call.caller().await?;
    if !matches!(principal.credential, Credential::Session { .. }) {
        return Err(AccountError::Forbidden.into());
    }
    principal.require(&[Role::CaAdmin])?;
    let url = call.request.url()?;
    let query = url.query_pairs().find(|(name, _)| name == "q").map(|(_, value)| value.into_owned());
    let search = search_text(query.as_deref())?.ok_or(InventoryQueryError::QueryMissing)?;
    let now = call.now;
    let certificates = rows::by_serial_or_address(&call.db, &search, ADMIN_SEARCH_LIMIT)
        .await?
        .into_iter()
        .map(|row| {
            let (account_id, account_name) = (row.account_id.clone(), row.account_name.clone());
            Ok(AdminCertificate { certificate: entry(row, now)?, account_id, account_name })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Response::from_json(&AdminCertificateList { certificates })?)
}
