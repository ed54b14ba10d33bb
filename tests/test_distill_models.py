"""The teachers and students: shapes and parameter counts of the published setups."""
import torch

from labml_nn_distill.large import CifarTeacher, MnistTeacher, count_parameters
from labml_nn_distill.small import CifarStudent, MnistStudent


def test_cifar_teacher_has_about_14_7_million_parameters():
    assert 14_650_000 < count_parameters(CifarTeacher()) < 14_750_000


def test_cifar_student_has_about_437_thousand_parameters():
    assert 435_000 < count_parameters(CifarStudent()) < 440_000


def test_mnist_student_is_the_784_800_800_10_mlp():
    assert count_parameters(MnistStudent()) == 784 * 800 + 800 + 800 * 800 + 800 + 800 * 10 + 10


def test_models_map_images_to_ten_logits():
    for model, shape in ((MnistTeacher(), (2, 1, 28, 28)), (MnistStudent(), (2, 1, 28, 28)),
                         (CifarTeacher(), (2, 3, 32, 32)), (CifarStudent(), (2, 3, 32, 32))):
        model.eval()
        assert model(torch.zeros(shape)).shape == (2, 10)
