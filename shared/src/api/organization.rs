//! Organizations and their validation.
//!
//! - `POST /api/v1/organizations`: a [`NewOrganization`] → `201` [`OrganizationView`] (organization admins).
//! - `GET /api/v1/organizations`: an [`OrganizationList`], the caller's account's, newest first.
//! - `GET /api/v1/organizations/{id}`: an [`OrganizationView`]; another account's answers 404.
//! - `POST /api/v1/organizations/{id}/verification-code`: emails an 8-digit code to the organization's first
//!   contact → [`CodeSent`]. A resend makes a fresh code and the previous one stops working.
//! - `POST /api/v1/organizations/{id}/verification-code/check`: a [`CodeEntry`] → [`OrganizationView`]: the
//!   contact confirmed they speak for the organization (recorded and shown). It validates nothing: only the
//!   CA's staff do (`super::vetting`). Five wrong entries spend the code.
//!
//! Every refusal is an [`crate::api::ErrorBody`] naming the field; [`NewOrganization::check`] gives an
//! [`OrganizationError`] for every field that is wrong, in form order.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::address::EmailAddress;
use crate::api::domain::ValidationState;
use crate::text::{InvisibleCharacter, check_visible};
use crate::validation::Phone;
use crate::vetting::VettingStatus;

/// Creates an organization ([`NewOrganization`] → `201` [`OrganizationView`]), not yet validated.
pub const CREATE_ORGANIZATION: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/organizations",
    access: Access::AccountAdmin,
    summary: "Creates an organization",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// The account's organizations with their validation ([`OrganizationList`]).
pub const LIST_ORGANIZATIONS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/organizations",
    access: Access::Account,
    summary: "The account's organizations with their validation",
    body: Body::None,
};

/// An organization and its validation ([`OrganizationView`]).
pub const SHOW_ORGANIZATION: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/organizations/{id}",
    access: Access::Account,
    summary: "An organization and its validation",
    body: Body::None,
};

/// Emails a fresh 8-digit code to the first contact ([`CodeSent`]); the previous one stops working.
pub const SEND_VERIFICATION_CODE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/organizations/{id}/verification-code",
    access: Access::AccountAdmin,
    summary: "Emails a fresh 8-digit code to the first contact; the previous one stops working",
    body: Body::None,
};

/// Checks the code ([`CodeEntry`] → [`OrganizationView`]); right, the contact's confirmation is recorded (it
/// validates nothing: the CA's staff do).
pub const CHECK_VERIFICATION_CODE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/organizations/{id}/verification-code/check",
    access: Access::AccountAdmin,
    summary: "Checks the code; right, the contact's confirmation is recorded (the CA's staff validate)",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// Longest organization name: the X.520 upper bound for organizationName (RFC 5280 A.1, `ub-organization-name`).
pub const NAME_MAXIMUM_LENGTH: usize = 64;
/// Longest registration reference after the scheme and country (S/MIME BR 7.1.4.2.2 d).
pub const REFERENCE_MAXIMUM_LENGTH: usize = 64;
/// Longest street, city or region (X.520 `ub-street-address`, `ub-locality-name`, `ub-state-name`: 128).
pub const ADDRESS_LINE_MAXIMUM_LENGTH: usize = 128;
/// Longest postal code (X.520 `ub-postal-code`: 40).
pub const POSTAL_CODE_MAXIMUM_LENGTH: usize = 40;
/// Longest contact name.
pub const CONTACT_NAME_MAXIMUM_LENGTH: usize = 128;
/// Most contacts on one organization.
pub const CONTACTS_MAXIMUM: usize = 5;
/// Registration schemes of S/MIME BR 7.1.4.2.2 (d): national trade register, VAT, PSD2, government entity,
/// international organization. (LEI is written without a country: `LEIXG-…`.)
pub const REGISTRATION_SCHEMES: [&str; 6] = ["NTR", "VAT", "PSD", "GOV", "INT", "LEI"];

