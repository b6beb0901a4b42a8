//! Rollout: how many pods, and how a new version replaces the old one without losing capacity
//! (Kubernetes docs, "Deployments", Rolling Update Deployment and Progress Deadline Seconds).

use crate::plan::{decide, Decision, IntOrPercent, Probes, Rollout};
use crate::spec::{Cost, Spec, Traffic};

/// Pods at rest (the HPA minimum): never fewer than 2, so a rollout, a node drain or a crash
/// always leaves one pod serving.
pub fn replicas(cost: Cost, traffic: Traffic) -> Decision<u32> {
    match (cost, traffic) {
        (Cost::Minimal, _) => decide(2, "2: the fewest pods that survive a node drain or a crash with one still serving"),
        (Cost::Balanced, Traffic::Low) => decide(2, "2: low traffic needs no more than the two pods that keep one serving during a drain"),
        (Cost::Balanced, _) => decide(3, "3: one pod can be drained or rolled while two carry the load, one per zone in a 3-zone cluster"),
        (Cost::Resilient, _) => decide(3, "3: one pod per zone, so losing a node or a zone still leaves two serving"),
    }
}

/// Rolling-update settings. `max_replicas` is the HPA ceiling; `hard_anti_affinity` caps the
/// surge at 1 so a rollout needs only one spare node.
pub fn rollout(
    spec: &Spec,
    replicas: Decision<u32>,
    probes: &Probes,
    max_replicas: u32,
    hard_anti_affinity: bool,
) -> Rollout {
    let max_surge = if hard_anti_affinity {
        decide(
            IntOrPercent::Int(1),
            "1: with one pod per node, each extra surge pod needs one more free node",
        )
    } else if max_replicas >= 10 {
        decide(
            IntOrPercent::Percent("25%".into()),
            "25% (rounds up, so at least 1): a scaled-out Deployment rolls in a few steps instead of one pod at a time",
        )
    } else {
        decide(IntOrPercent::Int(1), "1: a new pod starts before an old one stops, at the cost of one extra pod during a rollout")
    };
    let min_ready = (spec.startup_seconds.div_ceil(3)).clamp(5, 30);
    let min_ready_seconds = match super::route::min_ready_seconds(spec) {
        // A load balancer that health-checks each pod needs longer than the crash window.
        Some(lb) if lb.value > min_ready => lb,
        _ => decide(
            min_ready,
            format!("{min_ready}: a new pod must stay Ready this long before it counts as available, which catches pods that crash just after starting"),
        ),
    };
    let min_ready = min_ready_seconds.value;
    let budget = probes.startup.value.seconds_to_fail();
    let deadline = round_up(budget + min_ready + 60, 30).max(300);
    let progress_deadline_seconds = decide(
        deadline,
        format!(
            "{deadline}: above the startup budget ({budget}s) + minReadySeconds ({min_ready}s) + 60s, so a slow but healthy pod never marks the rollout failed, while a stuck one fails `kubectl rollout status` and `helm --wait` in minutes"
        ),
    );
    Rollout {
        replicas,
        max_surge,
        max_unavailable: decide(0, "0: capacity never drops during a rollout; old pods go only after new ones are available"),
        min_ready_seconds,
        progress_deadline_seconds,
        revision_history_limit: decide(10, "10: keeps old ReplicaSets so `kubectl rollout undo` can go back"),
    }
}

/// `n` rounded up to a multiple of `step`.
pub fn round_up(n: u32, step: u32) -> u32 {
    n.div_ceil(step) * step
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::probes::probes;
    use crate::test_support::spec_for;

    #[test]
    fn replicas_are_at_least_two_and_grow_with_cost() {
        assert_eq!(replicas(Cost::Minimal, Traffic::Spiky).value, 2);
        assert_eq!(replicas(Cost::Balanced, Traffic::Low).value, 2);
        assert_eq!(replicas(Cost::Balanced, Traffic::Steady).value, 3);
        assert_eq!(replicas(Cost::Resilient, Traffic::Low).value, 3);
    }

    #[test]
    fn spring_boot_rollout_values() {
        let spec = spec_for("spring-boot");
        let p = probes(&spec);
        let r = rollout(&spec, replicas(spec.cost, spec.traffic), &p, 9, false);
        assert_eq!(r.max_surge.value, IntOrPercent::Int(1));
        assert_eq!(r.max_unavailable.value, 0);
        // typical 30 s -> 10 s minReady
        assert_eq!(r.min_ready_seconds.value, 10);
        // startup budget: 30 s delay + 36 x 5 s? no: worst 120 -> period 10, 12 x 10 = 120, +30 delay = 150
        assert_eq!(p.startup.value.seconds_to_fail(), 150);
        // 150 + 10 + 60 = 220 -> 240, at least 300
        assert_eq!(r.progress_deadline_seconds.value, 300);
    }

    #[test]
    fn progress_deadline_covers_a_very_slow_start() {
        let mut spec = spec_for("spring-boot");
        spec.startup_seconds = 300;
        spec.max_startup_seconds = 900;
        let p = probes(&spec);
        let r = rollout(&spec, replicas(spec.cost, spec.traffic), &p, 6, false);
        let budget = p.startup.value.seconds_to_fail();
        assert_eq!(budget, 300 + 90 * 10);
        assert_eq!(r.min_ready_seconds.value, 30);
        assert_eq!(
            r.progress_deadline_seconds.value,
            round_up(1200 + 30 + 60, 30)
        );
        assert!(
            r.progress_deadline_seconds.value
                > spec.max_startup_seconds + r.min_ready_seconds.value
        );
    }

    #[test]
    fn surge_is_a_percentage_only_for_large_soft_spread_deployments() {
        let spec = spec_for("go");
        let p = probes(&spec);
        let big = rollout(&spec, replicas(spec.cost, spec.traffic), &p, 15, false);
        assert_eq!(big.max_surge.value, IntOrPercent::Percent("25%".into()));
        let hard = rollout(&spec, replicas(spec.cost, spec.traffic), &p, 15, true);
        assert_eq!(hard.max_surge.value, IntOrPercent::Int(1));
    }
}
