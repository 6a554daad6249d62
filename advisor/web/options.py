"""The options of `advisor serve`: on the command line, or as `ADVISOR_<OPTION>` variables.

pydantic-settings reads the environment and checks every value (a port is 0 to 65535,
counts are whole numbers in range); what the command line says wins. A wrong value, from
either, is said in one line with where it came from.
"""

from __future__ import annotations

import argparse
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from advisor.web.protocol import Limits
from advisor.web.settings import Settings

PREFIX = "ADVISOR_"


class ServeOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid")

    rules: str | None = Field(None, description="a folder of rule files (default: bundled)")
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=0, le=65535, description="port; 0 picks a free one")
    workers: int = Field(1, ge=1, description="worker processes")
    store: str = Field(
        Settings.store,
        description="sqlite:PATH (one machine), redis://HOST:PORT/DB (several), or "
        "redis+sentinel://HOST:PORT,.../SERVICE for Redis Sentinel",
    )
    idle_timeout: float = Field(
        Settings.idle_timeout, gt=0, description="seconds after which an idle conversation goes"
    )
    rate_limit: int = Field(
        Settings.rate_limit, ge=0, description="requests per minute and client address; 0: none"
    )
    cors_origin: Annotated[list[str], NoDecode] = Field(
        [],
        description="page origins allowed to call the API, e.g. https://support.example.com "
        "(repeat the option, or separate by commas; * for any)",
    )
    max_body: int = Field(Settings.max_body, ge=1, description="largest request body, bytes")
    engines: int = Field(
        Settings.engines,
        ge=1,
        description="conversations at once that keep an engine of their own in a worker, "
        "about 1 MB each",
    )
    threads: int = Field(
        Settings.threads,
        ge=0,
        description="threads a worker runs turns on; 0 runs them on its event loop",
    )
    max_header_bytes: int = Field(
        Limits.head_bytes, ge=1024, description="largest request line and headers, bytes (431)"
    )
    header_timeout: float = Field(
        Limits.head_seconds,
        gt=0,
        description="seconds a client has to send the request line and headers, and as long "
        "again for a body (408)",
    )
    keep_alive_timeout: float = Field(
        5.0, gt=0, description="seconds an idle connection is kept open between requests"
    )
    max_connections: int = Field(
        Limits.connections,
        ge=0,
        description="connections a worker serves at once; past them it answers 503; 0: any",
    )
    forwarded_allow_ips: str | None = Field(
        None, description="proxies trusted for X-Forwarded-For (uvicorn's; default: 127.0.0.1)"
    )
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info", description="the lowest level logged"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text, or json: one object per line with request and conversation"
    )
    log_user_text: bool = Field(False, description="let the logs hold what people type")
    handoff_url: str | None = Field(
        None, description="the webhook a hand-off to a person is POSTed to"
    )
    handoff_secret: str | None = Field(
        None, description="the key of the X-Advisor-Signature (HMAC-SHA256) of each hand-off"
    )

    @field_validator("cors_origin", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    def limits(self) -> Limits:
        return Limits(self.max_header_bytes, self.header_timeout, self.max_connections)

    def settings(self) -> Settings:
        return Settings(
            store=self.store,
            rules=self.rules,
            idle_timeout=self.idle_timeout,
            max_body=self.max_body,
            rate_limit=self.rate_limit,
            cors_origins=tuple(self.cors_origin),
            engines=self.engines,
            threads=self.threads,
            handoff_url=self.handoff_url,
            handoff_secret=self.handoff_secret,
            log_user_text=self.log_user_text,
        )


class OptionError(ValueError):
    """An option with a value it cannot have."""


def add_parser(commands: Any) -> None:
    """`advisor serve` with every option of `ServeOptions`; one not given is absent, so the
    environment (or the default) decides it."""
    p = commands.add_parser(
        "serve",
        help="serve the JSON API, the web widget and a demo page",
        description="Every option can also be set as an environment variable: "
        f"{PREFIX}PORT=8080 for --port 8080.",
    )
    for name, field in ServeOptions.model_fields.items():
        flag = "--" + name.replace("_", "-")
        env = PREFIX + name.upper()
        shown = "" if field.default in (None, []) else f"; default: {field.default}"
        help_text = f"{field.description} ({env}{shown})"
        if field.annotation is bool:
            p.add_argument(flag, action="store_true", default=argparse.SUPPRESS, help=help_text)
        elif name == "cors_origin":
            p.add_argument(flag, action="append", default=argparse.SUPPRESS, help=help_text)
        else:
            p.add_argument(flag, default=argparse.SUPPRESS, metavar=name.upper(), help=help_text)


def from_args(args: argparse.Namespace) -> ServeOptions:
    given = {k: v for k, v in vars(args).items() if k in ServeOptions.model_fields}
    try:
        return ServeOptions(**given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            source = "--" + name.replace("_", "-") if name in given else PREFIX + name.upper()
            problems.append(f"{source}: {error['msg']} (got {error['input']!r})")
        raise OptionError("; ".join(problems)) from None
