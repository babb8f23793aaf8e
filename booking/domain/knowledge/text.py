"""Text helpers for search: accent folding that keeps every character's position (so an
extract found in the folded text can be cut from the original), and query terms."""
from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

WORD = re.compile(r"\w+", re.UNICODE)


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1] or char
    return base.lower() if len(base.lower()) == 1 else char.lower()[:1] or char


def fold(text: str) -> str:
    """Lower case without accents, one character for one: "Répétition" -> "repetition"."""
    return "".join(_fold_char(char) for char in text)


def query_terms(query: str) -> list[str]:
    """The folded words of a query, longest first, at most eight."""
    words = {word for word in WORD.findall(fold(query)) if len(word) > 1}
    return sorted(words, key=len, reverse=True)[:8]


def crude_stem(term: str) -> str:
    """What SQLite searches for: the word without a plural ending (s, x), so "repetitions"
    finds "repetition". PostgreSQL stems properly, per language."""
    if len(term) > 3 and term[-1] in "sx":
        return term[:-1]
    return term


def plain_text(markdown: str) -> str:
    """Markdown without its marks, for extracts."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[#*_`>|~]+|^\s*[-+]\s+(\[[ xX]\]\s*)?", " ", text, flags=re.MULTILINE)
    return re.sub(r"\s+", " ", text).strip()


def excerpt(markdown: str, terms: list[str], width: int = 180) -> Markup:
    """A short passage around the first term found, the terms marked with <mark>."""
    text = plain_text(markdown)
    folded = fold(text)
    stems = [crude_stem(t)[:max(4, len(t) - 3)] for t in terms]
    positions = [folded.find(stem) for stem in stems if stem and stem in folded]
    start = max(0, min(positions) - width // 3) if positions else 0
    end = min(len(text), start + width)
    piece, folded_piece = text[start:end], folded[start:end]
    pattern = re.compile("|".join(re.escape(s) + r"\w*" for s in stems if s)) if stems else None
    out, last = [], 0
    for match in (pattern.finditer(folded_piece) if pattern else ()):
        out.append(escape(piece[last:match.start()]))
        out.append(Markup("<mark>%s</mark>") % piece[match.start():match.end()])
        last = match.end()
    out.append(escape(piece[last:]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return Markup(prefix) + Markup("").join(out) + Markup(suffix)
