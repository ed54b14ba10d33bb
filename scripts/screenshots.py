"""Save screenshots of the main pages of the built site for review.

    python scripts/screenshots.py [FOLDER] [--docs docs] [--full-page] [--pages index.html ...]

For each page (English and Sinhala), each width (desktop 1280 px, mobile 390 px, narrow 320 px) and each
theme (light, dark: the system preference Chromium reports), writes
`FOLDER/<page>-<desktop|mobile>-<light|dark>.png` (e.g. `si-readme-mobile-dark.png`);
FOLDER defaults to `screenshots/`; a `.gitignore` holding `*` is written into it so
that git never picks the screenshots up. Offline like the tests: `docs/` is served on
127.0.0.1 and every other request is blocked and reported. Needs Debian's chromium and the
`playwright` package (see ci_run_browser.sh); never `playwright install`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import browser_harness as bh  # noqa: E402

MAIN_PAGES = ["index.html", "readme.html", "paper/results.html"]
SIZES = {"desktop": bh.DESKTOP, "mobile": bh.MOBILE, "narrow": bh.NARROW}
SCHEMES = ["light", "dark"]


def shot_name(page: str, size: str, scheme: str) -> str:
    return f"{page.removesuffix('.html').replace('/', '-')}-{size}-{scheme}.png"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="screenshots", type=Path,
                        help="where to write the PNG files (default: screenshots/)")
    parser.add_argument("--docs", type=Path, default=bh.DOCS,
                        help=f"the built site to serve (default: {bh.DOCS})")
    parser.add_argument("--full-page", action="store_true",
                        help="capture the whole page, not just the first screen")
    parser.add_argument("--pages", nargs="+", default=None,
                        help="English page paths (default: index.html readme.html paper/results.html); "
                             "each is also taken in every language folder that has it")
    args = parser.parse_args(argv)

    reason = bh.browser_unavailable()
    if reason:
        parser.error(reason)
    available = set(bh.site_pages(args.docs))
    if not available:
        parser.error(f"no HTML pages under {args.docs}; build the site first")
    languages = sorted({bh.page_language(p) for p in available} - {"en"})
    pages = []
    for page in args.pages or MAIN_PAGES:
        for candidate in [page] + [f"{lang}/{page}" for lang in languages]:
            if candidate in available:
                pages.append(candidate)
            else:
                print(f"missing: {candidate}", file=sys.stderr)

    args.folder.mkdir(parents=True, exist_ok=True)
    ignore = args.folder / ".gitignore"
    if not ignore.exists():  # screenshots are for review, never committed
        ignore.write_text("*\n", encoding="utf-8")
    server = bh.SiteServer(args.docs)
    browser = None
    written = 0
    try:
        browser = bh.Browser(server)
        for page in pages:
            for size, viewport in SIZES.items():
                for scheme in SCHEMES:
                    tab = browser.new_page(viewport=viewport, color_scheme=scheme)
                    try:
                        tab.goto(server.url(page), wait_until="load")
                        tab.wait_for_load_state("networkidle")
                        out = args.folder / shot_name(page, size, scheme)
                        tab.screenshot(path=str(out), full_page=args.full_page)
                        written += 1
                        print(out)
                    finally:
                        tab.context.close()
        if browser.offsite:
            print("blocked off-site requests:\n  " + "\n  ".join(sorted(set(browser.offsite))),
                  file=sys.stderr)
    finally:
        if browser is not None:
            browser.close()
        server.close()
    print(f"{written} screenshots in {args.folder}/", file=sys.stderr)
    return 0 if written and not browser.offsite else 1


if __name__ == "__main__":
    sys.exit(main())
