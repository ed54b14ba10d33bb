"""The essay and its engine: who imports whom, `fit` without hooks trains like the run engine,
one way out of every command, and the runs of one command found again by `--resume`."""
import ast
import json
import os
import shlex
import signal
import time
from pathlib import Path

import pytest
import torch

import labml_nn_distill
from labml_nn_distill import experiment as experiment_module
from labml_nn_distill.dataset import DataError, load_mnist5k
from labml_nn_distill.engineering import UserError, files, options
from labml_nn_distill.engineering import runs as runs_module
from labml_nn_distill.engineering.checkpoint import Checkpoints
from labml_nn_distill.engineering.command import exit_status, run_command
from labml_nn_distill.engineering.runs import Runs, resume_command, stored_configs, train, use_logs_dir
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs, fit

PACKAGE = Path(labml_nn_distill.__file__).parent
ENGINEERING = 'labml_nn_distill.engineering'
EXPERIMENT = 'labml_nn_distill.experiment'
# A tiny study: two epochs per phase on 64 training digits
TINY = ['--epochs', '2', '--train-subset', '64']
PHASES = ('teacher', 'baseline', 'distilled', 'label_smoothing')


# ## Who imports whom

def module_name(path: Path, package: Path = PACKAGE) -> str:
    return '.'.join(path.relative_to(package.parent).with_suffix('').parts)


def imports(path: Path, package: Path = PACKAGE) -> list[str]:
    """Every name a file imports, in full: `labml_nn_distill.engineering.runs.Runs` for
    `from labml_nn_distill.engineering.runs import Runs`; relative imports resolved; modules named
    to `importlib.import_module` or `__import__` as text count too."""
    package = module_name(path, package).split('.')[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = '.'.join([*base, *([node.module] if node.module else [])])
            names += [f'{module}.{alias.name}' for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, 'attr', getattr(node.func, 'id', None)) in ('import_module', '__import__')):
            names.append(node.args[0].value)
    return names


def names_from(path: Path, module: str, package: Path = PACKAGE) -> list[str]:
    return [name for name in imports(path, package) if name == module or name.startswith(module + '.')]


def test_import_reader_sees_every_form_of_import(tmp_path):
    page = tmp_path / 'labml_nn_distill' / 'page.py'
    page.parent.mkdir()
    page.write_text('import labml_nn_distill.engineering.files\nfrom labml_nn_distill import engineering\n'
                    'from .engineering.runs import Runs, train\nimport importlib\n'
                    'importlib.import_module("labml_nn_distill.engineering.options")\n')
    assert len(names_from(page, ENGINEERING, package=page.parent)) == 5


@pytest.mark.parametrize('name', ['__init__.py', 'large.py', 'small.py', 'dataset.py'])
def test_the_models_and_the_data_import_nothing_from_the_engineering_wing(name):
    assert names_from(PACKAGE / name, ENGINEERING) == []


def test_the_training_loop_imports_at_most_one_name_from_the_engineering_wing():
    assert len(names_from(PACKAGE / 'train.py', ENGINEERING)) <= 1


@pytest.mark.parametrize('path', sorted((PACKAGE / 'engineering').glob('*.py')), ids=lambda path: path.name)
def test_the_engineering_wing_never_imports_the_paper(path):
    assert names_from(path, 'labml_nn_distill.paper') == []


@pytest.mark.parametrize('path', sorted((PACKAGE / 'paper').glob('*.py')), ids=lambda path: path.name)
def test_the_paper_never_imports_the_study(path):
    assert names_from(path, EXPERIMENT) == []


def is_main_block(node: ast.AST) -> bool:
    """`if __name__ == '__main__':`"""
    test = getattr(node, 'test', None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == '__name__' and len(test.comparators) == 1
            and getattr(test.comparators[0], 'value', None) == '__main__')


def exits(path: Path) -> list[str]:
    """Where a file leaves the process outside its `__main__` block: calls of `sys.exit`, `exit`,
    `quit` or `os._exit`, and `SystemExit` raised; each as `function:line`."""
    found = []

    def visit(node, function):
        if is_main_block(node):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        called = node.func if isinstance(node, ast.Call) else None
        if ((isinstance(called, ast.Attribute) and (getattr(called.value, 'id', None), called.attr)
             in (('sys', 'exit'), ('os', '_exit')))
                or (isinstance(called, ast.Name) and called.id in ('exit', 'quit'))
                or (isinstance(node, ast.Raise) and 'SystemExit' in ast.dump(node.exc or ast.Pass()))):
            found.append(f'{function}:{node.lineno}')
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text()), '<module>')
    return found


