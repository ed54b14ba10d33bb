"""A language's glossary, `translations/<lang>/_glossary.json`, and what `check` says about
the translations it governs.

The file is a JSON object from an English term to how the language renders it::

    {"teacher": {"use": "教师", "avoid": ["老师"], "note": "教师模型"},
     "logit":   {"use": "logit"}}

`use` is required and not empty; `avoid` (forms a translator might write instead) and `note`
(for the translator, never checked) are optional; nothing else. A term is found in English
case-insensitively at the start of a word, whatever the word's ending ("teacher" finds
"teachers" and "teacher's", "distil" finds "distillation"), a space or hyphen in it matching
any run of spaces and hyphens ("cross-entropy" finds "cross entropy"). English and
translation are compared as text: tags, attributes, placeholders and code left out, and NFKC
applied (so a full-width bracket or letter counts as its ASCII one).

The rules, each a warning (the translation is still shown):

* G1 a section whose English has a term, whose translation does not contain its `use`:
  it uses a different rendering.
* G2 a section whose English has a term, whose translation contains one of its `avoid`.
* G3 the English form of a term in the translation's text (unless `use` contains it, as zh's
  "logit" does): allowed once per page, inside brackets, as a gloss of the first use.
* G4 a bracketed Latin gloss, "(soft targets)", that is not bracketed at that place in the
  English, given more than once on a page.

The text of a link kept exactly as the English's link (a paper's title cited in English) is
no one's English form of a term. A glossary is a translator's file: no command writes it, it
is never a page (`status` does not list it, nothing calls it obsolete), and a link in its
place is refused like any translation file's.
"""
from __future__ import annotations

import html
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import Problem, path_problem, printable
from .checks import PLACEHOLDER
from .jsonfile import TranslationFileError, read

GLOSSARY_PAGE = "_glossary"
FIELDS = ("use", "avoid", "note")
# Every message of the glossary's checks starts so (`check` counts them)
PREFIX = "glossary:"

_LATIN_LETTER = "A-Za-z\u00c0-\u024f"
_CODE = re.compile(r"<(code|pre)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# After NFKC, （ ） are ( ); brackets do not nest in a gloss
_BRACKETS = re.compile(r"\(([^()]*)\)")
# What a Latin gloss may hold besides Latin letters: digits, spaces, ASCII punctuation and
# typographic quotes and dashes
_LATIN_ONLY = re.compile(rf"[{_LATIN_LETTER}0-9\s!-/:-@\[-`{{-~\u2010-\u2027]*")


def glossary_path(translations_root: Path, lang: str) -> Path:
    return Path(translations_root) / lang / f"{GLOSSARY_PAGE}.json"


def is_glossary(translations_root: Path, path: Path) -> bool:
    """Whether `path`, however spelt, is a language's glossary (which no command writes)."""
    path = Path(path)
    if path.name != f"{GLOSSARY_PAGE}.json":
        return False
    try:
        return (Path(os.path.abspath(path)).parent.parent
                == Path(os.path.abspath(translations_root)))
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class Term:
    english: str                 # as the file writes it
    use: str
    avoid: tuple[str, ...]
    note: str
    line: int
    pattern: re.Pattern = field(compare=False, repr=False)


@dataclass
class Glossary:
    path: Path
    terms: list[Term] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)    # the file's own, all errors


def term_pattern(term: str) -> re.Pattern:
    """The term at the start of a word, any ending; its spaces and hyphens any run of them."""
    parts = [re.escape(part) for part in re.split(r"[\s\-]+", term.strip()) if part]
    return re.compile(rf"(?<![{_LATIN_LETTER}0-9])" + r"[\s\-]+".join(parts)
                      + rf"[{_LATIN_LETTER}]*", re.IGNORECASE)


def load_glossary(translations_root: Path, lang: str) -> Glossary:
    """The glossary of `lang` (empty when it has none). Never raises for what the file
    holds: an entry that breaks the format is left out with an error naming its line."""
    path = glossary_path(translations_root, lang)
    glossary = Glossary(path)
    if not os.path.lexists(path):
        return glossary
    unsafe = path_problem(translations_root, path)
    if unsafe is not None:
        glossary.problems.append(Problem(str(path), None, "error",
                                         f"{PREFIX} {unsafe}; the file is not read"))
        return glossary
    try:
        entries = read(path).entries
    except OSError as error:
        glossary.problems.append(Problem(str(path), None, "error",
                                         f"{PREFIX} unreadable: {error.strerror or error}"))
        return glossary
    except TranslationFileError as error:
        where = f"line {error.line}, column {error.column}: " if error.column else ""
        glossary.problems.append(Problem(
            str(path), None, "error", f"{PREFIX} {where}{error.message}; the glossary is not "
            'used until it is fixed (a JSON object {"term": {"use": "..."}, ...})',
            error.line, error.column))
        return glossary
    seen: dict[str, int] = {}
    for entry in entries:
        why = _entry_problem(entry.key, entry.value, path)
        folded = " ".join(entry.key.casefold().split())
        if why is None and folded in seen:
            why = f"the term is given again (first on line {seen[folded]}); give it once"
        if why is not None:
            glossary.problems.append(Problem(str(path), entry.key, "error",
                                             f"{PREFIX} {why}; the term is not checked",
                                             entry.line))
            continue
        seen[folded] = entry.line
        value = entry.value
        glossary.terms.append(Term(entry.key.strip(), _nfkc(value["use"]).strip(),
                                   tuple(_nfkc(form).strip() for form in value.get("avoid", [])),
                                   value.get("note", ""), entry.line, term_pattern(entry.key)))
    return glossary


