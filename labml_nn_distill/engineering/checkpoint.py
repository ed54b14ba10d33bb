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

Four things can go wrong, and each has a remedy:

* **a kill in the middle of writing**: every checkpoint goes through the project's
  [one writer](files.html), so the final name holds a whole checkpoint or nothing;
* **a file cut short or damaged later** (a full disk, a bad copy): the file ends with the
  SHA-256 of its contents, checked when reading; a damaged checkpoint is named, kept under
  a new name, and the one before it is used;
* **a checkpoint that belongs elsewhere** (copied from another run, or from another step):
  each records its run's uuid and its step, checked when reading, and treated as damaged
  when they are not its folder's;
* **metrics that were never written**: labml buffers metrics and writes `log.jsonl` from
  a thread, so a kill loses the last few; every checkpoint holds the history of the run's
  epochs, and on resuming we write again those that `log.jsonl` lacks (and never twice).

A checkpoint holds the weights three times (Adam keeps two moments): 15 to 20 MB for the
MNIST models, 170 MB for the CIFAR-10 teacher; one per epoch would fill a disk (a five-seed
sweep kept 14 GB). Resuming needs only the last good one, so a run keeps the `state.pt` of
its last two epochs (the one before the last is the spare when the last is damaged) and
removes older ones as each new one is whole on the disk; `--keep-checkpoints N` keeps the
last `N`, `--keep-checkpoints all` every epoch. The final `model.pt` and the `state.pt`
beside it (its history) are always kept: a finished run holds two checkpoints and one model,
35 to 45 MB for the MNIST models, whatever its number of epochs. Nothing else under `logs/`
is ever deleted or overwritten: a damaged checkpoint is kept under a new name, and a stale
`run.pid`, `run.yaml` and `source.diff` of the killed process are kept under a numbered name
before labml writes new ones. One process at a time writes a run: it holds the run folder's
[lock](files.html) from before it reads a checkpoint until the run ends, so `--resume` of a
run that is still alive stops, naming that process.

The labml run around the loop, finding runs and resuming a whole study are the
[run engine](runs.html)'s; the record of the code a run executed is [its own page](provenance.html).
This page is what the loop needs: its state saved after each epoch and read back, and a
stop when the loss stops being a number.
"""

import json
import os
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from labml_nn_distill.engineering import UserError, first_line
from labml_nn_distill.engineering.files import CorruptFile, load_torch, lock_folder, save_torch
from labml_nn_distill.engineering.options import KEEP_CHECKPOINTS
from labml_nn_distill.engineering.provenance import record_source

# The file names inside `checkpoints/<step>/`: the state of the loop after an epoch, and the
# trained weights that the end of a run writes
STATE_FILE = 'state.pt'
MODEL_FILE = 'model.pt'


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

    `run_path` is `None` for a run that keeps no checkpoints. Only the `main_process`
    saves checkpoints and records metrics; the other processes of a distributed run read
    the same checkpoints to resume. `keep` epochs' checkpoints are kept, the latest (`None`:
    every one).
    """

    def __init__(self, run_path: Path | None, main_process: bool = True, keep: int | None = KEEP_CHECKPOINTS):
        self.run_path = run_path
        self.keep = keep
        # The first process records metrics; it saves checkpoints when the run has a folder
        self.records_metrics = main_process
        self.saves = main_process and run_path is not None
        # The writer holds the run's lock before it reads or renames anything, and records
        # the code of a new run
        self.lock = lock_folder(run_path, 'The labml run') if self.saves else None
        if self.saves:
            record_source(run_path)
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
        skipped = False
        for folder in self.step_folders():
            path = folder / STATE_FILE
            if not path.exists():
                continue
            try:
                state = read_checkpoint(path, self.run_path)
            except CorruptFile as error:
                print(f'warning: skipping checkpoint {path}: {error}.')
                skipped = True
                if self.saves:
                    set_aside(path)
                continue
            self.last_good = path
            return state
        if skipped:
            print(f'warning: run {self.run_path.name} has no earlier good checkpoint; it starts again '
                  f'from its first epoch.')
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
        try:
            model.load_state_dict(state['model'])
            optimizer.load_state_dict(state['optimizer'])
            schedule.load_state_dict(state['schedule'])
            set_rng_states(state['rng'], generator)
        except (RuntimeError, KeyError, ValueError, TypeError) as error:
            raise UserError(f'The checkpoint {self.last_good} does not fit this run\'s '
                            f'{type(model).__name__} ({first_line(error)}). The code changed since '
                            f'it was written; start a new run, or move the checkpoint away to resume '
                            f'from the one before it.') from None
        print(f'Resuming from {self.last_good} (epoch {state["epoch"]}, step {state["step"]}).')
        return state['history'], state['step'], state['epoch'] + 1

    def save(self, epoch: int, step: int, history: list, model: nn.Module,
             optimizer: torch.optim.Optimizer, schedule, generator: torch.Generator):
        """
        ### Save the state at the end of an epoch, refusing to replace a checkpoint
        """
        if not self.saves:
            return
        folder = self.run_path / 'checkpoints' / str(step)
        path = folder / STATE_FILE
        if path.exists():
            raise UserError(f'Refusing to overwrite the existing checkpoint {path}.')
        save_torch(path, {
            'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
            'schedule': schedule.state_dict(), 'rng': rng_states(generator),
            'run': self.run_path.name, 'epoch': epoch, 'step': step, 'history': history})
        self.last_good = path
        self.remove_old()

    def remove_old(self):
        """
        ### Remove the `state.pt` of all but the latest `keep` epochs

        Only once the new one is whole on the disk. A folder left empty goes too; one that
        holds a `model.pt` or a damaged checkpoint set aside keeps them.
        """
        if self.keep is None:
            return
        states = [folder / STATE_FILE for folder in self.step_folders() if (folder / STATE_FILE).is_file()]
        for path in states[self.keep:]:
            path.unlink()
            if not any(path.parent.iterdir()):
                path.parent.rmdir()

    def unlogged(self, history: list) -> list:
        """
        ### The epochs of `history` whose metrics `log.jsonl` lacks (none on other processes)
        """
        if not self.records_metrics:
            return []
        records = [record for record in history if record['step'] not in self.logged]
        self.logged.update(record['step'] for record in records)
        return records

    def keep_stale_files(self):
        """
        ### Keep the killed process's `run.pid`, `run.yaml` and `source.diff` before labml writes new ones

        labml refuses to start a run whose folder has a `run.pid`, and rewrites `run.yaml`.
        A `log.jsonl` cut in the middle of a line gets its line ended, so that labml's next
        line starts on a line of its own.
        """
        if not self.saves:
            return
        # A new run has none of them yet; a resumed one keeps each under the first free number
        names = ('run.pid', 'run.yaml', 'source.diff')
        number = 0
        while any((self.run_path / f'{name}.{number}').exists() for name in names):
            number += 1
        for name in names:
            if (self.run_path / name).exists():
                os.replace(self.run_path / name, self.run_path / f'{name}.{number}')
        log = self.run_path / 'log.jsonl'
        if log.exists() and log.stat().st_size and not log.read_bytes().endswith(b'\n'):
            with open(log, 'a') as file:
                file.write('\n')

    def stop_if_nonfinite(self, epoch: int, nonfinite_step: torch.Tensor, step: int, loss_sum: torch.Tensor):
        """
        ### Stop a run whose loss became NaN or infinite, before its epoch is saved

        `nonfinite_step` is the first such step, kept on the device by `first_nonfinite`
        ($-1$ when there was none); `loss_sum` is the epoch's loss added over all processes.
        """
        if nonfinite_step < 0 and torch.isfinite(loss_sum):
            return
        at = int(nonfinite_step) if nonfinite_step >= 0 else step
        uuid = self.run_path.name if self.saves else ''
        last = (f'The last good checkpoint is {self.last_good}; resume from it with --resume {uuid} '
                f'after fixing the cause.' if self.last_good else 'The run saved no checkpoint yet.')
        raise UserError(f'The training loss became {loss_sum.item()} at step {at} (epoch {epoch}); '
                        f'the run is stopped and this epoch is not saved. {last} A learning '
                        f'rate too high for the model, or NaN in the data, are the usual causes.')


