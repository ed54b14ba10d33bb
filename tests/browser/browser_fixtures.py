"""pytest fixtures and parameter lists shared by `tests/test_browser_*.py`.

Each test module does `from browser_fixtures import *` (after putting this folder on
sys.path); the fixtures hand out the one shared server + Chromium of `browser_harness`.
"""
from __future__ import annotations

import pytest

import browser_harness as bh

__all__ = ["site", "PAGES", "EN_PAGES", "SI_PAGES", "skip_or_fail", "need_pages", "bh"]

PAGES = bh.site_pages()
EN_PAGES = [p for p in PAGES if bh.page_language(p) == "en"]
SI_PAGES = [p for p in PAGES if bh.page_language(p) == "si"]


def skip_or_fail(reason: str):
    """Skip with `reason`; with REQUIRE_BROWSER=1 (CI) fail instead."""
    if bh.require_browser():
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def need_pages(pages):
    """Parameter list for a per-page test: the pages, or one placeholder that skips/fails
    when the site has not been built."""
    return pages if pages else [pytest.param(None, id="no-pages")]


@pytest.fixture(scope="session")
def site():
    """The shared `browser_harness.Browser` (with `.server`) for the session."""
    reason = bh.browser_unavailable()
    if reason:
        skip_or_fail(reason)
    if not bh.site_pages():
        skip_or_fail(f"no HTML pages under {bh.DOCS} (build the site: python -m annotated_docs build)")
    browser = bh.acquire()
    try:
        yield browser
    finally:
        bh.release()
