"""Stage 1 of the build: what the sources hold, parsing only the sources that changed.

Each source file becomes a manifest entry (its hash, its page's heading, its images and the
characters its formulas use); every page's heading is put in reading order (see
`reading_order`). The entry is what later stages and the next build need, so a source whose
hash the previous manifest remembers is not parsed at all: its entry is reused, and only
the sources that changed are loaded into pages.

A page path made from two sources, or a source that cannot be read or parsed, stops the
build here, with every such error at once, before anything is rendered.
"""
from dataclasses import astuple, dataclass
from pathlib import Path

from . import fonts
from .errors import BuildError, BuildFailed
from .manifest import input_hash
from .pages import Heading, Page, SourceRoot, load_page, source_files, source_roots
from .paths import INDEX
from .reading_order import reading_order

# The title of the index the build makes when the top source folder has no `__init__.py`;
# it is a site string, so it shows translated.
SITE_INDEX_TITLE = "Contents"


@dataclass(frozen=True)
class Scanned:
    """What the sources hold: each file's manifest entry (its hash, heading and images), the
    pages parsed this time, and every page's heading in reading order."""
    files: list[tuple[Path, SourceRoot]]
    entries: dict[str, dict]            # the source's copy under src/ -> its manifest entry
    loaded: dict[str, Page]             # page path -> page, for the sources parsed
    headings: list[Heading]
    site_index: bool                    # no index page among the sources: the build makes one

    @property
    def math_characters(self) -> set[str]:
        """Every character a formula on any page shows."""
        return set("".join(entry.get("math", "") for entry in self.entries.values()))


def scan(roots: list[SourceRoot], generator: str, previous: dict) -> Scanned:
    """Every source's heading and images; a source unchanged since the last build reuses
    what the manifest remembers instead of being parsed."""
    files = [(file, root) for root in roots for file in source_files(root.folder)]
    entries, loaded, made_from, errors = {}, {}, {}, []
    for file, root in files:
        try:
            entry, page = _scan_source(file, root, generator, previous["sources"])
        except BuildError as error:
            errors.append(error)
            continue
        if page is not None:
            loaded[page.path] = page
        entries[source_copy(file, root)] = entry
        path = entry["heading"]["path"]
        if path in made_from:
            errors.append(BuildError(file, 0, f"page {path!r} is also made from "
                                     f"{made_from[path]}; rename one of the two"))
        made_from[path] = str(file)
    if errors:
        raise BuildFailed(errors)
    headings = [Heading(**entry["heading"]) for entry in entries.values()]
    # no `__init__.py` at the top: the build makes the site's index (every Home link goes there)
    site_index = INDEX not in made_from
    if site_index:
        headings.append(Heading(INDEX, SITE_INDEX_TITLE, ""))
    further = [root.prefix.rstrip("/") for root in roots[1:]]
    return Scanned(files, entries, loaded, reading_order(headings, made_from, further), site_index)


def _scan_source(file: Path, root: SourceRoot, generator: str,
                 remembered: dict) -> tuple[dict, Page | None]:
    """The manifest entry of one source, and its page when it had to be parsed."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise BuildError(file, 0, f"unreadable: {error.strerror}; check its permissions")
    digest = input_hash(generator, root.prefix, data)
    entry = remembered.get(source_copy(file, root))
    if entry and entry["hash"] == digest:
        return entry, None
    page = load_page(file, root.folder, root.prefix)
    math = set()
    for section in page.sections:
        math |= fonts.math_characters(section.notes_html)
    return {"hash": digest, "heading": page.heading.as_json(),
            "images": [list(astuple(image)) for image in page.images],
            "explorer": page.explorer[0] if page.explorer else "",
            "math": "".join(sorted(math))}, page


def existing_roots(sources) -> list[SourceRoot]:
    try:
        roots = source_roots(sources)
    except BuildError as error:
        raise BuildFailed([error])
    missing = [BuildError(root.folder, 0, "source folder not found") for root in roots
               if not root.folder.is_dir()]
    if missing:
        raise BuildFailed(missing)
    return roots


def source_copy(file: Path, root: SourceRoot) -> str:
    """Where the source file's copy sits under `src/`: its folder's name, then its path."""
    return f"{root.folder.resolve().name}/{file.relative_to(root.folder).as_posix()}"
