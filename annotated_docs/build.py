"""Build the whole site into a temporary folder, then swap it in for the old one.

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
from dataclasses import astuple, dataclass, field
from pathlib import Path

from . import i18n, render
from .errors import BuildError
from .pages import Heading, Page, SourceRoot, load_page, source_files, source_roots
from .translations import SITE_PAGE

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 2
# The title of the index the build makes when the top source folder has no `__init__.py`;
# it is a site string, so it shows translated.
SITE_INDEX_TITLE = "Contents"
GENERATOR_ROOT = Path(__file__).parent


class BuildFailed(Exception):
    def __init__(self, errors: list[BuildError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)    # outputs rendered this time
    reused: list[str] = field(default_factory=list)     # outputs kept from the last build
    problems: list = field(default_factory=list)        # translation problems (warnings/errors)
    seconds: float = 0.0
    folders: set = field(default_factory=set, repr=False)  # made in the staging folder


def build(sources, out_dir: Path, translations_root: Path, base_url: str = "") -> BuildResult:
    """Render every page of `sources` (a folder, or a list whose first folder is the top of
    the site and each other one a folder under its own name) into `out_dir`."""
    started = time.perf_counter()
    out_dir, translations_root = Path(out_dir), Path(translations_root)
    base_url = normalise_base_url(base_url)
    try:
        roots = source_roots(sources)
    except BuildError as error:
        raise BuildFailed([error])
    missing = [BuildError(root.folder, 0, "source folder not found") for root in roots
               if not root.folder.is_dir()]
    if missing:
        raise BuildFailed(missing)
    old = _read_manifest(out_dir)
    generator = generator_hash()
    files = [(file, root) for root in roots for file in source_files(root.folder)]
    errors: list[BuildError] = []

    # 1. Every page's heading (the site's table of contents) and images; a source unchanged
    #    since the last build reuses what the manifest remembers instead of being parsed.
    sources_seen: dict[str, dict] = {}
    loaded: dict[str, Page] = {}
    page_sources: dict[str, str] = {}
    for file, root in files:
        copy = _source_copy(file, root)
        try:
            data = file.read_bytes()
        except OSError as error:
            errors.append(BuildError(file, 0, f"unreadable: {error.strerror}; check its permissions"))
            continue
        digest = _hash(generator, root.prefix, data)
        remembered = old["sources"].get(copy)
        if not (remembered and remembered["hash"] == digest):
            try:
                page = load_page(file, root.folder, root.prefix)
            except BuildError as error:
                errors.append(error)
                continue
            loaded[page.path] = page
            remembered = {"hash": digest, "heading": page.heading.as_json(),
                          "images": [list(astuple(image)) for image in page.images]}
        sources_seen[copy] = remembered
        path = remembered["heading"]["path"]
        if path in page_sources:
            errors.append(BuildError(file, 0, f"page {path!r} is also made from "
                                     f"{page_sources[path]}; rename one of the two"))
        page_sources[path] = str(file)
    if errors:
        raise BuildFailed(errors)

    headings = [Heading(**entry["heading"]) for entry in sources_seen.values()]
    # no `__init__.py` at the top: the build makes the site's index (every Home link goes there)
    site_index = "index" not in page_sources
    if site_index:
        headings.append(Heading("index", SITE_INDEX_TITLE, ""))
    headings.sort(key=lambda heading: _page_order(heading.path))
    langs = i18n.languages(translations_root)
    result = BuildResult()
    strings = {}
    for lang in langs:
        strings[lang], problems = i18n.site_strings(lang, translations_root)
        result.problems += problems
    sites = {lang: [i18n.ShownHeading("index", strings[lang][SITE_INDEX_TITLE], "")
                    if site_index and heading.path == "index"
                    else i18n.localise_heading(heading, lang, translations_root)
                    for heading in headings] for lang in langs}

    # 2. Every output and the hash of what it is made from.
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-building-", dir=out_dir.parent
                                    if out_dir.parent.exists() else None))
    outputs: dict[str, str] = {}
    try:
        for file, root in files:
            copy = _source_copy(file, root)
            entry = sources_seen[copy]
            page_name = entry["heading"]["path"]
            outputs[f"src/{copy}"] = entry["hash"]
            _produce(staging, out_dir, old, f"src/{copy}", entry["hash"], result,
                     lambda file=file: file.read_bytes())
            for output, image_source, line in entry["images"]:
                if output in outputs:
                    continue   # another page shows the same image
                try:
                    content = (root.folder / image_source).read_bytes()
                except OSError:
                    errors.append(BuildError(file, line, f"image not found: {root.folder / image_source}; "
                                             "add the file or fix the path", image_source))
                    continue
                outputs[output] = _hash(content)
                _produce(staging, out_dir, old, output, outputs[output], result,
                         lambda content=content: content)
            for lang in langs:
                output = render.output_path(page_name, lang)
                digest = _hash(generator, entry["hash"], _json(sites[lang]), _json(langs),
                               _file_hash(translations_root / lang / f"{page_name}.json"),
                               _file_hash(translations_root / lang / f"{SITE_PAGE}.json"),
                               base_url)
                outputs[output] = digest

                def make(file=file, root=root, lang=lang, page_name=page_name):
                    page = loaded.get(page_name) or load_page(file, root.folder, root.prefix)
                    loaded[page_name] = page
                    shown = i18n.localise(page, lang, translations_root)
                    result.problems += shown.problems
                    return render.render_page(page, shown, site=sites[lang], langs=langs,
                                              strings=strings[lang], base_url=base_url).encode("utf-8")
                try:
                    _produce(staging, out_dir, old, output, digest, result, make)
                except BuildError as error:
                    errors.append(error)
        if errors:
            raise BuildFailed(errors)
        if site_index:
            for lang in langs:
                output = render.output_path("index", lang)
                outputs[output] = _hash(generator, "site index", _json(sites[lang]), _json(langs),
                                        _file_hash(translations_root / lang / f"{SITE_PAGE}.json"),
                                        base_url)
                _produce(staging, out_dir, old, output, outputs[output], result,
                         lambda lang=lang: _render_site_index(sites[lang], langs, strings[lang],
                                                              lang, base_url))
        fixed = {render.sitemap_name(base_url):
                 render.render_sitemap(sites[i18n.ENGLISH], langs, base_url).encode(),
                 ".nojekyll": b""}
        for static in sorted(render.STATIC.iterdir()):
            if static.is_file():
                fixed[f"static/{static.name}"] = static.read_bytes()
        for name, content in fixed.items():
            digest = hashlib.sha256(content).hexdigest()
            outputs[name] = digest
            _produce(staging, out_dir, old, name, digest, result, lambda content=content: content)
        manifest = {"version": MANIFEST_VERSION, "sources": sources_seen, "outputs": outputs}
        (staging / MANIFEST).write_bytes(_json(manifest, indent=1).encode() + b"\n")
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.seconds = time.perf_counter() - started
    return result


def normalise_base_url(base_url: str | None) -> str:
    """'' (relative links) or an absolute http(s) URL ending in `/`."""
    if not base_url:
        return ""
    if not base_url.startswith(("https://", "http://")):
        raise BuildFailed([BuildError("--base-url", 0, f"base URL must start with https:// or "
                                      f"http://, got {base_url!r}")])
    return base_url if base_url.endswith("/") else base_url + "/"


def generator_hash() -> str:
    """Hash of the generator's own code, templates and static files."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR_ROOT.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(GENERATOR_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _produce(staging: Path, out_dir: Path, old: dict, output: str, digest: str,
             result: BuildResult, make) -> None:
    """Reuse the previous build's file when its inputs are unchanged, else make it."""
    target = staging / output
    if target.parent not in result.folders:
        target.parent.mkdir(parents=True, exist_ok=True)
        result.folders.add(target.parent)
    previous = out_dir / output
    if old["outputs"].get(output) == digest and previous.is_file():
        try:
            os.link(previous, target)
        except OSError:
            shutil.copy2(previous, target)
        result.reused.append(output)
        return
    target.write_bytes(make())
    result.written.append(output)


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
    empty = {"sources": {}, "outputs": {}}
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if manifest.get("version") != MANIFEST_VERSION:
        return empty
    return {"sources": manifest.get("sources", {}), "outputs": manifest.get("outputs", {})}


def _source_copy(file: Path, root: SourceRoot) -> str:
    """Where the source file's copy sits under `src/`: its folder's name, then its path."""
    return f"{root.folder.resolve().name}/{file.relative_to(root.folder).as_posix()}"


def _render_site_index(site, langs, strings, lang, base_url) -> bytes:
    page = Page(path="index", source="", title=SITE_INDEX_TITLE, summary="", sections=())
    shown = i18n.LocalisedPage(lang, strings[SITE_INDEX_TITLE], [])
    return render.render_page(page, shown, site=site, langs=langs, strings=strings,
                              base_url=base_url).encode("utf-8")


def _page_order(path: str) -> tuple:
    """The landing page first, then folders' index pages before their other pages, by path."""
    parts = path.split("/")
    return (path != "index", parts[:-1], parts[-1] != "index", parts[-1])


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
