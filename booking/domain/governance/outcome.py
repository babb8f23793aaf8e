"""How a closed proposal's outcome follows from its counts: pure rules, no database.

Quorum is a share of those who may vote; abstentions count for the quorum but not for the
majority; a tie is not a majority; a single block rejects a consent decision.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    outcome: str  # "adopted", "rejected" or "no_quorum"
    winner: int | None = None  # the leading option's position (choice, score, time)


def quorum_reached(eligible: int, voted: int, quorum_percent: int) -> bool:
    return eligible > 0 and voted * 100 >= quorum_percent * eligible


def _two_thirds(for_: int, against: int) -> bool:
    return for_ > 0 and 3 * for_ >= 2 * (for_ + against)


def decide(kind: str, threshold: str, quorum_percent: int, eligible: int, voted: int,
           choices: dict[str, int], options: list[int]) -> Decision:
    """`choices`: consent or majority counts by choice; `options`: votes (or score totals)
    per option position."""
    if not quorum_reached(eligible, voted, quorum_percent):
        return Decision("no_quorum")
    if kind == "consent":
        agree, disagree = choices.get("agree", 0), choices.get("disagree", 0)
        if choices.get("block", 0) or agree == 0:
            return Decision("rejected")
        if threshold == "two_thirds":
            return Decision("adopted" if _two_thirds(agree, disagree) else "rejected")
        if threshold == "simple":
            return Decision("adopted" if agree > disagree else "rejected")
        return Decision("adopted")  # no block
    if kind == "majority":
        yes, no = choices.get("yes", 0), choices.get("no", 0)
        passed = _two_thirds(yes, no) if threshold == "two_thirds" else yes > no
        return Decision("adopted" if passed else "rejected")
    top = max(options, default=0)
    leaders = [position for position, value in enumerate(options) if value == top]
    if top == 0 or len(leaders) != 1:
        return Decision("rejected")
    if kind == "choice" and threshold == "two_thirds" and 3 * top < 2 * voted:
        return Decision("rejected")
    return Decision("adopted", leaders[0])
