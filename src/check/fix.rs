//! `zerodown check --fix`: turns findings into format-preserving edits of the audited manifests,
//! with the generator's own numbers and reasons (src/policy/), and lists the findings that have no
//! safe automatic fix with the value the user must choose.
//!
//! Fixes key off rule ids; a rule this module does not know is listed as manual with the rule's
//! own one-line fix, so new rules never break it. Edits go through [`super::yamledit`], which
//! changes only the lines of the fields it touches.

use super::choose::{self, AntiAffinityFix, Choice, ChoiceValue};
use super::index::{Ctx, Views};
use super::model::{Container, Finding, Handler, Pointer, PortRef, Severity, Workload};
use super::shutdown::PreStop;
use super::yamledit::{emit_document, keys, scalar_text, DocLines, Seg};
use super::{parse, rules, suppress, Source};
use crate::policy;
use crate::spec::{Answers, Exposure, Spec};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One edit that was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Rule id of the finding it fixes.
    pub rule: &'static str,
    /// Source name and 1-based line of the finding.
    pub file: String,
    /// 1-based line of the finding.
    pub line: usize,
    /// `Kind 'name'` of the object changed (or added).
    pub object: String,
    /// What changed, in manifest words (`spec.replicas removed`).
    pub change: String,
    /// Why this value: the generator's reason text.
    pub reason: String,
}

/// A finding left for the user, with the value to choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manual {
    /// Rule id.
    pub rule: &'static str,
    /// Source name.
    pub file: String,
    /// 1-based line of the finding.
    pub line: usize,
    /// The finding's message.
    pub message: String,
    /// What the user must decide.
    pub choose: String,
}

/// One changed object, for `--patch` (the whole object before and after).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedObject {
    /// `apiVersion`, `kind`, `metadata.name`, and the namespace as written (None when absent).
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace as written.
    pub namespace: Option<String>,
    /// The object as parsed from the input.
    pub before: Value,
    /// The object as parsed from the fixed text.
    pub after: Value,
}

/// The fixed text of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedSource {
    /// Source name as given.
    pub name: String,
    /// The fixed text (the input text when nothing changed).
    pub text: String,
    /// True when `text` differs from the input.
    pub changed: bool,
    /// Objects edited in place.
    pub changed_objects: Vec<ChangedObject>,
    /// Documents appended (PodDisruptionBudgets), as (kind, name, object).
    pub added: Vec<(String, String, Value)>,
}

/// Everything `--fix` did and did not do.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FixOutcome {
    /// One per source, in input order.
    pub sources: Vec<FixedSource>,
    /// Edits made.
    pub applied: Vec<Applied>,
    /// Findings with no safe automatic fix (warning and error only).
    pub manual: Vec<Manual>,
    /// Notes to print once (how to apply a fix safely).
    pub notes: Vec<String>,
    /// The `--choose` values (as given) that answered no finding: a typo in a rule, workload or
    /// image repository, or a finding that is not there.
    pub unused_choices: Vec<String>,
}

/// How to apply a removed `spec.replicas` without a reset (Kubernetes docs, "Migrating
/// Deployments and StatefulSets to horizontal autoscaling").
pub const REPLICAS_NOTE: &str = "spec.replicas was removed beside an HPA: before the next `kubectl apply`, run `kubectl apply edit-last-applied deployment/NAME` and delete spec.replicas there (or apply with --server-side), otherwise the first apply without the field resets the Deployment to 1 replica (the last-applied-configuration trap); Helm 3 has the same three-way merge: render replicas only when autoscaling is off";

/// How to apply required pod anti-affinity turned preferred over running pods. Measured on the
/// cluster/ control plane (scenario `fix`): the scheduler keeps honouring the running pods'
/// required terms against every new pod (kube-scheduler InterPodAffinity, "existing pods'
/// anti-affinity"), so with as many nodes as pods the rollout that applies the preferred terms
/// stalls exactly as before.
pub const ANTI_AFFINITY_NOTE: &str = "podAntiAffinity became preferred, but the pods running now still carry the required terms and the scheduler keeps every new pod off their nodes, so the rollout that applies this needs a node without one: apply it once with spec.strategy.rollingUpdate maxSurge: 0 and maxUnavailable: 1 (or with a spare node), then set maxSurge: 1 and maxUnavailable: 0 back";

/// The spec whose policy numbers a fix uses: the JVM preset for JVM-looking containers, the
/// generic one otherwise.
fn spec_for(jvm: bool, exposure: Exposure) -> Option<Spec> {
    spec_of(if jvm { "spring-boot" } else { "generic" }, exposure, true)
}

fn spec_of(preset: &str, exposure: Exposure, image_has_shell: bool) -> Option<Spec> {
    let preset = crate::preset::Preset::builtin(preset).ok()?;
    Answers {
        name: Some("app".into()),
        image: Some("registry.example.com/app:1.0.0".into()),
        exposure: Some(exposure),
        image_has_shell: Some(image_has_shell),
        ..Answers::default()
    }
    .resolve(&preset, &mut vec![])
    .ok()
}

/// The grace period that covers a preStop of `pre` seconds and the spec's drain time, with its
/// reason (the kubelet starts the grace period before the hook: Kubernetes docs, Pod Lifecycle,
/// Termination of Pods).
fn grace_covering(pre: u32, spec: &Spec) -> (u32, String) {
    let margin = policy::shutdown::GRACE_MARGIN_SECONDS;
    let grace = pre
        .saturating_add(spec.drain_seconds)
        .saturating_add(margin);
    (
        grace,
        format!(
            "{grace}: preStop {pre}s + drainSeconds {}s + {margin}s margin; the grace period starts before the hook, so it must cover both",
            spec.drain_seconds
        ),
    )
}

/// One planned edit of an object.
enum Op {
    Set(Vec<Seg>, Value),
    Remove(Vec<Seg>),
}

struct Planned {
    rule: &'static str,
    file: String,
    line: usize,
    ops: Vec<Op>,
    change: String,
    reason: String,
    /// How to apply this edit safely, printed once however many objects need it.
    note: Option<&'static str>,
}

fn pod_path(w: &Workload<'_>) -> Vec<Seg> {
    let mut p = vec![Seg::Key("spec".into())];
    if w.pod_spec_path().len() > 1 {
        p = keys(&["spec", "template", "spec"]);
    }
    p
}

fn container_path(w: &Workload<'_>, c: &Container<'_>, field: &[&str]) -> Vec<Seg> {
    let mut p = pod_path(w);
    p.push(Seg::Key(c.list_key().into()));
    p.push(Seg::Named(c.name.into()));
    p.extend(keys(field));
    p
}

