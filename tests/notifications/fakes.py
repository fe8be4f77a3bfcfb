"""A small local stand-in for the LINE Messaging API, run by the tests on 127.0.0.1 in a thread.

It behaves as LINE documents for push messages: a request whose X-Line-Retry-Key was already accepted
gets 409 instead of a second message. Tests can make it answer with errors first, or hold the first
request open (to kill a worker in the middle of sending).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTS = range(8141, 8151)


@dataclass
class Received:
    path: str
    headers: dict
    body: dict


@dataclass
class FakeLine:
    server: ThreadingHTTPServer
    # Status codes to answer, in order, before accepting (e.g. [500, 500]).
    failures: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    accepted: dict[str, dict] = field(default_factory=dict)
    # When set, the first request waits until `release` is set before it is accepted.
    hold_first: bool = False
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def messages_delivered(self) -> list[dict]:
        """What the person actually received: one message per accepted retry key."""
        return list(self.accepted.values())


def _handler(fake: FakeLine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake.lock:
                fake.received.append(Received(self.path, dict(self.headers), body))
                first = len(fake.received) == 1
                status = fake.failures.pop(0) if fake.failures else None
            if first and fake.hold_first:
                fake.first_arrived.set()
                fake.release.wait(30)
            retry_key = self.headers.get("X-Line-Retry-Key", "")
            with fake.lock:
                if status is None and retry_key in fake.accepted:
                    status = 409
                elif status is None:
                    fake.accepted[retry_key] = body
                    status = 200
            payload = b"{}" if status == 200 else json.dumps({"message": f"fake error {status}"}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-line-request-id", f"req-{len(fake.received)}")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client (a killed worker) is gone

    return Handler


def start_fake_line() -> FakeLine:
    last_error: OSError | None = None
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
        except OSError as exc:
            last_error = exc
            continue
        fake = FakeLine(server=server)
        server.RequestHandlerClass = _handler(fake)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return fake
    raise RuntimeError(f"no free port for the fake LINE server in {PORTS}: {last_error}")


def stop_fake_line(fake: FakeLine) -> None:
    fake.release.set()
    fake.server.shutdown()
    fake.server.server_close()
