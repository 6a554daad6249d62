"""The service's Prometheus metrics, through the official client library.

With several worker processes each process writes its samples to files in the folder named
by `PROMETHEUS_MULTIPROC_DIR` (set by `advisor serve` before the workers start), and
`/metrics` on any worker adds up every worker's: a scrape sees the whole service.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.turns = Counter("advisor_turns", "Messages answered")
        self.turn_seconds = Histogram(
            "advisor_turn_seconds",
            "Time to answer a message, store included",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
        )
        self.outcomes = Counter(
            "advisor_outcomes", "Articles concluded, by status", ["article", "status"]
        )
        self.no_match = Counter("advisor_no_match", "Conversations no article fits")
        self.handoffs = Counter("advisor_handoffs", "Hand-offs to a person asked for")
        self.store_errors = Counter("advisor_store_errors", "Requests the store failed")

    def count_reply(self, reply: dict[str, Any]) -> None:
        """Count what a reply concludes: each article's outcome, or that none fits."""
        for message in reply["messages"]:
            if message["type"] == "diagnosis":
                self.outcomes.labels(message["article"], "applies").inc()
            elif message["type"] == "not_applicable":
                self.outcomes.labels(message["article"], "not_applicable").inc()
            elif message["type"] == "no_match":
                self.no_match.inc()


_made: list[Metrics] = []
_making = threading.Lock()


def metrics() -> Metrics:
    """This process's metrics: created once, as the client library registers them by name.

    Under a lock: a worker's first turns can come at once on its event loop and on a thread
    (a turn that builds an engine), and a second registration of a name raises."""
    with _making:
        if not _made:
            _made.append(Metrics())
        return _made[0]


def exposition() -> bytes:
    """Every worker's metrics in the Prometheus text format."""
    if os.environ.get(MULTIPROCESS):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
