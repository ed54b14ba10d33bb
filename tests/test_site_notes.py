"""Rendering notes: math, inline code, links, remote images, and the translation key."""
import json
from pathlib import Path

import pytest

from annotated_docs.errors import BuildError
from annotated_docs.notes import page_link, render_notes
from annotated_docs.pages import english_keys, load_page
from annotated_docs.placeholders import protect, restore

REPO = Path(__file__).resolve().parent.parent
SEED = Path("/work/shared/seeds/readme.si.json")
SEED_IN_REPO = REPO / "translations" / "si" / "readme.json"
FIXTURE = Path(__file__).parent / "fixtures" / "tutorial"


def html(markdown):
    return render_notes(markdown, Path("notes.md")).html


def test_inline_math_becomes_mathml():
    assert html("Logits $z_i$ here\n") == \
        "<p>Logits <math><msub><mi>z</mi><mi>i</mi></msub></math> here </p>\n"


def test_display_math_becomes_block_mathml():
    rendered = html("Before\n\n$$\nT^2\n$$\n\nAfter\n")
    assert '<math display="block"><msup><mi>T</mi><mn>2</mn></msup></math>\n' in rendered


def test_invalid_latex_names_file_line_and_expression():
    with pytest.raises(BuildError) as raised:
        render_notes("Fine line\n\nBad $\\frac{a$ here\n", Path("tutorial/x.py"), first_line=10)
    message = str(raised.value)
    assert "tutorial/x.py:12" in message and "\\frac{a" in message and "LaTeX" in message


def test_inline_code_is_highlighted_as_python():
    assert html("Call `f(x=1)`\n") == (
        '<p>Call <code class="highlight"><span class="n">f</span><span class="p">(</span>'
        '<span class="n">x</span><span class="o">=</span><span class="mi">1</span>'
        '<span class="p">)</span></code> </p>\n')


def test_links_to_sources_are_rewritten_to_pages():
    rendered = html("[a](large.py) [b](readme.md#x) [c](sub/__init__.py) [d](https://x.org/a.py)\n")
    assert 'href="large.html"' in rendered and 'href="readme.html#x"' in rendered
    assert 'href="sub/index.html"' in rendered and 'href="https://x.org/a.py"' in rendered
    assert page_link("#anchor") == "#anchor"


def test_remote_image_is_a_text_link_and_a_span_inside_a_link():
    alone = html("![Badge](https://img.example/b.svg)\n")
    assert '<a class="remote-image" href="https://img.example/b.svg">Badge</a>' in alone
    inside = html("[![Badge](https://img.example/b.svg)](https://example.org)\n")
    assert "<img" not in inside and inside.count("<a ") == 1
    assert '<span class="remote-image"' in inside and ">Badge</span>" in inside


def test_placeholders_protect_math_code_and_images_in_order_and_restore():
    rendered = html("$a$ and `b` and ![i](https://x/i.png)\n\n```\nc = 1\n```\n")
    key, fragments = protect(rendered)
    assert [key.count(f"_^_{n}_^_") for n in range(4)] == [1, 1, 1, 1]
    assert fragments[0].startswith("<math") and fragments[1].startswith("<code")
    assert fragments[3].startswith("<pre")
    assert restore(key, fragments) == rendered


def test_apostrophes_are_escaped_as_python_html_escape_does():
    assert html("It's\n") == "<p>It&#x27;s </p>\n"


def _seed():
    path = SEED if SEED.exists() else SEED_IN_REPO
    if not path.exists():
        pytest.skip("no seed translation file")
    return json.loads(path.read_text(encoding="utf-8"))


def _assert_readme_keys(readme: Path):
    seed = _seed()
    page = load_page(readme, readme.parent)
    keys = english_keys(page)
    section_key = [key for key in seed if key.startswith("<h1>")][0]
    assert page.title == "Distilling the Knowledge in a Neural Network"
    assert keys[0] in seed
    assert keys[1] == section_key      # byte-equal, including the space before the last </p>
    assert keys == [keys[0], section_key]


def test_readme_fixture_key_equals_the_seed_key():
    _assert_readme_keys(FIXTURE / "readme.md")


def test_tutorial_readme_key_equals_the_seed_key():
    readme = REPO / "labml_nn_distill" / "readme.md"
    if not readme.exists():
        pytest.skip("labml_nn_distill/readme.md is not written yet")
    _assert_readme_keys(readme)


def test_front_matter_gives_title_and_summary_and_broken_front_matter_names_the_line(tmp_path):
    page = load_page(FIXTURE / "large.py", FIXTURE)
    assert (page.title, page.summary) == ("The large model", "A large model that generalises well.")
    bad = tmp_path / "bad.py"
    bad.write_text('"""\n---\ntitle: [unclosed\n---\n\nText\n"""\n', encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        load_page(bad, tmp_path)
    assert "front matter" in str(raised.value) and str(bad) in str(raised.value)


def test_non_utf8_source_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"fine\nbad \xff byte\n")
    with pytest.raises(BuildError) as raised:
        load_page(bad, tmp_path)
    assert raised.value.line == 2 and "UTF-8" in str(raised.value)


TRICKY_NOTES = [
    "It's the teacher's \"soft\" target & more <than> that.",
    "A [link](large.py#it's) and ![an image's alt](https://example.org/x.png 'it''s').",
    "Math with a prime $f'(x)$ and display $$\\frac{a'}{b}$$ and `code's` here.",
    "Raw <em title='single'>HTML</em> with <br/> and an entity &copy; &#39; &quot;",
    "<div align=right>\n\nblock <b>raw</b>\n\n</div>\n\n<!-- a comment -->",
    "```python\nx = 'a' if y else \"b\"\n```",
]


@pytest.mark.parametrize("markdown", TRICKY_NOTES)
def test_rendered_notes_are_already_canonical(markdown):
    from annotated_docs.canonical import canonicalise
    rendered = html(markdown)
    assert canonicalise(rendered) == rendered


def test_every_section_of_the_tutorial_is_rendered_canonical():
    """The fast path (no re-parse without raw HTML) gives what the full canonicaliser gives,
    on every note of the tutorial and of the fixture: translation keys depend on it."""
    from annotated_docs.canonical import canonicalise
    checked = 0
    for root in (REPO / "labml_nn_distill", FIXTURE):
        for file in sorted([*root.rglob("*.py"), *root.rglob("*.md")]):
            if "__pycache__" in file.parts:
                continue
            for section in load_page(file, root, "").sections:
                assert canonicalise(section.notes_html) == section.notes_html, (file, section)
                checked += 1
    assert checked > 200


def test_a_markdown_table_in_the_notes_becomes_a_table():
    """The speech page's Table 1 showed as a paragraph of pipes while only CommonMark was on"""
    rendered = html("| system | accuracy |\n|---|---|\n| baseline | 58.9 % |\n| ensemble of $10$ | 61.1 % |\n")
    assert rendered.count("<table>") == 1 and "<th>system</th>" in rendered and "<td>58.9 %</td>" in rendered
    assert "<math" in rendered and "|---|" not in rendered


def test_the_committed_speech_page_shows_its_table():
    page = (REPO / "docs" / "paper" / "speech_and_jft.html").read_text()
    assert "<table>" in page and "|---|" not in page
