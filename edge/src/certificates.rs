//! `GET /api/v1/certificates/{serial}/{format}`: an issued certificate as PEM, DER, PEM chain or PKCS#7 chain.
//! Certificates are public documents; the 126-bit random serial is unguessable, so no listing is possible.

use base64ct::{Base64, Encoding};
use shared::download::DownloadFormat;
use worker::Response;

use crate::ca::CertificateAuthority;
use crate::call::Call;
use crate::error::AppError;
use crate::store::certificates;

/// Serves one certificate in the requested format, as an attachment.
pub async fn download(call: Call) -> Result<Response, AppError> {
    let serial = serial(&call)?;
    let format = DownloadFormat::parse(call.param("format"))
        .ok_or_else(|| AppError::field(404, "format_unknown", "format", "Formats: pem, der, chain.pem, p7b."))?;
    let row = certificates::find(&call.db, &serial).await?.ok_or_else(AppError::unknown_certificate)?;
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

/// The `:serial` path parameter: 32 hex digits (Keyward's 16-byte serials), lowercased as stored.
pub fn serial(call: &Call) -> Result<String, AppError> {
    let serial = call.param("serial").to_owned();
    if serial.len() == 32 && serial.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        Ok(serial.to_ascii_lowercase())
    } else {
        Err(AppError::unknown_certificate())
    }
}
