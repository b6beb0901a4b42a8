#!/usr/bin/env bash
# Usage: .ci/validate-bundle.sh DIR [DIR...]
# Validates rendered zerodown bundles with the pinned tools from .ci/install-tools.sh
# (${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}). Each DIR is one bundle: every *.yaml under it
# except zerodown.yaml and kustomization.yaml (not Kubernetes objects) is checked, and the tools that
# look across objects (Service->Pod, PDB, HPA, NetworkPolicy) see that bundle alone.
#   1. kubernetes-validate --strict for Kubernetes 1.33.0 and 1.37.0 (unknown fields = error;
#      an unknown kind/apiVersion, which the CLI only WARNs about, counts as an error too);
#      custom resources of a CRD listed in CRDS below (KEDA ScaledObject, Gateway API HTTPRoute) are validated instead
#      against that CRD's published schema, strictly, by .ci/crd-validate.py
#   2. kube-score score --output-format ci (fails on any CRITICAL or WARNING)
#   3. kube-linter lint (default checks)
#   4. polaris audit --audit-path (fails on any danger or warning)
#   5. checkov --framework kubernetes (offline)
#   6. yamllint --strict -c .ci/yamllint.yaml
# One "[tool] PASS|FAIL|SKIP DIR ..." line per tool and bundle, findings indented below it.
# Exit 0 if everything is clean, 1 on any finding or tool error, 2 on usage/setup error.
# Exemptions belong on the objects (annotations: kube-score/ignore, ignore-check.kube-linter.io/<check>,
# polaris.fairwinds.com/<check>-exempt, checkov.io/skipN), never on these command lines.
# A tool missing from the install is FAIL, unless named in ZERODOWN_TOOLS_OPTIONAL (then SKIP).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}"
VENV="$ROOT/venv/bin" BIN="$ROOT/bin"
OPTIONAL=" ${ZERODOWN_TOOLS_OPTIONAL:-} "
KUBE_VERSIONS=(1.33.0 1.37.0)
KUBE_SCORE_VERSION=v1.33   # oldest supported cluster (kube-score defaults to v1.18)
# Custom resources a bundle may hold: "API_GROUP KIND GO_MODULE@VERSION CRD_PATH_IN_MODULE".
# The CRD comes from the project's Go module (go mod download, into the tools cache).
CRDS=(
  "keda.sh ScaledObject github.com/kedacore/keda/v2@v2.21.0 config/crd/bases/keda.sh_scaledobjects.yaml"
  # v1.6.3: v1.7.0 needs Go 1.27 to download
  "gateway.networking.k8s.io HTTPRoute sigs.k8s.io/gateway-api@v1.6.3 config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"
)
CRD_KINDS=(); for c in "${CRDS[@]}"; do read -r g k _ _ <<<"$c"; CRD_KINDS+=("$g:$k"); done

if [ $# -lt 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2
fi
for t in "$VENV/kubernetes-validate" "$VENV/checkov" "$VENV/yamllint" "$VENV/python"; do
  [ -x "$t" ] || { echo "validate-bundle: $t missing; run .ci/install-tools.sh" >&2; exit 2; }
done
export NO_COLOR=1 TERM=dumb
unset KUBECONFIG

WORK="$(mktemp -d "${TMPDIR:-/tmp}/zerodown-validate.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# polaris JSON report -> one line per failed danger/warning result; exit 1 if any
cat >"$WORK/polaris_report.py" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"no JSON report: {e}"); sys.exit(2)
bad = []
def scan(results, where):
    for cid, r in (results or {}).items():
        if not r.get("Success") and r.get("Severity") in ("danger", "warning"):
            bad.append(f"{r['Severity']:<7} {r.get('ID') or cid}  {where}: {r.get('Message', '')}")
