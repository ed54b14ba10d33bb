r"""
---
title: The paper's experiments
summary: >
  The paper's claims, each a page that runs on its own: its MNIST experiment on all 60,000
  digits, what the soft targets hold, why the soft term is scaled by T^2, a sweep over the
  temperature, small and one-sided transfer sets, a student that never sees one digit, an
  ensemble of teachers, the paper's speech and JFT results, pitfalls, and every number on the
  results page.
order: [mnist, dark_knowledge, temperature_gradients, temperature_sweep, transfer_sets, omitted_class, ensemble, speech_and_jft, pitfalls, results]
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
  `python -m labml_nn_distill.dataset fetch mnist`;
* [Dark knowledge, shown](dark_knowledge.html): that teacher's probabilities for ambiguous
  digits at several temperatures;
* [Temperature and gradients](temperature_gradients.html): the soft-target gradient shrinks
  as $1/T^2$, which is why the loss multiplies it by $T^2$, and at high $T$ distillation is
  logit matching; checked with autograd, no training;
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
digits ([how](../engineering/report.html#comparing-two-models)).

The pages on the embedded digits share their teachers: training is deterministic, so a
teacher with the same seed, epochs and training set is the same network, and a page takes
it from an earlier page's labml run instead of training it again. What they share is
defined below.
"""

import argparse
from pathlib import Path

import torch

from labml_nn_distill.dataset import ImageData, load_mnist5k
from labml_nn_distill.engineering.checkpoint import finished_run
from labml_nn_distill.engineering.checkpoint import use_logs_dir
from labml_nn_distill.engineering.options import Parser, add_options
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.train import EPOCHS, TrainConfigs, evaluate, train

# The labml experiment that holds the pages' teachers
TEACHER_RUNS = 'mnist5k_paper_teacher'
# Teachers and students train as long as in the study
TEACHER_EPOCHS, STUDENT_EPOCHS = EPOCHS['mnist5k']


def setup(args: argparse.Namespace) -> tuple[ImageData, Path]:
    """
    ### The embedded digits, the CPU threads, and the labml logs folder

    One thread by default: on a machine shared with other jobs, two threads that wait for
    each other at every operation ran a teacher epoch ten times slower than one thread did.
    Each thread count is deterministic on its own, but may round differently from another.
    """
    torch.set_num_threads(args.threads)
    # `Parser` filled in and checked the logs folder; labml (and the teacher cache) write there
    logs_dir = args.logs_dir
    use_logs_dir(logs_dir)
    data = load_mnist5k(split_seed=0)
    if args.train_subset is not None:
        data.train_images = data.train_images[:args.train_subset]
        data.train_labels = data.train_labels[:args.train_subset]
    return data, logs_dir


def trained_teacher(data: ImageData, seed: int, epochs: int, logs_dir: Path) -> tuple[MnistTeacher, dict]:
    """
    ### The teacher of `seed`, taken from an earlier page's labml run or trained now
    """
    teacher = MnistTeacher()
    key = {'study_seed': seed, 'teacher_epochs': epochs, 'train_examples': len(data.train_labels),
           'split_seed': 0}
    # A finished teacher run with the same configuration holds the same weights
    found = finished_run(logs_dir, TEACHER_RUNS, key)
    if found is not None:
        uuid, checkpoint = found
        teacher.load_state_dict(checkpoint['model'])
        return teacher, {'uuid': uuid, 'test_errors': evaluate(teacher, data)['errors']}
    # None: train one, with dropout and jitter, like the study's teacher
    result = train(teacher, data, TrainConfigs(epochs=epochs, augment=True, seed=seed),
                   TEACHER_RUNS, logs_dir=logs_dir, extra_configs=key)
    return teacher, {'uuid': result.uuid, 'test_errors': result.test_errors}


def fewest_on_validation(valid_errors: dict[float, float]) -> float:
    """
    ### The temperature whose student made the fewest validation errors

    Every page that chooses $T$ chooses it this way. A tie goes to the higher temperature,
    the softer targets, which the paper prefers.
    """
    return min(valid_errors, key=lambda temperature: (valid_errors[temperature], -temperature))


def arguments(page: str, description: str, **defaults) -> argparse.ArgumentParser:
    """
    ### The command line of a page: its own defaults, and the options every page has

    A page adds its own options to the parser this returns. Every page writes into its
    output folder, and into the committed results page only with `--publish`.
    """
    parser = Parser(prog=f'python -m labml_nn_distill.paper.{page}', description=description)
    add_options(parser, default_text={'logs_dir': 'logs/ of the checkout, or of the working directory'},
                **defaults, threads=1, train_subset=None, output_dir=Path('results'), logs_dir=None,
                publish=False)
    return parser
