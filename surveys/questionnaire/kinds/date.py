"""date: a day, typed as 2024-03-16 or 16/03/2024, stored as an ISO date and written out long
in the reader's language.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from surveys.locales import locale_for
from surveys.questionnaire.kinds.base import Kind, Message, ValueProblem, input_text
from surveys.translatable import N_

REAL_DATE = N_("Enter a real date, for example 2024-03-16 or 16/03/2024.")
YEARS = (1900, 2100)


def parse_date(text: str) -> date | None:
    """An ISO date (what date inputs send) or day/month/year; None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


class Date(Kind):
    name = "date"
    label = N_("Date")
    keys = ("answered_score",)
    widget = "date"
    value_type = "date"
    cell_format = "date"
    scoring = "answered_date"

    def problem(self, question, value, language):
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return Message(REAL_DATE)
        return None

    def normalise(self, question, inputs, language):
        try:
            day = parse_date(input_text(inputs, question.id))
        except ValueError:
            raise ValueProblem(Message(REAL_DATE), question.id) from None
        if day is None:
            return None
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValueProblem(Message(N_("Enter a date between 1900 and 2100.")), question.id)
        return day.isoformat()

    def text(self, question, value, language, t):
        try:
            return format_date(date.fromisoformat(str(value)), "long", locale=locale_for(language))
        except ValueError:
            return str(value)

    def cell(self, question, value):
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                return value
        return str(value)

    def example(self, question, level, rng):
        start = date(2004, 1, 1).toordinal()
        return date.fromordinal(rng.randint(start, date(2025, 6, 30).toordinal())).isoformat()
