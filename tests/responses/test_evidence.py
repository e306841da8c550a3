"""Evidence files: accepted by content, size-limited, stored once by checksum, removable."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest

from surveys.responses.evidence import DOCX as DOCX_TYPE
from surveys.responses.evidence import XLSX as XLSX_TYPE
from surveys.responses.evidence import (
    EvidenceRejected,
    clean_filename,
    evidence_by_question,
    store_upload,
)
from surveys.storage.backends import current_store
from tests.responses.conftest import form_state, hidden_value

PDF = b"%PDF-1.7\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


pytestmark = pytest.mark.usefixtures("uploads")

DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ODS = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})


def leftovers(store) -> list:
    """Everything the store holds, temporary files included."""
    if store.name == "directory":
        return [p for p in store.root.rglob("*") if p.is_file()]
    from surveys.extensions import db

    return list(store.checksums(db.session.connection()))  # uncommitted rows too


def upload(app, submission, world, data: bytes, name: str, max_bytes: int = 1024 * 1024):
    return store_upload(
        io.BytesIO(data),
        name,
        submission=submission,
        question_id="legal_notes",
        actor=world.respondent,
        store=current_store(),
        max_bytes=max_bytes,
    )


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF, "decree.pdf", "application/pdf"),
        (PNG, "scan.png", "image/png"),
        (JPEG, "photo.JPG", "image/jpeg"),
        (DOCX, "law.docx", DOCX_TYPE.content_type),
        (XLSX, "figures.xlsx", XLSX_TYPE.content_type),
        (ODT, "rapport.odt", "application/vnd.oasis.opendocument.text"),
        (ODS, "chiffres.ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_accepted_files_are_stored_by_checksum_outside_the_web_root(
    app, db, world, started, uploads, data, name, content_type
):
    evidence = upload(app, started, world, data, name)
    db.session.commit()
    digest = hashlib.sha256(data).hexdigest()
    assert (evidence.sha256, evidence.content_type, evidence.size_bytes) == (
        digest,
        content_type,
        len(data),
    )
    assert b"".join(uploads.chunks(digest)) == data
    if uploads.name == "directory":
        assert not str(uploads.path_of(digest)).startswith(str(Path(app.static_folder)))


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60, "tool.pdf", "not accepted"),
        (b"<html><script>alert(1)</script>", "page.pdf", "not accepted"),
        (zipped({"payload.exe": b"MZ"}), "archive.docx", "not accepted"),
        (PNG, "report.pdf", "does not end with .png"),
        (DOCX, "law.xlsx", "does not end with .docx"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_files_are_refused_by_their_content_not_their_name(
    app, world, started, uploads, data, name, message
):
    with pytest.raises(EvidenceRejected, match=message):
        upload(app, started, world, data, name)
    assert leftovers(uploads) == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(app, world, started, uploads):
    with pytest.raises(EvidenceRejected, match="larger than 1 MB"):
        upload(app, started, world, PDF + b"0" * (1024 * 1024), "big.pdf", max_bytes=1024 * 1024)
    assert leftovers(uploads) == []


def test_identical_contents_share_one_stored_file(app, world, started, uploads):
    first = upload(app, started, world, PDF, "a.pdf")
    second = upload(app, started, world, PDF, "b.pdf")
    assert first.id != second.id and first.sha256 == second.sha256
    assert len(leftovers(uploads)) == 1


def test_a_large_file_is_stored_and_sent_back_in_chunks(
    app, client, login, world, started, uploads, db
):
    from surveys.storage.backends import CHUNK_BYTES

    data = PDF + bytes(range(256)) * (10 * 4096)  # 10 MB and a bit: eleven chunks
    evidence = upload(app, started, world, data, "big.pdf", max_bytes=11 * 1024 * 1024)
    db.session.commit()
    assert [len(c) for c in uploads.chunks(evidence.sha256)][:2] == [CHUNK_BYTES, CHUNK_BYTES]
    login(world.respondent)
    with client.get(f"/evidence/{evidence.id}") as response:
        assert response.status_code == 200
        assert response.content_length == len(data)
        assert hashlib.sha256(response.get_data()).hexdigest() == evidence.sha256


def test_file_names_lose_folders_and_control_characters():
    assert clean_filename("C:\\Users\\x\\..\\rapport final.pdf") == "rapport final.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("a\x00b<>.pdf") == "ab.pdf"
    assert clean_filename("") == "file"
    assert len(clean_filename("x" * 300 + ".pdf")) == 200


def test_uploading_through_the_form_attaches_removes_and_reports_errors(
    client, login, world, started, db
):
    login(world.respondent)
    url = f"/submissions/{started.id}/areas/legal"
    response = client.post(
        url,
        data={
            **form_state(client, started.id, "legal"),
            "legal_notes": "See the decree",
            "legal_notes-evidence": (io.BytesIO(PDF), "decree.pdf"),
            "legal_tip_offence-evidence": (io.BytesIO(b"#!/bin/sh\n"), "run.pdf"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#legal_tip_offence-evidence"' in html
    assert "“run.pdf” was not attached: this type of file is not accepted" in html
    [kept] = evidence_by_question(started)["legal_notes"]
    assert kept.filename == "decree.pdf"
    assert "legal_tip_offence" not in evidence_by_question(started)

    page = client.get(url).get_data(as_text=True)
    assert f'href="/evidence/{kept.id}">decree.pdf</a>' in page
    client.post(
        url,
        data={
            **form_state(client, started.id, "legal"),
            "legal_notes": "See the decree",
            "legal_notes-remove_evidence": str(kept.id),
        },
    )
    db.session.expire_all()
    assert evidence_by_question(started) == {}
    removed = client.get(f"/evidence/{kept.id}")
    assert removed.status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "shown"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60, "script.exe", "script.exe"),
        (b"Minutes of the meeting", "R&D notes.txt", "R&amp;D notes.txt"),
        (b"#!/bin/sh\necho fake", "report <final>.pdf", "report final.pdf"),
    ],
)
def test_a_refused_file_is_named_with_the_types_accepted(
    client, login, world, started, create_user, data, name, shown
):
    # Regression: "1.1: This type of file is not accepted…" without the file's name, on a page
    # whose file field the browser has emptied.
    login(world.respondent)
    url = f"/submissions/{started.id}/areas/legal"
    response = client.post(
        url,
        data={
            **form_state(client, started.id, "legal"),
            "legal_tip_offence-evidence": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True).replace("&#34;", '"')
    assert response.status_code == 422
    message = (
        f"“{shown}” was not attached: this type of file is not accepted. Attach a PDF, an office "
        "document (docx, xlsx, odt, ods) or an image (PNG, JPEG)."
    )
    assert html.count(message) == 2  # in the summary and beside the field
    assert "<final>" not in html
    assert evidence_by_question(started) == {}

    login(create_user("respondent", countries=[world.country], language="fr"))
    response = client.post(
        url,
        data={
            **form_state(client, started.id, "legal"),
            "legal_tip_offence-evidence": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert f"«\u00a0{shown}\u00a0» n&#39;a pas été joint\u00a0: ce type de fichier" in html
    assert "Joignez un PDF, un document bureautique (docx, xlsx, odt, ods)" in html


def test_a_refused_file_is_reported_on_the_conflict_page_too(app, client, login, world, started):
    """A post without a script that is both stale and carries a refused file: the conflict page
    says the file was not attached, and why (it used to say nothing of it)."""
    colleague = app.test_client()
    login(world.respondent)
    login(world.colleague, on=colleague)
    url = f"/submissions/{started.id}/areas/legal"
    mine = form_state(client, started.id, "legal")
    assert (
        colleague.post(
            url, data={**form_state(colleague, started.id, "legal"), "legal_notes": "Theirs"}
        ).status_code
        == 302
    )
    response = client.post(
        url,
        data={
            **mine,
            "legal_notes": "Mine",
            "legal_tip_offence-evidence": (io.BytesIO(b"#!/bin/sh\n"), "run.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    html = unescape(response.get_data(as_text=True))
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "“run.pdf” was not attached: this type of file is not accepted" in summary
    assert "Mine" in html and "Theirs" in html  # the conflict, as before
    assert "legal_tip_offence" not in evidence_by_question(started)


def test_an_empty_or_misnamed_file_is_named_too(app, world, started, uploads):
    for data, name, message, limit in (
        (b"", "empty.pdf", "“empty.pdf” was not attached: the file is empty.", None),
        (DOCX, "law.xlsx", "“law.xlsx” was not attached: its content is DOCX", None),
        (PDF + b"0" * 1024**2, "big.pdf", "“big.pdf” was not attached: it is larger than 1 MB", 1),
    ):
        with pytest.raises(EvidenceRejected, match=re.escape(message)):
            if limit:
                upload(app, started, world, data, name, max_bytes=limit * 1024**2)
            else:
                upload(app, started, world, data, name)


def test_the_request_size_limit_follows_the_setting(app):
    assert app.config["MAX_CONTENT_LENGTH"] == (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024


def test_a_save_retried_after_a_race_keeps_the_uploaded_file(
    client, login, world, started, db, monkeypatch
):
    """A colleague's save between our read and write makes the view run the post again."""
    from sqlalchemy.orm.exc import StaleDataError

    from surveys.responses import operations

    real_save_area = operations.save_area
    calls = []

    def save_area_losing_the_first_race(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            real_save_area(*args, **kwargs)
            raise StaleDataError("a colleague saved first")
        return real_save_area(*args, **kwargs)

    monkeypatch.setattr(operations, "save_area", save_area_losing_the_first_race)
    login(world.respondent)
    response = client.post(
        f"/submissions/{started.id}/areas/legal",
        data={
            **form_state(client, started.id, "legal"),
            "legal_notes": "See the decree",
            "legal_notes-evidence": (io.BytesIO(PDF), "decree.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and len(calls) == 2
    db.session.expire_all()
    [kept] = evidence_by_question(started)["legal_notes"]
    assert (kept.filename, kept.size_bytes) == ("decree.pdf", len(PDF))
    assert started.answers[0].value == "See the decree"


def post_large(client, url: str, data: dict, headers=None):
    """A multipart post the test client spools to a temporary file: closed here, since a
    refused request leaves its body unread."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    builder = EnvironBuilder(
        path=url, method="POST", data=data, content_type="multipart/form-data", headers=headers
    )
    environ = builder.get_environ()
    try:
        return client.open(Request(environ))
    finally:
        environ["wsgi.input"].close()
        builder.close()


@pytest.mark.parametrize("csrf", [False, True], ids=["view", "csrf-check"])
def test_an_area_post_over_what_the_server_accepts_shows_the_area_page(
    app, client, login, world, started, db, monkeypatch, csrf
):
    """Larger than MAX_CONTENT_LENGTH: refused before a byte is read (by the CSRF check or the
    view, whichever reads the form first), yet the person gets the area page saying nothing was
    saved and naming the limit, not the bare 'File too large' page."""
    from surveys.responses.operations import answers_by_question

    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
    login(world.respondent)
    url = f"/submissions/{started.id}/areas/legal"
    page = client.get(url).get_data(as_text=True)
    token = {"csrf_token": hidden_value(page, "csrf_token")} if csrf else {}
    response = post_large(
        client,
        url,
        {
            **form_state(client, started.id, "legal"),
            **token,
            "legal_notes": "Typed before choosing the file",
            "legal_notes-evidence": (io.BytesIO(PDF + b"\0" * (3 * 1024 * 1024)), "scan.pdf"),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Nothing on this page was saved" in html
    assert "weighing 3 MB, more than 1 MB, the most one file may weigh" in html
    assert "neither the file nor the answers typed since the last save" in html
    assert 'id="area-form"' in html  # the form is there to type the changes again
    assert "File too large</h1>" not in html
    db.session.expire_all()
    assert "legal_notes" not in answers_by_question(started)
    assert evidence_by_question(started) == {}


def test_an_area_post_over_the_limit_in_french(
    app, client, login, world, started, monkeypatch, create_user
):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    login(create_user("respondent", countries=[world.country], language="fr"))
    url = f"/submissions/{started.id}/areas/legal"
    response = post_large(
        client, url, {"legal_notes-evidence": (io.BytesIO(b"\0" * (5 * 1024 * 1024 // 2)), "a.pdf")}
    )
    html = unescape(response.get_data(as_text=True)).replace("\xa0", " ")
    assert response.status_code == 413
    assert "Rien n'a été enregistré sur cette page" in html
    assert "2,5 Mo" in html and "1 Mo" in html


def test_other_posts_over_the_limit_keep_the_plain_answer(
    app, client, login, world, started, monkeypatch
):
    """A stranger learns no more than a GET tells; autosave's JSON keeps the generic 413."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    url = f"/submissions/{started.id}/areas/legal"
    big = {"legal_notes": "x" * 4096}
    login(world.stranger)
    stranger = client.post(url, data=big)
    assert stranger.status_code == client.get(url).status_code == 404
    assert "Niger" not in stranger.get_data(as_text=True)
    login(world.respondent)
    autosave = client.post(url, data=big, headers={"Accept": "application/json"})
    assert autosave.status_code == 413 and autosave.is_json
