"""The omitted class, the ensemble teacher and the temperature sweep, on reduced runs."""
import json

import pytest
import torch

from labml_nn_distill.paper import ensemble, omitted_class, temperature_sweep
from labml_nn_distill.dataset import load_mnist5k
from labml_nn_distill.engineering.report import PAPER, page_block
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.engineering.runs import train, use_logs_dir
from labml_nn_distill.train import TrainConfigs, predict

# Reduced runs: a quarter of the training digits, teachers of 1 epoch, students of 1 epoch
REDUCED = ['--seeds', '0', '--epochs', '1', '--teacher-epochs', '1', '--train-subset', '300']


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread, as the pages use: two threads on a busy 2-core machine crawl."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def logs_dir(tmp_path_factory):
    """One labml logs folder for the module, so that the pages share their teacher."""
    return tmp_path_factory.mktemp('logs')


def test_without_class_removes_only_training_examples_of_that_class():
    data = load_mnist5k()
    transfer = omitted_class.without_class(data, 3)
    threes = int((data.train_labels == 3).sum())
    assert (transfer.train_labels != 3).all() and len(transfer.train_labels) == len(data.train_labels) - threes
    assert torch.equal(transfer.test_labels, data.test_labels)
    assert torch.equal(transfer.valid_labels, data.valid_labels)
    # 3,500 training digits after the validation split, about a tenth of them 3s
    assert len(data.train_labels) == 3500 and 300 < threes < 400


def test_bias_shift_makes_exactly_the_target_share_predict_the_class():
    logits = torch.randn(1000, 10, generator=torch.Generator().manual_seed(0))
    logits[:, 3] -= 5
    bias = omitted_class.bias_for_share(logits, 3, 0.1)
    labels = torch.zeros(1000, dtype=torch.long)
    assert omitted_class.counts(logits, labels, 3, bias)['predicted_omitted'] == 100
    assert omitted_class.counts(logits, labels, 3, bias - 2e-4)['predicted_omitted'] == 99


def test_student_without_threes_predicts_none_and_distilled_student_some(tmp_path):
    data = load_mnist5k(train_subset=1200)
    use_logs_dir(tmp_path)
    # A quick teacher that has seen 3s: the student network on all labels
    teacher = MnistStudent()
    train(teacher, data, TrainConfigs(epochs=3, seed=1), 'teacher')
    transfer = omitted_class.without_class(data, 3)
    configs = TrainConfigs(epochs=2, seed=0)
    counts = {}
    for name, source in (('baseline', None), ('distilled', teacher)):
        student = MnistStudent()
        train(student, transfer, configs, name, teacher=source)
        counts[name] = omitted_class.counts(predict(student, data, data.test_images), data.test_labels, 3)
    assert counts['baseline']['predicted_omitted'] == 0
    assert counts['distilled']['predicted_omitted'] > 0 and counts['distilled']['omitted_right'] > 0


def test_ensemble_averages_teacher_probabilities_at_its_temperature():
    teachers = [torch.nn.Linear(6, 10).double() for _ in range(3)]
    x = torch.randn(5, 6, dtype=torch.float64)
    for temperature in (1.0, 8.0):
        logits = ensemble.EnsembleTeacher(teachers, temperature)(x)
        mean = torch.stack([torch.softmax(t(x) / temperature, -1) for t in teachers]).mean(0)
        torch.testing.assert_close(torch.softmax(logits / temperature, -1), mean)
        # T log p: exponentiating the logits at T gives back the average itself
        torch.testing.assert_close(torch.exp(logits / temperature), mean)


def test_ensemble_of_one_teacher_teaches_the_same_targets():
    teacher = torch.nn.Linear(6, 10).double()
    x = torch.randn(5, 6, dtype=torch.float64)
    logits = ensemble.EnsembleTeacher([teacher], 8.0)(x)
    torch.testing.assert_close(torch.softmax(logits / 8, -1), torch.softmax(teacher(x) / 8, -1))


