"""The page model: what one source file becomes, independent of language and template.

A page's path is its source path relative to the source root without the suffix, with
`__init__` mapped to `index` (`labml_nn_distill/readme.md` -> `readme`), see `paths`. The
site's first source folder sits at the top of the site; every further folder given to the
build sits under its own name (`extra/notes.md` -> `extra/notes`), see `source_roots`.
"""
import html
import posixpath
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote

from . import code, sections, symbols
from .errors import BuildError
from .notes import render_notes
from .outline import slug
from .paths import INDEX, page_path
from .placeholders import protect


@dataclass(frozen=True)
class CodeLine:
    number: int
    html: str


@dataclass(frozen=True)
class Section:
    anchor: str                    # permalink id, the same in every language
    notes_html: str                # English notes, canonical HTML ('' when none)
    translation_key: str           # notes_html with placeholders ('' when no notes)
    fragments: tuple[str, ...]     # what each placeholder stands for
    code_lines: tuple[CodeLine, ...]
    notes_line: int


@dataclass(frozen=True)
class Image:
    """A local image a page shows: copied to `output` (site-relative), as the page links it."""
    output: str                    # 'figures/loss.png', 'extra/figures/loss.png'
    source: str                    # the file to copy, relative to the source folder (so the
                                   # build's manifest is the same wherever the checkout lives)
    line: int                      # where the notes name it, for the error when it is gone


@dataclass(frozen=True)
class Heading:
    """What other pages show of a page (contents, navigation) and what translates it.

    The summary is its own translation key when the front matter gives it
    (`summary_key`); a summary taken from the first paragraph of the notes translates with
    that section (`summary_section_key`, the section's key, and its placeholders'
    `summary_fragments`), so it needs no key of its own.
    """
    path: str
    title: str
    summary: str
    summary_key: str = ""
    summary_section_key: str = ""
    summary_fragments: tuple[str, ...] = ()
    order: tuple[str, ...] | None = None   # an index page's `order:`; None: not declared
    order_line: int = 0                    # the source line of `order:`, for errors

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Page:
    path: str                      # 'index', 'readme', 'large', 'folder/index'
    source: str                    # source path as the reader sees it: 'labml_nn_distill/large.py'
    title: str
    summary: str
    sections: tuple[Section, ...]
    summary_from_front_matter: bool = False
    summary_section: int | None = None    # the section whose first paragraph is the summary
    images: tuple[Image, ...] = ()
    order: tuple[str, ...] | None = None  # an index page's reading order of its folder
    order_line: int = 0
    symbols: tuple[tuple[str, str], ...] = ()   # (symbol, code name), see `symbols`
    explorer: tuple[str, str] | None = None     # (data file, section anchor), see `_explorer`

    @property
    def heading(self) -> Heading:
        key = self.summary if self.summary_from_front_matter else ""
        section = self.sections[self.summary_section] if self.summary_section is not None else None
        return Heading(self.path, self.title, self.summary, key,
                       section.translation_key if section else "",
                       section.fragments if section else (), self.order, self.order_line)


@dataclass(frozen=True)
class SourceRoot:
    """A source folder and where its pages sit in the site ('' or 'folder/')."""
    folder: Path
    prefix: str


def source_roots(folders) -> list[SourceRoot]:
    """The first folder at the top of the site, every other under its own folder name.

    Raises BuildError when two folders share a name (their pages would collide)."""
    folders = [Path(folder) for folder in ([folders] if isinstance(folders, (str, Path)) else folders)]
    roots, seen = [], {}
    for number, folder in enumerate(folders):
        name = folder.resolve().name
        if name in seen:
            raise BuildError(folder, 0, f"two source folders are named {name!r} ({seen[name]} and "
                             f"{folder}); their pages would share docs/{name}/; rename one")
        seen[name] = folder
        roots.append(SourceRoot(folder, "" if number == 0 else f"{name}/"))
    return roots


def source_files(source_root: Path) -> list[Path]:
    """Every .py and .md file under `source_root`, in a stable order (caches excluded)."""
    found = [path for path in Path(source_root).rglob("*")
             if path.suffix in (".py", ".md") and path.is_file()
             and not any(part.startswith((".", "__pycache__")) for part in
                         path.relative_to(source_root).parts)]
    return sorted(found, key=lambda path: path.relative_to(source_root).as_posix())


def read_source(file: Path) -> str:
    """The file as text; BuildError naming the line of the first byte that is not UTF-8."""
    data = Path(file).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data.splitlines()[line - 1] if data.splitlines() else data
        raise BuildError(file, line, f"not UTF-8 (byte 0x{data[error.start]:02x} at offset "
                         f"{error.start}); save the file as UTF-8", bad.decode("utf-8", "replace"))