def test_exit_finder_sees_sys_exit_and_system_exit_but_not_main_blocks(tmp_path):
    path = tmp_path / 'page.py'
    path.write_text('import sys\ndef a():\n    sys.exit(2)\ndef b():\n    raise SystemExit(1)\n'
                    'if __name__ == "__main__":\n    sys.exit(a())\n')
    assert exits(path) == ['a:3', 'b:5']


@pytest.mark.parametrize('path', sorted(PACKAGE.rglob('*.py')), ids=lambda path: module_name(path))
def test_no_module_leaves_the_process_but_the_one_command_wrapper(path):
    # The one way out: `engineering.command.run_command`, which every `__main__` block hands its `main`
    found = exits(path)
    if path == PACKAGE / 'engineering' / 'command.py':
        assert [place.split(':')[0] for place in found] == ['run_command']
    else:
        assert found == []


def has_main(path: Path) -> bool:
    """A command: a module-level `main` function."""
    return any(isinstance(node, ast.FunctionDef) and node.name == 'main' for node in ast.parse(path.read_text()).body)


@pytest.mark.parametrize('path', [path for path in sorted(PACKAGE.rglob('*.py')) if has_main(path)],
                         ids=lambda path: module_name(path))
def test_every_command_ends_through_the_command_wrapper(path):
    blocks = [node for node in ast.walk(ast.parse(path.read_text())) if is_main_block(node)]
    assert blocks, f'{path} has a main but no __main__ block'
    assert any(isinstance(node, ast.Call) and getattr(node.func, 'id', None) == 'run_command'
               for block in blocks for node in ast.walk(block))


# ## The loop without hooks is the loop of a run

def test_fit_without_hooks_trains_exactly_like_the_run_engine(tmp_path):
    data = load_mnist5k(train_subset=64)
    configs = TrainConfigs(epochs=2, batch_size=16, augment=True, seed=1, teacher_logits='per-batch')
    torch.manual_seed(0)
    teacher = MnistTeacher()
    teacher.train()
    plain_student = MnistStudent()
    plain, step = fit(plain_student, data, configs, teacher)
    # `fit` put the teacher in evaluation mode itself
    assert not teacher.training
    teacher.train()
    use_logs_dir(tmp_path)
    engine_student = MnistStudent()
    result = train(engine_student, data, configs, 'engine', teacher=teacher)
    assert len(plain) == 2 and step == 128
    assert result.history == plain
    for mine, theirs in zip(plain_student.state_dict().values(), engine_student.state_dict().values()):
        assert torch.equal(mine, theirs)
    # `per-batch` asked the teacher on every batch: nothing was cached
    assert not (tmp_path / 'teacher_cache').exists()


# ## One way out of every command

@pytest.fixture
def fresh_command(monkeypatch):
    """No runs and no options of an earlier command in this process."""
    monkeypatch.setattr(runs_module, '_current', None)
    monkeypatch.setattr(options, '_last_parsed', None)


def ended_by(error: BaseException):
    def main(argv):
        raise error
    return main


def one_line(capsys) -> str:
    error = capsys.readouterr().err
    assert 'Traceback' not in error
    lines = error.splitlines()
    assert len(lines) == 1, error
    return lines[0]


def test_a_command_that_finishes_exits_with_0_and_prints_nothing_on_stderr(fresh_command, capsys):
    assert exit_status(lambda argv: {'done': argv}, ['--x']) == 0
    assert capsys.readouterr().err == ''


def test_user_error_exits_with_2_and_one_line_without_traceback(fresh_command, capsys):
    assert exit_status(ended_by(UserError('--logs-dir x: cannot write there; pass a folder you can write to'))) == 2
    assert one_line(capsys) == 'error: --logs-dir x: cannot write there; pass a folder you can write to'


