r"""
---
title: The omitted class
summary: >
  Remove every 3 from the transfer set: the student trained on labels never predicts a 3,
  the distilled student still recognises most 3s, and more of them once the bias of class 3
  is raised.
---

# The omitted class

Section 3 of the paper removes all examples of the digit 3 from the transfer set. The
distilled student has then never seen a 3, yet it made only 206 test errors on MNIST, 133
of them on the 1,010 test 3s; raising the bias of class 3 by 3.5 brought that to 14 errors
on the 3s. What the student knows about 3s it learned from the soft targets of *other*
digits: the teacher says how much an 8, a 5 or a 2 looks like a 3, and that is enough to
place the 3s.

We repeat this on the embedded digits:

* the **teacher** is trained on the whole training set, 3s included (as in the paper); it is
  the study's small CNN with dropout ([the teacher](../large.html)), not the paper's 1200-1200
  network, which [the paper's MNIST experiment](mnist.html) trains;
* the **transfer set** is the training set without its 3s;
* the **baseline** student learns the hard labels of the transfer set, which never say 3:
  nothing pushes the logit of 3 up, so it never predicts a 3;
* the **distilled** student learns the teacher's soft targets on the same transfer set
  ($T = 8$, $\alpha = 0.9$, the tutorial's defaults).

Both students see the transfer set *jittered*: every batch shifted by up to two pixels, as
the teacher's was. A shifted 5 is a new question to put to the teacher, and its answer says
again how much that 5 looks like a 3; the students see more of the teacher's knowledge
without a single 3. For that the teacher must answer for the shifted digit itself, so here
its logits are computed on every batch (`--teacher-logits per-batch`) instead of taken from the
[teacher cache](../engineering/teacher_cache.html), which holds its answer for the unshifted digit. The two
options `--no-jitter` and `--teacher-logits cached` rerun the page without either choice;
the committed results are from the default, with both.

## The bias shift

A student that never saw a 3 has a logit for 3 that is too low on average, since every
target told it 3 was unlikely. Adding $b$ to that logit (the bias of the last layer)
corrects this. We choose $b$ on the *validation* digits, without even their labels: 3s are
one class in ten, so we pick the smallest $b$ with which 10 % of the validation images are
predicted as 3s. For each image the shift needed to make 3 the prediction is its margin
$\max_{j \ne 3} z_j - z_3$; sorting the margins, $b$ is just above the 10 % quantile. The
test digits only report the result. The page also draws the test errors against $b$, which
uses the test labels and only shows how sensitive the choice is.

Each comparison on the results page says whether the difference is larger than the noise of
five seeds and 1,000 test digits ([how](comparing.html)).

The measured numbers are on the [results page](results.html):

![Test errors against the bias shift of class 3](images/omitted_class.svg)
"""

import argparse
from dataclasses import replace

import torch

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.dataset import ImageData
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.options import non_negative_float
from labml_nn_distill.engineering.report import Outputs, format_mean_sd, html_table, mean_sd, pyplot, save_svg, time_taken
from labml_nn_distill.paper import STUDENT_EPOCHS, TEACHER_EPOCHS, Page, embedded_teacher
from labml_nn_distill.paper.comparing import paired_bootstrap, verdict
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs, predict, wrong_indices

# The digit left out of the transfer set
OMITTED = 3
# The share of test predictions the bias shift aims for: one class in ten
TARGET_SHARE = 0.1


def without_class(data: ImageData, omitted: int) -> ImageData:
    """
    ### The same data with every training example of class `omitted` removed

    The test set is untouched: it still holds its 3s.
    """
    keep = data.train_labels != omitted
    return replace(data, train_images=data.train_images[keep], train_labels=data.train_labels[keep])


def margins(logits: torch.Tensor, omitted: int) -> torch.Tensor:
    r"""
    ### How much the logit of `omitted` must rise to become the prediction: $\max_{j \ne 3} z_j - z_3$
    """
    others = logits.clone()
    others[:, omitted] = -float('inf')
    return others.max(-1).values - logits[:, omitted]


def bias_for_share(logits: torch.Tensor, omitted: int, share: float) -> float:
    """
    ### The smallest bias shift that makes `share` of the predictions `omitted`

    Uses the logits only, never the labels.
    """
    sorted_margins = margins(logits, omitted).sort().values
    count = round(share * len(logits))
    # Just above the margin of the `count`-th image, so that exactly `count` images flip
    return max(0.0, sorted_margins[count - 1].item() + 1e-4)


def counts(logits: torch.Tensor, labels: torch.Tensor, omitted: int, bias: float = 0.0) -> dict:
    """
    ### Predictions of `omitted`, its test examples right, and all errors, after a bias shift
    """
    shifted = logits.clone()
    shifted[:, omitted] += bias
    predictions = shifted.argmax(-1)
    is_omitted = labels == omitted
    return {'predicted_omitted': int((predictions == omitted).sum()),
            'omitted_right': int((predictions[is_omitted] == omitted).sum()),
            'omitted_total': int(is_omitted.sum()),
            'errors': int((predictions != labels).sum())}


