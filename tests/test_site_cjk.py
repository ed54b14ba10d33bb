"""The site in Chinese and Japanese, read from the built HTML (no browser): the tutorial built
once per session with the tests' own zh and ja (`cjk_fixtures`) beside the committed
Sinhala. Pages say `lang="zh-Hans"` / `lang="ja"`, and so does every mixed fragment; the
switcher names the four languages in their own scripts; hreflang alternates, canonical URLs
and the sitemap cover all four; pager, breadcrumbs and contents are translated; search
finds Chinese and Japanese without spaces; and each language's index fits its budget."""
import hashlib
import html
import json
import re
from pathlib import Path

import pytest

import cjk_fixtures
from annotated_docs import search_index, search_query
from annotated_docs.i18n import html_lang

REPO_ROOT = Path(__file__).resolve().parent.parent
LANGS = {"en": "English", "si": "සිංහල", "zh": "中文", "ja": "日本語"}
TAGS = {"en": "en", "si": "si", "zh": "zh-Hans", "ja": "ja"}
INDEX_BUDGET = search_index.BUDGET


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def pages(site: Path, lang: str) -> list[str]:
    if lang == "en":
        return sorted(p.relative_to(site).as_posix() for p in site.glob("**/*.html")
                      if p.relative_to(site).parts[0] not in LANGS)
    return sorted(p.relative_to(site).as_posix() for p in (site / lang).glob("**/*.html"))


def english_of(page: str) -> str:
    first, _, rest = page.partition("/")
    return rest if first in LANGS else page


def test_the_language_tag_of_a_folder():
    assert [html_lang(code) for code in ("en", "si", "zh", "ja", "zh-hant", "pt-br", "sr-latn-rs")] == \
        ["en", "si", "zh-Hans", "ja", "zh-Hant", "pt-BR", "sr-Latn-RS"]


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_pages_and_their_mixed_fragments_declare_zh_hans_and_ja(cjk_site, lang):
    site, _, _ = cjk_site
    tag = TAGS[lang]
    for page in pages(site, lang):
        text = read(site, page)
        assert f'<html lang="{tag}">' in text, page
        # English shown for a section not yet translated says so, and its notice is the page's language
        for notice in re.findall(r'<p class="untranslated[^"]*" lang="([^"]+)"', text):
            assert notice == tag, page
        for details in re.findall(r'<details class="outdated-translation" lang="([^"]+)"', text):
            assert details == tag, page
        assert set(re.findall(r'<div class="notes" lang="([^"]+)"', text)) <= {"en"}, page
    index = read(site, f"{lang}/index.html")
    assert '<div class="notes">' in index and '<div class="notes" lang="en">' in index
    assert f'<p class="untranslated" lang="{tag}">' in index
    # the language's name in the switcher is marked as that language on every other language's pages
    for other in LANGS:
        for page in pages(site, other)[:3]:
            assert f'hreflang="{tag}" lang="{tag}"' in read(site, page), page


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_switcher_names_the_four_languages_in_their_own_scripts(cjk_site, lang):
    site, _, _ = cjk_site
    for page in pages(site, lang):
        switcher = re.search(r'<nav class="languages".*?</nav>', read(site, page), re.S).group(0)
        names = [html.unescape(name) for name in re.findall(r"<a [^>]*>([^<]+)</a>", switcher)]
        # English, then the order of pyproject.toml's `languages`: the order the project took them on
        assert names == ["English", "සිංහල", "中文", "日本語"], (page, names)
        current = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"[^>]*aria-current="page"', switcher)
        assert [tag for _, tag in current] == [TAGS[lang]], page
        for href, tag in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', switcher):
            target = (site / page).parent / href
            assert target.resolve() == (site / _output(english_of(page), _code(tag))).resolve(), (page, href)


def test_the_switcher_order_is_the_configured_one_and_an_unnamed_language_follows_by_code(tmp_path, monkeypatch):
    from annotated_docs.i18n import languages
    root = tmp_path / "translations"
    for lang, name in (("si", "සිංහල"), ("zh", "中文"), ("ja", "日本語"), ("ko", "한국어"), ("de", "Deutsch")):
        (root / lang).mkdir(parents=True)
        (root / lang / "_site.json").write_text(json.dumps({"@name": name, "@ready": "yes"}), encoding="utf-8")
    assert list(languages(root, ["si", "zh", "ja"])) == ["en", "si", "zh", "ja", "de", "ko"]
    assert list(languages(root, [])) == ["en", "de", "ja", "ko", "si", "zh"]
    # By default, the order the pyproject.toml beside the translations gives, wherever the build runs
    (tmp_path / "pyproject.toml").write_text('[tool.annotated_docs]\nlanguages = "zh si"\n', encoding="utf-8")
    monkeypatch.chdir(REPO_ROOT)
    assert list(languages(root)) == ["en", "zh", "si", "de", "ja", "ko"]
    assert list(languages(REPO_ROOT / "translations"))[:4] == ["en", "si", "zh", "ja"]


