//! The grace period against the sum of what must happen in it: the kubelet's
//! `terminationGracePeriodSeconds` starts before the preStop hook and also covers the app's own
//! shutdown timeout after SIGTERM, so a container whose preStop sleep plus drain timeout exceed it
//! is SIGKILLed mid-drain. (A preStop alone reaching the grace period is
//! `prestop-exceeds-grace-period`.)

use super::containers::go_duration_seconds;
use super::index::Ctx;
use super::model::{Container, Finding};
use super::shutdown::PreStop;

/// The app's own shutdown timeout in seconds and what sets it, when the manifest says it.
///
/// - Spring Boot: `SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE` or the
///   `spring.lifecycle.timeout-per-shutdown-phase` option; with `SERVER_SHUTDOWN=graceful` and no
///   timeout, the 30 s default.
/// - Quarkus: `QUARKUS_SHUTDOWN_TIMEOUT`.
/// - gunicorn: `--graceful-timeout` in `GUNICORN_CMD_ARGS` or the command (the command wins).
/// - .NET: `DOTNET_SHUTDOWNTIMEOUTSECONDS`.
fn drain_timeout(c: &Container<'_>) -> Option<(i64, String)> {
    let words = c.words();
    for w in &words {
        for prefix in [
            "--spring.lifecycle.timeout-per-shutdown-phase=",
            "-Dspring.lifecycle.timeout-per-shutdown-phase=",
        ] {
            if let Some(s) = w.strip_prefix(prefix).and_then(go_duration_seconds) {
                return Some((
                    s,
                    format!("spring.lifecycle.timeout-per-shutdown-phase {s}s"),
                ));
            }
        }
    }
    if let Some(s) = c
        .env_value("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE")
        .and_then(go_duration_seconds)
    {
        return Some((s, format!("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE {s}s")));
    }
    if c.env_value("SERVER_SHUTDOWN")
        .is_some_and(|v| v.eq_ignore_ascii_case("graceful"))
    {
        return Some((
            30,
            "SERVER_SHUTDOWN=graceful with the 30s default timeout-per-shutdown-phase".to_string(),
        ));
    }
    if let Some(s) = c
        .env_value("QUARKUS_SHUTDOWN_TIMEOUT")
        .and_then(go_duration_seconds)
    {
        return Some((s, format!("QUARKUS_SHUTDOWN_TIMEOUT {s}s")));
    }
    let gunicorn = |ws: &[String]| -> Option<i64> {
        let mut found = None;
        for (i, w) in ws.iter().enumerate() {
            if let Some(v) = w.strip_prefix("--graceful-timeout=") {
                found = v.parse().ok().or(found);
            } else if w == "--graceful-timeout" {
                found = ws.get(i + 1).and_then(|v| v.parse().ok()).or(found);
            }
        }
        found
    };
    if let Some(s) = gunicorn(&words) {
        return Some((s, format!("gunicorn --graceful-timeout {s}")));
    }
    if let Some(s) = c.env_value("GUNICORN_CMD_ARGS").and_then(|v| {
        let ws: Vec<String> = v.split_whitespace().map(str::to_string).collect();
        gunicorn(&ws)
    }) {
        return Some((s, format!("GUNICORN_CMD_ARGS --graceful-timeout {s}")));
    }
    c.env_value("DOTNET_SHUTDOWNTIMEOUTSECONDS")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|s| (s, format!("DOTNET_SHUTDOWNTIMEOUTSECONDS {s}")))
}

/// Runs the grace-budget rule.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for w in ctx.workloads {
        let grace = w.grace_seconds();
        for c in w.long_running() {
            let Some((timeout, what)) = drain_timeout(c) else {
                continue;
            };
            let pre = PreStop::of(c).sleep_seconds().map_or(0, |(s, _)| s);
            // preStop alone at or past the grace period is prestop-exceeds-grace-period.
            if pre >= grace || pre + timeout <= grace {
                continue;
            }
            let needed = pre + timeout;
            let parts = if pre > 0 {
                format!("preStop sleep {pre}s + {what}")
            } else {
                what
            };
            out.push(
                ctx.finding("grace-period-below-shutdown-budget", w.idx)
                    .container(c.name)
                    .at(match ctx.pod_line(w, &["terminationGracePeriodSeconds"]) {
                        0 => ctx.container_line(w, c, &[]),
                        line => line,
                    })
                    .message(format!(
                        "container '{}' of {} may need {needed}s to stop ({parts}) but terminationGracePeriodSeconds is {grace}{}; the kubelet SIGKILLs it mid-drain and open requests are cut; set terminationGracePeriodSeconds to at least {}",
                        c.name,
                        w.obj.display(),
                        if w.grace.is_none() { " (default)" } else { "" },
                        needed + 5
                    )),
            );
        }
    }
}
