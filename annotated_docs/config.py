"""The project's defaults for the generator, from `pyproject.toml`'s `[tool.annotated_docs]`.

    [tool.annotated_docs]
    base-url = "https://example.org/tutorial/"   # where docs/ is published
    repo-url = "https://github.com/owner/repo"   # "view on GitHub", "report a problem"
    math-font = "/path/to/a/math-font.otf"       # default: Debian's STIX Math

Without `base-url` the site is built with relative links only, no OpenGraph tags, and the
`<loc>`s of `sitemap.xml` are relative (the sitemaps protocol wants absolute URLs: set it
when the site is published). Without `repo-url` the pages link no repository.
"""
import tomllib
from pathlib import Path

from .errors import BuildError

SECTION = "annotated_docs"


def default_base_url(project: Path = Path(".")) -> str:
    """`base-url` from `project/pyproject.toml`, '' when the file or the key is absent."""
    return setting("base-url", project)


def setting(name: str, project: Path = Path(".")) -> str:
    """A text setting of `[tool.annotated_docs]`, '' when the file or the key is absent."""
    pyproject = Path(project) / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return ""
    try:
        settings = tomllib.loads(text).get("tool", {}).get(SECTION, {})
    except tomllib.TOMLDecodeError as error:
        raise BuildError(pyproject, getattr(error, "lineno", 0), f"invalid TOML: {error}")
    value = settings.get(name, "")
    if not isinstance(value, str):
        raise BuildError(pyproject, 0, f"[tool.{SECTION}] {name} must be a string, got {value!r}")
    return value
