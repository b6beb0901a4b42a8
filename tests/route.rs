//! The route in, as a team ships it: a Go service behind an AWS ALB and an API behind a Gateway in
//! another namespace, each made with flags, checked value by value, re-rendered after a spec
//! change and an image bump, clean under `zerodown check --fail-on info`, and (when the pinned
//! checkers of `.ci/install-tools.sh` are installed) clean under `.ci/validate-bundle.sh`, which
//! runs kubernetes-validate --strict for 1.33 and 1.37, the strict HTTPRoute CRD schema,
//! kube-score, kube-linter, checkov and yamllint. Bad route answers exit 2 with nothing written.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap()
}

fn annotation<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj["metadata"]["annotations"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no annotation {key} in {obj}"))
}

const ALB: &[&str] = &[
    "new",
    "api",
    "--preset",
    "go",
    "--image",
    "registry.example.com/shop/api:1.2.3",
    "-n",
    "shop",
    "--exposure",
    "load-balancer",
    "--load-balancer",
    "aws-alb",
    "--load-balancer-scheme",
    "internet-facing",
    "--host",
    "api.example.com",
    "--tls-secret",
    "api-tls",
    "--allow-cidr",
    "10.0.0.0/16",
    // the team runs the linters .ci/validate-bundle.sh runs
    "--lint-annotations",
    "kube-score,checkov,polaris",
];

const HTTPROUTE: &[&str] = &[
    "new",
    "orders",
    "--preset",
    "spring-boot",
    "--image",
    "registry.example.com/shop/orders:2.0.0",
    "-n",
    "shop",
    "--exposure",
    "ingress",
    "--route",
    "httproute",
    "--host",
    "orders.example.com",
    "--path",
    "/api",
    "--gateway",
    "public",
    "--gateway-namespace",
    "gateways",
    "--gateway-section",
    "https",
    "--ingress-namespace",
    "gateway-system",
    "--lint-annotations",
    "kube-score,checkov,polaris",
];

