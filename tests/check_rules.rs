//! One test per rule on a minimal manifest: rule id, severity and the key values in the message,
//! plus variants that exercise the whole kind of each fault (percentages, defaults, handler types,
//! named ports, sidecars, selectors).

mod common;
use common::*;
use zerodown::check::Severity::{Error, Info, Warning};

#[test]
fn clean_bundle_has_no_findings_at_all() {
    let r = check(&clean());
    assert!(r.findings.is_empty(), "{}", human(&r));
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    assert_eq!(r.objects, 4);
}

// ---- rollout ---------------------------------------------------------------------------------

#[test]
fn rolling_update_cannot_progress() {
    let r = check(&sample("rolling-update-cannot-progress"));
    let f = one(&r, "rolling-update-cannot-progress");
    assert_finding(
        f,
        Error,
        &[
            "Deployment 'web'",
            "maxSurge: 0 and maxUnavailable: 0",
            "rejects",
        ],
    );
    assert_eq!(f.line, 9, "points at rollingUpdate");
}

#[test]
fn rolling_update_zero_percent_is_rejected_too() {
    let r = check(&with(
        DEPLOY,
        "maxSurge: 1\n      maxUnavailable: 0",
        "maxSurge: 0%\n      maxUnavailable: \"0%\"",
    ));
    assert_finding(
        one(&r, "rolling-update-cannot-progress"),
        Error,
        &["maxSurge: 0% and maxUnavailable: 0%"],
    );
}

#[test]
fn rolling_update_percentages_resolving_to_zero_warn() {
    // maxUnavailable 20% of 4 replicas rounds DOWN to 0; maxSurge 0 stays 0.
    let r = check(&bundle(&[
        &edit(
            &edit(
                DEPLOY,
                "maxSurge: 1\n      maxUnavailable: 0",
                "maxSurge: 0\n      maxUnavailable: 20%",
            ),
            "spec:\n  strategy:",
            "spec:\n  replicas: 4\n  strategy:",
        ),
        SERVICE,
        PDB,
    ]));
    assert_finding(
        one(&r, "rolling-update-cannot-progress"),
        Warning,
        &[
            "maxUnavailable: 20%",
            "resolve to 0 and 0 at 4 replicas",
            "forces maxUnavailable to 1",
        ],
    );
    // At 5 replicas 20% is 1: fine.
    let r = check(&bundle(&[&edit(
        &edit(
            DEPLOY,
            "maxSurge: 1\n      maxUnavailable: 0",
            "maxSurge: 0\n      maxUnavailable: 20%",
        ),
        "spec:\n  strategy:",
        "spec:\n  replicas: 5\n  strategy:",
    )]));
    absent(&r, "rolling-update-cannot-progress");
}

#[test]
fn daemonset_zero_zero_is_rejected() {
    let ds = r#"apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
        - name: agent
          image: agent:1.0.0
"#;
    let r = check(ds);
    assert_finding(
        one(&r, "rolling-update-cannot-progress"),
        Error,
        &["DaemonSet 'agent'", "maxSurge: 0 and maxUnavailable: 0"],
    );
    absent(&r, "replicas-below-two");
    absent(&r, "pdb-missing");
}

#[test]
fn recreate_strategy_downtime() {
    let r = check(&sample("recreate-strategy-downtime"));
    assert_finding(
        one(&r, "recreate-strategy-downtime"),
        Warning,
        &["Deployment 'web'", "Recreate"],
    );
}

