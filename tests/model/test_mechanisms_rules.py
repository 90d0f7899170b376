"""The model's rules one at a time, on inputs written by hand: which incident opens a room,
escalates (and why) or opens with a triage call; when people work, how fast work goes off
hours, and who is on call."""

from __future__ import annotations

import math

import numpy as np
import pytest

from incsim.model.people import DAY, WEEK, Engineer, Roster, union_sorted
from incsim.model.protocols import (
    AsyncFirst,
    Hybrid,
    IncidentView,
    WarRoom,
    make_strategy,
)
from incsim.model.streams import (
    SeedPool,
    Streams,
    failure_stream_id,
    sample,
    sample_or_zero,
)
from incsim.scenario.durations import (
    Constant,
    Empirical,
    Exponential,
    Lognormal,
    Triangular,
    Uniform,
)
from incsim.scenario.schema import Protocol, Scenario


def view(
    category="single-service", flags=(), services=1, data=False, minutes=0.0, mitigated=False, stalled=None
):
    """``minutes`` since detection, and (unless ``stalled`` says otherwise) without progress."""
    return IncidentView(
        category, tuple(flags), services, data, minutes, mitigated, minutes if stalled is None else stalled
    )


def hybrid(**escalation) -> Hybrid:
    return make_strategy(
        Protocol(name="h", kind="hybrid", escalation=escalation, triage={"flags": ["security"]})
    )


def test_each_kind_makes_its_strategy_and_keeps_its_name():
    for kind, cls in (("war-room", WarRoom), ("async-first", AsyncFirst), ("hybrid", Hybrid)):
        s = make_strategy(Protocol(name=f"my-{kind}", kind=kind))
        assert type(s) is cls and s.name == f"my-{kind}"


def test_war_room_opens_a_room_for_every_incident_and_never_escalates_or_triages():
    s = make_strategy(Protocol(name="w", kind="war-room"))
    assert s.opening_room(view()) == "protocol: every P1 gets a war room"
    assert s.escalation(view(minutes=1e6)) is None
    assert s.wants_triage(view(flags=["security"])) is False
    assert s.no_progress_timer() is None
    assert s.opening_is_escalation is False


def test_async_first_never_opens_a_room():
    s = make_strategy(
        Protocol(
            name="a", kind="async-first", escalation={"services_affected_at_least": 1, "no_progress_min": 1}
        )
    )
    v = view(category="cascading", flags=["security"], services=9, data=True, minutes=1e6)
    assert (s.opening_room(v), s.escalation(v), s.wants_triage(v), s.no_progress_timer()) == (
        None,
        None,
        False,
        None,
    )


def test_hybrid_rules_in_order_with_their_reasons():
    h = hybrid(
        categories=["cascading"],
        flags=["data-loss"],
        services_affected_at_least=3,
        customer_data_at_risk=True,
        no_progress_min=45,
    )
    assert h.opening_is_escalation is True
    assert h.no_progress_timer() == 45
    assert h.escalation(view(category="cascading", flags=["data-loss"])) == "category cascading"
    assert h.escalation(view(flags=["security", "data-loss"], services=5)) == "flag data-loss"
    assert h.escalation(view(services=3, data=True)) == "3 services affected (rule: >= 3)"
    assert h.escalation(view(services=2)) is None
    assert h.escalation(view(services=2, data=True)) == "customer data at risk"
    assert h.escalation(view(minutes=45)) == "no progress for 45 min"
    assert h.escalation(view(minutes=44.9)) is None
    assert h.escalation(view(minutes=90, mitigated=True)) is None
    # the rule tests progress, not age: long after detection, with work done lately, it does not fire
    assert h.escalation(view(minutes=200, stalled=44.9)) is None
    assert h.escalation(view(minutes=200, stalled=0.0)) is None
    # at detection the timer cannot have run: the opening room ignores it
    assert h.opening_room(view(minutes=45)) is None
    assert h.opening_room(view(services=4)) == "4 services affected (rule: >= 3)"


def test_hybrid_rules_left_out_do_not_fire():
    h = hybrid()
    v = view(category="cascading", flags=["data-loss"], services=50, data=True, minutes=1e6)
    assert h.escalation(v) is None and h.no_progress_timer() is None
    assert hybrid(customer_data_at_risk=False).escalation(view(data=True)) is None


