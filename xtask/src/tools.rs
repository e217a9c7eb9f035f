//! Every tool the project needs, where its version is pinned, and how `cargo xtask` installs it when missing.
//!
//! | tool | pinned in | installed by |
//! |---|---|---|
//! | Rust target wasm32-unknown-unknown | the toolchain | `rustup target add` |
//! | clang (ring's C for wasm32), Chromium, ChromeDriver, OpenSSL, NSS tools, JDK 17, nginx, curl | Debian | `apt-get install` |
//! | wasm-bindgen CLI and its test runner | `Cargo.lock` (must equal the `wasm-bindgen` crate) | `cargo install` |
//! | worker-build | [`WORKER_BUILD_VERSION`] | `cargo install` |
//! | cargo-fuzz (`cargo xtask fuzz`; libFuzzer itself comes with the `libfuzzer-sys` crate, pinned in `tests/fuzz/Cargo.lock`) | [`CARGO_FUZZ_VERSION`] | `cargo install`, by [`cargo_fuzz`] when `fuzz` or `test` needs it |
//! | wrangler + workerd, binaryen's wasm-opt, esbuild, playwright-core; axe-core and `@axe-core/playwright` (the accessibility suite); the benchmark's PKI.js, asn1js, node-forge, ws, Lighthouse and chrome-launcher (which drives Debian's Chromium at `CHROME_PATH`, never a downloaded one) | `package.json` + `package-lock.json` | `npm ci` |
//! | pkilint (CLI, and its REST API with FastAPI and uvicorn), Python `cryptography` (test oracles), schemathesis (the API fuzzer) | `tests/requirements.txt` | `pip` in a virtual environment |
//!
//! Cargo-installed tools go to `~/.cache/keyward/tools/<name>-<version>/`, outside the clone, so a fresh
//! clone on the same machine reuses them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{output, run};
use crate::{Result, root};

/// worker-build, matching the `worker` crate's minor version.
pub const WORKER_BUILD_VERSION: &str = "0.8.7";

/// cargo-fuzz, which builds the fuzz targets of `tests/fuzz/` and runs them with libFuzzer (`fuzz.rs`). It works
/// with the stable toolchain: `fuzz.rs` sets `RUSTC_BOOTSTRAP=1` for it, so rustc accepts the unstable flags of
/// coverage instrumentation it passes.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Debian packages: the program that proves each is there, and the package.
const APT_PACKAGES: &[(&str, &str)] = &[
    ("clang", "clang"),
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("openssl", "openssl"),
    ("pk12util", "libnss3-tools"),
    ("keytool", "openjdk-17-jdk-headless"),
    // The relying party of the mutual-TLS test (tests/e2e/mtls.test.mjs), started on 127.0.0.1 only.
    ("nginx", "nginx"),
    ("curl", "curl"),
];

/// Paths of the installed tools.
pub struct Tools {
    /// `wasm-bindgen` CLI.
    pub wasm_bindgen: PathBuf,
    /// `wasm-bindgen-test-runner`, installed with the CLI: cargo's runner for the frontend's browser tests.
    pub wasm_bindgen_test_runner: PathBuf,
    /// ChromeDriver (Debian's `chromium-driver`), which the test runner drives Chromium with.
    pub chromedriver: PathBuf,
    /// `worker-build`.
    pub worker_build: PathBuf,
    /// The project's `node_modules/.bin`.
    pub node_bin: PathBuf,
    /// The Python interpreter of the test tools' virtual environment (pkilint, cryptography, schemathesis).
    pub python: PathBuf,
}

impl Tools {
    /// A program from `node_modules/.bin`.
    pub fn node(&self, name: &str) -> PathBuf {
        self.node_bin.join(name)
    }
}

/// Installs whatever is missing and returns where everything is.
pub fn ensure() -> Result<Tools> {
    ensure_rust_target()?;
    ensure_apt_packages()?;
    ensure_node_modules()?;
    let wasm_bindgen_version = locked_version("wasm-bindgen")?;
    let wasm_bindgen = cargo_install("wasm-bindgen-cli", &wasm_bindgen_version, "wasm-bindgen")?;
    let wasm_bindgen_test_runner = wasm_bindgen.with_file_name("wasm-bindgen-test-runner");
    let chromedriver = find_on_path("chromedriver").ok_or_else(|| "chromedriver is not on PATH".to_owned())?;
    let worker_build = cargo_install("worker-build", WORKER_BUILD_VERSION, "worker-build")?;
    let python = ensure_python_tools()?;
    Ok(Tools {
        wasm_bindgen,
        wasm_bindgen_test_runner,
        chromedriver,
        worker_build,
        node_bin: root().join("node_modules/.bin"),
        python,
    })
}

fn ensure_rust_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed.lines().any(|line| line.trim() == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

fn ensure_apt_packages() -> Result {
    let missing: Vec<&str> =
        APT_PACKAGES.iter().filter(|(program, _)| !on_path(program)).map(|(_, package)| *package).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing Debian packages: {}", missing.join(" "));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// Where `program` is in `PATH`, first match.
fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|directory| directory.join(program)).find(|candidate| candidate.is_file())
}

/// A virtual environment per content of `tests/requirements.txt`, so a changed pin makes a new one.
fn ensure_python_tools() -> Result<PathBuf> {
    let requirements = root().join("tests/requirements.txt");
    let text = std::fs::read(&requirements).map_err(|error| format!("{}: {error}", requirements.display()))?;
    let digest = text
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3));
    let environment = cache_directory()?.join(format!("python-{digest:016x}"));
    let python = environment.join("bin/python");
    let stamp = environment.join(".installed");
    if !stamp.exists() {
        let _ = std::fs::remove_dir_all(&environment);
        run(Command::new("python3").args(["-m", "venv"]).arg(&environment))?;
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--requirement"])
            .arg(&requirements))?;
        std::fs::write(&stamp, "").map_err(|error| error.to_string())?;
    }
    Ok(python)
}

/// `~/.cache/keyward/tools`: tools kept across clones on the same machine.
fn cache_directory() -> Result<PathBuf> {
    let home = std::env::var("HOME").map_err(|_| "HOME is not set".to_owned())?;
    Ok(PathBuf::from(home).join(".cache/keyward/tools"))
}

fn ensure_node_modules() -> Result {
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (modified(&stamp), modified(&lock)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    };
    if !fresh {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root))?;
    }
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|metadata| metadata.modified()).ok()
}

/// The version of a crate in `Cargo.lock`.
pub fn locked_version(name: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|error| format!("Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"")
            && let Some(version) = lines.next().and_then(|line| line.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("{name} is not in Cargo.lock"))
}

/// cargo-fuzz, installed if missing; its path.
pub fn cargo_fuzz() -> Result<PathBuf> {
    cargo_install("cargo-fuzz", CARGO_FUZZ_VERSION, "cargo-fuzz")
}

fn cargo_install(package: &str, version: &str, binary: &str) -> Result<PathBuf> {
    let prefix = cache_directory()?.join(format!("{package}-{version}"));
    let path = prefix.join("bin").join(binary);
    if !path.exists() {
        // Not --locked: the crate index reachable here lacks one of wasm-bindgen-cli's locked dependencies.
        run(Command::new("cargo").args(["install", package, "--version", version, "--root"]).arg(&prefix))?;
    }
    Ok(path)
}
