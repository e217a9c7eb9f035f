//! OCSP (RFC 6960) for the issuing CA: reading requests, and writing the responses the Worker signs.
//!
//! The responder is the issuing CA itself (S/MIME BR 4.9.9, option 1: no delegated responder certificate), so
//! the response identifies it by key hash and carries no certificates. A request may name several
//! certificates; each gets `good`, `revoked` (with the time and, unless unspecified, the reason) or `unknown`
//! for a serial this CA never issued (BR 4.9.10: never `good` for an unused serial). A nonce (RFC 8954, at most
//! 32 octets) is echoed.
//!
//! DER is read and written here with a small tag-length-value codec: the structures are few and fixed, and
//! the RustCrypto `x509-ocsp` crate has no release for the `der` 0.8 generation this workspace uses.

use der::Encode;
use der::asn1::GeneralizedTime;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::revocation::RevocationReason;

/// How long a response is valid (`nextUpdate - thisUpdate`): four days, inside BR 4.9.10's 8 hours to 10 days.
/// Responses are signed on request, so the information is always current when produced.
pub const RESPONSE_VALIDITY_SECONDS: i64 = 4 * 86_400;
/// Largest request accepted, in bytes.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// Most certificates one request may ask about.
pub const MAX_CERTIFICATES_PER_REQUEST: usize = 16;

const SEQUENCE: u8 = 0x30;
const OCTET_STRING: u8 = 0x04;
const INTEGER: u8 = 0x02;
const OBJECT_IDENTIFIER: u8 = 0x06;
const ENUMERATED: u8 = 0x0a;
const BIT_STRING: u8 = 0x03;
const NULL: u8 = 0x05;
const BOOLEAN: u8 = 0x01;

/// id-sha1 (1.3.14.3.2.26), content octets.
const SHA1_OID: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
/// id-sha256 (2.16.840.1.101.3.4.2.1), content octets.
const SHA256_OID: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// id-pkix-ocsp-nonce (1.3.6.1.5.5.7.48.1.2), content octets.
const NONCE_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02];
/// id-pkix-ocsp-basic (1.3.6.1.5.5.7.48.1.1), content octets.
const BASIC_RESPONSE_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];

/// Why a request could not be answered with statuses: the `OCSPResponseStatus` of an unsigned error response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseStatus {
    /// Not an OCSP request (or one this responder cannot read: too large, too many certificates, a hash
    /// algorithm other than SHA-1 and SHA-256, a nonce over 32 octets).
    MalformedRequest = 1,
    /// Our failure.
    InternalError = 2,
    /// A certificate of another CA: this responder is not authoritative for it.
    Unauthorized = 6,
}

/// The hash algorithm of a `CertID`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-1, what most clients (OpenSSL, NSS, Windows) still send.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl HashAlgorithm {
    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(bytes).to_vec(),
            Self::Sha256 => Sha256::digest(bytes).to_vec(),
        }
    }
}

/// One certificate a request asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertId {
    /// The `CertID` exactly as received: the response repeats it byte for byte.
    raw: Vec<u8>,
    hash_algorithm: HashAlgorithm,
    issuer_name_hash: Vec<u8>,
    issuer_key_hash: Vec<u8>,
    /// The serial number's INTEGER content, as received.
    serial: Vec<u8>,
}

impl CertId {
    /// The serial number, lowercase hex without leading zero bytes, as Keyward stores serials.
    pub fn serial_hex(&self) -> String {
        let start = self.serial.iter().position(|byte| *byte != 0).unwrap_or(self.serial.len());
        crate::encoding::hex(&self.serial[start..])
    }

    /// The `CertID` exactly as received, DER: what the Worker's answer cache keys a question by.
    pub fn der(&self) -> &[u8] {
        &self.raw
    }
}

/// A decoded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspRequest {
    /// The certificates asked about, in order.
    pub certificates: Vec<CertId>,
    /// The nonce extension, exactly as received (the whole `Extension`), to echo.
    nonce_extension: Option<Vec<u8>>,
}

impl OcspRequest {
    /// Whether the request carries a nonce: then the response must not be cached.
    pub fn has_nonce(&self) -> bool {
        self.nonce_extension.is_some()
    }

