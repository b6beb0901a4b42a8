//! The Plan: every tuned value with the reason for it. Built by [`crate::policy::plan`] from a
//! Spec, read by the renderer (templates) and by `zerodown explain`.

use std::collections::BTreeMap;

use serde::Serialize;

/// One tuned value and the short human reason behind it (shown as a YAML comment and by
/// `explain`). Reasons are single lines and never contain user-supplied strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision<T> {
    /// The value.
    pub value: T,
    /// Why this value.
    pub reason: String,
}

/// Builds a [`Decision`].
pub fn decide<T>(value: T, reason: impl Into<String>) -> Decision<T> {
    Decision {
        value,
        reason: reason.into(),
    }
}

/// An integer or a percentage, as `maxSurge` takes it (Kubernetes `IntOrString`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntOrPercent {
    /// A pod count.
    Int(u32),
    /// A percentage such as `25%`.
    Percent(String),
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => f.write_str(p),
        }
    }
}

/// The Deployment's rollout settings (Kubernetes docs, "Deployments", Rolling Update Deployment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// Pods at rest: the HPA's `minReplicas` (the Deployment omits `spec.replicas`).
    pub replicas: Decision<u32>,
    /// `strategy.rollingUpdate.maxSurge`.
    pub max_surge: Decision<IntOrPercent>,
    /// `strategy.rollingUpdate.maxUnavailable` (always 0).
    pub max_unavailable: Decision<u32>,
    /// `minReadySeconds`, seconds.
    pub min_ready_seconds: Decision<u32>,
    /// `progressDeadlineSeconds`, seconds.
    pub progress_deadline_seconds: Decision<u32>,
    /// `revisionHistoryLimit`: ReplicaSets kept for `kubectl rollout undo`.
    pub revision_history_limit: Decision<u32>,
}

/// What a probe runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Handler {
    /// `httpGet` on the named port `http`.
    HttpGet { path: String },
    /// `exec` with an argv.
    Exec { command: Vec<String> },
    /// `tcpSocket` on the named port `http`.
    TcpSocket,
}

/// One probe's timing, all in seconds or counts as the API spells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// What it runs.
    pub handler: Handler,
    /// `initialDelaySeconds`.
    pub initial_delay_seconds: u32,
    /// `periodSeconds`.
    pub period_seconds: u32,
    /// `timeoutSeconds` (at least 2).
    pub timeout_seconds: u32,
    /// `failureThreshold`.
    pub failure_threshold: u32,
    /// `successThreshold`.
    pub success_threshold: u32,
}

impl Probe {
    /// Seconds from the first check until this probe can have failed `failureThreshold` times
    /// in a row: `initialDelaySeconds + failureThreshold × periodSeconds`.
    pub fn seconds_to_fail(&self) -> u32 {
        self.initial_delay_seconds + self.failure_threshold * self.period_seconds
    }
}

/// The three probes (Kubernetes docs, "Configure Liveness, Readiness and Startup Probes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probes {
    /// Holds liveness and readiness off until the app has started.
    pub startup: Decision<Probe>,
    /// Gates traffic.
    pub readiness: Decision<Probe>,
    /// Restarts a stuck process.
    pub liveness: Decision<Probe>,
}

/// The preStop hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PreStop {
    /// Native `lifecycle.preStop.sleep` (KEP-3960; GA in 1.34, on by default since 1.30).
    Sleep { seconds: u32 },
    /// `exec` of a command (older targets, or nginx's graceful quit).
    Exec { command: Vec<String>, seconds: u32 },
}

impl PreStop {
    /// Seconds the hook waits before the app gets SIGTERM (the endpoint-removal delay).
    pub fn seconds(&self) -> u32 {
        match self {
            PreStop::Sleep { seconds } | PreStop::Exec { seconds, .. } => *seconds,
        }
    }
}

/// Shutdown: the preStop delay and the grace period that must cover it (Kubernetes docs, "Pod
/// Lifecycle", Termination of Pods).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shutdown {
    /// The hook, or `None` for workers (no endpoints to leave).
    pub pre_stop: Decision<Option<PreStop>>,
    /// `terminationGracePeriodSeconds`, seconds.
    pub termination_grace_period_seconds: Decision<u32>,
}