for res in data.get("Results") or []:
    obj = f"{res.get('Kind')}/{res.get('Name')}"
    scan(res.get("Results"), obj)
    pod = res.get("PodResult") or {}
    scan(pod.get("Results"), obj)
    for c in pod.get("ContainerResults") or []:
        scan(c.get("Results"), f"{obj} container {c.get('Name')}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
# split_crds.py FILE GROUP:KIND... -> moves each document of a listed custom resource kind out of
# FILE (a staged copy) into FILE.<n>.yaml, text untouched, and prints those paths; FILE keeps the
# other documents (and is removed when none are left). A `helm template` stream mixes both.
cat >"$WORK/split_crds.py" <<'PY'
import re, sys
path, kinds = sys.argv[1], [k.split(":", 1) for k in sys.argv[2:]]
text = open(path).read()
docs = re.split(r"(?m)^---[ \t]*\n", text)
def is_crd(d):
    return any(re.search(rf"(?m)^apiVersion: {re.escape(g)}/", d) and re.search(rf"(?m)^kind: {re.escape(k)}[ \t]*$", d)
               for g, k in kinds)
crds = [d for d in docs if is_crd(d)]
if not crds:
    sys.exit(0)
rest = [d for d in docs if not is_crd(d) and d.strip()]
for i, d in enumerate(crds, 1):
    out = f"{path[:-5]}.{i}.yaml"
    open(out, "w").write(d)
    print(out)
if rest:
    open(path, "w").write("---\n".join(d.rstrip("\n") + "\n" for d in rest))
else:
    import os; os.remove(path); print(f"REMOVED {path}")
PY
FAILED=0

indent() { sed 's/^/    /'; }
result() { # TOOL STATUS DIR INFO
  printf '[%s] %s %s%s\n' "$1" "$2" "$3" "${4:+ $4}"
  [ "$2" != FAIL ] || FAILED=1
}
missing() { # TOOL DIR -> returns 0 (and reports) when the binary is absent
  [ -x "$BIN/$1" ] && return 1
  case "$OPTIONAL" in
    *" $1 "*) result "$1" SKIP "$2" "(not installed; optional via ZERODOWN_TOOLS_OPTIONAL)" ;;
    *) result "$1" FAIL "$2" "(not installed in $BIN; run .ci/install-tools.sh)" ;;
  esac
  return 0
}