def run_seed(data: ImageData, seed: int, args, runs) -> dict:
    """
    ### Teacher on all digits, baseline and distilled student on the digits without 3s
    """
    teacher, teacher_run = embedded_teacher(data, runs, seed, args.teacher_epochs)
    transfer = without_class(data, OMITTED)
    configs = TrainConfigs(epochs=args.epochs, seed=seed, augment=args.jitter,
                           distillation=DistillationConfigs(temperature=args.temperature),
                           teacher_logits=args.teacher_logits)
    extra = {'study_seed': seed, 'page': 'omitted_class', 'omitted': OMITTED}
    # The two students learn from the same transfer set, from the same initial weights
    students = {'baseline': MnistStudent(), 'distilled': MnistStudent()}
    uuids = {'teacher': teacher_run.uuid}
    uuids['baseline'] = runs.train({'seed': seed, 'model': 'baseline'}, students['baseline'], transfer, configs,
                                   'mnist5k_omitted_baseline', extra=extra).uuid
    uuids['distilled'] = runs.train({'seed': seed, 'model': 'distilled'}, students['distilled'], transfer, configs,
                                    'mnist5k_omitted_distilled', teacher=teacher,
                                    extra={**extra, 'teacher_run': teacher_run.uuid}).uuid
    # Test logits of the three models
    logits = {name: predict(model, data, data.test_images)
              for name, model in {'teacher': teacher, **students}.items()}
    labels = data.test_labels
    results = {name: counts(logits[name], labels, OMITTED) for name in logits}
    # The bias shift, chosen from the distilled student's validation logits alone, and the curve
    valid_logits = predict(students['distilled'], data, data.valid_images)
    results['bias'] = bias_for_share(valid_logits, OMITTED, TARGET_SHARE)
    results['distilled_shifted'] = counts(logits['distilled'], labels, OMITTED, results['bias'])
    results['curve'] = [{'bias': b, **counts(logits['distilled'], labels, OMITTED, b)}
                        for b in bias_grid(args.max_bias)]
    # Which test digits each model got wrong, for the paired comparisons
    logits['distilled_shifted'] = logits['distilled'].clone()
    logits['distilled_shifted'][:, OMITTED] += results['bias']
    results['wrong'] = {name: wrong_indices(logits[name], labels) for name in logits}
    return {**results, 'transfer_examples': len(transfer.train_labels), 'runs': uuids}


# The comparisons the page makes: (better, worse) as claimed in its text
COMPARISONS = [('distilled', 'baseline'), ('distilled_shifted', 'distilled')]


def compare(per_seed: dict, n_examples: int) -> dict:
    """
    ### Paired bootstrap of each comparison over seeds and test digits
    """
    return {f'{better} vs {worse}': paired_bootstrap([per_seed[seed]['wrong'][better] for seed in per_seed],
                                                     [per_seed[seed]['wrong'][worse] for seed in per_seed],
                                                     n_examples)
            for better, worse in COMPARISONS}


def bias_grid(max_bias: float, steps: int = 40) -> list[float]:
    """
    ### Bias shifts from 0 to `max_bias` for the curve
    """
    return [round(max_bias * i / steps, 4) for i in range(steps + 1)]


# The rows of the table: model and what its counts are keyed by
MODELS = [('teacher', 'teacher (trained with 3s)'), ('baseline', 'baseline student, labels without 3s'),
          ('distilled', 'distilled student, no 3s'), ('distilled_shifted', 'distilled student, bias of 3 raised')]


def summarize(per_seed: dict) -> dict:
    r"""
    ### Mean $\pm$ sd over seeds of every count, and of the bias shift
    """
    summary = {model: {key: mean_sd([per_seed[seed][model][key] for seed in per_seed])
                       for key in per_seed[next(iter(per_seed))][model]} for model, _ in MODELS}
    summary['bias'] = mean_sd([per_seed[seed]['bias'] for seed in per_seed])
    return summary


def comparison_sentences(results: dict) -> list[str]:
    """
    ### Each comparison in words that its interval allows
    """
    names = {'baseline': 'the baseline student', 'distilled': 'the distilled student',
             'distilled_shifted': f'the distilled student with the bias of {results["omitted"]} raised'}
    sentences = [verdict(results['comparisons'][f'{better} vs {worse}'], names[better], names[worse])
                 for better, worse in COMPARISONS]
    return [sentence[0].upper() + sentence[1:] + '.' for sentence in sentences]


