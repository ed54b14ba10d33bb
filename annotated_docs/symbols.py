"""Symbols linked to code, as on nn.labml.ai: a page declares once, in its front matter, which
variable of its code holds each symbol of its formulas,

    symbols:
      T: temperature
      \\alpha: alpha
      p_i: teacher_log_p

and every such symbol in a formula, and every such name in the code column, carries
`data-symbol`; hovering or focusing one highlights the others (site.js). A symbol is a
letter, a TeX Greek letter, or either with a one-letter subscript. The build stops when a
symbol cannot be read or maps to a name the page's code does not contain.
"""
import html
import re

from .errors import BuildError

GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ",
         "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω"}
_SYMBOL = re.compile(r"(?P<base>[A-Za-z]|\\[a-z]+)(?:_(?P<sub>[A-Za-z0-9]))?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def declared(front_matter: dict, file, line: int, page_path: str, code_html: str) -> tuple[tuple[str, str], ...]:
    """The page's `symbols:` as ((symbol, name), ...), checked against its code."""
    value = front_matter.get("symbols")
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(key, str) and isinstance(name, str)
                                              for key, name in value.items()):
        raise BuildError(file, line, f"page {page_path}: front matter `symbols` must map each symbol "
                         "to the name of a variable in the code (T: temperature)", f"symbols: {value!r}")
    names = set(_NAME.findall(html.unescape(re.sub(r"<[^>]*>", "", code_html))))
    for symbol, name in value.items():
        match = _SYMBOL.fullmatch(symbol)
        if not match or (match.group("base").startswith("\\") and match.group("base")[1:] not in GREEK):
            raise BuildError(file, line, f"page {page_path}: symbol {symbol!r} is not a letter, a Greek "
                             "letter (\\alpha) or one with a one-letter subscript (p_i)", f"{symbol}: {name}")
        if name not in names:
            raise BuildError(file, line, f"page {page_path}: symbol {symbol!r} maps to {name!r}, which the "
                             "page's code does not contain; name a variable of its code", f"{symbol}: {name}")
    return tuple(value.items())


def _mathml(symbol: str) -> str:
    match = _SYMBOL.fullmatch(symbol)
    base = match.group("base")
    base = GREEK[base[1:]] if base.startswith("\\") else base
    if match.group("sub"):
        sub = match.group("sub")
        kind = "mn" if sub.isdigit() else "mi"
        return f"<msub><mi>{base}</mi><{kind}>{sub}</{kind}></msub>"
    return f"<mi>{base}</mi>"


def link_formulas(notes_html: str, symbols) -> str:
    """Each declared symbol in the notes' formulas carries `data-symbol` and can be focused."""
    for symbol, _ in sorted(symbols, key=lambda pair: "_" not in pair[0]):
        element = _mathml(symbol)
        tag = element[1:element.index(">")]
        marked = f'<{tag} data-symbol="{html.escape(symbol)}" tabindex="0">' + element[len(tag) + 2:]
        # a subscripted symbol is matched before its base letter alone could be
        notes_html = re.sub(r"(<math\b[^>]*>)(.*?)(</math>)",
                            lambda math: math.group(1) + math.group(2).replace(element, marked) + math.group(3),
                            notes_html, flags=re.DOTALL)
    return notes_html


def link_code(line_html: str, symbols) -> str:
    """Each declared variable in a line of highlighted code carries `data-symbol`."""
    for symbol, name in symbols:
        line_html = line_html.replace(f'<span class="n">{name}</span>',
                                      f'<span class="n" data-symbol="{html.escape(symbol)}">{name}</span>')
    return line_html
