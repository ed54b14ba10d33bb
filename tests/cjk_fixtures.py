"""Chinese and Japanese of the tests' own: the site strings, every page's title and a few
sections of the real index page (`tests/fixtures/cjk/<lang>.json`), written into a temporary
translations folder beside a copy of the committed one (Sinhala and every glossary), and the
real tutorial built with them.

The fixture files name sections by their anchor, not by their English: the English key is
looked up in today's page, so rewording a section's English does not break the tests (a
section whose anchor is gone does, naming it). The committed zh and ja translations, once
they land, are left out of this build (the tests that read `docs/` cover them).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from annotated_docs.pages import load_page
from annotated_docs.paths import INDEX

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "labml_nn_distill"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cjk"
CJK_LANGS = ("zh", "ja")
BASE_URL = "https://example.org/distill/"
# What a reader searches for, per language, and a query that mixes English and CJK
QUERIES = {"zh": ["温度", "软目标", "蒸馏"], "ja": ["温度", "蒸留", "ソフトターゲット"]}
MIXED = {"zh": "softmax温度", "ja": "softmax 温度"}


def fixture(lang: str) -> dict:
    return json.loads((FIXTURES / f"{lang}.json").read_text(encoding="utf-8"))


def _source_file(page_path: str) -> Path:
    folder, name = SOURCE / page_path.rpartition("/")[0], page_path.rpartition("/")[2]
    candidates = ([folder / "__init__.py", folder / "index.md"] if name == INDEX
                  else [folder / f"{name}.py", folder / f"{name}.md"])
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise LookupError(f"tests/fixtures/cjk names page {page_path!r}, which has no source")


def translation_files(lang: str) -> dict[str, dict[str, str]]:
    """{page: {today's English key: translation}} of one language's fixture."""
    data = fixture(lang)
    files: dict[str, dict[str, str]] = {"_site": dict(data["_site"])}
    for page_path, title in data["titles"].items():
        page = load_page(_source_file(page_path), SOURCE, "")
        files.setdefault(page_path, {})[page.title] = title
    for page_path, translated in data["pages"].items():
        page = load_page(_source_file(page_path), SOURCE, "")
        entries = files.setdefault(page_path, {})
        if "summary" in translated:
            entries[page.heading.summary_key] = translated["summary"]
        by_anchor = {section.anchor: section for section in page.sections}
        for anchor, text in translated["sections"].items():
            if anchor not in by_anchor:
                raise LookupError(f"tests/fixtures/cjk/{lang}.json: page {page_path!r} has no "
                                  f"section #{anchor} any more; pick another section")
            entries[by_anchor[anchor].translation_key] = text
    return files


def write_translations(folder: Path, langs=CJK_LANGS) -> Path:
    """A translations folder: the committed one (Sinhala, every glossary), with each of
    `langs` replaced by its fixture (its committed glossary kept)."""
    shutil.copytree(REPO / "translations", folder)
    for lang in langs:
        glossary = folder / lang / "_glossary.json"
        kept = glossary.read_bytes() if glossary.exists() else None
        shutil.rmtree(folder / lang, ignore_errors=True)
        for page, entries in translation_files(lang).items():
            path = folder / lang / f"{page}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if kept is not None:
            glossary.write_bytes(kept)
    return folder


def build_site(folder: Path) -> tuple[Path, Path, object]:
    """The real tutorial built into `folder / "site"` with the fixtures' zh and ja and the
    committed Sinhala, with a base URL (absolute canonical and hreflang links, a sitemap):
    (site, translations, build result)."""
    from annotated_docs.build import build
    translations = write_translations(folder / "translations")
    # The project's settings beside the translations, as in the checkout (the switcher's order)
    shutil.copy(REPO / "pyproject.toml", folder / "pyproject.toml")
    out = folder / "site"
    result = build([SOURCE], out, translations, base_url=BASE_URL)
    return out, translations, result
