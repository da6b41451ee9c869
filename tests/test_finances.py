"""Finances: the accounting identity, supplier bills, payables, insolvency and payroll."""

import pytest

from conftest import batch, column, events, make_params, seeds, simulate
from model import StartupModel
from model.calendar import is_month_start
from model.finances import Ledger
from model.parameters import Supplier

SUPPLIERS = ("aws", "gcp", "coreweave")


# --------------------------------------------------------------------------- whole runs

@pytest.mark.parametrize("scenario", ["stability-ai", "disciplined-founder"])
def test_accounting_identity_holds_every_week(scenario):
    p = make_params(scenario)
    checked = 0
    for seed in seeds(5):
        m = StartupModel(p, seed=seed)
        assert m.ledger.identity_gap() == 0.0
        while m.running:
            m.step()
            led = m.ledger
            scale = led.start_cash + led.raised + led.revenue + led.asset_sales + led.paid
            assert abs(led.identity_gap()) <= 1e-9 * scale, (seed, m.week, led.identity_gap())
            # what the weekly table records is the ledger's cash and raised money
            assert column(m, "cash")[-1] == led.cash
            assert column(m, "raised")[-1] == led.raised
            assert column(m, "payables")[-1] == pytest.approx(led.payables)
            assert led.payables >= 0.0
            assert all(s.owed >= 0.0 and s.accrued >= 0.0 for s in led.suppliers)
            checked += 1
        assert len(column(m, "cash")) == m.week
    assert checked > 300


def test_payables_never_negative_and_cash_covers_payroll_while_running():
    for m in batch(n=30):
        assert min(column(m, "payables")) >= 0.0
        if m.insolvent_week is None:
            # payroll is paid first and in full: cash never goes below zero
            assert min(column(m, "cash")) >= 0.0


def test_bills_are_issued_at_month_starts_only():
    """Every week of five runs (to week 60, or insolvency): bills go out exactly at month
    starts; a run that lasts the 60 weeks has 12-15 of them."""
    p = make_params()
    whole = 0
    for seed in seeds(5):
        m = StartupModel(p, seed=seed)
        month_starts = 0
        while m.running and m.week < 60:
            m.step()
            week = m.week - 1
            billed_now = all(s.accrued == 0.0 for s in m.ledger.suppliers if not s.cut_off)
            assert billed_now == is_month_start(p.start, week), week
            month_starts += billed_now
        if m.week == 60:
            whole += 1
            assert 12 <= month_starts <= 15
    assert whole >= 1


@pytest.mark.parametrize("cost,heads", [
    ("workforce.exec_weekly_cost", lambda p: len(p.executives)),
    ("workforce.researcher_weekly_cost", lambda p: p.workforce.researchers),
    ("workforce.staff_weekly_cost", lambda p: p.workforce.staff),
    ("finance.opex_weekly", lambda p: 1),
])
def test_each_head_is_charged_its_own_weekly_cost(cost, heads):
    """Metamorphic: raising one per-head cost by 1,000 USD raises week 0's payroll by 1,000 x
    that group's headcount (e.g. 12 executives: +12,000) and nothing else (opex: +1,000)."""
    base = make_params()
    section, name = cost.split(".")
    more = make_params("stability-ai", f"{cost}={getattr(getattr(base, section), name) + 1000.0}")
    seed = seeds(1)[0]
    a, b = StartupModel(base, seed=seed), StartupModel(more, seed=seed)
    a.step()
    b.step()
    assert b.other_cost - a.other_cost == pytest.approx(1000.0 * heads(base))
    assert b.revenue == a.revenue                   # the same week otherwise


def test_payroll_follows_headcount_every_week():
    """Payroll of week w is set by the people employed at the end of week w-1: it stays put
    while headcount does, and moves the same way as the one group that changed."""
    steady = changed = 0
    for m in batch(n=10):
        other = column(m, "other_cost")
        heads = list(zip(column(m, "executives"), column(m, "researchers"), column(m, "staff")))
        for w in range(2, len(other)):
            before, now = heads[w - 2], heads[w - 1]
            if now == before:
                assert other[w] == other[w - 1], w
                steady += 1
            elif sum(x != y for x, y in zip(now, before)) == 1:
                grew = sum(now) > sum(before)
                assert (other[w] > other[w - 1]) == grew, (w, before, now)
                changed += 1
    assert steady >= 20 and changed >= 100, (steady, changed)


def test_payroll_falls_after_a_layoff_and_departures():
    p = make_params()
    m = StartupModel(p, seed=seeds(1)[0])
    for _ in range(3):
        m.step()
    before = column(m, "other_cost")[-1]
    m.layoff(m.ceo)
    for ex in list(m.executives)[:3]:
        m.employee_leaves(ex, "test", "test")
    m.step()
    after = column(m, "other_cost")[-1]
    wf = p.workforce
    assert after < before - 3 * wf.exec_weekly_cost


