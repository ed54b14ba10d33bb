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
import os
import re
import unicodedata

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .checks import CONTROL_CHARACTERS, check_entry, sanitise
from .jsonfile import Entry, TranslationFileError, read
from .matching import FuzzyIndex, english_diff, link_only_change, normalise, rewrite_hrefs

__all__ = ["Problem", "Resolution", "Catalog", "load_catalog", "catalog_path", "shorten",
           "printable", "languages", "language_folders", "language_problem", "language_meta",
           "SITE_PAGE", "GLOSSARY_FILE", "META_KEYS", "LANGUAGE_NAME_KEY", "READY_KEY", "ENGLISH", "LanguageMeta",
           "read_meta", "meta_value_problem", "path_problem"]

STATES = ("translated", "carried", "fuzzy", "missing", "invalid")
# The page name of the site's own strings (navigation labels, language names): `_site.json`.
SITE_PAGE = "_site"
# A language's glossary, `_glossary.json` (see `glossary`): a translator's file, never a page
GLOSSARY_FILE = "_glossary.json"


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


def path_problem(translations_root: Path, path: Path) -> str | None:
    """Why no command may read or write `path` as a translation file, or None when it may.

    A translation file is a real file in real folders under `translations_root`: no part of
    its path below the root is a symbolic link (a link could take a read or a write outside
    the repository), and its real path lies inside the root's."""
    root, path = Path(translations_root), Path(path)
    try:
        relative = path.relative_to(root)
    except ValueError:
        return f"{path} is not inside {root}"
    if ".." in relative.parts:
        return f"{path} climbs out of {root} with '..'"
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return (f"{current} is a symbolic link; translation files and their folders must be "
                    f"real ones inside {root}")
    real_root, real = os.path.realpath(root), os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return f"{path} is {real}, outside {real_root}"
    return None


# A language folder's name: a lowercase BCP 47 tag, a language and optional subtags
# (`si`, `zh`, `pt-br`, `zh-hant`); nothing else under translations/ is a language.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")

# Entries of `_site.json` that describe the language instead of translating a string.
LANGUAGE_NAME_KEY = "@name"     # the language's own name, as the language switcher shows it
READY_KEY = "@ready"            # "no": a draft the build leaves out; "yes" (or none): published
META_KEYS = (LANGUAGE_NAME_KEY, READY_KEY)
READY_VALUES = ("yes", "no")
# The language every key is written in; it has no folder of translations
ENGLISH = "en"
# Longer than any language's own name; a longer one is a mistake (or a sentence)
MAX_NAME_LENGTH = 40


def language_problem(translations_root: Path, lang: str) -> str | None:
    """Why `lang` cannot be a language folder of `translations_root`, or None when it can."""
    if not LANGUAGE_CODE.fullmatch(lang):
        return (f"{lang!r} is not a language code: write a lowercase BCP 47 tag such as si, "
                "zh or pt-br")
    if lang == ENGLISH:
        return (f"{lang!r} is the English every key is written in; it has no translations "
                "(pass the code of the language you translate into)")
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
            if only_glossary(path):
                continue        # a glossary made ahead of the translation: nothing to say yet
            # A language its `@` keys leave out of the site: the build reads no more of it,
            # so the reason is reported here
            catalog = load_catalog(root, path.name, SITE_PAGE)
            if not catalog.meta.ready:
                problems += [problem for problem in catalog.problems if problem.severity == "error"]
            elif not _any_page_translated(path):
                problems.append(Problem(
                    str(catalog.path), READY_KEY, "warning", "the language is published, but "
                    "none of its pages has a translated entry: every page would be English under "
                    f'the {path.name} label; write "@ready": "no" until pages are translated'))
        else:
            problems.append(Problem(str(path), None, "error",
                                    f"{why or 'not a folder'}; the folder is ignored"))
    return langs, problems


def _any_page_translated(folder: Path) -> bool:
    """Whether any page file of a language folder (not `_site.json`, not the glossary) has a
    filled entry."""
    for path in sorted(folder.rglob("*.json")):
        if (path.name == f"{SITE_PAGE}.json" or path == folder / GLOSSARY_FILE
                or path_problem(folder.parent, path) is not None):
            continue
        try:
            if any(_filled(entry) for entry in read(path).entries):
                return True
        except (OSError, TranslationFileError):
            continue
    return False


def only_glossary(folder: Path) -> bool:
    """Whether a language folder holds its glossary and no other file of translations (no
    `_site.json`, no page): a glossary written before the translation starts, which is no
    language the site publishes yet."""
    folder = Path(folder)
    return (os.path.lexists(folder / GLOSSARY_FILE)
            and all(path == folder / GLOSSARY_FILE for path in folder.rglob("*.json")))


