r"""
---
title: One way out of every command
summary: >
  Every command of the project (the study, fetching the full MNIST, each page of the paper)
  ends the same way: one line and a fixed exit status on a mistake of the user, on memory
  running out, on Ctrl-C or on SIGTERM; its locks released; never a traceback for any of them.
---

# One way out of every command

A command that stops half way should say, in one line, why and what to do next. A
traceback is for a bug in the code; a missing dataset, a folder that cannot be written, a
full disk, a run that cannot be resumed are the user's to fix, and they deserve a sentence.

Each command is a function `main(argv)` that parses its options and does its work, raising
`UserError` (or the data page's `DataError`) when the user has something to fix. Library
code never calls `sys.exit`: tests and notebooks call `main` and get the exception. Run as a
program, the module hands `main` to `run_command`, which turns the ways a command can end
into exit statuses, the same for every command:

* it finished: status 0, and what it measured;
* a mistake the user can fix (`UserError`, `DataError`): status 2, `error:` and one paragraph;
* a file that cannot be written (a full disk, a read-only folder, no permission): status 2,
  the file, why, and the command that continues;
* memory ran out (GPU or CPU): status 3, which memory, and which batch size to lower;
* Ctrl-C: status 130, that it stopped, and the command that continues;
* SIGTERM (`docker stop`, Slurm, `kill`): status 143, the same.

SIGTERM is turned into an exception, so that it unwinds the command like Ctrl-C does: the
run's lock and the output folder's lock are released, and the files written so far stay
whole (every file goes through [the one writer](files.html)). A run killed either way
continues with `--resume`; the [run engine](runs.html) knows the uuid to name.
"""

import errno
import signal
import sys

import torch

from labml_nn_distill.dataset import DataError
from labml_nn_distill.engineering import UserError, distributed, first_line, options, runs
from labml_nn_distill.engineering.files import DiskFull, release_locks


class Terminated(BaseException):
    """
    ### SIGTERM, raised where the process is, like `KeyboardInterrupt` for Ctrl-C

    A `BaseException`, so that no `except Exception` on the way swallows it.
    """


def raise_terminated(signum, frame):
    raise Terminated()


# Statuses of the list above
USER_ERROR, OUT_OF_MEMORY, INTERRUPTED, TERMINATED = 2, 3, 130, 143
# The errors of a file system the user can fix: no permission, a read-only disk, no space
WRITE_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def run_command(main, argv: list[str] | None = None):
    """
    ### Run `main(argv)` as a program, and exit with the status of how it ended
    """
    sys.exit(exit_status(main, argv))


def exit_status(main, argv: list[str] | None = None) -> int:
    """
    ### Run `main(argv)`; print one line for each way it can stop; return the exit status
    """
    # What an earlier command in this process parsed and ran is not this one's
    options.forget_parsed()
    runs.forget_runs()
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        main(argv)
        return 0
    except DiskFull as error:
        return report(f'error: {error} {how_to_continue()}', USER_ERROR)
    except (UserError, DataError) as error:
        return report(f'error: {error}', USER_ERROR)
    except (torch.cuda.OutOfMemoryError, MemoryError, RuntimeError) as error:
        if not out_of_memory(error):
            raise
        return report(f'error: {out_of_memory_advice(error)}', OUT_OF_MEMORY)
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        where = f' {error.filename}' if error.filename else ''
        return report(f'error: cannot write{where}: {error.strerror or error}; make it writable, or pass '
                      f'another folder. {how_to_continue()}', USER_ERROR)
    except KeyboardInterrupt:
        return report(f'Interrupted. {how_to_continue()}', INTERRUPTED)
    except Terminated:
        return report(f'Terminated (SIGTERM). {how_to_continue()}', TERMINATED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        release_locks()
        distributed.finish()


def report(message: str, status: int) -> int:
    print(message, file=sys.stderr)
    return status


def how_to_continue() -> str:
    """
    ### The sentence that says how to go on after a stop

    The [run engine](runs.html) remembers the runs of the command in this process, and
    so the command that continues them.
    """
    command = runs.resume_command()
    if command is None:
        return 'Nothing was trained yet; run the same command again.'
    return f'The files written so far are whole; continue with: {command}'


# ## Out of memory

def out_of_memory(error: BaseException) -> bool:
    """
    ### Whether an error is the GPU's or the CPU's memory running out

    torch reports a failed CPU allocation as a `RuntimeError` from its `DefaultCPUAllocator`.
    """
    return (isinstance(error, (torch.cuda.OutOfMemoryError, MemoryError))
            or 'DefaultCPUAllocator' in str(error) or "can't allocate memory" in str(error))


def out_of_memory_advice(error: BaseException) -> str:
    """
    ### What to do when memory ran out, in words that work for a new run and for a resumed one

    A resumed run keeps its training batch (the batch size decides the steps), so the one
    size it may lower is the evaluation batch's. The sizes are the command's, as its
    [options](options.html) parsed them.
    """
    parsed = vars(options.last_parsed()) if options.last_parsed() is not None else {}
    batch, evaluation = parsed.get('batch_size'), parsed.get('eval_batch_size')
    where = 'the GPU' if isinstance(error, torch.cuda.OutOfMemoryError) else 'the CPU memory'
    # The command that continues, with the uuid of this command's first run, when one started
    command = runs.resume_command()
    if batch is None or evaluation is None:
        again = f'continue with: {command}' if command else 'run the same command again'
        return (f'{where} ran out ({first_line(error)}). Close other programs using it, or run on a '
                f'larger machine; the runs finished so far are kept; {again}.')
    smaller = f'--eval-batch-size {max(1, evaluation // 4)}'
    again = f'continue with: {command} {smaller}' if command else f'run the same command again with {smaller}'
    return (f'{where} ran out ({first_line(error)}) with --batch-size {batch} and --eval-batch-size '
            f'{evaluation}. If it happened while evaluating or computing the teacher cache, '
            f'{again} (the evaluation batch may change on resume). If it happened in a training step, '
            f'a resumed run needs its --batch-size: share each batch among several GPUs with torchrun '
            f'--nproc_per_node N, or start a new study with --batch-size {max(1, batch // 2)}.')
