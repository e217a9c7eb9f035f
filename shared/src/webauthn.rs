//! Passkeys (WebAuthn Level 3): the registration and authentication ceremonies verified, without I/O. The Worker
//! issues a [`Challenge`], the browser's authenticator answers, and [`verify_registration`] or
//! [`verify_authentication`] say whether the answer is one this relying party accepts (WebAuthn 7.1 and 7.2):
//!
//! - `clientDataJSON`: its `type` (`webauthn.create` or `webauthn.get`), its `challenge` equal to the one issued,
//!   its `origin` equal to the app's ([`RelyingParty::origin`], from `KEYWARD_APP_URL`), no cross-origin call.
//! - authenticator data: `rpIdHash` is SHA-256 of the RP ID (the app URL's host), the user-present flag is set
//!   (user verification is noted, not required: Keyward asks the passkey after the password), and at
//!   registration the attested credential data (the credential id, its COSE public key: ES256 or RS256).
//! - attestation: `none`, or `packed` self-attestation (signed by the credential's own key, verified); attestation
//!   with a certificate chain is refused (`webauthn_attestation_unsupported`): Keyward trusts no authenticator
//!   vendor, so a chain would prove nothing it uses.
//! - authentication: the signature over `authenticatorData || SHA-256(clientDataJSON)` with the stored key, and
//!   the signature counter: when either the stored or the new one is not zero, the new one must be greater, or the
//!   authenticator may have been cloned (`webauthn_counter_regressed`).
//!
//! Each refusal is a [`WebauthnError`] with a stable code and the field it is about. The challenge is stateless
//! (`webauthn/challenge.rs`, as `revocation/challenge.rs`): the Worker spends it in the batch that uses it.

pub mod cbor;
pub mod challenge;
pub mod cose;
#[cfg(test)]
mod tests;

use core::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use challenge::{Ceremony, Challenge, ChallengeKey};
pub use cose::CoseKey;

use crate::encoding::base64url_decode;

/// The longest credential id accepted (WebAuthn 5.8.3: at most 1023 bytes).
pub const MAX_CREDENTIAL_ID_BYTES: usize = 1023;

/// The longest `clientDataJSON` read (a browser's is a few hundred bytes).
pub const MAX_CLIENT_DATA_BYTES: usize = 4096;

/// Authenticator data flag: user present.
const FLAG_UP: u8 = 0x01;
/// Authenticator data flag: user verified.
const FLAG_UV: u8 = 0x04;
/// Authenticator data flag: backup eligible.
const FLAG_BE: u8 = 0x08;
/// Authenticator data flag: backed up.
const FLAG_BS: u8 = 0x10;
/// Authenticator data flag: attested credential data included.
const FLAG_AT: u8 = 0x40;
/// Authenticator data flag: extension data included.
const FLAG_ED: u8 = 0x80;

/// The relying party as the browser sees it: the app's origin and its RP ID (the origin's host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    /// `scheme://host[:port]`, as `clientDataJSON.origin` states it.
    pub origin: String,
    /// The host, whose SHA-256 the authenticator data starts with.
    pub id: String,
}

impl RelyingParty {
    /// The relying party of the app at `app_url` (`KEYWARD_APP_URL`): its origin (scheme, host, port; the path
    /// dropped) and its host as the RP ID. `None` for a URL that is not `http(s)://host[:port][/...]` or whose
    /// host is an IPv6 literal.
    pub fn from_app_url(app_url: &str) -> Option<Self> {
        let (scheme, rest) = app_url.split_once("://")?;
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next()?;
        if authority.is_empty() || authority.contains(['@', '[']) {
            return None;
        }
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()) => host,
            Some(_) => return None,
            None => authority,
        };
        if host.is_empty() {
            return None;
        }
        let host = host.to_ascii_lowercase();
        let authority = authority.to_ascii_lowercase();
        Some(Self { origin: format!("{scheme}://{authority}"), id: host })
    }

    fn id_hash(&self) -> [u8; 32] {
        Sha256::digest(self.id.as_bytes()).into()
    }
}