def load_page(source_path: Path, source_root: Path, prefix: str = "") -> Page:
    """The page of one source file; `prefix` is where its folder sits in the site."""
    source_path, source_root = Path(source_path), Path(source_root)
    text = read_source(source_path)
    relative = source_path.relative_to(source_root)
    if source_path.suffix == ".py":
        tokens = code.lex(text)
        raw_sections = sections.split_python(text, source_path, tokens)
        highlighted = code.highlight_lines(text, tokens=tokens)
    else:
        raw_sections = sections.split_markdown(text)
        highlighted = []
    front_matter, front_matter_lines = {}, {}
    heading, first_paragraph, summary_section = None, "", None
    built, images = [], []
    anchors: set[str] = set(RESERVED_IDS)
    for number, raw in enumerate(raw_sections):
        notes = render_notes(raw.notes, source_path, raw.notes_line) if raw.notes.strip() else None
        if notes is not None and not built and notes.front_matter:
            front_matter, front_matter_lines = notes.front_matter, notes.front_matter_lines
        if notes is not None:
            heading = heading or notes.heading
            if not first_paragraph and notes.first_paragraph:
                first_paragraph, summary_section = notes.first_paragraph, len(built)
            images += [_image(source_path, source_root, prefix, src, line) for src, line in notes.images]
        notes_html = notes.html if notes else ""
        key, fragments = protect(notes_html) if notes_html else ("", [])
        anchor = _anchor(notes_html, number, anchors)
        built.append(Section(
            anchor=anchor, notes_html=notes_html, translation_key=key, fragments=tuple(fragments),
            code_lines=tuple(CodeLine(line, highlighted[line - 1]) for line in raw.code_lines),
            notes_line=raw.notes_line))
    title = _front_matter_text(front_matter, "title", source_path) or heading or relative.stem
    summary_from_front_matter = bool(_front_matter_text(front_matter, "summary", source_path))
    summary = _front_matter_text(front_matter, "summary", source_path) or first_paragraph or ""
    path = prefix + page_path(relative.as_posix())
    order_line = front_matter_lines.get("order", 0)
    code_html = "\n".join(line.html for section in built for line in section.code_lines)
    return Page(path=path,
                source=(Path(source_root.resolve().name) / relative).as_posix(),
                title=title, summary=summary, sections=tuple(built),
                summary_from_front_matter=summary_from_front_matter,
                summary_section=None if summary_from_front_matter or not summary else summary_section,
                images=tuple(dict.fromkeys(images)),
                order=_front_matter_order(front_matter, path, source_path, order_line),
                order_line=order_line,
                symbols=symbols.declared(front_matter, source_path, front_matter_lines.get("symbols", 0),
                                         path, code_html),
                explorer=_explorer(front_matter, source_path, front_matter_lines.get("explorer", 0),
                                   {section.anchor for section in built}))


def english_keys(page: Page) -> list[str]:
    """What a translator translates on this page: the title, the summary when the front
    matter gives it, then each section's notes."""
    keys = [page.title, page.heading.summary_key] + [section.translation_key for section in page.sections]
    return list(dict.fromkeys(key for key in keys if key))


def _image(source_path: Path, source_root: Path, prefix: str, src: str, line: int) -> Image:
    """A local image named in the notes, which must be a file inside the source folder."""
    path = unquote(src.split("#")[0].split("?")[0])
    if path.startswith("/"):
        raise BuildError(source_path, line, "image path must be relative to the source file "
                         "(the site works from any folder)", src)
    relative_to_root = posixpath.normpath(
        posixpath.join(source_path.parent.relative_to(source_root).as_posix(), path))
    file = source_root / relative_to_root
    if relative_to_root.startswith("../") or relative_to_root == "..":
        raise BuildError(source_path, line, f"image {src!r} is outside the source folder "
                         f"{source_root}; move it inside so the site can carry it", src)
    if not file.is_file():
        raise BuildError(source_path, line, f"image not found: {file}; add the file or fix "
                         "the path (it is relative to the source file)", src)
    return Image(output=prefix + relative_to_root, source=relative_to_root, line=line)


def _front_matter_text(front_matter: dict, name: str, file: Path) -> str:
    value = front_matter.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BuildError(file, 0, f"front matter `{name}` must be text, got {type(value).__name__}",
                         f"{name}: {value!r}")
    return " ".join(value.split())


def _front_matter_order(front_matter: dict, path: str, file: Path, line: int) -> tuple[str, ...] | None:
    """An index page's `order:`: the names of its folder's pages and subfolders (see
    `reading_order`); None when the page declares none."""
    value = front_matter.get("order")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise BuildError(file, line, "front matter `order` must be a list of page and folder names "
                         f"(order: [large, small, paper]), got {value!r}", f"order: {value!r}")
    if path.rsplit("/", 1)[-1] != INDEX:
        raise BuildError(file, line, "only a folder's index page (`__init__.py` or `index.md`) "
                         "declares `order:`; move it there", f"order: {value!r}")
    return tuple(value)


def _explorer(front_matter: dict, file: Path, line: int, anchors: set[str]) -> tuple[str, str] | None:
    """`explorer: {data: results/x.json, section: anchor}`: the temperature explorer, fed by
    the JSON file (relative to the source) and shown after the notes of that section."""
    value = front_matter.get("explorer")
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("data"), str) \
            or not isinstance(value.get("section"), str):
        raise BuildError(file, line, "front matter `explorer` needs `data:` (a JSON file beside the "
                         "source) and `section:` (the anchor of the section it follows)", f"explorer: {value!r}")
    if not (file.parent / value["data"]).is_file():
        raise BuildError(file, line, f"explorer data not found: {file.parent / value['data']}",
                         value["data"])
    if value["section"] not in anchors:
        raise BuildError(file, line, f"explorer section {value['section']!r} is not a section of the "
                         f"page (its sections: {', '.join(sorted(anchors))})", value["section"])
    return value["data"], value["section"]


# ids the templates use; a section anchor never takes them
RESERVED_IDS = ("main", "contents", "top", "theme-toggle", "cite")
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _anchor(notes_html: str, number: int, taken: set[str]) -> str:
    """A heading's slug when the section has one (stable when sections move), else its number."""
    match = _HEADING.search(notes_html)
    anchor = slug(html.unescape(_TAG.sub("", match.group(1)))) if match else ""
    anchor = anchor or f"section-{number}"
    if anchor in taken:
        anchor = f"{anchor}-{number}"
    taken.add(anchor)
    return anchor
