"""What the generator adds for a reader beyond the notes and code: heading ids and the
table of contents, the search index, scroll boxes, image sizes, the math font, notebooks,
and the links that need --base-url / --repo-url."""
import ast
import json
import shutil
from pathlib import Path

import pytest

from annotated_docs import fonts, outline
from annotated_docs.build import BuildFailed, build
from annotated_docs.notebook import notebook_cells, render_notebook
from annotated_docs.search_index import unpack as unpack_search_index

FIXTURE = Path(__file__).parent / "fixtures" / "tutorial"
REPO = Path(__file__).resolve().parent.parent


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture
def site(tmp_path):
    source = tmp_path / "tutorial"
    shutil.copytree(FIXTURE, source)
    (source / "intro.md").write_text("# Intro\n\nWords about *soft targets*.\n\n## Soft targets\n\n"
                                     "More.\n\n<table><tr><td>a</td><td>b</td></tr></table>\n\n$$x^2$$\n\n## Hard labels\n\nLast.\n",
                                     encoding="utf-8")
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    (translations / "si" / "_site.json").write_text('{"@name": "සිංහල", "@ready": "yes"}',
                                                    encoding="utf-8")
    return source, tmp_path / "docs", translations


def translate_intro(out: Path, translations: Path) -> None:
    """A Sinhala intro.json whose keys are the English notes as the build spells them."""
    from annotated_docs.pages import load_page
    page = load_page(out.parent / "tutorial" / "intro.md", out.parent / "tutorial", "")
    key = page.sections[0].translation_key
    value = (key.replace("<h1>Intro</h1>", "<h1>හැඳින්වීම</h1>")
             .replace("Words about", "ගැන වචන").replace("<h2>Soft targets</h2>", "<h2>මෘදු ඉලක්ක</h2>")
             .replace("More.", "තවත්.").replace("<h2>Hard labels</h2>", "<h2>දෘඩ ලේබල</h2>"))
    catalog = {"Intro": "හැඳින්වීම", key: value}
    (translations / "si" / "intro.json").write_text(json.dumps(catalog, ensure_ascii=False),
                                                    encoding="utf-8")


def search_index(path: Path) -> dict:
    """The index object a search-<lang>.js holds (gzipped JSON as base64, see search_index)."""
    return unpack_search_index(path.read_bytes())


# ----------------------------------------------------------------------- headings and TOC

def test_headings_after_the_first_get_the_english_slug_in_every_language():
    english = "<h1>Intro</h1><p>x</p><h2>Soft targets</h2><h3>Why <em>T</em></h3>"
    sinhala = "<h1>හැඳින්වීම</h1><p>x</p><h2>මෘදු ඉලක්ක</h2><h3>ඇයි <em>T</em></h3>"
    ids = outline.heading_ids(english, sinhala, "intro", {"intro"})
    assert ids == ["intro", "soft-targets", "why-t"]
    shown = outline.with_heading_ids(sinhala, ids)
    assert '<h1>හැඳින්වීම</h1>' in shown            # the section carries the first one's anchor
    assert '<h2 id="soft-targets">මෘදු ඉලක්ක</h2>' in shown
    assert [(entry.level, entry.anchor) for entry in outline.toc_entries(sinhala, ids)] == \
        [(2, "soft-targets"), (3, "why-t")]


def test_a_heading_slug_already_taken_gets_a_number():
    ids = outline.heading_ids("<h1>A</h1><h2>Loss</h2><h2>Loss</h2>", "<h1>A</h1><h2>L</h2><h2>L</h2>",
                              "a", {"a", "loss"})
    assert ids == ["a", "loss-2", "loss-3"]


def test_slugs_are_the_ones_github_gives_the_same_markdown_heading():
    """A link written for the Markdown on GitHub (`results.md#the-papers-mnist-experiment`)
    finds the same heading on the site."""
    assert outline.slug("The paper's MNIST experiment") == "the-papers-mnist-experiment"
    assert outline.slug("The teacher\u2019s targets") == "the-teachers-targets"
    assert outline.slug("Loss, with T = 20!") == "loss-with-t-20"


