"""incsim benchmarks, run on demand (never part of the test suite).

    python benchmarks/bench.py                # every benchmark below except memory
    python benchmarks/bench.py queue cli      # some of them
    python benchmarks/bench.py --repeats 7    # more repeats (default 5)
    python benchmarks/bench.py --json         # machine-readable

queue    M/M/4, utilisation 0.8, 60 days: the degenerate scenario (``incsim.verify.mmc_scenario``)
         through the whole path of a replication (generate -> simulate -> incident records and
         time accounting), against a bare SimPy M/M/4 and Ciw (``pip install incsim[benchmarks]``)
         on the same queue. Headline: CPU per customer; beside it, the SimPy events scheduled per
         customer by incsim and by the bare queue (what the model asks of the engine).
org      ``scenarios/large-org.yaml`` against the same file with every team four times as big
         (the same incidents): CPU per incident of the whole replication, of the simulation alone
         and of the time accounting alone.
cli      ``incsim --help`` and ``incsim validate scenarios/seed.yaml`` against a bare
         ``import typer`` plus the scenario loader reading the same file, CPU of each child process.
run      ``incsim run -n 1 scenarios/seed.yaml``: the share of its CPU spent importing (a child that
         imports exactly the modules the run ended with, less a bare interpreter's start).
jobs     ``scenarios/sweeps/reply-latency.yaml`` (``--sweep-replications`` per point) with 2 jobs vs 1:
         the speed-up, by wall clock (CPU time cannot show a parallel gain).
memory   peak RSS of 1,000 replications of the default scenario vs 10 (slow; only when named).
robustness  ``incsim robustness scenarios/seed.yaml --samples S -n R -j 2`` (``--robustness-samples``,
         ``--robustness-replications``; the target is stated for 64 x 10) as a child process, by
         wall clock and by CPU (CPU / 2: the wall time on two idle cores); then the same study on a
         Dask ``LocalCluster`` of 2 and of 4 workers: the speed-up 4 vs 2, Dask's overhead per task,
         and whether every file of the three folders is byte-identical (slow; only when named).

How it measures: CPU time (``time.process_time`` in this process, ``getrusage(RUSAGE_CHILDREN)``
deltas for child processes), not the wall clock, so other work on a shared machine matters less.
The sides of a comparison run interleaved, one after the other within every repeat (their order
alternating), with the same seed in a repeat and a new seed per repeat; each figure is reported as
min / median / max over the repeats, and each ratio is the median of the per-repeat ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import simpy  # noqa: E402

TARGETS = {
    "queue_vs_ciw": 1.0,  # CPU per customer, incsim / Ciw: no slower than Ciw
    "queue_vs_simpy": 2.0,  # incsim / bare SimPy: within 2x
    "org_per_incident": 1.10,  # 4x the engineers / as is, per incident: within 10%
    "cli_vs_bare": 1.5,  # --help, validate / bare import typer + loader
    "run_import_share": 1 / 3,  # imports in `incsim run -n 1`: under a third
    "sweep_speedup_2_jobs": 1.8,  # 2 jobs vs 1: at least 1.8x
    "memory_ratio_1000_vs_10": 1.5,
    "robustness_64x10_wall_s": 60.0,  # incsim robustness seed.yaml --samples 64 -n 10: within a minute
    "robustness_dask_4_vs_2": 1.8,  # LocalCluster 4 workers vs 2: near-linear (on 4+ free cores)
}

C, RHO, WORK_MEAN, DAYS = 4, 0.8, 60.0, 60.0
SEED0 = 1000


# -- measuring ------------------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float]:
    """min / median / max of ``values``."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def events_scheduled(env: simpy.Environment) -> int:
    """How many events ``env`` has scheduled so far: SimPy numbers them from one counter (a private
    attribute, read once, after the run)."""
    return next(env._eid)


