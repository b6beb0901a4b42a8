//! Disruption: a PodDisruptionBudget that lets node drains proceed one pod at a time and never
//! blocks them (Kubernetes docs, "Specifying a Disruption Budget for your Application";
//! `unhealthyPodEvictionPolicy` GA in 1.31, KEP-3017).

use crate::plan::{decide, Pdb};

/// `maxUnavailable: 1` (allows a disruption at any replica count, unlike `minAvailable` equal
/// to the replicas) and `AlwaysAllow` for pods that are not Ready.
pub fn pdb() -> Pdb {
    Pdb {
        max_unavailable: decide(1, "1: drains evict one pod at a time and always can (a budget that allows zero disruptions blocks node upgrades)"),
        unhealthy_pod_eviction_policy: decide(
            "AlwaysAllow".into(),
            "AlwaysAllow: pods that are not Ready (crash-looping, stuck) never hold up a drain",
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_disruption_always_allowed() {
        let p = super::pdb();
        assert_eq!(p.max_unavailable.value, 1);
        assert_eq!(p.unhealthy_pod_eviction_policy.value, "AlwaysAllow");
    }
}
