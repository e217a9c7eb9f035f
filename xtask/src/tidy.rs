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
}
