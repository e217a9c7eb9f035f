//! The Public Suffix List as the `public-suffix` feature embeds it: its rules alone, one a line, written to
//! `$OUT_DIR/public_suffix_rules.txt`. The pinned `data/public_suffix_list.dat` stays verbatim (its MPL-2.0 header,
//! the section markers, each rule's comment: what an update's diff is read against); about half its 338 KB are
//! comments, which the Worker never reads, and the Worker's upload has a 1 MB budget (issue 4). Both sections'
//! rules are kept, in the list's order. Written in every build (the unit tests compile the module without the
//! feature); only a build with the feature embeds it.

use std::fmt::Write as _;

const LIST: &str = "data/public_suffix_list.dat";

fn main() {
    println!("cargo::rerun-if-changed={LIST}");
    println!("cargo::rerun-if-changed=build.rs");
    let list = std::fs::read_to_string(LIST).unwrap_or_else(|error| panic!("reading {LIST}: {error}"));
    // A truncated copy would silently lose rules: both sections must be there, whole.
    for marker in [
        "// ===BEGIN ICANN DOMAINS===",
        "// ===END ICANN DOMAINS===",
        "// ===BEGIN PRIVATE DOMAINS===",
        "// ===END PRIVATE DOMAINS===",
    ] {
        assert!(list.contains(marker), "{LIST} has no `{marker}` line: not the whole list");
    }
    // A rule is the first word of a line that is neither empty nor a `//` comment (publicsuffix.org's format).
    let mut rules = String::new();
    for rule in list.lines().filter(|line| !line.starts_with("//")).filter_map(|line| line.split_whitespace().next()) {
        let _ = writeln!(rules, "{rule}");
    }
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.join("public_suffix_rules.txt");
    std::fs::write(&target, rules).unwrap_or_else(|error| panic!("writing {}: {error}", target.display()));
}
