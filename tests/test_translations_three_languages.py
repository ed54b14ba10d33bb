"""The translators' workflow with three languages beside English (si, zh, ja): PO files
round-trip byte for byte in Chinese and Japanese, a fourth language starts as a draft the
site does not ship, one English edit marks its section outdated in all three at once, and
the user's Sinhala seed keeps its bytes through all of it."""
import argparse
import hashlib
import json
import shutil
from pathlib import Path

import polib
import pytest

import cjk_fixtures
from annotated_docs.build import build
from annotated_docs.i18n import english_keys_by_page
from annotated_docs.translations import cli, commands

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = Path(__file__).parent / "fixtures" / "tutorial"
SEED = REPO / "translations" / "si" / "readme.json"
SHARED_SEED = REPO.parent / "shared" / "seeds" / "readme.si.json"
SEED_SHA256 = "bbe367fae7c7f8de690aaedae5face5fff7c5f03950ee8be61313d7ba98cfc45"
HIDDEN = "<p>Number of hidden units </p>\n"        # a section of the fixture tutorial's large.py
HIDDEN_TRANSLATED = {"si": "<p>සැඟවුණු ඒකක ගණන</p>\n", "zh": "<p>隐藏单元的数量</p>\n",
                     "ja": "<p>隠れユニットの数</p>\n"}
OUTDATED = {"si": "යල් පැන ඇත.", "zh": "本节译文已过时，以英文显示。",
            "ja": "この節の翻訳は古くなっているため、英語で表示しています。"}
TAGS = {"si": "si", "zh": "zh-Hans", "ja": "ja"}


def run_cli(translations: Path, source, *argv) -> int:
    """The command line; `source` a folder of pages, or their English keys already read."""
    parser = argparse.ArgumentParser(prog="annotated_docs")
    cli.add_subparser(parser.add_subparsers(dest="command"))
    folder = ["--source", str(source)] if isinstance(source, Path) else []
    keys = english_keys_by_page if folder else (lambda folder: source)
    return cli.run(parser.parse_args(["translations", "--translations", str(translations), *folder,
                                      *argv]), keys)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def write(path: Path, entries: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def real_keys():
    return english_keys_by_page(cjk_fixtures.SOURCE)


# -------------------------------------------------------------------------------- PO files

@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_export_po_then_import_po_changes_no_byte_in_chinese_or_japanese(tmp_path, tmp_path_factory,
                                                                         real_keys, lang):
    translations = cjk_fixtures.write_translations(tmp_path / "translations")
    before = snapshot(translations)
    po_file = tmp_path_factory.mktemp("po") / f"{lang}.po"
    source = real_keys
    assert run_cli(translations, source, "export-po", "--lang", lang, "--out", str(po_file)) == 0
    catalog = polib.pofile(str(po_file))
    translated = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in catalog.translated_entries()}
    expected = {(page, key): value for page, entries in cjk_fixtures.translation_files(lang).items()
                for key, value in entries.items() if not key.startswith("@")}
    assert expected.items() <= translated.items()
    assert run_cli(translations, source, "import-po", "--lang", lang, str(po_file)) == 0
    assert snapshot(translations) == before

    # a translation made in the PO editor comes back, and a second round trip is still exact
    new = next(entry for entry in catalog if entry.msgctxt == "large" and not entry.msgstr
               and entry.msgid.startswith("<p>") and "_^_" not in entry.msgid)
    new.msgstr = new.msgid.replace("<p>", "<p>" + {"zh": "译文：", "ja": "訳："}[lang], 1)
    catalog.save(str(po_file))
    assert run_cli(translations, source, "import-po", "--lang", lang, str(po_file)) == 0
    after = snapshot(translations)
    assert [name for name in after if after[name] != before.get(name)] == [f"{lang}/large.json"]
    assert json.loads(after[f"{lang}/large.json"])[new.msgid] == new.msgstr
    assert run_cli(translations, source, "export-po", "--lang", lang, "--out", str(po_file)) == 0
    assert run_cli(translations, source, "import-po", "--lang", lang, str(po_file)) == 0
    assert snapshot(translations) == after


# ----------------------------------------------------------------------- a fourth language