/// Container resources as Kubernetes quantities (`500m`, `1024Mi`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceValues {
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
    pub ephemeral_storage_request: String,
    pub ephemeral_storage_limit: String,
    /// `sizeLimit` of the `/tmp` emptyDir.
    pub tmp_size_limit: String,
}

/// An environment variable the policy sets (heap sizing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

/// Pod spreading over nodes and zones (Kubernetes docs, "Assigning Pods to Nodes" and "Pod
/// Topology Spread Constraints").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spread {
    /// `true`: required (hard) one-pod-per-node anti-affinity; `false`: preferred (soft).
    pub hard_anti_affinity: Decision<bool>,
    /// `whenUnsatisfiable` of the zone topology spread constraint.
    pub zone_when_unsatisfiable: Decision<String>,
}

/// PodDisruptionBudget values (Kubernetes docs, "Specifying a Disruption Budget").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pdb {
    /// `maxUnavailable` (1).
    pub max_unavailable: Decision<u32>,
    /// `unhealthyPodEvictionPolicy` (`AlwaysAllow`).
    pub unhealthy_pod_eviction_policy: Decision<String>,
}

/// One HPA scaling policy (`type`, `value`, `periodSeconds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalingPolicy {
    pub kind: String,
    pub value: u32,
    pub period_seconds: u32,
}

/// One direction of HPA `behavior`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalingRules {
    pub stabilization_window_seconds: u32,
    pub select_policy: String,
    pub policies: Vec<ScalingPolicy>,
}

/// HorizontalPodAutoscaler values (Kubernetes docs, "Horizontal Pod Autoscaling").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hpa {
    pub min_replicas: Decision<u32>,
    pub max_replicas: Decision<u32>,
    /// Target average CPU utilization, percent of the request.
    pub cpu_average_utilization: Decision<u32>,
    pub scale_up: Decision<ScalingRules>,
    pub scale_down: Decision<ScalingRules>,
}

/// Pod and container hardening (Kubernetes docs, "Pod Security Standards", restricted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Security {
    /// `runAsUser` and `runAsGroup` (and `fsGroup`).
    pub run_as_user: Decision<u32>,
    /// Writable emptyDir mounts besides `/tmp`, with volume names.
    pub writable_dirs: Vec<WritableDir>,
}

/// An emptyDir volume mounted over a directory the app writes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WritableDir {
    pub volume: String,
    pub path: String,
}

/// The objects a bundle holds, for per-object annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Object {
    Deployment,
    /// The Deployment's pod template.
    Pod,
    Service,
    Pdb,
    Hpa,
    ServiceAccount,
}

/// A documented exemption from a public checker's rule, written as an annotation on the object
/// (where two checkers disagree, or a rule does not apply to this design).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exemption {
    pub object: Object,
    /// Annotation key, e.g. `polaris.fairwinds.com/missingPodDisruptionBudget-exempt`.
    pub key: String,
    /// Annotation value (the reason, or what the tool requires).
    pub value: String,
}

/// Copying the image to the team's registry (`mirror-images.sh`).
/// A linter rule the bundle departs from on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Departure {
    /// `kube-score`, `checkov` or `polaris`.
    pub tool: &'static str,
    /// The tool's check id, e.g. `CKV_K8S_43`.
    pub check: &'static str,
    /// Why the design departs from it.
    pub reason: String,
    /// Whether the Deployment carries the exemption annotation (`lintAnnotations` names the tool).
    pub annotated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mirror {
    /// Source repository with its registry, no tag or digest (`ghcr.io/org/app`).
    pub source_repository: String,
    /// Source as it is pulled today (`ghcr.io/org/app:1.2.3`).
    pub source_reference: String,
    /// The reference the Deployment pulls (`registry.corp.example/mirror/org/app:1.2.3`).
    pub destination: String,
    /// Where the script copies to: the destination's tag (or its digest when it has no tag).
    pub copy_destination: String,
    /// The pinned digest, if any (otherwise the script resolves it from the tag).
    pub digest: Option<String>,
}

