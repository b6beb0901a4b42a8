//! The zero-downtime invariants, checked on the typed Kubernetes objects of every bundle in a grid
//! of specs: every preset x traffic x cost x exposure x target version x startup times. The
//! invariants themselves live in `tests/support/invariants.rs` (shared with `tests/properties.rs`,
//! which draws random specs instead of a grid).

mod support;

use support::invariants::{assert_bundle, assert_check_clean};
use zerodown::policy;
use zerodown::preset::Preset;
use zerodown::render;
use zerodown::spec::{Answers, Cost, Exposure, Spec, Traffic, SUPPORTED_KUBE_VERSIONS};

fn spec(
    preset: &Preset,
    traffic: Traffic,
    cost: Cost,
    exposure: Exposure,
    kube: &str,
    startup: (u32, u32),
) -> Spec {
    Answers {
        name: Some("svc".into()),
        namespace: Some("team".into()),
        image: Some("registry.example.com/team/svc:2.3.4".into()),
        traffic: Some(traffic),
        cost: Some(cost),
        exposure: Some(exposure),
        kube_version: Some(kube.into()),
        startup_seconds: Some(startup.0),
        max_startup_seconds: Some(startup.1),
        ..Answers::default()
    }
    .resolve(preset, &mut vec![])
    .unwrap()
}

#[test]
fn every_bundle_in_the_grid_keeps_the_invariants() {
    let mut checked = 0;
    for preset in Preset::all_builtin() {
        for traffic in [Traffic::Steady, Traffic::Spiky, Traffic::Low] {
            for cost in [Cost::Minimal, Cost::Balanced, Cost::Resilient] {
                for exposure in [
                    Exposure::Internal,
                    Exposure::Ingress,
                    Exposure::LoadBalancer,
                ] {
                    for kube in SUPPORTED_KUBE_VERSIONS {
                        for startup in [(1, 1), (45, 120), (300, 900)] {
                            let s = spec(&preset, traffic, cost, exposure, kube, startup);
                            let plan = policy::plan(&s, &preset);
                            let files = render::manifests(&plan).unwrap();
                            assert_bundle(&s, &plan, &files);
                            assert_check_clean(&s, &files);
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 9 * 3 * 3 * 3 * 5 * 3);
}
