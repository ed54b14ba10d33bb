"""When a page last changed, from git at build time: the date of the last commit that touched
its source (`git log -1 --format=%cs`). A build outside git, of a file git does not track, or
without git installed shows no date."""
import subprocess
from pathlib import Path


def last_changed(file: Path) -> str:
    """'2026-12-04', or '' when git cannot say."""
    file = Path(file).resolve()
    try:
        found = subprocess.run(["git", "log", "-1", "--format=%cs", "--", file.name], cwd=file.parent,
                               capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return found.stdout.strip() if found.returncode == 0 else ""
