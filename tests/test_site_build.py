"""Whole-site builds: languages, determinism, incremental rebuilds, atomic failure."""
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from annotated_docs.__main__ import main
from annotated_docs.build import BuildFailed, build

FIXTURE = Path(__file__).parent / "fixtures" / "tutorial"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path):
    source = tmp_path / "tutorial"
    shutil.copytree(FIXTURE, source)
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    seed = REPO / "translations" / "si" / "readme.json"
    if seed.exists():
        shutil.copy(seed, translations / "si" / "readme.json")
    return source, tmp_path / "docs", translations


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_every_page_in_every_language(site):
    source, out, translations = site
    build(source, out, translations)
    for page in ("index", "large", "readme"):
        assert (out / f"{page}.html").is_file() and (out / "si" / f"{page}.html").is_file()
    si_page = (out / "si" / "large.html").read_text(encoding="utf-8")
    assert '<html lang="si">' in si_page and 'hreflang="x-default"' in si_page
    assert 'hreflang="en" lang="en"' in si_page            # the language switcher
    assert 'class="notes" lang="en"' in si_page             # untranslated sections stay English


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_sitemap_with_a_base_url_has_absolute_locations_and_alternates_per_language(site):
    source, out, translations = site
    build(source, out, translations, base_url="https://example.org/distill")
    urls = ElementTree.parse(out / "sitemap.xml").getroot().findall(f"{SITEMAP}url")
    locations = [url.find(f"{SITEMAP}loc").text for url in urls]
    assert "https://example.org/distill/si/readme.html" in locations
    assert "https://example.org/distill/index.html" in locations
    assert all(location.startswith("https://example.org/distill/") for location in locations)
    assert len(locations) == len(set(locations)) == 3 * 2
    for url in urls:
        alternates = {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")}
        assert set(alternates) == {"en", "si", "x-default"}
        assert all(href.startswith("https://") for href in alternates.values())
    page = (out / "si" / "large.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/distill/si/large.html">' in page


def test_without_a_base_url_the_sitemap_lists_relative_locations(site):
    source, out, translations = site
    build(source, out, translations)
    root = ElementTree.parse(out / "sitemap.xml").getroot()
    locations = [element.text for element in root.iter(f"{SITEMAP}loc")]
    assert "si/readme.html" in locations and "index.html" in locations


def test_base_url_defaults_to_pyproject_and_the_command_line_overrides_it(site, tmp_path, monkeypatch):
    source, out, translations = site
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.annotated_docs]\nbase-url = "https://a.example/"\n',
                                            encoding="utf-8")
    monkeypatch.chdir(project)
    common = [str(source), "--out", str(out), "--translations", str(translations), "--quiet"]
    assert main(["build"] + common) == 0
    assert "https://a.example/large.html" in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert main(["build", "--base-url", "https://b.example/x/"] + common) == 0
    assert "https://b.example/x/large.html" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_base_url_that_is_not_http_is_an_error(site):
    source, out, translations = site
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations, base_url="example.org")
    assert "https://" in str(raised.value)


def test_seed_translation_shows_with_its_placeholder_restored(site):
    source, out, translations = site
    if not (translations / "si" / "readme.json").exists():
        pytest.skip("no seed translation")
    build(source, out, translations)
    page = (out / "si" / "readme.html").read_text(encoding="utf-8")
    assert "<title>ස්නායුක ජාලයක දැනුම ආසවනය කිරීම</title>" in page
    assert 'class="notes" lang="en"' not in page
    assert '<span class="remote-image"' in page and "_^_0_^_" not in page


def test_index_lists_every_page_with_title_and_summary(site):
    source, out, translations = site
    build(source, out, translations)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="large.html">The large model</a>' in index
    assert "A large model that generalises well." in index


def test_no_page_asks_for_anything_off_the_site(site):
    source, out, translations = site
    build(source, out, translations)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<img" not in text and 'src="http' not in text and "@import" not in text
        for line in text.splitlines():
            if line.startswith(("<link", "<script")):
                assert "http" not in line, f"{page}: {line}"


def test_same_input_gives_byte_identical_output(site, tmp_path):
    source, out, translations = site
    build(source, out, translations)
    build(source, tmp_path / "again", translations)
    assert snapshot(out) == snapshot(tmp_path / "again")


def test_incremental_rebuild_writes_only_the_changed_page(site):
    source, out, translations = site
    build(source, out, translations)
    unchanged = (out / "readme.html").stat().st_ino
    large = source / "large.py"
    large.write_text(large.read_text(encoding="utf-8").replace("hidden = 1200", "hidden = 1600"),
                     encoding="utf-8")
    result = build(source, out, translations)
    # the page, its notebook and source copy, and each language's search index (it holds the text)
    assert sorted(result.written) == ["large.html", "large.ipynb", "si/large.html",
                                      "src/tutorial/large.py", "static/search-en.js",
                                      "static/search-si.js"]
    assert (out / "readme.html").stat().st_ino == unchanged
    assert "1600" in (out / "large.html").read_text(encoding="utf-8")
    assert result.seconds < 1.0


