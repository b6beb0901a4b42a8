//! `zerodown check --against OLD`: two versions of the same manifests -> what the upgrade from
//! the old to the new one breaks. Objects are paired by kind, namespace and name.
//!
//! - immutable fields that changed, which the API server rejects ("field is immutable"):
//!   a workload's `spec.selector`, a StatefulSet's `volumeClaimTemplates` / `serviceName` /
//!   `podManagementPolicy`, a Job's `spec.template` / `spec.selector`, a Service's allocated
//!   `clusterIP`, a PVC's spec other than a larger storage request;
//! - a Service whose new selector matches neither the running pods nor the new ones (outage), or
//!   only the new ones (no endpoints until they are ready);
//! - pods that leave their PodDisruptionBudget;
//! - a removed `spec.replicas` that `kubectl apply` resets to 1;
//! - a Service `targetPort` by name that the running pods do not declare.
//!
//! Real failures each rule comes from are cited in [`super::rules::RULES`] and
//! `tests/fixtures/upgrade/README.md`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::manifests::{read_manifests, Manifest};
use super::model::{Finding, LabelSelector, Severity};
use super::Source;

/// The kinds whose `spec.selector` is immutable (apps/v1).
const WORKLOADS: [&str; 4] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Findings of the upgrade from `old` to `new` (both sets of sources), in the order of `new`.
pub fn check(new: &[Source], old: &[Source]) -> Vec<Finding> {
    let (new_objs, _) = read_manifests(new);
    let (old_objs, _) = read_manifests(old);
    let key = |m: &Manifest| (m.kind.clone(), m.namespace.clone(), m.name.clone());
    // The same object in several files (one per cluster or environment) pairs in order: the
    // first in the new version with the first in the old one.
    let mut old_by: BTreeMap<_, Vec<&Manifest>> = BTreeMap::new();
    for m in &old_objs {
        old_by.entry(key(m)).or_default().push(m);
    }
    let group = |objs: &[Manifest]| {
        let mut by: BTreeMap<String, Vec<Manifest>> = BTreeMap::new();
        for m in objs {
            by.entry(m.file.clone()).or_default().push(m.clone());
        }
        by
    };
    let (new_files, old_files) = (group(&new_objs), group(&old_objs));
    let mut seen: BTreeMap<_, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, n) in new_objs.iter().enumerate() {
        let mut push = |rule: &'static str, severity: Option<Severity>, message: String| {
            out.push(finding(rule, severity, message, n, i));
        };
        let nth = seen.entry(key(n)).or_insert(0);
        let o = old_by.get(&key(n)).and_then(|v| v.get(*nth)).copied();
        *nth += 1;
        // The pods that run beside an object are those of its own file (or stream).
        let new_here = &new_files[n.file.as_str()];
        let old_here = o.map_or(&old_objs, |o| &old_files[o.file.as_str()]);
        if let Some(o) = o {
            immutable(o, n, &mut push);
            replicas(o, n, &mut push);
        }
        if n.kind == "Service" {
            service(o, n, old_here, new_here, &mut push);
        }
        if n.kind == "PodDisruptionBudget" {
            pdb(o, n, old_here, new_here, &mut push);
        }
    }
    out
}

fn finding(
    rule: &'static str,
    severity: Option<Severity>,
    message: String,
    m: &Manifest,
    i: usize,
) -> Finding {
    let doc = super::rules::rule_doc(rule);
    Finding {
        rule,
        severity: severity
            .or(doc.map(|d| d.severity))
            .unwrap_or(Severity::Error),
        message,
        fix: doc.map(|d| d.fix.to_string()).unwrap_or_default(),
        file: m.file.clone(),
        line: m.line,
        object_line: m.line,
        kind: m.kind.clone(),
        namespace: m.namespace.clone(),
        name: m.name.clone(),
        container: None,
        suppressed: None,
        baselined: false,
        // Past the audited objects' indices: upgrade findings group by their own object.
        object: UPGRADE_OBJECTS + i,
    }
}

/// Object indices of upgrade findings start here (the audited set never gets this large).
pub(crate) const UPGRADE_OBJECTS: usize = 1 << 40;

type Push<'a> = dyn FnMut(&'static str, Option<Severity>, String) + 'a;

