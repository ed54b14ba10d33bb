"""Resuming killed runs: atomic checksummed checkpoints, the study's --resume, NaN and OOM stops."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from labml_nn_distill import experiment as experiment_module
from labml_nn_distill import train as train_module
from labml_nn_distill.dataset import load_mnist5k
from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering import checkpoint as checkpoint_module
from labml_nn_distill.engineering import files as files_module
from labml_nn_distill.engineering import runs as runs_module
from labml_nn_distill.engineering.command import exit_status
from labml_nn_distill.engineering.files import CorruptFile, load_torch, torch_bytes
from labml_nn_distill.engineering.runs import train, use_logs_dir
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs

REPO = Path(__file__).resolve().parent.parent
# A tiny study: two epochs per phase on 128 training digits
STUDY = ('--epochs', '2', '--train-subset', '128', '--output-dir', 'out', '--logs-dir', 'logs')
PHASES = ('teacher', 'baseline', 'distilled', 'label_smoothing')


def start_study(folder: Path, *args, env: dict | None = None) -> subprocess.Popen:
    """Start the study command in a subprocess, as a user would."""
    return subprocess.Popen([sys.executable, '-m', 'labml_nn_distill.experiment', *STUDY, *args],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={'PYTHONPATH': str(REPO), 'PATH': '/usr/bin:/bin', 'HOME': str(folder),
                                 **(env or {})})


def files(folder: Path) -> set:
    return {path for path in folder.rglob('*') if path.is_file()}


def kill_when(process: subprocess.Popen, folder: Path, pattern: str, timeout: float = 600) -> set:
    """SIGKILL `process` as soon as a file matching `pattern` appears; the files at that moment."""
    deadline = time.monotonic() + timeout
    while not list(folder.glob(pattern)):
        assert process.poll() is None, f'the study ended before {pattern}: {process.stderr.read()[-2000:]}'
        assert time.monotonic() < deadline, f'no {pattern} after {timeout} s'
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return files(folder)


def run_uuid(folder: Path, phase: str) -> str:
    (run_path,) = (folder / 'logs' / f'mnist5k_{phase}').iterdir()
    return run_path.name


def logged(run_path: Path, key: str = 'loss.train') -> list:
    """Every (step, value) the run's log.jsonl holds for `key`, in order."""
    entries = []
    for line in (run_path / 'log.jsonl').read_text().splitlines():
        entries += json.loads(line).get('track', {}).get(key, [])
    return entries


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp('uninterrupted')
    process = start_study(folder)
    assert process.wait(timeout=600) == 0, process.stderr.read()[-3000:]
    return json.loads((folder / 'out' / 'results.json').read_text())


def test_study_killed_at_several_points_resumes_to_the_same_numbers_and_loses_no_file(tmp_path, uninterrupted):
    logs = tmp_path / 'logs'
    # Killed right after the teacher's first checkpoint
    seen = kill_when(start_study(tmp_path), logs, 'mnist5k_teacher/*/checkpoints/*/state.pt')
    teacher_uuid = run_uuid(tmp_path, 'teacher')
    # Resumed: the teacher continues, and the study is killed again after the baseline's first checkpoint
    seen |= kill_when(start_study(tmp_path, '--resume', teacher_uuid), logs,
                      'mnist5k_baseline/*/checkpoints/*/state.pt')
    # Resumed by the baseline's uuid, and killed in the middle of its first write: the second epoch's checkpoint
    process = start_study(tmp_path, '--resume', run_uuid(tmp_path, 'baseline'),
                          env={files_module.KILL_DURING_SAVE: '1'})
    assert process.wait(timeout=600) == -signal.SIGKILL, process.stderr.read()[-3000:]
    seen |= files(logs)
    assert list(logs.glob('*/*/checkpoints/*/state.pt.*.tmp')), 'the kill did not happen during a save'
    # Resumed to the end
    process = start_study(tmp_path, '--resume', teacher_uuid)
    assert process.wait(timeout=600) == 0, process.stderr.read()[-3000:]
    resumed = json.loads((tmp_path / 'out' / 'results.json').read_text())

    # The same numbers as the run that was never killed, epoch by epoch
    for phase in PHASES:
        mine, reference = resumed['runs']['0'][phase], uninterrupted['runs']['0'][phase]
        assert mine['history'] == reference['history'], phase
        assert (mine['test_accuracy'], mine['test_errors']) == (reference['test_accuracy'], reference['test_errors'])
    # One labml run per phase, whose log holds every epoch once, with the uninterrupted values
    for phase in PHASES:
        (run_path,) = (logs / f'mnist5k_{phase}').iterdir()
        history = uninterrupted['runs']['0'][phase]['history']
        assert logged(run_path) == [[h['step'], [pytest.approx(h['train_loss'])]] for h in history]
    # Nothing that was under logs/ at any kill is gone, but the killed writer's temporary file
    assert not {path for path in seen if not path.name.endswith('.tmp')} - files(logs)
    assert not list(logs.glob('*/*/checkpoints/*/*.tmp'))


