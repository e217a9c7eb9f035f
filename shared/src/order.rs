//! The order form's rules: [`check_order_request`] turns an [`OrderRequest`] (the wire form) into a
//! [`CheckedOrder`] the edge stores, or lists **every** problem at once as [`FieldError`]s with a field path
//! (`recipients[1].email`, `validity.days`), a stable code and a sentence, so the form can show them beside
//! their fields as the user types.
//!
//! # What the edge does around it
//!
//! 1. Decode the body (a malformed body is one `400 body_invalid`), authenticate, and look up the
//!    `idempotency_key` for the account: a known key returns the order it made.
//! 2. Read, scoped to the account, what [`OrderContext`] holds: the organization named by `organization_id`
//!    (not found → `404`, never a rule error, so another tenant's identifiers reveal nothing), the account's
//!    validated domains and mailboxes with their reuse deadlines, and the balance.
//! 3. `check_order_request(&request, &context, now)`. Refused → `422` with
//!    [`crate::api::order::FieldErrorsBody`]; nothing is written.
//! 4. For each [`CheckedRecipient::csr`], the key-reuse check ([`crate::key_reuse::check_key_reuse`]) needs
//!    the database: the edge runs it with the CSR's SubjectPublicKeyInfo hash, as enrollment does, and
//!    reports a refusal at `recipients[i].csr`.
//! 5. One batch: the order, its recipients (CSR DER kept; it cannot change afterwards), the mailbox
//!    validations [`CheckedRecipient::needs_mailbox_validation`] asks for (with their emails in the outbox),
//!    the balance debit ([`CheckedOrder::price_cents`]) in the ledger, the idempotency key, and the audit record
//!    from [`crate::pipeline::Order::place`].
//!
//! # Rules
//!
//! - Profile: the typed [`ProfileId`] exists; what it allows is checked below (signature hash, validity cap,
//!   names, DNS names, key type).
//! - Signature hash: one of [`OFFERED_SIGNATURE_HASHES`].
//! - Organization: the one in the context, validated and not expired at `now`; for a profile that states where
//!   it is (TLS server), its address records a city or a state or province (refused at `organization_id`).
//! - Validity: resolved to days ([`resolve_validity_days`]), at most the profile's cap at `now`
//!   ([`Profile::max_validity_days`]).
//! - Recipients: 1 to [`MAXIMUM_RECIPIENTS`]; each checked by [`issuance::check_order`] against the profile;
//!   for profiles that certify a mailbox, the address under a validated domain, or validated itself, or at a
//!   public mail provider (then it needs mailbox validation); for device profiles, each DNS name under a
//!   validated domain; the CSR, when given, parsed, verified and its key allowed by the profile
//!   ([`Profile::check_key`], which includes the weak-key tests). The same mailbox twice (mailbox profiles) or
//!   the same DNS name in two recipients (device profiles) is refused.
//! - Notification emails: up to [`MAXIMUM_NOTIFICATION_EMAILS`] valid addresses, no repeats.
//! - Payment: from the balance, which must cover [`price_cents`] times the recipients; or under one of the
//!   account's active contracts, named by its reference, with enough left of its limit
//!   ([`contract::choose_contract`]).
//! - The accepted subscriber agreement is [`SUBSCRIBER_AGREEMENT_VERSION`]; the idempotency key is 16 to 64
//!   characters `[A-Za-z0-9_-]`.

use serde::{Deserialize, Deserializer, Serialize, de};

use crate::address::{AddressError, Domain, EmailAddress, is_public_mail_provider};
use crate::contract::{self, Contract};
use crate::csr::{CsrError, ParsedCsr};
use crate::issuance::{self, OrderError, OrderFacts};
use crate::lang::Lang;
use crate::profile::{AlternativeNames, CertifiedKey, KeyError, Profile, ProfileId};
use crate::text::{InvisibleCharacter, check_visible};
use crate::validation::{DAY_SECONDS, ORGANIZATION_REUSE_DAYS};

/// The subscriber agreement in force: the form shows it and sends this version back when the box is ticked.
pub const SUBSCRIBER_AGREEMENT_VERSION: &str = "2026-12-01";
/// Most recipients in one order.
pub const MAXIMUM_RECIPIENTS: usize = 50;
/// Most notification addresses in one order.
pub const MAXIMUM_NOTIFICATION_EMAILS: usize = 10;
/// Most automatic renewals.
pub const MAXIMUM_AUTO_RENEWALS: u32 = 5;
/// Shortest idempotency key.
pub const IDEMPOTENCY_KEY_MINIMUM_LENGTH: usize = 16;
/// Longest idempotency key.
pub const IDEMPOTENCY_KEY_MAXIMUM_LENGTH: usize = 64;
/// Longest name, given name or surname, in characters.
pub const NAME_MAXIMUM_LENGTH: usize = 200;
/// Longest contract reference, in characters.
pub const CONTRACT_REFERENCE_MAXIMUM_LENGTH: usize = 100;
/// Days in a "year" of validity and of pricing.
pub const DAYS_PER_YEAR: u32 = 365;

/// The hashes the CA signs certificates with. Only SHA-256 today: the issuing CA's key is ECDSA P-256, which
/// signs with SHA-256 (`ecdsa-with-SHA256`, the only P-256 pairing ring and rcgen offer, and the one the TLS
/// BR 7.1.3.2 and S/MIME BR 7.1.3.2 expect for P-256). A P-384 issuing CA would add SHA-384.
pub const OFFERED_SIGNATURE_HASHES: &[SignatureHash] = &[SignatureHash::Sha256];

/// The hash the CA signs the certificate with. The policy lists the ones offered ([`OFFERED_SIGNATURE_HASHES`]);
/// the others are refused with a named error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SignatureHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl SignatureHash {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
}

