//! External CSRs explained (issue 13 item 3): what a request asks for, and each way it differs from what the
//! certificate will say.
//!
//! [`read`] takes a PEM request (or [`read_der`] its DER) and returns its [`CsrContents`]: the subject, the
//! subject alternative names (DNS names, email addresses, and any other kind, described), the public key, and what
//! its extensionRequest asks for: keyUsage, extendedKeyUsage, basicConstraints and any other extension. The
//! signature is not verified here (the Worker verifies it, [`crate::csr::ParsedCsr`]): this runs in the page, on
//! what someone pasted, to tell them before they order.
//!
//! [`explain`] compares the contents with an [`Expectation`] (the profile, and what the order states) and lists
//! every [`Mismatch`], each with a stable [`Mismatch::code`] and a plain-words [`Mismatch::explain`] in English
//! and French. Nothing a request asks is obeyed: Keyward's certificates take the key from the request and
//! everything else from the profile and the order ([`crate::issuance::certificate_template`]).
//!
//! The rule for names: the certificate names exactly the order's names (its DNS names for the device profiles,
//! its mailbox for S/MIME). A name the request carries that the order does not state is
//! [`Mismatch::NamesNotOnOrder`] and will not be certified; a kind of name the profile never states (an IP
//! address, a URI, an email address in a device certificate, a DNS name in an S/MIME one) is
//! [`Mismatch::NameKindsNotInProfile`]. The order form prefills its names with the request's DNS names under the
//! account's validated domains, so the others are the ones explained as not on the order.
//!
//! Pure: no I/O. Compiled into the web app, so it decodes with the `der` and `x509-cert` code the crate already
//! has. The order form has [`read`] run in the packaging worker and receives the [`CsrContents`] as JSON (hence
//! their serde derives), so that its bundle does not carry that code; [`explain`] runs in its page.

use der::Decode;
use der::asn1::ObjectIdentifier;
use serde::{Deserialize, Serialize};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage as ExtendedKeyUsageExtension, KeyUsage as KeyUsageExtension, KeyUsages,
    SubjectAltName,
};
use x509_cert::request::{CertReq, ExtensionReq};

use crate::csr::{CsrError, PublicKey};
use crate::lang::Lang;
use crate::profile::{AlternativeNames, ExtendedKeyUsage, KeyUsage, Profile, SubjectAttribute};

const EXTENSION_REQUEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const SUBJECT_ALTERNATIVE_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// Names of the extended key usages and other extensions a request may carry.
const KNOWN_OIDS: &[(&str, &str)] = &[
    ("1.3.6.1.5.5.7.3.1", "serverAuth"),
    ("1.3.6.1.5.5.7.3.2", "clientAuth"),
    ("1.3.6.1.5.5.7.3.3", "codeSigning"),
    ("1.3.6.1.5.5.7.3.4", "emailProtection"),
    ("1.3.6.1.5.5.7.3.8", "timeStamping"),
    ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
    ("1.3.6.1.5.5.7.3.17", "ipsecIKE"),
    ("2.5.29.37.0", "anyExtendedKeyUsage"),
    ("1.3.6.1.4.1.311.20.2.2", "msSmartcardLogin"),
    ("2.5.29.14", "subjectKeyIdentifier"),
    ("2.5.29.35", "authorityKeyIdentifier"),
    ("2.5.29.30", "nameConstraints"),
    ("2.5.29.31", "cRLDistributionPoints"),
    ("2.5.29.32", "certificatePolicies"),
    ("1.3.6.1.5.5.7.1.1", "authorityInfoAccess"),
    ("1.3.6.1.5.5.7.1.24", "tlsFeature (OCSP Must-Staple)"),
    ("2.16.840.1.113730.1.1", "nsCertType"),
    ("1.3.6.1.4.1.311.20.2", "Microsoft certificate template name"),
    ("1.3.6.1.4.1.311.21.7", "Microsoft certificate template"),
];

/// A key usage bit, by its RFC 5280 name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KeyUsageBit {
    /// digitalSignature (0).
    DigitalSignature,
    /// nonRepudiation, also contentCommitment (1).
    NonRepudiation,
    /// keyEncipherment (2).
    KeyEncipherment,
    /// dataEncipherment (3).
    DataEncipherment,
    /// keyAgreement (4).
    KeyAgreement,
    /// keyCertSign (5).
    KeyCertSign,
    /// cRLSign (6).
    CrlSign,
    /// encipherOnly (7).
    EncipherOnly,
    /// decipherOnly (8).
    DecipherOnly,
}

