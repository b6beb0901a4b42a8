//! zerodown where teams work, each checked by the real tool: the pre-commit hooks
//! (`.pre-commit-hooks.yaml`, run by pre-commit against a scratch repository), the CI templates
//! (`examples/ci/`: actionlint, GitLab's published CI schema, their drift-check scripts run in a
//! scratch repository), `check --format sarif` against the SARIF 2.1.0 schema, and the Backstage
//! Software Template (`examples/backstage/`), generated from `zerodown schema` and kept in sync.
//!
//! The tools come from `.ci/install-tools.sh`, under `${ZERODOWN_TOOLS:-~/.cache/zerodown-tools}`
//! (`bin/actionlint`, `venv-integrations/bin/{pre-commit,check-jsonschema,python}`,
//! `schemas/sarif-2.1.0-rtm.5.json`), or PATH; node from PATH. Without one, its tests print a
//! skip note, or fail when `CI` is set.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use serde_json::{json, Map, Value};

// ---- tools ----------------------------------------------------------------------------------

fn tools_root() -> PathBuf {
    std::env::var_os("ZERODOWN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/zerodown-tools"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache/zerodown-tools"))
}

/// `rel` under the tools folder, else `name` on PATH; `None` (with a note) when neither exists
/// and `CI` is not set.
fn tool(rel: &str, name: &str) -> Option<PathBuf> {
    let installed = tools_root().join(rel);
    let found = Some(installed.clone()).filter(|p| p.is_file()).or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        let msg = format!(
            "{name} not found (looked at {} and PATH); run .ci/install-tools.sh",
            installed.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}, and CI is set");
        eprintln!("note: skipping: {msg}");
    }
    found
}

