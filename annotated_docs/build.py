"""Build the whole site into a temporary folder, then swap it in for the old one.

`build()` is a list of stages, each a function from data to data:

1. `scan`: sources -> every page's heading (in reading order, see `reading_order`), the
   pages parsed, images;
2. `localise`: the site strings and every page's heading in each language;
3. `render_site`: every output (pages, notebooks, source copies, images, each language's
   search index, the math font, sitemap, static files) into a staging folder;
4. `write_manifest`, then the swap of the staging folder for the output.

Incremental: every output file has an input hash (generator code and templates, its
source, its translation file, the language's site strings, the list of pages with their
titles); `.manifest.json` in the output remembers them. An output whose hash is unchanged
is hard-linked from the previous build instead of rendered. Nothing the build writes
depends on the time or the machine, so the same inputs give byte-identical output.

Atomic: any BuildError (bad LaTeX, syntax error, non-UTF-8, broken front matter) stops the
build before the swap, so the existing output stays as it was.
"""
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field
from pathlib import Path

from . import fonts, i18n, render
from .notebook import render_notebook
from .errors import BuildError, BuildFailed
from . import outline
from .pages import Heading, Page, SourceRoot, load_page, source_files, source_roots
from .paths import INDEX
from .reading_order import reading_order
from .translations import SITE_PAGE, Problem, catalog_path

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 4
# The title of the index the build makes when the top source folder has no `__init__.py`;
# it is a site string, so it shows translated.
SITE_INDEX_TITLE = "Contents"
GENERATOR_ROOT = Path(__file__).parent

__all__ = ["build", "BuildFailed", "BuildResult"]


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)    # outputs rendered this time
    reused: list[str] = field(default_factory=list)     # outputs kept from the last build
    problems: list = field(default_factory=list)        # translation problems (warnings/errors)
    seconds: float = 0.0


@dataclass
class Scanned:
    """What the sources hold: each file's manifest entry (its hash, heading and images), the
    pages parsed this time, and every page's heading in reading order."""
    files: list[tuple[Path, SourceRoot]]
    entries: dict[str, dict]            # the source's copy under src/ -> its manifest entry
    loaded: dict[str, Page]             # page path -> page, for the sources parsed so far
    headings: list[Heading]
    site_index: bool                    # no index page among the sources: the build makes one


@dataclass
class Localised:
    """The site in every language: its strings, and every page's title and summary."""
    langs: list[str]
    strings: dict[str, dict[str, str]]          # lang -> {English site string: shown}
    sites: dict[str, list[i18n.ShownHeading]]   # lang -> every page's heading, reading order
    problems: list


@dataclass
class _Build:
    """One build's settings, the previous build's manifest, and what it has made so far."""
    out_dir: Path
    translations_root: Path
    base_url: str
    generator: str                      # generator_hash(): part of every output's hash
    old: dict                           # the previous build's manifest
    repo_url: str = ""
    math_font: Path = fonts.DEFAULT_MATH_FONT
    staging: Path | None = None
    result: BuildResult = field(default_factory=BuildResult)
    outputs: dict[str, str] = field(default_factory=dict)   # output -> its inputs' hash
    problems: dict[str, list] = field(default_factory=dict)  # page -> translation problems
    folders: set = field(default_factory=set)               # made in the staging folder
    images: dict = field(default_factory=dict)              # image output -> (width, height)
    search: dict = field(default_factory=dict)              # (lang, page) -> its search entries

    def produce(self, output: str, digest: str, make) -> None:
        """Reuse the previous build's file when its inputs are unchanged, else make it."""
        self.outputs[output] = digest
        target = self.staging / output
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        previous = self.out_dir / output
        if self.old["outputs"].get(output) == digest and previous.is_file():
            try:
                os.link(previous, target)
            except OSError:
                shutil.copy2(previous, target)
            self.result.reused.append(output)
            return
        target.write_bytes(make())
        self.result.written.append(output)


