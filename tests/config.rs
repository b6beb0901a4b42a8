//! The service's own configuration, end to end through the binary: environment and mounted
//! files by reference, workload identity, placement, the restricted namespace, and the user's
//! `custom/` kustomize layer that `render` never touches but `check` and `render --check` see.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("ZERODOWN_KUBECTL");
    c
}

/// The real kubectl: `ZERODOWN_KUBECTL`, then the one `.ci/install-tools.sh` installs, then
/// `PATH`. Without one the kustomize tests print a skip note, or fail when `CI` is set.
fn kubectl() -> Option<PathBuf> {
    let installed = dirs_home().join(".cache/zerodown-tools/venv/bin/kubectl");
    let found = std::env::var_os("ZERODOWN_KUBECTL")
        .map(PathBuf::from)
        .or_else(|| installed.is_file().then_some(installed))
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("kubectl"))
                .find(|k| k.is_file())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is required in CI"
        );
        eprintln!("note: no kubectl; skipping the kustomize part of this test");
    }
    found
}

fn dirs_home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
}

/// The acceptance service: a Spring Boot API with its database Secret as env vars, a config
/// file from a ConfigMap, EKS workload identity, a pull secret and a toleration.
const ORDERS_API: &[&str] = &[
    "new",
    "orders-api",
    "--preset",
    "spring-boot",
    "-n",
    "shop",
    "--no-input",
    "--image",
    "ghcr.io/example-shop/orders-api:3.2.0",
    "--port",
    "8080",
    "--env",
    "SPRING_PROFILES_ACTIVE=prod",
    "--env-secret",
    "SPRING_DATASOURCE_PASSWORD=orders-db:password",
    "--env-from-secret",
    "orders-db",
    "--mount-configmap",
    "/config=orders-config",
    "--service-account-annotation",
    "eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/orders-api",
    "--image-pull-secret",
    "regcred",
    "--toleration",
    "dedicated=orders:NoSchedule",
];

fn yaml(path: &Path) -> serde_json::Value {
    serde_yaml_ng::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn flags_put_references_never_values_into_the_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(ORDERS_API).assert().success();
    let dir = tmp.path().join("orders-api");
    let d = yaml(&dir.join("deployment.yaml"));
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(
        c["env"],
        serde_json::json!([
            {"name": "JAVA_TOOL_OPTIONS", "value": "-XX:MaxRAMPercentage=75.0"},
            {"name": "SERVER_SHUTDOWN", "value": "graceful"},
            {"name": "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "value": "20s"},
            {"name": "SPRING_PROFILES_ACTIVE", "value": "prod"},
            {"name": "SPRING_DATASOURCE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "orders-db", "key": "password"}}},
        ])
    );
    assert_eq!(
        c["envFrom"],
        serde_json::json!([{"secretRef": {"name": "orders-db"}}])
    );
    assert_eq!(
        c["volumeMounts"][1],
        serde_json::json!({"name": "config-1", "mountPath": "/config", "readOnly": true})
    );
    assert_eq!(
        pod["volumes"][1],
        serde_json::json!({"name": "config-1", "configMap": {"name": "orders-config"}})
    );
    assert_eq!(
        pod["imagePullSecrets"],
        serde_json::json!([{"name": "regcred"}])
    );
    assert_eq!(
        pod["tolerations"],
        serde_json::json!([{"key": "dedicated", "operator": "Equal", "value": "orders", "effect": "NoSchedule"}])
    );
    let sa = yaml(&dir.join("serviceaccount.yaml"));
    assert_eq!(
        sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::123456789012:role/orders-api"
    );
    let ns = yaml(&dir.join("namespace.yaml"));
    assert_eq!(ns["metadata"]["name"], "shop");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"],
        "v1.35"
    );
    let k = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    assert!(
        k.contains("resources:\n  - namespace.yaml\n  - serviceaccount.yaml\n"),
        "{k}"
    );
    assert!(k.ends_with("components:\n  - custom\n"), "{k}");
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("| Secret | `orders-db` | key `password` as `SPRING_DATASOURCE_PASSWORD`; every key as an env var |"), "{readme}");
    assert!(
        readme.contains("| ConfigMap | `orders-config` | files in `/config` |"),
        "{readme}"
    );
    // The spec keeps the answers, so `render` reproduces the bundle.
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
}

