#!/usr/bin/env python3
"""An outsider: from its own address, tries to connect to every listening port of the job
(the master port from the start, each port in --portlog as soon as the job writes it), on
every target address, over and over until --stop exists (or --max-seconds pass). Prints one
line per attempt result: `open ADDR PORT` (connected: the port was reachable), `dropped ADDR
PORT` (no answer: the firewall dropped the SYN), `refused ADDR PORT` (nothing listening).

python3 probe.py --targets A,B --port P --portlog F --stop FILE --max-seconds N
"""
import argparse
import errno
import os
import select
import socket
import time


def attempt(targets, timeout):
    """Non-blocking connects to all (addr, port) at once; returns {(addr, port): result}."""
    pending, results = {}, {}
    for addr, port in targets:
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        code = s.connect_ex((addr, port))
        if code in (0, errno.EINPROGRESS):
            pending[s] = (addr, port)
        else:
            results[(addr, port)] = "refused"
            s.close()
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        _, writable, _ = select.select([], list(pending), [], max(0.0, deadline - time.time()))
        for s in writable:
            key = pending.pop(s)
            code = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            results[key] = "open" if code == 0 else "refused"
            s.close()
    for s, key in pending.items():
        results[key] = "dropped"
        s.close()
    return results


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--targets", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--portlog", required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--max-seconds", type=float, default=60)
    a = p.parse_args()
    addrs = a.targets.split(",")
    end = time.time() + a.max_seconds
    while time.time() < end and not os.path.exists(a.stop):
        ports = {a.port}
        try:
            with open(a.portlog) as f:
                ports |= {int(line.split()[1]) for line in f if line.strip()}
        except FileNotFoundError:
            pass
        for (addr, port), result in sorted(attempt([(x, q) for x in addrs for q in ports], 0.3).items()):
            print(f"{result} {addr} {port}", flush=True)


if __name__ == "__main__":
    main()
