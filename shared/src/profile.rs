//! Certificate profiles as data, and the key policy of S/MIME BR 6.1.5, 6.1.6 and 6.1.1.3: which public keys a
//! profile certifies.
//!
//! The catalogue: S/MIME (Baseline Requirements 7.1.2.3, 7.1.4.2, 7.1.6.1) mailbox-, organization- and
//! sponsor-validated, each in the strict and the multipurpose generation; client authentication for
//! workstations; and TLS server authentication. A profile says what a certificate states: key usage (by key
//! family), extended key usage, the subject attributes in their order and what the common name holds, which
//! subject alternative names, the policy OIDs, the validity cap and the key types. What an order must supply
//! for a profile is checked by [`crate::issuance::check_order`]; the template is built by
//! [`crate::issuance::certificate_template`]. Ed25519 is in no profile: [`KeyType`] has no Ed25519 yet.

use crate::lang::Lang;
use serde::{Deserialize, Serialize};

use crate::csr::PublicKey;
use crate::weak_key::{self, WeakKey};

/// A certificate profile's stable identifier, as stored with an order and sent to the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProfileId {
    /// S/MIME, mailbox-validated, strict: the mailbox only; email protection only. Policy 2.23.140.1.5.1.3.
    SmimeMailboxStrict,
    /// S/MIME, mailbox-validated, multipurpose: the mailbox only; email protection and client authentication.
    /// Policy 2.23.140.1.5.1.2.
    SmimeMailboxMultipurpose,
    /// S/MIME, organization-validated, strict: a validated organization's mailbox, no personal name; email
    /// protection only. Policy 2.23.140.1.5.2.3.
    SmimeOrganizationStrict,
    /// S/MIME, organization-validated, multipurpose: as strict, with client authentication. Policy
    /// 2.23.140.1.5.2.2.
    SmimeOrganizationMultipurpose,
    /// S/MIME, sponsor-validated, strict: a person (name) in a validated organization, with their mailbox; email
    /// protection only. Policy 2.23.140.1.5.3.3.
    SmimeSponsorStrict,
    /// S/MIME, sponsor-validated, multipurpose: as strict, with client authentication. Policy 2.23.140.1.5.3.2.
    SmimeSponsorMultipurpose,
    /// Client authentication for a workstation of a validated organization: its host name. Policy
    /// [`KEYWARD_CLIENT_AUTH_WORKSTATION_POLICY`] (Keyward's own arc; no CA/Browser Forum policy applies).
    ClientAuthWorkstation,
    /// TLS server authentication for a validated organization's host names. Policy 2.23.140.1.2.2
    /// (organization validated, TLS Baseline Requirements 7.1.6.1).
    ServerAuth,
}

impl ProfileId {
    /// Every profile, in the order the catalogue lists them.
    pub const ALL: [Self; 8] = [
        Self::SmimeMailboxStrict,
        Self::SmimeMailboxMultipurpose,
        Self::SmimeOrganizationStrict,
        Self::SmimeOrganizationMultipurpose,
        Self::SmimeSponsorStrict,
        Self::SmimeSponsorMultipurpose,
        Self::ClientAuthWorkstation,
        Self::ServerAuth,
    ];

    /// The identifier as stored in the database and sent on the wire (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmimeMailboxStrict => "smime_mailbox_strict",
            Self::SmimeMailboxMultipurpose => "smime_mailbox_multipurpose",
            Self::SmimeOrganizationStrict => "smime_organization_strict",
            Self::SmimeOrganizationMultipurpose => "smime_organization_multipurpose",
            Self::SmimeSponsorStrict => "smime_sponsor_strict",
            Self::SmimeSponsorMultipurpose => "smime_sponsor_multipurpose",
            Self::ClientAuthWorkstation => "client_auth_workstation",
            Self::ServerAuth => "server_auth",
        }
    }

    /// Reads a stored identifier.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|id| id.as_str() == text)
    }

    /// The profile's rules.
    pub fn profile(self) -> &'static Profile {
        match self {
            Self::SmimeMailboxStrict => &SMIME_MAILBOX_STRICT,
            Self::SmimeMailboxMultipurpose => &SMIME_MAILBOX_MULTIPURPOSE,
            Self::SmimeOrganizationStrict => &SMIME_ORGANIZATION_STRICT,
            Self::SmimeOrganizationMultipurpose => &SMIME_ORGANIZATION_MULTIPURPOSE,
            Self::SmimeSponsorStrict => &SMIME_SPONSOR_STRICT,
            Self::SmimeSponsorMultipurpose => &SMIME_SPONSOR_MULTIPURPOSE,
            Self::ClientAuthWorkstation => &CLIENT_AUTH_WORKSTATION,
            Self::ServerAuth => &SERVER_AUTH,
        }
    }
}

/// A key the browser can generate: what the enrollment page offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// RSA 2048 with SHA-256: the default, accepted everywhere.
    Rsa2048,
    /// RSA 3072 with SHA-256.
    Rsa3072,
    /// RSA 4096 with SHA-256.
    Rsa4096,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
    /// Ed25519 (RFC 8410): S/MIME only (S/MIME BR 6.1.5 allows it; the TLS BR do not).
    Ed25519,
}

