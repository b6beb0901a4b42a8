//! Runtime environment and KEDA scaling through the binary: a Kafka worker made with flags, its
//! re-render after a spec change and an image bump, the switch back to the HPA, `zerodown check`
//! on the result, and every bad answer refused with exit 2 and nothing written.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const IMAGE: &str = "registry.example.com/shop/order-worker:3.2.0";

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn stderr_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    stderr
}

const KAFKA_WORKER: &[&str] = &[
    "new",
    "orders",
    "--preset",
    "worker",
    "--image",
    IMAGE,
    "-n",
    "shop",
    "--runtime",
    "go",
    "--drain-seconds",
    "45",
    "--keda-kafka",
    "kafka-bootstrap.kafka:9092,orders,order-worker,50",
    "--keda-auth",
    "kafka-sasl",
    "--keda-max-replicas",
    "12",
];

/// The ScaledObject's spec as YAML values (comments dropped).
fn scaled_object(dir: &Path) -> serde_json::Value {
    let text = fs::read_to_string(dir.join("scaledobject.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

#[test]
fn a_kafka_worker_on_keda_from_flags() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(KAFKA_WORKER).assert().success();
    let dir = tmp.path().join("orders");
    assert!(
        !dir.join("hpa.yaml").exists(),
        "a ScaledObject replaces the HPA"
    );
    assert!(!dir.join("service.yaml").exists());
    let so = scaled_object(&dir);
    assert_eq!(
        so["spec"],
        serde_json::json!({
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "orders"},
            "minReplicaCount": 3,
            "maxReplicaCount": 12,
            "pollingInterval": 30,
            "cooldownPeriod": 300,
            "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {
                "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                    {"type": "Percent", "value": 50, "periodSeconds": 30},
                    {"type": "Pods", "value": 2, "periodSeconds": 30}]},
                "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Min", "policies": [
                    {"type": "Percent", "value": 10, "periodSeconds": 60},
                    {"type": "Pods", "value": 1, "periodSeconds": 60}]}
            }}},
            "triggers": [{"type": "kafka", "metadata": {
                "bootstrapServers": "kafka-bootstrap.kafka:9092",
                "consumerGroup": "order-worker",
                "lagThreshold": "50",
                "topic": "orders"
            }, "authenticationRef": {"name": "kafka-sasl"}}]
        })
    );
    let deployment = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    let d: serde_json::Value = serde_yaml_ng::from_str(&deployment).unwrap();
    assert!(
        d["spec"].get("replicas").is_none(),
        "no spec.replicas beside the ScaledObject"
    );
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        c["env"],
        serde_json::json!([{"name": "GOMEMLIMIT", "value": "460MiB"}])
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
        50
    );
    assert_eq!(
        c["livenessProbe"]["exec"]["command"][2],
        "f=/tmp/heartbeat; [ -f \"$f\" ] && [ $(( $(date +%s) - $(stat -c %Y \"$f\") )) -lt 30 ]"
    );
    let kustomization = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    assert!(
        kustomization.contains("  - scaledobject.yaml\n"),
        "{kustomization}"
    );
    assert!(!kustomization.contains("hpa.yaml"));
    // CI's audit: clean at the strictest level, with no exemption for the ScaledObject.
    zerodown(tmp.path())
        .args(["check", "orders", "--fail-on", "info"])
        .assert()
        .success();
    let explain = zerodown(&dir).args(["explain"]).output().unwrap();
    let table = String::from_utf8_lossy(&explain.stdout);
    assert!(table.contains("ScaledObject"), "{table}");
    assert!(!table.contains("HorizontalPodAutoscaler"), "{table}");
}

