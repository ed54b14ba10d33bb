r"""
---
title: Results files, plots and the results page
summary: >
  How every runnable page ends: a results JSON with the command and the machine, deterministic
  SVG plots, the mean ± sd formatter, and the marked blocks of the results page that are
  regenerated from that JSON.
---

# Results files, plots and the results page

Every number that the [results page](../paper/results.html) shows comes from a run. Each
runnable page (`python -m labml_nn_distill.paper.<page>`) ends with `run_page`, which
writes into its output folder (`--output-dir`, `results/` by default, which git ignores):

1. everything it measured, with the command, seeds and machine, to `<page>.json`;
2. its plots, into `images/<page>*.svg`;
3. a copy of the results page, `results.md`, with its block, the lines between
   `<!-- begin: <page> -->` and `<!-- end: <page> -->`, regenerated from that JSON alone.

A run never changes a file that git tracks: a quick check with one epoch, or a machine
whose CPU rounds differently, must not rewrite the published numbers. With `--publish`,
which maintainers pass to publish a run, the same three go to the committed places as well:
`labml_nn_distill/paper/results/<page>.json`, `paper/images/` and `paper/results.md`.

Step 3 is a pure function of the JSON, so `tests/test_distill_paper_results.py` can render
the block again from the committed JSON and compare: a number typed into the page by hand
fails the test.

The SVGs are deterministic too: matplotlib salts the ids in an SVG with a random string and
stamps the date, unless we fix the salt and drop the date. Then the same run gives the same
bytes, and git only sees a plot change when the numbers change. Every file goes through the
project's [one writer](files.html).
"""

import io
import json
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from labml_nn_distill.engineering.files import write_atomically, write_json, write_text
from labml_nn_distill.engineering.options import without_resume
from labml_nn_distill.engineering.provenance import results_code

# The paper's wing: the results page, its plots and the JSON files live there
PAPER = Path(__file__).resolve().parent.parent / 'paper'


@dataclass
class Outputs:
    """
    ### Where a page writes its JSON, its plots and its block of the results page
    """
    data_dir: Path
    images_dir: Path
    results_page: Path

    @classmethod
    def at(cls, output_dir: Path | None) -> 'Outputs':
        """
        ### Everything under `output_dir`; `None` for the committed places, which `--publish` updates
        """
        if output_dir is None:
            return cls(PAPER / 'results', PAPER / 'images', PAPER / 'results.md')
        return cls(output_dir, output_dir / 'images', output_dir / 'results.md')


def page_outputs(page: str) -> tuple[str, ...]:
    """
    ### What a page writes into its output folder, for the [options](options.html) to check first
    """
    return f'{page}.json', 'results.md', 'images/', f'images/{page}*.svg'


# What the study writes into its output folder
STUDY_OUTPUTS = ('results.json', 'accuracy.svg', 'errors.svg')


# ## Mean $\pm$ sd

def mean_sd(values: list[float]) -> tuple[float, float]:
    """
    ### Mean and sample standard deviation (0 for a single value)
    """
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def format_mean_sd(mean: float, sd: float, n: int, digits: int = 1, single_digits: int | None = None,
                   sign: str = '') -> str:
    """
    ### `27.3 ± 2.1` over several seeds; over one seed the value alone

    `single_digits` (default `digits`) is how many decimals a value of one seed shows: 0 for
    a count of errors, which is whole. `sign='+'` shows the sign of a difference.
    """
    if n > 1:
        return f'{mean:{sign}.{digits}f} ± {sd:.{digits}f}'
    return f'{mean:{sign}.{digits if single_digits is None else single_digits}f}'


# ## The run's record

def machine() -> str:
    """
    ### The machine, in words: CPU model, cores, torch threads and version
    """
    model = platform.processor() or platform.machine()
    if Path('/proc/cpuinfo').exists():
        names = re.findall(r'^model name\s*:\s*(.*)$', Path('/proc/cpuinfo').read_text(), re.MULTILINE)
        model = names[0].strip() if names else model
    threads = torch.get_num_threads()
    return (f'{model}, {os.cpu_count()} cores, {threads} torch thread{"s" if threads > 1 else ""}, '
            f'torch {torch.__version__}, Python {platform.python_version()}')


# Options that say where files are read and written, or that a run publishes or continues,
# not what it computes; a results JSON's command leaves them out. `--resume` may be followed
# by a uuid, and `--allow-code-change` only goes with it.
WHERE_OPTIONS = ('--output-dir', '--logs-dir', '--data-dir')
HOW_FLAGS = ('--publish', '--resume', '--allow-code-change')


