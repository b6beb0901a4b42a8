//! The runtime rules of issue 13 on variations of the clean bundle: where each fires, with which
//! severity and numbers, and the neighbouring shapes where it must stay silent.

mod common;
use common::runtime::{scaled_object, VPA};
use common::{
    absent, bundle, check, edit, find, no_warnings, one, with, DEPLOY, HPA, PDB, SERVICE,
};
use zerodown::check::Severity;

const PORTS: &str = "          ports:\n";

/// The clean bundle with `text` inserted before the app container's `ports:`.
fn before_ports(text: &str) -> String {
    with(DEPLOY, PORTS, &format!("{text}{PORTS}"))
}

fn env(pairs: &[(&str, &str)]) -> String {
    let mut s = String::from("          env:\n");
    for (n, v) in pairs {
        s.push_str(&format!(
            "            - name: {n}\n              value: \"{v}\"\n"
        ));
    }
    before_ports(&s)
}

/// A second container after the app (in `containers`).
fn with_container(container: &str) -> String {
    with(
        DEPLOY,
        "            limits:\n              memory: 512Mi\n",
        &format!("            limits:\n              memory: 512Mi\n{container}"),
    )
}

const PROXY: &str = "        - name: cloud-sql-proxy\n          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.4\n          args: [\"--port=5432\", \"p:r:db\"]\n          livenessProbe:\n            tcpSocket:\n              port: 5432\n          resources:\n            requests: {cpu: 50m, memory: 32Mi}\n            limits: {memory: 64Mi}\n";

#[test]
fn a_classic_cloud_sql_proxy_stops_before_the_app_but_not_with_a_long_enough_wait() {
    let r = check(&with_container(PROXY));
    let f = one(&r, "sidecar-stops-before-app");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.container.as_deref(), Some("cloud-sql-proxy"));
    assert!(f.message.contains("stops 0s after SIGTERM (no preStop, no -term_timeout / --max-sigterm-delay), but container 'app' keeps serving for 10s"), "{}", f.message);
    // v2's --max-sigterm-delay, v1's -term_timeout (as a separate word too), or a preStop sleep.
    for fix in [
        "--max-sigterm-delay=10s\", \"p:r:db",
        "-term_timeout=30s\", \"p:r:db",
        "--max-sigterm-delay\", \"1m\", \"p:r:db",
    ] {
        let r = check(&with_container(&edit(PROXY, "p:r:db", fix)));
        absent(&r, "sidecar-stops-before-app");
    }
    let short = check(&with_container(&edit(
        PROXY,
        "p:r:db",
        "-term_timeout=5s\", \"p:r:db",
    )));
    assert!(one(&short, "sidecar-stops-before-app")
        .message
        .contains("stops 5s after SIGTERM (no preStop, term timeout 5s)"));
    let slept = edit(PROXY, "          resources:\n", "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n          resources:\n");
    absent(&check(&with_container(&slept)), "sidecar-stops-before-app");
}

#[test]
fn a_native_sidecar_stops_after_the_app() {
    let native = with(
        DEPLOY,
        "      containers:\n",
        &format!(
            "      initContainers:\n{}      containers:\n",
            edit(
                PROXY,
                "          args:",
                "          restartPolicy: Always\n          args:"
            )
        ),
    );
    let r = check(&native);
    absent(&r, "sidecar-stops-before-app");
    // Without a preStop on the app there is no window to outlive.
    let r = check(&with_container(PROXY).replace(
        "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n",
        "",
    ));
    absent(&r, "sidecar-stops-before-app");
}

