"""A Python page as a Jupyter notebook: its notes as Markdown cells, its code as code cells.

A code cell is always whole statements: a section that starts inside a function or class
(its notes are comments or a docstring there) stays in the cell of the statement around it,
with its comments as written in the source, so every cell runs. Cell ids are numbered, not
random, so the same source gives the same bytes.

A notebook runs top to bottom in a plain Jupyter kernel (Colab's too):

* its first cell installs the project when the kernel cannot import it;
* a command's `if __name__ == '__main__': run_command(main)` becomes a parameters cell
  (tagged `parameters`, papermill's convention: `options = []`, the command line options a
  reader or a test sets) and a cell that calls `main(options)`: no `sys.exit`, and the
  kernel's own argv (`-f kernel.json`) is never parsed;
* any other `__main__` block runs as plain statements, or, when it reads `sys.argv`, is
  left out with a note to run it from a shell; an `if __package__ ...:` block (a script's
  own path setup, which reads `__file__`) is left out.
"""
import ast
import re
import textwrap
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


PARAMETERS = "parameters"


def install_cell(package: str, install_from: str) -> str:
    """The first cell: install the project where the kernel lacks it."""
    return ("# Install this project where the kernel cannot import it yet (Colab, a fresh\n"
            "# environment); in a checkout installed with `pip install -e .` this does nothing\n"
            "import importlib.util\n"
            f"if importlib.util.find_spec({package!r}) is None:\n"
            f"    %pip install --quiet {install_from}")


def runnable(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The cells with each top-level `if __name__ == '__main__':` made to run in a kernel."""
    shown = []
    for kind, text in cells:
        if kind != "code":
            shown.append((kind, text))
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            shown.append((kind, text))
            continue
        lines, added = text.splitlines(), []
        for node in reversed(tree.body):
            if _is_script_bootstrap(node):
                # `if __package__ in (None, ''): sys.path.insert(...)`: what running the file
                # as a script needs (it reads `__file__`, which a kernel has not); the install
                # cell does this job in a notebook
                del lines[node.lineno - 1:node.end_lineno]
                continue
            if not _is_main_block(node):
                continue
            body = lines[node.body[0].lineno - 1:node.end_lineno]
            del lines[node.lineno - 1:node.end_lineno]
            command = _command(node)
            if command:
                added = [(PARAMETERS, "# The command line options, as a list of strings: papermill sets them,\n"
                                      "# and so can you (\"--help\" lists them)\noptions = []"),
                         ("code", f"results = {command}(options)")] + added
            elif "sys.argv" in "\n".join(body):
                added = [("markdown", "Run this page's command from a shell: it reads its command line.")] + added
            else:
                added = [("code", textwrap.dedent("\n".join(body)))] + added
        rest = "\n".join(lines).strip("\n")
        if rest.strip():
            shown.append((kind, rest))
        shown += added
    return shown


def _is_main_block(node) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"
            and len(node.test.comparators) == 1 and isinstance(node.test.comparators[0], ast.Constant)
            and node.test.comparators[0].value == "__main__")


def _is_script_bootstrap(node) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__package__")


def _command(node) -> str:
    """`main` for a block that is only `run_command(main)`, else ''."""
    if len(node.body) == 1 and isinstance(node.body[0], ast.Expr):
        call = node.body[0].value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "run_command"
                and len(call.args) == 1 and isinstance(call.args[0], ast.Name)):
            return call.args[0].id
    return ""


def render_notebook(source: str, file: Path, title: str, package: str = "",
                    install_from: str = "") -> bytes:
    """The notebook of one page; with `package`, a first cell that installs it (`%pip install
    install_from`, the package's name by default) where the kernel cannot import it."""
    import nbformat
    from nbformat import v4
    notebook = v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "title": title})
    cells = runnable(notebook_cells(source, file))
    if package:
        cells.insert(0, ("code", install_cell(package, install_from or package)))
    # Cells as plain nodes, validated once with the notebook (`new_*_cell` validates each)
    for number, (kind, text) in enumerate(cells):
        metadata = {"tags": [PARAMETERS]} if kind == PARAMETERS else {}
        kind = "code" if kind == PARAMETERS else kind
        cell = {"cell_type": kind, "id": f"cell-{number}", "metadata": metadata, "source": text}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        notebook.cells.append(nbformat.from_dict(cell))
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")
