"""Fuzz: whatever a translator writes, `check` and `build` never raise, nothing outside the
allowlist reaches a page, and every English placeholder's content is on the page exactly
once (or the section is English).

Values are made from the English's own tags and attributes, foreign and dangerous ones,
placeholders moved, duplicated, renumbered, encoded or hidden in comments and attributes,
and random Unicode including lone surrogates, controls and bidi marks. Bounded for CI
(well under 60 s on two cores) and derandomised, so a failure reproduces; run with
`--hypothesis-seed` and a larger `max_examples` locally to search further.

Two more kinds of input (issue 22): `_site.json`'s `@` keys, spelt and valued every way a
translator might (look-alike keys, duplicates, values of every JSON type, bidi marks), where
`check` and the build must publish exactly the same thing; and paths, where links inside
translations/ and `--out` made of `..`, links and the seed's name must never let a command write
the seed or anything outside translations/ (but for the PO file export-po is asked for).
"""
import json
import os
import re
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotated_docs.build import build
from annotated_docs.i18n import english_keys_by_page
from annotated_docs.pages import load_page
from annotated_docs.placeholders import restore
from annotated_docs.translations import commands, load_catalog
from annotated_docs.translations.checks import PLACEHOLDER

FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_BUILDS = settings(FUZZ, max_examples=30)


def ph(number: int) -> str:
    return f"<span translate=no>_^_{number}_^_</span>"


# English keys as the generator writes them: notes HTML with placeholders for code and math
ENGLISH = [
    f'<p>The loss <a href="large.html">of the large model</a> is {ph(0)} plus {ph(1)}.</p>\n',
    f"<ul>\n<li>one <em>soft</em> target</li>\n<li>two {ph(0)}</li>\n</ul>\n",
    '<ol start="3">\n<li>a step</li>\n</ol>\n',
    f'<table>\n<tr><th align="right">model</th></tr>\n<tr><td align="right">{ph(0)}</td></tr>\n</table>\n',
    f"\n<h2>Heading {ph(0)}</h2>\n",
    '<p><a href="https://example.org/" title="the paper">Hinton</a> <strong>et al.</strong></p>\n',
]
FRAGMENTS = [f'<code class="f">FRAGMENT{number}</code>' for number in range(3)]
TEXT_ATTRIBUTES = {"title", "alt"}


