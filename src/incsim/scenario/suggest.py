"""The ``did you mean`` suffix of every message that names an unknown key or name.

A module of its own, below ``checks`` and ``overrides``: both word their errors with it, and the
checks read the overrides' path rules, so neither may hold it without closing a circle.
"""

from __future__ import annotations

import difflib


def did_you_mean(word: str, choices: list[str]) -> str:
    """A ``did you mean 'x'?`` suffix, or an empty string when nothing is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