impl KeyType {
    /// Every key type, in the order of the enum.
    pub const ALL: [Self; 6] =
        [Self::Rsa2048, Self::Rsa3072, Self::Rsa4096, Self::EcdsaP256, Self::EcdsaP384, Self::Ed25519];

    /// The name on the wire (the serde name), which the enrollment page's key choice also carries: spelled here so
    /// that the page does not need a JSON value round trip (and its code) to write or read it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa2048",
            Self::Rsa3072 => "rsa3072",
            Self::Rsa4096 => "rsa4096",
            Self::EcdsaP256 => "ecdsa_p256",
            Self::EcdsaP384 => "ecdsa_p384",
            Self::Ed25519 => "ed25519",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key_type| key_type.as_str() == text)
    }

    /// The name a person sees, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Self::Rsa2048 => {
                lang.pick("RSA 2048 (recommended: works everywhere)", "RSA 2048 (recommandé : fonctionne partout)")
            }
            Self::Rsa3072 => "RSA 3072",
            Self::Rsa4096 => lang.pick("RSA 4096 (slow to generate)", "RSA 4096 (lente à générer)"),
            Self::EcdsaP256 => lang.pick(
                "ECDSA P-256 (small and fast; not for very old systems)",
                "ECDSA P-256 (compacte et rapide ; pas pour les systèmes très anciens)",
            ),
            Self::EcdsaP384 => "ECDSA P-384",
            Self::Ed25519 => lang.pick(
                "Ed25519 (modern; many mail clients cannot use it yet)",
                "Ed25519 (moderne ; beaucoup de clients de messagerie ne l’acceptent pas encore)",
            ),
        }
    }
}

/// The key types of the device profiles (TLS client and server), the default first: no Ed25519, which the TLS
/// BR do not allow and few TLS stacks accept in client certificates.
const ALL_KEY_TYPES: &[KeyType] =
    &[KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::EcdsaP256, KeyType::EcdsaP384];

/// The key types of the S/MIME profiles, the default first: every type, Ed25519 last (S/MIME BR 6.1.5).
const SMIME_KEY_TYPES: &[KeyType] =
    &[KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Ed25519];

/// Extended key usages a profile can assert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendedKeyUsage {
    /// id-kp-emailProtection (1.3.6.1.5.5.7.3.4).
    EmailProtection,
    /// id-kp-clientAuth (1.3.6.1.5.5.7.3.2).
    ClientAuth,
    /// id-kp-serverAuth (1.3.6.1.5.5.7.3.1). Never in an S/MIME certificate (S/MIME BR 7.1.2.3 f).
    ServerAuth,
}

/// Key usage bits asserted (the extension is critical).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage {
    /// digitalSignature.
    pub digital_signature: bool,
    /// keyEncipherment (RSA only).
    pub key_encipherment: bool,
    /// dataEncipherment (RSA only).
    pub data_encipherment: bool,
    /// keyAgreement (ECDH, elliptic-curve keys only).
    pub key_agreement: bool,
}

impl KeyUsage {
    const NONE: Self =
        Self { digital_signature: false, key_encipherment: false, data_encipherment: false, key_agreement: false };
    /// Signing only.
    pub const SIGNATURE: Self = Self { digital_signature: true, ..Self::NONE };
    /// RSA dual use: signing and key transport.
    pub const SIGNATURE_AND_KEY_ENCIPHERMENT: Self = Self { key_encipherment: true, ..Self::SIGNATURE };
    /// RSA dual use with dataEncipherment, as Windows workstation templates assert it.
    pub const SIGNATURE_AND_ENCIPHERMENT: Self =
        Self { data_encipherment: true, ..Self::SIGNATURE_AND_KEY_ENCIPHERMENT };
    /// Elliptic-curve dual use: signing and key agreement (ECDH).
    pub const SIGNATURE_AND_KEY_AGREEMENT: Self = Self { key_agreement: true, ..Self::SIGNATURE };
}

/// Subject attributes, in the order they are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectAttribute {
    /// countryName (2.5.4.6), PrintableString: the organization's country.
    Country,
    /// stateOrProvinceName (2.5.4.8): the state, province or region of the organization's address, when it has
    /// one.
    StateOrProvince,
    /// localityName (2.5.4.7): the city of the organization's address.
    Locality,
    /// organizationName (2.5.4.10): the organization's name.
    Organization,
    /// organizationIdentifier (2.5.4.97): the organization's registration reference.
    OrganizationIdentifier,
    /// givenName (2.5.4.42): the recipient's given name, when they have one.
    GivenName,
    /// surname (2.5.4.4): the recipient's surname.
    Surname,
    /// commonName (2.5.4.3): what [`Profile::common_name`] says. Left out when longer than
    /// [`COMMON_NAME_MAXIMUM_LENGTH`] (RFC 5280 ub-common-name); every profile also states the value elsewhere.
    CommonName,
}

/// Longest common name RFC 5280 allows (ub-common-name), in characters.
pub const COMMON_NAME_MAXIMUM_LENGTH: usize = 64;

/// What the subject's common name holds (S/MIME BR 7.1.4.2.2 a).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommonName {
    /// The recipient's mailbox address (also the rfc822Name).
    Mailbox,
    /// The organization's name (also the organizationName).
    OrganizationName,
    /// The recipient's personal name: given name, then surname (also givenName and surname).
    PersonalName,
    /// The first DNS name (also a dNSName).
    FirstDnsName,
}

