"""`advisor serve`: the application on uvicorn, in one process or several.

The socket is bound here, before uvicorn starts, so that `--port 0` can report the port it
got, and so that several worker processes share one listening socket.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import sys
import tempfile

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from advisor.errors import AdvisorError
from advisor.web.app import create_app
from advisor.web.logs import log_config
from advisor.web.metrics import MULTIPROCESS
from advisor.web.options import ServeOptions
from advisor.web.protocol import Protocol


class ListenError(AdvisorError):
    """The address and port to serve on cannot be had."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it, a reply written in two pieces waits for
    # the client's delayed acknowledgement of the first (some 40 ms a request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            why = f"port {port} is in use (another with --port or ADVISOR_PORT; 0 picks a free one)"
        elif isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            why = f"{host!r} is not an address of this machine (--host or ADVISOR_HOST)"
        else:
            why = exc.strerror or str(exc)
        raise ListenError(f"cannot listen on {host} port {port}: {why}") from exc
    sock.set_inheritable(True)
    return sock


def serve(options: ServeOptions) -> int:
    settings = options.settings()
    if options.workers > 1 and not os.environ.get(MULTIPROCESS):
        # Before any worker starts: each writes its metrics there, /metrics adds them up.
        os.environ[MULTIPROCESS] = tempfile.mkdtemp(prefix="advisor-metrics-")
    # Built once here even with several workers: a wrong store or broken rules fail now,
    # with their message, rather than in every worker.
    app = create_app(settings)
    sock = bind(options.host, options.port)
    bound = sock.getsockname()[1]
    host = options.host
    shown = f"[{host}]" if ":" in host else host
    print(f"advisor: serving on http://{shown}:{bound}/ (store {settings.store})", flush=True)
    workers = options.workers
    config = uvicorn.Config(
        # Each worker process builds its own application (and engines, and store clients).
        functools.partial(create_app, settings) if workers > 1 else app,
        factory=workers > 1,
        workers=workers,
        forwarded_allow_ips=options.forwarded_allow_ips,
        log_level=options.log_level,
        log_config=log_config(options.log_format, options.log_level) or LOGGING_CONFIG,
        server_header=False,
        # uvicorn calls it as it would its class; a partial pickles for the workers.
        http=functools.partial(Protocol, limits=options.limits()),  # type: ignore[arg-type]
        timeout_keep_alive=options.keep_alive_timeout,  # type: ignore[arg-type]  # a float works
    )
    if workers > 1:
        app.state.store.close()  # the workers open their own
    run(config, sock)
    return 0


def run(config: uvicorn.Config, sock: socket.socket) -> None:
    """Serve `config` on the bound `sock` until interrupted: in this process, or in
    `config.workers` processes that share the socket."""
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    sys.stdout.flush()
