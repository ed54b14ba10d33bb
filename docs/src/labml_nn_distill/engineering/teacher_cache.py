r"""
---
title: Caching the teacher's outputs
summary: >
  The teacher runs once per distinct training input, in inference mode; its logits stay on the
  device and on disk, keyed by the teacher's weights, the data and the augmentation, so that a
  distillation step costs little more than training the student alone.
---

# Caching the teacher's outputs

The teacher is frozen while the student learns from it: it is in evaluation mode (no
dropout, batch normalisation with its running statistics), and nothing updates its weights.
Its logits are therefore a function of the input image alone. Running it on every batch of
every epoch recomputes the same numbers again and again, and the teacher is the large model:
in labml_nn's CIFAR-10 distillation step its forward pass is about two thirds of the time
of the step, although it needs no backward pass.

So we run the teacher once per *distinct* input, under `torch.inference_mode` (no autograd
records at all), and keep its logits, a `[views, n, classes]` tensor, on the device beside
the data. A batch of the distilled student then reads its targets with one indexing
operation, `logits[view, indices]`.

## What counts as a distinct input

* **No augmentation** (the students of the default study): each training image is seen as
  it is, so there is one view and the teacher runs once over the transfer set in total.
  The cached logits are *exactly* the ones the teacher would give on each batch.
* **Flips**: each image is seen as it is or mirrored, two views; the teacher runs twice over
  the transfer set, and a batch reads, image by image, the row of the view it was given.
  Still exact.
* **Random shifts** (jitter of digits by up to 2 pixels, CIFAR-10 crops padded by 4): an image
  has $(2m + 1)^2$ shifted versions, 25 for digits and 81 for CIFAR-10 (162 with flips).
  Caching all of them costs more teacher passes than the student has epochs, so it saves
  nothing. The cache holds the teacher's logits on the *unshifted* image (flipped when the
  batch flipped it), and the student, shown a shifted image, is pulled towards the teacher's
  view of the centred one. This is an approximation: a few pixels of shift barely move a
  trained teacher's top class, but they do move the small probabilities that carry what it
  knows about the other classes, and the targets are no longer the teacher's on the
  student's input. Where those small probabilities are all a student learns from, as on the
  [omitted class](../paper/omitted_class.html) page, whose students never see a 3, the approximation
  costs recognised 3s; that page runs the teacher on every batch.

`--teacher-logits per-batch` keeps the exact path: the teacher runs on every augmented
batch the student sees, as in the [training loop](../train.html#the-teachers-answers)
itself. `cached`, the default, is exact for the default study (its students see no
augmentation) and approximate only where the run shifts its images (the CIFAR-10
students). What it saves is the teacher's forward pass, most of an exact step when the
teacher is large: `benchmarks/bench_step.py` times a step with labml_nn's own CIFAR-10
models both ways, against labml_nn's own step, in one process, and `benchmarks/README.md`
has its numbers and the load they were measured under. On the default study the saving is
small in seconds (its teacher is a small CNN and the student an MLP), but it is there on
every distilled epoch.

## The key

A cache file is only valid for the same teacher weights, the same training images and the
same views. Its name is a SHA-256 digest of the teacher's class and state (every weight and
batch-norm statistic, so a different checkpoint gives a different file), the dataset's
name, normalisation, training images and labels, the views, and the device type (CUDA
computes the logits in bfloat16). The file lives in the labml logs folder,
`logs/teacher_cache/<digest>.pt`, so that a second study with the same teacher
(`--teacher-run UUID`) reuses it instead of running the teacher again. The file also holds
its digest, and ends with the SHA-256 of its bytes like every torch file we write: a file
that was damaged, edited, or copied under another file's name is computed again.
"""

import hashlib
from pathlib import Path

import torch
from labml import lab
from torch import nn

from labml_nn_distill.dataset import ImageData, batches
from labml_nn_distill.engineering import distributed
from labml_nn_distill.engineering.files import CorruptFile, load_torch, save_torch
from labml_nn_distill.train import mixed_precision, teacher_logits_for

# The two ways to get the teacher's logits for a batch (`--teacher-logits`)
TEACHER_LOGITS = ('cached', 'per-batch')


def teacher_logits_of(cached_logits: torch.Tensor, indices: torch.Tensor,
                      flipped: torch.Tensor | None = None) -> torch.Tensor:
    """
    ### The cached logits of a batch: rows `indices`, of the mirrored view where `flipped`

    `cached_logits` is `[views, n, classes]`: view 0 the images as they are, view 1 mirrored.
    """
    if flipped is None or len(cached_logits) == 1:
        return cached_logits[0, indices]
    return cached_logits[flipped.long(), indices]


