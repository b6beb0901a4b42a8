//! Argo Rollouts: a `Rollout` is audited like a Deployment where the semantics match
//! (tests/fixtures/rollouts/, shaped like the examples of argoproj/argo-rollouts).

use zerodown::check::{check_sources, Source};

/// (severity, rule, kind/name, line) of every finding of one fixture.
fn findings(name: &str) -> Vec<(String, &'static str, String, usize)> {
    let path = format!(
        "{}/tests/fixtures/rollouts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let report = check_sources(&[Source::new(name, text)]);
    assert!(report.input_errors.is_empty(), "{:?}", report.input_errors);
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.severity.to_string(),
                f.rule,
                format!("{}/{}", f.kind, f.name),
                f.line,
            )
        })
        .collect()
}

fn f(
    sev: &str,
    rule: &'static str,
    obj: &str,
    line: usize,
) -> (String, &'static str, String, usize) {
    (sev.to_string(), rule, obj.to_string(), line)
}

#[test]
fn a_blue_green_rollout_gets_the_pod_rules_and_no_surge_arithmetic() {
    assert_eq!(
        findings("bluegreen.yaml"),
        vec![
            f("error", "prestop-missing", "Rollout/checkout", 21),
            f("error", "readiness-probe-missing", "Rollout/checkout", 21),
            f("warning", "pdb-missing", "Rollout/checkout", 4),
            f("warning", "liveness-probe-missing", "Rollout/checkout", 21),
            f("info", "anti-affinity-missing", "Rollout/checkout", 4),
            f("info", "hpa-missing", "Rollout/checkout", 4),
        ]
    );
}

#[test]
fn a_canary_that_can_neither_add_nor_remove_a_pod_and_replicas_beside_its_hpa() {
    let got = findings("canary-hpa.yaml");
    assert_eq!(
        got,
        vec![
            f(
                "error",
                "rolling-update-cannot-progress",
                "Rollout/search",
                49
            ),
            f("warning", "hpa-replicas-conflict", "Rollout/search", 10),
        ]
    );
    // The HPA names kind Rollout: found, so no hpa-target-missing and no hpa-missing.
}

#[test]
fn a_workload_ref_rollout_is_audited_with_the_deployments_pod_template() {
    let got = findings("workload-ref.yaml");
    let rollout: Vec<&'static str> = got
        .iter()
        .filter(|x| x.2 == "Rollout/ledger")
        .map(|x| x.1)
        .collect();
    assert_eq!(
        rollout,
        vec![
            "prestop-missing",
            "readiness-probe-missing",
            "liveness-probe-missing",
            "pdb-missing",
            "resources-missing",
            "anti-affinity-missing",
            "hpa-missing",
            "memory-limit-missing",
        ]
    );
}
