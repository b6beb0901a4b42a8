//! Shutdown of every container of the pod, in the order they stop: a classic sidecar (a second
//! entry of `containers`, or a proxy a mesh injects) gets SIGTERM at the same moment as the app,
//! so a proxy that exits at once takes the app's network with it while the app is still in
//! rotation behind its preStop delay. Native sidecars (`initContainers` with
//! `restartPolicy: Always`, KEP-753) stop only after every main container has exited.

use super::containers::{go_duration_seconds, sidecar_kind, SidecarKind};
use super::index::Ctx;
use super::model::{int_of, Container, ContainerRole, Finding, Pointer, Workload};
use super::shutdown::PreStop;
use serde_json::Value;

/// How long a sidecar keeps working after the pod is deleted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    seconds: i64,
    /// What sets it (`no preStop, no -term_timeout`, `terminationDrainDuration default 5s`).
    why: String,
}

/// A pod-template annotation (or label, which Istio also reads for injection).
fn template_meta<'a>(w: &Workload<'a>, key: &str) -> Option<&'a str> {
    let meta = if w.obj.kind == "Pod" {
        w.obj.value.at("/metadata")
    } else {
        w.obj.value.at("/spec/template/metadata")
    }?;
    meta.at("/annotations")
        .and_then(|a| a.get(key))
        .or_else(|| meta.at("/labels").and_then(|l| l.get(key)))
        .and_then(Value::as_str)
}

/// Line of the pod template's annotations (where injection is asked for), else of the pod spec.
fn annotations_line(ctx: &Ctx<'_>, w: &Workload<'_>) -> usize {
    let path: &[&str] = if w.obj.kind == "Pod" {
        &["metadata", "annotations"]
    } else {
        &["spec", "template", "metadata", "annotations"]
    };
    let line = ctx.path_line(w.idx, path);
    if line > 0 {
        line
    } else {
        ctx.pod_line(w, &[])
    }
}

/// `terminationDrainDuration` from the `proxy.istio.io/config` annotation (a ProxyConfig in YAML
/// or JSON), in seconds.
fn istio_drain_seconds(w: &Workload<'_>) -> Option<i64> {
    let text = template_meta(w, "proxy.istio.io/config")?;
    let cfg = parse_proxy_config(text)?;
    cfg.get("terminationDrainDuration")
        .and_then(Value::as_str)
        .and_then(go_duration_seconds)
}

/// Parses the ProxyConfig annotation (YAML, of which JSON is a subset) into JSON.
fn parse_proxy_config(text: &str) -> Option<Value> {
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).ok()?;
    serde_json::to_value(v).ok()
}

/// Seconds the Linkerd proxy waits after SIGTERM before it stops
/// (`config.alpha.linkerd.io/proxy-wait-before-exit-seconds`, default 0).
fn linkerd_wait(w: &Workload<'_>) -> Option<i64> {
    template_meta(w, "config.alpha.linkerd.io/proxy-wait-before-exit-seconds")
        .and_then(|s| int_of(&Value::String(s.to_string())))
}

/// The Cloud SQL Auth Proxy's wait after SIGTERM: v1 `-term_timeout`, v2 `--max-sigterm-delay`
/// (both default 0: it stops at once).
fn cloud_sql_wait(c: &Container<'_>) -> Option<i64> {
    let words = c.words();
    let mut found = None;
    for (i, w) in words.iter().enumerate() {
        let flag = w.trim_start_matches('-');
        for name in ["term_timeout", "term-timeout", "max-sigterm-delay"] {
            if let Some(v) = flag.strip_prefix(name) {
                let value = match v.strip_prefix('=') {
                    Some(v) => Some(v.to_string()),
                    None if v.is_empty() => words.get(i + 1).cloned(),
                    None => None,
                };
                if let Some(s) = value.as_deref().and_then(go_duration_seconds) {
                    found = Some(s);
                }
            }
        }
    }
    found
}

