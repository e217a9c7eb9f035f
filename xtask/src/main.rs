//! `cargo xtask`: the project's commands. `dev` runs Keyward locally with demo data; `test` runs every test;
//! `build` builds both WebAssembly artefacts; `bench` measures them against their peers (issues 3 and 4); `soak` puts
//! the Worker under load and faults; `fuzz` fuzzes shared's parsers (issue 15). Each installs the pinned tools it
//! needs first (see `tools.rs`).

mod admin;
mod audit_verify;
mod bench;
mod build;
mod dev;
mod devca;
mod doh;
mod fuzz;
mod http;
mod linter;
mod process;
mod soak;
mod test;
mod tidy;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  dev     install what is missing, build what is out of date, create the development CA, seed demo data, run on
          127.0.0.1:8787 (KEYWARD_DEV_PORT) with the scheduled handler ticked every minute; wrangler logs to
          target/dev/wrangler.log
  test    install what is missing, then run every test (unit, WebAssembly, workerd + Chromium end to end)
  build [development]
          build the web app (dist/) and the Worker (edge/build/) in release mode, as deployed: without the
          development routes and mailbox page that `dev`, `test` and `bench` build in (`development`: with them,
          as `test` builds before its end-to-end suites)
  bench [size|browser|lighthouse|edge]
          build, then measure each web bundle's first load against its budget (size), benchmark the browser side (Chromium: keygen, CSR, PKCS#12, longest task, first load),
          the pages as Lighthouse's mobile profile sees them (scores, LCP, TBT, CLS) and the edge (workerd:
          issuance CPU time, throughput, upload size) against their peers; every part unless one is named. Writes target/bench/report.json and report.md (KEYWARD_BENCH_QUICK=1: a few runs)
  soak [minutes]
          build, then run the load and fault suite against the Worker in workerd on 127.0.0.1 for the given
          minutes (15 unless given): a concurrent mix with faults (D1 busy, mail provider down, DNS-over-HTTPS
          resolver down, workerd killed mid-enrollment) and a reconciliation after each. Merges `soak` into
          target/bench/report.json and writes target/bench/soak.md
  fuzz [target|all] [seconds]
          fuzz shared's parsers (tests/fuzz/: csr_pem, csr_der, pkcs12_open, ocsp_request, dns_message,
          email_address, order_request, revocation_proof), all unless one is named, 60 s each unless given;
          prints executions, executions per second and crashes, writes target/bench/fuzz.json, fails on a crash
  audit-verify FILE [--head SEQUENCE:HASH]
          check an audit export (GET /api/v1/audit/export): name the first record altered, removed or reordered,
          or the missing end (the header's head, and a head noted on the activity page); exit status 1 if broken
  ca-admin <email> [name]
          print the SQL that creates a deployment's first CA administrator (apply it with `wrangler d1 execute`),
          and their temporary password";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "dev" => dev::run(),
        "test" => test::run(),
        "build" => {
            let flavor = match std::env::args().nth(2).as_deref() {
                Some("development") => build::Flavor::Development,
                _ => build::Flavor::Production,
            };
            // A development build is for `wrangler dev` and the end-to-end suites: without the development CA and
            // `KEYWARD_ENV=development` in `edge/.dev.vars`, its development routes answer 404.
            tools::ensure().and_then(|tools| build::all(&tools, flavor)).and_then(|()| match flavor {
                build::Flavor::Development => devca::ensure(),
                build::Flavor::Production => Ok(()),
            })
        }
        "bench" => bench::run(std::env::args().nth(2).as_deref()),
        "soak" => soak::run(std::env::args().nth(2).as_deref()),
        "fuzz" => fuzz::run(std::env::args().nth(2).as_deref(), std::env::args().nth(3).as_deref()),
        "audit-verify" => audit_verify::run(&std::env::args().skip(2).collect::<Vec<_>>()),
        "ca-admin" => admin::run(std::env::args().nth(2).as_deref(), std::env::args().nth(3).as_deref()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask {command}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}

/// Errors are messages for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, String>;
