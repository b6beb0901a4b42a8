//! The route in: how outside traffic reaches the Service (an Ingress or a Gateway API HTTPRoute),
//! which cloud load balancer sits in front of the pods, and where the NetworkPolicy admits traffic
//! from. Spec types and their validation; the policy that sizes them is `policy::route`.
//!
//! Raw answers ([`RouteAnswers`]) come from flags or a spec file; [`resolve`] checks every field
//! against the exposure and returns the three spec fields ([`Routing`]).

use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrors};
use crate::spec::{check_dns_label, AppType, Exposure, Spec};

/// The object that routes outside HTTP traffic to the Service.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
pub enum RouteKind {
    /// A `networking.k8s.io/v1` Ingress, served by an ingress controller (its class).
    #[serde(rename = "ingress")]
    #[value(name = "ingress")]
    Ingress,
    /// A Gateway API `gateway.networking.k8s.io/v1` HTTPRoute attached to a Gateway.
    #[serde(rename = "httproute")]
    #[value(name = "httproute")]
    HttpRoute,
}

/// A named load balancer profile for `exposure: load-balancer`: the Service, annotations and
/// timing each cloud's controller needs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalancerProfile {
    /// AWS Application Load Balancer (AWS Load Balancer Controller): an Ingress of class `alb`
    /// with IP targets; the Service stays ClusterIP.
    AwsAlb,
    /// AWS Network Load Balancer (AWS Load Balancer Controller): a LoadBalancer Service with IP
    /// targets.
    AwsNlb,
    /// GKE container-native load balancing: a GKE Ingress (annotation class `gce`) over network endpoint
    /// groups; the Service stays ClusterIP with the NEG annotation.
    GkeNeg,
    /// Any other cloud: a plain `type: LoadBalancer` Service.
    Generic,
}

/// Whether an AWS load balancer gets a public address.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalancerScheme {
    /// Reachable from the VPC only (the AWS Load Balancer Controller's default).
    Internal,
    /// A public address.
    InternetFacing,
}

/// The Gateway an HTTPRoute attaches to (`spec.parentRefs[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRef {
    /// The Gateway's name.
    pub name: String,
    /// The Gateway's namespace; absent: the route's own. A Gateway in another namespace must
    /// allow routes from this one (`allowedRoutes.namespaces` on its listener).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The listener to attach to (`sectionName`), e.g. the HTTPS listener that holds the TLS
    /// certificate; absent: every listener that allows the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

/// The route in: hosts and path, and the class (Ingress) or the Gateway (HTTPRoute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// `ingress` or `httproute`.
    pub kind: RouteKind,
    /// Host names the route answers for (DNS names; `*.example.com` matches one label).
    pub hosts: Vec<String>,
    /// URL path prefix routed to the Service, e.g. `/` or `/api`.
    #[serde(default = "root_path")]
    pub path: String,
    /// Ingress only: `ingressClassName` (absent: the cluster's default class, or the load
    /// balancer profile's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Ingress only: the Secret holding the TLS certificate for the hosts (`spec.tls`). An
    /// HTTPRoute has no TLS of its own: the certificate is on the Gateway's listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_secret: Option<String>,
    /// HTTPRoute only: the Gateway to attach to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayRef>,
}

fn root_path() -> String {
    "/".into()
}

/// The cloud load balancer in front of the pods (`exposure: load-balancer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancer {
    /// The profile: `aws-alb`, `aws-nlb`, `gke-neg` or `generic`.
    pub profile: LoadBalancerProfile,
    /// AWS profiles only: `internal` (the controller's default) or `internet-facing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<LoadBalancerScheme>,
}

