//! Email addresses and domain names as people type them on forms: [`EmailAddress`] and [`Domain`], each with a
//! checking constructor, and [`is_public_mail_provider`].
//!
//! What is accepted is deliberately narrower than RFC 5322: an ASCII dot-atom local part (RFC 5322 3.2.3, the
//! form every mail client writes) at a fully qualified LDH host name (RFC 1034 3.5, internationalized names
//! as `xn--` A-labels). Quoted local parts, comments, IP literals and SmtpUTF8 (non-ASCII) mailboxes are
//! refused, each with its own error, because a certificate's rfc822Name is compared byte for byte by relying
//! parties and a look-alike character (a fullwidth `＠`, a Cyrillic `а`, a zero-width space, a bidirectional
//! override pasted from a web page) would put a different address in a certificate than the one a person
//! read. Every refusal says which character or rule and how to fix it.
//!
//! Case: the domain is lower-cased (DNS is case-insensitive); the local part is kept as typed (RFC 5321 2.4:
//! only the receiving host may interpret its case). Two addresses that differ only in the local part's case
//! are therefore different values; the order checks compare them ignoring ASCII case to catch duplicates.
//!
//! The edge builds these from request fields and maps [`AddressError`] and [`DomainError`] to 400 answers
//! with their `code()` and the request field; `crate::order` does so for the order form.

use serde::{Deserialize, Serialize};

use crate::text::describe;

/// Longest local part (before `@`), RFC 5321 4.5.3.1.1.
pub const LOCAL_PART_MAXIMUM_LENGTH: usize = 64;
/// Longest address: a 256-octet RFC 5321 path less its angle brackets (RFC 3696 errata 1690).
pub const ADDRESS_MAXIMUM_LENGTH: usize = 254;
/// Longest host name in text form, without a trailing dot (RFC 1034 3.1).
pub const DOMAIN_MAXIMUM_LENGTH: usize = 253;
/// Longest label between dots (RFC 1034 3.1).
pub const LABEL_MAXIMUM_LENGTH: usize = 63;

/// An email address that passed [`EmailAddress::parse`]: ASCII, `local@domain`, a dot-atom local part as typed
/// and a lower-case, fully qualified host name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress {
    /// The whole address, local part as typed, domain lower-cased.
    text: String,
    /// Byte index of the `@` in `text`.
    at: usize,
}

impl EmailAddress {
    /// Checks an address typed on a form: surrounding whitespace is trimmed, the domain lower-cased.
    ///
    /// # Errors
    ///
    /// One [`AddressError`] naming the first rule broken, in this order: empty, non-ASCII, too long, quoted,
    /// comment, `@` count, local part (empty, too long, dots, characters), domain ([`DomainError`]).
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        if let Some((position, character)) = text.char_indices().find(|(_, character)| !character.is_ascii()) {
            return Err(AddressError::NotAscii { character, position });
        }
        if text.len() > ADDRESS_MAXIMUM_LENGTH {
            return Err(AddressError::TooLong { length: text.len() });
        }
        if text.contains('"') || text.contains('\\') {
            return Err(AddressError::Quoted);
        }
        if text.contains('(') || text.contains(')') {
            return Err(AddressError::Comment);
        }
        let (local, domain) = match text.split_once('@') {
            None => return Err(AddressError::NoAt),
            Some((_, rest)) if rest.contains('@') => return Err(AddressError::SeveralAt),
            Some(parts) => parts,
        };
        check_local_part(local)?;
        if domain.starts_with('[') {
            return Err(AddressError::Domain(DomainError::IpLiteral));
        }
        let domain = domain.to_ascii_lowercase();
        check_host(&domain).map_err(AddressError::Domain)?;
        Ok(Self { text: format!("{local}@{domain}"), at: local.len() })
    }

    /// The part before `@`, as typed.
    pub fn local_part(&self) -> &str {
        &self.text[..self.at]
    }

    /// The part after `@`, lower-case.
    pub fn domain(&self) -> &str {
        &self.text[self.at + 1..]
    }

    /// The whole address.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether two addresses name the same mailbox as far as Keyward can tell: equal ignoring ASCII case. Used
    /// to refuse the same recipient twice; the stored value keeps the local part's case.
    pub fn same_mailbox(&self, other: &EmailAddress) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = AddressError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> Self {
        address.text
    }
}

