"""The projector page: served on loopback, live over Server-Sent Events, safe with hostile text,
and clean in headless Chromium (no console error, no request but to its own server)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request

import pytest
import test_report_browser as browser
from test_drill_console import make_session

from incsim.drill.projector import guard, serve_projector

HOSTILE = '<img src="http://127.0.0.1:9/evil.png"> </script><script>document.title="pwned"</script> & "q"'


@pytest.fixture
def served():
    """Start a projector for a session; stop every one started, even when a test fails."""
    stops = []

    def start(session):
        stop = serve_projector(session, "127.0.0.1", 0)
        stops.append(stop)
        return stop

    yield start
    for stop in stops:
        stop()


class Stream:
    """A client of the Server-Sent Events stream: one ``data:`` event at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=20)
        self.conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
        self.response = self.conn.getresponse()

    def next(self) -> dict:
        data = []
        while True:
            line = self.response.fp.readline()
            assert line, "the stream ended"
            line = line.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                data.append(line[len("data: "):])
            elif line == "" and data:
                return json.loads("\n".join(data))

    def close(self) -> None:
        self.conn.close()


def test_the_page_is_served_with_a_strict_policy_and_escapes_the_title(served):
    stop = served(make_session(HOSTILE))
    assert stop.host == "127.0.0.1" and stop.port > 0
    with urllib.request.urlopen(stop.url, timeout=10) as resp:
        body = resp.read().decode("utf-8")
        csp = resp.headers["Content-Security-Policy"]
        assert resp.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert HOSTILE not in body and "&lt;img src=" in body
    assert "<img" not in body and "pwned" in body  # the text is there, only as text
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(stop.url + "nothing-here", timeout=10)
    assert err.value.code == 404


def test_the_stream_pushes_a_snapshot_after_a_step(served):
    session = make_session()
    stop = served(session)
    stream = Stream(stop.host, stop.port)
    try:
        assert stream.response.status == 200
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        first = stream.next()
        assert first["status"]["now"] == 0.0 and first["title"] == session.title
        with guard(session):
            session.note("the on-call hesitated", "acknowledge")
            session.step()
        second = stream.next()
    finally:
        stream.close()
    injects = [item for item in session.feed() if item.kind == "inject"]
    assert second["status"]["now"] == session.now > 0
    assert second["inject"]["text"] == injects[-1].text != first["inject"]["text"]
    shown = [i.index for i in session.feed() if i.kind != "note"]
    assert [i["index"] for i in second["feed"]] == shown[-len(second["feed"]):]
    assert second["feed"][-1]["index"] == session.feed()[-1].index
    assert "hesitated" not in json.dumps(second)  # the facilitator's notes stay off the room's screen
    assert any(item.kind == "note" for item in session.feed())


def test_stop_closes_the_server(served):
    stop = served(make_session())
    with urllib.request.urlopen(stop.url, timeout=10) as resp:
        assert resp.status == 200
    stop()
    stop()  # a second stop is harmless
    with pytest.raises(OSError):
        urllib.request.urlopen(stop.url, timeout=5)


@pytest.mark.skipif(browser.CHROMIUM is None, reason="no Chromium found (apt-get install -y chromium, "
                                                      "or set CHROMIUM=/path/to/chrome)")
def test_the_page_in_chromium_has_no_errors_and_no_foreign_requests(served, tmp_path):
    session = make_session(HOSTILE)
    while session.pending_decision() is None:
        session.step()  # an inject and a decision on screen
    stop = served(session)
    seen = browser.render(stop.url, height=800)
    assert seen["errors"] == [], seen["errors"]
    assert seen["requests"] and all(url.startswith(stop.url) for url in seen["requests"]), seen["requests"]
    assert stop.url + "events" in seen["requests"]  # the page subscribed to the live stream
    assert seen["title"] == HOSTILE + " — drill"  # rendered as text by the script, not run as markup
    assert seen["scroll_width"] <= browser.WIDTH
    (tmp_path / "projector.png").write_bytes(seen["png"])
