"""What a reader of the built site gets beyond the two columns, in headless Chromium: no page
wider than a phone, search that works from file://, contents per page, copy buttons, a
language switcher that keeps the section, plots and print that follow the theme, the
site's math font, and a theme toggle that says what a click does."""
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402

RESULTS = "paper/results.html"
DERIVATION = "paper/temperature_gradients.html"
WIDTHS = {"320": bh.NARROW, "390": bh.MOBILE, "768": bh.TABLET}


def _need(page):
    if page not in PAGES:
        skip_or_fail(f"{page} is missing from {bh.DOCS}")


def _open(site, page, viewport=bh.DESKTOP, color_scheme="light", **kwargs):
    _need(page)
    tab = site.new_page(viewport=viewport, color_scheme=color_scheme, **kwargs)
    tab.goto(site.server.url(page), wait_until="load")
    return tab


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_is_wider_than_the_viewport(site, width):
    if not PAGES:
        skip_or_fail(f"no HTML pages under {bh.DOCS}")
    tab = site.new_page(viewport=WIDTHS[width])
    wide = []
    try:
        for page in PAGES:
            tab.goto(site.server.url(page), wait_until="load")
            scroll, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                wide.append(f"{page}: {scroll} px")
    finally:
        tab.context.close()
    assert not wide, f"wider than {width} px:\n" + "\n".join(wide)


def test_wide_tables_and_formulas_scroll_in_their_own_focusable_box(site):
    tab = _open(site, RESULTS, bh.NARROW)
    try:
        boxes = tab.evaluate("""() => [...document.querySelectorAll('.scroll-x')].map(b => ({
            over: b.scrollWidth > b.clientWidth, x: getComputedStyle(b).overflowX,
            tab: b.tabIndex}))""")
        assert any(box["over"] for box in boxes), "no table is wider than 320 px here"
        assert all(box["x"] == "auto" and box["tab"] == 0 for box in boxes if box["over"])
    finally:
        tab.context.close()


def test_long_code_lines_scroll_inside_their_block_at_1280(site):
    tab = _open(site, "index.html")
    try:
        blocks = tab.evaluate("""() => [...document.querySelectorAll('pre')].map(p => ({
            over: p.scrollWidth > p.clientWidth, x: getComputedStyle(p).overflowX}))""")
        assert all(block["x"] in ("auto", "scroll") for block in blocks if block["over"])
    finally:
        tab.context.close()


def test_sections_without_code_use_the_full_width_and_plots_show_at_drawn_size(site):
    tab = _open(site, RESULTS)
    try:
        notes = tab.evaluate("document.querySelector('.notes-only .notes').getBoundingClientRect().width")
        assert notes > 1000
        images = tab.evaluate("""() => [...document.querySelectorAll('.notes img')].map(i => ({
            src: i.getAttribute('src'), width: +i.getAttribute('width'),
            height: +i.getAttribute('height'), shown: i.getBoundingClientRect().width,
            link: i.parentElement.localName === 'a' ? i.parentElement.getAttribute('href') : ''}))""")
        assert images
        for image in images:
            assert image["width"] and image["height"], image          # nothing moves as it loads
            # matplotlib's 10 pt tick labels are 13.3 px at the drawn size: >= 11 px shown
            assert image["shown"] >= image["width"] * 11 / 13.34, image
            assert image["link"] == image["src"], image                 # opens larger on a click
    finally:
        tab.context.close()


def _image_luminance(tab, selector):
    from PIL import Image
    shot = tab.locator(selector).first.screenshot()
    pixels = Image.open(io.BytesIO(shot)).convert("L")
    histogram = pixels.histogram()
    return sum(value * count for value, count in enumerate(histogram)) / sum(histogram) / 255


def test_plots_follow_the_theme(site):
    light = _open(site, RESULTS, color_scheme="light")
    dark = _open(site, RESULTS, color_scheme="dark")
    try:
        assert _image_luminance(light, ".notes img") > 0.7
        assert _image_luminance(dark, ".notes img") < 0.4
        # the toggle too, not only the system setting
        dark.click("button[data-theme-toggle]")
        assert _image_luminance(dark, ".notes img") > 0.7
    finally:
        light.context.close()
        dark.context.close()


def test_print_is_light_and_code_wraps(site):
    tab = _open(site, "index.html", color_scheme="dark")
    try:
        tab.evaluate("document.documentElement.dataset.theme = 'dark'")
        assert bh.luminance(bh.computed_background(tab)) < 0.1
        tab.emulate_media(media="print")
        assert bh.luminance(bh.computed_background(tab)) > 0.9
        text = tab.evaluate("getComputedStyle(document.querySelector('.notes p')).color")
        assert bh.luminance(text) < 0.1
        assert tab.evaluate("getComputedStyle(document.querySelector('.code .line')).whiteSpace") == "pre-wrap"
    finally:
        tab.context.close()


@pytest.mark.parametrize("scheme, label, after", [("light", "Dark theme", "Light theme"),
                                                 ("dark", "Light theme", "Dark theme")])
def test_theme_toggle_says_what_a_click_does(site, scheme, label, after):
    tab = _open(site, "index.html", color_scheme=scheme)
    try:
        button = tab.locator("button[data-theme-toggle]")
        icon = lambda: tab.evaluate(  # noqa: E731
            "getComputedStyle(document.querySelector('.theme-icon'), '::before').content")
        sun, moon = '"☀"', '"☾"'
        assert button.inner_text().strip().endswith(label)
        assert icon() == (moon if label == "Dark theme" else sun)
        button.click()
        assert button.inner_text().strip().endswith(after)
        assert icon() == (moon if after == "Dark theme" else sun)
    finally:
        tab.context.close()


