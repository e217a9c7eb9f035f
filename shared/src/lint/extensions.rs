//! The lint checks of the extensions: which are present, which critical, and what each says (S/MIME BR 7.1.2.3,
//! TLS BR 7.1.2.7.6 to 7.1.2.7.12, RFC 5280 4.2 and RFC 5480 3).

use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};

use super::{Context, KeyFamily, Report, Rules, SmimeValidation};
use crate::address::EmailAddress;
use crate::issuance::{MAXIMUM_DNS_NAMES, check_dns_name};
use crate::profile::{self, AlternativeNames};

const AUTHORITY_KEY_IDENTIFIER: &str = "2.5.29.35";
const SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";
const KEY_USAGE: &str = "2.5.29.15";
const SUBJECT_ALTERNATIVE_NAME: &str = "2.5.29.17";
const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
const CERTIFICATE_POLICIES: &str = "2.5.29.32";
const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const AUTHORITY_INFORMATION_ACCESS: &str = "1.3.6.1.5.5.7.1.1";

const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
const EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
const OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const ANY_EXTENDED_KEY_USAGE: &str = "2.5.29.37.0";
const OCSP: &str = "1.3.6.1.5.5.7.48.1";
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// Whether an extension must be marked critical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Criticality {
    /// Always critical.
    Critical,
    /// Never critical.
    NotCritical,
    /// Critical exactly when the subject is empty (RFC 5280 4.2.1.6, S/MIME BR 7.1.2.3 h).
    WhenSubjectEmpty,
    /// Either (basicConstraints: the S/MIME BR say nothing; RFC 5280 lets a CA choose for an end entity).
    Either,
}

/// Every extension a Keyward certificate may carry, whether it must, and its criticality. The same for every
/// profile: S/MIME BR 7.1.2.3 (a, b, c, d, e, f, g, h, n), TLS BR 7.1.2.7.6 and RFC 5280 4.2. Keyward requires
/// authorityInformationAccess and subjectKeyIdentifier, which the S/MIME BR only recommend.
const EXTENSIONS: &[(&str, &str, bool, Criticality)] = &[
    (AUTHORITY_KEY_IDENTIFIER, "authorityKeyIdentifier", true, Criticality::NotCritical),
    (SUBJECT_KEY_IDENTIFIER, "subjectKeyIdentifier", true, Criticality::NotCritical),
    (KEY_USAGE, "keyUsage", true, Criticality::Critical),
    (SUBJECT_ALTERNATIVE_NAME, "subjectAltName", true, Criticality::WhenSubjectEmpty),
    (BASIC_CONSTRAINTS, "basicConstraints", false, Criticality::Either),
    (CRL_DISTRIBUTION_POINTS, "cRLDistributionPoints", true, Criticality::NotCritical),
    (CERTIFICATE_POLICIES, "certificatePolicies", true, Criticality::NotCritical),
    (EXTENDED_KEY_USAGE, "extKeyUsage", true, Criticality::NotCritical),
    (AUTHORITY_INFORMATION_ACCESS, "authorityInfoAccess", true, Criticality::NotCritical),
];

/// Which extensions are present: each of [`EXTENSIONS`] at most once, the required ones present, each critical or
/// not as the table says, and no other (an unknown extension is an error: S/MIME BR 7.1.2.4).
pub(super) fn extension_set(context: &Context<'_>, report: &mut Report) {
    let extensions = context.extensions();
    for (index, extension) in extensions.iter().enumerate() {
        let oid = extension.extn_id.to_string();
        if extensions[..index].iter().any(|earlier| earlier.extn_id == extension.extn_id) {
            report.error("keyward.extension_repeated", format!("The extension {oid} appears twice (RFC 5280 4.2)."));
            continue;
        }
        let Some((_, name, _, criticality)) = EXTENSIONS.iter().find(|(known, ..)| *known == oid) else {
            report.error("keyward.extension_unknown", format!("The extension {oid} is not in any Keyward profile."));
            continue;
        };
        let critical = match criticality {
            Criticality::Critical => Some(true),
            Criticality::NotCritical => Some(false),
            Criticality::WhenSubjectEmpty => Some(context.certificate.tbs_certificate().subject().is_empty()),
            Criticality::Either => None,
        };
        if critical.is_some_and(|critical| critical != extension.critical) {
            let should = if extension.critical { "must not be" } else { "must be" };
            report.error("keyward.extension_criticality", format!("The {name} extension {should} critical."));
        }
    }
    for (oid, name, required, _) in EXTENSIONS {
        if *required && context.extension(oid).is_none() {
            report.error("keyward.extension_missing", format!("The {name} extension is missing."));
        }
    }
}

