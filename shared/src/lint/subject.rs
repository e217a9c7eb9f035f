//! The lint checks of the subject name: exactly the profile's attributes in its order, each once, in its string
//! type and within its RFC 5280 upper bound, none that the Baseline Requirements' subject tables forbid for the
//! certificate type (S/MIME BR 7.1.4.2.3 to 7.1.4.2.5), and a common name that holds what the profile says.

use der::{Tag, Tagged};

use super::{Context, Report, Rules, SmimeValidation};
use crate::profile::{CommonName, ProfileKind, SubjectAttribute};

/// How an attribute's value is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StringType {
    /// PrintableString.
    Printable,
    /// UTF8String.
    Utf8,
}

/// What the lint requires of one subject attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AttributeRule {
    /// The attribute type, dotted.
    pub(super) oid: &'static str,
    /// Its X.520 name, for messages.
    pub(super) name: &'static str,
    /// Its string type: countryName is a PrintableString, every other attribute Keyward writes a UTF8String.
    pub(super) string_type: StringType,
    /// Most characters (RFC 5280 Appendix A upper bounds; countryName is exactly two).
    pub(super) upper_bound: usize,
    /// Whether a certificate of a profile that lists the attribute always has it. The given name is left out for
    /// a person with a single name, the common name when longer than 64 characters.
    pub(super) required: bool,
}

/// The rule of each attribute a profile can list.
pub(super) fn rule(attribute: SubjectAttribute) -> AttributeRule {
    use StringType::{Printable, Utf8};
    let (oid, name, string_type, upper_bound, required) = match attribute {
        SubjectAttribute::Country => ("2.5.4.6", "countryName", Printable, 2, true),
        // RFC 5280 ub-state-name and ub-locality-name; stated only when the organization's address has them (TLS BR
        // 7.1.2.7.4 needs one of the two, which `locality` checks).
        SubjectAttribute::StateOrProvince => ("2.5.4.8", "stateOrProvinceName", Utf8, 128, false),
        SubjectAttribute::Locality => ("2.5.4.7", "localityName", Utf8, 128, false),
        SubjectAttribute::Organization => ("2.5.4.10", "organizationName", Utf8, 64, true),
        // X.520 ub-organization-identifier.
        SubjectAttribute::OrganizationIdentifier => ("2.5.4.97", "organizationIdentifier", Utf8, 128, true),
        // RFC 5280 ub-name.
        SubjectAttribute::GivenName => ("2.5.4.42", "givenName", Utf8, 32_768, false),
        SubjectAttribute::Surname => ("2.5.4.4", "surname", Utf8, 32_768, true),
        SubjectAttribute::CommonName => ("2.5.4.3", "commonName", Utf8, 64, false),
    };
    AttributeRule { oid, name, string_type, upper_bound, required }
}

/// An attribute as read from the certificate.
struct Read {
    /// The attribute type, dotted.
    oid: String,
    /// The profile's attribute of that type, with its position in the profile's order.
    listed: Option<(usize, SubjectAttribute)>,
    /// The value as text (lossy for string types Keyward never writes).
    value: String,
    /// The value's tag.
    tag: Tag,
}

/// The subject's attributes, read in order.
fn read(context: &Context<'_>) -> Vec<Read> {
    context
        .certificate
        .tbs_certificate()
        .subject()
        .iter()
        .map(|attribute| {
            let oid = attribute.oid.to_string();
            let listed = context
                .profile
                .subject
                .iter()
                .enumerate()
                .find(|(_, listed)| rule(**listed).oid == oid)
                .map(|(index, listed)| (index, *listed));
            Read {
                oid,
                listed,
                value: String::from_utf8_lossy(attribute.value.value()).into_owned(),
                tag: attribute.value.tag(),
            }
        })
        .collect()
}

/// The value of the subject's attribute, when present.
fn value_of(context: &Context<'_>, attribute: SubjectAttribute) -> Option<String> {
    read(context)
        .into_iter()
        .find(|read| read.listed.map(|(_, listed)| listed) == Some(attribute))
        .map(|read| read.value)
}

