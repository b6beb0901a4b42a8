//! Argo Rollouts (`argoproj.io/v1alpha1` `Rollout`): audited like a Deployment where the
//! semantics match (pods behind Services and PDBs, HPA `scaleTargetRef` kind `Rollout`, replicas,
//! progressDeadlineSeconds default 600, canary maxSurge / maxUnavailable default 25% / 25%);
//! blueGreen has no surge arithmetic. Source: the Rollout specification
//! (<https://argoproj.github.io/argo-rollouts/features/specification/>) and
//! `utils/defaults/defaults.go` of argoproj/argo-rollouts.

use super::model::Object;
use serde_json::Value;

/// Gives each Rollout that takes its pod template from a Deployment (`spec.workloadRef`, "Migrating
/// to Rollouts") that Deployment's `spec.template`, so its containers and labels are audited;
/// the Deployment must be in the same namespace, as Argo requires.
pub(crate) fn resolve_workload_refs(objects: &mut [Object]) {
    let wanted: Vec<(usize, usize)> = objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == "Rollout" && o.api_version.starts_with("argoproj.io/"))
        .filter(|(_, o)| {
            o.value
                .get("spec")
                .and_then(|s| s.get("template"))
                .is_none()
        })
        .filter_map(|(ri, o)| {
            let r = o.value.get("spec")?.get("workloadRef")?;
            if r.get("kind")
                .and_then(Value::as_str)
                .unwrap_or("Deployment")
                != "Deployment"
            {
                return None;
            }
            let name = r.get("name")?.as_str()?;
            let di = objects.iter().position(|d| {
                d.kind == "Deployment" && d.namespace == o.namespace && d.name == name
            })?;
            Some((ri, di))
        })
        .collect();
    for (ri, di) in wanted {
        let Some(template) = objects[di]
            .value
            .get("spec")
            .and_then(|s| s.get("template"))
        else {
            continue;
        };
        let template = template.clone();
        if let Some(spec) = objects[ri]
            .value
            .get_mut("spec")
            .and_then(Value::as_object_mut)
        {
            spec.insert("template".into(), template);
        }
    }
}
