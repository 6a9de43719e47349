"""Fixtures of the exchange tests: a real HTTP receiver on loopback, secrets in a temporary directory, a clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sanxiang.conftest import Bureau
from sanxiang.exchange.models import Receiver
from sanxiang.exchange.services import receiver_add

SECRET = "test-secret-0123456789abcdef"


@dataclass
class Received:
    """One request the receiver got, and what it answered."""

    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def key(self) -> str:
        return self.headers["Idempotency-Key"]

    @property
    def envelope(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def signature_valid(self, secret: str = SECRET) -> bool:
        timestamp = self.headers["X-Sanxiang-Timestamp"]
        expected = hmac.new(secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers["X-Sanxiang-Signature"], "sha256=" + expected)


@dataclass
class PushServer:
    """A platform receiving pushes: a stdlib ThreadingHTTPServer on 127.0.0.1 in a thread.

    ``respond(n)`` gives the status for the n-th request (from 0). ``accepted`` keeps what a real receiver would
    process: 2xx answers, deduplicated by ``Idempotency-Key`` as the receiver is told to (``duplicates`` counts the
    rest).
    """

    respond: Callable[[int], int] = lambda n: 200
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> PushServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    status = owner.respond(len(owner.requests))
                    owner.requests.append(Received(dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"busy")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/push"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]


@pytest.fixture(autouse=True)
def _secrets_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_EXCHANGE_SECRET_DIR = str(tmp_path / "secrets")
    settings.SANXIANG_EXCHANGE_BACKOFF_FIRST = 10
    settings.SANXIANG_EXCHANGE_BACKOFF_MAX = 3600
    settings.SANXIANG_EXCHANGE_TIMEOUT = 5


@pytest.fixture
def server() -> Iterator[PushServer]:
    push = PushServer().start()
    yield push
    push.stop()


def add_receiver(
    bureau: Bureau, url: str, *, topics: Any = "registry.*", name: str = "区行政执法公示平台", **kw: Any
) -> Receiver:
    receiver, _ = receiver_add(
        actor=kw.pop("actor", bureau.reviewer),
        agency=kw.pop("agency", bureau.agency),
        name=name,
        url=url,
        topics=topics,
        secret=kw.pop("secret", SECRET),
        **kw,
    )
    return receiver


class Clock:
    """Simulated time for the delivery (``now=``): advanced, never slept."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def to(self, moment: dt.datetime) -> dt.datetime:
        self.now = max(self.now, moment)
        return self.now
