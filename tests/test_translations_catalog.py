"""Loading translation files, resolving English keys, and every check's fallback to English.

Each bad file is crafted in a temporary folder; the English keys are plain lists, so these
tests do not depend on the generator.
"""
import json
from pathlib import Path

import pytest

from annotated_docs.translations import load_catalog

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "translations" / "si" / "readme.json"
SEED_KEYS = list(json.loads(SEED.read_text(encoding="utf-8")))
README_SECTION, README_TITLE = SEED_KEYS

P0 = "<span translate=no>_^_0_^_</span>"
P1 = "<span translate=no>_^_1_^_</span>"
KEY = f'<p>The loss <a href="large.html">of the large model</a> is {P0} plus {P1}.</p>\n'
GOOD = f'<p>නැතිවීම <a href="large.html">විශාල ආකෘතියේ</a> {P0} සහ {P1}.</p>\n'


def catalog_of(tmp_path, entries, lang="si", page="large", keys=None, raw=None):
    path = tmp_path / lang / f"{page}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(raw if raw is not None else json.dumps(entries, ensure_ascii=False),
                    encoding="utf-8")
    return load_catalog(tmp_path, lang, page, english_keys=keys)


def errors(resolution):
    return [p.message for p in resolution.problems if p.severity == "error"]


def warnings(resolution):
    return [p.message for p in resolution.problems if p.severity == "warning"]


def test_seed_resolves_the_readme_section_and_title_to_sinhala():
    catalog = load_catalog(REPO / "translations", "si", "readme", english_keys=SEED_KEYS)
    assert catalog.problems == []
    section = catalog.resolve(README_SECTION)
    assert section.state == "translated" and not errors(section)
    assert "ස්නායුක ජාලයක දැනුම" in section.html
    assert P0 in section.html                      # the badge's placeholder, for restore()
    assert catalog.resolve(README_TITLE).html == "ස්නායුක ජාලයක දැනුම ආසවනය කිරීම"


def test_seed_matches_the_generators_spelling_of_an_apostrophe():
    catalog = load_catalog(REPO / "translations", "si", "readme")
    unescaped = README_SECTION.replace("&#x27;", "'")
    assert unescaped != README_SECTION
    assert catalog.resolve(unescaped).state == "translated"


def test_match_ignores_whitespace_and_escaping(tmp_path):
    catalog = catalog_of(tmp_path, {"<p>It&#x27;s  &quot;big&quot;</p>\n<p>x</p>": "<p>එය</p>\n<p>y</p>"})
    assert catalog.resolve("<p>It's \"big\"</p><p>x</p>").state == "translated"
    assert catalog.resolve("<p>It's\n\"big\"</p>\n\n<p>x</p>  ").state == "translated"


def test_missing_file_is_an_empty_catalog(tmp_path):
    catalog = load_catalog(tmp_path, "si", "nothing")
    assert catalog.problems == [] and catalog.resolve(KEY).state == "missing"


def test_empty_value_is_missing_not_an_error(tmp_path):
    resolution = catalog_of(tmp_path, {KEY: ""}).resolve(KEY)
    assert resolution.state == "missing" and resolution.html is None
    assert resolution.problems == []


def test_invalid_json_reports_line_and_column(tmp_path):
    catalog = catalog_of(tmp_path, None, raw='{\n  "a": "b",\n  "c" "d"\n}\n')
    [problem] = catalog.problems
    assert (problem.line, problem.column) == (3, 7)
    assert "line 3, column 7" in problem.message and problem.file.endswith("large.json")
    assert "large.json:3:7" in str(problem)
    assert catalog.resolve("a").state == "missing"


def test_top_level_that_is_not_an_object_is_an_error(tmp_path):
    catalog = catalog_of(tmp_path, None, raw='["a", "b"]')
    assert catalog.problems[0].severity == "error"
    assert "expected a JSON object" in catalog.problems[0].message


def test_non_string_value_is_invalid_and_reported_once(tmp_path):
    catalog = catalog_of(tmp_path, {KEY: 3, "other": ["x"]})
    assert [p.key for p in catalog.problems] == [KEY, "other"]
    assert "value is a number, expected a string" in catalog.problems[0].message
    assert "an array [...], expected" in catalog.problems[1].message
    resolution = catalog.resolve(KEY)
    assert resolution.state == "invalid" and resolution.html is None


def test_non_utf8_file_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "si" / "large.json"
    path.parent.mkdir()
    path.write_bytes(b'{"a": "\xff"}')
    assert "not UTF-8" in load_catalog(tmp_path, "si", "large").problems[0].message


def test_good_translation_is_shown(tmp_path):
    resolution = catalog_of(tmp_path, {KEY: GOOD}).resolve(KEY)
    assert resolution.state == "translated" and resolution.html == GOOD