impl core::fmt::Display for EmailAddress {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(&self.text)
    }
}

/// A fully qualified host name that passed [`Domain::parse`]: lower-case LDH labels, at least two, no trailing
/// dot, a top-level label that is not all digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    /// Checks a domain typed on a form: surrounding whitespace is trimmed and it is lower-cased.
    ///
    /// # Errors
    ///
    /// The first [`DomainError`] found.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if let Some(character) = text.chars().find(|character| !character.is_ascii()) {
            return Err(DomainError::NotAscii { character });
        }
        if text.starts_with('[') {
            return Err(DomainError::IpLiteral);
        }
        let text = text.to_ascii_lowercase();
        check_host(&text)?;
        Ok(Self(text))
    }

    /// The name, lower-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the address's domain is this domain or a subdomain of it, label by label: `ada@mail.example.com`
    /// is under `example.com`, `ada@badexample.com` is not.
    pub fn contains(&self, address: &EmailAddress) -> bool {
        self.contains_name(address.domain())
    }

    /// Whether the host name `name` (lower-case, as [`Domain::as_str`] gives) is this domain or a subdomain of
    /// it, label by label. For the DNS names of device orders.
    pub fn contains_name(&self, name: &str) -> bool {
        name == self.0 || name.strip_suffix(self.0.as_str()).is_some_and(|prefix| prefix.ends_with('.'))
    }
}

impl TryFrom<String> for Domain {
    type Error = DomainError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Domain> for String {
    fn from(domain: Domain) -> Self {
        domain.0
    }
}

impl core::fmt::Display for Domain {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Public mail providers: domains where anyone can open a mailbox, so control of the domain can never be
/// shown by an organization. An address there is orderable only through mailbox validation (a 24-hour link
/// to the address itself, S/MIME BR 3.2.2). The list is the large consumer providers of Keyward's first
/// markets (worldwide and France); it is a convenience for the order form, not a security boundary: a domain
/// missing from it simply asks for domain validation, which its owner alone can pass. Exact names, lower-case.
pub const PUBLIC_MAIL_PROVIDERS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.fr",
    "hotmail.co.uk",
    "live.com",
    "live.fr",
    "msn.com",
    "yahoo.com",
    "yahoo.fr",
    "yahoo.co.uk",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.fr",
    "gmx.net",
    "web.de",
    "mail.com",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "neuf.fr",
    "bbox.fr",
    "tutanota.com",
    "fastmail.com",
];

/// Whether `domain` (any case) is exactly one of [`PUBLIC_MAIL_PROVIDERS`]. Subdomains are not: a provider's
/// subdomains are not where its users' mailboxes are.
pub fn is_public_mail_provider(domain: &str) -> bool {
    PUBLIC_MAIL_PROVIDERS.iter().any(|provider| provider.eq_ignore_ascii_case(domain))
}

/// Characters RFC 5322 3.2.3 allows in an atom besides letters and digits.
const ATOM_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";

/// The local part is an RFC 5322 dot-atom of 1 to 64 characters.
fn check_local_part(local: &str) -> Result<(), AddressError> {
    if local.is_empty() {
        return Err(AddressError::LocalPartEmpty);
    }
    if local.len() > LOCAL_PART_MAXIMUM_LENGTH {
        return Err(AddressError::LocalPartTooLong { length: local.len() });
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(AddressError::LocalPartDots);
    }
    if let Some(character) =
        local.bytes().find(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'.' || ATOM_SPECIALS.contains(byte)))
    {
        return Err(AddressError::LocalPartCharacter { character: char::from(character) });
    }
    Ok(())
}

