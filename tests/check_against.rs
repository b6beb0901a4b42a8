//! `zerodown check NEW --against OLD`: upgrades built from real failures
//! (tests/fixtures/upgrade/README.md cites each) give exactly their finding; an unchanged
//! version gives none; exit codes and the three formats.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{check, upgrade, AGAINST};
use zerodown::check::{check_against, load_paths, Severity};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(name)
}

/// The upgrade findings (rule, severity, message) of a fixture.
fn upgrade_findings(name: &str) -> Vec<(String, Severity, String)> {
    check(&upgrade(name))
        .active()
        .filter(|f| f.rule.starts_with("upgrade-"))
        .map(|f| (f.rule.to_string(), f.severity, f.message.clone()))
        .collect()
}

#[test]
fn a_version_label_in_the_selector_is_an_immutable_change() {
    assert_eq!(
        upgrade_findings("selector-version-label"),
        [(
            "upgrade-selector-immutable".to_string(),
            Severity::Error,
            "Deployment spec.selector changes from {\"matchLabels\":{\"app.kubernetes.io/name\":\"version-checker\",\"app.kubernetes.io/version\":\"v0.3.1\"}} to {\"matchLabels\":{\"app.kubernetes.io/name\":\"version-checker\",\"app.kubernetes.io/version\":\"v0.3.2\"}}: the selector is immutable, so the API server rejects the apply or `helm upgrade` (\"field is immutable\")".to_string()
        )]
    );
}

#[test]
fn a_port_renamed_under_the_service_drops_the_running_pods() {
    assert_eq!(
        upgrade_findings("renamed-port"),
        [(
            "upgrade-target-port-renamed".to_string(),
            Severity::Error,
            "Service targetPort \"metrics\" is a port name the running pods do not declare: the endpoints controller drops them at once, so until the new pods are Ready the Service has no endpoints".to_string()
        )]
    );
}

#[test]
fn each_real_upgrade_failure_gives_its_rule() {
    for (name, rule, severity) in [
        (
            "statefulset-claim-labels",
            "upgrade-statefulset-immutable",
            Severity::Error,
        ),
        ("job-template", "upgrade-job-immutable", Severity::Error),
        (
            "service-selector-switch",
            "upgrade-service-selects-nothing",
            Severity::Warning,
        ),
        (
            "replicas-removed",
            "upgrade-replicas-reset",
            Severity::Warning,
        ),
        ("pdb-labels", "upgrade-pods-leave-pdb", Severity::Warning),
    ] {
        let found = upgrade_findings(name);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        assert_eq!(
            (found[0].0.as_str(), found[0].1),
            (rule, severity),
            "{name}"
        );
    }
    assert_eq!(
        upgrade_findings("replicas-removed")[0].2,
        "Deployment drops spec.replicas (was 100): `kubectl apply` removes a field that its last-applied-configuration had, so the Deployment scales to 1 pod until an autoscaler reacts"
    );
}

#[test]
fn a_service_that_selects_no_pod_of_either_version_is_an_error() {
    let old = std::fs::read_to_string(fixture("service-selector-switch/old.yaml")).unwrap();
    let new = std::fs::read_to_string(fixture("service-selector-switch/new.yaml"))
        .unwrap()
        .replace(
            "    app.kubernetes.io/component: api\n  ports",
            "    app.kubernetes.io/component: apl\n  ports",
        );
    let r = check(&format!("{old}{AGAINST}{new}"));
    let f: Vec<_> = r
        .active()
        .filter(|f| f.rule == "upgrade-service-selects-nothing")
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].message, "Service's new selector {app.kubernetes.io/component=apl} matches neither the running pods nor the new ones: after the upgrade it has no endpoints at all");
}

#[test]
fn clusterip_pvc_and_externalname_changes() {
    let svc = |extra: &str| {
        format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n  namespace: shop\nspec:\n{extra}  ports:\n    - port: 5432\n")
    };
    let r = check(&format!(
        "{}{AGAINST}{}",
        svc("  clusterIP: 10.0.0.10\n"),
        svc("  clusterIP: 10.0.0.11\n")
    ));
    assert_eq!(
        r.active()
            .filter(|f| f.rule == "upgrade-service-immutable")
            .map(|f| f.severity)
            .collect::<Vec<_>>(),
        [Severity::Error]
    );
    // An empty or absent clusterIP is not a change the API server refuses.
    let r = check(&format!(
        "{}{AGAINST}{}",
        svc("  clusterIP: 10.0.0.10\n"),
        svc("")
    ));
    assert_eq!(
        r.active()
            .filter(|f| f.rule == "upgrade-service-immutable")
            .count(),
        0
    );
    let r = check(&format!(
        "{}{AGAINST}{}",
        svc(""),
        svc("  type: ExternalName\n  externalName: db.example.com\n")
    ));
    assert_eq!(
        r.active()
            .filter(|f| f.rule == "upgrade-service-immutable")
            .map(|f| f.severity)
            .collect::<Vec<_>>(),
        [Severity::Warning]
    );
    let pvc = common::PVC;
    let r = check(&format!("{pvc}{AGAINST}{}", pvc.replace("10Gi", "20Gi")));
    assert_eq!(
        r.active()
            .filter(|f| f.rule.starts_with("upgrade-"))
            .count(),
        0,
        "a larger request is allowed"
    );
    let r = check(&format!("{pvc}{AGAINST}{}", pvc.replace("10Gi", "5Gi")));
    let msgs: Vec<_> = r
        .active()
        .filter(|f| f.rule == "upgrade-pvc-immutable")
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(msgs, ["PersistentVolumeClaim storage request shrinks from 10240Mi to 5120Mi: a claim can only grow, so the apply fails (\"field can not be less than previous value\")"]);
    let r = check(&format!(
        "{pvc}{AGAINST}{}",
        pvc.replace("ReadWriteOnce", "ReadWriteMany")
    ));
    assert_eq!(
        r.active()
            .filter(|f| f.rule == "upgrade-pvc-immutable")
            .count(),
        1
    );
}

