//! The Helm chart, checked by Helm itself: for every built-in preset (and variants that take the
//! other template branches) `helm lint --strict` is clean and `helm template` renders the same
//! objects as the plain bundle; the schema and the guard rails refuse bad values with their
//! messages; user strings stay literal. Then the CLI: `new --helm`, `render --helm`,
//! `--helm-only`, and the no-clobber rules for chart files.
//!
//! Helm is found through `ZERODOWN_HELM`, then `${ZERODOWN_TOOLS:-~/.cache/zerodown-tools}/bin/helm`
//! (what `.ci/install-tools.sh` installs), then `PATH`. Without it the Helm tests print a skip
//! note, or fail when `CI` is set.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use zerodown::plan::Plan;
use zerodown::preset::Preset;
use zerodown::render::chart::helm_timeout_seconds;
use zerodown::route::{LoadBalancerProfile, LoadBalancerScheme, RouteAnswers, RouteKind};
use zerodown::spec::{Answers, Cost, Exposure, HealthCheck, Spec, Traffic};
use zerodown::{policy, render, specfile};

// ---- finding Helm -------------------------------------------------------------------------------

fn helm() -> Option<PathBuf> {
    let tools_helm = std::env::var_os("ZERODOWN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/zerodown-tools"))
        })
        .map(|root| root.join("bin/helm"));
    let looked = format!(
        "ZERODOWN_HELM, {}, PATH",
        tools_helm
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "$ZERODOWN_TOOLS/bin/helm".into())
    );
    let found = std::env::var_os("ZERODOWN_HELM")
        .map(PathBuf::from)
        .or_else(|| tools_helm.filter(|p| p.is_file()))
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("helm"))
                    .find(|p| p.is_file())
            })
        });
    match found {
        Some(p) => {
            let out = Process::new(&p)
                .args(["version", "--short"])
                .output()
                .unwrap_or_else(|e| panic!("cannot run Helm at {}: {e}", p.display()));
            let v = String::from_utf8_lossy(&out.stdout);
            assert!(
                v.starts_with("v4."),
                "these tests need Helm 4 (--rollback-on-failure); {} is {v}; set ZERODOWN_HELM or run .ci/install-tools.sh",
                p.display()
            );
            Some(p)
        }
        None if std::env::var_os("CI").is_some() => panic!(
            "Helm 4 not found (looked at {looked}), and CI is set, so this is a failure: run .ci/install-tools.sh (it installs helm into ${{ZERODOWN_TOOLS:-~/.cache/zerodown-tools}}/bin) or set ZERODOWN_HELM"
        ),
        None => {
            eprintln!(
                "note: skipping a Helm chart test: helm not found (looked at {looked}); run .ci/install-tools.sh to get it"
            );
            None
        }
    }
}