/// A lower-case ASCII host name: the rules of [`Domain`].
fn check_host(name: &str) -> Result<(), DomainError> {
    if name.is_empty() {
        return Err(DomainError::Empty);
    }
    if name.len() > DOMAIN_MAXIMUM_LENGTH {
        return Err(DomainError::TooLong { length: name.len() });
    }
    if name.ends_with('.') && name.len() > 1 {
        return Err(DomainError::TrailingDot);
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(DomainError::NotFullyQualified);
    }
    for label in &labels {
        if label.is_empty() {
            return Err(DomainError::LabelEmpty);
        }
        if label.len() > LABEL_MAXIMUM_LENGTH {
            return Err(DomainError::LabelTooLong { label: (*label).to_owned() });
        }
        if let Some(character) =
            label.bytes().find(|byte| !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-'))
        {
            return Err(DomainError::LabelCharacter { character: char::from(character) });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(DomainError::LabelHyphen { label: (*label).to_owned() });
        }
        if label.get(2..4) == Some("--") && !label.starts_with("xn--") {
            return Err(DomainError::LabelReservedHyphens { label: (*label).to_owned() });
        }
    }
    if labels.last().is_some_and(|label| label.bytes().all(|byte| byte.is_ascii_digit())) {
        return Err(DomainError::NumericTopLevel);
    }
    Ok(())
}

/// Why an email address typed on a form is refused. Every variant is about the field that holds the address.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressError {
    /// Nothing but whitespace was given.
    Empty,
    /// A character outside ASCII, anywhere (look-alike and invisible characters included). SmtpUTF8 mailboxes
    /// (RFC 6531) are not supported.
    NotAscii {
        /// The first such character.
        character: char,
        /// Its byte position in the trimmed input.
        position: usize,
    },
    /// Longer than [`ADDRESS_MAXIMUM_LENGTH`] characters.
    TooLong {
        /// The length given.
        length: usize,
    },
    /// A quoted local part (`"john smith"@example.com`) or a backslash escape.
    Quoted,
    /// An RFC 5322 comment in parentheses (`john(work)@example.com`).
    Comment,
    /// No `@`.
    NoAt,
    /// More than one `@`.
    SeveralAt,
    /// Nothing before the `@`.
    LocalPartEmpty,
    /// More than [`LOCAL_PART_MAXIMUM_LENGTH`] characters before the `@`.
    LocalPartTooLong {
        /// The length given.
        length: usize,
    },
    /// The part before `@` starts or ends with a dot or has two dots in a row.
    LocalPartDots,
    /// A character a dot-atom does not allow before the `@` (a space, a comma, brackets, ...).
    LocalPartCharacter {
        /// The character.
        character: char,
    },
    /// The part after `@` is not a fully qualified host name.
    Domain(DomainError),
}

impl AddressError {
    /// Stable machine-readable code. A domain error keeps its own `domain_*` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "email_empty",
            Self::NotAscii { .. } => "email_not_ascii",
            Self::TooLong { .. } => "email_too_long",
            Self::Quoted => "email_quoted",
            Self::Comment => "email_comment",
            Self::NoAt => "email_no_at",
            Self::SeveralAt => "email_several_at",
            Self::LocalPartEmpty => "email_local_part_empty",
            Self::LocalPartTooLong { .. } => "email_local_part_too_long",
            Self::LocalPartDots => "email_local_part_dots",
            Self::LocalPartCharacter { .. } => "email_local_part_character",
            Self::Domain(error) => error.code(),
        }
    }

    /// The request field: the address itself (callers with a path, such as `recipients[1].email`, use theirs).
    pub fn field(&self) -> &'static str {
        "email"
    }

    /// A short reason without values, for contexts that keep one code for every address error
    /// (`issuance::check_order`'s `email_invalid`).
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "it is empty",
            Self::NotAscii { .. } => "only ASCII addresses are supported",
            Self::TooLong { .. } => "it has more than 254 characters",
            Self::Quoted => "quoted local parts are not accepted",
            Self::Comment => "comments in parentheses are not accepted",
            Self::NoAt => "it has no @",
            Self::SeveralAt => "it has more than one @",
            Self::LocalPartEmpty | Self::LocalPartTooLong { .. } => "the part before @ must have 1 to 64 characters",
            Self::LocalPartDots => "the part before @ starts or ends with a dot or has two dots in a row",
            Self::LocalPartCharacter { .. } => {
                "the part before @ holds a space, a control character or another character not allowed there"
            }
            Self::Domain(_) => "the part after @ is not a domain name",
        }
    }
}