def test_data_error_exits_with_2_and_one_line(fresh_command, capsys):
    assert exit_status(ended_by(DataError('The full MNIST is not in data/; fetch it first'))) == 2
    assert one_line(capsys) == 'error: The full MNIST is not in data/; fetch it first'


def test_ctrl_c_exits_with_130_saying_nothing_was_trained(fresh_command, capsys):
    assert exit_status(ended_by(KeyboardInterrupt())) == 130
    assert one_line(capsys) == 'Interrupted. Nothing was trained yet; run the same command again.'


def test_sigterm_while_main_runs_exits_with_143_and_the_handler_is_put_back(fresh_command, capsys):
    def main(argv):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        pytest.fail('SIGTERM did not stop main')

    previous = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    assert exit_status(main) == 143
    assert time.monotonic() - started < 10
    assert one_line(capsys).startswith('Terminated (SIGTERM). ')
    assert signal.getsignal(signal.SIGTERM) is previous


def test_memory_running_out_exits_with_3_and_advice_from_the_parsed_sizes(fresh_command, capsys):
    def main(argv):
        # The command parses its options, then memory runs out
        parser = options.Parser(prog='x')
        parser.add_argument('--batch-size', type=int)
        parser.add_argument('--eval-batch-size', type=int)
        parser.parse_args(['--batch-size', '256', '--eval-batch-size', '400'])
        raise MemoryError()
    assert exit_status(main) == 3
    line = one_line(capsys)
    assert line.startswith('error: the CPU memory ran out (MemoryError)')
    assert 'run the same command again with --eval-batch-size 100' in line and '--batch-size 128' in line
    assert 'UUID' not in line


def test_memory_running_out_before_options_were_parsed_still_advises(fresh_command, capsys):
    assert exit_status(ended_by(MemoryError())) == 3
    line = one_line(capsys)
    assert line.startswith('error: the CPU memory ran out') and 'run the same command again' in line


def test_memory_running_out_after_a_run_started_names_its_uuid(fresh_command, capsys, tmp_path):
    def main(argv):
        parser = options.Parser(prog='x')
        parser.add_argument('--batch-size', type=int)
        parser.add_argument('--eval-batch-size', type=int)
        parser.parse_args(['--batch-size', '256', '--eval-batch-size', '400'])
        runs = runs_module.Runs(tmp_path / 'logs', 'labml_nn_distill.experiment', argv=['--seeds', '3'])
        runs.uuids.append('0123abcd')
        raise MemoryError()
    assert exit_status(main) == 3
    line = one_line(capsys)
    assert ('continue with: python -m labml_nn_distill.experiment --seeds 3 --resume 0123abcd '
            '--eval-batch-size 100') in line


def test_other_errors_keep_their_traceback(fresh_command):
    with pytest.raises(ValueError, match='a bug'):
        exit_status(ended_by(ValueError('a bug')))


@pytest.mark.parametrize('ending', [None, UserError('stop'), KeyboardInterrupt(), MemoryError(), ValueError('bug'),
                                    'SIGTERM'], ids=repr)
def test_every_lock_taken_by_main_is_released_however_it_ends(tmp_path, fresh_command, ending):
    folder = tmp_path / 'out'

    def main(argv):
        files.lock_folder(folder, 'The output folder')
        # Held while main runs: a second writer is refused
        with pytest.raises(UserError, match='is being written by process'):
            files.lock_folder(folder, 'The output folder')
        if ending == 'SIGTERM':
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
        elif ending is not None:
            raise ending

    try:
        exit_status(main)
    except ValueError:
        pass
    files.lock_folder(folder, 'The output folder').close()


def test_run_command_exits_the_process_with_the_status(fresh_command, capsys):
    with pytest.raises(SystemExit) as stop:
        run_command(ended_by(UserError('stop')), [])
    assert stop.value.code == 2
    with pytest.raises(SystemExit) as stop:
        run_command(lambda argv: None, [])
    assert stop.value.code == 0


# ## The runs of one command

def study(folder: Path, *args) -> int:
    """The study in this process, its outputs and runs under `folder`; its exit status."""
    return exit_status(experiment_module.main, [*TINY, '--output-dir', str(folder / 'out'),
                                                '--logs-dir', str(folder / 'logs'), *args])


def numbers(folder: Path) -> dict:
    results = json.loads((folder / 'out' / 'results.json').read_text())
    return {phase: (run['uuid'], run['test_errors'], run['history']) for phase, run in results['runs']['0'].items()}


