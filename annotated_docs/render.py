"""Fill the page template: everything a page shows, as plain data, into Jinja2."""
import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from dataclasses import dataclass, field

import jinja2
from markupsafe import Markup

from . import outline, symbols
from .i18n import ENGLISH, LocalisedPage, html_lang
from .i18n import ShownHeading as SiteEntry
from .pages import RESERVED_IDS, Page
from .paths import INDEX, folder_index

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined)


def output_path(page_path: str, lang: str) -> str:
    """`readme`, `si` -> `si/readme.html`; English pages sit at the top of the site."""
    return f"{page_path}.html" if lang == ENGLISH else f"{lang}/{page_path}.html"


def relative_link(from_output: str, to_output: str) -> str:
    """A link from one output file to another, relative (the site works from any folder)."""
    link = posixpath.relpath(to_output, posixpath.dirname(from_output) or ".")
    return link


@dataclass(frozen=True)
class Extras:
    """What a page links beyond itself: the repository (`repo_url`, '' for none), its
    notebook (site path, '' for none), and the size of every local image (site path ->
    (width, height))."""
    repo_url: str = ""
    notebook: str = ""
    image_sizes: dict = field(default_factory=dict)
    last_changed: str = ""          # 'YYYY-MM-DD' from git, '' outside git
    notebook_in_repo: str = ""      # the notebook's path in the repository, for Colab
    citations: tuple = ()           # citation.Citation, shown on the index page
    explorer: str = ""              # the temperature explorer's data, JSON ('' for none)


@dataclass(frozen=True)
class Outlined:
    """A page's sections as shown, with heading ids, its table of contents and the text the
    search index holds."""
    sections_html: list[str]
    toc: list[outline.TocEntry]
    search: list[outline.SearchEntry]


def outline_page(page: Page, shown: LocalisedPage) -> Outlined:
    taken = {section.anchor for section in page.sections} | set(RESERVED_IDS)
    sections_html, toc, search = [], [], []
    for section, shown_section in zip(page.sections, shown.sections):
        ids = outline.heading_ids(section.notes_html, shown_section.notes_html, section.anchor, taken)
        sections_html.append(outline.with_heading_ids(shown_section.notes_html, ids))
        toc += outline.toc_entries(shown_section.notes_html, ids)
        found = outline.search_entries(shown_section.notes_html, ids, section.anchor)
        code = outline.code_search_entry("\n".join(line.html for line in section.code_lines),
                                         found[-1].heading if found else "", section.anchor)
        search += found + ([code] if code else [])
    return Outlined(sections_html, toc, search)


def render_page(page: Page, shown: LocalisedPage, *, site: list[SiteEntry], langs: dict[str, str],
                strings: dict[str, str], base_url: str = "", extras: Extras = Extras()) -> str:
    lang = shown.lang
    here = output_path(page.path, lang)
    link = lambda target: relative_link(here, target)  # noqa: E731
    position = [entry.path for entry in site].index(page.path)
    previous = site[position - 1] if position > 0 else None
    following = site[position + 1] if position + 1 < len(site) else None
    titles = {entry.path: entry.title for entry in site}
    if INDEX not in titles:
        raise ValueError("the site has no index page")  # build.py always makes one
    alternates = [{"lang": html_lang(other), "name": langs[other],
                   "href": _url(base_url, output_path(page.path, other), link),
                   "switch_href": link(output_path(page.path, other)),
                   "current": other == lang} for other in langs]
    outlined = outline_page(page, shown)
    english_folder = posixpath.dirname(output_path(page.path, ENGLISH))

    def notes(html_text: str) -> Markup:
        html_text = outline.sized_images(html_text, english_folder, extras.image_sizes)
        html_text = outline.scroll_boxes(html_text, strings["Scrolls sideways"])
        html_text = symbols.link_formulas(html_text, page.symbols)
        return Markup(_images_from(html_text, lang, page.path))

    def code(lines) -> list[dict]:
        return [{"number": line.number, "html": symbols.link_code(line.html, page.symbols)}
                for line in lines]
    context = {
        "lang": html_lang(lang),
        "locale": lang,
        "title": shown.title,
        "summary": shown.summary,
        "summary_lang": shown.summary_lang,
        "canonical": _url(base_url, here, link),
        "alternates": alternates,
        "x_default": _url(base_url, output_path(page.path, ENGLISH), link),
        "root": link("index.html").removesuffix("index.html"),
        "breadcrumbs": _breadcrumbs(page.path, titles, strings["Home"], lang, link),
        "is_home": page.path == INDEX,
        "source": page.source,
        "source_href": link(f"src/{page.source}") if page.source else "",
        "previous": _neighbour(previous, lang, link),
        "next": _neighbour(following, lang, link),
        "sections": [{"anchor": section.anchor,
                      "notes_html": notes(notes_html),
                      "notes_lang": shown_section.lang,
                      "outdated_html": Markup(_images_from(shown_section.outdated, lang, page.path))
                      if shown_section.outdated else None,
                      "code_lines": code(section.code_lines)}
                     for section, shown_section, notes_html
                     in zip(page.sections, shown.sections, outlined.sections_html)],
        "toc": outlined.toc if len(outlined.toc) > 1 else [],
        "absolute": bool(base_url),
        "search_script": link(f"static/search-{lang}.js"),
        "notebook_href": link(extras.notebook) if extras.notebook else "",
        "repo_source": f"{extras.repo_url}/blob/HEAD/{quote(page.source)}"
                       if extras.repo_url and page.source else "",
        "repo_issue": f"{extras.repo_url}/issues/new?title={quote(shown.title)}"
                      f"&body={quote('Page: ' + (_url(base_url, here, link) if base_url else page.source or here))}"
                      if extras.repo_url else "",
        "repo_edit": f"{extras.repo_url}/edit/HEAD/{quote(page.source)}"
                     if extras.repo_url and page.source else "",
        "colab_href": colab_link(extras.repo_url, extras.notebook_in_repo),
        "last_changed": extras.last_changed,
        "citations": extras.citations if page.path == INDEX else (),
        "explorer_section": page.explorer[1] if page.explorer else "",
        "explorer": Markup(extras.explorer.replace("</", "<\\/")) if extras.explorer else "",
        "contents": contents_groups(site, page.path, lang, link) if page.path == INDEX else [],
        "text": strings,
    }
    return _ENVIRONMENT.get_template("page.html").render(context)