impl core::fmt::Display for AddressError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => formatter.write_str("Give an email address."),
            Self::NotAscii { character, position } => write!(
                formatter,
                "The email address holds {} at position {}. Keyward accepts addresses in plain ASCII letters, \
                 digits and punctuation only (internationalized SmtpUTF8 mailboxes are not supported): type the \
                 address again rather than pasting it.",
                describe(*character),
                position + 1
            ),
            Self::TooLong { length } => write!(
                formatter,
                "The email address has {length} characters; at most {ADDRESS_MAXIMUM_LENGTH} are accepted."
            ),
            Self::Quoted => formatter.write_str(
                "Quoted email addresses (\"first last\"@example.com) and backslashes are not accepted: give the \
                 address without quotes.",
            ),
            Self::Comment => formatter.write_str(
                "The email address holds a comment in parentheses: give the bare address, such as \
                 ada@example.com.",
            ),
            Self::NoAt => formatter.write_str("The email address has no @: give it as name@example.com."),
            Self::SeveralAt => formatter.write_str("The email address has more than one @: give exactly one address."),
            Self::LocalPartEmpty => formatter.write_str("The email address has nothing before the @."),
            Self::LocalPartTooLong { length } => write!(
                formatter,
                "The part before the @ has {length} characters; at most {LOCAL_PART_MAXIMUM_LENGTH} are accepted."
            ),
            Self::LocalPartDots => formatter.write_str(
                "The part before the @ starts or ends with a dot, or has two dots in a row: remove the extra dot.",
            ),
            Self::LocalPartCharacter { character } => write!(
                formatter,
                "The part before the @ holds {}, which an email address cannot hold there: use letters, digits \
                 and . ! # $ % & ' * + - / = ? ^ _ ` {{ | }} ~ only.",
                if character.is_ascii_graphic() {
                    format!("\u{201c}{character}\u{201d}")
                } else if *character == ' ' {
                    "a space".to_owned()
                } else {
                    format!("a control character (U+{:04X})", u32::from(*character))
                }
            ),
            Self::Domain(error) => write!(formatter, "The part after the @ is not valid: {error}"),
        }
    }
}

impl std::error::Error for AddressError {}

/// Why a domain name (or the part of an address after `@`) is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainError {
    /// Nothing was given.
    Empty,
    /// A character outside ASCII: internationalized names are accepted only as `xn--` A-labels.
    NotAscii {
        /// The first such character.
        character: char,
    },
    /// An address literal (`[192.0.2.1]`): mail must go to a host name.
    IpLiteral,
    /// Longer than [`DOMAIN_MAXIMUM_LENGTH`] characters.
    TooLong {
        /// The length given.
        length: usize,
    },
    /// A trailing dot (`example.com.`).
    TrailingDot,
    /// A single label (`localhost`): a fully qualified name has at least two.
    NotFullyQualified,
    /// An empty label: a leading dot or two dots in a row.
    LabelEmpty,
    /// A label longer than [`LABEL_MAXIMUM_LENGTH`] characters.
    LabelTooLong {
        /// The label.
        label: String,
    },
    /// A character other than a letter, a digit or a hyphen in a label (`_`, `*`, a space, ...).
    LabelCharacter {
        /// The character.
        character: char,
    },
    /// A label that starts or ends with a hyphen.
    LabelHyphen {
        /// The label.
        label: String,
    },
    /// Hyphens in the third and fourth positions of a label other than an `xn--` A-label (RFC 5891 4.2.3.1).
    LabelReservedHyphens {
        /// The label.
        label: String,
    },
    /// A top-level label of digits only: an IP address, not a host name.
    NumericTopLevel,
}

