//! The zero-downtime policy: pure functions from a validated [`Spec`] to a [`Plan`], each value
//! with its reason. No I/O. One file per concern; each rule's test sits next to it.

pub mod autoscaling;
pub mod config;
pub mod disruption;
pub mod image;
pub mod keda;
pub mod overlays;
pub mod probes;
pub mod resources;
pub mod rollout;
pub mod route;
pub mod runtime;
pub mod security;
pub mod shutdown;
pub mod spread;

use std::collections::BTreeMap;

use crate::image::ImageRef;
use crate::plan::{decide, Plan};
use crate::preset::Preset;
use crate::spec::Spec;

/// Turns a validated spec into the plan. `preset` supplies the README notes.
///
/// Invariants that hold for every valid spec (tested in `tests/policy_invariants.rs`): at least 2
/// replicas; `maxUnavailable: 0` with `maxSurge ≥ 1`; a startup budget of at least the worst-case
/// startup; `terminationGracePeriodSeconds ≥ preStop + drainSeconds`; HPA `minReplicas` equals the
/// replicas and is below `maxReplicas`; the PDB allows one disruption.
pub fn plan(spec: &Spec, preset: &Preset) -> Plan {
    let image = ImageRef::parse(&spec.image).ok();
    let mut warnings = Vec::new();
    let replicas = rollout::replicas(spec.cost, spec.traffic);
    let hpa = autoscaling::hpa(spec.traffic, spec.cost, replicas.value);
    let keda = keda::scaled_object(spec, &hpa);
    // The most pods the Deployment can run: KEDA's maximum when it scales, else the HPA's.
    let max_replicas = keda
        .as_ref()
        .map_or(hpa.max_replicas.value, |k| k.max_replica_count.value);
    let spread = spread::spread(spec.cost, max_replicas);
    let probes = probes::probes(spec);
    let rollout = rollout::rollout(
        spec,
        replicas,
        &probes,
        max_replicas,
        spread.hard_anti_affinity.value,
    );
    let shutdown = shutdown::shutdown(spec, &mut warnings);
    let resources = resources::resources(spec, &mut warnings);
    let env = runtime::env(spec, runtime::effective(spec, preset));
    let pull = image::pull_policy(image.as_ref());
    let mirror = image
        .as_ref()
        .and_then(|r| spec.registry_mirror.as_deref().map(|m| image::mirror(r, m)));
    let overlays = overlays::overlays(spec, &hpa);

    let mut labels = BTreeMap::new();
    labels.insert("app.kubernetes.io/name".to_string(), spec.name.clone());
    labels.insert("app.kubernetes.io/instance".to_string(), spec.name.clone());
    let component = if spec.app_type.is_worker() {
        "worker"
    } else {
        "server"
    };
    labels.insert(
        "app.kubernetes.io/component".to_string(),
        component.to_string(),
    );
    labels.insert(
        "app.kubernetes.io/part-of".to_string(),
        spec.part_of.clone(),
    );
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        "zerodown".to_string(),
    );
    // The version label goes on the pod template only: a version bump then changes the
    // Deployment alone, not every object of the bundle (and the selector never holds it).
    let mut pod_labels = labels.clone();
    if let Some(v) = image.as_ref().and_then(ImageRef::version_label) {
        pod_labels.insert("app.kubernetes.io/version".to_string(), v);
    }
    let selector: BTreeMap<String, String> = labels
        .iter()
        .filter(|(k, _)| {
            k.as_str() == "app.kubernetes.io/name" || k.as_str() == "app.kubernetes.io/instance"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();

    let pre_stop = shutdown.pre_stop.value.as_ref().map_or(0, |p| p.seconds());
    let route = route::route(spec, pre_stop, &mut warnings);
    let service = if spec.app_type.is_worker() {
        decide(
            false,
            "a worker takes work from a queue, not from clients: no Service, no port",
        )
    } else {
        decide(true, route.service.service_type.reason.clone())
    };
    if let Some(port) = spec.port.filter(|p| *p < 1024) {
        warnings.push(format!(
            "port {port} is below 1024: the container runs as a non-root user with every capability dropped, so it can bind it only where the runtime allows unprivileged ports (net.ipv4.ip_unprivileged_port_start); a port of 1024 or above is safer"
        ));
    }
    if spread.hard_anti_affinity.value {
        warnings.push(format!(
            "cost: resilient puts at most one pod on a node: scaling to maxReplicas ({}) and rolling out needs at least {} schedulable nodes, or pods stay Pending",
            max_replicas,
            max_replicas + 1
        ));
    }
    if spec.app_type.is_worker() && keda.is_none() {
        warnings.push("a queue worker scales on CPU here, which a consumer waiting on its broker barely uses while the backlog grows; scale it on the queue with a KEDA trigger (--keda-kafka, --keda-rabbitmq, --keda-sqs, --keda-redis or --keda-prometheus)".into());
    }
    let (exemptions, departures) = security::exemptions(spec, image.as_ref(), &spread, &shutdown);
    let mut plan = Plan {
        name: spec.name.clone(),
        namespace: spec.namespace.clone(),
        image: mirror
            .as_ref()
            .map(|m| m.destination.clone())
            .unwrap_or_else(|| spec.image.clone()),
        mirror,
        overlays,
        image_pull_policy: pull,
        labels,
        pod_labels,
        selector,
        port: spec.port,
        rollout,
        probes,
        shutdown,
        resources,
        env,
        spread,
        pdb: disruption::pdb(),
        hpa,
        keda,
        security: security::security(spec),
        service,
        route,
        exemptions,
        departures,
        warnings,
        notes: preset.notes.clone(),
        config: config::config(spec),
        namespace_object: config::namespace(spec),
    };
    // The load balancer's namespace labels (the AWS controller's readiness-gate injection).
    if let Some(ns) = plan.namespace_object.as_mut() {
        for d in route::namespace_labels(spec) {
            let (key, value) = d.value;
            ns.labels
                .push(decide(config::Label { key, value }, d.reason));
        }
    }
    // Last, over every tuned env var and exemption the policies above made.
    config::apply_overrides(&mut plan);
    plan
}
