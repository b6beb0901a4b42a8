//! `zerodown check --fix`: every field case loses its named finding (or lists it with the value
//! to choose), the lines the fix does not touch stay byte-identical (a line diff), the result
//! passes the strict schemas and gives yamllint the same verdicts on untouched lines; and the CLI
//! modes (`--write` atomic and plain-files-only, `--patch DIR` never clobbering).

mod common;
use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use zerodown::check::{check_sources, fix_sources_with, Source};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn zerodown() -> Command {
    Command::cargo_bin("zerodown").unwrap()
}

/// Longest-common-subsequence line diff: (original lines removed, fixed lines added), and for
/// every kept line its (original, fixed) 0-based indices.
fn line_diff(a: &str, b: &str) -> (Vec<String>, Vec<String>, Vec<(usize, usize)>) {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let mut t = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added, mut kept) = (Vec::new(), Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            kept.push((i, j));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || t[i][j + 1] >= t[i + 1][j]) {
            added.push(b[j].to_string());
            j += 1;
        } else {
            removed.push(a[i].to_string());
            i += 1;
        }
    }
    (removed, added, kept)
}

/// (case, named rule, the original lines the fix may remove or rewrite, the `--choose` values
/// the case needs: the digest and the app's own command are not in the manifest)
const CASES: &[(&str, &str, &[&str], &[&str])] = &[
    ("FC-01", "prestop-missing", &[], &[]),
    ("FC-02", "prestop-exceeds-grace-period", &[], &[]),
    ("FC-04", "pdb-allows-zero-disruptions", &["  minAvailable: 1"], &[]),
    (
        "FC-05",
        "pdb-selector-matches-nothing",
        &[
            "      app.kubernetes.io/component: app",
            "      app.kubernetes.io/instance: app",
            "      app.kubernetes.io/name: app",
        ],
        &[],
    ),
    ("FC-06", "hpa-replicas-conflict", &["  replicas: 1"], &[]),
    ("FC-08", "startup-probe-missing", &[], &[]),
    ("FC-09", "probe-timeout-under-cpu-throttling", &[], &[]),
    (
        "FC-11",
        "liveness-same-as-readiness",
        &[
            "            httpGet:",
            "              path: /healthz",
            "            periodSeconds: 5",
            "            failureThreshold: 5",
        ],
        &[],
    ),
    ("FC-12", "readiness-probe-missing", &[], &[]),
    ("FC-13", "required-anti-affinity-blocks-rollout", &[], &[]),
    ("FC-15", "rolling-update-cannot-progress", &["      maxSurge: 0"], &[]),
    (
        "FC-16",
        "shell-pid1-drops-sigterm",
        &["          command: [\"/bin/sh\", \"/app/start.sh\"]"],
        &["shell-pid1-drops-sigterm=java -jar /app/app.jar"],
    ),
    ("FC-18", "nginx-fast-shutdown", &[], &[]),
    (
        "FC-19",
        "image-tag-mutable",
        &["          image: registry.example.com/app:latest"],
        &["image-tag-mutable=registry.example.com/app@sha256:4f5dbbd9a6b4b64fe1b6c3d1bd3ff1dc33a0a48d3b7c55b3e8c2a2b3c1d4e5f6"],
    ),
];

fn fix_text(name: &str, text: &str) -> (String, zerodown::check::FixOutcome) {
    fix_with(name, text, &[])
}

fn fix_with(name: &str, text: &str, choices: &[&str]) -> (String, zerodown::check::FixOutcome) {
    let choices: Vec<zerodown::check::Choice> =
        choices.iter().map(|c| c.parse().unwrap()).collect();
    let out = fix_sources_with(&[Source::new(name, text)], &choices);
    assert!(
        out.unused_choices.is_empty(),
        "{name}: {:?}",
        out.unused_choices
    );
    (out.sources[0].text.clone(), out)
}