impl DomainError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "domain_empty",
            Self::NotAscii { .. } => "domain_not_ascii",
            Self::IpLiteral => "domain_ip_literal",
            Self::TooLong { .. } => "domain_too_long",
            Self::TrailingDot => "domain_trailing_dot",
            Self::NotFullyQualified => "domain_not_fully_qualified",
            Self::LabelEmpty => "domain_label_empty",
            Self::LabelTooLong { .. } => "domain_label_too_long",
            Self::LabelCharacter { .. } => "domain_label_character",
            Self::LabelHyphen { .. } => "domain_label_hyphen",
            Self::LabelReservedHyphens { .. } => "domain_label_reserved_hyphens",
            Self::NumericTopLevel => "domain_numeric_top_level",
        }
    }

    /// The request field: the domain (callers with a path use theirs).
    pub fn field(&self) -> &'static str {
        "domain"
    }
}

impl core::fmt::Display for DomainError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => formatter.write_str("Give a domain name, such as example.com."),
            Self::NotAscii { character } => write!(
                formatter,
                "The domain holds {}: give internationalized names in their xn-- form (the A-label), and \
                 type the name again rather than pasting it.",
                describe(*character)
            ),
            Self::IpLiteral => {
                formatter.write_str("An IP address in brackets is not accepted: give a host name, such as example.com.")
            }
            Self::TooLong { length } => {
                write!(formatter, "The domain has {length} characters; at most {DOMAIN_MAXIMUM_LENGTH} are accepted.")
            }
            Self::TrailingDot => formatter.write_str("Write the domain without the trailing dot."),
            Self::NotFullyQualified => {
                formatter.write_str("Give the fully qualified name (example.com), not a single label.")
            }
            Self::LabelEmpty => {
                formatter.write_str("The domain starts with a dot or has two dots in a row: remove the extra dot.")
            }
            Self::LabelTooLong { label } => write!(
                formatter,
                "The part \u{201c}{label}\u{201d} has {} characters; each part between dots has at most \
                 {LABEL_MAXIMUM_LENGTH}.",
                label.len()
            ),
            Self::LabelCharacter { character } => write!(
                formatter,
                "The domain holds {}: only letters a-z, digits, hyphens and dots are allowed.",
                if character.is_ascii_graphic() {
                    format!("\u{201c}{character}\u{201d}")
                } else {
                    format!("a space or control character (U+{:04X})", u32::from(*character))
                }
            ),
            Self::LabelHyphen { label } => {
                write!(formatter, "The part \u{201c}{label}\u{201d} starts or ends with a hyphen, which DNS forbids.")
            }
            Self::LabelReservedHyphens { label } => write!(
                formatter,
                "The part \u{201c}{label}\u{201d} has hyphens in its third and fourth positions, reserved for \
                 xn-- internationalized names."
            ),
            Self::NumericTopLevel => {
                formatter.write_str("This is an IP address, not a host name: give a name such as example.com.")
            }
        }
    }
}

