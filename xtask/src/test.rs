//! `cargo xtask test`: every test. Host unit and integration tests (`shared`, `xtask`), then the release
//! builds, then the end-to-end suites in `tests/e2e/`, which start the real Worker in workerd with a fresh
//! local D1 and drive real headless Chromium, checking outputs with OpenSSL.

use std::process::Command;

use crate::process;
use crate::{Result, build, devca, root, tools};

/// Runs everything; fails on the first failing suite.
pub fn run() -> Result {
    let tools = tools::ensure()?;
    let root = root();
    process::run(
        Command::new("cargo")
            .args(["test", "--workspace", "--exclude", "keyward-edge", "--exclude", "keyward-frontend"])
            .current_dir(&root)
            .env("KEYWARD_PYTHON", &tools.python),
    )?;
    build::all(&tools)?;
    devca::ensure()?;
    process::run(
        Command::new("node")
            .args(["--test", "--test-concurrency=1"])
            .arg(root.join("tests/e2e"))
            .current_dir(&root)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("KEYWARD_PYTHON", &tools.python),
    )
}
