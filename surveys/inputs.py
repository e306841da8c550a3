"""Every input of a request made safe once, before any view reads it.

- Text: NUL and the other control characters (except tab, line feed and carriage return) are
  removed from every query-string and form value, whatever the field. Nobody types them; they
  come from pasted documents or attackers, PostgreSQL refuses NUL in text and JSON, and
  spreadsheets refuse the others.
- URL parts: `<int:...>` only matches ASCII digits within the range of a database id (larger
  numbers are a 404 on every database, not an overflow); `<...>` (text) never matches a
  control character.
- Numbers typed into forms or posted by scripts: `parse_id` and `WholeNumberField` accept
  ASCII digits in range, nothing else.
- Return addresses (`next=`): `same_site_path` lets through only a path of this site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter
from wtforms import IntegerField
from wtforms.validators import StopValidation

from surveys.i18n import gettext as _

# The largest id a PostgreSQL `integer` column holds; SQLite ids never come near it.
MAX_ID = 2**31 - 1
_INVALID_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,10}")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")


def clean_text(value: str) -> str:
    """The text without NUL and other control characters (tab and line breaks stay)."""
    return _INVALID_CHARACTERS.sub("", value)


class CleanMultiDict(ImmutableMultiDict):
    """Request parameters (query string and form) with control characters removed."""

    def __init__(self, mapping=None) -> None:
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__(
            (clean_text(key), clean_text(value) if isinstance(value, str) else value)
            for key, value in pairs
        )


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


def parse_id(value: object) -> int | None:
    """A database id from text: ASCII digits only, 1 to MAX_ID; None for anything else."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Iterable[object], limit: int = 500) -> list[int]:
    """The valid ids among `values` (at most `limit`), in order, without repeats."""
    ids = (parse_id(value) for value in values)
    return list(dict.fromkeys(i for i in ids if i is not None))[:limit]


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path of this site (no scheme, host or line break), else None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\r\n\\") or len(target) > 2000:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>`: ASCII digits of an id a database can hold; anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """`<...>` and `<string:...>`: no control character (a 404 rather than a database error)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]")


def init_app(app: Flask) -> None:
    """Before any blueprint registers its routes."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter


class WholeNumberField(IntegerField):
    """A whole number typed in a form: ASCII digits and an optional minus, at most 12 digits.

    WTForms' IntegerField takes any Unicode digits and numbers of thousands of digits, which
    then overflow range checks (NumberRange) and database columns.
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            return
        if not _WHOLE_NUMBER.fullmatch(text):
            self.data = None
            raise ValueError(_("Enter a whole number."))
        self.data = int(text)

    def pre_validate(self, form) -> None:
        # Text that is no number is said once: the range and required checks that follow
        # would add "Number must be between 1 and 36." to "Enter a whole number.".
        if self.process_errors:
            raise StopValidation()
