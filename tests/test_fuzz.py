"""Malformed posts never break a page: every form endpoint of `app.url_map`, as every visitor
its policy allows, gets generated bodies (fields missing, repeated, huge, with NUL and control
characters, non-ASCII digits, huge integers, wrong types, broken files) and must answer without a
server error or a traceback in the log.

The generator is seeded (FUZZ_SEED=<n> explores other bodies; FUZZ_BODIES=<n> sets how many per
database). Each endpoint starts from the form a browser would post (found by opening every page,
see tests/crawl.py) in a freshly built world, so bodies reach past the first check.
"""

from __future__ import annotations

import io
import logging
import os
import random
import time
from collections import Counter
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MultiDict

from tests.crawl import (
    FORM_WORLD,
    SUBMISSION_STATUS,
    Form,
    build_world,
    client_as,
    collect_forms,
    identities_for,
    reset_database,
    set_submission_status,
    url_for_rule,
)

SEED = int(os.environ.get("FUZZ_SEED", "20260610"))
BODIES = int(os.environ.get("FUZZ_BODIES", "2000"))
GET_BODIES = 10  # per search form and visitor
# A fresh world for each blueprint, and after these (their successes change what others see).
CHANGES_THE_WORLD = frozenset(
    {
        "rounds.cancel",
        "responses.round_country",
        "review.reopen_submission",
        "review.return_submission",
        "review.validate_submission",
    }
)
NASTY = [
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\n",
    "line\r\nSet-Cookie: x=1",
    "\u202etxt.exe",
    "\ud7ff\ufffe\uffff",
    "😀" * 20,
    "١٢٣",
    "²",
    "½",
    "Ⅻ",
    "９９",
    "9" * 30,
    "9" * 400,
    "9" * 5000,
    "2147483648",
    "9223372036854775808",
    "-1",
    "0",
    "-" + "9" * 25,
    "1e309",
    "NaN",
    "inf",
    "0x10",
    " 12 ",
    "1_000",
    "[]",
    "{}",
    "null",
    "true",
    '{"legal_notes": "x", "a": [1, {"b": null}]}',
    '{"legal_notes": 12}',
    "[" * 3000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00%0d%0a",
    "2024-02-30",
    "0000-00-00T00:00",
    "9999-12-31T23:59",
    "2026-13-01T25:61",
    "a" * 300 + "@example.org",
    "x@y",
    "",
    " ",
    "\t",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "/ok\r\nLocation: https://evil.example/",
    "javascript:alert(1)",
    "fr\x00",
]
EXTRA_NAMES = [
    "next",
    "lock_version",
    "base",
    "r",
    "action",
    "goto",
    "question_id",
    "text",
    "note",
    "response",
    "closes_at",
    "country_id",
    "language",
    "email",
    "password",
    "confirm",
    "choice-legal_notes",
    "base-legal_notes",
    "legal_notes",
    "legal_notes-comment",
    "legal_notes-remove_evidence",
    "legal_tip_offence-confirm",
    "protection_statistics-victims-2024-female",
]
YAML_BODIES = [
    b"",
    b"\x00\x01\x02",
    b"\xff\xfe not utf-8 \xc3\x28",
    b"key: mini\nversion: " + b"9" * 5000 + b"\n",
    b"key: mini\nversion: 2147483648\nlanguages: [en]\n",
    b"key: mini\nversion: -1\n",
    b"a: " + b"[" * 1500 + b"]" * 1500 + b"\n",
    b"a: " + b"{b: " * 1200 + b"1" + b"}" * 1200 + b"\n",
    b"- " * 2000 + b"x\n",
    b"key: [unclosed\n",
    b"!!python/object/apply:os.system ['echo pwned']\n",
    b"key: mini\x00\nversion: 1\n",
    b"&a [*a]",
    b"x: &a [*a, *a]\ny: *a\n",
    b"key: " + b"k" * 100_000 + b"\n",
]
FILE_BODIES = [
    b"",
    b"%PDF-1.4\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    b"PK\x03\x04" + b"\x00" * 64,
    b"MZ\x90\x00 not a document",
    os.urandom(2048),
]
FILENAMES = [
    "law.pdf",
    "a\x00b.pdf",
    "../../../etc/passwd",
    "x" * 1000 + ".pdf",
    "line\r\nbreak.pdf",
    "",
    "\u202efdp.exe",
    "CON",
    "é" * 300,
]


class Fuzzer:
    """Bodies for one form: its browser body with a few things broken."""

    def __init__(self, rng: random.Random, names: list[str]) -> None:
        self.rng = rng
        self.names = names

    def nasty(self) -> str:
        roll = self.rng.random()
        if roll < 0.002:
            return "x" * 1_000_000
        if roll < 0.02:
            return self.rng.choice(["a", "\x00", "9", "é"]) * self.rng.choice([10_000, 100_000])
        value = self.rng.choice(NASTY)
        if self.rng.random() < 0.2:
            value = self.rng.choice(NASTY) + value + self.rng.choice(NASTY)
        return value

    def body(self, form: Form | None) -> MultiDict:
        base = form.body() if form is not None else MultiDict()
        data = MultiDict(base)
        keys = list(dict.fromkeys(data.keys())) or list(self.names[:3])
        for _ in range(self.rng.randint(1, 4)):
            move = self.rng.random()
            name = self.rng.choice(keys) if keys else self.rng.choice(self.names)
            if move < 0.35:
                data.setlist(name, [self.nasty()])
            elif move < 0.5:
                data.pop(name, None)
            elif move < 0.65:
                data.setlist(name, [self.nasty() for _ in range(self.rng.randint(2, 5))])
            elif move < 0.8:
                data.add(self.rng.choice(self.names), self.nasty())
            elif move < 0.9:
                for key in keys:
                    data.setlist(key, [self.nasty()])
            else:
                data = MultiDict()
        return data

    def files(self, form: Form | None, endpoint: str) -> dict:
        names = form.file_names() if form is not None else []
        files = {}
        for name in names:
            if self.rng.random() < 0.3:
                continue
            content = self.rng.choice(
                YAML_BODIES if endpoint == "questionnaire.upload" else FILE_BODIES
            )
            filename = self.rng.choice([*FILENAMES, "v2.yaml", "mini.yaml"])
            files[name] = (io.BytesIO(content), filename)
        return files