/// Why a ceremony's answer is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebauthnError {
    /// A field that must be base64url is not.
    EncodingInvalid {
        /// The request field.
        field: &'static str,
    },
    /// `clientDataJSON` is not the JSON object WebAuthn describes (or is too long).
    ClientDataInvalid,
    /// `clientDataJSON.type` is not the ceremony's.
    TypeMismatch,
    /// `clientDataJSON.challenge` is not the challenge issued.
    ChallengeMismatch,
    /// `clientDataJSON.origin` is not the app's origin.
    OriginMismatch,
    /// The ceremony ran in a cross-origin frame (`crossOrigin: true` or a `topOrigin`).
    CrossOrigin,
    /// The attestation object is not the CBOR map WebAuthn describes.
    AttestationInvalid,
    /// An attestation statement format other than `none` and `packed` self-attestation.
    AttestationUnsupported,
    /// A `packed` self-attestation whose signature or algorithm does not match the credential.
    AttestationSignatureInvalid,
    /// The authenticator data is shorter than its fields or inconsistent with its flags.
    AuthenticatorDataInvalid,
    /// `rpIdHash` is not SHA-256 of this relying party's id.
    RpIdMismatch,
    /// The user-present flag is not set.
    UserNotPresent,
    /// A registration without attested credential data.
    CredentialDataMissing,
    /// The credential id is empty, over 1023 bytes, or not the one the response names.
    CredentialIdInvalid,
    /// The credential's key is not ES256 on P-256 or RS256.
    KeyUnsupported,
    /// The credential's key is malformed or too weak.
    KeyInvalid,
    /// The assertion's signature does not verify with the stored key.
    SignatureInvalid,
    /// The signature counter did not increase though the authenticator keeps one: a possible clone.
    CounterRegressed {
        /// The counter stored.
        stored: u32,
        /// The counter received.
        received: u32,
    },
}

impl WebauthnError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EncodingInvalid { .. } => "webauthn_encoding_invalid",
            Self::ClientDataInvalid => "webauthn_client_data_invalid",
            Self::TypeMismatch => "webauthn_type_mismatch",
            Self::ChallengeMismatch => "webauthn_challenge_mismatch",
            Self::OriginMismatch => "webauthn_origin_mismatch",
            Self::CrossOrigin => "webauthn_cross_origin",
            Self::AttestationInvalid => "webauthn_attestation_invalid",
            Self::AttestationUnsupported => "webauthn_attestation_unsupported",
            Self::AttestationSignatureInvalid => "webauthn_attestation_signature_invalid",
            Self::AuthenticatorDataInvalid => "webauthn_authenticator_data_invalid",
            Self::RpIdMismatch => "webauthn_rp_id_mismatch",
            Self::UserNotPresent => "webauthn_user_not_present",
            Self::CredentialDataMissing => "webauthn_credential_data_missing",
            Self::CredentialIdInvalid => "webauthn_credential_id_invalid",
            Self::KeyUnsupported => "webauthn_key_unsupported",
            Self::KeyInvalid => "webauthn_key_invalid",
            Self::SignatureInvalid => "webauthn_signature_invalid",
            Self::CounterRegressed { .. } => "webauthn_counter_regressed",
        }
    }

    /// The request field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::EncodingInvalid { field } => field,
            Self::ClientDataInvalid => "client_data_json",
            Self::TypeMismatch => "client_data_json.type",
            Self::ChallengeMismatch => "client_data_json.challenge",
            Self::OriginMismatch => "client_data_json.origin",
            Self::CrossOrigin => "client_data_json.crossOrigin",
            Self::AttestationInvalid | Self::AttestationSignatureInvalid => "attestation_object",
            Self::AttestationUnsupported => "attestation_object.fmt",
            Self::AuthenticatorDataInvalid | Self::CredentialDataMissing => "authenticator_data",
            Self::RpIdMismatch => "authenticator_data.rp_id_hash",
            Self::UserNotPresent => "authenticator_data.flags",
            Self::CredentialIdInvalid => "credential_id",
            Self::KeyUnsupported | Self::KeyInvalid => "authenticator_data.credential_public_key",
            Self::SignatureInvalid => "signature",
            Self::CounterRegressed { .. } => "authenticator_data.sign_count",
        }
    }
}

