r"""
---
title: The students
summary: >
  Small models trained from the teachers' soft targets: the paper's 784-800-800-10 MLP for
  digits, and a small VGG-style network for CIFAR-10.
---

# The students

* `MnistStudent`: the paper's small net for MNIST, a fully connected network with two hidden
  layers of 800 rectified linear units, *without any regularisation*: no dropout, no weight
  decay, no augmentation. Trained on the labels alone it overfits the small training set;
  the paper shows soft targets regularise it (146 test errors with labels only, 74 when
  distilled at $T = 20$, on the full 60,000 digits).
* `CifarStudent`: the same VGG layout as the CIFAR teacher with far fewer channels
  (`32, 32 | 64, 64 | 128 | 128 | 128`) and no dropout, about 437K parameters, the small
  model of labml_nn's CIFAR-10 experiment; 34 times fewer parameters than its teacher.
"""

import torch
from torch import nn

from labml_nn_distill.large import count_parameters, vgg_features


class MnistStudent(nn.Module):
    """
    ### MLP 784-800-800-10
    """

    def __init__(self, n_classes: int = 10, hidden: int = 800):
        super().__init__()
        # Flatten the $28 \times 28$ image to 784 inputs; two hidden ReLU layers of 800 units
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class CifarStudent(nn.Module):
    """
    ### Small VGG-style student for CIFAR-10
    """

    def __init__(self, n_classes: int = 10):
        super().__init__()
        # Five groups, as in the teacher, with 1 or 2 narrow convolutions each and no dropout
        self.features = vgg_features([[32, 32], [64, 64], [128], [128], [128]], dropout=0.0)
        # One linear layer from the 128 features to the logits
        self.classifier = nn.Linear(128, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


# Print the parameter counts with `python -m labml_nn_distill.small`
if __name__ == '__main__':
    for model in (MnistStudent(), CifarStudent()):
        print(f'{type(model).__name__}: {count_parameters(model):,} parameters')