def test_page_has_a_linked_table_of_contents_in_both_languages(site):
    source, out, translations = site
    build(source, out, translations)
    translate_intro(out, translations)
    build(source, out, translations)
    for page in ("intro.html", "si/intro.html"):
        html_text = text(out / page)
        assert '<h2 id="soft-targets">' in html_text, page
        assert '<a href="#soft-targets">' in html_text, page
        assert 'class="toc"' in html_text


# ---------------------------------------------------------------------------------- search

def test_search_index_per_language_holds_every_page_with_section_anchors(site):
    source, out, translations = site
    build(source, out, translations)
    translate_intro(out, translations)
    build(source, out, translations)
    english, sinhala = search_index(out / "static/search-en.js"), search_index(out / "static/search-si.js")
    assert {page[0] for page in english["pages"]} == {"index.html", "intro.html", "large.html",
                                                       "readme.html"}
    assert [entry[1:3] for entry in sinhala["entries"] if "තවත්" in entry[3]] == [["මෘදු ඉලක්ක", "soft-targets"]]
    for index, lang in ((english, "en"), (sinhala, "si")):
        for number, _, anchor, *_ in index["entries"]:
            page = index["pages"][number][0]
            assert f'id="{anchor}"' in text(out / page), (lang, page, anchor)


def test_incremental_build_keeps_unchanged_pages_in_the_search_index(site):
    source, out, translations = site
    build(source, out, translations)
    before = search_index(out / "static/search-en.js")
    (source / "intro.md").write_text(text(source / "intro.md").replace("More.", "More words."),
                                     encoding="utf-8")
    build(source, out, translations)
    after = search_index(out / "static/search-en.js")
    assert before["pages"] == after["pages"]
    changed = [entry for entry in after["entries"] if entry not in before["entries"]]
    assert [entry[3] for entry in changed] == ["More words. a b x^2"]
    assert len(after["entries"]) == len(before["entries"])


def test_two_builds_write_the_same_search_index_bytes(site, tmp_path):
    """The index is gzipped with no time in its header: the site stays reproducible."""
    source, out, translations = site
    build(source, out, translations)
    translate_intro(out, translations)
    build(source, out, translations)
    again = tmp_path / "again"
    build(source, again, translations)
    for name in ("search-en.js", "search-si.js"):
        first = (out / "static" / name).read_bytes()
        assert first == (again / "static" / name).read_bytes(), name
        assert first.isascii() and b"H4sI" in first            # gzip, as base64
    assert "තවත්." in json.dumps(search_index(again / "static/search-si.js"), ensure_ascii=False)


def test_the_real_site_index_stays_under_300_kb_per_language(tmp_path):
    out = tmp_path / "docs"
    try:
        build(REPO / "labml_nn_distill", out, REPO / "translations")
    except BuildFailed as failure:
        pytest.skip(f"the tutorial does not build right now: {failure}")
    indexes = sorted(out.glob("static/search-*.js"))
    # One index per published language (English and every language marked ready)
    from annotated_docs.i18n import languages
    assert [index.name for index in indexes] == sorted(f"search-{lang}.js" for lang in languages(REPO / "translations"))
    assert {"search-en.js", "search-si.js", "search-zh.js", "search-ja.js"} <= {index.name for index in indexes}
    for index in indexes:
        assert index.stat().st_size <= 300_000, index.name
        held = search_index(index)                    # the limit is on the file as it ships
        assert len(held["pages"]) > 10 and len(held["entries"]) > 100, index.name


# ----------------------------------------------------------------- scroll boxes and images

def test_wide_tables_and_display_formulas_scroll_in_their_own_box(site):
    source, out, translations = site
    build(source, out, translations)
    page = text(out / "intro.html")
    assert '<div class="scroll-x" tabindex="0" role="region" aria-label="Scrolls sideways"><table>' in page
    assert '<div class="scroll-x" tabindex="0" role="region" aria-label="Scrolls sideways"><math display="block"' in page


@pytest.mark.parametrize("svg, size", [
    ('<svg xmlns="http://www.w3.org/2000/svg" width="504pt" height="324pt"/>', (672, 432)),
    ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80"/>', (120, 80)),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="100%"/>', None),
])
def test_svg_size_in_css_pixels(svg, size):
    assert outline.image_size("plot.svg", svg.encode()) == size


# ------------------------------------------------------------------------------ math font

