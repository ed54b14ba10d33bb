"""Site build time per page: annotated_docs against pycco, on the same files, in one process.

    pip install pycco        # benchmark-only dependency (not in setup.py)
    python benchmarks/bench_docs.py [FOLDER ...] [--repeats 7]

Both generators render the same `.py` files (pycco renders Python only) of the folders
given (default: labml_nn_distill/ and the generator's test fixture tutorial), English only,
into fresh temporary folders. Measured, each as the median of repeats after a warm-up:

* full build: every page from scratch (annotated_docs with no previous output, so nothing
  is reused), seconds per page, for both, run in alternation (ours, pycco, ours, ...) so
  that a change of the machine's load hits both alike;
* one-file rebuild: annotated_docs after one source line changes (its incremental build).

The ratios, printed last, are pycco's time per page over ours (> 1: we are faster; the median
of the per-round ratios) and the one-file rebuild against the 0.5 s target.
"""
import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotated_docs import code, fonts, notes  # noqa: E402
from annotated_docs.build import build  # noqa: E402

DEFAULT_FOLDERS = [REPO / "labml_nn_distill", REPO / "tests" / "fixtures" / "tutorial"]
REBUILD_TARGET_SECONDS = 0.5
IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT_FOLDERS)
    parser.add_argument("--repeats", type=int, default=7)
    arguments = parser.parse_args()
    try:
        import pycco.main as pycco
    except ImportError:
        print("pycco is not installed; it is the baseline of this benchmark: pip install pycco",
              file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    try:
        folders, sources, markdown = _copy_pages([folder for folder in arguments.folders
                                                  if folder.is_dir()], work / "sources")
        if not sources:
            print("no .py files in " + ", ".join(map(str, arguments.folders)), file=sys.stderr)
            return 2
        translations = work / "no-translations"      # English only: pycco has one language
        translations.mkdir()
        # pycco renders the .py pages; ours renders the Markdown pages of the essay too, which
        # its reading order names. Each is timed per page it renders.
        pages, our_pages = len(sources), len(sources) + len(markdown)
        lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in sources)

        # The math font's subset is made once per site (pycco ships no math font): timed apart
        font_seconds, subset = [], fonts.subset_woff2

        def timed_subset(*args):
            started = time.perf_counter()
            try:
                return subset(*args)
            finally:
                font_seconds.append(time.perf_counter() - started)
        fonts.subset_woff2 = timed_subset

        def ours_full():
            out = work / "ours-full"
            shutil.rmtree(out, ignore_errors=True)
            # As in a fresh process: nothing lexed or converted in an earlier round is reused
            for cached in (code.lex, code.highlight_inline, notes._mathml):
                cached.cache_clear()
            result = build(folders, out, translations)
            assert len([name for name in result.written if name.endswith(".html")]) >= our_pages

        def theirs_full():
            out = work / "pycco"
            shutil.rmtree(out, ignore_errors=True)
            with redirect_stdout(io.StringIO()):      # pycco prints a line per file
                pycco.process([str(path) for path in sources], outdir=str(out),
                              preserve_paths=False, index=False)

        incremental_out = work / "ours-incremental"
        build(folders, incremental_out, translations)
        edited = sources[0]
        original = edited.read_text(encoding="utf-8")
        edits = iter(range(10 ** 6))

        def ours_one_file():
            edited.write_text(original + f"\nbenchmark_edit = {next(edits)}\n", encoding="utf-8")
            result = build(folders, incremental_out, translations)
            assert sum(name.endswith(".html") for name in result.written) == 1, result.written

        ours, theirs, ratio = _in_turns(ours_full, theirs_full, arguments.repeats, our_pages / pages)
        font = statistics.median(font_seconds) if font_seconds else 0.0
        one_file = _median(ours_one_file, arguments.repeats)
        edited.write_text(original, encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"files: {pages} .py pages ({lines} lines) and {len(markdown)} .md pages, "
          f"from {', '.join(str(f) for f in arguments.folders)}")
    print(f"python {sys.version.split()[0]}, median of {arguments.repeats} after a warm-up")
    print(f"annotated_docs full build: {ours * 1000:8.1f} ms  ({ours / our_pages * 1000:.2f} ms/page)")
    print(f"  of which the math font:  {font * 1000:8.1f} ms  (once per site, not per page)")
    print(f"pycco full build:          {theirs * 1000:8.1f} ms  ({theirs / pages * 1000:.2f} ms/page)")
    print(f"annotated_docs one-file rebuild: {one_file * 1000:.1f} ms "
          f"(target < {REBUILD_TARGET_SECONDS * 1000:.0f} ms)")
    print(f"ratio per-page speed ours/pycco: {ratio:.2f}x, median of the per-round ratios "
          f"({'faster' if ratio > 1 else 'SLOWER'} than pycco)")
    print(f"ratio per-page speed ours/pycco without the math font: "
          f"{(theirs / pages) / ((ours - font) / our_pages):.2f}x (ratio of the medians)")
    print(f"ratio one-file rebuild / target: {one_file / REBUILD_TARGET_SECONDS:.2f} "
          f"({'met' if one_file < REBUILD_TARGET_SECONDS else 'MISSED'})")
    return 0


def _copy_pages(folders: list[Path], into: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The folders holding copies of the .py and .md pages of each folder (the one-file
    rebuild edits a copy) and of the images they show; the copies of the .py files, and of
    the .md files."""
    copied, markdown, roots = [], [], []
    for folder in folders:
        roots.append(into / folder.resolve().name)
        for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.md")]):
            if "__pycache__" in path.parts:
                continue
            target = into / folder.resolve().name / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
            (copied if path.suffix == ".py" else markdown).append(target)
        # The images the pages show: the build stops when one is missing
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES and "__pycache__" not in path.parts:
                target = into / folder.resolve().name / path.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
    return [root for root in roots if root.is_dir()], copied, markdown


def _in_turns(ours, theirs, repeats: int, pages_ratio: float) -> tuple[float, float, float]:
    """Both builds in alternation, so that a change in the machine's load hits both alike:
    the median time of each, and the median of the per-round ratios of time per page,
    theirs/ours (`pages_ratio`: our pages over theirs)."""
    ours(), theirs()                                   # warm-up: imports, template compile
    ours_times, their_times = [], []
    for _ in range(repeats):
        for run, times in ((ours, ours_times), (theirs, their_times)):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    ratios = [t / o * pages_ratio for o, t in zip(ours_times, their_times)]
    return statistics.median(ours_times), statistics.median(their_times), statistics.median(ratios)


def _median(run, repeats: int) -> float:
    run()                                              # warm-up: imports, template compile
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