/// Reads a `u32` of a request written as a JSON integer (`5`) or as a number with no fraction (`5.0`): JSON
/// Schema's `integer`, which the OpenAPI document states, counts both as integers, and a client's JSON library
/// may write either. Anything else (a fraction, a negative number, more than `u32::MAX`) is refused, naming what
/// was expected. For `#[serde(deserialize_with = "whole_u32")]`.
fn whole_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct WholeNumber;
    impl de::Visitor<'_> for WholeNumber {
        type Value = u32;

        fn expecting(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            formatter.write_str("a whole number from 0 to 4294967295")
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<u32, E> {
            u32::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<u32, E> {
            u32::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<u32, E> {
            if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
                // Whole and within u32's range (checked above): the conversion is exact.
                Ok(value as u32)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(value), &self))
            }
        }
    }
    deserializer.deserialize_any(WholeNumber)
}

/// How long the certificates should be valid, as the form asks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValidityRequest {
    /// 1, 2 or 3 years of 365 days: `{"kind":"years","years":1}`.
    Years {
        /// How many.
        #[serde(deserialize_with = "whole_u32")]
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 3)))]
        years: u32,
    },
    /// Until a date, UTC: `{"kind":"end_date","date":"2027-06-30"}`.
    EndDate {
        /// `YYYY-MM-DD`.
        date: String,
    },
    /// A number of days: `{"kind":"days","days":90}`.
    Days {
        /// How many.
        #[serde(deserialize_with = "whole_u32")]
        #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
        days: u32,
    },
}

/// One recipient of the order: a person (S/MIME) or the requester of a device certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientRequest {
    /// How the order page names the recipient (the common name of the order); optional.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name (sponsor-validated S/MIME: subject givenName).
    #[serde(default)]
    pub given_name: Option<String>,
    /// Surname (sponsor-validated S/MIME: required).
    #[serde(default)]
    pub surname: Option<String>,
    /// The recipient's email address: where the enrollment link goes; for S/MIME the certified mailbox.
    pub email: String,
    /// Host names of a workstation or server certificate; empty for S/MIME.
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// A PKCS#10 request now (PEM, `CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`); none for an enrollment
    /// link later. It cannot be added or changed after submission.
    #[serde(default)]
    pub csr: Option<String>,
    /// The language of every email to this recipient (invitation, certificate issued, reminders): `en` or `fr`;
    /// English when absent. The order form sets it to the page's language.
    #[serde(default)]
    pub lang: Option<String>,
}

/// How the order is paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentRequest {
    /// From the account's balance (deposits recorded in the ledger): `{"kind":"balance"}`.
    Balance,
    /// Under one of the account's active contracts, charged to its ledger within its credit limit:
    /// `{"kind":"contract","reference":"PO-2026-114"}` (`GET /api/v1/contracts` lists them).
    Contract {
        /// The contract's reference, as a CA administrator set it on the account.
        reference: String,
    },
}

/// `POST /api/v1/orders` request: the order form as submitted, which [`check_order_request`] checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderRequest {
    /// The certificate profile.
    pub profile: ProfileId,
    /// The ordering organization (one of the account's validated organizations).
    pub organization_id: String,
    /// The hash the CA signs with.
    pub signature_hash: SignatureHash,
    /// How long the certificates are valid.
    pub validity: ValidityRequest,
    /// How many times each certificate is renewed automatically (0 to 5).
    #[serde(default, deserialize_with = "whole_u32")]
    #[cfg_attr(feature = "schema", schemars(range(max = MAXIMUM_AUTO_RENEWALS)))]
    pub auto_renewals: u32,
    /// 1 to 50 recipients, one certificate each.
    pub recipients: Vec<RecipientRequest>,
    /// Up to 10 more addresses told about the order's progress.
    #[serde(default)]
    pub notification_emails: Vec<String>,
    /// How the order is paid.
    pub payment: PaymentRequest,
    /// The subscriber agreement version the user accepted (must be the current one).
    pub subscriber_agreement: String,
    /// 16 to 64 characters `[A-Za-z0-9_-]`, drawn by the form once per order: a retry with the same key makes
    /// no second order.
    pub idempotency_key: String,
}

/// One problem with one field of a form: the field's path in the request (`recipients[1].email`), a stable
/// code, and a sentence a person can act on. The edge sends them as [`crate::api::ApiError`]s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path: names joined by dots, list positions in brackets from 0.
    pub field: String,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl FieldError {
    /// A problem at `field`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }

    /// The problem `error` at `field`.
    pub fn at(field: impl Into<String>, error: &OrderFormError) -> Self {
        Self::new(field, error.code(), error.to_string())
    }
}

/// An organization as the edge read it for the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationFacts {
    /// Its identifier.
    pub id: String,
    /// Its validated name (subject organizationName).
    pub name: String,
    /// Its registration reference (subject organizationIdentifier).
    pub identifier: String,
    /// Its ISO 3166 country code (subject countryName).
    pub country: String,
    /// The city of its address (subject localityName in TLS server certificates); `None` when not recorded.
    pub locality: Option<String>,
    /// The state, province or region of its address (subject stateOrProvinceName in TLS server certificates);
    /// `None` when it has none.
    pub state_or_province: Option<String>,
    /// Until when its validation may be relied on ([`crate::validation::Validation::reusable_until`]); `None`
    /// when it was never validated or the validation lapsed.
    pub validated_until: Option<i64>,
}

/// A domain validated for the account, with its reuse deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedDomain {
    /// The domain; its subdomains are covered too.
    pub domain: Domain,
    /// Until when the validation may be relied on.
    pub reusable_until: i64,
}

/// A mailbox validated for the account, with its reuse deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedMailbox {
    /// The address.
    pub email: EmailAddress,
    /// Until when the validation may be relied on.
    pub reusable_until: i64,
}