#[test]
fn replicas_below_two() {
    let r = check(&sample("replicas-below-two"));
    assert_finding(
        one(&r, "replicas-below-two"),
        Warning,
        &["HPA 'web' minReplicas 1", "1 replica"],
    );
    // Unset replicas without HPA defaults to 1.
    let r = check(&bundle(&[DEPLOY, SERVICE]));
    assert_finding(
        one(&r, "replicas-below-two"),
        Warning,
        &["spec.replicas is unset and defaults to 1"],
    );
    // spec.replicas 1 but HPA min 5: the HPA wins (hpa-replicas-conflict reports the clash).
    let r = check(
        &with(
            DEPLOY,
            "spec:\n  strategy:",
            "spec:\n  replicas: 1\n  strategy:",
        )
        .replace("minReplicas: 2", "minReplicas: 5"),
    );
    absent(&r, "replicas-below-two");
}

#[test]
fn progress_deadline_too_short() {
    let r = check(&sample("progress-deadline-too-short"));
    assert_finding(
        one(&r, "progress-deadline-too-short"),
        Warning,
        &["700s", "progressDeadlineSeconds is 600 (default)"],
    );
}

#[test]
fn bare_pod() {
    let r = check(&sample("bare-pod"));
    assert_finding(
        one(&r, "bare-pod"),
        Warning,
        &["Pod 'debug'", "not managed by a controller"],
    );
    absent(&r, "pdb-missing");
    absent(&r, "hpa-missing");
}

// ---- probes ----------------------------------------------------------------------------------

#[test]
fn readiness_probe_missing() {
    let r = check(&sample("readiness-probe-missing"));
    let f = one(&r, "readiness-probe-missing");
    assert_finding(
        f,
        Error,
        &["Deployment 'web' backs Service 'web' but container 'app' has no readinessProbe"],
    );
    assert_eq!(f.container.as_deref(), Some("app"));
}

#[test]
fn readiness_only_required_for_serving_containers() {
    // A sidecar with its own port that the Service does not target is not serving.
    let d = edit(
        &edit(DEPLOY, READINESS_FOR_TEST, ""),
        "      containers:\n",
        "      initContainers:\n        - name: proxy\n          image: proxy:2.0.1\n          restartPolicy: Always\n          ports:\n            - name: admin\n              containerPort: 9901\n          livenessProbe:\n            tcpSocket: {port: admin}\n            timeoutSeconds: 3\n          readinessProbe:\n            tcpSocket: {port: admin}\n            timeoutSeconds: 3\n          lifecycle:\n            preStop:\n              sleep: {seconds: 5}\n          resources:\n            requests: {cpu: 10m, memory: 32Mi}\n            limits: {memory: 64Mi}\n      containers:\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    let fs = find(&r, "readiness-probe-missing");
    assert_eq!(fs.len(), 1, "{}", human(&r));
    assert_eq!(fs[0].container.as_deref(), Some("app"));
    // A worker (no Service) does not need readiness.
    let r = check(&bundle(&[&edit(DEPLOY, READINESS_FOR_TEST, ""), PDB, HPA]));
    absent(&r, "readiness-probe-missing");
}

const READINESS_FOR_TEST: &str = "          readinessProbe:\n            httpGet:\n              path: /readyz\n              port: http\n            periodSeconds: 5\n            timeoutSeconds: 3\n";

#[test]
fn service_matching_uses_match_expressions_and_namespaces() {
    // Same labels in another namespace: the Service does not select the pods.
    let other_ns = edit(
        &edit(DEPLOY, READINESS_FOR_TEST, ""),
        "namespace: shop",
        "namespace: other",
    );
    let r = check(&bundle(&[&other_ns, SERVICE]));
    absent(&r, "readiness-probe-missing");
    // Absent namespace means "default" on both sides.
    let svc = edit(SERVICE, "  namespace: shop\n", "");
    let dep = edit(
        &edit(DEPLOY, READINESS_FOR_TEST, ""),
        "  namespace: shop\n",
        "",
    );
    let r = check(&bundle(&[&dep, &svc]));
    assert_eq!(one(&r, "readiness-probe-missing").namespace, "default");
}

#[test]
fn liveness_probe_missing() {
    let r = check(&sample("liveness-probe-missing"));
    assert_finding(
        one(&r, "liveness-probe-missing"),
        Warning,
        &["container 'app' of Deployment 'web' has no livenessProbe"],
    );
}

#[test]
fn liveness_same_as_readiness() {
    let r = check(&sample("liveness-same-as-readiness"));
    assert_finding(
        one(&r, "liveness-same-as-readiness"),
        Warning,
        &["container 'app'", "same check", "GET /readyz on port http"],
    );
}

#[test]
fn liveness_same_as_readiness_identical_and_resolved_ports() {
    // Named vs numeric port of the same container port; tcp and exec handlers.
    let d = with(
        DEPLOY,
        "              path: /livez\n              port: http",
        "              path: /readyz\n              port: 8080",
    );
    assert!(!find(&check(&d), "liveness-same-as-readiness").is_empty());
    let tcp = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: w}
spec:
  replicas: 2
  selector: {matchLabels: {app: w}}
  template:
    metadata: {labels: {app: w}}
    spec:
      containers:
        - name: w
          image: w:1.0.0
          readinessProbe:
            exec: {command: [cat, /tmp/ready]}
            periodSeconds: 5
            failureThreshold: 5
          livenessProbe:
            exec: {command: [cat, /tmp/ready]}
            periodSeconds: 5
            failureThreshold: 5
"#;
    let r = check(tcp);
    assert_finding(
        one(&r, "liveness-same-as-readiness"),
        Warning,
        &["are identical (exec 'cat /tmp/ready', period 5s, failureThreshold 5)"],
    );
    // Same handler with different timings still fires.
    let r = check(&tcp.replacen(
        "periodSeconds: 5\n            failureThreshold: 5",
        "periodSeconds: 10\n            failureThreshold: 6",
        1,
    ));
    assert_finding(
        one(&r, "liveness-same-as-readiness"),
        Warning,
        &["run the same check"],
    );
    // Different exec commands: fine.
    let r = check(&tcp.replacen("[cat, /tmp/ready]", "[cat, /tmp/alive]", 1));
    absent(&r, "liveness-same-as-readiness");
}

