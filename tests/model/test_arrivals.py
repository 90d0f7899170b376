"""Arrivals: incidents start when the scenario's hour-of-week profile says (a non-homogeneous
Poisson process), bursts raise the rate in their windows, and bad profiles are located errors."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from incsim.model.incidents import (
    HOURS_PER_WEEK,
    ArrivalRate,
    arrival_rate,
    generate_incidents,
    profile_weights,
    thinned_arrivals,
)
from incsim.model.people import WEEK
from incsim.model.streams import Streams
from incsim.scenario.loader import ScenarioError, load_default_scenario, load_scenario_text
from incsim.scenario.schema import Burst

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT.parent / "shared" / "data" / "github-status"
if not GITHUB.is_dir():
    GITHUB = ROOT.parents[1] / "shared" / "data" / "github-status"

TWO_TEAMS = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: clocks}
org:
  teams:
    - {name: app, size: 4, duties: [ic]}
    - {name: far, size: 4, duties: [ic], utc_offset_hours: 8}
  services:
    - {name: api, team: app}
    - {name: db, team: far}
incidents:
  ARRIVALS
  mix: {single-service: 1.0}
  categories:
    single-service:
      diagnosis: {dist: lognormal, median: 40, sigma: 0.6}
      fix: 15
protocols:
  - {name: war-room, kind: war-room}
  - {name: async-first, kind: async-first}
"""


def scenario(arrivals: str):
    """The two-team scenario with ``arrivals`` as its arrivals block (one YAML line)."""
    return load_scenario_text(TWO_TEAMS.replace("ARRIVALS", arrivals), "clocks.yaml")


def starts(scn, replications: int, weeks: float) -> list[np.ndarray]:
    """Arrival times (minutes) of each replication over ``weeks`` weeks, seed 7."""
    return [
        np.array([i.at for i in generate_incidents(scn, Streams(7, r), weeks * WEEK)])
        for r in range(replications)
    ]


def hour_of_week(at: np.ndarray, offset_hours: float = 0.0) -> np.ndarray:
    """The hour of the week (Monday 00-01 = 0) of each time, on a clock ``offset_hours`` ahead of UTC."""
    return np.floor(at / 60.0 + offset_hours).astype(int) % HOURS_PER_WEEK


# A lopsided profile: busy weekday mornings, quiet nights, quieter weekends (every cell > 0).
LOPSIDED = [
    (0.3 if d >= 5 else 1.0) * (4.0 if 8 <= h < 12 else 1.5 if 12 <= h < 18 else 0.4)
    for d in range(7)
    for h in range(24)
]


def test_simulated_hour_of_week_histogram_matches_the_profile():
    scn = scenario("arrivals: {rate_per_week: 150, profile: {timezone: utc, hour_of_week: %s}}" % LOPSIDED)
    at = np.concatenate(starts(scn, 8, 10))
    counts = np.bincount(hour_of_week(at), minlength=HOURS_PER_WEEK)
    n = counts.sum()
    expected = np.array(LOPSIDED) / sum(LOPSIDED) * n
    assert expected.min() >= 5  # chi-square needs it
    fit = stats.chisquare(counts, expected)
    assert fit.pvalue > 0.01, f"chi-square {fit.statistic:.0f} on 167 df"
    flat = stats.chisquare(counts, np.full(HOURS_PER_WEEK, n / HOURS_PER_WEEK))
    assert flat.pvalue < 1e-9  # the same sample tells the profile from a uniform week
    # the profile shapes the week; the weekly rate stays rate_per_week
    mean, sd = 150 * 10 * 8, math.sqrt(150 * 10 * 8)
    assert abs(n - mean) < 4 * sd, n


def test_default_weekday_share_is_the_fitted_one():
    scn = load_default_scenario()
    prof = scn.incidents.arrivals.profile
    assert prof is not None and prof.timezone == "owner"
    assert {t.utc_offset_hours for t in scn.org.teams} == {0.0}  # so owner time is UTC here
    share = sum(prof.weekday[:5]) / sum(prof.weekday)
    at = np.concatenate(starts(scn, 30, 52))
    weekday = hour_of_week(at) < 5 * 24
    se = math.sqrt(share * (1 - share) / len(at))
    assert abs(weekday.mean() - share) < 4 * se, (weekday.mean(), share, len(at))
    assert weekday.mean() > 5 / 7 + 10 * se  # far from a uniform week's 71%


