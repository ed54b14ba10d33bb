r"""
---
title: The run engine
summary: >
  One engine for every labml run of the project: it starts a run around the training loop,
  finds runs again by uuid or by what they trained, resumes a killed command where it
  stopped, and gets a teacher, trained, loaded from a run, or taken from another page's run.
---

# The run engine

The [training loop](../train.html) trains one model. A command trains several: the study
trains a teacher and three students per seed, a page of the paper up to a dozen models. This
page is everything around the loop, in one place:

* **a labml run around the loop**: `train` creates the run (`logs/<experiment>/<uuid>/`),
  records its configurations, calls [`fit`](../train.html) with hooks that
  [checkpoint](checkpoint.html), shard the batches among [processes](distributed.html),
  stop on a NaN loss and [cache the teacher's logits](teacher_cache.html), and saves the
  final weights;
* **the runs of one command**, `Runs`: every run records the command's id and its *key*,
  what it is within the command (`{"phase": "distilled", "seed": 0}`,
  `{"seed": 2, "temperature": 8.0}`), so that `--resume` finds them all again from the uuid
  of any one of them (or, without a uuid, from the command's latest run): a finished run is
  read back instead of trained, the killed one continues from its last good checkpoint, and
  the others start;
* **a teacher**, by one method, `Runs.teacher`, whichever way it comes: loaded from a run
  the user names (`--teacher-run UUID[:STEP]`), taken from a finished run that trained the
  same teacher (the paper's pages share their teachers, and training is deterministic, so
  such a run holds the very weights a new one would train), or trained now.

A run continued after a kill must be the same experiment: the same options (the evaluation
batch size aside, which changes no number), and the same code, which each run records
([provenance](provenance.html)); resuming with other code is refused unless told
`--allow-code-change`.
"""

import contextlib
import json
import os
import re
import shlex
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid1

import torch
from labml import experiment, lab
from torch import nn

from labml_nn_distill.dataset import ImageData
from labml_nn_distill.engineering import UserError, distributed, first_line
from labml_nn_distill.engineering.checkpoint import (MODEL_FILE, STATE_FILE, Checkpoints, first_nonfinite,
                                                     read_checkpoint, save_final, set_aside)
from labml_nn_distill.engineering.files import CorruptFile, load_torch, lock_folder
from labml_nn_distill.engineering.options import KEEP_CHECKPOINTS, without_resume
from labml_nn_distill.engineering.provenance import source_changes
from labml_nn_distill.engineering.teacher_cache import teacher_outputs
from labml_nn_distill.train import Hooks, TrainConfigs, evaluate, fit


@dataclass
class RunResult:
    """
    ### What a training run leaves behind
    """
    # Name of the labml experiment and uuid of the run
    name: str
    uuid: str
    # The run's folder and its final checkpoint
    run_path: Path
    checkpoint_path: Path
    # Test accuracy (percent) and number of misclassified test examples at the end
    test_accuracy: float
    test_errors: int
    # One entry per epoch: losses and accuracies on training batches, the validation set
    # (when the data has one) and the test set
    history: list = field(default_factory=list)


# ## The hooks of a labml run
#
# What the [loop's hooks](../train.html#hooks) do in a run of the engine.

class RunHooks(Hooks):
    def __init__(self, checkpoints: Checkpoints):
        self.checkpoints = checkpoints
        # The first step of this epoch whose loss was not finite, kept on the device
        self.nonfinite_step = None

    def teacher_logits(self, teacher, data, configs):
        # Cached, or the teacher run on every batch, as `--teacher-logits` says
        return teacher_outputs(teacher, data, configs.augment, configs.teacher_logits, configs.eval_batch_size)

    def start(self, model, optimizer, schedule, generator):
        # Continue from the last good checkpoint, if there is one; with several processes, wrap
        # the model so that they average their gradients
        history, step, first_epoch = self.checkpoints.restore(model, optimizer, schedule, generator)
        return distributed.wrap(model), history, step, first_epoch

    def batch(self, *tensors):
        return distributed.shard(*tensors)

    def after_step(self, loss, step):
        if self.nonfinite_step is None:
            self.nonfinite_step = torch.tensor(-1, device=loss.device)
        self.nonfinite_step = first_nonfinite(loss, step, self.nonfinite_step)

    def epoch_sums(self, epoch, step, loss_sum, correct):
        # Add up the processes' sums; a NaN or infinite loss stops the run before the epoch is saved
        loss_sum, correct = distributed.sum_over_processes(loss_sum, correct)
        nonfinite_step = self.nonfinite_step if self.nonfinite_step is not None else torch.tensor(-1)
        self.nonfinite_step = None
        self.checkpoints.stop_if_nonfinite(epoch, nonfinite_step, step, loss_sum)
        return loss_sum, correct

    def end_of_epoch(self, epoch, step, history, model, optimizer, schedule, generator):
        self.checkpoints.save(epoch, step, history, model, optimizer, schedule, generator)

    def untracked(self, history):
        # After a kill, also the epochs whose lines labml never wrote
        return self.checkpoints.unlogged(history)


