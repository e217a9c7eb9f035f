//! Validations of organizations, domains and mailboxes: their rules, their one state machine, and the pieces
//! each method needs (constructed addresses, the DNS TXT record, the emailed verification code, the recorded
//! verification call, phone numbers). Time is an argument; random bytes are drawn by the caller.
//!
//! # The state machine
//!
//! A [`Validation`] row is the same for the three kinds ([`ValidationKind`]); only how long a success lasts
//! differs:
//!
//! ```text
//!   new(kind, now) ──▶ Pending ──complete(now)──▶ Validated ──(reuse period ends)──▶ ValidationExpired
//!                        │                                                              │
//!                        └──(24 h pass)──▶ RandomValueExpired ──renew(now)──▶ Pending ◀─┘ renew(now)
//! ```
//!
//! [`Validation::status`] says where a row stands at `now`; [`Validation::complete`] and
//! [`Validation::renew`] return the row to write, its `version` one more than the one read (the edge writes
//! `UPDATE ... SET version = ?new WHERE id = ? AND version = ?read` in the batch with the audit record, so a
//! concurrent writer's batch fails whole).
//!
//! # How the edge uses it
//!
//! - **Organization, by code** ([`VerificationCode`]): draw 5 random bytes and a salt, email the code, store
//!   [`VerificationCode::hash_hex`] and the salt with a new [`Validation`] and [`CodeAttempts::default`]. On
//!   entry: `status(now)` must be `Pending`, then [`check_code`]; `Correct` → `complete(now)`; `Wrong` or
//!   `Locked` → store the new attempts (a locked code needs [`Validation::renew`] and a new code). A completed
//!   code only confirms that a contact speaks for the organization: it validates nothing. The organization is
//!   validated only by the CA's staff (`crate::vetting`).
//! - **Domain, by constructed email** ([`DomainMethod::ConstructedEmail`]): email a link (a
//!   [`crate::link::Token`], 256 bits, stored hashed) to each of [`constructed_addresses`]; the link's POST
//!   calls `complete(now)`.
//! - **Domain, by DNS** ([`DomainMethod::DnsTxt`]): draw a [`RandomValue`], show [`dns_record_name`] and
//!   [`dns_record_value`]; when asked to check, query TXT at the name over DNS-over-HTTPS and call
//!   [`txt_record_matches`], then `complete(now)`.
//! - **Mailbox**: email a 24-hour link to the address itself; its POST calls `complete(now)`.
//!
//! A resend is [`Validation::renew`] plus a fresh random value (the old one stops working because only the
//! new hash is stored).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::address::{Domain, EmailAddress};
use crate::encoding::{base64url_encode, hex};

/// Seconds in a day.
pub const DAY_SECONDS: i64 = 86_400;

/// How long a validated organization may be relied on, in days (S/MIME BR 3.2.3 and 4.2.1: 825 days for
/// organization identity).
pub const ORGANIZATION_REUSE_DAYS: i64 = 825;

/// How long a validated domain may be relied on, in days (TLS BR 4.2.1 and S/MIME BR 3.2.2.1: 398 days).
pub const DOMAIN_REUSE_DAYS: i64 = 398;

/// How long a mailbox validated by its emailed link may be relied on, in days: 30. S/MIME BR 4.2.1 (1): control of
/// a mailbox confirmed by a Random Value sent to it (3.2.2.2) SHALL be obtained no more than 30 days before
/// issuance; the 398 days there are for control of the mail domain (3.2.2.1). The issuance pipeline checks it at
/// the moment of issuance, so an enrollment link opened weeks after the order needs a fresh mailbox validation.
pub const MAILBOX_REUSE_DAYS: i64 = 30;

/// How long an emailed link, an emailed code or a DNS TXT random value stays usable, in seconds: 24 hours
/// (S/MIME BR 3.2.2.1 and 3.2.2.2; TLS BR 3.2.2.4 allows 30 days, Keyward uses the shorter everywhere).
pub const RANDOM_VALUE_LIFETIME_SECONDS: i64 = DAY_SECONDS;

/// How long the mailbox validation link stays usable, in seconds: 24 hours (S/MIME BR 3.2.2.2).
pub const MAILBOX_LINK_LIFETIME_SECONDS: i64 = DAY_SECONDS;

/// Random bytes in a [`RandomValue`]: 128 bits, above the 112 TLS BR 1.6.1 requires.
pub const RANDOM_VALUE_BYTES: usize = 16;

