//! Probe rules: readiness for Service-backed containers, liveness presence and shape, startup
//! protection for slow (JVM) boots, 1 s timeouts under CPU limits, unknown named ports.

use super::index::Ctx;
use super::model::Pointer;
use super::model::{cpu_millicores, Container, Finding, Handler, Probe, Workload};
use super::service::serving_containers;
use super::shutdown::{basename, image_repo, services_phrase};
use serde_json::Value;

/// True when two probes run the same check (ports compared after resolving names).
fn same_handler(c: &Container<'_>, a: &Probe, b: &Probe) -> bool {
    let port = |p: &Option<super::model::PortRef>| p.as_ref().and_then(|p| c.resolve_port(p));
    let same_port = |x: &Option<super::model::PortRef>, y: &Option<super::model::PortRef>| {
        x == y || (port(x).is_some() && port(x) == port(y))
    };
    match (&a.handler, &b.handler) {
        (
            Handler::Http {
                path: p1,
                port: o1,
                host: h1,
                scheme: s1,
            },
            Handler::Http {
                path: p2,
                port: o2,
                host: h2,
                scheme: s2,
            },
        ) => p1 == p2 && h1 == h2 && s1 == s2 && same_port(o1, o2),
        (Handler::Tcp { port: o1 }, Handler::Tcp { port: o2 }) => same_port(o1, o2),
        (Handler::Grpc { .. }, Handler::Grpc { .. }) => a.handler == b.handler,
        (Handler::Exec { command: c1 }, Handler::Exec { command: c2 }) => c1 == c2,
        _ => false,
    }
}

/// Heuristic: the container runs a JVM (env, command or image).
pub(crate) fn looks_jvm(c: &Container<'_>) -> bool {
    let env_hit =
        c.v.get("env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("name").and_then(Value::as_str))
            .any(|n| {
                matches!(
                    n,
                    "JAVA_TOOL_OPTIONS"
                        | "JAVA_OPTS"
                        | "JDK_JAVA_OPTIONS"
                        | "_JAVA_OPTIONS"
                        | "CATALINA_OPTS"
                        | "JVM_OPTS"
                        | "JAVA_HOME"
                ) || n.starts_with("SPRING_")
            });
    if env_hit {
        return true;
    }
    let argv = c.argv();
    if argv.iter().any(|a| {
        a.split_whitespace()
            .any(|w| basename(w) == "java" || w.ends_with(".jar"))
    }) {
        return true;
    }
    let repo = c.image.map(image_repo).unwrap_or_default();
    [
        "openjdk", "temurin", "corretto", "jdk", "jre", "zulu", "liberica", "semeru", "tomcat",
        "jetty", "wildfly", "jboss", "keycloak", "spring",
    ]
    .iter()
    .any(|m| repo.contains(m))
}

/// Runs the probe rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (wi, w) in ctx.workloads.iter().enumerate() {
        let serving = serving_containers(ctx, wi);
        for (ci, c) in w.containers.iter().enumerate() {
            if !c.long_running() {
                continue;
            }
            if let (Some(svcs), None) = (serving.get(&ci), &c.readiness) {
                out.push(
                    ctx.finding("readiness-probe-missing", w.idx)
                        .container(c.name)
                        .at(ctx.container_line(w, c, &[]))
                        .message(format!(
                            "{} backs {} but container '{}' has no readinessProbe; pods get traffic before they listen and rollouts return 502s",
                            w.obj.display(),
                            services_phrase(svcs),
                            c.name
                        )),
                );
            }
            check_container(ctx, w, c, out);
        }
    }
}

