//! Fuzz target: an OCSP request (`shared::ocsp::parse_request`), as the repository receives it: the DER body of
//! a POST, or the base64 of a GET's path (`base64_decode_lenient`, RFC 6960 A.1).
//!
//! Properties: never a panic; a request that parses names 1 to 16 certificates with serials of at most 21
//! octets (lowercase hex), and the response written for it (every status, the nonce echoed) is one
//! well-formed DER element; the error response for one that does not is too.

#![no_main]

use der::{Any, Decode};
use libfuzzer_sys::fuzz_target;
use shared::encoding::{base64_decode_lenient, pem_decode};
use shared::ocsp::{
    CertStatus, MAX_CERTIFICATES_PER_REQUEST, Responder, ResponseStatus, error_response, parse_request, response_data,
    successful_response,
};
use shared::revocation::RevocationReason;

/// A certificate to answer as (any will do: the responder only hashes its name and key).
const CERTIFICATE: &str = include_str!("../../../shared/tests/fixtures/csr/certificate.pem");
/// 2026-12-02T00:00:00Z.
const NOW: i64 = 1_796_169_600;

fn answer(der: &[u8]) {
    let Ok(request) = parse_request(der) else {
        let response = error_response(ResponseStatus::MalformedRequest);
        assert!(Any::from_der(&response).is_ok());
        return;
    };
    assert!((1..=MAX_CERTIFICATES_PER_REQUEST).contains(&request.certificates.len()));
    let certificate = pem_decode("CERTIFICATE", CERTIFICATE).expect("the fixture is a PEM certificate");
    let responder = Responder::from_certificate(&certificate).expect("the fixture is a certificate");
    let statuses: Vec<CertStatus> = request
        .certificates
        .iter()
        .enumerate()
        .map(|(index, certificate)| {
            let serial = certificate.serial_hex();
            assert!(serial.len() <= 42 && serial.bytes().all(|byte| byte.is_ascii_hexdigit()), "{serial}");
            let _ = responder.issued(certificate);
            match index % 3 {
                0 => CertStatus::Good,
                1 => CertStatus::Revoked { at: NOW - 60, reason: RevocationReason::KeyCompromise },
                _ => CertStatus::Unknown,
            }
        })
        .collect();
    let data = response_data(&responder, &request, &statuses, NOW).expect("a parsed request can be answered");
    assert!(Any::from_der(&data).is_ok(), "the response data is one DER element");
    let response = successful_response(&data, &[0x30, 0x00], &[0xab; 64]);
    assert!(Any::from_der(&response).is_ok(), "the response is one DER element");
}

fuzz_target!(|data: &[u8]| {
    answer(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(decoded) = base64_decode_lenient(text)
    {
        answer(&decoded);
    }
});
