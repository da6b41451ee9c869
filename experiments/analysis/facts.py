"""Validation facts as data: load them, compute them from runs, judge them, measure one run.

A *facts file* (``model/scenarios/NAME.facts.toml``, or any file given with ``--facts``)
is a list of ``[[fact]]`` tables. Each fact is a documented pattern of the case record
(``source`` names the record's row), a generic *statistic* that yields one value per
finished run, and a *rule* applied to the distribution of that value over many runs.
``use = "fit"`` facts may be used for calibration; ``use = "check"`` facts are held back
and only checked afterwards. Nothing here knows a case: the statistics are generic.

Statistics (one value per run; the rule over runs; what is shown):

``amount``
    Sum of a weekly column (:data:`model.company.WEEKLY_COLUMNS`) over the weeks whose
    Monday lies in ``window = [date, date]`` (inclusive; or ``weeks = [lo, hi]``), divided
    by ``scale_unit``. A run that ends early sums only the weeks it ran. Rule: the median
    over runs lies in ``range``; shown with the 10th-90th percentile.
``count``
    Number of events of the ``event`` kinds (optional ``role`` filter) in an optional
    ``window`` or ``weeks``. Rule and display as for ``amount``.
``event_week``
    Week of the first event of the ``event`` kinds (optional ``role``), as a pair
    ``(week, observed)``: a run without the event is right-censored at its horizon's last
    week. A run that ends early (insolvency or a sale) without the event is censored at the
    horizon too, not at its end: the company is gone and the event cannot come, so the run
    counts as one without the event for its whole horizon (like a competing risk in a
    subdistribution analysis), not as one that was merely watched for less time. Rule:
    the Kaplan-Meier median lies in ``range``; a median that is never reached fails.
    Shown with the Kaplan-Meier 10th and 90th percentiles. With ``conditional = true`` the
    statistic is instead the week among the runs in which the event happens (other runs are
    not counted), and the rule is on their plain median, shown with the 10th-90th
    percentile: a base rate measured only among the companies that had the event (the
    time to a Series B among those that raised one).
``event_share``
    Of all the ``event`` occurrences (optional ``role``) of all runs, the share whose
    ``cause`` is among the given causes (a base rate stated per event, such as "a fifth of
    priced rounds are down rounds"). Each run gives (events with the cause, events); the
    rule: the pooled share lies in ``range``; shown with its Wilson 95% interval over the
    events. ``observed`` is the record's share.
``share``
    Whether the ``event`` (optional ``role``) happens, optionally ``by_week = W`` (at or
    before week W; a run that ends before W without it counts as "no"), optionally only
    among runs where ``given = {event = ..., role = ...}`` happens (other runs give
    ``None``: not counted). Rule: the share of counted runs lies in ``range``; shown with
    its Wilson 95% interval.
``order``
    Whether event ``first`` (``first_role``) happens before event ``then``
    (``then_role``); runs where ``first`` happens and ``then`` never does count as
    "before", runs without ``first`` as "no". Rule and display as for ``share``.

``count``, ``event_week``, ``event_share`` and ``share`` take an optional ``cause`` (text
or a list) that keeps only events logged with that cause (e.g. ``"down round"``).

"Before" and "first" follow the event log: an earlier week, or the same week and earlier
in the log. Two events are read from the model's own summary attributes as well, so that
facts need not know role strings: ``founder_exit`` (``model.ceo_exit_week``; its kind is
``model.ceo_exit_kind``), a pseudo-event that takes the place of the founder's
``ceo_resigned`` or ``ceo_removed`` in the log (the CEO acts before the staff in a week), and
``core_team_departed`` (``model.core_team_departed_week``: 2 of the 3 core researchers gone),
which the model also logs: the logged event is used, once. Only when nothing is logged are
they placed after the whole log (``core_team_departed`` first). They take no role.

Per-run distances (:func:`run_distance`), for calibration against the one realised
history (``observed``), in units of the fact's ``scale``. They are the per-run
counterparts of the distribution-level rules above; a calibration should use only the
``use = "fit"`` facts.

* ``amount`` and ``count`` (rule on the median): ``|value - observed| / scale``.
* ``event_week`` (rule on the Kaplan-Meier median): a run with the event at week ``t``
  is ``|t - observed| / scale`` away. A run censored at week ``w`` (watched through ``w``
  without the event) only tells us that the event, if it ever comes, comes at ``w + 1`` or
  later. If ``w + 1 <= observed`` that is consistent with the record: distance 0 (no
  evidence of a discrepancy beyond what was watched). Otherwise the run is at least
  ``(w + 1 - observed) / scale`` away, and that lower bound is the distance. The distance
  is thus never larger than the truth. A run that ended early without the event is
  censored at its horizon (see ``event_week``), so it is as far away as a run that never
  had the event: an insolvent company does not reproduce a founder leaving in week 75.
* ``share`` and ``order`` (rule on the share of runs): 0 if the run's yes/no equals
  ``observed``, else ``1 / scale``; a run that is not counted (``given`` not met) is 0.
* ``event_share``: ``|k/n - observed| / scale`` for a run with n > 0 events, else 0;
  a conditional ``event_week``: ``|t - observed| / scale`` for a run with the event, else 0.

Errors in a facts file raise :class:`model.parameters.ParameterError` with one line naming
the file, the fact and the field, and the valid choices.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from experiments.analysis.statistics import km_quantiles, proportion
from model.calendar import week_date
from model.company import WEEKLY_COLUMNS
from model.events import KINDS
from model.parameters import ParameterError
from model.scenarios import Scenario, load as load_scenario

STATISTICS = ("amount", "count", "event_week", "event_share", "share", "order")
USES = ("fit", "check")
PSEUDO_EVENTS = ("core_team_departed", "founder_exit")
EVENT_KINDS = tuple(KINDS) + PSEUDO_EVENTS
# The roles events carry (model.ceo, model.employees, model.investors, suppliers).
ROLES = ("founder-CEO", "interim CEO", "founder", "executive", "researcher", "core researcher",
         "employees", "board director", "board observer", "investor", "investors", "supplier",
         "shareholder", "board")
COLUMNS = tuple(c for c in WEEKLY_COLUMNS if c not in ("week", "date"))

COMMON = ("id", "what", "source", "use", "statistic", "unit", "range", "observed", "scale")
REQUIRED = {"amount": ("column",), "count": ("event",), "event_week": ("event",),
            "event_share": ("event", "cause"), "share": ("event",), "order": ("first", "then")}
OPTIONAL = {"amount": ("window", "weeks", "scale_unit"),
            "count": ("role", "cause", "window", "weeks"),
            "event_week": ("role", "cause", "conditional"),
            "event_share": ("role",),
            "share": ("role", "cause", "by_week", "given"),
            "order": ("first_role", "then_role")}
YES_NO = ("share", "order")
SHARES = YES_NO + ("event_share",)       # statistics whose value is a share


@dataclass(frozen=True)
class Match:
    """Events of any of ``kinds``, with a role among ``roles`` and a cause among ``causes``
    (None: any)."""
    kinds: tuple[str, ...]
    roles: tuple[str, ...] | None = None
    causes: tuple[str, ...] | None = None

    def __str__(self) -> str:
        kinds = "/".join(self.kinds)
        text = f"{kinds} ({'/'.join(self.roles)})" if self.roles else kinds
        return f"{text} [{'/'.join(self.causes)}]" if self.causes else text


@dataclass(frozen=True)
class Fact:
    """One documented fact: what the record says, how to compute it and how to judge it.

    ``event`` (with its ``role``), ``given``, ``first`` (``first_role``) and ``then``
    (``then_role``) of the file are held as :class:`Match` objects."""
    id: str
    what: str
    source: str
    use: str                        # "fit" or "check"
    statistic: str                  # one of STATISTICS
    unit: str
    range: tuple[float, float]
    observed: float | bool
    scale: float
    column: str | None = None                   # amount
    window: tuple[date, date] | None = None     # amount, count (Monday dates, inclusive)
    weeks: tuple[int, int] | None = None        # amount, count (inclusive)
    scale_unit: float = 1.0                     # amount
    event: Match | None = None                  # count, event_week, share
    by_week: int | None = None                  # share
    conditional: bool = False                   # event_week: among runs with the event
    given: Match | None = None                  # share
    first: Match | None = None                  # order
    then: Match | None = None                   # order

    @property
    def anchor(self) -> str:
        """The case-record row id (the part of ``source`` after '#')."""
        return self.source.rpartition("#")[2] or self.source


class FactResult(NamedTuple):
    """A fact judged over many runs.

    ``value`` is the median (amount, count), the Kaplan-Meier median (event_week; None if
    not reached) or the share of counted runs (share, order); ``lo``/``hi`` are the 10th
    and 90th percentiles (Kaplan-Meier for event weeks) or the share's Wilson 95% interval.
    """
    id: str
    what: str
    use: str
    statistic: str
    passed: bool
    rule: str          # one line: the rule and the numbers it was applied to
    value: float | None
    lo: float | None
    hi: float | None
    unit: str
    source: str
    n: int             # runs counted

    @property
    def median(self) -> float | None:
        return None if self.statistic in SHARES else self.value

    @property
    def share(self) -> float | None:
        return self.value if self.statistic in SHARES else None


# ============================================================================ loading

def _choices(items) -> str:
    return ", ".join(items)


class _Reader:
    """Checks one fact table; every error is one line naming file, fact and field."""

    def __init__(self, origin: str, table: dict, index: int) -> None:
        self.origin, self.t = origin, table
        fid = table.get("id")
        self.fid = fid if isinstance(fid, str) and fid else f"#{index + 1}"

    def fail(self, field: str | None, message: str):
        where = f"{self.origin}: fact {self.fid!r}" + (f" field {field!r}" if field else "")
        raise ParameterError(f"{where}: {message}")

    def text(self, field: str) -> str:
        v = self.t[field]
        if not isinstance(v, str) or not v.strip():
            self.fail(field, f"expected non-empty text, got {v!r}")
        return v

    def number(self, field: str, positive: bool = False) -> float:
        v = self.t[field]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
            self.fail(field, f"expected a number, got {v!r}")
        if positive and not (0 < v < math.inf):
            self.fail(field, f"must be a finite number > 0, got {v!r}")
        return float(v)

    def whole(self, field: str) -> int:
        v = self.t[field]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            self.fail(field, f"expected a whole number of weeks >= 0, got {v!r}")
        return v

    def pair(self, field: str, kind, what: str):
        v = self.t[field]
        if not isinstance(v, list) or len(v) != 2:
            self.fail(field, f"expected [lo, hi] ({what}), got {v!r}")
        lo, hi = (kind(self, field, x) for x in v)
        if lo > hi:
            self.fail(field, f"lo {v[0]!r} is above hi {v[1]!r}")
        return lo, hi

    def names(self, field: str, value, valid: tuple[str, ...], what: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
            self.fail(field, f"expected {what} or a list of them, got {value!r}")
        for x in items:
            if x not in valid:
                self.fail(field, f"unknown {what} {x!r}; valid: {_choices(valid)}")
        return tuple(items)

    def match(self, kind_field: str, role_field: str, table: dict | None = None,
              cause_field: str | None = None) -> Match:
        t = self.t if table is None else table
        kinds = self.names(kind_field, t[kind_field], EVENT_KINDS, "event kind")
        roles = causes = None
        pseudo = [k for k in kinds if k in PSEUDO_EVENTS]
        if t.get(role_field) is not None:
            roles = self.names(role_field, t[role_field], ROLES, "role")
            if pseudo:
                self.fail(role_field, f"the pseudo-event {pseudo[0]!r} takes no role")
        if cause_field is not None and t.get(cause_field) is not None:
            value = t[cause_field]
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items or not all(
                    isinstance(x, str) and x for x in items):
                self.fail(cause_field, f"expected a cause (text) or a list of them, got {value!r}")
            if pseudo:
                self.fail(cause_field, f"the pseudo-event {pseudo[0]!r} takes no cause")
            causes = tuple(items)
        return Match(kinds, roles, causes)


def _number_item(reader: _Reader, field: str, x) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x):
        reader.fail(field, f"expected numbers (inf allowed for a one-sided range), got {x!r}")
    return float(x)


def _week_item(reader: _Reader, field: str, x) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < 0:
        reader.fail(field, f"expected whole weeks >= 0, got {x!r}")
    return x


def _date_item(reader: _Reader, field: str, x) -> date:
    if isinstance(x, date) and not hasattr(x, "hour"):
        return x
    if isinstance(x, str):
        try:
            return date.fromisoformat(x)
        except ValueError:
            pass
    reader.fail(field, f"expected ISO dates such as \"2023-01-01\", got {x!r}")


def _fact(origin: str, table, index: int) -> Fact:
    if not isinstance(table, dict):
        raise ParameterError(f"{origin}: [[fact]] #{index + 1} is not a table")
    r = _Reader(origin, table, index)
    if "statistic" not in table:
        r.fail("statistic", f"missing; valid: {_choices(STATISTICS)}")
    stat = table["statistic"]
    if stat not in STATISTICS:
        r.fail("statistic", f"unknown statistic {stat!r}; valid: {_choices(STATISTICS)}")
    allowed = COMMON + REQUIRED[stat] + OPTIONAL[stat]
    for field in COMMON + REQUIRED[stat]:
        if field not in table:
            r.fail(field, f"missing (a {stat} fact needs {_choices(COMMON + REQUIRED[stat])})")
    for field in table:
        if field not in allowed:
            r.fail(field, f"not a field of statistic {stat!r}; valid: {_choices(allowed)}")

    use = r.text("use")
    if use not in USES:
        r.fail("use", f"unknown use {use!r}; valid: {_choices(USES)}")
    lo, hi = r.pair("range", _number_item, "numbers; inf for a one-sided range")
    if stat in SHARES and not (0 <= lo and hi <= 1):
        r.fail("range", f"a share's range must lie within [0, 1], got {table['range']!r}")
    observed = table["observed"]
    if stat in YES_NO:
        if not isinstance(observed, bool):
            r.fail("observed", f"a {stat} fact is yes/no: expected true or false, got {observed!r}")
    else:
        observed = r.number("observed")
        if math.isinf(observed):
            r.fail("observed", f"expected a finite number, got {table['observed']!r}")
        if stat == "event_share" and not 0 <= observed <= 1:
            r.fail("observed", f"a share: expected a number in [0, 1], got {observed!r}")
    kw = dict(id=r.text("id"), what=r.text("what"), source=r.text("source"), use=use,
              statistic=stat, unit=r.text("unit"), range=(lo, hi), observed=observed,
              scale=r.number("scale", positive=True))

    if "window" in table and "weeks" in table:
        r.fail("weeks", "give either window (dates) or weeks, not both")
    if "window" in table:
        kw["window"] = r.pair("window", _date_item, "two ISO dates")
    if "weeks" in table:
        kw["weeks"] = r.pair("weeks", _week_item, "two whole weeks")
    if stat == "amount":
        col = table["column"]
        if col not in COLUMNS:
            r.fail("column", f"unknown weekly column {col!r}; valid: {_choices(COLUMNS)}")
        kw["column"] = col
        if "scale_unit" in table:
            kw["scale_unit"] = r.number("scale_unit", positive=True)
    elif stat == "order":
        kw["first"] = r.match("first", "first_role")
        kw["then"] = r.match("then", "then_role")
    else:
        kw["event"] = r.match("event", "role", cause_field="cause")
    if "conditional" in table:
        if not isinstance(table["conditional"], bool):
            r.fail("conditional", f"expected true or false, got {table['conditional']!r}")
        kw["conditional"] = table["conditional"]
    if "by_week" in table:
        kw["by_week"] = r.whole("by_week")
    if "given" in table:
        given = table["given"]
        if not isinstance(given, dict) or "event" not in given:
            r.fail("given", f"expected a table {{event = ..., role = ...}}, got {given!r}")
        extra = [k for k in given if k not in ("event", "role")]
        if extra:
            r.fail("given", f"unknown key {extra[0]!r}; valid: event, role")
        kw["given"] = r.match("event", "role", given)
    return Fact(**kw)


def parse_facts(text: str, origin: str = "facts") -> list[Fact]:
    """Facts from the text of a facts file (``origin`` names it in error messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{origin} is malformed TOML: {exc}") from None
    extra = [k for k in data if k != "fact"]
    if extra:
        raise ParameterError(f"{origin}: unknown top-level key {extra[0]!r}; valid: "
                             f"[[fact]] tables")
    tables = data.get("fact")
    if not isinstance(tables, list) or not tables:
        raise ParameterError(f"{origin}: no [[fact]] tables")
    facts = [_fact(origin, t, i) for i, t in enumerate(tables)]
    seen = set()
    for f in facts:
        if f.id in seen:
            raise ParameterError(f"{origin}: fact id {f.id!r} is used twice")
        seen.add(f.id)
    return facts


def _shipped(name: str):
    return resources.files("model.scenarios").joinpath(f"{name}.facts.toml")


def has_own_facts(name: str) -> bool:
    """Whether shipped scenario ``name`` has a facts file of its own (it is a case)."""
    return _shipped(name).is_file()


def load_facts(source: str | Path | Scenario) -> list[Fact]:
    """The facts of a file (a path, or text ending in ``.toml``), of a shipped scenario
    (by name), or of a :class:`~model.scenarios.Scenario`. A scenario without its own
    facts file uses its ``base`` scenario's (a lesson of the baseline checks the baseline's
    facts); with neither, a ParameterError asks for ``--facts FILE``."""
    if isinstance(source, Path) or (isinstance(source, str) and source.endswith(".toml")):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"facts file {path}: cannot read it "
                                 f"({exc.strerror or exc})") from None
        return parse_facts(text, str(path))
    if isinstance(source, Scenario):
        name, base = source.name, source.base
    else:
        name = source
        base = load_scenario(name).base        # ParameterError for an unknown scenario
    candidate, seen = name, []
    while True:
        res = _shipped(candidate)
        if res.is_file():
            return parse_facts(res.read_text(encoding="utf-8"), f"{candidate}.facts.toml")
        seen.append(candidate)
        if base is None or base in seen:
            raise ParameterError(f"scenario {name!r} has no facts file; give --facts FILE")
        candidate, base = base, load_scenario(base).base


