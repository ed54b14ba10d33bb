r"""
---
title: Files that are whole or absent
summary: >
  One writer for every file the project writes: a temporary file, flushed to the disk and
  renamed into place; torch files end with a SHA-256 of their bytes, checked on reading.
---

# Files that are whole or absent

A process can be killed while it writes, a disk can fill up, a file can be copied badly.
Every file the project writes (a checkpoint's `state.pt` and `model.pt`, a teacher-cache
file, a results JSON) goes through the one function below, so that whoever reads it finds
either the whole file or no file at all:

1. write the bytes to a temporary file beside the final one, named with the process id so
   that two processes never write the same temporary file;
2. flush it to the disk (`fsync`), so that the bytes are there before the name is;
3. rename it over the final name (a rename within a folder is atomic), and flush the
   folder so that the new name survives a crash too.

That covers a kill in the middle of writing. A file damaged *later* (a full disk when it was
copied, a bad sector) is caught by a checksum: the torch files end with a marker and the
SHA-256 of everything before it, and reading checks it before `torch.load` sees a byte.
JSON files are for people and tools to read, so they carry no footer.

A full disk is the one failure of writing that the user can fix: the temporary file is
removed, and the run stops at once with the file and the free space named, so that it can
be resumed once there is room. A temporary file whose process is gone is removed the next
time the same file is written.

Two processes must never write one run or one output folder at a time: each takes a lock
on the folder (`writer.lock`, an advisory `flock` that the system releases when its
process dies, even by `kill -9`), and a second writer stops naming the first.
"""

import errno
import fcntl
import glob
import hashlib
import io
import json
import os
import shutil
import signal
from pathlib import Path

import torch

from labml_nn_distill.engineering import UserError

# The last bytes of a torch file: a marker and the SHA-256 of everything before it
FOOTER_MARKER = b'SHA256'
FOOTER_SIZE = len(FOOTER_MARKER) + hashlib.sha256().digest_size
# Tests set this to `N` to kill the process in the middle of writing its `N`-th file
KILL_DURING_SAVE = 'LABML_NN_DISTILL_KILL_DURING_SAVE'

# The lock file of a folder that one process writes at a time
LOCK_FILE = 'writer.lock'

_writes = 0
# The locks this process holds, released together when a command ends
_held_locks = []


class CorruptFile(Exception):
    """
    ### A file that is cut short, damaged, or not one of ours
    """


def fsync_folder(folder: Path):
    """
    ### Flush a folder's entries (a new or renamed file) to the disk, where the platform allows
    """
    if hasattr(os, 'O_DIRECTORY'):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomically(path: Path, content: bytes):
    """
    ### Write `content` to `path` so that `path` is either whole or absent

    A temporary file carries its process's id, so two processes never write the same one.
    """
    global _writes
    _writes += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    temporary = path.with_name(f'{path.name}.{os.getpid()}.tmp')
    try:
        with open(temporary, 'wb') as file:
            # The test hook: write half of the file, make it reach the disk, and die
            if os.environ.get(KILL_DURING_SAVE) == str(_writes):
                file.write(content[:len(content) // 2])
                file.flush()
                os.fsync(file.fileno())
                os.kill(os.getpid(), signal.SIGKILL)
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise DiskFull(f'Cannot write {path}: {error.strerror} ({free_space(path.parent)} free '
                           f'there, {size_text(len(content))} needed). Nothing was left '
                           f'half-written; free some space.') from None
        raise
    fsync_folder(path.parent)


class DiskFull(UserError):
    """
    ### The disk (or the user's quota, or the file size limit) has no room for a file
    """


def size_text(size: int) -> str:
    """
    ### A number of bytes as people read it: `512 bytes`, `3.4 KiB`, `17.2 MiB`, `1.5 GiB`
    """
    if size < 1024:
        return f'{size} bytes'
    for unit in ('KiB', 'MiB', 'GiB'):
        size /= 1024
        if size < 1024 or unit == 'GiB':
            return f'{size:.1f} {unit}'


def free_space(folder: Path) -> str:
    """
    ### The free space of the disk holding `folder`, in words
    """
    try:
        return size_text(shutil.disk_usage(folder).free)
    except OSError:
        return 'unknown space'


def remove_stale_temporaries(path: Path):
    """
    ### Remove the temporary files of `path` that processes no longer alive left behind
    """
    for temporary in path.parent.glob(f'{glob.escape(path.name)}.*.tmp'):
        pid = temporary.name[len(path.name) + 1:-len('.tmp')]
        if pid.isdigit() and not process_alive(int(pid)):
            temporary.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """
    ### Whether a process with this id runs on this machine
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_folder(folder: Path, what: str):
    """
    ### Make this process the only writer of `folder`, or stop naming the one that is

    Returns the open lock file: the lock lasts until it is closed or the process ends.
    `what` names the folder in the message (`The labml run`, `The output folder`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK_FILE, 'a+')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or 'unknown'
        handle.close()
        raise UserError(f'{what} {folder} is being written by process {owner}, which is still '
                        f'running (it holds {folder / LOCK_FILE}). Wait for it to end, or stop it, '
                        f'before starting another; two writers would lose each other\'s files.') from None
    handle.seek(0)
    handle.truncate()
    handle.write(f'{os.getpid()}\n')
    handle.flush()
    _held_locks.append(handle)
    return handle


def release_locks():
    """
    ### Release every lock this process still holds (the end of a command, however it ended)
    """
    while _held_locks:
        _held_locks.pop().close()


def torch_bytes(value: dict) -> bytes:
    """
    ### A torch file's bytes: `torch.save`'s, then the marker and their SHA-256
    """
    buffer = io.BytesIO()
    torch.save(value, buffer)
    payload = buffer.getvalue()
    return payload + FOOTER_MARKER + hashlib.sha256(payload).digest()


def save_torch(path: Path, value: dict):
    """
    ### Save tensors and plain values to `path`, whole or not at all, with their checksum
    """
    write_atomically(path, torch_bytes(value))


def load_torch(path: Path, map_location='cpu') -> dict:
    """
    ### Read a file that `save_torch` wrote, after checking its checksum

    `weights_only` loads tensors and plain values, never arbitrary pickled objects.
    """
    content = Path(path).read_bytes()
    payload = content[:-FOOTER_SIZE]
    marker = content[-FOOTER_SIZE:-FOOTER_SIZE + len(FOOTER_MARKER)]
    digest = content[-FOOTER_SIZE + len(FOOTER_MARKER):]
    if len(content) < FOOTER_SIZE or marker != FOOTER_MARKER:
        raise CorruptFile(f'{path} is truncated or not one of our files (no checksum at its end)')
    if hashlib.sha256(payload).digest() != digest:
        raise CorruptFile(f'{path} is damaged (its SHA-256 does not match its contents)')
    try:
        return torch.load(io.BytesIO(payload), map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, ValueError) as error:
        raise CorruptFile(f'{path} does not hold tensors and plain values ({error})') from None


def write_json(path: Path, value):
    """
    ### Write `value` as indented JSON with sorted keys
    """
    write_text(path, json.dumps(value, indent=1, sort_keys=True) + '\n')


def write_text(path: Path, text: str):
    """
    ### Write a text file (a results page), whole or not at all
    """
    write_atomically(path, text.encode())
