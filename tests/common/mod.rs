//! Shared helpers and minimal manifests for the integration tests.
#![allow(dead_code)]

pub mod runtime;

use zerodown::check::{check_sources, Finding, Report, Severity, Source};

/// Checks one inline YAML text as `test.yaml`.
/// A sample with this line is an upgrade: the old version above it, the new one below, checked
/// as `zerodown check new.yaml --against old.yaml`.
pub const AGAINST: &str = "# ---- zerodown test: old version above, new version below ----\n";

pub fn check(yaml: &str) -> Report {
    if let Some((old, new)) = yaml.split_once(AGAINST) {
        return zerodown::check::check_against(
            &[Source::new("new.yaml", new)],
            &[Source::new("old.yaml", old)],
        );
    }
    check_sources(&[Source::new("test.yaml", yaml)])
}

/// An upgrade sample from `tests/fixtures/upgrade/NAME/{old,new}.yaml`.
pub fn upgrade(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(name);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    format!("{}{AGAINST}{}", read("old.yaml"), read("new.yaml"))
}

/// Unsuppressed findings of a rule.
pub fn find<'a>(r: &'a Report, rule: &str) -> Vec<&'a Finding> {
    r.active().filter(|f| f.rule == rule).collect()
}

/// The first unsuppressed finding of a rule; panics with the whole report when absent.
pub fn one<'a>(r: &'a Report, rule: &str) -> &'a Finding {
    match find(r, rule).first() {
        Some(f) => f,
        None => panic!("expected {rule}, got:\n{}", human(r)),
    }
}

/// Asserts a rule did not fire.
pub fn absent(r: &Report, rule: &str) {
    assert!(find(r, rule).is_empty(), "unexpected {rule}:\n{}", human(r));
}

/// Asserts nothing at warning or error level.
pub fn no_warnings(r: &Report) {
    let bad: Vec<_> = r
        .active()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(bad.is_empty(), "unexpected findings:\n{}", human(r));
}

/// Human rendering without color, for assertion messages.
pub fn human(r: &Report) -> String {
    r.render(&Default::default())
}

/// Asserts a finding's severity and that its message contains every part.
pub fn assert_finding(f: &Finding, severity: Severity, parts: &[&str]) {
    assert_eq!(
        f.severity, severity,
        "severity of {}: {}",
        f.rule, f.message
    );
    for p in parts {
        assert!(
            f.message.contains(p),
            "message of {} lacks {p:?}: {}",
            f.rule,
            f.message
        );
    }
}

/// A zero-downtime web Deployment (no spec.replicas: the HPA owns the scale).
pub const DEPLOY: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 45
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app: web
      containers:
        - name: app
          image: registry.example.com/web:1.2.3
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
          livenessProbe:
            httpGet:
              path: /livez
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          lifecycle:
            preStop:
              sleep:
                seconds: 10
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              memory: 512Mi
"#;

/// The Service in front of [`DEPLOY`].
pub const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
"#;

/// The PDB for [`DEPLOY`].
pub const PDB: &str = r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  maxUnavailable: 1
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      app: web
"#;

/// The HPA for [`DEPLOY`].
pub const HPA: &str = r#"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 6
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
"#;

/// Joins documents with `---`.
pub fn bundle(docs: &[&str]) -> String {
    docs.join("---\n")
}

/// The complete clean bundle.
pub fn clean() -> String {
    bundle(&[DEPLOY, SERVICE, PDB, HPA])
}

/// Replaces `from` (which must occur) in `doc`.
pub fn edit(doc: &str, from: &str, to: &str) -> String {
    assert!(doc.contains(from), "fixture does not contain {from:?}");
    doc.replacen(from, to, 1)
}

/// The clean bundle with one edit in one of its documents.
pub fn with(doc: &str, from: &str, to: &str) -> String {
    let changed = edit(doc, from, to);
    let docs: Vec<&str> = [DEPLOY, SERVICE, PDB, HPA]
        .into_iter()
        .map(|d| if d == doc { changed.as_str() } else { d })
        .collect();
    bundle(&docs)
}

const LIVENESS: &str = "          livenessProbe:\n            httpGet:\n              path: /livez\n              port: http\n            periodSeconds: 10\n            timeoutSeconds: 5\n            failureThreshold: 6\n";
const READINESS: &str = "          readinessProbe:\n            httpGet:\n              path: /readyz\n              port: http\n            periodSeconds: 5\n            timeoutSeconds: 3\n";
const PRESTOP: &str = "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n";
const AFFINITY: &str = "      affinity:\n        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 100\n              podAffinityTerm:\n                topologyKey: kubernetes.io/hostname\n                labelSelector:\n                  matchLabels:\n                    app: web\n";

/// A bare Pod.
pub const BARE_POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: debug
      image: busybox:1.36
      command: ["sleep", "3600"]
      livenessProbe:
        exec:
          command: ["true"]
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {memory: 32Mi}
"#;