def build(sources, out_dir: Path, translations_root: Path, base_url: str = "",
          repo_url: str = "", math_font: Path | None = None) -> BuildResult:
    """Render every page of `sources` (a folder, or a list whose first folder is the top of
    the site and each other one a folder under its own name) into `out_dir`. `repo_url`:
    the repository's web address, for "view on GitHub" and "report a problem" links;
    `math_font`: the OpenType math font to subset (default: Debian's STIX Math)."""
    started = time.perf_counter()
    run = _Build(Path(out_dir), Path(translations_root), normalise_base_url(base_url),
                 generator_hash(), _read_manifest(Path(out_dir)), normalise_repo_url(repo_url),
                 Path(math_font) if math_font else fonts.DEFAULT_MATH_FONT)
    scanned = scan(_existing_roots(sources), run)
    localised = localise(scanned, run.translations_root)
    run.result.problems += localised.problems
    with _staging(run):
        render_site(scanned, localised, run)
        write_manifest(scanned, run)
        _swap(run.staging, run.out_dir)
    run.result.seconds = time.perf_counter() - started
    return run.result


# ---------------------------------------------------------------------------------- 1. scan

def scan(roots: list[SourceRoot], run: _Build) -> Scanned:
    """Every source's heading and images; a source unchanged since the last build reuses
    what the manifest remembers instead of being parsed."""
    files = [(file, root) for root in roots for file in source_files(root.folder)]
    entries, loaded, made_from, errors = {}, {}, {}, []
    for file, root in files:
        try:
            entry, page = _scan_source(file, root, run)
        except BuildError as error:
            errors.append(error)
            continue
        if page is not None:
            loaded[page.path] = page
        entries[_source_copy(file, root)] = entry
        path = entry["heading"]["path"]
        if path in made_from:
            errors.append(BuildError(file, 0, f"page {path!r} is also made from "
                                     f"{made_from[path]}; rename one of the two"))
        made_from[path] = str(file)
    if errors:
        raise BuildFailed(errors)
    headings = [Heading(**entry["heading"]) for entry in entries.values()]
    # no `__init__.py` at the top: the build makes the site's index (every Home link goes there)
    site_index = INDEX not in made_from
    if site_index:
        headings.append(Heading(INDEX, SITE_INDEX_TITLE, ""))
    further = [root.prefix.rstrip("/") for root in roots[1:]]
    return Scanned(files, entries, loaded, reading_order(headings, made_from, further), site_index)


def _scan_source(file: Path, root: SourceRoot, run: _Build) -> tuple[dict, Page | None]:
    """The manifest entry of one source, and its page when it had to be parsed."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise BuildError(file, 0, f"unreadable: {error.strerror}; check its permissions")
    digest = _hash(run.generator, root.prefix, data)
    remembered = run.old["sources"].get(_source_copy(file, root))
    if remembered and remembered["hash"] == digest:
        return remembered, None
    page = load_page(file, root.folder, root.prefix)
    math = set()
    for section in page.sections:
        math |= fonts.math_characters(section.notes_html)
    return {"hash": digest, "heading": page.heading.as_json(),
            "images": [list(astuple(image)) for image in page.images],
            "math": "".join(sorted(math))}, page


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


# -------------------------------------------------------------------------------- 3. render

def render_site(scanned: Scanned, localised: Localised, run: _Build) -> None:
    """Every output into the staging folder: each source's copy, images and pages in every
    language, then the site's own index when it has none, the sitemap and static files."""
    errors = []
    for file, root in scanned.files:
        errors += _render_source(file, root, scanned, localised, run)
    if errors:
        raise BuildFailed(errors)
    if scanned.site_index:
        for lang in localised.langs:
            _render_site_index(lang, localised, run)
    for lang in localised.langs:
        _render_search_index(lang, scanned, localised, run)
    _render_math_font(scanned, run)
    _render_fixed(localised, run)


