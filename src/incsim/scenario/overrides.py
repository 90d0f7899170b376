"""Dotted paths into a scenario's data: resolving them, reading and replacing the value they name.
The scenario an override makes is validated again by ``loader.validate_data``, the checks every
scenario file gets."""

from __future__ import annotations

import copy
from typing import Any

from incsim.scenario.schema import Scenario
from incsim.scenario.suggest import did_you_mean
from incsim.scenario.typepath import path_segments


class OverrideError(ValueError):
    """A dotted path that does not lead to a key of the scenario."""


def scenario_data(scn: Scenario) -> dict[str, Any]:
    """``scn`` as plain data with every default filled in: what override paths address."""

    def clean(value: Any) -> Any:
        """``value`` without a duration's unused (null) parameters."""
        if isinstance(value, dict):
            # a lognormal given by median+sigma dumps mean/sd as null: drop them, or a path
            # could "set" a parameterisation the duration does not have
            return {k: clean(v) for k, v in value.items() if not ("dist" in value and v is None)}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(scn.model_dump(by_alias=True, mode="python"))


def _segments(path: str) -> list[str]:
    """The segments of ``path`` in the one scenario path syntax (``typepath``)."""
    try:
        return path_segments(path)
    except ValueError as exc:
        raise OverrideError(str(exc)) from None


def _step(node: Any, seg: str, where: str) -> Any:
    """The key or list index that ``seg`` names in ``node`` (``where`` is the path so far)."""
    here = where or "the scenario"
    if isinstance(node, dict):
        if seg in node:
            return seg
        keys = [str(k) for k in node]
        if not keys:
            raise OverrideError(f"{here} is empty; it has no '{seg}'")
        if "dist" in node:
            raise OverrideError(
                f"{here} is a {node['dist']} duration with {', '.join(k for k in keys if k != 'dist')}; "
                f"it has no '{seg}' (set {here} whole to change its form)"
            )
        raise OverrideError(f"no key '{seg}' in {here}{did_you_mean(seg, keys)}; known: {', '.join(keys)}")
    if isinstance(node, list):
        if seg.isdigit():
            i = int(seg)
            if i >= len(node):
                raise OverrideError(f"{here} has {len(node)} items; there is no index {i}")
            return i
        names = [item.get("name") for item in node if isinstance(item, dict)]
        hits = [i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == seg]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise OverrideError(f"{here} has {len(hits)} items named '{seg}'; address one by index")
        if not any(isinstance(n, str) for n in names):
            raise OverrideError(
                f"{here} is a list; address its items by index (0..{len(node) - 1}), not '{seg}'"
            )
        known = [str(n) for n in names if isinstance(n, str)]
        raise OverrideError(
            f"no item named '{seg}' in {here}{did_you_mean(seg, known)}; "
            f"known: {', '.join(known)} (or an index)"
        )
    if node is None:
        raise OverrideError(f"{here} is null; it has no '{seg}'")
    raise OverrideError(f"{here} is a value ({node!r}), not a mapping or list; it has no '{seg}'")


def resolve_path(data: dict[str, Any], path: str) -> tuple[Any, ...]:
    """The concrete location (keys and indices) that dotted ``path`` names in scenario ``data``."""
    node: Any = data
    loc: list[Any] = []
    where = ""
    for seg in _segments(path):
        key = _step(node, seg, where)
        loc.append(key)
        node = node[key]
        where = f"{where}.{seg}" if where else seg
    return tuple(loc)


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in scenario ``data``."""
    node: Any = data
    for key in resolve_path(data, path):
        node = node[key]
    return node


def apply_override(scenario_dict: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``scenario_dict`` with the value at dotted ``path`` replaced by ``value``.

    ``scenario_dict`` is scenario data as ``scenario_data`` gives it; an ``OverrideError`` says
    why a path does not lead to an existing key. The input is left unchanged: only the mappings
    and lists on the way to ``path`` are copied, the rest is shared with the input (a sweep makes
    a scenario per point, thousands of them; copying each whole cost more than validating it).
    Neither the input nor the copy is changed in place afterwards: validation reads them.
    """
    loc = resolve_path(scenario_dict, path)
    out, parent = copied_along(scenario_dict, loc)
    parent[loc[-1]] = copy.deepcopy(value)
    return out


def copied_along(data: dict[str, Any], loc: tuple[Any, ...]) -> tuple[dict[str, Any], Any]:
    """A copy of ``data`` in which only the mappings and lists on the way to ``loc`` (keys and
    indexes, as ``resolve_path`` gives them) are new, and the container holding its last key:
    setting that key changes the copy alone. The rest is shared with ``data``, so neither may be
    changed in place anywhere else."""
    out = dict(data)
    node: Any = out
    for key in loc[:-1]:
        child = node[key]
        node[key] = child = dict(child) if isinstance(child, dict) else list(child)
        node = child
    return out, node