impl KeyUsageBit {
    /// Every bit, in RFC 5280 order.
    pub const ALL: [Self; 9] = [
        Self::DigitalSignature,
        Self::NonRepudiation,
        Self::KeyEncipherment,
        Self::DataEncipherment,
        Self::KeyAgreement,
        Self::KeyCertSign,
        Self::CrlSign,
        Self::EncipherOnly,
        Self::DecipherOnly,
    ];

    /// The RFC 5280 name, as OpenSSL's configuration spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::NonRepudiation => "nonRepudiation",
            Self::KeyEncipherment => "keyEncipherment",
            Self::DataEncipherment => "dataEncipherment",
            Self::KeyAgreement => "keyAgreement",
            Self::KeyCertSign => "keyCertSign",
            Self::CrlSign => "cRLSign",
            Self::EncipherOnly => "encipherOnly",
            Self::DecipherOnly => "decipherOnly",
        }
    }

    /// x509-cert's flag for the bit.
    fn flag(self) -> KeyUsages {
        match self {
            Self::DigitalSignature => KeyUsages::DigitalSignature,
            Self::NonRepudiation => KeyUsages::NonRepudiation,
            Self::KeyEncipherment => KeyUsages::KeyEncipherment,
            Self::DataEncipherment => KeyUsages::DataEncipherment,
            Self::KeyAgreement => KeyUsages::KeyAgreement,
            Self::KeyCertSign => KeyUsages::KeyCertSign,
            Self::CrlSign => KeyUsages::CRLSign,
            Self::EncipherOnly => KeyUsages::EncipherOnly,
            Self::DecipherOnly => KeyUsages::DecipherOnly,
        }
    }

    /// Whether a key of this kind can serve the usage at all (RFC 5480 section 3, RFC 8410 section 5, RFC 3279).
    fn possible_with(self, key: &PublicKey) -> bool {
        match key {
            PublicKey::Rsa { .. } => !matches!(self, Self::KeyAgreement | Self::EncipherOnly | Self::DecipherOnly),
            PublicKey::EcP256 | PublicKey::EcP384 => !matches!(self, Self::KeyEncipherment | Self::DataEncipherment),
            PublicKey::Ed25519 => {
                matches!(self, Self::DigitalSignature | Self::NonRepudiation | Self::KeyCertSign | Self::CrlSign)
            }
        }
    }
}

/// The bits a profile's [`KeyUsage`] asserts.
fn bits_of(usage: KeyUsage) -> Vec<KeyUsageBit> {
    let mut bits = Vec::new();
    for (set, bit) in [
        (usage.digital_signature, KeyUsageBit::DigitalSignature),
        (usage.key_encipherment, KeyUsageBit::KeyEncipherment),
        (usage.data_encipherment, KeyUsageBit::DataEncipherment),
        (usage.key_agreement, KeyUsageBit::KeyAgreement),
    ] {
        if set {
            bits.push(bit);
        }
    }
    bits
}

/// The key usage a profile's certificate carries for `key` (as [`crate::issuance::certificate_template`] picks it).
pub fn carried_key_usage(profile: &Profile, key: &PublicKey) -> Vec<KeyUsageBit> {
    match key {
        PublicKey::Rsa { .. } => bits_of(profile.rsa_key_usage),
        PublicKey::EcP256 | PublicKey::EcP384 => bits_of(profile.ec_key_usage),
        PublicKey::Ed25519 => bits_of(KeyUsage::SIGNATURE),
    }
}

/// An extended key usage's name.
fn extended_key_usage_name(usage: ExtendedKeyUsage) -> &'static str {
    match usage {
        ExtendedKeyUsage::EmailProtection => "emailProtection",
        ExtendedKeyUsage::ClientAuth => "clientAuth",
        ExtendedKeyUsage::ServerAuth => "serverAuth",
    }
}

/// A dotted OID's name when it has one, else the dotted form.
fn oid_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    KNOWN_OIDS.iter().find(|(known, _)| *known == dotted).map_or(dotted, |(_, name)| (*name).to_owned())
}

/// A key as people read it.
pub fn key_name(key: &PublicKey) -> String {
    match key {
        PublicKey::Rsa { modulus_bits, .. } => format!("RSA {modulus_bits}"),
        PublicKey::EcP256 => "P-256".into(),
        PublicKey::EcP384 => "P-384".into(),
        PublicKey::Ed25519 => "Ed25519".into(),
    }
}

/// One attribute of the request's subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectField {
    /// OpenSSL's short name (`CN`, `O`, `OU`, `emailAddress`, ...) or the dotted OID.
    pub name: String,
    /// What the profile calls it, when a profile can state it.
    pub attribute: Option<SubjectAttribute>,
    /// The value as text (a value that is not a string is shown as `#` and its DER in hex).
    pub value: String,
}