#[test]
fn istio_and_linkerd_injection_are_read_from_the_pod_template() {
    let inject = |annotations: &str| {
        check(&with(
            DEPLOY,
            "        app: web\n    spec:\n",
            &format!("        app: web\n      annotations:\n{annotations}    spec:\n"),
        ))
    };
    let r = inject("        sidecar.istio.io/inject: \"true\"\n");
    let f = one(&r, "sidecar-stops-before-app");
    assert_eq!(f.container.as_deref(), Some("istio-proxy"));
    assert!(f
        .message
        .contains("stops 5s after SIGTERM (terminationDrainDuration default 5s)"));
    // The ProxyConfig annotation in JSON or YAML form, and per-pod native sidecars.
    for ok in [
        "        sidecar.istio.io/inject: \"true\"\n        proxy.istio.io/config: '{\"terminationDrainDuration\": \"20s\"}'\n",
        "        sidecar.istio.io/inject: \"true\"\n        proxy.istio.io/config: |\n          terminationDrainDuration: 1m\n",
        "        sidecar.istio.io/inject: \"true\"\n        sidecar.istio.io/nativeSidecar: \"true\"\n",
        "        sidecar.istio.io/inject: \"false\"\n",
    ] {
        absent(&inject(ok), "sidecar-stops-before-app");
    }
    let r = inject("        linkerd.io/inject: enabled\n");
    assert!(one(&r, "sidecar-stops-before-app").message.contains("sidecar 'linkerd-proxy' (the Linkerd proxy) of Deployment 'web' stops 0s after SIGTERM (no proxy-wait-before-exit-seconds)"));
    absent(
        &inject("        linkerd.io/inject: enabled\n        config.alpha.linkerd.io/proxy-wait-before-exit-seconds: \"15\"\n"),
        "sidecar-stops-before-app",
    );
}

#[test]
fn package_managers_as_the_main_process() {
    for (cmd, shown) in [
        (
            "          command: [\"npm\", \"run\", \"serve\"]\n",
            "npm run serve",
        ),
        (
            "          command: [\"tini\", \"--\", \"pnpm\", \"start\"]\n",
            "pnpm start",
        ),
        ("          args: [\"yarn\", \"start\"]\n", "yarn start"),
    ] {
        let r = check(&before_ports(cmd));
        let f = one(&r, "package-manager-pid1");
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.message.starts_with(&format!(
                "container 'app' runs '{shown}' as its main process;"
            )),
            "{}",
            f.message
        );
    }
    for ok in [
        "          command: [\"node\", \"server.js\"]\n",
        "          command: [\"npm\", \"ci\"]\n",
        "          command: [\"dumb-init\", \"node\", \"server.js\"]\n",
    ] {
        absent(&check(&before_ports(ok)), "package-manager-pid1");
    }
}

#[test]
fn jvm_heap_against_the_memory_limit() {
    // 512Mi limit: -Xmx at the limit is an error, at 400 MiB a warning, at 384 MiB clean.
    let r = check(&env(&[("JAVA_TOOL_OPTIONS", "-Xmx512m")]));
    let f = one(&r, "jvm-heap-exceeds-memory-limit");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains(
            "grow to 512 MiB (-Xmx512m in JAVA_TOOL_OPTIONS) but its memory limit is 512 MiB"
        ),
        "{}",
        f.message
    );
    let r = check(&env(&[("JDK_JAVA_OPTIONS", "-XX:MaxRAMPercentage=78.5")]));
    let f = one(&r, "jvm-heap-exceeds-memory-limit");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("grow to 401 MiB (-XX:MaxRAMPercentage=78.5 in JDK_JAVA_OPTIONS, of the 512 MiB limit), leaving 111 MiB of its 512 MiB limit for metaspace, code cache, thread stacks and direct buffers, which need about 128 MiB"), "{}", f.message);
    absent(
        &check(&env(&[("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0")])),
        "jvm-heap-exceeds-memory-limit",
    );
    // -Xmx wins over the percentage wherever it is; the command line wins over the environment.
    let r = check(&env(&[
        ("JAVA_TOOL_OPTIONS", "-Xmx1g"),
        ("JAVA_OPTS", "-XX:MaxRAMPercentage=50"),
    ]));
    assert!(one(&r, "jvm-heap-exceeds-memory-limit")
        .message
        .contains("1024 MiB (-Xmx1g in JAVA_TOOL_OPTIONS)"));
    let r = check(&before_ports(
        "          env:\n            - name: JAVA_TOOL_OPTIONS\n              value: -Xmx1g\n          command: [\"java\", \"-Xmx300m\", \"-jar\", \"app.jar\"]\n",
    ));
    absent(&r, "jvm-heap-exceeds-memory-limit");
    // $(VAR) in the command is expanded from the literal env value.
    let r = check(&before_ports(
        "          env:\n            - name: APP_HEAP\n              value: -Xmx2g\n          command: [\"java\", \"$(APP_HEAP)\", \"-jar\", \"app.jar\"]\n",
    ));
    assert!(one(&r, "jvm-heap-exceeds-memory-limit")
        .message
        .contains("2048 MiB (-Xmx2g in the command)"));
    // Without a memory limit there is nothing to compare (memory-limit-missing says so).
    let r = check(&edit(
        &env(&[("JAVA_TOOL_OPTIONS", "-Xmx4g")]),
        "            limits:\n              memory: 512Mi\n",
        "",
    ));
    absent(&r, "jvm-heap-exceeds-memory-limit");
}