/// What is validated; decides how long a success lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValidationKind {
    /// An organization's identity.
    Organization,
    /// Control of a domain.
    Domain,
    /// Control of one mailbox.
    Mailbox,
}

impl ValidationKind {
    /// How long a success lasts, in days.
    pub fn reuse_days(self) -> i64 {
        match self {
            Self::Organization => ORGANIZATION_REUSE_DAYS,
            Self::Domain => DOMAIN_REUSE_DAYS,
            Self::Mailbox => MAILBOX_REUSE_DAYS,
        }
    }

    /// The identifier as stored and sent (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Domain => "domain",
            Self::Mailbox => "mailbox",
        }
    }
}

/// How control of a domain is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DomainMethod {
    /// A link emailed to the constructed addresses (TLS BR 3.2.2.4.4, S/MIME BR 3.2.2.1).
    ConstructedEmail,
    /// A random value published in a DNS TXT record (TLS BR 3.2.2.4.7).
    DnsTxt,
}

impl DomainMethod {
    /// The identifier as stored and sent (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConstructedEmail => "constructed_email",
            Self::DnsTxt => "dns_txt",
        }
    }
}

/// The local parts of the constructed addresses, TLS BR 3.2.2.4.4, in the order the page lists them.
pub const CONSTRUCTED_LOCAL_PARTS: [&str; 5] = ["admin", "administrator", "webmaster", "hostmaster", "postmaster"];

/// The five addresses a domain validation email goes to: admin@, administrator@, webmaster@, hostmaster@ and
/// postmaster@ the domain.
pub fn constructed_addresses(domain: &Domain) -> Vec<EmailAddress> {
    CONSTRUCTED_LOCAL_PARTS.iter().filter_map(|local| EmailAddress::parse(&format!("{local}@{domain}")).ok()).collect()
}

/// The label put before the domain for the DNS TXT method.
pub const DNS_RECORD_LABEL: &str = "_keyward-challenge";

/// The prefix of the TXT record's value.
pub const DNS_RECORD_PREFIX: &str = "keyward-domain-verification=";

/// Where the TXT record goes: `_keyward-challenge.<domain>` (an underscore label, TLS BR 3.2.2.4.7 allows
/// the Authorization Domain Name with such a prefix).
pub fn dns_record_name(domain: &Domain) -> String {
    format!("{DNS_RECORD_LABEL}.{domain}")
}

/// A random value for the DNS TXT method: 128 random bits drawn by the caller, base64url without padding (22
/// characters, safe in a TXT record). The value is published in public DNS, so it is not a secret; it is
/// stored as is with the validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomValue(String);

impl RandomValue {
    /// Encodes freshly drawn random bytes.
    pub fn from_random(random: [u8; RANDOM_VALUE_BYTES]) -> Self {
        Self(base64url_encode(&random))
    }

    /// A value read back from storage, as [`RandomValue::as_str`] gave it. `None` when it is not 22 base64url
    /// characters.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = crate::encoding::base64url_decode(text)?;
        (bytes.len() == RANDOM_VALUE_BYTES).then(|| Self(text.to_owned()))
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The TXT record's value: `keyward-domain-verification=<value>`.
pub fn dns_record_value(random_value: &RandomValue) -> String {
    format!("{DNS_RECORD_PREFIX}{}", random_value.as_str())
}

/// Whether one of the TXT records found (each as DNS-over-HTTPS returns it, the character-strings joined)
/// is exactly `expected` once surrounding spaces and double quotes are removed. Other records at the name
/// are allowed (a previous attempt's value, another service's). The comparison is exact: case and inner
/// spaces matter.
pub fn txt_record_matches(records: &[String], expected: &str) -> bool {
    records.iter().any(|record| record.trim().trim_matches('"').trim() == expected)
}

/// Where a validation stands at an instant. Instants are Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ValidationStatus {
    /// Waiting for the link, the code, the call or the DNS record; the random value works until `expires_at`.
    Pending {
        /// When the random value stops working.
        expires_at: i64,
    },
    /// Never completed, and the random value is too old: a resend ([`Validation::renew`]) is needed.
    RandomValueExpired {
        /// When the random value stopped working.
        expired_at: i64,
    },
    /// Done, and may be relied on until `reusable_until`.
    Validated {
        /// When it was completed.
        validated_at: i64,
        /// When the reuse period ends.
        reusable_until: i64,
    },
    /// Done once, but the reuse period has passed: a new validation is needed.
    ValidationExpired {
        /// When the reuse period ended.
        expired_at: i64,
    },
}