# ## A labml run around the loop

def train(model: nn.Module, data: ImageData, configs: TrainConfigs, name: str,
          teacher: nn.Module | None = None, extra_configs: dict | None = None, uuid: str | None = None,
          on_start=None, keep_checkpoints: int | None = KEEP_CHECKPOINTS) -> RunResult:
    """
    ### Train `model` as one labml run of experiment `name`

    With a `teacher` the loss is the distillation loss. Given the `uuid` of an unfinished
    run, the run continues from its last good checkpoint. `on_start` is called with the run's
    uuid before training starts. The run keeps the `state.pt` of its last `keep_checkpoints`
    epochs (`None`: every epoch) and its final `model.pt`. labml writes into the logs folder
    that `use_logs_dir` set.
    """
    # The other processes of a distributed run write nothing; they read the run's checkpoints
    # when it resumes
    if not distributed.is_main():
        run_path = Path(lab.get_experiments_path()) / name / uuid if uuid else None
        history, step = fit(model, data, configs, teacher, RunHooks(Checkpoints(run_path, main_process=False)))
        final = evaluate(model, data, configs.eval_batch_size)
        return RunResult(name, uuid or '', Path(), Path(), final['accuracy'], final['errors'], history)
    # A labml run that prints to the screen and writes `log.jsonl`; nothing leaves the machine
    experiment.create(name=name, uuid=uuid, writers={'screen', 'file'})
    # Record every configuration in the run's `configs.yaml`
    experiment.configs({**configs.flat(), 'model': type(model).__name__, 'dataset': data.name,
                        'distilled': teacher is not None, **(extra_configs or {})})
    if on_start is not None:
        on_start(experiment.get_uuid())
    # The run's checkpoints; a run that has some continues from the last good one
    checkpoints = Checkpoints(labml_run_path(), keep=keep_checkpoints)
    with started_labml_run(checkpoints):
        history, step = fit(model, data, configs, teacher, RunHooks(checkpoints))
        final = evaluate(model, data, configs.eval_batch_size)
        # Save the trained weights with what is needed to check them when loading
        checkpoint_path = save_final(checkpoints.run_path, step, {
            'model': model.state_dict(), 'architecture': type(model).__name__,
            'dataset': data.name, 'step': step, 'epoch': configs.epochs,
            'test_accuracy': final['accuracy'], **(extra_configs or {})})
    return RunResult(name, experiment.get_uuid(), checkpoints.run_path, checkpoint_path,
                     final['accuracy'], final['errors'], history)


@contextlib.contextmanager
def started_labml_run(checkpoints: Checkpoints):
    """
    ### Start the labml run at the step the run continues from; the run's lock is released at its end

    labml 0.5.3's `experiment.start` drops its `global_step` argument, so we call the run
    object it keeps for the current experiment.
    """
    from labml.internal.experiment import experiment_singleton
    step = checkpoints.resumed_state['step'] if checkpoints.resumed_state else 0
    checkpoints.keep_stale_files()
    try:
        with experiment_singleton().start(global_step=step):
            yield
    finally:
        if checkpoints.lock is not None:
            checkpoints.lock.close()


def labml_run_path() -> Path:
    """
    ### The folder of the current labml run

    labml 0.5.3 has no public call for it; the run object it keeps for the current
    experiment knows it (`logs/<name>/<uuid>`).
    """
    from labml.internal.experiment import experiment_singleton
    return Path(experiment_singleton().run.run_path)


