//! Fuzz target: the order form's JSON body (`POST /api/v1/orders`): serde into `shared::api::order::OrderRequest`
//! as the Worker reads it, then `order::check_order_request` against an account with a validated organization,
//! a validated domain and mailbox, and a balance (the rules run every field, CSRs included, and report every
//! problem).
//!
//! Properties: never a panic; a request that deserializes serializes back to JSON that deserializes equal; a
//! checked order keeps every recipient and costs the profile's price for its validity per recipient; a refused
//! one names at least one problem, each with a field path, a code and a sentence.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::address::{Domain, EmailAddress};
use shared::api::order::OrderRequest;
use shared::contract::Contract;
use shared::order::{
    OrderContext, OrganizationFacts, ValidatedDomain, ValidatedMailbox, check_order_request, price_cents,
};

/// 2026-12-02T00:00:00Z.
const NOW: i64 = 1_796_169_600;
const DAY: i64 = 86_400;

fn context() -> OrderContext {
    OrderContext {
        organization: OrganizationFacts {
            id: "org_1".into(),
            name: "Example Org".into(),
            identifier: "NTRGB-12345678".into(),
            country: "GB".into(),
            locality: Some("London".into()),
            state_or_province: None,
            validated_until: Some(NOW + 100 * DAY),
        },
        validated_domains: vec![
            ValidatedDomain { domain: Domain::parse("example.com").expect("a domain"), reusable_until: NOW + 10 * DAY },
            ValidatedDomain { domain: Domain::parse("expired.example.org").expect("a domain"), reusable_until: NOW },
        ],
        validated_mailboxes: vec![ValidatedMailbox {
            email: EmailAddress::parse("ada@gmail.com").expect("an address"),
            reusable_until: NOW + DAY,
        }],
        balance_cents: 100_000,
        // One active contract with room left and one ended: the contract payment's paths.
        contracts: vec![
            Contract {
                reference: "PO-1".into(),
                credit_limit_cents: 50_000,
                starts_at: NOW - DAY,
                ends_at: NOW + 100 * DAY,
                ended_at: None,
                used_cents: 10_000,
            },
            Contract {
                reference: "PO-OLD".into(),
                credit_limit_cents: 50_000,
                starts_at: NOW - 100 * DAY,
                ends_at: NOW + 100 * DAY,
                ended_at: Some(NOW - DAY),
                used_cents: 0,
            },
        ],
        // A new order: lapsed validations refuse it (a renewal's wait instead).
        renewal: false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<OrderRequest>(data) else {
        return;
    };
    let json = serde_json::to_vec(&request).expect("a request serializes");
    assert_eq!(serde_json::from_slice::<OrderRequest>(&json).ok().as_ref(), Some(&request), "JSON round trip");

    match check_order_request(&request, &context(), NOW) {
        Ok(checked) => {
            assert_eq!(checked.recipients.len(), request.recipients.len());
            assert_eq!(checked.profile, request.profile);
            let count = i64::try_from(checked.recipients.len()).expect("at most 50 recipients");
            assert_eq!(checked.price_cents, price_cents(checked.profile, checked.validity_days) * count);
            for (checked, asked) in checked.recipients.iter().zip(&request.recipients) {
                assert_eq!(EmailAddress::parse(&asked.email).as_ref(), Ok(&checked.email));
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refusal names a problem");
            for error in errors {
                assert!(!error.field.is_empty() && !error.code.is_empty(), "{error:?}");
                assert!(error.message.ends_with('.') && error.message.len() > 15, "{error:?}");
            }
        }
    }
});