def test_hybrid_triage_only_for_its_flags():
    h = hybrid()
    assert h.wants_triage(view(flags=["regulatory", "security"])) is True
    assert h.wants_triage(view(flags=["data-loss"])) is False
    no_triage = make_strategy(Protocol(name="h", kind="hybrid"))
    assert no_triage.wants_triage(view(flags=["security"])) is False


# -- people: working hours and rotas -----------------------------------------------------------
def engineer(offset=0.0, start=9.0, end=17.0, weekends_off=True, id="x-1") -> Engineer:
    return Engineer(
        id=id,
        team="x",
        index=0,
        is_lead=False,
        utc_offset_hours=offset,
        start_hour=start,
        end_hour=end,
        weekends_off=weekends_off,
        duties=(),
    )


H = 60.0


def test_working_hours_follow_the_local_clock_and_the_weekend():
    e = engineer()
    assert [e.working(t) for t in (9 * H - 0.01, 9 * H, 17 * H - 0.01, 17 * H)] == [False, True, True, False]
    saturday_10 = 5 * DAY + 10 * H
    assert e.working(saturday_10) is False
    assert engineer(weekends_off=False).working(saturday_10) is True
    # UTC+2 works 07:00-15:00 UTC
    plus2 = engineer(offset=2.0)
    assert [plus2.working(t) for t in (7 * H - 0.01, 7 * H, 15 * H - 0.01, 15 * H)] == [
        False,
        True,
        True,
        False,
    ]
    # UTC-8 works 17:00-01:00 UTC: Saturday 00:30 UTC is still Friday 16:30 there
    assert engineer(offset=-8.0).working(5 * DAY + 30) is True
    assert engineer(offset=-8.0).working(5 * DAY + 90) is False


def test_work_intervals_are_clipped_and_skip_the_weekend():
    e = engineer()
    assert e.work_intervals(0.0, 2 * DAY) == [(540.0, 1020.0), (1980.0, 2460.0)]
    assert e.work_intervals(600.0, 700.0) == [(600.0, 700.0)]
    assert e.work_intervals(1020.0, 1980.0) == []
    assert e.work_intervals(5 * DAY, 7 * DAY) == []
    # UTC-8: Monday's 09:00-17:00 there is 17:00 Monday to 01:00 Tuesday UTC; its Sunday is off
    assert engineer(offset=-8.0).work_intervals(0.0, DAY) == [(1020.0, 1440.0)]


def test_next_change_is_the_next_start_or_end_of_work():
    e = engineer()
    assert e.next_change(0.0) == 540.0
    assert e.next_change(600.0) == 1020.0
    assert e.next_change(1020.0) == DAY + 540.0
    assert e.next_change(4 * DAY + 18 * H) == 7 * DAY + 540.0  # Friday evening -> Monday 09:00


def test_work_done_slows_down_outside_working_hours():
    e = engineer()
    assert e.work_done(600.0, 60.0, 2.0) == 60.0
    assert e.work_done(990.0, 60.0, 2.0) == pytest.approx(30 + 2 * 30)  # 30 at work, 30 at half speed
    assert e.work_done(1020.0, 10.0, 4.0) == pytest.approx(40.0)
    assert e.work_done(1000.0, 100.0, 1.0) == pytest.approx(100.0)
    assert e.work_done(600.0, 0.0, 3.0) == 0.0
    # starting off hours: 60 work minutes at a third of the speed from 07:00 take until 09:00
    # (40 work minutes), the other 20 go at full speed
    assert e.work_done(420.0, 60.0, 3.0) == pytest.approx(120 + 20)


def test_minutes_left_at_work():
    assert engineer().minutes_left_at_work(600.0) == 420.0
    assert engineer().minutes_left_at_work(1100.0) == 0.0
    assert engineer(offset=2.0).minutes_left_at_work(7 * H + 30) == 450.0


def test_engineers_are_equal_only_when_every_field_is():
    a = engineer()
    assert a == engineer() and hash(a) == hash(engineer()) == hash("x-1")
    assert a != engineer(id="x-2")
    assert a != engineer(start=8.0)
    assert a != "x-1"
    assert a in [engineer(id="x-2"), engineer()]


def test_union_sorted_merges_touching_and_overlapping_spans():
    assert union_sorted([(5.0, 6.0), (0.0, 2.0), (2.0, 3.0), (1.0, 1.5)]) == [(0.0, 3.0), (5.0, 6.0)]
    assert union_sorted([]) == []


