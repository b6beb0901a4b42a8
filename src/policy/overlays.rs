//! Kustomize overlays: the usual per-environment differences as patches over the tuned base
//! (Kubernetes docs, "Declarative Management of Kubernetes Objects Using Kustomize", bases and
//! overlays). `production` keeps the tuned values; any other overlay is a smaller copy that keeps
//! the same rollout and disruption behaviour.

use serde::Serialize;

use crate::plan::Hpa;
use crate::spec::Spec;

/// Overlay names that mean "the real thing": they keep the tuned values and the namespace.
pub const PRODUCTION_NAMES: [&str; 2] = ["production", "prod"];

/// One overlay's values. CPU in millicores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlay {
    /// Folder name under `overlays/`.
    pub name: String,
    /// Namespace every object moves to.
    pub namespace: String,
    /// HPA `minReplicas` (never below 2: the PDB must allow one disruption and a rollout one surge).
    pub min_replicas: u32,
    /// HPA `maxReplicas`.
    pub max_replicas: u32,
    /// CPU request of the app container, e.g. `250m`.
    pub cpu_request: String,
    /// Why these values.
    pub reason: String,
}

/// The namespace of a non-production overlay: `<namespace>-<overlay>`.
pub fn overlay_namespace(namespace: &str, overlay: &str) -> String {
    if PRODUCTION_NAMES.contains(&overlay) {
        namespace.to_string()
    } else {
        format!("{namespace}-{overlay}")
    }
}

/// The overlays a spec asks for.
pub fn overlays(spec: &Spec, hpa: &Hpa) -> Vec<Overlay> {
    spec.overlays
        .iter()
        .map(|name| {
            let cpu = spec.resources.cpu_request_millicores;
            if PRODUCTION_NAMES.contains(&name.as_str()) {
                Overlay {
                    name: name.clone(),
                    namespace: spec.namespace.clone(),
                    min_replicas: hpa.min_replicas.value,
                    max_replicas: hpa.max_replicas.value,
                    cpu_request: format!("{cpu}m"),
                    reason: "production runs the tuned values of the base unchanged".into(),
                }
            } else {
                let max = hpa.max_replicas.value.div_ceil(2).max(3);
                let small_cpu = (cpu / 2).max(50).min(cpu);
                Overlay {
                    name: name.clone(),
                    namespace: overlay_namespace(&spec.namespace, name),
                    min_replicas: 2,
                    max_replicas: max,
                    cpu_request: format!("{small_cpu}m"),
                    reason: format!(
                        "a smaller copy: 2 to {max} pods and half the CPU reservation (so it also scales out at half the load), but the same probes, rollout, preStop and PDB, so a rollout here goes through the same steps as in production"
                    ),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::autoscaling::hpa;
    use crate::spec::{Cost, Traffic};
    use crate::test_support::spec_for;

    #[test]
    fn staging_is_smaller_and_production_is_the_base() {
        let mut spec = spec_for("spring-boot");
        spec.overlays = vec!["staging".into(), "production".into()];
        let h = hpa(Traffic::Spiky, Cost::Balanced, 3);
        let o = overlays(&spec, &h);
        assert_eq!(
            (
                o[0].namespace.as_str(),
                o[0].min_replicas,
                o[0].max_replicas,
                o[0].cpu_request.as_str()
            ),
            ("app-staging", 2, 8, "250m")
        );
        assert_eq!(
            (
                o[1].namespace.as_str(),
                o[1].min_replicas,
                o[1].max_replicas,
                o[1].cpu_request.as_str()
            ),
            ("app", 3, 15, "500m")
        );
        spec.resources.cpu_request_millicores = 60;
        assert_eq!(overlays(&spec, &h)[0].cpu_request, "50m");
    }
}
