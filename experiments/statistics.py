"""Small statistics helpers: arrays in, named results out (SciPy style, no hidden state)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats


class KMQuantiles(NamedTuple):
    """Kaplan-Meier quantiles of a time to event; None where the curve never gets there."""
    median: float | None
    lo: float | None      # 10th percentile
    hi: float | None      # 90th percentile
    observed: int         # runs where the event happened
    n: int


def km_quantiles(times, observed, probs=(0.5, 0.1, 0.9)) -> KMQuantiles:
    """Quantiles of the event-time distribution with right-censoring (Kaplan-Meier).

    ``times`` are event weeks where ``observed`` is true and censoring weeks elsewhere
    (the last week a run was watched without the event).
    """
    times = np.asarray(times, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if not observed.any():
        return KMQuantiles(None, None, None, 0, len(times))
    data = stats.CensoredData(uncensored=times[observed], right=times[~observed])
    cdf = stats.ecdf(data).cdf
    out = []
    for p in probs:
        reached = np.nonzero(cdf.probabilities >= p - 1e-12)[0]
        out.append(float(cdf.quantiles[reached[0]]) if len(reached) else None)
    return KMQuantiles(out[0], out[1], out[2], int(observed.sum()), len(times))
