"""Pydantic annotations followed along a path of keys and indexes.

The scenario loader uses this to know what a YAML key should hold (for did-you-mean and for
locating errors), and the sweep uses it to tell what a dotted path points at.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel

from incsim.scenario.durations import Constant


def members(tp: Any) -> list[Any]:
    """The alternatives of an annotation, with ``Annotated``, ``Optional`` and unions flattened."""
    if tp is None or tp is type(None):
        return []
    origin = get_origin(tp)
    if origin is Annotated:
        return members(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(tp) for m in members(arg)]
    return [tp]


def is_model(tp: Any) -> bool:
    """Whether ``tp`` is a pydantic model class."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def spellings(name: str, info: Any) -> tuple[str, ...]:
    """The keys a field is read from: its name or alias first, then any old spelling still read
    (``Field(validation_alias=AliasChoices(new, old))``)."""
    old = info.validation_alias.choices if isinstance(info.validation_alias, AliasChoices) else ()
    return tuple(dict.fromkeys([info.alias or name, name, *(c for c in old if isinstance(c, str))]))


def spelled_as(tp: Any, key: str, given: Any) -> str:
    """``key`` as the mapping ``given`` (of type ``tp``) spells it: an old spelling present there
    stands for the field's new one; ``key`` otherwise."""
    for m in members(tp):
        if is_model(m):
            for name, info in m.model_fields.items():
                alias = info.validation_alias
                keys = (info.alias or name, *(alias.choices[1:] if isinstance(alias, AliasChoices) else ()))
                if key in keys:
                    return next((k for k in keys if k in given), key)
    return key


def renamed_to(tp: Any, key: str) -> str | None:
    """The new spelling of the field that ``key`` is the old spelling of (None if it is none): an
    old spelling is a later choice of ``AliasChoices``, not a field's Python name behind its alias."""
    for m in members(tp):
        if is_model(m):
            for name, info in m.model_fields.items():
                alias = info.validation_alias
                if isinstance(alias, AliasChoices) and key in alias.choices[1:]:
                    return spellings(name, info)[0]
    return None


def field_type(model: type[BaseModel], key: str) -> tuple[bool, Any]:
    """Whether ``model`` has a field named, aliased or once spelled ``key``, and its annotation."""
    for name, info in model.model_fields.items():
        if key in spellings(name, info):
            return True, info.annotation
    return False, None


def literal_tags(model: type[BaseModel]) -> set[Any]:
    """Values of the model's ``Literal`` fields: what a discriminated union tags it with."""
    return {
        v
        for info in model.model_fields.values()
        if get_origin(info.annotation) is Literal
        for v in get_args(info.annotation)
    }


def field_names(tp: Any) -> list[str]:
    """The keys a mapping of type ``tp`` accepts, as written in YAML."""
    return [info.alias or name for m in members(tp) if is_model(m) for name, info in m.model_fields.items()]


def _tagged(tp: Any) -> list[tuple[Any, Any]]:
    """(tag, member) of a union whose members carry pydantic ``Tag``s (a callable discriminator)."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) is not Union and get_origin(tp) is not types.UnionType:
        return []
    out = []
    for arg in get_args(tp):
        if get_origin(arg) is Annotated:
            tags = [m.tag for m in arg.__metadata__ if isinstance(getattr(m, "tag", None), str)]
            out += [(t, get_args(arg)[0]) for t in tags]
    return out


def union_tag(tp: Any, elem: Any) -> Any:
    """The union member that pydantic's loc element ``elem`` names, if it is such a tag."""
    alts = members(tp)
    if len(alts) < 2 or not isinstance(elem, str):
        return None
    for tag, m in _tagged(tp):
        if elem == tag:
            return m
    for m in alts:
        if elem == getattr(m, "__name__", None) or (is_model(m) and elem in literal_tags(m)):
            return m
    return None


def step(tp: Any, elem: Any) -> Any:
    """The type found under key or index ``elem`` of a value of type ``tp`` (None if unknown)."""
    for m in members(tp):
        if is_model(m) and isinstance(elem, str):
            found, ann = field_type(m, elem)
            if found:
                return ann
        origin = get_origin(m)
        if origin in (list, tuple) and isinstance(elem, int):
            args = get_args(m)
            return args[0] if args else None
        if origin is dict and isinstance(elem, str):
            args = get_args(m)
            return args[1] if len(args) == 2 else None
    return None


def is_duration(tp: Any) -> bool:
    """Whether ``tp`` is a duration (a union that includes ``Constant``)."""
    return any(m is Constant for m in members(tp))


def type_at(root: Any, loc: tuple[Any, ...]) -> tuple[Any, bool]:
    """The annotation found at ``loc`` under ``root`` (None if the path leaves the schema), and
    whether the path went through a duration on the way."""
    tp: Any = root
    in_duration = False
    for elem in loc:
        if is_duration(tp):
            in_duration = True
        tp = step(tp, elem)
        if tp is None:
            break
    return tp, in_duration


# -- the one spelling of a place in a scenario -----------------------------------------------------
# Sweeps, the report's assumptions table and error messages all write a place in a scenario as
# dotted segments: a mapping's key, or a list item's index, or (when the items have distinct
# names that are neither numbers nor contain a dot) the item's name: ``org.teams.payments.size``,
# ``protocols.war-room.room.stay_probability``, ``org.services.0.name``.


def path_segments(path: str) -> list[str]:
    """The segments of a dotted scenario path; ``ValueError`` when one is empty."""
    parts = path.split(".")
    if any(p == "" for p in parts):
        raise ValueError(f"'{path}' is not a dotted path (empty segment)")
    return parts


def child_path(path: str, segment: Any) -> str:
    """``path`` extended by one segment (a key, an index or an item's name)."""
    return f"{path}.{segment}" if path else str(segment)


def parent_paths(path: str) -> list[str]:
    """Ancestor paths, nearest first: ``a.b.c`` -> ``a.b``, ``a``."""
    parts = path.split(".")
    return [".".join(parts[:n]) for n in range(len(parts) - 1, 0, -1)]


def addressable_name(name: Any) -> bool:
    """Whether a list item's ``name`` can stand for its index in a path (not a number, no dot)."""
    return isinstance(name, str) and name != "" and not name.isdigit() and "." not in name


def item_labels(items: Any) -> tuple[list[str], bool]:
    """The path segment of each list item: its name when every item has a distinct addressable
    name, else its index; and whether names were used."""
    names = [it.get("name") if isinstance(it, dict) else None for it in items]
    by_name = all(addressable_name(n) for n in names) and len(set(names)) == len(names)
    return [str(n) if by_name else str(i) for i, n in enumerate(names)], by_name