#[test]
fn startup_probe_missing() {
    let r = check(&sample("startup-probe-missing"));
    assert_finding(
        one(&r, "startup-probe-missing"),
        Error,
        &[
            "container 'app' looks like a JVM",
            "60s after start",
            "no startupProbe",
        ],
    );
    // With a CPU limit the message names it; a long liveness budget (>= 120 s) is fine.
    let d = edit(
        &edit(
            DEPLOY,
            "          ports:\n",
            "          command: [\"java\", \"-jar\", \"/app.jar\"]\n          ports:\n",
        ),
        "            limits:\n              memory: 512Mi\n",
        "            limits:\n              cpu: 200m\n              memory: 512Mi\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    assert_finding(
        one(&r, "startup-probe-missing"),
        Error,
        &["with a 200m CPU limit"],
    );
    let r = check(&bundle(&[
        &edit(&d, "failureThreshold: 6", "failureThreshold: 12"),
        SERVICE,
        PDB,
        HPA,
    ]));
    absent(&r, "startup-probe-missing");
    // Not a JVM: no finding.
    absent(&check(&clean()), "startup-probe-missing");
}

#[test]
fn liveness_kills_during_startup() {
    let r = check(&sample("liveness-kills-during-startup"));
    assert_finding(
        one(&r, "liveness-kills-during-startup"),
        Warning,
        &["60s after start", "after 90s"],
    );
}

