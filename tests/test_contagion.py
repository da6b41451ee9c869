"""Colleague ties and departure contagion."""

import numpy as np
import pytest

from conftest import batch, make_params, seeds
from model import ParameterError, StartupModel
from model.network import Contagion, departure_clustering, tie_colleagues


class Person:
    """A bare colleague: what the network functions read and write."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.ties: list = []
        self.present = True
        self.felt = 0.0
        self.asked = 0


def people(n_exec=10, n_res=40):
    return [Person("executive") for _ in range(n_exec)] + [Person("researcher") for _ in range(n_res)]


def assert_symmetric(group):
    for p in group:
        assert p not in p.ties, "self tie"
        assert len(p.ties) == len(set(map(id, p.ties))), "duplicate tie"
        for q in p.ties:
            assert p in q.ties, "one-way tie"


# --------------------------------------------------------------------------- ties

@pytest.mark.parametrize("ties", [1, 2, 4, 9])
def test_tie_colleagues_gives_symmetric_ties(ties):
    for seed in range(5):
        group = people()
        tie_colleagues(group, ties, np.random.default_rng(seed), 0.7)
        assert_symmetric(group)
        mean = np.mean([len(p.ties) for p in group])
        assert 0.5 * ties <= mean <= 1.2 * ties, mean


def test_ties_are_mostly_within_the_group():
    group = people(25, 25)
    tie_colleagues(group, 6, np.random.default_rng(1), 0.7)
    same = sum(q.group == p.group for p in group for q in p.ties)
    total = sum(len(p.ties) for p in group)
    assert same / total > 0.6


def test_no_ties_when_ties_is_zero_or_alone():
    group = people()
    tie_colleagues(group, 0, np.random.default_rng(1), 0.7)
    assert all(p.ties == [] for p in group)
    one = [Person("executive")]
    tie_colleagues(one, 4, np.random.default_rng(1), 0.7)
    assert one[0].ties == []


def test_model_ties_are_symmetric_including_successors():
    for m in batch(n=5):
        everyone = m.executives + m.researchers
        assert_symmetric(everyone)
        assert any(p.ties for p in everyone)
    # successors are tied to ``ties`` colleagues when they arrive
    p = make_params()
    hired = 0
    for seed in seeds(4):
        m = StartupModel(p, seed=seed)
        seen = {id(e) for e in m.executives}
        while m.running:
            m.step()
            new = [ex for ex in m.executives if id(ex) not in seen]
            for ex in new:
                seen.add(id(ex))
                others = len(m.executives) + len(m.researchers) - 1
                # its own ties, plus any from successors hired later in the same week
                assert (min(p.workforce.ties, others) <= len(ex.ties)
                        <= min(p.workforce.ties, others) + len(new) - 1), len(new)
                assert all(ex in q.ties and q.present for q in ex.ties)
                hired += 1
        assert_symmetric(m.executives + m.researchers)
    assert hired >= 3


# --------------------------------------------------------------------------- delivery

def test_shocks_arrive_after_the_lag_and_only_to_present_colleagues():
    lag_min, lag_max, shock = 2, 6, 0.25
    c = Contagion(shock, 0.0, lag_min, lag_max)
    leaver = Person("executive")
    colleagues = [Person("researcher") for _ in range(200)]
    gone_before = colleagues[0]
    gone_before.present = False             # already gone when the colleague leaves
    gone_later = colleagues[1]
    leaver.ties = list(colleagues)
    c.departed(leaver, 10, np.random.default_rng(3))
    assert set(c.pending) <= set(range(10 + lag_min, 10 + lag_max + 1))
    assert set(c.pending) == set(range(10 + lag_min, 10 + lag_max + 1))  # every lag occurs
    assert all(gone_before not in v for v in c.pending.values())
    gone_later.present = False              # leaves before the news reaches them
    for week in range(0, 10 + lag_min):
        c.deliver(week)
    assert all(p.felt == 0.0 for p in colleagues)
    for week in range(10 + lag_min, 10 + lag_max + 1):
        c.deliver(week)
    assert not c.pending
    assert gone_before.felt == 0.0 and gone_later.felt == 0.0
    assert all(p.felt == pytest.approx(shock) for p in colleagues[2:])


@pytest.mark.parametrize("lags", [(1, 1), (2, 6)])
def test_every_scheduled_shock_is_delivered_in_a_model_run(lags):
    p = make_params("stability-ai", f"workforce.contagion_lag_min={lags[0]}",
                    f"workforce.contagion_lag_max={lags[1]}")
    weeks = 0
    for seed in seeds(3):
        m = StartupModel(p, seed=seed)
        while m.running:
            m.step()
            if not m.running:        # a run that ends (sale, insolvency) delivers nothing more
                break
            overdue = [w for w, v in m.contagion.pending.items() if w < m.week and v]
            assert not overdue, (m.week, overdue)
            weeks += 1
    assert weeks > 150


def test_a_zero_lag_is_refused():
    """A departure is felt at the earliest the week after (the week's shocks are delivered
    before anyone acts), so a lag of 0 would silently lose the shock: it is out of range."""
    with pytest.raises(ParameterError, match="contagion_lag_min"):
        make_params("stability-ai", "workforce.contagion_lag_min=0")
    with pytest.raises(ParameterError, match="contagion_lag_min"):
        make_params("stability-ai", "workforce.contagion_lag_min=5", "workforce.contagion_lag_max=3")


def _after_one_update(shock: float, deliver: bool, less_evidence: float = 0.0):
    """Trust of one tied colleague after their own update in week 1 of a fresh model (seeded
    as every other call), when a departure's shock is delivered to them or not, and the
    group's shared evidence is lowered by ``less_evidence``."""
    p = make_params("stability-ai", f"workforce.contagion_shock={shock}",
                    "workforce.contagion_lag_min=1", "workforce.contagion_lag_max=1")
    m = StartupModel(p, seed=seeds(1)[0])
    m.step()
    leaver = next(r for r in m.researchers if r.ties)
    person = next(q for q in leaver.ties if q.trust - q.threshold > 0.2)
    before = person.trust
    if deliver:
        m.contagion.departed(leaver, m.week - 1, m.rng)
        m.contagion.deliver(m.week)
        assert person.felt == pytest.approx(shock) and person.asked == 1
    m.evidence = {**m.evidence, person.group: m.evidence[person.group] - less_evidence}
    person.step()
    assert person.felt == 0.0                  # felt once, then forgotten
    return before, person.trust


