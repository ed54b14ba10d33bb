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
once with `python -m labml_nn_distill.engineering.fetch mnist`.

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
from its last epoch (the [run engine](../engineering/runs.html) finds the page's runs again).

The measured numbers are on the [results page](results.html#the-papers-mnist-experiment).
"""

import argparse
from dataclasses import replace
from pathlib import Path

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.options import valid_temperature
from labml_nn_distill.engineering.report import Outputs, html_table, pyplot, save_svg
from labml_nn_distill.engineering.runs import RunResult, Runs
from labml_nn_distill.large import PaperTeacher
from labml_nn_distill.paper import Page, fewest_on_validation, student_name
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs

# The paper's test errors (section 3)
PAPER_ERRORS = {'teacher': 67, 'baseline': 146, 'distilled': 74}
# Temperatures the distilled student is trained at; validation picks one
TEMPERATURES = [2.0, 5.0, 10.0, 20.0]
# The too-small student's hidden units, and its temperatures
TINY_HIDDEN = 30
TINY_TEMPERATURES = [1.0, 2.0, 4.0, 8.0, 20.0]
# The labml experiment of this page's teacher, so that other pages can take it
TEACHER_RUNS = 'mnist_paper_teacher'


# ## The training of each model
#
# Adam with a one-cycle schedule peaking at $10^{-3}$, batches of 128, for every model; the
# teacher for 80 epochs on jittered digits, the students for 30 on the digits as they are.
TEACHER = TrainConfigs(epochs=80, batch_size=128, learning_rate=1e-3, schedule='one_cycle', augment=True)
STUDENT = TrainConfigs(epochs=30, batch_size=128, learning_rate=1e-3, schedule='one_cycle')


def teacher_share(seed: int, epochs: int) -> dict:
    """
    ### What the teacher's final checkpoint records, by which the other full-MNIST pages find it
    """
    return {'page': 'mnist', 'seed': seed, 'teacher_epochs': epochs}


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


def entry(result: RunResult, epochs: int) -> dict:
    """
    ### A model as the page's JSON records it: its numbers at the end, and after each epoch
    """
    history = result.history
    return {'uuid': result.uuid, 'epochs': epochs,
            'valid_errors': history[-1]['valid_errors'], 'test_errors': result.test_errors,
            'valid_curve': [h['valid_errors'] for h in history], 'test_curve': [h['test_errors'] for h in history]}


def students(data, teacher: PaperTeacher, runs: Runs, args) -> dict:
    """
    ### The baseline, the distilled students at each temperature, logit matching, the tiny ones
    """
    student = replace(STUDENT, epochs=args.epochs, seed=args.seed)
    models = {}

    def run(name: str, key: dict, hidden: int, configs, teacher=None):
        result = runs.train(key, MnistStudent(hidden=hidden), data, configs, 'mnist_paper_student',
                            teacher=teacher, extra={'page': 'mnist', 'seed': args.seed, 'model_name': name})
        models[name] = entry(result, configs.epochs)

    for hidden, temperatures, prefix in ((800, args.temperatures, ''),
                                         (TINY_HIDDEN, args.tiny_temperatures, 'tiny_')):
        # The same initial weights and batch order for every student of one size
        run(f'{prefix}baseline', {'hidden': hidden, 'model': 'baseline'}, hidden, student)
        for temperature in temperatures:
            configs = replace(student, distillation=DistillationConfigs(temperature=temperature))
            run(student_name(temperature, prefix), {'hidden': hidden, 'temperature': temperature}, hidden,
                configs, teacher)
        if not prefix:
            # Logit matching: squared differences of logits in place of the soft targets
            run('logits', {'hidden': hidden, 'model': 'logits'}, hidden, replace(student, matching='logits'), teacher)
    return models


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


def chosen_temperature(models: dict, temperatures: list[float], prefix: str = '') -> float:
    """
    ### The temperature whose student, among those of `prefix`, made the fewest validation errors
    """
    return fewest_on_validation({t: models[student_name(t, prefix)]['valid_errors'] for t in temperatures})


def summarize(models: dict, temperatures: list[float], tiny_temperatures: list[float]) -> dict:
    """
    ### The table's numbers: each model against the paper, and the share of the gap closed
    """
    chosen = student_name(chosen_temperature(models, temperatures))
    ours = {'teacher': models['teacher']['test_errors'], 'baseline': models['baseline']['test_errors'],
            'distilled': models[chosen]['test_errors']}
    gap = ours['baseline'] - ours['teacher']
    return {'chosen': chosen, 'chosen_tiny': student_name(chosen_temperature(models, tiny_temperatures, 'tiny_'), 'tiny_'),
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
    chosen = f'{chosen_temperature(models, results["temperatures"]):g}'
    labels = {'teacher': 'teacher 784-1200-1200-10, dropout, jitter',
              'baseline': 'student 784-800-800-10, labels only',
              'distilled': f'student distilled at T = {chosen} (chosen on validation)'}
    rows = [[labels[name], str(paper[name]), str(ours[name]), f'{ours[name] - paper[name]:+d}']
            for name in ('teacher', 'baseline', 'distilled')]
    def row(label: str, name: str) -> list[str]:
        return [label, str(models[name]['valid_errors']), str(models[name]['test_errors'])]

    sweep = [row('baseline', 'baseline'), *[row(f'T = {t:g}', student_name(t)) for t in results['temperatures']],
             row(f'logit matching (squared error, α = {results["alpha"]:g})', 'logits')]
    tiny = [row('baseline', 'tiny_baseline'),
            *[row(f'T = {t:g}', student_name(t, 'tiny_')) for t in results['tiny_temperatures']]]
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
        f'(chosen on validation: T = {chosen_temperature(models, results["tiny_temperatures"], "tiny_"):g}):',
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


def measure(args, data, runs: Runs) -> dict:
    """
    ### The teacher and every student, then the table's numbers
    """
    teacher, teacher_run = paper_teacher(data, runs, args.seed, args.teacher_epochs)
    models = {'teacher': entry(teacher_run, args.teacher_epochs), **students(data, teacher, runs, args)}
    times = wall_times(args.logs_dir, models)
    return {'seed': args.seed, 'epochs': args.epochs, 'teacher_epochs': args.teacher_epochs,
            'temperatures': args.temperatures, 'tiny_temperatures': args.tiny_temperatures,
            'tiny_hidden': TINY_HIDDEN, 'alpha': DistillationConfigs.alpha,
            'train_examples': len(data.train_labels), 'valid_examples': len(data.valid_labels),
            'test_examples': len(data.test_labels), 'models': models, 'wall_times': times,
            'model_seconds': round(sum(time['seconds'] for time in times.values()), 1),
            'summary': summarize(models, args.temperatures, args.tiny_temperatures)}


def options(parser: argparse.ArgumentParser):
    """
    ### The page's own options: the temperatures of the too-small student
    """
    parser.add_argument('--tiny-temperatures', type=valid_temperature, nargs='+', metavar='T',
                        default=TINY_TEMPERATURES,
                        help='temperatures of the 30-unit students (default: 1 2 4 8 20)')


PAGE = Page('mnist', "The paper's MNIST experiment on the full 60,000 digits.", data='mnist',
            defaults=dict(seed=0, epochs=STUDENT.epochs, teacher_epochs=TEACHER.epochs, temperatures=TEMPERATURES),
            options=options)


def main(argv: list[str] | None = None) -> dict:
    """
    ### Train the teacher and every student, then write the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
