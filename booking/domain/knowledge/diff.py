"""The differences between two revisions, word by word (prose changes a word here and
there; a line diff would mark whole paragraphs)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class DiffPiece:
    """A run of text: `kind` is "same", "added" or "removed"."""

    kind: str
    text: str


def word_diff(old: str, new: str) -> list[DiffPiece]:
    """Pieces that rebuild `new` with what `old` had and `new` lost marked "removed"."""
    before, after = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    pieces: list[DiffPiece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(DiffPiece("removed", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(DiffPiece("added", "".join(after[j1:j2])))
    return pieces


def has_changes(pieces: list[DiffPiece]) -> bool:
    return any(piece.kind != "same" for piece in pieces)