def cpu(fn: Callable[[], object]) -> tuple[float, object]:
    """(CPU seconds of this process spent in ``fn()``, its result), after a collection."""
    gc.collect()
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def child_cpu(args: list[str], cwd: Path = ROOT) -> float:
    """CPU seconds (user + system) of a child process running ``args``; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(sides: dict[str, Callable[[int], float]], repeats: int) -> dict[str, list[float]]:
    """Per side, one figure per repeat: within a repeat every side runs once with the repeat's
    seed, in an order that alternates between repeats."""
    names = list(sides)
    out: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            out[name].append(sides[name](SEED0 + r))
    return out


def ratios(a: list[float], b: list[float]) -> dict[str, float]:
    """The spread of a / b, repeat by repeat."""
    return spread([x / y for x, y in zip(a, b, strict=True)])


def verdict(value: float, target: float, at_most: bool = True) -> dict:
    """The figure, its target and whether it is met."""
    return {"value": value, "target": target, "met": value <= target if at_most else value >= target}


# -- queue: M/M/4 three ways ----------------------------------------------------------------------


def incsim_queue(seed: int) -> tuple[float, int, dict[str, float], float]:
    """CPU seconds of one replication's whole path on the M/M/4 scenario, its customers, and the
    CPU of each stage (with the SimPy events the simulation scheduled, per customer)."""
    from incsim.accounting import Accounting
    from incsim.metrics import incident_records, time_totals
    from incsim.model.incidents import generate_incidents
    from incsim.model.people import Roster
    from incsim.model.streams import Streams
    from incsim.model.world import simulate
    from incsim.verify import mmc_scenario

    scn = mmc_scenario(C, RHO, WORK_MEAN, DAYS)
    horizon = DAYS * 1440.0
    stages: dict[str, float] = {}
    events = [0]

    def path() -> int:
        # the steps of incsim.experiment.run_replication, one protocol, each timed
        t = time.process_time()
        incidents = generate_incidents(scn, Streams(seed, 0), horizon)
        roster = Roster(scn)
        stages["generate"] = time.process_time() - t
        t = time.process_time()
        world = simulate(scn, scn.protocols[0].name, Streams(seed, 0), incidents, horizon)
        stages["simulate"] = time.process_time() - t
        events[0] = events_scheduled(world.env)
        t = time.process_time()
        spans = Accounting(world.log.events)
        incident_records(world.log.events, scn.costs, roster, spans)
        stages["records"] = time.process_time() - t
        t = time.process_time()
        time_totals(world.log.events, roster, horizon, spans)
        stages["accounting"] = time.process_time() - t
        return len(incidents)

    seconds, n = cpu(path)
    return seconds, n, stages, events[0] / n


def simpy_queue(seed: int) -> tuple[float, int, None, float]:
    """CPU seconds and customers of a bare SimPy M/M/4 over the same horizon (and its SimPy events
    per customer)."""
    lam, horizon = RHO * C / WORK_MEAN, DAYS * 1440.0

    def run() -> int:
        rng = np.random.default_rng(seed)
        env = simpy.Environment()
        servers = simpy.Resource(env, capacity=C)
        arrived = [0]

        def customer():
            with servers.request() as req:
                yield req
                yield env.timeout(rng.exponential(WORK_MEAN))

        def source():
            while True:
                yield env.timeout(rng.exponential(1 / lam))
                if env.now >= horizon:
                    return
                arrived[0] += 1
                env.process(customer())

        env.process(source())
        env.run()  # to the last departure, as incsim runs every incident to its end
        events[0] = events_scheduled(env)
        return arrived[0]

    events = [0]
    seconds, n = cpu(run)
    return seconds, n, None, events[0] / n  # type: ignore[return-value]


def ciw_queue(seed: int) -> tuple[float, int]:
    """CPU seconds and customers of Ciw's M/M/4 over the same horizon."""
    import ciw

    lam, horizon = RHO * C / WORK_MEAN, DAYS * 1440.0

    def run() -> int:
        ciw.seed(seed)
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(lam)],
            service_distributions=[ciw.dists.Exponential(1 / WORK_MEAN)],
            number_of_servers=[C],
        )
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(horizon)
        return len(sim.get_all_individuals())

    return cpu(run)  # type: ignore[return-value]


