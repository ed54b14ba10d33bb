"""The essay's shape: the one-screen step on the index page runs, the wings depend the right way,
and every default is defined once."""
import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest
import torch

import labml_nn_distill
from labml_nn_distill import DistillationConfigs
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.train import TrainConfigs, training_step

PACKAGE = Path(labml_nn_distill.__file__).parent


def index_step_source() -> str:
    """The first Python block of the index page's notes."""
    blocks = re.findall(r'```python\n(.*?)```', labml_nn_distill.__doc__, re.DOTALL)
    assert blocks, 'the index page shows no distillation step'
    return blocks[0]


def test_the_index_page_shows_a_whole_step_on_one_screen():
    source = index_step_source()
    assert len(source.strip().splitlines()) <= 30
    for part in ('teacher.eval()', 'torch.inference_mode()', 'distillation_loss(', '.backward()', '.step()'):
        assert part in source


def test_the_index_pages_step_is_the_loops_step():
    namespace = {}
    exec(compile(index_step_source(), 'index step', 'exec'), namespace)
    torch.manual_seed(0)
    teacher, images, labels = MnistTeacher(), torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,))
    students = [MnistStudent(), MnistStudent()]
    students[1].load_state_dict(students[0].state_dict())
    optimizers = [torch.optim.SGD(student.parameters(), lr=0.1) for student in students]
    loss = namespace['distillation_step'](teacher, students[0], optimizers[0], images, labels)
    teacher.eval()
    with torch.no_grad():
        teacher_logits = teacher(images)
    students[1].train()
    loop_loss, _ = training_step(students[1], optimizers[1], images, labels, teacher_logits, TrainConfigs())
    assert loss == pytest.approx(loop_loss.item(), rel=1e-6)
    for a, b in zip(students[0].parameters(), students[1].parameters()):
        torch.testing.assert_close(a, b)


def imports_of(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f'{node.module}.{alias.name}' for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


@pytest.mark.parametrize('path', sorted((PACKAGE / 'paper').glob('*.py')), ids=lambda path: path.name)
def test_no_paper_page_imports_the_study_script(path):
    assert not {'labml_nn_distill.experiment'} & imports_of(path)


@pytest.mark.parametrize('path', sorted(PACKAGE.rglob('*.py')), ids=lambda path: path.name)
def test_the_tutorial_never_imports_the_generator(path):
    assert not any(module.startswith('annotated_docs') for module in imports_of(path))


@pytest.mark.parametrize('path', sorted((PACKAGE / 'engineering').glob('*.py')), ids=lambda path: path.name)
def test_the_engineering_wing_never_imports_the_paper_wing(path):
    assert not any(module.startswith('labml_nn_distill.paper') for module in imports_of(path))


def test_temperature_and_alpha_are_defined_once():
    names = {item.name for item in fields(TrainConfigs)}
    assert 'temperature' not in names and 'alpha' not in names
    assert TrainConfigs().distillation == DistillationConfigs()
    assert TrainConfigs().flat()['temperature'] == DistillationConfigs.temperature


@pytest.mark.parametrize('page', ['omitted_class', 'ensemble'])
@pytest.mark.parametrize('value', ['0', '-1', 'inf', 'nan'])
def test_paper_pages_check_the_temperature_before_anything_runs(page, value, capsys):
    import importlib
    module = importlib.import_module(f'labml_nn_distill.paper.{page}')
    with pytest.raises(SystemExit) as stop:
        module.main(['--temperature', value])
    assert stop.value.code == 2
    assert '--temperature' in capsys.readouterr().err


def test_augmentation_lives_in_the_data_page_only():
    for path in PACKAGE.rglob('*.py'):
        if path.name != 'dataset.py':
            assert 'def random_shift' not in path.read_text() and 'def augment' not in path.read_text(), path


CONTROL_CHARACTERS = re.compile('[\x00-\x08\x0b-\x1f\x7f]')


def control_characters_in_notes(source: str) -> list[int]:
    """The lines of the docstrings whose value holds a control character (a TeX backslash in a non-raw string)"""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            if CONTROL_CHARACTERS.search(node.value.value):
                found.append(node.lineno)
    return found


def test_the_control_character_finder_sees_a_tex_command_in_a_plain_string():
    assert control_characters_in_notes('def f():\n    """$3 \\times 3$ and $\\beta$"""\n') == [2]
    assert control_characters_in_notes('def f():\n    r"""$3 \\times 3$ and $\\beta$"""\n') == []
    # A newline or a tab written as such is text, not an escape gone wrong... except the tab
    assert control_characters_in_notes('x = 1\n"""two\nlines"""\n') == []


@pytest.mark.parametrize('path', sorted(PACKAGE.rglob('*.py')), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_note_loses_a_tex_command_to_a_python_escape(path):
    """`$3 \times 3$` in a string that is not raw reaches the page as a tab and "imes"."""
    lines = control_characters_in_notes(path.read_text())
    assert not lines, f'{path.relative_to(PACKAGE)}: lines {lines}: make the string raw (r""")'


COMMAND = re.compile(r'python -m (labml_nn_distill(?:\.\w+)*)\b(?!\.)')


def commands_named(text: str) -> set[str]:
    """The modules that `python -m ...` names in a text, leaving out a name cut at a dot (`paper.<page>`)"""
    return set(COMMAND.findall(text))


def test_the_command_finder_sees_full_names_only():
    assert commands_named('run `python -m labml_nn_distill.paper.mnist --threads 1`') == {'labml_nn_distill.paper.mnist'}
    assert commands_named('python -m labml_nn_distill.paper.<page>') == set()
    assert commands_named('python -m labml_nn_distill.temperature_gradients') == {'labml_nn_distill.temperature_gradients'}


@pytest.mark.parametrize('path', sorted([*PACKAGE.rglob('*.py'), *PACKAGE.rglob('*.md'),
                                         PACKAGE.parent / 'README.md', PACKAGE.parent / 'DEVELOPERS.md']),
                         ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_every_command_a_note_names_is_a_module_that_runs(path):
    """`temperature_gradients.py` once named `labml_nn_distill.temperature_gradients`, which does not exist."""
    import importlib.util
    for module in commands_named(path.read_text()):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin, f'{path.name} names `python -m {module}`, which does not exist'
        assert "__name__ == '__main__'" in Path(spec.origin).read_text(), f'{path.name}: {module} does not run'
