"""Real servers for the HTTP tests: `advisor serve` and `redis-server` as subprocesses."""

from __future__ import annotations

import itertools
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from test_cli import advisor_command

import advisor

_addresses = itertools.count(1)


def client_address() -> str:
    """A loopback address of its own for each simulated client, so that rate limits apply
    to each alone. The servers trust X-Forwarded-For from 127.0.0.1 (uvicorn's default)."""
    n = next(_addresses)
    return f"127.1.{n // 250}.{n % 250 + 1}"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if not Path(sys.executable).with_name("advisor").exists():
        env["PYTHONPATH"] = str(Path(advisor.__file__).parent.parent)
    return env


class Server:
    """`advisor serve --port 0 ARGS`, waited for until /healthz answers; with `env`, the
    server is configured by those variables alone (no default options)."""

    def __init__(self, args: list[str], folder: Path, env: dict[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"server-{id(self)}.log"
        options = ["--port", "0", "--log-level", "warning"] if env is None else []
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [*advisor_command(), "serve", *options, *args],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                cwd=folder,
                env={**_env(), **(env or {})},
            )
        try:
            self.url = self._announced()
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    def _announced(self) -> str:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        match = re.search(r"serving on (http://\S+?)/? ", line)
        if match is None:
            raise RuntimeError(f"advisor serve did not start: {line!r}\n{self.log.read_text()}")
        return match[1]

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"advisor serve is not healthy:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class Client:
    """One person's browser (or portal back end) talking to the API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"X-Forwarded-For": client_address()}, timeout=30
        )
        self.conversation_id = ""
        self.token = ""

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def start(self) -> dict[str, Any]:
        response = self.http.post("/v1/conversations", json={})
        assert response.status_code == 201, response.text
        data = response.json()
        self.conversation_id, self.token = data["conversation_id"], data["token"]
        return dict(data["reply"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, **body: Any) -> httpx.Response:
        path = f"/v1/conversations/{self.conversation_id}/messages"
        return self.http.post(path, json=body, headers=self.auth)

    def say(self, text: str) -> dict[str, Any]:
        """Send text or, for `#id`, the choice with that id; the reply."""
        body = {"choice": text[1:]} if text.startswith("#") else {"text": text}
        response = self.post(**body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def get(self, suffix: str = "", **params: str) -> httpx.Response:
        path = f"/v1/conversations/{self.conversation_id}{suffix}"
        return self.http.get(path, params=params, headers=self.auth)