def test_line_numbers_reach_4_5_to_1_contrast(site):
    for scheme in ("light", "dark"):
        tab = _open(site, "index.html", color_scheme=scheme)
        try:
            number = tab.evaluate("getComputedStyle(document.querySelector('.code .ln'), '::before').color")
            background = tab.evaluate("getComputedStyle(document.querySelector('.code')).backgroundColor")
            lighter, darker = sorted((bh.luminance(number), bh.luminance(background)), reverse=True)
            assert (lighter + 0.05) / (darker + 0.05) >= 4.5, scheme
        finally:
            tab.context.close()


@pytest.mark.parametrize("page", ["index.html", "si/index.html"])
def test_table_of_contents_links_headings_on_the_page(site, page):
    tab = _open(site, page)
    try:
        targets = tab.evaluate("[...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href'))")
        assert len(targets) >= 3
        for target in targets:
            assert tab.locator(f"[id='{target[1:]}']").count() == 1, target
        assert tab.evaluate("document.getElementById('site-toc').open") is True     # beside the text at 1280
    finally:
        tab.context.close()
    narrow = _open(site, page, bh.TABLET)
    try:
        assert narrow.evaluate("document.getElementById('site-toc').open") is False  # folded at 768
    finally:
        narrow.context.close()
    wide = _open(site, page, {"width": 1500, "height": 900})
    try:
        assert wide.evaluate("document.getElementById('site-toc').open") is True    # beside the text
        assert wide.evaluate("getComputedStyle(document.querySelector('nav.toc')).position") == "sticky"
    finally:
        wide.context.close()


def test_copy_button_copies_the_code_without_line_numbers(site):
    tab = _open(site, "large.html", permissions=["clipboard-read", "clipboard-write"])
    try:
        button = tab.locator(".code .copy-button").first
        button.click()
        copied = tab.evaluate("navigator.clipboard.readText()")
        numbers = tab.evaluate("[...document.querySelector('.code pre').querySelectorAll('.ln')]"
                               ".map(n => +n.dataset.line)")
        source = (bh.DOCS / "src" / "labml_nn_distill" / "large.py").read_text(encoding="utf-8").splitlines()
        assert copied == "\n".join(source[n - 1] for n in numbers) + "\n"
        assert button.inner_text() == "Copied"
    finally:
        tab.context.close()


def test_language_switcher_keeps_the_section(site):
    _need(DERIVATION)
    tab = site.new_page()
    try:
        anchor = None
        tab.goto(site.server.url(DERIVATION), wait_until="load")
        anchor = tab.evaluate("document.querySelectorAll('section.section')[4].id")
        tab.goto(site.server.url(DERIVATION) + "#" + anchor, wait_until="load")
        tab.click("body a[hreflang='si']")
        tab.wait_for_url(f"**/si/{DERIVATION}#{anchor}")
        assert tab.locator(f"[id='{anchor}']").count() == 1
    finally:
        tab.context.close()


@pytest.mark.parametrize("page, query", [("index.html", "temperature"), ("si/index.html", "උෂ්ණත්වය")])
def test_search_from_file_url_finds_the_word_and_lands_on_its_section(site, page, query):
    _need(page)
    tab = site.new_page()
    try:
        tab.goto((bh.DOCS / page).as_uri(), wait_until="load")
        first = bh.type_search(tab, query)
        href = first.get_attribute("href")
        assert "#" in href
        first.click()
        tab.wait_for_url("**#*")
        anchor = tab.url.split("#", 1)[1]
        assert tab.locator(f"[id='{anchor}']").count() == 1
        section = tab.locator(f"[id='{anchor}']").first.inner_text()
        assert query.lower() in section.lower()
    finally:
        tab.context.close()


def test_the_browser_reads_the_gzipped_search_index_as_python_wrote_it(site):
    """static/search-<lang>.js sets a string, the index's JSON gzipped as base64; Chromium's
    DecompressionStream, from file://, gives back the index Python wrote, Sinhala included."""
    from annotated_docs.search_index import unpack
    _need("si/index.html")
    tab = site.new_page()
    try:
        tab.goto((bh.DOCS / "si/index.html").as_uri(), wait_until="load")
        tab.focus("#site-search-input")                       # loads the index
        tab.wait_for_function("typeof window.annotatedDocsSearch === 'string'")
        decoded = tab.evaluate("""async () => {
            const binary = atob(window.annotatedDocsSearch);
            const bytes = Uint8Array.from(binary, c => c.charCodeAt(0));
            const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
            return await new Response(stream).json();
        }""")
        assert decoded == unpack((bh.DOCS / "static/search-si.js").read_bytes())
    finally:
        tab.context.close()


def test_math_uses_the_site_math_font(site):
    tab = _open(site, "index.html")
    try:
        tab.evaluate("document.fonts.ready.then(() => true)")
        family = tab.evaluate("getComputedStyle(document.querySelector('math')).fontFamily")
        assert family.startswith('"Site Math"'), family
        assert tab.evaluate("[...document.fonts].some(f => f.family.includes('Site Math') && f.status === 'loaded')")
    finally:
        tab.context.close()
