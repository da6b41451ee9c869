"""Causal-loop diagram of the model's main feedback loops (matplotlib only).

    python -m experiments.teaching.loops            writes docs/causal-loops.png
    from experiments.teaching.loops import draw; draw("x.png")

Every arrow is a link in the code (the last field of each ``EDGES`` entry says where). An arrow marked + means "more of
the cause, more of the effect" (all else equal); - means "more of the cause, less of the
effect". A loop with an even number of - links is reinforcing (R), an odd number balancing (B).
The diagram is a simplification: the footnote names links that exist in the code but are not
drawn, to keep it legible.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

WIDTH, HEIGHT, DPI = 12.0, 8.0, 110   # inches; axes in inches, so arcs are true to the eye

# node: (x, y, label, kind). kind: "money", "people", "promise", "investor", "ceo"
NODES = {
    "failed":    (1.45, 6.75, "Failed\nfunding rounds", "investor"),
    "inv_trust": (4.55, 6.75, "Investors' trust\nin the CEO", "investor"),
    "pressure":  (7.75, 5.90, "Pressure\non the CEO", "ceo"),
    "exit":      (10.70, 6.75, "CEO exit\n(resigns or removed)", "ceo"),
    "raised":    (1.15, 5.00, "Money raised\n(rounds, SAFE)", "money"),
    "unpaid":    (5.00, 5.20, "Unpaid\nsupplier bills", "money"),
    "runway":    (2.95, 3.90, "Runway\n(weeks of cash)", "money"),
    "compute":   (0.95, 2.45, "Compute\nspend", "money"),
    "burn":      (2.95, 1.15, "Weekly burn\n(costs - revenue)", "money"),
    "revenue":   (6.75, 1.05, "Revenue", "money"),
    "staff":     (6.35, 3.90, "Staff trust in CEO\n(executives,\nresearchers)", "people"),
    "departures": (9.45, 3.90, "Departures", "people"),
    "contagion": (11.05, 5.10, "Contagion:\ncolleagues\nfollow", "people"),
    "capacity":  (10.55, 1.95, "Delivery\ncapacity", "people"),
    "credibility": (4.95, 2.55, "Credibility\nof promises", "promise"),
    "broken":    (7.85, 2.55, "Broken\npromises", "promise"),
    "made":      (9.25, 1.00, "Promises made\n(grandiosity)", "promise"),
}

COLOURS = {   # (face, edge) per kind
    "money":    ("#e8f1fb", "#2f6fb0"),
    "people":   ("#eaf6ea", "#2e8b3e"),
    "promise":  ("#fdf1e3", "#c26a00"),
    "investor": ("#f1ebf8", "#6b4fa0"),
    "ceo":      ("#fbe9e9", "#b03a3a"),
}

# (cause, effect, sign, curvature rad, where the code makes the link)
EDGES = [
    # R1: the cash-trust spiral
    ("burn", "runway", "-", 0.0, "company._update_derived: runway = (cash - payables) / burn"),
    ("runway", "staff", "+", 0.0, "company._perceive: cash worries when runway < comfort"),
    ("staff", "departures", "-", 0.0, "employees.Employee.step: leave when trust < threshold"),
    ("departures", "capacity", "-", 0.15, "company._update_derived: capacity from headcount"),
    ("capacity", "revenue", "+", 0.15, "company.operate: revenue grows with capacity"),
    ("revenue", "burn", "-", 0.1, "company.operate: burn = compute + payroll - revenue"),
    # R2: broken promises
    ("made", "broken", "+", 0.0, "ceo.make_promise: grand promises, often"),
    ("capacity", "broken", "-", 0.0, "promises.keep_probability: kept with capacity"),
    ("broken", "credibility", "-", 0.0, "trust.Credibility: a break counts several keeps"),
    ("credibility", "staff", "+", -0.1, "company._perceive: promises weighted by credibility"),
    # R3: contagion
    ("departures", "contagion", "+", 0.45, "network.Contagion.departed: shocks to colleagues"),
    ("contagion", "departures", "+", 0.45, "employees.Employee.step: 'felt' lowers trust"),
    # money: raising, spending, bills
    ("runway", "raised", "-", 0.5, "fundraising.step: a round starts when runway < 22 wk"),
    ("raised", "runway", "+", 0.5, "finances.Ledger.raise_money"),
    ("inv_trust", "raised", "+", 0.2, "fundraising._maybe_offer: offers ~ investors' trust"),
    ("runway", "inv_trust", "+", -0.05, "company._perceive: investors fear short (reported) runway"),
    ("inv_trust", "failed", "-", 0.35, "fundraising: no offer in time, the round fails"),
    ("failed", "inv_trust", "-", 0.35, "company._perceive: failed rounds are bad news"),
    ("runway", "compute", "+", 0.15, "ceo.set_spending grows compute / ceo.cut_costs cuts it"),
    ("compute", "burn", "+", 0.15, "company.operate: compute bill"),
    ("runway", "unpaid", "-", 0.2, "finances.Ledger.pay_suppliers: bills wait when cash is short"),
    ("unpaid", "inv_trust", "-", 0.0, "investors.Investor.perceive: once they learn of them, "
     "they see the true runway, not the reported one"),
    ("unpaid", "pressure", "+", 0.0, "governance.pressure: unpaid bills"),
    # governance
    ("inv_trust", "pressure", "-", 0.0, "governance.pressure: lost trust, calls to resign"),
    ("departures", "pressure", "+", 0.0, "governance.pressure: executives, core team leaving"),
    ("pressure", "exit", "+", 0.0, "ceo.consider_resigning: pressure > entrenchment"),
    ("inv_trust", "exit", "-", 0.0, "governance.removal_vote (only when the founder lacks a voting majority)"),
    ("exit", "inv_trust", "+", 0.22, "company.ceo_leaves: trust starts afresh"),
]

EDGE_NOTES = {   # short text on an arrow: (text, position along it, vertical offset)
    ("exit", "inv_trust"): ("new CEO: everyone's trust starts afresh", 0.50, 0.17),
}

# (label, name, x, y, nodes in loop order, name on the same line)
LOOPS = [
    ("R1", "cash-trust spiral", 4.55, 1.85, ["burn", "runway", "staff", "departures",
                                             "capacity", "revenue"], False),
    ("R2", "broken promises", 8.75, 3.15, ["staff", "departures", "capacity", "broken",
                                           "credibility"], False),
    ("R3", "exodus", 10.25, 4.50, ["departures", "contagion"], False),
    ("R4", "failed rounds", 3.00, 6.80, ["inv_trust", "failed"], False),
    ("R5", "money follows\ntrust", 3.05, 5.40, ["inv_trust", "raised", "runway"], False),
    ("B1", "raise when\nshort", 2.05, 4.50, ["runway", "raised"], False),
    ("B2", "spend while\nit lasts", 2.30, 2.45, ["runway", "compute", "burn"], False),
    ("B3", "pressure forces exit", 7.75, 6.45, ["inv_trust", "pressure", "exit"], True),
    ("B4", "removal vote (no founder majority)", 7.10, 7.02, ["inv_trust", "exit"], True),
]

FONT = 10.5
CHAR_W, LINE_H = 0.088, 0.19   # inches per character / per line at FONT


def _box(key):
    x, y, label, _ = NODES[key]
    lines = label.split("\n")
    w = max(len(s) for s in lines) * CHAR_W + 0.30
    h = len(lines) * LINE_H + 0.22
    return x, y, w, h


def _inside(px, py, key, margin=0.0):
    x, y, w, h = _box(key)
    return abs(px - x) <= w / 2 + margin and abs(py - y) <= h / 2 + margin


def _bezier(a, b, rad):
    """The control points matplotlib's arc3 uses (equal axes: data = display geometry)."""
    (x1, y1), (x2, y2) = a, b
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    return lambda t: ((1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t * t * x2,
                      (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t * t * y2)


def _sign_point(src, dst, rad):
    """A point on the arrow just outside the effect's box (where the sign goes)."""
    a, b = NODES[src][:2], NODES[dst][:2]
    curve = _bezier(a, b, rad)
    t = 1.0
    while t > 0 and _inside(*curve(t), dst, margin=0.36):
        t -= 0.005
    return curve(t)


def _loop_direction(nodes) -> str:
    """Clockwise or counter-clockwise, from the signed area enclosed by the loop's arrows."""
    rads = {(a, b): rad for a, b, _, rad, _ in EDGES}
    pts = []
    for a, b in zip(nodes, nodes[1:] + nodes[:1]):
        curve = _bezier(NODES[a][:2], NODES[b][:2], rads[(a, b)])
        pts += [curve(t / 8) for t in range(8)]
    area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]))
    return "ccw" if area > 0 else "cw"


