r"""
---
title: Engineering
summary: >
  What makes the study robust and fast rather than what it teaches: files that are whole
  or absent, checkpoints and resume, the teacher's outputs cached, several processes with
  torchrun, options, results files and plots. None of it is needed to follow the paper.
order: [files, checkpoint, teacher_cache, distributed, options, report]
---

# Engineering

The [essay](../index.html) and the [paper's experiments](../paper/index.html) teach
distillation. This wing holds what a study needs to run for an hour on a shared machine,
survive a kill, and publish numbers someone else can check. You can read the tutorial
without it: every page of the essay calls into these pages in one line, and says what the
call does.

* [Files that are whole or absent](files.html): one writer for every file the project
  writes (a temporary file, flushed to the disk, renamed into place, with a checksum where
  the file is binary);
* [Checkpoints that survive a kill](checkpoint.html): the labml run's folder, its
  checkpoints, resuming a run and a whole study, and finding a run by its uuid;
* [The teacher's outputs, cached](teacher_cache.html): the teacher runs once per distinct
  input instead of on every batch;
* [Several processes with torchrun](distributed.html): each process takes a share of every
  batch;
* [Options](options.html): the command-line options that the study and every paper page
  share, each defined and checked once;
* [Results files and plots](report.html): the results JSON, deterministic SVG plots, the
  mean $\pm$ sd formatter, and the blocks of the results page.

Two small things every page of the wing uses are defined here.
"""

import contextlib

import torch


class UserError(Exception):
    """
    ### An error whose message is for the person running the study

    The study prints its message, one paragraph saying what is wrong and what to do,
    and exits with a non-zero status instead of a traceback.
    """


def mixed_precision(device: torch.device):
    """
    ### bfloat16 autocast on CUDA, nothing on the CPU

    On a GPU, matrix products and convolutions in bfloat16 are several times faster and keep
    float32's range; autocast leaves softmaxes and losses in float32. On the CPU we keep
    float32, which is also what keeps the CPU path deterministic and exact.
    """
    if device.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.bfloat16)
    return contextlib.nullcontext()
