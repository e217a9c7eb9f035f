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

use der::Decode;

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

/// Whether a certificate is self-signed as far as its names say (issuer = subject): a root. One that cannot be
/// read counts as an intermediate, which the device does not trust by itself.
fn is_root(certificate_der: &[u8]) -> bool {
    x509_cert::Certificate::from_der(certificate_der)
        .map(|certificate| certificate.tbs_certificate().issuer() == certificate.tbs_certificate().subject())
        .unwrap_or(false)
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