/// What the edge read for [`check_order_request`], all scoped to the ordering account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderContext {
    /// The organization named by the request.
    pub organization: OrganizationFacts,
    /// The account's domain validations (expired ones may be included: they do not count).
    pub validated_domains: Vec<ValidatedDomain>,
    /// The account's mailbox validations (expired ones may be included: they do not count).
    pub validated_mailboxes: Vec<ValidatedMailbox>,
    /// The account's balance, in cents.
    pub balance_cents: i64,
    /// The account's contracts, with what each has used (an order under a contract names an active one).
    pub contracts: Vec<Contract>,
    /// The order is a renewal ([`crate::renewal`]): a validation it relied on that lapsed since (the
    /// organization's, a domain's, a mailbox's) does not refuse it; it is asked again and the order waits for it
    /// ([`CheckedOrder::lapsed_domains`], [`CheckedOrder::organization_lapsed`],
    /// [`CheckedRecipient::needs_mailbox_validation`]). An organization never validated, or an address under a
    /// domain never validated, still refuses it.
    pub renewal: bool,
}

/// A recipient that passed the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedRecipient {
    /// The order's name for the recipient ([`recipient_common_name`]).
    pub common_name: String,
    /// The email address.
    pub email: EmailAddress,
    /// What the certificate will state, for [`issuance::certificate_template`].
    pub facts: OrderFacts,
    /// The CSR given with the order, parsed and verified, with the key the profile accepted.
    pub csr: Option<(ParsedCsr, CertifiedKey)>,
    /// The address is at a public mail provider and not yet validated (or, in a renewal, its validation
    /// lapsed): a mailbox validation must complete before the certificate is issued.
    pub needs_mailbox_validation: bool,
    /// In a renewal, the validated domains its address or names fall under whose validation lapsed: each is
    /// validated again before the certificate is issued.
    pub lapsed_domains: Vec<Domain>,
    /// The language of the recipient's emails.
    pub lang: Lang,
}

/// How a checked order is paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckedPayment {
    /// Debited from the balance at submission.
    Balance,
    /// Under one of the account's active contracts (charged to its ledger at submission).
    Contract {
        /// The reference, trimmed.
        reference: String,
    },
}

/// An order that passed every rule: what the edge stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedOrder {
    /// The profile.
    pub profile: ProfileId,
    /// The organization.
    pub organization_id: String,
    /// The signature hash.
    pub signature_hash: SignatureHash,
    /// Validity of each certificate, in days (from issuance).
    pub validity_days: u32,
    /// Automatic renewals.
    pub auto_renewals: u32,
    /// The recipients, in the request's order.
    pub recipients: Vec<CheckedRecipient>,
    /// The notification addresses.
    pub notification_emails: Vec<EmailAddress>,
    /// How it is paid.
    pub payment: CheckedPayment,
    /// The whole price: [`price_cents`] times the recipients.
    pub price_cents: i64,
    /// The subscriber agreement version accepted.
    pub subscriber_agreement: &'static str,
    /// The idempotency key.
    pub idempotency_key: String,
    /// In a renewal, the domains whose validation lapsed, each once, in recipient order: validated again before
    /// issuance (the order waits for them).
    pub lapsed_domains: Vec<Domain>,
    /// In a renewal, the organization's validation lapsed: the CA's staff vet it again before issuance (the order
    /// waits for them).
    pub organization_lapsed: bool,
}

/// Price of one certificate per year started, in cents, by profile: Keyward's list prices, which a deployment
/// changes here.
///
/// | profile                         | per year |
/// |---------------------------------|---------:|
/// | S/MIME mailbox-validated        |   15.00  |
/// | S/MIME organization-validated   |   25.00  |
/// | S/MIME sponsor-validated        |   30.00  |
/// | client authentication           |   20.00  |
/// | TLS server                      |   60.00  |
pub fn price_per_year_cents(profile: ProfileId) -> i64 {
    match profile {
        ProfileId::SmimeMailboxStrict | ProfileId::SmimeMailboxMultipurpose => 1_500,
        ProfileId::SmimeOrganizationStrict | ProfileId::SmimeOrganizationMultipurpose => 2_500,
        ProfileId::SmimeSponsorStrict | ProfileId::SmimeSponsorMultipurpose => 3_000,
        ProfileId::ClientAuthWorkstation => 2_000,
        ProfileId::ServerAuth => 6_000,
    }
}

/// Price of one certificate valid `days`, in cents: the yearly price for every year started (90 days cost a
/// year, 366 days two). Automatic renewals are charged when they happen.
pub fn price_cents(profile: ProfileId, days: u32) -> i64 {
    price_per_year_cents(profile) * i64::from(days.div_ceil(DAYS_PER_YEAR).max(1))
}

