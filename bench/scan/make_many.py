#!/usr/bin/env python3
"""Build a store of many small files for the scan-at-scale measurement (issue 18): N files in
directories of 1,000, written by Python's pickle and numpy-free templates: benign pickled
state (dicts of lists and bytes), one in fifty a pickle calling os.system, one in ten plain
text. Writes OUT_DIR/store/... and OUT_DIR/files.list (NUL-separated, for --files-from).

Usage: make_many.py OUT_DIR [--files N]   (default 100,000; nothing is ever unpickled)
Then:  /usr/bin/time -v torchward scan --files-from OUT_DIR/files.list --format jsonl -o out.jsonl
"""
import argparse
import os
import pickle


class _Payload:
    """Pickles as os.system("echo pwned"); never unpickled here."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    store = os.path.join(args.out, "store")
    paths = []
    for i in range(args.files):
        directory = os.path.join(store, f"d{i // 1000:04d}")
        if i % 1000 == 0:
            os.makedirs(directory, exist_ok=True)
        if i % 50 == 0:
            name, data = f"evil-{i}.pkl", pickle.dumps({"n": i, "x": _Payload()}, protocol=2)
        elif i % 10 == 0:
            name, data = f"notes-{i}.txt", f"release notes {i}\n".encode()
        else:
            state = {"step": i, "lr": 0.001 * (i % 7), "hist": list(range(i % 40)), "b": bytes(i % 300)}
            name, data = f"state-{i}.pkl", pickle.dumps(state, protocol=4)
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    with open(os.path.join(args.out, "files.list"), "wb") as f:
        f.write(b"\0".join(p.encode() for p in paths) + b"\0")
    print(f"{len(paths)} files under {store}")


if __name__ == "__main__":
    main()