def test_math_font_subset_is_deterministic_small_and_keeps_the_math_table():
    if not fonts.DEFAULT_MATH_FONT.is_file():
        pytest.skip("fonts-stix is not installed (apt-get install fonts-stix)")
    from fontTools.ttLib import TTFont
    import io
    characters = fonts.math_characters('<math><mi>α</mi><mo>∂</mo><annotation>\\zeta</annotation></math>')
    assert characters == {"α", "∂"}
    first = fonts.subset_woff2(fonts.DEFAULT_MATH_FONT, characters)
    assert first == fonts.subset_woff2(fonts.DEFAULT_MATH_FONT, characters)
    assert len(first) <= 60_000
    font = TTFont(io.BytesIO(first))
    assert "MATH" in font and font.flavor == "woff2"
    cmap = font.getBestCmap()
    assert ord("α") in cmap and ord("∂") in cmap and 0x1D465 in cmap    # 𝑥, as <mi>x</mi> shows
    assert ord("ζ") in cmap           # Greek is always kept; only the annotation had it here


def test_missing_math_font_stops_the_build_with_one_line_naming_it(site, tmp_path):
    source, out, translations = site
    missing = tmp_path / "no-such-font.otf"
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations, math_font=missing)
    message = str(raised.value)
    assert str(missing) in message and "math font not found" in message
    assert "\n" not in message.strip()
    assert not out.exists()


def test_a_font_without_a_math_table_is_refused(site):
    source, out, translations = site
    plain = Path("/usr/share/fonts/truetype/noto/NotoSansSinhala-Regular.ttf")  # fonts-noto-core
    if not plain.is_file():
        pytest.skip("Noto Sans Sinhala is not installed")
    with pytest.raises(BuildFailed, match="no MATH table"):
        build(source, out, translations, math_font=plain)


def test_a_file_that_is_no_font_is_refused(site, tmp_path):
    source, out, translations = site
    (tmp_path / "math.otf").write_bytes(b"not a font")
    with pytest.raises(BuildFailed, match="not a readable OpenType font"):
        build(source, out, translations, math_font=tmp_path / "math.otf")


# ------------------------------------------------------------------------------- notebooks

def test_every_code_cell_of_a_notebook_is_whole_statements():
    for file in sorted((REPO / "labml_nn_distill").rglob("*.py")):
        cells = notebook_cells(text(file), file)
        assert any(kind == "markdown" for kind, _ in cells), file
        for kind, cell in cells:
            if kind == "code":
                ast.parse(cell)       # raises on a cell cut inside a statement


def test_notebook_is_valid_deterministic_and_links_from_its_page(site):
    import nbformat
    source, out, translations = site
    build(source, out, translations)
    notebook = nbformat.reads(text(out / "large.ipynb"), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert "markdown" in kinds and "code" in kinds
    assert "---" not in notebook.cells[0].source        # front matter is not a reader's text
    assert (out / "large.ipynb").read_bytes() == render_notebook(
        text(source / "large.py"), source / "large.py", notebook.metadata["title"], source.resolve().name)
    assert 'href="large.ipynb"' in text(out / "large.html")
    assert 'href="../large.ipynb"' in text(out / "si" / "large.html")
    assert ".ipynb" not in text(out / "readme.html")     # a Markdown page runs nothing


# -------------------------------------------------------------- base URL and repository URL

def test_base_and_repo_url_give_absolute_links_and_social_tags(site):
    source, out, translations = site
    build(source, out, translations, base_url="https://example.org/t/",
          repo_url="https://github.com/owner/repo/")
    page = text(out / "large.html")
    assert '<link rel="canonical" href="https://example.org/t/large.html">' in page
    assert '<meta property="og:url" content="https://example.org/t/large.html">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert 'href="https://github.com/owner/repo/blob/HEAD/tutorial/large.py"' in page
    assert 'href="https://github.com/owner/repo/issues/new?title=' in page


def test_without_base_and_repo_url_nothing_points_nowhere(site):
    source, out, translations = site
    build(source, out, translations)
    page = text(out / "large.html")
    assert "og:" not in page and "twitter:" not in page
    assert "github.com" not in page and "View on GitHub" not in page


def test_repo_url_that_is_not_http_is_an_error(site):
    source, out, translations = site
    with pytest.raises(BuildFailed, match="--repo-url"):
        build(source, out, translations, repo_url="git@github.com:o/r.git")