def use_logs_dir(logs_dir: Path):
    """
    ### Make labml write runs, its own files, and the teacher cache its files, into `logs_dir`

    labml 0.5.3 keeps a folder of its own, `~/.labml` (the computer's id, a list of
    projects), made the first time a run starts, wherever `HOME` is; a read-only or shared
    `HOME` would fail or collect files there. It takes `HOME` from the environment when it
    first needs it, so we make it once with `HOME` pointing at the logs folder: its folder is
    then `<logs>/.labml`, and a command writes nothing outside its logs and output folders.
    The font cache of matplotlib, which draws the plots, goes to `<logs>/.matplotlib` unless
    `MPLCONFIGDIR` says otherwise.
    """
    lab.configure({'experiments_path': str(logs_dir)})
    from labml.internal.computer import configs as computer
    if computer._internal is None or computer._internal.home != Path(logs_dir):
        home = os.environ.get('HOME')
        os.environ['HOME'] = str(logs_dir)
        try:
            computer._internal = computer.Computer()
        finally:
            if home is None:
                del os.environ['HOME']
            else:
                os.environ['HOME'] = home
    os.environ.setdefault('MPLCONFIGDIR', str(Path(logs_dir) / '.matplotlib'))


# ## Finding runs
#
# Runs live in `logs/<experiment name>/<uuid>/`. A uuid is unique, so we find a run by it
# alone, whatever its experiment's name.

def find_run(logs_dir: Path, uuid: str, purpose: str = '') -> Path:
    """
    ### The folder of labml run `uuid`; `purpose` ends the error message when there is none

    A uuid is letters, digits, `-` and `_`; anything else (`*`) would be a pattern, not a run.
    """
    if not re.fullmatch(r'[\w-]+', uuid or ''):
        raise UserError(f'{uuid!r} is not a labml run uuid (letters, digits, - and _, like the '
                        f'folder names under {logs_dir}/<experiment name>/).')
    run_paths = sorted(Path(logs_dir).glob(f'*/{uuid}'))
    if not run_paths:
        raise UserError(f'There is no labml run {uuid!r} under {logs_dir}{" " + purpose if purpose else ""}. '
                        f'Runs are folders {logs_dir}/<experiment name>/<run uuid>/; pass --logs-dir '
                        f'if they are elsewhere.')
    return run_paths[0]


def stored_configs(run_path: Path) -> dict:
    """
    ### The configuration values labml recorded in a run's `configs.yaml`
    """
    import yaml
    path = run_path / 'configs.yaml'
    configs = yaml.safe_load(path.read_text()) if path.exists() else None
    return {key: entry.get('value') for key, entry in (configs or {}).items() if isinstance(entry, dict)}


def final_checkpoint(run_path: Path) -> Path | None:
    """
    ### The `model.pt` that the end of a finished run writes, or `None` while it is unfinished
    """
    paths = sorted(run_path.glob(f'checkpoints/*/{MODEL_FILE}'), key=lambda p: int(p.parent.name))
    return paths[-1] if paths else None


def finished_run(logs_dir: Path, name: str, key: dict) -> Path | None:
    """
    ### A finished run of experiment `name` whose final checkpoint records every item of `key`
    """
    for path in sorted((Path(logs_dir) / name).glob(f'*/checkpoints/*/{MODEL_FILE}')):
        try:
            checkpoint = load_torch(path)
        except CorruptFile:
            continue
        if all(checkpoint.get(item) == value for item, value in key.items()):
            return path.parents[2]
    return None


def find_checkpoint(run: str, logs_dir: Path) -> Path:
    """
    ### The `model.pt` of `run`, written `UUID` or `UUID:STEP`

    Without a step we take the run's last checkpoint.
    """
    uuid, _, step = run.partition(':')
    run_path = find_run(logs_dir, uuid, 'to take the teacher from; leave out --teacher-run to train a '
                                        'teacher first')
    steps = sorted(int(p.parent.name) for p in run_path.glob(f'checkpoints/*/{MODEL_FILE}')
                   if p.parent.name.isdigit())
    if not step and steps:
        step = str(steps[-1])
    path = run_path / 'checkpoints' / step / MODEL_FILE
    if not step or not path.is_file():
        raise UserError(f'Run {uuid} has no checkpoint {path}. Checkpoints saved in that run: '
                        f'{", ".join(map(str, steps)) or "none"}. Pass --teacher-run {uuid}:STEP '
                        f'with one of them, or leave out --teacher-run to train a teacher first.')
    return path


