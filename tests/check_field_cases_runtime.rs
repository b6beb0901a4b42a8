//! The runtime field cases of issue 13 (`tests/fixtures/field-cases-new/SC-NN*.yaml`, sources in
//! its README-runtime.md): each faulty `SC-NN.yaml` produces its named rule with its severity and
//! exact message, each `SC-NN.fixed.yaml` has nothing at warning or error, and the fixed files pass
//! `kubernetes-validate --strict` (skipped with a note when the tool is not installed).

mod common;
use common::{
    human, kubernetes_validate_or_skip, new_field_case, new_field_cases_dir, no_warnings,
};
use std::path::{Path, PathBuf};
use zerodown::check::{check_sources, Severity};

/// (case, rule, severity, exact message)
const CASES: &[(&str, &str, Severity, &str)] = &[
    ("SC-01", "sidecar-stops-before-app", Severity::Warning, "sidecar 'cloud-sql-proxy' (the Cloud SQL Auth Proxy) of Deployment 'orders' stops 0s after SIGTERM (no preStop, no -term_timeout / --max-sigterm-delay), but container 'app' keeps serving for 20s (preStop sleep) and needs it until it has drained; requests in that window fail; run the sidecar as a native sidecar (initContainers with restartPolicy: Always), which stops after the app, or keep it up for at least 20s"),
    ("SC-02", "sidecar-stops-before-app", Severity::Warning, "sidecar 'istio-proxy' (Envoy) of Deployment 'checkout' stops 5s after SIGTERM (terminationDrainDuration default 5s), but container 'app' keeps serving for 15s (preStop sleep) and needs it until it has drained; requests in that window fail; run the sidecar as a native sidecar (initContainers with restartPolicy: Always), which stops after the app, or keep it up for at least 15s"),
    ("SC-03", "package-manager-pid1", Severity::Warning, "container 'app' runs 'npm start' as its main process; npm passes SIGTERM only to the shell that runs the script and exits as soon as that shell does, so the container stops before the app finishes its graceful shutdown and in-flight requests are cut; run the app directly (command: [\"node\", \"server.js\"])"),
    ("SC-04", "package-manager-pid1", Severity::Warning, "container 'app' runs 'yarn start' as its main process; yarn passes SIGTERM on but exits at once without waiting for the script, so the container stops before the app finishes its graceful shutdown and in-flight requests are cut; run the app directly (command: [\"node\", \"server.js\"])"),
    ("SC-05", "jvm-heap-exceeds-memory-limit", Severity::Warning, "container 'app' lets the JVM heap grow to 1600 MiB (-XX:MaxRAMPercentage=80 in JAVA_TOOL_OPTIONS, of the 2000 MiB limit), leaving 400 MiB of its 2000 MiB limit for metaspace, code cache, thread stacks and direct buffers, which need about 500 MiB; the pod is OOM-killed under load before the GC reacts; keep the heap at most 1500 MiB"),
    ("SC-06", "jvm-heap-exceeds-memory-limit", Severity::Error, "container 'app' lets the JVM heap grow to 512 MiB (-Xmx512m in JAVA_OPTS) but its memory limit is 512 MiB; the heap alone fills the limit and metaspace, threads and buffers come on top, so the pod is OOM-killed (exit 137) under load; keep the heap at most 384 MiB"),
    ("SC-07", "keda-scale-to-zero-serving", Severity::Warning, "ScaledObject 'myapp' lets Deployment 'myapp', which serves Service 'myapp', scale to 0 replicas (idleReplicaCount 0); at zero the Service has no endpoints, so requests fail until a trigger fires and a pod is ready, and a trigger fed by the pods' own metrics never fires; set minReplicaCount: 1 or more (or front it with the KEDA HTTP add-on)"),
    ("SC-08", "hpa-replicas-conflict", Severity::Error, "Deployment 'consumer' sets spec.replicas: 1 but ScaledObject 'consumer' manages its scale (minReplicaCount 2); each apply or upgrade resets it to 1 and terminates pods; remove spec.replicas"),
    ("SC-09", "vpa-conflicts-with-hpa", Severity::Warning, "VerticalPodAutoscaler 'search' (updateMode Auto) rewrites the cpu requests of Deployment 'search' while HPA 'search' scales it on cpu utilization (70% of the request); each request change moves the HPA's measure, so the two fight (pods evicted and resized while the HPA adds or removes replicas); scale the HPA on another metric or an AverageValue target, or keep cpu out of the VPA's controlledResources"),
    ("SC-10", "hpa-duplicate-target", Severity::Error, "Deployment 'dbpool' is targeted by 2 autoscalers (ScaledObject 'dbpool-down', ScaledObject 'dbpool-up'); they fight over its scale and the controller stops scaling (AmbiguousSelector; KEDA makes an HPA for a ScaledObject and refuses one whose target already has an HPA)"),
    (
        "SC-11",
        "grace-period-below-shutdown-budget",
        Severity::Warning,
        "container 'app' of Deployment 'catalog' may need 40s to stop (preStop sleep 10s + SERVER_SHUTDOWN=graceful with the 30s default timeout-per-shutdown-phase) but terminationGracePeriodSeconds is 30 (default); the kubelet SIGKILLs it mid-drain and open requests are cut; set terminationGracePeriodSeconds to at least 45",
    ),
];

