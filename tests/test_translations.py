"""The French catalogue is complete: every user-facing string in the code has a translation."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from surveys.languages import LIST_SEPARATOR, list_separator, typeset
from surveys.questionnaire.loader import load_definition
from surveys.questionnaire.schema import localized

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "surveys" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def extract_messages(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "surveys" / "translations" / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "_l",
            "-o",
            str(pot),
            str(ROOT / "surveys"),
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_a_french_translation(tmp_path):
    template = extract_messages(tmp_path)
    with PO_FILE.open("rb") as handle:
        french = read_po(handle, locale="fr")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = french.get(message.id)
        strings = (
            translated.string
            if translated and isinstance(translated.string, tuple)
            else (translated.string,)
            if translated
            else ("",)
        )
        if translated is None or translated.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{len(missing)} messages lack a French translation, e.g. {missing[:10]}"


def test_compiled_catalogue_is_shipped_with_the_package():
    assert MO_FILE.exists(), "run `make translations` (make run / make test do it)"


def test_pages_switch_to_french(client):
    response = client.get("/login", headers={"Accept-Language": "fr"})
    assert "Se connecter" in response.get_data(as_text=True)


# French typography: a space before : ; ? ! and inside « », never one a line may break at.
# U+00A0 (no-break space) before ":" and inside « »; U+202F (narrow no-break space) before
# ";", "?" and "!" (the fine space of the Imprimerie nationale rules; Babel's fr_FR groups
# digits with it too). "!=" is an operator, not punctuation; "18:00" has no space at all.
NBSP, NNBSP = "\u00a0", "\u202f"
FRENCH_SPACING_FAULTS = (
    (re.compile(rf"[^{NBSP}\S]:|{NNBSP}:"), "before “:” (U+00A0 wanted)"),
    (re.compile(rf"[^{NNBSP}\S][;?]|[^{NNBSP}\S]!(?!=)|{NBSP}[;?]|{NBSP}!(?!=)"), "before ; ? !"),
    (re.compile(rf"«[^{NBSP}\S]|«{NNBSP}|[^{NBSP}\S]»|{NNBSP}»"), "inside « » (U+00A0 wanted)"),
)


def french_spacing_faults(text: str) -> list[str]:
    """What is wrong with the spaces of one French string, in words (none: an empty list)."""
    return [
        f"{where}: …{text[max(m.start() - 15, 0) : m.end() + 15]}…"
        for pattern, where in FRENCH_SPACING_FAULTS
        for m in pattern.finditer(text)
    ]


def test_the_spacing_rule_sees_ordinary_spaces_and_accepts_the_typography():
    assert french_spacing_faults("Réponse : Oui")
    assert french_spacing_faults("Pas encore de compte ? Les comptes")
    assert french_spacing_faults("pèse 14 Mo ; la limite")
    assert french_spacing_faults("closez-la par « aucun changement »")
    assert french_spacing_faults(f"Réponse{NNBSP}: Oui")  # the narrow one is for ; ? ! only
    assert french_spacing_faults(f"compte{NBSP}? Les")
    assert not french_spacing_faults(
        f"Réponse{NBSP}: Oui, compte{NNBSP}? Bravo{NNBSP}! a{NNBSP}; z"
    )
    assert not french_spacing_faults(f"«{NBSP}aucun changement{NBSP}»")
    assert not french_spacing_faults("à 18:00, l'en-tête Accept: text/csv, x != 0")


def test_french_translations_keep_punctuation_with_its_word():
    with PO_FILE.open("rb") as handle:
        french = read_po(handle, locale="fr")
    faults = []
    for message in french:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            faults.extend(f"{message.id!r}: {fault}" for fault in french_spacing_faults(text))
    assert not faults, (
        f"{len(faults)} French strings with a breakable or wrong space, e.g.\n"
        + "\n".join(faults[:10])
    )


# A country's name set bare inside a sentence reads wrong for some countries, so messages name a
# country as a label or in brackets ("Niger : réponses soumises", "Reopen (Netherlands)"):
# - French puts an article before most country names (le Niger, la Mauritanie, les Pays-Bas), and
#   "de"/"à" contract with it (du Niger, au Mali): a name after a preposition, or as the subject
#   of a verb, reads wrong for every country of the mechanism;
# - English puts one before some (the Netherlands, the United Kingdom, the Gambia) and not before
#   others: "the questionnaire of Netherlands".
BARE_COUNTRY = {
    "fr": re.compile(
        r"(?:\b(?:de|du|des|à|au|aux|pour|par|chez)\s+%\(country\)s)|^%\(country\)s\s+\w"
    ),
    "en": re.compile(r"\b(?:of|for|to|from|in|by|with|at)\s+%\(country\)s|^%\(country\)s\s+\w"),
}
# What each rule must refuse and let through (so that a rule that bites on nothing fails).
BARE_COUNTRY_EXAMPLES = {
    "fr": (
        ["Le questionnaire de %(country)s a été soumis.", "%(country)s a soumis ses réponses."],
        "%(country)s\u00a0: réponses soumises.",
    ),
    "en": (
        ["Thank you: the questionnaire of %(country)s was submitted.", "%(country)s submitted."],
        "%(country)s: answers submitted.",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_message_puts_a_country_name_where_an_article_may_be_due(language):
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    rule = BARE_COUNTRY[language]

    def texts(message) -> tuple[str, ...]:
        written = message.id if language == "en" else message.string  # the source is English
        return written if isinstance(written, tuple) else (written,)

    faults = [text for message in catalogue if message.id for text in texts(message)]
    faults = [text for text in faults if rule.search(text)]
    assert not faults, faults
    refused, accepted = BARE_COUNTRY_EXAMPLES[language]
    assert all(rule.search(text) for text in refused)
    assert not rule.search(accepted)


def test_lists_in_words_are_separated_as_each_language_writes_them():
    assert list_separator("en") == "; " == LIST_SEPARATOR
    assert list_separator("fr") == f"{NNBSP}; "
    assert list_separator("xx") == list_separator(None) == "; "  # the default language's


# --- Typography of texts written without it (the questionnaire definitions) -------------------


def test_french_text_takes_its_no_break_spaces_when_typeset():
    assert typeset("Pourquoi ?", "fr") == f"Pourquoi{NNBSP}?"
    assert typeset("Bravo !", "fr") == f"Bravo{NNBSP}!"
    assert typeset("hommes ; femmes", "fr") == f"hommes{NNBSP}; femmes"
    assert typeset("Réponse : Oui", "fr") == f"Réponse{NBSP}: Oui"
    assert typeset("la mention « aucun changement »", "fr") == (
        f"la mention «{NBSP}aucun changement{NBSP}»"
    )
    # A run of spaces or tabs is one space; a run mixing kinds holds an ordinary one.
    assert typeset("Lesquels  \t?", "fr") == f"Lesquels{NNBSP}?"
    assert typeset(f"Lesquels{NBSP} ?", "fr") == f"Lesquels{NNBSP}?"
    assert not french_spacing_faults(typeset("Oui : en partie ; sinon « non » ?", "fr"))


def test_typesetting_leaves_marks_without_a_space_before_them_and_operators_alone():
    for text in ("à 18:00", "https://www.unodc.org/", "a:b", "Quoi?", "«mot»", "x != 0"):
        assert typeset(text, "fr") == text
    assert typeset("", "fr") == ""
    # A no-break space the author chose stays; only ordinary spaces are replaced.
    assert typeset(f"Réponse{NBSP}: Oui", "fr") == f"Réponse{NBSP}: Oui"


def test_typesetting_twice_changes_nothing():
    for text in ("Pourquoi ?", "Réponse : « oui » ; non !", "a\t:\tb", "Quoi  ?  Rien  !"):
        once = typeset(text, "fr")
        assert typeset(once, "fr") == once


def test_english_and_unknown_languages_are_not_typeset():
    text = "Why ? Answer : « yes » ; no !"
    assert typeset(text, "en") == text
    assert typeset(text, None) == text  # the default language, English
    assert typeset(text, "xx") == text  # an unknown code reads as the default language


def test_a_questionnaire_text_is_typeset_in_the_language_it_is_shown_in():
    text = {"en": "Which ones ?", "fr": "Lesquels ?"}
    assert localized(text, "fr") == f"Lesquels{NNBSP}?"
    assert localized(text, "en") == "Which ones ?"
    # The English fallback on a French page is English; a French-only text is French anywhere.
    assert localized({"en": "Which ones ?"}, "fr") == "Which ones ?"
    assert localized({"fr": "Lesquels ?"}, "en") == f"Lesquels{NNBSP}?"
    assert text == {"en": "Which ones ?", "fr": "Lesquels ?"}  # the definition's own text


def _texts(node: object):
    """Every text given per language ({"en": ..., "fr": ...}) inside a definition."""
    if is_dataclass(node) and not isinstance(node, type):
        for item in fields(node):
            yield from _texts(getattr(node, item.name))
    elif isinstance(node, Mapping):
        if node and all(isinstance(value, str) for value in node.values()) and "fr" in node:
            yield node
        else:
            for value in node.values():
                yield from _texts(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _texts(value)


def test_french_questionnaire_texts_as_shown_keep_punctuation_with_its_word():
    """The published files are written with ordinary spaces (their hashes must not move); what
    a French reader sees of every text, label and message is typeset."""
    for version in (1, 2, 3):
        definition = load_definition(ROOT / "questionnaires" / "niamey-2018" / f"v{version}.yaml")
        texts = list(_texts(definition))
        assert len(texts) > 100
        written = [text["fr"] for text in texts if french_spacing_faults(text["fr"])]
        assert written, "the files are expected to be written with ordinary spaces"
        faults = [f for text in texts for f in french_spacing_faults(localized(text, "fr"))]
        assert not faults, f"v{version}: " + "\n".join(faults[:10])


def test_messages_follow_a_language_forced_within_a_request_and_back(app):
    """The catalogue is kept for the request, but never outlives the language it was found for:
    a letter forced into English inside a French page, then the page again in French."""
    from flask import render_template_string
    from flask_babel import refresh

    from surveys.i18n import gettext, in_language, ngettext

    def shown() -> tuple[str, str, str]:
        page = render_template_string(
            "{{ _('Save') }}|{% trans count=2 %}{{ count }} person"
            "{% pluralize %}{{ count }} people{% endtrans %}"
        )
        plural = ngettext("%(count)s entry", "%(count)s entries", 3, count=3)
        return gettext("Save"), plural, page

    # Each in an application context of its own, as each request of a worker is.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert shown() == ("Enregistrer", "3 entrées", "Enregistrer|2 personnes")
        with in_language("en"):
            assert shown() == ("Save", "3 entries", "Save|2 people")
            with in_language("fr"):
                assert shown()[0] == "Enregistrer"
            assert shown()[0] == "Save"
        assert shown() == ("Enregistrer", "3 entrées", "Enregistrer|2 personnes")
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert shown()[0] == "Save"
        from flask import session

        session["language"] = "fr"  # chosen on the page; Flask-Babel asked to look again
        refresh()
        assert shown()[0] == "Enregistrer"


def test_messages_outside_any_request_are_left_in_english():
    from surveys.i18n import gettext, ngettext

    assert gettext("Save") == "Save"
    assert ngettext("%(count)s entry", "%(count)s entries", 1, count=1) == "1 entry"


def test_the_code_translates_through_the_request_catalogue():
    """surveys.i18n's gettext and ngettext, not Flask-Babel's (which look the catalogue up anew for
    every message); lazy_gettext, resolved later, stays Flask-Babel's."""
    eager = re.compile(r"^from flask_babel import .*\b(?:_|gettext|ngettext)\b", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "surveys").rglob("*.py")
        if path.name != "i18n.py" and eager.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"import gettext/ngettext from surveys.i18n in {offenders}"
