//! `zerodown adopt`: existing manifests -> zerodown.yaml. The examples' bundles adopt back to
//! their own spec, the field cases and real charts' renders to a spec whose bundle checks clean,
//! and nothing the spec cannot say is dropped without a line in the report.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use zerodown::adopt::{adopt, ChangeKind, Options};
use zerodown::check::manifests::read_manifests;
use zerodown::check::{check_sources, load_paths, Severity, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sources(path: &Path) -> Vec<Source> {
    let (s, _) = load_paths(&[path.to_path_buf()], &mut std::io::empty());
    s
}

/// The bundle's objects (top-level manifests, comments ignored).
fn objects(spec: &zerodown::spec::Spec, preset: &zerodown::preset::Preset) -> Vec<Value> {
    let plan = zerodown::policy::plan(spec, preset);
    let bundle = zerodown::render::bundle(spec, &plan).unwrap();
    let srcs: Vec<Source> = bundle
        .files
        .iter()
        .filter(|f| f.path.ends_with(".yaml") && !f.path.contains('/') && f.path != "zerodown.yaml")
        .map(|f| Source::new(f.path.clone(), f.contents.clone()))
        .collect();
    read_manifests(&srcs)
        .0
        .into_iter()
        .map(|m| m.value)
        .collect()
}

/// Findings at warning or above of the bundle rendered from `spec`.
fn bundle_findings(spec: &zerodown::spec::Spec, preset: &zerodown::preset::Preset) -> Vec<String> {
    let plan = zerodown::policy::plan(spec, preset);
    let bundle = zerodown::render::bundle(spec, &plan).unwrap();
    let srcs: Vec<Source> = bundle
        .files
        .iter()
        .filter(|f| {
            f.path.ends_with(".yaml") && !f.path.contains('/') && f.path != "kustomization.yaml"
        })
        .map(|f| Source::new(f.path.clone(), f.contents.clone()))
        .collect();
    let report = check_sources(&srcs);
    report
        .active()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| f.rule.to_string())
        .collect()
}

fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("zerodown.yaml").exists())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_example_adopts_back_to_its_own_spec() {
    let dirs = example_dirs();
    assert_eq!(dirs.len(), 9);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (original, preset) =
            zerodown::specfile::load_spec(&dir.join("zerodown.yaml"), &mut vec![]).unwrap();
        let adopted = adopt(&sources(&dir), &Options::default()).unwrap();
        let mut spec = adopted.spec.clone();
        if name == "static-site" {
            // maxStartupSeconds 10 and 15 give the same startup probe (3 x 5 s, the minimum of
            // 3 checks): the probe says 15.
            assert_eq!(spec.max_startup_seconds, 15);
            spec.max_startup_seconds = original.max_startup_seconds;
        }
        assert_eq!(spec, original, "{name}");
        assert_eq!(
            objects(&adopted.spec, &adopted.preset),
            objects(&original, &preset),
            "{name}"
        );
        assert_eq!(
            adopted.report.changes,
            vec![],
            "{name}: the bundle changes nothing of itself"
        );
        assert_eq!(adopted.warnings, Vec::<String>::new(), "{name}");
    }
}

#[test]
fn field_cases_adopt_to_bundles_that_check_clean() {
    let mut n = 0;
    for e in fs::read_dir(root().join("tests/fixtures/field-cases")).unwrap() {
        let p = e.unwrap().path();
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        if !file.starts_with("FC-") || file.ends_with(".fixed.yaml") || !file.ends_with(".yaml") {
            continue;
        }
        n += 1;
        // FC-16's command is a shell wrapper (`/bin/sh /app/start.sh`) whose script is not in
        // the manifest: only the team knows the app's own command.
        let options = if file == "FC-16.yaml" {
            Options {
                choices: vec!["shell-pid1-drops-sigterm=java -jar /app/app.jar"
                    .parse()
                    .unwrap()],
                ..Options::default()
            }
        } else {
            Options::default()
        };
        let adopted = adopt(&sources(&p), &options).unwrap_or_else(|e| panic!("{file}: {e}"));
        let found = bundle_findings(&adopted.spec, &adopted.preset);
        assert_eq!(found, Vec::<String>::new(), "{file}");
        if file == "FC-16.yaml" {
            assert_eq!(adopted.spec.command, ["java", "-jar", "/app/app.jar"]);
            assert!(!adopted.spec.command_execs);
        }
    }
    assert_eq!(n, 14);
}

