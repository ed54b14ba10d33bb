"""How the site looks and behaves for a reader, in headless Chromium: two columns on a
desktop and one on a phone, light/dark following the system with a toggle that is
remembered, a language switcher that keeps the page, and Sinhala set in a Sinhala font.

Hooks relied upon (documented in tests/browser/FINDINGS.md, kept stable by the generator):
NOTES/CODE column selectors, THEME_TOGGLE, `a[hreflang]` in the body for the switcher.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402

# A section's notes and its code: the first selector that matches on the page is used.
NOTES = [".section .notes", ".section .docs", "[data-notes]", ".notes", ".docs"]
CODE = [".section .code", "[data-code]", ".code"]
SECTION = ["section.section", ".section", "section[id]", "[data-section]"]
THEME_TOGGLE = ["button[data-theme-toggle]", "button#theme-toggle", ".theme-toggle",
                "button[aria-pressed]"]
SWITCHER = "body a[hreflang='{lang}']"
SINHALA = r"[\u0D80-\u0DFF]"

LAYOUT_PAGES = ["index.html", "si/index.html"]
MOBILE_PAGES = ["index.html", "readme.html", "si/index.html", "si/readme.html"]


def _first_selector(page, candidates, what):
    for selector in candidates:
        if page.locator(selector).count():
            return selector
    pytest.fail(f"{page.url}: no {what} found (tried {candidates})")


def _open(site, page_path, viewport=bh.DESKTOP, color_scheme="light"):
    if page_path not in PAGES:
        if not PAGES:
            skip_or_fail(f"no HTML pages under {bh.DOCS}")
        pytest.fail(f"{page_path} is missing from {bh.DOCS}")
    tab = site.new_page(viewport=viewport, color_scheme=color_scheme)
    tab.goto(site.server.url(page_path), wait_until="load")
    return tab


_COLUMNS_JS = """([sectionSel, notesSel, codeSel]) => {
  const out = [];
  for (const s of document.querySelectorAll(sectionSel)) {
    const n = s.querySelector(notesSel), c = s.querySelector(codeSel);
    if (!n || !c) continue;
    const nr = n.getBoundingClientRect(), cr = c.getBoundingClientRect();
    if (!nr.width || !cr.width || !nr.height || !cr.height) continue;
    out.push({id: s.id, notes: {l: nr.left, r: nr.right, t: nr.top, b: nr.bottom, w: nr.width},
              code: {l: cr.left, r: cr.right, t: cr.top, b: cr.bottom, w: cr.width}});
  }
  return out;
}"""


def _sections_with_both(tab):
    section = _first_selector(tab, SECTION, "section")
    notes = _first_selector(tab, NOTES, "notes column")
    code = _first_selector(tab, CODE, "code column")
    # the notes/code selectors are written relative to the section when they start with it
    rel = lambda s: s.split(" ", 1)[1] if s.split(" ", 1)[0] in (section, ".section") else s  # noqa: E731
    pairs = tab.evaluate(_COLUMNS_JS, [section, rel(notes), rel(code)])
    assert pairs, f"{tab.url}: no section with both notes and code"
    return pairs


@pytest.mark.parametrize("page_path", LAYOUT_PAGES)
def test_notes_and_code_side_by_side_at_1280px(site, page_path):
    tab = _open(site, page_path, bh.DESKTOP)
    try:
        wrong = []
        for p in _sections_with_both(tab):
            n, c = p["notes"], p["code"]
            side_by_side = n["r"] <= c["l"] + 1 and n["t"] < c["b"] and c["t"] < n["b"]
            if not side_by_side or n["w"] < 250 or c["w"] < 400:
                wrong.append(f"#{p['id']}: notes {n} code {c}")
        assert not wrong, (f"{page_path} at 1280px: notes not left of code in "
                           f"{len(wrong)} section(s):\n  " + "\n  ".join(wrong[:5]))
    finally:
        tab.context.close()


@pytest.mark.parametrize("page_path", LAYOUT_PAGES)
def test_notes_and_code_stack_at_390px(site, page_path):
    tab = _open(site, page_path, bh.MOBILE)
    try:
        wrong = []
        for p in _sections_with_both(tab):
            n, c = p["notes"], p["code"]
            if not (c["t"] >= n["b"] - 1 and n["w"] > 300 and c["w"] > 300):
                wrong.append(f"#{p['id']}: notes {n} code {c}")
        assert not wrong, (f"{page_path} at 390px: notes and code not stacked full-width in "
                           f"{len(wrong)} section(s):\n  " + "\n  ".join(wrong[:5]))
    finally:
        tab.context.close()


CODE_LINE = ".code .line"


@pytest.mark.parametrize("page_path", LAYOUT_PAGES)
def test_code_lines_are_single_spaced(site, page_path):
    """Consecutive source lines in the code column follow each other with no blank gap
    (a `display: block` line that also keeps its newline inside <pre> doubles the spacing)."""
    tab = _open(site, page_path, bh.DESKTOP)
    try:
        gaps = tab.evaluate("""(sel) => {
          const out = [];
          for (const pre of document.querySelectorAll('.code pre')) {
            const lines = [...pre.querySelectorAll(sel.split(' ').pop())];
            for (let i = 1; i < lines.length; i++) {
              const a = lines[i - 1].getBoundingClientRect(), b = lines[i].getBoundingClientRect();
              out.push({id: lines[i].id, gap: b.top - a.bottom, height: a.height});
            }
          }
          return out;
        }""", CODE_LINE)
        assert gaps, f"{page_path}: no consecutive code lines ({CODE_LINE})"
        wide = [g for g in gaps if g["gap"] > 2]
        assert not wide, (f"{page_path}: {len(wide)} of {len(gaps)} code lines start "
                          f"{wide[0]['gap']:.0f} px below the previous line's bottom (line box "
                          f"{wide[0]['height']:.0f} px), e.g. #{wide[0]['id']}: double spacing")
    finally:
        tab.context.close()


@pytest.mark.parametrize("page_path", MOBILE_PAGES)
def test_no_horizontal_page_scroll_at_390px(site, page_path):
    """On a phone the page itself never scrolls sideways (long code lines and display math
    scroll inside their own box)."""
    tab = _open(site, page_path, bh.MOBILE)
    try:
        overflow = tab.evaluate("""() => {
          const vw = document.documentElement.clientWidth;
          const wide = [];
          for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > vw + 1 && r.width > 0) {
              let p = el.parentElement, clipped = false;
              while (p && p !== document.body) {
                const o = getComputedStyle(p).overflowX;
                if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { clipped = true; break; }
                p = p.parentElement;
              }
              if (!clipped) wide.push(el.localName + (el.id ? '#' + el.id : '') +
                  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                  ' right=' + Math.round(r.right));
            }
          }
          return {scrollWidth: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 8)};
        }""")
        assert overflow["scrollWidth"] <= overflow["vw"] + 1, (
            f"{page_path} at 390px scrolls sideways: scrollWidth {overflow['scrollWidth']} > "
            f"{overflow['vw']}; widest unclipped elements: {overflow['wide']}")
    finally:
        tab.context.close()


# ------------------------------------------------------------------------------ light/dark

def _assert_pressed_matches(tab, toggle, luminance):
    """When the toggle is a pressed/unpressed button, pressed means dark."""
    pressed = tab.locator(toggle).first.get_attribute("aria-pressed")
    if pressed is not None:
        assert pressed == ("true" if luminance < 0.2 else "false"), (
            f"{toggle} aria-pressed={pressed!r} while the background luminance is {luminance:.2f}")


def test_theme_follows_the_system_setting(site):
    backgrounds = {}
    for scheme in ("light", "dark"):
        tab = _open(site, "index.html", color_scheme=scheme)
        try:
            backgrounds[scheme] = bh.computed_background(tab)
        finally:
            tab.context.close()
    light, dark = (bh.luminance(backgrounds[s]) for s in ("light", "dark"))
    assert light > 0.5 and dark < 0.2, f"backgrounds by system scheme: {backgrounds}"


@pytest.mark.parametrize("system", ["light", "dark"])
def test_theme_toggle_switches_and_is_remembered(site, system):
    tab = _open(site, "index.html", color_scheme=system)
    try:
        toggle = _first_selector(tab, THEME_TOGGLE, "theme toggle")
        button = tab.locator(toggle).first
        assert button.is_visible(), f"theme toggle {toggle} is not visible"
        start = bh.luminance(bh.computed_background(tab))
        _assert_pressed_matches(tab, toggle, start)

        button.click()
        tab.wait_for_timeout(50)
        flipped = bh.luminance(bh.computed_background(tab))
        assert (flipped < 0.2) if system == "light" else (flipped > 0.5), (
            f"toggle under a {system} system: background luminance {start:.2f} -> {flipped:.2f}")
        _assert_pressed_matches(tab, toggle, flipped)
        stored = tab.evaluate("() => Object.assign({}, localStorage)")
        assert stored, "the toggle stored nothing in localStorage"

        tab.reload(wait_until="load")
        after_reload = bh.luminance(bh.computed_background(tab))
        assert abs(after_reload - flipped) < 0.01, (
            f"theme not remembered across reload: {flipped:.2f} -> {after_reload:.2f} "
            f"(localStorage {stored})")
        _assert_pressed_matches(tab, toggle, after_reload)

        # remembered on the other pages (and languages) of the site too
        tab.goto(site.server.url("si/readme.html" if "si/readme.html" in PAGES else "readme.html"),
                 wait_until="load")
        elsewhere = bh.luminance(bh.computed_background(tab))
        assert abs(elsewhere - flipped) < 0.01, "the chosen theme is not kept on another page"

        tab.locator(toggle).first.click()
        tab.wait_for_timeout(50)
        back = bh.luminance(bh.computed_background(tab))
        assert abs(back - start) < 0.01, f"second click did not go back: {start:.2f} -> {back:.2f}"
    finally:
        tab.context.close()


def test_theme_toggle_state_is_exposed_to_assistive_tech(site):
    """The toggle is a button with an accessible name whose state (aria-pressed or its
    label) changes when pressed."""
    tab = _open(site, "index.html")
    try:
        toggle = tab.locator(_first_selector(tab, THEME_TOGGLE, "theme toggle")).first
        assert toggle.evaluate("e => e.localName") == "button", "the theme toggle is not a <button>"
        state = lambda: toggle.evaluate(  # noqa: E731
            "e => [e.getAttribute('aria-pressed'), e.getAttribute('aria-label'), e.textContent.trim(), e.title]")
        before = state()
        assert before[1] or before[2] or before[3], "the theme toggle has no accessible name"
        toggle.click()
        tab.wait_for_timeout(50)
        assert state() != before, f"the toggle's state/label did not change when pressed: {before}"
    finally:
        tab.context.close()


# -------------------------------------------------------------------------- language switch

@pytest.mark.parametrize("page", need_pages(EN_PAGES))
def test_language_switcher_goes_to_si_and_back_on_the_same_page(site, page):
    if page is None:
        skip_or_fail(f"no HTML pages under {bh.DOCS}")
    tab = _open(site, page)
    try:
        to_si = tab.locator(SWITCHER.format(lang="si")).first
        assert to_si.count(), f"{page}: no language switcher link {SWITCHER.format(lang='si')}"
        to_si.click()
        tab.wait_for_load_state("load")
        assert tab.url == site.server.url("si/" + page), f"{page}: switcher went to {tab.url}"
        assert tab.evaluate("document.documentElement.lang") == "si"

        to_en = tab.locator(SWITCHER.format(lang="en")).first
        assert to_en.count(), f"si/{page}: no language switcher link {SWITCHER.format(lang='en')}"
        to_en.click()
        tab.wait_for_load_state("load")
        assert tab.url == site.server.url(page), f"si/{page}: switcher went to {tab.url}"
        assert tab.evaluate("document.documentElement.lang") == "en"
    finally:
        tab.context.close()


# ------------------------------------------------------------------------------ Sinhala font

_MARK_SINHALA_JS = r"""(pattern) => {
  const re = new RegExp(pattern);
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
  let best = null, bestCount = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const count = [...node.data].filter(ch => re.test(ch)).length;
    if (count > bestCount) { best = node; bestCount = count; }
  }
  if (!best) return null;
  best.parentElement.setAttribute('data-browser-test-sinhala', '');
  const r = best.parentElement.getBoundingClientRect();
  return {count: bestCount, text: best.data.trim().slice(0, 40), width: r.width, height: r.height,
          tag: best.parentElement.localName};
}"""


@pytest.mark.parametrize("page", need_pages(SI_PAGES))
def test_sinhala_text_renders_in_a_sinhala_font(site, page):
    """The Sinhala of the page is drawn by a font with Sinhala glyphs (as Chromium reports
    through CDP CSS.getPlatformFontsForNode), not by a tofu/last-resort fallback."""
    if page is None:
        skip_or_fail(f"no HTML pages under {bh.DOCS}")
    tab = _open(site, page)
    try:
        found = tab.evaluate(_MARK_SINHALA_JS, SINHALA)
        assert found, f"{page}: no Sinhala text in <main>"
        fonts = bh.platform_fonts(tab, "[data-browser-test-sinhala]")
        sinhala = [f for f in fonts if "sinhala" in f["familyName"].lower()
                   or "lklug" in f["familyName"].lower()]
        assert sinhala and sum(f["glyphCount"] for f in sinhala) > 0, (
            f"{page}: Sinhala text {found['text']!r} drawn with {fonts}, no Sinhala font")
        assert not any("last resort" in f["familyName"].lower() for f in fonts), fonts
    finally:
        tab.context.close()


def _font_families(fonts):
    return sorted({f["familyName"] for f in fonts if f["glyphCount"]})


@pytest.mark.parametrize("page", need_pages(SI_PAGES))
def test_english_fallback_on_sinhala_pages_uses_the_english_font(site, page):
    """A section not yet translated is shown in English and marked `lang="en"`: its
    paragraphs (or list items) are set in the fonts the English page uses for the same text;
    no glyph (spaces, digits, punctuation) comes from the Sinhala font stack."""
    if page is None:
        skip_or_fail(f"no HTML pages under {bh.DOCS}")
    compared = []
    si_tab = _open(site, page)
    en_tab = _open(site, bh.english_page(page))
    try:
        for tag in ("p", "li"):
            selector = f"section[id] .notes[lang='en'] {tag}:not([lang])"
            if not si_tab.locator(selector).count():
                continue
            si_font = _font_families(bh.platform_fonts(si_tab, selector))
            section = si_tab.locator(selector).first.evaluate("e => e.closest('section[id]').id")
            en_font = _font_families(bh.platform_fonts(
                en_tab, f"section[id='{section}'] .notes {tag}:not([lang])"))
            compared.append(f"<{tag}> in #{section}")
            assert si_font == en_font, (
                f"{page}: English fallback text (<{tag}> in section #{section}) is drawn in "
                f"{si_font!r}; the English page draws the same text in {en_font!r}")
    finally:
        si_tab.context.close()
        en_tab.context.close()
    if not compared:
        pytest.skip(f"{page}: no English fallback text (fully translated)")
