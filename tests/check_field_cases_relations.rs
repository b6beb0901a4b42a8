//! The relation field cases (tests/fixtures/field-cases-new/RC-NN*.yaml, one public report each;
//! see README-relations.md there): each faulty file produces its rule with its severity and exact
//! message, each fixed file has nothing at warning or error and passes the strict schema
//! (`kubernetes-validate --strict`, skipped with a note when the tool is absent). Then the edges
//! of each rule: what it must not report.

mod common;
use common::{
    absent, check, human, kubernetes_validate_or_skip, new_field_case, new_field_cases_dir,
    no_warnings, one,
};
use std::path::{Path, PathBuf};
use zerodown::check::{check_sources, Severity};

/// (case, rule, severity, exact message)
const CASES: &[(&str, &str, Severity, &str)] = &[
    ("RC-01", "selector-release-label", Severity::Error, "Deployment 'version-checker' spec.selector includes 'app.kubernetes.io/version: v0.3.2', a label that changes with every release; spec.selector is immutable, so the next upgrade that changes it is rejected ('field is immutable') and nothing rolls out"),
    ("RC-02", "service-selector-release-label", Severity::Warning, "Service 'athens-proxy' selector includes 'chart: athens-proxy-0.4.3', a label that changes with every release; at the next upgrade the Service drops every running pod at once and selects only the new release's pods, which are not Ready yet"),
    ("RC-03", "service-selects-portless-pods", Severity::Error, "Service 'storage' selects the pods of DaemonSet 'storage-node' and of StatefulSet 'storage-csi-helper', but no container of StatefulSet 'storage-csi-helper' declares target port 5705; those pods get a share of the connections and refuse them"),
    ("RC-04", "route-backend-port-unknown", Severity::Error, "Ingress 'redmine' routes to Service 'redmine' port named 'http', but the Service has no such port (its ports: 80 (http-redmine)); the controller finds no backend for the route and every request fails (503)"),
    ("RC-05", "route-backend-port-unknown", Severity::Error, "Ingress 'catalog' routes to Service 'catalog' port number 8080, but the Service has no such port (its ports: 80 (http)); the controller finds no backend for the route and every request fails (503)"),
    ("RC-06", "lb-health-check-outlasts-prestop", Severity::Warning, "preStop of container 'proxy' waits 10s, but ALB Ingress 'proxy' keeps sending new requests to a leaving pod for up to 15s (the sooner of deregistration by the controller, about 15s, and a failed health check, healthcheck-interval-seconds 15 x unhealthy-threshold-count 2 = 30s); requests reach the pod after it stops serving, on every rollout and drain"),
    ("RC-11", "lb-health-check-outlasts-prestop", Severity::Warning, "preStop of container 'proxy' waits 5s, but NLB Service 'edge-proxy' (externalTrafficPolicy: Local) keeps sending to a node for up to 30s after its pod there stops being Ready (healthcheck-interval 10 x healthcheck-unhealthy-threshold 3); connections to that node fail on every rollout and drain"),
    ("RC-07", "publish-not-ready-serving", Severity::Warning, "ClusterIP Service 'loki-distributor' sets publishNotReadyAddresses: true and carries traffic to Deployment 'loki-distributor'; its endpoints keep pods that are starting or terminating, so requests reach pods that cannot serve them (502/503 on every rollout and scale-down)"),
    ("RC-08", "spread-counts-old-revision", Severity::Warning, "topologySpreadConstraints of Deployment 'app1' (topologyKey kubernetes.io/hostname, maxSkew 1, DoNotSchedule) count the old ReplicaSet's pods together with the new ones during a rollout; surge pods can be held Pending and the spread ends skewed once the old pods are gone; add matchLabelKeys: [pod-template-hash]"),
    ("RC-09", "spread-min-domains-unreachable", Severity::Error, "topologySpreadConstraints of Deployment 'clusterd' require minDomains 3 over topology.kubernetes.io/zone, but its node affinity allows only 2 (us-east-1a, us-east-1b); with fewer eligible domains than minDomains the scheduler counts the global minimum as 0, so at most 2 pods (maxSkew 1 x 2) are scheduled and the rest of the 5 pods it needs at peak stay Pending"),
    ("RC-10", "zone-anti-affinity-caps-replicas", Severity::Warning, "Deployment 'search' allows at most one pod per zone (required podAntiAffinity on topology.kubernetes.io/zone) but runs up to 5 replicas; most regions have 3 zones, so every replica beyond the zone count stays Pending"),
];

