//! The route in, sized to the exposure: the Service type and the annotations each cloud's load
//! balancer needs, the Ingress or HTTPRoute, the preStop and `minReadySeconds` timing of the
//! load balancer, and a NetworkPolicy that admits traffic from where the exposure says it comes.
//!
//! The documented numbers behind the load balancer profiles:
//! - AWS, "Target groups for your Application Load Balancers" / "... Network Load Balancers"
//!   (Elastic Load Balancing User Guide), Deregistration delay: a deregistering target gets no
//!   new requests, in-flight ones get up to `deregistration_delay.timeout_seconds`, default 300 s
//!   (0 to 3600).
//! - AWS Load Balancer Controller docs, "Ingress annotations" and "Service annotations": the
//!   target group health check defaults (ALB every 15 s, 2 healthy / 2 unhealthy; NLB every 10 s,
//!   3 / 3), and "Pod readiness gate": the controller injects the readiness gate
//!   `target-health.elbv2.k8s.aws/...` into pods of a namespace labelled
//!   `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`, with `target-type: ip` only, so a rollout
//!   never removes old pods before the new targets are Healthy.
//! - aws-load-balancer-controller issues "Getting 502/504 with Pod Readiness Gates during rolling
//!   updates" (#1719) and "How can we find right value of sleep time for zero downtime rolling
//!   update?" (#2106): the ALB keeps sending new requests for a while after deregistration
//!   (controller reconcile + ELB API propagation); a 15 s preStop still gives 502s.
//! - Google Cloud, "Container-native load balancing" (GKE docs): with the Service annotation
//!   `cloud.google.com/neg: '{"ingress": true}'` the load balancer targets pod IPs through NEGs
//!   and GKE injects the readiness gate `cloud.google.com/load-balancer-neg-ready` itself;
//!   "Enabling connection draining" (Cloud Load Balancing docs): draining is off (0 s) unless a
//!   BackendConfig sets `connectionDraining.drainingTimeoutSec`.
//! - Google Cloud, "Use a custom Ingress controller" (GKE docs): GKE's own controller takes an
//!   Ingress by the `kubernetes.io/ingress.class: gce` annotation on every GKE version.
//! - Kubernetes docs, "Network Policies": traffic from the node a pod runs on (kubelet probes) is
//!   always allowed; `kubernetes.io/metadata.name` is set on every namespace (1.22+).

use serde::Serialize;

use crate::plan::{decide, Decision};
use crate::route::{LoadBalancerProfile, LoadBalancerScheme, RouteKind};
use crate::spec::{Exposure, HealthCheck, Spec};

/// The annotation key of the AWS Load Balancer Controller's readiness gate injection, set on the
/// namespace.
pub const AWS_READINESS_GATE_LABEL: &str = "elbv2.k8s.aws/pod-readiness-gate-inject";

/// The default namespace of the ingress controller for `exposure: ingress` with an Ingress:
/// `ingress-nginx`, where the ingress-nginx project's install manifests and Helm instructions
/// put the controller (the most common controller).
pub const DEFAULT_INGRESS_NAMESPACE: &str = "ingress-nginx";

/// One annotation (key and value) with its reason.
pub type Annotation = Decision<(String, String)>;

/// A target group health check, as the load balancer runs it against each pod (seconds and
/// counts, as the AWS target group attributes name them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HealthCheckTiming {
    /// Seconds between checks.
    pub interval_seconds: u32,
    /// Seconds before a check counts as failed.
    pub timeout_seconds: u32,
    /// Successes in a row before a target is Healthy.
    pub healthy_threshold: u32,
    /// Failures in a row before a target is Unhealthy.
    pub unhealthy_threshold: u32,
}

impl HealthCheckTiming {
    /// Seconds from the first check until a new target can be Healthy.
    pub fn seconds_to_healthy(&self) -> u32 {
        self.interval_seconds * self.healthy_threshold
    }

    /// Seconds from the first failed check until a target is Unhealthy.
    pub fn seconds_to_unhealthy(&self) -> u32 {
        self.interval_seconds * self.unhealthy_threshold
    }
}