/// Which subject alternative names a profile states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlternativeNames {
    /// One rfc822Name: the recipient's mailbox (S/MIME BR 7.1.4.2.1).
    Mailbox,
    /// One dNSName per host name of the order, in order; at least one.
    DnsNames,
}

/// What kind of certificate a profile makes, for the words people read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKind {
    /// Secure email (S/MIME Baseline Requirements).
    Smime,
    /// A workstation's client-authentication certificate.
    ClientAuthentication,
    /// A TLS server certificate.
    ServerAuthentication,
}

impl ProfileKind {
    /// How an email or a page names the certificate, after "a" or "an" ("a … certificate").
    pub fn description(self) -> &'static str {
        match self {
            Self::Smime => "secure email (S/MIME)",
            Self::ClientAuthentication => "workstation client-authentication",
            Self::ServerAuthentication => "TLS server",
        }
    }
}

/// A validity cap that applies to certificates issued from `from` (seconds since the Unix epoch) on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidityCap {
    /// First instant the cap applies.
    pub from: i64,
    /// Longest validity, in days of 86,400 seconds.
    pub days: u32,
}

/// Keyward's certificate policy for workstation client authentication. No CA/Browser Forum policy covers
/// client-authentication-only certificates (2.23.140.1.2.x are TLS *server* policies), so the profile asserts a
/// policy under a private enterprise arc. **Placeholder:** 32473 is the IANA enterprise number reserved for
/// documentation (RFC 5612); a deployment replaces this OID with one under its own enterprise number and
/// documents it in its CP/CPS before issuing for real. Arc layout: `.1` Keyward, `.1.1` certificate policies,
/// `.1.1.1` workstation client authentication.
pub const KEYWARD_CLIENT_AUTH_WORKSTATION_POLICY: &str = "1.3.6.1.4.1.32473.1.1.1";

/// A profile's rules.
#[derive(Debug)]
pub struct Profile {
    /// Identifier.
    pub id: ProfileId,
    /// Name shown to people, in English (the API and error messages); [`Profile::display_name`] for pages.
    pub name: &'static str,
    /// What kind of certificate it makes.
    pub kind: ProfileKind,
    /// Key types offered by KeyGen, the default first.
    pub key_types: &'static [KeyType],
    /// Validity caps, oldest first: the last one whose `from` has passed applies ([`Profile::max_validity_days`]).
    pub validity_caps: &'static [ValidityCap],
    /// Certificate policy OIDs, dotted (S/MIME BR 7.1.6.1: exactly one reserved identifier for S/MIME).
    pub policy_oids: &'static [&'static str],
    /// Extended key usages, in order.
    pub extended_key_usages: &'static [ExtendedKeyUsage],
    /// Key usage for an RSA key.
    pub rsa_key_usage: KeyUsage,
    /// Key usage for an elliptic-curve (ECDSA) key.
    pub ec_key_usage: KeyUsage,
    /// The subject's attributes, in encoding order. Attributes without a value (a recipient with no given
    /// name) are left out; nothing else may appear.
    pub subject: &'static [SubjectAttribute],
    /// What the common name holds.
    pub common_name: CommonName,
    /// Which subject alternative names the certificate states.
    pub alternative_names: AlternativeNames,
}

impl Profile {
    /// The name shown to people on a page in `lang`.
    pub fn display_name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.name,
            Lang::Fr => match self.id {
                ProfileId::SmimeMailboxStrict => "Messagerie sécurisée (S/MIME), validation de l’adresse, stricte",
                ProfileId::SmimeMailboxMultipurpose => "Messagerie sécurisée (S/MIME), validation de l’adresse",
                ProfileId::SmimeOrganizationStrict => {
                    "Messagerie sécurisée (S/MIME), validation de l’organisation, stricte"
                }
                ProfileId::SmimeOrganizationMultipurpose => {
                    "Messagerie sécurisée (S/MIME), validation de l’organisation"
                }
                ProfileId::SmimeSponsorStrict => {
                    "Messagerie sécurisée (S/MIME), validation par l’organisation, stricte"
                }
                ProfileId::SmimeSponsorMultipurpose => "Messagerie sécurisée (S/MIME), validation par l’organisation",
                ProfileId::ClientAuthWorkstation => "Authentification client, poste de travail",
                ProfileId::ServerAuth => "Authentification de serveur (TLS), validation de l’organisation",
            },
        }
    }

    /// The validity cap, in days, for a certificate issued at `now`.
    pub fn max_validity_days(&self, now: i64) -> u32 {
        self.validity_caps.iter().rev().find(|cap| cap.from <= now).map_or(1, |cap| cap.days)
    }

    /// Whether the subject states the recipient's personal name (given name and surname).
    pub fn states_personal_name(&self) -> bool {
        self.subject.contains(&SubjectAttribute::Surname)
    }

    /// Whether the subject states the organization.
    pub fn states_organization(&self) -> bool {
        self.subject.contains(&SubjectAttribute::Organization)
    }

    /// Whether the subject states where the organization is (its locality and/or state or province): then at
    /// least one of them is required.
    pub fn states_place(&self) -> bool {
        self.subject
            .iter()
            .any(|attribute| matches!(attribute, SubjectAttribute::Locality | SubjectAttribute::StateOrProvince))
    }
}

