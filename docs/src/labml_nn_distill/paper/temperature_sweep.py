r"""
---
title: Temperature sweep
summary: >
  Test errors of the distilled student against the temperature T (1 to 20), over several
  seeds, beside the baseline student and the label-smoothing control.
---

# Temperature sweep

The paper distils its MNIST student at $T = 20$ and reports that, for a student with 300 or
more units per layer, all temperatures above 8 gave fairly similar results. Here we train
the same student as [the study](../experiment.html) at $T = 1, 2, 4, 8, 16, 20$, on the
embedded digits, with several seeds, and compare against two lines:

* the **baseline**: the student on the hard labels alone;
* **label smoothing** with $\epsilon = 0.1$: soft targets that carry no knowledge of which
  digits resemble each other.

At $T = 1$ the teacher's targets are nearly one-hot: a confident teacher gives the wrong
classes probabilities of $10^{-4}$ and less, and the student learns little more than from
the labels. As $T$ grows the similarities between digits become visible. Because the
[loss](../index.html) multiplies the soft term by $T^2$, the size of its gradients hardly
changes with $T$ ([why](temperature_gradients.html)), so the temperature changes *what* the
student is taught, not how fast.

For each seed all students start from the same initial weights and see the batches in the
same order, so the difference between two of them is the effect of the targets alone.
The teacher is the study's small CNN with dropout, trained on jittered embedded digits
([the teacher](../large.html)), not the paper's 1200-1200 network, which
[the paper's MNIST experiment](mnist.html) trains; the students are the study's too.
Students and teachers train as long as in the study (30 and 15 epochs), and 500 of the
4,000 training digits are held out: the temperature is chosen on them, never on the test
digits. The default run trains 40 students and 5 teachers (five seeds); its command and
training time head its block on the [results page](results.html).

What it showed, over five seeds: the validation digits choose $T = 20$, the paper's
choice, tied with $T = 16$ (ties go to the higher temperature). Every temperature from 2 up
[beats](comparing.html) the baseline. Against label smoothing, a control the paper does not
run, only $T = 1$ differs beyond the noise, and it loses; from $T = 2$ to $T = 20$ the
distilled students and label smoothing are [within the noise](comparing.html) of each other. So on these 3,500 digits
the sweep cannot tell the teacher's similarities apart from a uniform softening of the
labels; the [omitted-class](omitted_class.html) and [transfer-set](transfer_sets.html)
pages test what only a teacher can pass on. `tests/test_distill_paper_results.py` checks
these sentences against the committed numbers, and the block on the results page gives
each interval:

![Test errors against temperature](images/temperature_sweep.svg)
"""

from dataclasses import replace

from labml_nn_distill import DistillationConfigs
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.report import Outputs, format_mean_sd, html_table, mean_sd, pyplot, save_svg, time_taken
from labml_nn_distill.paper import (STUDENT_EPOCHS, TEACHER_EPOCHS, Page, embedded_teacher, fewest_on_validation,
                                    student_name)
from labml_nn_distill.paper.comparing import multiplicity, paired_bootstrap, verdict
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import LABEL_SMOOTHING, TrainConfigs, mistakes

# The temperatures of the sweep
TEMPERATURES = [1.0, 2.0, 4.0, 8.0, 16.0, 20.0]


def run_seed(data, seed: int, args, runs) -> dict:
    """
    ### Baseline, label smoothing and one distilled student per temperature, for one seed

    Returns the test errors of each, named `baseline`, `label_smoothing` and `T=<t>`, their
    validation errors, and which test digits each got wrong.
    """
    teacher, teacher_run = embedded_teacher(data, runs, seed, args.teacher_epochs)
    student = TrainConfigs(epochs=args.epochs, seed=seed)
    extra = {'study_seed': seed, 'page': 'temperature_sweep'}
    errors, valid, wrong = {'teacher': teacher_run.test_errors}, {}, {}

    def run(name: str, key: dict, configs: TrainConfigs, experiment: str, **teacher_options):
        model = MnistStudent()
        result = runs.train({'seed': seed, **key}, model, data, configs, experiment, extra=extra, **teacher_options)
        errors[name], valid[name] = result.test_errors, result.history[-1]['valid_errors']
        wrong[name] = mistakes(model, data)

    # The two controls: hard labels, and labels smoothed by $\epsilon$
    run('baseline', {'model': 'baseline'}, student, 'mnist5k_sweep_baseline')
    run('label_smoothing', {'model': 'label_smoothing'}, replace(student, label_smoothing=LABEL_SMOOTHING),
        'mnist5k_sweep_label_smoothing')
    # A distilled student per temperature, same initial weights and batch order
    extra = {**extra, 'teacher_run': teacher_run.uuid}
    for temperature in args.temperatures:
        configs = replace(student, distillation=DistillationConfigs(temperature=temperature))
        run(student_name(temperature), {'temperature': temperature}, configs, 'mnist5k_sweep_distilled',
            teacher=teacher)
    return {**errors, 'valid': valid, 'wrong': wrong}


