"""Canonical JSON for a `Definition`, its exact inverse, and its sha256.

Part of the functional core: no Flask, no database. A published questionnaire version stores
`to_canonical_json(definition)` and `definition_hash(definition)`; the same definition always gives
the same bytes (sorted keys, no insignificant whitespace, UTF-8, numbers normalised by field type).

Fields equal to their default are left out, so adding a field with a default to `schema.py` keeps
the hash of every existing definition. The other side of that bargain: never change an existing
default in `schema.py`, or stored definitions would silently read differently.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any

from surveys.questionnaire.schema import Definition

__all__ = ["definition_from_json", "definition_hash", "to_canonical_json"]


@cache
def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _default_of(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def _optional_inner(hint: Any) -> Any | None:
    """X for `X | None`, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return None


# --- Encoding ------------------------------------------------------------------------------------


def _encode(value: Any, hint: Any) -> Any:
    """`value` as plain JSON data, shaped by its declared type."""
    inner = _optional_inner(hint)
    if inner is not None:
        return None if value is None else _encode(value, inner)
    origin = typing.get_origin(hint)
    if origin is tuple:
        item_hint = typing.get_args(hint)[0]
        return [_encode(item, item_hint) for item in value]
    if origin is not None and issubclass(origin, Mapping):
        _, value_hint = typing.get_args(hint)
        return {str(key): _encode(item, value_hint) for key, item in value.items()}
    if dataclasses.is_dataclass(hint):
        return _encode_dataclass(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return value.value
    if hint is float:
        if isinstance(value, bool) or not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return float(value)
    return value


def _encode_dataclass(value: Any) -> dict[str, Any]:
    hints = _field_types(type(value))
    encoded: dict[str, Any] = {}
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        if item == _default_of(field):
            continue  # see the module docstring: keeps hashes stable when fields are added
        encoded[field.name] = _encode(item, hints[field.name])
    return encoded


def to_canonical_json(definition: Definition) -> str:
    """The definition as canonical JSON text (encode it as UTF-8 to store or hash it)."""
    return json.dumps(
        _encode_dataclass(definition),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def definition_hash(definition: Definition) -> str:
    """The sha256 (hex) of the definition's canonical JSON in UTF-8."""
    return hashlib.sha256(to_canonical_json(definition).encode("utf-8")).hexdigest()


# --- Decoding ------------------------------------------------------------------------------------


def _fail(expected: str, value: Any, where: str) -> ValueError:
    return ValueError(f"{where or 'definition'}: expected {expected}, found {value!r}")


def _decode(value: Any, hint: Any, where: str) -> Any:
    """Plain JSON data back into the declared type, refusing anything else."""
    inner = _optional_inner(hint)
    if inner is not None:
        return None if value is None else _decode(value, inner, where)
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise _fail("a list", value, where)
        item_hint = typing.get_args(hint)[0]
        return tuple(_decode(item, item_hint, f"{where}[{i}]") for i, item in enumerate(value))
    if origin is not None and issubclass(origin, Mapping):
        if not isinstance(value, dict):
            raise _fail("an object", value, where)
        _, value_hint = typing.get_args(hint)
        return {key: _decode(item, value_hint, f"{where}.{key}") for key, item in value.items()}
    if dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, value, where)  # type: ignore[arg-type]
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise _fail(f"a {hint.__name__}", value, where) from None
    return _decode_scalar(value, hint, where)


def _decode_scalar(value: Any, hint: Any, where: str) -> Any:
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail("a number", value, where)
        return float(value)
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise _fail("a whole number", value, where)
    if hint in (str, bool) and not isinstance(value, hint):
        raise _fail(hint.__name__, value, where)
    return value


def _decode_dataclass(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise _fail("an object", value, where)
    hints = _field_types(cls)
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise ValueError(f"{where or 'definition'}: unknown fields {', '.join(unknown)}")
    arguments: dict[str, Any] = {}
    for name, field in fields.items():
        path = f"{where}.{name}" if where else name
        if name in value:
            arguments[name] = _decode(value[name], hints[name], path)
        elif _default_of(field) is dataclasses.MISSING:
            raise ValueError(f"{path}: missing")
    return cls(**arguments)


def definition_from_json(text: str | bytes) -> Definition:
    """The definition written by `to_canonical_json`; raises ValueError for anything else."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error}") from None
    definition: Definition = _decode_dataclass(Definition, data, "")
    return definition
