"""The French catalogue is complete: every user-facing string in the code has a translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

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
