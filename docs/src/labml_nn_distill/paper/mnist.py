r"""
---
title: The paper's MNIST experiment
summary: >
  Section 3 of the paper on the full 60,000 digits: a 1200-1200 teacher with dropout and
  jitter, an 800-800 student on the labels alone, and the same student distilled, with three
  seeds each; the paper's recipe beside consistent teaching, the protocol fixed before the run,
  and the paper's errors beside ours.
---

# The paper's MNIST experiment

This is the experiment the paper teaches with, at full scale. Its section 3 trains:

* a **teacher**, a fully connected net 784-1200-1200-10 of rectified linear units, strongly
  regularised: dropout, a max-norm constraint on each unit's incoming weights, and inputs
  jittered by up to two pixels. It makes 67 errors on the 10,000 test digits;
* a **student** 784-800-800-10 with no regularisation at all, on the labels alone: 146 errors;
* the same student trained to match the teacher's soft targets at $T = 20$: 74 errors.

The rest of this tutorial uses the 5,000 embedded digits and a small CNN teacher, to stay
quick on a laptop; this page is the one that needs the [full MNIST](../dataset.html), fetched
once with `python -m labml_nn_distill.engineering.fetch mnist`.

## What we do the same, and what we do not

The shapes, the dropout-free student, the jitter of the teacher's inputs and $T = 20$ are the
paper's. For how the teacher was trained the paper points to its reference [5], the dropout
paper of Hinton et al. (2012), whose appendix trains its MNIST nets with plain stochastic
gradient descent on batches of 100, a learning rate that starts at 10 and shrinks by 0.2 %
an epoch, momentum rising from 0.5 to 0.99 over the first 500 epochs, dropout of 20 % of the
pixels and 50 % of the hidden units, each unit's incoming weights bounded to length 15, and
3,000 epochs. We differ, to bring the page within reach of two CPU cores (we aimed at an
hour and a half; the results page gives the time it took, and the load of the machine it ran
on): Adam with a one-cycle schedule (below), batches of 128, dropout of 10 % and 30 %, a bound
of 3.5 (which suits Adam's smaller steps; see the [teacher](../large.html)), and 80 epochs for
the teacher and 30 or 60 for the students, some forty times less training than the paper's
teacher had. The paper does
not say how it weighted the hard labels for this experiment; we use the study's $\alpha = 0.9$
for the soft term.

## Two ways to teach

The **paper's recipe**: the teacher trained on jittered digits, the student on the digits as
they are, its targets the teacher's logits for those digits, computed once and cached.

**Consistent teaching** (Beyer et al. 2022, "Knowledge distillation: A good teacher is patient
and consistent"): the student sees jittered digits too, the same kind the teacher was trained
on, and the teacher is asked for its logits of every jittered batch, so that the student
matches the teacher on the very images it sees, a new image every time. It costs a teacher
forward pass per batch and wants longer training; in exchange the student never sees the
same input twice, which is what lets a regularisation-free student keep learning from the
teacher instead of memorising 50,000 digits.

## The protocol, fixed before the run

Everything below was committed before the run whose numbers the
[results page](results.html#the-papers-mnist-experiment) shows; the results JSON records that
commit, the digest of this protocol, and the digest of the code that ran.

* **Data.** The last 10,000 of the 60,000 training digits are the *validation* set; every
  model trains on the other 50,000. The 10,000 test digits only *report*: each model's test
  errors are recorded after every epoch to draw the curves, and nothing is chosen by them.
* **Teacher.** One, seed 0, 80 epochs on jittered digits (below).
* **Students.** Seeds 0, 1 and 2. For each seed every student of a size starts from the same
  initial weights and sees the training digits in the same order, so that the comparisons
  are paired; jitter draws from a generator of its own, so consistent teaching keeps the order.
* **The baseline**: labels only, 30 epochs.
* **The candidates for "the distilled student"**: the paper's recipe at $T = 5$, $10$ and $20$
  for 30 epochs, and at $T = 20$ for 60; consistent teaching at $T = 20$ for 30 and for 60
  epochs.
* **The rule that chooses**: the candidate with the fewest validation errors, mean over the
  three seeds (a tie goes to the paper's recipe, then to the higher temperature, then to the
  shorter training). The same rule also picks each recipe's best candidate among its own,
  so that the two recipes can be reported side by side.
* **Also trained**, not chosen between: a student that matches the teacher's logits with a
  squared error (section 2.1 of the paper: at high temperature distillation *is* logit
  matching), and a much too small student, 30 units per hidden layer, at $T$ = 1, 2, 4, 8 and
  20 beside its own baseline (the paper's remark that such a student learns best at
  intermediate temperatures), each with the three seeds.
* **What is reported**: the teacher's test errors; for every student the mean and each seed's
  validation and test errors; the indices of the test digits each model gets wrong; the
  chosen student against the baseline and the two recipes against each other by the
  [paired bootstrap](comparing.html) over seeds and digits (the project's "beats") and by
  McNemar's test per seed; and the share of the baseline-teacher gap the chosen student
  closes, its mean over the seeds with a 95 % interval. Target: at least 80 % of the gap; the
  paper's is 91 %.

The errors after each epoch, drawn from the results JSON by the last run: the teacher, the
baseline and each recipe's chosen student, every seed. The test curves are drawn to be seen,
never to choose.

![Validation and test errors after each epoch: the teacher, the baseline and each recipe's chosen student](images/mnist.svg)

## The history of this page

The protocol changed once after test numbers were seen, and the page keeps both. The first
published run (one seed) trained the teacher for 40 epochs: 70 validation and 80 test errors;
validation chose $T = 2$ for the student, which closed 58 % of the gap. That teacher's
validation errors were still falling when it stopped, so the teacher was trained for 80
epochs: 62 validation and 84 test errors, $T = 20$ chosen, 71 % of the gap. The switch was
made on validation, but 62 against 70 is a difference of 8, less than the 11 (the square
root of 62 + 70) by which two such counts typically differ by chance alone; and part of the
rise from 58 % to 71 % came from the longer teacher being *worse* on test. With one seed,
71 % had an interval of roughly 31 % to 113 %. That is why this page now fixes the protocol
above before it runs, trains three seeds, and reports intervals.

Each model is one labml run, and each finished model is written down at once, so the page
survives a kill: run it again with `--resume` and it continues with the models it was
training, from their last epoch (the [run engine](../engineering/runs.html) finds the page's
runs again). The models train [in parallel](../engineering/parallel.html), one process per
core, and the command says which model of how many has finished and about how long the rest
will take.
"""