def load_checkpoint(path: Path, model: nn.Module, dataset: str) -> dict:
    """
    ### Load the weights of checkpoint `path` into `model`

    The checkpoint must hold weights of the same architecture, trained on the same dataset
    (and the same train/test split): a teacher that has seen our test images would make the
    distilled student look better than it is.
    """
    try:
        checkpoint = load_torch(path)
        model.load_state_dict(checkpoint['model'])
    except (CorruptFile, RuntimeError, KeyError) as error:
        raise UserError(f'The checkpoint {path} is corrupt, truncated or not a checkpoint of '
                        f'{type(model).__name__} ({first_line(error)}). '
                        f'Pick another step with --teacher-run UUID:STEP, or leave out --teacher-run '
                        f'to train a new teacher.') from None
    for key, value in {'architecture': type(model).__name__, 'dataset': dataset}.items():
        if checkpoint.get(key) != value:
            raise UserError(f'The checkpoint {path} has {key} {checkpoint.get(key)!r}, but this '
                            f'command needs {value!r}. Pick a teacher run trained with '
                            f'--dataset {dataset}, or leave out --teacher-run.')
    return checkpoint


# ## The runs of one command

def key_text(key: dict) -> str:
    """
    ### A run's key as the text its `configs.yaml` records: JSON with sorted keys
    """
    return json.dumps(key, sort_keys=True)


# The runs of the command running in this process, for the command wrapper's resume hint
_current = None
# The folder under the logs folder that holds a lock per study
STUDIES = '.studies'


