//! `cargo xtask`: the project's commands. `dev` runs Keyward locally with demo data; `test` runs every test;
//! `build` builds both WebAssembly artefacts. Each installs the pinned tools it needs first (see `tools.rs`).

mod build;
mod dev;
mod devca;
mod http;
mod process;
mod test;
mod tidy;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  dev     install what is missing, build, create the development CA, seed demo data, run on 127.0.0.1:8787
  test    install what is missing, then run every test (unit, WebAssembly, workerd + Chromium end to end)
  build   build the web app (dist/) and the Worker (edge/build/) in release mode";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "dev" => dev::run(),
        "test" => test::run(),
        "build" => tools::ensure().and_then(|tools| build::all(&tools)),
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
