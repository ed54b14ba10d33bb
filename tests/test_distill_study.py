"""The study end to end: outputs, labml runs, checkpoints, determinism and bad input."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from labml_nn_distill.dataset import load_mnist5k
from labml_nn_distill.engineering.checkpoint import save_final
from labml_nn_distill.engineering.command import exit_status
from labml_nn_distill.engineering.files import release_locks
from labml_nn_distill.engineering.runs import train, use_logs_dir
from labml_nn_distill.experiment import main
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs

REPO = Path(__file__).resolve().parent.parent


def run_study(*args, cwd):
    """Run the study command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, '-m', 'labml_nn_distill.experiment', *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={'PYTHONPATH': str(REPO), 'PATH': '/usr/bin:/bin', 'HOME': str(cwd)})


def snapshot(folder: Path) -> dict:
    """Every file under `folder` with its bytes."""
    return {path: path.read_bytes() for path in folder.rglob('*') if path.is_file()}


@pytest.fixture(scope='module')
def tiny_study(tmp_path_factory):
    """A tiny study: one epoch per phase on 256 training digits."""
    folder = tmp_path_factory.mktemp('study')
    process = run_study('--epochs', '1', '--train-subset', '256', '--output-dir', 'out',
                        '--logs-dir', 'logs', cwd=folder)
    assert process.returncode == 0, process.stderr[-3000:]
    return folder, process.stdout


def test_study_writes_results_json_and_plots(tiny_study):
    folder, _ = tiny_study
    results = json.loads((folder / 'out' / 'results.json').read_text())
    assert results['dataset'] == 'mnist5k' and results['train_examples'] == 256
    assert set(results['runs']['0']) == {'teacher', 'baseline', 'distilled', 'label_smoothing'}
    for name in ('accuracy.svg', 'errors.svg'):
        assert (folder / 'out' / name).read_text().lstrip().startswith('<?xml')


def test_printed_table_holds_the_numbers_in_results_json(tiny_study):
    folder, stdout = tiny_study
    results = json.loads((folder / 'out' / 'results.json').read_text())
    # The table is the study's block of the results page, printed as it is recorded
    assert results['table'] in stdout and '<table>' in results['table']
    for phase, run in results['runs']['0'].items():
        row = re.search(rf'^<tr><td>{phase.replace("_", " ")}</td>.*$', results['table'], re.MULTILINE).group(0)
        assert (f'<td align=right>{run["test_accuracy"]:.2f}</td>' in row
                and f'<td align=right>{run["test_errors"]}</td>' in row)
        # Each run's uuid is printed (by labml, as the run starts)
        assert run['uuid'] in stdout


def test_each_run_is_a_labml_run_with_configs_metrics_and_checkpoint(tiny_study):
    folder, _ = tiny_study
    results = json.loads((folder / 'out' / 'results.json').read_text())
    for phase, run in results['runs']['0'].items():
        run_path = Path(run['run_path'])
        assert run_path.parent.parent == (folder / 'logs').resolve()
        assert run_path.name == run['uuid'] and run_path.parent.name == f'mnist5k_{phase}'
        assert 'temperature' in (run_path / 'configs.yaml').read_text()
        # The last metrics labml logged are the ones the study reports
        metrics = [json.loads(line) for line in (run_path / 'log.jsonl').read_text().splitlines()]
        logged = [value for m in metrics for value in m.get('track', {}).get('accuracy.test', [])]
        assert logged[-1] == [256, [pytest.approx(run['test_accuracy'])]]
        # The study holds out a validation split, and its accuracy is tracked beside the test's
        validation = [value for m in metrics for value in m.get('track', {}).get('accuracy.valid', [])]
        assert validation[-1] == [256, [pytest.approx(run['history'][-1]['valid_accuracy'])]]
        checkpoint = torch.load(run['checkpoint'], weights_only=True)
        assert checkpoint['test_accuracy'] == pytest.approx(run['test_accuracy'])
        assert Path(run['checkpoint']) == run_path / 'checkpoints' / '256' / 'model.pt'
        assert run['history'][-1]['test_accuracy'] == pytest.approx(run['test_accuracy'])


def test_study_loads_a_saved_teacher_and_overwrites_nothing(tiny_study):
    folder, _ = tiny_study
    results = json.loads((folder / 'out' / 'results.json').read_text())
    teacher = results['runs']['0']['teacher']
    before = snapshot(folder / 'logs')
    process = run_study('--epochs', '1', '--train-subset', '128', '--output-dir', 'out2', '--logs-dir', 'logs',
                        '--teacher-run', f'{teacher["uuid"]}:256', cwd=folder)
    assert process.returncode == 0, process.stderr[-3000:]
    after = snapshot(folder / 'logs')
    assert all(after.get(path) == content for path, content in before.items())
    again = json.loads((folder / 'out2' / 'results.json').read_text())
    assert again['runs']['0']['teacher']['test_accuracy'] == pytest.approx(teacher['test_accuracy'])
    assert again['runs']['0']['teacher']['uuid'] == teacher['uuid']


