"""The ladder of slices (surveys/slices.py, LADDER, from the bottom up) holds: no slice module
imports a slice above its own, except a slice's views, commands, demo and register.py, which
may use any. The ground modules directly in surveys/ (extensions, columns, i18n, access, ...)
import no slice at all. Read from the source with `ast` (bench/structure.py): an import inside
a function counts as much as one at the top of a file; one under `if TYPE_CHECKING:` never runs.
"""

from __future__ import annotations

from bench.structure import (
    PACKAGE,
    TOP_FOLDERS,
    Import,
    all_imports,
    ladder_violations,
    read_ladder,
    strongly_connected,
    unit_edges,
)
from surveys.slices import LADDER


def test_every_slice_stands_on_the_ladder_once() -> None:
    folders = {
        path.parent.name
        for path in PACKAGE.glob("*/*.py")
        if path.parent.name not in TOP_FOLDERS and path.parent.name != "__pycache__"
    }
    assert sorted(LADDER) == sorted(folders)
    assert len(set(LADDER)) == len(LADDER)
    assert read_ladder() == list(LADDER)  # what bench/structure.py measures against


def test_no_module_imports_a_slice_above_its_own() -> None:
    found = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in ladder_violations(all_imports(), list(LADDER))
    ]
    assert found == []


# Views, commands and register.py may import a slice above their own, but not round a loop. The
# one loop left: the round's page (rounds.views) shows each country's progress, read through
# responses (round_answers, counted_countries), whose submissions belong to rounds.
KNOWN_LOOPS = [["responses", "rounds"]]


def test_slices_import_each_other_in_no_loop_but_the_known_one() -> None:
    assert strongly_connected(unit_edges(all_imports())) == KNOWN_LOOPS


def test_the_check_refuses_an_import_up_the_ladder_and_allows_views() -> None:
    ladder = list(LADDER)
    up = Import("surveys.rounds.operations", "surveys.responses.models", 1, True, False)
    from_ground = Import("surveys.access", "surveys.api.auth", 1, True, False)
    down = Import("surveys.review.workflow", "surveys.rounds.operations", 1, False, False)
    from_view = Import("surveys.rounds.views", "surveys.review.workflow", 1, False, False)
    for_types = Import("surveys.access", "surveys.accounts.models", 1, False, True)
    checked = [up, from_ground, down, from_view, for_types]
    assert ladder_violations(checked, ladder) == [up, from_ground]