/// How the order names a recipient: the `name` given, else the given name and surname, else the email
/// address. The certificate's own common name is what the profile says ([`OrderFacts::subject_name`]).
pub fn recipient_common_name(recipient: &RecipientRequest) -> String {
    fn clean(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|value| !value.is_empty())
    }
    if let Some(name) = clean(&recipient.name) {
        return name.to_owned();
    }
    let parts: Vec<&str> = [&recipient.given_name, &recipient.surname].into_iter().filter_map(clean).collect();
    if parts.is_empty() { recipient.email.trim().to_owned() } else { parts.join(" ") }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, or `None` when it is not one (a real date of the proleptic
/// Gregorian calendar, years 1970 to 9999).
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: core::ops::Range<usize>| -> Option<i64> {
        let part = &text[range];
        part.bytes().all(|byte| byte.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if year < 1970 || !(1..=12).contains(&month) || day < 1 || day > month_days[(month - 1) as usize] {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm), with March as the first month of the computing year.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The validity asked for, in days counted from `now`, before the profile's cap: years of 365 days; an end
/// date as the whole UTC days from today's date to it (so `today + 1` is one day); days as given.
///
/// # Errors
///
/// The [`OrderFormError`] for `validity`: years other than 1 to 3, a malformed date or one not after today,
/// zero days.
pub fn resolve_validity_days(validity: &ValidityRequest, now: i64) -> Result<u32, OrderFormError> {
    match validity {
        ValidityRequest::Years { years } if (1..=3).contains(years) => Ok(years * DAYS_PER_YEAR),
        ValidityRequest::Years { years } => Err(OrderFormError::ValidityYears { years: *years }),
        ValidityRequest::EndDate { date } => {
            let end = parse_date(date.trim()).ok_or(OrderFormError::ValidityDateMalformed)?;
            let today = now.div_euclid(DAY_SECONDS);
            if end <= today {
                return Err(OrderFormError::ValidityDateNotFuture);
            }
            u32::try_from(end - today).map_err(|_| OrderFormError::ValidityDateMalformed)
        }
        ValidityRequest::Days { days: 0 } => Err(OrderFormError::ValidityDaysZero),
        ValidityRequest::Days { days } => Ok(*days),
    }
}

/// The field path of a validity error.
fn validity_field(validity: &ValidityRequest) -> &'static str {
    match validity {
        ValidityRequest::Years { .. } => "validity.years",
        ValidityRequest::EndDate { .. } => "validity.date",
        ValidityRequest::Days { .. } => "validity.days",
    }
}

/// Checks an order against the rules (module documentation), reporting every problem.
///
/// # Errors
///
/// Every [`FieldError`] found, in form order.
pub fn check_order_request(
    request: &OrderRequest,
    context: &OrderContext,
    now: i64,
) -> Result<CheckedOrder, Vec<FieldError>> {
    check::<true>(request, context, now)
}

/// Every rule of [`check_order_request`] but the recipients' requests: a `csr` is ignored, neither parsed nor
/// its key checked. The order form runs this as the user types and has the requests read by the packaging
/// worker instead (issue 16): a separate function, not a flag, so that the form's bundle does not link the
/// request parser, its signature verification and the weak-key tests. The Worker always runs
/// [`check_order_request`].
///
/// # Errors
///
/// Every [`FieldError`] found, in form order, none at a `recipients[i].csr`.
pub fn check_order_request_without_csrs(
    request: &OrderRequest,
    context: &OrderContext,
    now: i64,
) -> Result<(), Vec<FieldError>> {
    check::<false>(request, context, now).map(|_| ())
}

/// The rules; with `WITH_CSRS` false, the recipients' requests are left out (a constant, so that code is not
/// even linked where it is false).
fn check<const WITH_CSRS: bool>(
    request: &OrderRequest,
    context: &OrderContext,
    now: i64,
) -> Result<CheckedOrder, Vec<FieldError>> {
    let mut errors = Vec::new();
    let profile = request.profile.profile();

    if !OFFERED_SIGNATURE_HASHES.contains(&request.signature_hash) {
        fail(&mut errors, "signature_hash", OrderFormError::SignatureHashNotOffered { hash: request.signature_hash });
    }

    let organization = &context.organization;
    let mut organization_lapsed = false;
    if organization.id != request.organization_id {
        fail(&mut errors, "organization_id", OrderFormError::OrganizationUnknown);
    } else {
        match organization.validated_until {
            None => fail(&mut errors, "organization_id", OrderFormError::OrganizationNotValidated),
            Some(until) if until <= now && context.renewal => organization_lapsed = true,
            Some(until) if until <= now => fail(
                &mut errors,
                "organization_id",
                OrderFormError::OrganizationValidationExpired { expired_at: until },
            ),
            Some(_) => {}
        }
    }

    let cap = profile.max_validity_days(now);
    let validity_days = match resolve_validity_days(&request.validity, now) {
        Ok(days) if days > cap => {
            fail(
                &mut errors,
                validity_field(&request.validity),
                OrderFormError::ValidityOverCap { days, cap, profile: profile.name },
            );
            None
        }
        Ok(days) => Some(days),
        Err(error) => {
            fail(&mut errors, validity_field(&request.validity), error);
            None
        }
    };

    if request.auto_renewals > MAXIMUM_AUTO_RENEWALS {
        fail(&mut errors, "auto_renewals", OrderFormError::AutoRenewalsTooMany { count: request.auto_renewals });
    }

    if request.recipients.is_empty() {
        fail(&mut errors, "recipients", OrderFormError::RecipientsEmpty);
    } else if request.recipients.len() > MAXIMUM_RECIPIENTS {
        fail(&mut errors, "recipients", OrderFormError::RecipientsTooMany { count: request.recipients.len() });
    }
    let mut recipients = Vec::new();
    for (index, recipient) in request.recipients.iter().enumerate().take(MAXIMUM_RECIPIENTS) {
        let checked = check_recipient::<WITH_CSRS>(profile, index, recipient, context, validity_days.unwrap_or(1), now);
        match checked {
            Ok(checked) => {
                let path = format!("recipients[{index}]");
                if profile.alternative_names == AlternativeNames::Mailbox
                    && recipients.iter().any(|other: &CheckedRecipient| other.email.same_mailbox(&checked.email))
                {
                    fail(
                        &mut errors,
                        format!("{path}.email"),
                        OrderFormError::RecipientRepeated { email: checked.email.to_string() },
                    );
                }
                for (position, name) in checked.facts.dns_names.iter().enumerate() {
                    if recipients.iter().any(|other| other.facts.dns_names.contains(name)) {
                        fail(
                            &mut errors,
                            format!("{path}.dns_names[{position}]"),
                            OrderFormError::DnsNameInTwoRecipients { name: name.clone() },
                        );
                    }
                }
                recipients.push(checked);
            }
            // An organization fact is reported once, not once per recipient.
            Err(problems) => {
                for problem in problems {
                    if !errors.contains(&problem) {
                        errors.push(problem);
                    }
                }
            }
        }
    }

    if request.notification_emails.len() > MAXIMUM_NOTIFICATION_EMAILS {
        fail(
            &mut errors,
            "notification_emails",
            OrderFormError::NotificationEmailsTooMany { count: request.notification_emails.len() },
        );
    }
    let mut notification_emails: Vec<EmailAddress> = Vec::new();
    for (index, text) in request.notification_emails.iter().enumerate().take(MAXIMUM_NOTIFICATION_EMAILS) {
        let field = format!("notification_emails[{index}]");
        match EmailAddress::parse(text) {
            Ok(email) if notification_emails.iter().any(|other| other.same_mailbox(&email)) => {
                fail(&mut errors, field, OrderFormError::NotificationEmailRepeated { email: email.to_string() });
            }
            Ok(email) => notification_emails.push(email),
            Err(error) => fail(&mut errors, field, OrderFormError::Address(error)),
        }
    }

    let count = i64::try_from(request.recipients.len()).unwrap_or(i64::MAX);
    let price = validity_days.map(|days| price_cents(request.profile, days).saturating_mul(count));
    let payment = match &request.payment {
        PaymentRequest::Balance => {
            if let Some(needed) = price
                && needed > context.balance_cents
            {
                fail(
                    &mut errors,
                    "payment",
                    OrderFormError::BalanceInsufficient { needed, balance: context.balance_cents },
                );
            }
            Some(CheckedPayment::Balance)
        }
        PaymentRequest::Contract { reference } => {
            let reference = reference.trim();
            if reference.is_empty() {
                fail(&mut errors, "payment.reference", OrderFormError::ContractReferenceBlank);
                None
            } else if reference.chars().count() > CONTRACT_REFERENCE_MAXIMUM_LENGTH {
                fail(&mut errors, "payment.reference", OrderFormError::ContractReferenceTooLong);
                None
            } else if let Err(error) = contract::choose_contract(&context.contracts, reference, now, price.unwrap_or(0))
            {
                fail(&mut errors, "payment.reference", OrderFormError::Contract(error));
                None
            } else {
                Some(CheckedPayment::Contract { reference: reference.to_owned() })
            }
        }
    };

    let accepted = request.subscriber_agreement.trim();
    if accepted.is_empty() {
        fail(&mut errors, "subscriber_agreement", OrderFormError::AgreementNotAccepted);
    } else if accepted != SUBSCRIBER_AGREEMENT_VERSION {
        fail(&mut errors, "subscriber_agreement", OrderFormError::AgreementOutdated { accepted: accepted.to_owned() });
    }

    let key = &request.idempotency_key;
    if !(IDEMPOTENCY_KEY_MINIMUM_LENGTH..=IDEMPOTENCY_KEY_MAXIMUM_LENGTH).contains(&key.len())
        || !key.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
    {
        fail(&mut errors, "idempotency_key", OrderFormError::IdempotencyKeyInvalid);
    }

    match (validity_days, price, payment) {
        (Some(validity_days), Some(price_cents), Some(payment)) if errors.is_empty() => Ok(CheckedOrder {
            profile: request.profile,
            organization_id: request.organization_id.clone(),
            signature_hash: request.signature_hash,
            validity_days,
            auto_renewals: request.auto_renewals,
            notification_emails,
            payment,
            price_cents,
            subscriber_agreement: SUBSCRIBER_AGREEMENT_VERSION,
            idempotency_key: key.clone(),
            lapsed_domains: {
                let mut lapsed: Vec<Domain> = Vec::new();
                for domain in recipients.iter().flat_map(|recipient| &recipient.lapsed_domains) {
                    if !lapsed.contains(domain) {
                        lapsed.push(domain.clone());
                    }
                }
                lapsed
            },
            organization_lapsed,
            recipients,
        }),
        _ => Err(errors),
    }
}

/// In a renewal, the most specific domain of the context whose validation lapsed at `now` and that `covers`;
/// `None` outside a renewal.
fn lapsed_cover(context: &OrderContext, now: i64, covers: impl Fn(&Domain) -> bool) -> Option<Domain> {
    if !context.renewal {
        return None;
    }
    context
        .validated_domains
        .iter()
        .filter(|validated| validated.reusable_until <= now && covers(&validated.domain))
        .max_by_key(|validated| validated.domain.as_str().len())
        .map(|validated| validated.domain.clone())
}

/// Records `error` at `field`.
fn fail(errors: &mut Vec<FieldError>, field: impl Into<String>, error: OrderFormError) {
    errors.push(FieldError::at(field, &error));
}

/// A name field trimmed, `None` when empty; a problem when too long or when it holds an invisible or
/// reordering character ([`check_visible`]): these names reach the certificate's subject and the emails' greetings.
fn optional_name(value: &Option<String>) -> Result<Option<String>, OrderFormError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) if value.chars().count() > NAME_MAXIMUM_LENGTH => Err(OrderFormError::NameTooLong),
        Some(value) => {
            check_visible(value).map_err(OrderFormError::NameInvisibleCharacter)?;
            Ok(Some(value.to_owned()))
        }
    }
}

