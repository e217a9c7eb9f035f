//! The order form's rules, data-driven through [`check`].

use super::*;

/// 2026-12-02T00:00:00Z.
const NOW: i64 = 1_796_169_600;
const DAY: i64 = DAY_SECONDS;

const RSA_2048: &str = include_str!("../../tests/fixtures/csr/rsa2048-sha256.csr.pem");
const RSA_2048_NEW_LABEL: &str = include_str!("../../tests/fixtures/csr/rsa2048-sha256-new-label-crlf.csr.pem");
const RSA_2048_FLIPPED: &str = include_str!("../../tests/fixtures/csr/rsa2048-sha256-signature-flipped.csr.pem");
const RSA_1024: &str = include_str!("../../tests/fixtures/csr/rsa1024-sha256.csr.pem");
const EC_P256: &str = include_str!("../../tests/fixtures/csr/ec-p256-sha256.csr.pem");
const ED25519: &str = include_str!("../../tests/fixtures/csr/ed25519.csr.pem");
const CERTIFICATE: &str = include_str!("../../tests/fixtures/csr/certificate.pem");

fn recipient(email: &str) -> RecipientRequest {
    RecipientRequest {
        given_name: Some("Ada".into()),
        surname: Some("Lovelace".into()),
        email: email.into(),
        ..RecipientRequest::default()
    }
}

/// A valid sponsor-validated order for ada@example.com, one year, paid from the balance.
fn request() -> OrderRequest {
    OrderRequest {
        profile: ProfileId::SmimeSponsorMultipurpose,
        organization_id: "org_1".into(),
        signature_hash: SignatureHash::Sha256,
        validity: ValidityRequest::Years { years: 1 },
        auto_renewals: 0,
        recipients: vec![recipient("ada@example.com")],
        notification_emails: Vec::new(),
        payment: PaymentRequest::Balance,
        subscriber_agreement: SUBSCRIBER_AGREEMENT_VERSION.into(),
        idempotency_key: "order-0123456789abcdef".into(),
    }
}

fn domain(name: &str, reusable_until: i64) -> ValidatedDomain {
    ValidatedDomain { domain: Domain::parse(name).expect(name), reusable_until }
}

/// Example Org (London), validated for 100 more days, with example.com validated and a balance of 1,000.00.
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
        validated_domains: vec![domain("example.com", NOW + 10 * DAY), domain("expired.example.org", NOW)],
        validated_mailboxes: Vec::new(),
        balance_cents: 100_000,
        contracts: Vec::new(),
        renewal: false,
    }
}

/// Checks `request` in `context` at NOW: `Ok` with the checked order, or every (field, code) in order. Every
/// error has a sentence.
fn check(
    request: &OrderRequest,
    context: &OrderContext,
    expected: Result<(), &[(&str, &str)]>,
) -> Option<CheckedOrder> {
    let actual = check_order_request(request, context, NOW);
    match (&actual, expected) {
        (Ok(_), Ok(())) => {}
        (Err(errors), Err(expected)) => {
            let found: Vec<(&str, &str)> = errors.iter().map(|error| (error.field.as_str(), error.code)).collect();
            assert_eq!(found, expected, "{request:#?}");
            for error in errors {
                assert!(error.message.ends_with('.') && error.message.len() > 15, "{error:?}");
            }
        }
        (actual, expected) => panic!("expected {expected:?}, got {actual:#?}"),
    }
    actual.ok()
}

#[test]
fn a_valid_order() {
    let checked = check(&request(), &context(), Ok(())).expect("valid");
    assert_eq!(checked.validity_days, 365);
    assert_eq!(checked.price_cents, 3_000);
    assert_eq!(checked.payment, CheckedPayment::Balance);
    assert_eq!(checked.subscriber_agreement, SUBSCRIBER_AGREEMENT_VERSION);
    let ada = &checked.recipients[0];
    assert_eq!(ada.common_name, "Ada Lovelace");
    assert_eq!(ada.email.as_str(), "ada@example.com");
    assert!(!ada.needs_mailbox_validation);
    assert!(ada.csr.is_none());
    assert_eq!(ada.facts.organization_name, "Example Org");
    assert_eq!(ada.facts.validity_days, 365);
    assert_eq!(ada.facts.subject_name(ProfileId::SmimeSponsorMultipurpose.profile()), "Ada Lovelace");
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut bad = request();
    bad.signature_hash = SignatureHash::Sha512;
    bad.validity = ValidityRequest::Days { days: 0 };
    bad.auto_renewals = 6;
    bad.recipients = vec![
        RecipientRequest { email: "ada@@example.com".into(), ..recipient("") },
        RecipientRequest { surname: None, ..recipient("grace@example.com") },
        RecipientRequest { name: Some("n".repeat(201)), ..recipient("eve@elsewhere.org") },
    ];
    bad.notification_emails = vec!["boss@example.com".into(), "nope".into(), "Boss@Example.com".into()];
    bad.payment = PaymentRequest::Contract { reference: "  ".into() };
    bad.subscriber_agreement = String::new();
    bad.idempotency_key = "short".into();
    let mut unvalidated = context();
    unvalidated.organization.validated_until = None;
    check(
        &bad,
        &unvalidated,
        Err(&[
            ("signature_hash", "signature_hash_not_offered"),
            ("organization_id", "organization_not_validated"),
            ("validity.days", "validity_days_zero"),
            ("auto_renewals", "auto_renewals_too_many"),
            ("recipients[0].email", "email_several_at"),
            ("recipients[1].surname", "surname_missing"),
            ("recipients[2].name", "name_too_long"),
            ("recipients[2].email", "email_domain_not_validated"),
            ("notification_emails[1]", "email_no_at"),
            ("notification_emails[2]", "notification_email_repeated"),
            ("payment.reference", "contract_reference_blank"),
            ("subscriber_agreement", "subscriber_agreement_not_accepted"),
            ("idempotency_key", "idempotency_key_invalid"),
        ]),
    );
}

