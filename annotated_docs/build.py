"""Build the whole site into a staging folder, then swap it in for the old one.

`build()` is a list of stages, each a function from data to data:

1. `scan` (see `scan`): sources -> every page's heading (in reading order), the pages
   parsed, images;
2. `localise`: the site strings and every page's heading in each language;
3. `render_sources`: each source's copy, notebook, images and its page in every language;
4. `render_site_index`, `render_search_indexes`, `fonts.produce_math_font`, `render_fixed`:
   the index the build makes when the sources have none, each language's search index
   (`search_index`), the math font cut to the formulas' characters, the sitemap and the
   static files;
5. `manifest.write`, then `atomic.swap` of the staging folder for the output.

A stage that writes files returns what it wrote (`manifest.Produced`: the output, its
inputs' hash, whether it was reused) and what it found, so that the next stage is handed
its inputs instead of reading them from a record every stage fills.

Incremental (see `manifest`): an output whose inputs' hash is the one the previous build
remembers is hard-linked from it instead of rendered. Nothing the build writes depends on
the time or the machine, so the same inputs give byte-identical output.

Atomic (see `atomic`): any BuildError (bad LaTeX, syntax error, non-UTF-8, broken front
matter) stops the build before the swap, so the existing output stays as it was.
"""
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import rcssmin
import rjsmin

from . import citation, fonts, history, i18n, manifest, outline, render, search_index
from .atomic import staging_folder, swap
from .errors import BuildError, BuildFailed
from .manifest import Produced, Target, file_hash, input_hash, produce, stable_json
from .notebook import render_notebook
from .pages import Page, SourceRoot, load_page
from .paths import INDEX
from .scan import SITE_INDEX_TITLE, Scanned, existing_roots, scan, source_copy
from .translations import SITE_PAGE, catalog_path
from .urls import normalise_base_url, normalise_repo_url

__all__ = ["build", "BuildFailed", "BuildResult"]


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)    # outputs rendered this time
    reused: list[str] = field(default_factory=list)     # outputs kept from the last build
    problems: list = field(default_factory=list)        # translation problems (warnings/errors)
    seconds: float = 0.0


@dataclass(frozen=True)
class Settings:
    """One build's settings, checked before the first stage runs."""
    out_dir: Path
    translations_root: Path
    base_url: str                       # '' or ending in `/` (see `urls`)
    repo_url: str                       # '' or without a trailing `/`
    math_font: Path
    generator: str                      # manifest.generator_hash(): part of every output's hash
    citations: tuple = ()               # from CITATION.cff beside the top source folder


@dataclass(frozen=True)
class Localised:
    """The site in every language: its strings, and every page's title and summary."""
    langs: dict[str, str]                       # lang -> its own name
    strings: dict[str, dict[str, str]]          # lang -> {English site string: shown}
    sites: dict[str, list[i18n.ShownHeading]]   # lang -> every page's heading, reading order
    problems: list


@dataclass(frozen=True)
class Rendered:
    """Every source's outputs, and what rendering its pages found."""
    produced: list[Produced]            # each source's copy, notebook, images and pages
    problems: dict[str, list]           # page output -> its translation problems
    search: dict[str, dict[str, list]]  # lang -> page path -> search entries, pages made now
    loaded: dict[str, Page]             # page path -> page, every page parsed so far


def build(sources, out_dir: Path, translations_root: Path, base_url: str = "",
          repo_url: str = "", math_font: Path | None = None) -> BuildResult:
    """Render every page of `sources` (a folder, or a list whose first folder is the top of
    the site and each other one a folder under its own name) into `out_dir`. `repo_url`:
    the repository's web address, for "view on GitHub" and "report a problem" links;
    `math_font`: the OpenType math font to subset (default: Debian's STIX Math)."""
    started = time.perf_counter()
    roots = existing_roots(sources)
    try:
        citations = tuple(citation.citations(roots[0].folder.resolve().parent / citation.FILE))
    except BuildError as error:
        raise BuildFailed([error])
    settings = Settings(Path(out_dir), Path(translations_root), normalise_base_url(base_url),
                        normalise_repo_url(repo_url),
                        Path(math_font) if math_font else fonts.DEFAULT_MATH_FONT,
                        manifest.generator_hash(), citations)
    previous = manifest.read(settings.out_dir)
    scanned = scan(roots, settings.generator, previous)
    localised = localise(scanned, settings.translations_root)
    with staging_folder(settings.out_dir) as staging:
        target = Target(staging, settings.out_dir, previous["outputs"])
        rendered = render_sources(scanned, localised, settings, target, previous)
        site_index = render_site_index(scanned, localised, settings, target)
        search = render_search_indexes(scanned, localised, rendered, rendered.produced + site_index,
                                       settings, target)
        font = fonts.produce_math_font(settings.math_font, scanned.math_characters,
                                       settings.generator, target)
        produced = rendered.produced + site_index + search + font + render_fixed(localised, settings,
                                                                                 target)
        manifest.write(staging, scanned.entries, {made.output: made.digest for made in produced},
                       rendered.problems, settings.translations_root)
        swap(staging, settings.out_dir)
    return BuildResult(written=[made.output for made in produced if not made.reused],
                       reused=[made.output for made in produced if made.reused],
                       problems=localised.problems + [problem for found in rendered.problems.values()
                                                      for problem in found],
                       seconds=time.perf_counter() - started)