#[test]
fn probe_timeout_under_cpu_throttling() {
    let r = check(&sample("probe-timeout-under-cpu-throttling"));
    let f = find(&r, "probe-timeout-under-cpu-throttling");
    assert_eq!(
        f.len(),
        1,
        "only liveness has the 1s default: {}",
        human(&r)
    );
    assert_finding(
        f[0],
        Warning,
        &[
            "liveness probe of container 'app' uses the 1s default timeout",
            "CPU is limited to 2000m with a 250m request",
            "set timeoutSeconds >= 3 and raise the request",
        ],
    );
    // Readiness is asked for 2 s, liveness and startup for 3 s: what zerodown's own probes use.
    let tight = edit(
        &sample("probe-timeout-under-cpu-throttling"),
        "            periodSeconds: 5\n            timeoutSeconds: 3\n",
        "            periodSeconds: 5\n            timeoutSeconds: 1\n",
    );
    let r = check(&tight);
    let f = find(&r, "probe-timeout-under-cpu-throttling");
    assert_eq!(f.len(), 2, "{}", human(&r));
    let readiness = f
        .iter()
        .find(|f| f.message.starts_with("readiness"))
        .expect("readiness finding");
    assert_finding(
        readiness,
        Warning,
        &[
            "uses a 1s timeout",
            "set timeoutSeconds >= 2 and raise the request",
        ],
    );
    // No CPU limit: no finding even with 1 s timeouts.
    let r = check(&with(DEPLOY, "            timeoutSeconds: 5\n", ""));
    absent(&r, "probe-timeout-under-cpu-throttling");
}

#[test]
fn probe_port_unknown() {
    let r = check(&sample("probe-port-unknown"));
    assert_finding(
        one(&r, "probe-port-unknown"),
        Error,
        &["readiness probe of container 'app' targets port 'web'"],
    );
}

// ---- shutdown --------------------------------------------------------------------------------

#[test]
fn prestop_missing() {
    let r = check(&sample("prestop-missing"));
    let f = one(&r, "prestop-missing");
    assert_finding(
        f,
        Error,
        &["container 'app' of Deployment 'web' serves Service 'web' but has no preStop delay"],
    );
    // A worker (not Service-backed) needs no preStop.
    let r = check(&bundle(&[&edit(DEPLOY, "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n", ""), PDB, HPA]));
    absent(&r, "prestop-missing");
    // sleep 0 is no delay.
    let r = check(&with(DEPLOY, "seconds: 10", "seconds: 0"));
    one(&r, "prestop-missing");
}

#[test]
fn prestop_exceeds_grace_period() {
    let r = check(&sample("prestop-exceeds-grace-period"));
    assert_finding(
        one(&r, "prestop-exceeds-grace-period"),
        Error,
        &["preStop of container 'app' sleeps 45s but terminationGracePeriodSeconds is 45"],
    );
    // Exec `sh -c "sleep 300"` against the default 30 s.
    let d = edit(
        &edit(DEPLOY, "      terminationGracePeriodSeconds: 45\n", ""),
        "              sleep:\n                seconds: 10\n",
        "              exec:\n                command: [\"/bin/sh\", \"-c\", \"sleep 300\"]\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    assert_finding(
        one(&r, "prestop-exceeds-grace-period"),
        Error,
        &["sleeps 300s but terminationGracePeriodSeconds is 30 (default)"],
    );
    // 44 < 45 is fine.
    absent(
        &check(&with(DEPLOY, "seconds: 10", "seconds: 44")),
        "prestop-exceeds-grace-period",
    );
}

#[test]
fn prestop_exec_needs_binary() {
    let r = check(&sample("prestop-exec-needs-binary"));
    assert_finding(
        one(&r, "prestop-exec-needs-binary"),
        Info,
        &["runs 'sleep 10'", "preStop.sleep.seconds: 10"],
    );
    let r = check(
        &with(
            DEPLOY,
            "              sleep:\n                seconds: 10\n",
            "              exec:\n                command: [\"sleep\", \"10\"]\n",
        )
        .replace(
            "registry.example.com/web:1.2.3",
            "gcr.io/distroless/static:nonroot-1.0",
        ),
    );
    assert_finding(
        one(&r, "prestop-exec-needs-binary"),
        Warning,
        &["sleep binary"],
    );
}

