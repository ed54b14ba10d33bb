"""The results page: every generated block equals what its page renders from its committed JSON."""
import importlib
import json

import pytest

from labml_nn_distill.engineering.report import PAPER, page_block, replace_block, save_svg, pyplot
from labml_nn_distill.paper import RESULTS_ORDER, student_name

PAGES = ['temperature_gradients', 'temperature_sweep', 'omitted_class', 'ensemble']
# Pages with one training run per model (no seeds to repeat) and their own result blocks
SINGLE_RUN_PAGES = ['mnist', 'transfer_sets', 'dark_knowledge']


def committed(name):
    path = PAPER / 'results' / f'{name}.json'
    return json.loads(path.read_text())


def round_trip(value):
    """What `value` looks like once written to JSON and read back (tuples become lists)."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize('name', PAGES + SINGLE_RUN_PAGES)
def test_results_block_is_rendered_from_the_committed_json(name):
    page = importlib.import_module(f'labml_nn_distill.paper.{name}')
    block = page_block((PAPER / 'results.md').read_text(), name)
    assert block is not None, f'results.md has no block for {name}; run python -m labml_nn_distill.paper.{name}'
    assert block == page.results_markdown(committed(name)), (
        f'The {name} block of labml_nn_distill/results.md differs from what its JSON renders: '
        f'do not edit it by hand; run python -m labml_nn_distill.paper.{name}')


@pytest.mark.parametrize('name', PAGES)
def test_committed_results_come_from_a_full_default_run(name):
    results = committed(name)
    assert results['command'].startswith(f'python -m labml_nn_distill.paper.{name}')
    for reduced in ('--train-subset', '--output-dir', '--epochs', '--teacher-epochs'):
        assert reduced not in results['command']
    assert len(results['seeds']) >= 3


@pytest.mark.parametrize('name', PAGES)
def test_committed_summary_follows_from_the_per_seed_numbers(name):
    page = importlib.import_module(f'labml_nn_distill.paper.{name}')
    results = committed(name)
    if name == 'temperature_gradients':
        summary = page.summarize(results['per_seed'])
    elif name == 'temperature_sweep':
        summary = page.summarize(results['per_seed'], results['temperatures'])
    elif name == 'omitted_class':
        summary = page.summarize(results['per_seed'])
    else:
        summary = page.summarize(results['runs'], results['seeds'])
    assert round_trip(summary) == results['summary']


@pytest.mark.parametrize('name', PAGES)
def test_plots_shown_on_the_pages_are_committed(name):
    assert (PAPER / 'images' / f'{name}.svg').read_text().startswith('<?xml')
    assert f'images/{name}.svg' in (PAPER / f'{name}.py').read_text()


def test_replacing_a_block_keeps_the_other_blocks():
    text = replace_block(replace_block('# Results\n', 'a', 'one'), 'b', 'two')
    text = replace_block(text, 'a', 'three')
    assert page_block(text, 'a') == 'three' and page_block(text, 'b') == 'two'
    assert text.startswith('# Results\n')


def test_svg_plots_are_byte_for_byte_deterministic(tmp_path):
    plt = pyplot()
    for name in ('first.svg', 'second.svg'):
        figure, axes = plt.subplots()
        axes.plot([1, 2, 3], [3, 1, 2], label='x')
        axes.legend()
        save_svg(figure, tmp_path / name)
    assert (tmp_path / 'first.svg').read_bytes() == (tmp_path / 'second.svg').read_bytes()


def test_study_block_is_rendered_from_the_committed_study_json():
    from labml_nn_distill.experiment import results_markdown
    results = committed('experiment')
    assert page_block((PAPER / 'results.md').read_text(), 'experiment') == results_markdown(results)
    assert results['command'].startswith('python -m labml_nn_distill.experiment')
    # What the study computed, not where it wrote: a reader can copy the command as it is
    for option in ('--publish', '--output-dir', '--logs-dir', '--resume', '--train-subset', '--epochs'):
        assert option not in results['command']
    for name in ('accuracy', 'errors'):
        assert (PAPER / 'images' / f'experiment_{name}.svg').read_text().lstrip().startswith('<?xml')


def test_page_without_publish_leaves_the_results_page_alone(tmp_path):
    from labml_nn_distill.engineering.report import run_page
    before = snapshot_of_paper()
    drawn = []
    run_page('x', {'n': 1}, lambda results: f'n = {results["n"]}', lambda results, outputs: drawn.append(outputs),
             tmp_path)
    assert snapshot_of_paper() == before
    assert [outputs.images_dir for outputs in drawn] == [tmp_path / 'images']
    assert 'n = 1' in (tmp_path / 'results.md').read_text() and (tmp_path / 'x.json').is_file()


def test_a_block_is_made_from_the_results_as_their_json_holds_them(tmp_path):
    # The full-MNIST block listed its comparisons in the order they were computed; its JSON,
    # written with sorted keys, rendered them in another order, and the committed block and
    # its JSON disagreed. Here a block that lists a dict in its order, and shows a tuple
    from labml_nn_distill.engineering.report import run_page
    def markdown(results):
        return ', '.join(results['pairs']) + f'; {results["interval"]!r}'
    run_page('x', {'pairs': {'b vs a': 1, 'a vs c': 2}, 'interval': (1, 2)}, markdown,
                     lambda results, outputs: None, tmp_path)
    written = json.loads((tmp_path / 'x.json').read_text())
    assert markdown(written) == 'a vs c, b vs a; [1, 2]'
    assert page_block((tmp_path / 'results.md').read_text(), 'x') == markdown(written)


def snapshot_of_paper() -> dict:
    return {path: path.read_bytes() for path in PAPER.rglob('*') if path.is_file() and '__pycache__' not in path.parts}


def test_study_plots_are_byte_for_byte_deterministic(tmp_path):
    from types import SimpleNamespace
    from labml_nn_distill.experiment import PHASES, write_plots
    history = [{'epoch': e, 'test_accuracy': 90.0 + e} for e in range(1, 4)]
    runs = {0: {phase: SimpleNamespace(history=history) for phase in PHASES}}
    summary = {phase: {'errors_mean': 20.0 + i, 'errors_sd': 0.0} for i, phase in enumerate(PHASES)}
    for folder in ('a', 'b'):
        (tmp_path / folder).mkdir()
        write_plots(runs, summary, tmp_path / folder)
    for name in ('accuracy.svg', 'errors.svg'):
        first, second = (tmp_path / 'a' / name).read_bytes(), (tmp_path / 'b' / name).read_bytes()
        assert first == second and b'<dc:date>' not in first, name


def test_a_rerun_with_the_same_numbers_leaves_the_results_alone(tmp_path):
    from labml_nn_distill.engineering.report import Outputs, publish
    outputs = Outputs.at(tmp_path)
    first = {'seeds': [0], 'errors': [31, 29], 'runs': {'0': {'uuid': 'a'}}, 'command_s': 70.0,
             'training': {'runs': 1, 'minutes': 3.0, 'kills': 0}, 'machine': 'here', 'command': 'python -m labml_nn_distill.x'}
    assert publish('x', first, 'errors: 31, 29', outputs)
    saved_json = (tmp_path / 'x.json').read_bytes()
    saved_page = (tmp_path / 'results.md').read_bytes()
    # Another run, elsewhere, spelled differently, with the same numbers: nothing changes
    rerun = {**first, 'runs': {'0': {'uuid': 'b'}}, 'command_s': 99.0,
             'training': {'runs': 1, 'minutes': 4.5, 'kills': 1}, 'machine': 'there',
             'command': 'python labml_nn_distill/x.py'}
    assert not publish('x', rerun, 'errors: 31, 29 (99 s)', outputs)
    assert (tmp_path / 'x.json').read_bytes() == saved_json
    assert (tmp_path / 'results.md').read_bytes() == saved_page
    # A number changed: both are rewritten
    changed = {**rerun, 'errors': [31, 28]}
    assert publish('x', changed, 'errors: 31, 28', outputs)
    assert json.loads((tmp_path / 'x.json').read_text())['errors'] == [31, 28]
    assert page_block((tmp_path / 'results.md').read_text(), 'x') == 'errors: 31, 28'


def test_temperature_sweep_page_says_what_its_committed_numbers_show():
    """The sentences of temperature_sweep.py against the committed sweep."""
    from labml_nn_distill.paper.temperature_sweep import __doc__ as page, chosen_temperature
    results = committed('temperature_sweep')
    summary, comparisons = results['summary'], results['comparisons']
    temperatures = [f'T={t:g}' for t in results['temperatures']]
    assert len(results['seeds']) == 5 and 'over five seeds' in page
    assert (results['epochs'], results['teacher_epochs']) == (30, 15) and '(30 and 15 epochs)' in page
    assert (results['train_examples'], results['valid_examples']) == (3500, 500)
    # "40 students and 5 teachers": eight students (six temperatures, two controls) per seed
    assert (len(temperatures) + 2) * len(results['seeds']) == 40 and '40 students and 5 teachers' in page
    # "the validation digits choose T = 20 ... tied with T = 16 (ties go to the higher temperature)"
    assert results['chosen'] == student_name(chosen_temperature(summary, results['temperatures'])) == 'T=20'
    valid = {name: summary[name]['valid_errors'][0] for name in temperatures}
    assert [name for name in temperatures if valid[name] == min(valid.values())] == ['T=16', 'T=20']
    assert 'tied with $T = 16$' in page
    # "Every temperature from 2 up [beats](comparing.html) the baseline"
    assert all(comparisons[f'{name} vs baseline']['low'] > 0 for name in temperatures[1:])
    # "only T = 1 differs beyond the noise, and it loses"
    assert comparisons['T=1 vs label_smoothing']['high'] < 0
    # "from T = 2 to T = 20 ... within the noise of each other"
    for name in temperatures[1:]:
        interval = comparisons[f'{name} vs label_smoothing']
        assert interval['low'] <= 0 <= interval['high'], name


def test_paired_bootstrap_interval_excludes_zero_only_for_a_real_difference():
    from labml_nn_distill.paper.comparing import paired_bootstrap, verdict
    # A is wrong on 10 digits per seed, B on those and 30 more: A beats B in every resample
    a = [list(range(seed, seed + 10)) for seed in range(5)]
    b = [wrong + list(range(100, 130)) for wrong in a]
    clear = paired_bootstrap(a, b, 1000, resamples=2000)
    assert clear['difference'] == 30.0 and 0 < clear['low'] <= 30.0 <= clear['high']
    assert verdict(clear, 'A', 'B', link=None).startswith('A beats B (30.0 fewer errors')
    # Linked to the page that says what it means
    assert verdict(clear, 'A', 'B').startswith('A [beats](comparing.html) B (30.0 fewer errors')
    # Told from the side of the better one, whichever order they are given in
    assert verdict(paired_bootstrap(b, a, 1000, resamples=2000), 'B', 'A', link=None).startswith('A beats B')
    # Each wrong on different digits, one more for B in one seed only: within the noise
    c = [list(range(200 + 3 * seed, 203 + 3 * seed)) for seed in range(5)]
    d = [list(range(300 + 3 * seed, 303 + 3 * seed)) + ([400] if seed == 0 else []) for seed in range(5)]
    noisy = paired_bootstrap(c, d, 1000, resamples=2000)
    assert noisy['difference'] == pytest.approx(0.2) and noisy['low'] < 0 < noisy['high']
    assert 'within the noise' in verdict(noisy, 'C', 'D')


def test_both_bootstraps_draw_the_same_seeded_resamples_in_chunks():
    """The comparisons and the share of the gap resample seeds and digits through one helper"""
    import numpy as np
    from labml_nn_distill.paper import comparing
    chunks = list(comparing.resampled(3, 40, 1_234))
    assert [len(seeds) for seeds, _ in chunks] == [500, 500, 234]
    seeds = np.concatenate([s for s, _ in chunks])
    examples = np.concatenate([e for _, e in chunks])
    assert seeds.shape == (1_234, 3) and (seeds.sum(1) == 3).all()
    assert examples.shape == (1_234, 40) and (examples.sum(1) == 40).all()
    again = np.concatenate([e for _, e in comparing.resampled(3, 40, 1_234)])
    assert (again == examples).all()
    # The paired difference on each resample, recomputed from those draws, gives the same interval
    a, b = [[0, 1], [2], [3, 4, 5]], [[1, 6, 7], [8, 9], [3]]
    difference = np.zeros((3, 40))
    for seed in range(3):
        difference[seed, b[seed]] += 1
        difference[seed, a[seed]] -= 1
    low, high = np.quantile(((seeds @ difference) * examples).sum(1) / 3, [0.025, 0.975])
    result = comparing.paired_bootstrap(a, b, 40, resamples=1_234)
    assert (result['low'], result['high']) == (low, high)


def test_verdicts_at_the_edge_of_the_noise_say_so():
    """An interval whose end nearest 0 is within one digit of it is worded as such, on either side of 0"""
    from labml_nn_distill.paper.comparing import EDGE, signed, verdict
    assert EDGE == 1.0

    def sentence(difference, low, high):
        return verdict({'difference': difference, 'low': low, 'high': high}, 'A', 'B', link=None)
    # Beats, but the lower end is 0.04: the interval is shown with the digits it needs
    narrow = sentence(3.0, 0.04, 6.0)
    assert narrow.startswith('A beats B, but only just') and '+0.04 to +6.0' in narrow and '+0.0 ' not in narrow
    # Beats, told from B's side when B has fewer errors, at +0.5
    assert sentence(-3.0, -6.0, -0.5).startswith('B beats A, but only just (3.0 fewer errors, 95 % interval +0.5')
    # The sweep's three boundary cases: lower ends at exactly 0, at -0.2 and at +0.8
    assert sentence(2.0, 0.0, 4.0).startswith('A and B are within the noise of each other, but only just')
    assert sentence(0.8, -0.2, 2.0).startswith('A and B are within the noise of each other, but only just')
    assert sentence(2.5, 0.8, 4.0).startswith('A beats B, but only just')
    # Clear cases keep the plain sentence
    assert sentence(5.0, 2.0, 8.0) == 'A beats B (5.0 fewer errors, 95 % interval +2.0 to +8.0)'
    assert sentence(0.2, -3.0, 3.0) == ('A and B are within the noise of each other '
                                        '(0.2 fewer errors, 95 % interval -3.0 to +3.0)')
    # A difference of 0 is no one's advantage: within the noise, not "only just"
    assert 'only just' not in sentence(0.0, -0.5, 0.5)
    assert [signed(x) for x in (0.0, 0.04, -0.04, 1.25, -2.0)] == ['0.0', '+0.04', '-0.04', '+1.2', '-2.0']


def test_a_page_of_many_comparisons_says_how_many_false_beats_chance_gives():
    from labml_nn_distill.paper.comparing import multiplicity
    sentence = multiplicity(17)
    assert sentence.startswith('These are 17 comparisons, each at 95 %') and 'about 0.9 of them' in sentence
    assert 'about 2.0 of them' in multiplicity(40)


def test_a_block_that_counts_its_comparisons_shows_that_many():
    # The count of comparisons is a claim about the sentences beside it: a block that
    # computed 17 but listed 11 told the reader "these are 17" under a list of 11
    import re
    results_md = (PAPER / 'results.md').read_text()
    counted = 0
    for block in re.findall(r'<!-- begin: (\w+) -->(.*?)<!-- end: \1 -->', results_md, re.S):
        stated = re.search(r'These are (\d+) comparisons', block[1])
        if stated:
            counted += 1
            shown = re.findall(r'\[(?:beats|within the noise)\]\(comparing\.html\)', block[1])
            assert len(shown) == int(stated.group(1)), block[0]
    assert counted >= 1
    sweep = importlib.import_module('labml_nn_distill.paper.temperature_sweep')
    results = committed('temperature_sweep')
    assert len(sweep.comparison_sentences(results)) == len(results['comparisons'])


@pytest.mark.parametrize('name', ['temperature_sweep', 'omitted_class', 'ensemble'])
def test_committed_comparisons_follow_from_the_recorded_mistakes(name):
    page = importlib.import_module(f'labml_nn_distill.paper.{name}')
    results = committed(name)
    assert len(results['seeds']) >= 5
    if name == 'temperature_sweep':
        chosen = page.chosen_temperature(results['summary'], results['temperatures'])
        again = page.compare(results['per_seed'], results['temperatures'], chosen, results['test_examples'])
        assert results['chosen'] == student_name(chosen)
    elif name == 'omitted_class':
        again = page.compare(results['per_seed'], results['test_examples'])
    else:
        again = page.compare(results['runs'], results['seeds'], results['test_examples'])
    assert round_trip(again) == results['comparisons']


def test_results_blocks_follow_the_reading_order():
    """The blocks of the results page in the paper wing's declared order, the study's first."""
    import re
    text = (PAPER / 'results.md').read_text()
    blocks = re.findall(r'<!-- begin: (\w+) -->', text)
    assert blocks == [name for name in RESULTS_ORDER if name in blocks]
    assert blocks[0] == 'experiment' and len(blocks) == 8


def test_a_new_block_goes_where_the_reading_order_puts_it():
    order = ['a', 'b', 'c']
    text = replace_block(replace_block('# Results\n', 'c', 'C', order), 'a', 'A', order)
    text = replace_block(text, 'b', 'B', order)
    assert text.index('A') < text.index('B') < text.index('C')
    # A page outside the order goes last
    assert replace_block(text, 'z', 'Z', order).rstrip().endswith('<!-- end: z -->')


def test_every_beats_on_the_pages_links_to_what_it_means():
    """Each "beats" and "within the noise" of the paper's pages and results page links to comparing.html."""
    import re
    for path in [*PAPER.glob('*.py'), PAPER / 'results.md']:
        if path.name in ('comparing.py', '__init__.py'):
            continue
        text = path.read_text() if path.suffix == '.md' else importlib.import_module(
            f'labml_nn_distill.paper.{path.stem}').__doc__
        for found in re.finditer(r'\bbeats\b|within the noise', text):
            before = text[max(0, found.start() - 1):found.start()]
            after = text[found.end():found.end() + 18]
            # A quoted "beats" names the word; it does not claim anything
            if before == '"':
                continue
            assert before == '[' and after.startswith('](comparing.html)'), f'{path.name}: {text[found.start() - 60:found.end() + 20]!r}'
