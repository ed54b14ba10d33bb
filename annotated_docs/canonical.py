"""One spelling for every HTML fragment, so that equal notes give byte-equal keys.

Translation keys are the English notes HTML; a translator's file keeps working only if the
generator always spells the same notes the same way. The canonical form re-serialises
markup as parsed: text escaped exactly as `html.escape(text, quote=True)` does (so `'`
becomes `&#x27;`), attribute values in double quotes escaped the same way, HTML void
elements without a slash (`<br>`), MathML's self-closing elements with one (`<mspace/>`).
Comments and the contents of `<script>`/`<style>` are kept as written.
"""
import html
from html.parser import HTMLParser

HTML_VOID_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta source track wbr".split())


def canonicalise(markup: str) -> str:
    serialiser = _Serialiser()
    serialiser.feed(markup)
    serialiser.close()
    return "".join(serialiser.parts)


def start_tag(tag: str, attributes: list[tuple[str, str | None]], self_closing: bool = False) -> str:
    spelled = "".join(f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"'
                      for name, value in attributes)
    return f"<{tag}{spelled}{'/' if self_closing else ''}>"


class _Serialiser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._raw_text = False

    def handle_starttag(self, tag, attrs):
        self.parts.append(start_tag(tag, attrs))
        self._raw_text = tag in ("script", "style")

    def handle_startendtag(self, tag, attrs):
        self.parts.append(start_tag(tag, attrs, self_closing=tag not in HTML_VOID_ELEMENTS))

    def handle_endtag(self, tag):
        self._raw_text = False
        if tag not in HTML_VOID_ELEMENTS:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        self.parts.append(data if self._raw_text else html.escape(data, quote=True))

    def handle_comment(self, data):
        self.parts.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.parts.append(f"<!{decl}>")

    def unknown_decl(self, data):
        self.parts.append(f"<![{data}]>")