impl fmt::Display for WebauthnError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EncodingInvalid { field } => write!(formatter, "{field} must be unpadded base64url."),
            Self::ClientDataInvalid => formatter.write_str("The client data is not the JSON a browser sends."),
            Self::TypeMismatch => formatter.write_str("The client data is for another ceremony."),
            Self::ChallengeMismatch => formatter.write_str("The client data answers another challenge."),
            Self::OriginMismatch => formatter.write_str("The passkey was used on another site than Keyward's."),
            Self::CrossOrigin => formatter.write_str("The passkey was used inside another site's frame."),
            Self::AttestationInvalid => formatter.write_str("The attestation object is not well formed."),
            Self::AttestationUnsupported => formatter.write_str(
                "This authenticator's attestation format is not accepted: ask for no attestation (\"none\").",
            ),
            Self::AttestationSignatureInvalid => {
                formatter.write_str("The authenticator's self-attestation does not verify.")
            }
            Self::AuthenticatorDataInvalid => formatter.write_str("The authenticator data is not well formed."),
            Self::RpIdMismatch => formatter.write_str("The passkey belongs to another site (its RP ID differs)."),
            Self::UserNotPresent => formatter.write_str("The authenticator did not confirm that you were present."),
            Self::CredentialDataMissing => formatter.write_str("The authenticator sent no new credential."),
            Self::CredentialIdInvalid => formatter.write_str("The credential id is empty, too long or inconsistent."),
            Self::KeyUnsupported => {
                formatter.write_str("The passkey's key type is not accepted (ES256 on P-256 or RS256 only).")
            }
            Self::KeyInvalid => formatter.write_str("The passkey's public key is malformed or too weak."),
            Self::SignatureInvalid => formatter.write_str("The passkey's signature does not verify."),
            Self::CounterRegressed { stored, received } => write!(
                formatter,
                "The passkey's signature counter went from {stored} to {received}: the authenticator may have been \
                 copied, so this login is refused."
            ),
        }
    }
}

/// `clientDataJSON`'s members that verification reads (WebAuthn 5.8.1).
#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
    #[serde(rename = "topOrigin", default)]
    top_origin: Option<String>,
}

/// Checks `clientDataJSON` (WebAuthn 7.1 steps 7 to 10, 7.2 steps 11 to 14) for the ceremony `kind`.
fn check_client_data(
    relying_party: &RelyingParty,
    client_data_json: &[u8],
    kind: &str,
    expected_challenge: &[u8],
) -> Result<(), WebauthnError> {
    if client_data_json.len() > MAX_CLIENT_DATA_BYTES {
        return Err(WebauthnError::ClientDataInvalid);
    }
    let client_data: ClientData =
        serde_json::from_slice(client_data_json).map_err(|_| WebauthnError::ClientDataInvalid)?;
    if client_data.kind != kind {
        return Err(WebauthnError::TypeMismatch);
    }
    let challenge = base64url_decode(&client_data.challenge).ok_or(WebauthnError::ChallengeMismatch)?;
    if challenge != expected_challenge {
        return Err(WebauthnError::ChallengeMismatch);
    }
    if client_data.origin != relying_party.origin {
        return Err(WebauthnError::OriginMismatch);
    }
    if client_data.cross_origin == Some(true) || client_data.top_origin.is_some() {
        return Err(WebauthnError::CrossOrigin);
    }
    Ok(())
}

/// Authenticator data (WebAuthn 6.1), read.
struct AuthenticatorData<'a> {
    rp_id_hash: &'a [u8],
    flags: u8,
    sign_count: u32,
    /// At registration: the credential id and its COSE key's bytes.
    attested: Option<(&'a [u8], &'a [u8])>,
}

fn parse_authenticator_data(bytes: &[u8]) -> Result<AuthenticatorData<'_>, WebauthnError> {
    let invalid = WebauthnError::AuthenticatorDataInvalid;
    if bytes.len() < 37 {
        return Err(invalid);
    }
    let (rp_id_hash, flags) = (&bytes[..32], bytes[32]);
    let sign_count = u32::from_be_bytes([bytes[33], bytes[34], bytes[35], bytes[36]]);
    let mut rest = &bytes[37..];
    let attested = if flags & FLAG_AT != 0 {
        // AAGUID (16 bytes), the id's length (2 bytes), the id, the COSE key.
        if rest.len() < 18 {
            return Err(invalid);
        }
        let id_length = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
        rest = &rest[18..];
        if id_length == 0 || id_length > MAX_CREDENTIAL_ID_BYTES {
            return Err(WebauthnError::CredentialIdInvalid);
        }
        if rest.len() < id_length {
            return Err(invalid);
        }
        let (id, after_id) = rest.split_at(id_length);
        let (_, key_length) = cbor::decode_prefix(after_id).map_err(|_| WebauthnError::KeyInvalid)?;
        let (key, after_key) = after_id.split_at(key_length);
        rest = after_key;
        Some((id, key))
    } else {
        None
    };
    if flags & FLAG_ED != 0 {
        let (extensions, used) = cbor::decode_prefix(rest).map_err(|_| invalid)?;
        if !matches!(extensions, cbor::Value::Map(_)) {
            return Err(invalid);
        }
        rest = &rest[used..];
    }
    if !rest.is_empty() {
        return Err(invalid);
    }
    // Backed up without being backup eligible is a contradiction (WebAuthn 6.1.3).
    if flags & FLAG_BS != 0 && flags & FLAG_BE == 0 {
        return Err(invalid);
    }
    Ok(AuthenticatorData { rp_id_hash, flags, sign_count, attested })
}

