r"""
---
title: Small and one-sided transfer sets
summary: >
  Two of the paper's claims about the transfer set, on the full MNIST with the paper's
  teacher: soft targets let a student learn from 3 % of the training digits, and a student
  that only ever sees 7s and 8s still knows the other digits once two biases are moved.
---

# Small and one-sided transfer sets

The *transfer set* is what the student is trained on. Two of the paper's experiments make it
small or strange, and both use the [MNIST teacher](mnist.html) trained on all 50,000
training digits, taken from that page's labml run (run that page first).

## Soft targets as a regulariser (section 6)

The paper trains its speech model on 3 % of the data: with hard labels it overfits badly
(test frame accuracy 44.5 %, against 58.9 % on all of the data) and needs early stopping;
with the soft targets of a model trained on all of it, the same 3 % gives 57.0 %, and "did
not require early stopping". Soft targets carry far more information per example than a
label, so fewer examples are needed.

We do the same with digits: the 800-800 student on a random 3 % of the training digits
(1,500), once on the labels and once on the teacher's soft targets ($T = 20$, the paper's
MNIST temperature, and the study's $\alpha = 0.9$), for the same number of steps. We report
the test errors both at the end of training and at the epoch where validation errors were
lowest, which is what early stopping would have kept.

This is an MNIST analogue of a *speech* experiment, not a reproduction of it: the paper's
3 % are frames of speech for an acoustic model with 14,000 classes of states, ours are
handwritten digits with ten, which a small network learns from far fewer examples. Only the
shape of the result can carry over, so the results page compares shapes: how much of the
gap between the labels on 3 % and the labels on all of the data the soft targets recover,
ours against the paper's (87 %, from 44.5 % to 57.0 % of the way to 58.9 %).

## A transfer set of only 7s and 8s (section 3)

In the paper, a student distilled on a transfer set holding only the 7s and 8s made 47.3 %
test errors; reducing the biases of classes 7 and 8 by 7.6 brought that to 13.2 %. The
student learns the other eight digits only from how much the teacher thinks each 7 or 8
resembles them, and those logits end up too low on average; one shift of two biases corrects
much of it. The paper chose its shift "to optimize test performance". We choose ours on the
validation digits, from a grid, and only report the test errors it gives.

![Validation errors on the small transfer set, and test errors against the bias shift](images/transfer_sets.svg)

Each comparison on the results page says whether the difference is larger than the noise
of the seeds and the 10,000 test digits ([how](comparing.html)).
The measured numbers are on the [results page](results.html#small-and-one-sided-transfer-sets).
"""

import argparse
from dataclasses import replace

import torch

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.dataset import ImageData
from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.options import positive_int
from labml_nn_distill.engineering.report import Outputs, format_mean_sd, html_table, mean_sd, pyplot, save_svg, time_taken
from labml_nn_distill.engineering.runs import finished_run, key_text
from labml_nn_distill.large import PaperTeacher
from labml_nn_distill.paper import Page
from labml_nn_distill.paper.comparing import paired_bootstrap, verdict
from labml_nn_distill.paper.mnist import STUDENT, TEACHER, paper_teacher
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import mistakes, predict

# The paper's numbers: speech frame accuracy (%) on 3 % of the data, and MNIST test errors (%) with 7s and 8s
PAPER = {'full_hard': 58.9, 'small_hard': 44.5, 'small_soft': 57.0,
         'sevens_eights': 47.3, 'sevens_eights_shifted': 13.2, 'shift': 7.6}
# The share of the training digits in the small transfer set
SHARE = 0.03
# Epochs on the small set: 60 passes over 1,500 digits, about 700 steps of 128
SMALL_EPOCHS = 60
# The classes of the one-sided transfer set, and the bias shifts tried on validation
SEEN = (7, 8)
SHIFTS = [round(0.25 * i, 2) for i in range(0, 81)]
# The distillation temperature of this page, the paper's for MNIST
TEMPERATURE = 20.0


def subset(data: ImageData, keep: torch.Tensor) -> ImageData:
    """
    ### The same data with only the training examples where `keep` is true
    """
    return replace(data, train_images=data.train_images[keep], train_labels=data.train_labels[keep])


def random_share(data: ImageData, share: float, seed: int) -> torch.Tensor:
    """
    ### A random `share` of the training examples, drawn from `seed`
    """
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(data.train_labels), generator=generator)
    keep = torch.zeros(len(data.train_labels), dtype=torch.bool)
    keep[order[:round(share * len(order))]] = True
    return keep


