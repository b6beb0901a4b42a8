//! Runtime environment: what the bundle sets by environment variable so the app shuts down
//! within `drainSeconds` and stays under its memory limit, instead of advising it in the README.
//!
//! The runtime's own shutdown timeout is `drainSeconds`, the middle term of the grace period
//! (`terminationGracePeriodSeconds` = preStop + drainSeconds + 5 s, [`super::shutdown`]): the app
//! gets SIGTERM after the preStop delay, finishes its work within drainSeconds, and exits before
//! the kubelet's SIGKILL. What cannot be set by environment (Node.js, Go `http.Server.Shutdown`,
//! a worker's consume loop) stays a note of the preset.

use crate::plan::{decide, Decision, EnvVar};
use crate::preset::Preset;
use crate::runtime::Runtime;
use crate::spec::Spec;

/// Percent of the memory limit the JVM heap may use (`-XX:MaxRAMPercentage`).
pub const JVM_HEAP_PERCENT: u32 = 75;
/// Percent of the memory limit the V8 old space may use (`--max-old-space-size`).
pub const NODE_HEAP_PERCENT: u32 = 75;
/// Percent of the memory limit given to Go as its soft limit (`GOMEMLIMIT`).
pub const GO_MEMORY_LIMIT_PERCENT: u32 = 90;

/// The runtime the bundle configures: the spec's `runtime`, else the preset's, else the one the
/// app type implies (JVM, Node, Go, .NET).
pub fn effective(spec: &Spec, preset: &Preset) -> Option<Runtime> {
    spec.runtime
        .or(preset.runtime)
        .or_else(|| Runtime::implied_by(spec.app_type))
}

fn var(name: &str, value: String, reason: String) -> Decision<EnvVar> {
    decide(
        EnvVar {
            name: name.into(),
            value,
        },
        reason,
    )
}

fn jvm_heap() -> Decision<EnvVar> {
    var(
        "JAVA_TOOL_OPTIONS",
        format!("-XX:MaxRAMPercentage={JVM_HEAP_PERCENT}.0"),
        format!("heap at {JVM_HEAP_PERCENT}% of the memory limit leaves headroom for metaspace, threads and direct buffers, so the JVM does not outgrow the limit and get OOM-killed"),
    )
}

