//! A certificate's subject in the four text forms other services expect ("Get subject name", issue 13 item 4).
//!
//! - **RFC 4514** ([`SubjectNames::rfc4514`]): exactly what `openssl x509 -noout -subject -nameopt RFC2253` prints
//!   after `subject=`: most specific first, `,` between RDNs and `+` inside one, OpenSSL's short names (`CN`, `O`,
//!   `emailAddress`, ...), `\` before `,+"\<>;`, before a leading `#` or space and before a trailing space, and
//!   every byte of a non-ASCII or control character as `\XX` (UTF-8, upper-case hex: valid RFC 4514 hexpairs).
//!   Values that are not strings, and attributes OpenSSL has no name for, are `#` and the DER in hex.
//! - **nginx** ([`SubjectNames::nginx`]): `$ssl_client_s_dn` since nginx 1.11.6 is OpenSSL's `XN_FLAG_RFC2253`
//!   form, the same text.
//! - **OpenSSL one-line** ([`SubjectNames::openssl`]): what `openssl x509 -noout -subject` prints by default
//!   (`-nameopt oneline`): encoding order, `, ` and ` + `, `NAME = value`; a value holding one of `,+<>;`, a
//!   leading `#` or a leading or trailing space is put in double quotes instead of escaping those; `"` and `\` are
//!   still escaped, and non-ASCII bytes are `\XX` as above.
//! - **Windows** ([`SubjectNames::windows`]): `CertNameToStr` with `CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG`,
//!   what certutil and the IIS certificate dialogs show: most specific first, `, ` and ` + `, Microsoft's X.500 key
//!   names (`CN`, `O`, `OU`, `L`, `S`, `C`, `E`, `G`, `SN`, `SERIALNUMBER`, `T`, `STREET`, `DC`, `PostalCode`,
//!   otherwise `OID.<dotted>`); a value that is empty, has a leading or trailing space, or holds one of
//!   `,+="<>#;` or a line break is put in double quotes with `"` doubled (Microsoft's CertNameToStr reference,
//!   "Remarks" and `CERT_X500_NAME_STR`); text is shown as Unicode, not escaped.
//!
//! Pure: the certificate's DER in, text out.

use core::fmt::{self, Write as _};

use der::asn1::ObjectIdentifier;
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use x509_cert::name::RdnSequence;

/// Why a subject could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubjectNameError {
    /// The bytes are not a DER certificate (or its subject is not a DER name).
    Malformed(String),
}

impl SubjectNameError {
    /// Stable identifier.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "certificate_malformed",
        }
    }
}

impl fmt::Display for SubjectNameError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(detail) => write!(formatter, "the certificate could not be read: {detail}"),
        }
    }
}

impl std::error::Error for SubjectNameError {}

/// A subject in the four forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectNames {
    /// RFC 4514, as `openssl x509 -noout -subject -nameopt RFC2253` prints it.
    pub rfc4514: String,
    /// OpenSSL's default one-line form, as `openssl x509 -noout -subject` prints it (without `subject=`).
    pub openssl: String,
    /// nginx's `$ssl_client_s_dn` (nginx 1.11.6 and later).
    pub nginx: String,
    /// Windows (certutil, IIS): most specific first, Microsoft's key names.
    pub windows: String,
}

/// One attribute of a name, as read.
struct Attribute {
    /// Its type.
    oid: ObjectIdentifier,
    /// Its value's tag.
    tag: Tag,
    /// Its value's content octets.
    value: Vec<u8>,
    /// Its value's whole DER (tag, length, content).
    der: Vec<u8>,
}

/// The subject of a DER certificate in the four forms.
///
/// # Errors
///
/// [`SubjectNameError::Malformed`] when the bytes are not a certificate.
pub fn from_certificate_der(der: &[u8]) -> Result<SubjectNames, SubjectNameError> {
    let subject = certificate_subject(der).map_err(|error| SubjectNameError::Malformed(error.to_string()))?;
    from_name_der(subject)
}

/// The subject of a PEM certificate (the first `CERTIFICATE` block) in the four forms.
///
/// # Errors
///
/// [`SubjectNameError::Malformed`] when the text holds no certificate.
pub fn from_certificate_pem(text: &str) -> Result<SubjectNames, SubjectNameError> {
    let malformed = |detail: &str| SubjectNameError::Malformed(detail.to_owned());
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = text.find(begin).ok_or_else(|| malformed("no CERTIFICATE block"))? + begin.len();
    let length = text[start..].find("-----END CERTIFICATE-----").ok_or_else(|| malformed("no END line"))?;
    let body: String = text[start..start + length].chars().filter(|character| !character.is_whitespace()).collect();
    let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&body)
        .map_err(|_| malformed("the block is not base64"))?;
    from_certificate_der(&der)
}