/// What a request carries and asks for. Serializable because the order form has it read by the packaging worker
/// (the reader's DER code stays out of the form's bundle) and receives it as JSON; not a wire type of the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrContents {
    /// The subject's attributes, in encoding order.
    pub subject: Vec<SubjectField>,
    /// The subject as RFC 4514 text (OpenSSL's `RFC2253` form).
    pub subject_text: String,
    /// dNSName SANs, in order.
    pub dns_names: Vec<String>,
    /// rfc822Name SANs, in order.
    pub email_addresses: Vec<String>,
    /// Every other SAN, described ("IP address 192.0.2.1", "URI https://...").
    pub other_names: Vec<String>,
    /// The public key.
    pub key: PublicKey,
    /// Whether the request has an extensionRequest attribute at all.
    pub has_extension_request: bool,
    /// The keyUsage bits asked for, when it asks.
    pub key_usage: Option<Vec<KeyUsageBit>>,
    /// The extendedKeyUsage purposes asked for (names, or dotted OIDs), when it asks.
    pub extended_key_usages: Option<Vec<String>>,
    /// basicConstraints, when asked for: whether it asks to be a CA, and its path length.
    pub basic_constraints: Option<(bool, Option<u8>)>,
    /// Every other extension asked for (names, or dotted OIDs).
    pub other_extensions: Vec<String>,
}

impl CsrContents {
    /// The request's email address: its first rfc822Name, else its subject's emailAddress.
    pub fn email(&self) -> Option<&str> {
        self.email_addresses.first().map(String::as_str).or_else(|| {
            self.subject.iter().find(|field| field.name == "emailAddress").map(|field| field.value.as_str())
        })
    }

    /// The value of the first subject attribute of this kind.
    pub fn subject_value(&self, attribute: SubjectAttribute) -> Option<&str> {
        self.subject.iter().find(|field| field.attribute == Some(attribute)).map(|field| field.value.as_str())
    }
}

/// Reads a PEM request (the labels [`crate::csr::ParsedCsr::from_pem`] accepts). The signature is not checked.
///
/// # Errors
///
/// As [`crate::csr::ParsedCsr::from_pem`] for what is not a request, or a key Keyward does not support.
pub fn read(text: &str) -> Result<CsrContents, CsrError> {
    read_der(&crate::csr::decode_request_pem(text)?)
}

/// Reads a DER request. The signature is not checked.
///
/// # Errors
///
/// [`CsrError::Malformed`] for what is not DER PKCS#10 (or an extension that does not decode);
/// [`CsrError::UnsupportedKey`] as [`crate::csr::requested_key`].
pub fn read_der(der: &[u8]) -> Result<CsrContents, CsrError> {
    let malformed = |what: &str, error: der::Error| CsrError::Malformed(format!("{what} ({error})"));
    let request = CertReq::from_der(der).map_err(|error| malformed("the data is not a PKCS#10 request", error))?;
    let key = crate::csr::requested_key_der(der)?;
    let subject_der =
        der::Encode::to_der(&request.info.subject).map_err(|error| malformed("the subject is invalid", error))?;
    let names =
        crate::subject_name::from_name_der(&subject_der).map_err(|error| CsrError::Malformed(error.to_string()))?;
    let subject = subject_fields(&request)?;
    let mut contents = CsrContents {
        subject,
        subject_text: names.rfc4514,
        dns_names: Vec::new(),
        email_addresses: Vec::new(),
        other_names: Vec::new(),
        key,
        has_extension_request: false,
        key_usage: None,
        extended_key_usages: None,
        basic_constraints: None,
        other_extensions: Vec::new(),
    };
    for attribute in request.info.attributes.iter().filter(|attribute| attribute.oid == EXTENSION_REQUEST) {
        contents.has_extension_request = true;
        for value in attribute.values.iter() {
            let extensions: ExtensionReq =
                value.decode_as().map_err(|error| malformed("the extensionRequest is invalid", error))?;
            for extension in extensions.0 {
                let bytes = extension.extn_value.as_bytes();
                let id = extension.extn_id;
                if id == KEY_USAGE {
                    let usage = KeyUsageExtension::from_der(bytes)
                        .map_err(|error| malformed("the keyUsage extension is invalid", error))?;
                    let bits = KeyUsageBit::ALL.into_iter().filter(|bit| usage.0.contains(bit.flag())).collect();
                    contents.key_usage = Some(bits);
                } else if id == EXTENDED_KEY_USAGE {
                    let usages = ExtendedKeyUsageExtension::from_der(bytes)
                        .map_err(|error| malformed("the extendedKeyUsage extension is invalid", error))?;
                    contents.extended_key_usages = Some(usages.0.iter().map(oid_name).collect());
                } else if id == BASIC_CONSTRAINTS {
                    let constraints = BasicConstraints::from_der(bytes)
                        .map_err(|error| malformed("the basicConstraints extension is invalid", error))?;
                    contents.basic_constraints = Some((constraints.ca, constraints.path_len_constraint));
                } else if id == SUBJECT_ALTERNATIVE_NAME {
                    let names = SubjectAltName::from_der(bytes)
                        .map_err(|error| malformed("the subjectAltName extension is invalid", error))?;
                    for name in names.0 {
                        match name {
                            GeneralName::DnsName(name) => contents.dns_names.push(name.to_string()),
                            GeneralName::Rfc822Name(name) => contents.email_addresses.push(name.to_string()),
                            other => contents.other_names.push(describe_general_name(&other)),
                        }
                    }
                } else {
                    contents.other_extensions.push(oid_name(&id));
                }
            }
        }
    }
    Ok(contents)
}

