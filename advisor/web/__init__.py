"""advisor over HTTP: a JSON API, shared session stores, and a chat widget for web pages.

`create_app(Settings(...))` is an ASGI application; `advisor serve` runs it with uvicorn.
"""

from advisor.web.app import create_app
from advisor.web.settings import Settings

__all__ = ["Settings", "create_app"]
