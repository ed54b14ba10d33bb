"""`docs/` is what the sources give today: rebuild into a temporary folder and compare."""
from pathlib import Path

import pytest

from annotated_docs.build import build
from annotated_docs.config import setting

REPO = Path(__file__).resolve().parent.parent
SOURCE, DOCS, TRANSLATIONS = REPO / "labml_nn_distill", REPO / "docs", REPO / "translations"


def test_committed_docs_are_fresh(tmp_path):
    if not SOURCE.is_dir():
        pytest.skip("labml_nn_distill/ does not exist yet")
    fresh = tmp_path / "docs"
    build(SOURCE, fresh, TRANSLATIONS, base_url=setting("base-url", REPO),
          repo_url=setting("repo-url", REPO), math_font=setting("math-font", REPO) or None)
    expected = {p.relative_to(fresh).as_posix(): p for p in fresh.rglob("*") if p.is_file()}
    committed = {p.relative_to(DOCS).as_posix(): p for p in DOCS.rglob("*") if p.is_file()} \
        if DOCS.is_dir() else {}
    stale = sorted(name for name in expected
                   if name not in committed or committed[name].read_bytes() != expected[name].read_bytes())
    extra = sorted(set(committed) - set(expected))
    assert not stale and not extra, (
        "docs/ is stale; rebuild with `python -m annotated_docs build` and commit docs/.\n"
        + "".join(f"  stale or missing: {name}\n" for name in stale)
        + "".join(f"  no longer produced: {name}\n" for name in extra))