def _code(tag: str) -> str:
    return next(code for code, known in TAGS.items() if known == tag)


def _output(english: str, lang: str) -> str:
    return english if lang == "en" else f"{lang}/{english}"


@pytest.mark.parametrize("lang", list(LANGS))
def test_every_page_has_hreflang_alternates_for_all_four_and_its_own_canonical(cjk_site, lang):
    site, _, _ = cjk_site
    base = cjk_fixtures.BASE_URL
    for page in pages(site, lang):
        text = read(site, page)
        english = english_of(page)
        alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', text))
        assert alternates == {**{TAGS[code]: base + _output(english, code) for code in LANGS},
                              "x-default": base + english}, page
        assert re.findall(r'<link rel="canonical" href="([^"]+)">', text) == [base + page], page


def test_the_sitemap_lists_every_page_in_four_languages_with_their_alternates(cjk_site):
    site, _, _ = cjk_site
    sitemap = read(site, "sitemap.xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    english = pages(site, "en")
    assert sorted(locations) == sorted(cjk_fixtures.BASE_URL + _output(page, lang)
                                       for page in english for lang in LANGS)
    for block in re.findall(r"<url>.*?</url>", sitemap, re.S):
        tags = re.findall(r'hreflang="([^"]+)"', block)
        assert sorted(tags) == sorted([*TAGS.values(), "x-default"]), block


def _crumbs(text: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="breadcrumbs".*?</nav>', text, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', nav)


def _pager(text: str) -> list[tuple[str, str, str, str]]:
    return re.findall(r'<a class="(previous|next)" rel="\w+" href="([^"]+)"><span class="pager-label">'
                      r'([^<]*)</span> ([^<]*)</a>', text)


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_pager_breadcrumbs_and_contents_are_translated(cjk_site, lang):
    site, _, _ = cjk_site
    data = cjk_fixtures.fixture(lang)
    titles, strings = data["titles"], data["_site"]
    for page in pages(site, lang):
        text, english = read(site, page), english_of(page)
        english_text = read(site, english)
        # the same links as the English page's, each named by its translated title
        crumbs, english_crumbs = _crumbs(text), _crumbs(english_text)
        assert [href for href, _ in crumbs] == [href for href, _ in english_crumbs], page
        assert crumbs[0][1] == strings["Home"]
        for href, title in crumbs[1:]:
            target = (english if href == "#top" else (site / english).parent.joinpath(href).resolve()
                      .relative_to(site.resolve()).as_posix())
            assert html.unescape(title) == titles[target.removesuffix(".html")], (page, href)
        pager, english_pager = _pager(text), _pager(english_text)
        assert [(kind, href) for kind, href, _, _ in pager] == \
            [(kind, href) for kind, href, _, _ in english_pager], page
        for kind, href, label, title in pager:
            assert label == strings["Previous" if kind == "previous" else "Next"]
            target = (site / english).parent.joinpath(href).resolve().relative_to(site.resolve())
            assert html.unescape(title) == titles[target.as_posix().removesuffix(".html")], (page, href)
    contents = read(site, f"{lang}/index.html")
    assert f'<h2 id="contents-heading">{strings["Contents"]}</h2>' in contents
    listed = re.search(r'<nav class="contents".*?</nav>', contents, re.S).group(0)
    entries = [html.unescape(title) for title in re.findall(r'<li><a href="[^"]+">([^<]+)</a>', listed)]
    groups = [html.unescape(title) for title in re.findall(r"<h3 id=\"contents--[^\"]+\">([^<]+)</h3>", listed)]
    assert entries and set(entries) <= set(titles.values()), entries
    assert groups == [titles["paper/index"], titles["engineering/index"]], groups


# --------------------------------------------------------------------------------- search

def _index(site: Path, lang: str) -> dict:
    return search_index.unpack((site / search_index.output_path(lang)).read_bytes())


def _entry(index: dict, href: str) -> str:
    """The heading and text of the entry a result's link names."""
    page, _, anchor = href.partition("#")
    found = [f"{entry[1]} {entry[3]}" for entry in index["entries"]
             if index["pages"][entry[0]][0] == page and entry[2] == anchor]
    return " ".join(found)


@pytest.mark.parametrize("lang, query", [(lang, query) for lang, queries in cjk_fixtures.QUERIES.items()
                                         for query in queries])
def test_a_query_without_spaces_finds_the_sections_that_contain_it(cjk_site, lang, query):
    index = _index(cjk_site[0], lang)
    results = search_query.search(index, query)
    assert results and all(result["href"].startswith(f"{lang}/") for result in results), query
    assert query in search_query.fold(_entry(index, results[0]["href"])), results[:3]
    # found by the index, not by the English: the same query in the English index finds nothing
    assert not search_query.search(_index(cjk_site[0], "en"), query)


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_a_query_mixing_english_and_cjk_finds_the_section_with_both(cjk_site, lang):
    index = _index(cjk_site[0], lang)
    results = search_query.search(index, cjk_fixtures.MIXED[lang])
    assert results
    first = search_query.fold(_entry(index, results[0]["href"]))
    assert "softmax" in first and "温度" in first, results[:3]
    assert f"{lang}/index.html#section-2" in [result["href"] for result in results]
    # neither half alone is the query: the English word and the CJK run are both required
    assert len(results) < len(search_query.search(index, "温度"))


def test_a_chinese_query_finds_its_words_apart_by_their_character_pairs(cjk_site):
    index = _index(cjk_site[0], "zh")
    # 软目标 ... 梯度 apart in one section: every character of the query in a pair found there
    found = [result["href"] for result in search_query.search(index, "软目标梯度")]
    assert "zh/index.html#section-11" in found
    # 温度计: 度计 is nowhere, so 计 is in no pair found: no section is about thermometers
    assert search_query.search(index, "温度计") == []


def test_terms_cut_cjk_runs_into_pairs_and_keep_english_words():
    assert search_query.terms("logit温度 Soft") == [
        {"word": "logit"}, {"cjk": "温度", "grams": ["温度"]}, {"word": "soft"}]
    assert search_query.terms("ソフト・ターゲット")[1] == {"cjk": "ターゲット", "grams": ["ター", "ーゲ", "ゲッ", "ット"]}
    assert search_query.terms("ｿﾌﾄ") == [{"cjk": "ソフト", "grams": ["ソフ", "フト"]}]      # NFKC
    assert search_query.terms("温，度")[1] == {"cjk": "度", "grams": ["度"]}
    assert search_query.terms("T^2") == [{"word": "t2"}]


@pytest.mark.parametrize("lang", list(LANGS))
def test_each_languages_index_is_within_budget_and_loaded_only_when_used(cjk_site, lang):
    site, _, _ = cjk_site
    assert (site / search_index.output_path(lang)).stat().st_size <= INDEX_BUDGET
    for page in pages(site, lang)[:5]:
        text = read(site, page)
        assert "search-" not in "".join(re.findall(r"<script[^>]*>", text)), page
        assert re.search(r'data-index="[./]*static/search-' + lang + r'\.js"', text), page


# Two characters a word for Chinese, three for Japanese (kana endings and particles), each
# word always the same characters: a whole translation's text, compressed as real text is
PSEUDO = {"zh": (2, [chr(0x4E00 + 7 * i) for i in range(2500)]),
          "ja": (3, [chr(0x4E00 + 7 * i) for i in range(1500)] + [chr(c) for c in range(0x3041, 0x3097)]
                 + [chr(c) for c in range(0x30A1, 0x30FB)])}


def _pseudo(text: str, lang: str) -> str:
    length, alphabet = PSEUDO[lang]

    def word(match):
        digest = hashlib.sha256(match.group().lower().encode()).digest()
        return "".join(alphabet[int.from_bytes(digest[2 * i:2 * i + 2], "big") % len(alphabet)]
                       for i in range(length))
    return re.sub(r"(?<![\w.])[A-Za-z]+(?![\w.(])", word, text)


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_a_whole_site_in_chinese_or_japanese_would_fit_the_index_budget(cjk_site, lang):
    """Every page's English index, each word of its notes, headings and titles turned into
    CJK characters (code names, numbers and formulas kept): what the index of a full
    translation weighs, within the budget with room to spare."""
    english = _index(cjk_site[0], "en")
    translated = {"pages": [[f"{lang}/{output}", _pseudo(title, lang), path]
                            for output, title, path in english["pages"]],
                  "entries": [entry if len(entry) > 4 else
                              [entry[0], _pseudo(entry[1], lang), entry[2], _pseudo(entry[3], lang)]
                              for entry in english["entries"]]}
    size = len(search_index.pack(translated))
    assert size <= 0.8 * INDEX_BUDGET, f"{size / 1024:.0f} KB"
