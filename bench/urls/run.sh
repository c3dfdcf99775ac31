#!/usr/bin/env bash
# torchward urls vs scancode-toolkit (--url --email) and ripgrep (URL and e-mail regexes) on the
# same tree. Rerunnable: creates the bench-only virtualenv and the corpus when missing, then
# prints wall times, the ratios and how many of scancode's addresses in configuration files and
# scripts torchward also finds (bench/urls/compare.py).
#
# Usage: bench/urls/run.sh [TREE]
#   TREE defaults to a copy of the virtualenv's site-packages without scancode's 39k license
#   texts (about 7,400 files of real Python packages, configs and docs).
# Environment: VENV (default /work/bench-venv-urls), TORCHWARD (default: release build),
#   PROCESSES (scancode --processes, default 2), OUT (default bench/out/urls).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
VENV=${VENV:-/work/bench-venv-urls}
OUT=${OUT:-$repo/bench/out/urls}
PROCESSES=${PROCESSES:-2}
TORCHWARD=${TORCHWARD:-}
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/scancode" ]; then
    echo "installing scancode-toolkit into $VENV (bench only)" >&2
    python3 -m venv "$VENV"
    # pluggy 1.6+ no longer finds plugincode's class-based hook specs ("did not find any
    # 'pre_scan' hooks"): scancode-toolkit 32.5.0 needs pluggy < 1.6.
    "$VENV/bin/pip" install -q scancode-toolkit "pluggy<1.6"
fi

if [ -z "$TORCHWARD" ]; then
    (cd "$repo" && cargo build --release -q -p torchward)
    TORCHWARD="${CARGO_TARGET_DIR:-$repo/target}/release/torchward"
fi

tree=${1:-}
if [ -z "$tree" ]; then
    tree="$OUT/corpus"
    if [ ! -d "$tree" ]; then
        site=$(ls -d "$VENV"/lib/python3*/site-packages | head -n 1)
        mkdir -p "$tree"
        cp -r "$site"/. "$tree"/
        rm -rf "$tree/licensedcode"
        find "$tree" -name __pycache__ -type d -prune -exec rm -rf {} +
    fi
fi
files=$(find "$tree" -type f | wc -l)
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $tree ($files files, $bytes bytes)"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

# Warm the page cache so every tool reads from memory.
cat $(find "$tree" -type f) > /dev/null 2>&1 || true

best_tw=""
for run in 1 2 3; do
    t0=$(now)
    "$TORCHWARD" urls --all-files --no-ignore "$tree" --format json --exit-zero > "$OUT/torchward.json"
    t1=$(now)
    t=$(elapsed "$t0" "$t1")
    echo "torchward urls --all-files --no-ignore (run $run): ${t}s"
    if [ -z "$best_tw" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$t" "$best_tw"; then
        best_tw=$t
    fi
done
"$TORCHWARD" urls --no-ignore "$tree" --format json --exit-zero > "$OUT/torchward-configs.json"

best_rg=""
if command -v rg > /dev/null; then
    for run in 1 2 3; do
        t0=$(now)
        rg --no-ignore --hidden -o -n -a \
            -e '[A-Za-z][A-Za-z0-9+.-]*://[^[:space:]"'"'"'<>`]+' \
            -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' \
            "$tree" > "$OUT/rg.txt" || true
        t1=$(now)
        t=$(elapsed "$t0" "$t1")
        echo "rg URL+e-mail regex (run $run): ${t}s"
        if [ -z "$best_rg" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$t" "$best_rg"; then
            best_rg=$t
        fi
    done
else
    echo "rg not installed (apt-get install ripgrep): ripgrep comparison skipped"
fi

t0=$(now)
"$VENV/bin/scancode" --url --email --processes "$PROCESSES" --quiet --json "$OUT/scancode.json" "$tree"
t1=$(now)
sc=$(elapsed "$t0" "$t1")
echo "scancode --url --email --processes $PROCESSES: ${sc}s"

python3 - "$best_tw" "$sc" "$best_rg" <<'PY'
import sys
tw, sc, rg = (float(x) if x else None for x in sys.argv[1:4])
print(f"speed-up over scancode: {sc / tw:.1f}x (torchward {tw:.2f}s, scancode {sc:.2f}s)")
if rg:
    print(f"torchward / ripgrep: {tw / rg:.2f}x (ripgrep {rg:.2f}s)")
PY
python3 "$here/compare.py" "$OUT/scancode.json" "$OUT/torchward-configs.json" "$OUT/torchward.json" "$tree"
