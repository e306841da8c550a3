"""The messages of a statistics table's checks say which cell they mean (the audit of issue p5,
point 2): each names the row and the year (and the column when it is about one figure), writes
its figures in the page's language, starts with a capital, and no two read the same, on the area
page (its summary and beside the table) and on the submission page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.responses import test_rules
from tests.responses.test_rules import COMPLETE, _post_table, _start

ruled = test_rules.ruled  # whole numbers, total >= female + male, plausibility factor 3;
# the previous round (validated) reported 40 persons prosecuted in 2025

FIGURES = {  # as typed, in each language's way
    "en": {
        "prosecuted-2025-female": "700",
        "prosecuted-2025-male": "600",
        "prosecuted-2025-total": "1,200",  # less than 1,300, and 30 times last round's 40
        "prosecuted-2024-total": "1,200",  # compared with 2025, the latest year reported
    },
    "fr": {
        "prosecuted-2025-female": "700",
        "prosecuted-2025-male": "600",
        "prosecuted-2025-total": "1 200",
        "prosecuted-2024-total": "1 200",
    },
}
EXPECTED = {
    "en": [
        "Error: 2.5 · Persons prosecuted, 2025: Total (1,200) is less than the sum of "
        "Female + Male (1,300).",
        "Warning: 2.5 · Persons prosecuted, 2024, Total: 1,200 against 40 for 2025 in the "
        "previous round, a change by more than a factor of 3. Explain it, or correct the figure.",
        "Warning: 2.5 · Persons prosecuted, 2025, Total: 1,200 against 40 in the previous round, "
        "a change by more than a factor of 3. Explain it, or correct the figure.",
    ],
    "fr": [
        "Erreur\u00a0: 2.5 · Personnes poursuivies, 2025\u00a0: Total (1\u202f200) est inférieur "
        "à la somme Femmes + Hommes (1\u202f300).",
        "Avertissement\u00a0: 2.5 · Personnes poursuivies, 2024, Total\u00a0: 1\u202f200 contre 40 "
        "pour 2025 au cycle précédent, une variation de plus d'un facteur 3. Expliquez-la, ou "
        "corrigez le chiffre.",
        "Avertissement\u00a0: 2.5 · Personnes poursuivies, 2025, Total\u00a0: 1\u202f200 contre 40 "
        "au cycle précédent, une variation de plus d'un facteur 3. Expliquez-la, ou corrigez le "
        "chiffre.",
    ],
}


def _texts(fragment: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in fragment]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_check_message_names_its_cell_with_figures_in_the_page_language(
    client, login, db, ruled, language
):
    niger, round_, respondent = ruled
    respondent.language = language
    submission = _start(db, round_, niger, respondent, COMPLETE)
    login(respondent)
    saved = _post_table(client, submission, FIGURES[language])
    assert saved.status_code == 302  # saved: checks are not refusals
    html = client.get(f"/submissions/{submission.id}/areas/protection").get_data(as_text=True)
    summary = html[html.index('id="rule-summary"') :]
    summary = summary[: summary.index("</div>")]
    listed = _texts(re.findall(r"<li class=\"rule-[a-z]+\">(.*?)</li>", summary))
    assert listed == EXPECTED[language]
    # Beside the table: the same texts (without the kind and question number), one per check.
    beside = html[html.index('id="protection_statistics-rules"') :]
    beside = beside[: beside.index("</ul>")]
    texts = _texts(re.findall(r"<strong>[^<]*</strong> ([^\n]*)", beside))
    assert texts == [entry.split(" · ", 1)[1] for entry in EXPECTED[language]]

    # The submission page: what stops submitting, every entry different and naming its cell.
    overview = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    entries = _texts(re.findall(r"<li><a href=\"[^\"]*#[^\"]*\">(.*?)</a></li>", overview))
    checks = [e for e in entries if "2025" in e or "2024" in e]
    assert len(checks) == 3 and len(set(checks)) == 3
    for expected in EXPECTED[language]:
        assert any(expected.split(" · ", 1)[1] in entry for entry in checks), expected
