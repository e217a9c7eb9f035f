//! CAA before issuance: which domains a certificate makes Keyward check (RFC 9495 `issuemail` for the domain of
//! each mailbox address, S/MIME BR 4.2.2.1; RFC 8659 `issue` for each DNS name), which names the search queries
//! (RFC 8659 3: the domain, then each parent up to but not including the root; the first non-empty CAA record
//! set is the relevant one), and whether that set lets Keyward issue (RFC 8659 4, RFC 9495 4).
//!
//! Sans-IO: the edge (`edge/src/caa.rs`) drives a [`Search`] per check, asking DNS the name it names and handing
//! the result back, then calls [`authorize`] on each [`CaaAnswer`] with Keyward's issuer domain names
//! ([`identities_from`]). What is decided here:
//!
//! - A property governs only its own certificates: `issue` restricts DNS names and never mailbox addresses;
//!   `issuemail` restricts mailbox addresses (RFC 9495 4: "the presence of other Property Tags, such as issue
//!   [...] does not restrict"). A relevant set without the property's tag restricts nothing.
//! - A record allows the certificate authorities whose issuer domain name its value states, compared without
//!   ASCII case; `;` alone, an empty value, or a value that breaks the grammar (RFC 8659 4.2, RFC 9495 3) allows
//!   no one. Parameters after `;` are checked for syntax and otherwise ignored: Keyward implements none (RFC 8657's
//!   `accounturi` and `validationmethods` concern ACME accounts, which Keyward has not).
//! - A critical record (flags bit 128) whose tag Keyward does not know refuses issuance (RFC 8659 4.1).
//! - A lookup that failed (SERVFAIL, timeout, malformed answer) refuses issuance, and says trying again may help.
//!   S/MIME BR 4.2.2.1 would allow treating some failures as permission (outside the CA's infrastructure, retried,
//!   no DNSSEC chain); Keyward cannot establish the last condition, so it does not.
//! - `issuewild` is not processed: Keyward issues no wildcard names (`issuance::check_order` refuses them).

use serde::{Serialize, Serializer};

use crate::issuance::CertificateTemplate;

/// The most names the search for one domain queries. A longer domain is refused as a lookup failure rather than
/// searched in part: skipping the top of the tree would skip the registrable domain, where records usually live.
pub const MAXIMUM_CLIMB: usize = 10;

/// The property tags Keyward knows, so that a critical record carrying one does not refuse issuance. `iodef`,
/// `contactemail` and `contactphone` are known and carry no restriction; `issuewild` restricts wildcard names,
/// which Keyward never issues.
const KNOWN_TAGS: [&str; 6] = ["issue", "issuewild", "issuemail", "iodef", "contactemail", "contactphone"];

/// Which CAA property governs a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Property {
    /// `issue` (RFC 8659 4.2): who may issue for a DNS name the certificate states.
    Issue,
    /// `issuemail` (RFC 9495): who may issue for a mailbox address at the domain.
    IssueMail,
}

impl Property {
    /// The property's tag as written in DNS.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::IssueMail => "issuemail",
        }
    }

    /// What the checked domain is to the certificate, in words.
    fn subject(self) -> &'static str {
        match self {
            Self::Issue => "DNS name",
            Self::IssueMail => "mailbox domain",
        }
    }
}

/// One CAA resource record (RFC 8659 4.1), as DNS sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaaRecord {
    /// The issuer critical flag (flags bit 128): a certificate authority that does not know the tag must not
    /// issue.
    pub critical: bool,
    /// The property tag, as sent (compared without ASCII case).
    pub tag: String,
    /// The property value, as sent.
    pub value: Vec<u8>,
}

impl CaaRecord {
    /// Whether the record's tag is `tag`, ignoring ASCII case (RFC 8659 4.1).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tag.eq_ignore_ascii_case(tag)
    }
}

/// The zone-file form: `0 issuemail "ca.example"`; `"` and `\` are escaped with `\`, other bytes outside
/// printable ASCII written `\DDD` (RFC 1035 5.1).
impl core::fmt::Display for CaaRecord {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let flags = if self.critical { 128 } else { 0 };
        write!(formatter, "{flags} {} \"", self.tag)?;
        for &byte in &self.value {
            match byte {
                b'"' | b'\\' => write!(formatter, "\\{}", char::from(byte))?,
                0x20..=0x7e => write!(formatter, "{}", char::from(byte))?,
                _ => write!(formatter, "\\{byte:03}")?,
            }
        }
        formatter.write_str("\"")
    }
}

/// In audit records, the zone-file form.
impl Serialize for CaaRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One CAA check a certificate needs: a property at a domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CaaCheck {
    /// The property that governs it.
    pub property: Property,
    /// The domain searched from: a mailbox address's domain, or a DNS name (lower case).
    pub domain: String,
}