/// One validation of an organization, a domain or a mailbox, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Validation {
    /// What is validated.
    pub kind: ValidationKind,
    /// When the current random value was made (the validation started or was last renewed).
    pub created_at: i64,
    /// When the current random value stops working.
    pub expires_at: i64,
    /// When it was completed, if it was.
    pub validated_at: Option<i64>,
    /// Optimistic-concurrency version: every write stores the read value plus one.
    pub version: i64,
}

impl Validation {
    /// A new pending validation at `now`, its random value valid [`RANDOM_VALUE_LIFETIME_SECONDS`].
    pub fn new(kind: ValidationKind, now: i64) -> Self {
        Self { kind, created_at: now, expires_at: now + RANDOM_VALUE_LIFETIME_SECONDS, validated_at: None, version: 0 }
    }

    /// Where it stands at `now`. Completed wins over the random value's expiry; the reuse period ends at
    /// `validated_at + reuse_days` exactly.
    pub fn status(&self, now: i64) -> ValidationStatus {
        match self.validated_at {
            Some(validated_at) => {
                let reusable_until = validated_at + self.kind.reuse_days() * DAY_SECONDS;
                if now >= reusable_until {
                    ValidationStatus::ValidationExpired { expired_at: reusable_until }
                } else {
                    ValidationStatus::Validated { validated_at, reusable_until }
                }
            }
            None if now >= self.expires_at => ValidationStatus::RandomValueExpired { expired_at: self.expires_at },
            None => ValidationStatus::Pending { expires_at: self.expires_at },
        }
    }

    /// Whether it may be relied on at `now`; `Some(reusable_until)` when it may.
    pub fn reusable_until(&self, now: i64) -> Option<i64> {
        match self.status(now) {
            ValidationStatus::Validated { reusable_until, .. } => Some(reusable_until),
            _ => None,
        }
    }

    /// The transition `Pending → Validated` at `now` (the link was posted, the code was right, the record was
    /// found, the call was recorded).
    ///
    /// # Errors
    ///
    /// [`ValidationError::RandomValueExpired`], [`ValidationError::AlreadyValidated`] or
    /// [`ValidationError::ValidationExpired`], saying when.
    pub fn complete(&self, now: i64) -> Result<Validation, ValidationError> {
        match self.status(now) {
            ValidationStatus::Pending { .. } => {
                Ok(Validation { validated_at: Some(now), version: self.version + 1, ..*self })
            }
            ValidationStatus::RandomValueExpired { expired_at } => {
                Err(ValidationError::RandomValueExpired { expired_at })
            }
            ValidationStatus::Validated { validated_at, .. } => Err(ValidationError::AlreadyValidated { validated_at }),
            ValidationStatus::ValidationExpired { expired_at } => {
                Err(ValidationError::ValidationExpired { expired_at })
            }
        }
    }

    /// A resend at `now`: the row becomes pending again with a fresh 24-hour window; the caller draws the new
    /// random value (and resets the code attempts). A validation that may still be relied on is not renewed
    /// (that would make its organization or domain unusable until the new value is answered): revalidating
    /// ahead of expiry is a new row, [`Validation::new`], kept beside the old one until it completes.
    ///
    /// # Errors
    ///
    /// [`ValidationError::AlreadyValidated`] while validated and reusable.
    pub fn renew(&self, now: i64) -> Result<Validation, ValidationError> {
        if let ValidationStatus::Validated { validated_at, .. } = self.status(now) {
            return Err(ValidationError::AlreadyValidated { validated_at });
        }
        Ok(Validation { version: self.version + 1, ..Validation::new(self.kind, now) })
    }
}

/// Digits in a [`VerificationCode`].
pub const CODE_DIGITS: usize = 8;

/// Wrong entries after which a code is spent.
pub const CODE_MAXIMUM_ATTEMPTS: u32 = 5;

/// Random bytes a [`VerificationCode`] is made from.
pub const CODE_RANDOM_BYTES: usize = 5;