def _render_source(file: Path, root: SourceRoot, scanned: Scanned, localised: Localised,
                   run: _Build) -> list[BuildError]:
    copy = _source_copy(file, root)
    entry = scanned.entries[copy]
    run.produce(f"src/{copy}", entry["hash"], file.read_bytes)
    if file.suffix == ".py":
        run.produce(_notebook_output(entry), _hash(run.generator, entry["hash"]),
                    lambda: render_notebook(file.read_text(encoding="utf-8"), file,
                                            entry["heading"]["title"]))
    errors = _copy_images(file, root, entry["images"], run)
    for lang in localised.langs:
        try:
            _render_page(file, root, entry, lang, scanned, localised, run)
        except BuildError as error:
            errors.append(error)
    return errors


def _copy_images(file: Path, root: SourceRoot, images: list, run: _Build) -> list[BuildError]:
    errors = []
    for output, image_source, line in images:
        if output in run.outputs:
            continue   # another page shows the same image
        try:
            content = (root.folder / image_source).read_bytes()
        except OSError:
            errors.append(BuildError(file, line, f"image not found: {root.folder / image_source}; "
                                     "add the file or fix the path", image_source))
            continue
        run.images[output] = outline.image_size(output, content)
        run.produce(output, _hash(content), lambda content=content: content)
    return errors


def _notebook_output(entry: dict) -> str:
    return f"{entry['heading']['path']}.ipynb"


def _render_page(file: Path, root: SourceRoot, entry: dict, lang: str, scanned: Scanned,
                 localised: Localised, run: _Build) -> None:
    page_name = entry["heading"]["path"]
    # the page shows each image's size, not its content: a redrawn plot of the same size
    # leaves the page as it was
    sizes = {output: run.images[output] for output, _, _ in entry["images"]
             if run.images.get(output)}
    extras = render.Extras(repo_url=run.repo_url,
                           notebook=_notebook_output(entry) if file.suffix == ".py" else "",
                           image_sizes=sizes)
    digest = _hash(run.generator, entry["hash"], _json(localised.sites[lang]), _json(localised.langs),
                   _file_hash(catalog_path(run.translations_root, lang, page_name)),
                   _file_hash(catalog_path(run.translations_root, lang, SITE_PAGE)), run.base_url,
                   run.repo_url, _json(sorted(sizes.items())))

    def make() -> bytes:
        page = scanned.loaded.get(page_name) or load_page(file, root.folder, root.prefix)
        scanned.loaded[page_name] = page
        shown = i18n.localise(page, lang, run.translations_root)
        run.problems[output] = shown.problems
        run.search[lang, page_name] = render.outline_page(page, shown).search
        return render.render_page(page, shown, site=localised.sites[lang], langs=localised.langs,
                                  strings=localised.strings[lang], base_url=run.base_url,
                                  extras=extras).encode("utf-8")
    output = render.output_path(page_name, lang)
    run.produce(output, digest, make)
    if output not in run.problems:      # reused: its problems are the ones found when made
        run.problems[output] = [Problem(str(run.translations_root / file), *fields)
                                for file, *fields in run.old["problems"].get(output, [])]
    run.result.problems += run.problems[output]


def _render_site_index(lang: str, localised: Localised, run: _Build) -> None:
    site, strings = localised.sites[lang], localised.strings[lang]
    digest = _hash(run.generator, "site index", _json(site), _json(localised.langs),
                   _file_hash(catalog_path(run.translations_root, lang, SITE_PAGE)), run.base_url)

    def make() -> bytes:
        page = Page(path=INDEX, source="", title=SITE_INDEX_TITLE, summary="", sections=())
        shown = i18n.LocalisedPage(lang, strings[SITE_INDEX_TITLE], [])
        return render.render_page(page, shown, site=site, langs=localised.langs, strings=strings,
                                  base_url=run.base_url).encode("utf-8")
    run.produce(render.output_path(INDEX, lang), digest, make)


