"""A language's glossary, `translations/<lang>/_glossary.json`, and `check`'s rules G1-G4.

Every test writes its own translations folder (zh, ja or si, as the rule is the same for all
three) and hands the commands its English keys, so nothing of the repository is written.
"""
import argparse
import json
import os
import re
from pathlib import Path

import pytest

from annotated_docs import i18n
from annotated_docs.translations import cli, commands, po
from annotated_docs.translations.glossary import GLOSSARY_PAGE, PREFIX, load_glossary

REPO = Path(__file__).resolve().parent.parent

TEACHER = "<p>The teacher gives soft targets at a high temperature.</p>\n"
STUDENT = "<p>The students learn from the teachers&#x27; soft targets.</p>\n"
TITLE = "Distillation"
LOGITS = "<p>Both models give logits.</p>\n"
KEYS = {"index": [TITLE, TEACHER, STUDENT, LOGITS],
        "large": ["The teachers", "<p>Each <em>teacher</em> is trained on the labels.</p>\n"],
        "_site": ["@name", "@ready", "Home"]}

ZH = {
    "distil": {"use": "蒸馏", "note": "知识蒸馏"},
    "teacher": {"use": "教师", "avoid": ["老师"]},
    "student": {"use": "学生"},
    "soft target": {"use": "软目标"},
    "temperature": {"use": "温度"},
    "logit": {"use": "logit", "avoid": ["对数几率"]},
    "cross-entropy": {"use": "交叉熵"},
}
JA = {"teacher": {"use": "教師", "avoid": ["先生", "ティーチャー"]},
      "soft target": {"use": "ソフトターゲット", "avoid": ["軟目標"]},
      "temperature": {"use": "温度"}, "student": {"use": "生徒", "avoid": ["学生"]},
      "distil": {"use": "蒸留"}, "logit": {"use": "ロジット"}}
SI = {"teacher": {"use": "ගුරු"}, "temperature": {"use": "උෂ්ණත්ව"}}


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=2),
                    encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path):
    write(tmp_path / "zh" / "_glossary.json", ZH)
    write(tmp_path / "ja" / "_glossary.json", JA)
    write(tmp_path / "si" / "_glossary.json", SI)
    for lang in ("zh", "ja", "si"):
        write(tmp_path / lang / "_site.json", {"@ready": "yes"})
    return tmp_path


def glossary_warnings(root, lang, page_entries, page="index"):
    write(root / lang / f"{page}.json", page_entries)
    return [problem for problem in commands.check(root, KEYS, [lang])
            if problem.message.startswith(PREFIX)]


def messages(problems):
    return [str(problem) for problem in problems]


def run_cli(root, *argv) -> int:
    parser = argparse.ArgumentParser(prog="annotated_docs")
    cli.add_subparser(parser.add_subparsers(dest="command"))
    return cli.run(parser.parse_args(["translations", "--translations", str(root), *argv]),
                   lambda source: KEYS)


# ------------------------------------------------------------------ G1 another rendering

def test_g1_a_section_with_the_term_and_another_rendering_is_warned_naming_file_line_key_term(root):
    found = glossary_warnings(root, "zh", {TEACHER: "<p>老师在高温度下给出软目标。</p>\n"})
    [line] = [message for message in messages(found) if "(term 'teacher')" in message]
    assert line.startswith(f"{root / 'zh' / 'index.json'}:2: warning: key 'The teacher gives soft")
    assert "different rendering" in line and "'教师'" in line and "_glossary.json:" in line


def test_g1_is_quiet_when_the_rendering_is_used(root):
    assert not glossary_warnings(root, "zh", {TEACHER: "<p>教师在较高的温度下给出软目标。</p>\n"})