/// The environment variables for `runtime`, each with its reason. Times in seconds (from
/// `drainSeconds`), memory in MiB (from the memory limit, which equals the request).
///
/// - Spring Boot: `SERVER_SHUTDOWN=graceful` and `SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE=<drain>s`,
///   the environment forms of `server.shutdown` and `spring.lifecycle.timeout-per-shutdown-phase`
///   (Spring Boot reference, "Graceful Shutdown"; "Externalized Configuration", Binding From
///   Environment Variables: dots to underscores, dashes removed, upper case). The default
///   per-phase timeout is 30 s.
/// - Quarkus: `QUARKUS_SHUTDOWN_TIMEOUT=<drain>s`, the environment form of
///   `quarkus.shutdown.timeout` (Quarkus "Configuration Reference": non-alphanumerics to
///   underscores, upper case; a duration as a number with a unit). Unset, Quarkus exits at once
///   (`ShutdownConfig.timeout`: "If this is not set then the application will exit immediately").
/// - gunicorn: `GUNICORN_CMD_ARGS=--graceful-timeout <drain>` (gunicorn "Configuration Overview":
///   GUNICORN_CMD_ARGS overrides the config file, and the command line overrides it; default 30 s).
/// - .NET: `DOTNET_SHUTDOWNTIMEOUTSECONDS=<drain>`, the host configuration key
///   `shutdownTimeoutSeconds` of `HostOptions.ShutdownTimeout` read from `DOTNET_`-prefixed
///   variables (".NET Generic Host in ASP.NET Core", ShutdownTimeout; .NET 5 and later; the
///   default is 30 s since .NET 6, 5 s before).
/// - Go: `GOMEMLIMIT=<90% of the limit>MiB` (Go `runtime` package docs, Environment Variables:
///   a soft limit on all runtime-managed memory, in bytes with a `MiB` suffix; Go 1.19+).
/// - JVM: `JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75.0`; Node: `NODE_OPTIONS=--max-old-space-size`
///   at 75 % of the limit.
pub fn env(spec: &Spec, runtime: Option<Runtime>) -> Vec<Decision<EnvVar>> {
    let drain = spec.drain_seconds;
    let memory = spec.resources.memory_mib;
    let fits = format!("the grace period ({drain}s drain + preStop + 5s) covers it, so in-flight work finishes before the kubelet's SIGKILL");
    match runtime {
        None => vec![],
        Some(Runtime::Jvm) => vec![jvm_heap()],
        Some(Runtime::SpringBoot) => vec![
            jvm_heap(),
            var(
                "SERVER_SHUTDOWN",
                "graceful".into(),
                "server.shutdown=graceful: on SIGTERM the web server stops taking requests and lets open ones finish (the default from Spring Boot 3.4; set for older versions too)".into(),
            ),
            var(
                "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE",
                format!("{drain}s"),
                format!("spring.lifecycle.timeout-per-shutdown-phase = drainSeconds ({drain}s) instead of the 30s default: the web server's graceful phase waits that long for open requests; {fits}"),
            ),
        ],
        Some(Runtime::Quarkus) => vec![
            jvm_heap(),
            var(
                "QUARKUS_SHUTDOWN_TIMEOUT",
                format!("{drain}s"),
                format!("quarkus.shutdown.timeout = drainSeconds ({drain}s): without it Quarkus exits at once on SIGTERM and cuts open requests; {fits}"),
            ),
        ],
        Some(Runtime::Node) => {
            let heap = memory * NODE_HEAP_PERCENT / 100;
            vec![var(
                "NODE_OPTIONS",
                format!("--max-old-space-size={heap}"),
                format!("V8 heap {heap} MiB = {NODE_HEAP_PERCENT}% of the {memory} MiB limit, so Node collects garbage before the kernel OOM-kills the pod"),
            )]
        }
        Some(Runtime::Go) => {
            let limit = memory * GO_MEMORY_LIMIT_PERCENT / 100;
            vec![var(
                "GOMEMLIMIT",
                format!("{limit}MiB"),
                format!("Go soft memory limit {limit} MiB = {GO_MEMORY_LIMIT_PERCENT}% of the {memory} MiB limit: the GC works harder near it instead of letting the heap grow into an OOM kill; the rest is for memory the Go runtime does not manage (cgo, the binary's mappings)"),
            )]
        }
        Some(Runtime::Gunicorn) => vec![var(
            "GUNICORN_CMD_ARGS",
            format!("--graceful-timeout {drain}"),
            format!("gunicorn --graceful-timeout = drainSeconds ({drain}s) instead of 30s: workers get that long to finish requests after SIGTERM; {fits}; this replaces a GUNICORN_CMD_ARGS set in the image (put other options in gunicorn.conf.py or the command line, which both still apply)"),
        )],
        Some(Runtime::Dotnet) => vec![var(
            "DOTNET_SHUTDOWNTIMEOUTSECONDS",
            drain.to_string(),
            format!("HostOptions.ShutdownTimeout (host key shutdownTimeoutSeconds, .NET 5+) = drainSeconds ({drain}s) instead of the 30s default: Kestrel and hosted services get that long to stop; {fits}"),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spec_for;

    fn env_of(preset: &str) -> Vec<(String, String)> {
        let spec = spec_for(preset);
        let p = Preset::builtin(preset).unwrap();
        env(&spec, effective(&spec, &p))
            .into_iter()
            .map(|d| (d.value.name, d.value.value))
            .collect()
    }

    fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
        want.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_preset_gets_its_runtime_env() {
        // spring-boot: drainSeconds 20; quarkus 15; python 30; dotnet 30; go 128 MiB; node 512 MiB.
        assert_eq!(
            env_of("spring-boot"),
            pairs(&[
                ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0"),
                ("SERVER_SHUTDOWN", "graceful"),
                ("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "20s"),
            ])
        );
        assert_eq!(
            env_of("quarkus"),
            pairs(&[
                ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0"),
                ("QUARKUS_SHUTDOWN_TIMEOUT", "15s"),
            ])
        );
        assert_eq!(
            env_of("python-gunicorn"),
            pairs(&[("GUNICORN_CMD_ARGS", "--graceful-timeout 30")])
        );
        assert_eq!(
            env_of("dotnet"),
            pairs(&[("DOTNET_SHUTDOWNTIMEOUTSECONDS", "30")])
        );
        assert_eq!(env_of("go"), pairs(&[("GOMEMLIMIT", "115MiB")]));
        assert_eq!(
            env_of("node"),
            pairs(&[("NODE_OPTIONS", "--max-old-space-size=384")])
        );
        for none in ["generic", "nginx-static", "worker"] {
            assert_eq!(env_of(none), vec![], "{none}");
        }
    }

    #[test]
    fn timeouts_follow_drain_seconds_and_memory_follows_the_limit() {
        let mut spec = spec_for("spring-boot");
        spec.drain_seconds = 45;
        let e = env(&spec, Some(Runtime::SpringBoot));
        assert_eq!(e[2].value.value, "45s");
        assert!(
            e[2].reason.contains("drainSeconds (45s)"),
            "{}",
            e[2].reason
        );
        let mut go = spec_for("go");
        go.resources.memory_mib = 1000;
        assert_eq!(env(&go, Some(Runtime::Go))[0].value.value, "900MiB");
        let mut node = spec_for("node");
        node.resources.memory_mib = 1000;
        assert_eq!(
            env(&node, Some(Runtime::Node))[0].value.value,
            "--max-old-space-size=750"
        );
    }

    /// The runtime's own timeout is drainSeconds for every preset and drain, so it ends before
    /// the kubelet's SIGKILL: grace = preStop + timeout + 5 s.
    #[test]
    fn every_runtime_timeout_fits_inside_the_grace_period() {
        let timeout_of = |e: &EnvVar| -> Option<u32> {
            match e.name.as_str() {
                "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE" | "QUARKUS_SHUTDOWN_TIMEOUT" => {
                    e.value.strip_suffix('s')?.parse().ok()
                }
                "GUNICORN_CMD_ARGS" => e.value.strip_prefix("--graceful-timeout ")?.parse().ok(),
                "DOTNET_SHUTDOWNTIMEOUTSECONDS" => e.value.parse().ok(),
                _ => None,
            }
        };
        let mut seen = 0;
        for p in Preset::all_builtin() {
            for drain in [0, 7, 20, 3600] {
                let mut spec = spec_for(&p.name);
                spec.drain_seconds = drain;
                let shutdown = crate::policy::shutdown::shutdown(&spec, &mut vec![]);
                let pre_stop = shutdown.pre_stop.value.as_ref().map_or(0, |h| h.seconds());
                for e in env(&spec, effective(&spec, &p)) {
                    if let Some(t) = timeout_of(&e.value) {
                        seen += 1;
                        assert_eq!(t, drain, "{} {}", p.name, e.value.name);
                        assert_eq!(
                            shutdown.termination_grace_period_seconds.value,
                            pre_stop + t + crate::policy::shutdown::GRACE_MARGIN_SECONDS,
                            "{}",
                            p.name
                        );
                    }
                }
            }
        }
        // spring-boot, quarkus, python-gunicorn and dotnet, at four drains each.
        assert_eq!(seen, 16);
    }

    #[test]
    fn the_spec_runtime_wins_over_the_preset_and_the_app_type() {
        let p = Preset::builtin("worker").unwrap();
        let mut spec = spec_for("worker");
        assert_eq!(effective(&spec, &p), None);
        spec.runtime = Some(Runtime::Go);
        assert_eq!(effective(&spec, &p), Some(Runtime::Go));
        let mut custom = Preset::builtin("spring-boot").unwrap();
        custom.runtime = None;
        assert_eq!(
            effective(&spec_for("spring-boot"), &custom),
            Some(Runtime::Jvm)
        );
    }
}