/// Checks one recipient; every problem, with its path under `recipients[index]`. Its request only when
/// `WITH_CSRS`.
fn check_recipient<const WITH_CSRS: bool>(
    profile: &Profile,
    index: usize,
    recipient: &RecipientRequest,
    context: &OrderContext,
    validity_days: u32,
    now: i64,
) -> Result<CheckedRecipient, Vec<FieldError>> {
    let path = format!("recipients[{index}]");
    let mut errors = Vec::new();

    let mut names = [None, None, None];
    for (slot, (field, value)) in names.iter_mut().zip([
        ("name", &recipient.name),
        ("given_name", &recipient.given_name),
        ("surname", &recipient.surname),
    ]) {
        match optional_name(value) {
            Ok(name) => *slot = name,
            Err(error) => fail(&mut errors, format!("{path}.{field}"), error),
        }
    }
    let [_, given_name, surname] = names;

    let lang = match recipient.lang.as_deref() {
        None => Lang::En,
        Some(tag) => Lang::ALL.into_iter().find(|lang| lang.tag() == tag).unwrap_or_else(|| {
            fail(&mut errors, format!("{path}.lang"), OrderFormError::LangUnknown);
            Lang::En
        }),
    };

    let email = match EmailAddress::parse(&recipient.email) {
        Ok(email) => Some(email),
        Err(error) => {
            fail(&mut errors, format!("{path}.email"), OrderFormError::Address(error));
            None
        }
    };
    let mut needs_mailbox_validation = false;
    let mut lapsed_domains: Vec<Domain> = Vec::new();
    if let Some(email) = &email
        && profile.alternative_names == AlternativeNames::Mailbox
    {
        let under_domain = context
            .validated_domains
            .iter()
            .any(|validated| validated.reusable_until > now && validated.domain.contains(email));
        let mailbox_validated = context
            .validated_mailboxes
            .iter()
            .any(|validated| validated.reusable_until > now && validated.email.same_mailbox(email));
        let lapsed_domain = lapsed_cover(context, now, |domain| domain.contains(email));
        let mailbox_lapsed =
            context.renewal && context.validated_mailboxes.iter().any(|validated| validated.email.same_mailbox(email));
        if !under_domain && !mailbox_validated {
            if let Some(domain) = lapsed_domain {
                lapsed_domains.push(domain);
            } else if mailbox_lapsed || is_public_mail_provider(email.domain()) {
                needs_mailbox_validation = true;
            } else {
                fail(
                    &mut errors,
                    format!("{path}.email"),
                    OrderFormError::EmailDomainNotValidated { domain: email.domain().to_owned() },
                );
            }
        }
    }

    let dns_names: Vec<String> = recipient.dns_names.iter().map(|name| name.trim().to_ascii_lowercase()).collect();
    for (position, name) in dns_names.iter().enumerate() {
        let covered = context
            .validated_domains
            .iter()
            .any(|validated| validated.reusable_until > now && validated.domain.contains_name(name));
        if issuance::check_dns_name(name).is_ok() && !covered {
            if let Some(domain) = lapsed_cover(context, now, |domain| domain.contains_name(name)) {
                if !lapsed_domains.contains(&domain) {
                    lapsed_domains.push(domain);
                }
            } else {
                fail(
                    &mut errors,
                    format!("{path}.dns_names[{position}]"),
                    OrderFormError::DnsNameDomainNotValidated { name: name.clone() },
                );
            }
        }
    }

    let organization = &context.organization;
    let facts = OrderFacts {
        recipient_given_name: given_name,
        recipient_surname: surname,
        recipient_email: email.as_ref().map(ToString::to_string).unwrap_or_default(),
        dns_names,
        organization_name: organization.name.clone(),
        organization_identifier: organization.identifier.clone(),
        organization_country: organization.country.clone(),
        organization_locality: organization.locality.clone(),
        organization_state_or_province: organization.state_or_province.clone(),
        validity_days,
    };
    if email.is_some()
        && let Err(error) = issuance::check_order(profile, &facts)
    {
        let field = match error.field() {
            "recipient_surname" => "surname",
            "recipient_given_name" => "given_name",
            "recipient_email" => "email",
            "dns_names" => "dns_names",
            _ => "organization",
        };
        if field == "organization" {
            fail(&mut errors, "organization_id", OrderFormError::Order(error));
        } else if errors.iter().any(|known| known.field == format!("{path}.{field}")) {
            // A name refused above is absent from the facts: that it is missing says nothing more.
        } else {
            fail(&mut errors, format!("{path}.{field}"), OrderFormError::Order(error));
        }
    }

    let csr = match recipient.csr.as_deref().map(str::trim).filter(|text| !text.is_empty() && WITH_CSRS) {
        None => None,
        Some(text) => match ParsedCsr::from_pem(text) {
            Err(error) => {
                fail(&mut errors, format!("{path}.csr"), OrderFormError::Csr(error));
                None
            }
            Ok(csr) => match profile.check_key(csr.public_key()) {
                Ok(key) => Some((csr, key)),
                Err(error) => {
                    fail(&mut errors, format!("{path}.csr"), OrderFormError::Key(error));
                    None
                }
            },
        },
    };

    match email {
        Some(email) if errors.is_empty() => Ok(CheckedRecipient {
            common_name: recipient_common_name(recipient),
            email,
            facts,
            csr,
            needs_mailbox_validation,
            lapsed_domains,
            lang,
        }),
        _ => Err(errors),
    }
}