/// A postal address, as on the registration documents: the address the CA verifies. TLS server certificates state
/// its city and its state or province (TLS BR 7.1.2.7.4), so they are the address's, never typed apart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PostalAddress {
    /// Street and number.
    pub street: String,
    /// City or locality: the localityName of TLS server certificates.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// State, province or region, written out in full; empty where there is none. The stateOrProvinceName of TLS
    /// server certificates.
    #[serde(default)]
    pub region: String,
}

impl PostalAddress {
    /// The city, as a certificate's localityName; `None` when none is recorded.
    pub fn locality(&self) -> Option<String> {
        recorded(&self.city)
    }

    /// The state, province or region, as a certificate's stateOrProvinceName; `None` where there is none.
    pub fn state_or_province(&self) -> Option<String> {
        recorded(&self.region)
    }
}

/// `value` trimmed, `None` when that leaves nothing.
fn recorded(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A person Keyward may contact about the organization; the first receives verification codes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Telephone number, international form.
    pub phone: String,
}

/// `POST /api/v1/organizations`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewOrganization {
    /// Legal name, as registered (the certificate's organizationName).
    pub name: String,
    /// Registration reference, S/MIME BR 7.1.4.2.2 (d): scheme, country, hyphen, reference (`NTRGB-12345678`).
    pub registration_identifier: String,
    /// ISO 3166-1 alpha-2 country of registration (`GB`, `FR`).
    pub country: String,
    /// Registered address.
    pub address: PostalAddress,
    /// The organization's telephone number, international form.
    pub phone: String,
    /// One to five contacts; the first receives verification codes.
    pub contacts: Vec<Contact>,
}

/// A [`NewOrganization`] whose every field passed [`NewOrganization::check`], normalized (trimmed, country and
/// scheme upper-case, phones in E.164, addresses with their domain lower-cased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedOrganization {
    /// Legal name.
    pub name: String,
    /// Registration reference.
    pub registration_identifier: String,
    /// Country, upper-case.
    pub country: String,
    /// Registered address, trimmed.
    pub address: PostalAddress,
    /// Telephone, E.164.
    pub phone: Phone,
    /// Contacts, trimmed, phones in E.164.
    pub contacts: Vec<Contact>,
}

impl NewOrganization {
    /// Checks every field, in form order, and reports every problem at once.
    ///
    /// # Errors
    ///
    /// An [`OrganizationError`] for each field that is wrong (a contact's errors say which contact), in form
    /// order; never empty.
    pub fn check(&self) -> Result<CheckedOrganization, Vec<OrganizationError>> {
        let mut errors = Vec::new();
        let name = keep(&mut errors, check_text(&self.name, "name", NAME_MAXIMUM_LENGTH, true));
        let registration_identifier = keep(&mut errors, check_registration_identifier(&self.registration_identifier));
        let country = keep(&mut errors, check_country(&self.country));
        if let (Some(identifier), Some(country)) = (&registration_identifier, &country) {
            // LEI and INT identifiers carry XG (no country) in place of a country (S/MIME BR 7.1.4.2.2 d).
            let international = ["LEI", "INT"].iter().any(|scheme| identifier.starts_with(scheme));
            if !international && identifier[3..5] != *country {
                errors.push(OrganizationError::RegistrationCountryMismatch { country: country.clone() });
            }
        }
        let street =
            keep(&mut errors, check_text(&self.address.street, "address.street", ADDRESS_LINE_MAXIMUM_LENGTH, true));
        let city = keep(&mut errors, check_text(&self.address.city, "address.city", ADDRESS_LINE_MAXIMUM_LENGTH, true));
        let postal_code = keep(&mut errors, check_postal_code(&self.address.postal_code));
        let region =
            keep(&mut errors, check_text(&self.address.region, "address.region", ADDRESS_LINE_MAXIMUM_LENGTH, false));
        let phone = keep(
            &mut errors,
            Phone::parse(&self.phone).map_err(|error| OrganizationError::Phone {
                field: "phone",
                code: error.code(),
                reason: error.to_string(),
            }),
        );
        if self.contacts.is_empty() {
            errors.push(OrganizationError::ContactsMissing);
        } else if self.contacts.len() > CONTACTS_MAXIMUM {
            errors.push(OrganizationError::TooManyContacts { count: self.contacts.len() });
        }
        let mut contacts = Vec::with_capacity(self.contacts.len());
        for (index, contact) in self.contacts.iter().enumerate().take(CONTACTS_MAXIMUM) {
            let mut in_contact = |result: Result<String, OrganizationError>| {
                result.map_err(|error| errors.push(OrganizationError::InContact { index, error: Box::new(error) })).ok()
            };
            let name = in_contact(check_text(&contact.name, "contacts.name", CONTACT_NAME_MAXIMUM_LENGTH, true));
            let email = in_contact(
                EmailAddress::parse(&contact.email)
                    .map(|email| email.as_str().to_owned())
                    .map_err(|error| OrganizationError::Email { code: error.code(), reason: error.to_string() }),
            );
            let phone =
                in_contact(Phone::parse(&contact.phone).map(|phone| phone.as_str().to_owned()).map_err(|error| {
                    OrganizationError::Phone { field: "contacts.phone", code: error.code(), reason: error.to_string() }
                }));
            if let (Some(name), Some(email), Some(phone)) = (name, email, phone) {
                contacts.push(Contact { name, email, phone });
            }
        }
        match (name, registration_identifier, country, street, city, postal_code, region, phone) {
            (
                Some(name),
                Some(registration_identifier),
                Some(country),
                Some(street),
                Some(city),
                Some(postal_code),
                Some(region),
                Some(phone),
            ) if errors.is_empty() => Ok(CheckedOrganization {
                name,
                registration_identifier,
                country,
                address: PostalAddress { street, city, postal_code, region },
                phone,
                contacts,
            }),
            _ => Err(errors),
        }
    }
}