/// S/MIME BR 6.3.2: 825 days for the strict and multipurpose generations.
const SMIME_VALIDITY: &[ValidityCap] = &[ValidityCap { from: i64::MIN, days: 825 }];

/// Not governed by a Baseline Requirement (the certificate asserts no CA/Browser Forum policy): Keyward's
/// choice, the S/MIME cap, so that an organization validation (reusable for 825 days) covers the whole
/// certificate.
const CLIENT_AUTH_VALIDITY: &[ValidityCap] = &[ValidityCap { from: i64::MIN, days: 825 }];

/// TLS BR 6.3.2 as amended by ballot SC-081v3: at most 398 days, then 200 from 2026-03-15, 100 from 2027-03-15
/// and 47 from 2029-03-15 (00:00 UTC). Keyward caps one day under each maximum (397, 199, 99, 46): TLS BR 6.3.2
/// advises against issuing for the maximum period, since any fraction of a second over counts as another day,
/// and pkilint's TLS linter warns above 199 days.
const SERVER_AUTH_VALIDITY: &[ValidityCap] = &[
    ValidityCap { from: i64::MIN, days: 397 },
    ValidityCap { from: 1_773_532_800, days: 199 },
    ValidityCap { from: 1_805_068_800, days: 99 },
    ValidityCap { from: 1_868_227_200, days: 46 },
];

/// S/MIME key usage (BR 7.1.2.3 e), dual use in both generations: RSA digitalSignature and keyEncipherment;
/// elliptic curves digitalSignature and keyAgreement.
const SMIME_RSA_KEY_USAGE: KeyUsage = KeyUsage::SIGNATURE_AND_KEY_ENCIPHERMENT;
const SMIME_EC_KEY_USAGE: KeyUsage = KeyUsage::SIGNATURE_AND_KEY_AGREEMENT;

const STRICT_EKU: &[ExtendedKeyUsage] = &[ExtendedKeyUsage::EmailProtection];
const MULTIPURPOSE_EKU: &[ExtendedKeyUsage] = &[ExtendedKeyUsage::EmailProtection, ExtendedKeyUsage::ClientAuth];

/// S/MIME BR 7.1.4.2.3: no organization, no personal name, no country; the common name is the mailbox.
const MAILBOX_SUBJECT: &[SubjectAttribute] = &[SubjectAttribute::CommonName];
/// S/MIME BR 7.1.4.2.4: organizationName and organizationIdentifier required; no personal name; the common
/// name is the organization's name.
const ORGANIZATION_SUBJECT: &[SubjectAttribute] = &[
    SubjectAttribute::Country,
    SubjectAttribute::Organization,
    SubjectAttribute::OrganizationIdentifier,
    SubjectAttribute::CommonName,
];
/// S/MIME BR 7.1.4.2.5: the organization, and the person's givenName and/or surname.
const SPONSOR_SUBJECT: &[SubjectAttribute] = &[
    SubjectAttribute::Country,
    SubjectAttribute::Organization,
    SubjectAttribute::OrganizationIdentifier,
    SubjectAttribute::GivenName,
    SubjectAttribute::Surname,
    SubjectAttribute::CommonName,
];
/// A workstation: its organization and its host name.
const DEVICE_SUBJECT: &[SubjectAttribute] =
    &[SubjectAttribute::Country, SubjectAttribute::Organization, SubjectAttribute::CommonName];
/// A TLS server, organization-validated (TLS BR 7.1.2.7.4): the organization with where it is (localityName and
/// stateOrProvinceName, each when the address has it; at least one is required) and the host name, in the order
/// of TLS BR 7.1.4.2.
const SERVER_SUBJECT: &[SubjectAttribute] = &[
    SubjectAttribute::Country,
    SubjectAttribute::StateOrProvince,
    SubjectAttribute::Locality,
    SubjectAttribute::Organization,
    SubjectAttribute::CommonName,
];

const fn smime(
    id: ProfileId,
    name: &'static str,
    policy_oids: &'static [&'static str],
    extended_key_usages: &'static [ExtendedKeyUsage],
    subject: &'static [SubjectAttribute],
    common_name: CommonName,
) -> Profile {
    Profile {
        id,
        name,
        kind: ProfileKind::Smime,
        key_types: SMIME_KEY_TYPES,
        validity_caps: SMIME_VALIDITY,
        policy_oids,
        extended_key_usages,
        rsa_key_usage: SMIME_RSA_KEY_USAGE,
        ec_key_usage: SMIME_EC_KEY_USAGE,
        subject,
        common_name,
        alternative_names: AlternativeNames::Mailbox,
    }
}

static SMIME_MAILBOX_STRICT: Profile = smime(
    ProfileId::SmimeMailboxStrict,
    "Secure Email (S/MIME), mailbox-validated, strict",
    &["2.23.140.1.5.1.3"],
    STRICT_EKU,
    MAILBOX_SUBJECT,
    CommonName::Mailbox,
);

