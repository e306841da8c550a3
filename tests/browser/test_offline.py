"""Offline answering in a real browser: download the workbook, fill it in, upload it, read the
preview, choose for a conflict and confirm; with and without JavaScript, desktop and phone."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.browser.conftest import Site, sign_in
from tests.offline.conftest import fill

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("OFFLINE_SCREENSHOTS")  # a folder to keep the screenshots in, to look at


def stored(site: Site) -> dict:
    from surveys.responses.models import Answer

    return site.query(lambda s: {a.question_id: a.value for a in s.scalars(sa.select(Answer))})


def colleague_saves_online(site: Site, question_id: str, value) -> None:
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.responses.fields import AnswerInput
    from surveys.responses.operations import find_submission, save_area, start_submission
    from surveys.rounds.models import Round

    def save(session):
        round_ = session.get(Round, site.round_id)
        country = session.get(Country, site.niger_id)
        colleague = session.scalar(sa.select(User).where(User.email == site.colleague))
        submission = find_submission(round_.id, country.id) or start_submission(
            round_, country, actor=colleague
        )
        save_area(
            submission,
            "protection",
            {question_id: AnswerInput(value)},
            actor=colleague,
            lock_version=submission.lock_version,
        )
        session.commit()

    site.query(save)


@pytest.mark.parametrize(
    ("javascript", "width"), [(True, 1280), (False, 390)], ids=["js-desktop", "nojs-phone"]
)
def test_download_fill_upload_preview_choose_and_confirm(
    site, new_context, tmp_path, javascript, width
):
    context = new_context(
        java_script_enabled=javascript,
        accept_downloads=True,
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    sign_in(page, site, site.respondent)
    page.goto(site.url(f"/offline/rounds/{site.round_id}/countries/{site.niger_id}"))
    assert page.locator("h1").inner_text() == "Answer offline with a workbook"
    with page.expect_download() as download_info:
        page.click("text=Download the workbook")
    path = tmp_path / "downloaded.xlsx"
    download_info.value.save_as(path)

    colleague_saves_online(site, "protection_shelters", 4)  # after the download
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(
        fill(path.read_bytes(), {"protection_shelters": 6, "legal_tip_offence": "Partly"})
    )
    page.set_input_files("#workbook", str(filled))
    with page.expect_navigation():
        page.click("text=Upload and preview")
    preview = page.locator("#preview").inner_text()
    assert "Preview of the import" in preview and "1 conflict to settle." in preview
    assert page.locator("#change-legal_tip_offence.offline-changed").count() == 1
    assert page.locator("#change-protection_shelters.offline-conflict").count() == 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/offline-preview-{width}.png", full_page=True)
    assert stored(site) == {"protection_shelters": 4}  # nothing saved by the preview

    page.check("#choice-protection_shelters-file")
    with page.expect_navigation():
        page.click("text=Confirm and save")
    assert "/submissions/" in page.url
    assert page.locator(".flashes").inner_text() == (
        "Workbook imported: 1 answer saved. 1 conflict settled with the file's answer."
    )
    assert stored(site) == {"protection_shelters": 6, "legal_tip_offence": "partly"}


def test_a_bad_file_shows_its_problems_and_saves_nothing(site, new_context, tmp_path):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, site.respondent_fr)
    page.goto(site.url(f"/offline/rounds/{site.round_id}/countries/{site.niger_id}"))
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"just some text")
    page.set_input_files("#workbook", str(bad))
    with page.expect_navigation() as navigation:
        page.click("button:has-text('Téléverser et prévisualiser')")
    assert navigation.value.status == 422
    text = page.locator("main").inner_text()
    assert "Ce fichier n'est pas un classeur Excel (.xlsx)." in text
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/offline-refused.png", full_page=True)
    assert stored(site) == {}
