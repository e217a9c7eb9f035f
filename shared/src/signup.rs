//! Onboarding: the rules of the public signup form and of the CA administrators' account changes, the signup
//! throttles, and the two emails a signup sends.
//!
//! A signup names an organization (it becomes the account's name: no organization is created, and nothing is
//! validated), its first administrator's name and address. The address is confirmed by a single-use link
//! ([`crate::link`], 24 hours); the administrator sets a password on the link's page. The answer to the form is
//! the same for a known and an unknown address: a known one is emailed that it already has an account instead of a
//! link. Signups are throttled per submitted address and per client network ([`SIGNUP_ADDRESS_THROTTLE`],
//! [`SIGNUP_CLIENT_THROTTLE`], the rules of [`crate::account::Throttle`]).
//!
//! Every check returns a [`SignupError`] naming the request field it is about.

use core::fmt;

use crate::account::{ThrottlePolicy, ThrottleScope};
use crate::address::{AddressError, EmailAddress};
use crate::lang::Lang;
use crate::mail::Email;
use crate::text::{InvisibleCharacter, check_visible};

/// How long a signup link stays usable, seconds (24 hours, like the other emailed links that prove an address).
pub const SIGNUP_LINK_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

/// The longest organization (account) name, characters: the organization form's limit
/// (`api::organization::NAME_MAXIMUM_LENGTH`).
pub const ORGANIZATION_NAME_MAXIMUM_LENGTH: usize = 64;

/// The longest person's name, characters: the user forms' limit (`edge/src/account.rs`).
pub const PERSON_NAME_MAXIMUM_LENGTH: usize = 100;

/// The longest reason a CA administrator gives for an account change, characters.
pub const REASON_MAXIMUM_LENGTH: usize = 500;

/// Signups per submitted address: 3 at once, then one per 15 minutes doubling to 6 hours; forgotten after a day
/// without one. An address can be sent a few links (a lost email, a typo in the name), not a mail bomb.
pub const SIGNUP_ADDRESS_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    allowance: 3,
    first_delay_seconds: 15 * 60,
    longest_delay_seconds: 6 * 60 * 60,
    forget_after_seconds: 24 * 60 * 60,
    scope: ThrottleScope::Address,
};

/// Signups per client network (an IPv4 address, an IPv6 /64): 10 at once, then one per 10 minutes doubling to an
/// hour; forgotten after a day without one. One office signs up a handful of accounts, not hundreds.
pub const SIGNUP_CLIENT_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    allowance: 10,
    first_delay_seconds: 10 * 60,
    longest_delay_seconds: 60 * 60,
    forget_after_seconds: 24 * 60 * 60,
    scope: ThrottleScope::ClientNetwork,
};

/// Why a signup or an account change is refused; each names its request field ([`SignupError::field`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignupError {
    /// Nothing but blanks was given.
    Missing {
        /// The request field.
        field: &'static str,
    },
    /// More characters than the field takes.
    TooLong {
        /// The request field.
        field: &'static str,
        /// Characters given.
        length: usize,
        /// Characters allowed.
        maximum: usize,
    },
    /// A control, bidirectional or invisible character (`text::check_visible`).
    Invisible {
        /// The request field.
        field: &'static str,
        /// The character.
        character: InvisibleCharacter,
    },
    /// The address is not one Keyward takes (`address::EmailAddress::parse`).
    Address {
        /// The request field.
        field: &'static str,
        /// The rule broken.
        error: AddressError,
    },
    /// A language Keyward does not speak.
    LanguageUnknown,
    /// Too many signups from this client network or for this address; try again after `until`.
    TooMany {
        /// When a signup is taken again.
        until: i64,
        /// Whose allowance ran out.
        scope: ThrottleScope,
    },
}

impl SignupError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing { .. } => "value_missing",
            Self::TooLong { .. } => "value_too_long",
            Self::Invisible { .. } => "value_invisible_character",
            Self::Address { error, .. } => error.code(),
            Self::LanguageUnknown => "lang_unknown",
            Self::TooMany { .. } => "too_many_signups",
        }
    }

    /// The request field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field } | Self::TooLong { field, .. } | Self::Invisible { field, .. } => field,
            Self::Address { field, .. } => field,
            Self::LanguageUnknown => "lang",
            // Signups are never counted per user (`SecondStep` is the login's): it reads as the address's.
            Self::TooMany { scope: ThrottleScope::Address | ThrottleScope::SecondStep, .. } => "email",
            Self::TooMany { scope: ThrottleScope::ClientNetwork, .. } => "client",
        }
    }

    /// Seconds until a throttled signup is taken again, at least 1 (the `Retry-After` header); `None` for the
    /// other refusals.
    pub fn retry_after(&self, now: i64) -> Option<i64> {
        match self {
            Self::TooMany { until, .. } => Some((until - now).max(1)),
            _ => None,
        }
    }
}

impl fmt::Display for SignupError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { field } => write!(formatter, "Enter a value for {field}."),
            Self::TooLong { field, length, maximum } => {
                write!(formatter, "{field} has {length} characters; at most {maximum} are taken.")
            }
            Self::Invisible { field, character } => write!(formatter, "{field} {character}"),
            Self::Address { error, .. } => write!(formatter, "{error}"),
            Self::LanguageUnknown => write!(formatter, "Choose en or fr."),
            Self::TooMany { until, scope: ThrottleScope::Address | ThrottleScope::SecondStep } => write!(
                formatter,
                "Too many signups for this address; try again after {until} (Unix time), or log in if the account \
                 exists."
            ),
            Self::TooMany { until, scope: ThrottleScope::ClientNetwork } => {
                write!(formatter, "Too many signups from your network; try again after {until} (Unix time).")
            }
        }
    }
}

