"""`annotated_docs.search_index`: each language's search index, written and read back."""
import base64
import gzip
import json
from pathlib import Path

import pytest

from annotated_docs import search_index
from annotated_docs.i18n import ShownHeading


def heading(path: str) -> ShownHeading:
    return ShownHeading(path, path.title(), "")


def test_the_index_reads_back_the_entries_it_wrote(tmp_path):
    entries = {"index": [["", "top", "The idea."]],
               "large": [["", "s1", "A teacher."], ["Logits", "logits", "Soft targets."]]}
    script = search_index.script("si", [heading("index"), heading("large")], entries, {},
                                 lambda path: [])
    assert script.startswith(search_index.PREFIX.encode())
    assert search_index.unpack(script)["pages"][1] == ["si/large.html", "Large", "large"]
    (tmp_path / "search-si.js").write_bytes(script)
    assert search_index.read(tmp_path / "search-si.js") == entries


def test_the_index_is_gzipped_json_as_a_base64_string_and_reads_back_whole(tmp_path):
    """What `read` returns is what was written, Sinhala (3 bytes a character) included; the
    script is one ASCII string literal, the JSON gzipped (what site.js decodes)."""
    entries = {"index": [["", "top", "ආසවනය: ගුරු ආකෘතියේ මෘදු ඉලක්ක. " * 50]],
               "large": [["උෂ්ණත්වය", "temperature", "T = 20, \"quoted\" \\ and ✓"], ["", "e", ""]],
               "empty": []}
    site = [heading("index"), heading("large"), heading("empty")]
    script = search_index.script("si", site, entries, {}, lambda path: [])
    assert script.isascii() and script.endswith(b'";\n')
    literal = script.decode("ascii").removeprefix(search_index.PREFIX).rstrip().removesuffix(";")
    gzipped = base64.b64decode(json.loads(literal), validate=True)
    assert gzipped[:2] == b"\x1f\x8b" and gzipped[4:8] == bytes(4)     # gzip, no time in it
    index = json.loads(gzip.decompress(gzipped))
    assert index == search_index.unpack(script)
    assert index["pages"] == [["si/index.html", "Index", "index"], ["si/large.html", "Large", "large"],
                              ["si/empty.html", "Empty", "empty"]]
    (tmp_path / "search-si.js").write_bytes(script)
    assert search_index.read(tmp_path / "search-si.js") == entries
    assert len(script) < len(json.dumps(index, ensure_ascii=False).encode()) / 4


def test_the_same_index_gives_the_same_bytes():
    entries = {"index": [["", "top", "The idea."]], "large": [["Logits", "logits", "සිංහල"]]}

    def make():
        return search_index.script("si", [heading("index"), heading("large")], entries, {},
                                   lambda path: [])
    first = make()
    assert first == make()
    assert base64.b64decode(json.loads(first.decode().removeprefix(search_index.PREFIX)
                                       .rstrip().removesuffix(";")))[9] == 255   # gzip's OS byte


def test_entries_come_from_this_build_then_the_last_index_then_parsing():
    parsed = []

    def parse(path):
        parsed.append(path)
        return [["", "p", f"parsed {path}"]]
    made = {"made": [["", "m", "made now"]], "empty": []}
    previous = {"made": [["", "old", "stale"]], "kept": [["", "k", "kept"]], "empty": [["", "e", "x"]]}
    script = json.dumps(search_index.unpack(search_index.script(
        "en", [heading(path) for path in ("made", "kept", "empty", "new")], made, previous, parse)))
    assert "made now" in script and "stale" not in script
    assert "kept" in script and '"x"' not in script          # made with no text stays empty
    assert parsed == ["new"]


def test_a_missing_or_broken_index_reads_as_empty(tmp_path):
    assert search_index.read(tmp_path / "search-en.js") == {}
    (tmp_path / "search-en.js").write_text(search_index.PREFIX + "{not json};\n", encoding="utf-8")
    assert search_index.read(tmp_path / "search-en.js") == {}
    good = search_index.script("en", [heading("index")], {"index": [["", "top", "Text."]]}, {},
                               lambda path: []).decode()
    literal = good.removeprefix(search_index.PREFIX).rstrip().removesuffix(";")
    broken = [
        # the index as it was before it was gzipped: its pages are parsed again
        search_index.PREFIX + '{"entries": [[0, "", "top", "Text."]], "pages": [["index.html", "Index", "index"]]};\n',
        search_index.PREFIX + '"not base64!";\n',                            # not base64
        search_index.PREFIX + '"' + base64.b64encode(b"plain").decode() + '";\n',  # not gzip
        search_index.PREFIX + literal[:1 + len(literal) // 8 * 4] + '";\n',  # cut short
        search_index.PREFIX + '"' + base64.b64encode(gzip.compress(b"[1, 2]")).decode() + '";\n',
        "ÿ" + good,                                                           # not ASCII
    ]
    for text in broken:
        (tmp_path / "search-en.js").write_text(text, encoding="utf-8")
        assert search_index.read(tmp_path / "search-en.js") == {}, text


COMMITTED_INDEXES = sorted((Path(__file__).resolve().parent.parent / "docs" / "static").glob("search-*.js"))


@pytest.mark.parametrize("script", COMMITTED_INDEXES, ids=lambda path: path.name)
def test_each_committed_languages_index_is_within_the_budget(script):
    assert script.stat().st_size <= search_index.BUDGET, f"{script.stat().st_size / 1024:.0f} KB"