def test_translation_change_rebuilds_only_that_language_page(site):
    source, out, translations = site
    build(source, out, translations)
    (translations / "si" / "large.json").write_text('{"The large model": "විශාල ආකෘතිය"}',
                                                     encoding="utf-8")
    result = build(source, out, translations)
    # the title shows in every si page's navigation, so the si pages change (and the si search
    # index); no English page does
    assert "si/large.html" in result.written
    assert not [output for output in result.written
                if not output.startswith("si/") and output != "static/search-si.js"]


def test_failed_build_leaves_the_output_untouched_and_names_the_problem(site, capsys):
    source, out, translations = site
    build(source, out, translations)
    before = snapshot(out)
    (source / "large.py").write_text('"""\nBad $\\frac{a$ math\n"""\nx = 1\n', encoding="utf-8")
    (source / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations)
    assert "large.py:2" in str(raised.value) and "broken.py:1" in str(raised.value)
    assert snapshot(out) == before
    assert not [path for path in out.parent.iterdir() if path.name.startswith(".docs-")]
    status = main(["build", str(source), "--out", str(out), "--translations", str(translations)])
    assert status == 1 and "broken.py:1" in capsys.readouterr().err
    assert snapshot(out) == before


def test_help_for_every_command(capsys):
    for command in ([], ["build"], ["serve"]):
        with pytest.raises(SystemExit) as raised:
            main(command + ["--help"])
        assert raised.value.code == 0
    assert "--base-url" in capsys.readouterr().out


def test_permalinks_breadcrumbs_source_link_and_previous_next(site):
    source, out, translations = site
    build(source, out, translations)
    page = (out / "large.html").read_text(encoding="utf-8")
    assert '<section class="section" id="large-model">' in page
    assert '<a class="permalink" href="#large-model"' in page
    assert '<li><a href="index.html">Home</a></li>' in page
    assert 'href="src/tutorial/large.py"' in page
    assert 'rel="prev" href="index.html"' in page and 'rel="next" href="readme.html"' in page
    assert '<link rel="canonical" href="large.html">' in page
    assert (out / "src" / "tutorial" / "large.py").read_bytes() == (source / "large.py").read_bytes()


def test_unreadable_source_names_the_file_and_leaves_the_output(site, monkeypatch):
    source, out, translations = site
    build(source, out, translations)
    before = snapshot(out)
    real_read_bytes = Path.read_bytes

    def read_bytes(path):
        if path.name == "large.py" and "src" not in path.parts:
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(path)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations)
    monkeypatch.undo()
    assert "large.py" in str(raised.value) and "unreadable: Permission denied" in str(raised.value)
    assert snapshot(out) == before


def test_output_does_not_depend_on_where_the_checkout_lives(tmp_path, monkeypatch):
    """The committed docs/ must match a build in CI's checkout: the manifest records the
    tutorial's images relative to the source folder, never as this machine's paths."""
    source = REPO / "labml_nn_distill"
    assert any(source.rglob("images/*.svg")), "the tutorial shows images; this test needs one"
    # the copy is outside git, which dates the pages (test_site_history): no dates in either
    monkeypatch.setattr("annotated_docs.history.last_changed", lambda file: "")
    build(source, tmp_path / "absolute", REPO / "translations")
    moved = tmp_path / "elsewhere" / "labml_nn_distill"
    shutil.copytree(source, moved, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "CITATION.cff", moved.parent / "CITATION.cff")
    monkeypatch.chdir(moved.parent)
    build(Path("labml_nn_distill"), tmp_path / "relative", REPO / "translations")
    manifest = (tmp_path / "absolute" / ".manifest.json").read_text()
    assert "images/" in manifest and str(REPO) not in manifest and str(tmp_path) not in manifest
    assert snapshot(tmp_path / "absolute") == snapshot(tmp_path / "relative")


def test_scripts_and_styles_ship_without_their_comments(tmp_path):
    """The comments explain the code in annotated_docs/static/; the reader downloads the code"""
    from annotated_docs.build import shipped
    script = tmp_path / "a.js"
    script.write_text("/*! licence */\n// why the loop stops\nconst a = 1;  /* a note */\nconsole.log(a);\n")
    style = tmp_path / "a.css"
    style.write_text("/* the dark theme */\nbody {\n  color: red;\n}\n")
    icon = tmp_path / "a.svg"
    icon.write_bytes(b"<svg><!-- kept --></svg>")
    js, css = shipped(script).decode(), shipped(style).decode()
    assert "licence" in js and "why" not in js and "note" not in js and "console.log(a)" in js
    assert "dark theme" not in css and "color:red" in css
    assert shipped(icon) == icon.read_bytes()
    # The committed site ships them so
    committed = (REPO / "docs" / "static" / "site.js").read_text()
    assert "//" not in committed.split("\n", 1)[0][:2] and len(committed) < len(
        (REPO / "annotated_docs" / "static" / "site.js").read_text())