def what_it_computes(argv: list[str]) -> list[str]:
    """
    ### The command's arguments without `WHERE_OPTIONS` (and their values) and `HOW_FLAGS` (and a uuid after `--resume`)
    """
    kept, arguments = [], iter(without_resume(argv))
    for argument in arguments:
        name = argument.split('=')[0]
        if name in WHERE_OPTIONS and '=' not in argument:
            next(arguments, None)
        elif name not in WHERE_OPTIONS and name not in HOW_FLAGS:
            kept.append(argument)
    return kept


def run_record(page: str, argv: list[str] | None, started: float, runs=None) -> dict:
    """
    ### What every results JSON records about its run

    `command_s` is this command's own time; `training` the training time of the runs of its
    study, over every sitting (see [the runs](runs.html)), when it has
    runs. The command that publishes may only have taken them from their finished runs.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    return {'command': ' '.join(['python -m', f'labml_nn_distill.paper.{page}', *what_it_computes(argv)]),
            'machine': machine(), 'command_s': round(time.perf_counter() - started, 1),
            **({'training': runs.training_time()} if runs is not None else {}),
            'code': results_code(page)}


def time_taken(results: dict) -> str:
    """
    ### How long the numbers took, as a results block says it

    The training of the study's runs when it has any, else the command's own time.
    """
    training = results.get('training') or {}
    if not training.get('runs'):
        return f'{results["command_s"]:.1f} s'
    kills = training['kills']
    return (f'{training["minutes"]:.0f} minutes of training summed over its {training["runs"]} runs'
            + (f' ({kills} pause{"s" if kills > 1 else ""} after a kill counted as a typical step)' if kills else ''))


def save_svg(figure, path: Path):
    """
    ### Save a matplotlib figure as a deterministic SVG

    A fixed `svg.hashsalt` gives the same element ids every time; `Date: None` leaves out
    the timestamp; `svg.fonttype: 'path'` draws text as outlines, so the plot looks the same
    whatever fonts the reader has.
    """
    import matplotlib
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    with matplotlib.rc_context({'svg.hashsalt': 'labml_nn_distill', 'svg.fonttype': 'path'}):
        figure.savefig(buffer, format='svg', metadata={'Date': None})
    plt.close(figure)
    write_atomically(path, buffer.getvalue())


def pyplot():
    """
    ### matplotlib's `pyplot` on the `Agg` backend, which needs no display
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def html_table(header: list[str], rows: list[list[str]]) -> str:
    """
    ### A table in HTML

    The site renders CommonMark, which has no pipe tables; HTML blocks pass through.
    Columns after the first are right-aligned numbers.
    """
    def row(cells, tag):
        return '<tr>' + ''.join(f'<{tag}{"" if i == 0 else " align=right"}>{cell}</{tag}>'
                                for i, cell in enumerate(cells)) + '</tr>'
    lines = ['<table>', row(header, 'th'), *(row(cells, 'td') for cells in rows), '</table>']
    return '\n'.join(lines)


def begin_marker(page: str) -> str:
    """
    ### The HTML comment that opens the block of `page`
    """
    return f'<!-- begin: {page} -->'


def end_marker(page: str) -> str:
    """
    ### The HTML comment that closes it
    """
    return f'<!-- end: {page} -->'


def page_block(text: str, page: str) -> str | None:
    """
    ### The generated block of `page` in the results page's text, or `None`
    """
    found = re.search(re.escape(begin_marker(page)) + r'\n(.*?)\n' + re.escape(end_marker(page)),
                      text, re.DOTALL)
    return found.group(1) if found else None


def replace_block(text: str, page: str, block: str, order: list[str] = ()) -> str:
    """
    ### Put `block` between the markers of `page`, or add a new marked block where `order` puts it

    `order` lists pages in the order of their blocks on the results page (the reading order of
    the pages); a new block goes before the first block of a page that comes after it, pages
    not in `order` coming last, or at the end.
    """
    marked = f'{begin_marker(page)}\n{block}\n{end_marker(page)}'
    if page_block(text, page) is not None:
        pattern = re.escape(begin_marker(page)) + r'\n.*?\n' + re.escape(end_marker(page))
        return re.sub(pattern, lambda _: marked, text, count=1, flags=re.DOTALL)

    def position(name: str) -> int:
        return order.index(name) if name in order else len(order)

    for found in re.finditer(r'<!-- begin: (\w+) -->', text):
        if position(found.group(1)) > position(page):
            return text[:found.start()] + marked + '\n\n' + text[found.start():]
    return text.rstrip('\n') + f'\n\n{marked}\n'


