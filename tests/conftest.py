"""Shared fixtures."""

from pathlib import Path

import pytest

MINIMAL_YAML = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: tiny}
org:
  teams:
    - {name: app, size: 4, roles: [ic]}
  services:
    - {name: api, team: app}
incidents:
  arrivals: {rate_per_week: 2}
  mix: {single-service: 1.0}
  categories:
    single-service:
      diagnosis: {dist: lognormal, median: 40, sigma: 0.6}
      fix: 15
protocols:
  - {name: war-room, kind: war-room}
  - {name: async-first, kind: async-first}
"""


@pytest.fixture
def minimal_yaml() -> str:
    """A small valid scenario (18 lines); tests derive broken variants by editing its text."""
    return MINIMAL_YAML


def pytest_configure(config) -> None:
    """Refuse to test an installed copy: the suite tests the working tree's ``src/``."""
    import incsim

    src = Path(__file__).resolve().parents[1] / "src" / "incsim"
    here = Path(incsim.__file__).resolve().parent
    if here != src:
        raise pytest.UsageError(f"tests would import incsim from {here}, not the working tree's {src}")
