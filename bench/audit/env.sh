#!/usr/bin/env bash
# Benchmark of `torchward audit env` with no PATH (issue 15: under 200 ms on a host with ten
# environments of a few hundred packages each). Builds torchward in release mode (or takes
# TORCHWARD=/path/to/binary), generates the scratch root with bench/audit/make_envs.py (10
# environments x 300 packages, 300 processes, host files), warms the caches with one untimed
# run, then prints wall-clock and CPU-time medians: on the scratch root (--root) and on this
# machine's real root.
#
# Usage: bench/audit/env.sh [SCRATCH_ROOT] [ENVS] [PACKAGES]
#   defaults: $CARGO_TARGET_DIR/bench-audit-env (or target/...), 10, 300
# Env: TORCHWARD=/path/to/release/torchward (skip the build), RUNS (default 20).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
scratch="${1:-$target/bench-audit-env}"
envs="${2:-10}"
packages="${3:-300}"
runs="${RUNS:-20}"

echo "== machine: $(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
if [ -n "${TORCHWARD:-}" ]; then
    tw="$TORCHWARD"
else
    (cd "$repo" && cargo build --release -p torchward --quiet)
    tw="$target/release/torchward"
fi
echo "== torchward: $("$tw" --version)"
python3 "$here/make_envs.py" "$scratch" "$envs" "$packages"

"$tw" audit env --root "$scratch" --exit-zero --format json > /dev/null 2>&1 || true
"$tw" audit env --exit-zero > /dev/null 2>&1 || true
echo "== findings on the scratch root: $("$tw" audit env --root "$scratch" --format json --exit-zero 2>/dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r["findings"]), "findings,", r["stats"]["inputs"], "environments,", len(r["errors"]), "errors")')"
python3 "$here/timeit.py" "$runs" "torchward audit env --root SCRATCH ($envs envs x $packages packages)" -- \
    "$tw" audit env --root "$scratch" --exit-zero
python3 "$here/timeit.py" "$runs" "torchward audit env --root SCRATCH --format json" -- \
    "$tw" audit env --root "$scratch" --format json --exit-zero
python3 "$here/timeit.py" "$runs" "torchward audit env (this machine)" -- "$tw" audit env --exit-zero
python3 "$here/timeit.py" "$runs" "torchward audit host (with env, this machine)" -- "$tw" audit host --exit-zero
# CPU time (user + system): what the budget costs the machine, whatever else runs on it.
python3 "$here/cputime.py" "$runs" "torchward audit env --root SCRATCH" -- "$tw" audit env --root "$scratch" --exit-zero
python3 "$here/cputime.py" "$runs" "torchward audit env (this machine)" -- "$tw" audit env --exit-zero
python3 "$here/cputime.py" "$runs" "torchward audit host (with env, this machine)" -- "$tw" audit host --exit-zero
