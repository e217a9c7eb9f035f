//! The contract rules, table-style: the active window, the limit arithmetic, refunds, and what a CA
//! administrator may record.

use super::*;

const DAY: i64 = 86_400;
const START: i64 = 1_800_000_000;

fn contract(reference: &str, limit: i64, used: i64, ended_at: Option<i64>) -> Contract {
    Contract {
        reference: reference.into(),
        credit_limit_cents: limit,
        starts_at: START,
        ends_at: START + 30 * DAY,
        ended_at,
        used_cents: used,
    }
}

#[test]
fn status_follows_the_window_and_an_early_end() {
    fn check(ended_at: Option<i64>, now: i64, expected: ContractStatus) {
        assert_eq!(contract("PO-1", 100, 0, ended_at).status(now), expected, "ended {ended_at:?} at {now}");
    }
    let end = START + 30 * DAY;
    check(None, START - 1, ContractStatus::Upcoming);
    check(None, START, ContractStatus::Active);
    check(None, end - 1, ContractStatus::Active);
    check(None, end, ContractStatus::Expired);
    check(Some(START + DAY), START + DAY - 1, ContractStatus::Active);
    check(Some(START + DAY), START + DAY, ContractStatus::Ended);
    check(Some(START + DAY), end + DAY, ContractStatus::Ended);
    check(Some(START - DAY), START - 1, ContractStatus::Ended);
}

#[test]
fn an_order_needs_an_active_contract_of_the_account_with_enough_left() {
    fn check(contracts: &[Contract], reference: &str, now: i64, price: i64, expected: Result<&str, &str>) {
        let actual = choose_contract(contracts, reference, now, price);
        match (actual, expected) {
            (Ok(contract), Ok(reference)) => assert_eq!(contract.reference, reference),
            (Err(error), Err(code)) => {
                assert_eq!(error.code(), code, "{reference} at {now} for {price}");
                assert_eq!(error.field(), "payment.reference");
                assert!(error.to_string().contains(reference.trim()), "{error}");
            }
            (actual, expected) => panic!("{reference} at {now} for {price}: {actual:?}, expected {expected:?}"),
        }
    }
    let now = START + DAY;
    let contracts = [
        contract("PO-1", 10_000, 2_500, None),
        contract("PO-2", 10_000, 0, Some(START)),
        contract("PO-3", 500, 0, None),
    ];
    check(&contracts, "PO-1", now, 7_500, Ok("PO-1"));
    check(&contracts, " PO-1 ", now, 100, Ok("PO-1"));
    check(&contracts, "PO-1", now, 7_501, Err("contract_limit_exceeded"));
    check(&contracts, "PO-1", START - 1, 100, Err("contract_inactive"));
    check(&contracts, "PO-1", START + 30 * DAY, 100, Err("contract_inactive"));
    check(&contracts, "PO-2", now, 100, Err("contract_inactive"));
    check(&contracts, "PO-3", now, 500, Ok("PO-3"));
    check(&contracts, "PO-3", now, 501, Err("contract_limit_exceeded"));
    check(&contracts, "po-1", now, 100, Err("contract_not_found"));
    check(&contracts, "x", now, 0, Err("contract_not_found"));
    check(&[], "PO-1", now, 0, Err("contract_not_found"));
}

#[test]
fn remaining_is_the_limit_less_what_is_used_never_below_zero() {
    fn check(limit: i64, used: i64, expected: i64) {
        assert_eq!(contract("PO", limit, used, None).remaining_cents(), expected, "{limit} - {used}");
    }
    check(10_000, 0, 10_000);
    check(10_000, 2_500, 7_500);
    check(10_000, 10_000, 0);
    check(10_000, 12_000, 0);
    check(10_000, -500, 10_500);
}