@pytest.mark.parametrize("bad, expected", [
    (GOOD.replace(f" සහ {P1}", ""), "placeholder(s) 1 missing"),
    (GOOD.replace("</p>", f"{P1}</p>"), "not in the English"),
    (GOOD.replace("_^_0_^_", "_^_2_^_").replace("_^_1_^_", "_^_3_^_"), "renumbered"),
    (GOOD.replace("_^_0_^_", "_%5E_0_%5E_"), "mangled placeholder"),
    (GOOD.replace(P0, "_^_0_^_"), "mangled placeholder"),
    (GOOD.replace("<span translate=no>_^_0", "<span>_^_0"), "mangled placeholder"),
    (GOOD.replace("</a>", ""), "unbalanced tags"),
    (GOOD.replace("</p>", ""), "<p> never closed"),
    (GOOD.replace("</a>", "</a></em>"), "has no opening"),
    (GOOD.replace("විශාල", "<strong>විශාල</strong>"), "tags the English does not have: <strong>"),
    (GOOD.replace("large.html", "small.html"), "link targets differ"),
    (GOOD.replace("</p>", "<script>alert(1)</script></p>"), "unsafe HTML"),
    (GOOD.replace("</p>", "<style>p{}</style></p>"), "unsafe HTML"),
    (GOOD.replace("</p>", '<iframe src="x"></iframe></p>'), "unsafe HTML"),
    (GOOD.replace('<a href', '<a onclick="steal()" href'), "event handler onclick="),
])
def test_each_failing_check_falls_back_to_english(tmp_path, bad, expected):
    resolution = catalog_of(tmp_path, {KEY: bad}).resolve(KEY)
    assert resolution.state == "invalid" and resolution.html is None
    assert any(expected in message for message in errors(resolution)), errors(resolution)
    problem = resolution.problems[0]
    assert problem.file.endswith("large.json") and problem.key == KEY and problem.line == 1


def test_javascript_url_is_unsafe_even_when_the_english_has_it(tmp_path):
    key = '<p><a href="javascript:go()">x</a></p>'
    resolution = catalog_of(tmp_path, {key: '<p><a href="javascript:go()">ය</a></p>'}).resolve(key)
    assert resolution.html is None
    assert any("javascript: URL" in message for message in errors(resolution))


def test_sanitised_output_never_holds_what_the_checks_rejected(tmp_path):
    key = '<p><a href="a.html" title="x">x</a></p>'
    value = '<p><a href="a.html" title="t">ය</a></p>'
    resolution = catalog_of(tmp_path, {key: value}).resolve(key)
    assert resolution.state == "translated" and 'title="t"' in resolution.html
    assert "rel=" not in resolution.html


def test_identical_to_english_is_a_warning_and_still_shown(tmp_path):
    resolution = catalog_of(tmp_path, {KEY: KEY}).resolve(KEY)
    assert resolution.state == "translated" and resolution.html == KEY
    assert any("identical to the English" in message for message in warnings(resolution))


def test_placeholder_only_key_kept_as_is_is_not_called_untranslated(tmp_path):
    key = f"<h3>{P0}</h3>\n"
    resolution = catalog_of(tmp_path, {key: key}).resolve(key)
    assert resolution.state == "translated" and resolution.problems == []


def test_table_translation_passes_although_the_parser_adds_tbody_and_drops_comments(tmp_path):
    key = ("<!-- begin: sweep -->\n<table>\n<tr><th>model</th><th>errors</th></tr>\n"
           "<tr><td>teacher</td><td>16</td></tr>\n</table>\n<!-- end: sweep -->\n")
    value = "<table>\n<tr><th>ආකෘතිය</th><th>දෝෂ</th></tr>\n<tr><td>ගුරු ආකෘතිය</td><td>16</td></tr>\n</table>\n"
    resolution = catalog_of(tmp_path, {key: value}).resolve(key)
    assert resolution.state == "translated", errors(resolution)
    assert "ගුරු ආකෘතිය" in resolution.html and "<tbody>" in resolution.html


def test_table_translation_with_a_foreign_attribute_is_still_rejected(tmp_path):
    key = "<table>\n<tr><td>16</td></tr>\n</table>\n"
    value = '<table>\n<tr><td data-x="1">16</td></tr>\n</table>\n'
    resolution = catalog_of(tmp_path, {key: value}).resolve(key)
    assert resolution.state == "invalid"
    assert any("attributes the English does not have: data-x= on <td>" in message
               for message in errors(resolution)), errors(resolution)


def test_language_name_kept_as_is_is_not_called_untranslated(tmp_path):
    resolution = catalog_of(tmp_path, {"සිංහල": "සිංහල"}, page="_site").resolve("සිංහල")
    assert resolution.state == "translated" and resolution.problems == []