#[test]
fn signature_hashes_follow_the_policy() {
    for (hash, expected) in [
        (SignatureHash::Sha256, Ok(())),
        (SignatureHash::Sha384, Err(&[("signature_hash", "signature_hash_not_offered")][..])),
        (SignatureHash::Sha512, Err(&[("signature_hash", "signature_hash_not_offered")][..])),
    ] {
        check(&OrderRequest { signature_hash: hash, ..request() }, &context(), expected);
    }
    let error = OrderFormError::SignatureHashNotOffered { hash: SignatureHash::Sha384 };
    assert_eq!(error.to_string(), "The CA does not sign with SHA384: choose SHA256.");
}

#[test]
fn the_organization_must_be_this_one_and_validated() {
    let other = OrderRequest { organization_id: "org_2".into(), ..request() };
    check(&other, &context(), Err(&[("organization_id", "organization_unknown")]));
    let mut lapsed = context();
    lapsed.organization.validated_until = Some(NOW);
    check(&request(), &lapsed, Err(&[("organization_id", "organization_validation_expired")]));
    lapsed.organization.validated_until = Some(NOW + 1);
    check(&request(), &lapsed, Ok(()));
}

#[test]
fn a_server_order_needs_the_organization_place() {
    let server = |names: &[&str]| OrderRequest {
        profile: ProfileId::ServerAuth,
        recipients: vec![RecipientRequest {
            email: "ops@example.com".into(),
            dns_names: names.iter().map(|name| (*name).to_owned()).collect(),
            ..RecipientRequest::default()
        }],
        validity: ValidityRequest::Days { days: 90 },
        ..request()
    };
    let placed = |locality: Option<&str>, state: Option<&str>| {
        let mut context = context();
        context.organization.locality = locality.map(str::to_owned);
        context.organization.state_or_province = state.map(str::to_owned);
        context
    };
    let missing: &[(&str, &str)] = &[("organization_id", "organization_place_missing")];
    for (locality, state, profile, expected) in [
        (Some("London"), None, ProfileId::ServerAuth, Ok(())),
        (None, Some("Ontario"), ProfileId::ServerAuth, Ok(())),
        (Some("Toronto"), Some("Ontario"), ProfileId::ServerAuth, Ok(())),
        (None, None, ProfileId::ServerAuth, Err(missing)),
        // The workstation and S/MIME profiles state no place.
        (None, None, ProfileId::ClientAuthWorkstation, Ok(())),
        (None, None, ProfileId::SmimeSponsorMultipurpose, Ok(())),
    ] {
        let request = match profile {
            ProfileId::SmimeSponsorMultipurpose => request(),
            profile => OrderRequest { profile, ..server(&["www.example.com"]) },
        };
        let checked = check(&request, &placed(locality, state), expected);
        if let Some(checked) = checked {
            let facts = &checked.recipients[0].facts;
            assert_eq!(
                (facts.organization_locality.as_deref(), facts.organization_state_or_province.as_deref()),
                (locality, state)
            );
        }
    }
    // Said once for the order, not once per recipient, and beside the other problems.
    let mut two = server(&["a.example.com"]);
    two.recipients.push(RecipientRequest { dns_names: vec!["b.other.org".into()], ..two.recipients[0].clone() });
    check(
        &two,
        &placed(None, None),
        Err(&[
            ("organization_id", "organization_place_missing"),
            ("recipients[1].dns_names[0]", "dns_name_domain_not_validated"),
        ]),
    );
    let refusal = check_order_request(&server(&["www.example.com"]), &placed(None, None), NOW).unwrap_err();
    assert!(
        refusal[0].message.contains("address.city") && refusal[0].message.contains("address.region"),
        "{refusal:?}"
    );
}