class Markup(HTMLParser):
    """Tags with their attributes, and link targets, of a fragment."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def allowed(self) -> tuple[set[str], dict[tuple[str, str], set[str]]]:
        tags = {tag for tag, _ in self.tags} | ({"tbody"} if any(t == "table" for t, _ in self.tags) else set())
        values: dict[tuple[str, str], set[str]] = {}
        for tag, attrs in self.tags:
            for name, value in attrs:
                values.setdefault((tag, name), set()).add(value or "")
        return tags, values


# ------------------------------------------------------------------------------ strategies

WEIRD = ["\ud800", "\udfff", "\u202e", "\u2066", "\u200f", "\x00", "\x1b", "\x7f", "\u0085",
         "\ufeff", "\u200d", "<!--", "-->", "<!-- x", "&", "&amp;", "&#94;", "&lt;", "<", ">",
         "\"", "'", "\r\n", "\\", "ක්‍ර", "ශ්ය", "<![CDATA[x]]>", "<?php ?>", "<!doctype html>"]
TAGS = ["p", "a", "em", "strong", "ul", "ol", "li", "table", "tr", "td", "th", "h2", "span",
        "code", "script", "style", "iframe", "svg", "img", "math", "details", "button", "b"]
ATTRIBUTES = ["id", "class", "dir", "lang", "title", "style", "onclick", "onmouseover",
              "href", "src", "translate", "align", "start", "data-x", "xmlns"]
VALUES = ["theme-toggle", "skip-link", "rtl", "en", "javascript:alert(1)", " jAvAscript:x",
          "data:text/html,x", "large.html", "https://example.org/", "right", "3", "9", "no",
          ph(0), "x\u202ey", "\"><script>x</script>"]

text = st.text(st.characters(codec=None, categories=None), max_size=12) | st.sampled_from(WEIRD)
attribute = st.tuples(st.sampled_from(ATTRIBUTES), st.sampled_from(VALUES)).map(
    lambda pair: f' {pair[0]}="{pair[1]}"' if '"' not in pair[1] else f" {pair[0]}='{pair[1]}'")
open_tag = st.tuples(st.sampled_from(TAGS), st.lists(attribute, max_size=3)).map(
    lambda pair: f"<{pair[0]}{''.join(pair[1])}>")
close_tag = st.sampled_from(TAGS).map(lambda tag: f"</{tag}>")
placeholder = st.integers(0, 3).flatmap(lambda n: st.sampled_from([
    ph(n), ph(n) * 2, f'<span translate="no">_^_{n}_^_</span>', f"_^_{n}_^_",
    f"_%5E_{n}_%5E_", f"&lt;span translate=no&gt;_^_{n}_^_&lt;/span&gt;",
    f"<span translate=no class=x>_^_{n}_^_</span>", f"<!-- {ph(n)} -->",
    f'<a href="large.html" title="{ph(n)}">x</a>', f"<script>{ph(n)}</script>",
    f"<span translate=no><b>_^_{n}_^_</b></span>"]))


def english_tokens(english: str) -> list[str]:
    return re.findall(r"<span translate=no>_\^_\d+_\^_</span>|<[^>]*>|[^<]+", english)


@st.composite
def translation_of(draw, english: str) -> str:
    """Either the English's own tags with random text and some pieces moved or replaced,
    or a soup of tags, attributes, placeholders and text."""
    if draw(st.booleans()):
        tokens = english_tokens(english)
        pieces = [draw(text) if not token.startswith("<") else token for token in tokens]
        for _ in range(draw(st.integers(0, 3))):
            where = draw(st.integers(0, len(pieces)))
            pieces.insert(where, draw(text | placeholder | open_tag | close_tag))
        if pieces and draw(st.booleans()):
            pieces.pop(draw(st.integers(0, len(pieces) - 1)))
        return "".join(pieces)
    soup = st.lists(text | placeholder | open_tag | close_tag
                    | st.sampled_from(english_tokens(english)), max_size=14)
    return "".join(draw(soup))


case = st.sampled_from(ENGLISH).flatmap(lambda english: st.tuples(st.just(english),
                                                                    translation_of(english)))


def write_catalog(folder: Path, page: str, entries: dict) -> None:
    path = folder / "si" / f"{page}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    # ensure_ascii: a lone surrogate travels as the \ud800 escape a translator could type
    path.write_text(json.dumps(entries, ensure_ascii=True), encoding="utf-8")


# ------------------------------------------------------------------------- the assertions

def assert_allowed(shown: str, english: str) -> None:
    """Every tag, attribute and attribute value of `shown` is one the English has."""
    tags, values = Markup(english).allowed()
    for tag, attrs in Markup(shown).tags:
        assert tag in tags, (tag, shown)
        for name, value in attrs:
            assert (tag, name) in values, (tag, name, shown)
            if name not in TEXT_ATTRIBUTES:
                assert (value or "") in values[tag, name], (tag, name, value, shown)
    assert not re.search(r"[\ud800-\udfff\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f]",
                         shown), repr(shown)


def assert_fragments_once(page_section: str, count: int) -> None:
    for fragment in FRAGMENTS[:count]:
        assert page_section.count(fragment) == 1, (fragment, page_section)


@FUZZ
@given(case)
def test_check_never_raises_and_a_shown_translation_holds_only_the_englishs_markup(pair):
    english, value = pair
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_catalog(root, "large", {english: value})
        catalog = load_catalog(root, "si", "large", english_keys=[english])
        resolution = catalog.resolve(english)
        for problem in catalog.problems + resolution.problems:
            assert "\n" not in str(problem)
            str(problem).encode("utf-8")
        problems = commands.check(root, {"large": [english]}, ["si"])
        assert all(problem.severity in ("error", "warning") for problem in problems)
        if resolution.html is None:
            return
        assert_allowed(resolution.html, english)
        expected = Counter(PLACEHOLDER.findall(english))
        assert Counter(PLACEHOLDER.findall(resolution.html)) == expected
        count = len(expected)
        restored = restore(resolution.html, FRAGMENTS[:count])
        assert_fragments_once(restored, count)


# ------------------------------------------------------------- the same through whole builds

PAGE = '''"""
---
title: Fuzzed page
---

