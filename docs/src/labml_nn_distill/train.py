r"""
---
title: The training loop
summary: >
  One training loop for the teacher, the baseline student, the distilled student and the
  label-smoothing control: the step, the epochs, evaluation, and the teacher answering each
  batch in evaluation mode; only the loss of a step differs between the models.
---

# The training loop

Every model of the study goes through the same loop; only the loss of a step differs:

* teacher and baseline student: cross-entropy with the labels;
* label-smoothing control: cross-entropy with labels smoothed towards the uniform
  distribution, a soft target that carries *no* knowledge of which classes look alike;
* distilled student: the [distillation loss](index.html) with the teacher's logits.

This page is the loop, top to bottom: the configurations, one step, evaluation, and `fit`,
which trains a model for its epochs. With a teacher, `fit` puts it in evaluation mode and
asks it for its logits on every batch under `torch.inference_mode`, exactly as in
[the step on the first page](index.html#the-whole-method-in-one-step).

The loop tracks its metrics with labml: `monit` draws the progress of the epochs and
batches, and `tracker.save` records each epoch's losses and accuracies (on the screen, and
in the run's `log.jsonl`). Each model is one labml *run*, a folder
`logs/<experiment name>/<run uuid>/` with the run's configurations and metrics; the
[run engine](engineering/runs.html) creates it and calls `fit`.

The loop is deterministic on the CPU: all randomness comes from seeded generators, and the
same seed gives the same numbers.

## Hooks

A run of an hour needs more than the loop: checkpoints that survive a kill and resume,
several processes sharing each batch, a stop when the loss becomes NaN, and the teacher's
logits cached instead of recomputed. Those live in the [engineering wing](engineering/index.html)
and plug into the loop through `Hooks`, a handful of methods that do nothing here. Called
without hooks, `fit` runs exactly the code on this page; the run engine passes hooks that
checkpoint, shard and cache.
"""

import contextlib
from dataclasses import asdict, dataclass, field, fields

import torch
import torch.nn.functional as F
from labml import monit, tracker
from torch import nn

from labml_nn_distill import DistillationConfigs, at_least_float32, distillation_loss
from labml_nn_distill.dataset import ImageData, batches

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
    # What the student matches from the teacher: `soft_targets` (the distillation loss) or
    # `logits`, the squared difference of the logits (logit matching, the paper's section 2.1)
    matching: str = 'soft_targets'
    # How the run engine gets the teacher's logits of a batch: `cached`, computed once per
    # distinct input, or `per-batch`, the teacher run on every batch as `fit` does below; see
    # the [teacher cache](engineering/teacher_cache.html)
    teacher_logits: str = 'cached'

    def flat(self) -> dict:
        """
        ### Every option by name, `temperature` and `alpha` beside the others, as labml records them
        """
        options = {item.name: getattr(self, item.name) for item in fields(self) if item.name != 'distillation'}
        return {**options, **asdict(self.distillation)}


def mixed_precision(device: torch.device):
    """
    ### bfloat16 autocast on CUDA, nothing on the CPU

    On a GPU, matrix products and convolutions in bfloat16 are several times faster and keep
    float32's range; autocast leaves softmaxes and losses in float32. On the CPU we keep
    float32, which is also what keeps the CPU path deterministic and exact.
    """
    if device.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.bfloat16)
    return contextlib.nullcontext()


# ## One step
#
# This is the whole of distillation in the loop: the student's logits, the loss against the
# teacher's logits for the same batch, and a step of gradient descent.

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
    if configs.matching == 'logits':
        # Logit matching: the squared difference of the logits, in place of the soft-target term
        alpha = configs.distillation.alpha
        logits, teacher_logits = at_least_float32(logits), at_least_float32(teacher_logits)
        return alpha * F.mse_loss(logits, teacher_logits) + (1 - alpha) * F.cross_entropy(logits, labels)
    return distillation_loss(logits, teacher_logits, labels,
                             configs.distillation.temperature, configs.distillation.alpha)


# ## The teacher's answers
#
# The teacher is frozen while the student learns: evaluation mode (no dropout, batch
# normalisation with its running statistics) and no autograd records. It answers the batch
# the student sees, shifted and flipped alike. `indices` and `flipped` say which training
# images those are; the plain teacher does not need them, the
# [teacher cache](engineering/teacher_cache.html) looks its answers up by them.

def teacher_logits_for(teacher: nn.Module):
    """
    ### The function that gives the teacher's logits for a batch of normalised `inputs`
    """
    teacher.eval()

    @torch.inference_mode()
    def teacher_logits(inputs: torch.Tensor, indices: torch.Tensor, flipped: torch.Tensor) -> torch.Tensor:
        with mixed_precision(inputs.device):
            return teacher(inputs)

    return teacher_logits


# ## Evaluation

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


def wrong_indices(logits: torch.Tensor, labels: torch.Tensor) -> list[int]:
    """
    ### Indices where the highest logit is not the label's, for paired comparisons of models
    """
    return (logits.argmax(-1) != labels).nonzero().squeeze(1).tolist()


def mistakes(model: nn.Module, data: ImageData, split: str = 'test', batch_size: int = 500) -> list[int]:
    """
    ### Indices of the examples of `split` that `model` gets wrong
    """
    return wrong_indices(predict(model, data, getattr(data, f'{split}_images'), batch_size),
                         getattr(data, f'{split}_labels'))


def epoch_metrics(model: nn.Module, data: ImageData, batch_size: int) -> dict:
    """
    ### What an epoch records: validation metrics when there is a split, and test metrics

    The test metrics of every epoch are recorded so that the curves can be drawn; choices
    are made on the validation ones.
    """
    splits = ('valid', 'test') if data.valid_labels is not None else ('test',)
    return {f'{split}_{key}': value for split in splits
            for key, value in evaluate(model, data, batch_size, split).items()}


