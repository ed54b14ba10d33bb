"""Translator input, round two (issue 22, rules 8-12): no command writes the seed or outside
translations/ by any path, an outdated block passes today's rules, `check` and the build read
the `@` keys alike, fuzzy matching is bounded, and the smaller ones.

Every test works on copies in temporary folders.
"""
import argparse
import hashlib
import json
import random
import shutil
import time
from pathlib import Path

import polib
import pytest

from annotated_docs.build import build
from annotated_docs.i18n import english_keys_by_page
from annotated_docs.translations import (cli, commands, language_folders, language_meta, load_catalog, po,
                                         read_meta)
from annotated_docs.translations.jsonfile import parse

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "translations" / "si" / "readme.json"
SEED_SHA256 = "bbe367fae7c7f8de690aaedae5face5fff7c5f03950ee8be61313d7ba98cfc45"
FIXTURE = Path(__file__).parent / "fixtures" / "tutorial"
KEYS = english_keys_by_page(FIXTURE)
README_KEY = KEYS["readme"][1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def site(tmp_path):
    source = tmp_path / "tutorial"
    shutil.copytree(FIXTURE, source)
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    shutil.copyfile(SEED, translations / "si" / "readme.json")
    return source, tmp_path / "docs", translations


def write(path: Path, entries):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entries if isinstance(entries, str) else json.dumps(entries, ensure_ascii=False),
                    encoding="utf-8")


def run_cli(root, *argv, keys=KEYS, source=FIXTURE) -> int:
    parser = argparse.ArgumentParser(prog="annotated_docs")
    cli.add_subparser(parser.add_subparsers(dest="command"))
    return cli.run(parser.parse_args(["translations", "--translations", str(root), "--source", str(source),
                                      *argv]), lambda folder: keys)


def every_file(folder: Path) -> dict:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


# ------------------------------------------- 8. no command writes the seed or outside, by any path

@pytest.mark.parametrize("out", ["si/readme.json", "si/readme.po", "si/new.po", "linked.po", "x/../si/a.po"])
def test_export_po_never_writes_among_the_translation_files(site, capsys, out):
    _, _, translations = site
    (translations.parent / "linked.po").symlink_to(translations / "si" / "readme.json")
    target = translations / out if out != "linked.po" else translations.parent / out
    before = every_file(translations)
    assert run_cli(translations, "export-po", "--lang", "si", "--out", str(target)) == 2
    assert "--out" in capsys.readouterr().err
    assert every_file(translations) == before and sha256(translations / "si" / "readme.json") == SEED_SHA256


def test_export_po_never_writes_a_file_that_is_not_a_po_file_nor_among_the_sources(site, capsys, tmp_path):
    source, _, translations = site
    assert run_cli(translations, "export-po", "--lang", "si", "--out", str(source / "large.py"),
                   source=source) == 2
    assert run_cli(translations, "export-po", "--lang", "si", "--out", str(source / "x.po"), source=source) == 2
    assert run_cli(translations, "export-po", "--lang", "si", "--out", str(tmp_path / "notes.txt")) == 2
    assert (source / "large.py").read_bytes() == (FIXTURE / "large.py").read_bytes()
    assert run_cli(translations, "export-po", "--lang", "si", "--out", str(tmp_path / "si.po")) == 0


@pytest.mark.parametrize("command", ["template", "import-po"])
def test_a_linked_subfolder_never_takes_a_write_outside(site, tmp_path, command):
    _, _, translations = site
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (translations / "si" / "sub").symlink_to(elsewhere, target_is_directory=True)
    keys = {**KEYS, "sub/page": ["<p>A page in a folder.</p>"]}
    if command == "template":
        status = run_cli(translations, "template", "--lang", "si", "--page", "sub/page", keys=keys)
    else:
        catalog = polib.POFile()
        catalog.append(polib.POEntry(msgctxt="sub/page", msgid="<p>A page in a folder.</p>",
                                     msgstr="<p>ෆෝල්ඩරයක පිටුවක්.</p>"))
        catalog.save(str(tmp_path / "in.po"))
        status = run_cli(translations, "import-po", "--lang", "si", str(tmp_path / "in.po"), keys=keys)
    assert status == 1
    assert list(elsewhere.iterdir()) == []


def test_a_page_file_that_links_outside_is_neither_read_nor_published(site, tmp_path):
    source, out, translations = site
    secret = tmp_path / "secret.json"
    write(secret, {"The large model": "රහස් මාතෘකාව"})
    (translations / "si" / "large.json").symlink_to(secret)
    catalog = load_catalog(translations, "si", "large")
    assert catalog.entries == [] and "symbolic link" in catalog.problems[0].message
    result = build(source, out, translations)
    assert "රහස්" not in (out / "si" / "large.html").read_text(encoding="utf-8")
    assert any("symbolic link" in problem.message for problem in result.problems)