# Fuzzed

The loss of `soft_targets` at `temperature`, see [the large model](large.html).
"""

x = 1
'''


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A two-page tutorial, and the page's section with two code placeholders: its key and
    the two fragments (`soft_targets`, `temperature`)."""
    folder = tmp_path_factory.mktemp("fuzz-source")
    (folder / "page.py").write_text(PAGE, encoding="utf-8")
    (folder / "large.py").write_text('"""\n---\ntitle: Large\n---\n\nLarge.\n"""\n',
                                     encoding="utf-8")
    section = next(section for section in load_page(folder / "page.py", folder).sections
                   if len(section.fragments) == 2)
    assert section.translation_key in english_keys_by_page(folder)["page"]
    return folder, section.translation_key, list(section.fragments)


def section_of(page: str) -> str:
    start = page.index('<div class="notes"', page.index("<article"))
    return page[start:page.index("</div>", start)]


@FUZZ_BUILDS
@given(data=st.data())
def test_build_never_raises_and_the_page_holds_each_code_fragment_once(source, data):
    folder_of_source, section_key, code = source
    value = data.draw(translation_of(section_key))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_catalog(root / "translations", "page", {section_key: value, "Fuzzed page": value})
        result = build(folder_of_source, root / "docs", root / "translations")
        for problem in result.problems:
            str(problem).encode("utf-8")
        page = (root / "docs" / "si" / "page.html").read_text(encoding="utf-8")
        english = (root / "docs" / "page.html").read_text(encoding="utf-8")
        section = section_of(page)
        for fragment in code:
            assert section.count(fragment) == 1, (fragment, section)
        assert "_^_" not in page
        if 'lang="en"' in section[:40]:          # shown in English: exactly the English notes
            assert section_of(english).split("</a>", 1)[1].strip() in section
        else:
            notes = section.split('<a class="permalink"', 1)[1].split("</a>", 1)[1]
            notes = notes.replace(code[0], "").replace(code[1], "")
            assert_allowed(notes, section_key)
        for forbidden in ("<script", "javascript:", " onclick=", " style=", "\u202e"):
            assert page.count(forbidden) == english.count(forbidden), forbidden



# ------------------------------------------------ `@` keys: one reading for check and the build

AT_KEYS = ["@ready", "@name", " @ready", "@ready ", "@Ready", "@READY", "\uff20ready", "@ready\u200f",
           "@name ", "@Name", "@draft", "@", "ready", "Home"]
AT_VALUES = ["yes", "no", "", " no", "yes ", "No", "YES", "\u202eyes", None, False, 0, [], {},
             "සිංහල", "Sinhala\u202e", "\u2067x", "a\nb", "<b>x</b>", "x" * 41, "   "]


def meta_like(key: str) -> str | None:
    import unicodedata
    folded = unicodedata.normalize("NFKC", key).strip().lower()
    return folded if folded.startswith("@") else None


