"""Translator input can never break the site, the seed or the disk (issue 13, holes 1-10).

Every test works on copies in temporary folders; English keys are plain lists handed to the
command line in place of the generator's `english_keys_by_page`.
"""
import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from annotated_docs.translations import Problem, cli, commands, jsonfile, load_catalog

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "translations" / "si" / "readme.json"
SEED_SHA256 = "bbe367fae7c7f8de690aaedae5face5fff7c5f03950ee8be61313d7ba98cfc45"
SEED_KEYS = list(json.loads(SEED.read_text(encoding="utf-8")))
KEYS = {"readme": SEED_KEYS + ["<p>A section added since.</p>"],
        "small": ["Small model", "<p>The student.</p>"], "_site": ["Home"]}

P0 = "<span translate=no>_^_0_^_</span>"
KEY = f'<p>The loss <a href="large.html">of the model</a> is {P0}.</p>\n'
GOOD = f'<p>නැතිවීම <a href="large.html">ආකෘතියේ</a> {P0}.</p>\n'


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def root(tmp_path):
    translations = tmp_path / "work" / "translations"
    (translations / "si").mkdir(parents=True)
    shutil.copyfile(SEED, translations / "si" / "readme.json")
    (translations / "si" / "small.json").write_text(
        '{\n  "Small model": "කුඩා ආකෘතිය",\n  "<p>Gone.</p>": "<p>නැත.</p>"\n}\n', encoding="utf-8")
    return translations


def run_cli(root, *argv, keys=KEYS) -> int:
    parser = argparse.ArgumentParser(prog="annotated_docs")
    cli.add_subparser(parser.add_subparsers(dest="command"))
    return cli.run(parser.parse_args(["translations", "--translations", str(root), *argv]),
                   lambda source: keys)


def catalog_of(tmp_path, raw: str, page="large", keys=None):
    path = tmp_path / "si" / f"{page}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(raw, encoding="utf-8", errors="surrogatepass")
    return load_catalog(tmp_path, "si", page, english_keys=keys)


def errors_of(resolution):
    return [p.message for p in resolution.problems if p.severity == "error"]


# ------------------------------------------------------------ 1. the seed, however spelt

@pytest.mark.parametrize("lang", ["./si", "si/", "si/.", "../translations/si"])
def test_hole1_seed_cannot_be_purged_through_another_spelling_of_its_language(root, lang, capsys):
    status = run_cli(root, "purge-obsolete", "--lang", lang, "--page", "readme",
                     keys={**KEYS, "readme": ["Something else"]})
    assert status == 2 and "--lang" in capsys.readouterr().err
    assert sha256(root / "si" / "readme.json") == SEED_SHA256


def test_hole1_seed_is_protected_by_resolved_path_through_a_linked_translations_folder(root):
    linked = root.parent / "linked"
    linked.symlink_to(root, target_is_directory=True)
    changes = commands.purge_obsolete(linked, "si", {**KEYS, "readme": ["Something else"]})
    assert sha256(root / "si" / "readme.json") == SEED_SHA256
    assert any(change.refused and "seed" in change.refused for change in changes)
    with pytest.raises(ValueError, match="seed"):
        commands.write(linked, linked / "si" / "readme.json", "{}")


# ------------------------------------------------------ 2. nothing written outside translations/

@pytest.mark.parametrize("lang", ["../../etc", "ABSOLUTE", "SI", "si_LK", "x", "..", "index.html"])
def test_hole2_language_code_that_is_no_bcp47_tag_is_refused_and_nothing_written(root, lang, capsys):
    absolute = root.parent.parent / "absolute"
    lang = str(absolute) if lang == "ABSOLUTE" else lang
    before = sorted(p for p in root.parent.parent.rglob("*"))
    assert run_cli(root, "template", "--lang", lang, "--page", "small") == 2
    assert "--lang" in capsys.readouterr().err
    assert sorted(p for p in root.parent.parent.rglob("*")) == before
    assert not absolute.exists()


@pytest.mark.parametrize("lang", ["si", "zh", "pt-br", "zh-hant"])
def test_hole2_lowercase_bcp47_codes_are_accepted(root, lang):
    assert run_cli(root, "template", "--lang", lang, "--page", "small") == 0
    assert (root / lang / "small.json").is_file()