@pytest.mark.parametrize('args,message', [
    (['--dataset', 'imagenet'], 'invalid choice'),
    (['--teacher-run', '0123456789abcdef'], 'There is no labml run'),
])
def test_bad_input_gives_one_message_and_non_zero_exit(tmp_path, args, message):
    process = run_study(*args, '--logs-dir', 'logs', cwd=tmp_path)
    assert process.returncode != 0
    assert message in process.stderr
    assert 'Traceback' not in process.stderr
    assert not (tmp_path / 'out').exists()


def test_corrupt_teacher_checkpoint_is_named(tmp_path, capsys):
    path = tmp_path / 'logs' / 'mnist5k_teacher' / 'abc123' / 'checkpoints' / '4000' / 'model.pt'
    path.parent.mkdir(parents=True)
    path.write_bytes(b'not a checkpoint')
    assert exit_status(main, ['--teacher-run', 'abc123', '--logs-dir', str(tmp_path / 'logs'),
                              '--output-dir', str(tmp_path / 'out')]) == 2
    error = capsys.readouterr().err
    assert str(path) in error and 'corrupt' in error
    assert path.read_bytes() == b'not a checkpoint'


def test_missing_checkpoint_step_lists_the_saved_steps(tmp_path, capsys):
    (tmp_path / 'logs' / 'mnist5k_teacher' / 'abc123' / 'checkpoints' / '4000').mkdir(parents=True)
    (tmp_path / 'logs' / 'mnist5k_teacher' / 'abc123' / 'checkpoints' / '4000' / 'model.pt').write_bytes(b'')
    assert exit_status(main, ['--teacher-run', 'abc123:99', '--logs-dir', str(tmp_path / 'logs'),
                              '--output-dir', str(tmp_path / 'out')]) == 2
    assert 'Checkpoints saved in that run: 4000' in capsys.readouterr().err


@pytest.mark.parametrize('args', [['--temperature', '0'], ['--temperature', '-1'], ['--alpha', '1.5'],
                                  ['--alpha', '-0.1'], ['--epochs', '0'], ['--dataset', 'svhn'],
                                  ['--teacher-logits', 'exact']])
def test_invalid_values_are_rejected_before_anything_starts(tmp_path, args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*args, '--output-dir', str(tmp_path / 'out'), '--logs-dir', str(tmp_path / 'logs')])
    assert exit_.value.code != 0
    assert 'error:' in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_help_explains_every_option():
    process = subprocess.run([sys.executable, str(REPO / 'labml_nn_distill' / 'experiment.py'), '--help'],
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0
    for option in ('--dataset', '--data-dir', '--seeds', '--epochs', '--temperature', '--alpha',
                   '--teacher-run', '--output-dir', '--device', '--logs-dir', '--train-subset'):
        assert option in process.stdout


def test_same_seed_gives_the_same_numbers(tmp_path):
    data = load_mnist5k(train_subset=256)
    configs = TrainConfigs(epochs=2, augment=True, seed=3)
    use_logs_dir(tmp_path)
    first = train(MnistStudent(), data, configs, 'determinism')
    second = train(MnistStudent(), data, configs, 'determinism')
    assert first.uuid != second.uuid
    assert first.history == second.history


def test_checkpoints_are_never_overwritten(tmp_path):
    path = save_final(tmp_path, 10, {'model': {}})
    with pytest.raises(Exception, match='overwrite'):
        save_final(tmp_path, 10, {'model': {'changed': torch.zeros(1)}})
    assert torch.load(path, weights_only=True) == {'model': {}, 'run': tmp_path.name, 'step': 10}
    assert [p.name for p in path.parent.iterdir()] == ['model.pt']


def test_several_seeds_report_mean_sd_and_paired_gain(tmp_path, capsys):
    try:
        returned = main(['--seeds', '0', '1', '--epochs', '1', '--train-subset', '64',
                         '--output-dir', str(tmp_path / 'out'), '--logs-dir', str(tmp_path / 'logs')])
    finally:
        release_locks()
    results = json.loads((tmp_path / 'out' / 'results.json').read_text())
    # `main` returns what it wrote (the JSON has the printed block besides)
    assert json.loads(json.dumps(returned)) == {key: value for key, value in results.items() if key != 'table'}
    runs = results['runs']
    gains = [runs[s]['distilled']['test_accuracy'] - runs[s]['baseline']['test_accuracy'] for s in ('0', '1')]
    assert results['summary']['paired_gain']['per_seed'] == pytest.approx(gains)
    assert results['summary']['paired_gain']['mean'] == pytest.approx(sum(gains) / 2)
    stdout = capsys.readouterr().out
    assert f'{results["summary"]["distilled"]["accuracy_mean"]:.2f} ± ' in stdout
    assert 'seeds 0, 1;' in stdout and 'mean ± sd over seeds' in stdout