/// The value of `result`, or `None` with its error added to `errors`.
fn keep<T>(errors: &mut Vec<OrganizationError>, result: Result<T, OrganizationError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

/// Characters refused in names and addresses: markup, quoting and statement separators that no legal name
/// or street needs and that injection attempts do (`<script>`, `"; DROP TABLE`, `{{…}}`, `=cmd|…`).
const REFUSED_PUNCTUATION: &[char] = &['<', '>', '"', ';', '=', '`', '{', '}', '[', ']', '\\', '|', '$'];

/// A free-text field: trimmed, within `maximum` characters, not only dots and hyphens (what a certificate may not
/// state as a value: S/MIME BR 7.1.4.2, TLS BR 7.1.4.3), no invisible or reordering characters
/// ([`crate::text::check_visible`]), none of
/// [`REFUSED_PUNCTUATION`]; empty allowed only when not `required`.
fn check_text(value: &str, field: &'static str, maximum: usize, required: bool) -> Result<String, OrganizationError> {
    let text = value.trim();
    if text.is_empty() {
        return if required { Err(OrganizationError::Empty { field }) } else { Ok(String::new()) };
    }
    if text.chars().all(|character| matches!(character, '.' | '-') || character.is_whitespace()) {
        return Err(OrganizationError::Placeholder { field });
    }
    let length = text.chars().count();
    if length > maximum {
        return Err(OrganizationError::TooLong { field, length, maximum });
    }
    check_visible(text).map_err(|error| OrganizationError::InvisibleCharacter { field, character: error.character })?;
    if let Some(character) = text.chars().find(|character| REFUSED_PUNCTUATION.contains(character)) {
        return Err(OrganizationError::RefusedCharacter { field, character });
    }
    Ok(text.to_owned())
}

/// `SSSCC-reference` or `SSSCC+RR-reference` (a subdivision after `+`), `LEIXG-reference`.
fn check_registration_identifier(value: &str) -> Result<String, OrganizationError> {
    let field = "registration_identifier";
    let text = value.trim();
    if text.is_empty() {
        return Err(OrganizationError::Empty { field });
    }
    if text.chars().count() > 5 + 4 + 1 + REFERENCE_MAXIMUM_LENGTH {
        return Err(OrganizationError::TooLong { field, length: text.chars().count(), maximum: 74 });
    }
    let malformed = OrganizationError::RegistrationIdentifierMalformed;
    let (prefix, reference) = text.split_once('-').ok_or(malformed.clone())?;
    let (scheme_country, subdivision) = match prefix.split_once('+') {
        Some((head, subdivision)) => (head, Some(subdivision)),
        None => (prefix, None),
    };
    if scheme_country.len() != 5 || !scheme_country.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return Err(malformed);
    }
    let scheme = scheme_country[..3].to_ascii_uppercase();
    if !REGISTRATION_SCHEMES.contains(&scheme.as_str()) {
        return Err(OrganizationError::RegistrationSchemeUnknown { scheme });
    }
    if subdivision
        .is_some_and(|code| code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(malformed);
    }
    let reference_allowed = |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'/');
    if reference.is_empty() || reference.len() > REFERENCE_MAXIMUM_LENGTH || !reference.bytes().all(reference_allowed) {
        return Err(malformed);
    }
    Ok(text.to_ascii_uppercase())
}