def test_the_default_profile_is_what_the_fit_script_prints():
    if not (GITHUB / "downtime_windows.csv").is_file():
        pytest.skip(f"GitHub status data not found at {GITHUB}")
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fit_profile.py"), str(GITHUB)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "n = 779" in out
    lines = {ln.split(":")[0].strip(): ln for ln in out.splitlines() if ln.startswith("  ")}
    prof = load_default_scenario().incidents.arrivals.profile

    def weights(key: str) -> list[float]:
        return [float(x) for x in lines[key].split("[")[1].split("]")[0].split(",")]

    assert weights("weekday") == prof.weekday
    assert weights("hour") == prof.hour
    assert prof.timezone == lines["timezone"].split(":")[1].strip()


def test_owner_clock_follows_each_teams_local_time():
    only_nine = [0] * 9 + [1] + [0] * 14  # incidents start only at 09:xx local time
    scn = scenario("arrivals: {rate_per_week: 40, profile: {timezone: owner, hour: %s}}" % only_nine)
    incs = [i for r in range(3) for i in generate_incidents(scn, Streams(7, r), 4 * WEEK)]
    assert len(incs) > 100
    utc_hour = {root: {int(i.at // 60) % 24 for i in incs if i.roots[0] == root} for root in ("api", "db")}
    assert utc_hour == {"api": {9}, "db": {1}}  # far is 8 hours ahead of UTC


def test_a_named_teams_clock_applies_to_every_service():
    only_nine = [0] * 9 + [1] + [0] * 14
    scn = scenario("arrivals: {rate_per_week: 40, profile: {timezone: far, hour: %s}}" % only_nine)
    incs = generate_incidents(scn, Streams(7, 0), 4 * WEEK)
    assert {i.roots[0] for i in incs} == {"api", "db"}
    assert {int(i.at // 60) % 24 for i in incs} == {1}


@pytest.mark.parametrize(("clock", "utc_hour"), [("utc", 9), ("UTC-8", 17), ("UTC+5:30", 3)])
def test_a_fixed_offset_clock(clock, utc_hour):
    only_nine = [0] * 9 + [1] + [0] * 14
    scn = scenario("arrivals: {rate_per_week: 40, profile: {timezone: '%s', hour: %s}}" % (clock, only_nine))
    incs = generate_incidents(scn, Streams(7, 0), 4 * WEEK)
    assert len(incs) > 20
    # 09:xx at UTC+5:30 is 03:30-04:30 UTC: the hour the incident starts in is 3 or 4
    hours = {int(i.at // 60) % 24 for i in incs}
    assert hours <= {utc_hour, utc_hour + 1} and utc_hour in hours
    if ":" not in clock:
        assert hours == {utc_hour}


def test_a_flat_profile_keeps_the_old_draws_exactly():
    plain = scenario("arrivals: {rate_per_week: 20}")
    flat = scenario("arrivals: {rate_per_week: 20, profile: {weekday: [2, 2, 2, 2, 2, 2, 2]}}")
    a = generate_incidents(plain, Streams(3, 0), 8 * WEEK)
    b = generate_incidents(flat, Streams(3, 0), 8 * WEEK)
    assert len(a) > 50 and a == b


def test_thinning_a_flat_rate_gives_the_old_poisson_process():
    """Thinning against a loose envelope (bound 4, rate flat) must give a plain Poisson process:
    the same count distribution, gaps and service shares as the old direct draws."""
    scn = scenario("arrivals: {rate_per_week: 20}")
    loose = ArrivalRate(
        weights=np.ones(HOURS_PER_WEEK),
        offsets={"api": 0.0, "db": 8.0},
        bursts=(Burst(at_min=1e9, duration_min=1.0, factor=4.0),),
    )
    assert loose.varies and loose.bound == 4.0
    horizon = 4 * WEEK
    old, new = [], []
    for r in range(300):
        old.append([i.at for i in generate_incidents(scn, Streams(11, r), horizon)])
        new.append([t for t, *_ in thinned_arrivals(scn, Streams(12, r).get("arrivals"), horizon, loose)])
    n_old, n_new = np.array([len(x) for x in old]), np.array([len(x) for x in new])
    diff = stats.ttest_ind(n_old, n_new, equal_var=False)
    assert diff.pvalue > 0.01, (n_old.mean(), n_new.mean())
    assert abs(n_new.mean() - 80) < 4 * math.sqrt(80 / 300)
    assert 0.75 < n_new.var(ddof=1) / n_new.mean() < 1.3  # Poisson: variance = mean
    gaps_old = np.concatenate([np.diff([0.0, *x]) for x in old])
    gaps_new = np.concatenate([np.diff([0.0, *x]) for x in new])
    assert stats.ks_2samp(gaps_old, gaps_new).pvalue > 0.01
    how = hour_of_week(np.concatenate([np.array(x) for x in new]))
    counts = np.bincount(how // 24, minlength=7)  # uniform over the days of the week
    assert stats.chisquare(counts).pvalue > 0.01


def test_bursts_multiply_the_rate_inside_their_windows():
    # one day in seven at five times the rate
    scn = scenario(
        "arrivals: {rate_per_week: 30, bursts: [{at_min: 2880, duration_min: 1440, "
        "factor: 5, every_days: 7}]}"
    )
    at = np.concatenate(starts(scn, 20, 8))
    inside = ((at - 2880) % WEEK) < 1440
    per_day_in = inside.sum() / (20 * 8)
    per_day_out = (~inside).sum() / (20 * 8 * 6)
    expected_out = 30 / 7
    assert abs(per_day_out - expected_out) < 4 * math.sqrt(expected_out / (20 * 8 * 6))
    assert abs(per_day_in - 5 * expected_out) < 4 * math.sqrt(5 * expected_out / (20 * 8))


def test_a_one_off_burst_ends():
    rate = ArrivalRate(
        weights=np.ones(HOURS_PER_WEEK),
        offsets={},
        bursts=(Burst(at_min=100, duration_min=50, factor=3), Burst(at_min=120, duration_min=10, factor=6)),
    )
    assert [rate.burst(t) for t in (99, 100, 125, 140, 149.9, 150, 10_000)] == [1, 3, 6, 3, 3, 1, 1]


def test_compact_profile_is_weekday_times_hour_scaled_to_mean_one():
    scn = scenario(
        "arrivals: {rate_per_week: 1, profile: {weekday: [1, 1, 1, 1, 1, 0, 0], "
        "hour: %s}}" % ([0] * 12 + [3] * 12)
    )
    w = profile_weights(scn.incidents.arrivals.profile)
    assert w.shape == (HOURS_PER_WEEK,) and math.isclose(w.mean(), 1.0)
    assert w[0] == 0 and w[12] == w[4 * 24 + 23] > 0 and w[5 * 24 + 12] == 0
    assert arrival_rate(scn).offsets == {"api": 0.0, "db": 8.0}


BAD = [
    (
        "profile: {hour_of_week: [1, 2, 3]}",
        "clocks.yaml:12:56: incidents.arrivals.profile.hour_of_week: List should have at least 168 "
        "items after validation, not 3",
    ),
    (
        "profile: {weekday: [1, 1, 1, 1, -1, 0, 0]}",
        "clocks.yaml:12:64: incidents.arrivals.profile.weekday.4: Input should be greater than or equal to 0",
    ),
    (
        "profile: {hour: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, lots, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}",
        "clocks.yaml:12:85: incidents.arrivals.profile.hour.12: Input should be a valid number",
    ),
    (
        "profile: {weekday: [0, 0, 0, 0, 0, 0, 0]}",
        "clocks.yaml:12:42: incidents.arrivals.profile.weekday: every weekday weight is 0: incidents "
        "could never start",
    ),
    (
        "profile: {timezone: utc}",
        "clocks.yaml:12:32: incidents.arrivals.profile: a profile needs hour_of_week (168 weights) or "
        "weekday (7) and/or hour (24)",
    ),
    (
        "profile: {weekday: [1, 1, 1, 1, 1, 0, 0], timezone: fra}",
        "clocks.yaml:12:74: incidents.arrivals.profile.timezone: unknown timezone 'fra' (did you mean 'far'?); "
        "known: owner, utc, app, far, or UTC+H[:MM] / UTC-H[:MM]",
    ),
    (
        "profile: {weekday: [1, 1, 1, 1, 1, 0, 0], timezone: UTC+15}",
        "clocks.yaml:12:74: incidents.arrivals.profile.timezone: unknown timezone 'UTC+15'; "
        "known: owner, utc, app, far, or UTC+H[:MM] / UTC-H[:MM]",
    ),
    (
        "profile: {weekday: [1, 1, 1, 1, 1, 0, 0], hour_of_week: %s}" % ([1] * 168),
        "clocks.yaml:12:42: incidents.arrivals.profile.weekday: give hour_of_week or weekday/hour, not "
        "both ('weekday' and 'hour_of_week')",
    ),
    (
        "bursts: [{at_min: 0, duration_min: 60, factor: 0}]",
        "clocks.yaml:12:79: incidents.arrivals.bursts.0.factor: Input should be greater than 0",
    ),
    (
        "bursts: [{at_min: 0, factor: 2}]",
        "clocks.yaml:12:41: incidents.arrivals.bursts.0.duration_min: missing required key 'duration_min'",
    ),
]


@pytest.mark.parametrize(("block", "expected"), BAD)
def test_bad_profiles_and_bursts_are_located_errors(block, expected):
    with pytest.raises(ScenarioError) as info:
        scenario("arrivals: {rate_per_week: 2, %s}" % block)
    assert [str(p) for p in info.value.problems] == [expected]