def test_ensemble_in_eval_mode_turns_off_every_teachers_dropout():
    teachers = [torch.nn.Sequential(torch.nn.Dropout(0.5), torch.nn.Linear(6, 10)) for _ in range(2)]
    model = ensemble.EnsembleTeacher(teachers, 4.0).eval()
    x = torch.randn(5, 6)
    assert torch.equal(model(x), model(x))


@pytest.mark.parametrize('page,extra', [
    (temperature_sweep, ['--temperatures', '1', '8']),
    (omitted_class, []),
    (ensemble, ['--seeds', '0', '1']),
])
def test_page_writes_json_plot_and_results_block_without_touching_the_committed_page(
        page, extra, logs_dir, tmp_path):
    committed = (PAPER / 'results.md').read_text()
    name = page.__name__.rpartition('.')[2]
    results = page.main([*REDUCED, *extra, '--output-dir', str(tmp_path), '--logs-dir', str(logs_dir)])
    written = json.loads((tmp_path / f'{name}.json').read_text())
    assert written == json.loads(json.dumps(results))
    assert page_block((tmp_path / 'results.md').read_text(), name) == page.results_markdown(written)
    assert (tmp_path / 'images' / f'{name}.svg').read_text().startswith('<?xml')
    assert (PAPER / 'results.md').read_text() == committed
    # The pages share the teacher of seed 0 through its labml run
    assert len(list((logs_dir / 'mnist5k_paper_teacher').iterdir())) == (2 if name == 'ensemble' else 1)


def test_omitted_class_students_see_jittered_digits_and_the_page_says_so(logs_dir, tmp_path):
    def run(name, *options):
        return omitted_class.main([*REDUCED, *options, '--output-dir', str(tmp_path / name),
                                   '--logs-dir', str(logs_dir)])
    jittered, plain = run('jittered'), run('plain', '--no-jitter', '--teacher-logits', 'cached')
    assert (jittered['jitter'], jittered['teacher_logits']) == (True, 'per-batch')
    assert (plain['jitter'], plain['teacher_logits']) == (False, 'cached')
    assert "the teacher's logits computed for every shifted batch" in omitted_class.results_markdown(jittered)
    assert 'no 3s, not shifted;' in omitted_class.results_markdown(plain)
    # Shifted batches are other inputs: the students end elsewhere
    assert jittered['per_seed']['0']['curve'] != plain['per_seed']['0']['curve']
    with pytest.raises(SystemExit):
        omitted_class.main([*REDUCED, '--teacher-logits', 'approximate'])


def test_wrong_indices_are_the_digits_whose_highest_logit_is_not_the_label():
    from labml_nn_distill.train import wrong_indices
    labels = torch.tensor([0, 1, 2, 3])
    logits = torch.eye(4)[[0, 2, 2, 1]]  # the second and the fourth argmax to another class
    assert wrong_indices(logits, labels) == [1, 3]
    assert wrong_indices(torch.eye(4), labels) == []


def test_a_page_resumed_reads_its_finished_models_back_instead_of_training_them(tmp_path, capsys):
    """`--resume` of a page: every model of the first run is finished, so none trains again."""
    logs = tmp_path / 'logs'
    options = [*REDUCED, '--temperatures', '2', '--logs-dir', str(logs)]
    first = temperature_sweep.main([*options, '--output-dir', str(tmp_path / 'first')])
    folders = sorted(path.name for path in logs.glob('*/*') if (path / 'configs.yaml').exists())
    capsys.readouterr()
    again = temperature_sweep.main([*options, '--resume', '--output-dir', str(tmp_path / 'again')])
    printed = capsys.readouterr().out
    assert sorted(path.name for path in logs.glob('*/*') if (path / 'configs.yaml').exists()) == folders
    # The teacher, the baseline, label smoothing and the distilled student, each read back from its run
    assert printed.count('is finished; using its final checkpoint') == 4
    for key in ('summary', 'comparisons', 'per_seed', 'chosen'):
        assert again[key] == first[key]
    # The time the block gives is the training of the study's four runs, the same whichever
    # command published it, not the time of the command that only read them back
    assert again['training'] == first['training'] and first['training']['runs'] == 4
    assert first['training']['minutes'] > 0
    assert 'minutes of training summed over its 4 runs' in temperature_sweep.results_markdown(again)