#[test]
fn every_field_case_loses_its_finding_and_keeps_untouched_lines() {
    for (case, rule, rewritten, choices) in CASES {
        let path = fixture(&format!("field-cases/{case}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let (fixed, out) = fix_with(case, &text, choices);
        let after = check_sources(&[Source::new(*case, fixed.clone())]);
        assert!(
            after.findings.iter().all(|f| f.rule != *rule),
            "{case}: {rule} still found after --fix:\n{fixed}"
        );
        assert!(
            out.applied
                .iter()
                .any(|a| a.rule == *rule && !a.reason.is_empty()),
            "{case}: no fix recorded for {rule}: {:?}",
            out.applied
        );
        let (removed, _, _) = line_diff(&text, &fixed);
        assert_eq!(removed, *rewritten, "{case}: lines the fix changed");
        if !choices.is_empty() {
            // Without the value only the user knows, the finding stays, listed with what to choose.
            let (unfixed, out) = fix_text(case, &text);
            assert!(check_sources(&[Source::new(*case, unfixed)])
                .findings
                .iter()
                .any(|f| f.rule == *rule));
            let m = out.manual.iter().find(|m| m.rule == *rule).unwrap();
            assert!(m.choose.starts_with("choose"), "{case}: {}", m.choose);
        }
    }
}

#[test]
fn a_chosen_value_is_written_as_given_and_a_stray_choice_answers_nothing() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-16.yaml")).unwrap();
    let (fixed, out) = fix_with(
        "FC-16",
        &text,
        &["shell-pid1-drops-sigterm@app/app=java -Xss512k -jar '/app/my app.jar'"],
    );
    assert!(
        fixed.contains("          command: [java, -Xss512k, -jar, \"/app/my app.jar\"]\n"),
        "{fixed}"
    );
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "shell-pid1-drops-sigterm")
        .unwrap();
    assert!(
        a.reason.starts_with("exec form: the app itself is PID 1"),
        "{}",
        a.reason
    );
    // A choice for another workload, or another image repository, answers nothing.
    for stray in [
        "shell-pid1-drops-sigterm@api=java -jar /app/app.jar",
        "image-tag-mutable=registry.example.com/other:1.0.0",
        "replicas-below-two=3",
    ] {
        let c: zerodown::check::Choice = stray.parse().unwrap();
        let out = fix_sources_with(&[Source::new("FC-16", text.clone())], &[c]);
        assert_eq!(out.unused_choices, [stray], "{stray}");
    }
    // The CLI refuses it: exit 2, nothing on stdout.
    let out = zerodown()
        .args([
            "check",
            "--fix",
            "--choose",
            "image-tag-mutable=registry.example.com/other:1.0.0",
        ])
        .arg(fixture("field-cases/FC-19.yaml"))
        .assert()
        .code(2);
    assert!(out.get_output().stdout.is_empty());
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("--choose answered no finding; nothing was written: 'image-tag-mutable=registry.example.com/other:1.0.0'"), "{err}");
    // A value that is not allowed is a usage error naming it.
    let out = zerodown()
        .args([
            "check",
            "--fix",
            "--choose",
            "image-tag-mutable=registry.example.com/app:latest",
        ])
        .arg(fixture("field-cases/FC-19.yaml"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains("value 'registry.example.com/app:latest' is not pinned"),
        "{err}"
    );
}

#[test]
fn required_anti_affinity_rolls_one_node_at_a_time_or_becomes_preferred_by_choice() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-13.yaml")).unwrap();
    // The default keeps one pod per node and frees a node before each new pod: it works from
    // the first apply over running pods (cluster/ scenario `fix`).
    let (fixed, out) = fix_text("keep", &text);
    assert!(
        fixed.contains("          requiredDuringSchedulingIgnoredDuringExecution:\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains(
            "  strategy:\n    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 1\n"
        ),
        "{fixed}"
    );
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "required-anti-affinity-blocks-rollout")
        .unwrap();
    assert!(a.reason.starts_with("one pod per node stays required, so a rollout removes an old pod before it places a new one"), "{}", a.reason);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    let after = check_sources(&[Source::new("keep", fixed)]);
    assert!(
        after
            .findings
            .iter()
            .all(|f| f.rule != "required-anti-affinity-blocks-rollout"
                && f.severity < zerodown::check::Severity::Error),
        "{:?}",
        after.findings
    );
    // Preferred by choice; a second required term, against another app's pods, stays required,
    // and the note says how to apply it over the running pods.
    let two = text.replace(
        "              topologyKey: kubernetes.io/hostname\n",
        "              topologyKey: kubernetes.io/hostname\n            - labelSelector:\n                matchLabels:\n                  app.kubernetes.io/name: cache\n              topologyKey: kubernetes.io/hostname\n",
    );
    assert_ne!(two, text);
    let (fixed, out) = fix_with(
        "two",
        &two,
        &["required-anti-affinity-blocks-rollout=preferred"],
    );
    assert!(fixed.contains("          preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 100\n              podAffinityTerm:\n"), "{fixed}");
    assert!(fixed.contains("          requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector:\n                matchLabels:\n                  app.kubernetes.io/name: cache\n"), "{fixed}");
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "required-anti-affinity-blocks-rollout")
        .unwrap();
    assert!(
        a.reason
            .starts_with("preferred: spread over nodes when possible"),
        "{}",
        a.reason
    );
    assert_eq!(out.notes, [zerodown::check::ANTI_AFFINITY_NOTE]);
    // One pod per zone with more replicas than zones: only preferred terms lift the cap.
    let text = std::fs::read_to_string(fixture("field-cases-new/RC-10.yaml")).unwrap();
    let (fixed, out) = fix_text("RC-10", &text);
    assert!(
        out.applied
            .iter()
            .any(|a| a.change.contains("required -> preferred")),
        "{:?}",
        out.applied
    );
    let after = check_sources(&[Source::new("RC-10", fixed)]);
    assert!(
        after
            .findings
            .iter()
            .all(|f| f.rule != "zone-anti-affinity-caps-replicas"
                && f.rule != "required-anti-affinity-blocks-rollout"),
        "{:?}",
        after.findings
    );
}