# ============================================================================ per run

class _Occurrence(NamedTuple):
    week: int
    seq: int        # position in the event log (pseudo-events: that of the event they stand for)
    kind: str
    role: str
    cause: str = ""


def _timeline(model) -> list[_Occurrence]:
    log = model.events.events
    out = [_Occurrence(e.week, i, e.event, e.role, e.cause) for i, e in enumerate(log)]
    n = len(log)
    if (model.core_team_departed_week is not None
            and not any(e.event == "core_team_departed" for e in log)):   # counted once
        out.append(_Occurrence(model.core_team_departed_week, n, "core_team_departed", ""))
    if model.ceo_exit_week is not None:
        # at the place of the exit in the log: the CEO acts before the staff in a week, so a
        # core researcher who leaves in the week of the founder's exit leaves after him
        at = next((i for i, e in enumerate(log) if e.event in ("ceo_resigned", "ceo_removed")
                   and e.role == "founder-CEO"), n + 1)
        out.append(_Occurrence(model.ceo_exit_week, at, "founder_exit", ""))
    return out


def _matches(o: _Occurrence, m: Match) -> bool:
    return (o.kind in m.kinds and (m.roles is None or o.role in m.roles)
            and (m.causes is None or o.cause in m.causes))


def _first(timeline, m: Match) -> tuple[int, int] | None:
    hits = [(o.week, o.seq) for o in timeline if _matches(o, m)]
    return min(hits) if hits else None