/// The health check zerodown sets for an AWS profile: every 5 s (the minimum) for the ALB with a
/// 4 s timeout (below the interval, as the ALB requires), every 10 s for the NLB (its default;
/// the controller ignores the timeout for an NLB); 2 successes and 2 failures (the minimum), so a
/// new pod is Healthy in 10 s (ALB) or 20 s (NLB) instead of the defaults' 30 s.
pub fn health_check(profile: LoadBalancerProfile) -> Option<HealthCheckTiming> {
    match profile {
        LoadBalancerProfile::AwsAlb => Some(HealthCheckTiming {
            interval_seconds: 5,
            timeout_seconds: 4,
            healthy_threshold: 2,
            unhealthy_threshold: 2,
        }),
        LoadBalancerProfile::AwsNlb => Some(HealthCheckTiming {
            interval_seconds: 10,
            timeout_seconds: 10,
            healthy_threshold: 2,
            unhealthy_threshold: 2,
        }),
        LoadBalancerProfile::GkeNeg | LoadBalancerProfile::Generic => None,
    }
}

/// The load balancer profile of a spec: its own, or `generic` for `exposure: load-balancer`
/// without one; `None` for other exposures and workers.
pub fn profile(spec: &Spec) -> Option<LoadBalancerProfile> {
    (spec.exposure == Exposure::LoadBalancer && !spec.app_type.is_worker()).then(|| {
        spec.load_balancer
            .map(|l| l.profile)
            .unwrap_or(LoadBalancerProfile::Generic)
    })
}

/// The preStop delay of a load balancer profile in seconds, or `None` to keep the exposure's
/// (generic: 15 s). It must outlast the time the load balancer keeps sending new requests after
/// the pod's endpoint is removed, and the health check's own detection.
pub fn pre_stop_seconds(spec: &Spec) -> Option<Decision<u32>> {
    match profile(spec)? {
        LoadBalancerProfile::AwsAlb => Some(decide(
            30,
            "30s: the AWS Load Balancer Controller deregisters the pod only after its endpoint change, and the ALB keeps sending new requests for seconds more (aws-load-balancer-controller #1719, #2106: 15s still gives 502s); 30s also outlasts 2 failed health checks 5s apart",
        )),
        LoadBalancerProfile::AwsNlb => Some(decide(
            40,
            "40s: an NLB takes longer than an ALB to stop new connections to a deregistering target (the controller's deregistration, then the NLB's own propagation; aws-load-balancer-controller #1834), and 2 failed health checks 10s apart take 20s",
        )),
        LoadBalancerProfile::GkeNeg => Some(decide(
            30,
            "30s: the NEG controller detaches the pod's endpoint only after its endpoint change, and Google's front ends take seconds more to stop sending (GKE docs, Container-native load balancing)",
        )),
        LoadBalancerProfile::Generic => None,
    }
}

/// A floor for `minReadySeconds` under a load balancer that health-checks each pod: a new pod is
/// available only once the load balancer can have marked it Healthy (interval x healthy
/// threshold), which also covers a namespace that lacks the readiness gate label.
pub fn min_ready_seconds(spec: &Spec) -> Option<Decision<u32>> {
    let hc = health_check(profile(spec)?)?;
    let s = hc.seconds_to_healthy();
    Some(decide(
        s,
        format!(
            "{s}: the load balancer marks a new pod Healthy after {} checks {}s apart, so a rollout never counts a pod before it gets traffic (the readiness gate holds it too, where the namespace has it)",
            hc.healthy_threshold, hc.interval_seconds
        ),
    ))
}

/// The namespace labels the exposure needs, each with its reason: for the AWS profiles the AWS
/// Load Balancer Controller's readiness gate injection (`elbv2.k8s.aws/pod-readiness-gate-inject:
/// enabled`; AWS Load Balancer Controller docs, "Pod readiness gate": only the namespace label
/// turns it on, and only with IP targets). Empty for every other exposure.
pub fn namespace_labels(spec: &Spec) -> Vec<Decision<(String, String)>> {
    match profile(spec) {
        Some(LoadBalancerProfile::AwsAlb | LoadBalancerProfile::AwsNlb) => vec![decide(
            (AWS_READINESS_GATE_LABEL.to_string(), "enabled".to_string()),
            "enabled: the AWS Load Balancer Controller then gives each pod a readiness gate that turns True only when its target is Healthy, so a rollout never removes old pods while new targets are still initial (AWS Load Balancer Controller docs, Pod readiness gate)",
        )],
        _ => Vec::new(),
    }
}

/// The Service: its type and annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePlan {
    /// `ClusterIP` or `LoadBalancer`.
    pub service_type: Decision<String>,
    /// Annotations the load balancer controller reads.
    pub annotations: Vec<Annotation>,
}