fn at<'a>(v: &'a Value, p: &str) -> Option<&'a Value> {
    v.pointer(p)
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn immutable(o: &Manifest, n: &Manifest, push: &mut Push<'_>) {
    let (ov, nv) = (&o.value, &n.value);
    let changed = |p: &str| at(ov, p) != at(nv, p);
    if WORKLOADS.contains(&n.kind.as_str()) && changed("/spec/selector") {
        push(
            "upgrade-selector-immutable",
            None,
            format!(
                "{} spec.selector changes from {} to {}: the selector is immutable, so the API server rejects the apply or `helm upgrade` (\"field is immutable\")",
                n.kind,
                show(at(ov, "/spec/selector")),
                show(at(nv, "/spec/selector"))
            ),
        );
    }
    if n.kind == "StatefulSet" {
        for (p, field) in [
            ("/spec/volumeClaimTemplates", "volumeClaimTemplates"),
            ("/spec/serviceName", "serviceName"),
            ("/spec/podManagementPolicy", "podManagementPolicy"),
        ] {
            if changed(p) {
                push(
                    "upgrade-statefulset-immutable",
                    None,
                    format!(
                        "StatefulSet spec.{field} changes ({} -> {}): only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy, revisionHistoryLimit and minReadySeconds may change, so the API server rejects the upgrade (\"updates to statefulset spec for fields other than ... are forbidden\")",
                        show(at(ov, p)),
                        show(at(nv, p))
                    ),
                );
            }
        }
    }
    if n.kind == "Job" {
        for (p, field) in [
            ("/spec/template", "template"),
            ("/spec/selector", "selector"),
        ] {
            if changed(p) {
                push(
                    "upgrade-job-immutable",
                    None,
                    format!("Job spec.{field} changes: a Job's pod template and selector are immutable, so the apply fails (\"field is immutable\"); a Job that ran is deleted and re-created, not upgraded"),
                );
            }
        }
    }
    if n.kind == "Service" {
        let ip = |v: &Value| {
            at(v, "/spec/clusterIP")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let (Some(a), Some(b)) = (ip(ov), ip(nv)) {
            if a != b {
                push(
                    "upgrade-service-immutable",
                    None,
                    format!("Service spec.clusterIP changes from {a} to {b}: an allocated clusterIP is immutable (`None` for a headless Service included), so the apply fails (\"field is immutable\")"),
                );
            }
        }
        let ty = |v: &Value| {
            at(v, "/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP")
                .to_string()
        };
        let (a, b) = (ty(ov), ty(nv));
        if a != b && (a == "ExternalName" || b == "ExternalName") {
            push(
                "upgrade-service-immutable",
                Some(Severity::Warning),
                format!("Service type changes from {a} to {b}: to or from ExternalName the clusterIP is released or allocated anew, so clients that cached the old address or DNS answer break, and a fixed clusterIP in the manifest makes the apply fail"),
            );
        }
    }
    if n.kind == "PersistentVolumeClaim" {
        let strip = |v: &Value| {
            let mut s = at(v, "/spec").cloned().unwrap_or(Value::Null);
            if let Some(r) = s.pointer_mut("/resources/requests") {
                if let Some(m) = r.as_object_mut() {
                    m.remove("storage");
                }
            }
            // volumeName is bound by the controller; an absent one in a manifest is not a change.
            if let Some(m) = s.as_object_mut() {
                m.remove("volumeName");
            }
            s
        };
        if strip(ov) != strip(nv) {
            push(
                "upgrade-pvc-immutable",
                None,
                "PersistentVolumeClaim spec changes beyond resources.requests.storage: a bound claim's spec is immutable (only a larger storage request may be applied), so the apply fails".into(),
            );
        }
        let size = |v: &Value| {
            at(v, "/spec/resources/requests/storage")
                .and_then(Value::as_str)
                .and_then(crate::adopt::infer::mebibytes)
        };
        if let (Some(a), Some(b)) = (size(ov), size(nv)) {
            if b < a {
                push(
                    "upgrade-pvc-immutable",
                    None,
                    format!("PersistentVolumeClaim storage request shrinks from {a}Mi to {b}Mi: a claim can only grow, so the apply fails (\"field can not be less than previous value\")"),
                );
            }
        }
    }
}

fn replicas(o: &Manifest, n: &Manifest, push: &mut Push<'_>) {
    if !["Deployment", "StatefulSet", "ReplicaSet"].contains(&n.kind.as_str()) {
        return;
    }
    if let (Some(r), None) = (
        at(&o.value, "/spec/replicas"),
        at(&n.value, "/spec/replicas"),
    ) {
        if r.as_i64().is_some_and(|r| r > 1) {
            push(
                "upgrade-replicas-reset",
                None,
                format!(
                    "{} drops spec.replicas (was {r}): `kubectl apply` removes a field that its last-applied-configuration had, so the {} scales to 1 pod until an autoscaler reacts",
                    n.kind, n.kind
                ),
            );
        }
    }
}

/// Pod label sets of the workloads of one version, per namespace, with their containers.
fn pods<'a>(objs: &'a [Manifest], ns: &str) -> Vec<(&'a Manifest, BTreeMap<String, String>)> {
    objs.iter()
        .filter(|m| m.namespace == ns && WORKLOADS.contains(&m.kind.as_str()))
        .map(|m| {
            (
                m,
                crate::adopt::string_map(at(&m.value, "/spec/template/metadata/labels")),
            )
        })
        .collect()
}