def send(client, rng: random.Random, fuzzer: Fuzzer, url: str, endpoint: str, form: Form | None):
    headers = {"Accept": rng.choice(["text/html", "application/json", "*/*"])}
    query = {"next": fuzzer.nasty()} if rng.random() < 0.1 else None
    if rng.random() < 0.05:  # a raw body in a wrong or lying encoding
        raw = rng.choice([os.urandom(300), b"%zz%00=%ff&&=", b'{"a": 1}', b"a=" + b"\xff" * 50])
        content_type = rng.choice(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "multipart/form-data; boundary=nope",
            ]
        )
        return client.post(
            url, data=raw, content_type=content_type, headers=headers, query_string=query
        )
    data = fuzzer.body(form)
    files = fuzzer.files(form, endpoint)
    if files or (form is not None and form.multipart and rng.random() < 0.5):
        # Werkzeug's test client spools multipart bodies above 500 KB to a file it never closes.
        payload = MultiDict((k, v[:100_000]) for k, v in data.items(multi=True))
        for name, file in files.items():
            payload.add(name, file)
        return client.post(
            url,
            data=payload,
            content_type="multipart/form-data",
            headers=headers,
            query_string=query,
        )
    return client.post(
        url,
        data=urlencode(list(data.items(multi=True))),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
        query_string=query,
    )


def fuzz_search_forms(app, login, rng, fuzzer, forms, world, failures) -> Counter:
    """The forms sent by GET (filters, searches): their query strings broken the same way."""
    statuses: Counter = Counter()
    for (endpoint, method), form in sorted(forms.items()):
        if method != "GET":
            continue
        for identity in identities_for(app, endpoint):
            client = client_as(app, login, world, identity)
            for _ in range(GET_BODIES):
                query = list(fuzzer.body(form).items(multi=True))
                response = client.get(
                    form.action, query_string=query, headers={"Accept": "text/html"}
                )
                response.close()
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{endpoint} GET as {identity}: {response.status_code}")
    return statuses


@pytest.fixture
def server_errors_logged(app, monkeypatch, caplog):
    """Errors answered as pages (as in production) and every logged error collected."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    caplog.set_level(logging.WARNING)
    return caplog


def test_malformed_posts_never_answer_a_server_error(
    app, db, factories, login, server_errors_logged
):
    started = time.monotonic()
    rng = random.Random(SEED)
    forms = collect_forms(app, db, factories, login)
    names = sorted({i.name for f in forms.values() for i in f.inputs if i.name} | set(EXTRA_NAMES))
    fuzzer = Fuzzer(rng, names)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"),
        key=lambda r: r.endpoint,
    )
    per_rule = -(-BODIES // len(rules))
    statuses: Counter = Counter()
    failures: list[str] = []
    previous = None
    for rule in rules:
        if (
            previous is None
            or previous.split(".")[0] != rule.endpoint.split(".")[0]
            or (previous in CHANGES_THE_WORLD)
        ):
            reset_database(db)
            world = build_world(db, factories, wanted=FORM_WORLD)
        previous = rule.endpoint
        set_submission_status(db, world, SUBMISSION_STATUS.get(rule.endpoint, "draft"))
        url = url_for_rule(rule, world)
        identities = identities_for(app, rule.endpoint)
        form = forms.get((rule.endpoint, "POST"))
        clients = {identity: client_as(app, login, world, identity) for identity in identities}
        for number in range(per_rule):
            identity = identities[number % len(identities)]
            response = send(clients[identity], rng, fuzzer, url, rule.endpoint, form)
            response.close()
            if response.status_code == 401:  # signed out by the body (POST /logout): again
                db.session.expire_all()
                clients[identity] = client_as(app, login, world, identity)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{rule.endpoint} as {identity}: {response.status_code}")
    posted = sum(statuses.values())
    statuses.update(fuzz_search_forms(app, login, rng, fuzzer, forms, world, failures))
    logged = [
        f"{record.levelname} {record.getMessage()[:200]}"
        for record in server_errors_logged.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]
    total = sum(statuses.values())
    print(
        f"\nfuzz seed {SEED}: {posted} bodies posted to {len(rules)} form endpoints and "
        f"{total - posted} query strings to the search forms in "
        f"{time.monotonic() - started:.1f} s; answers {dict(sorted(statuses.items()))}; "
        f"{len(failures)} server errors; {len(logged)} errors logged; "
        f"forms found for {len(forms)} endpoints and methods"
    )
    assert posted >= BODIES
    assert not failures, f"seed {SEED}: " + "; ".join(sorted(Counter(failures))[:30])
    assert not logged, f"seed {SEED}: " + "\n".join(logged[:20])