@pytest.fixture
def tutorial(tmp_path):
    """The fixture tutorial, and translations of it in si, zh and ja."""
    source = tmp_path / "tutorial"
    shutil.copytree(TUTORIAL, source)
    translations = tmp_path / "translations"
    for lang in TAGS:
        write(translations / lang / "large.json", {"The large model": {"si": "විශාල ආකෘතිය",
                                                                        "zh": "大模型", "ja": "大きなモデル"}[lang],
                                                   HIDDEN: HIDDEN_TRANSLATED[lang]})
        write(translations / lang / "_site.json", {
            "The translation of this section is outdated; shown in English.": OUTDATED[lang]})
    (translations / "si" / "readme.json").write_bytes(SEED.read_bytes())
    return source, translations, tmp_path / "site"


def test_template_for_a_new_language_makes_a_draft_that_the_site_does_not_ship(tutorial):
    source, translations, out = tutorial
    assert run_cli(translations, source, "template", "--lang", "ko") == 0
    assert json.loads((translations / "ko" / "_site.json").read_text(encoding="utf-8"))["@ready"] == "no"
    assert run_cli(translations, source, "status", "--lang", "ko") == 0
    build(source, out, translations)
    assert not (out / "ko").exists()
    for lang in ("si", "zh", "ja"):
        assert (out / lang / "large.html").is_file()
    pages = [path.read_text(encoding="utf-8") for path in out.rglob("*.html")]
    assert pages and not any('hreflang="ko"' in page for page in pages)
    assert all(f'hreflang="{tag}"' in page for page in pages for tag in TAGS.values())
    assert "/ko/" not in (out / "sitemap.xml").read_text(encoding="utf-8")


# -------------------------------------------------------------- one English edit, three outdated

def test_an_english_edit_marks_its_section_outdated_in_all_three_languages_at_once(tutorial):
    source, translations, out = tutorial
    build(source, out, translations)
    for lang in TAGS:
        page = (out / lang / "large.html").read_text(encoding="utf-8")
        assert HIDDEN_TRANSLATED[lang].strip() in page and "outdated" not in page
    large = source / "large.py"
    large.write_text(large.read_text(encoding="utf-8").replace(
        "# Number of hidden units", "# Number of hidden units in each layer"), encoding="utf-8")
    keys = english_keys_by_page(source)
    rows = {(row.lang, row.page): row for row in commands.status(translations, keys, list(TAGS))}
    assert [rows[(lang, "large")].fuzzy for lang in TAGS] == [1, 1, 1]
    build(source, out, translations)
    for lang, tag in TAGS.items():
        page = (out / lang / "large.html").read_text(encoding="utf-8")
        at = page.index("Number of hidden units in each layer")
        section = page[page.rindex("<section", 0, at):page.index("</section>", at)]
        assert '<div class="notes" lang="en">' in section, lang
        assert f'<p class="untranslated outdated" lang="{tag}">{OUTDATED[lang]}</p>' in section, lang
        assert f'<details class="outdated-translation" lang="{tag}">' in section, lang
        assert HIDDEN_TRANSLATED[lang].strip() in section, lang
        assert section.index("Number of hidden units in each layer") < section.index("<details"), lang


# ------------------------------------------------------------------------------- the seed

def test_the_seed_is_the_users_file_byte_for_byte():
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256
    if SHARED_SEED.exists():
        assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_the_seed_keeps_its_bytes_through_every_command_in_every_language(tmp_path, tmp_path_factory,
                                                                          real_keys):
    translations = cjk_fixtures.write_translations(tmp_path / "translations")
    source = real_keys
    outside = tmp_path_factory.mktemp("po")
    for lang in ("si", "zh", "ja", "ko"):
        run_cli(translations, source, "template", "--lang", lang)
        run_cli(translations, source, "export-po", "--lang", lang, "--out", str(outside / f"{lang}.po"))
        run_cli(translations, source, "import-po", "--lang", lang, str(outside / f"{lang}.po"))
        run_cli(translations, source, "purge-obsolete", "--lang", lang)
    assert (translations / "si" / "readme.json").read_bytes() == SEED.read_bytes()
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256