fn port_value(p: &PortRef) -> Value {
    match p {
        PortRef::Name(n) => json!(n),
        PortRef::Num(n) => json!(n),
    }
}

/// The handler part of a probe object (`httpGet`, `tcpSocket`, `grpc` or `exec`).
fn handler_of(probe: &Value) -> Option<(String, Value)> {
    ["httpGet", "tcpSocket", "grpc", "exec"]
        .iter()
        .find_map(|k| probe.get(*k).map(|v| (k.to_string(), v.clone())))
}

fn exposure_of(ctx: &Ctx<'_>, w: usize) -> Exposure {
    let lb = ctx.services_of[w].iter().any(|&s| {
        ctx.services[s]
            .obj
            .value
            .at("/spec/type")
            .and_then(Value::as_str)
            == Some("LoadBalancer")
    });
    if lb {
        Exposure::LoadBalancer
    } else {
        Exposure::Internal
    }
}

fn loc(f: &Finding) -> (String, usize) {
    (f.file.clone(), f.line)
}

/// The value to choose for findings with no safe automatic fix; the rule's own fix otherwise.
fn choose_text(f: &Finding) -> String {
    let specific = match f.rule {
        "image-tag-mutable" => "choose the immutable version tag or digest (image@sha256:...) of the build you run, and give it with --choose image-tag-mutable=IMAGE",
        "pdb-selector-matches-nothing" => "choose the workload this PDB protects and copy its spec.selector.matchLabels",
        "required-anti-affinity-blocks-rollout" => "choose: more schedulable nodes than replicas + maxSurge, or preferredDuringScheduling anti-affinity, or maxSurge: 0 with maxUnavailable: 1 (capacity drops by one pod during rollouts)",
        "shell-pid1-drops-sigterm" => "choose: the exec form of the command (--choose 'shell-pid1-drops-sigterm=APP ARGS'), or `exec` before the app in the script (the script itself is not in the manifest)",
        "replicas-below-two" if f.message.contains("can scale down to") => "choose the HPA's minReplicas (>= 2) and set it in the HPA (an HPA owns spec.replicas, so --choose replicas-below-two does not apply)",
        "replicas-below-two" => "choose the replica count (>= 2) your capacity and budget allow (--choose replicas-below-two=N)",
        "recreate-strategy-downtime" => "choose: RollingUpdate (maxSurge: 1, maxUnavailable: 0) if two versions may overlap, or keep Recreate and suppress with the reason (e.g. a ReadWriteOnce volume)",
        "resources-missing" | "memory-limit-missing" => "choose requests (and a memory limit) from the app's measured usage",
        "hpa-missing" => "choose the HPA's minReplicas (>= 2), maxReplicas and CPU target",
        "liveness-probe-missing" => "choose a cheap liveness check of the process alone (its own endpoint, or tcpSocket on the serving port) and a startupProbe covering the worst boot time; a guessed liveness restarts slow starters",
        "nginx-fast-shutdown" => "choose: a preStop `sleep N; nginx -s quit; while kill -0 1; do sleep 1; done` (needs a shell) or an image with STOPSIGNAL SIGQUIT",
        _ => "",
    };
    if specific.is_empty() {
        f.fix.clone()
    } else {
        specific.to_string()
    }
}

