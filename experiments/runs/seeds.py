"""Seeds: one root seed -> numpy SeedSequence -> one integer seed per run."""

from __future__ import annotations

import numpy as np


def run_seeds(root: int, n: int) -> list[int]:
    """``n`` independent 63-bit run seeds derived from ``root`` (stable across versions)."""
    children = np.random.SeedSequence(root).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
