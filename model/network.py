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