fn check_clean(dir: &Path) {
    let out = zerodown(dir)
        .args(["check", "--fail-on", "info", "."])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zerodown check:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `.ci/validate-bundle.sh` on the bundles, when the pinned checkers are installed (skipped with a
/// note otherwise; required when `CI` is set).
fn validate_with_the_real_checkers(dirs: &[PathBuf]) {
    let tools = std::env::var_os("ZERODOWN_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/zerodown-tools")
        });
    let needed = [
        "venv/bin/kubernetes-validate",
        "venv/bin/checkov",
        "bin/kube-score",
    ];
    if needed.iter().any(|t| !tools.join(t).exists()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the checkers are not installed in {}",
            tools.display()
        );
        eprintln!(
            "note: skipping .ci/validate-bundle.sh: the checkers are not installed in {} (.ci/install-tools.sh)",
            tools.display()
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/validate-bundle.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .args(dirs)
        .env("ZERODOWN_TOOLS", &tools)
        .env(
            "ZERODOWN_TOOLS_OPTIONAL",
            std::env::var("ZERODOWN_TOOLS_OPTIONAL").unwrap_or_else(|_| "polaris".into()),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "validate-bundle:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (tool, n) in [
        ("kubernetes-validate", 2 * dirs.len()),
        ("kube-score", dirs.len()),
        ("checkov", dirs.len()),
        ("crd-validate", 1),
    ] {
        assert_eq!(
            text.matches(&format!("[{tool}] PASS")).count(),
            n,
            "{tool}:\n{text}"
        );
    }
}

#[test]
fn a_go_service_behind_an_aws_alb_and_an_api_behind_a_gateway() {
    let tmp = tempfile::tempdir().unwrap();
    let out = zerodown(tmp.path()).args(ALB).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let api = tmp.path().join("api");

    // The ALB is made from an Ingress of class alb with IP targets, TLS by host, and the
    // health check and deregistration that the preStop delay outlasts.
    let ing = yaml(&api.join("ingress.yaml"));
    assert_eq!(ing["spec"]["ingressClassName"], "alb");
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "api-tls");
    assert_eq!(ing["spec"]["tls"][0]["hosts"][0], "api.example.com");
    let rule = &ing["spec"]["rules"][0];
    assert_eq!(rule["host"], "api.example.com");
    let path = &rule["http"]["paths"][0];
    assert_eq!(path["path"], "/");
    assert_eq!(path["pathType"], "Prefix");
    assert_eq!(path["backend"]["service"]["name"], "api");
    assert_eq!(path["backend"]["service"]["port"]["name"], "http");
    let p = "alb.ingress.kubernetes.io/";
    for (key, want) in [
        ("target-type", "ip"),
        ("scheme", "internet-facing"),
        (
            "target-group-attributes",
            "deregistration_delay.timeout_seconds=40",
        ),
        ("healthcheck-path", "/readyz"),
        ("healthcheck-interval-seconds", "5"),
        ("healthcheck-timeout-seconds", "4"),
        ("healthy-threshold-count", "2"),
        ("unhealthy-threshold-count", "2"),
        ("listen-ports", "[{\"HTTPS\": 443}]"),
    ] {
        assert_eq!(annotation(&ing, &format!("{p}{key}")), want, "{key}");
    }
    let svc = yaml(&api.join("service.yaml"));
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    let d = yaml(&api.join("deployment.yaml"));
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"],
        30
    );
    // grace = preStop 30 + drain 10 + 5: it covers the deregistration delay (40 s) too
    assert_eq!(pod["terminationGracePeriodSeconds"], 45);
    assert_eq!(d["spec"]["minReadySeconds"], 10);
    // ALB traffic with IP targets comes from the ALB's addresses in the VPC, not a namespace.
    let np = yaml(&api.join("networkpolicy.yaml"));
    assert_eq!(
        np["spec"]["ingress"][0]["from"],
        serde_json::json!([{"ipBlock": {"cidr": "10.0.0.0/16"}}])
    );
    assert_eq!(
        np["spec"]["ingress"][0]["ports"],
        serde_json::json!([{"port": "http", "protocol": "TCP"}])
    );
    assert_eq!(
        np["spec"]["policyTypes"],
        serde_json::json!(["Ingress", "Egress"])
    );
    // No kube-score or checkov NetworkPolicy exemption is left on the Deployment (Polaris 10.2's
    // check wants a podSelector of exactly one pod label, so its exemption stays, with that reason).
    let ann = d["metadata"]["annotations"].to_string();
    for gone in ["pod-networkpolicy", "CKV2_K8S_6"] {
        assert!(!ann.contains(gone), "{gone} in {ann}");
    }
    let readme = fs::read_to_string(api.join("README.md")).unwrap();
    assert!(readme
        .contains("kubectl label namespace shop elbv2.k8s.aws/pod-readiness-gate-inject=enabled"));
    check_clean(&api);

    // The API behind a Gateway in another namespace.
    let out = zerodown(tmp.path()).args(HTTPROUTE).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let orders = tmp.path().join("orders");
    assert!(!orders.join("ingress.yaml").exists());
    let route = yaml(&orders.join("httproute.yaml"));
    assert_eq!(route["apiVersion"], "gateway.networking.k8s.io/v1");
    assert_eq!(
        route["spec"]["parentRefs"],
        serde_json::json!([{"name": "public", "namespace": "gateways", "sectionName": "https"}])
    );
    assert_eq!(
        route["spec"]["hostnames"],
        serde_json::json!(["orders.example.com"])
    );
    assert_eq!(
        route["spec"]["rules"],
        serde_json::json!([{
            "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
            "backendRefs": [{"name": "orders", "port": 8080}]
        }])
    );
    let np = yaml(&orders.join("networkpolicy.yaml"));
    assert_eq!(
        np["spec"]["ingress"][0]["from"],
        serde_json::json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway-system"}}}])
    );
    let d = yaml(&orders.join("deployment.yaml"));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"],
        10
    );
    check_clean(&orders);
    validate_with_the_real_checkers(&[api.clone(), orders.clone()]);

    // Day two: a second host in the spec and an image bump re-render without any hand edit.
    let spec_path = api.join("zerodown.yaml");
    let spec = fs::read_to_string(&spec_path)
        .unwrap()
        .replace(
            "  - api.example.com\n",
            "  - api.example.com\n  - www.example.com\n",
        )
        .replace("shop/api:1.2.3", "shop/api:1.2.4");
    fs::write(&spec_path, spec).unwrap();
    let out = zerodown(&api).arg("render").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Updated ./ingress.yaml"), "{stderr}");
    let ing = yaml(&api.join("ingress.yaml"));
    assert_eq!(ing["spec"]["rules"][1]["host"], "www.example.com");
    assert_eq!(
        ing["spec"]["tls"][0]["hosts"],
        serde_json::json!(["api.example.com", "www.example.com"])
    );
    let d = yaml(&api.join("deployment.yaml"));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/shop/api:1.2.4"
    );
    zerodown(&api)
        .args(["render", "--check"])
        .assert()
        .success();
    check_clean(&api);
}

