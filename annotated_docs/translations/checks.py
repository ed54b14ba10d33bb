"""Checks of one translation against the English it translates.

`check_entry` returns findings as (severity, message); an 'error' makes the section fall
back to English, a 'warning' is reported and the translation is still shown. `sanitise`
is the only way a translation reaches a page: an nh3 allowlist, so that even a check we did
not think of cannot put a script on the site.
"""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import nh3

from .matching import hrefs, normalise

# As annotated_docs.placeholders writes it; a sanitiser's quoted `translate="no"` restores too.
PLACEHOLDER = re.compile(r"<span translate=\"?no\"?>_\^_(\d+)_\^_</span>")
# Anything that looks like a placeholder or a piece of one once the exact ones are gone:
# `_%5E_0_%5E_` (percent-encoded by an editor), `&#94;`, a lost span, `translate="no"`.
_PLACEHOLDER_DEBRIS = re.compile(
    r"_(?:\^|%5e|&#94;|&#x5e;|\\\^)_|translate\s*=|_\s*\^\s*_", re.IGNORECASE)

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "param", "source", "track", "wbr"}
DANGEROUS_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed",
                  "applet", "form", "input", "button", "textarea", "select", "link", "meta",
                  "base", "svg", "template", "noscript"}
# What Markdown notes render to; a translation may use these if the English does.
SAFE_TAGS = {"a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt",
             "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "mark", "ol",
             "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody",
             "td", "th", "thead", "tr", "u", "ul"}
