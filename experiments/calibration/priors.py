"""Priors per parameter path: uniform or log-uniform within documented bounds.

A :class:`Prior` also carries the transform that the ABC-SMC works on: ``z = logit`` of the
position in [lo, hi] for a uniform prior (so every real z is inside the support) and
``z = log x`` for a log-uniform one (uniform in z on [log lo, log hi]; a proposal outside
is rejected without simulating). Densities are given on the z scale (Jacobian included).

:func:`default_priors` is the ONE list of the model's behavioural parameters that
calibration may fit (``BEHAVIOURAL``): how people and investors react, not the company's
inputs (money, head counts, dates, CEO traits, suppliers' shares). Paths missing from the
parameter tree (it is edited concurrently) are skipped without error.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

KINDS = ("uniform", "loguniform")


@dataclass(frozen=True)
class Prior:
    """A prior on one parameter path: ``kind`` in KINDS on [lo, hi]; ``why`` the range's origin."""
    path: str
    kind: str
    lo: float
    hi: float
    why: str = ""
    integer: bool = False          # a whole-number parameter (rounded when applied)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"prior {self.path}: kind {self.kind!r} is not one of {KINDS}")
        if not (math.isfinite(self.lo) and math.isfinite(self.hi) and self.lo < self.hi):
            raise ValueError(f"prior {self.path}: needs finite lo < hi, got [{self.lo}, {self.hi}]")
        if self.kind == "loguniform" and self.lo <= 0:
            raise ValueError(f"prior {self.path}: a log-uniform prior needs lo > 0")

    # ------------------------------------------------------------------ natural scale
    def ppf(self, u):
        """Quantile function: u in [0, 1] -> value."""
        u = np.asarray(u, dtype=float)
        if self.kind == "uniform":
            return self.lo + (self.hi - self.lo) * u
        # clipped: exp(log(hi)) can exceed hi by one rounding step, past a declared bound
        return np.clip(np.exp(math.log(self.lo) + (math.log(self.hi) - math.log(self.lo)) * u),
                       self.lo, self.hi)

    def cdf(self, x):
        """Prior CDF: value -> u in [0, 1] (clipped)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "uniform":
            u = (x - self.lo) / (self.hi - self.lo)
        else:
            u = (np.log(np.maximum(x, 1e-300)) - math.log(self.lo)) / (
                math.log(self.hi) - math.log(self.lo))
        return np.clip(u, 0.0, 1.0)

    def contains(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return (x >= self.lo) & (x <= self.hi)

    # ------------------------------------------------------------------ transformed scale
    def sample_z(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from the prior, on the z scale."""
        u = rng.random(n)
        if self.kind == "uniform":
            u = np.clip(u, 1e-12, 1 - 1e-12)
            return np.log(u) - np.log1p(-u)
        return math.log(self.lo) + (math.log(self.hi) - math.log(self.lo)) * u

    def from_z(self, z):
        z = np.asarray(z, dtype=float)
        if self.kind == "uniform":
            u = 0.5 * (1.0 + np.tanh(0.5 * z))          # expit, stable for large |z|
            return np.clip(self.lo + (self.hi - self.lo) * u, self.lo, self.hi)
        # clipped as in ppf (callers pass only z inside the support, in_support_z)
        return np.clip(np.exp(z), self.lo, self.hi)

    def to_z(self, x):
        x = np.asarray(x, dtype=float)
        if self.kind == "uniform":
            u = np.clip((x - self.lo) / (self.hi - self.lo), 1e-12, 1 - 1e-12)
            return np.log(u) - np.log1p(-u)
        return np.log(x)

    def in_support_z(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if self.kind == "uniform":
            return np.isfinite(z)
        return (z >= math.log(self.lo)) & (z <= math.log(self.hi))

    def logpdf_z(self, z) -> np.ndarray:
        """Log prior density on the z scale (-inf outside the support)."""
        z = np.asarray(z, dtype=float)
        if self.kind == "uniform":              # logistic density: log u + log(1 - u)
            return -np.logaddexp(0.0, -z) - np.logaddexp(0.0, z)
        inside = self.in_support_z(z)
        return np.where(inside, -math.log(math.log(self.hi) - math.log(self.lo)), -np.inf)

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        a = (1 - level) / 2
        return float(self.ppf(a)), float(self.ppf(1 - a))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Prior":
        return cls(**d)


# --------------------------------------------------------------------------- the one list

# Range rules. "x3": log-uniform from baseline/3 to baseline x 3 (a rate or a weight whose
# order of magnitude is uncertain). "x2": uniform from baseline/2 to baseline x 2 (a length
# of time). "pm15": uniform baseline +- 0.15 (a trust threshold: a fraction on [0, 1] where a
# factor makes no sense near 0 and 1). Always intersected with the declared [lo, hi].
_RULES = {
    "x3": ("loguniform", "x1/3 to x3 of the baseline, log-uniform: a rate, weight or "
                         "hand-fitted span whose order of magnitude is not documented"),
    "x2": ("uniform", "x1/2 to x2 of the baseline, uniform: a time span known to a factor "
                      "of about two"),
    "pm15": ("uniform", "baseline +- 0.15 (absolute), uniform: a trust threshold on a 0-1 "
                        "scale"),
}

BEHAVIOURAL: tuple[tuple[str, str], ...] = (
    # trust: evidence weights and rates
    ("trust.gain_rate", "x3"), ("trust.asymmetry", "x3"), ("trust.break_weight", "x3"),
    ("trust.public_weight", "pm15"), ("trust.new_promise_weight", "pm15"),
    ("trust.runway_comfort_weeks", "x2"),
    ("trust.cash_fear", "x3"), ("trust.failed_round", "x3"), ("trust.closed_round", "x3"),
    ("trust.departure", "x3"), ("trust.ethics", "x3"),
    ("trust.chaos", "x3"), ("trust.compute_cut", "x3"), ("trust.researcher_exposure", "x3"),
    ("trust.layoff", "x3"), ("trust.refused_demand", "x3"), ("trust.accepted_demand", "x3"),
    ("trust.traction", "x3"), ("trust.new_ceo_trust", "pm15"),
    # people leaving
    ("workforce.threshold_mean", "pm15"), ("workforce.core_threshold_mean", "pm15"),
    ("workforce.threshold_sd", "x3"), ("workforce.departure_hazard", "x3"),
    ("workforce.contagion_shock", "x3"), ("workforce.ties", "x3"),
    ("workforce.follow_prob", "x3"),
    ("workforce.staff_exposure", "x3"),
    # investors' escalation thresholds
    ("investor_actions.audit_below", "pm15"), ("investor_actions.sale_below", "pm15"),
    ("investor_actions.resign_below", "pm15"), ("investor_actions.package_below", "pm15"),
    ("investor_actions.leave_below", "pm15"), ("investor_actions.remove_below", "pm15"),
    ("investor_actions.leak_rate", "x3"),
    # pressure on the CEO
    ("governance.pressure_investors", "x3"),
    ("governance.pressure_departures", "x3"), ("governance.pressure_core", "x3"),
    ("governance.pressure_payables", "x3"),
    ("governance.resign_rate", "x3"), ("governance.leave_rate", "x3"),
    ("governance.joint_letter_votes", "pm15"), ("governance.pressure_letter", "x3"),
    ("governance.staff_letter_share", "pm15"), ("governance.pressure_staff_letter", "x3"),
    ("governance.reinstate_share", "pm15"),
    ("governance.succession_review", "pm15"), ("governance.succession_search_weeks", "x2"),
    # money coming in, cuts, buyers, the market's response
    ("fundraising.offer_rate", "x3"), ("fundraising.bridge_rate", "x3"),
    ("fundraising.distress_note_rate", "x3"), ("fundraising.distress_weeks", "x2"),
    ("fundraising.start_runway_weeks", "x2"), ("policy.cut_rate", "x3"),
    ("policy.buyer_rate", "x3"), ("policy.desperation_weeks", "x2"),
    ("revenue.growth", "x3"), ("revenue.decay", "x3"),
    ("compute.max_growth", "x3"),
    # how much cash is held back for payroll before suppliers are paid (7.5)
    ("finance.reserve_weeks", "x3"),
)


# Behavioural parameters that another scenario's facts identify: screened like the others
# (so the ranking shows how much the case's facts move them) but never left free in this
# case's ABC, which would overwrite the value the other scenario fitted.
FITTED_ELSEWHERE: dict[str, str] = {
    "governance.succession_review": "fitted on generic-startup's founder_out_by_age_3 by a "
                                    "grid (its comment in stability-ai.toml)",
}


def free_from_ranking(ranking, top: int, leaders=()) -> list[str]:
    """The parameters to fit: every fitted statistic's leader, then the best-ranked, ``top`` in all.

    ``leaders`` are the parameters that move some fitted statistic most (one per statistic,
    :meth:`ScreeningResult.leaders`); they are always free, so that no fitted fact is left
    without the parameter that identifies it, even one that ranks low on the mean over all
    facts. The remaining places go by ``ranking``. FITTED_ELSEWHERE is never free. The list
    keeps the ranking's order; it is longer than ``top`` only when the leaders alone are.
    """
    allowed = [p for p in ranking if p not in FITTED_ELSEWHERE]
    must = {p for p in leaders if p in allowed}
    rest = [p for p in allowed if p not in must][:max(top - len(must), 0)]
    chosen = must | set(rest)
    return [p for p in allowed if p in chosen]


def _leaf(params, path: str):
    """(value, field metadata, declared type) of a leaf path, or None when it does not exist."""
    obj = params
    parts = path.split(".")
    for key in parts[:-1]:
        obj = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
        if obj is None:
            return None
    if not dataclasses.is_dataclass(obj):
        return None
    f = {f.name: f for f in dataclasses.fields(obj)}.get(parts[-1])
    if f is None:
        return None
    return getattr(obj, parts[-1]), dict(f.metadata), type(getattr(obj, parts[-1]))


def make_prior(path: str, rule: str, value: float, meta: dict, integer: bool,
               source: str = "") -> Prior | None:
    """The prior of one parameter by its range rule, or None when none can be made."""
    kind, words = _RULES[rule]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if rule == "x3":
        lo, hi = value / 3, value * 3
    elif rule == "x2":
        lo, hi = value / 2, value * 2
    else:
        lo, hi = value - 0.15, value + 0.15
    dlo, dhi = meta.get("lo"), meta.get("hi")
    clipped = []
    if dlo is not None and lo < dlo:
        lo = dlo
        clipped.append(f"lo at the declared {dlo:g}")
    if dhi is not None and hi > dhi:
        hi = dhi
        clipped.append(f"hi at the declared {dhi:g}")
    if integer:
        lo, hi = float(math.ceil(lo)), float(math.floor(hi))
    if kind == "loguniform" and lo <= 0 or not lo < hi or not lo <= value <= hi:
        return None
    why = (f"baseline {value:g} {meta.get('unit', '')}".rstrip() + f" ({source or 'not stated'}); "
           + words + (f"; {', '.join(clipped)}" if clipped else "")
           + f"; declared range [{'' if dlo is None else f'{dlo:g}'}, "
             f"{'' if dhi is None else f'{dhi:g}'}]")
    return Prior(path, kind, float(lo), float(hi), why, integer)


def default_priors(params, sources: dict[str, str] | None = None) -> list[Prior]:
    """Priors of the behavioural parameters (``BEHAVIOURAL``) around ``params``' values.

    ``sources`` (a scenario's path -> comment) are quoted in each prior's ``why``. A path that
    does not exist in ``params`` (or whose value allows no prior, e.g. 0 for a log-uniform
    one) is skipped.
    """
    sources = sources or {}
    out = []
    for path, rule in BEHAVIOURAL:
        leaf = _leaf(params, path)
        if leaf is None:
            continue
        value, meta, tp = leaf
        prior = make_prior(path, rule, value, meta, tp is int, sources.get(path, ""))
        if prior is not None:
            out.append(prior)
    return out


def by_path(priors, paths) -> list[Prior]:
    """The priors of ``paths`` (in that order); KeyError naming a missing one."""
    index = {p.path: p for p in priors}
    missing = [p for p in paths if p not in index]
    if missing:
        raise KeyError(f"no prior for {missing[0]}; known: {', '.join(index)}")
    return [index[p] for p in paths]
