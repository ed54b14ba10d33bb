r"""
---
title: Results files, plots and the results page
summary: >
  What the paper's pages share: the command line, teachers reused between pages, a results
  JSON per page, deterministic SVG plots, and the marked blocks of the results page that
  are regenerated from that JSON.
---

# Results files, plots and the results page

Every number that the [results page](results.md) shows comes from a run. Each runnable page
(`python -m labml_nn_distill.<page>`) ends the same way:

1. it writes everything it measured, with the command, seeds and machine, to
   `labml_nn_distill/results/<page>.json`;
2. it draws its plots into `labml_nn_distill/images/<page>*.svg`;
3. it regenerates its block of `results.md`, the lines between
   `<!-- begin: <page> -->` and `<!-- end: <page> -->`, from that JSON alone.

Step 3 is a pure function of the JSON, so `tests/test_distill_paper_results.py` can render
the block again from the committed JSON and compare: a number typed into the page by hand
fails the test. With `--output-dir DIR` they go to `DIR/<page>.json`, `DIR/images/` and
`DIR/results.md` instead (the tests use this), and the committed page is left alone.

The SVGs are deterministic too: matplotlib salts the ids in an SVG with a random string and
stamps the date, unless we fix the salt and drop the date. Then the same run gives the same
bytes, and git only sees a plot change when the numbers change.
"""

import argparse
import json
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from labml_nn_distill.dataset import ImageData, load_mnist5k
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.train import TrainConfigs, evaluate, train

