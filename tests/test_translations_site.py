"""Translations as the built site shows them (issue 13: holes 3, 6, 9, drafts, outdated
sections). Each test builds the generator's fixture tutorial into a temporary folder."""
import json
import shutil
from pathlib import Path

import pytest

from annotated_docs.build import build
from annotated_docs.i18n import english_keys_by_page
from annotated_docs.translations import commands

FIXTURE = Path(__file__).parent / "fixtures" / "tutorial"
HIDDEN = "<p>Number of hidden units </p>\n"        # a section of the fixture's large.py


@pytest.fixture
def site(tmp_path):
    source = tmp_path / "tutorial"
    shutil.copytree(FIXTURE, source)
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    return source, tmp_path / "docs", translations


def write(path: Path, entries: dict | str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entries if isinstance(entries, str) else json.dumps(entries, ensure_ascii=False),
                    encoding="utf-8")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------ 6. cached builds hide nothing

def test_hole6_a_rebuild_reports_the_problems_of_pages_it_did_not_render_again(site):
    source, out, translations = site
    write(translations / "si" / "large.json", {HIDDEN: "<p>ගණන <script>x</script></p>"})
    first = build(source, out, translations)
    second = build(source, out, translations)
    assert "si/large.html" in second.reused and "si/large.html" not in second.written
    messages = [str(problem) for problem in second.problems]
    assert messages == [str(problem) for problem in first.problems]
    assert any("large.json:1: error: key 'Number of hidden units': unsafe HTML" in message
               for message in messages), messages


def test_hole6_a_fixed_entry_stops_being_reported(site):
    source, out, translations = site
    write(translations / "si" / "large.json", {HIDDEN: "<p>ගණන <script>x</script></p>"})
    build(source, out, translations)
    write(translations / "si" / "large.json", {HIDDEN: "<p>සැඟවුණු ඒකක ගණන</p>"})
    assert not [problem for problem in build(source, out, translations).problems
                if problem.file.endswith("large.json")]


# --------------------------------------------------------- 3. no value or folder stops a build

def test_hole3_build_survives_a_lone_surrogate_and_shows_that_section_in_english(site):
    source, out, translations = site
    write(translations / "si" / "large.json", '{"' + HIDDEN.replace("\n", "\\n")
          + '": "<p>\\ud800</p>", "The large model": "විශාල ආකෘතිය"}')
    result = build(source, out, translations)
    page = text(out / "si" / "large.html")
    assert "<title>විශාල ආකෘතිය</title>" in page and "Number of hidden units" in page
    assert any("lone surrogate" in problem.message for problem in result.problems)


def test_hole3_build_survives_deep_nesting(site):
    source, out, translations = site
    write(translations / "si" / "large.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = build(source, out, translations)
    assert (out / "si" / "large.html").is_file()
    assert any("nested more than 100 deep" in problem.message for problem in result.problems)


def test_hole3_a_folder_named_like_an_output_file_is_reported_not_built(site):
    source, out, translations = site
    (translations / "index.html").mkdir()
    (translations / "index.html" / "large.json").write_text("{}", encoding="utf-8")
    result = build(source, out, translations)
    assert (out / "index.html").is_file() and not (out / "index.html").is_dir()
    assert any(problem.file.endswith("index.html") and "not a language code" in problem.message
               for problem in result.problems)


# -------------------------------------------------------------- 9. one place for language names

def test_hole9_the_switcher_shows_each_languages_own_name_from_its_site_file(site):
    source, out, translations = site
    write(translations / "si" / "_site.json", {"@name": "සිංහල භාෂාව"})
    build(source, out, translations)
    for page in (out / "large.html", out / "si" / "large.html"):
        assert 'hreflang="si" lang="si"' in text(page)
        assert ">සිංහල භාෂාව</a>" in text(page) and ">English</a>" in text(page)


def test_hole9_site_strings_ask_for_no_names_of_languages_the_site_lacks():
    site_keys = english_keys_by_page(FIXTURE)["_site"]
    assert not {"தமிழ்", "中文", "日本語", "සිංහල"} & set(site_keys)
    assert site_keys[:2] == ["@name", "@ready"]


# ------------------------------------------------------------------------- drafts stay drafts

def test_a_new_language_from_template_is_a_draft_until_marked_ready(site):
    source, out, translations = site
    commands.template(translations, "ta", english_keys_by_page(source))
    assert json.loads(text(translations / "ta" / "_site.json"))["@ready"] == "no"
    build(source, out, translations)
    assert not (out / "ta").exists() and 'hreflang="ta"' not in text(out / "large.html")
    assert "/ta/" not in text(out / "sitemap.xml")
    site_file = translations / "ta" / "_site.json"
    write(site_file, text(site_file).replace('"@ready": "no"', '"@ready": "yes"')
          .replace('"@name": ""', '"@name": "தமிழ்"'))
    build(source, out, translations)
    assert (out / "ta" / "large.html").is_file() and ">தமிழ்</a>" in text(out / "large.html")


def test_template_does_not_make_an_existing_language_a_draft(site):
    source, out, translations = site
    # A language exists once it has a translation file (a folder with only a glossary does not)
    write(translations / "si" / "small.json", {})
    commands.template(translations, "si", english_keys_by_page(source))
    assert json.loads(text(translations / "si" / "_site.json"))["@ready"] == ""
    build(source, out, translations)
    assert (out / "si" / "large.html").is_file()


def test_ready_flag_other_than_yes_or_no_is_an_error(site):
    source, out, translations = site
    write(translations / "si" / "_site.json", {"@ready": "maybe"})
    problems = build(source, out, translations).problems
    assert any('"@ready" is "yes"' in problem.message and problem.severity == "error"
               for problem in problems)


# --------------------------------------------------------------- outdated translations, folded

def test_fuzzy_section_is_english_with_an_outdated_note_and_the_old_translation_folded(site):
    source, out, translations = site
    write(translations / "si" / "large.json",
          {"<p>Number of hidden units in the layer</p>\n": "<p>ස්තරයේ සැඟවුණු ඒකක ගණන</p>\n"})
    write(translations / "si" / "_site.json", {
        "The translation of this section is outdated; shown in English.": "යල් පැන ඇත.",
        "Outdated translation": "පැරණි පරිවර්තනය"})
    build(source, out, translations)
    page = text(out / "si" / "large.html")
    section = page[page.index("Number of hidden units") - 600:page.index("Number of hidden units") + 400]
    assert '<p class="untranslated outdated" lang="si">යල් පැන ඇත.</p>' in section
    assert "Not yet translated" not in section
    assert '<details class="outdated-translation" lang="si">' in section
    assert "<summary>පැරණි පරිවර්තනය</summary>" in section
    assert "<p>ස්තරයේ සැඟවුණු ඒකක ගණන</p>" in section
    assert section.index("Number of hidden units") < section.index("<details")


def test_a_missing_section_keeps_the_not_yet_translated_note(site):
    source, out, translations = site
    build(source, out, translations)
    page = text(out / "si" / "large.html")
    assert 'class="untranslated"' in page and "outdated-translation" not in page