fn check_container(ctx: &Ctx<'_>, w: &Workload<'_>, c: &Container<'_>, out: &mut Vec<Finding>) {
    let Some(live) = &c.liveness else {
        out.push(
            ctx.finding("liveness-probe-missing", w.idx)
                .container(c.name)
                .at(ctx.container_line(w, c, &[]))
                .message(format!(
                    "container '{}' of {} has no livenessProbe; a deadlocked process keeps its pod Running until someone restarts it",
                    c.name,
                    w.obj.display()
                )),
        );
        check_timeouts_and_ports(ctx, w, c, out);
        return;
    };
    if let Some(ready) = &c.readiness {
        if same_handler(c, live, ready) {
            let msg = if live.period == ready.period
                && live.failure_threshold == ready.failure_threshold
                && live.timeout == ready.timeout
            {
                format!(
                    "liveness and readiness probes of container '{}' are identical ({}, period {}s, failureThreshold {}); an overloaded pod is restarted the moment it leaves the Service; give liveness its own endpoint or a longer budget",
                    c.name, live.handler, live.period, live.failure_threshold
                )
            } else {
                format!(
                    "liveness and readiness probes of container '{}' run the same check ({}; liveness {}s x {}, readiness {}s x {}); an overloaded or degraded pod is restarted instead of only leaving the Service; give liveness its own endpoint",
                    c.name,
                    live.handler,
                    live.period,
                    live.failure_threshold,
                    ready.period,
                    ready.failure_threshold
                )
            };
            out.push(
                ctx.finding("liveness-same-as-readiness", w.idx)
                    .container(c.name)
                    .at(ctx.container_line(w, c, &["livenessProbe"]))
                    .message(msg),
            );
        }
    }
    let kill = live.kill_time();
    let mut startup_reported = false;
    if c.startup.is_none() && looks_jvm(c) && kill < 120 {
        startup_reported = true;
        let limit = c
            .limit("cpu")
            .and_then(cpu_millicores)
            .map(|m| format!(" with a {m}m CPU limit"))
            .unwrap_or_default();
        out.push(
            ctx.finding("startup-probe-missing", w.idx)
                .container(c.name)
                .at(ctx.container_line(w, c, &["livenessProbe"]))
                .message(format!(
                    "container '{}' looks like a JVM{limit}; liveness can kill it {kill}s after start and there is no startupProbe, so a slow boot ends in CrashLoopBackOff",
                    c.name
                )),
        );
    }
    if let (None, Some(ready), false) = (&c.startup, &c.readiness, startup_reported) {
        if ready.initial_delay > kill {
            out.push(
                ctx.finding("liveness-kills-during-startup", w.idx)
                    .container(c.name)
                    .at(ctx.container_line(w, c, &["livenessProbe"]))
                    .message(format!(
                        "liveness probe of container '{}' can restart it {kill}s after start, but readiness only starts probing after {}s (initialDelaySeconds); the container may be killed before it could become Ready; add a startupProbe",
                        c.name, ready.initial_delay
                    )),
            );
        }
    }
    check_timeouts_and_ports(ctx, w, c, out);
}

fn check_timeouts_and_ports(
    ctx: &Ctx<'_>,
    w: &Workload<'_>,
    c: &Container<'_>,
    out: &mut Vec<Finding>,
) {
    let limit = c.limit("cpu").and_then(cpu_millicores);
    let request = c.v.at("/resources/requests/cpu").and_then(cpu_millicores);
    let probes = [
        ("liveness", "livenessProbe", &c.liveness),
        ("startup", "startupProbe", &c.startup),
        ("readiness", "readinessProbe", &c.readiness),
    ];
    for (what, field, probe) in probes {
        let Some(p) = probe else { continue };
        if let (Some(lim), true) = (limit, p.timeout <= 1) {
            let ratio_note = request.filter(|r| *r > 0 && lim >= 4 * r);
            let effect = if what == "readiness" {
                "take a healthy pod out of the Service"
            } else {
                "restart a healthy pod"
            };
            out.push(
                ctx.finding("probe-timeout-under-cpu-throttling", w.idx)
                    .container(c.name)
                    .at(ctx.container_line(w, c, &[field]))
                    .message(format!(
                        "{what} probe of container '{}' uses {} while CPU is limited to {lim}m{}; throttling can exceed 1s and {effect}; set timeoutSeconds >= {}{}",
                        c.name,
                        if p.timeout_explicit { "a 1s timeout" } else { "the 1s default timeout" },
                        ratio_note.map(|r| format!(" with a {r}m request")).unwrap_or_default(),
                        // As zerodown's own probes: readiness 2 s, liveness and startup 3 s.
                        if what == "readiness" { 2 } else { 3 },
                        if ratio_note.is_some() { " and raise the request" } else { "" },
                    )),
            );
        }
        if let Some(super::model::PortRef::Name(n)) = p.handler.port() {
            if !c
                .ports
                .iter()
                .any(|q| q.name.as_deref() == Some(n.as_str()))
            {
                out.push(
                    ctx.finding("probe-port-unknown", w.idx)
                        .container(c.name)
                        .at(ctx.container_line(w, c, &[field]))
                        .message(format!(
                            "{what} probe of container '{}' targets port '{n}' but the container declares no port named '{n}'; the kubelet cannot resolve it and the probe always fails",
                            c.name
                        )),
                );
            }
        }
    }
}
