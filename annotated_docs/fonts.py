"""The site's math font: STIX Math (SIL Open Font License), cut down with fontTools to the
characters the pages' formulas use and saved as WOFF2 at `static/math.woff2`.

The font comes from Debian's `fonts-stix` (`apt-get install fonts-stix`); another OpenType
math font can be named with `[tool.annotated_docs] math-font` or `--math-font`. The subset
keeps the MATH table (script shifts, fraction rules, stretchy delimiters) for the glyphs
kept. The same font and the same characters give the same bytes: the head table's
modification time is kept as the font file has it, never set to the build's time.
"""
import hashlib
import io
import re
from pathlib import Path

from .errors import BuildError, BuildFailed
from .manifest import Produced, Target, input_hash, produce

DEFAULT_MATH_FONT = Path("/usr/share/fonts/opentype/stix-word/STIXMath-Regular.otf")
FAMILY = "Site Math"
OUTPUT = "static/math.woff2"
FONT_NOT_FOUND = ("math font not found; install it (apt-get install fonts-stix) or name another "
                  "OpenType math font with --math-font or [tool.annotated_docs] math-font")

# Always kept, so that a formula a translator types still finds its letters and digits:
# ASCII, Greek, common operators, and the mathematical italic letters (U+1D434..., U+1D6E2...)
# Chromium shows a one-letter <mi> in (MathML Core's `text-transform: math-auto`).
BASE_CHARACTERS = "".join(chr(code) for code in [*range(0x20, 0x7F), *range(0x391, 0x3CA),
                                                 *range(0x1D434, 0x1D468), 0x210E,
                                                 *range(0x1D6E2, 0x1D71C)]) \
    + "−×·÷±∓∞∑∏∫∂∇≈≠≤≥←→⇒∈√′‖…⋯"

_MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
_ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def math_characters(notes_html: str) -> set[str]:
    """Every character shown inside the formulas of an HTML fragment (TeX sources excluded)."""
    import html
    found = set()
    for formula in _MATH.findall(notes_html):
        found.update(html.unescape(_TAG.sub("", _ANNOTATION.sub("", formula))))
    return {character for character in found if not character.isspace()}


def produce_math_font(font_file: Path, characters: set[str], generator: str,
                      target: Target) -> list[Produced]:
    """The build's stage for `static/math.woff2`, cut again only when the font or the
    characters the formulas use changed; nothing when no page has a formula."""
    if not characters:
        return []
    try:
        font_hash = hashlib.sha256(font_file.read_bytes()).hexdigest()
    except OSError:
        raise BuildFailed([BuildError(font_file, 0, FONT_NOT_FOUND)])
    digest = input_hash(generator, font_hash, "".join(sorted(characters)))
    try:
        return [produce(target, OUTPUT, digest, lambda: subset_woff2(font_file, characters))]
    except BuildError as error:
        raise BuildFailed([error])


def subset_woff2(font_file: Path, characters: set[str]) -> bytes:
    """`font_file` cut to `characters` (and BASE_CHARACTERS), as WOFF2 bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    if not Path(font_file).is_file():
        raise BuildError(font_file, 0, FONT_NOT_FOUND)
    try:
        font = TTFont(str(font_file), recalcTimestamp=False, lazy=False)
    except Exception as error:    # fontTools raises several kinds for a file that is no font
        raise BuildError(font_file, 0, f"not a readable OpenType font ({error})")
    if "MATH" not in font:
        raise BuildError(font_file, 0, "font has no MATH table; name an OpenType math font "
                         "(STIX Math, Latin Modern Math)")
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]          # keep the copyright and licence records
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["FFTM"]   # FontForge's own timestamps; no renderer reads them
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(BASE_CHARACTERS) | characters)))
    subsetter.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()
