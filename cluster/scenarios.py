#!/usr/bin/env python3
"""zerodown's bundles on a real control plane (cluster/up.sh): API validation, rollout, drains,
bad release and rollback, hard anti-affinity, HPA ownership of replicas, and the same scenarios for
what people apply instead (`kubectl create deployment` + `kubectl expose`, `helm create`'s chart).

Standard library only. Ready endpoints are sampled from the Service's EndpointSlices over HTTPS
every 100 ms (the admin client certificate of cluster/up.sh); kubectl and helm do the rest.
Bounds on zerodown's bundles are asserted (exit 1 on any failure); the other tools' numbers are
reported. The summary table is printed and written to --out (default cluster/PROOF.md).

kwok runs no containers and no probes: a pod with a readinessProbe becomes Ready after the
modelled startup time (cluster/stages.yaml, annotation sim.zerodown.dev/startup), one without at
once. For a pod without a readinessProbe the seconds between Ready and the end of its startup are
counted as "Ready but not yet serving" (modelled, labelled so).

Usage: cluster/scenarios.py [--only validate,rollout,drain,bad-release,resilient,hpa,naive]
                            [--zerodown PATH] [--out FILE] [--bundle-flags "--pdb ..."]
Environment: ZERODOWN_CLUSTER (default ~/.cache/zerodown-cluster), KUBECTL, HELM.
ZD_BREAK=max-unavailable|no-pdb breaks a bound on purpose (the bundle is patched before it is
applied) to show that the assertions catch it.
"""

import argparse
import calendar
import concurrent.futures
import glob
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ROOT = os.environ.get("ZERODOWN_CLUSTER", os.path.expanduser("~/.cache/zerodown-cluster"))
RUN = os.path.join(ROOT, "run")
KUBECONFIG = os.path.join(RUN, "kubeconfig")
TOOLS = os.environ.get("ZERODOWN_TOOLS", os.path.expanduser("~/.cache/zerodown-tools"))
KUBECTL = os.environ.get("KUBECTL") or shutil.which(os.path.join(TOOLS, "venv/bin/kubectl")) or "kubectl"
HELM = os.environ.get("HELM") or os.environ.get("ZERODOWN_HELM") or shutil.which(os.path.join(TOOLS, "bin/helm")) or "helm"
API_PORT = int(os.environ.get("ZD_API_PORT", "16443"))
SAMPLE_SECONDS = 0.1
IMAGE = "registry.example.com/team/svc"
#: the modelled startup of the app, seconds: the Stage's default delay, and what a pod without a
#: readinessProbe is "Ready but not yet serving" for
MODELLED_STARTUP = 5.0
BREAK = os.environ.get("ZD_BREAK", "")
#: the name of the live scenarios' app (namespace proof-APP): another name lets a second run
#: (a broken bound, say) share the cluster
APP = os.environ.get("ZD_APP", "svc")

FAILURES = []
ROWS = []
NOTES = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def check(cond, what):
    """An assertion on a zerodown bundle: recorded, printed, and the run fails at the end."""
    log(("PASS " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)
    return cond


def run(args, input=None, check_rc=True, timeout=900, env=None):
    p = subprocess.run(args, input=input, capture_output=True, text=True, timeout=timeout, env=env)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def k(*args, **kw):
    return run([KUBECTL, "--kubeconfig", KUBECONFIG, *args], **kw)


def helm(*args, **kw):
    return run([HELM, "--kubeconfig", KUBECONFIG, *args], **kw)


def kjson(*args):
    return json.loads(k(*args, "-o", "json").stdout)


class Api:
    """GETs against the API server with the admin client certificate (one connection per thread)."""

    def __init__(self):
        pki = os.path.join(RUN, "pki")
        self.ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        self.ctx.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
        self.local = threading.local()

    def get(self, path):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPSConnection("127.0.0.1", API_PORT, context=self.ctx, timeout=10)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            raise
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status} {body[:200]!r}")
        return json.loads(body)


API = None


class Sampler(threading.Thread):
    """Ready endpoints of a Service every SAMPLE_SECONDS, from its EndpointSlices; and, for pods
    without a readinessProbe, how many of the Ready ones have finished the modelled startup."""

    def __init__(self, ns, service):
        super().__init__(daemon=True)
        self.ns, self.service = ns, service
        self.samples = []  # (monotonic t, ready, serving)
        self.ready_since = {}
        self.probed = {}
        self.stop_event = threading.Event()
        self.errors = 0

    def run(self):
        sel = urllib.parse.quote(f"kubernetes.io/service-name={self.service}")
        while not self.stop_event.is_set():
            t = time.monotonic()
            try:
                slices = API.get(f"/apis/discovery.k8s.io/v1/namespaces/{self.ns}/endpointslices?labelSelector={sel}")
                ready = set()
                for s in slices.get("items", []):
                    for ep in s.get("endpoints") or []:
                        if (ep.get("conditions") or {}).get("ready") is True:
                            ready.add((ep.get("targetRef") or {}).get("name") or ep["addresses"][0])
                unknown = [p for p in ready if p not in self.probed]
                since = {}
                if unknown:
                    pods = API.get(f"/api/v1/namespaces/{self.ns}/pods")
                    for p in pods.get("items", []):
                        self.probed[p["metadata"]["name"]] = all(
                            "readinessProbe" in c for c in p["spec"]["containers"])
                        for c in p.get("status", {}).get("conditions", []):
                            if c["type"] == "Ready" and c["status"] == "True":
                                since[p["metadata"]["name"]] = c["lastTransitionTime"]
                for p in ready:
                    if p not in self.ready_since:
                        # Ready before sampling began: since its Ready transition (1 s resolution);
                        # later ones: since the sample that first saw them Ready
                        if not self.samples and p in since:
                            wall = calendar.timegm(time.strptime(since[p], "%Y-%m-%dT%H:%M:%SZ"))
                            self.ready_since[p] = t - max(0.0, time.time() - wall)
                        else:
                            self.ready_since[p] = t
                serving = sum(1 for p in ready
                              if self.probed.get(p, True) or t - self.ready_since[p] >= MODELLED_STARTUP)
                self.samples.append((t, len(ready), serving))
            except Exception:  # a dropped connection on a loaded machine: count it, keep sampling
                self.errors += 1
            self.stop_event.wait(max(0.0, SAMPLE_SECONDS - (time.monotonic() - t)))

    def stop(self):
        self.stop_event.set()
        self.join()
        return Stats(self.samples, self.errors)


