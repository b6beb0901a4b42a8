//! Shutdown: keep serving until every load balancer has dropped the pod, then let the app drain,
//! all inside the grace period (Kubernetes docs, "Pod Lifecycle", Termination of Pods; KEP-3960
//! for the native sleep action).

use crate::plan::{decide, Decision, PreStop, Shutdown};
use crate::spec::{AppType, Exposure, Spec};

/// Seconds added to the grace period beyond preStop + drain, for the kubelet and a slow exit.
pub const GRACE_MARGIN_SECONDS: u32 = 5;

/// The preStop delay for an exposure, in seconds: how long endpoint removal takes to reach
/// every proxy in front of the pod. A named load balancer profile overrides it with its own
/// deregistration timing (`policy::route::pre_stop_seconds`).
pub fn pre_stop_seconds(exposure: Exposure) -> Decision<u32> {
    match exposure {
        Exposure::Internal => decide(5, "5s: kube-proxy on every node drops the pod's endpoint within a few seconds"),
        Exposure::Ingress => decide(10, "10s: the ingress controller or Gateway must also reload its upstreams"),
        Exposure::LoadBalancer => decide(
            15,
            "15s: a cloud load balancer with IP targets deregisters the pod and runs its own health checks before it stops sending",
        ),
    }
}

/// The preStop hook and grace period. Native `sleep` from 1.34 (GA) and, where the image has no
/// shell, on 1.33 too (beta, on by default since 1.30); `exec sleep` on 1.33 when it has one.
/// nginx gets an exec hook that asks for a graceful quit (SIGTERM is a fast shutdown for nginx).
pub fn shutdown(spec: &Spec, warnings: &mut Vec<String>) -> Shutdown {
    if spec.app_type.is_worker() {
        let grace = spec.drain_seconds + GRACE_MARGIN_SECONDS;
        return Shutdown {
            pre_stop: decide(None, "none: a worker is behind no Service, so there is no endpoint to leave; it stops fetching work on SIGTERM"),
            termination_grace_period_seconds: decide(
                grace,
                format!("{grace}: drainSeconds ({}s) to finish the current message + {GRACE_MARGIN_SECONDS}s margin", spec.drain_seconds),
            ),
        };
    }
    // A named load balancer profile sizes the delay to its deregistration (policy::route).
    let delay =
        super::route::pre_stop_seconds(spec).unwrap_or_else(|| pre_stop_seconds(spec.exposure));
    let secs = delay.value;
    let (hook, how) = if spec.app_type == AppType::Nginx && spec.image_has_shell {
        let script =
            format!("sleep {secs}; nginx -s quit; while kill -0 1 2>/dev/null; do sleep 1; done");
        (
            PreStop::Exec { command: vec!["/bin/sh".into(), "-c".into(), script], seconds: secs },
            "then `nginx -s quit` (graceful: open requests finish) and wait for the master to exit; nginx treats plain SIGTERM as a fast shutdown",
        )
    } else {
        if spec.app_type == AppType::Nginx {
            warnings.push(
                "nginx without a shell: the preStop hook can only sleep, and SIGTERM makes nginx drop open connections; build the image with STOPSIGNAL SIGQUIT".into(),
            );
        }
        if spec.kube_minor() >= 34 {
            (
                PreStop::Sleep { seconds: secs },
                "native sleep action (GA since 1.34): no shell or sleep binary needed in the image",
            )
        } else if spec.image_has_shell {
            (
                PreStop::Exec { command: vec!["sleep".into(), secs.to_string()], seconds: secs },
                "exec `sleep` because the target is older than 1.34, where the native sleep action is not GA",
            )
        } else {
            (
                PreStop::Sleep { seconds: secs },
                "native sleep action: beta and on by default since 1.30, and the image has no shell for exec sleep",
            )
        }
    };
    let grace = secs + spec.drain_seconds + GRACE_MARGIN_SECONDS;
    Shutdown {
        pre_stop: decide(Some(hook), format!("{}; {how}", delay.reason)),
        termination_grace_period_seconds: decide(
            grace,
            format!(
                "{grace}: preStop {secs}s + drainSeconds {}s + {GRACE_MARGIN_SECONDS}s margin; the grace period starts before the hook, so it must cover both",
                spec.drain_seconds
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spec_for;

    #[test]
    fn spring_boot_behind_a_load_balancer() {
        let mut spec = spec_for("spring-boot");
        spec.exposure = Exposure::LoadBalancer;
        let s = shutdown(&spec, &mut vec![]);
        assert_eq!(s.pre_stop.value, Some(PreStop::Sleep { seconds: 15 }));
        assert_eq!(s.termination_grace_period_seconds.value, 15 + 20 + 5);
    }

    #[test]
    fn a_load_balancer_profile_sizes_the_delay_and_the_grace_covers_it() {
        use crate::route::{LoadBalancer, LoadBalancerProfile};
        for (profile, pre_stop) in [
            (LoadBalancerProfile::AwsAlb, 30),
            (LoadBalancerProfile::AwsNlb, 40),
            (LoadBalancerProfile::GkeNeg, 30),
            (LoadBalancerProfile::Generic, 15),
        ] {
            let mut spec = spec_for("go");
            spec.exposure = Exposure::LoadBalancer;
            spec.load_balancer = Some(LoadBalancer {
                profile,
                scheme: None,
            });
            let s = shutdown(&spec, &mut vec![]);
            assert_eq!(s.pre_stop.value, Some(PreStop::Sleep { seconds: pre_stop }));
            assert_eq!(
                s.termination_grace_period_seconds.value,
                pre_stop + spec.drain_seconds + GRACE_MARGIN_SECONDS,
                "{profile:?}"
            );
        }
    }

    #[test]
    fn older_targets_use_exec_sleep_only_with_a_shell() {
        let mut spec = spec_for("spring-boot");
        spec.kube_version = "1.33".into();
        let s = shutdown(&spec, &mut vec![]);
        assert_eq!(
            s.pre_stop.value,
            Some(PreStop::Exec {
                command: vec!["sleep".into(), "5".into()],
                seconds: 5
            })
        );
        let mut go = spec_for("go");
        go.kube_version = "1.33".into();
        assert_eq!(
            shutdown(&go, &mut vec![]).pre_stop.value,
            Some(PreStop::Sleep { seconds: 5 })
        );
    }

    #[test]
    fn nginx_quits_gracefully() {
        let mut spec = spec_for("nginx-static");
        spec.exposure = Exposure::Ingress;
        let s = shutdown(&spec, &mut vec![]);
        match s.pre_stop.value {
            Some(PreStop::Exec { command, seconds }) => {
                assert_eq!(seconds, 10);
                assert_eq!(
                    command[2],
                    "sleep 10; nginx -s quit; while kill -0 1 2>/dev/null; do sleep 1; done"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.termination_grace_period_seconds.value, 10 + 15 + 5);
        let mut warnings = vec![];
        spec.image_has_shell = false;
        shutdown(&spec, &mut warnings);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn workers_have_no_prestop_but_a_drain_grace() {
        let s = shutdown(&spec_for("worker"), &mut vec![]);
        assert_eq!(s.pre_stop.value, None);
        assert_eq!(s.termination_grace_period_seconds.value, 65);
    }
}
