#!/usr/bin/env bash
# `zerodown check` on 100,000 documents in one stream (the corpus of benches/check.rs: 25,000
# Deployment + Service + PDB + HPA sets over 5,000 namespaces, one file on stdin): wall time and
# peak RSS of the release binary with GNU time, RUNS times on all cores, then once on one core
# (RAYON_NUM_THREADS=1), whose report must be byte-identical. Regenerates the README's
# "100,000 documents" figures.
#
#   bash scripts/bench-check-scale.sh          # DOCS=100000 RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
DOCS="${DOCS:-100000}"
RUNS="${RUNS:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
[ -x /usr/bin/time ] || { echo "bench-check-scale: GNU time is needed (apt-get install time)" >&2; exit 2; }

cargo build --release --locked -q
ZERODOWN_CHECK_CORPUS="$WORK/corpus.yaml" ZERODOWN_CHECK_CORPUS_DOCS="$DOCS" \
  cargo bench -q --locked --bench check
ZD="$CARGO_TARGET_DIR/release/zerodown"
echo "corpus: $(grep -c '^kind:' "$WORK/corpus.yaml") documents, $(du -m "$WORK/corpus.yaml" | cut -f1) MB; $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # LABEL OUT [ENV...]
  local label="$1" out="$2"
  shift 2
  # Exit 1 (findings) is expected.
  env "$@" /usr/bin/time -f '%e %M' -o "$WORK/time" "$ZD" check --format json - <"$WORK/corpus.yaml" >"$out" || [ $? -eq 1 ]
  # GNU time puts "Command exited with non-zero status 1" first when there are findings
  read -r secs kib < <(tail -n 1 "$WORK/time")
  echo "$label: ${secs} s, peak RSS $((kib / 1024)) MB"
}
for i in $(seq 1 "$RUNS"); do
  run "run $i (all cores)" "$WORK/report.json"
done
run "one core (RAYON_NUM_THREADS=1)" "$WORK/report-1.json" RAYON_NUM_THREADS=1
cmp -s "$WORK/report.json" "$WORK/report-1.json" && echo "reports: byte-identical ($(wc -c <"$WORK/report.json") bytes)" \
  || { echo "reports differ between all cores and one core" >&2; exit 1; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