import argparse
import hashlib
import json
import os
import subprocess
import time
import uuid
from dataclasses import replace
from pathlib import Path

from labml_nn_distill import DistillationConfigs
from labml_nn_distill import dataset
from labml_nn_distill.dataset import load_dataset
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.options import positive_int, valid_temperature
from labml_nn_distill.engineering.parallel import SITTINGS_FILE, Job, read_sittings, run_jobs
from labml_nn_distill.engineering.report import Outputs, format_mean_sd, html_table, mean_sd, pyplot, save_svg
from labml_nn_distill.engineering.runs import RunResult, Runs, use_logs_dir
from labml_nn_distill.large import PaperTeacher
from labml_nn_distill.paper import Page, student_name
from labml_nn_distill.paper.comparing import gap_closed, mcnemar, paired_bootstrap, verdict
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs, mistakes

# The paper's test errors (section 3)
PAPER_ERRORS = {'teacher': 67, 'baseline': 146, 'distilled': 74}
# Seeds of the students; the teacher's is the first
SEEDS = [0, 1, 2]
# The paper's recipe is trained at these temperatures for `STUDENT.epochs`, and at the
# paper's 20 for `LONG_EPOCHS` too; consistent teaching at 20 for both lengths
TEMPERATURES = [5.0, 10.0, 20.0]
PAPER_TEMPERATURE = 20.0
LONG_EPOCHS = 60
# What each recipe changes in the student's training
RECIPES = {'paper': dict(augment=False, teacher_logits='cached'),
           'consistent': dict(augment=True, teacher_logits='per-batch')}
# The too-small student's hidden units, and its temperatures
TINY_HIDDEN = 30
TINY_TEMPERATURES = [1.0, 2.0, 4.0, 8.0, 20.0]
# The labml experiment of this page's teacher, so that other pages can take it
TEACHER_RUNS = 'mnist_paper_teacher'
# The cost of an epoch of each kind of model against one of the 800-unit student, measured
# (`benchmarks/bench_mnist.py`); only the estimate of the time left uses them
COSTS = {'teacher': 2.3, 'paper': 1.0, 'consistent': 1.8, 'tiny': 0.1}