/// A SAN of another kind, as people read it.
fn describe_general_name(name: &GeneralName) -> String {
    match name {
        GeneralName::IpAddress(address) => {
            let bytes = address.as_bytes();
            let text = match bytes.len() {
                4 => bytes.iter().map(u8::to_string).collect::<Vec<_>>().join("."),
                16 => bytes
                    .chunks(2)
                    .map(|pair| format!("{:x}", u16::from(pair[0]) << 8 | u16::from(pair[1])))
                    .collect::<Vec<_>>()
                    .join(":"),
                _ => crate::encoding::hex(bytes),
            };
            format!("IP address {text}")
        }
        GeneralName::UniformResourceIdentifier(uri) => format!("URI {uri}"),
        GeneralName::DirectoryName(_) => "directory name".into(),
        GeneralName::RegisteredId(oid) => format!("registered ID {oid}"),
        GeneralName::OtherName(other) => format!("other name {}", oid_name(&other.type_id)),
        GeneralName::EdiPartyName(_) => "EDI party name".into(),
        GeneralName::DnsName(name) => format!("DNS name {name}"),
        GeneralName::Rfc822Name(name) => format!("email address {name}"),
    }
}

/// The subject's attributes as text.
fn subject_fields(request: &CertReq) -> Result<Vec<SubjectField>, CsrError> {
    let mut fields = Vec::new();
    for rdn in request.info.subject.as_ref().iter() {
        for attribute in rdn.iter() {
            let dotted = attribute.oid.to_string();
            let (name, profile_attribute) = match dotted.as_str() {
                "2.5.4.3" => ("CN", Some(SubjectAttribute::CommonName)),
                "2.5.4.4" => ("SN", Some(SubjectAttribute::Surname)),
                "2.5.4.6" => ("C", Some(SubjectAttribute::Country)),
                "2.5.4.7" => ("L", Some(SubjectAttribute::Locality)),
                "2.5.4.8" => ("ST", Some(SubjectAttribute::StateOrProvince)),
                "2.5.4.10" => ("O", Some(SubjectAttribute::Organization)),
                "2.5.4.42" => ("GN", Some(SubjectAttribute::GivenName)),
                "2.5.4.97" => ("organizationIdentifier", Some(SubjectAttribute::OrganizationIdentifier)),
                "2.5.4.11" => ("OU", None),
                "2.5.4.5" => ("serialNumber", None),
                "1.2.840.113549.1.9.1" => ("emailAddress", None),
                _ => ("", None),
            };
            let name = if name.is_empty() { dotted } else { name.to_owned() };
            let value = match std::str::from_utf8(attribute.value.value()) {
                Ok(text) if is_string_tag(der::Tagged::tag(&attribute.value)) => text.to_owned(),
                _ => {
                    let der = der::Encode::to_der(&attribute.value)
                        .map_err(|error| CsrError::Malformed(format!("the subject is invalid ({error})")))?;
                    format!("#{}", crate::encoding::hex(&der))
                }
            };
            fields.push(SubjectField { name, attribute: profile_attribute, value });
        }
    }
    Ok(fields)
}

/// Whether a tag is a string type read as text here.
fn is_string_tag(tag: der::Tag) -> bool {
    matches!(
        tag,
        der::Tag::Utf8String
            | der::Tag::PrintableString
            | der::Tag::Ia5String
            | der::Tag::TeletexString
            | der::Tag::VisibleString
            | der::Tag::NumericString
    )
}

/// What the certificate will say, to compare a request with.
#[derive(Clone, Copy, Debug)]
pub struct Expectation<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// The order's DNS names (device profiles).
    pub dns_names: &'a [String],
    /// The order's mailbox (S/MIME profiles).
    pub email: Option<&'a str>,
    /// The validated organization's name, when known.
    pub organization: Option<&'a str>,
    /// The validated organization's country, when known.
    pub country: Option<&'a str>,
}

