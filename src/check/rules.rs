//! The rule table: every rule's id, default severity, title, fix and documentation, defined once.
//! Rule logic lives in the family modules; `--explain` and SARIF read this table.

use super::index::Ctx;
use super::model::{Finding, Severity};

/// Documentation of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDoc {
    /// Stable kebab-case id, used in output and in `ignore-check.zerodown.dev/<id>` annotations.
    pub id: &'static str,
    /// Default severity (some rules raise or lower it per occurrence; see `doc`).
    pub severity: Severity,
    /// Family module: rollout, probes, shutdown, scheduling, disruption, autoscaling, image,
    /// service, memory, suppression, upgrade, or (relations of the app model) selectors and traffic.
    pub family: &'static str,
    /// Short title (SARIF `shortDescription`).
    pub title: &'static str,
    /// One-line remedy.
    pub fix: &'static str,
    /// Why it matters and what to do (for `zerodown check --explain RULE`).
    pub doc: &'static str,
    /// The Kubernetes documentation section(s) or KEP backing the rule.
    pub reference: &'static str,
}

const fn r(
    id: &'static str,
    severity: Severity,
    family: &'static str,
    title: &'static str,
    fix: &'static str,
    doc: &'static str,
    reference: &'static str,
) -> RuleDoc {
    RuleDoc {
        id,
        severity,
        family,
        title,
        fix,
        doc,
        reference,
    }
}

use Severity::{Error as E, Info as I, Warning as W};

