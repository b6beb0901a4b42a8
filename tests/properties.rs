//! Property test: for 10,000 random valid specs (every preset, traffic, cost, exposure and target
//! version; startup times from 1 s to 15 min; random names, namespaces, images, ports, probes,
//! resources, users and writable folders anywhere in their valid ranges) the bundle parses back
//! into the k8s-openapi types, keeps every zero-downtime invariant (`tests/support/invariants.rs`),
//! and `zerodown check` finds nothing in it. `PROPTEST_CASES=N` runs N cases instead.

mod support;

use proptest::prelude::*;
use proptest::sample::select;
use support::invariants::{assert_bundle, assert_check_clean, describe};
use zerodown::image::ImageRef;
use zerodown::preset::Preset;
use zerodown::spec::{
    Answers, Cost, Exposure, HealthCheck, ResourceOverrides, Spec, Traffic, RESERVED_NAMESPACES,
    SUPPORTED_KUBE_VERSIONS,
};
use zerodown::{policy, render, specfile};

const CASES: u32 = 10_000;

fn dns_label() -> impl Strategy<Value = String> {
    "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
}

fn label_value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
}

/// Any character but control characters: quoting must keep every one of them in its scalar.
fn visible_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9/._=-]{1,16}".boxed(),
        3 => "[ -~]{1,24}".boxed(),
        2 => prop::collection::vec(any::<char>().prop_filter("no control", |c| !c.is_control()), 1..max)
            .prop_map(|v| v.into_iter().collect::<String>()).boxed(),
    ]
}

fn url_path() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "/[a-z0-9._~/-]{0,24}".boxed(),
        2 => "/[!-~]{0,40}".boxed(),
        1 => prop::collection::vec(
            any::<char>().prop_filter("no space or control", |c| !c.is_control() && !c.is_whitespace()),
            0..20,
        )
        .prop_map(|v| format!("/{}", v.into_iter().collect::<String>())).boxed(),
    ]
}

fn exec() -> impl Strategy<Value = HealthCheck> {
    prop::collection::vec(visible_text(24), 1..5).prop_map(|command| HealthCheck::Exec { command })
}

/// `[registry/]path[:tag][@digest]`, pinned (or `latest` with `allow_mutable_tag`).
fn image() -> impl Strategy<Value = (String, bool)> {
    let registry = prop::option::of(
        "[a-z0-9]{1,10}(\\.[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?){1,2}(:[0-9]{1,5})?/",
    );
    // A '.' in the first component would make it a registry host.
    let path =
        "[a-z0-9]{1,8}([_-][a-z0-9]{1,8}){0,2}(/[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}){0,2}";
    let tag = prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}");
    let digest = prop::option::of("(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})");
    (registry, path, tag, digest, any::<bool>()).prop_map(|(r, p, t, d, mutable)| {
        let mut s = format!("{}{p}", r.unwrap_or_default());
        let pinned = t.is_some() || d.is_some();
        if mutable || !pinned {
            s.push_str(":latest");
        } else {
            if let Some(t) = t.filter(|t| t != "latest") {
                s.push_str(&format!(":{t}"));
            }
            if let Some(d) = d {
                s.push_str(&format!("@{d}"));
            }
        }
        let mutable = ImageRef::parse(&s).map(|r| r.is_mutable()).unwrap_or(false);
        (s, mutable)
    })
}

/// Distinct absolute folders other than `/tmp` (which every bundle mounts), each named one way
/// (no `.` or `..` segment) and not a system folder, as a spec requires.
fn writable_dirs() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set("/[a-z0-9._-]{1,12}(/[a-z0-9._-]{1,12}){0,2}/?", 0..4).prop_map(
        |dirs| {
            let mut seen = std::collections::BTreeSet::new();
            dirs.into_iter()
                .filter(|d| {
                    d.trim_end_matches('/') != "/tmp"
                        && zerodown::spec::check_mount_dir(d).is_ok()
                        && seen.insert(d.trim_end_matches('/').to_string())
                })
                .collect()
        },
    )
}

fn resources() -> impl Strategy<Value = ResourceOverrides> {
    (
        10u32..=64_000,
        0u32..=64_000,
        16u32..=1_048_576,
        64u32..=1_048_576,
    )
        .prop_map(|(req, lim, mem, eph)| ResourceOverrides {
            cpu_request_millicores: Some(req),
            cpu_limit_millicores: Some(lim.max(req)),
            memory_mib: Some(mem),
            ephemeral_storage_mib: Some(eph),
        })
}

/// Everything but the preset-dependent parts.
#[derive(Debug, Clone)]
struct Draw {
    preset: usize,
    name: String,
    namespace: String,
    image: (String, bool),
    port: u32,
    probes: (HealthCheck, HealthCheck),
    startup: (u32, u32),
    drain: u32,
    traffic: Traffic,
    cost: Cost,
    exposure: Exposure,
    resources: ResourceOverrides,
    part_of: Option<String>,
    kube: &'static str,
    shell: bool,
    run_as_user: u32,
    writable_dirs: Vec<String>,
}

