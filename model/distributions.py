"""Parameters given as distributions: a population of companies instead of one.

In a scenario file any leaf parameter may be a table with a ``dist`` key instead of a value::

    [ceo]
    listening = {dist = "beta", a = 2, b = 3}            # assumption: founders vary
    stake = {dist = "uniform", lo = 0.2, hi = 0.6}
    spending = {dist = "normal", mean = 0.6, sd = 0.15}  # clipped to the bounds [0, 1]

    [finance]
    start_cash = {dist = "lognormal", median = 20e6, sigma = 0.5, lo = 5e6}

    [governance]
    removal_by = {dist = "choice", values = ["board", "shareholders"], weights = [3, 1]}

Kinds (required keys; optional keys):

``uniform`` (lo, hi)
    Every value in [lo, hi] equally likely; for a whole-number parameter every whole
    number from lo to hi.
``normal`` (mean, sd; lo, hi)
    Normal, clipped to [lo, hi] (default: the parameter's own bounds).
``lognormal`` (median, sigma; lo, hi)
    ``median x exp(sigma x N(0, 1))``, clipped as ``normal``.
``beta`` (a, b; lo, hi)
    Beta(a, b) stretched over [lo, hi] (default [0, 1]).
``choice`` (values; weights)
    One of ``values`` (numbers, text or true/false), with probabilities proportional to
    ``weights`` (default: equal).

Every range and value must lie within the parameter's declared bounds (or be one of its
choices); a whole-number parameter's draws are rounded. Errors are one line naming the
parameter, the problem and the valid choices.

Draws are made per run from the run's seed, on a stream of their own:
``SeedSequence(seed, spawn_key=(0, crc32(path)))``, a child of the run's seed sequence
that the model's generator (``default_rng(seed)``) never uses. So a scenario without
distributions runs exactly as before, each parameter's draw does not depend on which other
parameters are drawn, and replicate k of a sweep (one seed) draws the same company at every
design point (common random numbers). The scenario's ``params`` hold each distribution's
central value (mean, median, or most likely choice), which ``params`` and manifests show
beside the distribution itself. Parameters are drawn independently of each other.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.parameters import ParameterError, coerce

KINDS = {"uniform": ("lo", "hi"), "normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
         "beta": ("a", "b"), "choice": ("values",)}
OPTIONAL = {"uniform": (), "normal": ("lo", "hi"), "lognormal": ("lo", "hi"),
            "beta": ("lo", "hi"), "choice": ("weights",)}
STREAM = 0   # the spawn key of the parameter draws under the run's seed sequence


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution: ``kind`` with its ``args`` as written, the support or
    clipping bounds ``lo``/``hi``, and (choice) ``values`` with probabilities ``p``."""
    path: str
    kind: str
    args: tuple[tuple[str, Any], ...]
    whole: bool                         # a whole-number parameter: draws are rounded
    lo: float | None = None
    hi: float | None = None
    values: tuple = ()
    p: tuple[float, ...] = ()

    def __str__(self) -> str:
        """As written in the scenario, e.g. ``beta(a=2, b=3)``, ``choice(values=["a", "b"])``."""
        return f"{self.kind}(" + ", ".join(f"{k}={_show(v)}" for k, v in self.args) + ")"

    def arg(self, key: str) -> float:
        return dict(self.args)[key]

    def _finish(self, x: float):
        if self.lo is not None:
            x = max(self.lo, x)
        if self.hi is not None:
            x = min(self.hi, x)
        return int(round(x)) if self.whole else float(x)

    def draw(self, rng: np.random.Generator):
        """One value from ``rng``."""
        k = self.kind
        if k == "choice":
            return self.values[int(rng.choice(len(self.values), p=self.p))]
        if k == "uniform":
            if self.whole:
                return int(rng.integers(int(self.lo), int(self.hi) + 1))
            return float(rng.uniform(self.lo, self.hi))
        if k == "normal":
            return self._finish(rng.normal(self.arg("mean"), self.arg("sd")))
        if k == "lognormal":
            return self._finish(self.arg("median") * math.exp(self.arg("sigma")
                                                               * rng.standard_normal()))
        return self._finish(self.lo + (self.hi - self.lo) * rng.beta(self.arg("a"),
                                                                      self.arg("b")))

    def central(self):
        """The value the scenario's own parameter tree holds: mean (uniform, normal, beta),
        median (lognormal) or the most likely choice, clipped and rounded."""
        k = self.kind
        if k == "choice":
            return self.values[int(np.argmax(self.p))]
        if k == "uniform":
            return self._finish((self.lo + self.hi) / 2)
        if k == "normal":
            return self._finish(self.arg("mean"))
        if k == "lognormal":
            return self._finish(self.arg("median"))
        a, b = self.arg("a"), self.arg("b")
        return self._finish(self.lo + (self.hi - self.lo) * a / (a + b))


def _show(v) -> str:
    if isinstance(v, float):
        return f"{v:g}".replace("e+0", "e").replace("e+", "e")      # 2e7, not 2e+07
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return json.dumps(v)          # text in double quotes, true/false, whole numbers