def transfer_words(results: dict) -> str:
    """
    ### How the students saw the transfer set, in words for the results page
    """
    if not results['jitter']:
        return 'not shifted'
    teacher = {'per-batch': "the teacher's logits computed for every shifted batch",
               'cached': "the teacher's cached logits of the unshifted digits"}[results['teacher_logits']]
    return f'shifted by up to two pixels, {teacher}'


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    summary, n = results['summary'], len(results['seeds'])

    def value(mean_and_sd, digits=1):
        return format_mean_sd(*mean_and_sd, n, digits=digits, single_digits=digits if digits > 1 else 0)

    first = results['per_seed'][str(results['seeds'][0])]
    rows = [[label, value(summary[model]['predicted_omitted']), value(summary[model]['omitted_right']),
             value(summary[model]['errors'])] for model, label in MODELS]
    return '\n'.join([
        '## The omitted class',
        '',
        f'From [omitted_class.py](omitted_class.py): `{results["command"]}` '
        f'(seeds {", ".join(map(str, results["seeds"]))}; students {results["epochs"]} epochs at '
        f'T = {results["temperature"]:g}, teachers {results["teacher_epochs"]}; transfer set '
        f'{first["transfer_examples"]:,} digits, no {results["omitted"]}s, {transfer_words(results)}; '
        f'{time_taken(results)} '
        f'on {results["machine"]}). Mean ± sd over seeds, on the {results["test_examples"]:,} test '
        f'digits, {first["teacher"]["omitted_total"]} of them {results["omitted"]}s. The bias shift, '
        f'chosen so that {results["target_share"]:.0%} of validation predictions are {results["omitted"]}s '
        f'without looking at labels, was {value(summary["bias"], 2)}.',
        '',
        html_table(['model', f'test images predicted {results["omitted"]}',
                    f'test {results["omitted"]}s right (of {first["teacher"]["omitted_total"]})',
                    'test errors, all digits'], rows),
        '',
        'Paired over seeds and test digits: ' + ' '.join(comparison_sentences(results)),
        '',
        '![Test errors against the bias shift of class 3](images/omitted_class.svg)',
    ])


def plot(results: dict, outputs: Outputs):
    """
    ### Test errors of the distilled student against the bias shift of class 3
    """
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for i, seed in enumerate(results['seeds']):
        entry = results['per_seed'][str(seed)]
        biases = [point['bias'] for point in entry['curve']]
        first = i == 0
        # All errors, and the errors on the omitted class
        axes.plot(biases, [p['errors'] for p in entry['curve']], color='tab:green',
                  alpha=1.0 if first else 0.35, label='all test errors' if first else None)
        axes.plot(biases, [p['omitted_total'] - p['omitted_right'] for p in entry['curve']],
                  color='tab:red', alpha=1.0 if first else 0.35,
                  label=f'errors on test {results["omitted"]}s' if first else None)
        # The shift chosen without labels
        axes.axvline(entry['bias'], color='gray', linestyle=':', alpha=1.0 if first else 0.35,
                     label=f'{results["target_share"]:.0%} predicted {results["omitted"]}s' if first else None)
    axes.set(xlabel=f'bias shift of class {results["omitted"]}', ylabel='test errors',
             title=f'Distilled student without {results["omitted"]}s ({len(results["seeds"])} seed(s))')
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'omitted_class.svg')


def measure(args, data, runs) -> dict:
    """
    ### Every seed's teacher and students, then the comparisons
    """
    per_seed = {str(seed): run_seed(data, seed, args, runs) for seed in args.seeds}
    return {'seeds': args.seeds, 'omitted': OMITTED, 'target_share': TARGET_SHARE, 'epochs': args.epochs,
            'teacher_epochs': args.teacher_epochs, 'temperature': args.temperature,
            'alpha': DistillationConfigs.alpha, 'jitter': args.jitter, 'teacher_logits': args.teacher_logits,
            'test_examples': len(data.test_labels), 'per_seed': per_seed,
            'summary': summarize(per_seed), 'comparisons': compare(per_seed, len(data.test_labels))}


def options(parser: argparse.ArgumentParser):
    """
    ### The page's own options
    """
    parser.add_argument('--max-bias', type=non_negative_float, default=10.0,
                        help='largest bias shift drawn in the curve (default: 10)')
    parser.add_argument('--jitter', action=argparse.BooleanOptionalAction, default=True,
                        help='shift every transfer batch by up to two pixels, for both students '
                             '(default: on; --no-jitter trains on the digits as they are)')


PAGE = Page('omitted_class', 'Distil a student that never sees a 3.', data='mnist5k',
            defaults=dict(seeds=[0, 1, 2, 3, 4], epochs=STUDENT_EPOCHS, teacher_epochs=TEACHER_EPOCHS,
                          temperature=DistillationConfigs.temperature, teacher_logits='per-batch'),
            options=options)


def main(argv: list[str] | None = None) -> dict:
    """
    ### Run every seed, then write the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
