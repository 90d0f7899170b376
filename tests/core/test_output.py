"""Results folders: manifests that prove a folder whole, sealed JSON, folders never created early,
worker counts, and intervals that respect a quantity's lower bound."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from incsim import api
from incsim.metrics import bounded_interval, t_interval
from incsim.output import (
    OutputError,
    check_dir,
    check_seal,
    prepare_dir,
    read_sealed_json,
    sealed_json,
    write_manifest,
)


def _folder(tmp_path):
    d = tmp_path / "out"
    (d / "events").mkdir(parents=True)
    (d / "a.csv").write_text("x,y\n1,2\n")
    (d / "events" / "r-000.jsonl").write_text('{"t": 1}\n')
    write_manifest(d, ["a.csv", "events/r-000.jsonl"], record={"kind": "demo"})
    return d


def test_manifest_lists_size_and_sha256_and_a_whole_folder_verifies(tmp_path):
    d = _folder(tmp_path)
    record = check_seal(d)
    assert record["kind"] == "demo"
    assert [(e["path"], e["size"]) for e in record["files"]] == [("a.csv", 8), ("events/r-000.jsonl", 9)]
    assert all(len(e["sha256"]) == 64 for e in record["files"])


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda d: (d / "a.csv").write_text("x,y\n1,"), ["a.csv", "damaged", "cut short"]),
        (lambda d: (d / "a.csv").write_text("x,y\n1,3\n"), ["a.csv", "sha256"]),
        (lambda d: (d / "a.csv").unlink(), ["a.csv", "missing"]),
        (lambda d: (d / "events" / "r-001.jsonl").write_text("{}\n"), ["r-001.jsonl", "mixed"]),
        (
            lambda d: (d / "manifest.json").write_text((d / "manifest.json").read_text()[:40]),
            ["manifest.json", "JSON"],
        ),
        (
            lambda d: (d / "manifest.json").write_text(
                (d / "manifest.json").read_text().replace("demo", "demx")
            ),
            ["manifest.json", "self_sha256"],
        ),
    ],
)
def test_a_damaged_or_mixed_folder_is_refused_naming_the_file(tmp_path, damage, words):
    d = _folder(tmp_path)
    damage(d)
    with pytest.raises(OutputError) as info:
        check_seal(d)
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message


def test_files_of_readers_beside_the_results_are_not_a_mixed_folder(tmp_path):
    d = _folder(tmp_path)
    (d / "report.html").write_text("<html>")
    (d / "report_charts").mkdir()
    (d / "report_charts" / "x.svg").write_text("<svg/>")
    check_seal(d)


def test_sealed_json_round_trips_and_refuses_an_unsealed_file(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(sealed_json({"point": 3, "mean": 1.5, "nan": None}))
    assert read_sealed_json(p)["point"] == 3
    p.write_text(json.dumps({"point": 3}))
    with pytest.raises(OutputError, match="self_sha256"):
        read_sealed_json(p)


def test_check_dir_creates_nothing_and_prepare_dir_drops_staging_leftovers(tmp_path):
    out = tmp_path / "a" / "b"
    check_dir(out, force=False)
    assert not (tmp_path / "a").exists()
    out.mkdir(parents=True)
    (out / ".incsim-left").mkdir()  # what a killed run leaves
    check_dir(out, force=False)  # only leftovers: still counts as empty
    prepare_dir(out, force=False)
    assert list(out.iterdir()) == []
    (out / "x").write_text("1")
    with pytest.raises(OutputError, match="not empty"):
        check_dir(out, force=False)


def test_worker_count_is_capped_by_tasks_and_cores(monkeypatch):
    monkeypatch.setattr(api, "default_jobs", lambda: 4)
    assert api.worker_count(999, 4) == 4
    assert api.worker_count(999, 100) == 4
    assert api.worker_count(999, 100, oversubscribe=True) == 100
    assert api.worker_count(None, 2) == 2
    assert api.worker_count(3, None) == 3
    assert api.worker_count(1, 50) == 1


def test_a_positive_quantity_never_gets_a_negative_bound():
    skewed = np.array([0.0] * 8 + [40.0, 3.0])  # mostly zero, one large value: t would cross 0
    m, lo, hi = t_interval(skewed)
    assert lo < 0
    bm, blo, bhi, method = bounded_interval(skewed)
    assert method == "bootstrap" and bm == m
    assert 0 <= blo < bm < bhi
    assert bounded_interval(skewed) == (bm, blo, bhi, method)  # fixed seed: same bytes
    tight = np.random.default_rng(1).normal(100, 5, 20)
    assert bounded_interval(tight)[:3] == t_interval(tight) and bounded_interval(tight)[3] == "t"
    one = bounded_interval([4.0])
    assert one[0] == 4.0 and math.isnan(one[1])


def test_bootstrap_interval_covers_a_skewed_mean_about_as_often_as_the_t_interval_it_replaces():
    # replication means that are mostly zero (exposure-like); the true mean is 0.3 x 10 = 3.
    # Both intervals under-cover at n = 10 (measured: t 0.79, bootstrap 0.77 over 1000 draws);
    # the bounded one must not be much worse, and must never go below zero.
    rng = np.random.default_rng(2026)
    trials, n, true_mean = 400, 10, 3.0
    hits_t = hits_b = 0
    for _ in range(trials):
        x = rng.exponential(10.0, n) * (rng.random(n) < 0.3)
        _, lo, hi = t_interval(x)
        _, blo, bhi, _ = bounded_interval(x)
        hits_t += lo <= true_mean <= hi
        hits_b += blo <= true_mean <= bhi
        assert blo >= 0
    assert hits_b / trials >= hits_t / trials - 0.06
    assert 0.65 <= hits_b / trials <= 0.9
