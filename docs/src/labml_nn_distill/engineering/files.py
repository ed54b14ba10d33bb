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
"""

import hashlib
import io
import json
import os
import signal
from pathlib import Path

import torch

# The last bytes of a torch file: a marker and the SHA-256 of everything before it
FOOTER_MARKER = b'SHA256'
FOOTER_SIZE = len(FOOTER_MARKER) + hashlib.sha256().digest_size
# Tests set this to `N` to kill the process in the middle of writing its `N`-th file
KILL_DURING_SAVE = 'LABML_NN_DISTILL_KILL_DURING_SAVE'

_writes = 0


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

    A temporary file left by a killed process is never written over (it carries that
    process's id); it stays where it is, for whoever wants to look at it.
    """
    global _writes
    _writes += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f'{path.name}.{os.getpid()}.tmp')
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
    fsync_folder(path.parent)


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
