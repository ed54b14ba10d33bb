"""torch.distributed: two gloo processes on the CPU follow the single-process loss curve."""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from labml_nn_distill.engineering import distributed

REPO = Path(__file__).resolve().parent.parent
# The same run in one process and under torchrun: a student distilled from a fixed, untrained
# teacher, so that the teacher's logits are computed once and sent to the other process
SCRIPT = '''
import json, sys
import torch
from labml_nn_distill.engineering import distributed
from labml_nn_distill.dataset import load_mnist5k
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.small import MnistStudent
from labml_nn_distill.engineering.runs import train, use_logs_dir
from labml_nn_distill.train import TrainConfigs

torch.set_num_threads(1)
distributed.setup(torch.device('cpu'))
data = load_mnist5k(train_subset=256)
torch.manual_seed(0)
teacher = MnistTeacher()
use_logs_dir(sys.argv[1])
result = train(MnistStudent(), data, TrainConfigs(epochs=2, batch_size=64, seed=0), 'ddp', teacher=teacher)
with open(f'{sys.argv[2]}.{distributed.rank()}', 'w') as file:
    json.dump({'world_size': distributed.world_size(), 'history': result.history}, file)
distributed.finish()
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run(tmp_path: Path, *launcher) -> subprocess.CompletedProcess:
    (tmp_path / 'run.py').write_text(SCRIPT)
    return subprocess.run([sys.executable, *launcher, str(tmp_path / 'run.py'), str(tmp_path / 'logs'),
                           str(tmp_path / 'history.json')],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={'PYTHONPATH': str(REPO), 'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path),
                               'MASTER_ADDR': '127.0.0.1', 'OMP_NUM_THREADS': '1'})


@pytest.fixture(scope='module')
def two_processes(tmp_path_factory):
    folder = tmp_path_factory.mktemp('ddp')
    process = run(folder, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
                  '--master_addr', '127.0.0.1', '--master_port', str(free_port()))
    assert process.returncode == 0, process.stderr[-4000:]
    return folder


def test_two_gloo_processes_follow_the_single_process_loss_curve(two_processes, tmp_path):
    alone = run(tmp_path)
    assert alone.returncode == 0, alone.stderr[-4000:]
    single = json.loads((tmp_path / 'history.json.0').read_text())
    assert single['world_size'] == 1
    for rank in (0, 1):
        pair = json.loads((two_processes / f'history.json.{rank}').read_text())
        assert pair['world_size'] == 2
        assert len(pair['history']) == len(single['history']) == 2
        for mine, reference in zip(pair['history'], single['history']):
            assert mine['step'] == reference['step']
            for key in ('train_loss', 'test_loss'):
                assert mine[key] == pytest.approx(reference[key], rel=1e-4, abs=1e-5), key
            for key in ('train_accuracy', 'test_accuracy'):
                assert mine[key] == pytest.approx(reference[key], abs=1.0), key


def test_only_the_first_process_writes_the_labml_run_and_checkpoints(two_processes):
    runs = list((two_processes / 'logs' / 'ddp').iterdir())
    assert len(runs) == 1
    checkpoints = sorted(p.relative_to(runs[0]).as_posix() for p in runs[0].glob('checkpoints/*/*'))
    assert checkpoints == ['checkpoints/256/state.pt', 'checkpoints/512/model.pt', 'checkpoints/512/state.pt']
    steps = [step for line in (runs[0] / 'log.jsonl').read_text().splitlines()
             for step, _ in json.loads(line).get('track', {}).get('loss.train', [])]
    assert steps == [256, 512]


def test_a_batch_is_shared_among_processes_like_a_distributed_sampler(monkeypatch):
    monkeypatch.setattr(distributed, 'world_size', lambda: 3)
    monkeypatch.setattr(distributed, 'rank', lambda: 1)
    indices = torch.arange(10, 20)
    (share,) = distributed.shard(indices)
    assert share.tolist() == [11, 14, 17]
