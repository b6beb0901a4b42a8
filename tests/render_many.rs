//! `zerodown render` with several spec files: one run renders (or drift-checks) every bundle,
//! each exactly as a run of its own would, and writes nothing unless every spec is good.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

/// Three bundles of different presets (`a/`, `b/`, `c/`, one with the chart) under a new folder.
fn three_bundles() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (name, preset, extra) in [
        ("a", "spring-boot", None),
        ("b", "go", Some("--helm")),
        ("c", "worker", None),
    ] {
        let mut cmd = zerodown(tmp.path());
        cmd.args(["new", name, "--preset", preset, "--no-input", "-n", "team"])
            .args([
                "--image",
                &format!("registry.example.com/team/{name}:1.0.0"),
            ]);
        if let Some(flag) = extra {
            cmd.arg(flag);
        }
        cmd.assert().success();
    }
    tmp
}

/// Runs `cmd`, requires exit code `code` (showing stderr when it differs) and returns stderr.
fn stderr_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{err}");
    err
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SPECS: [&str; 3] = ["a/zerodown.yaml", "b/zerodown.yaml", "c/zerodown.yaml"];

#[test]
fn several_specs_render_each_bundle_as_its_own_run_would() {
    let tmp = three_bundles();
    let dir = tmp.path();
    // Remove generated files so the batch has something to write, in every bundle.
    for f in ["a/deployment.yaml", "b/chart/values.yaml", "c/README.md"] {
        fs::remove_file(dir.join(f)).unwrap();
    }
    let err = stderr_of(zerodown(dir).arg("render").arg("-f").args(SPECS), 0);
    for f in ["a/deployment.yaml", "b/chart/values.yaml", "c/README.md"] {
        assert!(
            err.contains(&format!("Created {f}")),
            "{f} not created:\n{err}"
        );
    }
    assert!(err.contains("Unchanged a/hpa.yaml"), "{err}");
    // The batch wrote exactly what one run per spec writes: re-rendering each alone changes nothing.
    for spec in SPECS {
        zerodown(dir)
            .args(["render", "--check", "-f", spec])
            .assert()
            .code(0);
    }
}

#[test]
fn several_specs_to_stdout_are_the_single_streams_in_order() {
    let tmp = three_bundles();
    let dir = tmp.path();
    let all = stdout_of(zerodown(dir).args(["render", "-o", "-", "-f"]).args(SPECS));
    let singles: Vec<String> = SPECS
        .iter()
        .map(|s| stdout_of(zerodown(dir).args(["render", "-o", "-", "-f", s])))
        .collect();
    assert_eq!(all, singles.join("---\n"));
    // -f repeated is the same as several values after one -f.
    let repeated = stdout_of(zerodown(dir).args([
        "render", "-o", "-", "-f", SPECS[0], "-f", SPECS[1], "-f", SPECS[2],
    ]));
    assert_eq!(repeated, all);
    let docs: Vec<serde_yaml_ng::Value> = serde_yaml_ng::Deserializer::from_str(&all)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let deployments: Vec<&str> = docs
        .iter()
        .filter(|d| d["kind"] == "Deployment")
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(deployments, ["a", "b", "c"]);
}

#[test]
fn drift_check_over_several_bundles_lists_exactly_the_drifted_files() {
    let tmp = three_bundles();
    let dir = tmp.path();
    zerodown(dir)
        .args(["render", "--check", "-f"])
        .args(SPECS)
        .assert()
        .code(0);
    fs::remove_file(dir.join("b/chart/templates/pdb.yaml")).unwrap();
    let hpa = dir.join("c/hpa.yaml");
    let text = fs::read_to_string(&hpa).unwrap();
    fs::write(&hpa, text.replace("maxReplicas", "maxReplicas ")).unwrap();
    let out = zerodown(dir)
        .args(["render", "--check", "-f"])
        .args(SPECS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let listed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(listed, "b/chart/templates/pdb.yaml\nc/hpa.yaml\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Checked a is up to date"), "{err}");
    assert!(err.contains("Drifted b: 1 file(s) differ"), "{err}");
    assert!(err.contains("Drifted c: 1 file(s) differ"), "{err}");
    assert!(err.contains("error: 2 file(s) differ"), "{err}");
    // The hand edit is named as one render will refuse; the missing file is not.
    assert!(
        err.contains("note: c/hpa.yaml was edited by hand since zerodown wrote it: `zerodown render` will refuse to replace it"),
        "{err}"
    );
    assert_eq!(err.matches("note:").count(), 1, "{err}");
    // --check wrote nothing.
    assert!(!dir.join("b/chart/templates/pdb.yaml").exists());
}

