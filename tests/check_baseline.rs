//! `zerodown check --write-baseline FILE` records today's findings; `--baseline FILE` fails only
//! on findings it does not record (issue 13 §3).

mod common;
use assert_cmd::Command;
use common::*;
use serde_json::Value;
use zerodown::check::{fingerprint, render_baseline, Baseline};

fn zerodown(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

#[test]
fn fingerprints_survive_line_moves_and_reformatting() {
    let r = check(&sample("replicas-below-two"));
    let f = one(&r, "replicas-below-two");
    assert_eq!(
        fingerprint(f),
        "replicas-below-two|Deployment|shop|web||deployment 'web' can scale down to # replica (hpa 'web' minreplicas #); every drain, eviction or crash of that pod is an outage; run at least # replicas"
    );
    // The same object moved down the file, behind another document.
    let moved = format!("# moved\n---\n{}", sample("replicas-below-two"));
    let r2 = check(&moved);
    let g = one(&r2, "replicas-below-two");
    assert_ne!(f.line, g.line);
    assert_eq!(fingerprint(f), fingerprint(g));
    let b = Baseline::parse(&render_baseline(&r.findings)).unwrap();
    assert!(b.contains(g));
}

#[test]
fn baseline_fails_only_on_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), sample("replicas-below-two")).unwrap();
    let out = zerodown(dir.path())
        .args(["check", "app.yaml", "--write-baseline", "base.json"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("wrote baseline base.json ("), "{stderr}");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap())
            .unwrap();
    assert_eq!(file["version"], 1);
    assert_eq!(file["tool"], "zerodown");
    assert!(file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["rule"] == "replicas-below-two" && e["fingerprint"].is_string()));
    // Same findings: exit 0, shown as baselined.
    let out = zerodown(dir.path())
        .args(["check", "app.yaml", "--baseline", "base.json"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains(
            "  baselined[replicas-below-two] Deployment 'web' can scale down to 1 replica"
        ),
        "{text}"
    );
    assert!(text.contains(" baselined)"), "{text}");
    // JSON marks baselined findings.
    let out = zerodown(dir.path())
        .args([
            "check",
            "app.yaml",
            "--baseline",
            "base.json",
            "--format",
            "json",
        ])
        .assert()
        .code(0);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["summary"]["baselined"], 1);
    assert_eq!(v["summary"]["warnings"], 0);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "replicas-below-two" && f["baselined"] == true));
    // A new fault fails, and SARIF says which is new.
    std::fs::write(
        dir.path().join("app.yaml"),
        with(DEPLOY, "maxSurge: 1", "maxSurge: 0")
            .replace("spec:\n  strategy", "spec:\n  replicas: 1\n  strategy"),
    )
    .unwrap();
    let out = zerodown(dir.path())
        .args([
            "check",
            "app.yaml",
            "--baseline",
            "base.json",
            "--format",
            "sarif",
        ])
        .assert()
        .code(1);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let state = |rule: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .map(|r| r["baselineState"].clone())
    };
    assert_eq!(
        state("rolling-update-cannot-progress"),
        Some(Value::from("new"))
    );
    // Replacing a baseline says so.
    let out = zerodown(dir.path())
        .args(["check", "app.yaml", "--write-baseline", "base.json"])
        .assert()
        .code(1);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("replaced baseline base.json")
    );
}

#[test]
fn missing_or_corrupt_baseline_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), clean()).unwrap();
    let out = zerodown(dir.path())
        .args(["check", "app.yaml", "--baseline", "nope.json"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("cannot read baseline nope.json"), "{err}");
    assert!(out.get_output().stdout.is_empty());
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"version\": 7, \"findings\": []}",
    )
    .unwrap();
    let out = zerodown(dir.path())
        .args(["check", "app.yaml", "--baseline", "bad.json"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("baseline bad.json: baseline version 7 is not supported (expected 1)"),
        "{err}"
    );
    std::fs::write(dir.path().join("bad.json"), "not json").unwrap();
    let out = zerodown(dir.path())
        .args(["check", "app.yaml", "--baseline", "bad.json"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("baseline bad.json: not a zerodown baseline"),
        "{err}"
    );
}

/// `--write-baseline` into a folder that does not exist, or onto a folder, is bad input (exit 2)
/// found before the check runs, not an I/O error about a temporary file afterwards.
#[test]
fn write_baseline_into_a_missing_folder_or_onto_a_folder_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("app.yaml");
    std::fs::write(&manifest, DEPLOY).unwrap();
    for (target, expected) in [
        (dir.path().join("nope/bl.json"), "does not exist"),
        (dir.path().to_path_buf(), "is a folder, not a file"),
    ] {
        let out = Command::cargo_bin("zerodown")
            .unwrap()
            .arg("check")
            .arg(&manifest)
            .arg("--write-baseline")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", target.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{err}");
    }
    assert!(!dir.path().join("nope").exists());
}