def bench_queue(repeats: int) -> dict:
    """CPU per customer of incsim's whole path vs bare SimPy vs Ciw on the same M/M/4."""
    try:
        import ciw  # noqa: F401

        have_ciw = True
    except ImportError:
        have_ciw = False
    counts: dict[str, list[int]] = {"incsim": [], "simpy": [], "ciw": []}
    stages: list[dict[str, float]] = []
    events: dict[str, list[float]] = {"incsim": [], "simpy": []}

    def side(name: str, fn: Callable) -> Callable[[int], float]:
        def run(seed: int) -> float:
            seconds, n, *rest = fn(seed)
            counts[name].append(n)
            if rest and rest[0] is not None:
                stages.append(rest[0])
            if len(rest) > 1:
                events[name].append(rest[1])
            return 1e6 * seconds / n

        return run

    sides = {"incsim": side("incsim", incsim_queue), "simpy": side("simpy", simpy_queue)}
    if have_ciw:
        sides["ciw"] = side("ciw", ciw_queue)
    incsim_queue(SEED0 - 1)  # warm-up: imports and first-call costs stay out of the figures
    us = interleaved(sides, repeats)
    total = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    whole = sum(total.values())
    out = {
        "workload": f"M/M/{C}, utilisation {RHO}, {DAYS:g} days, mean work {WORK_MEAN:g} min",
        "customers": {k: spread(v) for k, v in counts.items() if v},
        "us_per_customer": {k: spread(v) for k, v in us.items()},
        "incsim_stage_share": {k: v / whole for k, v in total.items()},
        "simpy_events_per_customer": {k: spread(v) for k, v in events.items()},
        "vs_simpy": ratios(us["incsim"], us["simpy"]),
    }
    # at bare SimPy's cost per event, incsim's events alone (no model code, no records) would cost
    # this many times the bare queue per customer: a floor for a model that schedules that many
    out["events_vs_simpy"] = ratios(events["incsim"], events["simpy"])
    out["target_vs_simpy"] = verdict(out["vs_simpy"]["median"], TARGETS["queue_vs_simpy"])
    if have_ciw:
        out["vs_ciw"] = ratios(us["incsim"], us["ciw"])
        out["target_vs_ciw"] = verdict(out["vs_ciw"]["median"], TARGETS["queue_vs_ciw"])
    else:
        out["vs_ciw"] = "ciw not installed (pip install incsim[benchmarks])"
    return out


# -- org: the same incidents, four times the engineers --------------------------------------------


def _scaled_org(factor: int):
    from incsim.api import load
    from incsim.scenario.schema import Scenario

    data = load(ROOT / "scenarios" / "large-org.yaml").scenario.model_dump(mode="json", by_alias=True)
    for team in data["org"]["teams"]:
        team["size"] *= factor
    return Scenario.model_validate(data)


def org_replication(scn, seed: int) -> tuple[float, int, float, float]:
    """CPU of one replication (all protocols), its incidents, and the CPU of simulating and of
    the time accounting within it."""
    from incsim.accounting import Accounting
    from incsim.metrics import incident_records, time_totals
    from incsim.model.incidents import generate_incidents
    from incsim.model.people import Roster
    from incsim.model.streams import Streams
    from incsim.model.world import simulate

    horizon = scn.simulation.horizon_days * 1440.0
    parts = {"simulate": 0.0, "accounting": 0.0}

    def path() -> int:
        incidents = generate_incidents(scn, Streams(seed, 0), horizon)
        roster = Roster(scn)
        for proto in scn.protocols:
            t = time.process_time()
            world = simulate(scn, proto.name, Streams(seed, 0), incidents, horizon, roster)
            parts["simulate"] += time.process_time() - t
            spans = Accounting(world.log.events)
            incident_records(world.log.events, scn.costs, roster, spans)
            t = time.process_time()
            time_totals(world.log.events, roster, horizon, spans)
            parts["accounting"] += time.process_time() - t
        return len(incidents)

    seconds, n = cpu(path)
    return seconds, n, parts["simulate"], parts["accounting"]