/// One minimal manifest per rule id that triggers it.
pub fn samples() -> Vec<(&'static str, String)> {
    vec![
        ("rolling-update-cannot-progress", with(DEPLOY, "maxSurge: 1", "maxSurge: 0")),
        (
            "recreate-strategy-downtime",
            with(
                DEPLOY,
                "    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n",
                "    type: Recreate\n",
            ),
        ),
        ("replicas-below-two", with(HPA, "minReplicas: 2", "minReplicas: 1")),
        (
            "progress-deadline-too-short",
            with(
                DEPLOY,
                READINESS,
                &format!("          startupProbe:\n            httpGet:\n              path: /livez\n              port: http\n            periodSeconds: 10\n            timeoutSeconds: 3\n            failureThreshold: 70\n{READINESS}"),
            ),
        ),
        ("bare-pod", BARE_POD.to_string()),
        ("readiness-probe-missing", with(DEPLOY, READINESS, "")),
        ("liveness-probe-missing", with(DEPLOY, LIVENESS, "")),
        ("liveness-same-as-readiness", with(DEPLOY, "path: /livez", "path: /readyz")),
        (
            "startup-probe-missing",
            with(
                DEPLOY,
                "          ports:\n",
                "          env:\n            - name: JAVA_TOOL_OPTIONS\n              value: -XX:MaxRAMPercentage=70\n          ports:\n",
            ),
        ),
        (
            "liveness-kills-during-startup",
            with(DEPLOY, "            periodSeconds: 5\n", "            initialDelaySeconds: 90\n            periodSeconds: 5\n"),
        ),
        (
            "probe-timeout-under-cpu-throttling",
            bundle(&[
                &edit(
                    &edit(DEPLOY, "            timeoutSeconds: 5\n", ""),
                    "            limits:\n              memory: 512Mi\n",
                    "            limits:\n              cpu: \"2\"\n              memory: 512Mi\n",
                ),
                SERVICE,
                PDB,
                HPA,
            ]),
        ),
        ("probe-port-unknown", with(DEPLOY, "              path: /readyz\n              port: http", "              path: /readyz\n              port: web")),
        ("prestop-missing", with(DEPLOY, PRESTOP, "")),
        ("prestop-exceeds-grace-period", with(DEPLOY, "seconds: 10", "seconds: 45")),
        (
            "prestop-exec-needs-binary",
            with(DEPLOY, "              sleep:\n                seconds: 10\n", "              exec:\n                command: [\"sleep\", \"10\"]\n"),
        ),
        ("grace-period-too-short", with(DEPLOY, "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 1")),
        (
            "shell-pid1-drops-sigterm",
            with(DEPLOY, "          ports:\n", "          command: [\"sh\", \"-c\", \"node server.js | tee -a /var/log/app.log\"]\n          ports:\n"),
        ),
        ("nginx-fast-shutdown", with(DEPLOY, "registry.example.com/web:1.2.3", "registry.example.com/nginx:1.27.0")),
        (
            "required-anti-affinity-blocks-rollout",
            with(
                DEPLOY,
                AFFINITY,
                "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - topologyKey: kubernetes.io/hostname\n              labelSelector:\n                matchExpressions:\n                  - key: app\n                    operator: In\n                    values: [web]\n",
            ),
        ),
        ("anti-affinity-missing", with(DEPLOY, AFFINITY, "")),
        ("resources-missing", with(DEPLOY, "            requests:\n              cpu: 250m\n              memory: 256Mi\n", "")),
        ("memory-limit-missing", with(DEPLOY, "            limits:\n              memory: 512Mi\n", "")),
        ("pdb-allows-zero-disruptions", with(PDB, "maxUnavailable: 1", "maxUnavailable: 0")),
        ("pdb-min-available-blocks-eviction", with(PDB, "maxUnavailable: 1", "minAvailable: 2")),
        ("pdb-selector-matches-nothing", with(PDB, "      app: web\n", "      app: webshop\n")),
        ("pdb-missing", bundle(&[DEPLOY, SERVICE, HPA])),
        ("pdb-overlapping", bundle(&[DEPLOY, SERVICE, PDB, HPA, &edit(PDB, "name: web", "name: web-2")])),
        ("pdb-unhealthy-eviction-policy", with(PDB, "  unhealthyPodEvictionPolicy: AlwaysAllow\n", "")),
        ("hpa-replicas-conflict", with(DEPLOY, "spec:\n  strategy:", "spec:\n  replicas: 1\n  strategy:")),
        ("hpa-metric-without-request", with(DEPLOY, "              cpu: 250m\n", "")),
        ("hpa-missing", bundle(&[&edit(DEPLOY, "spec:\n  strategy:", "spec:\n  replicas: 3\n  strategy:"), SERVICE, PDB])),
        ("hpa-target-missing", with(HPA, "    name: web", "    name: web-v2")),
        ("hpa-duplicate-target", bundle(&[DEPLOY, SERVICE, PDB, HPA, &edit(HPA, "name: web\n  namespace", "name: web-2\n  namespace")])),
        ("image-tag-mutable", with(DEPLOY, "web:1.2.3", "web:latest")),
        ("service-selector-matches-nothing", with(SERVICE, "    app: web\n", "    app: api\n")),
        ("service-target-port-unknown", with(SERVICE, "targetPort: http", "targetPort: web")),
        (
            "suppression-without-reason",
            with(DEPLOY, "  namespace: shop\nspec:\n  strategy", "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/hpa-missing: \"\"\nspec:\n  strategy"),
        ),
        ("upgrade-selector-immutable", upgrade("selector-version-label")),
        ("upgrade-statefulset-immutable", upgrade("statefulset-claim-labels")),
        ("upgrade-job-immutable", upgrade("job-template")),
        (
            "upgrade-service-immutable",
            format!("{}{AGAINST}{}", with(SERVICE, "spec:\n", "spec:\n  clusterIP: 10.0.0.10\n"), with(SERVICE, "spec:\n", "spec:\n  clusterIP: 10.0.0.11\n")),
        ),
        (
            "upgrade-pvc-immutable",
            format!("{PVC}{AGAINST}{}", PVC.replace("storage: 10Gi", "storage: 5Gi")),
        ),
        ("upgrade-service-selects-nothing", upgrade("service-selector-switch")),
        ("upgrade-pods-leave-pdb", upgrade("pdb-labels")),
        ("upgrade-replicas-reset", upgrade("replicas-removed")),
        ("upgrade-target-port-renamed", upgrade("renamed-port")),
        (
            "suppression-unknown-rule",
            with(DEPLOY, "  namespace: shop\nspec:\n  strategy", "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/prestop-mising: \"sidecar handles it\"\nspec:\n  strategy"),
        ),
        // ---- relations (the faulty field cases of tests/fixtures/field-cases-new) ----
        ("selector-release-label", relations_case("RC-01")),
        ("service-selector-release-label", relations_case("RC-02")),
        ("service-selects-portless-pods", relations_case("RC-03")),
        ("route-backend-port-unknown", relations_case("RC-04")),
        ("lb-health-check-outlasts-prestop", relations_case("RC-06")),
        ("publish-not-ready-serving", relations_case("RC-07")),
        ("spread-counts-old-revision", relations_case("RC-08")),
        ("spread-min-domains-unreachable", relations_case("RC-09")),
        ("zone-anti-affinity-caps-replicas", relations_case("RC-10")),
        (
            "suppression-expired",
            with(DEPLOY, "  namespace: shop\nspec:\n  strategy", "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/hpa-missing: \"load is flat; expires=2001-01-01\"\nspec:\n  strategy"),
        ),
        (
            "suppression-expiry-invalid",
            with(DEPLOY, "  namespace: shop\nspec:\n  strategy", "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/hpa-missing: \"load is flat; expires=next-year\"\nspec:\n  strategy"),
        ),
    ]
    .into_iter()
    .chain(runtime::samples())
    .collect()
}