/// The checks `template` needs: [`Property::IssueMail`] for the domain of each mailbox address, then
/// [`Property::Issue`] for each DNS name; each once, in the template's order.
pub fn required_checks(template: &CertificateTemplate) -> Vec<CaaCheck> {
    // The template's addresses passed `issuance::check_order`, so each has an `@` before its domain.
    let mailbox_domains = template
        .email_addresses
        .iter()
        .map(|address| (Property::IssueMail, address.rsplit_once('@').map_or(address.as_str(), |(_, domain)| domain)));
    let dns_names = template.dns_names.iter().map(|name| (Property::Issue, name.as_str()));
    let mut checks: Vec<CaaCheck> = Vec::new();
    for (property, domain) in mailbox_domains.chain(dns_names) {
        let check = CaaCheck { property, domain: normalized(domain) };
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    checks
}

/// The names the search for `domain` queries, in order: the domain, then each parent, up to but not including
/// the root (RFC 8659 3). Lower case, without a trailing dot.
pub fn climb(domain: &str) -> Vec<String> {
    let domain = normalized(domain);
    if domain.is_empty() {
        return Vec::new();
    }
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len()).map(|start| labels[start..].join(".")).collect()
}

/// A domain name compared and queried: lower case, one trailing dot dropped.
fn normalized(domain: &str) -> String {
    domain.strip_suffix('.').unwrap_or(domain).to_ascii_lowercase()
}

/// Keyward's issuer domain names from the text of the `KEYWARD_CAA_IDENTITIES` setting: comma-separated, each
/// trimmed and lower-cased, empty entries dropped, each once.
pub fn identities_from(text: &str) -> Vec<String> {
    let mut identities: Vec<String> = Vec::new();
    for identity in text.split(',').map(normalized_identity).filter(|identity| !identity.is_empty()) {
        if !identities.contains(&identity) {
            identities.push(identity);
        }
    }
    identities
}

/// One configured identity, trimmed and normalized.
fn normalized_identity(identity: &str) -> String {
    normalized(identity.trim())
}

/// The relevant record set of a search: the first non-empty CAA record set on the way up (RFC 8659 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelevantSet {
    /// The name that holds the records (the domain itself or a parent).
    pub owner: String,
    /// Its CAA records (not empty).
    pub records: Vec<CaaRecord>,
}

/// A lookup that gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupFailure {
    /// The name being looked up.
    pub name: String,
    /// What went wrong, in plain words (the DNS client's message).
    pub reason: String,
}

/// What the search found for one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaaAnswer {
    /// The check searched for.
    pub check: CaaCheck,
    /// The relevant record set (`None`: no CAA record anywhere up the tree), or the lookup that failed.
    pub found: Result<Option<RelevantSet>, LookupFailure>,
}

/// What one DNS query of a search returned: `Ok(None)` for NXDOMAIN, `Ok(Some(records))` for NOERROR (an empty
/// list when the name has no CAA record), `Err(reason)` for anything else.
pub type QueryResult = Result<Option<Vec<CaaRecord>>, String>;

/// The search for one check's relevant record set (RFC 8659 3), one query at a time: query
/// [`Search::name`], hand the result to [`Search::receive`], until it is [`Step::Done`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    /// The check searched for.
    check: CaaCheck,
    /// The names to query, from the domain up.
    names: Vec<String>,
    /// The index in `names` of the one queried now.
    position: usize,
}

/// Where a search stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Query [`Search::name`] next.
    Query(Search),
    /// The search is over.
    Done(CaaAnswer),
}

impl Search {
    /// Starts the search for `check`. A domain of more than [`MAXIMUM_CLIMB`] labels ends at once as a lookup
    /// failure; an empty one finds nothing.
    pub fn start(check: CaaCheck) -> Step {
        let names = climb(&check.domain);
        if names.len() > MAXIMUM_CLIMB {
            let failure = LookupFailure {
                name: check.domain.clone(),
                reason: format!(
                    "The name has {} labels; Keyward searches CAA records through at most {MAXIMUM_CLIMB}.",
                    names.len()
                ),
            };
            return Step::Done(CaaAnswer { check, found: Err(failure) });
        }
        if names.is_empty() {
            return Step::Done(CaaAnswer { check, found: Ok(None) });
        }
        Step::Query(Self { check, names, position: 0 })
    }

    /// The name to query now.
    pub fn name(&self) -> &str {
        // `start` builds a search only with names, and `receive` only with a position inside them.
        &self.names[self.position]
    }