class Runs:
    """
    ### The labml runs of one command: the study, or one page of the paper

    `command` is the module the command runs (`labml_nn_distill.experiment`); `resume` is
    `None` for a new command, the uuid of any of its runs, or `last` for the command's latest.
    """

    def __init__(self, logs_dir: Path, command: str, resume: str | None = None,
                 allow_code_change: bool = False, argv: list[str] | None = None,
                 keep_checkpoints: int | None = KEEP_CHECKPOINTS):
        global _current
        self.logs_dir, self.command, self.allow_code_change = Path(logs_dir), command, allow_code_change
        self.keep_checkpoints = keep_checkpoints
        self.argv = list(sys.argv[1:] if argv is None else argv)
        # labml and the teacher cache write into the logs folder
        use_logs_dir(self.logs_dir)
        # A new command gets a new id; a resumed one finds its runs by the id each records
        self.id, self.found = uuid1().hex, {}
        if resume is not None:
            self.id, self.found = self.runs_of(resume)
        # One process at a time runs a study: a second `--resume` of it would start its own
        # runs of the phases not yet begun. The lock is the study's folder under `.studies/`
        # (hidden, so that no lookup of runs takes it for an experiment); only the first process
        # of a distributed run takes it
        if os.environ.get('RANK', '0') == '0':
            lock_folder(self.logs_dir / STUDIES / self.id, f'The study of {self.command} (id {self.id}) in')
            if resume is not None:
                # Another process may have started runs of this study while we waited to lock it
                self.id, self.found = self.runs_of(resume)
        # The uuids of the runs this process trained or took, for the resume hint
        self.uuids = []
        _current = self

    def runs_of(self, resume: str) -> tuple[str, dict[str, Path]]:
        """
        ### The id of the command to resume, and its runs by key
        """
        # Oldest first, so that of two runs with one key (two resumes at once) the latest wins
        recorded = [(path.parent, stored_configs(path.parent)) for path in
                    sorted(self.logs_dir.glob('*/*/configs.yaml'), key=lambda path: path.stat().st_mtime)]
        if resume == 'last':
            mine = [run_path for run_path, configs in recorded if configs.get('command') == self.command]
            if not mine:
                raise UserError(f'--resume: there is no run of {self.command} under {self.logs_dir} to resume; '
                                f'run the command without --resume to start it.')
            run_path = mine[-1]
        else:
            run_path = find_run(self.logs_dir, resume, 'to resume. Pass the uuid of a run of this command')
        configs = stored_configs(run_path)
        if configs.get('command') != self.command or not configs.get('study'):
            raise UserError(f'--resume: run {run_path} was not started by {self.command} '
                            f'(its configs.yaml records command {configs.get("command")!r}); pass the uuid '
                            f'of a run that this command started.')
        found = {stored['run_key']: path for path, stored in recorded
                 if stored.get('study') == configs['study'] and stored.get('run_key')}
        return configs['study'], found

    def train(self, key: dict, model: nn.Module, data: ImageData, configs: TrainConfigs, experiment_name: str,
              teacher: nn.Module | None = None, extra: dict | None = None, share: dict | None = None) -> RunResult:
        """
        ### Train the model of `key`, or take it from the command being resumed

        With `share`, a finished run of `experiment_name` whose final checkpoint records every
        item of `share` is taken instead of training (the paper's pages share teachers).
        """
        run_key = key_text(key)
        extra = {**(extra or {}), **(share or {}), 'study': self.id, 'run_key': run_key, 'command': self.command}
        run_path = self.found.get(run_key)
        if run_path is None and share is not None:
            run_path = finished_run(self.logs_dir, experiment_name, share)
        if run_path is None:
            return train(model, data, configs, experiment_name, teacher=teacher, extra_configs=extra,
                         on_start=self.uuids.append, keep_checkpoints=self.keep_checkpoints)
        self.uuids.append(run_path.name)
        if run_key in self.found:
            self.check_same_run(run_path, {**configs.flat(), **extra})
        return self.finished(run_path, model, data, configs) or self.continued(
            run_path, model, data, configs, experiment_name, teacher, extra)

    def check_same_run(self, run_path: Path, expected: dict):
        """
        ### A resumed run must be the same run: the same training options and command options

        The evaluation batch size changes no number, so it may change (to get past running out of
        memory). A student whose teacher run was deleted takes the teacher trained again in its
        place: the same seed and options give the same network.
        """
        stored = stored_configs(run_path)
        for key, value in expected.items():
            if key not in stored or stored[key] == value or key == 'eval_batch_size':
                continue
            if key == 'teacher_run' and not list(self.logs_dir.glob(f'*/{stored[key]}')):
                print(f'note: run {run_path.name} learned from teacher run {stored[key]}, which is no longer '
                      f'under {self.logs_dir}; it continues with teacher run {value}, trained again with the '
                      f'same seed and options.')
                continue
            raise UserError(f'Run {run_path} was started with {key} = {stored[key]!r}, but this '
                            f'command gives {value!r}. Resume with the options of the first command.')

    def finished(self, run_path: Path, model: nn.Module, data: ImageData, configs: TrainConfigs) -> RunResult | None:
        """
        ### A finished run's weights loaded into `model`, and its numbers; `None` while unfinished

        A damaged final checkpoint is set aside, and the run continues from its last good
        epoch to write it again.
        """
        final_path = final_checkpoint(run_path)
        if final_path is None:
            return None
        try:
            final_state = read_checkpoint(final_path, run_path)
            history = read_checkpoint(final_path.parent / STATE_FILE, run_path)['history']
            model.load_state_dict(final_state['model'])
        except (CorruptFile, FileNotFoundError, RuntimeError, KeyError) as error:
            print(f'warning: run {run_path.name} is finished, but {first_line(error)}; its {final_path.name} '
                  f'is kept as {set_aside(final_path).name}, and the run continues from its last good '
                  f'checkpoint to write it again.')
            return None
        print(f'{run_path.parent.name}: run {run_path.name} is finished; using its final checkpoint {final_path}.')
        final = evaluate(model, data, configs.eval_batch_size)
        # Evaluation mode may touch the weights (the paper's teacher bounds them): hand back the
        # checkpoint's own
        model.load_state_dict(final_state['model'])
        return RunResult(run_path.parent.name, run_path.name, run_path, final_path, final['accuracy'],
                         final['errors'], history)

    def continued(self, run_path: Path, model: nn.Module, data: ImageData, configs: TrainConfigs,
                  experiment_name: str, teacher: nn.Module | None, extra: dict) -> RunResult:
        """
        ### Continue an unfinished run under its uuid, unless its code changed since it started
        """
        changes = source_changes(run_path)
        if changes and not self.allow_code_change:
            raise UserError(f'The code changed since run {run_path} started: {", ".join(changes)}. Continuing '
                            f'it would mix two experiments; put the code back (the run\'s source.json holds its '
                            f'SHA-256s), start the command again without --resume, or pass --allow-code-change '
                            f'to continue anyway.')
        return train(model, data, configs, experiment_name, teacher=teacher, extra_configs=extra,
                     uuid=run_path.name, keep_checkpoints=self.keep_checkpoints)

    def training_time(self) -> dict:
        """
        ### The training time of this study's runs, summed, for the results JSON

        Only the runs this command's study trained, in this sitting or an earlier one; a
        teacher taken from another page's study was that page's time.
        """
        paths = [path.parent for path in self.logs_dir.glob('*/*/configs.yaml')
                 if stored_configs(path.parent).get('study') == self.id]
        timed = [entry for entry in map(run_seconds, paths) if entry is not None]
        return {'runs': len(timed), 'minutes': round(sum(seconds for seconds, _ in timed) / 60, 1),
                'kills': sum(kills for _, kills in timed)}

    def teacher(self, model: nn.Module, data: ImageData, configs: TrainConfigs, experiment_name: str,
                key: dict, extra: dict | None = None, share: dict | None = None, run: str | None = None,
                same_data: dict | None = None, trains: bool = True, how_to_train: str = '') -> RunResult:
        """
        ### The teacher, whichever way it comes

        Loaded from `run` (`UUID[:STEP]`) when the user names one, if its checkpoint records
        the `same_data` (a teacher that has seen our test digits would flatter its students);
        else taken from a finished run that trained the same teacher (`share`); else trained
        now as the run of `key`, unless this command never `trains` a teacher, when
        `how_to_train` says which command does.
        """
        if run is not None:
            path = find_checkpoint(run, self.logs_dir)
            checkpoint = load_checkpoint(path, model, data.name)
            for item, value in (same_data or {}).items():
                if checkpoint.get(item, value) != value:
                    raise UserError(f'Teacher run {run} was trained with {item} {checkpoint[item]!r}, but this '
                                    f'command has {value!r}; pass --{item.replace("_", "-")} {checkpoint[item]}, '
                                    f'or leave out --teacher-run.')
            final = evaluate(model, data, configs.eval_batch_size)
            return RunResult('teacher (loaded)', run.partition(':')[0], path.parents[2], path,
                             final['accuracy'], final['errors'])
        if not trains:
            run_path = finished_run(self.logs_dir, experiment_name, share)
            result = self.finished(run_path, model, data, configs) if run_path is not None else None
            if result is None:
                raise UserError(f'There is no finished teacher with {key_text(share)} under '
                                f'{self.logs_dir / experiment_name}; {how_to_train}')
            self.uuids.append(run_path.name)
            return result
        return self.train(key, model, data, configs, experiment_name, extra=extra, share=share)