/// Why a field of the order form is refused. [`FieldError`] carries it with the field's path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrderFormError {
    /// The CA does not sign with this hash ([`OFFERED_SIGNATURE_HASHES`]).
    SignatureHashNotOffered {
        /// The hash asked for.
        hash: SignatureHash,
    },
    /// The organization named is not the one the account may order for.
    OrganizationUnknown,
    /// The organization was never validated: only validated organizations are orderable.
    OrganizationNotValidated,
    /// The organization's validation is too old.
    OrganizationValidationExpired {
        /// When it lapsed.
        expired_at: i64,
    },
    /// Years other than 1, 2 or 3.
    ValidityYears {
        /// The years asked for.
        years: u32,
    },
    /// The end date is not a `YYYY-MM-DD` date.
    ValidityDateMalformed,
    /// The end date is today or earlier (UTC).
    ValidityDateNotFuture,
    /// Zero days.
    ValidityDaysZero,
    /// Longer than the profile allows today.
    ValidityOverCap {
        /// The days asked for.
        days: u32,
        /// The profile's cap.
        cap: u32,
        /// The profile's name.
        profile: &'static str,
    },
    /// More than [`MAXIMUM_AUTO_RENEWALS`].
    AutoRenewalsTooMany {
        /// The count asked for.
        count: u32,
    },
    /// No recipient.
    RecipientsEmpty,
    /// More than [`MAXIMUM_RECIPIENTS`].
    RecipientsTooMany {
        /// The count given.
        count: usize,
    },
    /// A name, given name or surname longer than [`NAME_MAXIMUM_LENGTH`].
    NameTooLong,
    /// A name, given name or surname holding a control, bidirectional or zero-width character.
    NameInvisibleCharacter(InvisibleCharacter),
    /// A recipient's language that Keyward has no emails in.
    LangUnknown,
    /// An email address that is not valid (its own code).
    Address(AddressError),
    /// The address is neither under a validated domain, nor validated itself, nor at a public mail provider.
    EmailDomainNotValidated {
        /// The address's domain.
        domain: String,
    },
    /// A DNS name not under a validated domain.
    DnsNameDomainNotValidated {
        /// The name.
        name: String,
    },
    /// The same mailbox twice in one order.
    RecipientRepeated {
        /// The address.
        email: String,
    },
    /// The same DNS name in two recipients.
    DnsNameInTwoRecipients {
        /// The name.
        name: String,
    },
    /// The recipient does not hold what the profile states (its own code, from [`issuance::check_order`]).
    Order(OrderError),
    /// The CSR cannot be used (its own code, from [`ParsedCsr::from_pem`]).
    Csr(CsrError),
    /// The CSR's key is not allowed by the profile (its own code, from [`Profile::check_key`]).
    Key(KeyError),
    /// More than [`MAXIMUM_NOTIFICATION_EMAILS`].
    NotificationEmailsTooMany {
        /// The count given.
        count: usize,
    },
    /// The same notification address twice.
    NotificationEmailRepeated {
        /// The address.
        email: String,
    },
    /// The balance does not cover the price.
    BalanceInsufficient {
        /// The price, cents.
        needed: i64,
        /// The balance, cents.
        balance: i64,
    },
    /// A contract payment without a reference.
    ContractReferenceBlank,
    /// A contract reference longer than [`CONTRACT_REFERENCE_MAXIMUM_LENGTH`].
    ContractReferenceTooLong,
    /// The contract named cannot pay for the order (its own code, from [`contract::choose_contract`]).
    Contract(contract::PaymentError),
    /// The subscriber agreement was not accepted.
    AgreementNotAccepted,
    /// An older (or unknown) version of the subscriber agreement was accepted.
    AgreementOutdated {
        /// The version sent.
        accepted: String,
    },
    /// The idempotency key is not 16 to 64 characters `[A-Za-z0-9_-]`.
    IdempotencyKeyInvalid,
}

