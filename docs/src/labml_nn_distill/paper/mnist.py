r"""
---
title: The paper's MNIST experiment
summary: >
  Section 3 of the paper on the full 60,000 digits: a 1200-1200 teacher with dropout and
  jitter, an 800-800 student on the labels alone, and the same student distilled at the
  temperature that validation prefers; the paper's errors beside ours.
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
once with `python -m labml_nn_distill.dataset fetch mnist`.

## What we do the same, and what we do not

The shapes, the dropout-free student, the jitter of the teacher's inputs and $T = 20$ are the
paper's. The paper does not give its optimiser, dropout rates, weight bound or training
length; ours are below, chosen so that the whole run takes under an hour on two CPU cores
(its wall time heads its block on the results page). The teacher trains for 80 epochs; the
results page lists its validation errors every ten epochs, so that one can see how much it
was still improving when it stopped, which is where more compute would bring it closer to
the paper's. We also train the distilled students with
$\alpha = 0.9$, the study's weight of the soft term; the paper does not give its weight for
this experiment.

## How the choices were made

The last 10,000 of the 60,000 training digits are held out as the *validation* set; the
models train on the other 50,000. Every choice is made on validation errors: the temperature
of the distilled student, out of a small grid that contains the paper's 20. Learning rate,
schedule, dropout and weight bound were fixed before this run, from one pilot run of the
teacher judged on its validation errors, and not tuned further. The teacher's length was
chosen on validation too: a first full run with a 40-epoch teacher ended with its validation
errors still falling, and the teacher trained twice as long made fewer validation errors, so
the page now trains that one. The test digits are only
*reported*: each model's errors are recorded after every epoch, to draw the curves, but
nothing is chosen by them.

Beside the paper's three models, the same run trains two things the paper describes: a
student that matches the teacher's logits with a squared error instead of its soft targets
(section 2.1: at high temperature distillation *is* logit matching), and a much too small
student, 30 units per hidden layer, at several temperatures, to test the paper's remark that
such a student then learns best at intermediate temperatures.

Each model is one labml run, and each finished model is written down at once, so the page
survives a kill: run it again with `--resume` and it continues with the model it was training,
from its last epoch.

The measured numbers are on the [results page](results.html#the-papers-mnist-experiment).
"""

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.dataset import ImageData, load_dataset
from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering.checkpoint import finished_run, use_logs_dir
from labml_nn_distill.engineering.files import write_json
from labml_nn_distill.engineering.options import valid_temperature
from labml_nn_distill.engineering.report import Outputs, html_table, pyplot, run_page, run_record, save_svg
from labml_nn_distill.paper import arguments, fewest_on_validation
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs, train

# The paper's test errors (section 3)
PAPER_ERRORS = {'teacher': 67, 'baseline': 146, 'distilled': 74}
# Temperatures the distilled student is trained at; validation picks one
TEMPERATURES = [2.0, 5.0, 10.0, 20.0]
# The too-small student's hidden units, and its temperatures
TINY_HIDDEN = 30
TINY_TEMPERATURES = [1.0, 2.0, 4.0, 8.0, 20.0]
# The labml experiment of this page's teacher, so that other pages can take it
TEACHER_RUNS = 'mnist_paper_teacher'


