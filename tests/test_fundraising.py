"""Fundraising: when rounds start, what the CEO asks, failures, bridges and down rounds."""

import pytest

from conftest import batch, column, events, founder_events, make_params, seeds, simulate
from model import StartupModel


def step_through(model):
    """Step a model to its end, yielding after every week."""
    while model.running:
        model.step()
        yield model


# --------------------------------------------------------------------------- starting a round

def test_first_round_starts_the_week_runway_falls_below_the_threshold(baseline):
    threshold = baseline.params.fundraising.start_runway_weeks
    started = 0
    for m in batch(n=30):
        first = events(m, "round_started")
        runway = column(m, "runway_weeks")
        if not first:
            assert min(runway) >= threshold
            continue
        w = first[0].week
        assert runway[w] < threshold, (w, runway[w])
        assert all(r >= threshold for r in runway[:w])
        started += 1
    assert started >= 25


def test_no_round_without_a_runway_trigger_and_at_once_with_a_high_one():
    never = make_params("stability-ai", "fundraising.start_runway_weeks=0")
    always = make_params("stability-ai", "fundraising.start_runway_weeks=260")
    for seed in seeds(5):
        assert simulate(never, seed).events.count("round_started") == 0
        assert simulate(always, seed).events.first("round_started") == 0


# --------------------------------------------------------------------------- what is asked

def _first_ask(*sets):
    asks = {simulate(make_params("stability-ai", *sets), seed).fundraising.first_ask
            for seed in seeds(3)}
    assert len(asks) == 1                      # set by the traits, not by chance
    return asks.pop()


def test_first_ask_goes_from_the_last_post_money_to_one_valuation_step_with_grandiosity(baseline):
    """A modest CEO (grandiosity 0) asks the last post-money; a fully grandiose one asks it
    times valuation_step; in between the ask rises with grandiosity."""
    f = baseline.params.fundraising
    g = [0.0, 0.3, 0.75, 1.0]
    asks = [_first_ask(f"ceo.grandiosity={x}") for x in g]
    assert asks[0] == pytest.approx(f.post_money, rel=1e-12)
    assert asks[-1] == pytest.approx(f.post_money * f.valuation_step, rel=1e-12)
    assert all(x < y for x, y in zip(asks, asks[1:])), asks


def test_first_ask_is_proportional_to_the_last_post_money():
    # doubling the last post-money doubles the ask, whatever the CEO's grandiosity
    for g in (0.0, 0.75):
        one = _first_ask(f"ceo.grandiosity={g}", "fundraising.post_money=1e9")
        two = _first_ask(f"ceo.grandiosity={g}", "fundraising.post_money=2e9")
        assert two == pytest.approx(2.0 * one, rel=1e-12)


def test_baseline_founder_first_asks_four_billion(baseline):
    # the case (not a run's output): a $4B valuation sought after the $1B round. With
    # grandiosity 0.75 and step 5 the ask is 1B x (1 + (5 - 1) x 0.75) = 1B x 4 = 4B.
    assert [m.fundraising.first_ask for m in batch(n=10)] == [pytest.approx(4e9)] * 10


def test_after_a_failed_round_the_next_ask_is_cut_by_target_cut(baseline):
    cut = baseline.params.fundraising.target_cut
    pairs = 0
    for seed in seeds(12):
        m = StartupModel(baseline.params, seed=seed)
        last_round, failed_before, seen, ceo = None, False, 0, m.ceo
        for _ in step_through(m):
            if m.ceo is not ceo:          # a new CEO sizes his own round (fundraising.new_ceo)
                last_round, failed_before, ceo = None, False, m.ceo
            rnd = m.fundraising.round
            if rnd is not None and rnd is not last_round:
                if failed_before and last_round is not None:
                    assert rnd.valuation == pytest.approx(last_round.valuation * (1 - cut))
                    assert rnd.size == pytest.approx(last_round.size * (1 - cut))
                    pairs += 1
                last_round, failed_before = rnd, False
            for e in m.events.events[seen:]:
                if e.event == "round_failed":
                    failed_before = True
                elif e.event == "round_closed":
                    failed_before, last_round = False, None
            seen = len(m.events)
    assert pairs >= 10


def test_a_failed_round_is_declared_after_round_weeks(baseline):
    weeks = baseline.params.fundraising.round_weeks
    n = 0
    for m in batch(n=20):
        started = {}
        for e in m.events:
            num = e.detail.split(":")[0] if e.detail.startswith("round ") else None
            if e.event == "round_started":
                started[num] = e.week
            elif e.event == "round_failed":
                assert e.week - started[num] == weeks
                n += 1
    assert n >= 20


# --------------------------------------------------------------------------- closing

def test_no_offers_no_closed_rounds():
    p = make_params("stability-ai", "fundraising.offer_rate=0", "rescue.amount=0")
    for seed in seeds(10):
        m = simulate(p, seed)
        assert m.events.count("round_closed") == 0
        assert m.events.count("offer_rejected") == 0
        assert m.ledger.raised == pytest.approx(m.fundraising.bridges * p.fundraising.bridge_size
                                                + m.fundraising.notes
                                                * p.fundraising.distress_note_size)