/// A DER `Name` (for example a CSR's subject) in the four forms.
///
/// # Errors
///
/// [`SubjectNameError::Malformed`] when the bytes are not a DER name.
pub fn from_name_der(name: &[u8]) -> Result<SubjectNames, SubjectNameError> {
    let sequence = RdnSequence::from_der(name).map_err(|error| SubjectNameError::Malformed(error.to_string()))?;
    let mut rdns = Vec::new();
    for rdn in sequence.iter() {
        let mut attributes = Vec::new();
        for attribute in rdn.iter() {
            let der = der::Encode::to_der(&attribute.value)
                .map_err(|error| SubjectNameError::Malformed(error.to_string()))?;
            attributes.push(Attribute {
                oid: attribute.oid,
                tag: attribute.value.tag(),
                value: attribute.value.value().to_vec(),
                der,
            });
        }
        rdns.push(attributes);
    }
    Ok(SubjectNames {
        rfc4514: openssl_form(&rdns, OpensslStyle::Rfc2253),
        openssl: openssl_form(&rdns, OpensslStyle::OneLine),
        nginx: openssl_form(&rdns, OpensslStyle::Rfc2253),
        windows: windows_form(&rdns),
    })
}

/// The subject's DER inside a certificate's DER.
fn certificate_subject(der: &[u8]) -> der::Result<&[u8]> {
    let mut reader = SliceReader::new(der)?;
    let subject = reader.sequence(|certificate| {
        let subject = certificate.sequence(|tbs| {
            // version [0] EXPLICIT, optional.
            if tbs.peek_byte() == Some(0xa0) {
                tbs.tlv_bytes()?;
            }
            tbs.tlv_bytes()?; // serialNumber
            tbs.tlv_bytes()?; // signature
            tbs.tlv_bytes()?; // issuer
            tbs.tlv_bytes()?; // validity
            let subject = tbs.tlv_bytes()?;
            while !tbs.is_finished() {
                tbs.tlv_bytes()?;
            }
            Ok::<_, der::Error>(subject)
        })?;
        certificate.tlv_bytes()?; // signatureAlgorithm
        certificate.tlv_bytes()?; // signatureValue
        Ok::<_, der::Error>(subject)
    })?;
    reader.finish()?;
    Ok(subject)
}

/// OpenSSL's short names (`OBJ_nid2sn`) for the attributes it knows that certificates use.
const OPENSSL_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.4", "SN"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "street"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.12", "title"),
    ("2.5.4.13", "description"),
    ("2.5.4.15", "businessCategory"),
    ("2.5.4.17", "postalCode"),
    ("2.5.4.41", "name"),
    ("2.5.4.42", "GN"),
    ("2.5.4.43", "initials"),
    ("2.5.4.44", "generationQualifier"),
    ("2.5.4.46", "dnQualifier"),
    ("2.5.4.65", "pseudonym"),
    ("2.5.4.97", "organizationIdentifier"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"),
    ("1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"),
    ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"),
];

/// Microsoft's X.500 key names (`CertNameToStr`, `CERT_X500_NAME_STR`).
const WINDOWS_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.4", "SN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "S"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.12", "T"),
    ("2.5.4.17", "PostalCode"),
    ("2.5.4.42", "G"),
    ("2.5.4.43", "I"),
    ("1.2.840.113549.1.9.1", "E"),
    ("0.9.2342.19200300.100.1.25", "DC"),
];

/// The name a table gives an attribute type.
fn named(table: &[(&str, &'static str)], oid: &ObjectIdentifier) -> Option<&'static str> {
    let dotted = oid.to_string();
    table.iter().find(|(known, _)| *known == dotted).map(|(_, name)| *name)
}

/// Which OpenSSL `-nameopt`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OpensslStyle {
    /// `RFC2253` (`XN_FLAG_RFC2253`), nginx's `$ssl_client_s_dn`.
    Rfc2253,
    /// `oneline`, the `openssl x509` default.
    OneLine,
}

/// Characters a string value is read as, one code point each, or `None` when the tag is not a string type
/// (OpenSSL's `tag2nbyte`): UTF8String byte by byte (as OpenSSL reads it when converting to UTF-8), the one-byte
/// strings as Latin-1 and BMPString as UCS-2 (der decodes no UniversalString: a name holding one is refused).
fn characters(tag: Tag, value: &[u8]) -> Option<Vec<u32>> {
    match tag {
        Tag::Utf8String => Some(value.iter().map(|&byte| u32::from(byte)).collect()),
        Tag::NumericString
        | Tag::PrintableString
        | Tag::TeletexString
        | Tag::Ia5String
        | Tag::UtcTime
        | Tag::GeneralizedTime
        | Tag::VisibleString => {
            // Latin-1 to UTF-8 bytes, as OpenSSL converts them.
            let text: String = value.iter().map(|&byte| char::from(byte)).collect();
            Some(text.bytes().map(u32::from).collect())
        }
        Tag::BmpString => {
            let units: Vec<u32> =
                value.chunks(2).map(|pair| u32::from(pair[0]) << 8 | u32::from(*pair.get(1).unwrap_or(&0))).collect();
            Some(utf8_bytes(&units))
        }
        _ => None,
    }
}

/// Code points as their UTF-8 bytes (one `u32` per byte); a point that is no character becomes U+FFFD.
fn utf8_bytes(points: &[u32]) -> Vec<u32> {
    let text: String = points.iter().map(|&point| char::from_u32(point).unwrap_or('\u{fffd}')).collect();
    text.bytes().map(u32::from).collect()
}

/// Upper-case hexadecimal.
fn hex_upper(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02X}");
    }
    text
}