/// Everything the renderer needs, each tuned value with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub name: String,
    pub namespace: String,
    /// The image the Deployment pulls (the mirror's copy when mirrored).
    pub image: String,
    /// Copying the image to the team's registry, when asked for.
    pub mirror: Option<Mirror>,
    /// Kustomize overlays.
    pub overlays: Vec<crate::policy::overlays::Overlay>,
    pub image_pull_policy: Decision<String>,
    /// `app.kubernetes.io/*` labels on every object (no version: a version bump changes the
    /// Deployment's pod template alone).
    pub labels: BTreeMap<String, String>,
    /// The pod template's labels: [`Plan::labels`] plus `app.kubernetes.io/version` (the image
    /// tag, or the digest's first 12 hex digits) when there is one.
    pub pod_labels: BTreeMap<String, String>,
    /// The stable subset used by selectors (name, instance).
    pub selector: BTreeMap<String, String>,
    /// Serving port; `None` for workers.
    pub port: Option<u16>,
    pub rollout: Rollout,
    pub probes: Probes,
    pub shutdown: Shutdown,
    pub resources: Decision<ResourceValues>,
    pub env: Vec<Decision<EnvVar>>,
    pub spread: Spread,
    pub pdb: Pdb,
    pub hpa: Hpa,
    /// A KEDA ScaledObject instead of the HPA (`None`: the HPA scales on CPU).
    pub keda: Option<crate::policy::keda::ScaledObject>,
    pub security: Security,
    /// Whether a Service is emitted (every app type but workers).
    pub service: Decision<bool>,
    /// The route in: Service type and annotations, Ingress or HTTPRoute, NetworkPolicy.
    pub route: crate::policy::route::RoutePlan,
    pub exemptions: Vec<Exemption>,
    /// Every rule of kube-score, checkov or Polaris the bundle departs from on purpose, with its
    /// reason (in the bundle README whether or not it is annotated).
    pub departures: Vec<Departure>,
    /// Advisories for the user (stderr and README).
    pub warnings: Vec<String>,
    /// The preset's notes for the README.
    pub notes: Vec<String>,
    /// The service's own environment, mounts, identity and placement.
    pub config: crate::policy::config::ConfigPlan,
    /// `namespace.yaml`, unless the namespace is made elsewhere.
    pub namespace_object: Option<crate::policy::config::NamespaceObject>,
}

/// One row of `zerodown explain`: the object and field, the value, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub object: &'static str,
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