fn service(
    o: Option<&Manifest>,
    n: &Manifest,
    old: &[Manifest],
    new: &[Manifest],
    push: &mut Push<'_>,
) {
    let Some(sel) =
        LabelSelector::from_map(at(&n.value, "/spec/selector")).filter(|s| !s.is_empty())
    else {
        return;
    };
    let old_pods = pods(old, &n.namespace);
    let new_pods = pods(new, &n.namespace);
    if old_pods.is_empty() {
        return;
    }
    let old_hit: Vec<_> = old_pods.iter().filter(|(_, l)| sel.matches(l)).collect();
    let new_hit: Vec<_> = new_pods.iter().filter(|(_, l)| sel.matches(l)).collect();
    let old_sel = o.and_then(|o| LabelSelector::from_map(at(&o.value, "/spec/selector")));
    let selected_before = old_sel
        .as_ref()
        .is_some_and(|s| old_pods.iter().any(|(_, l)| s.matches(l)));
    if selected_before && old_hit.is_empty() {
        if new_hit.is_empty() {
            push(
                "upgrade-service-selects-nothing",
                None,
                format!("Service's new selector {sel} matches neither the running pods nor the new ones: after the upgrade it has no endpoints at all"),
            );
        } else {
            push(
                "upgrade-service-selects-nothing",
                Some(Severity::Warning),
                format!("Service's new selector {sel} matches only the new pods, not the running ones: from the apply until the new pods are Ready the Service has no endpoints (requests fail)"),
            );
        }
    }
    // A targetPort by name that the running pods (the ones still serving during the rollout) lack.
    let Some(o) = o else { return };
    let old_target = |name: &str| {
        o.value
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|p| p.get("targetPort").and_then(Value::as_str) == Some(name))
    };
    for p in n
        .value
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = p.get("targetPort").and_then(Value::as_str) else {
            continue;
        };
        if old_target(name) {
            continue;
        }
        let declares = |w: &Manifest| {
            w.value
                .pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|c| {
                    c.get("ports")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                })
                .any(|cp| cp.get("name").and_then(Value::as_str) == Some(name))
        };
        let running: Vec<_> = old_pods.iter().filter(|(_, l)| sel.matches(l)).collect();
        if !running.is_empty() && running.iter().all(|(w, _)| !declares(w)) {
            push(
                "upgrade-target-port-renamed",
                None,
                format!("Service targetPort {name:?} is a port name the running pods do not declare: the endpoints controller drops them at once, so until the new pods are Ready the Service has no endpoints"),
            );
        }
    }
}

fn pdb(
    o: Option<&Manifest>,
    n: &Manifest,
    old: &[Manifest],
    new: &[Manifest],
    push: &mut Push<'_>,
) {
    let (Some(o), Some(sel)) = (o, LabelSelector::from_value(at(&n.value, "/spec/selector")))
    else {
        return;
    };
    let Some(old_sel) = LabelSelector::from_value(at(&o.value, "/spec/selector")) else {
        return;
    };
    for (w, labels) in pods(old, &n.namespace) {
        if !old_sel.matches(&labels) {
            continue;
        }
        let new_labels = pods(new, &n.namespace)
            .into_iter()
            .find(|(m, _)| m.kind == w.kind && m.name == w.name)
            .map(|(_, l)| l);
        if let Some(nl) = new_labels {
            if !sel.matches(&nl) {
                push(
                    "upgrade-pods-leave-pdb",
                    None,
                    format!("the pods of {} '{}' were covered by this PodDisruptionBudget and are not after the upgrade (selector {sel}): drains can then evict them all at once", w.kind, w.name),
                );
            }
        }
    }
}