/// Plans the fixes of one workload's findings. Returns the planned edits, the findings left
/// manual, and new documents.
#[allow(clippy::too_many_arguments)]
fn plan_workload(
    ctx: &Ctx<'_>,
    wi: usize,
    findings: &[&Finding],
    lb_delays: &[super::traffic::LbDelay],
    choices: &[Choice],
    used: &mut BTreeSet<usize>,
    planned: &mut Vec<Planned>,
    manual: &mut Vec<Finding>,
    new_docs: &mut Vec<(Planned, Value)>,
) {
    let w = &ctx.workloads[wi];
    let jvm_of = |c: &Container<'_>| super::probes::looks_jvm(c);
    let exposure = exposure_of(ctx, wi);
    // Grace periods wanted by the shutdown fixes; one edit of the largest.
    let mut grace_want: Option<(u32, String, &'static str, (String, usize))> = None;
    let mut want_grace = |secs: u32, reason: String, rule: &'static str, at: (String, usize)| {
        if i64::from(secs) > w.grace_seconds() && grace_want.as_ref().is_none_or(|g| secs > g.0) {
            grace_want = Some((secs, reason, rule, at));
        }
    };
    let mut seen = std::collections::HashSet::new();
    for f in findings {
        if !seen.insert((f.rule, f.container.clone())) {
            continue;
        }
        let c = f
            .container
            .as_deref()
            .and_then(|n| w.containers.iter().find(|c| c.name == n));
        let (file, line) = loc(f);
        // What a load balancer in front of this container needs of its preStop, if any.
        let lb = c.and_then(|c| {
            let ci = w.containers.iter().position(|x| x.name == c.name)?;
            lb_delays
                .iter()
                .filter(|d| d.wi == wi && d.ci == ci)
                .max_by_key(|d| d.needed)
        });
        let mut plan = |ops: Vec<Op>, change: String, reason: String| {
            planned.push(Planned {
                rule: f.rule,
                file: file.clone(),
                line,
                ops,
                change,
                reason,
                note: None,
            })
        };
        match (f.rule, c) {
            ("hpa-replicas-conflict", _) => {
                plan(
                    vec![Op::Remove(keys(&["spec", "replicas"]))],
                    "spec.replicas removed".into(),
                    "the HPA owns the scale; an apply that sets spec.replicas resets it and terminates pods".into(),
                );
                if let Some(p) = planned.last_mut() {
                    p.note = Some(REPLICAS_NOTE);
                }
            }
            ("rolling-update-cannot-progress", _) => {
                let spec = spec_for(false, exposure);
                let reason = spec
                    .map(|s| {
                        let p = policy::probes::probes(&s);
                        let r =
                            policy::rollout::rollout(&s, crate::plan::decide(2, ""), &p, 2, false);
                        format!(
                            "maxSurge {}; maxUnavailable stays {}",
                            r.max_surge.reason, r.max_unavailable.reason
                        )
                    })
                    .unwrap_or_default();
                if w.kind == super::model::WorkloadKind::DaemonSet {
                    // A surge pod of a DaemonSet needs the node's host ports free; one node at a
                    // time (the API default) always progresses.
                    plan(
                        vec![Op::Set(keys(&["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]), json!(1))],
                        "spec.updateStrategy.rollingUpdate.maxUnavailable: 1".into(),
                        "1: a DaemonSet replaces its pod one node at a time (the API default); a surge pod would need the node's host ports free".into(),
                    );
                    continue;
                }
                plan(
                    vec![Op::Set(
                        keys(&["spec", "strategy", "rollingUpdate", "maxSurge"]),
                        json!(1),
                    )],
                    "spec.strategy.rollingUpdate.maxSurge: 1".into(),
                    reason,
                )
            }
            ("prestop-missing" | "nginx-fast-shutdown", Some(c)) => {
                // nginx gets the generator's nginx hook (sleep, `nginx -s quit`, wait) when the
                // image has a shell; one hook per container, whichever rule asked first.
                let nginx = findings
                    .iter()
                    .any(|g| g.rule == "nginx-fast-shutdown" && g.container == f.container);
                let shell = c
                    .image
                    .is_none_or(|i| !super::shutdown::shell_less_image(i));
                if nginx && !shell {
                    manual.push((*f).clone());
                    continue;
                }
                if !seen.insert(("preStop", f.container.clone())) {
                    continue;
                }
                let preset = if nginx {
                    "nginx-static"
                } else if jvm_of(c) {
                    "spring-boot"
                } else {
                    "generic"
                };
                let Some(spec) = spec_of(preset, exposure, shell) else {
                    continue;
                };
                let sd = policy::shutdown::shutdown(&spec, &mut vec![]);
                // A load balancer in front of the container may need longer than the
                // generator's delay for this exposure (the lb-health-check-outlasts-prestop model).
                let Some(pre_stop) = &sd.pre_stop.value else {
                    continue;
                };
                let generated = pre_stop.seconds();
                let chosen = lb.map_or(generated, |d| {
                    generated.max(u32::try_from(d.needed).unwrap_or(generated))
                });
                let (hook, change) = match pre_stop {
                    crate::plan::PreStop::Sleep { .. } => (
                        json!({"sleep": {"seconds": chosen}}),
                        format!("lifecycle.preStop.sleep.seconds: {chosen}"),
                    ),
                    crate::plan::PreStop::Exec { command, .. } => {
                        let command: Vec<String> = command
                            .iter()
                            .map(|a| {
                                a.replacen(
                                    &format!("sleep {generated}"),
                                    &format!("sleep {chosen}"),
                                    1,
                                )
                            })
                            .collect();
                        let shown = command.join(" ");
                        (
                            json!({"exec": {"command": command}}),
                            format!("lifecycle.preStop.exec.command: {shown}"),
                        )
                    }
                };
                let pre_reason = match lb.filter(|_| chosen > generated) {
                    Some(d) => format!(
                        "{chosen}s, not the {generated}s the Service alone needs: {}",
                        d.why
                    ),
                    None => sd.pre_stop.reason.clone(),
                };
                if c.v.at("/lifecycle/preStop").is_some() {
                    manual.push((*f).clone());
                    continue;
                }
                plan(
                    vec![Op::Set(
                        container_path(w, c, &["lifecycle", "preStop"]),
                        hook,
                    )],
                    format!("container '{}': {change}", c.name),
                    pre_reason,
                );
                let (grace, grace_reason) = if chosen > generated {
                    let (g, why) = grace_covering(chosen, &spec);
                    (g.max(sd.termination_grace_period_seconds.value), why)
                } else {
                    (
                        sd.termination_grace_period_seconds.value,
                        sd.termination_grace_period_seconds.reason.clone(),
                    )
                };
                want_grace(grace, grace_reason, f.rule, loc(f));
            }
            ("lb-health-check-outlasts-prestop", Some(c)) => {
                let Some(d) = lb else {
                    manual.push((*f).clone());
                    continue;
                };
                if c.v.at("/lifecycle/preStop/sleep/seconds").is_none() {
                    // An exec hook's sleep is inside the user's command: left to the user.
                    manual.push((*f).clone());
                    continue;
                }
                let Some(spec) = spec_for(jvm_of(c), exposure) else {
                    continue;
                };
                let needed = u32::try_from(d.needed).unwrap_or(u32::MAX);
                plan(
                    vec![Op::Set(
                        container_path(w, c, &["lifecycle", "preStop", "sleep", "seconds"]),
                        json!(needed),
                    )],
                    format!(
                        "container '{}': lifecycle.preStop.sleep.seconds: {needed}",
                        c.name
                    ),
                    format!("{needed}s: {}", d.why),
                );
                let (g, why) = grace_covering(needed, &spec);
                want_grace(g, why, f.rule, loc(f));
            }
            ("prestop-exceeds-grace-period" | "grace-period-too-short", Some(c)) => {
                let Some(spec) = spec_for(jvm_of(c), exposure) else {
                    continue;
                };
                let pre = PreStop::of(c).sleep_seconds().map_or(0, |(s, _)| s.max(0));
                let (grace, reason) = grace_covering(u32::try_from(pre).unwrap_or(0), &spec);
                want_grace(grace, reason, f.rule, loc(f));
            }
            ("startup-probe-missing" | "liveness-kills-during-startup", Some(c)) => {
                let Some(live) = c.v.get("livenessProbe") else {
                    manual.push((*f).clone());
                    continue;
                };
                let Some((hk, hv)) = handler_of(live) else {
                    manual.push((*f).clone());
                    continue;
                };
                let Some(spec) = spec_for(jvm_of(c), exposure) else {
                    continue;
                };
                let p = policy::probes::probes(&spec).startup;
                let mut probe = Map::new();
                probe.insert(hk, hv);
                // The reason counts the first check at the typical startup: so must the probe.
                if p.value.initial_delay_seconds > 0 {
                    probe.insert(
                        "initialDelaySeconds".into(),
                        json!(p.value.initial_delay_seconds),
                    );
                }
                probe.insert("periodSeconds".into(), json!(p.value.period_seconds));
                probe.insert("timeoutSeconds".into(), json!(p.value.timeout_seconds));
                probe.insert("failureThreshold".into(), json!(p.value.failure_threshold));
                plan(
                    vec![Op::Set(
                        container_path(w, c, &["startupProbe"]),
                        Value::Object(probe),
                    )],
                    format!(
                        "container '{}': startupProbe on the liveness handler, {} x {}s",
                        c.name, p.value.failure_threshold, p.value.period_seconds
                    ),
                    format!(
                        "{} (app type: {})",
                        p.reason,
                        if jvm_of(c) { "JVM" } else { "generic" }
                    ),
                );
            }
            ("probe-timeout-under-cpu-throttling", Some(c)) => {
                let Some(spec) = spec_for(jvm_of(c), exposure) else {
                    continue;
                };
                let live_timeout = policy::probes::probes(&spec).liveness.value.timeout_seconds;
                let ready_timeout = policy::probes::READINESS_TIMEOUT_SECONDS;
                let mut ops = Vec::new();
                let mut what = Vec::new();
                for (field, probe, want) in [
                    ("livenessProbe", &c.liveness, live_timeout),
                    ("startupProbe", &c.startup, live_timeout),
                    ("readinessProbe", &c.readiness, ready_timeout),
                ] {
                    if probe.as_ref().is_some_and(|p| p.timeout < i64::from(want)) {
                        ops.push(Op::Set(
                            container_path(w, c, &[field, "timeoutSeconds"]),
                            json!(want),
                        ));
                        what.push(format!("{field}.timeoutSeconds: {want}"));
                    }
                }
                if !ops.is_empty() {
                    plan(
                        ops,
                        format!("container '{}': {}", c.name, what.join(", ")),
                        format!("readiness {ready_timeout}s and liveness/startup {live_timeout}s, not the 1s default that CPU throttling exceeds (as zerodown's own probes)"),
                    );
                }
            }
            ("liveness-same-as-readiness", Some(c)) => {
                let port = c.readiness.as_ref().and_then(|r| match &r.handler {
                    Handler::Http { port, .. } => port.clone(),
                    Handler::Grpc { port, .. } => port.map(PortRef::Num),
                    _ => None,
                });
                let (Some(port), Some(live)) = (port, c.liveness.as_ref()) else {
                    manual.push((*f).clone());
                    continue;
                };
                let Some(spec) = spec_for(jvm_of(c), exposure) else {
                    continue;
                };
                let pl = policy::probes::probes(&spec).liveness;
                // A startupProbe this same fix adds (on the liveness handler) covers boot too.
                let startup_added = c.startup.is_none()
                    && handler_of(c.v.get("livenessProbe").unwrap_or(&Value::Null)).is_some()
                    && findings.iter().any(|g| {
                        matches!(
                            g.rule,
                            "startup-probe-missing" | "liveness-kills-during-startup"
                        ) && g.container == f.container
                    });
                let mut probe = Map::new();
                probe.insert("tcpSocket".into(), json!({"port": port_value(&port)}));
                if live.initial_delay > 0 && c.startup.is_none() && !startup_added {
                    probe.insert("initialDelaySeconds".into(), json!(live.initial_delay));
                }
                // Liveness must outlast the input's readiness window, so an overloaded pod leaves
                // the Service before it is restarted (the generator's reason, made true here).
                let period = pl.value.period_seconds;
                let ready_window = c
                    .readiness
                    .as_ref()
                    .map_or(0, |r| (r.period * r.failure_threshold).max(0));
                let ready_window = u32::try_from(ready_window).unwrap_or(u32::MAX);
                let threshold = pl
                    .value
                    .failure_threshold
                    .max(ready_window / period.max(1) + 1);
                probe.insert("periodSeconds".into(), json!(period));
                probe.insert(
                    "timeoutSeconds".into(),
                    json!(pl
                        .value
                        .timeout_seconds
                        .max(u32::try_from(live.timeout).unwrap_or(1))),
                );
                probe.insert("failureThreshold".into(), json!(threshold));
                // The generator's reason ends with what covers boot in its own bundle (its
                // startupProbe); here that is whatever this container has.
                let budget = format!(
                    "its own check (a TCP connect, not the app's dependencies) and a {}s failure budget, longer than readiness's {ready_window}s, so an overloaded pod first leaves the Service and is restarted only if it stays stuck",
                    period * threshold
                );
                let boot = if c.startup.is_some() {
                    "no initialDelaySeconds needed: the container's startupProbe covers boot"
                        .to_string()
                } else if startup_added {
                    "no initialDelaySeconds: the startupProbe this fix adds covers boot".to_string()
                } else if live.initial_delay > 0 {
                    format!(
                        "initialDelaySeconds {} kept from the input (there is no startupProbe)",
                        live.initial_delay
                    )
                } else {
                    "there is no startupProbe, so a boot slower than this budget still fails it (add one sized to the worst boot)".to_string()
                };
                plan(
                    vec![Op::Set(container_path(w, c, &["livenessProbe"]), Value::Object(probe))],
                    format!("container '{}': livenessProbe is a TCP connect to port {port}, {threshold} x {period}s", c.name),
                    format!("{budget}; {boot}"),
                );
            }
            ("readiness-probe-missing", Some(c)) => {
                // The port a selecting Service targets in this container, else its first port.
                let target = ctx.services_of[wi]
                    .iter()
                    .flat_map(|&s| {
                        ctx.services[s]
                            .obj
                            .value
                            .at("/spec/ports")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                    })
                    .find_map(|p| {
                        let t = PortRef::from_value(p.get("targetPort").or_else(|| p.get("port")))?;
                        c.declares(&t).then_some(t)
                    })
                    .or_else(|| {
                        c.ports.first().map(|p| match &p.name {
                            Some(n) => PortRef::Name(n.clone()),
                            None => PortRef::Num(p.number),
                        })
                    });
                let Some(port) = target else {
                    manual.push((*f).clone());
                    continue;
                };
                use policy::probes::{
                    READINESS_FAILURE_THRESHOLD as FT, READINESS_PERIOD_SECONDS as PS,
                    READINESS_TIMEOUT_SECONDS as TS,
                };
                plan(
                    vec![Op::Set(
                        container_path(w, c, &["readinessProbe"]),
                        json!({"tcpSocket": {"port": port_value(&port)}, "periodSeconds": PS, "timeoutSeconds": TS, "failureThreshold": FT}),
                    )],
                    format!("container '{}': readinessProbe TCP connect to port {port}, every {PS}s", c.name),
                    format!("gates traffic: a pod gets requests only after it accepts connections, and leaves the Service after {}s of failures; timeout {TS}s, not the 1s default that CPU throttling exceeds (an httpGet on the app's health path is better when it has one)", PS * FT),
                );
            }
            ("pdb-missing", _) => {
                let Some(selector) = w
                    .obj
                    .value
                    .at("/spec/selector")
                    .filter(|s| s.is_object())
                    .cloned()
                else {
                    manual.push((*f).clone());
                    continue;
                };
                let repointed = ctx.pdbs.iter().enumerate().any(|(pi, q)| {
                    q.obj.name == w.obj.name
                        && q.obj.namespace == w.obj.namespace
                        && ctx.workloads_of_pdb[pi].is_empty()
                });
                if repointed {
                    continue;
                }
                let p = policy::disruption::pdb();
                let taken = ctx
                    .pdbs
                    .iter()
                    .any(|q| q.obj.name == w.obj.name && q.obj.namespace == w.obj.namespace);
                let name = if taken {
                    format!("{}-pdb", w.obj.name)
                } else {
                    w.obj.name.clone()
                };
                let mut meta = Map::new();
                meta.insert("name".into(), json!(name));
                if let Some(ns) = w.obj.value.at("/metadata/namespace") {
                    meta.insert("namespace".into(), ns.clone());
                }
                let doc = json!({
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": meta,
                    "spec": {
                        "maxUnavailable": p.max_unavailable.value,
                        "unhealthyPodEvictionPolicy": p.unhealthy_pod_eviction_policy.value,
                        "selector": selector,
                    }
                });
                new_docs.push((
                    Planned {
                        rule: f.rule,
                        file,
                        line,
                        ops: vec![],
                        change: format!(
                            "PodDisruptionBudget '{name}' added with the selector of {}",
                            w.obj.display()
                        ),
                        reason: format!(
                            "maxUnavailable {}; {}",
                            p.max_unavailable.reason, p.unhealthy_pod_eviction_policy.reason
                        ),
                        note: None,
                    },
                    doc,
                ));
            }
            ("required-anti-affinity-blocks-rollout" | "zone-anti-affinity-caps-replicas", _) => {
                if !seen.insert(("anti-affinity", None)) {
                    continue;
                }
                let chosen = choose::find(choices, f.rule, &w.obj.name, None, None).or_else(|| {
                    choose::find(
                        choices,
                        "required-anti-affinity-blocks-rollout",
                        &w.obj.name,
                        None,
                        None,
                    )
                });
                let how = match chosen {
                    Some((
                        i,
                        Choice {
                            value: ChoiceValue::AntiAffinity(how),
                            ..
                        },
                    )) => {
                        used.insert(i);
                        *how
                    }
                    // One pod per zone caps the replicas: only preferred terms lift the cap.
                    // One pod per node only blocks the surge: keeping it and rolling with
                    // maxUnavailable 1 works from the first apply (preferred terms would not:
                    // see ANTI_AFFINITY_NOTE).
                    _ if findings
                        .iter()
                        .any(|g| g.rule == "zone-anti-affinity-caps-replicas") =>
                    {
                        AntiAffinityFix::Preferred
                    }
                    _ => AntiAffinityFix::MaxUnavailable,
                };
                match anti_affinity_ops(w, how) {
                    Some((ops, change, reason)) => {
                        plan(ops, change, reason);
                        if let (Some(p), AntiAffinityFix::Preferred) = (planned.last_mut(), how) {
                            p.note = Some(ANTI_AFFINITY_NOTE);
                        }
                    }
                    None => manual.push((*f).clone()),
                }
            }
            ("shell-pid1-drops-sigterm", Some(c)) => {
                if let Some((field, items)) = exec_fix(c) {
                    plan(
                        vec![Op::Set(container_path(w, c, &[field]), json!(items))],
                        format!("container '{}': {field}: 'exec' before the last command of the -c script", c.name),
                        "exec: the shell replaces itself with the app, so the app is PID 1 and receives SIGTERM and drains instead of being SIGKILLed after the grace period (Kubernetes docs, Pod Lifecycle: Termination of Pods)".into(),
                    );
                    continue;
                }
                match choose::find(choices, f.rule, &w.obj.name, Some(c.name), c.image) {
                    Some((
                        i,
                        Choice {
                            value: ChoiceValue::Command(words),
                            ..
                        },
                    )) => {
                        used.insert(i);
                        let mut ops =
                            vec![Op::Set(container_path(w, c, &["command"]), json!(words))];
                        if !c.args.is_empty() {
                            ops.push(Op::Remove(container_path(w, c, &["args"])));
                        }
                        plan(
                            ops,
                            format!(
                                "container '{}': command: {}{} (chosen with --choose)",
                                c.name,
                                scalar_text(&json!(words)),
                                if c.args.is_empty() { "" } else { ", args removed" }
                            ),
                            "exec form: the app itself is PID 1 and receives SIGTERM, so it drains instead of being SIGKILLed after the grace period (Kubernetes docs, Pod Lifecycle: Termination of Pods)".into(),
                        );
                    }
                    _ => manual.push((*f).clone()),
                }
            }
            ("image-tag-mutable", Some(c)) => {
                match choose::find(choices, f.rule, &w.obj.name, Some(c.name), c.image) {
                    Some((
                        i,
                        Choice {
                            value: ChoiceValue::Image(image),
                            ..
                        },
                    )) => {
                        used.insert(i);
                        plan(
                            vec![Op::Set(container_path(w, c, &["image"]), json!(image))],
                            format!("container '{}': image: {image} (chosen with --choose)", c.name),
                            "a version tag or digest makes each release a change of the pod template, so it rolls out behind readiness with the previous ReplicaSet as its rollback target, and every node runs the same build (Kubernetes docs, Images: Image names; Configuration best practices)".into(),
                        );
                    }
                    _ => manual.push((*f).clone()),
                }
            }
            ("replicas-below-two", _) if ctx.hpa_of(wi).is_none() => {
                match choose::find(choices, f.rule, &w.obj.name, None, None) {
                    Some((
                        i,
                        Choice {
                            value: ChoiceValue::Replicas(n),
                            ..
                        },
                    )) => {
                        used.insert(i);
                        plan(
                            vec![Op::Set(keys(&["spec", "replicas"]), json!(n))],
                            format!("spec.replicas: {n} (chosen with --choose)"),
                            "at least two pods, so a rollout, a node drain or one crash leaves a pod serving (Kubernetes docs, Disruptions)".into(),
                        );
                    }
                    _ => manual.push((*f).clone()),
                }
            }
            _ => manual.push((*f).clone()),
        }
    }
    if let Some((secs, reason, rule, (file, line))) = grace_want {
        planned.push(Planned {
            rule,
            file,
            line,
            ops: vec![Op::Set(
                {
                    let mut p = pod_path(w);
                    p.push(Seg::Key("terminationGracePeriodSeconds".into()));
                    p
                },
                json!(secs),
            )],
            change: format!("terminationGracePeriodSeconds: {secs}"),
            reason,
            note: None,
        });
    }
}

/// The pod spec path of a workload plus `field`.
fn pod_field(w: &Workload<'_>, field: &[&str]) -> Vec<Seg> {
    let mut p = pod_path(w);
    p.extend(keys(field));
    p
}

/// The edits that unblock a rollout under required pod anti-affinity on the workload's own pods:
/// those terms become preferred (weight 100, as the generator writes them; other required terms
/// stay), or the requirement stays and the rolling update frees a node first.
fn anti_affinity_ops(w: &Workload<'_>, how: AntiAffinityFix) -> Option<(Vec<Op>, String, String)> {
    const REQ: &str = "requiredDuringSchedulingIgnoredDuringExecution";
    const PREF: &str = "preferredDuringSchedulingIgnoredDuringExecution";
    match how {
        AntiAffinityFix::MaxUnavailable => {
            if w.kind != super::model::WorkloadKind::Deployment {
                return None;
            }
            Some((
                vec![
                    Op::Set(keys(&["spec", "strategy", "rollingUpdate", "maxSurge"]), json!(0)),
                    Op::Set(keys(&["spec", "strategy", "rollingUpdate", "maxUnavailable"]), json!(1)),
                ],
                "spec.strategy.rollingUpdate: maxSurge 0, maxUnavailable 1".into(),
                "one pod per node stays required, so a rollout removes an old pod before it places a new one and never waits for a free node; capacity drops by one pod while it rolls (Kubernetes docs, Deployments: Max Surge, Max Unavailable); for full capacity during rollouts instead: a spare node, or --choose required-anti-affinity-blocks-rollout=preferred".into(),
            ))
        }
        AntiAffinityFix::Preferred => {
            let aff = w.pod_spec.at("/affinity/podAntiAffinity")?;
            let terms = aff.get(REQ)?.as_array()?;
            let (own, other): (Vec<&Value>, Vec<&Value>) = terms.iter().partition(|t| {
                super::model::LabelSelector::from_value(t.get("labelSelector"))
                    .is_some_and(|s| s.matches(&w.pod_labels))
            });
            if own.is_empty() {
                return None;
            }
            let mut preferred: Vec<Value> = aff
                .get(PREF)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            preferred.extend(
                own.iter()
                    .map(|t| json!({"weight": 100, "podAffinityTerm": t})),
            );
            // Preferred first: podAntiAffinity must never be left an empty mapping between edits.
            let mut ops = vec![Op::Set(
                pod_field(w, &["affinity", "podAntiAffinity", PREF]),
                Value::Array(preferred),
            )];
            ops.push(if other.is_empty() {
                Op::Remove(pod_field(w, &["affinity", "podAntiAffinity", REQ]))
            } else {
                Op::Set(
                    pod_field(w, &["affinity", "podAntiAffinity", REQ]),
                    json!(other),
                )
            });
            let keys: Vec<&str> = own
                .iter()
                .filter_map(|t| t.get("topologyKey").and_then(Value::as_str))
                .collect();
            Some((
                ops,
                format!(
                    "podAntiAffinity on {}: required -> preferred (weight 100)",
                    keys.join(", ")
                ),
                policy::spread::spread(crate::spec::Cost::Balanced, 2)
                    .hard_anti_affinity
                    .reason,
            ))
        }
    }
}

/// The decidable fix of a shell as PID 1 (see [`super::shutdown::exec_fix`]): the field that
/// changes (`command` or `args`) and its new items.
fn exec_fix(c: &Container<'_>) -> Option<(&'static str, Vec<String>)> {
    let (command, args) = super::shutdown::exec_fix(&c.command, &c.args, c.image)?;
    if command != c.command {
        Some(("command", command))
    } else {
        Some(("args", args))
    }
}

/// Plans the fixes of a PDB's findings.
fn plan_pdb(ctx: &Ctx<'_>, f: &Finding, planned: &mut Vec<Planned>, manual: &mut Vec<Finding>) {
    let p = policy::disruption::pdb();
    let (file, line) = loc(f);
    match f.rule {
        // Decidable only when the PDB is named after a workload of its namespace that no other
        // PDB covers: then it was meant for that workload, and takes its real selector.
        "pdb-selector-matches-nothing" => {
            let pdb = &ctx.objects[f.object];
            let target = ctx
                .workloads
                .iter()
                .enumerate()
                .find(|(_, w)| w.obj.name == pdb.name && w.obj.namespace == pdb.namespace);
            let selector = target
                .filter(|(wi, _)| ctx.pdbs_of[*wi].is_empty())
                .and_then(|(_, w)| {
                    w.obj
                        .value
                        .at("/spec/selector")
                        .filter(|s| s.is_object())
                        .map(|s| (w, s.clone()))
                });
            match selector {
                Some((w, sel)) => planned.push(Planned {
                    rule: f.rule,
                    file,
                    line,
                    ops: vec![Op::Set(keys(&["spec", "selector"]), sel)],
                    change: format!(
                        "spec.selector: the selector of {} (the PDB's namesake)",
                        w.obj.display()
                    ),
                    reason:
                        "a PDB protects only the pods its selector matches; this one matched none"
                            .into(),
                    note: None,
                }),
                None => manual.push(f.clone()),
            }
        }
        "pdb-unhealthy-eviction-policy" => planned.push(Planned {
            rule: f.rule,
            file,
            line,
            ops: vec![Op::Set(
                keys(&["spec", "unhealthyPodEvictionPolicy"]),
                json!(p.unhealthy_pod_eviction_policy.value),
            )],
            change: "spec.unhealthyPodEvictionPolicy: AlwaysAllow".into(),
            reason: p.unhealthy_pod_eviction_policy.reason.clone(),
            note: None,
        }),
        "pdb-allows-zero-disruptions" => planned.push(Planned {
            rule: f.rule,
            file,
            line,
            ops: vec![
                Op::Remove(keys(&["spec", "minAvailable"])),
                Op::Set(
                    keys(&["spec", "maxUnavailable"]),
                    json!(p.max_unavailable.value),
                ),
            ],
            change: format!(
                "spec.maxUnavailable: {} (minAvailable removed)",
                p.max_unavailable.value
            ),
            reason: p.max_unavailable.reason.clone(),
            note: None,
        }),
        _ => manual.push(f.clone()),
    }
}

/// Fixes what can be fixed in `sources` (pure: no I/O). Documents that are not plain YAML
/// (Helm templates, invalid YAML) are left as they are; objects expanded from a `List` are not
/// edited (their findings are listed as manual).
///
/// Fixes are cross-object, so one can reveal another (removing `spec.replicas` beside an HPA
/// with `minReplicas: 5` makes the workload replicated, which then needs a PDB): passes repeat
/// until nothing changes (at most 4). `manual` is what `check` still finds in the result.
pub fn fix_sources(sources: &[Source]) -> FixOutcome {
    fix_sources_with(sources, &[])
}

/// [`fix_sources`] with the values the user chose (`--choose`) for findings that have no safe
/// automatic fix; `unused_choices` lists the choices that answered no finding.
pub fn fix_sources_with(sources: &[Source], choices: &[Choice]) -> FixOutcome {
    // A file with Windows line endings throughout is edited as LF and written back as CRLF, so
    // its untouched lines stay byte-identical and the new ones match them.
    let crlf: Vec<bool> = sources.iter().map(|s| all_crlf(&s.text)).collect();
    let mut current: Vec<Source> = sources
        .iter()
        .zip(&crlf)
        .map(|(s, &c)| {
            if c {
                Source::new(s.name.clone(), s.text.replace("\r\n", "\n"))
            } else {
                s.clone()
            }
        })
        .collect();
    let mut out = FixOutcome::default();
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    for _ in 0..4 {
        let once = fix_once(&current, choices, &mut used);
        failures = once.manual;
        if once.applied.is_empty() {
            break;
        }
        out.applied.extend(once.applied);
        for n in once.notes {
            if !out.notes.contains(&n) {
                out.notes.push(n);
            }
        }
        current = once
            .sources
            .into_iter()
            .map(|s| Source::new(s.name, s.text))
            .collect();
    }
    out.manual = failures;
    out.unused_choices = choices
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, c)| c.given.clone())
        .collect();
    // What is left is what `check` finds in the fixed text.
    let left = super::check_sources(&current);
    for f in left.findings.into_iter().filter(|f| f.suppressed.is_none()) {
        // A fix that could not be written is listed once, with why.
        let listed = out
            .manual
            .iter()
            .any(|m| m.rule == f.rule && m.file == f.file && m.line == f.line);
        if f.severity >= Severity::Warning && !listed {
            out.manual.push(Manual {
                rule: f.rule,
                file: f.file.clone(),
                line: f.line,
                choose: choose_text(&f),
                message: f.message,
            });
        }
    }
    out.manual
        .sort_by(|a, b| (&a.file, a.line, a.rule).cmp(&(&b.file, b.line, b.rule)));
    // Objects changed and added, by (kind, namespace, name), for `--patch`.
    let before = parse::parse_sources(sources);
    let after = parse::parse_sources(&current);
    for (si, (src, cur)) in sources.iter().zip(&current).enumerate() {
        let text = if crlf[si] {
            cur.text.replace('\n', "\r\n")
        } else {
            cur.text.clone()
        };
        let mut fixed = FixedSource {
            name: src.name.clone(),
            changed: text != src.text,
            text,
            changed_objects: Vec::new(),
            added: Vec::new(),
        };
        for a in after.objects.iter().filter(|o| o.source == si) {
            let old = before.objects.iter().find(|b| {
                b.source == si && b.kind == a.kind && b.namespace == a.namespace && b.name == a.name
            });
            match old {
                Some(b) if b.value != a.value => fixed.changed_objects.push(ChangedObject {
                    api_version: b.api_version.clone(),
                    kind: b.kind.clone(),
                    name: b.name.clone(),
                    namespace: b
                        .value
                        .at("/metadata/namespace")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    before: b.value.clone(),
                    after: a.value.clone(),
                }),
                Some(_) => {}
                None => fixed
                    .added
                    .push((a.kind.clone(), a.name.clone(), a.value.clone())),
            }
        }
        out.sources.push(fixed);
    }
    out
}

/// An editor error's `line N:` (of the document) as the line of the file, whose document starts
/// after `before` lines.
fn in_file_lines(e: &str, before: usize) -> String {
    let parsed = e
        .strip_prefix("line ")
        .and_then(|r| r.split_once(':'))
        .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest)));
    match parsed {
        Some((n, rest)) => format!("line {}:{rest}", n + before),
        None => e.to_string(),
    }
}