impl OrderFormError {
    /// Stable machine-readable code; wrapped errors keep theirs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SignatureHashNotOffered { .. } => "signature_hash_not_offered",
            Self::OrganizationUnknown => "organization_unknown",
            Self::OrganizationNotValidated => "organization_not_validated",
            Self::OrganizationValidationExpired { .. } => "organization_validation_expired",
            Self::ValidityYears { .. } => "validity_years_invalid",
            Self::ValidityDateMalformed => "validity_date_malformed",
            Self::ValidityDateNotFuture => "validity_date_not_future",
            Self::ValidityDaysZero => "validity_days_zero",
            Self::ValidityOverCap { .. } => "validity_over_cap",
            Self::AutoRenewalsTooMany { .. } => "auto_renewals_too_many",
            Self::RecipientsEmpty => "recipients_empty",
            Self::RecipientsTooMany { .. } => "recipients_too_many",
            Self::NameTooLong => "name_too_long",
            Self::NameInvisibleCharacter(error) => error.code(),
            Self::LangUnknown => "lang_unknown",
            Self::Address(error) => error.code(),
            Self::EmailDomainNotValidated { .. } => "email_domain_not_validated",
            Self::DnsNameDomainNotValidated { .. } => "dns_name_domain_not_validated",
            Self::RecipientRepeated { .. } => "recipient_repeated",
            Self::DnsNameInTwoRecipients { .. } => "dns_name_in_two_recipients",
            Self::Order(error) => error.code(),
            Self::Csr(error) => error.code(),
            Self::Key(error) => error.code(),
            Self::NotificationEmailsTooMany { .. } => "notification_emails_too_many",
            Self::NotificationEmailRepeated { .. } => "notification_email_repeated",
            Self::BalanceInsufficient { .. } => "balance_insufficient",
            Self::ContractReferenceBlank => "contract_reference_blank",
            Self::ContractReferenceTooLong => "contract_reference_too_long",
            Self::Contract(error) => error.code(),
            Self::AgreementNotAccepted => "subscriber_agreement_not_accepted",
            Self::AgreementOutdated { .. } => "subscriber_agreement_outdated",
            Self::IdempotencyKeyInvalid => "idempotency_key_invalid",
        }
    }

    /// The request field it is about, without list positions (the [`FieldError`] has the full path).
    pub fn field(&self) -> &'static str {
        match self {
            Self::SignatureHashNotOffered { .. } => "signature_hash",
            Self::OrganizationUnknown | Self::OrganizationNotValidated | Self::OrganizationValidationExpired { .. } => {
                "organization_id"
            }
            Self::ValidityYears { .. }
            | Self::ValidityDateMalformed
            | Self::ValidityDateNotFuture
            | Self::ValidityDaysZero
            | Self::ValidityOverCap { .. } => "validity",
            Self::AutoRenewalsTooMany { .. } => "auto_renewals",
            Self::RecipientsEmpty | Self::RecipientsTooMany { .. } => "recipients",
            Self::NameTooLong | Self::NameInvisibleCharacter(_) => "recipients.name",
            Self::LangUnknown => "recipients.lang",
            Self::Address(_) | Self::EmailDomainNotValidated { .. } | Self::RecipientRepeated { .. } => {
                "recipients.email"
            }
            Self::DnsNameDomainNotValidated { .. } | Self::DnsNameInTwoRecipients { .. } => "recipients.dns_names",
            Self::Order(_) => "recipients",
            Self::Csr(_) | Self::Key(_) => "recipients.csr",
            Self::NotificationEmailsTooMany { .. } | Self::NotificationEmailRepeated { .. } => "notification_emails",
            Self::BalanceInsufficient { .. } => "payment",
            Self::ContractReferenceBlank | Self::ContractReferenceTooLong | Self::Contract(_) => "payment.reference",
            Self::AgreementNotAccepted | Self::AgreementOutdated { .. } => "subscriber_agreement",
            Self::IdempotencyKeyInvalid => "idempotency_key",
        }
    }
}

/// Cents as an amount with two decimals.
/// An amount of cents as people read it: `1000.00`, `-25.00`, `-0.05`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let magnitude = cents.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

