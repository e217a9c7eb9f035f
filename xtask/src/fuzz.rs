//! `cargo xtask fuzz [target] [seconds]`: coverage-guided fuzzing of every parser of `shared` that takes outside
//! bytes (issue 15, item 2), one target or all, each for the seconds given ([`DEFAULT_SECONDS`] unless given).
//!
//! The targets live in `tests/fuzz/` (its own workspace: `fuzz_targets/<target>.rs`, seeds in
//! `corpus/<target>/`); cargo-fuzz builds them and libFuzzer (through the `libfuzzer-sys` crate, which compiles
//! libFuzzer's C++ with the system's C++ compiler) runs them. Without a nightly toolchain: cargo-fuzz passes
//! rustc the unstable flags coverage-guided fuzzing needs (`-Cpasses=sancov-module`, the `-Cllvm-args` of
//! SanitizerCoverage, `-Zsanitizer=...`), which the stable compiler accepts under `RUSTC_BOOTSTRAP=1`, set
//! here for cargo-fuzz only. No sanitizer by default ([`SANITIZER_VARIABLE`] chooses: `address` works too, the
//! stable toolchain ships the AddressSanitizer runtime): the code fuzzed is safe Rust, so what is looked for is
//! panics, arithmetic overflows (built with debug assertions and overflow checks), hangs (a timeout per
//! input) and memory blow-ups (an RSS limit, which also bounds any one allocation). [`RUNS_VARIABLE`] also stops
//! each target after that many inputs.
//!
//! Each run reads the committed seeds and a working corpus in `target/fuzz/corpus/<target>/` (what the fuzzer
//! learned, kept between runs, never committed), and prints per target the executions, the executions per
//! second and the crashes (0 expected), also written to `target/bench/fuzz.json` (one entry per target, the
//! latest run of each). A crash fails the command, naming the input libFuzzer saved in
//! `tests/fuzz/artifacts/<target>/`; it becomes a regression test in the parser's module and a seed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Result, root, tools};

/// How long each target runs when no duration is given, in seconds.
pub const DEFAULT_SECONDS: u64 = 60;
/// How long each target runs inside `cargo xtask test`, in seconds.
pub const SHORT_SECONDS: u64 = 10;
/// The longest one input may run before libFuzzer calls it a hang, in seconds.
const TIMEOUT_SECONDS: u64 = 10;
/// The most memory the fuzzing process may hold (and so the largest single allocation), in MiB.
const RSS_LIMIT_MB: u64 = 1024;
/// The environment variable choosing the sanitizer cargo-fuzz builds with: `none` (the default) or `address`.
pub const SANITIZER_VARIABLE: &str = "KEYWARD_FUZZ_SANITIZER";
/// The environment variable that also stops each target after this many inputs (libFuzzer's `-runs`), whichever
/// comes first: the long run's 10 million, without spending the rest of its time.
pub const RUNS_VARIABLE: &str = "KEYWARD_FUZZ_RUNS";

/// A fuzz target: its name (`tests/fuzz/fuzz_targets/<name>.rs`) and the longest input worth trying.
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// libFuzzer's `-max_len`: a little above what the parser accepts or the Worker lets through.
    pub max_len: usize,
}

/// Every target, one per parser that takes outside bytes.
pub const TARGETS: &[Target] = &[
    // A pasted request, with text around it and line breaks of any width.
    Target { name: "csr_pem", max_len: 8192 },
    // RSA-8192 requests are a little over 1 KiB.
    Target { name: "csr_der", max_len: 4096 },
    Target { name: "pkcs12_open", max_len: 8192 },
    // Past `ocsp::MAX_REQUEST_BYTES` (8 KiB), so the bound itself is crossed.
    Target { name: "ocsp_request", max_len: 10_240 },
    Target { name: "dns_message", max_len: 4096 },
    // Past the 254-octet limit of an address.
    Target { name: "email_address", max_len: 512 },
    // Up to 50 recipients, CSRs included.
    Target { name: "order_request", max_len: 16_384 },
    Target { name: "revocation_proof", max_len: 2048 },
];