#[test]
fn a_user_variable_replaces_a_tuned_one_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args(["new", "api", "--preset", "spring-boot", "--no-input", "--image", "r.example.com/a/api:1.0.0"])
        .args(["--env", "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=60.0"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: env JAVA_TOOL_OPTIONS: the value in zerodown.yaml replaces the tuned JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75.0",
        ));
    let d = yaml(&tmp.path().join("api/deployment.yaml"));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["env"],
        serde_json::json!([
            // the other tuned variables stay; the user's one takes the place of the tuned one
            {"name": "SERVER_SHUTDOWN", "value": "graceful"},
            {"name": "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "value": "20s"},
            {"name": "JAVA_TOOL_OPTIONS", "value": "-XX:MaxRAMPercentage=60.0"},
        ])
    );
}

#[test]
fn bad_configuration_is_refused_all_at_once_with_exit_2_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--no-input",
            "--image",
            "r.example.com/a/api:1.0.0",
        ])
        .args(["--env", "1BAD=x", "--env", "NOEQUALS"])
        .args([
            "--env-secret",
            "DB=Orders_DB:password",
            "--env-configmap",
            "X=cfg:..data",
        ])
        .args([
            "--mount-configmap",
            "/tmp/conf=cfg",
            "--mount-secret",
            "relative=tls",
        ])
        .args([
            "--service-account-annotation",
            "Bad Key=x",
            "--image-pull-secret",
            "Reg",
        ])
        .args([
            "--pod-label",
            "app.kubernetes.io/name=other",
            "--node-selector",
            "k=bad value",
        ])
        .args([
            "--toleration",
            "dedicated=orders:Sometimes",
            "--priority-class",
            "HIGH",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    for want in [
        "`--env`: \"NOEQUALS\" must be NAME=VALUE",
        "`--toleration`: \"dedicated=orders:Sometimes\" has an effect that is not NoSchedule",
    ] {
        assert!(err.contains(want), "wanted {want:?} in:\n{err}");
    }
    assert!(!tmp.path().join("api").exists());
    // The flag errors come first; fixed, every field error is listed in one run.
    let out = zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--no-input",
            "--image",
            "r.example.com/a/api:1.0.0",
        ])
        .args([
            "--env",
            "1BAD=x",
            "--env-secret",
            "DB=Orders_DB:password",
            "--env-configmap",
            "X=cfg:..data",
        ])
        .args([
            "--mount-configmap",
            "/tmp/conf=cfg",
            "--mount-secret",
            "relative=tls",
        ])
        .args([
            "--service-account-annotation",
            "Bad Key=x",
            "--image-pull-secret",
            "Reg",
        ])
        .args([
            "--pod-label",
            "app.kubernetes.io/name=other",
            "--node-selector",
            "k=bad value",
        ])
        .args(["--priority-class", "HIGH"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    for want in [
        "`env.name` (--env/--env-secret/--env-configmap): \"1BAD\" must be a C identifier",
        "`env.secretKeyRef.name` (--env-secret): \"Orders_DB\" must be a DNS-1123 subdomain",
        "`env.configMapKeyRef.key` (--env-configmap): \"..data\" must be a key",
        "`mounts.path` (--mount-configmap/--mount-secret): \"/tmp/conf\" clashes with the mount at /tmp",
        "`mounts.path` (--mount-configmap/--mount-secret): \"relative\" must be an absolute directory path",
        "`serviceAccountAnnotations` (--service-account-annotation): \"Bad Key\" must be a key",
        "`imagePullSecrets` (--image-pull-secret): \"Reg\" must be a DNS-1123 subdomain",
        "`podLabels` (--pod-label): \"app.kubernetes.io/name\" is a label zerodown sets itself",
        "`nodeSelector` (--node-selector): \"bad value\" must be a label value",
        "`priorityClassName` (--priority-class): \"HIGH\"",
    ] {
        assert!(err.contains(want), "wanted {want:?} in:\n{err}");
    }
    assert!(!tmp.path().join("api").exists());
}

#[test]
fn a_spec_file_with_bad_configuration_names_each_field() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--no-input",
            "--image",
            "r.example.com/a/api:1.0.0",
        ])
        .assert()
        .success();
    let spec = tmp.path().join("api/zerodown.yaml");
    let mut text = fs::read_to_string(&spec).unwrap();
    text.push_str("env:\n- name: A\n  value: x\n  secretKeyRef: {name: s, key: k}\ntolerations:\n- operator: Equal\n- key: k\n  operator: Exists\n  value: v\n- key: k\n  effect: NoSchedule\n  tolerationSeconds: 5\n");
    fs::write(&spec, text).unwrap();
    let out = zerodown(&tmp.path().join("api"))
        .arg("render")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    for want in [
        "`env`: \"A\" needs exactly one of value, secretKeyRef and configMapKeyRef",
        "without a key, the operator must be Exists",
        "must be absent with operator Exists",
        "applies only with effect NoExecute",
    ] {
        assert!(err.contains(want), "wanted {want:?} in:\n{err}");
    }
}