@pytest.mark.parametrize("english, term", [
    ("<p>The teachers agree.</p>\n", "teacher"),
    ("<p>The Teacher&#x27;s logits.</p>\n", "teacher"),
    ("<p>Distillation works.</p>\n", "distil"),
    ("<p>A distilled model.</p>\n", "distil"),
    ("<p>The cross entropy of both.</p>\n", "cross-entropy"),
    ("<p>The cross-entropy&#x27;s gradient.</p>\n", "cross-entropy"),
    ("<h2>Soft-targets, again</h2>\n", "soft target"),
])
def test_g1_finds_the_term_at_a_word_start_whatever_the_ending_and_case(root, english, term):
    keys = dict(KEYS, index=[TITLE, english])
    write(root / "zh" / "index.json", {english: re.sub(r">[^<]+<", ">另一种说法。<", english)})
    found = [problem for problem in commands.check(root, keys, ["zh"])
             if problem.message.startswith(PREFIX)]
    assert any(f"(term {term!r})" in problem.message for problem in found), messages(found)


@pytest.mark.parametrize("english", [
    "<p>An undistilled model.</p>\n",                                    # not at a word start
    "<p>Call <span translate=no>_^_0_^_</span> on it.</p>\n",            # a formula or code
    "<p>Call <code>teacher</code> on it.</p>\n",                          # code
    '<p>See <a href="teacher.html" title="x">the page</a>.</p>\n',       # an attribute
])
def test_g1_does_not_see_the_term_in_code_placeholders_attributes_or_inside_a_word(root, english):
    keys = dict(KEYS, index=[TITLE, english])
    write(root / "zh" / "index.json", {english: english.replace("the page", "页面")})
    assert not [problem for problem in commands.check(root, keys, ["zh"])
                if problem.message.startswith(PREFIX)]


def test_g1_checks_the_page_title_and_the_site_strings_too(root):
    keys = dict(KEYS, _site=["@name", "@ready", "Home", "Temperature explorer"])
    write(root / "zh" / "_site.json", {"@ready": "yes", "Temperature explorer": "热度浏览器"})
    write(root / "zh" / "large.json", {"The teachers": "老师们"})
    found = messages(p for p in commands.check(root, keys, ["zh"]) if p.message.startswith(PREFIX))
    assert any("large.json" in line and "'The teachers'" in line for line in found), found
    assert any("_site.json" in line and "'温度'" in line for line in found), found


def test_g1_is_the_same_rule_in_japanese_and_sinhala(root):
    assert glossary_warnings(root, "ja", {TEACHER: "<p>先生は高い温度でソフトターゲットを出す。</p>\n"})
    assert glossary_warnings(root, "si", {TEACHER: "<p>ආචාර්යවරයා ඉහළ උෂ්ණත්වයේදී ඉලක්ක දෙයි.</p>\n"})
    assert not glossary_warnings(root, "si", {TEACHER: "<p>ගුරු ආකෘතිය ඉහළ උෂ්ණත්වයේදී මෘදු ඉලක්ක දෙයි.</p>\n"})


def test_g1_ignores_outdated_obsolete_and_untranslated_entries(root):
    found = glossary_warnings(root, "zh", {TEACHER: "",
                                           "<p>The teacher gives hard targets.</p>\n": "<p>老师。</p>\n"})
    assert not found, messages(found)


# ---------------------------------------------------------------------- G2 avoided forms

def test_g2_an_avoided_form_is_warned_where_the_english_has_the_term(root):
    found = messages(glossary_warnings(root, "zh", {TEACHER: "<p>教师（老师）在较高温度下给出软目标。</p>\n"}))
    assert [line for line in found if "'老师' is a form the glossary avoids for 'teacher'" in line], found
    assert not [line for line in found if "different rendering" in line], found


def test_g2_is_quiet_where_the_english_does_not_have_the_term(root):
    found = glossary_warnings(root, "zh", {LOGITS: "<p>两个模型（老师说）都给出 logit。</p>\n"})
    assert not [problem for problem in found if "avoids" in problem.message], messages(found)


def test_g2_in_japanese_the_avoided_katakana_loanword(root):
    found = messages(glossary_warnings(root, "ja", {TEACHER: "<p>ティーチャーの教師は高い温度でソフトターゲットを与える。</p>\n"}))
    assert any("'ティーチャー' is a form the glossary avoids" in line for line in found), found


# ----------------------------------------------------------------------- G3 English form

def test_g3_the_english_form_in_the_text_is_warned(root):
    found = messages(glossary_warnings(root, "zh", {TEACHER: "<p>teacher 在较高的温度下给出软目标。</p>\n"}))
    assert any("the English form 'teacher' of 'teacher' in the text" in line for line in found), found


