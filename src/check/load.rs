//! Reading inputs: files, directories (recursively, `*.yaml` / `*.yml`, hidden entries skipped)
//! and `-` for standard input. The only module of `check` that does I/O.

use super::model::{InputError, InputErrorKind, Severity};
use super::Source;
use crate::specfile::read_capped;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads every path (a file, a directory walked recursively for `*.yaml`/`*.yml`, or `-` for
/// `stdin`) into sources. Unreadable paths and non-UTF-8 files become input errors (exit code 2);
/// the other paths are still read.
pub fn load_paths(paths: &[PathBuf], stdin: &mut dyn Read) -> (Vec<Source>, Vec<InputError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut stdin_read = false;
    for p in paths {
        if p.as_os_str() == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            match read_capped(&mut *stdin, MAX_INPUT_BYTES) {
                Ok(None) => errors.push(too_large("<stdin>")),
                // Nothing at all on stdin is almost always a failed producer (`helm template ... |
                // zerodown check -` without pipefail): an error, not a clean pass.
                Ok(Some(bytes)) if bytes.iter().all(u8::is_ascii_whitespace) => errors.push(InputError::new(
                    "<stdin>",
                    None,
                    Severity::Error,
                    InputErrorKind::Unreadable,
                    "standard input is empty; did the command before `| zerodown check -` fail?"
                        .to_string(),
                )),
                Ok(Some(bytes)) => push_text("<stdin>", bytes, &mut sources, &mut errors),
                Err(e) => errors.push(InputError::new(
                    "<stdin>",
                    None,
                    Severity::Error,
                    InputErrorKind::Unreadable,
                    format!("cannot read standard input: {e}"),
                )),
            }
            continue;
        }
        let name = p.display().to_string();
        match std::fs::metadata(p) {
            Err(e) => errors.push(InputError::new(
                &name,
                None,
                Severity::Error,
                InputErrorKind::Unreadable,
                format!("cannot read {name}: {}", io_reason(&e)),
            )),
            Ok(m)
                if m.is_dir() && p.join("kustomization.yaml").is_file() && kubectl().is_some() =>
            {
                // A kustomization (such as a bundle with the user's custom/ layer): audit what
                // `kubectl apply -k` would apply, not the files one by one.
                match kustomize(p) {
                    Ok(text) => push_text(
                        &format!("{name}{}", super::parse::KUSTOMIZE_SUFFIX),
                        text.into_bytes(),
                        &mut sources,
                        &mut errors,
                    ),
                    Err(why) => errors.push(InputError::new(
                        &name,
                        None,
                        Severity::Error,
                        InputErrorKind::Unreadable,
                        format!("`kubectl kustomize {name}` failed: {why}"),
                    )),
                }
            }
            Ok(m) if m.is_dir() => {
                if p.join("kustomization.yaml").is_file() {
                    errors.push(InputError::new(
                        &name,
                        None,
                        Severity::Info,
                        InputErrorKind::NoManifests,
                        format!("{name} is a kustomization, but kubectl was not found (set ZERODOWN_KUBECTL or put kubectl on PATH): its files are audited one by one, without the patches of its components"),
                    ));
                }
                let mut files = Vec::new();
                let mut visited = HashSet::new();
                walk(p, &mut files, &mut visited, &mut errors);
                if files.is_empty() {
                    errors.push(InputError::new(
                        &name,
                        None,
                        Severity::Warning,
                        InputErrorKind::NoManifests,
                        format!("directory {name} contains no *.yaml or *.yml files"),
                    ));
                }
                for f in files {
                    read_file(&f, &mut seen, &mut sources, &mut errors);
                }
            }
            Ok(_) => read_file(p, &mut seen, &mut sources, &mut errors),
        }
    }
    (sources, errors)
}

/// The largest input `check` reads, in bytes (256 MiB): a rendered repository is far smaller,
/// and `/dev/zero` or a runaway generator would otherwise grow memory until the system kills the
/// process (a parsed document takes about four times its text).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

fn too_large(name: &str) -> InputError {
    InputError::new(
        name,
        None,
        Severity::Error,
        InputErrorKind::Unreadable,
        format!(
            "{name} is larger than {} MiB; not checked (check it in parts)",
            MAX_INPUT_BYTES / 1024 / 1024
        ),
    )
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn push_text(name: &str, mut bytes: Vec<u8>, out: &mut Vec<Source>, errs: &mut Vec<InputError>) {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => out.push(Source {
            name: name.to_string(),
            text,
        }),
        Err(e) => errs.push(InputError::new(
            name,
            None,
            Severity::Error,
            InputErrorKind::NotUtf8,
            format!(
                "not UTF-8 text (invalid byte at offset {}); is it a binary file?",
                e.utf8_error().valid_up_to()
            ),
        )),
    }
}

