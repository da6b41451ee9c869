"""Executives and researchers: trust in the CEO, a personal threshold, ties to colleagues."""

from __future__ import annotations

import mesa

from model import trust as trustlib


class Employee(mesa.Agent):
    """Someone who works for the CEO and leaves when trust stays below their threshold."""

    group = "employee"

    def __init__(self, model, title: str, function: str, ethics: float, trust: float,
                 threshold: float, core: bool = False) -> None:
        super().__init__(model)
        self.title = title
        self.function = function
        self.ethics = ethics
        self.trust = trust
        self.threshold = threshold
        self.core = core
        self.ties: list[Employee] = []
        self.present = True
        self.left_week: int | None = None   # the week they resigned (not laid off)
        self.felt = 0.0          # contagion shocks delivered this week (kept promises)
        self.asked = 0           # tied colleagues whose leaving reached this person this week
        self.felt_recent = 0.0   # decaying memory of colleagues leaving, to explain departures

    @property
    def name(self) -> str:
        return self.title if self.group == "executive" else f"{self.title} #{self.unique_id}"

    @property
    def role(self) -> str:
        return "core researcher" if self.core else self.group

    def step(self) -> None:
        m = self.model
        k = m.employee_constants   # (ethics scale, gain, asymmetry, hazard, turnover, follow)
        ethics = k[0] * self.ethics
        felt, asked = self.felt, self.asked
        self.felt_recent = 0.8 * self.felt_recent + felt
        self.felt, self.asked = 0.0, 0
        self.trust = trustlib.update(self.trust, m.evidence[self.group] - ethics - felt, k[1], k[2])
        r = m.rng.random()
        if self.trust < self.threshold:
            if r < k[3]:
                m.employee_leaves(self, *self.reason(ethics))
        elif r < k[4]:
            m.employee_leaves(self, "left for another job (normal turnover)", "normal turnover")
        # Colleagues who left ask you to follow (or recruit you): each ask is taken with a
        # chance that grows with distrust (Felps et al. 2009, turnover contagion).
        if asked and self.present and m.rng.random() < 1.0 - (1.0 - k[5] * (1.0 - self.trust)) ** asked:
            m.employee_leaves(self, f"followed {asked} colleague{'s' if asked > 1 else ''} who "
                              f"left (trust {self.trust:.2f})", "colleagues leaving")

    def reason(self, ethics: float) -> tuple[str, str]:
        """The strongest of the pressures this person felt: (sentence, cause in words)."""
        m = self.model
        causes = dict(m.evidence_parts[self.group])
        causes["disagreement over the copyright stance"] = ethics
        causes["colleagues leaving"] = self.felt_recent
        cause = max(causes, key=causes.get)
        return (f"trust {self.trust:.2f} below threshold {self.threshold:.2f}; main cause: "
                f"{cause}", cause)


class Executive(Employee):
    group = "executive"


class Researcher(Employee):
    group = "researcher"
