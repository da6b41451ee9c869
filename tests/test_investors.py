"""Investors: escalation as trust falls, leaving the board, learning about unpaid bills."""

import pytest

from conftest import batch, column, events, make_params, seeds
from model import StartupModel

SEATED_ROLES = ("board director", "board observer")
ESCALATION = ("audit_demanded", "sale_urged", "resignation_demanded")


def tenures(model):
    """The event list split at every change of CEO."""
    out, cur = [], []
    for e in model.events:
        cur.append(e)
        if e.event == "interim_ceo":
            out.append(cur)
            cur = []
    return out + [cur]


@pytest.mark.parametrize("scenario", ["stability-ai", "board-control"])
def test_seated_investors_escalate_in_order(scenario):
    """Within one CEO's tenure a seated investor asks for an audit before it urges a sale,
    and urges a sale before it calls for resignation."""
    checked = 0
    for m in batch(scenario, n=30):
        for tenure in tenures(m):
            order: dict[str, list[str]] = {}
            for e in tenure:
                if e.event in ESCALATION and e.role in SEATED_ROLES:
                    order.setdefault(e.agent, []).append(e.event)
            for agent, seq in order.items():
                assert len(seq) == len(set(seq)), (agent, seq)       # each demand once
                assert seq == list(ESCALATION[:len(seq)]), (agent, seq)
                checked += len(seq) == 3
    assert checked >= 20


def test_escalation_thresholds_are_ordered(baseline):
    a = baseline.params.investor_actions
    assert a.audit_below > a.sale_below > a.resign_below > a.package_below > a.leave_below


def test_demands_are_made_only_below_the_thresholds():
    p = make_params()
    a = p.investor_actions
    limits = {"audit_demanded": a.audit_below, "sale_urged": a.sale_below,
              "resignation_demanded": a.resign_below, "exit_package_offered": a.package_below}
    checked = set()
    for seed in seeds(4):
        m = StartupModel(p, seed=seed)
        seen = 0
        while m.running:
            m.step()
            for e in m.events.events[seen:]:
                if e.event in limits:
                    inv = next(i for i in m.investor_list if i.name == e.agent)
                    if m.ceo.founder:          # trust is reset when a new CEO arrives
                        assert inv.trust < limits[e.event], (e, inv.trust)
                        checked.add(e.event)
            seen = len(m.events)
    assert checked == set(limits), checked     # every kind of demand was checked


def test_board_exits_take_seats_off_the_board():
    """board_investor_seats changes only by board exits (down) and new round leads (up);
    observers leaving do not change it but give up their seat."""
    exits = observer_exits = 0
    for m in batch(n=40) + batch("board-control", n=20):
        seats = column(m, "board_investor_seats")
        assert seats[0] == sum(1 for i in m.p.investors.values() if i.seat == "board")
        for w in range(1, len(seats)):
            down = sum(1 for e in m.events if e.week == w and e.event == "board_exit")
            up = sum(1 for e in m.events if e.week == w and e.event in ("round_closed", "rescued"))
            assert seats[w] - seats[w - 1] == up - down, w
            exits += down
        observer_exits += m.events.count("observer_exit")
        gone = {e.agent for e in events(m, ("board_exit", "observer_exit"))}
        assert all(i.seat == "none" for i in m.investor_list if i.name in gone)
        assert m.seats_given_up == len(events(m, ("board_exit", "observer_exit")))
    assert exits >= 5 and observer_exits >= 2


def test_an_investor_who_left_makes_no_more_board_demands():
    exits_followed = 0
    for m in batch(n=40):
        for tenure in tenures(m):
            left = {}
            for e in tenure:
                if e.event in ("board_exit", "observer_exit"):
                    left[e.agent] = True
                elif e.event in ("audit_demanded", "sale_urged") and e.agent in left:
                    pytest.fail(f"{e.agent} demanded {e.event} after leaving its seat")
            # an exit with weeks of the same tenure after it: the rule had a chance to fail
            exits_followed += sum(1 for k, e in enumerate(tenure)
                                  if e.event in ("board_exit", "observer_exit")
                                  and any(x.week > e.week for x in tenure[k:]))
    assert exits_followed >= 5, exits_followed


def test_seated_investors_learn_of_unpaid_bills_at_once_with_open_books():
    """With full transparency a seated investor knows of unpaid bills the first week there are
    any; with no leaks an investor without a seat never learns of them."""
    p = make_params("stability-ai", "ceo.transparency=1", "investor_actions.leak_rate=0",
                    "investors.oshaughnessy.seat=none")
    weeks_with_payables = 0
    for seed in seeds(6):
        m = StartupModel(p, seed=seed)
        ever_seated = set()
        while m.running:
            m.step()
            if not m.running or not m.ceo.founder:
                break
            ever_seated |= {id(i) for i in m.investor_list if i.seated}
            if m.payables > 0:
                weeks_with_payables += 1
                for inv in m.investor_list:
                    if inv.seated:
                        assert inv.knows_unpaid, (m.week, inv.name)
                    elif id(inv) not in ever_seated:
                        assert not inv.knows_unpaid, (m.week, inv.name)
            else:
                assert not any(i.knows_unpaid for i in m.investor_list)
    assert weeks_with_payables >= 50


def _learning(sets, n):
    """Weekly learning of unpaid bills, by the investor's seat at week 0: over the weeks of
    the founder's tenure in which bills are unpaid and an original investor does not yet
    know of them, how many such investor-weeks there were and in how many the investor
    learned. A rate per week at risk, so the length of the unpaid episodes (which moves
    with the calibration) does not enter."""
    p = make_params("stability-ai", *sets)
    at_risk = {"seated": 0, "unseated": 0}
    learned = {"seated": 0, "unseated": 0}
    for seed in seeds(n):
        m = StartupModel(p, seed=seed)
        original = [(inv, "seated" if inv.seated else "unseated") for inv in m.investor_list]
        while m.running and m.ceo.founder:
            before = {id(inv): inv.knows_unpaid for inv, _ in original}
            m.step()
            if m.payables <= 0 or not m.ceo.founder:
                continue
            for inv, kind in original:
                if before[id(inv)] or kind == "seated" and inv.seat == "none":
                    continue        # knew already, or gave up the seat (an outsider now)
                at_risk[kind] += 1
                learned[kind] += inv.knows_unpaid
    return at_risk, learned


def test_board_seats_learn_of_unpaid_bills_faster_than_outsiders():
    """Seated investors hear of unpaid bills from the CEO (at his transparency, 0.5 here);
    outsiders only through leaks (investor_actions.leak_rate, 0.05): per week at risk,
    seated investors learn several times as often."""
    at_risk, learned = _learning(["investors.oshaughnessy.seat=none", "ceo.transparency=0.5"],
                                 n=40)
    assert at_risk["seated"] >= 50 and at_risk["unseated"] >= 100, at_risk
    rate = {k: learned[k] / at_risk[k] for k in at_risk}
    assert rate["seated"] > 3 * rate["unseated"], rate
