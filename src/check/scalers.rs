//! Autoscalers that remove capacity too fast or fight another scaler: a KEDA ScaledObject that
//! lets a Service-backed workload reach zero replicas, a VerticalPodAutoscaler that rewrites the
//! requests an HPA's utilization is measured against, and an HPA (or a ScaledObject's HPA) whose
//! scale-down has no stabilization window.
//!
//! Relations used: HPA / ScaledObject -> target workload (`Ctx::target_of_hpa`), workload ->
//! Services selecting it (`Ctx::services_of`), VerticalPodAutoscaler -> target (by kind and name
//! in its namespace, here).

use super::index::Ctx;
use super::model::{int_of, str_at, Finding, Hpa, Object, Pointer, WorkloadKind};
use super::shutdown::services_phrase;
use serde_json::Value;
use std::collections::HashMap;

/// Runs the autoscaler-behaviour rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (hi, h) in ctx.hpas.iter().enumerate() {
        if h.keda {
            check_keda_zero(ctx, hi, h, out);
        }
        check_scale_down(ctx, hi, h, out);
    }
    let vpas: Vec<usize> = (0..ctx.objects.len())
        .filter(|&i| {
            let o = &ctx.objects[i];
            o.kind == "VerticalPodAutoscaler" && o.api_version.starts_with("autoscaling.k8s.io/")
        })
        .collect();
    if vpas.is_empty() {
        return;
    }
    // Workloads by (namespace, kind, name), built once: cluster dumps hold many VPAs.
    let mut by_name: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (wi, w) in ctx.workloads.iter().enumerate() {
        if w.kind != WorkloadKind::Pod {
            by_name
                .entry((&w.obj.namespace, &w.obj.kind, &w.obj.name))
                .or_insert(wi);
        }
    }
    for idx in vpas {
        check_vpa(ctx, idx, &ctx.objects[idx], &by_name, out);
    }
}

/// True when the ScaledObject's trigger is the KEDA HTTP add-on's interceptor, which holds
/// requests while the workload scales from zero.
fn http_add_on(o: &Object) -> bool {
    o.value
        .at("/spec/triggers")
        .and_then(Value::as_array)
        .is_some_and(|ts| {
            ts.iter().any(|t| {
                str_at(t, "/metadata/scalerAddress")
                    .is_some_and(|a| a.contains("keda-add-ons-http") || a.contains("http-add-on"))
            })
        })
}

fn check_keda_zero(ctx: &Ctx<'_>, hi: usize, h: &Hpa<'_>, out: &mut Vec<Finding>) {
    let Some(wi) = ctx.target_of_hpa[hi] else {
        return;
    };
    let v = &h.obj.value;
    // idleReplicaCount (only 0 is allowed) takes the workload to zero when no trigger is active.
    let idle = v.at("/spec/idleReplicaCount").and_then(int_of);
    let (floor, field) = match idle {
        Some(0) => (0, "idleReplicaCount 0"),
        _ => (h.min, "minReplicaCount"),
    };
    if floor != 0 || http_add_on(h.obj) {
        return;
    }
    let services: Vec<&str> = ctx.services_of[wi]
        .iter()
        .map(|&s| ctx.services[s].obj.name.as_str())
        .collect();
    if services.is_empty() {
        return;
    }
    let w = &ctx.workloads[wi];
    let field_text = if field == "minReplicaCount" {
        if v.at("/spec/minReplicaCount").is_some() {
            "minReplicaCount 0".to_string()
        } else {
            "minReplicaCount defaults to 0".to_string()
        }
    } else {
        field.to_string()
    };
    let line_key = if field == "minReplicaCount" {
        "minReplicaCount"
    } else {
        "idleReplicaCount"
    };
    out.push(
        ctx.finding("keda-scale-to-zero-serving", h.idx)
            .at(ctx.path_line(h.idx, &["spec", line_key]))
            .message(format!(
                "{} lets {}, which serves {}, scale to 0 replicas ({field_text}); at zero the Service has no endpoints, so requests fail until a trigger fires and a pod is ready, and a trigger fed by the pods' own metrics never fires; set minReplicaCount: 1 or more (or front it with the KEDA HTTP add-on)",
                h.label(),
                w.obj.display(),
                services_phrase(&services)
            )),
    );
}

/// The scale-down rules of an HPA, or of the HPA a ScaledObject makes
/// (`spec.advanced.horizontalPodAutoscalerConfig.behavior`).
fn scale_down<'a>(h: &Hpa<'a>) -> Option<&'a Value> {
    let path = if h.keda {
        "/spec/advanced/horizontalPodAutoscalerConfig/behavior/scaleDown"
    } else {
        "/spec/behavior/scaleDown"
    };
    h.obj.value.at(path)
}

