//! The zerodown binary, driven as users and scripts drive it: exit codes, stdout/stderr, files.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const IMAGE: &str = "registry.example.com/shop/checkout:1.4.2";

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn new_checkout(dir: &Path) {
    zerodown(dir)
        .args([
            "new",
            "checkout",
            "--preset",
            "spring-boot",
            "--image",
            IMAGE,
            "--port",
            "8080",
        ])
        .args([
            "--startup-seconds",
            "45",
            "--max-startup-seconds",
            "120",
            "--traffic",
            "spiky",
            "--cost",
            "balanced",
            "-n",
            "shop",
        ])
        .assert()
        .success();
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn new_writes_the_whole_bundle_and_says_what_next() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "checkout",
            "--preset",
            "spring-boot",
            "--image",
            IMAGE,
            "-n",
            "shop",
        ])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("Created checkout/deployment.yaml"))
        .stderr(predicate::str::contains("note: review checkout/README.md"));
    assert_eq!(
        entries(&tmp.path().join("checkout")),
        [
            "README.md",
            "custom",
            "deployment.yaml",
            "hpa.yaml",
            "kustomization.yaml",
            "namespace.yaml",
            "networkpolicy.yaml",
            "pdb.yaml",
            "service.yaml",
            "serviceaccount.yaml",
            "zerodown.schema.json",
            "zerodown.yaml"
        ]
    );
    assert_eq!(
        entries(&tmp.path().join("checkout/custom")),
        ["kustomization.yaml"]
    );
    let spec = fs::read_to_string(tmp.path().join("checkout/zerodown.yaml")).unwrap();
    assert!(
        spec.starts_with("# yaml-language-server: $schema="),
        "{spec}"
    );
    assert!(spec.contains("namespace: shop"));
}

#[test]
fn flags_reach_the_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let d = fs::read_to_string(tmp.path().join("checkout/deployment.yaml")).unwrap();
    // typical 45 s: startup probe starts at 45 s; worst 120 s -> 12 x 10 s
    assert!(d.contains("initialDelaySeconds: 45\n            periodSeconds: 10\n            timeoutSeconds: 5\n            failureThreshold: 12"), "{d}");
    assert!(d.contains("minReadySeconds: 15\n"));
    assert!(!d.contains("\n  replicas:"));
    let h = fs::read_to_string(tmp.path().join("checkout/hpa.yaml")).unwrap();
    assert!(
        h.contains("minReplicas: 3\n")
            && h.contains("maxReplicas: 15\n")
            && h.contains("averageUtilization: 60\n"),
        "{h}"
    );
}

#[test]
fn worker_has_no_service_and_exec_probes() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "mailer",
            "--preset",
            "worker",
            "--image",
            "registry.example.com/ops/mailer:2.0.1",
            "--liveness-command",
            "/app/healthcheck --live",
        ])
        .assert()
        .success();
    let dir = tmp.path().join("mailer");
    assert!(!dir.join("service.yaml").exists());
    let d = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    assert!(d.contains("exec:\n              command:\n                - \"/app/healthcheck\"\n                - \"--live\""), "{d}");
    assert!(!d.contains("preStop"));
    assert!(!d.contains("containerPort"));
    let k = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    assert!(!k.contains("service.yaml"));
}

