//! The zero-downtime invariants of one rendered bundle, checked on the typed k8s-openapi objects
//! (so a field that does not parse into its Kubernetes type fails here too), and the promise that
//! `zerodown check` finds nothing active in zerodown's own output. Used by the spec grid
//! (`tests/policy_invariants.rs`) and the property test (`tests/properties.rs`).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Probe, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use zerodown::check::{check_sources, Source};
use zerodown::image::ImageRef;
use zerodown::plan::Plan;
use zerodown::spec::{Cost, Exposure, Spec};

/// A one-line description of a spec for assertion messages.
pub fn describe(s: &Spec) -> String {
    format!(
        "{} {}/{} {:?} {:?} {:?} {} startup {}/{} drain {} image {} port {:?} readiness {} liveness {} shell {} resources {:?}",
        s.preset,
        s.namespace,
        s.name,
        s.traffic,
        s.cost,
        s.exposure,
        s.kube_version,
        s.startup_seconds,
        s.max_startup_seconds,
        s.drain_seconds,
        s.image,
        s.port,
        s.readiness,
        s.liveness,
        s.image_has_shell,
        s.resources
    )
}

fn handler(p: &Probe) -> String {
    format!("{:?}{:?}{:?}{:?}", p.http_get, p.exec, p.tcp_socket, p.grpc)
}

fn budget(p: &Probe) -> i32 {
    p.period_seconds.unwrap() * p.failure_threshold.unwrap()
}

/// Parses one manifest of `files` (each `(file name, YAML text)`) into its Kubernetes type.
pub fn doc<T: serde::de::DeserializeOwned>(files: &[(String, String)], name: &str) -> Option<T> {
    files.iter().find(|(f, _)| f == name).map(|(_, t)| {
        serde_yaml_ng::from_str(t).unwrap_or_else(|e| panic!("{name} does not parse: {e}\n{t}"))
    })
}

/// Disruptions a PDB allows when exactly `pods` healthy pods run (the Kubernetes disruption
/// controller: `maxUnavailable` rounds up from a percentage, `minAvailable` too).
pub fn allowed_disruptions(pdb: &PodDisruptionBudget, pods: i32) -> i32 {
    let ps = pdb.spec.as_ref().unwrap();
    let scaled = |v: &IntOrString| match v {
        IntOrString::Int(n) => *n,
        IntOrString::String(p) => {
            let pct: i32 = p.trim_end_matches('%').parse().unwrap();
            (pct * pods + 99) / 100
        }
    };
    match (&ps.max_unavailable, &ps.min_available) {
        (Some(mu), None) => scaled(mu).min(pods),
        (None, Some(ma)) => (pods - scaled(ma)).max(0),
        other => panic!("a PDB sets exactly one of maxUnavailable and minAvailable: {other:?}"),
    }
}