#[test]
fn a_shell_c_script_gets_exec_before_its_last_command() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-16.yaml"))
        .unwrap()
        .replace(
            r#"command: ["/bin/sh", "/app/start.sh"]"#,
            "command: [\"/bin/bash\", \"-c\"]\n          args:\n            - cd /app && ./migrate.sh; java -jar app.jar > /proc/1/fd/1",
        );
    let before = check_sources(&[Source::new("c", text.clone())]);
    assert!(
        before
            .findings
            .iter()
            .any(|f| f.rule == "shell-pid1-drops-sigterm"),
        "{:?}",
        before.findings
    );
    let (fixed, out) = fix_text("c", &text);
    // The block sequence stays one: only its item changes.
    let (removed, added, _) = line_diff(&text, &fixed);
    assert_eq!(
        removed,
        ["            - cd /app && ./migrate.sh; java -jar app.jar > /proc/1/fd/1"]
    );
    assert_eq!(
        added[0],
        "            - \"cd /app && ./migrate.sh; exec java -jar app.jar > /proc/1/fd/1\""
    );
    assert!(out
        .applied
        .iter()
        .any(|a| a.rule == "shell-pid1-drops-sigterm"));
    let after = check_sources(&[Source::new("c", fixed)]);
    assert!(after
        .findings
        .iter()
        .all(|f| f.rule != "shell-pid1-drops-sigterm"));
    // A pipeline at the end is not sure: left to the user.
    let piped = text.replace("> /proc/1/fd/1", "| tee /tmp/log");
    let (fixed, out) = fix_text("p", &piped);
    assert!(
        fixed.contains("            - cd /app && ./migrate.sh; java -jar app.jar | tee /tmp/log\n"),
        "{fixed}"
    );
    assert!(out
        .manual
        .iter()
        .any(|m| m.rule == "shell-pid1-drops-sigterm"));
}

#[test]
fn fixes_carry_the_generators_numbers_and_reasons() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-02.yaml")).unwrap();
    let (fixed, out) = fix_text("FC-02", &text);
    assert!(
        fixed.contains("      terminationGracePeriodSeconds: 315\n"),
        "{fixed}"
    );
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "prestop-exceeds-grace-period")
        .unwrap();
    assert_eq!(a.change, "terminationGracePeriodSeconds: 315");
    assert_eq!(
        a.reason,
        "315: preStop 300s + drainSeconds 10s + 5s margin; the grace period starts before the hook, so it must cover both"
    );

    let text = std::fs::read_to_string(fixture("field-cases/FC-08.yaml")).unwrap();
    let (fixed, out) = fix_text("FC-08", &text);
    let (_, added, _) = line_diff(&text, &fixed);
    assert_eq!(
        added[..8],
        [
            "          startupProbe:",
            "            httpGet:",
            "              path: /actuator/health/liveness",
            "              port: http",
            "            initialDelaySeconds: 30",
            "            periodSeconds: 10",
            "            timeoutSeconds: 5",
            "            failureThreshold: 12",
        ]
    );
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "startup-probe-missing")
        .unwrap();
    assert!(
        a.reason
            .starts_with("first check at the typical startup (30s), then 12 x 10s = 120s more"),
        "{}",
        a.reason
    );
    assert!(a.reason.ends_with("(app type: JVM)"), "{}", a.reason);

    // Removing replicas beside an HPA of minReplicas 5 reveals the missing PDB: both are fixed,
    // and the PDB carries the Deployment's real selector.
    let text = std::fs::read_to_string(fixture("field-cases/FC-06.yaml")).unwrap();
    let (fixed, out) = fix_text("FC-06", &text);
    let rules: Vec<_> = out.applied.iter().map(|a| a.rule).collect();
    assert_eq!(rules, ["hpa-replicas-conflict", "pdb-missing"]);
    assert!(fixed.ends_with("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: app\nspec:\n  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: app\n"), "{fixed}");
    assert_eq!(out.notes, [zerodown::check::REPLICAS_NOTE]);
}

fn tool(name: &str) -> Option<PathBuf> {
    common::installed_tool(&format!("venv/bin/{name}"))
}

