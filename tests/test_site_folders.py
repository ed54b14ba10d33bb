"""What a site is made of beyond one folder's pages: further source folders, local images,
the site's own index, translated summaries."""
import re
import json
import shutil
from pathlib import Path

import pytest

from annotated_docs.__main__ import main
from annotated_docs.build import BuildFailed, build
from annotated_docs.pages import english_keys, load_page

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def folders(tmp_path):
    tutorial, extra = tmp_path / "tutorial", tmp_path / "extra"
    shutil.copytree(FIXTURES / "tutorial", tutorial)
    shutil.copytree(FIXTURES / "extra", extra)
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    return tutorial, extra, tmp_path / "docs", translations


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_a_further_folder_renders_under_its_name_in_contents_and_navigation(folders):
    tutorial, extra, out, translations = folders
    build([tutorial, extra], out, translations)
    page = text(out / "extra" / "notes.html")
    assert '<li><a href="../index.html">Home</a></li>' in page
    assert 'href="../src/extra/notes.md"' in page and 'href="../static/style.css"' in page
    assert 'rel="prev" href="../readme.html"' in page
    assert (out / "si" / "extra" / "notes.html").is_file()
    assert 'href="extra/notes.html">Extra notes</a>' in text(out / "index.html")
    assert 'rel="next" href="extra/notes.html"' in text(out / "readme.html")


def test_a_further_folder_is_translated_from_its_own_folder(folders):
    tutorial, extra, out, translations = folders
    (translations / "si" / "extra").mkdir()
    (translations / "si" / "extra" / "notes.json").write_text(
        json.dumps({"Extra notes": "අමතර සටහන්"}, ensure_ascii=False), encoding="utf-8")
    build([tutorial, extra], out, translations)
    assert "<title>අමතර සටහන්</title>" in text(out / "si" / "extra" / "notes.html")
    assert 'href="extra/notes.html">අමතර සටහන්</a>' in text(out / "si" / "index.html")


def test_the_command_line_takes_several_folders(folders, capsys):
    tutorial, extra, out, translations = folders
    status = main(["build", str(tutorial), str(extra), "--out", str(out),
                   "--translations", str(translations), "--base-url", ""])
    assert status == 0 and (out / "extra" / "notes.html").is_file() and (out / "large.html").is_file()


def test_two_folders_with_one_name_are_an_error(folders, tmp_path):
    tutorial, extra, out, translations = folders
    other = tmp_path / "elsewhere" / "extra"
    shutil.copytree(extra, other)
    with pytest.raises(BuildFailed) as raised:
        build([tutorial, extra, other], out, translations)
    assert "two source folders are named 'extra'" in str(raised.value)
    assert not out.exists()


def test_a_folder_without_init_gets_the_site_index_and_home_goes_there(folders):
    tutorial, extra, out, translations = folders
    build(extra, out, translations)
    index = text(out / "index.html")
    assert "<h1>Contents</h1>" in index and 'href="notes.html">Extra notes</a>' in index
    assert "View source" not in index
    assert '<li><a href="index.html">Home</a></li>' in text(out / "notes.html")
    (translations / "si" / "_site.json").write_text('{"Contents": "පටුන"}', encoding="utf-8")
    build(extra, out, translations)
    assert "<h1>පටුන</h1>" in text(out / "si" / "index.html")


def test_a_local_image_is_copied_and_linked_from_every_language(folders):
    tutorial, extra, out, translations = folders
    build([tutorial, extra], out, translations)
    assert (out / "extra" / "figures" / "loss.svg").read_bytes() == \
        (extra / "figures" / "loss.svg").read_bytes()
    # with its size (nothing moves as it loads), opening full size on a click
    assert ('<a class="image-link" href="figures/loss.svg"><img src="figures/loss.svg" '
            'alt="the loss curve" width="10" height="10"></a>') in text(out / "extra" / "notes.html")
    assert ('<a class="image-link" href="../../extra/figures/loss.svg"><img '
            'src="../../extra/figures/loss.svg" alt="the loss curve" width="10" height="10"></a>') in \
        text(out / "si" / "extra" / "notes.html")


def test_a_changed_image_is_copied_again_and_nothing_else_is_written(folders):
    tutorial, extra, out, translations = folders
    build([tutorial, extra], out, translations)
    (extra / "figures" / "loss.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>\n", encoding="utf-8")
    result = build([tutorial, extra], out, translations)
    assert result.written == ["extra/figures/loss.svg"]     # same size: the pages stay


