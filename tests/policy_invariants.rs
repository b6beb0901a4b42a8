//! The zero-downtime invariants, checked on the typed Kubernetes objects of every bundle in a grid
//! of specs: every preset x traffic x cost x exposure x target version x startup times.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Probe, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use zerodown::check::{check_sources, Source};
use zerodown::policy;
use zerodown::preset::Preset;
use zerodown::render;
use zerodown::spec::{Answers, Cost, Exposure, Spec, Traffic, SUPPORTED_KUBE_VERSIONS};

fn spec(
    preset: &Preset,
    traffic: Traffic,
    cost: Cost,
    exposure: Exposure,
    kube: &str,
    startup: (u32, u32),
) -> Spec {
    Answers {
        name: Some("svc".into()),
        namespace: Some("team".into()),
        image: Some("registry.example.com/team/svc:2.3.4".into()),
        traffic: Some(traffic),
        cost: Some(cost),
        exposure: Some(exposure),
        kube_version: Some(kube.into()),
        startup_seconds: Some(startup.0),
        max_startup_seconds: Some(startup.1),
        ..Answers::default()
    }
    .resolve(preset, &mut vec![])
    .unwrap()
}

fn handler(p: &Probe) -> String {
    format!("{:?}{:?}{:?}{:?}", p.http_get, p.exec, p.tcp_socket, p.grpc)
}

fn budget(p: &Probe) -> i32 {
    p.period_seconds.unwrap() * p.failure_threshold.unwrap()
}

#[test]
fn every_bundle_in_the_grid_keeps_the_invariants() {
    let mut checked = 0;
    for preset in Preset::all_builtin() {
        for traffic in [Traffic::Steady, Traffic::Spiky, Traffic::Low] {
            for cost in [Cost::Minimal, Cost::Balanced, Cost::Resilient] {
                for exposure in [
                    Exposure::Internal,
                    Exposure::Ingress,
                    Exposure::LoadBalancer,
                ] {
                    for kube in SUPPORTED_KUBE_VERSIONS {
                        for startup in [(1, 1), (45, 120), (300, 900)] {
                            let s = spec(&preset, traffic, cost, exposure, kube, startup);
                            let plan = policy::plan(&s, &preset);
                            let files = render::manifests(&plan).unwrap();
                            check(&s, &files);
                            // zerodown check reports nothing on its own output (suppressed
                            // findings carry their reason on the object and are not findings).
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
                                "{} {:?} {:?}: {active:?} {:?}",
                                s.preset,
                                s.traffic,
                                s.cost,
                                report.input_errors
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 9 * 3 * 3 * 3 * 5 * 3);
}

fn doc<T: serde::de::DeserializeOwned>(files: &[(String, String)], name: &str) -> Option<T> {
    files
        .iter()
        .find(|(f, _)| f == name)
        .map(|(_, t)| serde_yaml_ng::from_str(t).unwrap())
}

fn check(s: &Spec, files: &[(String, String)]) {
    let ctx = format!(
        "{} {:?} {:?} {:?} {} {}/{}",
        s.preset,
        s.traffic,
        s.cost,
        s.exposure,
        s.kube_version,
        s.startup_seconds,
        s.max_startup_seconds
    );
    let d: Deployment = doc(files, "deployment.yaml").unwrap();
    let hpa: HorizontalPodAutoscaler = doc(files, "hpa.yaml").unwrap();
    let pdb: PodDisruptionBudget = doc(files, "pdb.yaml").unwrap();
    let spec = &d.spec;
    let hs = &hpa.spec;

    // 1, 8: at least 2 pods, HPA min = replicas < max, no spec.replicas beside the HPA.
    assert_eq!(spec.replicas, None, "{ctx}");
    let min = hs.min_replicas.unwrap();
    assert!(min >= 2 && hs.max_replicas > min, "{ctx}");
    assert_eq!(hs.scale_target_ref.name, "svc");
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
    let (startup, readiness, liveness) = (
        c.startup_probe.as_ref().unwrap(),
        c.readiness_probe.as_ref().unwrap(),
        c.liveness_probe.as_ref().unwrap(),
    );
    assert!(
        budget(startup) >= s.max_startup_seconds as i32,
        "{ctx}: startup budget"
    );
    assert_ne!(handler(readiness), handler(liveness), "{ctx}");
    assert!(
        budget(liveness) > budget(readiness),
        "{ctx}: liveness trips later"
    );
    for p in [startup, readiness, liveness] {
        assert!(p.timeout_seconds.unwrap() >= 2, "{ctx}");
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
    assert!(grace >= pre_stop_seconds + s.drain_seconds as i64, "{ctx}");
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
        assert_eq!(pod_labels.get(k), Some(v));
    }
    let ps = pdb.spec.as_ref().unwrap();
    assert_eq!(ps.max_unavailable, Some(IntOrString::Int(1)));
    assert_eq!(ps.min_available, None);
    assert_eq!(
        ps.selector.as_ref().unwrap().match_labels.as_ref(),
        Some(selector)
    );
    assert_eq!(
        ps.unhealthy_pod_eviction_policy.as_deref(),
        Some("AlwaysAllow")
    );
    for k in [
        "name",
        "instance",
        "version",
        "component",
        "part-of",
        "managed-by",
    ] {
        assert!(
            d.metadata
                .labels
                .as_ref()
                .unwrap()
                .contains_key(&format!("app.kubernetes.io/{k}")),
            "{ctx}: {k}"
        );
    }

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
    assert_eq!(pod.service_account_name.as_deref(), Some("svc"));

    // 12: a Service for everything but workers, selecting the same pods on the named port.
    let svc: Option<Service> = doc(files, "service.yaml");
    if s.app_type_name() == "worker" {
        assert!(svc.is_none());
        assert!(c.ports.is_none());
    } else {
        let svc = svc.unwrap();
        let ss = svc.spec.as_ref().unwrap();
        assert_eq!(ss.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(ss.selector.as_ref(), Some(selector));
        assert_eq!(
            ss.ports.as_ref().unwrap()[0].target_port,
            Some(IntOrString::String("http".into()))
        );
        assert_eq!(c.ports.as_ref().unwrap()[0].name.as_deref(), Some("http"));
    }
}