/// The validity in days, or the (field, code) refused, for `validity` under `profile`.
fn days(profile: ProfileId, validity: ValidityRequest) -> Result<u32, (String, &'static str)> {
    let request = OrderRequest {
        profile,
        validity,
        recipients: vec![RecipientRequest {
            dns_names: vec!["www.example.com".into()],
            ..recipient("ada@example.com")
        }],
        ..request()
    };
    let request = match profile.profile().alternative_names {
        AlternativeNames::Mailbox => OrderRequest { recipients: vec![recipient("ada@example.com")], ..request },
        AlternativeNames::DnsNames => request,
    };
    check_order_request(&request, &context(), NOW).map(|checked| checked.validity_days).map_err(|errors| {
        assert_eq!(errors.len(), 1, "{errors:?}");
        (errors[0].field.clone(), errors[0].code)
    })
}

#[test]
fn validity_resolves_to_days_under_the_cap() {
    let sponsor = ProfileId::SmimeSponsorStrict;
    let server = ProfileId::ServerAuth;
    let refused = |field: &str, code: &'static str| Err((field.to_owned(), code));
    for (profile, validity, expected) in [
        (sponsor, ValidityRequest::Years { years: 1 }, Ok(365)),
        (sponsor, ValidityRequest::Years { years: 2 }, Ok(730)),
        (sponsor, ValidityRequest::Years { years: 3 }, refused("validity.years", "validity_over_cap")),
        (sponsor, ValidityRequest::Years { years: 0 }, refused("validity.years", "validity_years_invalid")),
        (sponsor, ValidityRequest::Years { years: 4 }, refused("validity.years", "validity_years_invalid")),
        (sponsor, ValidityRequest::Days { days: 825 }, Ok(825)),
        (sponsor, ValidityRequest::Days { days: 826 }, refused("validity.days", "validity_over_cap")),
        (sponsor, ValidityRequest::Days { days: 0 }, refused("validity.days", "validity_days_zero")),
        (sponsor, ValidityRequest::EndDate { date: "2026-12-03".into() }, Ok(1)),
        (sponsor, ValidityRequest::EndDate { date: " 2027-12-02 ".into() }, Ok(365)),
        (
            sponsor,
            ValidityRequest::EndDate { date: "2026-12-02".into() },
            refused("validity.date", "validity_date_not_future"),
        ),
        (
            sponsor,
            ValidityRequest::EndDate { date: "2025-01-01".into() },
            refused("validity.date", "validity_date_not_future"),
        ),
        (
            sponsor,
            ValidityRequest::EndDate { date: "2027-02-29".into() },
            refused("validity.date", "validity_date_malformed"),
        ),
        (
            sponsor,
            ValidityRequest::EndDate { date: "02/03/2027".into() },
            refused("validity.date", "validity_date_malformed"),
        ),
        (
            sponsor,
            ValidityRequest::EndDate { date: "2030-01-01".into() },
            refused("validity.date", "validity_over_cap"),
        ),
        // TLS BR 6.3.2 in December 2026: 199 days (one under 200).
        (server, ValidityRequest::Days { days: 199 }, Ok(199)),
        (server, ValidityRequest::Days { days: 200 }, refused("validity.days", "validity_over_cap")),
        (server, ValidityRequest::Years { years: 1 }, refused("validity.years", "validity_over_cap")),
    ] {
        assert_eq!(days(profile, validity.clone()), expected, "{profile:?} {validity:?}");
    }
    let over = OrderFormError::ValidityOverCap { days: 1095, cap: 825, profile: sponsor.profile().name };
    assert!(over.to_string().contains("at most 825 days"), "{over}");
    assert!(over.to_string().contains(sponsor.profile().name), "{over}");
}

#[test]
fn dates() {
    for (text, expected) in [
        ("1970-01-01", Some(0)),
        ("2000-03-01", Some(11_017)),
        ("2026-12-02", Some(NOW / DAY)),
        ("2024-02-29", Some(19_782)),
        ("2023-02-29", None),
        ("2100-02-29", None),
        ("2000-02-29", Some(11_016)),
        ("2026-13-01", None),
        ("2026-00-10", None),
        ("2026-04-31", None),
        ("2026-1-01", None),
        ("1969-12-31", None),
        ("+026-12-02", None),
        ("", None),
    ] {
        assert_eq!(parse_date(text), expected, "{text}");
    }
}

