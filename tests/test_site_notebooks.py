"""Every page's notebook runs top to bottom in a plain Jupyter kernel: an install cell first,
a papermill parameters cell for commands, no `sys.exit`, no reading of the kernel's argv.
The study's and one paper page's notebooks are executed headless (nbclient + ipykernel) with
tiny parameters, as papermill would inject them."""
import ast
import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
NOTEBOOKS = sorted(DOCS.rglob("*.ipynb"))


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def python(cell_source: str) -> str:
    """A cell as Python, its IPython magics as the calls IPython makes of them."""
    return re.sub(r"^(\s*)%(\w+)(.*)$", r"\1get_ipython().run_line_magic('\2', '''\3''')", cell_source, flags=re.M)


def _runs_at_top_level(tree) -> list[str]:
    """What a cell does when it runs (function and class bodies only define) that a kernel
    cannot take: exiting, reading argv, parsing the command line, a `__main__` block."""
    found = []

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            for decorator in getattr(node, "decorator_list", []):
                visit(decorator)
            return
        text = ast.unparse(node) if isinstance(node, (ast.Call, ast.Attribute, ast.Compare)) else ""
        if isinstance(node, ast.Call) and re.match(r"(sys\.exit|exit|quit|run_command)\(|.*parse_args\(\)$", text):
            found.append(text)
        if isinstance(node, ast.Attribute) and text == "sys.argv":
            found.append(text)
        if isinstance(node, ast.Compare) and "__main__" in text:
            found.append(text)
        for child in ast.iter_child_nodes(node):
            visit(child)
    visit(tree)
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.relative_to(DOCS).as_posix())
def test_every_notebook_runs_in_a_kernel_as_written(notebook):
    found = cells(notebook)
    first = source(found[0])
    assert found[0]["cell_type"] == "code" and "%pip install" in first and "find_spec" in first
    code = [source(cell) for cell in found if cell["cell_type"] == "code"]
    for text in code:
        assert not _runs_at_top_level(ast.parse(python(text))), text[:300]
    commands = [text for text in code if re.fullmatch(r"results = \w+\(options\)", text.strip())]
    parameters = [cell for cell in found if "parameters" in cell["metadata"].get("tags", [])]
    assert len(parameters) == len(commands) <= 1
    if commands:
        assert found.index(parameters[0]) < [source(cell) for cell in found].index(commands[0])
        assert "options = []" in source(parameters[0])


def test_commands_get_a_parameters_cell_and_other_main_blocks_run_as_statements():
    def command_cells(name):
        return [source(cell) for cell in cells(DOCS / name)]
    assert "results = main(options)" in command_cells("experiment.ipynb")
    assert "results = main(options)" in command_cells("paper/temperature_gradients.ipynb")
    # large.py's `__main__` block prints parameter counts: kept, unindented
    assert any(text.startswith("for model in (MnistTeacher()") for text in command_cells("large.ipynb"))


def _execute(notebook: Path, options: list[str], workdir: Path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # the kernel imports this checkout, as the install cell's `find_spec` then finds it
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    read = nbformat.read(str(notebook), as_version=4)
    at = next(number for number, cell in enumerate(read.cells) if "parameters" in cell.metadata.get("tags", []))
    # papermill's way: a cell after the parameters cell that overrides them
    injected = nbformat.v4.new_code_cell(f"options = {options!r}")
    injected.metadata["tags"] = ["injected-parameters"]
    read.cells.insert(at + 1, injected)
    client = nbclient.NotebookClient(read, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return read


def _outputs(notebook) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []) if output.get("output_type") == "stream")


def test_the_study_notebook_runs_headless_with_tiny_parameters(tmp_path, monkeypatch):
    out = tmp_path / "out"
    executed = _execute(DOCS / "experiment.ipynb",
                        ["--seeds", "0", "--epochs", "1", "--train-subset", "64",
                         "--output-dir", str(out), "--logs-dir", str(tmp_path / "logs")], tmp_path, monkeypatch)
    errors = [output for cell in executed.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert not errors
    results = json.loads((out / "results.json").read_text())
    printed = _outputs(executed)
    assert "distilled" in results["runs"]["0"]
    assert f'{results["summary"]["distilled"]["accuracy_mean"]:.2f}' in printed


def test_a_paper_page_notebook_runs_headless_with_tiny_parameters(tmp_path, monkeypatch):
    out = tmp_path / "out"
    executed = _execute(DOCS / "paper" / "temperature_gradients.ipynb",
                        ["--seeds", "0", "--output-dir", str(out)], tmp_path, monkeypatch)
    assert not [output for cell in executed.cells for output in cell.get("outputs", [])
                if output.get("output_type") == "error"]
    written = json.loads((out / "temperature_gradients.json").read_text())
    assert written["page"] == "temperature_gradients" and written["seeds"] == [0]
    assert (out / "images" / "temperature_gradients.svg").is_file()
