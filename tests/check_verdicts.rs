//! Wrong verdicts a new user found (issue 13, section 5): each test is the user's input and the
//! verdict it must get, and each fix covers the kind, not only the case.

mod common;
use common::*;
use zerodown::check::{check_sources, InputErrorKind, Severity, Source};

/// `helm create demo && helm template demo demo` (helm v4.2), committed so the test runs
/// without helm.
const HELM_CREATE: &str = include_str!("fixtures/helm/create-demo.yaml");

#[test]
fn helm_test_hook_is_not_a_serving_workload() {
    let r = check_sources(&[Source::new("<stdin>", HELM_CREATE)]);
    // The hook Pod is skipped with a note, and nothing is reported on it.
    let notes: Vec<_> = r
        .input_errors
        .iter()
        .filter(|e| e.kind == InputErrorKind::HelmHook)
        .collect();
    assert_eq!(notes.len(), 1, "{}", human(&r));
    assert_eq!(notes[0].level, Severity::Info);
    assert_eq!(notes[0].line, Some(84));
    assert_eq!(
        notes[0].message,
        "Pod default/demo-test-connection is a Helm hook (helm.sh/hook: test): it runs only around `helm install/upgrade/test` and serves no traffic, so it is not audited or matched against Services, PDBs and HPAs"
    );
    assert!(
        r.findings.iter().all(|f| f.name != "demo-test-connection"),
        "{}",
        human(&r)
    );
    // The Service's named targetPort resolves on the Deployment alone.
    absent(&r, "service-target-port-unknown");
    // What remains on `helm create` output, each a true verdict.
    let mut got: Vec<(&str, Severity)> = r.active().map(|f| (f.rule, f.severity)).collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("hpa-missing", Severity::Info),
            ("liveness-same-as-readiness", Severity::Warning),
            ("memory-limit-missing", Severity::Info),
            ("nginx-fast-shutdown", Severity::Warning),
            ("prestop-missing", Severity::Error),
            ("replicas-below-two", Severity::Warning),
            ("resources-missing", Severity::Warning),
        ],
        "{}",
        human(&r)
    );
}

#[test]
fn every_hook_kind_is_skipped_and_counted_by_nothing() {
    // A hook Pod and a hook Job template carrying the release's pod labels next to a clean
    // bundle: without the skip, the Service, the PDB and the rules would count them.
    for hook in ["pre-install", "post-upgrade,pre-rollback", "test-success"] {
        let yaml = format!(
            "{}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  namespace: shop\n  labels:\n    app.kubernetes.io/name: checkout\n  annotations:\n    helm.sh/hook: {hook}\n    helm.sh/hook-delete-policy: hook-succeeded\nspec:\n  restartPolicy: Never\n  containers:\n    - name: wget\n      image: busybox\n      command: [wget, checkout:80]\n",
            clean().trim_end()
        );
        let r = check(&yaml);
        assert!(r.findings.is_empty(), "{hook}: {}", human(&r));
        assert_eq!(r.objects, 5, "{hook}");
        let notes: Vec<_> = r.input_errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            notes,
            vec![format!("Pod shop/smoke is a Helm hook (helm.sh/hook: {hook}): it runs only around `helm install/upgrade/test` and serves no traffic, so it is not audited or matched against Services, PDBs and HPAs")],
            "{hook}"
        );
    }
}

/// nginx-fast-shutdown on `image`, as (severity, message).
fn nginx_verdict(image: &str) -> (Severity, String) {
    let r = check(&with(DEPLOY, "registry.example.com/web:1.2.3", image));
    let f = one(&r, "nginx-fast-shutdown");
    (f.severity, f.message.clone())
}