#[test]
fn email_addresses_must_be_orderable() {
    let with = |email: &str| OrderRequest { recipients: vec![recipient(email)], ..request() };
    // Under a validated domain, subdomains included.
    check(&with("ada@mail.example.com"), &context(), Ok(()));
    check(&with("ada@badexample.com"), &context(), Err(&[("recipients[0].email", "email_domain_not_validated")]));
    // A lapsed domain validation does not count.
    check(&with("ada@expired.example.org"), &context(), Err(&[("recipients[0].email", "email_domain_not_validated")]));
    // At a public mail provider: mailbox validation is needed, unless already done.
    let checked = check(&with("ada.lovelace@gmail.com"), &context(), Ok(())).expect("valid");
    assert!(checked.recipients[0].needs_mailbox_validation);
    let mut validated = context();
    validated.validated_mailboxes.push(ValidatedMailbox {
        email: EmailAddress::parse("Ada.Lovelace@gmail.com").expect("valid"),
        reusable_until: NOW + DAY,
    });
    let checked = check(&with("ada.lovelace@gmail.com"), &validated, Ok(())).expect("valid");
    assert!(!checked.recipients[0].needs_mailbox_validation);
    // The error names the domain.
    let errors = check_order_request(&with("ada@other.org"), &context(), NOW).expect_err("not validated");
    assert!(errors[0].message.contains("other.org"), "{}", errors[0].message);
    // Unicode tricks get their own code.
    check(&with("ada@ex\u{0430}mple.com"), &context(), Err(&[("recipients[0].email", "email_not_ascii")]));
}

#[test]
fn the_same_mailbox_twice_is_refused() {
    let twice = OrderRequest {
        recipients: vec![recipient("ada@example.com"), recipient("grace@example.com"), recipient("ADA@Example.com")],
        ..request()
    };
    check(&twice, &context(), Err(&[("recipients[2].email", "recipient_repeated")]));
}

#[test]
fn recipient_counts() {
    check(
        &OrderRequest { recipients: Vec::new(), ..request() },
        &context(),
        Err(&[("recipients", "recipients_empty")]),
    );
    let fifty: Vec<RecipientRequest> =
        (0..MAXIMUM_RECIPIENTS).map(|index| recipient(&format!("user{index}@example.com"))).collect();
    let mut rich = context();
    rich.balance_cents = 50 * 3_000;
    let checked = check(&OrderRequest { recipients: fifty.clone(), ..request() }, &rich, Ok(())).expect("valid");
    assert_eq!(checked.price_cents, 50 * 3_000);
    let mut fifty_one = fifty;
    fifty_one.push(recipient("one.more@example.com"));
    check(
        &OrderRequest { recipients: fifty_one, ..request() },
        &rich,
        Err(&[("recipients", "recipients_too_many"), ("payment", "balance_insufficient")]),
    );
}

#[test]
fn names_against_the_profile() {
    let with =
        |recipient: RecipientRequest, profile| OrderRequest { profile, recipients: vec![recipient], ..request() };
    let sponsor = ProfileId::SmimeSponsorMultipurpose;
    check(
        &with(RecipientRequest { surname: Some(" . ".into()), ..recipient("ada@example.com") }, sponsor),
        &context(),
        Err(&[("recipients[0].surname", "value_blank")]),
    );
    // A blank given name is no given name: a person may have a surname only.
    check(
        &with(RecipientRequest { given_name: Some("  ".into()), ..recipient("ada@example.com") }, sponsor),
        &context(),
        Ok(()),
    );
    // Mailbox-validated certificates state no name: none is needed.
    let anonymous = RecipientRequest { email: "ada@example.com".into(), ..RecipientRequest::default() };
    let checked =
        check(&with(anonymous, ProfileId::SmimeMailboxStrict), &context(), Ok(())).expect("no name is needed");
    assert_eq!(checked.recipients[0].common_name, "ada@example.com");
    // An organization with a country that is not ISO 3166 is reported on the organization.
    let mut bad_country = context();
    bad_country.organization.country = "Great Britain".into();
    check(&request(), &bad_country, Err(&[("organization_id", "country_invalid")]));
    // Once, however many recipients.
    let two =
        OrderRequest { recipients: vec![recipient("ada@example.com"), recipient("grace@example.com")], ..request() };
    check(&two, &bad_country, Err(&[("organization_id", "country_invalid")]));
}

#[test]
fn common_names() {
    for (name, given, surname, email, expected) in [
        (Some("Dr Ada King"), Some("Ada"), Some("Lovelace"), "ada@example.com", "Dr Ada King"),
        (Some("  "), Some("Ada"), Some("Lovelace"), "ada@example.com", "Ada Lovelace"),
        (None, None, Some("Teller"), "teller@example.com", "Teller"),
        (None, None, None, " ada@example.com ", "ada@example.com"),
    ] {
        let recipient = RecipientRequest {
            name: name.map(str::to_owned),
            given_name: given.map(str::to_owned),
            surname: surname.map(str::to_owned),
            email: email.into(),
            ..RecipientRequest::default()
        };
        assert_eq!(recipient_common_name(&recipient), expected);
    }
}

