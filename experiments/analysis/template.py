"""Writing a new case: a commented template scenario and facts file (``run.py new-case``),
and the parameter reference of ``docs/scenarios.md`` (``run.py docs``).

The template describes a made-up venture-backed startup of about 40 people. Its company
inputs (dates, money, head counts, the founder, investors, governance) are set, each with a
comment saying to replace it; every other parameter (how people, investors and the CEO
react: trust, departures, escalation, policy) is inherited from the reference case
(``base``), calibrated there, so a new company runs with the same behavioural rules and
follows a new calibration of them. The file is written from the parameter tree itself:
every parameter the model declares appears in it, the inherited ones commented out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from model.parameters import ParameterError, describe, specs, to_dict
from model.scenarios import load

REFERENCE = "stability-ai"
NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,60}$")
T = "template: replace with your company's"

# The company inputs of the template: path -> (value, source comment).
COMPANY = {
    "run.start_date": ("2025-01-06", f"{T} week 0, a Monday (e.g. the week a round closed)"),
    "run.weeks": (156, "template: three years; the horizon your facts need"),
    "company.copyright_stance": (0.0, "template: no contested practice that staff object to"),
    "company.sellable_assets": (0, "template: no product line to sell"),
    "company.asset_value": (0.0, "template: nothing to sell"),
    "company.asset_revenue_share": (0.0, "template: nothing to sell"),
    "finance.start_cash": (15e6, f"{T} cash at week 0 (bank statements, the last round)"),
    "finance.opex_weekly": (40e3, f"{T} rent, tools, legal: about $2M a year"),
    "compute.weekly_cost": (20e3, f"{T} cloud bill: about $1M a year"),
    "compute.free_share": (0.0, "template: nothing given away"),
    "compute.output_elasticity": (0.1, "template: a software company's output depends little "
                                  "on its cloud spend"),
    "revenue.initial_weekly": (60e3, f"{T} revenue: about $3M a year at week 0"),
    "revenue.growth": (0.015, f"{T} weekly growth at full capacity (0.015: about 2x a year)"),
    "revenue.decay": (0.005, "template: churn without delivery, about 25% a year"),
    "ceo.promise_propensity": (0.2, f"{T} founder: how often he or she promises"),
    "ceo.grandiosity": (0.4, f"{T} founder"),
    "ceo.spending": (0.5, f"{T} founder"),
    "ceo.listening": (0.5, f"{T} founder"),
    "ceo.transparency": (0.6, f"{T} founder"),
    "ceo.entrenchment": (0.5, f"{T} founder"),
    "ceo.stake": (0.55, f"{T} founder's share (0.55: the founder controls the votes)"),
    "ceo.votes_per_share": (1.0, f"{T} founder's votes per share (10 for a super-voting class)"),
    "ceo.erratic": (0.2, f"{T} founder"),
    "ceo.keep_seat": (0.5, f"{T} chance the founder stays a director after stepping down "
                      "(0 or 1 if your record says what he did)"),
    "workforce.researchers": (15, f"{T} engineers and researchers, modelled one by one"),
    "workforce.core_researchers": (2, f"{T} key people whose loss hurts most"),
    "workforce.staff": (20, f"{T} other employees (sales, support, operations)"),
    "workforce.exec_weekly_cost": (5000.0, f"{T} loaded cost of an executive (~$260k a year)"),
    "workforce.researcher_weekly_cost": (3500.0, f"{T} loaded cost of an engineer"),
    "workforce.staff_weekly_cost": (2000.0, f"{T} loaded cost of another employee"),
    "workforce.core_weight": (3.0, f"{T} weight of a key person in delivery"),
    "workforce.initial_trust_exec": (0.7, f"{T} executives' trust in the founder at week 0"),
    "workforce.initial_trust_research": (0.7, f"{T} staff's trust at week 0"),
    "workforce.hiring_per_week": (0.3, f"{T} hiring pace"),
    "fundraising.post_money": (60e6, f"{T} post-money valuation of the last round"),
    "fundraising.valuation_step": (2.0, f"{T} how much higher the founder wants to price "
                                   "the next round (x, at grandiosity 1)"),
    "fundraising.revenue_multiple": (10.0, f"{T} valuation / revenue investors pay in your "
                                     "market"),
    "fundraising.bridge_size": (3e6, f"{T} size of a bridge from a new investor"),
    "fundraising.distress_note_size": (3e6, f"{T} size of a note insiders put in when "
                                       "payroll is at risk"),
    "governance.removal_by": ("board", f"{T} who can remove the CEO"),
    "governance.independent_seats": (1, f"{T} independent directors"),
    "financing_event.kind": ("none", "template: no IPO or large round the company depends on"),
    "rescue.amount": (0.0, "template: nobody stands ready to rescue the company"),
}
DATED = "shocks"      # dated outside shocks: none in the template, an example in a comment
# Named entries of the template (they replace the reference case's own).
ENTRIES = {
    "suppliers": {"cloud": {"name": "Cloud provider", "share": 1.0, "patience_weeks": 12.0,
                            "credit_months": 3.0, "cutoff_prob": 0.05}},
    "investors": {
        "lead_vc": {"name": "Lead VC", "seat": "board", "stake": 0.25, "votes_per_share": 1.0,
                    "lead": True, "initial_trust": 0.7},
        "seed_fund": {"name": "Seed fund", "seat": "board", "stake": 0.10,
                      "votes_per_share": 1.0, "lead": False, "initial_trust": 0.7}},
    "executives": {
        "coo": {"title": "COO", "function": "operations", "ethics": 0.2},
        "cto": {"title": "CTO", "function": "technology", "ethics": 0.2},
        "vp_product": {"title": "VP product", "function": "product", "ethics": 0.2}},
}
ENTRY_SOURCE = f"{T} own (one table per entry)"
INHERITED = f"inherited from {REFERENCE}"

FACTS = '''# Facts of the case {name}, read by experiments/analysis/facts.py and checked by
#     python run.py validate --scenario {name}
# These are EXAMPLES for the template company: replace them with the facts of your
# company's record (docs/cases/{name}.md), each with its source, and never with what the
# model happens to produce. See docs/scenarios.md, "Writing facts".
#
# use = "fit": may be used to calibrate; use = "check": held back, only checked.
# range: the rule on the distribution over runs (median, Kaplan-Meier median or share);
# observed: the value in the one real history; scale: one unit of per-run discrepancy.

[[fact]]
id = "revenue_year1"
what = "revenue in the first year ~ $4M"
source = "docs/cases/{name}.md#X-revenue"
use = "fit"
statistic = "amount"          # a weekly column summed over a window
column = "revenue"
weeks = [0, 51]               # or window = ["2025-01-01", "2025-12-31"] (calendar dates)
scale_unit = 1e6
unit = "$M"
range = [2.5, 6]
observed = 4
scale = 1

[[fact]]
id = "founder_in_office_year1"
what = "the founder is still CEO a year on"
source = "docs/cases/{name}.md#X-ceo"
use = "fit"
statistic = "share"           # the share of runs where an event happens
event = "founder_exit"
by_week = 52
unit = "share"
range = [0, 0.5]              # "still CEO": out in at most half of the runs
observed = false
scale = 1

[[fact]]
id = "still_operating"
what = "the company is not insolvent within two years"
source = "docs/cases/{name}.md#X-survival"
use = "check"
statistic = "share"
event = "insolvency"
by_week = 104
unit = "share"
range = [0, 0.3]
observed = false
scale = 1
'''


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if abs(v) >= 1e5 and v.is_integer():          # 15e6 rather than 15000000.0
            k = 3 * ((len(str(int(abs(v)))) - 1) // 3)
            if float(f"{v / 10 ** k:g}e{k}") == v:
                return f"{v / 10 ** k:g}e{k}"
        short = f"{v:.6g}"
        text = short if float(short) == v else repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    return "[" + ", ".join(_toml(x) for x in v) + "]"


def _comment(meta: dict) -> str:
    bounds = ""
    if meta.get("choices"):
        bounds = ": " + " | ".join(meta["choices"])
    elif meta.get("lo") is not None:
        hi = meta.get("hi")
        bounds = f", {meta['lo']:g} to {hi:g}" if hi is not None else f", >= {meta['lo']:g}"
    return f"# {meta['doc']} ({meta['unit']}{bounds})"


def scenario_text(name: str) -> str:
    """The template scenario ``name`` as commented TOML: ``base`` is the reference case, the
    company inputs are set (each with its meaning, unit and range above it), the reference
    case's named tables are replaced by the template's, and every inherited value is shown
    as a commented-out line, to uncomment and change with evidence."""
    tree = to_dict(load(REFERENCE).params)
    tree.pop(DATED, None)
    title = name.replace("-", " ").replace("_", " ").title()
    own = {path: (value, source) for path, (value, source) in COMPANY.items()
           if path.split(".")[1] in tree.get(path.split(".")[0], {})}   # declared by the model
    own["company.name"] = (title, f"{T} name")
    replaced = [k for k in ENTRIES if k in tree]
    meta = {path: m for path, _, m in specs()}
    out = [f"# Scenario {name}: written by `python run.py new-case {name}`, a template to edit",
           "# (docs/scenarios.md explains every section). Each value is followed by its source:",
           f"# a row of the case record (docs/cases/{name}.md#ROW), \"assumption: why\" or",
           "# \"calibrated\"; the line above it gives its meaning, unit and valid range. Values",
           f"# not set here are the reference case's ({REFERENCE}: its calibrated behavioural",
           "# rules); they are listed commented out. Any value may be a distribution, e.g.",
           "# listening = {dist = \"beta\", a = 2, b = 3}.",
           f"base = {_toml(REFERENCE)}",
           f"replace = {_toml(replaced)}      # the template's own entries, not the reference's",
           f"description = {_toml(title + ': a template company (edit this line)')}", ""]

    def leaf(generic, key, value, source, active=True):
        if active and generic in meta:
            out.append(_comment(meta[generic]))
        line = f"{key} = {_toml(value)}".ljust(40) + f"  # {source}"
        out.append(line if active else "# " + line)

    for section, body in tree.items():
        if section in ENTRIES:
            body = ENTRIES[section]
        if not isinstance(body, dict):
            continue
        if body and all(isinstance(v, dict) for v in body.values()):    # named entries
            for entry, fields in body.items():
                out.append(f"[{section}.{entry}]" if section in ENTRIES
                           else f"# [{section}.{entry}]")
                for key, value in fields.items():
                    leaf(f"{section}.<name>.{key}", key, value,
                         ENTRY_SOURCE if section in ENTRIES else INHERITED, section in ENTRIES)
                out.append("")
            continue
        out.append(f"[{section}]")
        for key, value in body.items():
            path = f"{section}.{key}"
            if path in own:
                leaf(path, key, own[path][0], own[path][1])
            else:
                m = meta.get(path, {"doc": "", "unit": ""})
                leaf(path, key, value, f"{INHERITED}: {m['doc']} ({m['unit']})", active=False)
        out.append("")
    out += ["# Dated outside shocks (a scandal, a lawsuit, a market crash): none here. One",
            "# table per shock, e.g. (remove the '# ' to use it; see docs/scenarios.md):",
            f"# [{DATED}.lawsuit]"]
    example = {"name": "a customer sues over lost data", "week": 40, "investors": 0.1,
               "executives": 0.05, "researchers": 0.05, "sentiment": 1.0}
    for path, _, m in specs():
        if path.startswith(f"{DATED}.<name>."):
            key = path.rsplit(".", 1)[1]
            leaf(path, key, example.get(key, m.get("lo") or 0), f"{m['doc']} ({m['unit']})",
                 active=False)
    return "\n".join(out) + "\n"


def facts_text(name: str) -> str:
    """The template's example facts file."""
    return FACTS.format(name=name)


