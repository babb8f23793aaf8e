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
    opcodes = matcher.get_opcodes()
    pieces: list[DiffPiece] = []
    removed, added = [], []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        text = "".join(before[i1:i2])
        between_changes = 0 < index < len(opcodes) - 1 and not text.strip()
        if tag == "equal" and not between_changes:
            _flush(pieces, removed, added)
            pieces.append(DiffPiece("same", text))
            continue
        # A lone space between two changed words belongs to the change: one run, not many.
        removed.append(text)
        added.append("".join(after[j1:j2]))
    _flush(pieces, removed, added)
    return pieces


def _flush(pieces: list[DiffPiece], removed: list[str], added: list[str]) -> None:
    if "".join(removed):
        pieces.append(DiffPiece("removed", "".join(removed)))
    if "".join(added):
        pieces.append(DiffPiece("added", "".join(added)))
    removed.clear()
    added.clear()


def has_changes(pieces: list[DiffPiece]) -> bool:
    return any(piece.kind != "same" for piece in pieces)
