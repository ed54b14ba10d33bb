"""Reading a translation file: our entry-by-entry parser against `json.loads` alone.

The parser keeps each entry's line and source text (so that tools copy other entries byte
for byte); it must stay linear in the file's size. Prints, for files of 2,000 to 200,000
entries (about 0.2 to 20 MB), the seconds of each and their ratio, the median of rounds
timed in turns in this process. A parser that counts lines from the start of the file for
each entry shows a ratio that grows with the size; a linear one, a ratio that stays flat.

    python benchmarks/bench_translation_parse.py            # --rounds 5
"""
import argparse
import json
import statistics
import time

from annotated_docs.translations.jsonfile import MAX_FILE_BYTES, parse


def translation_file(entries: int) -> str:
    value = "<p>ස්නායුක ජාලයක දැනුම <span translate=no>_^_0_^_</span> ආසවනය කිරීම.</p>\n"
    return json.dumps({f"<p>Section {number} of the English notes, a sentence or two.</p>\n":
                       value for number in range(entries)}, ensure_ascii=False, indent=2) + "\n"


def seconds(function, text: str) -> float:
    started = time.perf_counter()
    function(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'entries':>8} {'MB':>6} {'json.loads s':>13} {'parse s':>9} {'ratio':>7}")
    for entries in (2_000, 20_000, 200_000):
        text = translation_file(entries)
        ours, baseline = [], []
        for _ in range(args.rounds):
            baseline.append(seconds(json.loads, text))
            ours.append(seconds(parse, text))
        ratio = statistics.median(o / b for o, b in zip(ours, baseline))
        print(f"{entries:>8} {len(text.encode()) / 1e6:>6.1f} {statistics.median(baseline):>13.3f} "
              f"{statistics.median(ours):>9.3f} {ratio:>6.1f}x")
    print(f"files over {MAX_FILE_BYTES / 1e6:.0f} MB are refused before they are read")


if __name__ == "__main__":
    main()
