"""The class debrief's figures as PNG bytes for the teacher's slides (matplotlib, Agg)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"class": "#d62728", "disciplined-founder": "#2ca02c", "board-control": "#9467bd"}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def survival_png(data: dict) -> bytes:
    """Kaplan-Meier curves of the CEO's tenure: the class against the simulated founders."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, c in data["curves"].items():
        label = (f"the class ({c['n']} students)" if name == "class"
                 else f"{name}: {c['n']} simulated founders")
        ax.step(c["weeks"], c["survival"], where="post", label=label,
                color=COLOURS.get(name, "#1f77b4"), lw=2.5 if name == "class" else 1.5)
    ax.set_xlabel("weeks since the start of the game")
    ax.set_ylabel("share of CEOs still in office")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"How long the founder-CEO kept the job: {data['case']}")
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(alpha=0.3)
    return _png(fig)


def decisions_png(data: dict) -> bytes:
    """The answers that most separated the students who lasted from the others."""
    rows = data["separating"]["rows"]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(rows), 2) + 1.2))
    if rows:
        labels = [f"{r['question'][:32].rstrip()}: {r['answer']}" for r in rows][::-1]
        diffs = [100 * r["difference"] for r in rows][::-1]
        ax.barh(labels, diffs, color=["#2ca02c" if d > 0 else "#d62728" for d in diffs])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("percentage points more often among students who lasted")
    else:
        ax.text(0.5, 0.5, data["separating"]["note"] or "no data", ha="center", va="center")
        ax.set_axis_off()
    sep = data["separating"]
    ax.set_title("Decisions that separated the students who lasted"
                 + (f" ({sep['n_lasted']} students) from the others ({sep['n_did_not']})"
                    if rows else ""))
    return _png(fig)