/// Two ASCII letters, upper-cased.
fn check_country(value: &str) -> Result<String, OrganizationError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(OrganizationError::Empty { field: "country" });
    }
    if text.len() != 2 || !text.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return Err(OrganizationError::CountryMalformed);
    }
    Ok(text.to_ascii_uppercase())
}

/// Letters, digits, spaces and hyphens, 1 to 40 characters.
fn check_postal_code(value: &str) -> Result<String, OrganizationError> {
    let field = "address.postal_code";
    let text = check_text(value, field, POSTAL_CODE_MAXIMUM_LENGTH, true)?;
    if !text.chars().all(|character| character.is_ascii_alphanumeric() || matches!(character, ' ' | '-')) {
        return Err(OrganizationError::PostalCodeMalformed);
    }
    Ok(text)
}

/// `POST /api/v1/organizations/{id}/verification-code/check`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeEntry {
    /// The 8 digits from the email (spaces and dashes between them are ignored).
    pub code: String,
}

/// `POST /api/v1/organizations/{id}/verification-code`: where the code went and until when it works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeSent {
    /// The contact address the code was emailed to.
    pub sent_to: String,
    /// When the code stops working (Unix seconds).
    pub expires_at: i64,
}

/// An organization as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrganizationView {
    /// Identifier.
    pub id: String,
    /// Legal name.
    pub name: String,
    /// Registration reference.
    pub registration_identifier: String,
    /// Country.
    pub country: String,
    /// Registered address.
    pub address: PostalAddress,
    /// Telephone, E.164.
    pub phone: String,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Where validation stands now.
    pub validation: ValidationState,
    /// How the current or last validation is done (`email_code`, `call`), if one was started.
    pub method: Option<String>,
    /// When the pending code stops working, while one is pending.
    pub code_expires_at: Option<i64>,
    /// Entries left before the pending code is spent (0: ask for a new code), while one is pending.
    pub code_attempts_left: Option<u32>,
    /// Where its vetting by the CA's staff stands (the only way it is validated).
    pub vetting: VettingStatus,
    /// When a contact confirmed, with the emailed code, that they speak for the organization (validates nothing).
    pub contact_confirmed_at: Option<i64>,
    /// The address that confirmed.
    pub contact_confirmed_by: Option<String>,
    /// When it was validated, if it was.
    pub validated_at: Option<i64>,
    /// Until when the validation may be relied on (825 days after it).
    pub validated_until: Option<i64>,
    /// When it was created.
    pub created_at: i64,
}

/// `GET /api/v1/organizations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrganizationList {
    /// The account's organizations, newest first.
    pub organizations: Vec<OrganizationView>,
}

