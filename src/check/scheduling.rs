//! Scheduling rules: required anti-affinity that deadlocks a surge rollout, missing spread,
//! missing requests and memory limits.

use super::index::Ctx;
use super::model::Pointer;
use super::model::{
    memory_mib, replicas_word, str_at, strings_of, Finding, IntOrPct, LabelSelector, WorkloadKind,
};
use serde_json::Value;

/// Runs the scheduling rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (wi, w) in ctx.workloads.iter().enumerate() {
        if w.kind == WorkloadKind::Deployment {
            required_anti_affinity(ctx, wi, out);
        }
        if matches!(
            w.kind,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::Rollout
        ) {
            let high = ctx.highest_replicas(wi);
            let anti = w
                .pod_spec
                .at("/affinity/podAntiAffinity")
                .and_then(Value::as_object)
                .is_some_and(|m| {
                    m.values()
                        .any(|t| t.as_array().is_some_and(|a| !a.is_empty()))
                });
            let spread = w
                .pod_spec
                .get("topologySpreadConstraints")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if high >= 2 && !anti && !spread {
                out.push(
                    ctx.finding("anti-affinity-missing", w.idx)
                        .message(format!(
                            "{} runs up to {} with no podAntiAffinity or topologySpreadConstraints; several replicas may share the node or zone that one failure or drain takes down",
                            w.obj.display(),
                            replicas_word(high)
                        )),
                );
            }
        }
        for c in w.long_running() {
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| c.request(r).is_none())
                .collect();
            if !missing.is_empty() {
                let what = if missing.len() == 2 {
                    "cpu or memory requests".to_string()
                } else {
                    format!("{} request", missing[0])
                };
                out.push(
                    ctx.finding("resources-missing", w.idx)
                        .container(c.name)
                        .at(ctx.container_line(w, c, &[]))
                        .message(format!(
                            "container '{}' of {} has no {what}; the scheduler places it blindly, it is evicted first under node pressure, and HPA utilization cannot be computed",
                            c.name,
                            w.obj.display()
                        )),
                );
            }
            if c.limit("memory").is_none() {
                out.push(
                    ctx.finding("memory-limit-missing", w.idx)
                        .container(c.name)
                        .at(ctx.container_line(w, c, &[]))
                        .message(format!(
                            "container '{}' of {} has no memory limit{}; a leak grows until node-pressure eviction, which ignores PodDisruptionBudgets",
                            c.name,
                            w.obj.display(),
                            c.request("memory")
                                .and_then(memory_mib)
                                .map(|m| format!(" (request {m} MiB)"))
                                .unwrap_or_default()
                        )),
                );
            }
        }
    }
}

/// `(one pod per X, N Xs)` wording for a topology key.
fn domain(key: &str) -> (String, String) {
    match key {
        "kubernetes.io/hostname" => ("node".into(), "schedulable nodes".into()),
        "topology.kubernetes.io/zone" | "failure-domain.beta.kubernetes.io/zone" => {
            ("zone".into(), "zones".into())
        }
        other => (format!("'{other}' domain"), format!("'{other}' domains")),
    }
}

fn required_anti_affinity(ctx: &Ctx<'_>, wi: usize, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let v = &w.obj.value;
    if str_at(v, "/spec/strategy/type") == Some("Recreate") {
        return;
    }
    let Some(terms) = w
        .pod_spec
        .at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")
        .and_then(Value::as_array)
    else {
        return;
    };
    let (surge, unav) = IntOrPct::deployment_rolling_update(v);
    if surge.is_zero() && unav.is_zero() {
        return; // rolling-update-cannot-progress reports this
    }
    let replicas = ctx.declared_replicas(wi);
    let surge_n = surge.resolve(replicas, true);
    let mut unav_n = unav.resolve(replicas, false);
    if surge_n == 0 && unav_n == 0 {
        unav_n = 1; // the controller's fencepost
    }
    if unav_n > 0 || surge_n == 0 {
        return;
    }
    for term in terms {
        let Some(sel) = LabelSelector::from_value(term.get("labelSelector")) else {
            continue;
        };
        let namespaces = strings_of(term.get("namespaces"));
        if !namespaces.is_empty()
            && !namespaces.contains(&w.obj.namespace)
            && term.get("namespaceSelector").is_none_or(Value::is_null)
        {
            continue;
        }
        if strings_of(term.get("matchLabelKeys"))
            .iter()
            .any(|k| k == "pod-template-hash")
        {
            continue;
        }
        if !sel.matches(&w.pod_labels) {
            continue;
        }
        let key = term
            .get("topologyKey")
            .and_then(Value::as_str)
            .unwrap_or("");
        let (one, many) = domain(key);
        out.push(
            ctx.finding("required-anti-affinity-blocks-rollout", w.idx)
                .at(ctx.line(
                    w.idx,
                    &[
                        super::parse::Step::Key("podAntiAffinity"),
                        super::parse::Step::Key("requiredDuringSchedulingIgnoredDuringExecution"),
                    ],
                ))
                .message(format!(
                    "{} requires one pod per {one} and its rollout needs {} {many} ({} + {surge_n} surge, maxUnavailable resolves to 0); with {replicas} or fewer {} the rollout hangs Pending",
                    w.obj.display(),
                    replicas + surge_n,
                    replicas_word(replicas),
                    many.trim_start_matches("schedulable ")
                )),
        );
        return;
    }
}