def test_g3_allows_one_bracketed_gloss_per_page_and_warns_the_second(root):
    first = "<p>教师在较高的温度下给出软目标（soft targets）。</p>\n"
    second = "<p>学生从教师的软目标（soft target）中学习。</p>\n"
    found = messages(glossary_warnings(root, "zh", {TEACHER: first}))
    assert not found, found
    found = messages(glossary_warnings(root, "zh", {TEACHER: first, STUDENT: second}))
    assert len(found) == 1 and ":3: warning:" in found[0], found
    assert "again in brackets (first on line 2)" in found[0]


def test_g3_full_width_brackets_are_brackets(root):
    assert not glossary_warnings(root, "ja", {TEACHER: "<p>教師は高い温度でソフトターゲット（soft targets）を与える。</p>\n"})


def test_g3_another_page_may_gloss_the_term_again(root):
    assert not glossary_warnings(root, "zh", {TEACHER: "<p>教师在较高的温度下给出软目标（soft targets）。</p>\n"})
    found = glossary_warnings(root, "zh", {"The teachers": "教师（teachers）",
                                           KEYS["large"][1]: "<p>每个<em>教师</em>都用标签训练。</p>\n"},
                              page="large")
    assert not found, messages(found)


def test_g3_a_rendering_that_is_the_english_form_is_not_warned(root):
    """zh keeps "logit" in Latin script: its use is the English form itself."""
    assert not glossary_warnings(root, "zh", {LOGITS: "<p>两个模型都给出 logit，也就是 logits。</p>\n"})


def test_g3_does_not_see_code_attributes_or_a_title_cited_as_the_english_links_it(root):
    english = ('<p>The teacher: <a href="https://arxiv.org/abs/1503.02531">Distilling the '
               'Knowledge in a Neural Network</a>, <span translate=no>_^_0_^_</span>.</p>\n')
    keys = dict(KEYS, index=[TITLE, english])
    write(root / "zh" / "index.json", {english: '<p>教师：<a href="https://arxiv.org/abs/1503.02531">'
                                       'Distilling the Knowledge in a Neural Network</a>，'
                                       '<span translate=no>_^_0_^_</span>。</p>\n'})
    found = [p for p in commands.check(root, keys, ["zh"]) if p.message.startswith(PREFIX)]
    assert not found, messages(found)
    write(root / "zh" / "index.json", {english: '<p>教师：<a href="https://arxiv.org/abs/1503.02531">'
                                       'Distilling knowledge</a>，<span translate=no>_^_0_^_</span>。</p>\n'})
    found = [p for p in commands.check(root, keys, ["zh"]) if p.message.startswith(PREFIX)]
    assert any("English form 'Distilling'" in p.message for p in found), messages(found)


# ---------------------------------------------------------------------- G4 repeated glosses

def test_g4_a_latin_gloss_repeated_on_a_page_is_warned(root):
    first = "<p>教师在较高的温度下给出软目标，即 KL 散度（Kullback-Leibler divergence）。</p>\n"
    second = "<p>学生从教师的软目标学习（Kullback-Leibler divergence）。</p>\n"
    found = messages(glossary_warnings(root, "zh", {TEACHER: first, STUDENT: second}))
    assert len(found) == 1 and ":3: warning:" in found[0] and "(kullback-leibler divergence) again" in found[0], found
    assert not glossary_warnings(root, "zh", {TEACHER: first})


def test_g4_full_width_and_ascii_brackets_are_the_same_gloss(root):
    found = glossary_warnings(root, "ja", {
        TEACHER: "<p>教師は高い温度でソフトターゲットを与える（KL divergence）。</p>\n",
        STUDENT: "<p>生徒は教師のソフトターゲットから学ぶ(KL divergence)。</p>\n"})
    assert len(found) == 1 and "again" in found[0].message, messages(found)


