//! Tidy checks, run as ordinary tests by `cargo test`: conventions that keep the tree readable and safe.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::root;

    fn files(directory: &Path, extension: &str, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(directory) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if !matches!(name.to_str(), Some("target" | "node_modules" | "dist" | "build" | ".wrangler" | ".git")) {
                    files(&path, extension, found);
                }
            } else if path.extension().and_then(|extension| extension.to_str()) == Some(extension) {
                found.push(path);
            }
        }
    }

    /// The Worker's top-level modules (`edge/src/<module>.rs`, a directory's `mod.rs` and files counting as its
    /// module) and the modules each names as `crate::<module>`, in `use` lines or paths.
    fn edge_imports() -> Vec<(String, Vec<String>)> {
        let source = root().join("edge").join("src");
        let mut rust = Vec::new();
        files(&source, "rs", &mut rust);
        let mut modules: Vec<(String, Vec<String>)> = Vec::new();
        for path in rust {
            let relative = path.strip_prefix(&source).expect("under src").to_string_lossy().replace('\\', "/");
            let module = relative.split(['/', '.']).next().unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let mut named = Vec::new();
            for (index, _) in text.match_indices("crate::") {
                let rest = &text[index + "crate::".len()..];
                let mut names = vec![rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("")];
                // `use crate::{a, b::c};`
                if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    names = group.split(',').map(|part| part.trim().split("::").next().unwrap_or("")).collect();
                }
                named.extend(names.into_iter().filter(|name| !name.is_empty()).map(str::to_owned));
            }
            match modules.iter_mut().find(|(name, _)| *name == module) {
                Some((_, imports)) => imports.extend(named),
                None => modules.push((module, named)),
            }
        }
        for (module, imports) in &mut modules {
            imports.retain(|import| import != module);
            imports.sort();
            imports.dedup();
        }
        modules
    }

    /// No two modules of the Worker import each other, directly or through others: the layers run one way.
    #[test]
    fn edge_modules_import_without_cycles() {
        let modules = edge_imports();
        assert!(modules.len() > 10, "the walk found the Worker's modules");
        let imports_of = |module: &str| -> Vec<String> {
            modules.iter().find(|(name, _)| name == module).map(|(_, imports)| imports.clone()).unwrap_or_default()
        };
        for (start, _) in &modules {
            // Depth-first from `start`, keeping the path: reaching `start` again is a cycle.
            let mut stack = vec![(start.clone(), vec![start.clone()])];
            let mut seen = Vec::new();
            while let Some((module, path)) = stack.pop() {
                for next in imports_of(&module) {
                    assert!(next != *start, "a cycle of imports between the Worker's modules: {path:?} -> {next}");
                    if !seen.contains(&next) {
                        seen.push(next.clone());
                        let mut longer = path.clone();
                        longer.push(next.clone());
                        stack.push((next, longer));
                    }
                }
            }
        }
    }

    /// The Worker's SQL lives in `store/`, one module per table. The one exception is `dev.rs`, the
    /// development-only endpoints (404 unless `KEYWARD_ENV=development`), whose seed writes demo rows the product
    /// never writes (an order of the demo organization without an account, validations recorded as the seed's).
    #[test]
    fn the_workers_sql_lives_in_the_store() {
        let source = root().join("edge").join("src");
        let mut rust = Vec::new();
        files(&source, "rs", &mut rust);
        let outside: Vec<_> = rust
            .iter()
            .filter(|path| !path.starts_with(source.join("store")) && !path.ends_with("dev.rs"))
            .filter(|path| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                text.contains(".prepare(") || text.contains("INSERT INTO ") || text.contains("SELECT ")
            })
            .collect();
        assert!(rust.len() > 20, "the walk found the Worker's sources");
        assert!(outside.is_empty(), "SQL outside edge/src/store/: {outside:?}");
    }

    #[test]
    fn the_import_walk_sees_grouped_imports() {
        let modules = edge_imports();
        let (_, enrollment) = modules.iter().find(|(name, _)| name == "enrollment").expect("enrollment.rs");
        for expected in ["call", "db", "fulfilment", "issuing", "store"] {
            assert!(enrollment.contains(&expected.to_owned()), "enrollment imports {expected}: {enrollment:?}");
        }
    }

    #[test]
    fn every_rust_file_opens_with_a_module_comment() {
        let mut rust = Vec::new();
        for crate_directory in ["shared", "edge", "frontend", "xtask"] {
            files(&root().join(crate_directory), "rs", &mut rust);
        }
        assert!(rust.len() > 20, "the walk found the sources");
        let missing: Vec<_> =
            rust.iter().filter(|path| !std::fs::read_to_string(path).unwrap_or_default().starts_with("//!")).collect();
        assert!(missing.is_empty(), "files without a `//!` first line: {missing:?}");
    }

    /// ARCHITECTURE.md's code map names every source file of the Worker and of the pure core: each file's path
    /// under its crate's `src/`, in backticks, within that crate's section (`### \`edge/\``, `### \`shared/\``).
    #[test]
    fn every_edge_and_shared_file_is_on_the_code_map() {
        let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("reads ARCHITECTURE.md");
        let mut missing = Vec::new();
        for crate_directory in ["edge", "shared"] {
            let heading = format!("### `{crate_directory}/`");
            let start =
                architecture.find(&heading).unwrap_or_else(|| panic!("ARCHITECTURE.md has no {heading} section"));
            let rest = &architecture[start + heading.len()..];
            let section = &rest[..rest.find("\n### ").unwrap_or(rest.len())];
            let source = root().join(crate_directory).join("src");
            let mut rust = Vec::new();
            files(&source, "rs", &mut rust);
            assert!(!rust.is_empty(), "the walk found {crate_directory}'s sources");
            for path in rust {
                let relative = path.strip_prefix(&source).expect("under src").to_string_lossy().replace('\\', "/");
                if !section.contains(&format!("`{relative}`")) {
                    missing.push(format!("{crate_directory}/src/{relative}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "files ARCHITECTURE.md's code map does not name (as `path/under/src.rs`): {missing:?}"
        );
    }

    #[test]
    fn no_private_key_outside_test_fixtures() {
        let mut candidates = Vec::new();
        for extension in ["rs", "toml", "sql", "mjs", "json", "html", "md", "pem", "txt"] {
            files(&root(), extension, &mut candidates);
        }
        let marker = ["-----BEGIN", " PRIVATE KEY-----"];
        let offending: Vec<_> = candidates
            .iter()
            .filter(|path| {
                !path.components().any(|part| matches!(part.as_os_str().to_str(), Some("tests" | "fixtures")))
            })
            .filter(|path| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                text.lines().any(|line| line.starts_with(marker[0]) && line.ends_with(marker[1]))
            })
            .collect();
        assert!(offending.is_empty(), "private keys belong in secrets, not in the tree: {offending:?}");
    }

    /// Every path of the API is declared once, in `shared::api` (`Endpoint::path`): the web app builds its URLs
    /// from the declarations and the Worker's route table names them, so neither spells a path.
    #[test]
    fn no_api_path_is_spelled_outside_its_declaration() {
        let mut sources = Vec::new();
        files(&root().join("frontend").join("src"), "rs", &mut sources);
        assert!(sources.len() > 10, "the walk found the web app's sources");
        sources.push(root().join("edge").join("src").join("lib.rs"));
        let offending: Vec<String> = sources
            .iter()
            .flat_map(|path| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                text.lines()
                    .enumerate()
                    .filter(|(_, line)| line.contains("\"/api/v1"))
                    .map(|(number, line)| format!("{}:{}: {}", path.display(), number + 1, line.trim()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let listed = offending.join("\n");
        assert!(
            offending.is_empty(),
            "API paths spelled outside shared::api (use the endpoint's declaration):\n{listed}"
        );
    }

    /// Wire types depend on domain types, never the reverse: outside `shared/src/api/`, no module of `shared`
    /// imports from `crate::api` (comments may point at it).
    #[test]
    fn domain_modules_do_not_import_wire_types() {
        let mut sources = Vec::new();
        files(&root().join("shared").join("src"), "rs", &mut sources);
        let api = root().join("shared").join("src").join("api");
        let offending: Vec<String> = sources
            .iter()
            .filter(|path| !path.starts_with(&api))
            .flat_map(|path| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                text.lines()
                    .enumerate()
                    .filter(|(_, line)| !line.trim_start().starts_with("//"))
                    .filter(|(_, line)| line.contains("crate::api") || line.contains("super::api"))
                    .map(|(number, line)| format!("{}:{}: {}", path.display(), number + 1, line.trim()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(offending.is_empty(), "domain modules importing wire types:\n{}", offending.join("\n"));
    }

    /// The JavaScript that `cargo xtask test` does not run (the benchmark's scripts, the soak) at least parses:
    /// an unescaped backtick in `bench/edge.mjs` once stopped `cargo xtask bench edge` before it measured anything,
    /// and no suite noticed. `node --check` parses without running.
    #[test]
    fn every_script_of_the_tree_parses() {
        let mut scripts = Vec::new();
        for directory in ["bench", "tests", "public"] {
            for extension in ["mjs", "js"] {
                files(&root().join(directory), extension, &mut scripts);
            }
        }
        assert!(scripts.len() > 20, "the walk found the scripts ({})", scripts.len());
        let broken: Vec<String> = scripts
            .iter()
            .filter_map(|script| {
                let output = std::process::Command::new("node").arg("--check").arg(script).output().expect("runs node");
                (!output.status.success())
                    .then(|| format!("{}:\n{}", script.display(), String::from_utf8_lossy(&output.stderr)))
            })
            .collect();
        assert!(broken.is_empty(), "scripts that do not parse:\n{}", broken.join("\n"));
    }
}
