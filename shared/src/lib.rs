//! Keyward's pure core, shared by the Worker (`edge`) and the web app (`frontend`).
//!
//! Architecture invariant: nothing in this crate does I/O, reads a clock or draws random numbers. Time and
//! random values are arguments; the callers (the edge's adapters, the browser's WebCrypto) supply them.

pub mod account;
pub mod address;
pub mod api;
pub mod audit;
pub mod caa;
pub mod contract;
pub mod csr;
pub mod csr_explain;
pub mod device_request;
pub mod device_request_history;
pub mod dns;
pub mod download;
pub mod encoding;
pub mod expiry;
pub mod installation;
pub mod inventory;
pub mod issuance;
pub mod key_reuse;
pub mod lang;
pub mod link;
pub mod lint;
pub mod mail;
pub mod ocsp;
pub mod order;
pub mod outbox;
pub mod password;
pub mod pipeline;
pub mod pkcs12;
pub mod profile;
#[cfg(any(test, feature = "public-suffix"))]
pub mod public_suffix;
pub mod reissue;
pub mod renewal;
pub mod revocation;
pub mod signup;
pub mod subject_name;
pub mod text;
pub mod validation;
pub mod vetting;
pub mod weak_key;
#[cfg(any(test, feature = "webauthn"))]
pub mod webauthn;