def test_g4_a_bracket_the_english_has_at_that_place_is_no_gloss(root):
    english = "<p>The teacher (Hinton, 2015) gives soft targets at a high temperature.</p>\n"
    english2 = "<p>The student (Hinton, 2015) learns.</p>\n"
    keys = dict(KEYS, index=[TITLE, english, english2])
    write(root / "zh" / "index.json", {english: "<p>教师（Hinton, 2015）在较高的温度下给出软目标。</p>\n",
                                       english2: "<p>学生（Hinton, 2015）学习。</p>\n"})
    assert not [p for p in commands.check(root, keys, ["zh"]) if p.message.startswith(PREFIX)]


def test_g4_brackets_with_chinese_or_only_numbers_are_no_gloss(root):
    assert not glossary_warnings(root, "zh", {
        TEACHER: "<p>教师（即大模型）在较高的温度（20）下给出软目标。</p>\n",
        STUDENT: "<p>学生（即大模型）从教师的软目标（20）学习。</p>\n"})


def test_g4_a_bracketed_value_with_single_letters_is_no_gloss(root):
    """ja's results page writes "(T = 20)" where the English has "at T = 20": a value, not a word"""
    assert not glossary_warnings(root, "ja", {
        TEACHER: "<p>教師は高い温度（T = 20）でソフトターゲットを与えます。</p>\n",
        STUDENT: "<p>生徒は教師のソフトターゲット（T = 20, α = 0.9）から学びます（T = 20）。</p>\n"})
    # Two letters make a word: "(KL)" repeated is still a gloss repeated
    found = glossary_warnings(root, "ja", {TEACHER: "<p>教師は温度でソフトターゲットを与えます（KL）。</p>\n",
                                           STUDENT: "<p>生徒は教師のソフトターゲットから学びます（KL）。</p>\n"})
    assert len(found) == 1 and "(kl) again" in found[0].message, messages(found)


def test_g3_and_g4_name_a_repeated_gloss_of_a_term_once(root):
    found = glossary_warnings(root, "zh", {
        TEACHER: "<p>教师在较高的温度下给出软目标（soft targets）。</p>\n",
        STUDENT: "<p>学生从教师的软目标（soft targets）学习。</p>\n"})
    assert len(found) == 1, messages(found)


# ------------------------------------------------------------------- the file itself

@pytest.mark.parametrize("text, line, expected", [
    ('{"teacher": {"use": "教师",}}', 1, "invalid JSON"),
    ('[1, 2]', 1, "expected a JSON object"),
    ('{\n  "teacher": "教师"\n}', 2, "expected an object"),
    ('{\n  "a": {"use": "x"},\n  "teacher": {"use": ""}\n}', 3, '"use" is missing or empty'),
    ('{\n  "teacher": {"note": "no use"}\n}', 2, '"use" is missing or empty'),
    ('{\n  "teacher": {"use": "教师", "avoids": ["老师"]}\n}', 2, "unknown field 'avoids'"),
    ('{\n  "teacher": {"use": "教师", "avoid": "老师"}\n}', 2, '"avoid" is a list'),
    ('{\n  "teacher": {"use": "教师模型", "avoid": ["教师"]}\n}', 2, "part of \"use\""),
    ('{\n  "teacher": {"use": "教师", "note": 3}\n}', 2, '"note" is text'),
    ('{\n  "teacher": {"use": "教师"},\n  "Teacher": {"use": "老师"}\n}', 3, "given again (first on line 2)"),
    ('{\n  "教师": {"use": "教师"}\n}', 2, "Latin letters"),
])
def test_a_broken_glossary_is_one_error_line_with_file_and_line(root, text, line, expected):
    path = write(root / "zh" / "_glossary.json", text)
    errors = [str(problem) for problem in commands.check(root, KEYS, ["zh"])
              if problem.severity == "error"]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}:{line}") and expected in errors[0], errors
    assert run_cli(root, "check", "--lang", "zh") == 1


def test_a_broken_entry_is_left_out_and_the_others_still_checked(root):
    write(root / "zh" / "_glossary.json", {"teacher": {"use": "教师", "colour": "x"},
                                          "temperature": {"use": "温度"}})
    found = messages(glossary_warnings(root, "zh", {TEACHER: "<p>老师在高热度下给出软目标。</p>\n"}))
    assert any("'温度'" in line for line in found) and not any("'教师'" in line for line in found), found


