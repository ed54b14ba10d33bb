r"""
---
title: Options
summary: >
  The command-line options that the study and the paper's pages share, each defined once
  with the check of its value, so that every command rejects a bad value the same way
  before anything trains.
---

# Options

The study (`python -m labml_nn_distill.experiment`) and each page of the
[paper's experiments](../paper/index.html) take some of the same options: seeds, epochs,
the temperature, where results and runs go. Each is defined once here, with its check, and
a command asks for the ones it has, with its own defaults:

```python
parser = argparse.ArgumentParser(prog='python -m labml_nn_distill.paper.ensemble')
add_options(parser, seeds=[0, 1, 2], epochs=30, temperature=8.0, output_dir=None)
```

A value that fails its check stops the command at once, with argparse's one-line message
naming the option, before any data is loaded or any model trains. Every number has a range
with both ends: a seed of $2^{64}$, a batch of $10^{20}$ examples or $10^{23}$ epochs would
otherwise be taken, and fail (or never end) after the first model trained. That includes the
folders: `Parser` makes sure the output and logs folders can be written, that no directory
sits where a results file will go, and takes the output folder's [lock](files.html), when
it reads the command line, not when the results are ready an hour later.

## Where runs and results go

In a checkout of the repository, labml runs go to `logs/` beside `.labml.yaml`. An
installed copy has no `.labml.yaml` beside it (labml would look for one beside the
installed files, and write into `site-packages`), so its runs go to `logs/` in the
working directory. Results go to `results/` in the working directory either way; git
ignores both. Nothing a command writes is a file that git tracks: the results page and its
JSON and plots in `paper/` change only with `--publish`.

That holds whatever the folders are called and wherever the command runs. An output, logs
or data folder is taken by its real path (`..`, symbolic links and the working directory
resolved), and refused before anything trains when it lies inside the checkout, other than
in its gitignored `results/`, `logs/` or `data/` at the root, or inside the installed
package: `--output-dir labml_nn_distill/paper`, a link to it, `--logs-dir docs`, or the
default `results` while the working directory is `labml_nn_distill/paper`. An empty folder
name (`--output-dir ''`, which would be the working directory itself) is refused too.
"""

import argparse
import math
import os
import tempfile
from pathlib import Path

from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering.files import lock_folder
from labml_nn_distill.engineering.teacher_cache import TEACHER_LOGITS

# The repository, when the package is run from a checkout (`.labml.yaml` sits beside it)
REPOSITORY = Path(__file__).resolve().parents[2]
# The temperatures a command accepts: far outside them the soft targets are one-hot
# (small T) or uniform (large T), and the $T^2$-scaled loss overflows float32 at the extremes
TEMPERATURE_RANGE = (0.1, 100.0)
# The largest seed a command accepts
SEED_MAX = 2 ** 31 - 1
# The largest whole number any other option accepts (examples, batch sizes), and the
# ranges of those a number far below it already makes absurd
INT_MAX = 2 ** 31 - 1
EPOCHS_MAX = 10_000
THREADS_MAX = 1024
# The largest bias shift (in logits): far beyond the point where softmax is one-hot
BIAS_MAX = 1000.0
# The gitignored folders at the root of a checkout that commands may write into
WRITABLE_IN_CHECKOUT = ('results', 'logs', 'data')
# The installed package itself (in a checkout, a folder of the repository)
PACKAGE = Path(__file__).resolve().parents[1]
# How many epochs' `state.pt` a run keeps by default (resume needs the last; the one
# before it is the spare when the last is damaged)
KEEP_CHECKPOINTS = 2


def positive_float(text: str) -> float:
    """
    ### A finite number greater than zero
    """
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f'must be a finite number greater than 0, got {text}')
    return value


def non_negative_float(text: str) -> float:
    """
    ### A number from 0 to `BIAS_MAX` (a bias shift)
    """
    value = float(text)
    # NaN fails both comparisons, infinities one
    if not 0 <= value <= BIAS_MAX:
        raise argparse.ArgumentTypeError(f'must be a number from 0 to {BIAS_MAX:g}, got {text}')
    return value