# ## The training of each model
#
# Adam with a one-cycle schedule peaking at $10^{-3}$, batches of 128, for every model; the
# teacher for 80 epochs on jittered digits, the students for 30 (or 60).
TEACHER = TrainConfigs(epochs=80, batch_size=128, learning_rate=1e-3, schedule='one_cycle', augment=True)
STUDENT = TrainConfigs(epochs=30, batch_size=128, learning_rate=1e-3, schedule='one_cycle')


def teacher_share(seed: int, epochs: int) -> dict:
    """
    ### What the teacher's final checkpoint records, by which the other full-MNIST pages find it

    `jitter` names how the loop draws its jitter (a generator per epoch); a teacher trained
    before that change jittered differently, and is not taken for this one.
    """
    return {'page': 'mnist', 'seed': seed, 'teacher_epochs': epochs, 'jitter': 'per-epoch'}


def paper_teacher(data, runs: Runs, seed: int, epochs: int, trains: bool = True) -> tuple[PaperTeacher, RunResult]:
    """
    ### The paper's teacher: trained by this page, or taken from its finished run by the other pages
    """
    teacher = PaperTeacher()
    result = runs.teacher(teacher, data, replace(TEACHER, epochs=epochs, seed=seed), TEACHER_RUNS,
                          key={'model': 'teacher'}, extra={'model_name': 'teacher'},
                          share=teacher_share(seed, epochs), trains=trains,
                          how_to_train='run `python -m labml_nn_distill.paper.mnist` first, with the same '
                                       '--teacher-epochs and --logs-dir.')
    return teacher, result


# ## The models, as jobs
#
# Every model is a job; a student that learns from the teacher waits for it. The names are
# those of the page's JSON: `baseline`, `T=20`, `T=20@60` (60 epochs), `consistent_T=20@30`,
# `logits`, `tiny_T=4`; each with its seed.

def candidate_name(recipe: str, temperature: float, epochs: int, default_epochs: int) -> str:
    """
    ### A distilled student's name: `T=20` for the paper's recipe at the default length, else with its recipe and length
    """
    if recipe == 'paper':
        return student_name(temperature) + ('' if epochs == default_epochs else f'@{epochs}')
    return student_name(temperature, f'{recipe}_') + f'@{epochs}'


def candidates(args) -> dict[str, dict]:
    """
    ### The candidates for "the distilled student", each with its recipe, temperature and length
    """
    lengths = sorted({args.epochs, args.long_epochs})
    grid = [('paper', t, args.epochs) for t in args.temperatures]
    grid += [('paper', PAPER_TEMPERATURE, length) for length in lengths if length != args.epochs]
    grid += [('consistent', PAPER_TEMPERATURE, length) for length in lengths]
    return {candidate_name(recipe, t, epochs, args.epochs): {'recipe': recipe, 'temperature': t, 'epochs': epochs}
            for recipe, t, epochs in grid}


def jobs(args) -> list[Job]:
    """
    ### The teacher, then per seed the baselines, the candidates, logit matching and the tiny students
    """
    teacher = Job('teacher', COSTS['teacher'] * args.teacher_epochs, spec={'model': 'teacher'})
    found = [teacher]
    for seed in args.seeds:
        def add(name, hidden, recipe='paper', temperature=None, epochs=args.epochs, matching='soft_targets'):
            cost = COSTS['tiny' if hidden == TINY_HIDDEN else recipe] * epochs
            found.append(Job(f'{name}#{seed}', cost, () if temperature is None and matching == 'soft_targets'
                             else ('teacher',),
                             spec=dict(name=name, seed=seed, hidden=hidden, recipe=recipe, temperature=temperature,
                                       epochs=epochs, matching=matching)))
        add('baseline', 800)
        add('tiny_baseline', TINY_HIDDEN)
        for name, candidate in candidates(args).items():
            add(name, 800, **candidate)
        add('logits', 800, temperature=PAPER_TEMPERATURE, matching='logits')
        for t in args.tiny_temperatures:
            add(student_name(t, 'tiny_'), TINY_HIDDEN, temperature=t)
    # The students that need no teacher first, so that they train while the teacher does
    # then those that need it, the longest first (so that no long one is left for last)
    return ([teacher] + [job for job in found[1:] if not job.after]
            + sorted([job for job in found[1:] if job.after], key=lambda job: -job.cost))


