"""Split a source file into sections: the notes, and the code those notes describe.

As in labml's annotated pages, a docstring or a run of `#` comment lines becomes the notes
of the code that follows it:

* a module docstring starts a section at its own line;
* a function or class docstring starts a section at the first decorator (or the `def` /
  `class` line), so the signature is shown beside the notes that explain it;
* a run of whole-line comments starts a section, unless it sits inside brackets (a comment
  in the middle of an expression stays in the code; splitting there would cut a statement
  in two) or inside a signature that belongs to a docstring's section. Comments, strings and
  brackets are told apart by the Pygments tokens that also highlight the code column, so a
  page's source is lexed once;
* notes followed by no code of their own join the notes that follow them;
* sections with neither notes nor code are dropped.

Code keeps its own source line numbers. A `.md` file is one section of notes.
"""
import ast
import inspect
from dataclasses import dataclass
from pathlib import Path

from pygments.token import Comment, Punctuation

from . import code
from .errors import BuildError


@dataclass(frozen=True)
class RawSection:
    """Notes as Markdown text and the source lines (1-based numbers) of their code."""
    notes: str
    notes_line: int
    code_lines: tuple[int, ...]


@dataclass(frozen=True)
class _Note:
    start: int          # first line of the section this note opens
    hidden: range       # source lines consumed by the note (not shown as code)
    text: str
    line: int           # source line of the note text's first line


def split_markdown(source: str) -> list[RawSection]:
    """A Markdown file is a single section of notes without code."""
    return [RawSection(notes=source, notes_line=1, code_lines=())] if source.strip() else []


def split_python(source: str, file: Path, tokens: list[tuple] | None = None) -> list[RawSection]:
    """Sections of a Python source; raises BuildError naming the line of a syntax error.
    `tokens`: the source's Pygments tokens, when the caller has lexed it already."""
    try:
        tree = ast.parse(source, filename=str(file))
    except SyntaxError as error:
        raise BuildError(file, error.lineno, f"syntax error: {error.msg}", error.text or "")
    lines = source.splitlines()
    docstrings = _docstring_notes(tree, lines)
    signatures = [range(note.start, note.hidden.start) for note in docstrings]
    comments = _comment_notes(code.lex(source) if tokens is None else tokens, signatures)
    notes = sorted(docstrings + comments, key=lambda note: note.start)
    return _assemble(notes, lines)


def _statements(tree: ast.Module):
    """Every statement of the module, nested ones included. Only statements can hold a
    `def` or `class`, so the walk never enters an expression (`ast.walk` visits every node
    and took most of the splitting time)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                stack.extend(children)


def _docstring_notes(tree: ast.Module, lines: list[str]) -> list[_Note]:
    notes = []
    for node in _statements(tree):
        if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if not node.body or not _is_docstring(node.body[0]):
            continue
        expr = node.body[0]
        if not _stands_alone(expr, lines):
            continue
        if isinstance(node, ast.Module):
            start = expr.lineno
        else:
            if expr.lineno == node.lineno:  # `def f(): "doc"` on one line stays code
                continue
            start = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
        raw = expr.value.value
        leading_blank = len(raw) - len(raw.lstrip("\n")) if raw.lstrip(" \t").startswith("\n") else 0
        text = inspect.cleandoc(raw)
        notes.append(_Note(start=start, hidden=range(expr.lineno, expr.end_lineno + 1),
                           text=text + "\n" if text else "", line=expr.lineno + leading_blank))
    return notes


def _is_docstring(statement: ast.stmt) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def _stands_alone(expr: ast.Expr, lines: list[str]) -> bool:
    """True when the docstring's lines hold nothing else (so hiding them hides no code)."""
    before = lines[expr.lineno - 1][:expr.col_offset]
    after = lines[expr.end_lineno - 1][expr.end_col_offset:].strip()
    return not before.strip() and (not after or after.startswith("#"))


def _comment_notes(tokens: list[tuple], signatures: list[range]) -> list[_Note]:
    """Runs of whole-line comments outside brackets and signatures, as notes. The source
    parsed (the caller checked), so its brackets balance and its strings close."""
    comment_lines: dict[int, str] = {}
    depth = 0
    # Where each token starts: its line, and whether code came before it on that line
    number, code_before = 1, False
    for token_type, value in tokens:
        if token_type is Punctuation and value in ("(", "[", "{"):
            depth += 1
        elif token_type is Punctuation and value in (")", "]", "}"):
            depth -= 1
        elif token_type in Comment and depth == 0 and not code_before:
            # A trailing comment (code before it) belongs to its line of code
            if not (number == 1 and value.startswith("#!")) \
                    and not any(number in signature for signature in signatures):
                comment_lines[number] = _comment_text(value)
        if "\n" in value:
            number += value.count("\n")
            code_before = bool(value[value.rindex("\n") + 1:].strip())
        elif not code_before and value.strip():
            code_before = True
    notes = []
    run: list[int] = []
    for number in sorted(comment_lines) + [None]:
        if run and (number is None or number != run[-1] + 1):
            text = "\n".join(comment_lines[line] for line in run).strip("\n")
            notes.append(_Note(start=run[0], hidden=range(run[0], run[-1] + 1),
                               text=text + "\n" if text else "", line=run[0]))
            run = []
        if number is not None:
            run.append(number)
    return notes


def _comment_text(comment: str) -> str:
    text = comment[1:]
    return text[1:] if text.startswith(" ") else text


def _assemble(notes: list[_Note], lines: list[str]) -> list[RawSection]:
    hidden = {number for note in notes for number in note.hidden}
    starts = [1] + [note.start for note in notes]
    ends = [note.start for note in notes] + [len(lines) + 1]
    pending_notes: list[tuple[str, int]] = []
    sections = []
    for index, (start, end) in enumerate(zip(starts, ends)):
        note = notes[index - 1] if index else None
        code = [number for number in range(start, end)
                if number not in hidden]
        code = _trim_blank(code, lines)
        if note is not None and note.text:
            pending_notes.append((note.text, note.line))
        if not code:
            continue  # notes without code join the next section's notes
        text = "\n".join(text for text, _ in pending_notes)
        line = pending_notes[0][1] if pending_notes else start
        sections.append(RawSection(notes=text, notes_line=line, code_lines=tuple(code)))
        pending_notes = []
    if pending_notes:
        sections.append(RawSection(notes="\n".join(text for text, _ in pending_notes),
                                   notes_line=pending_notes[0][1], code_lines=()))
    return sections


def _trim_blank(numbers: list[int], lines: list[str]) -> list[int]:
    while numbers and not lines[numbers[0] - 1].strip():
        numbers = numbers[1:]
    while numbers and not lines[numbers[-1] - 1].strip():
        numbers = numbers[:-1]
    return numbers
