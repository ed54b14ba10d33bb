"""The one error a build reports (which file, which line, what text, what is wrong), and
the failure that carries every such error of one build."""
from pathlib import Path


class BuildError(Exception):
    """A problem in an input file that stops the build.

    `str()` gives `file:line: message` and, on the next line, the offending text, so that
    an editor or a terminal can jump to it.
    """

    def __init__(self, file, line, message: str, text: str = ""):
        self.file = Path(file)
        self.line = line
        self.message = message
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        shown = f"\n    {self.text.strip()}" if self.text and self.text.strip() else ""
        return f"{where}: {self.message}{shown}"


class BuildFailed(Exception):
    """Every BuildError one build found; the output was left as it was."""

    def __init__(self, errors: list[BuildError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))