fn zerodown_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zerodown"))
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// PATH with the zerodown under test first.
fn path_with_zerodown() -> std::ffi::OsString {
    let mut dirs = vec![zerodown_bin().parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

fn run(cmd: &mut Process) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(cmd: &mut Process) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    text(&out)
}

fn git(dir: &Path, args: &[&str]) -> String {
    ok(Process::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=zerodown test",
            "-c",
            "user.email=test@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args))
}

fn zerodown_new(dir: &Path, name: &str, out: &str, extra: &[&str]) {
    ok(Process::new(zerodown_bin())
        .current_dir(dir)
        .args([
            "new",
            name,
            "--image",
            "registry.example.com/team/app:1.0.0",
        ])
        .args(["-o", out, "--no-input"])
        .args(extra));
}

/// A Deployment alone with one replica and no probes: `zerodown check` errors and warnings.
const FAULTY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: legacy\n  namespace: legacy\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: legacy}\n  template:\n    metadata:\n      labels: {app: legacy}\n    spec:\n      containers:\n        - name: legacy\n          image: registry.example.com/team/legacy:latest\n";

// ---- pre-commit -----------------------------------------------------------------------------

fn hooks() -> Vec<Map<String, Value>> {
    let text = fs::read_to_string(repo_file(".pre-commit-hooks.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

#[test]
fn each_rust_hook_has_a_system_twin_with_the_same_files_and_arguments() {
    let hooks = hooks();
    let by_id: BTreeMap<String, &Map<String, Value>> = hooks
        .iter()
        .map(|h| (h["id"].as_str().unwrap().to_string(), h))
        .collect();
    assert_eq!(
        by_id.keys().collect::<Vec<_>>(),
        [
            "zerodown-check",
            "zerodown-check-system",
            "zerodown-render-check",
            "zerodown-render-check-system"
        ]
    );
    for id in ["zerodown-check", "zerodown-render-check"] {
        let (rust, system) = (by_id[id], by_id[&format!("{id}-system")]);
        assert_eq!(rust["language"], "rust");
        assert_eq!(system["language"], "system");
        for key in [
            "entry",
            "files",
            "types",
            "exclude",
            "pass_filenames",
            "args",
            "name",
        ] {
            assert_eq!(rust.get(key), system.get(key), "{id}: {key}");
        }
    }
    assert_eq!(
        by_id["zerodown-render-check"]["entry"],
        "zerodown render --check -f"
    );
    assert_eq!(by_id["zerodown-check"]["pass_filenames"], false);
}

#[test]
fn pre_commit_accepts_the_hooks_file() {
    let Some(pc) = tool("venv-integrations/bin/pre-commit", "pre-commit") else {
        return;
    };
    ok(Process::new(pc)
        .arg("validate-manifest")
        .arg(repo_file(".pre-commit-hooks.yaml")));
}

/// The real pre-commit, with this repository's hook definitions (the `-system` twins, which run
/// the zerodown under test from PATH), in a scratch repository of bundles.
#[test]
fn pre_commit_hooks_pass_clean_bundles_and_fail_drift_and_faults() {
    let Some(pc) = tool("venv-integrations/bin/pre-commit", "pre-commit") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // pre-commit takes hooks from a git commit: the hooks file as it is on disk, committed alone.
    let hook_repo = tmp.path().join("hooks");
    fs::create_dir_all(&hook_repo).unwrap();
    fs::copy(
        repo_file(".pre-commit-hooks.yaml"),
        hook_repo.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(&hook_repo, &["init", "-q"]);
    git(&hook_repo, &["add", "."]);
    git(&hook_repo, &["commit", "-qm", "hooks"]);
    let rev = git(&hook_repo, &["rev-parse", "HEAD"]).trim().to_string();

    let work = tmp.path().join("work");
    fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    zerodown_new(
        &work,
        "checkout",
        "deploy/checkout",
        &["--helm", "--overlays", "staging"],
    );
    zerodown_new(&work, "mailer", "deploy/mailer", &["--preset", "worker"]);
    fs::write(
        work.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: zerodown-render-check-system\n      - id: zerodown-check-system\n        args: [deploy/]\n",
            hook_repo.display()
        ),
    )
    .unwrap();
    git(&work, &["add", "."]);
    let pre_commit = |args: &[&str]| {
        run(Process::new(&pc)
            .current_dir(&work)
            .env("PATH", path_with_zerodown())
            .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
            .env("PRE_COMMIT_COLOR", "never")
            .args(args))
    };

    // Clean bundles (a chart, overlays, a worker): both hooks pass, also through `git commit`.
    let out = pre_commit(&["run", "--all-files"]);
    assert!(out.status.success(), "{}", text(&out));
    ok(Process::new(&pc)
        .current_dir(&work)
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
        .arg("install"));
    let commit = run(Process::new("git")
        .current_dir(&work)
        .env("PATH", path_with_zerodown())
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["commit", "-qm", "bundles"]));
    assert!(commit.status.success(), "{}", text(&commit));

    // Only deployment.yaml changed: the audit still sees the bundle's HPA and PDB (no
    // replicas-below-two for a Deployment whose replicas the HPA owns).
    let deployment = work.join("deploy/checkout/base/deployment.yaml");
    let mut d = fs::read_to_string(&deployment).unwrap();
    d.push_str("# reviewed\n");
    fs::write(&deployment, &d).unwrap();
    git(&work, &["add", "."]);
    let out = pre_commit(&[
        "run",
        "zerodown-check-system",
        "--files",
        "deploy/checkout/base/deployment.yaml",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    // ...but that hand edit is drift: a commit of it fails the render hook (it names the spec
    // of that bundle through --all-files, as `pre-commit run --all-files` in CI does)
    let out = pre_commit(&["run", "zerodown-render-check-system", "--all-files"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("deploy/checkout/base/deployment.yaml"), "{t}");
    assert!(t.contains("edited by hand"), "{t}");
    assert!(
        !t.contains("Drifted deploy/mailer") && t.contains("Checked deploy/mailer is up to date"),
        "{t}"
    );
    git(&work, &["reset", "-q", "--hard"]);

    // A spec changed without rendering: the render hook fails and names the stale files.
    let spec = work.join("deploy/checkout/zerodown.yaml");
    let s = fs::read_to_string(&spec).unwrap();
    let edited = s.replace("partOf: checkout", "partOf: shop");
    assert_ne!(s, edited);
    fs::write(&spec, edited).unwrap();
    git(&work, &["add", "."]);
    let out = pre_commit(&["run", "--files", "deploy/checkout/zerodown.yaml"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("- hook id: zerodown-render-check-system"), "{t}");
    assert!(
        t.contains("deploy/checkout/deployment.yaml")
            || t.contains("deploy/checkout/base/deployment.yaml"),
        "{t}"
    );
    assert!(t.contains("differ from `zerodown render`"), "{t}");
    git(&work, &["reset", "-q", "--hard"]);

    // A faulty manifest: the check hook fails with the finding.
    fs::create_dir_all(work.join("deploy/legacy")).unwrap();
    fs::write(work.join("deploy/legacy/deployment.yaml"), FAULTY).unwrap();
    git(&work, &["add", "."]);
    let out = pre_commit(&["run", "--files", "deploy/legacy/deployment.yaml"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("- hook id: zerodown-check-system"), "{t}");
    assert!(t.contains("replicas-below-two"), "{t}");
    assert!(
        t.contains("zerodown render --check") && t.contains("(no files to check)Skipped"),
        "{t}"
    );
}

/// The `language: rust` hooks as a team uses them: pre-commit builds zerodown with `cargo install`
/// from this repository at its HEAD commit. Ignored by default: the first build takes minutes (12
/// to 17 on a shared 2-core machine, about 7 of CPU); run it with `cargo test --test integrations -- --ignored`
/// (`ZERODOWN_PRE_COMMIT_HOME` reuses a pre-commit cache that already built this commit).
#[test]
#[ignore = "builds zerodown in release mode through pre-commit (minutes)"]
fn pre_commit_rust_hooks_build_zerodown_with_cargo() {
    let Some(pc) = tool("venv-integrations/bin/pre-commit", "pre-commit") else {
        return;
    };
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rev = git(manifest_dir, &["rev-parse", "HEAD"]).trim().to_string();
    git(
        manifest_dir,
        &["cat-file", "-e", &format!("{rev}:.pre-commit-hooks.yaml")],
    );
    let tmp = tempfile::tempdir().unwrap();
    let home = std::env::var_os("ZERODOWN_PRE_COMMIT_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("pre-commit-home"));
    let work = tmp.path().join("work");
    fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    zerodown_new(&work, "checkout", "deploy/checkout", &[]);
    fs::write(
        work.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: zerodown-render-check\n      - id: zerodown-check\n",
            manifest_dir.display()
        ),
    )
    .unwrap();
    git(&work, &["add", "."]);
    // no zerodown on PATH but the one pre-commit builds; cargo's own target dir for that build
    let run_all = || {
        run(Process::new(&pc)
            .current_dir(&work)
            .env_remove("CARGO_TARGET_DIR")
            .env("PRE_COMMIT_HOME", &home)
            .args(["run", "--all-files"]))
    };
    let out = run_all();
    assert!(out.status.success(), "{}", text(&out));
    fs::write(work.join("legacy.yaml"), FAULTY).unwrap();
    git(&work, &["add", "."]);
    let out = run_all();
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("- hook id: zerodown-check\n") && t.contains("replicas-below-two"),
        "{t}"
    );
}

// ---- CI templates ---------------------------------------------------------------------------

fn workflow() -> Value {
    serde_yaml_ng::from_str(
        &fs::read_to_string(repo_file("examples/ci/github-actions.yml")).unwrap(),
    )
    .unwrap()
}

fn gitlab_job() -> Value {
    let v: Value = serde_yaml_ng::from_str(
        &fs::read_to_string(repo_file("examples/ci/gitlab-ci.yml")).unwrap(),
    )
    .unwrap();
    v["zerodown"].clone()
}

#[test]
fn github_workflow_passes_actionlint() {
    let Some(actionlint) = tool("bin/actionlint", "actionlint") else {
        return;
    };
    ok(Process::new(&actionlint)
        .arg("-no-color")
        .arg(repo_file("examples/ci/github-actions.yml")));
    // and actionlint is not a rubber stamp: a typo in an expression is an error
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.yml");
    let text = fs::read_to_string(repo_file("examples/ci/github-actions.yml")).unwrap();
    fs::write(
        &broken,
        text.replace("steps.cache.outputs", "step.cache.outputs"),
    )
    .unwrap();
    assert!(
        !run(Process::new(&actionlint).arg("-no-color").arg(&broken))
            .status
            .success()
    );
}

/// GitLab's published CI schema (vendored by check-jsonschema as `vendor.gitlab-ci`), and
/// GitHub's workflow schema likewise; a job with a misspelt key fails it.
#[test]
fn ci_templates_match_their_published_schemas() {
    let Some(cj) = tool("venv-integrations/bin/check-jsonschema", "check-jsonschema") else {
        return;
    };
    for (schema, file) in [
        ("vendor.gitlab-ci", "examples/ci/gitlab-ci.yml"),
        ("vendor.github-workflows", "examples/ci/github-actions.yml"),
    ] {
        ok(Process::new(&cj)
            .args(["--builtin-schema", schema])
            .arg(repo_file(file)));
    }
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("gitlab-ci.yml");
    let text = fs::read_to_string(repo_file("examples/ci/gitlab-ci.yml")).unwrap();
    fs::write(&broken, text.replace("  script:", "  scripts:")).unwrap();
    assert!(!run(Process::new(&cj)
        .args(["--builtin-schema", "vendor.gitlab-ci"])
        .arg(&broken))
    .status
    .success());
}

/// A scratch repository with two bundles (one at the root): the templates' drift-check commands
/// pass, and fail once a spec changed without rendering.
#[test]
fn ci_templates_drift_checks_find_every_bundle() {
    let Some(bash) = tool("no-such-tool/bash", "bash") else {
        return;
    };
    let github = workflow()["jobs"]["zerodown"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "drift")
        .expect("a step with id: drift")["run"]
        .as_str()
        .unwrap()
        .to_string();
    let gitlab = gitlab_job()["script"][0].as_str().unwrap().to_string();
    assert!(gitlab.contains("render --check"), "{gitlab}");
    for script in [github, gitlab] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path();
        git(repo, &["init", "-q"]);
        zerodown_new(repo, "root-svc", ".", &["--force"]);
        zerodown_new(repo, "api", "services/api", &[]);
        git(repo, &["add", "."]);
        let drift = || {
            run(Process::new(&bash)
                .current_dir(repo)
                .env("PATH", path_with_zerodown())
                .args(["-eo", "pipefail", "-c", &script]))
        };
        let out = drift();
        assert!(out.status.success(), "{script}\n{}", text(&out));
        for spec in ["zerodown.yaml", "services/api/zerodown.yaml"] {
            let p = repo.join(spec);
            let s = fs::read_to_string(&p).unwrap();
            fs::write(&p, s.replace("partOf: ", "partOf: x")).unwrap();
            let out = drift();
            assert!(
                !out.status.success(),
                "{script}: {spec} changed, yet:\n{}",
                text(&out)
            );
            fs::write(&p, s).unwrap();
        }
    }
}

fn sarif_errors(python: &Path, schema: &Path, sarif: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("zerodown.sarif");
    fs::write(&file, sarif).unwrap();
    // The published schema is draft-04; its regexes are ECMAScript ones, which check-jsonschema's
    // metaschema check rejects, so the validator is called directly.
    let out = run(Process::new(python)
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
         v = jsonschema.Draft4Validator(json.load(open(sys.argv[1])))\n\
         for e in v.iter_errors(json.load(open(sys.argv[2]))):\n\
         \x20   print('/'.join(map(str, e.absolute_path)), e.message)\n",
        )
        .arg(schema)
        .arg(&file));
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_sarif_output_matches_the_sarif_2_1_0_schema() {
    let Some(python) = tool("venv-integrations/bin/python", "no-such-python") else {
        return;
    };
    let schema = tools_root().join("schemas/sarif-2.1.0-rtm.5.json");
    assert!(
        schema.is_file(),
        "{} missing: run .ci/install-tools.sh",
        schema.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("legacy.yaml"), FAULTY).unwrap();
    zerodown_new(tmp.path(), "clean", "clean", &[]);
    for (input, findings) in [("legacy.yaml", true), ("clean", false)] {
        let out = run(Process::new(zerodown_bin())
            .current_dir(tmp.path())
            .args(["check", "--format", "sarif", input]));
        let sarif = String::from_utf8(out.stdout).unwrap();
        let v: Value = serde_json::from_str(&sarif).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_eq!(!results.is_empty(), findings, "{sarif}");
        assert_eq!(sarif_errors(&python, &schema, &sarif), "", "{input}");
    }
    // the validator does reject a log without the driver's name
    let bad = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}"#;
    assert!(sarif_errors(&python, &schema, bad).contains("'name' is a required property"));
}

// ---- Backstage ------------------------------------------------------------------------------

/// Spec fields the template never asks, with why; every other field that has a `zerodown new`
/// flag of the same name (camelCase -> --kebab-case) becomes a parameter by itself.
const NOT_ASKED: &[(&str, &str)] = &[(
    "presetFile",
    "a path on the scaffolder's disk; teams pick a built-in preset",
)];

fn kebab(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn title(key: &str) -> String {
    // a unit at the end of the name goes in parentheses: memoryMiB -> "Memory (MiB)"
    if let Some((stem, unit)) = UNITS
        .iter()
        .find_map(|(unit, _)| key.strip_suffix(unit).map(|stem| (stem, unit)))
    {
        return format!(
            "{} ({})",
            title(stem),
            unit.to_ascii_lowercase().replace("mib", "MiB")
        );
    }
    let words = kebab(key).replace('-', " ");
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// A property schema as a form field: `$ref`s inlined, a `oneOf` of constants as an `enum`
/// (labels from their descriptions), `format`s and `null` dropped (the form leaves a field
/// empty instead).
fn form_field(schema: &Value, defs: &Value) -> Value {
    let mut s = schema.clone();
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        let mut inlined = form_field(&defs[name], defs);
        if let (Some(m), Some(d)) = (inlined.as_object_mut(), schema.get("description")) {
            m.insert("description".into(), d.clone());
        }
        return inlined;
    }
    let m = s.as_object_mut().unwrap();
    m.remove("format");
    if let Some(Value::Array(types)) = m.get("type").cloned() {
        let t: Vec<_> = types.into_iter().filter(|t| t != "null").collect();
        m.insert("type".into(), t[0].clone());
    }
    if let Some(Value::Array(branches)) = m.get("oneOf").cloned() {
        if branches.iter().all(|b| b.get("const").is_some()) {
            m.remove("oneOf");
            m.insert("type".into(), json!("string"));
            m.insert(
                "enum".into(),
                branches.iter().map(|b| b["const"].clone()).collect(),
            );
            m.insert(
                "enumNames".into(),
                branches
                    .iter()
                    .map(|b| {
                        json!(format!(
                            "{}: {}",
                            b["const"].as_str().unwrap(),
                            b["description"].as_str().unwrap_or("")
                        ))
                    })
                    .collect(),
            );
        }
    }
    if let Some(Value::Object(props)) = m.get("properties").cloned() {
        let props: Map<String, Value> = props
            .iter()
            .map(|(k, v)| {
                let mut f = form_field(v, defs);
                f["title"] = json!(title(k));
                (k.clone(), f)
            })
            .collect();
        m.insert("properties".into(), Value::Object(props));
    }
    if let Some(items) = m.get("items").cloned() {
        m.insert("items".into(), form_field(&items, defs));
        if m["items"].get("enum").is_some() {
            m.insert("uniqueItems".into(), json!(true));
        }
    }
    s
}

/// The flags of `zerodown new` by long name: whether each takes a value.
fn new_flags() -> BTreeMap<String, bool> {
    use clap::CommandFactory;
    let cmd = zerodown::cli::Cli::command();
    let new = cmd.find_subcommand("new").unwrap();
    new.get_arguments()
        .filter_map(|a| {
            a.get_long()
                .map(|l| (l.to_string(), a.get_action().takes_values()))
        })
        .collect()
}

/// Units in spec field names and the suffix the matching flag takes (CONVENTIONS: units live in
/// names).
const UNITS: &[(&str, &str)] = &[("Millicores", "m"), ("MiB", "Mi")];

/// For an object field whose every property is a flag stem plus a unit, the step flags that
/// pass them (`{value, suffix}`, which zerodown-args.js joins).
fn unit_flags(
    key: &str,
    field: &Value,
    flags: &BTreeMap<String, bool>,
) -> Option<Vec<(String, Value)>> {
    let props = field.get("properties")?.as_object()?;
    let mut out = Vec::new();
    for sub in props.keys() {
        let (stem, suffix) = UNITS
            .iter()
            .find_map(|(unit, suffix)| sub.strip_suffix(unit).map(|stem| (stem, *suffix)))?;
        let flag = kebab(stem);
        if !flags.contains_key(&flag) {
            return None;
        }
        out.push((
            format!("--{flag}"),
            json!({"value": format!("${{{{ parameters.{key}.{sub} }}}}"), "suffix": suffix}),
        ));
    }
    Some(out)
}

/// template.yaml from the spec schema: one parameter per spec field that `zerodown new` takes
/// a flag for, and a `zerodown:new` step that passes each as that flag.
fn backstage_template(schema_json: &str) -> String {
    let schema: Value = serde_json::from_str(schema_json).unwrap();
    let defs = &schema["$defs"];
    let flags = new_flags();
    let mut service = Map::new();
    let mut step_flags = Map::new();
    let mut skipped = Vec::new();
    service.insert("name".into(), {
        let mut f = form_field(&schema["properties"]["name"], defs);
        f["title"] = json!("Name");
        f["pattern"] = json!("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
        f
    });
    for (key, prop) in schema["properties"].as_object().unwrap() {
        if key == "name" {
            continue;
        }
        let flag = kebab(key);
        let mut field = form_field(prop, defs);
        if NOT_ASKED.iter().any(|(k, _)| k == key) {
            skipped.push(key.clone());
            continue;
        }
        if !flags.contains_key(&flag) {
            // An object of sizes whose every field is `<flag stem><Unit>` (cpuRequestMillicores
            // -> --cpu-request 250m, memoryMiB -> --memory 512Mi) is asked as that object.
            match unit_flags(key, &field, &flags) {
                Some(sub) => {
                    field.as_object_mut().unwrap().remove("required");
                    field["title"] = json!(title(key));
                    service.insert(key.clone(), field);
                    step_flags.extend(sub);
                }
                None => skipped.push(key.clone()),
            }
            continue;
        }
        field["title"] = json!(title(key));
        if key == "preset" {
            field["enum"] = zerodown::preset::BUILTIN
                .iter()
                .map(|(n, _)| json!(n))
                .collect();
            field["default"] = json!(zerodown::preset::DEFAULT_PRESET);
        }
        service.insert(key.clone(), field);
        step_flags.insert(
            format!("--{flag}"),
            json!(format!("${{{{ parameters.{key} }}}}")),
        );
    }
    let template = json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {
            "name": "zerodown-service",
            "title": "Zero-downtime Kubernetes bundle",
            "description": "A Deployment, Service, PodDisruptionBudget, HPA and ServiceAccount tuned for zero-downtime rollouts and drains (zerodown new), proposed as a pull request to a GitOps repository.",
            "tags": ["kubernetes", "zerodown"]
        },
        "spec": {
            "owner": "platform-team",
            "type": "service",
            "parameters": [
                {
                    "title": "The service",
                    "description": "zerodown's answers (the zerodown.yaml spec); a field left empty takes the preset's value.",
                    "required": ["name", "image"],
                    "properties": service
                },
                {
                    "title": "Where the bundle goes",
                    "required": ["repoUrl"],
                    "properties": {
                        "repoUrl": {
                            "title": "GitOps repository",
                            "type": "string",
                            "ui:field": "RepoUrlPicker",
                            "ui:options": {"allowedHosts": ["github.com"]}
                        },
                        "targetPath": {
                            "title": "Folder in the repository",
                            "description": "The bundle goes to FOLDER/NAME.",
                            "type": "string",
                            "default": "deploy"
                        }
                    }
                }
            ],
            "steps": [
                {
                    "id": "zerodown",
                    "name": "Render the bundle (zerodown new --no-input)",
                    "action": "zerodown:new",
                    "input": {
                        "name": "${{ parameters.name }}",
                        "output": "bundle",
                        "flags": step_flags
                    }
                },
                {
                    "id": "pr",
                    "name": "Open a pull request",
                    "action": "publish:github:pull-request",
                    "input": {
                        "repoUrl": "${{ parameters.repoUrl }}",
                        "branchName": "zerodown/${{ parameters.name }}",
                        "title": "Add ${{ parameters.name }} (zerodown)",
                        "description": "A zero-downtime bundle for ${{ parameters.name }}, made by `zerodown new`; its README.md says what was chosen and why. Change answers in zerodown.yaml and run `zerodown render`.",
                        "sourcePath": "bundle",
                        "targetPath": "${{ parameters.targetPath }}/${{ parameters.name }}"
                    }
                }
            ],
            "output": {
                "links": [{"title": "Pull request", "url": "${{ steps.pr.output.remoteUrl }}"}]
            }
        }
    });
    let not_asked: Vec<String> = skipped
        .iter()
        .map(|k| match NOT_ASKED.iter().find(|(n, _)| n == k) {
            Some((_, why)) => format!("#   {k}: {why}"),
            None => format!("#   {k}: no `zerodown new` flag of that name; the preset decides"),
        })
        .collect();
    format!(
        "# Backstage Software Template for zerodown. GENERATED from `zerodown schema` by\n\
         # tests/integrations.rs; do not edit. Regenerate after a spec change:\n\
         #   ZERODOWN_BLESS=1 cargo test --test integrations backstage\n\
         # Parameters: the spec fields `zerodown new` has a flag for. Not asked:\n{}\n\
         # The zerodown:new action is zerodown-action.ts beside this file.\n{}",
        not_asked.join("\n"),
        serde_yaml_ng::to_string(&template).unwrap()
    )
}

#[test]
fn backstage_template_is_in_sync_with_the_spec_schema() {
    let generated = backstage_template(&zerodown::specfile::schema_json());
    let path = repo_file("examples/backstage/template.yaml");
    if std::env::var_os("ZERODOWN_BLESS").is_some() {
        fs::write(&path, &generated).unwrap();
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "examples/backstage/template.yaml is not what `zerodown schema` gives today; run `ZERODOWN_BLESS=1 cargo test --test integrations backstage`"
    );
}

#[test]
fn backstage_template_follows_a_new_spec_field_with_a_flag() {
    // a field that `new` has a flag for (--drain-seconds) appears as a parameter and a flag; one
    // without a flag does not
    let mut schema: Value = serde_json::from_str(&zerodown::specfile::schema_json()).unwrap();
    let props = schema["properties"].as_object_mut().unwrap();
    let drain = props.remove("drainSeconds").unwrap();
    let without = backstage_template(&schema.to_string());
    assert!(!without.contains("drainSeconds"), "{without}");
    schema["properties"]["drainSeconds"] = drain;
    schema["properties"]["noSuchFlag"] = json!({"type": "string"});
    let with = backstage_template(&schema.to_string());
    assert!(
        with.contains("--drain-seconds: ${{ parameters.drainSeconds }}"),
        "{with}"
    );
    assert!(
        with.contains("#   noSuchFlag: no `zerodown new` flag"),
        "{with}"
    );
    assert!(!with.contains("parameters.noSuchFlag"), "{with}");
}

/// The step's flags with a team's answers, through zerodown-args.js (run by node), into the real
/// `zerodown new`: the bundle's zerodown.yaml has those answers.
#[test]
fn backstage_step_runs_zerodown_new_with_the_parameters() {
    let Some(node) = tool("no-such-tool/node", "node") else {
        return;
    };
    let template: Value = serde_yaml_ng::from_str(
        &fs::read_to_string(repo_file("examples/backstage/template.yaml")).unwrap(),
    )
    .unwrap();
    let step = &template["spec"]["steps"][0];
    assert_eq!(step["action"], "zerodown:new");
    let answers = json!({
        "name": "checkout", "image": "registry.example.com/shop/checkout:1.4.2",
        "preset": "spring-boot", "namespace": "shop", "port": 8080, "startupSeconds": 45,
        "maxStartupSeconds": 120, "traffic": "spiky", "helm": true,
        "overlays": ["staging", "production"], "lintAnnotations": ["kube-score"],
        "allowMutableTag": false,
        "resources": {"cpuRequestMillicores": 500, "memoryMiB": 1024}
    });
    // Backstage replaces a value that is one `${{ parameters.KEY }}` by the parameter itself
    let mut flags = Map::new();
    let lookup = |expr: &str| {
        let path = expr
            .strip_prefix("${{ parameters.")
            .and_then(|k| k.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("not one parameter: {expr}"));
        // a member of a missing object is undefined in Backstage's templating, as here
        path.split('.')
            .try_fold(&answers, |v, k| v.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    for (flag, value) in step["input"]["flags"].as_object().unwrap() {
        let arg = match value {
            Value::String(expr) => lookup(expr),
            Value::Object(o) => {
                json!({"value": lookup(o["value"].as_str().unwrap()), "suffix": o["suffix"]})
            }
            other => panic!("{flag}: {other}"),
        };
        flags.insert(flag.clone(), arg);
    }
    let tmp = tempfile::tempdir().unwrap();
    let argv_json = ok(Process::new(node)
        .arg("-e")
        .arg("const { zerodownNewArgs } = require(process.argv[1]); const [n, o, f] = JSON.parse(process.argv[2]); console.log(JSON.stringify(zerodownNewArgs(n, o, f)));")
        .arg(repo_file("examples/backstage/zerodown-args.js"))
        .arg(json!([answers["name"], "bundle", flags]).to_string()));
    let argv: Vec<String> = serde_json::from_str(argv_json.trim()).unwrap();
    assert_eq!(
        argv[..5],
        ["new", "checkout", "--no-input", "--output", "bundle"]
    );
    assert!(
        !argv.contains(&"--allow-mutable-tag".to_string()),
        "{argv:?}"
    );
    ok(Process::new(zerodown_bin())
        .current_dir(tmp.path())
        .args(&argv));
    let spec: Value = serde_yaml_ng::from_str(
        &fs::read_to_string(tmp.path().join("bundle/zerodown.yaml")).unwrap(),
    )
    .unwrap();
    for key in [
        "name",
        "image",
        "preset",
        "namespace",
        "port",
        "startupSeconds",
        "maxStartupSeconds",
        "traffic",
        "helm",
        "overlays",
        "lintAnnotations",
    ] {
        assert_eq!(spec[key], answers[key], "{key}");
    }
    assert_eq!(spec["resources"]["cpuRequestMillicores"], 500);
    assert_eq!(spec["resources"]["memoryMiB"], 1024);
    assert!(
        argv.windows(2).any(|w| w == ["--memory", "1024Mi"]),
        "{argv:?}"
    );
    assert!(!argv.contains(&"--cpu-limit".to_string()), "{argv:?}");
    assert!(tmp.path().join("bundle/chart/Chart.yaml").is_file());
}

/// Backstage's own validator of Template entities (`templateEntityV1beta3Validator` from
/// @backstage/plugin-scaffolder-common, the check the catalog runs when the template is
/// registered) accepts template.yaml, and rejects it without its steps.
#[test]
fn backstage_accepts_the_template() {
    let (Some(node), Some(_)) = (
        tool("no-such-tool/node", "node"),
        tool(
            "node-integrations/node_modules/@backstage/plugin-scaffolder-common/package.json",
            "no-such-tool-scaffolder-common",
        ),
    ) else {
        return;
    };
    let validate = |file: &Path| {
        run(Process::new(&node)
            .env("NODE_PATH", tools_root().join("node-integrations/node_modules"))
            .arg("-e")
            .arg(
                "const fs = require('fs'); const yaml = require('js-yaml');\n\
                 const { templateEntityV1beta3Validator: v } = require('@backstage/plugin-scaffolder-common');\n\
                 v.check(yaml.load(fs.readFileSync(process.argv[1], 'utf8')))\n\
                   .then(ok => { console.log(ok ? 'valid' : 'not a Template'); process.exit(ok ? 0 : 1); })\n\
                   .catch(e => { console.log(String(e.message || e)); process.exit(1); });",
            )
            .arg(file))
    };
    let template = repo_file("examples/backstage/template.yaml");
    let out = validate(&template);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out).trim(), "valid");
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("template.yaml");
    let t = fs::read_to_string(&template).unwrap();
    fs::write(&broken, t.replace("\n  steps:\n", "\n  stepz:\n")).unwrap();
    let out = validate(&broken);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("must have required property 'steps'"),
        "{}",
        text(&out)
    );
}