def _render_search_index(lang: str, scanned: Scanned, localised: Localised, run: _Build) -> None:
    """`static/search-<lang>.js`: every page's text in `lang`, cut at its headings, as a
    script that sets `window.annotatedDocsSearch` (a script loads from file://, fetch does
    not). A page rendered this time gives its entries; an unchanged page's entries come
    from the previous index, so an incremental build parses only the pages that changed."""
    pages = [render.output_path(heading.path, lang) for heading in localised.sites[lang]]
    output = f"static/search-{lang}.js"
    digest = _hash(run.generator, "search", *(run.outputs.get(page, "") for page in pages))
    sources = {scanned.entries[_source_copy(file, root)]["heading"]["path"]: (file, root)
               for file, root in scanned.files}

    def make() -> bytes:
        previous = _previous_search_entries(run.out_dir / output)
        listed, entries = [], []
        for heading in localised.sites[lang]:
            if heading.path not in sources:
                continue    # the index the build makes when there is none: only links
            here = render.output_path(heading.path, lang)
            found = run.search.get((lang, heading.path))
            if found is None and heading.path in previous:
                found = previous[heading.path]
            if found is None:
                file, root = sources[heading.path]
                page = scanned.loaded.get(heading.path) or load_page(file, root.folder, root.prefix)
                scanned.loaded[heading.path] = page
                shown = i18n.localise(page, lang, run.translations_root)
                found = [[entry.heading, entry.anchor, entry.text]
                         for entry in render.outline_page(page, shown).search]
            found = [list(entry) if isinstance(entry, list) else [entry.heading, entry.anchor, entry.text]
                     for entry in found]
            entries += [[len(listed), *entry] for entry in found]
            listed.append([here, heading.title, heading.path])
        index = _json({"pages": listed, "entries": entries})
        return f"{SEARCH_PREFIX}{index};\n".encode("utf-8")
    run.produce(output, digest, make)


SEARCH_PREFIX = "window.annotatedDocsSearch = "


def _previous_search_entries(index_file: Path) -> dict[str, list]:
    """page path -> [[heading, anchor, text], ...] from the last build's index ({} if none)."""
    try:
        text = index_file.read_text(encoding="utf-8")
        index = json.loads(text.removeprefix(SEARCH_PREFIX).rstrip().removesuffix(";"))
        by_page = {number: page[2] for number, page in enumerate(index["pages"])}
        found: dict[str, list] = {path: [] for path in by_page.values()}
        for number, *entry in index["entries"]:
            found[by_page[number]].append(entry)
        return found
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return {}


def _render_math_font(scanned: Scanned, run: _Build) -> None:
    """`static/math.woff2`: the math font cut to the characters every formula uses."""
    characters = set("".join(entry.get("math", "") for entry in scanned.entries.values()))
    if not characters:
        return      # no formula on any page: no font to ship
    try:
        font_hash = hashlib.sha256(run.math_font.read_bytes()).hexdigest()
    except OSError:
        raise BuildFailed([BuildError(run.math_font, 0, "math font not found; install it "
                                      "(apt-get install fonts-stix) or name another OpenType "
                                      "math font with --math-font or [tool.annotated_docs] "
                                      "math-font")])
    digest = _hash(run.generator, font_hash, "".join(sorted(characters)))
    try:
        run.produce("static/math.woff2", digest, lambda: fonts.subset_woff2(run.math_font, characters))
    except BuildError as error:
        raise BuildFailed([error])


def _render_fixed(localised: Localised, run: _Build) -> None:
    """The sitemap, `.nojekyll` and the static files: hashed by their content."""
    fixed = {render.sitemap_name(run.base_url):
             render.render_sitemap(localised.sites[i18n.ENGLISH], localised.langs,
                                   run.base_url).encode(),
             ".nojekyll": b""}
    for static in sorted(render.STATIC.iterdir()):
        if static.is_file():
            fixed[f"static/{static.name}"] = static.read_bytes()
    for name, content in fixed.items():
        run.produce(name, hashlib.sha256(content).hexdigest(), lambda content=content: content)