def run_folder(folder: Path, phase: str) -> Path:
    (run_path,) = (folder / 'logs' / f'mnist5k_{phase}').iterdir()
    return run_path


def stop_after_first_checkpoint_of(monkeypatch, phase: str):
    """Ctrl-C right after the first checkpoint of the run of `phase`."""
    original_save = Checkpoints.save

    def save_then_stop(self, *args):
        original_save(self, *args)
        if self.run_path.parent.name == f'mnist5k_{phase}':
            raise KeyboardInterrupt

    monkeypatch.setattr(Checkpoints, 'save', save_then_stop)


def test_a_killed_study_resumes_with_resume_alone_and_with_a_uuid_skipping_finished_runs(tmp_path, monkeypatch,
                                                                                          capsys):
    reference = tmp_path / 'reference'
    assert study(reference) == 0
    expected = {phase: entry[1:] for phase, entry in numbers(reference).items()}
    folder = tmp_path / 'killed'
    # Stopped after the baseline's first epoch: the stop names the command that continues
    with monkeypatch.context() as patch:
        stop_after_first_checkpoint_of(patch, 'baseline')
        assert study(folder) == 130
    teacher = run_folder(folder, 'teacher')
    hint = capsys.readouterr().err.strip().splitlines()[-1]
    assert hint.startswith('Interrupted. ') and hint.endswith(f' --resume {teacher.name}')
    # `--resume` alone continues the latest command; stopped again in the distilled student
    with monkeypatch.context() as patch:
        stop_after_first_checkpoint_of(patch, 'distilled')
        assert study(folder, '--resume') == 130
    printed = capsys.readouterr().out
    assert f'mnist5k_teacher: run {teacher.name} is finished' in printed
    baseline = run_folder(folder, 'baseline')
    assert f'Resuming from {baseline / "checkpoints" / "64" / "state.pt"}' in printed
    # `--resume UUID` of any of its runs continues it to the end
    assert study(folder, '--resume', baseline.name) == 0
    printed = capsys.readouterr().out
    assert f'run {teacher.name} is finished' in printed and f'run {baseline.name} is finished' in printed
    assert f'Resuming from {run_folder(folder, "distilled") / "checkpoints" / "64" / "state.pt"}' in printed
    # A finished run is read back, never started again (a continued run keeps its killed run.pid)
    assert not list(teacher.glob('run.pid.*')) and len(list(baseline.glob('run.pid.*'))) == 1
    # One run per model, each the uninterrupted numbers; every run records its command, the
    # command's id and its key
    resumed = numbers(folder)
    assert {phase: entry[1:] for phase, entry in resumed.items()} == expected
    studies = set()
    for phase in PHASES:
        stored = stored_configs(run_folder(folder, phase))
        assert resumed[phase][0] == run_folder(folder, phase).name
        assert stored['command'] == EXPERIMENT
        assert json.loads(stored['run_key']) == {'seed': 0, 'phase': phase}
        studies.add(stored['study'])
    assert len(studies) == 1


def test_resume_of_a_run_of_another_command_is_refused_naming_the_commands(tmp_path, capsys):
    other = Runs(tmp_path / 'logs', 'labml_nn_distill.paper.ensemble', argv=[])
    result = other.train({'seed': 0}, MnistStudent(), load_mnist5k(train_subset=64), TrainConfigs(epochs=1),
                         'mnist5k_student')
    stored = stored_configs(result.run_path)
    assert stored['command'] == 'labml_nn_distill.paper.ensemble' and stored['study'] == other.id
    with pytest.raises(UserError) as error:
        Runs(tmp_path / 'logs', EXPERIMENT, resume=result.uuid)
    assert f'not started by {EXPERIMENT}' in str(error.value)
    assert 'labml_nn_distill.paper.ensemble' in str(error.value)
    capsys.readouterr()
    # On the study's command line: one line, status 2, nothing trained
    assert study(tmp_path, '--resume', result.uuid) == 2
    assert f'not started by {EXPERIMENT}' in one_line(capsys)
    # Without a uuid, the study has no run of its own to resume
    assert study(tmp_path, '--resume') == 2
    assert f'there is no run of {EXPERIMENT}' in one_line(capsys)
    assert not (tmp_path / 'logs' / 'mnist5k_teacher').exists()


