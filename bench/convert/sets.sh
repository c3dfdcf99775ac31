#!/usr/bin/env bash
# Benchmark of `torchward convert` on checkpoint directories: a Hugging Face sharded .bin set
# (SHARDS shards of SHARD_MB MB of float32 tensors, made once with torch.save in WORK_DIR, outside
# the repository) converted with `--out-dir` (Hugging Face's safetensors layout), side by side
# with the Python route people use today (per shard: torch.load(weights_only=True) +
# safetensors.torch.save_file, then the index); a DCP directory written by two processes (gloo
# on 127.0.0.1; 50 row-sharded and 50 column-sharded float32 1000 x 1000 DTensors, 400 MB)
# converted to one file, beside `dcp_to_torch_save` + `torch.load` + `save_file`; and the tiny DCP
# and sharded fixtures of fixtures/frameworks. Page cache warmed first; RUNS runs each (medians of wall time and peak
# RSS from /usr/bin/time); outputs removed after each run.
#
# Usage: bench/convert/sets.sh [WORK_DIR]   (default: $CARGO_TARGET_DIR/bench-convert-sets)
# Env: TORCHWARD=/path/to/release/torchward (skip the build), PYTHON (default
#   /work/venv-torch/bin/python), RUNS (default 3), SHARDS (default 2), SHARD_MB (default 200).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
work="${1:-$target/bench-convert-sets}"
python="${PYTHON:-/work/venv-torch/bin/python}"
runs="${RUNS:-3}"
shards="${SHARDS:-2}"
shard_mb="${SHARD_MB:-200}"

if [ -n "${TORCHWARD:-}" ]; then
    tw="$TORCHWARD"
else
    (cd "$repo" && cargo build --release -p torchward --quiet)
    tw="$target/release/torchward"
fi
echo "== $(uname -srm), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== torchward: $("$tw" --version)"

set_dir="$work/bin-${shards}x${shard_mb}MB"
if [ ! -f "$set_dir/pytorch_model.bin.index.json" ]; then
    echo "== making $set_dir"
    mkdir -p "$set_dir"
    "$python" - "$set_dir" "$shards" "$shard_mb" <<'PY'