validate_dir() {
  local dir="$1" stage out rc files=() f rel n
  stage="$WORK/$2"; mkdir -p "$stage"
  # Stage the Kubernetes objects only: checkov, kube-linter and polaris walk whole directories
  # (kube-linter would even run kustomize on a kustomization.yaml).
  while IFS= read -r -d '' f; do
    rel="${f#"$dir"/}"
    mkdir -p "$stage/$(dirname "$rel")"
    cp "$f" "$stage/$rel"
    local keep=1 line
    while IFS= read -r line; do
      case "$line" in
        "REMOVED "*) keep="" ;;
        *) files+=("$line") ;;
      esac
    done < <("$VENV/python" "$WORK/split_crds.py" "$stage/$rel" "${CRD_KINDS[@]}")
    [ -z "$keep" ] || files+=("$stage/$rel")
  done < <(find "$dir" -type f -name '*.yaml' ! -name zerodown.yaml ! -name kustomization.yaml -print0 | sort -z)
  if [ ${#files[@]} -eq 0 ]; then
    result bundle FAIL "$dir" "(no *.yaml objects found)"; return
  fi
  echo "== $dir: ${#files[@]} file(s)"
  cd "$stage"
  local rels=("${files[@]#"$stage"/}")

  # 1. strict schemas. --quiet prints only WARN/ERROR lines; any such line is a failure.
  #    Documents of a listed custom resource were split into files of their own when staged;
  #    they go to crd-validate.py instead.
  local builtin=() crd group kind module path crd_files
  for f in "${rels[@]}"; do
    crd=""
    for c in "${CRDS[@]}"; do
      read -r group kind _ _ <<<"$c"
      if grep -qE "^apiVersion: ${group//./\\.}/" "$f" && grep -qE "^kind: $kind\$" "$f"; then crd=1; fi
    done
    [ -n "$crd" ] || builtin+=("$f")
  done
  for c in "${CRDS[@]}"; do
    read -r group kind module path <<<"$c"
    crd_files=()
    for f in "${rels[@]}"; do
      if grep -qE "^apiVersion: ${group//./\\.}/" "$f" && grep -qE "^kind: $kind\$" "$f"; then crd_files+=("$f"); fi
    done
    [ ${#crd_files[@]} -gt 0 ] || continue
    rc=0; out="$(ZERODOWN_TOOLS="$ROOT" "$VENV/python" "$HERE/crd-validate.py" "$module" "$path" "${crd_files[@]}" 2>&1)" || rc=$?
    if [ "$rc" = 0 ]; then
      result crd-validate PASS "$dir" "$kind strict ($module)"
    else
      result crd-validate FAIL "$dir" "$kind strict ($module, exit $rc)"; indent <<<"$out"
    fi
  done
  for v in "${KUBE_VERSIONS[@]}"; do
    [ ${#builtin[@]} -gt 0 ] || break
    rc=0; out="$("$VENV/kubernetes-validate" --strict --quiet -k "$v" "${builtin[@]}" 2>&1)" || rc=$?
    if [ "$rc" = 0 ] && ! grep -qE '^(WARN|ERROR|CRITICAL)' <<<"$out"; then
      result kubernetes-validate PASS "$dir" "k8s=$v strict"
    else
      result kubernetes-validate FAIL "$dir" "k8s=$v strict (exit $rc)"; indent <<<"$out"
    fi
  done

  # 2. kube-score: exit 1 on CRITICAL by default, on WARNING only with --exit-one-on-warning.
  #    The ci format also prints [OK] and [SKIPPED] (= ignored by annotation / not applicable) lines.
  if ! missing kube-score "$dir"; then
    rc=0; out="$("$BIN/kube-score" score --output-format ci --kubernetes-version "$KUBE_SCORE_VERSION" \
                 --exit-one-on-warning "${rels[@]}" 2>&1)" || rc=$?
    n="$(grep -cE '^\[(CRITICAL|WARNING)\]' <<<"$out" || true)"
    if [ "$rc" = 0 ] && [ "$n" = 0 ]; then
      result kube-score PASS "$dir" "k8s=$KUBE_SCORE_VERSION"
    else
      result kube-score FAIL "$dir" "k8s=$KUBE_SCORE_VERSION findings=$n (exit $rc)"
      { grep -vE '^\[(OK|SKIPPED)\]' <<<"$out" || true; } | indent
    fi
  fi

  # 3. kube-linter: exit 1 on any lint error; --fail-if-no-objects-found catches unparsable input.
  if ! missing kube-linter "$dir"; then
    rc=0; out="$("$BIN/kube-linter" lint --with-color=false --fail-if-no-objects-found "${rels[@]}" 2>&1)" || rc=$?
    if [ "$rc" = 0 ]; then
      result kube-linter PASS "$dir" "default checks"
    else
      result kube-linter FAIL "$dir" "default checks (exit $rc)"
      { grep -vE '^(KubeLinter v|$)' <<<"$out" || true; } | indent
    fi
  fi

  # 4. polaris: JSON report; any failed result of severity danger or warning fails
  #    (--set-exit-code-on-danger only covers danger, hence the parse).
  if ! missing polaris "$dir"; then
    rc=0
    "$BIN/polaris" audit --audit-path "$stage" --format json --only-show-failed-tests \
      --set-exit-code-on-danger >"$WORK/polaris.json" 2>"$WORK/polaris.err" || rc=$?
    n=0; out="$("$VENV/python" "$WORK/polaris_report.py" "$WORK/polaris.json" 2>&1)" || n=$?
    if [ "$n" = 0 ] && [ "$rc" = 0 ]; then
      result polaris PASS "$dir"
    else
      result polaris FAIL "$dir" "(exit $rc)"
      { [ -z "$out" ] || echo "$out"; grep -iE 'error|fatal' "$WORK/polaris.err" || true; } | indent
    fi
  fi

  # 5. checkov: exit 1 on any failed check; --skip-download = no platform/API calls.
  rc=0; out="$("$VENV/checkov" -d "$stage" --framework kubernetes --skip-download --quiet --compact 2>&1)" || rc=$?
  if [ "$rc" = 0 ]; then
    result checkov PASS "$dir" "$(grep -oE 'Passed checks: [0-9]+' <<<"$out" | head -1)"
  else
    result checkov FAIL "$dir" "(exit $rc)"
    { grep -vE '^(kubernetes scan results:|\s*$)' <<<"$out" || true; } | indent
  fi

  # 6. yamllint --strict: warnings fail too.
  rc=0; out="$("$VENV/yamllint" --strict -f parsable -c "$HERE/yamllint.yaml" "${rels[@]}" 2>&1)" || rc=$?
  if [ "$rc" = 0 ]; then
    result yamllint PASS "$dir"
  else
    result yamllint FAIL "$dir" "(exit $rc)"; indent <<<"$out"
  fi
  cd - >/dev/null
}

i=0
for d in "$@"; do
  i=$((i + 1))
  if [ ! -d "$d" ]; then result bundle FAIL "$d" "(not a directory)"; continue; fi
  validate_dir "$(cd "$d" && pwd)" "$i"
done
if [ "$FAILED" = 0 ]; then echo "validate-bundle: all clean"; else echo "validate-bundle: FAILED"; fi
exit "$FAILED"