@pytest.fixture
def roster() -> Roster:
    scn = Scenario.model_validate(
        {
            "apiVersion": "incsim/v1",
            "kind": "Scenario",
            "metadata": {"name": "rotas"},
            "org": {
                "teams": [
                    {"name": "app", "size": 3, "duties": ["ic"]},
                    {
                        "name": "db",
                        "size": 3,
                        "leads": 0,
                        "utc_offset_hours": 2,
                        "duties": ["security"],
                        "oncall": {"per_shift": 2, "shift_days": 1},
                    },
                    {
                        "name": "ops",
                        "size": 2,
                        "leads": 2,
                        "duties": ["ic", "security"],
                        "oncall": None,
                        "work_hours": {"start": 8, "end": 20, "weekends_off": False},
                    },
                ],
                "services": [{"name": "web", "team": "app"}, {"name": "pg", "team": "db"}],
            },
            "incidents": {"categories": {"single-service": {"diagnosis": 10, "fix": None}}},
            "protocols": [{"name": "war-room", "kind": "war-room"}],
        }
    )
    return Roster(scn)


def ids(people) -> list[str]:
    return [e.id for e in people]


def test_the_roster_is_built_team_by_team(roster):
    assert list(roster.engineers) == ["app-1", "app-2", "app-3", "db-1", "db-2", "db-3", "ops-1", "ops-2"]
    assert [e.is_lead for e in roster.engineers.values()] == [
        True,
        False,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert [e.index for e in roster.by_team["db"]] == [0, 1, 2]
    db1, ops2 = roster.engineers["db-1"], roster.engineers["ops-2"]
    assert (db1.team, db1.utc_offset_hours, db1.start_hour, db1.end_hour, db1.weekends_off, db1.duties) == (
        "db",
        2.0,
        9.0,
        17.0,
        True,
        ("security",),
    )
    assert (ops2.start_hour, ops2.end_hour, ops2.weekends_off, ops2.duties) == (
        8.0,
        20.0,
        False,
        ("ic", "security"),
    )
    assert ids(roster.ic_pool) == ["app-1", "app-2", "app-3", "ops-1", "ops-2"]
    assert roster.number == {e: i for i, e in enumerate(roster.engineers)}
    assert roster.owner_of == {"web": "app", "pg": "db"}
    assert set(roster.teams) == {"app", "db", "ops"}


def test_on_call_rotas_hand_over_each_shift(roster):
    assert ids(roster.oncall("app", 0.0)) == ["app-1"]
    assert ids(roster.oncall("app", WEEK - 1)) == ["app-1"]
    assert ids(roster.oncall("app", WEEK)) == ["app-2"]
    assert ids(roster.oncall("app", 3 * WEEK)) == ["app-1"]
    assert ids(roster.oncall("db", 0.0)) == ["db-1", "db-2"]
    assert ids(roster.oncall("db", DAY)) == ["db-3", "db-1"]
    assert roster.oncall("ops", 0.0) == []


def test_the_ic_rota_hands_over_weekly(roster):
    assert ids(roster.ic_candidates(0.0)) == ["app-1", "app-2", "app-3", "ops-1", "ops-2"]
    assert ids(roster.ic_candidates(2 * WEEK + 5)) == ["app-3", "ops-1", "ops-2", "app-1", "app-2"]


def test_people_with_a_role_on_calls_first(roster):
    assert ids(roster.with_role("security", DAY)) == ["db-3", "db-1", "db-2", "ops-1", "ops-2"]
    assert ids(roster.with_role("legal", 0.0)) == []


# -- durations and stream keys ---------------------------------------------------------------
N = 40_000


def draws(dist, seed=11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([sample(dist, rng) for _ in range(N)])


def test_each_duration_draws_from_its_own_law():
    """Sample moments of 40 000 fixed-seed draws against the closed forms (within ~4 standard
    errors): exponential mean 10; lognormal median 40 and mean 40 exp(0.6^2 / 2) = 47.9;
    uniform(2, 4) mean 3 inside its bounds; triangular(1, 2, 6) mean 3 and P(x < 2) = 1/5;
    an empirical list gives back its values, each a third of the time."""
    assert sample(Constant(value=5.0), np.random.default_rng(0)) == 5.0
    x = draws(Exponential(dist="exponential", mean=10.0))
    assert x.min() > 0 and x.mean() == pytest.approx(10.0, rel=0.02)
    x = draws(Lognormal(dist="lognormal", median=40.0, sigma=0.6))
    assert np.median(x) == pytest.approx(40.0, rel=0.02)
    assert x.mean() == pytest.approx(40.0 * math.exp(0.18), rel=0.02)
    x = draws(Uniform(dist="uniform", low=2.0, high=4.0))
    assert 2.0 <= x.min() and x.max() <= 4.0 and x.mean() == pytest.approx(3.0, rel=0.01)
    x = draws(Triangular(dist="triangular", low=1.0, mode=2.0, high=6.0))
    assert 1.0 <= x.min() and x.max() <= 6.0 and x.mean() == pytest.approx(3.0, rel=0.01)
    assert (x < 2.0).mean() == pytest.approx(0.2, abs=0.01)
    x = draws(Empirical(dist="empirical", values=[1.0, 5.0, 9.0]))
    assert set(x.tolist()) == {1.0, 5.0, 9.0}
    assert [(x == v).mean() for v in (1.0, 5.0, 9.0)] == pytest.approx([1 / 3] * 3, abs=0.01)


def test_a_switched_off_cost_is_zero_and_anything_else_is_refused():
    assert sample_or_zero(None, np.random.default_rng(0)) == 0.0
    assert sample_or_zero(Constant(value=3.0), np.random.default_rng(0)) == 3.0
    with pytest.raises(TypeError, match="not a duration"):
        sample(7.0, np.random.default_rng(0))


def test_failure_stream_keys_are_one_block_per_service_above_every_incident_id():
    assert failure_stream_id(0, 0) == 2**40
    assert failure_stream_id(2, 5) == 2**40 + 2 * 2**24 + 5
    assert failure_stream_id(1, 2**24 - 1) == 2**40 + 2 * 2**24 - 1
    for bad in (-1, 2**24):
        with pytest.raises(ValueError, match="out of range"):
            failure_stream_id(0, bad)


def test_stream_keys_that_cannot_be_hashed_are_refused():
    with pytest.raises(ValueError, match="too long"):
        Streams(1, 0).get("incident", 2 ** (32 * 70))
    gen = Streams(1, 0).get("incident", 0)
    with pytest.raises(ValueError, match="non-negative"):
        Streams(1, 0).get("incident", -5)
    assert gen.bit_generator.seed_seq.generate_state(4, np.uint64).shape == (4,)
    for n, dtype in ((4, np.uint32), (3, np.uint64)):
        with pytest.raises(ValueError, match="PCG64"):
            gen.bit_generator.seed_seq.generate_state(n, dtype)


def test_at_the_first_minute_of_work_the_next_change_is_its_end():
    assert engineer().next_change(540.0) == 1020.0


def test_less_than_a_minute_of_work_still_takes_its_time():
    assert engineer().work_done(600.0, 0.5, 2.0) == 0.5
    assert engineer().work_done(1100.0, 0.5, 2.0) == 1.0


def _numpy_state(root: int, spawn_key: tuple[int, ...]) -> list[int]:
    return np.random.SeedSequence(root, spawn_key=spawn_key).generate_state(4, np.uint64).tolist()


def test_a_key_of_61_words_hashes_as_numpy_does():
    pool = SeedPool.start(1, (0, 1))
    assert pool.absorb_words([7] * 61).state().tolist() == _numpy_state(1, (0, 1, *[7] * 61))


def test_a_key_of_62_words_hashes_as_numpy_does():
    pool = SeedPool.start(1, (0, 1))
    assert pool.absorb_words([7] * 62).state().tolist() == _numpy_state(1, (0, 1, *[7] * 62))


def test_a_key_of_63_words_is_refused():
    """After the root and a two-word spawn prefix 24 multipliers are used; 62 more words read up
    to multiplier 24 + 4 * 62 = 272, the last of the 273; a 63rd would need 276."""
    with pytest.raises(ValueError, match="^key too long for the stream hash$"):
        SeedPool.start(1, (0, 1)).absorb_words([7] * 63)


def test_refusals_say_why():
    with pytest.raises(ValueError, match="^key too long for the stream hash$"):
        Streams(1, 0).get("incident", 2 ** (32 * 70))
    gen = Streams(1, 0).get("incident", 0)
    with pytest.raises(ValueError, match=r"^only PCG64's request \(4 words of 64 bits\) is precomputed$"):
        gen.bit_generator.seed_seq.generate_state(3, np.uint64)