def _entry_problem(term: str, value, path: Path) -> str | None:
    """Why one entry is not a glossary entry, or None."""
    if not re.search(f"[{_LATIN_LETTER}]", term):
        return "a term is the English word or words, in Latin letters"
    if not isinstance(value, dict):
        return ('expected an object {"use": "...", "avoid": ["..."], "note": "..."}, got '
                + {str: "a string", list: "an array", bool: "true or false",
                   type(None): "null"}.get(type(value), "a number"))
    unknown = [name for name in value if name not in FIELDS]
    if unknown:
        return (f"unknown field {printable(unknown[0])!r}; an entry has "
                + ", ".join(repr(name) for name in FIELDS) + " (only use is required)")
    use = value.get("use")
    if not isinstance(use, str) or not use.strip():
        return '"use" is missing or empty: give the rendering every translation uses'
    avoid = value.get("avoid", [])
    if not isinstance(avoid, list) or not all(isinstance(form, str) and form.strip()
                                              for form in avoid):
        return '"avoid" is a list of non-empty strings'
    inside = next((form for form in avoid
                   if _nfkc(form).strip().casefold() in _nfkc(use).casefold()), None)
    if inside is not None:
        return f'"avoid" form {inside!r} is part of "use" {use!r}, so every use would be flagged'
    if not isinstance(value.get("note", ""), str):
        return '"note" is text for the translator, a string'
    return None


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def visible_text(fragment: str) -> str:
    """What a reader reads of an HTML fragment: no tags or attributes, no placeholders
    (formulas and code), no inline code; references resolved, NFKC."""
    fragment = _CODE.sub(" ", PLACEHOLDER.sub(" ", fragment))
    return _nfkc(html.unescape(_TAG.sub(" ", fragment)))


def _link_texts(fragment: str) -> set[str]:
    return {" ".join(visible_text(text).split()) for text in _LINK.findall(fragment)} - {""}


def _without_links(fragment: str, texts: set[str]) -> str:
    """The fragment without the links whose text is one of `texts`."""
    return _LINK.sub(lambda match: " " if " ".join(visible_text(match.group(1)).split()) in texts
                     else match.group(0), fragment)


def _bracketed(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised content) of each bracket pair in text."""
    return [(match.start(), match.end(), " ".join(match.group(1).split()).casefold())
            for match in _BRACKETS.finditer(text)]


@dataclass(frozen=True)
class Section:
    """One translated entry of a page, as the glossary checks see it."""
    english: str          # today's English key
    translation: str      # its translation (HTML, placeholders in)
    line: int | None      # the entry's line in its file


def check_page(glossary: Glossary, file: str, sections: list[Section]) -> list[Problem]:
    """The glossary's warnings about one page's translated sections, in reading order."""
    if not glossary.terms:
        return []
    problems: list[Problem] = []
    bracketed_forms: dict[str, int | None] = {}     # term -> line of its first gloss
    glosses: dict[str, int | None] = {}             # gloss -> line of its first use

    def warn(section: Section, message: str):
        problems.append(Problem(file, section.english, "warning", f"{PREFIX} {message}",
                                section.line))

    source = str(glossary.path)
    for section in sections:
        # a link the translation keeps as the English writes it (a paper's title, cited in
        # English) is neither the English's use of a term nor the translation's English form
        kept = _link_texts(section.english) & _link_texts(section.translation)
        english = visible_text(_without_links(section.english, kept))
        text = visible_text(_without_links(section.translation, kept))
        folded = text.casefold()
        for term in glossary.terms:
            said = term.pattern.search(english)
            if said is None:
                continue
            if term.use.casefold() not in folded:
                warn(section, f"the English says {said.group()!r} (term {term.english!r}) and "
                     f"the translation does not use {term.use!r} ({source}:{term.line}): it "
                     "uses a different rendering")
            for form in term.avoid:
                if form.casefold() in folded:
                    warn(section, f"{form!r} is a form the glossary avoids for "
                         f"{term.english!r}; write {term.use!r} ({source}:{term.line})")
        brackets = _bracketed(text)
        flagged: set[int] = set()        # brackets (by start) a G3 warning already names
        for term in glossary.terms:
            if term.english.casefold() in term.use.casefold():
                continue                  # the rendering is the English form itself
            for found in term.pattern.finditer(text):
                inside = next((start for start, end, _ in brackets
                               if start < found.start() and found.end() < end), None)
                if inside is None:
                    warn(section, f"the English form {found.group()!r} of {term.english!r} in "
                         f"the text; write {term.use!r}, and give the English at most once "
                         "per page, in brackets after its first use")
                elif term.english.casefold() in bracketed_forms:
                    first = bracketed_forms[term.english.casefold()]
                    warn(section, f"the English form {found.group()!r} of {term.english!r} "
                         f"again in brackets (first on line {first}); gloss a term once "
                         "per page")
                    flagged.add(inside)
                else:
                    bracketed_forms[term.english.casefold()] = section.line
        english_brackets = {content for _, _, content in _bracketed(english)}
        for start, _, content in brackets:
            # A gloss is a word: a bracket whose only letters stand alone, "(T = 20)", is a value
            if (not re.search(f"[{_LATIN_LETTER}]{{2,}}", content) or not _LATIN_ONLY.fullmatch(content)
                    or content in english_brackets):
                continue
            if content in glosses:
                if start not in flagged:
                    warn(section, f"the gloss ({content}) again (first on line "
                         f"{glosses[content]}); give a bracketed English gloss once per page")
            else:
                glosses[content] = section.line
    return problems
