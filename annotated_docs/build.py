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
from dataclasses import dataclass, field
from pathlib import Path

from . import i18n, render
from .errors import BuildError
from .pages import Page, load_page, source_files

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 1
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


def build(source_root: Path, out_dir: Path, translations_root: Path, base_url: str = "") -> BuildResult:
    started = time.perf_counter()
    source_root, out_dir, translations_root = Path(source_root), Path(out_dir), Path(translations_root)
    if not source_root.is_dir():
        raise BuildFailed([BuildError(source_root, 0, "source folder not found")])
    old = _read_manifest(out_dir)
    generator = generator_hash()
    files = source_files(source_root)
    errors: list[BuildError] = []

    # 1. Every page's title and summary (the site's table of contents); a source unchanged
    #    since the last build reuses what the manifest remembers instead of being parsed.
    sources: dict[str, dict] = {}
    loaded: dict[str, Page] = {}
    for file in files:
        relative = file.relative_to(source_root).as_posix()
        try:
            data = file.read_bytes()
        except OSError as error:
            errors.append(BuildError(file, 0, f"unreadable: {error.strerror}"))
            continue
        digest = _hash(generator, data)
        remembered = old["sources"].get(relative)
        if remembered and remembered["hash"] == digest:
            sources[relative] = remembered
            continue
        try:
            page = load_page(file, source_root)
        except BuildError as error:
            errors.append(error)
            continue
        loaded[page.path] = page
        sources[relative] = {"hash": digest, "page": page.path, "title": page.title,
                             "summary": page.summary}
    if errors:
        raise BuildFailed(errors)

    entries = sorted(sources.values(), key=lambda entry: _page_order(entry["page"]))
    langs = i18n.languages(translations_root)
    sites = {lang: [render.SiteEntry(entry["page"], _title(entry, lang, translations_root),
                                     entry["summary"]) for entry in entries] for lang in langs}

    # 2. Every output and the hash of what it is made from.
    result = BuildResult()
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-building-", dir=out_dir.parent
                                    if out_dir.parent.exists() else None))
    outputs: dict[str, str] = {}
    try:
        strings_cache: dict[str, dict] = {}
        for file in files:
            relative = file.relative_to(source_root).as_posix()
            entry = sources[relative]
            source_copy = f"src/{source_root.name}/{relative}"
            outputs[source_copy] = entry["hash"]
            _produce(staging, out_dir, old, source_copy, entry["hash"], result,
                     lambda file=file: file.read_bytes())
            for lang in langs:
                output = render.output_path(entry["page"], lang)
                digest = _hash(generator, entry["hash"], _json(sites[lang]), _json(langs),
                               _file_hash(translations_root / lang / f"{entry['page']}.json"),
                               _file_hash(translations_root / lang / f"{i18n.SITE_PAGE}.json"),
                               base_url)
                outputs[output] = digest

                def make(file=file, lang=lang, page_name=entry["page"]):
                    page = loaded.get(page_name) or load_page(file, source_root)
                    loaded[page_name] = page
                    shown = i18n.localise(page, lang, translations_root)
                    if lang not in strings_cache:
                        strings_cache[lang], problems = i18n.site_strings(lang, translations_root)
                        result.problems += problems
                    result.problems += shown.problems
                    return render.render_page(page, shown, site=sites[lang], langs=langs,
                                              strings=strings_cache[lang],
                                              base_url=base_url).encode("utf-8")
                try:
                    _produce(staging, out_dir, old, output, digest, result, make)
                except BuildError as error:
                    errors.append(error)
        if errors:
            raise BuildFailed(errors)
        fixed = {"sitemap.xml": render.render_sitemap(sites[i18n.ENGLISH], langs, base_url).encode(),
                 ".nojekyll": b""}
        for static in sorted(render.STATIC.iterdir()):
            if static.is_file():
                fixed[f"static/{static.name}"] = static.read_bytes()
        for name, content in fixed.items():
            digest = hashlib.sha256(content).hexdigest()
            outputs[name] = digest
            _produce(staging, out_dir, old, name, digest, result, lambda content=content: content)
        manifest = {"version": MANIFEST_VERSION, "sources": sources, "outputs": outputs}
        (staging / MANIFEST).write_bytes(_json(manifest, indent=1).encode() + b"\n")
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.seconds = time.perf_counter() - started
    return result


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
    target.parent.mkdir(parents=True, exist_ok=True)
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


def _title(entry: dict, lang: str, translations_root: Path) -> str:
    if lang == i18n.ENGLISH:
        return entry["title"]
    catalog = i18n.load_catalog(translations_root, lang, entry["page"])
    return i18n._plain(catalog.resolve(entry["title"]).html) or entry["title"]


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
            return [item.path, item.title, item.summary]
        raise TypeError(type(item))
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, default=plain)
