#!/usr/bin/env bash
# Scan benchmark: torchward scan vs picklescan and modelscan on the same >= 1,000-file corpus,
# best wall time of RUNS runs each (interleaved, so load changes hit every tool alike), plus the
# "scan time does not grow with tensor bytes" pair. The load average is printed beside the
# numbers: on a shared machine, compare runs made under similar load.
# Usage: bench/scan/run.sh [WORKDIR]   (default /tmp/torchward-bench-scan)
# Env: TORCH_PYTHON  a python with torch+numpy to build the corpus (default /work/venv-torch/bin/python)
#      BENCH_VENV    bench-only virtualenv for the peers (default bench/.venv, created if missing)
#      TORCHWARD     torchward binary to time (default: cargo build --release, then
#                    ${CARGO_TARGET_DIR:-target}/release/torchward)
#      RUNS          runs of torchward and picklescan (default 5; the best is reported)
#      MODELSCAN_RUNS runs of modelscan (default 1: one run takes about a minute)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/torchward-bench-scan}
torch_py=${TORCH_PYTHON:-/work/venv-torch/bin/python}
venv=${BENCH_VENV:-$root/bench/.venv}
runs=${RUNS:-5}
ms_runs=${MODELSCAN_RUNS:-1}

if [ ! -x "$venv/bin/picklescan" ] || [ ! -x "$venv/bin/modelscan" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q picklescan modelscan numpy
fi
if [ ! -d "$work/corpus" ]; then
  mkdir -p "$work"
  "$torch_py" "$here/make_corpus.py" "$work"
fi
if [ -n "${TORCHWARD:-}" ]; then
  tw=$TORCHWARD
else
  (cd "$root" && cargo build --release -q -p torchward)
  target=${CARGO_TARGET_DIR:-$root/target}
  case "$target" in /*) ;; *) target="$root/$target" ;; esac
  tw="$target/release/torchward"
fi

files=$(find "$work/corpus" -type f | wc -l)
bytes=$(du -sb "$work/corpus" | cut -f1)
echo "corpus: $files files, $bytes bytes; best of $runs runs ($ms_runs for modelscan)"
now() { date +%s.%N; }
# elapsed CMD...: wall seconds of one run (output discarded, exit status ignored).
elapsed() {
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1 || true
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

echo "load before: $(cat /proc/loadavg)"
tw_s=""; ps_s=""; ms_s=""
for i in $(seq "$runs"); do
  tw_s=$(min "$tw_s" "$(elapsed "$tw" scan "$work/corpus" --format json --exit-zero)")
  ps_s=$(min "$ps_s" "$(elapsed "$venv/bin/picklescan" -p "$work/corpus")")
  if [ "$i" -le "$ms_runs" ]; then
    ms_s=$(min "$ms_s" "$(elapsed "$venv/bin/modelscan" -p "$work/corpus")")
  fi
done
echo "load after:  $(cat /proc/loadavg)"
printf 'torchward scan : %8.3f s\n' "$tw_s"
printf 'picklescan     : %8.3f s  (torchward is %.1fx faster)\n' "$ps_s" "$(echo "$ps_s / $tw_s" | bc -l)"
printf 'modelscan      : %8.3f s  (torchward is %.1fx faster)\n' "$ms_s" "$(echo "$ms_s / $tw_s" | bc -l)"

for f in same-keys-2MB.pt same-keys-big.pt; do
  size=$(stat -c %s "$work/$f")
  best=""
  for _ in $(seq "$runs"); do
    best=$(min "$best" "$(elapsed "$tw" scan "$work/$f" --format json --exit-zero)")
  done
  printf 'scan %-18s %12d bytes: %.4f s\n' "$f" "$size" "$best"
done