@pytest.mark.parametrize('argv,kept', [
    (['--epochs', '1', '--resume', '0ld0uuid', '--seeds', '0', '1'], ['--epochs', '1', '--seeds', '0', '1']),
    (['--resume=0ld0uuid', '--epochs', '1'], ['--epochs', '1']),
    (['--resume', '--epochs', '1'], ['--epochs', '1']),
    (['--epochs', '1', '--resume'], ['--epochs', '1']),
    (['--epochs', '1'], ['--epochs', '1'])])
def test_resume_hint_names_the_first_run_and_drops_an_earlier_resume(tmp_path, fresh_command, argv, kept):
    runs = Runs(tmp_path / 'logs', EXPERIMENT, argv=argv)
    # Before any run there is nothing to continue
    assert resume_command() is None
    first = runs.train({'seed': 0}, MnistStudent(), load_mnist5k(train_subset=64), TrainConfigs(epochs=1), 'hint')
    runs.train({'seed': 1}, MnistStudent(), load_mnist5k(train_subset=64), TrainConfigs(epochs=1, seed=1), 'hint')
    assert shlex.split(resume_command()) == ['python', '-m', EXPERIMENT, *kept, '--resume', first.uuid]


# ## Every option of every command is checked by the options page

def command_parsers():
    """The parser of the study and of every page of the paper, by module name."""
    import importlib
    from labml_nn_distill import experiment
    parsers = {'experiment': experiment.arguments()}
    for path in sorted((PACKAGE / 'paper').glob('*.py')):
        module = importlib.import_module(f'labml_nn_distill.paper.{path.stem}')
        if hasattr(module, 'PAGE'):
            parsers[path.stem] = module.PAGE.arguments()
    return parsers


def test_every_option_of_every_command_is_checked_by_a_function_of_the_options_page():
    """A value is checked by `engineering/options.py` (or is a path, a choice, a flag or free text)."""
    from pathlib import Path as PathType
    parsers = command_parsers()
    assert len(parsers) == 8
    for name, parser in parsers.items():
        for action in parser._actions:
            if action.type is None or action.type is PathType:
                continue
            assert action.type.__module__ == 'labml_nn_distill.engineering.options', (name, action.dest)


@pytest.mark.parametrize('value', ['1000', 'nan', '0'])
def test_every_temperature_option_of_every_command_is_range_checked(value, capsys):
    """`transfer_sets --temperature` once skipped the check; now no command does."""
    checked = 0
    for name, parser in command_parsers().items():
        for option in ('--temperature', '--temperatures', '--tiny-temperatures'):
            if option in parser._option_string_actions:
                with pytest.raises(SystemExit) as stop:
                    parser.parse_args([option, value])
                assert stop.value.code == 2
                assert f'argument {option}: must be a number from 0.1 to 100' in capsys.readouterr().err
                checked += 1
    assert checked >= 7


@pytest.mark.parametrize('argv,kept', [
    (['--threads', '1', '--resume', '0123abcd', '--output-dir', 'x', '--publish'], ['--threads', '1']),
    (['--resume', '--seeds', '0', '1', '--logs-dir=y'], ['--seeds', '0', '1']),
    (['--seeds', '0', '--resume'], ['--seeds', '0']),
    (['--resume=0123abcd', '--allow-code-change', '--epochs', '2', '--data-dir', 'd'], ['--epochs', '2']),
])
def test_the_recorded_command_keeps_what_it_computes_and_drops_resume_with_its_uuid(argv, kept):
    """A results JSON's command can be copied as it is: no uuid of someone else's run in it."""
    from labml_nn_distill.engineering.report import what_it_computes
    assert what_it_computes(argv) == kept


def test_the_advice_never_uses_the_options_of_an_earlier_command_of_the_process(fresh_command, capsys):
    """Two commands in one process (a notebook): the second, failing before it parses, gets generic advice."""
    options.Parser(prog='x').parse_args([])
    options._last_parsed.batch_size, options._last_parsed.eval_batch_size = 256, 400
    assert exit_status(ended_by(MemoryError())) == 3
    assert '--batch-size 128' not in one_line(capsys)
