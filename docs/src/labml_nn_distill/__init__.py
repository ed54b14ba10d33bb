r"""
---
title: Distilling the Knowledge in a Neural Network
summary: >
  An annotated PyTorch implementation of knowledge distillation (Hinton, Vinyals & Dean, 2015):
  soft targets, temperature, the T^2 scaling and the label term.
order: [large, small, dataset, train, experiment, paper, engineering, readme]
symbols:
  T: temperature
  \alpha: alpha
  p_i: teacher_log_p
  q_i: student_log_q
  z_i: student_logits
---

# Distilling the Knowledge in a Neural Network

This is a [PyTorch](https://pytorch.org) implementation/tutorial of the paper
[Distilling the Knowledge in a Neural Network](https://arxiv.org/abs/1503.02531)
by Geoffrey Hinton, Oriol Vinyals and Jeff Dean.

A large, well regularised model (or an ensemble) generalises better than a small model
trained on the same data and labels. Distillation trains the small model, the *student*,
to imitate the large one, the *teacher*, so that the student inherits part of the
teacher's generalisation while staying cheap to run.

## The whole method in one step

One step of training the student, complete: the teacher only answers, the student learns
from its answers and from the labels.

```python
import torch
from labml_nn_distill import (DistillationConfigs,
                              distillation_loss)


def distillation_step(teacher, student, optimizer,
                      images, labels,
                      configs=DistillationConfigs()):
    # The teacher answers: eval mode, no autograd
    teacher.eval()
    with torch.inference_mode():
        teacher_logits = teacher(images)
    # The student learns: train mode, with autograd
    student.train()
    student_logits = student(images)
    # Soft targets at T, weighted by alpha, + labels
    loss = distillation_loss(
        student_logits, teacher_logits, labels,
        configs.temperature, configs.alpha)
    # Gradient descent, on the student alone
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
```

The rest of this page explains `distillation_loss` and its two knobs, the temperature $T$
and the weight $\alpha$. Then the essay builds the rest: the [teacher](large.html), the
[student](small.html), the [data](dataset.html), the [training loop](train.html), whose
`training_step` is this step with the teacher's answers computed ahead, and
[the study](experiment.html) that measures what distillation is worth.

## Soft targets

A one-hot label says *what* a digit is. The teacher's output distribution also says what
it *resembles*: a trained network shown a $7$ gives $7$ a high probability, $2$ a small but
non-zero one, and almost nothing to the other digits. Those small probabilities describe a
similarity structure over the data that the labels do not carry, and the student can learn
from them. They are called *soft targets*; the labels are *hard targets*.

## Temperature

The teacher's small probabilities are tiny (say $10^{-6}$ against $10^{-9}$), so they barely
move a cross-entropy. Distillation raises the *temperature* $T$ of the softmax that turns
logits $z_i$ into probabilities,

$$q_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}$$

$T = 1$ is the ordinary softmax; a higher $T$ gives a softer distribution in which the
ratios between the wrong classes become visible. Teacher and student use the same $T$
while training the student; the student is used at $T = 1$ afterwards.

## The soft-target term and why it is scaled by $T^2$

Let $p_i$ be the teacher's probabilities at temperature $T$ and $q_i$ the student's. The
student minimises the cross-entropy $C = -\sum_i p_i \log q_i$ which, as $p$ does not depend
on the student, differs from $\mathrm{KL}(p \Vert q)$ only by a constant. Its gradient with
respect to the student's logit $z_i$ is

$$\frac{\partial C}{\partial z_i} = \frac{1}{T} \left(q_i - p_i\right)$$

When $T$ is large compared to the logits, and the logits of each model have zero mean,
$q_i \approx \big(1 + z_i / T\big) / N$ for $N$ classes, and likewise $p_i$ with the teacher's
logits $v_i$, so

$$\frac{\partial C}{\partial z_i} \approx \frac{1}{N T^2} \left(z_i - v_i\right)$$

The gradient shrinks as $1 / T^2$: one factor from the $1/T$ in front, one from the
differences between the probabilities. (In this limit distillation is matching the logits
with a squared error.) Multiplying the soft-target term by $T^2$ keeps its gradients at the
same scale whatever temperature we pick, so changing $T$ does not silently change the
learning rate or the balance against the label term.

## The hard-label term

If the true labels of the transfer set are known, it helps to also train the student to
predict them, with an ordinary cross-entropy at $T = 1$. The paper finds a considerably
lower weight on this term works best. With weight $\alpha$ on the soft term the loss is

$$\mathcal{L} = \alpha \, T^2 \, \mathrm{KL}\big(p^{(T)} \Vert q^{(T)}\big)
 + (1 - \alpha) \, \mathrm{CE}\big(q^{(1)}, y\big)$$

each averaged over the batch. Our default is $T = 8$ and $\alpha = 0.9$ (label weight $0.1$).
For a batch of $B$ examples the gradient of $\mathcal{L}$ with respect to the student's
logit $z_{b,i}$ is exactly

$$\frac{\partial \mathcal{L}}{\partial z_{b,i}} =
 \frac{\alpha \, T}{B} \left(q^{(T)}_{b,i} - p^{(T)}_{b,i}\right)
 + \frac{1 - \alpha}{B} \left(q^{(1)}_{b,i} - [i = y_b]\right)$$

which `tests/test_distill_loss.py` checks against autograd.

## The transfer set

The student learns from the teacher on a *transfer set*. It may be the teacher's own
training set, unlabelled data, or data the teacher has never seen; the teacher only needs
to produce logits for it. Here it is the training set itself, seen by the student without
the augmentation the teacher was trained with, so that the baseline student, the
distilled student and the label-smoothing control see exactly the same images and differ
only in their targets.

## Reading on

The essay, in order:

* [`large.py`](large.html): the teachers;
* [`small.py`](small.html): the students;
* [`dataset.py`](dataset.html): the data, kept as tensors, with batched augmentation;
* [`train.py`](train.html): the training loop and labml tracking;
* [`experiment.py`](experiment.html): the study, `python -m labml_nn_distill.experiment`.

Then two wings beside it:

* [The paper's experiments](paper/index.html): why the soft term is scaled by $T^2$, a
  temperature sweep, a student that never sees one digit, an ensemble of teachers, and the
  [results page](paper/results.html) with every measured number;
* [Engineering](engineering/index.html): files that survive a crash, checkpoints and resume,
  the teacher's outputs cached, torchrun, options and reporting. None of it is needed to
  follow the paper.

The [readme](readme.html) is the short version of this page, as on labml.ai.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F


# ## Configurations
#
# The two knobs of distillation, with the defaults used by the study.
@dataclass
class DistillationConfigs:
    # Temperature $T$ of the softmax for both teacher and student
    temperature: float = 8.0
    # Weight $\alpha$ of the soft-target term; the label term gets $1 - \alpha$
    alpha: float = 0.9


def log_soft_targets(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    r"""
    ### Log-probabilities at temperature $T$

    $\log q_i = z_i / T - \log \sum_j \exp(z_j / T)$, computed with `log_softmax`
    so that large logits do not overflow.
    """
    return F.log_softmax(logits / temperature, dim=-1)


def at_least_float32(logits: torch.Tensor) -> torch.Tensor:
    """
    ### 16-bit logits in float32; float32 and float64 as they are
    """
    return logits.to(torch.promote_types(logits.dtype, torch.float32))


def distillation_loss(student_logits: torch.Tensor,
                      teacher_logits: torch.Tensor,
                      labels: torch.Tensor,
                      temperature: float,
                      alpha: float) -> torch.Tensor:
    r"""
    ### The distillation loss

    * `student_logits` $z$ and `teacher_logits` $v$ have shape `[batch_size, n_classes]`
    * `labels` $y$ has shape `[batch_size]`

    Returns $\alpha T^2 \mathrm{KL}(p^{(T)} \Vert q^{(T)}) + (1 - \alpha) \mathrm{CE}(q^{(1)}, y)$,
    both averaged over the batch.
    """

    # The teacher gives targets, it is not trained here: cut the gradient to its logits.
    # Both in at least float32, so that the loss does not depend on autocast: logits that arrive
    # in float16 outside it (a model made `.half()`) give a per-example loss that, times $T^2$,
    # can pass float16's largest number, 65,504, and become infinite
    # ([pitfalls](paper/pitfalls.html#16-bit-losses))
    teacher_logits = at_least_float32(teacher_logits.detach())
    student_logits = at_least_float32(student_logits)
    # Log-probabilities of teacher ($\log p_i$) and student ($\log q_i$) at temperature $T$
    teacher_log_p = log_soft_targets(teacher_logits, temperature)
    student_log_q = log_soft_targets(student_logits, temperature)
    # $\mathrm{KL}(p \Vert q) = \sum_i p_i (\log p_i - \log q_i)$, summed over the classes and
    # averaged over the batch (`batchmean`), which is the mean KL per example
    soft_loss = F.kl_div(student_log_q, teacher_log_p, log_target=True, reduction='batchmean')
    # The hard-label cross-entropy at $T = 1$, averaged over the batch
    hard_loss = F.cross_entropy(student_logits, labels)
    # Weight the terms; $T^2$ restores the soft-target gradients to the scale of $T = 1$
    return alpha * temperature ** 2 * soft_loss + (1 - alpha) * hard_loss
