//! An Apple configuration profile (`.mobileconfig`) that installs the bundle and its chain on an iPhone, an iPad
//! or a Mac in one step: an XML property list with a `com.apple.security.pkcs12` payload (the `.p12` as made),
//! then one payload per CA certificate, `com.apple.security.root` for a self-signed root and
//! `com.apple.security.pkcs1` (a DER certificate, despite the name) for the others. Pure: the UUIDs come in.
//!
//! The `.p12`'s password is left out unless the user asks: then the profile installs without asking for it,
//! but the profile is as good as the key in clear to anyone who gets the file (a property list is plain text).
//! Left out, the device asks for it during the installation, as it does for the `.p12` alone. The profile is
//! not signed: the device shows it as unverified, which is what it is (it was made in this page).
//!
//! Identifiers are stable (the page's host reversed, then the serial number), so installing the profile again
//! replaces the earlier one rather than adding a second; the UUIDs are fresh for every profile made.

/// What goes into the profile.
pub struct AppleProfile<'a> {
    /// The profile's identifier ([`payload_identifier`]); each payload's extends it.
    pub identifier: &'a str,
    /// The name the device shows for the profile and the identity: the bundle's friendly name.
    pub display_name: &'a str,
    /// What the profile does, in the page's language.
    pub description: &'a str,
    /// The name shown for each CA certificate payload ("Certificate authority", in the page's language).
    pub authority_name: &'a str,
    /// The `.p12`, as offered for download.
    pub bundle: &'a [u8],
    /// Its file name.
    pub bundle_file: &'a str,
    /// The `.p12`'s password, only when the user asked for it to be embedded.
    pub password: Option<&'a str>,
    /// The CA certificates, DER, issuing CA first.
    pub chain_der: &'a [Vec<u8>],
}

/// A profile identifier from the page's host and the certificate's serial number: the host's labels reversed
/// (`keyward.example.org` → `org.example.keyward`; an IP address or `localhost` as it is), then `.certificate.`
/// and the serial.
pub fn payload_identifier(host: &str, serial: &str) -> String {
    let host = if host.is_empty() { "keyward" } else { host };
    let named = host.chars().any(|character| character.is_ascii_alphabetic()) && !host.contains(':');
    let reversed = if named { host.rsplit('.').collect::<Vec<_>>().join(".") } else { host.to_owned() };
    format!("{reversed}.certificate.{serial}")
}

/// A random (version 4) UUID from 16 random bytes, upper-case as Apple writes them.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = shared::encoding::hex(&bytes).to_ascii_uppercase();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Whether a certificate is self-signed as far as its names say (issuer = subject, byte for byte as DER encodes
/// them): a root. One that cannot be read counts as an intermediate, which the device does not trust by itself.
/// Walked with [`tlv`] rather than a full X.509 decoder: the enrollment page's first load does not carry one
/// (issue 16), and these two names are all the profile needs.
pub(super) fn is_root(certificate_der: &[u8]) -> bool {
    names(certificate_der).is_some_and(|(issuer, subject)| issuer == subject)
}

/// The issuer's and the subject's encoded names: `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
/// OPTIONAL, serialNumber, signature, issuer, validity, subject, … }, … }`.
pub(super) fn names(certificate_der: &[u8]) -> Option<(&[u8], &[u8])> {
    const SEQUENCE: u8 = 0x30;
    const VERSION: u8 = 0xa0;
    let (tag, certificate, _) = tlv(certificate_der)?;
    let (tag, tbs, _) = if tag == SEQUENCE { tlv(certificate)? } else { return None };
    if tag != SEQUENCE {
        return None;
    }
    let (tag, _, after_version) = tlv(tbs)?;
    let fields = if tag == VERSION { after_version } else { tbs };
    let (_, _, fields) = tlv(fields)?; // serialNumber
    let (_, _, fields) = tlv(fields)?; // signature
    let (tag, _, after_issuer) = tlv(fields)?;
    let issuer = &fields[..fields.len() - after_issuer.len()];
    let (_, _, fields) = tlv(after_issuer)?; // validity
    let (subject_tag, _, after_subject) = tlv(fields)?;
    let subject = &fields[..fields.len() - after_subject.len()];
    (tag == SEQUENCE && subject_tag == SEQUENCE).then_some((issuer, subject))
}