    /// The same request without its nonce: the question a cached answer may answer. A responder that serves
    /// cached answers may leave the nonce out (RFC 5019 2.1, RFC 8954 3); OpenSSL's client then warns and
    /// accepts the response.
    pub fn without_nonce(&self) -> Self {
        Self { certificates: self.certificates.clone(), nonce_extension: None }
    }
}

/// The issuing CA as OCSP names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Responder {
    /// The CA's subject, DER.
    name_der: Vec<u8>,
    /// The CA's `subjectPublicKey` BIT STRING value (without the unused-bits octet).
    key_bits: Vec<u8>,
}

impl Responder {
    /// The responder for the CA whose certificate is `certificate_der`.
    pub fn from_certificate(certificate_der: &[u8]) -> Result<Self, String> {
        use der::Decode;
        let certificate = Certificate::from_der(certificate_der).map_err(|error| error.to_string())?;
        let tbs = certificate.tbs_certificate();
        let name_der = tbs.subject().to_der().map_err(|error| error.to_string())?;
        let key_bits = tbs.subject_public_key_info().subject_public_key.raw_bytes().to_vec();
        Ok(Self { name_der, key_bits })
    }

    /// Whether `certificate` names this CA as its issuer.
    pub fn issued(&self, certificate: &CertId) -> bool {
        let algorithm = certificate.hash_algorithm;
        algorithm.digest(&self.name_der) == certificate.issuer_name_hash
            && algorithm.digest(&self.key_bits) == certificate.issuer_key_hash
    }

    /// Every DER `CertID` that asks this CA about `serial_hex`: SHA-1 and SHA-256, the hash's parameters NULL or
    /// absent (both allowed), the serial in its minimal encoding. A cache that keeps answers only for these
    /// questions can forget all of a serial's answers; `None` if `serial_hex` is not hex.
    pub fn cert_ids(&self, serial_hex: &str) -> Option<Vec<Vec<u8>>> {
        let bytes = crate::encoding::hex_decode(serial_hex)?;
        let start = bytes.iter().position(|byte| *byte != 0).unwrap_or(bytes.len());
        let mut serial = bytes[start..].to_vec();
        if serial.first().is_none_or(|first| first & 0x80 != 0) {
            serial.insert(0, 0);
        }
        let mut cert_ids = Vec::with_capacity(4);
        for (algorithm, oid) in [(HashAlgorithm::Sha1, SHA1_OID), (HashAlgorithm::Sha256, SHA256_OID)] {
            for parameters in [tlv(NULL, &[]), Vec::new()] {
                let identifier = tlv(SEQUENCE, &[tlv(OBJECT_IDENTIFIER, oid), parameters].concat());
                let name_hash = tlv(OCTET_STRING, &algorithm.digest(&self.name_der));
                let key_hash = tlv(OCTET_STRING, &algorithm.digest(&self.key_bits));
                cert_ids.push(tlv(SEQUENCE, &[identifier, name_hash, key_hash, tlv(INTEGER, &serial)].concat()));
            }
        }
        Some(cert_ids)
    }
}

/// A certificate's status as the responder states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    /// Issued by this CA and not revoked.
    Good,
    /// Revoked at this instant (seconds since the Unix epoch), for this reason.
    Revoked {
        /// Revocation time.
        at: i64,
        /// Reason; `unspecified` is left out of the response.
        reason: RevocationReason,
    },
    /// Not a serial this CA issued.
    Unknown,
}