/// The key usage bits of one certificate, in the profile's terms and the rest.
fn bits(usage: &KeyUsage) -> [(KeyUsages, &'static str, bool); 9] {
    [
        (KeyUsages::DigitalSignature, "digitalSignature", usage.digital_signature()),
        (KeyUsages::NonRepudiation, "nonRepudiation", usage.non_repudiation()),
        (KeyUsages::KeyEncipherment, "keyEncipherment", usage.key_encipherment()),
        (KeyUsages::DataEncipherment, "dataEncipherment", usage.data_encipherment()),
        (KeyUsages::KeyAgreement, "keyAgreement", usage.key_agreement()),
        (KeyUsages::KeyCertSign, "keyCertSign", usage.key_cert_sign()),
        (KeyUsages::CRLSign, "cRLSign", usage.crl_sign()),
        (KeyUsages::EncipherOnly, "encipherOnly", usage.encipher_only()),
        (KeyUsages::DecipherOnly, "decipherOnly", usage.decipher_only()),
    ]
}

/// The key usage bits the Baseline Requirements (or RFCs) allow for the key family at all: S/MIME BR 7.1.2.3 e
/// (dataEncipherment for RSA only in the multipurpose generation), TLS BR 7.1.2.7.11, and for the workstation
/// RFC 3279 2.3.1 and RFC 5480 3. Never keyCertSign or cRLSign in an end-entity certificate.
fn allowed_bits(rules: Rules, key: KeyFamily) -> &'static [KeyUsages] {
    use KeyUsages::{
        DataEncipherment, DecipherOnly, DigitalSignature, EncipherOnly, KeyAgreement, KeyEncipherment, NonRepudiation,
    };
    match (rules, key) {
        (Rules::Smime { strict: true, .. }, KeyFamily::Rsa) => &[DigitalSignature, NonRepudiation, KeyEncipherment],
        (Rules::Smime { strict: false, .. } | Rules::Workstation, KeyFamily::Rsa) => {
            &[DigitalSignature, NonRepudiation, KeyEncipherment, DataEncipherment]
        }
        (Rules::Smime { .. } | Rules::Workstation, KeyFamily::EllipticCurve) => {
            &[DigitalSignature, NonRepudiation, KeyAgreement, EncipherOnly, DecipherOnly]
        }
        (Rules::Server, KeyFamily::Rsa) => &[DigitalSignature, KeyEncipherment],
        (Rules::Server, KeyFamily::EllipticCurve) => &[DigitalSignature, KeyAgreement],
        (Rules::Smime { .. } | Rules::Workstation, KeyFamily::Ed25519) => &[DigitalSignature, NonRepudiation],
        (Rules::Server, KeyFamily::Ed25519) | (_, KeyFamily::Other) => &[],
    }
}