/// Checks a typed text: trimmed, present, at most `maximum` characters, nothing invisible.
fn check_text(text: &str, field: &'static str, maximum: usize) -> Result<String, SignupError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SignupError::Missing { field });
    }
    let length = text.chars().count();
    if length > maximum {
        return Err(SignupError::TooLong { field, length, maximum });
    }
    check_visible(text).map_err(|character| SignupError::Invisible { field, character })?;
    Ok(text.to_owned())
}

/// Checks an organization's (an account's) name, as the organization form does.
pub fn check_organization_name(text: &str, field: &'static str) -> Result<String, SignupError> {
    check_text(text, field, ORGANIZATION_NAME_MAXIMUM_LENGTH)
}

/// Checks a person's name, as the user forms do.
pub fn check_person_name(text: &str, field: &'static str) -> Result<String, SignupError> {
    check_text(text, field, PERSON_NAME_MAXIMUM_LENGTH)
}

/// Checks the reason a CA administrator gives for an account change (it goes to the audit log), field `reason`.
pub fn check_reason(text: &str) -> Result<String, SignupError> {
    check_text(text, "reason", REASON_MAXIMUM_LENGTH)
}

/// Checks an address typed on a form.
pub fn check_address(text: &str, field: &'static str) -> Result<EmailAddress, SignupError> {
    EmailAddress::parse(text).map_err(|error| SignupError::Address { field, error })
}

/// The language a form names (`en`, `fr`); English when none.
pub fn check_lang(tag: Option<&str>) -> Result<Lang, SignupError> {
    match tag.map(str::trim).filter(|tag| !tag.is_empty()) {
        None => Ok(Lang::En),
        Some(tag) => Lang::ALL.into_iter().find(|lang| lang.tag() == tag).ok_or(SignupError::LanguageUnknown),
    }
}

/// A signup form whose every field passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedSignup {
    /// The organization's name: the new account's name.
    pub organization_name: String,
    /// The first administrator's name.
    pub name: String,
    /// Their address.
    pub email: EmailAddress,
    /// The language of the emails.
    pub lang: Lang,
}

/// Checks a signup form: every problem at once, each naming its field (`organization_name`, `name`, `email`,
/// `lang`).
pub fn check_signup(
    organization_name: &str,
    name: &str,
    email: &str,
    lang: Option<&str>,
) -> Result<CheckedSignup, Vec<SignupError>> {
    let organization_name = check_organization_name(organization_name, "organization_name");
    let name = check_person_name(name, "name");
    let email = check_address(email, "email");
    let lang = check_lang(lang);
    match (organization_name, name, email, lang) {
        (Ok(organization_name), Ok(name), Ok(email), Ok(lang)) => {
            Ok(CheckedSignup { organization_name, name, email, lang })
        }
        (organization_name, name, email, lang) => {
            Err([organization_name.err(), name.err(), email.err(), lang.err()].into_iter().flatten().collect())
        }
    }
}

/// The email carrying a signup link: open it to confirm the address and set the password.
pub fn signup_link(lang: Lang, email: &str, name: &str, organization: &str, url: &str, hours: i64) -> Email {
    let (subject, body) = match lang {
        Lang::En => (
            "Confirm your Keyward account".to_owned(),
            format!(
                "Hello {name},\n\nSomeone (you, we hope) asked for a Keyward account for {organization} with this \
                 address as its administrator.\n\nOpen this link to confirm the address and choose your password:\n\n\
                 {url}\n\nIt works once and expires in {hours} hours. Opening it does not use it: only the button on \
                 the page does.\n\nIf you did not ask, ignore this email: no account is made.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            "Confirmez votre compte Keyward".to_owned(),
            format!(
                "Bonjour {name},\n\nQuelqu’un (vous, espérons-le) a demandé un compte Keyward pour {organization} \
                 avec cette adresse comme administrateur.\n\nOuvrez ce lien pour confirmer l’adresse et choisir \
                 votre mot de passe\u{a0}:\n\n{url}\n\nIl fonctionne une fois et expire dans {hours}\u{a0}heures. \
                 L’ouvrir ne l’utilise pas\u{a0}: seul le bouton de la page le fait.\n\nSi vous n’avez rien demandé, \
                 ignorez ce message\u{a0}: aucun compte n’est créé.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: email.to_owned(), subject, body, lang }
}

/// The email a signup with a known address sends instead of a link: the address has an account; log in, or reset
/// the password.
pub fn signup_known_address(lang: Lang, email: &str, login_url: &str, reset_url: &str) -> Email {
    let (subject, body) = match lang {
        Lang::En => (
            "You already have a Keyward account".to_owned(),
            format!(
                "Hello,\n\nSomeone (you, we hope) asked for a new Keyward account with this address, which already \
                 has one. No new account was made.\n\nLog in at {login_url}, or if you forgot your password, \
                 reset it at {reset_url}.\n\nIf you did not ask, ignore this email.\n\n-- Keyward\n"
            ),
        ),
        Lang::Fr => (
            "Vous avez déjà un compte Keyward".to_owned(),
            format!(
                "Bonjour,\n\nQuelqu’un (vous, espérons-le) a demandé un nouveau compte Keyward avec cette adresse, \
                 qui en a déjà un. Aucun compte n’a été créé.\n\nConnectez-vous sur {login_url}, ou si vous avez \
                 oublié votre mot de passe, réinitialisez-le sur {reset_url}.\n\nSi vous n’avez rien demandé, \
                 ignorez ce message.\n\n-- Keyward\n"
            ),
        ),
    };
    Email { to: email.to_owned(), subject, body, lang }
}

#[cfg(test)]
mod tests;
