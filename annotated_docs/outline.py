"""What a page's shown notes become on the page, after translation: ids on headings and the
table of contents they make, the text the search index holds, boxes that scroll wide tables
and formulas, and each local image's size.

Everything here works on the notes as shown (translated or English), so translation keys
never change: a heading's id is the slug of the English heading at the same place in the
same section, so `#soft-targets` is the same place in every language.
"""
import html
import posixpath
import re
import struct
from dataclasses import dataclass
from xml.etree import ElementTree

_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
_ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.DOTALL)
# a table, or a display formula, gets its own horizontal scroll box
_WIDE = re.compile(r'<table\b.*?</table>|<math\b[^>]*\bdisplay="block".*?</math>', re.DOTALL)
_INLINE_MATH = re.compile(r'<math>.*?</math>', re.DOTALL)
# an inline formula longer than this (characters shown) may be wider than a phone: it gets a
# box of its own that scrolls, inline in its sentence
LONG_INLINE_FORMULA = 24
# the table of contents lists these heading levels
TOC_LEVELS = (2, 3)


@dataclass(frozen=True)
class TocEntry:
    level: int
    html: str           # the heading's content as shown (formulas stay formulas)
    anchor: str


@dataclass(frozen=True)
class SearchEntry:
    heading: str        # the heading the text sits under ('' before the first)
    anchor: str
    text: str
    code: bool = False  # the names in the section's code, not its notes


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment: tags dropped (TeX annotations of formulas too)."""
    without_tex = _ANNOTATION.sub("", fragment)
    return " ".join(html.unescape(_TAG.sub(" ", without_tex)).split())


def search_text(fragment: str) -> str:
    """The words of an HTML fragment as search shows and finds them: a formula as its linear
    TeX-like text (`T^2`, `z_i`, `(z_i−v_i)/(NT^2)`), not its MathML tokens one by one; inline
    code as written (`T=<t>`), not split at its highlighting spans."""
    fragment = _MATH.sub(lambda match: html.escape(_linear_math(match.group(0))), fragment)
    fragment = _CODE.sub(lambda match: html.escape(html.unescape(_TAG.sub("", match.group(0)))), fragment)
    return plain_text(fragment)


_CODE = re.compile(r"<code\b.*?</code>", re.DOTALL)


def _linear_math(math_html: str) -> str:
    try:
        root = ElementTree.fromstring(_ANNOTATION.sub("", math_html))
    except ElementTree.ParseError:
        return plain_text(math_html)

    def grouped(node) -> str:
        text = linear(node)
        return text if len(text) <= 1 or (text[0] == "(" and text[-1] == ")") else f"({text})"

    def linear(node) -> str:
        children = list(node)
        tag = node.tag.rsplit("}", 1)[-1]
        if tag in ("mi", "mn", "mtext", "ms"):
            return (node.text or "").strip()
        if tag == "mo":
            return (node.text or "").strip()
        if tag == "msub" and len(children) == 2:
            return f"{linear(children[0])}_{linear(children[1])}"
        if tag == "msup" and len(children) == 2:
            return f"{linear(children[0])}^{grouped(children[1])}"
        if tag in ("msubsup", "munderover") and len(children) == 3:
            return f"{linear(children[0])}_{grouped(children[1])}^{grouped(children[2])}"
        if tag == "munder" and len(children) == 2:
            return f"{linear(children[0])}_{grouped(children[1])}"
        if tag == "mover" and len(children) == 2:
            return f"{linear(children[0])}^{grouped(children[1])}"
        if tag == "mfrac" and len(children) == 2:
            return f"{grouped(children[0])}/{grouped(children[1])}"
        if tag == "msqrt":
            return f"√({''.join(linear(child) for child in children)})"
        return "".join(linear(child) for child in children)
    return linear(root)


def slug(text: str) -> str:
    """A heading's anchor as GitHub makes it for the same Markdown: apostrophes dropped
    ("The paper's" -> `the-papers`), every other run of non-alphanumerics one hyphen."""
    text = re.sub(r"['\u2019]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")


def heading_ids(english_html: str, shown_html: str, section_anchor: str, taken: set[str]) -> list[str]:
    """The id of each heading in `shown_html`: the section's anchor for the first (the
    section carries it), the English heading's slug at the same position for the others."""
    english = [plain_text(match.group(3)) for match in _HEADING.finditer(english_html)]
    ids = []
    for position, match in enumerate(_HEADING.finditer(shown_html)):
        if position == 0:
            ids.append(section_anchor)
            continue
        source = english[position] if position < len(english) else ""
        base = slug(source) or f"{section_anchor}-{position}"
        anchor, number = base, 1
        while anchor in taken:
            number += 1
            anchor = f"{base}-{number}"
        taken.add(anchor)
        ids.append(anchor)
    return ids