impl std::error::Error for DomainError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `input` and compares with the expected address or error code; every error has a sentence.
    fn check(input: &str, expected: Result<&str, &str>) {
        let actual = EmailAddress::parse(input);
        if let Err(error) = &actual {
            let message = error.to_string();
            assert!(message.ends_with('.') && message.len() > 20, "{input:?}: {message}");
        }
        assert_eq!(actual.as_ref().map(EmailAddress::as_str).map_err(AddressError::code), expected, "{input:?}");
    }

    #[test]
    fn addresses_people_type() {
        check("ada@example.com", Ok("ada@example.com"));
        check("  Ada.Lovelace+smime@Example.COM \t\n", Ok("Ada.Lovelace+smime@example.com"));
        check("o'brien@mail.example.co.uk", Ok("o'brien@mail.example.co.uk"));
        check("a!#$%&'*+-/=?^_`{|}~z@example.com", Ok("a!#$%&'*+-/=?^_`{|}~z@example.com"));
        check("x@xn--bcher-kva.example", Ok("x@xn--bcher-kva.example"));
        check("x@a-b.c1.example.org", Ok("x@a-b.c1.example.org"));
        check("x@123.example.com", Ok("x@123.example.com"));
    }

    #[test]
    fn lengths() {
        let local = "a".repeat(64);
        check(&format!("{local}@example.com"), Ok(&format!("{local}@example.com")));
        check(&format!("{local}a@example.com"), Err("email_local_part_too_long"));
        // 64 + 1 + 189 = 254 characters: the longest accepted.
        let domain = format!("{}.{}.{}.com", "b".repeat(62), "c".repeat(62), "d".repeat(59));
        let longest = format!("{local}@{domain}");
        assert_eq!(longest.len(), 254);
        check(&longest, Ok(&longest));
        check(&format!("{local}@e{domain}"), Err("email_too_long"));
        check(&format!("x@{}.com", "a".repeat(64)), Err("domain_label_too_long"));
        check(&format!("x@{}.com", "a".repeat(63)), Ok(&format!("x@{}.com", "a".repeat(63))));
    }

    #[test]
    fn structure() {
        check("", Err("email_empty"));
        check("   \t ", Err("email_empty"));
        check("ada.example.com", Err("email_no_at"));
        check("ada@b@example.com", Err("email_several_at"));
        check("\"ada lovelace\"@example.com", Err("email_quoted"));
        check("\"ada@home\"@example.com", Err("email_quoted"));
        check("ada\\@x@example.com", Err("email_quoted"));
        check("ada(work)@example.com", Err("email_comment"));
        check("ada@(comment)example.com", Err("email_comment"));
        check("@example.com", Err("email_local_part_empty"));
        check(".ada@example.com", Err("email_local_part_dots"));
        check("ada.@example.com", Err("email_local_part_dots"));
        check("ada..lovelace@example.com", Err("email_local_part_dots"));
        check("ada lovelace@example.com", Err("email_local_part_character"));
        check("ada,lovelace@example.com", Err("email_local_part_character"));
        check("<ada@example.com>", Err("email_local_part_character"));
        check("ada\u{7}@example.com", Err("email_local_part_character"));
    }

    #[test]
    fn domains_after_the_at() {
        check("ada@", Err("domain_empty"));
        check("ada@localhost", Err("domain_not_fully_qualified"));
        check("ada@[192.0.2.1]", Err("domain_ip_literal"));
        check("ada@192.0.2.1", Err("domain_numeric_top_level"));
        check("ada@example.com.", Err("domain_trailing_dot"));
        check("ada@.example.com", Err("domain_label_empty"));
        check("ada@example..com", Err("domain_label_empty"));
        check("ada@-example.com", Err("domain_label_hyphen"));
        check("ada@example-.com", Err("domain_label_hyphen"));
        check("ada@ex_ample.com", Err("domain_label_character"));
        check("ada@*.example.com", Err("domain_label_character"));
        check("ada@ab--c.example.com", Err("domain_label_reserved_hyphens"));
    }

    #[test]
    fn unicode_tricks_are_named() {
        for (input, kind) in [
            ("ada\u{ff20}example.com", "fullwidth"),
            ("ada@ex\u{0430}mple.com", "Cyrillic"),
            ("\u{0430}da@example.com", "Cyrillic"),
            ("ada@exampl\u{03bf}.com", "Greek"),
            ("ada\u{200b}@example.com", "zero-width"),
            ("ada@example.com\u{feff}x", "zero-width"),
            ("ada@\u{202e}moc.elpmaxe", "bidirectional"),
            ("ada\u{00a0}lovelace@example.com", "no-break space"),
            ("adä@example.com", "\u{201c}ä\u{201d} (U+00E4)"),
        ] {
            let error = EmailAddress::parse(input).expect_err(input);
            assert_eq!(error.code(), "email_not_ascii", "{input:?}");
            let message = error.to_string();
            assert!(message.contains(kind), "{input:?}: {message}");
            assert!(message.contains("SmtpUTF8"), "{message}");
        }
        // Surrounding whitespace, Unicode included, is trimmed: it never reaches the address.
        check("\u{00a0}ada@example.com\u{00a0}", Ok("ada@example.com"));
    }

    #[test]
    fn parts_and_case() {
        let address = EmailAddress::parse(" Ada.L@Mail.Example.COM ").expect("valid");
        assert_eq!(address.local_part(), "Ada.L");
        assert_eq!(address.domain(), "mail.example.com");
        assert_eq!(address.to_string(), "Ada.L@mail.example.com");
        assert!(address.same_mailbox(&EmailAddress::parse("ada.l@mail.example.com").expect("valid")));
        assert!(!address.same_mailbox(&EmailAddress::parse("ada.m@mail.example.com").expect("valid")));
        let json = serde_json::to_string(&address).expect("serializes");
        assert_eq!(json, "\"Ada.L@mail.example.com\"");
        assert_eq!(serde_json::from_str::<EmailAddress>(&json).expect("deserializes"), address);
        assert!(serde_json::from_str::<EmailAddress>("\"nope\"").is_err());
    }

    fn domain(text: &str) -> Domain {
        Domain::parse(text).expect(text)
    }

    #[test]
    fn domain_parse() {
        assert_eq!(domain("  Example.COM ").as_str(), "example.com");
        for (input, code) in [
            ("", "domain_empty"),
            ("com", "domain_not_fully_qualified"),
            ("example.com.", "domain_trailing_dot"),
            ("[::1]", "domain_ip_literal"),
            ("10.0.0.1", "domain_numeric_top_level"),
            ("bücher.example", "domain_not_ascii"),
            ("ex\u{0430}mple.com", "domain_not_ascii"),
            ("a_b.example.com", "domain_label_character"),
            ("-a.example.com", "domain_label_hyphen"),
        ] {
            let error = Domain::parse(input).expect_err(input);
            assert_eq!(error.code(), code, "{input:?}");
            assert!(error.to_string().ends_with('.'), "{error}");
        }
        assert_eq!(serde_json::to_string(&domain("example.com")).expect("serializes"), "\"example.com\"");
    }

    #[test]
    fn domain_contains_label_wise() {
        let example = domain("example.com");
        let address = |text: &str| EmailAddress::parse(text).expect(text);
        assert!(example.contains(&address("ada@example.com")));
        assert!(example.contains(&address("ada@Mail.Example.com")));
        assert!(example.contains(&address("ada@a.b.example.com")));
        assert!(!example.contains(&address("ada@badexample.com")));
        assert!(!example.contains(&address("ada@example.com.evil.org")));
        assert!(!example.contains(&address("ada@example.co")));
        assert!(!domain("mail.example.com").contains(&address("ada@example.com")));
        assert!(example.contains_name("ws-1.corp.example.com"));
        assert!(!example.contains_name("ws-1.corpexample.com"));
    }

    #[test]
    fn public_mail_providers() {
        for provider in ["gmail.com", "GMail.com", "hotmail.co.uk", "laposte.net", "pm.me", "fastmail.com"] {
            assert!(is_public_mail_provider(provider), "{provider}");
        }
        for other in ["example.com", "mail.gmail.com", "gmail.co", "notgmail.com"] {
            assert!(!is_public_mail_provider(other), "{other}");
        }
        // The list is well formed: every entry a valid lower-case domain, none repeated.
        for (index, provider) in PUBLIC_MAIL_PROVIDERS.iter().enumerate() {
            assert_eq!(domain(provider).as_str(), *provider);
            assert!(!PUBLIC_MAIL_PROVIDERS[..index].contains(provider), "{provider} twice");
        }
        assert_eq!(PUBLIC_MAIL_PROVIDERS.len(), 39);
    }
}