fn check_scale_down(ctx: &Ctx<'_>, hi: usize, h: &Hpa<'_>, out: &mut Vec<Finding>) {
    let Some(sd) = scale_down(h) else { return };
    if sd.get("selectPolicy").and_then(Value::as_str) == Some("Disabled") {
        return;
    }
    let Some(window) = sd.get("stabilizationWindowSeconds").and_then(int_of) else {
        return;
    };
    if window >= 60 {
        return;
    }
    let max = h.max.unwrap_or(h.min).max(1);
    // Percent of the current replicas one period may remove, per policy (HPA docs: the default
    // scale-down policy allows 100% every 15 s).
    let mut per_policy: Vec<(i64, i64)> = Vec::new();
    for p in sd
        .get("policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let value = p.get("value").and_then(int_of).unwrap_or(0);
        let period = p.get("periodSeconds").and_then(int_of).unwrap_or(15);
        let pct = match p.get("type").and_then(Value::as_str) {
            Some("Percent") => value,
            Some("Pods") => value * 100 / max,
            _ => continue,
        };
        per_policy.push((pct.min(100), period));
    }
    if per_policy.is_empty() {
        per_policy.push((100, 15));
    }
    let min_policy = sd.get("selectPolicy").and_then(Value::as_str) == Some("Min");
    let chosen = if min_policy {
        per_policy.iter().min_by_key(|(p, _)| *p)
    } else {
        per_policy.iter().max_by_key(|(p, _)| *p)
    };
    let Some(&(pct, period)) = chosen else { return };
    if pct < 50 {
        return;
    }
    let target = ctx.target_of_hpa[hi]
        .map(|w| ctx.workloads[w].obj.display())
        .unwrap_or_else(|| format!("{} '{}'", h.target_kind, h.target_name));
    let line = if h.keda {
        ctx.path_line(
            h.idx,
            &[
                "spec",
                "advanced",
                "horizontalPodAutoscalerConfig",
                "behavior",
                "scaleDown",
            ],
        )
    } else {
        ctx.path_line(h.idx, &["spec", "behavior", "scaleDown"])
    };
    out.push(
        ctx.finding("hpa-scale-down-too-fast", h.idx)
            .at(line)
            .message(format!(
                "{} scales {target} down with a {window}s stabilization window and may remove {pct}% of its pods every {period}s; one quiet metric sample drops it toward {}, and the next burst lands on too few pods while new ones start; keep the default 300s window (at least 60s) and cap scale-down at about 10-20% per minute",
                h.label(),
                h.min_field()
            )),
    );
}

/// Resources a VPA may change on at least one container (`controlledResources`, default cpu and
/// memory; containers with `mode: Off` excluded).
fn vpa_resources(v: &Value) -> Vec<String> {
    let policies = v
        .at("/spec/resourcePolicy/containerPolicies")
        .and_then(Value::as_array);
    let all = || vec!["cpu".to_string(), "memory".to_string()];
    let Some(policies) = policies.filter(|p| !p.is_empty()) else {
        return all();
    };
    let mut out: Vec<String> = Vec::new();
    let mut star_off = false;
    let mut named = false;
    for p in policies {
        let off = p.get("mode").and_then(Value::as_str) == Some("Off");
        let star = p.get("containerName").and_then(Value::as_str) == Some("*");
        if star && off {
            star_off = true;
        }
        if !star {
            named = true;
        }
        if off {
            continue;
        }
        let res = match p.get("controlledResources").and_then(Value::as_array) {
            Some(r) => r
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            None => all(),
        };
        for r in res {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    // Containers without a policy of their own follow `*`, or the defaults when there is none.
    if !star_off
        && named
        && !policies
            .iter()
            .any(|p| p.get("containerName").and_then(Value::as_str) == Some("*"))
    {
        for r in all() {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out.sort();
    out
}

fn check_vpa(
    ctx: &Ctx<'_>,
    idx: usize,
    o: &Object,
    by_name: &HashMap<(&str, &str, &str), usize>,
    out: &mut Vec<Finding>,
) {
    let v = &o.value;
    let mode = str_at(v, "/spec/updatePolicy/updateMode").unwrap_or("Auto");
    if mode == "Off" {
        return;
    }
    let kind = str_at(v, "/spec/targetRef/kind").unwrap_or("");
    let name = str_at(v, "/spec/targetRef/name").unwrap_or("");
    let Some(&wi) = by_name.get(&(o.namespace.as_str(), kind, name)) else {
        return;
    };
    let controlled = vpa_resources(v);
    for &hi in &ctx.hpas_of[wi] {
        let h = &ctx.hpas[hi];
        let Some(m) = h
            .metrics
            .iter()
            .find(|m| m.utilization.is_some() && controlled.contains(&m.resource))
        else {
            continue;
        };
        out.push(
            ctx.finding("vpa-conflicts-with-hpa", idx)
                .at(ctx.path_line(idx, &["spec", "updatePolicy"]))
                .message(format!(
                    "VerticalPodAutoscaler '{}' (updateMode {mode}) rewrites the {res} requests of {} while {} scales it on {res} utilization ({}% of the request); each request change moves the HPA's measure, so the two fight (pods evicted and resized while the HPA adds or removes replicas); scale the HPA on another metric or an AverageValue target, or keep {res} out of the VPA's controlledResources",
                    o.name,
                    ctx.workloads[wi].obj.display(),
                    h.label(),
                    m.utilization.unwrap_or(0),
                    res = m.resource,
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vpa_controlled_resources() {
        assert_eq!(vpa_resources(&json!({"spec": {}})), vec!["cpu", "memory"]);
        let only_memory = json!({"spec": {"resourcePolicy": {"containerPolicies": [
            {"containerName": "*", "controlledResources": ["memory"]}
        ]}}});
        assert_eq!(vpa_resources(&only_memory), vec!["memory"]);
        let off = json!({"spec": {"resourcePolicy": {"containerPolicies": [
            {"containerName": "*", "mode": "Off"}
        ]}}});
        assert!(vpa_resources(&off).is_empty());
    }
}