/// The folder of the field cases gathered for issue 13 (`RC-NN*` relations, `SC-NN*` runtime).
pub fn new_field_cases_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/field-cases-new")
}

/// A file of that folder, as a check source named `field-cases-new/NAME`.
pub fn new_field_case(name: &str) -> Source {
    let path = new_field_cases_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Source::new(format!("field-cases-new/{name}"), text)
}

/// The faulty manifest of a relations field case (`tests/fixtures/field-cases-new/RC-NN.yaml`).
pub fn relations_case(case: &str) -> String {
    new_field_case(&format!("{case}.yaml")).text
}

/// A checker `.ci/install-tools.sh` installs: `REL` (such as `venv/bin/yamllint`) under
/// `${ZERODOWN_TOOLS:-~/.cache/zerodown-tools}`, else the file name of `REL` on PATH.
pub fn installed_tool(rel: &str) -> Option<std::path::PathBuf> {
    let root = std::env::var_os("ZERODOWN_TOOLS")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| std::path::PathBuf::from(h).join(".cache/zerodown-tools"))
        })?;
    let name = std::path::Path::new(rel).file_name()?;
    Some(root.join(rel)).filter(|p| p.is_file()).or_else(|| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// `kubernetes-validate` for a strict-schema test, or `None` with a note saying the test is
/// skipped; a failure when `CI` is set (CI installs it).
pub fn kubernetes_validate_or_skip() -> Option<std::path::PathBuf> {
    let found = installed_tool("venv/bin/kubernetes-validate");
    if found.is_none() {
        let msg = "kubernetes-validate not found (venv/bin under ZERODOWN_TOOLS or ~/.cache/zerodown-tools, or PATH); run .ci/install-tools.sh";
        assert!(std::env::var_os("CI").is_none(), "{msg}, and CI is set");
        eprintln!("note: skipping the strict schema check: {msg}");
    }
    found
}
/// A PersistentVolumeClaim of 10 GiB.
pub const PVC: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: shop\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 10Gi\n";

/// The sample for one rule.
pub fn sample(rule: &str) -> String {
    samples()
        .into_iter()
        .find(|(r, _)| *r == rule)
        .unwrap_or_else(|| panic!("no sample for {rule}"))
        .1
}
