"""The temperature explorer on "Dark knowledge, shown", in headless Chromium: the teacher's
real logits from the page's results JSON, a softmax computed in the browser that matches one
computed here in Python, a slider from T = 0.5 to 50 moved by the keyboard, the entropy and
the 1/T and 1/T^2 scales, in both themes, in Sinhala and from file://."""
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402

PAGE = "paper/dark_knowledge.html"
RESULTS = bh.REPO / "labml_nn_distill" / "paper" / "results" / "dark_knowledge.json"


def softmax(logits, temperature):
    top = max(logits)
    exps = [math.exp((z - top) / temperature) for z in logits]
    return [e / sum(exps) for e in exps]


def _open(site, page=PAGE, **kwargs):
    if page not in PAGES:
        skip_or_fail(f"{page} is missing from {bh.DOCS}")
    tab = site.new_page(**kwargs)
    tab.goto((bh.DOCS / page).as_uri(), wait_until="load")        # from disk, offline
    if not tab.locator(".temperature-explorer").count():
        pytest.fail(f"{page} has no temperature explorer")
    return tab


def _shown(tab):
    return tab.evaluate("""() => {
        const figure = document.querySelector('.temperature-explorer');
        const bars = [...figure.querySelectorAll('.explorer-bars li')];
        return {temperature: +figure.dataset.temperature, digit: +figure.dataset.digit,
                probabilities: bars.map(li => +li.dataset.probability),
                widths: bars.map(li => li.querySelector('.explorer-bar span').getBoundingClientRect().width
                                       / li.querySelector('.explorer-bar').getBoundingClientRect().width),
                entropy: +figure.querySelector('[data-entropy]').textContent,
                inverse: +figure.querySelector('[data-inverse]').textContent,
                inverseSquare: +figure.querySelector('[data-inverse-square]').textContent,
                label: figure.querySelector('output').textContent};
    }""")


def _check_against_python(shown, digits):
    digit = next(d for d in digits if d["index"] == shown["digit"])
    expected = softmax(digit["logits"], shown["temperature"])
    assert shown["probabilities"] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert shown["widths"] == pytest.approx(expected, abs=0.01)
    entropy = -sum(p * math.log(p) for p in expected if p > 0)
    assert shown["entropy"] == pytest.approx(entropy, abs=0.0006)
    assert shown["inverse"] == pytest.approx(1 / shown["temperature"], rel=0.005)
    assert shown["inverseSquare"] == pytest.approx(1 / shown["temperature"] ** 2, rel=0.005)


def test_the_slider_moves_by_keyboard_and_the_bars_are_the_softmax_of_the_jsons_logits(site):
    digits = json.loads(RESULTS.read_text())["digits"]
    tab = _open(site)
    try:
        _check_against_python(_shown(tab), digits)
        slider = tab.locator("#explorer-temperature")
        slider.focus()
        tab.keyboard.press("Home")
        low = _shown(tab)
        assert low["temperature"] == 0.5 and low["label"] == "0.5"
        _check_against_python(low, digits)
        tab.keyboard.press("End")
        high = _shown(tab)
        assert high["temperature"] == 50
        _check_against_python(high, digits)
        for _ in range(5):
            tab.keyboard.press("ArrowLeft")
        moved = _shown(tab)
        assert 40 < moved["temperature"] < 50
        _check_against_python(moved, digits)
        # softer targets at a higher temperature: more entropy, up to ln 10
        assert low["entropy"] < moved["entropy"] <= high["entropy"] < math.log(10)
        # another digit, chosen with the keyboard too
        tab.locator(".explorer-digits input").nth(2).focus()
        tab.keyboard.press("Space")
        other = _shown(tab)
        assert other["digit"] == digits[2]["index"]
        _check_against_python(other, digits)
    finally:
        tab.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_explorer_fits_a_phone_in_both_themes(site, scheme):
    tab = _open(site, viewport=bh.MOBILE, color_scheme=scheme)
    try:
        box = tab.evaluate("""() => {
            const r = document.querySelector('.temperature-explorer').getBoundingClientRect();
            return {left: r.left, right: r.right, width: window.innerWidth,
                    scroll: document.documentElement.scrollWidth};
        }""")
        assert box["left"] >= 0 and box["right"] <= box["width"] and box["scroll"] <= box["width"]
        bar = tab.evaluate("getComputedStyle(document.querySelector('.explorer-bar span')).backgroundColor")
        track = tab.evaluate("getComputedStyle(document.querySelector('.explorer-bar')).backgroundColor")
        lighter, darker = sorted((bh.luminance(bar), bh.luminance(track)), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 3, (scheme, bar, track)
        text = tab.evaluate("getComputedStyle(document.querySelector('.explorer-value')).color")
        background = bh.computed_background(tab)
        assert (bh.luminance(text) > 0.5) == (scheme == "dark") and (bh.luminance(background) > 0.5) == (scheme == "light")
    finally:
        tab.context.close()


def test_the_explorer_speaks_sinhala_and_computes_the_same(site):
    digits = json.loads(RESULTS.read_text())["digits"]
    tab = _open(site, "si/" + PAGE)
    try:
        caption = tab.locator(".temperature-explorer figcaption").inner_text()
        assert any("\u0d80" <= character <= "\u0dff" for character in caption), caption
        tab.locator("#explorer-temperature").focus()
        tab.keyboard.press("PageUp")
        _check_against_python(_shown(tab), digits)
    finally:
        tab.context.close()