#[test]
fn csrs_are_parsed_verified_and_checked_against_the_profile() {
    let with = |csr: &str, profile: ProfileId| {
        let mut recipient = RecipientRequest { csr: Some(csr.into()), ..recipient("ada@example.com") };
        if profile.profile().alternative_names == AlternativeNames::DnsNames {
            recipient.dns_names = vec!["www.example.com".into()];
        }
        let validity = ValidityRequest::Days { days: 90 };
        OrderRequest { profile, validity, recipients: vec![recipient], ..request() }
    };
    let sponsor = ProfileId::SmimeSponsorMultipurpose;
    let server = ProfileId::ServerAuth;
    for (csr, profile, key) in [
        (RSA_2048, sponsor, CertifiedKey::Rsa { bits: 2048 }),
        (RSA_2048_NEW_LABEL, sponsor, CertifiedKey::Rsa { bits: 2048 }),
        (EC_P256, server, CertifiedKey::EcdsaP256),
        (ED25519, sponsor, CertifiedKey::Ed25519),
    ] {
        let checked = check(&with(csr, profile), &context(), Ok(())).expect("valid");
        let (parsed, certified) = checked.recipients[0].csr.as_ref().expect("a CSR");
        assert_eq!(*certified, key);
        assert!(!parsed.subject_public_key_info_der().is_empty());
    }
    // Both labels carry the same request.
    let plain = check(&with(RSA_2048, sponsor), &context(), Ok(())).expect("valid");
    let new_label = check(&with(RSA_2048_NEW_LABEL, sponsor), &context(), Ok(())).expect("valid");
    assert_eq!(plain.recipients[0].csr, new_label.recipients[0].csr);
    // A blank CSR is no CSR: the recipient gets an enrollment link.
    let blank = check(&with("  \n", sponsor), &context(), Ok(())).expect("valid");
    assert!(blank.recipients[0].csr.is_none());
    for (csr, profile, code) in [
        (RSA_2048_FLIPPED, sponsor, "csr_signature_invalid"),
        (RSA_1024, sponsor, "key_too_small"),
        (ED25519, server, "key_type_not_allowed"),
        (CERTIFICATE, sponsor, "csr_not_pem"),
        ("hello", sponsor, "csr_not_pem"),
    ] {
        check(&with(csr, profile), &context(), Err(&[("recipients[0].csr", code)]));
    }
}

/// What the order form checks as the user types: every rule but the requests, which the packaging worker reads.
#[test]
fn without_csrs_every_rule_but_the_requests() {
    let with = |csr: &str, email: &str| OrderRequest {
        recipients: vec![RecipientRequest { csr: Some(csr.into()), ..recipient(email) }],
        ..request()
    };
    for csr in [RSA_2048_FLIPPED, RSA_1024, CERTIFICATE, "hello", RSA_2048] {
        // The full check refuses the bad requests; without them, the same order passes.
        assert_eq!(check_order_request_without_csrs(&with(csr, "ada@example.com"), &context(), NOW), Ok(()));
        // The other rules still hold, with the same errors as the full check minus the request's.
        let full = check_order_request(&with(csr, "ada@other.org"), &context(), NOW).expect_err("not validated");
        let without =
            check_order_request_without_csrs(&with(csr, "ada@other.org"), &context(), NOW).expect_err("not validated");
        let full: Vec<FieldError> = full.into_iter().filter(|error| error.field != "recipients[0].csr").collect();
        assert_eq!(without, full, "{csr}");
        assert!(!without.is_empty());
    }
    assert!(check_order_request(&with(RSA_1024, "ada@example.com"), &context(), NOW).is_err());
}