/// One value as OpenSSL's `do_print_ex` prints it.
fn openssl_value(attribute: &Attribute, known: bool, style: OpensslStyle) -> String {
    let dump = || format!("#{}", hex_upper(&attribute.der));
    // XN_FLAG_DUMP_UNKNOWN_FIELDS is part of RFC2253, not of oneline.
    if !known && style == OpensslStyle::Rfc2253 {
        return dump();
    }
    let Some(bytes) = characters(attribute.tag, &attribute.value) else { return dump() };
    let mut text = String::new();
    let mut quotes = false;
    let last = bytes.len().saturating_sub(1);
    for (index, &byte) in bytes.iter().enumerate() {
        // Every character here is one byte (UTF-8 converted): `u32` to `u8` keeps it.
        let character = u8::try_from(byte).unwrap_or(b'?');
        let edge_space = character == b' ' && (index == 0 || index == last);
        let leading_hash = character == b'#' && index == 0;
        let special = matches!(character, b',' | b'+' | b'<' | b'>' | b';');
        if !(0x20..0x7f).contains(&character) {
            let _ = write!(text, "\\{character:02X}");
        } else if character == b'"' || character == b'\\' {
            text.push('\\');
            text.push(char::from(character));
        } else if special || edge_space || leading_hash {
            match style {
                OpensslStyle::Rfc2253 => text.push('\\'),
                OpensslStyle::OneLine => quotes = true,
            }
            text.push(char::from(character));
        } else {
            text.push(char::from(character));
        }
    }
    if quotes { format!("\"{text}\"") } else { text }
}

/// The name in one of OpenSSL's forms.
fn openssl_form(rdns: &[Vec<Attribute>], style: OpensslStyle) -> String {
    let (rdn_separator, attribute_separator, equals) = match style {
        OpensslStyle::Rfc2253 => (",", "+", "="),
        OpensslStyle::OneLine => (", ", " + ", " = "),
    };
    let ordered: Vec<&Vec<Attribute>> = match style {
        OpensslStyle::Rfc2253 => rdns.iter().rev().collect(),
        OpensslStyle::OneLine => rdns.iter().collect(),
    };
    ordered
        .into_iter()
        .map(|rdn| {
            // OpenSSL keeps a name as one flat list of attributes: reversing it (RFC2253) reverses the attributes
            // inside a multi-valued RDN too.
            let attributes: Vec<&Attribute> = match style {
                OpensslStyle::Rfc2253 => rdn.iter().rev().collect(),
                OpensslStyle::OneLine => rdn.iter().collect(),
            };
            attributes
                .into_iter()
                .map(|attribute| {
                    let name = named(OPENSSL_NAMES, &attribute.oid);
                    let label = name.map_or_else(|| attribute.oid.to_string(), str::to_owned);
                    format!("{label}{equals}{}", openssl_value(attribute, name.is_some(), style))
                })
                .collect::<Vec<_>>()
                .join(attribute_separator)
        })
        .collect::<Vec<_>>()
        .join(rdn_separator)
}

