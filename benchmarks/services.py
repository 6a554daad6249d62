"""Real components the benchmark and the HTTP tests start for themselves: a throwaway
redis-server on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(
    folder: Path, *options: str, command: Sequence[str] = ("redis-server",)
) -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server that keeps nothing on disk, and its URL; RuntimeError when
    redis-server is not installed or does not answer PING. `options` are added to its
    command line; `command` runs another program of Redis's, such as
    `("redis-sentinel", "sentinel.conf")` (a Sentinel's config file comes first)."""
    executable = shutil.which(command[0])
    if executable is None:
        raise RuntimeError(f"{command[0]} is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            *command[1:],
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            *options,
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"{command[0]} did not start")
