//! Autoscaling: an autoscaling/v2 HPA whose minimum is the replica count and whose range,
//! target and speed follow the traffic profile (Kubernetes docs, "Horizontal Pod Autoscaling",
//! Configurable scaling behavior).

use crate::plan::{decide, Hpa, ScalingPolicy, ScalingRules};
use crate::spec::{Cost, Traffic};

fn policy(kind: &str, value: u32, period_seconds: u32) -> ScalingPolicy {
    ScalingPolicy {
        kind: kind.into(),
        value,
        period_seconds,
    }
}

/// The HPA for a traffic profile and replica count.
pub fn hpa(traffic: Traffic, cost: Cost, replicas: u32) -> Hpa {
    let factor = match (traffic, cost) {
        (Traffic::Low, _) => 2,
        (Traffic::Steady, _) => 3,
        (Traffic::Spiky, Cost::Minimal) => 4,
        (Traffic::Spiky, _) => 5,
    };
    let max = replicas * factor;
    let max_reason = format!(
        "{max}: {factor} x the minimum, room for {} traffic",
        match traffic {
            Traffic::Low => "occasional peaks of low",
            Traffic::Steady => "the daily peak of steady",
            Traffic::Spiky => "bursts of spiky",
        }
    );
    let (target, target_reason) = match traffic {
        Traffic::Spiky => (
            60,
            "60%: headroom absorbs a burst during the 15-60 s it takes new pods to start",
        ),
        Traffic::Steady => (
            70,
            "70%: enough headroom for gradual growth while new pods start",
        ),
        Traffic::Low => (
            75,
            "75%: little traffic, so fewer idle cores; the 2-pod floor carries availability",
        ),
    };
    let scale_up = match traffic {
        Traffic::Spiky => decide(
            ScalingRules {
                stabilization_window_seconds: 0,
                select_policy: "Max".into(),
                policies: vec![policy("Percent", 100, 15), policy("Pods", 4, 15)],
            },
            "fast: react at once, double or add 4 pods every 15s, whichever is more",
        ),
        Traffic::Steady => decide(
            ScalingRules {
                stabilization_window_seconds: 0,
                select_policy: "Max".into(),
                policies: vec![policy("Percent", 50, 30), policy("Pods", 2, 30)],
            },
            "moderate: react at once, add 50% or 2 pods every 30s, whichever is more",
        ),
        Traffic::Low => decide(
            ScalingRules {
                stabilization_window_seconds: 30,
                select_policy: "Max".into(),
                policies: vec![policy("Pods", 1, 60)],
            },
            "gentle: after 30s of high load add one pod a minute",
        ),
    };
    let down_window = if traffic == Traffic::Spiky { 600 } else { 300 };
    let scale_down = decide(
        ScalingRules {
            stabilization_window_seconds: down_window,
            select_policy: "Min".into(),
            policies: vec![policy("Percent", 10, 60), policy("Pods", 1, 60)],
        },
        format!("slow: only after {down_window}s of lower load, then at most 10% or one pod a minute (the smaller), so a dip between bursts does not remove capacity"),
    );
    Hpa {
        min_replicas: decide(replicas, format!("{replicas}: the replica count; the HPA owns spec.replicas, so the Deployment omits it")),
        max_replicas: decide(max, max_reason),
        cpu_average_utilization: decide(target, target_reason),
        scale_up,
        scale_down,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_targets() {
        let h = hpa(Traffic::Spiky, Cost::Balanced, 3);
        assert_eq!(
            (
                h.min_replicas.value,
                h.max_replicas.value,
                h.cpu_average_utilization.value
            ),
            (3, 15, 60)
        );
        assert_eq!(h.scale_up.value.stabilization_window_seconds, 0);
        assert_eq!(h.scale_up.value.policies[0].period_seconds, 15);
        assert_eq!(h.scale_down.value.stabilization_window_seconds, 600);
        let h = hpa(Traffic::Low, Cost::Minimal, 2);
        assert_eq!(
            (
                h.min_replicas.value,
                h.max_replicas.value,
                h.cpu_average_utilization.value
            ),
            (2, 4, 75)
        );
        assert!(h.scale_down.value.stabilization_window_seconds >= 300);
        let h = hpa(Traffic::Steady, Cost::Minimal, 2);
        assert_eq!(h.max_replicas.value, 6);
    }
}
