"""incsim benchmarks (run on demand, not in the test suite).

    python benchmarks/bench.py            # all three
    python benchmarks/bench.py events     # per-event cost against bare SimPy, same run
    python benchmarks/bench.py jobs       # default scenario, 100 replications, 1 vs 2 jobs
    python benchmarks/bench.py memory     # peak RSS at 10 vs 1,000 replications
    python benchmarks/bench.py --json     # machine-readable

Every speed is reported as a ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

import numpy as np
import simpy

TARGETS = {"per_event_cost_ratio": 2.0, "speedup_2_jobs": 1.7, "memory_ratio_1000_vs_10": 1.5}


def _events_of(env: simpy.Environment) -> int:
    """Events scheduled so far (SimPy numbers each scheduled event)."""
    return next(env._eid)  # advances the counter once, harmless after the run


def incsim_mmc(c: int, rho: float, work_mean: float, horizon_days: float, seed: int) -> tuple[int, float, int]:
    """The M/M/c validation scenario through incsim's full model: (events, wall seconds, incidents)."""
    from incsim.model.incidents import generate_incidents
    from incsim.model.streams import Streams
    from incsim.model.world import World
    from incsim.verify import mmc_scenario

    scn = mmc_scenario(c, rho, work_mean, horizon_days)
    horizon = horizon_days * 1440.0
    incidents = generate_incidents(scn, Streams(seed, 0), horizon)
    world = World(scn, scn.protocols[0].name, Streams(seed, 0), incidents, horizon)
    t0 = time.perf_counter()
    world.run()
    wall = time.perf_counter() - t0
    return _events_of(world.env), wall, len(incidents)


def bench_events(repeats: int = 3) -> dict:
    c, rho, work_mean, days = 4, 0.8, 60.0, 60.0
    lam = rho * c / work_mean
    best = {}
    for name, fn in (("simpy", lambda s: _bare(c, lam, work_mean, days * 1440.0, s)),
                     ("incsim", lambda s: incsim_mmc(c, rho, work_mean, days, s))):
        runs = [fn(100 + i) for i in range(repeats)]
        events, wall, n = min(runs, key=lambda r: r[1] / r[0])
        best[name] = {"events": events, "wall_s": wall, "incidents": n,
                      "us_per_event": 1e6 * wall / events, "us_per_incident": 1e6 * wall / n}
    ratio = best["incsim"]["us_per_event"] / best["simpy"]["us_per_event"]
    per_incident = best["incsim"]["us_per_incident"] / best["simpy"]["us_per_incident"]
    return {"workload": f"M/M/{c}, rho={rho}, {days:g} days", **best,
            "per_event_cost_ratio": ratio, "per_incident_cost_ratio": per_incident,
            "target": TARGETS["per_event_cost_ratio"], "met": ratio <= TARGETS["per_event_cost_ratio"]}


def _bare(c, lam, work_mean, horizon, seed):
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    count = [0]

    def customer():
        with servers.request() as req:
            yield req
            yield env.timeout(rng.exponential(work_mean))
        count[0] += 1

    def source():
        while True:
            yield env.timeout(rng.exponential(1 / lam))
            if env.now >= horizon:
                return
            env.process(customer())

    env.process(source())
    t0 = time.perf_counter()
    env.run()
    return _events_of(env), time.perf_counter() - t0, count[0]


def bench_jobs(replications: int = 100) -> dict:
    from incsim.api import executor_for, load
    from incsim.experiment import run_experiment

    scn = load(None).scenario
    out = {}
    for jobs in (1, 2):
        with executor_for(jobs) as ex:
            t0 = time.perf_counter()
            run_experiment(scn, replications, 1, executor=ex, log_sample=0)
            out[f"jobs_{jobs}_s"] = time.perf_counter() - t0
    speedup = out["jobs_1_s"] / out["jobs_2_s"]
    return {"replications": replications, **out, "speedup_2_jobs": speedup,
            "target": TARGETS["speedup_2_jobs"], "met": speedup >= TARGETS["speedup_2_jobs"]}


# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across
# execve, so a child started by a big benchmark process would report the parent's peak.
_MEMORY_CHILD = """
import sys
from incsim.api import load
from incsim.experiment import run_experiment
res = run_experiment(load(None).scenario, int(sys.argv[1]), 1)
res.summary()
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(hwm.split()[1]))
"""


def bench_memory() -> dict:
    out = {}
    for n in (10, 1000):
        proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(n)], capture_output=True, text=True,
                              check=True)
        out[f"peak_rss_mb_{n}"] = int(proc.stdout.strip().splitlines()[-1]) / 1024
    ratio = out["peak_rss_mb_1000"] / out["peak_rss_mb_10"]
    return {**out, "memory_ratio_1000_vs_10": ratio, "target": TARGETS["memory_ratio_1000_vs_10"],
            "met": ratio <= TARGETS["memory_ratio_1000_vs_10"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", help="events, jobs and/or memory (default: all three)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    which = args.which or ["events", "jobs", "memory"]
    unknown = sorted(set(which) - {"events", "jobs", "memory"})
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results = {}
    for name in which:
        results[name] = {"events": bench_events, "jobs": bench_jobs, "memory": bench_memory}[name]()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, r in results.items():
        print(f"== {name}")
        for k, v in r.items():
            if isinstance(v, dict):
                print(f"  {k}: " + ", ".join(f"{a}={b:.4g}" if isinstance(b, float) else f"{a}={b}"
                                              for a, b in v.items()))
            else:
                print(f"  {k}: {v:.4g}" if isinstance(v, float) and math.isfinite(v) else f"  {k}: {v}")


if __name__ == "__main__":
    main()