/// True when the text has line breaks and every one is CRLF.
fn all_crlf(text: &str) -> bool {
    let lf = text.matches('\n').count();
    lf > 0 && text.matches("\r\n").count() == lf
}

/// One pass of [`fix_sources`]: the sources' new texts, the edits made, and the edits that
/// could not be made (as `manual`).
fn fix_once(sources: &[Source], choices: &[Choice], used: &mut BTreeSet<usize>) -> FixOutcome {
    let parsed = parse::parse_sources(sources);
    let views = Views::build(&parsed.objects);
    let ctx = Ctx::new(sources, &parsed.objects, &views);
    let mut findings = rules::run_all(&ctx);
    suppress::apply(&ctx, &mut findings, super::day::Day::today());
    findings.retain(|f| f.suppressed.is_none());
    findings.sort_by_key(|f| (f.object, f.line, f.rule));
    findings.dedup();

    let lb_delays = super::traffic::lb_delays(&ctx, &super::app::App::build(&ctx));
    let mut by_object: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        by_object.entry(f.object).or_default().push(f);
    }
    // Object index -> planned edits; new documents per source.
    let mut per_object: BTreeMap<usize, Vec<Planned>> = BTreeMap::new();
    let mut new_docs: Vec<Vec<(Planned, Value)>> = (0..sources.len()).map(|_| Vec::new()).collect();
    let mut manual_findings = Vec::new();
    for (&oi, fs) in &by_object {
        let mut planned = Vec::new();
        // A bare Pod's spec cannot be updated in place (the API server rejects changes to
        // its containers' lifecycle and probes), so its findings stay with the user.
        let bare_pod = parsed.objects[oi].kind == "Pod";
        if let Some(wi) = ctx
            .workloads
            .iter()
            .position(|w| w.idx == oi)
            .filter(|_| !bare_pod)
        {
            let mut docs = Vec::new();
            plan_workload(
                &ctx,
                wi,
                fs,
                &lb_delays,
                choices,
                used,
                &mut planned,
                &mut manual_findings,
                &mut docs,
            );
            new_docs[parsed.objects[oi].source].extend(docs);
        } else if parsed.objects[oi].kind == "PodDisruptionBudget" {
            for f in fs {
                plan_pdb(&ctx, f, &mut planned, &mut manual_findings);
            }
        } else {
            manual_findings.extend(fs.iter().map(|f| (*f).clone()));
        }
        if !planned.is_empty() {
            per_object.insert(oi, planned);
        }
    }

    let mut out = FixOutcome::default();
    for (si, src) in sources.iter().enumerate() {
        if template_line(&src.text).is_some() {
            // A Helm template is never edited: its YAML is not what gets applied.
            per_object.retain(|&oi, _| parsed.objects[oi].source != si);
            new_docs[si].clear();
        }
        let mut text = src.text.clone();
        let mut changed_objects = Vec::new();
        // Bottom-up, so the byte ranges of earlier documents stay valid.
        let mut objs: Vec<usize> = per_object
            .keys()
            .copied()
            .filter(|&oi| parsed.objects[oi].source == si)
            .collect();
        objs.sort_by_key(|&oi| std::cmp::Reverse(parsed.objects[oi].text.0));
        for oi in objs {
            let o = &parsed.objects[oi];
            let shared = parsed
                .objects
                .iter()
                .filter(|p| p.source == si && p.text == o.text)
                .count()
                > 1;
            let planned = per_object.remove(&oi).unwrap_or_default();
            let (start, end) = o.text;
            let mut doc = DocLines::new(&text[start..end]);
            let mut done = Vec::new();
            for p in planned {
                let mut trial = doc.clone();
                let res = if shared {
                    Err("the object is an item of a List document".to_string())
                } else {
                    p.ops.iter().try_for_each(|op| match op {
                        Op::Set(path, v) => trial.set(path, v),
                        Op::Remove(path) => trial.remove(path).map(|_| ()),
                    })
                };
                match res {
                    Ok(()) => {
                        doc = trial;
                        done.push(p);
                    }
                    Err(e) => out.manual.push(Manual {
                        rule: p.rule,
                        file: p.file,
                        line: p.line,
                        message: format!(
                            "{} could not be edited automatically ({})",
                            o.display(),
                            in_file_lines(&e, text[..start].matches('\n').count())
                        ),
                        choose: p.change,
                    }),
                }
            }
            if done.is_empty() {
                continue;
            }
            let mut new_text = doc.text();
            if !text[start..end].ends_with('\n') && end == text.len() {
                new_text.pop();
            }
            let after = serde_yaml_ng::from_str::<Value>(&new_text).unwrap_or(Value::Null);
            text.replace_range(start..end, &new_text);
            changed_objects.push(ChangedObject {
                api_version: o.api_version.clone(),
                kind: o.kind.clone(),
                name: o.name.clone(),
                namespace: o
                    .value
                    .at("/metadata/namespace")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                before: o.value.clone(),
                after,
            });
            for p in done {
                if let Some(n) = p.note.filter(|n| !out.notes.iter().any(|m| m == n)) {
                    out.notes.push(n.to_string());
                }
                out.applied.push(Applied {
                    rule: p.rule,
                    file: p.file,
                    line: p.line,
                    object: o.display(),
                    change: p.change,
                    reason: p.reason,
                });
            }
        }
        changed_objects.reverse();
        let mut added = Vec::new();
        for (p, doc) in std::mem::take(&mut new_docs[si]) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("---\n");
            for l in emit_document(&doc) {
                text.push_str(&l);
                text.push('\n');
            }
            let name = doc
                .at("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.applied.push(Applied {
                rule: p.rule,
                file: p.file,
                line: p.line,
                object: format!("PodDisruptionBudget '{name}'"),
                change: p.change,
                reason: p.reason,
            });
            added.push(("PodDisruptionBudget".to_string(), name, doc));
        }
        out.sources.push(FixedSource {
            name: src.name.clone(),
            changed: text != src.text,
            text,
            changed_objects,
            added,
        });
    }
    // Findings without a fix are reported by `fix_sources` from a check of the result.
    drop(manual_findings);
    out
}