def student_configs(spec: dict) -> TrainConfigs:
    """
    ### A student's training options from its job: seed, length, recipe, temperature, what it matches
    """
    configs = replace(STUDENT, epochs=spec['epochs'], seed=spec['seed'], matching=spec['matching'])
    if spec['temperature'] is None:
        return configs
    return replace(configs, **RECIPES[spec['recipe']], distillation=DistillationConfigs(temperature=spec['temperature']))


def worker_setup(data_dir: Path, train_subset, training_digits: int, runs: Runs, args) -> dict:
    """
    ### What a worker loads once: the data, split as this process split it, and later the teacher

    The teacher is loaded when a student of the worker first asks for it.
    """
    import torch
    torch.set_num_threads(1)
    use_logs_dir(runs.logs_dir)
    dataset.MNIST_TRAINING_DIGITS = training_digits
    return {'data': load_dataset('mnist', data_dir, train_subset=train_subset), 'runs': runs, 'args': args,
            'teacher': None}


def train_model(state: dict, job: Job) -> dict:
    """
    ### Train one job's model (or take it from its finished run); its entry of the page's JSON
    """
    data, runs, args, spec = state['data'], state['runs'], state['args'], job.spec
    started = time.time()
    if spec.get('model') == 'teacher':
        teacher, result = paper_teacher(data, runs, SEEDS[0], args.teacher_epochs)
        return {**entry(result, args.teacher_epochs, teacher, data, started)}
    if job.after and state['teacher'] is None:
        state['teacher'] = paper_teacher(data, runs, SEEDS[0], args.teacher_epochs, trains=False)[0]
    configs = student_configs(spec)
    key = {'hidden': spec['hidden'], 'name': spec['name'], 'seed': spec['seed']}
    model = MnistStudent(hidden=spec['hidden'])
    result = runs.train(key, model, data, configs, 'mnist_paper_student', teacher=state['teacher'] if job.after else None,
                        extra={'page': 'mnist', 'model_name': spec['name']})
    return entry(result, configs.epochs, model, data, started)


def entry(result: RunResult, epochs: int, model, data, started: float) -> dict:
    """
    ### A model as the page's JSON records it: its numbers at the end and after each epoch, and the test digits it gets wrong

    `trained` says whether this command trained it (its final checkpoint is newer than the
    job's start) or took it from a finished run.
    """
    history = result.history
    return {'uuid': result.uuid, 'epochs': epochs, 'trained': result.checkpoint_path.stat().st_mtime >= started,
            'valid_errors': history[-1]['valid_errors'], 'test_errors': result.test_errors,
            'valid_curve': [h['valid_errors'] for h in history], 'test_curve': [h['test_errors'] for h in history],
            'wrong': mistakes(model, data, 'test')}


# ## Choosing, on validation
#
# Every choice on this page is made here, from validation errors averaged over the seeds.

def mean_valid(models: dict, name: str) -> float:
    return sum(run['valid_errors'] for run in models[name]['seeds'].values()) / len(models[name]['seeds'])


def chosen(models: dict, names: list[str]) -> str:
    """
    ### Of `names`, the model with the fewest validation errors, mean over the seeds

    A tie goes to the paper's recipe, then to the higher temperature, then to the shorter training.
    """
    return min(names, key=lambda name: (mean_valid(models, name), models[name]['recipe'] != 'paper',
                                        -(models[name]['temperature'] or 0), models[name]['epochs']))


def chosen_temperature(models: dict, temperatures: list[float], prefix: str = '') -> float:
    """
    ### The temperature whose student, among those of `prefix` at the default length, made the fewest validation errors
    """
    name = chosen(models, [student_name(t, prefix) for t in temperatures])
    return models[name]['temperature']


