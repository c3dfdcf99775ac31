#!/usr/bin/env python3
"""Time a command: `timeit.py RUNS LABEL -- CMD...` runs it RUNS times (stdout and stderr to
/dev/null, exit code ignored: audits exit 1 when they find something) and prints one line
`LABEL: median X ms, min Y ms, max Z ms (N runs)` plus a machine-readable `RESULT` line."""
import statistics
import subprocess
import sys
import time

def main():
    runs = int(sys.argv[1])
    label = sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - start) * 1000.0)
    med = statistics.median(times)
    print("%s: median %.1f ms, min %.1f ms, max %.1f ms (%d runs)" % (label, med, min(times), max(times), runs))
    print("RESULT %s %.3f" % (label.replace(" ", "_"), med))

if __name__ == "__main__":
    main()
