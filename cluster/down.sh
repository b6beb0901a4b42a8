#!/usr/bin/env bash
# Stops the processes cluster/up.sh started, and only those: each PID in run/pids/, and only when
# that PID still runs a binary of this control plane (a reused PID is left alone). SIGTERM, then
# SIGKILL after 10 s. Keeps run/logs for reading.
set -uo pipefail
ROOT="${ZERODOWN_CLUSTER:-$HOME/.cache/zerodown-cluster}"
RUN="$ROOT/run"
[ -d "$RUN/pids" ] || { echo "nothing to stop ($RUN/pids absent)"; exit 0; }
# reverse start order: clients before the API server before etcd
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f="$RUN/pids/$name.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null && grep -qa "$ROOT/bin/$name" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$f"
done