/// Why an organization request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrganizationError {
    /// A required field is empty.
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A field is longer than allowed.
    TooLong {
        /// The field.
        field: &'static str,
        /// Characters given.
        length: usize,
        /// Characters allowed.
        maximum: usize,
    },
    /// An invisible, control or bidirectional-reordering character.
    InvisibleCharacter {
        /// The field.
        field: &'static str,
        /// The character.
        character: char,
    },
    /// Only dots, hyphens and spaces: what stands for a missing value, which no certificate may state.
    Placeholder {
        /// The field.
        field: &'static str,
    },
    /// A character of markup, quoting or statement separation.
    RefusedCharacter {
        /// The field.
        field: &'static str,
        /// The character.
        character: char,
    },
    /// The registration reference is not `SSSCC-reference`.
    RegistrationIdentifierMalformed,
    /// The registration scheme is not one of [`REGISTRATION_SCHEMES`].
    RegistrationSchemeUnknown {
        /// The scheme given, upper-case.
        scheme: String,
    },
    /// The registration reference names another country than `country`.
    RegistrationCountryMismatch {
        /// The country field.
        country: String,
    },
    /// The country is not two letters.
    CountryMalformed,
    /// The postal code holds other characters than letters, digits, spaces and hyphens.
    PostalCodeMalformed,
    /// A telephone number is refused.
    Phone {
        /// `phone` or `contacts.phone`.
        field: &'static str,
        /// The phone rule's code.
        code: &'static str,
        /// The phone rule's sentence.
        reason: String,
    },
    /// An email address is refused.
    Email {
        /// The address rule's code.
        code: &'static str,
        /// The address rule's sentence.
        reason: String,
    },
    /// No contact was given.
    ContactsMissing,
    /// More than [`CONTACTS_MAXIMUM`] contacts.
    TooManyContacts {
        /// Contacts given.
        count: usize,
    },
    /// A contact's field is refused.
    InContact {
        /// Zero-based position in `contacts`.
        index: usize,
        /// What is wrong with it.
        error: Box<OrganizationError>,
    },
    /// No organization with that identifier in the caller's account.
    NotFound,
    /// The verification code was wrong; tries remain.
    CodeWrong {
        /// Tries left before the code is spent.
        remaining: u32,
    },
    /// No code is pending: none was sent, or the last one was used.
    NoCodePending,
}

impl OrganizationError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "value_blank",
            Self::Placeholder { .. } => "value_placeholder",
            Self::TooLong { .. } => "value_too_long",
            Self::InvisibleCharacter { character, .. } => InvisibleCharacter { character: *character }.code(),
            Self::RefusedCharacter { .. } => "value_refused_character",
            Self::RegistrationIdentifierMalformed => "registration_identifier_malformed",
            Self::RegistrationSchemeUnknown { .. } => "registration_scheme_unknown",
            Self::RegistrationCountryMismatch { .. } => "registration_country_mismatch",
            Self::CountryMalformed => "country_malformed",
            Self::PostalCodeMalformed => "postal_code_malformed",
            Self::Phone { code, .. } | Self::Email { code, .. } => code,
            Self::ContactsMissing => "contacts_missing",
            Self::TooManyContacts { .. } => "contacts_too_many",
            Self::InContact { error, .. } => error.code(),
            Self::NotFound => "organization_not_found",
            Self::CodeWrong { .. } => "verification_code_wrong",
            Self::NoCodePending => "verification_code_not_pending",
        }
    }

    /// The request field, `contacts.email` style for a contact's (the message says which contact).
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty { field }
            | Self::Placeholder { field }
            | Self::TooLong { field, .. }
            | Self::InvisibleCharacter { field, .. }
            | Self::RefusedCharacter { field, .. }
            | Self::Phone { field, .. } => field,
            Self::RegistrationIdentifierMalformed
            | Self::RegistrationSchemeUnknown { .. }
            | Self::RegistrationCountryMismatch { .. } => "registration_identifier",
            Self::CountryMalformed => "country",
            Self::PostalCodeMalformed => "address.postal_code",
            Self::Email { .. } => "contacts.email",
            Self::ContactsMissing | Self::TooManyContacts { .. } => "contacts",
            Self::InContact { error, .. } => error.field(),
            Self::NotFound => "id",
            Self::CodeWrong { .. } | Self::NoCodePending => "code",
        }
    }
}

