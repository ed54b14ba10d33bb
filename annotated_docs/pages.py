"""The page model: what one source file becomes, independent of language and template.

A page's path is its source path relative to the source root without the suffix, with
`__init__` mapped to `index` (`labml_nn_distill/readme.md` -> `readme`).
"""
import html
import re
from dataclasses import dataclass
from pathlib import Path

from . import code, sections
from .errors import BuildError
from .notes import render_notes
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
class Page:
    path: str                      # 'index', 'readme', 'large', 'folder/index'
    source: str                    # source path as the reader sees it: 'labml_nn_distill/large.py'
    title: str
    summary: str
    sections: tuple[Section, ...]


def page_path(relative_source: Path) -> str:
    stem = relative_source.with_suffix("").as_posix()
    return stem[:-len("__init__")] + "index" if relative_source.stem == "__init__" else stem


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


def load_page(source_path: Path, source_root: Path) -> Page:
    source_path, source_root = Path(source_path), Path(source_root)
    text = read_source(source_path)
    relative = source_path.relative_to(source_root)
    if source_path.suffix == ".py":
        raw_sections = sections.split_python(text, source_path)
        highlighted = code.highlight_lines(text)
    else:
        raw_sections = sections.split_markdown(text)
        highlighted = []
    front_matter, heading, first_paragraph = {}, None, ""
    built = []
    anchors: set[str] = set(RESERVED_IDS)
    for number, raw in enumerate(raw_sections):
        notes = render_notes(raw.notes, source_path, raw.notes_line) if raw.notes.strip() else None
        if notes is not None and not built and notes.front_matter:
            front_matter = notes.front_matter
        if notes is not None:
            heading = heading or notes.heading
            first_paragraph = first_paragraph or notes.first_paragraph
        notes_html = notes.html if notes else ""
        key, fragments = protect(notes_html) if notes_html else ("", [])
        anchor = _anchor(notes_html, number, anchors)
        built.append(Section(
            anchor=anchor, notes_html=notes_html, translation_key=key, fragments=tuple(fragments),
            code_lines=tuple(CodeLine(line, highlighted[line - 1]) for line in raw.code_lines),
            notes_line=raw.notes_line))
    title = _front_matter_text(front_matter, "title", source_path) or heading or relative.stem
    summary = _front_matter_text(front_matter, "summary", source_path) or first_paragraph or ""
    return Page(path=page_path(relative), source=(Path(source_root.name) / relative).as_posix(),
                title=title, summary=summary, sections=tuple(built))


def english_keys(page: Page) -> list[str]:
    """What a translator translates on this page: the title, then each section's notes."""
    keys = [page.title] + [section.translation_key for section in page.sections]
    return list(dict.fromkeys(key for key in keys if key))


def _front_matter_text(front_matter: dict, name: str, file: Path) -> str:
    value = front_matter.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BuildError(file, 0, f"front matter `{name}` must be text, got {type(value).__name__}",
                         f"{name}: {value!r}")
    return " ".join(value.split())


# ids the templates use; a section anchor never takes them
RESERVED_IDS = ("main", "contents", "top", "theme-toggle")
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _anchor(notes_html: str, number: int, taken: set[str]) -> str:
    """A heading's slug when the section has one (stable when sections move), else its number."""
    match = _HEADING.search(notes_html)
    slug = ""
    if match:
        text = html.unescape(_TAG.sub("", match.group(1))).lower()
        slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")
    anchor = slug or f"section-{number}"
    if anchor in taken:
        anchor = f"{anchor}-{number}"
    taken.add(anchor)
    return anchor