def summarize(models: dict, results: dict) -> dict:
    """
    ### The table's numbers: the chosen student and both recipes against the baseline, and the gap closed
    """
    names = list(results['candidates'])
    best = chosen(models, names)
    by_recipe = {recipe: chosen(models, [n for n in names if models[n]['recipe'] == recipe])
                 for recipe in RECIPES if any(models[n]['recipe'] == recipe for n in names)}
    seeds = [str(seed) for seed in results['seeds']]
    n = results['test_examples']

    def wrong(name: str) -> list[list[int]]:
        return [models[name]['seeds'][seed]['wrong'] for seed in seeds]

    def test_mean(name: str) -> float:
        return mean_sd([models[name]['seeds'][seed]['test_errors'] for seed in seeds])[0]
    teacher_wrong = models['teacher']['seeds'][str(results['teacher_seed'])]['wrong']
    comparisons = {f'{name} vs baseline': {**paired_bootstrap(wrong(name), wrong('baseline'), n),
                                           'mcnemar': [mcnemar(a, b) for a, b in zip(wrong(name), wrong('baseline'))]}
                   for name in sorted(set(by_recipe.values()) | {best})}
    if len(by_recipe) == 2:
        paper, consistent = by_recipe['paper'], by_recipe['consistent']
        comparisons[f'{consistent} vs {paper}'] = {
            **paired_bootstrap(wrong(consistent), wrong(paper), n),
            'mcnemar': [mcnemar(a, b) for a, b in zip(wrong(consistent), wrong(paper))]}
    gaps = {name: gap_closed(teacher_wrong, wrong('baseline'), wrong(name), n) for name in set(by_recipe.values()) | {best}}
    return {'chosen': best, 'chosen_by_recipe': by_recipe,
            'chosen_tiny': student_name(chosen_temperature(models, results['tiny_temperatures'], 'tiny_'), 'tiny_'),
            'ours': {'teacher': models['teacher']['seeds'][str(results['teacher_seed'])]['test_errors'],
                     'baseline': test_mean('baseline'), 'distilled': test_mean(best)},
            'paper': PAPER_ERRORS, 'comparisons': comparisons, 'gap_closed': gaps,
            'paper_gap_closed': (PAPER_ERRORS['baseline'] - PAPER_ERRORS['distilled'])
            / (PAPER_ERRORS['baseline'] - PAPER_ERRORS['teacher'])}


# ## The results page's block

