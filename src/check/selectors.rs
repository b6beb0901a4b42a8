//! Selector rules across objects and releases: per-release labels in an immutable workload
//! selector or in a Service selector, and a Service whose selector also picks pods of a workload
//! that serves none of its ports.

use super::app::App;
use super::index::Ctx;
use super::model::{Finding, LabelSelector, PortRef, Severity, WorkloadKind};
use super::parse::Step;

/// Label keys whose value is stamped per release by Helm charts, generators and controllers
/// (Helm chart best practices, "Labels and Annotations"; `pod-template-hash` is set by the
/// Deployment controller per ReplicaSet).
const RELEASE_KEYS: &[&str] = &[
    "helm.sh/chart",
    "chart",
    "app.kubernetes.io/version",
    "version",
    "pod-template-hash",
];

/// The `(key, value)` of a selector term that changes from one release to the next: a key of
/// [`RELEASE_KEYS`] whose value carries a version (a digit), unless the object's own name carries
/// the value too (a per-version object such as Deployment `reviews-v1` selecting `version: v1`,
/// which is replaced, not upgraded, by the next version).
fn release_term<'s>(sel: &'s LabelSelector, object_name: &str) -> Option<(&'s str, &'s str)> {
    sel.match_labels
        .iter()
        .find(|(k, v)| {
            RELEASE_KEYS.contains(&k.as_str())
                && v.chars().any(|c| c.is_ascii_digit())
                && !object_name
                    .to_ascii_lowercase()
                    .contains(&v.to_ascii_lowercase())
        })
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Runs the selector rules.
pub(crate) fn check(ctx: &Ctx<'_>, app: &App, out: &mut Vec<Finding>) {
    workload_selectors(ctx, out);
    service_selectors(ctx, out);
    portless_pods(ctx, app, out);
}

/// `selector-release-label`: from jetstack/version-checker#140 (chart 0.3.2 put
/// `app.kubernetes.io/version` and `helm.sh/chart` into `spec.selector`; every upgrade failed with
/// "field is immutable").
fn workload_selectors(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for w in ctx.workloads {
        if w.kind == WorkloadKind::Pod {
            continue;
        }
        let Some(sel) =
            LabelSelector::from_value(super::model::Pointer::at(&w.obj.value, "/spec/selector"))
        else {
            continue;
        };
        let Some((k, v)) = release_term(&sel, &w.obj.name) else {
            continue;
        };
        out.push(
            ctx.finding("selector-release-label", w.idx)
                .at(ctx.line(
                    w.idx,
                    &[Step::Key("selector"), Step::Key("matchLabels"), Step::Key(k)],
                ))
                .message(format!(
                    "{} spec.selector includes '{k}: {v}', a label that changes with every release; spec.selector is immutable, so the next upgrade that changes it is rejected ('field is immutable') and nothing rolls out",
                    w.obj.display()
                )),
        );
    }
}

/// `service-selector-release-label`: from gomods/athens#1562 (the chart version in the Deployment
/// and Service selectors; the fix removes it from both).
fn service_selectors(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for svc in ctx.services {
        let Some(sel) =
            LabelSelector::from_map(super::model::Pointer::at(&svc.obj.value, "/spec/selector"))
        else {
            continue;
        };
        let Some((k, v)) = release_term(&sel, &svc.obj.name) else {
            continue;
        };
        out.push(
            ctx.finding("service-selector-release-label", svc.idx)
                .at(ctx.line(svc.idx, &[Step::Key("selector"), Step::Key(k)]))
                .message(format!(
                    "Service '{}' selector includes '{k}: {v}', a label that changes with every release; at the next upgrade the Service drops every running pod at once and selects only the new release's pods, which are not Ready yet",
                    svc.obj.name
                )),
        );
    }
}

/// `service-selects-portless-pods`: from storageos/helm-chart#31 (a DaemonSet and a StatefulSet
/// shared labels, so the Service also sent connections to the StatefulSet's pods, which listen on
/// no port: connection refused).
fn portless_pods(ctx: &Ctx<'_>, app: &App, out: &mut Vec<Finding>) {
    for (si, svc) in ctx.services.iter().enumerate() {
        let selected = &app.selects[si];
        if selected.len() < 2 {
            continue;
        }
        for p in &app.service_ports[si] {
            let PortRef::Num(n) = p.target else {
                continue; // a named target gives non-declaring pods no endpoint at all
            };
            let declares = |wi: usize| {
                ctx.workloads[wi]
                    .long_running()
                    .any(|c| c.declares(&p.target))
            };
            let Some(&server) = selected.iter().find(|&&wi| declares(wi)) else {
                continue;
            };
            for &wi in selected.iter().filter(|&&wi| !declares(wi)) {
                let w = &ctx.workloads[wi];
                out.push(
                    ctx.finding("service-selects-portless-pods", svc.idx)
                        .severity(Severity::Error)
                        .at(ctx.path_line(svc.idx, &["spec", "selector"]))
                        .message(format!(
                            "Service '{}' selects the pods of {} and of {}, but no container of {} declares target port {n}; those pods get a share of the connections and refuse them",
                            svc.obj.name,
                            ctx.workloads[server].obj.display(),
                            w.obj.display(),
                            w.obj.display()
                        )),
                );
            }
        }
    }
}
