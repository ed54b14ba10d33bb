"""The translator's commands: status, template, check, purge-obsolete.

They run on copies in temporary folders with English keys given as lists (the command line
is handed them in place of the generator's `english_keys_by_page`), so the repository's
files are never written. Two promises are tested after every command: the seed keeps its bytes, and no
file loses an entry except through purge-obsolete.
"""
import argparse
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from annotated_docs.translations import cli, commands
from annotated_docs.translations.jsonfile import parse

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "translations" / "si" / "readme.json"
SEED_SHA256 = "bbe367fae7c7f8de690aaedae5face5fff7c5f03950ee8be61313d7ba98cfc45"
SEED_KEYS = list(json.loads(SEED.read_text(encoding="utf-8")))

OLD = '<p>Train the <a href="small.html">small model</a>.</p>'
NEW = '<p>Train the <a href="student.html">small model</a>.</p>'
KEYS = {
    "readme": SEED_KEYS,
    "large": ["Large model", OLD.replace("Train the", "Now train the"), "<p>Temperature.</p>"],
    "_site": ["Home", "Next"],
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def root(tmp_path):
    """A translations folder: the seed (copied byte for byte), a partial `large`, a site file."""
    (tmp_path / "si").mkdir()
    shutil.copyfile(SEED, tmp_path / "si" / "readme.json")
    (tmp_path / "si" / "large.json").write_text(
        '{\n    "Large model": "විශාල ආකෘතිය",\n    "' + OLD.replace('"', '\\"')
        + '": "<p><a href=\\"small.html\\">කුඩා ආකෘතිය</a> පුහුණු කරන්න.</p>",\n'
        '    "<p>Gone.</p>": "<p>නැත.</p>"\n}\n', encoding="utf-8")
    (tmp_path / "si" / "_site.json").write_text('{"Home": "මුල් පිටුව"}', encoding="utf-8")
    return tmp_path


def entries(path: Path) -> list[str]:
    return [entry.text for entry in parse(path.read_text(encoding="utf-8")).entries]


def snapshot(root: Path) -> dict[Path, list[str]]:
    return {path: entries(path) for path in root.rglob("*.json")}


def assert_nothing_lost(before: dict[Path, list[str]]):
    for path, texts in before.items():
        after = entries(path)
        assert all(text in after for text in texts), f"{path} lost an entry"
        assert after[:len(texts)] == texts, f"{path}: existing entries moved"


def run_cli(root, *argv, keys=KEYS) -> int:
    parser = argparse.ArgumentParser(prog="annotated_docs")
    cli.add_subparser(parser.add_subparsers(dest="command"))
    return cli.run(parser.parse_args(["translations", "--translations", str(root), *argv]),
                   lambda source: keys)


def test_status_counts_and_percent_per_page_and_total(root):
    rows = {row.page: row for row in commands.status(root, KEYS, ["si"])}
    assert (rows["readme"].translated, rows["readme"].total, rows["readme"].percent) == (2, 2, 100.0)
    large = rows["large"]
    assert (large.translated, large.fuzzy, large.missing, large.obsolete) == (1, 1, 1, 2)
    assert rows["_site"].missing == 1
    table = commands.format_status(list(rows.values()))
    assert "total" in table and "4/7" in table and "57.1 %" in table


def test_status_lists_a_file_without_a_source_page(root):
    (root / "si" / "removed.json").write_text('{"<p>x</p>": "<p>ය</p>"}', encoding="utf-8")
    rows = {row.page: row for row in commands.status(root, KEYS, ["si"])}
    assert rows["removed"].obsolete == 1
    assert "no source page" in rows["removed"].problems[-1].message


def test_template_starts_a_new_language_with_every_key_empty(root):
    commands.template(root, "ta", KEYS)
    large = json.loads((root / "ta" / "large.json").read_text(encoding="utf-8"))
    assert list(large) == KEYS["large"] and set(large.values()) == {""}
    assert json.loads((root / "ta" / "readme.json").read_text(encoding="utf-8")) == dict.fromkeys(SEED_KEYS, "")


def test_a_language_whose_folder_holds_only_its_glossary_still_starts_as_a_draft(root):
    """zh and ja had their glossaries first; `template` then left "@ready" empty, which publishes"""
    (root / "zh").mkdir()
    (root / "zh" / "_glossary.json").write_text('{"teacher": {"use": "教师"}}\n', encoding="utf-8")
    commands.template(root, "zh", {**KEYS, "_site": ["@name", "@ready", "Home"]})
    site = json.loads((root / "zh" / "_site.json").read_text(encoding="utf-8"))
    assert site["@ready"] == "no" and site["Home"] == ""
    # A language that has its site strings is not new: its "@ready" stays what its translator wrote
    (root / "zh" / "_site.json").write_text('{"@name": "中文", "@ready": "yes"}\n', encoding="utf-8")
    commands.template(root, "zh", {**KEYS, "_site": ["@name", "@ready", "Home"]})
    assert json.loads((root / "zh" / "_site.json").read_text(encoding="utf-8"))["@ready"] == "yes"


def test_template_keeps_existing_entries_in_order_and_only_adds(root):
    path = root / "si" / "large.json"
    before = path.read_text(encoding="utf-8")
    [change] = commands.template(root, "si", KEYS, ["large"])
    after = path.read_text(encoding="utf-8")
    assert change.written and change.keys == [KEYS["large"][1], KEYS["large"][2]]
    assert after.startswith(before[:before.rindex('"\n}')])         # old bytes untouched
    assert list(json.loads(after))[:3] == list(json.loads(before))
    assert json.loads(after)[KEYS["large"][2]] == ""


def test_template_does_not_touch_a_complete_file(root):
    commands.template(root, "si", KEYS, ["large"])
    path = root / "si" / "large.json"
    stamp = path.stat().st_mtime_ns
    [change] = commands.template(root, "si", KEYS, ["large"])
    assert not change.written and change.keys == [] and path.stat().st_mtime_ns == stamp


def test_template_counts_a_differently_escaped_key_as_present(root):
    keys = {"large": ["<p>It's</p>"]}
    (root / "si" / "large.json").write_text('{"<p>It&#x27;s</p>": ""}', encoding="utf-8")
    [change] = commands.template(root, "si", keys, ["large"])
    assert change.keys == [] and not change.written


def test_template_never_rewrites_the_seed_even_when_keys_are_missing(root):
    seed = root / "si" / "readme.json"
    changes = commands.template(root, "si", {"readme": SEED_KEYS + ["<p>New section.</p>"]})
    assert sha256(seed) == SEED_SHA256
    assert changes[0].refused and changes[0].keys == ["<p>New section.</p>"]


def test_template_refuses_an_invalid_file_and_leaves_it(root, capsys):
    path = root / "si" / "large.json"
    path.write_text('{"a": "b",}', encoding="utf-8")
    assert run_cli(root, "template", "--lang", "si") == 1
    assert path.read_text(encoding="utf-8") == '{"a": "b",}'
    assert "line 1, column 11" in capsys.readouterr().out


def test_purge_obsolete_removes_only_obsolete_entries_byte_for_byte(root):
    path = root / "si" / "large.json"
    kept_before = entries(path)[:1]
    [change] = commands.purge_obsolete(root, "si", KEYS, ["large"])
    assert change.written and change.keys == [OLD, "<p>Gone.</p>"]
    assert entries(path) == kept_before


def test_purge_obsolete_leaves_the_seed_and_pageless_files(root):
    (root / "si" / "removed.json").write_text('{"<p>x</p>": "<p>ය</p>"}', encoding="utf-8")
    commands.purge_obsolete(root, "si", {**KEYS, "readme": ["Something else"]})
    assert sha256(root / "si" / "readme.json") == SEED_SHA256
    assert json.loads((root / "si" / "removed.json").read_text(encoding="utf-8")) == {"<p>x</p>": "<p>ය</p>"}


def test_check_exits_nonzero_on_errors_and_names_file_and_key(root, capsys):
    assert run_cli(root, "check") == 0          # the seed only warns (ZWJ)
    (root / "si" / "_site.json").write_text('{"Home": "<script>x</script>"}', encoding="utf-8")
    assert run_cli(root, "check") == 1
    out = capsys.readouterr().out
    assert "_site.json:1: error: key 'Home': unsafe HTML" in out
    assert "readme.json:2: warning:" in out and "zero-width joiner" in out


def test_check_reports_fuzzy_with_the_english_diff(root, capsys):
    run_cli(root, "check", "--lang", "si", "--diff")
    out = capsys.readouterr().out
    assert "fuzzy" in out and "    +<p>Now train the" in out


def test_check_prints_one_line_per_problem_without_diff(root, capsys):
    run_cli(root, "check", "--lang", "si")
    lines = capsys.readouterr().out.splitlines()
    assert any("fuzzy" in line for line in lines)
    assert all(line.startswith(str(root)) for line in lines[:-1]), lines   # no diff lines
    assert not any("Now train the" in line and line.startswith("+") for line in lines)


@pytest.mark.parametrize("argv", [
    ["status"], ["status", "--lang", "si"], ["check"], ["template", "--lang", "si"],
    ["template", "--lang", "ta"], ["template", "--lang", "si", "--page", "readme"],
    ["purge-obsolete", "--lang", "ta"],
])
def test_no_command_but_purge_shrinks_a_file_and_the_seed_keeps_its_bytes(root, argv):
    keys = {**KEYS, "readme": SEED_KEYS + ["<p>A section added since.</p>"]}
    before = snapshot(root)
    run_cli(root, *argv, keys=keys)
    assert_nothing_lost(before)
    assert sha256(root / "si" / "readme.json") == SEED_SHA256


def test_the_repository_seed_is_the_users_file():
    assert sha256(SEED) == SEED_SHA256


def test_cli_help_lists_the_four_commands():
    parser = argparse.ArgumentParser(prog="annotated_docs")
    translations = cli.add_subparser(parser.add_subparsers(dest="command"))
    text = translations.format_help()
    for command in ("status", "template", "check", "purge-obsolete"):
        assert command in text


FIXTURE_SOURCE = REPO / "tests" / "fixtures" / "tutorial"   # the generator's test tutorial


def generator_or_skip(source: Path):
    from annotated_docs import pages
    if not (source / "readme.md").is_file():
        pytest.skip(f"no {source}/readme.md")
    return pages


@pytest.mark.parametrize("source", [FIXTURE_SOURCE, REPO / "labml_nn_distill"],
                         ids=["fixture", "tutorial"])
def test_seed_is_complete_for_the_readme_the_generator_renders(tmp_path, source):
    generator_or_skip(source)
    from annotated_docs.i18n import english_keys_by_page
    keys = english_keys_by_page(source)
    shutil.copytree(REPO / "translations", tmp_path / "translations")
    rows = {row.page: row for row in commands.status(tmp_path / "translations", keys, ["si"])}
    assert rows["readme"].percent == 100.0 and rows["readme"].problems[0].severity == "warning"
    commands.template(tmp_path / "translations", "si", keys)
    assert sha256(tmp_path / "translations" / "si" / "readme.json") == SEED_SHA256


def test_generator_shows_the_seed_in_sinhala_with_the_badge_restored():
    pages = generator_or_skip(FIXTURE_SOURCE)
    from annotated_docs import i18n
    page = pages.load_page(FIXTURE_SOURCE / "readme.md", FIXTURE_SOURCE)
    shown = i18n.localise(page, "si", REPO / "translations")
    assert shown.title == "ස්නායුක ජාලයක දැනුම ආසවනය කිරීම"
    [section] = shown.sections
    assert section.lang is None and "ස්නායුක ජාලයක දැනුම" in section.notes_html
    assert "_^_" not in section.notes_html and "app.labml.ai/run/" in section.notes_html
    assert page.sections[0].fragments[0] in section.notes_html


def test_python_m_annotated_docs_translations_runs_the_commands(tmp_path):
    import subprocess
    import sys
    generator_or_skip(FIXTURE_SOURCE)
    shutil.copytree(REPO / "translations", tmp_path / "translations")
    result = subprocess.run(
        [sys.executable, "-m", "annotated_docs", "translations", "--source", str(FIXTURE_SOURCE),
         "--translations", str(tmp_path / "translations"), "status", "--lang", "si"],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "readme" in result.stdout and "100.0 %" in result.stdout
    assert sha256(tmp_path / "translations" / "si" / "readme.json") == SEED_SHA256