/// All rules, in the order `--explain` lists them.
pub static RULES: &[RuleDoc] = &[
    // ---- rollout -------------------------------------------------------------------------
    r(
        "rolling-update-cannot-progress",
        E,
        "rollout",
        "maxSurge and maxUnavailable are both 0",
        "allow maxSurge: 1 (keep maxUnavailable: 0); move one-at-a-time work such as migrations to a Job",
        "A RollingUpdate with maxSurge 0 and maxUnavailable 0 can neither add a new pod nor remove an old \
one. The API server rejects it for Deployments and DaemonSets (\"may not be 0 when `maxSurge` is 0\"), \
so the apply or Helm upgrade fails. Percentages resolve against the replica count: maxSurge rounds UP \
and maxUnavailable rounds DOWN, so maxSurge 0 with maxUnavailable 20% at 4 replicas also resolves to \
0/0; the API server accepts that, but the controller then forces maxUnavailable to 1 and every rollout \
takes a pod out of service (reported as a warning). Use maxSurge: 1, maxUnavailable: 0; if two versions \
must never overlap (single-writer migrations), run the migration in a Job or hook instead.",
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment (Max Unavailable, Max Surge)",
    ),
    r(
        "recreate-strategy-downtime",
        W,
        "rollout",
        "Recreate strategy stops every pod before the new ones start",
        "use strategy RollingUpdate with maxSurge: 1, maxUnavailable: 0 (suppress with a reason if a single-writer volume requires Recreate)",
        "strategy.type: Recreate terminates all existing pods before any new pod is created, so every \
release is a full outage lasting the new pods' start-up time. It is only justified for workloads that \
must never run two versions at once (for example a ReadWriteOnce volume); then suppress this rule on \
the object with the reason.",
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#recreate-deployment",
    ),
    r(
        "replicas-below-two",
        W,
        "rollout",
        "workload runs a single replica",
        "run at least 2 replicas, or an HPA with minReplicas >= 2",
        "With one replica, every drain, node upgrade, eviction or crash of that pod is an outage, and a \
PodDisruptionBudget can only choose between blocking drains and allowing the outage. Run at least two \
replicas (or let an HPA with minReplicas >= 2 own the count) and spread them over nodes.",
        "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#dealing-with-disruptions",
    ),
    r(
        "progress-deadline-too-short",
        W,
        "rollout",
        "startup budget exceeds progressDeadlineSeconds",
        "raise progressDeadlineSeconds above the startupProbe budget (initialDelaySeconds + periodSeconds x failureThreshold)",
        "A Deployment whose new pods do not become available within progressDeadlineSeconds (default \
600 s) is marked ProgressDeadlineExceeded: `kubectl rollout status`, Helm --wait and CD tools report \
a failed rollout (and may roll back) although the pods are still legitimately booting inside the \
budget their startupProbe allows. Keep the deadline above the startup budget plus minReadySeconds.",
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#progress-deadline-seconds",
    ),
    r(
        "bare-pod",
        W,
        "rollout",
        "Pod without a controller",
        "run it from a Deployment (or StatefulSet/Job) instead of a bare Pod",
        "A Pod created directly is not recreated when it is evicted, its node is drained or fails, and it \
cannot be updated without deleting it. Wrap it in a Deployment (or a StatefulSet, or a Job for \
run-to-completion work).",
        "https://kubernetes.io/docs/concepts/configuration/overview/#naked-pods-vs-replicasets-deployments-and-jobs",
    ),
    // ---- probes --------------------------------------------------------------------------
    r(
        "readiness-probe-missing",
        E,
        "probes",
        "Service-backed container has no readinessProbe",
        "add a readinessProbe (httpGet on the health path, or tcpSocket on the serving port)",
        "Without a readinessProbe a container counts as Ready as soon as its process starts, so a \
Service (and any load balancer behind it) sends it requests before the server listens, and a rolling \
update removes old pods on that false signal: clients see connection refused / 502 on every rollout. \
Every container that serves a Service needs a readinessProbe.",
        "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#readiness-probe",
    ),
    r(
        "liveness-probe-missing",
        W,
        "probes",
        "container has no livenessProbe",
        "add a cheap livenessProbe (own endpoint or tcpSocket) with a larger failure budget than readiness",
        "Without a livenessProbe, a deadlocked or wedged process keeps its pod Running forever; only a \
crash restarts it. Add a shallow liveness check that does not depend on downstream services, with a \
failure budget (periodSeconds x failureThreshold) and timeout larger than the readiness probe's.",
        "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#liveness-probe",
    ),
    r(
        "liveness-same-as-readiness",
        W,
        "probes",
        "liveness probe uses the same check as readiness",
        "give liveness its own cheap endpoint (or tcpSocket) and a larger failure budget than readiness",
        "When liveness and readiness run the same handler (same httpGet path and port, exec command, \
tcpSocket or gRPC port), an overloaded or briefly blocked pod fails both at once: instead of only \
leaving the Service until it recovers, it is restarted, losing caches and in-flight work, and the \
restarts cascade to the remaining pods. Readiness may check dependencies; liveness should only detect a \
wedged process, with a longer budget.",
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/ (Caution on liveness probes)",
    ),
    r(
        "startup-probe-missing",
        E,
        "probes",
        "slow-starting (JVM) container has liveness but no startupProbe",
        "add a startupProbe whose budget (periodSeconds x failureThreshold) is >= 1.5x the worst boot time",
        "Liveness probes start right after initialDelaySeconds. A JVM/Spring Boot service, especially \
under a small CPU limit, can take minutes to boot; if liveness can fail (initialDelaySeconds + \
periodSeconds x failureThreshold) before boot completes, the kubelet restarts it mid-boot and it ends \
in CrashLoopBackOff. The rule fires for containers that look like a JVM (JAVA_TOOL_OPTIONS, JAVA_OPTS, \
SPRING_* env, `java` in the command, a JDK/JRE image) whose liveness kill time is under 120 s. A \
startupProbe holds liveness off until the app has started.",
        "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#startup-probe",
    ),
    r(
        "liveness-kills-during-startup",
        W,
        "probes",
        "liveness can fail before readiness even starts probing",
        "add a startupProbe covering the boot time, or make the liveness budget exceed readiness' initialDelaySeconds",
        "When readiness waits initialDelaySeconds before its first probe, the author expects the app to \
need that long to start. A liveness probe (without a startupProbe) that can declare failure sooner \
(initialDelaySeconds + periodSeconds x failureThreshold) restarts the container before it could ever \
become Ready. Use a startupProbe for the boot window.",
        "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#startup-probe",
    ),
    r(
        "probe-timeout-under-cpu-throttling",
        W,
        "probes",
        "1 s probe timeout on a CPU-limited container",
        "set timeoutSeconds >= 2 on readiness and >= 3 on liveness and startup (never tighter than readiness), and size the CPU request to real use",
        "timeoutSeconds defaults to 1 s. A container with a CPU limit is throttled by CFS when it uses its \
quota within a 100 ms period; under bursts (GC, JIT, request spikes) even a trivial health handler \
can take more than 1 s to answer. Failed liveness or startup probes then restart a healthy pod; \
readiness failures drop it from the Service at peak load. The risk grows with the limit/request \
ratio. Set an explicit timeoutSeconds: 2 s or more on readiness (a slow answer only takes the pod \
out of the Service for a while), 3 s or more on liveness and startup (a slow answer restarts it), \
as zerodown's own probes do; and keep the request close to real usage (or drop the CPU limit).",
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes ; https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run",
    ),
    r(
        "probe-port-unknown",
        E,
        "probes",
        "probe targets a named port the container does not declare",
        "use a port name declared in the container's ports, or a port number",
        "A probe whose httpGet/tcpSocket port is a name that the container does not declare cannot be \
resolved by the kubelet; the probe errors on every run, so a liveness probe restarts the container \
forever and a readiness probe keeps the pod out of its Services.",
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#use-a-named-port",
    ),
    // ---- shutdown ------------------------------------------------------------------------
    r(
        "prestop-missing",
        E,
        "shutdown",
        "Service-backed container has no preStop delay",
        "add lifecycle.preStop.sleep.seconds (5-15 s; 15 s+ behind cloud load balancers) and keep terminationGracePeriodSeconds > preStop + drain time",
        "When a pod is deleted, removing it from EndpointSlices, kube-proxy rules and external load \
balancers happens in parallel with SIGTERM and takes seconds. A server that exits (or stops \
accepting) on SIGTERM refuses requests that are still routed to it, so clients see errors on every \
rollout, drain and scale-down. A preStop hook that sleeps a few seconds keeps the pod serving until \
it is out of rotation; the native `sleep` action (KEP-3960, GA in 1.34) needs no binary in the image. \
Servers that drain themselves need no hook and are not reported: CoreDNS with `health { lameduck 5s }` \
in the Corefile (a mounted ConfigMap or the args), Traefik with \
`transport.lifeCycle.requestAcceptGraceTimeout`, the ingress-nginx controller with \
`--shutdown-grace-period`. CoreDNS whose Corefile is not in the audited set is a warning naming the \
setting; every other message ends with \"unless the app drains itself\".",
        "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination ; https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/",
    ),
    r(
        "prestop-exceeds-grace-period",
        E,
        "shutdown",
        "preStop sleep is not shorter than the grace period",
        "set terminationGracePeriodSeconds = preStop + app drain time + margin",
        "terminationGracePeriodSeconds (default 30 s) is one budget that starts before the preStop hook \
and must also cover the application's SIGTERM handling. If the hook sleeps as long as or longer than \
the grace period, the kubelet kills the container mid-hook (after a 2 s extension) and the app never \
gets to drain. The sleep is read from preStop.sleep.seconds or from an exec hook that runs \
`sleep N` (directly or via `sh -c`).",
        "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution ; https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
    ),
    r(
        "prestop-exec-needs-binary",
        I,
        "shutdown",
        "exec preStop sleep depends on binaries in the image",
        "use the native preStop action `sleep: {seconds: N}`",
        "An exec preStop hook that only sleeps needs `sleep` (and often `sh`) inside the image. In \
distroless or scratch images the hook fails immediately, the delay silently disappears and the pod \
drops requests on shutdown. The native sleep action (KEP-3960, beta on by default since 1.30, GA in \
1.34) needs nothing in the image. Info by default; a warning when the image looks shell-less \
(distroless, chainguard, scratch, static).",
        "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations (KEP-3960)",
    ),
    r(
        "grace-period-too-short",
        W,
        "shutdown",
        "terminationGracePeriodSeconds leaves no time to shut down",
        "set terminationGracePeriodSeconds to the app's drain time plus margin (default 30)",
        "A terminationGracePeriodSeconds of 0-2 s kills the container almost immediately after SIGTERM: \
in-flight requests and jobs are cut off, connections reset, and work that was being processed is \
lost or duplicated. This matters for workers as much as for serving pods.",
        "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
    ),
    r(
        "shell-pid1-drops-sigterm",
        W,
        "shutdown",
        "a shell runs as PID 1 and does not forward SIGTERM",
        "use the exec form (command: [\"app\", ...]) or end the script with `exec app` (or run an init such as tini)",
        "When command[0] is a shell (sh, bash, ash, dash) running a script or a `-c` string, the shell is \
PID 1. The kernel drops signals to PID 1 that it installed no handler for, and the shell does not \
forward SIGTERM to its child, so the app never starts its graceful shutdown and is SIGKILLed (exit \
137) when the grace period ends. The rule models what the shells really do with `-c`: bash execs \
a lone simple command without redirections, and since 5.1 the last simple command of a list; dash \
(Debian/Ubuntu /bin/sh) and BusyBox ash >= 1.28 (alpine) exec the last command, redirected or not, \
unless the string ends with a newline; every shell forks pipelines and background jobs and waits, and \
a last command that is a builtin (`|| exit 1`) keeps it running. So `bash -c 'java -jar app.jar'` \
is fine; a pipeline, a background job, a trailing newline under dash/ash or a redirection under \
bash is a warning; a case that depends on the bash version or on which shell /bin/sh is in an \
unknown image is info, and says so. A script file (`sh /start.sh`) cannot be read: a warning. \
`exec app` or a trap in the script are fine.",
        "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
    ),
    r(
        "nginx-fast-shutdown",
        W,
        "shutdown",
        "nginx treats SIGTERM as a fast shutdown",
        "add a preStop that sleeps, runs `nginx -s quit` and waits for the master to exit (or set lifecycle.stopSignal: SIGQUIT)",
        "nginx (and openresty) perform a fast shutdown on SIGTERM, closing open and keep-alive \
connections mid-request; only SIGQUIT is a graceful shutdown. Kubernetes sends SIGTERM unless the \
image sets STOPSIGNAL SIGQUIT or the container sets lifecycle.stopSignal (KEP-4960). The official \
images (nginx, nginxinc/nginx-unprivileged) used STOPSIGNAL SIGTERM until 2020-11-24 \
(nginxinc/docker-nginx commit 3fb70ddd, PR #457 for issue #377): the verdict follows the tag. \
Versions before 1.18 and 1.19.0-1.19.4 stop with SIGTERM (warning); 1.18.x tags were built both \
ways (warning, depends on the pull); 1.19.5+, 1.20+ and the floating tags (latest, stable, mainline, \
alpine, 1) are SIGQUIT builds (info); a digest-only reference or another build (bitnami/nginx) is \
not known (warning). Use a preStop hook such as `sleep 5; nginx -s \
quit; while kill -0 1; do sleep 1; done` and a grace period that covers the longest request.",
        "http://nginx.org/en/docs/control.html ; https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/",
    ),
    // ---- scheduling ----------------------------------------------------------------------
    r(
        "required-anti-affinity-blocks-rollout",
        W,
        "scheduling",
        "required anti-affinity leaves no node for the surge pod",
        "use preferredDuringScheduling anti-affinity (or topologySpreadConstraints with ScheduleAnyway), or maxSurge: 0, maxUnavailable: 1",
        "Required podAntiAffinity on kubernetes.io/hostname that selects the workload's own pods allows \
one pod per node. When maxUnavailable resolves to 0 (the default 25% does below 4 replicas), a \
rollout must first schedule a surge pod; with nodes == replicas it stays Pending (\"didn't satisfy \
existing pods anti-affinity rules\") and the rollout never finishes. A warning because the node \
count is not in the manifests; matchLabelKeys: [pod-template-hash] (KEP-3633) avoids the conflict.",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity",
    ),
    r(
        "anti-affinity-missing",
        I,
        "scheduling",
        "replicas are not spread across nodes or zones",
        "add preferred podAntiAffinity on kubernetes.io/hostname and topologySpreadConstraints on topology.kubernetes.io/zone (ScheduleAnyway)",
        "Without anti-affinity or topology spread constraints, several replicas may land on one node or \
zone, so one node failure or a drain takes out most of the capacity. Info rather than warning: the \
scheduler's default PodTopologySpread constraints already spread pods softly by hostname and zone.",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/",
    ),
    r(
        "resources-missing",
        W,
        "scheduling",
        "container has no CPU or memory request",
        "set resources.requests.cpu and resources.requests.memory to measured usage",
        "A container without requests is scheduled as if it used nothing: nodes are over-packed, the \
pod is among the first evicted under node pressure (BestEffort/Burstable QoS), and an HPA cannot \
compute utilization for a resource that has no request.",
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ ; https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/",
    ),
    r(
        "memory-limit-missing",
        I,
        "scheduling",
        "container has no memory limit",
        "set resources.limits.memory (commonly equal to or moderately above the request)",
        "Without a memory limit a leak grows until the node runs out of memory; the kubelet then evicts \
pods by node-pressure eviction, which ignores PodDisruptionBudgets and can hit other workloads. \
Info, not warning: it is not an outage under routine events, and some teams deliberately run \
without limits.",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/",
    ),
    // ---- disruption ----------------------------------------------------------------------
    r(
        "pdb-allows-zero-disruptions",
        E,
        "disruption",
        "PodDisruptionBudget allows 0 disruptions",
        "use maxUnavailable: 1 with at least 2 replicas (or drop the PDB for a single-replica workload)",
        "A PDB whose allowed disruptions are 0 at the lowest replica count the workload can run at \
(min(spec.replicas, HPA minReplicas)) refuses every eviction: kubectl drain, node upgrades and the \
cluster autoscaler's scale-down retry forever, while the Deployment does not surge a replacement on \
eviction. Typical causes: minAvailable >= replicas, minAvailable: 100%, maxUnavailable: 0.",
        "https://kubernetes.io/docs/tasks/run-application/configure-pdb/#think-about-how-your-application-reacts-to-disruptions",
    ),
    r(
        "pdb-min-available-blocks-eviction",
        E,
        "disruption",
        "PDB minAvailable is not below the lowest replica count",
        "express the budget as maxUnavailable: 1, which allows one eviction at every scale",
        "An absolute minAvailable equal to (or above) the replica count, or to the HPA's minReplicas, \
blocks every eviction whenever the workload runs at that count, e.g. at night when the HPA has \
scaled down, which is exactly when maintenance drains run. maxUnavailable scales with the workload \
and keeps one eviction possible. One fault, one finding: this rule replaces pdb-allows-zero-disruptions \
when the cause is an absolute minAvailable at an HPA's (or ScaledObject's) minimum; any other budget \
that allows 0 disruptions is reported as pdb-allows-zero-disruptions alone.",
        "https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget",
    ),
    r(
        "pdb-selector-matches-nothing",
        E,
        "disruption",
        "PDB selector matches no pod template",
        "copy the selector from the workload's spec.selector / pod template labels",
        "A PodDisruptionBudget protects only the pods its selector matches. A selector built from labels \
the pods do not carry (for example labels that are only on the Deployment object) matches nothing: \
`kubectl describe pdb` shows \"No matching pods found\" and drains may evict every replica at once. \
Error when the namespace has workloads in the audited set but none matches; info when the audited \
set has no workload in that namespace (cannot verify).",
        "https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget",
    ),
    r(
        "pdb-missing",
        W,
        "disruption",
        "replicated workload has no PodDisruptionBudget",
        "add a PodDisruptionBudget with maxUnavailable: 1 and the workload's selector",
        "Without a PDB, a node drain or upgrade may evict all replicas of a workload at the same time \
(for example when they share a node, or when several nodes are drained in parallel).",
        "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets",
    ),
    r(
        "pdb-overlapping",
        E,
        "disruption",
        "pods are selected by more than one PDB",
        "keep exactly one PodDisruptionBudget per set of pods",
        "The eviction API refuses to evict a pod covered by more than one PodDisruptionBudget (HTTP 500, \
\"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support\"), \
so drains of nodes running these pods block.",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/#how-api-initiated-eviction-works",
    ),
    r(
        "pdb-unhealthy-eviction-policy",
        I,
        "disruption",
        "unhealthy pods can block drains",
        "set spec.unhealthyPodEvictionPolicy: AlwaysAllow",
        "With the default unhealthyPodEvictionPolicy (IfHealthyBudget), pods that are Running but not \
Ready (crash-looping, misconfigured) can only be evicted while the budget is met, so a broken \
workload blocks node drains. AlwaysAllow (KEP-3017, GA in 1.31) lets drains evict such pods.",
        "https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy",
    ),
    // ---- autoscaling ---------------------------------------------------------------------
    r(
        "hpa-replicas-conflict",
        E,
        "autoscaling",
        "spec.replicas set on an HPA-managed workload",
        "remove spec.replicas from the workload (Helm: render it only when autoscaling is disabled)",
        "When an HPA manages a Deployment or StatefulSet, every `kubectl apply` or `helm upgrade` that \
carries spec.replicas resets the scale to that value, terminating pods the HPA had added until its \
next sync. Error when spec.replicas is below the HPA's minReplicas (every apply drops capacity), \
warning otherwise; always an error beside a KEDA ScaledObject, which owns the scale through the HPA it \
makes. Migrating a live workload: hand the field over first (kubectl apply \
edit-last-applied), or the first apply without it drops to 1 once.",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling",
    ),
    r(
        "hpa-metric-without-request",
        E,
        "autoscaling",
        "HPA scales on utilization of a resource the containers do not request",
        "set resources.requests for that resource on every container, or use an AverageValue target",
        "Resource utilization is a percentage of the pod's request. If any container of the target pods \
has no request for the resource (cpu or memory) the HPA cannot compute utilization, reports \
FailedGetResourceMetric (\"missing request for cpu\") and never scales.",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details",
    ),
    r(
        "hpa-missing",
        I,
        "autoscaling",
        "Deployment has no HorizontalPodAutoscaler",
        "add an HPA (minReplicas >= 2) and remove spec.replicas",
        "A fixed replica count cannot absorb load spikes; an HPA adds pods under load and keeps a floor \
of minReplicas. Advisory: not every workload needs autoscaling.",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
    ),
    r(
        "hpa-target-missing",
        W,
        "autoscaling",
        "HPA targets a workload that is not in the audited set",
        "fix scaleTargetRef (kind and name are case-sensitive) to name the workload",
        "An HPA whose scaleTargetRef names no existing object does nothing (FailedGetScale), so the \
workload is silently not autoscaled. Reported only when the audited set contains workloads in that \
namespace (the target may legitimately live elsewhere otherwise).",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#how-does-a-horizontalpodautoscaler-work",
    ),
    r(
        "hpa-duplicate-target",
        E,
        "autoscaling",
        "more than one HPA (or KEDA ScaledObject) targets the same workload",
        "keep exactly one autoscaler per workload: merge the metrics into one HPA, or delete the HPA beside a ScaledObject",
        "Two HPAs on the same workload fight over its scale; the controller detects the overlap and \
stops scaling (AmbiguousSelector / ScalingDisabled). A KEDA ScaledObject makes an HPA of its own, so an \
HPA beside it is a second one (KEDA's admission webhook refuses the pair).",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#autoscaling-on-multiple-metrics-and-custom-metrics",
    ),
    // ---- image ---------------------------------------------------------------------------
    r(
        "image-tag-mutable",
        E,
        "image",
        "image uses a mutable tag",
        "pin an immutable version tag or a digest (image@sha256:...)",
        "With `latest` or no tag (and no digest), nodes keep whatever build they pulled first \
(IfNotPresent) or pull a different build on every restart (Always): replicas run different code, \
pushing a release changes nothing in the pod template, so there is no rollout, no readiness gating \
and no rollback target. Error for `latest`/no tag; warning for other floating tags (stable, main, \
edge, nightly, ...).",
        "https://kubernetes.io/docs/concepts/containers/images/#updating-images ; https://kubernetes.io/docs/concepts/configuration/overview/#container-images",
    ),
    // ---- service -------------------------------------------------------------------------
    r(
        "service-selector-matches-nothing",
        W,
        "service",
        "Service selector matches no pod template",
        "make the Service selector a subset of the pod template labels",
        "A Service whose selector matches no pods has no endpoints: every request fails. A warning \
because pods may be created by something outside the audited set (an operator, another repository); \
reported only when the namespace has audited workloads.",
        "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
    ),
    r(
        "service-target-port-unknown",
        E,
        "service",
        "Service targetPort names a port no selected container declares",
        "use a port name declared in the containers' ports, or a port number",
        "A named targetPort is resolved per pod from the containers' declared ports. When no container \
declares that name, the pod gets no endpoint for the port and the Service sends no traffic to it.",
        "https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports",
    ),
    // ---- relations: selectors across objects and releases (selectors.rs) -------------------
    r(
        "selector-release-label",
        E,
        "selectors",
        "workload spec.selector contains a label that changes every release",
        "keep only stable identity labels (app.kubernetes.io/name, app.kubernetes.io/instance) in spec.selector; put version and chart labels on the pod template only",
        "A Deployment's, StatefulSet's or DaemonSet's spec.selector is immutable (apps/v1). When it \
contains a label whose value is stamped per release (app.kubernetes.io/version, version, helm.sh/chart, \
chart with a version, pod-template-hash), the next upgrade changes the selector and the API server \
rejects the whole object with 'spec.selector: Invalid value ... field is immutable': Helm upgrades \
fail, and the only way forward is deleting the workload, an outage. A per-version object whose name \
carries the same value (Deployment reviews-v1 with version: v1) is replaced, not upgraded, and is not \
reported. Real report: jetstack/version-checker#140 (chart 0.3.2 put the version and chart labels in the \
selector; every upgrade from 0.3.1 failed).",
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates",
    ),
    r(
        "service-selector-release-label",
        W,
        "selectors",
        "Service selector contains a label that changes every release",
        "select pods by stable identity labels only (app.kubernetes.io/name, app.kubernetes.io/instance); keep version and chart labels out of Service selectors",
        "A Service whose selector contains a per-release label (app.kubernetes.io/version, version, \
helm.sh/chart, a chart label with a version) is re-pointed by every upgrade: the new selector matches \
none of the running pods and only the new release's pods, which are still starting. Between the apply \
and the first new pod becoming Ready the Service has no endpoints, and during the rollout it never \
spreads load over both releases, so each upgrade is a short outage (and a rollback another). Real \
report: gomods/athens#1562 (the chart version in the Deployment and Service selectors; the fix took it \
out of both).",
        "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service ; https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/",
    ),
    r(
        "service-selects-portless-pods",
        E,
        "selectors",
        "Service selects pods of a workload that serves none of its ports",
        "make the Service selector specific to the serving workload (add a component label such as app.kubernetes.io/component: server to its pods and the selector)",
        "A Service load-balances over every Ready pod its selector matches, across all workloads in the \
namespace. When two workloads share the selected labels (an app and its worker, a DaemonSet and a \
StatefulSet of the same chart) and one of them declares none of the Service's numeric target ports, \
its pods still become endpoints and receive a share of the connections, which they refuse: a fixed \
fraction of requests fails all the time, not only during rollouts. Real report: storageos/helm-chart#31 \
(the Service also selected the StatefulSet's pods, which expose no port: connection refused).",
        "https://kubernetes.io/docs/concepts/services-networking/service/#services-in-kubernetes",
    ),
    // ---- relations: the traffic path (traffic.rs) ------------------------------------------
    r(
        "route-backend-port-unknown",
        E,
        "traffic",
        "Ingress / HTTPRoute backend names a port the Service does not have",
        "use a port number or port name from the Service's spec.ports (the Service port, not the container's targetPort)",
        "An Ingress backend (service.port.number / service.port.name) and an HTTPRoute backendRef \
(port) address the Service's own port, not the container port. When the Service in the audited set has \
no port with that number or name, the controller has no backend for the path: ingress-nginx answers \
503, other controllers time out, on every request. Real reports: helm/charts#20245 (redmine: Ingress \
named port 'http', Service named it 'http-redmine': 503) and zalando/skipper#246 (backend port 8080 on a \
Service exposing 80: gateway timeouts).",
        "https://kubernetes.io/docs/concepts/services-networking/ingress/#the-ingress-resource ; https://gateway-api.sigs.k8s.io/api-types/httproute/ (backendRefs)",
    ),
    r(
        "lb-health-check-outlasts-prestop",
        W,
        "traffic",
        "a load balancer keeps routing to a leaving pod longer than its preStop delay",
        "make the preStop delay outlast the load balancer's detection (ALB: the sooner of 15 s and healthcheck-interval-seconds x unhealthy-threshold-count; NLB with externalTrafficPolicy Local: healthcheck-interval x healthcheck-unhealthy-threshold), and keep the grace period above the delay plus the drain",
        "An AWS ALB created by the AWS Load Balancer Controller stops sending new requests to a pod \
only when the controller has deregistered the target (its reconcile plus about 10 s of ELB API \
propagation: about 15 s) or the target's health check has failed unhealthy-threshold-count times \
healthcheck-interval-seconds apart (defaults 2 x 15 s = 30 s), whichever comes first. A pod whose \
preStop delay is shorter stops listening while the ALB still routes new requests to it, so every \
rollout, drain and scale-down returns 502/503 for the difference. The rule reads the Ingress \
annotations (defaults when absent) and compares the sooner signal with the known preStop sleep of \
every container serving the backend Service. The same holds for an AWS NLB in front of a \
LoadBalancer Service with externalTrafficPolicy: Local and node targets: it keeps sending to a node \
until the health check on the health-check node port fails (healthcheck-interval x \
healthcheck-unhealthy-threshold, defaults 10 s x 3). Real reports: Budibase/budibase#18353 (preStop \
5-10 s behind an ALB; 503s and dropped connections on rolling updates until the delays were raised \
above the ALB's detection time), kubernetes-sigs/aws-load-balancer-controller#2106 for the \
deregistration lag, and kubernetes/kubernetes#73362 (NLB with externalTrafficPolicy: Local: \
connections to a node timed out for 3 x 30 s after its pod restarted).",
        "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution ; https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#health-check",
    ),
    r(
        "publish-not-ready-serving",
        W,
        "traffic",
        "ClusterIP Service publishes pods that are not Ready",
        "remove publishNotReadyAddresses from Services that carry client traffic; keep it only on a headless Service used for peer discovery",
        "publishNotReadyAddresses: true makes the EndpointSlice controller mark every selected pod as \
ready, including pods that are still starting and pods that are terminating. On a Service that carries \
traffic (any non-headless Service), kube-proxy and ingress controllers then send requests to pods \
that fail their readiness probe or are shutting down, so rollouts and scale-downs return 502/503 \
whatever the probes and preStop say. The flag exists for headless Services whose peers must find each \
other before they are Ready (StatefulSet clusters). Real report: grafana-community/helm-charts#744 (the \
Loki chart set it on every component Service: 502s on the write path during rollouts).",
        "https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec (publishNotReadyAddresses)",
    ),
    // ---- relations: scheduling of a surge and of every replica (spread.rs) -------------------
    r(
        "spread-counts-old-revision",
        W,
        "scheduling",
        "hard topology spread counts the previous ReplicaSet's pods",
        "add matchLabelKeys: [pod-template-hash] to the constraint (Kubernetes 1.27+), or use whenUnsatisfiable: ScheduleAnyway",
        "A topologySpreadConstraint's labelSelector usually matches every pod of the Deployment, so \
during a rollout the scheduler counts the old ReplicaSet's pods together with the new ones. With \
whenUnsatisfiable: DoNotSchedule a surge pod can be refused by every domain (held Pending until old \
pods leave), and once the old pods are gone the new ones are left skewed, sometimes all in one zone or \
node. matchLabelKeys: [pod-template-hash] (KEP-3243) restricts the count to the pod's own revision. \
Real report: kubernetes/kubernetes#98215 (maxSkew 1 over hostnames ended 3/2/0 after rollouts).",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition (matchLabelKeys; KEP-3243)",
    ),
    r(
        "spread-min-domains-unreachable",
        E,
        "scheduling",
        "topology spread minDomains exceeds the domains the node affinity allows",
        "lower minDomains to the number of zones the node affinity allows (or drop it), or allow more zones",
        "With minDomains set, when fewer eligible domains exist than minDomains the scheduler treats \
the global minimum as 0, so no domain may hold more than maxSkew matching pods. When the pod's \
nodeSelector or required node affinity pins the topology key to fewer values than minDomains, that is \
always the case: at most maxSkew x (allowed domains) pods can ever be scheduled and every further \
replica (or surge pod) stays Pending. Real report: MaterializeInc/materialize#36516 (pods pinned to \
specific zones with minDomains above them: extra replicas stuck Pending).",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition (minDomains; KEP-3022)",
    ),
    r(
        "zone-anti-affinity-caps-replicas",
        W,
        "scheduling",
        "required zone anti-affinity with more replicas than zones",
        "replace the required zone anti-affinity with a topologySpreadConstraint over topology.kubernetes.io/zone (maxSkew 1, matchLabelKeys: [pod-template-hash])",
        "requiredDuringSchedulingIgnoredDuringExecution pod anti-affinity on the zone key allows one \
matching pod per zone, ever. A workload that runs (or can scale to) more replicas than the region has \
zones, 3 in most regions, leaves every replica beyond that Pending; an HPA scale-up silently adds no \
capacity and a rollout with surge may hang. Topology spread constraints express 'evenly across zones' \
without the cap. Real report: kubernetes/kubernetes#66533 (zone anti-affinity allowed only one pod per \
zone; topology spread was the answer).",
        "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity",
    ),
    // ---- runtime: sidecars, process model, memory models, autoscaler behaviour (issue 13) --
    r(
        "sidecar-stops-before-app",
        W,
        "shutdown",
        "a sidecar stops before the app it serves has drained",
        "run the sidecar as a native sidecar (initContainers with restartPolicy: Always), or keep it up at least as long as the app's preStop sleep",
        "Every entry of `containers` gets SIGTERM at the same moment, so a classic sidecar (a second \
container, or the proxy a mesh injects) starts shutting down while the app is still in rotation \
behind its preStop sleep. The Cloud SQL Auth Proxy stops at once unless -term_timeout (v1) or \
--max-sigterm-delay (v2) is set (porter-dev/porter-charts#1104: in-flight requests got ECONNREFUSED \
and ECONNABORTED until the proxy was told to wait); istio-proxy drains for terminationDrainDuration, \
5 s by default, then exits (istio/istio#38494, #44690); Envoy exits on SIGTERM; the Linkerd proxy \
stops unless proxy-wait-before-exit-seconds is set. Requests the app still gets in that window \
fail on their way in or out. Native sidecars (KEP-753, on by default since 1.29) are stopped only \
after every main container has exited, which is the fix; a preStop sleep on the sidecar at least \
as long as the app's works too, and so does Istio's per-pod annotation `sidecar.istio.io/nativeSidecar: \
\"true\"` (Istio 1.24+). A warning because a mesh can be set mesh-wide to native sidecars or longer \
drains, which the manifest does not show.",
        "https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/ (KEP-753) ; https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
    ),
    r(
        "grace-period-below-shutdown-budget",
        W,
        "shutdown",
        "preStop sleep plus the app's shutdown timeout exceed the grace period",
        "set terminationGracePeriodSeconds to at least the preStop sleep + the app's shutdown timeout + 5 s",
        "terminationGracePeriodSeconds (default 30 s) starts before the preStop hook and must also \
cover the app's own drain after SIGTERM. When the manifest states that drain, as Spring Boot's \
SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE (or SERVER_SHUTDOWN=graceful with its 30 s default), \
QUARKUS_SHUTDOWN_TIMEOUT, gunicorn's --graceful-timeout (command or GUNICORN_CMD_ARGS) or \
DOTNET_SHUTDOWNTIMEOUTSECONDS, and preStop + timeout is longer than the grace period, the kubelet \
SIGKILLs the container while it is still finishing requests. spring-projects/spring-boot#26469 \
(and #47198): a 10 s preStop with the 30 s per-phase timeout under the default 30 s grace period \
kills pods before graceful shutdown completes. A warning: the timeout is the longest the drain may \
take. zerodown's own bundles set the grace period to preStop + drainSeconds + 5 s.",
        "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution ; https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
    ),
    r(
        "package-manager-pid1",
        W,
        "shutdown",
        "npm, yarn or pnpm runs the app as the container's main process",
        "run the app directly in exec form (command: [\"node\", \"server.js\"]) instead of through npm/yarn/pnpm",
        "When the container's main process is `npm start` (or `yarn start`, `pnpm start`), the stop \
signal reaches the package manager, not the app. npm 7+ forwards SIGTERM only to the `sh -c` that \
runs the script and exits as soon as that shell exits, which ash and dash do at once without waiting \
for node (npm/run-script#237; paketo-buildpacks/nodejs#37: shutdown hooks never ran). yarn forwards \
SIGTERM but exits immediately without waiting for the script (yarnpkg/yarn#4667 for yarn 1, \
yarnpkg/berry#5158 for yarn 2+). Either way the container ends and the kubelet kills the app in the \
middle of its graceful shutdown. tini or dumb-init in front do not help: they exit when their \
child, the package manager, exits. With shareProcessNamespace: true `pause` is PID 1, but the \
container still ends with its first process, so the outcome is the same. Shells as PID 1 are \
shell-pid1-drops-sigterm.",
        "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination ; https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/",
    ),
    r(
        "jvm-heap-exceeds-memory-limit",
        E,
        "memory",
        "the JVM heap leaves no room for non-heap memory under the memory limit",
        "keep the heap at most 75% of the memory limit and at least 128 MiB below it (-XX:MaxRAMPercentage=75.0, or a lower -Xmx)",
        "The kernel OOM-kills a container whose whole process (RSS) reaches resources.limits.memory, \
while the JVM only collects against its heap ceiling: -Xmx (or -XX:MaxHeapSize), else \
-XX:MaxRAMPercentage of the limit, read from JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, *JAVA_OPTS and the \
command, a later option winning. Metaspace, code cache, thread stacks, GC structures and direct \
buffers come on top. Error when the heap alone reaches the limit (jenkinsci/docker-inbound-agent#50: \
-Xmx512m in a 512Mi container kept being killed); warning when the heap is above 75% of the limit \
and what is left is below a quarter of the limit, clamped to 128..512 MiB (virtualcell/vcell#1899: \
MaxRAMPercentage=80 of 2000Mi left 400 MiB for about 700 MiB of measured non-heap, an OOM kill every \
hour with a 95% free heap). A heap at 75% or less, zerodown's own -XX:MaxRAMPercentage=75.0, is not \
flagged; below a 512 MiB limit even that leaves under 128 MiB, so keep JVM limits at 512 MiB or more.",
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits ; https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit",
    ),
    r(
        "node-heap-exceeds-memory-limit",
        E,
        "memory",
        "--max-old-space-size leaves no room under the memory limit",
        "set --max-old-space-size to at most 75% of the memory limit (NODE_OPTIONS or the command)",
        "V8 collects the old space only as it nears --max-old-space-size (MiB, from NODE_OPTIONS or \
the command); new space, code, Buffers and the process itself live outside it. An old space at or \
above resources.limits.memory means the kernel OOM-kills the pod (exit 137) before V8 ever collects \
hard (error); one above 75% of the limit that leaves less than a quarter of it (64..512 MiB) is \
killed under load (warning). broadinstitute/gnomad-browser#1410: a 4.3 GiB heap limit in a 4 GiB \
container was killed repeatedly until the heap was set below the limit. zerodown's own NODE_OPTIONS \
at 75% of the limit is not flagged (below 256 MiB it leaves under 64 MiB).",
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits",
    ),
    r(
        "go-memlimit-exceeds-memory-limit",
        W,
        "memory",
        "GOMEMLIMIT is not below the memory limit",
        "set GOMEMLIMIT to about 90% of resources.limits.memory (for example 460MiB for 512Mi)",
        "GOMEMLIMIT (Go 1.19+) is the soft limit at which the Go GC starts to work harder. Set at or \
above resources.limits.memory it is never reached before the kernel OOM-kills the pod, so it \
protects nothing (warning); with GOGC=off the GC runs only at that limit, so the heap grows until \
the kill (error). The value is bytes with an optional B, KiB, MiB, GiB or TiB suffix. \
stackrox/stackrox#20625: OOM kills stopped once GOMEMLIMIT sat a little below each step's limit.",
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits ; https://pkg.go.dev/runtime#hdr-Environment_Variables",
    ),
    r(
        "keda-scale-to-zero-serving",
        W,
        "autoscaling",
        "a KEDA ScaledObject scales a Service-backed workload to zero",
        "set minReplicaCount: 1 or more on the ScaledObject (or put the KEDA HTTP add-on in front of the Service)",
        "A ScaledObject's minReplicaCount defaults to 0 (and idleReplicaCount: 0 scales to zero too). \
For a workload behind a Service that means no endpoints while idle: the first requests fail until \
KEDA polls a trigger, scales to 1 and the pod is ready, and a trigger that reads the pods' own \
metrics (request rate from Prometheus) never fires once there is no pod to report it \
(kedacore/keda#6040). Workers fed by a queue are fine at zero; HTTP services need a floor of one, \
or the KEDA HTTP add-on, whose interceptor holds requests while the workload starts (not flagged).",
        "https://keda.sh/docs/latest/reference/scaledobject-spec/ ; https://kubernetes.io/docs/concepts/services-networking/service/",
    ),
    r(
        "vpa-conflicts-with-hpa",
        W,
        "autoscaling",
        "a VerticalPodAutoscaler changes the requests an HPA scales on",
        "scale the HPA on a custom metric or an AverageValue target, or remove that resource from the VPA's controlledResources (or use updateMode: Off)",
        "An HPA's utilization is usage divided by the pod's request. A VerticalPodAutoscaler in any \
mode but Off (Auto, Recreate, InPlaceOrRecreate, Initial) rewrites those requests, so every VPA \
change moves the HPA's measure: the VPA raises the request, the HPA sees utilization fall and \
removes replicas, the rest run hotter, and pods are evicted and resized while the replica count \
swings. The VPA project's documented limitation is not to combine them on cpu or memory \
(kubernetes/autoscaler#6247, #6060); haproxy-ingress/charts#107 refuses to render the pair. \
VerticalPodAutoscaler (autoscaling.k8s.io) is read for this rule only.",
        "https://kubernetes.io/docs/concepts/workloads/autoscaling/ ; https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details",
    ),
    r(
        "hpa-scale-down-too-fast",
        W,
        "autoscaling",
        "HPA scale-down has no stabilization window",
        "keep behavior.scaleDown.stabilizationWindowSeconds at the 300 s default (at least 60 s) and cap scale-down with a Percent policy of 10-20% per minute",
        "behavior.scaleDown.stabilizationWindowSeconds (default 300 s) makes the HPA scale down to the \
highest recommendation of that window, so a momentary dip in the metric does not remove pods. \
Below 60 s, with policies that let one period remove half the pods or more (the default policy \
allows 100% every 15 s), one quiet sample takes the workload toward minReplicas and the next burst \
lands on too few pods while new ones start, the flapping the window was made to stop \
(kubernetes/kubernetes#68122; pegasystems/pega-helm-charts#676). The same applies to a KEDA \
ScaledObject's advanced.horizontalPodAutoscalerConfig.behavior; selectPolicy: Disabled is fine.",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#stabilization-window (KEP-853)",
    ),
    // ---- suppression ---------------------------------------------------------------------
    r(
        "suppression-without-reason",
        W,
        "suppression",
        "ignore-check annotation without a reason",
        "write the reason as the annotation value: ignore-check.zerodown.dev/<rule-id>: \"why\"",
        "An `ignore-check.zerodown.dev/<rule-id>` annotation must say why the rule does not apply. A \
suppression with an empty reason is ignored (the finding is still reported) and flagged.",
        "zerodown documentation: suppressing findings",
    ),
    r(
        "suppression-unknown-rule",
        W,
        "suppression",
        "ignore-check annotation names an unknown rule",
        "use a rule id from `zerodown check --explain` (see the suggestion in the message)",
        "An `ignore-check.zerodown.dev/<rule-id>` annotation whose rule id does not exist silences \
nothing, usually because of a typo.",
        "zerodown documentation: suppressing findings",
    ),
    // ---- upgrade (check --against OLD) ---------------------------------------------------
    r(
        "upgrade-selector-immutable",
        E,
        "upgrade",
        "a workload's spec.selector changes between the versions",
        "keep the old selector labels (move new labels to the pod template only), or replace the workload under a new name",
        "A Deployment's, StatefulSet's, DaemonSet's or ReplicaSet's spec.selector is immutable in apps/v1: \
an apply or `helm upgrade` that changes it is rejected (\"spec.selector: Invalid value: ... field is \
immutable\") and the release is left failed. It happens most when a chart puts changing labels \
(app.kubernetes.io/version, helm.sh/chart) or a new component label in the selector, as in \
jetstack/version-checker#140, apache/devlake-helm-chart#257 and zitadel/zitadel-charts#389.",
        "kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates",
    ),
    r(
        "upgrade-statefulset-immutable",
        E,
        "upgrade",
        "a StatefulSet's volumeClaimTemplates, serviceName or podManagementPolicy changes",
        "keep those fields as they are; to change them, delete the StatefulSet with --cascade=orphan and apply the new one",
        "Only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy, \
revisionHistoryLimit and minReadySeconds of a StatefulSet may be updated; any other change, including a \
label added to a volumeClaimTemplate, is rejected (\"updates to statefulset spec for fields other than \
... are forbidden\"), as in helm/helm#7998, weaviate/weaviate-helm#218 and groundhog2k/helm-charts#191.",
        "kubernetes.io/docs/concepts/workloads/controllers/statefulset/",
    ),
    r(
        "upgrade-job-immutable",
        E,
        "upgrade",
        "a Job's pod template or selector changes",
        "give the Job a new name per version (or a Helm hook with hook-delete-policy before-hook-creation)",
        "A Job's spec.template and spec.selector are immutable once it exists: re-applying a Job whose \
image, command or env changed fails with \"field is immutable\", so a migration Job kept under one name \
blocks every later upgrade until someone deletes it by hand.",
        "kubernetes.io/docs/concepts/workloads/controllers/job/",
    ),
    r(
        "upgrade-service-immutable",
        E,
        "upgrade",
        "a Service's clusterIP changes (or its type to or from ExternalName)",
        "leave spec.clusterIP out of the manifest (let the API server keep the one it allocated)",
        "An allocated spec.clusterIP cannot be changed, so a manifest that pins another address (or \
switches a headless Service between None and an address) fails to apply. A change of type to or from \
ExternalName releases or allocates the address: clients that cached it break, so that case is a warning.",
        "kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/",
    ),
    r(
        "upgrade-pvc-immutable",
        E,
        "upgrade",
        "a PersistentVolumeClaim's spec changes beyond a larger storage request",
        "change only resources.requests.storage (upwards, with an expandable StorageClass); for anything else make a new claim and copy the data",
        "A bound PersistentVolumeClaim's spec is immutable except resources.requests.storage, which may \
only grow (and only when the StorageClass allows expansion): a changed storageClassName, accessModes or \
selector, or a smaller request, is rejected at apply time.",
        "kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims",
    ),
    r(
        "upgrade-service-selects-nothing",
        E,
        "upgrade",
        "a Service's new selector matches none of the running pods",
        "change the Service selector only after the new pods carry the labels (two releases: add labels, then switch the selector)",
        "The Service is updated at once while the workload rolls out over minutes: a selector that \
matches neither the running nor the new pods leaves the Service with no endpoints (error); one that \
matches only the new pods has no endpoints until they are Ready (warning), as the review of \
open-sspm/open-sspm#135 found and kubernetes/ingress-nginx#6962 shows as 503s.",
        "kubernetes.io/docs/concepts/services-networking/service/",
    ),
    r(
        "upgrade-pods-leave-pdb",
        W,
        "upgrade",
        "pods covered by a PodDisruptionBudget are not after the upgrade",
        "keep the PDB selector matching the pod labels of both versions (select on the stable name and instance labels)",
        "A PodDisruptionBudget protects the pods its selector matches. When the new pod labels (or the new \
PDB selector) no longer match, the pods are unprotected from the moment they roll, and a node drain may \
evict every replica at once.",
        "kubernetes.io/docs/tasks/run-application/configure-pdb/",
    ),
    r(
        "upgrade-replicas-reset",
        W,
        "upgrade",
        "spec.replicas removed from a workload that had it",
        "remove replicas from the last-applied configuration first (kubectl apply edit-last-applied, or apply --server-side), then apply the manifest without it",
        "`kubectl apply` deletes a field that is in the object's last-applied-configuration but not in the \
new manifest: removing spec.replicas (typically when an HPA takes over) scales the workload to 1 pod \
until the autoscaler reacts (kubernetes/kubernetes#67135: 100 replicas to 1). The Kubernetes HPA docs \
describe the migration that avoids it.",
        "kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling",
    ),
    r(
        "upgrade-target-port-renamed",
        E,
        "upgrade",
        "a Service targetPort names a port the running pods do not declare",
        "add the new port name to the pods first (keep the old one), upgrade, then switch the Service's targetPort in a later release",
        "A targetPort given by name resolves per pod: pods without a port of that name are left out of the \
endpoints. A rename of the container port together with the Service's targetPort drops every running pod \
at once, and the Service has no endpoints until the new pods are Ready (kubernetes/kubernetes#83145, \
grafana/grafana-operator#974, rimusz/charts#145).",
        "kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports",
    ),
    // ---- suppression expiry (issue 13 §3) -------------------------------------------------
    r(
        "suppression-expired",
        W,
        "suppression",
        "ignore-check annotation is past its expiry date",
        "fix the finding, or renew the suppression: ignore-check.zerodown.dev/<rule-id>: \"why; expires=YYYY-MM-DD\"",
        "A suppression may carry an expiry date, `ignore-check.zerodown.dev/<rule-id>: \"reason; \
expires=2027-03-01\"`, for exceptions that should be temporary (a migration, a vendor fix). From that \
day on (UTC, the system clock or ZERODOWN_TODAY) the suppression no longer applies: the finding it \
silenced is reported again, and this finding says when the suppression expired.",
        "zerodown documentation: suppressing findings",
    ),
    r(
        "suppression-expiry-invalid",
        W,
        "suppression",
        "ignore-check annotation has an expiry that is not a date",
        "write the expiry as expires=YYYY-MM-DD (e.g. \"why; expires=2027-03-01\")",
        "The `expires=` part of an `ignore-check.zerodown.dev/<rule-id>` value must be a calendar \
date written YYYY-MM-DD. A suppression whose expiry cannot be read could silence a finding forever, \
so it is ignored (the finding is reported) and flagged.",
        "zerodown documentation: suppressing findings",
    ),
];

