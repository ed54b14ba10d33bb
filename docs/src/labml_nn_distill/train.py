r"""
---
title: The training loop
summary: >
  One training loop for the teacher, the baseline student, the distilled student and the
  label-smoothing control, tracked with labml; only the loss of a step differs.
---

# The training loop

Every model of the study goes through the same loop; only the loss of a step differs:

* teacher and baseline student: cross-entropy with the labels;
* label-smoothing control: cross-entropy with labels smoothed towards the uniform
  distribution, a soft target that carries *no* knowledge of which classes look alike;
* distilled student: the [distillation loss](index.html) with the teacher's logits.

Each model is one labml *run*: `experiment.create` makes a folder
`logs/<experiment name>/<run uuid>/`, `experiment.configs` records the configurations there,
`tracker` writes the metrics (screen and `log.jsonl`) and `monit` draws the progress.

The loop is deterministic on the CPU: all randomness comes from seeded generators, and the
same seed gives the same numbers. What makes it survive a kill, share its batches among
processes and reuse the teacher's outputs lives in the [engineering wing](engineering/index.html);
each is one call here.
"""

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from labml import experiment, lab, monit, tracker
from torch import nn

from labml_nn_distill import DistillationConfigs, at_least_float32, distillation_loss
from labml_nn_distill.dataset import ImageData, batches
from labml_nn_distill.engineering import distributed, mixed_precision
from labml_nn_distill.engineering.checkpoint import (Checkpoints, first_nonfinite, labml_run_path, save_final,
                                                     start_labml_run)
from labml_nn_distill.engineering.teacher_cache import teacher_outputs

# Label smoothing $\epsilon$ of the control run, the common default
LABEL_SMOOTHING = 0.1
# Epochs of (teacher, students) per dataset; mnist5k's keep the whole study to a few minutes
# on 2 CPU cores (its wall time is on the results page)
EPOCHS = {'mnist5k': (15, 30), 'mnist': (10, 20), 'cifar10': (30, 30)}


# ## Configurations
@dataclass
class TrainConfigs:
    # Passes over the training set
    epochs: int = 30
    # Examples per batch
    batch_size: int = 64
    # Adam's learning rate: the start of the cosine schedule, or the peak of the one-cycle one
    learning_rate: float = 1e-3
    # `cosine`, which decays the learning rate to zero over all steps, or `one_cycle`, which
    # warms it up for the first 30 % of them, then anneals it (PyTorch's `OneCycleLR`)
    schedule: str = 'cosine'
    # Train on augmented batches (random shifts, and flips for CIFAR-10)
    augment: bool = False
    # Weight of the uniform distribution in the targets (0 is plain cross-entropy)
    label_smoothing: float = 0.0
    # Temperature $T$ and weight $\alpha$ of the [distillation loss](index.html), used only
    # when training from a teacher
    distillation: DistillationConfigs = field(default_factory=DistillationConfigs)
    # Seed of the model's initial weights, the batch order and the augmentation
    seed: int = 0
    # Examples per batch when evaluating
    eval_batch_size: int = 500
    # What the student learns from the teacher: `soft_targets` (the distillation loss) or
    # `logits`, the squared difference of the logits (logit matching, the paper's section 2.1)
    loss: str = 'soft_targets'
    # The teacher's logits: `cached`, computed once per distinct input, or `exact`, the
    # teacher run on every batch; see the [teacher cache](engineering/teacher_cache.html)
    teacher_outputs: str = 'cached'

    def flat(self) -> dict:
        """
        ### Every option by name, `temperature` and `alpha` beside the others, as labml records them
        """
        options = {item.name: getattr(self, item.name) for item in fields(self) if item.name != 'distillation'}
        return {**options, **asdict(self.distillation)}


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


# ## One step
#
# This is the whole of distillation in the loop: the student's logits, the loss against the
# teacher's logits for the same batch, and a step of gradient descent. The teacher's logits
# come in as a tensor; below, the loop gets them from the teacher.

def training_step(model: nn.Module, optimizer: torch.optim.Optimizer, inputs: torch.Tensor,
                  labels: torch.Tensor, teacher_logits: torch.Tensor | None,
                  configs: TrainConfigs) -> tuple[torch.Tensor, torch.Tensor]:
    """
    ### One step of training; returns the loss and the logits
    """
    # The forward pass and the loss, in bfloat16 on CUDA (float32 on the CPU)
    with mixed_precision(inputs.device):
        logits = model(inputs)
        loss = batch_loss(logits, labels, teacher_logits, configs)
    # A step of gradient descent
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss, logits