class PaperTeacher(nn.Module):
    r"""
    ### The paper's teacher: MLP 784-1200-1200-10 with dropout and a max-norm bound

    Dropout drops 10 % of the input pixels and 30 % of each hidden layer's units. After every
    step of training, each unit's vector of incoming weights is scaled back to length at most
    `max_norm` (3.5), the constraint of Srivastava et al. that lets dropout nets train with large
    learning rates. We apply it just before each training forward pass, which is the same
    as after each step, and once more when the model is put in evaluation mode.
    """

    def __init__(self, hidden: int = 1200, input_dropout: float = 0.1, dropout: float = 0.3,
                 max_norm: float = 3.5, n_classes: int = 10):
        super().__init__()
        self.max_norm = max_norm
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Dropout(input_dropout),
            nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    @torch.no_grad()
    def constrain(self):
        """
        ### Scale each row of every weight matrix (a unit's incoming weights) to norm at most `max_norm`
        """
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                layer.weight.renorm_(2, 0, self.max_norm)

    def train(self, mode: bool = True):
        # The last step's update is bounded too before the model is used
        if not mode:
            self.constrain()
        return super().train(mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.constrain()
        return self.layers(x)


# ## The training of each model
#
# Adam with a one-cycle schedule peaking at $10^{-3}$, batches of 128, for every model; the
# teacher for 80 epochs on jittered digits, the students for 30 on the digits as they are.
TEACHER = TrainConfigs(epochs=80, batch_size=128, learning_rate=1e-3, schedule='one_cycle', augment=True)
STUDENT = TrainConfigs(epochs=30, batch_size=128, learning_rate=1e-3, schedule='one_cycle')


class Progress:
    """
    ### What has finished, written down after each model

    A JSON file in the logs folder: the results of finished models by name, and the run
    of the model in training. With `--resume` a finished model is taken from it and an
    unfinished one continues its labml run.
    """

    def __init__(self, path: Path, resume: bool, options: dict):
        self.path = path
        self.state = {'options': options, 'models': {}, 'training': None}
        if resume and path.exists():
            stored = json.loads(path.read_text())
            if stored['options'] != options:
                raise UserError(f'--resume: {path} was written with other options ({stored["options"]}); '
                                f'run again with those, or without --resume to start over.')
            self.state = stored
        elif resume:
            raise UserError(f'--resume: nothing to resume, {path} does not exist.')

    def run(self, name: str, model: nn.Module, data: ImageData, configs: TrainConfigs, experiment: str,
            teacher: nn.Module | None = None, extra: dict | None = None) -> dict:
        """
        ### Train `model` as `name` unless it finished before; returns its results
        """
        if name in self.state['models']:
            return self.state['models'][name]
        training = self.state['training']
        uuid = training['uuid'] if training and training['name'] == name else None
        # Record the run's uuid as soon as labml has made it, so that a kill can be resumed
        result = train(model, data, configs, experiment, teacher=teacher, uuid=uuid,
                       logs_dir=self.path.parent, extra_configs={**(extra or {}), 'model_name': name},
                       on_start=lambda run_uuid: self._training(name, run_uuid))
        # Its wall time is read from the run's folder at the end (`wall_times`): this
        # process may have run only the part after a kill
        history = result.history
        self.state['models'][name] = {
            'uuid': result.uuid, 'epochs': configs.epochs,
            'valid_errors': history[-1]['valid_errors'], 'test_errors': result.test_errors,
            'valid_curve': [h['valid_errors'] for h in history], 'test_curve': [h['test_errors'] for h in history]}
        self.state['training'] = None
        write_json(self.path, self.state)
        return self.state['models'][name]

    def _training(self, name: str, uuid: str):
        self.state['training'] = {'name': name, 'uuid': uuid}
        write_json(self.path, self.state)


def teacher_key(seed: int, epochs: int) -> dict:
    """
    ### What the teacher's final checkpoint records, by which a finished teacher is found
    """
    return {'page': 'mnist', 'seed': seed, 'teacher_epochs': epochs}


def finished_teacher(logs_dir: Path, seed: int, epochs: int) -> tuple[str, PaperTeacher] | None:
    """
    ### The uuid and weights of this page's finished teacher of `seed` and `epochs`, or `None`
    """
    found = finished_run(logs_dir, TEACHER_RUNS, teacher_key(seed, epochs))
    if found is None:
        return None
    teacher = PaperTeacher()
    teacher.load_state_dict(found[1]['model'])
    return found[0], teacher


def required_teacher(logs_dir: Path, epochs: int) -> tuple[str, PaperTeacher]:
    """
    ### The teacher that the other full-MNIST pages take, or a one-line error saying how to train it
    """
    found = finished_teacher(logs_dir, 0, epochs)
    if found is None:
        raise SystemExit(f'error: no finished MNIST teacher of {epochs} epochs under {logs_dir / TEACHER_RUNS}; '
                         f'run `python -m labml_nn_distill.paper.mnist` first.')
    return found


def paper_teacher(data: ImageData, progress: Progress, seed: int, epochs: int) -> PaperTeacher:
    """
    ### The teacher, trained or taken from its finished labml run
    """
    progress.run('teacher', PaperTeacher(), data, replace(TEACHER, epochs=epochs, seed=seed), TEACHER_RUNS,
                 extra=teacher_key(seed, epochs))
    found = finished_teacher(progress.path.parent, seed, epochs)
    if found is None:
        raise UserError(f'The teacher run of {progress.path} has no final model.pt under '
                        f'{progress.path.parent / TEACHER_RUNS}; run again without --resume.')
    return found[1]


def mnist_arguments(page: str, description: str, **defaults) -> argparse.ArgumentParser:
    """
    ### A full-MNIST page's command line: `arguments` and the folder of the fetched digits
    """
    parser = arguments(page, description, **defaults)
    parser.add_argument('--data-dir', type=Path, default=Path('data'),
                        help='folder with the fetched MNIST (default: data)')
    return parser


def mnist_setup(args: argparse.Namespace) -> tuple[ImageData, Path]:
    """
    ### The full MNIST (its first `--train-subset` training digits), the threads and the logs folder

    What `paper.setup` is for the embedded digits.
    """
    torch.set_num_threads(args.threads)
    # `arguments` checked the logs folder; labml writes its runs there
    use_logs_dir(args.logs_dir)
    data = load_dataset('mnist', args.data_dir)
    if args.train_subset is not None:
        data.train_images, data.train_labels = data.train_images[:args.train_subset], data.train_labels[:args.train_subset]
    return data, args.logs_dir


def students(data: ImageData, teacher: nn.Module, progress: Progress, args) -> None:
    """
    ### The baseline, the distilled students at each temperature, logit matching, the tiny ones
    """
    student = replace(STUDENT, epochs=args.epochs, seed=args.seed)
    extra = {'page': 'mnist', 'seed': args.seed}
    for hidden, temperatures, prefix in ((800, args.temperatures, ''),
                                         (TINY_HIDDEN, args.tiny_temperatures, 'tiny_')):
        # The same initial weights and batch order for every student of one size
        progress.run(f'{prefix}baseline', MnistStudent(hidden=hidden), data, student, 'mnist_paper_student',
                     extra=extra)
        for temperature in temperatures:
            configs = replace(student, distillation=DistillationConfigs(temperature=temperature))
            progress.run(f'{prefix}T={temperature:g}', MnistStudent(hidden=hidden), data, configs,
                         'mnist_paper_student', teacher=teacher, extra=extra)
        if not prefix:
            # Logit matching: squared differences of logits in place of the soft targets
            progress.run('logits', MnistStudent(hidden=hidden), data, replace(student, loss='logits'),
                         'mnist_paper_student', teacher=teacher, extra=extra)


def wall_times(logs_dir: Path, models: dict) -> dict:
    """
    ### Each model's wall time from its labml run folder, kills and restarts included

    From the first start of the run (its first `run.yaml`; labml keeps the earlier ones as
    `run.yaml.0`, ... when a run continues) to its final `model.pt`; with the number of restarts.
    """
    times = {}
    for name, model in models.items():
        folder = next(Path(logs_dir).glob(f'*/{model["uuid"]}'))
        starts = [path.stat().st_mtime for path in folder.glob('run.yaml*')]
        final = max(path.stat().st_mtime for path in folder.glob('checkpoints/*/model.pt'))
        times[name] = {'seconds': round(final - min(starts), 1), 'restarts': len(starts) - 1}
    return times


def best_on_validation(models: dict, temperatures: list[float], prefix: str = '') -> str:
    """
    ### The student, among those named `{prefix}T=<t>`, with the fewest validation errors
    """
    return f'{prefix}T={fewest_on_validation({t: models[f"{prefix}T={t:g}"]["valid_errors"] for t in temperatures}):g}'


def summarize(models: dict, temperatures: list[float], tiny_temperatures: list[float]) -> dict:
    """
    ### The table's numbers: each model against the paper, and the share of the gap closed
    """
    chosen = best_on_validation(models, temperatures)
    ours = {'teacher': models['teacher']['test_errors'], 'baseline': models['baseline']['test_errors'],
            'distilled': models[chosen]['test_errors']}
    gap = ours['baseline'] - ours['teacher']
    return {'chosen': chosen, 'chosen_tiny': best_on_validation(models, tiny_temperatures, 'tiny_'),
            'ours': ours, 'paper': PAPER_ERRORS,
            'gap_closed': (ours['baseline'] - ours['distilled']) / gap if gap > 0 else None,
            'paper_gap_closed': (PAPER_ERRORS['baseline'] - PAPER_ERRORS['distilled'])
            / (PAPER_ERRORS['baseline'] - PAPER_ERRORS['teacher'])}


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    models, summary = results['models'], results['summary']
    ours, paper = summary['ours'], summary['paper']
    chosen = summary['chosen'].split('=')[1]
    labels = {'teacher': 'teacher 784-1200-1200-10, dropout, jitter',
              'baseline': 'student 784-800-800-10, labels only',
              'distilled': f'student distilled at T = {chosen} (chosen on validation)'}
    rows = [[labels[name], str(paper[name]), str(ours[name]), f'{ours[name] - paper[name]:+d}']
            for name in ('teacher', 'baseline', 'distilled')]
    sweep = [[f'{name.replace("tiny_", "").replace("T=", "T = ") if "T=" in name else name}',
              str(models[name]['valid_errors']), str(models[name]['test_errors'])]
             for name in ['baseline', *[f'T={t:g}' for t in results['temperatures']], 'logits']]
    sweep[-1][0] = f'logit matching (squared error, α = {results["alpha"]:g})'
    tiny = [[name.replace('tiny_', '').replace('T=', 'T = '), str(models[name]['valid_errors']),
             str(models[name]['test_errors'])]
            for name in ['tiny_baseline', *[f'tiny_T={t:g}' for t in results['tiny_temperatures']]]]
    minutes = results['model_seconds'] / 60
    restarted = [name for name, time in results['wall_times'].items() if time['restarts']]
    restarts = (f'; {", ".join(restarted)} killed and resumed, the time between included' if restarted else '')
    gap = summary['gap_closed']
    curve = models['teacher']['valid_curve']
    checkpoints = [epoch for epoch in range(10, len(curve) + 1, 10)] or [len(curve)]
    teacher_curve = ', '.join(f'{curve[epoch - 1]} after {epoch}' for epoch in checkpoints)
    return '\n'.join([
        "## The paper's MNIST experiment",
        '',
        f'From [mnist.py](mnist.py): `{results["command"]}` (seed {results["seed"]}; teacher '
        f'{results["teacher_epochs"]} epochs, students {results["epochs"]}; {results["train_examples"]:,} '
        f'training, {results["valid_examples"]:,} validation and {results["test_examples"]:,} test digits; '
        f'{minutes:.1f} minutes of wall time for all its models together, each from its start to its '
        f'final checkpoint, on {results["machine"]}, a machine shared with other jobs{restarts}). '
        f'Test errors out of {results["test_examples"]:,}, one seed.',
        '',
        html_table(['model', 'paper', 'ours', 'ours − paper'], rows),
        '',
        f'The distilled student closes {100 * gap:.0f} % of the gap between the baseline and the '
        f'teacher; the paper\'s closes {100 * summary["paper_gap_closed"]:.0f} %.' if gap is not None else
        'Our teacher is not better than the baseline, so there is no gap to close.',
        '',
        f'The teacher\'s validation errors after so many epochs: {teacher_curve}.',
        '',
        'Every student of the 800-unit size, validation and test errors (of 10,000 each); the '
        'temperature was chosen by the validation column:',
        '',
        html_table(['student', 'validation errors', 'test errors'], sweep),
        '',
        f'The too-small student, {results["tiny_hidden"]} units per hidden layer, over the temperature '
        f'(chosen on validation: T = {summary["chosen_tiny"].split("=")[1]}):',
        '',
        html_table(['student', 'validation errors', 'test errors'], tiny),
        '',
        '![Validation and test errors after each epoch](images/mnist.svg)',
    ])


def plot(results: dict, outputs: Outputs):
    """
    ### Validation and test errors after each epoch, for the three models of the table
    """
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    models = results['models']
    names = [('teacher', 'teacher', 'black'), ('baseline', 'baseline student', 'tab:blue'),
             (results['summary']['chosen'], f'distilled, {results["summary"]["chosen"].replace("=", " = ")}',
              'tab:green')]
    for axis, curve, title in zip(axes, ('valid_curve', 'test_curve'), ('validation', 'test')):
        for name, label, color in names:
            values = models[name][curve]
            axis.plot(range(1, len(values) + 1), values, color=color, label=label)
        axis.set(xlabel='epoch', title=f'{title} errors (of 10,000)', yscale='log')
        axis.grid(alpha=0.3, which='both')
    axes[0].set_ylabel('errors')
    axes[0].legend()
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'mnist.svg')