def languages(translations_root: Path) -> list[str]:
    """Every language folder of `translations/`, sorted, drafts included."""
    return language_folders(translations_root)[0]


@dataclass(frozen=True)
class LanguageMeta:
    """What `_site.json` says about its language: its own name (None: show the code) and
    whether the site publishes it."""
    name: str | None
    ready: bool


def meta_value_problem(key: str, value) -> str | None:
    """Why `value` cannot be the value of `@` key `key`, or None. The one definition of what
    each `@` key may hold, for `check`, the build and `import-po` alike."""
    if key == READY_KEY:
        if value not in READY_VALUES:
            return (f'"{READY_KEY}" is "yes" (the site shows the language) or "no" (a draft), '
                    f"written exactly, got {printable(json_text(value))}; the language stays a "
                    "draft until it is fixed")
        return None
    if key == LANGUAGE_NAME_KEY:
        if not isinstance(value, str) or not value.strip():
            return (f'"{LANGUAGE_NAME_KEY}" is the language\'s own name, a non-empty string; the '
                    "switcher shows the code instead")
        found = CONTROL_CHARACTERS.search(value) or re.search(r"[\u200e\u200f\u061c\n\r\t]", value)
        if found:
            return (f'"{LANGUAGE_NAME_KEY}" holds the invisible character U+{ord(found.group()):04X} '
                    "(bidi controls and line breaks can make the switcher read differently "
                    "from the file); the switcher shows the code instead")
        if len(value) > MAX_NAME_LENGTH or "<" in value or "&" in value:
            return (f'"{LANGUAGE_NAME_KEY}" is a name of at most {MAX_NAME_LENGTH} characters '
                    "without markup; the switcher shows the code instead")
        return None
    return (f"{printable(json_text(key))} is not a key `_site.json` knows: the keys that start "
            f"with @ are {', '.join(META_KEYS)}, written exactly")


def json_text(value) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)


def _meta_like(key: str) -> str | None:
    """The `@` key a file key is meant to be (`" @ready"`, `"@Ready"`, a full-width @), or
    None for an English key."""
    folded = unicodedata.normalize("NFKC", key).strip().lower()
    if not folded.startswith("@"):
        return None
    return next((meta for meta in META_KEYS if meta == folded), folded)


def read_meta(entries: list[Entry], path: Path) -> tuple[LanguageMeta, list[Problem]]:
    """The one reading of `_site.json`'s `@` keys, for `check` and the build alike.

    A key is an `@` key only as written exactly; one that differs by spaces, case or width
    is an error. A key given twice is an error. Any error about `@ready` leaves the language
    a draft (it fails closed: a draft is never published by mistake); an invalid `@name`
    shows the code instead."""
    problems: list[Problem] = []
    seen: dict[str, Entry] = {}
    ready_broken = False
    name_broken = False
    for entry in entries:
        meant = _meta_like(entry.key)
        if meant is None:
            continue
        if entry.key != meant or meant not in META_KEYS:
            why = (f"written {printable(json_text(entry.key))}; write {meant} exactly"
                   if meant in META_KEYS else meta_value_problem(meant, None))
            problems.append(Problem(str(path), entry.key, "error", why, entry.line))
            ready_broken |= meant == READY_KEY
            name_broken |= meant == LANGUAGE_NAME_KEY
            continue
        if meant in seen:
            problems.append(Problem(str(path), entry.key, "error", f"{meant} is given again "
                                    f"(first on line {seen[meant].line}); give it once",
                                    entry.line))
            ready_broken |= meant == READY_KEY
            name_broken |= meant == LANGUAGE_NAME_KEY
            continue
        seen[meant] = entry
        if entry.value == "":
            continue    # not filled in yet (as `template` adds it): as if absent
        why = meta_value_problem(meant, entry.value)
        if why is not None:
            problems.append(Problem(str(path), entry.key, "error", why, entry.line))
            ready_broken |= meant == READY_KEY
            name_broken |= meant == LANGUAGE_NAME_KEY
    ready = not ready_broken and (READY_KEY not in seen or seen[READY_KEY].value in ("yes", ""))
    name = (None if name_broken or LANGUAGE_NAME_KEY not in seen
            else seen[LANGUAGE_NAME_KEY].value.strip() or None)
    return LanguageMeta(name, ready), problems


