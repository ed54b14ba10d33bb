"""Gettext PO files for translators who work in Poedit, Weblate or another PO editor.

`export_po` writes one language as one PO file: an entry per English key of today's pages,
its page as `msgctxt`, its file and line as the reference; a fuzzy entry carries the old
English as `#| msgid` and the old translation under the `fuzzy` flag; entries that match no
section are kept as obsolete (`#~`). `import_po` writes back only what changed: a translation
that differs from the file's, or a new one, never a fuzzy or an empty one. An export followed
by an import leaves every JSON file byte for byte as it was.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polib

import os

from . import META_KEYS, Problem, catalog_path, load_catalog, meta_value_problem, path_problem, shorten
from .checks import check_entry
from .jsonfile import FileStyle, TranslationFileError, entry_text, read, render, with_value
from .matching import normalise

NEW_FILE_STYLE = FileStyle(indent="  ", ensure_ascii=False, trailing_newline=True)


def export_po(translations_root: Path, lang: str, keys_by_page: dict[str, list[str]]) -> polib.POFile:
    """Every page's English keys in `lang`, as a PO file."""
    po = polib.POFile(wrapwidth=78)
    po.metadata = {"Project-Id-Version": "labml_nn_distill", "Language": lang,
                   "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit", "X-Source-Format": "translations/<lang>/<page>.json"}
    for page, keys in keys_by_page.items():
        catalog = load_catalog(translations_root, lang, page, english_keys=keys)
        file = catalog_path(translations_root, lang, page).as_posix()
        lines = {entry.key: entry.line for entry in catalog.entries}
        used_as_source = set()
        for key in dict.fromkeys(keys):
            resolution = catalog.resolve(key)
            entry = polib.POEntry(msgctxt=page, msgid=key, msgstr="")
            if resolution.state in ("translated", "invalid") and resolution.source_key is not None:
                value = _value(catalog, resolution.source_key)
                entry.msgstr = _newlines_as(key, value) if isinstance(value, str) else ""
            elif resolution.state in ("fuzzy", "carried"):
                entry.msgstr = _newlines_as(key, _value(catalog, resolution.source_key) or "")
                entry.flags.append("fuzzy")
                entry.previous_msgid = resolution.source_key
                used_as_source.add(normalise(resolution.source_key))
            if resolution.source_key in lines:
                entry.occurrences.append((file, str(lines[resolution.source_key])))
            po.append(entry)
        for old in catalog.obsolete():
            if (normalise(old.key) in used_as_source or not isinstance(old.value, str)):
                continue    # shown as a fuzzy entry's previous msgid; or unusable
            po.append(polib.POEntry(msgctxt=page, msgid=old.key, msgstr=old.value,
                                    occurrences=[(file, str(old.line))], obsolete=True))
    return po


def out_problem(translations_root: Path, source_root: Path, out: Path) -> str | None:
    """Why `export-po` may not write `out`, or None: a PO file's name ends in `.po`, and it
    goes neither among the translation files (where it would replace one, the seed
    included) nor among the pages' sources, whatever links or `..` its path takes."""
    if out.suffix != ".po":
        return "a PO file's name ends in .po; pass --out LANG.po"
    real = os.path.realpath(out)
    for folder, what in ((translations_root, "translation files"), (source_root, "pages' sources")):
        real_folder = os.path.realpath(folder)
        if real == real_folder or real.startswith(real_folder.rstrip(os.sep) + os.sep):
            return (f"it is {real}, among the {what} in {folder}; write the PO file outside "
                    "them (the default is LANG.po in the working directory)")
    if os.path.isdir(out):
        return "it is a folder; pass a file name ending in .po"
    return None


def _newlines_as(english: str, translation: str) -> str:
    """gettext wants a msgstr to begin and end with a newline exactly when its msgid does
    (msgfmt refuses the file otherwise); in HTML they are the same text."""
    if not translation:
        return translation
    core = translation.strip("\n")
    return ("\n" if english.startswith("\n") else "") + core + ("\n" if english.endswith("\n") else "")


def _same(value, translation: str) -> bool:
    """Whether a PO translation is the file's value, but for the newlines `_newlines_as`
    added or took away."""
    return isinstance(value, str) and value.strip("\n") == translation.strip("\n")


