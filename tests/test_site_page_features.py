"""What every page offers beyond its notes and code: symbols linked to code (declared once
in the front matter, checked at build time), the Cite block and CITATION.cff, "Edit this
page", "Report a problem", "Open in Colab" and the last-changed date, the temperature
explorer's data, and the index page's weight."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from annotated_docs import citation, history
from annotated_docs.build import BuildFailed, build

FIXTURE = Path(__file__).parent / "fixtures" / "tutorial"
REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


@pytest.fixture
def site(tmp_path):
    source = tmp_path / "tutorial"
    shutil.copytree(FIXTURE, source)
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    return source, tmp_path / "docs", translations


def _with_front_matter(source: Path, lines: str) -> None:
    index = source / "__init__.py"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace("---\n\n# Distilling", lines + "---\n\n# Distilling", 1), encoding="utf-8")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- symbols

def test_symbols_link_formulas_and_code_in_every_language(site):
    source, out, translations = site
    _with_front_matter(source, "symbols:\n  T: temperature\n  z_i: logits\n")
    build(source, out, translations)
    for page in (out / "index.html", out / "si" / "index.html"):
        html = text(page)
        assert '<mi data-symbol="T" tabindex="0">T</mi>' in html
        assert '<msub data-symbol="z_i" tabindex="0"><mi>z</mi><mi>i</mi></msub>' in html
        assert '<span class="n" data-symbol="T">temperature</span>' in html
        assert '<span class="n" data-symbol="z_i">logits</span>' in html


def test_a_symbol_mapped_to_a_name_the_code_lacks_stops_the_build_naming_page_and_symbol(site):
    source, out, translations = site
    _with_front_matter(source, "symbols:\n  T: temperature\n  \\alpha: weight_of_soft_term\n")
    with pytest.raises(BuildFailed) as failed:
        build(source, out, translations)
    message = str(failed.value)
    assert "__init__.py" in message and "page index" in message
    assert "'\\\\alpha'" in message and "'weight_of_soft_term'" in message
    assert not out.exists()


def test_the_essay_declares_its_symbols_once_and_every_name_is_in_its_code():
    front = yaml.safe_load(text(REPO / "labml_nn_distill" / "__init__.py").split("---")[1])
    assert set(front["symbols"]) == {"T", "\\alpha", "p_i", "q_i", "z_i"}
    html = text(DOCS / "index.html")
    for symbol in front["symbols"]:
        assert f'<span class="n" data-symbol="{symbol}">' in html, symbol
        assert re.search(f'<m(i|sub) data-symbol="{re.escape(symbol)}" tabindex="0">', html), symbol


# ------------------------------------------------------------------------------- cite

def test_citation_cff_gives_bibtex_for_the_project_and_the_paper():
    found = citation.citations(REPO / "CITATION.cff")
    assert [work.title for work in found][1] == "Distilling the Knowledge in a Neural Network"
    project, paper = found[0].bibtex, found[1].bibtex
    assert project.startswith("@software{")
    assert paper.startswith("@article{hinton2015distilling,")
    assert "eprint = {1503.02531}" in paper and "archivePrefix = {arXiv}" in paper
    assert "Hinton, Geoffrey and Vinyals, Oriol and Dean, Jeff" in paper
    cff = yaml.safe_load(text(REPO / "CITATION.cff"))
    assert cff["cff-version"] == "1.2.0" and cff["message"] and cff["authors"]


def test_the_index_page_alone_shows_the_cite_block():
    for index in (DOCS / "index.html", DOCS / "si" / "index.html"):
        html = text(index)
        assert 'id="cite"' in html and "@article{hinton2015distilling," in html and "@software{" in html
    assert 'id="cite"' not in text(DOCS / "large.html")


# ------------------------------------------------- repository links and last change

def test_repository_links_edit_report_and_colab(site):
    source, out, translations = site
    build(source, out, translations, repo_url="https://github.com/owner/repo")
    page = text(out / "large.html")
    assert 'class="edit-link" href="https://github.com/owner/repo/edit/HEAD/tutorial/large.py"' in page
    report = re.search(r'class="report-link" href="([^"]+)" data-report="([^"]+)"', page)
    assert report and report.group(1).startswith("https://github.com/owner/repo/issues/new?title=")
    assert "body=Page%3A%20tutorial/large.py" in report.group(1)
    assert ('class="colab-link" href="https://colab.research.google.com/github/owner/repo/blob/HEAD/'
            'docs/large.ipynb"') in page
    notebook = json.loads(text(out / "large.ipynb"))
    assert "%pip install --quiet git+https://github.com/owner/repo" in "".join(notebook["cells"][0]["source"])


def test_no_repository_no_repository_links(site):
    source, out, translations = site
    build(source, out, translations, repo_url="https://gitlab.example.org/owner/repo")
    page = text(out / "large.html")
    assert "colab" not in page                           # Colab opens GitHub notebooks only
    assert "edit-link" in page
    build(source, out, translations)
    page = text(out / "large.html")
    assert "edit-link" not in page and "report-link" not in page and "colab" not in page


def test_last_changed_comes_from_git_and_a_build_outside_git_has_none(site):
    source, out, translations = site
    build(source, out, translations)                     # tmp_path: not a git repository
    assert "last-changed" not in text(out / "large.html")
    assert history.last_changed(source / "large.py") == ""
    date = subprocess.run(["git", "log", "-1", "--format=%cs", "--", "labml_nn_distill/large.py"], cwd=REPO,
                          capture_output=True, text=True).stdout.strip()
    if not date:
        pytest.skip("not a git checkout")
    assert history.last_changed(REPO / "labml_nn_distill" / "large.py") == date
    assert f'<time datetime="{date}">{date}</time>' in text(DOCS / "large.html")


# --------------------------------------------------------------------------- explorer

def test_the_explorer_embeds_the_pages_json_with_each_digits_logits():
    html = text(DOCS / "paper" / "dark_knowledge.html")
    embedded = re.search(r'<script type="application/json" class="explorer-data">(.*?)</script>', html, re.S)
    data = json.loads(embedded.group(1))
    committed = json.loads(text(REPO / "labml_nn_distill" / "paper" / "results" / "dark_knowledge.json"))
    assert data == committed
    for digit in data["digits"]:
        assert len(digit["logits"]) == 10
    assert 'src="../static/explorer.js"' in html
    assert "explorer.js" not in text(DOCS / "index.html")     # only where there is an explorer


def test_the_explorer_section_must_exist(site):
    source, out, translations = site
    data = source / "results.json"
    data.write_text('{"digits": []}', encoding="utf-8")
    _with_front_matter(source, "explorer:\n  data: results.json\n  section: no-such-section\n")
    with pytest.raises(BuildFailed, match="explorer section 'no-such-section' is not a section"):
        build(source, out, translations)


# ---------------------------------------------------------------------------- weight

INDEX_BUDGET = 120 * 1024


def test_the_index_page_weighs_at_most_120_kb_without_the_search_index():
    """HTML, the CSS and scripts it loads, the fonts the CSS loads and the icon; the search
    index loads only when the search box is used."""
    html = text(DOCS / "index.html")
    loaded = set(re.findall(r'<(?:link rel="(?:stylesheet|icon)"|script) [^>]*?(?:href|src)="([^"]+)"', html))
    css = [DOCS / name for name in loaded if name.endswith(".css")]
    fonts = {(path.parent / font).resolve() for path in css for font in re.findall(r'url\("([^"]+)"\)', text(path))}
    files = [DOCS / "index.html", *(DOCS / name for name in loaded), *fonts]
    assert not any("search-" in file.name for file in files)
    weight = sum(file.stat().st_size for file in files)
    assert weight <= INDEX_BUDGET, {file.name: file.stat().st_size for file in files}