/// How a request differs from what the certificate will say.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// No extensionRequest (or an empty one): the certificate carries the profile's extensions.
    NoExtensions {
        /// The key usage it will carry.
        key_usage: Vec<KeyUsageBit>,
        /// The extended key usages it will carry.
        extended_key_usages: Vec<&'static str>,
    },
    /// Key usages the request's key cannot serve.
    KeyUsageNotForKey {
        /// The bits asked for that the key cannot use.
        asked: Vec<KeyUsageBit>,
        /// The key ("P-256").
        key: String,
        /// The key usage the certificate will carry.
        carried: Vec<KeyUsageBit>,
    },
    /// Key usages the key could serve but the profile does not grant.
    KeyUsageNotInProfile {
        /// The bits asked for that the profile does not grant.
        asked: Vec<KeyUsageBit>,
        /// The key usage the certificate will carry.
        carried: Vec<KeyUsageBit>,
    },
    /// Key usages the profile grants that the request does not ask for.
    KeyUsageAdded {
        /// The bits the certificate adds.
        added: Vec<KeyUsageBit>,
    },
    /// Extended key usages the profile does not grant.
    ExtendedKeyUsageNotInProfile {
        /// What was asked for and is not granted.
        asked: Vec<String>,
        /// The profile's extended key usages.
        profile: Vec<&'static str>,
    },
    /// Extended key usages the profile grants that the request does not ask for.
    ExtendedKeyUsageAdded {
        /// What the certificate adds.
        added: Vec<&'static str>,
    },
    /// basicConstraints with cA TRUE.
    AsksToBeCertificateAuthority,
    /// Names of a kind the profile states, that the order does not state.
    NamesNotOnOrder {
        /// "DNS name" or "email address" kind.
        kind: NameKind,
        /// The names.
        names: Vec<String>,
    },
    /// Names the order states that the request does not carry: the certificate states them anyway.
    NamesAdded {
        /// The kind.
        kind: NameKind,
        /// The names.
        names: Vec<String>,
    },
    /// Names of a kind the profile never states.
    NameKindsNotInProfile {
        /// The names, described.
        names: Vec<String>,
        /// What the profile states.
        profile_states: NameKind,
    },
    /// A subject attribute the profile states, with another value than the certificate's.
    SubjectFieldDiffers {
        /// The attribute's short name.
        name: String,
        /// What the request says.
        asked: String,
        /// What the certificate will say.
        carried: String,
    },
    /// Subject attributes the profile's subject does not have.
    SubjectFieldsDropped {
        /// `NAME=value` of each.
        fields: Vec<String>,
    },
    /// Other extensions, which Keyward never copies.
    ExtensionsIgnored {
        /// Their names or dotted OIDs.
        extensions: Vec<String>,
    },
}

/// A kind of subject alternative name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// dNSName.
    DnsName,
    /// rfc822Name.
    EmailAddress,
}

impl NameKind {
    /// The kind's words, singular or plural.
    fn words(self, lang: Lang, count: usize) -> &'static str {
        match (self, count == 1) {
            (Self::DnsName, true) => lang.pick("DNS name", "nom DNS"),
            (Self::DnsName, false) => lang.pick("DNS names", "noms DNS"),
            (Self::EmailAddress, true) => lang.pick("email address", "adresse électronique"),
            (Self::EmailAddress, false) => lang.pick("email addresses", "adresses électroniques"),
        }
    }
}

/// Words joined by commas and a last "and"/"et".
fn join(lang: Lang, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), lang.pick("and", "et")),
    }
}

/// Key usage bits as words: "digitalSignature only", "digitalSignature and keyEncipherment".
fn usage_words(lang: Lang, bits: &[KeyUsageBit], only: bool) -> String {
    let names: Vec<String> = bits.iter().map(|bit| bit.name().to_owned()).collect();
    if names.is_empty() {
        return lang.pick("no key usage", "aucun usage de clé").to_owned();
    }
    let text = join(lang, &names);
    if only && names.len() == 1 { format!("{text} {}", lang.pick("only", "seulement")) } else { text }
}