class Stats:
    def __init__(self, samples, errors):
        self.samples, self.errors = samples, errors

    def minimum(self, i=1):
        return min((s[i] for s in self.samples), default=None)

    def seconds(self, pred, i=1):
        total = 0.0
        for a, b in zip(self.samples, self.samples[1:]):
            if pred(a[i]):
                total += b[0] - a[0]
        return total

    def gaps(self):
        g = sorted(b[0] - a[0] for a, b in zip(self.samples, self.samples[1:]))
        if not g:
            return 0.0, 0.0
        return g[len(g) // 2], g[-1]

    def describe(self):
        p50, mx = self.gaps()
        return f"{len(self.samples)} samples, median gap {p50 * 1000:.0f} ms, max {mx * 1000:.0f} ms, {self.errors} errors"


def row(scenario, tool, stats, target, drain=None, rollback=None, note=""):
    """One line of the summary: min Ready (the API's view), min serving (modelled: a pod without a
    readinessProbe serves only after the startup), seconds below target, seconds at zero."""
    r = {
        "scenario": scenario, "tool": tool, "target": target,
        "min_ready": stats.minimum(1) if stats else None,
        "min_serving": stats.minimum(2) if stats else None,
        "below": stats.seconds(lambda c: c < target, 1) if stats else None,
        "zero_ready": stats.seconds(lambda c: c == 0, 1) if stats else None,
        "zero_serving": stats.seconds(lambda c: c == 0, 2) if stats else None,
        "drain": drain, "rollback": rollback, "note": note,
        "sampling": stats.describe() if stats else "",
    }
    ROWS.append(r)
    log(f"ROW {json.dumps(r)}")
    return r


# ---------------------------------------------------------------------------------------------
# bundles


def zd(*args, **kw):
    return run([ZD, *args], **kw)


def new_bundle(dest, name, ns, *flags):
    zd("new", name, "--image", f"{IMAGE}:1.0.0", "-n", ns, "-o", dest, "--no-input", *flags)
    return dest


def docs_of(stream):
    return [d for d in re.split(r"(?m)^---\s*$", stream) if re.search(r"(?m)^kind:", d)]


def kind_of(doc):
    m = re.search(r"(?m)^kind:\s*(\S+)", doc)
    return m.group(1) if m else None


def namespaces_of(stream):
    return sorted(set(re.findall(r"(?m)^  namespace:\s*\"?([a-z0-9-]+)\"?\s*$", stream))
                  | {re.search(r"(?m)^  name:\s*\"?([a-z0-9-]+)", d).group(1)
                     for d in docs_of(stream) if kind_of(d) == "Namespace"})


def ensure_namespace(ns):
    k("create", "namespace", ns, check_rc=False)


def served_kinds():
    out = k("api-resources", "--no-headers").stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def install_crds():
    for sub in ("gateway-api", "keda"):
        files = sorted(glob.glob(os.path.join(ROOT, "crds", sub, "*.yaml")))
        if not files:
            NOTES.append(f"no {sub} CRDs in {ROOT}/crds (cluster/setup.sh): their kinds are skipped")
            continue
        args = []
        for f in files:
            args += ["-f", f]
        k("apply", "--server-side", "--force-conflicts", *args)
    k("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s", check_rc=False)


def dry_run(label, stream, kinds):
    """kubectl apply --server-side --dry-run=server of every object in a YAML stream."""
    keep, skipped = [], []
    for d in docs_of(stream):
        (keep if kind_of(d) in kinds else skipped).append(d)
    for d in skipped:
        NOTES.append(f"{label}: {kind_of(d)} skipped: no CRD for it on this control plane")
    for ns in namespaces_of(stream):
        ensure_namespace(ns)
    p = k("apply", "--server-side", "--dry-run=server", "--field-manager=zerodown-proof", "-f", "-",
          input="\n---\n".join(keep), check_rc=False)
    ok = p.returncode == 0
    check(ok, f"API validation {label}: {len(keep)} objects accepted by the API server"
          + ("" if ok else f"\n{p.stdout}{p.stderr}"))
    return len(keep), ok


def scenario_validate(work):
    install_crds()
    kinds = served_kinds()
    bundles = []
    presets = [p["name"] for p in json.loads(zd("presets", "--format", "json").stdout)]
    for p in presets:
        bundles.append((f"preset {p}", new_bundle(os.path.join(work, "presets", p), f"svc-{p}", f"team-{p}", "--preset", p, "--helm")))
    bundles.append(("preset generic --overlays staging,production",
                    new_bundle(os.path.join(work, "presets", "overlays"), "svc-ov", "team-ov", "--overlays", "staging,production", "--helm")))
    for spec in sorted(glob.glob(os.path.join(REPO, "examples", "*", "zerodown.yaml"))):
        d = os.path.dirname(spec)
        bundles.append((f"examples/{os.path.basename(d)}", d))
    total = 0
    for label, d in bundles:
        targets = []
        if os.path.exists(os.path.join(d, "kustomization.yaml")):
            targets.append(("", d))
        for sub in ("base",) + tuple(sorted(os.path.relpath(o, d) for o in glob.glob(os.path.join(d, "overlays", "*")))):
            if os.path.exists(os.path.join(d, sub, "kustomization.yaml")):
                targets.append((sub, os.path.join(d, sub)))
        # a kustomize Component (custom/) is validated through the bundle or overlay that names it
        for sub, path in targets:
            n, _ = dry_run(f"{label} {sub or 'bundle'} (kubectl kustomize)", k("kustomize", path).stdout, kinds)
            total += n
        if not targets:
            files = [f for f in sorted(glob.glob(os.path.join(d, "*.yaml"))) if os.path.basename(f) != "zerodown.yaml"]
            n, _ = dry_run(f"{label} files", "\n---\n".join(open(f).read() for f in files), kinds)
            total += n
        chart = os.path.join(d, "chart")
        if not os.path.isdir(chart):
            chart = os.path.join(work, "charts", label.replace("/", "-").replace(" ", "-"))
            zd("render", "--helm-only", "-o", chart, "-f", os.path.join(d, "zerodown.yaml"))
        name, ns = chart_release(d)
        n, _ = dry_run(f"{label} chart (helm template)", helm("template", name, chart, "-n", ns).stdout, kinds)
        total += n
    row("1 API validation (server-side dry run)", "zerodown", None, 0,
        note=f"{total} objects from {len(bundles)} bundles (plain, overlays, Helm chart)")


def chart_release(d):
    """(release name, namespace) of a bundle: from its zerodown.yaml."""
    text = open(os.path.join(d, "zerodown.yaml")).read()
    name = re.search(r"(?m)^name:\s*\"?([a-z0-9-]+)", text).group(1)
    m = re.search(r"(?m)^namespace:\s*\"?([a-z0-9-]+)", text)
    return name, (m.group(1) if m else name)


# ---------------------------------------------------------------------------------------------
# live objects


class App:
    """A deployed bundle, discovered from the objects the API server holds after the apply."""

    def __init__(self, ns, tool):
        self.ns, self.tool = ns, tool
        deps = kjson("-n", ns, "get", "deployments")["items"]
        assert len(deps) == 1, f"{ns}: expected one Deployment, found {len(deps)}"
        self.deployment = deps[0]
        self.name = self.deployment["metadata"]["name"]
        self.selector = ",".join(f"{a}={b}" for a, b in self.deployment["spec"]["selector"]["matchLabels"].items())
        svcs = kjson("-n", ns, "get", "services")["items"]
        self.service = svcs[0]["metadata"]["name"] if svcs else None
        hpas = kjson("-n", ns, "get", "hpa")["items"]
        self.hpa_min = hpas[0]["spec"].get("minReplicas", 1) if hpas else None
        pdbs = kjson("-n", ns, "get", "pdb")["items"]
        self.pdb = pdbs[0] if pdbs else None
        self.progress_deadline = self.deployment["spec"].get("progressDeadlineSeconds", 600)
        self.container = self.deployment["spec"]["template"]["spec"]["containers"][0]["name"]

    @property
    def replicas_target(self):
        return self.hpa_min if self.hpa_min else self.deployment["spec"].get("replicas", 1)

    def refresh(self):
        self.deployment = kjson("-n", self.ns, "get", "deployment", self.name)
        return self.deployment

    def wait_available(self, timeout=300):
        """Until the Deployment has its target replicas, all updated and available."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            d = self.refresh()
            st, want = d.get("status", {}), self.replicas_target
            if (d["spec"].get("replicas") == want and st.get("availableReplicas") == want
                    and st.get("updatedReplicas") == want and st.get("replicas") == want
                    and st.get("observedGeneration") == d["metadata"]["generation"]):
                if not all("readinessProbe" in c for c in d["spec"]["template"]["spec"]["containers"]):
                    # no readinessProbe: Ready at once, serving after the modelled startup; start
                    # each scenario from a booted app
                    time.sleep(MODELLED_STARTUP + 0.5)
                return True
            time.sleep(0.5)
        raise RuntimeError(f"{self.ns}/{self.name} not available with {self.replicas_target} pods after {timeout}s: "
                           + k("-n", self.ns, "get", "pods,rs,deploy,hpa", "-o", "wide", check_rc=False).stdout)

    def pods(self):
        return [p for p in kjson("-n", self.ns, "get", "pods", "-l", self.selector)["items"]
                if not p["metadata"].get("deletionTimestamp")]

    def placement(self):
        nodes = {n["metadata"]["name"]: n["metadata"]["labels"].get("topology.kubernetes.io/zone", "?")
                 for n in kjson("get", "nodes")["items"]}
        where = {}
        for p in self.pods():
            node = p["spec"].get("nodeName") or "(pending)"
            where.setdefault(nodes.get(node, "-"), []).append(node)
        return ", ".join(f"{z}: {len(v)} ({' '.join(sorted(v))})" for z, v in sorted(where.items()))

    def set_image(self, tag):
        return k("-n", self.ns, "set", "image", f"deployment/{self.name}", f"{self.container}={IMAGE}:{tag}")

    def image(self):
        return self.refresh()["spec"]["template"]["spec"]["containers"][0]["image"]


def cleanup(ns):
    k("delete", "namespace", ns, "--wait=false", check_rc=False)
    k("-n", ns, "delete", "pods", "--all", "--force", "--grace-period=0", check_rc=False)


def wait_no_pods(timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not kjson("get", "pods", "-A")["items"]:
            return
        time.sleep(1)
    log("warning: pods of earlier scenarios still terminating")


def uncordon_all():
    for n in kjson("get", "nodes")["items"]:
        if n["spec"].get("unschedulable"):
            k("uncordon", n["metadata"]["name"])


def modelled_wrapper(bundle, work, startup):
    """A kustomization over the bundle that adds the modelled startup annotation to the pod
    template (and, with ZD_BREAK, breaks a bound on purpose)."""
    w = tempfile.mkdtemp(prefix="wrap-", dir=work)
    patches = [f"""- target: {{kind: Deployment}}
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: any}}
    spec: {{template: {{metadata: {{annotations: {{sim.zerodown.dev/startup: "{startup:g}s"}}}}}}}}"""]
    if BREAK == "max-unavailable":
        patches.append("""- target: {kind: Deployment}
  patch: |-
    [{"op": "replace", "path": "/spec/strategy/rollingUpdate/maxUnavailable", "value": 1}]""")
    components = ""
    if BREAK == "no-pdb":
        patches.append("""- target: {kind: PodDisruptionBudget}
  patch: |-
    $patch: delete
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: any}""")
    with open(os.path.join(w, "kustomization.yaml"), "w") as f:
        f.write(f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {os.path.relpath(bundle, w)}\n{components}patches:\n" + "\n".join(patches) + "\n")
    return w


def apply_bundle(path):
    stream = k("kustomize", path).stdout
    for ns in namespaces_of(stream):
        ensure_namespace(ns)
    return k("apply", "-f", "-", input=stream)


def spec_startup(bundle):
    m = re.search(r"(?m)^startupSeconds:\s*(\d+)", open(os.path.join(bundle, "zerodown.yaml")).read())
    return float(m.group(1)) if m else MODELLED_STARTUP


# ---------------------------------------------------------------------------------------------
# scenarios on one deployed app


def rollout(app, scenario="2 rollout (image change)"):
    app.wait_available()
    s = Sampler(app.ns, app.service)
    s.start()
    time.sleep(1)
    t = time.monotonic()
    app.set_image("1.0.1")
    p = k("-n", app.ns, "rollout", "status", f"deployment/{app.name}", f"--timeout={app.progress_deadline}s", check_rc=False)
    took = time.monotonic() - t
    settle()
    st = s.stop()
    d = app.refresh()
    cond = {c["type"]: c for c in d["status"].get("conditions", [])}
    done = p.returncode == 0 and cond.get("Progressing", {}).get("reason") == "NewReplicaSetAvailable"
    r = row(scenario, app.tool, st, app.replicas_target,
            note=f"rollout {took:.1f} s (progressDeadlineSeconds {app.progress_deadline}); rollout status rc {p.returncode}")
    if app.tool == "zerodown":
        check(st.minimum() is not None and st.minimum() >= app.hpa_min,
              f"rollout {app.ns}: Ready endpoints never below the HPA minimum {app.hpa_min} (min {st.minimum()}; {st.describe()})")
        check(done and took <= app.progress_deadline,
              f"rollout {app.ns}: completed in {took:.1f} s <= progressDeadlineSeconds {app.progress_deadline}, and `kubectl rollout status` agrees (rc {p.returncode}, {cond.get('Progressing', {}).get('reason')})")
    return r


def settle():
    """After the action: keep sampling until the newest Ready pod has passed the modelled startup,
    so the "Ready but not yet serving" seconds of pods without a readinessProbe are all counted."""
    time.sleep(MODELLED_STARTUP + 1)


def zone_counts(app):
    zones = {n["metadata"]["name"]: n["metadata"]["labels"].get("topology.kubernetes.io/zone", "?")
             for n in kjson("get", "nodes")["items"]}
    c = {z: 0 for z in set(zones.values())}
    for p in app.pods():
        if p["spec"].get("nodeName"):
            c[zones[p["spec"]["nodeName"]]] += 1
    return c


def zone_drain(app):
    """A whole zone drained (its node pool upgraded at once), uncordoned: the pods stay in the other
    zones; `kubectl rollout restart`, as the bundle README says, spreads them again."""
    app.wait_available()
    target = app.replicas_target
    zones = {n["metadata"]["name"]: n["metadata"]["labels"].get("topology.kubernetes.io/zone") for n in kjson("get", "nodes")["items"]}
    zone = zones[app.pods()[0]["spec"]["nodeName"]]
    nodes = sorted(n for n, z in zones.items() if z == zone)
    grace = app.deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    s = Sampler(app.ns, app.service)
    s.start()
    time.sleep(1)
    p = drain(nodes, max(180, 6 * grace), app.selector)
    out, _ = p.communicate()
    uncordon_all()
    app.wait_available()
    after_drain = zone_counts(app)
    r = k("-n", app.ns, "rollout", "restart", f"deployment/{app.name}", check_rc=False)
    rs = k("-n", app.ns, "rollout", "status", f"deployment/{app.name}", f"--timeout={app.progress_deadline}s", check_rc=False)
    app.wait_available()
    after_restart = zone_counts(app)
    settle()
    st = s.stop()
    fmt = lambda c: ", ".join(f"{z}: {n}" for z, n in sorted(c.items()))
    even = max(after_restart.values()) - min(after_restart.values()) <= 1
    row("3c drain a whole zone, uncordon, rollout restart", app.tool, st, target, drain=p.returncode == 0,
        note=f"drained {zone} ({' '.join(nodes)}); after the drain {fmt(after_drain)}; after rollout restart {fmt(after_restart)}")
    if app.tool == "zerodown":
        check(p.returncode == 0, f"zone drain {app.ns}: drain of {zone} completed")
        check(after_drain.get(zone, 0) == 0, f"zone drain {app.ns}: nothing moves pods back after the uncordon ({fmt(after_drain)})")
        check(r.returncode == 0 and rs.returncode == 0 and even,
              f"zone drain {app.ns}: rollout restart spreads the pods again, zone skew <= 1 ({fmt(after_restart)})")
        bound = target - 1
        check(st.minimum() is not None and st.minimum() >= bound,
              f"zone drain {app.ns}: Ready never below minReplicas - 1 = {bound} (min {st.minimum()}; {st.describe()})")


def drain(nodes, timeout, selector):
    # --pod-selector: the bad-release scenarios run at the same time on the same nodes; a drain
    # evicts only this scenario's pods (the node is cordoned as in any drain)
    return subprocess.Popen([KUBECTL, "--kubeconfig", KUBECONFIG, "drain", *nodes, "--ignore-daemonsets",
                             "--delete-emptydir-data", f"--pod-selector={selector}", f"--timeout={timeout}s"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def refused(out):
    return len(re.findall(r"would violate the pod's disruption budget|429|Too Many Requests", out))


def drains(app):
    app.wait_available()
    target = app.replicas_target
    bound = target - 1 if app.hpa_min else None
    grace = app.deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    timeout = max(180, 6 * grace)
    before = app.placement()
    holding = sorted({p["spec"]["nodeName"] for p in app.pods()})
    # one node after another (a node pool upgraded one node at a time)
    s = Sampler(app.ns, app.service)
    s.start()
    time.sleep(1)
    outs, rcs = [], []
    for n in holding:
        p = drain([n], timeout, app.selector)
        out, _ = p.communicate()
        outs.append(out)
        rcs.append(p.returncode)
    settle()
    st = s.stop()
    after_seq = app.placement()
    uncordon_all()
    app.wait_available()
    ok = all(rc == 0 for rc in rcs)
    row("3a drain each node holding a pod, one after another", app.tool, st, target, drain=ok,
        note=f"{len(holding)} drains; PDB refusals {sum(refused(o) for o in outs)}; before: {before}; after: {after_seq}")
    if app.tool == "zerodown":
        check(ok, f"drains {app.ns}: every sequential drain completed ({rcs})")
        check(st.minimum() is not None and st.minimum() >= bound,
              f"drains {app.ns}: Ready endpoints never below minReplicas - 1 = {bound} (min {st.minimum()}; {st.describe()})")
    # two nodes at once (a node pool upgraded two at a time): two kubectl drain at the same moment
    holding = sorted({p["spec"]["nodeName"] for p in app.pods()})
    two = holding[:2] if len(holding) >= 2 else holding + [n["metadata"]["name"] for n in kjson("get", "nodes")["items"] if n["metadata"]["name"] not in holding][:1]
    s = Sampler(app.ns, app.service)
    s.start()
    time.sleep(1)
    procs = [drain([n], timeout, app.selector) for n in two]
    res = [p.communicate()[0] for p in procs]
    rcs2 = [p.returncode for p in procs]
    settle()
    st2 = s.stop()
    n_refused = sum(refused(o) for o in res)
    after_two = app.placement()
    uncordon_all()
    ok2 = all(rc == 0 for rc in rcs2)
    row("3b drain two nodes at once", app.tool, st2, target, drain=ok2,
        note=f"nodes {' '.join(two)}; evictions refused by the PDB (HTTP 429): {n_refused}; after: {after_two}")
    if app.tool == "zerodown":
        check(ok2, f"drains {app.ns}: both parallel drains completed ({rcs2})")
        check(n_refused >= 1, f"drains {app.ns}: an eviction that would break the PDB was refused with 429 ({n_refused} refusals)")
        check(st2.minimum() is not None and st2.minimum() >= bound,
              f"drains {app.ns}: two at once, Ready never below minReplicas - 1 = {bound} (min {st2.minimum()}; {st2.describe()})")
    return after_seq, after_two


def rollout_undo(app):
    """The plain bundle's path: a broken image, rollout status fails at the progress deadline,
    kubectl rollout undo, the old image back."""
    app.wait_available()
    old = app.image()
    s = Sampler(app.ns, app.service)
    s.start()
    time.sleep(1)
    app.set_image("1.0.2-broken")
    t = time.monotonic()
    wait = app.progress_deadline + 60 if app.tool == "zerodown" else 60
    p = k("-n", app.ns, "rollout", "status", f"deployment/{app.name}", f"--timeout={wait}s", check_rc=False)
    failed_at = time.monotonic() - t
    u = k("-n", app.ns, "rollout", "undo", f"deployment/{app.name}", check_rc=False)
    p2 = k("-n", app.ns, "rollout", "status", f"deployment/{app.name}", f"--timeout={app.progress_deadline}s", check_rc=False)
    settle()
    st = s.stop()
    back = app.image() == old
    deadline_seen = "progress deadline" in (p.stdout + p.stderr)
    undone = p.returncode != 0 and u.returncode == 0 and p2.returncode == 0 and back
    row("4b bad release: kubectl rollout undo", app.tool, st, app.replicas_target, rollback=undone,
        note=f"rollout status failed after {failed_at:.0f} s ({'progress deadline exceeded' if deadline_seen else 'its --timeout'}; progressDeadlineSeconds {app.progress_deadline}); image back to {app.image().rsplit(':', 1)[-1]}")
    if app.tool == "zerodown":
        check(undone and deadline_seen, f"bad release {app.ns}: rollout status reported the progress deadline, rollout undo restored {old}")
        check(st.minimum() is not None and st.minimum() >= app.hpa_min,
              f"bad release {app.ns}: old pods kept serving, Ready never below {app.hpa_min} (min {st.minimum()}; {st.describe()})")


def helm_bad_release(bundle, chart, release, ns, tool, extra=()):
    """helm upgrade --install --rollback-on-failure, the command the chart's NOTES print: a good
    release, then one whose image never becomes Ready."""
    cmd = helm_command(bundle, chart, release, ns) + list(extra)
    log(f"helm: {' '.join(cmd)}")
    run(cmd + ["--set-string", "podAnnotations.sim\\.zerodown\\.dev/startup=%gs" % MODELLED_STARTUP])
    app = App(ns, tool)
    app.wait_available()
    old = app.image()
    s = Sampler(ns, app.service)
    s.start()
    time.sleep(1)
    t = time.monotonic()
    p = run(cmd + ["--set-string", "podAnnotations.sim\\.zerodown\\.dev/startup=%gs" % MODELLED_STARTUP,
                   "--set", "image.tag=1.0.2-broken"], check_rc=False)
    took = time.monotonic() - t
    app.wait_available(120)
    settle()
    st = s.stop()
    hist = json.loads(helm("history", release, "-n", ns, "-o", "json").stdout)
    last = hist[-1]
    rolled = p.returncode != 0 and "rollback" in (last.get("description", "").lower()) and last["status"] == "deployed" and app.image() == old
    row("4a bad release: helm --rollback-on-failure", tool, st, app.replicas_target, rollback=rolled,
        note=f"helm failed after {took:.0f} s; history: " + "; ".join(f"{h['revision']} {h['status']} ({h.get('description', '')[:40]})" for h in hist))
    if tool == "zerodown":
        check(rolled, f"helm bad release {ns}: upgrade failed, release rolled back, image {old} ({last.get('description')})")
        check(st.minimum() is not None and st.minimum() >= app.hpa_min,
              f"helm bad release {ns}: old pods kept serving, Ready never below {app.hpa_min} (min {st.minimum()}; {st.describe()})")
    return app


def helm_command(bundle, chart, release, ns):
    """The `helm upgrade --install` line of the bundle's README (the chart's NOTES print the same),
    with the chart path replaced; else a plain Helm 4 command."""
    readme = os.path.join(bundle, "README.md") if bundle else None
    if readme and os.path.exists(readme):
        for line in open(readme):
            line = line.strip()
            if line.startswith("helm upgrade --install") and "--rollback-on-failure" in line:
                args = line.split("#")[0].split()
                i = args.index("--install")
                return [HELM, "--kubeconfig", KUBECONFIG] + args[1:i + 2] + [chart] + args[i + 3:]
    return [HELM, "--kubeconfig", KUBECONFIG, "upgrade", "--install", release, chart, "-n", ns,
            "--create-namespace", "--rollback-on-failure", "--timeout", "300s"]


def hpa_owns_replicas(app, bundle_dir, apply_path):
    app.wait_available()
    k("-n", app.ns, "scale", f"deployment/{app.name}", "--replicas=5")
    time.sleep(1)
    apply_bundle(apply_path)
    r1 = app.refresh()["spec"].get("replicas")
    zd("render", "-f", os.path.join(bundle_dir, "zerodown.yaml"))
    apply_bundle(apply_path)
    time.sleep(6)  # one HPA sync (5 s here): it has no metrics, so it leaves 5 (within min..max) alone
    r2 = app.refresh()["spec"].get("replicas")
    row("6 HPA owns replicas (scale to 5, re-apply, render + apply)", app.tool, None, 5,
        note=f"replicas after re-apply {r1}, after zerodown render + apply {r2}")
    check(r1 == 5 and r2 == 5, f"HPA owns replicas {app.ns}: 5 after re-apply ({r1}) and after render + apply ({r2})")


def add_node(name, zone):
    k("apply", "-f", "-", input=f"""apiVersion: v1
