//! Release builds of the two WebAssembly artefacts.
//!
//! The web app, two bundles from one `cargo build` of `frontend` (its two binaries share the compiled
//! dependencies): the recipient's pages (`dist/pkg/keyward*`) and the organizations' console
//! (`dist/pkg/console-*`, one bundle per group of pages), and the packaging module the packaging worker loads (`dist/pkg/package*`), compiled with
//! Leptos' `--cfg erase_components` ([`frontend_rustflags`]); each through `wasm-bindgen --target web`, then
//! binaryen's `wasm-opt -Oz` (the npm build: Debian's older wasm-opt breaks a Leptos app at run time), into `dist/`
//! beside `public/`'s files; `boot.js` picks the bundle by path.
//! The Worker: `worker-build --release` in `edge/`, pointed at the pinned wasm-bindgen, wasm-opt and esbuild.
//!
//! Two flavours ([`Flavor`]): `cargo xtask build` makes the production build, the one to deploy; `dev`, `test` and
//! `bench` make the development build, which adds the development routes (the mailbox, accounts, the seed) and
//! the mailbox page (cargo feature `development` of `edge` and `frontend`). The tests also build the production
//! Worker into `edge/build-production/` to check that it has none of them.

use std::path::Path;
use std::process::Command;

use crate::process::run;
use crate::tools::Tools;
use crate::{Result, root};

/// WebAssembly features rustc emits for wasm32-unknown-unknown today, which wasm-opt must accept.
pub const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Which build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// What `wrangler deploy` ships: no development route or page.
    Production,
    /// With the development routes and the mailbox page (feature `development`).
    Development,
}

impl Flavor {
    /// The cargo features of `edge` and `frontend` for this flavour.
    fn features(self) -> &'static [&'static str] {
        match self {
            Self::Production => &[],
            Self::Development => &["--features", "development"],
        }
    }
}

/// Builds both artefacts.
pub fn all(tools: &Tools, flavor: Flavor) -> Result {
    frontend(tools, flavor)?;
    edge(tools, flavor)
}

/// The web app's bundles: the `frontend` binary (under `target/wasm32-unknown-unknown/release/`) and the name of
/// its files in `dist/pkg/`.
const BUNDLES: &[(&str, &str)] = &[
    ("keyward-frontend", "keyward"),
    ("tools", "tools"),
    ("console-login", "console-login"),
    ("console-home", "console-home"),
    ("console-records", "console-records"),
    ("console-orders", "console-orders"),
    ("console-order-form", "console-order-form"),
    ("console-validation", "console-validation"),
    ("console-devices", "console-devices"),
    ("console-device-request", "console-device-request"),
    ("console-admin", "console-admin"),
    ("package", "package"),
];

/// The `RUSTFLAGS` of the web app's build: the caller's, plus `--cfg erase_components`, with which Leptos erases
/// each component's and reactive child's concrete view type (`AnyView` and one shared render path per output type,
/// instead of one monomorphized copy of tachys' rendering per component and closure): the largest size lever of
/// issue 16. Only the web app's build gets it (the Worker has no Leptos); `--target` keeps it off build scripts and
/// proc-macros. A change of these flags rebuilds the web app's dependencies once; every build of `frontend` for
/// wasm32 (the benchmark page's too) passes the same, so they do not rebuild each other's.
pub fn frontend_rustflags() -> String {
    let caller = std::env::var("RUSTFLAGS").unwrap_or_default();
    format!("{caller} --cfg erase_components").trim().to_owned()
}