impl Mismatch {
    /// Stable identifier.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoExtensions { .. } => "no_extensions",
            Self::KeyUsageNotForKey { .. } => "key_usage_not_for_key",
            Self::KeyUsageNotInProfile { .. } => "key_usage_not_in_profile",
            Self::KeyUsageAdded { .. } => "key_usage_added",
            Self::ExtendedKeyUsageNotInProfile { .. } => "extended_key_usage_not_in_profile",
            Self::ExtendedKeyUsageAdded { .. } => "extended_key_usage_added",
            Self::AsksToBeCertificateAuthority => "asks_to_be_ca",
            Self::NamesNotOnOrder { .. } => "names_not_on_order",
            Self::NamesAdded { .. } => "names_added",
            Self::NameKindsNotInProfile { .. } => "name_kinds_not_in_profile",
            Self::SubjectFieldDiffers { .. } => "subject_field_differs",
            Self::SubjectFieldsDropped { .. } => "subject_fields_dropped",
            Self::ExtensionsIgnored { .. } => "extensions_ignored",
        }
    }

    /// The explanation in plain words, in `lang`.
    pub fn explain(&self, lang: Lang) -> String {
        let strings = |items: &[&'static str]| items.iter().map(|item| (*item).to_owned()).collect::<Vec<_>>();
        match self {
            Self::NoExtensions { key_usage, extended_key_usages } => {
                let eku = join(lang, &strings(extended_key_usages));
                let usage = usage_words(lang, key_usage, false);
                match lang {
                    Lang::En => format!(
                        "Asks for nothing (no extensions): the certificate will carry the profile's key usage \
                         ({usage}) and extended key usage ({eku})."
                    ),
                    Lang::Fr => format!(
                        "Ne demande rien (aucune extension) : le certificat portera l’usage de clé ({usage}) et \
                         l’usage étendu ({eku}) du profil."
                    ),
                }
            }
            Self::KeyUsageNotForKey { asked, key, carried } => {
                let asked_words = usage_words(lang, asked, false);
                let carried_words = usage_words(lang, carried, true);
                let them = if asked.len() == 1 {
                    lang.pick("it", "s’en servir")
                } else {
                    lang.pick("them", "s’en servir")
                };
                match lang {
                    Lang::En => format!(
                        "Asks for {asked_words}; {} {key} key cannot use {them}; the certificate will carry \
                         {carried_words}.",
                        if key.starts_with("RSA") || key.starts_with("Ed") { "an" } else { "a" }
                    ),
                    Lang::Fr => format!(
                        "Demande {asked_words} ; une clé {key} ne peut pas {them} ; le certificat portera \
                         {carried_words}."
                    ),
                }
            }
            Self::KeyUsageNotInProfile { asked, carried } => {
                let asked_words = usage_words(lang, asked, false);
                let carried_words = usage_words(lang, carried, true);
                match lang {
                    Lang::En => format!(
                        "Asks for {asked_words}; this profile does not grant it; the certificate will carry \
                         {carried_words}."
                    ),
                    Lang::Fr => format!(
                        "Demande {asked_words} ; ce profil ne l’accorde pas ; le certificat portera {carried_words}."
                    ),
                }
            }
            Self::KeyUsageAdded { added } => {
                let words = usage_words(lang, added, false);
                match lang {
                    Lang::En => {
                        format!("Does not ask for {words}; the certificate will carry it, as the profile says.")
                    }
                    Lang::Fr => format!("Ne demande pas {words} ; le certificat le portera, comme le dit le profil."),
                }
            }
            Self::ExtendedKeyUsageNotInProfile { asked, profile } => {
                let asked_words = join(lang, asked);
                let profile_words = join(lang, &strings(profile));
                match lang {
                    Lang::En => format!(
                        "Asks for {asked_words}; this profile is {profile_words} only: the certificate will not \
                         carry {}.",
                        if asked.len() == 1 { "it" } else { "them" }
                    ),
                    Lang::Fr => format!(
                        "Demande {asked_words} ; ce profil est {profile_words} seulement : le certificat ne {} \
                         portera pas.",
                        if asked.len() == 1 { "le" } else { "les" }
                    ),
                }
            }
            Self::ExtendedKeyUsageAdded { added } => {
                let words = join(lang, &strings(added));
                match lang {
                    Lang::En => {
                        format!("Does not ask for {words}; the certificate will carry it, as the profile says.")
                    }
                    Lang::Fr => format!("Ne demande pas {words} ; le certificat le portera, comme le dit le profil."),
                }
            }
            Self::AsksToBeCertificateAuthority => lang
                .pick(
                    "Asks to be a CA (CA:TRUE); Keyward issues end-entity certificates only: the certificate will say \
                     CA:FALSE.",
                    "Demande à être une autorité de certification (CA:TRUE) ; Keyward n’émet que des certificats \
                     d’entité finale : le certificat dira CA:FALSE.",
                )
                .to_owned(),
            Self::NamesNotOnOrder { kind, names } => {
                let count = names.len();
                let list = join(lang, names);
                let kind_words = kind.words(lang, count);
                match (lang, count == 1) {
                    (Lang::En, true) => {
                        format!("Names 1 {kind_words} not on the order ({list}): it will not be in the certificate.")
                    }
                    (Lang::En, false) => format!(
                        "Names {count} {kind_words} not on the order ({list}): they will not be in the certificate."
                    ),
                    (Lang::Fr, true) => format!(
                        "Nomme 1 {kind_words} absent de la commande ({list}) : il ne sera pas dans le certificat."
                    ),
                    (Lang::Fr, false) => format!(
                        "Nomme {count} {kind_words} absents de la commande ({list}) : ils ne seront pas dans le \
                         certificat."
                    ),
                }
            }
            Self::NamesAdded { kind, names } => {
                let list = join(lang, names);
                let kind_words = kind.words(lang, names.len());
                match lang {
                    Lang::En => format!(
                        "Does not name the order's {kind_words} {list}: the certificate will name {}.",
                        if names.len() == 1 { "it" } else { "them" }
                    ),
                    Lang::Fr => format!(
                        "Ne nomme pas {} {kind_words} de la commande {list} : le certificat {} nommera.",
                        if names.len() == 1 { "le" } else { "les" },
                        if names.len() == 1 { "le" } else { "les" }
                    ),
                }
            }
            Self::NameKindsNotInProfile { names, profile_states } => {
                let list = join(lang, names);
                let states = profile_states.words(lang, 2);
                match lang {
                    Lang::En => format!(
                        "Names {list}; this profile certifies {states} only: {} will not be in the certificate.",
                        if names.len() == 1 { "it" } else { "they" }
                    ),
                    Lang::Fr => format!(
                        "Nomme {list} ; ce profil ne certifie que des {states} : {} dans le certificat.",
                        if names.len() == 1 { "ce nom ne sera pas" } else { "ces noms ne seront pas" }
                    ),
                }
            }
            Self::SubjectFieldDiffers { name, asked, carried } => match lang {
                Lang::En => format!("Asks for {name}={asked}; the certificate will say {name}={carried}."),
                Lang::Fr => format!("Demande {name}={asked} ; le certificat dira {name}={carried}."),
            },
            Self::SubjectFieldsDropped { fields } => {
                let list = join(lang, fields);
                match lang {
                    Lang::En => format!(
                        "Asks for {list} in the subject; this profile's subject does not have {}: the certificate \
                         will not say {}.",
                        if fields.len() == 1 { "it" } else { "them" },
                        if fields.len() == 1 { "it" } else { "them" }
                    ),
                    Lang::Fr => format!(
                        "Demande {list} dans le sujet ; le sujet de ce profil n’en a pas : le certificat ne {} dira \
                         pas.",
                        if fields.len() == 1 { "le" } else { "les" }
                    ),
                }
            }
            Self::ExtensionsIgnored { extensions } => {
                let list = join(lang, extensions);
                match lang {
                    Lang::En => format!(
                        "Asks for other extensions ({list}); Keyward never copies them: the certificate carries the \
                         profile's extensions only."
                    ),
                    Lang::Fr => format!(
                        "Demande d’autres extensions ({list}) ; Keyward ne les recopie jamais : le certificat ne \
                         porte que les extensions du profil."
                    ),
                }
            }
        }
    }
}

