#!/usr/bin/env bash
# Scan benchmark: torchward scan vs picklescan and modelscan on the same >= 1,000-file corpus,
# best wall time of RUNS runs each after a warm-up run (modelscan: MODELSCAN_RUNS), plus the
# "scan time does not grow with tensor bytes" pair. The load average is printed beside the
# numbers: on a shared machine, compare runs made under similar load.
# Usage: bench/scan/run.sh [WORKDIR]   (default /tmp/torchward-bench-scan)
# Env: TORCH_PYTHON  a python with torch+numpy to build the corpus (default /work/venv-torch/bin/python)
#      BENCH_VENV    bench-only virtualenv for the peers (default bench/.venv, created if missing)
#      TORCHWARD     torchward binary to time (default: cargo build --release, then
#                    ${CARGO_TARGET_DIR:-target}/release/torchward)
#      RUNS          timed runs of torchward and picklescan (default 5; the best is reported)
#      MODELSCAN_RUNS runs of modelscan (default 1, no warm-up: one run takes about a minute;
#                    0 skips it)
#      LARGE         also N bigger archives in the corpus (make_corpus.py --large; issue 14's
#                    mixed corpus is LARGE=140: ~1,140 files, ~240 MB; use its own WORKDIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/torchward-bench-scan}
torch_py=${TORCH_PYTHON:-/work/venv-torch/bin/python}
venv=${BENCH_VENV:-$root/bench/.venv}
runs=${RUNS:-5}
ms_runs=${MODELSCAN_RUNS:-1}
large=${LARGE:-0}

if [ ! -x "$venv/bin/picklescan" ] || [ ! -x "$venv/bin/modelscan" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q picklescan modelscan numpy
fi
if [ ! -d "$work/corpus" ]; then
  mkdir -p "$work"
  "$torch_py" "$here/make_corpus.py" "$work" --large "$large"
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

# best N CMD...: best wall seconds of N runs after one untimed warm-up run (the first run
# after a pause pays for cold caches and an idle CPU waking up).
best() {
  local n=$1 b=""
  shift
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$n"); do b=$(min "$b" "$(elapsed "$@")"); done
  echo "$b"
}

echo "load before: $(cat /proc/loadavg)"
tw_s=$(best "$runs" "$tw" scan "$work/corpus" --format json --exit-zero)
ps_s=$(best "$runs" "$venv/bin/picklescan" -p "$work/corpus")
echo "load after torchward and picklescan: $(cat /proc/loadavg)"
printf 'torchward scan : %8.3f s\n' "$tw_s"
printf 'picklescan     : %8.3f s  (torchward is %.1fx faster)\n' "$ps_s" "$(echo "$ps_s / $tw_s" | bc -l)"
if [ "$ms_runs" -gt 0 ]; then
  ms_s=""
  for _ in $(seq "$ms_runs"); do
    ms_s=$(min "$ms_s" "$(elapsed "$venv/bin/modelscan" -p "$work/corpus")")
  done
  printf 'modelscan      : %8.3f s  (torchward is %.1fx faster)\n' "$ms_s" "$(echo "$ms_s / $tw_s" | bc -l)"
fi

for f in same-keys-2MB.pt same-keys-big.pt; do
  size=$(stat -c %s "$work/$f")
  printf 'scan %-18s %12d bytes: %.4f s\n' "$f" "$size" \
    "$(best "$runs" "$tw" scan "$work/$f" --format json --exit-zero)"
done