/// Where the NetworkPolicy admits traffic from, beyond what the exposure implies.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkPolicy {
    /// `false`: no NetworkPolicy in the bundle (the team writes its own).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// `exposure: ingress`: the namespace of the ingress controller or Gateway proxy pods
    /// (default: `ingress-nginx` for an Ingress, the Gateway's namespace for an HTTPRoute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_namespace: Option<String>,
    /// More namespaces whose pods may call the service (DNS-1123 labels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_namespaces: Vec<String>,
    /// `exposure: load-balancer`: source CIDRs (default `0.0.0.0/0` and `::/0`); narrow them to
    /// the VPC's ranges, where the load balancer's addresses are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_cidrs: Vec<String>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Whether `np` is the default (enabled, nothing extra), which the spec file leaves out.
pub fn is_default_network_policy(np: &NetworkPolicy) -> bool {
    *np == NetworkPolicy {
        enabled: true,
        ..NetworkPolicy::default()
    }
}

impl NetworkPolicy {
    /// The default: enabled, with the peers the exposure implies.
    pub fn enabled() -> NetworkPolicy {
        NetworkPolicy {
            enabled: true,
            ..NetworkPolicy::default()
        }
    }
}

/// Raw answers about the route in, each optional (flags, or a spec via [`RouteAnswers::from_spec`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteAnswers {
    pub kind: Option<RouteKind>,
    pub hosts: Vec<String>,
    pub path: Option<String>,
    pub class_name: Option<String>,
    pub tls_secret: Option<String>,
    pub gateway: Option<String>,
    pub gateway_namespace: Option<String>,
    pub gateway_section: Option<String>,
    pub load_balancer: Option<LoadBalancerProfile>,
    pub scheme: Option<LoadBalancerScheme>,
    /// `Some(false)`: `--no-network-policy`.
    pub network_policy: Option<bool>,
    pub ingress_namespace: Option<String>,
    pub allow_namespaces: Vec<String>,
    pub allow_cidrs: Vec<String>,
}

/// The three spec fields this module owns, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub route: Option<Route>,
    pub load_balancer: Option<LoadBalancer>,
    pub network_policy: NetworkPolicy,
}

impl RouteAnswers {
    /// Answers that reproduce the spec's route, load balancer and NetworkPolicy exactly.
    pub fn from_spec(spec: &Spec) -> RouteAnswers {
        let r = spec.route.as_ref();
        let g = r.and_then(|r| r.gateway.as_ref());
        let np = &spec.network_policy;
        RouteAnswers {
            kind: r.map(|r| r.kind),
            hosts: r.map(|r| r.hosts.clone()).unwrap_or_default(),
            path: r.map(|r| r.path.clone()),
            class_name: r.and_then(|r| r.class_name.clone()),
            tls_secret: r.and_then(|r| r.tls_secret.clone()),
            gateway: g.map(|g| g.name.clone()),
            gateway_namespace: g.and_then(|g| g.namespace.clone()),
            gateway_section: g.and_then(|g| g.section_name.clone()),
            load_balancer: spec.load_balancer.map(|l| l.profile),
            scheme: spec.load_balancer.and_then(|l| l.scheme),
            network_policy: Some(np.enabled),
            ingress_namespace: np.ingress_namespace.clone(),
            allow_namespaces: np.allow_namespaces.clone(),
            allow_cidrs: np.allow_cidrs.clone(),
        }
    }

    /// Whether any answer asks for a route object.
    fn wants_route(&self) -> bool {
        self.kind.is_some()
            || !self.hosts.is_empty()
            || self.path.is_some()
            || self.class_name.is_some()
            || self.tls_secret.is_some()
            || self.gateway.is_some()
            || self.gateway_namespace.is_some()
            || self.gateway_section.is_some()
    }
}

/// Whether a load balancer profile takes its traffic through a route (an L7 load balancer made
/// from an Ingress) rather than through the Service itself.
pub fn profile_uses_route(p: LoadBalancerProfile) -> bool {
    matches!(p, LoadBalancerProfile::AwsAlb | LoadBalancerProfile::GkeNeg)
}

