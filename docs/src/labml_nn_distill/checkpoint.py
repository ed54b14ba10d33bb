r"""
---
title: Checkpoints that survive a kill, and resuming a run
summary: >
  Each epoch ends with a checkpoint of everything the loop needs to go on (weights,
  optimizer, schedule, random generators, epoch and step), written atomically with a
  checksum; a killed run continues from its last good one as the same labml run.
---

# Checkpoints that survive a kill, and resuming a run

A long run can die at any moment: a `kill -9`, a lost machine, a full disk. We want to
lose at most one epoch, and to continue as if nothing had happened, so that the resumed run
ends with *exactly* the numbers an uninterrupted run would have printed.

That needs the whole state of the loop, not just the weights: Adam's moments, the position
of the learning-rate schedule, the random generators that draw batch orders, augmentation
and dropout, and the epoch and step counters. After each epoch we save all of it into the
labml run's folder, `checkpoints/<step>/state.pt`, next to the `model.pt` that the end of
a run writes.

Three things can go wrong while saving, and each has a remedy:

* **a kill in the middle of writing**: we write to a temporary file, flush it to the
  disk, and rename it to its final name (a rename is atomic), so the final name holds a
  whole checkpoint or nothing;
* **a file cut short or damaged later** (a full disk, a bad copy): the file ends with the
  SHA-256 of its contents, checked when reading; a damaged checkpoint is named, kept under
  a new name, and the one before it is used;
* **metrics that were never written**: labml buffers metrics and writes `log.jsonl` from
  a thread, so a kill loses the last few; every checkpoint holds the history of the run's
  epochs, and on resuming we write again those that `log.jsonl` lacks (and never twice).

Nothing under `logs/` is ever deleted or overwritten: a stale `run.pid` and `run.yaml` of
the killed process are kept under a numbered name before labml writes new ones.
"""

import hashlib
import io
import json
import os
import random
import signal
from pathlib import Path

import numpy as np
import torch
from torch import nn

from labml_nn_distill.dataset import UserError

# The file name of a training-state checkpoint inside `checkpoints/<step>/`
STATE_FILE = 'state.pt'
# The last bytes of a checkpoint: a marker and the SHA-256 of everything before it
FOOTER_MARKER = b'SHA256'
FOOTER_SIZE = len(FOOTER_MARKER) + hashlib.sha256().digest_size
# Tests set this to `N` to kill the process in the middle of writing its `N`-th checkpoint
KILL_DURING_SAVE = 'LABML_NN_DISTILL_KILL_DURING_SAVE'


def fsync_folder(folder: Path):
    """
    ### Flush a folder's entries (a new or renamed file) to the disk, where the platform allows
    """
    if hasattr(os, 'O_DIRECTORY'):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


_saves = 0


