//! `cargo xtask test`: every test. Host unit and integration tests (`shared`, `xtask`), then the frontend's
//! browser tests in headless Chromium, then the release builds, then the end-to-end suites in `tests/e2e/`,
//! which start the real Worker in workerd with a fresh local D1 and drive real headless Chromium, checking
//! outputs with OpenSSL, with pkilint's REST API running beside them (`linter.rs`). Every `*.test.mjs` there runs,
//! the accessibility suites among them (`a11y.test.mjs`: axe-core on every page and state; `keyboard.test.mjs`: the
//! recipient's journey and the order form with the keyboard alone).

use std::process::Command;

use crate::build::Flavor;
use crate::process;
use crate::{Result, build, devca, linter, root, tools};

/// Crates optimized in the browser tests' otherwise unoptimized build: the PKCS#12 key derivations and what
/// they hash with. Unoptimized, each bundle test spends about 16 s in PBKDF2 and the suite about 80 s; with
/// these, about 1 s and 8 s. (Every dependency optimized would cost ten minutes of compiling on two cores.)
const OPTIMIZED_IN_BROWSER_TESTS: &[&str] =
    &["sha1", "sha2", "hmac", "pbkdf2", "digest", "block-buffer", "hybrid-array", "pkcs5", "pkcs12", "keyward-shared"];

/// Runs everything; fails on the first failing suite.
pub fn run() -> Result {
    let tools = tools::ensure()?;
    let root = root();
    process::run(
        Command::new("cargo")
            .args(["test", "--workspace", "--exclude", "keyward-edge", "--exclude", "keyward-frontend"])
            // The OpenAPI description's tests (shared::api::openapi) need the JSON Schema derive.
            .args(["--features", "keyward-shared/schema"])
            .current_dir(&root)
            .env("KEYWARD_PYTHON", &tools.python),
    )?;
    // Every fuzz target of tests/fuzz/ for a few seconds each (`cargo xtask fuzz`): a crash fails the run.
    crate::fuzz::all(crate::fuzz::SHORT_SECONDS)?;
    // The key module's tests (`frontend/src/keys/tests.rs`) in real headless Chromium: WebCrypto key pairs of
    // every type, requests verified as the Worker verifies them, bundles of both profiles re-opened. Cargo
    // hands the test WebAssembly to wasm-bindgen-test-runner, which serves it and drives Chromium through
    // ChromeDriver; the runner reads Chromium's flags from `webdriver.json` in the working directory, hence
    // `frontend/`. Its time limit covers the whole suite (20 s unless set), and RSA-4096 generation is slow.
    let mut browser_tests = Command::new("cargo");
    browser_tests.args(["test", "-p", "keyward-frontend", "--target", "wasm32-unknown-unknown"]);
    for package in OPTIMIZED_IN_BROWSER_TESTS {
        browser_tests.arg("--config").arg(format!("profile.test.package.{package}.opt-level=3"));
    }
    process::run(
        browser_tests
            .current_dir(root.join("frontend"))
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &tools.wasm_bindgen_test_runner)
            .env("CHROMEDRIVER", &tools.chromedriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300"),
    )?;
    // pkilint's REST API starts now and gets ready during the build (about 30 s of start-up); the suites reach
    // it at KEYWARD_LINT_URL, and the harness gives that to every Worker it starts. Stopped when `linter` drops.
    let mut linter = linter::spawn(&tools)?;
    build::all(&tools, Flavor::Development)?;
    build::production_probe(&tools)?;
    devca::ensure()?;
    linter.ready()?;
    process::run(
        Command::new("node")
            .args(["--test", "--test-concurrency=1"])
            // A test that hangs fails after 15 minutes instead of holding CI until its limit (the longest, the
            // reminders' 500-certificate simulation, takes about 2 minutes). Node gives hooks no such limit.
            .arg("--test-timeout=900000")
            .arg(root.join("tests/e2e"))
            // The soak's reconciliation checks against planted defects (no Worker; `cargo xtask soak` runs the rest).
            .arg(root.join("tests/soak/reconcile.test.mjs"))
            .current_dir(&root)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("KEYWARD_PYTHON", &tools.python)
            .env(linter::URL_VARIABLE, linter.url()),
    )
}
