"""What a query finds in a language's search index: the same rules as `static/site.js`, in
Python, so that tests (and anyone without a browser) can ask what a reader's query finds.

The index (`search_index`) holds each section's text as shown; nothing is tokenised when
the site is built, so the index stays small and one scheme serves every language. A query
is cut into terms, and each term is looked for in the text, the heading and the page's title:

* `fold`: both the query and the text are compared after NFKC (full-width letters and
  brackets, half-width katakana, T² -> T2), lower case, Greek letters spelt out (α -> alpha)
  and `^ _ { } \\ $` dropped (so T^2, T2 and T² are one).
* `terms`: the folded query is cut at spaces; a piece with no Chinese or Japanese character
  is one word, found as a substring (as English search always was). In a piece that has
  some, each run of Han, hiragana and katakana characters is a CJK term and each run of other
  characters with a letter or digit a word: `logit温度` is `logit` and `温度`.
* A CJK term is found when the run itself is (`软目标` in "软目标项"), or else when each of its
  characters is part of one of its overlapping character pairs (bigrams) that is found:
  `软目标温度` finds a section that says 软目标 and 温度 apart, but not one that says only
  温度. Chinese and Japanese write no spaces between words, so the pairs stand in for words.
* Every term must be found in an entry. The score: a term in the heading counts 4, in the page
  title 2, each time in the text 1 (at most 4), in the names of code half; a CJK term found
  only by its pairs counts half the mean of its pairs'. A heading or title that is the whole
  query adds 8. Ties keep reading order; one result per title, 20 at most.

`tests/test_browser_search_cjk.py` checks that the browser's `terms` and results are these,
query for query.
"""
from __future__ import annotations

import re
import unicodedata

GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "θ": "theta",
         "λ": "lambda", "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "φ": "phi", "ω": "omega"}
_GREEK = re.compile("[" + "".join(GREEK) + "]")
_DROPPED = re.compile(r"[\^_{}\\$]")
# Han (unified, extension A, compatibility, the extensions beyond the BMP), 々 〆 〇,
# hiragana, katakana and its extensions without the middle dot ・ (a separator)
CJK = re.compile("[\u3005-\u3007\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
                 "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# Python's whitespace and JavaScript's, both (site.js's SPACE is the same set)
_SPACE = re.compile("[\\s\ufeff]+")
RESULTS = 20


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _DROPPED.sub("", _GREEK.sub(lambda match: GREEK[match.group()], text))


def _has_letter_or_digit(text: str) -> bool:
    return any(unicodedata.category(character)[0] in "LN" for character in text)


def bigrams(run: str) -> list[str]:
    """The overlapping character pairs of a run (one character: itself)."""
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


def terms(query: str) -> list[dict]:
    """The query's terms: {"word": text} or {"cjk": run, "grams": [pairs]}, in order."""
    found = []
    for piece in (piece for piece in _SPACE.split(fold(query)) if piece):
        if not CJK.search(piece):
            found.append({"word": piece})
            continue
        for run in re.findall(f"{CJK.pattern}+|(?:(?!{CJK.pattern}).)+", piece, re.DOTALL):
            if CJK.match(run):
                found.append({"cjk": run, "grams": bigrams(run)})
            elif _has_letter_or_digit(run):
                found.append({"word": run})
    return found


def _word_score(word: str, heading: str, text: str, title: str, code: bool) -> float | None:
    in_text, in_heading, in_title = text.count(word), word in heading, word in title
    if not in_text and not in_heading and not in_title:
        return None
    return (4 if in_heading and not code else 0) + (2 if in_title else 0) \
        + (0.5 if code else 1) * min(in_text, 4)


def _term_score(term: dict, heading: str, text: str, title: str, code: bool) -> float | None:
    if "word" in term:
        return _word_score(term["word"], heading, text, title, code)
    whole = _word_score(term["cjk"], heading, text, title, code)
    grams = term["grams"]
    if whole is not None or len(grams) == 1:
        return whole
    found = [_word_score(gram, heading, text, title, code) for gram in grams]
    covered = all((i > 0 and found[i - 1] is not None) or (i < len(grams) and found[i] is not None)
                  for i in range(len(grams) + 1))
    if not covered:
        return None
    total = 0.0
    for score in found:
        if score is not None:
            total += score
    return 0.5 * total / len(grams)


def shown_title(entry: list, page: list) -> str:
    """A result's title: the page's title and the heading (or the first words)."""
    code = len(entry) > 4 and entry[4] == 1
    under = entry[1] or ("" if code else " ".join(_SPACE.split(entry[3])[:8]))
    return page[1] + (" › " + under if under and under != page[1] else "") + (" ‹›" if code else "")


def search(index: dict, query: str) -> list[dict]:
    """The results of `query` in an index as `search_index.unpack` gives it: each
    {"href": page output + "#" + anchor, "title": shown title, "score": score}, best first."""
    wanted = terms(query)
    if not wanted:
        return []
    whole = " ".join(piece for piece in _SPACE.split(fold(query)) if piece)
    found = []
    for position, entry in enumerate(index["entries"]):
        page = index["pages"][entry[0]]
        heading, text, title = fold(entry[1]), fold(entry[3]), fold(page[1])
        code = len(entry) > 4 and entry[4] == 1
        score = 0.0
        for term in wanted:
            term_score = _term_score(term, heading, text, title, code)
            if term_score is None:
                break
            score += term_score
        else:
            if not code and (heading == whole or title == whole):
                score += 8
            found.append({"href": f"{page[0]}#{entry[2]}", "title": shown_title(entry, page),
                          "score": score, "position": position})
    found.sort(key=lambda result: (-result["score"], result["position"]))
    seen, results = set(), []
    for result in found:
        if result["title"] in seen:
            continue
        seen.add(result["title"])
        results.append({key: result[key] for key in ("href", "title", "score")})
    return results[:RESULTS]