/// The field's name as a person reads it.
fn label(field: &str) -> &str {
    match field {
        "name" => "The name",
        "address.street" => "The street",
        "address.city" => "The city",
        "address.postal_code" => "The postal code",
        "address.region" => "The state, province or region",
        "contacts.name" => "The contact's name",
        "registration_identifier" => "The registration identifier",
        "country" => "The country",
        _ => "The value",
    }
}

impl core::fmt::Display for OrganizationError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty { field } => write!(formatter, "{} is empty: fill it in.", label(field)),
            Self::Placeholder { field } => write!(
                formatter,
                "{} holds only dots, hyphens or spaces, which stand for a missing value: write it as on the \
                 registration documents, or leave it empty where it is optional.",
                label(field)
            ),
            Self::TooLong { field, length, maximum } => {
                write!(formatter, "{} has {length} characters; at most {maximum} are accepted.", label(field))
            }
            Self::InvisibleCharacter { field, character } => {
                write!(formatter, "{} {}", label(field), InvisibleCharacter { character: *character })
            }
            Self::RefusedCharacter { field, character } => write!(
                formatter,
                "{} holds \u{201c}{character}\u{201d}, which Keyward does not accept there: write it as on the \
                 registration documents, without < > \" ; = ` {{ }} [ ] \\ | $.",
                label(field)
            ),
            Self::RegistrationIdentifierMalformed => formatter.write_str(
                "Write the registration identifier as scheme, country, hyphen, reference, such as NTRGB-12345678 \
                 (national trade register, Great Britain) or VATFR-FR12345678901.",
            ),
            Self::RegistrationSchemeUnknown { scheme } => write!(
                formatter,
                "The registration scheme {scheme} is not known: use NTR (trade register), VAT, PSD, GOV, INT or LEI."
            ),
            Self::RegistrationCountryMismatch { country } => write!(
                formatter,
                "The registration identifier names another country than {country}: give the country of the register."
            ),
            Self::CountryMalformed => {
                formatter.write_str("Give the country as its two-letter ISO 3166 code, such as GB or FR.")
            }
            Self::PostalCodeMalformed => {
                formatter.write_str("The postal code may hold letters, digits, spaces and hyphens only.")
            }
            Self::Phone { reason, .. } | Self::Email { reason, .. } => formatter.write_str(reason),
            Self::ContactsMissing => {
                formatter.write_str("Give at least one contact: they receive the verification code.")
            }
            Self::TooManyContacts { count } => {
                write!(formatter, "{count} contacts were given; at most {CONTACTS_MAXIMUM} are accepted.")
            }
            Self::InContact { index, error } => write!(formatter, "Contact {}: {error}", index + 1),
            Self::NotFound => formatter.write_str("No such organization in your account."),
            Self::CodeWrong { remaining } => write!(
                formatter,
                "This code is not the one we sent. {remaining} {} left before the code stops working.",
                if *remaining == 1 { "try" } else { "tries" }
            ),
            Self::NoCodePending => {
                formatter.write_str("No verification code is waiting to be entered: ask for a code to be sent first.")
            }
        }
    }
}