fn run(helm: &Path, args: &[&str]) -> Output {
    Process::new(helm)
        .args(args)
        .env(
            "HELM_CACHE_HOME",
            std::env::temp_dir().join("zerodown-helm-test"),
        )
        .env(
            "HELM_CONFIG_HOME",
            std::env::temp_dir().join("zerodown-helm-test"),
        )
        .env(
            "HELM_DATA_HOME",
            std::env::temp_dir().join("zerodown-helm-test"),
        )
        .output()
        .expect("helm runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

// ---- specs and bundles --------------------------------------------------------------------------

struct Case {
    what: String,
    spec: Spec,
    plan: Plan,
}

fn case(what: &str, preset: &str, f: impl FnOnce(&mut Answers)) -> Case {
    let preset = Preset::builtin(preset).unwrap();
    let mut a = Answers {
        name: Some("app".into()),
        namespace: Some("team".into()),
        image: Some("registry.example.com/team/app:1.0.0".into()),
        helm: true,
        ..Answers::default()
    };
    f(&mut a);
    let spec = a.resolve(&preset, &mut vec![]).unwrap();
    let plan = policy::plan(&spec, &preset);
    Case {
        what: what.into(),
        spec,
        plan,
    }
}

/// Every built-in preset as is, then variants for the other branches: hard anti-affinity and
/// its exemption, exec preStop on 1.33, a mutable tag (exemption, no version label), a digest,
/// a 1.37 target, writable directories.
fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = Preset::all_builtin()
        .iter()
        .map(|p| case(&p.name, &p.name, |_| {}))
        .collect();
    v.push(case("spring-boot resilient 1.33 lb", "spring-boot", |a| {
        a.cost = Some(Cost::Resilient);
        a.kube_version = Some("1.33".into());
        a.exposure = Some(Exposure::LoadBalancer);
        a.traffic = Some(Traffic::Spiky);
    }));
    v.push(case("nginx-static 1.33", "nginx-static", |a| {
        a.kube_version = Some("1.33".into());
        a.writable_dirs = Some(vec!["/var/cache/nginx".into(), "/var/run".into()]);
    }));
    v.push(case("go mutable tag", "go", |a| {
        a.image = Some("registry.example.com/team/app".into());
        a.allow_mutable_tag = true;
    }));
    v.push(case("node digest", "node", |a| {
        a.image = Some(format!(
            "registry.example.com/team/app@sha256:{}",
            "ab".repeat(32)
        ));
        a.traffic = Some(Traffic::Spiky);
    }));
    v.push(case("worker 1.37", "worker", |a| {
        a.kube_version = Some("1.37".into());
        a.cost = Some(Cost::Minimal);
    }));
    v.push(case(
        "spring-boot with every config field",
        "spring-boot",
        |a| {
            a.config = every_config_field();
        },
    ));
    v.push(case("go without a namespace object", "go", |a| {
        a.config.namespace_object = Some(false);
        a.config.pod_labels.insert("team".into(), "orders".into());
    }));
    // Strings that Helm's YAML 1.1 reads as booleans or numbers (found by a breaker: `on`
    // failed the chart's schema, a label key `y` became `'true'`).
    v.push(case("node with YAML 1.1 lookalike strings", "node", |a| {
        for (n, v) in [("Y", "on"), ("N", "1"), ("R", "1_0"), ("S", "yes")] {
            a.config.env.push(zerodown::config::EnvVarSpec {
                name: n.into(),
                value: Some(v.into()),
                secret_key_ref: None,
                config_map_key_ref: None,
            });
        }
        a.config.pod_labels.insert("y".into(), "x".into());
        a.config.pod_labels.insert("x".into(), "1_000".into());
        a.config
            .service_account_annotations
            .insert("b.io/z".into(), "no".into());
    }));
    // The route in: an ALB Ingress with TLS, an HTTPRoute to a Gateway in another namespace, an
    // NLB with a narrowed source range, GKE NEGs, a plain Ingress with a class, and no policy.
    v.push(case("go aws-alb ingress tls", "go", |a| {
        a.exposure = Some(Exposure::LoadBalancer);
        a.route = RouteAnswers {
            load_balancer: Some(LoadBalancerProfile::AwsAlb),
            scheme: Some(LoadBalancerScheme::InternetFacing),
            hosts: vec!["api.example.com".into(), "www.example.com".into()],
            tls_secret: Some("api-tls".into()),
            ..RouteAnswers::default()
        };
    }));
    v.push(case("spring-boot httproute", "spring-boot", |a| {
        a.exposure = Some(Exposure::Ingress);
        a.route = RouteAnswers {
            kind: Some(RouteKind::HttpRoute),
            hosts: vec!["orders.example.com".into()],
            path: Some("/api".into()),
            gateway: Some("public".into()),
            gateway_namespace: Some("gateways".into()),
            gateway_section: Some("https".into()),
            allow_namespaces: vec!["web".into()],
            ..RouteAnswers::default()
        };
    }));
    v.push(case("node aws-nlb", "node", |a| {
        a.exposure = Some(Exposure::LoadBalancer);
        a.route = RouteAnswers {
            load_balancer: Some(LoadBalancerProfile::AwsNlb),
            allow_cidrs: vec!["10.0.0.0/16".into(), "fd00::/8".into()],
            ..RouteAnswers::default()
        };
    }));
    v.push(case("python gke-neg", "python-gunicorn", |a| {
        a.exposure = Some(Exposure::LoadBalancer);
        a.route = RouteAnswers {
            load_balancer: Some(LoadBalancerProfile::GkeNeg),
            hosts: vec!["*.example.com".into()],
            ..RouteAnswers::default()
        };
    }));
    v.push(case(
        "generic ingress class, no network policy",
        "generic",
        |a| {
            a.exposure = Some(Exposure::Ingress);
            a.route = RouteAnswers {
                hosts: vec!["app.example.com".into()],
                class_name: Some("nginx".into()),
                network_policy: Some(false),
                ..RouteAnswers::default()
            };
        },
    ));
    v.push(case("worker on KEDA, every trigger type", "worker", |a| {
        let flags = zerodown::cli::KedaArgs {
            keda_kafka: vec!["kafka:9092,orders,order-worker,50".into()],
            keda_rabbitmq: vec!["mail,20".into(), "audit,50,RABBITMQ_URL".into()],
            keda_sqs: vec![
                "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs,eu-west-1,10".into(),
            ],
            keda_redis: vec!["redis:6379,jobs,5".into()],
            keda_prometheus: vec![
                "http://prometheus:9090,sum(queue_depth{a=\"b\",c=\"d\"}),100".into(),
            ],
            keda_auth: Some("queue-auth".into()),
            keda_max_replicas: Some(20),
            keda_polling_interval: Some(15),
            keda_cooldown_period: None,
        };
        let mut errs = zerodown::error::FieldErrors::default();
        a.scaling = flags.scaling(&mut errs);
        assert!(errs.is_empty(), "{errs}");
        a.runtime = Some(zerodown::runtime::Runtime::Go);
    }));
    // The specs of real apps in examples/, under their own names and namespaces.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut specs: Vec<PathBuf> = fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path().join("zerodown.yaml"))
        .filter(|p| p.is_file())
        .collect();
    specs.sort();
    for path in specs {
        let (mut spec, preset) = specfile::load_spec(&path, &mut vec![]).unwrap();
        spec.helm = true;
        let plan = policy::plan(&spec, &preset);
        v.push(Case {
            what: path.display().to_string(),
            spec,
            plan,
        });
    }
    v
}

/// Every field of the service's own configuration, each branch of its templates once: literal,
/// Secret and ConfigMap env (one optional, one replacing a tuned var), envFrom with a prefix,
/// ConfigMap and Secret mounts with items, command and args, Azure workload identity (which adds
/// a pod label), pull secrets, pod labels and annotations, node selector, every toleration shape
/// and a priority class.
fn every_config_field() -> zerodown::config::ConfigAnswers {
    use zerodown::config::*;
    let key = |name: &str, key: &str, optional| KeyRef {
        name: name.into(),
        key: key.into(),
        optional,
    };
    let env = |name: &str, value: Option<&str>, s: Option<KeyRef>, c: Option<KeyRef>| EnvVarSpec {
        name: name.into(),
        value: value.map(Into::into),
        secret_key_ref: s,
        config_map_key_ref: c,
    };
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    ConfigAnswers {
        env: vec![
            env(
                "JAVA_TOOL_OPTIONS",
                Some("-XX:MaxRAMPercentage=60.0"),
                None,
                None,
            ),
            env(
                "SPRING_PROFILES_ACTIVE",
                Some("prod: \"eu\" {{ x }}"),
                None,
                None,
            ),
            env(
                "SPRING_DATASOURCE_PASSWORD",
                None,
                Some(key("orders-db", "password", false)),
                None,
            ),
            env(
                "LOG_LEVEL",
                None,
                None,
                Some(key("orders-config", "log.level", true)),
            ),
        ],
        env_from: vec![
            EnvFromSpec {
                secret_ref: Some("orders-db".into()),
                config_map_ref: None,
                prefix: Some("DB_".into()),
                optional: false,
            },
            EnvFromSpec {
                secret_ref: None,
                config_map_ref: Some("orders-env".into()),
                prefix: None,
                optional: true,
            },
        ],
        mounts: vec![
            MountSpec {
                path: "/config".into(),
                config_map: Some("orders-config".into()),
                secret: None,
                items: map(&[("application.yaml", "application.yaml")]),
                optional: false,
            },
            MountSpec {
                path: "/etc/tls".into(),
                config_map: None,
                secret: Some("orders-tls".into()),
                items: Default::default(),
                optional: true,
            },
        ],
        command: vec!["java".into(), "-jar".into(), "/app/app.jar".into()],
        args: vec!["--server.port=8080".into()],
        command_execs: false,
        service_account_annotations: map(&[(
            "azure.workload.identity/client-id",
            "00000000-0000-0000-0000-000000000000",
        )]),
        image_pull_secrets: vec!["regcred".into(), "mirror-cred".into()],
        pod_labels: map(&[("team", "orders"), ("cost-center", "")]),
        pod_annotations: map(&[("prometheus.io/scrape", "true")]),
        node_selector: map(&[("kubernetes.io/arch", "arm64")]),
        tolerations: vec![
            TolerationSpec {
                key: Some("dedicated".into()),
                operator: Some(TolerationOperator::Equal),
                value: Some("orders".into()),
                effect: Some(TaintEffect::NoSchedule),
                toleration_seconds: None,
            },
            TolerationSpec {
                key: Some("node.kubernetes.io/unreachable".into()),
                operator: Some(TolerationOperator::Exists),
                value: None,
                effect: Some(TaintEffect::NoExecute),
                toleration_seconds: Some(30),
            },
            TolerationSpec {
                key: None,
                operator: Some(TolerationOperator::Exists),
                value: None,
                effect: None,
                toleration_seconds: None,
            },
        ],
        priority_class_name: Some("business-critical".into()),
        namespace_object: None,
    }
}

/// Writes the bundle (with its chart) into `root/app` and returns that folder.
fn write_bundle(c: &Case, root: &Path) -> PathBuf {
    let dir = root.join("app");
    render::bundle(&c.spec, &c.plan)
        .unwrap()
        .write_new(&dir, false)
        .unwrap();
    dir
}

/// The documents of a YAML stream, empty ones dropped.
fn documents(stream: &str) -> Vec<Value> {
    stream
        .split("\n---")
        .filter_map(|d| {
            let v: Value = serde_yaml_ng::from_str(d).unwrap_or_else(|e| panic!("{e}: {d}"));
            (!v.is_null()).then_some(v)
        })
        .collect()
}

/// Objects by `kind/name`, with the label differences Helm makes normalised: `helm.sh/chart`
/// removed, `app.kubernetes.io/managed-by` (zerodown or Helm) replaced by `<tool>`.
fn normalised(docs: Vec<Value>, managed_by: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = docs
        .into_iter()
        .map(|mut d| {
            let key = format!(
                "{}/{}",
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap()
            );
            for path in ["/metadata/labels", "/spec/template/metadata/labels"] {
                let Some(labels) = d.pointer_mut(path) else {
                    continue;
                };
                let m = labels.as_object_mut().unwrap();
                m.remove("helm.sh/chart");
                let by = m.get_mut("app.kubernetes.io/managed-by").unwrap();
                assert_eq!(by, managed_by, "{key}");
                *by = Value::String("<tool>".into());
            }
            (key, d)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn kube_version_flag(c: &Case) -> String {
    format!("{}.0", c.spec.kube_version)
}

/// `helm template` with the given extra arguments, for a chart folder.
fn template(helm: &Path, c: &Case, chart: &Path, extra: &[&str]) -> Output {
    let kv = kube_version_flag(c);
    let chart = chart.to_str().unwrap();
    let mut args = vec![
        "template",
        &c.plan.name,
        chart,
        "--namespace",
        &c.plan.namespace,
        "--kube-version",
        &kv,
    ];
    args.extend_from_slice(extra);
    run(helm, &args)
}

// ---- Helm tests ---------------------------------------------------------------------------------

#[test]
fn every_preset_chart_lints_clean_and_renders_the_plain_bundle() {
    let Some(helm) = helm() else { return };
    let mut checked = 0;
    for c in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = write_bundle(&c, tmp.path());
        let chart = dir.join("chart");
        let kv = kube_version_flag(&c);

        let lint = run(
            &helm,
            &[
                "lint",
                "--strict",
                chart.to_str().unwrap(),
                "--namespace",
                &c.plan.namespace,
                "--kube-version",
                &kv,
            ],
        );
        assert!(
            lint.status.success(),
            "{}: helm lint:\n{}",
            c.what,
            text(&lint)
        );
        let out = text(&lint);
        assert!(
            !out.contains("[WARNING]") && !out.contains("[ERROR]"),
            "{}: {out}",
            c.what
        );

        // The chart does not own its namespace by default (namespace.create=false: `helm
        // uninstall` would delete it, and `--create-namespace` makes one the chart cannot adopt),
        // so the plain bundle's namespace.yaml is compared with namespace.create=true, and the
        // default values must render no Namespace at all.
        let defaults = template(&helm, &c, &chart, &[]);
        assert!(defaults.status.success(), "{}: {}", c.what, text(&defaults));
        assert!(
            !String::from_utf8_lossy(&defaults.stdout).contains("\nkind: Namespace\n"),
            "{}: a Namespace with default values",
            c.what
        );
        let with_namespace: &[&str] = if c.plan.namespace_object.is_some() {
            &["--set", "namespace.create=true"]
        } else {
            &[]
        };
        let rendered = template(&helm, &c, &chart, with_namespace);
        assert!(
            rendered.status.success(),
            "{}: helm template:\n{}",
            c.what,
            text(&rendered)
        );
        let chart_objects = normalised(
            documents(&String::from_utf8(rendered.stdout).unwrap()),
            "Helm",
        );
        let plain = render::stream(&c.plan).unwrap();
        let plain_objects = normalised(documents(&plain), "zerodown");
        let kinds = |v: &[(String, Value)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(kinds(&chart_objects), kinds(&plain_objects), "{}", c.what);
        for ((key, got), (_, want)) in chart_objects.iter().zip(&plain_objects) {
            assert_eq!(
                got,
                want,
                "{}: {key} differs between helm template and the plain bundle:\nhelm:  {}\nplain: {}",
                c.what,
                serde_json::to_string(got).unwrap(),
                serde_json::to_string(want).unwrap()
            );
        }
        // Exemption annotations reach the chart output too (compared above; named here).
        for e in &c.plan.exemptions {
            assert!(
                chart_objects
                    .iter()
                    .any(|(_, v)| v.to_string().contains(&e.key)),
                "{}: {}",
                c.what,
                e.key
            );
        }

        // NOTES.txt: the install command with --wait, the rollback flag and the same timeout
        // as the README. (`helm install --dry-run=client` prints NOTES but has no
        // --kube-version: it assumes Helm's own Kubernetes version, 1.36 for Helm 4.2, so a
        // chart that requires 1.37 refuses it, as it should.)
        let timeout = helm_timeout_seconds(&c.plan);
        let (name, ns) = (&c.plan.name, &c.plan.namespace);
        if c.spec.kube_minor() <= 36 {
            let install = run(
                &helm,
                &[
                    "install",
                    &c.plan.name,
                    chart.to_str().unwrap(),
                    "--namespace",
                    &c.plan.namespace,
                    "--dry-run=client",
                ],
            );
            assert!(install.status.success(), "{}: {}", c.what, text(&install));
            let notes = text(&install);
            for want in [
            format!("helm upgrade --install {name} chart/ -n {ns} --wait=watcher --rollback-on-failure --timeout {timeout}s"),
            format!("helm upgrade --install {name} chart/ -n {ns} --wait --atomic --timeout {timeout}s"),
            format!(
                "kubectl -n {ns} rollout status deployment/{name} --timeout={}s",
                c.plan.rollout.progress_deadline_seconds.value
            ),
        ] {
            assert!(notes.contains(&want), "{}: wanted {want:?} in NOTES:\n{notes}", c.what);
        }
        }
        let readme = fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.contains(&format!(
                "helm upgrade --install {name} chart/ -n {ns} --create-namespace --rollback-on-failure --timeout {timeout}s"
            )),
            "{}: {readme}",
            c.what
        );
        checked += 1;
    }
    assert_eq!(checked, Preset::all_builtin().len() + 14 + 9);
}

#[test]
fn the_kube_version_constraint_follows_the_target() {
    let Some(helm) = helm() else { return };
    let c = case("1.37", "go", |a| a.kube_version = Some("1.37".into()));
    let tmp = tempfile::tempdir().unwrap();
    let chart = write_bundle(&c, tmp.path()).join("chart");
    let chart_yaml = fs::read_to_string(chart.join("Chart.yaml")).unwrap();
    assert!(
        chart_yaml.contains("kubeVersion: '>=1.37.0-0'"),
        "{chart_yaml}"
    );
    // quoted, as helm create writes it (YAML 1.1 would read some versions as numbers)
    assert!(chart_yaml.contains("appVersion: \"1.0.0\""), "{chart_yaml}");
    let old = run(
        &helm,
        &[
            "template",
            "app",
            chart.to_str().unwrap(),
            "--kube-version",
            "1.35.0",
        ],
    );
    assert!(!old.status.success());
    assert!(text(&old).contains(">=1.37.0-0"), "{}", text(&old));
    let eks = run(
        &helm,
        &[
            "template",
            "app",
            chart.to_str().unwrap(),
            "--kube-version",
            "1.37.2-eks-1a2b3c",
        ],
    );
    assert!(eks.status.success(), "{}", text(&eks));
}

#[test]
fn replicas_only_without_autoscaling() {
    let Some(helm) = helm() else { return };
    let c = case("spring-boot", "spring-boot", |_| {});
    let tmp = tempfile::tempdir().unwrap();
    let chart = write_bundle(&c, tmp.path()).join("chart");
    let deployment = |extra: &[&str]| -> (Value, Vec<String>) {
        let out = template(&helm, &c, &chart, extra);
        assert!(out.status.success(), "{}", text(&out));
        let docs = documents(&String::from_utf8(out.stdout).unwrap());
        let kinds = docs
            .iter()
            .map(|d| d["kind"].as_str().unwrap().to_string())
            .collect();
        let d = docs
            .into_iter()
            .find(|d| d["kind"] == "Deployment")
            .unwrap();
        (d, kinds)
    };
    let (on, kinds) = deployment(&[]);
    assert!(
        on["spec"].get("replicas").is_none(),
        "the HPA owns the count"
    );
    assert!(kinds.contains(&"HorizontalPodAutoscaler".to_string()));
    let (off, kinds) = deployment(&["--set", "autoscaling.enabled=false"]);
    assert_eq!(off["spec"]["replicas"], 3);
    assert!(!kinds.contains(&"HorizontalPodAutoscaler".to_string()));
    let (five, _) = deployment(&[
        "--set",
        "autoscaling.enabled=false",
        "--set",
        "replicaCount=5",
    ]);
    assert_eq!(five["spec"]["replicas"], 5);
    // A new tag keeps the version label true; a digest pins the image.
    let (tagged, _) = deployment(&["--set", "image.tag=2.0.0"]);
    assert_eq!(
        tagged["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/team/app:2.0.0"
    );
    assert_eq!(
        tagged["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"],
        "2.0.0"
    );
    // Helm's usual naming when asked for it.
    let (named, _) = deployment(&["--set", "fullnameOverride="]);
    assert_eq!(named["metadata"]["name"], "app");
    let out = run(
        &helm,
        &[
            "template",
            "rel",
            chart.to_str().unwrap(),
            "--set",
            "fullnameOverride=",
        ],
    );
    let d = documents(&String::from_utf8(out.stdout).unwrap())
        .into_iter()
        .find(|d| d["kind"] == "Deployment")
        .unwrap();
    assert_eq!(d["metadata"]["name"], "rel-app");
    assert_eq!(
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"],
        "rel"
    );
}

/// A chart with KEDA on renders a ScaledObject and no HPA, never both, and no replicas field;
/// the guard rails refuse both autoscalers on, a floor below 2 and a floor above the maximum.
#[test]
fn keda_replaces_the_hpa_in_the_chart() {
    let Some(helm) = helm() else { return };
    let c = case("worker keda", "worker", |a| {
        let flags = zerodown::cli::KedaArgs {
            keda_kafka: vec!["kafka:9092,orders,order-worker,50".into()],
            ..Default::default()
        };
        a.scaling = flags.scaling(&mut zerodown::error::FieldErrors::default());
    });
    let tmp = tempfile::tempdir().unwrap();
    let chart = write_bundle(&c, tmp.path()).join("chart");
    let kinds = |out: &Output| -> Vec<String> {
        let mut k: Vec<String> = documents(&String::from_utf8_lossy(&out.stdout))
            .iter()
            .map(|d| d["kind"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k
    };
    let out = template(&helm, &c, &chart, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        kinds(&out),
        [
            "Deployment",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "ScaledObject",
            "ServiceAccount"
        ]
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\n  replicas:"));
    let off = template(&helm, &c, &chart, &["--set", "keda.enabled=false"]);
    assert!(off.status.success(), "{}", text(&off));
    assert_eq!(
        kinds(&off),
        [
            "Deployment",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "ServiceAccount"
        ]
    );
    assert!(String::from_utf8_lossy(&off.stdout).contains("\n  replicas: 3\n"));
    for (args, want) in [
        (
            &["--set", "autoscaling.enabled=true"][..],
            "zerodown guard: keda.enabled and autoscaling.enabled are both true",
        ),
        (
            &["--set", "keda.minReplicaCount=1"][..],
            "zerodown guard: keda.minReplicaCount is 1 with podDisruptionBudget.enabled",
        ),
        (
            &["--set", "keda.minReplicaCount=30"][..],
            "zerodown guard: keda.minReplicaCount (30) is above keda.maxReplicaCount (9)",
        ),
        (&["--set", "keda.pollingInterval=0"][..], "pollingInterval"),
    ] {
        let out = template(&helm, &c, &chart, args);
        assert!(!out.status.success(), "{args:?} rendered");
        assert!(
            text(&out).contains(want),
            "{args:?}: wanted {want:?} in {}",
            text(&out)
        );
    }
}

#[test]
fn guard_rails_refuse_values_that_cause_downtime() {
    let Some(helm) = helm() else { return };
    let c = case("generic", "generic", |_| {});
    let tmp = tempfile::tempdir().unwrap();
    let chart = write_bundle(&c, tmp.path()).join("chart");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--set", "replicaCount=1"],
            "zerodown guard: replicaCount is 1 with podDisruptionBudget.enabled: a node drain can evict the only pod",
        ),
        (
            &["--set", "replicaCount=1", "--set", "autoscaling.enabled=false"],
            "zerodown guard: replicaCount is 1 with podDisruptionBudget.enabled",
        ),
        (
            &["--set", "autoscaling.minReplicas=1"],
            "zerodown guard: autoscaling.minReplicas is 1 with podDisruptionBudget.enabled",
        ),
        (
            &["--set", "strategy.maxSurge=0"],
            "zerodown guard: strategy.maxSurge and strategy.maxUnavailable are both 0: the rollout can neither add nor remove a pod",
        ),
        (
            &["--set", "strategy.maxSurge=0%", "--set", "strategy.maxUnavailable=0%"],
            "strategy.maxSurge and strategy.maxUnavailable are both 0",
        ),
        (
            &["--set", "podDisruptionBudget.maxUnavailable=0"],
            "zerodown guard: podDisruptionBudget.maxUnavailable is 0: a budget that allows no disruption blocks every node drain",
        ),
        (
            &["--set", "podDisruptionBudget.maxUnavailable=0%"],
            "podDisruptionBudget.maxUnavailable is 0%",
        ),
        (
            &["--set", "autoscaling.minReplicas=12"],
            "zerodown guard: autoscaling.minReplicas (12) is above autoscaling.maxReplicas (9)",
        ),
        (
            &["--set", "containerPort=null"],
            "zerodown guard: service.enabled needs containerPort",
        ),
        (
            &["--set", "lifecycle.preStop.sleep.seconds=60"],
            "zerodown guard: the preStop sleep (60s) does not end before terminationGracePeriodSeconds (20s)",
        ),
        (
            &["--set", "ingress.enabled=true"],
            "zerodown guard: ingress.enabled needs at least one host in ingress.hosts",
        ),
        (
            &["--set", "httpRoute.enabled=true", "--set", "httpRoute.hostnames[0]=a.example.com"],
            "zerodown guard: httpRoute.enabled needs httpRoute.parentRefs",
        ),
        (
            &["--set", "ingress.enabled=true", "--set", "ingress.hosts[0]=a.example.com", "--set", "service.enabled=false"],
            "zerodown guard: ingress.enabled needs service.enabled",
        ),
        // the schema: host names, paths and peers are checked before anything renders
        (&["--set", "ingress.hosts[0]=A_b"], "at '/ingress/hosts/0': 'A_b' does not match pattern"),
        (&["--set", "ingress.path=api"], "at '/ingress/path': 'api' does not match"),
        (&["--set", "httpRoute.parentRefs[0].port=80"], "additional properties 'port' not allowed"),
        (&["--set", "networkPolicy.from[0].ipBlock.cidrs=x"], "additional properties 'cidrs' not allowed"),
    ];
    for (args, want) in cases {
        let out = template(&helm, &c, &chart, args);
        assert!(!out.status.success(), "{args:?} rendered");
        assert!(
            text(&out).contains(want),
            "{args:?}: wanted {want:?} in {}",
            text(&out)
        );
    }
    // The way out each message names works.
    for ok in [
        &[
            "--set",
            "replicaCount=1",
            "--set",
            "podDisruptionBudget.enabled=false",
            "--set",
            "autoscaling.enabled=false",
        ][..],
        &[
            "--set",
            "strategy.maxSurge=0",
            "--set",
            "strategy.maxUnavailable=1",
        ][..],
        &["--set", "podDisruptionBudget.maxUnavailable=50%"][..],
        &[
            "--set",
            "ingress.enabled=true",
            "--set",
            "ingress.hosts[0]=a.example.com",
            "--set",
            "ingress.className=nginx",
        ][..],
        &["--set", "networkPolicy.enabled=false"][..],
    ] {
        let out = template(&helm, &c, &chart, ok);
        assert!(out.status.success(), "{ok:?}: {}", text(&out));
    }
}

#[test]
fn the_schema_rejects_bad_values_before_rendering() {
    let Some(helm) = helm() else { return };
    let c = case("generic", "generic", |_| {});
    let tmp = tempfile::tempdir().unwrap();
    let chart = write_bundle(&c, tmp.path()).join("chart");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--set", "replicaCount=one"],
            "at '/replicaCount': got string, want integer",
        ),
        (
            &["--set", "replicaCount=0"],
            "at '/replicaCount': minimum: got 0, want 1",
        ),
        (
            &["--set", "probes.readiness.periodSeconds=-5"],
            "at '/probes/readiness/periodSeconds': minimum: got -5, want 1",
        ),
        (
            &["--set", "probes.liveness.timeoutSeconds=0"],
            "at '/probes/liveness/timeoutSeconds': minimum",
        ),
        (
            &["--set", "image.pullPolicy=Sometimes"],
            "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'",
        ),
        (
            &["--set", "autoscaling.maxReplicas=0"],
            "at '/autoscaling/maxReplicas': minimum: got 0, want 1",
        ),
        (
            &["--set", "replicas=3"],
            "additional properties 'replicas' not allowed",
        ),
        (
            &["--set-string", "podDisruptionBudget.maxUnavailable=one"],
            "at '/podDisruptionBudget/maxUnavailable'",
        ),
        (
            &["--set", "strategy.maxSurge=lots"],
            "at '/strategy/maxSurge'",
        ),
        (
            &["--set", "autoscaling.enabled=yes please"],
            "at '/autoscaling/enabled': got string, want boolean",
        ),
        (
            &["--set", "podAntiAffinity=sometimes"],
            "at '/podAntiAffinity': value must be one of 'preferred', 'required'",
        ),
        (
            &["--set-json", r#"fullnameOverride="{{ .Release.Name }}""#],
            "at '/fullnameOverride'",
        ),
        (&["--set", "image.tag=1.0 kind: Secret"], "at '/image/tag'"),
        (
            &["--set", "resources.limits.memory=lots"],
            "at '/resources/limits/memory'",
        ),
        (
            &["--set", "env[0].name=A,env[0].value=1"],
            "at '/env/0/value': got number, want string",
        ),
        (
            &["--set", "podLabels.app\\.kubernetes\\.io/name=other"],
            "invalid propertyName 'app.kubernetes.io/name'",
        ),
        (
            &[
                "--set",
                "tolerations[0].key=k,tolerations[0].operator=Maybe",
            ],
            "at '/tolerations/0/operator'",
        ),
        (&["--set", "namespace.create=yes"], "at '/namespace/create'"),
        (
            &["--set", "imagePullSecrets[0].name=Bad_Name"],
            "at '/imagePullSecrets/0/name'",
        ),
    ];
    for (args, field) in cases {
        let out = template(&helm, &c, &chart, args);
        let t = text(&out);
        assert!(!out.status.success(), "{args:?} rendered");
        assert!(
            t.contains("values don't meet the specifications of the schema"),
            "{args:?}: not a schema error: {t}"
        );
        assert!(t.contains(field), "{args:?}: wanted {field:?} in {t}");
    }
}

#[test]
fn user_strings_stay_literal() {
    let Some(helm) = helm() else { return };
    // From the spec: an exec probe whose words look like template code and YAML.
    let c = case("worker", "worker", |a| {
        a.readiness = Some(HealthCheck::Exec {
            command: vec![
                "sh".into(),
                "-c".into(),
                "test -f /tmp/{{ .Release.Name }} # kind: Secret".into(),
            ],
        });
    });
    let tmp = tempfile::tempdir().unwrap();
    let chart = write_bundle(&c, tmp.path()).join("chart");
    // From values at install time: annotations and env values that try to break out.
    let hostile = serde_json::json!({
        "podAnnotations": {"example.com/note": "{{ .Release.Name }}", "example.com/yaml": "a\nkind: Secret\nmetadata:\n  name: x"},
        "deploymentAnnotations": {"example.com/quote": "\" }}{{ fail \"boom\" }}"},
        "env": [{"name": "GREETING", "value": "{{ .Release.Namespace }}\n---\nkind: Secret"}],
        "service": {"annotations": {"example.com/a": "x: y # z"}},
    });
    let values = tmp.path().join("hostile.yaml");
    fs::write(&values, serde_json::to_string(&hostile).unwrap()).unwrap();
    let out = template(&helm, &c, &chart, &["-f", values.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let docs = documents(&String::from_utf8(out.stdout).unwrap());
    let kinds: BTreeSet<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "Deployment",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "ServiceAccount"
        ]),
        "no Secret, no extra document"
    );
    let d = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let pod = &d["spec"]["template"];
    assert_eq!(
        pod["metadata"]["annotations"]["example.com/note"],
        "{{ .Release.Name }}"
    );
    assert_eq!(
        pod["metadata"]["annotations"]["example.com/yaml"],
        "a\nkind: Secret\nmetadata:\n  name: x"
    );
    assert_eq!(
        d["metadata"]["annotations"]["example.com/quote"],
        "\" }}{{ fail \"boom\" }}"
    );
    let container = &pod["spec"]["containers"][0];
    assert_eq!(
        container["env"][0]["value"],
        "{{ .Release.Namespace }}\n---\nkind: Secret"
    );
    assert_eq!(
        container["readinessProbe"]["exec"]["command"][2],
        "test -f /tmp/{{ .Release.Name }} # kind: Secret"
    );
    // A hostile annotation key is refused by the schema instead.
    let out = template(
        &helm,
        &c,
        &chart,
        &["--set-json", r#"podAnnotations={"a\nkind: Secret":"x"}"#],
    );
    assert!(!out.status.success(), "{}", text(&out));
}

// ---- the CLI ------------------------------------------------------------------------------------

const IMAGE: &str = "registry.example.com/shop/checkout:1.4.2";

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

const CHART_FILES: [&str; 17] = [
    ".helmignore",
    "Chart.yaml",
    "README.md",
    "templates/NOTES.txt",
    "templates/_helpers.tpl",
    "templates/deployment.yaml",
    "templates/hpa.yaml",
    "templates/httproute.yaml",
    "templates/ingress.yaml",
    "templates/namespace.yaml",
    "templates/networkpolicy.yaml",
    "templates/pdb.yaml",
    "templates/scaledobject.yaml",
    "templates/service.yaml",
    "templates/serviceaccount.yaml",
    "values.schema.json",
    "values.yaml",
];

#[test]
fn new_with_helm_writes_the_chart_beside_the_bundle_and_render_keeps_it() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args(["new", "checkout", "--preset", "spring-boot", "--image", IMAGE])
        .args(["-n", "shop", "--helm"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Created checkout/chart/values.yaml"))
        .stderr(predicate::str::contains(
            "helm upgrade --install checkout checkout/chart -n shop --create-namespace --rollback-on-failure --timeout 660s",
        ));
    let dir = tmp.path().join("checkout");
    let mut want: Vec<String> = [
        "README.md",
        "custom/kustomization.yaml",
        "deployment.yaml",
        "hpa.yaml",
        "kustomization.yaml",
        "namespace.yaml",
        "networkpolicy.yaml",
        "pdb.yaml",
        "service.yaml",
        "serviceaccount.yaml",
        "zerodown.schema.json",
        "zerodown.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(CHART_FILES.iter().map(|f| format!("chart/{f}")))
    .collect();
    want.sort();
    assert_eq!(files_under(&dir), want);
    let spec = fs::read_to_string(dir.join("zerodown.yaml")).unwrap();
    assert!(spec.ends_with("helm: true\n"), "{spec}");
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("## Install with Helm"), "{readme}");
    assert!(readme.contains("| `chart/` |"), "{readme}");
    // Every chart file says what made it, in a form its format allows.
    for f in CHART_FILES {
        let t = fs::read_to_string(dir.join("chart").join(f)).unwrap();
        assert!(t.contains("Generated by zerodown"), "{f}");
    }
    let schema: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("chart/values.schema.json")).unwrap())
            .unwrap();
    assert!(schema["$comment"]
        .as_str()
        .unwrap()
        .contains("zerodown-checksum: "));

    // `render` keeps the chart: unchanged, and part of --check.
    zerodown(&dir)
        .arg("render")
        .assert()
        .success()
        .stderr(predicate::str::contains("Unchanged ./chart/values.yaml"));
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
    fs::remove_file(dir.join("chart/templates/NOTES.txt")).unwrap();
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("chart/templates/NOTES.txt"));
    zerodown(&dir)
        .arg("render")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Created ./chart/templates/NOTES.txt",
        ));

    // An answer changed in zerodown.yaml reaches values.yaml.
    let spec = spec.replace("drainSeconds: 20", "drainSeconds: 40");
    fs::write(dir.join("zerodown.yaml"), spec).unwrap();
    zerodown(&dir)
        .arg("render")
        .assert()
        .success()
        .stderr(predicate::str::contains("Updated ./chart/values.yaml"))
        .stderr(predicate::str::contains(
            "Unchanged ./chart/templates/deployment.yaml",
        ));
    let values = fs::read_to_string(dir.join("chart/values.yaml")).unwrap();
    assert!(
        values.contains("\nterminationGracePeriodSeconds: 50\n"),
        "{values}"
    );
}