/// Looks up a rule by id.
pub fn rule_doc(id: &str) -> Option<&'static RuleDoc> {
    RULES.iter().find(|r| r.id == id)
}

/// All rules.
pub fn rules() -> &'static [RuleDoc] {
    RULES
}

/// The `--explain` text of a rule; `None` for an unknown id (see [`suggest`]).
pub fn explain(rule_id: &str) -> Option<String> {
    let r = rule_doc(rule_id.trim())?;
    Some(format!(
        "{id} ({sev}, {family})\n{title}\n\n{doc}\n\nFix: {fix}\nSee: {reference}\nSilence on one object: metadata.annotations: ignore-check.zerodown.dev/{id}: \"<reason>\"\n",
        id = r.id,
        sev = r.severity,
        family = r.family,
        title = r.title,
        doc = r.doc,
        fix = r.fix,
        reference = r.reference,
    ))
}

/// Levenshtein distance (for "did you mean").
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest rule id to a mistyped one (edit distance at most a third of its length, minimum 3),
/// or a rule id that contains it.
pub fn suggest(rule_id: &str) -> Option<&'static str> {
    let q = rule_id.trim().to_ascii_lowercase();
    if q.is_empty() {
        return None;
    }
    let best = RULES
        .iter()
        .map(|r| (distance(&q, r.id), r.id))
        .min_by_key(|(d, _)| *d)?;
    if best.0 <= (q.len() / 3).max(3) {
        return Some(best.1);
    }
    RULES.iter().map(|r| r.id).find(|id| id.contains(&q))
}