#[test]
fn grace_period_too_short() {
    let r = check(&sample("grace-period-too-short"));
    assert_finding(
        one(&r, "grace-period-too-short"),
        Warning,
        &[
            "terminationGracePeriodSeconds: 1",
            "killed 1s after SIGTERM",
        ],
    );
}

#[test]
fn shell_pid1_drops_sigterm() {
    let r = check(&sample("shell-pid1-drops-sigterm"));
    assert_finding(
        one(&r, "shell-pid1-drops-sigterm"),
        Warning,
        &["container 'app' runs 'sh -c node server.js | tee -a /var/log/app.log' as PID 1"],
    );
    let ok = with(
        DEPLOY,
        "          ports:\n",
        "          command: [\"sh\", \"-c\", \"exec node server.js\"]\n          ports:\n",
    );
    absent(&check(&ok), "shell-pid1-drops-sigterm");
}

#[test]
fn nginx_fast_shutdown() {
    let r = check(&sample("nginx-fast-shutdown"));
    assert_finding(
        one(&r, "nginx-fast-shutdown"),
        Warning,
        &["container 'app' runs nginx", "nginx -s quit"],
    );
    // The official image sets STOPSIGNAL SIGQUIT: info only.
    let r = check(&with(
        DEPLOY,
        "registry.example.com/web:1.2.3",
        "nginx:1.27.0",
    ));
    assert_finding(
        one(&r, "nginx-fast-shutdown"),
        Info,
        &["STOPSIGNAL SIGQUIT"],
    );
    // A graceful-quit preStop satisfies it.
    let r = check(&with(
        DEPLOY,
        "              sleep:\n                seconds: 10\n",
        "              exec:\n                command: [\"/bin/sh\", \"-c\", \"sleep 5; nginx -s quit; while kill -0 1; do sleep 1; done\"]\n",
    ).replace("registry.example.com/web:1.2.3", "registry.example.com/nginx:1.27.0"));
    absent(&r, "nginx-fast-shutdown");
    absent(&r, "prestop-exec-needs-binary");
}

// ---- scheduling ------------------------------------------------------------------------------

#[test]
fn required_anti_affinity_blocks_rollout() {
    let r = check(&sample("required-anti-affinity-blocks-rollout"));
    assert_finding(
        one(&r, "required-anti-affinity-blocks-rollout"),
        Warning,
        &[
            "requires one pod per node",
            "needs 3 schedulable nodes (2 replicas + 1 surge",
        ],
    );
    // maxUnavailable 1 lets an old pod go first: fine.
    let d = sample("required-anti-affinity-blocks-rollout").replace(
        "maxSurge: 1\n      maxUnavailable: 0",
        "maxSurge: 0\n      maxUnavailable: 1",
    );
    absent(&check(&d), "required-anti-affinity-blocks-rollout");
    // Default 25%/25% at 3 replicas resolves to surge 1 / unavailable 0 (FC-13 shape).
    let d = sample("required-anti-affinity-blocks-rollout")
        .replace("    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n", "")
        .replace("  strategy:\n", "  replicas: 3\n");
    let r = check(&d);
    assert_finding(
        one(&r, "required-anti-affinity-blocks-rollout"),
        Warning,
        &["needs 4 schedulable nodes (3 replicas + 1 surge"],
    );
    // ... but at 4 replicas 25% rounds down to 1 unavailable.
    absent(
        &check(&d.replace("replicas: 3", "replicas: 4")),
        "required-anti-affinity-blocks-rollout",
    );
}

#[test]
fn anti_affinity_missing() {
    let r = check(&sample("anti-affinity-missing"));
    assert_finding(
        one(&r, "anti-affinity-missing"),
        Info,
        &["up to 6 replicas"],
    );
}

#[test]
fn resources_missing() {
    let r = check(&sample("resources-missing"));
    assert_finding(
        one(&r, "resources-missing"),
        Warning,
        &["container 'app' of Deployment 'web' has no cpu request"],
    );
}