#[test]
fn re_rendering_after_a_spec_change_and_an_image_bump() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(KAFKA_WORKER).assert().success();
    let dir = tmp.path().join("orders");
    let spec = dir.join("zerodown.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let text = text
        .replace("lagThreshold: '50'", "lagThreshold: '200'")
        .replace("order-worker:3.2.0", "order-worker:3.3.0");
    fs::write(&spec, text).unwrap();
    stderr_of(zerodown(&dir).args(["render", "--check"]), 1);
    let stderr = stderr_of(zerodown(&dir).args(["render"]), 0);
    assert!(stderr.contains("Updated"), "{stderr}");
    let so = scaled_object(&dir);
    assert_eq!(so["spec"]["triggers"][0]["metadata"]["lagThreshold"], "200");
    // the version label is on the pod template only: the ScaledObject does not change with it
    assert!(so["metadata"]["labels"]["app.kubernetes.io/version"].is_null());
    let deployment = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    assert!(deployment.contains("app.kubernetes.io/version: \"3.3.0\""));
    assert!(deployment.contains("image: \"registry.example.com/shop/order-worker:3.3.0\""));
    stderr_of(zerodown(&dir).args(["render", "--check"]), 0);
    zerodown(tmp.path())
        .args(["check", "orders", "--fail-on", "info"])
        .assert()
        .success();
}

#[test]
fn leaving_keda_for_the_hpa_and_back_never_leaves_two_autoscalers() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path()).args(KAFKA_WORKER).assert().success();
    let dir = tmp.path().join("orders");
    let spec = dir.join("zerodown.yaml");
    let with_keda = fs::read_to_string(&spec).unwrap();
    let at = with_keda.find("scaling:").unwrap();
    fs::write(&spec, &with_keda[..at]).unwrap();
    // The drift check names the ScaledObject the render will remove.
    let out = zerodown(&dir).args(["render", "--check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("scaledobject.yaml"), "{listed}");
    let stderr = stderr_of(zerodown(&dir).args(["render"]), 0);
    assert!(stderr.contains("Removed"), "{stderr}");
    assert!(dir.join("hpa.yaml").exists());
    assert!(!dir.join("scaledobject.yaml").exists());
    stderr_of(zerodown(&dir).args(["render", "--check"]), 0);
    // Back to KEDA; an HPA edited by hand is left alone with a warning, and check calls the pair
    // a conflict.
    let hpa = dir.join("hpa.yaml");
    let edited = fs::read_to_string(&hpa)
        .unwrap()
        .replace("maxReplicas: 9", "maxReplicas: 8");
    fs::write(&hpa, edited).unwrap();
    fs::write(&spec, &with_keda).unwrap();
    let stderr = stderr_of(zerodown(&dir).args(["render"]), 0);
    assert!(
        stderr.contains("hpa.yaml is no longer part of the bundle"),
        "{stderr}"
    );
    // `check orders` audits what `kubectl apply -k orders` applies (the kustomization no longer
    // lists hpa.yaml); `kubectl apply -f` of the files would apply both autoscalers:
    let out = zerodown(tmp.path())
        .args([
            "check",
            "orders/hpa.yaml",
            "orders/scaledobject.yaml",
            "orders/deployment.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("error[hpa-duplicate-target]")
            && report.contains("HPA 'orders', ScaledObject 'orders'"),
        "{report}"
    );
}

#[test]
fn every_preset_runtime_is_configured_by_environment() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "spring-boot",
            &[
                ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0"),
                ("SERVER_SHUTDOWN", "graceful"),
                ("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "20s"),
            ],
        ),
        (
            "quarkus",
            &[
                ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0"),
                ("QUARKUS_SHUTDOWN_TIMEOUT", "15s"),
            ],
        ),
        (
            "python-gunicorn",
            &[("GUNICORN_CMD_ARGS", "--graceful-timeout 30")],
        ),
        ("dotnet", &[("DOTNET_SHUTDOWNTIMEOUTSECONDS", "30")]),
        ("go", &[("GOMEMLIMIT", "115MiB")]),
        ("node", &[("NODE_OPTIONS", "--max-old-space-size=384")]),
        ("generic", &[]),
        ("nginx-static", &[]),
        ("worker", &[]),
    ];
    for (preset, want) in cases {
        let tmp = tempfile::tempdir().unwrap();
        zerodown(tmp.path())
            .args(["new", "app", "--preset", preset, "--image", IMAGE])
            .assert()
            .success();
        let d: serde_json::Value = serde_yaml_ng::from_str(
            &fs::read_to_string(tmp.path().join("app/deployment.yaml")).unwrap(),
        )
        .unwrap();
        let env = &d["spec"]["template"]["spec"]["containers"][0]["env"];
        let got: Vec<(String, String)> = env
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["name"].as_str().unwrap().to_string(),
                            e["value"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "{preset}");
    }
}

