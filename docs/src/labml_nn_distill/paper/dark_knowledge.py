r"""
---
title: Dark knowledge, shown
summary: >
  What the soft targets hold: the MNIST teacher's probabilities for a few ambiguous test
  digits at T = 1, 4, 8 and 20, and how the entropy of its targets grows with T.
explorer:
  data: results/dark_knowledge.json
  section: dark-knowledge-shown
---

# Dark knowledge, shown

A trained teacher is almost always sure of the right digit: at $T = 1$ it gives the true
class a probability near 1 and the others $10^{-6}$ or less. Those small numbers are the
*dark knowledge*: which wrong classes the teacher finds a little plausible, and how much.
A 2 that could be a 7 gets a larger probability of 7 than a 2 that could be a 3. The
labels carry none of it. At $T = 1$ the small probabilities are too small to matter in a
cross-entropy; raising $T$ divides every logit by $T$ before the softmax, which keeps their
order and brings them up to where the student learns from them.

This page takes the [MNIST teacher](mnist.html) (run that page first) and shows:

* for the test digits it is least sure of, the image beside its probabilities at
  $T = 1, 4, 8, 20$, on a logarithmic axis so that the small ones can be read;
* the mean entropy of its soft targets over the 50,000 training digits, against $T$, up to
  $\log 10 \approx 2.30$ nats, the entropy of the uniform distribution, which carries nothing.

![Ambiguous test digits and the teacher's probabilities at four temperatures](images/dark_knowledge.svg)

![Mean entropy of the soft targets against temperature](images/dark_knowledge_entropy.svg)

Nothing here is trained and nothing is chosen: the digits shown are simply those whose
largest probability at $T = 1$ is lowest.

The measured numbers are on the [results page](results.html#dark-knowledge-shown).

## The temperature, live

Pick one of those digits and move the temperature from 0.5 to 50: the bars are the teacher's
ten probabilities $p_i = \exp(z_i / T) / \sum_j \exp(z_j / T)$, computed in your browser from
its logits $z_i$ for that digit, which its JSON records. The JSON records them shifted so that
their log-sum-exp is 0 (they are then the logarithms of the probabilities at a temperature
of 1); a shift by a constant is one that a softmax at any temperature ignores.
Below them are their entropy and the two scales of the soft term's gradient, $1/T$ and
$1/T^2$: the gradient shrinks as $1/T^2$, which is why the loss multiplies it by $T^2$.
"""

import math

import torch

from labml_nn_distill import log_soft_targets
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.report import Outputs, html_table, pyplot, save_svg, time_taken
from labml_nn_distill.paper import Page
from labml_nn_distill.paper.mnist import TEACHER, paper_teacher
from labml_nn_distill.train import predict

# The temperatures of the bar charts, and those of the entropy curve
SHOWN = [1.0, 4.0, 8.0, 20.0]
ENTROPY_TEMPERATURES = [1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 32.0, 64.0]
# How many ambiguous digits to show
DIGITS = 6


def mean_entropy(logits: torch.Tensor, temperature: float) -> float:
    r"""
    ### Mean entropy $-\sum_i p_i \log p_i$ of the soft targets at temperature $T$, in nats
    """
    log_p = log_soft_targets(logits.double(), temperature)
    return float(-(log_p.exp() * log_p).sum(-1).mean())


def measure(args, data, runs) -> dict:
    """
    ### The teacher's probabilities for its least sure test digits, and the entropy of its soft targets
    """
    teacher, teacher_run = paper_teacher(data, runs, 0, args.teacher_epochs, trains=False)
    # The test digits the teacher is least sure of at $T = 1$
    test_logits = predict(teacher, data, data.test_images).double()
    confidence = torch.softmax(test_logits, -1).max(-1).values
    chosen = confidence.argsort()[:DIGITS].tolist()
    # Each digit with its pixels (0 to 255), so that the plot can be drawn from the JSON alone,
    # and its logits for the page's temperature explorer, shifted so that their log-sum-exp is 0
    # (the log-probabilities at $T = 1$; a softmax at any $T$ does not see a shift)
    digits = [{'index': i, 'label': int(data.test_labels[i]),
               'pixels': (data.test_images[i, 0] * 255).round().int().tolist(),
               'logits': log_soft_targets(test_logits[i], 1.0).tolist(),
               'probabilities': {f'{t:g}': log_soft_targets(test_logits[i], t).exp().tolist() for t in SHOWN}}
              for i in chosen]
    train_logits = predict(teacher, data, data.train_images).double()
    return {'teacher_run': teacher_run.uuid, 'teacher_epochs': args.teacher_epochs,
            'train_examples': len(data.train_labels), 'shown': SHOWN, 'digits': digits,
            'entropy': {f'{t:g}': mean_entropy(train_logits, t) for t in ENTROPY_TEMPERATURES},
            'uniform_entropy': math.log(10)}


