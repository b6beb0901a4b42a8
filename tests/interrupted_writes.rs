//! Interrupted writes: a write that fails (a full disk, a destination under a file) or a process
//! that dies mid-write must leave the destination untouched or complete, for `new` (a fresh
//! folder) and `render` (a folder with generated files).
//!
//! Failures are injected at every step with `ZERODOWN_FAIL_AFTER_FILES=N` (the writer fails as a
//! full disk would once N files are staged; `N:abort` kills the process there with no cleanup), a
//! hook that only debug builds have. Real kills at random moments and a real OS error complete it.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use support::tree;

const IMAGE: &str = "registry.example.com/team/app:1.0.0";
/// Files of a bundle of the generic preset (zerodown.yaml, 5 manifests, kustomization, README).
const FILES: usize = 8;

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("ZERODOWN_FAIL_AFTER_FILES")
        .timeout(Duration::from_secs(60));
    c
}

fn new_args() -> [&'static str; 7] {
    ["new", "app", "--image", IMAGE, "-o", "app", "--no-input"]
}

/// Files without hidden ones (a killed writer may leave its hidden staging files behind).
fn visible(t: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    t.iter()
        .filter(|(k, _)| !k.split('/').any(|c| c.starts_with('.')))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The bundle `new` writes, as a tree, for comparison.
fn reference_bundle() -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(new_args()).assert().success();
    tree(&tmp.path().join("app"))
}

fn hook_available() -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: ZERODOWN_FAIL_AFTER_FILES exists in debug builds only");
    }
    cfg!(debug_assertions)
}

#[test]
fn new_that_fails_at_any_file_writes_nothing() {
    if !hook_available() {
        return;
    }
    // 0..FILES: while staging; FILES: everything staged, before the rename that commits.
    for n in 0..=FILES {
        let tmp = tempfile::tempdir().unwrap();
        zerodown(tmp.path())
            .args(new_args())
            .env("ZERODOWN_FAIL_AFTER_FILES", n.to_string())
            .assert()
            .code(74)
            .stderr(predicates::str::contains("cannot write"))
            .stderr(predicates::str::contains("no space left on device"));
        assert!(
            tree(tmp.path()).is_empty(),
            "failure after {n} files left {:?}",
            tree(tmp.path()).keys()
        );
    }
}

#[test]
fn new_killed_at_any_file_leaves_no_destination_and_can_be_rerun() {
    if !hook_available() {
        return;
    }
    let reference = reference_bundle();
    for n in 0..=FILES {
        let tmp = tempfile::tempdir().unwrap();
        let out = zerodown(tmp.path())
            .args(new_args())
            .env("ZERODOWN_FAIL_AFTER_FILES", format!("{n}:abort"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            None,
            "aborted by a signal after {n} files"
        );
        assert!(!tmp.path().join("app").exists(), "after {n} files");
        // What a kill leaves is the hidden staging folder beside the destination, nothing else.
        let left = tree(tmp.path());
        assert!(
            left.keys().all(|k| k.starts_with(".zerodown-new-")),
            "{:?}",
            left.keys()
        );
        zerodown(tmp.path()).args(new_args()).assert().success();
        assert_eq!(tree(&tmp.path().join("app")), reference, "rerun after {n}");
    }
}

/// A bundle folder made by `new`, then its spec changed so that `render` rewrites most files.
fn bundle_with_changed_spec(root: &Path) -> std::path::PathBuf {
    zerodown(root).args(new_args()).assert().success();
    let dir = root.join("app");
    let spec = fs::read_to_string(dir.join("zerodown.yaml")).unwrap();
    let spec = spec
        .replace("startupSeconds: 5\n", "startupSeconds: 20\n")
        .replace("cost: balanced", "cost: resilient")
        .replace("partOf: app", "partOf: shop");
    fs::write(dir.join("zerodown.yaml"), spec).unwrap();
    dir
}

/// The files `render` writes after [`bundle_with_changed_spec`].
fn rendered_after_change() -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = bundle_with_changed_spec(tmp.path());
    zerodown(&dir).arg("render").assert().success();
    tree(&dir)
}