#[test]
fn missing_name_and_image_fail_without_prompting() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args(["new"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing NAME and --image <IMAGE>"));
    zerodown(tmp.path())
        .args(["new", "checkout"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing --image <IMAGE>"));
    assert!(entries(tmp.path()).is_empty());
}

/// Each bad answer: exit 2, a message naming the field, the value and what is allowed, nothing written.
#[test]
fn bad_answers_are_rejected_with_exit_2_and_nothing_written() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["--preset", "sprng-boot"], &["unknown preset `sprng-boot`", "did you mean `spring-boot`?"]),
        (&["--traffic", "bursty"], &["invalid value 'bursty' for '--traffic", "steady, spiky, low"]),
        (&["--cost", "cheap"], &["invalid value 'cheap' for '--cost"]),
        (&["--port", "70000"], &["`port` (--port): \"70000\" must be a TCP port from 1 to 65535"]),
        (&["--port", "0"], &["must be a TCP port from 1 to 65535"]),
        (&["--startup-seconds", "60", "--max-startup-seconds", "30"], &["`maxStartupSeconds` (--max-startup-seconds): \"30\"", "at least the typical startup (60 s)"]),
        (&["--startup-seconds", "0"], &["`startupSeconds` (--startup-seconds): \"0\" must be from 1 to 3600 seconds"]),
        (&["--startup-seconds=-5"], &["invalid value '-5' for '--startup-seconds"]),
        (&["-n", "default"], &["`namespace` (--namespace): \"default\" must be a namespace of the service's own"]),
        (&["-n", "Shop"], &["`namespace` (--namespace): \"Shop\"", "lowercase"]),
        (&["--liveness-path", "/actuator/health/readiness"], &["`liveness`", "must differ from readiness"]),
        (&["--readiness-path", "healthz"], &["must be an absolute URL path"]),
        (&["--cpu-request", "lots"], &["`--cpu-request`: \"lots\" is not a CPU quantity"]),
        (&["--memory", "1G"], &["`--memory`: \"1G\" is not a size in Mi or Gi"]),
        (&["--cpu-request", "2", "--cpu-limit", "1"], &["`resources.cpuLimitMillicores` (--cpu-limit): \"1000\" must be at least the CPU request (2000 millicores)"]),
        (&["--kube-version", "1.29"], &["`kubeVersion` (--kube-version): \"1.29\" supported versions are 1.33, 1.34, 1.35, 1.36, 1.37"]),
        (&["--readiness-command", "cat 'unbalanced"], &["balanced quotes"]),
    ];
    for (extra, wants) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let mut cmd = zerodown(tmp.path());
        cmd.args(["new", "checkout", "--image", IMAGE]);
        if !extra.contains(&"--preset") {
            cmd.args(["--preset", "spring-boot"]);
        }
        cmd.args(*extra);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        for w in *wants {
            assert!(stderr.contains(w), "{extra:?}: wanted {w:?} in {stderr}");
        }
        assert!(entries(tmp.path()).is_empty(), "{extra:?} wrote files");
    }
}

#[test]
fn bad_names_and_images_are_rejected() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "Checkout",
            IMAGE,
            "`name` (NAME): \"Checkout\" may contain only lowercase letters",
        ),
        (
            "x-",
            IMAGE,
            "must start and end with a lowercase letter or digit",
        ),
        ("checkout", "", "`image` (--image): \"\" must not be empty"),
        ("checkout", "Registry.Example.com/Shop:1", "malformed"),
        ("checkout", "nginx:latest", "has the mutable tag `latest`"),
        (
            "checkout",
            "nginx",
            "has no tag, which means the mutable tag `latest`",
        ),
        (
            "checkout",
            "nginx:1.27\nkind: Secret",
            "without spaces or control characters",
        ),
    ];
    for (name, image, want) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let out = zerodown(tmp.path())
            .args(["new", name, "--image", image])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name} {image}: {stderr}");
        assert!(
            stderr.contains(want),
            "{name} {image}: wanted {want:?} in {stderr}"
        );
        assert!(entries(tmp.path()).is_empty());
    }
}

#[test]
fn a_mutable_tag_is_accepted_only_on_request_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "web",
            "--image",
            "nginx:latest",
            "--allow-mutable-tag",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: image `nginx:latest`: has the mutable tag `latest`",
        ));
    let d = fs::read_to_string(tmp.path().join("web/deployment.yaml")).unwrap();
    assert!(d.contains("imagePullPolicy: Always"));
    assert!(d.contains("\"ignore-check.zerodown.dev/image-tag-mutable\""));
}

#[test]
fn existing_folders_are_never_clobbered() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("checkout")).unwrap();
    fs::write(tmp.path().join("checkout/deployment.yaml"), "mine\n").unwrap();
    zerodown(tmp.path())
        .args(["new", "checkout", "--image", IMAGE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "destination `checkout` already exists",
        ));
    assert_eq!(
        fs::read_to_string(tmp.path().join("checkout/deployment.yaml")).unwrap(),
        "mine\n"
    );
    zerodown(tmp.path())
        .args(["new", "checkout", "--image", IMAGE, "--force"])
        .assert()
        .success();
    assert!(
        fs::read_to_string(tmp.path().join("checkout/deployment.yaml"))
            .unwrap()
            .contains("kind: Deployment")
    );
}

