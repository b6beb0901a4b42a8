#!/usr/bin/env bash
# Usage: ZD=path/to/zerodown .ci/validate-charts.sh SPEC_OR_BUNDLE_DIR...
# Checks the Helm chart of each zerodown spec (a zerodown.yaml, or a bundle folder holding one) with
# the pinned Helm 4 from .ci/install-tools.sh
# (${ZERODOWN_HELM:-${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}/bin/helm}):
#   1. zerodown render --helm-only: the chart alone, into a scratch folder
#   2. helm lint --strict (at the spec's kubeVersion)
#   3. helm template NAME chart --namespace NS: the same objects as `zerodown render -o -` once the
#      labels Helm adds are normalised (helm.sh/chart dropped, app.kubernetes.io/managed-by); with
#      --set namespace.create=true where the bundle has namespace.yaml (the chart's default is off)
#   4. zerodown check --fail-on info on the rendered objects
#   5. .ci/validate-bundle.sh on the rendered objects (strict schemas and the public checkers)
# One "[chart] PASS|FAIL DIR step" line per step; exit 0 if all clean, 1 otherwise, 2 on setup error.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}"
HELM="${ZERODOWN_HELM:-$TOOLS/bin/helm}"
ZD="${ZD:-$(command -v zerodown || true)}"
PYTHON="${ZERODOWN_PYTHON:-python3}"

if [ $# -lt 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2
fi
[ -x "$HELM" ] || { echo "validate-charts: no helm at $HELM; run .ci/install-tools.sh" >&2; exit 2; }
[ -n "$ZD" ] && [ -x "$ZD" ] || { echo "validate-charts: set ZD to the zerodown binary" >&2; exit 2; }
case "$("$HELM" version --short)" in
  v4.*) ;;
  *) echo "validate-charts: $HELM is not Helm 4 ($("$HELM" version --short))" >&2; exit 2 ;;
esac
export NO_COLOR=1 HELM_CACHE_HOME HELM_CONFIG_HOME HELM_DATA_HOME
WORK="$(mktemp -d "${TMPDIR:-/tmp}/zerodown-charts.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
HELM_CACHE_HOME="$WORK/helm" HELM_CONFIG_HOME="$WORK/helm" HELM_DATA_HOME="$WORK/helm"

# Objects of two YAML streams by kind/name, equal after normalising the labels Helm adds.
cat >"$WORK/same_objects.py" <<'PY'
import json, sys
import yaml  # PyYAML: installed in the tools venv with checkov
def docs(path, managed_by):
    out = {}
    for d in yaml.safe_load_all(open(path)):
        if not d:
            continue
        for labels in (d.get("metadata", {}).get("labels"),
                       d.get("spec", {}).get("template", {}).get("metadata", {}).get("labels")):
            if labels is None:
                continue
            labels.pop("helm.sh/chart", None)
            got = labels.get("app.kubernetes.io/managed-by")
            if got != managed_by:
                sys.exit(f"{d['kind']}/{d['metadata']['name']}: managed-by {got!r}, want {managed_by!r}")
            labels["app.kubernetes.io/managed-by"] = "<tool>"
        out[f"{d['kind']}/{d['metadata']['name']}"] = d
    return out
helm, plain = docs(sys.argv[1], "Helm"), docs(sys.argv[2], "zerodown")
if sorted(helm) != sorted(plain):
    sys.exit(f"objects differ: helm {sorted(helm)} vs plain {sorted(plain)}")
bad = [k for k in helm if helm[k] != plain[k]]
for k in bad:
    print(f"{k} differs:\n  helm:  {json.dumps(helm[k], sort_keys=True)}\n  plain: {json.dumps(plain[k], sort_keys=True)}")
sys.exit(1 if bad else 0)
PY
PY_YAML="$TOOLS/venv/bin/python"   # has PyYAML (checkov depends on it)
[ -x "$PY_YAML" ] || PY_YAML="$PYTHON"

FAILED=0
result() { # STATUS DIR STEP [DETAILS]
  printf '[chart] %s %s %s\n' "$1" "$2" "$3"
  if [ "$1" = FAIL ]; then FAILED=1; [ -z "${4:-}" ] || sed 's/^/    /' <<<"$4"; fi
}
field() { sed -n "s/^$1: *//p" "$2" | head -1 | tr -d "'\""; }

rendered=()
i=0
for dir in "$@"; do
  i=$((i + 1))
  if [ -f "$dir" ]; then spec="$dir"; else spec="$dir/zerodown.yaml"; fi
  if [ ! -f "$spec" ]; then result FAIL "$dir" "(no zerodown.yaml)"; continue; fi
  name="$(field name "$spec")" ns="$(field namespace "$spec")" kv="$(field kubeVersion "$spec")"
  chart="$WORK/$i/$name" out="$WORK/rendered/$i-$name"
  mkdir -p "$out"
  if ! msg="$("$ZD" render -f "$spec" --helm-only -o "$chart" 2>&1)"; then
    result FAIL "$dir" "zerodown render --helm-only" "$msg"; continue
  fi
  if msg="$("$HELM" lint --strict "$chart" --namespace "$ns" --kube-version "$kv.0" 2>&1)" \
     && ! grep -qE '^\[(WARNING|ERROR)\]' <<<"$msg"; then
    result PASS "$dir" "helm lint --strict (k8s $kv)"
  else
    result FAIL "$dir" "helm lint --strict (k8s $kv)" "$msg"
  fi
  "$ZD" render -f "$spec" -o - >"$WORK/$i/plain.yaml" 2>/dev/null
  # The chart does not own its namespace by default (namespace.create=false); where the plain
  # bundle has namespace.yaml, the chart must render the same Namespace once asked to.
  ns_flag=()
  if grep -q '^kind: Namespace$' "$WORK/$i/plain.yaml"; then ns_flag=(--set namespace.create=true); fi
  if ! msg="$("$HELM" template "$name" "$chart" --namespace "$ns" --kube-version "$kv.0" "${ns_flag[@]}" 2>&1 >"$out/manifests.yaml")"; then
    result FAIL "$dir" "helm template" "$msg"; continue
  fi
  if msg="$("$PY_YAML" "$WORK/same_objects.py" "$out/manifests.yaml" "$WORK/$i/plain.yaml" 2>&1)"; then
    result PASS "$dir" "helm template = zerodown render -o - (labels normalised)"
  else
    result FAIL "$dir" "helm template = zerodown render -o -" "$msg"
  fi
  if msg="$("$ZD" check --fail-on info "$out/manifests.yaml" 2>&1)"; then
    result PASS "$dir" "zerodown check"
  else
    result FAIL "$dir" "zerodown check" "$msg"
  fi
  rendered+=("$out")
done

if [ ${#rendered[@]} -gt 0 ]; then
  bash "$HERE/validate-bundle.sh" "${rendered[@]}" || FAILED=1
fi
if [ "$FAILED" = 0 ]; then echo "validate-charts: all clean"; else echo "validate-charts: FAILED"; fi
exit "$FAILED"
