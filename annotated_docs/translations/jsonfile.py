"""Reading and writing translators' JSON files without disturbing their bytes.

A translation file is a flat JSON object. We read it entry by entry, remembering where each
entry's text lies, so that the tools can add or drop entries while copying every other entry
byte for byte: a translator's diff shows only what the tool did.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from json.decoder import scanstring
from pathlib import Path
from typing import NamedTuple

_WHITESPACE = " \t\n\r"
# Far above any page's translation (the largest today is ~60 kB); a file this big is a
# mistake, refused before it is read rather than parsed for minutes.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Deeper than any flat file needs; deeper values make the standard parser recurse too far.
MAX_DEPTH = 100
BYTE_ORDER_MARK = "\ufeff"
_STRING_PATTERN = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_BRACKET_OR_STRING = re.compile(_STRING_PATTERN + r"|[\[\]{}]")
_SPACE = re.compile(r"[ \t\n\r]*")
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_COMMA = re.compile(r"[ \t\n\r]*,?")


class TranslationFileError(ValueError):
    """The file is not a flat JSON object; `line` and `column` point at the trouble (1-based)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class Entry(NamedTuple):     # a tuple: a file may have 100,000 of them
    """One `"key": value` pair as written in the file."""
    key: str
    value: object          # a str when the file is well formed; anything JSON otherwise
    line: int              # 1-based line of the key
    text: str              # the exact source text of `"key": value`


@dataclass(frozen=True)
class TranslationFile:
    entries: list[Entry]
    style: "FileStyle"
    text: str


@dataclass(frozen=True)
class FileStyle:
    """How the file was written, so that what a tool adds looks like what was there."""
    indent: str = "  "
    ensure_ascii: bool = False
    trailing_newline: bool = True
    newline: str = "\n"                # "\r\n" for a file written on Windows
    byte_order_mark: bool = False      # kept when the editor wrote one


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _too_deep(text: str) -> tuple[int, int]:
    """Line and column of the first bracket nested deeper than MAX_DEPTH (linear scan)."""
    depth = 0
    for match in _BRACKET_OR_STRING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _line_and_column(text, match.start())
        elif token in "]}":
            depth -= 1
    return 1, 1


def read(path: Path) -> "TranslationFile":
    """Parse the file at `path`. Raises TranslationFileError (too big, not UTF-8, not a flat
    object) or OSError (unreadable)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TranslationFileError(
            f"file is {size / 1e6:.0f} MB, more than the {MAX_FILE_BYTES / 1e6:.0f} MB a "
            "translation file may have; it is not read")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranslationFileError(f"not UTF-8 (byte {error.start}); save the file as UTF-8",
                                   data.count(b"\n", 0, error.start) + 1, None) from None
    return parse(text)


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


class _Pairs(list):
    """A JSON object as its (key, value) pairs in file order, duplicates kept."""


def _pairs(pairs: list) -> _Pairs:
    return _Pairs(pairs)


def parse(text: str) -> TranslationFile:
    """Parse a flat JSON object, keeping each entry's source text and line.

    Raises TranslationFileError (with line and column) for invalid JSON or a value that is
    not an object. Values of any JSON type are accepted here; checking them is not our job.
    Linear in the file's size: the standard parser reads the values, then one pass of
    regular expressions finds where each entry's text lies.
    """
    byte_order_mark = text.startswith(BYTE_ORDER_MARK)
    if byte_order_mark:
        text = text[1:]
    try:
        # the standard parser's message and position for invalid JSON
        document = json.loads(text, object_pairs_hook=_pairs)
    except json.JSONDecodeError as error:
        raise TranslationFileError(f"invalid JSON: {error.msg}", error.lineno, error.colno)
    except RecursionError:
        line, column = _too_deep(text)
        raise TranslationFileError(f"values nested more than {MAX_DEPTH} deep; a translation "
                                   "is a string", line, column) from None
    position = _skip_whitespace(text, 0)
    if not isinstance(document, _Pairs):
        line, column = _line_and_column(text, position)
        raise TranslationFileError(
            "expected a JSON object {\"English\": \"translation\", ...} at the top level", line, column)
    position += 1
    decoder = json.JSONDecoder(object_pairs_hook=None)
    entries: list[Entry] = []
    line, counted = 1, 0        # lines counted up to `counted`: linear in the file's size
    for key, value in document:
        start = _SPACE.match(text, position).end()
        # json's own C scanner finds where each string ends
        value_start = _COLON.match(text, scanstring(text, start + 1)[1]).end()
        if isinstance(value, str):
            end = scanstring(text, value_start + 1)[1]
        else:
            end = decoder.raw_decode(text, value_start)[1]
            if isinstance(value, _Pairs):
                value = dict(value)
        position = _COMMA.match(text, end).end()
        line += text.count("\n", counted, start)
        counted = start
        entries.append(Entry(key, value, line, text[start:end]))
    return TranslationFile(entries, sniff_style(text, byte_order_mark), text)


def sniff_style(text: str, byte_order_mark: bool = False) -> FileStyle:
    first_newline = text.find("\n")
    indent = "  "
    if first_newline >= 0:
        end = text.find("\n", first_newline + 1)
        second = text[first_newline + 1: end if end >= 0 else len(text)].rstrip("\r")
        stripped = second.lstrip(" \t")
        if stripped.startswith('"'):
            indent = second[: len(second) - len(stripped)]
    # A file written all in \uXXXX escapes stays that way; otherwise write characters as is.
    ensure_ascii = text.isascii() and "\\u" in text
    newline = "\r\n" if first_newline > 0 and text[first_newline - 1] == "\r" else "\n"
    return FileStyle(indent, ensure_ascii, text.endswith("\n"), newline, byte_order_mark)


def render(entry_texts: list[str], style: FileStyle) -> str:
    """Assemble a file from entries' source texts, one per line, in the file's style."""
    newline = style.newline
    if not entry_texts:
        body = "{}"
    else:
        separator = "," + newline + style.indent
        body = "{" + newline + style.indent + separator.join(entry_texts) + newline + "}"
    return ((BYTE_ORDER_MARK if style.byte_order_mark else "") + body
            + (newline if style.trailing_newline else ""))


def with_value(entry: Entry, value: str, style: FileStyle) -> str:
    """`entry`'s source text with another value: its key and separator kept byte for byte."""
    key_end = scanstring(entry.text, 1)[1]
    value_start = _skip_whitespace(entry.text, _skip_whitespace(entry.text, key_end) + 1)
    return entry.text[:value_start] + json.dumps(value, ensure_ascii=style.ensure_ascii)


def entry_text(key: str, value: str, style: FileStyle) -> str:
    return (json.dumps(key, ensure_ascii=style.ensure_ascii) + ": "
            + json.dumps(value, ensure_ascii=style.ensure_ascii))


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` atomically (temporary file + rename); leave the file alone when its
    bytes would not change. Returns whether the file was written."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return True