def test_the_commands_writer_refuses_a_path_through_a_link(site, tmp_path):
    _, _, translations = site
    (translations / "si" / "sub").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(commands.WriteRefused, match="symbolic link"):
        commands.write(translations, translations / "si" / "sub" / "x.json", "{}")
    with pytest.raises(commands.WriteRefused, match="not inside"):
        commands.write(translations, tmp_path / "x.json", "{}")


# ------------------------------------------------ 9. what ships is only what today's English allows

UNSAFE = {
    "remote image": ('<img src="https://evil.example/p.png">', "evil.example"),
    "new window without rel": ('<a href="https://evil.example/" target="_blank">x</a>', "_blank"),
    "an id of the site": ('<span id="search">x</span>', 'id="search"'),
    "a ping": ('<a href="https://pytorch.org" ping="https://evil.example/">y</a>', "ping="),
}


@pytest.mark.parametrize("name", UNSAFE)
def test_an_outdated_block_is_checked_against_todays_english(site, name):
    source, out, translations = site
    markup, marker = UNSAFE[name]
    # The translator's own old key, allowing the markup, close enough to today's to be fuzzy
    old_key = README_KEY.replace("</p>\n<p>It&#x27;s", f" {markup}</p>\n<p>It&#x27;s", 1)
    value = old_key.replace("This is a", "මෙය", 1)
    readme = json.loads(SEED.read_text(encoding="utf-8"))
    readme = {key: text for key, text in readme.items() if key != README_KEY}
    write(translations / "si" / "readme.json", {**readme, old_key: value})
    catalog = load_catalog(translations, "si", "readme", KEYS["readme"])
    resolution = catalog.resolve(README_KEY)
    assert resolution.state == "fuzzy" and resolution.outdated is None
    assert any(problem.severity == "error" and "outdated translation is not shown" in problem.message
               for problem in resolution.problems)
    build(source, out, translations)
    assert marker not in (out / "si" / "readme.html").read_text(encoding="utf-8")
    assert run_cli(translations, "check", "--lang", "si") == 1


def test_an_outdated_block_that_passes_todays_rules_is_still_shown(site):
    source, out, translations = site
    write(translations / "si" / "large.json", {"<p>Number of hidden units in the layer</p>\n":
                                               "<p>ස්තරයේ සැඟවුණු ඒකක ගණන</p>\n"})
    build(source, out, translations)
    assert "<p>ස්තරයේ සැඟවුණු ඒකක ගණන</p>" in (out / "si" / "large.html").read_text(encoding="utf-8")


# ------------------------------------------------------ 10. check and the build read @ keys alike

DRAFTS = {
    "a space before no": '{"@ready": " no"}',
    "a key with a space": '{" @ready": "no"}',
    "no then yes": '{"@ready": "no", "@ready": "yes"}',
    "yes then no": '{"@ready": "yes", "@ready": "no"}',
    "No": '{"@ready": "No"}',
    "false": '{"@ready": false}',
    "capital key": '{"@READY": "yes"}',
    "full-width at sign": '{"\uff20ready": "no"}',
    "unknown @ key": '{"@ready": "yes", "@draft": "yes"}',
    "a list": '{"@ready": ["yes"]}',
}


@pytest.mark.parametrize("name", DRAFTS)
def test_an_at_key_check_reports_is_never_published(site, name, capsys):
    source, out, translations = site
    write(translations / "si" / "_site.json", DRAFTS[name])
    assert run_cli(translations, "check", "--lang", "si") == 1
    assert "error" in capsys.readouterr().out
    if name == "unknown @ key":
        return      # an unknown key is an error; @ready itself says yes
    assert language_meta(translations, "si")[1] is False
    result = build(source, out, translations)
    assert not (out / "si").exists()
    assert any(problem.severity == "error" and problem.file.endswith("_site.json") for problem in result.problems)


@pytest.mark.parametrize("name", ["Sinhala\u202e", "\u2067සිංහල", "a\nb", "<b>si</b>", "x" * 41, "   "])
def test_an_invalid_language_name_is_an_error_and_never_shown(site, name):
    source, out, translations = site
    write(translations / "si" / "_site.json", {"@name": name, "@ready": "yes"})
    assert run_cli(translations, "check", "--lang", "si") == 1
    assert language_meta(translations, "si") == ("si", True)
    build(source, out, translations)
    page = (out / "large.html").read_text(encoding="utf-8")
    assert name.strip() not in page or not name.strip()


def test_a_duplicate_name_is_an_error():
    meta, problems = read_meta(parse('{"@name": "සිංහල", "@name": "Sinhala"}').entries, Path("_site.json"))
    assert meta.name is None and [problem.line for problem in problems] == [1]


def test_a_ready_language_with_a_proper_name_is_published(site):
    source, out, translations = site
    write(translations / "si" / "_site.json", {"@name": "සිංහල", "@ready": "yes"})
    build(source, out, translations)
    assert "සිංහල" in (out / "large.html").read_text(encoding="utf-8") and (out / "si" / "large.html").is_file()


# ------------------------------------------------------------------------ 11. fuzzy is bounded

