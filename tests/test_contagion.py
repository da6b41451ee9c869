"""Colleague ties and departure contagion."""

import numpy as np
import pytest

from conftest import batch, make_params, seeds
from model import StartupModel
from model import trust as trustlib
from model.network import Contagion, tie_colleagues


class Person:
    """A bare colleague: what the network functions read and write."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.ties: list = []
        self.present = True
        self.felt = 0.0


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
        tie_colleagues(group, ties, np.random.default_rng(seed))
        assert_symmetric(group)
        mean = np.mean([len(p.ties) for p in group])
        assert 0.5 * ties <= mean <= 1.2 * ties, mean


def test_ties_are_mostly_within_the_group():
    group = people(25, 25)
    tie_colleagues(group, 6, np.random.default_rng(1))
    same = sum(q.group == p.group for p in group for q in p.ties)
    total = sum(len(p.ties) for p in group)
    assert same / total > 0.6


def test_no_ties_when_ties_is_zero_or_alone():
    group = people()
    tie_colleagues(group, 0, np.random.default_rng(1))
    assert all(p.ties == [] for p in group)
    one = [Person("executive")]
    tie_colleagues(one, 4, np.random.default_rng(1))
    assert one[0].ties == []


def test_model_ties_are_symmetric_including_successors():
    for m in batch(n=5):
        everyone = m.executives + m.researchers
        assert_symmetric(everyone)
        assert any(p.ties for p in everyone)
    # successors are tied in when they arrive
    hired = [e for m in batch(n=10) for e in m.executives if not e.original]
    assert hired and all(e.ties for e in hired)


# --------------------------------------------------------------------------- delivery

def test_shocks_arrive_after_the_lag_and_only_to_present_colleagues():
    lag_min, lag_max, shock = 2, 6, 0.25
    c = Contagion(shock, lag_min, lag_max)
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


def test_every_scheduled_shock_is_delivered_in_a_model_run():
    p = make_params("stability-ai", "workforce.contagion_lag_min=2", "workforce.contagion_lag_max=6")
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


def test_shocks_with_zero_lag_are_delivered_too():
    """contagion_lag_min = 0 is a valid value ("shortest delay before a departure is felt").

    A departure in week w with lag 0 is scheduled for week w, but the model delivers week w's
    shocks before employees act (company.py, StartupModel.step), so such shocks are never felt.
    """
    p = make_params("stability-ai", "workforce.contagion_lag_min=0", "workforce.contagion_lag_max=2")
    lost = 0
    for seed in seeds(3):
        m = StartupModel(p, seed=seed)
        m.run()
        last = m.week - 1            # the final week may have stopped before delivery (sale etc.)
        lost += sum(len(v) for w, v in m.contagion.pending.items() if w < last)
    assert lost == 0, f"{lost} contagion shocks were scheduled for past weeks and never delivered"


def test_a_delivered_shock_costs_the_colleague_contagion_shock_in_trust():
    """workforce.contagion_shock is documented as the trust (unit "trust") a colleague loses.

    The model adds it to the week's evidence instead (employees.py, Employee.step), where it
    is scaled by gain_rate x asymmetry x trust, so the trust lost is ~60x smaller.
    """
    shock = 0.2
    p = make_params("stability-ai", f"workforce.contagion_shock={shock}",
                    "workforce.contagion_lag_min=1", "workforce.contagion_lag_max=1")
    m = StartupModel(p, seed=seeds(1)[0])
    m.step()
    leaver = next(r for r in m.researchers if r.ties)
    person = next(q for q in leaver.ties if q.trust - q.threshold > 0.3)
    m.contagion.departed(leaver, m.week - 1, m.rng)
    m.contagion.deliver(m.week)
    assert person.felt == pytest.approx(shock)
    t = p.trust
    ethics = t.ethics * person.ethics * p.company.copyright_stance
    without = trustlib.update(person.trust, m.evidence[person.group] - ethics, t.gain_rate, t.asymmetry)
    person.step()
    assert person.felt == 0.0
    lost = without - person.trust
    assert lost > 0.0
    assert lost == pytest.approx(shock, rel=0.5), f"trust lost {lost:.4f}, documented {shock}"


# --------------------------------------------------------------------------- model level

def _first_year_departures(runs):
    return sum(1 for m in runs for e in m.events if e.event == "departure" and e.week < 52)


def test_strong_contagion_spreads_departures():
    sets = ("workforce.ties=16",)
    none = _first_year_departures(batch(sets=sets + ("workforce.contagion_shock=0",), n=25))
    strong = _first_year_departures(batch(sets=sets + ("workforce.contagion_shock=1",), n=25))
    assert strong > 1.2 * none, (none, strong)


def test_without_contagion_no_one_feels_a_departure():
    for m in batch(sets=("workforce.contagion_shock=0",), n=5):
        assert all(p.felt_recent == 0.0 for p in m.executives + m.researchers)
