"""Numbers, intervals and scenario values in words, as every report of incsim prints them.

``Estimate`` is a mean with its 95% CI; ``num``/``ci_text``/``money_*`` spell numbers the same
way in the run report, the drill's after-action report and the calibration pages. A scenario
value is spelled by ``incsim.scenario.spelling.format_value``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STATISTIC_LABELS = {"mttr": "MTTR (mean)", "median": "median", "geomean": "geometric mean"}


@dataclass(frozen=True)
class Estimate:
    """A mean per incident with its 95% CI over replications (and, for protocols, median and p90)."""

    mean: float
    low: float
    high: float
    median: float = math.nan
    p90: float = math.nan
    n_incidents: int = 0
    n_replications: int = 0

    @property
    def has_ci(self) -> bool:
        """Whether the CI bounds are numbers (they are not with a single replication)."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def excludes_zero(self) -> bool:
        """Whether the CI lies wholly on one side of zero (a difference that is not noise)."""
        return self.has_ci and (self.low > 0 or self.high < 0)

    def scaled(self, factor: float) -> Estimate:
        """The same estimate times ``factor`` (e.g. per incident -> per year)."""
        return Estimate(
            self.mean * factor,
            self.low * factor,
            self.high * factor,
            self.median * factor,
            self.p90 * factor,
            self.n_incidents,
            self.n_replications,
        )

    def negated(self) -> Estimate:
        """``-x``: a difference ``A - B`` read as ``B - A``."""
        return Estimate(
            -self.mean,
            -self.high,
            -self.low,
            n_incidents=self.n_incidents,
            n_replications=self.n_replications,
        )


NAN_ESTIMATE = Estimate(math.nan, math.nan, math.nan)


# -- number words --------------------------------------------------------------------------------

MINUS = "\u2212"
DASH = "\u2013"


def num(x: float, digits: int = 0, sign: bool = False, money: bool = False) -> str:
    """A number for people: thousands separators, a true minus sign, optional ``+`` and ``$``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) < 0.5 * 10**-digits:
        x = 0.0
    body = f"{abs(x):,.{digits}f}"
    if money:
        body = "$" + body
    if x < 0:
        return MINUS + body
    return ("+" + body) if sign and x > 0 else body


def money_short(x: float) -> str:
    """Dollars in a few characters: $980, $12.3k, $1.25M."""
    if x is None or not math.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1e6:
        body = f"${a / 1e6:.2f}M"
    elif a >= 1e4:
        body = f"${a / 1e3:.0f}k"
    elif a >= 1e3:
        body = f"${a / 1e3:.1f}k"
    else:
        body = f"${a:.0f}"
    return (MINUS + body) if x < 0 else body


def ci_text(est: Estimate, digits: int = 0, sign: bool = False, money: bool = False) -> str:
    """``low–high`` (or ``low to high`` when a bound is negative), or n/a without a CI."""
    if not est.has_ci:
        return "n/a"
    while est.excludes_zero and digits < 2 and min(abs(est.low), abs(est.high)) < 0.5 * 10**-digits:
        digits += 1  # a bound that rounds to 0 would hide that the interval excludes 0
    lo, hi = num(est.low, digits, sign, money), num(est.high, digits, sign, money)
    joiner = " to " if (est.low < 0 or sign) else DASH
    return f"{lo}{joiner}{hi}"


def mean_ci(est: Estimate, digits: int = 0, sign: bool = False, money: bool = False) -> str:
    """``mean [low–high]``."""
    if not math.isfinite(est.mean):
        return "n/a"
    if not est.has_ci:
        return num(est.mean, digits, sign, money)
    return f"{num(est.mean, digits, sign, money)} [{ci_text(est, digits, sign, money)}]"


def money_ci(est: Estimate) -> str:
    """``$mean [$low–$high]`` in short dollars ($511k [$446k–$575k])."""
    if not math.isfinite(est.mean):
        return "n/a"
    if not est.has_ci:
        return money_short(est.mean)
    joiner = " to " if est.low < 0 else DASH
    return f"{money_short(est.mean)} [{money_short(est.low)}{joiner}{money_short(est.high)}]"


def capitalised(name: str) -> str:
    """``name`` with its first letter in upper case (a protocol name opening a sentence)."""
    return name[:1].upper() + name[1:]


def headline_sentence(other: str, base: str, eh: Estimate, ttr: Estimate, cost_year: Estimate) -> str:
    """E.g. "Async-first used 10.1 fewer engineer-hours per incident than war-room (95% CI 9.0–11.2), ..."."""
    if not math.isfinite(eh.mean):
        return f"{capitalised(other)} and {base} cannot be compared: summary.csv has no paired difference."
    fewer = eh.mean < 0
    mag = eh.negated() if fewer else eh
    if eh.has_ci and not eh.excludes_zero:
        hours = (
            f"{capitalised(other)} used about as many engineer-hours per incident as {base} "
            f"(difference {num(eh.mean, 1, sign=True)} h, 95% CI {ci_text(eh, 1, sign=True)})"
        )
    else:
        ci = f" (95% CI {ci_text(mag, 1)})" if mag.has_ci else ""
        hours = (
            f"{capitalised(other)} used {num(mag.mean, 1)} {'fewer' if fewer else 'more'} "
            f"engineer-hours per incident than {base}{ci}"
        )
    if not math.isfinite(ttr.mean):
        time = ""
    elif ttr.has_ci and not ttr.excludes_zero:
        time = (
            f", with a TTR difference of {num(ttr.mean, 0, sign=True)} min "
            f"(95% CI {ci_text(ttr, 0, sign=True)}): no clear difference in speed"
        )
    else:
        ci = f" (95% CI {ci_text(ttr, 0, sign=True)})" if ttr.has_ci else ""
        word = "slower" if ttr.mean > 0 else "faster"
        time = f", with a TTR difference of {num(ttr.mean, 0, sign=True)} min{ci}: {word} than {base}"
    money = ""
    if math.isfinite(cost_year.mean) and cost_year.mean != 0:
        verb = "saves" if cost_year.mean < 0 else "costs"
        mag = cost_year.negated() if cost_year.mean < 0 else cost_year
        ci = (
            f" (95% CI {money_short(mag.low)}{DASH if mag.low >= 0 else ' to '}{money_short(mag.high)})"
            if mag.has_ci
            else ""
        )
        money = f" At the simulated incident rate that {verb} {money_short(mag.mean)} a year{ci}."
    return hours + time + "." + money