#[test]
fn no_namespace_leaves_namespace_yaml_out() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--no-input",
            "--no-namespace",
            "--image",
            "r.example.com/a/api:1.0.0",
        ])
        .assert()
        .success();
    let dir = tmp.path().join("api");
    assert!(!dir.join("namespace.yaml").exists());
    assert!(fs::read_to_string(dir.join("zerodown.yaml"))
        .unwrap()
        .contains("\nnamespaceObject: false\n"));
    let k = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    assert!(!k.contains("namespace.yaml"), "{k}");
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("kubectl create namespace api   # once"),
        "{readme}"
    );
}

const USER_LAYER: &str = "apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
  - extra-configmap.yaml
patches:
  - target:
      kind: Deployment
      name: orders-api
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: FEATURE_FLAGS, value: new-checkout}
";

const EXTRA: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: orders-config
  namespace: shop
data:
  application.yaml: |
    server.shutdown: graceful
";

#[test]
fn the_custom_layer_is_the_users_render_never_touches_it_and_check_sees_it() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(ORDERS_API).assert().success();
    let dir = tmp.path().join("orders-api");
    let layer = dir.join("custom/kustomization.yaml");
    let skeleton = fs::read_to_string(&layer).unwrap();
    assert!(skeleton.contains("kind: Component\n"), "{skeleton}");
    fs::write(&layer, USER_LAYER).unwrap();
    fs::write(dir.join("custom/extra-configmap.yaml"), EXTRA).unwrap();

    // A spec change (one more env var) and an image bump, rendered without any hand edit.
    let spec = dir.join("zerodown.yaml");
    let text = fs::read_to_string(&spec)
        .unwrap()
        .replace("orders-api:3.2.0", "orders-api:3.3.0")
        .replace("env:\n", "env:\n- name: LOG_LEVEL\n  value: info\n");
    fs::write(&spec, text).unwrap();
    zerodown(&dir).arg("render").assert().success();
    let d = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    assert!(
        d.contains("orders-api:3.3.0") && d.contains("\"LOG_LEVEL\""),
        "{d}"
    );
    zerodown(&dir)
        .args(["render", "--force"])
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&layer).unwrap(), USER_LAYER);
    assert_eq!(
        fs::read_to_string(dir.join("custom/extra-configmap.yaml")).unwrap(),
        EXTRA
    );

    // Deleted, it is written again (the generated kustomization needs it).
    fs::remove_file(&layer).unwrap();
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("custom/kustomization.yaml"));
    zerodown(&dir).arg("render").assert().success();
    assert_eq!(fs::read_to_string(&layer).unwrap(), skeleton);
    fs::write(&layer, USER_LAYER).unwrap();

    let Some(kubectl) = kubectl() else { return };
    let built = std::process::Command::new(&kubectl)
        .arg("kustomize")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let built = String::from_utf8(built.stdout).unwrap();
    assert!(
        built.contains("name: FEATURE_FLAGS") && built.contains("kind: ConfigMap"),
        "{built}"
    );
    zerodown(&dir)
        .env("ZERODOWN_KUBECTL", &kubectl)
        .args(["render", "--check"])
        .assert()
        .success();
    zerodown(&dir)
        .env("ZERODOWN_KUBECTL", &kubectl)
        .args(["check", ".", "--fail-on", "info"])
        .assert()
        .success()
        .stdout(predicate::str::contains("in 8 objects from 1 file"));

    // A user patch that fights the HPA: render --check and check both see it.
    let fighting = format!(
        "{USER_LAYER}  - target:\n      kind: Deployment\n      name: orders-api\n    patch: |-\n      - op: add\n        path: /spec/replicas\n        value: 3\n"
    );
    fs::write(&layer, fighting).unwrap();
    zerodown(&dir)
        .env("ZERODOWN_KUBECTL", &kubectl)
        .args(["render", "--check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "[hpa-replicas-conflict] (added by the custom/ layer)",
        ))
        .stderr(predicate::str::contains(
            "error: the custom/ layer adds 1 finding(s)",
        ));
    zerodown(&dir)
        .env("ZERODOWN_KUBECTL", &kubectl)
        .args(["check", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("hpa-replicas-conflict"));
}

