r"""
---
title: Temperature and gradients
summary: >
  The gradient of the soft-target cross-entropy is (q - p) / T; it shrinks as 1 / T^2, the
  T^2 factor restores it, and at high temperature distillation becomes logit matching.
  Derived, then checked with autograd over random logits.
---

# Temperature and gradients

Section 2 of the paper makes three claims about the soft-target term that decide how it
must be weighted. This page derives each and checks it numerically with autograd.

## The gradient is $(q_i - p_i) / T$

Let $z_i$ be the student's logits, $v_i$ the teacher's, and at temperature $T$

$$q_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}, \qquad p_i = \frac{e^{v_i / T}}{\sum_j e^{v_j / T}}$$

The soft-target cross-entropy is $C = -\sum_j p_j \log q_j$, with
$\log q_j = z_j / T - \log \sum_k e^{z_k / T}$. Differentiating,

$$\frac{\partial \log q_j}{\partial z_i} = \frac{1}{T} \left([i = j] - q_i\right)$$

so, since $\sum_j p_j = 1$,

$$\frac{\partial C}{\partial z_i} = -\frac{1}{T} \sum_j p_j \left([i = j] - q_i\right)
 = \frac{1}{T} \left(q_i - p_i\right)$$

$C$ and $\mathrm{KL}(p \Vert q)$ differ by the teacher's entropy, which does not depend on
$z$, so the [tutorial's loss](../index.html) has this gradient too.

## It shrinks as $1 / T^2$

Both $q$ and $p$ flatten towards $1/N$ as $T$ grows, so $q_i - p_i$ shrinks too. Expanding
$e^{x} \approx 1 + x$ for $|z_i| \ll T$,

$$q_i \approx \frac{1 + z_i / T}{N + \sum_j z_j / T}$$

and if the logits have zero mean, $\sum_j z_j = 0$, then $q_i \approx (1 + z_i / T) / N$;
likewise $p_i \approx (1 + v_i / T) / N$. Therefore

$$\frac{\partial C}{\partial z_i} \approx \frac{1}{N T^2} \left(z_i - v_i\right)$$

One factor of $1/T$ comes from the front, one from $q_i - p_i$. Multiplying the soft term
by $T^2$ keeps its gradient at the same size whatever $T$ is, which is why the
[distillation loss](../index.html) has that factor.

## At high temperature distillation is logit matching

$(z_i - v_i) / (N T^2)$ is the gradient of $\frac{1}{2 N T^2} \sum_i (z_i - v_i)^2$:
in the limit, minimising the soft cross-entropy matches the student's logits to the
teacher's with a squared error, the method of Caruana et al.
The zero-mean assumption matters: softmax ignores a constant added to all logits, so the
exact gradient sums to zero over $i$, while $z_i - v_i$ does not when the means differ.
Subtracting each row's mean makes the two agree.
Lower temperatures pay less attention to logits much more negative than the average,
which are noisy; that is the paper's argument for intermediate temperatures.

## Measured

`python -m labml_nn_distill.paper.temperature_gradients` draws random logits (a batch of 256
examples, 10 classes, standard deviation 3) per seed, and for each temperature measures,
with autograd:

* the largest difference between autograd's gradient and $(q - p) / T$;
* the gradient's norm without and with the $T^2$ factor, and its slope against $T$ on a
  log-log scale ($-2$ without the factor);
* the relative error of the logit-matching gradient $(z - v) / (N T^2)$, with and without
  subtracting each row's mean, which falls as $1 / T$ once the logits are centred.

The measured numbers are in the [results page](results.html#temperature-and-gradients); the plot:

![Gradient norm and logit-matching error against temperature](images/temperature_gradients.svg)
"""

import math

import torch
import torch.nn.functional as F

from labml_nn_distill import distillation_loss
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.report import Outputs, html_table, mean_sd, pyplot, save_svg, time_taken
from labml_nn_distill.paper import Page

# Temperatures at which we measure: powers of two from 1 to 128
TEMPERATURES = [2.0 ** k for k in range(8)]
# Batch of random logits: examples, classes and standard deviation
BATCH_SIZE, N_CLASSES, LOGIT_SCALE = 256, 10, 3.0