/// The subject: one attribute per RDN; only the profile's attributes, each at most once, in the profile's order,
/// the required ones present; the string types and upper bounds of [`rule`]; no value that only holds metadata
/// (S/MIME BR 7.1.4.2); countryName two upper-case letters; for S/MIME, nothing the BR subject table of the
/// certificate type forbids and an organizationIdentifier shaped as S/MIME BR 7.1.4.2.2 d says.
pub(super) fn subject(context: &Context<'_>, report: &mut Report) {
    let name = context.certificate.tbs_certificate().subject();
    if name.iter_rdn().any(|rdn| rdn.len() != 1) {
        report.error("keyward.subject_multivalued_rdn", "A subject RDN holds more than one attribute.".to_owned());
    }
    let attributes = read(context);
    let mut last_position = None;
    for (index, attribute) in attributes.iter().enumerate() {
        if prohibited_by_baseline_requirements(context.rules, &attribute.oid) {
            report.error(
                "keyward.subject_attribute_prohibited",
                format!("The subject attribute {} is forbidden for this certificate type by the BR.", attribute.oid),
            );
        }
        let Some((position, listed)) = attribute.listed else {
            report.error(
                "keyward.subject_attribute_not_allowed",
                format!("The subject attribute {} is not in the profile.", attribute.oid),
            );
            continue;
        };
        let rule = rule(listed);
        if attributes[..index].iter().any(|earlier| earlier.oid == attribute.oid) {
            report.error("keyward.subject_attribute_repeated", format!("The subject {} appears twice.", rule.name));
        } else if last_position.is_some_and(|last| position < last) {
            report.error("keyward.subject_order", format!("The subject {} is out of the profile's order.", rule.name));
        }
        last_position = Some(position);
        let expected_tag = match rule.string_type {
            StringType::Printable => Tag::PrintableString,
            StringType::Utf8 => Tag::Utf8String,
        };
        if attribute.tag != expected_tag {
            report.error(
                "keyward.subject_string_type",
                format!("The subject {} is a {}, not a {expected_tag}.", rule.name, attribute.tag),
            );
        }
        let length = attribute.value.chars().count();
        if length > rule.upper_bound {
            report.error(
                "keyward.subject_value_too_long",
                format!("The subject {} has {length} characters; at most {} are allowed.", rule.name, rule.upper_bound),
            );
        }
        if attribute.value.chars().all(|character| matches!(character, '.' | '-') || character.is_whitespace()) {
            report.error(
                "keyward.subject_value_blank",
                format!("The subject {} is empty or holds only metadata characters.", rule.name),
            );
        }
        if listed == SubjectAttribute::Country
            && (attribute.value.len() != 2 || !attribute.value.bytes().all(|byte| byte.is_ascii_uppercase()))
        {
            report.error(
                "keyward.subject_country_invalid",
                "The subject countryName is not a two-letter ISO 3166-1 code.".to_owned(),
            );
        }
    }
    for listed in context.profile.subject {
        let rule = rule(*listed);
        if rule.required && !attributes.iter().any(|attribute| attribute.oid == rule.oid) {
            report.error("keyward.subject_attribute_missing", format!("The subject has no {}.", rule.name));
        }
    }
    if matches!(context.rules, Rules::Smime { .. })
        && let Some(identifier) = value_of(context, SubjectAttribute::OrganizationIdentifier)
        && let Err(reason) = check_organization_identifier(&identifier, value_of(context, SubjectAttribute::Country))
    {
        report.error(
            "keyward.organization_identifier_invalid",
            format!("The subject organizationIdentifier \"{identifier}\" {reason} (S/MIME BR 7.1.4.2.2 d)."),
        );
    }
}

/// Whether the S/MIME BR subject tables (7.1.4.2.3 to 7.1.4.2.5, strict and multipurpose) forbid the attribute
/// for the certificate type: a mailbox-validated subject holds only commonName, serialNumber and emailAddress; an
/// organization-validated one no personal name, pseudonym or title; a strict one no street address or postal
/// code.
fn prohibited_by_baseline_requirements(rules: Rules, oid: &str) -> bool {
    const PERSONAL: &[&str] = &["2.5.4.42", "2.5.4.4", "2.5.4.65", "2.5.4.12"];
    const ADDRESS: &[&str] = &["2.5.4.9", "2.5.4.17"];
    match rules {
        Rules::Smime { validation: SmimeValidation::Mailbox, .. } => {
            !matches!(oid, "2.5.4.3" | "2.5.4.5" | "1.2.840.113549.1.9.1")
        }
        Rules::Smime { validation: SmimeValidation::Organization, strict } => {
            PERSONAL.contains(&oid) || (strict && ADDRESS.contains(&oid))
        }
        Rules::Smime { validation: SmimeValidation::Sponsor | SmimeValidation::Individual, strict } => {
            strict && ADDRESS.contains(&oid)
        }
        Rules::Server | Rules::Workstation => false,
    }
}

