#!/usr/bin/env python3
"""CPU time of a command: `cputime.py RUNS LABEL -- CMD...` runs it RUNS times and prints the
median user+system CPU time of the child (from getrusage), which a loaded machine changes far
less than wall-clock time (timeit.py), plus a machine-readable `RESULT` line."""
import resource
import statistics
import subprocess
import sys


def main():
    runs = int(sys.argv[1])
    label = sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000.0)
    med = statistics.median(times)
    print("%s: CPU median %.1f ms, min %.1f ms (%d runs)" % (label, med, min(times), runs))
    print("RESULT %s_cpu %.3f" % (label.replace(" ", "_"), med))


if __name__ == "__main__":
    main()
