//! Probes: readiness gates traffic, liveness restarts a stuck process, and a startup probe holds
//! both off until a slow app has started (Kubernetes docs, "Configure Liveness, Readiness and
//! Startup Probes"; "Pod Lifecycle", Container probes).

use crate::plan::{decide, Decision, Handler, Probe, Probes};
use crate::spec::{AppType, HealthCheck, Spec};

/// Readiness: every 5 s, 3 failures (15 s) take a pod out of the Service.
pub const READINESS_PERIOD_SECONDS: u32 = 5;
/// Readiness failures before the pod leaves the Service.
pub const READINESS_FAILURE_THRESHOLD: u32 = 3;
/// Readiness timeout: never the 1 s default, which CPU throttling exceeds.
pub const READINESS_TIMEOUT_SECONDS: u32 = 2;
/// Liveness: every 10 s.
pub const LIVENESS_PERIOD_SECONDS: u32 = 10;
/// Liveness failures before a restart.
pub const LIVENESS_FAILURE_THRESHOLD: u32 = 3;

/// The three probes for a spec.
///
/// - startup: checks the liveness handler from `startupSeconds` on; its budget
///   `failureThreshold × periodSeconds` is at least the worst-case startup and 1.5 × the typical,
///   so liveness can never kill a pod that is still inside its declared startup time.
/// - readiness: 5 s period, 2 s timeout, 3 failures.
/// - liveness: a different handler, 10 s period, a longer timeout (3 s, 5 s for JVMs: GC pauses)
///   and a failure budget (30 s) twice readiness's, so an overloaded pod is first taken out of
///   the Service and only restarted if it stays stuck.
pub fn probes(spec: &Spec) -> Probes {
    let liveness_timeout = if spec.app_type == AppType::Jvm { 5 } else { 3 };
    let worst = spec.max_startup_seconds;
    let want = worst.max((spec.startup_seconds * 3).div_ceil(2));
    let period = if want <= 100 { 5 } else { 10 };
    let failure_threshold = want.div_ceil(period).max(3);
    let startup = Probe {
        handler: handler(&spec.liveness),
        initial_delay_seconds: spec.startup_seconds,
        period_seconds: period,
        timeout_seconds: liveness_timeout,
        failure_threshold,
        success_threshold: 1,
    };
    let budget = failure_threshold * period;
    let startup_reason = format!(
        "first check at the typical startup ({}s), then {failure_threshold} x {period}s = {budget}s more (>= the worst case {worst}s and 1.5 x typical), so liveness cannot kill a pod that is still starting; readiness and liveness start only after it passes",
        spec.startup_seconds
    );
    let readiness = Probe {
        handler: handler(&spec.readiness),
        initial_delay_seconds: 0,
        period_seconds: READINESS_PERIOD_SECONDS,
        timeout_seconds: READINESS_TIMEOUT_SECONDS,
        failure_threshold: READINESS_FAILURE_THRESHOLD,
        success_threshold: 1,
    };
    let readiness_window = READINESS_PERIOD_SECONDS * READINESS_FAILURE_THRESHOLD;
    let readiness_reason = if spec.app_type.is_worker() {
        format!(
            "gates the rollout: a new worker counts as available (and an old one may stop) only once it is ready for work; {readiness_window}s of failures mark it unready; timeout {READINESS_TIMEOUT_SECONDS}s, not the 1s default that CPU throttling exceeds"
        )
    } else {
        format!(
        "gates traffic: a pod gets requests only after it answers, and leaves the Service after {readiness_window}s of failures; timeout {READINESS_TIMEOUT_SECONDS}s, not the 1s default that CPU throttling exceeds"
    )
    };
    let liveness = Probe {
        handler: handler(&spec.liveness),
        initial_delay_seconds: 0,
        period_seconds: LIVENESS_PERIOD_SECONDS,
        timeout_seconds: liveness_timeout,
        failure_threshold: LIVENESS_FAILURE_THRESHOLD,
        success_threshold: 1,
    };
    let liveness_window = LIVENESS_PERIOD_SECONDS * LIVENESS_FAILURE_THRESHOLD;
    let liveness_reason = if spec.app_type.is_worker() {
        format!(
            "its own check and a {liveness_window}s failure budget (readiness: {readiness_window}s): restart only a worker whose loop is stuck; no initialDelaySeconds: the startup probe covers boot"
        )
    } else {
        format!(
            "its own handler and a {liveness_window}s failure budget (readiness: {readiness_window}s), so an overloaded pod first leaves the Service and is restarted only if it stays stuck; no initialDelaySeconds: the startup probe covers boot"
        )
    };
    Probes {
        startup: decide(startup, startup_reason),
        readiness: decide(readiness, readiness_reason),
        liveness: decide(liveness, liveness_reason),
    }
}

