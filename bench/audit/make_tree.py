#!/usr/bin/env python3
"""Generate the `audit perms` benchmark tree: DIRS directories of FILES files each (default
1000 x 1000 = 1,000,000 files), shaped like training output: checkpoints, configs, scripts,
logs, arrays, text and 1% extensionless files (which torchward classifies by content).
Modes are compliant except about 1% of files at 0644 and 1% of directories at 0755, so both
`find -perm /027` and `torchward audit perms` report a realistic handful, not everything.
Re-running with the same arguments is a no-op when the tree is complete (a marker file)."""
import os
import sys

EXTS = [".pt", ".json", ".py", ".log", ".npy", ".txt", ".yaml", ".safetensors", ".csv", ".pth"]

def main():
    root = sys.argv[1]
    dirs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    files = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    marker = os.path.join(root, ".complete-%d-%d" % (dirs, files))
    if os.path.exists(marker):
        print("tree exists:", root)
        return
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o750)
    old = os.umask(0o027)
    n = 0
    for d in range(dirs):
        dpath = os.path.join(root, "d%04d" % d)
        os.makedirs(dpath, exist_ok=True)
        os.chmod(dpath, 0o755 if d % 100 == 7 else 0o750)
        for f in range(files):
            ext = EXTS[f % len(EXTS)] if f % 100 != 99 else ""
            name = os.path.join(dpath, "f%05d%s" % (f, ext))
            if ext == ".py":
                mode = 0o550
            elif ext == ".log":
                mode = 0o440
            else:
                mode = 0o640
            if (d * files + f) % 100 == 3:
                mode = 0o644
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            if ext == "":
                os.write(fd, b"plain bytes\n")
            os.fchmod(fd, mode)
            os.close(fd)
            n += 1
    os.umask(old)
    open(marker, "w").close()
    os.chmod(marker, 0o640)
    print("created %d files in %d directories under %s" % (n, dirs, root))

if __name__ == "__main__":
    main()