#[test]
fn device_orders_name_hosts_under_validated_domains() {
    let device = |email: &str, names: &[&str]| RecipientRequest {
        email: email.into(),
        dns_names: names.iter().map(|name| (*name).to_owned()).collect(),
        ..RecipientRequest::default()
    };
    let order = |recipients| OrderRequest { profile: ProfileId::ClientAuthWorkstation, recipients, ..request() };
    // The requester's address is only where the link goes: it need not be under a validated domain.
    let checked = check(&order(vec![device("it@elsewhere.org", &[" WS-1.Corp.Example.com "])]), &context(), Ok(()))
        .expect("valid");
    assert_eq!(checked.recipients[0].facts.dns_names, ["ws-1.corp.example.com"]);
    assert!(!checked.recipients[0].needs_mailbox_validation);
    check(
        &order(vec![device("it@example.com", &["ws-1.example.com", "ws-1.other.org"])]),
        &context(),
        Err(&[("recipients[0].dns_names[1]", "dns_name_domain_not_validated")]),
    );
    check(
        &order(vec![device("it@example.com", &["ws-1.example.com"]), device("it@example.com", &["ws-1.example.com"])]),
        &context(),
        Err(&[("recipients[1].dns_names[0]", "dns_name_in_two_recipients")]),
    );
    // Syntax is issuance's check, reported once on the list.
    check(
        &order(vec![device("it@example.com", &["ws_1.example.com"])]),
        &context(),
        Err(&[("recipients[0].dns_names", "dns_name_invalid")]),
    );
    check(
        &order(vec![device("it@example.com", &[])]),
        &context(),
        Err(&[("recipients[0].dns_names", "dns_name_missing")]),
    );
    // A public suffix is certified for no one, even where a validation of it was stored (before the domain
    // form refused it): co.uk and github.io validated, their own names refused, names under them accepted.
    let mut suffixes_validated = context();
    suffixes_validated.validated_domains.extend([domain("co.uk", NOW + DAY), domain("github.io", NOW + DAY)]);
    for suffix in ["co.uk", "github.io"] {
        check(
            &order(vec![device("it@example.com", &["ws-1.example.com", suffix])]),
            &suffixes_validated,
            Err(&[("recipients[0].dns_names", "dns_name_public_suffix")]),
        );
    }
    check(&order(vec![device("it@example.com", &["example.co.uk", "ada.github.io"])]), &suffixes_validated, Ok(()));
    // S/MIME states no host.
    let smime = OrderRequest {
        recipients: vec![RecipientRequest { dns_names: vec!["ws.example.com".into()], ..recipient("ada@example.com") }],
        ..request()
    };
    check(&smime, &context(), Err(&[("recipients[0].dns_names", "dns_names_not_allowed")]));
}

#[test]
fn prices_and_payment() {
    for (profile, days, cents) in [
        (ProfileId::SmimeMailboxStrict, 1, 1_500),
        (ProfileId::SmimeMailboxStrict, 365, 1_500),
        (ProfileId::SmimeMailboxStrict, 366, 3_000),
        (ProfileId::SmimeOrganizationStrict, 730, 5_000),
        (ProfileId::SmimeSponsorMultipurpose, 825, 9_000),
        (ProfileId::ClientAuthWorkstation, 90, 2_000),
        (ProfileId::ServerAuth, 199, 6_000),
    ] {
        assert_eq!(price_cents(profile, days), cents, "{profile:?} {days}");
    }
    // Two recipients for two years of sponsor-validated S/MIME: 4 × 30.00.
    let two = OrderRequest {
        validity: ValidityRequest::Years { years: 2 },
        recipients: vec![recipient("ada@example.com"), recipient("grace@example.com")],
        ..request()
    };
    let mut poor = context();
    poor.balance_cents = 11_999;
    check(&two, &poor, Err(&[("payment", "balance_insufficient")]));
    let errors = check_order_request(&two, &poor, NOW).expect_err("too poor");
    assert!(errors[0].message.contains("120.00") && errors[0].message.contains("119.99"), "{}", errors[0].message);
    poor.balance_cents = 12_000;
    assert_eq!(check(&two, &poor, Ok(())).expect("exactly enough").price_cents, 12_000);
    // A contract needs no balance, but one of the account's active contracts, with enough left.
    poor.balance_cents = 0;
    let contract =
        OrderRequest { payment: PaymentRequest::Contract { reference: " PO-2026-114 ".into() }, ..two.clone() };
    check(&contract, &poor, Err(&[("payment.reference", "contract_not_found")]));
    let terms = |used_cents, ended_at| Contract {
        reference: "PO-2026-114".into(),
        credit_limit_cents: 20_000,
        starts_at: NOW - DAY,
        ends_at: NOW + DAY,
        ended_at,
        used_cents,
    };
    poor.contracts = vec![terms(8_000, None)];
    let checked = check(&contract, &poor, Ok(())).expect("valid");
    assert_eq!(checked.payment, CheckedPayment::Contract { reference: "PO-2026-114".into() });
    poor.contracts = vec![terms(8_001, None)];
    check(&contract, &poor, Err(&[("payment.reference", "contract_limit_exceeded")]));
    poor.contracts = vec![terms(0, Some(NOW))];
    check(&contract, &poor, Err(&[("payment.reference", "contract_inactive")]));
    let long = OrderRequest { payment: PaymentRequest::Contract { reference: "x".repeat(101) }, ..two };
    check(&long, &poor, Err(&[("payment.reference", "contract_reference_too_long")]));
}