/// keyUsage: exactly the profile's bits for the key family (RSA, elliptic curve, or Ed25519, which only signs),
/// no bit the Baseline Requirements forbid for it, and encipherOnly or decipherOnly only with keyAgreement.
pub(super) fn key_usage(context: &Context<'_>, report: &mut Report) {
    let Some(usage) = context.decode::<KeyUsage>(report, KEY_USAGE, "keyUsage") else { return };
    let bits = bits(&usage);
    let allowed = allowed_bits(context.rules, context.key);
    for (bit, name, asserted) in bits {
        if asserted && !allowed.contains(&bit) {
            report.error(
                "keyward.key_usage_not_allowed",
                format!("The keyUsage asserts {name}, which this key type may not have here."),
            );
        }
    }
    if (usage.encipher_only() || usage.decipher_only()) && !usage.key_agreement() {
        report.error(
            "keyward.key_usage_not_allowed",
            "The keyUsage asserts encipherOnly or decipherOnly without keyAgreement.".to_owned(),
        );
    }
    if !usage.digital_signature() && !usage.key_encipherment() && !usage.key_agreement() {
        report.error(
            "keyward.key_usage_not_allowed",
            "The keyUsage asserts neither digitalSignature nor a key-management bit.".to_owned(),
        );
    }
    let expected = match context.key {
        KeyFamily::Rsa => context.profile.rsa_key_usage,
        KeyFamily::EllipticCurve => context.profile.ec_key_usage,
        KeyFamily::Ed25519 | KeyFamily::Other => profile::KeyUsage::SIGNATURE,
    };
    let actual = profile::KeyUsage {
        digital_signature: usage.digital_signature(),
        key_encipherment: usage.key_encipherment(),
        data_encipherment: usage.data_encipherment(),
        key_agreement: usage.key_agreement(),
    };
    let others = usage.non_repudiation()
        || usage.key_cert_sign()
        || usage.crl_sign()
        || usage.encipher_only()
        || usage.decipher_only();
    if actual != expected || others {
        let names: Vec<&str> = bits.iter().filter(|(_, _, asserted)| *asserted).map(|(_, name, _)| *name).collect();
        report.error(
            "keyward.key_usage_mismatch",
            format!("The keyUsage asserts {} instead of the profile's bits for this key type.", names.join(", ")),
        );
    }
}

/// extKeyUsage: exactly the profile's purposes, each once; never anyExtendedKeyUsage; the Baseline
/// Requirements' purpose present (emailProtection for S/MIME, serverAuth for TLS, clientAuth for the
/// workstation) and none they forbid (S/MIME BR 7.1.2.3 f: serverAuth, codeSigning, timeStamping, and in the
/// strict generation anything but emailProtection; TLS BR 7.1.2.7.10: only serverAuth and clientAuth).
pub(super) fn extended_key_usage(context: &Context<'_>, report: &mut Report) {
    let Some(usages) = context.decode::<ExtendedKeyUsage>(report, EXTENDED_KEY_USAGE, "extKeyUsage") else { return };
    let actual: Vec<String> = usages.0.iter().map(ToString::to_string).collect();
    let expected: Vec<&str> = context
        .profile
        .extended_key_usages
        .iter()
        .map(|usage| match usage {
            profile::ExtendedKeyUsage::EmailProtection => EMAIL_PROTECTION,
            profile::ExtendedKeyUsage::ClientAuth => CLIENT_AUTH,
            profile::ExtendedKeyUsage::ServerAuth => SERVER_AUTH,
        })
        .collect();
    let repeated = actual.iter().enumerate().any(|(index, usage)| actual[..index].contains(usage));
    let same = actual.len() == expected.len() && expected.iter().all(|usage| actual.iter().any(|found| found == usage));
    if repeated || !same {
        report.error(
            "keyward.eku_mismatch",
            format!("The extKeyUsage is [{}], not the profile's [{}].", actual.join(", "), expected.join(", ")),
        );
    }
    if actual.iter().any(|usage| usage == ANY_EXTENDED_KEY_USAGE) {
        report.error("keyward.eku_any", "The extKeyUsage asserts anyExtendedKeyUsage.".to_owned());
    }
    let (required, prohibited): (&str, &dyn Fn(&str) -> bool) = match context.rules {
        Rules::Smime { strict: true, .. } => (EMAIL_PROTECTION, &|usage| usage != EMAIL_PROTECTION),
        Rules::Smime { strict: false, .. } => (EMAIL_PROTECTION, &|usage| {
            [SERVER_AUTH, CODE_SIGNING, TIME_STAMPING, ANY_EXTENDED_KEY_USAGE].contains(&usage)
        }),
        Rules::Server => (SERVER_AUTH, &|usage| usage != SERVER_AUTH && usage != CLIENT_AUTH),
        Rules::Workstation => {
            (CLIENT_AUTH, &|usage| [CODE_SIGNING, TIME_STAMPING, OCSP_SIGNING, ANY_EXTENDED_KEY_USAGE].contains(&usage))
        }
    };
    if !actual.iter().any(|usage| usage == required) {
        report.error("keyward.eku_required_missing", format!("The extKeyUsage lacks {required}."));
    }
    for usage in actual.iter().filter(|usage| prohibited(usage)) {
        report.error(
            "keyward.eku_prohibited",
            format!("The extKeyUsage asserts {usage}, which the Baseline Requirements forbid for this certificate."),
        );
    }
}