/// A verification code emailed to an organization's contact: 8 decimal digits, typed on the organization
/// page. Only [`VerificationCode::hash_hex`] is stored.
///
/// **Why 8 digits, 5 attempts and 24 hours are enough.** A guesser gets 5 tries at one of 10^8 equally likely
/// codes: a chance of 5 in 100 million per code. A new code needs a resend, which only a signed-in member of
/// the organization can ask for and which is rate-limited, so even a thousand resends leave odds of 1 in
/// 20,000, and each code dies after 24 hours anyway. A person types 8 digits easily (a link would be
/// simpler still, but the code proves the person reading the contact's mailbox is the one at the keyboard).
///
/// **What the hash does and does not do.** SHA-256 over a per-code salt and the digits keeps the code out of
/// the database, its backups and logs. It does not resist a brute force by someone who has stolen the row:
/// 10^8 hashes take about a second. What protects the code is its short life and the attempt limit; an edge
/// that wants more passes a Worker secret in front of the row's salt (`salt = secret ‖ row salt`), making
/// the stolen row useless without the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode(String);

impl VerificationCode {
    /// The code from 5 random bytes drawn by the caller: their value (0 to 2^40 - 1) reduced modulo 10^8.
    /// Reduction, not rejection sampling, so no second draw is ever needed: 2^40 = 10,995 · 10^8 +
    /// 11,627,776, so codes below 11,627,776 are 1/10,995 (0.009 %) more likely than the others, which
    /// changes a guesser's odds by that same negligible fraction.
    pub fn from_random(random: [u8; CODE_RANDOM_BYTES]) -> Self {
        let value = random.iter().fold(0u64, |value, byte| (value << 8) | u64::from(*byte));
        Self(format!("{:08}", value % 100_000_000))
    }

    /// Reads a code typed by a person: ASCII whitespace anywhere (a pasted line break included), dots and
    /// dashes are ignored (`1234 5678`, `1234-5678`).
    ///
    /// # Errors
    ///
    /// [`ValidationError::CodeMalformed`] unless exactly 8 digits remain.
    pub fn parse(entered: &str) -> Result<Self, ValidationError> {
        let ignored = |character: &char| character.is_ascii_whitespace() || matches!(character, '.' | '-');
        let digits: String = entered.chars().filter(|character| !ignored(character)).collect();
        if digits.len() != CODE_DIGITS || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(ValidationError::CodeMalformed);
        }
        Ok(Self(digits))
    }

    /// The code as it goes in the email: 8 digits, leading zeros kept.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What is stored: lowercase hex of SHA-256 over a domain separator, the salt, and the digits.
    pub fn hash_hex(&self, salt: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"keyward verification code v1\0");
        hasher.update(salt);
        hasher.update(self.0.as_bytes());
        hex(&hasher.finalize())
    }
}

impl core::fmt::Debug for VerificationCode {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str("VerificationCode(…)")
    }
}

/// Wrong entries of the current code, stored with the validation and reset by a resend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeAttempts {
    /// How many wrong codes were entered.
    pub wrong: u32,
}

impl CodeAttempts {
    /// Whether the code is spent.
    pub fn is_locked(self) -> bool {
        self.wrong >= CODE_MAXIMUM_ATTEMPTS
    }

    /// The transition for one more wrong entry: [`CodeCheck::Wrong`] with the attempts left, or
    /// [`CodeCheck::Locked`] at the fifth.
    pub fn record_wrong(self) -> CodeCheck {
        let attempts = CodeAttempts { wrong: self.wrong.saturating_add(1) };
        if attempts.is_locked() {
            CodeCheck::Locked { attempts }
        } else {
            CodeCheck::Wrong { attempts, remaining: CODE_MAXIMUM_ATTEMPTS - attempts.wrong }
        }
    }
}

/// What an entered code did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code is right: complete the validation.
    Correct,
    /// Wrong; store `attempts` (the page says how many tries are left).
    Wrong {
        /// The attempts to store.
        attempts: CodeAttempts,
        /// Tries left.
        remaining: u32,
    },
    /// Wrong for the fifth time: store `attempts`; the code is spent and a resend is needed.
    Locked {
        /// The attempts to store.
        attempts: CodeAttempts,
    },
}

