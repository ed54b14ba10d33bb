r"""
---
title: The teachers
summary: >
  Large, regularised models whose soft targets the students learn from: a small CNN with
  dropout for MNIST-shaped digits and a VGG-style network with dropout for CIFAR-10.
---

# The teachers

A teacher should generalise well; it does not need to be cheap. Both teachers here are
regularised with dropout, and the training loop adds augmentation (pixel jitter for digits,
random crops and flips for CIFAR-10), the two regularisers the paper uses for its large
models.

* `MnistTeacher`, for $1 \times 28 \times 28$ digits: two stages of two $3 \times 3$
  convolutions and a max-pool, then a dropout-regularised classifier. About 1.7M parameters,
  more than the student MLP, and above all a better *prior* for images: convolutions share
  weights across positions, which suits a few thousand digits better than an MLP's
  independent weight per pixel.
  It is **not the paper's teacher**, which is a fully connected 784-1200-1200-10 network
  trained on all 60,000 digits; we use a CNN because the default study has only the
  embedded 5,000 digits and a few minutes of CPU.
* `PaperTeacher`, the paper's own teacher: that 784-1200-1200-10 network, with dropout and a
  bound on the length of each unit's weights. [The paper's MNIST experiment](paper/mnist.html)
  trains it on the full MNIST.
* `CifarTeacher`, for $3 \times 32 \times 32$ images: the VGG-16 layout of convolutions
  (`64, 64 | 128, 128 | 256 x 3 | 512 x 3 | 512 x 3`, a max-pool after each group), each
  convolution preceded by dropout and followed by batch normalisation, then one linear layer.
  About 14.7M parameters, the large model of labml_nn's CIFAR-10 distillation experiment.
"""

import torch
from torch import nn


def count_parameters(model: nn.Module) -> int:
    """
    ### Number of trainable parameters
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MnistTeacher(nn.Module):
    """
    ### A small CNN with dropout for digits
    """

    def __init__(self, n_classes: int = 10, dropout: float = 0.5):
        super().__init__()
        # Features: $28 \times 28 \to 14 \times 14 \to 7 \times 7$, with 32 then 64 channels
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        # Classifier: dropout before each linear layer, as in the paper's large nets
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(64 * 7 * 7, 512), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(512, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # `x` is a batch of normalised images `[batch_size, 1, 28, 28]`; return logits
        return self.classifier(self.features(x))


def vgg_features(groups: list[list[int]], dropout: float) -> nn.Sequential:
    r"""
    ### VGG-style convolutional stack

    `groups` lists the output channels of the $3 \times 3$ convolutions of each group;
    every group ends with a $2 \times 2$ max-pool that halves the image. Each convolution
    is preceded by dropout (when `dropout > 0`) and followed by batch normalisation and ReLU.
    """
    layers = []
    in_channels = 3
    for group in groups:
        for out_channels in group:
            # Dropout on the input of the convolution regularises the teacher
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1),
                       nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
            in_channels = out_channels
        layers.append(nn.MaxPool2d(2))
    # Five groups take $32 \times 32$ down to $1 \times 1$; flatten to `[batch_size, channels]`
    layers.append(nn.Flatten())
    return nn.Sequential(*layers)


class CifarTeacher(nn.Module):
    """
    ### VGG-16-style teacher with dropout for CIFAR-10
    """

    def __init__(self, n_classes: int = 10, dropout: float = 0.1):
        super().__init__()
        # The VGG-16 convolutions
        self.features = vgg_features([[64, 64], [128, 128], [256, 256, 256],
                                      [512, 512, 512], [512, 512, 512]], dropout)
        # One linear layer from the 512 features to the logits
        self.classifier = nn.Linear(512, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class PaperTeacher(nn.Module):
    r"""
    ### The paper's teacher: MLP 784-1200-1200-10 with dropout and a max-norm bound

    Dropout drops 10 % of the input pixels and 30 % of each hidden layer's units. After every
    step of training, each unit's vector of incoming weights is scaled back to length at most
    `max_norm` (3.5), the constraint of Srivastava et al. that lets dropout nets train with large
    learning rates. We apply it just before each training forward pass, which is the same
    as after each step, and once more when the model is put in evaluation mode.
    """

    def __init__(self, hidden: int = 1200, input_dropout: float = 0.1, dropout: float = 0.3,
                 max_norm: float = 3.5, n_classes: int = 10):
        super().__init__()
        self.max_norm = max_norm
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Dropout(input_dropout),
            nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    @torch.no_grad()
    def constrain(self):
        """
        ### Scale each row of every weight matrix (a unit's incoming weights) to norm at most `max_norm`
        """
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                layer.weight.renorm_(2, 0, self.max_norm)

    def train(self, mode: bool = True):
        # The last step's update is bounded too before the model is used
        if not mode:
            self.constrain()
        return super().train(mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.constrain()
        return self.layers(x)


# Print the parameter counts with `python -m labml_nn_distill.large`
if __name__ == '__main__':
    for model in (MnistTeacher(), CifarTeacher(), PaperTeacher()):
        print(f'{type(model).__name__}: {count_parameters(model):,} parameters')