/// Validates the route answers against the exposure and app type; every problem goes to `errs`
/// with the spec field that holds it.
pub fn resolve(
    a: RouteAnswers,
    exposure: Exposure,
    app_type: AppType,
    errs: &mut FieldErrors,
) -> Routing {
    let worker = app_type.is_worker();
    let wants_route = a.wants_route();
    // ---- the load balancer profile
    let load_balancer = match (a.load_balancer, exposure) {
        (Some(p), Exposure::LoadBalancer) if !worker => Some(LoadBalancer {
            profile: p,
            scheme: a.scheme,
        }),
        (Some(p), _) => {
            errs.push(
                FieldError::new(
                    "loadBalancer.profile",
                    crate::spec::enum_name(&p),
                    if worker {
                        "a worker has no port and takes no traffic from a load balancer".into()
                    } else {
                        "needs `exposure: load-balancer` (--exposure load-balancer)".into()
                    },
                )
                .help("use --exposure load-balancer, or drop --load-balancer"),
            );
            None
        }
        (None, _) => None,
    };
    if let Some(s) = a.scheme {
        let aws = load_balancer.is_some_and(|l| {
            matches!(
                l.profile,
                LoadBalancerProfile::AwsAlb | LoadBalancerProfile::AwsNlb
            )
        });
        if !aws && load_balancer.is_some() {
            errs.push(FieldError::new(
                "loadBalancer.scheme",
                crate::spec::enum_name(&s),
                "applies to the AWS profiles only (aws-alb, aws-nlb); GKE and generic load balancers choose it by class or by cloud settings".into(),
            ));
        } else if load_balancer.is_none() && a.load_balancer.is_none() {
            errs.push(FieldError::new(
                "loadBalancer.scheme",
                crate::spec::enum_name(&s),
                "needs an AWS load balancer profile (--load-balancer aws-alb or aws-nlb)".into(),
            ));
        }
    }
    let profile = load_balancer.map(|l| l.profile);

    // ---- the route
    let route_allowed = !worker
        && match exposure {
            Exposure::Ingress => true,
            Exposure::LoadBalancer => profile.is_some_and(profile_uses_route),
            Exposure::Internal => false,
        };
    let needs_route = profile.is_some_and(profile_uses_route);
    let mut route = None;
    if wants_route && !route_allowed {
        let why = if worker {
            "a worker has no port, so nothing can route to it".to_string()
        } else {
            match exposure {
                Exposure::Internal => "routes outside traffic in, but the exposure is `internal` (in-cluster clients only); use --exposure ingress".into(),
                _ => "the load balancer profile takes traffic through the Service itself (aws-nlb, generic); a route needs --exposure ingress, or --load-balancer aws-alb or gke-neg".into(),
            }
        };
        let value = a
            .hosts
            .first()
            .cloned()
            .or(a.kind.map(|k| crate::spec::enum_name(&k)))
            .unwrap_or_else(|| "(route flags)".into());
        errs.push(FieldError::new("route", value, why));
    } else if wants_route || needs_route {
        route = Some(resolve_route(&a, profile, errs));
    }

    // ---- the NetworkPolicy
    let enabled = a.network_policy.unwrap_or(true);
    let mut network_policy = NetworkPolicy {
        enabled,
        ..NetworkPolicy::default()
    };
    let extra = a.ingress_namespace.is_some()
        || !a.allow_namespaces.is_empty()
        || !a.allow_cidrs.is_empty();
    if !enabled && extra {
        errs.push(FieldError::new(
            "networkPolicy.enabled",
            false,
            "is false, so --ingress-namespace, --allow-namespace and --allow-cidr would not be used; drop them or the opt-out".into(),
        ));
    }
    if let Some(ns) = a.ingress_namespace {
        if exposure != Exposure::Ingress || worker {
            errs.push(FieldError::new(
                "networkPolicy.ingressNamespace",
                &ns,
                "applies to `exposure: ingress` only (the namespace of the ingress controller or Gateway pods)".into(),
            ));
        } else if let Err(why) = check_dns_label(&ns) {
            errs.push(FieldError::new("networkPolicy.ingressNamespace", &ns, why));
        }
        network_policy.ingress_namespace = Some(ns);
    }
    for ns in a.allow_namespaces {
        if worker {
            errs.push(FieldError::new(
                "networkPolicy.allowNamespaces",
                &ns,
                "a worker has no port; its NetworkPolicy admits no traffic".into(),
            ));
        } else if let Err(why) = check_dns_label(&ns) {
            errs.push(FieldError::new("networkPolicy.allowNamespaces", &ns, why));
        } else if network_policy.allow_namespaces.contains(&ns) {
            errs.push(FieldError::new(
                "networkPolicy.allowNamespaces",
                &ns,
                "is listed twice".into(),
            ));
            continue;
        }
        network_policy.allow_namespaces.push(ns);
    }
    for cidr in a.allow_cidrs {
        if exposure != Exposure::LoadBalancer || worker {
            errs.push(FieldError::new(
                "networkPolicy.allowCidrs",
                &cidr,
                "applies to `exposure: load-balancer` only (the load balancer's source addresses)"
                    .into(),
            ));
        } else if let Err(why) = check_cidr(&cidr) {
            errs.push(FieldError::new("networkPolicy.allowCidrs", &cidr, why));
        } else if network_policy.allow_cidrs.contains(&cidr) {
            errs.push(FieldError::new(
                "networkPolicy.allowCidrs",
                &cidr,
                "is listed twice".into(),
            ));
            continue;
        }
        network_policy.allow_cidrs.push(cidr);
    }
    Routing {
        route,
        load_balancer,
        network_policy,
    }
}

