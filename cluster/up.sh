#!/usr/bin/env bash
# Starts the local control plane built by cluster/setup.sh, every process bound to 127.0.0.1:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake nodes driven by
# cluster/stages.yaml), then registers fake nodes in 3 zones and waits until all is healthy.
# State lives in $ZERODOWN_CLUSTER/run (wiped on every up: each run starts from an empty etcd):
#   run/pids/NAME.pid   the PID of each process it started (cluster/down.sh stops exactly those)
#   run/logs/NAME.log   one log per process
#   run/kubeconfig      admin kubeconfig (client certificate in group system:masters)
# Usage: cluster/up.sh [NODES_PER_ZONE]   (default 3: 9 nodes in zones a, b, c)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${ZERODOWN_CLUSTER:-$HOME/.cache/zerodown-cluster}"
BIN="$ROOT/bin" RUN="$ROOT/run"
NODES_PER_ZONE="${1:-3}"
# ports (all on 127.0.0.1); override when they clash with something on the machine
ETCD_PORT="${ZD_ETCD_PORT:-23790}" ETCD_PEER_PORT="${ZD_ETCD_PEER_PORT:-23800}"
API_PORT="${ZD_API_PORT:-16443}" KCM_PORT="${ZD_KCM_PORT:-20257}" SCHED_PORT="${ZD_SCHED_PORT:-20259}"
KWOK_PORT="${ZD_KWOK_PORT:-20247}"
KUBECTL="${KUBECTL:-$HOME/.cache/zerodown-tools/venv/bin/kubectl}"
command -v "$KUBECTL" >/dev/null 2>&1 || KUBECTL=kubectl

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$BIN/$b" ] || { echo "$BIN/$b missing: run cluster/setup.sh first" >&2; exit 2; }
done
if [ -d "$RUN/pids" ] && ls "$RUN/pids"/*.pid >/dev/null 2>&1; then
  echo "a control plane from $RUN seems to be running: cluster/down.sh first" >&2; exit 2
fi
t0=$(date +%s%N)
rm -rf "$RUN"; mkdir -p "$RUN/pids" "$RUN/logs" "$RUN/pki" "$RUN/etcd"
PKI="$RUN/pki"

# --- certificates: one CA; serving cert for the API server; client certs per component
ossl() { openssl "$@" >>"$RUN/logs/pki.log" 2>&1; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 2 -subj "/CN=zerodown-local-ca"
cert() { # name CN O [SANs]
  local name=$1 cn=$2 o=$3 san=${4:-}
  ossl req -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -out "$PKI/$name.csr" -subj "/CN=$cn${o:+/O=$o}"
  if [ -n "$san" ]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >"$PKI/$name.ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' >"$PKI/$name.ext"
  fi
  ossl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -out "$PKI/$name.crt" -days 2 -extfile "$PKI/$name.ext"
}
cert apiserver kube-apiserver "" "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
cert admin zerodown-admin system:masters
cert kcm system:kube-controller-manager ""
cert scheduler system:kube-scheduler ""
cert kwok zerodown-kwok system:masters
ossl genrsa -out "$PKI/sa.key" 2048
ossl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"

kubeconfig() { # file cert
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: zerodown-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: zerodown-local
  context: {cluster: zerodown-local, user: $2}
current-context: zerodown-local
KC
}
kubeconfig "$RUN/kubeconfig" admin
kubeconfig "$RUN/kcm.kubeconfig" kcm
kubeconfig "$RUN/scheduler.kubeconfig" scheduler
kubeconfig "$RUN/kwok.kubeconfig" kwok

# start NAME BINARY ARGS...: background process, its own log, its PID recorded
start() {
  local name=$1; shift
  "$@" >"$RUN/logs/$name.log" 2>&1 &
  echo $! >"$RUN/pids/$name.pid"
}
# wait_for WHAT SECONDS COMMAND...: retry every 0.2 s
wait_for() {
  local what=$1 limit=$2 i=0; shift 2
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt $((limit * 5)) ]; then
      echo "$what not healthy after ${limit}s; its log:" >&2
      tail -n 30 "$RUN/logs/$what.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  echo "$what healthy ($(( ($(date +%s%N) - t0) / 1000000 )) ms since up started)"
}
alive() { kill -0 "$(cat "$RUN/pids/$1.pid")" 2>/dev/null; }
trap 'echo "up failed: stopping what it started" >&2; "$HERE/down.sh" >&2' ERR

start etcd "$BIN/etcd" --name zerodown --data-dir "$RUN/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "zerodown=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
  --quota-backend-bytes 2147483648 --unsafe-no-fsync --log-level warn
wait_for etcd 60 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# --endpoint-reconciler-type none: on a loopback address the default reconciler refuses to
# publish 127.0.0.1 as the kubernetes Service endpoint (nothing in this cluster needs it)
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --endpoint-reconciler-type none \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --authorization-mode Node,RBAC \
  --profiling=false --v=1
wait_for kube-apiserver 120 "$KUBECTL" --kubeconfig "$RUN/kubeconfig" get --raw /readyz

start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig "$RUN/kcm.kubeconfig" \
  --authentication-kubeconfig "$RUN/kcm.kubeconfig" --authorization-kubeconfig "$RUN/kcm.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
  --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --horizontal-pod-autoscaler-sync-period 5s \
  --node-monitor-grace-period 120s \
  --profiling=false --v=1
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig "$RUN/scheduler.kubeconfig" \
  --authentication-kubeconfig "$RUN/scheduler.kubeconfig" --authorization-kubeconfig "$RUN/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --profiling=false --v=1
# the bare kwok binary has no Stages of its own: they come with --config. kwok also renews a Lease
# per node (--node-lease-duration-seconds): with the heartbeat Stage alone, on this loaded machine
# with drains cordoning and uncordoning nodes, heartbeats came late enough for the node controller to
# mark nodes NotReady (NodeNotReady events), which marks their pods not Ready: 5 s dips of Ready
# endpoints in unrelated scenarios. --node-monitor-grace-period 120s (default 50s) adds margin; node
# failure is not what these scenarios test.
start kwok "$BIN/kwok" --kubeconfig "$RUN/kwok.kubeconfig" --config "$HERE/stages.yaml" \
  --manage-nodes-with-label-selector type=kwok --server-address "127.0.0.1:$KWOK_PORT" \
  --node-lease-duration-seconds 40 \
  --cidr 10.244.0.1/16 --node-ip 10.0.0.1
wait_for kube-controller-manager 90 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 90 curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz"
wait_for kwok 60 curl -fsS "http://127.0.0.1:$KWOK_PORT/healthz"

# --- fake nodes: NODES_PER_ZONE in each of zones a, b, c, with capacity for our pods (kwok's stock
# nodes have no ephemeral-storage, and every zerodown pod requests it)
nodes=$(for zone in a b c; do for i in $(seq 1 "$NODES_PER_ZONE"); do echo "node-$zone$i"; done; done)
for n in $nodes; do
    zone=${n#node-}; zone=${zone%%[0-9]*}
    cat <<NODE
---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: zone-$zone
    topology.kubernetes.io/region: local
status:
  allocatable: {cpu: "16", memory: 64Gi, ephemeral-storage: 500Gi, pods: "110"}
  capacity: {cpu: "16", memory: 64Gi, ephemeral-storage: 500Gi, pods: "110"}
NODE
done | "$KUBECTL" --kubeconfig "$RUN/kubeconfig" apply -f - >"$RUN/logs/nodes.log"
nodes_ready() {
  local n
  for n in $nodes; do
    [ "$("$KUBECTL" --kubeconfig "$RUN/kubeconfig" get node "$n" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] || return 1
  done
}
wait_for nodes 60 nodes_ready
# the default ServiceAccount of the default namespace appears when the controller-manager runs
wait_for serviceaccounts 60 "$KUBECTL" --kubeconfig "$RUN/kubeconfig" -n default get serviceaccount default
for p in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do alive "$p" || { echo "$p died" >&2; exit 1; }; done
trap - ERR
echo "control plane up in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(wc -w <<<"$nodes") nodes in 3 zones"
echo "export KUBECONFIG=$RUN/kubeconfig"
