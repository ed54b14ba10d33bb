"""Swap what translators must not touch for numbered placeholders, and put it back.

Every math element, inline `<code>`, code block and image (including a remote image shown
as a text link) is replaced, in order of appearance, by `<span translate=no>_^_N_^_</span>`.
The protected HTML is the translation key; the fragments restore a translation.
"""
import re

PLACEHOLDER = "<span translate=no>_^_{}_^_</span>"
# A sanitiser may have quoted the attribute (`translate="no"`); both spellings restore.
PLACEHOLDER_PATTERN = re.compile(r"<span translate=\"?no\"?>_\^_(\d+)_\^_</span>")

# Alternatives are tried left to right at each position, so a code block (`<pre>`) is
# taken whole before the `<code>` inside it could match.
_PROTECTED = re.compile(
    r"<pre\b.*?</pre>"
    r"|<math\b.*?</math>"
    r"|<code\b.*?</code>"
    r"|<img\b[^>]*>"
    r"|<(?P<remote>a|span) class=\"remote-image\"[^>]*>.*?</(?P=remote)>",
    re.DOTALL)


def protect(html: str) -> tuple[str, list[str]]:
    """`(html with placeholders, fragments)`; fragment N is what placeholder N stands for."""
    fragments: list[str] = []

    def replace(match: re.Match) -> str:
        fragments.append(match.group(0))
        return PLACEHOLDER.format(len(fragments) - 1)

    return _PROTECTED.sub(replace, html), fragments


def restore(html: str, fragments: list[str]) -> str:
    """Put fragments back; a placeholder number with no fragment raises KeyError."""
    def replace(match: re.Match) -> str:
        number = int(match.group(1))
        if number >= len(fragments):
            raise KeyError(f"placeholder {number} has no fragment (there are {len(fragments)})")
        return fragments[number]

    return PLACEHOLDER_PATTERN.sub(replace, html)
