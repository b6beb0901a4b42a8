//! PodDisruptionBudget rules: budgets that allow no eviction, minAvailable at the replica floor,
//! selectors that match nothing, overlapping budgets, missing budgets, unhealthy-pod policy.

use super::index::Ctx;
use super::model::{replicas_word, Finding, Severity, WorkloadKind};
use super::parse::Step;

/// Runs the disruption rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (pi, pdb) in ctx.pdbs.iter().enumerate() {
        let ws = &ctx.workloads_of_pdb[pi];
        let name = &pdb.obj.name;
        if ws.is_empty() {
            let line = ctx.path_line(pdb.idx, &["spec", "selector"]);
            let f = ctx
                .finding("pdb-selector-matches-nothing", pdb.idx)
                .at(line);
            let f = match &pdb.selector {
                None => f.message(format!(
                    "PodDisruptionBudget '{name}' has no selector, so it selects no pods; it protects nothing during drains"
                )),
                Some(sel) if ctx.namespaces_with_workloads.contains(pdb.obj.namespace.as_str()) => {
                    f.message(format!(
                        "PodDisruptionBudget '{name}' selector {sel} matches no pod template in the audited manifests; it protects nothing during drains"
                    ))
                }
                Some(sel) => f.severity(Severity::Info).message(format!(
                    "PodDisruptionBudget '{name}' selector {sel} matches no pod template in the audited manifests (no workload of namespace '{}' was audited); it protects nothing unless its pods are defined elsewhere",
                    pdb.obj.namespace
                )),
            };
            out.push(f);
            continue;
        }
        if pdb.unhealthy_policy != Some("AlwaysAllow") {
            out.push(
                ctx.finding("pdb-unhealthy-eviction-policy", pdb.idx)
                    .message(format!(
                        "PodDisruptionBudget '{name}' keeps the default unhealthyPodEvictionPolicy (IfHealthyBudget); crash-looping pods it covers can block node drains"
                    )),
            );
        }
        zero_disruptions(ctx, pi, out);
    }
    for (wi, w) in ctx.workloads.iter().enumerate() {
        let pdbs = &ctx.pdbs_of[wi];
        // Same kind, namespace and name = one object written in several files: count names.
        let names: std::collections::BTreeSet<String> = pdbs
            .iter()
            .map(|&p| format!("'{}'", ctx.pdbs[p].obj.name))
            .collect();
        if names.len() > 1 {
            out.push(
                ctx.finding("pdb-overlapping", w.idx).message(format!(
                    "pods of {} are selected by {} PodDisruptionBudgets ({}); the eviction API refuses to evict a pod covered by more than one, so drains block",
                    w.obj.display(),
                    names.len(),
                    names.into_iter().collect::<Vec<_>>().join(", ")
                )),
            );
        }
        if matches!(
            w.kind,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::Rollout
        ) && pdbs.is_empty()
        {
            let low = ctx.lowest_replicas(wi).unwrap_or(0);
            if low >= 2 {
                out.push(
                    ctx.finding("pdb-missing", w.idx).message(format!(
                        "{} runs {} but no PodDisruptionBudget selects its pods; a drain or node upgrade may evict all of them at once",
                        w.obj.display(),
                        if ctx.hpa_of(wi).is_some() {
                            format!("at least {}", replicas_word(low))
                        } else {
                            replicas_word(low)
                        }
                    )),
                );
            }
        }
    }
}

fn zero_disruptions(ctx: &Ctx<'_>, pi: usize, out: &mut Vec<Finding>) {
    let pdb = &ctx.pdbs[pi];
    let counted: Vec<(usize, i64)> = ctx.workloads_of_pdb[pi]
        .iter()
        .filter_map(|&w| ctx.lowest_replicas(w).map(|r| (w, r)))
        .collect();
    let expected: i64 = counted.iter().map(|(_, r)| r).sum();
    if counted.is_empty() || expected <= 0 {
        return;
    }
    let (desc, allowed, min_available) = if let Some(u) = pdb.max_unavailable {
        (
            format!("maxUnavailable: {u}"),
            u.resolve(expected, true),
            None,
        )
    } else if let Some(m) = pdb.min_available {
        (
            format!("minAvailable: {m}"),
            expected - m.resolve(expected, true),
            Some(m),
        )
    } else {
        return;
    };
    if allowed > 0 {
        return;
    }
    let targets: Vec<String> = counted
        .iter()
        .map(|&(w, _)| ctx.workloads[w].obj.display())
        .collect();
    let targets = targets.join(" and ");
    let hpa_note = counted
        .iter()
        .find_map(|&(w, r)| ctx.hpa_of(w).filter(|h| h.min == r))
        .map(|h| format!(" ({})", h.min_text()))
        .unwrap_or_default();
    let name = &pdb.obj.name;
    let field = if min_available.is_some() {
        "minAvailable"
    } else {
        "maxUnavailable"
    };
    let line = ctx.line(pdb.idx, &[Step::Key("spec"), Step::Key(field)]);
    // One fault, one finding: an absolute minAvailable at an autoscaler's floor is the specific
    // cause (pdb-min-available-blocks-eviction); every other zero budget is the general one.
    let at_hpa_floor = !hpa_note.is_empty();
    match min_available {
        Some(m @ super::model::IntOrPct::Int(_)) if at_hpa_floor => out.push(
            ctx.finding("pdb-min-available-blocks-eviction", pdb.idx)
                .at(line)
                .message(format!(
                    "PodDisruptionBudget '{name}' minAvailable: {m} is not below the lowest replica count of {targets} ({expected}{hpa_note}), so it allows 0 disruptions whenever the autoscaler is at its floor; kubectl drain, node upgrades and autoscaler scale-down block then; use maxUnavailable: 1"
                )),
        ),
        _ => out.push(
            ctx.finding("pdb-allows-zero-disruptions", pdb.idx)
                .at(line)
                .message(format!(
                    "PodDisruptionBudget '{name}' ({desc}) allows 0 disruptions for {targets} at {}{hpa_note}; kubectl drain, node upgrades and autoscaler scale-down will block indefinitely",
                    replicas_word(expected)
                )),
        ),
    }
}