def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    models, summary = results['models'], results['summary']
    ours, paper = summary['ours'], summary['paper']
    seeds = [str(seed) for seed in results['seeds']]
    n_seeds = len(seeds)

    def errors(name: str, split: str) -> str:
        values = [models[name]['seeds'][seed][f'{split}_errors'] for seed in seeds]
        mean, sd = mean_sd(values)
        return f'{format_mean_sd(mean, sd, len(values))} ({", ".join(map(str, values))})'

    def label(name: str) -> str:
        model = models[name]
        if name.endswith('baseline'):
            return 'baseline, labels only'
        if model.get('matching') == 'logits':
            return f'logit matching (squared error, α = {results["alpha"]:g})'
        recipe = "paper's recipe" if model['recipe'] == 'paper' else 'consistent teaching'
        return f'{recipe}, T = {model["temperature"]:g}, {model["epochs"]} epochs'

    best = summary['chosen']
    gap = summary['gap_closed'][best]
    rows = [['teacher 784-1200-1200-10, dropout, jitter', str(paper['teacher']), str(ours['teacher']),
             f'{ours["teacher"] - paper["teacher"]:+d}'],
            ['student 784-800-800-10, labels only', str(paper['baseline']), f'{ours["baseline"]:.1f}',
             f'{ours["baseline"] - paper["baseline"]:+.1f}'],
            [f'student distilled: {label(best)} (chosen on validation)', str(paper['distilled']),
             f'{ours["distilled"]:.1f}', f'{ours["distilled"] - paper["distilled"]:+.1f}']]
    # In the order of the recipes, the baseline comparisons first: never in the order of a
    # dict, which is the order of computing before the JSON is written and sorted after it
    def in_recipe_order(name: str) -> int:
        return list(RECIPES).index(models[name]['recipe'])

    def pair_order(pair: str) -> tuple:
        a, b = pair.split(' vs ')
        return b != 'baseline', in_recipe_order(a), a
    comparisons = {pair: summary['comparisons'][pair] for pair in sorted(summary['comparisons'], key=pair_order)}
    sentences = []
    for pair, comparison in comparisons.items():
        a, b = pair.split(' vs ')
        tests = ', '.join(f'{m["only_a"]} against {m["only_b"]} digits, p = {m["p"]:.2g}' for m in comparison['mcnemar'])
        sentences.append(f'* {verdict(comparison, label(a), label(b))}; McNemar per seed (digits only the first '
                         f'gets wrong against digits only the second does): {tests}.')
    gaps = [f'{label(name)}: {100 * share["mean"]:.0f} % (95 % interval {100 * share["low"]:.0f} % to '
            f'{100 * share["high"]:.0f} %; per seed {", ".join(f"{100 * s:.0f} %" for s in share["per_seed"])})'
            for name, share in sorted(summary['gap_closed'].items(), key=lambda item: (in_recipe_order(item[0]), item[0]))]
    target = 0.8
    reached = ('reaches' if gap['low'] >= target else 'is short of' if gap['high'] < target else
               'is not shown to reach')
    students = [[label(name), errors(name, 'valid'), errors(name, 'test')]
                for name in ['baseline', *results['candidates'], 'logits']]
    tiny = [[label(name).replace('baseline', 'tiny baseline'), errors(name, 'valid'), errors(name, 'test')]
            for name in ['tiny_baseline', *[student_name(t, 'tiny_') for t in results['tiny_temperatures']]]]
    curve = models['teacher']['seeds'][str(results['teacher_seed'])]['valid_curve']
    teacher_curve = ', '.join(f'{curve[epoch - 1]} after {epoch}' for epoch in range(10, len(curve) + 1, 10))
    timing = results['timing']
    sittings = ('one sitting' if timing['sittings'] == 1 else
                f'{timing["sittings"]} sittings (the hours between them not counted'
                + (f'; the times of the first {timing["reconstructed_sittings"]}, which ran before the page kept its '
                   f'record of sittings, read from the times of their files)' if timing['reconstructed_sittings'] else ')'))
    # When the protocol was committed, against when the run began: the sentence says which came first
    committed = results['protocol_commit']
    fixed = (f'The protocol was fixed in commit `{committed["commit"][:7]}` '
             f'(protocol digest `{results["protocol_sha256"][:12]}`)')
    if committed['time'] is not None:
        order = 'before' if committed['time'] < results['study_created'] else 'after'
        fixed += (f', committed at {utc(committed["time"])}, {order} this run\'s study `{results["study"]}` '
                  f'was created at {utc(results["study_created"])}')
    code_commit = results['code']['commit']
    if code_commit:
        # Shortened, keeping the `+` that marks code changed since the commit
        fixed += f'; the numbers were computed by the code of commit `{code_commit[:7]}{code_commit[40:]}`'
    return '\n'.join([
        "## The paper's MNIST experiment",
        '',
        f'From [mnist.py](mnist.html): `{results["command"]}` (teacher seed {results["teacher_seed"]}, '
        f'{results["teacher_epochs"]} epochs; students with seeds {", ".join(seeds)}; '
        f'{results["train_examples"]:,} training, {results["valid_examples"]:,} validation and '
        f'{results["test_examples"]:,} test digits). {fixed}. '
        f'{timing["wall_minutes"]:.0f} minutes of wall time in {sittings} with {timing["workers"]} worker processes, '
        f'{timing["model_minutes"]:.0f} minutes of model training summed, on {results["machine"]}, a machine '
        f'shared with other jobs (mean load {timing["mean_load"]:.1f}); peak memory {timing["peak_rss_mib"]:.0f} MiB '
        f'per worker. Test errors out of {results["test_examples"]:,}, '
        f'mean over {n_seeds} seeds for the students.',
        '',
        html_table(['model', 'paper', f'ours ({n_seeds} seeds)', 'ours − paper'], rows),
        '',
        f'The share of the gap between the baseline and the teacher that each recipe\'s chosen '
        f'student closes (mean over the seeds; the paper\'s: {100 * summary["paper_gap_closed"]:.0f} %). Our gap is '
        f'{ours["baseline"] - ours["teacher"]:.1f} test digits, the paper\'s {paper["baseline"] - paper["teacher"]}:',
        '',
        *[f'* {line}' for line in gaps],
        '',
        f'The chosen student {reached} the target of {100 * target:.0f} %' + (
            '.' if reached == 'reaches' else
            f': its mean is {100 * (target - gap["mean"]):.0f} points below it, and its interval ends at '
            f'{100 * gap["high"]:.0f} %.' if gap['mean'] < target else
            f': its mean is above it, but its interval starts at {100 * gap["low"]:.0f} %.'),
        '',
        *sentences,
        '',
        f'The teacher\'s validation errors after so many epochs: {teacher_curve}.',
        '',
        'Every 800-unit student, validation and test errors (of 10,000 each), mean ± sd over the seeds and '
        'each seed\'s; the choice was made on the validation column:',
        '',
        html_table(['student', 'validation errors', 'test errors'], students),
        '',
        f'The too-small student, {results["tiny_hidden"]} units per hidden layer, over the temperature '
        f'(chosen on validation: {label(summary["chosen_tiny"])}):',
        '',
        html_table(['student', 'validation errors', 'test errors'], tiny),
        '',
        '![Validation and test errors after each epoch](images/mnist.svg)',
    ])