def shifted_errors(logits: torch.Tensor, labels: torch.Tensor, shift: float) -> torch.Tensor:
    """
    ### Which examples are wrong after lowering the logits of the seen classes by `shift`
    """
    shifted = logits.clone()
    shifted[:, list(SEEN)] -= shift
    return shifted.argmax(-1) != labels


def best_shift(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """
    ### The shift from the grid with the fewest errors (of validation digits); ties go to the smaller
    """
    return min(SHIFTS, key=lambda shift: (int(shifted_errors(logits, labels, shift).sum()), shift))


def wrong_of(errors: torch.Tensor) -> list[int]:
    return errors.nonzero().squeeze(1).tolist()


def run_seed(data: ImageData, teacher: PaperTeacher, seed: int, args, runs) -> dict:
    """
    ### The small transfer set, hard and soft, and the 7s-and-8s transfer set, for one seed
    """
    results = {}
    extra = {'page': 'transfer_sets', 'seed': seed}
    distilled = replace(STUDENT, seed=seed, distillation=DistillationConfigs(temperature=args.temperature))
    # 3 % of the training digits: labels against soft targets, the same initial weights and steps
    small = subset(data, random_share(data, SHARE, seed))
    for name, teacher_or_none in (('small_hard', None), ('small_soft', teacher)):
        configs = replace(distilled, epochs=args.small_epochs)
        model = MnistStudent()
        result = runs.train({'seed': seed, 'model': name}, model, small, configs, 'mnist_paper_small_transfer',
                            teacher=teacher_or_none, extra={**extra, 'model_name': name})
        history = result.history
        stop = min(history, key=lambda h: (h['valid_errors'], h['epoch']))
        results[name] = {'test_errors': result.test_errors, 'valid_errors': history[-1]['valid_errors'],
                         'early_stop_epoch': stop['epoch'], 'early_stop_test_errors': stop['test_errors'],
                         'valid_curve': [h['valid_errors'] for h in history],
                         'wrong': mistakes(model, data)}
    results['small_examples'] = len(small.train_labels)
    # Only the 7s and 8s: soft targets are all the student learns about the other digits
    one_sided = subset(data, (data.train_labels == SEEN[0]) | (data.train_labels == SEEN[1]))
    model = MnistStudent()
    runs.train({'seed': seed, 'model': 'sevens_eights'}, model, one_sided, replace(distilled, epochs=args.epochs),
               'mnist_paper_sevens_eights', teacher=teacher, extra={**extra, 'model_name': 'sevens_eights'})
    shift = best_shift(predict(model, data, data.valid_images), data.valid_labels)
    test_logits = predict(model, data, data.test_images)
    before, after = (shifted_errors(test_logits, data.test_labels, s) for s in (0.0, shift))
    results['sevens_eights'] = {'examples': len(one_sided.train_labels), 'shift': shift,
                                'test_errors': int(before.sum()), 'shifted_test_errors': int(after.sum()),
                                'wrong': wrong_of(before), 'shifted_wrong': wrong_of(after),
                                'curve': [int(shifted_errors(test_logits, data.test_labels, s).sum())
                                          for s in SHIFTS]}
    return results


def full_data_baseline(data: ImageData, runs, seed: int) -> dict:
    """
    ### The MNIST page's baseline of this seed: the same student on the labels of all 50,000 digits

    It is the far end of the gap that the soft targets on 3 % close: the labels on 3 % are
    one end, the labels on all of the data the other. It is taken from that page's run, as the
    teacher is, so that both pages report the same model.
    """
    share = {'page': 'mnist', 'model_name': 'baseline',
             'run_key': key_text({'hidden': 800, 'name': 'baseline', 'seed': seed})}
    run_path = finished_run(runs.logs_dir, 'mnist_paper_student', share)
    if run_path is None:
        raise UserError(f'no finished baseline student of seed {seed} from the MNIST page under {runs.logs_dir}: '
                        f'run `python -m labml_nn_distill.paper.mnist` first, with the same --logs-dir.')
    model = MnistStudent()
    result = runs.finished(run_path, model, data, replace(STUDENT, seed=seed))
    runs.uuids.append(run_path.name)
    return {'uuid': run_path.name, 'test_errors': result.test_errors}


def share_recovered(hard: float, soft: float, full: float) -> float:
    """
    ### The share of the gap between labels on the small set and labels on all of the data that soft targets recover

    In errors (fewer is better); the paper's numbers are accuracies, where the same share is
    $(57.0 - 44.5) / (58.9 - 44.5)$.
    """
    return (hard - soft) / (hard - full)


def summarize(per_seed: dict) -> dict:
    r"""
    ### Mean $\pm$ sd over seeds
    """
    seeds = list(per_seed)
    summary = {name: {key: mean_sd([per_seed[seed][name][key] for seed in seeds])
                      for key in ('test_errors', 'valid_errors', 'early_stop_test_errors', 'early_stop_epoch')}
               for name in ('small_hard', 'small_soft')}
    summary['sevens_eights'] = {key: mean_sd([per_seed[seed]['sevens_eights'][key] for seed in seeds])
                                for key in ('shift', 'test_errors', 'shifted_test_errors')}
    # The share of the gap recovered, per seed against that seed's full-data baseline
    summary['recovered'] = {when: mean_sd([share_recovered(per_seed[seed]['small_hard'][key],
                                                           per_seed[seed]['small_soft'][key],
                                                           per_seed[seed]['full_hard']['test_errors'])
                                           for seed in seeds])
                            for when, key in (('end', 'test_errors'), ('early_stop', 'early_stop_test_errors'))}
    summary['full_hard'] = mean_sd([per_seed[seed]['full_hard']['test_errors'] for seed in seeds])
    return summary


def compare(per_seed: dict, n_examples: int) -> dict:
    """
    ### Soft against hard targets on the small set (at the end, and early-stopped), and the shift
    """
    def wrong(name, key='wrong'):
        return [per_seed[seed][name][key] for seed in per_seed]

    return {'small_soft vs small_hard': paired_bootstrap(wrong('small_soft'), wrong('small_hard'), n_examples),
            'shifted vs unshifted': paired_bootstrap(wrong('sevens_eights', 'shifted_wrong'),
                                                     wrong('sevens_eights'), n_examples)}


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    summary, n, test = results['summary'], len(results['seeds']), results['test_examples']

    def value(mean_and_sd, digits=1):
        return format_mean_sd(*mean_and_sd, n, digits=digits, single_digits=0 if digits == 1 else digits)

    def percent(mean_and_sd):
        return format_mean_sd(100 * mean_and_sd[0] / test, 100 * mean_and_sd[1] / test, n, digits=2)

    first = results['per_seed'][str(results['seeds'][0])]
    small = [[{'small_hard': 'labels', 'small_soft': f'soft targets, T = {results["temperature"]:g}'}[name],
              value(summary[name]['test_errors']), value(summary[name]['early_stop_test_errors']),
              value(summary[name]['early_stop_epoch'])] for name in ('small_hard', 'small_soft')]
    sevens = summary['sevens_eights']
    paper = results['paper']
    one_sided = [['distilled on 7s and 8s only', f'{paper["sevens_eights"]} %', percent(sevens['test_errors'])],
                 ['the same, biases of 7 and 8 lowered', f'{paper["sevens_eights_shifted"]} % (by {paper["shift"]}, '
                  f'chosen on test)', f'{percent(sevens["shifted_test_errors"])} (by {value(sevens["shift"], 2)}, '
                  f'chosen on validation)']]
    comparisons = results['comparisons']
    paper_share = (paper['small_soft'] - paper['small_hard']) / (paper['full_hard'] - paper['small_hard'])

    def recovered(mean_and_sd):
        return format_mean_sd(100 * mean_and_sd[0], 100 * mean_and_sd[1], n, digits=0) + ' %'
    return '\n'.join([
        '## Small and one-sided transfer sets',
        '',
        f'From [transfer_sets.py](transfer_sets.py): `{results["command"]}` (seeds '
        f'{", ".join(map(str, results["seeds"]))}; the MNIST page\'s teacher; students at T = '
        f'{results["temperature"]:g}, α = {results["alpha"]:g}; {time_taken(results)} on {results["machine"]}). '
        f'Mean ± sd over seeds, test errors out of {test:,}.',
        '',
        f'The 800-800 student on {first["small_examples"]:,} training digits ({100 * results["share"]:g} %), '
        f'{results["small_epochs"]} epochs; the paper\'s speech model on 3 % of its data reached '
        f'{paper["small_hard"]} % test frame accuracy on labels and {paper["small_soft"]} % on soft targets '
        f'({paper["full_hard"]} % on all of it):',
        '',
        html_table(['trained on', 'test errors at the end', 'test errors, early-stopped on validation',
                    'epoch validation stopped at'], small),
        '',
        'Paired over seeds and test digits, at the end of training: '
        + verdict(comparisons['small_soft vs small_hard'], 'the student on soft targets', 'the student on labels') + '.',
        '',
        f'The same student on the labels of all {results["train_examples"]:,} training digits (the MNIST page\'s '
        f'baseline of each seed) makes {value(summary["full_hard"])} test errors. Of the gap between the labels on '
        f'{100 * results["share"]:g} % and the labels on all of the data, the soft targets recover '
        f'{recovered(summary["recovered"]["end"])} at the end of training and '
        f'{recovered(summary["recovered"]["early_stop"])} early-stopped (mean ± sd over the seeds); the paper\'s '
        f'speech model recovered {100 * paper_share:.0f} %, in frame accuracy.',
        '',
        f'The student distilled on the {first["sevens_eights"]["examples"]:,} training 7s and 8s alone, '
        f'{results["epochs"]} epochs; test errors in percent:',
        '',
        html_table(['model', 'paper', 'ours'], one_sided),
        '',
        'Paired over seeds and test digits: '
        + verdict(comparisons['shifted vs unshifted'], 'the student with its biases shifted', 'the student as trained') + '.',
        '',
        '![Validation errors on the small transfer set, and test errors against the bias shift](images/transfer_sets.svg)',
    ])


def plot(results: dict, outputs: Outputs):
    """
    ### Validation errors per epoch on the small set, and test errors against the shift
    """
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for i, seed in enumerate(results['seeds']):
        entry, alpha = results['per_seed'][str(seed)], 1.0 if i == 0 else 0.35
        for name, color, label in (('small_hard', 'tab:blue', 'labels'), ('small_soft', 'tab:green', 'soft targets')):
            curve = entry[name]['valid_curve']
            left.plot(range(1, len(curve) + 1), curve, color=color, alpha=alpha, label=label if i == 0 else None)
        right.plot(results['shifts'], entry['sevens_eights']['curve'], color='tab:green', alpha=alpha)
        right.axvline(entry['sevens_eights']['shift'], color='gray', linestyle=':', alpha=alpha)
    left.set(xlabel='epoch', ylabel='validation errors', yscale='log',
             title=f'{100 * results["share"]:g} % of the training digits')
    left.legend()
    right.set(xlabel='shift of the biases of 7 and 8', ylabel='test errors', yscale='log',
              title='Transfer set of 7s and 8s\n(dotted: shift chosen on validation)')
    for axis in (left, right):
        axis.grid(alpha=0.3, which='both')
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'transfer_sets.svg')