# ## The time a study took
#
# A page is often published by a command that trains nothing: it takes every run from the
# study it resumes. Its own duration says nothing about the experiment, so a results JSON
# records the training time of the study's runs, read from each run's own log: labml stamps
# every line of `log.jsonl` with the time it was written, at least once an epoch. A run's
# time runs from its start (its uuid is a version-1 UUID, which carries the time it was made)
# through those stamps. A kill leaves a gap in them as long as the run was down; a gap more
# than `KILL_GAP` times the run's median gap is counted as one median gap, and reported.

KILL_GAP = 5.0


def uuid_time(uuid: str) -> float:
    """
    ### When a version-1 UUID was made, in seconds since 1970 (UUID time counts tenths of microseconds from 1582)
    """
    return (UUID(uuid).time - 0x01B21DD213814000) / 1e7


def run_seconds(run_path: Path) -> tuple[float, int] | None:
    """
    ### The seconds a run trained, and how many gaps in its log were taken for kills; `None` without a log
    """
    stamps = []
    for text in (run_path / 'log.jsonl').read_text().splitlines() if (run_path / 'log.jsonl').is_file() else []:
        try:
            stamps.append(float(json.loads(text)['time']))
        except (ValueError, KeyError, TypeError):
            # A line a kill cut short
            continue
    if not stamps:
        return None
    moments = sorted([uuid_time(run_path.name), *stamps])
    gaps = [later - earlier for earlier, later in zip(moments, moments[1:])]
    typical = statistics.median(gaps)
    kills = [gap for gap in gaps if gap > KILL_GAP * typical]
    return round(sum(gaps) - sum(kills) + len(kills) * typical, 1), len(kills)


def forget_runs():
    """
    ### Forget the runs of an earlier command of this process
    """
    global _current
    _current = None


def resume_command() -> str | None:
    """
    ### The command that continues the runs of this process's command, or `None` before any run
    """
    if _current is None or not _current.uuids:
        return None
    return shlex.join(['python', '-m', _current.command, *without_resume(_current.argv), '--resume',
                       _current.uuids[0]])