def update_with_tensors(digest, tensors: dict[str, torch.Tensor]):
    """
    ### Feed names, shapes, types and bytes of tensors into a hash
    """
    for name, tensor in tensors.items():
        digest.update(f'{name}:{tuple(tensor.shape)}:{tensor.dtype};'.encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())


def cache_key(teacher: nn.Module, data: ImageData, flip: bool, device: torch.device) -> str:
    """
    ### The digest naming a cache file

    Everything the cached logits depend on: the teacher's weights, the data, the views.
    """
    digest = hashlib.sha256()
    # The teacher: its class and every tensor of its state (weights and batch-norm statistics)
    digest.update(f'{type(teacher).__module__}.{type(teacher).__qualname__};'.encode())
    update_with_tensors(digest, teacher.state_dict())
    # The transfer set: name, normalisation, images and labels
    digest.update(f'{data.name};{data.mean};{data.std};'.encode())
    update_with_tensors(digest, {'images': data.train_images, 'labels': data.train_labels})
    # The views, and the device type, which decides the precision of the logits
    digest.update(f'flip={flip};device={device.type}'.encode())
    return digest.hexdigest()


@torch.inference_mode()
def compute_teacher_logits(teacher: nn.Module, data: ImageData, flip: bool,
                           batch_size: int = 500) -> torch.Tensor:
    """
    ### Run the teacher over the training images, once per view

    Returns float32 logits `[views, n, classes]`.
    """
    teacher.eval()
    device = data.train_images.device
    views = []
    for mirrored in ((False, True) if flip else (False,)):
        logits = []
        for indices in batches(len(data.train_images), batch_size, device=device):
            images = data.train_images[indices]
            if mirrored:
                images = images.flip(-1)
            with mixed_precision(device):
                logits.append(teacher(data.normalize(images)).float())
        views.append(torch.cat(logits))
    return torch.stack(views)


def cached_teacher_outputs(teacher: nn.Module, data: ImageData, augment: bool,
                           batch_size: int = 500, cache_dir: Path | None = None) -> torch.Tensor:
    """
    ### The teacher's logits `[views, n, classes]`, read from the cache or computed and saved

    `augment` says whether the student's batches are augmented; the mirrored view is cached
    too when the dataset flips images. `cache_dir` defaults to `teacher_cache/` in the labml
    logs folder.
    """
    device = data.train_images.device
    flip = augment and data.flip
    cache_dir = Path(cache_dir or Path(lab.get_experiments_path()) / 'teacher_cache')
    key = cache_key(teacher, data, flip, device)
    path = cache_dir / f'{key}.pt'
    # Reuse the file when it is whole and holds its own key; another is computed again and replaced
    if path.is_file():
        try:
            cached = load_torch(path, map_location=device)
            if cached['key'] == key:
                return cached['logits']
            print(f'warning: the teacher cache {path} holds the logits of key {cached["key"]}; computing them again.')
        except (CorruptFile, KeyError) as error:
            print(f'warning: the teacher cache {path} is unusable ({error}); computing it again.')
    # Run the teacher once per view; the file keeps the logits on the CPU, written through the
    # [one writer](files.html), so two studies writing it at once each rename a whole file
    logits = compute_teacher_logits(teacher, data, flip, batch_size)
    save_torch(path, {'logits': logits.cpu(), 'key': key, 'teacher': type(teacher).__name__,
                      'dataset': data.name, 'flip': flip})
    return logits


def cache_is_exact(data: ImageData, augment: bool) -> bool:
    """
    ### Whether the cached views are every input the student sees: no random shifts
    """
    return not (augment and data.max_shift > 0)


def teacher_outputs(teacher: nn.Module, data: ImageData, augment: bool, how: str, batch_size: int = 500):
    """
    ### The function that gives the teacher's logits for a batch, `cached` or `per-batch`

    It takes the batch's normalised `inputs`, its `indices` into the training set and which
    images were `flipped`. `per-batch` is the [training loop's own](../train.html#the-teachers-answers).
    The cache is computed by the first process of a [distributed](distributed.html) run and
    sent to the others.
    """
    if how not in TEACHER_LOGITS:
        raise ValueError(f'teacher_logits must be one of {", ".join(TEACHER_LOGITS)}, not {how!r}')
    if how == 'per-batch':
        return teacher_logits_for(teacher)
    cached = distributed.computed_once(
        lambda: cached_teacher_outputs(teacher, data, augment, batch_size), data.train_labels.device)
    return lambda inputs, indices, flipped: teacher_logits_of(cached, indices, flipped)