def write_case(name: str, folder: Path) -> list[Path]:
    """Write ``NAME.toml`` and ``NAME.facts.toml`` into ``folder``; refuses (ParameterError)
    a bad name or an existing file, and writes nothing then."""
    if not NAME.match(name):
        raise ParameterError(f"new-case {name!r}: a name is lower-case letters, digits, '-' "
                             f"and '_' (e.g. acme-2025)")
    folder = Path(folder)
    paths = [folder / f"{name}.toml", folder / f"{name}.facts.toml"]
    for p in paths:
        if p.exists():
            raise ParameterError(f"new-case {name!r}: {p} exists; choose another name or "
                                 f"remove it")
    texts = [scenario_text(name), facts_text(name)]
    folder.mkdir(parents=True, exist_ok=True)
    for p, text in zip(paths, texts):
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
    return paths


# ----------------------------------------------------------------------------- docs

def parameter_table() -> str:
    """Every parameter the tree declares, as a Markdown table (path, unit, range, meaning,
    the reference case's value): the generated block of docs/scenarios.md."""
    ref = {}
    for path, value, *_ in describe(load(REFERENCE).params):
        parts = path.split(".")
        if len(parts) == 3:                        # an entry: keep the first one's value
            path = f"{parts[0]}.<name>.{parts[2]}"
        ref.setdefault(path, value)
    rows = [f"Generated by `python run.py docs` from the parameter declarations "
            f"(`model/parameters.py`); the last column is the reference case's value "
            f"(`{REFERENCE}`, calibrated values included).", "",
            "| parameter | unit | valid | meaning | reference value |",
            "| --- | --- | --- | --- | --- |"]
    for path, tp, meta in specs():
        if meta.get("choices"):
            valid = " \\| ".join(f"`{c}`" for c in meta["choices"])
        elif meta.get("lo") is not None:
            hi = meta.get("hi")
            valid = f"{meta['lo']:g} – {hi:g}" if hi is not None else f"≥ {meta['lo']:g}"
        else:
            valid = {bool: "true \\| false", int: "whole number"}.get(tp, "text")
        value = ref.get(path, "")
        shown = _toml(value) if value != "" else ""
        rows.append(f"| `{path}` | {meta['unit']} | {valid} | {meta['doc']} | {shown} |")
    return "\n".join(rows) + "\n"