#[test]
fn render_that_fails_at_any_file_changes_nothing() {
    if !hook_available() {
        return;
    }
    let expected = rendered_after_change();
    let tmp = tempfile::tempdir().unwrap();
    let dir = bundle_with_changed_spec(tmp.path());
    let before = tree(&dir);
    let changed = expected
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .count();
    assert!(changed >= 4, "the spec change rewrites {changed} files");
    for n in 0..=changed {
        zerodown(&dir)
            .arg("render")
            .env("ZERODOWN_FAIL_AFTER_FILES", n.to_string())
            .assert()
            .code(74)
            .stderr(predicates::str::contains("no space left on device"));
        assert_eq!(tree(&dir), before, "failure after {n} staged files");
    }
    zerodown(&dir).arg("render").assert().success();
    assert_eq!(tree(&dir), expected);
}

#[test]
fn render_killed_at_any_file_keeps_every_file_whole_and_can_be_rerun() {
    if !hook_available() {
        return;
    }
    let expected = rendered_after_change();
    for n in [0, 1, 3, 6] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = bundle_with_changed_spec(tmp.path());
        let before = tree(&dir);
        let out = zerodown(&dir)
            .arg("render")
            .env("ZERODOWN_FAIL_AFTER_FILES", format!("{n}:abort"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), None, "aborted after {n} staged files");
        // Killed before the renames: every visible file is the old one.
        assert_eq!(
            visible(&tree(&dir)),
            before,
            "killed after {n} staged files"
        );
        zerodown(&dir).arg("render").assert().success();
        assert_eq!(visible(&tree(&dir)), expected, "rerun after a kill at {n}");
        zerodown(&dir)
            .args(["render", "--check"])
            .assert()
            .success();
    }
}

#[test]
fn a_destination_under_a_file_is_a_conflict_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("not-a-dir"), "x").unwrap();
    let before = tree(tmp.path());
    zerodown(tmp.path())
        .args([
            "new",
            "app",
            "--image",
            IMAGE,
            "-o",
            "not-a-dir/app",
            "--no-input",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "not-a-dir is a file, not a folder",
        ));
    assert_eq!(tree(tmp.path()), before);
    // render into a folder under a file: the same.
    zerodown(tmp.path())
        .args(["new", "app", "--image", IMAGE, "--no-input"])
        .assert()
        .success();
    let before = tree(tmp.path());
    zerodown(tmp.path())
        .args(["render", "-f", "app/zerodown.yaml", "-o", "not-a-dir/out"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "not-a-dir is a file, not a folder",
        ));
    assert_eq!(tree(tmp.path()), before);
}

/// Real kills at moments nobody chose: the destination is absent or the complete bundle (`new`),
/// and every file is either its old or its new version (`render`).
#[test]
fn killed_at_random_moments_the_destination_is_untouched_or_complete() {
    let reference = reference_bundle();
    let rendered = rendered_after_change();
    // Kill times spread over a whole run (process start included) and a little beyond.
    let started = std::time::Instant::now();
    reference_bundle();
    let run = started.elapsed();
    let mut outcomes = BTreeMap::new();
    for i in 0..24u32 {
        let delay = run * i / 20;
        let tmp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::cargo_bin("zerodown")
            .unwrap()
            .current_dir(tmp.path())
            .args(new_args())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let dest = tmp.path().join("app");
        let state = if dest.exists() {
            assert_eq!(tree(&dest), reference, "new killed after {delay:?}");
            "complete"
        } else {
            "absent"
        };
        *outcomes
            .entry(format!(
                "new {state} ({})",
                if status.success() {
                    "finished"
                } else {
                    "killed"
                }
            ))
            .or_insert(0) += 1;

        let rtmp = tempfile::tempdir().unwrap();
        let dir = bundle_with_changed_spec(rtmp.path());
        let before = tree(&dir);
        let mut child = std::process::Command::cargo_bin("zerodown")
            .unwrap()
            .current_dir(&dir)
            .arg("render")
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let after = visible(&tree(&dir));
        let mut new_files = 0;
        for (path, body) in &after {
            if Some(body) == rendered.get(path) && before.get(path) != Some(body) {
                new_files += 1;
            } else {
                assert_eq!(
                    before.get(path),
                    Some(body),
                    "render killed after {delay:?}: {path} is neither the old nor the new file"
                );
            }
        }
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            before.keys().collect::<Vec<_>>()
        );
        let state = match new_files {
            0 => "untouched",
            n if after == rendered => {
                let _ = n;
                "complete"
            }
            _ => "part renamed, each file whole",
        };
        *outcomes.entry(format!("render {state}")).or_insert(0) += 1;
    }
    eprintln!("outcomes of 24 random kills: {outcomes:?}");
}
