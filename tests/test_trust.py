"""Trust (bounded, asymmetric updates) and promise credibility."""

import itertools

import numpy as np
import pytest

from conftest import batch, events, make_params, seeds
from model import StartupModel
from model.promises import AUDIENCES
from model.trust import Credibility, update

TRUSTS = np.linspace(0.0, 1.0, 21)
EVIDENCE = np.concatenate([-np.logspace(-6, 6, 25), [0.0], np.logspace(-6, 6, 25)])
GAINS = (0.0, 0.02, 0.3, 1.0)
ASYMMETRIES = (1.0, 3.0, 20.0)


# --------------------------------------------------------------------------- update

def test_update_stays_in_unit_interval_on_a_grid_of_extremes():
    bad = []
    for t, e, g, a in itertools.product(TRUSTS, EVIDENCE, GAINS, ASYMMETRIES):
        v = update(float(t), float(e), g, a)
        if not 0.0 <= v <= 1.0:
            bad.append((t, e, g, a, v))
    assert not bad, f"trust left [0, 1]: {bad[:5]}"


def test_update_stays_in_unit_interval_over_long_random_histories():
    rng = np.random.default_rng(20221017)
    for _ in range(50):
        t = float(rng.random())
        gain, asym = float(rng.random()), float(rng.uniform(1.0, 20.0))
        # heavy-tailed evidence: mostly small, sometimes enormous, both signs
        for e in rng.standard_cauchy(400) * 10.0:
            t = update(t, float(e), gain, asym)
            assert 0.0 <= t <= 1.0, (t, e, gain, asym)


def test_update_moves_in_the_direction_of_the_evidence_and_monotonically():
    for t, g, a in itertools.product(TRUSTS, GAINS[1:], ASYMMETRIES):
        out = [update(float(t), float(e), g, a) for e in np.sort(EVIDENCE)]
        assert all(x <= y + 1e-15 for x, y in zip(out, out[1:])), (t, g, a)
        for e, v in zip(np.sort(EVIDENCE), out):
            assert (v >= t) if e >= 0 else (v <= t)


def test_extreme_evidence_saturates_at_the_bounds():
    assert update(0.4, 1e9, 0.02, 3.0) == pytest.approx(1.0)
    assert update(0.4, -1e9, 0.02, 3.0) == pytest.approx(0.0)


@pytest.mark.parametrize("asymmetry", [1.0, 1.5, 3.0, 5.0, 10.0])
@pytest.mark.parametrize("magnitude", [0.05, 0.3, 1.0])
def test_bad_news_moves_trust_more_than_good_news_by_the_asymmetry_ratio(asymmetry, magnitude):
    gain = 0.02
    up = update(0.5, magnitude, gain, asymmetry) - 0.5
    down = 0.5 - update(0.5, -magnitude, gain, asymmetry)
    assert up > 0 and down > 0
    assert down / up == pytest.approx(asymmetry, rel=1e-9)


def test_asymmetry_one_is_symmetric_at_half_trust():
    for m in (0.01, 0.2, 0.9):
        assert update(0.5, m, 0.05, 1.0) - 0.5 == pytest.approx(0.5 - update(0.5, -m, 0.05, 1.0))


def _drops_in_the_model(asymmetry: float, evidence: float) -> tuple[float, float]:
    """Change in trust of one investor and one researcher of a model built with
    ``trust.asymmetry``, after one update from trust 0.5 on ``evidence`` (nothing else felt)."""
    m = StartupModel(make_params("stability-ai", f"trust.asymmetry={asymmetry}"), seed=seeds(1)[0])
    m.step()
    assert m.payables == 0.0              # no unpaid bills yet: no draw, no private fear
    inv = m.investor_list[0]
    inv.trust, inv.felt = 0.5, 0.0
    m.evidence_investors, m.investor_fear = evidence, {False: 0.0, True: 0.0}
    inv.perceive()
    r = next(r for r in m.researchers if r.present)
    r.trust, r.felt, r.ethics = 0.5, 0.0, 0.0
    m.evidence = {**m.evidence, "researcher": evidence}
    r.step()
    return inv.trust - 0.5, r.trust - 0.5


