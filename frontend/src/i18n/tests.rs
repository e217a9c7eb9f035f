//! Tests of the language helpers that need no browser, on the host (`cargo test -p keyward-frontend --lib i18n`)
//! and in Chromium with the other browser tests: a number with its unit, singular or plural as each language
//! wants it.

use wasm_bindgen_test::wasm_bindgen_test;

use super::{Lang, Unit, count};

/// `count(lang, number, unit)` and what the page shows.
fn check(lang: Lang, number: u32, unit: Unit, expected: &str) {
    assert_eq!(count(lang, number, unit), expected, "{lang:?} {number} {unit:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn one_is_singular_and_more_plural_in_both_languages() {
    for (lang, number, unit, expected) in [
        (Lang::En, 1, Unit::Year, "1 year"),
        (Lang::En, 2, Unit::Year, "2 years"),
        (Lang::En, 3, Unit::Year, "3 years"),
        (Lang::En, 1, Unit::Day, "1 day"),
        (Lang::En, 365, Unit::Day, "365 days"),
        // English counts nothing in the plural; French in the singular.
        (Lang::En, 0, Unit::Day, "0 days"),
        (Lang::Fr, 1, Unit::Year, "1 an"),
        (Lang::Fr, 2, Unit::Year, "2 ans"),
        (Lang::Fr, 1, Unit::Day, "1 jour"),
        (Lang::Fr, 0, Unit::Day, "0 jour"),
        (Lang::Fr, 825, Unit::Day, "825 jours"),
    ] {
        check(lang, number, unit, expected);
    }
}