#[test]
fn memory_limit_missing() {
    let r = check(&sample("memory-limit-missing"));
    assert_finding(
        one(&r, "memory-limit-missing"),
        Info,
        &["container 'app'", "no memory limit"],
    );
}

// ---- disruption ------------------------------------------------------------------------------

#[test]
fn pdb_allows_zero_disruptions() {
    let r = check(&sample("pdb-allows-zero-disruptions"));
    assert_finding(
        one(&r, "pdb-allows-zero-disruptions"),
        Error,
        &["PodDisruptionBudget 'web' (maxUnavailable: 0) allows 0 disruptions for Deployment 'web' at 2 replicas"],
    );
    // minAvailable 100%.
    let r = check(&with(PDB, "maxUnavailable: 1", "minAvailable: 100%"));
    one(&r, "pdb-allows-zero-disruptions");
    // minAvailable 50% at 2 replicas allows 1.
    absent(
        &check(&with(PDB, "maxUnavailable: 1", "minAvailable: 50%")),
        "pdb-allows-zero-disruptions",
    );
}

#[test]
fn pdb_min_available_blocks_eviction() {
    let r = check(&sample("pdb-min-available-blocks-eviction"));
    // One fault, one finding (issue 13 §5): the specific rule, not both.
    let got: Vec<&str> = r
        .active()
        .filter(|f| f.rule.starts_with("pdb-"))
        .map(|f| f.rule)
        .collect();
    assert_eq!(
        got,
        vec!["pdb-min-available-blocks-eviction"],
        "{}",
        human(&r)
    );
    assert_eq!(
        one(&r, "pdb-min-available-blocks-eviction").message,
        "PodDisruptionBudget 'web' minAvailable: 2 is not below the lowest replica count of Deployment 'web' (2 (HPA 'web' minReplicas 2)), so it allows 0 disruptions whenever the autoscaler is at its floor; kubectl drain, node upgrades and autoscaler scale-down block then; use maxUnavailable: 1"
    );
    assert_eq!(one(&r, "pdb-min-available-blocks-eviction").severity, Error);
    // Without an autoscaler the same budget is the general fault, reported once.
    let r = check(
        &with(PDB, "maxUnavailable: 1", "minAvailable: 2")
            .replace("kind: HorizontalPodAutoscaler", "kind: NotAnHpa"),
    );
    let got: Vec<&str> = r
        .active()
        .filter(|f| f.rule.starts_with("pdb-allows") || f.rule.starts_with("pdb-min"))
        .map(|f| f.rule)
        .collect();
    assert_eq!(got, vec!["pdb-allows-zero-disruptions"], "{}", human(&r));
}

#[test]
fn pdb_selector_matches_nothing() {
    let r = check(&sample("pdb-selector-matches-nothing"));
    assert_finding(
        one(&r, "pdb-selector-matches-nothing"),
        Error,
        &["PodDisruptionBudget 'web' selector {app=webshop} matches no pod template"],
    );
    // matchExpressions that match.
    let r = check(&with(
        PDB,
        "    matchLabels:\n      app: web\n",
        "    matchExpressions:\n      - {key: app, operator: In, values: [web, api]}\n      - {key: canary, operator: DoesNotExist}\n",
    ));
    absent(&r, "pdb-selector-matches-nothing");
    // NotIn excluding our pods.
    let r = check(&with(
        PDB,
        "    matchLabels:\n      app: web\n",
        "    matchExpressions:\n      - {key: app, operator: NotIn, values: [web]}\n",
    ));
    one(&r, "pdb-selector-matches-nothing");
    // Only a PDB, no workload of its namespace audited: info (cannot verify).
    let r = check(PDB);
    assert_finding(
        one(&r, "pdb-selector-matches-nothing"),
        Info,
        &["defined elsewhere"],
    );
}