def test_a_symlinked_glossary_is_refused_and_not_read(root, tmp_path_factory):
    outside = write(tmp_path_factory.mktemp("elsewhere") / "glossary.json", ZH)
    (root / "zh" / "_glossary.json").unlink()
    os.symlink(outside, root / "zh" / "_glossary.json")
    problems = commands.check(root, KEYS, ["zh"])
    errors = [str(problem) for problem in problems if problem.severity == "error"]
    assert len(errors) == 1 and "symbolic link" in errors[0] and "not read" in errors[0], errors
    assert not load_glossary(root, "zh").terms


def test_the_glossary_is_no_page_in_status_and_never_obsolete(root):
    write(root / "zh" / "index.json", {TEACHER: "<p>教师在较高的温度下给出软目标。</p>\n"})
    rows = commands.status(root, KEYS, ["zh"])
    assert GLOSSARY_PAGE not in {row.page for row in rows}
    assert not [p for p in commands.check(root, KEYS, ["zh"]) if p.file.endswith("_glossary.json")]


def test_status_has_a_glossary_column_and_check_counts_the_glossary_warnings(root, capsys):
    write(root / "zh" / "index.json", {TEACHER: "<p>老师在高热度下给出软目标。</p>\n"})
    rows = {row.page: row for row in commands.status(root, KEYS, ["zh"])}
    assert rows["index"].glossary == 3 and rows["large"].glossary == 0      # 教师, 老师, 温度
    table = commands.format_status(list(rows.values())).splitlines()
    assert table[0].split()[-2:] == ["glossary", "done"]
    assert [line.split()[-3] for line in table if line.split()[1] in ("index", "total")] == ["3", "3"]
    assert run_cli(root, "check", "--lang", "zh") == 0
    assert "(3 of them the glossary's)" in capsys.readouterr().out.splitlines()[-1]


def test_no_command_writes_the_glossary(root, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("po")
    glossary = root / "zh" / "_glossary.json"
    before = glossary.read_bytes()
    write(root / "zh" / "index.json", {TEACHER: "<p>教师在较高的温度下给出软目标。</p>\n"})
    assert run_cli(root, "template", "--lang", "zh") == 0
    assert run_cli(root, "purge-obsolete", "--lang", "zh") == 0
    assert run_cli(root, "export-po", "--lang", "zh", "--out", str(tmp_path / "zh.po")) == 0
    assert "_glossary" not in (tmp_path / "zh.po").read_text(encoding="utf-8")
    # a PO file that names the glossary as a page: skipped, not written
    (tmp_path / "glossary.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "_glossary"\nmsgid "teacher"\nmsgstr "老师"\n', encoding="utf-8")
    results, problems = po.import_po(root, "zh", dict(KEYS, _glossary=["teacher"]), tmp_path / "glossary.po")
    assert [result.refused for result in results] and all("glossary" in r.refused for r in results)
    assert run_cli(root, "template", "--lang", "zh", "--page", GLOSSARY_PAGE) == 2
    assert glossary.read_bytes() == before
    with pytest.raises(commands.WriteRefused, match="glossary"):
        commands.write(root, root / "zh" / "." / "_glossary.json", "{}")


def test_a_folder_with_only_a_glossary_is_not_published_and_not_warned_about(tmp_path):
    write(tmp_path / "zh" / "_glossary.json", ZH)
    write(tmp_path / "si" / "index.json", {TEACHER: "<p>ගුරු ආකෘතිය</p>\n"})
    assert list(i18n.languages(tmp_path)) == ["en", "si"]
    assert not [p for p in commands.check(tmp_path, KEYS, ["si", "zh"]) if "zh" in p.file]
    write(tmp_path / "zh" / "_site.json", {"Home": "首页"})
    assert list(i18n.languages(tmp_path)) == ["en", "si", "zh"]


# ------------------------------------------------- the committed glossaries, every language

COMMITTED = sorted(path.parent.name for path in (REPO / "translations").glob("*/_glossary.json"))


@pytest.mark.parametrize("lang", COMMITTED)
def test_the_committed_glossaries_are_valid(lang):
    glossary = load_glossary(REPO / "translations", lang)
    assert not glossary.problems, [str(problem) for problem in glossary.problems]
    assert glossary.terms