/// Asserts every invariant on the manifests of one bundle (`render::manifests(&plan)`).
pub fn assert_bundle(s: &Spec, plan: &Plan, files: &[(String, String)]) {
    let ctx = describe(s);
    let d: Deployment = doc(files, "deployment.yaml").unwrap();
    let hpa: HorizontalPodAutoscaler = doc(files, "hpa.yaml").unwrap();
    let pdb: PodDisruptionBudget = doc(files, "pdb.yaml").unwrap();
    let sa: ServiceAccount = doc(files, "serviceaccount.yaml").unwrap();
    let spec = &d.spec;
    let hs = &hpa.spec;
    for name in [
        d.metadata.name.as_deref(),
        hpa.metadata.name.as_deref(),
        pdb.metadata.name.as_deref(),
        sa.metadata.name.as_deref(),
    ] {
        assert_eq!(name, Some(s.name.as_str()), "{ctx}");
    }
    assert_eq!(d.metadata.namespace.as_deref(), Some(s.namespace.as_str()));

    // 1, 8: at least 2 pods, HPA min = replicas < max, no spec.replicas beside the HPA.
    assert_eq!(spec.replicas, None, "{ctx}: spec.replicas beside an HPA");
    let min = hs.min_replicas.unwrap();
    assert!(min >= 2 && hs.max_replicas > min, "{ctx}");
    assert_eq!(
        min as u32, plan.rollout.replicas.value,
        "{ctx}: HPA min = replicas"
    );
    assert_eq!(hs.scale_target_ref.kind, "Deployment");
    assert_eq!(hs.scale_target_ref.name, s.name);
    let behavior = hs.behavior.as_ref().unwrap();
    assert!(
        behavior
            .scale_down
            .as_ref()
            .unwrap()
            .stabilization_window_seconds
            .unwrap()
            >= 300,
        "{ctx}"
    );
    if s.cost == Cost::Resilient {
        assert!(min >= 3, "{ctx}");
    }

    // 2: surge without losing capacity; progress deadline above the worst startup.
    let strategy = spec.strategy.as_ref().unwrap();
    assert_eq!(strategy.type_.as_deref(), Some("RollingUpdate"));
    let ru = strategy.rolling_update.as_ref().unwrap();
    assert_eq!(ru.max_unavailable, Some(IntOrString::Int(0)), "{ctx}");
    match ru.max_surge.as_ref().unwrap() {
        IntOrString::Int(n) => assert!(*n >= 1, "{ctx}"),
        IntOrString::String(p) => {
            assert!(p.trim_end_matches('%').parse::<u32>().unwrap() > 0, "{ctx}")
        }
    }
    let min_ready = spec.min_ready_seconds.unwrap();
    assert!(min_ready > 0);
    assert!(
        spec.progress_deadline_seconds.unwrap() > s.max_startup_seconds as i32 + min_ready,
        "{ctx}"
    );

    // 3: probes.
    let pod = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod.containers.len(), 1);
    let c = &pod.containers[0];
    assert_eq!(c.image.as_deref(), Some(s.image.as_str()), "{ctx}");
    let (startup, readiness, liveness) = (
        c.startup_probe.as_ref().unwrap(),
        c.readiness_probe.as_ref().unwrap(),
        c.liveness_probe.as_ref().unwrap(),
    );
    assert!(
        budget(startup) >= s.max_startup_seconds as i32,
        "{ctx}: startup budget"
    );
    assert!(
        startup.initial_delay_seconds.unwrap_or(0) + budget(startup)
            >= s.max_startup_seconds as i32,
        "{ctx}: startup window"
    );
    assert_ne!(handler(readiness), handler(liveness), "{ctx}");
    assert!(
        budget(liveness) > budget(readiness),
        "{ctx}: liveness trips later"
    );
    for p in [startup, readiness, liveness] {
        assert!(p.timeout_seconds.unwrap() >= 2, "{ctx}");
        assert!(
            p.timeout_seconds.unwrap() <= p.period_seconds.unwrap(),
            "{ctx}"
        );
    }
    assert!(liveness.timeout_seconds >= readiness.timeout_seconds);

    // 4: shutdown.
    let grace = pod.termination_grace_period_seconds.unwrap();
    let pre_stop = c.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref());
    let pre_stop_seconds = match pre_stop {
        None => {
            assert_eq!(
                s.app_type_name(),
                "worker",
                "{ctx}: only workers lack preStop"
            );
            0
        }
        Some(h) => match (&h.sleep, &h.exec) {
            (Some(sl), None) => {
                assert!(
                    s.kube_minor() >= 34 || !s.image_has_shell,
                    "{ctx}: native sleep only from 1.34 or without a shell"
                );
                sl.seconds
            }
            (None, Some(e)) => {
                let cmd = e.command.as_ref().unwrap();
                if s.app_type_name() == "nginx" {
                    assert!(cmd[2].contains("nginx -s quit"), "{ctx}");
                } else {
                    assert_eq!(cmd[0], "sleep", "{ctx}");
                    assert!(s.kube_minor() < 34 && s.image_has_shell, "{ctx}");
                }
                match s.exposure {
                    Exposure::Internal => 5,
                    Exposure::Ingress => 10,
                    Exposure::LoadBalancer => 15,
                }
            }
            other => panic!("{ctx}: {other:?}"),
        },
    };
    assert!(
        grace >= pre_stop_seconds + s.drain_seconds as i64,
        "{ctx}: grace {grace} < preStop {pre_stop_seconds} + drain"
    );
    assert!(grace > pre_stop_seconds, "{ctx}");

    // 5: resources on every container.
    let res = c.resources.as_ref().unwrap();
    for k in ["cpu", "memory", "ephemeral-storage"] {
        assert!(
            res.requests.as_ref().unwrap().contains_key(k)
                && res.limits.as_ref().unwrap().contains_key(k),
            "{ctx}: {k}"
        );
    }

    // 6: spread.
    let anti = pod
        .affinity
        .as_ref()
        .unwrap()
        .pod_anti_affinity
        .as_ref()
        .unwrap();
    if s.cost == Cost::Resilient {
        assert!(
            anti.required_during_scheduling_ignored_during_execution
                .is_some(),
            "{ctx}"
        );
    } else {
        assert!(
            anti.preferred_during_scheduling_ignored_during_execution
                .is_some(),
            "{ctx}"
        );
    }
    let tsc = &pod.topology_spread_constraints.as_ref().unwrap()[0];
    assert_eq!(tsc.topology_key, "topology.kubernetes.io/zone");

    // 7, 9: PDB and selectors.
    let selector = spec.selector.match_labels.as_ref().unwrap();
    assert!(
        !selector.contains_key("app.kubernetes.io/version"),
        "selectors are immutable: no version"
    );
    let pod_labels = spec
        .template
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    for (k, v) in selector {
        assert_eq!(
            pod_labels.get(k),
            Some(v),
            "{ctx}: selector matches the pods"
        );
    }
    let ps = pdb.spec.as_ref().unwrap();
    assert_eq!(ps.max_unavailable, Some(IntOrString::Int(1)));
    assert_eq!(ps.min_available, None);
    assert!(
        allowed_disruptions(&pdb, min) >= 1,
        "{ctx}: the PDB must allow a disruption at minReplicas"
    );
    assert_eq!(
        ps.selector.as_ref().unwrap().match_labels.as_ref(),
        Some(selector)
    );
    assert_eq!(
        ps.unhealthy_pod_eviction_policy.as_deref(),
        Some("AlwaysAllow")
    );
    let labels = d.metadata.labels.as_ref().unwrap();
    for k in ["name", "instance", "component", "part-of", "managed-by"] {
        assert!(
            labels.contains_key(&format!("app.kubernetes.io/{k}")),
            "{ctx}: {k}"
        );
    }
    // The version label comes from the tag (or the digest); a tag of only '_', '.' or '-' has none.
    // It is on the pod template only, so a version bump changes the Deployment's template alone.
    let version = ImageRef::parse(&s.image).unwrap().version_label();
    let pod_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .unwrap();
    assert_eq!(
        pod_labels.get("app.kubernetes.io/version"),
        version.as_ref(),
        "{ctx}"
    );
    assert_eq!(labels.get("app.kubernetes.io/version"), None, "{ctx}");
    assert_eq!(labels.get("app.kubernetes.io/part-of"), Some(&s.part_of));

    // 11: hardening.
    let psc = pod.security_context.as_ref().unwrap();
    assert_eq!(psc.run_as_non_root, Some(true));
    assert!(psc.run_as_user.unwrap() > 0);
    assert_eq!(
        psc.seccomp_profile.as_ref().unwrap().type_,
        "RuntimeDefault"
    );
    let csc = c.security_context.as_ref().unwrap();
    assert_eq!(csc.read_only_root_filesystem, Some(true));
    assert_eq!(csc.allow_privilege_escalation, Some(false));
    assert_eq!(
        csc.capabilities.as_ref().unwrap().drop.as_deref(),
        Some(&["ALL".to_string()][..])
    );
    assert_eq!(pod.automount_service_account_token, Some(false));
    // The API server refuses a mountPath or a volume name used twice.
    let mounts = c.volume_mounts.as_ref().unwrap();
    let mut paths: Vec<&str> = mounts
        .iter()
        .map(|m| m.mount_path.trim_end_matches('/'))
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), mounts.len(), "{ctx}: unique mountPaths");
    assert_eq!(mounts.len(), s.writable_dirs.len() + 1, "{ctx}");
    let volumes = pod.volumes.as_ref().unwrap();
    let mut names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), volumes.len(), "{ctx}: unique volume names");
    assert!(
        mounts.iter().all(|m| names.contains(&m.name.as_str())),
        "{ctx}"
    );
    assert_eq!(pod.service_account_name.as_deref(), Some(s.name.as_str()));

    // 12: a Service for everything but workers, selecting the same pods on the named port.
    let svc: Option<Service> = doc(files, "service.yaml");
    if s.app_type_name() == "worker" {
        assert!(svc.is_none());
        assert!(c.ports.is_none());
    } else {
        let svc = svc.unwrap();
        let ss = svc.spec.as_ref().unwrap();
        // A generic load balancer (the grid gives no profile) is a LoadBalancer Service.
        let want = if s.exposure == Exposure::LoadBalancer {
            "LoadBalancer"
        } else {
            "ClusterIP"
        };
        assert_eq!(ss.type_.as_deref(), Some(want), "{ctx}");
        assert_eq!(ss.selector.as_ref(), Some(selector));
        assert_eq!(
            ss.ports.as_ref().unwrap()[0].target_port,
            Some(IntOrString::String("http".into()))
        );
        let port = &c.ports.as_ref().unwrap()[0];
        assert_eq!(port.name.as_deref(), Some("http"));
        assert_eq!(Some(port.container_port as u16), s.port, "{ctx}");
    }

    // 13: a NetworkPolicy over exactly the Deployment's pods, for both directions (egress open),
    // admitting only the named port `http` (nothing at all for a worker).
    if s.network_policy.enabled {
        let np: NetworkPolicy = doc(files, "networkpolicy.yaml").unwrap();
        let ns = np.spec.as_ref().unwrap();
        assert_eq!(
            ns.pod_selector.as_ref().unwrap().match_labels.as_ref(),
            Some(selector),
            "{ctx}"
        );
        assert_eq!(
            ns.policy_types.as_deref(),
            Some(&["Ingress".to_string(), "Egress".to_string()][..])
        );
        let egress = ns.egress.as_ref().unwrap();
        assert!(
            egress.len() == 1 && egress[0].to.is_none() && egress[0].ports.is_none(),
            "{ctx}"
        );
        if s.app_type_name() == "worker" {
            assert!(ns.ingress.is_none(), "{ctx}: a worker admits nothing");
        } else {
            let rules = ns.ingress.as_ref().unwrap();
            assert_eq!(rules.len(), 1, "{ctx}");
            let ports = rules[0].ports.as_ref().unwrap();
            assert_eq!(ports.len(), 1);
            assert_eq!(ports[0].port, Some(IntOrString::String("http".into())));
            assert!(!rules[0].from.as_ref().unwrap().is_empty(), "{ctx}");
        }
    } else {
        assert!(doc::<NetworkPolicy>(files, "networkpolicy.yaml").is_none());
    }
}

/// Asserts that `zerodown check` reports nothing active (and no input problem) on the manifests
/// of a bundle; suppressed findings carry their reason on the object and are not findings.
pub fn assert_check_clean(s: &Spec, files: &[(String, String)]) {
    let sources: Vec<Source> = files
        .iter()
        .map(|(f, t)| Source::new(f.clone(), t.clone()))
        .collect();
    let report = check_sources(&sources);
    let active: Vec<String> = report
        .active()
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect();
    assert!(
        active.is_empty() && report.input_errors.is_empty(),
        "{}: {active:?} {:?}",
        describe(s),
        report.input_errors
    );
}