def random_logits(seed: int, centred: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """
    ### Student and teacher logits, `[BATCH_SIZE, N_CLASSES]`, in double precision

    Uncentred logits get a random offset per row, different for student and teacher.
    """
    generator = torch.Generator().manual_seed(seed)
    shape = (2, BATCH_SIZE, N_CLASSES)
    logits = LOGIT_SCALE * torch.randn(shape, generator=generator, dtype=torch.float64)
    # Zero mean per row, as the derivation assumes
    logits = logits - logits.mean(-1, keepdim=True)
    # Or an offset per row that softmax ignores but the approximation does not
    if not centred:
        logits = logits + LOGIT_SCALE * torch.randn((2, BATCH_SIZE, 1), generator=generator, dtype=torch.float64)
    return logits[0], logits[1]


def autograd_gradient(student: torch.Tensor, teacher: torch.Tensor, temperature: float,
                      scaled: bool) -> torch.Tensor:
    r"""
    ### $\partial C / \partial z$ by autograd, through the tutorial's loss

    `distillation_loss` with $\alpha = 1$ is $T^2$ times the soft term (the labels get
    weight $0$); without the scaling we divide the $T^2$ out again. The loss is a mean over
    the batch, so we multiply by the batch size to get the gradient of one example's $C$.
    """
    student = student.clone().requires_grad_(True)
    labels = teacher.argmax(-1)
    loss = distillation_loss(student, teacher, labels, temperature, alpha=1.0)
    if not scaled:
        loss = loss / temperature ** 2
    loss.backward()
    return student.grad * len(student)


def exact_gradient(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    r"""
    ### $(q_i - p_i) / T$
    """
    q = F.softmax(student / temperature, dim=-1)
    p = F.softmax(teacher / temperature, dim=-1)
    return (q - p) / temperature


def logit_matching_gradient(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    r"""
    ### $(z_i - v_i) / (N T^2)$, the high-temperature limit
    """
    return (student - teacher) / (student.shape[-1] * temperature ** 2)


def relative_error(approximation: torch.Tensor, exact: torch.Tensor) -> float:
    r"""
    ### $\Vert a - e \Vert / \Vert e \Vert$ over the whole batch
    """
    return ((approximation - exact).norm() / exact.norm()).item()


def measure_seed(seed: int) -> dict:
    """
    ### Every measurement for one seed's logits, at every temperature
    """
    student, teacher = random_logits(seed)
    shifted_student, shifted_teacher = random_logits(seed, centred=False)
    rows = []
    for temperature in TEMPERATURES:
        # Autograd against the formula, and the size of the gradient with and without $T^2$
        unscaled = autograd_gradient(student, teacher, temperature, scaled=False)
        scaled = autograd_gradient(student, teacher, temperature, scaled=True)
        exact = exact_gradient(student, teacher, temperature)
        # The logit-matching limit, for centred and for shifted logits
        exact_shifted = exact_gradient(shifted_student, shifted_teacher, temperature)
        matching_shifted = logit_matching_gradient(shifted_student, shifted_teacher, temperature)
        rows.append({
            'temperature': temperature,
            'autograd_error': (unscaled - exact).abs().max().item(),
            'norm_unscaled': unscaled.norm().item() / math.sqrt(BATCH_SIZE),
            'norm_scaled': scaled.norm().item() / math.sqrt(BATCH_SIZE),
            'matching_error_centred': relative_error(logit_matching_gradient(student, teacher, temperature), exact),
            'matching_error_shifted': relative_error(matching_shifted, exact_shifted),
        })
    return {'seed': seed, 'rows': rows, 'slope_unscaled': log_log_slope(rows, 'norm_unscaled'),
            'slope_scaled': log_log_slope(rows, 'norm_scaled')}


def log_log_slope(rows: list[dict], key: str) -> float:
    r"""
    ### Least-squares slope of $\log$ `key` against $\log T$, over $T \ge 8$

    At $T \ge 8$ the logits (standard deviation 3) are small against $T$, which is where the
    $1/T^2$ law holds.
    """
    points = [(math.log(r['temperature']), math.log(r[key])) for r in rows if r['temperature'] >= 8]
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    return (sum((x - mean_x) * (y - mean_y) for x, y in points) /
            sum((x - mean_x) ** 2 for x, _ in points))


def summarize(per_seed: list[dict]) -> list[dict]:
    """
    ### Mean over seeds of each measurement, per temperature
    """
    keys = [key for key in per_seed[0]['rows'][0] if key != 'temperature']
    return [{'temperature': temperature,
             **{key: mean_sd([seed['rows'][i][key] for seed in per_seed])[0] for key in keys},
             'autograd_error': max(seed['rows'][i]['autograd_error'] for seed in per_seed)}
            for i, temperature in enumerate(TEMPERATURES)]


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    rows = [[f'{row["temperature"]:g}', f'{row["autograd_error"]:.1e}', f'{row["norm_unscaled"]:.3g}',
             f'{row["norm_scaled"]:.3g}', f'{row["matching_error_centred"]:.3f}',
             f'{row["matching_error_shifted"]:.3f}'] for row in results['summary']]
    slopes = [seed['slope_unscaled'] for seed in results['per_seed']]
    scaled = [seed['slope_scaled'] for seed in results['per_seed']]
    return '\n'.join([
        '## Temperature and gradients',
        '',
        f'From [temperature_gradients.py](temperature_gradients.py): `{results["command"]}` '
        f'(seeds {", ".join(map(str, results["seeds"]))}; {time_taken(results)} on '
        f'{results["machine"]}). Per-example gradient norms, means over seeds; errors relative '
        f'to the exact gradient $(q - p)/T$.',
        '',
        html_table(['T', 'autograd vs (q − p)/T, largest difference', 'norm without T²',
                    'norm with T²', 'logit matching, centred logits', 'logit matching, shifted logits'],
                   rows),
        '',
        f'Slope of $\\log$ norm against $\\log T$ for $T \\ge 8$: {min(slopes):.3f} to {max(slopes):.3f} '
        f'without $T^2$, {min(scaled):.3f} to {max(scaled):.3f} with it.',
        '',
        '![Gradient norm and logit-matching error against temperature](images/temperature_gradients.svg)',
    ])


def plot(results: dict, outputs: Outputs):
    """
    ### Gradient norm, and logit-matching error, against temperature (log-log)
    """
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    temperatures = [row['temperature'] for row in results['summary']]
    # Left: the norm falls as $1/T^2$ without the factor and levels off with it
    left.loglog(temperatures, [r['norm_unscaled'] for r in results['summary']], 'o-', label='without $T^2$')
    left.loglog(temperatures, [r['norm_scaled'] for r in results['summary']], 's-', label='with $T^2$')
    reference = results['summary'][-1]['norm_unscaled'] * temperatures[-1] ** 2
    left.loglog(temperatures, [reference / t ** 2 for t in temperatures], 'k:', label='$\\propto 1/T^2$')
    left.set(xlabel='temperature $T$', ylabel='gradient norm per example', title='Soft-target gradient')
    left.legend()
    # Right: the logit-matching gradient approaches the exact one as $1/T$, if centred
    right.loglog(temperatures, [r['matching_error_centred'] for r in results['summary']], 'o-',
                 label='zero-mean logits')
    right.loglog(temperatures, [r['matching_error_shifted'] for r in results['summary']], 's-',
                 label='logits with an offset per row')
    right.set(xlabel='temperature $T$', ylabel='relative error',
              title='$(z - v)/(N T^2)$ against $(q - p)/T$')
    right.legend()
    for axes in (left, right):
        axes.grid(alpha=0.3, which='both')
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'temperature_gradients.svg')


def measure(args, data, runs) -> dict:
    """
    ### Every seed's measurements
    """
    per_seed = [measure_seed(seed) for seed in args.seeds]
    return {'seeds': args.seeds, 'per_seed': per_seed, 'summary': summarize(per_seed),
            'batch_size': BATCH_SIZE, 'n_classes': N_CLASSES, 'logit_scale': LOGIT_SCALE}


# This page trains nothing: of the options every page has, only `--seeds`, `--threads` and
# `--output-dir` (and `--publish`) matter here
PAGE = Page('temperature_gradients', 'Check the soft-target gradient identities with autograd.', data=None,
            defaults=dict(seeds=[0, 1, 2]))


def main(argv: list[str] | None = None) -> dict:
    """
    ### Measure for every seed, then write the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
