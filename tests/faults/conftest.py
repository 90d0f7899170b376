"""Fixtures of the fault-injection suite (helpers live in faultkit.py)."""

from faultkit import tiny_sweep  # noqa: F401  (a fixture)