/// The RC files in the folder (another set, SC-NN, shares it).
fn rc_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(new_field_cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("RC-") && n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_relations_fixture_is_covered_and_documented() {
    let names = rc_files();
    assert_eq!(names.len(), 2 * CASES.len(), "{names:?}");
    let readme =
        std::fs::read_to_string(new_field_cases_dir().join("README-relations.md")).unwrap();
    for (case, rule, severity, _) in CASES {
        assert!(names.contains(&format!("{case}.yaml")), "{case}");
        assert!(names.contains(&format!("{case}.fixed.yaml")), "{case}");
        let section = readme
            .split("\n## ")
            .find(|s| s.starts_with(case))
            .unwrap_or_else(|| panic!("README-relations.md has no section {case}"));
        assert!(section.contains(&format!("`{rule}`")), "{case}: rule");
        assert!(section.contains(&format!("{severity}")), "{case}: severity");
        // The source URL in the README is the one at the top of the faulty file.
        let faulty = new_field_case(&format!("{case}.yaml")).text;
        let url = faulty
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .unwrap_or_else(|| panic!("{case}.yaml names no source"));
        assert!(url.starts_with("https://github.com/"), "{case}: {url}");
        assert!(section.contains(url), "{case}: README lacks {url}");
    }
}

#[test]
fn faulty_cases_produce_their_rule() {
    for (case, rule, severity, message) in CASES {
        let r = check_sources(&[new_field_case(&format!("{case}.yaml"))]);
        assert!(r.input_errors.is_empty(), "{case}: {:?}", r.input_errors);
        let f = r
            .active()
            .find(|f| f.rule == *rule)
            .unwrap_or_else(|| panic!("{case}: expected {rule}\n{}", human(&r)));
        assert_eq!(f.severity, *severity, "{case}");
        assert_eq!(&f.message, message, "{case}");
        assert!(
            f.line > f.object_line,
            "{case}: {rule} points at the object's first line {}, not at the field",
            f.object_line
        );
        assert_eq!(r.exit_code(Severity::Warning), 1, "{case}");
    }
}

#[test]
fn fixed_cases_are_clean() {
    for (case, ..) in CASES {
        let r = check_sources(&[new_field_case(&format!("{case}.fixed.yaml"))]);
        assert!(r.input_errors.is_empty(), "{case}: {:?}", r.input_errors);
        no_warnings(&r);
        assert_eq!(r.exit_code(Severity::Warning), 0, "{case}");
    }
}

#[test]
fn fixed_cases_pass_the_strict_schema() {
    let Some(tool) = kubernetes_validate_or_skip() else {
        return;
    };
    let files: Vec<PathBuf> = CASES
        .iter()
        .map(|(c, ..)| new_field_cases_dir().join(format!("{c}.fixed.yaml")))
        .collect();
    let out = std::process::Command::new(&tool)
        .args(["--strict", "-k", "1.37.0"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    // One "passed" line per object: nothing skipped as an unknown kind.
    let objects: usize = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .filter(|l| l.starts_with("kind: "))
                .count()
        })
        .sum();
    assert_eq!(
        text.matches(" passed for resource ").count(),
        objects,
        "{text}"
    );
}

// ---- the edges: what each rule must not report ------------------------------------------------

fn fixture(case: &str) -> String {
    std::fs::read_to_string(Path::new(&new_field_cases_dir()).join(case)).unwrap()
}

/// `common::edit` as a method: replaces the first occurrence and fails when it is absent, so an
/// edge case can never silently test the unchanged fixture.
trait Edit {
    fn edit(&self, from: &str, to: &str) -> String;
}

impl Edit for str {
    fn edit(&self, from: &str, to: &str) -> String {
        common::edit(self, from, to)
    }
}

#[test]
fn a_per_version_deployment_may_select_its_version() {
    // Istio's bookinfo style: Deployment reviews-v1 selects version: v1 and is replaced, not
    // upgraded, by reviews-v2.
    let yaml = fixture("RC-01.yaml")
        .edit(
            "name: version-checker\n  namespace",
            "name: checker-v0.3.2\n  namespace",
        )
        .edit(
            "      helm.sh/chart: version-checker-v0.3.2\n  template",
            "  template",
        );
    let r = check(&yaml);
    absent(&r, "selector-release-label");
    // A version-free value is stable: `chart: redis` is not per release.
    let r = check(
        &fixture("RC-01.yaml")
            .edit("version-checker-v0.3.2\n  template", "checker\n  template")
            .edit(
                "      app.kubernetes.io/version: v0.3.2\n      helm.sh/chart",
                "      helm.sh/chart",
            ),
    );
    absent(&r, "selector-release-label");
}

#[test]
fn a_service_selecting_one_workload_or_a_named_port_is_not_portless() {
    let faulty = fixture("RC-03.yaml");
    // The StatefulSet declares the port: both serve.
    let r = check(&faulty.edit(
        "          image: registry.example.com/storage-csi-helper:2.4.1\n",
        "          image: registry.example.com/storage-csi-helper:2.4.1\n          ports:\n            - containerPort: 5705\n",
    ));
    absent(&r, "service-selects-portless-pods");
    // A named target port gives the StatefulSet no endpoint at all (no traffic reaches it).
    let r = check(&faulty.edit("targetPort: 5705", "targetPort: api"));
    absent(&r, "service-selects-portless-pods");
}

#[test]
fn an_http_route_backend_is_checked_against_the_service_ports() {
    let yaml = format!(
        "{}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  parentRefs:\n    - name: edge\n  rules:\n    - backendRefs:\n        - name: web\n          port: 8080\n",
        common::SERVICE
    );
    let r = check(&yaml);
    let f = one(&r, "route-backend-port-unknown");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.kind, "HTTPRoute");
    assert_eq!(
        f.message,
        "HTTPRoute 'web' routes to Service 'web' port number 8080, but the Service has no such port (its ports: 80 (http)); the controller finds no backend for the route and every request fails (503)"
    );
    assert_eq!(f.line, 23);
    let r = check(&yaml.edit("port: 8080", "port: 80"));
    absent(&r, "route-backend-port-unknown");
    // A Service in another namespace, or absent from the set, is not judged.
    let r = check(&yaml.edit(
        "        - name: web\n",
        "        - name: web\n          namespace: edge\n",
    ));
    absent(&r, "route-backend-port-unknown");
}

