//! Rollout rules: rolling-update parameters that cannot progress, Recreate, single replicas,
//! progress deadlines shorter than the startup budget, bare Pods.

use super::index::Ctx;
use super::model::Pointer;
use super::model::{int_at, replicas_word, str_at, Finding, IntOrPct, WorkloadKind};

/// Runs the rollout rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (wi, w) in ctx.workloads.iter().enumerate() {
        let v = &w.obj.value;
        match w.kind {
            WorkloadKind::Deployment => {
                deployment_strategy(ctx, wi, out);
                progress_deadline(ctx, wi, out);
            }
            WorkloadKind::DaemonSet => {
                let ty = str_at(v, "/spec/updateStrategy/type").unwrap_or("RollingUpdate");
                let surge = v
                    .at("/spec/updateStrategy/rollingUpdate/maxSurge")
                    .and_then(IntOrPct::from_value)
                    .unwrap_or(IntOrPct::Int(0));
                let unav = v
                    .at("/spec/updateStrategy/rollingUpdate/maxUnavailable")
                    .and_then(IntOrPct::from_value)
                    .unwrap_or(IntOrPct::Int(1));
                if ty == "RollingUpdate" && surge.is_zero() && unav.is_zero() {
                    out.push(
                        ctx.finding("rolling-update-cannot-progress", w.idx)
                            .at(ctx.path_line(w.idx, &["spec", "updateStrategy"]))
                            .message(format!(
                                "{} sets maxSurge: {surge} and maxUnavailable: {unav}; the API server rejects it because a rollout could neither add nor remove a pod; allow maxUnavailable: 1 (or maxSurge: 1)",
                                w.obj.display()
                            )),
                    );
                }
            }
            WorkloadKind::Pod => {
                if v.at("/metadata/ownerReferences").is_none() {
                    out.push(
                        ctx.finding("bare-pod", w.idx).message(format!(
                            "Pod '{}' is not managed by a controller; an eviction, drain or node failure deletes it for good and every update means deleting it; run it from a Deployment",
                            w.obj.name
                        )),
                    );
                }
            }
            WorkloadKind::StatefulSet => {}
            WorkloadKind::Rollout => {
                canary_strategy(ctx, wi, out);
                progress_deadline(ctx, wi, out);
            }
        }
        if matches!(
            w.kind,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::Rollout
        ) {
            single_replica(ctx, wi, out);
        }
    }
}

fn deployment_strategy(ctx: &Ctx<'_>, wi: usize, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let v = &w.obj.value;
    let ty = str_at(v, "/spec/strategy/type").unwrap_or("RollingUpdate");
    if ty == "Recreate" {
        out.push(
            ctx.finding("recreate-strategy-downtime", w.idx)
                .at(ctx.path_line(w.idx, &["spec", "strategy", "type"]))
                .message(format!(
                    "{} uses strategy Recreate; every rollout stops all pods before the new ones start, so each release is an outage",
                    w.obj.display()
                )),
        );
        return;
    }
    let (surge, unav) = IntOrPct::deployment_rolling_update(v);
    let line = ctx.path_line(w.idx, &["spec", "strategy", "rollingUpdate"]);
    if surge.is_zero() && unav.is_zero() {
        out.push(
            ctx.finding("rolling-update-cannot-progress", w.idx)
                .at(line)
                .message(format!(
                    "{} sets maxSurge: {surge} and maxUnavailable: {unav}; the API server rejects it because a rollout could neither add nor remove a pod; allow maxSurge: 1 (and move one-at-a-time work such as migrations to a Job)",
                    w.obj.display()
                )),
        );
        return;
    }
    let replicas = ctx.declared_replicas(wi);
    if replicas > 0 && surge.resolve(replicas, true) == 0 && unav.resolve(replicas, false) == 0 {
        out.push(
            ctx.finding("rolling-update-cannot-progress", w.idx)
                .severity(super::Severity::Warning)
                .at(line)
                .message(format!(
                    "{} sets maxSurge: {surge} and maxUnavailable: {unav}, which resolve to 0 and 0 at {}; the controller then forces maxUnavailable to 1, so every rollout takes a pod out of service; allow maxSurge: 1",
                    w.obj.display(),
                    replicas_word(replicas)
                )),
        );
    }
}

/// A canary Rollout whose maxSurge and maxUnavailable are both 0: Argo Rollouts' validation
/// refuses it (`pkg/apis/rollouts/validation`: "MaxSurge and MaxUnavailable both can not be
/// zero") and the Rollout never progresses. blueGreen has no surge arithmetic.
fn canary_strategy(ctx: &Ctx<'_>, wi: usize, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let Some((surge, unav)) = IntOrPct::rollout_canary(&w.obj.value) else {
        return;
    };
    if surge.is_zero() && unav.is_zero() {
        out.push(
            ctx.finding("rolling-update-cannot-progress", w.idx)
                .at(ctx.path_line(w.idx, &["spec", "strategy", "canary"]))
                .message(format!(
                    "{} sets canary maxSurge: {surge} and maxUnavailable: {unav}; Argo Rollouts rejects it (InvalidSpec) because a step could neither add nor remove a pod; allow maxSurge: 1",
                    w.obj.display()
                )),
        );
    }
}

fn progress_deadline(ctx: &Ctx<'_>, wi: usize, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let v = &w.obj.value;
    let written = int_at(v, "/spec/progressDeadlineSeconds");
    let deadline = written.unwrap_or(600);
    let min_ready = int_at(v, "/spec/minReadySeconds").unwrap_or(0);
    for c in w.long_running() {
        let Some(sp) = &c.startup else { continue };
        let budget = sp.kill_time();
        if budget + min_ready >= deadline {
            out.push(
                ctx.finding("progress-deadline-too-short", w.idx)
                    .container(c.name)
                    .at(ctx.container_line(w, c, &["startupProbe"]))
                    .message(format!(
                        "container '{}' may take up to {budget}s to start (startupProbe {}s + {}s x {}) but progressDeadlineSeconds is {deadline}{}; a slow but healthy rollout is reported as failed (ProgressDeadlineExceeded)",
                        c.name,
                        sp.initial_delay,
                        sp.period,
                        sp.failure_threshold,
                        if written.is_none() { " (default)" } else { "" }
                    )),
            );
        }
    }
}

fn single_replica(ctx: &Ctx<'_>, wi: usize, out: &mut Vec<Finding>) {
    let w = &ctx.workloads[wi];
    let (count, why) = match ctx.hpa_of(wi) {
        Some(h) => (
            h.min,
            format!(
                "can scale down to {} ({})",
                replicas_word(h.min),
                h.min_text()
            ),
        ),
        None => match w.spec_replicas {
            Some(0) => return,
            Some(n) => (n, format!("runs {} (spec.replicas: {n})", replicas_word(n))),
            None => (
                1,
                "runs 1 replica (spec.replicas is unset and defaults to 1)".to_string(),
            ),
        },
    };
    if count >= 2 {
        return;
    }
    let line = match ctx.hpa_of(wi) {
        Some(_) => 0,
        None => ctx.path_line(w.idx, &["spec", "replicas"]),
    };
    out.push(
        ctx.finding("replicas-below-two", w.idx)
            .at(line)
            .message(format!(
                "{} {why}; every drain, eviction or crash of that pod is an outage; run at least 2 replicas",
                w.obj.display()
            )),
    );
}