/// Checks a typed code against the stored hash and salt, counting wrong entries. The caller has checked that
/// the validation is [`ValidationStatus::Pending`]. The hashes are compared in constant time.
///
/// # Errors
///
/// [`ValidationError::CodeLocked`] when the code was already spent by wrong entries (even if this entry is
/// right); [`ValidationError::CodeMalformed`] when the entry is not 8 digits (not counted as an attempt: it
/// reveals nothing).
pub fn check_code(
    entered: &str,
    salt: &[u8],
    stored_hash_hex: &str,
    attempts: CodeAttempts,
) -> Result<CodeCheck, ValidationError> {
    if attempts.is_locked() {
        return Err(ValidationError::CodeLocked);
    }
    let code = VerificationCode::parse(entered)?;
    if constant_time_equal(code.hash_hex(salt).as_bytes(), stored_hash_hex.as_bytes()) {
        Ok(CodeCheck::Correct)
    } else {
        Ok(attempts.record_wrong())
    }
}

/// Equality whose time does not depend on where the inputs differ (lengths are public).
fn constant_time_equal(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}

/// Fewest digits after the `+` of a [`Phone`].
pub const PHONE_MINIMUM_DIGITS: usize = 8;
/// Most digits after the `+` of a [`Phone`] (ITU-T E.164: 15).
pub const PHONE_MAXIMUM_DIGITS: usize = 15;

/// A telephone number in E.164 form after normalisation: `+`, a country code not starting with 0, 8 to 15
/// digits in all. Spaces, dots, dashes and parentheses people type between digits are removed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Normalises and checks a typed number (`+33 1 23 45 67 89` → `+33123456789`).
    ///
    /// # Errors
    ///
    /// The first [`PhoneError`] found.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let compact: String =
            input.chars().filter(|character| !matches!(character, ' ' | '.' | '-' | '(' | ')' | '\t')).collect();
        if compact.is_empty() {
            return Err(PhoneError::Empty);
        }
        let Some(digits) = compact.strip_prefix('+') else {
            return Err(PhoneError::NotInternational);
        };
        if let Some(character) = digits.chars().find(|character| !character.is_ascii_digit()) {
            return Err(PhoneError::Character { character });
        }
        if !(PHONE_MINIMUM_DIGITS..=PHONE_MAXIMUM_DIGITS).contains(&digits.len()) {
            return Err(PhoneError::Length { digits: digits.len() });
        }
        if digits.starts_with('0') {
            return Err(PhoneError::CountryCodeZero);
        }
        Ok(Self(compact))
    }

    /// The number, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> Self {
        phone.0
    }
}

/// Why a telephone number is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhoneError {
    /// Nothing was given.
    Empty,
    /// It does not start with `+` and a country code.
    NotInternational,
    /// A character other than a digit (after removing spaces, dots, dashes and parentheses).
    Character {
        /// The character.
        character: char,
    },
    /// Fewer than 8 or more than 15 digits.
    Length {
        /// How many digits were given.
        digits: usize,
    },
    /// The country code starts with 0 (a national trunk prefix typed after the `+`).
    CountryCodeZero,
}

impl PhoneError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "phone_empty",
            Self::NotInternational => "phone_not_international",
            Self::Character { .. } => "phone_character",
            Self::Length { .. } => "phone_length",
            Self::CountryCodeZero => "phone_country_code_zero",
        }
    }

    /// The request field.
    pub fn field(&self) -> &'static str {
        "phone"
    }
}

impl core::fmt::Display for PhoneError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => formatter.write_str("Give a telephone number, starting with + and the country code."),
            Self::NotInternational => formatter.write_str(
                "Give the number in international form: + and the country code, then the number without its \
                 leading 0 (+33 1 23 45 67 89, not 01 23 45 67 89).",
            ),
            Self::Character { character } => write!(
                formatter,
                "The number holds \u{201c}{character}\u{201d}: use digits only after the +, with spaces, dots or \
                 dashes between them if you like."
            ),
            Self::Length { digits } => write!(
                formatter,
                "The number has {digits} digits after the +; an international number has \
                 {PHONE_MINIMUM_DIGITS} to {PHONE_MAXIMUM_DIGITS}."
            ),
            Self::CountryCodeZero => formatter.write_str(
                "No country code starts with 0: after the +, give the country code, then the number without its \
                 leading 0.",
            ),
        }
    }
}

impl std::error::Error for PhoneError {}

/// Why a validation step is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// The link, code or DNS value is older than 24 hours: ask for a new one.
    RandomValueExpired {
        /// When it stopped working.
        expired_at: i64,
    },
    /// Completed already; nothing to do.
    AlreadyValidated {
        /// When.
        validated_at: i64,
    },
    /// Completed once, but its reuse period is over: a new validation is needed.
    ValidationExpired {
        /// When the reuse period ended.
        expired_at: i64,
    },
    /// The entered code is not 8 digits.
    CodeMalformed,
    /// Five wrong codes were entered: this code is spent.
    CodeLocked,
}

