"""Shared machinery for the browser tests (`tests/test_browser_*.py`) and `scripts/screenshots.py`.

* `SiteServer`: serves a folder (normally `docs/`) with a threaded `http.server` on
  127.0.0.1, random port, quietly, remembering every status it answered.
* `Browser`: one headless Chromium (Debian's `/usr/bin/chromium`, driven by the
  `playwright` package through `executable_path`; `playwright install` is never needed).
  Every browser context it opens routes all requests: those to the local server go
  through, everything else is aborted and recorded in `offsite`.
* `visit()`: loads one page once and keeps what the tests need about it (console errors,
  page errors, failed and off-site requests, links, ids, MathML boxes), so that a page is
  loaded a single time per session however many tests look at it.

No test imports playwright directly; `browser_unavailable()` gives the reason to skip
(or, with REQUIRE_BROWSER=1, to fail) when Chromium or playwright is missing.
"""
from __future__ import annotations

import functools
import html.parser
import http.server
import os
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Tests run against docs/ unless BROWSER_DOCS_DIR points elsewhere (e.g. a fresh build).
DOCS = Path(os.environ.get("BROWSER_DOCS_DIR", REPO / "docs")).resolve()
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
TABLET = {"width": 768, "height": 1024}
LOCAL_HOST = "127.0.0.1"


def chromium_path() -> str | None:
    """The Chromium executable: $CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the `playwright` Python package is not installed (pip install playwright)"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium; see ci_run_browser.sh)"
    return None


def require_browser() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "") not in ("", "0")


def site_pages(root: Path = DOCS) -> list[str]:
    """Every HTML page under the site, as a path relative to it ('index.html', 'si/readme.html')."""
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))


def page_language(page: str) -> str:
    """'si' for 'si/readme.html', 'en' for the English pages at the top."""
    first = page.split("/", 1)[0]
    if "/" in page and len(first) in (2, 3) and first.isalpha() and first.islower():
        return first
    return "en"


def english_page(page: str) -> str:
    lang = page_language(page)
    return page if lang == "en" else page[len(lang) + 1:]


# ----------------------------------------------------------------------------------- server

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the stdlib
        pass

    def send_response(self, code, message=None):
        self.server.statuses.append((self.path, code))
        super().send_response(code, message)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class SiteServer:
    """`docs/` on http://127.0.0.1:<random port>/, in a daemon thread."""

    def __init__(self, root: Path = DOCS):
        self.root = Path(root)
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.statuses = []
        self.port = self.httpd.server_address[1]
        self.base = f"http://{LOCAL_HOST}:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="docs-server",
                                       daemon=True)
        self.thread.start()

    def url(self, page: str) -> str:
        return urllib.parse.urljoin(self.base, page)

    def page_of(self, url: str) -> str | None:
        """The site path of a local URL ('si/readme.html'), None for any other URL."""
        if not url.startswith(self.base):
            return None
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        return path.lstrip("/")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ----------------------------------------------------------------------------- HTML anchors

class _IdCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is not None and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


def ids_in(html_text: str) -> set[str]:
    """Every fragment target in a document: `id` attributes and `<a name>`."""
    parser = _IdCollector()
    parser.feed(html_text)
    return parser.ids


@dataclass
class Fetched:
    status: int
    ids: set[str] = field(default_factory=set)


class LinkChecker:
    """Fetches local URLs once each (without the browser) and answers status and ids."""

    def __init__(self):
        self._cache: dict[str, Fetched] = {}
        self._lock = threading.Lock()

    def fetch(self, url: str) -> Fetched:
        url = urllib.parse.urldefrag(url)[0]
        with self._lock:
            if url in self._cache:
                return self._cache[url]
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                status = response.status
                ctype = response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            result = Fetched(error.code)
        else:
            ids = ids_in(body.decode("utf-8", "replace")) if ctype == "text/html" else set()
            result = Fetched(status, ids)
        with self._lock:
            self._cache[url] = result
        return result

    def problem(self, url: str) -> str | None:
        """None when `url` answers 200 and its fragment (if any) names an element there."""
        fetched = self.fetch(url)
        if fetched.status != 200:
            return f"HTTP {fetched.status}"
        fragment = urllib.parse.unquote(urllib.parse.urlsplit(url).fragment)
        if fragment and fragment not in fetched.ids and fragment != "top":
            return f"no element with id {fragment!r}"
        return None


# ---------------------------------------------------------------------------------- browser

@dataclass
class Visit:
    """What one load of one page showed."""
    page: str
    url: str
    status: int | None
    console_errors: list[str]
    page_errors: list[str]
    failed_requests: list[str]
    offsite: list[str]
    links: list[dict]          # {"href": absolute URL, "text": ..., "tag": "a"|"link"|...}
    math_boxes: list[dict]     # {"width", "height", "text"} of every <math>
    html_lang: str


