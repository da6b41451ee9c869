"""Experimental designs: which parameter values a sweep runs.

A ``--vary path=SPEC`` names a parameter and its values:

- a list ``0,0.5,1`` (or ``founder_control,board_control`` for choices);
- a numeric range with a count ``50e6:150e6:5`` (five evenly spaced values);
- for sampled designs, a range ``50e6:150e6``.

``grid`` crosses the lists; ``lhs`` (Latin hypercube) and ``sobol`` (scrambled Sobol')
draw ``samples`` points in the ranges with :mod:`scipy.stats.qmc`, seeded from the sweep's
root seed so the design itself is reproducible. ``saltelli`` is the design for Sobol'
sensitivity indices (Saltelli et al. 2010): two Sobol' matrices A and B of ``samples`` rows
and, for each factor i, A with column i taken from B; ``samples * (factors + 2)`` points in
that order (A, B, AB_1, ..., AB_d).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import qmc

DESIGNS = ("grid", "lhs", "sobol", "saltelli")


class DesignError(ValueError):
    """A malformed or inconsistent design (one line, names the valid forms)."""


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of values, or a range [lo, hi] to sample."""
    path: str
    values: tuple | None = None      # values (grid)
    lo: float | None = None          # sampled range
    hi: float | None = None
    generated: bool = False          # values spread over LO:HI:COUNT (may be rounded)


@dataclass
class Design:
    kind: str
    factors: list[Factor]
    samples: int | None
    points: list[dict] = field(default_factory=list)   # one dict path -> value per point

    def to_dict(self) -> dict:
        return {"kind": self.kind, "samples": self.samples,
                "factors": [{"path": f.path, "values": list(f.values) if f.values else None,
                             "lo": f.lo, "hi": f.hi} for f in self.factors],
                "points": self.points}


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DesignError(f"--vary {where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DesignError(f"--vary {where}: {text!r} is not a finite number")
    return value


def _value(text: str):
    """A list item: a number when it reads as one, else text (e.g. a choice)."""
    try:
        v = float(text)
    except ValueError:
        return text
    return int(v) if v.is_integer() and not any(c in text for c in ".eE") else v


def parse_factor(item: str, kind: str) -> Factor:
    """Parse one ``path=SPEC`` for a design of ``kind``."""
    if "=" not in item:
        raise DesignError(f"--vary {item!r}: expected path=SPEC, e.g. ceo.listening=0,0.5,1 "
                          f"or finance.start_cash=50e6:150e6:5")
    path, _, spec = (s.strip() for s in item.partition("="))
    if not path or not spec:
        raise DesignError(f"--vary {item!r}: expected path=SPEC with a parameter and values")
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise DesignError(f"--vary {item}: a range is LO:HI (sampled designs) or LO:HI:COUNT")
        lo, hi = _number(parts[0], item), _number(parts[1], item)
        if not lo < hi:
            raise DesignError(f"--vary {item}: empty or reversed range {lo:g}:{hi:g} "
                              f"(need LO < HI)")
        if len(parts) == 3:
            count = _number(parts[2], item)
            if count < 2 or not count.is_integer():
                raise DesignError(f"--vary {item}: the count must be a whole number >= 2")
            values = tuple(float(v) for v in np.linspace(lo, hi, int(count)))
            if kind != "grid":
                raise DesignError(f"--vary {item}: a {kind} design samples ranges; give LO:HI "
                                  f"without a count")
            return Factor(path, values=values, generated=True)
        if kind == "grid":
            raise DesignError(f"--vary {item}: a grid needs values or LO:HI:COUNT")
        return Factor(path, lo=lo, hi=hi)
    values = tuple(_value(v.strip()) for v in spec.split(","))
    if any(v == "" for v in values):
        raise DesignError(f"--vary {item}: empty value in the list")
    if len(set(values)) != len(values):
        dup = next(v for v in values if values.count(v) > 1)
        raise DesignError(f"--vary {item}: the value {dup} is given twice")
    if kind != "grid":
        raise DesignError(f"--vary {item}: a {kind} design samples ranges; give LO:HI")
    return Factor(path, values=values)


def build_design(kind: str, items: list[str], samples: int | None, seed: int) -> Design:
    """Parse ``--vary`` items and lay out the design points."""
    if kind not in DESIGNS:
        raise DesignError(f"--design {kind!r}: valid: {', '.join(DESIGNS)}")
    factors = [parse_factor(i, kind) for i in items]
    paths = [f.path for f in factors]
    if len(set(paths)) != len(paths):
        dup = next(p for p in paths if paths.count(p) > 1)
        raise DesignError(f"--vary {dup}: given more than once")
    design = Design(kind, factors, samples)
    if kind == "grid":
        if samples is not None:
            raise DesignError("--samples: only for lhs and sobol designs")
        combos = itertools.product(*(f.values for f in factors)) if factors else [()]
        design.points = [dict(zip(paths, c)) for c in combos]
        return design
    if not factors:
        raise DesignError(f"--design {kind}: needs at least one --vary path=LO:HI")
    if samples is None or samples <= 0:
        raise DesignError(f"--samples: a {kind} design needs --samples N > 0")
    d = len(factors)
    if kind == "lhs":
        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(samples)
    else:
        m = int(math.floor(math.log2(samples)))
        if 2 ** m != samples:
            raise DesignError(f"--samples {samples}: a {kind} design needs a power of two "
                              f"(e.g. {2 ** m} or {2 ** (m + 1)})")
        if kind == "sobol":
            unit = qmc.Sobol(d=d, scramble=True, seed=np.random.default_rng(seed)).random_base2(m)
        else:
            both = qmc.Sobol(d=2 * d, scramble=True,
                             seed=np.random.default_rng(seed)).random_base2(m)
            a, b = both[:, :d], both[:, d:]
            blocks = [a, b]
            for i in range(d):
                ab = a.copy()
                ab[:, i] = b[:, i]
                blocks.append(ab)
            unit = np.vstack(blocks)
    lows = [f.lo for f in factors]
    highs = [f.hi for f in factors]
    scaled = qmc.scale(unit, lows, highs)
    design.points = [{p: float(v) for p, v in zip(paths, row)} for row in scaled]
    return design
