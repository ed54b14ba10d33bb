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
naming the option, before any data is loaded or any model trains.
"""

import argparse
import math
from pathlib import Path

from labml_nn_distill.engineering.teacher_cache import TEACHER_OUTPUTS


def positive_float(text: str) -> float:
    """
    ### A finite number greater than zero (a temperature)
    """
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f'must be a finite number greater than 0, got {text}')
    return value


def unit_float(text: str) -> float:
    r"""
    ### A number in $[0, 1]$ (the weight $\alpha$)
    """
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f'must be between 0 and 1, got {text}')
    return value


def positive_int(text: str) -> int:
    """
    ### A whole number of at least 1 (epochs, subset sizes, threads)
    """
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {text}')
    return value


# ## The shared options
#
# Name, then what `argparse.add_argument` needs besides the default. The help text gets the
# command's default appended.
SHARED = {
    'seeds': dict(type=int, nargs='+', metavar='SEED',
                  help='training seeds of teachers, students and batch order; with several, '
                       'results are mean ± sd over seeds'),
    'epochs': dict(type=positive_int, help='epochs of every student'),
    'teacher_epochs': dict(type=positive_int, help='epochs of every teacher'),
    'temperature': dict(type=positive_float, help='distillation temperature T > 0'),
    'alpha': dict(type=unit_float, help='weight of the soft-target term in [0, 1]; the label term '
                                        'gets 1 - alpha'),
    'train_subset': dict(type=positive_int, metavar='N',
                         help='train on only the first N training examples, for quick checks'),
    'threads': dict(type=positive_int, help='torch CPU threads'),
    'output_dir': dict(type=Path, help='where the results JSON and plots go'),
    'logs_dir': dict(type=Path, help='where labml writes runs, and where earlier runs (teachers, '
                                     'runs to resume) are looked up'),
    'teacher_outputs': dict(choices=TEACHER_OUTPUTS,
                            help="cached: the teacher runs once per training image (and per flip), its "
                                 "logits kept in logs/teacher_cache/, exact unless batches are "
                                 "shifted; exact: the teacher runs on every augmented batch"),
}


def add_options(parser: argparse.ArgumentParser, default_text: dict | None = None, **defaults):
    """
    ### Add the shared options named by `defaults`, each with the command's default

    `default_text` replaces the shown default where a number does not say it (a default
    that depends on the dataset).
    """
    for name, default in defaults.items():
        settings = dict(SHARED[name])
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
        return ' '.join(map(str, default))
    return f'{default:g}' if isinstance(default, float) else str(default)
