"""Colleague ties and departure contagion.

Each employee has ties to a few colleagues, mostly in their own group (homophily). When
someone leaves, every tied colleague still there hears of it after a lag of a few weeks (the
time it takes to hear why they left and to be asked to follow): their trust takes a shock,
and they may follow the colleague out (employees.py). Turnover spreads through coworkers'
ties beyond what each person's own attitudes predict (Felps et al. 2009, "Turnover
contagion", Academy of Management Journal 52(3)); the sizes here are calibrated.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import numpy as np

# "Close in time" for the clustering statistic: the later of two departures came 1 to 8
# weeks after the earlier (about two months). A measurement choice, not behaviour: it spans
# the contagion lags of the prior (1 to 12 weeks) without reaching across a whole crisis.
CLUSTER_WINDOW_WEEKS = 8


def tie_colleagues(people: list, ties: int, rng, same_group: float) -> None:
    """Give everyone about ``ties`` undirected ties; ``same_group`` of them inside their group."""
    if len(people) < 2 or ties <= 0:
        return
    groups = defaultdict(list)
    for p in people:
        groups[p.group].append(p)
    for p in people:
        for _ in range(ties // 2 + (1 if rng.random() < (ties % 2) / 2 else 0)):
            pool = groups[p.group] if rng.random() < same_group and len(groups[p.group]) > 1 else people
            other = pool[int(rng.integers(len(pool)))]
            if other is not p and other not in p.ties:
                p.ties.append(other)
                other.ties.append(p)


def tie_newcomer(person, people: list, ties: int, rng) -> None:
    """Tie a newcomer (a successor executive) to ``ties`` random colleagues."""
    others = [p for p in people if p is not person]
    if not others:
        return
    for k in rng.choice(len(others), size=min(ties, len(others)), replace=False).tolist():
        person.ties.append(others[k])
        others[k].ties.append(person)


class Contagion:
    """Shocks scheduled for future weeks: week -> list of (person, shock)."""

    def __init__(self, shock: float, follow: float, lag_min: int, lag_max: int) -> None:
        self.shock, self.follow, self.lag_min, self.lag_max = shock, follow, lag_min, lag_max
        self.pending: dict[int, list] = defaultdict(list)

    def departed(self, person, week: int, rng) -> None:
        """Schedule the shock of ``person`` leaving on each colleague still present."""
        for other in person.ties:
            if other.present:
                lag = int(rng.integers(self.lag_min, self.lag_max + 1))
                self.pending[week + lag].append(other)

    def deliver(self, week: int) -> None:
        """Hand this week's news of departures to the colleagues: a shock to their evidence
        and an ask to follow."""
        for other in self.pending.pop(week, ()):
            if other.present:
                other.felt += self.shock
                other.asked += 1


class Clustering(NamedTuple):
    """Knox's space-time statistic on the colleague network: are tied colleagues' departures
    closer in time than any two leavers' are?"""
    observed: int      # tied pairs of leavers who left 1..window weeks apart
    expected: float    # the same count if the departure weeks were shuffled among leavers
    ratio: float | None  # observed / expected (None when nothing is expected)


def departure_clustering(leavers: list, window: int = CLUSTER_WINDOW_WEEKS) -> Clustering:
    """Knox (1964) statistic of ``leavers`` (people with ``left_week`` and ``ties``).

    Of all pairs of leavers, count those who were tied (T), who left 1..``window`` weeks
    apart (C), and both (observed). With departure weeks permuted at random among the
    leavers, the expected count of both is T·C/P over the P pairs. A ratio above 1 means
    departures cluster among colleagues, beyond what the whole company's shared ups and
    downs (which drive everyone's timing alike) explain.
    """
    n = len(leavers)
    if n < 2:
        return Clustering(0, 0.0, None)
    weeks = np.array([p.left_week for p in leavers])
    index = {id(p): i for i, p in enumerate(leavers)}
    tied = np.zeros((n, n), dtype=bool)
    for i, p in enumerate(leavers):
        for q in p.ties:
            j = index.get(id(q))
            if j is not None:
                tied[i, j] = tied[j, i] = True
    gap = np.abs(weeks[:, None] - weeks[None, :])
    close = (gap >= 1) & (gap <= window)
    upper = np.triu_indices(n, 1)
    t, c, both = tied[upper], close[upper], (tied & close)[upper]
    expected = float(t.sum()) * float(c.sum()) / len(t)
    observed = int(both.sum())
    return Clustering(observed, expected, observed / expected if expected > 0 else None)
