"""Every date, time and number follows the reader's locale (British English, French) on a sample
of pages of the demo and in the workbooks; neither catalogue writes plurals as "(s)"."""

from __future__ import annotations

import html
import io
import re
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "surveys" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"

EN_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
FR_MONTHS = "janv\\.|févr\\.|mars|avr\\.|mai|juin|juil\\.|août|sept\\.|oct\\.|nov\\.|déc\\."
FR_LONG_MONTHS = "janvier|février|avril|juillet|septembre|octobre|novembre|décembre"
SPACE = "[ \u00a0\u202f]"

# Formats no page of that language may contain.
WRONG = {
    "en": {
        "US date (month first)": re.compile(rf"\b(?:{EN_MONTHS})[a-z]*\.? \d{{1,2}}, \d{{4}}"),
        "12-hour clock": re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s?(?:AM|PM|am|pm)\b"),
        "numeric date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
        "decimal comma": re.compile(r"\b\d+,\d{1,2}(?!\d)"),
    },
    "fr": {
        "English date": re.compile(
            rf"\b(?:\d{{1,2}} (?:{EN_MONTHS}) \d{{4}}|(?:{EN_MONTHS})[a-z]* \d{{1,2}}, \d{{4}})"
        ),
        "12-hour clock": re.compile(r"\b\d{1,2}:\d{2}\s?(?:AM|PM|am|pm)\b"),
        "numeric date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
        # Scores have two decimals; question numbers such as 8.4 do not.
        "decimal point": re.compile(r"\b(?:\d{2,}|0)\.\d{2}(?!\d)"),
        "comma thousands": re.compile(r"\b\d{1,3},\d{3}(?!\d)"),
    },
}
# What a page of that language shows: one of each must be found somewhere in the sample.
RIGHT = {
    "en": {
        "date": re.compile(rf"\b\d{{1,2}} (?:{EN_MONTHS}) \d{{4}}\b"),
        "24-hour time": re.compile(r"\b(?:[01]\d|2[0-3]):[0-5]\d\b"),
        "decimal": re.compile(r"\b\d+\.\d{2}\b"),
    },
    "fr": {
        "date": re.compile(rf"\b\d{{1,2}} (?:{FR_MONTHS}|{FR_LONG_MONTHS}) \d{{4}}"),
        "24-hour time": re.compile(r"\b(?:[01]\d|2[0-3]):[0-5]\d\b"),
        "decimal": re.compile(r"\b\d+,\d{2}\b"),
    },
}
START_PAGES = ("/", "/account", "/rounds/", "/results/", "/exports/", "/questionnaires/", "/audit/")
SKIPPED_PATHS = re.compile(r"/(logout|language|static|exports/.*\.xlsx|archive/|evidence)")
PAGES_PER_LANGUAGE = 45