#[test]
fn render_is_deterministic_and_streams_yaml_only() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    let before: Vec<(String, String)> = entries(&dir)
        .into_iter()
        .filter(|f| dir.join(f).is_file())
        .map(|f| (f.clone(), fs::read_to_string(dir.join(&f)).unwrap()))
        .collect();
    zerodown(&dir)
        .arg("render")
        .assert()
        .success()
        .stderr(predicate::str::contains("Unchanged"));
    let after: Vec<(String, String)> = entries(&dir)
        .into_iter()
        .filter(|f| dir.join(f).is_file())
        .map(|f| (f.clone(), fs::read_to_string(dir.join(&f)).unwrap()))
        .collect();
    assert_eq!(before, after);
    let a = zerodown(&dir).args(["render", "-o", "-"]).output().unwrap();
    let b = zerodown(tmp.path())
        .args(["render", "-f", "checkout/zerodown.yaml", "-o", "-"])
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert!(
        a.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let text = String::from_utf8(a.stdout).unwrap();
    let kinds: Vec<String> = text
        .split("\n---\n")
        .map(|doc| {
            let v: serde_json::Value = serde_yaml_ng::from_str(doc).unwrap();
            v["kind"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "Deployment",
            "Service",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler"
        ]
    );
}

#[test]
fn render_check_reports_drift_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
    let spec = fs::read_to_string(dir.join("zerodown.yaml"))
        .unwrap()
        .replace("drainSeconds: 20", "drainSeconds: 40");
    fs::write(dir.join("zerodown.yaml"), spec).unwrap();
    let before = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("deployment.yaml"))
        .stdout(predicate::str::contains("README.md"))
        .stdout(predicate::str::contains("hpa.yaml").not());
    assert_eq!(
        fs::read_to_string(dir.join("deployment.yaml")).unwrap(),
        before
    );
    zerodown(&dir)
        .arg("render")
        .assert()
        .success()
        .stderr(predicate::str::contains("Updated ./deployment.yaml"));
    let d = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    assert!(
        d.contains("terminationGracePeriodSeconds: 50\n"),
        "5 + 40 + 5"
    );
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
}

#[test]
fn render_refuses_to_overwrite_hand_edits() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    let edited = fs::read_to_string(dir.join("pdb.yaml"))
        .unwrap()
        .replace("maxUnavailable: 1", "maxUnavailable: 2");
    fs::write(dir.join("pdb.yaml"), &edited).unwrap();
    let spec = fs::read_to_string(dir.join("zerodown.yaml"))
        .unwrap()
        .replace("drainSeconds: 20", "drainSeconds: 25");
    fs::write(dir.join("zerodown.yaml"), spec).unwrap();
    let before = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    zerodown(&dir)
        .arg("render")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pdb.yaml was edited since zerodown wrote it",
        ));
    assert_eq!(fs::read_to_string(dir.join("pdb.yaml")).unwrap(), edited);
    assert_eq!(
        fs::read_to_string(dir.join("deployment.yaml")).unwrap(),
        before,
        "all or nothing"
    );
    zerodown(&dir)
        .args(["render", "--force"])
        .assert()
        .success();
    assert!(fs::read_to_string(dir.join("pdb.yaml"))
        .unwrap()
        .contains("maxUnavailable: 1\n"));
}