def with_heading_ids(shown_html: str, ids: list[str]) -> str:
    """Each heading but the first (its section is the target) carries its id."""
    position = -1

    def add(match):
        nonlocal position
        position += 1
        if position == 0 or " id=" in match.group(2):
            return match.group(0)
        return f'<h{match.group(1)}{match.group(2)} id="{ids[position]}">{match.group(3)}</h{match.group(1)}>'
    return _HEADING.sub(add, shown_html)


def toc_entries(shown_html: str, ids: list[str]) -> list[TocEntry]:
    return [TocEntry(int(match.group(1)), match.group(3).strip(), ids[position])
            for position, match in enumerate(_HEADING.finditer(shown_html))
            if int(match.group(1)) in TOC_LEVELS]


def search_entries(shown_html: str, ids: list[str], section_anchor: str) -> list[SearchEntry]:
    """The section's text cut at its headings, each piece with the heading above it."""
    entries, start, heading, anchor = [], 0, "", section_anchor
    for position, match in enumerate(_HEADING.finditer(shown_html)):
        text = search_text(shown_html[start:match.start()])
        if text:
            entries.append(SearchEntry(heading, anchor, text))
        heading, anchor, start = search_text(match.group(3)), ids[position], match.end()
    text = search_text(shown_html[start:])
    if text or heading:
        entries.append(SearchEntry(heading, anchor, text))
    return entries


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset("""and as assert async await break class continue def del elif else except
False finally for from global if import in is lambda None nonlocal not or pass raise return self
True try while with yield""".split())


def code_search_entry(code_html: str, heading: str, anchor: str) -> SearchEntry | None:
    """What search finds in a section's code: each name it uses once (`kl_div`,
    `log_softmax`), in order of first use; keywords and one-letter names left out."""
    names = dict.fromkeys(name for name in _NAME.findall(html.unescape(_TAG.sub("", code_html)))
                          if len(name) > 1 and name not in _KEYWORDS)
    return SearchEntry(heading, anchor, " ".join(names), code=True) if names else None


def scroll_boxes(shown_html: str, label: str) -> str:
    """Wide tables and display formulas in a box that scrolls sideways by itself (focusable,
    so a keyboard can scroll it), instead of pushing the page wider than the screen."""
    label = html.escape(label)
    boxed = _WIDE.sub(lambda match: f'<div class="scroll-x" tabindex="0" role="region" '
                      f'aria-label="{label}">{match.group(0)}</div>', shown_html)

    def inline(match):
        if len(plain_text(match.group(0)).replace(" ", "")) <= LONG_INLINE_FORMULA:
            return match.group(0)
        return (f'<span class="scroll-x scroll-inline" tabindex="0" role="region" '
                f'aria-label="{label}">{match.group(0)}</span>')
    return _INLINE_MATH.sub(inline, boxed)


# ------------------------------------------------------------------------------- images

_IMG = re.compile(r'<img\b([^>]*?)\bsrc="([^"]+)"([^>]*)>')


def image_size(name: str, content: bytes) -> tuple[int, int] | None:
    """Width and height in CSS pixels of an SVG (its width/height or viewBox) or a PNG; None
    when unknown."""
    if name.endswith(".png") and content[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", content[16:24])
    if not name.endswith(".svg"):
        return None
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return None
    width, height = _length(root.get("width")), _length(root.get("height"))
    if width and height:
        return round(width), round(height)
    box = (root.get("viewBox") or "").replace(",", " ").split()
    return (round(float(box[2])), round(float(box[3]))) if len(box) == 4 else None


_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "in": 96.0, "cm": 96 / 2.54, "mm": 9.6 / 2.54}


def _length(value: str | None) -> float | None:
    match = re.fullmatch(r"\s*([0-9.]+)\s*(px|pt|in|cm|mm|)\s*", value or "")
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def sized_images(shown_html: str, page_folder: str, sizes: dict[str, tuple[int, int]]) -> str:
    """Local images get their width and height (so nothing moves while they load) and open
    at full size on a click. `page_folder`: the English page's folder, which the `src`s
    are relative to; `sizes`: site path -> (width, height)."""
    def size(match):
        attributes, src, rest = match.groups()
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|/|#", src) or " width=" in attributes + rest:
            return match.group(0)
        target = posixpath.normpath(posixpath.join(page_folder, src.split("#")[0].split("?")[0]))
        known = sizes.get(target)
        if not known:
            return match.group(0)
        image = f'<img{attributes}src="{src}"{rest} width="{known[0]}" height="{known[1]}">'
        return f'<a class="image-link" href="{src}">{image}</a>'
    return _IMG.sub(size, shown_html)
