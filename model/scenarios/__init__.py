"""Scenario files: TOML parameter sets shipped with the package.

A scenario file sets every parameter, or names a ``base`` scenario and changes a few
(``replace = ["executives", ...]`` gives its own entries for those tables instead of
adding to the base's).
The comment after each value says where the value comes from; :func:`load` keeps those
comments as the parameters' sources (shown by ``run.py params``). Any value may instead be a
distribution (``{dist = "beta", a = 2, b = 3}``, see :mod:`model.distributions`), drawn per
run from the run's seed by :meth:`Scenario.params_for`.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from model.distributions import Distribution, draw
from model.parameters import (Parameters, ParameterError, build, check, override, parse_value,
                              split_distributions, with_values)

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=\s*(.+?)\s*#\s*(.+)$")


COMMAND_LINE = "command line (--set)"   # the source of a value overridden by path=value


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: its validated parameters and where each value comes from.

    A lesson (a counterfactual for teaching) also states the question it answers and what
    to look for in the comparison with its base. Parameters given as distributions are in
    ``distributions`` (by path); ``params`` holds their central values, and
    :meth:`params_for` the values of one run."""
    name: str
    description: str
    params: Parameters
    sources: dict[str, str]
    question: str = ""
    look_for: str = ""
    base: str | None = None
    distributions: dict[str, Distribution] = field(default_factory=dict)

    def overridden(self) -> set[str]:
        """The paths given a value by ``path=value`` overrides (``--set``)."""
        return {p for p, s in self.sources.items() if s == COMMAND_LINE}

    def draws(self, seed: int | None) -> dict[str, Any]:
        """The values the distributions take in the run with ``seed`` (empty without any)."""
        return draw(self.distributions, seed)

    def params_for(self, seed: int | None) -> Parameters:
        """The parameters of the run with ``seed``: ``params`` itself without distributions,
        else a copy with every distribution drawn (ParameterError if a drawn combination
        breaks a cross-field rule, e.g. stakes adding up to more than 1)."""
        if not self.distributions:
            return self.params
        params = with_values(self.params, self.draws(seed))
        check(params)
        return params


def names() -> list[str]:
    """Names of the shipped scenarios, sorted (``NAME.facts.toml`` and
    ``NAME.calibrated.toml`` files hold a scenario's facts and calibrated values)."""
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir()
                  if p.name.endswith(".toml") and p.name.count(".") == 1)


def _text(name: str) -> str:
    if name not in names():
        raise ParameterError(f"unknown scenario {name!r}; valid: {', '.join(names())}")
    return resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def _sources(text: str, origin: str) -> dict[str, str]:
    """Map dotted paths to the comment that follows their value on the same line."""
    out, table = {}, ""
    for line in text.splitlines():
        if m := _HEADER.match(line):
            table = m.group(1)
        elif m := _ASSIGN.match(line):
            key = f"{table}.{m.group(1)}" if table else m.group(1)
            out[key] = f"{m.group(3).strip()} [{origin}]"
    return out


def _section(v) -> bool:
    """A table of parameters (merged key by key), not a distribution (replaced whole)."""
    return isinstance(v, dict) and "dist" not in v


def _merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if _section(v) and _section(out.get(k)) else v
    return out


def _parse(text: str, name: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"scenario {name!r} is malformed TOML: {exc}") from None


def calibrated_name(name: str) -> str:
    """The file holding a shipped scenario's calibrated values (written by
    ``run.py calibrate --adopt``): they override the scenario file's own values."""
    return f"{name}.calibrated.toml"


def _calibrated(name: str) -> tuple[dict, dict[str, str]]:
    path = resources.files(__name__).joinpath(calibrated_name(name))
    if not path.is_file():
        return {}, {}
    text = path.read_text(encoding="utf-8")
    return _parse(text, calibrated_name(name)), _sources(text, calibrated_name(name))


def _resolve(text: str, name: str, seen: tuple[str, ...] = (),
             calibrated: bool = True) -> tuple[dict, dict[str, str]]:
    """Raw data and sources of scenario text, with its ``base`` chain merged in, and a
    shipped scenario's calibrated values over its own (unless ``calibrated`` is false)."""
    data = _parse(text, name)
    sources = _sources(text, name)
    if calibrated and name in names():
        values, value_sources = _calibrated(name)
        data = _merge(data, values)
        sources = {**sources, **value_sources}
    base = data.pop("base", None)
    if base is not None:
        if base in seen + (name,):
            raise ParameterError(f"scenario {base!r} extends itself through "
                                 f"{' -> '.join(seen + (name,))}")
        parent, parent_sources = _resolve(_text(base), base, seen + (name,), calibrated)
        for key in ("question", "look_for"):   # a lesson's own words are not inherited
            parent.pop(key, None)
        # another company lists its own suppliers, executives, investors and shocks:
        # ``replace = ["suppliers", ...]`` drops the base's entries of those tables
        for key in data.pop("replace", []):
            if key not in parent or not isinstance(parent[key], dict):
                raise ParameterError(f"replace: {key!r} is not a table of the base scenario "
                                     f"{base!r}")
            parent.pop(key)
            parent_sources = {k: v for k, v in parent_sources.items()
                              if not k.startswith(key + ".")}
        data = _merge(parent, data)
        data["_base"] = base
        sources = {**parent_sources, **sources}
    return data, sources


def _finish(name: str, data: dict, sources: dict[str, str], overrides) -> Scenario:
    """Apply ``path=value`` overrides to raw scenario data and validate the whole tree."""
    description = data.pop("description", "")
    question, look_for = data.pop("question", ""), data.pop("look_for", "")
    base = data.pop("_base", None)
    for item in overrides:
        if "=" not in item:
            raise ParameterError(f"--set {item!r}: expected path=value, e.g. ceo.listening=0.8")
        path, _, value = item.partition("=")
        path = path.strip()
        override(data, path, parse_value(value.strip()))
        sources[path] = COMMAND_LINE
    data, distributions = split_distributions(data)
    return Scenario(name, description, build(Parameters, data), sources, question, look_for,
                    base, distributions)


def load(name: str, overrides: list[str] | tuple[str, ...] = (),
         calibrated: bool = True) -> Scenario:
    """Load shipped scenario ``name`` with ``path=value`` overrides applied and validated;
    ``calibrated=False``: without its adopted calibrated values (what a calibration starts
    from)."""
    data, sources = _resolve(_text(name), name, calibrated=calibrated)
    return _finish(name, data, sources, overrides)


def from_text(text: str, name: str = "custom", overrides: list[str] | tuple[str, ...] = (),
              calibrated: bool = True) -> Scenario:
    """Load a scenario from TOML text (a user's file); ``base`` may name a shipped scenario."""
    data, sources = _resolve(text, name, calibrated=calibrated)
    return _finish(name, data, sources, overrides)


def lessons() -> list[Scenario]:
    """The shipped scenarios that are lessons (they state a question), by name."""
    return [sc for sc in (load(n) for n in names()) if sc.question]