@pytest.mark.parametrize("shock", [0.0, 0.2, 1.5])
def test_a_delivered_shock_is_bad_evidence_of_its_size(shock):
    """workforce.contagion_shock is evidence (unit "evidence"): receiving a shock of s moves
    the colleague's trust exactly as s less shared evidence that week would (metamorphic:
    two runs of the same seed), and more shock means less trust."""
    before, shocked = _after_one_update(shock, deliver=True)
    _, plain = _after_one_update(shock, deliver=False)
    _, as_evidence = _after_one_update(shock, deliver=False, less_evidence=shock)
    assert shocked == pytest.approx(as_evidence, rel=1e-12)
    if shock == 0.0:
        assert shocked == plain
    else:
        assert shocked < plain


def test_a_bigger_shock_costs_more_trust():
    after = [_after_one_update(s, deliver=True)[1] for s in (0.1, 0.5, 2.0)]
    assert after[0] > after[1] > after[2], after


# --------------------------------------------------------------------------- model level

def _first_year_departures(runs):
    return sum(1 for m in runs for e in m.events if e.event == "departure" and e.week < 52)


def test_strong_contagion_spreads_departures():
    sets = ("workforce.ties=16", "workforce.follow_prob=0")
    none = _first_year_departures(batch(sets=sets + ("workforce.contagion_shock=0",), n=25))
    strong = _first_year_departures(batch(sets=sets + ("workforce.contagion_shock=3",), n=25))
    assert strong > 1.2 * none, (none, strong)


def test_without_contagion_no_one_feels_a_departure():
    for m in batch(sets=("workforce.contagion_shock=0",), n=5):
        assert all(p.felt_recent == 0.0 for p in m.executives + m.researchers)
    # control: with the baseline shock, colleagues of leavers still remember it at the end
    assert all(any(p.felt_recent > 0.0 for p in m.executives + m.researchers) for m in batch(n=5))


# --------------------------------------------------------------------------- clustering

def _leavers(weeks, tied_pairs):
    group = [Person("researcher") for _ in weeks]
    for p, w in zip(group, weeks):
        p.left_week = w
    for i, j in tied_pairs:
        group[i].ties.append(group[j])
        group[j].ties.append(group[i])
    return group


def test_clustering_counts_tied_pairs_close_in_time():
    """Four leavers, one tied pair leaving two weeks apart, two loners far apart: one pair
    of six is close, one is tied, and it is the same one."""
    c = departure_clustering(_leavers([1, 3, 20, 40], [(0, 1)]))
    assert c.observed == 1
    assert c.expected == pytest.approx(1 / 6)
    assert c.ratio == pytest.approx(6.0)
    # the same pair leaving far apart, or in the same week (no time for news), is not close
    assert departure_clustering(_leavers([1, 30, 20, 40], [(0, 1)])).observed == 0
    assert departure_clustering(_leavers([5, 5, 20, 40], [(0, 1)])).ratio is None


def test_clustering_ignores_ties_to_people_who_stayed():
    stayer = Person("researcher")
    group = _leavers([1, 3, 20], [(0, 1)])
    group[2].ties.append(stayer)
    assert departure_clustering(group) == departure_clustering(_leavers([1, 3, 20], [(0, 1)]))


def test_clustering_is_undefined_without_two_leavers():
    assert departure_clustering([]).ratio is None
    assert departure_clustering(_leavers([4], [])).ratio is None


def test_clustering_is_about_one_when_ties_ignore_timing():
    """Random ties, random weeks: observed tied close pairs match the permutation expectation
    on average (pooled over many draws)."""
    rng = np.random.default_rng(11)
    observed = expected = 0.0
    for _ in range(300):
        n = 30
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.15]
        c = departure_clustering(_leavers(rng.integers(0, 80, n).tolist(), pairs))
        observed += c.observed
        expected += c.expected
    assert observed / expected == pytest.approx(1.0, abs=0.08)
