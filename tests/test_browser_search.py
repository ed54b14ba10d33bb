"""Search as a reader uses it, in headless Chromium: the results list lies inside the window
at every width, on every page whatever pushes the box aside; the keyboard alone searches
(`/`, type, arrows, Enter, Esc); a query finds what its TeX, ASCII or Unicode spelling finds
(T^2, T2, T²; alpha, α) and names in the code column (kl_div); result titles read as written
(no MathML spelled token by token, no code split at its highlighting), one result per title;
the section that defines a word comes first."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402

WIDTHS = [390, 768, 1024, 1280, 1440]
# the longest breadcrumbs push the box furthest left
CROWDED = ["paper/mnist.html", "paper/temperature_gradients.html", "engineering/teacher_cache.html",
           "si/paper/transfer_sets.html", "index.html"]


def _results(tab, query):
    tab.fill("#site-search-input", query)
    tab.wait_for_function("!document.getElementById('site-search-results').hidden")
    return tab.evaluate("""() => [...document.querySelectorAll('#site-search-results a')].map(a => ({
        href: a.getAttribute('href'), title: a.querySelector('.search-title').textContent,
        snippet: a.querySelector('.search-snippet').textContent}))""")


def _list_box(tab):
    return tab.evaluate("""() => {
        const r = document.getElementById('site-search-results').getBoundingClientRect();
        return {left: r.left, right: r.right, bottom: r.bottom, top: r.top,
                width: document.documentElement.clientWidth, height: window.innerHeight};
    }""")


def _outside(box):
    return box["left"] < 0 or box["right"] > box["width"] or box["bottom"] > box["height"] or box["top"] < 0


@pytest.mark.parametrize("width", WIDTHS)
def test_the_results_list_lies_inside_the_window(site, width):
    pages = [page for page in CROWDED if page in PAGES] if width not in (1024, 1280) else PAGES
    if not pages:
        skip_or_fail(f"no pages under {bh.DOCS}")
    tab = site.new_page(viewport={"width": width, "height": 800})
    outside = []
    try:
        for page in pages:
            tab.goto(site.server.url(page), wait_until="load")
            _results(tab, "temperature" if bh.page_language(page) == "en" else "උෂ්ණත්වය")
            box = _list_box(tab)
            if _outside(box):
                outside.append(f"{page}: {box}")
    finally:
        tab.context.close()
    assert not outside, f"the results list leaves the window at {width} px:\n" + "\n".join(outside)


def test_keyboard_alone_searches_moves_through_results_opens_and_closes(site):
    tab = site.new_page(viewport={"width": 1024, "height": 800})
    try:
        tab.goto(site.server.url("paper/mnist.html"), wait_until="load")
        tab.keyboard.press("/")
        tab.keyboard.type("temperature")
        tab.wait_for_function("document.querySelectorAll('#site-search-results a').length > 2")
        links = tab.evaluate("[...document.querySelectorAll('#site-search-results a')].map(a => a.href)")
        focused = lambda: tab.evaluate("document.activeElement.href || document.activeElement.id")  # noqa: E731
        tab.keyboard.press("ArrowDown")
        assert focused() == links[0]
        tab.keyboard.press("ArrowDown")
        assert focused() == links[1]
        tab.keyboard.press("ArrowUp")
        assert focused() == links[0]
        tab.keyboard.press("ArrowUp")
        assert focused() == "site-search-input"
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("Escape")                      # from a result: the list closes
        assert tab.evaluate("document.getElementById('site-search-results').hidden")
        assert focused() == "site-search-input"
        tab.keyboard.press("ArrowDown")                   # closed: arrows do not reopen it
        tab.keyboard.type(" ")                            # typing does
        tab.wait_for_function("!document.getElementById('site-search-results').hidden")
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("ArrowDown")
        target = focused()
        tab.keyboard.press("Enter")
        tab.wait_for_url(target)
    finally:
        tab.context.close()


@pytest.mark.parametrize("written, as_found", [("T^2", "T²"), ("T2", "T²"), ("alpha", "α"), ("\\alpha", "α")])
def test_tex_and_ascii_queries_find_what_the_unicode_form_finds(site, written, as_found):
    tab = site.new_page()
    try:
        tab.goto(site.server.url("index.html"), wait_until="load")
        expected = _results(tab, as_found)
        found = _results(tab, written)
        assert found and found == expected
    finally:
        tab.context.close()


def test_names_in_the_code_column_are_found(site):
    tab = site.new_page()
    try:
        tab.goto(site.server.url("index.html"), wait_until="load")
        found = [result["href"] for result in _results(tab, "kl_div") if result["href"].startswith("index.html#")]
        assert found
        codes = []
        for href in found:
            tab.goto(site.server.url(href), wait_until="load")
            anchor = href.split("#")[1]
            codes.append(tab.evaluate(f"(document.querySelector(\"[id='{anchor}'] .code\") || {{}}).textContent || ''"))
        assert any("kl_div" in code for code in codes)
    finally:
        tab.context.close()


@pytest.mark.parametrize("query", ["temperature", "gradient", "T2", "soft targets"])
def test_result_titles_read_as_written_and_each_is_shown_once(site, query):
    tab = site.new_page()
    try:
        tab.goto(site.server.url("index.html"), wait_until="load")
        titles = [result["title"] for result in _results(tab, query)]
        assert len(titles) == len(set(titles)), titles
        for title in titles:
            assert "z i" not in title and "N T 2" not in title and "< t >" not in title, title
    finally:
        tab.context.close()


def test_formulas_and_code_in_titles_and_snippets_keep_their_form(site):
    tab = site.new_page()
    try:
        tab.goto(site.server.url("index.html"), wait_until="load")
        titles = [result["title"] for result in _results(tab, "high-temperature limit")]
        assert any("(z_i−v_i)/(NT^2)" in title for title in titles), titles
        snippets = [result["snippet"] for result in _results(tab, "label_smoothing")]
        assert any("T=<t>" in snippet for snippet in snippets), snippets
    finally:
        tab.context.close()


def test_the_section_that_defines_the_word_comes_first(site):
    tab = site.new_page()
    try:
        tab.goto(site.server.url("paper/results.html"), wait_until="load")
        found = _results(tab, "temperature")
        assert found[0]["href"].endswith("index.html#temperature"), found[:6]
    finally:
        tab.context.close()
