//! The exact shapes the generator emits must audit clean: a web bundle (Deployment without
//! spec.replicas + HPA, Service, PDB) and a worker bundle (no Service, exec probes, no ports).

mod common;
use common::{human, no_warnings};
use zerodown::check::{check_sources, Severity, Source};

fn fixture(name: &str) -> Source {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Source::new(name, std::fs::read_to_string(&path).unwrap())
}

#[test]
fn clean_bundle_has_no_warnings_or_errors() {
    let r = check_sources(&[fixture("clean-bundle.yaml")]);
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    no_warnings(&r);
    assert!(
        r.findings.is_empty(),
        "not even info expected:\n{}",
        human(&r)
    );
    assert_eq!(r.exit_code(Severity::Info), 0);
}

#[test]
fn worker_bundle_has_no_warnings_or_errors() {
    let r = check_sources(&[fixture("worker-bundle.yaml")]);
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    no_warnings(&r);
    // A worker is not Service-backed: no preStop or readiness requirement.
    assert!(!r.findings.iter().any(|f| f.rule == "prestop-missing"));
}

#[test]
fn worker_grace_period_still_matters() {
    let text = fixture("worker-bundle.yaml").text.replace(
        "terminationGracePeriodSeconds: 120",
        "terminationGracePeriodSeconds: 5",
    );
    let r = check_sources(&[Source::new("w.yaml", text)]);
    let f = r
        .active()
        .find(|f| f.rule == "prestop-exceeds-grace-period")
        .unwrap_or_else(|| panic!("{}", human(&r)));
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message
            .contains("sleeps 5s but terminationGracePeriodSeconds is 5"),
        "{}",
        f.message
    );
}