#[test]
fn nginx_stop_signal_follows_the_image_history() {
    // docker-library/nginx images: STOPSIGNAL SIGTERM until nginxinc/docker-nginx commit
    // 3fb70dd (2020-11-24, PR #457), first shipped in mainline 1.19.5 and stable 1.20.0.
    let term = "container 'app' runs nginx from 'nginx:1.16.0': nginx:1.16.0 images stop with SIGTERM, which nginx treats as a fast shutdown that drops open connections (STOPSIGNAL SIGQUIT arrived in the official images on 2020-11-24, from 1.19.5 mainline and 1.20.0 stable); add a preStop that runs 'nginx -s quit' and waits, or set lifecycle.stopSignal: SIGQUIT";
    assert_eq!(
        nginx_verdict("nginx:1.16.0"),
        (Severity::Warning, term.to_string())
    );
    for image in [
        "nginx:1.17-alpine",
        "docker.io/library/nginx:1.19.4-perl",
        "nginxinc/nginx-unprivileged:1.16",
    ] {
        let (sev, msg) = nginx_verdict(image);
        assert_eq!(sev, Severity::Warning, "{image}");
        assert!(msg.contains("images stop with SIGTERM"), "{image}: {msg}");
    }
    // 1.18.0 images were built with SIGTERM and rebuilt with SIGQUIT: it depends on the pull.
    let (sev, msg) = nginx_verdict("nginx:1.18.0-alpine");
    assert_eq!(sev, Severity::Warning);
    assert_eq!(msg, "container 'app' runs nginx from 'nginx:1.18.0-alpine': nginx:1.18.0 images were built with STOPSIGNAL SIGTERM until 2020-11-24 and with SIGQUIT after, so the stop signal depends on when the image was pulled; add a preStop that runs 'nginx -s quit' and waits, or set lifecycle.stopSignal: SIGQUIT");
    // Since then: graceful, info only.
    for image in [
        "nginx:1.19.5",
        "nginx:1.27.0",
        "nginx:1.26-alpine-slim",
        "nginx:stable-alpine",
        "nginx:mainline",
        "nginx:latest",
        "nginx",
        "nginxinc/nginx-unprivileged:1.28.0-alpine",
        "nginx:1",
    ] {
        let (sev, msg) = nginx_verdict(image);
        assert_eq!(sev, Severity::Info, "{image}: {msg}");
        assert!(
            msg.contains("sets STOPSIGNAL SIGQUIT (graceful)"),
            "{image}: {msg}"
        );
    }
    // A digest cannot be dated; other nginx builds are not known.
    let (sev, msg) = nginx_verdict(
        "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    assert_eq!(sev, Severity::Warning);
    assert!(msg.contains("the stop signal of a digest-pinned official nginx image is not known from its name (SIGTERM before 2020-11-24, SIGQUIT after)"), "{msg}");
    let (sev, msg) = nginx_verdict("bitnami/nginx:1.27.0");
    assert_eq!(sev, Severity::Warning);
    assert!(msg.contains("its stop signal is not known"), "{msg}");
}

/// shell-pid1-drops-sigterm for `command` on `image`: `None` when it does not fire.
fn shell_verdict(image: &str, command: &str) -> Option<(Severity, String)> {
    let yaml = with(
        DEPLOY,
        "          ports:\n",
        &format!("          command: {command}\n          ports:\n"),
    )
    .replace("registry.example.com/web:1.2.3", image);
    let r = check(&yaml);
    find(&r, "shell-pid1-drops-sigterm")
        .first()
        .map(|f| (f.severity, f.message.clone()))
}

#[test]
fn shells_exec_a_lone_simple_command() {
    // bash (evalstring.c should_suppress_fork), dash and busybox ash >= 1.28 (EV_EXIT for -c,
    // "[SHELL] Optimize dash -c \"command\" to avoid a fork") exec the last simple command of a
    // -c string: the app is PID 1 and gets SIGTERM itself.
    for (image, cmd) in [
        (
            "eclipse-temurin:21-jre",
            r#"["bash", "-c", "java -jar app.jar"]"#,
        ),
        (
            "registry.example.com/web:1.2.3",
            r#"["sh", "-c", "node server.js"]"#,
        ),
        ("alpine:3.20", r#"["/bin/sh", "-c", "cd /app && ./server"]"#),
        (
            "debian:bookworm-slim",
            r#"["sh", "-ec", "export A=1; ./server >>/var/log/app.log 2>&1"]"#,
        ),
        (
            "node:22-alpine",
            r#"["sh", "-c", "set -e\nnpm run migrate\nnode server.js"]"#,
        ),
    ] {
        assert_eq!(shell_verdict(image, cmd), None, "{image} {cmd}");
    }
}

#[test]
fn shells_that_stay_pid1_are_reported_with_why() {
    // A pipeline: every shell forks both sides and waits.
    assert_eq!(
        shell_verdict("debian:bookworm", r#"["bash", "-c", "java -jar app.jar | tee /tmp/log"]"#),
        Some((Severity::Warning, "container 'app' runs 'bash -c java -jar app.jar | tee /tmp/log' as PID 1; the shell runs a pipeline or a background job as its children and waits, so SIGTERM reaches the shell, which ignores it, and the app is SIGKILLed after the grace period; use the exec form or 'exec' the app".to_string()))
    );
    // The last command is a builtin: the shell waits for the app before it.
    let (sev, msg) = shell_verdict("alpine:3.20", r#"["sh", "-c", "./server || exit 1"]"#).unwrap();
    assert_eq!(sev, Severity::Warning);
    assert!(msg.contains("its last command ('exit 1') is a shell builtin or compound command, so the shell runs the app as a child and waits"), "{msg}");
    // A trailing newline (a YAML block scalar): dash and busybox ash fork the last command.
    let (sev, msg) = shell_verdict("alpine:3.20", "[\"sh\", \"-c\", \"./server\\n\"]").unwrap();
    assert_eq!(sev, Severity::Warning);
    assert!(msg.contains("the script ends with a newline, after which busybox ash (/bin/sh of alpine:3.20) forks the last command instead of exec'ing it"), "{msg}");
    // bash keeps itself as PID 1 when the lone command has a redirection.
    let (sev, msg) = shell_verdict(
        "debian:bookworm",
        r#"["bash", "-c", "./server >/tmp/log 2>&1"]"#,
    )
    .unwrap();
    assert_eq!(sev, Severity::Warning);
    assert!(
        msg.contains("bash forks a command that has redirections"),
        "{msg}"
    );
    // bash before 5.1 forked the last command of a list: honest about the version.
    let (sev, msg) = shell_verdict(
        "registry.example.com/web:1.2.3",
        r#"["bash", "-c", "cd /app && ./server"]"#,
    )
    .unwrap();
    assert_eq!(sev, Severity::Info);
    assert!(msg.contains("bash 5.1 and later exec the last command of a list, older bash (RHEL 8 / UBI 8 ship 4.4) runs it as a child"), "{msg}");
    // An unknown image's /bin/sh may be bash (RHEL, UBI, Amazon Linux): a redirection then forks.
    let (sev, msg) = shell_verdict(
        "registry.example.com/web:1.2.3",
        r#"["sh", "-c", "./server >/tmp/log"]"#,
    )
    .unwrap();
    assert_eq!(sev, Severity::Info);
    assert!(
        msg.contains("which shell /bin/sh is in 'registry.example.com/web:1.2.3' is not known"),
        "{msg}"
    );
    // A script file cannot be read: as before.
    let (sev, msg) = shell_verdict("alpine:3.20", r#"["/bin/sh", "/app/start.sh"]"#).unwrap();
    assert_eq!(sev, Severity::Warning);
    assert!(
        msg.starts_with(
            "container 'app' runs '/bin/sh /app/start.sh' as PID 1; a shell without a SIGTERM trap"
        ),
        "{msg}"
    );
}

/// A CoreDNS Deployment serving a Service, with its Corefile ConfigMap (`health` as given).
fn coredns(health: &str, with_configmap: bool) -> String {
    let cm = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\n  namespace: kube-system\ndata:\n  Corefile: |\n    .:53 {{\n        errors\n        {health}\n        ready\n        forward . /etc/resolv.conf\n    }}\n---\n");
    format!("{}apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: coredns\n  namespace: kube-system\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{k8s-app: kube-dns}}\n  template:\n    metadata:\n      labels: {{k8s-app: kube-dns}}\n    spec:\n      containers:\n        - name: coredns\n          image: registry.k8s.io/coredns/coredns:v1.11.3\n          args: [\"-conf\", \"/etc/coredns/Corefile\"]\n          ports:\n            - {{name: dns, containerPort: 53, protocol: UDP}}\n          readinessProbe:\n            httpGet: {{path: /ready, port: 8181}}\n      volumes:\n        - name: config-volume\n          configMap:\n            name: coredns\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\nspec:\n  selector: {{k8s-app: kube-dns}}\n  ports:\n    - {{name: dns, port: 53, protocol: UDP}}\n",
        if with_configmap { cm } else { String::new() })
}

#[test]
fn self_draining_servers_need_no_prestop() {
    // CoreDNS with `health { lameduck 5s }` keeps answering for 5 s after SIGTERM.
    let r = check(&coredns(
        "health {\n            lameduck 5s\n        }",
        true,
    ));
    absent(&r, "prestop-missing");
    // Without lameduck it exits at once: the error stands, naming the setting.
    let r = check(&coredns("health", true));
    assert_eq!(
        one(&r, "prestop-missing").message,
        "container 'coredns' of Deployment 'coredns' serves Service 'kube-dns' but has no preStop delay; it stops listening before load balancers and kube-proxy drop it, so requests fail on every rollout and drain (CoreDNS drains itself only with `health { lameduck 5s }` in its Corefile, which ConfigMap 'coredns' does not set)"
    );
    assert_eq!(one(&r, "prestop-missing").severity, Severity::Error);
    // Corefile not in the audited set: cannot tell, a warning that says what to look for.
    let r = check(&coredns("", false));
    let f = one(&r, "prestop-missing");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.ends_with("unless its Corefile sets `health { lameduck 5s }` (ConfigMap 'coredns' is not in the audited manifests)"), "{}", f.message);
    // Traefik keeps accepting requests for requestAcceptGraceTimeout; ingress-nginx waits
    // --shutdown-grace-period before it stops.
    for (image, arg) in [
        (
            "traefik:v3.1",
            "--entryPoints.web.transport.lifeCycle.requestAcceptGraceTimeout=10s",
        ),
        (
            "registry.k8s.io/ingress-nginx/controller:v1.11.2",
            "--shutdown-grace-period=15",
        ),
    ] {
        let yaml = with(DEPLOY, "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n", "")
            .replace("registry.example.com/web:1.2.3", image)
            .replace("          ports:\n", &format!("          args: [\"{arg}\"]\n          ports:\n"));
        absent(&check(&yaml), "prestop-missing");
        let zero = yaml.replace("=10s", "=0s").replace("=15", "=0");
        assert!(
            one(&check(&zero), "prestop-missing")
                .message
                .ends_with("unless the app drains itself"),
            "{image}"
        );
    }
    // Any other server: the message says the exception.
    let r = check(&sample("prestop-missing"));
    assert!(one(&r, "prestop-missing")
        .message
        .ends_with("so requests fail on every rollout and drain unless the app drains itself"));
}