def bench_org(repeats: int) -> dict:
    """Per-incident CPU of large-org.yaml as is and with every team four times as big."""
    scns = {"as_is": _scaled_org(1), "teams_x4": _scaled_org(4)}
    engineers = {k: sum(t.size for t in s.org.teams) for k, s in scns.items()}
    figures: dict[str, dict[str, list[float]]] = {
        k: {"whole": [], "simulate": [], "accounting": []} for k in scns
    }
    incidents: dict[str, list[int]] = {k: [] for k in scns}

    def side(name: str) -> Callable[[int], float]:
        def run(seed: int) -> float:
            seconds, n, sim, acct = org_replication(scns[name], seed)
            incidents[name].append(n)
            figures[name]["whole"].append(1e3 * seconds / n)
            figures[name]["simulate"].append(1e3 * sim / n)
            figures[name]["accounting"].append(1e3 * acct / n)
            return seconds

        return run

    org_replication(scns["as_is"], SEED0 - 1)  # warm-up
    interleaved({k: side(k) for k in scns}, repeats)
    if incidents["as_is"] != incidents["teams_x4"]:
        raise RuntimeError("the two organisations met different incidents; the comparison would not be fair")
    out = {
        "engineers": engineers,
        "incidents_per_replication": spread(incidents["as_is"]),
        "protocols": len(scns["as_is"].protocols),
    }
    for part in ("whole", "simulate", "accounting"):
        out[f"ms_per_incident_{part}"] = {k: spread(figures[k][part]) for k in scns}
        out[f"x4_vs_as_is_{part}"] = ratios(figures["teams_x4"][part], figures["as_is"][part])
    out["target"] = verdict(out["x4_vs_as_is_whole"]["median"], TARGETS["org_per_incident"])
    return out


# -- cli: start-up of the command line ------------------------------------------------------------

BARE_LOADER = (
    "import typer\nfrom incsim.scenario.loader import load_scenario\nload_scenario('scenarios/seed.yaml')\n"
)


def bench_cli(repeats: int) -> dict:
    """CPU of ``incsim --help`` and ``incsim validate`` against a bare typer + loader."""
    py = sys.executable
    sides = {
        "help": lambda _seed: child_cpu([py, "-m", "incsim", "--help"]),
        "validate": lambda _seed: child_cpu([py, "-m", "incsim", "validate", "scenarios/seed.yaml"]),
        "bare_typer_and_loader": lambda _seed: child_cpu([py, "-c", BARE_LOADER]),
        "bare_python": lambda _seed: child_cpu([py, "-c", "pass"]),
    }
    s = interleaved(sides, repeats)
    out: dict = {"cpu_s": {k: spread(v) for k, v in s.items()}}
    for name in ("help", "validate"):
        out[f"{name}_vs_bare"] = ratios(s[name], s["bare_typer_and_loader"])
        out[f"target_{name}"] = verdict(out[f"{name}_vs_bare"]["median"], TARGETS["cli_vs_bare"])
    return out


# -- run: how much of `incsim run -n 1` is imports ------------------------------------------------

_RUN_AND_LIST = """
import atexit, runpy, sys
listing = sys.argv.pop(1)
def dump():
    with open(listing, "w") as f:
        f.write("\\n".join(sorted(sys.modules)))
atexit.register(dump)
sys.argv = ["incsim", *sys.argv[1:]]
runpy.run_module("incsim", run_name="__main__", alter_sys=True)
"""

_IMPORT_ONLY = """
import importlib, sys
for name in open(sys.argv[1]).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


def bench_run(repeats: int) -> dict:
    """CPU of ``incsim run -n 1`` and of importing the modules it ends with, per repeat."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        listing = str(Path(tmp) / "modules.txt")

        def run(seed: int) -> float:
            out = Path(tmp) / "out"
            return child_cpu(
                [
                    py,
                    "-c",
                    _RUN_AND_LIST,
                    listing,
                    "run",
                    "scenarios/seed.yaml",
                    "-n",
                    "1",
                    "--seed",
                    str(seed),
                    "-o",
                    str(out),
                    "--force",
                    "--quiet",
                ]
            )

        run(SEED0 - 1)  # writes the listing the import-only side reads
        sides = {
            "run": run,
            "imports_only": lambda _seed: child_cpu([py, "-c", _IMPORT_ONLY, listing]),
            "bare_python": lambda _seed: child_cpu([py, "-c", "pass"]),
        }
        s = interleaved(sides, repeats)
        modules = len(Path(listing).read_text().split())
    imports = [i - b for i, b in zip(s["imports_only"], s["bare_python"], strict=True)]
    share = [i / r for i, r in zip(imports, s["run"], strict=True)]
    out = {
        "modules_loaded": modules,
        "cpu_s": {k: spread(v) for k, v in s.items()},
        "import_cpu_s": spread(imports),
        "import_share": spread(share),
    }
    out["target"] = verdict(out["import_share"]["median"], TARGETS["run_import_share"])
    return out