    /// Takes the result of querying [`Search::name`]: records end the search, NXDOMAIN and no data go on to the
    /// parent (or end it with nothing found at the top), a failure ends it.
    pub fn receive(self, result: QueryResult) -> Step {
        let found = match result {
            Err(reason) => Err(LookupFailure { name: self.names[self.position].clone(), reason }),
            Ok(Some(records)) if !records.is_empty() => {
                Ok(Some(RelevantSet { owner: self.names[self.position].clone(), records }))
            }
            Ok(_) if self.position + 1 < self.names.len() => {
                return Step::Query(Self { position: self.position + 1, ..self });
            }
            Ok(_) => Ok(None),
        };
        Step::Done(CaaAnswer { check: self.check, found })
    }
}

/// Why issuance was allowed, for the audit record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermitBasis {
    /// No CAA record at the domain or any parent.
    NoRecords,
    /// The relevant set holds no record of the property's tag.
    NoPropertyTag,
    /// A record of the property's tag names one of Keyward's issuer domain names.
    Authorized,
}

/// A check passed: what the audit record keeps (S/MIME BR 4.2.2.1: "log all actions taken").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaaPermit {
    /// The domain checked.
    pub domain: String,
    /// The property checked.
    pub property: Property,
    /// The name holding the relevant record set, if there is one.
    pub owner: Option<String>,
    /// Why issuance is allowed.
    pub basis: PermitBasis,
    /// The record that allowed it, when one did.
    pub record: Option<CaaRecord>,
}

/// Decides one check from its answer (RFC 8659 4, RFC 9495 4): allowed, with what allowed it, or refused.
/// `identities` are Keyward's issuer domain names ([`identities_from`]).
///
/// # Errors
///
/// A [`CaaRefusal`]: the lookup failed, a critical record has a tag Keyward does not know, or the property's
/// records name other certificate authorities only.
pub fn authorize(answer: &CaaAnswer, identities: &[String]) -> Result<CaaPermit, CaaRefusal> {
    let check = &answer.check;
    let permit = |owner: Option<&str>, basis, record: Option<&CaaRecord>| CaaPermit {
        domain: check.domain.clone(),
        property: check.property,
        owner: owner.map(str::to_owned),
        basis,
        record: record.cloned(),
    };
    let set = match &answer.found {
        Err(failure) => {
            return Err(CaaRefusal::LookupFailed {
                property: check.property,
                domain: check.domain.clone(),
                name: failure.name.clone(),
                reason: failure.reason.clone(),
            });
        }
        Ok(None) => return Ok(permit(None, PermitBasis::NoRecords, None)),
        Ok(Some(set)) => set,
    };
    let unknown_critical =
        set.records.iter().find(|record| record.critical && !KNOWN_TAGS.iter().any(|tag| record.has_tag(tag)));
    if let Some(record) = unknown_critical {
        return Err(CaaRefusal::CriticalUnknownTag {
            property: check.property,
            domain: check.domain.clone(),
            owner: set.owner.clone(),
            record: record.clone(),
        });
    }
    let governing: Vec<&CaaRecord> = set.records.iter().filter(|record| record.has_tag(check.property.tag())).collect();
    if governing.is_empty() {
        return Ok(permit(Some(&set.owner), PermitBasis::NoPropertyTag, None));
    }
    let allows = |record: &&&CaaRecord| {
        issuer_domain_name(&record.value)
            .is_some_and(|issuer| identities.iter().any(|identity| identity.eq_ignore_ascii_case(issuer)))
    };
    match governing.iter().find(allows) {
        Some(record) => Ok(permit(Some(&set.owner), PermitBasis::Authorized, Some(record))),
        None => Err(CaaRefusal::Forbidden {
            property: check.property,
            domain: check.domain.clone(),
            owner: set.owner.clone(),
            records: governing.into_iter().cloned().collect(),
        }),
    }
}

/// Every answer decided: all the permits, or the first refusal that trying again cannot lift (else the first
/// refusal).
///
/// # Errors
///
/// The refusal, as [`authorize`] gives it.
pub fn authorize_all(answers: &[CaaAnswer], identities: &[String]) -> Result<Vec<CaaPermit>, CaaRefusal> {
    let mut permits = Vec::with_capacity(answers.len());
    let mut retryable = None;
    for answer in answers {
        match authorize(answer, identities) {
            Ok(permit) => permits.push(permit),
            Err(refusal) if refusal.is_retryable() => {
                retryable.get_or_insert(refusal);
            }
            Err(refusal) => return Err(refusal),
        }
    }
    match retryable {
        Some(refusal) => Err(refusal),
        None => Ok(permits),
    }
}

