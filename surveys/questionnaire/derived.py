"""Work derived from a definition, done once per definition object.

A published version's definition is parsed once per process and never changes, so what is
derived from it (the plan for checking its rules, the order of its conditions) is kept beside it,
found by the object's identity and forgotten with the object.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def per_definition(build: Callable[[object], T]) -> Callable[[object], T]:
    """`build(definition)`, run once for each definition object."""
    made: dict[int, tuple[weakref.ref, T]] = {}

    def forget(key: int) -> None:
        found = made.get(key)
        if found is not None and found[0]() is None:
            del made[key]

    def derived(definition) -> T:
        key = id(definition)
        found = made.get(key)
        if found is not None and found[0]() is definition:
            return found[1]
        value = build(definition)
        made[key] = (weakref.ref(definition, lambda _gone, key=key: forget(key)), value)
        return value

    derived.__doc__ = build.__doc__
    return derived