#[test]
fn alb_timing_follows_the_ingress_annotations() {
    let faulty = fixture("RC-06.yaml");
    // A 2 x 4 s health check fails the target within 8 s: a 10 s preStop outlasts it.
    let tuned = faulty.edit(
        "  name: proxy\n  namespace: apps\nspec:\n  ingressClassName",
        "  name: proxy\n  namespace: apps\n  annotations:\n    alb.ingress.kubernetes.io/healthcheck-interval-seconds: \"4\"\n    alb.ingress.kubernetes.io/unhealthy-threshold-count: \"2\"\nspec:\n  ingressClassName",
    );
    assert_ne!(tuned, faulty);
    absent(&check(&tuned), "lb-health-check-outlasts-prestop");
    // Not an ALB: no ALB timing.
    absent(
        &check(&faulty.edit("ingressClassName: alb", "ingressClassName: nginx")),
        "lb-health-check-outlasts-prestop",
    );
    // 15 s is enough under the default 30 s health check (deregistration comes first).
    absent(
        &check(&faulty.edit("seconds: 10", "seconds: 15")),
        "lb-health-check-outlasts-prestop",
    );
}

#[test]
fn nlb_timing_applies_to_local_traffic_on_node_targets_only() {
    let faulty = fixture("RC-11.yaml");
    // Pod (IP) targets: the NLB health-checks the pod itself, not the node.
    absent(
        &check(&faulty.edit("nlb-target-type: instance", "nlb-target-type: ip")),
        "lb-health-check-outlasts-prestop",
    );
    // externalTrafficPolicy: Cluster: every node forwards to any Ready pod.
    absent(
        &check(&faulty.edit(
            "  externalTrafficPolicy: Local\n",
            "  externalTrafficPolicy: Cluster\n",
        )),
        "lb-health-check-outlasts-prestop",
    );
    // A 2 x 2 s health check sees the node fail within 4 s: a 5 s preStop outlasts it.
    let tuned = faulty.edit(
        "    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: instance\n",
        "    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: instance\n    service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval: \"2\"\n    service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold: \"2\"\n",
    );
    absent(&check(&tuned), "lb-health-check-outlasts-prestop");
}

#[test]
fn a_headless_peer_service_may_publish_not_ready_pods() {
    let faulty = fixture("RC-07.yaml");
    let headless = faulty.edit(
        "  publishNotReadyAddresses: true\n",
        "  clusterIP: None\n  publishNotReadyAddresses: true\n",
    );
    assert_ne!(headless, faulty);
    absent(&check(&headless), "publish-not-ready-serving");
}

#[test]
fn soft_or_revision_scoped_spread_counts_no_old_pods() {
    let faulty = fixture("RC-08.yaml");
    absent(
        &check(&faulty.edit(
            "whenUnsatisfiable: DoNotSchedule",
            "whenUnsatisfiable: ScheduleAnyway",
        )),
        "spread-counts-old-revision",
    );
    absent(
        &check(&faulty.edit(
            "              app: app1\n      containers",
            "              app: app1\n          matchLabelKeys:\n            - pod-template-hash\n      containers",
        )),
        "spread-counts-old-revision",
    );
}

#[test]
fn min_domains_within_the_allowed_zones_is_reachable() {
    let faulty = fixture("RC-09.yaml");
    let three = faulty.edit(
        "values: [us-east-1a, us-east-1b]",
        "values: [us-east-1a, us-east-1b, us-east-1c]",
    );
    assert_ne!(three, faulty);
    absent(&check(&three), "spread-min-domains-unreachable");
    // maxSkew 3 lets each of the two zones hold 3 pods: enough for the 5 the rollout needs.
    absent(
        &check(&faulty.edit("        - maxSkew: 1\n", "        - maxSkew: 3\n")),
        "spread-min-domains-unreachable",
    );
}

#[test]
fn zone_anti_affinity_within_three_replicas_is_not_capped() {
    let r = check(&fixture("RC-10.yaml").edit("replicas: 5", "replicas: 3"));
    absent(&r, "zone-anti-affinity-caps-replicas");
}