def summarize(per_seed: dict, temperatures: list[float]) -> dict:
    r"""
    ### Mean $\pm$ sd of test errors per model, and the paired difference from label smoothing
    """
    names = ['teacher', 'baseline', 'label_smoothing', *[student_name(t) for t in temperatures]]
    summary = {}
    for name in names:
        errors = [per_seed[seed][name] for seed in per_seed]
        fewer = [per_seed[seed]['label_smoothing'] - per_seed[seed][name] for seed in per_seed]
        summary[name] = {'errors': mean_sd(errors), 'fewer_than_label_smoothing': mean_sd(fewer)}
        if name != 'teacher':
            summary[name]['valid_errors'] = mean_sd([per_seed[seed]['valid'][name] for seed in per_seed])
    return summary


def chosen_temperature(summary: dict, temperatures: list[float]) -> float:
    """
    ### The temperature with the fewest mean validation errors over the seeds
    """
    return fewest_on_validation({t: summary[student_name(t)]['valid_errors'][0] for t in temperatures})


def compare(per_seed: dict, temperatures: list[float], chosen: float, n_examples: int) -> dict:
    """
    ### Paired bootstrap of each distilled student against both controls, and of the chosen $T$ against the others
    """
    def wrong(name):
        return [per_seed[seed]['wrong'][name] for seed in per_seed]

    pairs = [(student_name(t), control) for t in temperatures for control in ('baseline', 'label_smoothing')]
    pairs += [(student_name(chosen), student_name(t)) for t in temperatures if t != chosen]
    return {f'{a} vs {b}': paired_bootstrap(wrong(a), wrong(b), n_examples) for a, b in pairs}


def label(name: str, temperatures: list[float]) -> str:
    """
    ### How the sentences name a model
    """
    named = {'baseline': 'the baseline', 'label_smoothing': 'label smoothing',
             **{student_name(t): f'distillation at T = {t:g}' for t in temperatures}}
    return named[name]


def comparison_sentences(results: dict) -> list[str]:
    """
    ### The claims of the page, each worded as its interval allows
    """
    temperatures, chosen = results['temperatures'], results['chosen']
    # Every comparison the page counts is shown: the sentence on how many there are speaks of
    # these, so a comparison computed but not shown would make that count wrong
    sentences = [verdict(results['comparisons'][f'{student_name(t)} vs {control}'],
                         label(student_name(t), temperatures), label(control, temperatures))
                 for control in ('baseline', 'label_smoothing') for t in temperatures]
    # In the order of the temperatures, not of the JSON's (sorted) keys
    sentences += [verdict(results['comparisons'][f'{chosen} vs {student_name(t)}'], label(chosen, temperatures),
                          label(student_name(t), temperatures)) for t in temperatures if student_name(t) != chosen]
    return sentences