/// yamllint's parsable lines as (line, rule) pairs.
fn yamllint(bin: &Path, file: &Path) -> Vec<(usize, String)> {
    let out = std::process::Command::new(bin)
        .args(["-f", "parsable"])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&format!("{}:", file.display()))?;
            let (line, rest) = rest.split_once(':')?;
            let rule = rest.rsplit_once('(')?.1.trim_end_matches(')');
            Some((line.parse().ok()?, rule.to_string()))
        })
        .collect()
}

/// Each field case and each rendered chart, fixed: strict-valid (kubernetes-validate --strict),
/// and yamllint reports the same problems on the untouched lines as before.
#[test]
fn fixed_manifests_pass_strict_schemas_and_yamllint_agrees_on_untouched_lines() {
    let validate = tool("kubernetes-validate");
    let lint = tool("yamllint");
    if validate.is_none() && lint.is_none() {
        eprintln!("kubernetes-validate and yamllint not installed; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut inputs: Vec<(PathBuf, &[&str])> = CASES
        .iter()
        .map(|(c, _, _, choices)| (fixture(&format!("field-cases/{c}.yaml")), *choices))
        .collect();
    inputs.extend(
        ["podinfo-default", "podinfo-hpa", "helm-create"]
            .map(|c| (fixture(&format!("charts/{c}.yaml")), &[][..])),
    );
    for (input, choices) in inputs {
        let text = std::fs::read_to_string(&input).unwrap();
        let (fixed, _) = fix_with("in.yaml", &text, choices);
        let out = dir.path().join(input.file_name().unwrap());
        std::fs::write(&out, &fixed).unwrap();
        if let Some(v) = &validate {
            let r = std::process::Command::new(v)
                .args(["--strict", "-k", "1.37.0"])
                .arg(&out)
                .output()
                .unwrap();
            assert!(
                r.status.success(),
                "{}: {}{}",
                input.display(),
                String::from_utf8_lossy(&r.stdout),
                String::from_utf8_lossy(&r.stderr)
            );
        }
        if let Some(l) = &lint {
            let (_, _, kept) = line_diff(&text, &fixed);
            let before: BTreeSet<(usize, String)> = yamllint(l, &input).into_iter().collect();
            let after: BTreeSet<(usize, String)> = yamllint(l, &out)
                .into_iter()
                .filter_map(|(line, rule)| {
                    kept.iter()
                        .find(|(_, j)| j + 1 == line)
                        .map(|(i, _)| (i + 1, rule))
                })
                .collect();
            let kept_before: BTreeSet<(usize, String)> = before
                .into_iter()
                .filter(|(line, _)| kept.iter().any(|(i, _)| i + 1 == *line))
                .collect();
            assert_eq!(after, kept_before, "{}", input.display());
        }
    }
}

#[test]
fn real_charts_lose_every_fixed_finding() {
    for (chart, fixed_rules) in [
        ("podinfo-default", &["prestop-missing"][..]),
        ("podinfo-hpa", &["prestop-missing", "pdb-missing"][..]),
        (
            "helm-create",
            &["nginx-fast-shutdown", "liveness-same-as-readiness"][..],
        ),
    ] {
        let text = std::fs::read_to_string(fixture(&format!("charts/{chart}.yaml"))).unwrap();
        let (fixed, out) = fix_text(chart, &text);
        let rules: BTreeSet<_> = out.applied.iter().map(|a| a.rule).collect();
        assert_eq!(rules, fixed_rules.iter().copied().collect(), "{chart}");
        let after = check_sources(&[Source::new(chart, fixed)]);
        for r in fixed_rules {
            assert!(
                after.findings.iter().all(|f| f.rule != *r),
                "{chart}: {r} left"
            );
        }
    }
}

#[test]
fn fix_prints_the_fixed_manifests_and_exits_as_check_would() {
    let fc06 = fixture("field-cases/FC-06.yaml");
    let text = std::fs::read_to_string(&fc06).unwrap();
    let (fixed, _) = fix_text("x", &text);
    // liveness-probe-missing (a warning) has no safe fix: exit 1, and stdout is only YAML.
    let out = zerodown()
        .args(["check", "--fix"])
        .arg(&fc06)
        .assert()
        .code(1);
    let o = out.get_output();
    assert_eq!(String::from_utf8_lossy(&o.stdout), fixed);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("[hpa-replicas-conflict]: spec.replicas removed"),
        "{err}"
    );
    assert!(err.contains("note: spec.replicas was removed beside an HPA: before the next `kubectl apply`, run `kubectl apply edit-last-applied"), "{err}");
    assert!(err.contains("[liveness-probe-missing]"), "{err}");
    assert!(
        err.contains("2 fix(es) applied, 1 finding(s) need your choice"),
        "{err}"
    );
    // Everything fixable: exit 0.
    zerodown()
        .args(["check", "--fix"])
        .arg(fixture("field-cases/FC-11.yaml"))
        .assert()
        .code(0);
    // The file itself is untouched without --write.
    assert_eq!(std::fs::read_to_string(&fc06).unwrap(), text);
}

#[cfg(unix)]
#[test]
fn write_rewrites_plain_files_atomically_keeping_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.yaml");
    let text = std::fs::read_to_string(fixture("field-cases/FC-15.yaml")).unwrap();
    std::fs::write(&file, &text).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let printed = zerodown()
        .args(["check", "--fix"])
        .arg(&file)
        .output()
        .unwrap()
        .stdout;
    zerodown()
        .args(["check", "--fix", "--write"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!(
            "Rewrote {}",
            file.display()
        )));
    let now = std::fs::read_to_string(&file).unwrap();
    assert_eq!(now.as_bytes(), &printed[..]);
    assert_eq!(line_diff(&text, &now).0, ["      maxSurge: 0"]);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["app.yaml"], "no temporary file left behind");
}