def test_low_start_cash_leaves_bills_unpaid_much_earlier():
    # without bridges or notes, which can make up the difference in cash (a $35M SAFE and a
    # $50M note may come in the first weeks of a run that started with $20M)
    no_money = ("fundraising.max_bridges=0", "fundraising.max_distress_notes=0")
    low = batch(sets=("finance.start_cash=20e6", *no_money), n=20)
    base = batch(sets=no_money, n=20)

    def first_unpaid(m):
        hits = events(m, ("bill_underpaid", "bill_unpaid"))
        return hits[0].week if hits else m.week

    lows = [first_unpaid(m) for m in low]
    bases = [first_unpaid(m) for m in base]
    assert all(events(m, ("bill_underpaid", "bill_unpaid")) for m in low)
    assert all(a < b for a, b in zip(lows, bases)), (lows, bases)
    assert sorted(lows)[10] + 15 <= sorted(bases)[10]
    # the first unpaid bill is always a month-start bill
    start = make_params().start
    assert all(is_month_start(start, w) for w in lows)


def test_unpaid_bill_events_report_a_real_shortfall():
    """A bill reported (partly) unpaid is one that is still owed at the end of that week:
    the week's reported shortfalls fit in the payables, and with nothing owed at a month
    start no bill is reported unpaid."""
    reported = quiet_month_starts = 0
    for m in batch(n=10):
        payables = column(m, "payables")
        by_week: dict[int, float] = {}
        for e in events(m, ("bill_underpaid", "bill_unpaid")):
            assert e.role == "supplier" and e.counterpart == e.agent
            assert is_month_start(m.start, e.week)
            assert e.amount > 1.0
            by_week[e.week] = by_week.get(e.week, 0.0) + e.amount
            reported += 1
        rescued = {e.week for e in events(m, "rescued")}   # a rescue may write bills off
        for w, short in by_week.items():
            if w in rescued:
                continue
            assert short <= payables[w] * (1 + 1e-9), (w, short, payables[w])
        for w in range(1, len(payables)):
            if is_month_start(m.start, w) and payables[w] == 0.0 and w not in rescued:
                assert w not in by_week
                quiet_month_starts += 1
    assert reported >= 10 and quiet_month_starts >= 10, (reported, quiet_month_starts)


# --------------------------------------------------------------------------- insolvency

def test_insolvency_when_payroll_cannot_be_paid():
    p = make_params("stability-ai", "finance.start_cash=1e6", "fundraising.max_bridges=0",
                    "fundraising.max_distress_notes=0",
                    "fundraising.offer_rate=0", "company.sellable_assets=0")  # no money can save it
    for seed in seeds(5):
        m = simulate(p, seed)
        assert m.running is False
        assert m.insolvent_week is not None and m.insolvent_week < 5
        assert m.events.count("insolvency") == 1
        assert m.events.events[-1].event == "insolvency"
        assert m.events.first("insolvency") == m.insolvent_week
        assert len(column(m, "week")) == m.insolvent_week + 1 < p.run.weeks
        m.run()                                          # a stopped run stays stopped
        assert len(column(m, "week")) == m.insolvent_week + 1


def test_insolvency_when_suppliers_without_credit_demand_the_first_bill():
    sets = ["finance.start_cash=8e6", "fundraising.max_bridges=0",
            "fundraising.max_distress_notes=0", "fundraising.offer_rate=0",
            "policy.cut_rate=0"]       # no cost cuts: the first bill is a full month of compute
    no_credit = make_params("stability-ai", *sets,
                            *[f"suppliers.{s}.credit_months=0" for s in SUPPLIERS])
    credit = make_params("stability-ai", *sets)
    first_bill = next(w for w in range(1, 10) if is_month_start(no_credit.start, w))
    for seed in seeds(5):
        m = simulate(no_credit, seed)
        assert m.insolvent_week == first_bill
        assert m.events.events[-1].event == "insolvency"
        assert simulate(credit, seed).insolvent_week != first_bill


# --------------------------------------------------------------------------- the ledger

def ledger(cash=100.0, credit_months=(1.0, 1.0)):
    sup = [Supplier("A", 0.75, 4, credit_months[0], 0.0), Supplier("B", 0.25, 4, credit_months[1], 0.0)]
    return Ledger(cash, sup)


def test_ledger_accrues_compute_by_share_and_bills_monthly():
    led = ledger()
    assert led.accrue_compute(40.0) == pytest.approx(40.0)
    led.accrue_compute(40.0)
    a, b = led.suppliers
    assert (a.accrued, b.accrued) == pytest.approx((60.0, 20.0))
    assert led.payables == 0.0
    billed = led.issue_bills()
    assert billed == [a, b]
    assert (a.owed, b.owed, a.accrued, b.accrued) == pytest.approx((60.0, 20.0, 0.0, 0.0))
    assert (a.last_bill, a.peak_bill) == pytest.approx((60.0, 60.0))
    assert led.issue_bills() == []              # nothing accrued since: nothing billed
    assert led.payables == pytest.approx(80.0)