# -- jobs: a sweep on 1 and 2 processes -----------------------------------------------------------


def bench_jobs(repeats: int, replications: int = 4) -> dict:
    """Wall-clock speed-up of the reply-latency sweep with 2 jobs over 1 (``replications`` per point)."""
    import dataclasses

    from incsim.api import executor_for
    from incsim.sweep import load_sweep, run_sweep

    sweep = dataclasses.replace(
        load_sweep(ROOT / "scenarios" / "sweeps" / "reply-latency.yaml"), replications=replications
    )
    with tempfile.TemporaryDirectory() as tmp:

        def timed(jobs: int) -> Callable[[int], float]:
            def run(_seed: int) -> float:
                with executor_for(jobs) as ex:  # the pool's start-up is part of what a user waits for
                    t0 = time.perf_counter()
                    run_sweep(sweep, out_dir=Path(tmp) / f"j{jobs}", force=True, executor=ex)
                    return time.perf_counter() - t0

            return run

        s = interleaved({"jobs_1": timed(1), "jobs_2": timed(2)}, repeats)
    out = {
        "points": len(sweep.points),
        "replications_per_point": replications,
        "wall_s": {k: spread(v) for k, v in s.items()},
        "speedup_2_jobs": ratios(s["jobs_1"], s["jobs_2"]),
        "load_average_1min": os.getloadavg()[0],
        "cores": os.cpu_count(),
    }
    out["target"] = verdict(out["speedup_2_jobs"]["median"], TARGETS["sweep_speedup_2_jobs"], at_most=False)
    return out


# -- memory ---------------------------------------------------------------------------------------

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


def bench_memory(_repeats: int) -> dict:
    """Peak RSS of 1,000 replications of the default scenario against 10."""
    out = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for n in (10, 1000):
        proc = subprocess.run(
            [sys.executable, "-c", _MEMORY_CHILD, str(n)], capture_output=True, text=True, check=True, env=env
        )
        out[f"peak_rss_mb_{n}"] = int(proc.stdout.strip().splitlines()[-1]) / 1024
    out["target"] = verdict(
        out["peak_rss_mb_1000"] / out["peak_rss_mb_10"], TARGETS["memory_ratio_1000_vs_10"]
    )
    return out


# -- robustness: a study on a pool and on Dask clusters --------------------------------------------


