"""Build steps that pyproject.toml cannot declare (metadata lives in pyproject.toml).

A wheel or an sdist must hold the whole application, French included:
- the translation catalogues are compiled (.po -> .mo) into the build, never committed;
- the Alembic migrations and the questionnaire definition files, which live at the top of the
  repository (and of the sdist), are copied into the package as `surveys/bundled/` (the app
  looks there first and falls back to the repository's folders in a source checkout).
An editable install (`pip install -e .`) builds nothing: `make translations` compiles in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
BUNDLED = ("migrations", "questionnaires")


def compile_catalogues(translations: Path) -> list[Path]:
    """Compile every messages.po under `translations`; refuse a catalogue with errors."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=locale)
        errors = [(m.id, e) for m, e in catalogue.check() if e]
        if errors:
            raise SystemExit(f"{po_path}: {len(errors)} translation errors, e.g. {errors[0]}")
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalogue)
        written.append(mo_path)
    if not written:
        raise SystemExit(f"no translation catalogue found under {translations}")
    return written


def copy_bundled(target_package: Path) -> None:
    for name in BUNDLED:
        destination = target_package / "bundled" / name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(
            ROOT / name, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "surveys"
        compile_catalogues(package / "translations")
        copy_bundled(package)


class SdistWithCatalogues(sdist):
    def make_release_tree(self, base_dir, files) -> None:
        super().make_release_tree(base_dir, files)
        compile_catalogues(Path(base_dir) / "surveys" / "translations")


setup(cmdclass={"build_py": BuildWithCatalogues, "sdist": SdistWithCatalogues})