#[test]
fn bad_runtime_and_keda_answers_are_rejected_with_exit_2_and_nothing_written() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "spring-boot",
            &["--runtime", "go"],
            &["`runtime` (--runtime): \"go\" app type `jvm` runs on jvm, spring-boot, quarkus"],
        ),
        (
            "nginx-static",
            &["--runtime", "node"],
            &["app type `nginx` takes no runtime"],
        ),
        (
            "worker",
            &["--keda-kafka", "kafka:9092,orders"],
            &["`--keda-kafka`: \"kafka:9092,orders\" must be bootstrapServers,topic,consumerGroup,lagThreshold (the KEDA metadata keys it fills)"],
        ),
        (
            "worker",
            &["--keda-kafka", "kafka:9092,orders,group,lots"],
            &["`scaling.keda.triggers[0].metadata.lagThreshold` (--keda-*): \"lots\" must be a whole number above 0"],
        ),
        (
            "worker",
            &["--keda-rabbitmq", "mail,20"],
            &["needs host or hostFromEnv", "RabbitMQ Queue"],
        ),
        (
            "worker",
            &["--keda-sqs", "https://sqs.eu-west-1.amazonaws.com/1/q,eu-west-1,0x10"],
            &["queueLength` (--keda-*): \"0x10\" must be a whole number above 0"],
        ),
        (
            "worker",
            &["--keda-redis", "redis:6379,jobs,5", "--keda-auth", "Redis_Auth"],
            &["authenticationRef.name` (--keda-*): \"Redis_Auth\" must be an object name"],
        ),
        (
            "worker",
            &["--keda-prometheus", "http://p:9090,up,10", "--keda-max-replicas", "3"],
            &["`scaling.keda.maxReplicaCount` (--keda-max-replicas): \"3\" must be above minReplicaCount (the replica count, 3)"],
        ),
        (
            "worker",
            &["--keda-kafka", "k:9092,t,g,5", "--keda-polling-interval", "0"],
            &["`scaling.keda.pollingInterval` (--keda-polling-interval): \"0\" must be from 1 to 3600 seconds"],
        ),
        (
            "worker",
            &["--keda-max-replicas", "10"],
            &["need a trigger: --keda-kafka"],
        ),
        (
            "worker",
            &["--keda-kafka", "k:9092,t,g,5", "--overlays", "staging"],
            &["`overlays` (--overlays): \"staging\" overlays patch the HorizontalPodAutoscaler"],
        ),
    ];
    for (preset, extra, wants) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let stderr = stderr_of(
            zerodown(tmp.path())
                .args(["new", "app", "--preset", preset, "--image", IMAGE])
                .args(*extra),
            2,
        );
        for w in *wants {
            assert!(stderr.contains(w), "{extra:?}: wanted {w:?} in {stderr}");
        }
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{extra:?} wrote files"
        );
    }
}

#[test]
fn a_shell_probe_on_an_image_without_a_shell_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    zerodown(dir)
        .args(["new", "app", "--preset", "worker", "--image", IMAGE])
        .assert()
        .success();
    let spec = dir.join("app/zerodown.yaml");
    let text = fs::read_to_string(&spec)
        .unwrap()
        .replace("imageHasShell: true", "imageHasShell: false");
    fs::write(&spec, text).unwrap();
    let stderr = stderr_of(zerodown(&dir.join("app")).args(["render"]), 2);
    assert!(
        stderr.contains("runs `/bin/sh`, but imageHasShell is false"),
        "{stderr}"
    );
    assert!(stderr.contains("--readiness-command"), "{stderr}");
    assert!(
        stderr.contains("liveness"),
        "both probes are named: {stderr}"
    );
}

