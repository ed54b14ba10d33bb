"""`annotated_docs.search_index`: each language's search index, written and read back."""
from annotated_docs import search_index
from annotated_docs.i18n import ShownHeading


def heading(path: str) -> ShownHeading:
    return ShownHeading(path, path.title(), "")


def test_the_index_reads_back_the_entries_it_wrote(tmp_path):
    entries = {"index": [["", "top", "The idea."]],
               "large": [["", "s1", "A teacher."], ["Logits", "logits", "Soft targets."]]}
    script = search_index.script("si", [heading("index"), heading("large")], entries, {},
                                 lambda path: [])
    assert script.startswith(search_index.PREFIX.encode()) and b'"si/large.html"' in script
    (tmp_path / "search-si.js").write_bytes(script)
    assert search_index.read(tmp_path / "search-si.js") == entries


def test_entries_come_from_this_build_then_the_last_index_then_parsing():
    parsed = []

    def parse(path):
        parsed.append(path)
        return [["", "p", f"parsed {path}"]]
    made = {"made": [["", "m", "made now"]], "empty": []}
    previous = {"made": [["", "old", "stale"]], "kept": [["", "k", "kept"]], "empty": [["", "e", "x"]]}
    script = search_index.script("en", [heading(path) for path in ("made", "kept", "empty", "new")],
                                 made, previous, parse).decode()
    assert "made now" in script and "stale" not in script
    assert "kept" in script and '"x"' not in script          # made with no text stays empty
    assert parsed == ["new"]


def test_a_missing_or_broken_index_reads_as_empty(tmp_path):
    assert search_index.read(tmp_path / "search-en.js") == {}
    (tmp_path / "search-en.js").write_text(search_index.PREFIX + "{not json};\n", encoding="utf-8")
    assert search_index.read(tmp_path / "search-en.js") == {}
