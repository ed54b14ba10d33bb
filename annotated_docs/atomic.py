"""Why a failed build never leaves a half-written site: the build writes into a staging
folder beside the output, and only a build that finished swaps it in.

The staging folder sits in the output's parent so that the swap is two renames on one file
system (no copy a crash could interrupt), and it is removed when the build fails, so that
failures leave nothing behind.
"""
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staging_folder(out_dir: Path):
    """A fresh folder beside the output to build into; removed when the build fails."""
    parent = out_dir.parent
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-building-",
                                    dir=parent if parent.exists() else None))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap(staging: Path, out_dir: Path) -> None:
    """Put the new tree in place of the old one with two renames, then drop the old tree."""
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
        os.rename(out_dir, retired / out_dir.name)
        os.rename(staging, out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, out_dir)
    os.chmod(out_dir, 0o755)