def batch_loss(logits: torch.Tensor, labels: torch.Tensor, teacher_logits: torch.Tensor | None,
               configs: TrainConfigs) -> torch.Tensor:
    """
    ### The loss of one batch

    The distillation loss when there are teacher logits; cross-entropy with the (optionally
    smoothed) labels when there are none.
    """
    if teacher_logits is None:
        return F.cross_entropy(at_least_float32(logits), labels, label_smoothing=configs.label_smoothing)
    if configs.loss == 'logits':
        # Logit matching: the squared difference of the logits, in place of the soft-target term
        alpha = configs.distillation.alpha
        logits, teacher_logits = at_least_float32(logits), at_least_float32(teacher_logits)
        return alpha * F.mse_loss(logits, teacher_logits) + (1 - alpha) * F.cross_entropy(logits, labels)
    return distillation_loss(logits, teacher_logits, labels,
                             configs.distillation.temperature, configs.distillation.alpha)


# ## Evaluation

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


def evaluate(model: nn.Module, data: ImageData, batch_size: int = 500, split: str = 'test') -> dict:
    """
    ### Loss, accuracy (percent) and number of errors on the `test` or `valid` split
    """
    images, labels = getattr(data, f'{split}_images'), getattr(data, f'{split}_labels')
    logits = predict(model, data, images, batch_size)
    errors = int((logits.argmax(-1) != labels).sum())
    return {'loss': F.cross_entropy(logits, labels).item(),
            'accuracy': 100.0 * (len(labels) - errors) / len(labels),
            'errors': errors}


def mistakes(model: nn.Module, data: ImageData, split: str = 'test', batch_size: int = 500) -> list[int]:
    """
    ### Indices of the examples of `split` that `model` gets wrong, for paired comparisons
    """
    return wrong_indices(predict(model, data, getattr(data, f'{split}_images'), batch_size),
                         getattr(data, f'{split}_labels'))


def wrong_indices(logits: torch.Tensor, labels: torch.Tensor) -> list[int]:
    """
    ### Indices where the highest logit is not the label's, for logits already computed
    """
    return (logits.argmax(-1) != labels).nonzero().squeeze(1).tolist()


def epoch_metrics(model: nn.Module, data: ImageData, batch_size: int) -> dict:
    """
    ### What an epoch records: validation metrics when there is a split, and test metrics

    The test metrics of every epoch are recorded so that the curves can be drawn; choices
    are made on the validation ones.
    """
    splits = ('valid', 'test') if data.valid_labels is not None else ('test',)
    return {f'{split}_{key}': value for split in splits
            for key, value in evaluate(model, data, batch_size, split).items()}


# ## A labml run

def train(model: nn.Module, data: ImageData, configs: TrainConfigs, name: str,
          teacher: nn.Module | None = None, logs_dir: Path | None = None,
          extra_configs: dict | None = None, uuid: str | None = None, on_start=None) -> RunResult:
    """
    ### Train `model` as one labml run named `name`

    With a `teacher` the loss is the distillation loss; without one it is cross-entropy
    with (optionally smoothed) labels. `logs_dir` overrides where labml writes runs.
    Given the `uuid` of an unfinished run, the run continues from its last good
    [checkpoint](engineering/checkpoint.html). `on_start`, if given, is called with the run's
    uuid before training starts, for callers that keep track of their runs.
    """
    # The other processes of a [distributed](engineering/distributed.html) run write nothing;
    # they read the run's checkpoints when it resumes
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
    experiment.configs({**configs.flat(), 'model': type(model).__name__, 'dataset': data.name,
                        'distilled': teacher is not None, **(extra_configs or {})})
    if on_start is not None:
        on_start(experiment.get_uuid())
    # The run's checkpoints; a run that has some continues from the last good one
    checkpoints = Checkpoints(labml_run_path())
    with start_labml_run(checkpoints):
        history, step = fit(model, data, configs, teacher, checkpoints)
        final = evaluate(model, data, configs.eval_batch_size)
        # Save the trained weights with what is needed to check them when loading
        checkpoint_path = save_final(checkpoints.run_path, step, {
            'model': model.state_dict(), 'architecture': type(model).__name__,
            'dataset': data.name, 'step': step, 'epoch': configs.epochs,
            'test_accuracy': final['accuracy'], **(extra_configs or {})})
    return RunResult(name, experiment.get_uuid(), checkpoints.run_path, checkpoint_path,
                     final['accuracy'], final['errors'], history)