def test_a_runs_training_time_comes_from_its_log_and_a_kill_counts_as_a_typical_step(tmp_path):
    import json
    import uuid
    from labml_nn_distill.engineering.runs import run_seconds, uuid_time
    run = tmp_path / uuid.uuid1().hex
    run.mkdir()
    assert run_seconds(run) is None
    start = uuid_time(run.name)
    # Four epochs of 10 s; a kill; two more epochs, the first after an hour down; a torn line
    stamps = [start + 10, start + 20, start + 30, start + 40, start + 3_640, start + 3_650]
    (run / 'log.jsonl').write_text(''.join(json.dumps({'track': {}, 'time': t}) + '\n' for t in stamps)
                                   + '{"track": {}, "ti')
    assert run_seconds(run) == (60.0, 1)
    # Epochs of uneven length but no kill: every second counts
    (run / 'log.jsonl').write_text(''.join(json.dumps({'time': start + t}) + '\n' for t in (10, 25, 31, 70)))
    assert run_seconds(run) == (70.0, 0)


def test_resuming_a_page_with_the_uuid_of_another_commands_run_is_refused(tmp_path):
    from labml_nn_distill.engineering import UserError
    logs = tmp_path / 'logs'
    omitted_class.main([*REDUCED, '--logs-dir', str(logs), '--output-dir', str(tmp_path / 'out')])
    uuid = next((logs / 'mnist5k_omitted_baseline').iterdir()).name
    with pytest.raises(UserError, match='was not started by labml_nn_distill.paper.temperature_sweep'):
        temperature_sweep.main([*REDUCED, '--logs-dir', str(logs), '--resume', uuid,
                                '--output-dir', str(tmp_path / 'again')])


def test_the_transfer_set_share_recovered_is_measured_against_the_mnist_pages_baseline_of_the_same_seed(tmp_path):
    """The far end of the gap is the MNIST page's baseline of each seed, found by what its run records"""
    from labml_nn_distill.engineering import UserError
    from labml_nn_distill.engineering.runs import Runs
    from labml_nn_distill.paper import transfer_sets
    # Labels on 3 %: 300 errors; soft targets on 3 %: 200; labels on all of the data: 150
    assert transfer_sets.share_recovered(300, 200, 150) == pytest.approx(2 / 3)
    data = load_mnist5k(train_subset=64)
    mnist_runs = Runs(tmp_path / 'logs', 'labml_nn_distill.paper.mnist', argv=[])
    # A baseline of seed 0 as the MNIST page records it, and a distilled student that must not be taken
    for name in ('baseline', 'T=20'):
        mnist_runs.train({'hidden': 800, 'name': name, 'seed': 0}, MnistStudent(hidden=800), data,
                         TrainConfigs(epochs=1), 'mnist_paper_student', extra={'page': 'mnist', 'model_name': name})
    runs = Runs(tmp_path / 'logs', 'labml_nn_distill.paper.transfer_sets', argv=[])
    found = transfer_sets.full_data_baseline(data, runs, 0)
    baseline_run = next(uuid for uuid in mnist_runs.uuids
                        if json.dumps('baseline') in (tmp_path / 'logs' / 'mnist_paper_student' / uuid /
                                                      'configs.yaml').read_text())
    assert found['uuid'] == baseline_run and found['uuid'] in runs.uuids
    assert 0 <= found['test_errors'] <= len(data.test_labels)
    # No baseline of seed 1: one clear error naming the seed and the command to run first
    with pytest.raises(UserError, match=r'seed 1 .*labml_nn_distill\.paper\.mnist'):
        transfer_sets.full_data_baseline(data, runs, 1)