#[test]
fn edited_chart_files_are_never_clobbered() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args(["new", "checkout", "--image", IMAGE, "--helm"])
        .assert()
        .success();
    let dir = tmp.path().join("checkout");
    let spec = fs::read_to_string(dir.join("zerodown.yaml")).unwrap();
    fs::write(
        dir.join("zerodown.yaml"),
        spec.replace("drainSeconds: 20", "drainSeconds: 25"),
    )
    .unwrap();
    for (file, from, to) in [
        (
            "chart/values.yaml",
            "maxUnavailable: 0",
            "maxUnavailable: 1",
        ),
        (
            "chart/values.schema.json",
            "\"minimum\": 1",
            "\"minimum\": 0",
        ),
        ("chart/templates/_helpers.tpl", "trunc 63", "trunc 62"),
        ("chart/templates/NOTES.txt", "Roll back", "Roll  back"),
        ("chart/.helmignore", ".git/", ".git"),
        ("chart/Chart.yaml", "type: application", "type: library"),
    ] {
        let path = dir.join(file);
        let original = fs::read_to_string(&path).unwrap();
        let edited = original.replacen(from, to, 1);
        assert_ne!(original, edited, "{file}");
        fs::write(&path, &edited).unwrap();
        let before = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
        zerodown(&dir)
            .arg("render")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{file} was edited since zerodown wrote it"
            )));
        assert_eq!(fs::read_to_string(&path).unwrap(), edited, "{file}");
        assert_eq!(
            fs::read_to_string(dir.join("deployment.yaml")).unwrap(),
            before,
            "all or nothing"
        );
        fs::write(&path, &original).unwrap();
    }
    // A file of the user's own where the chart wants one is a conflict too.
    fs::write(dir.join("chart/values.yaml"), "replicaCount: 9\n").unwrap();
    zerodown(&dir)
        .arg("render")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "chart/values.yaml exists and was not written by zerodown",
        ));
    zerodown(&dir)
        .args(["render", "--force"])
        .assert()
        .success();
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
}

