"""Adding a language is configuration, a catalogue and questionnaire texts: no code changes.

Arabic (written right to left) is added here with the LANGUAGES setting, a catalogue compiled
by the test into a folder of its own and a copy of the mini questionnaire with Arabic texts;
pages, an e-mail and a workbook then come out in Arabic.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from surveys.columns import utcnow
from surveys.extensions import db as _db
from tests.conftest import MINI_V1, make_app, wipe_database

# A few entries of the Arabic fixture catalogue (the rest reads in English, as for any message a
# translator has not reached yet).
ARABIC = {
    "Niamey monitoring mechanism": "آلية رصد نيامي",
    "Sign out": "تسجيل الخروج",
    "Sign in": "تسجيل الدخول",
    "Dear %(name)s,": "عزيزي %(name)s،",
    "Round open: %(title)s": "دورة مفتوحة: %(title)s",
    "The Niamey monitoring secretariat (UNODC)": "أمانة آلية رصد نيامي",
    "Summary": "ملخص",
}
YES_PARTLY_NO = {
    "yes": {"en": "Yes", "fr": "Oui", "ar": "نعم"},
    "partly": {"en": "Partly", "fr": "Partiellement", "ar": "جزئيا"},
    "no": {"en": "No", "fr": "Non", "ar": "لا"},
}


def compile_catalogue(folder: Path) -> Path:
    catalogue = Catalog(locale="ar", domain="messages")
    for english, arabic in ARABIC.items():
        catalogue.add(english, arabic)
    target = folder / "ar" / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        write_mo(handle, catalogue)
    return folder


def with_arabic_texts(node) -> None:
    """Give every English/French text of a definition an Arabic one beside it."""
    if isinstance(node, dict):
        if {"en", "fr"} <= set(node) and all(isinstance(v, str) for v in node.values()):
            node["ar"] = "بالعربية: " + node["en"]
            return
        for value in node.values():
            with_arabic_texts(value)
    elif isinstance(node, list):
        for value in node:
            with_arabic_texts(value)


def arabic_questionnaire(folder: Path) -> Path:
    definition = yaml.safe_load(MINI_V1.read_text(encoding="utf-8"))
    with_arabic_texts(definition)
    definition["languages"] = ["en", "fr", "ar"]
    for area in definition["areas"]:
        for question in area["questions"]:
            if question["type"] == "yes_partly_no":
                question["labels"] = YES_PARTLY_NO
    target = folder / "mini" / "v1.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture
def arabic_app(backend, tmp_path, request):
    """The application configured with a third language, and nothing else changed."""
    catalogues = compile_catalogue(tmp_path / "catalogues")
    app = make_app(
        backend,
        tmp_path,
        request,
        LANGUAGES="en=en_GB,fr=fr_FR,ar",
        BABEL_TRANSLATION_DIRECTORIES=f"translations;{catalogues}",
    )
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        wipe_database()
        _db.engine.dispose()


@pytest.fixture
def arabic_world(arabic_app, tmp_path):
    """A country named in Arabic too, the Arabic questionnaire published, a round open for
    the country, and two people who read Arabic (through the operations an admin would use)."""
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.questionnaire.operations import import_file, publish
    from surveys.rounds.models import Round, RoundCountry

    chad = Country(iso2="TD", iso3="TCD", names={"en": "Chad", "fr": "Tchad", "ar": "تشاد"})
    _db.session.add(chad)
    path = arabic_questionnaire(tmp_path / "questionnaires")
    version = import_file(path).version
    publish(version)
    now = utcnow()
    round_ = Round(
        questionnaire_version_id=version.id,
        period_label="2026-H2",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
        reminder_offsets=[7],
    )
    round_.participants = [RoundCountry(country=chad)]
    respondent = User(
        email="amina@example.org", name="Amina", language="ar", timezone="Africa/Ndjamena"
    )
    respondent.grant("respondent")
    respondent.countries.append(chad)
    analyst = User(email="analyst@example.org", name="Karim", language="ar")
    analyst.grant("analyst")
    _db.session.add_all([round_, respondent, analyst])
    _db.session.commit()
    return round_, chad, respondent, analyst


def signed_in(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def test_the_setting_alone_offers_arabic_right_to_left(arabic_app):
    from surveys.i18n import enabled_languages

    arabic = enabled_languages()[2]
    assert (arabic.code, arabic.name, arabic.locale, arabic.direction) == (
        "ar",
        "العربية",
        "ar",
        "rtl",
    )
    page = arabic_app.test_client().get("/login", headers={"Accept-Language": "ar"})
    html = page.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "آلية رصد نيامي" in html and "تسجيل الدخول" in html
    assert '<option value="ar" lang="ar" dir="rtl"' in html and "العربية</option>" in html
    english = arabic_app.test_client().get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="en" dir="ltr">' in english.get_data(as_text=True)


def test_an_arabic_respondent_reads_the_questionnaire_in_arabic(arabic_app, arabic_world):
    round_, chad, respondent, _analyst = arabic_world
    client = signed_in(arabic_app, respondent)
    home = client.get("/my-questionnaires").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in home and "تسجيل الخروج" in home
    assert "بالعربية: Mini self-assessment" in home and "تشاد" in home
    start = client.post(f"/rounds/{round_.id}/countries/{chad.id}/answers")
    area = client.get(start.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in area
    assert "بالعربية: Does national law criminalise trafficking in persons" in area
    assert "نعم" in area and "جزئيا" in area


def test_an_arabic_recipient_gets_the_round_notice_in_arabic(arabic_app, arabic_world):
    from surveys.notifications.models import OutboxMessage
    from surveys.rounds import notices

    round_, chad, respondent, _analyst = arabic_world
    notices.queue_notice(notices.OPENING, round_, respondent, country=chad)
    [message] = _db.session.scalars(sa.select(OutboxMessage)).all()
    assert message.language == "ar"
    assert message.subject == "دورة مفتوحة: بالعربية: Mini self-assessment on smuggling and " + (
        f"trafficking — {round_.period_label}"
    )
    assert message.body.startswith("عزيزي Amina،\n\n")
    assert "تشاد" in message.body and "(Africa/Ndjamena)" in message.body
    # The deadline in Babel's Arabic: the month's Arabic name, whatever month the round closes.
    month = format_date(round_.closes_at, "MMMM", locale="ar")
    assert month in message.body and any("\u0600" <= letter <= "\u06ff" for letter in month)
    assert message.body.endswith("أمانة آلية رصد نيامي\n")


def test_the_scorecard_workbook_comes_in_arabic_right_to_left(arabic_app, arabic_world):
    round_, _chad, _respondent, analyst = arabic_world
    client = signed_in(arabic_app, analyst)
    page = client.get("/exports/").get_data(as_text=True)
    assert f"/exports/rounds/{round_.id}/scorecard.xlsx?lang=ar" in page
    with client.get(f"/exports/rounds/{round_.id}/scorecard.xlsx?lang=ar") as response:
        assert response.status_code == 200
        data = response.data
    book = openpyxl.load_workbook(io.BytesIO(data))
    summary = book["ملخص"]
    assert summary.sheet_view.rightToLeft
    texts = {cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row}
    assert any(isinstance(text, str) and "بالعربية: Mini" in text for text in texts)
    country_cells = {cell for row in summary.iter_rows(values_only=True) for cell in row}
    assert "تشاد" in country_cells


def test_stylesheets_mirror_for_right_to_left_pages():
    """Margins, borders, alignment and sticky columns use logical sides (start/end), so an
    Arabic page mirrors the layout instead of scrolling sideways."""
    import re

    from tests.conftest import ROOT

    for sheet in sorted((ROOT / "surveys" / "static").glob("*.css")):
        rules = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        physical = re.findall(
            r"[\w-]*\b(?:left|right)\b[\w-]*\s*:[^;}]*|:\s*(?:left|right)\b", rules
        )
        assert physical == [], f"{sheet.name}: {physical}"


def test_the_offline_workbook_comes_in_arabic_right_to_left(arabic_app, arabic_world):
    round_, chad, respondent, _analyst = arabic_world
    client = signed_in(arabic_app, respondent)
    [rule] = [r for r in arabic_app.url_map.iter_rules() if r.endpoint == "offline.workbook"]
    url = rule.rule.replace("<int:round_id>", str(round_.id)).replace(
        "<int:country_id>", str(chad.id)
    )
    with client.get(url + "?lang=ar") as response:
        assert response.status_code == 200
        data = response.data
    book = openpyxl.load_workbook(io.BytesIO(data))
    visible = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]
    assert len(visible) >= 2 and all(sheet.sheet_view.rightToLeft for sheet in visible)
    texts = {cell for sheet in visible for row in sheet.iter_rows(values_only=True) for cell in row}
    assert any(isinstance(text, str) and "بالعربية: Does national law" in text for text in texts)