# Collected in the page after load: links (resolved by the DOM), MathML boxes, <html lang>.
_COLLECT_JS = """() => {
  const links = [];
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    links.push({href: a.href, raw: a.getAttribute('href'), tag: a.localName,
                text: (a.textContent || '').trim().slice(0, 60)});
  }
  for (const l of document.querySelectorAll('link[href]')) {
    links.push({href: l.href, raw: l.getAttribute('href'), tag: 'link',
                rel: l.getAttribute('rel') || '', text: l.getAttribute('rel') || ''});
  }
  for (const e of document.querySelectorAll('[src]')) {
    links.push({href: e.src, raw: e.getAttribute('src'), tag: e.localName, text: ''});
  }
  const math = [...document.querySelectorAll('math')].map(m => {
    const r = m.getBoundingClientRect();
    return {width: r.width, height: r.height,
            display: m.getAttribute('display') || 'inline',
            text: (m.textContent || '').trim().slice(0, 60)};
  });
  return {links, math, lang: document.documentElement.getAttribute('lang') || ''};
}"""


class Browser:
    """One Chromium for the whole session; a fresh context per `new_page()`."""

    def __init__(self, server: SiteServer):
        from playwright.sync_api import sync_playwright
        self.server = server
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=chromium_path(),
                                                args=CHROMIUM_FLAGS, headless=True)
        self.offsite: list[str] = []   # every off-site request any context tried
        self._visits: dict[str, Visit] = {}
        self.links = LinkChecker()

    def _route(self, route, offsite: list[str]):
        url = route.request.url
        host = urllib.parse.urlsplit(url).hostname
        if host == LOCAL_HOST or url.startswith("file://"):    # the site read from disk
            route.continue_()
        else:
            offsite.append(url)
            self.offsite.append(url)
            route.abort("blockedbyclient")

    def new_context(self, viewport=DESKTOP, color_scheme="light", offsite=None, **kwargs):
        """A context whose requests off 127.0.0.1 are aborted and appended to `offsite`."""
        offsite = self.offsite if offsite is None else offsite
        context = self.browser.new_context(viewport=viewport, color_scheme=color_scheme,
                                           service_workers="block", **kwargs)
        context.route("**/*", lambda route: self._route(route, offsite))
        return context

    def new_page(self, viewport=DESKTOP, color_scheme="light", **kwargs):
        """A page in its own fresh context (closing the page's context is the caller's job)."""
        return self.new_context(viewport, color_scheme, **kwargs).new_page()

    def visit(self, page: str) -> Visit:
        """Load `page` (site path) once at 1280 px and keep what it showed."""
        if page in self._visits:
            return self._visits[page]
        offsite: list[str] = []
        context = self.new_context(offsite=offsite)
        tab = context.new_page()
        console_errors, page_errors, failed = [], [], []
        tab.on("console", lambda m: console_errors.append(
            f"{m.text} ({m.location.get('url', '')}:{m.location.get('lineNumber', '')})")
            if m.type == "error" else None)
        tab.on("pageerror", lambda e: page_errors.append(str(e)))
        tab.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        tab.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})")
               if r.status >= 400 else None)
        url = self.server.url(page)
        response = tab.goto(url, wait_until="load")
        tab.wait_for_load_state("networkidle")
        collected = tab.evaluate(_COLLECT_JS)
        visit = Visit(page=page, url=url, status=response.status if response else None,
                      console_errors=console_errors, page_errors=page_errors,
                      failed_requests=failed, offsite=offsite, links=collected["links"],
                      math_boxes=collected["math"], html_lang=collected["lang"])
        context.close()
        self._visits[page] = visit
        return visit

    def close(self):
        try:
            self.browser.close()
        finally:
            self._pw.stop()


# ------------------------------------------------------------------ one of each per session

class _Shared:
    """Reference-counted server + browser, so that every `tests/test_browser_*.py` module's
    session fixture gets the same Chromium (pytest makes one fixture instance per module
    that imports a fixture; the count closes them after the last one is torn down)."""
    users = 0
    server: SiteServer | None = None
    browser: Browser | None = None


def acquire() -> Browser:
    if _Shared.browser is None:
        _Shared.server = SiteServer(DOCS)
        try:
            _Shared.browser = Browser(_Shared.server)
        except BaseException:
            _Shared.server.close()
            _Shared.server = None
            raise
    _Shared.users += 1
    return _Shared.browser


def release() -> None:
    _Shared.users -= 1
    if _Shared.users <= 0 and _Shared.browser is not None:
        try:
            _Shared.browser.close()
        finally:
            _Shared.server.close()
            _Shared.browser = _Shared.server = None
            _Shared.users = 0


