"""Translations: translators' JSON files, their checks, and matching them to today's English.

The generator's whole use of this package::

    catalog = load_catalog(Path("translations"), "si", "readme")   # never raises for content
    for key in english_keys(page):                                 # title first, then sections
        res = catalog.resolve(key)
        res.html      # translated HTML (sanitised, placeholders still in), or None: use English
        res.state     # 'translated' | 'carried' | 'fuzzy' | 'missing' | 'invalid'
        res.problems  # [Problem(file, key, severity, message)] of this key's checks
    catalog.problems  # the file's own problems, each reported once: unreadable, invalid
                      # JSON (line, column), not an object, non-string values, duplicate keys

Site strings: `load_catalog(root, lang, "_site").text("View source")` gives the translation or
the English. Pass `english_keys=` to `load_catalog` when the page's keys are at hand: fuzzy
matches are then taken only from entries that match no section of today's page.

A file is `translations/<lang>/<page>.json`: a flat object from the English HTML of a note
section (or the page title) to its translation. Nothing here writes files; see `commands`.
"""
from __future__ import annotations

import html
import re

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .checks import check_entry, sanitise
from .jsonfile import Entry, TranslationFileError, parse
from .matching import closest, english_diff, link_only_change, normalise, rewrite_hrefs

__all__ = ["Problem", "Resolution", "Catalog", "load_catalog", "catalog_path", "shorten",
           "languages", "SITE_PAGE"]

STATES = ("translated", "carried", "fuzzy", "missing", "invalid")
# The page name of the site's own strings (navigation labels, language names): `_site.json`.
SITE_PAGE = "_site"


def shorten(text: str, width: int = 60) -> str:
    """A key as messages show it: its text without tags, one line, at most `width` characters."""
    text = re.sub(r"</(?:p|h[1-6]|li|td|th|pre|blockquote)>|<br\s*/?>", " ", text)
    line = " ".join(html.unescape(re.sub(r"<[^>]*>", "", text)).split())
    return line if len(line) <= width else line[: width - 1] + "…"


@dataclass(frozen=True)
class Problem:
    file: str
    key: str | None          # the English key (None: the file as a whole)
    severity: str            # 'error' (the entry falls back to English) or 'warning'
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        key = f" key {shorten(self.key)!r}:" if self.key is not None else ""
        return f"{where}: {self.severity}:{key} {self.message}"


@dataclass
class Resolution:
    english_key: str
    state: str                        # one of STATES
    html: str | None = None           # None: render the English
    problems: list[Problem] = field(default_factory=list)
    source_key: str | None = None     # the file's key the translation came from
    diff: str | None = None           # fuzzy/carried: the English then vs now


def catalog_path(translations_root: Path, lang: str, page: str) -> Path:
    return Path(translations_root) / lang / f"{page}.json"


def languages(translations_root: Path) -> list[str]:
    """Every `translations/<lang>/` folder, sorted (none when the folder is absent)."""
    root = Path(translations_root)
    return sorted(path.name for path in root.iterdir()
                  if path.is_dir() and not path.name.startswith((".", "_"))) if root.is_dir() else []