#[test]
fn pdb_missing() {
    let r = check(&sample("pdb-missing"));
    assert_finding(
        one(&r, "pdb-missing"),
        Warning,
        &["Deployment 'web' runs at least 2 replicas"],
    );
}

#[test]
fn pdb_overlapping() {
    let r = check(&sample("pdb-overlapping"));
    assert_finding(
        one(&r, "pdb-overlapping"),
        Error,
        &["2 PodDisruptionBudgets ('web', 'web-2')"],
    );
}

#[test]
fn pdb_unhealthy_eviction_policy() {
    let r = check(&sample("pdb-unhealthy-eviction-policy"));
    assert_finding(
        one(&r, "pdb-unhealthy-eviction-policy"),
        Info,
        &["IfHealthyBudget"],
    );
}

// ---- autoscaling -----------------------------------------------------------------------------

#[test]
fn hpa_replicas_conflict() {
    let r = check(&sample("hpa-replicas-conflict"));
    let f = one(&r, "hpa-replicas-conflict");
    assert_finding(
        f,
        Error,
        &["Deployment 'web' sets spec.replicas: 1 but HPA 'web' manages its scale (minReplicas 2)"],
    );
    assert_eq!(f.line, 7, "points at spec.replicas");
    // replicas >= minReplicas: warning.
    let r = check(&with(
        DEPLOY,
        "spec:\n  strategy:",
        "spec:\n  replicas: 3\n  strategy:",
    ));
    assert_eq!(one(&r, "hpa-replicas-conflict").severity, Warning);
}

#[test]
fn hpa_metric_without_request() {
    let r = check(&sample("hpa-metric-without-request"));
    let f = one(&r, "hpa-metric-without-request");
    assert_finding(
        f,
        Error,
        &[
            "HPA 'web' scales Deployment 'web' on cpu utilization (70%)",
            "container 'app' has no cpu request",
        ],
    );
    // autoscaling/v1 defaults to CPU utilization too.
    let v1 = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 4\n";
    let d = edit(DEPLOY, "              cpu: 250m\n", "");
    let r = check(&bundle(&[&d, SERVICE, PDB, v1]));
    assert_finding(
        one(&r, "hpa-metric-without-request"),
        Error,
        &["cpu utilization (80%)"],
    );
    // AverageValue targets need no request.
    let av = HPA.replace(
        "type: Utilization\n          averageUtilization: 70",
        "type: AverageValue\n          averageValue: 200m",
    );
    absent(
        &check(&bundle(&[&d, SERVICE, PDB, &av])),
        "hpa-metric-without-request",
    );
}

#[test]
fn hpa_missing() {
    let r = check(&sample("hpa-missing"));
    assert_finding(
        one(&r, "hpa-missing"),
        Info,
        &["Deployment 'web' has no HorizontalPodAutoscaler"],
    );
}

#[test]
fn hpa_target_missing() {
    let r = check(&sample("hpa-target-missing"));
    assert_finding(
        one(&r, "hpa-target-missing"),
        Warning,
        &["HPA 'web' targets Deployment 'web-v2'"],
    );
}

#[test]
fn hpa_duplicate_target() {
    let r = check(&sample("hpa-duplicate-target"));
    assert_finding(
        one(&r, "hpa-duplicate-target"),
        Error,
        &["2 HPAs ('web', 'web-2')"],
    );
}

// ---- image -----------------------------------------------------------------------------------

