"""Regenerate the measured-results table of README.md from the committed results JSON.

    python scripts/update_readme.py          # rewrite the block between the markers
    python scripts/update_readme.py --check  # exit 1 if README.md differs from the JSON

The README's numbers come from `labml_nn_distill/paper/results/*.json` only, through
`readme_block`; `tests/test_readme.py` fails when the two disagree. A maintainer runs this
after publishing a page (`--publish`), like the results page itself.
"""
import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labml_nn_distill.engineering.report import PAPER, replace_block  # noqa: E402
from labml_nn_distill.paper.comparing import verdict as linked_verdict  # noqa: E402
from labml_nn_distill.paper.temperature_sweep import label  # noqa: E402


def verdict(comparison: dict, better: str, worse: str) -> str:
    """The comparison's sentence, its verdict linked to the page that defines it."""
    return linked_verdict(comparison, better, worse, link='labml_nn_distill/paper/comparing.py')


README = REPO / 'README.md'
BLOCK = 'readme-results'


def load(page: str) -> dict | None:
    path = PAPER / 'results' / f'{page}.json'
    return json.loads(path.read_text()) if path.exists() else None


def row(page: str, link: str, results: dict, what: str) -> str:
    return f'| [{link}](labml_nn_distill/{page}) | `{results["command"]}` | {what} |'


def study_row(results: dict) -> str:
    summary = results['summary']
    errors = ', '.join(f'{name.replace("_", " ")} {summary[name]["errors_mean"]:.0f}'
                       for name in ('teacher', 'baseline', 'distilled', 'label_smoothing'))
    seeds = ', '.join(map(str, results['seeds']))
    return row('experiment.py', 'the study', results,
               f'test errors of 1,000 (seed {seeds}): {errors}')


def mnist_row(results: dict) -> str:
    summary = results['summary']
    ours, paper = summary['ours'], summary['paper']
    chosen = summary['chosen']
    model = results['models'][chosen]
    recipe = "the paper's recipe" if model['recipe'] == 'paper' else 'consistent teaching'
    gap = summary['gap_closed'][chosen]
    seeds = len(results['seeds'])
    return row('paper/mnist.py', "the paper's MNIST experiment", results,
               f'test errors of 10,000, ours ({seeds} seeds, mean) and the paper\'s: teacher {ours["teacher"]} '
               f'({paper["teacher"]}), baseline {ours["baseline"]:.1f} ({paper["baseline"]}), distilled '
               f'({recipe}, T = {model["temperature"]:g}, {model["epochs"]} epochs, chosen on validation) '
               f'{ours["distilled"]:.1f} ({paper["distilled"]}); it closes {100 * gap["mean"]:.0f} % of the gap, '
               f'95 % interval {100 * gap["low"]:.0f} % to {100 * gap["high"]:.0f} % (paper '
               f'{100 * summary["paper_gap_closed"]:.0f} %, one run)')


def sweep_row(results: dict) -> str:
    chosen = label(results['chosen'], results['temperatures'])
    against = results['comparisons'][f'{results["chosen"]} vs label_smoothing']
    return row('paper/temperature_sweep.py', 'temperature sweep', results,
               f'validation chooses {chosen.removeprefix("distillation at ")}; '
               + verdict(against, chosen, 'label smoothing'))


def omitted_row(results: dict) -> str:
    comparisons = results['comparisons']
    right = results['summary']['distilled']['omitted_right'][0]
    return row('paper/omitted_class.py', 'the omitted class', results,
               f'a student that never saw a 3 gets {right:.1f} of 100 test 3s right (mean over seeds); '
               + verdict(comparisons['distilled vs baseline'], 'the distilled student', 'the baseline'))


def ensemble_row(results: dict) -> str:
    return row('paper/ensemble.py', 'an ensemble as the teacher', results,
               verdict(results['comparisons']['students'], "the ensemble's student", "a single teacher's student"))


def transfer_row(results: dict) -> str:
    comparisons = results['comparisons']
    return row('paper/transfer_sets.py', 'small and one-sided transfer sets', results,
               verdict(comparisons['small_soft vs small_hard'], 'on 3 % of the digits, the student on soft targets',
                       'the student on labels')
               + '; with 7s and 8s only, ' + verdict(comparisons['shifted vs unshifted'],
                                                      'the student with two biases shifted', 'the student as trained'))


ROWS = [('experiment', study_row), ('mnist', mnist_row), ('temperature_sweep', sweep_row),
        ('transfer_sets', transfer_row), ('omitted_class', omitted_row), ('ensemble', ensemble_row)]


def readme_block() -> str:
    """The table of the README, one row per committed results JSON."""
    rows = [make(results) for page, make in ROWS if (results := load(page)) is not None]
    return '\n'.join([
        '| experiment | command | what it measured here |',
        '| --- | --- | --- |',
        *rows,
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true', help='only check; exit 1 if README.md is stale')
    args = parser.parse_args()
    text = README.read_text()
    updated = replace_block(text, BLOCK, readme_block())
    if args.check:
        sys.exit(0 if updated == text else 1)
    README.write_text(updated)


if __name__ == '__main__':
    main()