# What a rerun changes although it measured the same: the run's identity, its duration,
# the machine, and how the command was spelled
VOLATILE = {'uuid', 'command_s', 'training', 'machine', 'command', 'commit'}


def comparable(results):
    """
    ### The results without their volatile fields, for comparing two runs
    """
    if isinstance(results, dict):
        return {key: comparable(value) for key, value in results.items() if key not in VOLATILE}
    if isinstance(results, list):
        return [comparable(value) for value in results]
    return results


def as_stored(results: dict) -> dict:
    """
    ### The results as their JSON holds them: keys sorted, tuples become lists

    A block is made from this, never from the dict a page computed: the test that a block
    equals what its committed JSON renders must hold by construction, even for a page that
    lists a dict's entries in their order (computed order before writing, sorted after).
    """
    return json.loads(json.dumps(results, sort_keys=True))


def publish(page: str, results: dict, markdown: str, outputs: Outputs, order: list[str] = ()) -> bool:
    """
    ### Write the JSON and regenerate the page's block of the results page

    Only when the numbers changed. A rerun that measured exactly what the JSON already
    holds (the CPU path is deterministic) leaves the JSON and the page as they are, so
    running a page, or the study, does not make the committed site stale.
    """
    json_path = outputs.data_dir / f'{page}.json'
    if json_path.exists() and comparable(json.loads(json_path.read_text())) == comparable(as_stored(results)):
        print(f'Results: the same numbers as {json_path}; it and the results page are left as they are.')
        return False
    write_json(json_path, results)
    # A results page under `--output-dir` starts as a copy of the committed one
    page_path = outputs.results_page
    text = page_path.read_text() if page_path.exists() else (PAPER / 'results.md').read_text()
    write_text(page_path, replace_block(text, page, markdown, order))
    print(f'Results: {outputs.data_dir / f"{page}.json"}; page: {page_path}; plots: {outputs.images_dir}')
    return True


def run_page(page: str, results: dict, markdown, plot, output_dir: Path, to_repository: bool = False,
             order: list[str] = ()) -> dict:
    """
    ### How every page of the paper's wing ends

    Draw the plots, write the JSON and the page's block of the results page (`markdown` turns
    the results into that block) into `output_dir`, and with `to_repository` (`--publish`)
    into the committed places too; print the block, and return the results. `order` is the
    order of the blocks on the results page.
    """
    block = markdown(as_stored(results))
    places = [Outputs.at(output_dir), Outputs.at(None)] if to_repository else [Outputs.at(output_dir)]
    for outputs in places:
        plot(results, outputs)
        publish(page, results, block, outputs, order)
    print(block)
    return results


# ## The study's record

def publish_study(results: dict, markdown, output_dir: Path, argv: list[str] | None, to_repository: bool) -> str:
    """
    ### The study's block of the results page; with `to_repository` (`--publish`), on the committed page

    The study's own `results.json` holds every run's history; the results page needs less,
    so the study publishes a record of the numbers its block shows, with the plots it drew
    into `output_dir`.
    """
    keep = ('dataset', 'seeds', 'temperature', 'alpha', 'label_smoothing', 'train_examples', 'test_examples',
            'parameters', 'summary', 'command_s', 'training', 'device', 'threads')
    argv = list(sys.argv[1:] if argv is None else argv)
    record = {**{key: results[key] for key in keep if key in results},
              'command': ' '.join(['python -m labml_nn_distill.experiment', *what_it_computes(argv)]),
              'machine': machine(), 'code': results_code('experiment'),
              'runs': {seed: {phase: {'uuid': run['uuid'], 'test_errors': run['test_errors']}
                              for phase, run in phases.items()} for seed, phases in results['runs'].items()}}
    block = markdown(as_stored(record))
    outputs = Outputs.at(None)
    # The study's block comes first: the study is the essay's, before the paper's pages
    if to_repository and publish('experiment', record, block, outputs, order=['experiment']):
        # The study's own plots, under the names the block shows
        for name in ('accuracy', 'errors'):
            write_atomically(outputs.images_dir / f'experiment_{name}.svg', (Path(output_dir) / f'{name}.svg').read_bytes())
    return block