/// The window of a sidecar container listed in the manifest.
fn container_window(w: &Workload<'_>, c: &Container<'_>, kind: SidecarKind) -> Window {
    let pre = PreStop::of(c).sleep_seconds().map_or(0, |(s, _)| s);
    let pre_text = if pre > 0 {
        format!("preStop sleep {pre}s")
    } else {
        "no preStop".to_string()
    };
    let (extra, extra_text) = match kind {
        SidecarKind::CloudSqlProxy => match cloud_sql_wait(c) {
            Some(s) => (s, format!("term timeout {s}s")),
            None => (0, "no -term_timeout / --max-sigterm-delay".to_string()),
        },
        SidecarKind::Envoy if c.name == "istio-proxy" => match istio_drain_seconds(w) {
            Some(s) => (s, format!("terminationDrainDuration {s}s")),
            None => (5, "terminationDrainDuration default 5s".to_string()),
        },
        SidecarKind::Envoy => (0, "Envoy exits on SIGTERM".to_string()),
        SidecarKind::LinkerdProxy => match linkerd_wait(w) {
            Some(s) => (s, format!("proxy-wait-before-exit-seconds {s}")),
            None => (0, "no proxy-wait-before-exit-seconds".to_string()),
        },
    };
    Window {
        seconds: pre + extra,
        why: format!("{pre_text}, {extra_text}"),
    }
}

/// Runs the sidecar-order rule.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for w in ctx.workloads {
        // The app: main containers that are not known proxies, with the longest preStop sleep.
        let app = w
            .containers
            .iter()
            .filter(|c| c.role == ContainerRole::Main && sidecar_kind(c).is_none())
            .filter_map(|c| {
                let (s, _) = PreStop::of(c).sleep_seconds()?;
                (s > 0).then_some((c, s))
            })
            .max_by_key(|(_, s)| *s);
        let Some((app, serving)) = app else { continue };
        // Sidecars listed in `containers` (classic: they get SIGTERM with the app).
        let mut sidecars: Vec<(String, SidecarKind, Window, usize)> = Vec::new();
        for c in w
            .containers
            .iter()
            .filter(|c| c.role == ContainerRole::Main)
        {
            if let Some(kind) = sidecar_kind(c) {
                sidecars.push((
                    c.name.to_string(),
                    kind,
                    container_window(w, c, kind),
                    ctx.container_line(w, c, &[]),
                ));
            }
        }
        let listed = |name: &str| w.containers.iter().any(|c| c.name == name);
        // Proxies a mesh injects at admission (absent from the manifest).
        // `sidecar.istio.io/nativeSidecar: "true"` (Istio 1.24+) injects it as a native sidecar.
        if template_meta(w, "sidecar.istio.io/inject") == Some("true")
            && template_meta(w, "sidecar.istio.io/nativeSidecar") != Some("true")
            && !listed("istio-proxy")
        {
            let window = match istio_drain_seconds(w) {
                Some(s) => Window {
                    seconds: s,
                    why: format!("terminationDrainDuration {s}s"),
                },
                None => Window {
                    seconds: 5,
                    why: "terminationDrainDuration default 5s".to_string(),
                },
            };
            sidecars.push((
                "istio-proxy".to_string(),
                SidecarKind::Envoy,
                window,
                annotations_line(ctx, w),
            ));
        }
        if template_meta(w, "linkerd.io/inject") == Some("enabled") && !listed("linkerd-proxy") {
            let wait = linkerd_wait(w);
            sidecars.push((
                "linkerd-proxy".to_string(),
                SidecarKind::LinkerdProxy,
                Window {
                    seconds: wait.unwrap_or(0),
                    why: match wait {
                        Some(s) => format!("proxy-wait-before-exit-seconds {s}"),
                        None => "no proxy-wait-before-exit-seconds".to_string(),
                    },
                },
                annotations_line(ctx, w),
            ));
        }
        for (name, kind, window, line) in sidecars {
            if window.seconds >= serving {
                continue;
            }
            out.push(
                ctx.finding("sidecar-stops-before-app", w.idx)
                    .container(&name)
                    .at(line)
                    .message(format!(
                        "sidecar '{name}' ({}) of {} stops {}s after SIGTERM ({}), but container '{}' keeps serving for {serving}s (preStop sleep) and needs it until it has drained; requests in that window fail; run the sidecar as a native sidecar (initContainers with restartPolicy: Always), which stops after the app, or keep it up for at least {serving}s",
                        kind.label(),
                        w.obj.display(),
                        window.seconds,
                        window.why,
                        app.name,
                    )),
            );
        }
    }
}