PAGE = Page('dark_knowledge', "Show the MNIST teacher's soft targets.", data='mnist',
            defaults=dict(teacher_epochs=TEACHER.epochs))


def main(argv: list[str] | None = None) -> dict:
    """
    ### The teacher's probabilities and entropies, the JSON, the plots and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    rows = []
    for digit in results['digits']:
        for t in results['shown']:
            probabilities = digit['probabilities'][f'{t:g}']
            top = sorted(range(10), key=lambda k: -probabilities[k])[:3]
            rows.append([f'test #{digit["index"]} (a {digit["label"]})', f'{t:g}',
                         ', '.join(f'{k}: {probabilities[k]:.3g}' for k in top)])
    entropy = [[f'{t:g}', f'{value:.3f}', f'{100 * value / results["uniform_entropy"]:.0f} %']
               for t, value in entropy_curve(results)]
    return '\n'.join([
        '## Dark knowledge, shown',
        '',
        f'From [dark_knowledge.py](dark_knowledge.py): `{results["command"]}` (the MNIST page\'s teacher, '
        f'{results["teacher_epochs"]} epochs; {time_taken(results)} on {results["machine"]}). The '
        f'three largest probabilities the teacher gives each of the test digits it is least sure of:',
        '',
        html_table(['digit', 'T', 'three largest probabilities (class: probability)'], rows),
        '',
        f'Mean entropy of the soft targets over the {results["train_examples"]:,} training digits, in nats '
        f'and as a share of the uniform distribution\'s {results["uniform_entropy"]:.3f}:',
        '',
        html_table(['T', 'mean entropy', 'of uniform'], entropy),
        '',
        '![Ambiguous test digits and the teacher\'s probabilities at four temperatures](images/dark_knowledge.svg)',
        '',
        '![Mean entropy of the soft targets against temperature](images/dark_knowledge_entropy.svg)',
    ])


def entropy_curve(results: dict) -> list[tuple[float, float]]:
    """
    ### The entropies by increasing temperature (JSON keeps its keys in text order)
    """
    return sorted((float(t), value) for t, value in results['entropy'].items())


def plot(results: dict, outputs: Outputs):
    """
    ### Each digit beside its bars at each temperature; the entropy against $T$
    """
    plt = pyplot()
    digits = results['digits']
    figure, axes = plt.subplots(len(digits), 2, figsize=(9, 1.9 * len(digits)),
                                gridspec_kw={'width_ratios': [1, 5]})
    width = 0.8 / len(results['shown'])
    colors = ['black', 'tab:blue', 'tab:orange', 'tab:green']
    for row, digit in zip(axes, digits):
        row[0].imshow(digit['pixels'], cmap='gray_r', vmin=0, vmax=255)
        row[0].set_axis_off()
        row[0].set_title(f'#{digit["index"]}, a {digit["label"]}', fontsize=10)
        for k, t in enumerate(results['shown']):
            row[1].bar([c + (k - 1.5) * width for c in range(10)], digit['probabilities'][f'{t:g}'],
                       width=width, color=colors[k], label=f'T = {t:g}')
        row[1].set(yscale='log', ylim=(1e-8, 1.5), xticks=range(10))
        row[1].grid(alpha=0.3, axis='y')
    axes[0][1].legend(ncol=4, fontsize=9, loc='lower right')
    axes[-1][1].set_xlabel('class')
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'dark_knowledge.svg')

    figure, axis = plt.subplots(figsize=(6, 3.8))
    temperatures, entropies = zip(*entropy_curve(results))
    axis.plot(temperatures, entropies, 'o-', color='tab:green', label='soft targets')
    axis.axhline(results['uniform_entropy'], color='gray', linestyle='--', label='uniform')
    axis.set_xscale('log', base=2)
    axis.set_xticks(temperatures, [f'{t:g}' for t in temperatures])
    axis.set(xlabel='temperature $T$', ylabel='mean entropy (nats)', title='How soft the targets are')
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'dark_knowledge_entropy.svg')


if __name__ == '__main__':
    run_command(main)