kind: Node
metadata:
  name: {name}
  annotations: {{kwok.x-k8s.io/node: fake}}
  labels: {{type: kwok, kubernetes.io/hostname: {name}, kubernetes.io/os: linux, topology.kubernetes.io/zone: {zone}}}
status:
  allocatable: {{cpu: "16", memory: 64Gi, ephemeral-storage: 500Gi, pods: "110"}}
  capacity: {{cpu: "16", memory: 64Gi, ephemeral-storage: 500Gi, pods: "110"}}
""")
    end = time.monotonic() + 60
    while time.monotonic() < end:
        st = k("get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}", check_rc=False).stdout
        if st == "True":
            return
        time.sleep(0.5)
    raise RuntimeError(f"node {name} not Ready")


def resilient(work):
    """--cost resilient (required hostname anti-affinity): with as many schedulable nodes as pods
    the surge pod has nowhere to go and the rollout stalls, as the warning says; with the node
    count the warning names it completes."""
    b = new_bundle(os.path.join(work, "resilient"), "res", "proof-res", "--cost", "resilient")
    warn = " ".join(json.loads(zd("explain", "--format", "json", "-f", os.path.join(b, "zerodown.yaml")).stdout).get("warnings", []))
    m = re.search(r"(\d+)\s+(?:schedulable\s+)?nodes", warn)
    need = int(m.group(1)) if m else None
    check(need is not None, f"resilient: the warning names the node count it needs ({warn!r})")
    if need is None:
        return
    apply_bundle(modelled_wrapper(b, work, spec_startup(b)))
    app = App("proof-res", "zerodown")
    pods = app.hpa_min
    nodes = sorted(n["metadata"]["name"] for n in kjson("get", "nodes")["items"])
    keep = sorted(nodes, key=lambda n: (n[-1], n))[:pods]  # one node per zone first
    for n in nodes:
        if n not in keep:
            k("cordon", n)
    app.wait_available()
    s = Sampler(app.ns, app.service)
    s.start()
    time.sleep(1)
    app.set_image("1.0.1")
    stall = max(30.0, 3 * (spec_startup(b) + 5))
    time.sleep(stall)
    d = app.refresh()
    pending = [p for p in kjson("-n", app.ns, "get", "pods", "-l", app.selector)["items"] if p["status"].get("phase") == "Pending"]
    events = k("-n", app.ns, "get", "events", "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}", check_rc=False).stdout
    ready_old = d["status"].get("availableReplicas")
    stalled = len(pending) == 1 and "anti-affinity" in events and ready_old == pods
    check(stalled, f"resilient, {pods} pods on {pods} schedulable nodes (< {need}): the rollout stalls, the surge pod Pending on anti-affinity ({len(pending)} Pending; {events[:140]!r}), {ready_old} old pods available")
    # the node count the warning names: uncordon, and add nodes if the cluster has fewer
    uncordon_all()
    extra = []
    for i in range(need - len(nodes)):
        extra.append(f"node-extra{i + 1}")
        add_node(extra[-1], "zone-" + "abc"[i % 3])
    p = k("-n", app.ns, "rollout", "status", f"deployment/{app.name}", f"--timeout={app.progress_deadline}s", check_rc=False)
    settle()
    st = s.stop()
    check(p.returncode == 0, f"resilient with {need} schedulable nodes: the rollout completes (rollout status rc {p.returncode})")
    check(st.minimum() is not None and st.minimum() >= app.hpa_min,
          f"resilient: Ready never below {app.hpa_min}, stalled or not (min {st.minimum()}; {st.describe()})")
    row(f"5 --cost resilient: {pods} nodes, then {need}", "zerodown", st, app.replicas_target,
        note=("stalled" if stalled else "did NOT stall") + f" for {stall:.0f} s with {pods} schedulable nodes; completed with {need}: {p.returncode == 0}")
    cleanup(app.ns)
    for n in extra:
        k("delete", "node", n, "--wait=false", check_rc=False)


def fix_unblocks(work):
    """check --fix on field case FC-13 (3 replicas, required one-per-node anti-affinity, the
    default 25%/25% strategy), applied over the running Deployment with 3 schedulable nodes:
    - the original's rollout stalls with the surge pod Pending, as
      required-anti-affinity-blocks-rollout says;
    - the preferred anti-affinity of --choose ...=preferred stalls too: the running pods keep
      their required terms, and the scheduler honours them against every new pod;
    - the default fix (maxSurge 0, maxUnavailable 1, one pod per node kept) rolls out, over the
      stalled rollout, and a later release rolls out too."""
    ns = "proof-fix"
    ensure_namespace(ns)
    original = os.path.join(REPO, "tests", "fixtures", "field-cases", "FC-13.yaml")
    with open(original) as f:
        text = f.read()
    nodes = sorted(n["metadata"]["name"] for n in kjson("get", "nodes")["items"])
    keep = sorted(nodes, key=lambda n: (n[-1], n))[:3]
    for n in nodes:
        if n not in keep:
            k("cordon", n)

    def stalled(what):
        time.sleep(12)
        pending = [p for p in kjson("-n", ns, "get", "pods", "-l", "app.kubernetes.io/name=app")["items"] if p["status"].get("phase") == "Pending"]
        events = k("-n", ns, "get", "events", "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}", check_rc=False).stdout
        k("-n", ns, "delete", "events", "--field-selector", "reason=FailedScheduling", check_rc=False)
        log(f"fix: {what}: {len(pending)} Pending; {events[-160:]!r}")
        return len(pending) >= 1 and "anti-affinity" in events

    def fixed_by(*choose):
        p = zd("check", "--fix", original, *choose, check_rc=False)
        check(p.returncode in (0, 1) and "[required-anti-affinity-blocks-rollout]" in p.stderr,
              f"fix: check --fix {' '.join(choose)} fixes FC-13 (rc {p.returncode}; {p.stderr[:160]!r})")
        return p.stdout

    # kwok removes a deleted pod when its grace period ends; 5 s instead of the default 30 s keeps
    # the one-pod-at-a-time rollouts short (the anti-affinity deadlock does not depend on it).
    quick = ("    spec:\n      affinity:", "    spec:\n      terminationGracePeriodSeconds: 5\n      affinity:")

    def apply(text, tag):
        text = text.replace(*quick).replace("registry.example.com/app:1.4.2", f"registry.example.com/app:{tag}")
        check("terminationGracePeriodSeconds: 5" in text, "fix: the scenario's 5 s grace period is in the applied manifest")
        k("-n", ns, "apply", "-f", "-", input=text)

    try:
        apply(text, "1.4.2")
        ok = k("-n", ns, "rollout", "status", "deployment/app", "--timeout=120s", check_rc=False)
        check(ok.returncode == 0, f"fix: FC-13 as written starts 3 pods on 3 nodes (rc {ok.returncode})")
        k("-n", ns, "set", "image", "deployment/app", "app=registry.example.com/app:1.4.3")
        s0 = stalled("FC-13, image change")
        check(s0, "fix: FC-13's own rollout on 3 nodes stalls, the surge pod Pending on anti-affinity")
        preferred = fixed_by("--choose", "required-anti-affinity-blocks-rollout=preferred")
        apply(preferred, "1.4.4")
        s1 = stalled("the preferred fix applied over the running pods")
        check(s1, "fix: the preferred anti-affinity fix, applied over pods that still carry the required terms, stalls too (why --fix keeps one pod per node by default and prints how to apply the preferred one)")
        default = fixed_by()
        with open(os.path.join(work, "FC-13.fixed-by-zerodown.yaml"), "w") as f:
            f.write(default)
        apply(default, "1.4.5")
        done = k("-n", ns, "rollout", "status", "deployment/app", "--timeout=120s", check_rc=False)
        check(done.returncode == 0, f"fix: the default fix (maxSurge 0, maxUnavailable 1) rolls out over the stalled rollout on the same 3 nodes (rc {done.returncode}: {done.stdout.strip()[-120:]!r})")
        apply(default, "1.4.6")
        again = k("-n", ns, "rollout", "status", "deployment/app", "--timeout=120s", check_rc=False)
        check(again.returncode == 0, f"fix: and the next release rolls out too (rc {again.returncode})")
        placed = {p["spec"].get("nodeName") for p in kjson("-n", ns, "get", "pods", "-l", "app.kubernetes.io/name=app")["items"]}
        check(len(placed) == 3, f"fix: still one pod per node ({sorted(placed)})")
        pdb = kjson("-n", ns, "get", "pdb", "app")
        check(pdb["status"].get("expectedPods") == 3, f"fix: the PodDisruptionBudget --fix added covers the 3 pods (expectedPods {pdb['status'].get('expectedPods')})")
        row("8 check --fix on FC-13: 3 nodes", "zerodown check --fix", None, 3,
            note=f"original stalled: {s0}; preferred fix stalled: {s1}; default fix rolled out: {done.returncode == 0}, next release: {again.returncode == 0}")
    finally:
        uncordon_all()
        cleanup(ns)


# ---------------------------------------------------------------------------------------------
# the tools people use instead


def naive_kubectl(work, ns, folder="naive-kubectl", name="web"):
    d = os.path.join(work, folder)
    os.makedirs(d, exist_ok=True)
    dep = k("create", "deployment", name, f"--image={IMAGE}:1.0.0", "--port=8080", "-n", ns, "--dry-run=client", "-o", "yaml").stdout
    with open(os.path.join(d, "deployment.yaml"), "w") as f:
        f.write(dep)
    svc = k("expose", "-f", os.path.join(d, "deployment.yaml"), "--port=80", "--target-port=8080", "-n", ns, "--dry-run=client", "-o", "yaml").stdout
    with open(os.path.join(d, "service.yaml"), "w") as f:
        f.write(svc)
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("resources:\n  - deployment.yaml\n  - service.yaml\n")
    return d


def naive_helm_chart(work, folder="naive-helm"):
    d = os.path.join(work, folder)
    os.makedirs(d, exist_ok=True)
    run([HELM, "create", os.path.join(d, "web")])
    return os.path.join(d, "web")


def bad_release_plain(work):
    # a name of its own: drains select pods by label in every namespace
    b = new_bundle(os.path.join(work, "undo"), "svc-undo", "proof-undo", "--preset", "generic")
    apply_bundle(modelled_wrapper(b, work, spec_startup(b)))
    rollout_undo(App("proof-undo", "zerodown"))
    cleanup("proof-undo")


def bad_release_helm(work):
    b = new_bundle(os.path.join(work, "helm"), "svc-helm", "proof-helm", "--preset", "generic", "--helm")
    helm_bad_release(b, os.path.join(b, "chart"), "svc-helm", "proof-helm", "zerodown")
    cleanup("proof-helm")


def naive_bad_releases(work):
    nk = naive_kubectl(work, "naive-undo", "naive-kubectl-undo", "web-undo")
    apply_bundle(modelled_wrapper(nk, work, MODELLED_STARTUP))
    rollout_undo(App("naive-undo", "kubectl create deployment + expose"))
    cleanup("naive-undo")
    chart = naive_helm_chart(work, "naive-helm-bad")
    helm_bad_release(None, chart, "web-bad", "naive-helm-bad", "helm create chart",
                     extra=["--set", f"image.repository={IMAGE}", "--timeout", "120s"])
    cleanup("naive-helm-bad")


def naive_live(work):
    nk = naive_kubectl(work, "naive-kubectl")
    wrapper = modelled_wrapper(nk, work, MODELLED_STARTUP)
    apply_bundle(wrapper)
    app = App("naive-kubectl", "kubectl create deployment + expose")
    rollout(app)
    drains(app)
    k("-n", app.ns, "scale", f"deployment/{app.name}", "--replicas=3")
    apply_bundle(wrapper)
    row("6 replicas after scale to 3 and re-apply", app.tool, None, 3,
        note=f"replicas reset to {app.refresh()['spec'].get('replicas')} by the re-apply (spec.replicas in the manifest)")
    cleanup(app.ns)
    chart = naive_helm_chart(work)
    cmd = [HELM, "--kubeconfig", KUBECONFIG, "upgrade", "--install", "web", chart, "-n", "naive-helm", "--create-namespace",
           "--rollback-on-failure", "--timeout", "300s", "--set", f"image.repository={IMAGE}", "--set", "image.tag=1.0.0",
           "--set-string", "podAnnotations.sim\\.zerodown\\.dev/startup=%gs" % MODELLED_STARTUP]
    run(cmd)
    app = App("naive-helm", "helm create chart")
    rollout(app)
    drains(app)
    cleanup(app.ns)


def naive_check(work):
    """zerodown check agrees with what the cluster measured on the naive bundles."""
    nk = os.path.join(work, "naive-kubectl")
    chart = os.path.join(work, "naive-helm", "web")
    for label, findings in (
            ("kubectl create deployment + expose", check_flags(nk)),
            ("helm create chart (helm template)", check_flags(helm("template", "web", chart, "-n", "naive-helm", "--set", f"image.repository={IMAGE}", "--set", "image.tag=1.0.0").stdout, True))):
        ROWS.append({"scenario": "7 zerodown check on the naive bundle", "tool": label, "target": None, "min_ready": None, "min_serving": None,
                     "below": None, "zero_ready": None, "zero_serving": None, "drain": None, "rollback": None,
                     "note": ", ".join(findings), "sampling": ""})
        check_agrees(label, findings)


def check_flags(path_or_stream, is_stream=False):
    args = [ZD, "check", "--format", "json", "--fail-on", "info"]
    p = run(args + (["-"] if is_stream else [path_or_stream]), input=path_or_stream if is_stream else None, check_rc=False)
    try:
        return sorted({f["rule"] for f in json.loads(p.stdout).get("findings", [])})
    except json.JSONDecodeError:
        return [f"(check failed: {p.stderr.strip()[:200]})"]


# ---------------------------------------------------------------------------------------------


def write_proof(out, started, only):
    def fmt(v, f="{:.1f}"):
        if v is None:
            return "-"
        if isinstance(v, bool):
            return "yes" if v else "NO"
        if isinstance(v, float):
            return f.format(v)
        return str(v)

    lines = [
        "# Proof on a real control plane",
        "",
        f"Generated by `cluster/scenarios.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} against the control plane of",
        "`cluster/up.sh` (etcd, kube-apiserver, kube-controller-manager, kube-scheduler "
        + version_line() + ", kwok fake nodes in 3 zones). kwok runs no containers and no probes: readiness",
        f"is imitated by `cluster/stages.yaml` (a pod with a readinessProbe is Ready after the modelled startup, {MODELLED_STARTUP:g} s",
        "here; one without is Ready at once). **min serving** and **s at zero (serving)** are *modelled*: a pod",
        f"without a readinessProbe counts as serving only {MODELLED_STARTUP:g} s after it became Ready (the app still boots).",
        f"Ready endpoints sampled from the Service's EndpointSlices every {SAMPLE_SECONDS * 1000:.0f} ms. Run took {time.monotonic() - started:.0f} s"
        + (f" (scenarios: {','.join(sorted(only))})" if only else "") + ".",
        "",
        "| scenario | tool | target | min Ready | min serving (modelled) | s below target | s at zero Ready | s at zero serving (modelled) | drain completed | rollback done | notes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in sorted(ROWS, key=lambda r: (r["scenario"][:1], r["tool"] != "zerodown", r["tool"], r["scenario"])):
        lines.append("| " + " | ".join([
            r["scenario"], r["tool"], fmt(r["target"]), fmt(r["min_ready"]), fmt(r["min_serving"]),
            fmt(r["below"]), fmt(r["zero_ready"]), fmt(r["zero_serving"]), fmt(r["drain"]), fmt(r["rollback"]),
            r["note"].replace("|", "\\|")]) + " |")
    lines += ["", f"Assertions on zerodown's bundles: {len(FAILURES)} failed." + ("" if not FAILURES else " Failed:")]
    lines += [f"- {f}" for f in FAILURES]
    if NOTES:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in sorted(set(NOTES))]
    text = "\n".join(lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    print(text)


def version_line():
    try:
        v = json.loads(k("version", "-o", "json").stdout)["serverVersion"]["gitVersion"]
        return v
    except Exception:
        return "?"


def main():
    global ZD, API
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zerodown", default=os.environ.get("ZD") or shutil.which("zerodown") or os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "zerodown"))
    ap.add_argument("--only", default="")
    ap.add_argument("--out", default=os.path.join(HERE, "PROOF.md"))
    a = ap.parse_args()
    ZD = a.zerodown
    only = {s for s in a.only.split(",") if s}
    want = lambda s: not only or s in only
    if not os.path.exists(KUBECONFIG):
        sys.exit(f"no control plane: {KUBECONFIG} missing (cluster/setup.sh && cluster/up.sh)")
    API = Api()
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="zerodown-proof-")
    log(f"zerodown {ZD}, kubectl {KUBECTL}, helm {HELM}, work dir {work}" + (f", ZD_BREAK={BREAK}" if BREAK else ""))
    background = []

    def later(fn, *args):
        def go():
            try:
                fn(*args)
            except Exception as e:
                FAILURES.append(f"scenario error in {fn.__name__}: {e}")
                log(f"ERROR {fn.__name__}: {e}")
        th = threading.Thread(target=go, daemon=True)
        th.start()
        background.append(th)

    try:
        if want("validate"):
            scenario_validate(work)
        # the app of the live scenarios: the generic preset at its defaults (startupSeconds 5)
        b = new_bundle(os.path.join(work, "ours"), APP, f"proof-{APP}", "--preset", "generic", "--helm")
        if want("bad-release"):
            # bad releases wait for progressDeadlineSeconds (300 s): in their own namespaces, beside the rest
            later(bad_release_plain, work)
            later(bad_release_helm, work)
        if want("naive") and want("bad-release"):
            later(naive_bad_releases, work)
        if want("rollout") or want("drain") or want("hpa"):
            wrapper = modelled_wrapper(b, work, spec_startup(b))
            apply_bundle(wrapper)
            ours = App(f"proof-{APP}", "zerodown")
            if want("rollout"):
                rollout(ours)
            if want("drain"):
                drains(ours)
                zone_drain(ours)
            if want("hpa"):
                hpa_owns_replicas(ours, b, wrapper)
            cleanup(f"proof-{APP}")
        if want("naive"):
            naive_live(work)
        if want("resilient"):
            resilient(work)
        if want("fix"):
            fix_unblocks(work)
        for th in background:
            th.join()
        if want("naive"):
            naive_check(work)
    except Exception as e:  # report what ran, then fail
        FAILURES.append(f"scenario error: {e}")
        log(f"ERROR {e}")
    finally:
        uncordon_all_quiet()
        write_proof(a.out, started, only)
    sys.exit(1 if FAILURES else 0)


#: what the cluster measured on a naive bundle -> the check rules that must flag it
EXPECTED_FLAGS = {
    "drain to zero Ready (1 replica, no PDB)": ("replicas", "pdb"),
    "Ready before serving (no readinessProbe)": ("readiness",),
}


def check_agrees(label, findings):
    joined = " ".join(findings)
    for downtime, words in EXPECTED_FLAGS.items():
        if "helm create" in label and "readiness" in words:
            continue  # helm create's chart has a readinessProbe: no modelled not-serving time
        hit = [f for f in findings if any(w in f for w in words)]
        check(bool(hit), f"zerodown check flags the measured downtime '{downtime}' of {label}: {', '.join(hit) or 'NOTHING'} (all: {joined})")


def uncordon_all_quiet():
    try:
        uncordon_all()
    except Exception:
        pass


if __name__ == "__main__":
    main()