def test_no_bridge_when_max_bridges_is_zero():
    p = make_params("stability-ai", "fundraising.max_bridges=0",
                    "fundraising.max_distress_notes=0")
    for seed in seeds(10):
        m = simulate(p, seed)
        assert m.events.count("bridge_closed") == 0
        assert m.bridge_raised == 0.0
    # control: the baseline raises a bridge in most runs, and never more than its limits allow
    base = make_params("stability-ai").fundraising
    runs = batch(n=20)
    counts = [m.events.count("bridge_closed") for m in runs]
    assert sum(c >= 1 for c in counts) >= 10
    assert max(counts) <= base.max_bridges + base.max_distress_notes
    assert all(m.fundraising.bridges <= base.max_bridges
               and m.fundraising.notes <= base.max_distress_notes for m in runs)


def test_a_note_at_the_brink_needs_payroll_at_risk_and_comes_earlier_when_the_line_is_higher():
    """No note while the cash covers ``distress_weeks`` of payroll and opex: a line of zero
    weeks is never crossed by a running company; a higher line brings the note earlier."""
    never = batch(sets=("fundraising.distress_weeks=0",), n=20)
    assert all(m.fundraising.notes == 0 for m in never)
    first = lambda runs: [next(e.week for e in events(m, "bridge_closed")
                               if e.cause == "payroll at risk") for m in runs
                          if m.fundraising.notes]
    base = first(batch(n=60))
    early = first(batch(sets=("fundraising.distress_weeks=26",), n=20))
    assert len(base) >= 5 and len(early) >= 5, (len(base), len(early))
    assert sum(early) / len(early) < sum(base) / len(base) - 4


def test_without_a_note_at_the_brink_more_companies_go_insolvent():
    with_note = batch(n=60)
    without = batch(sets=("fundraising.max_distress_notes=0",), n=60)
    share = lambda runs: sum(m.insolvent_week is not None for m in runs) / len(runs)
    assert share(without) > share(with_note) + 0.1, (share(without), share(with_note))


def test_a_bridge_adds_exactly_its_size_to_the_money_raised():
    size = 12.5e6
    p = make_params("stability-ai", f"fundraising.bridge_size={size}", "fundraising.max_bridges=3",
                    "fundraising.max_distress_notes=0", "fundraising.offer_rate=0",
                    "rescue.amount=0")
    bridges = 0
    for seed in seeds(8):
        m = StartupModel(p, seed=seed)
        raised, count = 0.0, 0
        for _ in step_through(m):
            if m.fundraising.bridges != count:
                assert m.fundraising.bridges == count + 1
                assert m.ledger.raised - raised == pytest.approx(size)
                bridges += 1
            else:
                assert m.ledger.raised == raised
            raised, count = m.ledger.raised, m.fundraising.bridges
        assert m.bridge_raised == pytest.approx(size * count)
        assert count <= 3
    assert bridges >= 8


def test_money_raised_is_bridges_plus_priced_rounds():
    """The ledger's money raised is the sum of the amounts of the closing events (bridges,
    priced rounds, a rescue, credit) in the event log, an independent record of the same flows."""
    closed = 0
    for m in batch(n=20):
        bridges = sum(e.amount for e in events(m, "bridge_closed"))
        rounds = sum(e.amount for e in events(m, ("round_closed", "rescued", "credit_drawn")))
        assert m.bridge_raised == pytest.approx(bridges)
        assert m.ledger.raised == pytest.approx(bridges + rounds)
        assert all(e.amount > 0 for e in events(m, ("bridge_closed", "round_closed")))
        closed += m.events.count("round_closed") > 0
    assert closed >= 3


def test_open_books_and_listening_close_more_rounds_under_the_founder():
    def closed(runs):
        return sum(1 for m in runs if founder_events(m, "round_closed"))
    disciplined = closed(batch("disciplined-founder", n=40))
    base = closed(batch(n=40))
    assert disciplined >= base + 8, (disciplined, base)
    assert disciplined >= 20


def test_down_rounds_are_labelled_exactly_when_the_price_falls():
    p = make_params("stability-ai", "ceo.listening=1", "ceo.transparency=1",
                    "fundraising.revenue_multiple=20")
    runs_with_down, closes = 0, 0
    for seed in seeds(20):
        m = StartupModel(p, seed=seed)
        last = m.fundraising.last_post_money
        n_events, down_here = 0, False
        for _ in step_through(m):
            new = [e for e in m.events.events[n_events:] if e.event == "round_closed"]
            n_events = len(m.events)
            for e in new:
                closes += 1
                now = m.fundraising.last_post_money
                assert ("down round" in e.detail) == (now < last), (e.detail, now, last)
                down_here |= now < last
                last = now
        runs_with_down += down_here
    assert closes >= 10
    assert runs_with_down >= 5


def test_no_round_closes_at_a_zero_valuation():
    """post_money = 0 and revenue_multiple = 0 are valid values; with them the fair valuation
    and the ask are both 0, an offer of $0 is accepted and raise_equity divides by a zero
    post-money (company.py, raise_equity: dilution = amount / post_money)."""
    p = make_params("stability-ai", "fundraising.post_money=0", "fundraising.revenue_multiple=0")
    for seed in seeds(3):
        m = simulate(p, seed)
        assert m.events.count("round_closed") == 0
