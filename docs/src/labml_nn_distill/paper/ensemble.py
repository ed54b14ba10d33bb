r"""
---
title: An ensemble as the teacher
summary: >
  Average the predictive distributions of several teachers trained with different seeds,
  and distil the ensemble into one student; compare with students of single teachers.
---

# An ensemble as the teacher

The paper's motivation is the ensemble: averaging the predictions of many models is an easy
way to improve almost any learner, but too expensive to deploy, so we distil the ensemble
into one model. In its speech experiment ten models trained from different initial weights
were averaged, and a single model distilled from them kept most of the ensemble's gain.

## Averaging at temperature $T$

With teachers $k = 1 \dots K$ and their logits $v^{(k)}$, the ensemble's distribution at
temperature $T$ is the arithmetic mean of theirs,

$$p_i = \frac{1}{K} \sum_{k=1}^K \mathrm{softmax}\big(v^{(k)} / T\big)_i$$

The [distillation loss](../index.html) takes teacher *logits*, not probabilities. Any logits
whose softmax at temperature $T$ is $p$ will do, and

$$\tilde v_i = T \log p_i = T \log \sum_k e^{\log \mathrm{softmax}(v^{(k)} / T)_i} - T \log K$$

is one: $\mathrm{softmax}(\tilde v / T) = \mathrm{softmax}(\log p) = p$, because $p$ already
sums to one. `EnsembleTeacher` computes $\tilde v$ with `logsumexp`, which stays finite for
very confident teachers. Note that the average depends on $T$: averaging at $T = 8$ is not
the same as averaging at $T = 1$ and then softening. We average at the temperature used for
distillation, and report the ensemble's own accuracy at $T = 1$.

## The experiment

`python -m labml_nn_distill.paper.ensemble` trains (or reuses, from the other pages' labml runs)
one teacher per seed (each the study's small CNN with dropout, [the teacher](../large.html),
not the paper's 1200-1200 network), then distils the same student, from the same initial weights and
batch order, once from each teacher alone and once from their ensemble. The measured numbers
are on the [results page](results.html):

![Test errors of teachers and of their students](images/ensemble.svg)
"""

import math

import torch
from torch import nn

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.report import (Outputs, format_mean_sd, html_table, mean_sd, pyplot, save_svg,
                                                 time_taken)
from labml_nn_distill.paper import STUDENT_EPOCHS, TEACHER_EPOCHS, Page, embedded_teacher
from labml_nn_distill.paper.comparing import paired_bootstrap, verdict
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs, evaluate, mistakes


class EnsembleTeacher(nn.Module):
    """
    ### Several teachers as one, averaging their probabilities at temperature $T$
    """

    def __init__(self, teachers: list[nn.Module], temperature: float):
        super().__init__()
        # A `ModuleList`, so that `eval()` reaches every teacher (no dropout when predicting)
        self.teachers = nn.ModuleList(teachers)
        self.temperature = temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # $\log \mathrm{softmax}(v^{(k)} / T)$ of each teacher, stacked: `[K, batch_size, n_classes]`
        log_p = torch.stack([torch.log_softmax(teacher(x) / self.temperature, dim=-1)
                             for teacher in self.teachers])
        # $\log p_i = \log \frac{1}{K} \sum_k \mathrm{softmax}(v^{(k)}/T)_i$, then $\tilde v = T \log p$
        log_mean = torch.logsumexp(log_p, dim=0) - math.log(len(self.teachers))
        return self.temperature * log_mean


def run(data, args, runs) -> dict:
    """
    ### Teachers, their ensemble, and one distilled student per teacher and for the ensemble

    The students all use the first seed: the same initial weights and batch order, so they
    differ only in their teacher.
    """
    student_seed = args.seeds[0]
    configs = TrainConfigs(epochs=args.epochs, seed=student_seed,
                           distillation=DistillationConfigs(temperature=args.temperature))
    teachers, results = {}, {'teachers': {}, 'students': {}}
    for seed in args.seeds:
        teachers[str(seed)], teacher_run = embedded_teacher(data, runs, seed, args.teacher_epochs)
        results['teachers'][str(seed)] = {'test_errors': teacher_run.test_errors, 'uuid': teacher_run.uuid,
                                          'wrong': mistakes(teachers[str(seed)], data)}
    # The ensemble's own errors are those of its average at $T = 1$
    average = EnsembleTeacher(list(teachers.values()), 1.0)
    results['teachers']['ensemble'] = {'test_errors': evaluate(average, data)['errors'],
                                       'wrong': mistakes(average, data)}
    # Distil from each teacher alone, then from the ensemble at the distillation temperature
    sources = {**teachers, 'ensemble': EnsembleTeacher(list(teachers.values()), args.temperature)}
    for name, teacher in sources.items():
        student = MnistStudent()
        result = runs.train({'teacher': name}, student, data, configs, 'mnist5k_ensemble_distilled',
                            teacher=teacher, extra={'page': 'ensemble', 'teacher': name, 'teacher_seeds': args.seeds})
        results['students'][name] = {'test_errors': result.test_errors, 'uuid': result.uuid,
                                     'wrong': mistakes(student, data)}
    return results