def valid_temperature(text: str) -> float:
    """
    ### A temperature $T$ in `TEMPERATURE_RANGE`
    """
    value = float(text)
    low, high = TEMPERATURE_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f'must be a number from {low:g} to {high:g}, got {text}')
    return value


def unit_float(text: str) -> float:
    r"""
    ### A number in $[0, 1]$ (the weight $\alpha$)
    """
    value = float(text)
    # NaN fails both comparisons, infinities one
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f'must be between 0 and 1, got {text}')
    return value


def valid_seed(text: str) -> int:
    """
    ### A seed: a whole number from 0 to $2^{31} - 1$, which every generator we seed accepts
    """
    return int_from(text, 0, SEED_MAX)


def int_from(text: str, low: int, high: int) -> int:
    """
    ### A whole number from `low` to `high`, or argparse's message naming the range
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'must be a whole number from {low} to {high}, got {text!r}') from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f'must be a whole number from {low} to {high}, got {text}')
    return value


def positive_int(text: str) -> int:
    """
    ### A whole number from 1 to $2^{31} - 1$ (subset sizes, batch sizes)
    """
    return int_from(text, 1, INT_MAX)


def valid_epochs(text: str) -> int:
    """
    ### A number of epochs, from 1 to `EPOCHS_MAX`
    """
    return int_from(text, 1, EPOCHS_MAX)


def valid_threads(text: str) -> int:
    """
    ### A number of torch threads, from 1 to `THREADS_MAX`
    """
    return int_from(text, 1, THREADS_MAX)


def kept_checkpoints(text: str) -> int | None:
    """
    ### How many epochs' checkpoints a run keeps: a whole number of at least 1, or `all` (`None`)
    """
    if text == 'all':
        return None
    try:
        return int_from(text, 1, INT_MAX)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f'must be a whole number of at least 1, or all, got {text!r}') from None


def folder(text: str) -> Path:
    """
    ### A folder's name: not empty (an empty name would be the working directory)
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f'must name a folder, got {text!r} (use . for the working '
                                         f'directory, where allowed)')
    return Path(text)


# ## The shared options
#
# Name, then what `argparse.add_argument` needs besides the default. The help text gets the
# command's default appended.
SHARED = {
    'seeds': dict(type=valid_seed, nargs='+', metavar='SEED',
                  help='training seeds of teachers, students and batch order; with several, '
                       'results are mean ± sd over seeds'),
    'seed': dict(type=valid_seed, help='seed of every model: initial weights and batch order'),
    'epochs': dict(type=valid_epochs, help=f'epochs of every student, from 1 to {EPOCHS_MAX}'),
    'teacher_epochs': dict(type=valid_epochs, help=f'epochs of every teacher, from 1 to {EPOCHS_MAX}'),
    'temperature': dict(type=valid_temperature, help=f'distillation temperature T, from {TEMPERATURE_RANGE[0]:g} to '
                                                     f'{TEMPERATURE_RANGE[1]:g}'),
    'temperatures': dict(type=valid_temperature, nargs='+', metavar='T',
                         help=f'temperatures of the distilled students, each from {TEMPERATURE_RANGE[0]:g} '
                              f'to {TEMPERATURE_RANGE[1]:g}'),
    'alpha': dict(type=unit_float, help='weight of the soft-target term in [0, 1]; the label term '
                                        'gets 1 - alpha'),
    'train_subset': dict(type=positive_int, metavar='N',
                         help='train on only the first N training examples, for quick checks'),
    'threads': dict(type=valid_threads, help=f'torch CPU threads, from 1 to {THREADS_MAX}'),
    'output_dir': dict(type=folder, help='where the results JSON and plots go; one command at a time '
                                       'writes a folder'),
    'publish': dict(action='store_true', help='also update the committed results page, its JSON and '
                                              'plots in labml_nn_distill/paper/ (maintainers, in a checkout)'),
    'logs_dir': dict(type=folder, help='where labml writes runs, and where earlier runs (teachers, '
                                     'runs to resume) are looked up'),
    'teacher_logits': dict(choices=TEACHER_LOGITS,
                           help="cached: the teacher runs once per training image (and per flip), its "
                                "logits kept in logs/teacher_cache/, exact unless batches are "
                                "shifted; per-batch: the teacher runs on every augmented batch"),
    'data_dir': dict(type=folder, help='folder holding (or receiving) the datasets that are not embedded'),
    'resume': dict(nargs='?', const='last', metavar='UUID',
                   help='continue this command after a kill: the runs of the command that ran UUID (any '
                        'of its runs), or of its latest command without a UUID; finished runs are read '
                        'back, the killed one continues from its last good checkpoint; pass the same '
                        'options as the first time'),
    'keep_checkpoints': dict(type=kept_checkpoints, metavar='N|all',
                             help="how many epochs' state.pt (15-20 MB each) each run keeps, the latest; "
                                  "--resume needs one, the one before it is a spare if the last is "
                                  "damaged; all keeps every epoch. The final model.pt is always kept"),
    'allow_code_change': dict(action='store_true',
                              help="with --resume: continue a run although the package's code changed "
                                   "since it started (its source.json names the files)"),
}