import json, sys, torch
from pathlib import Path
d, shards, mb = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
g = torch.Generator().manual_seed(0)
weight_map, total = {}, 0
for i in range(1, shards + 1):
    name = f"pytorch_model-{i:05d}-of-{shards:05d}.bin"
    sd = {f"layers.{i}.{j}.weight": torch.randn(1000, 1000, generator=g) for j in range(mb // 4)}
    torch.save(sd, d / name)
    for k, v in sd.items():
        weight_map[k] = name
        total += v.numel() * v.element_size()
(d / "pytorch_model.bin.index.json").write_text(json.dumps(
    {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
PY
fi
cat "$set_dir"/* > /dev/null   # warm the page cache

baseline="$work/baseline.py"
cat > "$baseline" <<'PY'
import json, sys, torch
from pathlib import Path
from safetensors.torch import save_file
src, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
index = json.loads((src / "pytorch_model.bin.index.json").read_text())
shards = sorted(set(index["weight_map"].values()))
weight_map, total = {}, 0
for i, shard in enumerate(shards, 1):
    sd = torch.load(src / shard, weights_only=True, map_location="cpu")
    name = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
    save_file({k: v.contiguous() for k, v in sd.items()}, str(out / name), metadata={"format": "pt"})
    for k, v in sd.items():
        weight_map[k] = name
        total += v.numel() * v.element_size()
(out / "model.safetensors.index.json").write_text(json.dumps(
    {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2, sort_keys=True) + "\n")
PY

# Runs "$@" RUNS times; prints the median wall time (s) and peak RSS (MiB).
measure() {
    local label="$1"; shift
    local walls=() rss=()
    for _ in $(seq "$runs"); do
        rm -rf "$work/out" "$work/out.safetensors"
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2>&1
        read -r wall kb < "$work/time"
        walls+=("$wall"); rss+=("$kb")
    done
    rm -rf "$work/out" "$work/out.safetensors"
    local mid=$(( runs / 2 ))
    local wall kb
    wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$((mid + 1))p")
    kb=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$((mid + 1))p")
    printf '%-48s %8s s %10.1f MiB   (runs: %s)\n' "$label" "$wall" "$(echo "$kb / 1024" | bc -l)" "${walls[*]}"
}

measure "torchward convert SET --out-dir" "$tw" convert "$set_dir" --out-dir "$work/out"
measure "torchward convert SET --out-dir --verify" "$tw" convert "$set_dir" --out-dir "$work/out" --verify
measure "torchward ... --max-shard-size 100MB" "$tw" convert "$set_dir" --out-dir "$work/out" --max-shard-size 100MB
measure "python torch.load + save_file per shard" "$python" "$baseline" "$set_dir" "$work/out"
dcp_dir="$work/dcp-2x200MB"
if [ ! -f "$dcp_dir/.metadata" ]; then
    echo "== making $dcp_dir"
    # torch.multiprocessing.spawn re-imports the main module: it must be a file.
    cat > "$work/make_dcp.py" <<'PY'
import socket, sys, torch
import torch.distributed as dist
import torch.multiprocessing as mp
def worker(rank, port, out):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard, distribute_tensor
    import torch.distributed.checkpoint as dcp
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    mesh = init_device_mesh("cpu", (2,))
    g = torch.Generator().manual_seed(0)
    sd = {}
    for j in range(50):
        sd[f"model.rows.{j}"] = distribute_tensor(torch.randn(1000, 1000, generator=g), mesh, [Shard(0)])
        sd[f"model.cols.{j}"] = distribute_tensor(torch.randn(1000, 1000, generator=g), mesh, [Shard(1)])
    dcp.save(sd, checkpoint_id=out)
    dist.barrier()
    dist.destroy_process_group()
if __name__ == "__main__":
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(worker, args=(port, sys.argv[1]), nprocs=2, join=True)
PY
    "$python" "$work/make_dcp.py" "$dcp_dir"
fi
cat "$dcp_dir"/* "$dcp_dir/.metadata" > /dev/null
dcp_baseline="$work/dcp_baseline.py"
cat > "$dcp_baseline" <<'PY'
import sys, tempfile, torch
from torch.distributed.checkpoint.format_utils import dcp_to_torch_save
from safetensors.torch import save_file
with tempfile.TemporaryDirectory(dir=sys.argv[3]) as tmp:
    dcp_to_torch_save(sys.argv[1], f"{tmp}/full.pt")
    sd = torch.load(f"{tmp}/full.pt", weights_only=True)
def flat(o, p, out):
    if isinstance(o, torch.Tensor):
        out[p] = o.contiguous()
    elif isinstance(o, dict):
        for k, v in o.items():
            flat(v, f"{p}.{k}" if p else k, out)
out = {}
flat(sd, "", out)
save_file(out, sys.argv[2], metadata={"format": "pt"})
PY
measure "torchward convert DCP -o OUT" "$tw" convert "$dcp_dir" -o "$work/out.safetensors"
measure "torchward convert DCP -o OUT --verify" "$tw" convert "$dcp_dir" -o "$work/out.safetensors" --verify
measure "python dcp_to_torch_save + load + save_file" "$python" "$dcp_baseline" "$dcp_dir" "$work/out.safetensors" "$work"
measure "torchward convert fixtures/frameworks/sharded" "$tw" convert "$repo/fixtures/frameworks/sharded" --out-dir "$work/out"
measure "torchward convert fixtures/frameworks/dcp" "$tw" convert "$repo/fixtures/frameworks/dcp" -o "$work/out.safetensors"
measure "torchward convert fixtures/frameworks/dcp_sharded" "$tw" convert "$repo/fixtures/frameworks/dcp_sharded" -o "$work/out.safetensors"