/// One DER element at the start of `bytes`: its tag (single-byte tags only, as X.509 uses), its content and what
/// follows it; `None` when it is truncated or its length is not in DER's form.
pub(super) fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count || rest[0] == 0 {
            return None;
        }
        let length = rest[..count].iter().fold(0_usize, |length, &byte| (length << 8) | usize::from(byte));
        if length < 0x80 {
            return None;
        }
        (length, &rest[count..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

/// Text for an XML element: `&`, `<` and `>` escaped, and the characters XML 1.0 cannot carry at all (controls
/// other than tab and line breaks, and U+FFFE/U+FFFF) dropped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            _ => escaped.push(character),
        }
    }
    escaped
}

/// One `<key>` and its `<string>`.
fn string(xml: &mut String, indent: &str, key: &str, value: &str) {
    xml.push_str(&format!("{indent}<key>{key}</key>\n{indent}<string>{}</string>\n", escape(value)));
}

/// One `<key>` and its `<data>`, base64 in lines of 52 characters as Apple's tools write them.
fn data(xml: &mut String, indent: &str, key: &str, bytes: &[u8]) {
    use base64ct::Encoding;
    let encoded = base64ct::Base64::encode_string(bytes);
    xml.push_str(&format!("{indent}<key>{key}</key>\n{indent}<data>\n"));
    for line in encoded.as_bytes().chunks(52) {
        // base64 output is ASCII, so any chunk is valid UTF-8.
        xml.push_str(&format!("{indent}{}\n", core::str::from_utf8(line).unwrap_or_default()));
    }
    xml.push_str(&format!("{indent}</data>\n"));
}

/// The keys every payload has.
fn common(xml: &mut String, indent: &str, display_name: &str, identifier: &str, kind: &str, uuid: &str) {
    string(xml, indent, "PayloadDisplayName", display_name);
    string(xml, indent, "PayloadIdentifier", identifier);
    string(xml, indent, "PayloadType", kind);
    string(xml, indent, "PayloadUUID", uuid);
    xml.push_str(&format!("{indent}<key>PayloadVersion</key>\n{indent}<integer>1</integer>\n"));
}

/// The profile as an XML property list; `uuid` gives one fresh UUID per call ([`uuid_v4`]), `None` when there is no
/// randomness, and then there is no profile.
pub fn mobileconfig(profile: &AppleProfile<'_>, uuid: &mut dyn FnMut() -> Option<String>) -> Option<String> {
    let inner = "\t\t\t";
    let mut payloads = String::new();
    payloads.push_str("\t\t<dict>\n");
    // Without a password the key is left out altogether, and the device asks for it.
    if let Some(password) = profile.password {
        string(&mut payloads, inner, "Password", password);
    }
    string(&mut payloads, inner, "PayloadCertificateFileName", profile.bundle_file);
    data(&mut payloads, inner, "PayloadContent", profile.bundle);
    string(&mut payloads, inner, "PayloadDescription", profile.description);
    let identity = format!("{}.identity", profile.identifier);
    common(&mut payloads, inner, profile.display_name, &identity, "com.apple.security.pkcs12", &uuid()?);
    payloads.push_str("\t\t</dict>\n");
    for (index, certificate) in profile.chain_der.iter().enumerate() {
        let kind = if is_root(certificate) { "com.apple.security.root" } else { "com.apple.security.pkcs1" };
        let number = index + 1;
        payloads.push_str("\t\t<dict>\n");
        string(&mut payloads, inner, "PayloadCertificateFileName", &format!("authority-{number}.cer"));
        data(&mut payloads, inner, "PayloadContent", certificate);
        let name = format!("{} {number}", profile.authority_name);
        common(&mut payloads, inner, &name, &format!("{}.authority.{number}", profile.identifier), kind, &uuid()?);
        payloads.push_str("\t\t</dict>\n");
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\
         \t<key>PayloadContent</key>\n\t<array>\n",
    );
    xml.push_str(&payloads);
    xml.push_str("\t</array>\n");
    string(&mut xml, "\t", "PayloadDescription", profile.description);
    common(&mut xml, "\t", profile.display_name, profile.identifier, "Configuration", &uuid()?);
    xml.push_str("\t<key>PayloadRemovalDisallowed</key>\n\t<false/>\n</dict>\n</plist>\n");
    Some(xml)
}
