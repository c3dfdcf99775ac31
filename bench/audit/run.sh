#!/usr/bin/env bash
# Benchmarks of `torchward audit host` against Lynis and of `torchward audit perms` against
# `find -perm /027` (DESIGN.md §5: audit host under 100 ms; audit perms no slower than find).
# Rerunnable: builds torchward in release mode, installs Lynis if missing (apt-get), creates
# the 1,000,000-file tree once (kept; delete it with `rm -rf TREE`), warms the page and dentry
# caches with one untimed run of each tool, then reports medians and the ratios.
#
# Usage: bench/audit/run.sh [TREE_DIR] [DIRS] [FILES_PER_DIR]
#   defaults: $CARGO_TARGET_DIR/bench-audit-tree (or target/...), 1000, 1000
# Env: TORCHWARD=/path/to/release/torchward (skip the build), HOST_RUNS (default 20), LYNIS_RUNS (3), PERMS_RUNS (5), SKIP_LYNIS=1, SKIP_PERMS=1.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
tree="${1:-$target/bench-audit-tree}"
dirs="${2:-1000}"
files="${3:-1000}"
host_runs="${HOST_RUNS:-20}"
lynis_runs="${LYNIS_RUNS:-3}"
perms_runs="${PERMS_RUNS:-5}"

echo "== machine: $(uname -srm), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
if [ -n "${TORCHWARD:-}" ]; then
    tw="$TORCHWARD"     # a release binary built elsewhere
else
    (cd "$repo" && cargo build --release -p torchward --quiet)
    tw="$target/release/torchward"
fi
echo "== torchward: $("$tw" --version)"

results="$(mktemp)"
trap 'rm -f "$results"' EXIT

echo
echo "== 1. audit host vs Lynis"
python3 "$here/timeit.py" "$host_runs" "torchward audit host" -- "$tw" audit host --exit-zero | tee -a "$results"
python3 "$here/timeit.py" "$host_runs" "torchward audit host --all-processes --format json" -- \
    "$tw" audit host --all-processes --format json --exit-zero | tee -a "$results"
if [ "${SKIP_LYNIS:-0}" != 1 ]; then
    if ! command -v lynis >/dev/null; then
        apt-get install -y lynis >/dev/null
    fi
    echo "lynis: $(lynis --version)"
    work="$(mktemp -d)"
    # One targeted test (ASLR and the other sysctls) and the test pair closest to torchward's
    # umask and core-dump checks; --quick never waits for a key press.
    python3 "$here/timeit.py" "$lynis_runs" "lynis --tests KRNL-6000" -- \
        lynis audit system --tests KRNL-6000 --quick --no-colors --logfile "$work/l.log" --report-file "$work/r.dat" | tee -a "$results"
    python3 "$here/timeit.py" "$lynis_runs" "lynis --tests KRNL-5820 AUTH-9328" -- \
        lynis audit system --tests "KRNL-5820 AUTH-9328" --quick --no-colors --logfile "$work/l.log" --report-file "$work/r.dat" | tee -a "$results"
    rm -rf "$work"
fi

if [ "${SKIP_PERMS:-0}" != 1 ]; then
    echo
    echo "== 2. audit perms vs find -perm /027 on $tree ($dirs x $files files)"
    python3 "$here/make_tree.py" "$tree" "$dirs" "$files"
    echo "warming caches"
    find "$tree" -perm /027 > /dev/null
    "$tw" audit perms "$tree" --format json --exit-zero > /dev/null
    echo "find reports $(find "$tree" -perm /027 | wc -l) paths; torchward reports $("$tw" audit perms "$tree" --format json --exit-zero | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))') findings"
    python3 "$here/timeit.py" "$perms_runs" "find -perm /027" -- find "$tree" -perm /027 | tee -a "$results"
    python3 "$here/timeit.py" "$perms_runs" "torchward audit perms" -- "$tw" audit perms "$tree" --format json --exit-zero | tee -a "$results"
fi

echo
echo "== summary"
python3 - "$results" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        _, label, ms = line.split()
        r[label] = float(ms)
host = r.get("torchward_audit_host")
if host is not None:
    print("audit host: %.1f ms (budget 100 ms): %s" % (host, "met" if host < 100 else "MISSED"))
    for key in ("lynis_--tests_KRNL-6000", "lynis_--tests_KRNL-5820_AUTH-9328"):
        if key in r:
            print("  %s: %.0f ms = %.0fx torchward" % (key.replace("_", " "), r[key], r[key] / host))
f, t = r.get("find_-perm_/027"), r.get("torchward_audit_perms")
if f and t:
    print("audit perms: %.0f ms vs find %.0f ms: ratio torchward/find = %.2f (budget <= 1.00): %s" % (t, f, t / f, "met" if t <= f else "MISSED"))
PY