#[test]
fn bad_spec_files_point_at_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    let good = fs::read_to_string(dir.join("zerodown.yaml")).unwrap();
    let cases: &[(&str, &str)] = &[
        ("drainSeconds: 20", "drainSecond: 20"),
        ("traffic: spiky", "traffic: bursty"),
        ("startupSeconds: 45", "startupSeconds: forty"),
        ("port: 8080", "port: 80800"),
        ("maxStartupSeconds: 120", "maxStartupSeconds: 10"),
        ("preset: spring-boot", "preset: sprng-boot"),
    ];
    let wants = [
        "error: unknown field `drainSecond` (did you mean `drainSeconds`?)",
        "error: invalid value for `traffic`: `bursty` is not one of `steady`, `spiky` or `low`",
        "error: invalid value for `startupSeconds`: `forty` is not an integer",
        "error: invalid value for `port`: 80800 is above the maximum of 65535",
        "invalid value for `maxStartupSeconds`",
        "unknown preset `sprng-boot`",
    ];
    for ((from, to), want) in cases.iter().zip(wants) {
        fs::write(dir.join("zerodown.yaml"), good.replace(from, to)).unwrap();
        let out = zerodown(&dir).arg("render").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {stderr}");
        assert!(stderr.contains(want), "{to}: wanted {want:?} in {stderr}");
        assert_eq!(
            stderr.matches("error:").count(),
            1,
            "{to}: one problem, one line: {stderr}"
        );
        for rust in ["u16", "u32", "expected struct", "invalid type"] {
            assert!(!stderr.contains(rust), "{to}: Rust's words in {stderr}");
        }
        let line = good
            .lines()
            .position(|l| l.starts_with(from.split(':').next().unwrap()))
            .unwrap()
            + 1;
        assert!(
            stderr.contains(&format!("zerodown.yaml:{line}:")),
            "{to}: wanted line {line} in {stderr}"
        );
    }
    // every problem of one file at once, each on its own line
    let three = good
        .replace("traffic: spiky", "traffic: bursty")
        .replace("port: 8080", "port: 80800")
        .replace("drainSeconds: 20", "drainSecond: 20");
    fs::write(dir.join("zerodown.yaml"), &three).unwrap();
    let out = zerodown(&dir).arg("render").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let line_of = |key: &str| three.lines().position(|l| l.starts_with(key)).unwrap() + 1;
    for (key, what) in [
        ("traffic", "`bursty` is not one of"),
        ("port", "80800 is above the maximum of 65535"),
        ("drainSecond", "unknown field `drainSecond`"),
    ] {
        assert!(
            stderr.lines().any(|l| l
                .starts_with(&format!("zerodown.yaml:{}:1: error: ", line_of(key)))
                && l.contains(what)),
            "{key}: {stderr}"
        );
    }
    assert_eq!(stderr.matches(": error: ").count(), 3, "{stderr}");
    fs::write(dir.join("zerodown.yaml"), "# nothing yet\n").unwrap();
    zerodown(&dir)
        .arg("render")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "zerodown.yaml:1:1: error: is empty: a spec is a mapping of answers",
        ));
    zerodown(tmp.path())
        .args(["render", "-f", "nope.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.yaml: error: cannot read"));
}

