//! The app model: the relations between the audited objects that the cross-object rules query,
//! built once per input set on top of [`Ctx`]: Ingress / HTTPRoute backends → Service → Service
//! port → target port → the pod templates the selector really matches → their containers (main,
//! native sidecars, init) and declared ports.
//!
//! Shapes: every index is a position in the matching `Ctx` slice (`ctx.services`, `ctx.workloads`)
//! or in `Ctx::objects` for routes; ports are TCP/UDP port numbers or IANA-style port names.

use super::index::Ctx;
use super::model::{int_of, str_at, LabelSelector, Pointer, PortRef};
use super::parse::Step;
use serde_json::Value;
use std::collections::HashMap;

/// One entry of a Service's `spec.ports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServicePortSpec {
    /// `name` (required by the API server when there are several ports).
    pub name: Option<String>,
    /// `port`: the port clients (and Ingress / HTTPRoute backends) address.
    pub port: i64,
    /// `targetPort` (defaults to `port`): a container port number or a container port name.
    pub target: PortRef,
}

impl ServicePortSpec {
    /// Reads `spec.ports` of a Service object; entries without a numeric `port` are skipped.
    pub fn of_service(v: &Value) -> Vec<Self> {
        let Some(items) = v.at("/spec/ports").and_then(Value::as_array) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|p| {
                let port = p.get("port").and_then(int_of)?;
                Some(ServicePortSpec {
                    name: p.get("name").and_then(Value::as_str).map(str::to_string),
                    port,
                    target: PortRef::from_value(p.get("targetPort")).unwrap_or(PortRef::Num(port)),
                })
            })
            .collect()
    }

    /// True when a backend's port reference (Service port number or Service port name) is this
    /// port.
    pub fn is(&self, r: &PortRef) -> bool {
        match r {
            PortRef::Num(n) => self.port == *n,
            PortRef::Name(n) => self.name.as_deref() == Some(n.as_str()),
        }
    }
}

/// What routes traffic to a Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteKind {
    /// `networking.k8s.io` (or legacy `extensions`) Ingress.
    Ingress,
    /// Gateway API `HTTPRoute` (`gateway.networking.k8s.io`).
    HttpRoute,
}

/// One backend reference of an Ingress or HTTPRoute.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    /// Index of the Ingress / HTTPRoute in `Ctx::objects`.
    pub object: usize,
    pub kind: RouteKind,
    /// Namespace of the referenced Service (an HTTPRoute may name another one).
    pub namespace: String,
    /// `service.name` / `serviceName` / `backendRefs[].name`.
    pub service: String,
    /// `service.port.{number,name}` / `servicePort` / `backendRefs[].port`; `None` when absent.
    pub port: Option<PortRef>,
    /// Where the reference is written, for line lookup.
    pub steps: Vec<&'static str>,
    /// The Service in `Ctx::services`, when it is in the audited set.
    pub target: Option<usize>,
}

/// The relations, computed once.
pub(crate) struct App {
    /// Per Service (parallel to `Ctx::services`): its ports.
    pub service_ports: Vec<Vec<ServicePortSpec>>,
    /// Per Service: the workloads whose pod labels its `spec.selector` matches, including the
    /// Services the shared view leaves without a selector (`publishNotReadyAddresses`), so that
    /// rules about those can see their pods too. ExternalName and selector-less Services: empty.
    pub selects: Vec<Vec<usize>>,
    /// Every Ingress / HTTPRoute backend, in object order.
    pub backends: Vec<Backend>,
}