def _number(path: str, key: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ParameterError(f"{path}: distribution key {key!r} must be a finite number, "
                             f"got {v!r}")
    return float(v)


def parse(path: str, table: dict, tp: type, meta: dict) -> Distribution:
    """The distribution a scenario gives for parameter ``path`` (declared type ``tp`` and
    metadata ``meta``: unit, bounds, choices); ParameterError (one line) when it is invalid."""
    kind = table.get("dist")
    if kind is None:
        raise ParameterError(f"{path}: a table here must be a distribution with a 'dist' key "
                             f"({', '.join(KINDS)}), e.g. {{dist = \"uniform\", lo = 0, hi = 1}}")
    if kind not in KINDS:
        raise ParameterError(f"{path}: unknown distribution {kind!r}; valid: {', '.join(KINDS)}")
    allowed = ("dist",) + KINDS[kind] + OPTIONAL[kind]
    for key in table:
        if key not in allowed:
            raise ParameterError(f"{path}: {key!r} is not a key of a {kind} distribution; "
                                 f"valid: {', '.join(allowed)}")
    for key in KINDS[kind]:
        if key not in table:
            raise ParameterError(f"{path}: a {kind} distribution needs "
                                 f"{' and '.join(KINDS[kind])}; {key!r} is missing")
    args = tuple((k, table[k]) for k in allowed[1:] if k in table)
    whole = tp is int
    if kind == "choice":
        return _choice(path, table, tp, meta, args)
    if tp not in (int, float):
        raise ParameterError(f"{path}: a {meta.get('unit', 'text')} parameter takes only a "
                             f"choice distribution, e.g. {{dist = \"choice\", values = [...]}}")
    nums = {k: _number(path, k, v) for k, v in args}
    plo, phi = meta.get("lo"), meta.get("hi")

    def within(key: str, x: float) -> None:
        if plo is not None and x < plo or phi is not None and x > phi:
            rng = f"[{plo:g}, {phi:g}]" if phi is not None else f">= {plo:g}"
            raise ParameterError(f"{path}: distribution key {key!r} = {x:g} is out of the "
                                 f"parameter's range, valid {rng} ({meta.get('unit', '')})")

    if kind in ("uniform", "beta") or "lo" in nums or "hi" in nums:
        lo = nums.get("lo", 0.0 if kind == "beta" else plo)
        hi = nums.get("hi", 1.0 if kind == "beta" else phi)
        if lo is not None and hi is not None and lo > hi:
            raise ParameterError(f"{path}: lo {lo:g} is above hi {hi:g}")
    else:
        lo, hi = plo, phi
    for key, x in (("lo", lo), ("hi", hi)):
        if x is not None:
            within(key, x)
    if whole and kind == "uniform" and not (lo.is_integer() and hi.is_integer()):
        raise ParameterError(f"{path}: a whole-number parameter's uniform needs whole lo "
                             f"and hi, got {lo:g} and {hi:g}")
    for key in ("sd", "sigma", "a", "b"):
        if key in nums and nums[key] <= 0:
            raise ParameterError(f"{path}: distribution key {key!r} must be > 0, "
                                 f"got {nums[key]:g}")
    if kind == "lognormal" and nums["median"] <= 0:
        raise ParameterError(f"{path}: a lognormal's median must be > 0, got {nums['median']:g}")
    centre = nums.get("mean", nums.get("median"))
    if centre is not None and (lo is not None and centre < lo or hi is not None and centre > hi):
        raise ParameterError(f"{path}: the {kind}'s centre {centre:g} lies outside its "
                             f"bounds [{lo if lo is not None else '-inf'}, "
                             f"{hi if hi is not None else 'inf'}]")
    return Distribution(path, kind, args, whole, lo, hi)


def _choice(path: str, table: dict, tp: type, meta: dict, args) -> Distribution:
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise ParameterError(f"{path}: a choice's values must be a non-empty list, got "
                             f"{values!r}")
    values = tuple(coerce(f"{path} (choice value)", v, tp, meta) for v in values)
    weights = table.get("weights", [1.0] * len(values))
    if not isinstance(weights, list) or len(weights) != len(values):
        raise ParameterError(f"{path}: a choice needs one weight per value ({len(values)}), "
                             f"got {weights!r}")
    w = [_number(path, "weights", x) for x in weights]
    if any(x < 0 for x in w) or sum(w) <= 0:
        raise ParameterError(f"{path}: a choice's weights must be >= 0 and not all 0, "
                             f"got {weights!r}")
    return Distribution(path, "choice", args, tp is int, values=values,
                        p=tuple(x / sum(w) for x in w))


def stream(seed: int | None, path: str) -> np.random.Generator:
    """The generator of parameter ``path``'s draw in the run with ``seed``."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(STREAM, zlib.crc32(path.encode("utf-8")))))


def draw(distributions: dict[str, Distribution], seed: int | None) -> dict[str, Any]:
    """Every distribution's value in the run with ``seed``, by path (sorted)."""
    return {path: distributions[path].draw(stream(seed, path)) for path in sorted(distributions)}
