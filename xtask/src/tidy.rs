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
}
