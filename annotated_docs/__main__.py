"""`python -m annotated_docs build | serve | translations ...` (also `annotated-docs`).

The `translations` commands live in `annotated_docs.translations.cli`, which never imports
the generator: `add_subparser(subparsers)` adds the `translations` parser;
`run(arguments, english_keys_by_page)` runs it on the English keys this generator reads from
the sources (`i18n.english_keys_by_page`) and returns the exit status.
"""
import argparse
import sys
from pathlib import Path

from .translations import cli as translations_cli

DEFAULT_SOURCE = Path("labml_nn_distill")
DEFAULT_OUT = Path("docs")
DEFAULT_TRANSLATIONS = Path("translations")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m annotated_docs",
        description="Render annotated Python/Markdown files into a static side-by-side site.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_parser = commands.add_parser(
        "build", help="render every page into the output folder (incremental, atomic)",
        description="Render every .py/.md file of the source folders into OUT, in English and "
                    "in every language of the translations folder. Only pages whose inputs "
                    "changed are rendered again; on any error OUT is left untouched.")
    _add_site_options(build_parser)
    build_parser.add_argument("--base-url", default=None,
                              help="absolute URL the site is published at, for canonical links and "
                                   "sitemap.xml (default: base-url of [tool.annotated_docs] in "
                                   "pyproject.toml; without one, relative links, "
                                   "also in sitemap.xml)")
    build_parser.add_argument("--repo-url", default=None,
                              help="the repository's web address (https://github.com/owner/repo), "
                                   "for each page's 'view on GitHub' and 'report a problem' links "
                                   "(default: repo-url of [tool.annotated_docs]; without one, "
                                   "no such links)")
    build_parser.add_argument("--math-font", type=Path, default=None,
                              help="OpenType math font to subset into static/math.woff2 (default: "
                                   "math-font of [tool.annotated_docs], else Debian's STIX Math "
                                   "from fonts-stix)")
    build_parser.add_argument("--quiet", action="store_true", help="print errors only")
    build_parser.set_defaults(func=_build)

    serve_parser = commands.add_parser(
        "serve", help="build, then preview the site on http://127.0.0.1:PORT/",
        description="Build the site, then serve OUT on localhost until interrupted.")
    _add_site_options(serve_parser)
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    serve_parser.add_argument("--no-build", action="store_true", help="serve OUT as it is")
    serve_parser.set_defaults(func=_serve)

    translations_parser = translations_cli.add_subparser(commands)
    translations_parser.set_defaults(func=_translations)

    arguments = parser.parse_args(argv)
    return arguments.func(arguments) or 0


def _add_site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="*", type=Path, metavar="SOURCE",
                        help=f"folders of .py/.md files to render (default {DEFAULT_SOURCE}); the "
                             "first is the top of the site, each other one sits under "
                             "OUT/<its folder name>/")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--translations", type=Path, default=DEFAULT_TRANSLATIONS,
                        help=f"translations folder (default {DEFAULT_TRANSLATIONS})")


def _build(arguments) -> int:
    from .build import BuildFailed, build
    from .config import setting
    from .errors import BuildError
    try:
        base_url = getattr(arguments, "base_url", None)
        if base_url is None:
            base_url = setting("base-url")
        repo_url = getattr(arguments, "repo_url", None)
        if repo_url is None:
            repo_url = setting("repo-url")
        math_font = getattr(arguments, "math_font", None) or setting("math-font") or None
        result = build(arguments.sources or [DEFAULT_SOURCE], arguments.out, arguments.translations,
                       base_url=base_url, repo_url=repo_url, math_font=math_font)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BuildFailed as failure:
        for error in failure.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"build failed; {arguments.out} is unchanged", file=sys.stderr)
        return 1
    for problem in dict.fromkeys(str(problem) for problem in result.problems):
        print(f"translation {problem}", file=sys.stderr)
    if not getattr(arguments, "quiet", False):
        print(f"built {arguments.out}: {len(result.written)} written, {len(result.reused)} unchanged, "
              f"{len(result.problems)} translation problems, {result.seconds:.2f} s")
    return 0


def _serve(arguments) -> int:
    from .serve import serve
    if not arguments.no_build:
        status = _build(arguments)
        if status:
            return status
    serve(arguments.out, arguments.port)
    return 0


def _translations(arguments) -> int:
    from .i18n import english_keys_by_page
    return translations_cli.run(arguments, english_keys_by_page)


if __name__ == "__main__":
    sys.exit(main())
