//! Fuzz target: an email address and a domain as typed on a form (`EmailAddress::parse`, `Domain::parse`), and
//! what reads a parsed domain next: the public mail providers, the Public Suffix List
//! (`public_suffix::is_public_suffix`) and `api::domain::check_controllable`.
//!
//! Properties: never a panic; parsing is idempotent (a parsed value re-parses to itself, from its text and
//! through JSON); an address is its local part, `@` and its domain, and its domain parses and contains it; a
//! domain contains itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::address::{Domain, EmailAddress, is_public_mail_provider};
use shared::api::domain::check_controllable;
use shared::public_suffix::is_public_suffix;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Ok(address) = EmailAddress::parse(&text) {
        assert_eq!(EmailAddress::parse(address.as_str()).as_ref(), Ok(&address), "parsing is idempotent");
        assert_eq!(address.as_str(), format!("{}@{}", address.local_part(), address.domain()));
        assert!(address.same_mailbox(&address));
        let json = serde_json::to_string(&address).expect("an address serializes");
        assert_eq!(serde_json::from_str::<EmailAddress>(&json).ok().as_ref(), Some(&address));
        let domain = Domain::parse(address.domain()).expect("an address's domain is a domain");
        assert!(domain.contains(&address));
        let _ = is_public_mail_provider(address.domain());
    }

    if let Ok(domain) = Domain::parse(&text) {
        assert_eq!(Domain::parse(domain.as_str()).as_ref(), Ok(&domain), "parsing is idempotent");
        assert_eq!(domain.as_str(), domain.as_str().to_ascii_lowercase());
        assert!(domain.contains_name(domain.as_str()));
        let json = serde_json::to_string(&domain).expect("a domain serializes");
        assert_eq!(serde_json::from_str::<Domain>(&json).ok().as_ref(), Some(&domain));
        let suffix = is_public_suffix(domain.as_str());
        if suffix && !is_public_mail_provider(domain.as_str()) {
            assert!(check_controllable(&domain).is_err(), "a public suffix is not a domain one controls");
        }
    }
    let _ = is_public_suffix(&text);
});