# The package folder: the results page, its plots and the JSON files live here
PACKAGE = Path(__file__).resolve().parent
# Teacher epochs on the embedded digits: 10, against the study's 15, to keep every page's
# default run to minutes
TEACHER_EPOCHS = 10


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
        ### The committed places, or everything under `output_dir`
        """
        if output_dir is None:
            return cls(PACKAGE / 'results', PACKAGE / 'images', PACKAGE / 'results.md')
        return cls(output_dir, output_dir / 'images', output_dir / 'results.md')


def arguments(page: str, description: str, seeds: list[int], epochs: int,
              teacher_epochs: int = TEACHER_EPOCHS) -> argparse.ArgumentParser:
    """
    ### The options every page has

    A page adds its own options to the parser this returns.
    """
    parser = argparse.ArgumentParser(prog=f'python -m labml_nn_distill.{page}', description=description)
    parser.add_argument('--seeds', type=int, nargs='+', default=seeds,
                        help=f'seeds of teachers, students and batch order (default: {seeds})')
    parser.add_argument('--epochs', type=int, default=epochs,
                        help=f'epochs of every student (default: {epochs})')
    parser.add_argument('--teacher-epochs', type=int, default=teacher_epochs,
                        help=f'epochs of every teacher (default: {teacher_epochs})')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (default: 1; see the notes)')
    parser.add_argument('--train-subset', type=int, default=None,
                        help='train on only the first N training digits, for quick checks')
    parser.add_argument('--output-dir', type=Path, default=None,
                        help='write the JSON, plots and results page under this folder instead '
                             'of updating the committed ones in labml_nn_distill/')
    parser.add_argument('--logs-dir', type=Path, default=None,
                        help='where labml writes runs, and where teachers are reused from '
                             '(default: logs/ beside .labml.yaml)')
    return parser


def setup(args: argparse.Namespace) -> tuple[ImageData, Path]:
    """
    ### The embedded digits, the CPU threads, and the labml logs folder

    One thread by default: on a machine shared with other jobs, two threads that wait for
    each other at every operation ran a teacher epoch ten times slower than one thread did.
    Each thread count is deterministic on its own, but may round differently from another.
    """
    torch.set_num_threads(args.threads)
    from labml import lab
    logs_dir = Path(args.logs_dir or lab.get_experiments_path()).resolve()
    data = load_mnist5k(split_seed=0)
    if args.train_subset is not None:
        data.train_images = data.train_images[:args.train_subset]
        data.train_labels = data.train_labels[:args.train_subset]
    return data, logs_dir


def trained_teacher(data: ImageData, seed: int, epochs: int, logs_dir: Path) -> tuple[MnistTeacher, dict]:
    """
    ### The teacher of `seed`, loaded from an earlier page's labml run or trained now

    Training is deterministic, so a teacher with the same seed, epochs and training set is
    the same network: the pages share their teachers through the labml runs of
    `logs/mnist5k_paper_teacher/`, instead of training three teachers per page.
    """
    teacher = MnistTeacher()
    key = {'study_seed': seed, 'teacher_epochs': epochs, 'train_examples': len(data.train_labels),
           'split_seed': 0}
    # Look for a finished teacher run with the same configuration
    for path in sorted((logs_dir / 'mnist5k_paper_teacher').glob('*/checkpoints/*/model.pt')):
        try:
            checkpoint = torch.load(path, map_location='cpu', weights_only=True)
        except Exception:
            continue
        if all(checkpoint.get(name) == value for name, value in key.items()):
            teacher.load_state_dict(checkpoint['model'])
            return teacher, {'uuid': path.parents[2].name, 'test_errors': evaluate(teacher, data)['errors']}
    # None: train one, with dropout and jitter, like the study's teacher
    result = train(teacher, data, TrainConfigs(epochs=epochs, augment=True, seed=seed),
                   'mnist5k_paper_teacher', logs_dir=logs_dir, extra_configs=key)
    return teacher, {'uuid': result.uuid, 'test_errors': result.test_errors}


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


def run_record(page: str, argv: list[str] | None, started: float) -> dict:
    """
    ### What every results JSON records about its run
    """
    argv = sys.argv[1:] if argv is None else argv
    return {'command': ' '.join(['python -m', f'labml_nn_distill.{page}', *argv]),
            'machine': machine(), 'wall_time_s': round(time.perf_counter() - started, 1)}


def save_svg(figure, path: Path):
    """
    ### Save a matplotlib figure as a deterministic SVG

    A fixed `svg.hashsalt` gives the same element ids every time; `Date: None` leaves out
    the timestamp; `svg.fonttype: 'path'` draws text as outlines, so the plot looks the same
    whatever fonts the reader has.
    """
    import matplotlib
    import matplotlib.pyplot as plt
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({'svg.hashsalt': 'labml_nn_distill', 'svg.fonttype': 'path'}):
        figure.savefig(path, format='svg', metadata={'Date': None})
    plt.close(figure)


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


def replace_block(text: str, page: str, block: str) -> str:
    """
    ### Put `block` between the markers of `page`, or append a new marked block
    """
    marked = f'{begin_marker(page)}\n{block}\n{end_marker(page)}'
    if page_block(text, page) is None:
        return text.rstrip('\n') + f'\n\n{marked}\n'
    pattern = re.escape(begin_marker(page)) + r'\n.*?\n' + re.escape(end_marker(page))
    return re.sub(pattern, lambda _: marked, text, count=1, flags=re.DOTALL)


# What a rerun changes although it measured the same: the run's identity, its duration,
# the machine, and how the command was spelled
VOLATILE = {'uuid', 'wall_time_s', 'machine', 'command'}


def measured(results):
    """
    ### The results without their volatile fields, for comparing two runs
    """
    if isinstance(results, dict):
        return {key: measured(value) for key, value in results.items() if key not in VOLATILE}
    if isinstance(results, list):
        return [measured(value) for value in results]
    return results


def publish(page: str, results: dict, markdown: str, outputs: Outputs) -> bool:
    """
    ### Write the JSON and regenerate the page's block of the results page

    Only when the numbers changed. A rerun that measured exactly what the JSON already
    holds (the CPU path is deterministic) leaves the JSON and the page as they are, so
    running a page, or the study, does not make the committed site stale.
    """
    json_path = outputs.data_dir / f'{page}.json'
    if json_path.exists() and measured(json.loads(json_path.read_text())) == measured(json.loads(json.dumps(results))):
        print(f'Results: the same numbers as {json_path}; it and the results page are left as they are.')
        return False
    outputs.data_dir.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1, sort_keys=True) + '\n')
    # A results page under `--output-dir` starts as a copy of the committed one
    page_path = outputs.results_page
    text = page_path.read_text() if page_path.exists() else (PACKAGE / 'results.md').read_text()
    page_path.write_text(replace_block(text, page, markdown))
    print(f'Results: {outputs.data_dir / f"{page}.json"}; page: {page_path}; plots: {outputs.images_dir}')
    return True


def study_markdown(results: dict) -> str:
    """
    ### The study's block of the results page, from the study's results JSON
    """
    summary, n = results['summary'], len(results['seeds'])

    def value(mean, sd, digits):
        return f'{mean:.{digits}f}' if n == 1 else f'{mean:.{digits}f} ± {sd:.{digits}f}'

    rows = [[phase.replace('_', ' '), f'{results["parameters"][phase]:,}',
             value(summary[phase]['accuracy_mean'], summary[phase]['accuracy_sd'], 2),
             value(summary[phase]['errors_mean'], summary[phase]['errors_sd'], 0 if n == 1 else 1)]
            for phase in ('teacher', 'baseline', 'distilled', 'label_smoothing')]
    gain = summary['paired_gain']
    return '\n'.join([
        '## The study',
        '',
        f'From [experiment.py](experiment.py): `{results["command"]}` '
        f'(seed{"s" if n > 1 else ""} {", ".join(map(str, results["seeds"]))}; T = {results["temperature"]:g}, '
        f'α = {results["alpha"]:g}; {results["train_examples"]:,} training digits; '
        f'{results["wall_time_s"]:.1f} s on {results["machine"]}). Test accuracy and errors on '
        f'the 1,000 test digits, mean ± sd over seeds.',
        '',
        html_table(['model', 'parameters', 'test accuracy (%)', 'test errors'], rows),
        '',
        f'Paired gain of distillation over the baseline: {value(gain["mean"], gain["sd"], 2)} '
        f'points of accuracy (per seed: {", ".join(f"{g:.2f}" for g in gain["per_seed"])}).',
        '',
        '![Test accuracy after each epoch](images/experiment_accuracy.svg)',
        '',
        '![Test errors per model](images/experiment_errors.svg)',
    ])


def publish_study(results: dict, output_dir: Path, argv: list[str]):
    """
    ### Show the study on the results page, if it wrote to the repository's `results/`

    A study written anywhere else (a test's folder, a user's experiment) leaves the page alone.
    """
    if Path(output_dir).resolve() != PACKAGE.parent / 'results':
        return
    keep = ('dataset', 'seeds', 'temperature', 'alpha', 'label_smoothing', 'train_examples',
            'parameters', 'summary', 'wall_time_s', 'device', 'threads')
    record = {**{key: results[key] for key in keep if key in results},
              'command': ' '.join(['python -m labml_nn_distill.experiment', *argv]), 'machine': machine(),
              'runs': {seed: {phase: {'uuid': run['uuid'], 'test_errors': run['test_errors']}
                              for phase, run in phases.items()} for seed, phases in results['runs'].items()}}
    outputs = Outputs.at(None)
    if publish('experiment', record, study_markdown(record), outputs):
        # The study's own plots, under the names the block shows
        outputs.images_dir.mkdir(parents=True, exist_ok=True)
        for name in ('accuracy', 'errors'):
            (outputs.images_dir / f'experiment_{name}.svg').write_bytes((Path(output_dir) / f'{name}.svg').read_bytes())
