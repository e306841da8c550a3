"""A background export in Chromium, in English and French (issue 14, point 8): the page queues
the trends workbook with every answer, shows its progress while the scheduler's job writes it
(the page refreshes itself, no script), then offers the file, which downloads."""

from __future__ import annotations

import threading
import time

import pytest
from openpyxl import load_workbook

from surveys.export import jobs as export_jobs
from surveys.scheduling import jobs as scheduler_jobs
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "prepare": "Prepare the workbook with every answer",
        "waiting": "Waiting for the scheduler",
        "running": "Being written",
        "download": "Download trends_mini_responses_en_",
        "sheets": ["Responses", "Statistics"],
    },
    "fr": {
        "prepare": "Préparer le classeur avec toutes les réponses",
        "waiting": "En attente du planificateur",
        "running": "En cours d'écriture",
        "download": "Télécharger trends_mini_responses_fr_",
        "sheets": ["Réponses", "Statistiques"],
    },
}


@pytest.fixture
def slow_scheduler(monkeypatch):
    """The scheduler's export job in a thread of its own, each step slowed so that a person
    (and the test) sees the progress between two refreshes of the page."""
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY_SECONDS", 0)
    recorder = export_jobs.ProgressRecorder.__call__

    def slowly(self, done, total):
        recorder(self, done, total)
        if done < total:
            time.sleep(2.5)

    monkeypatch.setattr(export_jobs.ProgressRecorder, "__call__", slowly)

    def start(app):
        scheduler_jobs.bind_app(app)
        thread = threading.Thread(target=scheduler_jobs.run_exports, daemon=True)
        thread.start()
        return thread

    yield start
    scheduler_jobs.bind_app(None)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_background_export_shows_progress_and_downloads(
    site, new_context, slow_scheduler, tmp_path, language
):
    words = WORDS[language]
    page = new_context(accept_downloads=True).new_page()
    sign_in(page, site, site.coordinator if language == "en" else site.coordinator_fr)
    page.goto(site.url("/exports/"))
    with page.expect_navigation():  # the post leads to the job's page: read that one's URL
        page.get_by_role("button", name=words["prepare"]).click()
    assert "/exports/jobs/" in page.url
    status = page.locator(".export-status")
    assert words["waiting"] in status.inner_text()
    assert page.locator(".export-status progress").count() == 1

    worker = slow_scheduler(site.app)
    # The page refreshes itself every 2 s: first the progress, then the file.
    page.wait_for_function(
        "text => document.querySelector('.export-status').innerText.includes(text)",
        arg=words["running"],
        timeout=20_000,
    )
    value = page.locator(".export-status progress").get_attribute("value")
    assert value is not None and 0 <= int(value) < 100
    link = page.locator(".export-status a", has_text=words["download"])
    link.wait_for(timeout=30_000)
    worker.join(timeout=30)
    # On a phone the long file name wraps inside the button: nothing sticks out of the page.
    page.set_viewport_size({"width": 390, "height": 800})
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    box = link.bounding_box()
    assert overflow <= 0 and box["x"] + box["width"] <= 390

    with page.expect_download() as info:
        link.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name.startswith(f"trends_mini_responses_{language}_")
    book = load_workbook(target, read_only=True)
    assert book.sheetnames[-2:] == words["sheets"]
    book.close()
