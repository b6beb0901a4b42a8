//! Traffic-path rules: what an Ingress / HTTPRoute reaches through its Service, how an AWS ALB
//! sees a pod leave compared with the pod's preStop delay, and Services that publish pods which
//! are not Ready.

use super::app::{App, RouteKind};
use super::index::Ctx;
use super::model::{int_of, str_at, Finding, Pointer, PortRef};
use super::service::serving_containers;
use super::shutdown::PreStop;
use serde_json::Value;

/// AWS Load Balancer Controller defaults for an Ingress target group (its docs, "Ingress
/// annotations": `healthcheck-interval-seconds` 15, `unhealthy-threshold-count` 2).
const ALB_INTERVAL_SECONDS: i64 = 15;
const ALB_UNHEALTHY_THRESHOLD: i64 = 2;
/// Seconds an ALB keeps sending new requests to an IP target after its pod starts terminating when
/// the controller deregisters it: the controller's reconcile plus about 10 s of ELB API
/// propagation (kubernetes-sigs/aws-load-balancer-controller#1719 and #2106, where shorter delays
/// still saw 502s).
const ALB_DEREGISTRATION_SECONDS: i64 = 15;

/// Runs the traffic-path rules.
pub(crate) fn check(ctx: &Ctx<'_>, app: &App, out: &mut Vec<Finding>) {
    backend_ports(ctx, app, out);
    lb_detection(ctx, app, out);
    publish_not_ready(ctx, app, out);
}

fn route_word(kind: RouteKind) -> &'static str {
    match kind {
        RouteKind::Ingress => "Ingress",
        RouteKind::HttpRoute => "HTTPRoute",
    }
}

/// `route-backend-port-unknown`: from helm/charts#20245 (the redmine Ingress named Service port
/// `http`, the Service called it `http-redmine`: 503 from the controller) and zalando/skipper#246
/// (Ingress backend port 8080 on a Service that exposes 80: gateway timeouts).
fn backend_ports(ctx: &Ctx<'_>, app: &App, out: &mut Vec<Finding>) {
    for b in &app.backends {
        let (Some(si), Some(port)) = (b.target, &b.port) else {
            continue;
        };
        let ports = &app.service_ports[si];
        if ports.is_empty() || ports.iter().any(|p| p.is(port)) {
            continue;
        }
        let listed: Vec<String> = ports
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{} ({n})", p.port),
                None => p.port.to_string(),
            })
            .collect();
        let what = match port {
            PortRef::Num(n) => format!("port number {n}"),
            PortRef::Name(n) => format!("port named '{n}'"),
        };
        let o = &ctx.objects[b.object];
        out.push(
            ctx.finding("route-backend-port-unknown", b.object)
                .at(app.backend_line(ctx, b))
                .message(format!(
                    "{} '{}' routes to Service '{}' {what}, but the Service has no such port (its ports: {}); the controller finds no backend for the route and every request fails (503)",
                    route_word(b.kind),
                    o.name,
                    b.service,
                    listed.join(", ")
                )),
        );
    }
}

/// True for an Ingress the AWS Load Balancer Controller turns into an ALB.
fn is_alb(v: &Value) -> bool {
    str_at(v, "/spec/ingressClassName") == Some("alb")
        || v.at("/metadata/annotations")
            .and_then(|a| a.get("kubernetes.io/ingress.class"))
            .and_then(Value::as_str)
            == Some("alb")
}

/// An `alb.ingress.kubernetes.io/<key>` annotation as a number of seconds or a count.
fn alb_number(v: &Value, key: &str) -> Option<i64> {
    v.at("/metadata/annotations")?
        .get(format!("alb.ingress.kubernetes.io/{key}"))
        .and_then(int_of)
}

/// AWS Load Balancer Controller defaults for an NLB target group (its docs, "Service annotations":
/// `healthcheck-interval` 10 s, `healthcheck-unhealthy-threshold` 3).
const NLB_INTERVAL_SECONDS: i64 = 10;
const NLB_UNHEALTHY_THRESHOLD: i64 = 3;

/// A `service.beta.kubernetes.io/aws-load-balancer-<key>` annotation.
fn aws_annotation<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.at("/metadata/annotations")?.get(format!(
        "service.beta.kubernetes.io/aws-load-balancer-{key}"
    ))
}

/// How long a load balancer in front of one serving container keeps sending to it after its pod
/// starts terminating: the preStop delay that container needs.
pub(crate) struct LbDelay {
    /// Workload index in `ctx.workloads`, container index in its containers.
    pub wi: usize,
    pub ci: usize,
    /// Seconds the preStop sleep must reach.
    pub needed: i64,
    /// The rest of the finding's message after the container's current delay: which load
    /// balancer, its numbers, what fails.
    pub why: String,
}

