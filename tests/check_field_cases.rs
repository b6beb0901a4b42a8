//! Every field case (copied from the shared field-case set into tests/fixtures/field-cases): each
//! faulty `FC-NN.yaml` produces its named rule with its severity, and each `FC-NN.fixed.yaml`
//! produces nothing at warning or error level.

mod common;
use common::{human, no_warnings};
use std::path::PathBuf;
use zerodown::check::{check_sources, Severity, Source};

/// (case, rule, severity, message fragments from the field-case README)
const CASES: &[(&str, &str, Severity, &[&str])] = &[
    ("FC-01", "prestop-missing", Severity::Error, &["container 'app' of Deployment 'app' serves Service 'app' but has no preStop delay; it stops listening before load balancers and kube-proxy drop it, so requests fail on every rollout and drain unless the app drains itself"]),
    ("FC-02", "prestop-exceeds-grace-period", Severity::Error, &["preStop of container 'app' sleeps 300s but terminationGracePeriodSeconds is 30 (default); the kubelet kills the container mid-hook and the app gets no time to drain"]),
    ("FC-04", "pdb-allows-zero-disruptions", Severity::Error, &["PodDisruptionBudget 'app' (minAvailable: 1) allows 0 disruptions for Deployment 'app' at 1 replica; kubectl drain, node upgrades and autoscaler scale-down will block indefinitely"]),
    ("FC-05", "pdb-selector-matches-nothing", Severity::Error, &["PodDisruptionBudget 'app' selector {app.kubernetes.io/component=app, app.kubernetes.io/instance=app, app.kubernetes.io/name=app} matches no pod template in the audited manifests; it protects nothing during drains"]),
    ("FC-06", "hpa-replicas-conflict", Severity::Error, &["Deployment 'app' sets spec.replicas: 1 but HPA 'app' manages its scale (minReplicas 5); each apply or upgrade resets it to 1 and terminates pods; remove spec.replicas"]),
    ("FC-08", "startup-probe-missing", Severity::Error, &["container 'app' looks like a JVM with a 200m CPU limit; liveness can kill it 80s after start and there is no startupProbe, so a slow boot ends in CrashLoopBackOff"]),
    ("FC-09", "probe-timeout-under-cpu-throttling", Severity::Warning, &["liveness probe of container 'app' uses the 1s default timeout while CPU is limited to 1000m with a 100m request; throttling can exceed 1s and restart a healthy pod; set timeoutSeconds >= 3 and raise the request"]),
    ("FC-11", "liveness-same-as-readiness", Severity::Warning, &["liveness and readiness probes of container 'app' are identical (GET /healthz on port http, period 5s, failureThreshold 5); an overloaded pod is restarted the moment it leaves the Service; give liveness its own endpoint or a longer budget"]),
    ("FC-12", "readiness-probe-missing", Severity::Error, &["Deployment 'app' backs Service 'app' but container 'app' has no readinessProbe; pods get traffic before they listen and rollouts return 502s"]),
    ("FC-13", "required-anti-affinity-blocks-rollout", Severity::Warning, &["Deployment 'app' requires one pod per node and its rollout needs 4 schedulable nodes (3 replicas + 1 surge, maxUnavailable resolves to 0); with 3 or fewer nodes the rollout hangs Pending"]),
    ("FC-15", "rolling-update-cannot-progress", Severity::Error, &["Deployment 'app' sets maxSurge: 0 and maxUnavailable: 0; the API server rejects it because a rollout could neither add nor remove a pod; allow maxSurge: 1 (and move one-at-a-time work such as migrations to a Job)"]),
    ("FC-16", "shell-pid1-drops-sigterm", Severity::Warning, &["container 'app' runs '/bin/sh /app/start.sh' as PID 1; a shell without a SIGTERM trap ignores the signal, so the app is SIGKILLed after the grace period; use the exec form or end the script with 'exec'"]),
    ("FC-18", "nginx-fast-shutdown", Severity::Warning, &["container 'app' runs nginx, which treats SIGTERM as a fast shutdown and drops open connections; add a preStop that runs 'nginx -s quit' and waits, or use an image with STOPSIGNAL SIGQUIT"]),
    ("FC-19", "image-tag-mutable", Severity::Error, &["container 'app' uses image 'registry.example.com/app:latest' with imagePullPolicy IfNotPresent; nodes keep different 'latest' builds and releases cannot be rolled out or rolled back; pin a version tag or digest"]),
];

/// "Also expected" rules of the README that must be present too.
const ALSO: &[(&str, &str, Severity)] = &[
    ("FC-12", "prestop-missing", Severity::Error),
    ("FC-18", "prestop-missing", Severity::Error),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/field-cases")
}

fn load(name: &str) -> Source {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Source::new(format!("field-cases/{name}"), text)
}

#[test]
fn every_fixture_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2 * CASES.len(), "{names:?}");
    for (case, ..) in CASES {
        assert!(names.contains(&format!("{case}.yaml")), "{case}");
        assert!(names.contains(&format!("{case}.fixed.yaml")), "{case}");
    }
}

#[test]
fn faulty_cases_produce_their_rule() {
    for (case, rule, severity, parts) in CASES {
        let r = check_sources(&[load(&format!("{case}.yaml"))]);
        assert!(r.input_errors.is_empty(), "{case}: {:?}", r.input_errors);
        let f = r
            .active()
            .find(|f| f.rule == *rule)
            .unwrap_or_else(|| panic!("{case}: expected {rule}\n{}", human(&r)));
        assert_eq!(f.severity, *severity, "{case}: {}", f.message);
        for p in *parts {
            assert_eq!(&f.message, p, "{case}");
        }
        assert!(
            f.line >= f.object_line,
            "{case}: line {} < object {}",
            f.line,
            f.object_line
        );
        assert_eq!(r.exit_code(Severity::Warning), 1, "{case}");
    }
    for (case, rule, severity) in ALSO {
        let r = check_sources(&[load(&format!("{case}.yaml"))]);
        assert!(
            r.active()
                .any(|f| f.rule == *rule && f.severity == *severity),
            "{case}: {rule}"
        );
    }
}

#[test]
fn fixed_cases_are_clean() {
    for (case, ..) in CASES {
        let r = check_sources(&[load(&format!("{case}.fixed.yaml"))]);
        assert!(r.input_errors.is_empty(), "{case}: {:?}", r.input_errors);
        no_warnings(&r);
        assert_eq!(r.exit_code(Severity::Warning), 0, "{case}");
    }
}

#[test]
fn all_cases_checked_as_one_set() {
    // 28 files in one run (the faulty cases share namespace and labels, so cross-object results
    // legitimately change): no panic, and the single-object rules still fire.
    let sources: Vec<Source> = CASES
        .iter()
        .flat_map(|(c, ..)| [load(&format!("{c}.yaml")), load(&format!("{c}.fixed.yaml"))])
        .collect();
    let r = check_sources(&sources);
    assert_eq!(r.files, 28);
    for rule in [
        "prestop-exceeds-grace-period",
        "startup-probe-missing",
        "probe-timeout-under-cpu-throttling",
        "liveness-same-as-readiness",
        "rolling-update-cannot-progress",
        "shell-pid1-drops-sigterm",
        "nginx-fast-shutdown",
        "image-tag-mutable",
    ] {
        assert!(r.active().any(|f| f.rule == rule), "{rule}");
    }
}
