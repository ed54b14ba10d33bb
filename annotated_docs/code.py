"""Highlight source code with Pygments, one HTML fragment per source line.

Highlighting the whole file at once (rather than each section's lines) keeps multi-line
strings and brackets lexed correctly; splitting tokens at newlines keeps every line's
`<span>`s balanced, so any subset of lines can be shown with its own line numbers.
"""
import functools
import html

from pygments.lexers import PythonLexer, get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

_PYTHON = PythonLexer(stripnl=False, ensurenl=False)


_CSS_CLASSES: dict = {}


def _css_class(token_type) -> str:
    """The short class of the nearest standard token type (remembered per type)."""
    css = _CSS_CLASSES.get(token_type)
    if css is None:
        standard = token_type
        while standard not in STANDARD_TYPES:
            standard = standard.parent
        css = _CSS_CLASSES[token_type] = STANDARD_TYPES[standard]
    return css


@functools.lru_cache(maxsize=256)
def lex(source: str, lexer=_PYTHON) -> tuple[tuple, ...]:
    """Pygments' tokens of the whole source, as `(token type, text)` pairs. A page lexes its
    source once: the section splitter finds comments in these tokens, the code column is
    highlighted from them, and the notebook's cells are split from the same tokens (the
    cache: a build reads up to a few hundred sources; a tuple, so no caller can change it)."""
    return tuple(lexer.get_tokens(source))


def highlight_lines(source: str, lexer=_PYTHON, quote: bool = False, tokens=None) -> list[str]:
    """HTML for each line of `source` (without newlines); index 0 is line 1. `quote` escapes
    quotes too, as the canonical spelling of notes does. `tokens`: the source already lexed."""
    lines = [[]]
    for token_type, value in (lexer.get_tokens(source) if tokens is None else tokens):
        css = _css_class(token_type)
        if "\n" not in value:                 # most tokens: no line break to split at
            if value:
                escaped = html.escape(value, quote=quote)
                lines[-1].append(f'<span class="{css}">{escaped}</span>' if css else escaped)
            continue
        for index, piece in enumerate(value.split("\n")):
            if index:
                lines.append([])
            if piece:
                escaped = html.escape(piece, quote=quote)
                lines[-1].append(f'<span class="{css}">{escaped}</span>' if css else escaped)
    rendered = ["".join(parts) for parts in lines]
    source_line_count = len(source.splitlines())
    return rendered[:source_line_count] + [""] * (source_line_count - len(rendered))


@functools.lru_cache(maxsize=8192)
def highlight_inline(code: str) -> str:
    """Inline code in notes, read as Python (the same snippet recurs: each is lexed once)."""
    return "".join(highlight_lines(code.replace("\n", " "), quote=True))


def highlight_block(code: str, language: str) -> str:
    """A fenced code block in notes; Python when no language is named, plain when unknown.
    Quotes are escaped, as in the canonical spelling of notes."""
    try:
        lexer = get_lexer_by_name(language or "python", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return html.escape(code, quote=True)
    return "\n".join(highlight_lines(code, lexer, quote=True))
