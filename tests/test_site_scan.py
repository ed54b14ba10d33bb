"""`annotated_docs.scan`: what the sources hold, parsing only the sources that changed."""
import pytest

from annotated_docs import scan as scan_module
from annotated_docs.errors import BuildFailed
from annotated_docs.paths import INDEX
from annotated_docs.scan import SITE_INDEX_TITLE, existing_roots, scan

NO_MANIFEST = {"sources": {}, "outputs": {}, "problems": {}}


@pytest.fixture
def tutorial(tmp_path):
    source = tmp_path / "tutorial"
    source.mkdir()
    (source / "__init__.py").write_text('"""\n---\ntitle: The idea\n---\n\n# The idea\n"""\nx = 1\n',
                                        encoding="utf-8")
    (source / "large.py").write_text('"""\n# The teacher\n\nWith $T$.\n"""\nteacher = 1\n',
                                     encoding="utf-8")
    return source


def test_a_source_unchanged_since_the_last_build_is_not_parsed(tutorial, monkeypatch):
    first = scan(existing_roots(tutorial), "generator", NO_MANIFEST)
    assert set(first.loaded) == {INDEX, "large"} and "T" in first.math_characters
    parsed = []
    real_load_page = scan_module.load_page
    monkeypatch.setattr(scan_module, "load_page",
                        lambda file, *rest: parsed.append(file.name) or real_load_page(file, *rest))
    (tutorial / "large.py").write_text('"""\n# The teacher\n\nWith $T$.\n"""\nteacher = 2\n',
                                       encoding="utf-8")
    again = scan(existing_roots(tutorial), "generator", {**NO_MANIFEST, "sources": first.entries})
    assert parsed == ["large.py"] and set(again.loaded) == {"large"}
    assert again.headings == first.headings


def test_a_new_generator_parses_every_source_again(tutorial):
    first = scan(existing_roots(tutorial), "generator", NO_MANIFEST)
    again = scan(existing_roots(tutorial), "another generator", {**NO_MANIFEST, "sources": first.entries})
    assert set(again.loaded) == {INDEX, "large"}


def test_without_an_index_page_the_scan_adds_the_site_index(tutorial):
    (tutorial / "__init__.py").unlink()
    scanned = scan(existing_roots(tutorial), "generator", NO_MANIFEST)
    assert scanned.site_index
    assert [heading.path for heading in scanned.headings][0] == INDEX
    assert scanned.headings[0].title == SITE_INDEX_TITLE


def test_two_sources_of_one_page_stop_the_scan_naming_both(tutorial):
    (tutorial / "large.md").write_text("# The teacher, again\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        scan(existing_roots(tutorial), "generator", NO_MANIFEST)
    assert "page 'large' is also made from" in str(raised.value)
    assert "large.md" in str(raised.value) and "large.py" in str(raised.value)


def test_a_missing_source_folder_stops_the_build_naming_it(tmp_path):
    with pytest.raises(BuildFailed) as raised:
        existing_roots(tmp_path / "nowhere")
    assert str(raised.value) == f"{tmp_path / 'nowhere'}: source folder not found"