fn check_authenticator_data(relying_party: &RelyingParty, data: &AuthenticatorData<'_>) -> Result<(), WebauthnError> {
    if data.rp_id_hash != relying_party.id_hash() {
        return Err(WebauthnError::RpIdMismatch);
    }
    if data.flags & FLAG_UP == 0 {
        return Err(WebauthnError::UserNotPresent);
    }
    Ok(())
}

/// What a browser returns from `navigator.credentials.create`, decoded from base64url.
#[derive(Clone, Debug)]
pub struct RegistrationResponse<'a> {
    /// `rawId`.
    pub credential_id: &'a [u8],
    /// `response.clientDataJSON`.
    pub client_data_json: &'a [u8],
    /// `response.attestationObject`.
    pub attestation_object: &'a [u8],
}

/// A credential a registration verified: what the Worker stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCredential {
    /// The credential id.
    pub id: Vec<u8>,
    /// The COSE public key, as the authenticator sent it (parsed again at each login by [`CoseKey::from_cbor`]).
    pub public_key_cose: Vec<u8>,
    /// Its COSE algorithm (`-7` or `-257`).
    pub algorithm: i64,
    /// The signature counter at registration.
    pub sign_count: u32,
    /// Whether the user was verified (PIN, biometrics) at registration.
    pub user_verified: bool,
    /// The attestation format accepted (`none` or `packed`).
    pub attestation_format: &'static str,
}

/// Verifies a registration (WebAuthn 7.1) for `relying_party` against the challenge issued.
pub fn verify_registration(
    relying_party: &RelyingParty,
    expected_challenge: &[u8],
    response: &RegistrationResponse<'_>,
) -> Result<NewCredential, WebauthnError> {
    check_client_data(relying_party, response.client_data_json, "webauthn.create", expected_challenge)?;
    let attestation = cbor::decode(response.attestation_object).map_err(|_| WebauthnError::AttestationInvalid)?;
    let format = attestation.get_text("fmt").and_then(cbor::Value::text).ok_or(WebauthnError::AttestationInvalid)?;
    let statement = attestation.get_text("attStmt").ok_or(WebauthnError::AttestationInvalid)?;
    let auth_data_bytes =
        attestation.get_text("authData").and_then(cbor::Value::bytes).ok_or(WebauthnError::AttestationInvalid)?;
    if !matches!(statement, cbor::Value::Map(_)) {
        return Err(WebauthnError::AttestationInvalid);
    }
    let data = parse_authenticator_data(auth_data_bytes)?;
    check_authenticator_data(relying_party, &data)?;
    let (id, key_bytes) = data.attested.ok_or(WebauthnError::CredentialDataMissing)?;
    if id != response.credential_id {
        return Err(WebauthnError::CredentialIdInvalid);
    }
    let key = CoseKey::from_cbor(key_bytes).map_err(|error| match error {
        cose::CoseError::Unsupported => WebauthnError::KeyUnsupported,
        cose::CoseError::Malformed | cose::CoseError::WeakRsa => WebauthnError::KeyInvalid,
    })?;
    let attestation_format = match format {
        "none" => {
            if statement != &cbor::Value::Map(Vec::new()) {
                return Err(WebauthnError::AttestationInvalid);
            }
            "none"
        }
        "packed" => {
            check_packed_self_attestation(statement, &key, auth_data_bytes, response.client_data_json)?;
            "packed"
        }
        _ => return Err(WebauthnError::AttestationUnsupported),
    };
    Ok(NewCredential {
        id: id.to_vec(),
        public_key_cose: key_bytes.to_vec(),
        algorithm: key.algorithm(),
        sign_count: data.sign_count,
        user_verified: data.flags & FLAG_UV != 0,
        attestation_format,
    })
}

/// `packed` self-attestation (WebAuthn 8.2): `{alg, sig}` without `x5c`, `alg` the credential's, `sig` by the
/// credential's key over `authData || SHA-256(clientDataJSON)`. With `x5c` (a vendor's certificate): refused.
fn check_packed_self_attestation(
    statement: &cbor::Value<'_>,
    key: &CoseKey,
    auth_data: &[u8],
    client_data_json: &[u8],
) -> Result<(), WebauthnError> {
    if statement.get_text("x5c").is_some() {
        return Err(WebauthnError::AttestationUnsupported);
    }
    let algorithm =
        statement.get_text("alg").and_then(cbor::Value::integer).ok_or(WebauthnError::AttestationInvalid)?;
    let signature = statement.get_text("sig").and_then(cbor::Value::bytes).ok_or(WebauthnError::AttestationInvalid)?;
    if algorithm != key.algorithm() || !key.verify(&signed_message(auth_data, client_data_json), signature) {
        return Err(WebauthnError::AttestationSignatureInvalid);
    }
    Ok(())
}

