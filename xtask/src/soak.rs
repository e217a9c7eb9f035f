//! `cargo xtask soak [minutes]`: the load and fault suite of issue 15 (item 4), 15 minutes unless told. It builds
//! the development Worker and web app as `test` does, makes the development CA, starts pkilint's REST server
//! (`linter.rs`), then runs `tests/soak/soak.mjs`: the Worker in workerd on 127.0.0.1 under a concurrent mix of
//! logins, orders, enrollments, downloads, OCSP, CRL and validation links, with faults injected at stated times
//! (D1 busy, the mail provider failing then silent, the DNS-over-HTTPS resolver down, workerd killed mid-enrollment)
//! and a reconciliation of what the driver was told against the database after each. It merges its results as
//! `soak` into `target/bench/report.json` (the benchmark's rows stay) and writes `target/bench/soak.md`; it fails
//! when a verdict fails. Too long for `cargo xtask test`.

use std::process::Command;

use crate::build::Flavor;
use crate::{Result, build, devca, linter, process, root, tools};

/// The full run's length, minutes.
const DEFAULT_MINUTES: u32 = 15;

/// Runs the suite for `minutes` (a whole number of minutes, at least 1; default [`DEFAULT_MINUTES`]).
pub fn run(minutes: Option<&str>) -> Result {
    let minutes = parse_minutes(minutes)?;
    let tools = tools::ensure()?;
    let root = root();
    // pkilint's REST API gets ready (about 30 s of start-up) while the builds run.
    let mut linter = linter::spawn(&tools)?;
    build::all(&tools, Flavor::Development)?;
    devca::ensure()?;
    linter.ready()?;
    process::run(
        Command::new("node")
            .arg(root.join("tests/soak/soak.mjs"))
            .arg(minutes.to_string())
            .current_dir(&root)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("KEYWARD_PYTHON", &tools.python)
            .env(linter::URL_VARIABLE, linter.url()),
    )
}

/// The run's length from the command line: absent is [`DEFAULT_MINUTES`]; otherwise a whole number from 1 to 240.
fn parse_minutes(argument: Option<&str>) -> Result<u32> {
    let Some(text) = argument else { return Ok(DEFAULT_MINUTES) };
    match text.parse::<u32>() {
        Ok(minutes) if (1..=240).contains(&minutes) => Ok(minutes),
        _ => Err(format!("minutes: expected a whole number from 1 to 240, got `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expected`: the minutes, or a part of the message naming what is wrong.
    fn check(argument: Option<&str>, expected: std::result::Result<u32, &str>) {
        match (parse_minutes(argument), expected) {
            (Ok(minutes), Ok(wanted)) => assert_eq!(minutes, wanted, "{argument:?}"),
            (Err(message), Err(part)) => assert!(message.contains(part), "{argument:?}: {message}"),
            (got, _) => panic!("{argument:?}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn minutes_are_a_whole_number_from_1_to_240_defaulting_to_15() {
        let cases: &[(Option<&str>, std::result::Result<u32, &str>)] = &[
            (None, Ok(15)),
            (Some("2"), Ok(2)),
            (Some("1"), Ok(1)),
            (Some("240"), Ok(240)),
            (Some("0"), Err("from 1 to 240")),
            (Some("241"), Err("from 1 to 240")),
            (Some("1.5"), Err("`1.5`")),
            (Some("fifteen"), Err("`fifteen`")),
            (Some("-3"), Err("`-3`")),
        ];
        for (argument, expected) in cases {
            check(*argument, *expected);
        }
    }
}