def first_nonfinite(loss: torch.Tensor, step: int, first: torch.Tensor) -> torch.Tensor:
    """
    ### The first step whose loss was NaN or infinite, kept on the device

    `first` is $-1$ until that happens; we never read it back inside the epoch, so the loop
    does not wait for the device at every step.
    """
    return torch.where((first < 0) & ~torch.isfinite(loss.detach()), step, first)


def save_final(run_path: Path, step: int, checkpoint: dict) -> Path:
    """
    ### Save a finished run's weights into `checkpoints/<step>/model.pt`

    `checkpoint` holds the weights and what is needed to check them when loading
    (architecture, dataset). We refuse to replace a checkpoint that is already there.
    """
    path = run_path / 'checkpoints' / str(step) / MODEL_FILE
    if path.exists():
        raise UserError(f'Refusing to overwrite the existing checkpoint {path}.')
    save_torch(path, {**checkpoint, 'run': run_path.name, 'step': step})
    return path


def read_checkpoint(path: Path, run_path: Path) -> dict:
    """
    ### Read a checkpoint of run `run_path`, checking its checksum, its run and its step

    A checkpoint copied from another run, or into another step's folder, is as unusable as a
    damaged one: `CorruptFile` either way.
    """
    checkpoint = load_torch(path)
    # A checkpoint written before checkpoints recorded their run is taken as its folder's
    run, step = checkpoint.get('run', run_path.name), checkpoint.get('step')
    if run != run_path.name or str(step) != path.parent.name:
        raise CorruptFile(f'{path} was written by run {run} at step {step}, not by run {run_path.name} '
                          f'at step {path.parent.name}')
    return checkpoint


def set_aside(path: Path) -> Path:
    """
    ### Rename a bad checkpoint to `<name>.corrupt-<n>`, keeping its bytes and freeing its name
    """
    number = len(list(path.parent.glob(f'{path.name}.corrupt-*')))
    aside = path.with_name(f'{path.name}.corrupt-{number}')
    os.replace(path, aside)
    return aside
