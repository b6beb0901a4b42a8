//! HorizontalPodAutoscaler rules: spec.replicas fighting the HPA, utilization metrics without
//! requests, duplicate or dangling targets, missing autoscaler.

use super::index::Ctx;
use super::model::Pointer;
use super::model::{Finding, Severity, WorkloadKind};

/// Runs the autoscaling rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (wi, w) in ctx.workloads.iter().enumerate() {
        let hpas = &ctx.hpas_of[wi];
        if let (Some(r), Some(h)) = (w.spec_replicas, ctx.hpa_of(wi)) {
            // A ScaledObject's HPA is KEDA's, made at run time: a fixed count beside it is a
            // conflict whatever its value (KEDA docs, ScaledObject spec: it owns the scale).
            out.push(
                ctx.finding("hpa-replicas-conflict", w.idx)
                    .severity(if r < h.min || h.keda {
                        Severity::Error
                    } else {
                        Severity::Warning
                    })
                    .at(ctx.path_line(w.idx, &["spec", "replicas"]))
                    .message(format!(
                        "{} sets spec.replicas: {r} but {} manages its scale ({}); each apply or upgrade resets it to {r} and terminates pods; remove spec.replicas",
                        w.obj.display(),
                        h.label(),
                        h.min_field()
                    )),
            );
        }
        // Objects of one kind, namespace and name are one object (the same manifest in several
        // files, e.g. per environment), so only distinct names count.
        // A ScaledObject is an HPA too (KEDA makes one), so an HPA beside it is a second one.
        let with_keda = hpas.iter().any(|&h| ctx.hpas[h].keda);
        let names: std::collections::BTreeSet<String> = hpas
            .iter()
            .map(|&h| {
                let h = &ctx.hpas[h];
                if with_keda {
                    h.label()
                } else {
                    format!("'{}'", h.obj.name)
                }
            })
            .collect();
        if names.len() > 1 {
            out.push(
                ctx.finding("hpa-duplicate-target", w.idx).message(format!(
                    "{} is targeted by {} {} ({}); they fight over its scale and the controller stops scaling (AmbiguousSelector{})",
                    w.obj.display(),
                    names.len(),
                    if with_keda { "autoscalers" } else { "HPAs" },
                    names.into_iter().collect::<Vec<_>>().join(", "),
                    if with_keda {
                        "; KEDA makes an HPA for a ScaledObject and refuses one whose target already has an HPA"
                    } else {
                        ""
                    }
                )),
            );
        }
        if matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::Rollout)
            && hpas.is_empty()
            && w.spec_replicas != Some(0)
        {
            out.push(ctx.finding("hpa-missing", w.idx).message(format!(
                "{} has no HorizontalPodAutoscaler; its replica count cannot follow load",
                w.obj.display()
            )));
        }
    }
    for (hi, h) in ctx.hpas.iter().enumerate() {
        let Some(wi) = ctx.target_of_hpa[hi] else {
            if matches!(h.target_kind, "Deployment" | "StatefulSet" | "Rollout")
                && ctx
                    .namespaces_with_workloads
                    .contains(h.obj.namespace.as_str())
            {
                out.push(
                    ctx.finding("hpa-target-missing", h.idx)
                        .at(ctx.path_line(h.idx, &["spec", "scaleTargetRef"]))
                        .message(format!(
                            "{} targets {} '{}', which is not among the audited manifests of namespace '{}'; if it does not exist it scales nothing (FailedGetScale)",
                            h.label(), h.target_kind, h.target_name, h.obj.namespace
                        )),
                );
            }
            continue;
        };
        let w = &ctx.workloads[wi];
        for m in &h.metrics {
            let Some(util) = m.utilization else { continue };
            if m.resource.is_empty() {
                continue;
            }
            let mut matched = false;
            for c in w.long_running() {
                if m.container.as_deref().is_some_and(|n| n != c.name) {
                    continue;
                }
                matched = true;
                let explicit =
                    c.v.at(&format!("/resources/requests/{}", m.resource))
                        .or_else(|| c.v.at(&format!("/resources/limits/{}", m.resource)))
                        .is_some_and(|v| !v.is_null());
                if !explicit {
                    out.push(
                        ctx.finding("hpa-metric-without-request", w.idx)
                            .container(c.name)
                            .at(ctx.container_line(w, c, &[]))
                            .message(format!(
                                "HPA '{}' scales {} on {res} utilization ({util}%) but container '{}' has no {res} request; the HPA cannot compute utilization and never scales (FailedGetResourceMetric)",
                                h.obj.name,
                                w.obj.display(),
                                c.name,
                                res = m.resource
                            )),
                    );
                }
            }
            if let (Some(name), false) = (&m.container, matched) {
                out.push(
                    ctx.finding("hpa-metric-without-request", h.idx)
                        .message(format!(
                            "HPA '{}' scales {} on {} utilization of container '{name}', which the pod template does not have; the HPA cannot compute the metric and never scales",
                            h.obj.name,
                            w.obj.display(),
                            m.resource
                        )),
                );
            }
        }
    }
}