# ------------------------------------------------------------------------------ 2. localise

def localise(scanned: Scanned, translations_root: Path) -> Localised:
    """Every language's site strings, and every page's title and summary in it."""
    langs = i18n.languages(translations_root)
    strings, problems = {}, i18n.language_problems(translations_root)
    for lang in langs:
        strings[lang], found = i18n.site_strings(lang, translations_root)
        problems += found
    sites = {lang: [i18n.ShownHeading(INDEX, strings[lang][SITE_INDEX_TITLE], "")
                    if scanned.site_index and heading.path == INDEX
                    else i18n.localise_heading(heading, lang, translations_root)
                    for heading in scanned.headings] for lang in langs}
    return Localised(langs, strings, sites, problems)


# ----------------------------------------------------------------------- 3. render sources

def render_sources(scanned: Scanned, localised: Localised, settings: Settings, target: Target,
                   previous: dict) -> Rendered:
    """Each source's copy under `src/`, its notebook, its images and its page in every
    language; a page reused from the last build keeps the problems found when it was made."""
    produced, problems, errors, image_sizes = [], {}, [], {}
    search, loaded = {lang: {} for lang in localised.langs}, dict(scanned.loaded)
    for file, root in scanned.files:
        copy = source_copy(file, root)
        entry = scanned.entries[copy]
        changed = history.last_changed(file)
        produced.append(produce(target, f"src/{copy}", entry["hash"], file.read_bytes))
        if file.suffix == ".py":
            package = source_copy(file, root).split("/")[0] if "/" in source_copy(file, root) else ""
            install_from = f"git+{settings.repo_url}" if settings.repo_url else package
            produced.append(produce(target, _notebook_output(entry),
                                    input_hash(settings.generator, entry["hash"], package, install_from),
                                    lambda: render_notebook(file.read_text(encoding="utf-8"), file,
                                                            entry["heading"]["title"], package,
                                                            install_from)))
        copied, sizes, missing = _copy_images(file, root, entry["images"], image_sizes, target)
        produced += copied
        image_sizes |= sizes
        errors += missing
        for lang in localised.langs:
            try:
                page = _render_page(file, root, entry, lang, loaded, image_sizes, localised,
                                    settings, target, changed)
            except BuildError as error:
                errors.append(error)
                continue
            produced.append(page.produced)
            output = page.produced.output
            if page.produced.reused:
                problems[output] = manifest.remembered_problems(previous, output,
                                                                settings.translations_root)
            else:
                loaded[entry["heading"]["path"]] = page.page
                search[lang][entry["heading"]["path"]] = page.search
                problems[output] = page.problems
    if errors:
        raise BuildFailed(errors)
    return Rendered(produced, problems, search, loaded)


def _copy_images(file: Path, root: SourceRoot, images: list, copied_before: dict,
                 target: Target) -> tuple[list[Produced], dict, list[BuildError]]:
    """The images one source shows that no earlier source showed, each image's size, and
    an error for each image that is not there."""
    produced, sizes, errors = [], {}, []
    for output, image_source, line in images:
        if output in copied_before or output in sizes:
            continue   # another page shows the same image
        try:
            content = (root.folder / image_source).read_bytes()
        except OSError:
            errors.append(BuildError(file, line, f"image not found: {root.folder / image_source}; "
                                     "add the file or fix the path", image_source))
            continue
        sizes[output] = outline.image_size(output, content)
        produced.append(produce(target, output, input_hash(content), lambda: content))
    return produced, sizes, errors


def _notebook_output(entry: dict) -> str:
    return f"{entry['heading']['path']}.ipynb"


@dataclass(frozen=True)
class RenderedPage:
    produced: Produced
    page: Page | None           # the rest is None when the page was reused, not made
    problems: list | None
    search: list | None


