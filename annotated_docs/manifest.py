"""What makes the build incremental: every output's input hash, and `.manifest.json`, the
file in the output that remembers them until the next build.

An output's hash covers everything it is made from (the generator's own code and
templates, its source, its translation file, the language's site strings, the list of
pages with their titles). When the hash is the one the manifest remembers, the previous
build's file is hard-linked instead of rendered again. The manifest also keeps each
source's heading and images, so that an unchanged source is not parsed, and each page's
translation problems, so that a page reused is reported as when it was made.

Nothing here depends on the time, the machine or where the checkout lives, so the same
inputs give the same hashes and a byte-identical manifest.
"""
import hashlib
import json
import os
import shutil
from dataclasses import astuple, dataclass
from pathlib import Path

from .i18n import ShownHeading
from .translations import Problem

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 4
GENERATOR_ROOT = Path(__file__).parent


def read(out_dir: Path) -> dict:
    """The previous build's manifest: `sources`, `outputs` and `problems` (empty when there
    is none, or when an older generator wrote it)."""
    empty = {"sources": {}, "outputs": {}, "problems": {}}
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if manifest.get("version") != MANIFEST_VERSION or "problems" not in manifest:
        return empty    # a page reused without its problems would hide them
    return {"sources": manifest.get("sources", {}), "outputs": manifest.get("outputs", {}),
            "problems": manifest["problems"]}


def write(folder: Path, sources: dict, outputs: dict[str, str], problems: dict[str, list],
          translations_root: Path) -> None:
    # a problem's file relative to the translations folder: the manifest, like every
    # output, does not depend on where the checkout lives
    kept = {output: [[_relative(problem.file, translations_root), *astuple(problem)[1:]]
                     for problem in found]
            for output, found in problems.items() if found}
    manifest = {"version": MANIFEST_VERSION, "sources": sources, "outputs": outputs,
                "problems": kept}
    (folder / MANIFEST).write_bytes(stable_json(manifest, indent=1).encode() + b"\n")


def remembered_problems(previous: dict, output: str, translations_root: Path) -> list[Problem]:
    """The translation problems found when the reused `output` was made."""
    return [Problem(str(translations_root / file), *fields)
            for file, *fields in previous["problems"].get(output, [])]


@dataclass(frozen=True)
class Target:
    """Where this build writes (`staging`), and what the last build left (`out_dir`, and its
    manifest's `outputs`: output -> its inputs' hash)."""
    staging: Path
    out_dir: Path
    previous: dict[str, str]


@dataclass(frozen=True)
class Produced:
    output: str
    digest: str         # its inputs' hash
    reused: bool        # kept from the last build, not made


def produce(target: Target, output: str, digest: str, make) -> Produced:
    """Reuse the previous build's file when its inputs are unchanged, else `make()` it."""
    staged = target.staging / output
    staged.parent.mkdir(parents=True, exist_ok=True)
    previous = target.out_dir / output
    if target.previous.get(output) == digest and previous.is_file():
        try:
            os.link(previous, staged)
        except OSError:
            shutil.copy2(previous, staged)
        return Produced(output, digest, reused=True)
    staged.write_bytes(make())
    return Produced(output, digest, reused=False)


def generator_hash() -> str:
    """Hash of the generator's own code, templates and static files: a new generator
    renders every page again."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR_ROOT.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(GENERATOR_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_hash(*parts) -> str:
    # each part ends in a zero byte, so that ("ab", "c") and ("a", "bc") differ
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    """The hash of a file's content; "absent" for a file that is not there (a page without
    a translation file yet), so that adding the file changes the hash."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def stable_json(value, indent=None) -> str:
    """JSON with sorted keys, so that equal values hash and write alike; a page's heading
    as shown is written as its four fields."""
    def plain(item):
        if isinstance(item, ShownHeading):
            return [item.path, item.title, item.summary, item.summary_lang]
        raise TypeError(type(item))
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, default=plain)


def _relative(file: str, folder: Path) -> str:
    try:
        return Path(file).relative_to(folder).as_posix()
    except ValueError:
        return file         # absolute: joined to the folder, it stays itself