#[test]
fn a_refund_gives_back_the_unissued_recipients_share() {
    fn check(charged: i64, recipients: usize, unissued: usize, expected: i64) {
        assert_eq!(refund_cents(charged, recipients, unissued), expected, "{charged} over {recipients}, {unissued}");
    }
    check(5_000, 2, 1, 2_500);
    check(5_000, 2, 2, 5_000);
    check(5_000, 2, 0, 0);
    check(7_500, 3, 2, 5_000);
    check(5_000, 2, 9, 5_000);
    check(0, 2, 2, 0);
    check(-5_000, 2, 2, 0);
    check(5_000, 0, 0, 0);
    // The refund names how many recipients it gives back; nothing given back names none.
    assert_eq!(Refund::of(7_500, 3, 2), Refund { cents: 5_000, recipients: 2 });
    assert_eq!(Refund::of(0, 2, 2), Refund::default());
    assert_eq!(Refund::of(5_000, 2, 0), Refund::default());
}

#[test]
fn contract_terms_are_checked_field_by_field() {
    fn check(reference: &str, limit: i64, starts: i64, ends: i64, expected: Result<&str, &[(&str, &str)]>) {
        let now = START;
        match (check_contract(reference, limit, starts, ends, now), expected) {
            (Ok(stored), Ok(expected)) => assert_eq!(stored, expected),
            (Err(errors), Err(expected)) => {
                let actual: Vec<(&str, &str)> = errors.iter().map(|(field, error)| (*field, error.code())).collect();
                assert_eq!(actual, expected, "{reference} {limit} {starts} {ends}");
                assert!(errors.iter().all(|(_, error)| !error.to_string().is_empty()));
            }
            (actual, expected) => panic!("{reference}: {actual:?}, expected {expected:?}"),
        }
    }
    let end = START + 365 * DAY;
    check(" PO-2027-1 ", 100_000, START, end, Ok("PO-2027-1"));
    check("PO", 1, START - 10 * DAY, START + 1, Ok("PO"));
    check("   ", 100, START, end, Err(&[("reference", "reference_blank")]));
    check(&"x".repeat(101), 100, START, end, Err(&[("reference", "reference_too_long")]));
    check("PO\u{202e}1", 100, START, end, Err(&[("reference", "value_invisible_character")]));
    check("PO", 0, START, end, Err(&[("credit_limit_cents", "credit_limit_not_positive")]));
    check("PO", -5, START, end, Err(&[("credit_limit_cents", "credit_limit_not_positive")]));
    check("PO", MAXIMUM_CENTS + 1, START, end, Err(&[("credit_limit_cents", "credit_limit_too_large")]));
    check("PO", 100, end, START, Err(&[("ends_at", "ends_before_start")]));
    check("PO", 100, START, START, Err(&[("ends_at", "ends_before_start")]));
    check("PO", 100, START - 2 * DAY, START, Err(&[("ends_at", "ends_in_past")]));
    check(
        "",
        0,
        START,
        START,
        Err(&[
            ("reference", "reference_blank"),
            ("credit_limit_cents", "credit_limit_not_positive"),
            ("ends_at", "ends_before_start"),
        ]),
    );
}

#[test]
fn a_deposit_is_a_positive_amount_with_a_bank_reference() {
    fn check(amount: i64, reference: &str, expected: Result<&str, &[(&str, &str)]>) {
        match (check_deposit(amount, reference), expected) {
            (Ok(stored), Ok(expected)) => assert_eq!(stored, expected),
            (Err(errors), Err(expected)) => {
                let actual: Vec<(&str, &str)> = errors.iter().map(|(field, error)| (*field, error.code())).collect();
                assert_eq!(actual, expected, "{amount} {reference}");
            }
            (actual, expected) => panic!("{amount} {reference}: {actual:?}, expected {expected:?}"),
        }
    }
    check(10_000, " SEPA 2026-12-06 ACME ", Ok("SEPA 2026-12-06 ACME"));
    check(1, "x", Ok("x"));
    check(0, "x", Err(&[("amount_cents", "amount_not_positive")]));
    check(-100, "x", Err(&[("amount_cents", "amount_not_positive")]));
    check(MAXIMUM_CENTS + 1, "x", Err(&[("amount_cents", "amount_too_large")]));
    check(100, "", Err(&[("bank_reference", "reference_blank")]));
    check(100, &"r".repeat(101), Err(&[("bank_reference", "reference_too_long")]));
    check(0, " ", Err(&[("amount_cents", "amount_not_positive"), ("bank_reference", "reference_blank")]));
}
