"""Governance: who can remove the CEO, removal votes, the interim CEO, resignation."""

import pytest

from conftest import batch, column, events, founder_events, km_median_exit, make_params
from model import StartupModel, governance


# --------------------------------------------------------------------------- regimes

def test_a_founder_with_voting_control_is_never_removed(baseline):
    assert baseline.params.governance.regime == "founder_control"
    assert baseline.params.ceo.voting_control >= 0.5
    runs = batch(n=50)
    for m in runs:
        assert m.ceo_exit_kind in (None, "resigned")
        assert m.events.count("ceo_removed") == 0
    # investors did call for his resignation: the absence of removals is the rule at work
    assert sum(1 for m in runs if events(m, "resignation_demanded")) >= 25


def test_under_board_control_most_founders_are_removed_and_earlier():
    board = batch("board-control", n=50)
    base = batch(n=50)
    removed = sum(1 for m in board if m.ceo_exit_kind == "removed")
    assert removed > 25, removed
    assert all(founder_events(m, "ceo_removed") or m.ceo_exit_kind != "removed" for m in board)
    assert km_median_exit(board) < km_median_exit(base) - 8


def test_every_removal_follows_a_call_for_resignation():
    for m in batch("board-control", n=30):
        for e in events(m, "ceo_removed"):
            calls = [c for c in events(m, "resignation_demanded") if c.week <= e.week]
            assert calls


# --------------------------------------------------------------------------- the vote

def model_for(*sets):
    m = StartupModel(make_params("stability-ai", *sets), seed=1)
    return m


def set_trust(m, **trusts):
    by_key = {i.name: i for i in m.investor_list}
    names = {"coatue": "Coatue", "lightspeed": "Lightspeed", "osh": "O'Shaughnessy Ventures"}
    for k, v in trusts.items():
        by_key[names[k]].trust = v
    m.trust_investors = m._investor_trust()


def test_board_vote_removes_with_a_majority_of_seats():
    m = model_for("governance.regime=board_control", "ceo.voting_control=0.35")
    below = m.p.investor_actions.remove_below - 0.05
    # 2 investor directors + 1 independent vs the CEO's own seat: 3 of 4
    set_trust(m, coatue=below, lightspeed=below, osh=below)
    removed, how = governance.removal_vote(m)
    assert removed and "3 of 4" in how


def test_board_vote_fails_on_a_tie_or_a_minority():
    m = model_for("governance.regime=board_control")
    lo, hi = m.p.investor_actions.remove_below - 0.05, 0.9
    set_trust(m, coatue=lo, lightspeed=hi, osh=hi)      # one director; independents follow the average
    removed, how = governance.removal_vote(m)
    assert not removed and "1 of 4" in how
    set_trust(m, coatue=lo, lightspeed=lo, osh=hi)
    m.trust_investors = 0.5                               # independents not convinced: 2 of 4 is a tie
    removed, how = governance.removal_vote(m)
    assert not removed and "2 of 4" in how


def test_board_vote_needs_more_with_more_independents():
    m = model_for("governance.regime=board_control", "governance.independent_seats=3")
    lo = m.p.investor_actions.remove_below - 0.05
    set_trust(m, coatue=lo, lightspeed=lo, osh=lo)
    m.trust_investors = 0.9
    removed, how = governance.removal_vote(m)
    assert not removed and "2 of 6" in how
    m.trust_investors = lo
    removed, how = governance.removal_vote(m)
    assert removed and "5 of 6" in how


def test_shareholder_vote_under_founder_control_needs_a_majority_of_shares():
    m = model_for()
    lo = m.p.investor_actions.remove_below - 0.05
    set_trust(m, coatue=lo, lightspeed=lo, osh=lo)
    removed, _ = governance.removal_vote(m)
    assert not removed                                   # ~10% of the shares
    for inv in m.investor_list:
        inv.stake = 0.2                                  # 60% of the shares want him out
    removed, _ = governance.removal_vote(m)
    assert removed
    m.investor_list[0].trust = 0.9                       # 40%: not enough
    removed, _ = governance.removal_vote(m)
    assert not removed


def test_pressure_grows_with_what_went_wrong():
    m = model_for()
    m.step()
    calm = governance.pressure(m)
    assert calm >= 0.0
    for ex in list(m.executives)[:6]:
        m.employee_leaves(ex, "test")
    for inv in m.investor_list:
        inv.trust = 0.1
        inv.demands.add("resign")
    m._update_derived()
    assert governance.pressure(m) > calm + 0.4


# --------------------------------------------------------------------------- after an exit

def test_after_the_founder_leaves_an_interim_ceo_takes_over():
    m = model_for()
    for _ in range(10):
        m.step()
    founder = m.ceo
    m.ceo_leaves("removed", "test")
    fresh = m.p.trust.new_ceo_trust
    assert m.ceo is not founder and m.ceo.founder is False and founder.in_office is False
    assert (m.ceo_exit_week, m.ceo_exit_kind) == (10, "removed")
    assert m.ceo.listening == m.p.interim_ceo.listening
    assert all(i.trust == fresh and not i.demands for i in m.investor_list)
    assert all(p.trust == fresh for p in m.executives + m.researchers)
    assert m.staff_trust == fresh
    assert [e.event for e in m.events.events[-2:]] == ["ceo_removed", "interim_ceo"]
    m.step()
    assert column(m, "ceo_in_office")[-2:] == [1, 0]
    # a second exit (of the interim CEO) does not change the founder's exit
    m.ceo_leaves("resigned", "test")
    assert (m.ceo_exit_week, m.ceo_exit_kind) == (10, "removed")
    assert m.ceo_in_office == 0


@pytest.mark.parametrize("scenario", ["stability-ai", "board-control"])
def test_ceo_in_office_column_switches_off_at_the_founders_exit(scenario):
    exits = 0
    for m in batch(scenario, n=30):
        col = column(m, "ceo_in_office")
        w = m.ceo_exit_week
        if w is None:
            assert set(col) == {1}
            assert m.ceo.founder
        else:
            assert col == [1] * w + [0] * (len(col) - w)
            assert not m.ceo.founder
            assert founder_events(m, "ceo_resigned" if m.ceo_exit_kind == "resigned" else "ceo_removed")
            exits += 1
    assert exits >= 15


# --------------------------------------------------------------------------- resignation

def test_a_fully_entrenched_founder_never_resigns_on_his_own():
    runs = batch(sets=("ceo.entrenchment=1.0", "governance.resign_rate=0"), n=30)
    for m in runs:
        for e in founder_events(m, "ceo_resigned"):
            assert e.detail.startswith("accepted the exit package")
        if m.ceo_exit_kind is not None:
            assert m.ceo_exit_kind == "resigned"
            assert founder_events(m, "ceo_resigned")[0].detail.startswith("accepted the exit package")
    assert sum(1 for m in runs if m.ceo_exit_week is None) > 20


def test_an_unentrenched_founder_resigns_early():
    loose = batch(sets=("ceo.entrenchment=0",), n=30)
    base = batch(n=30)
    assert all(m.ceo_exit_kind == "resigned" for m in loose)
    assert km_median_exit(loose) < km_median_exit(base) - 20
    pressure_exits = sum(1 for m in loose
                         if founder_events(m, "ceo_resigned")[0].detail.startswith("under pressure"))
    assert pressure_exits >= 25
