"""Serving the app with uvicorn: slow clients cut off, secrets kept out of the log.

uvicorn closes idle keep-alive connections but gives a client all the time it wants to
send a request's headers: forty half-open connections trickling headers held their
sockets for as long as they liked. Here every connection must complete a request's
headers within ``header_timeout`` seconds of its first byte (or of opening), or it is
answered 408 and closed; bodies are held to ``body_timeout`` by the ``BodyLimit``
middleware. Past ``max_connections`` open connections, uvicorn answers 503.

The access log writes each request line; a token sent in the query string (which
clients should not do, but some do) is replaced by ``[redacted]`` before it is written.

The event loop is uvloop's (libuv), cheaper per request than asyncio's own, and HTTP/1.1
is parsed by httptools (llhttp), a quarter of a millisecond per request cheaper than h11's
pure Python. llhttp refuses a method it does not know (``BREW /sparql``) before the app
sees it; such a connection is handed to h11, which passes any method on, so that the app
answers 405 with a problem document as it does for any method a resource does not offer.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import re
from typing import Any

import httptools
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from platform_graph.config import Settings

__all__ = [
    "REDACTED",
    "GuardedH11Protocol",
    "GuardedHttpToolsProtocol",
    "RedactSecrets",
    "log_config",
    "run",
]

REDACTED = "[redacted]"
_SECRET_PARAMS = re.compile(
    r"(?i)((?:^|[?&\s])(?:token|access_token|api_key|apikey|key|password|secret|auth)=)"
    r"[^&\s\"]*"
)


_SECRET_WORDS = ("token", "key", "password", "secret", "auth")


def _redact(text: str) -> str:
    # Every line of the access log passes here: the words are looked for first (a scan
    # in C), the pattern run only where one of them is.
    lowered = text.lower()
    if "=" not in text or not any(word in lowered for word in _SECRET_WORDS):
        return text
    return _SECRET_PARAMS.sub(rf"\1{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Removes secrets from log records (uvicorn's access log passes the path as args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        return True


_HEADERS_TOO_SLOW = json.dumps(
    {
        "type": "about:blank",
        "title": "Request timeout",
        "status": 408,
        "detail": "the request headers did not arrive in time",
        "errors": [
            {
                "message": {
                    "sv": "Huvudena i begäran kom inte fram i tid.",
                    "en": "The request headers did not arrive in time.",
                }
            }
        ],
    },
    ensure_ascii=False,
).encode("utf-8")
"""The answer to a client too slow with its headers, written before any app runs."""


class _HeaderDeadline:
    """Cuts off clients slow to send a request's headers (mixed into uvicorn's protocols,
    which provide ``cycle``, ``transport`` and the connection callbacks)."""

    header_timeout = float(os.environ.get("PLATFORM_GRAPH_HEADER_TIMEOUT", "10"))
    _header_timer: asyncio.TimerHandle | None = None
    handed_off = False
    cycle: Any
    transport: asyncio.Transport

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _arm(self) -> None:
        if self._header_timer is None and not self.handed_off:
            self._header_timer = asyncio.get_running_loop().call_later(
                self.header_timeout, self._headers_too_slow
            )

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            body = _HEADERS_TOO_SLOW
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                b"Content-Type: application/problem+json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._waiting_for_headers():
            self._arm()  # a request has begun to arrive: its headers have a limit
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # Idle now: uvicorn's keep-alive limit applies until the next request's bytes.
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]


class GuardedH11Protocol(_HeaderDeadline, H11Protocol):  # type: ignore[misc]
    """uvicorn's pure-Python HTTP/1.1 protocol, cutting off clients slow to send headers
    (the deadline a mixin, so that another of uvicorn's protocols could take it too)."""


class _AnyMethod(HttpToolsProtocol):
    """uvicorn's llhttp protocol, handing a connection whose request begins with a method
    llhttp does not know to h11 (a request of another method already begun on it is
    refused with a 400, as before)."""

    handed_off = False

    def data_received(self, data: bytes) -> None:
        idle = self.cycle is None or bool(self.cycle.response_complete)
        cycle = self.cycle
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserInvalidMethodError:
            if idle and self.cycle is cycle:
                self._hand_to_h11(data)
            else:
                self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserError:
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def _hand_to_h11(self, data: bytes) -> None:
        other = GuardedH11Protocol(
            config=self.config,
            server_state=self.server_state,
            app_state=self.app_state,
            _loop=self.loop,
        )
        self.handed_off = True
        self.connections.discard(self)
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        self.transport.set_protocol(other)
        other.connection_made(self.transport)
        other.data_received(data)


class GuardedHttpToolsProtocol(_HeaderDeadline, _AnyMethod):  # type: ignore[misc]
    """llhttp's HTTP/1.1 parser, cutting off clients slow to send headers, and any method
    passed on to the app (through h11)."""

    def data_received(self, data: bytes) -> None:
        _HeaderDeadline.data_received(self, data)
        if self.handed_off:
            self._disarm()


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, with secrets redacted on every handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "platform_graph.http.server.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config


def run(app: Any, settings: Settings, *, workers: int = 1) -> None:
    """Serve ``app`` (with several workers: an import string of a factory) with the header
    timeout, the connection cap and the redacting log."""
    protocol = GuardedHttpToolsProtocol
    _HeaderDeadline.header_timeout = settings.header_timeout
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=log_config(),
        loop="uvloop",
        http=protocol if workers == 1 else f"platform_graph.http.server:{protocol.__name__}",
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        workers=workers,
        factory=workers > 1,
    )
