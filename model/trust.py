"""Trust in the CEO: bounded in [0, 1], slow to build and fast to lose.

Evidence is a dimensionless weekly signal (positive = reassuring). Good evidence closes a
fraction ``gain`` of the gap to 1; bad evidence removes a fraction ``gain * asymmetry`` of
the trust held. The asymmetry ("bad is stronger than good") follows Slovic (1993),
*Perceived risk, trust, and democracy*, Risk Analysis 13(6), and Baumeister et al. (2001),
*Bad is stronger than good*, Rev. Gen. Psychology 5(4); the ratio itself is a scenario value.
"""

from __future__ import annotations


def update(trust: float, evidence: float, gain: float, asymmetry: float) -> float:
    """New trust after one week's ``evidence``; stays within [0, 1]."""
    if evidence >= 0.0:
        step = gain * evidence
        trust += (step if step < 1.0 else 1.0) * (1.0 - trust)
    else:
        step = -gain * asymmetry * evidence
        trust -= (step if step < 1.0 else 1.0) * trust
    return trust


class Credibility:
    """How believable the CEO's promises are to one audience.

    A Beta-style mean where each broken promise counts ``break_weight`` kept ones, so
    repeated breaks make new promises worth less.
    """

    __slots__ = ("kept", "broken", "break_weight")

    def __init__(self, break_weight: float) -> None:
        self.kept = 0
        self.broken = 0
        self.break_weight = break_weight

    @property
    def value(self) -> float:
        return (self.kept + 1.0) / (self.kept + self.break_weight * self.broken + 2.0)
