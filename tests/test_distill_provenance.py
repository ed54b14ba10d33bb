"""Numbers come from the code on the page: every results JSON records the code that computed it."""
import json

import pytest

from labml_nn_distill.engineering import provenance
from labml_nn_distill.engineering.report import PAPER

RESULTS = sorted(path.stem for path in (PAPER / 'results').glob('*.json'))


@pytest.mark.parametrize('page', RESULTS)
def test_published_numbers_come_from_the_code_as_it_is_now(page):
    results = json.loads((PAPER / 'results' / f'{page}.json').read_text())
    stale = provenance.stale_code(results, page)
    module = 'labml_nn_distill.experiment' if page == 'experiment' else f'labml_nn_distill.paper.{page}'
    assert not stale, (f'paper/results/{page}.json was computed by other code than today\'s ({", ".join(stale)}): '
                       f'run `python -m {module} --publish` again (see DEVELOPERS.md, "Results and claims")')


def test_every_results_json_has_a_page_whose_code_is_recorded():
    assert 'experiment' in RESULTS and 'mnist' in RESULTS
    for page in RESULTS:
        assert all((provenance.PACKAGE / name).is_file() for name in provenance.results_files(page))


def test_a_note_or_a_results_sentence_leaves_the_digest_and_a_line_of_code_changes_it():
    code = 'import torch\n\n\ndef measure(x):\n    return x + 1\n\n\ndef results_markdown(r):\n    return "a"\n'
    digest = provenance.code_of(code, provenance.PRESENTATION)
    noted = code.replace('def measure(x):\n', 'def measure(x):\n    """Measure."""\n    # why\n')
    reworded = code.replace('return "a"', 'return "another sentence"')
    changed = code.replace('x + 1', 'x + 2')
    assert provenance.code_of(noted, provenance.PRESENTATION) == digest
    assert provenance.code_of(reworded, provenance.PRESENTATION) == digest
    assert provenance.code_of(changed, provenance.PRESENTATION) != digest
    # A constant that sets a default is code: it changes the digest
    assert provenance.code_of(code + 'EPOCHS = 3\n', provenance.PRESENTATION) != digest


def test_stale_code_names_the_files_that_changed(monkeypatch, tmp_path):
    recorded = provenance.results_code('temperature_gradients')
    assert provenance.stale_code({'code': recorded}, 'temperature_gradients') == []
    edited = {**recorded, 'files': {**recorded['files'], 'train.py': '0' * 64}}
    assert provenance.stale_code({'code': edited}, 'temperature_gradients') == ['train.py']
    assert provenance.stale_code({}, 'temperature_gradients') == ['(no record of its code)']
    # The page's own file counts, and the essay's loss too
    assert {'__init__.py', 'train.py', 'paper/temperature_gradients.py'} <= set(recorded['files'])
    assert 'experiment.py' in provenance.results_files('experiment')


def test_the_mnist_protocol_that_ran_is_the_pages_and_was_committed_before_the_run():
    """The protocol the JSON records is the one mnist.py states, with the page's defaults, and its commit came first"""
    import argparse
    from labml_nn_distill.paper import mnist
    results = json.loads((PAPER / 'results' / 'mnist.json').read_text())
    defaults = argparse.Namespace(teacher_epochs=mnist.TEACHER.epochs, epochs=mnist.STUDENT.epochs, seeds=mnist.SEEDS,
                                  long_epochs=mnist.LONG_EPOCHS, temperatures=mnist.TEMPERATURES,
                                  tiny_temperatures=mnist.TINY_TEMPERATURES)
    assert results['protocol'] == json.loads(json.dumps(mnist.protocol(defaults)))
    assert results['protocol_commit']['commit'] == mnist.PROTOCOL_COMMIT
    assert results['protocol_commit']['time'] < results['study_created'] == mnist.study_created(results['study'])
    # Where git has the commit, the time recorded is its time
    assert mnist.commit_time(mnist.PROTOCOL_COMMIT) in (None, results['protocol_commit']['time'])