#[test]
fn write_refuses_helm_templates_and_stdin_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("a.yaml");
    let tpl = dir.path().join("deployment.yaml");
    let fc06 = std::fs::read_to_string(fixture("field-cases/FC-06.yaml")).unwrap();
    std::fs::write(&plain, &fc06).unwrap();
    let template = fc06.replace("  replicas: 1", "  replicas: {{ .Values.replicaCount }}");
    std::fs::write(&tpl, &template).unwrap();
    let out = zerodown()
        .args(["check", "--fix", "--write"])
        .arg(&plain)
        .arg(&tpl)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains(&format!(
            "refusing to fix {}: it is a Helm template",
            tpl.display()
        )),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), fc06);
    assert_eq!(std::fs::read_to_string(&tpl).unwrap(), template);

    zerodown()
        .args(["check", "--fix", "--write", "-"])
        .write_stdin(fc06)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "refusing to rewrite <stdin>: it is not a plain YAML file on disk",
        ));
    zerodown()
        .args(["check", "--write", "x.yaml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--fix"));
}

#[test]
fn patch_writes_kustomize_patches_and_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fixes");
    let fc06 = fixture("field-cases/FC-06.yaml");
    zerodown()
        .args(["check", "--fix", "--patch"])
        .arg(&out)
        .arg(&fc06)
        .assert()
        .code(1);
    let read = |n: &str| std::fs::read_to_string(out.join(n)).unwrap();
    let header = format!(
        "# Generated by zerodown {} (`zerodown check --fix --patch`).\n",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        read("patch-deployment-app.yaml"),
        format!("{header}- op: remove\n  path: /spec/replicas\n")
    );
    assert_eq!(
        read("poddisruptionbudget-app.yaml"),
        format!("{header}apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: app\nspec:\n  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: app\n")
    );
    assert_eq!(
        read("kustomization.yaml"),
        format!("{header}# Add the manifests these patches apply to under resources: (e.g. - ../base).\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [poddisruptionbudget-app.yaml]\npatches:\n  - path: patch-deployment-app.yaml\n    target:\n      group: apps\n      version: v1\n      kind: Deployment\n      name: app\n")
    );
    // A second run finds the files: exit 2, every file as it was.
    std::fs::write(out.join("kustomization.yaml"), "mine\n").unwrap();
    zerodown()
        .args(["check", "--fix", "--patch"])
        .arg(&out)
        .arg(&fc06)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "refusing to replace existing files; nothing was written",
        ));
    assert_eq!(read("kustomization.yaml"), "mine\n");

    // With kubectl at hand: the patches applied to the input give what --fix --write gives.
    if std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let k = dir.path().join("k");
        std::fs::create_dir(&k).unwrap();
        std::fs::copy(&fc06, k.join("base.yaml")).unwrap();
        zerodown()
            .args(["check", "--fix", "--patch"])
            .arg(k.join("p"))
            .arg(k.join("base.yaml"))
            .assert()
            .code(1);
        for e in std::fs::read_dir(k.join("p")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), k.join(e.file_name())).unwrap();
        }
        let kz = std::fs::read_to_string(k.join("kustomization.yaml")).unwrap();
        std::fs::write(
            k.join("kustomization.yaml"),
            kz.replace("resources: [", "resources: [base.yaml, "),
        )
        .unwrap();
        let built = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&k)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let report = check_sources(&[Source::new(
            "built",
            String::from_utf8(built.stdout).unwrap(),
        )]);
        let rules: BTreeSet<_> = report
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect();
        let (fixed, _) = fix_text("x", &std::fs::read_to_string(&fc06).unwrap());
        let direct = check_sources(&[Source::new("fixed", fixed)]);
        let want: BTreeSet<_> = direct
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect();
        assert_eq!(rules, want);
        assert!(rules
            .iter()
            .all(|(r, _)| *r != "hpa-replicas-conflict" && *r != "pdb-missing"));
    }
}

