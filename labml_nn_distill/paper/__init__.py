r"""
---
title: The paper's experiments
summary: >
  The paper's other claims, each a page that runs on its own: why the soft term is scaled
  by T^2, a sweep over the temperature, a student that never sees one digit, and an
  ensemble of teachers; every number on the results page.
order: [temperature_gradients, temperature_sweep, omitted_class, ensemble, results]
---

# The paper's experiments

The [essay](../index.html) builds distillation and [the study](../experiment.html) measures
it once. The paper makes more claims than that one table; each page here tests one of them
on the embedded digits, runs on its own with `python -m labml_nn_distill.paper.<page>`,
and writes what it measured to the [results page](results.html):

* [Temperature and gradients](temperature_gradients.html): the soft-target gradient shrinks
  as $1/T^2$, which is why the loss multiplies it by $T^2$, and at high $T$ distillation is
  logit matching; checked with autograd, no training;
* [Temperature sweep](temperature_sweep.html): the distilled student at $T$ from 1 to 20,
  beside the baseline and label smoothing;
* [The omitted class](omitted_class.html): a student that never sees a 3 still recognises
  most 3s from the teacher's soft targets on other digits;
* [An ensemble of teachers](ensemble.html): the averaged soft targets of several teachers,
  distilled into one student;
* [Results](results.html): every number these pages and the study measured, regenerated
  from the committed JSON files.

The pages share their teachers: training is deterministic, so a teacher with the same seed,
epochs and training set is the same network, and a page takes it from an earlier page's
labml run instead of training it again. What they share is defined below.
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
