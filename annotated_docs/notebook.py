"""A Python page as a Jupyter notebook: its notes as Markdown cells, its code as code cells.

A code cell is always whole statements: a section that starts inside a function or class
(its notes are comments or a docstring there) stays in the cell of the statement around it,
with its comments as written in the source, so every cell runs. Cell ids are numbered, not
random, so the same source gives the same bytes.
"""
import ast
import re
from pathlib import Path

from . import sections

_FRONT_MATTER = re.compile(r"\A\s*---\s*\n.*?\n---\s*\n", re.DOTALL)


def notebook_cells(source: str, file: Path) -> list[tuple[str, str]]:
    """[("markdown" | "code", text), ...] in the page's order."""
    lines = source.splitlines()
    cells: list[tuple[str, str]] = []
    start = end = None

    def complete() -> bool:
        if start is None:
            return True
        try:
            ast.parse("\n".join(lines[start - 1:end]))
        except SyntaxError:
            return False
        return True

    def flush():
        if start is not None:
            code = "\n".join(lines[start - 1:end]).strip("\n")
            if code.strip():
                cells.append(("code", code))

    for raw in sections.split_python(source, file):
        first = raw.code_lines[0] if raw.code_lines else None
        top_level = first is None or not lines[first - 1][:1].isspace()
        if top_level and complete():
            flush()
            notes = _FRONT_MATTER.sub("", raw.notes).strip()
            if notes:
                cells.append(("markdown", notes))
            start, end = (first, raw.code_lines[-1]) if first else (None, None)
        elif first is not None:
            start = start or first
            end = max(end or 0, raw.code_lines[-1])
    flush()
    return cells


def render_notebook(source: str, file: Path, title: str) -> bytes:
    import nbformat
    from nbformat import v4
    notebook = v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "title": title})
    # Cells as plain nodes, validated once with the notebook (`new_*_cell` validates each)
    for number, (kind, text) in enumerate(notebook_cells(source, file)):
        cell = {"cell_type": kind, "id": f"cell-{number}", "metadata": {}, "source": text}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        notebook.cells.append(nbformat.from_dict(cell))
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")
