"""Runs that never damage the repository, never hang and fail early; checkpoints that belong to
their run; one writer per run and per output folder. Issue 14, item by item."""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from labml_nn_distill import experiment as experiment_module
from labml_nn_distill.dataset import load_mnist5k
from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering import provenance
from labml_nn_distill.engineering import runs as runs_module
from labml_nn_distill.engineering.checkpoint import Checkpoints
from labml_nn_distill.engineering.command import exit_status
from labml_nn_distill.engineering.files import load_torch, save_torch, write_atomically
from labml_nn_distill.engineering.runs import Runs, train, use_logs_dir
from labml_nn_distill.engineering.teacher_cache import cached_teacher_outputs, compute_teacher_logits
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs

REPO = Path(__file__).resolve().parent.parent
PHASES = ('teacher', 'baseline', 'distilled', 'label_smoothing')
# A tiny study: one epoch per phase on 64 training digits
TINY = ['--epochs', '1', '--train-subset', '64']


def environment(home: Path, python_path: Path = REPO) -> dict:
    return {'PYTHONPATH': str(python_path), 'PATH': '/usr/bin:/bin', 'HOME': str(home)}


def run_module(module: str, *args, cwd: Path, python_path: Path = REPO, timeout: float = 600):
    """Run `python -m module` in a subprocess, as a user would."""
    return subprocess.run([sys.executable, '-m', module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environment(cwd, python_path))


def snapshot(folder: Path) -> dict:
    """Every file under `folder` with its bytes."""
    return {path: path.read_bytes() for path in folder.rglob('*') if path.is_file() and '__pycache__' not in path.parts}


def study(tmp_path: Path, *args) -> int:
    """The study in this process, its outputs and runs under `tmp_path`; its exit status."""
    return exit_status(experiment_module.main, [*TINY, '--output-dir', str(tmp_path / 'out'),
                                                '--logs-dir', str(tmp_path / 'logs'), *args])


def run_folder(tmp_path: Path, phase: str) -> Path:
    (run_path,) = (tmp_path / 'logs' / f'mnist5k_{phase}').iterdir()
    return run_path


def numbers(tmp_path: Path) -> dict:
    results = json.loads((tmp_path / 'out' / 'results.json').read_text())
    return {phase: (run['test_errors'], run['history']) for phase, run in results['runs']['0'].items()}


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the checkout: the package, `.labml.yaml` and the packaging files."""
    copy = tmp_path / 'checkout'
    shutil.copytree(REPO / 'labml_nn_distill', copy / 'labml_nn_distill',
                    ignore=shutil.ignore_patterns('__pycache__'))
    for name in ('.labml.yaml', 'setup.py', 'pyproject.toml', 'README.md'):
        shutil.copy(REPO / name, copy / name)
    return copy


# ## 1. A run never rewrites committed files; --publish does

def test_study_and_page_from_a_checkout_leave_committed_files_alone_unless_published(checkout):
    committed = snapshot(checkout / 'labml_nn_distill')
    process = run_module('labml_nn_distill.experiment', *TINY, cwd=checkout, python_path=checkout)
    assert process.returncode == 0, process.stderr[-3000:]
    page = run_module('labml_nn_distill.paper.temperature_gradients', cwd=checkout, python_path=checkout)
    assert page.returncode == 0, page.stderr[-3000:]
    # Everything went to the gitignored results/ and logs/
    assert snapshot(checkout / 'labml_nn_distill') == committed
    assert (checkout / 'results' / 'results.json').is_file() and (checkout / 'results' / 'accuracy.svg').is_file()
    assert (checkout / 'results' / 'temperature_gradients.json').is_file()
    assert list((checkout / 'logs').glob('mnist5k_teacher/*/checkpoints/*/model.pt'))
    # --publish updates the committed study block, JSON and plots
    process = run_module('labml_nn_distill.experiment', *TINY, '--publish', cwd=checkout, python_path=checkout)
    assert process.returncode == 0, process.stderr[-3000:]
    paper = checkout / 'labml_nn_distill' / 'paper'
    changed = {path.relative_to(paper).as_posix() for path, content in snapshot(paper).items()
               if committed.get(path) != content}
    assert changed == {'results.md', 'results/experiment.json', 'images/experiment_accuracy.svg',
                       'images/experiment_errors.svg'}
    assert '64 training digits' in (paper / 'results.md').read_text()


def test_publish_from_an_installed_copy_is_refused(monkeypatch, tmp_path, capsys):
    from labml_nn_distill.engineering import options
    monkeypatch.setattr(options, 'REPOSITORY', tmp_path)
    with pytest.raises(SystemExit) as stop:
        study(tmp_path, '--publish')
    assert stop.value.code == 2
    assert 'argument --publish' in capsys.readouterr().err


# ## 2. An installed copy writes under the working directory, never into site-packages

def test_installed_wheel_writes_runs_and_results_under_the_working_directory(checkout, tmp_path):
    wheels, site, work = tmp_path / 'wheels', tmp_path / 'site', tmp_path / 'work'
    work.mkdir()
    built = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
                            '-w', str(wheels), str(checkout)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    installed = subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target', str(site),
                                *map(str, wheels.glob('labml_nn_distill-*.whl'))],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    before = snapshot(site)
    process = run_module('labml_nn_distill.experiment', *TINY, cwd=work, python_path=site)
    assert process.returncode == 0, process.stderr[-3000:]
    assert snapshot(site) == before
    assert list((work / 'logs').glob('mnist5k_teacher/*/checkpoints/*/model.pt'))
    assert list((work / 'logs' / 'teacher_cache').glob('*.pt'))
    assert (work / 'results' / 'results.json').is_file()
    assert f'labml runs: {work / "logs"}' in process.stdout


# ## 4. Folders that cannot be written stop the command before anything trains

@pytest.mark.parametrize('option,folder', [('--output-dir', '/dev/full'), ('--output-dir', 'a-file'),
                                           ('--logs-dir', 'a-file'), ('--logs-dir', '/proc/version/logs')])
def test_unwritable_output_or_logs_folder_stops_before_training(tmp_path, monkeypatch, capsys, option, folder):
    (tmp_path / 'a-file').write_text('not a folder')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runs_module, 'train', lambda *args, **kwargs: pytest.fail('it trained'))
    defaults = {'--output-dir': str(tmp_path / 'out'), '--logs-dir': str(tmp_path / 'logs')}
    with pytest.raises(SystemExit) as stop:
        experiment_module.main([*TINY, *[item for key, value in {**defaults, option: folder}.items()
                                          for item in (key, value)]])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    last = error.strip().splitlines()[-1]
    assert f'error: {option} ' in last and ': cannot write there' in last and 'Traceback' not in error


def test_unwritable_output_folder_stops_a_page_before_training(tmp_path, capsys):
    from labml_nn_distill.paper import temperature_sweep
    (tmp_path / 'a-file').write_text('not a folder')
    with pytest.raises(SystemExit) as stop:
        temperature_sweep.main(['--output-dir', str(tmp_path / 'a-file'), '--logs-dir', str(tmp_path / 'logs')])
    assert stop.value.code == 2 and '--output-dir' in capsys.readouterr().err


# ## 5. A full disk stops within seconds, leaves no temporary file, and the run resumes

FULL_DISK = '''
import errno, runpy, sys
from labml_nn_distill.engineering import files
real_open = open

class FullDisk:
    """A file that takes half of what it is given, then has no space."""
    def __init__(self, file):
        self.file = file
    def write(self, content):
        self.file.write(content[:len(content) // 2])
        raise OSError(errno.ENOSPC, 'No space left on device')
    def __getattr__(self, name):
        return getattr(self.file, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.file.close()

def open_on_a_full_disk(path, mode='r', *args, **kwargs):
    file = real_open(path, mode, *args, **kwargs)
    return FullDisk(file) if 'state.pt' in str(path) and 'w' in mode else file

files.open = open_on_a_full_disk
sys.argv = ['experiment', *sys.argv[1:]]
runpy.run_module('labml_nn_distill.experiment', run_name='__main__')
'''


def test_full_disk_stops_at_once_naming_the_file_and_the_run_resumes(tmp_path):
    options = [*TINY, '--output-dir', 'out', '--logs-dir', 'logs']
    process = subprocess.run([sys.executable, '-c', FULL_DISK, *options], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300, env=environment(tmp_path))
    assert process.returncode == 2, process.stderr[-3000:]
    error = process.stderr
    teacher = run_folder(tmp_path, 'teacher')
    # It stopped at the first write that failed: no run after the teacher's was started (a clock
    # would say the same on a quiet machine, and nothing on a busy one)
    assert [path.parent for path in (tmp_path / 'logs').glob('*/*/configs.yaml')] == [teacher]
    assert f'Cannot write {teacher / "checkpoints" / "64" / "state.pt"}: No space left on device' in error
    assert 'free there' in error and 'Traceback' not in error
    # The command that continues names the run, never a placeholder
    assert f'--resume {teacher.name}' in error and 'UUID' not in error
    assert not list((tmp_path / 'logs').rglob('*.tmp')) and not list((tmp_path / 'logs').rglob('state.pt'))
    # Space freed: the study continues
    process = run_module('labml_nn_distill.experiment', *options, '--resume', teacher.name, cwd=tmp_path)
    assert process.returncode == 0, process.stderr[-3000:]


def test_write_error_other_than_full_disk_is_not_disguised(tmp_path, monkeypatch):
    from labml_nn_distill.engineering import files

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, 'Permission denied')

    monkeypatch.setattr(files, 'open', denied, raising=False)
    with pytest.raises(PermissionError):
        write_atomically(tmp_path / 'x.json', b'{}')


# ## 6. Temperature and alpha: finite values in a documented range

@pytest.mark.parametrize('option,value', [('--temperature', 'inf'), ('--temperature', '1e-300'),
                                          ('--temperature', '1e200'), ('--temperature', 'nan'),
                                          ('--temperature', '0'), ('--alpha', 'nan'), ('--alpha', 'inf'),
                                          ('--alpha', '1.5'), ('--alpha', '-0.1')])
def test_temperature_and_alpha_outside_their_range_are_rejected(tmp_path, capsys, option, value):
    with pytest.raises(SystemExit):
        study(tmp_path, option, value)
    assert f'argument {option}' in capsys.readouterr().err
    assert not (tmp_path / 'logs').exists()


def test_temperatures_at_the_ends_of_the_range_are_accepted(tmp_path):
    for value in ('0.1', '100'):
        args = experiment_module.arguments().parse_args(['--temperature', value, '--output-dir', str(tmp_path / value)])
        assert args.temperature == float(value)
        args.output_lock.close()


# ## 7. Out of memory: advice that works, for the GPU and the CPU

@pytest.mark.parametrize('failure', [
    torch.cuda.OutOfMemoryError('CUDA out of memory. Tried to allocate 2.00 GiB'),
    RuntimeError('[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: '
                 'you tried to allocate 1000000000 bytes.'),
    MemoryError()])
def test_out_of_memory_advice_names_the_evaluation_batch_that_may_change_on_resume(tmp_path, monkeypatch, capsys,
                                                                                   failure):
    def out_of_memory(*args, **kwargs):
        raise failure

    monkeypatch.setattr(runs_module, 'train', out_of_memory)
    assert study(tmp_path, '--batch-size', '256', '--eval-batch-size', '400') == 3
    error = capsys.readouterr().err
    assert 'again with --eval-batch-size 100' in error and '--batch-size 128' in error and 'UUID' not in error
    assert 'same options' not in error and 'Traceback' not in error


def test_other_runtime_errors_are_not_called_out_of_memory(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('mat1 and mat2 shapes cannot be multiplied')

    monkeypatch.setattr(runs_module, 'train', broken)
    with pytest.raises(RuntimeError, match='shapes'):
        study(tmp_path)


def test_resume_accepts_another_evaluation_batch_size_and_refuses_another_batch_size(tmp_path):
    run_path = tmp_path / 'logs' / 'mnist5k_baseline' / 'abc'
    run_path.mkdir(parents=True)
    stored = {'batch_size': 64, 'eval_batch_size': 500, 'seed': 0}
    (run_path / 'configs.yaml').write_text(yaml.safe_dump({key: {'value': value} for key, value in stored.items()}))
    runs = Runs(tmp_path / 'logs', 'labml_nn_distill.experiment')
    runs.check_same_run(run_path, {**stored, 'eval_batch_size': 100})
    with pytest.raises(UserError, match='batch_size = 64'):
        runs.check_same_run(run_path, {**stored, 'batch_size': 32})


# ## 8. Checkpoints carry their run and step, checked before use

def tiny_data(n: int = 128):
    return load_mnist5k(train_subset=n)


def stopped_run(tmp_path, monkeypatch, name: str, configs: TrainConfigs, stop_epoch: int,
                model_class=MnistStudent) -> Path:
    """A run interrupted after its checkpoint of `stop_epoch`."""
    original_save = Checkpoints.save

    def save_then_stop(self, epoch, *args):
        original_save(self, epoch, *args)
        if epoch == stop_epoch:
            raise KeyboardInterrupt

    monkeypatch.setattr(Checkpoints, 'save', save_then_stop)
    use_logs_dir(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        train(model_class(), tiny_data(), configs, name)
    monkeypatch.undo()
    (run_path,) = (tmp_path / name).iterdir()
    return run_path


def test_checkpoint_copied_from_another_run_is_set_aside_and_the_run_resumes_from_its_own(tmp_path, monkeypatch,
                                                                                         capsys):
    configs = TrainConfigs(epochs=3, seed=1)
    use_logs_dir(tmp_path)
    reference = train(MnistStudent(), tiny_data(), configs, 'reference')
    mine = stopped_run(tmp_path, monkeypatch, 'mine', configs, stop_epoch=1)
    other = stopped_run(tmp_path, monkeypatch, 'other', TrainConfigs(epochs=3, seed=2), stop_epoch=2)
    copied = mine / 'checkpoints' / '256' / 'state.pt'
    copied.parent.mkdir()
    shutil.copy(other / 'checkpoints' / '256' / 'state.pt', copied)
    resumed = train(MnistStudent(), tiny_data(), configs, 'mine', uuid=mine.name)
    printed = capsys.readouterr().out
    assert f'skipping checkpoint {copied}: {copied} was written by run {other.name}' in printed
    assert f'Resuming from {mine / "checkpoints" / "128" / "state.pt"}' in printed
    assert resumed.history == reference.history
    assert (copied.parent / 'state.pt.corrupt-0').read_bytes() == (other / 'checkpoints' / '256' / 'state.pt').read_bytes()


def test_checkpoint_of_another_architecture_stops_naming_the_file(tmp_path, monkeypatch):
    configs = TrainConfigs(epochs=3, seed=1)
    run_path = stopped_run(tmp_path, monkeypatch, 'mine', configs, stop_epoch=1)
    path = run_path / 'checkpoints' / '128' / 'state.pt'
    state = load_torch(path)
    state['model'] = MnistTeacher().state_dict()
    path.unlink()
    save_torch(path, state)
    with pytest.raises(UserError) as error:
        train(MnistStudent(), tiny_data(), configs, 'mine', uuid=run_path.name)
    assert f'The checkpoint {path} does not fit' in str(error.value)


def test_only_damaged_checkpoint_says_the_run_starts_again(tmp_path, capsys):
    run_path = tmp_path / 'run'
    (run_path / 'checkpoints' / '128').mkdir(parents=True)
    (run_path / 'checkpoints' / '128' / 'state.pt').write_bytes(b'not a checkpoint')
    checkpoints = Checkpoints(run_path)
    checkpoints.lock.close()
    printed = capsys.readouterr().out
    assert checkpoints.resumed_state is None
    assert 'using the one before it' not in printed and 'no earlier good checkpoint' in printed


def test_finished_run_with_damaged_final_checkpoints_is_written_again_on_resume(tmp_path, capsys):
    assert study(tmp_path, '--epochs', '2') == 0
    reference = numbers(tmp_path)
    model = next(run_folder(tmp_path, 'distilled').glob('checkpoints/*/model.pt'))
    model.write_bytes(model.read_bytes()[:1000])
    state = run_folder(tmp_path, 'baseline') / 'checkpoints' / '128' / 'state.pt'
    state.write_bytes(state.read_bytes()[:-1])
    capsys.readouterr()
    assert study(tmp_path, '--epochs', '2', '--resume', run_folder(tmp_path, 'teacher').name) == 0
    printed = capsys.readouterr().out
    assert f'{model.name} is kept as model.pt.corrupt-0' in printed
    assert numbers(tmp_path) == reference
    assert load_torch(model)['run'] == model.parents[2].name and load_torch(state)['step'] == 128


# ## 9. Code changed between kill and resume

def interrupted_study(tmp_path, monkeypatch, phase: str) -> Path:
    """A tiny study interrupted after the first checkpoint of `phase`; that run's folder."""
    from test_distill_engine import stop_after_first_checkpoint_of
    stop_after_first_checkpoint_of(monkeypatch, phase)
    assert study(tmp_path, '--epochs', '2') == 130
    monkeypatch.undo()
    return run_folder(tmp_path, phase)


def test_code_changed_since_the_run_started_is_refused_unless_allowed(tmp_path, monkeypatch, capsys):
    run_path = interrupted_study(tmp_path, monkeypatch, 'baseline')
    # The student's code as the run recorded it differs from today's
    record = json.loads((run_path / 'source.json').read_text())
    record['small.py'] = '0' * 64
    (run_path / 'source.json').write_text(json.dumps(record))
    (run_path / 'source.diff').write_text('the diff of the first start\n')
    capsys.readouterr()
    assert study(tmp_path, '--epochs', '2', '--resume', run_path.name) == 2
    assert 'small.py (changed)' in capsys.readouterr().err
    assert study(tmp_path, '--epochs', '2', '--resume', run_path.name, '--allow-code-change') == 0
    kept = [path.read_text() for path in run_path.glob('source.diff.*')]
    assert 'the diff of the first start\n' in kept


def test_recorded_code_ignores_notes_but_not_code():
    code_of = provenance.code_of
    assert code_of('"""A page."""\n# a note\ndef f():\n    """Doc."""\n    return 1\n') == code_of('def f():\n    return 1\n')
    assert code_of('def f():\n    return 1\n') != code_of('def f():\n    return 2\n')


# ## 10. A deleted teacher run: the study resumes with a teacher trained again

def test_study_whose_teacher_run_was_deleted_resumes_with_a_new_teacher(tmp_path, capsys):
    assert study(tmp_path) == 0
    reference = numbers(tmp_path)
    teacher = run_folder(tmp_path, 'teacher')
    shutil.rmtree(teacher)
    capsys.readouterr()
    for attempt in range(2):
        assert study(tmp_path, '--resume', run_folder(tmp_path, 'baseline').name) == 0, capsys.readouterr().err
        assert f'learned from teacher run {teacher.name}, which is no longer' in capsys.readouterr().out
    assert numbers(tmp_path) == reference


# ## 11. Teacher-cache files carry their key

def test_swapped_teacher_cache_file_is_detected_and_computed_again(tmp_path):
    data = tiny_data()
    teachers = [MnistStudent(), MnistStudent()]
    paths = []
    for teacher in teachers:
        cached_teacher_outputs(teacher, data, False, cache_dir=tmp_path)
        (path,) = set(tmp_path.glob('*.pt')) - set(paths)
        paths.append(path)
    first, second = (path.read_bytes() for path in paths)
    paths[0].write_bytes(second)
    paths[1].write_bytes(first)
    for teacher in teachers:
        torch.testing.assert_close(cached_teacher_outputs(teacher, data, False, cache_dir=tmp_path),
                                   compute_teacher_logits(teacher, data, False), rtol=0, atol=0)
    assert paths[0].read_bytes() == first


# ## 12. One writer per run and per output folder

def start_study(folder: Path, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, '-m', 'labml_nn_distill.experiment', '--epochs', '3',
                             '--train-subset', '1000', '--logs-dir', 'logs', *args], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment(folder))