def test_corrupt_checkpoint_is_named_and_the_previous_one_used(tmp_path, monkeypatch, capsys):
    data = load_mnist5k(train_subset=128)
    configs = TrainConfigs(epochs=3, augment=True, seed=1)
    use_logs_dir(tmp_path)
    reference = train(MnistStudent(), data, configs, 'reference')
    # A run stopped after its second checkpoint ...
    original_save = checkpoint_module.Checkpoints.save

    def save_then_stop(self, epoch, *args):
        original_save(self, epoch, *args)
        if epoch == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_module.Checkpoints, 'save', save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        train(MnistStudent(), data, configs, 'stopped')
    monkeypatch.undo()
    (run_path,) = (tmp_path / 'stopped').iterdir()
    # ... whose second checkpoint was then cut short
    latest = run_path / 'checkpoints' / '256' / 'state.pt'
    content = latest.read_bytes()
    latest.write_bytes(content[:len(content) // 3])
    resumed = train(MnistStudent(), data, configs, 'stopped', uuid=run_path.name)
    printed = capsys.readouterr().out
    assert f'skipping checkpoint {latest}' in printed
    assert f'Resuming from {run_path / "checkpoints" / "128" / "state.pt"} (epoch 1, step 128)' in printed
    assert resumed.history == reference.history
    assert (latest.parent / 'state.pt.corrupt-0').read_bytes() == content[:len(content) // 3]
    assert [step for step, _ in logged(run_path)] == [128, 256, 384]


def test_checkpoint_checksum_detects_truncation_and_damage(tmp_path):
    path = tmp_path / 'state.pt'
    content = torch_bytes({'weights': torch.arange(1000.0)})
    path.write_bytes(content)
    assert torch.equal(load_torch(path)['weights'], torch.arange(1000.0))
    path.write_bytes(content[:-1])
    with pytest.raises(CorruptFile, match='truncated'):
        load_torch(path)
    damaged = bytearray(content)
    damaged[100] ^= 1
    path.write_bytes(bytes(damaged))
    with pytest.raises(CorruptFile, match='damaged'):
        load_torch(path)


def test_nonfinite_loss_stops_naming_the_step_and_last_good_checkpoint(tmp_path, monkeypatch):
    data = load_mnist5k(train_subset=128)
    calls = []
    original = train_module.batch_loss

    def nan_in_the_second_epoch(*args):
        calls.append(1)
        loss = original(*args)
        return loss * float('nan') if len(calls) == 3 else loss

    monkeypatch.setattr(train_module, 'batch_loss', nan_in_the_second_epoch)
    with pytest.raises(UserError) as error:
        use_logs_dir(tmp_path)
        train(MnistStudent(), data, TrainConfigs(epochs=3, seed=0), 'nan')
    (run_path,) = (tmp_path / 'nan').iterdir()
    message = str(error.value)
    assert 'nan at step 192 (epoch 2)' in message
    assert str(run_path / 'checkpoints' / '128' / 'state.pt') in message
    assert f'--resume {run_path.name}' in message
    assert not (run_path / 'checkpoints' / '256').exists()


def test_cuda_out_of_memory_says_how_to_lower_the_batch_size(tmp_path, monkeypatch, capsys):
    def out_of_memory(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError('CUDA out of memory. Tried to allocate 2.00 GiB')

    monkeypatch.setattr(runs_module, 'train', out_of_memory)
    assert exit_status(experiment_module.main, ['--batch-size', '256', '--logs-dir', str(tmp_path / 'logs'),
                                                '--output-dir', str(tmp_path / 'out')]) == 3
    error = capsys.readouterr().err
    assert '--batch-size 128' in error and 'Traceback' not in error


def test_resume_of_an_unknown_run_is_one_message(tmp_path, capsys):
    assert exit_status(experiment_module.main, ['--resume', '0123abcd', '--logs-dir', str(tmp_path / 'logs'),
                                                '--output-dir', str(tmp_path / 'out')]) == 2
    assert 'no labml run' in capsys.readouterr().err


@pytest.mark.parametrize('args', [['--batch-size', '0'], ['--epochs', '-2']])
def test_invalid_sizes_are_rejected_before_anything_starts(tmp_path, args, capsys):
    with pytest.raises(SystemExit):
        experiment_module.main([*args, '--output-dir', str(tmp_path / 'out'), '--logs-dir', str(tmp_path / 'logs')])
    assert not any(tmp_path.iterdir())