#[test]
fn a_shell_wrapper_command_needs_the_apps_own_command_or_a_confirmation() {
    let fc16 = root().join("tests/fixtures/field-cases/FC-16.yaml");
    // Without either, nothing is written: the bundle would drop SIGTERM as the input does.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("zerodown")
        .unwrap()
        .current_dir(dir.path())
        .arg("adopt")
        .arg(&fc16)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("error: spec.template.spec.containers[app].command: container 'app' runs '/bin/sh /app/start.sh' as PID 1; a shell without a SIGTERM trap ignores the signal"), "{err}");
    assert!(
        err.contains(
            "--choose 'shell-pid1-drops-sigterm=java -jar /app/app.jar', or --command-execs"
        ),
        "{err}"
    );
    assert!(!dir.path().join("zerodown.yaml").exists());
    // The team says the script ends with exec: kept, confirmed in the spec, and the bundle
    // carries the exemption with its reason.
    let adopted = adopt(
        &sources(&fc16),
        &Options {
            command_execs: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(adopted.spec.command, ["/bin/sh", "/app/start.sh"]);
    assert!(adopted.spec.command_execs);
    assert_eq!(
        bundle_findings(&adopted.spec, &adopted.preset),
        Vec::<String>::new()
    );
    let dep = objects(&adopted.spec, &adopted.preset)
        .into_iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    assert!(
        dep["metadata"]["annotations"]["ignore-check.zerodown.dev/shell-pid1-drops-sigterm"]
            .as_str()
            .unwrap()
            .starts_with("commandExecs: the start script ends by exec'ing the app")
    );
    // A -c script whose last command is plain gets exec before it, with the reason.
    let text = fs::read_to_string(&fc16).unwrap().replace(
        r#"command: ["/bin/sh", "/app/start.sh"]"#,
        r#"command: ["/bin/bash", "-c", "cd /app && java -jar app.jar > /proc/1/fd/1"]"#,
    );
    let adopted = adopt(&[Source::new("c.yaml", text)], &Options::default()).unwrap();
    assert_eq!(
        adopted.spec.command,
        [
            "/bin/bash",
            "-c",
            "cd /app && exec java -jar app.jar > /proc/1/fd/1"
        ]
    );
    assert_eq!(
        bundle_findings(&adopted.spec, &adopted.preset),
        Vec::<String>::new()
    );
    let c = adopted
        .report
        .changes
        .iter()
        .find(|c| c.field.ends_with(".command[2]") || c.field.ends_with(".command"))
        .unwrap();
    assert!(
        c.reason
            .starts_with("'exec' before the last command of the -c script"),
        "{c:?}"
    );
    // A choice that answers nothing is an error, not silently ignored.
    let e = adopt(
        &sources(&root().join("tests/fixtures/field-cases/FC-13.yaml")),
        &Options {
            choices: vec!["image-tag-mutable=registry.example.com/other:1.0.0"
                .parse()
                .unwrap()],
            ..Options::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--choose 'image-tag-mutable=registry.example.com/other:1.0.0' answered nothing in Deployment default/app; nothing was written"), "{e}");
}

#[test]
fn a_mutable_tag_is_pinned_by_choice_instead_of_accepted() {
    let fc19 = root().join("tests/fixtures/field-cases/FC-19.yaml");
    let plain = adopt(&sources(&fc19), &Options::default()).unwrap();
    assert!(plain.spec.allow_mutable_tag);
    let digest = "registry.example.com/app@sha256:4f5dbbd9a6b4b64fe1b6c3d1bd3ff1dc33a0a48d3b7c55b3e8c2a2b3c1d4e5f6";
    let pinned = adopt(
        &sources(&fc19),
        &Options {
            choices: vec![format!("image-tag-mutable={digest}").parse().unwrap()],
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(pinned.spec.image, digest);
    assert!(!pinned.spec.allow_mutable_tag);
    assert_eq!(
        bundle_findings(&pinned.spec, &pinned.preset),
        Vec::<String>::new()
    );
}

#[test]
fn real_charts_adopt_to_bundles_that_check_clean() {
    for (chart, name, image, port) in [
        (
            "podinfo",
            "demo-podinfo",
            "ghcr.io/stefanprodan/podinfo:6.14.1",
            9898,
        ),
        (
            "prometheus-blackbox-exporter",
            "demo-prometheus-blackbox-exporter",
            "quay.io/prometheus/blackbox-exporter:v0.28.0",
            9115,
        ),
        (
            "prometheus-pushgateway",
            "demo-prometheus-pushgateway",
            "quay.io/prometheus/pushgateway:v1.11.3",
            9091,
        ),
        (
            "kube-state-metrics",
            "demo-kube-state-metrics",
            "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
            8080,
        ),
    ] {
        let path = root().join(format!("tests/fixtures/charts/{chart}.yaml"));
        let adopted =
            adopt(&sources(&path), &Options::default()).unwrap_or_else(|e| panic!("{chart}: {e}"));
        let s = &adopted.spec;
        assert_eq!(
            (s.name.as_str(), s.namespace.as_str()),
            (name, "demo"),
            "{chart}"
        );
        assert_eq!((s.image.as_str(), s.port), (image, Some(port)), "{chart}");
        assert_eq!(
            bundle_findings(s, &adopted.preset),
            Vec::<String>::new(),
            "{chart}"
        );
        // Helm's selector is not the bundle's: said loudly, with its consequence.
        assert!(
            adopted.warnings.iter().any(|w| w
                .starts_with(&format!("SELECTOR DIFFERS: Deployment demo/{name} selects"))
                && w.contains("spec.selector is immutable")),
            "{chart}: {:?}",
            adopted.warnings
        );
        // Helm's own labels are reported, not silently lost.
        assert!(
            adopted
                .report
                .of(ChangeKind::Dropped)
                .any(|c| c.kind == "Deployment" && c.field == "metadata.labels[helm.sh/chart]"),
            "{chart}"
        );
    }
}

#[test]
fn podinfo_chart_keeps_its_probes_resources_and_startup_budget() {
    let path = root().join("tests/fixtures/charts/podinfo.yaml");
    let a = adopt(&sources(&path), &Options::default()).unwrap();
    let s = &a.spec;
    // The chart's exec probes (podcli) are carried as they are.
    assert_eq!(
        s.readiness.to_string(),
        "exec podcli check http localhost:9898/readyz"
    );
    assert_eq!(
        s.liveness.to_string(),
        "exec podcli check http localhost:9898/healthz"
    );
    // No startupProbe: the readiness delay (1 s) and liveness delay + 3 x 10 s budget.
    assert_eq!((s.startup_seconds, s.max_startup_seconds), (1, 31));
    // grace 30 s (the API default) - preStop 0 - 5 s margin.
    assert_eq!(s.drain_seconds, 25);
    assert_eq!(
        (s.resources.cpu_request_millicores, s.resources.memory_mib),
        (10, 16)
    );
    assert!(
        a.warnings.contains(
            &"CPU request 1m is outside what the spec accepts (10-64000m): the spec uses 10m"
                .to_string()
        ),
        "{:?}",
        a.warnings
    );
    assert_eq!(s.writable_dirs, ["/data"]);
}

const LIVE: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  uid: 6b1f
  resourceVersion: "1234"
  generation: 7
  managedFields:
    - manager: kubectl-client-side-apply
  annotations:
    deployment.kubernetes.io/revision: "7"
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},"spec":{"replicas":4,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web","team":"checkout"}},"spec":{"terminationGracePeriodSeconds":45,"containers":[{"name":"web","image":"registry.example.com/shop/web:2.3.1","ports":[{"name":"http","containerPort":8080}],"env":[{"name":"MODE","value":"prod"},{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}],"readinessProbe":{"httpGet":{"path":"/ready","port":"http"},"initialDelaySeconds":5},"livenessProbe":{"httpGet":{"path":"/live","port":"http"},"initialDelaySeconds":20,"periodSeconds":10,"failureThreshold":3},"lifecycle":{"preStop":{"sleep":{"seconds":10}}},"resources":{"requests":{"cpu":"300m","memory":"384Mi"},"limits":{"memory":"384Mi"}}},{"name":"proxy","image":"envoyproxy/envoy:v1.31.0"}]}}}}
spec:
  replicas: 6
  progressDeadlineSeconds: 600
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      dnsPolicy: ClusterFirst
      containers:
        - name: web
          image: registry.example.com/shop/web:2.3.1
status:
  replicas: 6
  readyReplicas: 6
"#;

#[test]
fn a_live_dump_is_read_from_its_last_applied_configuration() {
    let a = adopt(&[Source::new("live.yaml", LIVE)], &Options::default()).unwrap();
    let s = &a.spec;
    assert_eq!((s.name.as_str(), s.namespace.as_str()), ("web", "shop"));
    assert_eq!(s.image, "registry.example.com/shop/web:2.3.1");
    assert_eq!(s.port, Some(8080));
    assert_eq!(
        (s.readiness.to_string(), s.liveness.to_string()),
        ("GET /ready".into(), "GET /live".into())
    );
    // readiness delay 5 s typical; liveness 20 + 3 x 10 = 50 s before it could kill a starting pod.
    assert_eq!((s.startup_seconds, s.max_startup_seconds), (5, 50));
    // 45 s grace - 10 s preStop - 5 s margin.
    assert_eq!(s.drain_seconds, 30);
    assert_eq!(
        (s.resources.cpu_request_millicores, s.resources.memory_mib),
        (300, 384)
    );
    assert_eq!(s.env.len(), 1);
    assert_eq!(
        (s.env[0].name.as_str(), s.env[0].value.as_deref()),
        ("MODE", Some("prod"))
    );
    assert_eq!(
        s.pod_labels.get("team").map(String::as_str),
        Some("checkout")
    );
    assert_eq!(s.pod_labels.get("app").map(String::as_str), Some("web"));
    let dropped: Vec<(String, String)> = a
        .report
        .of(ChangeKind::Dropped)
        .map(|c| (c.field.clone(), c.reason.clone()))
        .collect();
    let reason = |f: &str| {
        dropped
            .iter()
            .find(|(p, _)| p == f)
            .map(|(_, r)| r.as_str())
    };
    assert_eq!(
        reason("spec.template.spec.containers[web].env[POD_IP].valueFrom.fieldRef.fieldPath"),
        Some("env POD_IP from the downward API (fieldRef/resourceFieldRef): the spec has only values and Secret/ConfigMap keys; add it in the custom/ layer")
    );
    assert_eq!(
        reason("spec.template.spec.containers[proxy].image"),
        Some("a second container (proxy): the spec describes one app container; add the sidecar in the bundle's custom/ layer")
    );
    // The live object's replicas (6) and server fields are not the input: last-applied says 4.
    let replicas = a
        .report
        .changes
        .iter()
        .find(|c| c.field == "spec.replicas")
        .unwrap();
    assert_eq!(
        (replicas.change, replicas.from.as_deref()),
        (ChangeKind::Dropped, Some("4"))
    );
    assert!(!a
        .report
        .changes
        .iter()
        .any(|c| c.field.contains("managedFields") || c.field.starts_with("status")));
    assert!(a.warnings.iter().any(|w| w.starts_with(
        "SELECTOR DIFFERS: Deployment shop/web selects {\"matchLabels\":{\"app\":\"web\"}}"
    )));
}

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

#[test]
fn several_deployments_need_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let two = format!(
        "{LIVE}---\n{}",
        // a second Deployment, its last-applied record (what is judged) named alike
        LIVE.replace(
            "name: web\n  namespace: shop\n  uid",
            "name: api\n  namespace: shop\n  uid"
        )
        .replace(r#""name":"web","namespace""#, r#""name":"api","namespace""#)
    );
    fs::write(dir.path().join("all.yaml"), two).unwrap();
    let out = zerodown(dir.path())
        .args(["adopt", "all.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: the input has 2 Deployments (shop/web, shop/api); `adopt` makes the spec of one\n  help: pick one with --name NAME (or NAMESPACE/NAME)"), "{err}");
    assert!(!dir.path().join("zerodown.yaml").exists());
    let out = zerodown(dir.path())
        .args(["adopt", "all.yaml", "--name", "shop/api", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(
        yaml.starts_with("# yaml-language-server: $schema=zerodown.schema.json\n"),
        "{yaml}"
    );
    assert!(yaml.contains("\nname: api\nnamespace: shop\n"), "{yaml}");
    assert!(!dir.path().join("zerodown.yaml").exists());
}

#[test]
fn an_existing_spec_is_never_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("live.yaml"), LIVE).unwrap();
    fs::write(dir.path().join("zerodown.yaml"), "mine\n").unwrap();
    let out = zerodown(dir.path())
        .args(["adopt", "live.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("error: zerodown.yaml exists; adopt never replaces a file without --force"));
    assert_eq!(
        fs::read_to_string(dir.path().join("zerodown.yaml")).unwrap(),
        "mine\n"
    );
    let out = zerodown(dir.path())
        .args(["adopt", "live.yaml", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let written = fs::read_to_string(dir.path().join("zerodown.yaml")).unwrap();
    assert!(
        written.contains("\nimage: registry.example.com/shop/web:2.3.1\n"),
        "{written}"
    );
    // What adopt wrote renders.
    let out = zerodown(dir.path())
        .args(["render", "-f", "zerodown.yaml", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_deployment_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n",
    )
    .unwrap();
    let out = zerodown(dir.path())
        .args(["adopt", "svc.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: the input has no Deployment"));
}

#[test]
fn the_json_report_lists_every_change() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("live.yaml"), LIVE).unwrap();
    let out = zerodown(dir.path())
        .args(["adopt", "live.yaml", "-o", "-", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["deployment"], "shop/web");
    let changes = doc["changes"].as_array().unwrap();
    assert!(changes.iter().any(|c| c["field"]
        == "spec.template.spec.containers[web].startupProbe.initialDelaySeconds"
        && c["change"] == "added"
        && c["to"] == "5"));
}

/// `adopt -o` into a folder that does not exist is bad input (exit 2) before any work, not an
/// I/O error about a temporary file after the report.
#[test]
fn output_into_a_missing_folder_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("live.yaml"), LIVE).unwrap();
    let out = zerodown(dir.path())
        .args(["adopt", "live.yaml", "-o", "nodir/zd.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: -o nodir/zd.yaml: folder nodir does not exist"),
        "{err}"
    );
    assert!(!dir.path().join("nodir").exists());
}

/// `helm create`'s nginx Deployment runs as root on a writable root filesystem; the adopted spec
/// keeps what the nginx-static preset knows the image needs on the bundle's read-only root (its
/// user and writable /var/cache/nginx and /var/run), or every pod would crash-loop (found by a new
/// user's trial: runAsUser 10001 and only /tmp writable).
#[test]
fn an_nginx_deployment_keeps_the_folders_nginx_writes_to() {
    let dir = tempfile::tempdir().unwrap();
    let render = root().join("tests/fixtures/helm/create-demo.yaml");
    let out = zerodown(dir.path())
        .arg("adopt")
        .arg(&render)
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = String::from_utf8_lossy(&out.stdout);
    assert!(spec.contains("preset: nginx-static"), "{spec}");
    assert!(spec.contains("runAsUser: 101"), "{spec}");
    assert!(
        spec.contains("- /var/cache/nginx") && spec.contains("- /var/run"),
        "{spec}"
    );
}

#[test]
fn adopting_required_anti_affinity_as_preferred_warns_that_the_first_rollout_needs_a_spare_node() {
    // What the cluster/ scenario `fix` measured: the running pods' required terms keep the new
    // pods off their nodes, so preferred terms do not unblock the rollout that brings them.
    let text = fs::read_to_string(root().join("tests/fixtures/charts/podinfo-hpa.yaml"))
        .unwrap()
        .replacen(
            "\n      containers:\n",
            "\n      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - topologyKey: kubernetes.io/hostname\n              labelSelector:\n                matchLabels:\n                  app.kubernetes.io/name: podinfo\n      containers:\n",
            1,
        );
    assert!(text.contains("requiredDuringSchedulingIgnoredDuringExecution"));
    let adopted = adopt(&[Source::new("aa.yaml", text)], &Options::default()).unwrap();
    assert!(!adopted.plan.spread.hard_anti_affinity.value);
    let w = adopted
        .warnings
        .iter()
        .find(|w| w.contains("requires one pod per node"))
        .unwrap_or_else(|| panic!("{:?}", adopted.warnings));
    assert!(w.contains("the first rollout of this bundle stalls Pending; apply it with a spare node, or once with `kubectl -n "), "{w}");
    assert!(
        w.contains(r#"{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":1}}}}"#),
        "{w}"
    );
    // Not when the bundle keeps the requirement (FC-13 adopts as cost resilient).
    let fc13 = adopt(
        &sources(&root().join("tests/fixtures/field-cases/FC-13.yaml")),
        &Options::default(),
    )
    .unwrap();
    assert!(fc13.plan.spread.hard_anti_affinity.value);
    assert!(fc13
        .warnings
        .iter()
        .all(|w| !w.contains("requires one pod per node")));
}

#[test]
fn a_python_app_is_never_adopted_as_nginx_and_its_sh_c_list_gets_exec() {
    // From a breaker's trial: a python container with nothing else to go by was adopted as the
    // nginx preset, whose preStop runs `nginx -s quit` and waits for PID 1 (in a python image
    // every pod would wait out its grace period).
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.0.0\n          command: [python, app.py]\n          ports: [{containerPort: 8080}]\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n";
    let adopted = adopt(&[Source::new("m1.yaml", yaml)], &Options::default()).unwrap();
    assert_ne!(
        adopted.spec.app_type,
        zerodown::spec::AppType::Nginx,
        "{}",
        adopted.spec.preset
    );
    assert_eq!(
        bundle_findings(&adopted.spec, &adopted.preset),
        Vec::<String>::new()
    );
    // An nginx image still is nginx.
    let nginx = yaml
        .replace("registry.example.com/app:1.0.0", "nginx:1.27.3")
        .replace("          command: [python, app.py]\n", "");
    let adopted = adopt(&[Source::new("n.yaml", nginx)], &Options::default()).unwrap();
    assert_eq!(adopted.spec.app_type, zerodown::spec::AppType::Nginx);
    // `sh -c 'cd /app && python app.py'` (bash before 5.1 keeps itself as PID 1 for a list):
    // exec goes before the app, and the bundle checks clean.
    let listed = yaml.replace(
        "command: [python, app.py]",
        "command: [sh, -c, 'cd /app && python app.py']",
    );
    let adopted = adopt(&[Source::new("l.yaml", listed)], &Options::default()).unwrap();
    assert_eq!(
        adopted.spec.command,
        ["sh", "-c", "cd /app && exec python app.py"]
    );
    assert_eq!(
        bundle_findings(&adopted.spec, &adopted.preset),
        Vec::<String>::new()
    );
}

#[test]
fn adopting_warns_of_a_moved_service_port_and_says_in_what_order_to_switch_the_selector() {
    // From a new-user trial: the bundle's Service listens on the container port and selects only
    // the new pods; applying it all at once left the Service empty, and the port move was buried.
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: orders}}\n  template:\n    metadata: {labels: {app: orders}}\n    spec:\n      containers:\n        - name: orders\n          image: registry.example.com/shop/orders:1.0.0\n          ports: [{name: http, containerPort: 8080}]\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: orders, namespace: shop}\nspec:\n  selector: {app: orders}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n";
    let adopted = adopt(&[Source::new("o.yaml", yaml)], &Options::default()).unwrap();
    let moved = adopted
        .warnings
        .iter()
        .find(|w| w.starts_with("SERVICE PORT MOVES"))
        .unwrap_or_else(|| panic!("{:?}", adopted.warnings));
    assert!(
        moved.contains("Service orders spec.ports[http].port 80 -> 8080"),
        "{moved}"
    );
    let sel = adopted
        .warnings
        .iter()
        .find(|w| w.starts_with("SELECTOR DIFFERS"))
        .unwrap();
    assert!(sel.contains("apply the new Deployment first and wait until its pods are Ready, and only then the Service"), "{sel}");
}
