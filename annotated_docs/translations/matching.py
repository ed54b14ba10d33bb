"""Matching translators' keys to today's English, when the English has moved on.

Keys are compared in a normal form that ignores whitespace and HTML escaping differences
(`It's` and `It&#x27;s` are the same key); an entry whose key matches no English section is
obsolete, and the closest obsolete key (difflib ratio >= FUZZY_THRESHOLD) is offered as a
fuzzy match. When the only change is where links point, the translation is carried forward
with its links rewritten.

Fuzzy matching is bounded, whatever a file holds. Short keys are compared character by
character; keys whose lengths multiply to more than `CHARACTER_PAIRS` are compared as
sequences of tokens (words, punctuation, tags): difflib is quadratic in the worst case, and
a key has five to ten times fewer tokens than characters. For each English key, a cheap
pre-filter looks at every candidate (lengths within the threshold, then the share of distinct
tokens in common, a set intersection) and only the `MAX_COMPARED` best go through difflib;
keys longer than `MAX_FUZZY_TOKENS` are matched exactly or not at all; and one file's
comparisons together may cost at most `TOKEN_PAIR_BUDGET` token pairs (difflib's worst case
is their product), after which the remaining sections show as missing and the file gets a
warning. The worst case of a file is then `E x C` set intersections (E English sections,
C unmatched entries) plus 5 x 10^7 token pairs of difflib: about 5 s on a busy core for keys
of 6,000 tokens made of two words repeated, 3 s for 2,000 shuffled copies of a 1.5 kB key (a
3 MB file, 51 s before the bound), well under a second for real notes.
"""
from __future__ import annotations

import difflib
import html
import heapq
import re
from dataclasses import dataclass
from html.parser import HTMLParser

FUZZY_THRESHOLD = 0.75
# Full comparisons per English key, the best candidates by the cheap pre-filter
MAX_COMPARED = 3
# Keys longer than this (in tokens; the longest section today has ~5,000) are not fuzzy-matched
MAX_FUZZY_TOKENS = 6_000
# What one file's difflib comparisons may cost together: the sum of len(a) * len(b), in
# characters or tokens, whichever the comparison used
TOKEN_PAIR_BUDGET = 5 * 10 ** 7
# Keys whose lengths multiply to at most this are compared character by character
CHARACTER_PAIRS = 250_000
_TOKEN = re.compile(r"<[^>]*>|\w+|[^\w\s]")
_SPACES = re.compile(r"\s+")
_HREF_MARK = "\x00href\x00"


