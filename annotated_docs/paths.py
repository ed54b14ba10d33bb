"""Where a source file sits in the site: its page path, and each folder's index page.

A page's path is its source path relative to its source folder without the suffix, with
`__init__` mapped to `index`: `readme.md` -> `readme`, `paper/__init__.py` -> `paper/index`.
Notes link to sources (`[the loss](paper/__init__.py)`) and land on the same page.
"""
INDEX = "index"
PACKAGE_INIT = "__init__"


def page_path(source: str) -> str:
    """`large.py` -> `large`, `paper/__init__.py` -> `paper/index` (a relative path, `/`-separated)."""
    folder, separator, name = source.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    return folder + separator + (INDEX if stem == PACKAGE_INIT else stem)


def folder_index(folder: str) -> str:
    """The index page of a folder of the site, '' being the top: `paper` -> `paper/index`."""
    return f"{folder}/{INDEX}" if folder else INDEX