def without_resume(argv: list[str]) -> list[str]:
    """
    ### The arguments without `--resume` and the uuid that may follow it
    """
    kept, arguments = [], iter(argv)
    for argument in arguments:
        if argument == '--resume':
            following = next(arguments, None)
            if following is not None and following.startswith('-'):
                kept.append(following)
        elif not argument.startswith('--resume='):
            kept.append(argument)
    return kept


def add_options(parser: argparse.ArgumentParser, default_text: dict | None = None, **defaults):
    """
    ### Add the shared options named by `defaults`, each with the command's default

    `default_text` replaces the shown default where a number does not say it (a default
    that depends on the dataset).
    """
    for name, default in defaults.items():
        settings = dict(SHARED[name])
        if settings.get('action') != 'store_true' and name != 'resume':
            shown = (default_text or {}).get(name, describe(default))
            settings['help'] = f'{settings["help"]} (default: {shown})'
        parser.add_argument('--' + name.replace('_', '-'), default=default, **settings)


def describe(default) -> str:
    """
    ### A default as the help shows it: `0 1 2` for a list, `none` for nothing
    """
    if default is None:
        return 'none'
    if isinstance(default, (list, tuple)):
        return ' '.join(map(describe, default))
    return f'{default:g}' if isinstance(default, float) else str(default)


# ## Checks of the whole command line
#
# What no single value can say: a seed given twice (it would train twice and count once),
# and folders that cannot be written (found now, not after the training).

