"""Fixtures and helpers for offline answering: download, fill in as a person would, upload."""

from __future__ import annotations

import io
import re
from html import unescape

from openpyxl import load_workbook
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from surveys.offline.layout import COL_ANSWER, COL_COMMENT, COL_KEY, COL_NA, COL_REASON
from tests.responses.conftest import World, started, world  # noqa: F401 - fixtures

COLUMNS = {"answer": COL_ANSWER, "comment": COL_COMMENT, "na": COL_NA, "reason": COL_REASON}


def download(client, round_id: int, country_id: int, **params) -> bytes:
    response = client.get(
        f"/offline/rounds/{round_id}/countries/{country_id}/workbook", query_string=params
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def find_row(workbook, key: str):
    """(worksheet, row number) of the row keyed `key` in column A of an area sheet."""
    for worksheet in workbook.worksheets:
        if worksheet.sheet_state != "visible":
            continue
        for row in range(1, worksheet.max_row + 1):
            if worksheet.cell(row=row, column=COL_KEY).value == key:
                return worksheet, row
    raise KeyError(key)


def fill(data: bytes, values: dict[str, object]) -> bytes:
    """Type values as a person would: `values` maps "row key" (the answer column) or
    "row key/column" (comment, na, reason, or a column number) to what is typed."""
    workbook = load_workbook(io.BytesIO(data))
    for target, value in values.items():
        key, _, column = target.partition("/")
        worksheet, row = find_row(workbook, key)
        number = int(column) if column.isdigit() else COLUMNS[column or "answer"]
        worksheet.cell(row=row, column=number).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, round_id: int, country_id: int, *files: bytes, names=None):
    names = names or [f"book{i}.xlsx" for i in range(len(files))]
    builder = EnvironBuilder(
        path=f"/offline/rounds/{round_id}/countries/{country_id}/import",
        method="POST",
        data={"workbook": [(io.BytesIO(f), n) for f, n in zip(files, names, strict=True)]},
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:
        return client.open(Request(environ))
    finally:
        environ["wsgi.input"].close()  # a large body is spooled to a temporary file
        builder.close()


def confirm_form(html: str) -> dict[str, list[str]]:
    """The hidden fields of the preview's confirmation form."""
    form = html[html.index('action="/offline/rounds/') :]
    assert "/import/confirm" in form[:200], "no confirmation form on the page"
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields.setdefault(name, []).append(unescape(value))
    fields.pop("csrf_token", None)
    return fields


def confirm(client, round_id: int, country_id: int, html: str, **extra):
    data = confirm_form(html)
    data.update({k: [v] for k, v in extra.items()})
    return client.post(
        f"/offline/rounds/{round_id}/countries/{country_id}/import/confirm", data=data
    )
