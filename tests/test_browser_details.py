"""The smaller things a reader meets, in headless Chromium: Sinhala pages keep the code's
monospace and the site's math font, copy buttons cover no code, every plot's text fits its
box and plots stay readable on phones, the pages that promise figures show them, the
contents stay beside the text from 1024 px and mark the current section, a phone's header is
short, the language switcher keeps the place without a #hash, printed links show their
address, symbols in formulas light the code that holds them, and "Report a problem" names
the section."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402


def _open(site, page, viewport=bh.DESKTOP, color_scheme="light", **kwargs):
    if page not in PAGES:
        skip_or_fail(f"{page} is missing from {bh.DOCS}")
    tab = site.new_page(viewport=viewport, color_scheme=color_scheme, **kwargs)
    tab.goto(site.server.url(page), wait_until="load")
    return tab


def _family(tab, selector):
    return tab.evaluate(f"getComputedStyle(document.querySelector({selector!r})).fontFamily")


# ------------------------------------------------------------------------- 3. fonts

@pytest.mark.parametrize("selector", [".notes pre code span", ".notes p code", ".code pre .line span", "math"])
def test_sinhala_pages_keep_the_code_and_math_fonts(site, selector):
    english, sinhala = _open(site, "index.html"), _open(site, "si/index.html")
    try:
        assert _family(sinhala, selector) == _family(english, selector)
        expected = '"Site Math"' if selector == "math" else "ui-monospace"
        assert _family(sinhala, selector).startswith(expected), _family(sinhala, selector)
    finally:
        english.context.close()
        sinhala.context.close()


# ------------------------------------------------------------------- 4. copy buttons

_OVERLAPS = """() => {
  const hits = [];
  for (const button of document.querySelectorAll('.copy-button')) {
    const b = button.getBoundingClientRect();
    const pre = button.parentNode.querySelector('pre');
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width && r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top) {
          hits.push(button.getAttribute('aria-label') + ' over ' + JSON.stringify(node.textContent.slice(0, 30)));
        }
      }
    }
    // nor over the line numbers, which are drawn, not text
    for (const number of pre.querySelectorAll('.ln')) {
      const r = number.getBoundingClientRect();
      if (r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top) hits.push('line number');
    }
    if (getComputedStyle(button).opacity !== '1') hits.push('see-through button');
  }
  return hits;
}"""


@pytest.mark.parametrize("page", ["index.html", "si/index.html", "paper/temperature_gradients.html"])
@pytest.mark.parametrize("viewport", [bh.MOBILE, bh.DESKTOP], ids=["390", "1280"])
def test_no_copy_button_covers_code(site, page, viewport):
    tab = _open(site, page, viewport)
    try:
        assert tab.locator(".copy-button").count()
        overlaps = tab.evaluate(_OVERLAPS)
        assert not overlaps, overlaps[:10]
    finally:
        tab.context.close()


# ------------------------------------------------------------------------------ 6. plots

def _plots():
    return sorted(p.relative_to(bh.DOCS).as_posix() for p in bh.DOCS.rglob("images/*.svg"))


@pytest.mark.parametrize("plot", _plots() or [None])
def test_every_plots_text_fits_its_box(site, plot):
    if plot is None:
        skip_or_fail(f"no plots under {bh.DOCS}")
    tab = site.new_page()
    try:
        tab.goto(site.server.url(plot), wait_until="load")
        outside = tab.evaluate("""() => {
            const picture = document.documentElement.getBoundingClientRect();
            const out = [];
            // matplotlib draws each piece of text as a group text_N (svg.fonttype 'path')
            for (const g of document.querySelectorAll('g[id^="text_"]')) {
              const r = g.getBoundingClientRect();
              if (!r.width) continue;
              if (r.left < picture.left - 0.5 || r.right > picture.right + 0.5 ||
                  r.top < picture.top - 0.5 || r.bottom > picture.bottom + 0.5)
                out.push(g.id + ' ' + [r.left, r.right, r.top, r.bottom].map(Math.round) + ' in ' +
                         [picture.width, picture.height].map(Math.round));
            }
            return out;
        }""")
        assert not outside, f"{plot}: text outside the picture: {outside}"
    finally:
        tab.context.close()


@pytest.mark.parametrize("page", ["paper/results.html", "paper/dark_knowledge.html"])
def test_plots_on_a_phone_keep_readable_labels_and_scroll_in_their_box(site, page):
    tab = _open(site, page, bh.MOBILE)
    try:
        images = tab.evaluate("""() => [...document.querySelectorAll('.notes img[width]')].map(i => ({
            drawn: +i.getAttribute('width'), shown: i.getBoundingClientRect().width,
            box: getComputedStyle(i.parentElement).overflowX}))""")
        assert images
        for image in images:
            # matplotlib's 10 pt labels are 13.3 px drawn: at least 11 px shown
            assert image["shown"] >= image["drawn"] * 11 / 13.34, image
            assert image["box"] == "auto", image
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        tab.context.close()


@pytest.mark.parametrize("page, plots", [("paper/dark_knowledge.html", ["dark_knowledge.svg", "dark_knowledge_entropy.svg"]),
                                         ("paper/transfer_sets.html", ["transfer_sets.svg"])])
def test_pages_that_promise_figures_show_them_beside_their_text(site, page, plots):
    for shown in (page, "si/" + page):
        tab = _open(site, shown)
        try:
            sources = tab.evaluate("[...document.querySelectorAll('.notes img')].map(i => i.getAttribute('src'))")
            for plot in plots:
                assert any(src.endswith("images/" + plot) for src in sources), (shown, plot, sources)
            assert tab.evaluate("[...document.querySelectorAll('.notes img')].every(i => i.complete && i.naturalWidth > 0)")
        finally:
            tab.context.close()


# --------------------------------------------------------------------------- contents

@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_contents_stay_beside_the_text_and_mark_the_current_section(site, width):
    tab = _open(site, "paper/temperature_gradients.html", {"width": width, "height": 800})
    try:
        assert tab.evaluate("document.getElementById('site-toc').open")
        links = tab.evaluate("[...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href').slice(1))")
        target = links[len(links) // 2]
        tab.evaluate(f"document.getElementById({target!r}).scrollIntoView()")
        tab.wait_for_function(f"document.querySelector('nav.toc a[href=\"#{target}\"]').getAttribute('aria-current') === 'location'")
        assert tab.evaluate("document.querySelectorAll('nav.toc a[aria-current]').length") == 1
        box = tab.evaluate("""() => { const r = document.querySelector('nav.toc').getBoundingClientRect();
                                      return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                                              height: window.innerHeight}; }""")
        assert box["left"] >= 0 and box["top"] >= 0 and box["top"] < box["height"], box   # on screen
        current = tab.evaluate("""() => { const r = document.querySelector('nav.toc a[aria-current]').getBoundingClientRect();
                                          return [r.top, r.bottom, window.innerHeight]; }""")
        assert 0 <= current[0] and current[1] <= current[2], current
    finally:
        tab.context.close()


def test_contents_entries_are_two_lines_at_most(site):
    tab = _open(site, "paper/mnist.html", {"width": 1280, "height": 800})
    try:
        heights = tab.evaluate("""() => [...document.querySelectorAll('nav.toc a')].map(a =>
            a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight))""")
        assert heights and min(heights) >= 0.95 and max(heights) <= 2.05, heights   # shown, two lines at most
    finally:
        tab.context.close()


# ------------------------------------------------------------------------ phone header

@pytest.mark.parametrize("page", ["paper/mnist.html", "si/paper/mnist.html", "index.html"])
def test_a_phones_header_is_three_short_rows_at_most(site, page):
    tab = _open(site, page, bh.MOBILE)
    try:
        height = tab.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
        assert height <= 130, height
        assert tab.locator("#site-search-input").is_visible()
        assert tab.locator("button[data-theme-toggle]").is_visible()
    finally:
        tab.context.close()


# ------------------------------------------------------------------ language switcher

def test_the_switcher_keeps_the_place_when_the_address_has_no_hash(site):
    page = "paper/temperature_gradients.html"
    tab = _open(site, page)
    try:
        anchor = tab.evaluate("document.querySelectorAll('section.section')[5].id")
        tab.evaluate(f"document.getElementById({anchor!r}).scrollIntoView()")
        assert "#" not in tab.url
        tab.click("body a[hreflang='si']")
        tab.wait_for_url(f"**/si/{page}#{anchor}")
    finally:
        tab.context.close()


# ------------------------------------------------------------------------------ print

def test_printed_links_show_their_address(site):
    tab = _open(site, "index.html")
    try:
        tab.emulate_media(media="print")
        shown = tab.evaluate("""() => {
            const a = document.querySelector('.notes a[href^="https://arxiv.org"]');
            return getComputedStyle(a, '::after').content;
        }""")
        assert "https://arxiv.org/abs/1503.02531" in shown
        tab.emulate_media(media="screen")
        assert tab.evaluate("""getComputedStyle(document.querySelector('.notes a[href^="https://arxiv.org"]'), '::after').content""") == "none"
    finally:
        tab.context.close()


# ---------------------------------------------------------------------------- symbols

@pytest.mark.parametrize("page", ["index.html", "si/index.html"])
def test_a_symbol_lights_its_variable_in_the_code_and_the_reverse(site, page):
    tab = _open(site, page)
    try:
        lit = lambda symbol: tab.evaluate(  # noqa: E731
            "s => [...document.querySelectorAll('.symbol-lit')].filter(e => e.dataset.symbol === s)"
            ".map(e => e.localName)", symbol)
        tab.locator("math [data-symbol='T']").first.hover()
        assert "span" in lit("T") and "mi" in lit("T")
        tab.locator(".code [data-symbol='q_i']").first.hover()
        assert not lit("T")
        assert "msub" in lit("q_i") and "span" in lit("q_i")
        tab.mouse.move(0, 0)
        # by keyboard: a symbol in a formula takes the focus
        tab.locator("math [data-symbol='\\\\alpha']").first.focus()
        assert "span" in lit("\\alpha") and "mi" in lit("\\alpha")
        assert tab.evaluate("s => [...document.querySelectorAll('.code [data-symbol]')].find("
                            "e => e.dataset.symbol === s).textContent", "\\alpha") == "alpha"
    finally:
        tab.context.close()


# ------------------------------------------------------------------ report a problem

def test_report_a_problem_names_the_page_and_the_section(site, tmp_path):
    """docs/ is built without a repository; a build with one, read from disk."""
    from annotated_docs.build import build
    out = tmp_path / "site"
    build(bh.REPO / "tests" / "fixtures" / "tutorial", out, tmp_path / "translations",
          repo_url="https://github.com/owner/repo")
    tab = site.new_page(viewport={"width": 1280, "height": 300})      # a page that scrolls
    try:
        tab.goto((out / "large.html").as_uri(), wait_until="load")
        last = tab.evaluate("[...document.querySelectorAll('section.section')].at(-1).id")
        tab.evaluate(f"document.getElementById({last!r}).scrollIntoView()")
        tab.wait_for_timeout(100)
        # the section at the top of the window is where the reader is
        anchor = tab.evaluate("[...document.querySelectorAll('section.section')]"
                              ".find(s => s.getBoundingClientRect().bottom > 8).id")
        tab.evaluate("document.querySelector('a.report-link').addEventListener('click', e => e.preventDefault())")
        tab.click("a.report-link")
        href = tab.get_attribute("a.report-link", "href")
        assert href.startswith("https://github.com/owner/repo/issues/new?title=")
        assert "Page%3A%20tutorial%2Flarge.py" in href or "Page%3A%20tutorial/large.py" in href
        assert href.endswith("Section%3A%20%23" + anchor)
        assert tab.get_attribute("a.edit-link", "href") == "https://github.com/owner/repo/edit/HEAD/tutorial/large.py"
        assert tab.get_attribute("a.colab-link", "href").endswith("/owner/repo/blob/HEAD/site/large.ipynb")
    finally:
        tab.context.close()
