//! The Public Suffix List: the names under which anyone can register a domain (`com`, `co.uk`, the ICANN
//! section) or create a site (`github.io`, `s3.amazonaws.com`, the private section). No one controls such a
//! suffix as a whole, so Keyward validates no public suffix as a domain and certifies none as a host name:
//! [`is_public_suffix`] tells which names are one.
//!
//! The list is a pinned copy of publicsuffix.org's, both sections, kept verbatim (with its MPL-2.0 header) in
//! `shared/data/public_suffix_list.dat`; [`LIST_VERSION`] is its header's `VERSION` line, and a test checks the
//! two agree. To update it, on a machine that reaches publicsuffix.org:
//!
//! ```text
//! curl -fsSL https://publicsuffix.org/list/public_suffix_list.dat -o shared/data/public_suffix_list.dat
//! grep '^// VERSION:' shared/data/public_suffix_list.dat   # then set LIST_VERSION to it
//! cargo test -p keyward-shared public_suffix
//! ```
//!
//! (The copy in the repository was taken from the PyPI package `publicsuffixlist` 1.1.2.20261023, which ships
//! the list unchanged.) A new suffix matters when someone asks to validate it: update at least with every
//! release.
//!
//! Only the Worker carries the list (feature `public-suffix`, which `edge/Cargo.toml` enables; the host tests
//! build it too): the web app validates no domain. It embeds the rules alone, without the list's comments
//! (`shared/build.rs` strips them at build time: half the file, counted against the Worker's 1 MB upload budget),
//! and reads them once per Worker instance, on first use.
//! Internationalized rules (`公司.cn`) are compared in their `xn--` form, the only form `crate::address::Domain`
//! accepts.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The `VERSION` line of the pinned list's header: when publicsuffix.org published it.
pub const LIST_VERSION: &str = "2026-10-22_08-36-41_UTC";

/// The pinned list's rules, one a line: `build.rs` strips the list's comments (both sections' rules kept, in order).
const RULE_LINES: &str = include_str!(concat!(env!("OUT_DIR"), "/public_suffix_rules.txt"));

/// The list's rules, in `xn--` form.
struct Rules {
    /// Plain rules: these names are public suffixes.
    exact: HashSet<String>,
    /// Wildcard rules (`*.ck`), by the name after `*.`: every name one label below it is a public suffix.
    wildcard_parents: HashSet<String>,
    /// Exception rules (`!www.ck`), without the `!`: these names are registrable although a wildcard covers them.
    exceptions: HashSet<String>,
}

/// The rules, parsed on first use.
fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = Rules { exact: HashSet::new(), wildcard_parents: HashSet::new(), exceptions: HashSet::new() };
        for rule in RULE_LINES.lines() {
            let (set, name) = if let Some(name) = rule.strip_prefix('!') {
                (&mut rules.exceptions, name)
            } else if let Some(parent) = rule.strip_prefix("*.") {
                (&mut rules.wildcard_parents, parent)
            } else {
                (&mut rules.exact, rule)
            };
            // A label Punycode cannot encode would be a broken list: such a rule is left out rather than guessed.
            if let Some(name) = to_ascii(name) {
                set.insert(name);
            }
        }
        rules
    })
}

/// `name` with each non-ASCII label as its `xn--` A-label (the list's labels are already lower-case and NFC).
fn to_ascii(name: &str) -> Option<String> {
    let labels: Option<Vec<String>> = name
        .split('.')
        .map(|label| {
            if label.is_ascii() {
                Some(label.to_ascii_lowercase())
            } else {
                idna::punycode::encode_str(label).map(|encoded| format!("xn--{encoded}"))
            }
        })
        .collect();
    labels.map(|labels| labels.join("."))
}

/// Whether `name` (a lower-case host name, as `crate::address::Domain::as_str` gives) is itself a public
/// suffix under the list's rules: a plain rule, one label under a wildcard rule and not an exception, or a
/// single label (the list's default rule `*`). A name below a public suffix (`example.co.uk`, `ada.github.io`)
/// is not.
pub fn is_public_suffix(name: &str) -> bool {
    let rules = rules();
    if rules.exceptions.contains(name) {
        return false;
    }
    if rules.exact.contains(name) {
        return true;
    }
    match name.split_once('.') {
        None => true,
        Some((_, parent)) => rules.wildcard_parents.contains(parent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `name` is a public suffix, as expected.
    fn check(name: &str, expected: bool) {
        assert_eq!(is_public_suffix(name), expected, "{name}");
    }

    #[test]
    fn public_suffixes_of_both_sections() {
        for name in [
            "com",
            "uk",
            "co.uk",
            "org.uk",
            "gouv.fr",
            "com.au",
            "github.io",
            "s3.amazonaws.com",
            "blogspot.com",
            "herokuapp.com",
            // Wildcard rules: `*.ck`, `*.compute.amazonaws.com`.
            "anything.ck",
            "eu-west-1.compute.amazonaws.com",
            // Internationalized rules, in their xn-- form: 公司.cn, 个人.hk.
            "xn--55qx5d.cn",
            "xn--ciqpn.hk",
        ] {
            check(name, true);
        }
    }

    #[test]
    fn registrable_domains_and_their_subdomains() {
        for name in [
            "example.com",
            "example.co.uk",
            "mail.example.co.uk",
            "ada.github.io",
            "bucket.s3.amazonaws.com",
            "example.gouv.fr",
            "example.xn--55qx5d.cn",
            "host.eu-west-1.compute.amazonaws.com",
            // Exception rules: `!www.ck`, `!city.kawasaki.jp` are registrable under their wildcards.
            "www.ck",
            "city.kawasaki.jp",
            // An unlisted top-level domain: only the label itself is a suffix (the default rule).
            "example.unlisted-tld",
        ] {
            check(name, false);
        }
        check("unlisted-tld", true);
    }

    /// The pinned list, verbatim, as `build.rs` reads it.
    const LIST: &str = include_str!("../data/public_suffix_list.dat");

    #[test]
    fn the_pinned_list_is_whole_and_its_version_stated() {
        assert!(LIST.contains(&format!("\n// VERSION: {LIST_VERSION}\n")), "LIST_VERSION is not the list's");
        assert!(LIST.contains("// ===BEGIN ICANN DOMAINS===") && LIST.contains("// ===END PRIVATE DOMAINS==="));
        // The embedded rules are the list's rules, every one, in order, and nothing else.
        let listed: Vec<&str> = LIST
            .lines()
            .filter(|line| !line.starts_with("//"))
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        assert_eq!(RULE_LINES.lines().collect::<Vec<_>>(), listed);
        assert!(RULE_LINES.lines().any(|rule| rule == "github.io") && RULE_LINES.lines().any(|rule| rule == "co.uk"));
        let rules = rules();
        let count = rules.exact.len() + rules.wildcard_parents.len() + rules.exceptions.len();
        assert!(count > 9_000, "{count} rules");
        assert!(rules.exact.iter().chain(&rules.wildcard_parents).chain(&rules.exceptions).all(|name| name.is_ascii()));
    }
}
