"""Parameter sweeps: how the comparison of protocols moves as scenario parameters move.

A sweep file is YAML with an ``apiVersion: incsim/v1`` / ``kind: Sweep`` header::

    apiVersion: incsim/v1
    kind: Sweep
    metadata: {name: reply-latency, description: optional text}
    scenario: ../seed.yaml        # relative to this file; omit it for the embedded default
    replications: 20              # default: the scenario's simulation.replications
    seed: 7                       # default: the scenario's simulation.seed, else drawn and recorded
    metric: cost_usd              # metric of the break-even statements (default cost_usd);
                                  # ttr_min is always reported too. Any column of metrics.METRICS.
    mode: one-at-a-time           # or grid (the cartesian product of every parameter's values)
    base_overrides:               # optional: applied to the scenario before every point
      simulation.horizon_days: 14
    parameters:
      - path: behaviour.reply_latency.working.median
        values: {from: 5, to: 80, steps: 5, scale: log}   # 5, 10, 20, 40, 80
      - path: protocols.war-room.room.invite.size
        values: [{dist: uniform, low: 4, high: 6}, {dist: uniform, low: 8, high: 12}]
        unit: people              # optional: the unit printed after a break-even value

Unknown keys are errors. ``values`` is a list of values as they would be written in the
scenario (numbers, mappings such as durations, ``null``, lists) or a range
``{from, to, steps, scale: linear|log}``; a range's values are rounded to 10 significant digits
and whole numbers become integers (so integer fields such as ``channel_rounds`` can be swept).

**Paths** are dotted keys into the scenario *with every default filled in* (so a key the
scenario leaves at its default can be swept). A list item is addressed by its index
(``protocols.0``) or, when the items have a ``name``, by that name (``org.teams.payments.size``,
``protocols.war-room.room.stay_probability``); a segment made of digits is always an index, and
an item whose name contains a dot must be addressed by index. A duration is a mapping
(``{dist: lognormal, median: 10, sigma: 0.7}``; a bare number is ``{dist: fixed, value: N}``), so
``...working.median`` changes one of its parameters and ``...working`` replaces it whole. A
path must already exist: sweeping cannot add keys. ``simulation.seed`` and
``simulation.replications`` are set by the sweep's own ``seed`` and ``replications``.

**Points.** In ``one-at-a-time`` mode point 0 is the base scenario (after ``base_overrides``)
and every other point changes one parameter, the others staying at the base; in ``grid`` mode
every combination is a point. Every point's scenario passes the scenario loader's own checks
(schema, cross-checks, expected size: ``loader.validate_data``) when the sweep is loaded, before
anything runs: a path that does not exist, or a value the loader rejects, is a ``FILE:LINE:COL``
problem at that parameter of the sweep file, with the loader's words for what is wrong. Every point runs with the same seed, so the points meet the same incidents (common
random numbers) and differences between points are paired as well.

**Break-even.** For each protocol other than the baseline and each reported metric, the paired
difference ``protocol - baseline`` (lower is better for every metric) is followed along each
parameter; where it changes sign between two adjacent values the crossing is found by linear
interpolation and stated in words. In ``one-at-a-time`` mode the base scenario is a point of
every numeric parameter's line too, at the base value (it ran with the same seed, so its
difference is as paired as the others'), unless that value is one of the swept ones; a
categorical parameter has no place on its line for the base, so there it is left out. A parameter whose values are durations is placed on the axis
by the duration's mean; one whose values are not numbers (or have equal means) is categorical:
the sign change is stated between two values, without interpolation.

**Outputs** (see ``run_sweep``), all written atomically:

- ``sweep.csv``: a row per point x protocol x metric: ``point``, ``varied``, one column per swept
  parameter (its value spelled by ``incsim.scenario.spelling.format_value``), ``protocol``,
  ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``n_replications``, ``baseline`` and the paired
  difference from it, ``diff_mean``, ``diff_ci_low``, ``diff_ci_high`` (empty for the baseline itself);
- ``breakeven.json``: every statement, with its crossings, the values around them and their CIs;
- ``chart-<path>.svg`` per parameter (in a grid: one column per combination of the other
  parameters, at most six); ``tornado-<metric>.svg`` and ``tornado.csv`` (one-at-a-time only):
  the paired difference at each parameter's lowest and highest value, widest swing first;
- ``sweep.json``: the manifest (sweep file and scenario sha256, seed, replications, points,
  package versions; ``complete`` once everything is written);
- ``points/point-NNN/``: each point's results folder, written by ``incsim run``'s writer
  (``output.write_run``): ``incidents.csv``, ``summary.csv``, ``time.csv``, ``run.json`` (with a
  ``sweep`` entry naming the point; no wall time, as the point's replications ran among other
  points') and ``scenario.yaml``, the point's complete scenario (every default filled in, the
  sweep's seed and replications, no event logs): ``incsim run`` of it writes the same CSVs, and
  ``incsim report`` reads the folder;
- ``points/point-NNN.json``: one checkpoint per finished point, written after its folder.
  Running the same sweep file into the same folder again resumes: finished points (checkpoint
  and whole folder) are read back, not recomputed, and the outputs are byte-identical to an
  uninterrupted run. A folder holding a different sweep file (or a changed scenario) is refused;
  ``--force`` starts over.

**Running.** Every replication of every unfinished point goes to one executor at once (``--jobs``
workers, or a Dask cluster), so no worker waits at the end of a point; a point is written as
soon as its last replication is in. Results do not depend on the executor.

The package has one module per job: ``schema`` (the file as written), ``loading`` (the file
validated, with locations), ``overrides`` (dotted paths into a scenario), ``values`` (labels,
axis positions, units), ``plan`` (the resolved ``Sweep``), ``points`` (a point's scenario file
and checkpoint record),
``breakeven`` and ``tornado`` (what the results say), ``checkpoint`` (resuming), ``writing``
(running a whole sweep into a folder) and ``charts`` (SVG, imported only when writing).
"""

from __future__ import annotations

import importlib

_WHERE = {
    "METRICS": "incsim.metrics",
    **dict.fromkeys(
        ["OverrideError", "apply_override", "get_path", "resolve_path", "scenario_data"],
        "incsim.scenario.overrides",
    ),
    **dict.fromkeys(["Crossing", "break_even", "break_evens", "describe_line"], "incsim.sweep.breakeven"),
    **dict.fromkeys(["load_sweep", "load_sweep_text"], "incsim.sweep.loading"),
    **dict.fromkeys(["Point", "Sweep", "SweptParameter"], "incsim.sweep.plan"),
    "run_point": "incsim.sweep.points",
    **dict.fromkeys(["Range", "SweepFile", "SweepParameter"], "incsim.sweep.schema"),
    # the function tornado() is not among them: its module is also named tornado (incsim.sweep.tornado.tornado)
    **dict.fromkeys(["TornadoBar", "tornado_bars"], "incsim.sweep.tornado"),
    **dict.fromkeys(["SweepInterrupted", "SweepOutcome", "run_sweep", "sweep_table"], "incsim.sweep.writing"),
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """The package's names, each loaded from its module when first asked for: a reader of one
    module (``sweep.values``, ``sweep.tornado``) does not load the simulator the sweeps run.
    A convenience for Python users only: incsim's own modules import a name from the module that
    defines it, so the import graph that ``lint-imports`` and ``tests/core/test_layers.py`` check sees
    every dependency (a name loaded here by its string is invisible to them)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'incsim.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