def main_text(page: str) -> str:
    """What the reader sees in the page's main part, code (ids, commands) left out."""
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style|code|pre)\b[^>]*>.*?</\1>", " ", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def links_of(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'<a\b[^>]*href="([^"]+)"', page)]


def sample_pages(client) -> dict[str, str]:
    """Pages reached from the start pages, breadth first, up to PAGES_PER_LANGUAGE."""
    seen: set[str] = set()
    queue = deque(START_PAGES)
    pages: dict[str, str] = {}
    while queue and len(pages) < PAGES_PER_LANGUAGE:
        path = queue.popleft()
        parts = urlsplit(path)
        if parts.netloc or not parts.path.startswith("/") or SKIPPED_PATHS.search(parts.path):
            continue
        key = parts.path + ("?" + parts.query if parts.query else "")
        # One page per route shape: /results/countries/3 stands for the other countries.
        shape = re.sub(r"\d+", "N", parts.path) + ("?q" if parts.query else "")
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(key)
        page = response.get_data(as_text=True)
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages[key] = page
        queue.extend(links_of(page))
    return pages


def problems_in(text: str, language: str) -> list[str]:
    return [
        f"{name}: {match.group(0)!r} in …{text[max(0, match.start() - 40) : match.end() + 40]}…"
        for name, pattern in WRONG[language].items()
        for match in pattern.finditer(text)
    ]


@pytest.fixture
def demo_world(app, db, backend):
    if backend != "sqlite":
        pytest.skip("the formats do not depend on the database")
    from surveys.demo import load_demo

    load_demo()
    db.session.commit()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_write_dates_times_and_numbers_in_the_readers_locale(
    demo_world, client, login, create_user, language
):
    login(create_user("coordinator", "analyst", "admin", language=language))
    pages = sample_pages(client)
    assert len(pages) >= 20, sorted(pages)
    problems = [
        f"{path}: {p}"
        for path, page in pages.items()
        for p in problems_in(main_text(page), language)
    ]
    assert not problems, "\n".join(problems[:20])
    everything = " ".join(main_text(page) for page in pages.values())
    missing = [name for name, pattern in RIGHT[language].items() if not pattern.search(everything)]
    assert not missing, f"no {missing} found in {len(pages)} pages"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_workbooks_write_figures_as_numbers_and_text_in_the_readers_locale(
    demo_world, client, login, create_user, language
):
    from surveys.rounds.models import Round

    login(create_user("analyst", language=language))
    from surveys.extensions import db

    round_ = db.session.scalars(db.select(Round).order_by(Round.id)).first()
    key = round_.version.questionnaire.key
    books = {
        "scorecard": client.get(f"/exports/rounds/{round_.id}/scorecard.xlsx?lang={language}"),
        "trends": client.get(f"/exports/questionnaires/{key}/trends.xlsx?lang={language}"),
    }
    problems, numbers = [], 0
    for name, response in books.items():
        assert response.status_code == 200, name
        data = response.data
        response.close()
        book = load_workbook(io.BytesIO(data), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        numbers += 1  # Excel shows it in the reader's own locale
                    elif isinstance(value, str):
                        if re.fullmatch(r"[+-]?\d+(?:[.,]\d+%?|%)", value.strip()):
                            problems.append(
                                f"{name}/{sheet.title}: a figure stored as text {value!r}"
                            )
                        problems.extend(
                            f"{name}/{sheet.title}: {p}" for p in problems_in(value, language)
                        )
        book.close()
    assert numbers > 100
    assert not problems, "\n".join(problems[:20])


def test_neither_catalogue_writes_plurals_with_parentheses():
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    found = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in (*ids, *strings):
            if re.search(r"\w\((?:s|e|es|x|nt)\)", text or ""):
                found.append(text)
    assert not found, found


def test_counts_in_the_catalogue_go_through_ngettext():
    """A message that says how many things of a kind there are has a plural form."""
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    counted_nouns = re.compile(
        r"%\((?:count|num|n)\)[sd] (?:[a-z]+ )?(?:countries|questions|problems|answers|days|"
        r"weeks|months|points|queries|people|messages|areas|reminders|files)\b"
    )
    singular_only = [
        message.id
        for message in catalogue
        if isinstance(message.id, str) and counted_nouns.search(message.id)
    ]
    assert not singular_only, singular_only


@pytest.mark.parametrize("zone", ["UTC", "Africa/Niamey", "Europe/London", "America/New_York"])
@pytest.mark.parametrize("locale", ["en_GB", "fr", "en_US", "ar"])
def test_the_autosaves_time_is_written_as_flask_babel_writes_a_short_time(
    app, create_user, locale, zone
):
    """i18n.short_time (the autosave's "Saved at 14:05", its pattern read once a language) and
    Flask-Babel's format_time(..., "short") agree, whatever the reader's language and zone."""
    from datetime import UTC, datetime

    from flask_babel import force_locale, format_time
    from flask_login import login_user

    from surveys.i18n import short_time

    person = create_user("respondent", timezone=zone)
    moments = [datetime(2026, 12, 5, 14, 5, tzinfo=UTC), datetime(2026, 6, 30, 23, 59, tzinfo=UTC)]
    moments.append(datetime(2026, 3, 1, 8, 30))  # naive: UTC, as Flask-Babel takes it
    with app.test_request_context():
        login_user(person)
        with force_locale(locale):
            written = [short_time(moment) for moment in moments]
            assert written == [format_time(moment, "short") for moment in moments]
    if locale == "en_GB" and zone == "America/New_York":
        assert written == ["09:05", "19:59", "03:30"]  # the reader's zone, not UTC