fn resolve_route(
    a: &RouteAnswers,
    profile: Option<LoadBalancerProfile>,
    errs: &mut FieldErrors,
) -> Route {
    let kind = a.kind.unwrap_or(RouteKind::Ingress);
    if kind == RouteKind::HttpRoute && profile.is_some_and(profile_uses_route) {
        errs.push(FieldError::new(
            "route.kind",
            "httproute",
            "the aws-alb and gke-neg profiles make their load balancer from an Ingress; use --route ingress (or --exposure ingress for a Gateway)".into(),
        ));
    }
    if a.hosts.is_empty() {
        errs.push(
            FieldError::missing(
                "route.hosts",
                "at least one host name, such as `api.example.com`: a route without a host answers for every host on a shared controller",
            ),
        );
    }
    let mut hosts: Vec<String> = Vec::new();
    for h in &a.hosts {
        if let Err(why) = check_host(h) {
            errs.push(FieldError::new("route.hosts", h, why));
        } else if hosts.contains(h) {
            errs.push(FieldError::new("route.hosts", h, "is listed twice".into()));
            continue;
        }
        hosts.push(h.clone());
    }
    let path = a.path.clone().unwrap_or_else(root_path);
    if let Err(why) = check_path_prefix(&path) {
        errs.push(FieldError::new("route.path", &path, why));
    }
    let mut name_field = |field: &str, v: &Option<String>| {
        if let Some(v) = v {
            if let Err(why) = check_dns_subdomain(v) {
                errs.push(FieldError::new(field, v, why));
            }
        }
    };
    name_field("route.className", &a.class_name);
    name_field("route.tlsSecret", &a.tls_secret);
    name_field("route.gateway.name", &a.gateway);
    name_field("route.gateway.sectionName", &a.gateway_section);
    if let Some(ns) = &a.gateway_namespace {
        if let Err(why) = check_dns_label(ns) {
            errs.push(FieldError::new("route.gateway.namespace", ns, why));
        }
    }
    let gateway = match kind {
        RouteKind::Ingress => {
            if let Some(g) = a
                .gateway
                .as_ref()
                .or(a.gateway_namespace.as_ref())
                .or(a.gateway_section.as_ref())
            {
                errs.push(FieldError::new(
                    "route.gateway",
                    g,
                    "an Ingress has no Gateway; use --route httproute to attach to one".into(),
                ));
            }
            None
        }
        RouteKind::HttpRoute => {
            for (field, v, why) in [
                ("route.className", &a.class_name, "an HTTPRoute has no class: the Gateway it attaches to has one (--gateway)"),
                ("route.tlsSecret", &a.tls_secret, "an HTTPRoute carries no TLS: the certificate is on the Gateway's HTTPS listener; attach to it with --gateway-section"),
            ] {
                if let Some(v) = v {
                    errs.push(FieldError::new(field, v, why.into()));
                }
            }
            match &a.gateway {
                Some(name) => Some(GatewayRef {
                    name: name.clone(),
                    namespace: a.gateway_namespace.clone(),
                    section_name: a.gateway_section.clone(),
                }),
                None => {
                    errs.push(FieldError::missing(
                        "route.gateway.name",
                        "the Gateway the HTTPRoute attaches to (--gateway NAME, and --gateway-namespace when it is in another namespace)",
                    ));
                    None
                }
            }
        }
    };
    Route {
        kind,
        hosts,
        path,
        class_name: a.class_name.clone(),
        tls_secret: a.tls_secret.clone(),
        gateway,
    }
}