static SMIME_MAILBOX_MULTIPURPOSE: Profile = smime(
    ProfileId::SmimeMailboxMultipurpose,
    "Secure Email (S/MIME), mailbox-validated",
    &["2.23.140.1.5.1.2"],
    MULTIPURPOSE_EKU,
    MAILBOX_SUBJECT,
    CommonName::Mailbox,
);

static SMIME_ORGANIZATION_STRICT: Profile = smime(
    ProfileId::SmimeOrganizationStrict,
    "Secure Email (S/MIME), organization-validated, strict",
    &["2.23.140.1.5.2.3"],
    STRICT_EKU,
    ORGANIZATION_SUBJECT,
    CommonName::OrganizationName,
);

static SMIME_ORGANIZATION_MULTIPURPOSE: Profile = smime(
    ProfileId::SmimeOrganizationMultipurpose,
    "Secure Email (S/MIME), organization-validated",
    &["2.23.140.1.5.2.2"],
    MULTIPURPOSE_EKU,
    ORGANIZATION_SUBJECT,
    CommonName::OrganizationName,
);

static SMIME_SPONSOR_STRICT: Profile = smime(
    ProfileId::SmimeSponsorStrict,
    "Secure Email (S/MIME), sponsor-validated, strict",
    &["2.23.140.1.5.3.3"],
    STRICT_EKU,
    SPONSOR_SUBJECT,
    CommonName::PersonalName,
);

static SMIME_SPONSOR_MULTIPURPOSE: Profile = smime(
    ProfileId::SmimeSponsorMultipurpose,
    "Secure Email (S/MIME), sponsor-validated",
    &["2.23.140.1.5.3.2"],
    MULTIPURPOSE_EKU,
    SPONSOR_SUBJECT,
    CommonName::PersonalName,
);

/// Workstation client authentication. RSA: digitalSignature (the TLS client signs the handshake),
/// keyEncipherment and dataEncipherment (as Windows workstation templates assert them, for RSA key transport
/// by other applications). Elliptic curves: digitalSignature only. RFC 5480 section 3 forbids keyEncipherment
/// and dataEncipherment for id-ecPublicKey, and keyAgreement (static ECDH) is used by no TLS client: TLS 1.2
/// ECDHE and TLS 1.3 authenticate the client with a signature.
static CLIENT_AUTH_WORKSTATION: Profile = Profile {
    id: ProfileId::ClientAuthWorkstation,
    name: "Client authentication, workstation",
    kind: ProfileKind::ClientAuthentication,
    key_types: ALL_KEY_TYPES,
    validity_caps: CLIENT_AUTH_VALIDITY,
    policy_oids: &[KEYWARD_CLIENT_AUTH_WORKSTATION_POLICY],
    extended_key_usages: &[ExtendedKeyUsage::ClientAuth],
    rsa_key_usage: KeyUsage::SIGNATURE_AND_ENCIPHERMENT,
    ec_key_usage: KeyUsage::SIGNATURE,
    subject: DEVICE_SUBJECT,
    common_name: CommonName::FirstDnsName,
    alternative_names: AlternativeNames::DnsNames,
};

/// TLS server authentication, organization validated (TLS BR 7.1.2.7: policy 2.23.140.1.2.2, subject C, ST and/or L, O,
/// dNSName SANs). Key usage per TLS BR 7.1.2.7.11: RSA digitalSignature and keyEncipherment (dataEncipherment
/// is not allowed there, unlike the workstation profile); elliptic curves digitalSignature only (keyAgreement
/// is allowed but no current TLS server uses static ECDH).
static SERVER_AUTH: Profile = Profile {
    id: ProfileId::ServerAuth,
    name: "Server authentication (TLS), organization-validated",
    kind: ProfileKind::ServerAuthentication,
    key_types: ALL_KEY_TYPES,
    validity_caps: SERVER_AUTH_VALIDITY,
    policy_oids: &["2.23.140.1.2.2"],
    extended_key_usages: &[ExtendedKeyUsage::ServerAuth],
    rsa_key_usage: KeyUsage::SIGNATURE_AND_KEY_ENCIPHERMENT,
    ec_key_usage: KeyUsage::SIGNATURE,
    subject: SERVER_SUBJECT,
    common_name: CommonName::FirstDnsName,
    alternative_names: AlternativeNames::DnsNames,
};

/// A public key that passed the key policy, with what the certificate's key usage depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertifiedKey {
    /// RSA of this many bits, exponent 65537.
    Rsa {
        /// Modulus size.
        bits: u32,
    },
    /// ECDSA P-256.
    EcdsaP256,
    /// ECDSA P-384.
    EcdsaP384,
    /// Ed25519: signing only, so the key usage is digitalSignature alone (no keyAgreement: Ed25519 keys do not
    /// agree keys; S/MIME BR 7.1.2.3 e).
    Ed25519,
}

/// Smallest RSA modulus certified (S/MIME BR 6.1.5).
pub const RSA_MINIMUM_BITS: u32 = 2048;
/// Largest RSA modulus certified: the signature check in `csr` verifies up to 8192 bits.
pub const RSA_MAXIMUM_BITS: u32 = 8192;

