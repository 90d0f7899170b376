"""The served drill: joining with the session code, one view per role, CSRF-safe POSTs, strict
headers, and nothing of the facilitator's material in the room's or a player's responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from incsim.drill.engine import DrillSession  # noqa: E402
from incsim.drill.server import CSP, is_loopback, serve  # noqa: E402
from incsim.scenario.drill import load_drill  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CASCADE = ROOT / "scenarios" / "drills" / "cascading-outage.yaml"
SECRET_NOTE = "FACILITATOR-ONLY-NOTE"


@pytest.fixture()
def served():
    session = DrillSession(load_drill(CASCADE), 3)
    stop = serve(session, "127.0.0.1", 0)
    client = httpx.Client(base_url=stop.url, timeout=5)
    yield session, stop, client
    client.close()
    stop()


def first_event(client, path: str) -> dict:
    with client.stream("GET", path) as resp:
        assert resp.status_code == 200 and resp.headers["content-security-policy"] == CSP
        for line in resp.iter_lines():
            if line.startswith("data:"):
                return json.loads(line[5:])
    raise AssertionError("no event")


def join(client, code: str, role: str) -> tuple[str, str]:
    r = client.post("/join", json={"code": code, "role": role}, headers={"X-Incsim-Token": "join"})
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    return url, url.split("/")[2]


def facilitator_material(session) -> list[str]:
    """Strings only the facilitator may see."""
    out = [SECRET_NOTE, "recommended", "\u2605"]
    out += [e.text for i in session.drill.injects for e in i.expectations]
    out += [i.text for i in session.drill.injects if i.on_demand]
    return out


def test_each_view_sees_only_its_own(served):
    session, stop, client = served
    code = stop.served.code
    url, token = join(client, code, "ic")
    fac = stop.facilitator_url.removeprefix(stop.url.rstrip("/"))
    r = client.post(
        fac + "/do",
        json={"cmd": "note", "text": SECRET_NOTE},
        headers={"X-Incsim-Token": stop.served.facilitator},
    )
    assert r.status_code == 200, r.text
    while session.pending_decision() is None:  # a decision with a recommended option is waiting
        session.step()
    bodies = [
        client.get("/").text,
        json.dumps(first_event(client, "/events")),
        client.get(url).text,
        json.dumps(first_event(client, url + "/events")),
    ]
    for body in bodies:
        for secret in facilitator_material(session):
            assert secret not in body, secret
    facilitator = json.dumps(first_event(client, fac + "/events"))
    assert SECRET_NOTE in facilitator and '"recommended": true' in facilitator.replace('":true', '": true')
    player = first_event(client, url + "/events")
    assert player["role"]["id"] == "ic" and player["decision"]["options"]
    other_url, _ = join(client, code, "data")
    assert first_event(client, other_url + "/events")["decision"] is None  # the IC's decision is not theirs


def test_posts_are_csrf_safe_and_the_code_is_checked(served):
    session, stop, client = served
    url, token = join(client, stop.served.code, "ic")
    assert client.post(url + "/act", data={"action": "ack"}).status_code == 415
    assert client.post(url + "/act", json={"action": "ack"}).status_code == 403  # no token header
    assert (
        client.post(
            url + "/act",
            json={"action": "ack"},
            headers={"X-Incsim-Token": token, "Origin": "http://evil.example"},
        ).status_code
        == 403
    )
    assert (
        client.post(url + "/act", json={"action": "ack"}, headers={"X-Incsim-Token": token}).status_code
        == 200
    )
    assert (
        client.post(
            "/join", json={"code": "WRONG1", "role": "ic"}, headers={"X-Incsim-Token": "join"}
        ).status_code
        == 403
    )
    assert client.get("/p/not-a-token").status_code == 404
    assert client.get("/f/not-the-token").status_code == 404
    r = client.get("/")
    for header in ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"):
        assert header in r.headers
    assert "<script>" not in r.text and "style=" not in r.text


def test_off_loopback_every_view_needs_the_code():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    session = DrillSession(load_drill(CASCADE), 3)
    from starlette.testclient import TestClient

    from incsim.drill.server import build_app

    app = build_app(session, require_code=True)
    code = app.state.served.code
    with TestClient(app) as client:
        assert client.get("/").status_code == 403
        assert client.get("/qr.svg").status_code == 403
        assert client.get(f"/?code={code}").status_code == 200
        assert client.get("/qr.svg").status_code == 200  # the cookie the projector page set


def test_requests_for_another_host_name_are_refused(served):
    session, stop, client = served
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 421
    r = client.get("/events", headers={"Host": "rebound.example:80"})
    assert r.status_code == 421 and r.headers["content-security-policy"] == CSP
    assert client.get("/", headers={"Host": f"localhost:{stop.port}"}).status_code == 200


def test_an_allowed_host_and_an_ipv6_literal():
    from incsim.cli.drill import parse_address

    assert parse_address("[::1]:8765") == ("::1", 8765) and parse_address("127.0.0.1:0") == ("127.0.0.1", 0)
    session = DrillSession(load_drill(CASCADE), 3)
    try:
        stop = serve(session, "::1", 0, allow_hosts=("drill.example",))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert stop.url.startswith("http://[::1]:")
        with httpx.Client(base_url=stop.url, timeout=5) as client:
            assert client.get("/").status_code == 200
            assert client.get("/", headers={"Host": "drill.example"}).status_code == 200
            assert client.get("/", headers={"Host": "other.example"}).status_code == 421
    finally:
        stop()


def test_control_and_bidi_characters_are_neutralised():
    from incsim.drill.feed import safe_text
    from incsim.drill.views import room_view

    assert (
        safe_text("pay\u202eKCOLB\u202c ok\x1b]0;x\x07\r\n")
        == "pay\ufffdKCOLB\ufffd ok\ufffd]0;x\ufffd\ufffd\n"
    )
    text = CASCADE.read_text().replace(
        "title: Cascading outage across three teams", 'title: "Cascading \\u202eoutage\\x1b[31m"'
    )
    from incsim.scenario.drill import load_drill_text

    s = DrillSession(load_drill_text(text, str(CASCADE), base=CASCADE.parent), 3)
    s.note("look \u202e here")
    assert all("\u202e" not in f.text and "\x1b" not in f.text for f in s.feed())
    from incsim.drill.server import clean_view

    assert "\u202e" not in json.dumps(clean_view(room_view(s)), ensure_ascii=False)


def test_the_journal_survives_a_failed_write(tmp_path):
    from incsim.drill.transcript import load_transcript

    session = DrillSession(load_drill(CASCADE), 3)
    journal = tmp_path / "journal.yaml"
    session.transcript.start_journal(journal)
    session.note("one")
    journal.chmod(0o400)
    blocked = tmp_path / "journal.yaml"
    import os

    if os.access(blocked, os.W_OK):  # root writes read-only files: take the folder away instead
        journal.chmod(0o600)
        session.transcript.journal = tmp_path / "gone" / "journal.yaml"
    session.note("two")
    assert session.transcript.journal_error and "kept" in session.transcript.journal_error
    assert [a.args["text"] for a in session.transcript.actions] == ["one", "two"]
    journal.chmod(0o600)
    session.transcript.journal = journal
    session.note("three")
    assert session.transcript.journal_error is None
    assert [a.args["text"] for a in load_transcript(journal).actions] == ["one", "two", "three"]


def test_a_player_sees_only_the_pages_addressed_to_them():
    from incsim.drill.views import player_view

    session = DrillSession(load_drill(CASCADE), 3)
    platform = [f["text"] for f in player_view(session, "platform")["feed"] if f["channel"] == "page"]
    ic = [f["text"] for f in player_view(session, "ic")["feed"] if f["channel"] == "page"]
    assert any("consumer lag" in t for t in platform)  # the alert goes to the platform on-call
    assert not any("consumer lag" in t for t in ic)
    assert any("(ic)" in t for t in ic) and not any("(ic)" in t for t in platform)


def _raw(port: int, data: bytes, wait_s: float = 3.0, until_closed: bool = True) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it (or, unless
    ``until_closed``, until a reply's head has come); fails after ``wait_s``."""
    import socket
    import time

    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as sock:
        sock.sendall(data)
        out, deadline = b"", time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                return out
            out += chunk
            if b"\r\n\r\n" in out and not until_closed:
                return out
    raise AssertionError(f"the server kept the connection open; it sent {out[:200]!r}")


