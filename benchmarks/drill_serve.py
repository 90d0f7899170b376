"""Load benchmark of the served drill: how long a player's action takes to reach every view.

Method: serve the cascading drill on loopback (the real server, uvicorn in its thread), join
``--players`` devices (spread over the played roles; several devices may share a role), open
every device's Server-Sent Events stream plus the projector's and the facilitator's, and let the
IC post ``--actions`` updates one after another, each with a unique marker. For each action the
latency is the time from sending the POST to the moment the *last* stream has delivered a
payload containing the marker. Two extra clients misbehave the whole time: one opens a stream
and never reads it (dead), one reads a line every second (slow); the figures show whether they
stall anyone else. Prints the median, p90 and maximum, and the machine's core count.

    python benchmarks/drill_serve.py --players 50 --actions 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from incsim.drill.engine import DrillSession  # noqa: E402
from incsim.drill.server import serve  # noqa: E402
from incsim.scenario.drill import load_drill  # noqa: E402


async def listen(
    client: httpx.AsyncClient, path: str, seen: dict[str, float], ready: asyncio.Event, markers: list[str]
) -> None:
    """Read a stream; note when each marker first arrives."""
    async with client.stream("GET", path) as resp:
        ready.set()
        async for line in resp.aiter_lines():
            if line.startswith("data:"):
                for m in markers:
                    if m not in seen and m in line:
                        seen[m] = time.perf_counter()


async def dead(client: httpx.AsyncClient, path: str) -> None:
    async with client.stream("GET", path):
        await asyncio.sleep(3600)  # never reads


async def slow(client: httpx.AsyncClient, path: str) -> None:
    async with client.stream("GET", path) as resp:
        async for _ in resp.aiter_lines():
            await asyncio.sleep(1.0)


async def run(players: int, actions: int) -> list[float]:
    session = DrillSession(load_drill(ROOT / "scenarios" / "drills" / "cascading-outage.yaml"), 3)
    stop = serve(session, "127.0.0.1", 0)
    limits = httpx.Limits(max_connections=players + 20, max_keepalive_connections=players + 20)
    try:
        async with httpx.AsyncClient(base_url=stop.url, timeout=30, limits=limits) as client:
            roles = sorted(session.playing)
            paths, tokens = [], {}
            for i in range(players):
                role = roles[i % len(roles)]
                r = await client.post(
                    "/join", json={"code": stop.served.code, "role": role}, headers={"X-Incsim-Token": "join"}
                )
                url = r.json()["url"]
                paths.append(url + "/events")
                tokens.setdefault(role, url)
            fac = stop.facilitator_url.removeprefix(stop.url.rstrip("/")) + "/events"
            paths += ["/events", fac]
            markers = [f"marker-{k:03d}" for k in range(actions)]
            seen = [dict() for _ in paths]
            readies = [asyncio.Event() for _ in paths]
            tasks = [
                asyncio.create_task(listen(client, p, s, e, markers)) for p, s, e in zip(paths, seen, readies)
            ]
            tasks += [
                asyncio.create_task(dead(client, "/events")),
                asyncio.create_task(slow(client, "/events")),
            ]
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in readies)), 30)
            ic = tokens["ic"]
            await client.post(
                ic + "/act", json={"action": "ack"}, headers={"X-Incsim-Token": ic.split("/")[2]}
            )
            await asyncio.sleep(1.0)
            out = []
            for m in markers:
                t0 = time.perf_counter()
                r = await client.post(
                    ic + "/act",
                    json={"action": "update", "status": "investigating", "text": m},
                    headers={"X-Incsim-Token": ic.split("/")[2]},
                )
                assert r.status_code == 200, r.text
                while not all(m in s for s in seen):
                    if time.perf_counter() - t0 > 10:
                        raise SystemExit(f"{m}: not every view got it within 10 s")
                    await asyncio.sleep(0.002)
                out.append(max(s[m] for s in seen) - t0)
                await asyncio.sleep(0.2)
            for t in tasks:
                t.cancel()
            return out
    finally:
        stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--players", type=int, default=50)
    ap.add_argument("--actions", type=int, default=20)
    args = ap.parse_args()
    lat = asyncio.run(run(args.players, args.actions))
    ms = sorted(x * 1000 for x in lat)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    print(
        f"{args.players} players + projector + facilitator (+1 dead, +1 slow client), {args.actions} actions, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"action -> every view: median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms, max {ms[-1]:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