impl Profile {
    /// The key policy: RSA of at least 2048 bits, a multiple of 8, with exponent 65537, and not known to be weak
    /// ([`weak_key::check_rsa_modulus`]: small factors, ROCA, close primes); ECDSA on P-256 or P-384; and only key
    /// families the profile offers.
    pub fn check_key(&self, key: &PublicKey) -> Result<CertifiedKey, KeyError> {
        let certified = match key {
            PublicKey::Rsa { modulus_bits, public_exponent, modulus } => {
                let bits = *modulus_bits;
                if bits < RSA_MINIMUM_BITS {
                    return Err(KeyError::RsaTooSmall { bits });
                }
                if bits > RSA_MAXIMUM_BITS {
                    return Err(KeyError::RsaTooLarge { bits });
                }
                if !bits.is_multiple_of(8) {
                    return Err(KeyError::RsaSizeNotByteMultiple { bits });
                }
                if *public_exponent != 65_537 {
                    return Err(KeyError::RsaExponent { exponent: *public_exponent });
                }
                weak_key::check_rsa_modulus(modulus).map_err(KeyError::Weak)?;
                CertifiedKey::Rsa { bits }
            }
            PublicKey::EcP256 => CertifiedKey::EcdsaP256,
            PublicKey::EcP384 => CertifiedKey::EcdsaP384,
            PublicKey::Ed25519 => CertifiedKey::Ed25519,
        };
        let offered = self.key_types.iter().any(|offered| {
            matches!(
                (offered, certified),
                (KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096, CertifiedKey::Rsa { .. })
                    | (KeyType::EcdsaP256, CertifiedKey::EcdsaP256)
                    | (KeyType::EcdsaP384, CertifiedKey::EcdsaP384)
                    | (KeyType::Ed25519, CertifiedKey::Ed25519)
            )
        });
        if !offered {
            let key = match certified {
                CertifiedKey::Rsa { .. } => "RSA",
                CertifiedKey::EcdsaP256 => "ECDSA P-256",
                CertifiedKey::EcdsaP384 => "ECDSA P-384",
                CertifiedKey::Ed25519 => "Ed25519",
            };
            return Err(KeyError::NotAllowed { key, profile: self.name });
        }
        Ok(certified)
    }
}

/// Why a public key is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// RSA modulus below 2048 bits.
    RsaTooSmall {
        /// The modulus size found.
        bits: u32,
    },
    /// RSA modulus above 8192 bits.
    RsaTooLarge {
        /// The modulus size found.
        bits: u32,
    },
    /// RSA modulus size not divisible by 8.
    RsaSizeNotByteMultiple {
        /// The modulus size found.
        bits: u32,
    },
    /// RSA public exponent other than 65537.
    RsaExponent {
        /// The exponent found.
        exponent: u64,
    },
    /// An RSA key whose private key can be computed from its public key (S/MIME BR 6.1.1.3).
    Weak(WeakKey),
    /// A key family the profile does not offer.
    NotAllowed {
        /// The key family found.
        key: &'static str,
        /// The profile's name.
        profile: &'static str,
    },
}

impl KeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RsaTooSmall { .. } => "key_too_small",
            Self::RsaTooLarge { .. } => "key_too_large",
            Self::RsaSizeNotByteMultiple { .. } => "key_size_invalid",
            Self::RsaExponent { .. } => "key_exponent_invalid",
            Self::Weak(weak) => weak.code(),
            Self::NotAllowed { .. } => "key_type_not_allowed",
        }
    }
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::RsaTooSmall { bits } => write!(
                formatter,
                "The RSA key has {bits} bits; at least {RSA_MINIMUM_BITS} are required. Generate a new key of 2048 bits or more."
            ),
            Self::RsaTooLarge { bits } => {
                write!(formatter, "The RSA key has {bits} bits; at most {RSA_MAXIMUM_BITS} are accepted.")
            }
            Self::RsaSizeNotByteMultiple { bits } => {
                write!(formatter, "The RSA key has {bits} bits, which is not a multiple of 8.")
            }
            Self::RsaExponent { exponent } => {
                write!(formatter, "The RSA public exponent is {exponent}; only 65537 is accepted.")
            }
            Self::Weak(weak) => core::fmt::Display::fmt(weak, formatter),
            Self::NotAllowed { key, profile } => {
                write!(formatter, "{key} keys are not offered for the profile \"{profile}\".")
            }
        }
    }
}