/// The issuer domain name an `issue` or `issuemail` value states (RFC 8659 4.2, RFC 9495 3; the grammar is the
/// same), or `None` when it states none (`;`, empty) or breaks the grammar:
///
/// ```text
/// value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
/// issuer-domain-name = label *("." label)
/// label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
/// parameters = (parameter *WSP ";" *WSP parameters) / parameter
/// parameter = tag *WSP "=" *WSP value
/// tag = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
/// value = *(%x21-3A / %x3C-7E)
/// ```
pub fn issuer_domain_name(value: &[u8]) -> Option<&str> {
    // Every character the grammar allows is ASCII.
    let value = core::str::from_utf8(value).ok()?;
    let is_space = |character: char| character == ' ' || character == '\t';
    let rest = value.trim_start_matches(is_space);
    let end = rest.find(|character: char| !(character.is_ascii_alphanumeric() || character == '-' || character == '.'));
    let (issuer, rest) = rest.split_at(end.unwrap_or(rest.len()));
    if !issuer.is_empty() && !issuer.split('.').all(is_label) {
        return None;
    }
    let rest = rest.trim_start_matches(is_space);
    if !rest.is_empty() {
        parameters(rest.strip_prefix(';')?.trim_start_matches(is_space))?;
    }
    (!issuer.is_empty()).then_some(issuer)
}

/// Whether `text` (after the `;` and its spaces) is `[parameters *WSP]`.
fn parameters(text: &str) -> Option<()> {
    let is_space = |character: char| character == ' ' || character == '\t';
    let mut rest = text;
    while !rest.is_empty() {
        let (tag, after_tag) = rest.split_at(rest.find(['=', ' ', '\t']).unwrap_or(rest.len()));
        if !is_label(tag) {
            return None;
        }
        let after_equals = after_tag.trim_start_matches(is_space).strip_prefix('=')?.trim_start_matches(is_space);
        let value_end = after_equals.find(|character: char| !matches!(character, '!'..=':' | '<'..='~'));
        let after_value = after_equals[value_end.unwrap_or(after_equals.len())..].trim_start_matches(is_space);
        if after_value.is_empty() {
            return Some(());
        }
        // Another parameter must follow a `;` (a trailing `;` breaks the grammar).
        rest = after_value.strip_prefix(';')?.trim_start_matches(is_space);
        if rest.is_empty() {
            return None;
        }
    }
    Some(())
}

/// `(ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))`: letters, digits and inner hyphens.
fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
        }
        _ => false,
    }
}

/// Why CAA does not let Keyward issue. Each names the domain and, where there is one, the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code")]
#[non_exhaustive]
pub enum CaaRefusal {
    /// The relevant set has records of the property's tag, and none names Keyward.
    #[serde(rename = "caa_forbids")]
    Forbidden {
        /// The property checked.
        property: Property,
        /// The domain checked.
        domain: String,
        /// The name holding the records.
        owner: String,
        /// The property's records in the relevant set (none names Keyward).
        records: Vec<CaaRecord>,
    },
    /// A record marked critical carries a tag Keyward does not know (RFC 8659 4.1).
    #[serde(rename = "caa_critical_tag")]
    CriticalUnknownTag {
        /// The property checked.
        property: Property,
        /// The domain checked.
        domain: String,
        /// The name holding the record.
        owner: String,
        /// The record.
        record: CaaRecord,
    },
    /// A CAA lookup failed, so Keyward cannot tell.
    #[serde(rename = "caa_lookup_failed")]
    LookupFailed {
        /// The property checked.
        property: Property,
        /// The domain checked.
        domain: String,
        /// The name whose lookup failed.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

impl CaaRefusal {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden { .. } => "caa_forbids",
            Self::CriticalUnknownTag { .. } => "caa_critical_tag",
            Self::LookupFailed { .. } => "caa_lookup_failed",
        }
    }

    /// The order field the domain comes from: the recipient's email address, or the DNS names.
    pub fn field(&self) -> &'static str {
        let (Self::Forbidden { property, .. }
        | Self::CriticalUnknownTag { property, .. }
        | Self::LookupFailed { property, .. }) = self;
        match property {
            Property::IssueMail => "recipient_email",
            Property::Issue => "dns_names",
        }
    }

    /// Whether trying again later may help: a failed lookup only; records say the same until their owner
    /// changes them.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::LookupFailed { .. })
    }
}

/// `for this mailbox domain`, or `for the mailbox domain mail.example.com` when the records sit higher up.
fn target(property: Property, domain: &str, owner: &str) -> String {
    if owner == domain {
        format!("this {}", property.subject())
    } else {
        format!("the {} {domain}", property.subject())
    }
}

/// `a`, `a and b`, `a, b and c`.
fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

