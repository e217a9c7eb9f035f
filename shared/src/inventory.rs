//! The account's certificate inventory, without the I/O: a certificate's [`CertificateState`] from the facts
//! stored about it and the instant ([`state`]), who picked it up ([`PickupKind`]), the expiry filters
//! ([`ExpiringWithin`]), the sync endpoint's entity tag ([`entity_tag`], [`if_none_match`]) and the CSV writer of
//! the export ([`csv_field`], [`csv_document`]), which neutralizes spreadsheet formulas.
//!
//! Renewal and reissue are not built yet: nothing sets a certificate's `replaced_by` today, so no certificate is
//! [`CertificateState::Superseded`] unless it was revoked for `superseded`. The state is ready for them: a
//! certificate that another one replaced is superseded from the moment the replacement exists.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::hex;
use crate::revocation::RevocationReason;

/// Where a certificate stands in the inventory. One state at a time, by precedence: revoked, superseded, expired,
/// installed, downloaded, issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateState {
    /// Issued and valid; nobody has confirmed picking it up.
    Issued,
    /// Picked up: the recipient confirmed saving the bundle, or an API key of the account fetched it.
    Downloaded,
    /// Recorded as in use by a test enrollment (nothing records this yet).
    Installed,
    /// Replaced by another certificate, or revoked for `superseded`.
    Superseded,
    /// Revoked, for any reason but `superseded`.
    Revoked,
    /// Past its end of validity.
    Expired,
}

impl CertificateState {
    /// Every state.
    pub const ALL: [Self; 6] =
        [Self::Issued, Self::Downloaded, Self::Installed, Self::Superseded, Self::Revoked, Self::Expired];

    /// The wire and CSV form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Downloaded => "downloaded",
            Self::Installed => "installed",
            Self::Superseded => "superseded",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// What the inventory knows about a certificate, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// End of validity, Unix seconds (the certificate is valid through this second).
    pub not_after: i64,
    /// Why it was revoked, if it was.
    pub revocation_reason: Option<RevocationReason>,
    /// Whether another certificate replaced it (renewal or reissue, once they exist).
    pub replaced: bool,
    /// Whether it was installed, as a test enrollment records it (`installations`, migration 0027).
    pub installed: bool,
    /// Whether it was picked up at least once ([`PickupKind`]).
    pub picked_up: bool,
}

/// The certificate's state at `now`. A revocation says the most (for `superseded`, that it was replaced), then a
/// replacement, then the end of validity; a valid certificate is installed, downloaded or only issued.
pub fn state(facts: &Facts, now: i64) -> CertificateState {
    match facts.revocation_reason {
        Some(RevocationReason::Superseded) => CertificateState::Superseded,
        Some(_) => CertificateState::Revoked,
        None if facts.replaced => CertificateState::Superseded,
        None if now > facts.not_after => CertificateState::Expired,
        None if facts.installed => CertificateState::Installed,
        None if facts.picked_up => CertificateState::Downloaded,
        None => CertificateState::Issued,
    }
}

/// How a certificate was picked up (the `pickups.kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PickupKind {
    /// The recipient confirmed, on the enrollment page, that the bundle was saved.
    RecipientConfirmed,
    /// An API key of the ordering account fetched it (a download or the sync endpoint).
    ApiKey,
}

impl PickupKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::RecipientConfirmed, Self::ApiKey];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecipientConfirmed => "recipient_confirmed",
            Self::ApiKey => "api_key",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// The inventory's expiry filters: certificates still valid that end within 7, 30 or 90 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ExpiringWithin {
    /// Within 7 days.
    #[serde(rename = "7")]
    Days7,
    /// Within 30 days.
    #[serde(rename = "30")]
    Days30,
    /// Within 90 days.
    #[serde(rename = "90")]
    Days90,
}

impl ExpiringWithin {
    /// Every filter, shortest first.
    pub const ALL: [Self; 3] = [Self::Days7, Self::Days30, Self::Days90];

    /// The number of days.
    pub fn days(self) -> i64 {
        match self {
            Self::Days7 => 7,
            Self::Days30 => 30,
            Self::Days90 => 90,
        }
    }

    /// The query-string form (`7`, `30`, `90`).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|filter| filter.days().to_string() == text.trim())
    }

    /// The `not_after` range it keeps at `now`, both ends included: not expired yet, ending within the days.
    pub fn window(self, now: i64) -> (i64, i64) {
        (now, now + self.days() * 86_400)
    }
}

/// The sync endpoint's strong entity tag (RFC 9110 8.8.3), quoted: the SHA-256 of the certificate's and the
/// chain's DER, each preceded by its length so no two different lists hash alike, and the representation
/// (`pem`, `json`), since a strong tag names the exact bytes sent.
pub fn entity_tag(certificate: &[u8], chain: &[&[u8]], representation: &str) -> String {
    let mut digest = Sha256::new();
    for part in std::iter::once(certificate).chain(chain.iter().copied()) {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    format!("\"{}-{representation}\"", hex(&digest.finalize()))
}

/// Whether an `If-None-Match` header value matches `tag` (RFC 9110 13.1.2: `*`, or a list of tags compared
/// weakly, so `W/"x"` matches `"x"`).
pub fn if_none_match(header: &str, tag: &str) -> bool {
    let header = header.trim();
    if header == "*" {
        return true;
    }
    header.split(',').map(str::trim).any(|candidate| candidate.strip_prefix("W/").unwrap_or(candidate) == tag)
}

/// One CSV field (RFC 4180), safe to open in a spreadsheet: a value that a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's CSV injection list) gets a leading `'`,
/// and a field holding a quote, a comma, a line break or that mark is quoted, its quotes doubled.
pub fn csv_field(value: &str) -> String {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula || value.contains(['"', ',', '\n', '\r']) {
        let mark = if formula { "'" } else { "" };
        format!("\"{mark}{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// A CSV document: the header line, then one line per row, each ended by CRLF (RFC 4180).
pub fn csv_document(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut document = String::new();
    let mut line = |fields: &mut dyn Iterator<Item = String>| {
        let fields: Vec<String> = fields.map(|field| csv_field(&field)).collect();
        document.push_str(&fields.join(","));
        document.push_str("\r\n");
    };
    line(&mut header.iter().map(|name| (*name).to_owned()));
    for row in rows {
        line(&mut row.into_iter());
    }
    document
}

#[cfg(test)]
mod tests;
