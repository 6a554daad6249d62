"""The metrics of a worker are made once, however many threads ask at once: a first turn on
the event loop and another on a thread (one that built an engine) both count a turn."""

from __future__ import annotations

import subprocess
import sys

# In a process of its own (a process registers its metrics once), with the interpreter
# switching threads every microsecond so that the threads' first calls overlap.
SCRIPT = """
import sys, threading
sys.setswitchinterval(1e-6)
from advisor.web.metrics import metrics
start = threading.Barrier(16)
made, failed = [], []

def first_turn():
    start.wait()
    try:
        made.append(metrics())
    except Exception as exc:
        failed.append(repr(exc))

threads = [threading.Thread(target=first_turn) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(failed), len({id(m) for m in made}), failed[:1])
"""


def test_the_first_turns_of_many_threads_share_one_set_of_metrics() -> None:
    for _ in range(5):  # a race: several tries, each in a new process
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split(maxsplit=2)[:2] == ["0", "1"], done.stdout