#[test]
fn unknown_and_unfixable_findings_are_listed_with_the_rules_own_fix() {
    // recreate-strategy-downtime has no automatic fix: listed with what to choose, file untouched.
    let yaml = std::fs::read_to_string(fixture("field-cases/FC-15.yaml"))
        .unwrap()
        .replace("    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 0\n", "    type: Recreate\n");
    assert!(yaml.contains("type: Recreate"), "{yaml}");
    let (fixed, out) = fix_text("r.yaml", &yaml);
    assert!(fixed.contains("    type: Recreate\n"));
    let m = out
        .manual
        .iter()
        .find(|m| m.rule == "recreate-strategy-downtime")
        .unwrap();
    assert_eq!(m.choose, "choose: RollingUpdate (maxSurge: 1, maxUnavailable: 0) if two versions may overlap, or keep Recreate and suppress with the reason (e.g. a ReadWriteOnce volume)");
}

#[test]
fn a_daemonset_that_cannot_progress_replaces_one_node_at_a_time() {
    let yaml = std::fs::read_to_string(fixture("field-cases/FC-15.yaml"))
        .unwrap()
        .replacen("kind: Deployment", "kind: DaemonSet", 1)
        .replace("  replicas: 1\n", "")
        .replace("  strategy:\n", "  updateStrategy:\n");
    let before = check_sources(&[Source::new("ds.yaml", yaml.clone())]);
    assert!(before
        .findings
        .iter()
        .any(|f| f.rule == "rolling-update-cannot-progress"));
    let (fixed, out) = fix_text("ds.yaml", &yaml);
    assert_eq!(line_diff(&yaml, &fixed).0, ["      maxUnavailable: 0"]);
    assert!(
        fixed.contains("      maxSurge: 0\n      maxUnavailable: 1\n"),
        "{fixed}"
    );
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "rolling-update-cannot-progress")
        .unwrap();
    assert_eq!(
        a.change,
        "spec.updateStrategy.rollingUpdate.maxUnavailable: 1"
    );
    let after = check_sources(&[Source::new("ds.yaml", fixed)]);
    assert!(after
        .findings
        .iter()
        .all(|f| f.rule != "rolling-update-cannot-progress"));
}

/// `--write` through a symlink fixes the file it points to and keeps the link (replacing the
/// link with a regular file left the real manifest unfixed; found by a new user's trial).
#[test]
fn write_through_a_symlink_fixes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/app.yaml");
    let text = std::fs::read_to_string(fixture("field-cases/FC-15.yaml")).unwrap();
    std::fs::write(&target, &text).unwrap();
    let link = dir.path().join("link.yaml");
    std::os::unix::fs::symlink("real/app.yaml", &link).unwrap();
    zerodown()
        .args(["check", "--fix", "--write"])
        .arg(&link)
        .assert()
        .code(1);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let now = std::fs::read_to_string(&target).unwrap();
    assert_eq!(line_diff(&text, &now).0, ["      maxSurge: 0"]);
}

/// `--patch` onto a regular file is bad input (exit 2, the file untouched), not an I/O error.
#[test]
fn patch_onto_a_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pf");
    std::fs::write(&file, "keep\n").unwrap();
    zerodown()
        .args(["check", "--fix", "--patch"])
        .arg(&file)
        .arg(fixture("field-cases/FC-15.yaml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a file, not a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep\n");
}

#[test]
fn the_liveness_split_says_what_covers_boot_in_this_container() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-11.yaml")).unwrap();
    let reason = |text: &str| {
        let (_, out) = fix_text("l", text);
        out.applied
            .iter()
            .find(|a| a.rule == "liveness-same-as-readiness")
            .unwrap()
            .reason
            .clone()
    };
    // FC-11 has no startupProbe and no initialDelaySeconds: the reason must not claim one.
    let r = reason(&text);
    assert!(r.starts_with("its own check (a TCP connect, not the app's dependencies) and a 30s failure budget, longer than readiness's 25s"), "{r}");
    // A readiness window of 30s (10 x 3) gets a longer liveness window (4 x 10s), so the reason
    // holds for it too (a new-user trial's manifest had equal windows).
    let equal = text.replace(
        "            periodSeconds: 5\n            failureThreshold: 5\n          livenessProbe:",
        "            periodSeconds: 10\n            failureThreshold: 3\n          livenessProbe:",
    );
    assert_ne!(equal, text);
    let (_, out) = fix_text("eq", &equal);
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "liveness-same-as-readiness")
        .unwrap();
    assert!(
        a.change
            .ends_with("livenessProbe is a TCP connect to port http, 4 x 10s"),
        "{}",
        a.change
    );
    assert!(
        a.reason
            .contains("a 40s failure budget, longer than readiness's 30s"),
        "{}",
        a.reason
    );
    assert!(r.ends_with("; there is no startupProbe, so a boot slower than this budget still fails it (add one sized to the worst boot)"), "{r}");
    assert!(!r.contains("the startup probe covers boot"), "{r}");
    let delayed = text.replace(
        "          livenessProbe:\n",
        "          livenessProbe:\n            initialDelaySeconds: 40\n",
    );
    assert!(reason(&delayed)
        .ends_with("; initialDelaySeconds 40 kept from the input (there is no startupProbe)"));
    let started = text.replace(
        "          livenessProbe:\n",
        "          startupProbe:\n            tcpSocket:\n              port: http\n            failureThreshold: 30\n          livenessProbe:\n",
    );
    assert!(reason(&started)
        .ends_with("; no initialDelaySeconds needed: the container's startupProbe covers boot"));
}

