"""A page's text in one language: translated notes where valid, English elsewhere.

Translations come from `annotated_docs.translations` (`load_catalog(...).resolve(key)`);
this module only decides what each section shows, restores placeholders from the English
fragments, and collects the problems to report.
"""
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import translations
from .config import setting
from .pages import Heading, Page, english_keys, load_page, source_files, source_roots
from .placeholders import PLACEHOLDER_PATTERN, restore
from .translations import META_KEYS, SITE_PAGE, language_folders, language_meta, load_catalog

ENGLISH = "en"
# Every other language's own name is its `"@name"` in its `_site.json`.
ENGLISH_NAME = "English"
# A language's folder is named by a lowercase tag (`zh`); its pages say which script it is
# written in where a browser needs it to choose glyphs: Simplified Chinese, so that the Han
# characters Chinese and Japanese share take their Chinese forms.
DEFAULT_SCRIPTS = {"zh": "Hans"}

# Every string of the site itself; `translations/<lang>/_site.json` maps each to its translation.
SITE_STRINGS = (
    "Home",
    "View source",
    "Previous",
    "Next",
    "Contents",
    "Languages",
    "Pages",
    "Breadcrumb",
    "Skip to content",
    "Permalink to this section",
    "Dark theme",
    "Light theme",
    "Switch to dark theme",
    "Switch to light theme",
    "Not yet translated; shown in English.",
    "The translation of this section is outdated; shown in English.",
    "Outdated translation",
    "Notes",
    "Code",
    "On this page",
    "Search",
    "No results",
    "results",
    "Copy",
    "Copied",
    "Notebook",
    "View on GitHub",
    "Report a problem",
    "Scrolls sideways",
    "Open in Colab",
    "Edit this page",
    "Last changed",
    "Cite",
    "Temperature explorer",
    "Digit",
    "Temperature",
    "Entropy",
    "of the uniform distribution's",
    "Gradient scale of the soft term",
    "Probability of each class",
)


@dataclass(frozen=True)
class ShownSection:
    notes_html: str
    lang: str | None           # set when the notes are not in the page's language
    outdated: str | None = None    # English shown because the translation is outdated: the
                                   # old translation, placeholders restored, to fold beneath


@dataclass
class LocalisedPage:
    lang: str
    title: str
    sections: list[ShownSection]
    problems: list = field(default_factory=list)
    summary: str = ""
    summary_lang: str | None = None    # set when the summary is not in the page's language


@dataclass(frozen=True)
class ShownHeading:
    """A page's title and summary as other pages show them in one language."""
    path: str
    title: str
    summary: str
    summary_lang: str | None = None


def html_lang(lang: str) -> str:
    """The BCP 47 tag a page in `lang` (a folder's name) declares in `lang=` and `hreflang=`:
    the folder's tag in its canonical case (`pt-br` -> `pt-BR`, `zh-hant` -> `zh-Hant`), and
    the script where the folder's name leaves it out (`zh` -> `zh-Hans`)."""
    parts = lang.split("-")
    tag = [parts[0].lower()]
    for part in parts[1:]:
        tag.append(part.title() if len(part) == 4 and part.isalpha()
                   else part.upper() if len(part) == 2 else part.lower())
    if len(tag) == 1 and tag[0] in DEFAULT_SCRIPTS:
        tag.append(DEFAULT_SCRIPTS[tag[0]])
    return "-".join(tag)


def languages(translations_root: Path, order: list[str] | None = None) -> dict[str, str]:
    """The published languages, `{code: its own name}`: English first, then every language
    folder except drafts (`"@ready": "no"` in `_site.json`, as `template` starts a new
    language): translators work on a draft, the site does not show it.

    The switcher lists them in `order`, by default `[tool.annotated_docs] languages` of the
    `pyproject.toml` beside the translations folder (codes separated by spaces: the order in
    which the project took them on, so that a new language joins the end rather than
    reshuffling the menu readers know); a language it does not name follows, by code. It is
    read beside the translations, not from the working directory, so that a build from
    anywhere gives the same pages."""
    if order is None:
        order = setting("languages", Path(translations_root).resolve().parent).split()
    published = {ENGLISH: ENGLISH_NAME}
    ready = {}
    for lang in translations.languages(translations_root):
        name, is_ready = language_meta(translations_root, lang)
        if is_ready and lang != ENGLISH:
            ready[lang] = name
    for lang in sorted(ready, key=lambda lang: (order.index(lang) if lang in order else len(order), lang)):
        published[lang] = ready[lang]
    return published


def language_problems(translations_root: Path) -> list:
    """A problem for each entry of the translations folder that cannot be a language."""
    return language_folders(translations_root)[1]


