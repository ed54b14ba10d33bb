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
from .jsonfile import Entry, TranslationFileError, read
from .matching import closest, english_diff, link_only_change, normalise, rewrite_hrefs

__all__ = ["Problem", "Resolution", "Catalog", "load_catalog", "catalog_path", "shorten",
           "printable", "languages", "language_folders", "language_problem", "language_meta",
           "SITE_PAGE", "META_KEYS", "LANGUAGE_NAME_KEY", "READY_KEY"]

STATES = ("translated", "carried", "fuzzy", "missing", "invalid")
# The page name of the site's own strings (navigation labels, language names): `_site.json`.
SITE_PAGE = "_site"


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every lone surrogate written as `\\udXXX`, so that it can be printed,
    encoded and stored (a JSON file may hold one; no output can)."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def shorten(text: str, width: int = 60) -> str:
    """A key as messages show it: its text without tags, one line, at most `width` characters."""
    text = re.sub(r"</(?:p|h[1-6]|li|td|th|pre|blockquote)>|<br\s*/?>", " ", printable(text))
    line = " ".join(html.unescape(re.sub(r"<[^>]*>", "", text)).split())
    return line if len(line) <= width else line[: width - 1] + "…"


@dataclass(frozen=True)
class Problem:
    file: str
    key: str | None          # the English key (None: the file as a whole)
    severity: str            # 'error' (the entry falls back to English) or 'warning'
    message: str             # one line
    line: int | None = None
    column: int | None = None
    detail: str | None = None    # more lines (a fuzzy entry's English diff), shown on request

    def __post_init__(self):
        # Whatever a file holds, a problem prints as one line and can be encoded.
        object.__setattr__(self, "message", " ".join(printable(self.message).split()))
        if self.key is not None:
            object.__setattr__(self, "key", printable(self.key))

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
    outdated: str | None = None       # fuzzy: the old translation, sanitised, when it passes
                                      # the checks against the English it was made from


def catalog_path(translations_root: Path, lang: str, page: str) -> Path:
    return Path(translations_root) / lang / f"{page}.json"


# A language folder's name: a lowercase BCP 47 tag, a language and optional subtags
# (`si`, `zh`, `pt-br`, `zh-hant`); nothing else under translations/ is a language.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")

# Entries of `_site.json` that describe the language instead of translating a string.
LANGUAGE_NAME_KEY = "@name"     # the language's own name, as the language switcher shows it
READY_KEY = "@ready"            # "no": a draft the build leaves out; "yes" (or none): published
META_KEYS = (LANGUAGE_NAME_KEY, READY_KEY)


def language_problem(translations_root: Path, lang: str) -> str | None:
    """Why `lang` cannot be a language folder of `translations_root`, or None when it can."""
    if not LANGUAGE_CODE.fullmatch(lang):
        return (f"{lang!r} is not a language code: write a lowercase BCP 47 tag such as si, "
                "zh or pt-br")
    root = Path(translations_root)
    folder = root / lang
    if folder.is_symlink():
        return f"{folder} is a symbolic link; a language folder must be a real folder"
    if folder.resolve().parent != root.resolve():
        return f"{folder} is outside {root}"
    return None


def language_folders(translations_root: Path) -> tuple[list[str], list[Problem]]:
    """Every language folder of `translations_root`, sorted, and a problem for each other
    entry there that looks like one (a folder not named as a language, a link)."""
    root = Path(translations_root)
    if not root.is_dir():
        return [], []
    langs, problems = [], []
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "_")) or not (path.is_dir() or path.is_symlink()):
            continue
        why = language_problem(root, path.name)
        if why is None and path.is_dir():
            langs.append(path.name)
        else:
            problems.append(Problem(str(path), None, "error",
                                    f"{why or 'not a folder'}; the folder is ignored"))
    return langs, problems


def languages(translations_root: Path) -> list[str]:
    """Every language folder of `translations/`, sorted, drafts included."""
    return language_folders(translations_root)[0]


def language_meta(translations_root: Path, lang: str) -> tuple[str, bool]:
    """A language's own name (its code when `_site.json` gives none) and whether it is
    ready to publish: not when its `_site.json` says `"@ready": "no"`, as `template` writes
    for a new language."""
    catalog = load_catalog(translations_root, lang, SITE_PAGE)
    values = {entry.key: entry.value for entry in catalog.entries}
    name = values.get(LANGUAGE_NAME_KEY)
    name = " ".join(printable(name).split()) if isinstance(name, str) else ""
    return name or lang, values.get(READY_KEY) != "no"


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
                 key: str | None = None, detail: str | None = None) -> Problem:
        if entry is None:
            return Problem(str(self.path), key, severity, message, detail=detail)
        return Problem(str(self.path), key if key is not None else entry.key, severity, message,
                       entry.line, detail=detail)

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
                    "new targets. Update the key and the links in the file (check --diff "
                    "shows the change)", detail=diff))
                return resolution
        return Resolution(english_key, "fuzzy", None, [self._problem(
            entry, "warning", f"fuzzy: the English changed since this was translated "
            f"(similarity {ratio:.2f}); update the translation and its key to today's English "
            f"{shorten(english_key)!r} (check --diff shows the change)", detail=diff)],
            old_key, diff, outdated=self._outdated(english_key, entry))

    def _outdated(self, english_key: str, entry: Entry) -> str | None:
        """A fuzzy entry's translation, to show folded under today's English."""
        if any(severity == "error" for severity, _ in check_entry(entry.key, entry.value,
                                                                    self.lang)):
            return None
        return sanitise(entry.value, entry.key)

    def _checked(self, english_key: str, entry: Entry, translation: str, state: str) -> Resolution:
        findings = check_entry(english_key, translation, self.lang)
        if english_key == READY_KEY and translation.strip() not in ("yes", "no"):
            findings = [("error", f'"{READY_KEY}" is "yes" (the site shows the language) or '
                         '"no" (a draft)')]
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
            entries = read(path).entries
        except OSError as error:
            problems.append(Problem(str(path), None, "error",
                                    f"unreadable: {error.strerror or error}"))
        except TranslationFileError as error:
            where = f"line {error.line}, column {error.column}: " if error.column else ""
            problems.append(Problem(
                str(path), None, "error", f"{where}{error.message}; the whole file is ignored "
                "until it is fixed", error.line, error.column))
    usable = []
    for entry in entries:
        why = _unusable(entry)
        if why is not None:
            problems.append(Problem(str(path), entry.key, "error", why, entry.line))
            entry = Entry(entry.key, None, entry.line, entry.text)   # never shown, never matched
        usable.append(entry)
    return Catalog(path, lang, usable, problems, english_keys)


_JSON_TYPES = {dict: "an object {...}", list: "an array [...]", bool: "true or false",
               int: "a number", float: "a number", type(None): "null"}


def _unusable(entry: Entry) -> str | None:
    """Why an entry cannot be used, or None."""
    if not isinstance(entry.value, str):
        return (f"value is {_JSON_TYPES.get(type(entry.value), 'not a string')}, expected a "
                "string (an empty string \"\" marks a section not yet translated)")
    for where, text in (("key", entry.key), ("value", entry.value)):
        found = _SURROGATE.search(text)
        if found:
            return (f"the {where} holds a lone surrogate \\u{ord(found.group()):04x} at "
                    f"character {found.start() + 1}, which is no character; write the character "
                    "itself or its \\uXXXX pair")
    return None
