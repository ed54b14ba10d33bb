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

## The code behind a published number

A published number must come from the code on its page. Every results JSON records
`code`: the digest of the code that computed its numbers, file by file, and
`tests/test_distill_provenance.py` fails when that code has changed since; the page must then
be run again and published. What counts as that code, and why:

* the essay that every page trains with: the loss (`__init__.py`), the models (`large.py`,
  `small.py`), the data (`dataset.py`) and the training loop (`train.py`);
* the page's own module (`experiment.py` for the study), and for the paper's pages the
  pieces they share (`paper/__init__.py`: teachers, the rule that chooses on validation) and
  the comparison that words every verdict (`paper/comparing.py`);
* but not the definitions that only present or publish numbers: `results_markdown` and
  `plot` (the page's block and figures, made from the JSON alone), `main`, and `Page` (the
  command line and publishing). Rewording a sentence of the results page must not make
  its numbers stale.

The engineering wing is left out too: it starts, checkpoints and resumes runs, and caches the
teacher's logits, and its tests check that none of that changes a number (a resumed run and a
cached teacher give the same weights as an uninterrupted run asked per batch).
"""

import ast
import hashlib
import json
import subprocess
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


def code_of(source: str, leave_out: frozenset = frozenset()) -> str:
    """
    ### A Python file's syntax tree without its docstrings, as text (comments are not in the tree)

    Top-level functions and classes named in `leave_out` are left out as well.
    """
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if getattr(node, 'name', None) not in leave_out]
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


# ## The code behind a results JSON

# The essay's files that every page's numbers come from
ESSAY_FILES = ['__init__.py', 'large.py', 'small.py', 'dataset.py', 'train.py']
# What the paper's pages share: teachers, choosing on validation, and comparing
PAPER_FILES = ['paper/__init__.py', 'paper/comparing.py']
# Definitions that only present or publish numbers
PRESENTATION = frozenset({'results_markdown', 'plot', 'main', 'Page'})


def results_files(page: str) -> list[str]:
    """
    ### The files whose code computes the numbers of `page` (`experiment`, or a paper page: `mnist`)
    """
    if page == 'experiment':
        return [*ESSAY_FILES, 'experiment.py']
    return [*ESSAY_FILES, *PAPER_FILES, f'paper/{page}.py']


def results_code(page: str) -> dict:
    """
    ### What a results JSON records of its code: each file's digest, and one digest of them all
    """
    files = {name: hashlib.sha256(code_of((PACKAGE / name).read_text(), PRESENTATION).encode()).hexdigest()
             for name in results_files(page)}
    return {'sha256': hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest(), 'files': files,
            'commit': git_commit(list(files))}


def git_commit(files: list[str]) -> str | None:
    """
    ### The checkout's commit, `+` marking files of `files` changed since it; `None` outside git
    """
    def git(*arguments: str) -> str:
        return subprocess.run(['git', *arguments], cwd=PACKAGE, capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    try:
        commit = git('rev-parse', 'HEAD')
        changed = git('status', '--porcelain', '--', *files)
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ('+' if changed else '')


def stale_code(results: dict, page: str) -> list[str]:
    """
    ### The files whose code changed since `results` were published; all of them when it records none
    """
    recorded = (results.get('code') or {}).get('files')
    if not recorded:
        return ['(no record of its code)']
    now = results_code(page)['files']
    return [name for name in sorted(set(now) | set(recorded)) if now.get(name) != recorded.get(name)]