#[test]
fn every_runtime_fixture_is_covered_and_documented() {
    let mut names: Vec<String> = std::fs::read_dir(new_field_cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("SC-"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 2 * CASES.len(), "{names:?}");
    let readme = std::fs::read_to_string(new_field_cases_dir().join("README-runtime.md")).unwrap();
    for (case, rule, severity, _) in CASES {
        assert!(names.contains(&format!("{case}.yaml")), "{case}");
        assert!(names.contains(&format!("{case}.fixed.yaml")), "{case}");
        let section = readme
            .split("\n## ")
            .find(|s| s.starts_with(&format!("{case}:")))
            .unwrap_or_else(|| panic!("README-runtime.md has no section for {case}"));
        assert!(section.contains("- Source: https://github.com/"), "{case}");
        assert!(
            section.contains(&format!("`{rule}`, {severity}")),
            "{case}: README names another rule or severity"
        );
    }
}

#[test]
fn faulty_runtime_cases_produce_their_rule() {
    for (case, rule, severity, message) in CASES {
        let r = check_sources(&[new_field_case(&format!("{case}.yaml"))]);
        assert!(r.input_errors.is_empty(), "{case}: {:?}", r.input_errors);
        let f = r
            .active()
            .find(|f| f.rule == *rule)
            .unwrap_or_else(|| panic!("{case}: expected {rule}\n{}", human(&r)));
        assert_eq!(f.severity, *severity, "{case}: {}", f.message);
        assert_eq!(&f.message, message, "{case}");
        assert!(
            f.line >= f.object_line,
            "{case}: line {} before the object",
            f.line
        );
        assert_eq!(r.exit_code(Severity::Warning), 1, "{case}");
    }
}

#[test]
fn fixed_runtime_cases_are_clean() {
    for (case, ..) in CASES {
        let r = check_sources(&[new_field_case(&format!("{case}.fixed.yaml"))]);
        assert!(r.input_errors.is_empty(), "{case}: {:?}", r.input_errors);
        no_warnings(&r);
        assert_eq!(r.exit_code(Severity::Warning), 0, "{case}");
    }
}

#[test]
fn fixed_runtime_cases_pass_the_strict_schema() {
    let Some(tool) = kubernetes_validate_or_skip() else {
        return;
    };
    let files: Vec<PathBuf> = CASES
        .iter()
        .map(|(case, ..)| new_field_cases_dir().join(format!("{case}.fixed.yaml")))
        .collect();
    let out = std::process::Command::new(&tool)
        .args(["--strict", "-k", "1.37.0"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    // Every built-in object was validated (custom resources are skipped with a warning).
    for (case, ..) in CASES {
        let name = format!("{case}.fixed.yaml");
        let text_of_case: Vec<&str> = text.lines().filter(|l| l.contains(&name)).collect();
        assert!(
            text_of_case
                .iter()
                .any(|l| l.contains("passed for resource deployment/")),
            "{case}: {text}"
        );
        for l in text_of_case {
            assert!(
                l.contains(" passed ") || l.contains("Couldn't find schema for kind"),
                "{case}: {l}"
            );
        }
    }
    assert!(Path::new(&tool).is_file());
}