/// What one target's run found.
pub struct Outcome {
    /// The target.
    pub target: &'static str,
    /// How long it ran, in seconds (as asked).
    pub seconds: u64,
    /// Inputs run.
    pub executions: u64,
    /// Inputs run per second, libFuzzer's average.
    pub executions_per_second: u64,
    /// Crashes, hangs and out-of-memory inputs found (libFuzzer stops at the first).
    pub crashes: u64,
    /// The saved crashing input, if any.
    pub artefact: Option<PathBuf>,
}

/// `cargo xtask fuzz [target] [seconds]`.
pub fn run(target: Option<&str>, seconds: Option<&str>) -> Result {
    let targets: Vec<&Target> = match target {
        None | Some("all") => TARGETS.iter().collect(),
        Some(name) => vec![TARGETS.iter().find(|target| target.name == name).ok_or_else(|| {
            let names: Vec<&str> = TARGETS.iter().map(|target| target.name).collect();
            format!("unknown fuzz target `{name}` (targets: {}, or all)", names.join(", "))
        })?],
    };
    let seconds = match seconds {
        None => DEFAULT_SECONDS,
        Some(text) => text.parse().map_err(|_| format!("`{text}` is not a number of seconds"))?,
    };
    fuzz(&targets, seconds)
}

/// Runs every target for `seconds` each (the short run of `cargo xtask test`).
pub fn all(seconds: u64) -> Result {
    fuzz(&TARGETS.iter().collect::<Vec<_>>(), seconds)
}

/// Builds the targets, runs each in turn, prints and records the figures; fails on the first crash, after
/// recording it.
fn fuzz(targets: &[&Target], seconds: u64) -> Result {
    let cargo_fuzz = tools::cargo_fuzz()?;
    let sanitizer = std::env::var(SANITIZER_VARIABLE).unwrap_or_else(|_| "none".to_owned());
    if !matches!(sanitizer.as_str(), "none" | "address") {
        return Err(format!("{SANITIZER_VARIABLE}={sanitizer}: expected `none` or `address`"));
    }
    if let Ok(runs) = std::env::var(RUNS_VARIABLE)
        && runs.parse::<u64>().is_err()
    {
        return Err(format!("{RUNS_VARIABLE}={runs}: expected a number of inputs"));
    }
    let root = root();
    let mut build = cargo_fuzz_command(&cargo_fuzz, "build", &sanitizer);
    if let [target] = targets {
        build.arg(target.name);
    }
    crate::process::run(&mut build)?;
    for target in targets {
        let outcome = fuzz_one(&cargo_fuzz, &sanitizer, target, seconds)?;
        println!(
            "fuzz {:<18} {:>12} executions {:>8}/s {} crash(es){}",
            outcome.target,
            outcome.executions,
            outcome.executions_per_second,
            outcome.crashes,
            outcome.artefact.as_ref().map(|path| format!(": {}", path.display())).unwrap_or_default()
        );
        record(&outcome)?;
        if outcome.crashes > 0 {
            let artefact = outcome.artefact.map(|path| path.display().to_string());
            return Err(format!(
                "fuzz target {target} crashed; input: {} (log: target/fuzz/logs/{target}.log; replay: \
                 `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz --sanitizer {sanitizer} {target} <input>`)",
                artefact.as_deref().unwrap_or("not saved"),
                target = outcome.target,
            ));
        }
    }
    eprintln!("figures: {}", root.join("target/bench/fuzz.json").display());
    Ok(())
}

/// `cargo fuzz <subcommand>` on `tests/fuzz/`, building into `target/fuzz/`, with the stable compiler allowed the
/// unstable flags cargo-fuzz passes it.
fn cargo_fuzz_command(cargo_fuzz: &Path, subcommand: &str, sanitizer: &str) -> Command {
    let root = root();
    let mut command = Command::new(cargo_fuzz);
    // cargo-fuzz is a cargo subcommand: cargo runs it with the subcommand's name first.
    command
        .args(["fuzz", subcommand, "--fuzz-dir"])
        .arg(root.join("tests/fuzz"))
        .arg("--target-dir")
        .arg(root.join("target/fuzz"))
        .args(["--sanitizer", sanitizer])
        .current_dir(&root)
        .env("RUSTC_BOOTSTRAP", "1");
    command
}

