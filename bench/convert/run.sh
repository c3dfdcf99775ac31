#!/usr/bin/env bash
# Benchmark of `torchward convert` (DESIGN.md §5: at least 0.7x the throughput of `cp` on the
# same file with a warm page cache, peak RSS under 128 MiB whatever the checkpoint size), side
# by side with the Python route (torch.load(weights_only=True) + safetensors.torch.save_file).
#
# Makes a >= 2 GB torch.save checkpoint once (kept; delete it with `rm -rf WORK`), warms the
# page cache with one untimed read, then times each tool RUNS times (medians) under
# /usr/bin/time -v for peak RSS (file pages mapped by the process count); cp, cp+sync and
# torchward take turns round by round and their ratio is also given per round. `cp` does not
# fsync; torchward fsyncs its output before renaming it into place, so `cp + sync FILE` is
# reported too. Outputs are removed after each run. On a shared machine wall times swing with
# other load, so CPU seconds (user + system, from time -v) are reported beside them.
#
# Usage: bench/convert/run.sh [WORK_DIR]
#   default WORK_DIR: $CARGO_TARGET_DIR/bench-convert (or target/bench-convert)
# Env: TORCHWARD=/path/to/release/torchward (skip the build), PYTHON (default
#   /work/venv-torch/bin/python), RUNS (default 3), SIZE_MIB (default 2304), SKIP_PYTHON=1.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
work="${1:-$target/bench-convert}"
python="${PYTHON:-/work/venv-torch/bin/python}"
runs="${RUNS:-3}"
size_mib="${SIZE_MIB:-2304}"

echo "== machine: $(uname -srm), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== file system of $work: $(mkdir -p "$work" && df -T "$work" | awk 'NR==2 {print $2}')"
if [ -n "${TORCHWARD:-}" ]; then
    tw="$TORCHWARD"
else
    (cd "$repo" && cargo build --release -p torchward --quiet)
    tw="$target/release/torchward"
fi
echo "== torchward: $("$tw" --version)"

ckpt="$work/model.pt"
if [ ! -f "$ckpt" ]; then
    echo "== making a ${size_mib} MiB checkpoint (a state dict of 64 MiB bf16/f32 tensors, one transposed)"
    "$python" - "$ckpt" "$size_mib" <<'EOF'
import sys, torch
path, mib = sys.argv[1], int(sys.argv[2])
g = torch.Generator().manual_seed(0)
sd, total, i = {}, 0, 0
while total < mib << 20:
    dtype = torch.bfloat16 if i % 3 == 2 else torch.float32
    rows = (64 << 20) // (4096 * (2 if dtype == torch.bfloat16 else 4))
    t = torch.randn(rows, 4096, generator=g).to(dtype)
    sd[f"model.layers.{i}.weight"] = t.t() if i == 1 else t
    total += t.numel() * t.element_size()
    i += 1
sd["step"] = 1000
torch.save(sd, path)
EOF
fi
bytes=$(stat -c %s "$ckpt")
echo "== checkpoint: $ckpt, $bytes bytes ($((bytes >> 20)) MiB)"
cat "$ckpt" > /dev/null   # warm the page cache

# once NAME OUTPUT CMD...: one timed run, appended as "NAME seconds peak_rss_kib cpu_seconds";
# OUTPUT is removed before (after a `sync`, so earlier write-back does not land in this run)
# and after.
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
once() {
    local name="$1" out="$2"
    shift 2
    rm -f "$out"
    sync
    local log start end rss cpu
    log="$(mktemp)"
    start=$(date +%s.%N)
    /usr/bin/time -v "$@" 2> "$log" > /dev/null
    end=$(date +%s.%N)
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    # CPU seconds (user + system): much less sensitive than wall time to other load.
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    echo "$name $(echo "$end - $start" | bc) $rss $cpu" | tee -a "$results"
    rm -f "$log" "$out"
}

# run NAME OUTPUT CMD...: RUNS timed runs in a row.
run() {
    for _ in $(seq "$runs"); do
        once "$@"
    done
}

echo "== load before: $(cat /proc/loadavg)"
# cp, cp+sync and torchward take turns, so each round compares them under the same load (on
# a shared VM the copy speed drifts by 2x within minutes); the ratio is reported per round.
# Who goes first rotates, so no tool always follows the same one.
contender() {
    case "$1" in
        0) once cp "$work/copy.pt" cp "$ckpt" "$work/copy.pt" ;;
        1) once cp+sync "$work/copy.pt" sh -c 'cp "$1" "$2" && sync "$2"' sh "$ckpt" \
            "$work/copy.pt" ;;
        2) once torchward "$work/out.safetensors" "$tw" convert "$ckpt" -o "$work/out.safetensors" ;;
    esac
}
for round in $(seq "$runs"); do
    for k in 0 1 2; do
        contender $(((round + k) % 3))
    done
