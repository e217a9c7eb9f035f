//! Fuzz target: a PKCS#10 request as DER bytes (`ParsedCsr::from_der`: strict DER decode, key and algorithm
//! checks, self-signature verified over the bytes as received).
//!
//! Properties: never a panic; a request that parses keeps the input byte for byte, names a key inside it, and
//! parses again, equal, from the PEM that wraps it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::csr::ParsedCsr;
use shared::encoding::pem_encode;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = ParsedCsr::from_der(data) else {
        return;
    };
    assert_eq!(request.der(), data, "the request is kept exactly as received");
    let key = request.subject_public_key_info_der();
    assert!(data.windows(key.len()).any(|window| window == key), "the key's bytes are the request's own");
    let pem = pem_encode("CERTIFICATE REQUEST", data);
    assert_eq!(ParsedCsr::from_pem(&pem).as_ref(), Ok(&request));
});
