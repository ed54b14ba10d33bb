"""`annotated_docs/translations/` stands alone: it imports nothing from the rest of the
generator (the generator imports it and hands it the English keys)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "annotated_docs" / "translations"


def imports_leaving_the_package(module: Path, package: Path = PACKAGE) -> list[str]:
    """`file:line: import` for every import of annotated_docs outside `translations`, and
    every relative import that climbs out of `package`."""
    levels_inside = len(module.relative_to(package).parts)    # `.` from a module at the top
    found = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"), filename=str(module))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""] if node.module != "annotated_docs" else \
                [f"annotated_docs.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            dots = "." * node.level
            names = [] if node.level <= levels_inside else \
                [dots + node.module] if node.module else [dots + alias.name for alias in node.names]
        else:
            continue
        for name in names:
            inside = name == "annotated_docs.translations" or name.startswith("annotated_docs.translations.")
            if name.startswith(".") or (name.split(".")[0] == "annotated_docs" and not inside):
                found.append(f"{module.name}:{node.lineno}: {name}")
    return found


def test_translations_package_imports_nothing_from_the_generator():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert modules, f"no modules under {PACKAGE}"
    leaving = [found for module in modules for found in imports_leaving_the_package(module)]
    assert not leaving, "the translations package must not import the generator:\n" + "\n".join(leaving)


def test_the_import_check_sees_generator_imports(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from annotated_docs import i18n\nimport annotated_docs.pages\n"
                      "from .. import build\nfrom . import jsonfile\n"
                      "def f():\n    from annotated_docs.translations import cli\n", encoding="utf-8")
    assert imports_leaving_the_package(module, package=tmp_path) == [
        "bad.py:1: annotated_docs.i18n", "bad.py:2: annotated_docs.pages", "bad.py:3: ..build"]