impl core::fmt::Display for CaaRefusal {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Forbidden { property, domain, owner, records } => {
                let quoted: Vec<String> = records.iter().map(|record| format!("{:?}", record.to_string())).collect();
                let mut issuers: Vec<String> = Vec::new();
                for issuer in records.iter().filter_map(|record| issuer_domain_name(&record.value)) {
                    let issuer = issuer.to_ascii_lowercase();
                    if !issuers.contains(&issuer) {
                        issuers.push(issuer);
                    }
                }
                let (noun, verb) = if records.len() == 1 { ("record", "allows") } else { ("records", "allow") };
                let who = if issuers.is_empty() {
                    "no certificate authority".to_owned()
                } else {
                    format!("only {}", listed(&issuers))
                };
                write!(
                    formatter,
                    "The CAA {noun} {} at {owner} {verb} {who} to issue for {}.",
                    listed(&quoted),
                    target(*property, domain, owner)
                )
            }
            Self::CriticalUnknownTag { property, domain, owner, record } => write!(
                formatter,
                "The CAA record {:?} at {owner} is marked critical and Keyward does not know its tag {:?}, so it \
                 may not issue for {} (RFC 8659 4.1).",
                record.to_string(),
                record.tag,
                target(*property, domain, owner)
            ),
            Self::LookupFailed { property, domain, name, reason } => write!(
                formatter,
                "Keyward could not look up the CAA records of {name}, which decide whether it may issue for {}; \
                 nothing was issued. {reason}",
                target(*property, domain, name)
            ),
        }
    }
}

impl std::error::Error for CaaRefusal {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keyward's issuer domain names in these tests.
    fn identities() -> Vec<String> {
        identities_from("keyward.example, ca.keyward.example")
    }

    /// A record from its zone-file parts.
    fn record(flags: u8, tag: &str, value: &str) -> CaaRecord {
        CaaRecord { critical: flags & 0x80 != 0, tag: tag.to_owned(), value: value.as_bytes().to_vec() }
    }

    /// An answer whose relevant set is `records` at `owner` (no records: `None`).
    fn found(property: Property, domain: &str, owner: &str, records: Vec<CaaRecord>) -> CaaAnswer {
        let check = CaaCheck { property, domain: domain.to_owned() };
        let set = (!records.is_empty()).then(|| RelevantSet { owner: owner.to_owned(), records });
        CaaAnswer { check, found: Ok(set) }
    }