def language_meta(translations_root: Path, lang: str) -> tuple[str, bool]:
    """A language's own name (its code when `_site.json` gives none, or an invalid one) and
    whether it is ready to publish: not when its `_site.json` says `"@ready": "no"`, as
    `template` writes for a new language, nor when its `@` keys have an error, nor when the
    file cannot be read, nor when the folder holds nothing but a glossary."""
    catalog = load_catalog(translations_root, lang, SITE_PAGE)
    unreadable = any(problem.key is None and problem.severity == "error"
                     for problem in catalog.problems)
    return (catalog.meta.name or lang, catalog.meta.ready and not unreadable
            and not only_glossary(Path(translations_root) / lang))


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
        # `_site.json`'s `@` keys, read once; their problems are the file's
        self.meta, meta_problems = read_meta(entries, path)
        self.problems.extend(meta_problems)
        # The entries a fuzzy match may come from, found once (see `_fuzzy`)
        self._fuzzy_index = None

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
        if english_key in META_KEYS:
            # Read by `read_meta`, whose problems are the file's
            entry = next((entry for entry in self.entries if entry.key == english_key), None)
            if entry is None or not _filled(entry):
                return Resolution(english_key, "missing")
            valid = meta_value_problem(english_key, entry.value) is None
            return Resolution(english_key, "translated" if valid else "invalid",
                              html.escape(entry.value) if valid else None, [], entry.key)
        normal = normalise(english_key)
        entry = self._by_normal.get(normal)
        if entry is not None and _filled(entry):
            return self._checked(english_key, entry, entry.value, "translated")
        if entry is not None and not isinstance(entry.value, str):
            return Resolution(english_key, "invalid", None, [], entry.key)   # in self.problems
        return self._fuzzy(english_key, normal)

    def _fuzzy(self, english_key: str, normal: str) -> Resolution:
        if self._fuzzy_index is None:
            # Built once per file: entries that translate another section of today's page
            # are no candidates
            self._fuzzy_index = FuzzyIndex({
                candidate_normal: entry.key for candidate_normal, entry in self._by_normal.items()
                if _filled(entry) and not candidate_normal.startswith("@")
                and (self._english_normals is None or candidate_normal not in self._english_normals)})
        index = self._fuzzy_index
        exhausted = index.exhausted
        found = index.closest(normal, exclude={normal})
        if index.exhausted and not exhausted:
            # Said once per file, with the section where it happened
            budget = [self._problem(None, "warning", "fuzzy matching stopped at this section: "
                                    "the file's outdated entries are too many or too long to "
                                    "compare within the budget, so sections from here may show "
                                    "as missing; `purge-obsolete` removes entries that match "
                                    "no section", key=english_key)]
        else:
            budget = []
        if found is None:
            return Resolution(english_key, "missing", problems=budget)
        old_key, ratio = found
        entry = self._by_normal[normalise(old_key)]
        diff = english_diff(old_key, english_key)
        moved_links = link_only_change(old_key, english_key)
        if moved_links is not None:
            carried = rewrite_hrefs(entry.value, moved_links)
            resolution = self._checked(english_key, entry, carried, "carried")
            if resolution.state == "carried":
                resolution.problems.extend(budget)
                resolution.diff = diff
                resolution.problems.append(self._problem(
                    entry, "warning", "only link targets changed in the English; shown with the "
                    "new targets. Update the key and the links in the file (check --diff "
                    "shows the change)", detail=diff))
                return resolution
        outdated, problems = self._outdated(english_key, entry)
        return Resolution(english_key, "fuzzy", None, [self._problem(
            entry, "warning", f"fuzzy: the English changed since this was translated "
            f"(similarity {ratio:.2f}); update the translation and its key to today's English "
            f"{shorten(english_key)!r} (check --diff shows the change)", detail=diff)] + problems
            + budget, old_key, diff, outdated=outdated)

    def _outdated(self, english_key: str, entry: Entry) -> tuple[str | None, list[Problem]]:
        """A fuzzy entry's translation, to show folded under today's English, and why not.

        It is checked against today's English, as a current translation is: what the old key
        allowed (an image, a link, an attribute) is not what today's page allows, and the old
        key is the translator's own text, only 75 % like a real section. A translation that
        fails is not shown, with an error naming the first reason."""
        findings = [message for severity, message in check_entry(english_key, entry.value, self.lang)
                    if severity == "error"]
        if findings:
            return None, [self._problem(entry, "error", "the outdated translation is not shown "
                                        f"under today's English: {findings[0]}")]
        return sanitise(entry.value, english_key), []

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
    unsafe = path_problem(translations_root, path) if os.path.lexists(path) else None
    if unsafe is not None:
        problems.append(Problem(str(path), None, "error", f"{unsafe}; the file is not read"))
    elif path.exists():
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
