//! Spread: pods on different nodes and zones, so one node drain or zone outage never takes every
//! replica (Kubernetes docs, "Assigning Pods to Nodes", Inter-pod affinity and anti-affinity;
//! "Pod Topology Spread Constraints").

use crate::plan::{decide, Spread};
use crate::spec::Cost;

/// Soft spreading for `minimal` and `balanced`; one pod per node (required anti-affinity) for
/// `resilient`, which needs `max_replicas + 1` schedulable nodes for a rollout to surge.
pub fn spread(cost: Cost, max_replicas: u32) -> Spread {
    let hard = match cost {
        Cost::Resilient => decide(
            true,
            format!(
                "required: never two pods on one node; needs at least {} schedulable nodes (maxReplicas {max_replicas} + maxSurge 1), or pods stay Pending",
                max_replicas + 1
            ),
        ),
        _ => decide(false, "preferred: spread over nodes when possible, but never leave a pod Pending or block a rollout for it"),
    };
    Spread {
        hard_anti_affinity: hard,
        zone_when_unsatisfiable: decide(
            "ScheduleAnyway".into(),
            "spread over zones (maxSkew 1, per ReplicaSet via pod-template-hash) without blocking scheduling in a single-zone cluster",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_only_for_resilient() {
        assert!(spread(Cost::Resilient, 9).hard_anti_affinity.value);
        assert!(spread(Cost::Resilient, 9)
            .hard_anti_affinity
            .reason
            .contains("at least 10 schedulable nodes"));
        assert!(!spread(Cost::Balanced, 9).hard_anti_affinity.value);
        assert!(!spread(Cost::Minimal, 9).hard_anti_affinity.value);
        assert_eq!(
            spread(Cost::Minimal, 4).zone_when_unsatisfiable.value,
            "ScheduleAnyway"
        );
    }
}