def measure(args, data, runs) -> dict:
    """
    ### Both experiments for every seed, on the MNIST page's teacher
    """
    teacher, teacher_run = paper_teacher(data, runs, 0, args.teacher_epochs, trains=False)
    per_seed = {str(seed): {**run_seed(data, teacher, seed, args, runs),
                            'full_hard': full_data_baseline(data, runs, seed)} for seed in args.seeds}
    return {'seeds': args.seeds, 'epochs': args.epochs, 'small_epochs': args.small_epochs,
            'temperature': args.temperature, 'alpha': DistillationConfigs.alpha, 'share': SHARE,
            'shifts': SHIFTS, 'teacher_run': teacher_run.uuid, 'paper': PAPER, 'test_examples': len(data.test_labels),
            'train_examples': len(data.train_labels),
            'per_seed': per_seed, 'summary': summarize(per_seed), 'comparisons': compare(per_seed, len(data.test_labels))}


def options(parser: argparse.ArgumentParser):
    """
    ### The page's own option: the length of training on the small transfer set
    """
    parser.add_argument('--small-epochs', type=positive_int, default=SMALL_EPOCHS,
                        help=f'epochs on the {100 * SHARE:g} %% transfer set (default: {SMALL_EPOCHS})')


PAGE = Page('transfer_sets', 'Small and one-sided transfer sets on the full MNIST.', data='mnist',
            defaults=dict(seeds=[0, 1, 2], epochs=STUDENT.epochs, teacher_epochs=TEACHER.epochs,
                          temperature=TEMPERATURE),
            options=options)


def main(argv: list[str] | None = None) -> dict:
    """
    ### Both experiments for every seed, then the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