#[test]
fn bad_route_answers_exit_2_and_write_nothing() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["--exposure", "internal", "--host", "a.example.com"], &["`route` (--route/--host", "the exposure is `internal`"]),
        (&["--exposure", "ingress", "--host", "A.example.com"], &["`route.hosts` (--host): \"A.example.com\"", "lowercase"]),
        (&["--exposure", "ingress", "--host", "10.0.0.1"], &["is an IP address"]),
        (&["--exposure", "ingress", "--host", "a.*.example.com"], &["wildcard only as its whole first label"]),
        (&["--exposure", "ingress", "--host", "a.example.com", "--host", "a.example.com"], &["is listed twice"]),
        (&["--exposure", "ingress", "--host", "a.example.com", "--path", "api"], &["`route.path` (--path): \"api\" must start with '/'"]),
        (&["--exposure", "ingress", "--host", "a.example.com", "--path", "/a/../b"], &["'..' segments"]),
        (&["--exposure", "ingress", "--path", "/api"], &["`route.hosts` (--host) is required"]),
        (&["--exposure", "ingress", "--host", "a.example.com", "--tls-secret", "Bad_Secret"], &["`route.tlsSecret` (--tls-secret)", "DNS-1123 subdomain"]),
        (&["--exposure", "ingress", "--host", "a.example.com", "--ingress-class=x-"], &["`route.className` (--ingress-class)"]),
        (&["--exposure", "ingress", "--route", "httproute", "--host", "a.example.com"], &["`route.gateway.name` (--gateway) is required"]),
        (&["--exposure", "ingress", "--route", "httproute", "--host", "a.example.com", "--gateway", "g", "--tls-secret", "t"], &["`route.tlsSecret` (--tls-secret)", "the certificate is on the Gateway's HTTPS listener"]),
        (&["--exposure", "ingress", "--host", "a.example.com", "--gateway", "g"], &["`route.gateway` (--gateway)", "an Ingress has no Gateway"]),
        (&["--exposure", "ingress", "--route", "httproute", "--host", "a.example.com", "--gateway", "g", "--gateway-namespace", "Gw"], &["`route.gateway.namespace` (--gateway-namespace)"]),
        (&["--exposure", "ingress", "--load-balancer", "aws-alb"], &["`loadBalancer.profile` (--load-balancer): \"aws-alb\" needs `exposure: load-balancer`"]),
        (&["--exposure", "load-balancer", "--load-balancer", "aws-alb"], &["`route.hosts` (--host) is required"]),
        (&["--exposure", "load-balancer", "--load-balancer", "aws-nlb", "--host", "a.example.com"], &["`route` (--route/--host", "takes traffic through the Service itself"]),
        (&["--exposure", "load-balancer", "--load-balancer", "aws-alb", "--host", "a.example.com", "--route", "httproute", "--gateway", "g"], &["`route.kind` (--route)", "make their load balancer from an Ingress"]),
        (&["--exposure", "load-balancer", "--load-balancer", "gke-neg", "--host", "a.example.com", "--load-balancer-scheme", "internal"], &["`loadBalancer.scheme` (--load-balancer-scheme)", "AWS profiles only"]),
        (&["--exposure", "ingress", "--load-balancer-scheme", "internal"], &["`loadBalancer.scheme` (--load-balancer-scheme)", "needs an AWS load balancer profile"]),
        (&["--load-balancer", "nope"], &["invalid value 'nope' for '--load-balancer", "aws-alb, aws-nlb, gke-neg, generic"]),
        (&["--route", "gateway"], &["invalid value 'gateway' for '--route", "ingress, httproute"]),
        (&["--exposure", "internal", "--ingress-namespace", "ingress-nginx"], &["`networkPolicy.ingressNamespace` (--ingress-namespace)", "applies to `exposure: ingress` only"]),
        (&["--exposure", "ingress", "--ingress-namespace", "Ingress"], &["`networkPolicy.ingressNamespace` (--ingress-namespace): \"Ingress\""]),
        (&["--allow-namespace", "web_ui"], &["`networkPolicy.allowNamespaces` (--allow-namespace): \"web_ui\""]),
        (&["--exposure", "ingress", "--allow-cidr", "10.0.0.0/8"], &["`networkPolicy.allowCidrs` (--allow-cidr)", "applies to `exposure: load-balancer` only"]),
        (&["--exposure", "load-balancer", "--allow-cidr", "10.0.0.1/8"], &["`networkPolicy.allowCidrs` (--allow-cidr): \"10.0.0.1/8\" has host bits set"]),
        (&["--exposure", "load-balancer", "--allow-cidr", "10.0.0.0/33"], &["must be a CIDR such as 10.0.0.0/16"]),
        (&["--no-network-policy", "--allow-namespace", "web"], &["`networkPolicy.enabled` (--no-network-policy)", "would not be used"]),
    ];
    for (extra, wants) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let out = zerodown(tmp.path())
            .args([
                "new",
                "api",
                "--preset",
                "go",
                "--image",
                "registry.example.com/shop/api:1.2.3",
            ])
            .args(*extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        for w in *wants {
            assert!(stderr.contains(w), "{extra:?}: wanted {w:?} in {stderr}");
        }
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{extra:?} wrote files"
        );
    }
    // All problems at once: three bad answers, three errors.
    let tmp = tempfile::tempdir().unwrap();
    let out = zerodown(tmp.path())
        .args([
            "new",
            "api",
            "--preset",
            "go",
            "--image",
            "registry.example.com/shop/api:1.2.3",
        ])
        .args([
            "--exposure",
            "ingress",
            "--host",
            "A",
            "--path",
            "x",
            "--tls-secret",
            "_",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("invalid value for").count(), 3, "{stderr}");
    // A worker has no port: no route, no load balancer.
    let out = zerodown(tmp.path())
        .args([
            "new",
            "w",
            "--preset",
            "worker",
            "--image",
            "registry.example.com/ops/w:1.0.0",
        ])
        .args(["--exposure", "load-balancer", "--load-balancer", "generic"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a worker has no port"));
}

#[test]
fn a_spec_file_with_a_bad_route_is_refused_with_every_field() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "web",
            "--preset",
            "node",
            "--image",
            "registry.example.com/shop/web:1.0.0",
        ])
        .args(["--exposure", "ingress", "--host", "web.example.com"])
        .assert()
        .success();
    let dir = tmp.path().join("web");
    let spec = fs::read_to_string(dir.join("zerodown.yaml"))
        .unwrap()
        .replace("  - web.example.com\n", "  - web.example.com\n  - 'x y'\n")
        .replace("path: /\n", "path: /a//b\n");
    fs::write(dir.join("zerodown.yaml"), spec).unwrap();
    let out = zerodown(&dir).arg("render").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`route.hosts`: \"x y\""), "{stderr}");
    assert!(stderr.contains("`route.path`: \"/a//b\""), "{stderr}");
}