#[test]
fn explain_prints_every_value_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    zerodown(&dir)
        .arg("explain")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Deployment strategy.rollingUpdate.maxUnavailable",
        ))
        .stdout(predicate::str::contains(
            "capacity never drops during a rollout",
        ));
    let out = zerodown(&dir)
        .args(["explain", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let rows = v["values"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["field"] == "terminationGracePeriodSeconds")
        .unwrap();
    assert_eq!(row["value"], "30");
    assert!(rows
        .iter()
        .all(|r| !r["reason"].as_str().unwrap().is_empty()));
}

#[test]
fn presets_list_and_show() {
    let tmp = tempfile::tempdir().unwrap();
    let out = zerodown(tmp.path()).arg("presets").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for p in [
        "generic",
        "spring-boot",
        "quarkus",
        "node",
        "go",
        "python-gunicorn",
        "dotnet",
        "nginx-static",
        "worker",
    ] {
        assert!(text.lines().any(|l| l.starts_with(p)), "{p} in {text}");
    }
    zerodown(tmp.path())
        .args(["presets", "show", "nginx-static"])
        .assert()
        .success()
        .stdout(predicate::str::contains("runAsUser: 101"));
    zerodown(tmp.path())
        .args(["presets", "show", "nginxx"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `nginx-static`"));
    let out = zerodown(tmp.path())
        .args(["presets", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 9);
}

#[test]
fn a_preset_file_is_used_and_found_again_by_render() {
    let tmp = tempfile::tempdir().unwrap();
    let out = zerodown(tmp.path())
        .args(["presets", "show", "go"])
        .output()
        .unwrap();
    let mine = String::from_utf8(out.stdout)
        .unwrap()
        .replace("name: go", "name: team-go")
        .replace("drainSeconds: 10", "drainSeconds: 40");
    fs::write(tmp.path().join("team-go.yaml"), mine).unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--preset-file",
            "team-go.yaml",
            "--image",
            "registry.example.com/t/api:1.0.0",
            "-o",
            "deploy/api",
        ])
        .assert()
        .success();
    let dir = tmp.path().join("deploy/api");
    let spec = fs::read_to_string(dir.join("zerodown.yaml")).unwrap();
    assert!(spec.contains("presetFile: ../../team-go.yaml"), "{spec}");
    assert!(fs::read_to_string(dir.join("deployment.yaml"))
        .unwrap()
        .contains("terminationGracePeriodSeconds: 50\n"));
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
    fs::write(tmp.path().join("bad.yaml"), "name: x\nport: 1\n").unwrap();
    zerodown(tmp.path())
        .args(["new", "api", "--preset-file", "bad.yaml", "--image", IMAGE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.yaml"));
}

#[test]
fn schema_in_the_repository_is_in_sync() {
    let out = Command::cargo_bin("zerodown")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/zerodown.schema.json");
    if std::env::var_os("ZERODOWN_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &printed).unwrap();
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        printed, committed,
        "run `ZERODOWN_BLESS=1 cargo test --test cli schema` to update schema/"
    );
    let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert!(v["properties"]["maxStartupSeconds"].is_object());
}

#[test]
fn help_shows_examples() {
    for sub in ["new", "render", "explain", "presets"] {
        Command::cargo_bin("zerodown")
            .unwrap()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"));
    }
}

#[test]
fn check_audits_files_folders_and_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    zerodown(tmp.path())
        .args(["check", "checkout"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 errors, 0 warnings, 0 info"));
    let stream = zerodown(&tmp.path().join("checkout"))
        .args(["render", "-o", "-"])
        .output()
        .unwrap()
        .stdout;
    zerodown(tmp.path())
        .args(["check", "-"])
        .write_stdin(stream)
        .assert()
        .success();
    let faulty = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:latest\n";
    let out = zerodown(tmp.path())
        .args(["check", "-"])
        .write_stdin(faulty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("error[rolling-update-cannot-progress]"),
        "{text}"
    );
    assert!(text.contains("error[image-tag-mutable]"), "{text}");
    let out = zerodown(tmp.path())
        .args(["check", "-", "--format", "sarif"])
        .write_stdin(faulty)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let out = zerodown(tmp.path())
        .args(["check", "-", "--format", "json"])
        .write_stdin(faulty)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "image-tag-mutable" && f["severity"] == "error"));
    // only errors count with --fail-on error; a warning-only input then passes
    let warn_only = faulty
        .replace("maxSurge: 0", "maxSurge: 1")
        .replace("nginx:latest", "nginx:1.27.0")
        .replace("replicas: 1", "replicas: 2");
    let out = zerodown(tmp.path())
        .args(["check", "-", "--fail-on", "error"])
        .write_stdin(warn_only)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    zerodown(tmp.path())
        .args(["check", "missing.yaml"])
        .assert()
        .code(2);
    zerodown(tmp.path())
        .args(["check", "-"])
        .write_stdin("\n")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("standard input is empty"));
    let out = zerodown(tmp.path())
        .args([
            "new",
            "web",
            "--image",
            "registry.example.com/a/web:1.0.0",
            "--readiness-tcp",
            "--liveness-path",
            "/livez",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let d = fs::read_to_string(tmp.path().join("web/deployment.yaml")).unwrap();
    assert!(
        d.contains("readinessProbe:\n            tcpSocket:\n              port: http"),
        "{d}"
    );
    zerodown(tmp.path())
        .args(["check", "--explain", "prestop-missing"])
        .assert()
        .success()
        .stdout(predicate::str::contains("preStop"));
    zerodown(tmp.path())
        .args(["check", "--explain", "prestop-misssing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `prestop-missing`"));
    zerodown(tmp.path())
        .args(["check", "--list-rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("hpa-replicas-conflict"));
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = Command::cargo_bin("zerodown")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("zerodown") && text.contains("max-startup-seconds"),
            "{shell}"
        );
        if shell == "bash" {
            let tmp = tempfile::tempdir().unwrap();
            let f = tmp.path().join("zerodown.bash");
            fs::write(&f, &text).unwrap();
            let ok = std::process::Command::new("bash")
                .arg("-n")
                .arg(&f)
                .status()
                .unwrap();
            assert!(ok.success(), "bash completion script has a syntax error");
        }
    }
    Command::cargo_bin("zerodown")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
    let out = Command::cargo_bin("zerodown")
        .unwrap()
        .arg("man")
        .output()
        .unwrap();
    let roff = String::from_utf8(out.stdout).unwrap();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH zerodown"),
        "{}",
        &roff[..roff.len().min(200)]
    );
    assert!(roff.contains("zero\\-downtime") || roff.contains("zero-downtime"));
}

/// The editor contract: spec errors are `file:line:column: error: message`, one per line, and the
/// VS Code task's problem matcher (examples/editor/vscode/tasks.json) parses them.
#[test]
fn spec_errors_use_the_editor_format_the_vscode_task_matches() {
    let tasks: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/editor/vscode/tasks.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let render = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "zerodown: render this spec")
        .unwrap();
    let pattern = render["problemMatcher"]["pattern"]["regexp"]
        .as_str()
        .unwrap();
    assert_eq!(pattern, "^(.+?):(\\d+):(\\d+): (error|warning): (.*)$");
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    let spec = fs::read_to_string(dir.join("zerodown.yaml"))
        .unwrap()
        .replace("drainSeconds: 20", "drainSeconds: 99999")
        .replace("port: 8080", "port: 0");
    fs::write(dir.join("zerodown.yaml"), &spec).unwrap();
    let out = zerodown(&dir)
        .args(["render", "-f", "zerodown.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let port_line = spec.lines().position(|l| l.starts_with("port:")).unwrap() + 1;
    assert!(lines.contains(&format!("zerodown.yaml:{port_line}:1: error: invalid value for `port`: \"0\" must be a TCP port from 1 to 65535").as_str()), "{stderr}");
    for l in &lines {
        let (file, rest) = l.split_once(':').unwrap();
        let mut parts = rest.splitn(3, ':');
        let (line, col, msg) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!(file, "zerodown.yaml");
        assert!(
            line.parse::<u32>().is_ok() && col.parse::<u32>().is_ok(),
            "{l}"
        );
        assert!(msg.starts_with(" error: "), "{l}");
    }
    // A YAML syntax error points at its column.
    fs::write(dir.join("zerodown.yaml"), "name: checkout\nport: [8080\n").unwrap();
    let out = zerodown(&dir).args(["render"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("zerodown.yaml:") && stderr.contains(": error: "),
        "{stderr}"
    );
}

#[test]
fn the_vscode_new_task_runs_as_written() {
    let tasks: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/editor/vscode/tasks.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let inputs = tasks["inputs"].as_array().unwrap();
    let input = |id: &str| {
        inputs.iter().find(|i| i["id"] == id).unwrap()["default"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let presets = inputs.iter().find(|i| i["id"] == "preset").unwrap()["options"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(presets, zerodown::preset::BUILTIN.len());
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "zerodown: new service")
        .unwrap();
    let args: Vec<String> = task["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("${input:name}", &input("name"))
                .replace("${input:preset}", &input("preset"))
                .replace("${input:image}", &input("image"))
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(&args).assert().success();
    assert!(tmp.path().join("deploy/checkout/deployment.yaml").exists());
}

/// `zerodown explain | head -1` and friends: a closed pipe ends the output quietly, no panic.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let bin = assert_cmd::cargo::cargo_bin("zerodown");
    for args in [
        "presets --format json",
        "check --list-rules",
        "completions bash",
        "schema",
    ] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "'{}' {args} | head -c 1 >/dev/null; sleep 0.1",
                bin.display()
            ))
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args}: {stderr}"
        );
    }
}

#[test]
fn a_version_bump_rewrites_the_deployment_alone() {
    let tmp = tempfile::tempdir().unwrap();
    new_checkout(tmp.path());
    let dir = tmp.path().join("checkout");
    let spec = fs::read_to_string(dir.join("zerodown.yaml")).unwrap();
    fs::write(
        dir.join("zerodown.yaml"),
        spec.replace("checkout:1.4.2", "checkout:1.4.3"),
    )
    .unwrap();
    let out = zerodown(&dir).arg("render").output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let changed: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim_start().starts_with("Unchanged"))
        .collect();
    assert_eq!(changed, ["     Updated ./deployment.yaml"], "{stderr}");
    let d = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    // the version label is on the pod template only, never on the selector
    assert_eq!(d.matches("app.kubernetes.io/version").count(), 1, "{d}");
    assert!(d.contains("app.kubernetes.io/version: \"1.4.3\""), "{d}");
    for other in [
        "service.yaml",
        "pdb.yaml",
        "hpa.yaml",
        "serviceaccount.yaml",
    ] {
        let text = fs::read_to_string(dir.join(other)).unwrap();
        assert!(
            !text.contains("app.kubernetes.io/version"),
            "{other}: {text}"
        );
    }
}

/// What bash completes for the last word of `line`, by the script `zerodown completions bash`
/// prints, run in a real bash the way bash-completion calls it.
fn bash_completes(script: &Path, line: &str) -> Vec<String> {
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            "source \"$1\"; read -ra COMP_WORDS <<<\"$2\"; [[ \"$2\" == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); \
             COMP_LINE=\"$2\"; COMP_POINT=${#2}; \
             _zerodown zerodown \"${COMP_WORDS[-1]}\" \"${COMP_WORDS[-2]}\"; printf '%s\\n' \"${COMPREPLY[@]}\"",
        )
        .arg("_")
        .arg(script)
        .arg(line)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_presets_versions_and_rule_ids() {
    let out = Command::cargo_bin("zerodown")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("zerodown.bash");
    fs::write(&script, out.stdout).unwrap();
    assert_eq!(
        bash_completes(&script, "zerodown new x --preset sp"),
        ["spring-boot"]
    );
    assert_eq!(
        bash_completes(&script, "zerodown new x --kube-version 1.3"),
        ["1.33", "1.34", "1.35", "1.36", "1.37"]
    );
    assert_eq!(
        bash_completes(&script, "zerodown check --explain prestop-m"),
        ["prestop-missing"]
    );
    assert_eq!(
        bash_completes(&script, "zerodown presets show no"),
        ["node"]
    );
    // every rule id is offered, and the values are still checked by zerodown itself
    let all = bash_completes(&script, "zerodown check --explain ");
    assert_eq!(all.len(), zerodown::check::rules().len(), "{all:?}");
    Command::cargo_bin("zerodown")
        .unwrap()
        .args([
            "new",
            "x",
            "--preset",
            "sprng-boot",
            "--image",
            IMAGE,
            "--no-input",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `spring-boot`?"));
}

#[test]
fn a_shell_wrapper_command_is_refused_unless_it_execs() {
    // Field case FC-16 (a): never emit `sh script` as the command without a confirmation.
    let dir = tempfile::tempdir().unwrap();
    let new = |extra: &[&str]| {
        let mut c = Command::cargo_bin("zerodown").unwrap();
        c.current_dir(dir.path()).args([
            "new",
            "orders",
            "--preset",
            "spring-boot",
            "--image",
            "registry.example.com/shop/orders:1.0.0",
            "--command",
            "/bin/sh",
            "--command",
            "/app/start.sh",
        ]);
        c.args(extra);
        c.assert()
    };
    let out = new(&[]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("command"), "{err}");
    assert!(err.contains("/bin/sh /app/start.sh"), "{err}");
    assert!(
        err.contains("set commandExecs: true (--command-execs)"),
        "{err}"
    );
    assert!(!dir.path().join("orders").exists());
    new(&["--command-execs"]).code(0);
    let text = fs::read_to_string(dir.path().join("orders/deployment.yaml")).unwrap();
    assert!(
        text.contains("\"ignore-check.zerodown.dev/shell-pid1-drops-sigterm\": \"commandExecs: the start script ends by exec'ing the app"),
        "{text}"
    );
    // The exec form and `sh -c 'exec ...'` need nothing.
    for (n, argv) in [
        &["java", "-jar", "/app/app.jar"][..],
        &["/bin/sh", "-c", "exec java -jar /app/app.jar"],
    ]
    .iter()
    .enumerate()
    {
        let mut c = Command::cargo_bin("zerodown").unwrap();
        c.current_dir(dir.path()).args([
            "new",
            &format!("orders{n}"),
            "--preset",
            "spring-boot",
            "--image",
            "registry.example.com/shop/orders:1.0.0",
        ]);
        for w in argv.iter() {
            c.arg(format!("--command={w}"));
        }
        c.assert().code(0);
    }
}