/// Builds the web app into `dist/`.
pub fn frontend(tools: &Tools, flavor: Flavor) -> Result {
    let root = root();
    run(Command::new("cargo")
        .args(["build", "--release", "--target", "wasm32-unknown-unknown", "--package", "keyward-frontend"])
        .args(flavor.features())
        .env("RUSTFLAGS", frontend_rustflags())
        .current_dir(&root))?;
    let dist = root.join("dist");
    let package = dist.join("pkg");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&package).map_err(|error| format!("creating {}: {error}", package.display()))?;
    for (binary, name) in BUNDLES {
        run(Command::new(&tools.wasm_bindgen)
            .arg(root.join(format!("target/wasm32-unknown-unknown/release/{binary}.wasm")))
            .args(["--target", "web", "--no-typescript", "--out-name", name, "--out-dir"])
            .arg(&package))?;
        let wasm = package.join(format!("{name}_bg.wasm"));
        run(Command::new(tools.node("wasm-opt")).arg("-Oz").args(WASM_FEATURES).arg(&wasm).arg("-o").arg(&wasm))?;
    }
    copy_directory(&root.join("public"), &dist)?;
    openapi_asset()
}

/// The OpenAPI description among the static assets, at the path the API serves it on: `edge/openapi.json` (the one
/// source, which a host test of `shared` keeps current) copied to `dist/api/v1/openapi.json`, which the Worker's
/// `GET /api/v1/openapi.json` reads through its assets binding instead of embedding it (issue 4's upload budget).
/// Every build writes it, the web app's (which remakes `dist/`) and the Worker's (so that rebuilding the Worker
/// alone after the description changed serves the new one).
fn openapi_asset() -> Result {
    let root = root();
    let target = root.join("dist/api/v1/openapi.json");
    if let Some(directory) = target.parent() {
        std::fs::create_dir_all(directory).map_err(|error| format!("creating {}: {error}", directory.display()))?;
    }
    std::fs::copy(root.join("edge/openapi.json"), &target)
        .map(drop)
        .map_err(|error| format!("copying edge/openapi.json to {}: {error}", target.display()))
}

/// Builds the Worker into `edge/build/` (what `wrangler deploy` and `wrangler dev` run).
pub fn edge(tools: &Tools, flavor: Flavor) -> Result {
    worker(tools, "build", flavor.features(), flavor == Flavor::Production)
}

/// Builds the production Worker into `edge/build-production/`, for the test that it has no development route.
pub fn production_probe(tools: &Tools) -> Result {
    worker(tools, "build-production", Flavor::Production.features(), true)
}

/// `worker-build --release` with `features` into `edge/<out_dir>/`. A production build (`strip_names`) then loses
/// the module's name section:
/// worker-build runs wasm-opt with `--debuginfo`, which keeps every function's name, about 100 KiB of the gzip
/// upload (issue 4's budget: 1 MB). A panic's message still reaches the log; its stack shows function indices.
/// The development builds (`dev`, `test`, `bench`) keep the names, which the benchmark's profile reads.
fn worker(tools: &Tools, out_dir: &str, features: &[&str], strip_names: bool) -> Result {
    let root = root();
    openapi_asset()?;
    run(Command::new(&tools.worker_build)
        .args(["--release", "--out-dir", out_dir, "."])
        .args(features)
        .current_dir(root.join("edge"))
        .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
        .env("WASM_OPT_BIN", tools.node("wasm-opt"))
        .env("ESBUILD_BIN", tools.node("esbuild")))?;
    if !strip_names {
        return Ok(());
    }
    let wasm = root.join("edge").join(out_dir).join("index_bg.wasm");
    // With the features worker-build's own wasm-opt run enables (exception handling: wasm-bindgen's catch wrappers).
    run(Command::new(tools.node("wasm-opt"))
        .arg("--strip-debug")
        .args(WASM_FEATURES)
        .arg("--enable-exception-handling")
        .arg(&wasm)
        .arg("-o")
        .arg(&wasm))
}

fn copy_directory(from: &Path, to: &Path) -> Result {
    let entries = std::fs::read_dir(from).map_err(|error| format!("reading {}: {error}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|error| error.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).map_err(|error| error.to_string())?;
            copy_directory(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|error| format!("copying to {}: {error}", target.display()))?;
        }
    }
    Ok(())
}
