"""The "Cite" block of the index page: BibTeX made from the project's `CITATION.cff` (the
Citation File Format), for the project itself and for each of its `references` (the paper).

The file is looked for beside the top source folder (`labml_nn_distill/` -> `CITATION.cff`
at the repository root); a site without one has no Cite block.
"""
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import BuildError

FILE = "CITATION.cff"


@dataclass(frozen=True)
class Citation:
    title: str
    bibtex: str


def citations(cff_file: Path) -> list[Citation]:
    """The project's citation, then its references'; [] when the file is absent."""
    try:
        text = Path(cff_file).read_text(encoding="utf-8")
    except OSError:
        return []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BuildError(cff_file, getattr(getattr(error, "problem_mark", None), "line", -1) + 1,
                         f"invalid YAML: {error}")
    if not isinstance(data, dict) or not data.get("title"):
        raise BuildError(cff_file, 0, "a CITATION.cff needs at least `title:` and `authors:`")
    works = [dict(data, type=data.get("type", "software"))] + list(data.get("references") or [])
    return [Citation(str(work["title"]), bibtex(work)) for work in works]


def bibtex(work: dict) -> str:
    """One CFF work (the file itself, or one of its references) as a BibTeX entry."""
    authors = " and ".join(_author(author) for author in work.get("authors") or [])
    year = str(work.get("year") or str(work.get("date-released", ""))[:4])
    kind = {"software": "software", "article": "article", "report": "misc"}.get(work.get("type"), "misc")
    fields = {"title": work.get("title"), "author": authors, "year": year,
              "journal": work.get("journal"), "version": work.get("version"),
              "url": work.get("repository-code") or work.get("url"),
              "doi": work.get("doi")}
    identifiers = {item.get("type"): item.get("value") for item in work.get("identifiers") or []}
    arxiv = next((value for value in identifiers.values() if str(value).startswith("arXiv:")), None)
    if arxiv:
        fields.update(eprint=arxiv.removeprefix("arXiv:"), archivePrefix="arXiv")
    key = (re.sub(r"[^A-Za-z]", "", (work.get("authors") or [{}])[0].get("family-names", "")).lower()
           + year + re.sub(r"[^A-Za-z]", "", str(work.get("title", "")).split()[0]).lower())
    lines = [f"  {name} = {{{value}}}," for name, value in fields.items() if value]
    return "@" + kind + "{" + key + ",\n" + "\n".join(lines) + "\n}"


def _author(author: dict) -> str:
    if "name" in author:
        return "{" + author["name"] + "}"
    return f"{author.get('family-names', '')}, {author.get('given-names', '')}".strip(", ")