def test_second_writer_of_a_live_run_or_output_folder_is_refused_naming_the_first(tmp_path):
    first = start_study(tmp_path, '--output-dir', 'out')
    try:
        # A guard against a hang, not a speed target: a busy machine may take minutes
        deadline = time.monotonic() + 600
        while not list(tmp_path.glob('logs/mnist5k_teacher/*/checkpoints/*/state.pt')):
            assert first.poll() is None, first.stderr.read()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # A second study into the same output folder
        second = run_module('labml_nn_distill.experiment', *TINY, '--output-dir', 'out', '--logs-dir', 'logs',
                            cwd=tmp_path, timeout=300)
        assert second.returncode == 2 and f'process {first.pid}' in second.stderr
        # Resuming the live run, into another output folder
        teacher = run_folder(tmp_path, 'teacher')
        third = run_module('labml_nn_distill.experiment', '--epochs', '3', '--train-subset', '1000',
                           '--output-dir', 'other', '--logs-dir', 'logs', '--resume', teacher.name,
                           cwd=tmp_path, timeout=300)
        assert third.returncode == 2, third.stderr[-3000:]
        # The study is locked before any of its runs: the refusal names the study and the first process
        assert 'The study of labml_nn_distill.experiment' in third.stderr
        assert f'is being written by process {first.pid}' in third.stderr
        assert (teacher / 'run.pid').exists() and not list(teacher.glob('run.pid.*'))
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()


# ## The small ones

def test_a_seed_given_twice_is_rejected(tmp_path, capsys):
    with pytest.raises(SystemExit):
        study(tmp_path, '--seeds', '0', '0')
    assert 'each seed once' in capsys.readouterr().err


def test_resume_takes_a_uuid_not_a_pattern(tmp_path, capsys):
    (tmp_path / 'logs' / 'mnist5k_teacher' / 'abc').mkdir(parents=True)
    assert study(tmp_path, '--resume', '*') == 2
    assert "'*' is not a labml run uuid" in capsys.readouterr().err


def test_temporary_files_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True)
    stale = tmp_path / f'x.json.{int(dead.stdout)}.tmp'
    live = tmp_path / f'x.json.{os.getppid()}.tmp'
    stale.write_bytes(b'half')
    live.write_bytes(b'half')
    write_atomically(tmp_path / 'x.json', b'{}')
    assert not stale.exists() and live.exists()
    assert (tmp_path / 'x.json').read_bytes() == b'{}'