impl std::error::Error for OrganizationError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NewOrganization {
        NewOrganization {
            name: "Example Org".into(),
            registration_identifier: "NTRGB-12345678".into(),
            country: "gb".into(),
            address: PostalAddress {
                street: "1 High Street".into(),
                city: "London".into(),
                postal_code: "SW1A 1AA".into(),
                region: String::new(),
            },
            phone: "+44 20 7946 0000".into(),
            contacts: vec![Contact {
                name: "Ada Lovelace".into(),
                email: "ada@Example.COM".into(),
                phone: "+44 20 7946 0001".into(),
            }],
        }
    }

    /// Applies `change` to a valid organization and compares the first error's (code, field).
    fn check(change: impl FnOnce(&mut NewOrganization), expected: Option<(&str, &str)>) {
        let mut organization = valid();
        change(&mut organization);
        let result = organization.check();
        let got = result.as_ref().err().map(|errors| (errors[0].code(), errors[0].field()));
        assert_eq!(got, expected, "{result:?}");
        for error in result.err().unwrap_or_default() {
            assert!(error.to_string().ends_with('.'), "{error}");
        }
    }

    #[test]
    fn a_valid_organization_is_normalized() {
        let checked = valid().check().unwrap();
        assert_eq!(checked.country, "GB");
        assert_eq!(checked.phone.as_str(), "+442079460000");
        assert_eq!(checked.contacts[0].email, "ada@example.com");
        assert_eq!(checked.contacts[0].phone, "+442079460001");
        assert_eq!((checked.address.locality(), checked.address.state_or_province()), (Some("London".into()), None));
        let mut regional = valid();
        (regional.address.city, regional.address.region) = (" Manchester ".into(), " Greater Manchester ".into());
        let regional = regional.check().unwrap().address;
        assert_eq!(
            (regional.locality(), regional.state_or_province()),
            (Some("Manchester".into()), Some("Greater Manchester".into()))
        );
        check(
            |o| o.registration_identifier = "vatfr-FR12345678901".into(),
            Some(("registration_country_mismatch", "registration_identifier")),
        );
        check(
            |o| {
                o.registration_identifier = "vatfr-FR12345678901".into();
                o.country = "fr".into()
            },
            None,
        );
        check(|o| o.registration_identifier = "LEIXG-5493001KJTIIGC8Y1R12".into(), None);
        check(|o| o.registration_identifier = "INTXG-UNESCO".into(), None);
        check(|o| o.registration_identifier = "NTRGB+ENG-12345678".into(), None);
        check(|o| o.name = "O'Brien & Sons (Holdings) Ltd.".into(), None);
        check(|o| o.name = "Société Générale".into(), None);
    }

    #[test]
    fn every_field_names_its_error() {
        check(|o| o.name = "   ".into(), Some(("value_blank", "name")));
        check(|o| o.name = "x".repeat(65), Some(("value_too_long", "name")));
        check(|o| o.name = "Evil\u{202e}gro".into(), Some(("value_invisible_character", "name")));
        check(|o| o.name = "Zero\u{200b}Width".into(), Some(("value_invisible_character", "name")));
        check(|o| o.name = "Robert'); DROP TABLE organizations;--".into(), Some(("value_refused_character", "name")));
        check(|o| o.name = "<script>alert(1)</script>".into(), Some(("value_refused_character", "name")));
        check(|o| o.registration_identifier = String::new(), Some(("value_blank", "registration_identifier")));
        check(
            |o| o.registration_identifier = "12345678".into(),
            Some(("registration_identifier_malformed", "registration_identifier")),
        );
        check(
            |o| o.registration_identifier = "XYZGB-1".into(),
            Some(("registration_scheme_unknown", "registration_identifier")),
        );
        check(
            |o| o.registration_identifier = "NTRGB-1 OR 1=1".into(),
            Some(("registration_identifier_malformed", "registration_identifier")),
        );
        check(
            |o| o.registration_identifier = format!("NTRGB-{}", "1".repeat(70)),
            Some(("value_too_long", "registration_identifier")),
        );
        check(|o| o.country = String::new(), Some(("value_blank", "country")));
        check(|o| o.country = "GBR".into(), Some(("country_malformed", "country")));
        check(|o| o.country = "Г".into(), Some(("country_malformed", "country")));
        check(|o| o.address.street = String::new(), Some(("value_blank", "address.street")));
        check(|o| o.address.city = "c".repeat(129), Some(("value_too_long", "address.city")));
        check(|o| o.address.postal_code = "SW1A;1AA".into(), Some(("value_refused_character", "address.postal_code")));
        check(|o| o.address.postal_code = "SW1A_1AA".into(), Some(("postal_code_malformed", "address.postal_code")));
        check(|o| o.address.region = "{{7*7}}".into(), Some(("value_refused_character", "address.region")));
        // The city and the region are the localityName and stateOrProvinceName of TLS server certificates.
        check(|o| o.address.city = " - ".into(), Some(("value_placeholder", "address.city")));
        check(|o| o.address.city = "London\u{0007}".into(), Some(("value_invisible_character", "address.city")));
        check(|o| o.address.city = "\u{00a0}".into(), Some(("value_blank", "address.city")));
        check(|o| o.address.city = "c".repeat(128), None);
        check(|o| o.address.region = ".".into(), Some(("value_placeholder", "address.region")));
        check(|o| o.address.region = "- -".into(), Some(("value_placeholder", "address.region")));
        check(|o| o.address.region = "r".repeat(129), Some(("value_too_long", "address.region")));
        check(
            |o| o.address.region = "Evil\u{200f}Region".into(),
            Some(("value_invisible_character", "address.region")),
        );
        check(|o| o.address.region = "Provence-Alpes-Côte d'Azur".into(), None);
        check(|o| o.name = "...".into(), Some(("value_placeholder", "name")));
        check(|o| o.phone = String::new(), Some(("phone_empty", "phone")));
        check(|o| o.phone = "020 7946 0000".into(), Some(("phone_not_international", "phone")));
        check(|o| o.contacts.clear(), Some(("contacts_missing", "contacts")));
        check(|o| o.contacts = vec![o.contacts[0].clone(); 6], Some(("contacts_too_many", "contacts")));
        check(|o| o.contacts[0].name = String::new(), Some(("value_blank", "contacts.name")));
        check(|o| o.contacts[0].email = "ada@exаmple.com".into(), Some(("email_not_ascii", "contacts.email")));
        check(|o| o.contacts[0].email = "ada".into(), Some(("email_no_at", "contacts.email")));
        check(|o| o.contacts[0].phone = "+0 123".into(), Some(("phone_length", "contacts.phone")));
    }

    #[test]
    fn an_invisible_character_is_named() {
        for (field, change, code_point, kind) in [
            (
                "name",
                (|o: &mut NewOrganization| o.name = "Evil\u{202e}gro".into()) as fn(&mut NewOrganization),
                "U+202E",
                "bidirectional",
            ),
            ("name", |o| o.name = "Soft\u{00ad}Ltd".into(), "U+00AD", "soft hyphen"),
            ("address.street", |o| o.address.street = "\u{feff}1 High Street".into(), "U+FEFF", "zero-width"),
            ("contacts.name", |o| o.contacts[0].name = "Ada\u{0000}".into(), "U+0000", "control character"),
        ] {
            let mut organization = valid();
            change(&mut organization);
            let errors = organization.check().unwrap_err();
            assert_eq!((errors[0].code(), errors[0].field()), ("value_invisible_character", field));
            let message = errors[0].to_string();
            assert!(message.contains(code_point) && message.contains(kind), "{message}");
        }
    }

    #[test]
    fn a_contact_error_says_which_contact() {
        let mut organization = valid();
        organization.contacts.push(Contact { email: "bad".into(), ..organization.contacts[0].clone() });
        let errors = organization.check().unwrap_err();
        assert!(errors[0].to_string().starts_with("Contact 2: "), "{}", errors[0]);
    }

    #[test]
    fn every_problem_is_reported_at_once_in_form_order() {
        let mut organization = valid();
        organization.name = String::new();
        organization.country = "G".into();
        organization.address.postal_code = "<>".into();
        organization.phone = "12".into();
        organization.contacts.push(Contact {
            name: String::new(),
            email: "bad".into(),
            phone: "+44 20 7946 0002".into(),
        });
        let errors = organization.check().unwrap_err();
        let found: Vec<(&str, &str)> = errors.iter().map(|error| (error.code(), error.field())).collect();
        assert_eq!(
            found.iter().map(|(_, field)| *field).collect::<Vec<_>>(),
            ["name", "country", "address.postal_code", "phone", "contacts.name", "contacts.email"],
            "{found:?}"
        );
        assert!(errors[4].to_string().starts_with("Contact 2: "), "{}", errors[4]);
        // The country check against the identifier runs only when both are readable.
        assert!(!found.iter().any(|(code, _)| *code == "registration_country_mismatch"));
    }
}