# -------------------------------------------------------------- in-page probes used by tests

def type_search(page, query: str):
    """Open the search with "/", the keyboard alone, type `query`; the first result, once shown.

    The search's script and index are loaded only when the search is first used, so none is
    on the page before.
    """
    assert not page.evaluate("'annotatedDocsSearch' in window")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    page.keyboard.type(query)
    first = page.locator("#site-search-results a").first
    first.wait_for()
    return first


def computed_background(page) -> str:
    """The background the reader sees: the first non-transparent one of body, html."""
    return page.evaluate("""() => {
      for (const el of [document.body, document.documentElement]) {
        const c = getComputedStyle(el).backgroundColor;
        if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
      }
      return 'rgba(0, 0, 0, 0)';
    }""")


def luminance(css_color: str) -> float:
    """Relative luminance (0 dark .. 1 light) of an `rgb()`/`rgba()` computed colour."""
    inside = css_color[css_color.index("(") + 1:css_color.rindex(")")]
    parts = [float(p) for p in inside.replace("/", ",").replace(" ", ",").split(",") if p]
    r, g, b = (c / 255 for c in parts[:3])

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def platform_fonts(page, selector: str) -> list[dict]:
    """Fonts Chromium actually used for the text of the first node matching `selector`
    (CDP `CSS.getPlatformFontsForNode`): [{familyName, glyphCount, isCustomFont}, ...]."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise LookupError(f"no node matches {selector!r}")
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


# ------------------------------------------------------------------------ missing glyphs

# Every element that shows text (its own text nodes; inside <math> the site's math font is
# a subset made for exactly those characters, so it is left out) with a character beyond
# ASCII, marked `data-glyph-check`, with the characters of its own text. Closed <details>
# are opened first, so that folded text is drawn too.
_MARK_TEXT_JS = r"""() => {
  document.querySelectorAll('[data-glyph-check]').forEach(e => e.removeAttribute('data-glyph-check'));
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const marked = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('math, script, style, template, noscript')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    let text = '';
    for (const node of el.childNodes) if (node.nodeType === 3) text += node.data;
    const chars = [...new Set([...text].filter(c => c.trim()))];
    if (!chars.some(c => c.codePointAt(0) > 0x7e)) continue;
    el.setAttribute('data-glyph-check', String(marked.length));
    marked.push({chars: chars.join(''), tag: el.localName, text: text.trim().slice(0, 40)});
  }
  return marked;
}"""


@functools.lru_cache(maxsize=None)
def _installed_fonts() -> dict:
    """PostScript name -> (file, index in a collection) of every font fontconfig knows."""
    import subprocess
    listed = subprocess.run(["fc-list", "--format", "%{postscriptname}\t%{file}\t%{index}\n"],
                            capture_output=True, text=True, check=True).stdout
    fonts = {}
    for line in listed.splitlines():
        name, file, index = (line.split("\t") + ["", "", "0"])[:3]
        fonts.setdefault(name, (file, int(index or 0)))
    return fonts


@functools.lru_cache(maxsize=None)
def font_characters(postscript_name: str) -> frozenset:
    """The code points an installed font has a glyph for (empty when fontconfig does not
    know it)."""
    from fontTools.ttLib import TTFont
    found = _installed_fonts().get(postscript_name)
    if found is None:
        return frozenset()
    font = TTFont(found[0], fontNumber=found[1], lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def missing_glyphs(page) -> list[str]:
    """Characters the page shows that no font it drew them with has a glyph for (the boxes
    of a missing glyph), one line per element: Chromium names the fonts it used for each
    element's text (CDP `CSS.getPlatformFontsForNode`), each font's own character map says
    what it can draw."""
    marked = page.evaluate(_MARK_TEXT_JS)
    if not marked:
        return []
    cdp = page.context.new_cdp_session(page)
    problems = []
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root,
                                                  "selector": "[data-glyph-check]"})["nodeIds"]
        for node, element in zip(nodes, marked):
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            names = [font["familyName"] for font in fonts]
            if any("last resort" in name.lower() for name in names):
                problems.append(f"<{element['tag']}> {element['text']!r}: drawn with {names}")
                continue
            if any(font["isCustomFont"] for font in fonts):
                continue       # a web font: its characters are not fontconfig's to tell
            covered = set()
            for font in fonts:
                covered |= font_characters(font["postScriptName"])
            missing = [c for c in element["chars"] if ord(c) not in covered]
            if missing:
                problems.append(f"<{element['tag']}> {element['text']!r}: no glyph for "
                                + ", ".join(f"U+{ord(c):04X}" for c in missing) + f" in {names}")
    finally:
        cdp.detach()
    return problems