/// An Ingress (`networking.k8s.io/v1`) to the Service's port `http`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngressPlan {
    /// `ingressClassName`, or none for the cluster's default class.
    pub class_name: Option<String>,
    /// Why this class (or none).
    pub class_reason: String,
    /// Annotations for the controller (the ALB's target type, health check, deregistration).
    pub annotations: Vec<Annotation>,
    /// Host names, each one rule.
    pub hosts: Vec<String>,
    /// Path prefix (`pathType: Prefix`).
    pub path: String,
    /// The TLS Secret for all hosts, if any.
    pub tls_secret: Option<String>,
    /// Why the object is there.
    pub reason: String,
}

/// An HTTPRoute (`gateway.networking.k8s.io/v1`) to the Service's port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpRoutePlan {
    /// The Gateway's name.
    pub gateway: String,
    /// The Gateway's namespace, when it is not the route's own.
    pub gateway_namespace: Option<String>,
    /// The listener (`sectionName`), if one.
    pub section_name: Option<String>,
    /// `hostnames`.
    pub hosts: Vec<String>,
    /// Path prefix (`PathPrefix`).
    pub path: String,
    /// Why the object is there.
    pub reason: String,
}

/// One source the NetworkPolicy admits (`spec.ingress[0].from[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Peer {
    /// Every pod of the bundle's namespace (`podSelector: {}`).
    SameNamespace,
    /// Every pod of a namespace, by its `kubernetes.io/metadata.name` label.
    Namespace(String),
    /// An address range (`ipBlock.cidr`).
    Cidr(String),
}

/// The NetworkPolicy over the Deployment's pods: ingress to port `http` from the peers (none
/// for a worker: all ingress denied), egress open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkPolicyPlan {
    /// Who may connect; empty: nobody (a worker).
    pub from: Decision<Vec<Peer>>,
    /// Why egress stays open.
    pub egress_reason: String,
}

/// Everything about the route in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutePlan {
    pub service: ServicePlan,
    pub ingress: Option<IngressPlan>,
    pub http_route: Option<HttpRoutePlan>,
    pub network_policy: Option<NetworkPolicyPlan>,
    /// Labels the namespace must carry (see [`namespace_labels`]).
    pub namespace_labels: Vec<Decision<(String, String)>>,
    /// What the team must know or do outside the bundle (README).
    pub notes: Vec<String>,
}

fn annotation(key: &str, value: impl Into<String>, reason: impl Into<String>) -> Annotation {
    decide((key.to_string(), value.into()), reason)
}

fn scheme_name(spec: &Spec) -> &'static str {
    match spec.load_balancer.and_then(|l| l.scheme) {
        Some(LoadBalancerScheme::InternetFacing) => "internet-facing",
        _ => "internal",
    }
}

fn scheme_reason(spec: &Spec) -> &'static str {
    match spec.load_balancer.and_then(|l| l.scheme) {
        Some(LoadBalancerScheme::InternetFacing) => "internet-facing: asked for (--load-balancer-scheme); the load balancer gets a public address",
        Some(LoadBalancerScheme::Internal) => "internal: asked for (--load-balancer-scheme); reachable from the VPC only",
        None => "internal: the controller's default, so nothing is public by accident; pass --load-balancer-scheme internet-facing for a public address",
    }
}

/// The target group attributes value: deregistration delay = preStop + drain, the longest a
/// deregistered pod still answers, instead of the 300 s default.
fn deregistration_seconds(spec: &Spec, pre_stop: u32) -> u32 {
    pre_stop + spec.drain_seconds
}