/// Reads a DER `OCSPRequest`. Any signature on it is ignored (RFC 6960 4.1.2: optional; this responder
/// answers anyone, as public status information).
pub fn parse_request(der: &[u8]) -> Result<OcspRequest, ResponseStatus> {
    let malformed = |_| ResponseStatus::MalformedRequest;
    if der.len() > MAX_REQUEST_BYTES {
        return Err(ResponseStatus::MalformedRequest);
    }
    let mut outer = Reader::new(der);
    let request = outer.expect(SEQUENCE).map_err(malformed)?;
    outer.finish().map_err(malformed)?;
    let mut request = Reader::new(request);
    let tbs_request = request.expect(SEQUENCE).map_err(malformed)?;
    // optionalSignature [0] EXPLICIT: ignored.
    request.optional(0xa0).map_err(malformed)?;
    request.finish().map_err(malformed)?;

    let mut tbs = Reader::new(tbs_request);
    if let Some(version) = tbs.optional(0xa0).map_err(malformed)? {
        // Only v1 (0) exists.
        if version != [INTEGER, 1, 0] {
            return Err(ResponseStatus::MalformedRequest);
        }
    }
    tbs.optional(0xa1).map_err(malformed)?; // requestorName
    let list = tbs.expect(SEQUENCE).map_err(malformed)?;
    let extensions = tbs.optional(0xa2).map_err(malformed)?;
    tbs.finish().map_err(malformed)?;

    let mut certificates = Vec::new();
    let mut list = Reader::new(list);
    while !list.is_finished() {
        let mut single = Reader::new(list.expect(SEQUENCE).map_err(malformed)?);
        let raw = single.element(SEQUENCE).map_err(malformed)?;
        single.optional(0xa0).map_err(malformed)?; // singleRequestExtensions
        single.finish().map_err(malformed)?;
        certificates.push(parse_cert_id(raw)?);
        if certificates.len() > MAX_CERTIFICATES_PER_REQUEST {
            return Err(ResponseStatus::MalformedRequest);
        }
    }
    if certificates.is_empty() {
        return Err(ResponseStatus::MalformedRequest);
    }

    let mut nonce_extension = None;
    if let Some(extensions) = extensions {
        let mut outer = Reader::new(extensions);
        let mut extensions = Reader::new(outer.expect(SEQUENCE).map_err(malformed)?);
        outer.finish().map_err(malformed)?;
        while !extensions.is_finished() {
            let whole = extensions.element(SEQUENCE).map_err(malformed)?;
            let mut extension = Reader::new(&whole[header_length(whole)..]);
            let oid = extension.expect(OBJECT_IDENTIFIER).map_err(malformed)?;
            extension.optional(BOOLEAN).map_err(malformed)?;
            let value = extension.expect(OCTET_STRING).map_err(malformed)?;
            extension.finish().map_err(malformed)?;
            if oid == NONCE_OID {
                // RFC 8954: Nonce ::= OCTET STRING (SIZE(1..32)).
                let mut nonce = Reader::new(value);
                let octets = nonce.expect(OCTET_STRING).map_err(malformed)?;
                nonce.finish().map_err(malformed)?;
                if octets.is_empty() || octets.len() > 32 {
                    return Err(ResponseStatus::MalformedRequest);
                }
                nonce_extension = Some(whole.to_vec());
            }
        }
    }
    Ok(OcspRequest { certificates, nonce_extension })
}

fn parse_cert_id(raw: &[u8]) -> Result<CertId, ResponseStatus> {
    let malformed = |_| ResponseStatus::MalformedRequest;
    let mut outer = Reader::new(raw);
    let mut fields = Reader::new(outer.expect(SEQUENCE).map_err(malformed)?);
    let mut algorithm = Reader::new(fields.expect(SEQUENCE).map_err(malformed)?);
    let oid = algorithm.expect(OBJECT_IDENTIFIER).map_err(malformed)?;
    if let Some(parameters) = algorithm.optional(NULL).map_err(malformed)?
        && !parameters.is_empty()
    {
        return Err(ResponseStatus::MalformedRequest);
    }
    algorithm.finish().map_err(malformed)?;
    let hash_algorithm = match oid {
        SHA1_OID => HashAlgorithm::Sha1,
        SHA256_OID => HashAlgorithm::Sha256,
        _ => return Err(ResponseStatus::MalformedRequest),
    };
    let issuer_name_hash = fields.expect(OCTET_STRING).map_err(malformed)?.to_vec();
    let issuer_key_hash = fields.expect(OCTET_STRING).map_err(malformed)?.to_vec();
    let serial = fields.expect(INTEGER).map_err(malformed)?.to_vec();
    fields.finish().map_err(malformed)?;
    if serial.is_empty() || serial.len() > 20 + 1 {
        return Err(ResponseStatus::MalformedRequest);
    }
    Ok(CertId { raw: raw.to_vec(), hash_algorithm, issuer_name_hash, issuer_key_hash, serial })
}

