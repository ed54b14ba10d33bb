"""Chinese and Japanese as a reader gets them, in headless Chromium.

Two sites: the tutorial built once per session with the tests' own zh and ja
(`tests/cjk_fixtures.py`), and the committed `docs/`, whose zh and ja pages (every page of
every ready language) the same checks cover once those translations land.

Search finds Chinese and Japanese without spaces from file://, by keyboard alone, a query
mixing English and CJK included, and the browser cuts and ranks queries exactly as
`annotated_docs.search_query` does; no page shows a missing-glyph box; Chinese takes
Simplified Chinese glyph forms and Japanese Japanese ones; code stays monospace and formulas
keep the site's math font in si, zh and ja; no page is wider than 320, 390 or 768 px; the
switcher goes between the four languages and keeps the section.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402

import cjk_fixtures  # noqa: E402
from annotated_docs import i18n, search_index, search_query  # noqa: E402

CJK = ("zh", "ja")
TAGS = {"en": "en", "si": "si", "zh": "zh-Hans", "ja": "ja"}
# The committed languages of these scripts that the site publishes, and their built pages
READY = [lang for lang in i18n.languages(bh.REPO / "translations") if lang in CJK]
COMMITTED_PAGES = [page for page in PAGES if bh.page_language(page) in READY]
QUERIES = [(lang, query) for lang, queries in cjk_fixtures.QUERIES.items() for query in queries]
# Pages of the fixture site with its translated sections, its longest titles and wide tables
FIXTURE_PAGES = [f"{lang}/{page}" for lang in CJK for page in (
    "index.html", "dataset.html", "engineering/checkpoint.html", "engineering/distributed.html",
    "paper/mnist.html", "paper/results.html", "paper/speech_and_jft.html")]
WIDTHS = {"320": bh.NARROW, "390": bh.MOBILE, "768": bh.TABLET}
# Font families that draw Han characters in their Chinese or their Japanese forms
ZH_FONTS = re.compile(r"\bSC\b|Hans|PingFang SC|YaHei|Hiragino Sans GB|WenQuanYi", re.I)
JA_FONTS = re.compile(r"\bJP\b|Hiragino Sans$|Hiragino Kaku|Yu Gothic|Meiryo", re.I)


@pytest.fixture(scope="module")
def fixture_site(site, cjk_site):
    """(the shared browser, a server of the fixture site, the site's folder)."""
    server = bh.SiteServer(cjk_site[0])
    try:
        yield site, server, cjk_site[0]
    finally:
        server.close()


def _open(browser, url, viewport=bh.DESKTOP):
    tab = browser.new_page(viewport=viewport)
    tab.goto(url, wait_until="load")
    return tab


def _search_and_land(tab, query):
    """Search with the keyboard alone (/, type, ArrowDown, Enter); the section landed on."""
    first = bh.type_search(tab, query)
    tab.keyboard.press("ArrowDown")
    href = tab.evaluate("document.activeElement.href")
    assert href == first.evaluate("a => a.href") and "#" in href
    tab.keyboard.press("Enter")
    tab.wait_for_url(href)
    anchor = tab.url.split("#", 1)[1]
    assert tab.locator(f"[id='{anchor}']").count() == 1
    return tab.locator(f"[id='{anchor}']").first.inner_text()


# ------------------------------------------------------------------------------ search

@pytest.mark.parametrize("lang, query", QUERIES)
def test_search_from_file_url_finds_cjk_by_keyboard_and_lands_on_its_section(fixture_site, lang, query):
    browser, _, folder = fixture_site
    tab = _open(browser, (folder / lang / "index.html").as_uri())
    try:
        assert query in _search_and_land(tab, query)
    finally:
        tab.context.close()


@pytest.mark.parametrize("lang", CJK)
def test_a_query_mixing_english_and_cjk_finds_its_section(fixture_site, lang):
    browser, _, folder = fixture_site
    tab = _open(browser, (folder / lang / "paper" / "mnist.html").as_uri())
    try:
        section = _search_and_land(tab, cjk_fixtures.MIXED[lang])
        assert "softmax" in section and "温度" in section
    finally:
        tab.context.close()


CORPUS = ["温度", "软目标", "蒸馏", "蒸留", "ソフトターゲット", "ｿﾌﾄﾀｰｹﾞｯﾄ", "softmax温度", "logit 温度",
          "软目标梯度", "温度计", "知识蒸馏的温度T", "ソフト・ターゲット", "T^2", "α", "temperature",
          "soft targets", "kl_div", "උෂ්ණත්වය", "（温度）", "温", "教師 生徒"]


@pytest.mark.parametrize("lang", ["en", "si", *CJK])
def test_the_browser_cuts_and_ranks_queries_as_search_query_does(fixture_site, lang):
    browser, server, folder = fixture_site
    page = "index.html" if lang == "en" else f"{lang}/index.html"
    index = search_index.unpack((folder / search_index.output_path(lang)).read_bytes())
    tab = _open(browser, server.url(page))
    try:
        tab.focus("#site-search-input")
        tab.fill("#site-search-input", "x")
        tab.wait_for_function("!document.getElementById('site-search-results').hidden")
        browser_terms = tab.evaluate("q => q.map(window.annotatedDocsQuery.terms)", CORPUS)
        browser_results = tab.evaluate("q => q.map(window.annotatedDocsQuery.search)", CORPUS)
    finally:
        tab.context.close()
    assert browser_terms == [search_query.terms(query) for query in CORPUS]
    assert browser_results == [search_query.search(index, query) for query in CORPUS]


@pytest.mark.parametrize("lang, query", [(lang, query) for lang, query in QUERIES if lang in READY])
def test_the_committed_site_finds_cjk_from_file_url(site, lang, query):
    tab = _open(site, (bh.DOCS / lang / "index.html").as_uri())
    try:
        assert query in _search_and_land(tab, query)
    finally:
        tab.context.close()


# ------------------------------------------------------------------------------ glyphs

def _no_missing_glyphs(tab, page):
    tab.evaluate("document.fonts.ready.then(() => true)")
    problems = bh.missing_glyphs(tab)
    assert not problems, f"{page}: missing glyphs:\n  " + "\n  ".join(problems[:10])


@pytest.mark.parametrize("page", ["index.html", "si/index.html", *FIXTURE_PAGES])
def test_no_missing_glyph_boxes_on_the_fixture_pages(fixture_site, page):
    browser, server, _ = fixture_site
    tab = _open(browser, server.url(page))
    try:
        _no_missing_glyphs(tab, page)
    finally:
        tab.context.close()


@pytest.mark.parametrize("page", COMMITTED_PAGES)
def test_no_missing_glyph_boxes_on_every_committed_zh_and_ja_page(site, page):
    tab = _open(site, site.server.url(page))
    try:
        _no_missing_glyphs(tab, page)
    finally:
        tab.context.close()


def test_the_glyph_check_finds_a_missing_glyph(fixture_site):
    """The check itself: a character no installed font has (a private-use one) is found."""
    browser, server, _ = fixture_site
    tab = _open(browser, server.url("zh/index.html"))
    try:
        tab.evaluate("document.querySelector('main p').append('\\ue000\\ue001')")
        assert any("no glyph for U+E000, U+E001" in problem for problem in bh.missing_glyphs(tab))
    finally:
        tab.context.close()


@pytest.mark.parametrize("lang", CJK)
def test_chinese_and_japanese_take_their_own_glyph_forms(fixture_site, lang):
    """Han characters are drawn by a font of the page's language: a Simplified Chinese face on
    zh pages, a Japanese one on ja pages, and each language's name in the switcher likewise
    on every page."""
    browser, server, _ = fixture_site
    own, other = (ZH_FONTS, JA_FONTS) if lang == "zh" else (JA_FONTS, ZH_FONTS)
    for page in (f"{lang}/index.html", "index.html", "si/index.html"):
        tab = _open(browser, server.url(page))
        try:
            selectors = [f".languages a[hreflang='{TAGS[lang]}']"]
            if page.startswith(lang):
                selectors.append("section#configurations .notes p")
            for selector in selectors:
                fonts = [font["familyName"] for font in bh.platform_fonts(tab, selector) if font["glyphCount"]]
                assert any(own.search(name) for name in fonts), (page, selector, fonts)
                assert not any(other.search(name) for name in fonts), (page, selector, fonts)
        finally:
            tab.context.close()


@pytest.mark.parametrize("lang", CJK)
def test_cjk_text_is_never_slanted_and_english_keeps_its_italics(fixture_site, lang):
    """CJK fonts have no italics: the notices are upright and emphasis bold in zh and ja,
    while the English shown on the same page keeps its italics."""
    browser, server, _ = fixture_site
    tab = _open(browser, server.url(f"{lang}/index.html"))
    try:
        style = "e => getComputedStyle(e).fontStyle"
        assert tab.eval_on_selector(".untranslated", style) == "normal"
        assert tab.eval_on_selector(".notes[lang='en'] em", style) == "italic"
        tab.evaluate("document.querySelector('#configurations .notes p').insertAdjacentHTML("
                     "'beforeend', '<em id=cjk-em>强调</em>')")
        assert tab.eval_on_selector("#cjk-em", style) == "normal"
        assert tab.eval_on_selector("#cjk-em", "e => getComputedStyle(e).fontWeight") == "600"
    finally:
        tab.context.close()


# The code and a formula inside a translated section (the index page's)
TRANSLATED = "#log-probabilities-at-temperature-t .notes:not([lang])"


@pytest.mark.parametrize("lang", ["si", *CJK])
def test_code_stays_monospace_and_math_keeps_the_math_font(fixture_site, lang):
    browser, server, _ = fixture_site
    english, page = _open(browser, server.url("index.html")), _open(browser, server.url(f"{lang}/index.html"))
    try:
        for tab in (english, page):
            tab.evaluate("document.fonts.ready.then(() => true)")
        family = "e => getComputedStyle(e).fontFamily"
        for selector in (".code pre .line span", ".notes pre code span"):
            assert page.eval_on_selector(selector, family) == english.eval_on_selector(selector, family)
        if lang != "si":      # the fixture's own translated section: code and math inside zh or ja
            code = page.eval_on_selector(f"{TRANSLATED} code span", family)
            math = page.eval_on_selector(f"{TRANSLATED} math mi", family)
            assert code.startswith("ui-monospace") and math.startswith('"Site Math"'), (code, math)
            drawn = bh.platform_fonts(page, f"{TRANSLATED} code span")
            assert drawn and all("mono" in font["familyName"].lower() for font in drawn), drawn
            drawn = bh.platform_fonts(page, f"{TRANSLATED} math mi")
            assert drawn and all(font["isCustomFont"] for font in drawn), drawn
        else:
            assert page.eval_on_selector("math", family).startswith('"Site Math"')
            assert page.eval_on_selector(".notes p code", family).startswith("ui-monospace")
    finally:
        english.context.close()
        page.context.close()


# ------------------------------------------------------------------------------ layout

def _too_wide(browser, url_of, pages, width):
    tab = browser.new_page(viewport=WIDTHS[width])
    wide = []
    try:
        for page in pages:
            tab.goto(url_of(page), wait_until="load")
            scroll, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                wide.append(f"{page}: {scroll} px")
    finally:
        tab.context.close()
    return wide


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_fixture_page_is_wider_than_the_viewport(fixture_site, width):
    browser, server, _ = fixture_site
    wide = _too_wide(browser, server.url, FIXTURE_PAGES, width)
    assert not wide, f"wider than {width} px:\n" + "\n".join(wide)


@pytest.mark.parametrize("width", list(WIDTHS) if COMMITTED_PAGES else [])
def test_no_committed_zh_or_ja_page_is_wider_than_the_viewport(site, width):
    wide = _too_wide(site, site.server.url, COMMITTED_PAGES, width)
    assert not wide, f"wider than {width} px:\n" + "\n".join(wide)


def test_a_long_identifier_in_cjk_text_wraps_inside_its_column_at_320(fixture_site):
    browser, server, _ = fixture_site
    for lang in CJK:
        tab = _open(browser, server.url(f"{lang}/dataset.html#section-43"), bh.NARROW)
        try:
            boxes = tab.evaluate("""() => {
                const notes = document.querySelector("[id='section-43'] .notes");
                const code = [...notes.querySelectorAll('code')].find(c => c.textContent.includes('labml_nn_distill'));
                const n = notes.getBoundingClientRect(), c = code.getBoundingClientRect();
                return {notes: [n.left, n.right], code: [c.left, c.right], lines: code.getClientRects().length};
            }""")
            assert boxes["notes"][0] <= boxes["code"][0] and boxes["code"][1] <= boxes["notes"][1], boxes
        finally:
            tab.context.close()


# ---------------------------------------------------------------------------- switcher

def test_the_switcher_goes_through_the_four_languages_and_keeps_the_section(fixture_site):
    browser, server, _ = fixture_site
    page = "paper/temperature_gradients.html"
    tab = _open(browser, server.url(page))
    try:
        anchor = tab.evaluate("document.querySelectorAll('section.section')[4].id")
        tab.goto(server.url(page) + "#" + anchor, wait_until="load")
        names = tab.evaluate("[...document.querySelectorAll('.languages a')].map(a => a.textContent)")
        assert names[0] == "English" and sorted(names) == sorted(["English", "සිංහල", "中文", "日本語"])
        for lang in ("zh", "ja", "si", "zh", "en"):
            tab.click(f"body .languages a[hreflang='{TAGS[lang]}']")
            target = page if lang == "en" else f"{lang}/{page}"
            tab.wait_for_url(server.url(target) + "#" + anchor)
            assert tab.evaluate("document.documentElement.lang") == TAGS[lang]
            assert tab.locator(f"[id='{anchor}']").count() == 1
    finally:
        tab.context.close()


@pytest.mark.parametrize("page", [page for page in EN_PAGES][:1] if READY else [])
def test_the_committed_switcher_reaches_every_ready_cjk_language(site, page):
    tab = _open(site, site.server.url(page))
    try:
        for lang in READY:
            tab.goto(site.server.url(page), wait_until="load")
            tab.click(f"body .languages a[hreflang='{TAGS[lang]}']")
            tab.wait_for_url(site.server.url(f"{lang}/{page}"))
            assert tab.evaluate("document.documentElement.lang") == TAGS[lang]
    finally:
        tab.context.close()
