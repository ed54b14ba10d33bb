"""The order a reader meets the pages in: the pager (previous/next), the contents, the sitemap.

A folder's index page (`__init__.py`, or `index.md`) declares the order of its folder in
its front matter::

    order: [large, small, dataset, train, experiment, paper, engineering, readme]

Each name is a page of the folder, by its file's stem (`large` for large.py, `readme` for
readme.md), or a subfolder, which stands for its own index page followed by its pages in
its own order. The site reads depth-first from the top index: the index, then the names in
order. With `order:` declared, every page and every subfolder that holds pages must be
listed exactly once, and every name must exist; anything else stops the build, naming the
index file, the line of `order:` and the name.

A folder whose index declares no order (a folder without an index, a further source folder,
the test fixtures) falls back to path order: its pages by name, then its subfolders by name.
Further source folders sit under the top folder of the site; the top index may list them,
and those it does not list follow its declared names, in the order the build was given them.
"""
from dataclasses import dataclass, field

from .errors import BuildError, BuildFailed
from .pages import Heading
from .paths import INDEX, folder_index


@dataclass
class _Folder:
    pages: dict[str, str] = field(default_factory=dict)   # stem -> page path (no index)
    subfolders: set[str] = field(default_factory=set)     # names of subfolders with pages


def reading_order(headings: list[Heading], sources: dict[str, str],
                  further_folders: list[str] = ()) -> list[Heading]:
    """`headings` in reading order. `sources`: page path -> the file it is made from (for
    errors); `further_folders`: the site folders of further source folders, in build order."""
    by_path = {heading.path: heading for heading in headings}
    folders = _folders(by_path)
    ordered, errors = [], []

    def walk(folder: str) -> None:
        index = by_path.get(folder_index(folder))
        if index is not None:
            ordered.append(index)
        further = further_folders if folder == "" else []
        for kind, name in _names(folders[folder], index, sources, further, errors):
            if kind == "page":
                ordered.append(by_path[folders[folder].pages[name]])
            else:
                walk(f"{folder}/{name}" if folder else name)

    walk("")
    if errors:
        raise BuildFailed(errors)
    return ordered


def _folders(by_path: dict[str, Heading]) -> dict[str, _Folder]:
    """Every folder of the site with its pages and the subfolders that hold pages."""
    folders = {"": _Folder()}
    for path in by_path:
        parts = path.split("/")
        for depth in range(len(parts) - 1):
            parent = "/".join(parts[:depth])
            folders.setdefault(parent, _Folder()).subfolders.add(parts[depth])
        folder = folders.setdefault("/".join(parts[:-1]), _Folder())
        if parts[-1] != INDEX:
            folder.pages[parts[-1]] = path
    return folders


def _names(folder: _Folder, index: Heading | None, sources: dict[str, str],
           further: list[str], errors: list[BuildError]) -> list[tuple[str, str]]:
    """The folder's pages and subfolders as ('page' | 'folder', name), in reading order."""
    in_path_order = [("page", stem) for stem in sorted(folder.pages)] + \
                    [("folder", name) for name in sorted(folder.subfolders)]
    if index is None or index.order is None:
        return in_path_order
    file, line = sources.get(index.path, index.path), index.order_line
    kinds = {name: kind for kind, name in in_path_order}
    listed: list[tuple[str, str]] = []
    for name in index.order:
        if name in folder.pages and name in folder.subfolders:
            errors.append(BuildError(file, line, f"`{name}` in order: names both the page {name} "
                                     f"and the folder {name}/; rename one of the two"))
        elif name not in kinds:
            known = ", ".join(name for _, name in in_path_order)
            errors.append(BuildError(file, line, f"order: lists `{name}`, which is no page or "
                                     f"subfolder of this folder; fix the name or remove it "
                                     f"(there are: {known})"))
        elif (kinds[name], name) in listed:
            errors.append(BuildError(file, line, f"order: lists `{name}` twice; keep it once, "
                                     "where a reader should meet it"))
        else:
            listed.append((kinds[name], name))
    for kind, name in in_path_order:
        if (kind, name) not in listed and name not in further:
            errors.append(BuildError(file, line, f"{kind} `{name}` is missing from order:; add "
                                     f"`{name}` to the order: list of {file} where a reader "
                                     "should meet it"))
    return listed + [("folder", name) for name in further
                     if name in folder.subfolders and ("folder", name) not in listed]
