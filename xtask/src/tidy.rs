//! `cargo xtask tidy`: the rules of STYLE.md that a program can check.
//!
//! - no unfinished-work markers (the words and macros listed in `check_markers`), and the
//!   one agreed marker only with an issue number;
//! - every non-test Rust module opens with a `//!` doc;
//! - no `mod.rs` files;
//! - every crate under `crates/` is named in `docs/ARCHITECTURE.md`, and every repository path
//!   that document names in backticks exists.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Folders whose files tidy reads.
const SOURCE_ROOTS: &[&str] = &["crates", "plugins", "xtask", "tests", "wit"];

/// Top-level folders whose mention in ARCHITECTURE.md is taken as a path to check.
const PATH_PREFIXES: &[&str] = &["crates/", "plugins/", "xtask/", "tests/", "wit/", "docs/"];

/// Runs every tidy check and fails listing all problems found.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for source_root in SOURCE_ROOTS {
        collect_files(&root.join(source_root), &mut files)?;
    }

    for path in &files {
        let relative = path.strip_prefix(root).unwrap_or(path);
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !matches!(extension, "rs" | "toml" | "wit" | "md") {
            continue;
        }
        let text = fs_err::read_to_string(path)?;
        check_markers(relative, &text, &mut problems);
        if extension == "rs" {
            check_module_doc(relative, &text, &mut problems);
            if path.file_name().is_some_and(|name| name == "mod.rs") {
                problems.push(format!(
                    "{}: `mod.rs` is not used here; name the module file after the module",
                    relative.display()
                ));
            }
        }
    }
    check_architecture(root, &mut problems)?;

    if problems.is_empty() {
        return Ok(());
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    bail!("tidy found {} problem(s)", problems.len())
}

fn collect_files(directory: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !directory.exists() {
        return Ok(());
    }
    for entry in fs_err::read_dir(directory)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // Build output and snapshot files are not source.
        if matches!(name, "target" | "snapshots") || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn check_markers(path: &Path, text: &str, problems: &mut Vec<String>) {
    // The words are split so that this file does not flag itself.
    let banned = [
        ["TO", "DO"].concat(),
        ["X", "XX"].concat(),
        ["dbg", "!("].concat(),
        ["todo", "!("].concat(),
    ];
    let fixme = ["FIX", "ME"].concat();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        for word in &banned {
            if line.contains(word.as_str()) {
                problems.push(format!(
                    "{}:{line_number}: `{word}` marks unfinished work; finish it or use \
                     `{fixme}(#issue): sentence`",
                    path.display()
                ));
            }
        }
        let mut rest = line;
        while let Some(position) = rest.find(fixme.as_str()) {
            let after = &rest[position + fixme.len()..];
            if !has_issue_number(after) {
                problems.push(format!(
                    "{}:{line_number}: `{fixme}` needs an issue number: `{fixme}(#123): sentence`",
                    path.display()
                ));
            }
            rest = after;
        }
    }
}

/// True when `after` (the text following the marker) reads `(#<digits>):`.
fn has_issue_number(after: &str) -> bool {
    let Some(inner) = after.strip_prefix("(#") else {
        return false;
    };
    let digits = inner.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && inner[digits..].starts_with("):")
}

fn check_module_doc(path: &Path, text: &str, problems: &mut Vec<String>) {
    let is_test = path
        .components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("tests")))
        || path.file_name().is_some_and(|name| name == "tests.rs");
    let is_build_script = path.file_name().is_some_and(|name| name == "build.rs");
    if is_test || is_build_script {
        return;
    }
    let first = text.lines().map(str::trim).find(|line| !line.is_empty());
    if !first.is_some_and(|line| line.starts_with("//!")) {
        problems.push(format!(
            "{}: a module opens with a `//!` doc saying why it exists",
            path.display()
        ));
    }
}

fn check_architecture(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let architecture_path = root.join("docs/ARCHITECTURE.md");
    if !architecture_path.exists() {
        problems.push("docs/ARCHITECTURE.md is missing".to_owned());
        return Ok(());
    }
    let architecture = fs_err::read_to_string(&architecture_path)?;

    for entry in fs_err::read_dir(root.join("crates"))? {
        let entry = entry?;
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let mention = format!("crates/{name}");
        if !architecture.contains(&mention) {
            problems.push(format!(
                "docs/ARCHITECTURE.md does not describe `{mention}`; add its entry with \
                 Invariant and Boundary"
            ));
        }
    }

    for quoted in architecture.split('`').skip(1).step_by(2) {
        let candidate = quoted.split_whitespace().next().unwrap_or_default();
        let candidate = candidate.trim_end_matches([',', '.', ':', ')']);
        let is_path = PATH_PREFIXES
            .iter()
            .any(|prefix| candidate.starts_with(prefix))
            && !candidate.contains(['*', '<', '{', '…']);
        if is_path && !root.join(candidate).exists() {
            problems.push(format!(
                "docs/ARCHITECTURE.md names `{candidate}`, which does not exist; update the doc"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markers(text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        check_markers(Path::new("f.rs"), text, &mut problems);
        problems
    }

    #[test]
    fn accepts_fixme_with_issue_number() {
        let line = ["// FIX", "ME(#12): the retry budget is fixed"].concat();
        assert!(markers(&line).is_empty());
    }

    #[test]
    fn rejects_fixme_without_issue_number() {
        let line = ["// FIX", "ME: later"].concat();
        assert_eq!(markers(&line).len(), 1);
    }

    #[test]
    fn rejects_unfinished_markers() {
        let text = [
            ["// TO", "DO later"].concat(),
            ["let x = dbg", "!(1);"].concat(),
        ]
        .join("\n");
        assert_eq!(markers(&text).len(), 2);
    }

    #[test]
    fn requires_module_doc_outside_tests() {
        let mut problems = Vec::new();
        check_module_doc(Path::new("crates/a/src/lib.rs"), "use x;\n", &mut problems);
        check_module_doc(
            Path::new("crates/a/tests/it/main.rs"),
            "use x;\n",
            &mut problems,
        );
        check_module_doc(
            Path::new("crates/a/src/b.rs"),
            "\n//! Why.\n",
            &mut problems,
        );
        assert_eq!(problems.len(), 1);
    }
}