def utc(seconds: float) -> str:
    return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(seconds))


def plot(results: dict, outputs: Outputs):
    """
    ### Validation and test errors after each epoch: the teacher, the baseline and each recipe's chosen student, seed by seed
    """
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    models, summary = results['models'], results['summary']
    names = [('teacher', 'teacher', 'black'), ('baseline', 'baseline student', 'tab:blue')]
    colors = {'paper': 'tab:green', 'consistent': 'tab:red'}
    for recipe, name in summary['chosen_by_recipe'].items():
        kind = "paper's recipe" if recipe == 'paper' else 'consistent teaching'
        names.append((name, f'{kind}, {name}', colors[recipe]))
    for axis, curve, title in zip(axes, ('valid_curve', 'test_curve'), ('validation', 'test')):
        for name, label, color in names:
            for index, run in enumerate(models[name]['seeds'].values()):
                values = run[curve]
                axis.plot(range(1, len(values) + 1), values, color=color, alpha=0.8,
                          label=label if index == 0 else None)
        axis.set(xlabel='epoch', title=f'{title} errors (of 10,000)', yscale='log')
        axis.grid(alpha=0.3, which='both')
    axes[0].set_ylabel('errors')
    axes[0].legend(fontsize='small')
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'mnist.svg')


# ## Measuring
#
# The protocol above was committed in `PROTOCOL_COMMIT`, before the run began. The JSON
# records that commit and its time beside the time the run's study was created, so that
# "fixed before the run" can be checked rather than taken on trust; a test checks that the
# protocol the JSON records is the one this file states today.
PROTOCOL_COMMIT = 'c4554224e28ed7e24725064d32a076047e9a7af0'