#[test]
fn node_and_go_heap_limits() {
    let r = check(&env(&[("NODE_OPTIONS", "--max-old-space-size=600")]));
    assert_eq!(
        one(&r, "node-heap-exceeds-memory-limit").severity,
        Severity::Error
    );
    let r = check(&env(&[("NODE_OPTIONS", "--max-old-space-size=460")]));
    let f = one(&r, "node-heap-exceeds-memory-limit");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("leaving 52 MiB of its 512 MiB limit for new space, code, buffers and the process itself, which need about 128 MiB; the pod is OOM-killed under load; set it to at most 384 MiB"), "{}", f.message);
    absent(
        &check(&env(&[("NODE_OPTIONS", "--max-old-space-size=384")])),
        "node-heap-exceeds-memory-limit",
    );
    let r = check(&before_ports(
        "          command: [\"node\", \"--max_old_space_size=1024\", \"server.js\"]\n",
    ));
    assert!(one(&r, "node-heap-exceeds-memory-limit")
        .message
        .contains("1024 MiB (--max_old_space_size=1024 in the command)"));

    let r = check(&env(&[("GOMEMLIMIT", "512MiB")]));
    let f = one(&r, "go-memlimit-exceeds-memory-limit");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message
            .contains("sets GOMEMLIMIT=512MiB (512 MiB), not below its 512 MiB memory limit")
            && f.message.ends_with("(460 MiB)"),
        "{}",
        f.message
    );
    let r = check(&env(&[("GOMEMLIMIT", "1GiB"), ("GOGC", "off")]));
    assert_eq!(
        one(&r, "go-memlimit-exceeds-memory-limit").severity,
        Severity::Error
    );
    absent(
        &check(&env(&[("GOMEMLIMIT", "460MiB")])),
        "go-memlimit-exceeds-memory-limit",
    );
}

#[test]
fn keda_owns_the_scale_and_scale_to_zero_is_judged_by_what_the_workload_serves() {
    let so = scaled_object("  minReplicaCount: 2\n");
    let r = check(&bundle(&[DEPLOY, SERVICE, PDB, &so]));
    no_warnings(&r);
    absent(&r, "hpa-missing");
    // Scale to zero: flagged behind a Service, not for a worker without one, not with the HTTP add-on.
    let zero = scaled_object("");
    let r = check(&bundle(&[DEPLOY, SERVICE, PDB, &zero]));
    let f = one(&r, "keda-scale-to-zero-serving");
    assert_eq!(f.kind, "ScaledObject");
    assert!(f.message.starts_with("ScaledObject 'web' lets Deployment 'web', which serves Service 'web', scale to 0 replicas (minReplicaCount defaults to 0);"), "{}", f.message);
    absent(
        &check(&bundle(&[DEPLOY, PDB, &zero])),
        "keda-scale-to-zero-serving",
    );
    let http = zero.replace(
        "    - type: prometheus\n      metadata:\n        serverAddress: http://prometheus.monitoring:9090\n",
        "    - type: external-push\n      metadata:\n        scalerAddress: keda-add-ons-http-external-scaler.keda:9090\n",
    );
    absent(
        &check(&bundle(&[DEPLOY, SERVICE, PDB, &http])),
        "keda-scale-to-zero-serving",
    );
    // An HPA beside the ScaledObject is a second autoscaler.
    let r = check(&bundle(&[DEPLOY, SERVICE, PDB, HPA, &so]));
    assert_eq!(one(&r, "hpa-duplicate-target").severity, Severity::Error);
}