fn handler(h: &HealthCheck) -> Handler {
    match h {
        HealthCheck::HttpGet { path } => Handler::HttpGet { path: path.clone() },
        HealthCheck::Exec { command } => Handler::Exec {
            command: command.clone(),
        },
        HealthCheck::TcpSocket {} => Handler::TcpSocket,
    }
}

/// The startup budget in seconds (`failureThreshold × periodSeconds`) of a planned startup probe.
pub fn startup_budget_seconds(p: &Decision<Probe>) -> u32 {
    p.value.failure_threshold * p.value.period_seconds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spec_for;

    #[test]
    fn spring_boot_probes() {
        let p = probes(&spec_for("spring-boot"));
        let s = &p.startup.value;
        assert_eq!(
            s.handler,
            Handler::HttpGet {
                path: "/actuator/health/liveness".into()
            }
        );
        assert_eq!(
            (
                s.initial_delay_seconds,
                s.period_seconds,
                s.failure_threshold,
                s.timeout_seconds
            ),
            (30, 10, 12, 5)
        );
        let r = &p.readiness.value;
        assert_eq!(
            r.handler,
            Handler::HttpGet {
                path: "/actuator/health/readiness".into()
            }
        );
        assert_eq!(
            (r.period_seconds, r.timeout_seconds, r.failure_threshold),
            (5, 2, 3)
        );
        let l = &p.liveness.value;
        assert_eq!(
            (
                l.period_seconds,
                l.timeout_seconds,
                l.failure_threshold,
                l.initial_delay_seconds
            ),
            (10, 5, 3, 0)
        );
    }

    #[test]
    fn go_probes_are_fast() {
        let p = probes(&spec_for("go"));
        let s = &p.startup.value;
        // worst 20 s -> 4 x 5 s
        assert_eq!(
            (
                s.initial_delay_seconds,
                s.period_seconds,
                s.failure_threshold
            ),
            (2, 5, 4)
        );
        assert_eq!(p.liveness.value.timeout_seconds, 3);
    }

    #[test]
    fn startup_budget_covers_worst_case_and_one_and_a_half_typical() {
        let mut spec = spec_for("node");
        spec.startup_seconds = 80;
        spec.max_startup_seconds = 90;
        let p = probes(&spec);
        // 1.5 x 80 = 120 > 90 -> period 10, 12 failures
        assert_eq!(startup_budget_seconds(&p.startup), 120);
        spec.startup_seconds = 1;
        spec.max_startup_seconds = 1;
        let p = probes(&spec);
        assert_eq!(
            (
                p.startup.value.period_seconds,
                p.startup.value.failure_threshold
            ),
            (5, 3)
        );
    }

    /// The worker preset's heartbeat probes fail once the heartbeat is older than the probe's
    /// failure window (periodSeconds x failureThreshold): readiness 15 s, liveness 30 s. They are
    /// data in presets/worker.yaml, so this keeps the two in step.
    #[test]
    fn worker_heartbeat_ages_match_the_probe_windows() {
        let spec = spec_for("worker");
        let age = |h: &HealthCheck| -> u32 {
            let HealthCheck::Exec { command } = h else {
                panic!("{h:?}")
            };
            assert_eq!(command[..2], ["/bin/sh".to_string(), "-c".to_string()]);
            assert!(
                command[2].starts_with("f=/tmp/heartbeat; [ -f \"$f\" ] && "),
                "{}",
                command[2]
            );
            command[2]
                .rsplit("-lt ")
                .next()
                .unwrap()
                .trim_end_matches(" ]")
                .parse()
                .unwrap()
        };
        assert_eq!(
            age(&spec.readiness),
            READINESS_PERIOD_SECONDS * READINESS_FAILURE_THRESHOLD
        );
        assert_eq!(age(&spec.readiness), 15);
        assert_eq!(
            age(&spec.liveness),
            LIVENESS_PERIOD_SECONDS * LIVENESS_FAILURE_THRESHOLD
        );
        assert_eq!(age(&spec.liveness), 30);
        assert!(spec.image_has_shell, "the default probes need /bin/sh");
    }

    #[test]
    fn liveness_trips_later_than_readiness() {
        for preset in ["generic", "spring-boot", "nginx-static", "worker"] {
            let p = probes(&spec_for(preset));
            let r = &p.readiness.value;
            let l = &p.liveness.value;
            assert!(
                l.period_seconds * l.failure_threshold > r.period_seconds * r.failure_threshold,
                "{preset}"
            );
            assert!(l.timeout_seconds > r.timeout_seconds, "{preset}");
            assert!(r.timeout_seconds >= 2 && l.timeout_seconds >= 2);
            assert_ne!(r.handler, l.handler, "{preset}");
        }
    }
}
