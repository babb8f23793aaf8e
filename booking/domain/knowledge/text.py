"""Text helpers for search: the words of a query (folded: lower case, no accents), Markdown as
plain text for extracts, and the opening words of an article."""
from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

WORD = re.compile(r"\w+", re.UNICODE)
# Raw HTML in Markdown: the page drops the tags it does not keep, the extracts drop them all.
HTML_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)


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
    """Markdown without its marks nor raw HTML tags, for extracts."""
    text = HTML_TAG.sub(" ", markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[#*_`>|~]+|^\s*[-+]\s+(\[[ xX]\]\s*)?", " ", text, flags=re.MULTILINE)
    return re.sub(r"\s+", " ", text).strip()


def opening(markdown: str, width: int = 180) -> Markup:
    """The first words of an article, for lists without a search."""
    text = plain_text(markdown[:width * 4])
    if len(text) <= width:
        return Markup(escape(text))
    return Markup(escape(text[:width].rsplit(" ", 1)[0])) + Markup(" …")