def colab_link(repo_url: str, notebook_in_repo: str) -> str:
    """Colab opens a notebook straight from a GitHub repository: '' for any other host."""
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", repo_url)
    if not match or not notebook_in_repo:
        return ""
    return f"https://colab.research.google.com/github/{match.group(1)}/blob/HEAD/{quote(notebook_in_repo)}"


def _breadcrumbs(path: str, titles: dict[str, str], home: str, lang: str, link) -> list[dict]:
    """Home, then the index page of each folder above the page, by its (shown) title."""
    folders = path.split("/")[:-1]
    crumbs = [{"title": home, "href": link(output_path(INDEX, lang))}]
    for depth in range(len(folders)):
        index = folder_index("/".join(folders[:depth + 1]))
        if index in titles and index != path:
            crumbs.append({"title": titles[index], "href": link(output_path(index, lang))})
    return crumbs


def contents_groups(site: list[SiteEntry], here: str, lang: str, link) -> list[dict]:
    """The contents as groups in reading order: the top folder's pages (no heading), then one
    group per folder under the top, headed by its index page's title, listing its pages."""
    groups: dict[str, dict] = {}
    titles = {entry.path: entry.title for entry in site}
    taken: set[str] = set()
    for entry in site:
        if entry.path == here:
            continue
        folder = entry.path.split("/")[0] if "/" in entry.path else ""
        if folder not in groups:
            groups[folder] = {"title": titles.get(folder_index(folder), folder) if folder else "",
                              "id": _group_id(folder, taken) if folder else "", "entries": []}
        groups[folder]["entries"].append({
            "title": entry.title, "summary": entry.summary, "summary_lang": entry.summary_lang,
            "href": link(output_path(entry.path, lang))})
    return [groups[folder] for folder in sorted(groups, key=bool)]   # the top folder first


def _group_id(folder: str, taken: set[str]) -> str:
    """`contents--paper`: no section anchor (a slug) has a double hyphen, so none takes it."""
    base = group_id = "contents--" + re.sub(r"[^A-Za-z0-9_-]+", "-", folder)
    number = 1
    while group_id in taken:
        number += 1
        group_id = f"{base}-{number}"
    taken.add(group_id)
    return group_id


def sitemap_name(base_url: str) -> str:
    """Always `sitemap.xml`. The sitemaps protocol wants absolute `<loc>`s: with a base URL
    they are; without one (a site read from disk, address unknown) they are relative to the
    sitemap, which is still valid XML and still lists every page in every language."""
    return "sitemap.xml"


def render_sitemap(site: list[SiteEntry], langs: list[str], base_url: str = "") -> str:
    """Every page in every language, each with its alternates in every language (and
    x-default, the English page), as hreflang `xhtml:link`s."""
    def address(page_path: str, lang: str) -> str:
        return base_url + quote(output_path(page_path, lang), safe="/")
    urls = [{"loc": address(entry.path, lang),
             "alternates": [{"lang": html_lang(other), "href": address(entry.path, other)}
                            for other in langs]
             + [{"lang": "x-default", "href": address(entry.path, ENGLISH)}]}
            for entry in site for lang in langs]
    return _ENVIRONMENT.get_template("sitemap.xml").render(urls=urls, absolute=bool(base_url))


# A local image's src is relative to the English page; a translated page sits one folder down
# (`si/paper/x.html` beside `paper/x.html`), and images are not copied per language.
_LOCAL_IMAGE = re.compile(r'(<img\b[^>]*?\bsrc="|<a class="image-link" href=")'
                          r'(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)')


def _images_from(notes_html: str, lang: str, page_path: str) -> str:
    if lang == ENGLISH:
        return notes_html
    english_folder = posixpath.dirname(output_path(page_path, ENGLISH))
    prefix = relative_link(output_path(page_path, lang), english_folder or ".") + "/"
    return _LOCAL_IMAGE.sub(lambda match: match.group(1) + prefix, notes_html)


def _neighbour(entry: SiteEntry | None, lang: str, link):
    return None if entry is None else {"title": entry.title, "href": link(output_path(entry.path, lang))}


def _url(base_url: str, output: str, link) -> str:
    return base_url + quote(output, safe="/") if base_url else link(output)