/// certificatePolicies: exactly the profile's policy identifiers, without qualifiers (Keyward writes none); for
/// S/MIME exactly one reserved identifier, not of the legacy generation (S/MIME BR 7.1.2.3 a and 7.1.6.1), and
/// for the server profile exactly one reserved TLS identifier, the organization-validated one since the subject
/// names an organization (TLS BR 7.1.2.7.9).
pub(super) fn certificate_policies(context: &Context<'_>, report: &mut Report) {
    let Some(policies) = context.decode::<CertificatePolicies>(report, CERTIFICATE_POLICIES, "certificatePolicies")
    else {
        return;
    };
    let actual: Vec<String> = policies.0.iter().map(|policy| policy.policy_identifier.to_string()).collect();
    let expected = context.profile.policy_oids;
    let repeated = actual.iter().enumerate().any(|(index, policy)| actual[..index].contains(policy));
    let same =
        actual.len() == expected.len() && expected.iter().all(|policy| actual.iter().any(|found| found == policy));
    if repeated || !same {
        report.error(
            "keyward.policy_mismatch",
            format!(
                "The certificatePolicies are [{}], not the profile's [{}].",
                actual.join(", "),
                expected.join(", ")
            ),
        );
    }
    if policies.0.iter().any(|policy| policy.policy_qualifiers.is_some()) {
        report.error(
            "keyward.policy_qualifier_present",
            "A certificatePolicies entry has qualifiers; Keyward's profiles state none.".to_owned(),
        );
    }
    let reserved_prefix = match context.rules {
        Rules::Smime { .. } => "2.23.140.1.5.",
        Rules::Server => "2.23.140.1.2.",
        Rules::Workstation => return,
    };
    let reserved: Vec<&String> = actual.iter().filter(|policy| policy.starts_with(reserved_prefix)).collect();
    let acceptable = match (context.rules, reserved.as_slice()) {
        (Rules::Smime { validation, strict }, [policy]) => {
            let generation = if strict { "3" } else { "2" };
            let validation = match validation {
                SmimeValidation::Mailbox => "1",
                SmimeValidation::Organization => "2",
                SmimeValidation::Sponsor => "3",
                SmimeValidation::Individual => "4",
            };
            **policy == format!("2.23.140.1.5.{validation}.{generation}")
        }
        (Rules::Server, [policy]) => policy.as_str() == "2.23.140.1.2.2",
        _ => false,
    };
    if !acceptable {
        report.error(
            "keyward.policy_reserved",
            format!(
                "The certificatePolicies hold [{}] as reserved CA/Browser Forum identifiers; exactly one, of this \
                 certificate type and a current generation, is required.",
                reserved.iter().map(|policy| policy.as_str()).collect::<Vec<_>>().join(", ")
            ),
        );
    }
}