/// Every way the request differs from what the certificate will say, in a stable order: extensions, names,
/// subject.
pub fn explain(contents: &CsrContents, expectation: &Expectation<'_>) -> Vec<Mismatch> {
    let profile = expectation.profile;
    let carried = carried_key_usage(profile, &contents.key);
    let profile_ekus: Vec<&'static str> =
        profile.extended_key_usages.iter().map(|usage| extended_key_usage_name(*usage)).collect();
    let mut mismatches = Vec::new();

    let asks_nothing = contents.key_usage.is_none()
        && contents.extended_key_usages.is_none()
        && contents.basic_constraints.is_none()
        && contents.other_extensions.is_empty()
        && contents.dns_names.is_empty()
        && contents.email_addresses.is_empty()
        && contents.other_names.is_empty();
    if asks_nothing {
        mismatches
            .push(Mismatch::NoExtensions { key_usage: carried.clone(), extended_key_usages: profile_ekus.clone() });
    }

    if let Some(asked) = &contents.key_usage {
        let not_for_key: Vec<KeyUsageBit> =
            asked.iter().copied().filter(|bit| !bit.possible_with(&contents.key)).collect();
        if !not_for_key.is_empty() {
            mismatches.push(Mismatch::KeyUsageNotForKey {
                asked: not_for_key,
                key: key_name(&contents.key),
                carried: carried.clone(),
            });
        }
        let not_in_profile: Vec<KeyUsageBit> =
            asked.iter().copied().filter(|bit| bit.possible_with(&contents.key) && !carried.contains(bit)).collect();
        if !not_in_profile.is_empty() {
            mismatches.push(Mismatch::KeyUsageNotInProfile { asked: not_in_profile, carried: carried.clone() });
        }
        let added: Vec<KeyUsageBit> = carried.iter().copied().filter(|bit| !asked.contains(bit)).collect();
        if !added.is_empty() {
            mismatches.push(Mismatch::KeyUsageAdded { added });
        }
    }

    if let Some(asked) = &contents.extended_key_usages {
        let refused: Vec<String> =
            asked.iter().filter(|usage| !profile_ekus.contains(&usage.as_str())).cloned().collect();
        if !refused.is_empty() {
            mismatches.push(Mismatch::ExtendedKeyUsageNotInProfile { asked: refused, profile: profile_ekus.clone() });
        }
        let added: Vec<&'static str> =
            profile_ekus.iter().copied().filter(|usage| !asked.iter().any(|asked| asked == usage)).collect();
        if !added.is_empty() {
            mismatches.push(Mismatch::ExtendedKeyUsageAdded { added });
        }
    }

    if contents.basic_constraints.is_some_and(|(certificate_authority, _)| certificate_authority) {
        mismatches.push(Mismatch::AsksToBeCertificateAuthority);
    }

    if !contents.other_extensions.is_empty() {
        mismatches.push(Mismatch::ExtensionsIgnored { extensions: contents.other_extensions.clone() });
    }

    explain_names(contents, expectation, &mut mismatches);
    explain_subject(contents, expectation, &mut mismatches);
    mismatches
}

