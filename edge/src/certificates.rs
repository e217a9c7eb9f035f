//! `GET /api/v1/certificates/{serial}/{format}`: an issued certificate as PEM, DER, PEM chain or PKCS#7 chain.
//! Certificates are public documents; the 126-bit random serial is unguessable, so no listing is possible.
//! A download with an API key of the ordering account is recorded as that key's pickup (`store/pickups.rs`); an
//! invalid API key is refused (401) rather than ignored, so a script learns its key no longer works.

use base64ct::{Base64, Encoding};
use shared::download::DownloadFormat;
use worker::Response;

use crate::auth::Credential;
use crate::ca::CertificateAuthority;
use crate::call::Call;
use crate::error::AppError;
use crate::store::{certificates, pickups};

/// Serves one certificate in the requested format, as an attachment.
pub async fn download(call: Call) -> Result<Response, AppError> {
    let serial = call.serial()?;
    let format = DownloadFormat::parse(call.param("format"))
        .ok_or_else(|| AppError::field(404, "format_unknown", "format", "Formats: pem, der, chain.pem, p7b."))?;
    let row = certificates::find(&call.db, &serial).await?.ok_or_else(AppError::unknown_certificate)?;
    record_api_key_pickup(&call, &serial).await?;
    let certificate = Base64::decode_vec(&row.der).map_err(|_| AppError::internal("stored DER is not base64"))?;
    let authority = CertificateAuthority::from_env(call.env())?;
    let chain = [authority.issuing_der.clone(), authority.root_der.clone()];
    let bytes = format
        .render(&certificate, &chain)
        .map_err(|error| AppError::internal(&format!("rendering {}: {error}", format.as_str())))?;
    let mut response = Response::from_bytes(bytes)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", format.content_type())?;
    headers.set("Content-Disposition", &format!("attachment; filename=\"{}.{}\"", serial, format.extension()))?;
    headers.set("Cache-Control", "public, max-age=86400")?;
    Ok(response)
}

/// Records the download as a pickup when an API key of the account that ordered the certificate made it (a
/// session, another account's key or no credential records nothing: the file is public, and a stale session
/// cookie is not even read).
async fn record_api_key_pickup(call: &Call, serial: &str) -> Result<(), AppError> {
    if call.request.headers().get("Authorization")?.is_none() {
        return Ok(());
    }
    let principal = call.caller().await?;
    let Credential::ApiKey { key_id } = &principal.credential else { return Ok(()) };
    let owner = certificates::ordering_account(&call.db, serial).await?;
    if owner.is_some() && owner == principal.account_id {
        let (db, now) = (&call.db, call.now);
        crate::reissue::record_pickup(call.env(), db, serial, now, &|| {
            Ok(vec![pickups::api_key_fetched(db, serial, key_id, now)?])
        })
        .await?;
    }
    Ok(())
}