/// The route plan of a spec. `pre_stop` is the preStop delay the shutdown policy chose (seconds).
pub fn route(spec: &Spec, pre_stop: u32, warnings: &mut Vec<String>) -> RoutePlan {
    let profile = profile(spec);
    let mut notes = Vec::new();
    let readiness_path = match &spec.readiness {
        HealthCheck::HttpGet { path } => Some(path.clone()),
        _ => None,
    };
    let dereg = deregistration_seconds(spec, pre_stop);
    let dereg_reason = format!(
        "deregistration delay {dereg}s = preStop {pre_stop}s + drainSeconds {}s: in-flight requests get as long as the pod still answers, not the 300s default (ELB User Guide, Deregistration delay), and it ends within terminationGracePeriodSeconds",
        spec.drain_seconds
    );

    // ---- the Service
    let service = match profile {
        Some(LoadBalancerProfile::AwsNlb) => {
            let hc = health_check(LoadBalancerProfile::AwsNlb).unwrap_or(HealthCheckTiming {
                interval_seconds: 10,
                timeout_seconds: 10,
                healthy_threshold: 2,
                unhealthy_threshold: 2,
            });
            let p = "service.beta.kubernetes.io/aws-load-balancer-";
            let mut a = vec![
                annotation(&format!("{p}type"), "external", "external: the AWS Load Balancer Controller makes the NLB (not the legacy in-tree controller)"),
                annotation(&format!("{p}nlb-target-type"), "ip", "ip: the NLB sends to pod IPs directly, so readiness gates apply and no node hop adds its own draining"),
                annotation(&format!("{p}scheme"), scheme_name(spec), scheme_reason(spec)),
                annotation(
                    &format!("{p}target-group-attributes"),
                    format!("deregistration_delay.timeout_seconds={dereg},deregistration_delay.connection_termination.enabled=true"),
                    format!("{dereg_reason}; connections still open then are closed, not left to time out"),
                ),
                annotation(&format!("{p}healthcheck-interval"), hc.interval_seconds.to_string(), format!("{}s between health checks", hc.interval_seconds)),
                annotation(&format!("{p}healthcheck-healthy-threshold"), hc.healthy_threshold.to_string(), format!("{} successes: a new pod is Healthy {}s after its first check", hc.healthy_threshold, hc.seconds_to_healthy())),
                annotation(&format!("{p}healthcheck-unhealthy-threshold"), hc.unhealthy_threshold.to_string(), format!("{} failures: a failing pod is out {}s after its first failed check", hc.unhealthy_threshold, hc.seconds_to_unhealthy())),
            ];
            if let Some(path) = &readiness_path {
                a.push(annotation(&format!("{p}healthcheck-protocol"), "http", "http: the NLB checks the readiness endpoint, not just that the port accepts connections"));
                a.push(annotation(&format!("{p}healthcheck-path"), path.clone(), "the readiness endpoint, so the NLB and Kubernetes agree on when a pod is ready"));
            }
            ServicePlan {
                service_type: decide("LoadBalancer".into(), "LoadBalancer: the AWS Load Balancer Controller makes an NLB with IP targets for it"),
                annotations: a,
            }
        }
        Some(LoadBalancerProfile::Generic) => ServicePlan {
            service_type: decide("LoadBalancer".into(), "LoadBalancer: the cloud's controller makes a load balancer for it (no profile: generic; use --load-balancer for AWS or GKE specifics)"),
            annotations: Vec::new(),
        },
        Some(LoadBalancerProfile::GkeNeg) => ServicePlan {
            service_type: decide("ClusterIP".into(), "ClusterIP: the GKE Ingress reaches the pods through network endpoint groups, not through the Service's nodes"),
            annotations: vec![annotation(
                "cloud.google.com/neg",
                "{\"ingress\": true}",
                "container-native load balancing: the load balancer targets pod IPs through NEGs and GKE injects the readiness gate cloud.google.com/load-balancer-neg-ready (GKE docs, Container-native load balancing)",
            )],
        },
        Some(LoadBalancerProfile::AwsAlb) => ServicePlan {
            service_type: decide("ClusterIP".into(), "ClusterIP: the ALB sends to pod IPs (target-type ip) and needs no node port"),
            annotations: Vec::new(),
        },
        None => ServicePlan {
            service_type: decide("ClusterIP".into(), "ClusterIP Service on the named port `http`; only Ready pods get traffic"),
            annotations: Vec::new(),
        },
    };

    // ---- the route
    let mut ingress = None;
    let mut http_route = None;
    if let Some(r) = spec.route.as_ref().filter(|_| !spec.app_type.is_worker()) {
        match r.kind {
            RouteKind::Ingress => {
                let (class_name, class_reason) = match (&r.class_name, profile) {
                    (Some(c), _) => (Some(c.clone()), "the class asked for (--ingress-class)".to_string()),
                    (None, Some(LoadBalancerProfile::AwsAlb)) => (Some("alb".into()), "alb: the AWS Load Balancer Controller's IngressClass".into()),
                    // GKE's Ingress controller is chosen by the kubernetes.io/ingress.class
                    // annotation (below), which the API forbids beside ingressClassName.
                    (None, Some(LoadBalancerProfile::GkeNeg)) => (None, "none: GKE's Ingress controller is chosen by the kubernetes.io/ingress.class annotation (GKE docs, Ingress; a cluster has no IngressClass gce by default)".into()),
                    (None, _) => (None, "none: the cluster's default IngressClass serves it (--ingress-class names one)".into()),
                };
                let mut annotations = Vec::new();
                if profile == Some(LoadBalancerProfile::AwsAlb) {
                    let hc =
                        health_check(LoadBalancerProfile::AwsAlb).unwrap_or(HealthCheckTiming {
                            interval_seconds: 5,
                            timeout_seconds: 4,
                            healthy_threshold: 2,
                            unhealthy_threshold: 2,
                        });
                    let p = "alb.ingress.kubernetes.io/";
                    annotations.push(annotation(&format!("{p}target-type"), "ip", "ip: the ALB sends to pod IPs directly, so the readiness gate applies and no node hop adds its own draining (AWS Load Balancer Controller docs, Pod readiness gate)"));
                    annotations.push(annotation(
                        &format!("{p}scheme"),
                        scheme_name(spec),
                        scheme_reason(spec),
                    ));
                    annotations.push(annotation(
                        &format!("{p}target-group-attributes"),
                        format!("deregistration_delay.timeout_seconds={dereg}"),
                        dereg_reason.clone(),
                    ));
                    annotations.push(annotation(
                        &format!("{p}healthcheck-interval-seconds"),
                        hc.interval_seconds.to_string(),
                        format!(
                            "{}s between health checks (the controller's default is 15s)",
                            hc.interval_seconds
                        ),
                    ));
                    annotations.push(annotation(
                        &format!("{p}healthcheck-timeout-seconds"),
                        hc.timeout_seconds.to_string(),
                        format!(
                            "{}s: below the interval, as the ALB requires",
                            hc.timeout_seconds
                        ),
                    ));
                    annotations.push(annotation(
                        &format!("{p}healthy-threshold-count"),
                        hc.healthy_threshold.to_string(),
                        format!(
                            "{} successes: a new pod is Healthy {}s after its first check",
                            hc.healthy_threshold,
                            hc.seconds_to_healthy()
                        ),
                    ));
                    annotations.push(annotation(&format!("{p}unhealthy-threshold-count"), hc.unhealthy_threshold.to_string(), format!("{} failures: a failing pod is out {}s after its first failed check, well inside the preStop delay", hc.unhealthy_threshold, hc.seconds_to_unhealthy())));
                    match &readiness_path {
                        Some(path) => annotations.push(annotation(&format!("{p}healthcheck-path"), path.clone(), "the readiness endpoint, so the ALB and Kubernetes agree on when a pod is ready (the default is /)")),
                        None => notes.push("The ALB health-checks `GET /` on the pod (the readiness check is not HTTP); make sure `/` answers 200, or set `alb.ingress.kubernetes.io/healthcheck-path` on the Service.".into()),
                    }
                    if r.tls_secret.is_some() {
                        annotations.push(annotation(&format!("{p}listen-ports"), "[{\"HTTPS\": 443}]", "HTTPS on 443: the route has TLS; the ALB takes the certificate from ACM, found by the tls hosts"));
                        notes.push("The ALB terminates TLS with an ACM certificate that the AWS Load Balancer Controller discovers from the Ingress `tls` hosts (or `alb.ingress.kubernetes.io/certificate-arn`); it does not read the TLS Secret, which stays for other controllers.".into());
                    }
                }
                if profile == Some(LoadBalancerProfile::GkeNeg) {
                    if r.class_name.is_none() {
                        annotations.push(annotation("kubernetes.io/ingress.class", "gce", "gce: GKE's external Application Load Balancer; GKE reads this annotation on every GKE version (GKE docs, Use a custom Ingress controller)"));
                    }
                    notes.push("GKE connection draining is off unless a BackendConfig sets `connectionDraining.drainingTimeoutSec` (Cloud Load Balancing docs, Enabling connection draining); set it to preStop + drainSeconds and reference it from the Service (`cloud.google.com/backend-config`).".into());
                }
                let reason = match profile {
                    Some(LoadBalancerProfile::AwsAlb) => "the AWS Load Balancer Controller makes an ALB from this Ingress (one ALB per Ingress)",
                    Some(LoadBalancerProfile::GkeNeg) => "GKE makes an external Application Load Balancer from this Ingress, with the Service's NEGs as backends",
                    _ => "the ingress controller routes the hosts to the Service's port `http`",
                };
                ingress = Some(IngressPlan {
                    class_name,
                    class_reason,
                    annotations,
                    hosts: r.hosts.clone(),
                    path: r.path.clone(),
                    tls_secret: r.tls_secret.clone(),
                    reason: reason.into(),
                });
            }
            RouteKind::HttpRoute => {
                let g = r.gateway.clone().unwrap_or(crate::route::GatewayRef {
                    name: String::new(),
                    namespace: None,
                    section_name: None,
                });
                notes.push("TLS for the HTTPRoute is the Gateway's: its HTTPS listener holds the certificate (`--gateway-section` attaches the route to that listener).".into());
                if g.namespace
                    .as_deref()
                    .is_some_and(|ns| ns != spec.namespace)
                {
                    notes.push("The Gateway is in another namespace: its listener must allow routes from this one (`allowedRoutes.namespaces.from: All`, or `Selector`), or the route is not accepted.".into());
                }
                http_route = Some(HttpRoutePlan {
                    gateway: g.name,
                    gateway_namespace: g.namespace,
                    section_name: g.section_name,
                    hosts: r.hosts.clone(),
                    path: r.path.clone(),
                    reason: "the Gateway routes the hostnames to the Service's port (Gateway API v1 HTTPRoute)".into(),
                });
            }
        }
    }

    // ---- the NetworkPolicy
    let np = &spec.network_policy;
    let network_policy = np.enabled.then(|| {
        let mut from = Vec::new();
        let reason;
        if spec.app_type.is_worker() {
            reason = "a worker serves no port, so every inbound connection is refused (probes from the node are always allowed)".to_string();
        } else {
            match spec.exposure {
                Exposure::Internal => {
                    from.push(Peer::SameNamespace);
                    reason = "the pods of this namespace (and the namespaces listed in allowNamespaces): exposure internal means in-cluster callers only; traffic from the node (kubelet probes) is always allowed".into();
                }
                Exposure::Ingress => {
                    let (ns, why) = match (&np.ingress_namespace, spec.route.as_ref().and_then(|r| r.gateway.as_ref())) {
                        (Some(ns), _) => (ns.clone(), "the ingress controller's namespace (ingressNamespace)"),
                        (None, Some(g)) => (g.namespace.clone().unwrap_or_else(|| spec.namespace.clone()), "the Gateway's namespace, where implementations that deploy a proxy per Gateway run it"),
                        (None, None) => (DEFAULT_INGRESS_NAMESPACE.to_string(), "the ingress-nginx namespace (the default: where that controller's install puts it)"),
                    };
                    if np.ingress_namespace.is_none() {
                        warnings.push(format!(
                            "the NetworkPolicy admits the ingress proxy from namespace `{ns}` ({}); if your controller or Gateway pods run elsewhere (e.g. envoy-gateway-system, traefik), set networkPolicy.ingressNamespace in zerodown.yaml (--ingress-namespace), or the route gets no answer",
                            if spec.route.as_ref().is_some_and(|r| r.gateway.is_some()) { "the Gateway's" } else { "ingress-nginx's default" }
                        ));
                    }
                    from.push(Peer::Namespace(ns));
                    reason = format!("{why}, selected by its kubernetes.io/metadata.name label: exposure ingress means the proxy is the only outside caller");
                }
                Exposure::LoadBalancer => {
                    if np.allow_cidrs.is_empty() {
                        from.push(Peer::Cidr("0.0.0.0/0".into()));
                        from.push(Peer::Cidr("::/0".into()));
                    } else {
                        from.extend(np.allow_cidrs.iter().cloned().map(Peer::Cidr));
                    }
                    reason = if np.allow_cidrs.is_empty() {
                        "anywhere (0.0.0.0/0, ::/0): with IP targets the load balancer's own addresses in the VPC reach the pods (and with a generic load balancer, the nodes), not a namespace's pods, so a namespace selector would drop it; narrow it with allowCidrs to the VPC's ranges".into()
                    } else {
                        "the listed ranges (allowCidrs): with IP targets the load balancer's own addresses in the VPC reach the pods, not a namespace's pods".into()
                    };
                }
            }
            from.extend(np.allow_namespaces.iter().cloned().map(Peer::Namespace));
        }
        NetworkPolicyPlan {
            from: decide(from, reason),
            egress_reason: "egress stays open (one empty rule): the app's dependencies are not known here; stated explicitly so checkers see a policy for both directions".into(),
        }
    });
    RoutePlan {
        service,
        ingress,
        http_route,
        network_policy,
        namespace_labels: namespace_labels(spec),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset::Preset;
    use crate::route::{LoadBalancer, RouteAnswers};
    use crate::spec::Answers;

    fn spec(preset: &str, exposure: Exposure, f: impl FnOnce(&mut RouteAnswers)) -> Spec {
        let mut route = RouteAnswers::default();
        f(&mut route);
        Answers {
            name: Some("api".into()),
            namespace: Some("shop".into()),
            image: Some("registry.example.com/shop/api:1.2.3".into()),
            exposure: Some(exposure),
            route,
            ..Answers::default()
        }
        .resolve(&Preset::builtin(preset).unwrap(), &mut vec![])
        .unwrap()
    }

    fn alb(f: impl FnOnce(&mut RouteAnswers)) -> Spec {
        spec("go", Exposure::LoadBalancer, |a| {
            a.load_balancer = Some(LoadBalancerProfile::AwsAlb);
            a.hosts = vec!["api.example.com".into()];
            a.tls_secret = Some("api-tls".into());
            f(a);
        })
    }

    fn value<'a>(a: &'a [Annotation], key: &str) -> &'a str {
        &a.iter().find(|d| d.value.0 == key).unwrap().value.1
    }

    #[test]
    fn aws_alb_sizes_prestop_deregistration_and_health_checks() {
        let s = alb(|_| {});
        let pre = pre_stop_seconds(&s).unwrap();
        assert_eq!(pre.value, 30);
        assert_eq!(min_ready_seconds(&s).unwrap().value, 10);
        let plan = route(&s, 30, &mut vec![]);
        assert_eq!(plan.service.service_type.value, "ClusterIP");
        let ing = plan.ingress.unwrap();
        assert_eq!(ing.class_name.as_deref(), Some("alb"));
        let a = &ing.annotations;
        assert_eq!(value(a, "alb.ingress.kubernetes.io/target-type"), "ip");
        assert_eq!(value(a, "alb.ingress.kubernetes.io/scheme"), "internal");
        // the go preset drains for 10 s
        assert_eq!(s.drain_seconds, 10);
        assert_eq!(
            value(a, "alb.ingress.kubernetes.io/target-group-attributes"),
            "deregistration_delay.timeout_seconds=40"
        );
        assert_eq!(
            value(a, "alb.ingress.kubernetes.io/healthcheck-interval-seconds"),
            "5"
        );
        assert_eq!(
            value(a, "alb.ingress.kubernetes.io/healthcheck-path"),
            "/readyz"
        );
        assert_eq!(
            value(a, "alb.ingress.kubernetes.io/listen-ports"),
            "[{\"HTTPS\": 443}]"
        );
        // preStop outlasts the health check's detection of a failing pod
        let hc = health_check(LoadBalancerProfile::AwsAlb).unwrap();
        assert!(pre.value > hc.seconds_to_unhealthy());
        assert!(hc.timeout_seconds < hc.interval_seconds);
        // traffic comes from the ALB's VPC addresses, not from a namespace
        let np = plan.network_policy.unwrap();
        assert_eq!(
            np.from.value,
            [Peer::Cidr("0.0.0.0/0".into()), Peer::Cidr("::/0".into())]
        );
        let internet = alb(|a| a.scheme = Some(LoadBalancerScheme::InternetFacing));
        assert_eq!(
            value(
                &route(&internet, 30, &mut vec![])
                    .ingress
                    .unwrap()
                    .annotations,
                "alb.ingress.kubernetes.io/scheme"
            ),
            "internet-facing"
        );
    }

    #[test]
    fn aws_nlb_is_a_load_balancer_service_with_ip_targets() {
        let s = spec("spring-boot", Exposure::LoadBalancer, |a| {
            a.load_balancer = Some(LoadBalancerProfile::AwsNlb);
            a.allow_cidrs = vec!["10.0.0.0/16".into()];
        });
        assert_eq!(pre_stop_seconds(&s).unwrap().value, 40);
        assert_eq!(min_ready_seconds(&s).unwrap().value, 20);
        let plan = route(&s, 40, &mut vec![]);
        assert_eq!(plan.service.service_type.value, "LoadBalancer");
        let a = &plan.service.annotations;
        let p = "service.beta.kubernetes.io/aws-load-balancer-";
        assert_eq!(value(a, &format!("{p}type")), "external");
        assert_eq!(value(a, &format!("{p}nlb-target-type")), "ip");
        assert_eq!(s.drain_seconds, 20);
        assert_eq!(
            value(a, &format!("{p}target-group-attributes")),
            "deregistration_delay.timeout_seconds=60,deregistration_delay.connection_termination.enabled=true"
        );
        assert!(plan.ingress.is_none() && plan.http_route.is_none());
        assert_eq!(
            plan.network_policy.unwrap().from.value,
            [Peer::Cidr("10.0.0.0/16".into())]
        );
    }

    #[test]
    fn gke_neg_and_generic() {
        let s = spec("node", Exposure::LoadBalancer, |a| {
            a.load_balancer = Some(LoadBalancerProfile::GkeNeg);
            a.hosts = vec!["web.example.com".into()];
        });
        let plan = route(&s, 30, &mut vec![]);
        assert_eq!(plan.service.service_type.value, "ClusterIP");
        assert_eq!(
            value(&plan.service.annotations, "cloud.google.com/neg"),
            "{\"ingress\": true}"
        );
        let ing = plan.ingress.unwrap();
        assert_eq!(ing.class_name, None);
        assert_eq!(
            value(&ing.annotations, "kubernetes.io/ingress.class"),
            "gce"
        );
        assert!(namespace_labels(&s).is_empty());
        assert_eq!(min_ready_seconds(&s), None);

        let g = spec("node", Exposure::LoadBalancer, |_| {});
        assert_eq!(profile(&g), Some(LoadBalancerProfile::Generic));
        assert_eq!(pre_stop_seconds(&g), None);
        assert_eq!(
            route(&g, 15, &mut vec![]).service.service_type.value,
            "LoadBalancer"
        );
    }

    #[test]
    fn the_readiness_gate_label_is_for_aws_namespaces_only() {
        let labels = namespace_labels(&alb(|_| {}));
        assert_eq!(labels.len(), 1);
        assert_eq!(
            labels[0].value,
            (
                "elbv2.k8s.aws/pod-readiness-gate-inject".to_string(),
                "enabled".to_string()
            )
        );
        let mut nlb = alb(|_| {});
        nlb.route = None;
        nlb.load_balancer = Some(LoadBalancer {
            profile: LoadBalancerProfile::AwsNlb,
            scheme: None,
        });
        assert_eq!(namespace_labels(&nlb).len(), 1);
        for e in [Exposure::Internal, Exposure::Ingress] {
            assert!(namespace_labels(&spec("go", e, |_| {})).is_empty());
        }
    }

    #[test]
    fn network_policy_peers_follow_the_exposure() {
        let internal = spec("go", Exposure::Internal, |a| {
            a.allow_namespaces = vec!["web".into()]
        });
        assert_eq!(
            route(&internal, 5, &mut vec![])
                .network_policy
                .unwrap()
                .from
                .value,
            [Peer::SameNamespace, Peer::Namespace("web".into())]
        );
        let mut warnings = vec![];
        let ingress = spec("go", Exposure::Ingress, |_| {});
        assert_eq!(
            route(&ingress, 10, &mut warnings)
                .network_policy
                .unwrap()
                .from
                .value,
            [Peer::Namespace("ingress-nginx".into())]
        );
        assert_eq!(warnings.len(), 1);
        let gateway = spec("go", Exposure::Ingress, |a| {
            a.kind = Some(RouteKind::HttpRoute);
            a.hosts = vec!["api.example.com".into()];
            a.gateway = Some("public".into());
            a.gateway_namespace = Some("gateways".into());
        });
        let plan = route(&gateway, 10, &mut vec![]);
        assert_eq!(
            plan.network_policy.unwrap().from.value,
            [Peer::Namespace("gateways".into())]
        );
        assert_eq!(
            plan.http_route.unwrap().gateway_namespace.as_deref(),
            Some("gateways")
        );
        let mut warnings = vec![];
        let named = spec("go", Exposure::Ingress, |a| {
            a.ingress_namespace = Some("traefik".into())
        });
        assert_eq!(
            route(&named, 10, &mut warnings)
                .network_policy
                .unwrap()
                .from
                .value,
            [Peer::Namespace("traefik".into())]
        );
        assert!(warnings.is_empty());
        let worker = spec("worker", Exposure::Internal, |_| {});
        assert!(route(&worker, 0, &mut vec![])
            .network_policy
            .unwrap()
            .from
            .value
            .is_empty());
        let off = spec("go", Exposure::Internal, |a| a.network_policy = Some(false));
        assert!(route(&off, 5, &mut vec![]).network_policy.is_none());
    }
}