impl Plan {
    /// Every tuned value as a row, in the order the manifests show them.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut add = |object: &'static str, field: &'static str, value: String, reason: &str| {
            rows.push(Row {
                object,
                field,
                value,
                reason: reason.to_string(),
            })
        };
        let r = &self.rollout;
        add(
            "Deployment",
            "spec.replicas",
            if self.keda.is_some() {
                "(omitted: the ScaledObject owns it)"
            } else {
                "(omitted: the HPA owns it)"
            }
            .into(),
            &r.replicas.reason,
        );
        add(
            "Deployment",
            "strategy.rollingUpdate.maxSurge",
            r.max_surge.value.to_string(),
            &r.max_surge.reason,
        );
        add(
            "Deployment",
            "strategy.rollingUpdate.maxUnavailable",
            r.max_unavailable.value.to_string(),
            &r.max_unavailable.reason,
        );
        add(
            "Deployment",
            "minReadySeconds",
            r.min_ready_seconds.value.to_string(),
            &r.min_ready_seconds.reason,
        );
        add(
            "Deployment",
            "progressDeadlineSeconds",
            r.progress_deadline_seconds.value.to_string(),
            &r.progress_deadline_seconds.reason,
        );
        add(
            "Deployment",
            "revisionHistoryLimit",
            r.revision_history_limit.value.to_string(),
            &r.revision_history_limit.reason,
        );
        add(
            "Deployment",
            "imagePullPolicy",
            self.image_pull_policy.value.clone(),
            &self.image_pull_policy.reason,
        );
        for (field, p) in [
            ("startupProbe", &self.probes.startup),
            ("readinessProbe", &self.probes.readiness),
            ("livenessProbe", &self.probes.liveness),
        ] {
            add("Deployment", field, probe_summary(&p.value), &p.reason);
        }
        let s = &self.shutdown;
        let pre = match &s.pre_stop.value {
            Some(PreStop::Sleep { seconds }) => format!("sleep {seconds}s"),
            Some(PreStop::Exec { command, .. }) => format!("exec {}", command.join(" ")),
            None => "(none)".into(),
        };
        add("Deployment", "lifecycle.preStop", pre, &s.pre_stop.reason);
        add(
            "Deployment",
            "terminationGracePeriodSeconds",
            s.termination_grace_period_seconds.value.to_string(),
            &s.termination_grace_period_seconds.reason,
        );
        let res = &self.resources.value;
        add(
            "Deployment",
            "resources",
            format!(
                "cpu {}/{} memory {}/{} ephemeral-storage {}/{}",
                res.cpu_request,
                res.cpu_limit,
                res.memory_request,
                res.memory_limit,
                res.ephemeral_storage_request,
                res.ephemeral_storage_limit
            ),
            &self.resources.reason,
        );
        for e in &self.env {
            add(
                "Deployment",
                "env",
                format!("{}={}", e.value.name, e.value.value),
                &e.reason,
            );
        }
        add(
            "Deployment",
            "affinity.podAntiAffinity",
            if self.spread.hard_anti_affinity.value {
                "required (hostname)"
            } else {
                "preferred (hostname)"
            }
            .into(),
            &self.spread.hard_anti_affinity.reason,
        );
        add(
            "Deployment",
            "topologySpreadConstraints",
            format!(
                "zone, maxSkew 1, {}",
                self.spread.zone_when_unsatisfiable.value
            ),
            &self.spread.zone_when_unsatisfiable.reason,
        );
        add(
            "Deployment",
            "securityContext.runAsUser",
            self.security.run_as_user.value.to_string(),
            &self.security.run_as_user.reason,
        );
        for l in self
            .config
            .pod_labels
            .iter()
            .filter(|l| !l.reason.is_empty())
        {
            add(
                "Deployment",
                "template.metadata.labels",
                format!("{}={}", l.value.key, l.value.value),
                &l.reason,
            );
        }
        for m in &self.config.mounts {
            if let Some(mode) = &m.default_mode {
                add(
                    "Deployment",
                    "volumes.secret.defaultMode",
                    format!("{:#o} ({})", mode.value, m.path),
                    &mode.reason,
                );
            }
        }
        for l in self.namespace_object.iter().flat_map(|n| &n.labels) {
            add(
                "Namespace",
                "metadata.labels",
                format!("{}={}", l.value.key, l.value.value),
                &l.reason,
            );
        }
        add(
            "Service",
            "(object)",
            if self.service.value {
                format!("{}, port http", self.route.service.service_type.value)
            } else {
                "(none)".into()
            },
            &self.service.reason,
        );
        for a in &self.route.service.annotations {
            add(
                "Service",
                "annotations",
                format!("{}: {}", a.value.0, a.value.1),
                &a.reason,
            );
        }
        if let Some(i) = &self.route.ingress {
            add(
                "Ingress",
                "(object)",
                format!("{} host(s), path prefix", i.hosts.len()),
                &i.reason,
            );
            add(
                "Ingress",
                "ingressClassName",
                i.class_name
                    .clone()
                    .unwrap_or_else(|| "(default class)".into()),
                &i.class_reason,
            );
            for a in &i.annotations {
                add(
                    "Ingress",
                    "annotations",
                    format!("{}: {}", a.value.0, a.value.1),
                    &a.reason,
                );
            }
        }
        if let Some(h) = &self.route.http_route {
            add(
                "HTTPRoute",
                "(object)",
                format!("{} hostname(s), path prefix", h.hosts.len()),
                &h.reason,
            );
        }
        if let Some(n) = &self.route.network_policy {
            let what = if n.from.value.is_empty() {
                "ingress denied".to_string()
            } else {
                format!("ingress to port http from {} source(s)", n.from.value.len())
            };
            add("NetworkPolicy", "ingress", what, &n.from.reason);
            add("NetworkPolicy", "egress", "open".into(), &n.egress_reason);
        }
        for l in &self.route.namespace_labels {
            add(
                "Namespace",
                "labels",
                format!("{}: {}", l.value.0, l.value.1),
                &l.reason,
            );
        }
        add(
            "PodDisruptionBudget",
            "maxUnavailable",
            self.pdb.max_unavailable.value.to_string(),
            &self.pdb.max_unavailable.reason,
        );
        add(
            "PodDisruptionBudget",
            "unhealthyPodEvictionPolicy",
            self.pdb.unhealthy_pod_eviction_policy.value.clone(),
            &self.pdb.unhealthy_pod_eviction_policy.reason,
        );
        if let Some(k) = &self.keda {
            let so = "ScaledObject";
            add(
                so,
                "minReplicaCount",
                k.min_replica_count.value.to_string(),
                &k.min_replica_count.reason,
            );
            add(
                so,
                "maxReplicaCount",
                k.max_replica_count.value.to_string(),
                &k.max_replica_count.reason,
            );
            add(
                so,
                "pollingInterval",
                k.polling_interval.value.to_string(),
                &k.polling_interval.reason,
            );
            add(
                so,
                "cooldownPeriod",
                k.cooldown_period.value.to_string(),
                &k.cooldown_period.reason,
            );
            let types: Vec<String> = k
                .triggers
                .value
                .iter()
                .map(|t| crate::spec::enum_name(&t.kind))
                .collect();
            add(so, "triggers", types.join(", "), &k.triggers.reason);
            add(
                so,
                "behavior.scaleUp",
                rules_summary(&k.scale_up.value),
                &k.scale_up.reason,
            );
            add(
                so,
                "behavior.scaleDown",
                rules_summary(&k.scale_down.value),
                &k.scale_down.reason,
            );
            return rows;
        }
        let h = &self.hpa;
        add(
            "HorizontalPodAutoscaler",
            "minReplicas",
            h.min_replicas.value.to_string(),
            &h.min_replicas.reason,
        );
        add(
            "HorizontalPodAutoscaler",
            "maxReplicas",
            h.max_replicas.value.to_string(),
            &h.max_replicas.reason,
        );
        add(
            "HorizontalPodAutoscaler",
            "metrics cpu averageUtilization",
            format!("{}%", h.cpu_average_utilization.value),
            &h.cpu_average_utilization.reason,
        );
        add(
            "HorizontalPodAutoscaler",
            "behavior.scaleUp",
            rules_summary(&h.scale_up.value),
            &h.scale_up.reason,
        );
        add(
            "HorizontalPodAutoscaler",
            "behavior.scaleDown",
            rules_summary(&h.scale_down.value),
            &h.scale_down.reason,
        );
        rows
    }
}