/// Every serving container's required delay, per load balancer in front of it:
/// - an ALB Ingress (IP targets), from Budibase/budibase#18353 (preStop delays of 5-10 s under an
///   ALB whose health check needs interval x threshold = 30 s to fail a target: 503s and dropped
///   connections on every rolling update; the fix makes the delay exceed it): the sooner of
///   deregistration and a failed health check;
/// - an NLB `LoadBalancer` Service with `externalTrafficPolicy: Local` and node (instance)
///   targets, from kubernetes/kubernetes#73362 (the NLB kept sending to a node whose only pod had
///   restarted until its health check on the health-check node port failed, 3 x 30 s with that
///   release's defaults; connections timed out): interval x threshold.
pub(crate) fn lb_delays(ctx: &Ctx<'_>, app: &App) -> Vec<LbDelay> {
    let mut out = Vec::new();
    for b in &app.backends {
        let Some(si) = b.target else { continue };
        let ing = &ctx.objects[b.object];
        if b.kind != RouteKind::Ingress || !is_alb(&ing.value) {
            continue;
        }
        let interval =
            alb_number(&ing.value, "healthcheck-interval-seconds").unwrap_or(ALB_INTERVAL_SECONDS);
        let threshold =
            alb_number(&ing.value, "unhealthy-threshold-count").unwrap_or(ALB_UNHEALTHY_THRESHOLD);
        let detection = interval * threshold;
        // The ALB stops at the sooner of the two signals.
        let needed = detection.min(ALB_DEREGISTRATION_SECONDS);
        let svc_name = ctx.services[si].obj.name.as_str();
        for &wi in &ctx.workloads_of_service[si] {
            for (ci, names) in serving_containers(ctx, wi) {
                if names.contains(&svc_name) {
                    out.push(LbDelay {
                        wi,
                        ci,
                        needed,
                        why: format!(
                            "ALB Ingress '{}' keeps sending new requests to a leaving pod for up to {needed}s (the sooner of deregistration by the controller, about {ALB_DEREGISTRATION_SECONDS}s, and a failed health check, healthcheck-interval-seconds {interval} x unhealthy-threshold-count {threshold} = {detection}s); requests reach the pod after it stops serving, on every rollout and drain",
                            ing.name
                        ),
                    });
                }
            }
        }
    }
    for (si, svc) in ctx.services.iter().enumerate() {
        let v = &svc.obj.value;
        let lb_type = aws_annotation(v, "type").and_then(Value::as_str);
        if str_at(v, "/spec/type") != Some("LoadBalancer")
            || str_at(v, "/spec/externalTrafficPolicy") != Some("Local")
            || !matches!(lb_type, Some("nlb" | "external"))
            || aws_annotation(v, "nlb-target-type").and_then(Value::as_str) == Some("ip")
        {
            continue;
        }
        let interval = aws_annotation(v, "healthcheck-interval")
            .and_then(int_of)
            .unwrap_or(NLB_INTERVAL_SECONDS);
        let threshold = aws_annotation(v, "healthcheck-unhealthy-threshold")
            .and_then(int_of)
            .unwrap_or(NLB_UNHEALTHY_THRESHOLD);
        let detection = interval * threshold;
        for &wi in &ctx.workloads_of_service[si] {
            for (ci, names) in serving_containers(ctx, wi) {
                if names.contains(&svc.obj.name.as_str()) {
                    out.push(LbDelay {
                        wi,
                        ci,
                        needed: detection,
                        why: format!(
                            "NLB Service '{}' (externalTrafficPolicy: Local) keeps sending to a node for up to {detection}s after its pod there stops being Ready (healthcheck-interval {interval} x healthcheck-unhealthy-threshold {threshold}); connections to that node fail on every rollout and drain",
                            svc.obj.name
                        ),
                    });
                }
            }
        }
    }
    out
}

/// `lb-health-check-outlasts-prestop`: a measurable preStop delay shorter than what a load
/// balancer in front of the container needs ([`lb_delays`]).
fn lb_detection(ctx: &Ctx<'_>, app: &App, out: &mut Vec<Finding>) {
    for d in lb_delays(ctx, app) {
        let w = &ctx.workloads[d.wi];
        let c = &w.containers[d.ci];
        let Some((seconds, _)) = PreStop::of(c).sleep_seconds() else {
            continue; // no measurable delay: prestop-missing reports it
        };
        if seconds >= d.needed || seconds <= 0 {
            continue;
        }
        out.push(
            ctx.finding("lb-health-check-outlasts-prestop", w.idx)
                .container(c.name)
                .at(ctx.container_line(w, c, &["lifecycle", "preStop"]))
                .message(format!(
                    "preStop of container '{}' waits {seconds}s, but {}",
                    c.name, d.why
                )),
        );
    }
}

/// `publish-not-ready-serving`: from grafana-community/helm-charts#744 (the Loki chart set
/// `publishNotReadyAddresses: true` on every ClusterIP component Service: 502/503 on the write
/// path during scale-down and rollouts).
fn publish_not_ready(ctx: &Ctx<'_>, app: &App, out: &mut Vec<Finding>) {
    for (si, svc) in ctx.services.iter().enumerate() {
        let v = &svc.obj.value;
        if v.at("/spec/publishNotReadyAddresses")
            .and_then(Value::as_bool)
            != Some(true)
        {
            continue;
        }
        let kind = str_at(v, "/spec/type").unwrap_or("ClusterIP");
        if kind == "ExternalName" || str_at(v, "/spec/clusterIP") == Some("None") {
            continue; // headless: peer discovery, which is what the flag is for
        }
        let Some(&wi) = app.selects[si].first() else {
            continue;
        };
        out.push(
            ctx.finding("publish-not-ready-serving", svc.idx)
                .at(ctx.path_line(svc.idx, &["spec", "publishNotReadyAddresses"]))
                .message(format!(
                    "{kind} Service '{}' sets publishNotReadyAddresses: true and carries traffic to {}; its endpoints keep pods that are starting or terminating, so requests reach pods that cannot serve them (502/503 on every rollout and scale-down)",
                    svc.obj.name,
                    ctx.workloads[wi].obj.display()
                )),
        );
    }
}