done
run torchward-verify "$work/out.safetensors" "$tw" convert "$ckpt" -o "$work/out.safetensors" --verify
if [ "${SKIP_PYTHON:-0}" != 1 ]; then
    run python "$work/py.safetensors" "$python" -c '
import sys, torch, safetensors.torch
sd = torch.load(sys.argv[1], weights_only=True)
tensors = {k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}
safetensors.torch.save_file(tensors, sys.argv[2], metadata={"format": "pt"})
' "$ckpt" "$work/py.safetensors"
fi

# Many small tensors: memory then follows the pickle (a graph node per value), not the bytes.
many="$work/many.pt"
if [ ! -f "$many" ]; then
    "$python" - "$many" <<'EOF'
import sys, torch
sd = {f"layer.{i}.w": torch.full((8,), float(i)) for i in range(50000)}
sd.update({f"layer.{i}.t": sd[f"layer.{i}.w"][::2] for i in range(0, 50000, 10)})
torch.save(sd, sys.argv[1])
EOF
fi
echo "== many small tensors: $many, $(stat -c %s "$many") bytes, 55,000 tensors"
run torchward-many "$work/many.safetensors" "$tw" convert "$many" -o "$work/many.safetensors"
run torchward-scan-many "$work/none" "$tw" scan "$many"

# Many big records: memory must not follow the record count either (each header read through
# the map can map a whole page-cache folio; torchward gives those pages back as it walks).
wide="$work/wide.pt"
if [ ! -f "$wide" ]; then
    "$python" - "$wide" <<'EOF'
import sys, torch
g = torch.Generator().manual_seed(1)
torch.save({f"model.layers.{i}.w": torch.randn(1024, 1024, generator=g) for i in range(576)},
           sys.argv[1])
EOF
fi
cat "$wide" > /dev/null
echo "== many big records: $wide, $(stat -c %s "$wide") bytes, 576 tensors of 4 MiB"
run torchward-wide "$work/wide.safetensors" "$tw" convert "$wide" -o "$work/wide.safetensors"
echo "== load after: $(cat /proc/loadavg)"

echo
echo "== medians over $runs run(s) (seconds, MB/s, peak RSS MiB)"
python3 - "$results" "$bytes" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, secs, rss, cpu = line.split()
    rows.setdefault(name, []).append((float(secs), int(rss), float(cpu)))
size = int(sys.argv[2])
med = {n: (statistics.median(s for s, _, _ in v), max(r for _, r, _ in v),
           statistics.median(c for _, _, c in v)) for n, v in rows.items()}
for name, (secs, rss, cpu) in med.items():
    # Rates only for the runs on the big checkpoint.
    big = name in ("cp", "cp+sync", "torchward", "torchward-verify", "python")
    rate = f"{size / secs / 1e6:9.1f} MB/s" if big else " " * 14
    print(f"{name:20} {secs:8.2f} s {rate}  peak RSS {rss / 1024:8.1f} MiB  CPU {cpu:6.2f} s")
cp = med["cp"][0]
for name in med:
    if name in ("torchward", "torchward-verify"):
        print(f"{name} wall throughput / cp: {cp / med[name][0]:.2f}x, / cp+sync: "
              f"{med['cp+sync'][0] / med[name][0]:.2f}x; CPU time cp / {name}: "
              f"{med['cp'][2] / med[name][2]:.2f}x")
# Round by round (cp, cp+sync and torchward ran back to back): the ratios under equal load.
pairs = list(zip(rows["cp"], rows["cp+sync"], rows["torchward"]))
vs_cp = sorted(c[0] / t[0] for c, _, t in pairs)
vs_sync = sorted(s[0] / t[0] for _, s, t in pairs)
print(f"per round, torchward throughput / cp: median {statistics.median(vs_cp):.2f}x "
      f"(min {vs_cp[0]:.2f}, max {vs_cp[-1]:.2f}); / cp+sync: median "
      f"{statistics.median(vs_sync):.2f}x (min {vs_sync[0]:.2f}, max {vs_sync[-1]:.2f})")
EOF