def main(argv: list[str] | None = None) -> dict:
    """
    ### Train the teacher and every student, then write the JSON, the plot and the results block
    """
    started = time.perf_counter()
    parser = mnist_arguments('mnist', "The paper's MNIST experiment on the full 60,000 digits.",
                       epochs=STUDENT.epochs, teacher_epochs=TEACHER.epochs)
    parser.add_argument('--seed', type=int, default=0, help='seed of every model (default: 0)')
    parser.add_argument('--temperatures', type=valid_temperature, nargs='+', default=TEMPERATURES,
                        help='temperatures of the 800-unit distilled students (default: 2 5 10 20)')
    parser.add_argument('--tiny-temperatures', type=valid_temperature, nargs='+', default=TINY_TEMPERATURES,
                        help='temperatures of the 30-unit students (default: 1 2 4 8 20)')
    parser.add_argument('--resume', action='store_true',
                        help='continue the run that was stopped, with the same options')
    args = parser.parse_args(argv)
    data, logs_dir = mnist_setup(args)
    options = {key: value for key, value in vars(args).items()
               if key in ('seed', 'epochs', 'teacher_epochs', 'temperatures', 'tiny_temperatures', 'train_subset')}
    progress = Progress(logs_dir / 'mnist_paper_progress.json', args.resume, options)
    teacher = paper_teacher(data, progress, args.seed, args.teacher_epochs)
    students(data, teacher, progress, args)
    models = progress.state['models']
    results = {'page': 'mnist', 'seed': args.seed, 'epochs': args.epochs, 'teacher_epochs': args.teacher_epochs,
               'temperatures': args.temperatures, 'tiny_temperatures': args.tiny_temperatures,
               'tiny_hidden': TINY_HIDDEN, 'alpha': DistillationConfigs.alpha,
               'train_examples': len(data.train_labels), 'valid_examples': len(data.valid_labels),
               'test_examples': len(data.test_labels), 'models': models,
               'wall_times': (times := wall_times(logs_dir, models)),
               'model_seconds': round(sum(time['seconds'] for time in times.values()), 1),
               'summary': summarize(models, args.temperatures, args.tiny_temperatures),
               **run_record('mnist', argv, started)}
    return run_page('mnist', results, results_markdown, plot, args.output_dir, args.publish)


if __name__ == '__main__':
    main()
    sys.exit(0)