/// Checks a DNS-1123 subdomain (object names such as a Secret, an IngressClass or a Gateway):
/// dot-separated DNS labels, at most 253 characters (Kubernetes docs, "Object Names and IDs",
/// DNS Subdomain Names).
pub fn check_dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err(format!(
            "must be a DNS-1123 subdomain of 1 to 253 characters (it has {})",
            s.len()
        ));
    }
    for label in s.split('.') {
        check_dns_label(label).map_err(|_| {
            "must be a DNS-1123 subdomain: dot-separated labels of lowercase letters, digits and '-', each starting and ending with a letter or digit".to_string()
        })?;
    }
    Ok(())
}

/// Checks a route host name: a lowercase DNS name (no IP address, port or trailing dot), with an
/// optional `*.` wildcard as its whole first label (Ingress `rules[].host` and HTTPRoute
/// `hostnames`, Kubernetes API reference and Gateway API `Hostname`).
pub fn check_host(h: &str) -> Result<(), String> {
    if h.parse::<IpAddr>().is_ok() {
        return Err(
            "is an IP address; a route host must be a DNS name (routes match the Host header)"
                .into(),
        );
    }
    let rest = h.strip_prefix("*.").unwrap_or(h);
    if rest.contains('*') {
        return Err(
            "may hold a wildcard only as its whole first label, as in *.example.com".into(),
        );
    }
    if h.len() > 253 || check_dns_subdomain(rest).is_err() {
        return Err("must be a DNS name of at most 253 characters: lowercase letters, digits, '-' and '.', e.g. api.example.com (no scheme, port, path or trailing dot)".into());
    }
    if h.starts_with("*.") && !rest.contains('.') {
        return Err("a wildcard needs at least two labels after it, e.g. *.example.com".into());
    }
    Ok(())
}

/// Checks a path prefix valid for both an Ingress (`pathType: Prefix`) and an HTTPRoute
/// (`PathPrefix`): absolute, no `//`, no `.` or `..` segments, no query or fragment, only the
/// characters of an RFC 3986 path.
pub fn check_path_prefix(p: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:@".contains(c);
    if !p.starts_with('/') {
        Err("must start with '/', e.g. / or /api".into())
    } else if p.len() > 1024 || !p.chars().all(ok_char) {
        Err("must be a URL path of at most 1024 characters: letters, digits and -._~%!$&'()*+,;=:@/ (no spaces, '?' or '#')".into())
    } else if p.contains("//")
        || p.split('/').any(|s| s == "." || s == "..")
        || p.to_ascii_lowercase().contains("%2f")
    {
        Err("must not contain '//', '.' or '..' segments or an encoded '/' (%2F)".into())
    } else {
        Ok(())
    }
}