/// The `ResponseData` to sign: responder by key hash, produced now, one `SingleResponse` per certificate valid
/// from `now` for [`RESPONSE_VALIDITY_SECONDS`], and the request's nonce echoed.
pub fn response_data(
    responder: &Responder,
    request: &OcspRequest,
    statuses: &[CertStatus],
    now: i64,
) -> Result<Vec<u8>, String> {
    if statuses.len() != request.certificates.len() {
        return Err("one status per certificate asked about".into());
    }
    let this_update = generalized_time(now)?;
    let next_update = generalized_time(now + RESPONSE_VALIDITY_SECONDS)?;
    let mut responses = Vec::new();
    for (certificate, status) in request.certificates.iter().zip(statuses) {
        let status = match status {
            CertStatus::Good => vec![0x80, 0x00],
            CertStatus::Unknown => vec![0x82, 0x00],
            CertStatus::Revoked { at, reason } => {
                let mut info = generalized_time(*at)?;
                if let Some(code) = reason.stated_code() {
                    info.extend(tlv(0xa0, &tlv(ENUMERATED, &[code])));
                }
                tlv(0xa1, &info)
            }
        };
        let single = [certificate.raw.clone(), status, this_update.clone(), tlv(0xa0, &next_update)].concat();
        responses.extend(tlv(SEQUENCE, &single));
    }
    let responder_id = tlv(0xa2, &tlv(OCTET_STRING, &Sha1::digest(&responder.key_bits)));
    let mut data = [responder_id, this_update.clone(), tlv(SEQUENCE, &responses)].concat();
    if let Some(nonce) = &request.nonce_extension {
        data.extend(tlv(0xa1, &tlv(SEQUENCE, nonce)));
    }
    Ok(tlv(SEQUENCE, &data))
}

/// A successful `OCSPResponse` around a signed `BasicOCSPResponse`. `signature_algorithm_der` is the whole
/// `AlgorithmIdentifier` the signature was made with.
pub fn successful_response(response_data: &[u8], signature_algorithm_der: &[u8], signature: &[u8]) -> Vec<u8> {
    let bit_string = tlv(BIT_STRING, &[&[0u8][..], signature].concat());
    let basic = tlv(SEQUENCE, &[response_data, signature_algorithm_der, &bit_string].concat());
    let response_bytes =
        tlv(SEQUENCE, &[tlv(OBJECT_IDENTIFIER, BASIC_RESPONSE_OID), tlv(OCTET_STRING, &basic)].concat());
    tlv(SEQUENCE, &[tlv(ENUMERATED, &[0]), tlv(0xa0, &response_bytes)].concat())
}

/// An unsuccessful `OCSPResponse`: the status alone, unsigned (RFC 6960 4.2.1).
pub fn error_response(status: ResponseStatus) -> Vec<u8> {
    tlv(SEQUENCE, &tlv(ENUMERATED, &[status as u8]))
}

fn generalized_time(seconds: i64) -> Result<Vec<u8>, String> {
    let seconds = u64::try_from(seconds).map_err(|_| "a time before 1970".to_owned())?;
    GeneralizedTime::from_unix_duration(core::time::Duration::from_secs(seconds))
        .and_then(|time| time.to_der())
        .map_err(|error| error.to_string())
}

/// Tag, DER length, content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let start = bytes.iter().position(|byte| *byte != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - start) as u8);
        out.extend_from_slice(&bytes[start..]);
    }
    out.extend_from_slice(content);
    out
}

/// Length of the tag and length octets of the element at the start of `element` (already validated).
fn header_length(element: &[u8]) -> usize {
    match element.get(1) {
        Some(byte) if byte & 0x80 != 0 => 2 + usize::from(byte & 0x7f),
        _ => 2,
    }
}

/// A strict DER reader of single-octet tags with definite, minimal lengths.
struct Reader<'a> {
    bytes: &'a [u8],
}