def expected_ready(entries: list) -> bool:
    """The rule as README states it: exactly one exact `@ready` key at most, nothing that
    looks like one, and its value exactly "yes" (or "" / absent: not yet filled in)."""
    ready_like = [(key, value) for key, value in entries if meta_like(key) == "@ready"]
    if any(key != "@ready" for key, _ in ready_like) or len(ready_like) > 1:
        return False
    return not ready_like or ready_like[0][1] in ("yes", "")


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(AT_KEYS), st.sampled_from(AT_VALUES) | text), max_size=6))
def test_check_and_the_build_read_every_at_key_alike(entries):
    from annotated_docs import i18n
    from annotated_docs.translations import language_meta
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "si" / "_site.json"
        path.parent.mkdir(parents=True)
        # Duplicates kept: written by hand, as a translator's editor would
        path.write_text("{" + ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in entries)
                        + "}", encoding="utf-8")
        keys = {"_site": ["@name", "@ready", "Home"], "large": ["Large"]}
        problems = commands.check(root, keys, ["si"])
        at_errors = [problem for problem in problems if problem.severity == "error"
                     and problem.key is not None and meta_like(problem.key) is not None]
        name, ready = language_meta(root, "si")
        # The build publishes what check accepts, and nothing it reports on @ready
        assert ready == expected_ready(entries)
        assert ("si" in i18n.languages(root)) == ready
        if not ready:
            assert any(meta_like(problem.key) == "@ready" for problem in at_errors), (entries, problems)
        # A name is shown only when it is one clean value check does not report
        if name != "si":
            names = [value for key, value in entries if key == "@name"]
            assert names == [name] or [value.strip() for value in names] == [name]
            assert not re.search(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\n<&]", name)


# ------------------------------------------- paths: no command writes the seed or outside, by any path

SEGMENTS = ["..", ".", "si", "translations", "outside", "readme.json", "x.po", "link", "large.json", "sub",
            "readme.po", "src"]
LINKS = {"large.json": "outside/x.json", "sub": "outside", "paper": "outside", "readme.po": "translations/si/readme.json"}


def tree_bytes(folder: Path) -> dict:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file() and not path.is_symlink()}


@settings(FUZZ, max_examples=60)
@given(links=st.lists(st.sampled_from(sorted(LINKS)), unique=True, max_size=3),
       out=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5),
       command=st.sampled_from(["export-po", "template", "import-po", "purge-obsolete"]))
def test_no_command_writes_the_seed_or_outside_translations_by_any_path(links, out, command):
    import argparse
    import polib
    from annotated_docs.translations import cli
    seed = Path(__file__).resolve().parent.parent / "translations" / "si" / "readme.json"
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        translations = base / "translations"
        (translations / "si").mkdir(parents=True)
        (translations / "si" / "readme.json").write_bytes(seed.read_bytes())
        (base / "outside").mkdir()
        (base / "outside" / "x.json").write_text('{"Large": "x"}', encoding="utf-8")
        (base / "src").mkdir()
        for name in links:
            link = (translations / "si" / name) if name != "readme.po" else base / name
            link.symlink_to(base / LINKS[name])
        keys = {"readme": ["<p>Other.</p>"], "large": ["Large"], "paper/page": ["<p>Page.</p>"],
                "sub/page": ["<p>Sub.</p>"], "_site": ["@name", "@ready", "Home"]}
        catalog = polib.POFile()
        for page, page_keys in keys.items():
            for key in page_keys:
                if not key.startswith("@"):
                    catalog.append(polib.POEntry(msgctxt=page, msgid=key, msgstr="<p>ප</p>" if "<p>" in key else "ප"))
        catalog.save(str(base / "in.po"))
        before = tree_bytes(base)
        target = base.joinpath(*out)
        argv = {"export-po": ["export-po", "--lang", "si", "--out", str(target)],
                "template": ["template", "--lang", "si"], "import-po": ["import-po", "--lang", "si", str(base / "in.po")],
                "purge-obsolete": ["purge-obsolete", "--lang", "si"]}[command]
        parser = argparse.ArgumentParser(prog="annotated_docs")
        cli.add_subparser(parser.add_subparsers(dest="command"))
        status = cli.run(parser.parse_args(["translations", "--translations", str(translations),
                                            "--source", str(base / "src"), *argv]), lambda source: keys)
        assert status in (0, 1, 2)
        after = tree_bytes(base)
        assert after[translations / "si" / "readme.json"] == seed.read_bytes()
        real_translations = Path(os.path.realpath(translations))
        for path, content in after.items():
            if before.get(path) == content:
                continue
            real = Path(os.path.realpath(path))
            if command == "export-po":
                assert status == 0 and real == Path(os.path.realpath(target)) and real.suffix == ".po"
                assert real_translations not in real.parents
            else:
                assert real_translations in real.parents, (command, path)
        assert set(before) <= set(after)