#[test]
fn image_tag_mutable() {
    let r = check(&sample("image-tag-mutable"));
    assert_finding(
        one(&r, "image-tag-mutable"),
        Error,
        &["container 'app' uses image 'registry.example.com/web:latest' with imagePullPolicy Always (the default"],
    );
    // No tag, on an init container, registry with port.
    let d = edit(
        DEPLOY,
        "      containers:\n",
        "      initContainers:\n        - name: migrate\n          image: registry:5000/migrate\n      containers:\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    let f = one(&r, "image-tag-mutable");
    assert_eq!(f.container.as_deref(), Some("migrate"));
    // A digest pins even 'latest'; floating tags warn.
    absent(
        &check(&with(DEPLOY, "web:1.2.3", "web:latest@sha256:0123")),
        "image-tag-mutable",
    );
    assert_eq!(
        one(
            &check(&with(DEPLOY, "web:1.2.3", "web:stable")),
            "image-tag-mutable"
        )
        .severity,
        Warning
    );
}

// ---- service ---------------------------------------------------------------------------------

#[test]
fn service_selector_matches_nothing() {
    let r = check(&sample("service-selector-matches-nothing"));
    assert_finding(
        one(&r, "service-selector-matches-nothing"),
        Warning,
        &["Service 'web' selector {app=api} matches no pod template"],
    );
}

#[test]
fn service_target_port_unknown() {
    let r = check(&sample("service-target-port-unknown"));
    assert_finding(
        one(&r, "service-target-port-unknown"),
        Error,
        &["Service 'web' targets port 'web'", "Deployment 'web'"],
    );
}

// ---- suppression -----------------------------------------------------------------------------

#[test]
fn suppression_without_reason() {
    let r = check(&sample("suppression-without-reason"));
    assert_finding(
        one(&r, "suppression-without-reason"),
        Warning,
        &["has no reason"],
    );
}

#[test]
fn suppression_unknown_rule() {
    let r = check(&sample("suppression-unknown-rule"));
    assert_finding(
        one(&r, "suppression-unknown-rule"),
        Warning,
        &["did you mean 'prestop-missing'?"],
    );
}

// ---- kinds and selectors ---------------------------------------------------------------------

#[test]
fn statefulset_with_headless_service_and_hpa() {
    let sts = r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  replicas: 3
  serviceName: db-peers
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db, tier: data}}
    spec:
      containers:
        - name: db
          image: db:16.2
          ports: [{name: pg, containerPort: 5432}]
          readinessProbe: {grpc: {port: 5432}, timeoutSeconds: 3}
          livenessProbe: {grpc: {port: 5432}, timeoutSeconds: 3}
          resources: {requests: {cpu: "1", memory: 1Gi}, limits: {memory: 2Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: db-peers, namespace: data}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  selector: {app: db}
  ports: [{port: 5432, targetPort: 5432}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: data}
spec:
  minAvailable: 3
  selector:
    matchExpressions:
      - {key: tier, operator: Exists}
"#;
    let r = check(sts);
    // Serving through 'db' (numeric targetPort) but not through the publishNotReadyAddresses
    // peer Service.
    let f = one(&r, "prestop-missing");
    assert!(
        f.message.contains("serves Service 'db' but"),
        "{}",
        f.message
    );
    assert_finding(
        one(&r, "liveness-same-as-readiness"),
        Warning,
        &["gRPC health on port 5432"],
    );
    assert_finding(
        one(&r, "pdb-allows-zero-disruptions"),
        Error,
        &["(minAvailable: 3) allows 0 disruptions for StatefulSet 'db' at 3 replicas"],
    );
    absent(&r, "pdb-missing");
    absent(&r, "hpa-missing"); // advisory only for Deployments
}

#[test]
fn pdb_counts_pods_of_all_selected_workloads() {
    // One PDB over two Deployments of 1 replica each: minAvailable 1 of 2 pods allows 1.
    let a = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a, team: t}}\n    spec: {containers: [{name: a, image: 'a:1.0.0'}]}\n";
    let b = a
        .replace("name: a}", "name: b}")
        .replace("app: a", "app: b");
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: team}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {team: t}}\n";
    let r = check(&bundle(&[a, &b, pdb]));
    absent(&r, "pdb-allows-zero-disruptions");
    let r = check(&bundle(&[a, pdb]));
    one(&r, "pdb-allows-zero-disruptions");
}
