//! The development CA: an ECDSA P-384 root and an ECDSA P-256 issuing CA, made once and kept in the
//! git-ignored `edge/.dev.vars` (which `wrangler dev` reads as the Worker's secrets). Never in D1, never in git.

use base64ct::{Base64, Encoding};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType, DnValue, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::{Result, root};

/// Settings a current `.dev.vars` has; an older file without them is replaced (the development CA is
/// disposable). Format 2: the root CRL is valid 365 days, not 365 days and an hour.
const REQUIRED: &[&str] = &["CA_ROOT_CRL=", "# format: 2"];
/// Age after which the development CA is made again, before its root CRL (valid a year) runs out.
const MAXIMUM_AGE_SECONDS: i64 = 300 * 86_400;

/// Writes `edge/.dev.vars` with a new development CA unless a current one exists.
pub fn ensure() -> Result {
    let path = root().join("edge/.dev.vars");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let created = existing
            .lines()
            .find_map(|line| line.strip_prefix("# created-at: "))
            .and_then(|value| value.trim().parse::<i64>().ok())
            .unwrap_or(0);
        let current = OffsetDateTime::now_utc().unix_timestamp() - created < MAXIMUM_AGE_SECONDS;
        if current && REQUIRED.iter().all(|setting| existing.lines().any(|line| line.starts_with(setting))) {
            return Ok(());
        }
        eprintln!("replacing the outdated development CA in {}", path.display());
    }
    let ca = create().map_err(|error| format!("creating the development CA: {error}"))?;
    let contents = format!(
        "# Written by `cargo xtask dev`: the development CA and settings. Git-ignored; delete it to make a new CA.\n\
         # format: 2\n\
         # created-at: {}\n\
         KEYWARD_ENV=development\n\
         CA_ROOT_CERT={}\n\
         CA_ROOT_CRL={}\n\
         CA_ISSUING_CERT={}\n\
         CA_ISSUING_KEY={}\n",
        OffsetDateTime::now_utc().unix_timestamp(),
        Base64::encode_string(&ca.root_certificate),
        Base64::encode_string(&ca.root_crl),
        Base64::encode_string(&ca.issuing_certificate),
        Base64::encode_string(&ca.issuing_key),
    );
    std::fs::write(&path, contents).map_err(|error| format!("writing {}: {error}", path.display()))?;
    eprintln!("created a development CA in {}", path.display());
    Ok(())
}

struct DevelopmentCa {
    root_certificate: Vec<u8>,
    /// The root's CRL, signed now with the root key (which is then dropped, as an offline root's would be
    /// locked away), valid a year (BR 4.9.7: at most twelve months for CA certificates' status).
    root_crl: Vec<u8>,
    issuing_certificate: Vec<u8>,
    issuing_key: Vec<u8>,
}

/// The root CRL's thisUpdate and nextUpdate: an hour back (clock skew), and 365 days after that, the most the
/// TLS and S/MIME BR allow an ARL (pkilint's `cabf.arl_invalid_validity_period`).
fn root_crl_window(now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let this_update = now - Duration::hours(1);
    (this_update, this_update + Duration::days(365))
}

fn create() -> std::result::Result<DevelopmentCa, rcgen::Error> {
    let now = OffsetDateTime::now_utc();
    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384)?;
    let root_params = ca_params("Keyward Development Root CA", BasicConstraints::Unconstrained, now, 20)?;
    let root_certificate = root_params.self_signed(&root_key)?;
    let (this_update, next_update) = root_crl_window(now);
    let root_crl = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from_slice(&[1]),
        issuing_distribution_point: None,
        revoked_certs: Vec::new(),
        key_identifier_method: root_params.key_identifier_method.clone(),
    };
    let root = Issuer::new(root_params, root_key);
    let root_crl = root_crl.signed_by(&root)?.der().to_vec();

    let issuing_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut issuing_params = ca_params("Keyward Development Issuing CA", BasicConstraints::Constrained(0), now, 10)?;
    issuing_params.use_authority_key_identifier_extension = true;
    let issuing_certificate = issuing_params.signed_by(&issuing_key, &root)?;
    Ok(DevelopmentCa {
        root_certificate: root_certificate.der().to_vec(),
        root_crl,
        issuing_certificate: issuing_certificate.der().to_vec(),
        issuing_key: issuing_key.serialize_der(),
    })
}

fn ca_params(
    common_name: &str,
    constraints: BasicConstraints,
    now: OffsetDateTime,
    years: i64,
) -> std::result::Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, DnValue::PrintableString("GB".try_into()?));
    name.push(DnType::OrganizationName, DnValue::Utf8String("Keyward Development".into()));
    name.push(DnType::CommonName, DnValue::Utf8String(common_name.into()));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(constraints);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365 * years);
    let mut serial = [0u8; 16];
    getrandom(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x40;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    Ok(params)
}

/// Random bytes from the operating system.
pub fn getrandom(bytes: &mut [u8]) {
    use std::io::Read;
    // /dev/urandom exists on every machine this project supports (Linux); failing to read it is fatal.
    std::fs::File::open("/dev/urandom").and_then(|mut file| file.read_exact(bytes)).expect("reading /dev/urandom");
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_root_crl_is_valid_at_most_365_days() {
        let now = time::OffsetDateTime::now_utc();
        let (this_update, next_update) = super::root_crl_window(now);
        assert!(this_update <= now);
        assert!(next_update - this_update <= time::Duration::days(365));
    }
}