def test_the_model_uses_the_scenarios_asymmetry_for_investors_and_staff():
    """trust.asymmetry reaches the agents' updates: with bad news the drop scales with it
    (x4 asymmetry, x4 drop, far from saturation), with good news it makes no difference."""
    low_inv, low_res = _drops_in_the_model(1.5, -0.1)
    high_inv, high_res = _drops_in_the_model(6.0, -0.1)
    assert low_inv < 0 and low_res < 0
    assert high_inv / low_inv == pytest.approx(4.0, rel=1e-9)
    assert high_res / low_res == pytest.approx(4.0, rel=1e-9)
    assert _drops_in_the_model(1.5, 0.1) == pytest.approx(_drops_in_the_model(6.0, 0.1), rel=1e-12)
    assert _drops_in_the_model(6.0, 0.1)[0] > 0


# --------------------------------------------------------------------------- credibility

def cred(kept: int, broken: int, weight: float = 3.0) -> float:
    c = Credibility(weight)
    c.kept, c.broken = kept, broken
    return c.value


def test_fresh_credibility_is_one_half_and_within_unit_interval():
    assert Credibility(3.0).value == pytest.approx(0.5)
    for k, b in itertools.product(range(12), range(12)):
        assert 0.0 < cred(k, b) < 1.0


@pytest.mark.parametrize("kept", [0, 2, 10])
def test_credibility_falls_with_every_broken_promise(kept):
    values = [cred(kept, b) for b in range(15)]
    assert all(x > y for x, y in zip(values, values[1:]))
    assert values[-1] < 0.25


def test_credibility_rises_with_kept_promises():
    values = [cred(k, 2) for k in range(15)]
    assert all(x < y for x, y in zip(values, values[1:]))


@pytest.mark.parametrize("weight", [1.5, 3.0, 10.0])
def test_a_broken_promise_costs_more_than_a_kept_one_earns(weight):
    # wherever the record is not already bad (credibility >= 1/2) and a break weighs more
    # than a kept promise, one broken promise lowers credibility more than one kept raises it
    states = [(k, b) for k, b in itertools.product(range(30), range(30))
              if cred(k, b, weight) >= 0.5]
    assert len(states) > 50
    for kept, broken in states:
        v = cred(kept, broken, weight)
        rise = cred(kept + 1, broken, weight) - v
        drop = v - cred(kept, broken + 1, weight)
        assert drop > rise > 0, (kept, broken)


def test_break_weight_sets_the_cost_of_a_broken_promise():
    # weight 1 is symmetric from the fresh state; heavier weights make breaks cost more
    assert cred(0, 1, 1.0) == pytest.approx(1.0 - cred(1, 0, 1.0))
    drops = [0.5 - cred(0, 1, w) for w in (1.0, 2.0, 3.0, 6.0, 20.0)]
    assert all(x < y for x, y in zip(drops, drops[1:]))
    # hand-computed: no kept and one broken with weight 3 is like a Beta(1, 1 + 3) mean,
    # 1 / (1 + 1 + 3) = 0.2; two kept and one broken: 3 / (3 + 1 + 3) = 3/7
    assert cred(0, 1, 3.0) == pytest.approx(0.2)
    assert cred(2, 1, 3.0) == pytest.approx(3.0 / 7.0)


def test_model_credibility_counts_the_current_ceos_promises():
    """The model's credibility per audience matches the promise events since the last CEO change."""
    for m in batch(n=10):
        since = 0
        for k, e in enumerate(m.events):
            if e.event == "interim_ceo":
                since = k + 1
        recent = m.events.events[since:]
        for aud in AUDIENCES:
            kept = sum(1 for e in recent if e.event == "promise_kept" and e.detail.startswith(f"to {aud},"))
            broken = sum(1 for e in recent if e.event == "promise_broken"
                         and e.detail.startswith(f"to {aud},"))
            assert (m.credibility[aud].kept, m.credibility[aud].broken) == (kept, broken)
    assert sum(len(events(m, "promise_broken")) for m in batch(n=10)) > 0
