"""The distillation loss: its value, its exact gradient, and the T^2 scaling."""
import pytest
import torch
import torch.nn.functional as F

from labml_nn_distill import DistillationConfigs, distillation_loss


def random_batch(batch_size=16, n_classes=10, scale=1.0, seed=0):
    generator = torch.Generator().manual_seed(seed)
    student = torch.randn(batch_size, n_classes, generator=generator, dtype=torch.float64) * scale
    teacher = torch.randn(batch_size, n_classes, generator=generator, dtype=torch.float64) * scale
    labels = torch.randint(0, n_classes, (batch_size,), generator=generator)
    return student, teacher, labels


def test_defaults_are_temperature_8_and_alpha_0_9():
    assert DistillationConfigs() == DistillationConfigs(temperature=8.0, alpha=0.9)


@pytest.mark.parametrize('temperature', [1.0, 4.0, 8.0, 20.0])
def test_soft_loss_is_zero_when_student_equals_teacher(temperature):
    student, _, labels = random_batch(scale=5.0)
    loss = distillation_loss(student, student.clone(), labels, temperature, alpha=1.0)
    assert abs(loss.item()) < 1e-12


def test_soft_loss_is_positive_when_student_differs():
    student, teacher, labels = random_batch()
    assert distillation_loss(student, teacher, labels, 8.0, alpha=1.0).item() > 0


@pytest.mark.parametrize('temperature,alpha', [(1.0, 0.5), (8.0, 0.9), (20.0, 0.3), (2.0, 0.0), (4.0, 1.0)])
def test_gradient_matches_documented_formula(temperature, alpha):
    student, teacher, labels = random_batch(batch_size=7, scale=3.0)
    student.requires_grad_(True)
    distillation_loss(student, teacher, labels, temperature, alpha).backward()
    batch_size, n_classes = student.shape
    q_t = F.softmax(student.detach() / temperature, -1)
    p_t = F.softmax(teacher / temperature, -1)
    q_1 = F.softmax(student.detach(), -1)
    one_hot = F.one_hot(labels, n_classes).double()
    # dL/dz = alpha T (q^T - p^T) / B + (1 - alpha) (q^1 - y) / B
    expected = alpha * temperature * (q_t - p_t) / batch_size + (1 - alpha) * (q_1 - one_hot) / batch_size
    torch.testing.assert_close(student.grad, expected, rtol=1e-10, atol=1e-12)


def test_teacher_logits_receive_no_gradient():
    student, teacher, labels = random_batch()
    teacher.requires_grad_(True)
    student.requires_grad_(True)
    distillation_loss(student, teacher, labels, 8.0, 0.9).backward()
    assert teacher.grad is None


def test_t_squared_keeps_soft_gradient_scale_constant_across_temperatures():
    student, teacher, labels = random_batch(batch_size=64, scale=1.0)
    scaled, unscaled = [], []
    for temperature in (4.0, 8.0, 16.0, 32.0):
        logits = student.clone().requires_grad_(True)
        distillation_loss(logits, teacher, labels, temperature, alpha=1.0).backward()
        scaled.append(logits.grad.norm().item())
        unscaled.append(logits.grad.norm().item() / temperature ** 2)
    # With T^2 the gradient norm barely moves (within 15 % over an 8x range of T)...
    assert max(scaled) / min(scaled) < 1.15
    # ...without it, it falls as 1/T^2: 64x from T=4 to T=32
    assert unscaled[0] / unscaled[-1] == pytest.approx(64, rel=0.15)


def test_sixteen_bit_logits_are_upcast_inside_the_loss():
    # Logits of about 1,000 in float16: the batch's sum of cross-entropies (~100,000) is past
    # float16's largest value, so the loss is infinite unless it is computed in float32
    generator = torch.Generator().manual_seed(0)
    student = (torch.randn(64, 10, generator=generator) * 1000).half()
    teacher = (torch.randn(64, 10, generator=generator) * 1000).half()
    labels = torch.arange(64) % 10
    assert not torch.isfinite(F.cross_entropy(student, labels))
    loss = distillation_loss(student, teacher, labels, 8.0, 0.9)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert loss.item() == pytest.approx(distillation_loss(student.float(), teacher.float(), labels, 8.0, 0.9).item())
