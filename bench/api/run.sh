#!/usr/bin/env bash
# torchward api vs griffe (static analysis, no import) on the same real package tree.
# Rerunnable: creates the bench-only virtualenv with griffe when missing, then prints the best
# wall time of RUNS runs of each tool, the ratio, the load average beside them, and, when perf
# can count them, the instructions each tool executed (a load-independent measure).
#
# Usage: bench/api/run.sh [PACKAGE_DIR]
#   PACKAGE_DIR defaults to the torch package of /work/venv-torch (2,500 .py files).
# Environment: VENV (default /work/bench-venv-api), TORCHWARD (default: release build),
#   RUNS (default 3), OUT (default bench/out/api).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
VENV=${VENV:-/work/bench-venv-api}
OUT=${OUT:-$repo/bench/out/api}
RUNS=${RUNS:-3}
TORCHWARD=${TORCHWARD:-}
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/griffe" ]; then
    echo "installing griffe into $VENV (bench only)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q griffe
fi

if [ -z "$TORCHWARD" ]; then
    (cd "$repo" && cargo build --release -q -p torchward)
    TORCHWARD="${CARGO_TARGET_DIR:-$repo/target}/release/torchward"
fi

package_dir=${1:-$(ls -d /work/venv-torch/lib/python3*/site-packages/torch | head -n 1)}
package_dir=$(cd "$package_dir" && pwd)
search_path=$(dirname "$package_dir")
package=$(basename "$package_dir")
files=$(find "$package_dir" -name '*.py' -o -name '*.pyi' | wc -l)
bytes=$(find "$package_dir" \( -name '*.py' -o -name '*.pyi' \) -print0 | du -cb --files0-from=- | tail -n 1 | cut -f1)
echo "package: $package_dir ($files .py/.pyi files, $bytes bytes)"
echo "torchward: $TORCHWARD"
echo "griffe: $("$VENV/bin/griffe" --version)"

now() { date +%s.%N; }

# Best of RUNS wall times of a command (stdout to a file; exit code 1 = findings is fine).
# The CPU time (user + sys, all threads) of the best run goes to $OUT/NAME.cpu.
best() {
    local name=$1; shift
    local best_time=""
    for _ in $(seq "$RUNS"); do
        local start end elapsed
        start=$(now)
        /usr/bin/time -f "%U %S" -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || [ $? -eq 1 ]
        end=$(now)
        elapsed=$(echo "$end - $start" | bc -l)
        if [ -z "$best_time" ] || [ "$(echo "$elapsed < $best_time" | bc -l)" = 1 ]; then
            best_time=$elapsed
            tail -n 1 "$OUT/$name.time" | awk '{ print $1 + $2 }' > "$OUT/$name.cpu"
        fi
    done
    echo "$best_time"
}

# torchward: the full interface (declarations and findings) as JSON.
tw=("$TORCHWARD" api "$package_dir" --format json)
# griffe: the same package from the same search path, static only (-X: no inspection of
# compiled modules), aliases resolved (-r) as torchward follows re-exports, JSON to stdout.
gr=("$VENV/bin/griffe" dump "$package" -s "$search_path" -X -r)

echo "load before: $(cat /proc/loadavg)"
tw_time=$(best torchward "${tw[@]}")
echo "load after torchward: $(cat /proc/loadavg)"
gr_time=$(best griffe "${gr[@]}")
echo "load after griffe: $(cat /proc/loadavg)"

declarations=$(grep -o '"rule": "TW650"' "$OUT/torchward.out" | wc -l)
printf 'torchward api: %.3f s (%s public declarations)\n' "$tw_time" "$declarations"
printf 'griffe dump:   %.3f s (%s bytes of JSON)\n' "$gr_time" "$(wc -c < "$OUT/griffe.out")"
printf 'ratio: torchward is %.1fx faster (wall, best of %s)\n' "$(echo "$gr_time / $tw_time" | bc -l)" "$RUNS"
tw_cpu=$(cat "$OUT/torchward.cpu")
gr_cpu=$(cat "$OUT/griffe.cpu")
printf 'CPU (user+sys, all threads): torchward %.2f s, griffe %.2f s: %.1fx less\n' "$tw_cpu" "$gr_cpu" "$(echo "$gr_cpu / $tw_cpu" | bc -l)"

# Instructions are independent of the other processes on a shared machine.
probe=$(perf stat -x, -e instructions:u true 2>&1 > /dev/null | cut -d, -f1 || true)
if [[ "$probe" =~ ^[0-9]+$ ]]; then
    count() { perf stat -x, -e instructions:u "$@" 2>&1 > /dev/null | grep instructions | cut -d, -f1; }
    tw_ins=$(count "${tw[@]}" || true)
    gr_ins=$(count "${gr[@]}" || true)
    if [ -n "$tw_ins" ] && [ -n "$gr_ins" ] && [ "$tw_ins" -gt 0 ] 2> /dev/null; then
        echo "instructions (user): torchward $tw_ins, griffe $gr_ins"
        printf 'ratio: %.1fx fewer instructions (all threads)\n' "$(echo "$gr_ins / $tw_ins" | bc -l)"
    fi
else
    echo "perf cannot count instructions here; wall times only"
fi
