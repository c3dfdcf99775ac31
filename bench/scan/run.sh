#!/usr/bin/env bash
# Scan benchmark: torchward scan vs picklescan and modelscan on the same >= 1,000-file corpus,
# one run each, plus the "scan time does not grow with tensor bytes" pair.
# Usage: bench/scan/run.sh [WORKDIR]   (default /tmp/torchward-bench-scan)
# Env: TORCH_PYTHON  a python with torch+numpy to build the corpus (default /work/venv-torch/bin/python)
#      BENCH_VENV    bench-only virtualenv for the peers (default bench/.venv, created if missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/torchward-bench-scan}
torch_py=${TORCH_PYTHON:-/work/venv-torch/bin/python}
venv=${BENCH_VENV:-$root/bench/.venv}

if [ ! -x "$venv/bin/picklescan" ] || [ ! -x "$venv/bin/modelscan" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q picklescan modelscan numpy
fi
if [ ! -d "$work/corpus" ]; then
  mkdir -p "$work"
  "$torch_py" "$here/make_corpus.py" "$work"
fi
(cd "$root" && cargo build --release -q)
tw="$root/target/release/torchward"

files=$(find "$work/corpus" -type f | wc -l)
bytes=$(du -sb "$work/corpus" | cut -f1)
echo "corpus: $files files, $bytes bytes"
now() { date +%s.%N; }
t0=$(now); "$tw" scan "$work/corpus" --format json --exit-zero >/dev/null; t1=$(now)
tw_s=$(echo "$t1 - $t0" | bc -l)
t0=$(now); "$venv/bin/picklescan" -p "$work/corpus" >/dev/null 2>&1 || true; t1=$(now)
ps_s=$(echo "$t1 - $t0" | bc -l)
t0=$(now); "$venv/bin/modelscan" -p "$work/corpus" >/dev/null 2>&1 || true; t1=$(now)
ms_s=$(echo "$t1 - $t0" | bc -l)
printf 'torchward scan : %8.3f s\n' "$tw_s"
printf 'picklescan     : %8.3f s  (torchward is %.1fx faster)\n' "$ps_s" "$(echo "$ps_s / $tw_s" | bc -l)"
printf 'modelscan      : %8.3f s  (torchward is %.1fx faster)\n' "$ms_s" "$(echo "$ms_s / $tw_s" | bc -l)"

for f in same-keys-2MB.pt same-keys-big.pt; do
  size=$(stat -c %s "$work/$f")
  t0=$(now); "$tw" scan "$work/$f" --format json --exit-zero >/dev/null; t1=$(now)
  printf 'scan %-18s %12d bytes: %.4f s\n' "$f" "$size" "$(echo "$t1 - $t0" | bc -l)"
done
