//! Scheduling rules over a workload's own pods and where the scheduler may put them: topology
//! spread that counts the previous revision, `minDomains` above the domains the node affinity
//! leaves, and required zone anti-affinity with more replicas than zones.

use super::index::Ctx;
use super::model::{
    int_of, replicas_word, str_at, strings_of, Finding, IntOrPct, LabelSelector, Pointer, Workload,
    WorkloadKind,
};
use super::parse::Step;
use serde_json::Value;
use std::collections::BTreeSet;

/// Zones in most cloud regions (AWS, GCP and Azure regions commonly offer 3).
const TYPICAL_ZONES: i64 = 3;

/// Runs the spread rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (wi, w) in ctx.workloads.iter().enumerate() {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
            continue;
        }
        let constraints = w
            .pod_spec
            .get("topologySpreadConstraints")
            .and_then(Value::as_array);
        for c in constraints.into_iter().flatten() {
            let Some(sel) = LabelSelector::from_value(c.get("labelSelector")) else {
                continue;
            };
            if !sel.matches(&w.pod_labels)
                || c.get("whenUnsatisfiable").and_then(Value::as_str) == Some("ScheduleAnyway")
            {
                continue;
            }
            old_revision(ctx, wi, c, out);
            min_domains(ctx, wi, c, out);
        }
        zone_anti_affinity(ctx, wi, out);
    }
}

fn constraint_text(c: &Value) -> String {
    format!(
        "topologyKey {}, maxSkew {}",
        str_at(c, "/topologyKey").unwrap_or(""),
        c.get("maxSkew").and_then(int_of).unwrap_or(1)
    )
}

/// `spread-counts-old-revision`: from kubernetes/kubernetes#98215 (a hard hostname spread with
/// maxSkew 1 ended skewed 3/2/0 after rollouts because the scheduler counted the old ReplicaSet's
/// pods; KEP-3243 added `matchLabelKeys` for it).
fn old_revision(ctx: &Ctx<'_>, wi: usize, c: &Value, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    if w.kind != WorkloadKind::Deployment
        || str_at(&w.obj.value, "/spec/strategy/type") == Some("Recreate")
        || ctx.highest_replicas(wi) < 2
        || strings_of(c.get("matchLabelKeys"))
            .iter()
            .any(|k| k == "pod-template-hash")
    {
        return;
    }
    out.push(
        ctx.finding("spread-counts-old-revision", w.idx)
            .at(ctx.pod_line(w, &["topologySpreadConstraints"]))
            .message(format!(
                "topologySpreadConstraints of {} ({}, DoNotSchedule) count the old ReplicaSet's pods together with the new ones during a rollout; surge pods can be held Pending and the spread ends skewed once the old pods are gone; add matchLabelKeys: [pod-template-hash]",
                w.obj.display(),
                constraint_text(c)
            )),
    );
}

/// The values of node label `key` the pod may run on, when its `nodeSelector` or every term of
/// its required node affinity restricts `key` with `In`; `None` when it is unrestricted.
fn allowed_values(w: &Workload<'_>, key: &str) -> Option<BTreeSet<String>> {
    if let Some(v) = w.pod_spec.at("/nodeSelector").and_then(|m| m.get(key)) {
        return v.as_str().map(|s| BTreeSet::from([s.to_string()]));
    }
    let terms = w
        .pod_spec
        .at("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)?;
    let mut all = BTreeSet::new();
    for t in terms {
        // Terms are ORed: each must restrict the key, or the key is unrestricted.
        let exprs = t.get("matchExpressions").and_then(Value::as_array)?;
        let r = exprs.iter().find(|e| {
            e.get("key").and_then(Value::as_str) == Some(key)
                && e.get("operator").and_then(Value::as_str) == Some("In")
        })?;
        all.extend(strings_of(r.get("values")));
    }
    (!terms.is_empty()).then_some(all)
}

/// `spread-min-domains-unreachable`: from MaterializeInc/materialize#36516 (node affinity pinned
/// pods to fewer zones than the spread's `minDomains`; the scheduler then counts the global
/// minimum as 0, so with maxSkew 1 only one pod per zone fits and the other replicas stay
/// Pending).
fn min_domains(ctx: &Ctx<'_>, wi: usize, c: &Value, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let Some(min) = c.get("minDomains").and_then(int_of) else {
        return;
    };
    let key = str_at(c, "/topologyKey").unwrap_or("");
    let Some(allowed) = allowed_values(w, key) else {
        return;
    };
    let domains = allowed.len() as i64;
    if domains >= min {
        return;
    }
    let skew = c.get("maxSkew").and_then(int_of).unwrap_or(1).max(1);
    let fit = skew * domains;
    let mut need = ctx.highest_replicas(wi);
    if w.kind == WorkloadKind::Deployment {
        let (surge, _) = IntOrPct::deployment_rolling_update(&w.obj.value);
        need = need.max(ctx.declared_replicas(wi) + surge.resolve(ctx.declared_replicas(wi), true));
    }
    if need <= fit {
        return;
    }
    let values: Vec<&str> = allowed.iter().map(String::as_str).collect();
    out.push(
        ctx.finding("spread-min-domains-unreachable", w.idx)
            .at(ctx.line(
                w.idx,
                &[Step::Key("topologySpreadConstraints"), Step::Key("minDomains")],
            ))
            .message(format!(
                "topologySpreadConstraints of {} require minDomains {min} over {key}, but its node affinity allows only {domains} ({}); with fewer eligible domains than minDomains the scheduler counts the global minimum as 0, so at most {fit} pods (maxSkew {skew} x {domains}) are scheduled and the rest of the {need} pods it needs at peak stay Pending",
                w.obj.display(),
                values.join(", "),
            )),
    );
}

/// `zone-anti-affinity-caps-replicas`: from kubernetes/kubernetes#66533 (required pod
/// anti-affinity on the zone key allowed only one pod per zone; the rest could not be placed,
/// and topology spread constraints were the answer).
fn zone_anti_affinity(ctx: &Ctx<'_>, wi: usize, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let terms = w
        .pod_spec
        .at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")
        .and_then(Value::as_array);
    let high = ctx.highest_replicas(wi);
    if high <= TYPICAL_ZONES {
        return;
    }
    for t in terms.into_iter().flatten() {
        let key = str_at(t, "/topologyKey").unwrap_or("");
        if !matches!(
            key,
            "topology.kubernetes.io/zone" | "failure-domain.beta.kubernetes.io/zone"
        ) {
            continue;
        }
        let namespaces = strings_of(t.get("namespaces"));
        if !namespaces.is_empty() && !namespaces.contains(&w.obj.namespace) {
            continue;
        }
        let Some(sel) = LabelSelector::from_value(t.get("labelSelector")) else {
            continue;
        };
        if !sel.matches(&w.pod_labels) {
            continue;
        }
        out.push(
            ctx.finding("zone-anti-affinity-caps-replicas", w.idx)
                .at(ctx.line(
                    w.idx,
                    &[
                        Step::Key("podAntiAffinity"),
                        Step::Key("requiredDuringSchedulingIgnoredDuringExecution"),
                    ],
                ))
                .message(format!(
                    "{} allows at most one pod per zone (required podAntiAffinity on {key}) but runs up to {}; most regions have {TYPICAL_ZONES} zones, so every replica beyond the zone count stays Pending",
                    w.obj.display(),
                    replicas_word(high)
                )),
        );
        return;
    }
}