def results_markdown(results: dict) -> str:
    """
    ### The block of the results page, made from the results JSON alone
    """
    summary, n = results['summary'], len(results['seeds'])
    test_size = results['test_examples']

    def errors(name):
        return format_mean_sd(*summary[name]['errors'], n, single_digits=0)

    def fewer(name):
        return format_mean_sd(*summary[name]['fewer_than_label_smoothing'], n, single_digits=0, sign='+')

    names = ['teacher', 'baseline', 'label_smoothing', *[student_name(t) for t in results['temperatures']]]
    labels = {'teacher': 'teacher', 'baseline': 'baseline student (labels)',
              'label_smoothing': f'label smoothing ε = {results["label_smoothing"]:g}',
              **{student_name(t): f'distilled, T = {t:g}' for t in results['temperatures']}}
    rows = [[labels[name],
             '' if name == 'teacher' else format_mean_sd(*summary[name]['valid_errors'], n, single_digits=0),
             errors(name), '' if name == 'teacher' else fewer(name)] for name in names]
    return '\n'.join([
        '## Temperature sweep',
        '',
        f'From [temperature_sweep.py](temperature_sweep.py): `{results["command"]}` '
        f'(seeds {", ".join(map(str, results["seeds"]))}; students {results["epochs"]} epochs, '
        f'teachers {results["teacher_epochs"]}; {results["train_examples"]:,} training, '
        f'{results["valid_examples"]:,} validation and {test_size:,} test digits; {time_taken(results)} '
        f'on {results["machine"]}). Errors out of {results["valid_examples"]:,} and {test_size:,}, mean ± sd '
        f'over seeds; the last column is the paired number of test errors fewer than label smoothing '
        f'(positive is better).',
        '',
        html_table(['model', 'validation errors', 'test errors', 'fewer test errors than label smoothing'], rows),
        '',
        f'Validation chooses {label(results["chosen"], results["temperatures"]).removeprefix("distillation at ")}. '
        f'Paired over seeds and test digits ([how](comparing.html)):',
        '',
        '\n'.join(f'* {sentence}' for sentence in comparison_sentences(results)) + '.',
        '',
        multiplicity(len(results['comparisons'])),
        '',
        '![Test errors against temperature](images/temperature_sweep.svg)',
    ])


def plot(results: dict, outputs: Outputs):
    """
    ### Test errors against $T$, with the baseline and label-smoothing lines
    """
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    summary, temperatures = results['summary'], results['temperatures']
    # The distilled students, mean over seeds with the standard deviation as error bars
    axes.errorbar(temperatures, [summary[student_name(t)]['errors'][0] for t in temperatures],
                  yerr=[summary[student_name(t)]['errors'][1] for t in temperatures],
                  fmt='o-', color='tab:green', capsize=4, label='distilled student')
    # The controls as horizontal lines with a band of one standard deviation
    for name, color in (('baseline', 'tab:blue'), ('label_smoothing', 'tab:orange'), ('teacher', 'black')):
        mean, sd = summary[name]['errors']
        axes.axhline(mean, color=color, linestyle='--', label=name.replace('_', ' '))
        axes.axhspan(mean - sd, mean + sd, color=color, alpha=0.1)
    axes.set_xscale('log', base=2)
    axes.set_xticks(temperatures, [f'{t:g}' for t in temperatures])
    axes.set(xlabel='temperature $T$', ylabel=f'test errors (of {results["test_examples"]:,})',
             title=f'Distilled student against temperature ({len(results["seeds"])} seed(s))')
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    save_svg(figure, outputs.images_dir / 'temperature_sweep.svg')


def measure(args, data, runs) -> dict:
    """
    ### Every seed's students, then the choice of $T$ on validation and the comparisons
    """
    per_seed = {str(seed): run_seed(data, seed, args, runs) for seed in args.seeds}
    summary = summarize(per_seed, args.temperatures)
    chosen = chosen_temperature(summary, args.temperatures)
    return {'seeds': args.seeds, 'temperatures': args.temperatures,
            'epochs': args.epochs, 'teacher_epochs': args.teacher_epochs, 'alpha': DistillationConfigs.alpha,
            'label_smoothing': LABEL_SMOOTHING, 'train_examples': len(data.train_labels),
            'valid_examples': len(data.valid_labels), 'test_examples': len(data.test_labels),
            'per_seed': per_seed, 'summary': summary, 'chosen': student_name(chosen),
            'comparisons': compare(per_seed, args.temperatures, chosen, len(data.test_labels))}


PAGE = Page('temperature_sweep', 'Distil the student at several temperatures.', data='mnist5k',
            defaults=dict(seeds=[0, 1, 2, 3, 4], epochs=STUDENT_EPOCHS, teacher_epochs=TEACHER_EPOCHS,
                          temperatures=TEMPERATURES))


def main(argv: list[str] | None = None) -> dict:
    """
    ### Run the sweep for every seed, then write the JSON, the plot and the results block
    """
    return PAGE.main(argv, measure, results_markdown, plot)


if __name__ == '__main__':
    run_command(main)
