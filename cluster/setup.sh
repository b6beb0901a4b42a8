#!/usr/bin/env bash
# Builds a real Kubernetes control plane from the Go module proxy, pinned, cached under
# $ZERODOWN_CLUSTER (default $HOME/.cache/zerodown-cluster):
#   bin/etcd                      go.etcd.io/etcd/server/v3   (built from a scratch module: etcd's
#                                 own go.mod has replace directives, so `go install` refuses it)
#   bin/kube-apiserver, bin/kube-controller-manager, bin/kube-scheduler
#                                 k8s.io/kubernetes, built from a scratch module that requires it and
#                                 replaces each staging module it requires (at v0.0.0) with
#                                 k8s.io/<name> v0.<minor>.<patch>; version stamped with -X so
#                                 kubectl can parse the server version
#   bin/kwok                      sigs.k8s.io/kwok/cmd/kwok
#   crds/gateway-api/*.yaml, crds/keda/*.yaml
#                                 the CRDs of Gateway API and KEDA, read from their Go module zips
#                                 (`go mod download -json`), for API validation of bundles using them
# Idempotent: every step leaves a stamp (stamps/<step>-<version>) and is skipped when it is there.
# Logs: logs/setup-<step>.log. kubectl and helm come from .ci/install-tools.sh
# ($HOME/.cache/zerodown-tools). Usage: cluster/setup.sh [--jobs N]
set -euo pipefail

ETCD_VERSION=v3.6.16
K8S_VERSION=v1.37.2
KWOK_VERSION=v0.8.0
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.3.0}"
KEDA_VERSION="${KEDA_VERSION:-v2.17.2}"

ROOT="${ZERODOWN_CLUSTER:-$HOME/.cache/zerodown-cluster}"
export GOPATH="$ROOT/go" GOMODCACHE="$ROOT/go/pkg/mod" GOCACHE="$ROOT/go-build"
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false" CGO_ENABLED=0
BIN="$ROOT/bin" LOGS="$ROOT/logs" STAMPS="$ROOT/stamps" SRC="$ROOT/src"
mkdir -p "$BIN" "$LOGS" "$STAMPS" "$SRC" "$ROOT/crds"
command -v go >/dev/null || { echo "go not found: install Go 1.25 or newer" >&2; exit 2; }

t0=$(date +%s)
# step NAME VERSION FUNCTION: runs FUNCTION once per version, output in logs/setup-NAME.log
step() {
  local name=$1 version=$2 fn=$3 stamp="$STAMPS/$1-$2" log="$LOGS/setup-$1.log" s
  if [ -e "$stamp" ]; then echo "$name $version: cached"; return 0; fi
  s=$(date +%s)
  echo "$name $version: building (log: $log)"
  if ! "$fn" >"$log" 2>&1; then
    echo "$name $version: FAILED after $(( $(date +%s) - s ))s; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  echo "$name $version: done in $(( $(date +%s) - s ))s" | tee -a "$LOGS/setup-times.log"
  touch "$stamp"
}

build_etcd() {
  local d="$SRC/etcd-$ETCD_VERSION"
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init zerodown.local/etcd
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go build -mod=mod -trimpath -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  "$BIN/etcd" --version
}

build_k8s() {
  local d="$SRC/kubernetes-$K8S_VERSION" gomod minor patch pkg ver
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  IFS=. read -r _ minor patch <<<"${K8S_VERSION#v}"
  ver="v0.$minor.$patch"
  {
    echo "module zerodown.local/kubernetes"
    echo
    echo "go $(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    # the staging modules k8s.io/kubernetes requires at v0.0.0 (and replaces with ./staging/...):
    # each becomes its published release. Staging modules it does not require (sample-cli-plugin,
    # sample-controller have no release) are left alone.
    python3 - "$gomod" "$ver" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
staged = set(re.findall(r'^\s*(k8s\.io/[\w.-]+)\s*=>\s*\./staging/', text, re.M))
required = set(re.findall(r'^\s*(k8s\.io/[\w.-]+)\s+v0\.0\.0\b', text, re.M))
for m in sorted(staged & required):
    print(f"replace {m} => {m} {sys.argv[2]}")
PY
  } >go.mod
  cat go.mod
  local pkgs=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
  go mod download -x k8s.io/kubernetes 2>&1 | tail -n 3
  local ld="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitTreeState=clean -X $p.gitCommit=0000000000000000000000000000000000000000"
    ld="$ld -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  go build -mod=mod -trimpath -ldflags "-s -w $ld" -o "$BIN/" "${pkgs[@]}"
  for pkg in kube-apiserver kube-controller-manager kube-scheduler; do "$BIN/$pkg" --version; done
}

build_kwok() {
  local d="$SRC/kwok-$KWOK_VERSION"
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init zerodown.local/kwok
  go get "sigs.k8s.io/kwok@$KWOK_VERSION"
  go build -mod=mod -trimpath -ldflags "-s -w" -o "$BIN/kwok" sigs.k8s.io/kwok/cmd/kwok
  "$BIN/kwok" --version
}

# crds MODULE VERSION SUBDIR DEST: the CRD YAMLs shipped in a Go module's zip
crds_from_module() {
  local dir
  dir=$(go mod download -json "$1@$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$ROOT/crds/$4"; mkdir -p "$ROOT/crds/$4"
  cp "$dir/$3"/*.yaml "$ROOT/crds/$4/"
  ls -l "$ROOT/crds/$4"
}
crds_gateway() { crds_from_module sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" config/crd/standard gateway-api; }
crds_keda() { crds_from_module github.com/kedacore/keda/v2 "$KEDA_VERSION" config/crd/bases keda; }

# the CRDs are optional: a bundle kind without its CRD is skipped by the scenarios with a note
( step crds-gateway-api "$GATEWAY_API_VERSION" crds_gateway ) || echo "note: no Gateway API CRDs; HTTPRoute objects will be skipped"
( step crds-keda "$KEDA_VERSION" crds_keda ) || echo "note: no KEDA CRDs; ScaledObject objects will be skipped"
step etcd "$ETCD_VERSION" build_etcd
step kwok "$KWOK_VERSION" build_kwok
step kubernetes "$K8S_VERSION" build_k8s
echo "control plane binaries in $BIN ($(du -sh "$BIN" | cut -f1)), setup took $(( $(date +%s) - t0 ))s"