#[test]
fn a_prestop_outlasts_the_load_balancer_in_front_of_it() {
    // FC-01: an ALB Ingress with IP targets needs 15 s, not the 5 s of a Service alone; the fix
    // must not trade prestop-missing for lb-health-check-outlasts-prestop.
    let text = std::fs::read_to_string(fixture("field-cases/FC-01.yaml")).unwrap();
    let (fixed, out) = fix_text("FC-01", &text);
    assert!(fixed.contains("          lifecycle:\n            preStop:\n              sleep:\n                seconds: 15\n"), "{fixed}");
    let a = out
        .applied
        .iter()
        .find(|a| a.rule == "prestop-missing")
        .unwrap();
    assert!(
        a.reason.starts_with(
            "15s, not the 5s the Service alone needs: ALB Ingress 'app' keeps sending new requests"
        ),
        "{}",
        a.reason
    );
    let after = check_sources(&[Source::new("FC-01", fixed)]);
    assert!(
        after
            .findings
            .iter()
            .all(|f| f.rule != "lb-health-check-outlasts-prestop" && f.rule != "prestop-missing"),
        "{:?}",
        after.findings
    );
    // RC-11: an NLB with externalTrafficPolicy Local needs 10 x 3 = 30 s, and the grace period
    // follows (30 + 10 + 5).
    let text = std::fs::read_to_string(fixture("field-cases-new/RC-11.yaml")).unwrap();
    let (fixed, out) = fix_text("RC-11", &text);
    let (removed, added, _) = line_diff(&text, &fixed);
    assert_eq!(
        removed,
        [
            "      terminationGracePeriodSeconds: 30",
            "                seconds: 5"
        ]
    );
    assert_eq!(
        added,
        [
            "      terminationGracePeriodSeconds: 45",
            "                seconds: 30"
        ]
    );
    assert!(out.applied.iter().any(|a| a
        .reason
        .starts_with("30s: NLB Service 'edge-proxy' (externalTrafficPolicy: Local)")));
    let after = check_sources(&[Source::new("RC-11", fixed)]);
    assert!(
        after
            .findings
            .iter()
            .all(|f| f.rule != "lb-health-check-outlasts-prestop"),
        "{:?}",
        after.findings
    );
}

#[test]
fn a_crlf_file_is_fixed_with_crlf_lines_and_its_other_lines_kept() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-06.yaml"))
        .unwrap()
        .replace('\n', "\r\n");
    let (fixed, out) = fix_text("crlf", &text);
    assert!(
        out.applied
            .iter()
            .any(|a| a.rule == "hpa-replicas-conflict"),
        "{:?}",
        out.manual
    );
    assert!(!fixed.contains("  replicas: 1\r\n"), "{fixed}");
    assert_eq!(
        fixed.matches('\n').count(),
        fixed.matches("\r\n").count(),
        "{fixed:?}"
    );
    let lf = fix_text("lf", &text.replace("\r\n", "\n")).0;
    assert_eq!(fixed, lf.replace('\n', "\r\n"));
}

#[test]
fn a_literal_block_script_stays_a_literal_block() {
    let text = std::fs::read_to_string(fixture("field-cases/FC-16.yaml"))
        .unwrap()
        .replace(
            r#"command: ["/bin/sh", "/app/start.sh"]"#,
            "command:\n            - /bin/bash\n            - -c\n            - |\n              cd /app\n              ./migrate.sh\n              java -jar app.jar > /proc/1/fd/1\n",
        );
    let (fixed, out) = fix_text("lit", &text);
    assert!(
        out.applied
            .iter()
            .any(|a| a.rule == "shell-pid1-drops-sigterm"),
        "{:?}",
        out.manual
    );
    let (removed, added, _) = line_diff(&text, &fixed);
    assert_eq!(removed, ["              java -jar app.jar > /proc/1/fd/1"]);
    assert_eq!(
        added[0],
        "              exec java -jar app.jar > /proc/1/fd/1"
    );
    let v: serde_json::Value =
        serde_yaml_ng::from_str(fixed.split("\n---\n").next().unwrap()).unwrap();
    assert_eq!(
        v["spec"]["template"]["spec"]["containers"][0]["command"][2],
        "cd /app\n./migrate.sh\nexec java -jar app.jar > /proc/1/fd/1\n"
    );
}

