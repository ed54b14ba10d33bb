"""The translator's commands, as functions from (files, English keys) to reports.

English keys come in as `keys_by_page`: {page path: [title, section keys...]}, with the
site strings under "_site" (the generator reads them from the sources and hands them in). Only
`template` and `purge_obsolete` write, each atomically and only when bytes change;
`template` only ever adds entries and `purge_obsolete` is the only thing that removes any.
Files in PROTECTED are never written: the user's seed stays byte for byte.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import GLOSSARY_FILE, META_KEYS, READY_KEY, SITE_PAGE, Problem, catalog_path, load_catalog, path_problem, shorten
from . import glossary as glossaries
from .jsonfile import FileStyle, TranslationFileError, entry_text, read, render, write_if_changed
from .matching import normalise

# (lang, page) of files no tool writes: translations/si/readme.json is the user's seed.
PROTECTED = {("si", "readme")}
NEW_FILE_STYLE = FileStyle(indent="  ", ensure_ascii=False, trailing_newline=True)


def is_protected(translations_root: Path, path: Path) -> bool:
    """Whether `path`, however spelt (`./si`, `si/`, a link), is a file no tool writes."""
    resolved = Path(path).resolve()
    return any(resolved == catalog_path(translations_root, lang, page).resolve()
               for lang, page in PROTECTED)


class WriteRefused(ValueError):
    """A file no command may write (the seed, a link, outside translations/), or one the
    system would not let us write (a read-only folder); the message names it and why."""


def write(translations_root: Path, path: Path, text: str) -> bool:
    """The commands' only way to write a file: never a protected one, never through a link or
    outside `translations_root` (then WriteRefused, as for a folder that cannot be written)."""
    if is_protected(translations_root, path):
        raise WriteRefused(f"{path} is the user's seed; no command writes it")
    if glossaries.is_glossary(translations_root, path):
        raise WriteRefused(f"{path} is the language's glossary, written by hand; no command "
                           "writes it")
    unsafe = path_problem(translations_root, path)
    if unsafe is not None:
        raise WriteRefused(unsafe)
    try:
        return write_if_changed(path, text)
    except OSError as error:
        raise WriteRefused(f"cannot be written ({error.strerror or error}); nothing was "
                           "changed") from None


def translation_pages(translations_root: Path, lang: str) -> list[str]:
    """The pages a language has files for (`_site` included), never its glossary."""
    folder = Path(translations_root) / lang
    return sorted(path.relative_to(folder).with_suffix("").as_posix()
                  for path in folder.rglob("*.json")
                  if path != folder / GLOSSARY_FILE) if folder.is_dir() else []


@dataclass
class PageStatus:
    lang: str
    page: str
    total: int = 0
    translated: int = 0      # shown as current: 'translated' and 'carried'
    fuzzy: int = 0
    missing: int = 0
    invalid: int = 0
    obsolete: int = 0
    glossary: int = 0        # warnings of the language's glossary (`glossary.check_page`)
    problems: list[Problem] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def add(self, other: "PageStatus") -> None:
        for name in ("total", "translated", "fuzzy", "missing", "invalid", "obsolete", "glossary"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def page_status(translations_root: Path, lang: str, page: str, keys: list[str],
                glossary: glossaries.Glossary | None = None) -> PageStatus:
    """Counts and problems of one page's file; with `glossary`, its warnings about the
    sections shown translated too."""
    catalog = load_catalog(translations_root, lang, page, english_keys=keys)
    # `@name` and `@ready` describe the language; they are not text to translate, so they
    # count neither as done nor as missing (their problems are the file's)
    counted = [key for key in keys if not (page == SITE_PAGE and key in META_KEYS)]
    result = PageStatus(lang, page, total=len(counted), problems=list(catalog.problems))
    lines = {entry.key: entry.line for entry in catalog.entries}
    shown = []
    for key in counted:
        resolution = catalog.resolve(key)
        result.problems.extend(resolution.problems)
        state = "translated" if resolution.state == "carried" else resolution.state
        setattr(result, state, getattr(result, state) + 1)
        if state == "translated" and resolution.html is not None:
            shown.append(glossaries.Section(key, resolution.html, lines.get(resolution.source_key)))
    if glossary is not None:
        found = glossaries.check_page(glossary, str(catalog.path), shown)
        result.glossary = len(found)
        result.problems.extend(found)
    obsolete = catalog.obsolete()
    result.obsolete = len(obsolete)
    for entry in obsolete:
        result.problems.append(Problem(
            str(catalog.path), entry.key, "warning", "obsolete: matches no section of today's "
            "page (the old English of a fuzzy entry, or a section that is gone); "
            "`purge-obsolete` removes it", entry.line))
    return result


def status(translations_root: Path, keys_by_page: dict[str, list[str]],
           langs: list[str]) -> list[PageStatus]:
    """One row per language and page (pages with sources, then files with none)."""
    rows = []
    for lang in langs:
        glossary = glossaries.load_glossary(translations_root, lang)
        pages = list(keys_by_page) + [page for page in translation_pages(translations_root, lang)
                                      if page not in keys_by_page]
        for page in pages:
            row = page_status(translations_root, lang, page, keys_by_page.get(page, []), glossary)
            if page not in keys_by_page:
                row.problems.append(Problem(
                    str(catalog_path(translations_root, lang, page)), None, "warning",
                    "no source page has this path; every entry is obsolete"))
            rows.append(row)
    return rows


def format_status(rows: list[PageStatus]) -> str:
    header = ("lang", "page", "translated", "fuzzy", "missing", "invalid", "obsolete",
              "glossary", "done")
    table = [header]

    def line(row: PageStatus, page: str) -> tuple:
        return (row.lang, page, f"{row.translated}/{row.total}", str(row.fuzzy),
                str(row.missing), str(row.invalid), str(row.obsolete), str(row.glossary),
                f"{row.percent:.1f} %")

    for lang in dict.fromkeys(row.lang for row in rows):
        total = PageStatus(lang, "total")
        for row in rows:
            if row.lang == lang:
                table.append(line(row, row.page))
                total.add(row)
        table.append(line(total, "total"))
    widths = [max(len(cells[i]) for cells in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) if i < 2 else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(cells, widths)))
                     for cells in table)


# Below this share of translated entries, a language marked ready gets a warning
READY_WARNING_PERCENT = 50.0


def check(translations_root: Path, keys_by_page: dict[str, list[str]],
          langs: list[str]) -> list[Problem]:
    """Every problem of every file: the file's own, and each English key's checks; and a
    warning for a language the site publishes although most of it is still English."""
    from . import language_meta
    # the glossaries' own errors first: a broken entry is a term left unchecked
    problems = [problem for lang in langs
                for problem in glossaries.load_glossary(translations_root, lang).problems]
    rows = status(translations_root, keys_by_page, langs)
    for row in rows:
        problems.extend(row.problems)
    for lang in langs:
        total = PageStatus(lang, "total")
        for row in rows:
            if row.lang == lang and row.page in keys_by_page:
                total.add(row)
        # At 0 % the language folder's own warning says it (for the build too)
        if language_meta(translations_root, lang)[1] and 0 < total.percent < READY_WARNING_PERCENT:
            problems.append(Problem(
                str(catalog_path(translations_root, lang, SITE_PAGE)), READY_KEY, "warning",
                f"the language is published, but only {total.percent:.1f} % of its entries are "
                f"translated: most pages would show English under the {lang} label; write "
                '"@ready": "no" until more is translated'))
    return problems


@dataclass
class FileChange:
    path: Path
    keys: list[str]          # keys added (template) or removed (purge_obsolete)
    written: bool
    refused: str | None = None   # why the file was left alone
    failed: bool = False         # left alone because it cannot be read: an error
    dry_run: bool = False        # `keys` would have been removed


def _read(path: Path):
    return read(path)


def template(translations_root: Path, lang: str, keys_by_page: dict[str, list[str]],
             pages: list[str] | None = None) -> list[FileChange]:
    """Add every English key the file lacks with an empty value, after every existing entry
    (kept byte for byte, in order). A new language starts this way, as a draft: its
    `_site.json` says `"@ready": "no"` until a translator makes it "yes"."""
    # New until it has a translation file: a folder that holds only a glossary, written first so
    # that translators share its terms, is still a new language, and starts as a draft
    folder = Path(translations_root) / lang
    new_language = not any(path.name != GLOSSARY_FILE for path in folder.rglob("*.json")) if folder.is_dir() else True
    changes = []
    for page in pages or list(keys_by_page):
        path = catalog_path(translations_root, lang, page)
        keys = keys_by_page.get(page)
        if keys is None:
            changes.append(FileChange(path, [], False, f"no source page {page!r}", failed=True))
            continue
        unsafe = path_problem(translations_root, path) if os.path.lexists(path) else None
        if unsafe is not None:
            changes.append(FileChange(path, [], False, unsafe, failed=True))
            continue
        if path.exists():
            try:
                existing = _read(path)
            except (TranslationFileError, UnicodeDecodeError, OSError) as error:
                changes.append(FileChange(path, [], False, f"cannot be read ({_describe(error)});"
                                          " fix it first, nothing was written", failed=True))
                continue
            texts, style = [entry.text for entry in existing.entries], existing.style
            have = {normalise(entry.key) for entry in existing.entries}
        else:
            texts, style, have = [], NEW_FILE_STYLE, set()
        added = []
        for key in keys:
            if normalise(key) not in have:
                have.add(normalise(key))
                added.append(key)
        if added and is_protected(translations_root, path):
            changes.append(FileChange(path, added, False, "the user's seed is never rewritten; "
                                      "these keys stay untranslated"))
            continue
        written = False
        if added or not path.exists():
            try:
                written = write(translations_root, path, render(
                    texts + [entry_text(key, _start_value(key, page, new_language), style)
                             for key in added], style))
            except WriteRefused as error:
                changes.append(FileChange(path, added, False, str(error), failed=True))
                continue
        changes.append(FileChange(path, added, written))
    return changes


def _start_value(key: str, page: str, new_language: bool) -> str:
    return "no" if new_language and page == SITE_PAGE and key == READY_KEY else ""


def purge_obsolete(translations_root: Path, lang: str, keys_by_page: dict[str, list[str]],
                   pages: list[str] | None = None, dry_run: bool = False) -> list[FileChange]:
    """Remove the entries whose key matches no English key of today's page (`dry_run`: only
    say which)."""
    changes = []
    for page in pages or translation_pages(translations_root, lang):
        path = catalog_path(translations_root, lang, page)
        if not os.path.lexists(path):
            continue
        unsafe = path_problem(translations_root, path)
        if unsafe is not None:
            changes.append(FileChange(path, [], False, unsafe, failed=True))
            continue
        if page not in keys_by_page:
            changes.append(FileChange(path, [], False, f"no source page {page!r}; delete the "
                                      "file yourself if the page is gone"))
            continue
        try:
            existing = _read(path)
        except (TranslationFileError, UnicodeDecodeError, OSError) as error:
            changes.append(FileChange(path, [], False, f"cannot be read ({_describe(error)})",
                                      failed=True))
            continue
        english = {normalise(key) for key in keys_by_page[page]}
        kept = [entry for entry in existing.entries if normalise(entry.key) in english]
        removed = [entry.key for entry in existing.entries if normalise(entry.key) not in english]
        if removed and is_protected(translations_root, path):
            changes.append(FileChange(path, removed, False, "the user's seed is never rewritten"))
            continue
        if dry_run:
            changes.append(FileChange(path, removed, False, dry_run=True))
            continue
        try:
            written = bool(removed) and write(
                translations_root, path, render([entry.text for entry in kept], existing.style))
        except WriteRefused as error:
            changes.append(FileChange(path, removed, False, str(error), failed=True))
            continue
        changes.append(FileChange(path, removed, written))
    return changes


def _describe(error: Exception) -> str:
    if isinstance(error, TranslationFileError) and error.line is not None:
        return f"line {error.line}, column {error.column}: {error.message}"
    return str(error)


def describe_change(change: FileChange, verb: str, list_keys: bool = True) -> str:
    """One line per file (`list_keys`: then one indented line per key)."""
    keys = "".join(f"\n    {shorten(key)!r}" for key in change.keys) if list_keys else ""
    if change.refused:
        detail = f"; {len(change.keys)} key(s) would be {verb}" if change.keys else ""
        return f"{change.path}: left alone: {change.refused}{detail}"
    if change.dry_run:
        return f"{change.path}: {len(change.keys)} key(s) would be {verb}{keys}"
    if not change.written:
        return f"{change.path}: unchanged"
    return f"{change.path}: {len(change.keys)} key(s) {verb}{keys}"


__all__ = ["PROTECTED", "status",
           "format_status", "check", "template", "purge_obsolete"]