def _render_page(file: Path, root: SourceRoot, entry: dict, lang: str, loaded: dict[str, Page],
                 image_sizes: dict, localised: Localised, settings: Settings,
                 target: Target, last_changed: str = "") -> RenderedPage:
    page_name = entry["heading"]["path"]
    # the page shows each image's size, not its content: a redrawn plot of the same size
    # leaves the page as it was
    sizes = {output: image_sizes[output] for output, _, _ in entry["images"]
             if image_sizes.get(output)}
    notebook = _notebook_output(entry) if file.suffix == ".py" else ""
    extras = render.Extras(repo_url=settings.repo_url, notebook=notebook, image_sizes=sizes,
                           last_changed=last_changed,
                           # the site is published from its output folder of the repository (docs/)
                           notebook_in_repo=f"{settings.out_dir.name}/{notebook}"
                           if notebook and settings.repo_url else "",
                           citations=settings.citations if page_name == INDEX else (),
                           explorer=_explorer_data(file, entry))
    translations_root = settings.translations_root
    digest = input_hash(settings.generator, entry["hash"], stable_json(localised.sites[lang]),
                        stable_json(localised.langs),
                        file_hash(catalog_path(translations_root, lang, page_name)),
                        file_hash(catalog_path(translations_root, lang, SITE_PAGE)),
                        settings.base_url, settings.repo_url, stable_json(sorted(sizes.items())),
                        last_changed, extras.notebook_in_repo, stable_json([list(c.__dict__.values())
                                                                            for c in extras.citations]),
                        extras.explorer)
    made = {}

    def make() -> bytes:
        page = loaded.get(page_name) or load_page(file, root.folder, root.prefix)
        shown = i18n.localise(page, lang, translations_root)
        made.update(page=page, problems=shown.problems,
                    search=search_index.entries(render.outline_page(page, shown).search))
        return render.render_page(page, shown, site=localised.sites[lang], langs=localised.langs,
                                  strings=localised.strings[lang], base_url=settings.base_url,
                                  extras=extras).encode("utf-8")
    produced = produce(target, render.output_path(page_name, lang), digest, make)
    return RenderedPage(produced, made.get("page"), made.get("problems"), made.get("search"))


def _explorer_data(file: Path, entry: dict) -> str:
    """The temperature explorer's JSON, compact, for the page to embed ('' for none)."""
    if not entry.get("explorer"):
        return ""
    data_file = file.parent / entry["explorer"]
    try:
        return json.dumps(json.loads(data_file.read_text(encoding="utf-8")), sort_keys=True,
                          separators=(",", ":"))
    except (OSError, ValueError) as error:
        raise BuildError(file, 0, f"explorer data {data_file} is not readable JSON: {error}")


# ----------------------------------------------------------------- 4. the site's own files

def render_site_index(scanned: Scanned, localised: Localised, settings: Settings,
                      target: Target) -> list[Produced]:
    """The index page in every language, when the sources have none: only the contents."""
    if not scanned.site_index:
        return []
    produced = []
    for lang in localised.langs:
        site, strings = localised.sites[lang], localised.strings[lang]
        digest = input_hash(settings.generator, "site index", stable_json(site),
                            stable_json(localised.langs),
                            file_hash(catalog_path(settings.translations_root, lang, SITE_PAGE)),
                            settings.base_url)

        def make() -> bytes:
            page = Page(path=INDEX, source="", title=SITE_INDEX_TITLE, summary="", sections=())
            shown = i18n.LocalisedPage(lang, strings[SITE_INDEX_TITLE], [])
            return render.render_page(page, shown, site=site, langs=localised.langs,
                                      strings=strings, base_url=settings.base_url).encode("utf-8")
        produced.append(produce(target, render.output_path(INDEX, lang), digest, make))
    return produced


def render_search_indexes(scanned: Scanned, localised: Localised, rendered: Rendered,
                          pages: list[Produced], settings: Settings,
                          target: Target) -> list[Produced]:
    """Each language's search index (see `search_index`); `pages`: every output produced so
    far, the pages among them."""
    sources = {scanned.entries[source_copy(file, root)]["heading"]["path"]: (file, root)
               for file, root in scanned.files}
    loaded = dict(rendered.loaded)

    def parse(path: str, lang: str) -> list:
        file, root = sources[path]
        loaded[path] = loaded.get(path) or load_page(file, root.folder, root.prefix)
        shown = i18n.localise(loaded[path], lang, settings.translations_root)
        return search_index.entries(render.outline_page(loaded[path], shown).search)
    return [search_index.produce_index(lang, localised.sites[lang], set(sources), rendered.search[lang],
                                       pages, parse, settings.generator, target)
            for lang in localised.langs]


def shipped(static: Path) -> bytes:
    """A static file as the site ships it: a script or a style sheet without its comments and
    spare whitespace (rjsmin, rcssmin; `/*! ... */` licence comments kept), so that what the
    reader downloads is the code and the comments stay in `annotated_docs/static/` for the
    people who read them there."""
    if static.suffix == ".js":
        return rjsmin.jsmin(static.read_text(encoding="utf-8"), keep_bang_comments=True).encode()
    if static.suffix == ".css":
        return rcssmin.cssmin(static.read_text(encoding="utf-8"), keep_bang_comments=True).encode()
    return static.read_bytes()


def render_fixed(localised: Localised, settings: Settings, target: Target) -> list[Produced]:
    """The sitemap, `.nojekyll` and the static files: hashed by their content."""
    fixed = {render.sitemap_name(settings.base_url):
             render.render_sitemap(localised.sites[i18n.ENGLISH], localised.langs,
                                   settings.base_url).encode(),
             ".nojekyll": b""}
    for static in sorted(render.STATIC.iterdir()):
        if static.is_file():
            fixed[f"static/{static.name}"] = shipped(static)
    return [produce(target, name, hashlib.sha256(content).hexdigest(), lambda content=content: content)
            for name, content in fixed.items()]
