//! `cargo xtask bench [size|browser|lighthouse|edge]`: the benchmark of issues 3, 4 and 16, every part unless one
//! is named. `size` builds the production app and runs `bench/size.mjs`: each first-load bundle's gzip size
//! against its budget (recipient ≤ 250 KB, console ≤ 300 KB), the packaging module apart, and the ten heaviest
//! items (by crate) of each WebAssembly module. It builds what it measures (the release app and Worker, and the frontend's `bench` build with the
//! benchmark page), then runs `bench/browser.mjs` (headless Chromium: Keyward's key pair, request and PKCS#12
//! against WebCrypto, PKI.js and node-forge; the real page's longest task and first load), `bench/lighthouse.mjs`
//! (Lighthouse's mobile profile on the recipient's pages, the login page and the order form: performance,
//! accessibility and best-practices scores, LCP, TBT and CLS; Debian's Chromium through chrome-launcher at
//! `CHROME_PATH`) and `bench/edge.mjs` (workerd: issuance CPU time, latency and throughput against a trivial D1
//! Worker; the Worker's upload size). Each part
//! merges its rows into `target/bench/report.json` and `target/bench/report.md`. `KEYWARD_BENCH_QUICK=1` runs
//! a few iterations only, to check the machinery; its report says so and is not one to judge by.

use std::path::Path;
use std::process::Command;

use crate::build::WASM_FEATURES;
use crate::process::run as run_command;
use crate::tools::{self, Tools};
use crate::{Result, build, devca, root};

/// Runs the named part (`size`, `browser`, `lighthouse`, `edge`) or all four.
pub fn run(part: Option<&str>) -> Result {
    let (size, browser, lighthouse, edge) = match part {
        None => (true, true, true, true),
        Some("size") => (true, false, false, false),
        Some("browser") => (false, true, false, false),
        Some("lighthouse") => (false, false, true, false),
        Some("edge") => (false, false, false, true),
        Some(other) => {
            return Err(format!(
                "unknown benchmark part `{other}` (expected `size`, `browser`, `lighthouse` or `edge`)"
            ));
        }
    };
    let tools = tools::ensure()?;
    if size {
        // What ships: the production app, measured before the development build below replaces it.
        build::frontend(&tools, build::Flavor::Production)?;
        node(&tools, "bench/size.mjs")?;
        if !(browser || lighthouse || edge) {
            eprintln!("report: {}", root().join("target/bench/report.md").display());
            return Ok(());
        }
    }
    // Both parts measure the release artefacts: the app served by the Worker, and the Worker itself.
    build::all(&tools, build::Flavor::Development)?;
    devca::ensure()?;
    let out = root().join("target/bench");
    std::fs::create_dir_all(&out).map_err(|error| format!("creating {}: {error}", out.display()))?;
    if browser {
        bench_page(&tools, &out)?;
        node(&tools, "bench/browser.mjs")?;
    }
    if lighthouse {
        node(&tools, "bench/lighthouse.mjs")?;
    }
    if edge {
        // The upload size is the production Worker's (`edge/build-production/`, as deployed: without the names).
        build::production_probe(&tools)?;
        node(&tools, "bench/edge.mjs")?;
    }
    eprintln!("report: {}", out.join("report.md").display());
    Ok(())
}

/// The benchmark page in `target/bench/`: the frontend built with its `bench` feature (the real key module and
/// `shared::pkcs12`, plus the entry points of `frontend/src/bench.rs`), bound and optimized exactly as the
/// release app is, and `bench/page.js` bundled with PKI.js and node-forge by the esbuild wrangler brings.
fn bench_page(tools: &Tools, out: &Path) -> Result {
    let root = root();
    // After build::all, so the app in dist/ was bound from the build without the feature; cargo keeps both.
    run_command(
        Command::new("cargo")
            .args(["build", "--release", "--target", "wasm32-unknown-unknown", "--package", "keyward-frontend"])
            .args(["--features", "bench"])
            .env("RUSTFLAGS", build::frontend_rustflags())
            .current_dir(&root),
    )?;
    let package = out.join("pkg");
    let _ = std::fs::remove_dir_all(&package);
    run_command(
        Command::new(&tools.wasm_bindgen)
            .arg(root.join("target/wasm32-unknown-unknown/release/keyward-frontend.wasm"))
            .args(["--target", "web", "--no-typescript", "--out-name", "keyward_bench", "--out-dir"])
            .arg(&package),
    )?;
    let wasm = package.join("keyward_bench_bg.wasm");
    run_command(Command::new(tools.node("wasm-opt")).arg("-Oz").args(WASM_FEATURES).arg(&wasm).arg("-o").arg(&wasm))?;
    run_command(
        Command::new(tools.node("esbuild"))
            .arg(root.join("bench/page.js"))
            .args(["--bundle", "--format=esm", "--platform=browser", "--target=es2022", "--log-level=warning"])
            .arg("--external:./pkg/keyward_bench.js")
            .arg(format!("--outfile={}", out.join("page.js").display())),
    )?;
    std::fs::copy(root.join("bench/index.html"), out.join("index.html"))
        .map_err(|error| format!("copying the benchmark page: {error}"))?;
    Ok(())
}

/// Runs one of the benchmark's Node scripts from the workspace root. Lighthouse's chrome-launcher finds Debian's
/// Chromium at `CHROME_PATH` (the same browser every other part drives; it never downloads one). The scripts start
/// Workers with the end-to-end harness, which reads and writes their D1 with the pinned Python (`KEYWARD_PYTHON`).
fn node(tools: &Tools, script: &str) -> Result {
    let root = root();
    run_command(
        Command::new("node")
            .arg(root.join(script))
            .current_dir(&root)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CHROME_PATH", "/usr/bin/chromium")
            .env("KEYWARD_PYTHON", &tools.python),
    )
}