SAFE_ATTRIBUTES = {"a": {"href", "title"}, "span": {"translate", "class"}, "code": {"class"},
                   "th": {"align"}, "td": {"align"}, "ol": {"start"},
                   "*": {"lang", "dir", "id", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_UNSAFE_URL = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)

VIRAMA, RA, YA, ZERO_WIDTH_JOINER = "\u0dca", "\u0dbb", "\u0dba", "\u200d"
_BROKEN_CONJUNCT = re.compile(VIRAMA + f"(?=[{RA}{YA}])")
_SINHALA_WORD = re.compile(r"[\u0d80-\u0dff\u200c\u200d]+")


class _Tags(HTMLParser):
    """Tag names, nesting mistakes and unsafe markup of a fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.names: Counter = Counter()
        self.attributes: dict[str, set[str]] = {}
        self.nesting: list[str] = []
        self.open: list[str] = []
        self.unsafe: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.names[tag] += 1
        self.attributes.setdefault(tag, set()).update(name for name, _ in attrs)
        if tag in DANGEROUS_TAGS:
            self.unsafe.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.unsafe.append(f"event handler {name}= on <{tag}>")
            elif name == "style":
                self.unsafe.append(f"style= on <{tag}>")
            elif value and _UNSAFE_URL.match(re.sub(r"[\s\x00-\x1f]", "", value)):
                self.unsafe.append(f"{value.split(':')[0]}: URL in {name}= on <{tag}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        if self.open and self.open[-1] == tag:
            self.open.pop()
        elif tag in self.open:
            self.nesting.append(f"</{tag}> closes <{tag}> while <{self.open[-1]}> is still open")
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]
        else:
            self.nesting.append(f"</{tag}> has no opening <{tag}>")


def _tags(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


def _allowlist(english: _Tags) -> tuple[set[str], dict[str, set[str]]]:
    """SAFE_TAGS/SAFE_ATTRIBUTES widened by what the (trusted) English itself uses."""
    tags = SAFE_TAGS | (set(english.names) - DANGEROUS_TAGS)
    attributes = {tag: set(names) for tag, names in SAFE_ATTRIBUTES.items()}
    for tag, names in english.attributes.items():
        attributes.setdefault(tag, set()).update(
            name for name in names if not name.startswith("on") and name != "style")
    return tags, attributes


def sanitise(translation: str, english: str) -> str:
    """The translation through nh3 with our allowlist, placeholders written back in the
    exact form the generator restores (nh3 quotes `translate="no"`)."""
    tags, attributes = _allowlist(_tags(english))
    cleaned = nh3.clean(translation, tags=tags, attributes=attributes, url_schemes=URL_SCHEMES,
                        link_rel=None, strip_comments=True)
    return re.sub(r'<span translate="no">(_\^_\d+_\^_)</span>', r"<span translate=no>\1</span>",
                  cleaned)


def _placeholders(english: str, translation: str) -> list[str]:
    expected = Counter(PLACEHOLDER.findall(english))
    found = Counter(PLACEHOLDER.findall(translation))
    errors = []
    for debris in _PLACEHOLDER_DEBRIS.finditer(PLACEHOLDER.sub("", translation)):
        start = max(debris.start() - 20, 0)
        snippet = PLACEHOLDER.sub("", translation)[start:debris.end() + 20]
        errors.append(f"mangled placeholder near {snippet!r}: write it exactly as "
                      "<span translate=no>_^_N_^_</span>")
        break
    missing = sorted((expected - found).elements(), key=int)
    extra = sorted((found - expected).elements(), key=int)
    if missing and extra and len(missing) == len(extra) and not set(found) & set(missing):
        errors.append(f"placeholders renumbered: the English has {', '.join(missing)}, "
                      f"the translation {', '.join(extra)}; keep the English numbers")
    else:
        if missing:
            errors.append(f"placeholder(s) {', '.join(missing)} missing: copy "
                          "<span translate=no>_^_N_^_</span> from the English unchanged")
        if extra:
            errors.append(f"placeholder(s) {', '.join(extra)} not in the English "
                          "(extra or repeated); remove them")
    return errors


def _tag_problems(english: _Tags, translation: _Tags) -> list[str]:
    errors = []
    if translation.unsafe:
        errors.append("unsafe HTML, never rendered: " + ", ".join(translation.unsafe))
    unexpected = sorted(set(translation.names) - set(english.names) - DANGEROUS_TAGS)
    if unexpected:
        errors.append("tags the English does not have: "
                      + ", ".join(f"<{tag}>" for tag in unexpected))
    errors.extend(f"unbalanced tags: {message}" for message in translation.nesting)
    if translation.open:
        errors.append("unbalanced tags: " + ", ".join(f"<{tag}>" for tag in translation.open)
                      + " never closed")
    return errors


def _links(english: str, translation: str) -> list[str]:
    expected, found = Counter(hrefs(english)), Counter(hrefs(translation))
    if expected == found:
        return []
    parts = []
    if expected - found:
        parts.append("missing " + ", ".join(sorted((expected - found).elements())))
    if found - expected:
        parts.append("not in the English " + ", ".join(sorted((found - expected).elements())))
    return ["link targets differ from the English: " + "; ".join(parts)
            + " (keep every href exactly as in the English)"]


def broken_sinhala_conjuncts(translation: str) -> list[str]:
    """Words where a virama is followed by ra or ya without a zero-width joiner."""
    words = []
    for match in _BROKEN_CONJUNCT.finditer(translation):
        for word in _SINHALA_WORD.finditer(translation):
            if word.start() <= match.start() < word.end():
                words.append(f"{word.group()!r} (offset {match.start()} in the value)")
                break
    return words


# What an HTML5 parser adds or drops by itself: the `<tbody>` it puts into every table and
# comments (which nh3 strips). Neither is a translator's markup being removed.
_PARSER_NOISE = re.compile(r"<!--.*?-->|</?tbody>", re.S)


def _removed_by_sanitiser(translation: str, english: str) -> bool:
    def comparable(fragment: str) -> str:
        return normalise(_PARSER_NOISE.sub("", fragment))
    return comparable(sanitise(translation, english)) != comparable(translation)


def check_entry(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """Findings for a non-empty translation of `english`: [(severity, message), ...]."""
    english_tags, translation_tags = _tags(english), _tags(translation)
    errors = (_placeholders(english, translation)
              + _tag_problems(english_tags, translation_tags)
              + _links(english, translation))
    if not errors and _removed_by_sanitiser(translation, english):
        errors.append("HTML the sanitizer removes (attributes or markup outside the "
                      "allowlist); write plain text with the English's own tags")
    findings = [("error", message) for message in errors]
    # Only words count: a key that is nothing but a formula or code placeholder may stay as is
    words = re.sub(r"<[^>]*>", "", PLACEHOLDER.sub("", english))
    if normalise(translation) == normalise(english) and re.search(r"[A-Za-z]", words):
        findings.append(("warning", "identical to the English; shown, but is it translated?"))
    if lang == "si":
        words = broken_sinhala_conjuncts(translation)
        if words:
            findings.append(("warning", "virama followed by ra/ya without a zero-width joiner "
                             "(U+200D), renders as a broken conjunct, in " + ", ".join(words)
                             + "; write \u0dca + U+200D + \u0dbb/\u0dba"))
    return findings