class Catalog:
    """One language's translations of one page, matched against English keys on demand."""

    def __init__(self, path: Path, lang: str, entries: list[Entry], problems: list[Problem],
                 english_keys: Iterable[str] | None = None):
        self.path, self.lang = path, lang
        self.entries = entries
        self.problems = problems
        self._by_normal: dict[str, Entry] = {}
        for entry in entries:
            normal = normalise(entry.key)
            if normal in self._by_normal:
                earlier = self._by_normal[normal]
                self.problems.append(self._problem(
                    entry, "warning", f"same key as line {earlier.line} once whitespace and "
                    "escaping are ignored; the first non-empty one is used"))
                if _filled(earlier) or not _filled(entry):
                    continue
            self._by_normal[normal] = entry
        self._english_normals = (None if english_keys is None
                                 else {normalise(key) for key in english_keys})

    def _problem(self, entry: Entry | None, severity: str, message: str,
                 key: str | None = None) -> Problem:
        if entry is None:
            return Problem(str(self.path), key, severity, message)
        return Problem(str(self.path), key if key is not None else entry.key, severity, message,
                       entry.line)

    def obsolete(self) -> list[Entry]:
        """Entries whose key matches no English key (needs `english_keys`)."""
        if self._english_normals is None:
            raise ValueError("obsolete() needs the page's english_keys")
        return [entry for entry in self.entries if normalise(entry.key) not in self._english_normals]

    def resolve(self, english_key: str) -> Resolution:
        normal = normalise(english_key)
        entry = self._by_normal.get(normal)
        if entry is not None and _filled(entry):
            return self._checked(english_key, entry, entry.value, "translated")
        if entry is not None and not isinstance(entry.value, str):
            return Resolution(english_key, "invalid", None, [], entry.key)   # in self.problems
        return self._fuzzy(english_key, normal)

    def _fuzzy(self, english_key: str, normal: str) -> Resolution:
        candidates = {}
        for candidate_normal, entry in self._by_normal.items():
            if candidate_normal == normal or not _filled(entry):
                continue
            if self._english_normals is not None and candidate_normal in self._english_normals:
                continue    # that entry translates another section of today's page
            candidates[candidate_normal] = entry.key
        found = closest(normal, candidates)
        if found is None:
            return Resolution(english_key, "missing")
        old_key, ratio = found
        entry = self._by_normal[normalise(old_key)]
        diff = english_diff(old_key, english_key)
        moved_links = link_only_change(old_key, english_key)
        if moved_links is not None:
            carried = rewrite_hrefs(entry.value, moved_links)
            resolution = self._checked(english_key, entry, carried, "carried")
            if resolution.state == "carried":
                resolution.diff = diff
                resolution.problems.append(self._problem(
                    entry, "warning", "only link targets changed in the English; shown with the "
                    "new targets. Update the key and the links in the file:\n" + diff))
                return resolution
        return Resolution(english_key, "fuzzy", None, [self._problem(
            entry, "warning", f"fuzzy: the English changed since this was translated "
            f"(similarity {ratio:.2f}); update the translation and its key to today's English "
            f"{shorten(english_key)!r}:\n{diff}")], old_key, diff)

    def _checked(self, english_key: str, entry: Entry, translation: str, state: str) -> Resolution:
        findings = check_entry(english_key, translation, self.lang)
        problems = [self._problem(entry, severity, message) for severity, message in findings]
        if any(severity == "error" for severity, _ in findings):
            return Resolution(english_key, "invalid", None, problems, entry.key)
        return Resolution(english_key, state, sanitise(translation, english_key), problems,
                          entry.key)

    def text(self, english: str) -> str:
        """A site string: its translation when it resolves, else the English."""
        resolution = self.resolve(english)
        return resolution.html if resolution.html is not None else english


def _filled(entry: Entry) -> bool:
    return isinstance(entry.value, str) and entry.value.strip() != ""


def load_catalog(translations_root: Path, lang: str, page: str,
                 english_keys: Iterable[str] | None = None) -> Catalog:
    """The catalog of `translations/<lang>/<page>.json`. Never raises for what the file
    holds: a missing file is an empty catalog; an unreadable or invalid one is an empty
    catalog with a Problem naming file, line and column."""
    path = catalog_path(translations_root, lang, page)
    problems: list[Problem] = []
    entries: list[Entry] = []
    if path.exists():
        try:
            entries = parse(path.read_text(encoding="utf-8")).entries
        except UnicodeDecodeError as error:
            problems.append(Problem(str(path), None, "error",
                                    f"not UTF-8 (byte {error.start}); save the file as UTF-8"))
        except OSError as error:
            problems.append(Problem(str(path), None, "error", f"unreadable: {error.strerror}"))
        except TranslationFileError as error:
            problems.append(Problem(
                str(path), None, "error",
                f"line {error.line}, column {error.column}: {error.message}; the whole file is "
                "ignored until it is fixed", error.line, error.column))
    for entry in entries:
        if not isinstance(entry.value, str):
            problems.append(Problem(str(path), entry.key, "error",
                                    f"value is {type(entry.value).__name__}, expected a string "
                                    "(an empty string \"\" marks a section not yet translated)",
                                    entry.line))
    return Catalog(path, lang, entries, problems, english_keys)