impl core::fmt::Display for OrderFormError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SignatureHashNotOffered { hash } => {
                let offered: Vec<&str> = OFFERED_SIGNATURE_HASHES.iter().map(|hash| hash.as_str()).collect();
                write!(
                    formatter,
                    "The CA does not sign with {}: choose {}.",
                    hash.as_str().to_uppercase(),
                    offered.join(" or ").to_uppercase()
                )
            }
            Self::OrganizationUnknown => formatter.write_str("Choose one of your account's organizations."),
            Self::OrganizationNotValidated => formatter.write_str(
                "This organization is not validated by the CA's staff yet: only organizations they vetted can \
                 order certificates that name them. Its page says where the vetting stands.",
            ),
            Self::OrganizationValidationExpired { .. } => write!(
                formatter,
                "This organization's validation is more than {ORGANIZATION_REUSE_DAYS} days old: validate it again \
                 before ordering."
            ),
            Self::ValidityYears { years } => write!(formatter, "Choose 1, 2 or 3 years ({years} was given)."),
            Self::ValidityDateMalformed => {
                formatter.write_str("Give the end date as YYYY-MM-DD, a real calendar date (UTC).")
            }
            Self::ValidityDateNotFuture => formatter.write_str("The end date must be after today (UTC)."),
            Self::ValidityDaysZero => formatter.write_str("Give at least 1 day of validity."),
            Self::ValidityOverCap { days, cap, profile } => write!(
                formatter,
                "{days} days is longer than \u{201c}{profile}\u{201d} allows today: at most {cap} days."
            ),
            Self::AutoRenewalsTooMany { count } => write!(
                formatter,
                "At most {MAXIMUM_AUTO_RENEWALS} automatic renewals can be ordered ({count} were asked)."
            ),
            Self::RecipientsEmpty => formatter.write_str("Add at least one recipient."),
            Self::RecipientsTooMany { count } => write!(
                formatter,
                "An order holds at most {MAXIMUM_RECIPIENTS} recipients ({count} were given): split it into \
                 several orders."
            ),
            Self::NameTooLong => {
                write!(formatter, "A name has at most {NAME_MAXIMUM_LENGTH} characters: shorten it.")
            }
            Self::NameInvisibleCharacter(error) => write!(formatter, "The name {error}"),
            Self::LangUnknown => formatter.write_str("Emails can be in English (en) or French (fr)."),
            Self::Address(error) => core::fmt::Display::fmt(error, formatter),
            Self::EmailDomainNotValidated { domain } => write!(
                formatter,
                "The domain {domain} is not validated for your account: validate it (by email to its \
                 administrators or by a DNS record) before ordering for its addresses."
            ),
            Self::DnsNameDomainNotValidated { name } => write!(
                formatter,
                "{name} is not under a domain validated for your account: validate its domain before ordering."
            ),
            Self::RecipientRepeated { email } => {
                write!(formatter, "{email} is already a recipient of this order: give each mailbox once.")
            }
            Self::DnsNameInTwoRecipients { name } => {
                write!(formatter, "{name} is already named by another recipient of this order.")
            }
            Self::Order(error) => core::fmt::Display::fmt(error, formatter),
            // `CsrError` words a clause (the edge's enrollment prefixes it): made a sentence here.
            Self::Csr(error) => write!(formatter, "The CSR cannot be used: {error}."),
            Self::Key(error) => core::fmt::Display::fmt(error, formatter),
            Self::NotificationEmailsTooMany { count } => write!(
                formatter,
                "At most {MAXIMUM_NOTIFICATION_EMAILS} notification addresses can be given ({count} were)."
            ),
            Self::NotificationEmailRepeated { email } => write!(formatter, "{email} is given twice."),
            Self::BalanceInsufficient { needed, balance } => write!(
                formatter,
                "The order costs {} and the account's balance is {}: add funds or pay under a contract.",
                money(*needed),
                money(*balance)
            ),
            Self::ContractReferenceBlank => formatter.write_str("Give the contract or purchase-order reference."),
            Self::Contract(error) => error.fmt(formatter),
            Self::ContractReferenceTooLong => {
                write!(formatter, "A contract reference has at most {CONTRACT_REFERENCE_MAXIMUM_LENGTH} characters.")
            }
            Self::AgreementNotAccepted => formatter.write_str("Accept the subscriber agreement to order."),
            Self::AgreementOutdated { .. } => write!(
                formatter,
                "The subscriber agreement changed (version {SUBSCRIBER_AGREEMENT_VERSION}): reload the page, read \
                 it and accept it again."
            ),
            Self::IdempotencyKeyInvalid => write!(
                formatter,
                "The idempotency key must have {IDEMPOTENCY_KEY_MINIMUM_LENGTH} to {IDEMPOTENCY_KEY_MAXIMUM_LENGTH} \
                 letters, digits, _ or -."
            ),
        }
    }
}

impl std::error::Error for OrderFormError {}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod whole_number_tests {
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    struct Whole {
        #[serde(deserialize_with = "super::whole_u32")]
        value: u32,
    }

    fn check(value: serde_json::Value, expected: Option<u32>) {
        let read = serde_json::from_value::<Whole>(json!({ "value": value.clone() })).map(|whole| whole.value);
        assert_eq!(read.as_ref().ok().copied(), expected, "{value}: {read:?}");
    }

    #[test]
    fn whole_numbers_are_read_with_or_without_a_zero_fraction() {
        check(json!(5), Some(5));
        check(json!(5.0), Some(5));
        check(json!(0.0), Some(0));
        check(json!(-0.0), Some(0));
        check(json!(4_294_967_295_u64), Some(u32::MAX));
        check(json!(4_294_967_295.0), Some(u32::MAX));
        check(json!(1_929_666_466.0), Some(1_929_666_466));
        check(json!(4_294_967_296_u64), None);
        check(json!(4_294_967_296.0), None);
        check(json!(5.5), None);
        check(json!(-1), None);
        check(json!(-1.0), None);
        check(json!(1e300), None);
        check(json!("5"), None);
        check(json!(null), None);
    }
}