def localise(page: Page, lang: str, translations_root: Path) -> LocalisedPage:
    """The page in `lang`: each section translated when its translation resolves and its
    placeholders restore, else the English notes marked `lang="en"`."""
    if lang == ENGLISH:
        return LocalisedPage(lang, page.title, [ShownSection(s.notes_html, None) for s in page.sections],
                             summary=page.summary)
    catalog = load_catalog(translations_root, lang, page.path, english_keys(page))
    problems = list(catalog.problems)
    heading, heading_problems = _localise_heading(page.heading, catalog)
    problems += heading_problems
    shown = []
    for section in page.sections:
        if not section.translation_key:
            shown.append(ShownSection("", None))
            continue
        resolution = catalog.resolve(section.translation_key)
        problems += resolution.problems
        translated = None
        if resolution.html is not None:
            try:
                translated = restore(resolution.html, list(section.fragments))
            except KeyError as error:
                problems.append(_problem(catalog, section.translation_key, str(error)))
        outdated = (_restore_outdated(resolution.outdated, resolution.source_key,
                                      section.fragments) if resolution.outdated else None)
        shown.append(ShownSection(translated, None) if translated is not None
                     else ShownSection(section.notes_html, ENGLISH, outdated))
    return LocalisedPage(lang, heading.title, shown, problems, heading.summary, heading.summary_lang)


def _restore_outdated(outdated: str, old_key: str, fragments) -> str:
    """An outdated translation with today's math and code in its placeholders when the old
    English had as many as today's (the usual case: words changed); else an ellipsis
    where each stood, rather than a formula the translation may not be about."""
    if len(PLACEHOLDER_PATTERN.findall(old_key)) == len(fragments):
        try:
            return restore(outdated, list(fragments))
        except KeyError:
            pass
    return PLACEHOLDER_PATTERN.sub("…", outdated)


def localise_heading(heading: Heading, lang: str, translations_root: Path) -> ShownHeading:
    """Title and summary of a page in `lang` (problems are reported by `localise`)."""
    if lang == ENGLISH:
        return ShownHeading(heading.path, heading.title, heading.summary)
    catalog = load_catalog(translations_root, lang, heading.path)
    return _localise_heading(heading, catalog)[0]


def _localise_heading(heading: Heading, catalog) -> tuple[ShownHeading, list]:
    title_resolution = catalog.resolve(heading.title)
    problems = list(title_resolution.problems)
    title = _plain(title_resolution.html) or heading.title
    summary = ""
    if heading.summary_key:
        resolution = catalog.resolve(heading.summary_key)
        problems += resolution.problems
        summary = _plain(resolution.html)
    elif heading.summary_section_key:
        # the summary is the first paragraph of a section: take it from that section's translation
        translated = catalog.resolve(heading.summary_section_key).html
        paragraph = _FIRST_PARAGRAPH.search(translated or "")
        if paragraph:
            try:
                summary = _plain(restore(paragraph.group(1), list(heading.summary_fragments)))
            except KeyError:
                summary = ""   # the section's own resolution reports it
    if not heading.summary:
        return ShownHeading(heading.path, title, ""), problems
    if not summary:
        return ShownHeading(heading.path, title, heading.summary, ENGLISH), problems
    return ShownHeading(heading.path, title, summary), problems


_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def site_strings(lang: str, translations_root: Path) -> tuple[dict[str, str], list]:
    """`{English: shown text}` for every site string, and the problems of `_site.json`."""
    if lang == ENGLISH:
        return {text: text for text in SITE_STRINGS}, []
    catalog = load_catalog(translations_root, lang, SITE_PAGE, [*META_KEYS, *SITE_STRINGS])
    problems = list(catalog.problems)
    for key in META_KEYS:
        problems += catalog.resolve(key).problems
    shown = {}
    for text in SITE_STRINGS:
        resolution = catalog.resolve(text)
        problems += resolution.problems
        shown[text] = _plain(resolution.html) or text
    return shown, problems


def english_keys_by_page(sources) -> dict[str, list[str]]:
    """What translators translate, as the translations commands take it: every page's English
    keys (title first, then each section), and under `_site` the site strings and the
    languages' names. `sources`: a folder, or folders as `build` takes them."""
    keys = {}
    for root in source_roots(sources):
        for source in source_files(root.folder):
            page = load_page(source, root.folder, root.prefix)
            keys[page.path] = english_keys(page)
    keys[SITE_PAGE] = list(dict.fromkeys([*META_KEYS, *SITE_STRINGS]))
    return keys


def _plain(fragment: str | None) -> str:
    """A translation used as text (a title, a label): tags dropped, references resolved."""
    if not fragment:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", fragment)).split())


def _problem(catalog, key: str, message: str):
    return translations.Problem(str(catalog.path), key, "error",
                                f"{message}; the section is shown in English")