/// Runs one target for `seconds`, its libFuzzer output going to `target/fuzz/logs/<target>.log`.
fn fuzz_one(cargo_fuzz: &Path, sanitizer: &str, target: &Target, seconds: u64) -> Result<Outcome> {
    let root = root();
    let corpus = root.join("target/fuzz/corpus").join(target.name);
    let logs = root.join("target/fuzz/logs");
    for directory in [&corpus, &logs] {
        std::fs::create_dir_all(directory).map_err(|error| format!("creating {}: {error}", directory.display()))?;
    }
    let log_path = logs.join(format!("{}.log", target.name));
    let log = std::fs::File::create(&log_path).map_err(|error| format!("{}: {error}", log_path.display()))?;
    let mut command = cargo_fuzz_command(cargo_fuzz, "run", sanitizer);
    // The working corpus first: libFuzzer writes what it learns there, and only reads the committed seeds.
    command
        .arg(target.name)
        .arg(&corpus)
        .arg(root.join("tests/fuzz/corpus").join(target.name))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-max_len={}", target.max_len))
        .arg(format!("-timeout={TIMEOUT_SECONDS}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg("-print_final_stats=1")
        .args(std::env::var(RUNS_VARIABLE).ok().map(|runs| format!("-runs={runs}")))
        .stdout(Stdio::null())
        .stderr(log);
    eprintln!("fuzzing {} for {seconds} s (log: {})", target.name, log_path.display());
    let status = command.status().map_err(|error| format!("cannot start cargo-fuzz: {error}"))?;
    let text = std::fs::read_to_string(&log_path).map_err(|error| format!("{}: {error}", log_path.display()))?;
    let mut outcome = read_outcome(target.name, seconds, &text);
    if !status.success() && outcome.crashes == 0 {
        // Not a finding libFuzzer reported (a build failure, a killed process): say what the log ends with.
        let tail: Vec<&str> = text.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(format!("fuzzing {} failed ({status}):\n{}", target.name, tail.join("\n")));
    }
    if let Some(artefact) = &outcome.artefact
        && artefact.is_relative()
    {
        outcome.artefact = Some(root.join(artefact));
    }
    Ok(outcome)
}

/// The figures of a libFuzzer log: its final statistics (`-print_final_stats=1`), else its last status line
/// (`#123 pulse cov: .. exec/s: ..`), and the input it saved on a crash (`Test unit written to <path>`).
fn read_outcome(target: &'static str, seconds: u64, log: &str) -> Outcome {
    let statistic = |name: &str| {
        log.lines().rev().find_map(|line| line.strip_prefix(name)?.trim_start_matches(':').trim().parse::<u64>().ok())
    };
    let last_status = log.lines().rev().find(|line| line.starts_with('#') && line.contains("exec/s:"));
    let status_executions = last_status.and_then(|line| line[1..].split_whitespace().next()?.parse().ok());
    let status_rate = last_status.and_then(|line| {
        let rest = &line[line.find("exec/s:")? + "exec/s:".len()..];
        rest.split_whitespace().next()?.parse().ok()
    });
    let artefacts: Vec<PathBuf> = log
        .lines()
        .filter_map(|line| line.split_once("Test unit written to ").map(|(_, path)| PathBuf::from(path.trim())))
        .collect();
    Outcome {
        target,
        seconds,
        executions: statistic("stat::number_of_executed_units").or(status_executions).unwrap_or(0),
        executions_per_second: statistic("stat::average_exec_per_sec").or(status_rate).unwrap_or(0),
        crashes: artefacts.len() as u64,
        artefact: artefacts.into_iter().last(),
    }
}

/// Writes the outcome to `target/bench/fuzz/<target>.json`, then gathers every target's latest into
/// `target/bench/fuzz.json`.
fn record(outcome: &Outcome) -> Result {
    let directory = root().join("target/bench/fuzz");
    std::fs::create_dir_all(&directory).map_err(|error| format!("creating {}: {error}", directory.display()))?;
    let finished_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0);
    let artefact = match &outcome.artefact {
        Some(path) => format!("\"{}\"", escape(&path.display().to_string())),
        None => "null".to_owned(),
    };
    let entry = format!(
        "{{\"target\": \"{}\", \"seconds\": {}, \"executions\": {}, \"executions_per_second\": {}, \"crashes\": {}, \
         \"artefact\": {artefact}, \"finished_at\": {finished_at}}}",
        outcome.target, outcome.seconds, outcome.executions, outcome.executions_per_second, outcome.crashes
    );
    let path = directory.join(format!("{}.json", outcome.target));
    std::fs::write(&path, &entry).map_err(|error| format!("{}: {error}", path.display()))?;
    let entries: Vec<String> = TARGETS
        .iter()
        .filter_map(|target| std::fs::read_to_string(directory.join(format!("{}.json", target.name))).ok())
        .map(|entry| format!("    {}", entry.trim()))
        .collect();
    let summary = format!("{{\n  \"targets\": [\n{}\n  ]\n}}\n", entries.join(",\n"));
    let path = root().join("target/bench/fuzz.json");
    std::fs::write(&path, summary).map_err(|error| format!("{}: {error}", path.display()))
}

/// `text` inside a JSON string.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every target has its source and its seeds, and every source is a target.
    #[test]
    fn every_target_has_its_source_and_seeds() {
        let fuzz = root().join("tests/fuzz");
        for target in TARGETS {
            assert!(fuzz.join(format!("fuzz_targets/{}.rs", target.name)).is_file(), "{}", target.name);
            let seeds = std::fs::read_dir(fuzz.join("corpus").join(target.name)).map(Iterator::count).unwrap_or(0);
            assert!(seeds > 0, "{} has no seed in tests/fuzz/corpus/", target.name);
        }
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("tests/fuzz/Cargo.toml");
        let sources = std::fs::read_dir(fuzz.join("fuzz_targets")).expect("tests/fuzz/fuzz_targets").count();
        assert_eq!(sources, TARGETS.len(), "a source in tests/fuzz/fuzz_targets/ that is not in TARGETS");
        for target in TARGETS {
            assert!(manifest.contains(&format!("name = \"{}\"", target.name)), "{} is not a [[bin]]", target.name);
        }
    }

    fn check(log: &str, executions: u64, rate: u64, artefact: Option<&str>) {
        let outcome = read_outcome("csr_der", 10, log);
        assert_eq!(outcome.executions, executions, "{log}");
        assert_eq!(outcome.executions_per_second, rate, "{log}");
        assert_eq!(outcome.crashes, u64::from(artefact.is_some()), "{log}");
        assert_eq!(outcome.artefact.as_deref(), artefact.map(Path::new), "{log}");
    }

    #[test]
    fn libfuzzer_logs_are_read() {
        // A clean run, with its final statistics.
        check(
            "#2\tINITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 30Mb\n#65536\tpulse  cov: 12 exec/s: 21845 rss: 40Mb\n\
             Done 120000 runs in 11 second(s)\nstat::number_of_executed_units: 120000\n\
             stat::average_exec_per_sec:     10909\nstat::new_units_added:          7\n",
            120_000,
            10_909,
            None,
        );
        // A crash: the statistics may be missing, the last status line counts, and the input is named.
        check(
            "#4096\tpulse  cov: 12 exec/s: 2048 rss: 40Mb\nthread '<unnamed>' panicked at shared/src/dns.rs:1:1\n\
             ==1== ERROR: libFuzzer: deadly signal\nartifact_prefix='tests/fuzz/artifacts/csr_der/'; Test unit written \
             to tests/fuzz/artifacts/csr_der/crash-da39a3ee\n",
            4096,
            2048,
            Some("tests/fuzz/artifacts/csr_der/crash-da39a3ee"),
        );
        // Nothing readable: zeros, not a guess.
        check("error: could not compile\n", 0, 0, None);
    }
}
