"""Splitting an amount of cents so the parts add up to the whole (largest remainder)."""
from __future__ import annotations

from fractions import Fraction


def split_largest_remainder(total: int, weights: dict[int, int | float | Fraction]
                            ) -> dict[int, int]:
    """Integer parts of `total` proportional to `weights`, adding up to `total` exactly.

    Each key first gets the floor of its exact share; the cents left go one by one to the
    largest remainders; ties to the larger weight, then to the smaller key.
    """
    exact = {k: Fraction(w) if not isinstance(w, float) else Fraction(str(w))
             for k, w in weights.items() if w > 0}
    whole = sum(exact.values())
    if not exact or whole <= 0:
        raise ValueError("nothing to split by")
    shares = {k: total * w / whole for k, w in exact.items()}
    parts = {k: int(s // 1) for k, s in shares.items()}
    left = total - sum(parts.values())
    order = sorted(exact, key=lambda k: (-(shares[k] - parts[k]), -exact[k], k))
    for k in order[:left]:
        parts[k] += 1
    return parts
