"""The reading order an index page declares (`order:` in its front matter) drives the pager,
the contents and the sitemap; without one, pages follow their paths."""
import json
import posixpath
import re
import shutil
from pathlib import Path

import pytest

from annotated_docs import build as build_module
from annotated_docs import scan as scan_module
from annotated_docs.build import BuildFailed, build

FIXTURES = Path(__file__).parent / "fixtures"

BOOK = {
    "__init__.py": '"""\n---\ntitle: The book\norder: [second, first, wing, notes]\n---\n\n# The book\n"""\n',
    "first.py": '"""\n# First page\n"""\nfirst = 1\n',
    "second.py": '"""\n# Second page\n"""\nsecond = 2\n',
    "notes.md": "# Closing notes\n\nRead last.\n",
    "wing/__init__.py": '"""\n---\ntitle: The wing\norder:\n  - beta\n  - alpha\n---\n\n# The wing\n"""\n',
    "wing/alpha.py": '"""\n# Alpha\n"""\nalpha = 1\n',
    "wing/beta.md": "# Beta\n\nThe wing's first page.\n",
}
DECLARED = ["index", "second", "first", "wing/index", "wing/beta", "wing/alpha", "notes"]
BY_PATH = ["index", "first", "notes", "second", "wing/index", "wing/alpha", "wing/beta"]


@pytest.fixture
def book(tmp_path):
    source = tmp_path / "book"
    for name, content in BOOK.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(content, encoding="utf-8")
    translations = tmp_path / "translations"
    (translations / "si").mkdir(parents=True)
    return source, tmp_path / "docs", translations


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def next_chain(out: Path, start: str = "index.html") -> list[str]:
    """The pages met by following Next from `start`, as page paths."""
    chain, page = [], start
    while page:
        chain.append(page.removesuffix(".html"))
        found = re.search(r'rel="next" href="([^"]+)"', text(out / page))
        page = posixpath.normpath(posixpath.join(posixpath.dirname(page), found.group(1))) if found else ""
    return chain


def previous_chain(out: Path, start: str) -> list[str]:
    chain, page = [], start
    while page:
        chain.append(page.removesuffix(".html"))
        found = re.search(r'rel="prev" href="([^"]+)"', text(out / page))
        page = posixpath.normpath(posixpath.join(posixpath.dirname(page), found.group(1))) if found else ""
    return chain


def contents(index_html: str) -> list[tuple[str, list[str]]]:
    """The contents nav as (group heading, [link targets]); the top group's heading is ''."""
    nav = index_html.split('<nav class="contents"')[1].split("</nav>")[0]
    groups = []
    for part in re.split(r"(?=<ul)", nav)[1:]:
        before = nav[:nav.index(part)]
        headed = re.search(r'<h3 id="([^"]+)">([^<]*)</h3>\s*$', before)
        title = headed.group(2) if headed else ""
        if headed:
            assert f'aria-labelledby="{headed.group(1)}"' in part.split(">")[0]
        groups.append((title, re.findall(r'<li><a href="([^"]+)">', part.split("</ul>")[0])))
    return groups


def test_declared_order_drives_next_and_previous_across_folders(book):
    source, out, translations = book
    build(source, out, translations)
    assert next_chain(out) == DECLARED
    assert previous_chain(out, "notes.html") == DECLARED[::-1]
    assert next_chain(out / "si") == DECLARED


def test_contents_group_the_top_pages_then_each_folder_under_its_index_title(book):
    source, out, translations = book
    build(source, out, translations)
    index = text(out / "index.html")
    assert contents(index) == [
        ("", ["second.html", "first.html", "notes.html"]),
        ("The wing", ["wing/index.html", "wing/beta.html", "wing/alpha.html"]),
    ]
    assert 'id="contents"' in index
    ids = re.findall(r'\sid="([^"]+)"', index)
    assert len(ids) == len(set(ids))


def test_folder_titles_in_contents_and_breadcrumbs_are_translated(book):
    source, out, translations = book
    (translations / "si" / "wing").mkdir()
    (translations / "si" / "wing" / "index.json").write_text(
        json.dumps({"The wing": "පියාපත"}, ensure_ascii=False), encoding="utf-8")
    build(source, out, translations)
    assert [title for title, _ in contents(text(out / "si" / "index.html"))] == ["", "පියාපත"]
    assert '<li><a href="index.html">පියාපත</a></li>' in text(out / "si" / "wing" / "alpha.html")
    assert '<li><a href="index.html">The wing</a></li>' in text(out / "wing" / "alpha.html")
    assert '<li><a href="index.html">wing</a></li>' not in text(out / "wing" / "alpha.html")


def test_sitemap_lists_pages_in_declared_order(book):
    source, out, translations = book
    build(source, out, translations)
    locations = re.findall(r"<loc>([^<]+)</loc>", text(out / "sitemap.xml"))
    assert [location.removesuffix(".html") for location in locations
            if not location.startswith("si/")] == DECLARED


