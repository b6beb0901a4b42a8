//! Triggering samples for the runtime rules of issue 13 (sidecars, process model, memory models,
//! autoscaler behaviour), built from the clean bundle of `mod.rs`.

use super::{bundle, edit, with, DEPLOY, HPA, PDB, SERVICE};

const ENV_AT_PORTS: &str = "          ports:\n";

fn env(name: &str, value: &str) -> String {
    with(
        DEPLOY,
        ENV_AT_PORTS,
        &format!("          env:\n            - name: {name}\n              value: \"{value}\"\n{ENV_AT_PORTS}"),
    )
}

/// A ScaledObject for the clean Deployment, with `extra` under `spec`.
pub fn scaled_object(extra: &str) -> String {
    format!(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef:\n    name: web\n{extra}  triggers:\n    - type: prometheus\n      metadata:\n        serverAddress: http://prometheus.monitoring:9090\n        query: sum(rate(http_requests_total{{app=\"web\"}}[2m]))\n        threshold: \"50\"\n"
    )
}

/// A VerticalPodAutoscaler for the clean Deployment (updateMode defaults to Auto).
pub const VPA: &str = "apiVersion: autoscaling.k8s.io/v1\nkind: VerticalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n";

/// One sample per runtime rule.
pub fn samples() -> Vec<(&'static str, String)> {
    vec![
        (
            "sidecar-stops-before-app",
            with(
                DEPLOY,
                "        app: web\n    spec:\n",
                "        app: web\n      annotations:\n        sidecar.istio.io/inject: \"true\"\n    spec:\n",
            ),
        ),
        (
            "package-manager-pid1",
            with(DEPLOY, ENV_AT_PORTS, &format!("          command: [\"npm\", \"start\"]\n{ENV_AT_PORTS}")),
        ),
        (
            "grace-period-below-shutdown-budget",
            with(
                DEPLOY,
                ENV_AT_PORTS,
                &format!("          env:\n            - name: SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE\n              value: 40s\n{ENV_AT_PORTS}"),
            ),
        ),
        ("jvm-heap-exceeds-memory-limit", env("JAVA_TOOL_OPTIONS", "-Xmx512m")),
        ("node-heap-exceeds-memory-limit", env("NODE_OPTIONS", "--max-old-space-size=512")),
        ("go-memlimit-exceeds-memory-limit", env("GOMEMLIMIT", "1GiB")),
        ("keda-scale-to-zero-serving", bundle(&[DEPLOY, SERVICE, PDB, &scaled_object("")])),
        ("vpa-conflicts-with-hpa", bundle(&[DEPLOY, SERVICE, PDB, HPA, VPA])),
        (
            "hpa-scale-down-too-fast",
            bundle(&[
                DEPLOY,
                SERVICE,
                PDB,
                &edit(HPA, "  metrics:\n", "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n  metrics:\n"),
            ]),
        ),
    ]
}
