"""What an `advisor serve` deployment is configured with; every worker gets the same."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.language.text import MAX_INPUT_BYTES

DEFAULT_STORE = "sqlite:advisor.sqlite3"


@dataclass(frozen=True)
class Settings:
    """The service's settings (picklable: `--workers` hands them to each worker process)."""

    store: str = DEFAULT_STORE
    rules: str | None = None  # a folder of rule files; None for the bundled ones
    idle_timeout: float = 24 * 3600.0  # seconds without a turn before a conversation goes
    max_body: int = 256 * 1024  # bytes of a request body
    # The session's own limit: the API refuses what the session would not take anyway.
    max_text: int = MAX_INPUT_BYTES
    max_turns: int = 200  # a real conversation takes about ten
    rate_limit: int = 120  # requests per client and window; 0 turns it off
    rate_window: float = 60.0
    cors_origins: tuple[str, ...] = ()  # "*" allows any origin
    threads: int = 0  # 0: turns run on the worker's event loop; N: on N threads
    engines: int = 128  # conversations at once that keep an engine of their own, per worker
    lock_wait: float = 10.0  # how long a turn waits for another turn of its conversation
    handoff_url: str | None = None  # the operator's webhook for hand-offs
    handoff_secret: str | None = None  # the key of their HMAC-SHA256 signature
    log_user_text: bool = False  # whether logs may hold what people type
