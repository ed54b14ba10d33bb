"""Render a section's notes (CommonMark + math + front matter) to canonical HTML.

* Markdown: markdown-it-py's CommonMark preset with mdit-py-plugins' dollarmath and
  front_matter.
* Math: `$...$` and `$$...$$` become MathML at build time (math-core); invalid LaTeX is a
  BuildError naming file, line and the expression.
* Inline code is highlighted as Python; fenced code by its info string.
* Links to `.md`/`.py` files become links to their `.html` pages.
* Local images are kept as `<img>` and listed in `Notes.images` with their line, for the
  build to copy (see `pages.load_page`).
* Remote images are never loaded: they render as a styled text link (or, already inside
  a link, a styled span) carrying the alt text.
* Soft line breaks render as a space, so every paragraph is on one line.
* The section's final line break belongs to its last paragraph (see `_keep_final_break`).
"""
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from math_core import LatexError, LatexToMathML
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from . import code
from .canonical import canonicalise
from .errors import BuildError
from .paths import page_path

_MATH = LatexToMathML(fancy_error=False)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


@dataclass(frozen=True)
class Notes:
    html: str
    front_matter: dict = field(default_factory=dict)
    front_matter_lines: dict = field(default_factory=dict)   # top-level key -> its source line
    heading: str | None = None      # text of the first level-1 heading
    first_paragraph: str = ""       # plain text, for a summary
    images: tuple[tuple[str, int], ...] = ()   # local images: (src as written, source line)


def render_notes(markdown: str, file: Path, first_line: int = 1) -> Notes:
    """Render notes whose first line is line `first_line` of `file`."""
    env = {"file": Path(file), "first_line": first_line, "images": []}
    tokens = _MARKDOWN.parse(markdown, env)
    _annotate_lines(tokens)
    _keep_final_break(tokens, markdown)
    front_matter, front_matter_lines = _front_matter(tokens, env)
    rendered = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)
    return Notes(html=_canonical(rendered, tokens), front_matter=front_matter,
                 front_matter_lines=front_matter_lines,
                 heading=_first_text(tokens, "heading_open", tag="h1"),
                 first_paragraph=_first_text(tokens, "paragraph_open"),
                 images=tuple(env["images"]))


def page_link(target: str) -> str:
    """`large.py#x` -> `large.html#x`, `__init__.py` -> `index.html`; others unchanged."""
    if _SCHEME.match(target) or target.startswith(("#", "/")):
        return target
    path, hash_mark, fragment = target.partition("#")
    if path.endswith(".py") or path.endswith(".md"):
        path = page_path(path) + ".html"
    return path + hash_mark + fragment


def _keep_final_break(tokens, markdown: str) -> None:
    """Keep the notes' final line break as a space before the last `</p>`.

    CommonMark drops a paragraph's final line break. The labml pipeline that produced
    the user's translation keys (`translations/si/readme.json`) kept it as a soft break
    inside the section's last paragraph, so its keys end `... </p>` exactly when the
    paragraph ends the section text with a newline, and nowhere else. Keys are the
    translator's contract, so we keep that single space; it is invisible on the page.
    """
    if tokens and tokens[-1].type == "paragraph_close" and tokens[-1].level == 0 \
            and markdown.endswith("\n"):
        tokens[-1].meta["final_break"] = True


def _annotate_lines(tokens) -> None:
    """Give inline tokens the (0-based) Markdown line they are on, for error messages."""
    for token in tokens:
        if token.type != "inline" or token.map is None:
            continue
        line = token.map[0]
        for child in token.children or []:
            child.meta["line"] = line
            if child.type in ("softbreak", "hardbreak"):
                line += 1


def _front_matter(tokens, env) -> tuple[dict, dict[str, int]]:
    """The front matter, and the source line of each of its top-level keys (for errors)."""
    for token in tokens:
        if token.type != "front_matter":
            continue
        loader = yaml.SafeLoader(token.content)
        try:
            node = loader.get_single_node()
            data = (loader.construct_document(node) if node is not None else None) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            offset = (mark.line + 1) if mark else 0
            line_text = token.content.splitlines()[mark.line] if mark and mark.line < len(
                token.content.splitlines()) else token.content.splitlines()[0] if token.content else ""
            raise BuildError(env["file"], env["first_line"] + token.map[0] + offset,
                             f"broken front matter: {getattr(error, 'problem', error)}", line_text)
        finally:
            loader.dispose()
        if not isinstance(data, dict):
            raise BuildError(env["file"], env["first_line"] + token.map[0],
                             "front matter must be a YAML mapping (title: ..., summary: ...)",
                             token.content)
        first = env["first_line"] + token.map[0] + 1      # the line after the opening `---`
        lines = {key.value: first + key.start_mark.line for key, _ in node.value
                 if isinstance(key, yaml.ScalarNode)} if isinstance(node, yaml.MappingNode) else {}
        return data, lines
    return {}, {}