fn read_file(
    p: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Source>,
    errs: &mut Vec<InputError>,
) {
    let key = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    if !seen.insert(key) {
        return;
    }
    let name = p.display().to_string();
    match std::fs::File::open(p).and_then(|f| read_capped(f, MAX_INPUT_BYTES)) {
        Ok(Some(bytes)) => push_text(&name, bytes, out, errs),
        Ok(None) => errs.push(too_large(&name)),
        Err(e) => errs.push(InputError::new(
            &name,
            None,
            Severity::Error,
            InputErrorKind::Unreadable,
            format!("cannot read {name}: {}", io_reason(&e)),
        )),
    }
}

fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    errs: &mut Vec<InputError>,
) {
    let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if !visited.insert(canon) {
        return; // symlink loop
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let name = dir.display().to_string();
            errs.push(InputError::new(
                &name,
                None,
                Severity::Error,
                InputErrorKind::Unreadable,
                format!("cannot read directory {name}: {}", io_reason(&e)),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    for p in paths {
        if p.is_dir() && p.join("Chart.yaml").is_file() {
            // A Helm chart's sources (such as a bundle's chart/) are templates, not manifests.
            let name = p.display().to_string();
            errs.push(InputError::new(
                &name,
                None,
                Severity::Info,
                InputErrorKind::HelmTemplate,
                format!("Helm chart {name} skipped; to audit it, render it first: helm template RELEASE {name} | zerodown check -"),
            ));
        } else if p.is_dir() && is_component(&p) {
            // A kustomize Component holds patches (partial objects), not manifests.
            let name = p.display().to_string();
            errs.push(InputError::new(
                &name,
                None,
                Severity::Info,
                InputErrorKind::NoManifests,
                format!("kustomize Component {name} skipped (patches, not manifests); `kubectl kustomize` of the folder that includes it shows its effect"),
            ));
        } else if p.is_dir() {
            walk(&p, files, visited, errs);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            if p.is_file() {
                files.push(p);
            } else {
                // A pipe, socket or device: reading it could block forever.
                let name = p.display().to_string();
                errs.push(InputError::new(
                    &name,
                    None,
                    Severity::Warning,
                    InputErrorKind::Unreadable,
                    format!("{name} is not a regular file (a pipe, socket or device); skipped in a folder walk; name it on its own to read it"),
                ));
            }
        }
    }
}

/// The kubectl `check` builds kustomizations with: `ZERODOWN_KUBECTL`, else `kubectl` on
/// `PATH`; `None` when neither is there.
pub fn kubectl() -> Option<PathBuf> {
    if let Some(k) = std::env::var_os("ZERODOWN_KUBECTL").filter(|k| !k.is_empty()) {
        return Some(PathBuf::from(k));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("kubectl"))
        .find(|k| k.is_file())
}

/// The output of `kubectl kustomize DIR` (the objects `kubectl apply -k DIR` applies).
///
/// Errors: kubectl's own message (a bad patch, a missing file), or why it could not run.
pub fn kustomize(dir: &Path) -> Result<String, String> {
    let kubectl = kubectl().ok_or("kubectl not found (set ZERODOWN_KUBECTL)")?;
    let out = std::process::Command::new(&kubectl)
        .arg("kustomize")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", kubectl.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8(out.stdout).map_err(|_| "kubectl printed non-UTF-8 output".to_string())
}

/// Whether `dir` holds a kustomize Component (`kind: Component` in its kustomization.yaml).
fn is_component(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("kustomization.yaml"))
        .is_ok_and(|t| t.lines().any(|l| l.trim_end() == "kind: Component"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_beyond_the_cap_is_refused_not_read_whole() {
        assert_eq!(
            read_capped(&b"0123456789"[..], 10).unwrap(),
            Some(b"0123456789".to_vec())
        );
        assert_eq!(read_capped(&b"0123456789x"[..], 10).unwrap(), None);
        // An endless reader stops at the cap.
        assert_eq!(read_capped(std::io::repeat(b'a'), 1000).unwrap(), None);
        let e = too_large("big.yaml");
        assert_eq!(e.level, Severity::Error);
        assert!(e.message.contains("larger than 256 MiB"), "{}", e.message);
    }
}