#[derive(Debug)]
struct Malformed;

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn is_finished(&self) -> bool {
        self.bytes.is_empty()
    }

    fn finish(&self) -> Result<(), Malformed> {
        if self.bytes.is_empty() { Ok(()) } else { Err(Malformed) }
    }

    /// The next element's tag, content and whole encoding, without consuming it.
    fn peek(&self) -> Result<(u8, &'a [u8], &'a [u8]), Malformed> {
        let bytes = self.bytes;
        let tag = *bytes.first().ok_or(Malformed)?;
        if tag & 0x1f == 0x1f {
            return Err(Malformed); // multi-octet tags appear nowhere in OCSP
        }
        let first = *bytes.get(1).ok_or(Malformed)?;
        let (length, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(Malformed); // indefinite or absurd lengths
            }
            let octets = bytes.get(2..2 + count).ok_or(Malformed)?;
            if octets[0] == 0 {
                return Err(Malformed);
            }
            let length = octets.iter().fold(0usize, |length, octet| (length << 8) | usize::from(*octet));
            if length < 0x80 {
                return Err(Malformed); // not minimal
            }
            (length, 2 + count)
        };
        let end = header.checked_add(length).ok_or(Malformed)?;
        let whole = bytes.get(..end).ok_or(Malformed)?;
        Ok((tag, &whole[header..], whole))
    }

    /// The next element's content, which must have `tag`.
    fn expect(&mut self, tag: u8) -> Result<&'a [u8], Malformed> {
        let (found, content, whole) = self.peek()?;
        if found != tag {
            return Err(Malformed);
        }
        self.bytes = &self.bytes[whole.len()..];
        Ok(content)
    }

    /// The next element, whole (tag and length included), which must have `tag`.
    fn element(&mut self, tag: u8) -> Result<&'a [u8], Malformed> {
        let (found, _, whole) = self.peek()?;
        if found != tag {
            return Err(Malformed);
        }
        self.bytes = &self.bytes[whole.len()..];
        Ok(whole)
    }

    /// The next element's content if it has `tag`.
    fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, Malformed> {
        if self.bytes.first() == Some(&tag) { self.expect(tag).map(Some) } else { Ok(None) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl ocsp -issuer issuing.pem -serial 0x4001 -reqout` shaped request, with a 16-octet nonce.
    fn request(name_hash: &[u8], key_hash: &[u8], serial: &[u8], nonce: Option<&[u8]>) -> Vec<u8> {
        let algorithm = tlv(SEQUENCE, &[tlv(OBJECT_IDENTIFIER, SHA1_OID), tlv(NULL, &[])].concat());
        let cert_id = tlv(
            SEQUENCE,
            &[algorithm, tlv(OCTET_STRING, name_hash), tlv(OCTET_STRING, key_hash), tlv(INTEGER, serial)].concat(),
        );
        let list = tlv(SEQUENCE, &tlv(SEQUENCE, &cert_id));
        let mut tbs = list;
        if let Some(nonce) = nonce {
            let extension = tlv(
                SEQUENCE,
                &[tlv(OBJECT_IDENTIFIER, NONCE_OID), tlv(OCTET_STRING, &tlv(OCTET_STRING, nonce))].concat(),
            );
            tbs.extend(tlv(0xa2, &tlv(SEQUENCE, &extension)));
        }
        tlv(SEQUENCE, &tlv(SEQUENCE, &tbs))
    }

    fn responder() -> Responder {
        Responder { name_der: b"name".to_vec(), key_bits: b"key".to_vec() }
    }

    #[test]
    fn a_request_is_read_and_matched_to_its_issuer() {
        let der = request(&Sha1::digest(b"name"), &Sha1::digest(b"key"), &[0x00, 0x40, 0x01], Some(&[7; 16]));
        let request = parse_request(&der).unwrap();
        assert_eq!(request.certificates.len(), 1);
        assert_eq!(request.certificates[0].serial_hex(), "4001");
        assert!(request.has_nonce());
        assert!(responder().issued(&request.certificates[0]));
        let other = parse_request(&request_for_other_issuer()).unwrap();
        assert!(!responder().issued(&other.certificates[0]));
    }

    #[test]
    fn the_cacheable_questions_about_a_serial_are_the_ones_clients_send() {
        // (serial as the request encodes it, whether it is one of `cert_ids`' forms)
        let cases: &[(&[u8], bool)] = &[(&[0x40, 0x01], true), (&[0x00, 0x40, 0x01], false), (&[0x00, 0x80], true)];
        for (serial, canonical) in cases {
            let der = request(&Sha1::digest(b"name"), &Sha1::digest(b"key"), serial, Some(&[7; 16]));
            let asked = &parse_request(&der).unwrap().certificates[0];
            let forms = responder().cert_ids(&asked.serial_hex()).unwrap();
            assert_eq!(forms.contains(&asked.der().to_vec()), *canonical, "{serial:02x?}");
            assert_eq!(forms.len(), 4);
            for form in &forms {
                let parsed = parse_cert_id(form).unwrap();
                assert!(responder().issued(&parsed), "{form:02x?}");
                assert_eq!(parsed.serial_hex(), asked.serial_hex());
            }
        }
        assert_eq!(responder().cert_ids("not hex"), None);
        let with_nonce =
            parse_request(&request(&Sha1::digest(b"name"), &Sha1::digest(b"key"), &[0x40], Some(&[7; 16]))).unwrap();
        let without = with_nonce.without_nonce();
        assert!(!without.has_nonce());
        assert_eq!(without.certificates, with_nonce.certificates);
        let data = response_data(&responder(), &without, &[CertStatus::Good], 1_800_000_100).unwrap();
        assert!(!contains(&data, &[7; 16]), "the nonce is not echoed");
    }

    fn request_for_other_issuer() -> Vec<u8> {
        request(&Sha1::digest(b"other"), &Sha1::digest(b"key"), &[0x40], None)
    }

    #[test]
    fn malformed_requests_are_refused() {
        let good = request(&[1; 20], &[2; 20], &[0x40], None);
        assert!(parse_request(&good).is_ok());
        for bad in [
            vec![],
            b"garbage".to_vec(),
            good[..good.len() - 1].to_vec(),
            [good.clone(), vec![0]].concat(),
            request(&[1; 20], &[2; 20], &[0x40], Some(&[0; 33])),
            request(&[1; 20], &[2; 20], &[0x40], Some(&[])),
            tlv(SEQUENCE, &tlv(SEQUENCE, &tlv(SEQUENCE, &[]))),
        ] {
            assert_eq!(parse_request(&bad), Err(ResponseStatus::MalformedRequest), "{bad:02x?}");
        }
    }

    #[test]
    fn response_data_states_each_status_and_echoes_the_nonce() {
        let der = request(&Sha1::digest(b"name"), &Sha1::digest(b"key"), &[0x40, 0x01], Some(&[7; 16]));
        let request = parse_request(&der).unwrap();
        let revoked = CertStatus::Revoked { at: 1_800_000_000, reason: RevocationReason::KeyCompromise };
        let data = response_data(&responder(), &request, &[revoked], 1_800_000_100).unwrap();
        // CertID repeated byte for byte, revoked [1] with the time and reason keyCompromise (1).
        assert!(contains(&data, &request.certificates[0].raw));
        assert!(contains(&data, b"20270115080000Z"));
        assert!(contains(&data, &[0xa0, 0x03, ENUMERATED, 0x01, 0x01]));
        assert!(contains(&data, &[7; 16]));
        let unspecified = CertStatus::Revoked { at: 1_800_000_000, reason: RevocationReason::Unspecified };
        let data = response_data(&responder(), &request, &[unspecified], 1_800_000_100).unwrap();
        assert!(!contains(&data, &[0xa0, 0x03, ENUMERATED]));
        assert!(response_data(&responder(), &request, &[], 0).is_err());
    }

    #[test]
    fn error_responses_are_the_status_alone() {
        assert_eq!(error_response(ResponseStatus::MalformedRequest), [0x30, 0x03, 0x0a, 0x01, 0x01]);
        assert_eq!(error_response(ResponseStatus::Unauthorized), [0x30, 0x03, 0x0a, 0x01, 0x06]);
    }

    #[test]
    fn long_lengths_are_encoded_minimally() {
        assert_eq!(&tlv(0x04, &[0; 200])[..3], &[0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0; 300])[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let element = tlv(0x04, &[9; 300]);
        assert_eq!(Reader::new(&element).peek().unwrap().1.len(), 300);
        assert!(Reader::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).peek().is_err(), "non-minimal length");
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|window| window == needle)
    }
}