def test_hole2_symlinked_language_folder_is_refused(root, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "ta").symlink_to(elsewhere, target_is_directory=True)
    assert run_cli(root, "template", "--lang", "ta") == 2
    assert "symbolic link" in capsys.readouterr().err and list(elsewhere.iterdir()) == []


def test_hole2_check_reports_a_linked_language_folder_as_an_error(root, tmp_path, capsys):
    (tmp_path / "elsewhere").mkdir()
    (root / "ta").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert run_cli(root, "check") == 1
    out = capsys.readouterr().out
    assert f"{root / 'ta'}: error: " in out and "symbolic link" in out


def test_hole2_check_of_a_language_that_does_not_exist_is_an_error(root, capsys):
    assert run_cli(root, "check", "--lang", "is") == 2
    err = capsys.readouterr().err
    assert "no language 'is'" in err and "si" in err


def test_hole2_unknown_page_is_an_error_naming_the_option(root, capsys):
    assert run_cli(root, "template", "--lang", "si", "--page", "../../x") == 2
    assert "--page: no page '../../x'" in capsys.readouterr().err


# ----------------------------------------------------------- 3. one bad value stops nothing

def test_hole3_lone_surrogate_in_a_value_is_an_error_on_that_key(tmp_path):
    catalog = catalog_of(tmp_path, json.dumps({KEY: "<p>\\ud800</p>", "Home": "ගෙදර"})
                         .replace("\\\\ud800", "\\ud800"))
    [problem] = catalog.problems
    assert problem.key == KEY and "lone surrogate \\ud800 at character 4" in problem.message
    assert catalog.resolve(KEY).html is None and catalog.resolve("Home").html == "ගෙදර"
    str(problem).encode("utf-8")               # printable


def test_hole3_lone_surrogate_in_a_key_is_reported_printably(tmp_path):
    catalog = catalog_of(tmp_path, '{"<p>\\udfff</p>": "<p>x</p>"}', keys=["<p>y</p>"])
    [problem] = catalog.problems
    assert "\\udfff" in problem.key and "the key holds a lone surrogate" in problem.message
    assert catalog.resolve("<p>y</p>").state == "missing"
    str(problem).encode("utf-8")


def test_hole3_deep_nesting_is_a_file_error_with_its_line(tmp_path):
    raw = '{\n"a": "b",\n"c": ' + "[" * 100_000 + "]" * 100_000 + "}"
    catalog = catalog_of(tmp_path, raw)
    [problem] = catalog.problems
    assert problem.line == 3 and "nested more than 100 deep" in problem.message


def test_hole3_check_and_status_survive_a_surrogate_and_deep_nesting(root, capsys):
    (root / "si" / "small.json").write_text('{"Small model": "\\ud800"}', encoding="utf-8")
    (root / "si" / "_site.json").write_text('{"Home": ' + "[" * 50_000 + "]" * 50_000 + "}",
                                            encoding="utf-8")
    assert run_cli(root, "status") == 0
    assert run_cli(root, "check") == 1
    out = capsys.readouterr().out
    assert "small.json:1: error: key 'Small model': the value holds a lone surrogate" in out
    assert "_site.json:1:109: error: line 1, column 109: values nested more than 100 deep" in out


# --------------------------------------------------- 4. placeholders counted as the page has them

@pytest.mark.parametrize("value, where", [
    (GOOD.replace(f" {P0}", f" <!-- {P0} -->"), "comment"),
    (GOOD.replace('<a href="large.html">', f'<a href="large.html" title="{P0}">')
     .replace(f" {P0}.", "."), "attribute"),
])
def test_hole4_placeholder_hidden_in_a_comment_or_attribute_is_missing(tmp_path, value, where):
    key = KEY.replace('<a href="large.html">', '<a href="large.html" title="t">') \
        if where == "attribute" else KEY
    catalog = catalog_of(tmp_path, json.dumps({key: value}))
    resolution = catalog.resolve(key)
    assert resolution.html is None
    assert any("placeholder(s) 0 inside a comment, an attribute value" in message
               for message in errors_of(resolution)), errors_of(resolution)


# -------------------------------------------------------------- 5. attributes and structure