/// Runs every rule family over the audited set.
pub(crate) fn run_all(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    super::rollout::check(ctx, &mut out);
    super::probes::check(ctx, &mut out);
    super::shutdown::check(ctx, &mut out);
    super::scheduling::check(ctx, &mut out);
    super::disruption::check(ctx, &mut out);
    super::autoscaling::check(ctx, &mut out);
    super::image::check(ctx, &mut out);
    super::service::check(ctx, &mut out);
    // ---- relations (issue 13): the app model is built once and queried by these families ----
    let app = super::app::App::build(ctx);
    super::selectors::check(ctx, &app, &mut out);
    super::traffic::check(ctx, &app, &mut out);
    super::spread::check(ctx, &mut out);
    // issue 13: runtime families.
    super::sidecars::check(ctx, &mut out);
    super::grace::check(ctx, &mut out);
    super::process::check(ctx, &mut out);
    super::memory::check(ctx, &mut out);
    super::scalers::check(ctx, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_unique_kebab_and_documented() {
        let mut seen = HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(
                r.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(
                !r.title.is_empty() && !r.fix.is_empty() && r.doc.len() > 80,
                "{}",
                r.id
            );
            assert!(!r.reference.is_empty(), "{}", r.id);
            assert!(explain(r.id).unwrap().contains(r.fix));
        }
    }

    #[test]
    fn suggest_finds_typos() {
        assert_eq!(suggest("prestop-mising"), Some("prestop-missing"));
        assert_eq!(suggest("PRESTOP-MISSING "), Some("prestop-missing"));
        assert_eq!(suggest("image-tag"), Some("image-tag-mutable"));
        assert_eq!(suggest("zzzzzzzzzzzzzzzzzzzzzzzzzz"), None);
        assert!(explain("nope").is_none());
    }
}