class _Tokens(HTMLParser):
    """Tags and text of an HTML fragment, with character references resolved."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []

    def _tag(self, tag, attrs, closing=""):
        rendered = []
        for name, value in attrs:
            if name == "href" and value is not None:
                self.hrefs.append(value)
            rendered.append(name if value is None else f'{name}="{html.escape(value)}"')
        self.parts.append("<" + " ".join([tag] + rendered) + closing + ">")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        self.parts.append(html.escape(_SPACES.sub(" ", data), quote=False))

    def handle_comment(self, data):
        self.parts.append(f"<!--{data}-->")


def _tokens(fragment: str) -> _Tokens:
    parser = _Tokens()
    parser.feed(fragment)
    parser.close()
    return parser


def _join(parts: list[str], tight: bool = True) -> str:
    # Whitespace next to a tag is layout ("</p>\n<p>"), so it does not count for matching;
    # a diff shown to a translator keeps single spaces so that it reads as text.
    joined = re.sub(r"  +", " ", "".join(parts))
    if tight:
        joined = re.sub(r" ?(<[^>]*>) ?", r"\1", joined)
    return joined.strip()


def normalise(fragment: str) -> str:
    """The form in which two keys are the same key: character references resolved,
    attributes re-quoted, whitespace runs collapsed and dropped beside tags."""
    return _join(_tokens(fragment).parts)


def hrefs(fragment: str) -> list[str]:
    """Link targets in order of appearance, character references resolved."""
    return _tokens(fragment).hrefs


def _without_hrefs(fragment: str) -> str:
    tokens = _tokens(fragment)
    text = _join(tokens.parts)
    for href in tokens.hrefs:
        text = text.replace(f'href="{html.escape(href)}"', "href=" + _HREF_MARK, 1)
    return text


def similarity(normal_a: str, normal_b: str) -> float:
    return difflib.SequenceMatcher(None, normal_a, normal_b, autojunk=False).ratio()


def tokens(normal: str) -> list[str]:
    """A normal form as difflib compares it: tags, words and punctuation marks."""
    return _TOKEN.findall(normal)


class FuzzyIndex:
    """The candidates of one file for fuzzy matching, tokenised once, and the budget of its
    comparisons (see the module's notes for the bound)."""

    def __init__(self, candidates: dict[str, str]):
        # normal form -> (file key, tokens, distinct tokens); in file order, for ties
        self.candidates, self.normals = {}, {}
        for normal, file_key in candidates.items():
            self.normals[file_key] = normal
            found = tokens(normal)
            if len(found) <= MAX_FUZZY_TOKENS:
                self.candidates[normal] = (file_key, found, frozenset(found))
        self.budget = TOKEN_PAIR_BUDGET
        self.exhausted = False

    def closest(self, english: str, exclude: set[str] = frozenset()) -> tuple[str, float] | None:
        """The candidate most like `english` (a normal form) with ratio >= threshold, as (file
        key, ratio); None when there is none. Ties go to the earlier candidate."""
        english_tokens = tokens(english)
        size = len(english_tokens)
        if not size or size > MAX_FUZZY_TOKENS:
            return None
        distinct = frozenset(english_tokens)
        shortlist = []
        for order, (normal, (file_key, found, found_distinct)) in enumerate(self.candidates.items()):
            if normal in exclude or not found:
                continue
            # difflib's real_quick_ratio: the lengths alone bound the ratio
            if 2 * min(size, len(found)) / (size + len(found)) < FUZZY_THRESHOLD:
                continue
            shared = len(distinct & found_distinct) / max(len(distinct | found_distinct), 1)
            shortlist.append((-shared, order, file_key, found))
        best: tuple[str, float] | None = None
        for _, _, file_key, found in heapq.nsmallest(MAX_COMPARED, shortlist):
            a, b = english, self.normals[file_key]
            if len(a) * len(b) > CHARACTER_PAIRS:
                a, b = english_tokens, found
            cost = len(a) * len(b)
            if cost > self.budget:
                self.exhausted = True
                continue
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            floor = best[1] if best else FUZZY_THRESHOLD
            if matcher.quick_ratio() < floor:
                continue
            self.budget -= cost
            ratio = matcher.ratio()
            if ratio >= floor and (best is None or ratio > best[1]):
                best = (file_key, ratio)
        return best


def closest(english: str, candidates: dict[str, str]) -> tuple[str, float] | None:
    """The candidate (normal form -> file key) most like `english` with ratio >= threshold,
    as (file key, ratio); None when there is none. Ties go to the earlier candidate."""
    return FuzzyIndex(candidates).closest(english)


def english_diff(old_english: str, new_english: str) -> str:
    """A unified diff of the English a translation was made from and today's English."""
    def lines(fragment):
        text = _join(_tokens(fragment).parts, tight=False)
        text = re.sub(r"(</(?:p|h\d|li|ul|ol|pre|blockquote)>)", r"\1\n", text)
        return [line.strip() for line in text.split("\n") if line.strip()]
    return "\n".join(difflib.unified_diff(lines(old_english), lines(new_english),
                                          "translated from", "English now", lineterm=""))


def link_only_change(old_english: str, new_english: str) -> dict[str, str] | None:
    """When the two differ only in href values, the old -> new mapping of the targets that
    changed (one new target per old one); otherwise None."""
    if _without_hrefs(old_english) != _without_hrefs(new_english):
        return None
    mapping: dict[str, str] = {}
    for old, new in zip(hrefs(old_english), hrefs(new_english)):
        if mapping.setdefault(old, new) != new:
            return None     # the same old link now points two ways; a translator must choose
    return {old: new for old, new in mapping.items() if old != new}


@dataclass
class _Attribute:
    start: int
    end: int
    value: str


class _HrefLocator(HTMLParser):
    """Offsets of every href attribute value in the source text."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [i + 1 for i, c in enumerate(source) if c == "\n"]
        self.found: list[_Attribute] = []

    def handle_starttag(self, tag, attrs):
        line, column = self.getpos()
        start = self.line_starts[line - 1] + column
        tag_text = self.get_starttag_text() or ""
        for match in re.finditer(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
                                 tag_text, re.IGNORECASE):
            group = next(g for g in (1, 2, 3) if match.group(g) is not None)
            self.found.append(_Attribute(start + match.start(group), start + match.end(group),
                                         html.unescape(match.group(group))))

    handle_startendtag = handle_starttag


def rewrite_hrefs(fragment: str, mapping: dict[str, str]) -> str:
    """`fragment` with each href whose target is a key of `mapping` pointed at its value."""
    locator = _HrefLocator(fragment)
    locator.feed(fragment)
    locator.close()
    result, done = [], 0
    for attribute in locator.found:
        if attribute.value in mapping:
            result.append(fragment[done:attribute.start])
            result.append(html.escape(mapping[attribute.value], quote=True))
            done = attribute.end
    result.append(fragment[done:])
    return "".join(result)
