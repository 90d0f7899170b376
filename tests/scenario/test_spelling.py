"""One spelling of scenario values and places: the sweep and the report's assumptions table agree."""

from __future__ import annotations

from incsim.report.assumptions import scenario_parameters
from incsim.scenario.spelling import format_value
from incsim.scenario.typepath import item_labels, parent_paths, path_segments
from incsim.sweep import load_sweep_text

SWEEP = """\
apiVersion: incsim/v1
kind: Sweep
metadata: {name: spelling}
scenario: tiny.yaml
replications: 2
seed: 1
parameters:
  - path: behaviour.reply_latency.working
    values: [{dist: uniform, low: 4, high: 6}, {dist: lognormal, median: 10, sigma: 0.7}, 3]
"""


def test_a_swept_value_is_labelled_as_the_report_spells_it(tmp_path, minimal_yaml):
    (tmp_path / "tiny.yaml").write_text(minimal_yaml, encoding="utf-8")
    sweep = load_sweep_text(SWEEP, "s.yaml", tmp_path)
    (par,) = sweep.parameters
    assert par.labels == ("uniform(4, 6)", "lognormal(median 10, sigma 0.7)", "3")
    assert par.labels == tuple(format_value(v) for v in par.values)


def test_the_report_writes_paths_the_sweep_can_read():
    params, _ = scenario_parameters(
        "teams:\n  - {name: a, size: 1}\n  - {name: b, size: 2}\n"
        "odd:\n  - {name: '7', v: 1}\n  - {name: x.y, v: 2}\n"
    )
    paths = [p.path for p in params]
    assert paths == ["teams.a.size", "teams.b.size", "odd.0.name", "odd.0.v", "odd.1.name", "odd.1.v"]
    assert path_segments("teams.a.size") == ["teams", "a", "size"]
    assert parent_paths("teams.a.size") == ["teams.a", "teams"]
    assert item_labels([{"name": "a"}, {"name": "a"}]) == (["0", "1"], False)