#[test]
fn agreement_and_idempotency_key() {
    let outdated = OrderRequest { subscriber_agreement: "2025-01-01".into(), ..request() };
    check(&outdated, &context(), Err(&[("subscriber_agreement", "subscriber_agreement_outdated")]));
    for (key, valid) in [
        ("a".repeat(16), true),
        ("A_b-9".repeat(12) + "abcd", true),
        ("a".repeat(15), false),
        ("a".repeat(65), false),
        ("abcdefgh ijklmnop".into(), false),
        ("abcdefgh.ijklmnop".into(), false),
        ("abcdefghijklmnop\u{e9}".into(), false),
    ] {
        let request = OrderRequest { idempotency_key: key.clone(), ..request() };
        let expected = if valid { Ok(()) } else { Err(&[("idempotency_key", "idempotency_key_invalid")][..]) };
        check(&request, &context(), expected);
    }
}

#[test]
fn notification_emails() {
    let many: Vec<String> = (0..=MAXIMUM_NOTIFICATION_EMAILS).map(|index| format!("n{index}@example.com")).collect();
    check(
        &OrderRequest { notification_emails: many.clone(), ..request() },
        &context(),
        Err(&[("notification_emails", "notification_emails_too_many")]),
    );
    let checked = check(
        &OrderRequest { notification_emails: many[..MAXIMUM_NOTIFICATION_EMAILS].to_vec(), ..request() },
        &context(),
        Ok(()),
    )
    .expect("ten are allowed");
    assert_eq!(checked.notification_emails.len(), MAXIMUM_NOTIFICATION_EMAILS);
}

#[test]
fn money_keeps_the_sign_of_amounts_under_one_unit() {
    assert_eq!(money(100_000), "1000.00");
    assert_eq!(money(-2_500), "-25.00");
    assert_eq!(money(-5), "-0.05");
    assert_eq!(money(0), "0.00");
    assert_eq!(money(i64::MIN), "-92233720368547758.08");
}

/// The names of an order reach the certificate's subject (given name, surname, common name) and the emails'
/// greetings (the order's name for the recipient): a character that makes them read differently than they are
/// stored is refused in each, at its own path, naming the character.
#[test]
fn names_refuse_invisible_and_reordering_characters() {
    let third = |change: &dyn Fn(&mut RecipientRequest)| {
        let mut order = request();
        let mut recipient = recipient("grace@example.com");
        change(&mut recipient);
        order.recipients = vec![self::recipient("ada@example.com"), self::recipient("alan@example.com"), recipient];
        order
    };
    for (character, kind) in [
        ('\u{200b}', "zero-width"),
        ('\u{202e}', "bidirectional"),
        ('\u{0007}', "control character"),
        ('\u{feff}', "zero-width"),
        ('\u{00ad}', "soft hyphen"),
    ] {
        let bad = format!("Gra{character}ce");
        for field in ["name", "given_name", "surname"] {
            let order = third(&|recipient: &mut RecipientRequest| {
                let slot = match field {
                    "name" => &mut recipient.name,
                    "given_name" => &mut recipient.given_name,
                    _ => &mut recipient.surname,
                };
                *slot = Some(bad.clone());
            });
            let path = format!("recipients[2].{field}");
            check(&order, &context(), Err(&[(path.as_str(), "value_invisible_character")]));
            let errors = check_order_request(&order, &context(), NOW).expect_err(&path);
            let code_point = format!("U+{:04X}", u32::from(character));
            assert!(errors[0].message.contains(&code_point) && errors[0].message.contains(kind), "{errors:?}");
        }
    }
    for (given, surname, name) in [
        ("Émile", "Zola", "Émile Zola"),
        ("Jürgen", "Straße", "Dr. Jürgen Straße"),
        ("Øystein", "Ødegård", "Øystein Ødegård"),
        ("太郎", "日本", "日本 太郎"),
        ("محمد", "العربية", "محمد العربية"),
        ("Jean-Luc", "O'Brien", "Jean-Luc O'Brien"),
        ("Siobhán", "O’Connor", "Siobhán O’Connor"),
    ] {
        let order = third(&|recipient: &mut RecipientRequest| {
            (recipient.given_name, recipient.surname, recipient.name) =
                (Some(given.into()), Some(surname.into()), Some(name.into()));
        });
        let checked = check(&order, &context(), Ok(())).expect(name);
        assert_eq!(checked.recipients[2].common_name, name);
        assert_eq!(checked.recipients[2].facts.recipient_surname.as_deref(), Some(surname));
    }
}

#[test]
fn a_recipient_language_is_english_by_default_and_only_one_keyward_writes_in() {
    let with_lang = |lang: Option<&str>| OrderRequest {
        recipients: vec![RecipientRequest { lang: lang.map(str::to_owned), ..recipient("ada@example.com") }],
        ..request()
    };
    for (lang, expected) in [(None, Lang::En), (Some("en"), Lang::En), (Some("fr"), Lang::Fr)] {
        let checked = check(&with_lang(lang), &context(), Ok(())).expect("valid");
        assert_eq!(checked.recipients[0].lang, expected, "{lang:?}");
    }
    for lang in ["de", "FR", "fr-CA", "", " fr"] {
        check(&with_lang(Some(lang)), &context(), Err(&[("recipients[0].lang", "lang_unknown")]));
    }
}

