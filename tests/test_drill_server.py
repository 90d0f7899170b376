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

ROOT = Path(__file__).resolve().parents[1]
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
    r = client.post(fac + "/do", json={"cmd": "note", "text": SECRET_NOTE},
                    headers={"X-Incsim-Token": stop.served.facilitator})
    assert r.status_code == 200, r.text
    while session.pending_decision() is None:  # a decision with a recommended option is waiting
        session.step()
    bodies = [client.get("/").text, json.dumps(first_event(client, "/events")),
              client.get(url).text, json.dumps(first_event(client, url + "/events"))]
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
    assert client.post(url + "/act", json={"action": "ack"}, headers={"X-Incsim-Token": token,
                                                                      "Origin": "http://evil.example"}).status_code == 403
    assert client.post(url + "/act", json={"action": "ack"}, headers={"X-Incsim-Token": token}).status_code == 200
    assert client.post("/join", json={"code": "WRONG1", "role": "ic"},
                       headers={"X-Incsim-Token": "join"}).status_code == 403
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
