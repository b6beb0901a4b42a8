//! KEDA scaling: a ScaledObject (keda.sh/v1alpha1) that scales a worker on its backlog, in place
//! of the CPU HPA (KEDA docs, "Scaling Deployments, StatefulSets & Custom Resources", ScaledObject
//! spec). KEDA creates and owns an HPA for the Deployment itself, so the bundle has no HPA of
//! its own and the Deployment no `spec.replicas`; the PodDisruptionBudget stays.

use serde::Serialize;

use crate::keda::Trigger;
use crate::plan::{decide, Decision, Hpa, ScalingRules};
use crate::spec::Spec;

/// KEDA's own default `pollingInterval`, seconds.
pub const DEFAULT_POLLING_INTERVAL_SECONDS: u32 = 30;
/// KEDA's own default `cooldownPeriod`, seconds.
pub const DEFAULT_COOLDOWN_PERIOD_SECONDS: u32 = 300;

/// The ScaledObject's tuned values, each with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaledObject {
    /// `minReplicaCount`: the replica count, never 0.
    pub min_replica_count: Decision<u32>,
    /// `maxReplicaCount`.
    pub max_replica_count: Decision<u32>,
    /// `pollingInterval`, seconds.
    pub polling_interval: Decision<u32>,
    /// `cooldownPeriod`, seconds.
    pub cooldown_period: Decision<u32>,
    /// `advanced.horizontalPodAutoscalerConfig.behavior.scaleUp` (the HPA policy's).
    pub scale_up: Decision<ScalingRules>,
    /// `advanced.horizontalPodAutoscalerConfig.behavior.scaleDown` (the HPA policy's).
    pub scale_down: Decision<ScalingRules>,
    /// The triggers as the spec gives them.
    pub triggers: Decision<Vec<Trigger>>,
}

/// The ScaledObject for a spec with `scaling.keda`, or `None` (the HPA then scales on CPU).
/// `hpa` is the CPU policy for the same spec: its minimum, its maximum (unless the spec caps
/// it) and its scale-up and scale-down behaviour carry over.
pub fn scaled_object(spec: &Spec, hpa: &Hpa) -> Option<ScaledObject> {
    let keda = &spec.scaling.as_ref()?.keda;
    let min = hpa.min_replicas.value;
    let (max, max_reason) = match keda.max_replica_count {
        Some(m) => (
            m,
            format!("{m}: the spec's maximum (for Kafka, more consumers than partitions sit idle)"),
        ),
        None => (
            hpa.max_replicas.value,
            format!(
                "{}; for Kafka, KEDA stops at the partition count anyway",
                hpa.max_replicas.reason
            ),
        ),
    };
    let polling = keda
        .polling_interval
        .unwrap_or(DEFAULT_POLLING_INTERVAL_SECONDS);
    let cooldown = keda
        .cooldown_period
        .unwrap_or(DEFAULT_COOLDOWN_PERIOD_SECONDS);
    let types: Vec<String> = keda
        .triggers
        .iter()
        .map(|t| crate::spec::enum_name(&t.kind))
        .collect();
    Some(ScaledObject {
        min_replica_count: decide(
            min,
            format!("{min}: the replica count, never 0: at 0 the first message waits a polling interval plus a cold start, and the PodDisruptionBudget and rolling update need 2 pods to keep one consuming"),
        ),
        max_replica_count: decide(max, max_reason),
        polling_interval: decide(
            polling,
            format!("{polling}s between checks of the backlog (KEDA's default 30s unless the spec says otherwise)"),
        ),
        cooldown_period: decide(
            cooldown,
            format!("{cooldown}s: KEDA waits this long only before scaling to 0, which minReplicaCount {min} never allows; scale-down speed comes from the behavior below"),
        ),
        scale_up: decide(hpa.scale_up.value.clone(), hpa.scale_up.reason.clone()),
        scale_down: decide(hpa.scale_down.value.clone(), hpa.scale_down.reason.clone()),
        triggers: decide(
            keda.triggers.clone(),
            format!("scale on the backlog ({}), not CPU: a consumer waiting on its broker uses little CPU while the queue grows", types.join(", ")),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keda::{Keda, Scaling, TriggerType};
    use crate::policy::autoscaling::hpa;
    use crate::test_support::spec_for;

    #[test]
    fn the_scaled_object_keeps_the_hpa_floor_range_and_caution() {
        let mut spec = spec_for("worker");
        let h = hpa(spec.traffic, spec.cost, 3);
        assert_eq!(scaled_object(&spec, &h), None);
        spec.scaling = Some(Scaling {
            keda: Keda {
                triggers: vec![Trigger {
                    kind: TriggerType::Kafka,
                    metadata: [("bootstrapServers", "k:9092"), ("consumerGroup", "g")]
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    authentication_ref: None,
                }],
                max_replica_count: None,
                polling_interval: Some(15),
                cooldown_period: None,
            },
        });
        let s = scaled_object(&spec, &h).unwrap();
        assert_eq!(
            (
                s.min_replica_count.value,
                s.max_replica_count.value,
                s.polling_interval.value,
                s.cooldown_period.value
            ),
            (3, 9, 15, 300)
        );
        assert_eq!(s.scale_down.value.stabilization_window_seconds, 300);
        assert_eq!(s.scale_down.value, h.scale_down.value);
        spec.scaling.as_mut().unwrap().keda.max_replica_count = Some(12);
        assert_eq!(
            scaled_object(&spec, &h).unwrap().max_replica_count.value,
            12
        );
    }
}