/// basicConstraints, when present: cA false and no pathLenConstraint (S/MIME BR 7.1.2.3 d, TLS BR 7.1.2.7.8).
pub(super) fn basic_constraints(context: &Context<'_>, report: &mut Report) {
    let Some(constraints) = context.decode::<BasicConstraints>(report, BASIC_CONSTRAINTS, "basicConstraints") else {
        return;
    };
    if constraints.ca {
        report.error("keyward.basic_constraints_ca", "The basicConstraints say cA true.".to_owned());
    }
    if constraints.path_len_constraint.is_some() {
        report.error(
            "keyward.basic_constraints_path_length",
            "The basicConstraints have a pathLenConstraint.".to_owned(),
        );
    }
}

/// authorityKeyIdentifier: a keyIdentifier, and neither authorityCertIssuer nor authorityCertSerialNumber (S/MIME
/// BR 7.1.2.3 g).
pub(super) fn authority_key_identifier(context: &Context<'_>, report: &mut Report) {
    let Some(identifier) =
        context.decode::<AuthorityKeyIdentifier>(report, AUTHORITY_KEY_IDENTIFIER, "authorityKeyIdentifier")
    else {
        return;
    };
    let key_identifier = identifier.key_identifier.as_ref().is_some_and(|key| !key.as_bytes().is_empty());
    if !key_identifier
        || identifier.authority_cert_issuer.is_some()
        || identifier.authority_cert_serial_number.is_some()
    {
        report.error(
            "keyward.authority_key_identifier_form",
            "The authorityKeyIdentifier must hold a keyIdentifier and nothing else.".to_owned(),
        );
    }
}

/// subjectKeyIdentifier: not empty (S/MIME BR 7.1.2.3 n).
pub(super) fn subject_key_identifier(context: &Context<'_>, report: &mut Report) {
    let Some(identifier) =
        context.decode::<SubjectKeyIdentifier>(report, SUBJECT_KEY_IDENTIFIER, "subjectKeyIdentifier")
    else {
        return;
    };
    if identifier.0.as_bytes().is_empty() {
        report.error("keyward.subject_key_identifier_empty", "The subjectKeyIdentifier is empty.".to_owned());
    }
}

/// The subject alternative names, sorted by form.
#[derive(Default)]
pub(super) struct Names {
    /// rfc822Name values.
    pub(super) emails: Vec<String>,
    /// dNSName values.
    pub(super) dns_names: Vec<String>,
    /// How many names of other forms.
    pub(super) others: usize,
}

/// The certificate's subject alternative names (none when the extension is absent or malformed).
pub(super) fn alternative_names(context: &Context<'_>) -> Names {
    let mut names = Names::default();
    let Some(extension) = context.extension(SUBJECT_ALTERNATIVE_NAME) else { return names };
    let Ok(decoded) = <SubjectAltName as der::Decode>::from_der(extension.extn_value.as_bytes()) else { return names };
    for name in decoded.0 {
        match name {
            GeneralName::Rfc822Name(email) => names.emails.push(email.to_string()),
            GeneralName::DnsName(host) => names.dns_names.push(host.to_string()),
            _ => names.others += 1,
        }
    }
    names
}

/// subjectAltName: for S/MIME one rfc822Name, a valid mailbox (S/MIME BR 7.1.4.2.1); for the device profiles 1 to
/// [`MAXIMUM_DNS_NAMES`] distinct dNSNames, each a fully qualified lower-case LDH host name (TLS BR 7.1.2.7.12);
/// no other form.
pub(super) fn subject_alternative_names(context: &Context<'_>, report: &mut Report) {
    if context.decode::<SubjectAltName>(report, SUBJECT_ALTERNATIVE_NAME, "subjectAltName").is_none() {
        return;
    }
    let names = alternative_names(context);
    let (wanted, unwanted, range) = match context.profile.alternative_names {
        AlternativeNames::Mailbox => (&names.emails, names.dns_names.len() + names.others, 1..=1),
        AlternativeNames::DnsNames => (&names.dns_names, names.emails.len() + names.others, 1..=MAXIMUM_DNS_NAMES),
    };
    if unwanted > 0 {
        report.error(
            "keyward.san_form_not_allowed",
            format!("The subjectAltName holds {unwanted} name(s) of a form this profile does not state."),
        );
    }
    if !range.contains(&wanted.len()) {
        report.error(
            "keyward.san_count",
            format!("The subjectAltName holds {} name(s) of the profile's form; {range:?} expected.", wanted.len()),
        );
    }
    if wanted.iter().enumerate().any(|(index, name)| wanted[..index].contains(name)) {
        report.error("keyward.san_repeated", "The subjectAltName repeats a name.".to_owned());
    }
    for email in &names.emails {
        if EmailAddress::parse(email).is_err() || email.trim() != email {
            report.error("keyward.san_email_invalid", format!("The rfc822Name \"{email}\" is not a valid mailbox."));
        }
    }
    for host in &names.dns_names {
        if let Err(reason) = check_dns_name(host) {
            report.error("keyward.san_dns_name_invalid", format!("The dNSName \"{host}\" is not valid: {reason}."));
        }
    }
}