#[test]
fn one_bad_spec_means_every_error_reported_and_nothing_written() {
    let tmp = three_bundles();
    let dir = tmp.path();
    fs::remove_file(dir.join("a/deployment.yaml")).unwrap();
    let b = dir.join("b/zerodown.yaml");
    let text = fs::read_to_string(&b).unwrap();
    fs::write(&b, text.replace("traffic:", "trafic:")).unwrap();
    let out = zerodown(dir)
        .args(["render", "-f"])
        .args(SPECS)
        .arg("missing/zerodown.yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("b/zerodown.yaml:"), "{err}");
    assert!(err.contains("trafic"), "{err}");
    assert!(err.contains("missing/zerodown.yaml"), "{err}");
    assert!(
        err.contains("2 of 4 spec files cannot be rendered; nothing was written"),
        "{err}"
    );
    assert!(!dir.join("a/deployment.yaml").exists(), "a/ was written");
}

#[test]
fn a_conflict_in_one_bundle_writes_no_bundle() {
    let tmp = three_bundles();
    let dir = tmp.path();
    fs::remove_file(dir.join("a/deployment.yaml")).unwrap();
    let pdb = dir.join("c/pdb.yaml");
    let edited = fs::read_to_string(&pdb).unwrap() + "# my note\n";
    fs::write(&pdb, &edited).unwrap();
    let err = stderr_of(zerodown(dir).args(["render", "-f"]).args(SPECS), 2);
    assert!(
        err.contains("refusing to overwrite (nothing was written):\n  c/pdb.yaml was edited since zerodown wrote it"),
        "{err}"
    );
    assert!(!dir.join("a/deployment.yaml").exists(), "a/ was written");
    assert_eq!(fs::read_to_string(&pdb).unwrap(), edited);
}

#[test]
fn one_output_folder_for_several_specs_is_refused() {
    let tmp = three_bundles();
    let dir = tmp.path();
    let err = stderr_of(
        zerodown(dir)
            .args(["render", "-o", "out", "-f"])
            .args(SPECS),
        2,
    );
    assert!(
        err.contains("-o out takes one spec file; 3 were given"),
        "{err}"
    );
    assert!(!dir.join("out").exists());
}

#[test]
fn the_same_spec_named_twice_is_rendered_once() {
    let tmp = three_bundles();
    let dir = tmp.path();
    fs::remove_file(dir.join("a/pdb.yaml")).unwrap();
    let err = stderr_of(
        zerodown(dir).args(["render", "-f", "a/zerodown.yaml", "./a/zerodown.yaml"]),
        0,
    );
    assert_eq!(err.matches("Created a/pdb.yaml").count(), 1, "{err}");
    assert_eq!(err.matches("pdb.yaml").count(), 1, "{err}");
}

#[test]
fn the_same_objects_twice_in_one_stream_are_warned_about() {
    let tmp = three_bundles();
    let dir = tmp.path();
    fs::create_dir(dir.join("a2")).unwrap();
    fs::copy(dir.join("a/zerodown.yaml"), dir.join("a2/zerodown.yaml")).unwrap();
    let err = stderr_of(
        zerodown(dir).args([
            "render",
            "-o",
            "-",
            "-f",
            "a/zerodown.yaml",
            "b/zerodown.yaml",
            "a2/zerodown.yaml",
        ]),
        0,
    );
    assert!(
        err.contains(
            "warning: a/zerodown.yaml and a2/zerodown.yaml both render the objects team/a"
        ),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    // Into their own folders (other clusters, other environments) the same name is fine.
    let out = zerodown(dir)
        .args(["render", "-f", "a/zerodown.yaml", "a2/zerodown.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn a_chart_the_spec_no_longer_asks_for_is_pointed_out() {
    let tmp = three_bundles();
    let dir = tmp.path();
    let spec = dir.join("b/zerodown.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    assert!(text.contains("helm: true"), "{text}");
    fs::write(&spec, text.replace("helm: true", "helm: false")).unwrap();
    for check in [true, false] {
        let mut cmd = zerodown(dir);
        cmd.args(["render", "-f"]).args(SPECS);
        if check {
            cmd.arg("--check");
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("note: b/chart/ holds a chart zerodown wrote, but b/zerodown.yaml does not say `helm: true`"),
            "{err}"
        );
        assert_eq!(err.matches("holds a chart").count(), 1, "{err}");
    }
}

#[test]
fn two_specs_that_would_write_the_same_files_are_refused() {
    let tmp = three_bundles();
    let dir = tmp.path();
    fs::remove_file(dir.join("a/pdb.yaml")).unwrap();
    let text = fs::read_to_string(dir.join("a/zerodown.yaml")).unwrap();
    fs::write(dir.join("a/other.yaml"), text.replace("a:1.0.0", "a:2.0.0")).unwrap();
    for extra in [None, Some("--check")] {
        let mut cmd = zerodown(dir);
        cmd.args([
            "render",
            "-f",
            "a/zerodown.yaml",
            "a/other.yaml",
            "b/zerodown.yaml",
        ]);
        cmd.args(extra);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("a/zerodown.yaml and a/other.yaml would both write a/namespace.yaml; nothing was written"),
            "{err}"
        );
        assert!(!dir.join("a/pdb.yaml").exists());
    }
    // A spec inside another bundle's chart/ folder would overwrite the chart's README.
    let b = fs::read_to_string(dir.join("b/zerodown.yaml")).unwrap();
    fs::write(
        dir.join("b/chart/zerodown.yaml"),
        b.replace("name: b", "name: b2"),
    )
    .unwrap();
    let err = stderr_of(
        zerodown(dir).args(["render", "-f", "b/zerodown.yaml", "b/chart/zerodown.yaml"]),
        2,
    );
    assert!(err.contains("would both write b/chart/"), "{err}");
}

#[cfg(unix)]
#[test]
fn one_spec_linked_from_two_folders_renders_both_bundles() {
    let tmp = three_bundles();
    let dir = tmp.path();
    fs::create_dir_all(dir.join("envs/prod")).unwrap();
    fs::create_dir_all(dir.join("envs/staging")).unwrap();
    fs::copy(dir.join("a/zerodown.yaml"), dir.join("envs/base.yaml")).unwrap();
    for env in ["prod", "staging"] {
        std::os::unix::fs::symlink(
            "../base.yaml",
            dir.join(format!("envs/{env}/zerodown.yaml")),
        )
        .unwrap();
    }
    zerodown(dir)
        .args([
            "render",
            "-f",
            "envs/prod/zerodown.yaml",
            "envs/staging/zerodown.yaml",
        ])
        .assert()
        .code(0);
    for env in ["prod", "staging"] {
        assert!(
            dir.join(format!("envs/{env}/deployment.yaml")).is_file(),
            "{env}"
        );
    }
    fs::remove_file(dir.join("envs/staging/hpa.yaml")).unwrap();
    let out = zerodown(dir)
        .args([
            "render",
            "--check",
            "-f",
            "envs/prod/zerodown.yaml",
            "envs/staging/zerodown.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "envs/staging/hpa.yaml\n"
    );
}

#[test]
fn rendering_into_the_folder_of_another_bundle_is_refused() {
    let tmp = three_bundles();
    let dir = tmp.path();
    let before = fs::read_to_string(dir.join("c/deployment.yaml")).unwrap();
    let err = stderr_of(
        zerodown(dir).args(["render", "-f", "a/zerodown.yaml", "-o", "c"]),
        2,
    );
    assert!(
        err.contains("c holds another bundle (c/zerodown.yaml); rendering a/zerodown.yaml there would replace its files"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("c/deployment.yaml")).unwrap(),
        before
    );
    // Its own folder, or a folder holding the same spec, is fine.
    zerodown(dir)
        .args(["render", "-f", "a/zerodown.yaml", "-o", "a"])
        .assert()
        .code(0);
    fs::create_dir(dir.join("a-copy")).unwrap();
    fs::copy(
        dir.join("a/zerodown.yaml"),
        dir.join("a-copy/zerodown.yaml"),
    )
    .unwrap();
    zerodown(dir)
        .args(["render", "-f", "a/zerodown.yaml", "-o", "a-copy"])
        .assert()
        .code(0);
    assert!(dir.join("a-copy/deployment.yaml").is_file());
}

#[test]
fn check_reports_a_stale_chart_that_render_helm_wrote_beside_a_spec_without_helm_true() {
    let tmp = three_bundles();
    let dir = tmp.path();
    // `render --helm` adds a chart to `a` and records `helm: true` in its spec, keeping the rest
    let spec = dir.join("a/zerodown.yaml");
    let before = fs::read_to_string(&spec).unwrap() + "# the team's own comment\n";
    fs::write(&spec, &before).unwrap();
    let err = stderr_of(
        zerodown(dir).args(["render", "--helm", "-f", "a/zerodown.yaml"]),
        0,
    );
    assert!(
        err.contains("Updated a/zerodown.yaml (helm: true)"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&spec).unwrap(), before + "helm: true\n");
    stderr_of(
        zerodown(dir).args(["render", "--check", "-f", "a/zerodown.yaml"]),
        0,
    );
    // a plain render now keeps the chart too
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(&spec, text.replace("a:1.0.0", "a:1.0.1")).unwrap();
    stderr_of(zerodown(dir).args(["render", "-f", "a/zerodown.yaml"]), 0);
    stderr_of(
        zerodown(dir).args(["render", "--check", "-f", "a/zerodown.yaml"]),
        0,
    );
    // without `helm: true` (taken out by hand), a stale chart is drift, not "up to date"
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(&spec, text.replace("helm: true\n", "")).unwrap();
    // an image bump: the plain render updates the manifests, not the chart
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(&spec, text.replace("a:1.0.1", "a:1.1.0")).unwrap();
    stderr_of(zerodown(dir).args(["render", "-f", "a/zerodown.yaml"]), 0);
    let mut check = zerodown(dir);
    check.args(["render", "--check", "-f", "a/zerodown.yaml"]);
    let out = check.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a stale chart is drift: {err}");
    assert!(!err.contains("is up to date"), "{err}");
    // the chart's files that name the image
    assert!(err.contains("Drifted a: 3 file(s) differ"), "{err}");
    assert!(
        err.contains("note: a/chart/ holds a chart zerodown wrote (3 of its files are out of date), but a/zerodown.yaml does not say `helm: true`"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "a/chart/Chart.yaml",
            "a/chart/values.yaml",
            "a/chart/README.md"
        ],
        "{stdout}"
    );
}