def _first_text(tokens, opening: str, tag: str | None = None) -> str | None:
    for index, token in enumerate(tokens):
        if token.type == opening and token.level == 0 and (tag is None or token.tag == tag):
            return " ".join(_plain_text(tokens[index + 1].children or []).split())
    return None


def _plain_text(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content if child.type != "html_inline" else "")
        elif child.type in ("math_inline", "math_inline_double"):
            parts.append(f"${child.content}$")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain_text(child.children or []))
    return "".join(parts)


def _canonical(rendered: str, tokens) -> str:
    """The canonical spelling of the rendered notes (see `canonical`).

    markdown-it already escapes text and attribute values as the canonical form does, except
    for `'`, and the MathML is canonicalised as it is made; only raw HTML written in the
    notes can be spelled any way, and only then do we parse and re-serialise the whole.
    `tests/test_site_notes.py` checks that the result is a fixed point of `canonicalise`."""
    raw_html = any(token.type == "html_block"
                   or any(child.type == "html_inline" for child in token.children or ())
                   for token in tokens)
    return canonicalise(rendered) if raw_html else rendered.replace("'", "&#x27;")


@functools.lru_cache(maxsize=4096)
def _mathml(latex: str, display: bool) -> str:
    """MathML in canonical spelling; a formula used again is converted once."""
    return canonicalise(_MATH.convert_with_local_state(latex, displaystyle=display))


def _math(latex: str, display: bool, token, env) -> str:
    try:
        return _mathml(latex, display)
    except LatexError as error:
        line = env["first_line"] + token.meta.get("line", (token.map or [0])[0])
        delimiter = "$$" if display else "$"
        raise BuildError(env["file"], line, f"invalid LaTeX: {error}",
                         f"{delimiter}{latex.strip()}{delimiter}")


def _render_math_inline(self, tokens, index, options, env):
    return _math(tokens[index].content, False, tokens[index], env)


def _render_math_display(self, tokens, index, options, env):
    rendered = _math(tokens[index].content, True, tokens[index], env)
    return rendered + ("\n" if tokens[index].block else "")


def _render_code_inline(self, tokens, index, options, env):
    return f'<code class="highlight">{code.highlight_inline(tokens[index].content)}</code>'


def _render_fence(self, tokens, index, options, env):
    token = tokens[index]
    language = token.info.strip().split(" ")[0] if token.info else ""
    highlighted = code.highlight_block(token.content.rstrip("\n"), language)
    return f'<pre class="highlight" tabindex="0"><code>{highlighted}</code></pre>\n'


def _render_link_open(self, tokens, index, options, env):
    token = tokens[index]
    token.attrSet("href", page_link(token.attrGet("href") or ""))
    return self.renderToken(tokens, index, options, env)


def _render_image(self, tokens, index, options, env):
    token = tokens[index]
    source = token.attrGet("src") or ""
    alt = _plain_text(token.children or []) or "image"
    if not _SCHEME.match(source):
        # a local image: the build copies it next to the page (or names the line when missing)
        env["images"].append((source, env["first_line"] + token.meta.get("line", 0)))
        token.attrSet("alt", alt)
        return self.renderToken(tokens, index, options, env)
    if _inside_link(tokens, index):
        return f'<span class="remote-image" title="{_attr(source)}">{_text(alt)}</span>'
    return f'<a class="remote-image" href="{_attr(source)}">{_text(alt)}</a>'


def _inside_link(tokens, index) -> bool:
    depth = 0
    for token in tokens[:index]:
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    return depth > 0


def _render_softbreak(self, tokens, index, options, env):
    return " "


def _render_paragraph_close(self, tokens, index, options, env):
    token = tokens[index]
    if token.hidden:
        return self.renderToken(tokens, index, options, env)
    return (" " if token.meta.get("final_break") else "") + "</p>\n"


def _attr(value: str) -> str:
    import html
    return html.escape(value, quote=True)


def _text(value: str) -> str:
    import html
    return html.escape(value, quote=True)


def _build_markdown() -> MarkdownIt:
    # CommonMark has no tables; the notes' Markdown tables (GFM pipes) need the table rule
    markdown = (MarkdownIt("commonmark", {"xhtmlOut": False})
                .enable("table")
                .use(front_matter_plugin)
                .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True))
    rules = {
        "math_inline": _render_math_inline,
        "math_inline_double": _render_math_display,
        "math_block": _render_math_display,
        "math_block_label": _render_math_display,
        "code_inline": _render_code_inline,
        "fence": _render_fence,
        "code_block": _render_fence,
        "link_open": _render_link_open,
        "image": _render_image,
        "softbreak": _render_softbreak,
        "paragraph_close": _render_paragraph_close,
    }
    for name, rule in rules.items():
        markdown.add_render_rule(name, rule)
    return markdown


_MARKDOWN = _build_markdown()