/// The name as Windows shows it.
fn windows_form(rdns: &[Vec<Attribute>]) -> String {
    rdns.iter()
        .rev()
        .map(|rdn| {
            rdn.iter()
                .map(|attribute| {
                    let label = named(WINDOWS_NAMES, &attribute.oid)
                        .map_or_else(|| format!("OID.{}", attribute.oid), str::to_owned);
                    format!("{label}={}", windows_value(attribute))
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One value as `CertNameToStr` shows it: text as Unicode, quoted when it must be; other values in hexadecimal.
fn windows_value(attribute: &Attribute) -> String {
    let text = match attribute.tag {
        Tag::Utf8String => String::from_utf8_lossy(&attribute.value).into_owned(),
        Tag::BmpString => match characters(attribute.tag, &attribute.value) {
            Some(bytes) => {
                let bytes: Vec<u8> = bytes.into_iter().map(|byte| u8::try_from(byte).unwrap_or(b'?')).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            None => return format!("#{}", hex_upper(&attribute.der)),
        },
        tag => match characters(tag, &attribute.value) {
            Some(_) => attribute.value.iter().map(|&byte| char::from(byte)).collect(),
            None => return format!("#{}", hex_upper(&attribute.der)),
        },
    };
    let must_quote = text.is_empty()
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text.contains([',', '+', '=', '"', '\n', '\r', '<', '>', '#', ';']);
    if must_quote { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate whose subject is `name_der`, with every other field a placeholder (never verified here).
    fn certificate_with(name_der: &[u8]) -> Vec<u8> {
        fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            if content.len() < 128 {
                out.push(content.len() as u8);
            } else {
                out.push(0x82);
                out.extend_from_slice(&(content.len() as u16).to_be_bytes());
            }
            out.extend_from_slice(content);
            out
        }
        let algorithm = tlv(0x30, &[0x06, 0x03, 0x2b, 0x65, 0x70]);
        let mut tbs = tlv(0xa0, &tlv(0x02, &[2]));
        tbs.extend(tlv(0x02, &[1]));
        tbs.extend(&algorithm);
        tbs.extend(name_der);
        tbs.extend(tlv(0x30, &[]));
        tbs.extend(name_der);
        tbs.extend(tlv(0x30, &[]));
        let mut certificate = tlv(0x30, &tbs);
        certificate.extend(&algorithm);
        certificate.extend(tlv(0x03, &[0]));
        tlv(0x30, &certificate)
    }

    fn check(pem: &str, rfc4514: &str, openssl: &str, windows: &str) {
        let names = from_certificate_pem(pem).expect("a certificate");
        assert_eq!(names.rfc4514, rfc4514, "RFC 4514");
        assert_eq!(names.nginx, rfc4514, "nginx");
        assert_eq!(names.openssl, openssl, "OpenSSL one-line");
        assert_eq!(names.windows, windows, "Windows");
    }

    #[test]
    fn fixed_certificates_match_what_openssl_printed() {
        // Each certificate and its two OpenSSL lines are in `shared/tests/data/subject_names/`, made and printed by
        // OpenSSL 3.0 (the commands are in that folder's README).
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/subject_names");
        let mut count = 0;
        let mut entries: Vec<_> =
            std::fs::read_dir(folder).expect("the folder").map(|entry| entry.unwrap().path()).collect();
        entries.sort();
        for path in entries.into_iter().filter(|path| path.extension().is_some_and(|extension| extension == "pem")) {
            let pem = std::fs::read_to_string(&path).unwrap();
            let expected = std::fs::read_to_string(path.with_extension("txt")).unwrap();
            let lines: Vec<&str> = expected.lines().collect();
            let rfc = lines[0].strip_prefix("subject=").unwrap();
            let one_line = lines[1].strip_prefix("subject=").unwrap();
            let windows = lines[2].strip_prefix("windows=").unwrap();
            check(&pem, rfc, one_line, windows);
            count += 1;
        }
        assert!(count >= 4, "the fixtures are there ({count})");
    }

    #[test]
    fn values_that_are_not_strings_and_unknown_types_are_dumped() {
        // SET { SEQUENCE { OID 1.2.3.4, UTF8String "x" } }, SET { SEQUENCE { CN, INTEGER 5 } }
        let rdn1 = [0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x0c, 0x01, b'x'];
        let rdn2 = [0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x02, 0x01, 0x05];
        let mut name = vec![0x30, (rdn1.len() + rdn2.len()) as u8];
        name.extend(rdn1);
        name.extend(rdn2);
        let names = from_certificate_der(&certificate_with(&name)).unwrap();
        assert_eq!(names.rfc4514, "CN=#020105,1.2.3.4=#0C0178");
        assert_eq!(names.openssl, "1.2.3.4 = x, CN = #020105");
        assert_eq!(names.windows, "CN=#020105, OID.1.2.3.4=x");
    }

    #[test]
    fn what_is_not_a_certificate_is_refused() {
        for bytes in [&b""[..], b"\x30\x00", b"not der"] {
            let error = from_certificate_der(bytes).unwrap_err();
            assert_eq!(error.code(), "certificate_malformed");
        }
        assert!(from_certificate_pem("no block").is_err());
    }
}