fn http_probes() -> impl Strategy<Value = (HealthCheck, HealthCheck)> {
    let http = || url_path().prop_map(|path| HealthCheck::HttpGet { path });
    let readiness = prop_oneof![5 => http().boxed(), 1 => exec().boxed()];
    let liveness = prop_oneof![
        3 => http().boxed(),
        2 => Just(HealthCheck::TcpSocket {}).boxed(),
        1 => exec().boxed(),
    ];
    (readiness, liveness).prop_filter("liveness differs from readiness", |(r, l)| r != l)
}

fn worker_probes() -> impl Strategy<Value = (HealthCheck, HealthCheck)> {
    (exec(), exec()).prop_filter("liveness differs from readiness", |(r, l)| r != l)
}

fn draw(presets: usize, worker: usize) -> impl Strategy<Value = Draw> {
    (0..presets).prop_flat_map(move |preset| {
        let probes = if preset == worker {
            worker_probes().boxed()
        } else {
            http_probes().boxed()
        };
        let ids = (
            dns_label(),
            dns_label().prop_filter("own namespace", |n| {
                !RESERVED_NAMESPACES.contains(&n.as_str())
            }),
            image(),
            1u32..=65_535,
            probes,
            (1u32..=900, 1u32..=900).prop_map(|(a, b)| (a.min(b), a.max(b))),
            0u32..=3_600,
        );
        let tuning = (
            select(vec![Traffic::Steady, Traffic::Spiky, Traffic::Low]),
            select(vec![Cost::Minimal, Cost::Balanced, Cost::Resilient]),
            select(vec![
                Exposure::Internal,
                Exposure::Ingress,
                Exposure::LoadBalancer,
            ]),
            resources(),
            prop::option::of(label_value()),
            select(SUPPORTED_KUBE_VERSIONS.to_vec()),
            any::<bool>(),
            prop_oneof![1u32..=65_534, 10_000u32..=u32::MAX],
            writable_dirs(),
        );
        (ids, tuning).prop_map(
            move |(
                (name, namespace, image, port, probes, startup, drain),
                (traffic, cost, exposure, resources, part_of, kube, shell, uid, dirs),
            )| Draw {
                preset,
                name,
                namespace,
                image,
                port,
                probes,
                startup,
                drain,
                traffic,
                cost,
                exposure,
                resources,
                part_of,
                kube,
                shell,
                run_as_user: uid,
                writable_dirs: dirs,
            },
        )
    })
}

fn resolve(d: Draw, preset: &Preset) -> Spec {
    let worker = preset.app_type.is_worker();
    let answers = Answers {
        name: Some(d.name),
        namespace: Some(d.namespace),
        image: Some(d.image.0),
        allow_mutable_tag: d.image.1,
        port: (!worker).then_some(d.port),
        readiness: Some(d.probes.0),
        liveness: Some(d.probes.1),
        startup_seconds: Some(d.startup.0),
        max_startup_seconds: Some(d.startup.1),
        drain_seconds: Some(d.drain),
        traffic: Some(d.traffic),
        cost: Some(d.cost),
        exposure: Some(d.exposure),
        resources: d.resources,
        part_of: d.part_of,
        kube_version: Some(d.kube.to_string()),
        preset_file: None,
        image_has_shell: Some(d.shell),
        run_as_user: Some(d.run_as_user),
        writable_dirs: Some(d.writable_dirs),
        ..Answers::default()
    };
    let shown = format!("{answers:?}");
    answers
        .resolve(preset, &mut vec![])
        .unwrap_or_else(|e| panic!("a valid draw was refused: {e}\n{shown}"))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES)
}

/// Runs `cases` random specs drawn from `seed` (PROPTEST_RNG_SEED=N explores other specs).
fn random_specs_keep_the_invariants(cases: u32, seed: u64) {
    let presets = Preset::all_builtin();
    let worker = presets.iter().position(|p| p.app_type.is_worker()).unwrap();
    let mut config = ProptestConfig {
        cases,
        ..ProptestConfig::default()
    };
    // The same specs on every run, so CI is reproducible.
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(seed);
    }
    proptest!(config, |(d in draw(presets.len(), worker))| {
        let preset = &presets[d.preset];
        let s = resolve(d, preset);
        let plan = policy::plan(&s, preset);
        let files = render::manifests(&plan).unwrap_or_else(|e| panic!("{}: {e}", describe(&s)));
        assert_bundle(&s, &plan, &files);
        assert_check_clean(&s, &files);
        // The spec file written beside the bundle reads back as the same spec.
        let text = specfile::spec_file_text(&s).unwrap();
        let back: Spec = specfile::parse_yaml(&text, "zerodown.yaml").unwrap();
        prop_assert_eq!(back, s);
    });
}

// 10,000 specs as two tests of 5,000 with their own seeds, so the test harness runs them on two
// cores at once.
#[test]
fn random_valid_specs_keep_the_invariants_first_half() {
    random_specs_keep_the_invariants(cases() / 2, 0x2e70_d0e5);
}

#[test]
fn random_valid_specs_keep_the_invariants_second_half() {
    random_specs_keep_the_invariants(cases() - cases() / 2, 0x5eed_0002);
}