# ## Hooks
#
# Each hook is called at one place of the loop, named by what happens there. The defaults do
# nothing: one process, no checkpoints, no NaN stop, the teacher asked on every batch.

class Hooks:
    def teacher_logits(self, teacher: nn.Module, data: ImageData, configs: TrainConfigs):
        """
        ### Where the teacher's logits come from (the teacher cache replaces it)
        """
        return teacher_logits_for(teacher)

    def start(self, model: nn.Module, optimizer, schedule, generator) -> tuple[nn.Module, list, int, int]:
        """
        ### The model to step (shared among processes), the history so far, the step and the first epoch

        A resumed run restores all of them from its last checkpoint.
        """
        return model, [], 0, 1

    def batch(self, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """
        ### This process's share of a batch (all of it)
        """
        return tensors

    def after_step(self, loss: torch.Tensor, step: int):
        """
        ### After each step (the NaN watch remembers the first step whose loss was not finite)
        """

    def epoch_sums(self, epoch: int, step: int, *sums: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """
        ### The epoch's sums over every process (the NaN stop looks at them)
        """
        return sums

    def end_of_epoch(self, epoch: int, step: int, history: list, model: nn.Module, optimizer, schedule, generator):
        """
        ### After each epoch's evaluation (where the checkpoint is saved)
        """

    def untracked(self, history: list) -> list:
        """
        ### The epochs whose metrics labml has not recorded yet: the last one
        """
        return history[-1:]


# ## The loop

def fit(model: nn.Module, data: ImageData, configs: TrainConfigs,
        teacher: nn.Module | None = None, hooks: Hooks = Hooks()) -> tuple[list, int]:
    """
    ### Train for `configs.epochs`; returns the per-epoch history and the final step

    The step counts training examples seen.
    """
    device = data.train_labels.device
    # Draw the initial weights from the seed, so that the three students of a study start
    # from the same weights; one more generator, seeded alike, orders the batches
    make_deterministic(configs.seed)
    reset_parameters(model)
    generator = torch.Generator().manual_seed(configs.seed)
    # Adam with a cosine (or one-cycle) learning-rate schedule over all steps
    n_train = len(data.train_labels)
    steps_per_epoch = -(-n_train // configs.batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=configs.learning_rate)
    if configs.schedule == 'one_cycle':
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, configs.learning_rate,
                                                       total_steps=configs.epochs * steps_per_epoch)
    else:
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, configs.epochs * steps_per_epoch)
    # The teacher in evaluation mode, answering each batch
    teacher_logits = hooks.teacher_logits(teacher, data, configs) if teacher is not None else None
    # A new run starts at epoch 1; a resumed one where its last checkpoint ended
    network, history, step, first_epoch = hooks.start(model, optimizer, schedule, generator)

    for epoch in monit.loop(range(first_epoch, configs.epochs + 1)):
        model.train()
        # Augmentation draws from a generator of its own, seeded by the seed and the epoch, so
        # that a student that sees jittered digits sees them in the same order as one that does
        # not (a paired comparison), and a resumed run jitters its next epoch as before
        jitter = torch.Generator().manual_seed((configs.seed << 20) + epoch)
        # Sums over the epoch, kept as tensors so that we do not synchronise every step
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        for indices in monit.iterate('Train', list(batches(n_train, configs.batch_size, generator, device))):
            # Slice the batch from the data tensors and augment it if asked
            images, labels = data.train_images[indices], data.train_labels[indices]
            flipped = torch.zeros_like(labels, dtype=torch.bool)
            if configs.augment:
                images, flipped = data.augment(images, jitter)
            step += len(labels)
            images, labels, indices, flipped = hooks.batch(images, labels, indices, flipped)
            inputs = data.normalize(images)
            # The teacher's logits for this very batch, then the step
            targets = teacher_logits(inputs, indices, flipped) if teacher_logits else None
            loss, logits = training_step(network, optimizer, inputs, labels, targets, configs)
            schedule.step()
            hooks.after_step(loss, step)
            loss_sum += loss.detach() * len(labels)
            correct += (logits.argmax(-1) == labels).sum()
        loss_sum, correct = hooks.epoch_sums(epoch, step, loss_sum, correct)
        # Evaluate on the validation and test sets
        history.append({'epoch': epoch, 'step': step,
                        'train_loss': loss_sum.item() / n_train, 'train_accuracy': 100.0 * correct.item() / n_train,
                        **epoch_metrics(model, data, configs.eval_batch_size)})
        hooks.end_of_epoch(epoch, step, history, model, optimizer, schedule, generator)
        # Track the epoch's metrics with labml
        for record in hooks.untracked(history):
            tracker.save(record['step'], {f'{metric}.{split}': record[f'{split}_{metric}']
                                          for split in ('train', 'valid', 'test') for metric in ('loss', 'accuracy')
                                          if f'{split}_{metric}' in record})
    return history, step


def make_deterministic(seed: int):
    """
    ### Seed the global generator and ask for deterministic kernels

    `warn_only` keeps CUDA runs going where a kernel has no deterministic version.
    """
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def reset_parameters(model: nn.Module):
    """
    ### Re-initialise every layer that can be, from the (just seeded) global generator

    This makes the initial weights a function of `configs.seed` alone, whatever was drawn
    from the global generator before the model was built.
    """
    for module in model.modules():
        if hasattr(module, 'reset_parameters'):
            module.reset_parameters()
