"""`docs/` is what the sources give today: rebuild into a temporary folder and compare.

A page's "last changed" date comes from git's history, not from the sources: a shallow clone
or a rebased commit has other dates for the same files. The comparison therefore takes each
page's date from the committed page itself, and a second test checks those dates against git
where git's history can say (never later than the last commit that touched the source).
"""
import re
import subprocess
from pathlib import Path

import pytest

from annotated_docs import history
from annotated_docs.build import build
from annotated_docs.config import setting
from annotated_docs.paths import page_path

REPO = Path(__file__).resolve().parent.parent
SOURCE, DOCS, TRANSLATIONS = REPO / "labml_nn_distill", REPO / "docs", REPO / "translations"


DATE = re.compile(r'<span class="last-changed">[^<]*<time datetime="(\d{4}-\d\d-\d\d)">')


def committed_page(source: Path) -> Path:
    """The committed English page of a source file (DEVELOPERS.md, "Page paths")."""
    return DOCS / f"{page_path(source.resolve().relative_to(SOURCE.resolve()).as_posix())}.html"


def committed_date(source: Path) -> str:
    """The "last changed" date the committed page of `source` shows, '' for none."""
    page = committed_page(source)
    found = DATE.search(page.read_text(encoding="utf-8")) if page.is_file() else None
    return found.group(1) if found else ""


def test_committed_docs_are_fresh(tmp_path, monkeypatch):
    if not SOURCE.is_dir():
        pytest.skip("labml_nn_distill/ does not exist yet")
    monkeypatch.setattr(history, "last_changed", committed_date)
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


def test_committed_last_changed_dates_agree_with_git():
    """Each date is a real date, and never later than git's date for its source (equal in the
    checkout that built the pages; earlier only in a clone whose commits were rewritten)."""
    sources = sorted(SOURCE.rglob("*.py")) + sorted(SOURCE.rglob("*.md"))
    dates = {source: committed_date(source) for source in sources if committed_page(source).is_file()}
    assert dates and all(re.fullmatch(r"\d{4}-\d\d-\d\d", date) for date in dates.values() if date)
    try:
        shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=REPO, capture_output=True,
                                 text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pytest.skip("git is not available")
    if shallow != "false":
        pytest.skip("not a full git history")
    for source, date in dates.items():
        in_git = history.last_changed(source)
        assert in_git and date and date <= in_git, f"{source}: the page says {date!r}, git {in_git!r}"
