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
# Attributes whose value is text a translator writes; any other attribute (id, class, dir,
# lang, align, translate, ...) may only take a value its tag has in the English.
TEXT_ATTRIBUTES = {"title", "alt"}
URL_ATTRIBUTES = {"href"}       # each target checked against the English's by `_links`
URL_SCHEMES = {"http", "https", "mailto"}
# Block structure a translation keeps; an inline tag (<em>, <code>...) it may drop.
BLOCK_TAGS = {"p", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
              "td", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
# Characters that reorder or hide text (bidi embeddings, overrides, isolates) and controls:
# never in a note, a way to make a page say what its source does not.
_CONTROL = CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
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
        self.values: dict[tuple[str, str], set[str]] = {}    # (tag, attribute) -> values
        self.nesting: list[str] = []
        self.open: list[str] = []
        self.unsafe: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.names[tag] += 1
        self.attributes.setdefault(tag, set()).update(name for name, _ in attrs)
        for name, value in attrs:
            self.values.setdefault((tag, name), set()).add(value or "")
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
    """The tags of the (trusted) English that are safe, each with the attributes it has
    there."""
    tags = set(english.names) - DANGEROUS_TAGS
    if "table" in tags:
        tags.add("tbody")        # an HTML parser puts every table's rows in one
    attributes = {tag: {name for name in names if not name.startswith("on") and name != "style"}
                  for tag, names in english.attributes.items() if tag in tags}
    return tags, attributes


def _value_filter(english: _Tags):
    """nh3's attribute filter: text and link attributes as written (links are checked
    against the English), any other attribute only with a value the English gives it."""
    def keep(tag: str, name: str, value: str) -> str | None:
        if name in TEXT_ATTRIBUTES or name in URL_ATTRIBUTES:
            return value
        return value if value in english.values.get((tag, name), ()) else None
    return keep


def sanitise(translation: str, english: str) -> str:
    """The translation through nh3 with our allowlist (the English's own tags, attributes
    and attribute values), placeholders written back in the exact form the generator restores
    (nh3 quotes `translate="no"`)."""
    english_tags = _tags(english)
    tags, attributes = _allowlist(english_tags)
    cleaned = nh3.clean(translation, tags=tags, attributes=attributes, url_schemes=URL_SCHEMES,
                        link_rel=None, strip_comments=True,
                        attribute_filter=_value_filter(english_tags))
    return re.sub(r'<span translate="no">(_\^_\d+_\^_)</span>', r"<span translate=no>\1</span>",
                  cleaned)


def _placeholders(english: str, translation: str) -> list[str]:
    """Placeholders as the page will hold them: counted in the sanitised fragment, so one
    inside a comment or an attribute value (which the sanitiser drops) is missing."""
    expected = Counter(PLACEHOLDER.findall(english))
    written = Counter(PLACEHOLDER.findall(translation))
    found = Counter(PLACEHOLDER.findall(sanitise(translation, english)))
    errors = []
    for debris in _PLACEHOLDER_DEBRIS.finditer(PLACEHOLDER.sub("", translation)):
        start = max(debris.start() - 20, 0)
        snippet = PLACEHOLDER.sub("", translation)[start:debris.end() + 20]
        errors.append(f"mangled placeholder near {snippet!r}: write it exactly as "
                      "<span translate=no>_^_N_^_</span>")
        break
    lost = expected - found
    hidden = sorted((lost & (written - found)).elements(), key=int)
    missing = sorted((lost - (written - found)).elements(), key=int)
    extra = sorted((found - expected).elements(), key=int)
    if hidden:
        errors.append(f"placeholder(s) {', '.join(hidden)} inside a comment, an attribute "
                      "value or removed markup, where the page would lose them; put them in "
                      "the text")
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
    foreign = sorted(f"{name}= on <{tag}>" for tag, names in translation.attributes.items()
                     if tag in english.names and tag not in DANGEROUS_TAGS
                     for name in names - english.attributes.get(tag, set())
                     if not name.startswith("on") and name != "style")
    if foreign:
        errors.append("attributes the English does not have: " + ", ".join(foreign))
    changed = sorted(f'{name}="{value}" on <{tag}>'
                     for (tag, name), values in translation.values.items()
                     if name in english.attributes.get(tag, set())
                     and name not in TEXT_ATTRIBUTES | URL_ATTRIBUTES
                     for value in values - english.values.get((tag, name), set()))
    if changed:
        errors.append("attribute values the English does not have: " + ", ".join(changed)
                      + "; keep them as in the English")
    errors.extend(f"unbalanced tags: {message}" for message in translation.nesting)
    if translation.open:
        errors.append("unbalanced tags: " + ", ".join(f"<{tag}>" for tag in translation.open)
                      + " never closed")
    dropped = english.names - translation.names
    blocks = sorted(tag for tag in dropped if tag in BLOCK_TAGS)
    if blocks:
        errors.append("the English's structure is missing: " + ", ".join(
            f"<{tag}>" + (f" ×{dropped[tag]}" if dropped[tag] > 1 else "") for tag in blocks)
            + "; keep every paragraph, list, item, table cell and heading of the English")
    return errors


def _dropped_inline(english: _Tags, translation: _Tags) -> list[str]:
    dropped = english.names - translation.names
    return sorted(f"<{tag}>" for tag in dropped
                  if tag not in BLOCK_TAGS and tag not in ("span", "a"))   # placeholders, links


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


def _removed_by_sanitiser(translation: str, english: str) -> str | None:
    """What the sanitiser would take out of the translation, in words; None when nothing."""
    def comparable(fragment: str) -> str:
        return normalise(_PARSER_NOISE.sub("", fragment))
    cleaned = sanitise(translation, english)
    if comparable(cleaned) == comparable(translation):
        return None
    before, after = _tags(translation), _tags(cleaned)
    removed = [f"<{tag}>" for tag in sorted(before.names - after.names)]
    removed += sorted(f"{name}= on <{tag}>" for tag, names in before.attributes.items()
                      for name in names - after.attributes.get(tag, set()))
    removed += sorted(f'{name}="{value}" on <{tag}>'
                      for (tag, name), values in before.values.items()
                      if name in after.attributes.get(tag, set())
                      for value in values - after.values.get((tag, name), set()))
    if removed:
        return ", ".join(removed)
    first = next((i for i, (a, b) in enumerate(zip(comparable(translation), comparable(cleaned)))
                  if a != b), 0)
    return f"markup near {comparable(translation)[max(first - 20, 0):first + 20]!r}"


def _characters(english: str, translation: str) -> list[str]:
    found = _CONTROL.search(translation)
    if found is None or found.group() in english:
        return []
    return [f"invisible control character U+{ord(found.group()):04X} at character "
            f"{found.start() + 1}; remove it (bidi overrides and controls can make a page read "
            "differently from its file)"]


def _comments(translation: str) -> list[str]:
    start = translation.find("<!--")
    if start >= 0 and translation.find("-->", start + 4) < 0:
        return [f"unclosed comment: '<!--' at character {start + 1} has no '-->', so "
                "everything after it would vanish; close it or remove it"]
    return []


def check_entry(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """Findings for a non-empty translation of `english`: [(severity, message), ...]."""
    english_tags = _tags(english)
    errors = _characters(english, translation) + _comments(translation)
    if errors:      # the rest would be about text the reader never sees as written
        return [("error", message) for message in errors]
    translation_tags = _tags(translation)
    errors = (_placeholders(english, translation)
              + _tag_problems(english_tags, translation_tags)
              + _links(english, translation))
    if not errors:
        removed = _removed_by_sanitiser(translation, english)
        if removed:
            errors.append(f"the sanitiser would remove {removed}; use only the English's own "
                          "tags and attributes")
    findings = [("error", message) for message in errors]
    dropped = _dropped_inline(english_tags, translation_tags)
    if dropped and not errors:
        findings.append(("warning", "the English's " + ", ".join(dropped) + " not in the "
                         "translation; shown, but is the emphasis or markup meant to go?"))
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