impl std::error::Error for KeyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_names_and_labels() {
        for id in ProfileId::ALL {
            let profile = id.profile();
            assert_eq!(profile.display_name(Lang::En), profile.name);
            let french = profile.display_name(Lang::Fr);
            assert_ne!(french, profile.name, "{id:?}");
            assert!(!french.contains('\''), "French apostrophes are typographic: {french}");
        }
        assert_eq!(KeyType::Rsa3072.label(Lang::Fr), "RSA 3072");
        assert_eq!(KeyType::Rsa2048.label(Lang::Fr), "RSA 2048 (recommandé\u{a0}: fonctionne partout)");
        assert_ne!(KeyType::EcdsaP256.label(Lang::En), KeyType::EcdsaP256.label(Lang::Fr));
    }

    /// A modulus recorded by `openssl ... -noout -modulus` ("Modulus=HEX") in `shared/tests/fixtures`.
    fn modulus(recorded: &str) -> Vec<u8> {
        let hex = recorded.trim().strip_prefix("Modulus=").expect("openssl -modulus output");
        (0..hex.len()).step_by(2).map(|index| u8::from_str_radix(&hex[index..index + 2], 16).expect("hex")).collect()
    }

    /// OpenSSL keys (`genrsa`), sound.
    const RSA_2048: &str = include_str!("../tests/fixtures/weak_key/rsa2048.modulus.txt");
    const RSA_2056: &str = include_str!("../tests/fixtures/weak_key/rsa2056.modulus.txt");
    const RSA_4096: &str = include_str!("../tests/fixtures/weak_key/rsa4096.modulus.txt");
    /// A 2048-bit ROCA modulus from the reference detector's tests (crocs-muni/roca,
    /// `roca/tests/data/mod03.txt`).
    const ROCA_2048: &str = include_str!("../tests/fixtures/weak_key/roca-positive-mod03.modulus.txt");
    /// p · q with adjacent 1024-bit primes (`fixtures/weak_key/README.md`).
    const CLOSE_2048: &str = include_str!("../tests/fixtures/weak_key/close-round-0.modulus.txt");

    fn rsa(bits: u32, exponent: u64, recorded: &str) -> PublicKey {
        PublicKey::Rsa { modulus_bits: bits, public_exponent: exponent, modulus: modulus(recorded) }
    }

    /// The 2048-bit OpenSSL modulus with its last byte changed so that it is 7 modulo 2 · 3 · 5 · 7: divisible by
    /// 7 and by no smaller prime.
    fn rsa_with_factor_7() -> PublicKey {
        let mut bytes = modulus(RSA_2048);
        let remainder = |bytes: &[u8]| bytes.iter().fold(0u32, |value, &byte| (value * 256 + u32::from(byte)) % 210);
        while remainder(&bytes) != 7 {
            let last = bytes.len() - 1;
            bytes[last] = bytes[last].wrapping_add(1);
        }
        PublicKey::Rsa { modulus_bits: 2048, public_exponent: 65_537, modulus: bytes }
    }

    fn check(key: PublicKey, expected: Result<CertifiedKey, &str>) {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let actual = profile.check_key(&key).map_err(|error| error.code());
        assert_eq!(actual, expected, "{key:?}");
    }

    #[test]
    fn key_policy() {
        check(rsa(2048, 65_537, RSA_2048), Ok(CertifiedKey::Rsa { bits: 2048 }));
        check(rsa(4096, 65_537, RSA_4096), Ok(CertifiedKey::Rsa { bits: 4096 }));
        check(rsa(2056, 65_537, RSA_2056), Ok(CertifiedKey::Rsa { bits: 2056 }));
        // Size and exponent come first: the policy reads the stated size, and these moduli are 2048-bit sound or ROCA.
        check(rsa(1024, 65_537, RSA_2048), Err("key_too_small"));
        check(rsa(2047, 65_537, RSA_2048), Err("key_too_small"));
        check(rsa(2049, 65_537, RSA_2048), Err("key_size_invalid"));
        check(rsa(16_384, 65_537, RSA_2048), Err("key_too_large"));
        check(rsa(2048, 3, RSA_2048), Err("key_exponent_invalid"));
        check(rsa(2048, 3, ROCA_2048), Err("key_exponent_invalid"));
        // Known-weak moduli (`weak_key`).
        check(rsa_with_factor_7(), Err("key_weak_small_factor"));
        check(rsa(2048, 65_537, ROCA_2048), Err("key_weak_roca"));
        check(rsa(2048, 65_537, CLOSE_2048), Err("key_weak_close_primes"));
        check(PublicKey::EcP256, Ok(CertifiedKey::EcdsaP256));
        check(PublicKey::EcP384, Ok(CertifiedKey::EcdsaP384));
        // Ed25519: S/MIME profiles only.
        check(PublicKey::Ed25519, Ok(CertifiedKey::Ed25519));
        for id in [ProfileId::ServerAuth, ProfileId::ClientAuthWorkstation] {
            let refused = id.profile().check_key(&PublicKey::Ed25519).map_err(|error| error.code());
            assert_eq!(refused, Err("key_type_not_allowed"), "{id:?}");
        }
    }

    #[test]
    fn weak_key_errors_carry_the_reason() {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let error = profile.check_key(&rsa_with_factor_7()).expect_err("divisible by 7");
        assert_eq!(error, KeyError::Weak(WeakKey::SmallFactor { prime: 7 }));
        assert!(error.to_string().contains("divisible by 7"), "{error}");
        assert!(error.to_string().contains("Generate a new key pair"), "{error}");
    }

    #[test]
    fn stored_identifiers_round_trip_and_match_the_wire_names() {
        for id in ProfileId::ALL {
            assert_eq!(ProfileId::parse(id.as_str()), Some(id));
            assert_eq!(serde_json::to_value(id).expect("serializes"), serde_json::Value::from(id.as_str()));
            assert_eq!(id.profile().id, id);
        }
        assert_eq!(ProfileId::parse("smime"), None);
    }

    #[test]
    fn key_type_names_round_trip_and_match_the_wire_names() {
        for key_type in KeyType::ALL {
            assert_eq!(KeyType::parse(key_type.as_str()), Some(key_type));
            assert_eq!(serde_json::to_value(key_type).expect("serializes"), serde_json::Value::from(key_type.as_str()));
        }
        assert_eq!(KeyType::parse("rsa"), None);
    }

    /// The catalogue as a table: one line per profile, so a changed rule shows up as a changed line.
    #[test]
    fn the_catalogue() {
        use ExtendedKeyUsage::{ClientAuth, EmailProtection, ServerAuth};
        let dual = KeyUsage::SIGNATURE_AND_KEY_ENCIPHERMENT;
        let agreement = KeyUsage::SIGNATURE_AND_KEY_AGREEMENT;
        let signature = KeyUsage::SIGNATURE;
        /// Profile, policy, extended key usages, RSA and EC key usage, common name, alternative names.
        type Row =
            (ProfileId, &'static str, &'static [ExtendedKeyUsage], KeyUsage, KeyUsage, CommonName, AlternativeNames);
        #[rustfmt::skip]
        let expected: [Row; 8] = [
            (ProfileId::SmimeMailboxStrict, "2.23.140.1.5.1.3", &[EmailProtection], dual, agreement, CommonName::Mailbox, AlternativeNames::Mailbox),
            (ProfileId::SmimeMailboxMultipurpose, "2.23.140.1.5.1.2", &[EmailProtection, ClientAuth], dual, agreement, CommonName::Mailbox, AlternativeNames::Mailbox),
            (ProfileId::SmimeOrganizationStrict, "2.23.140.1.5.2.3", &[EmailProtection], dual, agreement, CommonName::OrganizationName, AlternativeNames::Mailbox),
            (ProfileId::SmimeOrganizationMultipurpose, "2.23.140.1.5.2.2", &[EmailProtection, ClientAuth], dual, agreement, CommonName::OrganizationName, AlternativeNames::Mailbox),
            (ProfileId::SmimeSponsorStrict, "2.23.140.1.5.3.3", &[EmailProtection], dual, agreement, CommonName::PersonalName, AlternativeNames::Mailbox),
            (ProfileId::SmimeSponsorMultipurpose, "2.23.140.1.5.3.2", &[EmailProtection, ClientAuth], dual, agreement, CommonName::PersonalName, AlternativeNames::Mailbox),
            (ProfileId::ClientAuthWorkstation, "1.3.6.1.4.1.32473.1.1.1", &[ClientAuth], KeyUsage::SIGNATURE_AND_ENCIPHERMENT, signature, CommonName::FirstDnsName, AlternativeNames::DnsNames),
            (ProfileId::ServerAuth, "2.23.140.1.2.2", &[ServerAuth], dual, signature, CommonName::FirstDnsName, AlternativeNames::DnsNames),
        ];
        for (id, policy, extended_key_usages, rsa, ec, common_name, alternative_names) in expected {
            let profile = id.profile();
            assert_eq!(profile.policy_oids, [policy], "{id:?}");
            assert_eq!(profile.extended_key_usages, extended_key_usages, "{id:?}");
            assert_eq!((profile.rsa_key_usage, profile.ec_key_usage), (rsa, ec), "{id:?}");
            assert_eq!((profile.common_name, profile.alternative_names), (common_name, alternative_names), "{id:?}");
            let smime = profile.kind == ProfileKind::Smime;
            assert_eq!(profile.key_types, if smime { SMIME_KEY_TYPES } else { ALL_KEY_TYPES }, "{id:?}");
            assert_eq!(smime, policy.starts_with("2.23.140.1.5."), "{id:?}");
            // S/MIME BR 7.1.2.3 f: never serverAuth; strict: emailProtection alone.
            assert!(!smime || !extended_key_usages.contains(&ServerAuth), "{id:?}");
            // RFC 5480: no encipherment bits for elliptic-curve keys, in any profile.
            assert!(!ec.key_encipherment && !ec.data_encipherment, "{id:?}");
            // S/MIME BR 7.1.4.2.3-5: personal names only in the sponsor profiles, no organization for mailboxes.
            assert_eq!(profile.states_personal_name(), common_name == CommonName::PersonalName, "{id:?}");
            assert_eq!(profile.states_organization(), common_name != CommonName::Mailbox, "{id:?}");
        }
    }

    #[test]
    fn validity_caps() {
        let day = 86_400;
        let smime = ProfileId::SmimeMailboxStrict.profile();
        let workstation = ProfileId::ClientAuthWorkstation.profile();
        let server = ProfileId::ServerAuth.profile();
        for now in [0, 1_773_532_800, 2_000_000_000] {
            assert_eq!(smime.max_validity_days(now), 825);
            assert_eq!(workstation.max_validity_days(now), 825);
        }
        // One day under TLS BR 6.3.2 (ballot SC-081v3), switching at 00:00 UTC on 2026-03-15, 2027-03-15 and
        // 2029-03-15.
        assert_eq!(server.max_validity_days(i64::MIN), 397);
        assert_eq!(server.max_validity_days(1_773_532_800 - 1), 397);
        assert_eq!(server.max_validity_days(1_773_532_800), 199);
        assert_eq!(server.max_validity_days(1_805_068_800 - day), 199);
        assert_eq!(server.max_validity_days(1_805_068_800), 99);
        assert_eq!(server.max_validity_days(1_868_227_200 - 1), 99);
        assert_eq!(server.max_validity_days(1_868_227_200), 46);
    }
}
