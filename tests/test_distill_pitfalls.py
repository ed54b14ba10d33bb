"""The statements of paper/pitfalls.md that code can check."""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labml_nn_distill import log_soft_targets
from labml_nn_distill.large import PaperTeacher

PAGE = (Path(__file__).parent.parent / 'labml_nn_distill' / 'paper' / 'pitfalls.md').read_text()


def logits_pair(batch_size=16, n_classes=10, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(batch_size, n_classes, generator=generator, dtype=torch.float64) * 3,
            torch.randn(batch_size, n_classes, generator=generator, dtype=torch.float64) * 3)


def test_kl_div_mean_divides_by_the_classes_as_well():
    student, teacher = logits_pair()
    log_q, log_p = F.log_softmax(student, -1), F.log_softmax(teacher, -1)
    mean = nn.KLDivLoss(log_target=True)(log_q, log_p)
    batchmean = nn.KLDivLoss(log_target=True, reduction='batchmean')(log_q, log_p)
    assert mean.item() == pytest.approx(batchmean.item() / 10)


def test_labml_nn_weights_are_alpha_four_ninths_with_scale_nine_tenths():
    # labml_nn: 100 * KLDivLoss() (mean) at T = 5, plus 0.5 * cross-entropy
    student, teacher = logits_pair(seed=1)
    labels = torch.arange(16) % 10
    temperature = 5.0
    log_q, log_p = log_soft_targets(student, temperature), log_soft_targets(teacher, temperature)
    labml_nn = 100 * nn.KLDivLoss(log_target=True)(log_q, log_p) + 0.5 * F.cross_entropy(student, labels)
    alpha, scale = 4 / 9, 0.9
    ours = scale * (alpha * temperature ** 2 * F.kl_div(log_q, log_p, log_target=True, reduction='batchmean')
                    + (1 - alpha) * F.cross_entropy(student, labels))
    assert labml_nn.item() == pytest.approx(ours.item())
    assert '4/9' in PAGE and '100 / 10 = 10' in PAGE


def adam_weights(loss_scale: float) -> torch.Tensor:
    torch.manual_seed(0)
    model = nn.Linear(20, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        inputs = torch.randn(32, 20, generator=generator)
        targets = log_soft_targets(torch.randn(32, 10, generator=generator) * 3, 4.0)
        loss = F.kl_div(log_soft_targets(model(inputs), 4.0), targets, log_target=True, reduction='batchmean')
        optimizer.zero_grad()
        (loss_scale * loss).backward()
        optimizer.step()
    return model.weight.detach().clone()


def test_scaling_the_whole_loss_by_t_squared_barely_changes_adam_but_scales_sgd_steps():
    one, scaled = adam_weights(1.0), adam_weights(400.0)
    torch.manual_seed(0)
    start = nn.Linear(20, 10).weight.detach()
    # Adam's steps are the same up to its epsilon: the weights moved, and by the same amounts
    assert (one - start).abs().max() > 0.05
    assert (one - scaled).abs().max() < 1e-3 * (one - start).abs().max()


def test_temperature_below_one_sharpens_the_targets():
    _, teacher = logits_pair(seed=2)

    def entropy(t):
        log_p = log_soft_targets(teacher, t)
        return float(-(log_p.exp() * log_p).sum(-1).mean())
    assert entropy(0.5) < entropy(1.0) < entropy(4.0)


def test_a_teacher_in_training_mode_gives_noisy_targets():
    teacher = PaperTeacher()
    inputs = torch.rand(8, 1, 28, 28)
    teacher.train()
    assert not torch.equal(teacher(inputs), teacher(inputs))
    teacher.eval()
    assert torch.equal(teacher(inputs), teacher(inputs))