def test_ledger_cut_off_supplier_delivers_and_bills_nothing():
    led = ledger()
    led.suppliers[0].cut_off = True
    assert led.accrue_compute(40.0) == pytest.approx(10.0)
    assert led.suppliers[0].accrued == 0.0
    assert led.suppliers[1].accrued == pytest.approx(10.0)


def test_pay_suppliers_pays_pro_rata_only_above_the_reserve():
    led = ledger(cash=100.0)
    led.accrue_compute(80.0)
    led.issue_bills()                           # owed: A 60, B 20
    assert led.pay_suppliers(reserve=100.0) == 0.0
    assert led.pay_suppliers(reserve=150.0) == 0.0
    assert led.payables == pytest.approx(80.0) and led.cash == 100.0
    paid = led.pay_suppliers(reserve=60.0)      # 40 available for 80 owed: half of each bill
    assert paid == pytest.approx(40.0)
    assert (led.suppliers[0].owed, led.suppliers[1].owed) == pytest.approx((30.0, 10.0))
    assert led.cash == pytest.approx(60.0)
    led.receive_revenue(1000.0)
    assert led.pay_suppliers(reserve=60.0) == pytest.approx(40.0)
    assert led.payables == 0.0
    assert led.identity_gap() == pytest.approx(0.0)


def test_arrears_wait_for_a_demand_and_a_supplier_in_arrears_gets_no_later_bill_paid():
    """New money pays the latest bill of a supplier that is up to date, not old bills, and
    not the later bills of a supplier in arrears: once a bill has gone unpaid, the later
    ones go unpaid too, until the supplier demands what is above its credit limit."""
    led = ledger(cash=0.0)
    led.accrue_compute(80.0)
    led.issue_bills()                           # month 1: A 60, B 20, nothing to pay them with
    assert led.pay_suppliers(reserve=0.0) == 0.0
    led.raise_money(1000.0)
    led.suppliers[1].credit_months = 0.0        # B demands all it is owed: B is up to date
    assert led.pay_demanded() == pytest.approx(20.0)
    led.accrue_compute(40.0)
    led.issue_bills()                           # month 2: A 30, B 10 more; owed A 90, B 10
    a, b = led.suppliers
    assert a.in_arrears and not b.in_arrears
    assert led.pay_suppliers(reserve=0.0) == pytest.approx(10.0)    # B's bill only
    assert (a.owed, b.owed) == pytest.approx((90.0, 0.0))
    assert led.pay_suppliers(reserve=0.0) == 0.0                     # nothing more is due now
    a.credit_months = 0.5                       # A's limit falls to 30 (peak bill 60)
    assert led.pay_demanded() == pytest.approx(60.0)
    assert a.owed == pytest.approx(30.0)        # what is left is the latest bill: A is current
    assert not a.in_arrears
    assert led.pay_suppliers(reserve=0.0) == pytest.approx(30.0)
    assert led.payables == 0.0 and led.identity_gap() == pytest.approx(0.0)


def test_demanded_is_the_arrears_above_the_credit_limit():
    led = ledger(cash=50.0, credit_months=(1.0, 0.0))
    led.accrue_compute(80.0)
    led.issue_bills()                           # A owes 60 (limit 60), B owes 20 (limit 0)
    assert led.demanded() == pytest.approx(20.0)
    led.accrue_compute(80.0)
    led.issue_bills()                           # A owes 120 (limit 60), B owes 40 (limit 0)
    assert led.demanded() == pytest.approx(60.0 + 40.0)
    # paid even from the reserve: the cash may go below any reserve
    assert led.pay_demanded() == pytest.approx(100.0)
    assert (led.suppliers[0].owed, led.suppliers[1].owed) == pytest.approx((60.0, 0.0))
    assert led.demanded() == 0.0
    assert led.cash == pytest.approx(-50.0)
    assert led.identity_gap() == pytest.approx(0.0)


def test_ledger_identity_through_every_flow():
    led = ledger(cash=1000.0)
    led.raise_money(500.0)
    led.receive_revenue(30.0)
    led.sell_asset(70.0)
    led.pay(200.0)
    led.accrue_compute(900.0)
    led.issue_bills()
    led.pay_demanded()
    led.pay_suppliers(reserve=100.0)
    assert led.identity_gap() == pytest.approx(0.0, abs=1e-9)
    assert led.cash == pytest.approx(1000 + 500 + 30 + 70 - led.paid)