/// Checks an IPv4 or IPv6 CIDR such as `10.0.0.0/16` (the address must be the network's own).
pub fn check_cidr(c: &str) -> Result<(), String> {
    let bad = || "must be a CIDR such as 10.0.0.0/16 or fd00::/8".to_string();
    let (addr, len) = c.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let len: u32 = len.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if len > max {
        return Err(bad());
    }
    let host_bits_zero = match addr {
        IpAddr::V4(a) => len == 32 || u32::from(a) & (u32::MAX >> len) == 0,
        IpAddr::V6(a) => len == 128 || u128::from(a) & (u128::MAX >> len) == 0,
    };
    if !host_bits_zero {
        return Err(format!(
            "has host bits set; the network of a /{len} ends in zeros"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(f: impl FnOnce(&mut RouteAnswers)) -> RouteAnswers {
        let mut a = RouteAnswers {
            hosts: vec!["api.example.com".into()],
            ..RouteAnswers::default()
        };
        f(&mut a);
        a
    }

    fn fields(a: RouteAnswers, exposure: Exposure, app: AppType) -> Vec<String> {
        let mut errs = FieldErrors::default();
        resolve(a, exposure, app, &mut errs);
        errs.0.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn hosts() {
        for ok in ["api.example.com", "*.example.com", "a", "x-1.example.io"] {
            assert!(check_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "API.example.com",
            "10.0.0.1",
            "::1",
            "*.com",
            "a.*.example.com",
            "*",
            "example.com.",
            "https://example.com",
            "example.com:443",
            "",
            &format!("{}.com", "a".repeat(64)),
        ] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_and_cidrs() {
        for ok in ["/", "/api", "/api/v1/", "/a-b_c~d"] {
            assert!(check_path_prefix(ok).is_ok(), "{ok}");
        }
        for bad in [
            "api", "/a b", "/a?x", "/a#b", "//a", "/a/../b", "/a/%2F", "/./",
        ] {
            assert!(check_path_prefix(bad).is_err(), "{bad}");
        }
        for ok in [
            "0.0.0.0/0",
            "10.0.0.0/16",
            "::/0",
            "fd00::/8",
            "10.1.2.3/32",
        ] {
            assert!(check_cidr(ok).is_ok(), "{ok}");
        }
        for bad in ["10.0.0.1/16", "10.0.0.0", "10.0.0.0/33", "x/8", "::1/129"] {
            assert!(check_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_ingress_route_with_tls_and_class() {
        let mut errs = FieldErrors::default();
        let r = resolve(
            route(|a| {
                a.class_name = Some("nginx".into());
                a.tls_secret = Some("api-tls".into());
                a.path = Some("/api".into());
            }),
            Exposure::Ingress,
            AppType::Go,
            &mut errs,
        );
        assert!(errs.is_empty(), "{errs}");
        let route = r.route.unwrap();
        assert_eq!(route.kind, RouteKind::Ingress);
        assert_eq!(route.path, "/api");
        assert_eq!(route.tls_secret.as_deref(), Some("api-tls"));
        assert!(r.network_policy.enabled);
    }

    #[test]
    fn an_httproute_needs_a_gateway_and_refuses_ingress_fields() {
        let f = fields(
            route(|a| {
                a.kind = Some(RouteKind::HttpRoute);
                a.tls_secret = Some("x".into());
                a.class_name = Some("nginx".into());
            }),
            Exposure::Ingress,
            AppType::Go,
        );
        assert_eq!(
            f,
            ["route.className", "route.tlsSecret", "route.gateway.name"]
        );
        let mut errs = FieldErrors::default();
        let r = resolve(
            route(|a| {
                a.kind = Some(RouteKind::HttpRoute);
                a.gateway = Some("public".into());
                a.gateway_namespace = Some("gateways".into());
                a.gateway_section = Some("https".into());
            }),
            Exposure::Ingress,
            AppType::Go,
            &mut errs,
        );
        assert!(errs.is_empty(), "{errs}");
        assert_eq!(
            r.route.unwrap().gateway,
            Some(GatewayRef {
                name: "public".into(),
                namespace: Some("gateways".into()),
                section_name: Some("https".into())
            })
        );
    }

    #[test]
    fn the_exposure_decides_what_may_be_asked() {
        // a route with internal exposure, a worker, an NLB
        assert_eq!(
            fields(route(|_| {}), Exposure::Internal, AppType::Go),
            ["route"]
        );
        assert_eq!(
            fields(route(|_| {}), Exposure::Ingress, AppType::Worker),
            ["route"]
        );
        assert_eq!(
            fields(
                route(|a| a.load_balancer = Some(LoadBalancerProfile::AwsNlb)),
                Exposure::LoadBalancer,
                AppType::Go
            ),
            ["route"]
        );
        // the ALB needs an Ingress with a host; an HTTPRoute is refused
        assert_eq!(
            fields(
                RouteAnswers {
                    load_balancer: Some(LoadBalancerProfile::AwsAlb),
                    ..RouteAnswers::default()
                },
                Exposure::LoadBalancer,
                AppType::Go
            ),
            ["route.hosts"]
        );
        assert_eq!(
            fields(
                route(|a| {
                    a.load_balancer = Some(LoadBalancerProfile::AwsAlb);
                    a.kind = Some(RouteKind::HttpRoute);
                    a.gateway = Some("g".into());
                }),
                Exposure::LoadBalancer,
                AppType::Go
            ),
            ["route.kind"]
        );
        // a profile without a load-balancer exposure; a scheme on GKE
        assert_eq!(
            fields(
                RouteAnswers {
                    load_balancer: Some(LoadBalancerProfile::Generic),
                    ..RouteAnswers::default()
                },
                Exposure::Ingress,
                AppType::Go
            ),
            ["loadBalancer.profile"]
        );
        assert_eq!(
            fields(
                route(|a| {
                    a.load_balancer = Some(LoadBalancerProfile::GkeNeg);
                    a.scheme = Some(LoadBalancerScheme::Internal);
                }),
                Exposure::LoadBalancer,
                AppType::Go
            ),
            ["loadBalancer.scheme"]
        );
    }

    #[test]
    fn network_policy_answers_fit_the_exposure() {
        let np = |f: fn(&mut RouteAnswers)| {
            let mut a = RouteAnswers::default();
            f(&mut a);
            a
        };
        assert_eq!(
            fields(
                np(|a| a.ingress_namespace = Some("ingress-nginx".into())),
                Exposure::Internal,
                AppType::Go
            ),
            ["networkPolicy.ingressNamespace"]
        );
        assert_eq!(
            fields(
                np(|a| a.allow_cidrs = vec!["10.0.0.0/8".into()]),
                Exposure::Ingress,
                AppType::Go
            ),
            ["networkPolicy.allowCidrs"]
        );
        assert_eq!(
            fields(
                np(|a| a.allow_cidrs = vec!["10.0.0.1/8".into(), "10.0.0.0/8".into()]),
                Exposure::LoadBalancer,
                AppType::Go
            ),
            ["networkPolicy.allowCidrs"]
        );
        assert_eq!(
            fields(
                np(|a| {
                    a.network_policy = Some(false);
                    a.allow_namespaces = vec!["web".into()];
                }),
                Exposure::Internal,
                AppType::Go
            ),
            ["networkPolicy.enabled"]
        );
        assert_eq!(
            fields(
                np(|a| a.allow_namespaces = vec!["web".into(), "web".into(), "Web".into()]),
                Exposure::Internal,
                AppType::Go
            ),
            [
                "networkPolicy.allowNamespaces",
                "networkPolicy.allowNamespaces"
            ]
        );
    }
}