impl ValidationError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RandomValueExpired { .. } => "validation_random_value_expired",
            Self::AlreadyValidated { .. } => "validation_already_done",
            Self::ValidationExpired { .. } => "validation_expired",
            Self::CodeMalformed => "verification_code_malformed",
            Self::CodeLocked => "verification_code_locked",
        }
    }

    /// The request field at fault: `code` for the code errors, none for the state errors.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::CodeMalformed | Self::CodeLocked => Some("code"),
            _ => None,
        }
    }
}

impl core::fmt::Display for ValidationError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(match self {
            Self::RandomValueExpired { .. } => {
                "This validation link, code or DNS value is more than 24 hours old and no longer works. Ask for a \
                 new one from the order or organization page."
            }
            Self::AlreadyValidated { .. } => "This validation is already complete: nothing more is needed.",
            Self::ValidationExpired { .. } => {
                "This validation was completed but is too old to be relied on. Start a new validation."
            }
            Self::CodeMalformed => "The verification code has 8 digits: type it as it appears in the email.",
            Self::CodeLocked => {
                "Five wrong codes were entered, so this code no longer works. Ask for a new code to be sent."
            }
        })
    }
}

impl std::error::Error for ValidationError {}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_169_600; // 2026-12-02T00:00:00Z

    fn domain(text: &str) -> Domain {
        Domain::parse(text).expect(text)
    }

    #[test]
    fn constructed_addresses_and_dns_record() {
        let addresses: Vec<String> =
            constructed_addresses(&domain("Example.COM")).into_iter().map(String::from).collect();
        assert_eq!(
            addresses,
            [
                "admin@example.com",
                "administrator@example.com",
                "webmaster@example.com",
                "hostmaster@example.com",
                "postmaster@example.com"
            ]
        );
        assert_eq!(dns_record_name(&domain("sub.example.com")), "_keyward-challenge.sub.example.com");
        let value = RandomValue::from_random([0xab; RANDOM_VALUE_BYTES]);
        assert_eq!(value.as_str().len(), 22);
        assert_eq!(RandomValue::parse(value.as_str()), Some(value.clone()));
        assert_eq!(RandomValue::parse("short"), None);
        assert_eq!(dns_record_value(&value), format!("keyward-domain-verification={}", value.as_str()));
    }

    #[test]
    fn txt_records() {
        let expected = "keyward-domain-verification=q6urq6urq6urq6urq6urqw";
        let records = |values: &[&str]| values.iter().map(|value| (*value).to_owned()).collect::<Vec<_>>();
        for (found, matches) in [
            (records(&[expected]), true),
            (records(&[&format!("\"{expected}\"")]), true),
            (records(&[&format!("  \"{expected}\" ")]), true),
            (records(&["v=spf1 -all", "keyward-domain-verification=old", expected]), true),
            (records(&[]), false),
            (records(&["keyward-domain-verification=old"]), false),
            (records(&[&expected.to_uppercase()]), false),
            (records(&[&format!("{expected}x")]), false),
            (records(&[&format!("x{expected}")]), false),
            (records(&["keyward-domain-verification="]), false),
        ] {
            assert_eq!(txt_record_matches(&found, expected), matches, "{found:?}");
        }
    }

    /// The status of a validation of `kind` created at NOW (and completed at `validated_at`) at `at`.
    fn check(kind: ValidationKind, validated_at: Option<i64>, at: i64, expected: ValidationStatus) {
        let validation = Validation { validated_at, ..Validation::new(kind, NOW) };
        assert_eq!(validation.status(at), expected, "{kind:?} {validated_at:?} at {at}");
    }

    #[test]
    fn statuses_and_reuse_periods() {
        use ValidationStatus::*;
        let day = DAY_SECONDS;
        for kind in [ValidationKind::Organization, ValidationKind::Domain, ValidationKind::Mailbox] {
            check(kind, None, NOW, Pending { expires_at: NOW + day });
            check(kind, None, NOW + day - 1, Pending { expires_at: NOW + day });
            check(kind, None, NOW + day, RandomValueExpired { expired_at: NOW + day });
            // Completed in time: the random value's expiry no longer matters.
            check(
                kind,
                Some(NOW + 10),
                NOW + 2 * day,
                Validated { validated_at: NOW + 10, reusable_until: NOW + 10 + kind.reuse_days() * day },
            );
        }
        let until = |days: i64| NOW + days * day;
        check(
            ValidationKind::Organization,
            Some(NOW),
            until(825) - 1,
            Validated { validated_at: NOW, reusable_until: until(825) },
        );
        check(ValidationKind::Organization, Some(NOW), until(825), ValidationExpired { expired_at: until(825) });
        check(
            ValidationKind::Domain,
            Some(NOW),
            until(398) - 1,
            Validated { validated_at: NOW, reusable_until: until(398) },
        );
        check(ValidationKind::Domain, Some(NOW), until(398), ValidationExpired { expired_at: until(398) });
        // A mailbox validated by its emailed link: 30 days (S/MIME BR 4.2.1), not the domain's 398.
        check(
            ValidationKind::Mailbox,
            Some(NOW),
            until(30) - 1,
            Validated { validated_at: NOW, reusable_until: until(30) },
        );
        check(ValidationKind::Mailbox, Some(NOW), until(30), ValidationExpired { expired_at: until(30) });
    }

    #[test]
    fn complete_once_in_time() {
        let pending = Validation::new(ValidationKind::Domain, NOW);
        let done = pending.complete(NOW + 60).expect("pending and in time");
        assert_eq!((done.validated_at, done.version), (Some(NOW + 60), 1));
        assert_eq!(done.reusable_until(NOW + 61), Some(NOW + 60 + 398 * DAY_SECONDS));
        assert_eq!(pending.reusable_until(NOW), None);
        assert_eq!(done.complete(NOW + 120), Err(ValidationError::AlreadyValidated { validated_at: NOW + 60 }));
        let late = NOW + DAY_SECONDS;
        assert_eq!(pending.complete(late), Err(ValidationError::RandomValueExpired { expired_at: late }));
        let long_after = NOW + 60 + 398 * DAY_SECONDS;
        assert_eq!(done.complete(long_after), Err(ValidationError::ValidationExpired { expired_at: long_after }));
    }

    #[test]
    fn renew_makes_a_fresh_pending_validation() {
        let expired = Validation::new(ValidationKind::Mailbox, NOW);
        let later = NOW + 3 * DAY_SECONDS;
        let renewed = expired.renew(later).expect("an expired value renews");
        assert_eq!(renewed.status(later), ValidationStatus::Pending { expires_at: later + DAY_SECONDS });
        assert_eq!((renewed.created_at, renewed.version, renewed.kind), (later, 1, ValidationKind::Mailbox));
        assert!(renewed.complete(later + 5).is_ok());
        // A pending one renews too (a resend before expiry), a reusable one does not.
        assert!(Validation::new(ValidationKind::Domain, NOW).renew(NOW + 5).is_ok());
        let done = Validation::new(ValidationKind::Domain, NOW).complete(NOW).expect("pending");
        assert_eq!(done.renew(NOW + 5), Err(ValidationError::AlreadyValidated { validated_at: NOW }));
        let stale = NOW + 398 * DAY_SECONDS;
        assert_eq!(done.renew(stale).expect("an expired validation renews").validated_at, None);
    }

    #[test]
    fn codes_from_random_bytes() {
        for (random, code) in [
            ([0, 0, 0, 0, 0], "00000000"),
            ([0, 0, 0, 0, 7], "00000007"),
            ([0, 0x05, 0xf5, 0xe0, 0xff], "99999999"), // 0x05f5e0ff = 10^8 - 1
            ([0, 0x05, 0xf5, 0xe1, 0x00], "00000000"), // 10^8
            ([0xff; 5], "11627775"),                   // 2^40 - 1 = 10,995 · 10^8 + 11,627,775
        ] {
            assert_eq!(VerificationCode::from_random(random).as_str(), code, "{random:?}");
        }
        // Every code has 8 digits.
        for seed in 0u8..=255 {
            let code = VerificationCode::from_random([seed, seed.wrapping_mul(7), 3, seed, 255 - seed]);
            assert_eq!(code.as_str().len(), 8);
        }
        assert_eq!(format!("{:?}", VerificationCode::from_random([1; 5])), "VerificationCode(…)");
    }

    #[test]
    fn codes_as_typed() {
        let parse = |text: &str| VerificationCode::parse(text).map(|code| code.as_str().to_owned());
        assert_eq!(parse(" 1234 5678 "), Ok("12345678".to_owned()));
        assert_eq!(parse("1234-5678"), Ok("12345678".to_owned()));
        assert_eq!(parse("12345678\r\n"), Ok("12345678".to_owned()));
        assert_eq!(parse("01234567"), Ok("01234567".to_owned()));
        for bad in ["", "1234567", "123456789", "1234567a", "１２３４５６７８", "12345678\u{200b}"] {
            assert_eq!(parse(bad), Err(ValidationError::CodeMalformed), "{bad:?}");
        }
    }

    #[test]
    fn code_checks_count_wrong_entries_and_lock_at_five() {
        let salt = b"row salt";
        let stored = VerificationCode::from_random([1, 2, 3, 4, 5]).hash_hex(salt);
        let right = VerificationCode::from_random([1, 2, 3, 4, 5]).as_str().to_owned();
        assert_eq!(stored.len(), 64);
        assert_ne!(stored, VerificationCode::from_random([1, 2, 3, 4, 5]).hash_hex(b"other salt"));
        assert_eq!(check_code(&right, salt, &stored, CodeAttempts::default()), Ok(CodeCheck::Correct));
        let mut attempts = CodeAttempts::default();
        for remaining in [4, 3, 2, 1] {
            let outcome = check_code("00000000", salt, &stored, attempts).expect("well formed");
            attempts = CodeAttempts { wrong: 5 - remaining };
            assert_eq!(outcome, CodeCheck::Wrong { attempts, remaining });
        }
        // The right code still works after four wrong ones.
        assert_eq!(check_code(&right, salt, &stored, attempts), Ok(CodeCheck::Correct));
        let locked = check_code("00000000", salt, &stored, attempts).expect("well formed");
        assert_eq!(locked, CodeCheck::Locked { attempts: CodeAttempts { wrong: 5 } });
        // Once locked, even the right code is refused.
        assert_eq!(check_code(&right, salt, &stored, CodeAttempts { wrong: 5 }), Err(ValidationError::CodeLocked));
        // A malformed entry is not an attempt.
        assert_eq!(check_code("1234", salt, &stored, attempts), Err(ValidationError::CodeMalformed));
        // The salt matters: the right digits under another salt are wrong.
        assert!(matches!(check_code(&right, b"x", &stored, CodeAttempts::default()), Ok(CodeCheck::Wrong { .. })));
    }

    #[test]
    fn phones() {
        let check = |input: &str, expected: Result<&str, &str>| {
            let actual = Phone::parse(input);
            if let Err(error) = &actual {
                assert!(error.to_string().ends_with('.'), "{error}");
            }
            assert_eq!(actual.as_ref().map(Phone::as_str).map_err(PhoneError::code), expected, "{input:?}");
        };
        check("+33 1 23 45 67 89", Ok("+33123456789"));
        check(" +1 (415) 555-0100 ", Ok("+14155550100"));
        check("+44.20.7946.0958", Ok("+442079460958"));
        check("+12345678", Ok("+12345678"));
        check("+123456789012345", Ok("+123456789012345"));
        check("", Err("phone_empty"));
        check(" - ", Err("phone_empty"));
        check("01 23 45 67 89", Err("phone_not_international"));
        check("0033123456789", Err("phone_not_international"));
        check("+33 1 23 45 67 8x", Err("phone_character"));
        check("+33\u{a0}123456789", Err("phone_character"));
        check("+1234567", Err("phone_length"));
        check("+1234567890123456", Err("phone_length"));
        check("+0 1 23 45 67 89", Err("phone_country_code_zero"));
        assert_eq!(
            serde_json::to_string(&Phone::parse("+33 1 23 45 67 89").expect("valid")).expect("json"),
            "\"+33123456789\""
        );
    }

    #[test]
    fn error_codes_are_distinct() {
        let errors = [
            ValidationError::RandomValueExpired { expired_at: 0 },
            ValidationError::AlreadyValidated { validated_at: 0 },
            ValidationError::ValidationExpired { expired_at: 0 },
            ValidationError::CodeMalformed,
            ValidationError::CodeLocked,
        ];
        for (index, error) in errors.iter().enumerate() {
            assert!(errors[..index].iter().all(|other| other.code() != error.code()));
            assert!(error.to_string().ends_with('.'));
        }
        assert_eq!(ValidationError::CodeLocked.field(), Some("code"));
    }
}
