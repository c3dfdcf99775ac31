#!/usr/bin/env python3
"""A two-node PyTorch job stand-in (CI has no PyTorch), with the same sockets a torchrun + gloo
job opens: rank 0 hosts the store on the master port (dual-stack wildcard, like TCPStore);
every rank opens one listener on a port the kernel picks (like gloo's per-rank pairs); ranks
learn each other's ports through the store, connect to each other and exchange data for a
few seconds. Each listener's port is appended to --portlog the moment it listens, so an
outsider can probe it at once. Exit 0 when every rank exchanged data with its peer.

python3 job.py --rank R --addr MY_ADDR --master-addr A --master-port P --seconds S --portlog F
"""
import argparse
import socket
import sys
import threading
import time

WORLD = 2
CHUNK = 64 * 1024


def log_port(path, name, port):
    with open(path, "a") as f:
        f.write(f"{name} {port}\n")


def listener(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(16)
    return s


def read_line(conn, limit=4096):
    data = b""
    while not data.endswith(b"\n"):
        byte = conn.recv(1)
        if not byte or len(data) > limit:
            raise ConnectionError("short line")
        data += byte
    return data.decode().strip()


def store(sock):
    """Collects `rank addr port` from every rank, then sends the table to each. A client that
    sends anything else (or nothing within 5 s) is dropped; the store keeps accepting."""
    clients, table = {}, {}
    done = threading.Condition()

    def serve(conn):
        try:
            conn.settimeout(5)
            rank, addr, port = read_line(conn).split()
            int(port)
        except (OSError, ValueError):
            conn.close()
            return
        with done:
            table[int(rank)] = f"{addr} {port}"
            clients[int(rank)] = conn
            done.notify_all()

    def accept():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    with done:
        done.wait_for(lambda: len(table) >= WORLD, timeout=60)
        reply = "".join(f"{r} {table[r]}\n" for r in sorted(table)).encode()
        for conn in clients.values():
            conn.sendall(reply)
            conn.close()


def connect(addr, port, deadline):
    while True:
        try:
            return socket.create_connection((addr, port), timeout=2)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--addr", required=True)
    p.add_argument("--master-addr", required=True)
    p.add_argument("--master-port", type=int, required=True)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--portlog", required=True)
    a = p.parse_args()
    deadline = time.time() + 60
    store_thread = None
    if a.rank == 0:
        s = listener(a.master_port)
        log_port(a.portlog, "store", a.master_port)
        store_thread = threading.Thread(target=store, args=(s,), daemon=True)
        store_thread.start()
    mine = listener(0)
    my_port = mine.getsockname()[1]
    log_port(a.portlog, f"rank{a.rank}", my_port)

    c = connect(a.master_addr, a.master_port, deadline)
    c.sendall(f"{a.rank} {a.addr} {my_port}\n".encode())
    table = {}
    for _ in range(WORLD):
        rank, addr, port = read_line(c).split()
        table[int(rank)] = (addr, int(port))
    c.close()

    other = (a.rank + 1) % WORLD
    received = [0]

    def receive():
        mine.settimeout(30)
        while True:
            conn, _ = mine.accept()
            conn.settimeout(30)
            try:
                if read_line(conn) != f"hello {other}":
                    conn.close()
                    continue
            except (OSError, ValueError):
                conn.close()
                continue
            while True:
                data = conn.recv(CHUNK)
                if not data:
                    return
                received[0] += len(data)

    rx = threading.Thread(target=receive, daemon=True)
    rx.start()
    out = connect(*table[other], deadline)
    out.sendall(f"hello {a.rank}\n".encode())
    end = time.time() + a.seconds
    sent = 0
    payload = bytes(CHUNK)
    while time.time() < end:
        out.sendall(payload)
        sent += CHUNK
        time.sleep(0.01)
    out.close()
    rx.join(30)
    if store_thread:
        store_thread.join(30)
    print(f"rank {a.rank} sent {sent} received {received[0]}", flush=True)
    sys.exit(0 if received[0] > 0 and sent > 0 else 1)


if __name__ == "__main__":
    main()
