r"""
---
title: The code a run executed
summary: >
  A run records the SHA-256 of the code of every file of the package it imported, their
  notes left out, so that resuming it with other code is refused and a result can be traced
  to the code that computed it.
---

# The code a run executed

A run records the code it was started with, `source.json` in its folder: the SHA-256 of the
code of every file of the package that it runs. Resuming with other code would continue a
run that is no longer one experiment, so the [run engine](runs.html) refuses, naming the
files that changed, unless told `--allow-code-change`.

The digest is of the code, not the text. The notes of a literate package (its comments and
docstrings) change often and change nothing a run computes, so a file's digest is that of
its syntax tree without docstrings (comments are not in the tree at all): a reworded note
keeps the digest, a changed line of code changes it.
"""

import ast
import hashlib
import json
import sys
from pathlib import Path

from labml_nn_distill.engineering.files import write_json

# The run's record of its code, and the package it records
SOURCE_FILE = 'source.json'
PACKAGE = Path(__file__).resolve().parents[1]


def source_digests(names: list[str] | None = None) -> dict[str, str]:
    """
    ### The SHA-256 of the code of the package's files, by path inside it

    By default the files this process has imported, which are the code the run executes (the
    study never imports the paper's pages). The code, not the text: the notes (comments and
    docstrings) of a literate package change often and change nothing a run computes, so the
    digest is of the syntax tree without them. A file that is gone has digest `None`.
    """
    if names is None:
        files = {getattr(module, '__file__', None) for module in list(sys.modules.values())}
        names = sorted(str(Path(file).relative_to(PACKAGE)) for file in files
                       if file and Path(file).is_relative_to(PACKAGE) and file.endswith('.py'))
    return {name: hashlib.sha256(code_of((PACKAGE / name).read_text()).encode()).hexdigest()
            if (PACKAGE / name).is_file() else None for name in names}


def code_of(source: str) -> str:
    """
    ### A Python file's syntax tree without its docstrings, as text (comments are not in the tree)
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, 'body', None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def record_source(run_path: Path):
    """
    ### Record the code of a new run in its `source.json`; a resumed run keeps its record
    """
    if not (run_path / SOURCE_FILE).exists():
        write_json(run_path / SOURCE_FILE, source_digests())


def source_changes(run_path: Path) -> list[str]:
    """
    ### The package's files that differ from the run's record: `large.py (changed)`, ...

    A run without a record (started before runs kept one) has nothing to compare.
    """
    path = run_path / SOURCE_FILE
    if not path.exists():
        return []
    recorded = json.loads(path.read_text())
    now = source_digests(list(recorded))
    return [f'{name} ({"removed" if now[name] is None else "changed"})'
            for name in sorted(recorded) if recorded[name] != now[name]]