/// What an authenticator signs: `authenticatorData || SHA-256(clientDataJSON)`.
fn signed_message(auth_data: &[u8], client_data_json: &[u8]) -> Vec<u8> {
    [auth_data, Sha256::digest(client_data_json).as_slice()].concat()
}

/// What a browser returns from `navigator.credentials.get`, decoded from base64url.
#[derive(Clone, Debug)]
pub struct AuthenticationResponse<'a> {
    /// `response.clientDataJSON`.
    pub client_data_json: &'a [u8],
    /// `response.authenticatorData`.
    pub authenticator_data: &'a [u8],
    /// `response.signature`.
    pub signature: &'a [u8],
}

/// A stored credential, as authentication reads it.
#[derive(Clone, Debug)]
pub struct StoredCredential<'a> {
    /// Its COSE public key.
    pub public_key_cose: &'a [u8],
    /// Its signature counter as last stored.
    pub sign_count: u32,
}

/// A verified assertion: the counter to store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// The signature counter to store.
    pub sign_count: u32,
    /// Whether the user was verified (PIN, biometrics).
    pub user_verified: bool,
}

/// Verifies an assertion (WebAuthn 7.2) with the stored credential, for `relying_party` and the challenge issued.
pub fn verify_authentication(
    relying_party: &RelyingParty,
    expected_challenge: &[u8],
    credential: &StoredCredential<'_>,
    response: &AuthenticationResponse<'_>,
) -> Result<Assertion, WebauthnError> {
    check_client_data(relying_party, response.client_data_json, "webauthn.get", expected_challenge)?;
    let data = parse_authenticator_data(response.authenticator_data)?;
    if data.attested.is_some() {
        return Err(WebauthnError::AuthenticatorDataInvalid);
    }
    check_authenticator_data(relying_party, &data)?;
    let key = CoseKey::from_cbor(credential.public_key_cose).map_err(|_| WebauthnError::KeyInvalid)?;
    if !key.verify(&signed_message(response.authenticator_data, response.client_data_json), response.signature) {
        return Err(WebauthnError::SignatureInvalid);
    }
    let sign_count = check_counter(credential.sign_count, data.sign_count)?;
    Ok(Assertion { sign_count, user_verified: data.flags & FLAG_UV != 0 })
}

/// The signature counter rule (WebAuthn 6.1.1): when the stored or the received counter is not zero, the received
/// one must be greater; two zeros are an authenticator without a counter. Returns the counter to store.
pub fn check_counter(stored: u32, received: u32) -> Result<u32, WebauthnError> {
    if (stored != 0 || received != 0) && received <= stored {
        return Err(WebauthnError::CounterRegressed { stored, received });
    }
    Ok(received)
}

/// Random bytes in a recovery code: 80 bits, beyond any guessing through the login's second step.
pub const RECOVERY_CODE_BYTES: usize = 10;

/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;

/// The alphabet recovery codes are written in: lowercase Crockford base32 (no `i`, `l`, `o`, `u`).
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A recovery code as shown: 80 random bits in 16 base32 characters, in four groups (`7k2m-q9xd-3fha-wp0e`).
pub fn recovery_code(random: [u8; RECOVERY_CODE_BYTES]) -> String {
    let mut bits: u128 = 0;
    for byte in random {
        bits = (bits << 8) | u128::from(byte);
    }
    let mut code = String::with_capacity(19);
    for index in 0..16 {
        if index > 0 && index % 4 == 0 {
            code.push('-');
        }
        let shift = 5 * (15 - index);
        // The index is five bits (masked), inside the 32-entry alphabet.
        code.push(char::from(RECOVERY_ALPHABET[((bits >> shift) & 0x1f) as usize]));
    }
    code
}

/// The stored form of a typed recovery code: SHA-256 (hex) of its 16 characters, lower-cased, dashes and spaces
/// dropped; `None` when what remains is not 16 characters of the alphabet.
pub fn recovery_code_hash(typed: &str) -> Option<String> {
    let normalized: String =
        typed.chars().filter(|character| !matches!(character, '-' | ' ')).map(|c| c.to_ascii_lowercase()).collect();
    if normalized.len() != 16 || !normalized.bytes().all(|byte| RECOVERY_ALPHABET.contains(&byte)) {
        return None;
    }
    Some(crate::encoding::hex(&Sha256::digest(normalized.as_bytes())))
}