def test_without_order_pages_follow_their_paths(book):
    source, out, translations = book
    for index in (source / "__init__.py", source / "wing" / "__init__.py"):
        index.write_text(re.sub(r"order:.*?(?=---)", "", text(index), flags=re.DOTALL),
                         encoding="utf-8")
    build(source, out, translations)
    assert next_chain(out) == BY_PATH
    assert contents(text(out / "index.html"))[0] == ("", ["first.html", "notes.html", "second.html"])


def test_a_folder_may_declare_an_order_while_its_parent_does_not(book):
    source, out, translations = book
    top = source / "__init__.py"
    top.write_text(text(top).replace("order: [second, first, wing, notes]\n", ""), encoding="utf-8")
    build(source, out, translations)
    assert next_chain(out) == ["index", "first", "notes", "second", "wing/index", "wing/beta",
                               "wing/alpha"]


@pytest.mark.parametrize("order, name, message", [
    ("[second, first, notes]", "wing", "folder `wing` is missing from order:; add `wing` to the "
                                       "order: list of {file} where a reader should meet it"),
    ("[second, first, wing, notes, third]", "third", "order: lists `third`, which is no page or "
                                                     "subfolder of this folder"),
    ("[second, first, wing, notes, first]", "first", "order: lists `first` twice"),
])
def test_an_order_that_misses_or_invents_or_repeats_a_name_stops_the_build(book, order, name, message):
    source, out, translations = book
    build(source, out, translations)
    before = sorted(path.relative_to(out).as_posix() for path in out.rglob("*"))
    top = source / "__init__.py"
    top.write_text(text(top).replace("[second, first, wing, notes]", order), encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations)
    [error] = raised.value.errors
    assert str(error).startswith(f"{top}:4: ")       # the index file, the line of `order:`
    assert message.format(file=top) in str(error) and f"`{name}`" in str(error)
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*")) == before


def test_a_page_missing_from_a_subfolders_order_names_that_folders_index(book):
    source, out, translations = book
    (source / "wing" / "gamma.py").write_text('"""\n# Gamma\n"""\n', encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations)
    assert f"{source / 'wing' / '__init__.py'}:4: page `gamma` is missing from order:" in str(raised.value)


@pytest.mark.parametrize("value", ["first", "[first, 2]", "{first: 1}"])
def test_order_that_is_not_a_list_of_names_is_an_error(book, value):
    source, out, translations = book
    top = source / "__init__.py"
    top.write_text(text(top).replace("[second, first, wing, notes]", value), encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations)
    assert f"{top}:4: front matter `order` must be a list of page and folder names" in str(raised.value)


def test_order_on_a_page_that_is_not_an_index_is_an_error(book):
    source, out, translations = book
    (source / "first.py").write_text('"""\n---\norder: [a]\n---\n# First\n"""\n', encoding="utf-8")
    with pytest.raises(BuildFailed) as raised:
        build(source, out, translations)
    assert f"{source / 'first.py'}:3: only a folder's index page" in str(raised.value)


def test_order_survives_an_incremental_rebuild(book, monkeypatch):
    source, out, translations = book
    build(source, out, translations)
    manifest = json.loads(text(out / ".manifest.json"))
    assert manifest["sources"]["book/__init__.py"]["heading"]["order"] == \
        ["second", "first", "wing", "notes"]
    parsed = []
    real_load_page = build_module.load_page
    for module in (scan_module, build_module):      # scanning parses, and so does rendering
        monkeypatch.setattr(module, "load_page",
                            lambda file, *rest: parsed.append(Path(file).name) or real_load_page(file, *rest))
    first = source / "first.py"
    first.write_text(text(first).replace("first = 1", "first = 10"), encoding="utf-8")
    result = build(source, out, translations)
    assert parsed == ["first.py"]                      # the index pages came from the manifest
    assert sorted(result.written) == ["first.html", "first.ipynb", "si/first.html", "src/book/first.py",
                                      "static/search-en.js", "static/search-si.js"]
    assert next_chain(out) == DECLARED


def test_changing_the_order_rewrites_the_pages_whose_neighbours_moved(book):
    source, out, translations = book
    build(source, out, translations)
    top = source / "__init__.py"
    top.write_text(text(top).replace("[second, first, wing, notes]", "[first, second, wing, notes]"),
                   encoding="utf-8")
    result = build(source, out, translations)
    assert "first.html" in result.written and "second.html" in result.written
    assert next_chain(out) == ["index", "first", "second"] + DECLARED[3:]


def test_further_source_folders_follow_the_declared_order_unless_it_lists_them(book, tmp_path):
    source, out, translations = book
    extra = tmp_path / "extra"
    shutil.copytree(FIXTURES / "extra", extra)
    build([source, extra], out, translations)
    assert next_chain(out) == DECLARED + ["extra/notes"]
    top = source / "__init__.py"
    top.write_text(text(top).replace("[second, first, wing, notes]", "[extra, second, first, wing, notes]"),
                   encoding="utf-8")
    build([source, extra], out, translations)
    assert next_chain(out) == ["index", "extra/notes"] + DECLARED[1:]
    assert [title for title, _ in contents(text(out / "index.html"))] == ["", "extra", "The wing"]