    /// What `authorize` decides, as the basis and the record allowing it, or the refusal's code and sentence.
    type Outcome = Result<(PermitBasis, Option<&'static str>), (&'static str, &'static str)>;

    /// Decides `answer` and compares with `expected`.
    fn check(answer: CaaAnswer, expected: Outcome) {
        let decided = authorize(&answer, &identities());
        match (&decided, expected) {
            (Ok(permit), Ok((basis, record))) => {
                assert_eq!(permit.basis, basis, "{answer:?}");
                assert_eq!(permit.record.as_ref().map(ToString::to_string).as_deref(), record, "{answer:?}");
                assert_eq!(permit.domain, answer.check.domain);
                assert_eq!(permit.property, answer.check.property);
            }
            (Err(refusal), Err((code, sentence))) => {
                assert_eq!(refusal.code(), code, "{answer:?}");
                assert_eq!(refusal.to_string(), sentence, "{answer:?}");
            }
            (decided, expected) => panic!("{answer:?}: decided {decided:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn authorization_follows_rfc_8659_and_rfc_9495() {
        use Property::{Issue, IssueMail};
        let mail = |records| found(IssueMail, "example.com", "example.com", records);
        let host = |records| found(Issue, "www.example.com", "www.example.com", records);
        let cases: Vec<(&str, CaaAnswer, Outcome)> = vec![
            ("no record anywhere", mail(vec![]), Ok((PermitBasis::NoRecords, None))),
            (
                "a record naming Keyward",
                mail(vec![record(0, "issuemail", "keyward.example")]),
                Ok((PermitBasis::Authorized, Some("0 issuemail \"keyward.example\""))),
            ),
            (
                "Keyward's second identity, among others",
                mail(vec![record(0, "issuemail", "otherca.example"), record(0, "issuemail", "ca.keyward.example")]),
                Ok((PermitBasis::Authorized, Some("0 issuemail \"ca.keyward.example\""))),
            ),
            (
                "another CA only",
                mail(vec![record(0, "issuemail", "otherca.example")]),
                Err((
                    "caa_forbids",
                    "The CAA record \"0 issuemail \\\"otherca.example\\\"\" at example.com allows only otherca.example \
                     to issue for this mailbox domain.",
                )),
            ),
            (
                "two other CAs",
                mail(vec![record(0, "issuemail", "a.example"), record(0, "issuemail", "b.example; account=1")]),
                Err((
                    "caa_forbids",
                    "The CAA records \"0 issuemail \\\"a.example\\\"\" and \"0 issuemail \\\"b.example; account=1\\\"\" \
                     at example.com allow only a.example and b.example to issue for this mailbox domain.",
                )),
            ),
            (
                "issuemail \";\": nobody",
                mail(vec![record(0, "issuemail", ";")]),
                Err((
                    "caa_forbids",
                    "The CAA record \"0 issuemail \\\";\\\"\" at example.com allows no certificate authority to \
                     issue for this mailbox domain.",
                )),
            ),
            (
                "an empty value: nobody",
                mail(vec![record(0, "issuemail", "")]),
                Err((
                    "caa_forbids",
                    "The CAA record \"0 issuemail \\\"\\\"\" at example.com allows no certificate authority to issue \
                     for this mailbox domain.",
                )),
            ),
            (
                "a malformed value names nobody, even when it starts with Keyward's name (RFC 9495 4)",
                mail(vec![record(0, "issuemail", "%%%%%"), record(0, "issuemail", "keyward.example extra")]),
                Err((
                    "caa_forbids",
                    "The CAA records \"0 issuemail \\\"%%%%%\\\"\" and \"0 issuemail \\\"keyward.example extra\\\"\" at \
                     example.com allow no certificate authority to issue for this mailbox domain.",
                )),
            ),
            (
                "a record on the parent domain governs a subdomain",
                found(IssueMail, "mail.example.com", "example.com", vec![record(0, "issuemail", "otherca.example")]),
                Err((
                    "caa_forbids",
                    "The CAA record \"0 issuemail \\\"otherca.example\\\"\" at example.com allows only otherca.example \
                     to issue for the mailbox domain mail.example.com.",
                )),
            ),
            (
                "issue present but no issuemail: mail is not restricted",
                mail(vec![record(0, "issue", "otherca.example"), record(0, "iodef", "mailto:security@example.com")]),
                Ok((PermitBasis::NoPropertyTag, None)),
            ),
            (
                "issuemail does not govern a DNS name",
                host(vec![record(0, "issuemail", "otherca.example")]),
                Ok((PermitBasis::NoPropertyTag, None)),
            ),
            (
                "issue naming Keyward",
                host(vec![record(0, "issue", "keyward.example")]),
                Ok((PermitBasis::Authorized, Some("0 issue \"keyward.example\""))),
            ),
            (
                "issue naming another CA",
                host(vec![record(0, "issue", "otherca.example"), record(0, "issuemail", "keyward.example")]),
                Err((
                    "caa_forbids",
                    "The CAA record \"0 issue \\\"otherca.example\\\"\" at www.example.com allows only \
                     otherca.example to issue for this DNS name.",
                )),
            ),
            (
                "a critical unknown tag refuses, whatever else the set says",
                mail(vec![record(0, "issuemail", "keyward.example"), record(128, "tbs", "unknown")]),
                Err((
                    "caa_critical_tag",
                    "The CAA record \"128 tbs \\\"unknown\\\"\" at example.com is marked critical and Keyward does \
                     not know its tag \"tbs\", so it may not issue for this mailbox domain (RFC 8659 4.1).",
                )),
            ),
            (
                "a critical known tag, and a non-critical unknown one, change nothing",
                mail(vec![record(128, "issue", "otherca.example"), record(0, "tbs", "x"), record(128, "IODEF", "x")]),
                Ok((PermitBasis::NoPropertyTag, None)),
            ),
            (
                "parameters after ; are ignored",
                mail(vec![record(0, "issuemail", " keyward.example ;\taccount = 230123 ; policy=ev ")]),
                Ok((
                    PermitBasis::Authorized,
                    Some("0 issuemail \" keyward.example ;\\009account = 230123 ; policy=ev \""),
                )),
            ),
            (
                "parameters that break the grammar make the record name nobody",
                mail(vec![record(0, "issuemail", "keyward.example; account=1;")]),
                Err((
                    "caa_forbids",
                    "The CAA record \"0 issuemail \\\"keyward.example; account=1;\\\"\" at example.com allows no \
                     certificate authority to issue for this mailbox domain.",
                )),
            ),
            (
                "tags and issuer domain names compare without case",
                mail(vec![record(0, "IssueMail", "KeyWard.Example")]),
                Ok((PermitBasis::Authorized, Some("0 IssueMail \"KeyWard.Example\""))),
            ),
            (
                "a lookup failure refuses",
                CaaAnswer {
                    check: CaaCheck { property: IssueMail, domain: "mail.example.com".into() },
                    found: Err(LookupFailure {
                        name: "example.com".into(),
                        reason: "The DNS resolver reported an error (response code 2).".into(),
                    }),
                },
                Err((
                    "caa_lookup_failed",
                    "Keyward could not look up the CAA records of example.com, which decide whether it may issue for \
                     the mailbox domain mail.example.com; nothing was issued. The DNS resolver reported an error \
                     (response code 2).",
                )),
            ),
        ];
        for (name, answer, expected) in cases {
            eprintln!("case: {name}");
            check(answer, expected);
        }
    }

    #[test]
    fn without_identities_only_unrestricted_domains_pass() {
        let restricted = found(Property::IssueMail, "example.com", "example.com", vec![record(0, "issuemail", "x.y")]);
        assert_eq!(authorize(&restricted, &[]).map_err(|refusal| refusal.code()), Err("caa_forbids"));
        let open = found(Property::IssueMail, "example.com", "example.com", vec![]);
        assert!(authorize(&open, &[]).is_ok());
    }

    #[test]
    fn issuer_domain_names_are_read_by_the_grammar() {
        let cases: [(&str, Option<&str>); 16] = [
            ("ca.example", Some("ca.example")),
            ("  ca.example  ", Some("ca.example")),
            ("ca.example;", Some("ca.example")),
            ("ca.example; a=b", Some("ca.example")),
            ("ca.example;a=b;c-d = e=f", Some("ca.example")),
            ("ca.example; a=", Some("ca.example")),
            (";", None),
            ("", None),
            ("; a=b", None),
            ("ca.example.", None),
            ("-ca.example", None),
            ("ca..example", None),
            ("ca.example; =b", None),
            ("ca.example; a b", None),
            ("ca.example a=b", None),
            ("ca_x.example", None),
        ];
        for (value, expected) in cases {
            assert_eq!(issuer_domain_name(value.as_bytes()), expected, "{value:?}");
        }
        assert_eq!(issuer_domain_name(&[0xff]), None);
    }

    #[test]
    fn records_print_in_zone_file_form() {
        let unusual = CaaRecord { critical: true, tag: "issue".into(), value: b"a\"b\\c\x01\xff".to_vec() };
        assert_eq!(unusual.to_string(), "128 issue \"a\\\"b\\\\c\\001\\255\"");
        assert_eq!(serde_json::to_value(&unusual).unwrap(), serde_json::Value::String(unusual.to_string()));
    }

    #[test]
    fn the_climb_goes_up_to_the_root_exclusive() {
        assert_eq!(climb("Mail.Example.COM."), ["mail.example.com", "example.com", "com"]);
        assert_eq!(climb("example.com"), ["example.com", "com"]);
        assert_eq!(climb("com"), ["com"]);
        assert!(climb("").is_empty());
        assert!(climb(".").is_empty());
    }

    /// Runs a search, answering each query from `zone` (a name missing from it is NXDOMAIN); returns the
    /// answer and the names queried.
    fn search(domain: &str, zone: &[(&str, QueryResult)]) -> (CaaAnswer, Vec<String>) {
        let mut queried = Vec::new();
        let mut step = Search::start(CaaCheck { property: Property::IssueMail, domain: domain.to_owned() });
        loop {
            match step {
                Step::Done(answer) => return (answer, queried),
                Step::Query(search) => {
                    queried.push(search.name().to_owned());
                    let result = zone.iter().find(|(name, _)| *name == search.name()).map(|(_, result)| result.clone());
                    step = search.receive(result.unwrap_or(Ok(None)));
                }
            }
        }
    }

    #[test]
    fn the_search_stops_at_the_first_non_empty_set_or_failure() {
        let set = vec![record(0, "issuemail", "keyward.example")];
        // NXDOMAIN and no data both go on up; the parent's set is the relevant one.
        let (answer, queried) = search(
            "a.mail.example.com",
            &[("mail.example.com", Ok(Some(vec![]))), ("example.com", Ok(Some(set.clone())))],
        );
        assert_eq!(queried, ["a.mail.example.com", "mail.example.com", "example.com"]);
        assert_eq!(answer.found, Ok(Some(RelevantSet { owner: "example.com".into(), records: set.clone() })));
        // The closest set wins: the parent is not asked.
        let (answer, queried) =
            search("example.com", &[("example.com", Ok(Some(set.clone()))), ("com", Err("no".into()))]);
        assert_eq!(queried, ["example.com"]);
        assert!(matches!(answer.found, Ok(Some(_))));
        // Nothing anywhere, up to and including the top-level domain.
        let (answer, queried) = search("example.com", &[]);
        assert_eq!(queried, ["example.com", "com"]);
        assert_eq!(answer.found, Ok(None));
        // A failure on the way ends the search with it.
        let (answer, queried) = search("mail.example.com", &[("example.com", Err("SERVFAIL".into()))]);
        assert_eq!(queried, ["mail.example.com", "example.com"]);
        assert_eq!(answer.found, Err(LookupFailure { name: "example.com".into(), reason: "SERVFAIL".into() }));
        // Too deep: refused before any query; exactly the maximum is searched.
        let deep = format!("{}example.com", "a.".repeat(MAXIMUM_CLIMB - 1));
        let (answer, queried) = search(&deep, &[]);
        assert!(queried.is_empty());
        assert!(matches!(answer.found, Err(LookupFailure { ref name, .. }) if *name == deep));
        let deepest = format!("{}example.com", "a.".repeat(MAXIMUM_CLIMB - 2));
        assert_eq!(search(&deepest, &[]).1.len(), MAXIMUM_CLIMB);
    }

    #[test]
    fn a_certificate_needs_issuemail_per_mailbox_domain_and_issue_per_dns_name() {
        use crate::profile::KeyUsage;
        let template = CertificateTemplate {
            serial: [0; 16],
            not_before: 0,
            not_after: 0,
            subject: Vec::new(),
            email_addresses: vec!["ada@Example.com".into(), "bob@example.com".into(), "carol@mail.example.com".into()],
            dns_names: vec!["www.example.com".into(), "example.com".into(), "WWW.example.com".into()],
            key_usage: KeyUsage::default(),
            extended_key_usages: Vec::new(),
            policy_oids: Vec::new(),
            crl_distribution_points: Vec::new(),
            ca_issuers: Vec::new(),
            ocsp_responders: Vec::new(),
        };
        let checks = required_checks(&template);
        let checks: Vec<(Property, &str)> =
            checks.iter().map(|check| (check.property, check.domain.as_str())).collect();
        assert_eq!(
            checks,
            [
                (Property::IssueMail, "example.com"),
                (Property::IssueMail, "mail.example.com"),
                (Property::Issue, "www.example.com"),
                (Property::Issue, "example.com"),
            ]
        );
    }

    #[test]
    fn identities_are_read_from_the_setting() {
        assert_eq!(
            identities_from(" Keyward.Example , ,keyward.example.,ca.example"),
            ["keyward.example", "ca.example"]
        );
        assert!(identities_from("").is_empty());
    }

    #[test]
    fn several_answers_give_permits_or_the_definitive_refusal_first() {
        let failed = CaaAnswer {
            check: CaaCheck { property: Property::IssueMail, domain: "a.example".into() },
            found: Err(LookupFailure { name: "a.example".into(), reason: "timeout".into() }),
        };
        let forbidden = found(Property::IssueMail, "b.example", "b.example", vec![record(0, "issuemail", ";")]);
        let open = found(Property::IssueMail, "c.example", "c.example", vec![]);
        let code = |answers: &[CaaAnswer]| authorize_all(answers, &identities()).map_err(|refusal| refusal.code());
        assert_eq!(code(&[failed.clone(), forbidden.clone()]), Err("caa_forbids"));
        assert_eq!(code(&[open.clone(), failed.clone()]), Err("caa_lookup_failed"));
        assert_eq!(authorize_all(&[open.clone(), open], &identities()).map(|permits| permits.len()), Ok(2));
    }

    #[test]
    fn refusals_have_codes_fields_and_audit_forms() {
        let refusal = authorize(
            &found(Property::IssueMail, "example.com", "example.com", vec![record(0, "issuemail", "o.example")]),
            &identities(),
        )
        .unwrap_err();
        assert_eq!(refusal.field(), "recipient_email");
        assert!(!refusal.is_retryable());
        assert_eq!(
            serde_json::to_value(&refusal).unwrap(),
            serde_json::json!({
                "code": "caa_forbids", "property": "issuemail", "domain": "example.com", "owner": "example.com",
                "records": ["0 issuemail \"o.example\""],
            })
        );
        let failed = CaaRefusal::LookupFailed {
            property: Property::Issue,
            domain: "example.com".into(),
            name: "example.com".into(),
            reason: "x".into(),
        };
        assert_eq!(failed.field(), "dns_names");
        assert!(failed.is_retryable());
        let permit = authorize(
            &found(Property::Issue, "example.com", "example.com", vec![record(0, "issue", "keyward.example")]),
            &identities(),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&permit).unwrap(),
            serde_json::json!({
                "domain": "example.com", "property": "issue", "owner": "example.com", "basis": "authorized",
                "record": "0 issue \"keyward.example\"",
            })
        );
    }
}
