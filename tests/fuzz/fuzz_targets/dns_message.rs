//! Fuzz target: a DNS-over-HTTPS answer (`shared::dns::decode_txt_response` and `decode_caa_response`), the
//! bytes a resolver sends back for domain validation's TXT record and for CAA before issuance.
//!
//! Input: one octet `n`, then `n` octets of the name asked about, then the message (whose first two octets are
//! taken as the id asked with, so the decoders read past the id check). Properties: never a panic, never a
//! hang (compression pointers, CNAME chains); a query `encode_query` writes for a name, turned into a
//! response by setting its QR bit, decodes as "the name exists and holds no such record" for both types. The
//! CAA records found go on to what reads them next: `caa::authorize` for both properties (the issuer domain
//! name and parameters grammar), and their zone-file form for the audit record.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::caa::{CaaAnswer, CaaCheck, Property, RelevantSet, authorize, issuer_domain_name};
use shared::dns::{RecordType, decode_caa_response, decode_txt_response, encode_query};

/// Keyward's issuer domain names, as `KEYWARD_CAA_IDENTITIES` would give them.
const IDENTITIES: &[&str] = &["keyward.example", "ca.keyward.example"];

fuzz_target!(|data: &[u8]| {
    let Some((&length, rest)) = data.split_first() else {
        return;
    };
    let Some((name, message)) = rest.split_at_checked(usize::from(length)) else {
        return;
    };
    let name = String::from_utf8_lossy(name);
    let id = message.get(..2).map_or(0, |id| u16::from_be_bytes([id[0], id[1]]));

    if let Ok(records) = decode_txt_response(message, id, &name) {
        assert!(records.iter().map(Vec::len).sum::<usize>() <= message.len(), "TXT data comes from the message");
    }
    if let Ok(Some(records)) = decode_caa_response(message, id, &name) {
        assert!(records.len() <= message.len(), "each CAA record comes from the message");
        let identities: Vec<String> = IDENTITIES.iter().map(|identity| (*identity).to_owned()).collect();
        for record in &records {
            let _ = issuer_domain_name(&record.value);
            let _ = record.to_string();
        }
        if !records.is_empty() {
            for property in [Property::Issue, Property::IssueMail] {
                let answer = CaaAnswer {
                    check: CaaCheck { property, domain: name.to_string() },
                    found: Ok(Some(RelevantSet { owner: name.to_string(), records: records.clone() })),
                };
                let _ = authorize(&answer, &identities);
            }
        }
    }

    for record_type in [RecordType::Txt, RecordType::Caa] {
        let Ok(mut query) = encode_query(id, &name, record_type) else {
            continue;
        };
        assert_eq!(&query[..2], &id.to_be_bytes());
        query[2] |= 0x80;
        match record_type {
            RecordType::Txt => assert_eq!(decode_txt_response(&query, id, &name), Ok(Vec::new())),
            RecordType::Caa => assert_eq!(decode_caa_response(&query, id, &name), Ok(Some(Vec::new()))),
        }
    }
});