/// The 1-based line of the first Helm/Go template directive (`{{ .Values.x }}`) in a text, if
/// any: such a file is a template, never rewritten by `--fix`.
pub fn template_line(text: &str) -> Option<usize> {
    parse::helm_directive_line(text, 1)
}

/// RFC 6901 escaping of one pointer segment.
fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// JSON6902 operations that turn `before` into `after` (objects recursed key by key, arrays of
/// equal length item by item, anything else replaced whole).
pub fn json_patch(before: &Value, after: &Value) -> Vec<Value> {
    fn walk(a: &Value, b: &Value, path: &str, out: &mut Vec<Value>) {
        if a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    let p = format!("{path}/{}", escape(k));
                    match y.get(k) {
                        Some(w) => walk(v, w, &p, out),
                        None => out.push(json!({"op": "remove", "path": p})),
                    }
                }
                for (k, w) in y {
                    if !x.contains_key(k) {
                        out.push(json!({"op": "add", "path": format!("{path}/{}", escape(k)), "value": w}));
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    walk(v, w, &format!("{path}/{i}"), out);
                }
            }
            _ => out.push(json!({"op": "replace", "path": path, "value": b})),
        }
    }
    let mut out = Vec::new();
    walk(before, after, "", &mut out);
    out
}

/// The files of `--patch DIR`: one JSON6902 patch per changed object, one file per added
/// object, and a `kustomization.yaml` listing them, as (file name, text).
pub fn patch_files(outcome: &FixOutcome) -> Vec<(String, String)> {
    let header = format!(
        "# Generated by zerodown {} (`zerodown check --fix --patch`).\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut files = Vec::new();
    let mut resources = Vec::new();
    let mut patches = Vec::new();
    let mut used = std::collections::HashSet::new();
    let mut unique = |base: String| {
        let mut name = format!("{base}.yaml");
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}-{n}.yaml");
            n += 1;
        }
        name
    };
    for s in &outcome.sources {
        for o in &s.changed_objects {
            let ops = json_patch(&o.before, &o.after);
            if ops.is_empty() {
                continue;
            }
            let file = unique(format!("patch-{}-{}", o.kind.to_ascii_lowercase(), o.name));
            let mut text = header.clone();
            for op in &ops {
                let lines = super::yamledit::emit_document(op);
                for (n, l) in lines.iter().enumerate() {
                    text.push_str(if n == 0 { "- " } else { "  " });
                    text.push_str(l);
                    text.push('\n');
                }
            }
            files.push((file.clone(), text));
            let (group, version) = match o.api_version.split_once('/') {
                Some((g, v)) => (g.to_string(), v.to_string()),
                None => (String::new(), o.api_version.clone()),
            };
            let mut target = Map::new();
            if !group.is_empty() {
                target.insert("group".into(), json!(group));
            }
            target.insert("version".into(), json!(version));
            target.insert("kind".into(), json!(o.kind));
            target.insert("name".into(), json!(o.name));
            if let Some(ns) = &o.namespace {
                target.insert("namespace".into(), json!(ns));
            }
            patches.push(json!({"path": file, "target": target}));
        }
        for (kind, name, doc) in &s.added {
            let file = unique(format!("{}-{name}", kind.to_ascii_lowercase()));
            let mut text = header.clone();
            for l in emit_document(doc) {
                text.push_str(&l);
                text.push('\n');
            }
            files.push((file.clone(), text));
            resources.push(json!(file));
        }
    }
    if files.is_empty() {
        return files;
    }
    let mut k = Map::new();
    k.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1beta1"),
    );
    k.insert("kind".into(), json!("Kustomization"));
    if !resources.is_empty() {
        k.insert("resources".into(), Value::Array(resources));
    }
    if !patches.is_empty() {
        k.insert("patches".into(), Value::Array(patches));
    }
    let mut text = header;
    text.push_str(
        "# Add the manifests these patches apply to under resources: (e.g. - ../base).\n",
    );
    for l in emit_document(&Value::Object(k)) {
        text.push_str(&l);
        text.push('\n');
    }
    files.push(("kustomization.yaml".into(), text));
    files
}