class Parser(argparse.ArgumentParser):
    """
    ### An `ArgumentParser` that also checks seeds and folders, and locks the output folder

    `writes` names what the command writes into its output folder (`results.json`,
    `images/`, a pattern such as `images/ensemble*.svg`), checked before anything trains.
    After parsing, `logs_dir` is an absolute path (the default filled in), and
    `output_lock` holds the output folder's lock for as long as the command runs (`None` in
    the processes of a distributed run that write nothing).
    """

    def __init__(self, *args, writes: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.writes = tuple(writes)

    def parse_args(self, args=None, namespace=None):
        global _last_parsed
        parsed = super().parse_args(args, namespace)
        options = vars(parsed)
        seeds = options.get('seeds') or []
        if len(set(seeds)) != len(seeds):
            self.error(f'argument --seeds: each seed once, got {" ".join(map(str, seeds))}')
        if options.get('publish') and not in_checkout():
            self.error(f'argument --publish: it updates the committed pages of a checkout of the '
                       f'repository; {REPOSITORY} is an installed copy')
        try:
            # Where the command writes, checked before any folder is made
            if options.get('data_dir') is not None:
                check_not_tracked(parsed.data_dir, '--data-dir')
            if 'logs_dir' in options:
                parsed.logs_dir = Path(parsed.logs_dir or default_logs_dir()).resolve()
                check_not_tracked(parsed.logs_dir, '--logs-dir')
                check_writable(parsed.logs_dir, '--logs-dir')
            if options.get('output_dir') is not None:
                check_not_tracked(parsed.output_dir, '--output-dir')
                check_writable(parsed.output_dir, '--output-dir')
                check_files(parsed.output_dir, self.writes, '--output-dir')
                # Under torchrun only the first process (`RANK` 0) writes results
                parsed.output_lock = (lock_folder(parsed.output_dir, 'The output folder')
                                      if os.environ.get('RANK', '0') == '0' else None)
        except UserError as error:
            self.error(str(error))
        _last_parsed = parsed
        return parsed


# The options of the command running in this process, for the command wrapper's advice
_last_parsed = None


def forget_parsed():
    """
    ### Forget the options of an earlier command of this process
    """
    global _last_parsed
    _last_parsed = None


def last_parsed() -> argparse.Namespace | None:
    """
    ### The options the last `Parser` parsed in this process (`None` before any)
    """
    return _last_parsed


def in_checkout() -> bool:
    """
    ### Whether the package runs from a checkout of the repository
    """
    return (REPOSITORY / '.labml.yaml').is_file()


def default_logs_dir() -> Path:
    """
    ### Where labml runs go without `--logs-dir`: the checkout's `logs/`, or the working directory's
    """
    return REPOSITORY / 'logs' if in_checkout() else Path.cwd() / 'logs'


def tracked_tree_problem(folder: Path) -> str | None:
    """
    ### Why `folder` may not be written by a command (`None` when it may)

    Its real path (links, `..` and the working directory resolved) must lie outside the
    installed package, and outside a checkout but for the checkout's gitignored
    `WRITABLE_IN_CHECKOUT` folders at its root. A root folder that is itself a link elsewhere
    in the checkout is no way around: the real path is compared with the root's own name.
    """
    real = Path(os.path.realpath(folder))
    repository = Path(os.path.realpath(REPOSITORY))

    def inside(root: Path) -> bool:
        return real == root or root in real.parents

    if in_checkout() and inside(repository):
        if any(inside(repository / name) for name in WRITABLE_IN_CHECKOUT):
            return None
        return (f'it is {real}, inside the checkout {repository}, whose files git tracks; a run '
                f'writes only into the checkout\'s {", ".join(name + "/" for name in WRITABLE_IN_CHECKOUT)} '
                f'or outside it (--publish updates the committed results page)')
    if inside(Path(os.path.realpath(PACKAGE))):
        return f'it is {real}, inside the installed package {PACKAGE}'
    return None


def check_not_tracked(folder: Path, option: str):
    """
    ### Stop naming `option` when `folder` lies where a run must not write
    """
    problem = tracked_tree_problem(folder)
    if problem is not None:
        working = f' (the working directory is {Path.cwd()})' if not Path(folder).is_absolute() else ''
        raise UserError(f'{option} {folder}: refused, {problem}{working}; pass a folder outside it')


def check_files(folder: Path, names: tuple[str, ...], option: str):
    """
    ### Stop naming `option` when something in `folder` stands where the command writes a file

    A name ending in `/` is a folder the command writes into; a name with `*` is a pattern of
    files. Found now, a directory called `results.json` costs a second, not the training.
    """
    for name in names:
        path = Path(folder) / name.rstrip('/')
        # A folder inside it that links elsewhere (`images -> .../paper/images`) is where the
        # files would land
        check_not_tracked(path if name.endswith('/') else path.parent, option)
        if name.endswith('/'):
            if path.exists() and not path.is_dir():
                raise UserError(f'{option} {folder}: {path} is a file where the command writes a '
                                f'folder; move it away')
            if path.is_dir():
                check_writable(path, option)
            continue
        for found in (path.parent.glob(path.name) if '*' in name else [path]):
            if found.is_dir() or (found.exists() and not found.is_file()):
                raise UserError(f'{option} {folder}: {found} is a folder (or not a plain file) where '
                                f'the command writes a file; move it away')


def check_writable(folder: Path, option: str):
    """
    ### Make `folder` if needed, and write and remove a file in it, or stop naming `option`
    """
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UserError(f'{option} {folder}: cannot write there ({error.strerror or error}); '
                        f'pass a folder you can write to') from None