/// `zerodown check` over hand-written manifests: a ScaledObject owns its target's scale.
#[test]
fn check_knows_that_a_scaled_object_owns_the_scale() {
    let deployment = |replicas: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: q\nspec:\n{replicas}  selector:\n    matchLabels: {{app: w}}\n  template:\n    metadata:\n      labels: {{app: w}}\n    spec:\n      containers:\n        - name: w\n          image: registry.example.com/w:1.0.0\n"
        )
    };
    let so = |min: &str| {
        format!("---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: w\n  namespace: q\nspec:\n  scaleTargetRef: {{name: w}}\n{min}  triggers:\n    - type: kafka\n      metadata: {{bootstrapServers: 'k:9092', consumerGroup: g}}\n")
    };
    let check = |stream: String| -> serde_json::Value {
        let out = Command::cargo_bin("zerodown")
            .unwrap()
            .args(["check", "-", "--format", "json", "--fail-on", "error"])
            .write_stdin(stream)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let rules = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                matches!(
                    f["rule"].as_str().unwrap(),
                    "hpa-missing"
                        | "hpa-replicas-conflict"
                        | "replicas-below-two"
                        | "hpa-duplicate-target"
                )
            })
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().into(),
                    f["severity"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    // Beside a ScaledObject with minReplicaCount 2: no hpa-missing, nothing about replicas.
    let v = check(deployment("") + &so("  minReplicaCount: 2\n"));
    assert_eq!(rules(&v), vec![]);
    // A fixed spec.replicas beside it is a conflict, whatever its value.
    let v = check(deployment("  replicas: 3\n") + &so("  minReplicaCount: 2\n"));
    assert_eq!(
        rules(&v),
        vec![("hpa-replicas-conflict".to_string(), "error".to_string())]
    );
    let msg = v["findings"][0]["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("ScaledObject 'w' manages its scale (minReplicaCount 2)"),
        "{msg}"
    );
    // KEDA's default minReplicaCount is 0: the workload can scale to nothing.
    let v = check(deployment("") + &so(""));
    assert_eq!(
        rules(&v),
        vec![("replicas-below-two".to_string(), "warning".to_string())]
    );
    // An HPA of its own beside the ScaledObject is a second autoscaler.
    let hpa = "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: w\n  namespace: q\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w}\n  minReplicas: 2\n  maxReplicas: 4\n";
    let v = check(deployment("") + &so("  minReplicaCount: 2\n") + hpa);
    assert_eq!(
        rules(&v),
        vec![("hpa-duplicate-target".to_string(), "error".to_string())]
    );
}

/// KEDA 2.x reads Kafka's lagThreshold, SQS's queueLength and Redis's listLength as int64 (and
/// Kafka refuses 0), and `hostFromEnv` names a container variable: values KEDA would reject are
/// refused here, exit 2, nothing written (found by a breaker).
#[test]
fn keda_metadata_keda_would_reject_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (flag, value, field) in [
        ("--keda-kafka", "k:9092,orders,grp,0", "lagThreshold"),
        ("--keda-kafka", "k:9092,orders,grp,5.5", "lagThreshold"),
        (
            "--keda-kafka",
            "k:9092,orders,grp,99999999999999999999",
            "lagThreshold",
        ),
        (
            "--keda-sqs",
            "https://sqs.eu-west-1.amazonaws.com/1/q,eu-west-1,2.5",
            "queueLength",
        ),
        ("--keda-redis", "redis:6379,jobs,1.5", "listLength"),
        ("--keda-rabbitmq", "mail,20,1BAD", "hostFromEnv"),
    ] {
        let out = zerodown(tmp.path())
            .args(["new", "w", "--preset", "worker", "--no-input"])
            .args(["--image", "r.example.com/a/w:1.0.0", flag, value])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {err}");
        assert!(err.contains(&format!("metadata.{field}")), "{value}: {err}");
        assert!(!tmp.path().join("w").exists());
    }
}
