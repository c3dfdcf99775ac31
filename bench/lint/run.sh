#!/usr/bin/env bash
# Lint benchmark: `torchward lint` vs bandit (and ruff for reference) on the same large Python
# tree, TorchFix on a subtree (it runs at under 1k lines/s), then the fixture comparison
# (compare_fixtures.py: true and false positives of each tool on fixtures/lint).
# Usage: bench/lint/run.sh [TREE]
#   TREE            default /work/venv-torch/lib/python3.11/site-packages if present, else
#                   this python's site-packages
# Env: BENCH_VENV       bench-only virtualenv for the peers (default /work/bench-venv-lint,
#                       created with bandit, ruff and torchfix if missing)
#      TORCHFIX_TREE    subtree for TorchFix (default TREE/torch/nn, else TREE)
#      TORCHFIX_TIMEOUT seconds before TorchFix is stopped (default 900)
#      CARGO_TARGET_DIR where the release build goes (default <repo>/target)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
default_tree=/work/venv-torch/lib/python3.11/site-packages
[ -d "$default_tree" ] || default_tree=$(python3 -c 'import site; print(site.getsitepackages()[0])')
tree=${1:-$default_tree}
venv=${BENCH_VENV:-/work/bench-venv-lint}
tf_tree=${TORCHFIX_TREE:-$tree/torch/nn}
[ -d "$tf_tree" ] || tf_tree=$tree
tf_timeout=${TORCHFIX_TIMEOUT:-900}
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d /tmp/torchward-bench-lint.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/bandit" ] || [ ! -x "$venv/bin/ruff" ] || [ ! -x "$venv/bin/torchfix" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q bandit ruff torchfix
fi
(cd "$root" && cargo build --release -q -p torchward)
tw="$target/release/torchward"

count() { # files and lines of .py under $1
  local files lines
  files=$(find "$1" -name '*.py' -type f | wc -l)
  lines=$(find "$1" -name '*.py' -type f -print0 | xargs -0 cat | wc -l)
  echo "$files files, $lines lines"
}
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

echo "tree: $tree ($(count "$tree"))"
echo "versions: $("$tw" --version); $("$venv/bin/bandit" --version | head -1); ruff $("$venv/bin/ruff" --version | cut -d' ' -f2); torchfix $("$venv/bin/torchfix" --version 2>&1 | tail -1)"
echo "cores: $(nproc)"
# Warm the page cache so every tool reads from memory.
find "$tree" -type f \( -name '*.py' -o -name '*.sh' -o -name '*.yaml' -o -name '*.yml' \) -print0 | xargs -0 cat >/dev/null

t0=$(now); "$tw" lint "$tree" --format json --exit-zero --ignore-parse-errors -o "$work/tw.json" 2>/dev/null; t1=$(now)
tw_s=$(elapsed "$t0" "$t1")
t0=$(now); RAYON_NUM_THREADS=1 "$tw" lint "$tree" --format json --exit-zero --ignore-parse-errors -o "$work/tw1.json" 2>/dev/null; t1=$(now)
tw1_s=$(elapsed "$t0" "$t1")
t0=$(now); "$venv/bin/bandit" -r "$tree" -q -f json -o "$work/bandit.json" >/dev/null 2>&1 || true; t1=$(now)
bandit_s=$(elapsed "$t0" "$t1")
t0=$(now); "$venv/bin/ruff" check --no-cache --select S301,S302,S506 --exit-zero -q "$tree" >/dev/null 2>&1 || true; t1=$(now)
ruff_s=$(elapsed "$t0" "$t1")

tw_findings=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["findings"]), "findings,", r["stats"]["inputs"], "inputs,", r["stats"]["skipped"], "skipped by the prefilter")' "$work/tw.json")
bandit_findings=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["results"]), "results,", len(r["errors"]), "files it could not parse")' "$work/bandit.json")
printf 'torchward lint (all cores) : %8.3f s   %s\n' "$tw_s" "$tw_findings"
printf 'torchward lint (1 thread)  : %8.3f s\n' "$tw1_s"
printf 'bandit -r                  : %8.3f s   %s\n' "$bandit_s" "$bandit_findings"
printf '  torchward is %.1fx faster than bandit (%.1fx on one thread)\n' \
  "$(echo "$bandit_s / $tw_s" | bc -l)" "$(echo "$bandit_s / $tw1_s" | bc -l)"
printf 'ruff (S301,S302,S506; reference, no torch rules): %.3f s\n' "$ruff_s"

echo "TorchFix subtree: $tf_tree ($(count "$tf_tree")), timeout ${tf_timeout}s"
t0=$(now); "$tw" lint "$tf_tree" --format json --exit-zero --ignore-parse-errors >/dev/null 2>&1; t1=$(now)
tws_s=$(elapsed "$t0" "$t1")
t0=$(now); status=0; timeout "$tf_timeout" "$venv/bin/torchfix" --select TOR102 "$tf_tree" >/dev/null 2>&1 || status=$?; t1=$(now)
tf_s=$(elapsed "$t0" "$t1")
[ "$status" = 124 ] && tf_note=" (stopped by the timeout)" || tf_note=""
printf 'torchward lint (subtree)   : %8.3f s\n' "$tws_s"
printf 'torchfix --select TOR102   : %8.3f s%s   torchward is %.1fx faster\n' "$tf_s" "$tf_note" "$(echo "$tf_s / $tws_s" | bc -l)"

echo
python3 "$here/compare_fixtures.py" --torchward "$tw" --venv "$venv" --fixtures "$root/fixtures/lint"
