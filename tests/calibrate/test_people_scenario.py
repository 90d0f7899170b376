"""What ``calibrate --base`` makes of the measured "any updates?" rate."""

from __future__ import annotations

import numpy as np
import pytest

from incsim.calibrate.people_scenario import request_rate_to_write
from incsim.model.communication import update_request_rate
from incsim.scenario.schema import Behaviour, Protocol


def test_without_an_executive_channel_the_rate_is_written_as_measured():
    rate, how = request_rate_to_write(1.4, [], 0.25)
    assert rate == 1.4 and "no executive channel" in how


def test_beside_an_executive_channel_the_rate_is_written_over_the_factor():
    rate, how = request_rate_to_write(1.4, ["incident-executive"], 0.25)
    assert rate == pytest.approx(5.6) and "#incident-executive" in how and "0.25" in how
    # and the model then asks at the measured rate under a protocol with an executive channel,
    # at the written rate under one without
    beh = Behaviour(update_requests_per_hour=rate, update_requests_factor_with_exec_channel=0.25)
    with_exec = Protocol(name="w", kind="war-room", executive_channel=True)
    without = Protocol(name="a", kind="async-first", executive_channel=False)
    assert update_request_rate(beh, with_exec) == pytest.approx(1.4)
    assert update_request_rate(beh, without) == pytest.approx(5.6)


def test_a_zero_factor_leaves_no_rate_to_write():
    # with an executive channel every protocol with one asks nothing, whatever the parameter
    assert request_rate_to_write(1.4, ["incident-executive"], 0.0) == (None, "")


def _detail(share: float) -> dict:
    from incsim.calibrate.fit import lognormal_of_logs

    rng = np.random.default_rng(3)
    lat = {
        "in_incident": list(rng.lognormal(np.log(5.0), 0.5, 400)),
        "business_hours": list(rng.lognormal(np.log(20.0), 0.5, 400)),
        "off_hours": list(rng.lognormal(np.log(45.0), 0.5, 400)),
    }
    fits = {
        "answer_in_incident_min": lognormal_of_logs(lat["in_incident"], 5),
        "answer_business_hours_min": lognormal_of_logs(lat["business_hours"], 5),
        "answer_off_hours_min": lognormal_of_logs(lat["off_hours"], 5),
    }
    return {"answer_latencies_min": lat, "fits": fits, "off_hours_answers_after_day_start": share}


def test_reply_latencies_are_the_model_s_part_of_each_wait():
    from incsim.calibrate.people_scenario import reply_latencies
    from incsim.model.streams import sample_or_zero
    from incsim.scenario.durations import Lognormal

    beh = Behaviour(read_thread={"dist": "uniform", "low": 5, "high": 15})
    out = reply_latencies(_detail(0.1), beh)
    assert set(out) == {"reply_latency.engaged", "reply_latency.working", "page_ack_off_hours"}
    rng = np.random.default_rng(5)

    def whole(fit, *parts):
        d = Lognormal(dist="lognormal", median=fit["median_min"], sigma=fit["sigma"])
        return np.array(
            [sample_or_zero(d, rng) + sum(sample_or_zero(p, rng) for p in parts) for _ in range(20000)]
        )

    engaged = out["reply_latency.engaged"][0]
    e_dist = Lognormal(dist="lognormal", median=engaged["median_min"], sigma=engaged["sigma"])
    # the model's whole wait, its part drawn from the written lognormal, has the measured median
    cases = (
        (engaged, (beh.interruption.answer,), 5.0),
        (out["reply_latency.working"][0], (beh.read_thread, beh.interruption.answer), 20.0),
        (out["page_ack_off_hours"][0], (e_dist, beh.interruption.answer), 45.0),
    )
    for fit, parts, median in cases:
        assert np.median(whole(fit, *parts)) == pytest.approx(median, rel=0.1), (fit, median)
    assert out["reply_latency.working"][0]["median_min"] < 10  # the reading is not in it
    assert "each" not in out["page_ack_off_hours"][1] and "paged: 10%" in out["page_ack_off_hours"][1]


def test_off_hours_answers_after_the_day_starts_say_wait():
    from incsim.calibrate.people_scenario import reply_latencies

    out = reply_latencies(_detail(0.8), Behaviour())
    assert out["off_hours_questions"] == (None, "80% of them came after the answerer's day started")
    assert "page_ack_off_hours" not in out
