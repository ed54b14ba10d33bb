"""`python -m annotated_docs translations ...`: the translator's commands.

For the generator's `__main__` (two functions, nothing else to know)::

    from annotated_docs.translations import cli as translations_cli
    translations_cli.add_subparser(subparsers)   # adds the `translations` command and its own
    ...                                          # subcommands to an argparse subparsers object
    if args.command == "translations":           # -> exit status (0 ok, 1 errors found)
        return translations_cli.run(args, english_keys_by_page)

This package never imports the generator: the English keys come from the caller, as
`english_keys_by_page(source_folder) -> {page path: [title, section keys...], "_site": [...]}`
(the generator's `annotated_docs.i18n.english_keys_by_page`).

Commands (run from the repository root; `--translations` and `--source` change the folders):

    translations status [--lang si]            counts and percent per language and page, totals
    translations template --lang xx [--page p] add every missing English key with "" (keeps all)
    translations check [--lang si]             every problem; exit 1 when any is an error
    translations purge-obsolete --lang xx [--page p] [--dry-run]   the only command that removes entries
    translations export-po --lang xx [--out xx.po]      one PO file for Poedit / Weblate
    translations import-po --lang xx FILE.po            its translations back into the JSON files
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from . import SITE_PAGE, commands, language_folders, language_problem, po
from . import glossary as glossaries
from .jsonfile import write_if_changed

# source folder -> {page path: its English keys}, the site strings under SITE_PAGE
EnglishKeys = Callable[[Path], dict[str, list[str]]]


def add_subparser(subparsers) -> argparse.ArgumentParser:
    """Add `translations` (with status/template/check/purge-obsolete) to `subparsers`."""
    parser = subparsers.add_parser(
        "translations", help="translators' commands: status, template, check, purge-obsolete, export-po, import-po",
        description="Work with translations/<lang>/<page>.json: flat JSON objects from the "
                    "English HTML of each note section (or page title) to its translation.")
    parser.add_argument("--translations", type=Path, default=Path("translations"),
                        help="folder of translation files (default: translations)")
    parser.add_argument("--source", type=Path, default=Path("labml_nn_distill"),
                        help="folder of the pages' sources (default: labml_nn_distill)")
    actions = parser.add_subparsers(dest="translations_command", metavar="COMMAND")
    actions.required = True

    status = actions.add_parser("status", help="translated / fuzzy / missing / obsolete counts",
                                description="Per language and page: translated, fuzzy, "
                                "missing, invalid and obsolete counts, percent done, totals.")
    status.add_argument("--lang", help="only this language (default: every folder)")

    template = actions.add_parser(
        "template", help="add missing keys with empty values (a new language starts here)",
        description="Write or update translations/<lang>/<page>.json with every English key "
        "it lacks, value \"\", after the existing entries, which are kept byte for byte. A file "
        "whose bytes would not change is not touched.")
    template.add_argument("--lang", required=True)
    template.add_argument("--page", action="append",
                          help="only this page (repeatable); default: every page and _site")

    check = actions.add_parser("check", help="validate every file; exit 1 on errors",
                               description="Check every translation against today's English; "
                               "print errors and warnings; exit 1 when there is an error.")
    check.add_argument("--lang", help="only this language (default: every folder)")
    check.add_argument("--diff", action="store_true",
                       help="under each fuzzy entry, the English diff since it was translated")

    purge = actions.add_parser(
        "purge-obsolete", help="remove entries whose English key no longer exists",
        description="Remove the entries whose key matches no section of today's English. "
        "The only command that removes anything; fuzzy candidates go too, so update them first.")
    purge.add_argument("--lang", required=True)
    purge.add_argument("--page", action="append", help="only this page (repeatable)")
    purge.add_argument("--dry-run", action="store_true",
                       help="list what would be removed; write nothing")

    export = actions.add_parser(
        "export-po", help="write one language as a gettext PO file (Poedit, Weblate)",
        description="Write every page's English keys in one language as a PO file: the page "
        "as msgctxt, fuzzy entries with the old English as #| msgid, obsolete ones as #~.")
    export.add_argument("--lang", required=True)
    export.add_argument("--out", type=Path, help="the PO file to write (default: LANG.po)")

    import_ = actions.add_parser(
        "import-po", help="write a PO file's translations into the JSON files",
        description="Write each translated, non-fuzzy entry of the PO file into "
        "translations/<lang>/<page>.json: a changed translation replaces the value, a new one "
        "is added after the existing entries. Nothing is removed; files that would not change "
        "are not touched.")
    import_.add_argument("--lang", required=True)
    import_.add_argument("po_file", type=Path, metavar="FILE.po")
    return parser


def run(args, english_keys_by_page: EnglishKeys) -> int:
    """Run the parsed `translations` command on the keys `english_keys_by_page(args.source)`
    gives; returns the exit status."""
    try:
        keys_by_page = english_keys_by_page(args.source)
    except Exception as error:     # the generator's BuildError and friends name the file
        print(f"cannot read the English pages under {args.source}: {error}", file=sys.stderr)
        return 2
    if not [page for page in keys_by_page if page != SITE_PAGE]:
        print(f"no pages found under {args.source}; run from the repository root or pass "
              "--source", file=sys.stderr)
        return 2
    command = args.translations_command
    found, folder_problems = language_folders(args.translations)
    lang = getattr(args, "lang", None)
    if lang is not None:
        why = language_problem(args.translations, lang)
        if why is None and command != "template" and lang not in found:
            why = (f"no language {lang!r} under {args.translations} (there: "
                   f"{', '.join(found) or 'none'}); `template --lang {lang}` starts one")
        if why is not None:
            print(f"--lang: {why}", file=sys.stderr)
            return 2
        # Only what concerns the language asked for
        folder = (Path(args.translations) / lang).as_posix() + "/"
        folder_problems = [problem for problem in folder_problems if problem.file.startswith(folder)]
    unknown = [page for page in getattr(args, "page", None) or [] if page not in keys_by_page]
    if unknown:
        print(f"--page: no page {unknown[0]!r}; pages are "
              f"{', '.join(sorted(keys_by_page))}", file=sys.stderr)
        return 2
    langs = [lang] if lang is not None else found
    if command == "status":
        for problem in folder_problems:
            print(problem, file=sys.stderr)
        print(commands.format_status(commands.status(args.translations, keys_by_page, langs)))
        return 0
    if command == "check":
        # A problem of a file both ways (a draft's `_site.json`) is printed once
        problems = list(dict.fromkeys(folder_problems + commands.check(args.translations, keys_by_page, langs)))
        for problem in problems:
            print(problem)
            if args.diff and problem.detail:
                print("\n".join("    " + line for line in problem.detail.splitlines()))
        errors = sum(problem.severity == "error" for problem in problems)
        glossary = sum(problem.severity == "warning" and problem.message.startswith(glossaries.PREFIX)
                       for problem in problems)
        print(f"{errors} error(s), {len(problems) - errors} warning(s) "
              f"({glossary} of them the glossary's) in {', '.join(langs) or 'no language'}")
        return 1 if errors else 0
    if command == "export-po":
        out = args.out or Path(f"{lang}.po")
        why = po.out_problem(args.translations, args.source, out)
        if why is not None:
            print(f"--out {out}: {why}", file=sys.stderr)
            return 2
        catalog = po.export_po(args.translations, lang, keys_by_page)
        try:
            write_if_changed(out, catalog.__unicode__() + "\n")
        except OSError as error:
            print(f"--out {out}: cannot be written ({error.strerror or error})", file=sys.stderr)
            return 2
        print(f"{out}: {len(catalog)} entries, {len(catalog.translated_entries())} translated, "
              f"{len(catalog.fuzzy_entries())} fuzzy, {len(catalog.obsolete_entries())} obsolete")
        return 0
    if command == "import-po":
        if not args.po_file.is_file():
            print(f"FILE.po: no file {args.po_file}", file=sys.stderr)
            return 2
        results, problems = po.import_po(args.translations, lang, keys_by_page, args.po_file)
        for problem in problems:
            print(problem)
        for result in results:
            print(po.describe(result))
        return 1 if any(result.refused for result in results) or any(
            problem.severity == "error" for problem in problems) else 0
    if command == "template":
        changes = commands.template(args.translations, lang, keys_by_page, args.page)
        for change in changes:
            print(commands.describe_change(change, "added", list_keys=False))
    else:
        changes = commands.purge_obsolete(args.translations, lang, keys_by_page, args.page,
                                          dry_run=args.dry_run)
        for change in changes:
            print(commands.describe_change(change, "removed"))
    return 1 if any(change.failed for change in changes) else 0