/// Switching a feature off removes the manifest an earlier render wrote for it, as switching
/// to KEDA removes hpa.yaml: a stale httproute.yaml or networkpolicy.yaml would still be applied
/// by `kubectl apply -f DIR` (found by a breaker). `render --check` lists it first.
#[test]
fn a_route_or_policy_switched_off_leaves_no_file_behind() {
    let tmp = tempfile::tempdir().unwrap();
    zerodown(tmp.path())
        .args([
            "new",
            "orders",
            "--no-input",
            "--image",
            "r.example.com/shop/orders:1.0.0",
        ])
        .args([
            "--exposure",
            "ingress",
            "--route",
            "httproute",
            "--host",
            "o.example.com",
        ])
        .args(["--gateway", "public"])
        .assert()
        .success();
    let dir = tmp.path().join("orders");
    assert!(dir.join("httproute.yaml").is_file());
    let spec = dir.join("zerodown.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let start = text.find("\nroute:").unwrap();
    // the route block ends at the next top-level key, or at the end of the file
    let end = text[start + 1..]
        .match_indices('\n')
        .map(|(i, _)| i + start + 1)
        .find(|&i| text[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(text.len());
    let off = format!("{}{}\n", &text[..start], text[end..].trim_end())
        .replace("exposure: ingress", "exposure: internal")
        + "networkPolicy:\n  enabled: false\n";
    fs::write(&spec, off).unwrap();
    let out = zerodown(&dir).args(["render", "--check"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("httproute.yaml") && listed.contains("networkpolicy.yaml"),
        "{listed}"
    );
    let out = zerodown(&dir).arg("render").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("Removed ./httproute.yaml") && err.contains("Removed ./networkpolicy.yaml"),
        "{err}"
    );
    assert!(!dir.join("httproute.yaml").exists() && !dir.join("networkpolicy.yaml").exists());
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
}