/// authorityInfoAccess: one OCSP and one caIssuers description, their URLs the CA's published ones, each an
/// HTTP URL (S/MIME BR 7.1.2.3 c, TLS BR 7.1.2.7.7), and nothing else.
pub(super) fn authority_information_access(context: &Context<'_>, report: &mut Report) {
    let Some(access) =
        context.decode::<AuthorityInfoAccessSyntax>(report, AUTHORITY_INFORMATION_ACCESS, "authorityInfoAccess")
    else {
        return;
    };
    let found: Vec<(String, Option<String>)> = access
        .0
        .iter()
        .map(|description| (description.access_method.to_string(), uri(&description.access_location)))
        .collect();
    let expected = [
        (OCSP.to_owned(), Some(context.locations.ocsp_url.clone())),
        (CA_ISSUERS.to_owned(), Some(context.locations.ca_issuers_url.clone())),
    ];
    let same = found.len() == expected.len() && expected.iter().all(|wanted| found.contains(wanted));
    if !same {
        report.error(
            "keyward.authority_information_access_mismatch",
            format!(
                "The authorityInfoAccess does not hold exactly the OCSP responder {} and the CA issuers URL {}.",
                context.locations.ocsp_url, context.locations.ca_issuers_url
            ),
        );
    }
    for (_, url) in &found {
        check_http(url.as_deref(), "authorityInfoAccess", report);
    }
}

/// cRLDistributionPoints: one distribution point whose full name is the CA's published CRL URL, an HTTP URL
/// (S/MIME BR 7.1.2.3 b, TLS BR 7.1.2.7.12), without reasons or CRL issuer.
pub(super) fn crl_distribution_points(context: &Context<'_>, report: &mut Report) {
    let Some(points) =
        context.decode::<CrlDistributionPoints>(report, CRL_DISTRIBUTION_POINTS, "cRLDistributionPoints")
    else {
        return;
    };
    let urls = |point: &DistributionPoint| match &point.distribution_point {
        Some(DistributionPointName::FullName(names)) => names.iter().map(uri).collect(),
        _ => Vec::new(),
    };
    let expected = vec![Some(context.locations.crl_url.clone())];
    let same = match points.0.as_slice() {
        [point] => point.reasons.is_none() && point.crl_issuer.is_none() && urls(point) == expected,
        _ => false,
    };
    if !same {
        report.error(
            "keyward.crl_distribution_points_mismatch",
            format!("The cRLDistributionPoints do not name exactly the CRL {}.", context.locations.crl_url),
        );
    }
    for url in points.0.iter().flat_map(urls) {
        check_http(url.as_deref(), "cRLDistributionPoints", report);
    }
}

/// A URI general name's text.
fn uri(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
        _ => None,
    }
}

/// Strict and multipurpose S/MIME, and TLS: every URL is HTTP.
fn check_http(url: Option<&str>, extension: &str, report: &mut Report) {
    match url {
        Some(url) if url.starts_with("http://") => {}
        Some(url) => report.error("keyward.url_not_http", format!("The {extension} URL {url} is not an HTTP URL.")),
        None => report.error("keyward.url_not_http", format!("The {extension} holds a name that is not a URI.")),
    }
}
