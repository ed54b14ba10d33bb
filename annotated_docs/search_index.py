"""Each language's search index, `static/search-<lang>.js`: every page's text in that
language, cut at its headings, for the search box.

The index is a script that sets `window.annotatedDocsSearch`, not a JSON file, because a
script loads from file:// and fetch does not: the site works opened from disk. Pages are
listed once (output, title, page path) and each entry names its page by number, which
keeps the file small. An incremental build parses only the pages that changed: an
unchanged page's entries are read back from the previous index.

The index holds every word of every page, and a script in a non-Latin script is large
(Sinhala is 3 bytes a character in UTF-8: its index grew past 300 KB as pages were added), so
the script sets a string, not the object: the JSON gzip-compressed and base64-encoded,
`window.annotatedDocsSearch = "H4sI...";`. `site.js` decodes it with the browser's own
`DecompressionStream('gzip')` over a Blob's stream, which needs no fetch and so works from
file:// too. The gzip header's time is 0 (`mtime=0`), so a build gives the same bytes each
time and the site stays reproducible. Base64 included, the script is about 2/5 of the JSON's
size in English and 1/4 in Sinhala (149 KB -> 63 KB and 331 KB -> 89 KB when this was made).

The index holds text, not tokens: Chinese and Japanese, written without spaces, are found by
the query's runs of Han and kana, whole or by their overlapping character pairs, in the same
text (see `search_query`, which states the rules both it and site.js follow). Nothing is
added per language, so each index stays about the size of its text: BUDGET, which the tests
hold every language's script to (en 105 KB and si 141 KB when this was written; a whole
site in Chinese or Japanese, estimated by `tests/test_site_cjk.py` from the English with two
or three CJK characters a word, 134 KB and 150 KB).
"""
import base64
import gzip
import json
import zlib
from pathlib import Path

from .i18n import ShownHeading
from .manifest import Produced, Target, input_hash, produce
from .render import output_path as page_output
from .outline import SearchEntry

PREFIX = "window.annotatedDocsSearch = "
# The most one language's index script may weigh: it is loaded when the search box is used,
# on a phone too
BUDGET = 300 * 1024


def output_path(lang: str) -> str:
    return f"static/search-{lang}.js"


def produce_index(lang: str, site: list[ShownHeading], sources: set[str], made: dict[str, list],
                  pages: list[Produced], parse, generator: str, target: Target) -> Produced:
    """The build's stage for the index of `lang`: remade when any page of the language was
    (`pages`: every page produced, with its inputs' hash). `site`: every page's heading in
    reading order; `sources`: the page paths made from a source; `made`: the entries of the
    pages rendered this time; `parse(page path, lang)`: the entries of any other page."""
    digests = {page.output: page.digest for page in pages}
    output = output_path(lang)
    digest = input_hash(generator, "search",
                        *(digests.get(page_output(heading.path, lang), "") for heading in site))

    def make() -> bytes:
        # the index the build makes when the sources have none holds only links: no text
        return script(lang, [heading for heading in site if heading.path in sources], made,
                      read(target.out_dir / output), lambda path: parse(path, lang))
    return produce(target, output, digest, make)


def entries(search: list[SearchEntry]) -> list[list[str]]:
    """A page's search entries as the index holds them: [heading, anchor, text], and a
    fourth item, 1, on the entry of a section's code."""
    return [[entry.heading, entry.anchor, entry.text, *([1] if entry.code else [])] for entry in search]


def script(lang: str, site: list[ShownHeading], made: dict[str, list], previous: dict[str, list],
           parse) -> bytes:
    """The index of the pages of `site` (reading order) in `lang`. A page's entries come
    from `made` (the pages rendered this time), else from `previous` (the last index), else
    from `parse(page path)`."""
    listed, found_entries = [], []
    for heading in site:
        found = made.get(heading.path)
        if found is None:
            found = previous.get(heading.path)
        if found is None:
            found = parse(heading.path)
        found_entries += [[len(listed), *entry] for entry in found]
        listed.append([page_output(heading.path, lang), heading.title, heading.path])
    return pack({"pages": listed, "entries": found_entries})


def pack(index: dict) -> bytes:
    """The script that sets `index` ({"pages": [...], "entries": [...]}) gzipped, as base64."""
    data = json.dumps(index, sort_keys=True, ensure_ascii=False).encode("utf-8")
    gzipped = gzip.compress(data, compresslevel=9, mtime=0)
    # the header's OS byte: Python 3.11 and 3.12 write the platform's (3 on Unix), 3.13 writes
    # 255, "unknown"; always 255, so the bytes do not depend on the Python that built the site
    gzipped = gzipped[:9] + b"\xff" + gzipped[10:]
    packed = base64.b64encode(gzipped).decode("ascii")
    return f'{PREFIX}"{packed}";\n'.encode("ascii")


def unpack(script: bytes) -> dict:
    """The index object a script made by `pack` holds (ValueError, OSError, EOFError or
    zlib.error if it is not one)."""
    packed = script.decode("ascii").removeprefix(PREFIX).rstrip().removesuffix(";")
    if not (len(packed) >= 2 and packed[0] == packed[-1] == '"'):
        raise ValueError("the search index is not a string")
    data = gzip.decompress(base64.b64decode(packed[1:-1], validate=True))
    return json.loads(data.decode("utf-8"))


def read(index_file: Path) -> dict[str, list]:
    """page path -> [[heading, anchor, text], ...] from the last build's index ({} if none,
    or unreadable: its pages are then parsed again)."""
    try:
        index = unpack(index_file.read_bytes())
        by_page = {number: page[2] for number, page in enumerate(index["pages"])}
        found: dict[str, list] = {path: [] for path in by_page.values()}
        for number, *entry in index["entries"]:
            found[by_page[number]].append(entry)
        return found
    except (OSError, ValueError, EOFError, zlib.error, KeyError, IndexError, TypeError):
        return {}