# ------------------------------------------------------------------ 4. manifest, then swap

def write_manifest(scanned: Scanned, run: _Build) -> None:
    # a problem's file relative to the translations folder: the manifest, like every
    # output, does not depend on where the checkout lives
    problems = {output: [[_relative(problem.file, run.translations_root), *astuple(problem)[1:]]
                         for problem in found]
                for output, found in run.problems.items() if found}
    manifest = {"version": MANIFEST_VERSION, "sources": scanned.entries, "outputs": run.outputs,
                "problems": problems}
    (run.staging / MANIFEST).write_bytes(_json(manifest, indent=1).encode() + b"\n")


@contextmanager
def _staging(run: _Build):
    """A fresh folder beside the output to build into; removed when the build fails."""
    parent = run.out_dir.parent
    run.staging = Path(tempfile.mkdtemp(prefix=f".{run.out_dir.name}-building-",
                                        dir=parent if parent.exists() else None))
    try:
        yield run.staging
    except BaseException:
        shutil.rmtree(run.staging, ignore_errors=True)
        raise


def _existing_roots(sources) -> list[SourceRoot]:
    try:
        roots = source_roots(sources)
    except BuildError as error:
        raise BuildFailed([error])
    missing = [BuildError(root.folder, 0, "source folder not found") for root in roots
               if not root.folder.is_dir()]
    if missing:
        raise BuildFailed(missing)
    return roots


def normalise_base_url(base_url: str | None) -> str:
    """'' (relative links) or an absolute http(s) URL ending in `/`."""
    if not base_url:
        return ""
    if not base_url.startswith(("https://", "http://")):
        raise BuildFailed([BuildError("--base-url", 0, f"base URL must start with https:// or "
                                      f"http://, got {base_url!r}")])
    return base_url if base_url.endswith("/") else base_url + "/"


def normalise_repo_url(repo_url: str | None) -> str:
    """'' or an absolute http(s) URL without a trailing `/`."""
    if not repo_url:
        return ""
    if not repo_url.startswith(("https://", "http://")):
        raise BuildFailed([BuildError("--repo-url", 0, f"repository URL must start with https:// "
                                      f"or http://, got {repo_url!r}")])
    return repo_url.rstrip("/")


def generator_hash() -> str:
    """Hash of the generator's own code, templates and static files."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR_ROOT.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(GENERATOR_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _swap(staging: Path, out_dir: Path) -> None:
    """Put the new tree in place of the old one with two renames, then drop the old tree."""
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
        os.rename(out_dir, retired / out_dir.name)
        os.rename(staging, out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, out_dir)
    os.chmod(out_dir, 0o755)


def _read_manifest(out_dir: Path) -> dict:
    empty = {"sources": {}, "outputs": {}, "problems": {}}
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if manifest.get("version") != MANIFEST_VERSION or "problems" not in manifest:
        return empty    # a page reused without its problems would hide them
    return {"sources": manifest.get("sources", {}), "outputs": manifest.get("outputs", {}),
            "problems": manifest["problems"]}


def _relative(file: str, folder: Path) -> str:
    try:
        return Path(file).relative_to(folder).as_posix()
    except ValueError:
        return file         # absolute: joined to the folder, it stays itself


def _source_copy(file: Path, root: SourceRoot) -> str:
    """Where the source file's copy sits under `src/`: its folder's name, then its path."""
    return f"{root.folder.resolve().name}/{file.relative_to(root.folder).as_posix()}"


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def _hash(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _json(value, indent=None) -> str:
    def plain(item):
        if isinstance(item, render.SiteEntry):
            return [item.path, item.title, item.summary, item.summary_lang]
        raise TypeError(type(item))
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, default=plain)