#[test]
fn vpa_beside_an_hpa_on_the_same_resource() {
    let r = check(&bundle(&[DEPLOY, SERVICE, PDB, HPA, VPA]));
    let f = one(&r, "vpa-conflicts-with-hpa");
    assert_eq!(
        (f.kind.as_str(), f.severity),
        ("VerticalPodAutoscaler", Severity::Warning)
    );
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    let vpa = |extra: &str| format!("{VPA}{extra}");
    for ok in [
        "  updatePolicy:\n    updateMode: \"Off\"\n",
        "  resourcePolicy:\n    containerPolicies:\n      - containerName: \"*\"\n        controlledResources: [memory]\n",
    ] {
        absent(&check(&bundle(&[DEPLOY, SERVICE, PDB, HPA, &vpa(ok)])), "vpa-conflicts-with-hpa");
    }
    // Without an HPA a VPA is only a VPA.
    absent(
        &check(&bundle(&[DEPLOY, SERVICE, PDB, VPA])),
        "vpa-conflicts-with-hpa",
    );
}

#[test]
fn scale_down_without_a_window() {
    let hpa = |behavior: &str| {
        edit(
            HPA,
            "  metrics:\n",
            &format!("  behavior:\n    scaleDown:\n{behavior}  metrics:\n"),
        )
    };
    let r = check(&bundle(&[
        DEPLOY,
        SERVICE,
        PDB,
        &hpa("      stabilizationWindowSeconds: 0\n"),
    ]));
    let f = one(&r, "hpa-scale-down-too-fast");
    assert_eq!(f.message, "HPA 'web' scales Deployment 'web' down with a 0s stabilization window and may remove 100% of its pods every 15s; one quiet metric sample drops it toward minReplicas 2, and the next burst lands on too few pods while new ones start; keep the default 300s window (at least 60s) and cap scale-down at about 10-20% per minute");
    for ok in [
        "      stabilizationWindowSeconds: 0\n      policies:\n        - type: Percent\n          value: 10\n          periodSeconds: 60\n",
        "      stabilizationWindowSeconds: 0\n      selectPolicy: Disabled\n",
        "      stabilizationWindowSeconds: 120\n",
        "      policies:\n        - type: Percent\n          value: 100\n          periodSeconds: 15\n",
    ] {
        absent(&check(&bundle(&[DEPLOY, SERVICE, PDB, &hpa(ok)])), "hpa-scale-down-too-fast");
    }
    // A ScaledObject's HPA behaviour too.
    let so = scaled_object("  minReplicaCount: 2\n  maxReplicaCount: 6\n  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown:\n          stabilizationWindowSeconds: 10\n          policies:\n            - type: Pods\n              value: 4\n              periodSeconds: 30\n");
    let r = check(&bundle(&[DEPLOY, SERVICE, PDB, &so]));
    assert_eq!(find(&r, "hpa-scale-down-too-fast").len(), 1);
    assert!(one(&r, "hpa-scale-down-too-fast").message.contains("ScaledObject 'web' scales Deployment 'web' down with a 10s stabilization window and may remove 66% of its pods every 30s"));
}

#[test]
fn the_grace_period_covers_prestop_plus_the_apps_own_timeout() {
    // DEPLOY: preStop sleep 10 s, terminationGracePeriodSeconds 45.
    let r = check(&env(&[("QUARKUS_SHUTDOWN_TIMEOUT", "40s")]));
    assert_eq!(
        one(&r, "grace-period-below-shutdown-budget").message,
        "container 'app' of Deployment 'web' may need 50s to stop (preStop sleep 10s + QUARKUS_SHUTDOWN_TIMEOUT 40s) but terminationGracePeriodSeconds is 45; the kubelet SIGKILLs it mid-drain and open requests are cut; set terminationGracePeriodSeconds to at least 55"
    );
    let r = check(&before_ports(
        "          command: [\"gunicorn\", \"--graceful-timeout\", \"60\", \"app:wsgi\"]\n",
    ));
    assert!(one(&r, "grace-period-below-shutdown-budget")
        .message
        .contains("(preStop sleep 10s + gunicorn --graceful-timeout 60)"));
    // Within budget, or no stated timeout: silent; a preStop past the grace period is the other rule.
    for ok in [
        env(&[("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "35s")]),
        env(&[("DOTNET_SHUTDOWNTIMEOUTSECONDS", "30")]),
        env(&[("GUNICORN_CMD_ARGS", "--workers 4")]),
    ] {
        absent(&check(&ok), "grace-period-below-shutdown-budget");
    }
    let long = edit(
        &env(&[("SERVER_SHUTDOWN", "graceful")]),
        "seconds: 10",
        "seconds: 50",
    );
    let r = check(&long);
    absent(&r, "grace-period-below-shutdown-budget");
    one(&r, "prestop-exceeds-grace-period");
}
