"""Every page of the built site (docs/**/*.html, English and Sinhala) in headless Chromium:
it loads without console errors, asks nothing of any host but 127.0.0.1, its MathML has
size, and every link and anchor it holds resolves on the site.

Each page is loaded once per session (`browser_harness.Browser.visit`) and the tests below
read what that load showed. See tests/browser/FINDINGS.md for the hooks relied upon.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403  (site, PAGES, bh, need_pages ...)

import pytest  # noqa: E402

DISTILLATION_PAGE = "index.html"


def _visit(site, page):
    if page is None:
        skip_or_fail(f"no HTML pages under {bh.DOCS}")
    return site.visit(page)


@pytest.mark.parametrize("page", need_pages(PAGES))
def test_page_loads_without_console_errors(site, page):
    visit = _visit(site, page)
    assert visit.status == 200, f"{page}: HTTP {visit.status}"
    problems = ([f"console error: {m}" for m in visit.console_errors]
                + [f"uncaught exception: {m}" for m in visit.page_errors]
                + [f"failed request: {m}" for m in visit.failed_requests])
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page", need_pages(PAGES))
def test_page_makes_no_offsite_request(site, page):
    visit = _visit(site, page)
    assert not visit.offsite, (f"{page} asked for resources off 127.0.0.1 (blocked):\n  "
                               + "\n  ".join(visit.offsite))


@pytest.mark.parametrize("page", need_pages(PAGES))
def test_page_declares_its_language(site, page):
    visit = _visit(site, page)
    assert visit.html_lang.split("-")[0] == bh.page_language(page), (
        f"{page}: <html lang={visit.html_lang!r}>, expected {bh.page_language(page)!r}")


@pytest.mark.parametrize("page", need_pages(PAGES))
def test_mathml_renders_with_nonzero_boxes(site, page):
    visit = _visit(site, page)
    empty = [m for m in visit.math_boxes if not (m["width"] > 0 and m["height"] > 0)]
    assert not empty, (f"{page}: {len(empty)} of {len(visit.math_boxes)} <math> elements "
                       f"render with an empty box, e.g. " + "; ".join(
                           f"{m['text']!r} {m['width']}x{m['height']}" for m in empty[:5]))


@pytest.mark.parametrize("page", [p for p in (DISTILLATION_PAGE, "si/" + DISTILLATION_PAGE)])
def test_distillation_page_has_rendered_math(site, page):
    """The distillation page is full of formulas: they must reach the reader as MathML."""
    if page not in PAGES:
        pytest.fail(f"{page} is missing from {bh.DOCS}")
    visit = _visit(site, page)
    assert visit.math_boxes, f"{page}: no <math> element (math not rendered to MathML?)"
    display = [m for m in visit.math_boxes if m["display"] == "block"]
    assert display, f"{page}: no display (<math display=block>) formula"
    assert all(m["height"] >= 10 for m in display), (
        f"{page}: a display formula is under 10 px tall: {display}")


@pytest.mark.parametrize("page", need_pages(PAGES))
def test_internal_links_and_anchors_resolve(site, page):
    """Every href/src that points into the site answers 200, and its #fragment names an
    element there (a permalink, a heading, a line)."""
    visit = _visit(site, page)
    broken = []
    for link in visit.links:
        href = link["href"]
        if not href.startswith(site.server.base):
            continue
        problem = site.links.problem(href)
        if problem:
            broken.append(f"<{link['tag']}> {link['raw']!r} ({link['text']!r}): {problem}")
    assert not broken, f"{page}: {len(broken)} broken internal link(s):\n  " + "\n  ".join(broken)


@pytest.mark.parametrize("page", need_pages(PAGES))
def test_site_links_are_relative(site, page):
    """The site is read offline (file://) and may be hosted under a sub-path: links into the
    site are relative, never `file:` URLs nor root-absolute paths like `/readme.html`."""
    visit = _visit(site, page)
    bad = [f"<{link['tag']}> {link['raw']!r}" for link in visit.links
           if link["href"].startswith("file:")
           or (link["raw"].startswith("/") and not link["raw"].startswith("//"))]
    assert not bad, f"{page}: non-relative links into the site: {bad}"
