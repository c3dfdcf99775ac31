#!/usr/bin/env python3
"""Build the scan benchmark corpus: >= 1,000 mixed model files made by the real tools.

Benign files are written by torch.save (zip, and the legacy stream for some), numpy.save and
pickle; about one in ten files is malicious (a crafted data.pkl calling os.system, a raw
pickle, an object .npy), like a real model directory with a few bad apples. Also writes the
"same keys, different size" pair used to show scan time does not grow with tensor bytes.

With --large N (the mixed corpus of issue 14: `--files 1000 --large 140` gives about 1,140
files and 230 MB), also N bigger archives: torch zip checkpoints of 0.5-3 MB of tensors, one
in seven a TorchScript module (torch.jit.save), one in seven a legacy (non-zip) checkpoint,
one in ten malicious, so directory reads, mapping and page release on big archives count.

Usage: make_corpus.py OUT_DIR [--files N] [--big-gb G] [--large N]
Needs a Python with torch and numpy (e.g. /work/venv-torch/bin/python); nothing is loaded.
"""
import argparse
import io
import os
import pickle
import random
import zipfile

import numpy as np
import torch


class _Payload:
    """Pickles as os.system("echo pwned"); never unpickled here."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def state_dict(rng, layers, width):
    sd = {}
    for i in range(layers):
        sd[f"layers.{i}.weight"] = torch.randn(width, width, generator=rng)
        sd[f"layers.{i}.bias"] = torch.zeros(width)
        if i % 3 == 0:
            sd[f"layers.{i}.norm.running_mean"] = torch.zeros(width, dtype=torch.float16)
            sd[f"layers.{i}.norm.num_batches_tracked"] = torch.tensor(7)
    return sd


def malicious_zip(path, rng_py):
    """A torch-style zip whose data.pkl runs os.system."""
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                data = pickle.dumps({"w": _Payload(), "n": rng_py.randint(0, 1 << 30)}, protocol=2)
            out.writestr(info.filename, data)


class _Scripted(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.lin = torch.nn.Linear(width, width)

    def forward(self, x):
        return torch.relu(self.lin(x))


def large(stem, i, rng, rng_py):
    """One bigger archive: 0.5-3 MB of tensors in a torch zip, a TorchScript module, a legacy
    checkpoint, or (one in ten) a torch zip whose data.pkl calls os.system."""
    width = rng_py.choice([128, 256, 384])
    layers = max(1, int(rng_py.uniform(0.5, 3.0) * (1 << 20) / (4 * width * width)))
    if i % 10 == 3:
        malicious_zip(stem + ".pt", rng_py)
    elif i % 7 == 1:
        torch.jit.save(torch.jit.script(_Scripted(width)), stem + ".pt")
    elif i % 7 == 2:
        torch.save(state_dict(rng, layers, width), stem + ".bin", _use_new_zipfile_serialization=False)
    else:
        torch.save(state_dict(rng, layers, width), stem + ".pth")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--big-gb", type=float, default=2.0)
    ap.add_argument("--large", type=int, default=0)
    args = ap.parse_args()
    corpus = os.path.join(args.out, "corpus")
    os.makedirs(corpus, exist_ok=True)
    rng = torch.Generator().manual_seed(0)
    rng_py = random.Random(0)
    for i in range(args.files):
        kind = i % 20
        if kind in (0, 10):
            malicious_zip(os.path.join(corpus, f"m{i:05}.pt"), rng_py)
        elif kind == 5:
            with open(os.path.join(corpus, f"m{i:05}.pkl"), "wb") as f:
                pickle.dump([_Payload()], f, protocol=rng_py.choice([0, 2, 4]))
        elif kind == 7:
            np.save(os.path.join(corpus, f"b{i:05}.npy"), np.arange(rng_py.randint(1, 4096), dtype=np.float32))
        elif kind == 9:
            torch.save(state_dict(rng, 4, 16), os.path.join(corpus, f"b{i:05}.pt"),
                       _use_new_zipfile_serialization=False)
        else:
            layers = rng_py.randint(2, 24)
            width = rng_py.choice([8, 16, 32, 64])
            torch.save(state_dict(rng, layers, width), os.path.join(corpus, f"b{i:05}.pth"))
    for i in range(args.large):
        large(os.path.join(corpus, f"large{i:04}"), i, rng, rng_py)
    # Same keys, different tensor bytes: scan time should not follow the size.
    keys = 32
    small = {f"layers.{k}.weight": torch.zeros(128, 32) for k in range(keys)}  # ~0.5 MB
    small.update({f"layers.{k}.bias": torch.zeros(4096) for k in range(keys)})  # ~2 MB total
    torch.save(small, os.path.join(args.out, "same-keys-2MB.pt"))
    per_tensor = int(args.big_gb * (1 << 30) / 4 / keys / 2)
    rows = max(1, per_tensor // 32)
    big = {f"layers.{k}.weight": torch.zeros(rows, 32) for k in range(keys)}
    big.update({f"layers.{k}.bias": torch.zeros(per_tensor) for k in range(keys)})
    torch.save(big, os.path.join(args.out, "same-keys-big.pt"))


if __name__ == "__main__":
    main()