def _in_window(fact: Fact, start: date, week: int) -> bool:
    if fact.weeks is not None:
        return fact.weeks[0] <= week <= fact.weeks[1]
    if fact.window is not None:
        return fact.window[0] <= week_date(start, week) <= fact.window[1]
    return True


def run_statistics(model, facts: list[Fact]) -> dict[str, object]:
    """Each fact's value in one finished run: float (amount, count), (week, observed)
    (event_week), bool or None (share, order; None = not counted)."""
    timeline = _timeline(model)
    # the last week the run could show an event: its horizon, also when it ended early
    # (insolvency, sale): the company is gone, the event cannot come (see event_week)
    last = max(model.week, model.p.run.weeks) - 1
    cols = model.datacollector.model_vars
    out: dict[str, object] = {}
    for f in facts:
        if f.statistic == "amount":
            total = sum(v for w, v in zip(cols["week"], cols[f.column])
                        if _in_window(f, model.start, w))
            out[f.id] = float(total) / f.scale_unit
        elif f.statistic == "count":
            out[f.id] = float(sum(1 for o in timeline if _matches(o, f.event)
                                  and _in_window(f, model.start, o.week)))
        elif f.statistic == "event_week":
            hit = _first(timeline, f.event)
            if f.conditional:
                out[f.id] = None if hit is None else float(hit[0])
            else:
                out[f.id] = (hit[0], True) if hit is not None else (last, False)
        elif f.statistic == "event_share":
            population = Match(f.event.kinds, f.event.roles)
            n = sum(1 for o in timeline if _matches(o, population))
            k = sum(1 for o in timeline if _matches(o, f.event))
            out[f.id] = (k, n)
        elif f.statistic == "share":
            if f.given is not None and _first(timeline, f.given) is None:
                out[f.id] = None
                continue
            hit = _first(timeline, f.event)
            out[f.id] = hit is not None and (f.by_week is None or hit[0] <= f.by_week)
        else:   # order
            a, b = _first(timeline, f.first), _first(timeline, f.then)
            out[f.id] = a is not None and (b is None or a < b)
    return out