def test_protocol_errors_carry_the_security_headers(served):
    session, stop, client = served
    for odd, status in (
        (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", "404"),  # h11 has no
        (b"GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", "200"),
    ):  # bound on these: served
        reply = _raw(stop.port, odd, until_closed=False).decode("latin-1").lower()
        assert reply.startswith(f"http/1.1 {status}") and f"content-security-policy: {CSP.lower()}" in reply
    for bad in (
        b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"b" * 20000,  # a head beyond h11's buffer
        b"GET / HTTP/1.1\r\nHost localhost\r\n\r\n",  # a header without a colon
        b"G(T / HTTP/1.1\r\nHost: localhost\r\n\r\n",  # a bad method token
        b"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
    ):  # unsupported coding
        reply = _raw(stop.port, bad).decode("latin-1").lower()  # answered by uvicorn, then closed
        assert reply.startswith("http/1.1 400"), reply[:80]
        assert (
            f"content-security-policy: {CSP.lower()}" in reply and "x-content-type-options: nosniff" in reply
        )


def test_a_slow_client_is_dropped_and_the_connection_bound_answers_with_the_headers():
    import socket
    import time

    session = DrillSession(load_drill(CASCADE), 3)
    stop = serve(session, "127.0.0.1", 0, max_connections=3, request_timeout_s=0.5)
    try:
        start = time.monotonic()
        reply = _raw(stop.port, b"GET / HTTP/1.1\r\nHost: loc", wait_s=5)  # never finishes its request
        assert reply == b"" and 0.4 < time.monotonic() - start < 3
        idle = [socket.create_connection(("127.0.0.1", stop.port)) for _ in range(3)]
        try:
            over = _raw(stop.port, b"", wait_s=2).decode("latin-1").lower()
            assert over.startswith("http/1.1 503") and f"content-security-policy: {CSP.lower()}" in over
            time.sleep(0.8)  # the idle ones are dropped: a place is free again
            with httpx.Client(base_url=stop.url, timeout=5) as client:
                assert client.get("/").status_code == 200
        finally:
            for s in idle:
                s.close()
        with httpx.Client(base_url=stop.url, timeout=5) as client:  # a streamed reply is not cut
            with client.stream("GET", "/events") as resp:
                time.sleep(1.0)
                assert resp.status_code == 200 and next(resp.iter_lines()) is not None
    finally:
        stop()


def test_a_served_ic_declares_mitigated_and_hands_over(served):
    session, stop, client = served
    url, token = join(client, stop.served.code, "ic")
    post = lambda body: client.post(url + "/act", json=body, headers={"X-Incsim-Token": token})  # noqa: E731
    assert post({"action": "ack"}).status_code == 200
    before = session.run.ic.id
    assert post({"action": "mitigated"}).status_code == 200
    assert any(f.text.startswith("declared mitigated") for f in session.feed())
    assert post({"action": "handover", "to": "nobody-here"}).status_code == 409
    assert post({"action": "handover", "to": "data"}).status_code == 200
    assert session.run.ic.id != before and session.handed_over == {"ic": before}
    assert "Hand over" in client.get("/static/app.js").text