def test_sinhala_virama_before_ra_without_joiner_warns_and_says_where(tmp_path):
    broken = "<p>ක්රියාත්මක</p>"              # ක + ් + ර: no U+200D
    resolution = catalog_of(tmp_path, {"<p>run</p>": broken}).resolve("<p>run</p>")
    assert resolution.state == "translated"
    [message] = warnings(resolution)
    assert "zero-width joiner" in message and "'ක්රියාත්මක' (offset 4 in the value)" in message


def test_sinhala_virama_before_ya_without_joiner_warns(tmp_path):
    resolution = catalog_of(tmp_path, {"zero": "ශුන්ය"}).resolve("zero")
    assert any("zero-width joiner" in message for message in warnings(resolution))


def test_sinhala_conjuncts_with_joiner_do_not_warn(tmp_path):
    resolution = catalog_of(tmp_path, {"run": "ක්\u200dරියාත්මක ශුන්\u200dය"}).resolve("run")
    assert resolution.problems == []


def test_joiner_check_is_for_sinhala_only(tmp_path):
    resolution = catalog_of(tmp_path, {"run": "ක්රියා"}, lang="ta").resolve("run")
    assert resolution.problems == []


OLD = '<p>Train the <a href="small.html">small model</a> with <a href="loss.html">the loss</a>.</p>'
OLD_SI = '<p><a href="loss.html">නැතිවීම</a> සමඟ <a href="small.html">කුඩා ආකෘතිය</a> පුහුණු කරන්න.</p>'


def test_changed_english_makes_the_old_entry_fuzzy_with_a_diff(tmp_path):
    new = OLD.replace("Train the", "Then train the")
    catalog = catalog_of(tmp_path, {OLD: OLD_SI}, keys=[new])
    resolution = catalog.resolve(new)
    assert resolution.state == "fuzzy" and resolution.html is None
    assert resolution.source_key == OLD
    assert "-<p>Train the" in resolution.diff and "+<p>Then train the" in resolution.diff
    assert "fuzzy" in warnings(resolution)[0]
    assert [entry.key for entry in catalog.obsolete()] == [OLD]


def test_too_different_english_is_missing_not_fuzzy(tmp_path):
    new = "<p>Something else entirely, about temperature.</p>"
    assert catalog_of(tmp_path, {OLD: OLD_SI}, keys=[new]).resolve(new).state == "missing"


def test_link_only_change_carries_the_translation_with_new_targets(tmp_path):
    new = OLD.replace("loss.html", "loss.html#kl")
    resolution = catalog_of(tmp_path, {OLD: OLD_SI}, keys=[new]).resolve(new)
    assert resolution.state == "carried"
    assert resolution.html == OLD_SI.replace("loss.html", "loss.html#kl")
    assert resolution.source_key == OLD
    assert "only link targets changed" in warnings(resolution)[0]


def test_link_only_change_still_carries_after_template_added_the_empty_key(tmp_path):
    new = OLD.replace("small.html", "student.html")
    resolution = catalog_of(tmp_path, {OLD: OLD_SI, new: ""}, keys=[new]).resolve(new)
    assert resolution.state == "carried" and 'href="student.html"' in resolution.html


def test_link_change_is_fuzzy_when_the_translation_lost_the_old_link(tmp_path):
    new = OLD.replace("loss.html", "loss.html#kl")
    stale = OLD_SI.replace('<a href="loss.html">නැතිවීම</a>', "නැතිවීම")
    resolution = catalog_of(tmp_path, {OLD: stale}, keys=[new]).resolve(new)
    assert resolution.state == "fuzzy" and resolution.html is None


def test_entry_current_for_another_section_is_not_taken_as_fuzzy(tmp_path):
    twin = OLD.replace("small.html", "student.html")       # another section, link differs
    catalog = catalog_of(tmp_path, {OLD: OLD_SI}, keys=[OLD, twin])
    assert catalog.resolve(twin).state == "missing"
    assert catalog.resolve(OLD).state == "translated"


def test_duplicate_keys_after_normalising_are_warned_and_the_filled_one_used(tmp_path):
    raw = json.dumps({"<p>It's</p>": "", "<p>It&#x27;s</p>": "<p>එය</p>"})
    catalog = catalog_of(tmp_path, None, raw=raw)
    assert "same key as line 1" in catalog.problems[0].message
    assert catalog.resolve("<p>It's</p>").html == "<p>එය</p>"


def test_site_string_text_falls_back_to_english(tmp_path):
    catalog = catalog_of(tmp_path, {"Home": "මුල් පිටුව", "Next": ""}, page="_site")
    assert catalog.text("Home") == "මුල් පිටුව"
    assert catalog.text("Next") == "Next"


def test_site_strings_file_has_no_check_problems():
    from annotated_docs.translations import checks
    site = json.loads((REPO / "translations" / "si" / "_site.json").read_text(encoding="utf-8"))
    for english, sinhala in site.items():
        assert sinhala.strip(), english
        assert checks.check_entry(english, sinhala, "si") == [], english
