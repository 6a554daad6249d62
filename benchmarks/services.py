"""Real components the benchmark and the HTTP tests start for themselves: a throwaway
redis-server on a free loopback port; and the CPU time that processes used."""

from __future__ import annotations

import os
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


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user and system) used so far by these processes and their descendants
    that are still running (Linux /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: fields follow its last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = set(pids), True
    while grew:  # add children until no process is left whose parent is in the tree
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(used.get(pid, 0.0) for pid in tree)
