"""Pages as readers see them, written the way their language is: French puts a space before
: ; ? and ! wherever the text is put together, not only in the catalogue's strings
(tests/test_translations.py checks those; a template that wrote `</a>: 7 à confirmer` printed
"coordination: 7 à confirmer" on the respondent's page); and no page shows a message of the
catalogue in the other language. (Dates, times and numbers: tests/test_locale_formats.py.)

Every page of the application, as each crawler of tests/crawl.py sees it in the language, in the
access matrix's world; and the demo's French respondent's and coordinator's pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import sqlalchemy as sa

from surveys.accounts.models import User
from tests.crawl import build_world, crawl_pages, pages_of_people, reset_database

# A mark of French typography glued to the word before it, at the end of a phrase: "18:00",
# "https://" and "x!=y" have no space after the mark and are left alone.
GLUED = re.compile(r"[^\s\u00a0\u202f([«'\"/]([:;?!])(?=[\s\u00a0\u202f]|$)")
# What the world's people typed (a coordinator's question): their words, not the platform's.
TYPED_BY_PEOPLE = ("Which article?",)


class _Text(HTMLParser):
    """The text a reader sees in French: no script, style, code, attribute, or text marked as
    being in another language (nested elements are skipped with their parent)."""

    SKIPPED = frozenset({"script", "style", "code", "samp", "pre", "textarea", "option"})
    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"})

    def __init__(self, language: str = "fr") -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.language = language

    def handle_starttag(self, tag, attrs):
        # Text marked as another language (a message's subject in its recipient's) is theirs.
        other_language = any(name == "lang" and value != self.language for name, value in attrs)
        if tag in self.VOID:
            return
        if tag in self.SKIPPED or other_language or self.skipping:
            self.skipping += 1

    def handle_endtag(self, tag):
        if self.skipping and tag not in self.VOID:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def glued_marks(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join("".join(parser.parts).split())
    for typed in TYPED_BY_PEOPLE:
        text = text.replace(typed, "")
    return [f"…{text[max(m.start() - 25, 0) : m.end() + 10]}…" for m in GLUED.finditer(text)]


def test_the_check_sees_a_glued_mark_and_leaves_times_and_addresses_alone():
    assert glued_marks("<p><a href='#'>Coopération</a>: 7 à confirmer</p>")
    assert glued_marks("<p>Pas encore de compte? Demandez</p>")
    assert not glued_marks(
        "<p>Clôture\u00a0: 31 déc. 2026, 18:00 https://example.org compte\u202f?</p>"
        "<script>a ? b : c;</script><code>x: y</code>"
    )


def test_french_pages_put_a_space_before_their_punctuation(app, db, factories, login):
    reset_database(db)
    world = build_world(db, factories)
    db.session.execute(sa.update(User).values(language="fr"))
    db.session.commit()
    found = {}
    french = {"Accept-Language": "fr"}  # for visitors not signed in
    for identity, path, html in crawl_pages(app, login, world, headers=french):
        assert 'lang="fr"' in html[:300], (identity, path)
        if faults := glued_marks(html):
            found[f"{identity} {path}"] = faults
    assert not found, found


def test_the_demos_french_pages_put_a_space_before_their_punctuation(app, db, login):
    """The demo's French respondent and coordinator, on pages the access matrix's world leaves
    bare: a draft with answers carried over to confirm, a round with countries at every step."""
    from surveys.demo import load_demo
    from surveys.demo.rounds import closed_demo_round, open_demo_round
    from surveys.responses.models import Submission

    load_demo()
    people = {p.email.split("@")[0]: p for p in db.session.scalars(sa.select(User))}
    open_round, closed_round = open_demo_round(), closed_demo_round()
    niger = people["respondent-ne"]
    draft = db.session.scalars(
        sa.select(Submission).where(
            Submission.round_id == open_round.id,
            Submission.country_id.in_([c.id for c in niger.countries]),
        )
    ).first()
    areas = [area.id for area in open_round.version.definition.areas]
    pages = {
        "respondent-ne": [
            "/my-questionnaires",
            f"/submissions/{draft.id}",
            *(f"/submissions/{draft.id}/areas/{area}" for area in areas),
        ],
        "coordinator": [
            "/rounds/",
            f"/rounds/{open_round.id}",
            f"/rounds/{closed_round.id}",
            f"/review/rounds/{open_round.id}",
            f"/results/rounds/{closed_round.id}",
        ],
    }
    assert {people[who].language for who in pages} == {"fr"}
    pairs = _catalogue_pairs()
    found = {
        f"{who} {path}": faults
        for who, path, html in pages_of_people(app, login, people, pages)
        if (faults := glued_marks(html) + untranslated(html, pairs, "fr"))
    }
    assert not found, found


def _catalogue_pairs() -> list[tuple[str, str]]:
    """(English, French) of the catalogue's messages without placeholders whose French differs,
    long enough not to be a word both languages share ("Questionnaires", "Date")."""
    from babel.messages.pofile import read_po

    from tests.test_translations import PO_FILE

    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    return [
        (message.id, message.string)
        for message in catalogue
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)
        and "%" not in message.id
        and len(message.id) >= 12
        and message.string != message.id
    ]


def untranslated(html: str, pairs: list[tuple[str, str]], language: str) -> list[str]:
    parser = _Text(language)
    parser.feed(html)
    text = " ".join("".join(parser.parts).split())
    foreign = 0 if language == "fr" else 1  # on a French page, the English; and back
    return sorted({pair[foreign] for pair in pairs if " ".join(pair[foreign].split()) in text})


def test_french_pages_show_no_english_message_and_english_ones_no_french(app, db, factories, login):
    reset_database(db)
    world = build_world(db, factories)
    pairs = _catalogue_pairs()
    found = {}
    for language in ("fr", "en"):
        db.session.execute(sa.update(User).values(language=language))
        db.session.commit()
        headers = {"Accept-Language": language}
        for identity, path, html in crawl_pages(app, login, world, headers=headers):
            if faults := untranslated(html, pairs, language):
                found[f"{language} {identity} {path}"] = faults
    assert not found, found


def test_the_language_check_sees_a_message_left_in_the_other_language():
    pairs = _catalogue_pairs()
    assert untranslated("<p>Not now, go back</p>", pairs, "fr") == ["Not now, go back"]
    assert untranslated("<p>Pas maintenant, revenir</p>", pairs, "en") == [
        "Pas maintenant, revenir"
    ]
    assert not untranslated("<p>Pas maintenant, revenir</p>", pairs, "fr")