def run_distance(facts: list[Fact], stats: dict) -> dict[str, float]:
    """Each fact's normalised discrepancy between one run and the realised history (see
    the module docstring); 0 is a run that matches the record."""
    out = {}
    for f in facts:
        v = stats[f.id]
        if f.statistic in ("amount", "count"):
            d = abs(float(v) - f.observed) / f.scale
        elif f.statistic == "event_week" and f.conditional:
            d = 0.0 if v is None else abs(v - f.observed) / f.scale
        elif f.statistic == "event_week":
            week, seen = v
            d = (abs(week - f.observed) if seen else max(0.0, week + 1 - f.observed)) / f.scale
        elif f.statistic == "event_share":
            k, n = v
            d = abs(k / n - f.observed) / f.scale if n else 0.0
        else:
            d = 0.0 if v is None or bool(v) == f.observed else 1.0 / f.scale
        out[f.id] = float(d)
    return out


# ============================================================================ over runs

def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


def _range(f: Fact) -> str:
    return f"[{_fmt(f.range[0])}, {_fmt(f.range[1])}]"


def _judge(f: Fact, values: list) -> FactResult:
    lo_r, hi_r = f.range

    def result(passed, rule, value, lo, hi, n):
        return FactResult(f.id, f.what, f.use, f.statistic, bool(passed), rule, value, lo, hi,
                          f.unit, f.source, n)

    if f.statistic in ("amount", "count") or f.statistic == "event_week" and f.conditional:
        v = np.asarray([x for x in values if x is not None], dtype=float)
        among = f" with {f.event}" if f.statistic == "event_week" else ""
        if len(v) == 0:
            return result(False, f"no runs{among} (needs a median in {_range(f)})",
                          None, None, None, 0)
        med, p10, p90 = (float(x) for x in np.percentile(v, [50, 10, 90]))
        ok = lo_r <= med <= hi_r
        return result(ok, f"median {med:.4g} of {len(v)} runs{among} "
                          f"{'in' if ok else 'outside'} {_range(f)}", med, p10, p90, len(v))
    if f.statistic == "event_share":
        k, n = (sum(x[i] for x in values) for i in (0, 1))
        if n == 0:
            return result(False, f"no {'/'.join(f.event.kinds)} in any run (needs a share in "
                                 f"{_range(f)})", None, None, None, 0)
        pr = proportion(k, n)
        ok = lo_r <= pr.p <= hi_r
        return result(ok, f"share {pr.p:.2f} ({k} of {n} {'/'.join(f.event.kinds)} events "
                          f"over {len(values)} runs) {'in' if ok else 'outside'} {_range(f)}; "
                          f"Wilson 95% [{pr.low:.2f}, {pr.high:.2f}]", pr.p, pr.low, pr.high, n)
    if f.statistic == "event_week":
        weeks = [w for w, _ in values]
        seen = [bool(s) for _, s in values]
        km = km_quantiles(weeks, seen)
        counted = (f"{f.event} in {km.observed} of {km.n} runs, "
                   f"{km.n - km.observed} censored")
        if km.median is None:
            return result(False, f"Kaplan-Meier median not reached (needs {_range(f)}); "
                                 f"{counted}", None, km.lo, km.hi, km.n)
        ok = lo_r <= km.median <= hi_r
        return result(ok, f"Kaplan-Meier median {km.median:g} {'in' if ok else 'outside'} "
                          f"{_range(f)}; {counted}", km.median, km.lo, km.hi, km.n)
    counted = [bool(v) for v in values if v is not None]
    k, n = sum(counted), len(counted)
    among = f" where {f.given} happens" if f.given is not None else ""
    if n == 0:
        return result(False, f"no runs counted{among} (needs a share in {_range(f)})",
                      None, None, None, 0)
    pr = proportion(k, n)
    ok = lo_r <= pr.p <= hi_r
    return result(ok, f"share {pr.p:.2f} ({k} of {n} runs{among}) {'in' if ok else 'outside'} "
                      f"{_range(f)}; Wilson 95% [{pr.low:.2f}, {pr.high:.2f}]",
                  pr.p, pr.low, pr.high, n)


def evaluate(facts: list[Fact], stats: list[dict]) -> list[FactResult]:
    """Judge every fact on the per-run values of many runs (dicts from run_statistics)."""
    if not stats:
        raise ValueError("evaluate needs the statistics of at least one run")
    out = []
    for f in facts:
        missing = [i for i, s in enumerate(stats) if f.id not in s]
        if missing:
            raise KeyError(f"fact {f.id!r} has no value in run {missing[0]}")
        out.append(_judge(f, [s[f.id] for s in stats]))
    return out
