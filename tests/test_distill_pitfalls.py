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


def test_kl_div_with_log_target_given_probabilities_is_not_zero_for_equal_distributions():
    assert '## `kl_div` with `log_target=True`, given probabilities' in PAGE
    logits = logits_pair()[0]
    log_p, p = F.log_softmax(logits, -1), F.softmax(logits, -1)
    right = F.kl_div(log_p, log_p, reduction='batchmean', log_target=True)
    wrong = F.kl_div(log_p, p, reduction='batchmean', log_target=True)
    assert right.abs() < 1e-12
    # Each probability read as a log-probability: the "target" e^p sums to far more than 1
    assert torch.exp(p).sum(-1).min() > 10 and wrong.abs() > 1


def test_swapped_kl_div_arguments_give_the_reverse_divergence():
    assert '## Input and target swapped' in PAGE
    teacher, student = logits_pair(seed=1)
    p, q = F.softmax(teacher, -1), F.softmax(student, -1)
    forward = F.kl_div(F.log_softmax(student, -1), p, reduction='batchmean')
    swapped = F.kl_div(F.log_softmax(teacher, -1), q, reduction='batchmean')
    assert torch.allclose(forward, (p * (p.log() - q.log())).sum(-1).mean())
    assert torch.allclose(swapped, (q * (q.log() - p.log())).sum(-1).mean())
    assert not torch.allclose(forward, swapped, rtol=0.01)
    # The reverse divergence hardly charges for a class the student gives almost nothing,
    # however much the teacher gives it
    p = torch.tensor([[0.5, 0.3, 0.2]], dtype=torch.float64)
    q = torch.tensor([[0.7, 0.3 - 1e-9, 1e-9]], dtype=torch.float64)
    assert F.kl_div(p.log(), q, reduction='batchmean') < F.kl_div(q.log(), p, reduction='batchmean') / 5


def test_sixteen_bit_losses_overflow_by_the_per_example_loss_not_by_autocast():
    assert '## 16-bit losses' in PAGE
    # bfloat16 has float32's range; float16 stops at 65,504
    assert torch.finfo(torch.bfloat16).max > 3e38 and torch.finfo(torch.float16).max == 65504
    # Under the CPU's autocast the losses come out in float32
    logits = torch.randn(4, 10)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        half = nn.Linear(10, 10)(logits)
        assert half.dtype == torch.bfloat16
        assert F.cross_entropy(half, torch.zeros(4, dtype=torch.long)).dtype == torch.float32
        assert F.kl_div(F.log_softmax(half, -1), F.softmax(half.float(), -1), reduction='batchmean').dtype == torch.float32
    # Outside autocast, a divergence of 200 times T^2 = 400 is infinite in float16
    assert torch.isinf(torch.tensor(200.0, dtype=torch.float16) * 400)
    # A student far from its teacher, in float16 by hand: the per-example soft loss overflows,
    # and our loss, which goes to float32 first, does not
    from labml_nn_distill import distillation_loss
    teacher = torch.tensor([[2000.0, -2000.0] + [0.0] * 8], dtype=torch.float16)
    student = torch.tensor([[-2000.0, 2000.0] + [0.0] * 8], dtype=torch.float16)
    divergence = F.kl_div(F.log_softmax(student / 20, -1), F.softmax(teacher / 20, -1), reduction='sum')
    assert torch.isfinite(divergence) and divergence > 160
    assert torch.isinf(divergence * 400)
    loss = distillation_loss(student, teacher, torch.tensor([0]), temperature=20.0, alpha=0.9)
    assert torch.isfinite(loss)