/// A renewal: one row per case, (what lapsed, the recipient's email and DNS names, the profile) → the (field,
/// code) refused, or what the order waits for (lapsed domains, organization lapsed, mailbox validation). The same
/// request outside a renewal is refused whenever something lapsed.
#[test]
fn a_renewal_waits_for_what_lapsed_instead_of_being_refused() {
    struct Case {
        what: &'static str,
        profile: ProfileId,
        email: &'static str,
        dns_names: &'static [&'static str],
        organization_lapsed: bool,
        mailbox: Option<i64>,
        expected: Result<(&'static [&'static str], bool, bool), &'static [(&'static str, &'static str)]>,
    }
    let smime = ProfileId::SmimeSponsorMultipurpose;
    let case = |what, profile, email, dns_names, organization_lapsed, mailbox, expected| Case {
        what,
        profile,
        email,
        dns_names,
        organization_lapsed,
        mailbox,
        expected,
    };
    let cases = [
        case("nothing lapsed", smime, "ann@example.com", &[], false, None, Ok((&[], false, false))),
        case(
            "a lapsed domain is asked again",
            smime,
            "ann@expired.example.org",
            &[],
            false,
            None,
            Ok((&["expired.example.org"], false, false)),
        ),
        case(
            "the most specific lapsed domain",
            smime,
            "ann@mail.expired.example.org",
            &[],
            false,
            None,
            Ok((&["expired.example.org"], false, false)),
        ),
        case(
            "a lapsed organization is vetted again",
            smime,
            "ann@example.com",
            &[],
            true,
            None,
            Ok((&[], true, false)),
        ),
        case(
            "a lapsed mailbox is asked again",
            smime,
            "ann@other.example",
            &[],
            false,
            Some(NOW - 1),
            Ok((&[], false, true)),
        ),
        case(
            "a domain never validated still refuses",
            smime,
            "ann@never.example",
            &[],
            false,
            None,
            Err(&[("recipients[0].email", "email_domain_not_validated")]),
        ),
        case(
            "a device's lapsed names, the domain once",
            ProfileId::ClientAuthWorkstation,
            "ops@example.com",
            &["www.expired.example.org", "api.expired.example.org"],
            false,
            None,
            Ok((&["expired.example.org"], false, false)),
        ),
        case(
            "a device name under no validated domain still refuses",
            ProfileId::ClientAuthWorkstation,
            "ops@example.com",
            &["www.never.example"],
            false,
            None,
            Err(&[("recipients[0].dns_names[0]", "dns_name_domain_not_validated")]),
        ),
    ];
    for case in cases {
        let mut context = context();
        if case.organization_lapsed {
            context.organization.validated_until = Some(NOW - DAY);
        }
        if let Some(until) = case.mailbox {
            context.validated_mailboxes = vec![ValidatedMailbox {
                email: EmailAddress::parse(case.email).expect("email"),
                reusable_until: until,
            }];
        }
        let mut request = request();
        request.profile = case.profile;
        let base = if case.dns_names.is_empty() {
            recipient(case.email)
        } else {
            RecipientRequest { email: case.email.into(), ..RecipientRequest::default() }
        };
        request.recipients = vec![RecipientRequest {
            dns_names: case.dns_names.iter().map(|name| (*name).to_owned()).collect(),
            ..base
        }];
        let something_lapsed = matches!(case.expected, Ok((lapsed, organization, mailbox)) if !lapsed.is_empty() || organization || (mailbox && case.mailbox.is_some()));
        let outside = check_order_request(&request, &context, NOW);
        assert_eq!(outside.is_err(), something_lapsed || case.expected.is_err(), "{}: outside a renewal", case.what);
        context.renewal = true;
        match (check_order_request(&request, &context, NOW), case.expected) {
            (Ok(checked), Ok((lapsed, organization, mailbox))) => {
                let names: Vec<&str> = checked.lapsed_domains.iter().map(Domain::as_str).collect();
                assert_eq!(names, lapsed, "{}", case.what);
                assert_eq!(checked.organization_lapsed, organization, "{}", case.what);
                assert_eq!(checked.recipients[0].needs_mailbox_validation, mailbox, "{}", case.what);
                assert_eq!(checked.recipients[0].lapsed_domains.len(), lapsed.len(), "{}", case.what);
            }
            (Err(errors), Err(expected)) => {
                let actual: Vec<(&str, &str)> = errors.iter().map(|error| (error.field.as_str(), error.code)).collect();
                assert_eq!(actual, expected, "{}", case.what);
            }
            (actual, _) => panic!("{}: {actual:?}", case.what),
        }
    }
}