#[test]
fn two_values_for_one_finding_are_refused() {
    let out = zerodown()
        .args([
            "check",
            "--fix",
            "--choose",
            "replicas-below-two=3",
            "--choose",
            "replicas-below-two=4",
        ])
        .arg(fixture("field-cases/FC-04.yaml"))
        .assert()
        .code(2);
    assert!(out.get_output().stdout.is_empty());
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("--choose 'replicas-below-two=3' and --choose 'replicas-below-two=4' give the same finding two values; nothing was written"), "{err}");
    // The same value twice is no conflict; replicas beyond int32 are refused by the parser.
    let out = zerodown()
        .args([
            "check",
            "--fix",
            "--choose",
            "replicas-below-two=2147483648",
        ])
        .arg(fixture("field-cases/FC-04.yaml"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("spec.replicas is an int32"));
}

#[test]
fn an_edit_that_cannot_be_made_names_the_line_of_the_file() {
    // FC-15's strategy in flow style cannot be edited in place; in the second document of a
    // file, the line named is the file's, not the document's.
    let doc = std::fs::read_to_string(fixture("field-cases/FC-15.yaml"))
        .unwrap()
        .replace(
            "    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 0\n",
            "    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}\n",
        );
    assert!(doc.contains("rollingUpdate: {maxSurge: 0"));
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  a: b\n---\n{doc}"
    );
    let line = text
        .lines()
        .position(|l| l.contains("rollingUpdate: {"))
        .unwrap()
        + 1;
    let (_, out) = fix_text("two.yaml", &text);
    let m = out
        .manual
        .iter()
        .find(|m| m.rule == "rolling-update-cannot-progress")
        .unwrap();
    assert!(m.message.contains(&format!("(line {line}: `rollingUpdate: {{maxSurge: 0, maxUnavailable: 0}}` is not a block mapping")), "{}", m.message);
}

#[test]
fn a_liveness_split_and_a_new_startup_probe_agree_on_what_covers_boot() {
    // From a new-user trial: a JVM with liveness == readiness, initialDelaySeconds 30 and no
    // startupProbe. The split used to keep the delay and say "there is no startupProbe" while
    // the same run added one; the startupProbe lacked the initialDelaySeconds its reason counts.
    let text = std::fs::read_to_string(fixture("field-cases/FC-11.yaml"))
        .unwrap()
        .replace(
            "image: registry.example.com/app:1.4.2",
            "image: registry.example.com/app:1.4.2\n          command: [java, -jar, /app/app.jar]",
        )
        .replace(
            "          readinessProbe:\n",
            "          readinessProbe:\n            initialDelaySeconds: 30\n",
        )
        .replace(
            "          livenessProbe:\n",
            "          livenessProbe:\n            initialDelaySeconds: 30\n",
        )
        .replace(
            "              memory: 600Mi\n",
            "              cpu: \"1\"\n              memory: 600Mi\n",
        );
    let before = check_sources(&[Source::new("jvm", text.clone())]);
    assert!(
        before
            .findings
            .iter()
            .any(|f| f.rule == "startup-probe-missing"),
        "{:?}",
        before.findings.iter().map(|f| f.rule).collect::<Vec<_>>()
    );
    let (fixed, out) = fix_text("jvm", &text);
    let live = out
        .applied
        .iter()
        .find(|a| a.rule == "liveness-same-as-readiness")
        .unwrap();
    assert!(
        live.reason
            .ends_with("; no initialDelaySeconds: the startupProbe this fix adds covers boot"),
        "{}",
        live.reason
    );
    let v: serde_json::Value =
        serde_yaml_ng::from_str(fixed.split("\n---\n").next().unwrap()).unwrap();
    let c = &v["spec"]["template"]["spec"]["containers"][0];
    assert!(
        c["livenessProbe"].get("initialDelaySeconds").is_none(),
        "{c}"
    );
    assert_eq!(c["startupProbe"]["initialDelaySeconds"], 30, "{c}");
    let start = out
        .applied
        .iter()
        .find(|a| a.rule == "startup-probe-missing")
        .unwrap();
    assert!(
        start
            .reason
            .starts_with("first check at the typical startup (30s)"),
        "{}",
        start.reason
    );
}