def loop_kind(nodes) -> str:
    """'R' (reinforcing) or 'B' (balancing): the parity of the - links around ``nodes``."""
    signs = {(a, b): sign for a, b, sign, *_ in EDGES}
    links = list(zip(nodes, nodes[1:] + nodes[:1]))
    missing = [link for link in links if link not in signs]
    if missing:
        raise ValueError(f"loop {nodes}: no arrow for {missing}")
    return "R" if sum(signs[link] == "-" for link in links) % 2 == 0 else "B"


def draw(path) -> Path:
    """Draw the causal-loop diagram to ``path`` (PNG) and return the path."""
    path = Path(path)
    for label, _, _, _, nodes, _ in LOOPS:   # every label must match its loop's polarity
        if loop_kind(nodes) != label[0]:
            raise ValueError(f"{label}: the signs around {nodes} make a {loop_kind(nodes)} loop")
    fig = plt.figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.set_aspect("equal")
    ax.axis("off")

    patches = {}
    for key, (x, y, label, kind) in NODES.items():
        _, _, w, h = _box(key)
        face, edge = COLOURS[kind]
        p = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.12",
                           fc=face, ec=edge, lw=1.6, zorder=3)
        ax.add_patch(p)
        patches[key] = p
        ax.text(x, y, label, ha="center", va="center", fontsize=FONT, zorder=4,
                linespacing=1.15, fontweight="bold" if key in ("runway", "staff", "inv_trust")
                else "normal")

    for src, dst, sign, rad, _where in EDGES:
        style = "dashed" if (src, dst) == ("inv_trust", "exit") else "solid"
        arrow = FancyArrowPatch(NODES[src][:2], NODES[dst][:2], patchA=patches[src],
                                patchB=patches[dst], connectionstyle=f"arc3,rad={rad}",
                                arrowstyle="-|>,head_length=7,head_width=3.5", mutation_scale=1.6,
                                lw=1.4, color="#444444", linestyle=style, shrinkA=2, shrinkB=2,
                                zorder=2)
        ax.add_patch(arrow)
        sx, sy = _sign_point(src, dst, rad)
        colour = "#1a7f37" if sign == "+" else "#c0392b"
        ax.text(sx, sy, "+" if sign == "+" else "\u2212", ha="center", va="center",
                fontsize=12, fontweight="bold", color=colour, zorder=5,
                bbox=dict(boxstyle="circle,pad=0.12", fc="white", ec=colour, lw=1.0))
        if (src, dst) in EDGE_NOTES:
            text, t, off = EDGE_NOTES[(src, dst)]
            mx, my = _bezier(NODES[src][:2], NODES[dst][:2], rad)(t)
            ax.text(mx, my + off, text, ha="center", va="center", fontsize=8.5,
                    style="italic", color="#555555", zorder=5)

    for label, name, x, y, nodes, inline in LOOPS:
        colour = "#8e2c8e" if label.startswith("R") else "#1f5fa8"
        glyph = "\u21ba" if _loop_direction(nodes) == "ccw" else "\u21bb"
        if inline:
            ax.text(x, y, f"{glyph} {label}  ", ha="right", va="center", fontsize=13,
                    fontweight="bold", color=colour, zorder=5)
            ax.text(x, y, name, ha="left", va="center", fontsize=9, color=colour,
                    style="italic", zorder=5)
        else:
            ax.text(x, y, f"{glyph} {label}", ha="center", va="bottom", fontsize=13,
                    fontweight="bold", color=colour, zorder=5)
            ax.text(x, y - 0.02, name, ha="center", va="top", fontsize=9, color=colour,
                    style="italic", zorder=5, linespacing=1.0)

    ax.text(0.15, HEIGHT - 0.15, "Main feedback loops of the startup governance model",
            ha="left", va="top", fontsize=14, fontweight="bold")
    ax.text(5.95, 0.18,
            "+ : more cause, more effect     \u2212 : more cause, less effect     "
            "R: reinforcing (even number of \u2212)     B: balancing (odd number of \u2212)\n"
            "Not drawn: broken promises and departures also lower investors' trust; failed rounds, "
            "layoffs and compute cuts lower staff trust;\ndepartures lower payroll; compute feeds "
            "capacity; cash feeds kept promises; unpaid bills lower staff trust through the runway (it is net of them) and stop compute growth; a CEO exit also "
            "resets staff trust.",
            ha="center", va="bottom", fontsize=7.8, color="#333333", linespacing=1.3)

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


if __name__ == "__main__":
    out = draw(Path(__file__).resolve().parents[2] / "docs" / "causal-loops.png")
    print(f"wrote {out}")