def _value(catalog, key: str):
    for entry in catalog.entries:
        if entry.key == key:
            return entry.value
    return None


@dataclass
class Imported:
    path: Path
    changed: list[str] = field(default_factory=list)     # keys whose value was replaced
    added: list[str] = field(default_factory=list)       # keys added with their translation
    written: bool = False
    refused: str | None = None


def import_po(translations_root: Path, lang: str, keys_by_page: dict[str, list[str]],
              po_path: Path) -> tuple[list[Imported], list[Problem]]:
    """Write the PO file's translations into `translations/<lang>/`: each non-empty,
    non-fuzzy, non-obsolete entry whose page and English key exist today. Files whose bytes
    would not change are not touched; the seed is never written."""
    from .commands import WriteRefused, is_protected, write
    try:
        po = polib.pofile(str(po_path), encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return [], [Problem(str(po_path), None, "error", f"not a PO file: {error}")]
    problems: list[Problem] = []
    wanted: dict[str, dict[str, str]] = {}
    for entry in po:
        if entry.msgid_plural:
            problems.append(Problem(str(po_path), entry.msgid, "warning", "a plural entry "
                                    "(msgid_plural); the pages have no plural forms, so it is "
                                    "skipped", entry.linenum))
            continue
        if entry.obsolete or entry.fuzzy or not entry.msgstr:
            continue
        page = entry.msgctxt or ""
        keys = keys_by_page.get(page)
        if keys is None:
            problems.append(Problem(str(po_path), entry.msgid, "warning", f"no page {page!r} "
                                    "(msgctxt); skipped", entry.linenum))
            continue
        today = {normalise(key): key for key in keys}
        if normalise(entry.msgid) not in today:
            problems.append(Problem(str(po_path), entry.msgid, "warning", "not an English key "
                                    "of today's page; export again and translate the new "
                                    "English; skipped", entry.linenum))
            continue
        english = today[normalise(entry.msgid)]
        # What `check` would reject is not written: the file keeps what it had
        errors = ([why] if english in META_KEYS and (why := meta_value_problem(english, entry.msgstr))
                  else [] if english in META_KEYS
                  else [message for severity, message in check_entry(english, entry.msgstr, lang)
                        if severity == "error"])
        if errors:
            problems.append(Problem(str(po_path), entry.msgid, "error", f"not imported: "
                                    f"{errors[0]}", entry.linenum))
            continue
        wanted.setdefault(page, {})[normalise(entry.msgid)] = entry.msgstr
    results = []
    for page, translations in wanted.items():
        path = catalog_path(translations_root, lang, page)
        result = Imported(path)
        results.append(result)
        unsafe = path_problem(translations_root, path)
        if unsafe is not None:
            result.refused = unsafe
            continue
        try:
            existing = read(path) if path.exists() else None
        except (TranslationFileError, OSError) as error:
            result.refused = f"cannot be read ({error}); fix it first"
            continue
        style = existing.style if existing else NEW_FILE_STYLE
        texts = []
        for entry in existing.entries if existing else []:
            value = translations.pop(normalise(entry.key), None)
            if value is not None and not _same(entry.value, value):
                texts.append(with_value(entry, value, style))
                result.changed.append(entry.key)
            else:
                texts.append(entry.text)
        today = {normalise(key): key for key in keys_by_page[page]}
        for normal, value in translations.items():
            texts.append(entry_text(today[normal], value, style))
            result.added.append(today[normal])
        if not (result.changed or result.added):
            continue
        if is_protected(translations_root, path):
            result.refused = "the user's seed is never rewritten"
            continue
        try:
            result.written = write(translations_root, path, render(texts, style))
        except WriteRefused as error:
            result.refused = str(error)
    return results, problems


def describe(result: Imported) -> str:
    if result.refused:
        return f"{result.path}: left alone: {result.refused}"
    if not result.written:
        return f"{result.path}: unchanged"
    changed = "".join(f"\n    {shorten(key)!r}" for key in result.changed + result.added)
    return (f"{result.path}: {len(result.changed)} translation(s) changed, "
            f"{len(result.added)} added{changed}")