def write_atomically(path: Path, content: bytes):
    """
    ### Write `content` to `path` so that `path` is either whole or absent

    The temporary name carries the process id, so a temporary file left by a killed process
    is never written over; it is left where it is, for whoever wants to look at it.
    """
    global _saves
    _saves += 1
    temporary = path.with_name(f'{path.name}.{os.getpid()}.tmp')
    with open(temporary, 'wb') as file:
        # The test hook: write half of the checkpoint, make it reach the disk, and die
        if os.environ.get(KILL_DURING_SAVE) == str(_saves):
            file.write(content[:len(content) // 2])
            file.flush()
            os.fsync(file.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    fsync_folder(path.parent)


def encode(state: dict) -> bytes:
    """
    ### A checkpoint's bytes: `torch.save`'s, then the marker and their SHA-256
    """
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    return payload + FOOTER_MARKER + hashlib.sha256(payload).digest()


class CorruptCheckpoint(Exception):
    """
    ### A checkpoint file that is cut short, damaged, or not ours
    """


def read_state(path: Path) -> dict:
    """
    ### Read and check a checkpoint

    `weights_only` loads tensors and plain values, never arbitrary pickled objects.
    """
    content = path.read_bytes()
    payload, marker, digest = (content[:-FOOTER_SIZE], content[-FOOTER_SIZE:-FOOTER_SIZE + len(FOOTER_MARKER)],
                               content[-FOOTER_SIZE + len(FOOTER_MARKER):])
    if len(content) < FOOTER_SIZE or marker != FOOTER_MARKER:
        raise CorruptCheckpoint(f'{path} is truncated or not a checkpoint (no checksum at its end)')
    if hashlib.sha256(payload).digest() != digest:
        raise CorruptCheckpoint(f'{path} is damaged (its SHA-256 does not match its contents)')
    return torch.load(io.BytesIO(payload), map_location='cpu', weights_only=True)


def rng_states(generator: torch.Generator) -> dict:
    """
    ### Every random generator the loop may draw from

    The study's own generator orders batches and augments them; the global torch generator
    drives dropout; CUDA's, numpy's and Python's are saved too, in case a change draws
    from them.
    """
    numpy_state = np.random.get_state()
    return {'generator': generator.get_state(), 'torch': torch.get_rng_state(),
            'cuda': torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            'numpy': [numpy_state[0], torch.from_numpy(numpy_state[1].astype(np.int64)), *numpy_state[2:]],
            'python': random.getstate()}


def set_rng_states(states: dict, generator: torch.Generator):
    """
    ### Put every random generator back where it was
    """
    generator.set_state(states['generator'])
    torch.set_rng_state(states['torch'])
    if states['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])
    name, keys, *rest = states['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    random.setstate(states['python'])


def logged_steps(log_path: Path) -> set:
    """
    ### Steps whose epoch metrics are already in the run's `log.jsonl`

    A line cut short by a kill is skipped.
    """
    steps = set()
    if not log_path.exists():
        return steps
    for line in log_path.read_text().splitlines():
        try:
            steps.update(step for step, _ in json.loads(line).get('track', {}).get('loss.train', []))
        except (ValueError, TypeError, AttributeError):
            continue
    return steps


class Checkpoints:
    """
    ### The checkpoints of one labml run

    `run_path` is `None` for a run that keeps no checkpoints. Only the process that
    `writes` saves checkpoints and metrics; the other processes of a distributed run
    read the same checkpoints to resume.
    """

    def __init__(self, run_path: Path | None, writes: bool = True):
        self.run_path = run_path
        # The first process tracks metrics; it saves checkpoints when the run has a folder
        self.tracks = writes
        self.writes = writes and run_path is not None
        # The checkpoint the run continues from, and the last one saved
        self.last_good: Path | None = None
        # The state read from `last_good` when resuming, read once
        self.resumed_state = self.latest_good_state() if run_path is not None else None
        # Steps already in `log.jsonl`, which must not be written twice
        self.logged = logged_steps(run_path / 'log.jsonl') if run_path is not None else set()

    def step_folders(self) -> list[Path]:
        """
        ### `checkpoints/<step>/` folders, latest first
        """
        folder = self.run_path / 'checkpoints' if self.run_path is not None else None
        if folder is None or not folder.is_dir():
            return []
        return sorted((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: -int(p.name))

    def latest_good_state(self) -> dict | None:
        """
        ### The latest checkpoint that reads back whole, or `None`

        A damaged one is named on the screen and renamed to `state.pt.corrupt-<n>`, so that
        the epoch can be saved again under its name without losing its bytes.
        """
        for folder in self.step_folders():
            path = folder / STATE_FILE
            if not path.exists():
                continue
            try:
                state = read_state(path)
            except (CorruptCheckpoint, RuntimeError, EOFError, ValueError) as error:
                print(f'warning: skipping checkpoint {path}: {error}; using the one before it.')
                if self.writes:
                    number = len(list(folder.glob(f'{STATE_FILE}.corrupt-*')))
                    os.replace(path, folder / f'{STATE_FILE}.corrupt-{number}')
                continue
            self.last_good = path
            return state
        return None

    def restore(self, model: nn.Module, optimizer: torch.optim.Optimizer, schedule,
                generator: torch.Generator) -> tuple[list, int, int]:
        """
        ### Load the latest good checkpoint into the loop's objects

        Returns the history so far, the step and the next epoch: `([], 0, 1)` for a new run.
        """
        state = self.resumed_state
        if state is None:
            return [], 0, 1
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        schedule.load_state_dict(state['schedule'])
        set_rng_states(state['rng'], generator)
        print(f'Resuming from {self.last_good} (epoch {state["epoch"]}, step {state["step"]}).')
        return state['history'], state['step'], state['epoch'] + 1

    def save(self, epoch: int, step: int, history: list, model: nn.Module,
             optimizer: torch.optim.Optimizer, schedule, generator: torch.Generator):
        """
        ### Save the state at the end of an epoch, refusing to replace a checkpoint
        """
        if not self.writes:
            return
        folder = self.run_path / 'checkpoints' / str(step)
        path = folder / STATE_FILE
        if path.exists():
            raise UserError(f'Refusing to overwrite the existing checkpoint {path}.')
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, encode({
            'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
            'schedule': schedule.state_dict(), 'rng': rng_states(generator),
            'epoch': epoch, 'step': step, 'history': history}))
        self.last_good = path

    def unlogged(self, history: list) -> list:
        """
        ### The epochs of `history` whose metrics `log.jsonl` lacks (none on other processes)
        """
        if not self.tracks:
            return []
        records = [record for record in history if record['step'] not in self.logged]
        self.logged.update(record['step'] for record in records)
        return records

    def keep_stale_files(self):
        """
        ### Keep the killed process's `run.pid` and `run.yaml` before labml writes new ones

        labml refuses to start a run whose folder has a `run.pid`, and rewrites `run.yaml`.
        A `log.jsonl` cut in the middle of a line gets its line ended, so that labml's next
        line starts on a line of its own.
        """
        if not self.writes or not (self.run_path / 'run.pid').exists():
            return
        number = len(list(self.run_path.glob('run.pid.*')))
        for name in ('run.pid', 'run.yaml'):
            if (self.run_path / name).exists():
                os.replace(self.run_path / name, self.run_path / f'{name}.{number}')
        log = self.run_path / 'log.jsonl'
        if log.exists() and log.stat().st_size and not log.read_bytes().endswith(b'\n'):
            with open(log, 'a') as file:
                file.write('\n')

    def nonfinite_loss_error(self, epoch: int, step: int, value: float, uuid: str) -> UserError:
        """
        ### The error that stops a run whose loss became NaN or infinite
        """
        last = (f'The last good checkpoint is {self.last_good}; resume from it with --resume {uuid} '
                f'after fixing the cause.' if self.last_good else 'The run saved no checkpoint yet.')
        return UserError(f'The training loss became {value} at step {step} (epoch {epoch}); '
                         f'the run is stopped and this epoch is not saved. {last} A learning '
                         f'rate too high for the model, or NaN in the data, are the usual causes.')


def first_nonfinite(loss: torch.Tensor, step: int, first: torch.Tensor) -> torch.Tensor:
    """
    ### The first step whose loss was NaN or infinite, kept on the device

    `first` is $-1$ until that happens; we never read it back inside the epoch, so the loop
    does not wait for the device at every step.
    """
    return torch.where((first < 0) & ~torch.isfinite(loss.detach()), step, first)


def start_labml_run(checkpoints: Checkpoints):
    """
    ### Start the labml run at the step the run continues from

    labml 0.5.3's `experiment.start` drops its `global_step` argument, so we call the run
    object it keeps for the current experiment.
    """
    from labml.internal.experiment import experiment_singleton
    step = checkpoints.resumed_state['step'] if checkpoints.resumed_state else 0
    checkpoints.keep_stale_files()
    return experiment_singleton().start(global_step=step)


# ## Resuming a study
#
# A study is four labml runs per seed. Each records the study's id in its configurations
# (`study` in `configs.yaml`), so that the uuid of any one of them finds the others: those
# with a final `model.pt` are finished and are skipped, the one that was killed continues,
# and the ones that never started start.

def stored_configs(run_path: Path) -> dict:
    """
    ### The configuration values labml recorded in a run's `configs.yaml`
    """
    import yaml
    path = run_path / 'configs.yaml'
    configs = yaml.safe_load(path.read_text()) if path.exists() else None
    return {key: entry.get('value') for key, entry in (configs or {}).items() if isinstance(entry, dict)}


def find_study_runs(logs_dir: Path, uuid: str, dataset: str) -> tuple[str, dict]:
    """
    ### The study of run `uuid`: its id and its runs, `{(seed, phase): run_path}`
    """
    run_paths = sorted(logs_dir.glob(f'*/{uuid}')) if uuid else []
    if not run_paths:
        raise UserError(f'There is no labml run {uuid!r} under {logs_dir} to resume. Pass the uuid '
                        f'of a run of the study (the folder name under {logs_dir}/<experiment name>/), '
                        f'and --logs-dir if the runs are elsewhere.')
    study = stored_configs(run_paths[0]).get('study')
    if not study:
        raise UserError(f'Run {run_paths[0]} records no study id (`study` in its configs.yaml), so it '
                        f'was not started by a study that can resume; start a new study instead.')
    runs = {}
    # Experiment names are `<dataset>_<phase>`
    for configs_path in logs_dir.glob(f'{dataset}_*/*/configs.yaml'):
        configs = stored_configs(configs_path.parent)
        if configs.get('study') == study:
            phase = configs_path.parent.parent.name[len(dataset) + 1:]
            runs[(configs.get('study_seed'), phase)] = configs_path.parent
    return study, runs


def final_checkpoint(run_path: Path) -> Path | None:
    """
    ### The `model.pt` that the end of a finished run writes, or `None` while it is unfinished
    """
    paths = sorted(run_path.glob('checkpoints/*/model.pt'), key=lambda p: int(p.parent.name))
    return paths[-1] if paths else None