fn probe_summary(p: &Probe) -> String {
    let handler = match &p.handler {
        Handler::HttpGet { path } => format!("GET {path}"),
        Handler::Exec { command } => format!("exec {}", command.join(" ")),
        Handler::TcpSocket => "TCP http".into(),
    };
    format!(
        "{handler}, delay {}s, every {}s, timeout {}s, {} failures",
        p.initial_delay_seconds, p.period_seconds, p.timeout_seconds, p.failure_threshold
    )
}

fn rules_summary(r: &ScalingRules) -> String {
    let policies: Vec<String> = r
        .policies
        .iter()
        .map(|p| {
            let unit = match (p.kind.as_str(), p.value) {
                ("Percent", _) => "%",
                (_, 1) => " pod",
                _ => " pods",
            };
            format!("{}{unit}/{}s", p.value, p.period_seconds)
        })
        .collect();
    format!(
        "window {}s, {} of {}",
        r.stabilization_window_seconds,
        r.select_policy,
        policies.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_rules_read_as_english() {
        let policy = |kind: &str, value, period_seconds| ScalingPolicy {
            kind: kind.into(),
            value,
            period_seconds,
        };
        let rules = ScalingRules {
            stabilization_window_seconds: 300,
            select_policy: "Min".into(),
            policies: vec![
                policy("Percent", 10, 60),
                policy("Pods", 1, 60),
                policy("Pods", 4, 15),
            ],
        };
        assert_eq!(
            rules_summary(&rules),
            "window 300s, Min of 10%/60s, 1 pod/60s, 4 pods/15s"
        );
    }
}