impl App {
    /// Builds the model from the shared context (linear in the number of objects, plus one
    /// per-namespace scan for each Service the shared index did not match).
    pub fn build(ctx: &Ctx<'_>) -> Self {
        let service_ports: Vec<Vec<ServicePortSpec>> = ctx
            .services
            .iter()
            .map(|s| ServicePortSpec::of_service(&s.obj.value))
            .collect();
        let mut by_ns: HashMap<&str, Vec<usize>> = HashMap::new();
        for (wi, w) in ctx.workloads.iter().enumerate() {
            by_ns.entry(w.obj.namespace.as_str()).or_default().push(wi);
        }
        let selects = ctx
            .services
            .iter()
            .enumerate()
            .map(|(si, s)| {
                if s.selector.is_some() {
                    return ctx.workloads_of_service[si].clone();
                }
                let v = &s.obj.value;
                if str_at(v, "/spec/type") == Some("ExternalName") {
                    return Vec::new();
                }
                let Some(sel) = LabelSelector::from_map(v.at("/spec/selector")) else {
                    return Vec::new();
                };
                by_ns
                    .get(s.obj.namespace.as_str())
                    .map(|ws| {
                        ws.iter()
                            .copied()
                            .filter(|&wi| sel.matches(&ctx.workloads[wi].pod_labels))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let mut service_at: HashMap<(&str, &str), usize> = HashMap::new();
        for (si, s) in ctx.services.iter().enumerate() {
            service_at
                .entry((s.obj.namespace.as_str(), s.obj.name.as_str()))
                .or_insert(si);
        }
        let mut backends = Vec::new();
        for (oi, o) in ctx.objects.iter().enumerate() {
            match route_kind(&o.kind, &o.api_version) {
                Some(RouteKind::Ingress) => {
                    ingress_backends(oi, &o.value, &o.namespace, &mut backends)
                }
                Some(RouteKind::HttpRoute) => {
                    http_route_backends(oi, &o.value, &o.namespace, &mut backends)
                }
                None => {}
            }
        }
        for b in &mut backends {
            b.target = service_at
                .get(&(b.namespace.as_str(), b.service.as_str()))
                .copied();
        }
        App {
            service_ports,
            selects,
            backends,
        }
    }

    /// Line of backend `b` in its route object (the Service name, else the object's first line).
    pub fn backend_line(&self, ctx: &Ctx<'_>, b: &Backend) -> usize {
        let steps: Vec<Step<'_>> = b.steps.iter().map(|k| Step::Key(k)).collect();
        ctx.line(b.object, &steps)
    }
}

/// Ingress or HTTPRoute, by kind and API group.
pub(crate) fn route_kind(kind: &str, api_version: &str) -> Option<RouteKind> {
    let group = api_version.split('/').next().unwrap_or("");
    match (kind, group) {
        ("Ingress", "networking.k8s.io" | "extensions") => Some(RouteKind::Ingress),
        ("HTTPRoute", "gateway.networking.k8s.io") => Some(RouteKind::HttpRoute),
        _ => None,
    }
}

/// Backends of an Ingress: `spec.defaultBackend` (v1beta1 `spec.backend`) and every
/// `spec.rules[].http.paths[].backend`, in the v1 shape (`service: {name, port: {number|name}}`)
/// or the v1beta1 one (`serviceName`, `servicePort`). Resource backends are skipped.
fn ingress_backends(oi: usize, v: &Value, ns: &str, out: &mut Vec<Backend>) {
    let mut push = |b: &Value, steps: Vec<&'static str>| {
        let (service, port) = if let Some(s) = b.get("service") {
            let port = s
                .at("/port/number")
                .and_then(int_of)
                .map(PortRef::Num)
                .or_else(|| {
                    str_at(s, "/port/name")
                        .filter(|n| !n.is_empty())
                        .map(|n| PortRef::Name(n.to_string()))
                });
            (str_at(s, "/name"), port)
        } else {
            (
                str_at(b, "/serviceName"),
                PortRef::from_value(b.get("servicePort")),
            )
        };
        if let Some(service) = service.filter(|s| !s.is_empty()) {
            out.push(Backend {
                object: oi,
                kind: RouteKind::Ingress,
                namespace: ns.to_string(),
                service: service.to_string(),
                port,
                steps,
                target: None,
            });
        }
    };
    for key in ["defaultBackend", "backend"] {
        if let Some(b) = v.at(&format!("/spec/{key}")) {
            push(
                b,
                vec![if key == "backend" {
                    "backend"
                } else {
                    "defaultBackend"
                }],
            );
        }
    }
    for rule in v
        .at("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for path in rule
            .at("/http/paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(b) = path.get("backend") {
                push(b, vec!["rules", "paths", "backend"]);
            }
        }
    }
}

/// Backends of an HTTPRoute: `spec.rules[].backendRefs[]` whose kind is Service (the default) in
/// the core group; the namespace defaults to the route's.
fn http_route_backends(oi: usize, v: &Value, ns: &str, out: &mut Vec<Backend>) {
    for rule in v
        .at("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for b in rule
            .get("backendRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = str_at(b, "/kind").unwrap_or("Service");
            let group = str_at(b, "/group").unwrap_or("");
            let Some(name) = str_at(b, "/name").filter(|n| !n.is_empty()) else {
                continue;
            };
            if kind != "Service" || !group.is_empty() {
                continue;
            }
            out.push(Backend {
                object: oi,
                kind: RouteKind::HttpRoute,
                namespace: str_at(b, "/namespace").unwrap_or(ns).to_string(),
                service: name.to_string(),
                port: b.get("port").and_then(int_of).map(PortRef::Num),
                steps: vec!["rules", "backendRefs"],
                target: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn service_ports_default_target_to_port() {
        let v = json!({"spec": {"ports": [
            {"name": "http", "port": 80, "targetPort": "web"},
            {"port": 9090}
        ]}});
        let ports = ServicePortSpec::of_service(&v);
        assert_eq!(ports.len(), 2);
        assert_eq!(ports[0].target, PortRef::Name("web".into()));
        assert_eq!(ports[1].target, PortRef::Num(9090));
        assert!(ports[0].is(&PortRef::Name("http".into())));
        assert!(ports[0].is(&PortRef::Num(80)));
        assert!(!ports[0].is(&PortRef::Num(8080)));
    }

    #[test]
    fn ingress_and_route_backends() {
        let ing = json!({"spec": {
            "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
            "rules": [{"http": {"paths": [
                {"backend": {"service": {"name": "web", "port": {"name": "http"}}}},
                {"backend": {"serviceName": "old", "servicePort": 8080}},
                {"backend": {"resource": {"kind": "Bucket", "name": "b"}}}
            ]}}]
        }});
        let mut out = Vec::new();
        ingress_backends(0, &ing, "shop", &mut out);
        let got: Vec<(&str, Option<PortRef>)> = out
            .iter()
            .map(|b| (b.service.as_str(), b.port.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("fallback", Some(PortRef::Num(80))),
                ("web", Some(PortRef::Name("http".into()))),
                ("old", Some(PortRef::Num(8080))),
            ]
        );
        let route = json!({"spec": {"rules": [{"backendRefs": [
            {"name": "api", "port": 8080},
            {"name": "other", "namespace": "edge"},
            {"name": "bucket", "kind": "Bucket", "group": "example.com"}
        ]}]}});
        let mut out = Vec::new();
        http_route_backends(1, &route, "shop", &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].port, Some(PortRef::Num(8080)));
        assert_eq!(out[1].namespace, "edge");
        assert_eq!(out[1].port, None);
        assert_eq!(
            route_kind("HTTPRoute", "gateway.networking.k8s.io/v1"),
            Some(RouteKind::HttpRoute)
        );
        assert_eq!(
            route_kind("Ingress", "networking.k8s.io/v1"),
            Some(RouteKind::Ingress)
        );
        assert_eq!(route_kind("Ingress", "example.com/v1"), None);
    }
}
