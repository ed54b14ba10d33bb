r"""
---
title: Training, tracking and checkpoints
summary: >
  One training loop for the teacher, the baseline student, the distilled student and the
  label-smoothing control, tracked with labml, with atomic checkpoints saved in each run.
---

# Training, tracking and checkpoints

Every model of the study goes through the same loop; only the loss differs:

* teacher and baseline student: cross-entropy with the labels;
* label-smoothing control: cross-entropy with labels smoothed towards the uniform
  distribution, a soft target that carries *no* knowledge of which classes look alike;
* distilled student: the [distillation loss](index.html) with the teacher's logits.

Each model is one labml *run*: `experiment.create` makes a folder
`logs/<experiment name>/<run uuid>/`, `experiment.configs` records the configurations there,
`tracker` writes the metrics (screen and `log.jsonl`) and `monit` draws the progress.
labml 0.5.3 has no checkpoint API, so we save checkpoints ourselves into the run's folder,
`checkpoints/<step>/model.pt`, where the step counts training examples seen.
A later study can load a teacher from there by its run uuid.

The loop is deterministic on the CPU: all randomness comes from seeded generators, and the
same seed gives the same numbers.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from labml import experiment, lab, monit, tracker
from torch import nn

from labml_nn_distill import distillation_loss, distributed
from labml_nn_distill.checkpoint import Checkpoints, first_nonfinite, start_labml_run
from labml_nn_distill.dataset import ImageData, UserError, batches
from labml_nn_distill.teacher_cache import (augment_with_flips, cached_teacher_outputs, mixed_precision,
                                            teacher_logits_of)


# ## Configurations
@dataclass
class TrainConfigs:
    # Passes over the training set
    epochs: int = 30
    # Examples per batch
    batch_size: int = 64
    # Adam's learning rate at the start; a cosine schedule takes it to zero at the end
    learning_rate: float = 1e-3
    # Train on augmented batches (random shifts, and flips for CIFAR-10)
    augment: bool = False
    # Weight of the uniform distribution in the targets (0 is plain cross-entropy)
    label_smoothing: float = 0.0
    # Distillation temperature $T$ (used only when training from a teacher)
    temperature: float = 8.0
    # Weight $\alpha$ of the soft-target term (used only when training from a teacher)
    alpha: float = 0.9
    # Seed of the model's initial weights, the batch order and the augmentation
    seed: int = 0
    # Examples per batch when evaluating
    eval_batch_size: int = 500
    # The teacher's logits: `cached`, computed once per distinct input and kept (approximate
    # when batches are shifted), or `exact`, the teacher run on every batch; see the
    # [teacher cache](teacher_cache.html)
    teacher_outputs: str = 'cached'


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
    # One entry per epoch: losses and accuracies on training batches and the test set
    history: list = field(default_factory=list)


def make_deterministic(seed: int):
    """
    ### Seed the global generator and ask for deterministic kernels

    `warn_only` keeps CUDA runs going where a kernel has no deterministic version.
    """
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


@torch.inference_mode()
def predict(model: nn.Module, data: ImageData, images: torch.Tensor,
            batch_size: int = 500) -> torch.Tensor:
    """
    ### Logits of `model` for `images`, in evaluation mode (no dropout, fixed batch norm)
    """
    model.eval()
    logits = [model(data.normalize(images[indices]))
              for indices in batches(len(images), batch_size, device=images.device)]
    return torch.cat(logits)


def evaluate(model: nn.Module, data: ImageData, batch_size: int = 500) -> dict:
    """
    ### Test loss, accuracy (percent) and number of errors
    """
    logits = predict(model, data, data.test_images, batch_size)
    errors = int((logits.argmax(-1) != data.test_labels).sum())
    return {'loss': F.cross_entropy(logits, data.test_labels).item(),
            'accuracy': 100.0 * (len(data.test_labels) - errors) / len(data.test_labels),
            'errors': errors}


def labml_run_path() -> Path:
    """
    ### The folder of the current labml run

    labml 0.5.3 has no public call for it; the run object it keeps for the current
    experiment knows it (`logs/<name>/<uuid>`).
    """
    from labml.internal.experiment import experiment_singleton
    return Path(experiment_singleton().run.run_path)


def save_checkpoint(run_path: Path, step: int, checkpoint: dict) -> Path:
    """
    ### Save a checkpoint atomically into `checkpoints/<step>/model.pt`

    We write a temporary file, flush it to disk, then rename it over the final name:
    a rename within a folder is atomic, so a crash leaves either no `model.pt` or a whole
    one, never half of one. We refuse to replace a checkpoint that is already there.
    """
    folder = run_path / 'checkpoints' / str(step)
    path = folder / 'model.pt'
    if path.exists():
        raise UserError(f'Refusing to overwrite the existing checkpoint {path}.')
    folder.mkdir(parents=True, exist_ok=True)
    # Write and flush the temporary file
    temporary = folder / 'model.pt.tmp'
    with open(temporary, 'wb') as file:
        torch.save(checkpoint, file)
        file.flush()
        os.fsync(file.fileno())
    # Move it into place, and flush the folder entry too where the platform allows
    os.replace(temporary, path)
    if hasattr(os, 'O_DIRECTORY'):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(descriptor)
        os.close(descriptor)
    return path


def find_checkpoint(run: str, logs_dir: Path) -> Path:
    """
    ### The checkpoint file for `run`, written `UUID` or `UUID:STEP`

    Without a step we take the run's last checkpoint.
    """
    uuid, _, step = run.partition(':')
    # Runs live in `logs/<experiment name>/<uuid>`; we do not need to know the name
    run_paths = sorted(logs_dir.glob(f'*/{uuid}')) if uuid else []
    if not run_paths:
        raise UserError(f'There is no labml run {uuid!r} under {logs_dir}. Runs are folders '
                        f'{logs_dir}/<experiment name>/<run uuid>/; pass the uuid of one of them '
                        f'(and --logs-dir if they are elsewhere), or leave out --teacher-run to '
                        f'train a teacher first.')
    checkpoints = run_paths[0] / 'checkpoints'
    steps = sorted(int(p.name) for p in checkpoints.glob('*') if p.name.isdigit()) \
        if checkpoints.is_dir() else []
    if not step and steps:
        step = str(steps[-1])
    path = checkpoints / step / 'model.pt'
    if not step or not path.is_file():
        raise UserError(f'Run {uuid} has no checkpoint {path}. Checkpoints saved in that run: '
                        f'{", ".join(map(str, steps)) or "none"}. Pass --teacher-run {uuid}:STEP '
                        f'with one of them, or leave out --teacher-run to train a teacher first.')
    return path


def load_checkpoint(run: str, logs_dir: Path, model: nn.Module, dataset: str) -> dict:
    """
    ### Load the weights of `run` into `model`

    The checkpoint must hold weights of the same architecture, trained on the same dataset
    (and the same train/test split): a teacher that has seen our test images would make the
    distilled student look better than it is.
    """
    path = find_checkpoint(run, logs_dir)
    # `weights_only` loads tensors and plain values, never arbitrary pickled objects
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
        model.load_state_dict(checkpoint['model'])
    except Exception as error:
        raise UserError(f'The checkpoint {path} is corrupt, truncated or not a checkpoint of '
                        f'{type(model).__name__} ({type(error).__name__}: '
                        f'{str(error).splitlines()[0] if str(error) else ""}). Pick another step '
                        f'with --teacher-run UUID:STEP, or leave out --teacher-run to train a '
                        f'new teacher.') from None
    expected = {'architecture': type(model).__name__, 'dataset': dataset}
    for key, value in expected.items():
        if checkpoint.get(key) != value:
            raise UserError(f'The checkpoint {path} has {key} {checkpoint.get(key)!r}, but this '
                            f'study needs {value!r}. Pick a teacher run trained with '
                            f'--dataset {dataset}, or leave out --teacher-run.')
    return checkpoint


def train(model: nn.Module, data: ImageData, configs: TrainConfigs, name: str,
          teacher: nn.Module | None = None, logs_dir: Path | None = None,
          extra_configs: dict | None = None, uuid: str | None = None) -> RunResult:
    """
    ### Train `model` as one labml run named `name`

    With a `teacher` the loss is the distillation loss; without one it is cross-entropy
    with (optionally smoothed) labels. `logs_dir` overrides where labml writes runs.
    Given the `uuid` of an unfinished run, the run continues from its last good
    [checkpoint](checkpoint.html).
    """
    # The other processes of a [distributed](distributed.html) run write nothing; they
    # read the run's checkpoints when it resumes
    if not distributed.is_main():
        run_path = Path(logs_dir or lab.get_experiments_path()) / name / uuid if uuid else None
        history, step = fit(model, data, configs, teacher, Checkpoints(run_path, writes=False))
        final = evaluate(model, data, configs.eval_batch_size)
        return RunResult(name, uuid or '', Path(), Path(), final['accuracy'], final['errors'], history)
    # Send runs to `logs_dir` if given; otherwise labml uses `logs/` beside `.labml.yaml`
    if logs_dir is not None:
        lab.configure({'experiments_path': str(Path(logs_dir).resolve())})
    # A labml run that prints to the screen and writes `log.jsonl`; nothing leaves the machine
    experiment.create(name=name, uuid=uuid, writers={'screen', 'file'})
    # Record every configuration in the run's `configs.yaml`
    experiment.configs({**vars(configs), 'model': type(model).__name__, 'dataset': data.name,
                        'distilled': teacher is not None, **(extra_configs or {})})
    # Find the run's last good checkpoint, if it has one, and start labml at its step
    run_path = labml_run_path()
    checkpoints = Checkpoints(run_path)
    with start_labml_run(checkpoints):
        history, step = fit(model, data, configs, teacher, checkpoints)
        final = evaluate(model, data, configs.eval_batch_size)
        # Save the trained weights with what is needed to check them when loading
        checkpoint_path = save_checkpoint(run_path, step, {
            'model': model.state_dict(), 'architecture': type(model).__name__,
            'dataset': data.name, 'step': step, 'epoch': configs.epochs,
            'test_accuracy': final['accuracy'], **(extra_configs or {})})
    return RunResult(name, experiment.get_uuid(), run_path, checkpoint_path,
                     final['accuracy'], final['errors'], history)


def fit(model: nn.Module, data: ImageData, configs: TrainConfigs,
        teacher: nn.Module | None, checkpoints: Checkpoints | None = None) -> tuple[list, int]:
    """
    ### The training loop

    Returns the per-epoch history and the final step (training examples seen).
    """
    checkpoints = checkpoints or Checkpoints(None)
    # Draw the initial weights from the seed, so that the three students of a study start
    # from the same weights; one more generator, seeded alike, orders batches and augments
    make_deterministic(configs.seed)
    reset_parameters(model)
    generator = torch.Generator().manual_seed(configs.seed)
    # Adam with a cosine learning-rate schedule that decays to zero over all steps
    n_train = len(data.train_labels)
    steps_per_epoch = -(-n_train // configs.batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=configs.learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, configs.epochs * steps_per_epoch)
    # The teacher's logits once per distinct input, from the [teacher cache](teacher_cache.html)
    # (computed by the first process of a distributed run, which sends them to the others)
    cached_teacher_logits = None
    if teacher is not None and configs.teacher_outputs == 'cached':
        cached_teacher_logits = distributed.computed_once(
            lambda: cached_teacher_outputs(teacher, data, configs.augment, configs.eval_batch_size),
            data.train_labels.device)
    # Continue from the last good checkpoint, if there is one; then, when there are several
    # processes, wrap the model so that they average their gradients
    history, step, first_epoch = checkpoints.restore(model, optimizer, schedule, generator)
    network = distributed.wrap(model)

    for epoch in monit.loop(range(first_epoch, configs.epochs + 1)):
        model.train()
        # Sums over the epoch, kept as tensors so that we do not synchronise every step
        loss_sum = torch.zeros((), device=data.train_labels.device)
        correct = torch.zeros((), dtype=torch.long, device=data.train_labels.device)
        nonfinite_step = torch.tensor(-1, device=data.train_labels.device)
        epoch_batches = list(batches(n_train, configs.batch_size, generator, data.train_labels.device))
        for indices in monit.iterate('Train', epoch_batches):
            # Slice the batch from the data tensors, augment it if asked, and normalise it
            images, labels = data.train_images[indices], data.train_labels[indices]
            flipped = torch.zeros_like(labels, dtype=torch.bool)
            if configs.augment:
                images, flipped = augment_with_flips(data, images, generator)
            # Count the whole batch, then keep this process's share of it
            step += len(labels)
            images, labels, indices, flipped = distributed.shard(images, labels, indices, flipped)
            inputs = data.normalize(images)
            # The forward pass and the loss, in bfloat16 on CUDA
            with mixed_precision(inputs.device):
                logits = network(inputs)
                loss = batch_loss(logits, labels, inputs, indices, configs, teacher,
                                  cached_teacher_logits, flipped)
            nonfinite_step = first_nonfinite(loss, step, nonfinite_step)
            # Take a step of gradient descent and of the learning-rate schedule
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            # Accumulate the statistics
            loss_sum += loss.detach() * len(labels)
            correct += (logits.argmax(-1) == labels).sum()
        # Add up the processes' sums; a NaN or infinite loss in any of them stops the run
        # before the epoch is saved
        loss_sum, correct = distributed.sum_over_processes(loss_sum, correct)
        if nonfinite_step >= 0 or not torch.isfinite(loss_sum):
            raise checkpoints.nonfinite_loss_error(epoch, int(nonfinite_step) if nonfinite_step >= 0 else step,
                                                   loss_sum.item(), experiment.get_uuid() if checkpoints.writes else '')
        # Evaluate on the test set
        valid = evaluate(model, data, configs.eval_batch_size)
        record = {'epoch': epoch, 'step': step,
                  'train_loss': loss_sum.item() / n_train, 'train_accuracy': 100.0 * correct.item() / n_train,
                  'valid_loss': valid['loss'], 'valid_accuracy': valid['accuracy']}
        history.append(record)
        # Save the epoch's checkpoint, then track the metrics that `log.jsonl` lacks: this
        # epoch's, and after a kill those of earlier epochs whose lines labml never wrote
        checkpoints.save(epoch, step, history, model, optimizer, schedule, generator)
        for record in checkpoints.unlogged(history):
            tracker.save(record['step'], {'loss.train': record['train_loss'], 'accuracy.train': record['train_accuracy'],
                                          'loss.valid': record['valid_loss'], 'accuracy.valid': record['valid_accuracy']})
    return history, step


def batch_loss(logits: torch.Tensor, labels: torch.Tensor, inputs: torch.Tensor,
               indices: torch.Tensor, configs: TrainConfigs, teacher: nn.Module | None,
               cached_teacher_logits: torch.Tensor | None,
               flipped: torch.Tensor | None = None) -> torch.Tensor:
    """
    ### The loss of one batch

    Cross-entropy (with label smoothing if configured) without a teacher; the distillation
    loss with one. The teacher's logits come from the cache (the view of each image that
    `flipped` names) when there is one, and otherwise from running the teacher on this very batch.
    """
    if teacher is None:
        return F.cross_entropy(logits, labels, label_smoothing=configs.label_smoothing)
    if cached_teacher_logits is not None:
        teacher_logits = teacher_logits_of(cached_teacher_logits, indices, flipped)
    else:
        with torch.inference_mode():
            teacher.eval()
            teacher_logits = teacher(inputs)
        # A tensor made in inference mode may not enter autograd; its clone is an ordinary one
        teacher_logits = teacher_logits.clone()
    return distillation_loss(logits, teacher_logits, labels, configs.temperature, configs.alpha)


def reset_parameters(model: nn.Module):
    """
    ### Re-initialise every layer that can be, from the (just seeded) global generator

    This makes the initial weights a function of `configs.seed` alone, whatever was drawn
    from the global generator before the model was built.
    """
    for module in model.modules():
        if hasattr(module, 'reset_parameters'):
            module.reset_parameters()
