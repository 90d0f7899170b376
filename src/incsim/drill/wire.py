"""The served drill's connections: what uvicorn's HTTP/1.1 protocol (h11) does below the application.

Three things the application cannot do itself, because they happen before a request reaches it:

- **A bound on connections.** Beyond ``limit`` open connections a new one gets a 503 at once
  and is closed, before it has sent anything, so a flood of idle connections cannot use up the
  process's descriptors (the journal and the outputs need some).
- **A bound on idle connections.** A connection must deliver a whole request (head and body)
  within ``request_timeout`` seconds of opening, or of its previous reply; one that does not
  (a slow-loris client trickling a header a byte at a time, or one that never writes) is
  closed. A reply being streamed (the views' Server-Sent Events) is not bounded by this.
- **The security headers on protocol errors.** A request h11 cannot parse (a header block or
  request line beyond its 16 KiB buffer, a malformed line, an unknown HTTP version) is answered
  by uvicorn itself with a 400 that bypasses the application; here it carries the same
  security headers as every other reply.
"""

from __future__ import annotations

from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol


def _raw_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("ascii"), v.encode("ascii")) for k, v in headers.items()]


def guarded_protocol(headers: dict[str, str], limit: int, request_timeout: float) -> type:
    """An h11 protocol class for ``uvicorn.Config(http=...)`` with the bounds above."""
    security = _raw_headers(headers)

    class Guarded(H11Protocol):
        _request_timer: Any = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limit:
                self._refuse(503, b"too many connections, try again shortly\n")
                return
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE and self.conn.their_state is not h11.SEND_BODY:
                self._disarm()  # the whole request is in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection has its own time

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            self._disarm()
            event = h11.Response(
                status_code=400,
                reason=STATUS_PHRASES[400],
                headers=[
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"connection", b"close"),
                    *security,
                ],
            )
            body = msg.encode("ascii", "replace") + b"\n"
            try:
                self.transport.write(
                    self.conn.send(event)
                    + self.conn.send(h11.Data(data=body))
                    + self.conn.send(h11.EndOfMessage())
                )
            except h11.LocalProtocolError:
                pass  # a reply was under way already: close without one
            self.transport.close()

        def _refuse(self, status: int, body: bytes) -> None:
            head = [
                b"HTTP/1.1 %d %s\r\n" % (status, STATUS_PHRASES[status]),
                b"content-type: text/plain; charset=utf-8\r\n",
                b"connection: close\r\n",
                b"content-length: %d\r\n" % len(body),
                *(k + b": " + v + b"\r\n" for k, v in security),
                b"\r\n",
            ]
            self.transport.write(b"".join(head) + body)
            self.transport.close()

        def _arm(self) -> None:
            self._disarm()
            self._request_timer = self.loop.call_later(request_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._request_timer is not None:
                self._request_timer.cancel()
                self._request_timer = None

        def _too_slow(self) -> None:
            self._request_timer = None
            if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
                self.transport.close()

    return Guarded