#[test]
fn the_same_version_gives_no_upgrade_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = vec![root.join("tests/fixtures/field-cases")];
    dirs.extend(
        std::fs::read_dir(root.join("examples"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("zerodown.yaml").exists()),
    );
    for name in [
        "selector-version-label",
        "renamed-port",
        "statefulset-claim-labels",
        "job-template",
    ] {
        dirs.push(fixture(name).join("new.yaml"));
    }
    for d in dirs {
        let (s, _) = load_paths(std::slice::from_ref(&d), &mut std::io::empty());
        let r = check_against(&s, &s);
        let up: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("upgrade-"))
            .map(|f| f.message.clone())
            .collect();
        assert_eq!(up, Vec::<String>::new(), "{}", d.display());
    }
}

#[test]
fn an_annotation_silences_an_upgrade_finding() {
    let text = upgrade("replicas-removed").replacen(
        "  namespace: shop\nspec:\n",
        "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/upgrade-replicas-reset: \"the HPA was applied first\"\nspec:\n",
        2,
    );
    let r = check(&text);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "upgrade-replicas-reset")
        .unwrap();
    assert_eq!(
        f.suppressed.as_ref().map(|s| s.reason.as_str()),
        Some("the HPA was applied first")
    );
}

/// Upgrade findings read suppressions as every other rule does: an expired one no longer
/// silences (it silenced forever before: check --against had its own reading without expiry).
#[test]
fn an_expired_annotation_no_longer_silences_an_upgrade_finding() {
    let text = upgrade("replicas-removed").replacen(
        "  namespace: shop\nspec:\n",
        "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/upgrade-replicas-reset: \"the HPA was applied first; expires=2020-01-01\"\nspec:\n",
        2,
    );
    let r = check(&text);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "upgrade-replicas-reset")
        .unwrap();
    assert_eq!(f.suppressed, None);
    assert!(r.findings.iter().any(|f| f.rule == "suppression-expired"));
}

fn zerodown() -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn the_cli_exits_1_and_speaks_json_and_sarif() {
    let d = fixture("selector-version-label");
    let out = zerodown()
        .arg("check")
        .arg(d.join("new.yaml"))
        .arg("--against")
        .arg(d.join("old.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error[upgrade-selector-immutable] Deployment spec.selector changes from"),
        "{text}"
    );
    let out = zerodown()
        .arg("check")
        .arg(d.join("new.yaml"))
        .arg("--against")
        .arg(d.join("old.yaml"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "upgrade-selector-immutable")
        .unwrap();
    assert_eq!(
        (f["kind"].as_str(), f["name"].as_str(), f["line"].as_u64()),
        (Some("Deployment"), Some("version-checker"), Some(1))
    );
    let out = zerodown()
        .arg("check")
        .arg(d.join("new.yaml"))
        .arg("--against")
        .arg(d.join("old.yaml"))
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["ruleId"] == "upgrade-selector-immutable"));
    // Old from stdin.
    let old = std::fs::read_to_string(d.join("old.yaml")).unwrap();
    let out = zerodown()
        .arg("check")
        .arg(d.join("new.yaml"))
        .args(["--against", "-"])
        .write_stdin(old)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Both from stdin is refused.
    let out = zerodown()
        .args(["check", "-", "--against", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("error: `--against -` and `-` in PATH both read stdin"));
}

#[test]
fn explain_documents_every_upgrade_rule() {
    for id in [
        "upgrade-selector-immutable",
        "upgrade-statefulset-immutable",
        "upgrade-job-immutable",
        "upgrade-service-immutable",
        "upgrade-pvc-immutable",
        "upgrade-service-selects-nothing",
        "upgrade-pods-leave-pdb",
        "upgrade-replicas-reset",
        "upgrade-target-port-renamed",
    ] {
        let text = zerodown::check::explain(id).unwrap();
        assert!(
            text.starts_with(&format!("{id} (")) && text.contains(", upgrade)\n"),
            "{text}"
        );
    }
}

/// An OLD folder without manifests (a failed checkout in CI) is bad input, exit 2: otherwise every
/// upgrade rule would be skipped without a word (found by a new user's trial).
#[test]
fn against_a_folder_without_manifests_is_bad_input() {
    let empty = tempfile::tempdir().unwrap();
    let new = fixture("renamed-port").join("new.yaml");
    let out = Command::cargo_bin("zerodown")
        .unwrap()
        .arg("check")
        .arg(&new)
        .arg("--against")
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--against: ") && err.contains("nothing to compare with"),
        "{err}"
    );
}