/// S/MIME BR 7.1.4.2.2 d: a 3-letter registration scheme, the 2-letter country (matching countryName except for
/// the LEI, INT and VAT schemes), an optional `+` and subdivision of up to 3 characters, then `-` and the
/// reference; GOV and INT identifiers may stop after the country (and subdivision). Returns what is wrong.
fn check_organization_identifier(identifier: &str, country: Option<String>) -> Result<(), &'static str> {
    let bytes = identifier.as_bytes();
    if bytes.len() < 5 || !bytes[..5].iter().all(u8::is_ascii_uppercase) {
        return Err("does not start with a registration scheme and a country code");
    }
    let (scheme, code, rest) = (&identifier[..3], &identifier[3..5], &identifier[5..]);
    let rest = match rest.strip_prefix('+') {
        Some(subdivision) => {
            let end = subdivision.find('-').unwrap_or(subdivision.len());
            if end == 0 || end > 3 || !subdivision[..end].bytes().all(|byte| byte.is_ascii_alphanumeric()) {
                return Err("has a subdivision that is not 1 to 3 letters or digits");
            }
            &subdivision[end..]
        }
        None => rest,
    };
    match rest.strip_prefix('-') {
        Some("") => return Err("has no registration reference after the hyphen"),
        Some(_) => {}
        None if rest.is_empty() && matches!(scheme, "GOV" | "INT") => {}
        None => return Err("has no hyphen between the scheme and the registration reference"),
    }
    if !matches!(scheme, "LEI" | "INT" | "VAT") && country.is_some_and(|country| country != code) {
        return Err("names another country than the subject countryName");
    }
    Ok(())
}

/// The common name holds what the profile says (S/MIME BR 7.1.4.2.2 a; TLS BR 7.1.2.7.2): the mailbox (the
/// rfc822Name), the organizationName, the personal name (givenName then surname) or the first dNSName. It may be
/// left out only when that value is longer than its upper bound.
pub(super) fn common_name(context: &Context<'_>, report: &mut Report) {
    if !context.profile.subject.contains(&SubjectAttribute::CommonName) {
        return;
    }
    let names = super::extensions::alternative_names(context);
    let expected = match context.profile.common_name {
        CommonName::Mailbox => names.emails.first().cloned(),
        CommonName::OrganizationName => value_of(context, SubjectAttribute::Organization),
        CommonName::PersonalName => {
            let parts: Vec<String> = [SubjectAttribute::GivenName, SubjectAttribute::Surname]
                .into_iter()
                .filter_map(|part| value_of(context, part))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        CommonName::FirstDnsName => names.dns_names.first().cloned(),
    };
    let bound = rule(SubjectAttribute::CommonName).upper_bound;
    match (value_of(context, SubjectAttribute::CommonName), expected) {
        (Some(actual), Some(expected)) if actual == expected => {}
        (None, Some(expected)) if expected.chars().count() > bound => {}
        (None, _) => report.error("keyward.subject_attribute_missing", "The subject has no commonName.".to_owned()),
        (Some(actual), expected) => report.error(
            "keyward.common_name_mismatch",
            format!(
                "The subject commonName \"{actual}\" is not what the profile puts there ({}).",
                expected.unwrap_or_else(|| "nothing to copy".to_owned())
            ),
        ),
    }
}

/// TLS BR 7.1.2.7.4: an organization-validated server certificate states localityName or stateOrProvinceName
/// (from the organization's verified address).
pub(super) fn locality(context: &Context<'_>, report: &mut Report) {
    if context.profile.kind != ProfileKind::ServerAuthentication {
        return;
    }
    let stated = context.certificate.tbs_certificate().subject().iter().any(|attribute| {
        let oid = attribute.oid.to_string();
        oid == "2.5.4.7" || oid == "2.5.4.8"
    });
    if !stated {
        report.error(
            "keyward.subject_locality_missing",
            "The subject has neither localityName nor stateOrProvinceName (TLS BR 7.1.2.7.4).".to_owned(),
        );
    }
}