# ## The loop

def fit(model: nn.Module, data: ImageData, configs: TrainConfigs,
        teacher: nn.Module | None, checkpoints: Checkpoints | None = None) -> tuple[list, int]:
    """
    ### Train for `configs.epochs`; returns the per-epoch history and the final step

    The step counts training examples seen.
    """
    checkpoints = checkpoints or Checkpoints(None)
    device = data.train_labels.device
    # Draw the initial weights from the seed, so that the three students of a study start
    # from the same weights; one more generator, seeded alike, orders batches and augments
    make_deterministic(configs.seed)
    reset_parameters(model)
    generator = torch.Generator().manual_seed(configs.seed)
    # Adam with a cosine learning-rate schedule that decays to zero over all steps
    n_train = len(data.train_labels)
    steps_per_epoch = -(-n_train // configs.batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=configs.learning_rate)
    if configs.schedule == 'one_cycle':
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, configs.learning_rate,
                                                       total_steps=configs.epochs * steps_per_epoch)
    else:
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, configs.epochs * steps_per_epoch)
    # Where the teacher's logits for a batch come from: the [teacher cache](engineering/teacher_cache.html)
    # or the teacher run on the batch
    teacher_logits = None
    if teacher is not None:
        teacher_logits = teacher_outputs(teacher, data, configs.augment, configs.teacher_outputs,
                                         configs.eval_batch_size)
    # Continue from the last good checkpoint, if there is one; with several processes, wrap the
    # model so that they average their gradients
    history, step, first_epoch = checkpoints.restore(model, optimizer, schedule, generator)
    network = distributed.wrap(model)

    for epoch in monit.loop(range(first_epoch, configs.epochs + 1)):
        model.train()
        # Sums over the epoch, kept as tensors so that we do not synchronise every step
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        nonfinite_step = torch.tensor(-1, device=device)
        for indices in monit.iterate('Train', list(batches(n_train, configs.batch_size, generator, device))):
            # Slice the batch from the data tensors and augment it if asked
            images, labels = data.train_images[indices], data.train_labels[indices]
            flipped = torch.zeros_like(labels, dtype=torch.bool)
            if configs.augment:
                images, flipped = data.augment(images, generator)
            step += len(labels)
            # Keep this process's share of the batch (all of it without torchrun)
            images, labels, indices, flipped = distributed.shard(images, labels, indices, flipped)
            inputs = data.normalize(images)
            # The teacher's logits for this batch, then the step
            targets = teacher_logits(inputs, indices, flipped) if teacher_logits else None
            loss, logits = training_step(network, optimizer, inputs, labels, targets, configs)
            schedule.step()
            # Remember the first step whose loss was not finite, and accumulate the statistics
            nonfinite_step = first_nonfinite(loss, step, nonfinite_step)
            loss_sum += loss.detach() * len(labels)
            correct += (logits.argmax(-1) == labels).sum()
        # Add up the processes' sums; a NaN or infinite loss stops the run before the epoch is saved
        loss_sum, correct = distributed.sum_over_processes(loss_sum, correct)
        checkpoints.stop_if_nonfinite(epoch, nonfinite_step, step, loss_sum)
        # Evaluate on the validation and test sets
        history.append({'epoch': epoch, 'step': step,
                        'train_loss': loss_sum.item() / n_train, 'train_accuracy': 100.0 * correct.item() / n_train,
                        **epoch_metrics(model, data, configs.eval_batch_size)})
        # Save the epoch's checkpoint, then track the metrics that `log.jsonl` lacks: this
        # epoch's, and after a kill those of earlier epochs whose lines labml never wrote
        checkpoints.save(epoch, step, history, model, optimizer, schedule, generator)
        for record in checkpoints.unlogged(history):
            tracker.save(record['step'], {f'{metric}.{split}': record[f'{split}_{metric}']
                                          for split in ('train', 'valid', 'test') for metric in ('loss', 'accuracy')
                                          if f'{split}_{metric}' in record})
    return history, step


def reset_parameters(model: nn.Module):
    """
    ### Re-initialise every layer that can be, from the (just seeded) global generator

    This makes the initial weights a function of `configs.seed` alone, whatever was drawn
    from the global generator before the model was built.
    """
    for module in model.modules():
        if hasattr(module, 'reset_parameters'):
            module.reset_parameters()