#[test]
fn without_kubectl_check_audits_the_files_and_skips_the_component() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(ORDERS_API).assert().success();
    let dir = tmp.path().join("orders-api");
    fs::write(dir.join("custom/kustomization.yaml"), USER_LAYER).unwrap();
    fs::write(dir.join("custom/deployment-patch.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders-api\nspec:\n  replicas: 3\n").unwrap();
    zerodown(&dir)
        .env("PATH", "")
        .args(["check", ".", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("kubectl was not found"))
        .stdout(predicate::str::contains(
            "kustomize Component ./custom skipped",
        ));
    // a layer that changes the bundle and cannot be audited fails the drift check
    zerodown(&dir)
        .env("PATH", "")
        .args(["render", "--check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "kubectl was not found (set ZERODOWN_KUBECTL)",
        ));
}

#[test]
fn overlays_keep_the_custom_layer_in_base() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "api",
            "-n",
            "shop",
            "--no-input",
            "--overlays",
            "staging,production",
        ])
        .args(["--image", "r.example.com/a/api:1.0.0"])
        .assert()
        .success();
    let dir = tmp.path().join("api");
    assert!(dir.join("base/custom/kustomization.yaml").is_file());
    assert!(!dir.join("custom").exists());
    let Some(kubectl) = kubectl() else { return };
    let out = std::process::Command::new(&kubectl)
        .arg("kustomize")
        .arg(dir.join("overlays/staging"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .split("\n---\n")
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect();
    // kustomize's namespace field renames the Namespace object too, labels and all.
    let ns = docs.iter().find(|d| d["kind"] == "Namespace").unwrap();
    assert_eq!(ns["metadata"]["name"], "shop-staging");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    assert!(docs
        .iter()
        .all(|d| d["kind"] == "Namespace" || d["metadata"]["namespace"] == "shop-staging"));
}

/// A mount path must name its folder one way and not be a system folder: `/x/../tmp` is `/tmp`
/// (a read-only ConfigMap over the writable emptyDir), `/.` is `/`, `/a//b` is `/a/b`, and
/// `/etc` or `/proc/x` hide what the image or the kernel put there (found by a breaker).
#[test]
fn mount_paths_are_one_folder_one_way_and_never_a_system_folder() {
    let tmp = tempfile::tempdir().unwrap();
    for (flag, path) in [
        ("--mount-configmap", "/x/../tmp"),
        ("--mount-configmap", "/."),
        ("--mount-configmap", "/a/.."),
        ("--mount-secret", "/a//b"),
        ("--mount-configmap", "/etc"),
        ("--mount-configmap", "/proc/self"),
        ("--mount-configmap", "/dev"),
        ("--mount-configmap", "/usr/"),
    ] {
        let value = format!("{path}=cm");
        let out = zerodown(tmp.path())
            .args([
                "new",
                "api",
                "--no-input",
                "--image",
                "r.example.com/a/api:1.0.0",
            ])
            .args([flag, value.as_str()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(
            err.contains("mounts.path") && err.contains(path),
            "{path}: {err}"
        );
        assert!(!tmp.path().join("api").exists(), "{path}: nothing written");
    }
    // a folder of the app's own under /etc is fine, and so is one under /var's app folders
    zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--no-input",
            "--image",
            "r.example.com/a/api:1.0.0",
        ])
        .args([
            "--mount-configmap",
            "/etc/nginx/conf.d=nginx",
            "--mount-secret",
            "/var/run/tls=tls",
        ])
        .assert()
        .success();
    // writableDirs follow the same rule
    let out = zerodown(tmp.path())
        .args([
            "new",
            "api2",
            "--no-input",
            "--image",
            "r.example.com/a/api:1.0.0",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let spec = tmp.path().join("api2/zerodown.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, format!("{text}writableDirs:\n- /cache/../tmp\n")).unwrap();
    let out = zerodown(&tmp.path().join("api2"))
        .arg("render")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("writableDirs") && err.contains("'..'"),
        "{err}"
    );
}

/// The layer gate holds when a value carries a literal `{{ ... }}` (a rendered bundle is not a
/// Helm template), when the layer cannot be built, and when kubectl is missing or builds
/// nothing: `render --check` fails instead of saying "up to date" (found by a breaker).
#[test]
fn render_check_fails_when_the_custom_layer_cannot_be_audited() {
    let Some(kubectl) = kubectl() else { return };
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "orders-api",
            "--preset",
            "spring-boot",
            "--no-input",
            "-n",
            "shop",
        ])
        .args(["--image", "r.example.com/shop/orders-api:1.0.0"])
        .args(["--env", "GREETING=hello {{ .Values.name }}"])
        .assert()
        .success();
    let dir = tmp.path().join("orders-api");
    // a literal template in a value is audited as a value
    zerodown(&dir)
        .env("ZERODOWN_KUBECTL", &kubectl)
        .args(["check", ".", "--fail-on", "info"])
        .assert()
        .success();
    let layer = dir.join("custom/kustomization.yaml");
    let fighting = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: []\npatches:\n  - target:\n      kind: Deployment\n      name: orders-api\n    patch: |-\n      - op: add\n        path: /spec/replicas\n        value: 1\n";
    fs::write(&layer, fighting).unwrap();
    zerodown(&dir)
        .env("ZERODOWN_KUBECTL", &kubectl)
        .args(["render", "--check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "[hpa-replicas-conflict] (added by the custom/ layer)",
        ));
    for (kubectl, layer_text, why) in [
        (kubectl.clone(), "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - nothere.yaml\n".to_string(), "failed"),
        (PathBuf::from("/nonexistent/kubectl"), fighting.to_string(), "cannot run /nonexistent/kubectl"),
        (PathBuf::from("/bin/true"), fighting.to_string(), "built nothing"),
    ] {
        fs::write(&layer, &layer_text).unwrap();
        zerodown(&dir)
            .env("ZERODOWN_KUBECTL", &kubectl)
            .args(["render", "--check"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(why))
            .stderr(predicate::str::contains("could not be built or audited"));
    }
}