@pytest.mark.parametrize("value, expected", [
    (GOOD.replace("<p>", '<p id="theme-toggle">'), "attributes the English does not have: id= on <p>"),
    (GOOD.replace("<p>", '<p class="skip-link">'), "class= on <p>"),
    (GOOD.replace("<a ", '<a title="x" '), "title= on <a>"),
    (GOOD.replace("<p>", '<p dir="rtl">'), "dir= on <p>"),
    (GOOD.replace("<p>", '<p lang="en">'), "lang= on <p>"),
    (GOOD.replace("ආකෘතියේ", "\u202eආකෘතියේ"), "invisible control character U+202E"),
    (GOOD.replace("<span translate=no>", '<span translate=no class="theme-toggle">'),
     "mangled placeholder"),
])
def test_hole5_attributes_the_english_lacks_are_errors(tmp_path, value, expected):
    resolution = catalog_of(tmp_path, json.dumps({KEY: value})).resolve(KEY)
    assert resolution.html is None
    assert any(expected in message for message in errors_of(resolution)), errors_of(resolution)


def test_hole5_attribute_value_the_english_does_not_use_is_an_error(tmp_path):
    key = '<ol start="3">\n<li>a</li>\n</ol>\n'
    resolution = catalog_of(tmp_path, json.dumps({key: '<ol start="9">\n<li>අ</li>\n</ol>\n'})).resolve(key)
    assert resolution.html is None
    assert any('attribute values the English does not have: start="9" on <ol>' in message
               for message in errors_of(resolution))


def test_hole5_sanitiser_keeps_only_the_englishs_attributes_and_values():
    from annotated_docs.translations.checks import sanitise
    english = '<ol start="3">\n<li>a</li>\n</ol>\n'
    cleaned = sanitise('<ol start="9" id="theme-toggle" dir="rtl"><li class="x">b</li></ol>', english)
    assert cleaned == "<ol><li>b</li></ol>"
    assert sanitise('<ol start="3"><li>b</li></ol>', english) == '<ol start="3"><li>b</li></ol>'


def test_hole5_a_list_turned_into_a_paragraph_is_reported(tmp_path):
    key = "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
    resolution = catalog_of(tmp_path, json.dumps({key: "<p>එක, දෙක</p>"})).resolve(key)
    assert resolution.html is None
    messages = " ".join(errors_of(resolution))
    assert "the English's structure is missing: <li> ×2, <ul>" in messages, messages


def test_hole5_dropped_emphasis_is_a_warning_and_still_shown(tmp_path):
    key = "<p>A <em>soft</em> target.</p>"
    resolution = catalog_of(tmp_path, json.dumps({key: "<p>මෘදු ඉලක්කය.</p>"})).resolve(key)
    assert resolution.state == "translated"
    assert any("<em>" in p.message and p.severity == "warning" for p in resolution.problems)


# ----------------------------------------------------------------------- 7. linear parsing

def test_hole7_entries_of_a_large_file_have_their_lines(tmp_path):
    count = 20_000
    lines = ["{"] + [f'  "key {i}": "value {i}",' for i in range(count - 1)] + \
        [f'  "key {count - 1}": "value"', "}"]
    parsed = jsonfile.parse("\n".join(lines) + "\n")
    assert [entry.line for entry in parsed.entries] == list(range(2, count + 2))


def test_hole7_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "si" / "large.json"
    path.parent.mkdir()
    with open(path, "wb") as handle:       # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 1000 * 1000)
    [problem] = load_catalog(tmp_path, "si", "large").problems
    assert "file is 100 MB, more than the 52 MB a translation file may have" in problem.message


# ----------------------------------------------------------- 8. line endings and key order

def test_hole8_template_keeps_crlf_line_endings_and_key_order(root):
    path = root / "si" / "small.json"
    original = b'{\r\n    "<p>Gone.</p>": "<p>\xe0\xb6\xb1\xe0\xb7\x90\xe0\xb6\xad.</p>",\r\n    "Small model": "x"\r\n}\r\n'
    path.write_bytes(original)
    [change] = commands.template(root, "si", KEYS, ["small"])
    data = path.read_bytes()
    assert change.written and data.startswith(original[:original.rindex(b'"\r\n}')])
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert list(json.loads(data)) == ["<p>Gone.</p>", "Small model", "<p>The student.</p>"]