def commit_time(commit: str) -> float | None:
    """
    ### When `commit` was made, in seconds since 1970; `None` outside a git checkout that has it
    """
    try:
        return float(subprocess.run(['git', 'show', '-s', '--format=%ct', commit], cwd=Path(__file__).parent,
                                    capture_output=True, text=True, timeout=30, check=True).stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def study_created(study: str) -> float:
    """
    ### When a study began: its id is a version-1 UUID, which carries the time it was made

    UUID time counts tenths of microseconds from 15 October 1582.
    """
    return round((uuid.UUID(study).time - 0x01B21DD213814000) / 1e7, 1)


def protocol(args) -> dict:
    """
    ### Everything this run fixed before it started, as the JSON records it
    """
    return {'teacher': {**TEACHER.flat(), 'epochs': args.teacher_epochs, 'seed': SEEDS[0]},
            'student': {**STUDENT.flat(), 'epochs': args.epochs}, 'seeds': args.seeds,
            'candidates': candidates(args), 'recipes': RECIPES, 'tiny_hidden': TINY_HIDDEN,
            'tiny_temperatures': args.tiny_temperatures, 'logits_temperature': PAPER_TEMPERATURE,
            'rule': 'fewest validation errors, mean over the seeds; ties: paper recipe, higher T, shorter',
            'alpha': DistillationConfigs.alpha}


def measure(args, data, runs: Runs) -> dict:
    """
    ### Every model, in worker processes, then the table's numbers
    """
    fixed = protocol(args)
    # One worker trains in this process, on the data the page loaded
    setup = (lambda: {'data': data, 'runs': runs, 'args': args, 'teacher': None}) if args.workers == 1 else worker_setup
    # The workers get the options without the output folder's lock, which this process holds
    worker_args = argparse.Namespace(**{key: value for key, value in vars(args).items() if key != 'output_lock'})
    setup_args = () if args.workers == 1 else (args.data_dir, args.train_subset, dataset.MNIST_TRAINING_DIGITS,
                                                runs, worker_args)
    results, progress = run_jobs(jobs(args), train_model, setup, setup_args, args.workers,
                                 log_dir=runs.logs_dir / 'mnist_workers', study=runs.id)
    models = {'teacher': {'recipe': None, 'temperature': None, 'epochs': args.teacher_epochs, 'seeds': {}}}
    specs = {job.name: job.spec for job in jobs(args)}
    for job_name, result in results.items():
        runs.uuids.append(result['uuid'])
        spec = specs[job_name]
        name = spec.get('name', 'teacher')
        model = models.setdefault(name, {'recipe': spec.get('recipe'), 'temperature': spec.get('temperature'),
                                         'epochs': spec.get('epochs'), 'matching': spec.get('matching'), 'seeds': {}})
        keep = ('uuid', 'epochs', 'valid_errors', 'test_errors', 'valid_curve', 'test_curve', 'wrong',
                'seconds', 'cpu_seconds')
        model['seeds'][str(spec.get('seed', SEEDS[0]))] = {key: result[key] for key in keep}
    measured = {'teacher_seed': SEEDS[0], 'seeds': args.seeds, 'epochs': args.epochs,
                'long_epochs': args.long_epochs, 'teacher_epochs': args.teacher_epochs,
                'temperatures': args.temperatures, 'candidates': candidates(args),
                'tiny_temperatures': args.tiny_temperatures, 'tiny_hidden': TINY_HIDDEN,
                'alpha': DistillationConfigs.alpha, 'train_examples': len(data.train_labels),
                'valid_examples': len(data.valid_labels), 'test_examples': len(data.test_labels),
                'protocol': fixed,
                'protocol_sha256': hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest(),
                'protocol_commit': {'commit': PROTOCOL_COMMIT, 'time': commit_time(PROTOCOL_COMMIT)},
                'study': runs.id, 'study_created': study_created(runs.id),
                'models': models, 'timing': timing(runs.logs_dir / 'mnist_workers' / SITTINGS_FILE, runs.id, results,
                                                   args.workers)}
    return {**measured, 'summary': summarize(models, measured)}


def timing(sittings_path: Path, study: str, results: dict, workers: int) -> dict:
    """
    ### The page's wall time: the time its sittings worked, not the hours between them

    Read back from the record every sitting keeps ([how](../engineering/parallel.html)): the
    number of sittings, the minutes they worked, the training minutes of the models summed,
    the mean load while they worked, and the largest peak memory of a worker that trained. The
    command that publishes from finished runs trains nothing, and is not counted.
    """
    record = read_sittings(sittings_path, study)
    return {'wall_minutes': round(record['wall_seconds'] / 60, 1), 'sittings': record['sittings'],
            'reconstructed_sittings': record['reconstructed'],
            # The workers the sittings trained with (the record of a reconstructed sitting may not say)
            'workers': max(record['workers'], default=workers),
            'model_minutes': round(sum(record['job_seconds'].values()) / 60, 1),
            # A sitting shorter than a heartbeat recorded no load: the load now stands in
            'mean_load': record['mean_load'] if record['mean_load'] is not None else round(os.getloadavg()[0], 2),
            'peak_rss_mib': record['peak_rss_mib'] or max(run['peak_rss_mib'] for run in results.values())}


def options(parser: argparse.ArgumentParser):
    """
    ### The page's own options: the longer students' epochs, the tiny students' temperatures, the workers
    """
    parser.add_argument('--long-epochs', type=positive_int, default=LONG_EPOCHS, metavar='N',
                        help=f'epochs of the longer distilled students (default: {LONG_EPOCHS})')
    parser.add_argument('--tiny-temperatures', type=valid_temperature, nargs='+', metavar='T',
                        default=TINY_TEMPERATURES,
                        help='temperatures of the 30-unit students (default: 1 2 4 8 20)')
    parser.add_argument('--workers', type=positive_int, default=min(os.cpu_count() or 1, 8), metavar='N',
                        help='models trained at once, one process each (default: the cores, at most 8)')


PAGE = Page('mnist', "The paper's MNIST experiment on the full 60,000 digits.", data='mnist',
            defaults=dict(seeds=SEEDS, epochs=STUDENT.epochs, teacher_epochs=TEACHER.epochs,
                          temperatures=TEMPERATURES),
            options=options)


def main(argv: list[str] | None = None) -> dict:
    """
    ### Train the teacher and every student, then write the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