def bench_robustness(repeats: int, samples: int = 64, replications: int = 10) -> dict:
    """The command ``incsim robustness scenarios/seed.yaml --samples S -n R -j 2`` as a child process:
    its wall time and its CPU (every process it started included), and the wall time an idle 2-core
    machine would need (the CPU over 2: a lower bound, the parent's own analysis being serial);
    then the same study in this process on Dask clusters of 2 and 4 workers (one repeat: a study is
    long), whether all three folders are byte-identical, and Dask's overhead per task (no-op tasks)."""
    import hashlib

    from incsim import api
    from incsim.robustness import build_design, run_study

    # one spelling of the scenario's path for the command and the clusters: the manifest records it
    scenario = str(ROOT / "scenarios" / "seed.yaml")
    loaded = api.load(scenario)
    sets = len(build_design(loaded.scenario, samples, 1).sets)
    walls: dict[str, float] = {}
    digests: dict[str, dict[str, str]] = {}

    def digest(out: Path) -> dict[str, str]:
        return {
            f.relative_to(out).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(out.rglob("*"))
            if f.is_file()
        }

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli_pool_2"
        command = [
            sys.executable,
            "-m",
            "incsim",
            "robustness",
            scenario,
            "--samples",
            str(samples),
        ]
        command += ["-n", str(replications), "--seed", "1", "-j", "2", "-q", "-o", str(out)]
        t0 = time.perf_counter()
        cli_cpu = child_cpu(command)
        walls["cli_pool_2"] = time.perf_counter() - t0
        digests["cli_pool_2"] = digest(out)

        def study(name: str, executor) -> None:
            out = Path(tmp) / name
            t0 = time.perf_counter()
            run_study(
                loaded, samples=samples, replications=replications, seed=1, out_dir=out, executor=executor
            )
            walls[name] = time.perf_counter() - t0
            digests[name] = digest(out)

        from distributed import Client, LocalCluster

        per_task: dict[str, float] = {}
        for n in (2, 4):
            with (
                LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                executor = client.get_executor()
                list(executor.map(abs, range(-8, 0)))  # warm: workers up, functions known
                t0 = time.perf_counter()
                futures = [executor.submit(abs, -k) for k in range(NOOP_TASKS)]
                for f in futures:
                    f.result()
                per_task[f"dask_{n}"] = (time.perf_counter() - t0) / NOOP_TASKS
                study(f"dask_{n}", executor)
    first = next(iter(digests.values()))
    out = {
        "samples": samples,
        "replications": replications,
        "parameter_sets": sets,
        "replications_run": sets * replications,
        "wall_s": walls,
        "cli_cpu_s": cli_cpu,
        "cli_idle_2_core_estimate_s": cli_cpu / 2,
        "dask_speedup_4_vs_2": walls["dask_2"] / walls["dask_4"],
        "dask_overhead_per_task_ms": {k: v * 1000 for k, v in per_task.items()},
        "same_bytes": all(d == first for d in digests.values()),
        "files_that_differ": sorted({f for d in digests.values() for f in d if d.get(f) != first.get(f)}),
        "files": len(first),
        "load_average_1min": os.getloadavg()[0],
        "cores": os.cpu_count(),
    }
    if (samples, replications) == (64, 10):
        out["target_wall"] = verdict(walls["cli_pool_2"], TARGETS["robustness_64x10_wall_s"])
        out["target_wall_idle_estimate"] = verdict(cli_cpu / 2, TARGETS["robustness_64x10_wall_s"])
    out["target_dask"] = verdict(out["dask_speedup_4_vs_2"], TARGETS["robustness_dask_4_vs_2"], at_most=False)
    return out


NOOP_TASKS = 200
"""No-op tasks timed on each Dask cluster for its overhead per task."""


BENCHMARKS = {
    "queue": bench_queue,
    "org": bench_org,
    "cli": bench_cli,
    "run": bench_run,
    "jobs": bench_jobs,
    "memory": bench_memory,
    "robustness": bench_robustness,
}
DEFAULT = ["queue", "org", "cli", "run", "jobs"]


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict) and set(v) == {"min", "median", "max"}:
        return f"{_fmt(v['median'])} (min {_fmt(v['min'])}, max {_fmt(v['max'])})"
    if isinstance(v, dict) and "met" in v:
        return f"{_fmt(v['value'])} against {_fmt(v['target'])}: {'met' if v['met'] else 'MISSED'}"
    if isinstance(v, dict):
        return "; ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return str(v)


def main() -> None:
    """Run the named benchmarks (default: all but memory) and print their figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "which", nargs="*", help=f"any of {', '.join(BENCHMARKS)} (default: {' '.join(DEFAULT)})"
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats per figure (default 5)")
    parser.add_argument(
        "--sweep-replications",
        type=int,
        default=4,
        help="replications per point of the jobs benchmark (default 4; the sweep file says 20)",
    )
    parser.add_argument(
        "--robustness-samples", type=int, default=64, help="--samples of the robustness study (64)"
    )
    parser.add_argument(
        "--robustness-replications", type=int, default=10, help="-n of the robustness study (10)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    which = args.which or DEFAULT
    unknown = sorted(set(which) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if args.repeats < 1 or args.sweep_replications < 2:
        parser.error("--repeats must be at least 1 and --sweep-replications at least 2")
    results = {}
    for name in which:
        if name == "jobs":
            results[name] = bench_jobs(args.repeats, args.sweep_replications)
        elif name == "robustness":
            results[name] = bench_robustness(
                args.repeats, args.robustness_samples, args.robustness_replications
            )
        else:
            results[name] = BENCHMARKS[name](args.repeats)
        if not args.json:
            print(f"== {name}")
            for k, v in results[name].items():
                print(f"  {k}: {_fmt(v)}", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