def compare(results: dict, seeds: list[int], n_examples: int) -> dict:
    """
    ### The ensemble against single teachers, and its student against theirs

    Paired over the test digits, with the single teachers (and their students) as the
    samples that are resampled: how sure are we that the ensemble beats *a* single one?
    """
    comparisons = {}
    for role in ('teachers', 'students'):
        singles = [results[role][str(seed)]['wrong'] for seed in seeds]
        comparisons[role] = paired_bootstrap([results[role]['ensemble']['wrong']] * len(singles), singles, n_examples)
    return comparisons


def summarize(results: dict, seeds: list[int]) -> dict:
    r"""
    ### Single teachers and their students as mean $\pm$ sd, beside the ensemble's
    """
    singles = [str(seed) for seed in seeds]
    return {'single_teacher': mean_sd([results['teachers'][s]['test_errors'] for s in singles]),
            'single_student': mean_sd([results['students'][s]['test_errors'] for s in singles]),
            'ensemble_teacher': results['teachers']['ensemble']['test_errors'],
            'ensemble_student': results['students']['ensemble']['test_errors']}


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    runs, summary = results['runs'], results['summary']
    rows = [[f'teacher seed {seed}', f'{runs["teachers"][str(seed)]["test_errors"]}',
             f'{runs["students"][str(seed)]["test_errors"]}'] for seed in results['seeds']]
    n = len(results['seeds'])
    rows.append(['single teachers, mean ± sd', format_mean_sd(*summary['single_teacher'], n),
                 format_mean_sd(*summary['single_student'], n)])
    rows.append([f'ensemble of {len(results["seeds"])}', f'{summary["ensemble_teacher"]}',
                 f'{summary["ensemble_student"]}'])
    return '\n'.join([
        '## An ensemble as the teacher',
        '',
        f'From [ensemble.py](ensemble.py): `{results["command"]}` (teacher seeds '
        f'{", ".join(map(str, results["seeds"]))}, students all seed {results["seeds"][0]}, '
        f'{results["epochs"]} epochs at T = {results["temperature"]:g}; teachers '
        f'{results["teacher_epochs"]} epochs; {time_taken(results)} on {results["machine"]}). '
        f'Test errors out of {results["test_examples"]:,}; the ensemble averages its teachers\' '
        f'probabilities (at T = 1 for its own errors, at T = {results["temperature"]:g} as a teacher).',
        '',
        html_table(['teacher', 'teacher test errors', 'distilled student test errors'], rows),
        '',
        'Paired over the test digits and resampling the single teachers '
        '([how](comparing.html)): '
        + verdict(results['comparisons']['teachers'], 'the ensemble', 'a single teacher') + '; '
        + verdict(results['comparisons']['students'], "the ensemble's student", "a single teacher's student") + '.',
        '',
        '![Test errors of teachers and of their students](images/ensemble.svg)',
    ])


def plot(results: dict, outputs: Outputs):
    """
    ### Bars: test errors of each teacher and of the student distilled from it
    """
    plt = pyplot()
    names = [*map(str, results['seeds']), 'ensemble']
    labels = [f'seed {name}' if name != 'ensemble' else 'ensemble' for name in names]
    positions = range(len(names))
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for offset, role, color in ((-0.2, 'teachers', 'black'), (0.2, 'students', 'tab:green')):
        values = [results['runs'][role][name]['test_errors'] for name in names]
        axes.bar([p + offset for p in positions], values, width=0.4, color=color,
                 label='teacher' if role == 'teachers' else 'distilled student')
        for p, value in zip(positions, values):
            axes.annotate(f'{value}', (p + offset, value), ha='center', va='bottom')
    axes.set_xticks(list(positions), labels)
    axes.set(ylabel=f'test errors (of {results["test_examples"]:,})', title='Single teachers and their ensemble')
    axes.legend()
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'ensemble.svg')


def measure(args, data, runs) -> dict:
    """
    ### The teachers and students, then the comparisons
    """
    results = run(data, args, runs)
    return {'seeds': args.seeds, 'epochs': args.epochs, 'teacher_epochs': args.teacher_epochs,
            'temperature': args.temperature, 'alpha': DistillationConfigs.alpha,
            'test_examples': len(data.test_labels), 'runs': results, 'summary': summarize(results, args.seeds),
            'comparisons': compare(results, args.seeds, len(data.test_labels))}


PAGE = Page('ensemble', 'Distil an ensemble of teachers into one student.', data='mnist5k',
            defaults=dict(seeds=[0, 1, 2, 3, 4], epochs=STUDENT_EPOCHS, teacher_epochs=TEACHER_EPOCHS,
                          temperature=DistillationConfigs.temperature))


def main(argv: list[str] | None = None) -> dict:
    """
    ### Run, then write the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
