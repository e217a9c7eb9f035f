//! Fuzz target: a PKCS#10 request pasted as PEM text (`ParsedCsr::from_pem`, and `requested_key`, the web app's
//! pre-check of the same text), as the order form, the enrollment page and the API receive it.
//!
//! Properties: never a panic; a request that parses re-parses, equal, from its DER written back as PEM (one
//! block, 64-column lines); the pre-check finds the same key whenever the full parse succeeds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::csr::{ParsedCsr, requested_key};
use shared::encoding::pem_encode;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pre_check = requested_key(&text);
    let Ok(request) = ParsedCsr::from_pem(&text) else {
        return;
    };
    let pem = pem_encode("CERTIFICATE REQUEST", request.der());
    assert_eq!(ParsedCsr::from_pem(&pem).as_ref(), Ok(&request));
    assert_eq!(pre_check.as_ref(), Ok(request.public_key()), "the pre-check reads the key the full parse verified");
});