def test_an_image_of_another_size_rewrites_the_pages_that_show_it(folders):
    tutorial, extra, out, translations = folders
    build([tutorial, extra], out, translations)
    (extra / "figures" / "loss.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='30pt' height='15pt'/>\n", encoding="utf-8")
    result = build([tutorial, extra], out, translations)
    assert {"extra/notes.html", "si/extra/notes.html"} <= set(result.written)
    assert 'width="40" height="20"' in text(out / "extra" / "notes.html")
    assert "<svg xmlns='http" in text(out / "extra" / "figures" / "loss.svg")


def test_a_missing_image_names_file_and_line_and_leaves_the_output(folders):
    tutorial, extra, out, translations = folders
    build([tutorial, extra], out, translations)
    before = sorted(path.name for path in out.rglob("*"))
    (extra / "figures" / "loss.svg").unlink()
    with pytest.raises(BuildFailed) as raised:
        build([tutorial, extra], out, translations)
    assert "notes.md:8" in str(raised.value) and "figures/loss.svg" in str(raised.value)
    assert "image not found" in str(raised.value)
    assert sorted(path.name for path in out.rglob("*")) == before


def test_an_image_outside_the_source_folder_is_an_error(folders):
    tutorial, extra, out, translations = folders
    (extra / "outside.md").write_text("# Out\n\n![x](../../secret.png)\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        build([tutorial, extra], out, translations)
    assert "outside.md:3" in str(raised.value) and "outside the source folder" in str(raised.value)


def test_front_matter_summary_is_a_key_after_the_title():
    page = load_page(FIXTURES / "tutorial" / "large.py", FIXTURES / "tutorial")
    assert english_keys(page)[:2] == ["The large model", "A large model that generalises well."]


def test_summary_from_the_first_paragraph_needs_no_key_of_its_own():
    page = load_page(FIXTURES / "tutorial" / "readme.md", FIXTURES / "tutorial")
    assert page.summary.startswith("This is a PyTorch implementation/tutorial")
    assert page.summary not in english_keys(page)


def test_translated_summary_shows_in_meta_description_and_contents(folders):
    tutorial, extra, out, translations = folders
    (translations / "si" / "large.json").write_text(json.dumps(
        {"A large model that generalises well.": "හොඳින් සාමාන්‍යකරණය වන විශාල ආකෘතියක්."},
        ensure_ascii=False), encoding="utf-8")
    build(tutorial, out, translations)
    page = text(out / "si" / "large.html")
    assert '<meta name="description" content="හොඳින් සාමාන්‍යකරණය වන විශාල ආකෘතියක්.">' in page
    index = text(out / "si" / "index.html")
    assert '<span class="summary">හොඳින් සාමාන්‍යකරණය වන විශාල ආකෘතියක්.</span>' in index
    # an untranslated summary is shown in English, marked as such
    assert '<span class="summary" lang="en">Notes from' not in index
    build([tutorial, extra], out, translations)
    assert '<span class="summary" lang="en">Notes from a second folder.</span>' in \
        text(out / "si" / "index.html")


def test_summary_from_the_first_paragraph_is_taken_from_the_translated_section(folders):
    tutorial, extra, out, translations = folders
    seed = Path(__file__).resolve().parent.parent / "translations" / "si" / "readme.json"
    if not seed.exists():
        pytest.skip("no seed translation")
    shutil.copy(seed, translations / "si" / "readme.json")
    build(tutorial, out, translations)
    page = text(out / "si" / "readme.html")
    description = page.split('<meta name="description" content="')[1].split('"')[0]
    assert description and "This is a" not in description
    assert any("\u0d80" <= character <= "\u0dff" for character in description)


@pytest.mark.parametrize("page_path", ["x", "paper/x", "paper/deeper/x"])
def test_a_translated_page_finds_the_english_pages_images_from_any_folder(page_path):
    import posixpath
    from annotated_docs.render import _images_from, output_path
    shown = _images_from('<p><img src="images/plot.svg" alt="plot"></p>', "si", page_path)
    src = re.search(r'src="([^"]+)"', shown).group(1)
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(output_path(page_path, "si")), src))
    english = posixpath.normpath(posixpath.join(posixpath.dirname(output_path(page_path, "en")), "images/plot.svg"))
    assert resolved == english