#[test]
fn render_helm_adds_a_chart_to_a_plain_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args(["new", "checkout", "--image", IMAGE])
        .assert()
        .success();
    let dir = tmp.path().join("checkout");
    assert!(!dir.join("chart").exists());
    zerodown(&dir)
        .args(["render", "--helm"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Created ./chart/Chart.yaml"))
        .stderr(predicate::str::contains("Updated ./README.md"))
        .stderr(predicate::str::contains(
            "Updated zerodown.yaml (helm: true)",
        ));
    assert_eq!(files_under(&dir.join("chart")), CHART_FILES);
    assert!(fs::read_to_string(dir.join("zerodown.yaml"))
        .unwrap()
        .ends_with("\nhelm: true\n"));
    // the spec now says so: the plain commands keep the chart
    for check in [&["render", "--helm", "--check"][..], &["render", "--check"]] {
        zerodown(&dir).args(check).assert().success();
    }
    // -o - is the plain stream only.
    zerodown(&dir)
        .args(["render", "--helm", "-o", "-"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot go to stdout"));
}

#[test]
fn helm_only_writes_the_chart_folder_alone() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "checkout",
            "--image",
            IMAGE,
            "--helm-only",
            "-o",
            "charts/checkout",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("no zerodown.yaml was written"));
    assert_eq!(
        files_under(&tmp.path().join("charts/checkout")),
        CHART_FILES
    );

    zerodown(tmp.path())
        .args(["new", "api", "--image", IMAGE, "-n", "shop"])
        .assert()
        .success();
    zerodown(tmp.path())
        .args([
            "render",
            "-f",
            "api/zerodown.yaml",
            "--helm-only",
            "-o",
            "out/api-chart",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("Created out/api-chart/Chart.yaml"));
    assert_eq!(files_under(&tmp.path().join("out/api-chart")), CHART_FILES);
    assert!(!tmp.path().join("api/chart").exists());
    assert!(!tmp.path().join("out/api-chart/deployment.yaml").exists());
    zerodown(tmp.path())
        .args([
            "render",
            "-f",
            "api/zerodown.yaml",
            "--helm-only",
            "-o",
            "out/api-chart",
            "--check",
        ])
        .assert()
        .success();
    // Without -o: the bundle's chart/ folder.
    zerodown(&tmp.path().join("api"))
        .args(["render", "--helm-only"])
        .assert()
        .success();
    assert_eq!(files_under(&tmp.path().join("api/chart")), CHART_FILES);
}

#[test]
fn check_skips_a_bundles_chart_sources() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args(["new", "checkout", "--image", IMAGE, "--helm"])
        .assert()
        .success();
    // Without kubectl the folder is walked file by file (with kubectl, `kubectl kustomize`
    // builds it, and a chart is no part of that build).
    zerodown(tmp.path())
        .env("PATH", "")
        .env_remove("ZERODOWN_KUBECTL")
        .args(["check", "checkout"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Helm chart checkout/chart skipped",
        ))
        .stdout(predicate::str::contains("0 errors, 0 warnings"));
}
