"""The project's defaults for the generator, from `pyproject.toml`'s `[tool.annotated_docs]`.

    [tool.annotated_docs]
    base-url = "https://example.org/tutorial/"   # where docs/ is published

Only `base-url` is read. Without it the site is built with relative links only, and the
`<loc>`s of `sitemap.xml` are relative (the sitemaps protocol wants absolute URLs: set it
when the site is published).
"""
import tomllib
from pathlib import Path

from .errors import BuildError

SECTION = "annotated_docs"


def default_base_url(project: Path = Path(".")) -> str:
    """`base-url` from `project/pyproject.toml`, '' when the file or the key is absent."""
    pyproject = Path(project) / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return ""
    try:
        settings = tomllib.loads(text).get("tool", {}).get(SECTION, {})
    except tomllib.TOMLDecodeError as error:
        raise BuildError(pyproject, getattr(error, "lineno", 0), f"invalid TOML: {error}")
    value = settings.get("base-url", "")
    if not isinstance(value, str):
        raise BuildError(pyproject, 0, f"[tool.{SECTION}] base-url must be a string, got {value!r}")
    return value