def shuffled_copies(key: str, copies: int) -> dict:
    words = key.split(" ")
    generator = random.Random(0)
    entries = {}
    while len(entries) < copies:
        generator.shuffle(words)
        entries[" ".join(words)] = "<p>පරිවර්තනය</p>"
    return entries


def test_thousands_of_shuffled_copies_of_a_long_key_are_checked_in_seconds(tmp_path):
    long_key = "<p>" + " ".join(f"word{i % 97} soft targets carry dark knowledge" for i in range(60)) + "</p>"
    assert len(long_key) > 2000
    keys = {"large": ["Large", long_key, long_key.replace("word1 ", "term1 ", 1)]}
    edited = long_key.replace("word2 ", "termtwo ", 1)
    entries = {**shuffled_copies(long_key[3:-4], 2000), edited: "<p>නිවැරදි</p>"}
    write(tmp_path / "si" / "large.json", entries)
    assert (tmp_path / "si" / "large.json").stat().st_size > 2_000_000
    started = time.perf_counter()
    rows = commands.status(tmp_path, keys, ["si"])
    assert time.perf_counter() - started < 30
    catalog = load_catalog(tmp_path, "si", "large", keys["large"])
    # The real edit of the key is still found
    assert catalog.resolve(long_key).source_key == edited
    assert rows[0].fuzzy >= 1


def test_one_enormous_key_is_not_compared_at_all(tmp_path):
    enormous = "<p>" + " ".join(f"w{i}" for i in range(60_000)) + "</p>"
    keys = {"large": [enormous.replace("w5 ", "x5 ")]}
    write(tmp_path / "si" / "large.json", {enormous: "<p>x</p>"})
    started = time.perf_counter()
    resolution = load_catalog(tmp_path, "si", "large", keys["large"]).resolve(keys["large"][0])
    assert time.perf_counter() - started < 10 and resolution.state == "missing"


# ----------------------------------------------------------------------------- 12. the smaller ones

def test_a_read_only_translations_folder_is_one_line_per_file_and_no_traceback(site, monkeypatch, capsys):
    _, _, translations = site

    def read_only(path, text):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(commands, "write_if_changed", read_only)
    assert run_cli(translations, "template", "--lang", "si") == 1
    output = capsys.readouterr().out
    assert "cannot be written (Permission denied)" in output and "Traceback" not in output


def test_a_language_published_with_nothing_translated_gets_a_warning_from_check_and_build(site, capsys):
    source, out, translations = site
    write(translations / "ta" / "_site.json", {"@ready": "yes", "@name": "தமிழ்"})
    run_cli(translations, "check", "--lang", "ta")
    assert "none of its pages has a translated entry" in capsys.readouterr().out
    problems = build(source, out, translations).problems
    assert any("none of its pages has a translated entry" in problem.message for problem in problems)


def test_a_language_published_with_little_translated_gets_a_warning(site, capsys):
    _, _, translations = site
    write(translations / "ta" / "_site.json", {"@ready": "yes", "@name": "தமிழ்"})
    write(translations / "ta" / "large.json", {"The large model": "பெரிய மாதிரி"})
    run_cli(translations, "check", "--lang", "ta")
    output = capsys.readouterr().out
    assert "% of its entries are translated" in output and "none of its pages" not in output


def test_status_does_not_count_the_at_keys_as_translated(site):
    _, _, translations = site
    write(translations / "ta" / "_site.json", {"@ready": "yes", "@name": "தமிழ்"})
    (row,) = [row for row in commands.status(translations, KEYS, ["ta"]) if row.page == "_site"]
    assert row.translated == 0 and row.total == len(KEYS["_site"]) - 2


def test_import_po_writes_nothing_check_would_reject_and_says_so(site, tmp_path, capsys):
    _, _, translations = site
    catalog = polib.POFile()
    catalog.append(polib.POEntry(msgctxt="large", msgid="The large model", msgstr="<script>x</script>විශාල"))
    catalog.append(polib.POEntry(msgctxt="_site", msgid="@ready", msgstr="No"))
    catalog.append(polib.POEntry(msgctxt="large", msgid="A large model that generalises well.",
                                 msgid_plural="Large models", msgstr_plural={0: "a", 1: "b"}))
    catalog.save(str(tmp_path / "in.po"))
    before = every_file(translations)
    assert run_cli(translations, "import-po", "--lang", "si", str(tmp_path / "in.po")) == 1
    output = capsys.readouterr().out
    assert output.count("not imported") == 2 and "plural" in output
    assert every_file(translations) == before


def test_english_is_not_a_language_to_translate_into(site, capsys):
    _, _, translations = site
    for command in (["status", "--lang", "en"], ["template", "--lang", "en"], ["check", "--lang", "en"]):
        assert run_cli(translations, *command) == 2
        assert "--lang: 'en' is the English" in capsys.readouterr().err
    assert not (translations / "en").exists()


def test_an_english_folder_is_reported_not_taken_for_a_language(site):
    _, _, translations = site
    (translations / "en").mkdir()
    langs, problems = language_folders(translations)
    assert "en" not in langs and any("English" in problem.message for problem in problems)
