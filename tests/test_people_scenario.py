"""What ``calibrate --base`` makes of the measured "any updates?" rate."""

from __future__ import annotations

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
