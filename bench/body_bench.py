"""Memory of `academichub serve` under huge request bodies (issue 13, part 6): N POSTs of SIZE bytes
to /unsubscribe (an invalid link, as an attacker sends), the server's resident memory before and
after. The server refuses each one with 413 after its headers, so the client stops sending early.

    PYTHONPATH=. .venv/bin/python bench/body_bench.py [--n 10] [--mb 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def post(port: int, size: int) -> tuple[str, int]:
    """(status line, bytes the server let us send before it answered and closed)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(
            b"POST /unsubscribe?t=invalid HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + f"Content-Length: {size}\r\n\r\n".encode()
        )
        block = b"List-Unsubscribe=One-Click&" + b"x" * (1 << 20)
        try:
            while sent < size:
                sock.sendall(block[: size - sent])
                sent += min(len(block), size - sent)
        except OSError:  # the server answered and closed: it will not read the rest
            pass
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    return answer.split(b"\r\n", 1)[0].decode(errors="replace"), sent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--mb", type=int, default=200)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ACADEMICHUB_DATABASE_URL": f"sqlite:///{tmp / 'b.db'}", "ACADEMICHUB_OUTBOX_DIR": str(tmp)}
    server = subprocess.Popen(
        [sys.executable, "-m", "academichub.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        before = rss_mb(server.pid)
        results = [post(port, args.mb << 20) for _ in range(args.n)]
        time.sleep(1)
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = sorted({r[0] for r in results})
    sent = sorted(r[1] for r in results)
    print(f"{args.n} POSTs of {args.mb} MB to /unsubscribe: answers {statuses}")
    print(f"bytes the client got to send before the answer: median {sent[len(sent) // 2] / 2**20:.1f} MB")
    print(f"server RSS: {before:.0f} MB before, {after:.0f} MB after")


if __name__ == "__main__":
    main()
