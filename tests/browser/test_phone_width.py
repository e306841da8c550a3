"""Every page a person reaches by following links fits a 390 px phone: tables and charts scroll
inside their boxes, the page itself never scrolls sideways."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser.conftest import Site, sign_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1}
MOST_PAGES = 40
# The innermost element sticking out on the right, to say what to fix.
WIDEST_ELEMENT = """width => {
  const out = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'));
  const inner = out.filter(e => !out.some(o => o !== e && e.contains(o)));
  return inner.slice(0, 3).map(e => e.outerHTML.slice(0, 100)).join(' | ');
}"""
SKIPPED = ("/logout", "/api/", "/static/", "/download", ".xlsx", ".json", ".csv")


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base) and not any(part in urlsplit(url).path for part in SKIPPED):
            found.append(url)
    return found


def _too_wide_pages(page, site: Site) -> tuple[int, list[str]]:
    """Pages reached from the home page, breadth first, whose document is wider than the phone."""
    seen, queue, too_wide = set(), [site.url("/")], []
    while queue and len(seen) < MOST_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["viewport"]["width"]:
            culprit = page.evaluate(WIDEST_ELEMENT, PHONE["viewport"]["width"])
            too_wide.append(f"{urlsplit(page.url).path} is {width} px wide: {culprit}")
        queue.extend(link for link in _links(page, site.base_url) if link not in seen)
    return len(seen), too_wide


@pytest.mark.parametrize("person", ["coordinator", "coordinator_fr", "respondent"])
def test_no_page_scrolls_sideways_on_a_phone(site: Site, new_context, person: str) -> None:
    page = new_context(**PHONE).new_page()
    sign_in(page, site, getattr(site, person))
    visited, too_wide = _too_wide_pages(page, site)
    assert visited >= 5, f"only {visited} pages reached"
    assert too_wide == [], "\n".join(too_wide)


def test_a_questionnaire_diff_with_long_rule_ids_fits_a_phone(site: Site, new_context) -> None:
    # Regression: niamey-2018's v2 -> v3 diff was 441 px wide at 390: rule ids such as
    # extradition_executed_not_above_received_2025 did not wrap. The crawl above never meets
    # a diff (its site holds one version), so this page is visited on purpose.
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.operations import publish, store_definition
    from tests.conftest import ROOT

    def publish_versions(session) -> None:
        for number in (2, 3):
            path = ROOT / "questionnaires" / "niamey-2018" / f"v{number}.yaml"
            stored = store_definition(load_definition(path), source_name=path.name).version
            publish(stored)
        session.commit()

    site.query(publish_versions)
    page = new_context(**PHONE).new_page()
    sign_in(page, site, site.coordinator)
    response = page.goto(site.url("/questionnaires/niamey-2018/diff?old=2&new=3"))
    assert response is not None and response.status == 200
    assert "extradition_executed_not_above_received_2025" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    culprit = page.evaluate(WIDEST_ELEMENT, PHONE["viewport"]["width"])
    assert width <= PHONE["viewport"]["width"], f"{width} px wide: {culprit}"