/// The names part of [`explain`].
fn explain_names(contents: &CsrContents, expectation: &Expectation<'_>, mismatches: &mut Vec<Mismatch>) {
    let same = |left: &str, right: &str| left.eq_ignore_ascii_case(right);
    let mut foreign = contents.other_names.clone();
    match expectation.profile.alternative_names {
        AlternativeNames::DnsNames => {
            let names: Vec<String> = contents
                .dns_names
                .iter()
                .filter(|name| !expectation.dns_names.iter().any(|ordered| same(ordered, name)))
                .cloned()
                .collect();
            if !names.is_empty() {
                mismatches.push(Mismatch::NamesNotOnOrder { kind: NameKind::DnsName, names });
            }
            let added: Vec<String> = expectation
                .dns_names
                .iter()
                .filter(|ordered| !contents.dns_names.iter().any(|name| same(name, ordered)))
                .cloned()
                .collect();
            if !added.is_empty() && !contents.dns_names.is_empty() {
                mismatches.push(Mismatch::NamesAdded { kind: NameKind::DnsName, names: added });
            }
            foreign.extend(contents.email_addresses.iter().map(|email| format!("email address {email}")));
            if !foreign.is_empty() {
                mismatches.push(Mismatch::NameKindsNotInProfile { names: foreign, profile_states: NameKind::DnsName });
            }
        }
        AlternativeNames::Mailbox => {
            let names: Vec<String> = contents
                .email_addresses
                .iter()
                .filter(|email| !expectation.email.is_some_and(|ordered| same(ordered, email)))
                .cloned()
                .collect();
            if !names.is_empty() {
                mismatches.push(Mismatch::NamesNotOnOrder { kind: NameKind::EmailAddress, names });
            }
            foreign.extend(contents.dns_names.iter().map(|name| format!("DNS name {name}")));
            if !foreign.is_empty() {
                mismatches
                    .push(Mismatch::NameKindsNotInProfile { names: foreign, profile_states: NameKind::EmailAddress });
            }
        }
    }
}

/// The subject part of [`explain`].
fn explain_subject(contents: &CsrContents, expectation: &Expectation<'_>, mismatches: &mut Vec<Mismatch>) {
    let profile = expectation.profile;
    let expected_common_name = match profile.common_name {
        crate::profile::CommonName::FirstDnsName => expectation.dns_names.first().map(String::as_str),
        crate::profile::CommonName::Mailbox => expectation.email,
        crate::profile::CommonName::OrganizationName => expectation.organization,
        crate::profile::CommonName::PersonalName => None,
    };
    let mut dropped = Vec::new();
    for field in &contents.subject {
        let stated = field.attribute.filter(|attribute| profile.subject.contains(attribute));
        let Some(attribute) = stated else {
            dropped.push(format!("{}={}", field.name, field.value));
            continue;
        };
        let carried = match attribute {
            SubjectAttribute::Organization => expectation.organization,
            SubjectAttribute::Country => expectation.country,
            SubjectAttribute::CommonName => expected_common_name,
            _ => None,
        };
        if let Some(carried) = carried.filter(|carried| !carried.eq_ignore_ascii_case(&field.value)) {
            mismatches.push(Mismatch::SubjectFieldDiffers {
                name: field.name.clone(),
                asked: field.value.clone(),
                carried: carried.to_owned(),
            });
        }
    }
    if !dropped.is_empty() {
        mismatches.push(Mismatch::SubjectFieldsDropped { fields: dropped });
    }
}