def test_hole8_purge_keeps_a_byte_order_mark_and_crlf(root):
    path = root / "si" / "small.json"
    path.write_bytes(b'\xef\xbb\xbf{\r\n  "Small model": "x",\r\n  "<p>Gone.</p>": "y"\r\n}\r\n')
    commands.purge_obsolete(root, "si", KEYS, ["small"])
    assert path.read_bytes() == b'\xef\xbb\xbf{\r\n  "Small model": "x"\r\n}\r\n'


def test_hole10_a_file_with_a_byte_order_mark_is_read(tmp_path):
    catalog = catalog_of(tmp_path, '\ufeff{"Home": "ගෙදර"}', page="_site")
    assert catalog.problems == [] and catalog.text("Home") == "ගෙදර"


# ------------------------------------------------------------------------------ 10. messages

def test_hole10_sanitiser_message_says_what_it_removes(tmp_path):
    key = '<p>See <a href="ftp://example.org/x">the file</a>.</p>'
    value = '<p><a href="ftp://example.org/x">ගොනුව</a> බලන්න.</p>'
    resolution = catalog_of(tmp_path, json.dumps({key: value})).resolve(key)
    assert resolution.html is None
    assert errors_of(resolution) == ["the sanitiser would remove href= on <a>; use only the "
                                     "English's own tags and attributes"]


def test_hole10_unclosed_comment_is_named_as_such(tmp_path):
    value = GOOD.replace("ආකෘතියේ", "ආකෘතියේ <!-- todo")
    resolution = catalog_of(tmp_path, json.dumps({KEY: value})).resolve(KEY)
    [message] = errors_of(resolution)
    assert message.startswith("unclosed comment: '<!--' at character") and "has no opening" not in message


def test_hole10_no_python_type_names_in_messages(tmp_path):
    catalog = catalog_of(tmp_path, '{"a": null, "b": true, "c": {"d": 1}, "e": 1.5}')
    messages = [problem.message for problem in catalog.problems]
    assert messages[0].startswith("value is null,") and "true or false" in messages[1]
    assert "an object {...}" in messages[2] and "a number" in messages[3]
    assert not any(name in " ".join(messages) for name in ("NoneType", "bool", "dict", "float"))


def test_hole10_every_problem_prints_on_one_line():
    problem = Problem("f.json", "<p>a\nb</p>", "error", "first\nsecond\r\nthird", 3,
                      detail="-old\n+new")
    assert str(problem) == "f.json:3: error: key 'a b': first second third"


def test_hole10_a_byte_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "si" / "large.json"
    path.parent.mkdir()
    path.write_bytes(b'{\n"a":\n "\xff"}')
    [problem] = load_catalog(tmp_path, "si", "large").problems
    assert problem.line == 3 and "not UTF-8 (byte 9)" in problem.message
    assert "utf-8-sig" not in problem.message


# ----------------------------------------------------- the workflow: dry runs, counts, obsolete

def test_purge_obsolete_dry_run_lists_and_writes_nothing(root, capsys):
    path = root / "si" / "small.json"
    before = path.read_bytes()
    assert run_cli(root, "purge-obsolete", "--lang", "si", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "small.json: 1 key(s) would be removed" in out and "'Gone.'" in out
    assert path.read_bytes() == before


def test_template_prints_a_count_not_every_key(root, capsys):
    assert run_cli(root, "template", "--lang", "ta") == 0
    out = capsys.readouterr().out
    assert "small.json: 2 key(s) added" in out and "The student" not in out


def test_check_lists_obsolete_entries(root, capsys):
    run_cli(root, "check", "--lang", "si")
    out = capsys.readouterr().out
    assert "small.json:3: warning: key 'Gone.': obsolete" in out


def test_no_command_writes_outside_the_translations_folder(root):
    outside = root.parent
    for argv in (["template", "--lang", "ta"], ["purge-obsolete", "--lang", "si"],
                 ["template", "--lang", "../x"], ["template", "--lang", str(outside / "y")]):
        run_cli(root, *argv)
    assert os.listdir(outside) == ["translations"]
    assert sorted(os.listdir(root)) == ["si", "ta"]
