r"""
---
title: The paper's experiments
summary: >
  The paper's claims, each a page that runs on its own: its MNIST experiment on all 60,000
  digits, what the soft targets hold, why the soft term is scaled by T^2, a sweep over the
  temperature, small and one-sided transfer sets, a student that never sees one digit, an
  ensemble of teachers, the paper's speech and JFT results, pitfalls, and every number on the
  results page.
order: [mnist, dark_knowledge, temperature_gradients, comparing, temperature_sweep, transfer_sets, omitted_class, ensemble, speech_and_jft, pitfalls, results]
---

# The paper's experiments

The [essay](../index.html) builds distillation and [the study](../experiment.html) measures
it once, on 5,000 embedded digits with a small CNN teacher. The paper makes more claims than
that one table; each page here tests one of them, runs on its own with
`python -m labml_nn_distill.paper.<page>`, and writes what it measured to its output folder
(`results/` by default; the committed [results page](results.html) changes only with
`--publish`):

* [The paper's MNIST experiment](mnist.html): its teacher and student on the full MNIST, the
  paper's test errors beside ours; needs the full MNIST, fetched once with
  `python -m labml_nn_distill.engineering.fetch mnist`;
* [Dark knowledge, shown](dark_knowledge.html): that teacher's probabilities for ambiguous
  digits at several temperatures;
* [Temperature and gradients](temperature_gradients.html): the soft-target gradient shrinks
  as $1/T^2$, which is why the loss multiplies it by $T^2$, and at high $T$ distillation is
  logit matching; checked with autograd, no training;
* [What "beats" means](comparing.html): when a page may say that one model beats another,
  and when it says "within the noise";
* [Temperature sweep](temperature_sweep.html): the distilled student at $T$ from 1 to 20,
  beside the baseline and label smoothing;
* [Small and one-sided transfer sets](transfer_sets.html): soft targets on 3 % of the
  digits, and a student that only sees 7s and 8s;
* [The omitted class](omitted_class.html): a student that never sees a 3 still recognises
  most 3s from the teacher's soft targets on other digits;
* [An ensemble of teachers](ensemble.html): the averaged soft targets of several teachers,
  distilled into one student;
* [Speech and JFT](speech_and_jft.html): the paper's large experiments, with its numbers, not
  reproduced here;
* [Pitfalls](pitfalls.html): where implementations quietly differ;
* [Results](results.html): every number these pages and the study measured, regenerated
  from the committed JSON files.

The pages on the embedded digits choose on their 500 validation digits and report on the
1,000 test digits; the full-MNIST pages choose on its 10,000 validation digits. Every
comparison says whether its difference is larger than the noise of the seeds and the test
digits ([how](comparing.html)).

The pages on the embedded digits share their teachers: training is deterministic, so a
teacher with the same seed, epochs and training set is the same network, and a page takes
it from an earlier page's labml run instead of training it again. Every page is a command
of the same shape, its options, its runs (which `--resume` continues after a kill), its
data, what it measures, and its block of the results page; that shape, and what the pages
share, is defined below.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import yaml

from labml_nn_distill.dataset import load_dataset
from labml_nn_distill.engineering.files import release_locks
from labml_nn_distill.engineering.options import KEEP_CHECKPOINTS, Parser, add_options
from labml_nn_distill.engineering.report import page_outputs, run_page, run_record
from labml_nn_distill.engineering.runs import RunResult, Runs
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.train import EPOCHS, TrainConfigs

# The labml experiment that holds the teachers of the pages on the embedded digits
TEACHER_RUNS = 'mnist5k_paper_teacher'
# Teachers and students train as long as in the study
TEACHER_EPOCHS, STUDENT_EPOCHS = EPOCHS['mnist5k']
# The blocks of the results page in reading order: the study's, then the pages' in this folder's `order`
RESULTS_ORDER = ['experiment', *yaml.safe_load(__doc__.split('---')[1])['order']]


# ## A page

@dataclass
class Page:
    """
    ### What every page of the paper's wing is: a command that measures, then publishes

    `data` is the dataset the page trains on (`mnist5k`, `mnist`, or `None` for a page that
    trains nothing); `defaults` are the page's defaults of the [shared options](../engineering/options.html),
    and `options`, if given, adds the page's own to the parser.

    One thread by default: on a machine shared with other jobs, two threads that wait for
    each other at every operation ran a teacher epoch ten times slower than one thread did.
    Each thread count is deterministic on its own, but may round differently from another.
    """
    name: str
    description: str
    data: str | None
    defaults: dict = field(default_factory=dict)
    options: object = None

    def arguments(self) -> Parser:
        """
        ### The page's command line: its own options, and those every page has
        """
        parser = Parser(prog=f'python -m labml_nn_distill.paper.{self.name}', description=self.description,
                        writes=page_outputs(self.name))
        common = dict(threads=1, output_dir=Path('results'), publish=False)
        if self.data is not None:
            common.update(train_subset=None, logs_dir=None, resume=None, allow_code_change=False,
                          keep_checkpoints=KEEP_CHECKPOINTS)
        if self.data == 'mnist':
            common.update(data_dir=Path('data'))
        add_options(parser, default_text={'logs_dir': 'logs/ of the checkout, or of the working directory'},
                    **self.defaults, **common)
        if self.options is not None:
            self.options(parser)
        return parser

    def main(self, argv: list[str] | None, measure, markdown, plot) -> dict:
        """
        ### Parse, measure, publish

        `measure(args, data, runs)` trains and measures, and returns what the page's JSON
        records; `markdown` turns that JSON into the page's block of the results page, and `plot`
        draws its plots.
        """
        started = time.perf_counter()
        args = self.arguments().parse_args(argv)
        try:
            torch.set_num_threads(args.threads)
            data, runs = None, None
            if self.data is not None:
                data = load_dataset(self.data, getattr(args, 'data_dir', Path('data')), train_subset=args.train_subset)
                runs = Runs(args.logs_dir, f'labml_nn_distill.paper.{self.name}', args.resume,
                            args.allow_code_change, argv, args.keep_checkpoints)
            measured = measure(args, data, runs)
            # A page that ran in several sittings gives its own wall time (of all of them)
            results = {'page': self.name, **run_record(self.name, argv, started, runs), **measured}
            return run_page(self.name, results, markdown, plot, args.output_dir, args.publish, RESULTS_ORDER)
        finally:
            # Another command may write the output folder from now on
            release_locks()


# ## What the pages share

def embedded_teacher(data, runs: Runs, seed: int, epochs: int) -> tuple[MnistTeacher, RunResult]:
    """
    ### The teacher of `seed` on the embedded digits, taken from an earlier page's labml run or trained now

    Trained like the study's teacher: dropout in the model, jitter in the loop.
    """
    teacher = MnistTeacher()
    share = {'study_seed': seed, 'teacher_epochs': epochs, 'train_examples': len(data.train_labels),
             'split_seed': 0, 'jitter': 'per-epoch'}
    result = runs.teacher(teacher, data, TrainConfigs(epochs=epochs, augment=True, seed=seed), TEACHER_RUNS,
                          key={'teacher': seed}, share=share)
    return teacher, result


def student_name(temperature: float, prefix: str = '') -> str:
    """
    ### The name a distilled student has in a page's JSON: `T=20`, `tiny_T=4`
    """
    return f'{prefix}T={temperature:g}'


def fewest_on_validation(valid_errors: dict[float, float]) -> float:
    """
    ### The temperature whose student made the fewest validation errors

    Every choice of $T$ on every page is made here. A tie goes to the higher temperature,
    the softer targets, which the paper prefers.
    """
    return min(valid_errors, key=lambda temperature: (valid_errors[temperature], -temperature))
